/* Commands asked of every worker (mfan.h). */
#include "mfan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "list.h"
#include "loop.h"
#include "master-t.h"

struct fan_peer {
        struct mfan *f;
        struct loop_io io;
        int fd; /* owned; -1 once read to its end */
        struct mfan_answer a;
        size_t cap;
};

struct mfan {
        struct loop *loop;
        struct loop_reap reap;  /* frees it at the end of the turn: a peer's event may be in
                                 * this turn's batch */
        struct fan_peer *peers; /* owned array */
        size_t n, pending;
        struct loop_timer timer; /* the deadline, or "now" when there is no one to ask */
        void (*done)(void *arg);
        void *arg;
        bool finished;
};

static void finish(struct mfan *f)
{
        if (f->finished)
                return;
        f->finished = true;
        loop_timer_disarm(&f->timer);
        for (size_t i = 0; i < f->n; i++) {
                if (f->peers[i].fd >= 0) {
                        loop_io_stop(&f->peers[i].io);
                        close(f->peers[i].fd);
                        f->peers[i].fd = -1;
                }
        }
        f->done(f->arg);
}

static void peer_end(struct fan_peer *p, bool complete)
{
        loop_io_stop(&p->io);
        close(p->fd);
        p->fd = -1;
        p->a.complete = complete;
        if (--p->f->pending == 0)
                finish(p->f);
}

static void on_io(struct loop_io *io, uint32_t events)
{
        struct fan_peer *p = sl_container_of(io, struct fan_peer, io);

        (void)events;
        for (int round = 0; round < 64; round++) {
                ssize_t n;

                if (p->a.len + 65536 + 1 > p->cap) {
                        size_t cap = p->cap ? p->cap * 2 : 65536 * 2;
                        char *t;

                        if (cap > MFAN_ANSWER_MAX + 65536 + 1) {
                                peer_end(p, false); /* too long: what came is kept */
                                return;
                        }
                        t = realloc(p->a.text, cap);
                        if (!t) {
                                peer_end(p, false);
                                return;
                        }
                        p->a.text = t;
                        p->cap = cap;
                }
                n = recv(p->fd, p->a.text + p->a.len, p->cap - p->a.len - 1, MSG_DONTWAIT);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return;
                if (n <= 0) {
                        peer_end(p, n == 0);
                        return;
                }
                p->a.len += (size_t)n;
                p->a.text[p->a.len] = '\0';
        }
}

static void on_timer(struct loop_timer *t)
{
        finish(sl_container_of(t, struct mfan, timer));
}

/* Hand @cmd and one end of a new socketpair to worker @mw; the other end into @p. */
static int ask(struct mworker *mw, const char *cmd, struct fan_peer *p)
{
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } ctl;
        struct iovec iov = {(void *)cmd, strlen(cmd)};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = ctl.buf,
                            .msg_controllen = sizeof(ctl.buf)};
        struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
        int sv[2];

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
                return -errno;
        memset(ctl.buf, 0, sizeof(ctl.buf));
        cm->cmsg_level = SOL_SOCKET;
        cm->cmsg_type = SCM_RIGHTS;
        cm->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cm), &sv[1], sizeof(int));
        if (sendmsg(mw->cli_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
                int e = -errno;

                close(sv[0]);
                close(sv[1]);
                return e;
        }
        close(sv[1]);
        p->fd = sv[0];
        return 0;
}

struct mfan *mfan_start(struct master *m, const char *cmd, pid_t only, bool current,
                        void (*done)(void *arg), void *arg)
{
        struct mfan *f = calloc(1, sizeof(*f));
        struct sl_list *pos;
        size_t n = 0;

        if (!f)
                return NULL;
        sl_list_for_each(pos, &m->workers)
                n++;
        f->peers = calloc(n ? n : 1, sizeof(*f->peers));
        if (!f->peers || loop_timer_init(m->loop, &f->timer, on_timer) < 0) {
                free(f->peers);
                free(f);
                return NULL;
        }
        f->loop = m->loop;
        f->done = done;
        f->arg = arg;
        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);
                struct fan_peer *p = &f->peers[f->n];

                if (mw->gone || mw->cli_fd < 0 || (only > 0 && mw->pid != only) ||
                    (current && mw->gen != m->gen_no))
                        continue;
                *p = (struct fan_peer){.f = f, .fd = -1};
                p->a.pid = mw->pid;
                p->a.gen = mw->gen;
                p->a.current = mw->gen == m->gen_no;
                p->a.text = calloc(1, 1);
                if (!p->a.text)
                        continue;
                if (ask(mw, cmd, p) < 0) {
                        free(p->a.text);
                        continue;
                }
                loop_io_init(m->loop, &p->io, p->fd, on_io);
                loop_io_start(&p->io, EPOLLIN | EPOLLRDHUP);
                f->n++;
                f->pending++;
        }
        /* with no one to ask, the answer is ready in the next turn */
        loop_timer_arm(&f->timer, f->pending ? MFAN_TIMEOUT_MS : 0);
        return f;
}

bool mfan_done(const struct mfan *f)
{
        return f->finished;
}

size_t mfan_count(const struct mfan *f)
{
        return f->n;
}

const struct mfan_answer *mfan_answer(const struct mfan *f, size_t i)
{
        return &f->peers[i].a;
}

static void on_reap(struct loop_reap *r)
{
        struct mfan *f = sl_container_of(r, struct mfan, reap);

        for (size_t i = 0; i < f->n; i++)
                free(f->peers[i].a.text);
        free(f->peers);
        free(f);
}

struct mfan *mfan_free(struct mfan *f)
{
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n; i++) {
                if (f->peers[i].fd >= 0) {
                        loop_io_stop(&f->peers[i].io);
                        close(f->peers[i].fd);
                        f->peers[i].fd = -1;
                }
        }
        loop_timer_deinit(&f->timer);
        f->finished = true; /* no callback any more */
        loop_reap_init(&f->reap, on_reap);
        loop_reap(f->loop, &f->reap);
        return NULL;
}
