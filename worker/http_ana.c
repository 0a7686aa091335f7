/* HTTP analysis (see http_ana.h): what HAProxy calls the analysers of a stream's request and
 * response, over protocol-neutral messages. Called by stream.c once a head is complete. */
#include "http_ana.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "http_auth.h"
#include "http_ext.h"
#include "http_rewrite.h"
#include "macros.h"
#include "persist.h"
#include "pool.h"
#include "sample.h"
#include "sample_conv.h"
#include "scratch.h"
#include "sess_addr.h"
#include "session.h"
#include "stick.h"
#include "stream-t.h"
#include "stream_log.h"
#include "vars.h"
#include "wctx.h"

enum rule_result {
        RULE_CONTINUE = 0, /* go on with the next rule */
        RULE_STOP,         /* allow: no more rules of this list */
        RULE_REPLIED,      /* the stream answers by itself */
        RULE_FAILED,       /* out of memory or space */
        RULE_DROP,         /* silent-drop: the client connection closes, told nothing */
        RULE_WAIT,         /* wait-for-body: run again from st->ana_rule */
        RULE_BAD_REQ,      /* a rule found the request invalid: 400 */
        RULE_SERVICE,      /* use-service: the node answers */
};

/* Render @f for the stream; returns the length (truncated to @size - 1). */
static size_t ana_fmt(struct stream *st, const struct cfg_fmt *f, bool response, char *out,
                      size_t size)
{
        int n = stream_log_format(st, f, response, out, size);

        return n < 0 ? 0 : (size_t)n;
}

/* ---- replies ---- */

/* A redirect (HAProxy's http_apply_redirect_rule()): RULE_CONTINUE when ignore-empty
 * skips it. */
static enum rule_result rule_redirect(struct stream *st, const struct cfg_http_rule *r,
                                      bool response, bool keep)
{
        char target[2048], loc[4096], cookie[1024];
        size_t tl = 0;
        ssize_t n;

        if (r->redir_str) {
                tl = SL_MIN(strlen(r->redir_str), sizeof(target) - 1);
                memcpy(target, r->redir_str, tl);
        } else if (!(r->redir == CFG_REDIR_PREFIX && strcmp(r->fmt.src, "/") == 0)) {
                tl = ana_fmt(st, &r->fmt, response, target, sizeof(target));
        } else {
                tl = 1;
                target[0] = '/';
        }
        if (r->redir == CFG_REDIR_LOCATION && !r->redir_str && tl == 0 &&
            (r->redir_flags & CFG_REDIR_F_IGNORE_EMPTY))
                return RULE_CONTINUE;
        n = http_ext_redirect_location(st, r, sl_str_make(target, tl), loc, sizeof(loc));
        if (n < 0)
                return RULE_FAILED;
        http_reply_begin(st, r->redir_code, keep);
        if (st->term[0] == '-') {
                /* HAProxy: a local answer, to the request or to the response head */
                st->term[0] = 'L';
                st->term[1] = response ? 'H' : 'R';
        }
        if (!http_reply_body(st, SL_STR_NULL) ||
            !http_reply_hdr(st, "location",
                            sl_str_make(scratch_copy(st, loc, (size_t)n), (size_t)n)))
                return RULE_FAILED;
        /* HAProxy: only the temporary ones say no-cache */
        if ((r->redir_code == 302 || r->redir_code == 303 || r->redir_code == 307) &&
            !http_reply_hdr(st, "cache-control", SL_STR_LIT("no-cache")))
                return RULE_FAILED;
        if (r->redir_cookie) {
                int k = snprintf(cookie, sizeof(cookie), "%s; path=/;%s", r->redir_cookie,
                                 (r->redir_flags & CFG_REDIR_F_CLEAR_COOKIE) ? " Max-Age=0;" : "");

                if (k < 0 || (size_t)k >= sizeof(cookie) ||
                    !http_reply_hdr(st, "set-cookie",
                                    sl_str_make(scratch_copy(st, cookie, (size_t)k), (size_t)k)))
                        return RULE_FAILED;
        }
        return RULE_REPLIED;
}

/* A reply rule (deny, return) or a redirect: build it in the stream. */
static enum rule_result rule_reply(struct stream *st, const struct cfg_http_rule *r, bool response)
{
        const struct cfg_reply *rep = &r->reply;
        bool keep = !(st->req.flags & HTTP_MSG_F_CLOSE) && !response && http_reply_req_complete(st);
        struct sl_str body = SL_STR_NULL;
        unsigned status;

