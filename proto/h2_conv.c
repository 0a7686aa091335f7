/* HTTP/2 header blocks to and from protocol-neutral heads (see h2_conv.h). */
#include "h2_conv.h"

#include <string.h>

#include "http1_parse.h"
#include "macros.h"

int h2_preface_match(const char *p, size_t len)
{
        size_t n = SL_MIN(len, (size_t)H2_PREFACE_LEN);

        if (n == 0)
                return 0;
        if (memcmp(p, H2_PREFACE, n) != 0)
                return -1;
        return n == H2_PREFACE_LEN ? 1 : 0;
}

bool h2_pseudo_set(struct h2_pseudo *ps, struct sl_str name, struct sl_str value)
{
        struct sl_str *slot = NULL;

        if (sl_str_eq(name, SL_STR_LIT(":method")))
                slot = &ps->method;
        else if (sl_str_eq(name, SL_STR_LIT(":scheme")))
                slot = &ps->scheme;
        else if (sl_str_eq(name, SL_STR_LIT(":authority")))
                slot = &ps->authority;
        else if (sl_str_eq(name, SL_STR_LIT(":path")))
                slot = &ps->path;
        else if (sl_str_eq(name, SL_STR_LIT(":protocol")))
                slot = &ps->protocol;
        if (!slot || slot->ptr)
                return false;
        /* an empty value is a present one */
        *slot = value.ptr ? value : sl_str_make("", 0);
        return true;
}

bool h2_field_forbidden(struct sl_str n)
{
        switch (n.len) {
        case 7:
                return sl_str_ieq(n, SL_STR_LIT("upgrade"));
        case 10:
                return sl_str_ieq(n, SL_STR_LIT("connection")) ||
                       sl_str_ieq(n, SL_STR_LIT("keep-alive"));
        case 16:
                return sl_str_ieq(n, SL_STR_LIT("proxy-connection"));
        case 17:
                return sl_str_ieq(n, SL_STR_LIT("transfer-encoding"));
        default:
                return false;
        }
}

/* A content-length value: 1*DIGIT, at most 2^62 (as the HTTP/1 parser). */
static bool parse_length(struct sl_str v, uint64_t *ret)
{
        uint64_t n = 0;

        if (v.len == 0)
                return false;
        for (size_t i = 0; i < v.len; i++) {
                if (v.ptr[i] < '0' || v.ptr[i] > '9' || n > (UINT64_C(1) << 62) / 10)
                        return false;
                n = n * 10 + (uint64_t)(v.ptr[i] - '0');
        }
        if (n > UINT64_C(1) << 62)
                return false;
        *ret = n;
        return true;
}

/* The fields of @m as HTTP/2 allows them: none connection-specific, content-length fields
 * valid and agreeing; *@have and *@cl say what they give. 0 or -EBADMSG. */
static int fields_check(const struct http_msg *m, bool *have, uint64_t *cl)
{
        *have = false;
        *cl = 0;
        for (size_t i = 0; i < m->n_hdrs; i++) {
                const struct http_hdr *f = &m->hdrs[i];
                uint64_t v;

                if (h2_field_forbidden(f->name))
                        return -EBADMSG;
                if (!sl_str_ieq(f->name, SL_STR_LIT("content-length")))
                        continue;
                if (!parse_length(f->value, &v) || (*have && v != *cl))
                        return -EBADMSG;
                *have = true;
                *cl = v;
        }
        return 0;
}

/* Join the cookie fields of @m into the first one (RFC 9113 8.2.3), its value in @room. */
static int join_cookies(struct http_msg *m, char *room, size_t cap, size_t *used)
{
        int first = http_hdr_find(m, 0, SL_STR_LIT("cookie")), i;
        size_t len = 0, at = *used;

        if (first < 0 || http_hdr_find(m, (size_t)first + 1, SL_STR_LIT("cookie")) < 0)
                return 0;
        for (i = first; i >= 0; i = http_hdr_find(m, (size_t)i + 1, SL_STR_LIT("cookie")))
                len += m->hdrs[i].value.len + 2;
        len -= 2;
        if (len > cap - at)
                return HTTP_E_TOO_LARGE;
        len = 0;
        for (i = first; i >= 0; i = http_hdr_find(m, (size_t)i + 1, SL_STR_LIT("cookie"))) {
                if (len) {
                        memcpy(room + at + len, "; ", 2);
                        len += 2;
                }
                memcpy(room + at + len, m->hdrs[i].value.ptr, m->hdrs[i].value.len);
                len += m->hdrs[i].value.len;
                if (i != first)
                        http_hdr_del(m, (size_t)i--);
        }
        m->hdrs[first].value = sl_str_make(room + at, len);
        *used = at + len;
        return 0;
}

