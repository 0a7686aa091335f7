/* Persistence (see persist.h): which server a request's persistence chooses (use-server,
 * persist rdp-cookie, the persistence cookie, stick rules) and what the response teaches it
 * (the cookie sluice sets, stick store-response), as HAProxy 2.6 orders them. */
#include "persist.h"

#include <netinet/in.h>
#include <string.h>

#include "cookie.h"
#include "lb.h"
#include "macros.h"
#include "rdp.h"
#include "sample.h"
#include "scratch.h"
#include "stick.h"
#include "stream-t.h"
#include "stream_log.h"
#include "wctx.h"

/* A use-server format's text (empty when it cannot be made). */
static size_t persist_fmt(struct stream *st, const struct cfg_fmt *f, char *out, size_t size)
{
        int n = stream_log_format(st, f, false, out, size);

        return n < 0 ? 0 : (size_t)n;
}

static void stick_persist(struct stream *st)
{
        const struct cfg_proxy *be = st->be;

        for (size_t i = 0; i < be->n_stick_rules; i++) {
                const struct cfg_stick_rule *r = &be->stick_rules[i];
                struct cfg_smp_value key;
                char text[STICK_KEY_TEXT_MAX];

                if (r->kind == CFG_STICK_STORE_RES ||
                    (r->kind != CFG_STICK_MATCH && stick_table_stored(st, r->table)))
                        continue;
                if (sample_cond(st->sess, st, r->cond, false) &&
                    sample_value(st->sess, st, &r->key, false, &key, text, sizeof(text)))
                        stick_persist_rule(st, r, &key);
        }
}

/* The "stick store-response" rules on the response (HTTP: its head, after the header
 * captures and before the http-response rules; TCP: once connected): the first rule of each
 * table whose condition holds and whose key has a value stores it with the server that
 * answered (later rules of that table are skipped, their conditions not evaluated), at most
 * STICK_STORES_MAX of them, as HAProxy. */
void persist_store_response(struct stream *st)
{
        const struct cfg_proxy *be = st->be;
        int srv = st->srv_idx >= 0 ? st->srv_idx : st->last_srv;
        const struct cfg_proxy *done[STICK_STORES_MAX];
        unsigned n_done = 0;

        if (!be || srv < 0 || (size_t)srv >= be->n_servers)
                return;
        for (size_t i = 0; i < be->n_stick_rules && n_done < STICK_STORES_MAX; i++) {
                const struct cfg_stick_rule *r = &be->stick_rules[i];
                char text[STICK_KEY_TEXT_MAX];
                struct cfg_smp_value key;
                unsigned j = 0;

                if (r->kind != CFG_STICK_STORE_RES)
                        continue;
                while (j < n_done && done[j] != r->table)
                        j++;
                if (j < n_done || !sample_cond(st->sess, st, r->cond, true) ||
                    !sample_value(st->sess, st, &r->key, true, &key, text, sizeof(text)))
                        continue;
                if (stick_store_now(st, r, &key, srv))
                        done[n_done++] = r->table;
        }
}

/* The server of backend @be whose cookie value is @v, or -1. */
static int cookie_server(const struct cfg_proxy *be, struct sl_str v)
{
        for (size_t j = 0; j < be->n_servers; j++) {
                const char *c = be->servers[j].opts.cookie;

                if (c && strlen(c) == v.len && memcmp(c, v.ptr, v.len) == 0)
                        return (int)j;
        }
        return -1;
}

/* The request's Cookie fields: which server the persistence cookie names (it then goes
 * there, st->force_idx), and in insert+indirect or prefix mode what the server must not see
 * of it (the cookie, or its "SRV~" prefix). */
