#pragma once
/* The rewriting actions of http-request, http-response and http-after-response rules:
 * replace-header, replace-value, replace-path, replace-pathq, replace-uri (a regular
 * expression and a replacement, as HAProxy's: when the expression matches anywhere in the
 * value, the whole value becomes the rendered replacement, with \0 to \9 the groups and \xHH
 * a byte), set-query, set-pathq, set-uri, set-method and set-status. What they make is
 * checked before it goes on the wire: a path, a method or a field value that would not be
 * one fails the rule (HAProxy's strict-mode: the client gets a 500). */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "http.h"
#include "model.h"
#include "str.h"

struct stream;

/* @re matched against @in; on a match the result of @repl into @out (@size bytes). Returns
 * its length, -1 when @re does not match, -2 when it does not fit or @repl ends in '\'. */
ssize_t http_rewrite_regex(const void *re, struct sl_str in, struct sl_str repl, char *out,
                           size_t size);

/* Apply rule @r (one of the actions above) to message @m of stream @st, @value the rendered
 * format of the rule. False when the rule fails (out of room, or an invalid result). */
bool http_rewrite(struct stream *st, struct http_msg *m, const struct cfg_http_rule *r,
                  struct sl_str value);
