/* io_uring as the loop's readiness source (tune.sluice.io-uring on).
 *
 * The loop's contract is level-triggered readiness, so a watcher holds one one-shot
 * IORING_OP_POLL_ADD, not a multishot one: a multishot poll reports edges, and a handler that
 * stops after a bounded amount of work would never hear of the bytes it left. The kernel
 * checks readiness when it arms a poll, so re-arming after each completion reports again
 * whatever is still pending, as epoll reports a level. Arming, re-arming, changing and
 * cancelling interest are submission entries, handed to the kernel by the same
 * io_uring_enter() that waits: a turn costs one system call whatever the number of interest
 * changes, where epoll pays one epoll_ctl() each.
 *
 * liburing (Debian's 2.3) sets up and maps the rings and owns their memory ordering; that is
 * the part of io_uring that is easy to get subtly wrong by hand, and it is what every other
 * user of the interface links.
 *
 * Ring flags, best first: SINGLE_ISSUER (6.0: only the worker submits) with COOP_TASKRUN
 * (5.19: completion work waits for the worker's next entry into the kernel instead of
 * interrupting it mid-turn); COOP_TASKRUN alone; plain rings last. Not DEFER_TASKRUN (6.1),
 * which defers that work further, to the worker's waits: with it, test_proxy_opts' option
 * nolinger case found 4 client connections in 10 not yet reset 200 ms after their FIN (the
 * socket's release late), and none in 15 runs with COOP_TASKRUN. */
#include "loop_uring.h"

#include <errno.h>
#include <stdlib.h>

#include "macros.h"

#ifdef SL_HAVE_IO_URING

#include <liburing.h>

/* Submission entries: a turn's interest changes; more are submitted in several enters. */
#define LOOP_URING_SQ      1024
/* Completion entries: polls firing between two turns; the kernel keeps any overflow
 * (IORING_FEAT_NODROP) until there is room. */
#define LOOP_URING_CQ      4096
/* user_data of cancellations, whose own completions carry nothing */
#define LOOP_URING_UD_NONE UINT64_MAX
#define LOOP_URING_FD_MIN  256

struct loop_uring_fd {
        struct loop_io *io; /* borrowed: the watcher of the armed poll */
        uint32_t gen;       /* generation of the fd number's latest poll */
        bool armed;         /* a poll of generation @gen is in the kernel */
};

struct loop_uring {
        struct io_uring ring;
        struct loop_uring_fd *fds; /* owned, indexed by fd number */
        uint32_t n_fds;            /* entries allocated */
};

bool loop_uring_built(void)
{
        return true;
}

static int loop_uring__setup(struct io_uring *ring)
{
        static const unsigned flags[] = {
                IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
                IORING_SETUP_COOP_TASKRUN,
                0,
        };
        int r = -EINVAL;

        for (size_t i = 0; i < SL_ARRAY_SIZE(flags); i++) {
                struct io_uring_params p = {
                        .flags = flags[i] | IORING_SETUP_CQSIZE,
                        .cq_entries = LOOP_URING_CQ,
                };

                r = io_uring_queue_init_params(LOOP_URING_SQ, ring, &p);
                if (r != -EINVAL)
                        return r;
        }
        return r;
}

int loop_uring_new(struct loop_uring **ret)
{
        struct loop_uring *u = calloc(1, sizeof(*u));
        int r;

        if (!u)
                return -ENOMEM;
        r = loop_uring__setup(&u->ring);
        if (r < 0) {
                free(u);
                return r;
        }
        if (!(u->ring.features & IORING_FEAT_NODROP) || !(u->ring.features & IORING_FEAT_EXT_ARG)) {
                /* before 5.11: completions could be lost, and a timed wait takes two calls */
                io_uring_queue_exit(&u->ring);
                free(u);
                return -ENOSYS;
        }
        /* enters skip the fd lookup (5.18); without it they only cost a little more */
        (void)io_uring_register_ring_fd(&u->ring);
        *ret = u;
        return 0;
}

void loop_uring_free(struct loop_uring *u)
{
        if (!u)
                return;
        io_uring_queue_exit(&u->ring);
        free(u->fds);
        free(u);
}

static struct io_uring_sqe *loop_uring__sqe(struct loop_uring *u)
{
        struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

        if (sqe)
                return sqe;
        /* the queue is full: hand it over now, without waiting */
        if (io_uring_submit(&u->ring) < 0)
                return NULL;
        return io_uring_get_sqe(&u->ring);
}

static uint64_t loop_uring__ud(int fd, uint32_t gen)
{
        return (uint64_t)gen << 32 | (uint32_t)fd;
}

/* Queue the cancellation of @e's armed poll and retire its generation. */
static int loop_uring__cancel(struct loop_uring *u, int fd, struct loop_uring_fd *e)
{
        struct io_uring_sqe *sqe = loop_uring__sqe(u);

        if (!sqe)
                return -EBUSY;
        io_uring_prep_poll_remove(sqe, loop_uring__ud(fd, e->gen));
        io_uring_sqe_set_data64(sqe, LOOP_URING_UD_NONE);
        sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
        e->gen++;
        e->armed = false;
        return 0;
}

