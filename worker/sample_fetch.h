#pragma once
/* Sample fetches (config/sample_expr.h's enum cfg_fetch) over a session and a stream, for the
 * sample engine (sample.c). A fetch hands each of its values to a callback: most have one,
 * a header fetch one per occurrence. */

#include <stdbool.h>

#include "sample-t.h"
#include "str.h"

/* What makes the stream's unique id for the unique-id fetch: stream_unique_id() of the log
 * module, which renders formats through this engine and so is handed over at start-up
 * (worker_init()) rather than called by name. Until then the fetch has no value. */
typedef struct sl_str sample_unique_id_fn(struct stream *st);
void sample_fetch_set_unique_id(sample_unique_id_fn *fn);

/* Hand each value of @smp's fetch to @fn until it returns true. Returns what the last
 * call returned, false when the fetch has no value. */
bool sample_fetch(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                  void *data);

/* This host's name (the hostname fetch, %H in formats), read once. */
const char *sample_hostname(void);
