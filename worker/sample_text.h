#pragma once
/* Text converters (config/sample_expr.h: lower, upper, length, bytes, field, word, regsub,
 * ltrim, rtrim, cut_crlf, json, url_dec, url_enc, language, iif) for sample_conv.c, and the
 * small writer every converter that makes text uses. */

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "sample_expr.h"

/* Where a converter writes: @p, @size bytes, @len of them used. */
struct smp_out {
        char *p;
        size_t size, len;
};

static inline bool smp_out_put(struct smp_out *o, const void *s, size_t n)
{
        if (n > o->size - o->len)
                return false;
        if (n)
                memcpy(o->p + o->len, s, n);
        o->len += n;
        return true;
}

static inline bool smp_out_ch(struct smp_out *o, char c)
{
        return smp_out_put(o, &c, 1);
}

/* @v becomes what @o holds, of @type (string or binary). */
static inline void smp_out_done(struct cfg_smp_value *v, const struct smp_out *o,
                                enum cfg_smp_type type)
{
        v->type = type;
        v->str = (struct sl_str){o->p, o->len};
}

static inline int smp_hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

extern const char smp_hexdigits[16];

/* Apply text converter @call to @v (a string), writing what it makes to @o. False when it
 * gives no value, or for a converter that is not a text one. */
bool sample_text_conv(const struct cfg_conv_call *call, struct cfg_smp_value *v, struct smp_out *o);
