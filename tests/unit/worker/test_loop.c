#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"
#include "macros.h"
#include "unit.h"

static struct loop *L;
/* The readiness source under test: every case that does not count kernel calls runs on
 * both (the "uring/" test cases). */
static enum loop_backend backend;

/* what ran, in order: 'f' fd, 't' timer, 'd' deferred, 'r' reaped */
static char trace[64];
static size_t trace_len;

static void setup(void)
{
        backend = LOOP_BACKEND_EPOLL;
        ck_assert_int_eq(loop_new(&L), 0);
        ck_assert_int_eq(loop_get_backend(L), LOOP_BACKEND_EPOLL);
        trace_len = 0;
        trace[0] = '\0';
}

/* A build with liburing must get a ring here: the io_uring cases fail rather than pass
 * without having run. */
static void setup_uring(void)
{
        backend = LOOP_BACKEND_IO_URING;
        ck_assert_int_eq(loop_new_backend(&L, LOOP_BACKEND_IO_URING), 0);
        ck_assert_int_eq(loop_get_backend(L), LOOP_BACKEND_IO_URING);
        ck_assert_str_eq(loop_backend_name(loop_get_backend(L)), "io_uring");
        trace_len = 0;
        trace[0] = '\0';
}

/* Requests that reached the kernel: epoll_ctl() calls, or io_uring poll arms (a change of
 * interest is one arm; its cancellation of the previous poll rides along). */
static uint64_t kernel_ops(void)
{
        const struct loop_stats *st = loop_get_stats(L);

        return backend == LOOP_BACKEND_EPOLL ? st->epoll_ctl : st->polls_armed;
}

static void teardown(void)
{
        L = loop_free(L);
}

static void trace_add(char c)
{
        ck_assert_uint_lt(trace_len, sizeof(trace) - 1);
        trace[trace_len++] = c;
        trace[trace_len] = '\0';
}

static void make_pipe(int p[2])
{
        ck_assert_int_eq(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
}

static void put_byte(int fd)
{
        ck_assert_int_eq(write(fd, "x", 1), 1);
}

static uint64_t elapsed_ms(uint64_t since)
{
        return sl_clock_ms() - since;
}

/* ---- fd watchers ---- */

struct counted_io {
        struct loop_io io;
        int calls;
        uint32_t events; /* of the last call */
};

static void on_counted(struct loop_io *io, uint32_t events)
{
        struct counted_io *c = sl_container_of(io, struct counted_io, io);

        c->calls++;
        c->events = events;
}

START_TEST(test_pipe_readable_fires)
{
        struct counted_io c = {0};
        char buf[8];
        int p[2];

        make_pipe(p);
        loop_io_init(L, &c.io, p[0], on_counted);
        loop_io_start(&c.io, EPOLLIN);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_int_eq(c.calls, 0);

        put_byte(p[1]);
        ck_assert_int_eq(loop_run_once(L, 1000), 1);
        ck_assert_int_eq(c.calls, 1);
        ck_assert_uint_eq(c.events, EPOLLIN);
        ck_assert_uint_eq(loop_get_stats(L)->events, 1);
        ck_assert_uint_eq(loop_get_stats(L)->wakeups, 1);
        ck_assert_uint_eq(loop_get_stats(L)->turns, 2);

        /* level-triggered: unread data is reported again */
        ck_assert_int_eq(loop_run_once(L, 0), 1);
        ck_assert_int_eq(c.calls, 2);
        ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 1);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_int_eq(c.calls, 2);

        loop_io_stop(&c.io);
        put_byte(p[1]);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_int_eq(c.calls, 2);
        close(p[0]);
        close(p[1]);
}
END_TEST

START_TEST(test_write_interest)
{
        struct counted_io c = {0};
        int p[2];

        make_pipe(p);
        loop_io_init(L, &c.io, p[1], on_counted);
        loop_io_start(&c.io, EPOLLOUT);
        ck_assert_uint_eq(loop_io_events(&c.io), EPOLLOUT);
        ck_assert_int_eq(loop_run_once(L, 1000), 1);
        ck_assert_uint_eq(c.events, EPOLLOUT);

        /* paused: no callback, and the fd left epoll */
        loop_io_modify(&c.io, 0);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_int_eq(c.calls, 1);
        /* epoll: ADD and DEL; io_uring: one poll, which fired and is not re-armed */
        ck_assert_uint_eq(kernel_ops(), backend == LOOP_BACKEND_EPOLL ? 2 : 1);

        /* EPOLLIN is never reported for a write end; only what is asked for is delivered */
        loop_io_modify(&c.io, EPOLLIN | EPOLLOUT);
        ck_assert_int_eq(loop_run_once(L, 0), 1);
        ck_assert_uint_eq(c.events, EPOLLOUT);

        /* the reader is gone: EPOLLERR comes with the interest in EPOLLOUT */
        close(p[0]);
        ck_assert_int_eq(loop_run_once(L, 0), 1);
        ck_assert_uint_eq(c.events & EPOLLERR, EPOLLERR);
        loop_io_stop(&c.io);
        close(p[1]);
}
END_TEST

