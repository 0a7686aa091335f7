/* One turn of the loop, loop_run_once(), runs these phases in this order (with io_uring,
 * phase 1 queues poll requests and phase 3 submits them with the wait, in one
 * io_uring_enter(): see loop_uring.c):
 *
 *   1. flush interest changes: one epoll_ctl() per watcher whose interest differs from what
 *      the kernel holds; refused registrations become EPOLLERR events for phase 4
 *   2. compute the wait: 0 if deferred work, unflushed changes or an expired timer is pending,
 *      else until the earliest timer, capped by the caller's max_wait_ms
 *   3. epoll_wait() once, then read the clock once: loop_now() for the whole turn
 *   4. dispatch ready fds, skipping events whose watcher was stopped or lost interest in them
 *      earlier in this turn
 *   5. run expired timers, in deadline order, only those armed before this phase began
 *   6. run deferred callbacks, only those queued before this phase began
 *   7. reap: free the objects queued with loop_reap(), after every callback of the turn
 *
 * The worker's event loop; every object owning an fd or a deadline in a worker registers here,
 * and the master runs one too for its signals and worker pipes.
 *
 * Level-triggered epoll (HAProxy), not edge-triggered (nginx). A handler may stop after a
 * bounded amount of work (one buffer, a few accepts) and is called again next turn, so one
 * busy connection cannot starve the others, and an owner needs no "maybe more to read" state
 * that is easy to lose on an error path. The price of level triggering is changing the
 * interest, EPOLLOUT in particular, far more often than with edge triggering; so interest
 * changes are recorded in the watcher and flushed in one pass before epoll_wait() (HAProxy's
 * fd update list): a change undone within the turn, or repeating the current interest, costs
 * no system call, and a watcher started and closed within one turn (an accepted request
 * answered at once) never reaches the kernel.
 *
 * Timers are a binary min-heap of {deadline, arm order, timer} entries with the heap position
 * stored back in the timer: arm, re-arm and disarm are O(log n), the next deadline O(1), and
 * the comparisons walk a compact array without touching the timers themselves. A timing wheel
 * would make arm O(1), but idle and request timeouts are mostly re-armed or disarmed long
 * before they fire, a heap needs no cascading and no granularity choice, and it fires exactly
 * in deadline order with ties in arm order. loop_timer_init() reserves the timer's slot, so
 * arming, which happens on every request, never allocates and cannot fail.
 *
 * Stale events: epoll_wait() reports a batch, and a callback early in the batch may stop
 * another watcher of the same batch and close its fd, or even reuse the fd number and the
 * watcher for a new connection. Dispatch therefore runs in two passes: the first copies each
 * event into its watcher (@pending), the second delivers what is still pending, masked by the
 * current interest. loop_io_stop() and loop_io_init() clear @pending, so nothing reported
 * before a stop is ever delivered after it, in O(1) per stop (libuv scans the rest of the
 * batch instead). Watcher memory stays valid until the end of the turn because owners free
 * themselves through the reap phase only. */
#include "loop.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.h"
#include "loop_uring.h"
#include "macros.h"

/* Events read per epoll_wait(); level triggering reports the others again next turn. */
#define LOOP_MAX_EVENTS 256
/* Refused registrations reported per turn; the rest stay queued for the next turn. */
#define LOOP_MAX_FAILED 64
#define LOOP_HEAP_MIN   64
/* io_uring: in @kernel, a one-shot poll fired and is re-armed at the next flush. Outside
 * LOOP_IO_EVENTS, so @kernel never equals @want and the watcher stays in the update list;
 * @kernel stays non-zero, so loop_io_polled() holds across the re-arm. */
#define LOOP_IO_FIRED   (1u << 30)

struct loop_heap_entry {
        uint64_t expire;          /* deadline, loop_now() milliseconds */
        uint64_t seq;             /* arm order: breaks ties between equal deadlines */
        struct loop_timer *timer; /* borrowed: the owner's embedded timer */
};

