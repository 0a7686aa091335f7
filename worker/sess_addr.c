/* The addresses of a client connection as a stream sees them (see sess_addr.h). */
#include "sess_addr.h"

#include <netinet/in.h>
#include <string.h>

#include "sample_expr.h"
#include "scratch.h"
#include "session-t.h"
#include "stream-t.h"

const union sl_addr *sess_src(struct sess *s, const struct stream *st)
{
        return st && st->src ? st->src : &s->src;
}

static void dst_read(struct sess *s)
{
        if (!s->dst_known) {
                conn_local_addr(&s->conn, &s->dst);
                s->dst_known = true;
        }
}

const union sl_addr *sess_dst(struct sess *s, const struct stream *st)
{
        if (st && st->dst)
                return st->dst;
        dst_read(s);
        return &s->dst;
}

union sl_addr *sess_addr_to_set(struct sess *s, struct stream *st, bool dst)
{
        union sl_addr **own;

        if (dst)
                dst_read(s);
        if (!st)
                return dst ? &s->dst : &s->src;
        own = dst ? &st->dst : &st->src;
        if (!*own) {
                *own = (union sl_addr *)scratch_alloc(st, sizeof(**own));
                if (*own)
                        **own = dst ? s->dst : s->src;
        }
        return *own;
}

void sess_addr_rewrite(union sl_addr *a, const struct cfg_smp_value *v)
{
        struct sockaddr_in *in = &a->sin;
        struct sockaddr_in6 *in6 = &a->sin6;
        uint16_t port;

        if (v->type == CFG_SMP_INT) {
                port = htons((uint16_t)v->i);
                if (a->sa.sa_family == AF_INET6) {
                        in6->sin6_port = port;
                        return;
                }
                if (a->sa.sa_family != AF_INET) {
                        memset(a, 0, sizeof(*a));
                        in->sin_family = AF_INET;
                }
                in->sin_port = port;
                return;
        }
        if (v->type != CFG_SMP_IP)
                return;
        port = a->sa.sa_family == AF_INET    ? in->sin_port
               : a->sa.sa_family == AF_INET6 ? in6->sin6_port
                                             : 0;
        memset(a, 0, sizeof(*a));
        if (v->family == AF_INET) {
                in->sin_family = AF_INET;
                memcpy(&in->sin_addr, v->addr, 4);
                in->sin_port = port;
        } else {
                in6->sin6_family = AF_INET6;
                memcpy(&in6->sin6_addr, v->addr, 16);
                in6->sin6_port = port;
        }
}
