/* Rewriting actions (see http_rewrite.h). */
#include "http_rewrite.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "http1_parse.h"
#include "macros.h"
#include "scratch.h"
#include "stream-t.h"

/* Room for one rewritten value: HAProxy renders into a buffer of tune.bufsize too. */
#define REWRITE_MAX 8192

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        c = (char)(c | 0x20);
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

ssize_t http_rewrite_regex(const void *re, struct sl_str in, struct sl_str repl, char *out,
                           size_t size)
{
        static pcre2_match_data *md;
        const char *s = in.ptr ? in.ptr : "";
        PCRE2_SIZE *ov;
        size_t n = 0;
        int rc;

        if (!md)
                md = pcre2_match_data_create(10, NULL);
        if (!md)
                return -2;
        rc = pcre2_match(re, (PCRE2_SPTR)s, in.len, 0, 0, md, NULL);
        if (rc < 0)
                return -1;
        ov = pcre2_get_ovector_pointer(md);
        for (size_t i = 0; i < repl.len;) {
                char c = repl.ptr[i++];
                const char *add = &c;
                size_t alen = 1;

                if (c == '\\') {
                        if (i == repl.len)
                                return -2;
                        c = repl.ptr[i++];
                        if (c >= '0' && c <= '9') {
                                int g = c - '0';

                                if (g >= rc || ov[2 * g] == PCRE2_UNSET)
                                        continue;
                                add = s + ov[2 * g];
                                alen = ov[2 * g + 1] - ov[2 * g];
                        } else if (c == 'x' && i + 2 <= repl.len && hexval(repl.ptr[i]) >= 0 &&
                                   hexval(repl.ptr[i + 1]) >= 0) {
                                c = (char)(hexval(repl.ptr[i]) << 4 | hexval(repl.ptr[i + 1]));
                                i += 2;
                        }
                }
                if (n + alen > size)
                        return -2;
                memcpy(out + n, add, alen);
                n += alen;
        }
        return (ssize_t)n;
}

/* A field value as RFC 9110 5.5 allows it on the wire: no control but HTAB. */
static bool field_value_valid(struct sl_str v)
{
        for (size_t i = 0; i < v.len; i++) {
                unsigned char c = (unsigned char)v.ptr[i];

                if ((c < 0x20 && c != '\t') || c == 0x7f)
                        return false;
        }
        return true;
}

static bool is_ows(char c)
{
        return c == ' ' || c == '\t';
}

/* replace-header, replace-value on every field @r names. */
static bool rewrite_fields(struct stream *st, struct http_msg *m, const struct cfg_http_rule *r,
                           struct sl_str repl)
{
        struct sl_str name = sl_str_make(r->hdr_name, r->hdr_name_len);
        char out[REWRITE_MAX], one[REWRITE_MAX];

        for (int i = http_hdr_find(m, 0, name); i >= 0; i = http_hdr_find(m, (size_t)i + 1, name)) {
                struct sl_str v = m->hdrs[i].value;
                size_t n = 0, pos = 0;
                bool changed = false;
                char *p;

                if (r->act == CFG_ACT_REPLACE_HEADER) {
                        ssize_t k = http_rewrite_regex(r->re, v, repl, out, sizeof(out));

                        if (k == -1)
                                continue;
                        if (k < 0)
                                return false;
                        n = (size_t)k;
                        changed = true;
                } else {
                        /* each comma-separated value: one that is rewritten loses the
                         * spaces around it (as HAProxy's), the others stay as they were */
                        for (;;) {
                                size_t s0 = pos, a, b, e;
                                ssize_t k;

                                b = s0;
                                while (b < v.len && v.ptr[b] != ',')
                                        b++;
                                a = s0;
                                while (a < b && is_ows(v.ptr[a]))
                                        a++;
                                e = b;
                                while (e > a && is_ows(v.ptr[e - 1]))
                                        e--;
                                k = e > a ? http_rewrite_regex(r->re, sl_str_make(v.ptr + a, e - a),
                                                               repl, one, sizeof(one))
                                          : -1;
                                if (k == -2)
                                        return false;
                                if (k >= 0) {
                                        if (n + (size_t)k + 1 > sizeof(out))
                                                return false;
                                        memcpy(out + n, one, (size_t)k);
                                        n += (size_t)k;
                                        changed = true;
                                } else {
                                        if (n + (b - s0) + 1 > sizeof(out))
                                                return false;
                                        memcpy(out + n, v.ptr + s0, b - s0);
                                        n += b - s0;
                                }
                                if (b >= v.len)
                                        break;
                                out[n++] = ',';
                                pos = b + 1;
                        }
                }
                if (!changed)
                        continue;
                if (!field_value_valid(sl_str_make(out, n)))
                        return false;
                p = scratch_copy(st, out, n);
                if (!p)
                        return false;
                m->hdrs[i].value = sl_str_make(p, n);
        }
        return true;
}

