#pragma once
/* Sample fetches (config/sample_expr.h's enum cfg_fetch) over a session and a stream, for the
 * sample engine (sample.c). A fetch hands each of its values to a callback: most have one,
 * a header fetch one per occurrence. */

#include <stdbool.h>

#include "sample_expr.h"

struct sess;
struct stream;

/* What a sample is evaluated on. @st is NULL for tcp-request connection rules; @response
 * says which message a plain "hdr()" reads (rules run on requests or on responses). */
struct smp_ctx {
        struct sess *ss;
        struct stream *st;
        bool response;
        bool all;  /* every value (an ACL); else the one a sample takes (the last header) */
        char *buf; /* borrowed: where a fetch may write the value it makes */
        size_t bufsz;
};

/* Called with each value; returns true to stop. The value is borrowed for the call. */
typedef bool smp_value_fn(void *data, struct cfg_smp_value *v);

/* Hand each value of @smp's fetch to @fn until it returns true. Returns what the last
 * call returned, false when the fetch has no value. */
bool sample_fetch(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                  void *data);
