/* Server connections and the per-server idle lists (see srvconn.h); used by sess.c. */
#include "srvconn.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <unistd.h>

#include "sess.h"
#include "worker.h"

#define SRV_CONN_MAX_IDLE 64 /* idle connections kept per server and worker */

static void srv_conn_on_io(struct loop_io *io, uint32_t events)
{
        struct srv_conn *c = sl_container_of(io, struct srv_conn, io);

        if (c->owner) {
                sess_srv_event(c->owner, events);
                return;
        }
        /* Idle: the server closed it, or sent what no request asked for. */
        (void)srv_conn_close(c);
}

static void srv_conn_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct srv_conn, reap));
}

int srv_conn_open(struct worker *w, struct px_rt *rt, int srv_idx, const struct sockaddr *addr,
                  socklen_t len, struct srv_conn **ret)
{
        struct srv_conn *c;
        int fd, one = 1, err;

        fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd == -1)
                return -errno;
        if (addr->sa_family != AF_UNIX)
                (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        c = calloc(1, sizeof(*c));
        if (!c) {
                close(fd);
                return -ENOMEM;
        }
        c->fd = fd;
        c->w = w;
        c->rt = rt;
        c->srv_idx = srv_idx;
        sl_list_init(&c->idle_link);
        loop_reap_init(&c->reap, srv_conn_on_reap);
        loop_io_init(w->loop, &c->io, fd, srv_conn_on_io);
        if (connect(fd, addr, len) == -1) {
                if (errno != EINPROGRESS) {
                        err = -errno;
                        close(fd);
                        free(c);
                        return err;
                }
                c->connecting = true;
        }
        *ret = c;
        return 0;
}

struct srv_conn *srv_conn_take_idle(struct px_rt *rt, int srv_idx)
{
        struct srv_conn *c;

        if (!rt->idle || sl_list_empty(&rt->idle[srv_idx]))
                return NULL;
        /* the most recently used one: the likeliest to be still open */
        c = sl_list_entry(rt->idle[srv_idx].prev, struct srv_conn, idle_link);
        sl_list_del(&c->idle_link);
        rt->n_idle[srv_idx]--;
        return c;
}

void srv_conn_release(struct srv_conn *c)
{
        struct px_rt *rt = c->rt;

        c->owner = NULL;
        if (!rt->idle || rt->n_idle[c->srv_idx] >= SRV_CONN_MAX_IDLE || c->w->stopping) {
                (void)srv_conn_close(c);
                return;
        }
        sl_list_push_back(&rt->idle[c->srv_idx], &c->idle_link);
        rt->n_idle[c->srv_idx]++;
        /* watch for the server closing it */
        loop_io_modify(&c->io, EPOLLIN | EPOLLRDHUP);
}

struct srv_conn *srv_conn_close(struct srv_conn *c)
{
        if (!c)
                return NULL;
        if (sl_list_linked(&c->idle_link)) {
                sl_list_del(&c->idle_link);
                c->rt->n_idle[c->srv_idx]--;
        }
        /* The fd was created here and never shared: closing it removes it from epoll. An event
         * of this turn may still name it, so it is freed once the turn is over. */
        (void)loop_io_close(&c->io);
        c->owner = NULL;
        loop_reap(c->w->loop, &c->reap);
        return NULL;
}

void srv_conn_close_idle(struct px_rt *rt, int n_servers)
{
        if (!rt->idle)
                return;
        for (int i = 0; i < n_servers; i++)
                while (!sl_list_empty(&rt->idle[i]))
                        (void)srv_conn_close(
                                sl_list_entry(rt->idle[i].next, struct srv_conn, idle_link));
}
