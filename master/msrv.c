/* The stats sockets, served by the master for the whole node (msrv.h): accepting, reading
 * command lines, writing answers. The commands themselves are mcmd.c's, run at the
 * socket's level. */
#include "msrv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "master-t.h"
#include "mcmd.h"
#include "model.h"
#include "msock.h"

#define MSRV_LINE_MAX   8192       /* a longer command line is refused */
#define MSRV_MAXCONN    10         /* clients per socket at once (HAProxy's "stats maxconn") */
#define MSRV_ACCEPTS    16         /* accepted per wakeup */
#define MSRV_RETRY_MS   100        /* accepting again after running out of files or memory */
#define MSRV_PIECE      (1u << 20) /* bytes of answers made before they are written */
#define MSRV_TOO_LONG   "Command line too long\n"
#define MSRV_PROMPT_ON  "\n> "
#define MSRV_PROMPT_OFF "\n"

struct msrv_listener {
        struct sl_list link; /* in master->srv_listeners */
        struct loop_io io;
        struct loop_timer retry; /* watches the socket again after EMFILE */
        struct loop_reap reap;
        struct master *m; /* borrowed */
        int level;        /* CFG_STATS_LEVEL_* of its line in the current generation */
        int fd;           /* borrowed from the master's listening sockets (msock.c) */
        unsigned n_clients;
};

struct msrv_client {
        struct sl_list link; /* in master->srv_clients */
        struct loop_io io;
        struct loop_timer timer; /* the stats timeout: nothing read or written for that long */
        struct loop_reap reap;
        struct master *m;        /* borrowed */
        struct msrv_listener *l; /* borrowed; NULL once the listener is closed */
        int fd;                  /* owned */
        int level;               /* CFG_STATS_LEVEL_* of its socket */
        struct mcmd_peer peer;   /* who it is, for the log of what it changes */
        bool interactive;        /* "prompt" */
        bool closing;            /* answer written, then close */
        char in[MSRV_LINE_MAX];
        size_t in_len;
        char q[MSRV_LINE_MAX]; /* commands read and not yet run, each NUL-terminated */
        size_t q_len, q_off;
        struct mcmd_cont *cont; /* owned: the rest of a long answer, or NULL */
        char *out;              /* owned: answer not yet written */
        size_t out_len, out_off;
};

static void client_on_reap(struct loop_reap *r)
{
        struct msrv_client *c = sl_container_of(r, struct msrv_client, reap);

        free(c->out);
        mcmd_cont_free(c->cont);
        free(c);
}

static void listener_watch(struct msrv_listener *l)
{
        loop_io_modify(&l->io, l->n_clients < MSRV_MAXCONN && !loop_timer_is_armed(&l->retry)
                                       ? EPOLLIN
                                       : 0);
}

static void client_close(struct msrv_client *c)
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
        c->m->n_srv_clients--;
        loop_timer_deinit(&c->timer);
        loop_io_stop(&c->io);
        close(c->fd);
        if (c->l) {
                c->l->n_clients--;
                listener_watch(c->l);
        }
        /* it may be in this turn's batch of events */
        loop_reap(c->m->loop, &c->reap);
}

static void client_pump(struct msrv_client *c);

/* Write what can be written; then the next answer, or read again, or close once all is
 * written if closing. */
static void client_flush(struct msrv_client *c)
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
                loop_timer_arm(&c->timer, cfg_stats_timeout_ms(&c->m->gen->global));
        }
        free(c->out);
        c->out = NULL;
        c->out_len = c->out_off = 0;
        if (c->closing && !c->cont) {
                client_close(c);
                return;
        }
        if (c->cont || c->q_off < c->q_len) {
                /* the rest of a long answer, or the next command: once this one is read */
                client_pump(c);
                return;
        }
        loop_io_modify(&c->io, EPOLLIN | EPOLLRDHUP);
}

/* Append the commands of one line to the client's queue, each NUL-terminated; ';'
 * separates them, "\;" is a ';' inside one. False when the queue is full. */
static bool client_queue_line(struct msrv_client *c, const char *line)
{
        for (const char *r = line;; r++) {
                if (c->q_len + 2 > sizeof(c->q))
                        return false;
                if (*r == '\\' && r[1] == ';') {
                        c->q[c->q_len++] = ';';
                        r++;
                        continue;
                }
                if (*r == ';' || *r == '\0') {
                        c->q[c->q_len++] = '\0';
                        if (*r == '\0')
                                return true;
                        continue;
                }
                c->q[c->q_len++] = *r;
        }
}

