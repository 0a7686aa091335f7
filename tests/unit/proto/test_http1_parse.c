#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "http1_parse.h"
#include "macros.h"
#include "unit.h"

#define MAX_HEADERS 16

static const struct h1_limits lim = {.max_head_size = 8192, .max_line_size = 4096};

static const struct h1_chunked_limits ck_lim = {
        .max_chunk_size = UINT64_MAX,
        .max_line_size = 256,
        .max_trailer_size = 1024,
        .max_trailers = 8,
};

/* A byte string that may hold NUL */
struct bytes {
        const char *p;
        size_t n;
};

#define B(lit)                          \
        {                               \
                "" lit, sizeof(lit) - 1 \
        }

static struct http_hdr hdrs[MAX_HEADERS];

/* The views of a parsed head point into the guarded copy: it stays mapped until the next. */
static struct guard last_guard;

static int req_n(const char *s, size_t n, struct h1_request *req)
{
        if (last_guard.map)
                guard_free(&last_guard);
        last_guard = guard_new(s, n);
        return h1_parse_request(last_guard.s, n, &lim, hdrs, MAX_HEADERS, req);
}

static int req(const char *s, struct h1_request *ret)
{
        return req_n(s, strlen(s), ret);
}

static int resp(const char *s, struct h1_response *ret)
{
        return h1_parse_response(s, strlen(s), &lim, hdrs, MAX_HEADERS, ret);
}

/* Parse and analyze; returns the first negative result or 0. */
static int req_frame(const char *s, struct h1_framing *fr)
{
        struct h1_request r;
        int n = h1_parse_request(s, strlen(s), &lim, hdrs, MAX_HEADERS, &r);

        if (n < 0)
                return n;
        ck_assert_int_eq(n, (int)strlen(s));
        return h1_analyze_request(&r, fr);
}

static int resp_frame(const char *s, enum http_meth m, struct h1_framing *fr)
{
        struct h1_response r;
        int n = resp(s, &r);

        if (n < 0)
                return n;
        ck_assert_int_eq(n, (int)strlen(s));
        return h1_analyze_response(&r, m, fr);
}

static bool str_is(struct sl_str s, const char *c)
{
        return sl_str_eq(s, sl_str_from_cstr(c));
}

/* ---- request heads ---- */

/* Every byte value at every place of a 17-byte field name (two words of the eight-at-a-time
 * scan and a tail): the head parses exactly when the byte is a tchar (RFC 9110 5.6.2), and
 * then the name is all of it; a colon ends the name there. */
START_TEST(test_field_name_every_byte)
{
        static const char other_tchars[] = "!#$%&'*+-.^_`|~";
        static const char base[] = "abcdefgh-IJKLM-0p";
        static const char pre[] = "GET / HTTP/1.1\r\nHost: h\r\n", post[] = ": v\r\n\r\n";

        for (unsigned b = 0; b < 256; b++) {
                bool tchar = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
                             (b >= '0' && b <= '9') || (b && strchr(other_tchars, (int)b));

                for (size_t at = 0; at < sizeof(base) - 1; at++) {
                        char head[128];
                        size_t n = 0, name_len = sizeof(base) - 1;
                        struct h1_request r;
                        int got;

                        memcpy(head, pre, sizeof(pre) - 1);
                        n += sizeof(pre) - 1;
                        memcpy(head + n, base, name_len);
                        head[n + at] = (char)b;
                        n += name_len;
                        memcpy(head + n, post, sizeof(post) - 1);
                        n += sizeof(post) - 1;
                        got = req_n(head, n, &r);
                        if (b == ':' && at > 0) {
                                ck_assert_int_eq(got, (int)n);
                                ck_assert_uint_eq(r.headers[1].name.len, at);
                        } else if (tchar) {
                                ck_assert_msg(got == (int)n, "byte 0x%02x at %zu: %d", b, at, got);
                                ck_assert_uint_eq(r.headers[1].name.len, name_len);
                                ck_assert(memcmp(r.headers[1].name.ptr, head + sizeof(pre) - 1,
                                                 name_len) == 0);
                        } else {
                                ck_assert_msg(got < 0, "byte 0x%02x at %zu parsed", b, at);
                        }
                }
        }
}
END_TEST

START_TEST(test_request_origin_form)
{
        static const char head[] = "GET /a/b?x=1&y=%2F HTTP/1.1\r\n"
                                   "Host: example.com:8080\r\n"
                                   "X-Empty:\r\n"
                                   "X-Pad: \t  v a l \t \r\n"
                                   "X-Obs: caf\xc3\xa9\r\n"
                                   "\r\n"
                                   "BODY";
        struct h1_request r;

        ck_assert_int_eq(req(head, &r), (int)strlen(head) - 4);
        ck_assert_int_eq(r.method, HTTP_METH_GET);
        ck_assert(str_is(r.method_name, "GET"));
        ck_assert_int_eq(r.target_form, H1_TARGET_ORIGIN);
        ck_assert(str_is(r.target, "/a/b?x=1&y=%2F"));
        ck_assert_int_eq(r.version, HTTP_VER_1_1);
        ck_assert_uint_eq(r.n_headers, 4);
        ck_assert_ptr_eq(r.headers, hdrs);
        ck_assert(str_is(hdrs[0].name, "Host"));
        ck_assert(str_is(hdrs[0].value, "example.com:8080"));
        ck_assert(str_is(hdrs[1].name, "X-Empty"));
        ck_assert_uint_eq(hdrs[1].value.len, 0);
        ck_assert(str_is(hdrs[2].value, "v a l"));
        ck_assert(str_is(hdrs[3].value, "caf\xc3\xa9"));
}
END_TEST