        /* HAProxy counts denials as dreq or dresp, the other answers as intercepted */
        if (r->act == CFG_ACT_DENY || r->act == CFG_ACT_TARPIT)
                st->flags |= response ? STRM_F_DENIED_RES : STRM_F_DENIED;
        else if (!response)
                st->flags |= STRM_F_INTERCEPTED;
        if (r->act == CFG_ACT_REDIRECT)
                return rule_redirect(st, r, response, keep);
        if (r->act == CFG_ACT_AUTH)
                return http_ext_auth(st, r) ? RULE_REPLIED : RULE_FAILED;
        status = rep->status;
        if (response && r->act == CFG_ACT_DENY)
                status = 502; /* HAProxy: a denied response is a bad gateway */
        if (rep->kind == CFG_REPLY_ERRORFILE) {
                const struct cfg_errorfile *ef = http_reply_errorfile_of(st, status);

                if (ef && http_reply_errorfile(st, ef, status))
                        return RULE_REPLIED;
                if (r->act == CFG_ACT_DENY || r->act == CFG_ACT_TARPIT || status >= 400)
                        return http_ana_reply_error(st, status) ? RULE_REPLIED : RULE_FAILED;
        } else if (rep->kind == CFG_REPLY_STRING) {
                body = sl_str_make(rep->body, rep->body_len);
        } else if (rep->kind == CFG_REPLY_LF_STRING) {
                char tmp[4096];
                size_t n = ana_fmt(st, &rep->body_fmt, response, tmp, sizeof(tmp));

                body = sl_str_make(scratch_copy(st, tmp, n), n);
                if (!body.ptr)
                        return RULE_FAILED;
        }
        http_reply_begin(st, status, keep);
        if (!http_reply_body(st, body))
                return RULE_FAILED;
        if (rep->content_type &&
            !http_reply_hdr(st, "content-type", sl_str_from_cstr(rep->content_type)))
                return RULE_FAILED;
        for (size_t i = 0; i < rep->n_hdrs; i++) {
                char v[1024];
                size_t vl = ana_fmt(st, &rep->hdrs[i].value, response, v, sizeof(v));
                char *p = scratch_copy(st, v, vl);

                if (!p || !http_reply_hdr(st, rep->hdrs[i].name, sl_str_make(p, vl)))
                        return RULE_FAILED;
        }
        return RULE_REPLIED;
}

/* ---- rules ---- */

static bool del_match(const struct cfg_http_rule *r, struct sl_str name)
{
        struct cfg_acl_expr e = {.match = r->del_match, .icase = true};
        struct cfg_pattern pat = {.str = sl_str_make(r->hdr_name, r->hdr_name_len),
                                  .re = r->del_re};
        struct cfg_smp_value v = {.type = CFG_SMP_STR, .str = name};

        if (r->del_match == CFG_MATCH_STR)
                return sl_str_ieq(name, sl_str_make(r->hdr_name, r->hdr_name_len));
        e.pats = &pat;
        e.n_pats = 1;
        return cfg_acl_expr_match(&e, &v);
}

static void hdrs_del(struct http_msg *m, const struct cfg_http_rule *r, bool exact)
{
        size_t k = 0;

        for (size_t i = 0; i < m->n_hdrs; i++) {
                bool del = exact ? sl_str_ieq(m->hdrs[i].name,
                                              sl_str_make(r->hdr_name, r->hdr_name_len))
                                 : del_match(r, m->hdrs[i].name);

                if (!del)
                        m->hdrs[k++] = m->hdrs[i];
        }
        m->n_hdrs = k;
}

/* The stick-table actions, shared by tcp-request and http-request rules. Returns false for
 * reject. */
static bool stick_action(struct sess *ss, struct stream *st, const struct cfg_http_rule *r,
                         enum stick_level level)
{
        switch (r->act) {
        case CFG_ACT_TRACK_SC: {
                struct cfg_smp_value key;
                char text[STICK_KEY_TEXT_MAX];

                if (sample_value(ss, st, &r->track_key, false, &key, text, sizeof(text)))
                        stick_track(ss, st, r->sc, r->table, &key, level);
                break;
        }
        case CFG_ACT_SC_INC_GPC0:
        case CFG_ACT_SC_INC_GPC1:
                stick_inc_gpc(ss, st, r->sc, r->act == CFG_ACT_SC_INC_GPC1);
                break;
        case CFG_ACT_SC_SET_GPT0:
                stick_set_gpt0(ss, st, r->sc, (uint32_t)r->gpt0);
                break;
        case CFG_ACT_REJECT:
                return false;
        case CFG_ACT_SILENT_DROP:
                conn_silent_drop(&ss->conn);
                return false;
        default:
                break;
        }
        return true;
}

