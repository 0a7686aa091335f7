/* The PROXY protocol codec: every valid form of v1 and v2, every kind of malformation (each
 * refused at the very byte that makes it wrong, its prefix one byte shorter still waiting for
 * more), each valid header fed one byte at a time, the address grammars checked against
 * inet_pton() over every short string, TLV and SSL sub-TLV iteration, the builders read back
 * by the parser, CRC32C test vectors, and headers captured from HAProxy 2.6, which the
 * builders must reproduce byte for byte. Parsed input sits against a PROT_NONE page, so a
 * read past its end faults.
 *
 * The captures: Debian's haproxy 2.6.12-1+deb12u4 in mode tcp, each server line pointing at
 * a Python script that recorded the bytes of the first connection:
 *   - hap_v2_tcp4: a frontend with accept-proxy and "unique-id-format %ci:%cp_%fi:%fp",
 *     "server s send-proxy-v2 proxy-v2-options crc32c,unique-id,authority"; the client sent
 *     a v2 header for 192.0.2.10:51234 -> 198.51.100.20:443 with an AUTHORITY TLV
 *     "example.com", which haproxy passed on;
 *   - hap_v2_tls: "bind ... ssl crt ... ca-file ... verify optional alpn h2,http/1.1", the
 *     server with "proxy-v2-options crc32c,unique-id,authority,ssl,cert-cn,ssl-cipher,
 *     cert-sig,cert-key"; a Python TLS client with SNI "example.com", ALPN "h2" and a
 *     client certificate of CN "client.example";
 *   - hap_v2_mixed and hap_v1_mixed: "tcp-request session set-src str(2001:db8::7)" after
 *     accept-proxy of "PROXY TCP4 192.0.2.10 198.51.100.20 51234 443", with send-proxy-v2
 *     and send-proxy: an IPv6 source and an IPv4 destination;
 *   - hap_v2_tcp6 and hap_v1_tcp6: accept-proxy of "PROXY TCP6 2001:db8::1 2001:db8:0:1::2
 *     51234 443", then send-proxy-v2 with proxy-v2-options crc32c, and send-proxy;
 *   - hap_v1_tcp4: send-proxy after accept-proxy of the same TCP4 line;
 *   - hap_v2_check: a health check of "server s ... check check-send-proxy send-proxy-v2
 *     proxy-v2-options crc32c" (LOCAL, AF_UNSPEC, a CRC32C TLV alone). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "macros.h"
#include "proxy_hdr.h"
#include "unit.h"

/* pp_parse() of the @n bytes at @s, from a guarded copy */
static int parse_guarded(const void *s, size_t n, struct pp_info *ret)
{
        struct guard g = guard_new(s, n);
        int r = pp_parse(g.p, n, ret);

        guard_free(&g);
        return r;
}

/* Hex with spaces anywhere; "sig" for the v2 signature; "xx*N" for N bytes xx. */
static size_t hex(const char *s, uint8_t *out, size_t cap)
{
        size_t n = 0;

        while (*s) {
                unsigned v;

                if (*s == ' ') {
                        s++;
                } else if (!strncmp(s, "sig", 3)) {
                        ck_assert(n + PP_V2_SIG_LEN <= cap);
                        memcpy(out + n, pp_v2_sig, PP_V2_SIG_LEN);
                        n += PP_V2_SIG_LEN;
                        s += 3;
                } else if (s[1] && s[2] == '*') {
                        char *end;
                        unsigned long k;

                        ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
                        k = strtoul(s + 3, &end, 10);
                        ck_assert(n + k <= cap);
                        memset(out + n, (int)v, k);
                        n += k;
                        s = end;
                } else {
                        ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
                        ck_assert(n < cap);
                        out[n++] = (uint8_t)v;
                        s += 2;
                }
        }
        return n;
}

static struct sockaddr_storage sa(const char *text, uint16_t port)
{
        struct sockaddr_storage ss;

        memset(&ss, 0, sizeof(ss));
        if (strchr(text, ':')) {
                struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

                a->sin6_family = AF_INET6;
                ck_assert_int_eq(inet_pton(AF_INET6, text, &a->sin6_addr), 1);
                a->sin6_port = htons(port);
        } else {
                struct sockaddr_in *a = (struct sockaddr_in *)&ss;

                a->sin_family = AF_INET;
                ck_assert_int_eq(inet_pton(AF_INET, text, &a->sin_addr), 1);
                a->sin_port = htons(port);
        }
        return ss;
}

static struct sockaddr_storage sa_unix(const char *path)
{
        struct sockaddr_storage ss;
        struct sockaddr_un *a = (struct sockaddr_un *)&ss;

        memset(&ss, 0, sizeof(ss));
        a->sun_family = AF_UNIX;
        snprintf(a->sun_path, sizeof(a->sun_path), "%s", path);
        return ss;
}

/* Same family, address and port. */
static bool sa_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
        if (a->ss_family != b->ss_family)
                return false;
        if (a->ss_family == AF_INET) {
                const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

                return x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
        }
        if (a->ss_family == AF_INET6) {
                const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

                return !memcmp(&x->sin6_addr, &y->sin6_addr, 16) && x->sin6_port == y->sin6_port;
        }
        return false;
}

static void addr_is(const struct sockaddr_storage *got, const char *text, uint16_t port)
{
        struct sockaddr_storage want = sa(text, port);

        ck_assert_msg(sa_eq(got, &want), "not %s port %u", text, port);
}