/* Set the path and query of @m from @pq ("path[?query]"), a path as sent in origin form. */
static bool set_pathq(struct stream *st, struct http_msg *m, struct sl_str pq)
{
        const char *q = memchr(pq.ptr, '?', pq.len);
        char *p;

        if (pq.len == 0 || pq.ptr[0] != '/' || !h1_target_chars_valid(pq))
                return false;
        p = scratch_copy(st, pq.ptr, pq.len);
        if (!p)
                return false;
        m->path = sl_str_make(p, q ? (size_t)(q - pq.ptr) : pq.len);
        m->query = q ? sl_str_make(p + (q - pq.ptr) + 1, pq.len - (size_t)(q - pq.ptr) - 1)
                     : SL_STR_NULL;
        m->path_set = true;
        return true;
}

/* The path and query of @m as "path[?query]" into @buf. */
static struct sl_str pathq_of(const struct http_msg *m, char *buf, size_t size)
{
        size_t n = SL_MIN(m->path.len, size);

        if (n)
                memcpy(buf, m->path.ptr, n);
        if (m->query.ptr && n < size) {
                buf[n++] = '?';
                memcpy(buf + n, m->query.ptr, SL_MIN(m->query.len, size - n));
                n += SL_MIN(m->query.len, size - n);
        }
        return sl_str_make(buf, n);
}

bool http_rewrite(struct stream *st, struct http_msg *m, const struct cfg_http_rule *r,
                  struct sl_str value)
{
        char in[REWRITE_MAX], out[REWRITE_MAX];
        struct sl_str src;
        ssize_t k;
        char *p;

        switch (r->act) {
        case CFG_ACT_REPLACE_HEADER:
        case CFG_ACT_REPLACE_VALUE:
                return rewrite_fields(st, m, r, value);
        case CFG_ACT_REPLACE_PATH:
                if (m->path.len == 0)
                        return true;
                k = http_rewrite_regex(r->re, m->path, value, out, sizeof(out));
                if (k == -1)
                        return true;
                if (k < 0 || k == 0 || out[0] != '/' || memchr(out, '?', (size_t)k) ||
                    !h1_target_chars_valid(sl_str_make(out, (size_t)k)) ||
                    !(p = scratch_copy(st, out, (size_t)k)))
                        return false;
                m->path = sl_str_make(p, (size_t)k);
                m->path_set = true;
                return true;
        case CFG_ACT_REPLACE_PATHQ:
        case CFG_ACT_REPLACE_URI:
                /* the target as sent: a rewritten one, else the one received (which for
                 * replace-uri may be in absolute form) */
                src = m->path_set || r->act == CFG_ACT_REPLACE_PATHQ ? pathq_of(m, in, sizeof(in))
                                                                     : m->target;
                if (src.len == 0)
                        return true;
                k = http_rewrite_regex(r->re, src, value, out, sizeof(out));
                if (k == -1)
                        return true;
                /* sluice sends requests in origin form: a result must be a path */
                return k >= 0 && set_pathq(st, m, sl_str_make(out, (size_t)k));
        case CFG_ACT_SET_PATH:
                /* the query stays; a path that would break the request line fails */
                if (value.len == 0 || !h1_target_chars_valid(value) ||
                    !(p = scratch_copy(st, value.ptr, value.len)))
                        return false;
                m->path = sl_str_make(p, value.len);
                m->path_set = true;
                return true;
        case CFG_ACT_SET_PATHQ:
        case CFG_ACT_SET_URI:
                return set_pathq(st, m, value);
        case CFG_ACT_SET_QUERY:
                /* HAProxy: the query without its '?'; an empty one keeps the '?' */
                if (value.len && value.ptr[0] == '?')
                        value = sl_str_make(value.ptr + 1, value.len - 1);
                if (!h1_target_chars_valid(value) || memchr(value.ptr, '#', value.len))
                        return false;
                p = scratch_copy(st, value.ptr ? value.ptr : "", value.len);
                if (!p)
                        return false;
                m->query = sl_str_make(p, value.len);
                m->path_set = true;
                return true;
        case CFG_ACT_SET_METHOD:
                if (!h1_token_valid(value) || !(p = scratch_copy(st, value.ptr, value.len)))
                        return false;
                m->method = sl_str_make(p, value.len);
                m->meth = h1_method_lookup(m->method);
                return true;
        case CFG_ACT_SET_STATUS:
                m->status = r->status;
                m->reason = sl_str_from_cstr(r->reason ? r->reason : http_status_reason(r->status));
                return true;
        default:
                return false;
        }
}