/* The variable actions, in every rule set; false when @r is no such action. */
static bool var_action(struct sess *ss, struct stream *st, const struct cfg_http_rule *r,
                       bool response)
{
        char val[4096];
        size_t vl;

        switch (r->act) {
        case CFG_ACT_SET_VAR:
                sample_set_var(ss, st, response, &r->var, r->var_flags, &r->expr);
                return true;
        case CFG_ACT_SET_VAR_FMT:
                /* the parser allows it only where a stream exists */
                vl = st ? ana_fmt(st, &r->fmt, response, val, sizeof(val)) : 0;
                sample_set_var_str(ss, st, response, &r->var, r->var_flags, sl_str_make(val, vl));
                return true;
        case CFG_ACT_UNSET_VAR:
                sample_unset_var(ss, st, response, &r->var);
                return true;
        default:
                return false;
        }
}

/* set-src, set-dst, set-src-port, set-dst-port: on the session's addresses before a
 * stream exists (tcp-request connection, session), else on the stream's; false when @r is
 * no such action. A sample that is not an address (a port) changes nothing, as HAProxy. */
static bool addr_action(struct sess *ss, struct stream *st, const struct cfg_http_rule *r)
{
        bool port = r->act == CFG_ACT_SET_SRC_PORT || r->act == CFG_ACT_SET_DST_PORT;
        union sl_addr *a;
        struct cfg_smp_value v;
        char buf[256];

        if (r->act != CFG_ACT_SET_SRC && r->act != CFG_ACT_SET_DST && !port)
                return false;
        if (!sample_value(ss, st, &r->expr, false, &v, buf, sizeof(buf)) ||
            !sample_cast(&v, port ? CFG_SMP_INT : CFG_SMP_IP, buf, sizeof(buf)))
                return true;
        a = sess_addr_to_set(ss, st, r->act == CFG_ACT_SET_DST || r->act == CFG_ACT_SET_DST_PORT);
        if (a)
                sess_addr_rewrite(a, &v);
        return true;
}

enum tcp_rules_result {
        TCP_RULES_GO,
        TCP_RULES_REJECT,
        TCP_RULES_WAIT,
        TCP_RULES_UPGRADE, /* switch-mode http on a TCP stream (st->upgrade_major set) */
};

/* Rules from *@pos on; with @may_wait, a rule whose condition lacks bytes that may come
 * stops there (*@pos says where to resume), as HAProxy's inspect-delay does. */
static enum tcp_rules_result tcp_rules_run(struct sess *ss, struct stream *st,
                                           const struct cfg_http_rule *rules, size_t n,
                                           enum stick_level level, size_t *pos, bool may_wait)
{
        for (size_t i = *pos; i < n; i++) {
                const struct cfg_http_rule *r = &rules[i];
                int c = may_wait ? sample_cond_partial(ss, st, r->cond)
                                 : sample_cond(ss, st, r->cond, false);

                if (c < 0) {
                        *pos = i;
                        return TCP_RULES_WAIT;
                }
                if (!c)
                        continue;
                if (r->act == CFG_ACT_ALLOW)
                        break;
                if (r->act == CFG_ACT_SWITCH_MODE) {
                        /* content rules only; on an HTTP stream it ends them, as accept */
                        if (!st || (st->flags & STRM_F_HTTP))
                                break;
                        st->upgrade_major = (uint8_t)r->http_major;
                        *pos = i + 1;
                        return TCP_RULES_UPGRADE;
                }
                if (var_action(ss, st, r, false) || addr_action(ss, st, r))
                        continue;
                if (r->act == CFG_ACT_EXPECT_PROXY) {
                        /* tcp-request connection only: the header is read next */
                        ss->expect_proxy = true;
                        continue;
                }
                if (r->act == CFG_ACT_SET_LOG_LEVEL) {
                        /* content rules only: a stream exists */
                        st->log_level = r->log_level < 0 ? -1 : r->log_level + 1;
                        continue;
                }
                if (r->act == CFG_ACT_CAPTURE) {
                        /* content rules only: a stream exists */
                        bool more = false;

                        if (!http_ext_capture_rule(st, r, false, may_wait ? &more : NULL)) {
                                *pos = i;
                                return TCP_RULES_WAIT;
                        }
                        continue;
                }
                if (!stick_action(ss, st, r, level))
                        return TCP_RULES_REJECT;
        }
        *pos = n;
        return TCP_RULES_GO;
}

