#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http1_emit.h"
#include "http1_parse.h"
#include "unit.h"

static struct http_hdr hdrs[16];

/* A message with the fields given as "name", "value" pairs, NULL-terminated. */
static struct http_msg msg(enum http_body body, uint64_t cl, const char *const *kv)
{
        struct http_msg m = {.hdrs = hdrs,
                             .max_hdrs = 16,
                             .body = body,
                             .content_length = cl,
                             .version = HTTP_VER_1_1};

        for (size_t i = 0; kv && kv[i]; i += 2)
                ck_assert(http_hdr_add(&m, sl_str_from_cstr(kv[i]), sl_str_from_cstr(kv[i + 1])));
        return m;
}

static struct http_msg req(enum http_body body, uint64_t cl, const char *const *kv)
{
        struct http_msg m = msg(body, cl, kv);

        m.meth = HTTP_METH_GET;
        m.method = SL_STR_LIT("GET");
        m.target = SL_STR_LIT("/a?b");
        m.path = SL_STR_LIT("/a");
        m.query = SL_STR_LIT("b");
        return m;
}

static struct http_msg res(unsigned status, enum http_body body, uint64_t cl, const char *const *kv)
{
        struct http_msg m = msg(body, cl, kv);

        m.status = status;
        m.reason = sl_str_from_cstr(http_status_reason(status));
        return m;
}

static void expect_req(const struct http_msg *m, unsigned flags, const char *want)
{
        char out[1024];
        int n = h1_emit_request(out, sizeof(out), m, flags);

        ck_assert_int_eq(n, (int)strlen(want));
        ck_assert_msg(memcmp(out, want, (size_t)n) == 0, "got %.*s", n, out);
}

static void expect_res(const struct http_msg *m, unsigned flags, const char *want)
{
        char out[1024];
        int n = h1_emit_response(out, sizeof(out), m, flags);

        ck_assert_int_eq(n, (int)strlen(want));
        ck_assert_msg(memcmp(out, want, (size_t)n) == 0, "got %.*s", n, out);
}

START_TEST(test_request_line_and_fields)
{
        static const char *const kv[] = {"Host", "h", "X-A", "1", NULL};
        struct http_msg m = req(HTTP_BODY_NONE, 0, kv);

        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n");
        m.version = HTTP_VER_1_0;
        expect_req(&m, H1_EMIT_CONN_KEEPALIVE,
                   "GET /a?b HTTP/1.0\r\nHost: h\r\nX-A: 1\r\nconnection: keep-alive\r\n\r\n");
        /* a rewritten path goes with the query */
        m.version = HTTP_VER_1_1;
        m.path = SL_STR_LIT("/new");
        m.path_set = true;
        expect_req(&m, H1_EMIT_CONN_CLOSE,
                   "GET /new?b HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nconnection: close\r\n\r\n");
        m.query = SL_STR_NULL;
        expect_req(&m, 0, "GET /new HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n");
}
END_TEST

/* RFC 9110 7.6.1: Connection, Keep-Alive, Proxy-Connection and Upgrade never go on, nor
 * what a Connection field names, whatever the case; Upgrade stays for a switch. TE goes on
 * only as "te: trailers" (the client takes trailers, and sluice passes them). */
START_TEST(test_hop_by_hop)
{
        static const char *const kv[] = {
                "connection", "x-a, Keep-Alive",  "X-A", "1",  "KEEP-ALIVE",
                "timeout=5",  "Proxy-Connection", "x",   "TE", "trailers",
                "Upgrade",    "websocket",        "x-b", "2",  NULL};
        struct http_msg m = req(HTTP_BODY_NONE, 0, kv);

        m.flags |= HTTP_MSG_F_CONN_NAMES;
        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\nte: trailers\r\nx-b: 2\r\n\r\n");
        expect_req(&m, H1_EMIT_CONN_UPGRADE,
                   "GET /a?b HTTP/1.1\r\nte: trailers\r\nUpgrade: websocket\r\nx-b: 2\r\n"
                   "connection: upgrade\r\n\r\n");
        /* without the flag the Connection fields are not read: X-A stays */
        m.flags = 0;
        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\nX-A: 1\r\nte: trailers\r\nx-b: 2\r\n\r\n");
}
END_TEST

