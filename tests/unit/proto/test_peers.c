/* The peers protocol codec: varints at every length boundary, the handshake lines, the
 * message framing, each stick-table message built and read back, every truncation of them
 * (read against a PROT_NONE page, so a read past the end faults), malformed and ignored
 * definitions, and bytes captured from HAProxy 2.6.12 (Debian's haproxy 2.6.12-1+deb12u4),
 * which the encoders must reproduce byte for byte.
 *
 * The captures: one haproxy with a peers section of two peers, "hapA" (itself, on
 * 127.0.0.1:21001) and "py" (a Python script listening on 127.0.0.1:21002), two tables
 *   table t_ip type ip size 100 expire 60s store server_id,conn_cnt,conn_rate(10s),
 *         conn_cur,bytes_in_cnt,gpt(2),gpc(2),gpc_rate(2,10s)
 *   table t_str type string len 32 size 100 expire 60s store gpc0,server_key
 * a frontend tracking the source in t_ip (sc-inc-gpc(0,0), sc-inc-gpc(1,0),
 * sc-set-gpt(1,0) 7 on each connection) and a backend with "stick on str(key1)" in t_str
 * and one server "s1". The script made three connections to the frontend, accepted
 * haproxy's connection (its hello below), answered "200\n" and a resync request, and
 * recorded what haproxy taught (teach[]). In a second run it answered "200\n" and "resync
 * finished", connected from 127.0.0.2, .3 and .4 and recorded the live pushes (live[]), then
 * sent a DEFINE of /t_str and an UPDATE with id 42, and recorded the ACK (ack[]). The status
 * lines were recorded connecting to haproxy with good and bad hellos. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"
#include "unit.h"

static bool str_is(struct sl_str s, const char *want)
{
        return s.ptr && s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

/* ---- captured bytes ---- */

static const char cap_hello[] = "HAProxyS 2.1\npy\nhapA 16401 1\n";

/* haproxy's resync request, DEFINE /t_str, UPDATE_TIMED, DEFINE /t_ip, UPDATE_TIMED, then
 * "resync partial" */
static const uint8_t teach[] = {
        0x00, 0x00, 0x0a, 0x82, 0x11, 0x01, 0x06, 0x2f, 0x74, 0x5f, 0x73, 0x74, 0x72, 0x06, 0x21,
        0xf5, 0xf1, 0xfe, 0x00, 0xf0, 0x97, 0x1c, 0x0a, 0x85, 0x14, 0x00, 0x00, 0x00, 0x05, 0x00,
        0x00, 0xe4, 0x1c, 0x04, 0x6b, 0x65, 0x79, 0x31, 0x01, 0x00, 0x04, 0x01, 0x02, 0x73, 0x31,
        0x0a, 0x82, 0x1d, 0x02, 0x05, 0x2f, 0x74, 0x5f, 0x69, 0x70, 0x04, 0x04, 0xf1, 0xf8, 0x82,
        0x6f, 0xf0, 0x97, 0x1c, 0x05, 0xf0, 0xe2, 0x03, 0x16, 0x02, 0x17, 0x02, 0x18, 0x02, 0xf0,
        0xe2, 0x03, 0x0a, 0x85, 0x20, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0xe4, 0x80, 0x7f, 0x00,
        0x00, 0x01, 0x00, 0x03, 0xfd, 0x61, 0x03, 0x00, 0x00, 0x00, 0x00, 0x07, 0x03, 0x03, 0xfd,
        0x61, 0x03, 0x00, 0xfd, 0x61, 0x03, 0x00, 0x00, 0x02,
};

/* live pushes: UPDATE (no expire), INCUPDATE, server_key by id alone once sent */
static const uint8_t live[] = {
        0x0a, 0x82, 0x1d, 0x02, 0x05, 0x2f, 0x74, 0x5f, 0x69, 0x70, 0x04, 0x04, 0xf1, 0xf8, 0x82,
        0x6f, 0xf0, 0x97, 0x1c, 0x05, 0xf0, 0xe2, 0x03, 0x16, 0x02, 0x17, 0x02, 0x18, 0x02, 0xf0,
        0xe2, 0x03, 0x0a, 0x80, 0x19, 0x00, 0x00, 0x00, 0x04, 0x7f, 0x00, 0x00, 0x02, 0x00, 0x01,
        0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x07, 0x01, 0x01, 0x01, 0x01, 0x00, 0x01, 0x01, 0x00,
        0x0a, 0x82, 0x11, 0x01, 0x06, 0x2f, 0x74, 0x5f, 0x73, 0x74, 0x72, 0x06, 0x21, 0xf5, 0xf1,
        0xfe, 0x00, 0xf0, 0x97, 0x1c, 0x0a, 0x80, 0x10, 0x00, 0x00, 0x00, 0x01, 0x04, 0x6b, 0x65,
        0x79, 0x31, 0x01, 0x00, 0x04, 0x01, 0x02, 0x73, 0x31, 0x0a, 0x82, 0x1d, 0x02, 0x05, 0x2f,
        0x74, 0x5f, 0x69, 0x70, 0x04, 0x04, 0xf1, 0xf8, 0x82, 0x6f, 0xf0, 0x97, 0x1c, 0x05, 0xf0,
        0xe2, 0x03, 0x16, 0x02, 0x17, 0x02, 0x18, 0x02, 0xf0, 0xe2, 0x03, 0x0a, 0x80, 0x19, 0x00,
        0x00, 0x00, 0x05, 0x7f, 0x00, 0x00, 0x02, 0x00, 0x01, 0x33, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x07, 0x01, 0x01, 0x33, 0x01, 0x00, 0x33, 0x01, 0x00, 0x0a, 0x82, 0x11, 0x01, 0x06, 0x2f,
        0x74, 0x5f, 0x73, 0x74, 0x72, 0x06, 0x21, 0xf5, 0xf1, 0xfe, 0x00, 0xf0, 0x97, 0x1c, 0x0a,
        0x80, 0x0d, 0x00, 0x00, 0x00, 0x03, 0x04, 0x6b, 0x65, 0x79, 0x31, 0x01, 0x00, 0x01, 0x01,
        0x0a, 0x82, 0x1d, 0x02, 0x05, 0x2f, 0x74, 0x5f, 0x69, 0x70, 0x04, 0x04, 0xf1, 0xf8, 0x82,
        0x6f, 0xf0, 0x97, 0x1c, 0x05, 0xf0, 0xe2, 0x03, 0x16, 0x02, 0x17, 0x02, 0x18, 0x02, 0xf0,
        0xe2, 0x03, 0x0a, 0x80, 0x19, 0x00, 0x00, 0x00, 0x09, 0x7f, 0x00, 0x00, 0x03, 0x00, 0x01,
        0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00,
        0x0a, 0x80, 0x19, 0x00, 0x00, 0x00, 0x0d, 0x7f, 0x00, 0x00, 0x04, 0x00, 0x01, 0x00, 0x01,
        0x00, 0x01, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x0a, 0x81,
        0x15, 0x7f, 0x00, 0x00, 0x03, 0x00, 0x01, 0x32, 0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 0x01,
        0x01, 0x32, 0x01, 0x00, 0x32, 0x01, 0x00, 0x0a, 0x82, 0x11, 0x01, 0x06, 0x2f, 0x74, 0x5f,
        0x73, 0x74, 0x72, 0x06, 0x21, 0xf5, 0xf1, 0xfe, 0x00, 0xf0, 0x97, 0x1c, 0x0a, 0x80, 0x0d,
        0x00, 0x00, 0x00, 0x04, 0x04, 0x6b, 0x65, 0x79, 0x31, 0x01, 0x00, 0x01, 0x01, 0x0a, 0x80,
        0x0d, 0x00, 0x00, 0x00, 0x05, 0x04, 0x6b, 0x65, 0x79, 0x31, 0x01, 0x00, 0x01, 0x01, 0x0a,
        0x82, 0x1d, 0x02, 0x05, 0x2f, 0x74, 0x5f, 0x69, 0x70, 0x04, 0x04, 0xf1, 0xf8, 0x82, 0x6f,
        0xf0, 0x97, 0x1c, 0x05, 0xf0, 0xe2, 0x03, 0x16, 0x02, 0x17, 0x02, 0x18, 0x02, 0xf0, 0xe2,
        0x03, 0x0a, 0x80, 0x19, 0x00, 0x00, 0x00, 0x0f, 0x7f, 0x00, 0x00, 0x04, 0x00, 0x01, 0x32,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x32, 0x01, 0x00, 0x32, 0x01, 0x00,
};