struct loop {
        int epfd;               /* owned; -1 with io_uring */
        struct loop_uring *ur;  /* owned; NULL with epoll */
        bool stopping;          /* loop_stop() called; loop_run() returns */
        bool in_turn;           /* inside loop_run_once(), which is not reentrant */
        bool busy;              /* loop_set_busy_polling(): the wait never sleeps */
        uint64_t now;           /* cached clock, ms */
        struct sl_list updates; /* borrowed watchers (loop_io.update) with interest to flush */
        struct sl_list defers;  /* borrowed loop_defer.link, queued for this turn's phase 6 */
        struct sl_list reaps;   /* borrowed loop_reap.link, freed in phase 7 */
        struct loop_heap_entry *heap;               /* owned array of @heap_cap entries */
        uint32_t heap_len;                          /* armed timers */
        uint32_t heap_cap;                          /* entries allocated, >= @timers_reserved */
        uint32_t timers_reserved;                   /* initialised timers */
        uint64_t timer_seq;                         /* next arm order */
        struct loop_stats stats;                    /* counters */
        struct epoll_event events[LOOP_MAX_EVENTS]; /* the current batch */
};

int loop_new_backend(struct loop **ret_loop, enum loop_backend backend)
{
        struct loop *loop;
        int r;

        loop = calloc(1, sizeof(*loop));
        if (!loop)
                return -ENOMEM;
        loop->epfd = -1;
        if (backend == LOOP_BACKEND_IO_URING) {
                r = loop_uring_new(&loop->ur);
                if (r < 0) {
                        free(loop);
                        return r;
                }
        } else {
                loop->epfd = epoll_create1(EPOLL_CLOEXEC);
                if (loop->epfd == -1) {
                        r = -errno;
                        free(loop);
                        return r;
                }
        }
        sl_list_init(&loop->updates);
        sl_list_init(&loop->defers);
        sl_list_init(&loop->reaps);
        loop->now = sl_clock_ms();
        *ret_loop = loop;
        return 0;
}

int loop_new(struct loop **ret_loop)
{
        return loop_new_backend(ret_loop, LOOP_BACKEND_EPOLL);
}

enum loop_backend loop_get_backend(const struct loop *loop)
{
        return loop->ur ? LOOP_BACKEND_IO_URING : LOOP_BACKEND_EPOLL;
}

bool loop_backend_built(enum loop_backend backend)
{
        return backend == LOOP_BACKEND_EPOLL || loop_uring_built();
}

const char *loop_backend_name(enum loop_backend backend)
{
        return backend == LOOP_BACKEND_IO_URING ? "io_uring" : "epoll";
}

static void loop__reap_all(struct loop *loop)
{
        while (!sl_list_empty(&loop->reaps)) {
                struct loop_reap *r = sl_list_first(&loop->reaps, struct loop_reap, link);

                sl_list_del(&r->link);
                loop->stats.reaped++;
                r->fn(r);
        }
}

static void loop__unlink_all(struct sl_list *head)
{
        while (!sl_list_empty(head))
                sl_list_del(head->next);
}

struct loop *loop_free(struct loop *loop)
{
        if (!loop)
                return NULL;
        /* freeing the queued objects stops their watchers, which may still need the epfd */
        loop__reap_all(loop);
        loop__unlink_all(&loop->updates);
        loop__unlink_all(&loop->defers);
        for (uint32_t i = 0; i < loop->heap_len; i++)
                loop->heap[i].timer->idx = 0;
        if (loop->epfd >= 0)
                (void)close(loop->epfd);
        loop_uring_free(loop->ur);
        free(loop->heap);
        free(loop);
        return NULL;
}

struct loop *loop_abandon(struct loop *loop)
{
        if (!loop)
                return NULL;
        /* no epoll_ctl(): the epoll instance is shared with the parent after fork(); a ring
         * is unmapped and its fd closed, which cancels nothing while the parent holds it */
        if (loop->epfd >= 0)
                (void)close(loop->epfd);
        loop_uring_free(loop->ur);
        free(loop->heap);
        free(loop);
        return NULL;
}