bool http_ana_tcp_rules(struct sess *ss, struct stream *st, const struct cfg_http_rule *rules,
                        size_t n, enum stick_level level)
{
        size_t pos = 0;

        /* an HTTP stream's switch-mode ends the rules as accept does */
        return tcp_rules_run(ss, st, rules, n, level, &pos, false) != TCP_RULES_REJECT;
}

/* Run @rules from index @first; a wait-for-body that waits leaves its index in
 * st->ana_rule, where the list resumes. */
static enum rule_result rules_run_from(struct stream *st, const struct cfg_http_rule *rules,
                                       size_t n, bool response, size_t first)
{
        struct http_msg *m = response ? &st->res : &st->req;

        for (size_t i = first; i < n; i++) {
                const struct cfg_http_rule *r = &rules[i];
                char val[4096];
                size_t vl;
                char *p;

                if (!sample_cond(st->sess, st, r->cond, response))
                        continue;
                switch (r->act) {
                case CFG_ACT_ALLOW:
                        return RULE_STOP;
                case CFG_ACT_DENY:
                case CFG_ACT_TARPIT:
                case CFG_ACT_RETURN:
                case CFG_ACT_REDIRECT:
                case CFG_ACT_AUTH: {
                        enum rule_result rr = rule_reply(st, r, response);

                        if (rr == RULE_CONTINUE)
                                break; /* redirect ... ignore-empty */
                        if (rr == RULE_REPLIED && r->act == CFG_ACT_TARPIT)
                                st->flags |= STRM_F_TARPIT;
                        return rr == RULE_REPLIED ? RULE_REPLIED : RULE_FAILED;
                }
                case CFG_ACT_SET_LOG_LEVEL:
                        st->log_level = r->log_level < 0 ? -1 : r->log_level + 1;
                        break;
                case CFG_ACT_USE_SERVICE:
                        if (response)
                                break;
                        st->flags |= STRM_F_INTERCEPTED;
                        st->svc_kind = STRM_SVC_PROMETHEUS;
                        return RULE_SERVICE;
                case CFG_ACT_WAIT_FOR_BODY: {
                        enum http_ext_result er = http_ext_wait_body(st, r->wait_ms, r->wait_bytes);

                        if (er == HTTP_EXT_WAIT) {
                                st->ana_rule = i;
                                return RULE_WAIT;
                        }
                        if (er == HTTP_EXT_REPLY)
                                return RULE_REPLIED;
                        break;
                }
                case CFG_ACT_NORMALIZE_URI: {
                        int k = http_ext_normalize_uri(st, r);

                        if (k == -EINVAL)
                                return RULE_BAD_REQ;
                        if (k < 0)
                                return RULE_FAILED;
                        break;
                }
                case CFG_ACT_SET_HEADER:
                case CFG_ACT_ADD_HEADER:
                        vl = ana_fmt(st, &r->fmt, response, val, sizeof(val));
                        p = scratch_copy(st, val, vl);
                        if (!p)
                                return RULE_FAILED;
                        if (r->act == CFG_ACT_SET_HEADER)
                                hdrs_del(m, r, true);
                        /* a Connection field of the rule's may name fields to drop */
                        if (sl_str_ieq(sl_str_make(r->hdr_name, r->hdr_name_len),
                                       SL_STR_LIT("connection")))
                                m->flags |= HTTP_MSG_F_CONN_NAMES;
                        if (!http_hdr_add(m, sl_str_make(r->hdr_name, r->hdr_name_len),
                                          sl_str_make(p, vl)))
                                return RULE_FAILED;
                        break;
                case CFG_ACT_DEL_HEADER:
                        hdrs_del(m, r, false);
                        break;
                case CFG_ACT_TRACK_SC:
                case CFG_ACT_SC_INC_GPC0:
                case CFG_ACT_SC_INC_GPC1:
                case CFG_ACT_SC_SET_GPT0:
                case CFG_ACT_REJECT:
                        (void)stick_action(st->sess, st, r, STICK_REQ);
                        break;
                case CFG_ACT_SET_VAR:
                case CFG_ACT_SET_VAR_FMT:
                case CFG_ACT_UNSET_VAR:
                        (void)var_action(st->sess, st, r, response);
                        break;
                case CFG_ACT_SET_SRC:
                case CFG_ACT_SET_DST:
                case CFG_ACT_SET_SRC_PORT:
                case CFG_ACT_SET_DST_PORT:
                        (void)addr_action(st->sess, st, r);
                        break;
                case CFG_ACT_SET_STATUS:
                        if (!http_rewrite(st, m, r, SL_STR_NULL))
                                return RULE_FAILED;
                        break;
                case CFG_ACT_SILENT_DROP:
                        conn_silent_drop(&st->sess->conn);
                        return RULE_DROP;
                case CFG_ACT_CAPTURE:
                        (void)http_ext_capture_rule(st, r, response, NULL);
                        break;
                case CFG_ACT_REPLACE_HEADER:
                case CFG_ACT_REPLACE_VALUE:
                case CFG_ACT_REPLACE_PATH:
                case CFG_ACT_REPLACE_PATHQ:
                case CFG_ACT_REPLACE_URI:
                case CFG_ACT_SET_PATH:
                case CFG_ACT_SET_QUERY:
                case CFG_ACT_SET_PATHQ:
                case CFG_ACT_SET_URI:
                case CFG_ACT_SET_METHOD:
                        vl = ana_fmt(st, &r->fmt, response, val, sizeof(val));
                        if (!http_rewrite(st, m, r, sl_str_make(val, vl)))
                                return RULE_FAILED;
                        break;
                case CFG_ACT_EXPECT_PROXY:
                case CFG_ACT_SWITCH_MODE:
                        break; /* tcp-request rules only */
                }
        }
        return RULE_CONTINUE;
}