START_TEST(test_request_other_forms)
{
        struct h1_request r;

        ck_assert_int_gt(
                req("GET http://example.com:80/x?q HTTP/1.1\r\nHost: example.com\r\n\r\n", &r), 0);
        ck_assert_int_eq(r.target_form, H1_TARGET_ABSOLUTE);
        ck_assert_int_gt(req("GET https://[::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n", &r), 0);
        ck_assert_int_eq(r.target_form, H1_TARGET_ABSOLUTE);
        ck_assert_int_gt(
                req("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", &r), 0);
        ck_assert_int_eq(r.method, HTTP_METH_CONNECT);
        ck_assert_int_eq(r.target_form, H1_TARGET_AUTHORITY);
        ck_assert_int_gt(req("CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: h\r\n\r\n", &r), 0);
        ck_assert_int_gt(req("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &r), 0);
        ck_assert_int_eq(r.method, HTTP_METH_OPTIONS);
        ck_assert_int_eq(r.target_form, H1_TARGET_ASTERISK);
        ck_assert_int_gt(req("GET / HTTP/1.0\r\n\r\n", &r), 0);
        ck_assert_int_eq(r.version, HTTP_VER_1_0);
        ck_assert_uint_eq(r.n_headers, 0);
}
END_TEST

START_TEST(test_request_methods)
{
        static const struct {
                const char *line;
                enum http_meth m;
        } cases[] = {
                {"GET / HTTP/1.1\r\n\r\n", HTTP_METH_GET},
                {"HEAD / HTTP/1.1\r\n\r\n", HTTP_METH_HEAD},
                {"POST / HTTP/1.1\r\n\r\n", HTTP_METH_POST},
                {"PUT / HTTP/1.1\r\n\r\n", HTTP_METH_PUT},
                {"DELETE / HTTP/1.1\r\n\r\n", HTTP_METH_DELETE},
                {"OPTIONS / HTTP/1.1\r\n\r\n", HTTP_METH_OPTIONS},
                {"TRACE / HTTP/1.1\r\n\r\n", HTTP_METH_TRACE},
                {"PATCH / HTTP/1.1\r\n\r\n", HTTP_METH_PATCH},
                {"get / HTTP/1.1\r\n\r\n", HTTP_METH_OTHER},
                {"M-SEARCH / HTTP/1.1\r\n\r\n", HTTP_METH_OTHER},
                {"GETS / HTTP/1.1\r\n\r\n", HTTP_METH_OTHER},
        };
        struct h1_request r;

        for (size_t i = 0; i < SL_ARRAY_SIZE(cases); i++) {
                ck_assert_int_eq(req(cases[i].line, &r), (int)strlen(cases[i].line));
                ck_assert_int_eq(r.method, cases[i].m);
        }
}
END_TEST

START_TEST(test_request_leading_empty_lines)
{
        struct h1_request r;

        ck_assert_int_eq(req("\r\nGET / HTTP/1.1\r\n\r\n", &r), 20);
        ck_assert_int_eq(req("\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n", &r), 26);
        ck_assert(str_is(r.target, "/"));
        ck_assert_int_eq(req("\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n", &r), -EBADMSG);
        ck_assert_int_eq(req("\nGET / HTTP/1.1\r\n\r\n", &r), -EBADMSG);
        ck_assert_int_eq(req("\r\rGET / HTTP/1.1\r\n\r\n", &r), -EBADMSG);
        ck_assert_int_eq(req("\r\n \r\nGET / HTTP/1.1\r\n\r\n", &r), -EBADMSG);
}
END_TEST

START_TEST(test_request_rejected_before_its_line_ends)
{
        struct h1_request r;

        /* a TLS ClientHello on a plain port: no tchar, no need to wait for a CRLF */
        ck_assert_int_eq(req("\x16\x03\x01\x00\xa5\x01", &r), -EBADMSG);
        ck_assert_int_eq(req("GE(", &r), -EBADMSG);
        ck_assert_int_eq(req(" GET", &r), -EBADMSG);
        ck_assert_int_eq(req("\r\n\x16", &r), -EBADMSG);
        /* what can still become a request waits */
        ck_assert_int_eq(req("GE", &r), -EAGAIN);
        ck_assert_int_eq(req("GET /a\x01", &r), -EAGAIN);
        ck_assert_int_eq(req("GET / HTTP/1.1", &r), -EAGAIN);
}
END_TEST

START_TEST(test_request_line_malformed)
{
        static const struct bytes bad[] = {
                B("GET  / HTTP/1.1\r\n\r\n"),
                B("GET /  HTTP/1.1\r\n\r\n"),
                B("GET\t/ HTTP/1.1\r\n\r\n"),
                B("GET /\tHTTP/1.1\r\n\r\n"),
                B(" GET / HTTP/1.1\r\n\r\n"),
                B("GET / HTTP/1.1 \r\n\r\n"),
                B("GET /a b HTTP/1.1\r\n\r\n"),
                B("GET / http/1.1\r\n\r\n"),
                B("GET / HTTP/1.10\r\n\r\n"),
                B("GET / HTTP/11\r\n\r\n"),
                B("GET / HTTP/1.\r\n\r\n"),
                B("GET / HTTP/a.1\r\n\r\n"),
                B("GET /\r\n\r\n"),
                B("GET\r\n\r\n"),
                B("/ HTTP/1.1\r\n\r\n"),
                B("G(T / HTTP/1.1\r\n\r\n"),
                B("GET  HTTP/1.1\r\n\r\n"),
                B("GET /#frag HTTP/1.1\r\n\r\n"),
                B("GET /\x7f HTTP/1.1\r\n\r\n"),
                B("GET * HTTP/1.1\r\n\r\n"),
                B("OPTIONS ** HTTP/1.1\r\n\r\n"),
                B("GET example.com:80 HTTP/1.1\r\n\r\n"),
                B("CONNECT / HTTP/1.1\r\n\r\n"),
                B("CONNECT example.com HTTP/1.1\r\n\r\n"),
                B("CONNECT example.com: HTTP/1.1\r\n\r\n"),
                B("CONNECT example.com:65536 HTTP/1.1\r\n\r\n"),
                B("CONNECT example.com:80x HTTP/1.1\r\n\r\n"),
                B("CONNECT http://example.com:80 HTTP/1.1\r\n\r\n"),
                B("GET http:/x HTTP/1.1\r\n\r\n"),
                B("GET http:///x HTTP/1.1\r\n\r\n"),
                B("GET http://user@host/ HTTP/1.1\r\n\r\n"),
                B("GET 1http://host/ HTTP/1.1\r\n\r\n"),
                B("GET http://[::1/ HTTP/1.1\r\n\r\n"),
                B("GET http://a,b/ HTTP/1.1\r\n\r\n"),
                B("GET / HTTP/1.1\r\r\n\r\n"),
                B("GET / HTTP/1.1\n\r\n"),
                B("GET / HTTP/1.1\r\n\n"),
                B("GET /\0 HTTP/1.1\r\n\r\n"),
        };
        struct h1_request r;

        for (size_t i = 0; i < SL_ARRAY_SIZE(bad); i++)
                ck_assert_msg(req_n(bad[i].p, bad[i].n, &r) == -EBADMSG, "case %zu: %s", i,
                              bad[i].p);
}
END_TEST

/* Request-targets with bytes RFC 3986 does not allow unencoded (next to some it allows), which
 * clients send anyway and HAProxy accepts by default: each is accepted, its view the bytes sent. */
static const char *const lax_targets[] = {
        "/a|b",   "/search?q={x}", "/a^b",      "/a\"b",      "/a`b",
        "/a\\b",  "/a<b>",         "/%zz",      "/%4",        "/a%",
        "/[x]?}", "/?a=|&b=\\",    "/~!$&'()*", "/+,;=:@/?/", "/\"<>\\^`{|}",
};

START_TEST(test_request_target_lax_chars)
{
        char head[256], target[128];
        struct h1_request r;
        struct h1_framing fr;

        /* origin-form, then absolute-form with the same path and query */
        for (int form = 0; form < 2; form++) {
                snprintf(target, sizeof(target), "%s%s", form ? "http://h.example" : "",
                         lax_targets[_i]);
                snprintf(head, sizeof(head), "GET %s HTTP/1.1\r\nHost: h.example\r\n\r\n", target);
                ck_assert_msg(req(head, &r) == (int)strlen(head), "%s", head);
                ck_assert_int_eq(r.target_form, form ? H1_TARGET_ABSOLUTE : H1_TARGET_ORIGIN);
                /* the view is the bytes received, in place */
                ck_assert_ptr_eq(r.target.ptr, last_guard.s + 4);
                ck_assert(str_is(r.target, target));
                ck_assert_int_eq(h1_analyze_request(&r, &fr), 0);
                ck_assert(str_is(fr.host, "h.example"));
        }
}
END_TEST

/* Every byte value inside the path, then inside the query, of both forms: accepted exactly
 * when it is a VCHAR other than "#", or above 0x7f (_i is the byte). */
START_TEST(test_request_target_every_byte)
{
        static const char *const fmts[] = {
                "GET /a%cb HTTP/1.1\r\nHost: h\r\n\r\n",
                "GET /a?q=%c HTTP/1.1\r\nHost: h\r\n\r\n",
                "GET http://h/a%cb HTTP/1.1\r\nHost: h\r\n\r\n",
                "GET http://h/?%c HTTP/1.1\r\nHost: h\r\n\r\n",
        };
        bool valid = (_i >= 0x21 && _i <= 0x7e && _i != '#') || _i >= 0x80;
        struct h1_request r;
        char head[64];

        for (size_t f = 0; f < SL_ARRAY_SIZE(fmts); f++) {
                /* byte 0 is written as a NUL: the length is snprintf()'s count */
                int n = snprintf(head, sizeof(head), fmts[f], _i);
                int res = req_n(head, (size_t)n, &r);

                ck_assert_msg(valid ? res == n : res == -EBADMSG, "byte 0x%02x, format %zu: %d", _i,
                              f, res);
                if (valid)
                        ck_assert(memchr(r.target.ptr, _i, r.target.len) != NULL);
        }
}
END_TEST

START_TEST(test_request_target_controls_rejected)
{
        static const struct bytes bad[] = {
                B("GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n"),
                B("GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n"),
                B("GET /a?\x1f HTTP/1.1\r\nHost: h\r\n\r\n"),
                B("GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n"),
                B("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n"),
                B("GET /a|b\t HTTP/1.1\r\nHost: h\r\n\r\n"),
                B("GET http://h/\0 HTTP/1.1\r\nHost: h\r\n\r\n"),
                B("GET http://h/?\x01 HTTP/1.1\r\nHost: h\r\n\r\n"),
                B("GET http://h/a\x1f HTTP/1.1\r\nHost: h\r\n\r\n"),
                B("GET http://h/\x7f HTTP/1.1\r\nHost: h\r\n\r\n"),
                B("GET http://h/\t HTTP/1.1\r\nHost: h\r\n\r\n"),
                /* the authority keeps its grammar (RFC 3986 3.2.2) */
                B("GET http://h|x/ HTTP/1.1\r\nHost: h|x\r\n\r\n"),
                B("GET http://h{x}/a HTTP/1.1\r\nHost: h{x}\r\n\r\n"),
                B("GET http://h\\x/ HTTP/1.1\r\nHost: h\\x\r\n\r\n"),
                B("GET http://h^/ HTTP/1.1\r\nHost: h^\r\n\r\n"),
                B("GET http://h%zz/ HTTP/1.1\r\nHost: h%zz\r\n\r\n"),
                B("CONNECT h|x:443 HTTP/1.1\r\nHost: h|x:443\r\n\r\n"),
                B("CONNECT h:44|3 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
                B("CONNECT h\"x:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"),
        };
        struct h1_request r;

        for (size_t i = 0; i < SL_ARRAY_SIZE(bad); i++)
                ck_assert_msg(req_n(bad[i].p, bad[i].n, &r) == -EBADMSG, "case %zu: %s", i,
                              bad[i].p);
}
END_TEST

START_TEST(test_request_host_keeps_its_grammar)
{
        static const char *const bad[] = {
                "GET /a|b HTTP/1.1\r\nHost: h|x\r\n\r\n", "GET / HTTP/1.1\r\nHost: h{x}\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: h\\x\r\n\r\n",   "GET / HTTP/1.1\r\nHost: h\"\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: h<x>\r\n\r\n",   "GET / HTTP/1.1\r\nHost: h:8|0\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: h/x\r\n\r\n",
        };
        struct h1_framing fr;

        for (size_t i = 0; i < SL_ARRAY_SIZE(bad); i++)
                ck_assert_msg(req_frame(bad[i], &fr) == -EBADMSG, "case %zu: %s", i, bad[i]);
}
END_TEST

START_TEST(test_request_absolute_form_host)
{
        struct h1_framing fr;

        ck_assert_int_eq(
                req_frame("GET http://a.example/x HTTP/1.1\r\nHost: a.example\r\n\r\n", &fr), 0);
        ck_assert_int_eq(req_frame("GET http://A.example:8080?q HTTP/1.1\r\n"
                                   "Host: a.EXAMPLE:8080\r\n\r\n",
                                   &fr),
                         0);
        /* RFC 9112 3.2.2: the server would use the target's authority; routing on Host
         * must not see another one */
        ck_assert_int_eq(
                req_frame("GET http://a.example/ HTTP/1.1\r\nHost: b.example\r\n\r\n", &fr),
                -EBADMSG);
        ck_assert_int_eq(
                req_frame("GET http://a.example:81/ HTTP/1.1\r\nHost: a.example\r\n\r\n", &fr),
                -EBADMSG);
}
END_TEST

START_TEST(test_request_version)
{
        struct h1_request r;

        ck_assert_int_eq(req("GET / HTTP/2.0\r\n\r\n", &r), H1_E_VERSION);
        /* RFC 9112 2.3: a higher minor version is processed as 1.1 */
        ck_assert_int_eq(req("GET / HTTP/1.2\r\n\r\n", &r), 18);
        ck_assert_int_eq(r.version, HTTP_VER_1_1);
        ck_assert_int_eq(req("GET / HTTP/1.9\r\n\r\n", &r), 18);
        ck_assert_int_eq(r.version, HTTP_VER_1_1);
        ck_assert_int_eq(req("GET / HTTP/0.9\r\n\r\n", &r), H1_E_VERSION);
        ck_assert_int_eq(req("GET / HTTP/3.0\r\nHost: a\r\n", &r), H1_E_VERSION);
        ck_assert_int_eq(h1_error_status(H1_E_VERSION), 505);
        /* a malformed line stays a 400 whatever version it names */
        ck_assert_int_eq(req("GET /# HTTP/2.0\r\n\r\n", &r), -EBADMSG);
}
END_TEST

START_TEST(test_request_fields_malformed)
{
        static const char *const bad[] = {
                /* whitespace between name and colon (RFC 9112 5.1) */
                "GET / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n",
                "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n",
                /* obs-fold (RFC 9112 5.2) */
                "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n",
                "GET / HTTP/1.1\r\nX-A: b\r\n\tc\r\n\r\n",
                /* whitespace before the first field (RFC 9112 2.2) */
                "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
                /* bare LF and bare CR */
                "GET / HTTP/1.1\nHost: a\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\n\n",
                "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n",
                "GET / HTTP/1.1\r\nX: a\nb\r\n\r\n",
                "GET / HTTP/1.1\nHost: a\n\n",
                /* CTLs in values, names */
                "GET / HTTP/1.1\r\nX: a\x01z\r\n\r\n",
                "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",
                "GET / HTTP/1.1\r\nX: \x1b[0m\r\n\r\n",
                "GET / HTTP/1.1\r\nX(: a\r\n\r\n",
                "GET / HTTP/1.1\r\n: a\r\n\r\n",
                "GET / HTTP/1.1\r\nX\r\n\r\n",
                "GET / HTTP/1.1\r\nX-\xc3\xa9: a\r\n\r\n",
        };
        struct h1_request r;

        for (size_t i = 0; i < SL_ARRAY_SIZE(bad); i++)
                ck_assert_msg(req(bad[i], &r) == -EBADMSG, "case %zu: %s", i, bad[i]);
}
END_TEST

START_TEST(test_request_nul_in_value)
{
        static const char head[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
        struct h1_request r;

        ck_assert_int_eq(req_n(head, sizeof(head) - 1, &r), -EBADMSG);
}
END_TEST

/* "GET / HTTP/1.1\r\nX: " @value (@len bytes) @tail "\r\n" into @head; its length */
static size_t long_value_head(char *head, const char *value, size_t len, const char *tail)
{
        size_t n = (size_t)sprintf(head, "GET / HTTP/1.1\r\nX: ");

        memcpy(head + n, value, len);
        return n + len + (size_t)sprintf(head + n + len, "%s\r\n", tail);
}

/* Field values are checked eight bytes at a time: a control byte, DEL or bare CR/LF at each
 * position of a long value is still refused, a tab anywhere is kept, and the value's edges
 * (OWS trimmed) land where they should, whatever the alignment. */
START_TEST(test_request_long_values_every_position)
{
        static const char bad[] = {'\0', '\x01', '\x08', '\n', '\r', '\x1f', '\x7f'};
        char head[128], value[40];
        struct h1_request r;

        for (size_t len = 1; len < sizeof(value); len++) {
                for (size_t at = 0; at < len; at++) {
                        size_t n, e;

                        memset(value, 'v', len);
                        for (size_t b = 0; b < SL_ARRAY_SIZE(bad); b++) {
                                value[at] = bad[b];
                                n = long_value_head(head, value, len, "\r\n");
                                ck_assert_msg(req_n(head, n, &r) == -EBADMSG,
                                              "len %zu at %zu byte %d", len, at, bad[b]);
                        }
                        value[at] = '\t';
                        n = long_value_head(head, value, len, " \t\r\nY: \xff\r\n");
                        ck_assert_int_eq(req_n(head, n, &r), (int)n);
                        ck_assert_uint_eq(r.n_headers, 2);
                        /* leading and trailing tabs and spaces are OWS, not the value's */
                        for (e = len; e && value[e - 1] == '\t'; e--)
                                ;
                        ck_assert_uint_eq(r.headers[0].value.len, at == 0 ? (e ? e - 1 : 0) : e);
                        ck_assert(str_is(r.headers[1].value, "\xff"));
                }
        }
}
END_TEST

/* Valid heads whose every strict prefix must be -EAGAIN; _i runs over all prefixes of all. */
static const char *const prefix_heads[] = {
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        ("\r\n\r\nPOST /upload?x=%20 HTTP/1.1\r\nHost: example.com:8080\r\nContent-Length: 5\r\n"
         "X-Empty:\r\nX-Pad: \t v \t\r\n\r\n"),
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
        "OPTIONS * HTTP/1.0\r\n\r\n",
        "GET http://[::1]:8080/p HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n",
};

static bool prefix_case(int i, const char **ret_head, size_t *ret_len)
{
        for (size_t h = 0; h < SL_ARRAY_SIZE(prefix_heads); h++) {
                size_t n = strlen(prefix_heads[h]);

                if ((size_t)i < n) {
                        *ret_head = prefix_heads[h];
                        *ret_len = (size_t)i;
                        return true;
                }
                i -= (int)n;
        }
        return false;
}

static int prefix_total(void)
{
        size_t t = 0;

        for (size_t h = 0; h < SL_ARRAY_SIZE(prefix_heads); h++)
                t += strlen(prefix_heads[h]);
        return (int)t;
}

START_TEST(test_request_every_prefix_is_incomplete)
{
        const char *head;
        size_t n;
        struct h1_request r;

        ck_assert(prefix_case(_i, &head, &n));
        ck_assert_int_eq(req_n(head, n, &r), -EAGAIN);
}
END_TEST

START_TEST(test_request_prefix_heads_complete)
{
        struct h1_request r;
        struct h1_framing fr;

        for (size_t h = 0; h < SL_ARRAY_SIZE(prefix_heads); h++) {
                ck_assert_int_eq(req(prefix_heads[h], &r), (int)strlen(prefix_heads[h]));
                ck_assert_int_eq(h1_analyze_request(&r, &fr), 0);
        }
}
END_TEST

/* ---- limits ---- */

START_TEST(test_limit_header_count)
{
        char head[1024] = "GET / HTTP/1.1\r\n";
        struct h1_request r;

        for (int i = 0; i < MAX_HEADERS; i++)
                snprintf(head + strlen(head), sizeof(head) - strlen(head), "X-%d: v\r\n", i);
        strcat(head, "\r\n");
        ck_assert_int_eq(req(head, &r), (int)strlen(head));
        ck_assert_uint_eq(r.n_headers, MAX_HEADERS);
        strcpy(head + strlen(head) - 2, "X-last: v\r\n\r\n");
        ck_assert_int_eq(req(head, &r), H1_E_TOO_LARGE);
        ck_assert_int_eq(h1_error_status(H1_E_TOO_LARGE), 431);
        /* no header array at all */
        ck_assert_int_eq(h1_parse_request("GET / HTTP/1.0\r\n\r\n", 18, &lim, NULL, 0, &r), 18);
        ck_assert_int_eq(h1_parse_request("GET / HTTP/1.0\r\nA: b\r\n\r\n", 24, &lim, NULL, 0, &r),
                         H1_E_TOO_LARGE);
}
END_TEST

START_TEST(test_limit_head_size)
{
        static const char head[] = "GET / HTTP/1.1\r\nHost: a\r\nX: 0123456789\r\n\r\n";
        size_t n = sizeof(head) - 1;
        struct h1_limits l = {.max_head_size = n, .max_line_size = 100};
        struct h1_request r;

        ck_assert_int_eq(h1_parse_request(head, n, &l, hdrs, MAX_HEADERS, &r), (int)n);
        for (size_t i = 0; i < n; i++)
                ck_assert_int_eq(h1_parse_request(head, i, &l, hdrs, MAX_HEADERS, &r), -EAGAIN);
        l.max_head_size = n - 1;
        ck_assert_int_eq(h1_parse_request(head, n, &l, hdrs, MAX_HEADERS, &r), H1_E_TOO_LARGE);
        /* detected as soon as the bytes received cannot fit, without waiting for a CRLF */
        ck_assert_int_eq(h1_parse_request(head, n - 4, &l, hdrs, MAX_HEADERS, &r), H1_E_TOO_LARGE);
        l.max_head_size = 20;
        ck_assert_int_eq(h1_parse_request(head, n, &l, hdrs, MAX_HEADERS, &r), H1_E_TOO_LARGE);
        l.max_head_size = 3;
        ck_assert_int_eq(h1_parse_request(head, n, &l, hdrs, MAX_HEADERS, &r), H1_E_TOO_LARGE);
        /* an endless stream of bytes without CRLF is cut at the limit */
        char junk[600];
        memset(junk, 'a', sizeof(junk));
        l.max_head_size = 512;
        l.max_line_size = 1024;
        ck_assert_int_eq(h1_parse_request(junk, sizeof(junk), &l, hdrs, MAX_HEADERS, &r),
                         H1_E_TOO_LARGE);
        ck_assert_int_eq(h1_parse_response(junk, sizeof(junk), &l, hdrs, MAX_HEADERS,
                                           &(struct h1_response){0}),
                         H1_E_TOO_LARGE);
}
END_TEST

START_TEST(test_limit_request_line)
{
        static const char head[] = "GET /0123456789 HTTP/1.1\r\nHost: a\r\n\r\n";
        size_t n = sizeof(head) - 1;
        struct h1_limits l = {.max_head_size = 8192, .max_line_size = 24};
        struct h1_request r;

        ck_assert_int_eq(h1_parse_request(head, n, &l, hdrs, MAX_HEADERS, &r), (int)n);
        l.max_line_size = 23;
        ck_assert_int_eq(h1_parse_request(head, n, &l, hdrs, MAX_HEADERS, &r), H1_E_URI_TOO_LONG);
        ck_assert_int_eq(h1_parse_request(head, 24, &l, hdrs, MAX_HEADERS, &r), H1_E_URI_TOO_LONG);
        ck_assert_int_eq(h1_parse_request(head, 23, &l, hdrs, MAX_HEADERS, &r), -EAGAIN);
        ck_assert_int_eq(h1_error_status(H1_E_URI_TOO_LONG), 414);
        /* the head limit, if smaller, is what the line runs into: 431 */
        l.max_head_size = 20;
        ck_assert_int_eq(h1_parse_request(head, n, &l, hdrs, MAX_HEADERS, &r), H1_E_TOO_LARGE);
}
END_TEST

/* ---- responses ---- */

START_TEST(test_response_valid)
{
        static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nServer: s\r\n\r\nabc";
        struct h1_response r;

        ck_assert_int_eq(resp(head, &r), (int)strlen(head) - 3);
        ck_assert_int_eq(r.version, HTTP_VER_1_1);
        ck_assert_uint_eq(r.status, 200);
        ck_assert(str_is(r.reason, "OK"));
        ck_assert_uint_eq(r.n_headers, 2);
        ck_assert(str_is(r.headers[1].value, "s"));
        ck_assert_int_eq(resp("HTTP/1.0 404 \r\n\r\n", &r), 17);
        ck_assert_uint_eq(r.status, 404);
        ck_assert_uint_eq(r.reason.len, 0);
        ck_assert_int_eq(resp("HTTP/1.1 599 Some\tthing \xff\r\n\r\n", &r), 29);
        ck_assert_int_eq(resp("HTTP/1.1 100 Continue\r\n\r\n", &r), 25);
        ck_assert_uint_eq(r.status, 100);
}
END_TEST

START_TEST(test_response_malformed)
{
        static const char *const bad[] = {
                "HTTP/1.1 200\r\n\r\n",
                "HTTP/1.1  200 OK\r\n\r\n",
                "HTTP/1.1 20 OK\r\n\r\n",
                "HTTP/1.1 2000 OK\r\n\r\n",
                "HTTP/1.1 099 OK\r\n\r\n",
                "HTTP/1.1 600 OK\r\n\r\n",
                "HTTP/1.1 2x0 OK\r\n\r\n",
                "HTTP/1.1 200 O\x01K\r\n\r\n",
                "http/1.1 200 OK\r\n\r\n",
                "HTTP/1.1 200 OK\n\r\n",
                "HTTP/1.1 200 OK\r\nX : a\r\n\r\n",
                "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
                "\r\nHTTP/1.1 200 OK\r\n\r\n",
                " HTTP/1.1 200 OK\r\n\r\n",
        };
        struct h1_response r;

        for (size_t i = 0; i < SL_ARRAY_SIZE(bad); i++)
                ck_assert_msg(resp(bad[i], &r) == -EBADMSG, "case %zu: %s", i, bad[i]);
        ck_assert_int_eq(resp("HTTP/2.0 200 OK\r\n\r\n", &r), H1_E_VERSION);
        ck_assert_int_eq(resp("HTTP/1.2 200 OK\r\n\r\n", &r), 19);
        ck_assert_int_eq(r.version, HTTP_VER_1_1);
}
END_TEST

static const char resp_prefix_head[] =
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";

START_TEST(test_response_every_prefix_is_incomplete)
{
        struct guard g = guard_new(resp_prefix_head, (size_t)_i);
        struct h1_response r;

        ck_assert_int_eq(h1_parse_response(g.s, (size_t)_i, &lim, hdrs, MAX_HEADERS, &r), -EAGAIN);
        guard_free(&g);
}
END_TEST

/* ---- framing ---- */

START_TEST(test_framing_request)
{
        struct h1_framing fr;

        ck_assert_int_eq(req_frame("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &fr), 0);
        ck_assert_int_eq(fr.body, HTTP_BODY_NONE);
        ck_assert(str_is(fr.host, "a"));
        ck_assert_int_eq(
                req_frame("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0042\r\n\r\n", &fr), 0);
        ck_assert_int_eq(fr.body, HTTP_BODY_LENGTH);
        ck_assert_uint_eq(fr.content_length, 42);
        ck_assert_int_eq(req_frame("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
                                   "9223372036854775807\r\n\r\n",
                                   &fr),
                         0);
        ck_assert(fr.content_length == INT64_MAX);
        ck_assert_int_eq(
                req_frame("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", &fr),
                0);
        ck_assert_int_eq(fr.body, HTTP_BODY_CHUNKED);
        ck_assert_int_eq(req_frame("POST / HTTP/1.0\r\nContent-Length: 1\r\n\r\n", &fr), 0);
        ck_assert_int_eq(fr.body, HTTP_BODY_LENGTH);
        ck_assert_uint_eq(fr.host.len, 0);
        ck_assert_int_eq(req_frame("GET / HTTP/1.1\r\nHost:\r\n\r\n", &fr), 0);
        ck_assert_int_eq(req_frame("GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n", &fr), 0);
        ck_assert_int_eq(req_frame("GET / HTTP/1.1\r\nHost: xn--caf-dma.example%2e\r\n\r\n", &fr),
                         0);
        ck_assert_int_eq(req_frame("GET / HTTP/1.1\r\nHost: a\r\nConnection: close, ,Upgrade,"
                                   "x-foo\r\nConnection: Keep-Alive\r\n\r\n",
                                   &fr),
                         0);
        ck_assert_uint_eq(fr.conn,
                          H1_CONN_CLOSE | H1_CONN_UPGRADE | H1_CONN_OTHER | H1_CONN_KEEP_ALIVE);
}
END_TEST

/* Request smuggling vectors: each must fail parsing or analysis. */
static const struct {
        const char *head;
        int r;
} smuggle[] = {
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
         -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
         -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\t2\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775808\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunkedx\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked"
         "\r\n\r\n",
         -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip"
         "\r\n\r\n",
         -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,chunked\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;x=1\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n \r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", H1_E_CODING},
        {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", -EBADMSG},
        {"POST / HTTP/1.1\nHost: a\nContent-Length: 5\n\n", -EBADMSG},
        {"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\rX: y\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.1\r\nHost: a\r\nhOST: a\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.1\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.1\r\nHost: a,b\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.1\r\nHost: a:\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.1\r\nHost: [v1.x]\r\n\r\n", -EBADMSG},
        {"GET / HTTP/1.1\r\nHost: a\r\nConnection: close;x\r\n\r\n", -EBADMSG},
};

START_TEST(test_smuggling_vectors)
{
        struct h1_framing fr;

        ck_assert_msg(req_frame(smuggle[_i].head, &fr) == smuggle[_i].r, "case %d: %s", _i,
                      smuggle[_i].head);
}
END_TEST

START_TEST(test_nul_in_value_never_parses)
{
        static const char head[] = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\0002\r\n\r\n";
        struct h1_request r;

        ck_assert_int_eq(req_n(head, sizeof(head) - 1, &r), -EBADMSG);
}
END_TEST

START_TEST(test_framing_response)
{
        static const struct {
                const char *head;
                enum http_meth m;
                int r;
                enum http_body body;
                uint64_t cl;
        } cases[] = {
                {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", HTTP_METH_GET, 0, HTTP_BODY_LENGTH,
                 7},
                {"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n", HTTP_METH_HEAD, 0, HTTP_BODY_NONE,
                 0},
                {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", HTTP_METH_GET, 0,
                 HTTP_BODY_CHUNKED, 0},
                {"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", HTTP_METH_GET, 0,
                 HTTP_BODY_UNTIL_CLOSE, 0},
                {"HTTP/1.1 200 OK\r\n\r\n", HTTP_METH_GET, 0, HTTP_BODY_UNTIL_CLOSE, 0},
                {"HTTP/1.0 200 OK\r\n\r\n", HTTP_METH_POST, 0, HTTP_BODY_UNTIL_CLOSE, 0},
                {"HTTP/1.1 204 No Content\r\n\r\n", HTTP_METH_GET, 0, HTTP_BODY_NONE, 0},
                /* RFC 9112 6.3 item 1: the message ends at the empty line */
                {"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", HTTP_METH_GET, 0,
                 HTTP_BODY_NONE, 0},
                {"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", HTTP_METH_GET, 0,
                 HTTP_BODY_NONE, 0},
                {"HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", HTTP_METH_GET, 0,
                 HTTP_BODY_NONE, 0},
                {"HTTP/1.1 100 Continue\r\n\r\n", HTTP_METH_POST, 0, HTTP_BODY_NONE, 0},
                {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", HTTP_METH_GET, 0,
                 HTTP_BODY_TUNNEL, 0},
                {"HTTP/1.1 200 Connection established\r\n\r\n", HTTP_METH_CONNECT, 0,
                 HTTP_BODY_TUNNEL, 0},
                {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                 HTTP_METH_CONNECT, 0, HTTP_BODY_TUNNEL, 0},
                {"HTTP/1.1 407 Auth\r\nContent-Length: 2\r\n\r\n", HTTP_METH_CONNECT, 0,
                 HTTP_BODY_LENGTH, 2},
                {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                 HTTP_METH_GET, -EBADMSG, 0, 0},
                {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                 HTTP_METH_HEAD, -EBADMSG, 0, 0},
                {"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_METH_GET, -EBADMSG,
                 0, 0},
                {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", HTTP_METH_GET,
                 -EBADMSG, 0, 0},
                {"HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\n", HTTP_METH_GET, -EBADMSG, 0, 0},
                {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", HTTP_METH_GET,
                 -EBADMSG, 0, 0},
                {"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_METH_GET,
                 -EBADMSG, 0, 0},
                {"HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n", HTTP_METH_GET, -EBADMSG, 0,
                 0},
                {"HTTP/1.1 100 Continue\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP_METH_GET,
                 -EBADMSG, 0, 0},
        };
        struct h1_framing fr;

        for (size_t i = 0; i < SL_ARRAY_SIZE(cases); i++) {
                int r = resp_frame(cases[i].head, cases[i].m, &fr);

                ck_assert_msg(r == cases[i].r, "case %zu: %d", i, r);
                if (r == 0) {
                        ck_assert_msg(fr.body == cases[i].body, "case %zu: body %d", i, fr.body);
                        ck_assert_uint_eq(fr.content_length, cases[i].cl);
                }
        }
}
END_TEST

/* Content-Length values around 2^32, 2^63 and 2^64: exact, or refused (400) past 2^63 - 1,
 * never wrapped or cut to 32 bits; leading zeros are digits like any other. */
static const struct {
        const char *value;
        int r;
        uint64_t cl;
} cl_bounds[] = {
        {"4294967295", 0, UINT64_C(4294967295)},
        {"4294967296", 0, UINT64_C(4294967296)},
        {"9223372036854775807", 0, UINT64_C(9223372036854775807)},
        {"9223372036854775808", -EBADMSG, 0},
        {"18446744073709551615", -EBADMSG, 0},
        {"18446744073709551616", -EBADMSG, 0},
        {"36893488147419103232", -EBADMSG, 0}, /* 2^65, 2^64 * 2 */
        {"99999999999999999999999", -EBADMSG, 0},
        {"0000000000000000000000005", 0, 5},
        {"0000000000000000000000000000009223372036854775807", 0, UINT64_C(9223372036854775807)},
        {"0000000000000000000000000000009223372036854775808", -EBADMSG, 0},
        {"00000000000000000000000000000000", 0, 0},
        {"04294967296", 0, UINT64_C(4294967296)},
};

START_TEST(test_framing_content_length_bounds)
{
        char head[256];
        struct h1_framing fr;
        int r;

        snprintf(head, sizeof(head), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %s\r\n\r\n",
                 cl_bounds[_i].value);
        memset(&fr, 0xa5, sizeof(fr));
        r = req_frame(head, &fr);
        ck_assert_msg(r == cl_bounds[_i].r, "request %s: %d", cl_bounds[_i].value, r);
        if (r == 0) {
                ck_assert_int_eq(fr.body, HTTP_BODY_LENGTH);
                ck_assert_msg(fr.content_length == cl_bounds[_i].cl, "request %s: %llu",
                              cl_bounds[_i].value, (unsigned long long)fr.content_length);
        } else {
                ck_assert_int_eq(h1_error_status(r), 400);
        }
        /* the same value framing a response (502 upstream when refused) */
        snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %s\r\n\r\n",
                 cl_bounds[_i].value);
        memset(&fr, 0xa5, sizeof(fr));
        r = resp_frame(head, HTTP_METH_GET, &fr);
        ck_assert_msg(r == cl_bounds[_i].r, "response %s: %d", cl_bounds[_i].value, r);
        if (r == 0) {
                ck_assert_int_eq(fr.body, HTTP_BODY_LENGTH);
                ck_assert(fr.content_length == cl_bounds[_i].cl);
        }
}
END_TEST

/* ---- header helpers ---- */

/* h1_name_is() against a byte-by-byte reference: every byte value at every position of names
 * of each length it handles differently (bytes; one word; words overlapping), each name at
 * the very end of its allocation, so a read past it is caught under ASan. */
START_TEST(test_name_is_every_byte)
{
        static const char *const lits[] = {"te",
                                           "host",
                                           "x-1",
                                           "upgrade",
                                           "if-match",
                                           "connection",
                                           "content-length",
                                           "proxy-connection",
                                           "transfer-encoding",
                                           "proxy-authorization",
                                           "x-0123456789-abcdef-0123"};

        for (size_t k = 0; k < SL_ARRAY_SIZE(lits); k++) {
                size_t len = strlen(lits[k]);
                char *name = malloc(len);
                struct sl_str lit = sl_str_make(lits[k], len), n = sl_str_make(name, len);

                ck_assert_ptr_nonnull(name);
                for (size_t i = 0; i < len; i++) {
                        char l = lits[k][i];
                        bool letter = l >= 'a' && l <= 'z';

                        /* the rest in mixed case: a match whatever the case */
                        for (size_t j = 0; j < len; j++)
                                name[j] = (j % 2 && lits[k][j] >= 'a') ? (char)(lits[k][j] - 32)
                                                                       : lits[k][j];
                        for (unsigned b = 0; b < 256; b++) {
                                bool want = (char)b == l || (letter && (char)b == l - 32);

                                name[i] = (char)b;
                                if (h1_name_is(n, lit) != want)
                                        ck_abort_msg("\"%s\", byte %zu = 0x%02x: %d", lits[k], i, b,
                                                     !want);
                        }
                }
                /* another length never matches */
                ck_assert(!h1_name_is(sl_str_make(lits[k], len - 1), lit));
                free(name);
        }
}
END_TEST

START_TEST(test_header_helpers)
{
        static const char head[] = "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nConnection: x-a, "
                                   "close\r\nx-a: 2\r\nKeep-Alive: timeout=5\r\n\r\n";
        struct h1_request r;
        struct h1_framing fr;

        ck_assert_int_gt(req(head, &r), 0);
        ck_assert_int_eq(h1_header_find(r.headers, r.n_headers, 0, SL_STR_LIT("x-A")), 1);
        ck_assert_int_eq(h1_header_find(r.headers, r.n_headers, 2, SL_STR_LIT("X-A")), 3);
        ck_assert_int_eq(h1_header_find(r.headers, r.n_headers, 4, SL_STR_LIT("X-A")), -ENOENT);
        ck_assert_int_eq(h1_header_find(r.headers, r.n_headers, 0, SL_STR_LIT("X-")), -ENOENT);
        ck_assert_int_eq(h1_analyze_request(&r, &fr), 0);
        ck_assert_uint_eq(fr.conn, H1_CONN_CLOSE | H1_CONN_OTHER);
        ck_assert(h1_header_is_hop_by_hop(r.headers, r.n_headers, SL_STR_LIT("X-A")));
        ck_assert(h1_header_is_hop_by_hop(r.headers, r.n_headers, SL_STR_LIT("keep-alive")));
        ck_assert(h1_header_is_hop_by_hop(r.headers, r.n_headers, SL_STR_LIT("Transfer-Encoding")));
        ck_assert(h1_header_is_hop_by_hop(r.headers, r.n_headers, SL_STR_LIT("TE")));
        ck_assert(h1_header_is_hop_by_hop(r.headers, r.n_headers, SL_STR_LIT("Upgrade")));
        ck_assert(h1_header_is_hop_by_hop(r.headers, r.n_headers, SL_STR_LIT("Connection")));
        ck_assert(!h1_header_is_hop_by_hop(r.headers, r.n_headers, SL_STR_LIT("Host")));
        ck_assert(!h1_header_is_hop_by_hop(r.headers, r.n_headers, SL_STR_LIT("X-B")));
        ck_assert(!h1_header_is_hop_by_hop(NULL, 0, SL_STR_LIT("X-A")));
}
END_TEST

START_TEST(test_list_next)
{
        struct sl_str rest = SL_STR_LIT(" a ,\tb\t,, c"), e;

        ck_assert_int_eq(h1_list_next(&rest, &e), 1);
        ck_assert(str_is(e, "a"));
        ck_assert_int_eq(h1_list_next(&rest, &e), 1);
        ck_assert(str_is(e, "b"));
        ck_assert_int_eq(h1_list_next(&rest, &e), 1);
        ck_assert_uint_eq(e.len, 0);
        ck_assert_int_eq(h1_list_next(&rest, &e), 1);
        ck_assert(str_is(e, "c"));
        ck_assert_int_eq(h1_list_next(&rest, &e), 0);
        rest = SL_STR_LIT("");
        ck_assert_int_eq(h1_list_next(&rest, &e), 1);
        ck_assert_uint_eq(e.len, 0);
        ck_assert_int_eq(h1_list_next(&rest, &e), 0);
        rest = SL_STR_NULL;
        ck_assert_int_eq(h1_list_next(&rest, &e), 0);
}
END_TEST

START_TEST(test_connection_options_malformed)
{
        struct h1_framing fr;

        ck_assert_int_eq(
                req_frame("GET / HTTP/1.1\r\nHost: h\r\nConnection: close, \"x\"\r\n\r\n", &fr),
                -EBADMSG);
        ck_assert_int_eq(req_frame("GET / HTTP/1.1\r\nHost: h\r\nConnection: \r\n\r\n", &fr), 0);
        ck_assert_uint_eq(fr.conn, 0);
}
END_TEST

/* ---- chunked ---- */

struct ck_result {
        int r; /* 0 if all consumed or done, else the error */
        bool done;
        size_t used; /* bytes consumed */
        char data[512];
        size_t n_data;
};

/* Feed @in in pieces of @step bytes (0: all at once) and gather the data. */
static struct ck_result ck_run(const char *in, size_t n, size_t step)
{
        struct h1_chunked ck;
        struct ck_result res = {0};

        h1_chunked_init(&ck, &ck_lim);
        while (res.used < n && !h1_chunked_done(&ck)) {
                size_t avail = n - res.used;
                struct sl_str d;
                int r;

                if (step && avail > step)
                        avail = step;
                r = h1_chunked_parse(&ck, in + res.used, avail, &d);
                if (r < 0) {
                        res.r = r;
                        break;
                }
                ck_assert_int_le(r, (int)avail);
                if (d.len) {
                        ck_assert_ptr_eq(d.ptr + d.len, in + res.used + r);
                        ck_assert_uint_le(res.n_data + d.len, sizeof(res.data));
                        memcpy(res.data + res.n_data, d.ptr, d.len);
                        res.n_data += d.len;
                }
                res.used += (size_t)r;
        }
        res.done = h1_chunked_done(&ck);
        return res;
}

static const char chunked_body[] =
        "5\r\nhello\r\n"
        "1a;name=val;x;q=\"a \\\" b\" ; y = z\r\nabcdefghijklmnopqrstuvwxyz\r\n"
        "A\r\n0123456789\r\n"
        "000\r\n"
        "Expires: never\r\n"
        "X-Sum:  \t abc \r\n"
        "\r\n";

START_TEST(test_chunked_whole_and_split)
{
        static const char expect[] = "helloabcdefghijklmnopqrstuvwxyz0123456789";
        size_t n = sizeof(chunked_body) - 1;
        struct guard g = guard_new(chunked_body, n);
        struct ck_result whole = ck_run(g.s, n, 0);

        ck_assert_int_eq(whole.r, 0);
        ck_assert(whole.done);
        ck_assert_uint_eq(whole.used, n);
        ck_assert_uint_eq(whole.n_data, sizeof(expect) - 1);
        ck_assert(memcmp(whole.data, expect, whole.n_data) == 0);
        for (size_t step = 1; step < 8; step++) {
                struct ck_result part = ck_run(g.s, n, step);

                ck_assert_int_eq(part.r, 0);
                ck_assert(part.done);
                ck_assert_uint_eq(part.used, n);
                ck_assert_uint_eq(part.n_data, whole.n_data);
                ck_assert(memcmp(part.data, whole.data, whole.n_data) == 0);
        }
        guard_free(&g);
}
END_TEST

/* Every prefix of the body leaves the decoder waiting, and the data seen is a prefix. */
START_TEST(test_chunked_every_prefix)
{
        struct guard g = guard_new(chunked_body, (size_t)_i);
        struct ck_result res = ck_run(g.s, (size_t)_i, 0);

        ck_assert_int_eq(res.r, 0);
        ck_assert(!res.done);
        ck_assert_uint_eq(res.used, (size_t)_i);
        guard_free(&g);
}
END_TEST

START_TEST(test_chunked_stops_at_end)
{
        static const char in[] = "3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n";
        struct h1_chunked ck;
        struct sl_str d;
        struct ck_result res = ck_run(in, sizeof(in) - 1, 0);

        ck_assert(res.done);
        ck_assert_uint_eq(res.used, 13);
        h1_chunked_init(&ck, &ck_lim);
        ck_assert_int_eq(h1_chunked_parse(&ck, in, 0, &d), -EAGAIN);
        ck_assert_int_eq(h1_chunked_parse(&ck, in, 3, &d), 3);
        ck_assert_uint_eq(d.len, 0);
        ck_assert_int_eq(h1_chunked_parse(&ck, in + 3, 2, &d), 2);
        ck_assert(d.ptr == in + 3 && d.len == 2);
        ck_assert_int_eq(h1_chunked_parse(&ck, in + 5, 20, &d), 1);
        ck_assert(d.ptr == in + 5 && d.len == 1);
        ck_assert_int_eq(h1_chunked_parse(&ck, in + 6, 20, &d), 7);
        ck_assert(h1_chunked_done(&ck));
        ck_assert_int_eq(h1_chunked_parse(&ck, in + 13, 20, &d), 0);
}
END_TEST

static const struct {
        struct bytes in;
        int r;
} chunked_bad[] = {
        {B("ffffffffffffffffff\r\n"), H1_E_BODY_TOO_LARGE},
        {B("8000000000000000\r\n"), H1_E_BODY_TOO_LARGE},
        {B("5x\r\nhello\r\n"), -EBADMSG},
        {B("5 \r\nhello\r\n"), -EBADMSG},
        {B("5\t\r\nhello\r\n"), -EBADMSG},
        {B(" 5\r\nhello\r\n"), -EBADMSG},
        {B("\t5\r\nhello\r\n"), -EBADMSG},
        {B("0x10\r\n"), -EBADMSG},
        {B("+5\r\nhello\r\n"), -EBADMSG},
        {B("-5\r\nhello\r\n"), -EBADMSG},
        {B("\r\nhello\r\n"), -EBADMSG},
        {B("5\nhello\r\n"), -EBADMSG},
        {B("5\r\rhello\r\n"), -EBADMSG},
        {B("5\r\nhelloX\r\n0\r\n\r\n"), -EBADMSG},
        {B("5\r\nhello\n0\r\n\r\n"), -EBADMSG},
        {B("5\r\nhello\r0\r\n\r\n"), -EBADMSG},
        {B("5\r\nhello0\r\n\r\n"), -EBADMSG},
        {B("5;\r\nhello\r\n"), -EBADMSG},
        {B("5;=v\r\nhello\r\n"), -EBADMSG},
        {B("5;a=\r\nhello\r\n"), -EBADMSG},
        {B("5;a \r\nhello\r\n"), -EBADMSG},
        {B("5;a=b \r\nhello\r\n"), -EBADMSG},
        {B("5;a=\"b\r\nhello\r\n"), -EBADMSG},
        {B("5;a=\"b\"c\r\nhello\r\n"), -EBADMSG},
        {B("5;a=b\"c\"\r\nhello\r\n"), -EBADMSG},
        {B("5;a=\"\x01\"\r\nhello\r\n"), -EBADMSG},
        {B("5;a@b\r\nhello\r\n"), -EBADMSG},
        {B("5;a\nhello\r\n"), -EBADMSG},
        {B("0\r\nX : y\r\n\r\n"), -EBADMSG},
        {B("0\r\nX: y\r\n z\r\n\r\n"), -EBADMSG},
        {B("0\r\n X: y\r\n\r\n"), -EBADMSG},
        {B("0\r\nX: a\x00"
           "b\r\n\r\n"),
         -EBADMSG},
        {B("0\r\nX: y\n\r\n"), -EBADMSG},
        {B("0\r\nX: y\r\n\n"), -EBADMSG},
        {B("0\r\n\r\r"), -EBADMSG},
        {B("0\r\n\n"), -EBADMSG},
        {B("0\r\nContent-Length: 5\r\n\r\n"), -EBADMSG},
        {B("0\r\ntransfer-encoding: chunked\r\n\r\n"), -EBADMSG},
        {B("0\r\nHOST: evil\r\n\r\n"), -EBADMSG},
        {B("0\r\n:\r\n\r\n"), -EBADMSG},
};

START_TEST(test_chunked_malformed)
{
        const char *in = chunked_bad[_i].in.p;
        size_t n = chunked_bad[_i].in.n;
        struct ck_result whole = ck_run(in, n, 0);
        struct ck_result bytes = ck_run(in, n, 1);

        ck_assert_msg(whole.r == chunked_bad[_i].r, "case %d: %d", _i, whole.r);
        ck_assert_int_eq(bytes.r, whole.r);
        ck_assert_uint_eq(bytes.n_data, whole.n_data);
        ck_assert(memcmp(bytes.data, whole.data, whole.n_data) == 0);
}
END_TEST

START_TEST(test_chunked_limits)
{
        struct h1_chunked_limits l = ck_lim;
        struct h1_chunked ck;
        struct sl_str d;
        char line[64];

        l.max_chunk_size = 16;
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, "10\r\n", 4, &d), 4);
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, "11\r\n", 4, &d), H1_E_BODY_TOO_LARGE);
        ck_assert_int_eq(h1_error_status(H1_E_BODY_TOO_LARGE), 413);
        l.max_chunk_size = 0;
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, "0\r\n\r\n", 5, &d), 5);
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, "1\r\n", 3, &d), H1_E_BODY_TOO_LARGE);
        /* 2^63 - 1 is the ceiling, whatever the caller asks */
        l.max_chunk_size = UINT64_MAX;
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, "7fffffffffffffff\r\n", 18, &d), 18);
        /* leading zeros count against the line limit, not the size */
        l.max_line_size = 8;
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, "00000001\r\n", 10, &d), 10);
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, "000000001\r\n", 11, &d), H1_E_TOO_LARGE);
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, "1;abcdefgh\r\n", 12, &d), H1_E_TOO_LARGE);
        /* the limit applies per chunk line */
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, "1;abcdef\r\nx", 11, &d), 11);
        ck_assert_int_eq(h1_chunked_parse(&ck, "\r\n1;abcdef\r\n", 12, &d), 12);
        /* trailer count and size */
        l = ck_lim;
        l.max_trailers = 2;
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, "0\r\na: 1\r\nb: 2\r\n\r\n", 17, &d), 17);
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, "0\r\na: 1\r\nb: 2\r\nc: 3\r\n\r\n", 23, &d),
                         H1_E_TOO_LARGE);
        l = ck_lim;
        l.max_trailer_size = 10;
        snprintf(line, sizeof(line), "0\r\nab: 12\r\n\r\n");
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, line, strlen(line), &d), (int)strlen(line));
        snprintf(line, sizeof(line), "0\r\nab: 123\r\n\r\n");
        h1_chunked_init(&ck, &l);
        ck_assert_int_eq(h1_chunked_parse(&ck, line, strlen(line), &d), H1_E_TOO_LARGE);
}
END_TEST