void loop_stop(struct loop *loop)
{
        loop->stopping = true;
}

uint64_t loop_now(const struct loop *loop)
{
        return loop->now;
}

void loop_update_time(struct loop *loop)
{
        loop->now = sl_clock_ms();
}

const struct loop_stats *loop_get_stats(const struct loop *loop)
{
        return &loop->stats;
}

/* ---- fd watchers ---- */

void loop_io_init(struct loop *loop, struct loop_io *io, int fd, loop_io_fn *fn)
{
        *io = (struct loop_io){.loop = loop, .fn = fn, .fd = fd};
        sl_list_init(&io->update);
}

void loop_io_modify(struct loop_io *io, uint32_t events)
{
        SL_BUG_ON(events & ~(uint32_t)LOOP_IO_EVENTS);
        io->want = events;
        if (io->want == io->kernel)
                sl_list_del(&io->update);
        else if (!sl_list_linked(&io->update))
                sl_list_push_back(&io->loop->updates, &io->update);
}

void loop_io_start(struct loop_io *io, uint32_t events)
{
        SL_BUG_ON(io->fd < 0);
        loop_io_modify(io, events);
}

static void loop__io_forget(struct loop_io *io)
{
        sl_list_del(&io->update);
        io->want = 0;
        io->kernel = 0;
        io->pending = 0;
}

/* io_uring: queue the cancellation of @io's armed poll, if any. The next submission hands
 * it to the kernel; a completion that comes first is dropped, its generation being retired
 * now. Until then the poll holds a reference on the file, so a close() of the fd takes
 * effect at the end of the turn at the latest. */
static void loop__io_disarm(struct loop_io *io)
{
        if (io->kernel & ~LOOP_IO_FIRED) {
                io->loop->stats.polls_cancelled++;
                loop_uring_disarm(io->loop->ur, io->fd);
        }
}

void loop_io_stop(struct loop_io *io)
{
        if (io->kernel && io->loop->ur) {
                loop__io_disarm(io);
        } else if (io->kernel) {
                struct loop *loop = io->loop;

                loop->stats.epoll_ctl++;
                if (epoll_ctl(loop->epfd, EPOLL_CTL_DEL, io->fd, NULL) == -1)
                        loop->stats.epoll_ctl_failed++;
        }
        loop__io_forget(io);
}

int loop_io_close(struct loop_io *io)
{
        int r = 0;

        if (io->kernel && io->loop->ur)
                loop__io_disarm(io);
        loop__io_forget(io);
        if (io->fd >= 0 && close(io->fd) == -1 && errno != EINTR)
                r = -errno;
        io->fd = -1;
        return r;
}

/* A registration of @io the kernel refused: an EPOLLERR for phase 4 at loop->events[@i] */
static void loop__refused(struct loop *loop, struct loop_io *io, int i)
{
        loop->stats.epoll_ctl_failed++;
        loop->events[i].events = EPOLLERR;
        loop->events[i].data.ptr = io;
}

/* Phase 1 with io_uring: a poll request queued per watcher whose interest changed or whose
 * poll fired; nothing reaches the kernel before the wait submits it all. */
static int loop__flush_uring(struct loop *loop)
{
        int failed = 0;

        while (!sl_list_empty(&loop->updates) && failed < LOOP_MAX_FAILED) {
                struct loop_io *io = sl_list_first(&loop->updates, struct loop_io, update);

                sl_list_del(&io->update);
                if (io->want == io->kernel)
                        continue;
                if (!io->want) {
                        loop__io_disarm(io);
                        io->kernel = 0;
                        continue;
                }
                if (io->kernel && !(io->kernel & LOOP_IO_FIRED))
                        loop->stats.polls_cancelled++;
                loop->stats.polls_armed++;
                if (loop_uring_arm(loop->ur, io, io->fd, io->want) < 0) {
                        /* as a refused epoll_ctl(): not retried until the owner changes its
                         * interest */
                        loop_uring_disarm(loop->ur, io->fd);
                        io->kernel = 0;
                        loop__refused(loop, io, failed++);
                        continue;
                }
                io->kernel = io->want;
        }
        return failed;
}

