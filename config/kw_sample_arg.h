#pragma once
/* Arguments of sample fetches and converters (kw_sample_arg.c), for the sample expression
 * compiler (kw_sample.c): split and unquoted as HAProxy's make_arg_list(), typed by the
 * letters of the tables in sample_expr.c, then checked fetch by fetch and converter by
 * converter. Not for use outside config/. */

#include <stdbool.h>
#include <stddef.h>

#include "parse-int.h"

/* Most arguments any fetch or converter takes. */
#define SMP_MAX_ARGS 5

/* Errors name the whole expression: "in '<expression>': <message>". */
struct smp_parse {
        struct cfg_parser *p;
        unsigned w;      /* the word reported in errors */
        struct sl_str s; /* the whole expression */
        char expr[256];  /* @s for messages, truncated */
};

/* Report an error about the expression at word @sp->w: "in '<expression>': <message>", or
 * the message alone when the expression is a lone name. */
void cfg__smp_err(struct smp_parse *sp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Split the argument list at s[*pos] (a '(') into @out (at most @max), unquoted; moves *pos
 * past the ')'. Returns the number of arguments ("()" has none), or -1 after an error. */
int cfg__smp_args_split(struct smp_parse *sp, const char *name, size_t *pos, struct sl_str *out,
                        unsigned max);

/* Type the @n strings of @raw by the letters of @spec into a new arena array. */
bool cfg__smp_args_type(struct smp_parse *sp, const char *name, const char *spec,
                        const struct sl_str *raw, unsigned n, struct cfg_arg **ret,
                        unsigned *ret_n);

/* What the arguments of @smp's fetch (named @name) and of converter @c must be, beyond
 * their types; reports and returns false when they are not. */
bool cfg__smp_fetch_check(struct smp_parse *sp, const char *name, struct cfg_sample *smp);
bool cfg__smp_conv_check(struct smp_parse *sp, const char *cname, struct cfg_conv_call *c);

/* A map converter named @cname (kw_map.c): load its file (once per file, match method and
 * output), type its default, set c->map, c->in and c->out. */
bool cfg__map_conv(struct smp_parse *sp, const char *cname, struct cfg_conv_call *c);