/* chunk-size values around 2^32, 2^63 and 2^64 under the largest limit (2^63 - 1, whatever
 * the caller asks): read exactly, or H1_E_BODY_TOO_LARGE (413), never wrapped or cut. */
static const struct {
        const char *size;
        int r;
        uint64_t value;
} ck_bounds[] = {
        {"ffffffff", 0, UINT64_C(0xffffffff)},
        {"100000000", 0, UINT64_C(0x100000000)},
        {"FFFFFFFFF", 0, UINT64_C(0xfffffffff)},
        {"4000000000000000", 0, UINT64_C(0x4000000000000000)},
        {"7fffffffffffffff", 0, UINT64_C(0x7fffffffffffffff)},
        {"8000000000000000", H1_E_BODY_TOO_LARGE, 0},
        {"ffffffffffffffff", H1_E_BODY_TOO_LARGE, 0},
        {"10000000000000000", H1_E_BODY_TOO_LARGE, 0},
        {"100000000000000000000000", H1_E_BODY_TOO_LARGE, 0},
        {"000000000000000000000001", 0, 1},
        {"00000000000000000000000000000000ffffffff", 0, UINT64_C(0xffffffff)},
        {"000000000000000000000000000000007fffffffffffffff", 0, UINT64_C(0x7fffffffffffffff)},
        {"0000000000000000000000000000000080000000000000000", H1_E_BODY_TOO_LARGE, 0},
};

