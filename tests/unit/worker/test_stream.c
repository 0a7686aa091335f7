/* The data path driven end to end with no socket: a client and servers on the memory
 * transport (xprt_mem.h), a worker built from a configuration, and the HTTP/1 mux and
 * streams in between. The test plays both peers, byte by byte when it wants to. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "mux_h1.h"
#include "session.h"
#include "unit.h"
#include "worker.h"
#include "xprt_mem.h"

#define MAX_SERVERS 16

static const char *const config = "global\n"
                                  "    tune.bufsize 16384\n"
                                  "defaults\n"
                                  "    mode http\n"
                                  "    timeout connect 1s\n"
                                  "    timeout client 5s\n"
                                  "    timeout server 5s\n"
                                  "    http-reuse always\n"
                                  "frontend fe\n"
                                  "    bind 127.0.0.1:1\n"
                                  "    default_backend be\n"
                                  "backend be\n"
                                  "    server s1 127.0.0.1:2\n";

static struct cfg_gen *gen;
static struct worker W;
static struct mem_peer *servers[MAX_SERVERS];
static size_t n_servers;
static struct mem_peer *clients[MAX_SERVERS];
static size_t n_clients;
static size_t peer_limit; /* bytes each memory queue holds; 0: the default */

static int mem_connect(void *data, struct px_rt *rt, int srv_idx, struct conn *c)
{
        (void)data;
        (void)rt;
        (void)srv_idx;
        ck_assert_uint_lt(n_servers, MAX_SERVERS);
        return xprt_mem_pair(c, W.loop, peer_limit, &servers[n_servers++]);
}

static void setup_with(const char *text)
{
        struct cfg_diags diags = {0};

        ck_assert_int_eq(cfg_load_text("t.cfg", text, strlen(text), NULL, &gen, &diags), 0);
        cfg_diags_clear(&diags);
        memset(&W, 0, sizeof(W));
        ck_assert_int_eq(worker_init(&W, gen, NULL), 0);
        W.srv_connect = mem_connect;
        n_servers = n_clients = 0;
        peer_limit = 0;
}

static void setup(void)
{
        setup_with(config);
}

static void teardown(void)
{
        worker_deinit(&W);
        for (size_t i = 0; i < n_servers; i++)
                servers[i] = mem_peer_free(servers[i]);
        for (size_t i = 0; i < n_clients; i++)
                clients[i] = mem_peer_free(clients[i]);
        gen = cfg_gen_unref(gen);
}

/* Run loop turns until nothing is left to do this instant (bounded). */
static void settle(void)
{
        for (int i = 0; i < 1000; i++)
                if (loop_run_once(W.loop, 0) == 0)
                        return;
        ck_abort_msg("the loop does not settle");
}

/* A client connected to the frontend; its end is returned. */
static struct mem_peer *client_new(void)
{
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_port = htons(40000),
                                  .sin_addr.s_addr = htonl(0x7f000001)};
        struct sockaddr_storage src = {0};
        struct mem_peer *p;
        struct sess *ss;

        memcpy(&src, &sin, sizeof(sin));
        ss = sess_new(&W, gen->proxies[0], &src, sizeof(sin), mux_h1_ops.client_space);
        ck_assert_ptr_nonnull(ss);
        ck_assert_int_eq(xprt_mem_pair(&ss->conn, W.loop, peer_limit, &p), 0);
        ck_assert_int_eq(mux_h1_ops.init(&ss->conn, &W, ss), 0);
        ck_assert_uint_lt(n_clients, MAX_SERVERS);
        clients[n_clients++] = p;
        return p;
}

static void put(struct mem_peer *p, const char *s)
{
        size_t n = strlen(s);

        ck_assert_uint_eq(mem_peer_write(p, s, n), n);
}

/* Everything the peer has to read, as a string (bounded). */
static char *take(struct mem_peer *p)
{
        static char buf[1 << 20];
        size_t n = mem_peer_read(p, buf, sizeof(buf) - 1);

        buf[n] = '\0';
        return buf;
}

static void expect(struct mem_peer *p, const char *want)
{
        const char *got = take(p);

        ck_assert_msg(strcmp(got, want) == 0, "got:\n%s\nwant:\n%s", got, want);
}

static const char req_get[] = "GET /a?b=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\n";
static const char req_get_out[] = "GET /a?b=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n\r\n";
static const char res_ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: s\r\n\r\nhello";

