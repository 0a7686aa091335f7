/* The stats sockets (wstats.h): accepting, reading command lines, writing answers. The
 * commands themselves are wcli.c's, run at the socket's level. */
#include "wstats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "wcli.h"
#include "wctx.h"

#define WSTATS_LINE_MAX   8192 /* a longer command line is refused */
#define WSTATS_MAXCONN    10   /* clients per socket at once (HAProxy's "stats maxconn") */
#define WSTATS_ACCEPTS    16   /* accepted per wakeup */
#define WSTATS_RETRY_MS   100  /* accepting again after running out of files or memory */
#define WSTATS_OUT_MAX    (64u << 20)
#define WSTATS_TOO_LONG   "Command line too long\n"
#define WSTATS_PROMPT_ON  "\n> "
#define WSTATS_PROMPT_OFF "\n"

struct wstats_listener {
        struct sl_list link; /* in worker->stats_listeners */
        struct loop_io io;
        struct loop_timer retry; /* watches the socket again after EMFILE */
        struct loop_reap reap;
        struct worker *w;                 /* borrowed */
        const struct cfg_stats_socket *s; /* borrowed from the worker's generation */
        int fd;                           /* owned: this worker's copy of the master's */
        unsigned n_clients;
};

struct wstats_client {
        struct sl_list link; /* in worker->stats_clients */
        struct loop_io io;
        struct loop_timer timer; /* the stats timeout: nothing read or written for that long */
        struct loop_reap reap;
        struct worker *w;          /* borrowed */
        struct wstats_listener *l; /* borrowed; NULL once the listener is closed */
        int fd;                    /* owned */
        int level;                 /* CFG_STATS_LEVEL_* of its socket */
        bool interactive;          /* "prompt" */
        bool closing;              /* answer written, then close */
        char in[WSTATS_LINE_MAX];
        size_t in_len;
        char *out; /* owned: answer not yet written */
        size_t out_len, out_off;
};

static void client_on_reap(struct loop_reap *r)
{
        struct wstats_client *c = sl_container_of(r, struct wstats_client, reap);

        free(c->out);
        free(c);
}

static void listener_watch(struct wstats_listener *l)
{
        loop_io_modify(&l->io, l->n_clients < WSTATS_MAXCONN && !loop_timer_is_armed(&l->retry)
                                       ? EPOLLIN
                                       : 0);
}

static void client_close(struct wstats_client *c)
{
        char drain[512];

        /* bytes left unread would turn the close into a reset, which can destroy the end of
         * the answer on its way */
        if (c->closing) {
                (void)shutdown(c->fd, SHUT_WR);
                for (int i = 0; i < 16 && recv(c->fd, drain, sizeof(drain), MSG_DONTWAIT) > 0; i++)
                        ;
        }
        sl_list_del(&c->link);
        loop_timer_deinit(&c->timer);
        loop_io_stop(&c->io);
        close(c->fd);
        if (c->l) {
                c->l->n_clients--;
                listener_watch(c->l);
        }
        /* it may be in this turn's batch of events */
        loop_reap(c->w->loop, &c->reap);
}

/* Write what can be written; then read again, or close once all is written if closing. */
static void client_flush(struct wstats_client *c)
{
        while (c->out_off < c->out_len) {
                ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                                 MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN) {
                        /* no command is read while an answer waits: backpressure */
                        loop_io_modify(&c->io, EPOLLOUT);
                        return;
                }
                if (n <= 0) {
                        client_close(c);
                        return;
                }
                c->out_off += (size_t)n;
                loop_timer_arm(&c->timer, cfg_stats_timeout_ms(&c->w->gen->global));
        }
        free(c->out);
        c->out = NULL;
        c->out_len = c->out_off = 0;
        if (c->closing) {
                client_close(c);
                return;
        }
        loop_io_modify(&c->io, EPOLLIN | EPOLLRDHUP);
}

/* One command of a line: "prompt" and "quit" are the connection's, the others wcli's. */
static void client_command(struct wstats_client *c, char *cmd, FILE *out)
{
        while (*cmd == ' ' || *cmd == '\t')
                cmd++;
        if (strcmp(cmd, "prompt") == 0) {
                c->interactive = !c->interactive;
        } else if (strcmp(cmd, "quit") == 0) {
                c->closing = true;
                return;
        } else {
                bool help = strncmp(cmd, "help", 4) == 0 && (!cmd[4] || cmd[4] == ' ');

                wcli_exec(c->w, cmd, c->level, out);
                if (help)
                        fputs("prompt     : toggle the interactive mode with a prompt\n"
                              "quit       : close the connection\n",
                              out);
        }
        fputs(c->interactive ? WSTATS_PROMPT_ON : WSTATS_PROMPT_OFF, out);
}

/* The commands of one line, separated by ';' ("\;" is a ';' inside a command). */
static void client_line(struct wstats_client *c, char *line, FILE *out)
{
        char *cmd = line, *w = line;

        for (char *r = line;; r++) {
                if (*r == '\\' && r[1] == ';') {
                        *w++ = ';';
                        r++;
                        continue;
                }
                if (*r == ';' || *r == '\0') {
                        bool last = *r == '\0';

                        *w = '\0';
                        client_command(c, cmd, out);
                        if (last || c->closing)
                                return;
                        cmd = w = r + 1;
                        continue;
                }
                *w++ = *r;
        }
}

/* Answer every complete line received; without "prompt", the first line ends the
 * connection (lines that came with it are answered too, as HAProxy does). */
