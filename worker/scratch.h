#pragma once
/* A stream's scratch buffer: values that rules make (rewritten paths and fields, rendered
 * formats) live there until the stream ends, so the message's views may point at them. One
 * tune.bufsize buffer from the worker's pool, taken on first use; stream.c gives it back. */

#include <stddef.h>

struct stream;

/* Copy @len bytes of @src into @st's scratch buffer; NULL when it is full. */
char *scratch_copy(struct stream *st, const char *src, size_t len);

/* @len zeroed bytes in @st's scratch buffer, aligned for any object; NULL when it is full. */
char *scratch_alloc(struct stream *st, size_t len);
