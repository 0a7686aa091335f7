#include <errno.h>
#include <string.h>

#include "h2_conv.h"
#include "unit.h"

static struct http_hdr hdrs[16];
static char room[256];

/* A request head with the regular fields given as "name", "value" pairs, NULL-terminated. */
static struct http_msg fields(const char *const *kv)
{
        struct http_msg m = {.hdrs = hdrs, .max_hdrs = 16};

        for (size_t i = 0; kv && kv[i]; i += 2)
                ck_assert(http_hdr_add(&m, sl_str_from_cstr(kv[i]), sl_str_from_cstr(kv[i + 1])));
        return m;
}

static struct h2_pseudo pseudo(const char *method, const char *scheme, const char *authority,
                               const char *path)
{
        struct h2_pseudo ps = {0};

        if (method)
                ck_assert(h2_pseudo_set(&ps, SL_STR_LIT(":method"), sl_str_from_cstr(method)));
        if (scheme)
                ck_assert(h2_pseudo_set(&ps, SL_STR_LIT(":scheme"), sl_str_from_cstr(scheme)));
        if (authority)
                ck_assert(
                        h2_pseudo_set(&ps, SL_STR_LIT(":authority"), sl_str_from_cstr(authority)));
        if (path)
                ck_assert(h2_pseudo_set(&ps, SL_STR_LIT(":path"), sl_str_from_cstr(path)));
        return ps;
}

static bool nv_is(const nghttp2_nv *nv, const char *name, const char *value);

static bool str_is(struct sl_str s, const char *want)
{
        return s.ptr && sl_str_eq(s, sl_str_from_cstr(want));
}

START_TEST(test_preface)
{
        static const char pre[] = H2_PREFACE;

        ck_assert_int_eq(h2_preface_match(NULL, 0), 0);
        ck_assert_int_eq(h2_preface_match(pre, 3), 0);
        ck_assert_int_eq(h2_preface_match(pre, H2_PREFACE_LEN - 1), 0);
        ck_assert_int_eq(h2_preface_match(pre, H2_PREFACE_LEN), 1);
        ck_assert_int_eq(h2_preface_match("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0", 27), 1);
        ck_assert_int_eq(h2_preface_match("PRIX", 4), -1);
        ck_assert_int_eq(h2_preface_match("GET / HTTP/1.1\r\n", 16), -1);
        ck_assert_int_eq(h2_preface_match("PRI * HTTP/1.1\r\n\r\nSM\r\n\r\n", 24), -1);
}
END_TEST

START_TEST(test_pseudo_fields)
{
        struct h2_pseudo ps = {0};

        ck_assert(h2_pseudo_set(&ps, SL_STR_LIT(":path"), SL_STR_LIT("/")));
        /* twice, or not a request's */
        ck_assert(!h2_pseudo_set(&ps, SL_STR_LIT(":path"), SL_STR_LIT("/x")));
        ck_assert(!h2_pseudo_set(&ps, SL_STR_LIT(":status"), SL_STR_LIT("200")));
        ck_assert(!h2_pseudo_set(&ps, SL_STR_LIT(":Path"), SL_STR_LIT("/")));
        /* an empty value is present */
        ck_assert(h2_pseudo_set(&ps, SL_STR_LIT(":authority"), SL_STR_NULL));
        ck_assert(ps.authority.ptr != NULL && ps.authority.len == 0);
}
END_TEST

START_TEST(test_request_head)
{
        static const char *const kv[] = {"host", "other.example", "accept", "*/*", NULL};
        struct http_msg m = fields(kv);
        struct h2_pseudo ps = pseudo("GET", "https", "www.example.com", "/a/b?x=1&y");
        size_t used = 0;

        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), 0);
        ck_assert_int_eq(m.meth, HTTP_METH_GET);
        ck_assert_int_eq(m.version, HTTP_VER_2);
        ck_assert(str_is(m.target, "/a/b?x=1&y"));
        ck_assert(str_is(m.path, "/a/b"));
        ck_assert(str_is(m.query, "x=1&y"));
        ck_assert(str_is(m.authority, "www.example.com"));
        ck_assert_int_eq(m.body, HTTP_BODY_NONE);
        /* :authority replaces Host (RFC 9113 8.3.1) */
        ck_assert_uint_eq(m.n_hdrs, 2);
        ck_assert(str_is(m.hdrs[0].name, "accept"));
        ck_assert(str_is(m.hdrs[1].name, "host"));
        ck_assert(str_is(m.hdrs[1].value, "www.example.com"));
        ck_assert_uint_eq(used, 0);
}
END_TEST

