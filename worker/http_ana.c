/* HTTP analysis (see http_ana.h): what HAProxy calls the analysers of a stream's request and
 * response, over protocol-neutral messages. Called by stream.c once a head is complete. */
#include "http_ana.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "cookie.h"
#include "http1_parse.h"
#include "http_rewrite.h"
#include "lb.h"
#include "macros.h"
#include "pool.h"
#include "sample.h"
#include "scratch.h"
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
};

static bool scratch_printf(struct stream *st, struct sl_str *ret, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static bool scratch_printf(struct stream *st, struct sl_str *ret, const char *fmt, ...)
{
        char tmp[2048];
        va_list ap;
        int n;
        char *p;

        va_start(ap, fmt);
        n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof(tmp) || !(p = scratch_copy(st, tmp, (size_t)n)))
                return false;
        *ret = sl_str_make(p, (size_t)n);
        return true;
}

/* Render @f for the stream; returns the length (truncated to @size - 1). */
static size_t ana_fmt(struct stream *st, const struct cfg_fmt *f, bool response, char *out,
                      size_t size)
{
        int n = stream_log_format(st, f, response, out, size);

        return n < 0 ? 0 : (size_t)n;
}

/* ---- replies ---- */

/* Start a reply of @status in st->res: no fields yet, body given by the caller. */
static void reply_begin(struct stream *st, unsigned status, bool keep)
{
        struct http_msg *m = &st->res;

        *m = (struct http_msg){
                .status = status,
                .reason = sl_str_from_cstr(http_status_reason(status)),
                .version = HTTP_VER_1_1,
                .hdrs = st->res_hdrs,
                .max_hdrs = STRM_HDR_ROOM,
                .body = HTTP_BODY_LENGTH,
                .flags = keep ? 0 : HTTP_MSG_F_CLOSE,
        };
        st->reply_body = SL_STR_NULL;
        st->reply_sent = 0;
        st->status = status;
}

static bool reply_hdr(struct stream *st, const char *name, struct sl_str value)
{
        return http_hdr_add(&st->res, sl_str_from_cstr(name), value);
}

/* The body and its Content-Length field (first, as HAProxy writes it). */
static bool reply_body(struct stream *st, struct sl_str body)
{
        struct sl_str cl;

        st->reply_body = body;
        st->res.content_length = body.len;
        return scratch_printf(st, &cl, "%zu", body.len) && reply_hdr(st, "content-length", cl);
}

/* The errorfile for @status from the backend, else the frontend. */
static const struct cfg_errorfile *errorfile_of(const struct stream *st, unsigned status)
{
        const struct cfg_proxy *pxs[2] = {st->be, st->fe};

        for (int i = 0; i < 2; i++) {
                if (!pxs[i])
                        continue;
                for (size_t j = 0; j < pxs[i]->n_errorfiles; j++)
                        if (pxs[i]->errorfiles[j].status == status)
                                return &pxs[i]->errorfiles[j];
        }
        return NULL;
}

/* An errorfile is a whole HTTP/1 response: its head becomes the reply's fields, the rest
 * its body. False when the file is not a valid response (the built-in page is sent). */
static bool reply_errorfile(struct stream *st, const struct cfg_errorfile *ef, unsigned status)
{
        static const struct h1_limits lim = {.max_head_size = 65536, .max_line_size = 8192};
        struct h1_response res;
        struct h1_framing fr;
        int n;

        n = h1_parse_response(ef->content, ef->len, &lim, st->res_hdrs, HTTP_MAX_HDRS, &res);
        if (n < 0 || h1_analyze_response(&res, HTTP_METH_GET, &fr) < 0 ||
            fr.body == HTTP_BODY_CHUNKED || fr.body == HTTP_BODY_TUNNEL)
                return false;
        reply_begin(st, status, false);
        st->res.status = res.status;
        st->res.reason = res.reason;
        st->res.n_hdrs = res.n_headers;
        if (fr.conn & H1_CONN_OTHER)
                st->res.flags |= HTTP_MSG_F_CONN_NAMES;
        st->status = res.status;
        st->reply_body = sl_str_make(ef->content + n, ef->len - (size_t)n);
        if (fr.body == HTTP_BODY_LENGTH)
                st->reply_body.len =
                        (size_t)SL_MIN(fr.content_length, (uint64_t)st->reply_body.len);
        st->res.body = fr.body == HTTP_BODY_NONE ? HTTP_BODY_NONE : HTTP_BODY_LENGTH;
        st->res.content_length = st->reply_body.len;
        return true;
}

/* The sentence under the title of a default error page: HAProxy's, byte for byte, for the
 * monitoring that matches them; the reason phrase for the others. */
