/* Server choice and connection for streams (see backend.h); called by stream.c when a
 * request is ready for a server, on retries, and when a queued stream gets a slot. */
#include "backend.h"

#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>

#include "clock.h"
#include "lb.h"
#include "loop.h"
#include "macros.h"
#include "model.h"
#include "mux.h"
#include "pp_stream.h"
#include "proxy_hdr.h"
#include "sample.h"
#include "sess_addr.h"
#include "session.h"
#include "srv_state.h"
#include "srvconn.h"
#include "stick.h"
#include "stream-t.h"
#include "wcount.h"
#include "wctx.h"

/* the longest turn-around before a retry (HAProxy's one second) */
#define BACKEND_TURNAROUND_MAX_MS 1000

static struct sl_str lb_hdr_cb(void *data, const char *name, size_t len)
{
        const struct http_msg *m = data;
        struct sl_str n = sl_str_make(name, len);

        for (size_t i = m->n_hdrs; i-- > 0;)
                if (sl_str_ieq(m->hdrs[i].name, n))
                        return m->hdrs[i].value;
        return SL_STR_NULL;
}

/* Is some usable server of the backend full (at its maxconn)? Then a request waits for a
 * slot instead of failing. */
static bool backend_saturated(struct px_rt *rt)
{
        const struct cfg_proxy *be = rt->px;

        for (size_t i = 0; i < be->n_servers; i++) {
                const struct srv_state_rec *rec = &rt->lb->recs[i];
                uint32_t max = rt->lb->srv[i].maxconn;

                if (max && srv_state_usable(rec) && srv_state_cur_conns(rec) >= max)
                        return true;
        }
        return false;
}

void backend_count(struct stream *st, int idx, enum stats_ctr c)
{
        (idx >= 0 ? wc_srv(st->w, st->be, idx) : wc_be(st->w, st->be))->c[c]++;
}

static void slot_take(struct stream *st, struct px_rt *rt, int idx)
{
        struct stats_blk *sb = wc_srv(st->w, st->be, idx);

        st->srv_idx = idx;
        if (rt->held)
                atomic_fetch_add_explicit(&rt->held[idx], 1, memory_order_relaxed);
        rt->beconn++;
        stats_gauge(wc_be(st->w, st->be), ST_G_CUR, 1, ST_M_CUR);
        sb->c[ST_C_STOT]++;
        sb->last_ms = loop_now(st->w->loop);
        stats_rate_hit(sb, ST_R_SESS, ST_M_RATE, sb->last_ms);
        stats_gauge(sb, ST_G_CUR, 1, ST_M_CUR);
        /* HAProxy's lbtot: chosen by the balancer, not by persistence (the backend's is its
         * servers' sum) */
        sb->c[ST_C_LBTOT] += !(st->flags & STRM_F_DIRECT);
}

void backend_release(struct stream *st)
{
        struct px_rt *rt;

        if (st->srv_idx < 0 || !st->be)
                return;
        rt = worker_rt(st->w, st->be);
        lb_release(rt->lb, st->srv_idx);
        if (rt->held)
                atomic_fetch_sub_explicit(&rt->held[st->srv_idx], 1, memory_order_relaxed);
        rt->beconn--;
        stats_gauge(wc_be(st->w, st->be), ST_G_CUR, -1, ST_M_COUNT);
        stats_gauge(wc_srv(st->w, st->be, st->srv_idx), ST_G_CUR, -1, ST_M_COUNT);
        if (rt->n_queued)
                loop_defer_queue(&rt->queue_kick);
        st->srv_idx = -1;
}

/* What the request-target has before its path: "scheme://authority" of an absolute URI
 * (empty for the usual "/path"), which balance uri hashes too unless path-only. */
static struct sl_str uri_head(const struct http_msg *m)
{
        struct sl_str t = m->target;
        const char *sep;