START_TEST(test_host_without_authority)
{
        static const char *const kv[] = {"host", "h.example", NULL};
        static const char *const two[] = {"host", "a", "host", "b", NULL};
        struct http_msg m = fields(kv);
        struct h2_pseudo ps = pseudo("GET", "http", NULL, "/");
        size_t used = 0;

        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), 0);
        ck_assert(str_is(m.authority, "h.example"));
        m = fields(two);
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), -EBADMSG);
        m = fields(NULL);
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), 0);
        ck_assert(m.authority.len == 0);
}
END_TEST

START_TEST(test_framing)
{
        static const char *const cl[] = {"content-length", "12", NULL};
        static const char *const cl0[] = {"content-length", "0", NULL};
        static const char *const bad[] = {"content-length", "1 2", NULL};
        static const char *const differ[] = {"content-length", "1", "content-length", "2", NULL};
        static const char *const same[] = {"content-length", "3", "content-length", "3", NULL};
        struct h2_pseudo ps = pseudo("POST", "https", "a", "/up");
        struct http_msg m = fields(cl);
        size_t used = 0;

        ck_assert_int_eq(h2_request_finish(&m, &ps, false, room, sizeof(room), &used), 0);
        ck_assert_int_eq(m.body, HTTP_BODY_LENGTH);
        ck_assert_uint_eq(m.content_length, 12);
        /* a length, but END_STREAM on the head: nothing can follow */
        m = fields(cl);
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), -EBADMSG);
        m = fields(cl0);
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), 0);
        ck_assert_int_eq(m.body, HTTP_BODY_LENGTH);
        ck_assert_uint_eq(m.content_length, 0);
        /* no length, more to come: chunked to an HTTP/1.1 server */
        m = fields(NULL);
        ck_assert_int_eq(h2_request_finish(&m, &ps, false, room, sizeof(room), &used), 0);
        ck_assert_int_eq(m.body, HTTP_BODY_CHUNKED);
        m = fields(bad);
        ck_assert_int_eq(h2_request_finish(&m, &ps, false, room, sizeof(room), &used), -EBADMSG);
        m = fields(differ);
        ck_assert_int_eq(h2_request_finish(&m, &ps, false, room, sizeof(room), &used), -EBADMSG);
        m = fields(same);
        ck_assert_int_eq(h2_request_finish(&m, &ps, false, room, sizeof(room), &used), 0);
        ck_assert_uint_eq(m.content_length, 3);
}
END_TEST

START_TEST(test_malformed)
{
        static const char *const conn[] = {"connection", "keep-alive", NULL};
        static const char *const te[] = {"transfer-encoding", "chunked", NULL};
        struct h2_pseudo ps;
        struct http_msg m;
        size_t used = 0;

        /* pseudo fields missing */
        ps = pseudo("GET", NULL, "a", "/");
        m = fields(NULL);
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), -EBADMSG);
        ps = pseudo("GET", "https", "a", NULL);
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), -EBADMSG);
        ps = pseudo(NULL, "https", "a", "/");
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), -EBADMSG);
        /* a method that is not a token, a path that is not one */
        ps = pseudo("G T", "https", "a", "/");
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), -EBADMSG);
        ps = pseudo("GET", "https", "a", "x");
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), -EBADMSG);
        ps = pseudo("GET", "https", "a", "/a b");
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), -EBADMSG);
        ps = pseudo("GET", "https", "a", "*");
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), -EBADMSG);
        ps = pseudo("OPTIONS", "https", "a", "*");
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), 0);
        /* connection-specific fields (RFC 9113 8.2.2) */
        ps = pseudo("GET", "https", "a", "/");
        m = fields(conn);
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), -EBADMSG);
        m = fields(te);
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), -EBADMSG);
        /* CONNECT: no tunnel over HTTP/2; with :scheme it is malformed */
        ps = pseudo("CONNECT", NULL, "a:443", NULL);
        m = fields(NULL);
        ck_assert_int_eq(h2_request_finish(&m, &ps, false, room, sizeof(room), &used),
                         HTTP_E_CODING);
        ps = pseudo("CONNECT", "https", "a:443", NULL);
        ck_assert_int_eq(h2_request_finish(&m, &ps, false, room, sizeof(room), &used), -EBADMSG);
        /* :protocol only with CONNECT, and not empty */
        ps = pseudo("GET", "https", "a", "/");
        ck_assert(h2_pseudo_set(&ps, SL_STR_LIT(":protocol"), SL_STR_LIT("websocket")));
        ck_assert_int_eq(h2_request_finish(&m, &ps, false, room, sizeof(room), &used), -EBADMSG);
        ps = pseudo("CONNECT", "https", "a", "/");
        ck_assert(h2_pseudo_set(&ps, SL_STR_LIT(":protocol"), SL_STR_LIT("")));
        ck_assert_int_eq(h2_request_finish(&m, &ps, false, room, sizeof(room), &used), -EBADMSG);
}
END_TEST

