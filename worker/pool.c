/* Buffer pool of a worker (see pool.h); used by every connection for its I/O buffers. */
#include "pool.h"

#include <stdlib.h>

struct pool_item {
        struct pool_item *next;
};

void pool_init(struct pool *p, size_t size, size_t max_free)
{
        *p = (struct pool){.size = size < sizeof(struct pool_item) ? sizeof(struct pool_item)
                                                                   : size,
                           .max_free = max_free};
}

void pool_deinit(struct pool *p)
{
        while (p->free) {
                struct pool_item *it = p->free;

                p->free = it->next;
                free(it);
        }
        p->n_free = 0;
}

void *pool_get(struct pool *p)
{
        void *buf;

#ifndef SL_NO_POOLS
        if (p->free) {
                struct pool_item *it = p->free;

                p->free = it->next;
                p->n_free--;
                p->allocated++;
                return it;
        }
#endif
        buf = malloc(p->size);
        if (!buf) {
                p->failed++;
                return NULL;
        }
        p->allocated++;
        return buf;
}

void pool_put(struct pool *p, void *buf)
{
        if (!buf)
                return;
        p->allocated--;
#ifndef SL_NO_POOLS
        if (p->n_free < p->max_free) {
                struct pool_item *it = buf;

                it->next = p->free;
                p->free = it;
                p->n_free++;
                return;
        }
#endif
        free(buf);
}
