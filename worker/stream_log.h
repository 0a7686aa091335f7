#pragma once
/* Access logging of streams, and formats rendered for a stream (rule arguments): the glue
 * between the stream and accesslog.c. */

#include <stdbool.h>
#include <stddef.h>

#include "fmt.h"
#include "str.h"

struct stream;

/* Log the stream (an HTTP request, or a TCP connection) once, if its frontend logs. */
void stream_log(struct stream *st);

/* Render @f with the stream's values (log variables and samples; @response: which message
 * plain hdr() reads). Returns the length written to @out (NUL-terminated), or -1. */
int stream_log_format(struct stream *st, const struct cfg_fmt *f, bool response, char *out,
                      size_t size);

/* The stream's unique id (HAProxy's unique-id fetch, %ID): made from the frontend's
 * unique-id-format the first time it is asked for (at the latest when the request is
 * logged), kept in the stream's scratch buffer; empty without a format. */
struct sl_str stream_unique_id(struct stream *st);
