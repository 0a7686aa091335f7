#pragma once
/* The per-worker event loop: one readiness source (an epoll instance, or an io_uring ring
 * with tune.sluice.io-uring), fd watchers, millisecond timers, deferred callbacks and a reap
 * list, all single-threaded and never blocking outside the wait for events.
 *
 * Watchers are embedded in the object that owns them (a conn embeds its loop_io and its idle
 * loop_timer) and hold a borrowed pointer to the loop, which must outlive them. Every callback
 * of one turn runs before anything queued with loop_reap() is freed, so an owner may stop its
 * watchers and queue itself for freeing from inside its own callback; it must never free
 * itself there. See loop.c for the order of the phases of a turn. */

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "list.h"

struct loop;
struct signalfd_siginfo;

/* Counters since loop_new(); plain integers read by the owning worker only. */
struct loop_stats {
        uint64_t turns;            /* completed loop_run_once() calls */
        uint64_t wakeups;          /* turns whose epoll_wait() reported at least one fd */
        uint64_t events;           /* fd callbacks dispatched */
        uint64_t stale;            /* ready events dropped: watcher stopped or interest gone */
        uint64_t timers_fired;     /* timer callbacks run */
        uint64_t defers_run;       /* deferred callbacks run */
        uint64_t reaped;           /* reap callbacks run */
        uint64_t epoll_ctl;        /* epoll_ctl() system calls issued */
        uint64_t epoll_ctl_failed; /* of which failed (reported to the watcher as EPOLLERR);
                                    * io_uring: polls refused by the kernel */
        uint64_t polls_armed;      /* io_uring: poll requests queued (arms and re-arms) */
        uint64_t polls_cancelled;  /* io_uring: poll cancellations queued */
        uint64_t busy_polls;       /* waits that did not sleep, with busy-polling */
};

/* Where a loop learns that fds are ready. Both give the same level-triggered watchers. */
enum loop_backend {
        LOOP_BACKEND_EPOLL = 0, /* epoll_wait(), one epoll_ctl() per interest change */
        LOOP_BACKEND_IO_URING,  /* one-shot io_uring polls, submitted with the wait */
};

/* ---- loop ---- */

/* Create a loop with its epoll instance; *ret_loop is written only on success. Returns 0 or a
 * negative errno. */
int loop_new(struct loop **ret_loop);

/* The same with the readiness source @backend. LOOP_BACKEND_IO_URING fails with -ENOSYS if
 * the build or the kernel lacks io_uring (5.11 at least), -EPERM if it is disabled
 * (kernel.io_uring_disabled, a system call filter); the caller falls back to epoll. */
int loop_new_backend(struct loop **ret_loop, enum loop_backend backend);

enum loop_backend loop_get_backend(const struct loop *loop);

/* Whether this build has @backend (io_uring needs liburing at build time). */
bool loop_backend_built(enum loop_backend backend);

/* "epoll" or "io_uring" */
const char *loop_backend_name(enum loop_backend backend);

/* Run the callbacks of objects still queued for reaping, then free the loop. Every watcher
 * must have been stopped (timers deinitialised) before. Accepts NULL; returns NULL. */
struct loop *loop_free(struct loop *loop);

/* In a child after fork(): drop the parent's loop without touching the epoll instance the
 * two processes share (no epoll_ctl, no callbacks). The watchers' fds stay open: the caller
 * closes those it does not want. Accepts NULL; returns NULL. */
struct loop *loop_abandon(struct loop *loop);

/* Run turns until loop_stop() is called, then return 0 (the current turn completes first);
 * returns at once if loop_stop() was called before. A negative errno if epoll_wait() fails. */
int loop_run(struct loop *loop);

/* Run one turn, waiting at most @max_wait_ms for an fd or a timer (-1: only until the next
 * timer; 0: do not wait). Returns the number of callbacks run (fds, timers, deferred) or a
 * negative errno if epoll_wait() fails. */
int loop_run_once(struct loop *loop, int max_wait_ms);

