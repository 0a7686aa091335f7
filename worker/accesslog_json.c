/* The JSON access-log line (alog_format_json(), declared in accesslog.h): one object per
 * request or connection, for "option jsonlog". sess_log.c calls it instead of alog_format()
 * when the frontend's format is alog_fmt_json. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accesslog.h"
#include "alog_text.h"
#include "macros.h"

/* Length of the valid UTF-8 sequence at @s (at most @n bytes), or 0 if there is none. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
        size_t len;
        unsigned char lo = 0x80, hi = 0xBF;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xC2 && s[0] <= 0xDF)
                len = 2;
        else if (s[0] >= 0xE0 && s[0] <= 0xEF)
                len = 3;
        else if (s[0] >= 0xF0 && s[0] <= 0xF4)
                len = 4;
        else
                return 0;
        if (n < len)
                return 0;
        if (s[0] == 0xE0)
                lo = 0xA0;
        else if (s[0] == 0xED)
                hi = 0x9F;
        else if (s[0] == 0xF0)
                lo = 0x90;
        else if (s[0] == 0xF4)
                hi = 0x8F;
        if (s[1] < lo || s[1] > hi)
                return 0;
        for (size_t i = 2; i < len; i++)
                if (s[i] < 0x80 || s[i] > 0xBF)
                        return 0;
        return len;
}

/* A JSON string of @s, its content limited to @budget bytes (cut between characters);
 * returns the content's length. A NULL @s is null. */
static size_t j_str(struct alog_text *w, const char *s, size_t n, size_t budget)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t used = 0;

        if (!s) {
                alog_text_puts(w, "null");
                return 0;
        }
        alog_text_putc(w, '"');
        for (size_t i = 0; i < n;) {
                char esc[8];
                size_t k = utf8_len(p + i, n - i), elen;
                const char *out = esc;

                if (k == 1 && (p[i] == '"' || p[i] == '\\')) {
                        esc[0] = '\\';
                        esc[1] = (char)p[i];
                        elen = 2;
                } else if (k == 1 && p[i] >= 0x20 && p[i] != 0x7f) {
                        out = s + i;
                        elen = 1;
                } else if (k > 1) {
                        out = s + i;
                        elen = k;
                } else {
                        /* control characters, and bytes that are not UTF-8 (as Latin-1) */
                        snprintf(esc, sizeof(esc), "\\u%04x", p[i]);
                        elen = 6;
                        k = 1;
                }
                if (used + elen > budget)
                        break;
                alog_text_put(w, out, elen);
                used += elen;
                i += k;
        }
        alog_text_putc(w, '"');
        return used;
}

static void j_cstr(struct alog_text *w, const char *s)
{
        j_str(w, s, s ? strlen(s) : 0, SIZE_MAX);
}

/* Renders the object with the URI limited to @uri_budget; returns the URI's length. */
static size_t json_render(struct alog_text *w, const struct alog_entry *e, size_t uri_budget)
{
        time_t sec = (time_t)(e->accept_us / 1000000);
        const struct alog_timers *t = &e->t;
        const char *p, *end, *m = NULL, *u = NULL, *v = NULL;
        size_t ml = 0, ul = 0, vl = 0, used;
        char ip[INET6_ADDRSTRLEN] = "";
        struct tm tm;
        int port = -1;

        gmtime_r(&sec, &tm);
        alog_text_printf(w, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03uZ\"", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         (unsigned)(e->accept_us % 1000000 / 1000));

        switch (e->client.sa.sa_family) {
        case AF_INET:
                inet_ntop(AF_INET, &e->client.sin.sin_addr, ip, sizeof(ip));
                port = ntohs(e->client.sin.sin_port);
                break;
        case AF_INET6:
                inet_ntop(AF_INET6, &e->client.sin6.sin6_addr, ip, sizeof(ip));
                port = ntohs(e->client.sin6.sin6_port);
                break;
        case AF_UNIX:
                strcpy(ip, "unix");
                break;
        default:
                break;
        }
        alog_text_puts(w, ",\"client\":{\"ip\":");
        j_cstr(w, ip[0] ? ip : NULL);
        if (port >= 0)
                alog_text_printf(w, ",\"port\":%d}", port);
        else
                alog_text_puts(w, ",\"port\":null}");
        alog_text_puts(w, ",\"frontend\":");
        j_cstr(w, e->frontend_name);
        alog_text_puts(w, e->ssl ? ",\"ssl\":true" : ",\"ssl\":false");
        alog_text_puts(w, ",\"backend\":");
        j_cstr(w, e->backend_name);
        alog_text_puts(w, ",\"server\":");
        j_cstr(w, e->server_name ? e->server_name : ALOG_NOSRV);
        alog_text_printf(w,
                         ",\"timers\":{\"Th\":%d,\"Ti\":%d,\"TR\":%d,\"Tw\":%d,\"Tc\":%d,\"Tr\":%d,"
                         "\"Td\":%d,\"Ta\":%d,\"Tt\":%d}",
                         t->Th, t->Ti, t->TR, t->Tw, t->Tc, t->Tr, t->Td, t->Ta, t->Tt);
        alog_text_printf(w, ",\"status\":%d,\"bytes\":{\"read\":%llu,\"uploaded\":%llu}", e->status,
                         (unsigned long long)e->bytes_out, (unsigned long long)e->bytes_in);
        alog_text_puts(w, ",\"termination\":");
        j_str(w, e->term, 4, SIZE_MAX);

        if (e->request_line.ptr) {
                p = e->request_line.ptr;
                end = p + e->request_line.len;
                for (m = p; p < end && !alog_text_is_spht(*p); p++)
                        ;
                ml = (size_t)(p - m);
                while (p < end && alog_text_is_spht(*p))
                        p++;
                if (p < end) {
                        for (u = p; p < end && !alog_text_is_spht(*p); p++)
                                ;
                        ul = (size_t)(p - u);
                        while (p < end && alog_text_is_spht(*p))
                                p++;
                        if (p < end) {
                                v = p;
                                vl = (size_t)(end - p);
                        }
                }
        }
        alog_text_puts(w, ",\"method\":");
        j_str(w, m, ml, SIZE_MAX);
        alog_text_puts(w, ",\"uri\":");
        used = j_str(w, u, ul, uri_budget);
        alog_text_puts(w, ",\"version\":");
        j_str(w, v, vl, SIZE_MAX);
        alog_text_putc(w, '}');
        return used;
}

int alog_format_json(const struct alog_entry *e, char *buf, size_t size)
{
        struct alog_text w = {.buf = buf, .cap = size ? size - 1 : 0};
        size_t uri_len, excess;

        if (!size)
                return -ENOBUFS;
        uri_len = json_render(&w, e, SIZE_MAX);
        if (w.total > w.cap) {
                excess = w.total - w.cap;
                if (excess > uri_len) {
                        buf[0] = '\0';
                        return -ENOBUFS;
                }
                w = (struct alog_text){.buf = buf, .cap = size - 1};
                json_render(&w, e, uri_len - excess);
        }
        buf[w.len] = '\0';
        return (int)SL_MIN(w.len, (size_t)INT_MAX);
}