/* The rules @rules[@first..@n) of a message until one stops them. Most proxies have none
 * in most of the lists: that costs a test, not the rule runner's 4 KiB frame. */
static inline enum rule_result rules_run(struct stream *st, const struct cfg_http_rule *rules,
                                         size_t n, bool response, size_t first)
{
        return first < n ? rules_run_from(st, rules, n, response, first) : RULE_CONTINUE;
}

/* After a rule list: ANA_GO to go on, ANA_WAIT, else a reply is ready (500 when a rule
 * failed, 400 for a request a rule found invalid). */
static enum ana_result rules_outcome(struct stream *st, enum rule_result rr)
{
        if (rr == RULE_REPLIED)
                return ANA_REPLY;
        if (rr == RULE_DROP)
                return ANA_REJECT;
        if (rr == RULE_WAIT)
                return ANA_WAIT;
        if (rr == RULE_SERVICE)
                return ANA_SERVICE;
        if (rr == RULE_BAD_REQ) {
                st->flags |= STRM_F_INVALID;
                st->term[0] = 'P';
                st->term[1] = 'R';
                (void)http_ana_reply_error(st, 400);
                return ANA_REPLY;
        }
        if (rr == RULE_FAILED) {
                (void)http_ana_reply_error(st, 500);
                return ANA_REPLY;
        }
        return ANA_GO;
}

/* ---- the request ---- */

static const struct cfg_proxy *pick_backend(struct stream *st)
{
        const struct cfg_proxy *fe = st->fe;

        for (size_t i = 0; i < fe->n_use_backend; i++) {
                const struct cfg_switch_rule *r = &fe->use_backend[i];
                const struct cfg_proxy *be;
                char name[1024];

                if (!sample_cond(st->sess, st, r->cond, false))
                        continue;
                if (!r->dynamic)
                        return r->backend;
                /* HAProxy: a name that is no backend's ends the rules: default_backend; so
                 * does a TCP backend for an HTTP stream (an HTTP one for a TCP stream
                 * upgrades its connection, as a static rule's) */
                be = cfg_gen_find_backend(
                        st->w->gen,
                        sl_str_make(name, ana_fmt(st, &r->fmt, false, name, sizeof(name))));
                if (be && (be->mode == CFG_MODE_HTTP || !(st->flags & STRM_F_HTTP)))
                        return be;
                break;
        }
        if (fe->cap & CFG_CAP_BE)
                return fe;
        return fe->default_backend;
}

/* option forwardfor (@flag CFG_OPT_FORWARDFOR: the client's address) or option originalto
 * (CFG_OPT_ORIGINALTO: the address it connected to) of the frontend or the backend (HAProxy's
 * http_process_request()): one field, named as the backend says, else as the frontend says;
 * not added when both ask if-none and the request has one, nor for an address in either
 * one's except network. */
