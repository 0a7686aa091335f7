/* The master's side of its control socket, -S (ctl.h): HAProxy's master CLI, reduced to
 * "show proc", "reload", which answers once the reload is over, and "@N" / "@!PID", which
 * hand a command and the client's socket to a worker's CLI (worker/wcli.h). One command per
 * connection, then the answer, then close. The other side, `sluice -S PATH reload`, is
 * ctl_client.c. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "loop.h"
#include "master-t.h"

#define CTL_MAX_CLIENTS 32    /* control-socket clients at once */
#define CTL_TIMEOUT_MS  10000 /* to send a command (HAProxy's stats timeout) */
#define CTL_RETRY_MS    100   /* accepting again after running out of files */

static void ctl_conn_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct ctl_conn, reap));
}

static void ctl_conn_close(struct ctl_conn *c)
{
        c->m->n_ctl_conns--;
        loop_timer_deinit(&c->timer);
        sl_list_del(&c->link);
        loop_io_stop(&c->io);
        close(c->fd);
        loop_reap(c->m->loop, &c->reap);
}

/* Answers are small: a blocking write with a bound is acceptable here (the master serves
 * no traffic), so a client that does not read cannot hold it for long. */
static void ctl_send(struct ctl_conn *c, const char *text)
{
        size_t len = strlen(text), off = 0;

        while (off < len) {
                ssize_t n = send(c->fd, text + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);

                if (n <= 0)
                        break;
                off += (size_t)n;
        }
}

static void ctl_show_proc(struct ctl_conn *c)
{
        struct master *m = c->m;
        uint64_t now = sl_clock_ms();
        struct sl_list *pos;
        char line[256], up[32];

        ctl_send(c, "#<PID>          <type>          <reloads>       <uptime>        "
                    "<version>       <generation>\n");
        snprintf(up, sizeof(up), "%llus", (unsigned long long)(now - m->started_ms) / 1000);
        snprintf(line, sizeof(line), "%-15d master          %-15u %-15s %-15s %u\n", (int)getpid(),
                 m->reloads, up, SL_VERSION, m->gen_no);
        ctl_send(c, line);
        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (mw->gone)
                        continue;
                snprintf(up, sizeof(up), "%llus",
                         (unsigned long long)(now - mw->started_ms) / 1000);
                snprintf(line, sizeof(line), "%-15d %-15s %-15s %-15s %-15s %u\n", (int)mw->pid,
                         mw->gen == m->gen_no ? "worker" : "old-worker", "-", up, SL_VERSION,
                         mw->gen);
                ctl_send(c, line);
        }
}

void ctl_reload_done(struct master *m, bool ok, const char *msg)
{
        struct sl_list *pos, *tmp;

        sl_list_for_each_safe(pos, tmp, &m->ctl_conns) {
                struct ctl_conn *c = sl_list_entry(pos, struct ctl_conn, link);
                char text[768];

                if (!c->waiting_reload)
                        continue;
                snprintf(text, sizeof(text), "Success=%d\n--\n%s\n", ok ? 1 : 0, msg);
                ctl_send(c, text);
                ctl_conn_close(c);
        }
}

/* "@N command" (the current generation's worker of slot N - 1) or "@!PID command" (any live
 * worker): hand the command and the client's socket to the worker, which answers and
 * closes. Returns false after answering an error itself. */
