/* HTTP/1.1 heads, chunk framing and trailers written from protocol-neutral messages (see
 * http1_emit.h). Called by the HTTP/1 mux of the worker for every head it sends, whether the
 * message came from a peer or from sluice itself. */
#include "http1_emit.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "http1_parse.h"
#include "macros.h"

/* Output cursor: writes stop counting once the end is passed, and the caller checks once. */
struct out {
        char *p, *end;
        bool full;
};

static inline void put(struct out *o, const void *s, size_t n)
{
        if (sl_unlikely((size_t)(o->end - o->p) < n)) {
                o->full = true;
                o->p = o->end;
                return;
        }
        memcpy(o->p, s, n);
        o->p += n;
}

static inline void put_str(struct out *o, struct sl_str s)
{
        put(o, s.ptr, s.len);
}

static void put_u64(struct out *o, uint64_t v, unsigned base)
{
        char tmp[24];
        size_t i = sizeof(tmp);

        do {
                tmp[--i] = "0123456789abcdef"[v % base];
                v /= base;
        } while (v);
        put(o, tmp + i, sizeof(tmp) - i);
}

/* Which fields of a message are not forwarded, and what framing it had. */
enum field_kind {
        FIELD_END_TO_END = 0,
        FIELD_HOP,     /* hop-by-hop: never forwarded */
        FIELD_UPGRADE, /* hop-by-hop unless the connection is being upgraded */
        FIELD_CL,      /* Content-Length */
        FIELD_TE,      /* Transfer-Encoding */
        FIELD_TE_REQ,  /* TE: hop-by-hop, but a request's "trailers" goes on (see below) */
};

static enum field_kind field_kind(struct sl_str n)
{
        /* by length first: most fields are none of these */
        switch (n.len) {
        case 2:
                return h1_name_is(n, SL_STR_LIT("te")) ? FIELD_TE_REQ : FIELD_END_TO_END;
        case 7:
                return h1_name_is(n, SL_STR_LIT("upgrade")) ? FIELD_UPGRADE : FIELD_END_TO_END;
        case 10:
                if (h1_name_is(n, SL_STR_LIT("connection")) ||
                    h1_name_is(n, SL_STR_LIT("keep-alive")))
                        return FIELD_HOP;
                return FIELD_END_TO_END;
        case 14:
                return h1_name_is(n, SL_STR_LIT("content-length")) ? FIELD_CL : FIELD_END_TO_END;
        case 16:
                return h1_name_is(n, SL_STR_LIT("proxy-connection")) ? FIELD_HOP : FIELD_END_TO_END;
        case 17:
                return h1_name_is(n, SL_STR_LIT("transfer-encoding")) ? FIELD_TE : FIELD_END_TO_END;
        default:
                return FIELD_END_TO_END;
        }
}

/* Options named by the message's Connection fields, other than close, keep-alive and
 * upgrade (which name fields dropped anyway): the extra fields they make hop-by-hop. */
#define MAX_CONN_NAMES 16

struct conn_names {
        struct sl_str v[MAX_CONN_NAMES];
        size_t n;
        bool overflow; /* more than MAX_CONN_NAMES: ask h1_header_is_hop_by_hop() per field */
};

static void conn_names_collect(const struct http_msg *m, struct conn_names *cn)
{
        cn->n = 0;
        cn->overflow = false;
        for (size_t i = 0; i < m->n_hdrs; i++) {
                struct sl_str rest, e;

                if (m->hdrs[i].name.len != 10 ||
                    !sl_str_ieq(m->hdrs[i].name, SL_STR_LIT("connection")))
                        continue;
                rest = m->hdrs[i].value;
                while (h1_list_next(&rest, &e)) {
                        if (e.len == 0 || field_kind(e) == FIELD_HOP ||
                            sl_str_ieq(e, SL_STR_LIT("close")) ||
                            sl_str_ieq(e, SL_STR_LIT("upgrade")))
                                continue;
                        if (cn->n == MAX_CONN_NAMES) {
                                cn->overflow = true;
                                return;
                        }
                        cn->v[cn->n++] = e;
                }
        }
}

static bool conn_named(const struct http_msg *m, const struct conn_names *cn, struct sl_str name)
{
        if (cn->overflow)
                return h1_header_is_hop_by_hop(m->hdrs, m->n_hdrs, name);
        for (size_t i = 0; i < cn->n; i++)
                if (sl_str_ieq(cn->v[i], name))
                        return true;
        return false;
}

/* The fields and the empty line ending the head. @cl_allowed: Content-Length may be sent.
 * A request's TE goes on as "te: trailers" when it lists trailers: the client says it takes
 * trailer fields (gRPC needs it), which holds through the proxy as sluice passes trailers on
 * both ways; the codings it may list are the hop's own and are not. */
/* Whether field @h is, in @m's received head, the line "name: value" CRLF exactly (its
 * views point there, nothing was rewritten): such lines are copied as they are, a run of
 * consecutive ones in one go. */
static inline bool field_in_place(const struct http_msg *m, const struct http_hdr *h)
{
        uintptr_t raw = (uintptr_t)m->raw.ptr, n = (uintptr_t)h->name.ptr,
                  v = (uintptr_t)h->value.ptr;

        return raw && n >= raw && v == n + h->name.len + 2 &&
               v + h->value.len + 2 <= raw + m->raw.len && h->name.ptr[h->name.len] == ':' &&
               h->name.ptr[h->name.len + 1] == ' ' && h->value.ptr[h->value.len] == '\r' &&
               h->value.ptr[h->value.len + 1] == '\n';
}