/* TE: only its trailers member goes on, once; codings are the hop's own; a response's TE
 * means nothing and is dropped. */
START_TEST(test_te_trailers)
{
        static const char *const codings[] = {"TE", "gzip, deflate;q=0.5", "x", "1", NULL};
        static const char *const both[] = {"te", "gzip;q=1, Trailers ;q=0.9", "TE", "trailers",
                                           NULL};
        struct http_msg m = req(HTTP_BODY_NONE, 0, codings);

        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\nx: 1\r\n\r\n");
        m = req(HTTP_BODY_NONE, 0, both);
        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\nte: trailers\r\n\r\n");
        m = res(200, HTTP_BODY_LENGTH, 0, both);
        expect_res(&m, 0, "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
}
END_TEST

/* More names than the emitter keeps at hand: each field is then checked against every
 * Connection field. */
START_TEST(test_many_connection_names)
{
        static char names[20][8];
        static char list[256];
        struct http_msg m = req(HTTP_BODY_NONE, 0, NULL);
        size_t at = 0;

        for (int i = 0; i < 20; i++) {
                snprintf(names[i], sizeof(names[i]), "x-%d", i);
                at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%s", i ? "," : "",
                                       names[i]);
        }
        ck_assert(http_hdr_add(&m, SL_STR_LIT("Connection"), sl_str_make(list, at)));
        for (int i = 0; i < 20; i++)
                ck_assert(http_hdr_add(&m, sl_str_from_cstr(names[i]), SL_STR_LIT("v")) || i >= 15);
        ck_assert(m.n_hdrs == 16);
        m.flags |= HTTP_MSG_F_CONN_NAMES;
        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\n\r\n");
}
END_TEST

/* Framing fields: Content-Length kept for a length, written when missing; Transfer-Encoding
 * kept for chunked, written when missing; neither kept where the framing says otherwise. */
START_TEST(test_framing_fields)
{
        static const char *const cl[] = {"Content-Length", "5", NULL};
        static const char *const te[] = {"Transfer-Encoding", "gzip, chunked", NULL};
        struct http_msg m = req(HTTP_BODY_LENGTH, 5, cl);

        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\nContent-Length: 5\r\n\r\n");
        m = req(HTTP_BODY_LENGTH, 7, NULL);
        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\ncontent-length: 7\r\n\r\n");
        m = req(HTTP_BODY_CHUNKED, 0, te);
        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
        m = req(HTTP_BODY_CHUNKED, 0, NULL);
        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n");
        /* a Content-Length beside a chunked body never goes */
        m = req(HTTP_BODY_CHUNKED, 0, cl);
        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n");
        /* a Transfer-Encoding beside a length never goes */
        m = req(HTTP_BODY_LENGTH, 3, te);
        expect_req(&m, 0, "GET /a?b HTTP/1.1\r\ncontent-length: 3\r\n\r\n");
}
END_TEST

