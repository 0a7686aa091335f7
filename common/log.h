#pragma once
/* Process diagnostics (not access logs): one line per call on stderr, written with a single
 * write() so lines from several processes never interleave. When stderr is the journal
 * (JOURNAL_STREAM names it, as systemd sets it), each line starts with the sd-daemon
 * "<N>" prefix so journald keeps the level; on a terminal it starts with the program name,
 * the pid and the level word. Levels are syslog's LOG_ERR .. LOG_DEBUG. */

#include <stdarg.h>
#include <syslog.h>

/* Set the program name shown on terminal lines and look at JOURNAL_STREAM; call once at
 * start and again after any fork that changes the identity (e.g. "sluice-worker"). */
void sl_log_init(const char *ident);

/* Lines above @level (numerically) are dropped. Default LOG_INFO. */
void sl_log_set_max_level(int level);
int sl_log_get_max_level(void);

/* Write to @fd instead of 2 (tests); returns the previous fd. */
int sl_log_set_fd(int fd);

void sl_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sl_logv(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Log with ": <strerror(-err)>" appended and return @err (a negative errno), so callers can
 * write `return log_errno(LOG_ERR, r, "bind '%s'", addr);`. */
int log_errno(int level, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