static const char *error_sentence(unsigned status)
{
        static const struct {
                unsigned status;
                const char *text;
        } sentences[] = {
                {200, "Service ready."},
                {400, "Your browser sent an invalid request."},
                {401, "You need a valid user and password to access this content."},
                {403, "Request forbidden by administrative rules."},
                {404, "The resource could not be found."},
                {405, "A request was made of a resource using a request method not supported by "
                      "that resource"},
                {407, "You need a valid user and password to access this content."},
                {408, "Your browser didn't send a complete request in time."},
                {410, "The resource is no longer available and will not be available again."},
                {413, "The request entity exceeds the maximum allowed."},
                {421, "Request sent to a non-authoritative server."},
                {422, "The server cannot process the contained instructions."},
                {425, "Your browser sent early data."},
                {429, "You have sent too many requests in a given amount of time."},
                {500, "An internal server error occurred."},
                {501, ".The server does not support the functionality required to fulfill the "
                      "request."},
                {502, "The server returned an invalid or incomplete response."},
                {503, "No server is available to handle this request."},
                {504, "The server didn't respond in time."},
        };

        for (size_t i = 0; i < SL_ARRAY_SIZE(sentences); i++)
                if (sentences[i].status == status)
                        return sentences[i].text;
        return http_status_reason(status);
}

bool http_ana_reply_error(struct stream *st, unsigned status)
{
        const struct cfg_errorfile *ef = errorfile_of(st, status);
        const char *reason = http_status_reason(status);
        struct sl_str body;

        if (ef && reply_errorfile(st, ef, status))
                return true;
        reply_begin(st, status, false);
        return scratch_printf(st, &body, "<html><body><h1>%u %s</h1>\n%s\n</body></html>\n", status,
                              reason, error_sentence(status)) &&
               reply_body(st, body) && reply_hdr(st, "cache-control", SL_STR_LIT("no-cache")) &&
               reply_hdr(st, "content-type", SL_STR_LIT("text/html"));
}

/* A request whose body is all there (none, or empty) leaves the connection usable after a
 * reply that did not read it. */
static bool req_complete(const struct stream *st)
{
        return st->req.body == HTTP_BODY_NONE ||
               (st->req.body == HTTP_BODY_LENGTH && st->req.content_length == 0);
}

static enum rule_result rule_redirect(struct stream *st, const struct cfg_http_rule *r,
                                      bool response, bool keep)
{
        const struct http_msg *req = &st->req;
        struct sl_str v;
        char loc[2048];
        size_t n;

        if (r->redir == CFG_REDIR_LOCATION) {
                n = ana_fmt(st, &r->fmt, response, loc, sizeof(loc));
        } else {
                char pfx[1024];
                size_t pl = ana_fmt(st, &r->fmt, response, pfx, sizeof(pfx));
                struct sl_str host = req->authority;
                int k;

                if (r->redir == CFG_REDIR_SCHEME)
                        k = snprintf(loc, sizeof(loc), "%.*s://%.*s%.*s", (int)pl, pfx,
                                     (int)host.len, host.ptr, (int)req->path.len, req->path.ptr);
                else
                        k = snprintf(loc, sizeof(loc), "%.*s%.*s", (int)pl, pfx, (int)req->path.len,
                                     req->path.ptr);
                n = k < 0 ? 0 : SL_MIN((size_t)k, sizeof(loc) - 1);
                if ((r->redir_flags & CFG_REDIR_F_APPEND_SLASH) && n && loc[n - 1] != '/' &&
                    n + 1 < sizeof(loc))
                        loc[n++] = '/';
                if (!(r->redir_flags & CFG_REDIR_F_DROP_QUERY) && req->query.ptr) {
                        k = snprintf(loc + n, sizeof(loc) - n, "?%.*s", (int)req->query.len,
                                     req->query.ptr);
                        n += k < 0 ? 0 : SL_MIN((size_t)k, sizeof(loc) - n - 1);
                }
        }
        reply_begin(st, r->redir_code, keep);
        if (!reply_body(st, SL_STR_NULL))
                return RULE_FAILED;
        v = sl_str_make(scratch_copy(st, loc, n), n);
        if (!v.ptr || !reply_hdr(st, "location", v) ||
            !reply_hdr(st, "cache-control", SL_STR_LIT("no-cache")))
                return RULE_FAILED;
        return RULE_REPLIED;
}

/* A reply rule (deny, return) or a redirect: build it in the stream. */
static enum rule_result rule_reply(struct stream *st, const struct cfg_http_rule *r, bool response)
{
        const struct cfg_reply *rep = &r->reply;
        bool keep = !(st->req.flags & HTTP_MSG_F_CLOSE) && !response && req_complete(st);
        struct sl_str body = SL_STR_NULL;
        unsigned status;

