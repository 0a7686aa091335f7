#pragma once
/* The IP address of a struct sockaddr_storage, its port aside: compared, and written as
 * text. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Whether @a and @b hold the same IPv4 or IPv6 address; two without one (AF_UNSPEC) are the
 * same too. */
bool sl_same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

/* The address of @ss as inet_ntop() writes it, into @buf (INET6_ADDRSTRLEN is enough), or
 * @none when it holds no IP address. Returns @buf. */
const char *sl_ip_str(const struct sockaddr_storage *ss, char *buf, size_t size, const char *none);