/* haproxy's ACK of our update 42 of the table we called 9, then a heartbeat */
static const uint8_t ack[] = {0x0a, 0x84, 0x05, 0x09, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x04};

/* ---- varints ---- */

START_TEST(test_varint_doc_example)
{
        static const uint8_t want[] = {0xf4, 0x94, 0x01};
        uint8_t b[PEERS_VARINT_MAX];
        const uint8_t *p = want;
        uint64_t v;

        ck_assert_uint_eq(peers_varint_put(b, 0x1234), 3);
        ck_assert(memcmp(b, want, 3) == 0);
        ck_assert_int_eq(peers_varint_get(&p, want + 3, &v), 0);
        ck_assert_uint_eq(v, 0x1234);
        ck_assert_ptr_eq(p, want + 3);
}
END_TEST

/* PEER_ENC_nBYTES_MIN: the least value taking n bytes */
static uint64_t enc_min(unsigned n)
{
        uint64_t m = 0xf0;

        for (unsigned k = 3; k <= n; k++)
                m |= 1ull << (4 + 7 * (k - 2));
        return n == 1 ? 0 : m;
}

static void varint_check(uint64_t v, size_t want_len)
{
        uint8_t b[PEERS_VARINT_MAX];
        size_t n = peers_varint_put(b, v);
        struct guard g = guard_new(b, n);
        const uint8_t *p;
        uint64_t got;

        ck_assert_uint_eq(n, want_len);
        ck_assert_uint_eq(peers_varint_len(v), n);
        p = g.p;
        ck_assert_int_eq(peers_varint_get(&p, g.p + n, &got), 0);
        ck_assert_uint_eq(got, v);
        ck_assert_ptr_eq(p, g.p + n);
        guard_free(&g);
        for (size_t k = 0; k < n; k++) {
                g = guard_new(b, k);
                p = g.p;
                ck_assert_int_eq(peers_varint_get(&p, g.p + k, &got), -EAGAIN);
                ck_assert_ptr_eq(p, g.p);
                guard_free(&g);
        }
}

START_TEST(test_varint_boundaries)
{
        static const uint8_t max[] = {0xff, 0xf0, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0x0e};
        uint8_t b[PEERS_VARINT_MAX];

        ck_assert_uint_eq(enc_min(2), 0xf0);
        ck_assert_uint_eq(enc_min(3), 0x8f0);
        ck_assert_uint_eq(enc_min(10), 0x10204081020408f0ull);
        varint_check(0, 1);
        varint_check(0xef, 1);
        for (unsigned n = 2; n <= PEERS_VARINT_MAX; n++) {
                varint_check(enc_min(n) - 1, n - 1);
                varint_check(enc_min(n), n);
                varint_check(enc_min(n) + 1, n);
        }
        varint_check(UINT32_MAX, 5);
        varint_check(UINT64_MAX, 10);
        ck_assert_uint_eq(peers_varint_put(b, UINT64_MAX), 10);
        ck_assert(memcmp(b, max, 10) == 0);
        /* a pseudo-random walk over the whole range */
        for (uint64_t v = 1, i = 0; i < 2000;
             i++, v = v * 6364136223846793005ull + 1442695040888963407ull)
                varint_check(v >> (i % 64), peers_varint_len(v >> (i % 64)));
}
END_TEST

START_TEST(test_varint_overflow)
{
        /* UINT64_MAX with its last byte one higher: 2^60 too much */
        static const uint8_t over[] = {0xff, 0xf0, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0xfe, 0x0f};
        /* ten bytes that all say "more" */
        static const uint8_t longer[] = {0xf0, 0x80, 0x80, 0x80, 0x80, 0x80,
                                         0x80, 0x80, 0x80, 0x80, 0x00};
        /* the tenth byte alone overflows: 0x10 << 60 */
        static const uint8_t tenth[] = {0xf0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10};
        const uint8_t *p;
        uint64_t v;

        p = over;
        ck_assert_int_eq(peers_varint_get(&p, over + sizeof(over), &v), -EPROTO);
        ck_assert_ptr_eq(p, over);
        p = longer;
        ck_assert_int_eq(peers_varint_get(&p, longer + sizeof(longer), &v), -EPROTO);
        p = tenth;
        ck_assert_int_eq(peers_varint_get(&p, tenth + sizeof(tenth), &v), -EPROTO);
        /* nine bytes of "more" are only a prefix */
        p = longer;
        ck_assert_int_eq(peers_varint_get(&p, longer + 9, &v), -EAGAIN);
}
END_TEST

/* ---- handshake ---- */

START_TEST(test_hello_captured)
{
        struct peers_hello h;
        size_t used;

        ck_assert_int_eq(
                peers_hello_parse((const uint8_t *)cap_hello, strlen(cap_hello), &h, &used), 0);
        ck_assert_uint_eq(used, strlen(cap_hello));
        ck_assert_int_eq(h.status, PEERS_STATUS_OK);
        ck_assert_uint_eq(h.major, 2);
        ck_assert_uint_eq(h.minor, 1);
        ck_assert(str_is(h.remote, "py"));
        ck_assert(str_is(h.local, "hapA"));
        ck_assert(str_is(h.pid, "16401"));
        ck_assert(str_is(h.relative_pid, "1"));
        ck_assert_ptr_null(h.ext.ptr);
}
END_TEST

START_TEST(test_hello_build_parse)
{
        char b[512];
        struct peers_hello h;
        size_t n, used;

        n = peers_hello_build(b, sizeof(b), "py", "hapA", 16401, NULL);
        ck_assert_uint_eq(n, strlen(cap_hello));
        ck_assert(memcmp(b, cap_hello, n) == 0);

        n = peers_hello_build(b, sizeof(b), "hapA", "node-1", 77, "sluice/1 x=y");
        ck_assert(n > 0);
        memcpy(b + n, "\0\1", 2); /* bytes after the hello are not part of it */
        ck_assert_int_eq(peers_hello_parse((const uint8_t *)b, n + 2, &h, &used), 0);
        ck_assert_uint_eq(used, n);
        ck_assert_int_eq(h.status, PEERS_STATUS_OK);
        ck_assert(str_is(h.remote, "hapA"));
        ck_assert(str_is(h.local, "node-1"));
        ck_assert(str_is(h.pid, "77"));
        ck_assert(str_is(h.relative_pid, "1"));
        ck_assert(str_is(h.ext, "sluice/1 x=y"));
        /* every strict prefix asks for more */
        for (size_t k = 0; k < n; k++) {
                struct guard g = guard_new(b, k);

                ck_assert_int_eq(peers_hello_parse(g.p, k, &h, &used), -EAGAIN);
                guard_free(&g);
        }
        /* an empty extension is still one */
        n = peers_hello_build(b, sizeof(b), "a", "b", 1, "");
        ck_assert_int_eq(peers_hello_parse((const uint8_t *)b, n, &h, &used), 0);
        ck_assert(h.ext.ptr && h.ext.len == 0);
        /* what cannot be sent */
        ck_assert_uint_eq(peers_hello_build(b, sizeof(b), "a b", "c", 1, NULL), 0);
        ck_assert_uint_eq(peers_hello_build(b, sizeof(b), "a", "c d", 1, NULL), 0);
        ck_assert_uint_eq(peers_hello_build(b, sizeof(b), "", "c", 1, NULL), 0);
        ck_assert_uint_eq(peers_hello_build(b, sizeof(b), "a\n", "c", 1, NULL), 0);
        ck_assert_uint_eq(peers_hello_build(b, sizeof(b), "a", "c", 1, "x\ny"), 0);
        n = peers_hello_build(b, sizeof(b), "a", "c", 1, NULL);
        ck_assert_uint_eq(peers_hello_build(b, n - 1, "a", "c", 1, NULL), 0);
        ck_assert_uint_eq(peers_hello_build(b, n, "a", "c", 1, NULL), n);
        {
                char big[PEERS_LINE_MAX + 1];

                memset(big, 'x', PEERS_LINE_MAX);
                big[PEERS_LINE_MAX] = 0;
                ck_assert_uint_eq(peers_hello_build(b, sizeof(b), big, "c", 1, NULL), 0);
                big[PEERS_LINE_MAX - 1] = 0; /* with its "\n", just fits */
                ck_assert(peers_hello_build(b, sizeof(b), big, "c", 1, NULL) > 0);
        }
}
END_TEST

struct hello_case {
        const char *in;
        int r;
        enum peers_status_code status;
        size_t used; /* 0: all of it */
};