/* RFC 8441: an extended CONNECT is the HTTP/1.1 upgrade it stands for; the 101 answering it
 * is a 200 without the handshake's own fields. */
START_TEST(test_extended_connect)
{
        static const char *const kv[] = {"sec-websocket-version", "13", NULL};
        static const char *const cl[] = {"content-length", "0", NULL};
        struct http_msg m = fields(kv);
        struct h2_pseudo ps = pseudo("CONNECT", "https", "ws.example", "/chat?x=1");
        size_t used = 0;
        nghttp2_nv nv[8];
        int n;

        ck_assert(h2_pseudo_set(&ps, SL_STR_LIT(":protocol"), SL_STR_LIT("websocket")));
        ck_assert_int_eq(h2_request_finish(&m, &ps, false, room, sizeof(room), &used), 0);
        ck_assert(m.meth == HTTP_METH_GET && str_is(m.method, "GET"));
        ck_assert(str_is(m.target, "/chat?x=1") && str_is(m.path, "/chat"));
        ck_assert(m.flags & HTTP_MSG_F_UPGRADE);
        ck_assert(m.body == HTTP_BODY_NONE);
        ck_assert_int_ge(http_hdr_find(&m, 0, SL_STR_LIT("upgrade")), 0);
        ck_assert(str_is(m.hdrs[http_hdr_find(&m, 0, SL_STR_LIT("upgrade"))].value, "websocket"));
        ck_assert(str_is(m.hdrs[http_hdr_find(&m, 0, SL_STR_LIT("host"))].value, "ws.example"));
        /* no content on a CONNECT */
        m = fields(cl);
        ck_assert_int_eq(h2_request_finish(&m, &ps, false, room, sizeof(room), &used), -EBADMSG);
        /* the answer */
        {
                static const char *const res[] = {
                        "Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Accept",
                        "abc=",    "X-Kept",    "1",          NULL};
                struct http_msg r = fields(res);

                r.status = 101;
                r.body = HTTP_BODY_TUNNEL;
                n = h2_tunnel_response_nv(&r, nv, 8, room, sizeof(room));
                ck_assert_int_eq(n, 2);
                ck_assert(nv_is(&nv[0], ":status", "200"));
                ck_assert(nv_is(&nv[1], "x-kept", "1"));
        }
}
END_TEST

START_TEST(test_cookie_crumbs)
{
        static const char *const kv[] = {"cookie", "a=1",    "accept", "*/*", "cookie",
                                         "b=2",    "cookie", "c=3",    NULL};
        struct http_msg m = fields(kv);
        struct h2_pseudo ps = pseudo("GET", "https", "a", "/");
        size_t used = 0;

        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, sizeof(room), &used), 0);
        ck_assert_uint_eq(m.n_hdrs, 3);
        ck_assert(str_is(m.hdrs[0].name, "cookie"));
        ck_assert(str_is(m.hdrs[0].value, "a=1; b=2; c=3"));
        ck_assert(str_is(m.hdrs[1].name, "accept"));
        ck_assert_uint_eq(used, 13);
        /* no room for the joined value */
        m = fields(kv);
        used = 0;
        ck_assert_int_eq(h2_request_finish(&m, &ps, true, room, 12, &used), HTTP_E_TOO_LARGE);
}
END_TEST

