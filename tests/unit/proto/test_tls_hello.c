/* The ClientHello reader: hellos built field by field (with and without SNI and ALPN),
 * every prefix of them (more bytes needed, never an answer from a part), and hellos broken
 * at each length field. */
#include <stdio.h>
#include <string.h>

#include "tls_hello.h"
#include "unit.h"

struct out {
        uint8_t b[1024];
        size_t n;
};

static void put(struct out *o, const void *p, size_t n)
{
        ck_assert_uint_le(o->n + n, sizeof(o->b));
        memcpy(o->b + o->n, p, n);
        o->n += n;
}

static void u8(struct out *o, unsigned v)
{
        uint8_t b = (uint8_t)v;

        put(o, &b, 1);
}

static void u16(struct out *o, unsigned v)
{
        u8(o, v >> 8);
        u8(o, v);
}

/* Offsets of the length fields, to break them. */
static size_t at_rec_len, at_hs_len, at_ext_len;

/* A TLS 1.2-style record holding a ClientHello with @sni and @alpn (NULL: absent), and
 * an unrelated extension before them. */
static size_t build(uint8_t *buf, const char *sni, const char *const *alpn)
{
        struct out ext = {0}, hello = {0}, rec = {0};
        uint8_t random[32] = {1, 2, 3};

        u16(&ext, 0x000b); /* ec_point_formats */
        u16(&ext, 2);
        u8(&ext, 1);
        u8(&ext, 0);
        if (sni) {
                size_t l = strlen(sni);

                u16(&ext, 0);
                u16(&ext, (unsigned)(l + 5));
                u16(&ext, (unsigned)(l + 3));
                u8(&ext, 0);
                u16(&ext, (unsigned)l);
                put(&ext, sni, l);
        }
        if (alpn) {
                struct out list = {0};

                for (size_t i = 0; alpn[i]; i++) {
                        u8(&list, (unsigned)strlen(alpn[i]));
                        put(&list, alpn[i], strlen(alpn[i]));
                }
                u16(&ext, 16);
                u16(&ext, (unsigned)(list.n + 2));
                u16(&ext, (unsigned)list.n);
                put(&ext, list.b, list.n);
        }
        u16(&hello, 0x0303);
        put(&hello, random, 32);
        u8(&hello, 0); /* session id */
        u16(&hello, 2);
        u16(&hello, 0x1301);
        u8(&hello, 1);
        u8(&hello, 0);
        at_ext_len = 9 + hello.n;
        u16(&hello, (unsigned)ext.n);
        put(&hello, ext.b, ext.n);
        u8(&rec, 22);
        u16(&rec, 0x0301);
        at_rec_len = rec.n;
        u16(&rec, (unsigned)(hello.n + 4));
        u8(&rec, 1);
        at_hs_len = rec.n;
        u8(&rec, 0);
        u16(&rec, (unsigned)hello.n);
        put(&rec, hello.b, hello.n);
        memcpy(buf, rec.b, rec.n);
        return rec.n;
}

START_TEST(test_whole)
{
        static const char *const alpn[] = {"h2", "http/1.1", NULL};
        uint8_t b[1024];
        size_t n = build(b, "www.example.com", alpn);
        struct tls_hello h;
        struct sl_str name;
        unsigned type;

        ck_assert_int_eq(tls_hello_parse(b, n, &h), TLS_HELLO_OK);
        ck_assert_uint_eq(h.version, 0x0303);
        ck_assert_uint_eq(h.sni.len, 15);
        ck_assert(memcmp(h.sni.ptr, "www.example.com", 15) == 0);
        ck_assert(tls_hello_alpn_at(h.alpn, 0, &name));
        ck_assert(name.len == 2 && memcmp(name.ptr, "h2", 2) == 0);
        ck_assert(tls_hello_alpn_at(h.alpn, 1, &name));
        ck_assert(name.len == 8 && memcmp(name.ptr, "http/1.1", 8) == 0);
        ck_assert(!tls_hello_alpn_at(h.alpn, 2, &name));
        ck_assert_int_eq(tls_hello_type(b, n, &type), TLS_HELLO_OK);
        ck_assert_uint_eq(type, 1);
        /* trailing bytes (the next record) change nothing */
        memset(b + n, 0x17, 40);
        ck_assert_int_eq(tls_hello_parse(b, n + 40, &h), TLS_HELLO_OK);
        ck_assert_uint_eq(h.sni.len, 15);

        n = build(b, NULL, NULL);
        ck_assert_int_eq(tls_hello_parse(b, n, &h), TLS_HELLO_OK);
        ck_assert_ptr_null(h.sni.ptr);
        ck_assert_ptr_null(h.alpn.ptr);
}
END_TEST

START_TEST(test_prefixes)
{
        static const char *const alpn[] = {"h2", NULL};
        uint8_t b[1024];
        size_t n = build(b, "a.example.com", alpn);
        struct tls_hello h;
        unsigned type;

        for (size_t k = 0; k < n; k++) {
                ck_assert_int_eq(tls_hello_parse(b, k, &h), TLS_HELLO_SHORT);
                ck_assert_int_eq(tls_hello_type(b, k, &type), TLS_HELLO_SHORT);
        }
}
END_TEST

START_TEST(test_not_hello)
{
        uint8_t b[1024], c[1024];
        size_t n = build(b, "a.example.com", NULL);
        struct tls_hello h;
        unsigned type;

        ck_assert_int_eq(tls_hello_parse((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &h),
                         TLS_HELLO_NOT);
        ck_assert_int_eq(tls_hello_type((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &type),
                         TLS_HELLO_NOT);
        /* SSLv2-era record version */
        memcpy(c, b, n);
        c[1] = 2;
        ck_assert_int_eq(tls_hello_parse(c, n, &h), TLS_HELLO_NOT);
        /* a ServerHello */
        memcpy(c, b, n);
        c[5] = 2;
        ck_assert_int_eq(tls_hello_parse(c, n, &h), TLS_HELLO_NOT);
        ck_assert_int_eq(tls_hello_type(c, n, &type), TLS_HELLO_OK);
        ck_assert_uint_eq(type, 2);
        /* a ClientHello longer than its record */
        memcpy(c, b, n);
        c[at_rec_len + 1] = (uint8_t)(c[at_rec_len + 1] - 1);
        ck_assert_int_eq(tls_hello_parse(c, n, &h), TLS_HELLO_NOT);
        /* extensions longer than the hello: nothing read from past it */
        memcpy(c, b, n);
        c[at_ext_len] = 0xff;
        ck_assert_int_eq(tls_hello_parse(c, n, &h), TLS_HELLO_NOT);
        ck_assert_ptr_null(h.sni.ptr);
        /* every single-byte change: an answer only from inside the bytes */
        for (size_t i = 0; i < n; i++) {
                for (unsigned v = 0; v < 256; v += 51) {
                        memcpy(c, b, n);
                        c[i] = (uint8_t)v;
                        if (tls_hello_parse(c, n, &h) == TLS_HELLO_OK && h.sni.ptr)
                                ck_assert((const uint8_t *)h.sni.ptr >= c &&
                                          (const uint8_t *)h.sni.ptr + h.sni.len <= c + n);
                }
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("proto/tls_hello");
        TCase *tc = tcase_create("tls_hello");

        tcase_add_test(tc, test_whole);
        tcase_add_test(tc, test_prefixes);
        tcase_add_test(tc, test_not_hello);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