static bool str_is(struct sl_str s, const char *want)
{
        return s.ptr && s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

/* A valid header of @n bytes: every strict prefix waits for more, all of it parses (followed
 * by other bytes or not) to @n, and pp_want() tells the length of a v2 one from 16 bytes.
 * *@ret is what @b parses to (its views point into @b). */
static void complete_check(const uint8_t *b, size_t n, struct pp_info *ret)
{
        uint8_t more[PP_HDR_MAX + 32];
        struct pp_info info;

        for (size_t k = 0; k < n; k++) {
                ck_assert_msg(parse_guarded(b, k, &info) == 0, "prefix of %zu bytes", k);
                if (b[0] == pp_v2_sig[0])
                        ck_assert_uint_eq(pp_want(b, k), k >= PP_V2_FIXED ? n : 0);
                else
                        ck_assert_uint_eq(pp_want(b, k), 0);
        }
        ck_assert_int_eq(parse_guarded(b, n, &info), (int)n);
        ck_assert_int_eq(pp_parse(b, n, ret), (int)n);
        ck_assert_uint_eq(ret->hdr_len, n);
        memcpy(more, b, n);
        memcpy(more + n, "GET / HTTP/1.1\r\n\r\n", 18);
        ck_assert_int_eq(parse_guarded(more, n + 18, &info), (int)n);
        ck_assert(info.local == ret->local);
}

/* A malformed input, refused at its last byte: one byte shorter, it was still a prefix. */
static void refused_check(const uint8_t *b, size_t n, const char *what)
{
        struct pp_info info;

        ck_assert_msg(n > 0, "%s", what);
        ck_assert_msg(parse_guarded(b, n, &info) == -EPROTO, "%s: not refused", what);
        ck_assert_msg(parse_guarded(b, n - 1, &info) == 0, "%s: refused too early", what);
}

/* ---- captured from HAProxy 2.6.12 ---- */

static const uint8_t hap_v2_tcp4[] = {
        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00,
        0x46, 0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14, 0xc8, 0x22, 0x01, 0xbb, 0x03, 0x00,
        0x04, 0xa3, 0x39, 0x8f, 0xfd, 0x02, 0x00, 0x0b, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
        0x2e, 0x63, 0x6f, 0x6d, 0x05, 0x00, 0x22, 0x31, 0x39, 0x32, 0x2e, 0x30, 0x2e, 0x32, 0x2e,
        0x31, 0x30, 0x3a, 0x35, 0x31, 0x32, 0x33, 0x34, 0x5f, 0x31, 0x39, 0x38, 0x2e, 0x35, 0x31,
        0x2e, 0x31, 0x30, 0x30, 0x2e, 0x32, 0x30, 0x3a, 0x34, 0x34, 0x33,
};

static const uint8_t hap_v2_tls[] = {
        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00,
        0x9b, 0x7f, 0x00, 0x00, 0x01, 0x7f, 0x00, 0x00, 0x01, 0xcc, 0xd6, 0x52, 0x6f, 0x03, 0x00,
        0x04, 0x46, 0xb1, 0x08, 0x55, 0x01, 0x00, 0x02, 0x68, 0x32, 0x02, 0x00, 0x0b, 0x65, 0x78,
        0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x63, 0x6f, 0x6d, 0x05, 0x00, 0x1f, 0x31, 0x32, 0x37,
        0x2e, 0x30, 0x2e, 0x30, 0x2e, 0x31, 0x3a, 0x35, 0x32, 0x34, 0x33, 0x38, 0x5f, 0x31, 0x32,
        0x37, 0x2e, 0x30, 0x2e, 0x30, 0x2e, 0x31, 0x3a, 0x32, 0x31, 0x31, 0x30, 0x33, 0x20, 0x00,
        0x50, 0x07, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x07, 0x54, 0x4c, 0x53, 0x76, 0x31, 0x2e,
        0x33, 0x22, 0x00, 0x0e, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x2e, 0x65, 0x78, 0x61, 0x6d,
        0x70, 0x6c, 0x65, 0x25, 0x00, 0x07, 0x52, 0x53, 0x41, 0x32, 0x30, 0x34, 0x38, 0x24, 0x00,
        0x0a, 0x52, 0x53, 0x41, 0x2d, 0x53, 0x48, 0x41, 0x32, 0x35, 0x36, 0x23, 0x00, 0x16, 0x54,
        0x4c, 0x53, 0x5f, 0x41, 0x45, 0x53, 0x5f, 0x32, 0x35, 0x36, 0x5f, 0x47, 0x43, 0x4d, 0x5f,
        0x53, 0x48, 0x41, 0x33, 0x38, 0x34,
};

static const uint8_t hap_v2_mixed[] = {
        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21,
        0x21, 0x00, 0x24, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0xff, 0xff, 0xc6, 0x33, 0x64, 0x14, 0xc8, 0x22, 0x01, 0xbb,
};

static const uint8_t hap_v2_tcp6[] = {
        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x21, 0x00,
        0x2b, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x02, 0xc8, 0x22, 0x01, 0xbb, 0x03, 0x00, 0x04, 0x07, 0xd5, 0x2f, 0xfd,
};

static const uint8_t hap_v2_check[] = {
        0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
        0x20, 0x00, 0x00, 0x07, 0x03, 0x00, 0x04, 0xa9, 0xb8, 0x7e, 0x8f,
};

static const char hap_v1_tcp4[] = "PROXY TCP4 192.0.2.10 198.51.100.20 51234 443\r\n";
static const char hap_v1_mixed[] = "PROXY TCP6 2001:db8::7 ::ffff:198.51.100.20 51234 443\r\n";
static const char hap_v1_tcp6[] = "PROXY TCP6 2001:db8::1 2001:db8:0:1::2 51234 443\r\n";

/* ---- version 1 ---- */

struct v1_case {
        const char *line;
        bool local;
        const char *src, *dst;
        uint16_t sport, dport;
};

static const struct v1_case v1_valid[] = {
        {"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n", false, "192.168.0.1", "192.168.0.11",
         56324, 443},
        {"PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", false, "0.0.0.0", "255.255.255.255", 0,
         65535},
        /* the specification's longest TCP4 line, 56 bytes */
        {"PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n", false, "255.255.255.255",
         "255.255.255.255", 65535, 65535},
        {"PROXY TCP4 10.0.0.1 10.100.200.9 1 10\r\n", false, "10.0.0.1", "10.100.200.9", 1, 10},
        {"PROXY TCP6 ::1 ::1 1 2\r\n", false, "::1", "::1", 1, 2},
        {"PROXY TCP6 :: :: 0 0\r\n", false, "::", "::", 0, 0},
        /* upper case and uncompressed groups: the specification allows both */
        {"PROXY TCP6 2001:db8::1 2001:DB8:0000:0:0:0:0:2 1234 80\r\n", false, "2001:db8::1",
         "2001:db8::2", 1234, 80},
        {"PROXY TCP6 ::ffff:192.0.2.1 ::1.2.3.4 8080 443\r\n", false, "::ffff:192.0.2.1",
         "::1.2.3.4", 8080, 443},
        {"PROXY TCP6 1:2:3:4:5:6:1.2.3.4 1:2:3:4:5::1.2.3.4 10 20\r\n", false,
         "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:0:102:304", 10, 20},
        {"PROXY TCP6 1:2:3:4:5:6:7:: ::2:3:4:5:6:7:8 1 1\r\n", false, "1:2:3:4:5:6:7:0",
         "0:2:3:4:5:6:7:8", 1, 1},
        /* the specification's longest TCP6 line, 104 bytes */
        {"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:"
         "ffff 65535 65535\r\n",
         false, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
         "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, 65535},
        /* 107 bytes, the most there is: two addresses of 45 and 36 characters */
        {"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 ffff:ffff:ffff:ffff:ffff:fff:"
         "1.2.3.4 65535 65535\r\n",
         false, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:fff:102:304",
         65535, 65535},
        {"PROXY UNKNOWN\r\n", true, NULL, NULL, 0, 0},
        {"PROXY UNKNOWN \r\n", true, NULL, NULL, 0, 0},
        {"PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n", true, NULL, NULL, 0, 0},
        {"PROXY UNKNOWN anything at all\x01\t\x7f\xff  \r\n", true, NULL, NULL, 0, 0},
        /* the specification's worst case, 107 bytes */
        {"PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:"
         "ffff:ffff 65535 65535\r\n",
         true, NULL, NULL, 0, 0},
        {hap_v1_tcp4, false, "192.0.2.10", "198.51.100.20", 51234, 443},
        {hap_v1_mixed, false, "2001:db8::7", "::ffff:198.51.100.20", 51234, 443},
        {hap_v1_tcp6, false, "2001:db8::1", "2001:db8:0:1::2", 51234, 443},
};

START_TEST(test_v1_valid)
{
        const struct v1_case *c = &v1_valid[_i];
        size_t n = strlen(c->line);
        struct pp_info info;

        ck_assert_uint_le(n, PP_V1_MAX);
        complete_check((const uint8_t *)c->line, n, &info);
        ck_assert_uint_eq(info.version, 1);
        ck_assert(info.local == c->local);
        ck_assert_ptr_null(info.tlv);
        ck_assert_uint_eq(info.tlv_len, 0);
        if (c->local) {
                ck_assert_int_eq(info.src.ss_family, AF_UNSPEC);
                ck_assert_int_eq(info.dst.ss_family, AF_UNSPEC);
        } else {
                addr_is(&info.src, c->src, c->sport);
                addr_is(&info.dst, c->dst, c->dport);
        }
}
END_TEST

struct bytes {
        const char *p;
        size_t len;
};

#define B(s)                     \
        {                        \
                s, sizeof(s) - 1 \
        }

/* Each ends at the first byte no valid line has there. */
static const struct bytes v1_malformed[] = {
        B("X"),
        B("p"),
        B("PROXx"),
        B("PROXY\0"),
        B("PROXY\r"),
        B("PROXY  "),
        B("PROXY t"),
        B("PROXY TCP5"),
        B("PROXY TCP4\r"),
        B("PROXY TCP4  "),
        B("PROXY UNKNOWNx"),
        B("PROXY UNKNOWN\r\r"),
        B("PROXY UNKNOWN\n"),
        B("PROXY UNKNOWN \0"),
        B("PROXY UNKNOWN a\n"),
        B("PROXY UNKNOWN a\rb"),
        B("PROXY UNKNOWN\r\0"),
        /* IPv4 */
        B("PROXY TCP4 01"),
        B("PROXY TCP4 00"),
        B("PROXY TCP4 1.02"),
        B("PROXY TCP4 256"),
        B("PROXY TCP4 1000"),
        B("PROXY TCP4 1.2.3.4."),
        B("PROXY TCP4 1.."),
        B("PROXY TCP4 ."),
        B("PROXY TCP4 1.2.3 "),
        B("PROXY TCP4 1 "),
        B("PROXY TCP4 1.2.3.4\t"),
        B("PROXY TCP4 1.2.3.4\r"),
        B("PROXY TCP4 :"),
        B("PROXY TCP4 0x"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8."),
        B("PROXY TCP4 1.2.3.4 :"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8\r"),
        /* ports */
        B("PROXY TCP4 1.2.3.4 5.6.7.8  "),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 01"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 00"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 65536"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 99999"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 -"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 +"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 1\r"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 1\0"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 1 \r"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 "),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r "),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 1 02"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 1 70000"),
        /* IPv6 */
        B("PROXY TCP6 :::"),
        B("PROXY TCP6 :1"),
        B("PROXY TCP6 ::1::"),
        B("PROXY TCP6 12345"),
        B("PROXY TCP6 g"),
        B("PROXY TCP6 1."),
        B("PROXY TCP6 192."),
        B("PROXY TCP6 1:2:3:4:5:6:7:8:"),
        B("PROXY TCP6 1:2:3:4:5:6:7::8"),
        B("PROXY TCP6 1:2:3:4::5:6:7:"),
        B("PROXY TCP6 1:2:3:4:5:6::1."),
        B("PROXY TCP6 1:2:3:4:5:1."),
        B("PROXY TCP6 ::ffff:01."),
        B("PROXY TCP6 ::ffff:256."),
        B("PROXY TCP6 ::ffff:1.2.3.4."),
        B("PROXY TCP6 ::ffff:1.2.3.4:"),
        B("PROXY TCP6 ::1.2.3 "),
        B("PROXY TCP6 1:2:3:4:5:6:7 "),
        B("PROXY TCP6 1: "),
        B("PROXY TCP6 : "),
        B("PROXY TCP6 fe80::1%"),
        B("PROXY TCP6 ["),
        B("PROXY TCP6 ::1 ::1 1 2\r\r"),
        B("PROXY TCP6 ::1 1."),
        /* NUL anywhere */
        B("\0"),
        B("PROXY TCP6 ::\0"),
        B("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\0"),
};

START_TEST(test_v1_malformed)
{
        const struct bytes *c = &v1_malformed[_i];

        refused_check((const uint8_t *)c->p, c->len, c->p);
}
END_TEST

/* 107 bytes are the most: a line whose CRLF would end later is refused at byte 107. */
START_TEST(test_v1_longest)
{
        static const char longest[] = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 "
                                      "ffff:ffff:ffff:ffff:ffff:ffff:1.2.3.4 65535 65535\r\n";
        char unknown[PP_V1_MAX + 1];
        struct pp_info info;

        ck_assert_uint_eq(strlen(longest), PP_V1_MAX + 1);
        refused_check((const uint8_t *)longest, PP_V1_MAX, "108-byte TCP6 line");
        memset(unknown, 'x', sizeof(unknown));
        memcpy(unknown, "PROXY UNKNOWN ", 14);
        refused_check((const uint8_t *)unknown, PP_V1_MAX, "no CRLF in 107 bytes");
        /* its CR as byte 107: the LF would be byte 108 */
        unknown[PP_V1_MAX - 1] = '\r';
        refused_check((const uint8_t *)unknown, PP_V1_MAX, "CR as byte 107");
        unknown[PP_V1_MAX - 2] = '\r';
        unknown[PP_V1_MAX - 1] = '\n';
        ck_assert_int_eq(parse_guarded(unknown, sizeof(unknown), &info), (int)PP_V1_MAX);
        ck_assert(info.local);
}
END_TEST

/* Every string over @alphabet of at most @max_len characters, as an address of @family on a
 * v1 line: a complete address parses exactly when inet_pton() takes it, and a prefix waits
 * for more exactly when some completion (a string over @fill of at most @fill_len
 * characters) makes an address inet_pton() takes. */
static void grammar_check(int family, const char *alphabet, unsigned max_len, const char *fill,
                          unsigned fill_len)
{
        const char *head = family == AF_INET ? "PROXY TCP4 " : "PROXY TCP6 ";
        const char *tail = family == AF_INET ? " 1.1.1.1 1 1\r\n" : " ::1 1 1\r\n";
        size_t na = strlen(alphabet), nf = strlen(fill);
        unsigned idx[16] = {0}, fidx[16];
        char s[64], line[128];
        uint8_t addr[16];
        struct pp_info info;

        for (unsigned len = 0; len <= max_len; len++) {
                memset(idx, 0, sizeof(idx));
                for (;;) {
                        bool valid, viable = false;
                        int r;

                        for (unsigned k = 0; k < len; k++)
                                s[k] = alphabet[idx[k]];
                        s[len] = '\0';
                        valid = inet_pton(family, s, addr) == 1;
                        snprintf(line, sizeof(line), "%s%s%s", head, s, tail);
                        r = pp_parse((const uint8_t *)line, strlen(line), &info);
                        ck_assert_msg(valid ? r > 0 : r == -EPROTO, "'%s': %d", s, r);
                        /* some completion exists? */
                        for (unsigned fl = 0; fl <= fill_len && !viable; fl++) {
                                memset(fidx, 0, sizeof(fidx));
                                for (;;) {
                                        for (unsigned k = 0; k < fl; k++)
                                                s[len + k] = fill[fidx[k]];
                                        s[len + fl] = '\0';
                                        if (inet_pton(family, s, addr) == 1) {
                                                viable = true;
                                                break;
                                        }
                                        unsigned k = 0;
                                        while (k < fl && ++fidx[k] == nf)
                                                fidx[k++] = 0;
                                        if (k == fl)
                                                break;
                                }
                        }
                        s[len] = '\0';
                        snprintf(line, sizeof(line), "%s%s", head, s);
                        r = pp_parse((const uint8_t *)line, strlen(line), &info);
                        ck_assert_msg(r == (viable ? 0 : -EPROTO), "prefix '%s': %d", s, r);

                        unsigned k = 0;
                        while (k < len && ++idx[k] == na)
                                idx[k++] = 0;
                        if (k == len)
                                break;
                }
        }
}

START_TEST(test_v1_ipv4_grammar)
{
        grammar_check(AF_INET, "0125.6", 6, "0.", 7);
}
END_TEST

START_TEST(test_v1_ipv6_grammar)
{
        grammar_check(AF_INET6, "01a:.", 6, "0:.", 5);
}
END_TEST

/* ---- version 2 ---- */

struct v2_case {
        const char *name;
        const char *hex;
        bool local;
        const char *src, *dst;
        uint16_t sport, dport;
        size_t tlv_len;
};

#define A4 "c0000201 c6336414 04d2 0050" /* 192.0.2.1:1234 -> 198.51.100.20:80 */
#define A6                                                                                        \
        "20010db8 00*11 01 20010db8 00*11 02 ffff 0000" /* [2001:db8::1]:65535 -> [2001:db8::2]:0 \
                                                         */

static const struct v2_case v2_valid[] = {
        {"tcp4", "sig 21 11 000c" A4, false, "192.0.2.1", "198.51.100.20", 1234, 80, 0},
        {"tcp6", "sig 21 21 0024" A6, false, "2001:db8::1", "2001:db8::2", 65535, 0, 0},
        {"udp4: no address taken", "sig 21 12 000c" A4, true, NULL, NULL, 0, 0, 0},
        {"udp6", "sig 21 22 0024" A6, true, NULL, NULL, 0, 0, 0},
        {"unix stream", "sig 21 31 00d8 2f*108 2f*108", true, NULL, NULL, 0, 0, 0},
        {"unix datagram", "sig 21 32 00d8 00*216", true, NULL, NULL, 0, 0, 0},
        {"proxy, unspec", "sig 21 00 0000", true, NULL, NULL, 0, 0, 0},
        {"local", "sig 20 00 0000", true, NULL, NULL, 0, 0, 0},
        {"local, tcp4 addresses", "sig 20 11 000f" A4 "04 0000", true, NULL, NULL, 0, 0, 3},
        {"local, unspec, a TLV", "sig 20 00 0005 01 0002 6832", true, NULL, NULL, 0, 0, 5},
        {"tcp4, empty NOOP", "sig 21 11 000f" A4 "04 0000", false, "192.0.2.1", "198.51.100.20",
         1234, 80, 3},
        {"tcp4, custom and unknown types", "sig 21 11 0018" A4 "e0 0001 ff f8 0000 99 0002 abcd",
         false, "192.0.2.1", "198.51.100.20", 1234, 80, 12},
        {"tcp4, crc32c", "sig 21 11 0013" A4 "03 0004 cf747902", false, "192.0.2.1",
         "198.51.100.20", 1234, 80, 7},
        {"tcp4, crc32c last", "sig 21 11 0018" A4 "04 0002 6162 03 0004 92faf75b", false,
         "192.0.2.1", "198.51.100.20", 1234, 80, 12},
        {"tcp6, every TLV, crc32c",
         "sig 21 21 00df" A6
         "01 0002 6832 03 0004 885e9187 02 000b 6578616d706c652e636f6d 05 0080 78*128 "
         "20 0018 07 00000000 21 0007 544c5376312e33 22 0006 636c69656e74 04 0000",
         false, "2001:db8::1", "2001:db8::2", 65535, 0, 187},
        {"local, crc32c", "sig 20 00 0007 03 0004 a9b87e8f", true, NULL, NULL, 0, 0, 7},
        {"unique id of 128 bytes", "sig 21 11 008f" A4 "05 0080 00*128", false, "192.0.2.1",
         "198.51.100.20", 1234, 80, 131},
        {"longest header", "sig 21 11 07f0" A4 "04 07e1 00*2017", false, "192.0.2.1",
         "198.51.100.20", 1234, 80, 2020},
};

static size_t v2_named(const char *name, uint8_t *b, size_t cap)
{
        for (size_t k = 0; k < SL_ARRAY_SIZE(v2_valid); k++) {
                if (!strcmp(v2_valid[k].name, name))
                        return hex(v2_valid[k].hex, b, cap);
        }
        ck_abort_msg("no case '%s'", name);
        return 0;
}

START_TEST(test_v2_valid)
{
        const struct v2_case *c = &v2_valid[_i];
        uint8_t b[PP_HDR_MAX + 16];
        size_t n = hex(c->hex, b, sizeof(b));
        struct pp_info info;

        complete_check(b, n, &info);
        ck_assert_msg(info.version == 2, "%s", c->name);
        ck_assert_msg(info.local == c->local, "%s", c->name);
        ck_assert_msg(info.tlv_len == c->tlv_len, "%s: %zu TLV bytes", c->name, info.tlv_len);
        ck_assert_ptr_eq(info.tlv, b + n - c->tlv_len);
        if (c->local) {
                ck_assert_int_eq(info.src.ss_family, AF_UNSPEC);
                ck_assert_int_eq(info.dst.ss_family, AF_UNSPEC);
        } else {
                addr_is(&info.src, c->src, c->sport);
                addr_is(&info.dst, c->dst, c->dport);
        }
}
END_TEST

/* Each ends at the first byte no valid header has there. */
static const char *const v2_malformed[] = {
        /* version, command */
        "sig 11",
        "sig 31",
        "sig 01",
        "sig f1",
        "sig 22",
        "sig 2f",
        "sig 12",
        /* family and protocol: only the specification's seven, whatever the command */
        "sig 21 01",
        "sig 21 02",
        "sig 21 10",
        "sig 21 13",
        "sig 21 20",
        "sig 21 23",
        "sig 21 30",
        "sig 21 33",
        "sig 21 41",
        "sig 21 ff",
        "sig 20 ff",
        "sig 20 13",
        /* the length: over PP_HDR_MAX, or short of the addresses */
        "sig 21 11 07f1",
        "sig 21 00 ffff",
        "sig 21 11 000b",
        "sig 21 12 0000",
        "sig 21 21 0023",
        "sig 21 22 000c",
        "sig 21 31 00d7",
        "sig 20 11 0000",
        /* no room for a TLV's head after the addresses */
        "sig 21 11 000d",
        "sig 21 11 000e",
        "sig 21 00 0001",
        "sig 20 00 0002",
        /* a TLV running past the header, or leaving a piece too short for another */
        "sig 21 11 0010" A4 "04 0002",
        "sig 21 11 0011" A4 "04 0001",
        "sig 21 11 0014" A4 "04 0000 04 0000",
        "sig 21 11 0014" A4 "04 0000 04 ffff",
        "sig 20 00 0005 01 0000",
        /* CRC32C: not 4 bytes, twice, or not matching */
        "sig 21 11 0012" A4 "03 0003",
        "sig 21 11 0014" A4 "03 0005",
        "sig 21 11 0013" A4 "03 0000",
        "sig 21 11 001a" A4 "03 0004 00000000 03 0004",
        "sig 21 11 0013" A4 "03 0004 cf747903",
        "sig 21 11 0013" A4 "03 0004 027974cf",
        "sig 21 11 0018" A4 "04 0002 6163 03 0004 92faf75b",
        "sig 20 00 0007 03 0004 a9b87e8e",
        /* a unique id over 128 bytes */
        "sig 21 11 0090" A4 "05 0081",
        "sig 21 11 0093" A4 "04 0000 05 0081",
};

START_TEST(test_v2_malformed)
{
        uint8_t b[PP_HDR_MAX + 16];
        size_t n = hex(v2_malformed[_i], b, sizeof(b));

        refused_check(b, n, v2_malformed[_i]);
}
END_TEST

/* Any other byte at any place of the signature is refused there. */
START_TEST(test_v2_signature)
{
        uint8_t b[PP_V2_SIG_LEN];

        memcpy(b, pp_v2_sig, sizeof(b));
        for (unsigned v = 0; v < 256; v++) {
                if (v == pp_v2_sig[_i])
                        continue;
                b[_i] = (uint8_t)v;
                if (_i == 0 && v == 'P')
                        continue; /* a v1 line */
                refused_check(b, (size_t)_i + 1, "signature");
        }
}
END_TEST

START_TEST(test_want)
{
        uint8_t b[64];
        size_t n = hex("sig 21 11 000c" A4, b, sizeof(b));

        ck_assert_uint_eq(n, 28);
        for (size_t k = 0; k < PP_V2_FIXED; k++)
                ck_assert_uint_eq(pp_want(b, k), 0);
        ck_assert_uint_eq(pp_want(b, PP_V2_FIXED), 28);
        ck_assert_uint_eq(pp_want(b, n), 28);
        b[15] = 0xff;
        ck_assert_uint_eq(pp_want(b, PP_V2_FIXED), PP_V2_FIXED + 0xff);
        ck_assert_uint_eq(pp_want((const uint8_t *)hap_v1_tcp4, sizeof(hap_v1_tcp4) - 1), 0);
}
END_TEST

/* ---- TLVs ---- */

START_TEST(test_tlv_iterate)
{
        static const uint8_t want_types[] = {0x01, 0x03, 0x02, 0x05, 0x20, 0x04};
        uint8_t b[PP_HDR_MAX];
        size_t n = v2_named("tcp6, every TLV, crc32c", b, sizeof(b)), pos = 0, k = 0;
        struct pp_info info;
        struct sl_str v, ssl;
        uint32_t verify;
        uint8_t t, client;

        ck_assert_int_eq(pp_parse(b, n, &info), (int)n);
        while (pp_tlv_next(&info, &pos, &t, &v)) {
                ck_assert_uint_lt(k, sizeof(want_types));
                ck_assert_uint_eq(t, want_types[k++]);
                ck_assert(v.ptr >= (const char *)info.tlv &&
                          v.ptr + v.len <= (const char *)info.tlv + info.tlv_len);
        }
        ck_assert_uint_eq(k, sizeof(want_types));
        ck_assert_uint_eq(pos, info.tlv_len);
        ck_assert(!pp_tlv_next(&info, &pos, &t, &v));

        ck_assert(pp_tlv_find(&info, PP2_TYPE_ALPN, &v) && str_is(v, "h2"));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_AUTHORITY, &v) && str_is(v, "example.com"));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_UNIQUE_ID, &v) && v.len == 128);
        ck_assert(pp_tlv_find(&info, PP2_TYPE_NOOP, &v) && v.len == 0 && v.ptr);
        ck_assert(!pp_tlv_find(&info, PP2_TYPE_NETNS, &v));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_SSL, &ssl) && ssl.len == 24);
        ck_assert(pp_ssl_head(ssl, &client, &verify));
        ck_assert_uint_eq(client, PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS);
        ck_assert_uint_eq(verify, 0);
        ck_assert(pp_ssl_sub(ssl, PP2_SUBTYPE_SSL_VERSION, &v) && str_is(v, "TLSv1.3"));
        ck_assert(pp_ssl_sub(ssl, PP2_SUBTYPE_SSL_CN, &v) && str_is(v, "client"));
        ck_assert(!pp_ssl_sub(ssl, PP2_SUBTYPE_SSL_CIPHER, &v));

        /* v1 and TLV-less v2 headers have none */
        ck_assert_int_eq(pp_parse((const uint8_t *)hap_v1_tcp4, sizeof(hap_v1_tcp4) - 1, &info),
                         (int)sizeof(hap_v1_tcp4) - 1);
        pos = 0;
        ck_assert(!pp_tlv_next(&info, &pos, &t, &v));
        ck_assert(!pp_tlv_find(&info, PP2_TYPE_ALPN, &v));
        ck_assert_int_eq(pp_parse(hap_v2_mixed, sizeof(hap_v2_mixed), &info),
                         (int)sizeof(hap_v2_mixed));
        ck_assert_uint_eq(info.tlv_len, 0);
        ck_assert(!pp_tlv_next(&info, &pos, &t, &v));
}
END_TEST