/* Phase 1. Returns how many refused registrations were written at the start of
 * loop->events as EPOLLERR entries. */
static int loop__flush_updates(struct loop *loop)
{
        int failed = 0;

        if (loop->ur)
                return loop__flush_uring(loop);

        while (!sl_list_empty(&loop->updates) && failed < LOOP_MAX_FAILED) {
                struct loop_io *io = sl_list_first(&loop->updates, struct loop_io, update);
                struct epoll_event ev = {.events = io->want, .data.ptr = io};
                int op;

                sl_list_del(&io->update);
                if (io->want == io->kernel)
                        continue;
                /* no interest at all: delete, as EPOLLHUP/EPOLLERR would still be reported */
                if (!io->want)
                        op = EPOLL_CTL_DEL;
                else if (!io->kernel)
                        op = EPOLL_CTL_ADD;
                else
                        op = EPOLL_CTL_MOD;
                loop->stats.epoll_ctl++;
                if (epoll_ctl(loop->epfd, op, io->fd, &ev) == -1) {
                        if (op != EPOLL_CTL_DEL) {
                                loop__refused(loop, io, failed++);
                                continue;
                        }
                        loop->stats.epoll_ctl_failed++;
                }
                io->kernel = io->want;
        }
        return failed;
}

/* Phase 4. */
static int loop__dispatch(struct loop *loop, int n)
{
        int ran = 0;

        /* An fd appears at most once per epoll_wait(), but a refused MOD may add a second
         * entry: OR-ing merges them and the second finds nothing pending. */
        for (int i = 0; i < n; i++) {
                struct loop_io *io = loop->events[i].data.ptr;

                io->pending |= loop->events[i].events;
        }
        for (int i = 0; i < n; i++) {
                struct loop_io *io = loop->events[i].data.ptr;
                uint32_t mask = io->want ? io->want | EPOLLERR | EPOLLHUP : 0;
                uint32_t ev = io->pending & mask;

                io->pending = 0;
                if (!ev) {
                        loop->stats.stale++;
                        continue;
                }
                loop->stats.events++;
                ran++;
                io->fn(io, ev);
        }
        return ran;
}

/* ---- timers ---- */

static bool loop__heap_less(const struct loop_heap_entry *a, const struct loop_heap_entry *b)
{
        return a->expire < b->expire || (a->expire == b->expire && a->seq < b->seq);
}

static void loop__heap_place(struct loop *loop, uint32_t i, const struct loop_heap_entry *e)
{
        loop->heap[i] = *e;
        e->timer->idx = i + 1;
}

static void loop__heap_sift_up(struct loop *loop, uint32_t i)
{
        struct loop_heap_entry e = loop->heap[i];

        while (i > 0) {
                uint32_t parent = (i - 1) / 2;

                if (!loop__heap_less(&e, &loop->heap[parent]))
                        break;
                loop__heap_place(loop, i, &loop->heap[parent]);
                i = parent;
        }
        loop__heap_place(loop, i, &e);
}

static void loop__heap_sift_down(struct loop *loop, uint32_t i)
{
        struct loop_heap_entry e = loop->heap[i];

        for (;;) {
                uint32_t child = 2 * i + 1;

                if (child >= loop->heap_len)
                        break;
                if (child + 1 < loop->heap_len &&
                    loop__heap_less(&loop->heap[child + 1], &loop->heap[child]))
                        child++;
                if (!loop__heap_less(&loop->heap[child], &e))
                        break;
                loop__heap_place(loop, i, &loop->heap[child]);
                i = child;
        }
        loop__heap_place(loop, i, &e);
}

