#pragma once
/* Socket addresses: the compact form every connection keeps (union sl_addr), and the IP
 * address of a struct sockaddr_storage, its port aside: compared, and written as text. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* A socket address in the room an IP address needs: 28 bytes where a sockaddr_storage takes
 * 128, for the addresses each connection and log entry keeps. A Unix socket's address keeps
 * its family alone (AF_UNIX): what sluice does with one (print "unix", use the listener's id
 * or path) needs no path. */
union sl_addr {
        struct sockaddr sa;
        struct sockaddr_in sin;
        struct sockaddr_in6 sin6;
};

/* @sa, @len bytes long, into @a: an IPv4 or IPv6 address whole, an AF_UNIX one as its family,
 * anything else (or too short) as AF_UNSPEC. */
void sl_addr_set(union sl_addr *a, const struct sockaddr *sa, socklen_t len);

/* The length of @a as connect() and bind() take it: 0 when it holds no IP address. */
socklen_t sl_addr_len(const union sl_addr *a);

/* The port of @a in host order; 0 when it holds no IP address. */
unsigned sl_addr_port(const union sl_addr *a);

/* @a as "ip:port" into @out ("[ip]:port" for IPv6 with @brackets), "unix:" for a Unix
 * socket's (a client of one has no name), "?" for anything else. Returns @out. */
const char *sl_addr_text(const union sl_addr *a, bool brackets, char *out, size_t size);

/* Whether @a and @b hold the same IPv4 or IPv6 address; two without one (AF_UNSPEC) are the
 * same too. */
bool sl_same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* The address of @ss as inet_ntop() writes it, into @buf (INET6_ADDRSTRLEN is enough), or
 * @none when it holds no IP address. Returns @buf. */
const char *sl_ip_str(const struct sockaddr_storage *ss, char *buf, size_t size, const char *none);
