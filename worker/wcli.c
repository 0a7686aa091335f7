/* The worker CLI (wcli.h). Answers are built whole in memory (open_memstream), then written
 * without blocking as the client's socket takes them. */
#include "wcli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "dns.h"
#include "list.h"
#include "listener.h"
#include "log.h"
#include "loop.h"
#include "macros.h"
#include "peer_links.h"
#include "stktable.h"
#include "stktable_cli.h"
#include "wcount.h"
#include "wctx.h"
#include "werrors.h"
#include "wsess.h"
#include "wsvc.h"

#define WCLI_CMD_MAX    4096
#define WCLI_WORDS_MAX  16
#define WCLI_OUT_MAX    (64u << 20) /* an answer beyond this is cut, and says so */
#define WCLI_CLIENTS    64          /* answers being written at once */
#define WCLI_TIMEOUT_MS 10000       /* a client that does not read its answer is dropped */

struct wcli_out {
        struct sl_list link;
        struct loop_io io;
        struct loop_timer timer;
        struct worker *w;
        int fd;
        char *buf;
        size_t len, off;
};

static void wcli_out_free(struct wcli_out *o)
{
        o->w->cli_n_out--;
        sl_list_del(&o->link);
        loop_timer_deinit(&o->timer);
        loop_io_stop(&o->io);
        close(o->fd);
        free(o->buf);
        free(o);
}

static void wcli_out_write(struct wcli_out *o)
{
        while (o->off < o->len) {
                ssize_t n =
                        send(o->fd, o->buf + o->off, o->len - o->off, MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN) {
                        loop_io_start(&o->io, EPOLLOUT);
                        return;
                }
                if (n <= 0)
                        break;
                o->off += (size_t)n;
        }
        wcli_out_free(o);
}

static void wcli_out_on_io(struct loop_io *io, uint32_t events)
{
        (void)events;
        wcli_out_write(sl_container_of(io, struct wcli_out, io));
}

static void wcli_out_on_timer(struct loop_timer *t)
{
        wcli_out_free(sl_container_of(t, struct wcli_out, timer));
}

/* -m: the worker's address-space limit in MiB, 0 for none (HAProxy's Memmax_MB). */
static unsigned long long wcli_memmax_mb(void)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_AS, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
                return 0;
        return (unsigned long long)rl.rlim_cur >> 20;
}

/* Counter @c over this worker's frontends (connections, requests, responses), or its
 * backends and their servers
 * (server connections). */
static uint64_t wcli_sum(struct worker *w, enum stats_ctr c)
{
        bool fe =
                c == ST_C_HRSP_4XX || c == ST_C_HRSP_5XX || c == ST_C_CONN_TOT || c == ST_C_REQ_TOT;
        uint64_t n = 0;

        for (size_t i = 0; i < w->gen->n_proxies; i++) {
                const struct cfg_proxy *px = w->gen->proxies[i];
                uint32_t idx = fe ? px->st_fe : px->st_be;

                if (idx == CFG_STATS_NONE)
                        continue;
                n += stats_row_blk(w->st, idx)->c[c];
                for (size_t k = 0; !fe && k < px->n_servers; k++)
                        n += stats_row_blk(w->st, px->st_srv + (uint32_t)k)->c[c];
        }
        return n;
}