START_TEST(test_get)
{
        struct mem_peer *c = client_new();

        put(c, req_get);
        settle();
        ck_assert_uint_eq(n_servers, 1);
        expect(servers[0], req_get_out);
        put(servers[0], res_ok);
        settle();
        expect(c, res_ok);
        ck_assert(!mem_peer_closed(c));
        ck_assert(!mem_peer_closed(servers[0])); /* kept for the next request */
}
END_TEST

/* The request arrives in two parts split at byte _i, the response in two parts split at
 * the same place (or at its end): the same exchange every time. */
START_TEST(test_split_at_every_byte)
{
        struct mem_peer *c = client_new();
        size_t rl = strlen(req_get), sl = strlen(res_ok);
        size_t i = (size_t)_i, j = SL_MIN(i, sl - 1);

        ck_assert_uint_eq(mem_peer_write(c, req_get, i), i);
        settle();
        ck_assert_uint_eq(n_servers, 0); /* the head is not complete */
        ck_assert_uint_eq(mem_peer_write(c, req_get + i, rl - i), rl - i);
        settle();
        ck_assert_uint_eq(n_servers, 1);
        expect(servers[0], req_get_out);
        ck_assert_uint_eq(mem_peer_write(servers[0], res_ok, j), j);
        settle();
        ck_assert_uint_eq(mem_peer_write(servers[0], res_ok + j, sl - j), sl - j);
        settle();
        expect(c, res_ok);
}
END_TEST

