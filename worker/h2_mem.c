/* nghttp2's allocations through per-worker free lists (h2_mem.h). Each block carries a
 * 16-byte header with its class, as nghttp2's free() gives no size; the header keeps the
 * block 16-byte aligned, as malloc()'s are. */
#include "h2_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "wctx.h"

/* The classes' sizes; a request takes the smallest class that holds it. */
static const uint32_t class_size[] = {32,  48,  64,   96,   128,  192,  256, 384,
                                      512, 768, 1024, 1536, 2048, 3072, 4096};
#define N_CLASSES   SL_ARRAY_SIZE(class_size)
#define BIG         UINT32_MAX   /* a block above the largest class: malloc()'s own */
#define CLASS_BYTES (256u << 10) /* spares kept per class, in bytes at most */

struct h2_blk {
        uint32_t cls; /* index in class_size, or BIG */
        uint32_t pad;
        struct h2_blk *next; /* while spare */
};

struct h2_mem_ctx {
        nghttp2_mem mem;
        struct h2_blk *spare[N_CLASSES];
        uint32_t n_spare[N_CLASSES];
};

_Static_assert(sizeof(struct h2_blk) == 16, "the header keeps blocks 16-byte aligned");

#ifndef SL_NO_POOLS
static uint32_t class_of(size_t n)
{
        for (uint32_t c = 0; c < N_CLASSES; c++)
                if (n <= class_size[c])
                        return c;
        return BIG;
}

static void *blk_data(struct h2_blk *b)
{
        return (char *)b + sizeof(*b);
}

static struct h2_blk *blk_of(void *p)
{
        return (struct h2_blk *)(void *)((char *)p - sizeof(struct h2_blk));
}

static void *mem_malloc(size_t n, void *data)
{
        struct h2_mem_ctx *m = data;
        uint32_t c = class_of(n);
        struct h2_blk *b;

        if (c != BIG && m->spare[c]) {
                b = m->spare[c];
                m->spare[c] = b->next;
                m->n_spare[c]--;
                return blk_data(b);
        }
        if (n > SIZE_MAX - sizeof(*b))
                return NULL;
        b = malloc(sizeof(*b) + (c == BIG ? n : class_size[c]));
        if (!b)
                return NULL;
        b->cls = c;
        return blk_data(b);
}

static void mem_free(void *p, void *data)
{
        struct h2_mem_ctx *m = data;
        struct h2_blk *b;

        if (!p)
                return;
        b = blk_of(p);
        if (b->cls != BIG && m->n_spare[b->cls] < CLASS_BYTES / class_size[b->cls]) {
                b->next = m->spare[b->cls];
                m->spare[b->cls] = b;
                m->n_spare[b->cls]++;
                return;
        }
        free(b);
}

static void *mem_calloc(size_t nmemb, size_t size, void *data)
{
        void *p;

        if (size && nmemb > SIZE_MAX / size)
                return NULL;
        p = mem_malloc(nmemb * size, data);
        if (p)
                memset(p, 0, nmemb * size);
        return p;
}

static void *mem_realloc(void *p, size_t n, void *data)
{
        struct h2_blk *b;
        size_t have;
        void *q;

        if (!p)
                return mem_malloc(n, data);
        b = blk_of(p);
        if (b->cls == BIG) {
                if (n > SIZE_MAX - sizeof(*b))
                        return NULL;
                b = realloc(b, sizeof(*b) + n);
                return b ? blk_data(b) : NULL;
        }
        have = class_size[b->cls];
        if (n <= have)
                return p;
        q = mem_malloc(n, data);
        if (!q)
                return NULL;
        memcpy(q, p, have);
        mem_free(p, data);
        return q;
}

#endif

nghttp2_mem *h2_mem(struct worker *w)
{
#ifdef SL_NO_POOLS
        (void)w;
        return NULL;
#else
        if (!w->h2mem) {
                w->h2mem = calloc(1, sizeof(*w->h2mem));
                if (!w->h2mem)
                        return NULL;
                w->h2mem->mem = (nghttp2_mem){
                        .mem_user_data = w->h2mem,
                        .malloc = mem_malloc,
                        .free = mem_free,
                        .calloc = mem_calloc,
                        .realloc = mem_realloc,
                };
        }
        return &w->h2mem->mem;
#endif
}

size_t h2_mem_spare_bytes(const struct worker *w)
{
        size_t n = 0;

        for (size_t c = 0; w->h2mem && c < N_CLASSES; c++)
                n += (size_t)w->h2mem->n_spare[c] * class_size[c];
        return n;
}

void h2_mem_free(struct worker *w)
{
        struct h2_mem_ctx *m = w->h2mem;

        if (!m)
                return;
        for (size_t c = 0; c < N_CLASSES; c++) {
                while (m->spare[c]) {
                        struct h2_blk *b = m->spare[c];

                        m->spare[c] = b->next;
                        free(b);
                }
        }
        free(m);
        w->h2mem = NULL;
}
