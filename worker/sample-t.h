#pragma once
/* Types of the sample engine (sample.c, sample_fetch.c, sample_conv.c, vars.c): what a
 * sample is evaluated on, and how values are handed out. */

#include <stdbool.h>
#include <stddef.h>

#include "sample_expr.h"

struct sess;
struct stream;
struct worker;

/* What a sample is evaluated on. @st is NULL for tcp-request connection rules, and @ss too
 * for the global section's set-var (only fetches of internal data run there); @response
 * says which message a plain "hdr()" reads (rules run on requests or on responses). */
struct smp_ctx {
        struct worker *w;
        struct sess *ss;
        struct stream *st;
        bool response;
        bool all;  /* every value (an ACL); else the one a sample takes (the last header) */
        char *buf; /* borrowed: where a fetch may write the value it makes */
        size_t bufsz;
        bool *more; /* borrowed, or NULL: set when more bytes from the client could change
                     * a content-inspection fetch's answer (sample_payload.h) */
};

/* Called with each value; returns true to stop. The value is borrowed for the call. */
typedef bool smp_value_fn(void *data, struct cfg_smp_value *v);