struct ssl_case {
        const char *hex;
        bool head;
        uint32_t verify;
        bool found; /* a sub-TLV of type 0x22 */
        const char *cn;
};

/* The SSL TLV's inside is not checked by pp_parse(): reads stay within the value. */
static const struct ssl_case ssl_cases[] = {
        {"", false, 0, false, NULL},
        {"01 000000", false, 0, false, NULL},
        {"01 00000000", true, 0, false, NULL},
        {"05 00000012 22 0001 41", true, 0x12, true, "A"},
        {"05 ffffffff 21 0000 22 0000", true, 0xffffffff, true, ""},
        {"05 00000012 22 0002 41", true, 0x12, false, NULL},
        {"05 00000012 22 00", true, 0x12, false, NULL},
        {"05 00000012 23 0001 41 22", true, 0x12, false, NULL},
        {"05 00000012 23 ffff 22 0001 41", true, 0x12, false, NULL},
        {"05 00000012 23 0001 41 22 0001 42 22 0001 43", true, 0x12, true, "B"},
};

START_TEST(test_ssl_values)
{
        const struct ssl_case *c = &ssl_cases[_i];
        uint8_t b[64];
        size_t n = hex(c->hex, b, sizeof(b));
        struct guard g = guard_new(b, n);
        struct sl_str ssl = sl_str_make((const char *)g.p, n), v = SL_STR_NULL;
        uint32_t verify = 0;
        uint8_t client = 0;

        ck_assert(pp_ssl_head(ssl, &client, &verify) == c->head);
        if (c->head) {
                ck_assert_uint_eq(client, b[0]);
                ck_assert_uint_eq(verify, c->verify);
        }
        ck_assert(pp_ssl_sub(ssl, PP2_SUBTYPE_SSL_CN, &v) == c->found);
        if (c->found)
                ck_assert(str_is(v, c->cn));
        guard_free(&g);
}
END_TEST