static void cookie_request(struct stream *st)
{
        const struct cfg_cookie *ck = st->be->cookie;
        struct sl_str name = sl_str_from_cstr(ck->name);
        struct http_msg *m = &st->req;
        char buf[4096];

        for (size_t i = 0; i < m->n_hdrs; i++) {
                struct http_hdr *h = &m->hdrs[i];
                struct sl_str v;
                size_t cut = SIZE_MAX, n;
                char *p;

                if (!sl_str_ieq(h->name, SL_STR_LIT("cookie")) || !cookie_find(h->value, name, &v))
                        continue;
                if (ck->mode == CFG_COOKIE_PREFIX) {
                        const char *tilde = memchr(v.ptr, '~', v.len);

                        if (!tilde)
                                continue;
                        if (st->cookie_srv < 0)
                                st->cookie_srv = cookie_server(
                                        st->be, sl_str_make(v.ptr, (size_t)(tilde - v.ptr)));
                        cut = (size_t)(tilde - v.ptr) + 1;
                } else {
                        if (st->cookie_srv < 0)
                                st->cookie_srv = cookie_server(st->be, v);
                        if (!(ck->mode == CFG_COOKIE_INSERT && ck->indirect))
                                continue;
                }
                n = cookie_edit(h->value, name, cut, buf, sizeof(buf));
                if (n == SIZE_MAX || !(p = scratch_copy(st, buf, n)))
                        continue;
                if (n == 0) {
                        /* nothing left: drop the field */
                        http_hdr_del(m, i);
                        i--;
                        continue;
                }
                h->value = sl_str_make(p, n);
        }
        if (st->cookie_srv >= 0 && st->force_idx < 0)
                st->force_idx = st->cookie_srv;
}

static bool res_hdr_add(struct stream *st, struct sl_str name, const char *v, size_t n)
{
        char *p = scratch_copy(st, v, n);

        return p && http_hdr_add(&st->res, name, sl_str_make(p, n));
}

/* The response: insert the server's cookie when the client did not send it, or rewrite or
 * prefix the application's own. */
void persist_response(struct stream *st)
{
        const struct cfg_cookie *ck = st->be->cookie;
        struct sl_str name = sl_str_from_cstr(ck->name);
        struct http_msg *m = &st->res;
        const char *srv_cookie;
        bool insert, drop_own;
        char buf[4096];
        int n;

        if (st->srv_idx < 0 || (size_t)st->srv_idx >= st->be->n_servers)
                return;
        srv_cookie = st->be->servers[st->srv_idx].opts.cookie;
        if (!srv_cookie || ck->mode == CFG_COOKIE_PASSIVE)
                return;
        insert = ck->mode == CFG_COOKIE_INSERT && st->cookie_srv != st->srv_idx &&
                 (!ck->postonly || st->req.meth == HTTP_METH_POST);
        /* the application's own cookie of that name: replaced by ours when inserting; with
         * indirect, not shown to a client that already has ours (unless preserve) */
        drop_own = ck->mode == CFG_COOKIE_INSERT && !ck->preserve && (insert || ck->indirect);
        for (size_t i = 0; i < m->n_hdrs; i++) {
                struct http_hdr *h = &m->hdrs[i];
                struct sl_str v;
                size_t len;
                char *p;

                if (!sl_str_ieq(h->name, SL_STR_LIT("set-cookie")) ||
                    !set_cookie_is(h->value, name, &v))
                        continue;
                if (drop_own) {
                        http_hdr_del(m, i);
                        i--;
                        continue;
                }
                if (ck->mode == CFG_COOKIE_REWRITE) {
                        len = set_cookie_rewrite(h->value, sl_str_from_cstr(srv_cookie), false, buf,
                                                 sizeof(buf));
                } else if (ck->mode == CFG_COOKIE_PREFIX) {
                        n = snprintf(buf, sizeof(buf), "%s~", srv_cookie);
                        if (n < 0 || (size_t)n >= sizeof(buf) / 2)
                                continue;
                        len = set_cookie_rewrite(h->value, sl_str_make(buf, (size_t)n), true,
                                                 buf + n, sizeof(buf) - (size_t)n);
                        if (len != SIZE_MAX)
                                memmove(buf, buf + n, len);
                } else {
                        continue;
                }
                if (len == SIZE_MAX || !(p = scratch_copy(st, buf, len)))
                        continue;
                h->value = sl_str_make(p, len);
        }
        if (!insert)
                return;
        n = snprintf(buf, sizeof(buf), "%s=%s; path=/%s%s%s%s%s%s", ck->name, srv_cookie,
                     ck->domain ? "; domain=" : "", ck->domain ? ck->domain : "",
                     ck->httponly ? "; HttpOnly" : "", ck->secure ? "; Secure" : "",
                     ck->attr ? "; " : "", ck->attr ? ck->attr : "");
        if (n < 0 || (size_t)n >= sizeof(buf))
                return;
        (void)res_hdr_add(st, SL_STR_LIT("Set-Cookie"), buf, (size_t)n);
        if (ck->nocache)
                (void)res_hdr_add(st, SL_STR_LIT("Cache-Control"), "private", 7);
}