START_TEST(test_hello_errors)
{
        static const struct hello_case cases[] = {
                {"HAProxyS 2.1\r\nus\r\nthem 1 2\r\n", 0, PEERS_STATUS_OK, 0},
                {"HAProxyS 2.0\nus\nthem 1 2\n", 0, PEERS_STATUS_OK, 0},
                {"HAProxyS 02.01\nus\nthem 1 2\n", 0, PEERS_STATUS_OK, 0},
                /* HAProxy answers as soon as line 1 is read */
                {"HAProxyX 2.1\n", 0, PEERS_STATUS_PROTO, 0},
                {"HAProxyS\n", 0, PEERS_STATUS_PROTO, 0},
                {"haproxys 2.1\n", 0, PEERS_STATUS_PROTO, 0},
                {"HAProxyS 2.2\n", 0, PEERS_STATUS_VERSION, 0},
                {"HAProxyS 3.0\n", 0, PEERS_STATUS_VERSION, 0},
                {"HAProxyS 1.9\n", 0, PEERS_STATUS_VERSION, 0},
                {"HAProxyS 2\n", 0, PEERS_STATUS_VERSION, 0},
                {"HAProxyS 2.\n", 0, PEERS_STATUS_VERSION, 0},
                {"HAProxyS 2.1 \n", 0, PEERS_STATUS_VERSION, 0},
                {"HAProxyS .1\n", 0, PEERS_STATUS_VERSION, 0},
                {"HAProxyS 2.99999999999999999999\n", 0, PEERS_STATUS_VERSION, 0},
                {"HAProxyS 2.1\nus\nthem\n", 0, PEERS_STATUS_PROTO, 0},
                {"HAProxyS 2.1\nus\n", -EAGAIN, 0, 0},
                {"HAProxyS 2.1\nus\nthem 1", -EAGAIN, 0, 0},
                {"HAProxyS 2.1\nus\nthem 1 2\nmore", 0, PEERS_STATUS_OK, 25},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                const struct hello_case *c = &cases[i];
                struct guard g = guard_new(c->in, strlen(c->in));
                struct peers_hello h;
                size_t used = 0;

                ck_assert_msg(peers_hello_parse(g.p, strlen(c->in), &h, &used) == c->r, "%zu", i);
                if (c->r == 0) {
                        ck_assert_msg(h.status == c->status, "%zu: %d", i, h.status);
                        ck_assert_uint_eq(used, c->used ? c->used : strlen(c->in));
                }
                guard_free(&g);
        }
        {
                /* names are views: the caller compares (503) and looks up (504) */
                static const char in[] = "HAProxyS 2.1\r\nus\r\n them 1\r\n";
                struct peers_hello h;
                size_t used;

                ck_assert_int_eq(peers_hello_parse((const uint8_t *)in, strlen(in), &h, &used), 0);
                ck_assert(str_is(h.remote, "us"));
                ck_assert(str_is(h.local, ""));
                ck_assert(str_is(h.pid, "them"));
                ck_assert(str_is(h.relative_pid, "1"));
                ck_assert_ptr_null(h.ext.ptr);
        }
}
END_TEST

START_TEST(test_hello_line_max)
{
        char in[3 * PEERS_LINE_MAX];
        struct peers_hello h;
        size_t used;

        memset(in, 'x', sizeof(in));
        /* a line of PEERS_LINE_MAX bytes with no "\n" is too long: no need to wait more */
        ck_assert_int_eq(peers_hello_parse((const uint8_t *)in, PEERS_LINE_MAX - 1, &h, &used),
                         -EAGAIN);
        ck_assert_int_eq(peers_hello_parse((const uint8_t *)in, PEERS_LINE_MAX, &h, &used),
                         -EPROTO);
        /* line 2 at the limit, "\n" included, is fine; one more byte is not */
        memcpy(in, "HAProxyS 2.1\n", 13);
        in[13 + PEERS_LINE_MAX - 1] = '\n';
        memcpy(in + 13 + PEERS_LINE_MAX, "a 1 1\n", 6);
        ck_assert_int_eq(peers_hello_parse((const uint8_t *)in, 13 + PEERS_LINE_MAX + 6, &h, &used),
                         0);
        ck_assert_uint_eq(h.remote.len, PEERS_LINE_MAX - 1);
        in[13 + PEERS_LINE_MAX - 1] = 'x';
        in[13 + PEERS_LINE_MAX] = '\n';
        ck_assert_int_eq(peers_hello_parse((const uint8_t *)in, 13 + PEERS_LINE_MAX + 1, &h, &used),
                         -EPROTO);
}
END_TEST

START_TEST(test_status)
{
        /* what haproxy answered: to "HAProxyS 2.1\nhapA\npy 4242 1 sluice-ext\n" (its 2.6
         * ignores the extension), then "HAProxyS 3.0", "HAProxyX 2.1", line 2 "nothapA", line 3
         * "stranger 4242 1" and "py" */
        static const char *const captured[] = {"200\n", "502\n", "501\n",
                                               "503\n", "504\n", "501\n"};
        static const unsigned codes[] = {200, 502, 501, 503, 504, 501};
        struct peers_status st;
        char b[64];
        size_t used;

        for (size_t i = 0; i < 6; i++) {
                ck_assert_uint_eq(peers_status_build(b, sizeof(b), codes[i], NULL), 4);
                ck_assert(memcmp(b, captured[i], 4) == 0);
                ck_assert_int_eq(peers_status_parse((const uint8_t *)captured[i], 4, &st, &used),
                                 0);
                ck_assert_uint_eq(st.code, codes[i]);
                ck_assert_uint_eq(used, 4);
                ck_assert_ptr_null(st.ext.ptr);
                for (size_t k = 0; k < 4; k++) {
                        struct guard g = guard_new(captured[i], k);

                        ck_assert_int_eq(peers_status_parse(g.p, k, &st, &used), -EAGAIN);
                        guard_free(&g);
                }
        }
        ck_assert_uint_eq(peers_status_build(b, sizeof(b), PEERS_STATUS_OK, "sluice/1"), 13);
        ck_assert(memcmp(b, "200 sluice/1\n", 13) == 0);
        ck_assert_int_eq(peers_status_parse((const uint8_t *)"300 x y\r\n\x00\x04", 11, &st, &used),
                         0);
        ck_assert_uint_eq(st.code, 300);
        ck_assert(str_is(st.ext, "x y"));
        ck_assert_uint_eq(used, 9);
        ck_assert_uint_eq(peers_status_build(b, 3, 200, NULL), 0);
        ck_assert_uint_eq(peers_status_build(b, sizeof(b), 99, NULL), 0);
        ck_assert_uint_eq(peers_status_build(b, sizeof(b), 1000, NULL), 0);
        ck_assert_uint_eq(peers_status_build(b, sizeof(b), 200, "a\rb"), 0);
        ck_assert_int_eq(peers_status_parse((const uint8_t *)"20\n", 3, &st, &used), -EPROTO);
        ck_assert_int_eq(peers_status_parse((const uint8_t *)"2000\n", 5, &st, &used), -EPROTO);
        ck_assert_int_eq(peers_status_parse((const uint8_t *)"2a0\n", 4, &st, &used), -EPROTO);
        ck_assert_int_eq(peers_status_parse((const uint8_t *)"\n", 1, &st, &used), -EPROTO);
        {
                char big[PEERS_LINE_MAX];

                memset(big, '2', sizeof(big));
                ck_assert_int_eq(peers_status_parse((const uint8_t *)big, sizeof(big), &st, &used),
                                 -EPROTO);
        }
}
END_TEST

/* ---- framing ---- */