        if (!t.len || t.ptr[0] == '/')
                return sl_str_make(t.ptr, 0);
        if (!m->path_set && m->path.ptr && m->path.ptr >= t.ptr && m->path.ptr <= t.ptr + t.len)
                return sl_str_make(t.ptr, (size_t)(m->path.ptr - t.ptr));
        /* rewritten by set-path: the authority stays, the path is the new one */
        sep = t.len > 3 ? memmem(t.ptr, t.len, "://", 3) : NULL;
        if (!sep)
                return t;
        sep = memchr(sep + 3, '/', t.len - (size_t)(sep + 3 - t.ptr));
        return sep ? sl_str_make(t.ptr, (size_t)(sep - t.ptr)) : t;
}

static void lb_key_of(struct stream *st, struct lb_key *key)
{
        const union sl_addr *src = sess_src(st->sess, st);

        *key = (struct lb_key){0};
        if (src->sa.sa_family == AF_INET) {
                key->family = AF_INET;
                memcpy(key->addr, &src->sin.sin_addr, 4);
        } else if (src->sa.sa_family == AF_INET6) {
                key->family = AF_INET6;
                memcpy(key->addr, &src->sin6.sin6_addr, 16);
        }
        if (!(st->flags & STRM_F_HTTP) && st->be->balance.algo == CFG_LB_RDP_COOKIE &&
            st->cli.ops && st->cli.ops->rcv_peek) {
                /* what the client sent so far (the content rules may have waited for it) */
                struct sd_data d;

                if (st->cli.ops->rcv_peek(&st->cli, &d) == 0)
                        key->content = sl_str_make(d.p, d.len);
        }
        if (st->flags & STRM_F_HTTP) {
                key->uri_head = uri_head(&st->req);
                key->path = st->req.path;
                key->query = st->req.query;
                key->hdr = lb_hdr_cb;
                key->hdr_data = &st->req;
        }
}

/* option prefer-last-server (HAProxy's assign_server()): with an algorithm that does not hash,
 * the server the client's previous request went to, while it is usable and the session still
 * has its connection to it; -1 to balance. Only http-reuse never keeps a connection for the
 * session (HAProxy's private connections): with the other modes it went to the server's
 * pool for any session, and HAProxy balances. */
static int prefer_last(struct stream *st, struct px_rt *rt)
{
        const struct sess *ss = st->sess;
        enum cfg_balance_algo a = st->be->balance.algo;
        int idx = ss->last_srv;

        if (!(st->be->options & CFG_OPT_PREFER_LAST_SERVER) || ss->last_be != st->be || idx < 0 ||
            (a != CFG_LB_ROUNDROBIN && a != CFG_LB_STATIC_RR && a != CFG_LB_LEASTCONN &&
             a != CFG_LB_FIRST) ||
            st->be->http_reuse != CFG_REUSE_NEVER || lb_exclude_test(st->tried, (uint32_t)idx) ||
            !lb_usable(rt->lb, (uint32_t)idx) || !srv_conn_idle_of(rt, idx, ss->id))
                return -1;
        return lb_take(rt->lb, (uint32_t)idx, false);
}

/* The server for this attempt, with its slot taken; -1 when none. *@avoid_soft: whether the
 * servers a redispatch avoids may still be taken when no other can (once per connect). */
static int backend_pick(struct stream *st, struct px_rt *rt, const struct lb_key *key,
                        bool *avoid_soft)
{
        uint8_t only[sizeof(st->tried)];
        const uint8_t *exclude = st->tried;
        int idx = -1;

        if (st->retry_idx >= 0) {
                /* a retry without redispatch goes to the same server */
                memset(only, 0xff, sizeof(only));
                only[st->retry_idx / 8] &= (uint8_t) ~(1u << (st->retry_idx % 8));
                exclude = only;
        }
        if (st->force_idx >= 0) {
                /* persistence: its server if it can take the request, else balance */
                if (!lb_exclude_test(st->tried, (uint32_t)st->force_idx))
                        idx = lb_take(rt->lb, (uint32_t)st->force_idx,
                                      (st->flags & STRM_F_FORCE_PERSIST) != 0);
                st->force_idx = -1;
                if (idx >= 0)
                        st->flags |= STRM_F_DIRECT;
        }
        if (idx < 0 && st->retry_idx < 0)
                idx = prefer_last(st, rt);
        if (idx < 0)
                idx = lb_pick(rt->lb, key, exclude);
        if (idx < 0 && *avoid_soft && st->retry_idx < 0 && (st->flags & STRM_F_REDISPATCH)) {
                /* HAProxy avoids the server that failed, but takes it when it is the only one */
                *avoid_soft = false;
                idx = lb_pick(rt->lb, key, NULL);
        }
        return idx;
}