/* Feed "@size\r\n" whole or one byte at a time (@step 1) under @l; returns the result of the
 * last call and leaves the decoder in *ck. */
static int ck_size_line(struct h1_chunked *ck, const struct h1_chunked_limits *l, const char *size,
                        size_t step)
{
        char line[128];
        size_t n = (size_t)snprintf(line, sizeof(line), "%s\r\n", size), used = 0;
        struct sl_str d;
        int r = 0;

        h1_chunked_init(ck, l);
        while (used < n) {
                size_t avail = step ? SL_MIN(step, n - used) : n - used;

                r = h1_chunked_parse(ck, line + used, avail, &d);
                if (r < 0)
                        return r;
                ck_assert_int_eq(r, (int)avail);
                ck_assert_uint_eq(d.len, 0);
                used += (size_t)r;
        }
        return r;
}

START_TEST(test_chunked_size_bounds)
{
        const char *size = ck_bounds[_i].size;
        struct h1_chunked ck;
        struct sl_str d;
        size_t n = strlen(size) + 2;

        for (size_t step = 0; step < 2; step++) {
                int r = ck_size_line(&ck, &ck_lim, size, step);

                if (ck_bounds[_i].r) {
                        ck_assert_msg(r == ck_bounds[_i].r, "%s: %d", size, r);
                        ck_assert_int_eq(h1_error_status(r), 413);
                        continue;
                }
                ck_assert_msg(r == (int)(step ? 1 : n), "%s: %d", size, r);
                /* the whole size is left to read, and counts down exactly */
                ck_assert_msg(ck.size == ck_bounds[_i].value, "%s: %llx", size,
                              (unsigned long long)ck.size);
                ck_assert_int_eq(h1_chunked_parse(&ck, "abc", 3, &d),
                                 (int)SL_MIN(3, ck_bounds[_i].value));
                ck_assert_uint_eq(d.len, SL_MIN(3, ck_bounds[_i].value));
                ck_assert(ck.size == ck_bounds[_i].value - d.len);
                ck_assert(!h1_chunked_done(&ck));
        }
}
END_TEST