START_TEST(test_msg_fixed)
{
        static const uint8_t in[] = {0x00, 0x04, 0x01, 0x01, 0x07, 0x7f};
        struct peers_msg m;
        uint8_t b[2];
        size_t used;

        ck_assert_int_eq(peers_msg_next(in, sizeof(in), 0, &m, &used), 0);
        ck_assert_uint_eq(used, 2);
        ck_assert_uint_eq(m.cls, PEERS_CLASS_CONTROL);
        ck_assert_uint_eq(m.type, PEERS_CTRL_HEARTBEAT);
        ck_assert_ptr_null(m.body);
        ck_assert_uint_eq(m.len, 0);
        ck_assert_int_eq(peers_msg_next(in + 2, 4, 0, &m, &used), 0);
        ck_assert_uint_eq(m.cls, PEERS_CLASS_ERROR);
        ck_assert_uint_eq(m.type, PEERS_ERR_SIZE_LIMIT);
        /* an unknown class passes: HAProxy ignores it */
        ck_assert_int_eq(peers_msg_next(in + 4, 2, 0, &m, &used), 0);
        ck_assert_uint_eq(m.cls, 7);
        ck_assert_int_eq(peers_msg_next(in, 1, 0, &m, &used), -EAGAIN);
        ck_assert_int_eq(peers_msg_next(in, 0, 0, &m, &used), -EAGAIN);
        ck_assert_int_eq(peers_msg_next((const uint8_t *)"\xff\x00", 2, 0, &m, &used), -EPROTO);
        for (uint8_t t = PEERS_CTRL_RESYNC_REQ; t <= PEERS_CTRL_HEARTBEAT; t++) {
                ck_assert_uint_eq(peers_msg_fixed_encode(b, 2, PEERS_CLASS_CONTROL, t), 2);
                ck_assert(b[0] == 0 && b[1] == t);
        }
        ck_assert_uint_eq(peers_msg_fixed_encode(b, 2, PEERS_CLASS_ERROR, PEERS_ERR_PROTOCOL), 2);
        ck_assert(b[0] == 1 && b[1] == 0);
        ck_assert_uint_eq(peers_msg_fixed_encode(b, 1, PEERS_CLASS_ERROR, PEERS_ERR_PROTOCOL), 0);
        ck_assert_uint_eq(peers_msg_fixed_encode(b, 2, PEERS_CLASS_STKT, PEERS_STKT_ACK), 0);
}
END_TEST

START_TEST(test_msg_body)
{
        uint8_t body[300], b[400];
        struct peers_msg m;
        size_t n, used;

        for (size_t i = 0; i < sizeof(body); i++)
                body[i] = (uint8_t)i;
        n = peers_msg_encode(b, sizeof(b), PEERS_CLASS_STKT, 0x99, body, sizeof(body));
        ck_assert_uint_eq(n, 2 + 2 + sizeof(body));
        ck_assert_int_eq(peers_msg_next(b, n, sizeof(body), &m, &used), 0);
        ck_assert_uint_eq(used, n);
        ck_assert_uint_eq(m.type, 0x99);
        ck_assert_uint_eq(m.len, sizeof(body));
        ck_assert(memcmp(m.body, body, sizeof(body)) == 0);
        ck_assert_int_eq(peers_msg_next(b, n, sizeof(body) - 1, &m, &used), -EMSGSIZE);
        for (size_t k = 0; k < n; k++) {
                struct guard g = guard_new(b, k);

                ck_assert_int_eq(peers_msg_next(g.p, k, sizeof(body), &m, &used), -EAGAIN);
                guard_free(&g);
        }
        /* the size limit is known from the length alone */
        ck_assert_int_eq(peers_msg_next(b, 4, 10, &m, &used), -EMSGSIZE);
        /* an empty body */
        n = peers_msg_encode(b, sizeof(b), PEERS_CLASS_STKT, PEERS_STKT_SWITCH, NULL, 0);
        ck_assert_uint_eq(n, 3);
        ck_assert_int_eq(peers_msg_next(b, n, 0, &m, &used), 0);
        ck_assert_uint_eq(m.len, 0);
        ck_assert_uint_eq(peers_msg_encode(b, sizeof(b), PEERS_CLASS_STKT, 0x7f, body, 1), 0);
        ck_assert_uint_eq(peers_msg_encode(b, 2 + 2 + 299, PEERS_CLASS_STKT, 0x80, body, 300), 0);
        {
                /* a length of 5 bytes is read; 6 is a protocol error, known at once */
                static const uint8_t five[] = {0x0a, 0x80, 0xf0, 0x80, 0x80, 0x80, 0x00};
                static const uint8_t six[] = {0x0a, 0x80, 0xf0, 0x80, 0x80, 0x80, 0x80, 0x00};
                static const uint8_t bad[] = {0x00, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff};

                ck_assert_int_eq(peers_msg_next(five, sizeof(five), SIZE_MAX, &m, &used), -EAGAIN);
                ck_assert_int_eq(peers_msg_next(five, sizeof(five), 1000, &m, &used), -EMSGSIZE);
                ck_assert_int_eq(peers_msg_next(six, 6, SIZE_MAX, &m, &used), -EAGAIN);
                ck_assert_int_eq(peers_msg_next(six, 7, SIZE_MAX, &m, &used), -EPROTO);
                ck_assert_int_eq(peers_msg_next(six, 8, SIZE_MAX, &m, &used), -EPROTO);
                /* any class: the type says a length follows */
                ck_assert_int_eq(peers_msg_next(bad, sizeof(bad), SIZE_MAX, &m, &used), -EPROTO);
        }
}
END_TEST

/* ---- captured stick-table messages ---- */

/* Frame @p (all of it), decode every message, re-encode each and compare with the bytes
 * haproxy sent. Each body is decoded from a guarded copy (no read past it), then from @p,
 * whose views outlive the call. Returns the number of updates. */
static unsigned walk(const uint8_t *p, size_t len, struct peers_def *defs, unsigned *n_defs,
                     struct peers_upd *upds, unsigned max_upds)
{
        struct peers_upd *tmp = malloc(sizeof(*tmp));
        struct peers_def *cur = NULL, dtmp;
        unsigned n_upd = 0;
        size_t off = 0;

        ck_assert_ptr_nonnull(tmp);
        *n_defs = 0;
        while (off < len) {
                struct guard g = guard_new(p + off, len - off);
                const uint8_t *body;
                struct peers_msg m;
                struct guard gb;
                uint8_t out[512];
                size_t used, n;

                ck_assert_int_eq(peers_msg_next(g.p, len - off, 16384, &m, &used), 0);
                body = p + off + (m.body ? (size_t)(m.body - g.p) : 0);
                guard_free(&g);
                if (m.cls != PEERS_CLASS_STKT) {
                        ck_assert_uint_eq(m.cls, PEERS_CLASS_CONTROL);
                        off += used;
                        continue;
                }
                gb = guard_new(body, m.len);
                switch (m.type) {
                case PEERS_STKT_DEFINE:
                        ck_assert_int_eq(peers_def_decode(gb.p, m.len, &dtmp), 0);
                        cur = &defs[(*n_defs)++];
                        ck_assert_int_eq(peers_def_decode(body, m.len, cur), 0);
                        n = peers_def_encode(out, sizeof(out), cur);
                        break;
                case PEERS_STKT_ACK: {
                        uint64_t tid;
                        uint32_t id;

                        ck_assert_int_eq(peers_ack_decode(gb.p, m.len, &tid, &id), 0);
                        n = peers_ack_encode(out, sizeof(out), tid, id);
                        break;
                }
                default:
                        ck_assert_ptr_nonnull(cur);
                        ck_assert_uint_lt(n_upd, max_upds);
                        ck_assert_int_eq(peers_upd_decode(cur, m.type, gb.p, m.len, tmp), 0);
                        ck_assert_int_eq(peers_upd_decode(cur, m.type, body, m.len, &upds[n_upd]),
                                         0);
                        n = peers_upd_encode(out, sizeof(out), cur, &upds[n_upd]);
                        n_upd++;
                        break;
                }
                guard_free(&gb);
                ck_assert_uint_eq(n, used);
                ck_assert(memcmp(out, p + off, n) == 0);
                off += used;
        }
        free(tmp);
        return n_upd;
}