START_TEST(test_response_framing)
{
        static const char *const cl[] = {"Content-Length", "5", "Server", "s", NULL};
        static const char *const te[] = {"Transfer-Encoding", "gzip", NULL};
        struct http_msg m = res(200, HTTP_BODY_LENGTH, 5, cl);

        expect_res(&m, 0, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: s\r\n\r\n");
        /* HEAD and 304 keep the length of the representation */
        m = res(304, HTTP_BODY_NONE, 0, cl);
        expect_res(&m, 0, "HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\nServer: s\r\n\r\n");
        /* a 204 and a 1xx never carry one (RFC 9110 8.6) */
        m = res(204, HTTP_BODY_NONE, 0, cl);
        expect_res(&m, 0, "HTTP/1.1 204 No Content\r\nServer: s\r\n\r\n");
        m = res(100, HTTP_BODY_NONE, 0, cl);
        expect_res(&m, 0, "HTTP/1.1 100 Continue\r\nServer: s\r\n\r\n");
        /* a coding other than chunked, delimited by the close, keeps its field */
        m = res(200, HTTP_BODY_UNTIL_CLOSE, 0, te);
        expect_res(&m, H1_EMIT_CONN_CLOSE,
                   "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nconnection: close\r\n\r\n");
        m = res(101, HTTP_BODY_TUNNEL, 0, NULL);
        expect_res(&m, H1_EMIT_CONN_UPGRADE,
                   "HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\n\r\n");
}
END_TEST

/* Too little room, at every size: -ENOBUFS, never a write past the room given. */
START_TEST(test_no_room)
{
        static const char *const kv[] = {"Host", "h", "X-A", "1", NULL};
        struct http_msg m = req(HTTP_BODY_LENGTH, 12345, kv);
        char out[256];
        int full = h1_emit_request(out, sizeof(out), &m, H1_EMIT_CONN_CLOSE);

        ck_assert_int_gt(full, 0);
        for (int size = 0; size < full; size++) {
                memset(out, 'Z', sizeof(out));
                ck_assert_int_eq(h1_emit_request(out, (size_t)size, &m, H1_EMIT_CONN_CLOSE),
                                 -ENOBUFS);
                ck_assert_int_eq(out[size], 'Z');
        }
        ck_assert_int_eq(h1_emit_request(out, (size_t)full, &m, H1_EMIT_CONN_CLOSE), full);
}
END_TEST

START_TEST(test_chunks)
{
        static const struct http_hdr trl[] = {
                {SL_STR_LIT("X-Sum"), SL_STR_LIT("9")},
                {SL_STR_LIT("Content-Length"), SL_STR_LIT("1")},
                {SL_STR_LIT("Host"), SL_STR_LIT("h")},
                {SL_STR_LIT("TE"), SL_STR_LIT("x")},
        };
        char out[128];
        int n;

        n = h1_emit_chunk_size(out, sizeof(out), 0x1f);
        ck_assert_int_eq(n, 4);
        ck_assert(memcmp(out, "1f\r\n", 4) == 0);
        n = h1_emit_chunk_size(out, sizeof(out), UINT64_C(0x4000000000000000));
        ck_assert_int_eq(n, 18);
        ck_assert(memcmp(out, "4000000000000000\r\n", 18) == 0);
        n = h1_emit_chunked_end(out, sizeof(out), NULL, 0);
        ck_assert_int_eq(n, 5);
        ck_assert(memcmp(out, "0\r\n\r\n", 5) == 0);
        /* framing, routing and hop-by-hop fields are not trailers (RFC 9110 6.5.1) */
        n = h1_emit_chunked_end(out, sizeof(out), trl, 4);
        ck_assert_int_eq(n, 15);
        ck_assert(memcmp(out, "0\r\nX-Sum: 9\r\n\r\n", 15) == 0);
        ck_assert_int_eq(h1_emit_chunked_end(out, 4, trl, 1), -ENOBUFS);
}
END_TEST

/* A response parsed from @head, as the HTTP/1 mux makes it: its fields view @head, which
 * the message names as its received head (m.raw). */
static struct http_msg parsed_res(const char *head)
{
        static const struct h1_limits lim = {.max_head_size = 4096, .max_line_size = 4096};
        struct h1_response r;
        int n = h1_parse_response(head, strlen(head), &lim, hdrs, 16, &r);
        struct http_msg m = {.hdrs = hdrs,
                             .max_hdrs = 16,
                             .n_hdrs = r.n_headers,
                             .status = r.status,
                             .reason = r.reason,
                             .version = r.version,
                             .body = HTTP_BODY_LENGTH,
                             .content_length = 5};

        ck_assert_int_eq(n, (int)strlen(head));
        m.raw = sl_str_make(head, (size_t)n);
        return m;
}

/* @m emitted from its received head and field by field (raw unset) gives the same bytes,
 * and they are @want */
static void expect_same(struct http_msg *m, unsigned flags, const char *want)
{
        struct sl_str raw = m->raw;
        char a[1024], b[1024];
        int na, nb;

        na = h1_emit_response(a, sizeof(a), m, flags);
        m->raw = SL_STR_NULL;
        nb = h1_emit_response(b, sizeof(b), m, flags);
        m->raw = raw;
        ck_assert_int_eq(na, nb);
        ck_assert_msg(memcmp(a, b, (size_t)na) == 0, "in place %.*s, by field %.*s", na, a, nb, b);
        expect_res(m, flags, want);
        /* too small anywhere: no partial head counted as written */
        for (int size = 0; size < na; size++)
                ck_assert_int_eq(h1_emit_response(a, (size_t)size, m, flags), -ENOBUFS);
}

START_TEST(test_fields_copied_as_received)
{
        /* every field canonical: the lines go as they came, names' case included */
        struct http_msg m = parsed_res("HTTP/1.1 200 OK\r\nServer: o\r\nX-A: 1\r\n"
                                       "Content-Length: 5\r\nETag: \"e\"\r\n\r\n");

        expect_same(&m, 0,
                    "HTTP/1.1 200 OK\r\nServer: o\r\nX-A: 1\r\nContent-Length: 5\r\n"
                    "ETag: \"e\"\r\n\r\n");
        /* a value rewritten elsewhere, a field removed, one added: each is its own */
        m = parsed_res("HTTP/1.1 200 OK\r\nServer: o\r\nX-A: 1\r\nX-B: 2\r\n"
                       "Content-Length: 5\r\n\r\n");
        m.hdrs[1].value = SL_STR_LIT("one");
        http_hdr_del(&m, 2);
        ck_assert(http_hdr_add(&m, SL_STR_LIT("X-C"), SL_STR_LIT("3")));
        expect_same(&m, 0,
                    "HTTP/1.1 200 OK\r\nServer: o\r\nX-A: one\r\nContent-Length: 5\r\n"
                    "X-C: 3\r\n\r\n");
        /* lines that were not "name: value" CRLF (no space, more space, trailing blanks) are
         * written in the canonical form; hop-by-hop fields between copied lines are left out */
        m = parsed_res("HTTP/1.1 200 OK\r\nA:1\r\nB:  2\r\nC: 3 \r\nConnection: x, close\r\n"
                       "X: gone\r\nKeep-Alive: t=1\r\nD: 4\r\nContent-Length: 5\r\n\r\n");
        m.flags |= HTTP_MSG_F_CONN_NAMES;
        expect_same(&m, H1_EMIT_CONN_CLOSE,
                    "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nContent-Length: 5\r\n"
                    "connection: close\r\n\r\n");
        /* a message that may not carry Content-Length (a 204) loses the received one */
        m = parsed_res("HTTP/1.1 204 No Content\r\nA: 1\r\nContent-Length: 0\r\nB: 2\r\n\r\n");
        m.body = HTTP_BODY_NONE;
        expect_same(&m, 0, "HTTP/1.1 204 No Content\r\nA: 1\r\nB: 2\r\n\r\n");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("proto/http1_emit");
        TCase *tc = tcase_create("emit");

        tcase_add_test(tc, test_request_line_and_fields);
        tcase_add_test(tc, test_hop_by_hop);
        tcase_add_test(tc, test_te_trailers);
        tcase_add_test(tc, test_many_connection_names);
        tcase_add_test(tc, test_framing_fields);
        tcase_add_test(tc, test_response_framing);
        tcase_add_test(tc, test_no_room);
        tcase_add_test(tc, test_chunks);
        tcase_add_test(tc, test_fields_copied_as_received);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
