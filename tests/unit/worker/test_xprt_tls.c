/* The TLS transport over memory transports: a client and a server connection of sluice's
 * own, their wires joined by the test, which decides how the bytes are cut and when they
 * arrive. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "conn.h"
#include "loop.h"
#include "macros.h"
#include "mux.h"
#include "unit.h"
#include "xprt_mem.h"
#include "xprt_tls.h"

static struct loop *L;
static SSL_CTX *srv_ctx, *cli_ctx;

struct end {
        struct conn c;
        struct mem_peer *wire; /* the other side of the memory transport */
        struct conn_hs hs;
        int hs_done; /* 0: running, 1: done, -1: failed */
        int wakes;
};

static struct end S, C;

static void on_wake(struct conn *c)
{
        struct end *e = c == &S.c ? &S : &C;

        e->wakes++;
}

static const struct mux_ops test_mux = {.name = "test", .wake = on_wake};

static void hs_complete(struct conn *c, int err)
{
        struct end *e = c == &S.c ? &S : &C;

        e->hs_done = err == 0 ? 1 : -1;
        c->mux = &test_mux;
}

static void make_ctxs(void)
{
        EVP_PKEY *k = EVP_EC_gen("P-256");
        X509 *x = X509_new();
        X509_NAME *n;

        ck_assert_ptr_nonnull(k);
        ck_assert_ptr_nonnull(x);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), -60);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_set_pubkey(x, k);
        n = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"t.test", -1, -1,
                                   0);
        X509_set_issuer_name(x, n);
        ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
        srv_ctx = SSL_CTX_new(TLS_server_method());
        cli_ctx = SSL_CTX_new(TLS_client_method());
        ck_assert_int_eq(SSL_CTX_use_certificate(srv_ctx, x), 1);
        ck_assert_int_eq(SSL_CTX_use_PrivateKey(srv_ctx, k), 1);
        SSL_CTX_set_mode(srv_ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE);
        SSL_CTX_set_mode(cli_ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE);
        SSL_CTX_set_options(srv_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
        SSL_CTX_set_options(cli_ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
        X509_free(x);
        EVP_PKEY_free(k);
}

/* @limit: what each memory wire holds (a socket buffer) */
static void setup_ends(size_t limit)
{
        SSL *s, *c;

        ck_assert_int_eq(loop_new(&L), 0);
        make_ctxs();
        memset(&S, 0, sizeof(S));
        memset(&C, 0, sizeof(C));
        ck_assert_int_eq(xprt_mem_pair(&S.c, L, limit, &S.wire), 0);
        ck_assert_int_eq(xprt_mem_pair(&C.c, L, limit, &C.wire), 0);
        s = SSL_new(srv_ctx);
        c = SSL_new(cli_ctx);
        SSL_set_accept_state(s);
        SSL_set_connect_state(c);
        ck_assert_int_eq(xprt_tls_attach(&S.c, s), 0);
        ck_assert_int_eq(xprt_tls_attach(&C.c, c), 0);
        S.hs = (struct conn_hs){.step = {xprt_tls_handshake}, .n = 1, .complete = hs_complete};
        C.hs = S.hs;
}

static void setup(void)
{
        setup_ends(0);
}

static void teardown(void)
{
        conn_close(&S.c);
        conn_close(&C.c);
        S.wire = mem_peer_free(S.wire);
        C.wire = mem_peer_free(C.wire);
        SSL_CTX_free(srv_ctx);
        SSL_CTX_free(cli_ctx);
        L = loop_free(L);
        ERR_clear_error();
}

/* Move at most @chunk bytes each way between the two wires; how many moved. */
static size_t shuttle(size_t chunk)
{
        char buf[64 * 1024];
        size_t moved = 0, n;

        chunk = chunk && chunk < sizeof(buf) ? chunk : sizeof(buf);
        n = mem_peer_read(C.wire, buf, SL_MIN(chunk, mem_peer_room(S.wire)));
        if (n) {
                ck_assert_uint_eq(mem_peer_write(S.wire, buf, n), n);
                moved += n;
        }
        n = mem_peer_read(S.wire, buf, SL_MIN(chunk, mem_peer_room(C.wire)));
        if (n) {
                ck_assert_uint_eq(mem_peer_write(C.wire, buf, n), n);
                moved += n;
        }
        return moved;
}

/* Run the loop and the wires until nothing moves (bounded). */
static void settle(size_t chunk)
{
        for (int i = 0; i < 200000; i++) {
                size_t moved = shuttle(chunk);

                loop_run_once(L, 0);
                if (!moved && shuttle(chunk) == 0) {
                        loop_run_once(L, 0);
                        if (shuttle(chunk) == 0)
                                return;
                }
        }
        ck_abort_msg("the wires never settled");
}

static void handshake(size_t chunk)
{
        conn_handshake(&S.c, &S.hs);
        conn_handshake(&C.c, &C.hs);
        settle(chunk);
        ck_assert_int_eq(S.hs_done, 1);
        ck_assert_int_eq(C.hs_done, 1);
        ck_assert_int_eq(S.c.state, CONN_ST_READY);
}

/* Read what @e's connection has, up to @cap, through conn_read() as a mux does. */
static size_t drain(struct end *e, char *out, size_t cap)
{
        size_t got = 0;

        e->c.flags |= CONN_F_RD;
        for (int i = 0; i < 100000 && got < cap; i++) {
                ssize_t n = conn_read(&e->c, out + got, cap - got);

                if (n <= 0) {
                        shuttle(0);
                        loop_run_once(L, 0);
                        e->c.flags |= CONN_F_RD;
                        if (shuttle(0) == 0 && conn_read(&e->c, out + got, 0) <= 0 &&
                            mem_peer_pending(S.wire) == 0 && mem_peer_pending(C.wire) == 0) {
                                n = conn_read(&e->c, out + got, cap - got);
                                if (n <= 0)
                                        break;
                        } else {
                                continue;
                        }
                }
                got += (size_t)n;
        }
        return got;
}

START_TEST(handshake_and_data)
{
        char buf[64];
        struct iovec iov[2] = {{(void *)"hel", 3}, {(void *)"lo", 2}};

        handshake(0);
        ck_assert(S.c.xprt->tls);
        ck_assert_ptr_nonnull(xprt_tls_ssl(&S.c));
        ck_assert_int_eq(conn_sendv(&C.c, iov, 2, false), 5);
        settle(0);
        ck_assert_uint_eq(drain(&S, buf, sizeof(buf)), 5);
        ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
        ck_assert_int_eq(conn_sendv(&S.c, iov, 1, false), 3);
        settle(0);
        ck_assert_uint_eq(drain(&C, buf, sizeof(buf)), 3);
}
END_TEST

/* A record cut at every byte: the handshake and the data arrive one byte at a time. */
START_TEST(byte_at_a_time)
{
        char out[3000], in[3000];
        struct iovec iov = {out, sizeof(out)};

        for (size_t i = 0; i < sizeof(out); i++)
                out[i] = (char)('a' + i % 26);
        handshake(1);
        ck_assert_int_eq(conn_sendv(&S.c, &iov, 1, false), (ssize_t)sizeof(out));
        settle(1);
        ck_assert_uint_eq(drain(&C, in, sizeof(in)), sizeof(out));
        ck_assert_int_eq(memcmp(in, out, sizeof(out)), 0);
}
END_TEST

/* A wire that holds 500 bytes: records wait in the transport, go out on write readiness,
 * and the plain bytes arrive whole and in order. */
static void setup_small(void)
{
        setup_ends(500);
}

START_TEST(socket_full)
{
        static char out[100000], in[100000];
        size_t sent = 0, got = 0;

        for (size_t i = 0; i < sizeof(out); i++)
                out[i] = (char)(i * 7);
        handshake(0);
        for (int i = 0; i < 100000 && got < sizeof(out); i++) {
                if (sent < sizeof(out)) {
                        struct iovec iov = {out + sent, sizeof(out) - sent};
                        ssize_t n;

                        S.c.flags |= CONN_F_WR;
                        n = conn_sendv(&S.c, &iov, 1, false);
                        ck_assert(n > 0 || n == -EAGAIN);
                        if (n > 0)
                                sent += (size_t)n;
                }
                shuttle(0);
                loop_run_once(L, 0);
                C.c.flags |= CONN_F_RD;
                for (;;) {
                        ssize_t n = conn_read(&C.c, in + got, sizeof(in) - got);

                        if (n <= 0)
                                break;
                        got += (size_t)n;
                }
        }
        ck_assert_uint_eq(got, sizeof(out));
        ck_assert_int_eq(memcmp(in, out, sizeof(out)), 0);
}
END_TEST

/* close_notify: the reader sees the end of the stream after the data. */
START_TEST(close_notify)
{
        char buf[16];
        struct iovec iov = {(void *)"bye", 3};

        handshake(0);
        ck_assert_int_eq(conn_sendv(&C.c, &iov, 1, false), 3);
        conn_shutw(&C.c);
        settle(0);
        ck_assert(mem_peer_eof(C.wire));
        ck_assert_uint_eq(drain(&S, buf, sizeof(buf)), 3);
        S.c.flags |= CONN_F_RD;
        ck_assert_int_eq(conn_read(&S.c, buf, sizeof(buf)), 0);
        ck_assert(S.c.flags & CONN_F_RD_EOF);
}
END_TEST

/* The data and the close_notify arrive in one read, and the lower stream does not end after
 * them (the peer waits for our close_notify before its FIN): the read that returns the data
 * leaves the connection readable, and the next one says the end. Else no event would come. */
START_TEST(close_notify_read_with_the_data)
{
        char buf[16];
        struct iovec iov = {(void *)"bye", 3};

        handshake(0);
        ck_assert_int_eq(conn_sendv(&C.c, &iov, 1, false), 3);
        ck_assert_int_eq(SSL_shutdown(xprt_tls_ssl(&C.c)), 0);
        shuttle(0);
        ck_assert(!mem_peer_eof(C.wire));
        S.c.flags |= CONN_F_RD;
        ck_assert_int_eq(conn_read(&S.c, buf, sizeof(buf)), 3);
        ck_assert_int_eq(memcmp(buf, "bye", 3), 0);
        ck_assert(S.c.flags & CONN_F_RD);
        ck_assert_int_eq(conn_read(&S.c, buf, sizeof(buf)), 0);
        ck_assert(S.c.flags & CONN_F_RD_EOF);
}
END_TEST

/* The peer's stream ends without close_notify: an end of stream, not a hang. */
START_TEST(eof_without_close_notify)
{
        char buf[16];

        handshake(0);
        mem_peer_shutw(S.wire);
        loop_run_once(L, 0);
        S.c.flags |= CONN_F_RD;
        ck_assert_int_eq(conn_read(&S.c, buf, sizeof(buf)), 0);
}
END_TEST

/* Garbage instead of a ClientHello: the handshake fails with a reason, nothing hangs. */
START_TEST(garbage_hello)
{
        static const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

        conn_handshake(&S.c, &S.hs);
        mem_peer_write(S.wire, junk, sizeof(junk) - 1);
        loop_run_once(L, 0);
        loop_run_once(L, 0);
        ck_assert_int_eq(S.hs_done, -1);
        ck_assert_str_ne(xprt_tls_error(&S.c), "");
}
END_TEST

/* The client goes away in the middle of the handshake. */
START_TEST(closed_mid_handshake)
{
        conn_handshake(&S.c, &S.hs);
        conn_handshake(&C.c, &C.hs);
        /* half of the ClientHello, then the end */
        {
                char buf[4096];
                size_t n = mem_peer_read(C.wire, buf, sizeof(buf));

                ck_assert_uint_gt(n, 10);
                mem_peer_write(S.wire, buf, n / 2);
        }
        loop_run_once(L, 0);
        ck_assert_int_eq(S.hs_done, 0);
        mem_peer_shutw(S.wire);
        loop_run_once(L, 0);
        loop_run_once(L, 0);
        ck_assert_int_eq(S.hs_done, -1);
        ck_assert_str_eq(xprt_tls_error(&S.c), "connection closed during handshake");
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("xprt_tls");
        TCase *tc = tcase_create("core");
        TCase *small = tcase_create("small");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, handshake_and_data);
        tcase_add_test(tc, byte_at_a_time);
        tcase_add_test(tc, close_notify);
        tcase_add_test(tc, close_notify_read_with_the_data);
        tcase_add_test(tc, eof_without_close_notify);
        tcase_add_test(tc, garbage_hello);
        tcase_add_test(tc, closed_mid_handshake);
        suite_add_tcase(s, tc);
        tcase_add_checked_fixture(small, setup_small, teardown);
        tcase_add_test(small, socket_full);
        suite_add_tcase(s, small);
        return s;
}

int main(void)
{
        return unit_run(suite());
}
