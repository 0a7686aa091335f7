#pragma once
/* Converters (config/sample_expr.h's enum cfg_conv) and the casts between sample types, for
 * the sample engine (sample.c). */

#include <stdbool.h>
#include <stddef.h>

#include "sample_fetch.h"

/* Cast @v to @to as HAProxy's sample_casts do; text goes to @buf (@size bytes). False when
 * the value has no such form (an IPv6 address as an integer, a string that is no address). */
bool sample_cast(struct cfg_smp_value *v, enum cfg_smp_type to, char *buf, size_t size);

/* Apply @call to @v (already cast to the converter's input type), writing any text it makes
 * to @out (@size bytes, which never overlap @v's). False when it gives no value. */
bool sample_conv(const struct smp_ctx *c, const struct cfg_conv_call *call, struct cfg_smp_value *v,
                 char *out, size_t size);
