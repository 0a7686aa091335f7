#pragma once
/* Access logging of sessions, and formats rendered for a session (rule arguments): the glue
 * between sess.c and accesslog.c. */

#include <stdbool.h>
#include <stddef.h>

#include "fmt.h"

struct sess;

/* Log the current request (HTTP) or the connection (TCP) once, if the frontend logs. */
void sess_log(struct sess *s);

/* Render @f with the session's values (log variables and samples; @response: which message
 * plain hdr() reads). Returns the length written to @out (NUL-terminated), or -1. */
int sess_log_format(struct sess *s, const struct cfg_fmt *f, bool response, char *out, size_t size);