static void client_process(struct wstats_client *c)
{
        char *start = c->in, *nl, *buf = NULL;
        size_t len = 0;
        FILE *out;

        if (!memchr(c->in, '\n', c->in_len))
                return;
        out = open_memstream(&buf, &len);
        if (!out) {
                client_close(c);
                return;
        }
        while (!c->closing && (nl = memchr(start, '\n', c->in_len - (size_t)(start - c->in)))) {
                *nl = '\0';
                if (nl > start && nl[-1] == '\r')
                        nl[-1] = '\0';
                client_line(c, start, out);
                start = nl + 1;
        }
        if (!c->interactive)
                c->closing = true;
        if (fclose(out) != 0 || !buf) {
                free(buf);
                client_close(c);
                return;
        }
        c->in_len -= (size_t)(start - c->in);
        memmove(c->in, start, c->in_len);
        if (len > WSTATS_OUT_MAX)
                len = WSTATS_OUT_MAX;
        c->out = buf;
        c->out_len = len;
        c->out_off = 0;
        client_flush(c);
}

static void client_on_io(struct loop_io *io, uint32_t events)
{
        struct wstats_client *c = sl_container_of(io, struct wstats_client, io);
        ssize_t n;

        if (c->out) {
                client_flush(c);
                return;
        }
        n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                /* the client is done (or gone): a line without its newline is not a command,
                 * as in HAProxy */
                client_close(c);
                return;
        }
        c->in_len += (size_t)n;
        loop_timer_arm(&c->timer, cfg_stats_timeout_ms(&c->w->gen->global));
        if (!memchr(c->in, '\n', c->in_len) && c->in_len == sizeof(c->in)) {
                c->out = strdup(WSTATS_TOO_LONG);
                if (!c->out) {
                        client_close(c);
                        return;
                }
                c->out_len = strlen(c->out);
                c->closing = true;
                client_flush(c);
                return;
        }
        client_process(c);
}

static void client_on_timer(struct loop_timer *t)
{
        client_close(sl_container_of(t, struct wstats_client, timer));
}

static void client_new(struct wstats_listener *l, int fd)
{
        struct worker *w = l->w;
        struct wstats_client *c = calloc(1, sizeof(*c));

        if (!c || loop_timer_init(w->loop, &c->timer, client_on_timer) < 0) {
                free(c);
                close(fd);
                return;
        }
        c->w = w;
        c->l = l;
        c->fd = fd;
        c->level = (int)l->s->level;
        loop_reap_init(&c->reap, client_on_reap);
        loop_io_init(w->loop, &c->io, fd, client_on_io);
        loop_io_start(&c->io, EPOLLIN | EPOLLRDHUP);
        loop_timer_arm(&c->timer, cfg_stats_timeout_ms(&w->gen->global));
        sl_list_push_back(&w->stats_clients, &c->link);
        l->n_clients++;
}

static void listener_on_io(struct loop_io *io, uint32_t events)
{
        struct wstats_listener *l = sl_container_of(io, struct wstats_listener, io);

        for (int i = 0; i < WSTATS_ACCEPTS && l->n_clients < WSTATS_MAXCONN; i++) {
                int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (fd == -1) {
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                            errno == ENOMEM) {
                                /* the client stays queued; level-triggered epoll would call
                                 * again at once */
                                loop_timer_arm(&l->retry, WSTATS_RETRY_MS);
                                listener_watch(l);
                        }
                        return;
                }
                client_new(l, fd);
        }
        /* full: the next clients wait in the kernel's queue, as with HAProxy's maxconn */
        listener_watch(l);
}

static void listener_on_retry(struct loop_timer *t)
{
        listener_watch(sl_container_of(t, struct wstats_listener, retry));
}

static void listener_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct wstats_listener, reap));
}

int wstats_start(struct worker *w)
{
        const struct cfg_global *g = &w->gen->global;

        if (!w->opts || !w->opts->stats_fd)
                return 0;
        for (size_t i = 0; i < g->n_stats_sockets; i++) {
                const struct cfg_stats_socket *s = &g->stats_sockets[i];
                struct wstats_listener *l;
                int fd = w->opts->stats_fd(w->opts->listener_data, s);

                if (fd < 0)
                        continue;
                /* an inherited socket (fd@N) may be blocking: accept() must never wait */
                if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
                        return log_errno(LOG_ERR, -errno, "%s:%u: stats socket", s->where.file,
                                         s->where.line);
                l = calloc(1, sizeof(*l));
                if (!l || loop_timer_init(w->loop, &l->retry, listener_on_retry) < 0) {
                        free(l);
                        close(fd);
                        return log_errno(LOG_ERR, -ENOMEM, "%s:%u: stats socket", s->where.file,
                                         s->where.line);
                }
                l->w = w;
                l->s = s;
                l->fd = fd;
                loop_reap_init(&l->reap, listener_on_reap);
                loop_io_init(w->loop, &l->io, fd, listener_on_io);
                loop_io_start(&l->io, EPOLLIN);
                sl_list_push_back(&w->stats_listeners, &l->link);
        }
        return 0;
}

void wstats_close_listeners(struct worker *w)
{
        struct sl_list *pos;

        sl_list_for_each(pos, &w->stats_clients) {
                sl_list_entry(pos, struct wstats_client, link)->l = NULL;
        }
        while (!sl_list_empty(&w->stats_listeners)) {
                struct wstats_listener *l =
                        sl_list_first(&w->stats_listeners, struct wstats_listener, link);

                sl_list_del(&l->link);
                loop_timer_deinit(&l->retry);
                loop_io_stop(&l->io);
                /* our copy: the master keeps the socket for the next generation */
                close(l->fd);
                loop_reap(w->loop, &l->reap);
        }
}

void wstats_stop(struct worker *w)
{
        wstats_close_listeners(w);
        while (!sl_list_empty(&w->stats_clients))
                client_close(sl_list_first(&w->stats_clients, struct wstats_client, link));
}
