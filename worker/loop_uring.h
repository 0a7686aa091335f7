#pragma once
/* The io_uring readiness source behind worker/loop.c: one-shot poll requests in place of
 * epoll registrations. Private to loop.c; nothing else includes it.
 *
 * Each armed poll is named by its fd and a generation kept per fd number in a table of the
 * source, never by a pointer: a cancelled or superseded poll may still complete after its
 * watcher was freed or its fd number reused, and such a completion finds a newer generation
 * and is dropped. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/epoll.h>

struct loop_io;
struct loop_uring;

/* Added to the events of a completion whose poll request failed (the fd could not be
 * polled); the event itself is EPOLLERR. Outside LOOP_IO_EVENTS, EPOLLERR and EPOLLHUP. */
#define LOOP_URING_FAILED (1u << 29)

/* Whether this build has the io_uring source. */
bool loop_uring_built(void);

/* Set up a ring; *ret is written only on success. -ENOSYS if the build lacks io_uring;
 * otherwise the kernel's refusal (ENOSYS, EPERM when disabled by sysctl or a system call
 * filter, ENOMEM under a locked-memory limit), as a negative errno. */
int loop_uring_new(struct loop_uring **ret);

/* Release the ring; every poll still armed is cancelled by the kernel with it. Accepts
 * NULL. */
void loop_uring_free(struct loop_uring *u);

/* Arm a one-shot poll for @mask on @io's fd, replacing (cancelling) the one armed on that
 * fd, if any. Queued: the kernel sees it at the next submission. Returns 0 or -ENOMEM (the
 * fd table could not grow) or -EBUSY (no submission slot even after submitting). */
int loop_uring_arm(struct loop_uring *u, struct loop_io *io, int fd, uint32_t mask);

/* Cancel the poll armed on @fd, if any, and forget its watcher. Queued like an arm; its
 * completion, if the poll fires first, is dropped. */
void loop_uring_disarm(struct loop_uring *u, int fd);

/* Submit what is queued and wait up to @timeout_ms (-1: no limit; 0: do not wait) for a
 * completion, all in one io_uring_enter(). Writes at most @max completed polls to @ev
 * (data.ptr: the watcher; events: what the poll reported, or EPOLLERR|LOOP_URING_FAILED);
 * returns how many, or a negative errno. Stale completions are counted in *@stale. */
int loop_uring_wait(struct loop_uring *u, struct epoll_event *ev, int max, int timeout_ms,
                    uint64_t *stale);