static bool nv_is(const nghttp2_nv *nv, const char *name, const char *value)
{
        return nv->namelen == strlen(name) && memcmp(nv->name, name, nv->namelen) == 0 &&
               nv->valuelen == strlen(value) && memcmp(nv->value, value, nv->valuelen) == 0;
}

START_TEST(test_response_fields)
{
        static const char *const kv[] = {"Content-Type",
                                         "text/plain",
                                         "Connection",
                                         "keep-alive, X-Hop",
                                         "X-Hop",
                                         "1",
                                         "Keep-Alive",
                                         "timeout=5",
                                         "Transfer-Encoding",
                                         "chunked",
                                         "Set-Cookie",
                                         "a=1",
                                         NULL};
        struct http_msg m = fields(kv);
        nghttp2_nv nv[16];
        int n;

        m.status = 200;
        m.body = HTTP_BODY_CHUNKED;
        m.flags = HTTP_MSG_F_CONN_NAMES;
        n = h2_response_nv(&m, nv, 16, room, sizeof(room));
        ck_assert_int_eq(n, 3);
        ck_assert(nv_is(&nv[0], ":status", "200"));
        ck_assert(nv_is(&nv[1], "content-type", "text/plain"));
        ck_assert(nv_is(&nv[2], "set-cookie", "a=1"));
        /* a length without the field gets one; 204 never has one */
        m = fields(NULL);
        m.status = 404;
        m.body = HTTP_BODY_LENGTH;
        m.content_length = 1234;
        n = h2_response_nv(&m, nv, 16, room, sizeof(room));
        ck_assert_int_eq(n, 2);
        ck_assert(nv_is(&nv[0], ":status", "404"));
        ck_assert(nv_is(&nv[1], "content-length", "1234"));
        m.status = 204;
        ck_assert_int_eq(h2_response_nv(&m, nv, 16, room, sizeof(room)), 1);
        /* out of entries or room */
        m = fields(kv);
        m.status = 200;
        ck_assert_int_eq(h2_response_nv(&m, nv, 1, room, sizeof(room)), -ENOBUFS);
        ck_assert_int_eq(h2_response_nv(&m, nv, 16, room, 5), -ENOBUFS);
}
END_TEST

START_TEST(test_trailers)
{
        static const struct http_hdr t[] = {
                {SL_STR_LIT("Grpc-Status"), SL_STR_LIT("0")},
                {SL_STR_LIT("Content-Length"), SL_STR_LIT("3")},
                {SL_STR_LIT("transfer-encoding"), SL_STR_LIT("chunked")},
                {SL_STR_LIT("grpc-message"), SL_STR_LIT("")},
                {SL_STR_LIT("Host"), SL_STR_LIT("x")},
        };
        nghttp2_nv nv[8];
        int n = h2_trailers_nv(t, 5, nv, 8, room, sizeof(room));

        ck_assert_int_eq(n, 2);
        ck_assert(nv_is(&nv[0], "grpc-status", "0"));
        ck_assert(nv_is(&nv[1], "grpc-message", ""));
}
END_TEST

/* A request for an HTTP/2 server: the pseudo fields first, :authority from the target or
 * Host (then not sent), the origin form for :path, connection-specific fields gone, TE only
 * as trailers, the length written when missing. */