START_TEST(test_captured_teach)
{
        struct peers_def defs[4];
        struct peers_upd *u = calloc(4, sizeof(*u));
        unsigned n_defs, n;

        ck_assert_ptr_nonnull(u);
        n = walk(teach, sizeof(teach), defs, &n_defs, u, 4);
        ck_assert_uint_eq(n_defs, 2);
        ck_assert_uint_eq(n, 2);

        ck_assert_uint_eq(defs[0].table_id, 1);
        ck_assert(str_is(defs[0].name, "/t_str"));
        ck_assert_uint_eq(defs[0].key_type, PEERS_KT_STR);
        ck_assert_uint_eq(defs[0].key_size, 33);
        ck_assert_uint_eq(defs[0].data, 1u << PEERS_DT_SERVER_ID | 1u << PEERS_DT_GPC0 |
                                                1u << PEERS_DT_SERVER_KEY);
        ck_assert(defs[0].has_expire);
        ck_assert_uint_eq(defs[0].expire, 60000);

        ck_assert(u[0].has_id && u[0].has_expire);
        ck_assert_uint_eq(u[0].id, 5);
        ck_assert_uint_eq(u[0].expire, 58396);
        ck_assert(u[0].key_len == 4 && memcmp(u[0].key, "key1", 4) == 0);
        ck_assert_uint_eq(u[0].v[PEERS_DT_SERVER_ID].u, 1);
        ck_assert_uint_eq(u[0].v[PEERS_DT_GPC0].u, 0);
        ck_assert_uint_eq(u[0].v[PEERS_DT_SERVER_KEY].dict.id, 1);
        ck_assert(str_is(u[0].v[PEERS_DT_SERVER_KEY].dict.str, "s1"));

        ck_assert_uint_eq(defs[1].table_id, 2);
        ck_assert(str_is(defs[1].name, "/t_ip"));
        ck_assert_uint_eq(defs[1].key_type, PEERS_KT_IPV4);
        ck_assert_uint_eq(defs[1].key_size, 4);
        ck_assert_uint_eq(defs[1].data, 1u << PEERS_DT_SERVER_ID | 1u << PEERS_DT_CONN_CNT |
                                                1u << PEERS_DT_CONN_RATE | 1u << PEERS_DT_CONN_CUR |
                                                1u << PEERS_DT_BYTES_IN_CNT | 1u << PEERS_DT_GPT |
                                                1u << PEERS_DT_GPC | 1u << PEERS_DT_GPC_RATE);
        ck_assert_uint_eq(defs[1].period[PEERS_DT_CONN_RATE], 10000);
        ck_assert_uint_eq(defs[1].nbelem[PEERS_DT_GPT], 2);
        ck_assert_uint_eq(defs[1].nbelem[PEERS_DT_GPC], 2);
        ck_assert_uint_eq(defs[1].nbelem[PEERS_DT_GPC_RATE], 2);
        ck_assert_uint_eq(defs[1].period[PEERS_DT_GPC_RATE], 10000);

        ck_assert_uint_eq(u[1].id, 15);
        ck_assert_uint_eq(u[1].expire, 58496);
        ck_assert(u[1].key_len == 4 && memcmp(u[1].key, "\x7f\0\0\x01", 4) == 0);
        ck_assert_uint_eq(u[1].v[PEERS_DT_CONN_CNT].u, 3);
        ck_assert_uint_eq(u[1].v[PEERS_DT_CONN_RATE].freq.age, 1805);
        ck_assert_uint_eq(u[1].v[PEERS_DT_CONN_RATE].freq.curr, 3);
        ck_assert_uint_eq(u[1].v[PEERS_DT_CONN_RATE].freq.prev, 0);
        ck_assert_uint_eq(u[1].gpt[0], 0);
        ck_assert_uint_eq(u[1].gpt[1], 7);
        ck_assert(u[1].gpc[0] == 3 && u[1].gpc[1] == 3);
        ck_assert_uint_eq(u[1].gpc_rate[1].age, 1805);
        ck_assert_uint_eq(u[1].gpc_rate[1].curr, 3);
        free(u);
}
END_TEST

START_TEST(test_captured_live)
{
        struct peers_def defs[16];
        struct peers_upd *u = calloc(16, sizeof(*u));
        struct peers_dict_rx *rx = malloc(sizeof(*rx));
        struct peers_dict_tx *tx = malloc(sizeof(*tx));
        unsigned n_defs, n, incs = 0;
        struct peers_dict v;
        struct sl_str s;

        ck_assert(u && rx && tx);
        n = walk(live, sizeof(live), defs, &n_defs, u, 16);
        ck_assert_uint_eq(n, 10);
        peers_dict_rx_init(rx);
        peers_dict_tx_init(tx);
        for (unsigned i = 0; i < n; i++) {
                ck_assert(!u[i].has_expire);
                incs += !u[i].has_id;
                if (u[i].key_len == 4 && memcmp(u[i].key, "key1", 4) == 0) {
                        /* the string once, then its id alone: both caches agree */
                        ck_assert_int_eq(
                                peers_dict_rx_apply(rx, &u[i].v[PEERS_DT_SERVER_KEY].dict, &s), 0);
                        ck_assert(str_is(s, "s1"));
                        ck_assert_int_eq(peers_dict_tx_put(tx, SL_STR_LIT("s1"), &v), 0);
                        ck_assert_uint_eq(v.id, u[i].v[PEERS_DT_SERVER_KEY].dict.id);
                        ck_assert(!v.str.ptr == !u[i].v[PEERS_DT_SERVER_KEY].dict.str.ptr);
                }
        }
        /* 127.0.0.3 after 127.0.0.4 (ids 13, 14): an INCUPDATE */
        ck_assert_uint_eq(incs, 1);
        ck_assert(u[5].has_id && u[5].id == 13);
        ck_assert(u[6].key_len == 4 && memcmp(u[6].key, "\x7f\0\0\x03", 4) == 0);
        ck_assert(!u[6].has_id);
        free(u);
        free(rx);
        free(tx);
}
END_TEST

START_TEST(test_captured_ack)
{
        struct peers_def defs[1];
        struct peers_upd u;
        unsigned n_defs;
        uint64_t tid;
        uint32_t id;

        ck_assert_uint_eq(walk(ack, sizeof(ack), defs, &n_defs, &u, 1), 0);
        ck_assert_int_eq(peers_ack_decode(ack + 3, 5, &tid, &id), 0);
        ck_assert_uint_eq(tid, 9);
        ck_assert_uint_eq(id, 42);
        for (size_t k = 0; k < 5; k++) {
                struct guard g = guard_new(ack + 3, k);

                ck_assert_int_eq(peers_ack_decode(g.p, k, &tid, &id), -EPROTO);
                guard_free(&g);
        }
}
END_TEST

/* ---- definitions ---- */

static struct peers_def def_all(void)
{
        struct peers_def d = {
                .table_id = 300,
                .name = SL_STR_LIT("front/t"),
                .key_type = PEERS_KT_STR,
                .key_size = 33,
                .has_expire = true,
                .expire = 600000,
        };

        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                d.data |= 1ull << wt;
                if (peers_dt_info[wt].std == PEERS_STD_FRQP)
                        d.period[wt] = 1000 + wt;
                if (peers_dt_info[wt].is_array)
                        d.nbelem[wt] = wt == PEERS_DT_GPC ? PEERS_ARRAY_MAX : wt - 20;
        }
        return d;
}

static void def_eq(const struct peers_def *a, const struct peers_def *b)
{
        ck_assert_uint_eq(a->table_id, b->table_id);
        ck_assert(a->name.len == b->name.len && memcmp(a->name.ptr, b->name.ptr, a->name.len) == 0);
        ck_assert_uint_eq(a->key_type, b->key_type);
        ck_assert_uint_eq(a->key_size, b->key_size);
        ck_assert_uint_eq(a->data, b->data);
        ck_assert_int_eq(a->has_expire, b->has_expire);
        ck_assert_uint_eq(a->expire, b->expire);
        ck_assert(memcmp(a->period, b->period, sizeof(a->period)) == 0);
        ck_assert(memcmp(a->nbelem, b->nbelem, sizeof(a->nbelem)) == 0);
}

START_TEST(test_def_round_trip)
{
        struct peers_def d = def_all(), got;
        struct peers_msg m;
        uint8_t b[512];
        size_t n, used;

        n = peers_def_encode(b, sizeof(b), &d);
        ck_assert(n > 0);
        ck_assert_int_eq(peers_msg_next(b, n, 4096, &m, &used), 0);
        ck_assert_uint_eq(used, n);
        ck_assert_uint_eq(m.type, PEERS_STKT_DEFINE);
        ck_assert_int_eq(peers_def_decode(m.body, m.len, &got), 0);
        def_eq(&d, &got);
        ck_assert_uint_eq(peers_def_encode(b, n - 1, &d), 0);
        /* bytes after the parameters are skipped */
        {
                uint8_t body[600];

                memcpy(body, m.body, m.len);
                memcpy(body + m.len, "\x01\x02\x03", 3);
                ck_assert_int_eq(peers_def_decode(body, m.len + 3, &got), 0);
                def_eq(&d, &got);
        }
        /* an old peer's form: no expire, no parameters (a rate may go without) */
        d = (struct peers_def){.table_id = 1,
                               .name = SL_STR_LIT("t"),
                               .key_type = PEERS_KT_IPV6,
                               .key_size = 16,
                               .data = 1u << PEERS_DT_CONN_RATE | 1u << PEERS_DT_GPC0};
        n = peers_def_encode(b, sizeof(b), &d);
        ck_assert_uint_eq(n, 3 + 6);
        ck_assert_int_eq(peers_msg_next(b, n, 4096, &m, &used), 0);
        ck_assert_int_eq(peers_def_decode(m.body, m.len, &got), 0);
        def_eq(&d, &got);
        /* what the encoder refuses */
        d = def_all();
        d.data |= 1ull << PEERS_DT_COUNT;
        ck_assert_uint_eq(peers_def_encode(b, sizeof(b), &d), 0);
        d = def_all();
        d.nbelem[PEERS_DT_GPT] = PEERS_ARRAY_MAX + 1;
        ck_assert_uint_eq(peers_def_encode(b, sizeof(b), &d), 0);
        d = def_all();
        d.has_expire = false;
        ck_assert_uint_eq(peers_def_encode(b, sizeof(b), &d), 0);
        d = def_all();
        d.name = SL_STR_NULL;
        ck_assert_uint_eq(peers_def_encode(b, sizeof(b), &d), 0);
}
END_TEST

