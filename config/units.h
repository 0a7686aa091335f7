#pragma once
/* Readers of the value formats of the haproxy.cfg language (configuration manual, section 2.5
 * "Time format", section 2.6 "Size format" and the "bind"/"server" address forms). Pure
 * functions on a string view: no allocation, no DNS, no logging. On failure each writes a
 * message (lower-case, user data quoted, non-printable bytes as \xNN) into the caller's
 * @errbuf of @errlen bytes (may be NULL/0; truncated to fit) and leaves its ret_ argument
 * untouched. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "str.h"

/* The unit a bare number is read in; "timeout" keywords use CFG_TIME_MS. */
enum cfg_time_unit {
        CFG_TIME_US = 0,
        CFG_TIME_MS,
        CFG_TIME_S,
        CFG_TIME_M,
        CFG_TIME_H,
        CFG_TIME_D,
        CFG_TIME_UNIT_COUNT,
};

/* HAProxy's limit for any timer: 2^31 - 1 ms, about 24.8 days. */
#define CFG_TIME_MAX_MS 2147483647u

/* Reads a time: decimal digits, then optionally one of the case-sensitive units us, ms, s,
 * m (minutes), h, d; without a unit the number is in @unit. No sign, blank or fraction.
 * Writes milliseconds to *ret_ms, truncating sub-millisecond parts as HAProxy does; a
 * non-zero time that truncates to 0 ms ("500us") is refused like HAProxy's "timer
 * underflow", and so is anything above CFG_TIME_MAX_MS. Returns 0, -EINVAL on a malformed
 * value or an unknown unit, -ERANGE when out of range. */
int cfg_parse_time(struct sl_str s, enum cfg_time_unit unit, uint32_t *ret_ms, char *errbuf,
                   size_t errlen);

/* Same syntax, exact result in microseconds; fails with -ERANGE only above UINT64_MAX us. */
int cfg_parse_time_us(struct sl_str s, enum cfg_time_unit unit, uint64_t *ret_us, char *errbuf,
                      size_t errlen);

/* Reads a size: decimal digits, then optionally k, m or g in either case (HAProxy's
 * parse_size_err()), meaning 1024, 1024^2, 1024^3. Writes bytes to *ret_size. Returns 0,
 * -EINVAL on a malformed value or an unknown suffix, -ERANGE above @max (callers that store
 * an unsigned int, as HAProxy does, pass UINT_MAX). */
int cfg_parse_size(struct sl_str s, uint64_t max, uint64_t *ret_size, char *errbuf, size_t errlen);

enum cfg_addr_family {
        CFG_ADDR_IPV4 = 0, /* ss holds a sockaddr_in */
        CFG_ADDR_IPV6,     /* ss holds a sockaddr_in6 */
        CFG_ADDR_UNIX,     /* ss holds a sockaddr_un; name is the path */
        CFG_ADDR_ABNS,     /* ss holds a sockaddr_un whose sun_path is a NUL, the name, then
                            * NUL padding; ss_len covers the whole sun_path as HAProxy binds
                            * it, so both see the same abstract name; name lacks the NUL */
        CFG_ADDR_FD,       /* fd is an inherited file descriptor */
        CFG_ADDR_NAME,     /* name is a host name to resolve (only with CFG_ADDR_F_NAME_OK);
                            * ss.ss_family is AF_INET or AF_INET6 when ipv4@ or ipv6@ forced
                            * it, AF_UNSPEC otherwise */
        CFG_ADDR_FAMILY_COUNT,
};

/* Flags of cfg_parse_addr(); without CFG_ADDR_F_PORT_REQUIRED the port is optional. */
#define CFG_ADDR_F_PORT_REQUIRED (1u << 0) /* IP forms need a port, 1..65535 */
#define CFG_ADDR_F_PORT_RANGE    (1u << 1) /* "low-high" is accepted (bind) */
#define CFG_ADDR_F_NAME_OK       (1u << 2) /* a host name yields CFG_ADDR_NAME, not an error */
#define CFG_ADDR_F_PORT_OFFSET   (1u << 3) /* "+N" and "-N" are offsets (server) */

/* Maximum length of a unix socket path or abstract name (sun_path less one byte). */
#define CFG_ADDR_PATH_MAX 107u

struct cfg_addr {
        enum cfg_addr_family family;
        struct sockaddr_storage ss; /* IPV4, IPV6 (port_low set), UNIX, ABNS; zero otherwise */
        socklen_t ss_len;           /* bytes of @ss in use; 0 for FD and NAME */
        bool has_port;              /* a port was written (IPV4, IPV6, NAME) */
        uint16_t port_low;          /* the port; 0 when none */
        uint16_t port_high;         /* == port_low unless a range was given */
        bool has_port_offset;       /* "+N" or "-N" (CFG_ADDR_F_PORT_OFFSET): no port, but
                                     * @port_offset from the port a client connected to */
        int32_t port_offset;        /* -65535..65535 */
        int fd;                     /* CFG_ADDR_FD; -1 otherwise */
        char name[256];             /* UNIX path, ABNS name or host name; "" otherwise */
        bool resolved;              /* IPV4/IPV6 given by the host name in @name at load
                                     * (config/resolve.h): written back as the name */
        int resolved_family;        /* then the family "ipv4@"/"ipv6@" forced, or AF_UNSPEC */
};

/* Reads an address the way HAProxy's str2sa_range() does, without resolving anything:
 *   "1.2.3.4:80", "*:80", ":80", "0.0.0.0:80"  IPv4 (an empty host or '*' is any address)
 *   "[::1]:80", "::1:80", ":::80"             IPv6; without brackets the last ':' starts the
 *                                             port: a bare address needs brackets or a
 *                                             final ':' ("::1:" is ::1 without a port)
 *   "ipv4@<addr>[:port]", "ipv6@<addr>[:port]" the family is forced ("ipv6@:80" is [::]:80)
 *   "unix@<path>", or a path starting with '/'; "abns@<name>"; "fd@<n>"
 * A port is "p" or, with CFG_ADDR_F_PORT_RANGE, "low-high", or with CFG_ADDR_F_PORT_OFFSET
 * "+N" or "-N" (0..65535: an offset, has_port stays false); an empty port ("1.2.3.4:") is no
 * port. Port 0 is refused when the port is required, accepted when optional. A host that is
 * not a numeric address is a name: -EADDRNOTAVAIL ("hostname 'x' needs resolution") unless
 * CFG_ADDR_F_NAME_OK. Returns 0 and fills *ret_addr; -EINVAL on malformed input, -ERANGE on
 * a port or fd out of range, -ENAMETOOLONG on a path or name too long. */
int cfg_parse_addr(struct sl_str s, unsigned flags, struct cfg_addr *ret_addr, char *errbuf,
                   size_t errlen);