static bool add_addr_header(struct stream *st, uint32_t flag)
{
        const struct cfg_proxy *fe = st->fe, *be = st->be;
        bool ff = flag == CFG_OPT_FORWARDFOR;
        const struct cfg_addr_hdr *fh = ff ? &fe->forwardfor : &fe->originalto;
        const struct cfg_addr_hdr *bh = ff ? &be->forwardfor : &be->originalto;
        const union sl_addr *a;
        bool fe_on = fe->options & flag, be_on = be->options & flag;
        struct sl_str name = ff ? SL_STR_LIT("X-Forwarded-For") : SL_STR_LIT("X-Original-To");
        char ip[INET6_ADDRSTRLEN] = "";
        bool always;
        char *p;

        if (!fe_on && !be_on)
                return true;
        if (be_on && bh->header)
                name = sl_str_from_cstr(bh->header);
        else if (!be_on && fh->header)
                name = sl_str_from_cstr(fh->header);
        always = (fe_on && !fh->if_none) || (be_on && !bh->if_none);
        if (!always && http_hdr_find(&st->req, 0, name) >= 0)
                return true;
        /* only now: the address a client reached costs a getsockname() to learn */
        a = ff ? sess_src(st->sess, st) : sess_dst(st->sess, st);
        if (a->sa.sa_family == AF_INET)
                inet_ntop(AF_INET, &a->sin.sin_addr, ip, sizeof(ip));
        else if (a->sa.sa_family == AF_INET6)
                inet_ntop(AF_INET6, &a->sin6.sin6_addr, ip, sizeof(ip));
        else
                return true; /* a Unix socket has no address to forward */
        /* the except networks of both proxies count, whichever asked for the field */
        if (cfg_net_contains(&fh->except, a) || cfg_net_contains(&bh->except, a))
                return true;
        p = scratch_copy(st, ip, strlen(ip));
        return p && http_hdr_add(&st->req, name, sl_str_make(p, strlen(ip)));
}

/* ---- the stats page ---- */

/* Does the request's path (with its query) start with @px's stats uri? HAProxy's
 * http_stats_check_uri(): GET, HEAD and POST; a prefix not starting with '/' is compared
 * with the whole request-target. */
static bool stats_uri_match(const struct stream *st, const struct cfg_stats_page *s)
{
        const struct http_msg *m = &st->req;
        size_t ul = strlen(s->uri);

        if (m->meth != HTTP_METH_GET && m->meth != HTTP_METH_HEAD && m->meth != HTTP_METH_POST)
                return false;
        if (s->uri[0] != '/')
                return m->target.len >= ul && memcmp(m->target.ptr, s->uri, ul) == 0;
        if (!m->path.ptr || ul == 0)
                return false;
        if (ul <= m->path.len)
                return memcmp(m->path.ptr, s->uri, ul) == 0;
        /* the prefix reaches into the query */
        if (memcmp(m->path.ptr, s->uri, m->path.len) != 0 || !m->query.ptr ||
            s->uri[m->path.len] != '?')
                return false;
        ul -= m->path.len + 1;
        return m->query.len >= ul && memcmp(m->query.ptr, s->uri + m->path.len + 1, ul) == 0;
}

/* A request for @px's stats page: its "stats http-request" rules, its accounts, then the
 * page, which the node makes (RULE_SERVICE). A POST (an admin action) first waits for its
 * body; the wait resumes here (st->ana_rule past the proxy's own rules). */
static enum rule_result stats_request(struct stream *st, const struct cfg_proxy *px)
{
        const struct cfg_stats_page *s = px->stats;
        const struct cfg_http_rule *deciding = NULL;
        const struct cfg_ul_user *u;

        for (size_t i = 0; i < s->n_rules && !deciding; i++)
                if (sample_cond(st->sess, st, s->rules[i].cond, false))
                        deciding = &s->rules[i];
        if (!deciding && s->users && http_auth_check(s->users, &st->req, &u) != 1)
                deciding = &s->auth_rule;
        if (deciding && deciding->act != CFG_ACT_ALLOW) {
                enum rule_result rr = rule_reply(st, deciding, false);

                return rr == RULE_REPLIED ? RULE_REPLIED : RULE_FAILED;
        }
        st->svc_admin = false;
        for (size_t i = 0; i < s->n_admin && !st->svc_admin; i++)
                st->svc_admin = sample_cond(st->sess, st, s->admin[i], false);
        if (st->req.meth == HTTP_METH_POST && st->svc_admin) {
                enum http_ext_result er = http_ext_wait_body(
                        st, (uint32_t)cfg_proxy_timeout(px, CFG_TO_HTTP_REQUEST), 0);

                if (er == HTTP_EXT_WAIT) {
                        st->ana_rule = px->n_http_req;
                        return RULE_WAIT;
                }
                if (er == HTTP_EXT_REPLY)
                        return RULE_REPLIED;
        }
        st->flags |= STRM_F_INTERCEPTED;
        st->svc_kind = STRM_SVC_STATS;
        st->svc_px = px;
        return RULE_SERVICE;
}

