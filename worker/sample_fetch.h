#pragma once
/* Sample fetches (config/sample_expr.h's enum cfg_fetch) over a session and a stream, for the
 * sample engine (sample.c). A fetch hands each of its values to a callback: most have one,
 * a header fetch one per occurrence. */

#include <stdbool.h>

#include "sample-t.h"

/* Hand each value of @smp's fetch to @fn until it returns true. Returns what the last
 * call returned, false when the fetch has no value. */
bool sample_fetch(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                  void *data);
