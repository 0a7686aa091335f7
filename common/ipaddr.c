/* See ipaddr.h. */
#include "ipaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

void sl_addr_set(union sl_addr *a, const struct sockaddr *sa, socklen_t len)
{
        *a = (union sl_addr){.sa.sa_family = AF_UNSPEC};
        if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(a->sin))
                a->sin = *(const struct sockaddr_in *)sa;
        else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(a->sin6))
                a->sin6 = *(const struct sockaddr_in6 *)sa;
        else if (sa->sa_family == AF_UNIX)
                a->sa.sa_family = AF_UNIX;
}

socklen_t sl_addr_len(const union sl_addr *a)
{
        return a->sa.sa_family == AF_INET    ? (socklen_t)sizeof(a->sin)
               : a->sa.sa_family == AF_INET6 ? (socklen_t)sizeof(a->sin6)
                                             : 0;
}

unsigned sl_addr_port(const union sl_addr *a)
{
        return a->sa.sa_family == AF_INET    ? ntohs(a->sin.sin_port)
               : a->sa.sa_family == AF_INET6 ? ntohs(a->sin6.sin6_port)
                                             : 0;
}

const char *sl_addr_text(const union sl_addr *a, bool brackets, char *out, size_t size)
{
        char ip[INET6_ADDRSTRLEN] = "?";

        if (a->sa.sa_family == AF_INET) {
                inet_ntop(AF_INET, &a->sin.sin_addr, ip, sizeof(ip));
                snprintf(out, size, "%s:%u", ip, ntohs(a->sin.sin_port));
        } else if (a->sa.sa_family == AF_INET6) {
                inet_ntop(AF_INET6, &a->sin6.sin6_addr, ip, sizeof(ip));
                snprintf(out, size, brackets ? "[%s]:%u" : "%s:%u", ip, ntohs(a->sin6.sin6_port));
        } else {
                snprintf(out, size, "%s", a->sa.sa_family == AF_UNIX ? "unix:" : "?");
        }
        return out;
}

bool sl_same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
        if (a->ss_family != b->ss_family)
                return false;
        if (a->ss_family == AF_INET)
                return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                              &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
        if (a->ss_family == AF_INET6)
                return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                              &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
        return a->ss_family == AF_UNSPEC;
}

const char *sl_ip_str(const struct sockaddr_storage *ss, char *buf, size_t size, const char *none)
{
        const void *ip = NULL;

        if (ss->ss_family == AF_INET)
                ip = &((const struct sockaddr_in *)ss)->sin_addr;
        else if (ss->ss_family == AF_INET6)
                ip = &((const struct sockaddr_in6 *)ss)->sin6_addr;
        if (!ip || !inet_ntop(ss->ss_family, ip, buf, (socklen_t)size))
                snprintf(buf, size, "%s", none);
        return buf;
}