/* The SNI to send to server @idx over TLS: its "sni" expression's value, or NULL. */
static const char *backend_sni(struct stream *st, const struct px_rt *rt, int idx, char *buf,
                               size_t size)
{
        const struct cfg_server *srv;

        if (idx < 0 || !rt->tls_srv || !rt->tls_srv[idx])
                return NULL;
        srv = &rt->px->servers[idx];
        if (!srv->opts.tls.sni.src)
                return NULL;
        return sample_text(st->sess, st, &srv->opts.tls.sni, false, buf, size) > 0 ? buf : NULL;
}

/* A connection to server @idx (-1: the dispatch address) for @st: an idle one when http-reuse
 * allows, else a new one. Returns 0 with *ret, or the error of the new connection. */
static int backend_srv_conn(struct stream *st, struct px_rt *rt, int idx, struct srv_conn **ret)
{
        const struct cfg_proxy *be = st->be;
        struct worker *w = st->w;
        char sni_buf[256];
        uint8_t pp_buf[PP_HDR_MAX];
        size_t pp_len = 0;
        const char *sni;
        socklen_t len;
        uint32_t pp;
        bool reuse;
        int r;

        r = srv_conn_addr(rt, idx, srv_conn_needs_dst(rt, idx) ? sess_dst(st->sess, st) : NULL,
                          &st->srv_addr, &len);
        if (r < 0) {
                st->srv_addr.ss_family = AF_UNSPEC;
                return r;
        }
        /* http-reuse never: the session's own connection only (HAProxy keeps it private to
         * the session), else any idle one, for safe only after the session's first request */
        reuse = (st->flags & STRM_F_HTTP) &&
                (be->http_reuse != CFG_REUSE_SAFE || (st->flags & STRM_F_NOT_FIRST)) &&
                !(st->flags & STRM_F_NEW_CONN);
        sni = backend_sni(st, rt, idx, sni_buf, sizeof(sni_buf));
        /* an HTTP/2 connection with room for another stream is shared from the session's
         * first request on (HAProxy's available connections), except with http-reuse never;
         * one that began with a PROXY header carries the client it named: its session's only
         * (HAProxy reuses one whose header is the same), and none when the header names the
         * stream (unique-id) */
        pp = idx >= 0 ? cfg_server_pp(&be->servers[idx].opts) : 0;
        *ret = (st->flags & STRM_F_HTTP) && !(st->flags & STRM_F_NEW_CONN) && !cfg_pp_per_stream(pp)
                       ? srv_conn_take_idle(rt, idx, &st->srv_addr,
                                            be->http_reuse == CFG_REUSE_NEVER || pp ? st->sess->id
                                                                                    : 0,
                                            sni, reuse)
                       : NULL;
        if (*ret) {
                backend_count(st, idx, ST_C_REUSE);
                return 0;
        }
        if (pp) {
                pp_len = pp_stream_header(st, pp, pp_buf, sizeof(pp_buf));
                if (!pp_len)
                        return -ENOBUFS;
        }
        r = srv_conn_open(w, rt, idx, &st->srv_addr, len, sni, pp_buf, pp_len, ret);
        backend_count(st, idx, r == 0 ? ST_C_CONNECT : ST_C_ECON);
        if (r < 0)
                wcount_observe(st, idx, true);
        return r;
}

