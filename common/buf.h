#pragma once
/* Linear byte buffers (HAProxy struct buffer, without the ring): bytes live in
 * area[head .. head+data), free room is at the tail. An all-zero struct (BUF_NULL) owns no
 * memory, so an idle connection holds none. The memory itself comes from the caller (the
 * worker's pool); these functions only move offsets and bytes. */

#include <stdbool.h>
#include <stddef.h>

struct buf {
        char *area;  /* owned by whoever attached it; NULL while unallocated */
        size_t size; /* bytes at @area */
        size_t head; /* offset of the first byte of data */
        size_t data; /* bytes of data */
};

#define BUF_NULL ((struct buf){NULL, 0, 0, 0})

static inline bool buf_is_null(const struct buf *b)
{
        return b->area == NULL;
}

static inline char *buf_head(const struct buf *b)
{
        return b->area + b->head;
}

static inline char *buf_tail(const struct buf *b)
{
        return b->area + b->head + b->data;
}

/* Bytes that can be written at buf_tail() without compacting. */
static inline size_t buf_tail_room(const struct buf *b)
{
        return b->size - b->head - b->data;
}

/* Bytes that could be written after buf_compact(). */
static inline size_t buf_room(const struct buf *b)
{
        return b->size - b->data;
}

static inline bool buf_full(const struct buf *b)
{
        return b->data == b->size;
}

/* Give @b the memory @area of @size bytes; @b must be BUF_NULL. */
void buf_attach(struct buf *b, char *area, size_t size);

/* Take the memory back from an empty @b, leaving BUF_NULL; returns the area. */
char *buf_detach(struct buf *b);

/* Move the data to the start of the area so all room is at the tail. */
void buf_compact(struct buf *b);

/* Mark @n bytes written at buf_tail() as data; @n <= buf_tail_room(). */
void buf_commit(struct buf *b, size_t n);

/* Drop @n bytes from the head; @n <= data. An emptied buffer restarts at offset 0. */
void buf_consume(struct buf *b, size_t n);

/* Copy up to @len bytes of @src at the tail, compacting if that makes room. Returns the
 * number of bytes copied (less than @len when the buffer fills). */
size_t buf_append(struct buf *b, const void *src, size_t len);