static int loop_uring__grow(struct loop_uring *u, int fd)
{
        uint32_t n = u->n_fds ? u->n_fds : LOOP_URING_FD_MIN;
        struct loop_uring_fd *fds;

        while (n <= (uint32_t)fd)
                n *= 2;
        fds = realloc(u->fds, n * sizeof(*fds));
        if (!fds)
                return -ENOMEM;
        for (uint32_t i = u->n_fds; i < n; i++)
                fds[i] = (struct loop_uring_fd){0};
        u->fds = fds;
        u->n_fds = n;
        return 0;
}

int loop_uring_arm(struct loop_uring *u, struct loop_io *io, int fd, uint32_t mask)
{
        struct io_uring_sqe *sqe;
        struct loop_uring_fd *e;
        int r;

        SL_BUG_ON(fd < 0);
        if ((uint32_t)fd >= u->n_fds && (r = loop_uring__grow(u, fd)) < 0)
                return r;
        e = &u->fds[fd];
        if (e->armed && (r = loop_uring__cancel(u, fd, e)) < 0)
                return r;
        sqe = loop_uring__sqe(u);
        if (!sqe)
                return -EBUSY;
        io_uring_prep_poll_add(sqe, fd, mask);
        io_uring_sqe_set_data64(sqe, loop_uring__ud(fd, e->gen));
        e->io = io;
        e->armed = true;
        return 0;
}

void loop_uring_disarm(struct loop_uring *u, int fd)
{
        struct loop_uring_fd *e;

        if (fd < 0 || (uint32_t)fd >= u->n_fds)
                return;
        e = &u->fds[fd];
        e->io = NULL;
        if (!e->armed)
                return;
        if (loop_uring__cancel(u, fd, e) < 0) {
                /* no slot even after submitting: retire the generation anyway, so the poll's
                 * completion is dropped whenever it comes */
                e->gen++;
                e->armed = false;
        }
}

int loop_uring_wait(struct loop_uring *u, struct epoll_event *ev, int max, int timeout_ms,
                    uint64_t *stale)
{
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        int r, n = 0;

        if (timeout_ms == 0) {
                r = io_uring_submit_and_get_events(&u->ring);
        } else if (timeout_ms < 0) {
                r = io_uring_submit_and_wait(&u->ring, 1);
        } else {
                struct __kernel_timespec ts = {
                        .tv_sec = timeout_ms / 1000,
                        .tv_nsec = (long long)(timeout_ms % 1000) * 1000000,
                };

                r = io_uring_submit_and_wait_timeout(&u->ring, &cqe, 1, &ts, NULL);
        }
        /* ETIME: the timeout; EINTR: a signal; EBUSY: completions overflowed, which the
         * reaping below makes room for */
        if (r < 0 && r != -ETIME && r != -EINTR && r != -EBUSY)
                return r;

        io_uring_for_each_cqe(&u->ring, head, cqe)
        {
                uint64_t ud = io_uring_cqe_get_data64(cqe);
                uint32_t fd = (uint32_t)ud, gen = (uint32_t)(ud >> 32);
                struct loop_uring_fd *e;

                if (n == max)
                        break;
                seen++;
                if (ud == LOOP_URING_UD_NONE)
                        continue;
                if (fd >= u->n_fds || !u->fds[fd].armed || u->fds[fd].gen != gen) {
                        /* a poll fired before its cancellation or change reached it */
                        if (cqe->res != -ECANCELED)
                                (*stale)++;
                        continue;
                }
                e = &u->fds[fd];
                e->armed = false;
                ev[n].data.ptr = e->io;
                ev[n].events = cqe->res < 0 ? EPOLLERR | LOOP_URING_FAILED : (uint32_t)cqe->res;
                n++;
        }
        io_uring_cq_advance(&u->ring, seen);
        return n;
}

#else /* !SL_HAVE_IO_URING */

bool loop_uring_built(void)
{
        return false;
}

int loop_uring_new(struct loop_uring **ret)
{
        (void)ret;
        return -ENOSYS;
}

void loop_uring_free(struct loop_uring *u)
{
        SL_BUG_ON(u);
}

int loop_uring_arm(struct loop_uring *u, struct loop_io *io, int fd, uint32_t mask)
{
        (void)u, (void)io, (void)fd, (void)mask;
        SL_BUG_ON(true);
        return -ENOSYS;
}

void loop_uring_disarm(struct loop_uring *u, int fd)
{
        (void)u, (void)fd;
        SL_BUG_ON(true);
}

int loop_uring_wait(struct loop_uring *u, struct epoll_event *ev, int max, int timeout_ms,
                    uint64_t *stale)
{
        (void)u, (void)ev, (void)max, (void)timeout_ms, (void)stale;
        SL_BUG_ON(true);
        return -ENOSYS;
}

#endif
