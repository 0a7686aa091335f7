/* HTTP request features around the rules (see http_ext.h), each after HAProxy 2.6's
 * http_ana.c and http_act.c: what it does, where in the analysis, and the bytes it answers
 * with. Called by http_ana.c; values made here live in the stream's scratch buffer. */
#include "http_ext.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http_reply.h"
#include "loop.h"
#include "macros.h"
#include "mux.h"
#include "sample.h"
#include "scratch.h"
#include "stream-t.h"
#include "stream_log.h"
#include "uri_norm.h"
#include "wctx.h"

/* The termination state, unless one is set. */
static void set_term(struct stream *st, char who, char when)
{
        if (st->term[0] == '-') {
                st->term[0] = who;
                st->term[1] = when;
        }
}

/* ---- monitor-uri, captures ---- */

/* The request-target matches @uri: a '/' one against the path, else the whole target. */
static bool monitor_match(const struct http_msg *m, const char *uri)
{
        struct sl_str u = sl_str_from_cstr(uri);

        /* HAProxy's path is the path with its query string */
        if (uri[0] == '/' && m->path.ptr && u.len >= m->path.len &&
            memcmp(u.ptr, m->path.ptr, m->path.len) == 0) {
                struct sl_str rest = sl_str_make(u.ptr + m->path.len, u.len - m->path.len);

                if (!m->query.ptr ? rest.len == 0
                                  : rest.len == m->query.len + 1 && rest.ptr[0] == '?' &&
                                            memcmp(rest.ptr + 1, m->query.ptr, m->query.len) == 0)
                        return true;
        }
        return sl_str_eq(m->target, u);
}

/* The stream's request (@response: response) capture slots, a scratch array made on first
 * use with one entry per slot of the frontend (a NULL ptr: nothing captured); NULL when the
 * frontend has none, or out of memory. */
static struct sl_str *caps_of(struct stream *st, bool response)
{
        struct sl_str **v = response ? &st->res_caps : &st->req_caps;
        size_t n = response ? st->fe->n_res_caps : st->fe->n_req_caps;

        if (!*v && n)
                *v = (struct sl_str *)(void *)scratch_alloc(st, n * sizeof(**v));
        return *v;
}

/* Capture the last occurrence in @m of each header the frontend's @response slots name. */
static void capture(struct stream *st, const struct http_msg *m, bool response)
{
        const struct cfg_capture *caps = response ? st->fe->res_caps : st->fe->req_caps;
        size_t n = response ? st->fe->n_res_caps : st->fe->n_req_caps;
        struct sl_str *v = caps_of(st, response);

        if (!v)
                return;
        for (size_t i = 0; i < m->n_hdrs; i++) {
                for (size_t c = 0; c < n; c++) {
                        size_t len;
                        char *p;

                        /* a slot without a name is a capture rule's */
                        if (!caps[c].name ||
                            !sl_str_ieq(m->hdrs[i].name, sl_str_from_cstr(caps[c].name)))
                                continue;
                        len = SL_MIN(m->hdrs[i].value.len, (size_t)caps[c].len);
                        p = scratch_copy(st, m->hdrs[i].value.ptr, len);
                        if (p)
                                v[c] = sl_str_make(len ? p : "", len);
                }
        }
}

bool http_ext_capture_rule(struct stream *st, const struct cfg_http_rule *r, bool response,
                           bool *more)
{
        const struct cfg_capture *caps = response ? st->fe->res_caps : st->fe->req_caps;
        size_t n = response ? st->fe->n_res_caps : st->fe->n_req_caps;
        bool wait = false;
        struct sl_str *v;
        char val[4096];
        size_t len;
        char *p;
        int k;

        /* a backend's rule may name a slot its frontend lacks: nothing, as HAProxy */
        if (r->status >= n)
                return true;
        k = sample_text_more(st->sess, st, &r->expr, response, val, sizeof(val),
                             more ? &wait : NULL);
        if (k < 0 && wait) {
                *more = true;
                return false;
        }
        if (k < 0)
                return true;
        v = caps_of(st, response);
        len = SL_MIN((size_t)k, (size_t)caps[r->status].len);
        p = v ? scratch_copy(st, val, len) : NULL;
        if (p)
                v[r->status] = sl_str_make(len ? p : "", len);
        return true;
}

