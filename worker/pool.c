/* Buffer pool of a worker (see pool.h); used by every connection for its I/O buffers. */
#include "pool.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "macros.h"

struct pool_item {
        struct pool_item *next;
};

/* -dMtag: the word after an object handed out; its complement once given back */
#define POOL_TAG_MAGIC      0x5a17ce5a17ce5a17ull
/* -dMintegrity without poisoning: the pattern spares hold (HAProxy's is 0x55 too) */
#define POOL_INTEGRITY_FILL 0x55

void pool_init(struct pool *p, size_t size, size_t max_free)
{
        size = size < sizeof(struct pool_item) ? sizeof(struct pool_item) : size;
        *p = (struct pool){.size = size, .alloc_size = size, .max_free = max_free};
}

void pool_set_debug(struct pool *p, const struct pool_debug *d)
{
        SL_BUG_ON(p->allocated || p->free);
        p->dbg = *d;
        /* the tag is written unaligned after any size: memcpy, never a cast */
        p->alloc_size = p->size + (d->flags & POOL_DBG_TAG ? sizeof(uint64_t) : 0);
}

void pool_deinit(struct pool *p)
{
        while (p->free) {
                struct pool_item *it = p->free;

                p->free = it->next;
                free(it);
        }
        p->last = NULL;
        p->n_free = 0;
}

static uint64_t tag_of(const struct pool *p, const void *buf, bool live)
{
        uint64_t t = (uint64_t)(uintptr_t)p ^ POOL_TAG_MAGIC;

        (void)buf;
        return live ? t : ~t;
}

static void tag_write(const struct pool *p, void *buf, bool live)
{
        uint64_t t = tag_of(p, buf, live);

        memcpy((char *)buf + p->size, &t, sizeof(t));
}

static int fill_byte(const struct pool *p)
{
        return p->dbg.flags & POOL_DBG_POISON ? p->dbg.poison : POOL_INTEGRITY_FILL;
}

#ifndef SL_NO_POOLS
/* A spare must still hold the pattern put() wrote after its list link. */
static void integrity_check(const struct pool *p, const void *buf)
{
        const unsigned char *b = buf, want = (unsigned char)fill_byte(p);

        for (size_t i = sizeof(struct pool_item); i < p->size; i++) {
                if (b[i] != want) {
                        sl_log(LOG_CRIT,
                               "pool of %zu-byte objects: byte %zu of a free object was written "
                               "after it was given back (-dMintegrity)",
                               p->size, i);
                        abort();
                }
        }
}

static void *get_spare(struct pool *p)
{
        struct pool_item *it = p->free;

        if (!it)
                return NULL;
        p->free = it->next;
        if (!p->free)
                p->last = NULL;
        p->n_free--;
        if (p->dbg.flags & POOL_DBG_INTEGRITY)
                integrity_check(p, it);
        return it;
}
#endif

void *pool_get(struct pool *p)
{
        void *buf = NULL;

#ifndef SL_NO_POOLS
        buf = get_spare(p);
#endif
        if (!buf)
                buf = malloc(p->alloc_size);
        if (!buf) {
                p->failed++;
                return NULL;
        }
        p->allocated++;
        if (p->dbg.flags & POOL_DBG_POISON)
                memset(buf, p->dbg.poison, p->size);
        if (p->dbg.flags & POOL_DBG_TAG)
                tag_write(p, buf, true);
        return buf;
}

void pool_put(struct pool *p, void *buf)
{
        struct pool_item *it = buf;

        if (!buf)
                return;
        if (p->dbg.flags & POOL_DBG_TAG) {
                uint64_t t;

                memcpy(&t, (char *)buf + p->size, sizeof(t));
                if (t != tag_of(p, buf, true)) {
                        sl_log(LOG_CRIT,
                               "pool of %zu-byte objects: an object given back %s (-dMtag)",
                               p->size,
                               t == tag_of(p, buf, false) ? "twice"
                                                          : "is not this pool's, or was written "
                                                            "past its end");
                        abort();
                }
                tag_write(p, buf, false);
        }
        p->allocated--;
        /* poisoned when given back, so that a use after this put reads the byte */
        if (p->dbg.flags & (POOL_DBG_POISON | POOL_DBG_INTEGRITY))
                memset(buf, fill_byte(p), p->size);
#ifndef SL_NO_POOLS
        if (p->n_free < p->max_free && !(p->dbg.flags & POOL_DBG_NO_CACHE)) {
                it->next = NULL;
                if (p->dbg.flags & POOL_DBG_COLD_FIRST) {
                        /* handed out again after every spare before it */
                        if (p->last)
                                p->last->next = it;
                        else
                                p->free = it;
                        p->last = it;
                } else {
                        it->next = p->free;
                        p->free = it;
                        if (!p->last)
                                p->last = it;
                }
                p->n_free++;
                return;
        }
#endif
        (void)it;
        free(buf);
}