/* ---- CRC32C ---- */

START_TEST(test_crc32c_vectors)
{
        uint8_t b[32];

        ck_assert_uint_eq(pp_crc32c((const uint8_t *)"123456789", 9), 0xe3069283);
        ck_assert_uint_eq(pp_crc32c(b, 0), 0);
        /* RFC 3720 appendix B.4 */
        memset(b, 0, sizeof(b));
        ck_assert_uint_eq(pp_crc32c(b, sizeof(b)), 0x8a9136aa);
        memset(b, 0xff, sizeof(b));
        ck_assert_uint_eq(pp_crc32c(b, sizeof(b)), 0x62a8ab43);
        for (unsigned i = 0; i < 32; i++)
                b[i] = (uint8_t)i;
        ck_assert_uint_eq(pp_crc32c(b, sizeof(b)), 0x46dd794e);
        for (unsigned i = 0; i < 32; i++)
                b[i] = (uint8_t)(31 - i);
        ck_assert_uint_eq(pp_crc32c(b, sizeof(b)), 0x113fdb5c);
}
END_TEST

/* Any bit flipped anywhere in a header with a CRC32C makes it refused, or at least not the
 * same header: what the checksum is for. */
START_TEST(test_crc32c_corrupted)
{
        uint8_t b[PP_HDR_MAX];
        size_t n = v2_named("tcp6, every TLV, crc32c", b, sizeof(b));
        struct pp_info info;
        struct sl_str v;

        ck_assert_int_eq(pp_parse(b, n, &info), (int)n);
        /* past the fixed part (a flip there changes the version, family or length); one that
         * turns the CRC32C TLV's type into another one leaves a header without checksum */
        for (size_t i = PP_V2_FIXED; i < n; i++) {
                for (unsigned bit = 0; bit < 8; bit++) {
                        int r;

                        b[i] ^= (uint8_t)(1u << bit);
                        r = pp_parse(b, n, &info);
                        ck_assert_msg(r == -EPROTO || !pp_tlv_find(&info, PP2_TYPE_CRC32C, &v),
                                      "byte %zu bit %u", i, bit);
                        b[i] ^= (uint8_t)(1u << bit);
                }
        }
        ck_assert_int_eq(pp_parse(hap_v2_check, sizeof(hap_v2_check), &info),
                         (int)sizeof(hap_v2_check));
        memcpy(b, hap_v2_check, sizeof(hap_v2_check));
        b[sizeof(hap_v2_check) - 1] ^= 0x80;
        ck_assert_int_eq(pp_parse(b, sizeof(hap_v2_check), &info), -EPROTO);
}
END_TEST