/* Restore the order around @i after its key changed in either direction. */
static void loop__heap_fix(struct loop *loop, uint32_t i)
{
        if (i > 0 && loop__heap_less(&loop->heap[i], &loop->heap[(i - 1) / 2]))
                loop__heap_sift_up(loop, i);
        else
                loop__heap_sift_down(loop, i);
}

static void loop__heap_remove(struct loop *loop, struct loop_timer *t)
{
        uint32_t i = t->idx - 1;
        uint32_t last = --loop->heap_len;

        t->idx = 0;
        if (i == last)
                return;
        loop__heap_place(loop, i, &loop->heap[last]);
        loop__heap_fix(loop, i);
}

int loop_timer_init(struct loop *loop, struct loop_timer *t, loop_timer_fn *fn)
{
        *t = (struct loop_timer){.fn = fn};
        if (loop->timers_reserved == loop->heap_cap) {
                uint32_t cap = loop->heap_cap ? loop->heap_cap * 2 : LOOP_HEAP_MIN;
                struct loop_heap_entry *heap;

                if (cap <= loop->heap_cap)
                        return -ENOMEM;
                heap = realloc(loop->heap, cap * sizeof(*heap));
                if (!heap)
                        return -ENOMEM;
                loop->heap = heap;
                loop->heap_cap = cap;
        }
        loop->timers_reserved++;
        t->loop = loop;
        return 0;
}

void loop_timer_deinit(struct loop_timer *t)
{
        if (!t->loop)
                return;
        loop_timer_disarm(t);
        t->loop->timers_reserved--;
        t->loop = NULL;
}

void loop_timer_arm_at(struct loop_timer *t, uint64_t at_ms)
{
        struct loop *loop = t->loop;
        /* Never before the turn's time: with the arm order, this ranks a timer armed from a
         * timer callback after every timer that phase is due to run (see loop__run_timers). */
        uint64_t expire = SL_MAX(at_ms, loop->now), seq = loop->timer_seq++;
        struct loop_heap_entry *e;

        if (t->idx) {
                e = &loop->heap[t->idx - 1];
                e->expire = expire;
                e->seq = seq;
                loop__heap_fix(loop, t->idx - 1);
                return;
        }
        SL_BUG_ON(loop->heap_len >= loop->heap_cap);
        loop->heap[loop->heap_len] = (struct loop_heap_entry){expire, seq, t};
        t->idx = ++loop->heap_len;
        loop__heap_sift_up(loop, loop->heap_len - 1);
}

void loop_timer_arm(struct loop_timer *t, uint64_t ms)
{
        uint64_t now = t->loop->now;

        loop_timer_arm_at(t, ms > UINT64_MAX - now ? UINT64_MAX : now + ms);
}

void loop_timer_disarm(struct loop_timer *t)
{
        if (t->idx)
                loop__heap_remove(t->loop, t);
}

uint64_t loop_timer_expire(const struct loop_timer *t)
{
        SL_BUG_ON(!t->idx);
        return t->loop->heap[t->idx - 1].expire;
}

uint32_t loop_timer_count(const struct loop *loop)
{
        return loop->heap_len;
}

bool loop_timer_heap_check(const struct loop *loop)
{
        if (loop->heap_len > loop->heap_cap || loop->heap_cap < loop->timers_reserved)
                return false;
        for (uint32_t i = 0; i < loop->heap_len; i++) {
                const struct loop_heap_entry *e = &loop->heap[i];

                if (e->timer->idx != i + 1 || e->timer->loop != loop)
                        return false;
                if (e->seq >= loop->timer_seq)
                        return false;
                if (i > 0 && loop__heap_less(e, &loop->heap[(i - 1) / 2]))
                        return false;
        }
        return true;
}

/* Phase 5. A timer re-armed (or newly armed) by a callback of this phase gets a later arm
 * order than @limit and a deadline not before loop->now, so it sorts after every timer this
 * phase is due to run: stopping at the first such entry bounds the phase without skipping
 * anything due. */