START_TEST(test_pipelined)
{
        struct mem_peer *c = client_new();
        char all[512];

        snprintf(all, sizeof(all), "%s%s%s", req_get, "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
                 "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
        put(c, all);
        settle();
        ck_assert_uint_eq(n_servers, 1);
        expect(servers[0], req_get_out);
        put(servers[0], res_ok);
        settle();
        /* the next one goes on the same server connection, once the first is answered */
        expect(servers[0], "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
        put(servers[0], "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
        settle();
        expect(servers[0], "GET /3 HTTP/1.1\r\nHost: h\r\n\r\n");
        put(servers[0], "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3");
        settle();
        ck_assert_uint_eq(n_servers, 1);
        expect(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: s\r\n\r\nhello"
                  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2"
                  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3");
}
END_TEST

START_TEST(test_expect_100_continue)
{
        struct mem_peer *c = client_new();

        put(c, "POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
        settle();
        expect(servers[0], "POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                           "Content-Length: 5\r\n\r\n");
        put(servers[0], "HTTP/1.1 100 Continue\r\n\r\n");
        settle();
        expect(c, "HTTP/1.1 100 Continue\r\n\r\n");
        put(c, "hello");
        settle();
        expect(servers[0], "hello");
        put(servers[0], "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        settle();
        expect(c, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
}
END_TEST

/* A body of 200 KiB through 16 KiB buffers, with queues of 4 KiB on both sides: it goes
 * through in pieces, every byte in order, with Content-Length and chunked. */
static void big_body(bool chunked)
{
        enum {
                BODY = 200 * 1024
        };
        static char body[BODY], got[BODY + 4096];
        struct mem_peer *c;
        size_t sent = 0, recvd = 0, n;
        bool done = false;
        char head[256];

        peer_limit = 4096;
        c = client_new();
        for (size_t i = 0; i < BODY; i++)
                body[i] = (char)('a' + i % 26);
        if (chunked)
                snprintf(head, sizeof(head),
                         "POST /big HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
        else
                snprintf(head, sizeof(head),
                         "POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n", BODY);
        put(c, head);
        settle();
        (void)take(servers[0]);
        for (int turn = 0; turn < 100000 && !done; turn++) {
                if (sent < BODY) {
                        char line[32];
                        size_t want = SL_MIN((size_t)1000, (size_t)BODY - sent);

                        if (chunked) {
                                /* one chunk per write, when the queue takes it whole */
                                int k = snprintf(line, sizeof(line), "%zx\r\n", want);

                                if (mem_peer_write(c, line, (size_t)k) == (size_t)k) {
                                        ck_assert_uint_eq(mem_peer_write(c, body + sent, want),
                                                          want);
                                        ck_assert_uint_eq(mem_peer_write(c, "\r\n", 2), 2);
                                        sent += want;
                                }
                        } else {
                                sent += mem_peer_write(c, body + sent, want);
                        }
                }
                settle();
                n = mem_peer_read(servers[0], got + recvd, sizeof(got) - recvd);
                recvd += n;
                if (!chunked)
                        done = recvd == BODY;
                if (chunked && recvd) {
                        /* decode what came: "size CRLF data CRLF" units, sizes in hex */
                        static char plain[BODY];
                        size_t at = 0, out = 0;

                        while (at < recvd) {
                                char *end;
                                unsigned long sz = strtoul(got + at, &end, 16);
                                size_t hl = (size_t)(end - (got + at)) + 2;

                                if (at + hl + sz + 2 > recvd)
                                        break;
                                memcpy(plain + out, got + at + hl, sz);
                                out += sz;
                                at += hl + sz + 2;
                        }
                        if (out == BODY) {
                                ck_assert(memcmp(plain, body, BODY) == 0);
                                done = true;
                        }
                }
        }
        ck_assert_uint_eq(sent, BODY);
        ck_assert(done);
        if (!chunked)
                ck_assert(memcmp(got, body, BODY) == 0);
        else
                put(c, "0\r\n\r\n");
        settle();
        (void)take(servers[0]);
        put(servers[0], "HTTP/1.1 204 No Content\r\n\r\n");
        settle();
        expect(c, "HTTP/1.1 204 No Content\r\n\r\n");
}

START_TEST(test_body_larger_than_buffer)
{
        big_body(false);
}
END_TEST

/* A response with a 16 KiB body, more than tune.bufsize with its head: read on the server
 * side into a buffer twice that size, whole; each buffer goes back to the pool it came
 * from once the exchange is over, every time. */
START_TEST(test_response_over_bufsize)
{
        struct mem_peer *c = client_new();
        static char res[17000];
        const char *head = "HTTP/1.1 200 OK\r\nContent-Length: 16384\r\nServer: s\r\n\r\n";
        size_t hl = strlen(head);

        memcpy(res, head, hl);
        memset(res + hl, 'x', 16384);
        res[hl + 16384] = '\0';
        for (int i = 0; i < 3; i++) {
                put(c, req_get);
                settle();
                expect(servers[0], req_get_out);
                put(servers[0], res);
                settle();
                ck_assert_uint_eq(W.bufs_rx.size, 32768);
                ck_assert_uint_eq(mem_peer_pending(c), hl + 16384);
                expect(c, res);
                settle();
                ck_assert_uint_eq(W.bufs_rx.allocated, 0);
                ck_assert_uint_eq(W.bufs.allocated, 0);
        }
        ck_assert_uint_eq(n_servers, 1);
}
END_TEST

START_TEST(test_chunked_body_larger_than_buffer)
{
        big_body(true);
}
END_TEST

START_TEST(test_chunked_with_trailers)
{
        struct mem_peer *c = client_new();

        put(c, "POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
               "3;ext=1\r\nabc\r\n0\r\nX-Sum: 9\r\n\r\n");
        settle();
        expect(servers[0], "POST /t HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "3\r\nabc\r\n0\r\nX-Sum: 9\r\n\r\n");
        put(servers[0], "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "2\r\nok\r\n0\r\n\r\n");
        settle();
        expect(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n");
        ck_assert(!mem_peer_closed(c));
}
END_TEST

static const char res_chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "3\r\nabc\r\n2;e=1\r\nde\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n";

/* A chunked response with trailers, split in two at byte _i: the client gets the same
 * chunks of data again, and both trailer fields, however the trailer section was cut (its
 * first bytes decoded while the data before them was passed on). */
START_TEST(test_chunked_split_at_every_byte)
{
        struct mem_peer *c = client_new();
        size_t len = strlen(res_chunked), i = (size_t)_i;
        char got[512] = "";

        put(c, req_get);
        settle();
        (void)take(servers[0]);
        ck_assert_uint_eq(mem_peer_write(servers[0], res_chunked, i), i);
        settle();
        strcat(got, take(c));
        ck_assert_uint_eq(mem_peer_write(servers[0], res_chunked + i, len - i), len - i);
        settle();
        strcat(got, take(c));
        ck_assert_msg(strncmp(got, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 47) ==
                              0,
                      "%s", got);
        ck_assert_msg(strstr(got, "0\r\nX-A: 1\r\nX-B: 2\r\n\r\n") != NULL, "%s", got);
        {
                /* the data, whatever the chunks */
                char plain[16] = "";
                const char *p = got + 47;

                for (;;) {
                        char *end;
                        unsigned long n = strtoul(p, &end, 16);

                        if (n == 0)
                                break;
                        strncat(plain, end + 2, n);
                        p = end + 2 + n + 2;
                }
                ck_assert_str_eq(plain, "abcde");
        }
        ck_assert(!mem_peer_closed(c));
}
END_TEST

/* The server answers (and closes) while the request body is still coming: the client gets
 * the answer, then its connection ends, as the rest of its body cannot be told from a next
 * request. */
START_TEST(test_answer_before_request_body_ends)
{
        struct mem_peer *c = client_new();

        put(c, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 50000\r\n\r\nfirst bytes");
        settle();
        expect(servers[0],
               "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 50000\r\n\r\nfirst bytes");
        put(servers[0], "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n"
                        "Connection: close\r\n\r\n");
        settle();
        expect(c, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n"
                  "connection: close\r\n\r\n");
        ck_assert(mem_peer_closed(c));
        ck_assert(mem_peer_closed(servers[0]));
}
END_TEST

/* A response whose framing breaks before any of it reached the client is replaced by a 502
 * (its head was already given to the client side, not written). */
START_TEST(test_broken_response_replaced)
{
        struct mem_peer *c = client_new();

        put(c, req_get);
        settle();
        (void)take(servers[0]);
        /* the broken framing comes in the same segment: found before any byte is passed on */
        put(servers[0],
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n");
        settle();
        ck_assert(strncmp(take(c), "HTTP/1.1 502 Bad Gateway\r\n", 26) == 0);
        ck_assert(mem_peer_closed(c));
        ck_assert(mem_peer_closed(servers[0]));
}
END_TEST

/* A server closing its connection after a response does not close the client's: the
 * Connection field is hop-by-hop, and the server connection is not reused. */
START_TEST(test_server_close_keeps_client)
{
        struct mem_peer *c = client_new();

        put(c, req_get);
        settle();
        (void)take(servers[0]);
        put(servers[0], "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        settle();
        expect(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        ck_assert(!mem_peer_closed(c));
        ck_assert(mem_peer_closed(servers[0]));
        put(c, req_get);
        settle();
        ck_assert_uint_eq(n_servers, 2);
        expect(servers[1], req_get_out);
}
END_TEST

/* The client resets while its response is coming: both connections end, nothing is left. */
START_TEST(test_client_reset_mid_response)
{
        struct mem_peer *c = client_new();

        put(c, req_get);
        settle();
        (void)take(servers[0]);
        put(servers[0], "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npart of it");
        settle();
        ck_assert(strstr(take(c), "part of it") != NULL);
        mem_peer_reset(c);
        put(servers[0], "more of it");
        settle();
        ck_assert(mem_peer_closed(c));
        ck_assert(mem_peer_closed(servers[0]));
        ck_assert_uint_eq(W.n_conns, 0);
}
END_TEST

/* A soft stop while a request is at the server: its response still arrives, says
 * Connection: close, and the connection ends after it. */
START_TEST(test_soft_stop_with_request_in_flight)
{
        struct mem_peer *c = client_new();
        struct sess *ss = sl_list_first(&W.sessions, struct sess, link);

        put(c, req_get);
        settle();
        expect(servers[0], req_get_out);
        W.stopping = true;
        ss->conn.mux->stop(&ss->conn, true);
        settle();
        ck_assert(!mem_peer_closed(c));
        put(servers[0], res_ok);
        settle();
        expect(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: s\r\nconnection: close\r\n"
                  "\r\nhello");
        ck_assert(mem_peer_closed(c));
}
END_TEST

/* A soft stop of @ss, whose client end is @c: the connection closes within 500 ms (at once,
 * or after the 100 ms grace). */
static void soft_stop_closes_soon(struct sess *ss, struct mem_peer *c)
{
        uint64_t t0 = loop_now(W.loop);

        W.stopping = true;
        ss->conn.mux->stop(&ss->conn, true);
        for (int i = 0; i < 20 && !mem_peer_closed(c); i++)
                (void)loop_run_once(W.loop, 50);
        ck_assert(mem_peer_closed(c));
        ck_assert_uint_le(loop_now(W.loop) - t0, 500);
}

/* An idle keep-alive connection closes on a soft stop: at once when its last response is
 * old, else after a grace of 100 ms for a request on its way (none comes here). */
START_TEST(test_soft_stop_idle)
{
        struct mem_peer *c = client_new();
        struct sess *ss = sl_list_first(&W.sessions, struct sess, link);

        put(c, req_get);
        settle();
        (void)take(servers[0]);
        put(servers[0], res_ok);
        settle();
        (void)take(c);
        soft_stop_closes_soon(ss, c);
        ck_assert_uint_eq(W.n_conns, 0);
}
END_TEST

/* A connection that has sent nothing closes on a soft stop too, after the same grace: it
 * must not keep the worker until its request timeout. */
START_TEST(test_soft_stop_before_first_request)
{
        struct mem_peer *c = client_new();
        struct sess *ss = sl_list_first(&W.sessions, struct sess, link);

        settle();
        ck_assert(!mem_peer_closed(c));
        soft_stop_closes_soon(ss, c);
        ck_assert_str_eq(take(c), "");
        ck_assert_uint_eq(n_servers, 0);
        ck_assert_uint_eq(W.n_conns, 0);
}
END_TEST

/* ...but a first request that arrives within the grace is answered, with Connection: close. */
START_TEST(test_soft_stop_first_request_in_grace)
{
        struct mem_peer *c = client_new();
        struct sess *ss = sl_list_first(&W.sessions, struct sess, link);

        settle();
        W.stopping = true;
        ss->conn.mux->stop(&ss->conn, true);
        put(c, req_get);
        settle();
        expect(servers[0], req_get_out);
        put(servers[0], res_ok);
        settle();
        expect(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: s\r\nconnection: close\r\n"
                  "\r\nhello");
        ck_assert(mem_peer_closed(c));
}
END_TEST

/* A malformed request is answered 400 and closed; the server never sees it. */
START_TEST(test_bad_request)
{
        struct mem_peer *c = client_new();

        put(c, "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n");
        settle();
        ck_assert_uint_eq(n_servers, 0);
        ck_assert(strncmp(take(c), "HTTP/1.1 400 Bad Request\r\n", 26) == 0);
        ck_assert(mem_peer_closed(c));
}
END_TEST

/* Fields the Connection field names are not forwarded, either way. */
START_TEST(test_hop_by_hop)
{
        struct mem_peer *c = client_new();

        put(c, "GET / HTTP/1.1\r\nHost: h\r\nConnection: x-a\r\nX-A: 1\r\nTE: trailers\r\n"
               "Upgrade: h2c\r\nHTTP2-Settings: AAA\r\nX-B: 2\r\n\r\n");
        settle();
        /* TE goes on only as "te: trailers" */
        expect(servers[0], "GET / HTTP/1.1\r\nHost: h\r\nte: trailers\r\nX-B: 2\r\n\r\n");
        put(servers[0], "HTTP/1.1 200 OK\r\nConnection: x-c, keep-alive\r\nX-C: 3\r\n"
                        "Keep-Alive: timeout=1\r\nContent-Length: 0\r\n\r\n");
        settle();
        expect(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
}
END_TEST

/* h2c goes from an Upgrade field that names it, the rest stays; a field without it stays as
 * it came; and the fields after either are intact. */
START_TEST(test_upgrade_h2c_removed_in_place)
{
        struct mem_peer *c = client_new();

        put(c, "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\n"
               "Upgrade: websocket , h2c,x\r\nX-After: 1\r\n\r\n");
        settle();
        expect(servers[0], "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket,x\r\n"
                           "X-After: 1\r\nconnection: upgrade\r\n\r\n");
        put(servers[0], "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        settle();
        (void)take(c);
        put(c, "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade\r\nUpgrade: a,b\r\n"
               "X-After: 2\r\n\r\n");
        settle();
        expect(servers[0], "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: a,b\r\nX-After: 2\r\n"
                           "connection: upgrade\r\n\r\n");
}
END_TEST

/* ---- handshakes stacked before the mux ---- */

struct hello {
        const char *want; /* the line the step expects, CRLF included */
        char got[32];
        size_t n;
        struct sess *ss;
        int result; /* what complete() was told; 1 until then */
};

/* Reads exactly its line, a byte at a time, as a PROXY protocol header is read before TLS:
 * what follows stays in the connection for the next step or the mux. */
static int hello_step(struct conn *c, void *data)
{
        struct hello *h = data;
        size_t len = strlen(h->want);

        while (h->n < len) {
                ssize_t r = conn_read(c, h->got + h->n, 1);

                if (r == -EAGAIN) {
                        conn_want(c, CONN_WANT_RD);
                        return -EAGAIN;
                }
                if (r <= 0)
                        return -EPIPE;
                h->n++;
        }
        return memcmp(h->got, h->want, len) == 0 ? 0 : -EPROTO;
}

static struct hello hello_a, hello_b; /* the steps of the one client of these tests */
static struct conn_hs hs;

static void hello_complete(struct conn *c, int err)
{
        hello_a.result = err;
        if (err == 0)
                ck_assert_int_eq(mux_h1_ops.init(c, &W, hello_a.ss), 0);
        else
                sess_close(hello_a.ss);
}

/* A client whose connection goes through two steps before its HTTP/1 mux. */
static struct mem_peer *client_with_steps(const char *first, const char *second)
{
        struct sockaddr_storage src = {.ss_family = AF_INET};
        struct mem_peer *p;

        hello_a = (struct hello){.want = first, .result = 1};
        hello_b = (struct hello){.want = second, .result = 1};
        hello_a.ss = sess_new(&W, gen->proxies[0], &src, sizeof(struct sockaddr_in),
                              mux_h1_ops.client_space);
        ck_assert_ptr_nonnull(hello_a.ss);
        ck_assert_int_eq(xprt_mem_pair(&hello_a.ss->conn, W.loop, peer_limit, &p), 0);
        clients[n_clients++] = p;
        hs = (struct conn_hs){.step = {hello_step, hello_step},
                              .data = {&hello_a, &hello_b},
                              .n = 2,
                              .complete = hello_complete};
        conn_handshake(&hello_a.ss->conn, &hs);
        return p;
}

/* Both steps see their bytes, split anywhere, and the mux what follows, in one write. */
START_TEST(test_handshake_steps_then_mux)
{
        struct mem_peer *c = client_with_steps("PROXY x\r\n", "TLS y\r\n");
        char all[256];
        size_t len, i = (size_t)_i;

        len = (size_t)snprintf(all, sizeof(all), "PROXY x\r\nTLS y\r\n%s", req_get);
        ck_assert_uint_eq(mem_peer_write(c, all, i), i);
        settle();
        ck_assert_uint_eq(n_servers, 0);
        ck_assert_uint_eq(mem_peer_write(c, all + i, len - i), len - i);
        settle();
        ck_assert_int_eq(hello_a.result, 0);
        ck_assert_uint_eq(n_servers, 1);
        expect(servers[0], req_get_out);
}
END_TEST

/* A step that fails closes the connection; no mux ever reads it. */
START_TEST(test_handshake_step_fails)
{
        struct mem_peer *c = client_with_steps("PROXY x\r\n", "TLS y\r\n");

        put(c, "PROXY x\r\nTLS z\r\n");
        put(c, req_get);
        settle();
        ck_assert_int_eq(hello_a.result, -EPROTO);
        ck_assert(mem_peer_closed(c));
        ck_assert_uint_eq(n_servers, 0);
        ck_assert_uint_eq(W.n_conns, 0);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("worker/stream");
        TCase *tc = tcase_create("http1");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_get);
        tcase_add_loop_test(tc, test_split_at_every_byte, 1, (int)sizeof(req_get) - 1);
        tcase_add_test(tc, test_pipelined);
        tcase_add_test(tc, test_expect_100_continue);
        tcase_add_test(tc, test_body_larger_than_buffer);
        tcase_add_test(tc, test_response_over_bufsize);
        tcase_add_test(tc, test_chunked_body_larger_than_buffer);
        tcase_add_test(tc, test_chunked_with_trailers);
        tcase_add_loop_test(tc, test_chunked_split_at_every_byte, 1, (int)sizeof(res_chunked) - 1);
        tcase_add_test(tc, test_answer_before_request_body_ends);
        tcase_add_test(tc, test_server_close_keeps_client);
        tcase_add_test(tc, test_broken_response_replaced);
        tcase_add_test(tc, test_client_reset_mid_response);
        tcase_add_test(tc, test_soft_stop_with_request_in_flight);
        tcase_add_test(tc, test_soft_stop_idle);
        tcase_add_test(tc, test_soft_stop_before_first_request);
        tcase_add_test(tc, test_soft_stop_first_request_in_grace);
        tcase_add_test(tc, test_bad_request);
        tcase_add_test(tc, test_hop_by_hop);
        tcase_add_test(tc, test_upgrade_h2c_removed_in_place);
        suite_add_tcase(s, tc);
        tc = tcase_create("handshake");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, test_handshake_steps_then_mux, 0, 20);
        tcase_add_test(tc, test_handshake_step_fails);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
