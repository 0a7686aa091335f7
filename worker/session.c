/* Sessions (see session.h): created by the listener for each accepted connection, closed by
 * the client side's mux. */
#include "session.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "macros.h"
#include "model.h"
#include "sample_expr.h"
#include "scratch.h"
#include "stick.h"
#include "stream-t.h"
#include "vars.h"
#include "wctx.h"

static void sess_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct sess, reap));
}

struct sess *sess_new(struct worker *w, const struct cfg_proxy *fe,
                      const struct sockaddr_storage *src, socklen_t src_len)
{
        struct sess *s = calloc(1, sizeof(*s));

        if (!s) {
                w->stats.sessions_oom++;
                return NULL;
        }
        s->w = w;
        s->gen = cfg_gen_ref(w->gen);
        s->fe = fe;
        memcpy(&s->src, src, SL_MIN((size_t)src_len, sizeof(s->src)));
        s->accept_wall_us = sl_clock_wall_us();
        s->accept_ms = loop_now(w->loop);
        s->conn.fd = -1;
        s->conn.state = CONN_ST_CLOSED;
        for (unsigned i = 0; i < STICK_COUNTERS; i++)
                s->sc[i].rec = -1;
        vars_init(&s->vars, (unsigned)w->gen->vars[CFG_VSTORE_SESS].n, CFG_SCOPE_SESS);
        loop_reap_init(&s->reap, sess_on_reap);
        sl_list_push_back(&w->sessions, &s->link);
        w->n_conns++;
        worker_rt(w, fe)->feconn++;
        return s;
}

const struct sockaddr_storage *sess_src(struct sess *s, const struct stream *st)
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

const struct sockaddr_storage *sess_dst(struct sess *s, const struct stream *st)
{
        if (st && st->dst)
                return st->dst;
        dst_read(s);
        return &s->dst;
}

struct sockaddr_storage *sess_addr_to_set(struct sess *s, struct stream *st, bool dst)
{
        struct sockaddr_storage **own;

        if (dst)
                dst_read(s);
        if (!st)
                return dst ? &s->dst : &s->src;
        own = dst ? &st->dst : &st->src;
        if (!*own) {
                *own = (struct sockaddr_storage *)scratch_alloc(st, sizeof(**own));
                if (*own)
                        **own = dst ? s->dst : s->src;
        }
        return *own;
}

void sess_addr_rewrite(struct sockaddr_storage *a, const struct cfg_smp_value *v)
{
        struct sockaddr_in *in = (struct sockaddr_in *)a;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)a;
        uint16_t port;

        if (v->type == CFG_SMP_INT) {
                port = htons((uint16_t)v->i);
                if (a->ss_family == AF_INET6) {
                        in6->sin6_port = port;
                        return;
                }
                if (a->ss_family != AF_INET) {
                        memset(a, 0, sizeof(*a));
                        in->sin_family = AF_INET;
                }
                in->sin_port = port;
                return;
        }
        if (v->type != CFG_SMP_IP)
                return;
        port = a->ss_family == AF_INET    ? in->sin_port
               : a->ss_family == AF_INET6 ? in6->sin6_port
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

bool sess_tls(const struct sess *s)
{
        return s->conn.xprt && s->conn.xprt->tls;
}

void sess_close(struct sess *s)
{
        struct worker *w = s->w;

        if (s->closed)
                return;
        s->closed = true;
        stick_sess_end(s);
        vars_clear(w, s, NULL, &s->vars);
        conn_close(&s->conn);
        worker_rt(w, s->fe)->feconn--;
        sl_list_del(&s->link);
        loop_reap(w->loop, &s->reap);
        w->n_conns--;
        if (w->conn_closed)
                w->conn_closed(w, s->fe);
        s->gen = cfg_gen_unref(s->gen);
}
