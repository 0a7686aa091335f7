/* The text of access-log lines (see alog_text.h): the bounded writer, and HAProxy's ways of
 * printing one value, which the log-format renderer calls for each variable. */
#include "alog_text.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fmt.h"
#include "macros.h"

static const char hextab[] = "0123456789ABCDEF";
static const char *const monthname[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void alog_text_printf(struct alog_text *w, const char *fmt, ...)
{
        char tmp[96];
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
        va_end(ap);
        if (n > 0)
                alog_text_put(w, tmp, SL_MIN((size_t)n, sizeof(tmp) - 1));
}

/* rfc5424_escape_map: what +E escapes with a backslash */
static bool esc_char(unsigned char c)
{
        return c == '"' || c == '\\' || c == ']';
}

/* url_encode_map: what %r and %H* print as "#XX" */
static bool url_char(unsigned char c)
{
        return c < 32 || c >= 127 || c == '"' || c == '#';
}

/* hdr_encode_map: what captured headers print as "#XX" */
static bool hdr_char(unsigned char c)
{
        return url_char(c) || c == '{' || c == '|' || c == '}';
}

/* _lf_text_len(): the bytes as they are, or escaped under +E */
void alog_text_esc(struct alog_text *w, unsigned flags, const char *s, size_t n)
{
        if (!(flags & CFG_FMT_F_ESCAPE)) {
                alog_text_put(w, s, n);
                return;
        }
        for (size_t i = 0; i < n; i++) {
                if (esc_char((unsigned char)s[i]))
                        alog_text_putc(w, '\\');
                alog_text_putc(w, s[i]);
        }
}

/* lf_text_len(): a string; "-" when empty, or quoted under +Q ("" when empty) */
void alog_text_field(struct alog_text *w, unsigned flags, const char *s, size_t n)
{
        if (flags & CFG_FMT_F_QUOTE) {
                alog_text_putc(w, '"');
                if (s && n)
                        alog_text_esc(w, flags, s, n);
                alog_text_putc(w, '"');
        } else if (s && n) {
                alog_text_esc(w, flags, s, n);
        } else if (flags & CFG_FMT_F_MANDATORY) {
                alog_text_putc(w, '-');
        }
}

void alog_text_field_str(struct alog_text *w, unsigned flags, struct sl_str s)
{
        alog_text_field(w, flags, s.ptr, s.len);
}

void alog_text_field_cstr(struct alog_text *w, unsigned flags, const char *s)
{
        alog_text_field(w, flags, s, s ? strlen(s) : 0);
}

/* http_encode_map: what a sample prints as "%XX" in an HTTP rule's format (the controls
 * but HTAB, and DEL: what a field value cannot hold) */
static bool http_char(unsigned char c)
{
        return (c < 32 && c != '\t') || c == 127;
}

/* lf_encode_chunk(): bytes of @map as @prefix and two hex digits, then +E's escapes */
static void encode(struct alog_text *w, unsigned flags, bool (*map)(unsigned char), char prefix,
                   const char *s, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];

                if (map(c)) {
                        alog_text_putc(w, prefix);
                        alog_text_putc(w, hextab[c >> 4]);
                        alog_text_putc(w, hextab[c & 15]);
                        continue;
                }
                if ((flags & CFG_FMT_F_ESCAPE) && esc_char(c))
                        alog_text_putc(w, '\\');
                alog_text_putc(w, (char)c);
        }
}

void alog_text_field_http(struct alog_text *w, unsigned flags, const char *s, size_t n)
{
        if (flags & CFG_FMT_F_QUOTE)
                alog_text_putc(w, '"');
        if (s)
                encode(w, flags, http_char, '%', s, n);
        if (flags & CFG_FMT_F_QUOTE)
                alog_text_putc(w, '"');
}

void alog_text_encode_url(struct alog_text *w, unsigned flags, const char *s, size_t n)
{
        encode(w, flags, url_char, '#', s, n);
}

void alog_text_encode_hdr(struct alog_text *w, unsigned flags, const char *s, size_t n)
{
        encode(w, flags, hdr_char, '#', s, n);
}