START_TEST(test_unchanged_interest_costs_no_syscall)
{
        const struct loop_stats *st = loop_get_stats(L);
        struct counted_io a = {0}, b = {0};
        int p[2], q[2];

        make_pipe(p);
        make_pipe(q);
        loop_io_init(L, &a.io, p[0], on_counted);
        loop_io_start(&a.io, EPOLLIN);
        ck_assert_uint_eq(kernel_ops(), 0);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_uint_eq(kernel_ops(), 1);

        for (int i = 0; i < 100; i++)
                loop_io_modify(&a.io, EPOLLIN);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_uint_eq(kernel_ops(), 1);

        /* a change undone within the turn never reaches the kernel */
        for (int i = 0; i < 100; i++) {
                loop_io_modify(&a.io, EPOLLIN | EPOLLOUT);
                loop_io_modify(&a.io, EPOLLIN);
        }
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_uint_eq(kernel_ops(), 1);

        /* several changes in one turn: one MOD with the last interest (io_uring: one arm,
         * cancelling the poll before it) */
        loop_io_modify(&a.io, EPOLLIN | EPOLLOUT);
        loop_io_modify(&a.io, EPOLLIN | EPOLLRDHUP);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_uint_eq(kernel_ops(), 2);

        /* started and closed within one turn: never registered */
        loop_io_init(L, &b.io, q[0], on_counted);
        loop_io_start(&b.io, EPOLLIN);
        loop_io_modify(&b.io, EPOLLIN | EPOLLRDHUP);
        ck_assert_int_eq(loop_io_close(&b.io), 0);
        ck_assert_int_eq(b.io.fd, -1);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_uint_eq(kernel_ops(), 2);

        /* stop of a registered fd: one DEL, at once; io_uring: one cancellation queued */
        loop_io_stop(&a.io);
        ck_assert_uint_eq(kernel_ops(), backend == LOOP_BACKEND_EPOLL ? 3 : 2);
        loop_io_stop(&a.io);
        ck_assert_uint_eq(kernel_ops(), backend == LOOP_BACKEND_EPOLL ? 3 : 2);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_uint_eq(kernel_ops(), backend == LOOP_BACKEND_EPOLL ? 3 : 2);
        if (backend == LOOP_BACKEND_IO_URING)
                ck_assert_uint_eq(st->polls_cancelled, 2);
        ck_assert_uint_eq(st->epoll_ctl_failed, 0);
        close(p[0]);
        close(p[1]);
        close(q[1]);
}
END_TEST

START_TEST(test_close_registered_without_syscall)
{
        const struct loop_stats *st = loop_get_stats(L);
        struct counted_io c = {0};
        int p[2], q[2];

        make_pipe(p);
        loop_io_init(L, &c.io, p[0], on_counted);
        loop_io_start(&c.io, EPOLLIN);
        put_byte(p[1]);
        ck_assert_int_eq(loop_run_once(L, 0), 1);
        ck_assert_uint_eq(kernel_ops(), 1);
        ck_assert_int_eq(loop_io_close(&c.io), 0);
        ck_assert_uint_eq(kernel_ops(), 1);

        /* the closed fd's registration is gone: the number can be registered again */
        make_pipe(q);
        ck_assert_int_eq(q[0], p[0]);
        loop_io_init(L, &c.io, q[0], on_counted);
        loop_io_start(&c.io, EPOLLIN);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_uint_eq(kernel_ops(), 2);
        ck_assert_uint_eq(st->epoll_ctl_failed, 0);
        put_byte(q[1]);
        ck_assert_int_eq(loop_run_once(L, 0), 1);
        ck_assert_int_eq(c.calls, 2);
        loop_io_stop(&c.io);
        close(p[1]);
        close(q[0]);
        close(q[1]);
}
END_TEST

START_TEST(test_hangup_then_pause)
{
        struct counted_io c = {0};
        int p[2];

        make_pipe(p);
        loop_io_init(L, &c.io, p[0], on_counted);
        loop_io_start(&c.io, EPOLLIN);
        close(p[1]);
        ck_assert_int_eq(loop_run_once(L, 1000), 1);
        ck_assert_uint_eq(c.events & EPOLLHUP, EPOLLHUP);

        /* no interest: EPOLLHUP must not keep waking the loop */
        loop_io_modify(&c.io, 0);
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_int_eq(c.calls, 1);
        ck_assert_uint_eq(loop_get_stats(L)->wakeups, 1);
        loop_io_stop(&c.io);
        close(p[0]);
}
END_TEST

/* Watch @fd, which the kernel refuses to poll: the owner hears EPOLLERR once, and the loop
 * neither retries behind its back nor cancels anything when it stops. */
static void check_refused(int fd)
{
        struct counted_io c = {0};

        loop_io_init(L, &c.io, fd, on_counted);
        loop_io_start(&c.io, EPOLLIN);
        ck_assert_int_eq(loop_run_once(L, 1000), 1);
        ck_assert_int_eq(c.calls, 1);
        ck_assert_uint_eq(c.events, EPOLLERR);
        ck_assert_uint_eq(loop_get_stats(L)->epoll_ctl_failed, 1);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_int_eq(c.calls, 1);
        ck_assert_uint_eq(kernel_ops(), 1);
        loop_io_stop(&c.io);
        ck_assert_uint_eq(kernel_ops(), 1);
        ck_assert_uint_eq(loop_get_stats(L)->polls_cancelled, 0);
}

/* An fd number with no file behind it: epoll refuses it at once, io_uring fails its poll */
START_TEST(test_bad_fd_reports_epollerr)
{
        int p[2];

        make_pipe(p);
        close(p[0]);
        close(p[1]);
        check_refused(p[0]);
}
END_TEST

/* Closing a watched socket ends it for the peer within the turn: with io_uring an armed poll
 * holds the file, and its cancellation must reach the kernel with the next submission. */