/* busy-polling (HAProxy's): the turns' waits for events never sleep; each asks the kernel
 * again, without waiting, until something is ready or a timer is due. Latency no longer
 * includes a wakeup (a virtual machine's in particular), at the cost of a CPU always busy. */
void loop_set_busy_polling(struct loop *loop, bool on);

/* Make loop_run() return once the current turn is over. Callable from any callback. */
void loop_stop(struct loop *loop);

/* The monotonic time in milliseconds cached for the current turn (read once per turn, right
 * after epoll_wait() returns). Timers are relative to it. */
uint64_t loop_now(const struct loop *loop);

/* Re-read the clock into the cached time, for code that ran long outside the loop. */
void loop_update_time(struct loop *loop);

const struct loop_stats *loop_get_stats(const struct loop *loop);

/* ---- fd watchers ---- */

struct loop_io;

/* @events holds what epoll reported, masked by the current interest, plus EPOLLERR and
 * EPOLLHUP (always reported, as by epoll). */
typedef void loop_io_fn(struct loop_io *io, uint32_t events);

/* The interest bits a watcher may ask for. Watchers are level-triggered. */
#define LOOP_IO_EVENTS (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI)

struct loop_io {
        struct loop *loop;     /* borrowed; outlives the watcher */
        loop_io_fn *fn;        /* called with @io; container_of() finds the owner */
        int fd;                /* borrowed: the owner closes it (or loop_io_close() does) */
        uint32_t want;         /* interest asked for by the owner (LOOP_IO_EVENTS bits) */
        uint32_t kernel;       /* interest registered in epoll; 0: not registered */
        uint32_t pending;      /* events of the current batch not yet dispatched */
        struct sl_list update; /* in the loop's update list while @want may differ from @kernel */
};

/* Prepare @io to watch @fd for the owner; no system call. @io must not be started. */
void loop_io_init(struct loop *loop, struct loop_io *io, int fd, loop_io_fn *fn);

/* Set the interest of @io to @events (a subset of LOOP_IO_EVENTS; 0 pauses the watcher). The
 * change reaches the kernel in one batch just before the next epoll_wait(), and not at all if
 * the interest is back to what is registered by then: toggling EPOLLOUT on and off within a
 * turn costs no system call. Events already reported this turn but no longer wanted are not
 * dispatched. If the kernel refuses the registration, the callback receives EPOLLERR in the
 * next turn; the watcher then stays as it was until the owner changes its interest again. */
void loop_io_start(struct loop_io *io, uint32_t events);
void loop_io_modify(struct loop_io *io, uint32_t events);

static inline uint32_t loop_io_events(const struct loop_io *io)
{
        return io->want;
}

/* Whether the kernel watches @io's fd now (an interest registered by an earlier turn; with
 * io_uring, also a poll that fired and is re-armed at the next turn). */
static inline bool loop_io_polled(const struct loop_io *io)
{
        return io->kernel != 0;
}

/* Stop @io: no callback for it from now on, including events already reported in the current
 * turn. If the fd is registered, it is removed at once (one epoll_ctl()), so the fd may be
 * closed next even if its file is shared with another process or descriptor. The watcher can
 * be started again, or re-initialised on another fd. */
void loop_io_stop(struct loop_io *io);

/* Stop @io and close its fd without an epoll_ctl(): closing the last descriptor of a file
 * drops its epoll registration. Only for fds the worker alone holds (accepted or connected
 * after any fork, never dup()ed); use loop_io_stop() and close() for inherited or shared ones.
 * Returns 0 or the negative errno of close() (the fd is gone either way). */
int loop_io_close(struct loop_io *io);

/* ---- timers ---- */

struct loop_timer;

typedef void loop_timer_fn(struct loop_timer *t);

/* The deadline and the arm order (which breaks ties between equal deadlines) live only in
 * the timer's heap entry, next to those of the timers it is compared with: every idle
 * connection holds a timer, so it is kept small. */
struct loop_timer {
        struct loop *loop; /* borrowed; NULL until loop_timer_init() succeeds */
        loop_timer_fn *fn; /* called with @t once the deadline passed */
        uint32_t idx;      /* 1-based position in the loop's heap; 0 while not armed */
};

