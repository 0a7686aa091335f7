#pragma once
/* HTTP cookies as persistence reads and writes them (RFC 6265, with HAProxy's tolerance):
 * find a cookie in a Cookie header, rebuild that header without it or with its value
 * shortened, and read or rewrite the first pair of a Set-Cookie header. Pure functions over
 * header values; nothing is allocated. */

#include <stdbool.h>
#include <stddef.h>

#include "str.h"

/* The value of the first cookie called @name in Cookie header value @hv ("a=1; b=2"; pairs
 * separated by ';' or ',', blanks around them ignored). */
bool cookie_find(struct sl_str hv, struct sl_str name, struct sl_str *ret_value);

/* @hv rebuilt into @out (@cap bytes) with the cookie @name removed (@cut SIZE_MAX) or with
 * the first @cut bytes of its value removed; the other pairs are kept as they are, joined
 * by "; ". Returns the new length (0: no pair left, drop the header), or SIZE_MAX when @out
 * is too small. */
size_t cookie_edit(struct sl_str hv, struct sl_str name, size_t cut, char *out, size_t cap);

/* Does Set-Cookie header value @hv set the cookie @name? Its value into *ret_value. */
bool set_cookie_is(struct sl_str hv, struct sl_str name, struct sl_str *ret_value);

/* @hv with its value replaced by @prefix followed (when @keep) by the old value: the
 * attributes after it are kept. Returns the length written to @out, or SIZE_MAX when @out
 * (@cap bytes) is too small or @hv sets no cookie. */
size_t set_cookie_rewrite(struct sl_str hv, struct sl_str prefix, bool keep, char *out, size_t cap);