/* Run the next queued command into @out: "prompt" and "quit" are the connection's, the
 * others mcmd.c's. */
static void client_command(struct msrv_client *c, FILE *out)
{
        char *cmd = c->q + c->q_off;

        c->q_off += strlen(cmd) + 1;
        while (*cmd == ' ' || *cmd == '\t')
                cmd++;
        if (strcmp(cmd, "prompt") == 0) {
                c->interactive = !c->interactive;
        } else if (strcmp(cmd, "quit") == 0) {
                c->closing = true;
                c->q_off = c->q_len;
                return;
        } else {
                mcmd_exec(c->m, cmd, c->level, &c->peer, out, &c->cont);
                if (c->cont)
                        return; /* its end comes with its last piece */
        }
        fputs(c->interactive ? MSRV_PROMPT_ON : MSRV_PROMPT_OFF, out);
}

static void client_wake(void *arg)
{
        client_pump(arg);
}

/* Produce the next answer (a command's, or the next piece of a long one) and write it;
 * with nothing left to do, close a client that is not interactive, or read again. */
static void client_pump(struct msrv_client *c)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);

        if (!out) {
                client_close(c);
                return;
        }
        while (ftell(out) < (long)MSRV_PIECE) {
                if (c->cont && mcmd_waiting(c->cont)) {
                        break; /* the workers' answers are not all in */
                } else if (c->cont) {
                        if (mcmd_continue(c->m, c->cont, out)) {
                                c->cont = mcmd_cont_free(c->cont);
                                fputs(c->interactive ? MSRV_PROMPT_ON : MSRV_PROMPT_OFF, out);
                        }
                } else if (c->q_off < c->q_len && !c->closing) {
                        client_command(c, out);
                } else {
                        break;
                }
        }
        if (fclose(out) != 0 || !buf) {
                free(buf);
                client_close(c);
                return;
        }
        if (!c->cont && c->q_off >= c->q_len) {
                c->q_off = c->q_len = 0;
                if (!c->interactive)
                        c->closing = true;
        }
        if (len == 0) {
                free(buf);
                if (c->cont && mcmd_waiting(c->cont)) {
                        /* woken when the answers are in; a client that goes away meanwhile
                         * is seen then */
                        mcmd_cont_on_ready(c->cont, client_wake, c);
                        loop_io_modify(&c->io, 0);
                } else if (c->closing) {
                        client_close(c);
                } else {
                        loop_io_modify(&c->io, EPOLLIN | EPOLLRDHUP);
                }
                return;
        }
        /* the time the answer took to make is not the client's idleness */
        loop_timer_arm(&c->timer, cfg_stats_timeout_ms(&c->m->gen->global));
        c->out = buf;
        c->out_len = len;
        c->out_off = 0;
        client_flush(c);
}

/* A command line longer than the buffer, or commands more than the queue holds: say so,
 * forget the rest, and close. */
static void client_too_long(struct msrv_client *c)
{
        c->q_len = c->q_off = 0;
        c->in_len = 0;
        c->out = strdup(MSRV_TOO_LONG);
        if (!c->out) {
                client_close(c);
                return;
        }
        c->out_len = strlen(c->out);
        c->closing = true;
        client_flush(c);
}

/* Queue every complete line received; without "prompt", the first line ends the
 * connection (lines that came with it are answered too, as HAProxy does). */
static void client_process(struct msrv_client *c)
{
        char *start = c->in, *nl;

        while ((nl = memchr(start, '\n', c->in_len - (size_t)(start - c->in)))) {
                *nl = '\0';
                if (nl > start && nl[-1] == '\r')
                        nl[-1] = '\0';
                if (!client_queue_line(c, start)) {
                        client_too_long(c);
                        return;
                }
                start = nl + 1;
        }
        c->in_len -= (size_t)(start - c->in);
        memmove(c->in, start, c->in_len);
        if (c->q_len)
                client_pump(c);
}

