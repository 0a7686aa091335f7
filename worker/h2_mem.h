#pragma once
/* nghttp2's allocations in a worker: a free list per size class, so the dozen or so small
 * blocks nghttp2 takes and gives back for every stream (stream, frames, header buffers,
 * queue items) come from the worker's own spares instead of malloc() and free(). glibc's
 * per-thread cache keeps 7 blocks of a size; a connection with 100 streams goes past that
 * at once. Blocks above the largest class, and everything when built with -Dpools=false
 * (SL_NO_POOLS: ASan and Valgrind see every block), go to malloc() as they are. */

#include <stddef.h>

#include <nghttp2/nghttp2.h>

struct worker;

/* The allocator for the worker's nghttp2 sessions (made at first use), or NULL for
 * nghttp2's own (no pools, or out of memory). */
nghttp2_mem *h2_mem(struct worker *w);

/* Bytes of the spare blocks kept (their classes' sizes), at most 256 KB per class */
size_t h2_mem_spare_bytes(const struct worker *w);

/* Free the spares and the allocator; at the worker's end, once its sessions are gone. */
void h2_mem_free(struct worker *w);
