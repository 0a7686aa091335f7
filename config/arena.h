#pragma once
/* Bump allocator for a configuration generation: everything a model holds (strings, arrays,
 * structs) comes from one arena and is freed at once with it. Growable arrays re-allocate
 * from the arena and leave the old copy behind; configurations are small, so the waste is
 * bounded by the final size. */

#include <stddef.h>

struct cfg_arena_chunk;

struct cfg_arena {
        struct cfg_arena_chunk *chunks; /* owned list, newest first */
        size_t used;                    /* bytes used in the newest chunk */
        size_t total;                   /* bytes handed out, for stats */
};

/* Zeroed, max-aligned memory of @size bytes, or NULL. */
void *cfg_arena_alloc(struct cfg_arena *a, size_t size);

/* A NUL-terminated copy of @len bytes at @s, or NULL. */
char *cfg_arena_strndup(struct cfg_arena *a, const char *s, size_t len);
char *cfg_arena_strdup(struct cfg_arena *a, const char *s);

/* Make room for one more element in an arena array of @n elements of @elem_size at *@v,
 * doubling its capacity *@cap when full. Returns a pointer to the new (zeroed) element, with
 * *@n incremented, or NULL. */
void *cfg_arena_push(struct cfg_arena *a, void **v, size_t *n, size_t *cap, size_t elem_size);

void cfg_arena_free(struct cfg_arena *a);
