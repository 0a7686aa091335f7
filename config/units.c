/* Value readers for the configuration parser: times, sizes and addresses, each read exactly
 * as HAProxy reads them (parse_time_err(), parse_size_err(), str2sa_range()), except that
 * nothing is resolved and trailing bytes that HAProxy only warns about are refused. */
#include "units.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/un.h>

/* Quoted user input in messages: at most this many bytes, non-printables as \xNN. */
#define QUOTE_MAX 64

struct quoted {
        char s[QUOTE_MAX * 4 + 4];
};

static const char *quote(struct quoted *q, struct sl_str v)
{
        size_t o = 0;

        for (size_t i = 0; i < v.len && i < QUOTE_MAX; i++) {
                unsigned char c = (unsigned char)v.ptr[i];

                if (c >= 0x20 && c < 0x7f && c != '\\') {
                        q->s[o++] = (char)c;
                } else {
                        snprintf(q->s + o, sizeof(q->s) - o, "\\x%02x", c);
                        o += 4;
                }
        }
        if (v.len > QUOTE_MAX) {
                memcpy(q->s + o, "...", 3);
                o += 3;
        }
        q->s[o] = '\0';
        return q->s;
}

__attribute__((format(printf, 4, 5))) static int fail(char *errbuf, size_t errlen, int r,
                                                      const char *fmt, ...)
{
        va_list ap;

        if (errbuf && errlen) {
                va_start(ap, fmt);
                vsnprintf(errbuf, errlen, fmt, ap);
                va_end(ap);
        }
        return r;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* Reads the leading decimal digits of @s: their count goes to *ret_n, their value (at most
 * @max, else -ERANGE) to *ret_val. */
static int read_digits(struct sl_str s, uint64_t max, size_t *ret_n, uint64_t *ret_val)
{
        uint64_t v = 0;
        size_t i;

        for (i = 0; i < s.len && is_digit(s.ptr[i]); i++) {
                unsigned d = (unsigned)(s.ptr[i] - '0');

                if (d > max || v > (max - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret_n = i;
        *ret_val = v;
        return 0;
}

/* Microseconds per unit, indexed by enum cfg_time_unit. */
static const uint64_t time_unit_us[CFG_TIME_UNIT_COUNT] = {
        [CFG_TIME_US] = 1,       [CFG_TIME_MS] = 1000,      [CFG_TIME_S] = 1000000,
        [CFG_TIME_M] = 60000000, [CFG_TIME_H] = 3600000000, [CFG_TIME_D] = 86400000000,
};

static const char *const time_unit_name[CFG_TIME_UNIT_COUNT] = {
        [CFG_TIME_US] = "us", [CFG_TIME_MS] = "ms", [CFG_TIME_S] = "s",
        [CFG_TIME_M] = "m",   [CFG_TIME_H] = "h",   [CFG_TIME_D] = "d",
};

int cfg_parse_time_us(struct sl_str s, enum cfg_time_unit unit, uint64_t *ret_us, char *errbuf,
                      size_t errlen)
{
        struct quoted q, qu;
        struct sl_str suffix;
        uint64_t v;
        size_t n;

        if ((unsigned)unit >= CFG_TIME_UNIT_COUNT)
                return fail(errbuf, errlen, -EINVAL, "invalid default time unit %d", (int)unit);
        if (s.len == 0)
                return fail(errbuf, errlen, -EINVAL, "missing time value");
        if (read_digits(s, UINT64_MAX, &n, &v) < 0)
                return fail(errbuf, errlen, -ERANGE, "time value '%s' is too large", quote(&q, s));
        if (n == 0)
                return fail(errbuf, errlen, -EINVAL,
                            "invalid time value '%s': expected digits and an optional unit",
                            quote(&q, s));
        suffix = sl_str_make(s.ptr + n, s.len - n);
        if (suffix.len) {
                enum cfg_time_unit u;

                for (u = 0; u < CFG_TIME_UNIT_COUNT; u++)
                        if (sl_str_eq(suffix, sl_str_from_cstr(time_unit_name[u])))
                                break;
                if (u == CFG_TIME_UNIT_COUNT)
                        return fail(errbuf, errlen, -EINVAL,
                                    "unknown unit '%s' in time value '%s' (expected us, ms, s, m, "
                                    "h or d)",
                                    quote(&qu, suffix), quote(&q, s));
                unit = u;
        }
        if (v > UINT64_MAX / time_unit_us[unit])
                return fail(errbuf, errlen, -ERANGE, "time value '%s' is too large", quote(&q, s));
        *ret_us = v * time_unit_us[unit];
        return 0;
}

int cfg_parse_time(struct sl_str s, enum cfg_time_unit unit, uint32_t *ret_ms, char *errbuf,
                   size_t errlen)
{
        struct quoted q;
        uint64_t us, ms;
        int r;

        r = cfg_parse_time_us(s, unit, &us, errbuf, errlen);
        if (r < 0)
                return r;
        ms = us / 1000;
        if (ms > CFG_TIME_MAX_MS)
                return fail(errbuf, errlen, -ERANGE,
                            "time value '%s' is too large (maximum %u ms, about 24.8 days)",
                            quote(&q, s), CFG_TIME_MAX_MS);
        /* HAProxy's "timer underflow": a non-zero time must not silently become 0 */
        if (ms == 0 && us != 0)
                return fail(errbuf, errlen, -ERANGE,
                            "time value '%s' is below the minimum non-zero value of 1 ms",
                            quote(&q, s));
        *ret_ms = (uint32_t)ms;
        return 0;
}

int cfg_parse_size(struct sl_str s, uint64_t max, uint64_t *ret_size, char *errbuf, size_t errlen)
{
        struct quoted q, qs;
        unsigned shift = 0;
        uint64_t v;
        size_t n;

        if (s.len == 0)
                return fail(errbuf, errlen, -EINVAL, "missing size value");
        if (read_digits(s, UINT64_MAX, &n, &v) < 0)
                goto too_large;
        if (n == 0)
                return fail(errbuf, errlen, -EINVAL,
                            "invalid size '%s': expected digits and an optional k, m or g",
                            quote(&q, s));
        if (n < s.len) {
                switch (s.ptr[n]) {
                case 'k':
                case 'K':
                        shift = 10;
                        break;
                case 'm':
                case 'M':
                        shift = 20;
                        break;
                case 'g':
                case 'G':
                        shift = 30;
                        break;
                default:
                        break;
                }
                if (shift == 0 || n + 1 < s.len)
                        return fail(errbuf, errlen, -EINVAL,
                                    "unknown suffix '%s' in size '%s' (expected k, m or g)",
                                    quote(&qs, sl_str_make(s.ptr + n, s.len - n)), quote(&q, s));
        }
        if (v > (max >> shift))
                goto too_large;
        *ret_size = v << shift;
        return 0;

too_large:
        return fail(errbuf, errlen, -ERANGE, "size '%s' is too large (maximum %llu)", quote(&q, s),
                    (unsigned long long)max);
}

/* "unix@path", "abns@name" or a bare "/path". */
static int addr_read_path(struct sl_str path, enum cfg_addr_family family, struct cfg_addr *a,
                          char *errbuf, size_t errlen)
{
        struct sockaddr_un *sun = (struct sockaddr_un *)&a->ss;
        const char *kind = family == CFG_ADDR_UNIX ? "unix socket path" : "abstract socket name";
        struct quoted q;

        if (path.len == 0)
                return fail(errbuf, errlen, -EINVAL, "missing %s after '%s'", kind,
                            family == CFG_ADDR_UNIX ? "unix@" : "abns@");
        if (memchr(path.ptr, '\0', path.len))
                return fail(errbuf, errlen, -EINVAL, "NUL byte in %s '%s'", kind, quote(&q, path));
        if (path.len > CFG_ADDR_PATH_MAX)
                return fail(errbuf, errlen, -ENAMETOOLONG, "%s '%s' is too long (maximum %u bytes)",
                            kind, quote(&q, path), CFG_ADDR_PATH_MAX);
        a->family = family;
        sun->sun_family = AF_UNIX;
        if (family == CFG_ADDR_UNIX) {
                memcpy(sun->sun_path, path.ptr, path.len);
                a->ss_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path.len + 1);
        } else {
                memcpy(sun->sun_path + 1, path.ptr, path.len);
                a->ss_len = (socklen_t)sizeof(*sun);
        }
        memcpy(a->name, path.ptr, path.len);
        return 0;
}

static int addr_read_fd(struct sl_str num, struct cfg_addr *a, char *errbuf, size_t errlen)
{
        unsigned long long v;
        struct quoted q;
        int r;

        r = sl_str_to_u64(num, INT_MAX, &v);
        if (r == -ERANGE)
                return fail(errbuf, errlen, -ERANGE, "file descriptor '%s' is out of range",
                            quote(&q, num));
        if (r < 0)
                return fail(errbuf, errlen, -EINVAL,
                            "file descriptor '%s' after 'fd@' is not a valid number",
                            quote(&q, num));
        a->family = CFG_ADDR_FD;
        a->fd = (int)v;
        return 0;
}

static int addr_read_one_port(struct sl_str p, bool zero_ok, uint16_t *ret_port, char *errbuf,
                              size_t errlen)
{
        unsigned long long v;
        struct quoted q;
        int r;

        r = sl_str_to_u64(p, 65535, &v);
        if (r == -ERANGE || (r == 0 && v == 0 && !zero_ok))
                return fail(errbuf, errlen, -ERANGE, "port '%s' is out of range (1-65535)",
                            quote(&q, p));
        if (r < 0)
                return fail(errbuf, errlen, -EINVAL, "invalid port '%s'", quote(&q, p));
        *ret_port = (uint16_t)v;
        return 0;
}

static int addr_read_port(struct sl_str p, struct sl_str whole, unsigned flags, struct cfg_addr *a,
                          char *errbuf, size_t errlen)
{
        const char *dash = p.len ? memchr(p.ptr, '-', p.len) : NULL;
        struct quoted q;
        int r;

        if (p.len == 0) {
                if (flags & CFG_ADDR_F_PORT_REQUIRED)
                        return fail(errbuf, errlen, -EINVAL, "missing port in address '%s'",
                                    quote(&q, whole));
                return 0;
        }
        if ((p.ptr[0] == '+' || p.ptr[0] == '-') && (flags & CFG_ADDR_F_PORT_OFFSET)) {
                uint16_t ofs;

                /* HAProxy's port offset: relative to the port the client connected to */
                r = addr_read_one_port(sl_str_make(p.ptr + 1, p.len - 1), true, &ofs, errbuf,
                                       errlen);
                if (r < 0)
                        return r;
                a->has_port_offset = true;
                a->port_offset = p.ptr[0] == '-' ? -(int32_t)ofs : (int32_t)ofs;
                return 0;
        }
        if (!dash) {
                r = addr_read_one_port(p, !(flags & CFG_ADDR_F_PORT_REQUIRED), &a->port_low, errbuf,
                                       errlen);
                if (r < 0)
                        return r;
                a->port_high = a->port_low;
        } else {
                struct sl_str lo = sl_str_make(p.ptr, (size_t)(dash - p.ptr));
                struct sl_str hi = sl_str_make(dash + 1, p.len - lo.len - 1);

                if (!(flags & CFG_ADDR_F_PORT_RANGE))
                        return fail(errbuf, errlen, -EINVAL, "port range '%s' is not allowed here",
                                    quote(&q, p));
                r = addr_read_one_port(lo, false, &a->port_low, errbuf, errlen);
                if (r < 0)
                        return r;
                r = addr_read_one_port(hi, false, &a->port_high, errbuf, errlen);
                if (r < 0)
                        return r;
                if (a->port_low > a->port_high)
                        return fail(errbuf, errlen, -EINVAL,
                                    "invalid port range '%s': %u is above %u", quote(&q, p),
                                    a->port_low, a->port_high);
        }
        a->has_port = true;
        return 0;
}

/* Letters, digits, '-', '.', '_': what may be a host name for the resolver. */
static bool is_host_name(struct sl_str h)
{
        for (size_t i = 0; i < h.len; i++) {
                char c = h.ptr[i];

                if (!is_digit(c) && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
                    c != '-' && c != '.' && c != '_')
                        return false;
        }
        return true;
}

static bool is_dotted_digits(struct sl_str h)
{
        for (size_t i = 0; i < h.len; i++)
                if (!is_digit(h.ptr[i]) && h.ptr[i] != '.')
                        return false;
        return true;
}

/* Host and optional port of the IP forms; @forced is AF_UNSPEC, AF_INET or AF_INET6. */
static int addr_read_ip(struct sl_str s, struct sl_str whole, int forced, unsigned flags,
                        struct cfg_addr *a, char *errbuf, size_t errlen)
{
        struct sl_str host, port = SL_STR_NULL;
        bool bracketed = false;
        struct quoted q, qw;
        char buf[256];
        int r;

        if (s.len && s.ptr[0] == '[') {
                const char *close = memchr(s.ptr, ']', s.len);
                struct sl_str after;

                if (!close)
                        return fail(errbuf, errlen, -EINVAL, "missing ']' in address '%s'",
                                    quote(&q, whole));
                if (forced == AF_INET)
                        return fail(errbuf, errlen, -EINVAL,
                                    "brackets in IPv4 address '%s' (they are for IPv6)",
                                    quote(&q, whole));
                host = sl_str_make(s.ptr + 1, (size_t)(close - s.ptr) - 1);
                after = sl_str_make(close + 1, s.len - host.len - 2);
                if (after.len && after.ptr[0] != ':')
                        return fail(errbuf, errlen, -EINVAL,
                                    "unexpected '%s' after ']' in address '%s'", quote(&qw, after),
                                    quote(&q, whole));
                if (after.len)
                        port = sl_str_make(after.ptr + 1, after.len - 1);
                if (host.len == 0)
                        return fail(errbuf, errlen, -EINVAL,
                                    "missing IPv6 address between brackets in '%s'",
                                    quote(&q, whole));
                bracketed = true;
        } else {
                /* HAProxy splits at the last colon, which makes "::1:80" port 80 of "::1" */
                const char *colon = s.len ? memrchr(s.ptr, ':', s.len) : NULL;

                host = s;
                if (colon) {
                        host.len = (size_t)(colon - s.ptr);
                        port = sl_str_make(colon + 1, s.len - host.len - 1);
                }
        }

        r = addr_read_port(port, whole, flags, a, errbuf, errlen);
        if (r < 0)
                return r;

        if (!bracketed && (host.len == 0 || sl_str_eq(host, SL_STR_LIT("*")))) {
                if (forced == AF_INET6) {
                        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

                        a->family = CFG_ADDR_IPV6;
                        sin6->sin6_family = AF_INET6;
                        sin6->sin6_addr = in6addr_any;
                } else {
                        a->family = CFG_ADDR_IPV4;
                        ((struct sockaddr_in *)&a->ss)->sin_family = AF_INET;
                }
                goto set_port;
        }
        if (host.len >= sizeof(buf))
                return fail(errbuf, errlen, -ENAMETOOLONG, "host name '%s' is too long",
                            quote(&q, host));
        if (memchr(host.ptr, '\0', host.len))
                return fail(errbuf, errlen, -EINVAL, "invalid address '%s'", quote(&q, host));
        memcpy(buf, host.ptr, host.len);
        buf[host.len] = '\0';

        if (!bracketed && forced != AF_INET6 &&
            inet_pton(AF_INET, buf, &((struct sockaddr_in *)&a->ss)->sin_addr) == 1) {
                a->family = CFG_ADDR_IPV4;
                a->ss.ss_family = AF_INET;
                goto set_port;
        }
        if (forced != AF_INET &&
            inet_pton(AF_INET6, buf, &((struct sockaddr_in6 *)&a->ss)->sin6_addr) == 1) {
                a->family = CFG_ADDR_IPV6;
                a->ss.ss_family = AF_INET6;
                goto set_port;
        }

        if (bracketed || memchr(host.ptr, ':', host.len)) {
                if (forced == AF_INET)
                        return fail(errbuf, errlen, -EINVAL,
                                    "'%s' is not an IPv4 address (prefix 'ipv4@')",
                                    quote(&q, host));
                return fail(errbuf, errlen, -EINVAL, "invalid IPv6 address '%s'", quote(&q, host));
        }
        if (is_dotted_digits(host)) {
                struct in_addr v4;

                if (forced == AF_INET6 && inet_pton(AF_INET, buf, &v4) == 1)
                        return fail(errbuf, errlen, -EINVAL,
                                    "'%s' is not an IPv6 address (prefix 'ipv6@')",
                                    quote(&q, host));
                return fail(errbuf, errlen, -EINVAL, "invalid IPv4 address '%s'", quote(&q, host));
        }
        if (!is_host_name(host))
                return fail(errbuf, errlen, -EINVAL, "invalid address '%s'", quote(&q, host));
        if (!(flags & CFG_ADDR_F_NAME_OK))
                return fail(errbuf, errlen, -EADDRNOTAVAIL, "hostname '%s' needs resolution",
                            quote(&q, host));
        a->family = CFG_ADDR_NAME;
        a->ss.ss_family = (sa_family_t)forced;
        memcpy(a->name, buf, host.len + 1);
        return 0;

set_port:
        if (a->family == CFG_ADDR_IPV4) {
                ((struct sockaddr_in *)&a->ss)->sin_port = htons(a->port_low);
                a->ss_len = sizeof(struct sockaddr_in);
        } else {
                ((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(a->port_low);
                a->ss_len = sizeof(struct sockaddr_in6);
        }
        return 0;
}

int cfg_parse_addr(struct sl_str s, unsigned flags, struct cfg_addr *ret_addr, char *errbuf,
                   size_t errlen)
{
        struct cfg_addr a = {.fd = -1};
        struct quoted q, qp;
        const char *at;
        int r;

        if (s.len == 0)
                return fail(errbuf, errlen, -EINVAL, "missing address");
        at = memchr(s.ptr, '@', s.len);
        if (at) {
                struct sl_str prefix = sl_str_make(s.ptr, (size_t)(at - s.ptr));
                struct sl_str rest = sl_str_make(at + 1, s.len - prefix.len - 1);

                if (sl_str_eq(prefix, SL_STR_LIT("unix")))
                        r = addr_read_path(rest, CFG_ADDR_UNIX, &a, errbuf, errlen);
                else if (sl_str_eq(prefix, SL_STR_LIT("abns")))
                        r = addr_read_path(rest, CFG_ADDR_ABNS, &a, errbuf, errlen);
                else if (sl_str_eq(prefix, SL_STR_LIT("fd")))
                        r = addr_read_fd(rest, &a, errbuf, errlen);
                else if (sl_str_eq(prefix, SL_STR_LIT("ipv4")))
                        r = addr_read_ip(rest, s, AF_INET, flags, &a, errbuf, errlen);
                else if (sl_str_eq(prefix, SL_STR_LIT("ipv6")))
                        r = addr_read_ip(rest, s, AF_INET6, flags, &a, errbuf, errlen);
                else
                        return fail(errbuf, errlen, -EINVAL,
                                    "unsupported address family '%s@' in '%s'", quote(&qp, prefix),
                                    quote(&q, s));
        } else if (s.ptr[0] == '/') {
                r = addr_read_path(s, CFG_ADDR_UNIX, &a, errbuf, errlen);
        } else {
                r = addr_read_ip(s, s, AF_UNSPEC, flags, &a, errbuf, errlen);
        }
        if (r < 0)
                return r;
        *ret_addr = a;
        return 0;
}