        if (r->act == CFG_ACT_REDIRECT)
                return rule_redirect(st, r, response, keep);
        status = rep->status;
        if (response && r->act == CFG_ACT_DENY)
                status = 502; /* HAProxy: a denied response is a bad gateway */
        if (rep->kind == CFG_REPLY_ERRORFILE) {
                const struct cfg_errorfile *ef = errorfile_of(st, status);

                if (ef && reply_errorfile(st, ef, status))
                        return RULE_REPLIED;
                if (r->act == CFG_ACT_DENY || status >= 400)
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
        reply_begin(st, status, keep);
        if (!reply_body(st, body))
                return RULE_FAILED;
        if (rep->content_type &&
            !reply_hdr(st, "content-type", sl_str_from_cstr(rep->content_type)))
                return RULE_FAILED;
        for (size_t i = 0; i < rep->n_hdrs; i++) {
                char v[1024];
                size_t vl = ana_fmt(st, &rep->hdrs[i].value, response, v, sizeof(v));
                char *p = scratch_copy(st, v, vl);

                if (!p || !reply_hdr(st, rep->hdrs[i].name, sl_str_make(p, vl)))
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

enum tcp_rules_result {
        TCP_RULES_GO,
        TCP_RULES_REJECT,
        TCP_RULES_WAIT
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
                if (var_action(ss, st, r, false))
                        continue;
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

        return tcp_rules_run(ss, st, rules, n, level, &pos, false) == TCP_RULES_GO;
}

static enum rule_result rules_run(struct stream *st, const struct cfg_http_rule *rules, size_t n,
                                  bool response)
{
        struct http_msg *m = response ? &st->res : &st->req;

        for (size_t i = 0; i < n; i++) {
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
                case CFG_ACT_RETURN:
                case CFG_ACT_REDIRECT:
                        return rule_reply(st, r, response) == RULE_REPLIED ? RULE_REPLIED
                                                                           : RULE_FAILED;
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
                case CFG_ACT_SET_STATUS:
                        if (!http_rewrite(st, m, r, SL_STR_NULL))
                                return RULE_FAILED;
                        break;
                case CFG_ACT_SILENT_DROP:
                        conn_silent_drop(&st->sess->conn);
                        return RULE_DROP;
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
                }
        }
        return RULE_CONTINUE;
}

/* After a rule list: ANA_GO to go on, else a reply is ready (500 when a rule failed). */
static enum ana_result rules_outcome(struct stream *st, enum rule_result rr)
{
        if (rr == RULE_REPLIED)
                return ANA_REPLY;
        if (rr == RULE_DROP)
                return ANA_REJECT;
        if (rr == RULE_FAILED) {
                (void)http_ana_reply_error(st, 500);
                return ANA_REPLY;
        }
        return ANA_GO;
}

/* ---- persistence ---- */

static void stick_persist(struct stream *st)
{
        const struct cfg_proxy *be = st->be;

        for (size_t i = 0; i < be->n_stick_rules; i++) {
                const struct cfg_stick_rule *r = &be->stick_rules[i];
                struct cfg_smp_value key;
                char text[STICK_KEY_TEXT_MAX];

                if (sample_cond(st->sess, st, r->cond, false) &&
                    sample_value(st->sess, st, &r->key, false, &key, text, sizeof(text)))
                        stick_persist_rule(st, r, &key);
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
static void cookie_response(struct stream *st)
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
                /* HAProxy: a name that is no backend's ends the rules: default_backend */
                be = cfg_gen_find_backend(
                        st->w->gen,
                        sl_str_make(name, ana_fmt(st, &r->fmt, false, name, sizeof(name))));
                if (be && (be->mode == fe->mode || fe->mode == CFG_MODE_TCP))
                        return be;
                break;
        }
        if (fe->cap & CFG_CAP_BE)
                return fe;
        return fe->default_backend;
}

/* use-server rules: the first whose condition holds and whose server can take the request
 * chooses it (a server that is down is skipped, as HAProxy does without option persist). */
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
                        size_t n = ana_fmt(st, &u->fmt, false, name, sizeof(name));

                        for (size_t k = 0; k < be->n_servers && idx < 0; k++)
                                if (strlen(be->servers[k].name) == n &&
                                    memcmp(be->servers[k].name, name, n) == 0)
                                        idx = (int)k;
                }
                if (idx >= 0 && lb_usable(lb, (uint32_t)idx)) {
                        st->force_idx = idx;
                        return;
                }
        }
}

/* Persistence: use-server, then (unless ignore-persist holds) the cookie and the stick
 * tables choose the server. */
