/* Name resolution at load (see resolve.h): called by the keyword handlers of "server",
 * "dispatch" and "log" targets. */
#include "resolve.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int cfg_resolve_libc(void *data, const char *host, int family, struct sockaddr_storage *ret_ss,
                     char *err, size_t errlen)
{
        struct addrinfo hints = {.ai_family = family, .ai_socktype = SOCK_DGRAM}, *res = NULL;
        int r;

        (void)data;
        r = getaddrinfo(host, NULL, &hints, &res);
        if (r != 0) {
                snprintf(err, errlen, "%s", r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
                return r == EAI_MEMORY ? -ENOMEM : -EADDRNOTAVAIL;
        }
        /* the first answer, as HAProxy takes it */
        memset(ret_ss, 0, sizeof(*ret_ss));
        if (res->ai_addrlen > sizeof(*ret_ss) ||
            (res->ai_family != AF_INET && res->ai_family != AF_INET6)) {
                freeaddrinfo(res);
                snprintf(err, errlen, "no IPv4 or IPv6 address");
                return -EADDRNOTAVAIL;
        }
        memcpy(ret_ss, res->ai_addr, res->ai_addrlen);
        freeaddrinfo(res);
        return 0;
}

void cfg_addr_set_ip(struct cfg_addr *a, const struct sockaddr_storage *ip)
{
        int forced = a->ss.ss_family;

        a->ss = *ip;
        a->resolved_family = forced;
        a->resolved = true;
        if (ip->ss_family == AF_INET) {
                a->family = CFG_ADDR_IPV4;
                a->ss_len = sizeof(struct sockaddr_in);
                ((struct sockaddr_in *)&a->ss)->sin_port = htons(a->port_low);
        } else {
                a->family = CFG_ADDR_IPV6;
                a->ss_len = sizeof(struct sockaddr_in6);
                ((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(a->port_low);
        }
}

int cfg_addr_resolve(struct cfg_addr *a, cfg_resolve_fn *fn, void *data, char *err, size_t errlen)
{
        struct sockaddr_storage ss;
        int r;

        r = (fn ? fn : cfg_resolve_libc)(data, a->name, a->ss.ss_family, &ss, err, errlen);
        if (r < 0)
                return r;
        if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) {
                snprintf(err, errlen, "no IPv4 or IPv6 address");
                return -EADDRNOTAVAIL;
        }
        if (a->ss.ss_family != AF_UNSPEC && ss.ss_family != a->ss.ss_family) {
                snprintf(err, errlen, "no %s address",
                         a->ss.ss_family == AF_INET ? "IPv4" : "IPv6");
                return -EADDRNOTAVAIL;
        }
        cfg_addr_set_ip(a, &ss);
        return 0;
}