static void wcli_show_info(struct worker *w, FILE *out)
{
        const uint64_t *c = wc_proc(w)->c;

        fprintf(out,
                "Name: sluice\nVersion: %s\nPid: %d\nUptime_sec: %llu\nMemmax_MB: %llu\n"
                "PoolFailed: %llu\nMaxconn: %u\n"
                "CurrConns: %u\nCumConns: %llu\nCumReq: %llu\nStopping: %d\n"
                "Replies4xx: %llu\nReplies5xx: %llu\nSrvConnNew: %llu\nSrvConnReused: %llu\n"
                "SrvConnFailed: %llu\nTcpRejected: %llu\nStickRefused: %llu\n"
                "StickUnledgered: %llu\n",
                SL_VERSION, (int)getpid(),
                (unsigned long long)((sl_clock_ms() - w->started_ms) / 1000), wcli_memmax_mb(),
                (unsigned long long)c[ST_C_POOL_FAILED], w->maxconn, w->n_conns,
                (unsigned long long)wcli_sum(w, ST_C_CONN_TOT),
                (unsigned long long)wcli_sum(w, ST_C_REQ_TOT), w->stopping ? 1 : 0,
                (unsigned long long)wcli_sum(w, ST_C_HRSP_4XX),
                (unsigned long long)wcli_sum(w, ST_C_HRSP_5XX),
                (unsigned long long)wcli_sum(w, ST_C_CONNECT),
                (unsigned long long)wcli_sum(w, ST_C_REUSE),
                (unsigned long long)wcli_sum(w, ST_C_ECON),
                (unsigned long long)c[ST_C_TCP_REJECTED], (unsigned long long)c[ST_C_STICK_REFUSED],
                (unsigned long long)c[ST_C_STICK_UNLEDGERED]);
}

static void wcli_table_cmd(struct worker *w, char **words, int n, int level, FILE *out)
{
        const char *names[256];
        struct stkt *tables[256];
        size_t m = 0;

        for (size_t i = 0; i < w->gen->n_proxies && m < SL_ARRAY_SIZE(names); i++) {
                if (w->rt[i].table) {
                        names[m] = w->gen->proxies[i]->name;
                        tables[m++] = w->rt[i].table;
                }
        }
        stkt_cli_command(out, names, tables, m, words, n, level >= CFG_STATS_LEVEL_OPERATOR,
                         loop_now(w->loop));
}

/* "enable|disable frontend <fe>", "set maxconn frontend <fe> <n>", "set maxconn global <n>"
 * (this worker's share of the node's limit, which the master computes) */
static void wcli_frontend_cmd(struct worker *w, char **words, int n, int level, FILE *out)
{
        const struct cfg_proxy *fe = NULL;
        bool maxconn = strcmp(words[1], "maxconn") == 0;
        const char *name = maxconn ? (n > 3 ? words[3] : NULL) : (n > 2 ? words[2] : NULL);
        unsigned long v = 0;
        char *end = NULL;

        if (level < CFG_STATS_LEVEL_ADMIN) {
                fputs("Permission denied\n", out);
                return;
        }
        if (maxconn) {
                const char *arg = strcmp(words[2], "global") == 0 ? (n > 3 ? words[3] : NULL)
                                                                  : (n > 4 ? words[4] : NULL);

                v = arg ? strtoul(arg, &end, 10) : 0;
                if (!arg || *end || end == arg || v > UINT32_MAX) {
                        fputs("Integer value expected.\n", out);
                        return;
                }
                if (strcmp(words[0], "set") != 0 ||
                    (strcmp(words[2], "global") != 0 && strcmp(words[2], "frontend") != 0)) {
                        fputs("'set maxconn' only supports 'frontend' and 'global'.\n", out);
                        return;
                }
                if (strcmp(words[2], "global") == 0) {
                        w->maxconn = (unsigned)v;
                        if (w->accept_paused && (!w->maxconn || w->n_conns < w->maxconn))
                                listeners_resume(w);
                        return;
                }
        }
        if (name)
                fe = cfg_gen_find_proxy(w->gen, name, CFG_CAP_FE);
        if (!name) {
                fputs("A frontend name is expected.\n", out);
                return;
        }
        if (!fe) {
                fputs("No such frontend.\n", out);
                return;
        }
        if (maxconn) {
                struct px_rt *rt = worker_rt(w, fe);

                rt->maxconn = (unsigned)v;
                if (!rt->maxconn || rt->feconn < rt->maxconn)
                        listeners_resume_frontend(w, fe);
                return;
        }
        if (strcmp(words[0], "enable") == 0)
                (void)listeners_frontend_enable(w, fe, true);
        else if (strcmp(words[0], "disable") == 0)
                (void)listeners_frontend_enable(w, fe, false);
        else
                fputs("Unknown command; try 'help'\n", out);
}