/* ---- builders ---- */

struct pair_case {
        const char *src, *dst;
        uint16_t sport, dport;
        const char *v1; /* what pp_v1_build() writes */
        uint8_t fam;    /* and the v2 family */
};

static const struct pair_case pairs[] = {
        {"192.0.2.1", "198.51.100.20", 1234, 80, "PROXY TCP4 192.0.2.1 198.51.100.20 1234 80\r\n",
         0x11},
        {"0.0.0.0", "255.255.255.255", 0, 65535, "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n",
         0x11},
        {"2001:db8::1", "::1", 443, 8443, "PROXY TCP6 2001:db8::1 ::1 443 8443\r\n", 0x21},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "1:2:3:4:5:6:7:8", 65535, 65535,
         "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 1:2:3:4:5:6:7:8 65535 65535\r\n",
         0x21},
        /* mixed: the IPv4 one mapped */
        {"192.0.2.1", "2001:db8::2", 1, 2, "PROXY TCP6 ::ffff:192.0.2.1 2001:db8::2 1 2\r\n", 0x21},
        {"2001:db8::2", "192.0.2.1", 1, 2, "PROXY TCP6 2001:db8::2 ::ffff:192.0.2.1 1 2\r\n", 0x21},
        {"::ffff:10.0.0.1", "::ffff:10.0.0.2", 5, 6,
         "PROXY TCP6 ::ffff:10.0.0.1 ::ffff:10.0.0.2 5 6\r\n", 0x21},
};

