#pragma once
/* Per-worker free list of fixed-size buffers (tune.bufsize): a connection takes one when it
 * has bytes to hold and gives it back as soon as it is empty, so idle keep-alive connections
 * hold none. Built with -Dpools=false (SL_NO_POOLS), every get and put goes to malloc/free so
 * ASan and Valgrind see each buffer's life. */

#include <stddef.h>
#include <stdint.h>

struct pool_item;

struct pool {
        size_t size;             /* bytes per buffer */
        struct pool_item *free;  /* owned list of spare buffers */
        size_t n_free, max_free; /* spares kept; above @max_free, put() frees */
        uint64_t allocated;      /* buffers currently handed out */
        uint64_t failed;         /* get() calls that found no memory */
};

void pool_init(struct pool *p, size_t size, size_t max_free);

/* Free the spare buffers; buffers still handed out are the caller's to free with put(). */
void pool_deinit(struct pool *p);

/* A buffer of p->size bytes, or NULL when out of memory (counted). */
void *pool_get(struct pool *p);

/* Give back a buffer from pool_get(); accepts NULL. */
void pool_put(struct pool *p, void *buf);