static bool ctl_forward(struct ctl_conn *c, const char *cmd)
{
        struct master *m = c->m;
        const char *rest = cmd + 1;
        struct mworker *target = NULL;
        struct sl_list *pos;
        bool by_pid = *rest == '!';
        char *end;
        long n;

        if (by_pid)
                rest++;
        n = strtol(rest, &end, 10);
        if (end == rest || n <= 0 || (*end != ' ' && *end != '\0')) {
                ctl_send(c, "Expected '@<n> <command>' or '@!<pid> <command>'\n");
                return false;
        }
        while (*end == ' ')
                end++;
        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (mw->gone || mw->cli_fd < 0)
                        continue;
                if (by_pid ? mw->pid == (pid_t)n
                           : mw->gen == m->gen_no && mw->slot == (unsigned)(n - 1))
                        target = mw;
        }
        if (!target) {
                ctl_send(c, "No such worker; see 'show proc'\n");
                return false;
        }
        {
                union {
                        char buf[CMSG_SPACE(sizeof(int))];
                        struct cmsghdr align;
                } ctl;
                struct iovec iov = {(void *)end, strlen(end)};
                struct msghdr mh = {.msg_iov = &iov,
                                    .msg_iovlen = 1,
                                    .msg_control = ctl.buf,
                                    .msg_controllen = sizeof(ctl.buf)};
                struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

                memset(ctl.buf, 0, sizeof(ctl.buf));
                cm->cmsg_level = SOL_SOCKET;
                cm->cmsg_type = SCM_RIGHTS;
                cm->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(cm), &c->fd, sizeof(int));
                if (sendmsg(target->cli_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                        ctl_send(c, "The worker cannot take a command now\n");
                        return false;
                }
        }
        return true;
}

static void ctl_command(struct ctl_conn *c, const char *cmd)
{
        struct master *m = c->m;

        if (cmd[0] == '@') {
                /* answered by the worker on its copy of the socket; ours is closed */
                (void)ctl_forward(c, cmd);
        } else if (strcmp(cmd, "show proc") == 0) {
                ctl_show_proc(c);
        } else if (strcmp(cmd, "reload") == 0) {
                if (m->reloading || m->stopping) {
                        ctl_send(c, "Success=0\n--\na reload or a stop is already in progress\n");
                } else {
                        c->waiting_reload = true;
                        m->ctl_reload(m);
                        return; /* answered when the reload ends (maybe already) */
                }
        } else if (strcmp(cmd, "help") == 0 || cmd[0] == '\0') {
                ctl_send(c, "show proc : the master and its workers\n"
                            "reload    : read the configuration again and start a new "
                            "generation; answers once it is done\n"
                            "@<n> <command>, @!<pid> <command> : run a command on a worker "
                            "(worker <n> of the current generation, or by pid); '@1 help' "
                            "lists them\n");
        } else {
                ctl_send(c, "Unknown command: '");
                ctl_send(c, cmd);
                ctl_send(c, "'; try 'help'\n");
        }
        ctl_conn_close(c);
}

static void ctl_conn_on_io(struct loop_io *io, uint32_t events)
{
        struct ctl_conn *c = sl_container_of(io, struct ctl_conn, io);
        char *nl;
        ssize_t n;

        if (c->waiting_reload) {
                /* nothing more to read; a hang-up only means the client gave up */
                if (events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP))
                        ctl_conn_close(c);
                return;
        }
        n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, MSG_DONTWAIT);
        if (n <= 0) {
                if (n == -1 && errno == EAGAIN)
                        return;
                ctl_conn_close(c);
                return;
        }
        c->len += (size_t)n;
        c->buf[c->len] = '\0';
        nl = strchr(c->buf, '\n');
        if (!nl) {
                if (c->len == sizeof(c->buf) - 1) {
                        ctl_send(c, "command too long\n");
                        ctl_conn_close(c);
                }
                return;
        }
        *nl = '\0';
        if (nl > c->buf && nl[-1] == '\r')
                nl[-1] = '\0';
        loop_io_modify(&c->io, EPOLLRDHUP);
        loop_timer_disarm(&c->timer);
        ctl_command(c, c->buf);
}

/* A client that connected and never finished its command. */
static void ctl_conn_on_timer(struct loop_timer *t)
{
        ctl_conn_close(sl_container_of(t, struct ctl_conn, timer));
}

/* Make @c, new, the master's client on @fd, watched for @events. */
static void ctl_conn_start(struct master *m, struct ctl_conn *c, int fd, uint32_t events)
{
        c->m = m;
        c->fd = fd;
        loop_reap_init(&c->reap, ctl_conn_on_reap);
        loop_io_init(m->loop, &c->io, fd, ctl_conn_on_io);
        loop_io_start(&c->io, events);
        sl_list_push_back(&m->ctl_conns, &c->link);
        m->n_ctl_conns++;
}