/* The run of received lines not written yet: [@p, @end) */
struct run {
        const char *p, *end;
};

static inline void run_flush(struct out *o, struct run *r)
{
        if (r->p != r->end)
                put(o, r->p, (size_t)(r->end - r->p));
        r->p = r->end = NULL;
}

static void put_fields(struct out *o, const struct http_msg *m, unsigned flags, bool cl_allowed,
                       bool te_allowed)
{
        struct conn_names cn;
        bool have_cl = false, have_te = false, te_sent = false;
        struct run run = {NULL, NULL};

        cn.n = 0;
        cn.overflow = false;
        if (m->flags & HTTP_MSG_F_CONN_NAMES)
                conn_names_collect(m, &cn);
        for (size_t i = 0; i < m->n_hdrs; i++) {
                const struct http_hdr *h = &m->hdrs[i];

                switch (field_kind(h->name)) {
                case FIELD_END_TO_END:
                        if ((cn.n || cn.overflow) && conn_named(m, &cn, h->name))
                                continue;
                        break;
                case FIELD_HOP:
                        continue;
                case FIELD_UPGRADE:
                        if (!(flags & H1_EMIT_CONN_UPGRADE))
                                continue;
                        break;
                case FIELD_CL:
                        if (!cl_allowed)
                                continue;
                        have_cl = true;
                        break;
                case FIELD_TE:
                        if (!te_allowed)
                                continue;
                        have_te = true;
                        break;
                case FIELD_TE_REQ:
                        if (!m->method.len || te_sent || !h1_te_lists_trailers(h->value))
                                continue;
                        te_sent = true;
                        run_flush(o, &run);
                        put(o, "te: trailers\r\n", 14);
                        continue;
                }
                if (field_in_place(m, h)) {
                        if (run.end != h->name.ptr) {
                                run_flush(o, &run);
                                run.p = h->name.ptr;
                        }
                        run.end = h->value.ptr + h->value.len + 2;
                        continue;
                }
                run_flush(o, &run);
                put_str(o, h->name);
                put(o, ": ", 2);
                put_str(o, h->value);
                put(o, "\r\n", 2);
        }
        run_flush(o, &run);
        if (m->body == HTTP_BODY_LENGTH && cl_allowed && !have_cl) {
                put(o, "content-length: ", 16);
                put_u64(o, m->content_length, 10);
                put(o, "\r\n", 2);
        } else if (m->body == HTTP_BODY_CHUNKED && !have_te) {
                put(o, "transfer-encoding: chunked\r\n", 28);
        }
        if (flags & H1_EMIT_CONN_UPGRADE)
                put(o, "connection: upgrade\r\n", 21);
        else if (flags & H1_EMIT_CONN_CLOSE)
                put(o, "connection: close\r\n", 19);
        else if (flags & H1_EMIT_CONN_KEEPALIVE)
                put(o, "connection: keep-alive\r\n", 24);
        put(o, "\r\n", 2);
}

static int out_result(const struct out *o, const char *dst)
{
        return o->full ? -ENOBUFS : (int)(o->p - dst);
}

int h1_emit_request(char *dst, size_t size, const struct http_msg *m, unsigned flags)
{
        struct out o = {dst, dst + SL_MIN(size, (size_t)INT32_MAX), false};

        put_str(&o, m->method);
        put(&o, " ", 1);
        if (m->path_set) {
                put_str(&o, m->path);
                if (m->query.ptr) {
                        put(&o, "?", 1);
                        put_str(&o, m->query);
                }
        } else {
                put_str(&o, m->target);
        }
        put(&o, m->version == HTTP_VER_1_0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n", 11);
        put_fields(&o, m, flags, m->body != HTTP_BODY_CHUNKED, m->body == HTTP_BODY_CHUNKED);
        return out_result(&o, dst);
}

int h1_emit_response(char *dst, size_t size, const struct http_msg *m, unsigned flags)
{
        struct out o = {dst, dst + SL_MIN(size, (size_t)INT32_MAX), false};
        char sl[13] = "HTTP/1.1 000 ";

        sl[9] = (char)('0' + m->status / 100 % 10);
        sl[10] = (char)('0' + m->status / 10 % 10);
        sl[11] = (char)('0' + m->status % 10);
        put(&o, sl, sizeof(sl));
        put_str(&o, m->reason);
        put(&o, "\r\n", 2);
        put_fields(&o, m, flags,
                   m->status >= 200 && m->status != 204 && m->body != HTTP_BODY_CHUNKED,
                   m->body == HTTP_BODY_CHUNKED || m->body == HTTP_BODY_UNTIL_CLOSE);
        return out_result(&o, dst);
}

int h1_emit_chunk_size(char *dst, size_t size, uint64_t n)
{
        struct out o = {dst, dst + SL_MIN(size, (size_t)INT32_MAX), false};

        put_u64(&o, n, 16);
        put(&o, "\r\n", 2);
        return out_result(&o, dst);
}

int h1_emit_chunked_end(char *dst, size_t size, const struct http_hdr *trailers, size_t n)
{
        struct out o = {dst, dst + SL_MIN(size, (size_t)INT32_MAX), false};

        put(&o, "0\r\n", 3);
        for (size_t i = 0; i < n; i++) {
                enum field_kind k = field_kind(trailers[i].name);

                if (k != FIELD_END_TO_END || sl_str_ieq(trailers[i].name, SL_STR_LIT("host")))
                        continue;
                put_str(&o, trailers[i].name);
                put(&o, ": ", 2);
                put_str(&o, trailers[i].value);
                put(&o, "\r\n", 2);
        }
        put(&o, "\r\n", 2);
        return out_result(&o, dst);
}