enum http_ext_result http_ext_request_head(struct stream *st)
{
        const struct cfg_proxy *fe = st->fe;

        if (fe->monitor_uri && monitor_match(&st->req, fe->monitor_uri)) {
                bool fail = false;

                for (size_t i = 0; i < fe->n_monitor_fail && !fail; i++)
                        fail = sample_cond(st->sess, st, fe->monitor_fail[i], false);
                /* a health probe: answered, never logged */
                st->flags |= STRM_F_LOGGED;
                set_term(st, 'L', 'R');
                if (fail ? !http_reply_page(st, 503,
                                            "No server is available to handle this request.")
                         : !http_reply_page(st, 200, "Service ready."))
                        (void)http_ana_reply_error(st, 500);
                return HTTP_EXT_REPLY;
        }
        capture(st, &st->req, false);
        return HTTP_EXT_GO;
}

void http_ext_capture_response(struct stream *st)
{
        capture(st, &st->res, true);
}

/* ---- unique ids ---- */

bool http_ext_unique_id(struct stream *st)
{
        const struct cfg_proxy *fe = st->fe;
        struct sl_str id;

        if (!fe->unique_id_fmt)
                return true;
        id = stream_unique_id(st);
        if (!id.ptr)
                return false;
        return !fe->unique_id_header ||
               http_hdr_add(&st->req, sl_str_from_cstr(fe->unique_id_header), id);
}

/* ---- redirect ---- */

static bool put(char *out, size_t size, size_t *o, const char *s, size_t n)
{
        if (n > size - *o)
                return false;
        if (n)
                memcpy(out + *o, s, n);
        *o += n;
        return true;
}

ssize_t http_ext_redirect_location(const struct stream *st, const struct cfg_http_rule *r,
                                   struct sl_str target, char *out, size_t size)
{
        const struct http_msg *m = &st->req;
        struct sl_str path = m->path;
        bool query = m->query.ptr && !(r->redir_flags & CFG_REDIR_F_DROP_QUERY);
        size_t o = 0;

        if (r->redir == CFG_REDIR_LOCATION)
                return put(out, size, &o, target.ptr, target.len) ? (ssize_t)o : -ENOBUFS;
        if (!path.len && !m->query.ptr) {
                path = SL_STR_LIT("/");
                query = false;
        }
        if (r->redir == CFG_REDIR_SCHEME) {
                int h = http_hdr_find(m, 0, SL_STR_LIT("host"));
                struct sl_str host = h >= 0 ? m->hdrs[h].value : SL_STR_LIT("");

                if (!put(out, size, &o, target.ptr, target.len) || !put(out, size, &o, "://", 3) ||
                    !put(out, size, &o, host.ptr, host.len))
                        return -ENOBUFS;
        } else if (!(target.len == 1 && target.ptr[0] == '/')) {
                /* a prefix "/" redirects to the same place: nothing before the path */
                if (!put(out, size, &o, target.ptr, target.len))
                        return -ENOBUFS;
        }
        if (!put(out, size, &o, path.ptr, path.len) ||
            (query &&
             (!put(out, size, &o, "?", 1) || !put(out, size, &o, m->query.ptr, m->query.len))))
                return -ENOBUFS;
        /* at the very end, after the query string if it was kept, as HAProxy */
        if ((r->redir_flags & CFG_REDIR_F_APPEND_SLASH) && o && out[o - 1] != '/' &&
            !put(out, size, &o, "/", 1))
                return -ENOBUFS;
        return (ssize_t)o;
}

/* ---- auth ---- */

/* The proxy whose http-request rules hold @r. */
static const struct cfg_proxy *rule_owner(const struct stream *st, const struct cfg_http_rule *r)
{
        const struct cfg_proxy *be = st->be;

        if (be && be != st->fe && r >= be->http_req && r < be->http_req + be->n_http_req)
                return be;
        return st->fe;
}