static void ctl_on_accept(struct loop_io *io, uint32_t events)
{
        struct master *m = sl_container_of(io, struct master, ctl_io);

        for (int i = 0; i < 16; i++) {
                struct ctl_conn *c;
                int fd = accept4(m->ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (fd == -1) {
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                            errno == ENOMEM) {
                                /* the client stays queued: level-triggered epoll would call
                                 * again at once, so look again a little later */
                                loop_io_modify(&m->ctl_io, 0);
                                loop_timer_arm(&m->ctl_retry, CTL_RETRY_MS);
                        }
                        return;
                }
                if (m->n_ctl_conns >= CTL_MAX_CLIENTS) {
                        static const char busy[] = "Too many clients; try again\n";
                        char drain[256];

                        (void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
                        /* a command already sent and left unread would turn the close into
                         * a reset that can lose the answer */
                        (void)shutdown(fd, SHUT_WR);
                        while (recv(fd, drain, sizeof(drain), MSG_DONTWAIT) > 0)
                                ;
                        close(fd);
                        continue;
                }
                c = calloc(1, sizeof(*c));
                if (!c || loop_timer_init(m->loop, &c->timer, ctl_conn_on_timer) < 0) {
                        free(c);
                        close(fd);
                        return;
                }
                ctl_conn_start(m, c, fd, EPOLLIN | EPOLLRDHUP);
                loop_timer_arm(&c->timer, CTL_TIMEOUT_MS);
        }
}

static void on_ctl_retry(struct loop_timer *t)
{
        struct master *m = sl_container_of(t, struct master, ctl_retry);

        if (m->ctl_fd >= 0)
                loop_io_modify(&m->ctl_io, EPOLLIN);
}

void ctl_listen(struct master *m, int fd)
{
        m->ctl_fd = fd;
        loop_io_init(m->loop, &m->ctl_io, fd, ctl_on_accept);
        loop_io_start(&m->ctl_io, EPOLLIN);
}

int ctl_inherit(struct master *m, int fd)
{
        int acc = 0;
        socklen_t len = sizeof(acc);
        int fl = fcntl(fd, F_GETFL);

        if (fl == -1)
                return -errno;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) == -1)
                return -errno;
        if (!acc)
                return -EINVAL;
        /* It may be blocking: ctl_on_accept() accepts until the queue is empty, and on a
         * blocking socket the accept() after the last client would wait for the next one,
         * with the master stuck inside it and the client it just read never answered. */
        if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 || fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
                return -errno;
        ctl_listen(m, fd);
        return 0;
}

int ctl_open(struct master *m, const char *path, unsigned mode)
{
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        int fd, r;

        if (strlen(path) >= sizeof(sun.sun_path))
                return -ENAMETOOLONG;
        memcpy(sun.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd == -1)
                return -errno;
        (void)unlink(path);
        if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
            listen(fd, CTL_MAX_CLIENTS * 2) == -1 || (mode && chmod(path, mode) == -1)) {
                r = -errno;
                close(fd);
                return r;
        }
        ctl_listen(m, fd);
        return 0;
}

int ctl_setup(struct master *m, void (*reload)(struct master *m))
{
        m->ctl_reload = reload;
        return loop_timer_init(m->loop, &m->ctl_retry, on_ctl_retry);
}

int ctl_adopt(struct master *m, int fd)
{
        struct ctl_conn *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->waiting_reload = true;
        ctl_conn_start(m, c, fd, EPOLLRDHUP);
        return 0;
}

void ctl_close(struct master *m)
{
        while (!sl_list_empty(&m->ctl_conns))
                ctl_conn_close(sl_list_first(&m->ctl_conns, struct ctl_conn, link));
        if (m->ctl_fd >= 0) {
                loop_io_stop(&m->ctl_io);
                close(m->ctl_fd);
                if (m->cli->ctl_fd < 0)
                        (void)unlink(m->cli->ctl_path);
        }
        loop_timer_deinit(&m->ctl_retry);
}