/* A proxy's http-request rules from st->ana_rule, its stats page, then its redirect rules
 * (HAProxy's http_process_req_common()). */
static enum ana_result proxy_request_rules(struct stream *st, const struct cfg_proxy *px)
{
        enum rule_result rr = rules_run(st, px->http_req, px->n_http_req, false, st->ana_rule);

        if ((rr == RULE_CONTINUE || rr == RULE_STOP) && px->stats && px->mode == CFG_MODE_HTTP &&
            stats_uri_match(st, px->stats))
                rr = stats_request(st, px);
        if (rr == RULE_CONTINUE || rr == RULE_STOP)
                rr = rules_run(st, px->redirects, px->n_redirects, false, 0);
        /* a tarpit: the timeout of the proxy whose rule it is (HAProxy's s->be then) */
        if (rr == RULE_REPLIED && (st->flags & STRM_F_TARPIT))
                st->tarpit_exp = loop_now(st->w->loop) + cfg_proxy_tarpit_ms(px);
        return rules_outcome(st, rr);
}

/* The proxy's option http-buffer-request (HAProxy waits up to its timeout http-request) */
static enum ana_result buffer_request(struct stream *st, const struct cfg_proxy *px)
{
        enum http_ext_result er;

        if (!(px->options & CFG_OPT_HTTP_BUFFER_REQUEST))
                return ANA_GO;
        er = http_ext_wait_body(st, (uint32_t)cfg_proxy_timeout(px, CFG_TO_HTTP_REQUEST), 0);
        return er == HTTP_EXT_WAIT ? ANA_WAIT : er == HTTP_EXT_REPLY ? ANA_REPLY : ANA_GO;
}

enum ana_result http_ana_request(struct stream *st)
{
        enum ana_result ar;

        /* Each step runs once; a wait for the body leaves the stream at its step (and, in a
         * rule list, at its rule) and the analysis resumes there. */
        switch (st->ana_step) {
        case HTTP_ANA_START:
                stick_http_request(st->sess);
                /* an upgraded TCP stream's ran before its backend was chosen */
                if (!(st->flags & STRM_F_UPGRADED) &&
                    !http_ana_tcp_rules(st->sess, st, st->fe->tcp_content, st->fe->n_tcp_content,
                                        STICK_REQ))
                        return ANA_REJECT;
                /* monitor-uri and captures: after tcp-request, before http-request */
                if (http_ext_request_head(st) == HTTP_EXT_REPLY)
                        return ANA_REPLY;
                st->ana_step = HTTP_ANA_FE_BODY;
                __attribute__((fallthrough));
        case HTTP_ANA_FE_BODY:
                ar = buffer_request(st, st->fe);
                if (ar != ANA_GO)
                        return ar;
                st->ana_step = HTTP_ANA_FE_RULES;
                st->ana_rule = 0;
                __attribute__((fallthrough));
        case HTTP_ANA_FE_RULES:
                ar = proxy_request_rules(st, st->fe);
                if (ar != ANA_GO)
                        return ar;
                /* an upgraded TCP stream keeps the backend it chose (none when switch-mode
                 * upgraded it) */
                if (!st->be)
                        st->be = pick_backend(st);
                if (!st->be) {
                        st->term[0] = 'P';
                        st->term[1] = 'R';
                        (void)http_ana_reply_error(st, 503);
                        return ANA_REPLY;
                }
                if (st->be->mode != CFG_MODE_HTTP) {
                        /* a TCP frontend's rules gave an upgraded connection's request a TCP
                         * backend: HAProxy aborts it as an internal error, its log saying
                         * 500, and closes the connection without a response */
                        st->term[0] = 'I';
                        st->term[1] = 'R';
                        st->status = 500;
                        return ANA_ABORT;
                }
                if (st->be != st->fe && !http_ana_tcp_rules(st->sess, st, st->be->tcp_content,
                                                            st->be->n_tcp_content, STICK_REQ))
                        return ANA_REJECT;
                st->ana_step = HTTP_ANA_BE_BODY;
                __attribute__((fallthrough));
        case HTTP_ANA_BE_BODY:
                if (st->be != st->fe) {
                        ar = buffer_request(st, st->be);
                        if (ar != ANA_GO)
                                return ar;
                }
                st->ana_step = HTTP_ANA_BE_RULES;
                st->ana_rule = 0;
                __attribute__((fallthrough));
        case HTTP_ANA_BE_RULES:
                if (st->be != st->fe) {
                        ar = proxy_request_rules(st, st->be);
                        if (ar != ANA_GO)
                                return ar;
                }
                st->ana_step = HTTP_ANA_DONE;
                break;
        case HTTP_ANA_DONE:
                return ANA_GO;
        }
        persist_request(st);
        worker_rt(st->w, st->be)->req_counter++;
        if (!http_ext_unique_id(st) || !add_addr_header(st, CFG_OPT_FORWARDFOR) ||
            !add_addr_header(st, CFG_OPT_ORIGINALTO)) {
                st->term[0] = 'P';
                st->term[1] = 'R';
                (void)http_ana_reply_error(st, 500);
                return ANA_REPLY;
        }
        return ANA_GO;
}