int h2_request_finish(struct http_msg *m, const struct h2_pseudo *ps, bool end_stream, char *room,
                      size_t cap, size_t *used)
{
        bool have_cl = false, ext = false;
        uint64_t cl = 0;
        const char *q;
        int r;

        if (!ps->method.ptr || ps->method.len == 0 || !h1_token_valid(ps->method))
                return -EBADMSG;
        m->method = ps->method;
        m->meth = h1_method_lookup(ps->method);
        m->version = HTTP_VER_2;
        m->flags = 0;
        m->path_set = false;
        if (ps->protocol.ptr) {
                /* extended CONNECT (RFC 8441 4): the HTTP/1.1 upgrade it stands for */
                if (m->meth != HTTP_METH_CONNECT || !ps->authority.ptr || ps->protocol.len == 0 ||
                    !h1_token_valid(ps->protocol))
                        return -EBADMSG;
                ext = true;
                m->method = SL_STR_LIT("GET");
                m->meth = HTTP_METH_GET;
        } else if (m->meth == HTTP_METH_CONNECT) {
                /* RFC 9113 8.5: :authority only; the tunnel it asks for is not offered over
                 * HTTP/2 */
                if (!ps->authority.ptr || ps->scheme.ptr || ps->path.ptr)
                        return -EBADMSG;
                return HTTP_E_CODING;
        }
        if (!ps->scheme.ptr || !ps->path.ptr || ps->path.len == 0 || ps->scheme.len == 0)
                return -EBADMSG;
        if (!h1_target_chars_valid(ps->path))
                return -EBADMSG;
        if (ps->path.ptr[0] != '/' &&
            !(m->meth == HTTP_METH_OPTIONS && sl_str_eq(ps->path, SL_STR_LIT("*"))))
                return -EBADMSG;
        m->target = ps->path;
        q = memchr(ps->path.ptr, '?', ps->path.len);
        m->path = sl_str_make(ps->path.ptr,
                              (size_t)((q ? q : ps->path.ptr + ps->path.len) - ps->path.ptr));
        m->query =
                q ? sl_str_make(q + 1, (size_t)(ps->path.ptr + ps->path.len - q - 1)) : SL_STR_NULL;
        /* the authority: :authority, which replaces any Host field, else Host */
        if (ps->authority.ptr) {
                int h;

                while ((h = http_hdr_find(m, 0, SL_STR_LIT("host"))) >= 0)
                        http_hdr_del(m, (size_t)h);
                if (!http_hdr_add(m, SL_STR_LIT("host"), ps->authority))
                        return HTTP_E_TOO_LARGE;
                m->authority = ps->authority;
        } else {
                int h = http_hdr_find(m, 0, SL_STR_LIT("host"));

                if (h >= 0 && http_hdr_find(m, (size_t)h + 1, SL_STR_LIT("host")) >= 0)
                        return -EBADMSG;
                m->authority = h >= 0 ? m->hdrs[h].value : SL_STR_NULL;
        }
        if (fields_check(m, &have_cl, &cl) < 0)
                return -EBADMSG;
        r = join_cookies(m, room, cap, used);
        if (r < 0)
                return r;
        if (ext) {
                /* no content: what follows a success is the tunnel's */
                if (have_cl)
                        return -EBADMSG;
                if (!http_hdr_add(m, SL_STR_LIT("upgrade"), ps->protocol))
                        return HTTP_E_TOO_LARGE;
                m->flags |= HTTP_MSG_F_UPGRADE;
                m->body = HTTP_BODY_NONE;
                m->content_length = 0;
                return 0;
        }
        if (have_cl) {
                if (end_stream && cl != 0)
                        return -EBADMSG;
                m->body = HTTP_BODY_LENGTH;
                m->content_length = cl;
        } else if (end_stream) {
                m->body = HTTP_BODY_NONE;
                m->content_length = 0;
        } else {
                m->body = HTTP_BODY_CHUNKED;
                m->content_length = 0;
        }
        return 0;
}