START_TEST(test_request_to_server)
{
        static const char *const kv[] = {
                "Host",       "h.example", "Connection", "keep-alive, X-Hop",
                "X-Hop",      "1",         "TE",         "gzip, trailers",
                "User-Agent", "t",         "Upgrade",    "websocket",
                NULL};
        struct http_msg m = fields(kv);
        nghttp2_nv nv[16];
        int n;

        m.method = SL_STR_LIT("POST");
        m.meth = HTTP_METH_POST;
        m.target = SL_STR_LIT("/p?q=1");
        m.body = HTTP_BODY_LENGTH;
        m.content_length = 5;
        m.flags = HTTP_MSG_F_CONN_NAMES;
        n = h2_request_nv(&m, SL_STR_LIT("http"), nv, 16, room, sizeof(room));
        ck_assert_int_eq(n, 7);
        ck_assert(nv_is(&nv[0], ":method", "POST"));
        ck_assert(nv_is(&nv[1], ":scheme", "http"));
        ck_assert(nv_is(&nv[2], ":authority", "h.example"));
        ck_assert(nv_is(&nv[3], ":path", "/p?q=1"));
        ck_assert(nv_is(&nv[4], "te", "trailers"));
        ck_assert(nv_is(&nv[5], "user-agent", "t"));
        ck_assert(nv_is(&nv[6], "content-length", "5"));
        /* an absolute-form target: its authority and its path with the query */
        m = fields(NULL);
        m.method = SL_STR_LIT("GET");
        m.meth = HTTP_METH_GET;
        m.target = SL_STR_LIT("http://a.example:81/x?y");
        m.authority = SL_STR_LIT("a.example:81");
        m.path = SL_STR_LIT("/x");
        m.query = SL_STR_LIT("y");
        n = h2_request_nv(&m, SL_STR_LIT("https"), nv, 16, room, sizeof(room));
        ck_assert_int_eq(n, 4);
        ck_assert(nv_is(&nv[1], ":scheme", "https"));
        ck_assert(nv_is(&nv[2], ":authority", "a.example:81"));
        ck_assert(nv_is(&nv[3], ":path", "/x?y"));
        /* a rewritten path; an empty one is "/"; no authority at all: none sent */
        m.authority = SL_STR_NULL;
        m.path_set = true;
        m.path = SL_STR_NULL;
        m.query = SL_STR_NULL;
        n = h2_request_nv(&m, SL_STR_LIT("http"), nv, 16, room, sizeof(room));
        ck_assert_int_eq(n, 3);
        ck_assert(nv_is(&nv[2], ":path", "/"));
        /* a chunked body sends no length; CONNECT is not converted; too small */
        m = fields(kv);
        m.method = SL_STR_LIT("PUT");
        m.target = SL_STR_LIT("/");
        m.body = HTTP_BODY_CHUNKED;
        n = h2_request_nv(&m, SL_STR_LIT("http"), nv, 16, room, sizeof(room));
        for (int i = 0; i < n; i++)
                ck_assert(!nv_is(&nv[i], "content-length", "5"));
        ck_assert_int_eq(h2_request_nv(&m, SL_STR_LIT("http"), nv, 3, room, sizeof(room)),
                         -ENOBUFS);
        m.meth = HTTP_METH_CONNECT;
        ck_assert_int_eq(h2_request_nv(&m, SL_STR_LIT("http"), nv, 16, room, sizeof(room)),
                         -EINVAL);
}
END_TEST

/* An HTTP/1.1 WebSocket upgrade toward an HTTP/2 server: recognised only as GET with one
 * Upgrade: websocket and one key; its extended CONNECT has :protocol after :method, and
 * neither the key, the upgrade fields nor a length. */
START_TEST(test_websocket_upgrade_to_server)
{
        static const char *const kv[] = {"Host",
                                         "w.example",
                                         "Upgrade",
                                         "WebSocket",
                                         "Connection",
                                         "Upgrade",
                                         "Sec-WebSocket-Key",
                                         "dGhlIHNhbXBsZSBub25jZQ==",
                                         "Sec-WebSocket-Version",
                                         "13",
                                         "Content-Length",
                                         "0",
                                         NULL};
        static const char *const two[] = {"Upgrade",           "websocket", "Upgrade", "websocket",
                                          "Sec-WebSocket-Key", "k",         NULL};
        static const char *const other[] = {"Upgrade", "h2c", "Sec-WebSocket-Key", "k", NULL};
        struct http_msg m = fields(kv);
        struct sl_str key;
        nghttp2_nv nv[16];
        int n;

        m.method = SL_STR_LIT("GET");
        m.meth = HTTP_METH_GET;
        m.target = SL_STR_LIT("/chat");
        m.flags = HTTP_MSG_F_UPGRADE;
        ck_assert(h2_ws_upgrade(&m, &key));
        ck_assert(str_is(key, "dGhlIHNhbXBsZSBub25jZQ=="));
        n = h2_ws_request_nv(&m, SL_STR_LIT("https"), nv, 16, room, sizeof(room));
        ck_assert_int_eq(n, 6);
        ck_assert(nv_is(&nv[0], ":method", "CONNECT"));
        ck_assert(nv_is(&nv[1], ":protocol", "websocket"));
        ck_assert(nv_is(&nv[2], ":scheme", "https"));
        ck_assert(nv_is(&nv[3], ":authority", "w.example"));
        ck_assert(nv_is(&nv[4], ":path", "/chat"));
        ck_assert(nv_is(&nv[5], "sec-websocket-version", "13"));
        /* no upgrade asked, another method, another protocol, two Upgrade fields */
        m.flags = 0;
        ck_assert(!h2_ws_upgrade(&m, &key));
        m.flags = HTTP_MSG_F_UPGRADE;
        m.meth = HTTP_METH_POST;
        ck_assert(!h2_ws_upgrade(&m, &key));
        m = fields(other);
        m.meth = HTTP_METH_GET;
        m.flags = HTTP_MSG_F_UPGRADE;
        ck_assert(!h2_ws_upgrade(&m, &key));
        m = fields(two);
        m.meth = HTTP_METH_GET;
        m.flags = HTTP_MSG_F_UPGRADE;
        ck_assert(!h2_ws_upgrade(&m, &key));
}
END_TEST