/* The tcp-request content rules of @px for a TCP stream, from where they stopped: they may
 * wait for the client's bytes until @px's inspect-delay has passed since they first did. */
static enum tcp_rules_result tcp_content(struct stream *st, const struct cfg_proxy *px)
{
        bool may_wait = px->inspect_delay_ms && !(st->flags & STRM_F_INSPECT_EXPIRED);
        enum tcp_rules_result r;

        r = tcp_rules_run(st->sess, st, px->tcp_content, px->n_tcp_content, STICK_CONN,
                          &st->inspect_pos, may_wait);
        if (r == TCP_RULES_WAIT && !st->inspect_exp)
                st->inspect_exp = loop_now(st->w->loop) + px->inspect_delay_ms;
        return r;
}

enum ana_result http_ana_tcp(struct stream *st)
{
        const struct cfg_proxy *fe = st->fe;
        enum tcp_rules_result r;

        if (!st->be) {
                r = tcp_content(st, fe);
                if (r == TCP_RULES_UPGRADE) {
                        /* switch-mode http: the frontend's HTTP rules and its use_backend
                         * rules run on the request, the backend's then */
                        st->inspect_pos = 0;
                        st->inspect_exp = 0;
                        st->flags &= ~(uint32_t)STRM_F_INSPECT_EXPIRED;
                        return ANA_UPGRADE;
                }
                if (r != TCP_RULES_GO)
                        return r == TCP_RULES_WAIT ? ANA_WAIT : ANA_REJECT;
                /* use_backend rules apply in mode tcp too, with what the connection has */
                st->be = pick_backend(st);
                if (!st->be)
                        return ANA_REPLY;
                st->inspect_pos = 0;
                st->inspect_exp = 0;
                st->flags &= ~(uint32_t)STRM_F_INSPECT_EXPIRED;
                /* the connection becomes HTTP; the backend's rules run on its request */
                if (st->be->mode == CFG_MODE_HTTP)
                        return ANA_UPGRADE;
        }
        if (st->be != fe) {
                r = tcp_content(st, st->be);
                if (r != TCP_RULES_GO && r != TCP_RULES_UPGRADE)
                        return r == TCP_RULES_WAIT ? ANA_WAIT : ANA_REJECT;
        }
        persist_request(st);
        return ANA_GO;
}

enum ana_result http_ana_after(struct stream *st)
{
        const struct cfg_proxy *pxs[2] = {st->be ? st->be : st->fe,
                                          st->be && st->be != st->fe ? st->fe : NULL};
        enum rule_result rr = RULE_CONTINUE;

        if (st->flags & STRM_F_AFTER_DONE)
                return ANA_GO;
        st->flags |= STRM_F_AFTER_DONE;
        vars_to_response(st->w, st->sess, st);
        for (int i = 0; i < 2 && rr == RULE_CONTINUE; i++)
                if (pxs[i])
                        rr = rules_run(st, pxs[i]->http_after, pxs[i]->n_http_after, true, 0);
        return rr == RULE_FAILED ? rules_outcome(st, rr) : ANA_GO;
}

enum ana_result http_ana_response(struct stream *st)
{
        const struct cfg_proxy *pxs[2] = {st->be, st->be != st->fe ? st->fe : NULL};
        enum rule_result rr = RULE_CONTINUE;

        /* the request's variables go; the response's come */
        vars_to_response(st->w, st->sess, st);
        /* the frontend's captures, then the backend's store-response rules, before the
         * http-response rules, as HAProxy */
        http_ext_capture_response(st);
        if (st->be->n_stick_rules)
                persist_store_response(st);
        for (int i = 0; i < 2 && rr == RULE_CONTINUE; i++)
                if (pxs[i])
                        rr = rules_run(st, pxs[i]->http_res, pxs[i]->n_http_res, true, 0);
        if (rr == RULE_REPLIED || rr == RULE_FAILED || rr == RULE_DROP)
                return rules_outcome(st, rr);
        if (st->be->cookie)
                persist_response(st);
        return ANA_GO;
}