/* LOG_VARTEXT_START()/END(): the quotes +Q puts around a variable text */
void alog_text_quote(struct alog_text *w, unsigned flags)
{
        if (flags & CFG_FMT_F_QUOTE)
                alog_text_putc(w, '"');
}

void alog_text_int(struct alog_text *w, long long v)
{
        alog_text_printf(w, "%lld", v);
}

void alog_text_counter(struct alog_text *w, unsigned flags, unsigned long long v)
{
        if (flags & CFG_FMT_F_HEX)
                alog_text_printf(w, "%04X", (unsigned)v);
        else
                alog_text_printf(w, "%llu", v);
}

/* lf_ip() */
void alog_text_ip(struct alog_text *w, unsigned flags, const union sl_addr *ss)
{
        char pn[INET6_ADDRSTRLEN];
        const unsigned char *a;

        switch (ss->sa.sa_family) {
        case AF_INET:
                a = (const unsigned char *)&ss->sin.sin_addr;
                if (flags & CFG_FMT_F_HEX) {
                        alog_text_printf(w, "%02X%02X%02X%02X", a[0], a[1], a[2], a[3]);
                        return;
                }
                inet_ntop(AF_INET, a, pn, sizeof(pn));
                alog_text_field_cstr(w, flags, pn);
                return;
        case AF_INET6:
                a = ss->sin6.sin6_addr.s6_addr;
                if (flags & CFG_FMT_F_HEX) {
                        for (int i = 0; i < 16; i++)
                                alog_text_printf(w, "%02X", a[i]);
                        return;
                }
                inet_ntop(AF_INET6, a, pn, sizeof(pn));
                alog_text_field_cstr(w, flags, pn);
                return;
        case AF_UNIX:
                /* HAProxy's addr_to_str() name for any Unix socket */
                alog_text_field_cstr(w, flags, "unix");
                return;
        default:
                alog_text_field(w, flags, NULL, 0);
                return;
        }
}

/* lf_port(); %cp and %fp of a Unix socket print the listener's id (@unix_id >= 0) */
void alog_text_port(struct alog_text *w, unsigned flags, const union sl_addr *ss, long long unix_id)
{
        const unsigned char *p;

        if (ss->sa.sa_family == AF_UNSPEC) {
                alog_text_field(w, flags, NULL, 0);
                return;
        }
        if (ss->sa.sa_family == AF_UNIX && unix_id >= 0) {
                alog_text_int(w, unix_id);
                return;
        }
        if (flags & CFG_FMT_F_HEX) {
                /* the two bytes where sin_port lies, whatever the family, as HAProxy */
                p = (const unsigned char *)ss + offsetof(struct sockaddr_in, sin_port);
                alog_text_printf(w, "%02X%02X", p[0], p[1]);
                return;
        }
        if (ss->sa.sa_family == AF_INET)
                alog_text_int(w, ntohs(ss->sin.sin_port));
        else if (ss->sa.sa_family == AF_INET6)
                alog_text_int(w, ntohs(ss->sin6.sin6_port));
        else
                alog_text_int(w, 0);
}

void alog_text_date(struct alog_text *w, uint64_t us, enum alog_date kind)
{
        time_t sec = (time_t)(us / 1000000);
        struct tm tm;
        long off;

        if (kind == ALOG_DATE_GMT)
                gmtime_r(&sec, &tm);
        else
                localtime_r(&sec, &tm);
        alog_text_printf(w, "%02d/%s/%04d:%02d:%02d:%02d", tm.tm_mday, alog_text_month(tm.tm_mon),
                         tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        switch (kind) {
        case ALOG_DATE_LOCAL_MS:
                alog_text_printf(w, ".%03u", (unsigned)(us % 1000000 / 1000));
                break;
        case ALOG_DATE_GMT:
                alog_text_puts(w, " +0000");
                break;
        case ALOG_DATE_LOCAL_OFF:
                off = tm.tm_gmtoff;
                alog_text_printf(w, " %c%02ld%02ld", off < 0 ? '-' : '+', labs(off) / 3600,
                                 labs(off) % 3600 / 60);
                break;
        }
}

const char *alog_text_month(int mon)
{
        return monthname[mon % 12];
}