static void persist(struct stream *st)
{
        const struct cfg_proxy *be = st->be;
        int forced;

        st->force_idx = -1;
        if (be->n_use_servers)
                use_server(st);
        for (size_t i = 0; i < be->n_ignore_persist; i++) {
                if (sample_cond(st->sess, st, be->ignore_persist[i], false)) {
                        st->flags |= STRM_F_IGNORE_PERSIST;
                        break;
                }
        }
        forced = st->force_idx;
        /* the cookie is still read (and its prefix stripped) when it chooses nothing */
        if (be->cookie && (st->flags & STRM_F_HTTP))
                cookie_request(st);
        if (st->flags & STRM_F_IGNORE_PERSIST)
                st->force_idx = forced;
        if (be->n_stick_rules)
                stick_persist(st);
}

/* option forwardfor of the frontend, else of the backend: the client's address in
 * X-Forwarded-For (or the configured field), unless if-none and the request has one. */
static bool add_forwardfor(struct stream *st)
{
        const struct cfg_proxy *pxs[2] = {st->fe, st->be != st->fe ? st->be : NULL};
        const struct sockaddr_storage *src = &st->sess->src;
        char ip[INET6_ADDRSTRLEN] = "";

        for (int i = 0; i < 2; i++) {
                const struct cfg_proxy *px = pxs[i];
                struct sl_str name = SL_STR_LIT("X-Forwarded-For");
                char *p;

                if (!px || !(px->options & CFG_OPT_FORWARDFOR) ||
                    (i == 1 && (st->fe->options & CFG_OPT_FORWARDFOR)))
                        continue;
                if (px->forwardfor_header)
                        name = sl_str_from_cstr(px->forwardfor_header);
                if (px->forwardfor_if_none && http_hdr_find(&st->req, 0, name) >= 0)
                        continue;
                if (src->ss_family == AF_INET)
                        inet_ntop(AF_INET, &((const struct sockaddr_in *)src)->sin_addr, ip,
                                  sizeof(ip));
                else if (src->ss_family == AF_INET6)
                        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)src)->sin6_addr, ip,
                                  sizeof(ip));
                else
                        continue; /* a Unix socket client has no address to forward */
                p = scratch_copy(st, ip, strlen(ip));
                if (!p || !http_hdr_add(&st->req, name, sl_str_make(p, strlen(ip))))
                        return false;
        }
        return true;
}

enum ana_result http_ana_request(struct stream *st)
{
        enum ana_result ar;

        stick_http_request(st->sess);
        if (!http_ana_tcp_rules(st->sess, st, st->fe->tcp_content, st->fe->n_tcp_content,
                                STICK_REQ))
                return ANA_REJECT;
        ar = rules_outcome(st, rules_run(st, st->fe->http_req, st->fe->n_http_req, false));
        if (ar != ANA_GO)
                return ar;
        st->be = pick_backend(st);
        if (!st->be) {
                st->term[0] = 'P';
                st->term[1] = 'R';
                (void)http_ana_reply_error(st, 503);
                return ANA_REPLY;
        }
        if (st->be != st->fe) {
                if (!http_ana_tcp_rules(st->sess, st, st->be->tcp_content, st->be->n_tcp_content,
                                        STICK_REQ))
                        return ANA_REJECT;
                ar = rules_outcome(st, rules_run(st, st->be->http_req, st->be->n_http_req, false));
                if (ar != ANA_GO)
                        return ar;
        }
        persist(st);
        worker_rt(st->w, st->be)->req_counter++;
        if (!add_forwardfor(st)) {
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
                if (r != TCP_RULES_GO)
                        return r == TCP_RULES_WAIT ? ANA_WAIT : ANA_REJECT;
                /* use_backend rules apply in mode tcp too, with what the connection has */
                st->be = pick_backend(st);
                if (!st->be)
                        return ANA_REPLY;
                st->inspect_pos = 0;
                st->inspect_exp = 0;
                st->flags &= ~(uint32_t)STRM_F_INSPECT_EXPIRED;
        }
        if (st->be != fe) {
                r = tcp_content(st, st->be);
                if (r != TCP_RULES_GO)
                        return r == TCP_RULES_WAIT ? ANA_WAIT : ANA_REJECT;
        }
        persist(st);
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
                        rr = rules_run(st, pxs[i]->http_after, pxs[i]->n_http_after, true);
        return rr == RULE_FAILED ? rules_outcome(st, rr) : ANA_GO;
}

enum ana_result http_ana_response(struct stream *st)
{
        const struct cfg_proxy *pxs[2] = {st->be, st->be != st->fe ? st->fe : NULL};
        enum rule_result rr = RULE_CONTINUE;

        /* the request's variables go; the response's come */
        vars_to_response(st->w, st->sess, st);
        for (int i = 0; i < 2 && rr == RULE_CONTINUE; i++)
                if (pxs[i])
                        rr = rules_run(st, pxs[i]->http_res, pxs[i]->n_http_res, true);
        if (rr == RULE_REPLIED || rr == RULE_FAILED || rr == RULE_DROP)
                return rules_outcome(st, rr);
        if (st->be->cookie)
                cookie_response(st);
        return ANA_GO;
}