/* A response from an HTTP/2 server: interim, bodiless and framed by length, END_STREAM or
 * neither; malformed ones refused. */
START_TEST(test_response_from_server)
{
        static const char *const cl[] = {"content-length", "12", "x", "y", NULL};
        static const char *const two[] = {"content-length", "1", "content-length", "2", NULL};
        static const char *const conn[] = {"connection", "close", NULL};
        struct http_msg m = fields(cl);

        ck_assert_int_eq(h2_response_finish(&m, 200, false, HTTP_METH_GET), 0);
        ck_assert(m.status == 200 && m.body == HTTP_BODY_LENGTH && m.content_length == 12);
        ck_assert(str_is(m.reason, "OK"));
        ck_assert(m.version == HTTP_VER_2);
        /* a HEAD's answer and a 304 have no body, their length field stays */
        ck_assert_int_eq(h2_response_finish(&m, 200, true, HTTP_METH_HEAD), 0);
        ck_assert(m.body == HTTP_BODY_NONE && m.n_hdrs == 2);
        ck_assert_int_eq(h2_response_finish(&m, 304, true, HTTP_METH_GET), 0);
        ck_assert(m.body == HTTP_BODY_NONE);
        /* a length other than 0 with END_STREAM on the head */
        ck_assert_int_eq(h2_response_finish(&m, 200, true, HTTP_METH_GET), -EBADMSG);
        m = fields(NULL);
        ck_assert_int_eq(h2_response_finish(&m, 103, false, HTTP_METH_GET), 0);
        ck_assert(m.flags & HTTP_MSG_F_INTERIM);
        ck_assert_int_eq(h2_response_finish(&m, 200, true, HTTP_METH_GET), 0);
        ck_assert(m.body == HTTP_BODY_LENGTH && m.content_length == 0 && !m.flags);
        ck_assert_int_eq(h2_response_finish(&m, 200, false, HTTP_METH_GET), 0);
        ck_assert(m.body == HTTP_BODY_CHUNKED);
        ck_assert_int_eq(h2_response_finish(&m, 101, false, HTTP_METH_GET), -EBADMSG);
        ck_assert_int_eq(h2_response_finish(&m, 99, false, HTTP_METH_GET), -EBADMSG);
        ck_assert_int_eq(h2_response_finish(&m, 600, false, HTTP_METH_GET), -EBADMSG);
        m = fields(two);
        ck_assert_int_eq(h2_response_finish(&m, 200, false, HTTP_METH_GET), -EBADMSG);
        m = fields(conn);
        ck_assert_int_eq(h2_response_finish(&m, 200, false, HTTP_METH_GET), -EBADMSG);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("proto/h2_conv");
        TCase *tc = tcase_create("h2_conv");

        tcase_add_test(tc, test_preface);
        tcase_add_test(tc, test_pseudo_fields);
        tcase_add_test(tc, test_request_head);
        tcase_add_test(tc, test_host_without_authority);
        tcase_add_test(tc, test_framing);
        tcase_add_test(tc, test_malformed);
        tcase_add_test(tc, test_cookie_crumbs);
        tcase_add_test(tc, test_response_fields);
        tcase_add_test(tc, test_trailers);
        tcase_add_test(tc, test_request_to_server);
        tcase_add_test(tc, test_extended_connect);
        tcase_add_test(tc, test_websocket_upgrade_to_server);
        tcase_add_test(tc, test_response_from_server);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
