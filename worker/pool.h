#pragma once
/* Per-worker free list of fixed-size buffers (tune.bufsize): a connection takes one when it
 * has bytes to hold and gives it back as soon as it is empty, so idle keep-alive connections
 * hold none. Built with -Dpools=false (SL_NO_POOLS), every get and put goes to malloc/free so
 * ASan and Valgrind see each buffer's life. -dM (pool_debug.h) poisons, checks and tags the
 * objects, as HAProxy's pools do. */

#include <stddef.h>
#include <stdint.h>

#include "pool_debug.h"

struct pool_item;

struct pool {
        size_t size;             /* bytes per buffer */
        size_t alloc_size;       /* bytes malloc()ed per buffer: @size, and the tag of -dMtag */
        struct pool_item *free;  /* owned list of spare buffers, the next to hand out first */
        struct pool_item *last;  /* the last spare of @free (where cold-first puts) */
        size_t n_free, max_free; /* spares kept; above @max_free, put() frees */
        uint64_t allocated;      /* buffers currently handed out */
        uint64_t failed;         /* get() calls that found no memory */
        struct pool_debug dbg;   /* -dM; all zero: none */
};

void pool_init(struct pool *p, size_t size, size_t max_free);

/* Apply -dM's options @d to @p; only before the first pool_get(). */
void pool_set_debug(struct pool *p, const struct pool_debug *d);

/* Free the spare buffers; buffers still handed out are the caller's to free with put(). */
void pool_deinit(struct pool *p);

/* A buffer of p->size bytes, or NULL when out of memory (counted). With -dMintegrity, a spare
 * written to after it was given back aborts the process (a use after free). */
void *pool_get(struct pool *p);

/* Give back a buffer from pool_get(); accepts NULL. With -dMtag, a buffer that is not this
 * pool's, given back twice, or written past its end aborts the process. */
void pool_put(struct pool *p, void *buf);