/* Bytes from hex, spaces ignored; returns their number. */
static size_t unhex(const char *hex, uint8_t *out)
{
        size_t n = 0;

        while (*hex) {
                unsigned v;

                if (*hex == ' ') {
                        hex++;
                        continue;
                }
                ck_assert_int_eq(sscanf(hex, "%2x", &v), 1);
                out[n++] = (uint8_t)v;
                hex += 2;
        }
        return n;
}

struct def_case {
        const char *hex;
        int r;
};

START_TEST(test_def_malformed_ignored)
{
        static const struct def_case cases[] = {
                /* id 1, name "t", ipv4, 4, data gpc0 (2): no expire */
                {"0101740404 04", 0},
                {"0101740404", -EPROTO},   /* no bitfield */
                {"010174", -EPROTO},       /* the name reaches the end */
                {"0100040404", -EPROTO},   /* empty name */
                {"0105747404", -EPROTO},   /* name longer than the body */
                {"01", -EPROTO},           /* no name length */
                {"", -EPROTO},             /* nothing */
                {"0101740404f0", -EPROTO}, /* cut bitfield */
                /* data gpc0, expire cut: absent, fine */
                {"010174040404f0", 0},
                /* data conn_rate (bit 5 = 0x20), expire 16, params: 05 then period 6192 */
                {"01017404042010 05f0f401", 0},
                {"01017404042010 05", 1},       /* period missing */
                {"01017404042010", 1},          /* prefix missing */
                {"01017404042010 04f0f401", 1}, /* prefix of another type */
                {"010174040420", 0},            /* no expire: a rate needs none */
                /* data gpt (bit 22), no expire: ignored */
                {"0101740404 f0f1fe0e", 1},
                /* unknown key type 3 */
                {"0101740304 04", 1},
                /* unknown data bit 40: no parameters read */
                {"0101740404 f0f1fefefefe00 10", 0},
        };
        uint8_t body[64];
        struct peers_def d;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t n = unhex(cases[i].hex, body);
                struct guard g = guard_new(body, n);

                ck_assert_msg(peers_def_decode(g.p, n, &d) == cases[i].r, "case %zu", i);
                guard_free(&g);
        }
}
END_TEST

/* Arrays: the count given, or ignored when missing, too long or mislabelled. */
START_TEST(test_def_arrays)
{
        struct peers_def d = {.table_id = 7,
                              .name = SL_STR_LIT("t"),
                              .key_type = PEERS_KT_BIN,
                              .key_size = 8,
                              .data = 1u << PEERS_DT_GPT | 1u << PEERS_DT_GPC_RATE,
                              .has_expire = true,
                              .expire = 5};
        struct peers_def got;
        struct peers_msg m;
        uint8_t b[128], body[128];
        size_t n, used;

        d.nbelem[PEERS_DT_GPT] = 3;
        d.nbelem[PEERS_DT_GPC_RATE] = 2;
        d.period[PEERS_DT_GPC_RATE] = 2000;
        n = peers_def_encode(b, sizeof(b), &d);
        ck_assert_int_eq(peers_msg_next(b, n, 4096, &m, &used), 0);
        memcpy(body, m.body, m.len);
        ck_assert_int_eq(peers_def_decode(body, m.len, &got), 0);
        def_eq(&d, &got);
        /* cut in the parameters: ignored; before the expire: the expire is absent, and an
         * array without it is ignored too; before that: malformed */
        for (size_t k = 0; k < m.len; k++) {
                struct guard g = guard_new(body, k);
                int r = peers_def_decode(g.p, k, &got);

                ck_assert_msg(k < 9 ? r == -EPROTO : r == 1, "%zu: %d", k, r);
                guard_free(&g);
        }
        /* more than PEERS_ARRAY_MAX elements: cannot be held, ignored */
        d.nbelem[PEERS_DT_GPT] = PEERS_ARRAY_MAX + 1;
        {
                /* the encoder refuses it: build the body by hand from the valid one */
                size_t at = 10; /* after id, name, key type, key size, 4-byte bitfield, expire */

                ck_assert_uint_eq(body[at], PEERS_DT_GPT);
                body[at + 1] = PEERS_ARRAY_MAX + 1;
                ck_assert_int_eq(peers_def_decode(body, m.len, &got), 1);
                body[at + 1] = PEERS_ARRAY_MAX;
                ck_assert_int_eq(peers_def_decode(body, m.len, &got), 0);
                ck_assert_uint_eq(got.nbelem[PEERS_DT_GPT], PEERS_ARRAY_MAX);
        }
}
END_TEST

/* ---- updates ---- */

static void fill_upd(const struct peers_def *d, struct peers_upd *u, unsigned seed)
{
        memset(u, 0, sizeof(*u));
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                uint64_t x = (uint64_t)seed * 0x9e3779b97f4a7c15ull * (wt + 1);

                switch (peers_dt_info[wt].std) {
                case PEERS_STD_FRQP:
                        u->v[wt].freq = (struct peers_freq){x % 10000, x >> 40, x >> 50};
                        break;
                case PEERS_STD_DICT:
                        u->v[wt].dict =
                                (struct peers_dict){1 + seed % PEERS_DICT_ENTRIES,
                                                    seed & 1 ? SL_STR_LIT("srv-a") : SL_STR_NULL};
                        break;
                default:
                        u->v[wt].u = x >> (seed % 64);
                        break;
                }
        }
        for (unsigned i = 0; i < PEERS_ARRAY_MAX; i++) {
                u->gpt[i] = i * seed;
                u->gpc[i] = (uint64_t)i << 40;
                u->gpc_rate[i] = (struct peers_freq){i, i * 2, i * 3};
        }
        (void)d;
}

static void upd_eq(const struct peers_def *d, const struct peers_upd *a, const struct peers_upd *b)
{
        ck_assert_int_eq(a->has_id, b->has_id);
        ck_assert_int_eq(a->has_expire, b->has_expire);
        if (a->has_id)
                ck_assert_uint_eq(a->id, b->id);
        if (a->has_expire)
                ck_assert_uint_eq(a->expire, b->expire);
        if (d->key_type == PEERS_KT_SINT) {
                ck_assert_uint_eq(a->key_int, b->key_int);
        } else {
                ck_assert_uint_eq(a->key_len, b->key_len);
                ck_assert(a->key_len == 0 || memcmp(a->key, b->key, a->key_len) == 0);
        }
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                const union peers_val *x = &a->v[wt], *y = &b->v[wt];

                if (!(d->data & 1ull << wt) || peers_dt_info[wt].is_array)
                        continue;
                switch (peers_dt_info[wt].std) {
                case PEERS_STD_FRQP:
                        ck_assert(memcmp(&x->freq, &y->freq, sizeof(x->freq)) == 0);
                        break;
                case PEERS_STD_DICT:
                        ck_assert_uint_eq(x->dict.id, y->dict.id);
                        ck_assert(!x->dict.str.ptr == !y->dict.str.ptr);
                        ck_assert_uint_eq(x->dict.str.len, y->dict.str.len);
                        ck_assert(x->dict.str.len == 0 ||
                                  memcmp(x->dict.str.ptr, y->dict.str.ptr, x->dict.str.len) == 0);
                        break;
                default:
                        ck_assert_uint_eq(x->u, y->u);
                        break;
                }
        }
        for (unsigned i = 0; d->data & 1u << PEERS_DT_GPT && i < d->nbelem[PEERS_DT_GPT]; i++)
                ck_assert_uint_eq(a->gpt[i], b->gpt[i]);
        for (unsigned i = 0; d->data & 1u << PEERS_DT_GPC && i < d->nbelem[PEERS_DT_GPC]; i++)
                ck_assert_uint_eq(a->gpc[i], b->gpc[i]);
        for (unsigned i = 0; d->data & 1u << PEERS_DT_GPC_RATE && i < d->nbelem[PEERS_DT_GPC_RATE];
             i++)
                ck_assert(memcmp(&a->gpc_rate[i], &b->gpc_rate[i], sizeof(a->gpc_rate[i])) == 0);
}