bool http_ext_auth(struct stream *st, const struct cfg_http_rule *r)
{
        const char *realm = r->realm ? r->realm : rule_owner(st, r)->name;
        char v[512];
        int n;
        char *p;

        if (!http_reply_page(st, 401, "You need a valid user and password to access this content."))
                return false;
        /* an errorfile's own challenges are replaced by the rule's */
        for (size_t i = 0; i < st->res.n_hdrs; i++)
                if (sl_str_ieq(st->res.hdrs[i].name, SL_STR_LIT("www-authenticate")))
                        http_hdr_del(&st->res, i--);
        n = snprintf(v, sizeof(v), "Basic realm=\"%s\"", realm);
        if (n < 0 || (size_t)n >= sizeof(v))
                return false;
        p = scratch_copy(st, v, (size_t)n);
        set_term(st, 'L', 'R');
        return p && http_reply_hdr(st, "www-authenticate", sl_str_make(p, (size_t)n));
}

/* ---- normalize-uri ---- */

int http_ext_normalize_uri(struct stream *st, const struct cfg_http_rule *r)
{
        struct http_msg *m = &st->req;
        char in[8192], out[8192 + 4096];
        struct sl_str src;
        size_t il = 0;
        ssize_t n;
        char *p;
        const char *q;

        /* no path (authority-form, "*"): nothing to normalize */
        if (!m->path.len && !m->query.ptr)
                return 0;
        switch (r->norm) {
        case CFG_NORM_PATH_MERGE_SLASHES:
        case CFG_NORM_PATH_STRIP_DOT:
        case CFG_NORM_PATH_STRIP_DOTDOT:
                /* the path alone; the query string stays */
                src = m->path;
                break;
        case CFG_NORM_QUERY_SORT_BY_NAME:
                if (!m->query.ptr)
                        return 0;
                if (m->query.len + 1 > sizeof(in))
                        return -ENOMEM;
                in[0] = '?';
                memcpy(in + 1, m->query.ptr, m->query.len);
                src = sl_str_make(in, m->query.len + 1);
                break;
        case CFG_NORM_FRAGMENT_ENCODE:
        case CFG_NORM_FRAGMENT_STRIP:
        case CFG_NORM_PERCENT_DECODE_UNRESERVED:
        case CFG_NORM_PERCENT_TO_UPPERCASE:
        case CFG_NORM_COUNT:
        default:
                /* the path with its query string */
                if (!put(in, sizeof(in), &il, m->path.ptr, m->path.len) ||
                    (m->query.ptr && (!put(in, sizeof(in), &il, "?", 1) ||
                                      !put(in, sizeof(in), &il, m->query.ptr, m->query.len))))
                        return -ENOMEM;
                src = sl_str_make(in, il);
                break;
        }
        switch (r->norm) {
        case CFG_NORM_FRAGMENT_ENCODE:
                n = uri_norm_fragment_encode(src, out, sizeof(out));
                break;
        case CFG_NORM_FRAGMENT_STRIP:
                n = uri_norm_fragment_strip(src, out, sizeof(out));
                break;
        case CFG_NORM_PATH_MERGE_SLASHES:
                n = uri_norm_path_merge_slashes(src, out, sizeof(out));
                break;
        case CFG_NORM_PATH_STRIP_DOT:
                n = uri_norm_path_strip_dot(src, out, sizeof(out));
                break;
        case CFG_NORM_PATH_STRIP_DOTDOT:
                n = uri_norm_path_strip_dotdot(src, r->norm_opt, out, sizeof(out));
                break;
        case CFG_NORM_PERCENT_DECODE_UNRESERVED:
                n = uri_norm_percent_decode_unreserved(src, r->norm_opt, out, sizeof(out));
                break;
        case CFG_NORM_PERCENT_TO_UPPERCASE:
                n = uri_norm_percent_to_uppercase(src, r->norm_opt, out, sizeof(out));
                break;
        case CFG_NORM_QUERY_SORT_BY_NAME:
                n = uri_norm_query_sort_by_name(src, out, sizeof(out));
                break;
        case CFG_NORM_COUNT:
        default:
                n = 0;
                break;
        }
        if (n == -EINVAL)
                return -EINVAL;
        if (n < 0)
                return -ENOMEM;
        p = scratch_copy(st, out, (size_t)n);
        if (!p)
                return -ENOMEM;
        switch (r->norm) {
        case CFG_NORM_PATH_MERGE_SLASHES:
        case CFG_NORM_PATH_STRIP_DOT:
        case CFG_NORM_PATH_STRIP_DOTDOT:
                m->path = sl_str_make(p, (size_t)n);
                break;
        case CFG_NORM_QUERY_SORT_BY_NAME:
                m->query = sl_str_make(p + 1, (size_t)n - 1);
                break;
        default:
                q = memchr(p, '?', (size_t)n);
                m->path = sl_str_make(p, q ? (size_t)(q - p) : (size_t)n);
                m->query = q ? sl_str_make(q + 1, (size_t)(p + n - q - 1)) : SL_STR_NULL;
                break;
        }
        m->path_set = true;
        return 0;
}