bool backend_redispatch(const struct stream *st, int idx)
{
        const struct cfg_proxy *be = st->be;
        const struct lb *lb = worker_rt(st->w, be)->lb;
        enum cfg_balance_algo a = be->balance.algo;

        if (idx < 0 || !lb || !(be->options & CFG_OPT_REDISPATCH) ||
            (st->flags & STRM_F_FORCE_PERSIST))
                return false;
        if (st->retries_left == 0 || !lb_usable(lb, (uint32_t)idx))
                return true;
        return !(st->flags & STRM_F_DIRECT) &&
               (a == CFG_LB_ROUNDROBIN || a == CFG_LB_STATIC_RR || a == CFG_LB_RANDOM) &&
               lb_n_active(lb) > 1;
}

uint64_t backend_turnaround_ms(const struct stream *st, bool redispatch)
{
        const struct lb *lb = worker_rt(st->w, st->be)->lb;
        uint64_t tmo = cfg_proxy_timeout(st->be, CFG_TO_CONNECT);

        if (redispatch && lb && lb_n_active(lb) > 1)
                return 0;
        return tmo && tmo < BACKEND_TURNAROUND_MAX_MS ? tmo : BACKEND_TURNAROUND_MAX_MS;
}

enum be_result backend_connect(struct stream *st)
{
        struct worker *w = st->w;
        struct px_rt *rt = worker_rt(w, st->be);
        const struct cfg_proxy *be = st->be;
        bool dispatch = cfg_proxy_uses_dispatch(be), avoid_soft = true;
        struct srv_conn *sc = NULL;
        struct lb_key key;
        int idx, r;

        if (!rt->lb && !dispatch)
                return BE_NO_SERVER;
        lb_key_of(st, &key);
        for (;;) {
                if (dispatch) {
                        /* HAProxy's dispatch: no balancing, no server slot */
                        idx = -1;
                } else {
                        idx = backend_pick(st, rt, &key, &avoid_soft);
                        if (idx < 0)
                                return backend_saturated(rt) ? BE_QUEUED : BE_NO_SERVER;
                        slot_take(st, rt, idx);
                        if (st->n_stores)
                                stick_persist_server(st);
                        /* HAProxy's "+" in %rc: a retry that did go to another server */
                        if ((st->flags & STRM_F_REDISPATCH) && idx != st->last_srv)
                                st->flags |= STRM_F_REDISPATCHED;
                }
                st->last_srv = idx;
                r = backend_srv_conn(st, rt, idx, &sc);
                if (r == 0) {
                        bool shared = sl_list_linked(&sc->avail_link);

                        st->srv = (struct sd){.strm = st};
                        if (sc->conn.mux->attach(&sc->conn, &st->srv) == 0)
                                break;
                        if (!shared) {
                                srv_conn_close(sc);
                                backend_release(st);
                                return BE_NO_SERVER;
                        }
                        /* a shared connection that takes no more streams after all: it
                         * stays for its own, and leaves the list (the next try opens one) */
                        srv_conn_set_avail(sc, false);
                        backend_release(st);
                        continue;
                }
                /* refused at once: try another server as a retry would */
                if (dispatch)
                        return BE_NO_SERVER;
                backend_release(st);
                if (idx < (int)sizeof(st->tried) * 8)
                        st->tried[idx / 8] |= (uint8_t)(1u << (idx % 8));
        }
        st->flags &= ~(uint32_t)STRM_F_NEW_CONN;
        if (st->sess->last_be != be)
                sess_close_private(st->sess);
        st->sess->last_be = be;
        st->sess->last_srv = idx;
        sc->owner = st->sess->id;
        /* %bi %bp in the log format: the server connection's local address, now, as the
         * connection may be gone (or serving another stream) when the line is written */
        if (st->fe->log_format && st->fe->log_format->be_addr)
                conn_local_addr(&sc->conn, &st->be_src);
        return BE_ATTACHED;
}
