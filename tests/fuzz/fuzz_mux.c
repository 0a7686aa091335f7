/* The data-path fuzz driver (see fuzz_mux.h). */
#include "fuzz_mux.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "mux.h"
#include "session.h"
#include "worker.h"
#include "xprt_mem.h"

enum {
        FL_CLI_SHUTW = 1u << 0, /* the client half-closes once its bytes are out */
        FL_CLI_RESET = 1u << 1, /* the client resets at the end */
        FL_SRV_SHUTW = 1u << 2, /* servers half-close after their bytes */
        FL_SRV_RESET = 1u << 3, /* servers reset at the end */
        FL_SMALL = 1u << 4,     /* queues of 512 bytes: full sockets everywhere */
};

#define MAX_SERVERS 8

static struct cfg_gen *gen;
static struct worker W;
static struct mem_peer *servers[MAX_SERVERS];
static size_t n_servers, limit;

/* an invariant that failed aborts, naming its line */
#define check(cond) check_at((cond), __LINE__)

static void check_at(bool cond, int line)
{
        if (!cond) {
                fprintf(stderr, "fuzz_mux.c:%d: check failed\n", line);
                abort();
        }
}

static int mem_connect(void *data, struct px_rt *rt, int srv_idx, struct conn *c)
{
        (void)data;
        (void)rt;
        (void)srv_idx;
        if (n_servers == MAX_SERVERS)
                return -ECONNREFUSED;
        return xprt_mem_pair(c, W.loop, limit, &servers[n_servers++]);
}

/* Run turns until none has anything to do (bounded: a worker that never settles is a bug). */
static void settle(void)
{
        for (int i = 0; i < 10000; i++)
                if (loop_run_once(W.loop, 0) == 0)
                        return;
        check(!"the worker settles");
}

static void drain(struct mem_peer *p)
{
        char buf[4096];

        while (mem_peer_read(p, buf, sizeof(buf)))
                ;
}

void fuzz_mux_run(const struct mux_ops *mux, const char *config, const uint8_t *data, size_t size)
{
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_port = htons(40000),
                                  .sin_addr.s_addr = htonl(0x7f000001)};
        struct sockaddr_storage src = {0};
        const uint8_t *cli, *srv;
        size_t cli_len, srv_len, cli_at = 0, srv_at = 0, cpiece, spiece;
        struct mem_peer *client;
        struct sess *ss;
        unsigned flags;

        if (size < 5)
                return;
        if (!gen) {
                struct cfg_diags diags = {0};

                check(cfg_load_text("fuzz.cfg", config, strlen(config), NULL, &gen, &diags) == 0);
                cfg_diags_clear(&diags);
        }
        cpiece = (size_t)data[0] % 97 + 1;
        spiece = (size_t)data[1] % 97 + 1;
        flags = data[2];
        cli_len = (size_t)data[3] | (size_t)data[4] << 8;
        data += 5;
        size -= 5;
        if (cli_len > size)
                cli_len = size;
        cli = data;
        srv = data + cli_len;
        srv_len = size - cli_len;
        limit = flags & FL_SMALL ? 512 : 0;

        memset(&W, 0, sizeof(W));
        check(worker_init(&W, gen, NULL) == 0);
        W.srv_connect = mem_connect;
        n_servers = 0;
        memcpy(&src, &sin, sizeof(sin));
        ss = sess_new(&W, gen->proxies[0], &src, sizeof(sin), mux->client_space);
        check(ss != NULL);
        check(xprt_mem_pair(&ss->conn, W.loop, limit, &client) == 0);
        check(mux->init(&ss->conn, &W, ss) == 0);

        for (int turn = 0; turn < 400 && (cli_at < cli_len || srv_at < srv_len); turn++) {
                if (cli_at < cli_len) {
                        size_t n = cli_len - cli_at < cpiece ? cli_len - cli_at : cpiece;

                        cli_at += mem_peer_write(client, cli + cli_at, n);
                }
                settle();
                drain(client);
                for (size_t i = 0; i < n_servers; i++) {
                        size_t n;

                        if (mem_peer_closed(servers[i]))
                                continue;
                        drain(servers[i]);
                        n = srv_len - srv_at < spiece ? srv_len - srv_at : spiece;
                        srv_at += mem_peer_write(servers[i], srv + srv_at, n);
                }
                settle();
                drain(client);
        }
        for (size_t i = 0; i < n_servers; i++) {
                if (flags & FL_SRV_RESET)
                        mem_peer_reset(servers[i]);
                else if (flags & FL_SRV_SHUTW)
                        mem_peer_shutw(servers[i]);
        }
        settle();
        drain(client);
        if (flags & FL_CLI_RESET) {
                mem_peer_reset(client);
                settle();
                /* a client that reset is forgotten at once, whatever it was doing */
                check(W.n_conns == 0);
        } else if (flags & FL_CLI_SHUTW) {
                mem_peer_shutw(client);
                settle();
        }
        worker_deinit(&W);
        client = mem_peer_free(client);
        for (size_t i = 0; i < n_servers; i++)
                servers[i] = mem_peer_free(servers[i]);
}