/* The address @ss turns into once sent along with @other: an IPv4 one next to an IPv6 one is
 * mapped. */
static struct sockaddr_storage as_sent(const char *text, uint16_t port, const char *other)
{
        char mapped[64];

        if (!strchr(text, ':') && strchr(other, ':')) {
                snprintf(mapped, sizeof(mapped), "::ffff:%s", text);
                return sa(mapped, port);
        }
        return sa(text, port);
}

START_TEST(test_v1_build)
{
        const struct pair_case *c = &pairs[_i];
        struct sockaddr_storage src = sa(c->src, c->sport), dst = sa(c->dst, c->dport);
        struct sockaddr_storage s2 = as_sent(c->src, c->sport, c->dst);
        struct sockaddr_storage d2 = as_sent(c->dst, c->dport, c->src);
        uint8_t out[PP_V1_MAX];
        struct pp_info info;
        size_t n = pp_v1_build(out, &src, &dst);

        ck_assert_uint_eq(n, strlen(c->v1));
        ck_assert(!memcmp(out, c->v1, n));
        complete_check(out, n, &info);
        ck_assert(!info.local);
        ck_assert(sa_eq(&info.src, &s2));
        ck_assert(sa_eq(&info.dst, &d2));
}
END_TEST

START_TEST(test_v1_build_unknown)
{
        struct sockaddr_storage ip = sa("192.0.2.1", 1), un = sa_unix("/run/x.sock");
        struct sockaddr_storage none;
        uint8_t out[PP_V1_MAX];
        struct pp_info info;

        memset(&none, 0, sizeof(none));
        ck_assert_uint_eq(pp_v1_build(out, &un, &ip), 15);
        ck_assert(!memcmp(out, "PROXY UNKNOWN\r\n", 15));
        ck_assert_uint_eq(pp_v1_build(out, &ip, &un), 15);
        ck_assert_uint_eq(pp_v1_build(out, &none, &ip), 15);
        ck_assert_uint_eq(pp_v1_build(out, NULL, &ip), 15);
        ck_assert_uint_eq(pp_v1_build(out, &ip, NULL), 15);
        ck_assert_int_eq(pp_parse(out, 15, &info), 15);
        ck_assert(info.local);
}
END_TEST

START_TEST(test_v2_build)
{
        const struct pair_case *c = &pairs[_i];
        struct sockaddr_storage src = sa(c->src, c->sport), dst = sa(c->dst, c->dport);
        struct sockaddr_storage s2 = as_sent(c->src, c->sport, c->dst);
        struct sockaddr_storage d2 = as_sent(c->dst, c->dport, c->src);
        size_t addr_len = c->fam == 0x11 ? 12 : 36, n;
        struct pp_v2_builder b;
        uint8_t out[PP_HDR_MAX];
        struct pp_info info;

        /* no TLV */
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        n = pp_v2_end(&b, false);
        ck_assert_uint_eq(n, PP_V2_FIXED + addr_len);
        ck_assert_uint_eq(out[12], 0x21);
        ck_assert_uint_eq(out[13], c->fam);
        complete_check(out, n, &info);
        ck_assert(!info.local);
        ck_assert(sa_eq(&info.src, &s2));
        ck_assert(sa_eq(&info.dst, &d2));
        ck_assert_uint_eq(info.tlv_len, 0);

        /* a CRC32C appended */
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        n = pp_v2_end(&b, true);
        ck_assert_uint_eq(n, PP_V2_FIXED + addr_len + 7);
        complete_check(out, n, &info);
        ck_assert(sa_eq(&info.src, &s2));
        ck_assert_uint_eq(info.tlv_len, 7);
        ck_assert_uint_eq(info.tlv[0], PP2_TYPE_CRC32C);

        /* the same with the LOCAL command: no address, the TLVs still there */
        pp_v2_begin(&b, out, sizeof(out), true, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_NOOP, NULL, 0);
        n = pp_v2_end(&b, true);
        ck_assert_uint_eq(n, PP_V2_FIXED + 10);
        ck_assert_uint_eq(out[12], 0x20);
        ck_assert_uint_eq(out[13], 0x00);
        complete_check(out, n, &info);
        ck_assert(info.local);
        ck_assert_uint_eq(info.tlv_len, 10);
}
END_TEST

/* Not IP: the LOCAL command with AF_UNSPEC, as HAProxy sends it. */
START_TEST(test_v2_build_not_ip)
{
        struct sockaddr_storage ip = sa("192.0.2.1", 1), un = sa_unix("/run/x.sock");
        uint8_t out[64];
        struct pp_v2_builder b;
        struct pp_info info;

        pp_v2_begin(&b, out, sizeof(out), false, &un, &ip);
        ck_assert_uint_eq(pp_v2_end(&b, false), PP_V2_FIXED);
        ck_assert(!memcmp(out + 12, "\x20\x00\x00\x00", 4));
        ck_assert_int_eq(pp_parse(out, PP_V2_FIXED, &info), (int)PP_V2_FIXED);
        ck_assert(info.local);
        pp_v2_begin(&b, out, sizeof(out), false, NULL, &ip);
        ck_assert_uint_eq(pp_v2_end(&b, true), PP_V2_FIXED + 7);
        ck_assert_uint_eq(out[12], 0x20);
        /* HAProxy's health check, byte for byte */
        ck_assert_uint_eq(sizeof(hap_v2_check), PP_V2_FIXED + 7);
        ck_assert(!memcmp(out, hap_v2_check, sizeof(hap_v2_check)));
}
END_TEST

/* Every TLV the builder can write, read back. */
START_TEST(test_v2_build_tlvs)
{
        struct sockaddr_storage src = sa("2001:db8::1", 65535), dst = sa("2001:db8::2", 0);
        static const char *const subs[] = {"TLSv1.3", "client", "ECDHE-RSA-AES128-GCM-SHA256",
                                           "SHA256", "RSA2048"};
        char uid[PP2_UNIQUE_ID_MAX];
        uint8_t out[PP_HDR_MAX], client;
        struct pp_v2_builder b;
        struct pp_info info;
        struct sl_str v, ssl;
        uint32_t verify;
        size_t n;

        memset(uid, 'u', sizeof(uid));
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_ALPN, "h2", 2);
        pp_v2_tlv(&b, PP2_TYPE_AUTHORITY, "example.com", 11);
        pp_v2_tlv(&b, PP2_TYPE_UNIQUE_ID, uid, sizeof(uid));
        pp_v2_ssl_begin(&b, PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN, 0x1234abcd);
        for (unsigned k = 0; k < 5; k++)
                pp_v2_tlv(&b, (uint8_t)(PP2_SUBTYPE_SSL_VERSION + k), subs[k], strlen(subs[k]));
        pp_v2_ssl_end(&b);
        pp_v2_tlv(&b, PP2_TYPE_NETNS, "blue", 4);
        pp_v2_tlv(&b, PP2_TYPE_NOOP, NULL, 5);
        n = pp_v2_end(&b, true);
        ck_assert(n > 0);
        ck_assert(!b.overflow);
        complete_check(out, n, &info);
        addr_is(&info.src, "2001:db8::1", 65535);
        addr_is(&info.dst, "2001:db8::2", 0);
        ck_assert(pp_tlv_find(&info, PP2_TYPE_ALPN, &v) && str_is(v, "h2"));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_AUTHORITY, &v) && str_is(v, "example.com"));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_UNIQUE_ID, &v) && v.len == sizeof(uid) &&
                  !memcmp(v.ptr, uid, sizeof(uid)));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_NETNS, &v) && str_is(v, "blue"));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_NOOP, &v) && v.len == 5 &&
                  !memcmp(v.ptr, "\0\0\0\0\0", 5));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_CRC32C, &v) && v.len == 4);
        ck_assert(pp_tlv_find(&info, PP2_TYPE_SSL, &ssl));
        ck_assert(pp_ssl_head(ssl, &client, &verify));
        ck_assert_uint_eq(client, PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN);
        ck_assert_uint_eq(verify, 0x1234abcd);
        for (unsigned k = 0; k < 5; k++)
                ck_assert(pp_ssl_sub(ssl, (uint8_t)(PP2_SUBTYPE_SSL_VERSION + k), &v) &&
                          str_is(v, subs[k]));
        /* the CRC32C is the last TLV, and it covers every byte */
        ck_assert_uint_eq(out[n - 7], PP2_TYPE_CRC32C);
        out[40] ^= 1;
        ck_assert_int_eq(pp_parse(out, n, &info), -EPROTO);
}
END_TEST

