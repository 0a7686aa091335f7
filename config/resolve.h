#pragma once
/* Host names of server, dispatch and log addresses, resolved once while the configuration
 * loads (HAProxy's "init-addr libc"): through the C library's resolver (getaddrinfo(), so
 * /etc/hosts and nsswitch.conf apply), or through a resolver the caller of cfg_load() gives
 * (tests and fuzzing, which must not query DNS). */

#include <stddef.h>
#include <sys/socket.h>

#include "units.h"

/* Resolve @host for @family (AF_INET, AF_INET6, or AF_UNSPEC for either) into *ret_ss (the
 * first address the resolver gives, port 0). Returns 0, or a negative errno with a message
 * in @err (@errlen bytes). */
typedef int cfg_resolve_fn(void *data, const char *host, int family,
                           struct sockaddr_storage *ret_ss, char *err, size_t errlen);

/* The C library's resolver: getaddrinfo() as HAProxy calls it (datagram sockets, no flags). */
int cfg_resolve_libc(void *data, const char *host, int family, struct sockaddr_storage *ret_ss,
                     char *err, size_t errlen);

/* Turn @a, a CFG_ADDR_NAME address, into the IPV4 or IPV6 address @fn gives for its name (the
 * family forced by "ipv4@"/"ipv6@" if any), keeping its port (or offset), its name in
 * a->name and a->resolved set, so that it is still written as a name. Returns 0 or what @fn
 * returned (@a unchanged). */
int cfg_addr_resolve(struct cfg_addr *a, cfg_resolve_fn *fn, void *data, char *err, size_t errlen);

/* Give @a (a CFG_ADDR_NAME address) the IP address @ip instead (HAProxy's "init-addr <ip>"),
 * keeping its port, name and resolved mark as cfg_addr_resolve() does. */
void cfg_addr_set_ip(struct cfg_addr *a, const struct sockaddr_storage *ip);