/* Bind @t to @loop and reserve its heap slot, so arming never allocates nor fails. Returns 0
 * or -ENOMEM (then @t stays unbound and loop_timer_deinit() is a no-op). */
int loop_timer_init(struct loop *loop, struct loop_timer *t, loop_timer_fn *fn);

/* Disarm @t and release its slot. Accepts a zeroed or failed-init timer. */
void loop_timer_deinit(struct loop_timer *t);

/* (Re)arm @t to fire @ms milliseconds after loop_now(); O(log n). A timer armed for a time
 * already reached fires in the next timer phase: this turn's if armed from an fd callback,
 * the next turn's if armed from a timer, deferred or reap callback. It never fires twice in
 * one turn, so a callback re-arming its timer for "now" cannot spin. */
void loop_timer_arm(struct loop_timer *t, uint64_t ms);

/* (Re)arm @t for the absolute loop_now() time @at_ms; a past time counts as loop_now(). */
void loop_timer_arm_at(struct loop_timer *t, uint64_t at_ms);

/* No-op if not armed; O(log n). */
void loop_timer_disarm(struct loop_timer *t);

static inline bool loop_timer_is_armed(const struct loop_timer *t)
{
        return t->idx != 0;
}

/* The deadline of armed timer @t, in loop_now() milliseconds. */
uint64_t loop_timer_expire(const struct loop_timer *t);

/* Armed timers of @loop. */
uint32_t loop_timer_count(const struct loop *loop);

/* For tests: check the heap order and every timer's back-index; O(n). */
bool loop_timer_heap_check(const struct loop *loop);

/* ---- deferred callbacks ---- */

struct loop_defer;

typedef void loop_defer_fn(struct loop_defer *d);

struct loop_defer {
        struct loop *loop;   /* borrowed */
        loop_defer_fn *fn;   /* called with @d */
        struct sl_list link; /* in the loop's defer list while queued */
};

void loop_defer_init(struct loop *loop, struct loop_defer *d, loop_defer_fn *fn);

/* Run @d once at the end of the current turn, after timers and before reaping. Queueing it
 * again before it ran changes nothing; queued from a deferred callback, it runs next turn
 * (and that turn does not wait in epoll_wait()). */
void loop_defer_queue(struct loop_defer *d);

void loop_defer_cancel(struct loop_defer *d);

static inline bool loop_defer_is_queued(const struct loop_defer *d)
{
        return sl_list_linked(&d->link);
}

/* ---- reaping ---- */

struct loop_reap;

/* Frees the object embedding @r (container_of()). */
typedef void loop_reap_fn(struct loop_reap *r);

struct loop_reap {
        loop_reap_fn *fn;    /* frees the owner */
        struct sl_list link; /* in the loop's reap list while queued */
};

void loop_reap_init(struct loop_reap *r, loop_reap_fn *fn);

/* Queue the owner of @r to be freed at the very end of the turn, after every other callback.
 * The owner stops its watchers first. Queueing twice is a no-op. Objects queued by a reap
 * callback are freed in the same phase. */
void loop_reap(struct loop *loop, struct loop_reap *r);

/* ---- signals ---- */

struct loop_signal;

typedef void loop_signal_fn(struct loop_signal *s, const struct signalfd_siginfo *si);

struct loop_signal {
        struct loop_io io;  /* owned signalfd; io.loop is NULL while not started */
        loop_signal_fn *fn; /* called once per signal received */
};

/* Block the signals of @mask in the calling thread and deliver them through a signalfd to
 * @fn. The signals stay blocked after loop_signal_stop() (a forked child unblocks what it
 * needs). Returns 0 or a negative errno. */
int loop_signal_start(struct loop *loop, struct loop_signal *s, const sigset_t *mask,
                      loop_signal_fn *fn);

/* Stop and close the signalfd. Accepts a zeroed or never-started @s. */
void loop_signal_stop(struct loop_signal *s);