/* A CRC32C TLV put first (as HAProxy does) is filled in place, not added again. */
START_TEST(test_v2_build_crc_first)
{
        struct sockaddr_storage src = sa("192.0.2.1", 1234), dst = sa("198.51.100.20", 80);
        uint8_t out[128], want[128];
        struct pp_v2_builder b;
        size_t n;

        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_CRC32C, NULL, 4);
        n = pp_v2_end(&b, true);
        ck_assert_uint_eq(n, v2_named("tcp4, crc32c", want, sizeof(want)));
        ck_assert(!memcmp(out, want, n));
        /* whatever @crc32c says, and whatever value was given */
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_CRC32C, "abcd", 4);
        ck_assert_uint_eq(pp_v2_end(&b, false), n);
        ck_assert(!memcmp(out, want, n));
        /* after another TLV */
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_NOOP, "ab", 2);
        n = pp_v2_end(&b, true);
        ck_assert_uint_eq(n, v2_named("tcp4, crc32c last", want, sizeof(want)));
        ck_assert(!memcmp(out, want, n));
}
END_TEST

/* Too small a buffer: 0, with the room it would have taken in len; enough: the header. */
START_TEST(test_v2_build_overflow)
{
        struct sockaddr_storage src = sa("2001:db8::1", 1), dst = sa("192.0.2.1", 2);
        uint8_t out[256], ref[256];
        struct pp_v2_builder b;
        size_t need;

        pp_v2_begin(&b, ref, sizeof(ref), false, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_AUTHORITY, "example.com", 11);
        pp_v2_ssl_begin(&b, PP2_CLIENT_SSL, 0);
        pp_v2_tlv(&b, PP2_SUBTYPE_SSL_CN, "cn", 2);
        pp_v2_ssl_end(&b);
        need = pp_v2_end(&b, true);
        ck_assert_uint_eq(need, PP_V2_FIXED + 36 + 14 + 8 + 5 + 7);
        for (size_t cap = 0; cap <= need; cap++) {
                memset(out, 0xee, sizeof(out));
                pp_v2_begin(&b, out, cap, false, &src, &dst);
                pp_v2_tlv(&b, PP2_TYPE_AUTHORITY, "example.com", 11);
                pp_v2_ssl_begin(&b, PP2_CLIENT_SSL, 0);
                pp_v2_tlv(&b, PP2_SUBTYPE_SSL_CN, "cn", 2);
                pp_v2_ssl_end(&b);
                if (cap < need) {
                        ck_assert_uint_eq(pp_v2_end(&b, true), 0);
                        ck_assert(b.overflow);
                        ck_assert_uint_eq(b.len, need);
                } else {
                        ck_assert_uint_eq(pp_v2_end(&b, true), need);
                        ck_assert(!memcmp(out, ref, need));
                }
                /* nothing written past the room given */
                for (size_t k = cap; k < sizeof(out); k++)
                        ck_assert_uint_eq(out[k], 0xee);
        }
}
END_TEST

START_TEST(test_v2_build_refused)
{
        struct sockaddr_storage src = sa("192.0.2.1", 1), dst = sa("192.0.2.2", 2);
        static uint8_t big[70000], out[sizeof(big) + 64];
        struct pp_v2_builder b;
        struct pp_info info;
        size_t n;

        /* a unique id longer than receivers take */
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_UNIQUE_ID, big, PP2_UNIQUE_ID_MAX + 1);
        ck_assert(b.overflow);
        ck_assert_uint_eq(pp_v2_end(&b, false), 0);
        /* a value longer than a TLV holds */
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_NOOP, big, 65536);
        ck_assert_uint_eq(pp_v2_end(&b, false), 0);
        /* a header longer than its length field holds */
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_NOOP, big, 65535 - 12 - 3);
        ck_assert_uint_eq(pp_v2_end(&b, false), 65535 + PP_V2_FIXED);
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_NOOP, big, 65535 - 12 - 3);
        ck_assert_uint_eq(pp_v2_end(&b, true), 0);
        /* an SSL TLV whose sub-TLVs make it too long */
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_ssl_begin(&b, 0, 0);
        pp_v2_tlv(&b, PP2_SUBTYPE_SSL_CN, big, 65535 - 5 - 3 + 1);
        pp_v2_ssl_end(&b);
        ck_assert(b.overflow);
        ck_assert_uint_eq(pp_v2_end(&b, false), 0);
        /* SSL TLVs misused */
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_ssl_end(&b);
        ck_assert_uint_eq(pp_v2_end(&b, false), 0);
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_ssl_begin(&b, 0, 0);
        pp_v2_ssl_begin(&b, 0, 0);
        ck_assert_uint_eq(pp_v2_end(&b, false), 0);
        /* one left open is closed */
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_ssl_begin(&b, PP2_CLIENT_SSL, 0);
        pp_v2_tlv(&b, PP2_SUBTYPE_SSL_VERSION, "TLSv1.2", 7);
        n = pp_v2_end(&b, true);
        ck_assert_uint_eq(n, PP_V2_FIXED + 12 + 8 + 10 + 7);
        ck_assert_int_eq(pp_parse(out, n, &info), (int)n);
}
END_TEST

/* ---- HAProxy's bytes ---- */

START_TEST(test_haproxy_v2_tcp4)
{
        struct sockaddr_storage src = sa("192.0.2.10", 51234), dst = sa("198.51.100.20", 443);
        static const char uid[] = "192.0.2.10:51234_198.51.100.20:443";
        uint8_t out[PP_HDR_MAX];
        struct pp_v2_builder b;
        struct pp_info info;
        struct sl_str v;

        complete_check(hap_v2_tcp4, sizeof(hap_v2_tcp4), &info);
        ck_assert(!info.local);
        addr_is(&info.src, "192.0.2.10", 51234);
        addr_is(&info.dst, "198.51.100.20", 443);
        ck_assert(pp_tlv_find(&info, PP2_TYPE_AUTHORITY, &v) && str_is(v, "example.com"));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_UNIQUE_ID, &v) && str_is(v, uid));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_CRC32C, &v) && v.len == 4);
        ck_assert(!pp_tlv_find(&info, PP2_TYPE_ALPN, &v));

        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_CRC32C, NULL, 4);
        pp_v2_tlv(&b, PP2_TYPE_AUTHORITY, "example.com", 11);
        pp_v2_tlv(&b, PP2_TYPE_UNIQUE_ID, uid, strlen(uid));
        ck_assert_uint_eq(pp_v2_end(&b, true), sizeof(hap_v2_tcp4));
        ck_assert(!memcmp(out, hap_v2_tcp4, sizeof(hap_v2_tcp4)));
}
END_TEST