/* max_chunk_size holds exactly at its boundary: a chunk-size of the limit is read, one more is
 * H1_E_BODY_TOO_LARGE, for limits around 2^32, the worker's 2^62 and the 2^63 - 1 ceiling. */
START_TEST(test_chunked_limit_boundary)
{
        static const uint64_t limits[] = {
                0,
                1,
                15,
                16,
                UINT64_C(0xfffffffe),
                UINT64_C(0xffffffff),
                UINT64_C(0x100000000),
                UINT64_C(0x100000001),
                UINT64_C(1) << 62,
                (UINT64_C(1) << 62) + 15,
                INT64_MAX - 1,
        };
        struct h1_chunked_limits l = ck_lim;
        struct h1_chunked ck;
        char size[64];

        for (size_t i = 0; i < SL_ARRAY_SIZE(limits); i++) {
                l.max_chunk_size = limits[i];
                for (size_t step = 0; step < 2; step++) {
                        snprintf(size, sizeof(size), "%" PRIx64, limits[i]);
                        ck_assert_int_gt(ck_size_line(&ck, &l, size, step), 0);
                        ck_assert(ck.size == limits[i]);
                        /* with leading zeros, and in capitals */
                        snprintf(size, sizeof(size), "0000000000000000%" PRIX64, limits[i]);
                        ck_assert_int_gt(ck_size_line(&ck, &l, size, step), 0);
                        ck_assert(ck.size == limits[i]);
                        snprintf(size, sizeof(size), "%" PRIx64, limits[i] + 1);
                        ck_assert_msg(ck_size_line(&ck, &l, size, step) == H1_E_BODY_TOO_LARGE,
                                      "limit %" PRIx64 ": %s accepted", limits[i], size);
                        /* a size past the limit is refused at its first excess digit */
                        snprintf(size, sizeof(size), "%" PRIx64 "0", limits[i] + 1);
                        ck_assert_int_eq(ck_size_line(&ck, &l, size, step), H1_E_BODY_TOO_LARGE);
                }
        }
        /* a limit over 2^63 - 1 is 2^63 - 1 */
        l.max_chunk_size = UINT64_MAX;
        ck_assert_int_eq(ck_size_line(&ck, &l, "7fffffffffffffff", 0), 18);
        ck_assert_int_eq(ck_size_line(&ck, &l, "8000000000000000", 0), H1_E_BODY_TOO_LARGE);
        l.max_chunk_size = (UINT64_C(1) << 63) + 1;
        ck_assert_int_eq(ck_size_line(&ck, &l, "8000000000000000", 0), H1_E_BODY_TOO_LARGE);
}
END_TEST