static int loop__run_timers(struct loop *loop)
{
        uint64_t limit = loop->timer_seq;
        int ran = 0;

        while (loop->heap_len) {
                struct loop_timer *t = loop->heap[0].timer;

                if (loop->heap[0].expire > loop->now || loop->heap[0].seq >= limit)
                        break;
                loop__heap_remove(loop, t);
                loop->stats.timers_fired++;
                ran++;
                t->fn(t);
        }
        return ran;
}

/* Phase 2. */
static int loop__wait_ms(struct loop *loop, int max_wait_ms, int failed)
{
        uint64_t expire, delta;

        if (failed || max_wait_ms == 0 || !sl_list_empty(&loop->defers) ||
            !sl_list_empty(&loop->updates))
                return 0;
        if (max_wait_ms < 0)
                max_wait_ms = -1;
        if (!loop->heap_len)
                return max_wait_ms;
        /* the cached time is as old as the previous turn's callbacks: a timer would be late
         * by their duration */
        loop->now = sl_clock_ms();
        expire = loop->heap[0].expire;
        if (expire <= loop->now)
                return 0;
        delta = expire - loop->now;
        if (max_wait_ms >= 0 && delta > (uint64_t)max_wait_ms)
                return max_wait_ms;
        return delta > INT_MAX ? INT_MAX : (int)delta;
}

/* ---- deferred callbacks ---- */

void loop_defer_init(struct loop *loop, struct loop_defer *d, loop_defer_fn *fn)
{
        *d = (struct loop_defer){.loop = loop, .fn = fn};
        sl_list_init(&d->link);
}

void loop_defer_queue(struct loop_defer *d)
{
        if (!sl_list_linked(&d->link))
                sl_list_push_back(&d->loop->defers, &d->link);
}

void loop_defer_cancel(struct loop_defer *d)
{
        sl_list_del(&d->link);
}

/* Phase 6. Works on a private copy of the queue so that work queued by a deferred callback
 * waits for the next turn instead of extending this one. */
static int loop__run_defers(struct loop *loop)
{
        struct sl_list batch;
        int ran = 0;

        if (sl_list_empty(&loop->defers))
                return 0;
        batch.next = loop->defers.next;
        batch.prev = loop->defers.prev;
        batch.next->prev = &batch;
        batch.prev->next = &batch;
        sl_list_init(&loop->defers);
        while (!sl_list_empty(&batch)) {
                struct loop_defer *d = sl_list_first(&batch, struct loop_defer, link);

                sl_list_del(&d->link);
                loop->stats.defers_run++;
                ran++;
                d->fn(d);
        }
        return ran;
}

/* ---- reaping ---- */

void loop_reap_init(struct loop_reap *r, loop_reap_fn *fn)
{
        r->fn = fn;
        sl_list_init(&r->link);
}

void loop_reap(struct loop *loop, struct loop_reap *r)
{
        if (!sl_list_linked(&r->link))
                sl_list_push_back(&loop->reaps, &r->link);
}

/* ---- running ---- */

/* Phase 3 with io_uring: the polls that completed are disarmed in the kernel; each watcher
 * still interested is marked for a re-arm at the next flush, which reports a level that
 * persists, as epoll would. */
static int loop__wait_uring(struct loop *loop, int failed, int wait_ms)
{
        struct epoll_event *ev = loop->events + failed;
        int n = loop_uring_wait(loop->ur, ev, LOOP_MAX_EVENTS - failed, wait_ms,
                                &loop->stats.stale);

        for (int i = 0; i < n; i++) {
                struct loop_io *io = ev[i].data.ptr;

                if (ev[i].events & LOOP_URING_FAILED) {
                        ev[i].events = EPOLLERR;
                        io->kernel = 0;
                        loop->stats.epoll_ctl_failed++;
                        continue;
                }
                io->kernel = LOOP_IO_FIRED;
                if (io->want && !sl_list_linked(&io->update))
                        sl_list_push_back(&loop->updates, &io->update);
        }
        return n;
}

