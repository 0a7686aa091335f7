#pragma once
/* The text of access-log lines, as HAProxy prints it: a writer bounded by the caller's buffer,
 * and one value written the way a log-format node's flags ask (+Q quotes, +E escapes, +X
 * hexadecimal), as HAProxy's lf_text_len(), lf_encode_chunk(), lf_ip(), lf_port() and
 * date2str_log() do. Used by the log-format and JSON renderers, and by the sinks for the
 * month names of syslog headers. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "ipaddr.h"
#include "str.h"

/* Writes into @buf up to @cap bytes and keeps counting what did not fit, so a caller can
 * tell whether a node produced anything and the result is always a prefix of the line. */
struct alog_text {
        char *buf;    /* borrowed: the caller's buffer */
        size_t cap;   /* usable bytes: the caller's size less the NUL */
        size_t len;   /* bytes written */
        size_t total; /* bytes produced, written or not */
};

static inline void alog_text_putc(struct alog_text *w, char c)
{
        if (w->len < w->cap)
                w->buf[w->len++] = c;
        w->total++;
}

static inline void alog_text_put(struct alog_text *w, const char *s, size_t n)
{
        size_t room = w->cap - w->len;
        size_t k = n < room ? n : room;

        if (k)
                memcpy(w->buf + w->len, s, k);
        w->len += k;
        w->total += n;
}

static inline void alog_text_puts(struct alog_text *w, const char *s)
{
        alog_text_put(w, s, strlen(s));
}

/* At most 95 bytes of output: longer is cut. */
void alog_text_printf(struct alog_text *w, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* The blanks that separate the parts of a request line. */
static inline bool alog_text_is_spht(char c)
{
        return c == ' ' || c == '\t';
}

/* In the functions below, @flags are a node's CFG_FMT_F_* (config/fmt.h). */

/* The bytes as they are, or under +E with a '\' before each '"', '\' and ']'. */
void alog_text_esc(struct alog_text *w, unsigned flags, const char *s, size_t n);

/* A string variable: alog_text_esc(); when @s is NULL or empty, "-" under
 * CFG_FMT_F_MANDATORY (a log line), else nothing; under +Q between quotes instead ("" when
 * empty). */
void alog_text_field(struct alog_text *w, unsigned flags, const char *s, size_t n);
void alog_text_field_str(struct alog_text *w, unsigned flags, struct sl_str s);
void alog_text_field_cstr(struct alog_text *w, unsigned flags, const char *s);

/* Bytes HAProxy cannot print in a request line (%r, %H*: controls, non-ASCII, '"', '#') or,
 * for _hdr, in a captured header (those and '{', '|', '}') as '#' and two hexadecimal
 * digits; the others as alog_text_esc() does. No quotes and no "-". */
/* A sample in an HTTP rule's format (lf_encode_chunk() with http_encode_map): controls
 * other than HTAB, and DEL, as "%XX"; nothing when empty; quoted under +Q. */
void alog_text_field_http(struct alog_text *w, unsigned flags, const char *s, size_t n);
void alog_text_encode_url(struct alog_text *w, unsigned flags, const char *s, size_t n);
void alog_text_encode_hdr(struct alog_text *w, unsigned flags, const char *s, size_t n);

/* The quote +Q puts before and after a variable's text; nothing without +Q. */
void alog_text_quote(struct alog_text *w, unsigned flags);

/* Decimal, ignoring every flag. */
void alog_text_int(struct alog_text *w, long long v);

/* Decimal, or under +X at least four hexadecimal digits of its low 32 bits (%rt %lc). */
void alog_text_counter(struct alog_text *w, unsigned flags, unsigned long long v);

/* The address @ss as a string variable (alog_text_field()): "unix" for any Unix socket, an
 * empty field when unknown (AF_UNSPEC); under +X an IPv4 or IPv6 address prints the
 * hexadecimal digits of its bytes instead. */
void alog_text_ip(struct alog_text *w, unsigned flags, const union sl_addr *ss);

/* The port of @ss in decimal (0 for a Unix socket), or under +X the two bytes where sin_port
 * lies, in hexadecimal. A Unix socket prints @unix_id instead when it is 0 or more (%cp and
 * %fp print the listener's id); an unknown address (AF_UNSPEC) is an empty field. */
void alog_text_port(struct alog_text *w, unsigned flags, const union sl_addr *ss,
                    long long unix_id);

enum alog_date {
        ALOG_DATE_LOCAL_MS = 0, /* date2str_log(): "22/Nov/2026:02:36:20.123", local time */
        ALOG_DATE_GMT,          /* gmt2str_log(): "22/Nov/2026:02:36:20 +0000" */
        ALOG_DATE_LOCAL_OFF,    /* localdate2str_log(): "22/Nov/2026:03:36:20 +0100" */
};

/* The date @us (microseconds since the epoch) as @kind says. */
void alog_text_date(struct alog_text *w, uint64_t us, enum alog_date kind);

/* "Jan" .. "Dec" for @mon, a struct tm's tm_mon (0 .. 11), whatever the locale. */
const char *alog_text_month(int mon);