/* use-server rules: the first whose condition holds and whose server can take the request
 * chooses it (a server that is down is skipped, as HAProxy does without option persist,
 * unless force-persist holds). */
static void use_server(struct stream *st)
{
        const struct cfg_proxy *be = st->be;
        struct lb *lb = worker_rt(st->w, be)->lb;

        for (size_t i = 0; i < be->n_use_servers; i++) {
                const struct cfg_use_server *u = &be->use_servers[i];
                int idx = u->srv;

                if (!sample_cond(st->sess, st, u->cond, false))
                        continue;
                if (u->dynamic) {
                        char name[256];
                        size_t n = persist_fmt(st, &u->fmt, name, sizeof(name));

                        for (size_t k = 0; k < be->n_servers && idx < 0; k++)
                                if (strlen(be->servers[k].name) == n &&
                                    memcmp(be->servers[k].name, name, n) == 0)
                                        idx = (int)k;
                }
                if (idx >= 0 &&
                    ((st->flags & STRM_F_FORCE_PERSIST) || lb_usable(lb, (uint32_t)idx))) {
                        st->force_idx = idx;
                        return;
                }
        }
}

/* persist rdp-cookie (TCP): the server the client's RDP cookie names by its IPv4 address
 * and port, as HAProxy's tcp_persist_rdp_cookie(); a server that cannot take the request is
 * passed over (lb_take() decides). */
static void rdp_persist(struct stream *st)
{
        const struct cfg_proxy *be = st->be;
        const struct lb *lb = worker_rt(st->w, be)->lb;
        struct sd_data d;
        struct sl_str v;
        uint8_t addr[4];
        uint16_t port;

        if (!st->cli.ops || !st->cli.ops->rcv_peek || st->cli.ops->rcv_peek(&st->cli, &d) < 0 ||
            rdp_cookie((const uint8_t *)d.p, d.len, sl_str_from_cstr(be->persist_rdp), &v) !=
                    RDP_OK ||
            v.len == 0 || !rdp_cookie_server(v, addr, &port))
                return;
        for (size_t i = 0; i < be->n_servers; i++) {
                const struct cfg_server *srv = &be->servers[i];
                const struct sockaddr_in *in = (const struct sockaddr_in *)&srv->addr.ss;

                if (srv->addr.ss.ss_family == AF_INET && srv->addr.port_low == port &&
                    memcmp(&in->sin_addr, addr, 4) == 0 && lb && lb_usable(lb, (uint32_t)i)) {
                        st->force_idx = (int)i;
                        return;
                }
        }
}

/* Persistence: use-server, then (unless ignore-persist holds) the cookie and the stick
 * tables choose the server. */
void persist_request(struct stream *st)
{
        const struct cfg_proxy *be = st->be;
        int forced;

        st->force_idx = -1;
        /* HAProxy's persist rules (after the backend is chosen, before use-server) */
        for (size_t i = 0; i < be->n_persist_rules; i++) {
                if (sample_cond(st->sess, st, be->persist_rules[i].cond, false)) {
                        st->flags |= be->persist_rules[i].force ? STRM_F_FORCE_PERSIST
                                                                : STRM_F_IGNORE_PERSIST;
                        break;
                }
        }
        if (be->n_use_servers)
                use_server(st);
        if (be->persist_rdp && st->force_idx < 0 && !(st->flags & STRM_F_HTTP))
                rdp_persist(st);
        forced = st->force_idx;
        /* the cookie is still read (and its prefix stripped) when it chooses nothing */
        if (be->cookie && (st->flags & STRM_F_HTTP))
                cookie_request(st);
        if (st->flags & STRM_F_IGNORE_PERSIST)
                st->force_idx = forced;
        if (be->n_stick_rules)
                stick_persist(st);
}