START_TEST(test_haproxy_v2_tls)
{
        struct sockaddr_storage src = sa("127.0.0.1", 52438), dst = sa("127.0.0.1", 21103);
        static const char uid[] = "127.0.0.1:52438_127.0.0.1:21103";
        uint8_t out[PP_HDR_MAX], client;
        struct pp_v2_builder b;
        struct pp_info info;
        struct sl_str v, ssl;
        uint32_t verify;

        complete_check(hap_v2_tls, sizeof(hap_v2_tls), &info);
        ck_assert(!info.local);
        addr_is(&info.src, "127.0.0.1", 52438);
        addr_is(&info.dst, "127.0.0.1", 21103);
        ck_assert(pp_tlv_find(&info, PP2_TYPE_ALPN, &v) && str_is(v, "h2"));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_AUTHORITY, &v) && str_is(v, "example.com"));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_UNIQUE_ID, &v) && str_is(v, uid));
        ck_assert(pp_tlv_find(&info, PP2_TYPE_SSL, &ssl));
        ck_assert(pp_ssl_head(ssl, &client, &verify));
        ck_assert_uint_eq(client, PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS);
        ck_assert_uint_eq(verify, 0);
        ck_assert(pp_ssl_sub(ssl, PP2_SUBTYPE_SSL_VERSION, &v) && str_is(v, "TLSv1.3"));
        ck_assert(pp_ssl_sub(ssl, PP2_SUBTYPE_SSL_CN, &v) && str_is(v, "client.example"));
        ck_assert(pp_ssl_sub(ssl, PP2_SUBTYPE_SSL_KEY_ALG, &v) && str_is(v, "RSA2048"));
        ck_assert(pp_ssl_sub(ssl, PP2_SUBTYPE_SSL_SIG_ALG, &v) && str_is(v, "RSA-SHA256"));
        ck_assert(pp_ssl_sub(ssl, PP2_SUBTYPE_SSL_CIPHER, &v) &&
                  str_is(v, "TLS_AES_256_GCM_SHA384"));

        /* HAProxy's order: CRC32C, ALPN, AUTHORITY, UNIQUE_ID, SSL (VERSION, CN, KEY_ALG,
         * SIG_ALG, CIPHER) */
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        pp_v2_tlv(&b, PP2_TYPE_CRC32C, NULL, 4);
        pp_v2_tlv(&b, PP2_TYPE_ALPN, "h2", 2);
        pp_v2_tlv(&b, PP2_TYPE_AUTHORITY, "example.com", 11);
        pp_v2_tlv(&b, PP2_TYPE_UNIQUE_ID, uid, strlen(uid));
        pp_v2_ssl_begin(&b, PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS, 0);
        pp_v2_tlv(&b, PP2_SUBTYPE_SSL_VERSION, "TLSv1.3", 7);
        pp_v2_tlv(&b, PP2_SUBTYPE_SSL_CN, "client.example", 14);
        pp_v2_tlv(&b, PP2_SUBTYPE_SSL_KEY_ALG, "RSA2048", 7);
        pp_v2_tlv(&b, PP2_SUBTYPE_SSL_SIG_ALG, "RSA-SHA256", 10);
        pp_v2_tlv(&b, PP2_SUBTYPE_SSL_CIPHER, "TLS_AES_256_GCM_SHA384", 22);
        pp_v2_ssl_end(&b);
        ck_assert_uint_eq(pp_v2_end(&b, false), sizeof(hap_v2_tls));
        ck_assert(!memcmp(out, hap_v2_tls, sizeof(hap_v2_tls)));
}
END_TEST

START_TEST(test_haproxy_v2_tcp6)
{
        struct sockaddr_storage src = sa("2001:db8::1", 51234), dst = sa("2001:db8:0:1::2", 443);
        struct sockaddr_storage msrc = sa("2001:db8::7", 51234), mdst = sa("198.51.100.20", 443);
        uint8_t out[PP_HDR_MAX];
        struct pp_v2_builder b;
        struct pp_info info;

        complete_check(hap_v2_tcp6, sizeof(hap_v2_tcp6), &info);
        ck_assert(!info.local);
        ck_assert(sa_eq(&info.src, &src));
        ck_assert(sa_eq(&info.dst, &dst));
        pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
        ck_assert_uint_eq(pp_v2_end(&b, true), sizeof(hap_v2_tcp6));
        ck_assert(!memcmp(out, hap_v2_tcp6, sizeof(hap_v2_tcp6)));

        complete_check(hap_v2_mixed, sizeof(hap_v2_mixed), &info);
        addr_is(&info.src, "2001:db8::7", 51234);
        addr_is(&info.dst, "::ffff:198.51.100.20", 443);
        pp_v2_begin(&b, out, sizeof(out), false, &msrc, &mdst);
        ck_assert_uint_eq(pp_v2_end(&b, false), sizeof(hap_v2_mixed));
        ck_assert(!memcmp(out, hap_v2_mixed, sizeof(hap_v2_mixed)));

        complete_check(hap_v2_check, sizeof(hap_v2_check), &info);
        ck_assert(info.local);
        ck_assert_uint_eq(info.tlv_len, 7);
        pp_v2_begin(&b, out, sizeof(out), true, &src, &dst);
        ck_assert_uint_eq(pp_v2_end(&b, true), sizeof(hap_v2_check));
        ck_assert(!memcmp(out, hap_v2_check, sizeof(hap_v2_check)));
}
END_TEST

START_TEST(test_haproxy_v1)
{
        static const struct {
                const char *line, *src, *dst;
        } caps[] = {
                {hap_v1_tcp4, "192.0.2.10", "198.51.100.20"},
                {hap_v1_mixed, "2001:db8::7", "198.51.100.20"},
                {hap_v1_tcp6, "2001:db8::1", "2001:db8:0:1::2"},
        };
        uint8_t out[PP_V1_MAX];

        for (unsigned k = 0; k < 3; k++) {
                struct sockaddr_storage src = sa(caps[k].src, 51234), dst = sa(caps[k].dst, 443);
                size_t n = pp_v1_build(out, &src, &dst);

                ck_assert_uint_eq(n, strlen(caps[k].line));
                ck_assert(!memcmp(out, caps[k].line, n));
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("proto/proxy_hdr");
        TCase *tc;

        tc = tcase_create("v1");
        tcase_add_loop_test(tc, test_v1_valid, 0, SL_ARRAY_SIZE(v1_valid));
        tcase_add_loop_test(tc, test_v1_malformed, 0, SL_ARRAY_SIZE(v1_malformed));
        tcase_add_test(tc, test_v1_longest);
        tcase_add_test(tc, test_v1_ipv4_grammar);
        tcase_add_test(tc, test_v1_ipv6_grammar);
        suite_add_tcase(s, tc);

        tc = tcase_create("v2");
        tcase_add_loop_test(tc, test_v2_valid, 0, SL_ARRAY_SIZE(v2_valid));
        tcase_add_loop_test(tc, test_v2_malformed, 0, SL_ARRAY_SIZE(v2_malformed));
        tcase_add_loop_test(tc, test_v2_signature, 0, PP_V2_SIG_LEN);
        tcase_add_test(tc, test_want);
        suite_add_tcase(s, tc);

        tc = tcase_create("tlv");
        tcase_add_test(tc, test_tlv_iterate);
        tcase_add_loop_test(tc, test_ssl_values, 0, SL_ARRAY_SIZE(ssl_cases));
        suite_add_tcase(s, tc);

        tc = tcase_create("crc32c");
        tcase_add_test(tc, test_crc32c_vectors);
        tcase_add_test(tc, test_crc32c_corrupted);
        suite_add_tcase(s, tc);

        tc = tcase_create("build");
        tcase_add_loop_test(tc, test_v1_build, 0, SL_ARRAY_SIZE(pairs));
        tcase_add_test(tc, test_v1_build_unknown);
        tcase_add_loop_test(tc, test_v2_build, 0, SL_ARRAY_SIZE(pairs));
        tcase_add_test(tc, test_v2_build_not_ip);
        tcase_add_test(tc, test_v2_build_tlvs);
        tcase_add_test(tc, test_v2_build_crc_first);
        tcase_add_test(tc, test_v2_build_overflow);
        tcase_add_test(tc, test_v2_build_refused);
        suite_add_tcase(s, tc);

        tc = tcase_create("haproxy");
        tcase_add_test(tc, test_haproxy_v2_tcp4);
        tcase_add_test(tc, test_haproxy_v2_tls);
        tcase_add_test(tc, test_haproxy_v2_tcp6);
        tcase_add_test(tc, test_haproxy_v1);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
