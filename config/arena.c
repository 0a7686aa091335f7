/* Arena allocation behind struct cfg_gen (config/model.h). */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK_SIZE 16384u

struct cfg_arena_chunk {
        struct cfg_arena_chunk *next;
        size_t size;
        alignas(max_align_t) unsigned char data[];
};

void *cfg_arena_alloc(struct cfg_arena *a, size_t size)
{
        const size_t align = alignof(max_align_t);
        struct cfg_arena_chunk *c = a->chunks;
        size_t off = (a->used + align - 1) & ~(align - 1);
        void *p;

        if (size > SIZE_MAX / 2)
                return NULL;
        if (!c || off + size > c->size) {
                size_t csize = size > ARENA_CHUNK_SIZE ? size : ARENA_CHUNK_SIZE;

                c = malloc(sizeof(*c) + csize);
                if (!c)
                        return NULL;
                c->size = csize;
                c->next = a->chunks;
                a->chunks = c;
                off = 0;
        }
        p = c->data + off;
        a->used = off + size;
        a->total += size;
        memset(p, 0, size);
        return p;
}

char *cfg_arena_strndup(struct cfg_arena *a, const char *s, size_t len)
{
        char *p = cfg_arena_alloc(a, len + 1);

        if (p && len)
                memcpy(p, s, len);
        return p;
}

char *cfg_arena_strdup(struct cfg_arena *a, const char *s)
{
        return cfg_arena_strndup(a, s, strlen(s));
}

void *cfg_arena_push(struct cfg_arena *a, void **v, size_t *n, size_t *cap, size_t elem_size)
{
        if (*n == *cap) {
                size_t ncap = *cap ? *cap * 2 : 4;
                void *nv = cfg_arena_alloc(a, ncap * elem_size);

                if (!nv)
                        return NULL;
                if (*n)
                        memcpy(nv, *v, *n * elem_size);
                *v = nv;
                *cap = ncap;
        }
        return memset((char *)*v + (*n)++ * elem_size, 0, elem_size);
}

void cfg_arena_free(struct cfg_arena *a)
{
        struct cfg_arena_chunk *c = a->chunks;

        while (c) {
                struct cfg_arena_chunk *next = c->next;

                free(c);
                c = next;
        }
        *a = (struct cfg_arena){0};
}