/* Encode @u for @d, check the message type, decode it back (and every cut of its body). */
static void upd_round_trip(const struct peers_def *d, const struct peers_upd *u, uint8_t want_type)
{
        static uint8_t b[16384];
        struct peers_upd *got = malloc(sizeof(*got));
        struct peers_msg m;
        struct guard g;
        size_t n, used;

        ck_assert_ptr_nonnull(got);
        n = peers_upd_encode(b, sizeof(b), d, u);
        ck_assert(n > 0);
        ck_assert_int_eq(peers_msg_next(b, n, sizeof(b), &m, &used), 0);
        ck_assert_uint_eq(used, n);
        ck_assert_uint_eq(m.cls, PEERS_CLASS_STKT);
        ck_assert_uint_eq(m.type, want_type);
        g = guard_new(m.body, m.len);
        ck_assert_int_eq(peers_upd_decode(d, m.type, g.p, m.len, got), 0);
        upd_eq(d, u, got);
        guard_free(&g);
        for (size_t k = 0; k < m.len; k++) {
                g = guard_new(m.body, k);
                ck_assert_int_eq(peers_upd_decode(d, m.type, g.p, k, got), -EPROTO);
                guard_free(&g);
        }
        ck_assert_uint_eq(peers_upd_encode(b, n - 1, d, u), 0);
        free(got);
}

START_TEST(test_upd_round_trip)
{
        static const uint8_t kts[] = {PEERS_KT_SINT, PEERS_KT_IPV4, PEERS_KT_IPV6, PEERS_KT_STR,
                                      PEERS_KT_BIN};
        static const uint8_t key[64] = "0123456789abcdef0123456789abcdef0123456789abcdef";
        struct peers_def d = def_all();
        struct peers_upd *u = malloc(sizeof(*u));

        ck_assert_ptr_nonnull(u);
        for (unsigned k = 0; k < sizeof(kts); k++) {
                d.key_type = kts[k];
                d.key_size = kts[k] == PEERS_KT_IPV4 ? 4 : kts[k] == PEERS_KT_IPV6 ? 16 : 40;
                for (unsigned form = 0; form < 4; form++) {
                        static const uint8_t types[] = {PEERS_STKT_INCUPDATE, PEERS_STKT_UPDATE,
                                                        PEERS_STKT_INCUPDATE_TIMED,
                                                        PEERS_STKT_UPDATE_TIMED};

                        fill_upd(&d, u, k * 4 + form + 1);
                        u->has_id = form & 1;
                        u->has_expire = form & 2;
                        u->id = 0xfedcba98;
                        u->expire = 12345;
                        u->key_int = 0x7f000001;
                        u->key = key;
                        u->key_len = kts[k] == PEERS_KT_STR ? 37 : (size_t)d.key_size;
                        upd_round_trip(&d, u, types[form]);
                }
        }
        /* one data type at a time, and none */
        d = def_all();
        for (unsigned wt = 0; wt <= PEERS_DT_COUNT; wt++) {
                struct peers_def one = d;

                one.data = wt < PEERS_DT_COUNT ? 1ull << wt : 0;
                fill_upd(&one, u, wt + 7);
                u->key = key;
                u->key_len = 0; /* an empty string key */
                upd_round_trip(&one, u, PEERS_STKT_INCUPDATE);
        }
        /* a dictionary value with an empty string, and "no entry" */
        d.data = 1u << PEERS_DT_SERVER_KEY;
        u->v[PEERS_DT_SERVER_KEY].dict = (struct peers_dict){3, sl_str_make("", 0)};
        upd_round_trip(&d, u, PEERS_STKT_INCUPDATE);
        u->v[PEERS_DT_SERVER_KEY].dict = (struct peers_dict){0, SL_STR_NULL};
        upd_round_trip(&d, u, PEERS_STKT_INCUPDATE);
        free(u);
}
END_TEST

START_TEST(test_upd_refused)
{
        static uint8_t b[8192];
        struct peers_def d = def_all();
        struct peers_upd *u = calloc(1, sizeof(*u));

        ck_assert_ptr_nonnull(u);
        u->key = (const uint8_t *)"k";
        u->key_len = 1;
        ck_assert(peers_upd_encode(b, sizeof(b), &d, u) > 0);
        /* a dictionary id out of range, or 0 with a string */
        u->v[PEERS_DT_SERVER_KEY].dict = (struct peers_dict){PEERS_DICT_ENTRIES + 1, SL_STR_NULL};
        ck_assert_uint_eq(peers_upd_encode(b, sizeof(b), &d, u), 0);
        u->v[PEERS_DT_SERVER_KEY].dict = (struct peers_dict){0, SL_STR_LIT("x")};
        ck_assert_uint_eq(peers_upd_encode(b, sizeof(b), &d, u), 0);
        u->v[PEERS_DT_SERVER_KEY].dict = (struct peers_dict){0, SL_STR_NULL};
        /* a fixed-size key of another size */
        d.key_type = PEERS_KT_IPV4;
        d.key_size = 4;
        ck_assert_uint_eq(peers_upd_encode(b, sizeof(b), &d, u), 0);
        /* the decoder refuses what is not an update and a definition it cannot hold */
        d = def_all();
        ck_assert_int_eq(peers_upd_decode(&d, PEERS_STKT_ACK, b, 10, u), -EINVAL);
        d.nbelem[PEERS_DT_GPC] = PEERS_ARRAY_MAX + 1;
        ck_assert_int_eq(peers_upd_decode(&d, PEERS_STKT_UPDATE, b, 10, u), -EINVAL);
        ck_assert_uint_eq(peers_upd_encode(b, sizeof(b), &d, u), 0);
        free(u);
}
END_TEST

struct upd_case {
        const char *hex;
        int r;
};

START_TEST(test_upd_malformed)
{
        /* table: string keys, server_id and server_key */
        struct peers_def d = {.key_type = PEERS_KT_STR,
                              .key_size = 33,
                              .data = 1u << PEERS_DT_SERVER_ID | 1u << PEERS_DT_SERVER_KEY};
        static const struct upd_case cases[] = {
                {"016b 05 00", 0},                  /* key "k", server_id 5, no entry */
                {"016b 05 00 abcdef", 0},           /* trailing bytes */
                {"016b 05 0101", 0},                /* id 1 alone */
                {"016b 05 040102 7331", 0},         /* id 1, "s1" */
                {"016b 05 020100", 0},              /* id 1, "" */
                {"026b 05 00", -EPROTO},            /* key beyond its bytes: server_key cut */
                {"056b", -EPROTO},                  /* key beyond the body */
                {"016b 05 0100", -EPROTO},          /* id 0 */
                {"016b 05 02f0 00", -EPROTO},       /* id 240 > 128 */
                {"016b 05 0181", -EPROTO},          /* id 129 */
                {"016b 05 0180", 0},                /* id 128 */
                {"016b 05 050102 733100", -EPROTO}, /* a byte left inside the length */
                {"016b 05 040103 7331", -EPROTO},   /* string beyond the length */
                {"016b 05 05", -EPROTO},            /* length beyond the body */
                {"016b 05 01f0", -EPROTO},          /* cut id inside the length */
        };
        uint8_t body[64];
        struct peers_upd *u = malloc(sizeof(*u));

        ck_assert_ptr_nonnull(u);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                size_t n = unhex(cases[i].hex, body);
                struct guard g = guard_new(body, n);

                ck_assert_msg(peers_upd_decode(&d, PEERS_STKT_INCUPDATE, g.p, n, u) == cases[i].r,
                              "case %zu", i);
                guard_free(&g);
        }
        /* the full key is reported; the caller keeps key_size - 1 bytes as HAProxy does */
        d.key_size = 3;
        d.data = 0;
        ck_assert_int_eq(
                peers_upd_decode(&d, PEERS_STKT_INCUPDATE, (const uint8_t *)"\x05hello", 6, u), 0);
        ck_assert(u->key_len == 5 && memcmp(u->key, "hello", 5) == 0);
        /* bits of unknown types carry no value HAProxy 2.6 reads */
        d.data = 1ull << 40;
        ck_assert_int_eq(peers_upd_decode(&d, PEERS_STKT_INCUPDATE, (const uint8_t *)"\x01k", 2, u),
                         0);
        free(u);
}
END_TEST