/* ---- waiting for the body ---- */

int http_ext_request_body(struct stream *st, struct sl_str *ret, bool *ret_complete)
{
        struct sd_data d = {.trailers = st->trailers, .max_trailers = HTTP_MAX_TRAILERS};
        int r;

        *ret = SL_STR_NULL;
        *ret_complete = st->req.body == HTTP_BODY_NONE;
        if (*ret_complete || st->req_st != MSG_ST_HEAD || !st->cli.ops)
                return 0;
        r = st->cli.ops->rcv_data(&st->cli, &d);
        if (r < 0)
                return r;
        *ret = sl_str_make(d.p, d.len);
        *ret_complete = (d.flags & SD_DATA_EOM) != 0;
        return 0;
}

/* "Expect: 100-continue" of an HTTP/1.1 request with a body: sluice says 100 Continue
 * itself and the field goes, as HAProxy's http_handle_expect_hdr(). */
static bool expect_continue(struct stream *st)
{
        struct http_msg *m = &st->req;
        struct http_msg cont = {.status = 100,
                                .reason = SL_STR_LIT("Continue"),
                                .version = HTTP_VER_1_1,
                                .hdrs = st->res_hdrs,
                                .flags = HTTP_MSG_F_INTERIM};
        int i;

        if (m->version != HTTP_VER_1_1)
                return true;
        i = http_hdr_find(m, 0, SL_STR_LIT("expect"));
        if (i < 0 || !sl_str_ieq(m->hdrs[i].value, SL_STR_LIT("100-continue")))
                return true;
        if (st->cli.ops->snd_head(&st->cli, &cont, 0) < 0)
                return false;
        (void)st->cli.ops->flush(&st->cli);
        http_hdr_del(m, (size_t)i);
        return true;
}

enum http_ext_result http_ext_wait_body(struct stream *st, uint32_t ms, uint64_t bytes)
{
        struct sd_data d = {.trailers = st->trailers, .max_trailers = HTTP_MAX_TRAILERS};
        const struct http_msg *m = &st->req;
        int r;

        if (m->meth == HTTP_METH_CONNECT || m->body == HTTP_BODY_NONE ||
            m->body == HTTP_BODY_TUNNEL || (m->body == HTTP_BODY_LENGTH && m->content_length == 0))
                return HTTP_EXT_GO;
        if (!(st->flags & STRM_F_BODY_WAIT)) {
                if (!expect_continue(st)) {
                        set_term(st, 'C', 'R');
                        (void)http_ana_reply_error(st, 500);
                        return HTTP_EXT_REPLY;
                }
                st->flags |= STRM_F_BODY_WAIT;
                st->body_exp = ms ? loop_now(st->w->loop) + ms : 0;
        }
        r = st->cli.ops->rcv_data(&st->cli, &d);
        /* a broken or ended body: the forwarding finds out and answers */
        if (r < 0 || (d.flags & (SD_DATA_EOM | SD_DATA_FULL)) || (bytes && d.len >= bytes) ||
            (st->cli.flags & (SD_F_EOS | SD_F_ERR)))
                goto done;
        if (st->flags & STRM_F_BODY_TIMEOUT) {
                /* HAProxy: 408, the client was too slow */
                st->flags &= ~(uint32_t)(STRM_F_BODY_WAIT | STRM_F_BODY_TIMEOUT);
                st->body_exp = 0;
                set_term(st, 'c', 'R');
                if (!http_reply_page(st, 408,
                                     "Your browser didn't send a complete request in time."))
                        (void)http_ana_reply_error(st, 408);
                return HTTP_EXT_REPLY;
        }
        return HTTP_EXT_WAIT;
done:
        st->flags &= ~(uint32_t)(STRM_F_BODY_WAIT | STRM_F_BODY_TIMEOUT);
        st->body_exp = 0;
        return HTTP_EXT_GO;
}