/* ---- to nghttp2 ---- */

struct nv_out {
        nghttp2_nv *nv;
        size_t n, max;
        char *room;
        size_t used, cap;
};

/* A copy of @s in the room, lowercased when @lower; NULL when it does not fit. */
static uint8_t *room_put(struct nv_out *o, struct sl_str s, bool lower)
{
        uint8_t *p;

        if (s.len > o->cap - o->used)
                return NULL;
        p = (uint8_t *)o->room + o->used;
        for (size_t i = 0; i < s.len; i++) {
                char c = s.ptr[i];

                p[i] = (uint8_t)(lower && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
        o->used += s.len;
        return p;
}

static bool nv_add(struct nv_out *o, struct sl_str name, struct sl_str value, bool copy_value)
{
        uint8_t *n, *v;

        if (o->n == o->max)
                return false;
        n = room_put(o, name, true);
        if (!n)
                return false;
        v = (uint8_t *)(uintptr_t)value.ptr;
        if (copy_value) {
                v = room_put(o, value, false);
                if (!v)
                        return false;
        }
        o->nv[o->n++] =
                (nghttp2_nv){n, v ? v : (uint8_t *)"", name.len, value.len, NGHTTP2_NV_FLAG_NONE};
        return true;
}

static struct sl_str u64_text(uint64_t v, char *buf, size_t cap)
{
        size_t i = cap;

        do {
                buf[--i] = (char)('0' + v % 10);
                v /= 10;
        } while (v && i);
        return sl_str_make(buf + i, cap - i);
}

/* The response fields; @tunnel: a 101 that becomes the 200 of an extended CONNECT. */
static int response_nv(const struct http_msg *m, bool tunnel, nghttp2_nv *nv, size_t max,
                       char *room, size_t cap)
{
        struct nv_out o = {nv, 0, max, room, 0, cap};
        unsigned status = tunnel ? 200 : m->status;
        bool no_cl = status < 200 || status == 204 || tunnel, have_cl = false;
        char tmp[24];

        if (status < 100 || status > 999 ||
            !nv_add(&o, SL_STR_LIT(":status"), u64_text(status, tmp, 3), true))
                return -ENOBUFS;
        for (size_t i = 0; i < m->n_hdrs; i++) {
                const struct http_hdr *f = &m->hdrs[i];

                if (f->name.len == 0 || f->name.ptr[0] == ':' || h2_field_forbidden(f->name) ||
                    sl_str_ieq(f->name, SL_STR_LIT("te")))
                        continue;
                /* the HTTP/1.1 handshake's own answer (RFC 8441 5) */
                if (tunnel && sl_str_ieq(f->name, SL_STR_LIT("sec-websocket-accept")))
                        continue;
                if (sl_str_ieq(f->name, SL_STR_LIT("content-length"))) {
                        if (no_cl || have_cl || m->body == HTTP_BODY_CHUNKED ||
                            m->body == HTTP_BODY_UNTIL_CLOSE)
                                continue;
                        have_cl = true;
                }
                if ((m->flags & HTTP_MSG_F_CONN_NAMES) &&
                    h1_header_is_hop_by_hop(m->hdrs, m->n_hdrs, f->name))
                        continue;
                if (!nv_add(&o, f->name, f->value, false))
                        return -ENOBUFS;
        }
        if (m->body == HTTP_BODY_LENGTH && !have_cl && !no_cl &&
            !nv_add(&o, SL_STR_LIT("content-length"), u64_text(m->content_length, tmp, 20), true))
                return -ENOBUFS;
        return (int)o.n;
}

int h2_response_nv(const struct http_msg *m, nghttp2_nv *nv, size_t max, char *room, size_t cap)
{
        return response_nv(m, false, nv, max, room, cap);
}

int h2_tunnel_response_nv(const struct http_msg *m, nghttp2_nv *nv, size_t max, char *room,
                          size_t cap)
{
        return response_nv(m, true, nv, max, room, cap);
}

/* Fields of framing and routing a trailer section may not carry (RFC 9110 6.5.1), besides
 * the connection-specific ones. */
static bool trailer_dropped(struct sl_str n)
{
        static const struct sl_str names[] = {
                SL_STR_LIT("content-length"),
                SL_STR_LIT("host"),
                SL_STR_LIT("te"),
                SL_STR_LIT("trailer"),
        };

        if (n.len == 0 || n.ptr[0] == ':' || h2_field_forbidden(n))
                return true;
        for (size_t i = 0; i < SL_ARRAY_SIZE(names); i++)
                if (sl_str_ieq(n, names[i]))
                        return true;
        return false;
}

int h2_trailers_nv(const struct http_hdr *t, size_t n, nghttp2_nv *nv, size_t max, char *room,
                   size_t cap)
{
        struct nv_out o = {nv, 0, max, room, 0, cap};

        for (size_t i = 0; i < n; i++) {
                if (trailer_dropped(t[i].name))
                        continue;
                if (!nv_add(&o, t[i].name, t[i].value, false))
                        return -ENOBUFS;
        }
        return (int)o.n;
}

/* ---- to an HTTP/2 server ---- */

/* The :path of @m: its origin form, in @o's room when it has to be put together. */
static struct sl_str request_path(const struct http_msg *m, struct nv_out *o)
{
        struct sl_str path = m->path, q = m->query;
        size_t len;
        uint8_t *p;

        if (!m->path_set && m->target.len &&
            (m->target.ptr[0] == '/' || sl_str_eq(m->target, SL_STR_LIT("*"))))
                return m->target;
        if (path.len == 0)
                path = SL_STR_LIT("/");
        if (!q.ptr)
                return path;
        len = path.len + 1 + q.len;
        if (len > o->cap - o->used)
                return SL_STR_NULL;
        p = (uint8_t *)o->room + o->used;
        memcpy(p, path.ptr, path.len);
        p[path.len] = '?';
        memcpy(p + path.len + 1, q.ptr, q.len);
        o->used += len;
        return sl_str_make((const char *)p, len);
}

/* @protocol empty: a request; else the extended CONNECT (RFC 8441) of that protocol that a
 * WebSocket upgrade request @m becomes. */
static int request_nv(const struct http_msg *m, struct sl_str scheme, struct sl_str protocol,
                      nghttp2_nv *nv, size_t max, char *room, size_t cap)
{
        struct nv_out o = {nv, 0, max, room, 0, cap};
        struct sl_str authority = m->authority, path;
        bool have_cl = false, host_sent = false, te_sent = false;
        char tmp[24];
        int h;

        if (m->meth == HTTP_METH_CONNECT)
                return -EINVAL;
        if (!authority.len) {
                h = http_hdr_find(m, 0, SL_STR_LIT("host"));
                authority = h >= 0 ? m->hdrs[h].value : SL_STR_NULL;
        }
        path = request_path(m, &o);
        if (!path.ptr ||
            !nv_add(&o, SL_STR_LIT(":method"), protocol.len ? SL_STR_LIT("CONNECT") : m->method,
                    false) ||
            (protocol.len && !nv_add(&o, SL_STR_LIT(":protocol"), protocol, false)) ||
            !nv_add(&o, SL_STR_LIT(":scheme"), scheme, false) ||
            (authority.len && !nv_add(&o, SL_STR_LIT(":authority"), authority, false)) ||
            !nv_add(&o, SL_STR_LIT(":path"), path, false))
                return -ENOBUFS;
        for (size_t i = 0; i < m->n_hdrs; i++) {
                const struct http_hdr *f = &m->hdrs[i];

                if (f->name.len == 0 || f->name.ptr[0] == ':' || h2_field_forbidden(f->name) ||
                    sl_str_ieq(f->name, SL_STR_LIT("http2-settings")))
                        continue;
                /* RFC 8441 5: the HTTP/1.1 handshake's key has no use over HTTP/2 */
                if (protocol.len && (sl_str_ieq(f->name, SL_STR_LIT("sec-websocket-key")) ||
                                     sl_str_ieq(f->name, SL_STR_LIT("content-length"))))
                        continue;
                if (sl_str_ieq(f->name, SL_STR_LIT("host"))) {
                        /* :authority says it; without one, the first Host goes */
                        if (authority.len || host_sent)
                                continue;
                        host_sent = true;
                }
                if (sl_str_ieq(f->name, SL_STR_LIT("te"))) {
                        /* the only TE HTTP/2 allows (RFC 9113 8.2.2), once */
                        if (!te_sent && h1_te_lists_trailers(f->value)) {
                                te_sent = true;
                                if (!nv_add(&o, SL_STR_LIT("te"), SL_STR_LIT("trailers"), false))
                                        return -ENOBUFS;
                        }
                        continue;
                }
                if ((m->flags & HTTP_MSG_F_CONN_NAMES) &&
                    h1_header_is_hop_by_hop(m->hdrs, m->n_hdrs, f->name))
                        continue;
                if (sl_str_ieq(f->name, SL_STR_LIT("content-length"))) {
                        if (m->body != HTTP_BODY_LENGTH || have_cl)
                                continue;
                        have_cl = true;
                }
                if (!nv_add(&o, f->name, f->value, false))
                        return -ENOBUFS;
        }
        if (m->body == HTTP_BODY_LENGTH && !have_cl && m->content_length && !protocol.len &&
            !nv_add(&o, SL_STR_LIT("content-length"), u64_text(m->content_length, tmp, 20), true))
                return -ENOBUFS;
        return (int)o.n;
}

int h2_request_nv(const struct http_msg *m, struct sl_str scheme, nghttp2_nv *nv, size_t max,
                  char *room, size_t cap)
{
        return request_nv(m, scheme, SL_STR_NULL, nv, max, room, cap);
}

bool h2_ws_upgrade(const struct http_msg *m, struct sl_str *ret_key)
{
        int u, k;

        if (!(m->flags & HTTP_MSG_F_UPGRADE) || m->meth != HTTP_METH_GET)
                return false;
        u = http_hdr_find(m, 0, SL_STR_LIT("upgrade"));
        k = http_hdr_find(m, 0, SL_STR_LIT("sec-websocket-key"));
        if (u < 0 || k < 0 || !sl_str_ieq(m->hdrs[u].value, SL_STR_LIT("websocket")) ||
            http_hdr_find(m, u + 1, SL_STR_LIT("upgrade")) >= 0 ||
            http_hdr_find(m, k + 1, SL_STR_LIT("sec-websocket-key")) >= 0)
                return false;
        *ret_key = m->hdrs[k].value;
        return true;
}

int h2_ws_request_nv(const struct http_msg *m, struct sl_str scheme, nghttp2_nv *nv, size_t max,
                     char *room, size_t cap)
{
        return request_nv(m, scheme, SL_STR_LIT("websocket"), nv, max, room, cap);
}

int h2_response_finish(struct http_msg *m, unsigned status, bool end_stream, enum http_meth meth)
{
        bool have_cl = false;
        uint64_t cl = 0;

        if (status < 100 || status > 599 || status == 101)
                return -EBADMSG;
        m->status = status;
        m->reason = sl_str_make(http_status_reason(status), strlen(http_status_reason(status)));
        m->version = HTTP_VER_2;
        m->flags = 0;
        m->content_length = 0;
        if (fields_check(m, &have_cl, &cl) < 0)
                return -EBADMSG;
        if (status < 200) {
                m->flags |= HTTP_MSG_F_INTERIM;
                m->body = HTTP_BODY_NONE;
                return 0;
        }
        if (meth == HTTP_METH_HEAD || status == 204 || status == 304) {
                /* no body, whatever content-length says of the representation */
                m->body = HTTP_BODY_NONE;
                return 0;
        }
        if (have_cl) {
                if (end_stream && cl != 0)
                        return -EBADMSG;
                m->body = HTTP_BODY_LENGTH;
                m->content_length = cl;
        } else if (end_stream) {
                m->body = HTTP_BODY_LENGTH;
        } else {
                m->body = HTTP_BODY_CHUNKED;
        }
        return 0;
}