START_TEST(test_close_watched_socket_reaches_peer)
{
        struct counted_io c = {0};
        char buf[4];
        int sv[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
        loop_io_init(L, &c.io, sv[0], on_counted);
        loop_io_start(&c.io, EPOLLIN | EPOLLRDHUP);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert(loop_io_polled(&c.io));
        ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), -1);
        ck_assert_int_eq(errno, EAGAIN);

        ck_assert_int_eq(loop_io_close(&c.io), 0);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 0);
        ck_assert_int_eq(c.calls, 0);
        close(sv[1]);

        /* the same after an event: the fired poll is not re-armed once closed */
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
        loop_io_init(L, &c.io, sv[0], on_counted);
        loop_io_start(&c.io, EPOLLIN);
        ck_assert_int_eq(write(sv[1], "x", 1), 1);
        ck_assert_int_eq(loop_run_once(L, 1000), 1);
        ck_assert(loop_io_polled(&c.io));
        ck_assert_int_eq(read(sv[0], buf, sizeof(buf)), 1); /* unread bytes would reset */
        ck_assert_int_eq(loop_io_close(&c.io), 0);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 0);
        ck_assert_int_eq(c.calls, 1);
        close(sv[1]);
}
END_TEST

/* Watches the peer of a socket the loop closes, while the loop sleeps. */
struct peer_probe {
        int fd;
        bool ended; /* EOF or reset seen within 1 s */
};

static void *probe_peer(void *arg)
{
        struct peer_probe *pp = arg;
        struct pollfd pfd = {.fd = pp->fd, .events = POLLIN | POLLRDHUP};
        char b;

        pp->ended = poll(&pfd, 1, 1000) == 1 && read(pp->fd, &b, 1) <= 0;
        return NULL;
}

/* The close of a watched socket takes effect while the loop sleeps, not at its next wakeup
 * from something else: a poll's cancellation must complete, and the socket's release run,
 * within the wait. @_i: 1 if the socket became readable (its poll fired in the kernel)
 * before the close, unseen by the loop. */