START_TEST(test_switch_ack)
{
        static const uint64_t ids[] = {0, 1, 0xef, 0xf0, UINT32_MAX, UINT64_MAX};
        uint8_t b[32];
        struct peers_msg m;
        size_t n, used;

        for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
                uint64_t tid;
                uint32_t id;

                n = peers_switch_encode(b, sizeof(b), ids[i]);
                ck_assert_int_eq(peers_msg_next(b, n, 64, &m, &used), 0);
                ck_assert_uint_eq(m.type, PEERS_STKT_SWITCH);
                ck_assert_int_eq(peers_switch_decode(m.body, m.len, &tid), 0);
                ck_assert_uint_eq(tid, ids[i]);
                for (size_t k = 0; k < m.len; k++) {
                        struct guard g = guard_new(m.body, k);

                        ck_assert_int_eq(peers_switch_decode(g.p, k, &tid), -EPROTO);
                        guard_free(&g);
                }
                ck_assert_uint_eq(peers_switch_encode(b, n - 1, ids[i]), 0);

                n = peers_ack_encode(b, sizeof(b), ids[i], (uint32_t)ids[i] ^ 0x55aa55aa);
                ck_assert_int_eq(peers_msg_next(b, n, 64, &m, &used), 0);
                ck_assert_uint_eq(m.type, PEERS_STKT_ACK);
                ck_assert_int_eq(peers_ack_decode(m.body, m.len, &tid, &id), 0);
                ck_assert_uint_eq(tid, ids[i]);
                ck_assert_uint_eq(id, (uint32_t)ids[i] ^ 0x55aa55aa);
                ck_assert_uint_eq(peers_ack_encode(b, n - 1, ids[i], 0), 0);
        }
}
END_TEST

/* ---- dictionary caches ---- */

START_TEST(test_dict_caches)
{
        struct peers_dict_rx *rx = malloc(sizeof(*rx));
        struct peers_dict_tx *tx = malloc(sizeof(*tx));
        char name[PEERS_DICT_STR_MAX + 2];
        struct peers_dict v;
        struct sl_str s;

        ck_assert(rx && tx);
        peers_dict_rx_init(rx);
        peers_dict_tx_init(tx);
        /* the first PEERS_DICT_ENTRIES names take ids 1..128, then the first slot again */
        for (unsigned i = 0; i <= PEERS_DICT_ENTRIES; i++) {
                int n = snprintf(name, sizeof(name), "srv%u", i);

                ck_assert_int_eq(peers_dict_tx_put(tx, sl_str_make(name, (size_t)n), &v), 0);
                ck_assert_uint_eq(v.id, i % PEERS_DICT_ENTRIES + 1);
                ck_assert(str_is(v.str, name));
                ck_assert_int_eq(peers_dict_rx_apply(rx, &v, &s), 0);
                ck_assert(str_is(s, name));
                /* again: the id alone, which the receiver resolves */
                ck_assert_int_eq(peers_dict_tx_put(tx, sl_str_make(name, (size_t)n), &v), 0);
                ck_assert_ptr_null(v.str.ptr);
                ck_assert_int_eq(peers_dict_rx_apply(rx, &v, &s), 0);
                ck_assert(str_is(s, name));
        }
        /* srv0 lost its slot to srv128 */
        ck_assert_int_eq(peers_dict_tx_put(tx, SL_STR_LIT("srv0"), &v), 0);
        ck_assert(v.str.ptr && v.id == 2);
        memset(name, 'n', sizeof(name));
        ck_assert_int_eq(peers_dict_tx_put(tx, sl_str_make(name, PEERS_DICT_STR_MAX + 1), &v),
                         -E2BIG);
        ck_assert_int_eq(peers_dict_tx_put(tx, sl_str_make(name, PEERS_DICT_STR_MAX), &v), 0);
        ck_assert_int_eq(peers_dict_rx_apply(rx, &v, &s), 0);
        ck_assert_uint_eq(s.len, PEERS_DICT_STR_MAX);
        /* the receiver: unknown ids, too long strings empty the slot */
        peers_dict_rx_init(rx);
        v = (struct peers_dict){5, SL_STR_NULL};
        ck_assert_int_eq(peers_dict_rx_apply(rx, &v, &s), -ENOENT);
        v = (struct peers_dict){5, SL_STR_LIT("a")};
        ck_assert_int_eq(peers_dict_rx_apply(rx, &v, &s), 0);
        v = (struct peers_dict){5, sl_str_make(name, PEERS_DICT_STR_MAX + 1)};
        ck_assert_int_eq(peers_dict_rx_apply(rx, &v, &s), -E2BIG);
        v = (struct peers_dict){5, SL_STR_NULL};
        ck_assert_int_eq(peers_dict_rx_apply(rx, &v, &s), -ENOENT);
        v = (struct peers_dict){PEERS_DICT_ENTRIES + 1, SL_STR_NULL};
        ck_assert_int_eq(peers_dict_rx_apply(rx, &v, &s), -EINVAL);
        v = (struct peers_dict){0, SL_STR_NULL};
        ck_assert_int_eq(peers_dict_rx_apply(rx, &v, &s), 0);
        ck_assert_ptr_null(s.ptr);
        free(rx);
        free(tx);
}
END_TEST

START_TEST(test_dt_table)
{
        /* HAProxy 2.6's src/stick_table.c, checked by hand */
        ck_assert_str_eq(peers_dt_info[PEERS_DT_SERVER_ID].name, "server_id");
        ck_assert_int_eq(peers_dt_info[PEERS_DT_SERVER_ID].std, PEERS_STD_SINT);
        ck_assert_int_eq(peers_dt_info[PEERS_DT_BYTES_OUT_CNT].std, PEERS_STD_ULL);
        ck_assert_int_eq(peers_dt_info[PEERS_DT_GPC].std, PEERS_STD_UINT);
        ck_assert_int_eq(peers_dt_info[PEERS_DT_SERVER_KEY].std, PEERS_STD_DICT);
        ck_assert(peers_dt_info[PEERS_DT_CONN_CUR].is_local);
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                ck_assert_ptr_nonnull(peers_dt_info[wt].name);
                ck_assert(peers_dt_info[wt].is_array ==
                          (wt == PEERS_DT_GPT || wt == PEERS_DT_GPC || wt == PEERS_DT_GPC_RATE));
                ck_assert(peers_dt_info[wt].is_local == (wt == PEERS_DT_CONN_CUR));
                /* the rates end in "_rate" */
                ck_assert((peers_dt_info[wt].std == PEERS_STD_FRQP) ==
                          (strstr(peers_dt_info[wt].name, "_rate") != NULL));
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("proto/peers");
        TCase *tc;

        tc = tcase_create("varint");
        tcase_add_test(tc, test_varint_doc_example);
        tcase_add_test(tc, test_varint_boundaries);
        tcase_add_test(tc, test_varint_overflow);
        suite_add_tcase(s, tc);

        tc = tcase_create("handshake");
        tcase_add_test(tc, test_hello_captured);
        tcase_add_test(tc, test_hello_build_parse);
        tcase_add_test(tc, test_hello_errors);
        tcase_add_test(tc, test_hello_line_max);
        tcase_add_test(tc, test_status);
        suite_add_tcase(s, tc);

        tc = tcase_create("framing");
        tcase_add_test(tc, test_msg_fixed);
        tcase_add_test(tc, test_msg_body);
        suite_add_tcase(s, tc);

        tc = tcase_create("captured");
        tcase_add_test(tc, test_captured_teach);
        tcase_add_test(tc, test_captured_live);
        tcase_add_test(tc, test_captured_ack);
        suite_add_tcase(s, tc);

        tc = tcase_create("define");
        tcase_add_test(tc, test_def_round_trip);
        tcase_add_test(tc, test_def_malformed_ignored);
        tcase_add_test(tc, test_def_arrays);
        suite_add_tcase(s, tc);

        tc = tcase_create("update");
        tcase_add_test(tc, test_upd_round_trip);
        tcase_add_test(tc, test_upd_refused);
        tcase_add_test(tc, test_upd_malformed);
        tcase_add_test(tc, test_switch_ack);
        suite_add_tcase(s, tc);

        tc = tcase_create("dict");
        tcase_add_test(tc, test_dict_caches);
        tcase_add_test(tc, test_dt_table);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