/* Wait up to @wait_ms (0: not at all) for events, after the @failed ones already in the
 * batch: how many came; a failure of the wait itself in *@err. Always inlined: it is every
 * turn's wait, and as a call of its own it cost h1_ka 68 instructions a request. */
static inline __attribute__((always_inline)) int loop__poll(struct loop *loop, int failed,
                                                            int wait_ms, int *err)
{
        int n;

        if (loop->ur) {
                n = loop__wait_uring(loop, failed, wait_ms);
                if (n < 0) {
                        *err = n;
                        n = 0;
                }
                return n;
        }
        n = epoll_wait(loop->epfd, loop->events + failed, LOOP_MAX_EVENTS - failed, wait_ms);
        if (n == -1) {
                if (errno != EINTR)
                        *err = -errno;
                n = 0;
        }
        return n;
}

void loop_set_busy_polling(struct loop *loop, bool on)
{
        loop->busy = on;
}

int loop_run_once(struct loop *loop, int max_wait_ms)
{
        int failed, n, r = 0, ran, wait_ms;

        SL_BUG_ON(loop->in_turn);
        loop->in_turn = true;

        failed = loop__flush_updates(loop);
        wait_ms = loop__wait_ms(loop, max_wait_ms, failed);
        if (loop->busy && wait_ms != 0) {
                /* busy-polling: ask without sleeping until something is ready or the wait
                 * is over (a timer's deadline; none: until something is ready) */
                uint64_t until = wait_ms > 0 ? sl_clock_ms() + (uint64_t)wait_ms : UINT64_MAX;

                do {
                        n = loop__poll(loop, failed, 0, &r);
                        loop->stats.busy_polls++;
                } while (n == 0 && r == 0 && sl_clock_ms() < until);
        } else {
                n = loop__poll(loop, failed, wait_ms, &r);
        }
        loop->now = sl_clock_ms();
        if (n > 0)
                loop->stats.wakeups++;

        ran = loop__dispatch(loop, failed + n);
        ran += loop__run_timers(loop);
        ran += loop__run_defers(loop);
        loop__reap_all(loop);

        loop->stats.turns++;
        loop->in_turn = false;
        return r < 0 ? r : ran;
}

int loop_run(struct loop *loop)
{
        int r = 0;

        while (!loop->stopping) {
                r = loop_run_once(loop, -1);
                if (r < 0)
                        break;
        }
        loop->stopping = false;
        return r < 0 ? r : 0;
}

/* ---- signals ---- */

static void loop__signal_on_io(struct loop_io *io, uint32_t events)
{
        struct loop_signal *s = sl_container_of(io, struct loop_signal, io);
        struct signalfd_siginfo si[8];
        ssize_t n;

        /* one read per turn: level triggering reports the fd again if more are queued */
        n = read(io->fd, si, sizeof(si));
        if (n <= 0)
                return;
        for (size_t i = 0; i < (size_t)n / sizeof(si[0]); i++) {
                s->fn(s, &si[i]);
                if (!s->io.loop)
                        break;
        }
}

int loop_signal_start(struct loop *loop, struct loop_signal *s, const sigset_t *mask,
                      loop_signal_fn *fn)
{
        int fd;

        if (sigprocmask(SIG_BLOCK, mask, NULL) == -1)
                return -errno;
        fd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
        if (fd == -1)
                return -errno;
        s->fn = fn;
        loop_io_init(loop, &s->io, fd, loop__signal_on_io);
        loop_io_start(&s->io, EPOLLIN);
        return 0;
}

void loop_signal_stop(struct loop_signal *s)
{
        if (!s->io.loop)
                return;
        /* a forked child shares the signalfd's file: remove it explicitly before closing */
        loop_io_stop(&s->io);
        (void)close(s->io.fd);
        s->io.fd = -1;
        s->io.loop = NULL;
}