START_TEST(test_close_reaches_peer_while_loop_sleeps)
{
        struct peer_probe pp;
        struct counted_io c = {0};
        pthread_t t;
        uint64_t t0;
        int sv[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
        loop_io_init(L, &c.io, sv[0], on_counted);
        loop_io_start(&c.io, EPOLLIN | EPOLLRDHUP);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        if (_i)
                ck_assert_int_eq(write(sv[1], "x", 1), 1);
        pp = (struct peer_probe){.fd = sv[1]};
        ck_assert_int_eq(loop_io_close(&c.io), 0);
        ck_assert_int_eq(pthread_create(&t, NULL, probe_peer, &pp), 0);
        /* nothing to do for 1.2 s: the loop sleeps while the probe waits for the end (a
         * turn may still end early on the cancelled poll's completion) */
        t0 = sl_clock_ms();
        for (int i = 0; i < 100 && elapsed_ms(t0) < 1200; i++)
                ck_assert_int_eq(loop_run_once(L, 1200 - (int)elapsed_ms(t0)), 0);
        ck_assert_int_eq(pthread_join(t, NULL), 0);
        ck_assert(pp.ended);
        ck_assert_int_eq(c.calls, 0);
        close(sv[1]);
}
END_TEST

/* Regular files cannot be polled: epoll_ctl() fails with EPERM (io_uring polls them as
 * always ready) */
START_TEST(test_refused_registration_reports_epollerr)
{
        FILE *f = tmpfile();

        ck_assert_ptr_nonnull(f);
        check_refused(fileno(f));
        fclose(f);
}
END_TEST

/* Two readable pipes reported in one batch; whichever callback runs first acts on the other
 * watcher, whose already-reported event must then not be dispatched. */
enum stale_action {
        STALE_STOP_CLOSE = 0, /* loop_io_stop() + close() */
        STALE_IO_CLOSE,       /* loop_io_close() */
        STALE_LOSE_INTEREST,  /* interest changed to EPOLLOUT only */
        STALE_REUSE_STOP,     /* stop + close, new pipe on the same fd number, same watcher */
        STALE_REUSE_IO_CLOSE, /* loop_io_close(), then the same reuse */
        STALE_RESTART,        /* stop, then start again on the same fd */
        STALE_ACTION_COUNT,
};

struct stale_io {
        struct loop_io io;
        struct stale_io *peer; /* borrowed */
        int wfd;               /* owned: write end of this watcher's pipe */
        int calls;
};

static enum stale_action stale_action;
static bool stale_acted;
static int stale_reused_fd;

static void on_stale(struct loop_io *io, uint32_t events)
{
        struct stale_io *s = sl_container_of(io, struct stale_io, io);
        struct stale_io *peer = s->peer;
        int old_fd = peer->io.fd;
        int q[2];

        s->calls++;
        if (stale_acted)
                return;
        stale_acted = true;
        switch (stale_action) {
        case STALE_STOP_CLOSE:
        case STALE_REUSE_STOP:
                loop_io_stop(&peer->io);
                close(peer->io.fd);
                peer->io.fd = -1;
                break;
        case STALE_IO_CLOSE:
        case STALE_REUSE_IO_CLOSE:
                ck_assert_int_eq(loop_io_close(&peer->io), 0);
                break;
        case STALE_LOSE_INTEREST:
                loop_io_modify(&peer->io, EPOLLOUT);
                break;
        case STALE_RESTART:
                loop_io_stop(&peer->io);
                loop_io_start(&peer->io, EPOLLIN);
                break;
        case STALE_ACTION_COUNT:
                ck_abort();
        }
        if (stale_action != STALE_REUSE_STOP && stale_action != STALE_REUSE_IO_CLOSE)
                return;
        /* the fd number and the watcher come back for a new, empty pipe within the batch */
        close(peer->wfd);
        make_pipe(q);
        ck_assert_int_eq(q[0], old_fd);
        peer->wfd = q[1];
        loop_io_init(io->loop, &peer->io, q[0], on_stale);
        loop_io_start(&peer->io, EPOLLIN);
        stale_reused_fd = q[0];
}

START_TEST(test_stale_event_not_dispatched)
{
        struct stale_io a = {0}, b = {0};
        struct stale_io *first, *second;
        int p[2], q[2];

        stale_action = (enum stale_action)_i;
        stale_acted = false;
        stale_reused_fd = -1;
        make_pipe(p);
        make_pipe(q);
        a.peer = &b;
        b.peer = &a;
        a.wfd = p[1];
        b.wfd = q[1];
        loop_io_init(L, &a.io, p[0], on_stale);
        loop_io_init(L, &b.io, q[0], on_stale);
        loop_io_start(&a.io, EPOLLIN);
        loop_io_start(&b.io, EPOLLIN);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        put_byte(a.wfd);
        put_byte(b.wfd);

        ck_assert_int_eq(loop_run_once(L, 1000), 1);
        ck_assert_int_eq(a.calls + b.calls, 1);
        ck_assert_uint_eq(loop_get_stats(L)->stale, 1);
        first = a.calls ? &a : &b;
        second = first->peer;

        if (stale_action == STALE_RESTART) {
                /* reported before the stop: dropped; still readable: reported again */
                ck_assert_int_eq(loop_run_once(L, 0), 2);
                ck_assert_int_eq(first->calls, 2);
                ck_assert_int_eq(second->calls, 1);
        } else {
                /* the acting watcher still has its byte: reported again, the other is not */
                ck_assert_int_eq(loop_run_once(L, 0), 1);
                ck_assert_int_eq(first->calls, 2);
                ck_assert_int_eq(second->calls, 0);
        }

        if (stale_reused_fd >= 0) {
                /* the reused fd number was registered for the new pipe and works */
                ck_assert_uint_eq(loop_get_stats(L)->epoll_ctl_failed, 0);
                put_byte(second->wfd);
                ck_assert_int_eq(loop_run_once(L, 0), 2);
                ck_assert_int_eq(second->calls, 1);
        }

        loop_io_stop(&a.io);
        loop_io_stop(&b.io);
        if (a.io.fd >= 0)
                close(a.io.fd);
        if (b.io.fd >= 0)
                close(b.io.fd);
        close(a.wfd);
        close(b.wfd);
}
END_TEST

/* ---- timers ---- */

struct rec_timer {
        struct loop_timer t;
        int id;
        uint64_t expire; /* the deadline it was last armed with */
};

static void rec_arm(struct rec_timer *r, uint64_t ms)
{
        loop_timer_arm(&r->t, ms);
        r->expire = loop_timer_expire(&r->t);
}

static int fired[16];
static int nfired;

static void on_rec_timer(struct loop_timer *t)
{
        struct rec_timer *r = sl_container_of(t, struct rec_timer, t);

        ck_assert_uint_ge(loop_now(t->loop), r->expire);
        ck_assert(!loop_timer_is_armed(t));
        ck_assert_int_lt(nfired, (int)SL_ARRAY_SIZE(fired));
        fired[nfired++] = r->id;
        trace_add('t');
}

START_TEST(test_timers_fire_in_order)
{
        static const uint64_t ms[] = {30, 10, 20, 10, 0};
        static const int expect[] = {4, 1, 3, 2, 0};
        struct rec_timer timers[SL_ARRAY_SIZE(ms)];

        nfired = 0;
        for (size_t i = 0; i < SL_ARRAY_SIZE(ms); i++) {
                timers[i].id = (int)i;
                ck_assert_int_eq(loop_timer_init(L, &timers[i].t, on_rec_timer), 0);
                rec_arm(&timers[i], ms[i]);
                ck_assert(loop_timer_is_armed(&timers[i].t));
        }
        ck_assert_uint_eq(loop_timer_count(L), SL_ARRAY_SIZE(ms));
        ck_assert(loop_timer_heap_check(L));
        for (int turn = 0; turn < 200 && nfired < (int)SL_ARRAY_SIZE(ms); turn++)
                ck_assert_int_ge(loop_run_once(L, 100), 0);
        ck_assert_int_eq(nfired, (int)SL_ARRAY_SIZE(ms));
        for (size_t i = 0; i < SL_ARRAY_SIZE(expect); i++)
                ck_assert_int_eq(fired[i], expect[i]);
        ck_assert_uint_eq(loop_get_stats(L)->timers_fired, SL_ARRAY_SIZE(ms));
        ck_assert_uint_eq(loop_timer_count(L), 0);
        for (size_t i = 0; i < SL_ARRAY_SIZE(ms); i++)
                loop_timer_deinit(&timers[i].t);
}
END_TEST

START_TEST(test_timer_disarm)
{
        struct rec_timer a = {.id = 1}, b = {.id = 2};

        nfired = 0;
        ck_assert_int_eq(loop_timer_init(L, &a.t, on_rec_timer), 0);
        ck_assert_int_eq(loop_timer_init(L, &b.t, on_rec_timer), 0);
        loop_timer_disarm(&a.t);
        rec_arm(&a, 5);
        rec_arm(&b, 15);
        loop_timer_disarm(&a.t);
        ck_assert(!loop_timer_is_armed(&a.t));
        loop_timer_disarm(&a.t);
        ck_assert_uint_eq(loop_timer_count(L), 1);
        ck_assert(loop_timer_heap_check(L));
        for (int turn = 0; turn < 100 && nfired < 1; turn++)
                ck_assert_int_ge(loop_run_once(L, 100), 0);
        ck_assert_int_eq(nfired, 1);
        ck_assert_int_eq(fired[0], 2);

        /* deinit of an armed timer disarms it */
        rec_arm(&a, 1);
        loop_timer_deinit(&a.t);
        ck_assert(!loop_timer_is_armed(&a.t));
        ck_assert_uint_eq(loop_timer_count(L), 0);
        ck_assert_int_eq(loop_run_once(L, 20), 0);
        loop_timer_deinit(&a.t);
        loop_timer_deinit(&b.t);
}
END_TEST

START_TEST(test_timer_rearm_moves_deadline)
{
        struct rec_timer a = {.id = 1};
        uint64_t start = sl_clock_ms();

        nfired = 0;
        ck_assert_int_eq(loop_timer_init(L, &a.t, on_rec_timer), 0);
        rec_arm(&a, 5);
        rec_arm(&a, 60000);
        ck_assert_uint_eq(loop_timer_count(L), 1);
        ck_assert_int_eq(loop_run_once(L, 20), 0);
        ck_assert_int_eq(nfired, 0);

        rec_arm(&a, 5);
        /* -1: the timer alone bounds the wait */
        for (int turn = 0; turn < 10 && nfired == 0; turn++)
                ck_assert_int_ge(loop_run_once(L, -1), 0);
        ck_assert_int_eq(nfired, 1);
        ck_assert_uint_lt(elapsed_ms(start), 1000);

        /* a past absolute time means now */
        loop_update_time(L);
        loop_timer_arm_at(&a.t, 0);
        a.expire = loop_timer_expire(&a.t);
        ck_assert_uint_eq(a.expire, loop_now(L));
        ck_assert_int_eq(loop_run_once(L, 1000), 1);
        ck_assert_int_eq(nfired, 2);
        ck_assert_uint_lt(elapsed_ms(start), 1000);
        loop_timer_deinit(&a.t);
}
END_TEST

struct self_timer {
        struct loop_timer t;
        int fires;
        int max;
};

static void on_self_timer(struct loop_timer *t)
{
        struct self_timer *s = sl_container_of(t, struct self_timer, t);

        if (++s->fires < s->max)
                loop_timer_arm(t, 0);
}

START_TEST(test_timer_rearm_now_in_callback_is_bounded)
{
        struct self_timer s = {.max = 5};
        uint64_t start = sl_clock_ms();

        ck_assert_int_eq(loop_timer_init(L, &s.t, on_self_timer), 0);
        loop_timer_arm(&s.t, 0);
        for (int turn = 1; turn <= s.max; turn++) {
                /* one fire per turn, and the next turn does not wait */
                ck_assert_int_eq(loop_run_once(L, 1000), 1);
                ck_assert_int_eq(s.fires, turn);
        }
        ck_assert(!loop_timer_is_armed(&s.t));
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_uint_lt(elapsed_ms(start), 500);
        loop_timer_deinit(&s.t);
}
END_TEST

#define MANY_TIMERS 10000
#define MANY_OPS    100000

struct many_timer {
        struct loop_timer t;
        bool armed;
        uint64_t expire; /* the deadline it was last armed with */
};

static uint64_t many_last_expire;
static int many_fired;

static void on_many_timer(struct loop_timer *t)
{
        struct many_timer *m = sl_container_of(t, struct many_timer, t);

        ck_assert(m->armed);
        ck_assert_uint_ge(m->expire, many_last_expire);
        ck_assert_uint_le(m->expire, loop_now(t->loop));
        many_last_expire = m->expire;
        m->armed = false;
        many_fired++;
}

START_TEST(test_many_timers_random)
{
        struct many_timer *m = calloc(MANY_TIMERS, sizeof(*m));
        unsigned int seed = 42;
        uint32_t armed = 0;

        ck_assert_ptr_nonnull(m);
        for (int i = 0; i < MANY_TIMERS; i++)
                ck_assert_int_eq(loop_timer_init(L, &m[i].t, on_many_timer), 0);
        for (int op = 0; op < MANY_OPS; op++) {
                struct many_timer *x = &m[rand_r(&seed) % MANY_TIMERS];
                uint64_t ms = (uint64_t)(rand_r(&seed) % 100000);

                switch (rand_r(&seed) % 4) {
                case 0:
                        loop_timer_arm(&x->t, ms);
                        armed += !x->armed;
                        x->armed = true;
                        break;
                case 1:
                        loop_timer_arm_at(&x->t, loop_now(L) + ms);
                        armed += !x->armed;
                        x->armed = true;
                        break;
                default:
                        loop_timer_disarm(&x->t);
                        armed -= x->armed;
                        x->armed = false;
                        break;
                }
                ck_assert(loop_timer_is_armed(&x->t) == x->armed);
                if (x->armed)
                        x->expire = loop_timer_expire(&x->t);
                if (op % 1000 == 0)
                        ck_assert(loop_timer_heap_check(L));
        }
        ck_assert(loop_timer_heap_check(L));
        ck_assert_uint_eq(loop_timer_count(L), armed);
        ck_assert_uint_gt(armed, MANY_TIMERS / 4);

        /* bring every armed deadline within 20 ms and let them all fire, in deadline order */
        for (int i = 0; i < MANY_TIMERS; i++) {
                if (m[i].armed) {
                        loop_timer_arm(&m[i].t, (uint64_t)(rand_r(&seed) % 20));
                        m[i].expire = loop_timer_expire(&m[i].t);
                }
        }
        ck_assert(loop_timer_heap_check(L));
        many_last_expire = 0;
        many_fired = 0;
        for (int turn = 0; turn < 1000 && loop_timer_count(L); turn++)
                ck_assert_int_ge(loop_run_once(L, 100), 0);
        ck_assert_int_eq(many_fired, (int)armed);
        ck_assert_uint_eq(loop_timer_count(L), 0);
        ck_assert(loop_timer_heap_check(L));

        for (int i = 0; i < MANY_TIMERS; i++) {
                if (i % 2)
                        loop_timer_arm(&m[i].t, 1000);
                loop_timer_deinit(&m[i].t);
        }
        ck_assert_uint_eq(loop_timer_count(L), 0);
        free(m);
}
END_TEST

START_TEST(test_timer_deinit_unbound_is_noop)
{
        struct loop_timer t = {0};
        struct loop_signal s = {0};

        loop_timer_deinit(&t);
        loop_timer_disarm(&t);
        ck_assert(!loop_timer_is_armed(&t));
        loop_signal_stop(&s);
}
END_TEST

START_TEST(test_max_wait_respected)
{
        struct rec_timer a = {.id = 1};
        uint64_t start;

        nfired = 0;
        start = sl_clock_ms();
        ck_assert_int_eq(loop_run_once(L, 30), 0);
        ck_assert_uint_ge(elapsed_ms(start), 29);
        ck_assert_uint_lt(elapsed_ms(start), 1000);

        start = sl_clock_ms();
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_uint_lt(elapsed_ms(start), 20);

        /* a later timer does not extend the caller's bound */
        ck_assert_int_eq(loop_timer_init(L, &a.t, on_rec_timer), 0);
        loop_timer_arm(&a.t, 60000);
        start = sl_clock_ms();
        ck_assert_int_eq(loop_run_once(L, 10), 0);
        ck_assert_uint_ge(elapsed_ms(start), 9);
        ck_assert_uint_lt(elapsed_ms(start), 1000);
        ck_assert(loop_timer_is_armed(&a.t));

        /* an earlier timer shortens it */
        loop_update_time(L);
        loop_timer_arm(&a.t, 10);
        start = sl_clock_ms();
        for (int turn = 0; turn < 10 && nfired == 0; turn++)
                ck_assert_int_ge(loop_run_once(L, 5000), 0);
        ck_assert_int_eq(nfired, 1);
        ck_assert_uint_ge(elapsed_ms(start), 9);
        ck_assert_uint_lt(elapsed_ms(start), 1000);
        loop_timer_deinit(&a.t);
}
END_TEST

/* Times this process slept (voluntary context switches): a load on the machine preempts
 * it, which counts elsewhere, but cannot make it sleep. */
static long sleeps(void)
{
        struct rusage ru;

        ck_assert_int_eq(getrusage(RUSAGE_SELF, &ru), 0);
        return ru.ru_nvcsw;
}

/* busy-polling: a wait keeps its bounds (the caller's, a timer's) and its events, but
 * spends them asking the kernel again instead of sleeping. What a loaded machine cannot
 * change is counted: sleeps and asks, not CPU time. */
START_TEST(test_busy_polling)
{
        struct rec_timer a = {.id = 1};
        struct counted_io c = {0};
        uint64_t start, polls;
        long slept;
        int p[2];

        loop_set_busy_polling(L, true);
        polls = loop_get_stats(L)->busy_polls;
        start = sl_clock_ms();
        slept = sleeps();
        ck_assert_int_eq(loop_run_once(L, 40), 0);
        ck_assert_uint_ge(elapsed_ms(start), 39);
        ck_assert_uint_lt(elapsed_ms(start), 1000);
        /* never asleep, asking again and again */
        ck_assert_int_eq(sleeps() - slept, 0);
        ck_assert_uint_gt(loop_get_stats(L)->busy_polls - polls, 10);

        /* a timer ends the wait when no bound is given */
        nfired = 0;
        ck_assert_int_eq(loop_timer_init(L, &a.t, on_rec_timer), 0);
        loop_timer_arm(&a.t, 20);
        start = sl_clock_ms();
        for (int turn = 0; turn < 10 && nfired == 0; turn++)
                ck_assert_int_ge(loop_run_once(L, -1), 0);
        ck_assert_int_eq(nfired, 1);
        ck_assert_uint_ge(elapsed_ms(start), 19);
        ck_assert_uint_lt(elapsed_ms(start), 1000);
        loop_timer_deinit(&a.t);

        /* and so does an fd that becomes ready */
        make_pipe(p);
        loop_io_init(L, &c.io, p[0], on_counted);
        loop_io_start(&c.io, EPOLLIN);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        put_byte(p[1]);
        ck_assert_int_eq(loop_run_once(L, -1), 1);
        ck_assert_int_eq(c.calls, 1);
        loop_io_stop(&c.io);
        close(p[0]);
        close(p[1]);

        /* off again: the wait sleeps */
        loop_set_busy_polling(L, false);
        polls = loop_get_stats(L)->busy_polls;
        slept = sleeps();
        ck_assert_int_eq(loop_run_once(L, 40), 0);
        ck_assert_int_ge(sleeps() - slept, 1);
        ck_assert_uint_eq(loop_get_stats(L)->busy_polls, polls);
}
END_TEST

/* ---- deferred callbacks and reaping ---- */

struct rec_defer {
        struct loop_defer d;
        int runs;
        int requeue; /* runs that queue it again */
};

static void on_rec_defer(struct loop_defer *d)
{
        struct rec_defer *r = sl_container_of(d, struct rec_defer, d);

        ck_assert(!loop_defer_is_queued(d));
        trace_add('d');
        if (r->runs++ < r->requeue)
                loop_defer_queue(d);
}

START_TEST(test_defer_runs_once)
{
        struct rec_defer a = {0}, b = {0};

        loop_defer_init(L, &a.d, on_rec_defer);
        loop_defer_init(L, &b.d, on_rec_defer);
        loop_defer_queue(&a.d);
        loop_defer_queue(&a.d);
        loop_defer_queue(&b.d);
        loop_defer_cancel(&b.d);
        ck_assert(loop_defer_is_queued(&a.d));
        ck_assert(!loop_defer_is_queued(&b.d));
        ck_assert_int_eq(loop_run_once(L, 0), 1);
        ck_assert_int_eq(a.runs, 1);
        ck_assert_int_eq(b.runs, 0);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_int_eq(a.runs, 1);
        ck_assert_uint_eq(loop_get_stats(L)->defers_run, 1);
        loop_defer_cancel(&a.d);
}
END_TEST

START_TEST(test_defer_requeued_runs_next_turn)
{
        struct rec_defer a = {.requeue = 3};
        uint64_t start = sl_clock_ms();

        loop_defer_init(L, &a.d, on_rec_defer);
        loop_defer_queue(&a.d);
        for (int turn = 1; turn <= 4; turn++) {
                /* pending deferred work: the turn does not wait for the 1 s bound */
                ck_assert_int_eq(loop_run_once(L, 1000), 1);
                ck_assert_int_eq(a.runs, turn);
        }
        ck_assert(!loop_defer_is_queued(&a.d));
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_uint_lt(elapsed_ms(start), 500);
}
END_TEST

/* An object that closes itself from its own fd callback and is freed by the reap phase. */
struct obj {
        struct loop_io io;
        struct loop_timer timer;
        struct loop_reap reap;
        int wfd;                  /* owned */
        bool *freed;              /* borrowed from the test */
        struct obj *next_to_reap; /* borrowed; queued from this object's free */
};

static void obj_free(struct loop_reap *r)
{
        struct obj *o = sl_container_of(r, struct obj, reap);

        ck_assert(!*o->freed);
        *o->freed = true;
        trace_add('r');
        if (o->next_to_reap)
                loop_reap(o->io.loop, &o->next_to_reap->reap);
        loop_timer_deinit(&o->timer);
        close(o->wfd);
        free(o);
}

static void on_obj_io(struct loop_io *io, uint32_t events)
{
        struct obj *o = sl_container_of(io, struct obj, io);

        trace_add('f');
        ck_assert_int_eq(loop_io_close(&o->io), 0);
        loop_timer_disarm(&o->timer);
        loop_reap(io->loop, &o->reap);
        loop_reap(io->loop, &o->reap);
        /* still valid until the end of the turn */
        ck_assert(!*o->freed);
}

static void on_obj_timer(struct loop_timer *t)
{
        trace_add('T');
}

static struct obj *obj_new(bool *freed)
{
        struct obj *o = calloc(1, sizeof(*o));
        int p[2];

        ck_assert_ptr_nonnull(o);
        make_pipe(p);
        o->wfd = p[1];
        o->freed = freed;
        loop_io_init(L, &o->io, p[0], on_obj_io);
        loop_io_start(&o->io, EPOLLIN);
        ck_assert_int_eq(loop_timer_init(L, &o->timer, on_obj_timer), 0);
        loop_timer_arm(&o->timer, 0);
        loop_reap_init(&o->reap, obj_free);
        return o;
}

START_TEST(test_reap_after_all_callbacks)
{
        struct rec_timer t = {.id = 7};
        struct rec_defer d = {0};
        bool freed = false;
        struct obj *o;

        nfired = 0;
        o = obj_new(&freed);
        put_byte(o->wfd);
        ck_assert_int_eq(loop_timer_init(L, &t.t, on_rec_timer), 0);
        loop_timer_arm(&t.t, 0);
        loop_defer_init(L, &d.d, on_rec_defer);
        loop_defer_queue(&d.d);

        /* fd, then timers (the object's own was disarmed by its fd callback), deferred, reap */
        ck_assert_int_eq(loop_run_once(L, 1000), 3);
        ck_assert_str_eq(trace, "ftdr");
        ck_assert(freed);
        ck_assert_uint_eq(loop_get_stats(L)->reaped, 1);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_uint_eq(loop_get_stats(L)->reaped, 1);
        loop_timer_deinit(&t.t);
}
END_TEST

START_TEST(test_reap_queued_while_reaping)
{
        bool freed_a = false, freed_b = false;
        struct obj *a = obj_new(&freed_a), *b = obj_new(&freed_b);

        loop_timer_disarm(&a->timer);
        loop_timer_disarm(&b->timer);
        a->next_to_reap = b;
        loop_io_stop(&b->io);
        close(b->io.fd);
        put_byte(a->wfd);
        ck_assert_int_eq(loop_run_once(L, 1000), 1);
        ck_assert(freed_a);
        ck_assert(freed_b);
        ck_assert_str_eq(trace, "frr");
        ck_assert_uint_eq(loop_get_stats(L)->reaped, 2);
}
END_TEST

START_TEST(test_loop_free_reaps_pending)
{
        bool freed = false;
        struct obj *o = obj_new(&freed);

        ck_assert_int_eq(loop_run_once(L, 0), 1);
        ck_assert_str_eq(trace, "T");
        loop_io_stop(&o->io);
        close(o->io.fd);
        loop_reap(L, &o->reap);
        ck_assert(!freed);
        L = loop_free(L);
        ck_assert_ptr_null(L);
        ck_assert(freed);
        ck_assert_ptr_null(loop_free(NULL));
}
END_TEST

/* ---- running and stopping ---- */

struct stopper {
        struct loop_timer t;
        int fires;
        int stop_at;
};

static void on_stopper(struct loop_timer *t)
{
        struct stopper *s = sl_container_of(t, struct stopper, t);

        if (++s->fires == s->stop_at)
                loop_stop(t->loop);
        else
                loop_timer_arm(t, 1);
}

static void on_watchdog(struct loop_timer *t)
{
        loop_stop(t->loop);
        ck_abort_msg("loop_run() did not stop");
}

START_TEST(test_stop_from_callback)
{
        struct stopper s = {.stop_at = 3};
        struct loop_timer watchdog;

        ck_assert_int_eq(loop_timer_init(L, &s.t, on_stopper), 0);
        ck_assert_int_eq(loop_timer_init(L, &watchdog, on_watchdog), 0);
        loop_timer_arm(&watchdog, 5000);
        loop_timer_arm(&s.t, 1);
        ck_assert_int_eq(loop_run(L), 0);
        ck_assert_int_eq(s.fires, 3);
        ck_assert_uint_ge(loop_get_stats(L)->turns, 3);

        /* the stop flag was consumed: loop_run() runs again until the next loop_stop() */
        s.stop_at = 5;
        loop_timer_arm(&s.t, 1);
        ck_assert_int_eq(loop_run(L), 0);
        ck_assert_int_eq(s.fires, 5);
        loop_timer_deinit(&s.t);
        loop_timer_deinit(&watchdog);
}
END_TEST

static void on_io_stop(struct loop_io *io, uint32_t events)
{
        trace_add('f');
        loop_stop(io->loop);
}

START_TEST(test_stop_completes_turn)
{
        struct rec_defer d = {0};
        struct loop_io io;
        int p[2];

        make_pipe(p);
        loop_io_init(L, &io, p[1], on_io_stop);
        loop_io_start(&io, EPOLLOUT);
        loop_defer_init(L, &d.d, on_rec_defer);
        loop_defer_queue(&d.d);
        ck_assert_int_eq(loop_run(L), 0);
        ck_assert_str_eq(trace, "fd");
        ck_assert_uint_eq(loop_get_stats(L)->turns, 1);

        /* stopped before running: returns without a turn */
        loop_stop(L);
        ck_assert_int_eq(loop_run(L), 0);
        ck_assert_uint_eq(loop_get_stats(L)->turns, 1);
        loop_io_stop(&io);
        close(p[0]);
        close(p[1]);
}
END_TEST

/* ---- signals ---- */

struct sig_rec {
        struct loop_signal s;
        int signo;
        int calls;
};

static void on_signal(struct loop_signal *s, const struct signalfd_siginfo *si)
{
        struct sig_rec *r = sl_container_of(s, struct sig_rec, s);

        r->signo = (int)si->ssi_signo;
        r->calls++;
}

START_TEST(test_signal_delivered)
{
        struct sig_rec r = {0};
        sigset_t mask;

        sigemptyset(&mask);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGUSR2);
        ck_assert_int_eq(loop_signal_start(L, &r.s, &mask, on_signal), 0);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_int_eq(raise(SIGUSR2), 0);
        ck_assert_int_eq(loop_run_once(L, 1000), 1);
        ck_assert_int_eq(r.calls, 1);
        ck_assert_int_eq(r.signo, SIGUSR2);
        ck_assert_int_eq(raise(SIGUSR1), 0);
        ck_assert_int_eq(loop_run_once(L, 1000), 1);
        ck_assert_int_eq(r.signo, SIGUSR1);
        loop_signal_stop(&r.s);
        loop_signal_stop(&r.s);
        ck_assert_int_eq(loop_run_once(L, 0), 0);
        ck_assert_int_eq(r.calls, 2);
}
END_TEST