/* "set rate-limit connections|ssl-sessions global <n>": this worker's share of the node's
 * limit per second (0: none), which the master computes */
static void wcli_rate_limit(struct worker *w, char **words, int level, FILE *out)
{
        char *end;
        unsigned long v = strtoul(words[4], &end, 10);

        if (level < CFG_STATS_LEVEL_ADMIN) {
                fputs("Permission denied\n", out);
                return;
        }
        if (*end || end == words[4] || v > UINT32_MAX) {
                fputs("Integer value expected.\n", out);
                return;
        }
        if (strcmp(words[2], "connections") == 0) {
                w->maxconnrate = (unsigned)v;
                if (!v && w->conn_rate_paused) {
                        loop_timer_disarm(&w->conn_rate_retry);
                        w->conn_rate_paused = false;
                        if (!w->maxconn || w->n_conns < w->maxconn)
                                listeners_resume(w);
                }
        } else if (strcmp(words[2], "ssl-sessions") == 0) {
                w->maxsslrate = (unsigned)v;
        } else {
                fputs("'set rate-limit' only supports 'connections' and 'ssl-sessions'.\n", out);
        }
}

void wcli_exec(struct worker *w, char *cmd, int level, FILE *out)
{
        char *words[WCLI_WORDS_MAX], *save = NULL;
        int n = 0;

        for (char *tok = strtok_r(cmd, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                if (n == WCLI_WORDS_MAX) {
                        fputs("Too many words\n", out);
                        return;
                }
                words[n++] = tok;
        }
        if (n == 0 || strcmp(words[0], "help") == 0) {
                fputs("show info  : this worker's process and counters\n"
                      "show table [<table> [data.<type> <op> <value>]...] : stick tables\n"
                      "clear table <table> [key <key> | data.<type> <op> <value>...]\n"
                      "set table <table> key <key> data.<type> <value>\n"
                      "show sess [all|<id>] : this worker's client connections\n"
                      "show errors : this worker's last invalid request and response per proxy\n"
                      "show peers [<section>] : the peer links, if this worker owns them\n"
                      "shutdown session <id> : close one\n"
                      "shutdown sessions server <backend>/<server> : close those using it\n"
                      "enable|disable frontend <frontend> : accept on its sockets, or not\n"
                      "set maxconn frontend <frontend> <n> | set maxconn global <n>\n"
                      "set rate-limit connections|ssl-sessions global <n>\n",
                      out);
        } else if (n == 2 && strcmp(words[0], "show") == 0 && strcmp(words[1], "info") == 0) {
                wcli_show_info(w, out);
        } else if ((n == 2 || n == 3) && strcmp(words[0], "show") == 0 &&
                   strcmp(words[1], "peers") == 0) {
                peers_show(w, n == 3 ? words[2] : NULL, out);
        } else if (n == 2 && strcmp(words[0], "resolvers") == 0 && strcmp(words[1], "wake") == 0) {
                dns_wake(w); /* the master left a "set server fqdn" request */
        } else if (n == 2 && strcmp(words[0], "show") == 0 && strcmp(words[1], "errors") == 0) {
                werr_show(w, out);
        } else if (n >= 2 && strcmp(words[0], "show") == 0 && strcmp(words[1], "sess") == 0) {
                bool all = n == 3 && strcmp(words[2], "all") == 0;

                wsess_show(w, out, all, n == 3 && !all ? words[2] : NULL);
        } else if (n == 3 && strcmp(words[0], "shutdown") == 0 &&
                   strcmp(words[1], "session") == 0) {
                if (level < CFG_STATS_LEVEL_ADMIN)
                        fputs("Permission denied\n", out);
                else
                        wsess_shutdown(w, out, words[2]);
        } else if (n == 4 && strcmp(words[0], "shutdown") == 0 &&
                   strcmp(words[1], "sessions") == 0 && strcmp(words[2], "server") == 0) {
                char *slash = strchr(words[3], '/');

                if (level < CFG_STATS_LEVEL_ADMIN) {
                        fputs("Permission denied\n", out);
                } else if (!slash) {
                        fputs("Require 'backend/server'.\n", out);
                } else {
                        *slash = '\0';
                        wsess_shutdown_server(w, out, words[3], slash + 1);
                }
        } else if (n == 5 && strcmp(words[0], "set") == 0 && strcmp(words[1], "rate-limit") == 0 &&
                   strcmp(words[3], "global") == 0) {
                wcli_rate_limit(w, words, level, out);
        } else if (n >= 2 && (strcmp(words[1], "frontend") == 0 ||
                              (n >= 3 && strcmp(words[1], "maxconn") == 0))) {
                wcli_frontend_cmd(w, words, n, level, out);
        } else if (n >= 2 && strcmp(words[1], "table") == 0 &&
                   (strcmp(words[0], "show") == 0 || strcmp(words[0], "clear") == 0 ||
                    strcmp(words[0], "set") == 0)) {
                wcli_table_cmd(w, words, n, level, out);
        } else {
                fputs("Unknown command; try 'help'\n", out);
        }
}

/* One command from the master: its text and the client's socket. */
static void wcli_on_io(struct loop_io *io, uint32_t events)
{
        struct worker *w = sl_container_of(io, struct worker, cli_io);
        char cmd[WCLI_CMD_MAX + 1];
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } ctl;
        struct iovec iov = {cmd, WCLI_CMD_MAX};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = ctl.buf,
                            .msg_controllen = sizeof(ctl.buf)};
        struct cmsghdr *c;
        struct wcli_out *o;
        FILE *out;
        ssize_t n;
        int fd = -1;

        (void)events;
        for (int round = 0; round < 16; round++) {
                n = recvmsg(w->cli_io.fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
                if (n < 0)
                        return;
                fd = -1;
                for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                                memcpy(&fd, CMSG_DATA(c), sizeof(int));
                mh.msg_controllen = sizeof(ctl.buf);
                if (n > 0 && cmd[0] == WSVC_REPLY_TAG) {
                        wsvc_on_answer(w, cmd + 1, (size_t)n - 1, fd);
                        continue;
                }
                if (fd < 0)
                        continue;
                cmd[n] = '\0';
                o = w->cli_n_out < WCLI_CLIENTS ? calloc(1, sizeof(*o)) : NULL;
                if (!o || loop_timer_init(w->loop, &o->timer, wcli_out_on_timer) < 0) {
                        free(o);
                        close(fd);
                        continue;
                }
                out = open_memstream(&o->buf, &o->len);
                if (!out) {
                        loop_timer_deinit(&o->timer);
                        free(o);
                        close(fd);
                        continue;
                }
                /* the master CLI's clients may do everything, as HAProxy's */
                wcli_exec(w, cmd, CFG_STATS_LEVEL_ADMIN, out);
                /* fclose() sets o->buf and o->len: cut after it */
                fclose(out);
                if (o->len > WCLI_OUT_MAX && o->buf) {
                        static const char cut[] = "\n(answer cut at 64 MiB)\n";

                        o->len = WCLI_OUT_MAX;
                        memcpy(o->buf + WCLI_OUT_MAX - sizeof(cut) + 1, cut, sizeof(cut) - 1);
                }
                o->w = w;
                o->fd = fd;
                w->cli_n_out++;
                sl_list_push_back(&w->cli_outs, &o->link);
                loop_io_init(w->loop, &o->io, fd, wcli_out_on_io);
                loop_timer_arm(&o->timer, WCLI_TIMEOUT_MS);
                wcli_out_write(o);
        }
}

int wcli_start(struct worker *w, int fd)
{
        sl_list_init(&w->cli_outs);
        loop_io_init(w->loop, &w->cli_io, fd, wcli_on_io);
        loop_io_start(&w->cli_io, EPOLLIN);
        w->cli_fd = fd;
        return 0;
}

void wcli_stop(struct worker *w)
{
        if (w->cli_fd < 0)
                return;
        while (!sl_list_empty(&w->cli_outs))
                wcli_out_free(sl_list_first(&w->cli_outs, struct wcli_out, link));
        loop_io_stop(&w->cli_io);
        close(w->cli_fd);
        w->cli_fd = -1;
}