START_TEST(test_chunked_trailers)
{
        static const char in[] = "0;ext\r\nX-Checksum: abc\r\nX-Long-Trailer-Name-Here: 1\r\n"
                                 "Content-Lengthy: 2\r\nX-Empty:\r\n\r\n";
        struct ck_result res = ck_run(in, sizeof(in) - 1, 0);

        ck_assert_int_eq(res.r, 0);
        ck_assert(res.done);
        ck_assert_uint_eq(res.used, sizeof(in) - 1);
        ck_assert_uint_eq(res.n_data, 0);
        res = ck_run(in, sizeof(in) - 1, 1);
        ck_assert(res.done);
}
END_TEST

/* show errors: the offending byte of a refused head */
START_TEST(test_error_offset)
{
        static const struct {
                const char *in;
                bool response;
                size_t at; /* SIZE_MAX: the input's length */
        } cases[] = {
                {"GET\x01/ HTTP/1.1\r\nHost: h\r\n\r\n", false, 3},
                {"GET /a b HTTP/1.1\r\n\r\n", false, 7},
                {"GET /a#b HTTP/1.1\r\n\r\n", false, 6},
                {"GET / HTTP/1.x\r\n\r\n", false, 13},
                {"GET / HTTP/1.1\n\r\n", false, 14},
                {"GET / HTTP/1.1\r\nHost : h\r\n\r\n", false, 20},
                {"GET / HTTP/1.1\r\nHost: h\r\n x: y\r\n\r\n", false, 25},
                {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\t2\r\n\r\n", false, SIZE_MAX},
                {"GET / HTTP/1.1\r\nHost: h\x7f\r\n\r\n", false, 23},
                {"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", false, 21},
                {"\r\n\r\nGET\t/ HTTP/1.1\r\n\r\n", false, 7},
                {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", false, SIZE_MAX},
                {"HTTP/1.1 2x0 OK\r\n\r\n", true, 10},
                {"HTTP/1.1 200 O\x01K\r\n\r\n", true, 14},
                {"HTTP/1.1 200\r\n\r\n", true, 12},
                {"HTTP/1.1 200 OK\r\nServer:\x00x\r\n\r\n", true, 24},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t len = strlen(cases[i].in);

                /* the NUL of the last case is part of its bytes */
                if (i == sizeof(cases) / sizeof(cases[0]) - 1)
                        len = sizeof("HTTP/1.1 200 OK\r\nServer:\x00x\r\n\r\n") - 1;
                ck_assert_msg(h1_error_offset(cases[i].in, len, cases[i].response) ==
                                      (cases[i].at == SIZE_MAX ? len : cases[i].at),
                              "case %zu: %zu", i,
                              h1_error_offset(cases[i].in, len, cases[i].response));
        }
}
END_TEST

/* show errors: a head whose bytes fit the grammar but whose framing was refused */
START_TEST(test_framing_error_offset)
{
        static const struct {
                const char *in;
                size_t at; /* SIZE_MAX: none */
        } cases[] = {
                {"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\t2\r\n\r\n", 42},
                {"GET / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n", 51},
                {"GET / HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", 54},
                {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", SIZE_MAX},
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct http_hdr headers[16];
                struct h1_request req;
                size_t len = strlen(cases[i].in);
                int r = h1_parse_request(cases[i].in, len, &lim, headers, 16, &req);

                ck_assert_int_gt(r, 0);
                ck_assert_msg(
                        h1_framing_error_offset(cases[i].in, len, req.headers, req.n_headers) ==
                                (cases[i].at == SIZE_MAX ? len : cases[i].at),
                        "case %zu: %zu", i,
                        h1_framing_error_offset(cases[i].in, len, req.headers, req.n_headers));
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("proto/http1_parse");
        TCase *tc;

        tc = tcase_create("request");
        tcase_add_test(tc, test_request_origin_form);
        tcase_add_test(tc, test_request_other_forms);
        tcase_add_test(tc, test_request_methods);
        tcase_add_test(tc, test_request_leading_empty_lines);
        tcase_add_test(tc, test_request_rejected_before_its_line_ends);
        tcase_add_test(tc, test_request_line_malformed);
        tcase_add_loop_test(tc, test_request_target_lax_chars, 0, SL_ARRAY_SIZE(lax_targets));
        tcase_add_loop_test(tc, test_request_target_every_byte, 0, 256);
        tcase_add_test(tc, test_request_target_controls_rejected);
        tcase_add_test(tc, test_request_host_keeps_its_grammar);
        tcase_add_test(tc, test_request_version);
        tcase_add_test(tc, test_request_absolute_form_host);
        tcase_add_test(tc, test_request_fields_malformed);
        tcase_add_test(tc, test_request_nul_in_value);
        tcase_add_test(tc, test_request_long_values_every_position);
        tcase_add_test(tc, test_request_prefix_heads_complete);
        suite_add_tcase(s, tc);

        tc = tcase_create("request_prefix");
        /* _i runs over every strict prefix of every head in prefix_heads */
        tcase_add_loop_test(tc, test_request_every_prefix_is_incomplete, 0, prefix_total());
        suite_add_tcase(s, tc);

        tc = tcase_create("limits");
        tcase_add_test(tc, test_limit_header_count);
        tcase_add_test(tc, test_limit_head_size);
        tcase_add_test(tc, test_limit_request_line);
        suite_add_tcase(s, tc);

        tc = tcase_create("response");
        tcase_add_test(tc, test_response_valid);
        tcase_add_test(tc, test_response_malformed);
        tcase_add_loop_test(tc, test_response_every_prefix_is_incomplete, 0,
                            sizeof(resp_prefix_head) - 1);
        suite_add_tcase(s, tc);

        tc = tcase_create("framing");
        tcase_add_test(tc, test_framing_request);
        tcase_add_loop_test(tc, test_smuggling_vectors, 0, SL_ARRAY_SIZE(smuggle));
        tcase_add_test(tc, test_nul_in_value_never_parses);
        tcase_add_test(tc, test_framing_response);
        tcase_add_loop_test(tc, test_framing_content_length_bounds, 0, SL_ARRAY_SIZE(cl_bounds));
        suite_add_tcase(s, tc);

        tc = tcase_create("headers");
        tcase_add_test(tc, test_field_name_every_byte);
        tcase_add_test(tc, test_name_is_every_byte);
        tcase_add_test(tc, test_header_helpers);
        tcase_add_test(tc, test_list_next);
        tcase_add_test(tc, test_connection_options_malformed);
        suite_add_tcase(s, tc);

        tc = tcase_create("chunked");
        tcase_add_test(tc, test_chunked_whole_and_split);
        tcase_add_loop_test(tc, test_chunked_every_prefix, 0, sizeof(chunked_body) - 1);
        tcase_add_test(tc, test_chunked_stops_at_end);
        tcase_add_loop_test(tc, test_chunked_malformed, 0, SL_ARRAY_SIZE(chunked_bad));
        tcase_add_test(tc, test_chunked_limits);
        tcase_add_loop_test(tc, test_chunked_size_bounds, 0, SL_ARRAY_SIZE(ck_bounds));
        tcase_add_test(tc, test_chunked_limit_boundary);
        tcase_add_test(tc, test_chunked_trailers);
        suite_add_tcase(s, tc);

        tc = tcase_create("error_offset");
        tcase_add_test(tc, test_error_offset);
        tcase_add_test(tc, test_framing_error_offset);
        suite_add_tcase(s, tc);

        return unit_run(s);
}