/* The cases for one readiness source; @uring prefixes the case names with "uring/" (Check
 * keeps the name pointers, hence the literals). */
static void add_cases(Suite *s, bool uring)
{
        void (*fix)(void) = uring ? setup_uring : setup;
        TCase *tc;

#define SL_TCASE(n)                                                                               \
        (tc = tcase_create(uring ? "uring/" n : n), tcase_add_checked_fixture(tc, fix, teardown), \
         tc)

        tc = SL_TCASE("io");
        tcase_add_test(tc, test_pipe_readable_fires);
        tcase_add_test(tc, test_write_interest);
        tcase_add_test(tc, test_unchanged_interest_costs_no_syscall);
        tcase_add_test(tc, test_close_registered_without_syscall);
        tcase_add_test(tc, test_hangup_then_pause);
        /* io_uring polls a regular file as always ready: nothing refuses it */
        if (!uring)
                tcase_add_test(tc, test_refused_registration_reports_epollerr);
        tcase_add_test(tc, test_bad_fd_reports_epollerr);
        tcase_add_test(tc, test_close_watched_socket_reaches_peer);
        tcase_add_loop_test(tc, test_close_reaches_peer_while_loop_sleeps, 0, 2);
        suite_add_tcase(s, tc);

        tc = SL_TCASE("stale");
        /* _i runs over every enum stale_action */
        tcase_add_loop_test(tc, test_stale_event_not_dispatched, 0, STALE_ACTION_COUNT);
        suite_add_tcase(s, tc);

        tc = SL_TCASE("timer");
        tcase_add_test(tc, test_timers_fire_in_order);
        tcase_add_test(tc, test_timer_disarm);
        tcase_add_test(tc, test_timer_rearm_moves_deadline);
        tcase_add_test(tc, test_timer_rearm_now_in_callback_is_bounded);
        tcase_add_test(tc, test_many_timers_random);
        tcase_add_test(tc, test_timer_deinit_unbound_is_noop);
        tcase_add_test(tc, test_max_wait_respected);
        tcase_add_test(tc, test_busy_polling);
        suite_add_tcase(s, tc);

        tc = SL_TCASE("defer_reap");
        tcase_add_test(tc, test_defer_runs_once);
        tcase_add_test(tc, test_defer_requeued_runs_next_turn);
        tcase_add_test(tc, test_reap_after_all_callbacks);
        tcase_add_test(tc, test_reap_queued_while_reaping);
        tcase_add_test(tc, test_loop_free_reaps_pending);
        suite_add_tcase(s, tc);

        tc = SL_TCASE("run");
        tcase_add_test(tc, test_stop_from_callback);
        tcase_add_test(tc, test_stop_completes_turn);
        tcase_add_test(tc, test_signal_delivered);
        suite_add_tcase(s, tc);
#undef SL_TCASE
}

int main(void)
{
        Suite *s = suite_create("worker/loop");

        add_cases(s, false);
        /* a build with liburing tests its io_uring source (setup_uring() fails without a ring) */
        if (loop_backend_built(LOOP_BACKEND_IO_URING))
                add_cases(s, true);
        return unit_run(s);
}
