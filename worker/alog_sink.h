#pragma once
/* Access-log sinks: they send finished lines to a proxy's "log" targets (stdout, stderr, UDP
 * syslog, Unix datagram sockets) with the syslog framing the target asks for. Nothing here
 * blocks: a target that cannot take a line at once loses it and counts it. Single-threaded:
 * one worker owns its sinks. */

#include <stddef.h>
#include <stdint.h>

struct cfg_global;
struct cfg_log_target;
struct cfg_proxy;

struct alog_sink;

struct alog_sink_stats {
        uint64_t sent;      /* lines handed to the kernel whole */
        uint64_t dropped;   /* lines lost: target busy (EAGAIN, ENOBUFS), absent, or refused;
                             * a line written only in part counts here too */
        uint64_t filtered;  /* lines above the target's level, not sent */
        uint64_t truncated; /* lines cut to the target's maxlen */
};

/* alog_send() result: the level is above the target's, nothing was sent. */
#define ALOG_FILTERED 1

/* The syslog tag (APP-NAME) every line carries. */
#define ALOG_TAG "sluice"

/* Open the target @t describes: a non-blocking datagram socket for UDP (connected) and Unix
 * (addressed at each send, so a restarted syslog daemon is found again) targets; fd 1 or 2
 * for stdout and stderr. @t is copied. The pid in headers is the caller's: create sinks in
 * the worker. Returns 0 and *ret_sink, or a negative errno. */
int alog_sink_new(const struct cfg_log_target *t, struct alog_sink **ret_sink);

/* The same, but a stdout or stderr target writes to @fd (borrowed; it must outlive the
 * sink) instead of 1 or 2. Such a descriptor is usually shared with other processes, so its
 * O_NONBLOCK flag is never changed: a socket is written with MSG_DONTWAIT; a pipe or a
 * terminal is reopened through /proc/self/fd as a private non-blocking description; when
 * that fails (no /proc after chroot, no permission), a line is written only if poll() says
 * the descriptor is writable, which for a pipe this process alone writes to guarantees that
 * a line of up to PIPE_BUF bytes does not block. Regular files are written directly. */
int alog_sink_new_fd(const struct cfg_log_target *t, int fd, struct alog_sink **ret_sink);

/* Close what the sink owns and free it. Accepts NULL; returns NULL. */
struct alog_sink *alog_sink_free(struct alog_sink *s);

/* Send @line (without header or newline) at syslog @level (LOG_INFO for normal traffic).
 * Lines above the target's level are not sent (ALOG_FILTERED); a target minimum level
 * raises the severity written in the header to it, as HAProxy does. The header the
 * target's format asks for goes first:
 *   rfc3164 "<PRI>Mmm dd hh:mm:ss HOST sluice[pid]: " (local time; HOST "localhost"
 *           without log-send-hostname, as HAProxy)
 *   rfc5424 "<PRI>1 YYYY-MM-DDThh:mm:ss.uuuuuu+hh:mm HOST sluice pid - - " (HOST "-"
 *           without log-send-hostname)
 *   short   "<PRI>"; raw: nothing.
 * Header and line are cut to the target's maxlen (default 1024) less one byte, then a '\n'
 * ends every line, datagrams included, as HAProxy sends them. Never blocks. Returns 0 when
 * sent, ALOG_FILTERED, or the negative errno that made the line dropped (counted). */
int alog_send(struct alog_sink *s, int level, const char *line, size_t len);

/* alog_send() with the header's clock given: @now_us microseconds since the epoch. */
int alog_send_at(struct alog_sink *s, int level, const char *line, size_t len, uint64_t now_us);

/* The HOSTNAME field of the headers (global log-send-hostname; copied, at most 255 bytes);
 * NULL or "": none. alog_sinks_new() sets it from the global section. */
void alog_sink_set_host(struct alog_sink *s, const char *host);

/* The TAG of its syslog headers: @tag (log-tag; at most 255 bytes are kept), or ALOG_TAG
 * for NULL or "". */
void alog_sink_set_tag(struct alog_sink *s, const char *tag);

const struct alog_sink_stats *alog_sink_get_stats(const struct alog_sink *s);

/* How long a line may be before this target cuts it (maxlen less the longest header and
 * the newline); render JSON lines within it so they stay whole. */
size_t alog_sink_msg_room(const struct alog_sink *s);

/* A proxy's targets: the global section's when it says "log global", then its own. */
struct alog_sinks {
        struct alog_sink **v; /* owned array of owned sinks */
        size_t n;
};

/* Open every target @px logs to (@gl: the global section, for "log global"). A proxy
 * without targets gets an empty set (n == 0: nothing to log). Returns 0 and *ret_sinks, or
 * a negative errno (nothing stays open). */
int alog_sinks_new(const struct cfg_global *gl, const struct cfg_proxy *px,
                   struct alog_sinks **ret_sinks);

struct alog_sinks *alog_sinks_free(struct alog_sinks *ss);

/* alog_send() to each target. Returns how many took the line; each target that dropped it
 * adds one to *@dropped (HAProxy's DroppedLogs counts so). */
size_t alog_sinks_send(struct alog_sinks *ss, int level, const char *line, size_t len,
                       uint64_t *dropped);

/* The smallest alog_sink_msg_room() of the set; SIZE_MAX when empty. */
size_t alog_sinks_msg_room(const struct alog_sinks *ss);