static void client_on_io(struct loop_io *io, uint32_t events)
{
        struct msrv_client *c = sl_container_of(io, struct msrv_client, io);
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
        loop_timer_arm(&c->timer, cfg_stats_timeout_ms(&c->m->gen->global));
        if (!memchr(c->in, '\n', c->in_len) && c->in_len == sizeof(c->in)) {
                client_too_long(c);
                return;
        }
        client_process(c);
}

static void client_on_timer(struct loop_timer *t)
{
        client_close(sl_container_of(t, struct msrv_client, timer));
}

static void client_new(struct msrv_listener *l, int fd)
{
        struct master *m = l->m;
        struct msrv_client *c = calloc(1, sizeof(*c));
        struct ucred cred;
        socklen_t len = sizeof(cred);

        if (!c || loop_timer_init(m->loop, &c->timer, client_on_timer) < 0) {
                free(c);
                close(fd);
                return;
        }
        c->m = m;
        c->l = l;
        c->fd = fd;
        c->level = l->level;
        c->peer.pid = -1;
        c->peer.uid = -1;
        /* who is at the other end of a Unix socket, for the log of what it changes */
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof(cred)) {
                c->peer.pid = (int)cred.pid;
                c->peer.uid = (long)cred.uid;
        }
        loop_reap_init(&c->reap, client_on_reap);
        loop_io_init(m->loop, &c->io, fd, client_on_io);
        loop_io_start(&c->io, EPOLLIN | EPOLLRDHUP);
        loop_timer_arm(&c->timer, cfg_stats_timeout_ms(&m->gen->global));
        sl_list_push_back(&m->srv_clients, &c->link);
        m->n_srv_clients++;
        l->n_clients++;
}

static void listener_on_io(struct loop_io *io, uint32_t events)
{
        struct msrv_listener *l = sl_container_of(io, struct msrv_listener, io);

        for (int i = 0; i < MSRV_ACCEPTS && l->n_clients < MSRV_MAXCONN; i++) {
                int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (fd == -1) {
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                            errno == ENOMEM) {
                                /* the client stays queued; level-triggered epoll would call
                                 * again at once */
                                loop_timer_arm(&l->retry, MSRV_RETRY_MS);
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
        listener_watch(sl_container_of(t, struct msrv_listener, retry));
}

static void listener_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct msrv_listener, reap));
}

void msrv_apply(struct master *m)
{
        const struct cfg_global *g = &m->gen->global;

        msrv_close_listeners(m);
        for (size_t i = 0; i < g->n_stats_sockets; i++) {
                const struct cfg_stats_socket *s = &g->stats_sockets[i];
                struct msrv_listener *l;
                int fd = msock_stats_fd(m, s);

                if (fd < 0)
                        continue;
                /* an inherited socket (fd@N) may be blocking: accept() must never wait */
                if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
                        log_errno(LOG_ERR, -errno, "%s:%u: stats socket", s->where.file,
                                  s->where.line);
                        continue;
                }
                l = calloc(1, sizeof(*l));
                if (!l || loop_timer_init(m->loop, &l->retry, listener_on_retry) < 0) {
                        free(l);
                        log_errno(LOG_ERR, -ENOMEM, "%s:%u: stats socket", s->where.file,
                                  s->where.line);
                        continue;
                }
                l->m = m;
                l->level = (int)s->level;
                l->fd = fd;
                loop_reap_init(&l->reap, listener_on_reap);
                loop_io_init(m->loop, &l->io, fd, listener_on_io);
                loop_io_start(&l->io, EPOLLIN);
                sl_list_push_back(&m->srv_listeners, &l->link);
        }
}

void msrv_close_listeners(struct master *m)
{
        struct sl_list *pos;

        sl_list_for_each(pos, &m->srv_clients) {
                sl_list_entry(pos, struct msrv_client, link)->l = NULL;
        }
        while (!sl_list_empty(&m->srv_listeners)) {
                struct msrv_listener *l =
                        sl_list_first(&m->srv_listeners, struct msrv_listener, link);

                sl_list_del(&l->link);
                loop_timer_deinit(&l->retry);
                loop_io_stop(&l->io);
                /* the socket is msock.c's: kept for the next generation */
                loop_reap(m->loop, &l->reap);
        }
}

void msrv_stop(struct master *m)
{
        msrv_close_listeners(m);
        while (!sl_list_empty(&m->srv_clients))
                client_close(sl_list_first(&m->srv_clients, struct msrv_client, link));
}
