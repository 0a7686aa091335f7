/* Connections (see conn.h): readiness bookkeeping over a transport, connect(), and the
 * dispatch of events to the mux that owns the connection. */
#include "conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include "log.h"
#include "macros.h"
#include "mux.h"

const char *conn_state_str(enum conn_state s)
{
        switch (s) {
        case CONN_ST_CONNECTING:
                return "connecting";
        case CONN_ST_HANDSHAKE:
                return "handshake";
        case CONN_ST_READY:
                return "ready";
        case CONN_ST_CLOSED:
                return "closed";
        case CONN_ST_COUNT:
                break;
        }
        return "?";
}

void conn_set_state(struct conn *c, enum conn_state to)
{
        /* bit N set in allowed[to] <=> moving from state N to @to is legal */
        static const uint32_t allowed[CONN_ST_COUNT] = {
                [CONN_ST_HANDSHAKE] = 1u << CONN_ST_READY,
                [CONN_ST_READY] = 1u << CONN_ST_CONNECTING | 1u << CONN_ST_HANDSHAKE,
                [CONN_ST_CLOSED] =
                        1u << CONN_ST_CONNECTING | 1u << CONN_ST_HANDSHAKE | 1u << CONN_ST_READY,
        };

        if (sl_unlikely(!(allowed[to] & (1u << c->state)))) {
                sl_log(LOG_CRIT, "BUG: a connection moves from state %s to %s",
                       conn_state_str(c->state), conn_state_str(to));
                sl_bug(__FILE__, __LINE__, "a connection state change that is not allowed");
        }
        c->state = to;
}

static void conn_on_io(struct loop_io *io, uint32_t events)
{
        conn_on_events(sl_container_of(io, struct conn, io), events);
}

/* Run the steps left; on the last one, READY and the completion callback. */
static void conn_handshake_run(struct conn *c)
{
        struct conn_hs *hs = c->hs;
        int r = 0;

        while (hs->done < hs->n) {
                r = hs->step[hs->done](c, hs->data[hs->done]);
                if (r == -EAGAIN)
                        return;
                if (r < 0)
                        break;
                hs->done++;
        }
        c->hs = NULL;
        c->hs_err = r;
        if (r == 0) {
                conn_want(c, 0);
                conn_set_state(c, CONN_ST_READY);
                /* the steps may have left bytes in the transport: let the mux try */
                c->flags |= CONN_F_RD | CONN_F_WR;
        }
        if (hs->complete)
                hs->complete(c, r);
        /* the end of connect_hs steps: the mux learns it from conn_connect_result() */
        if ((c->flags & (CONN_F_CONN_PENDING | CONN_F_HS_SYNC)) == CONN_F_CONN_PENDING)
                c->mux->wake(c);
}

void conn_handshake(struct conn *c, struct conn_hs *hs)
{
        SL_BUG_ON(c->state != CONN_ST_READY || c->hs);
        hs->done = 0;
        c->hs = hs;
        conn_set_state(c, CONN_ST_HANDSHAKE);
        conn_handshake_run(c);
}

void conn_on_events(struct conn *c, uint32_t events)
{
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                c->flags |= CONN_F_RD;
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                c->flags |= CONN_F_WR;
        if (events & (EPOLLRDHUP | EPOLLERR | EPOLLHUP))
                c->flags |= CONN_F_HUP;
        if ((c->flags & CONN_F_WR) && c->xprt->flush)
                c->xprt->flush(c, c->xprt_ctx);
        if (c->state == CONN_ST_HANDSHAKE) {
                conn_handshake_run(c);
                return;
        }
        c->mux->wake(c);
}

void conn_init_socket(struct conn *c, struct loop *loop, int fd, enum conn_state st, uint32_t ready)
{
        *c = (struct conn){.xprt = &xprt_raw, .state = st, .flags = ready};
        loop_io_init(loop, &c->io, fd, conn_on_io);
}

int conn_connect(struct conn *c, struct loop *loop, const struct sockaddr *addr, socklen_t len,
                 unsigned opts)
{
        int fd, one = 1, zero = 0, err;

        fd = socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd == -1)
                return -errno;
        if (addr->sa_family != AF_UNIX) {
                (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                /* before connect(): the kernel may complete the handshake within it */
                if (opts & CONN_CONNECT_DELACK)
                        (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &zero, sizeof(zero));
        }
        if (connect(fd, addr, len) == -1) {
                if (errno != EINPROGRESS) {
                        err = -errno;
                        close(fd);
                        return err;
                }
                conn_init_socket(c, loop, fd, CONN_ST_CONNECTING, 0);
                goto done;
        }
        conn_init_socket(c, loop, fd, CONN_ST_READY, CONN_F_WR);
done:
        if ((opts & CONN_CONNECT_NOLINGER) && addr->sa_family != AF_UNIX)
                c->flags |= CONN_F_NOLINGER;
        return 0;
}

/* Start the connect_hs steps of an established connection: the result so far. */
static int connect_hs_start(struct conn *c)
{
        struct conn_hs *hs = c->connect_hs;

        c->connect_hs = NULL;
        c->flags |= CONN_F_HS_SYNC;
        conn_handshake(c, hs);
        c->flags &= ~(uint32_t)CONN_F_HS_SYNC;
        return c->state == CONN_ST_HANDSHAKE && c->hs ? -EAGAIN : c->hs_err;
}

/* The establishment is over with @r: reported once. */
static int connect_done(struct conn *c, int r)
{
        c->flags &= ~(uint32_t)CONN_F_CONN_PENDING;
        if (r < 0)
                c->flags |= CONN_F_ERROR;
        return r;
}

int conn_connect_result(struct conn *c)
{
        int err = 0, r;
        socklen_t len = sizeof(err);

        if (c->state == CONN_ST_HANDSHAKE) {
                if (c->hs)
                        return -EAGAIN;
                return connect_done(c, c->hs_err ? c->hs_err : -EPROTO); /* the steps failed */
        }
        if (c->state != CONN_ST_CONNECTING) {
                if (c->state != CONN_ST_READY)
                        return -ENOTCONN;
                if (c->connect_hs) {
                        /* ready at once (a memory transport, or connect() completed) */
                        r = connect_hs_start(c);
                        return r == -EAGAIN ? r : connect_done(c, r);
                }
                return connect_done(c, 0);
        }
        if (!(c->flags & (CONN_F_WR | CONN_F_RD)))
                return -EAGAIN;
        if (getsockopt(c->io.fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
                err = errno;
        if (err) {
                c->flags |= CONN_F_ERROR;
                return connect_done(c, -err);
        }
        /* established: writable; readable only once an event says so */
        c->flags = (c->flags & ~(uint32_t)CONN_F_RD) | CONN_F_WR;
        conn_set_state(c, CONN_ST_READY);
        if (c->connect_hs) {
                r = connect_hs_start(c);
                return r == -EAGAIN ? r : connect_done(c, r);
        }
        return connect_done(c, 0);
}

/* A read or a peek that brought nothing (@n <= 0): not readable any more, and the end of
 * stream or the failure it says. */
static ssize_t read_nothing(struct conn *c, ssize_t n)
{
        c->flags &= ~(uint32_t)CONN_F_RD;
        if (n == 0)
                c->flags |= CONN_F_RD_EOF;
        else if (n != -EAGAIN)
                c->flags |= CONN_F_ERROR | CONN_F_RD_EOF;
        return n;
}

ssize_t conn_peek(struct conn *c, void *p, size_t len)
{
        ssize_t n;

        if (!c->xprt->peek)
                return -ENOTSUP;
        if (!(c->flags & CONN_F_RD))
                return -EAGAIN;
        n = c->xprt->peek(c, c->xprt_ctx, p, len);
        return n > 0 ? n : read_nothing(c, n);
}

ssize_t conn_read(struct conn *c, void *p, size_t len)
{
        ssize_t n;

        if (!(c->flags & CONN_F_RD))
                return -EAGAIN;
        c->flags &= ~(uint32_t)CONN_F_RD_HELD;
        n = c->xprt->recv(c, c->xprt_ctx, p, len);
        if (n > 0) {
                /* Less than the room offered: the socket is (almost always) empty, and the
                 * next EPOLLIN says when more came, instead of a recv() saying EAGAIN. Not
                 * when the transport holds the next read's result: no event would come. */
                if ((size_t)n < len && !(c->flags & CONN_F_RD_HELD))
                        c->flags &= ~(uint32_t)CONN_F_RD;
                return n;
        }
        return read_nothing(c, n);
}

ssize_t conn_recv(struct conn *c, struct buf *b)
{
        ssize_t n;

        if (!(c->flags & CONN_F_RD))
                return -EAGAIN;
        if (buf_tail_room(b) == 0)
                buf_compact(b);
        if (buf_tail_room(b) == 0)
                return -ENOBUFS;
        n = conn_read(c, buf_tail(b), buf_tail_room(b));
        if (n > 0)
                buf_commit(b, (size_t)n);
        return n;
}

ssize_t conn_sendv(struct conn *c, const struct iovec *iov, int n, bool more)
{
        ssize_t r;
        size_t total = 0;

        if (!(c->flags & CONN_F_WR))
                return -EAGAIN;
        r = c->xprt->sendv(c, c->xprt_ctx, iov, n, more);
        if (r >= 0) {
                for (int i = 0; i < n; i++)
                        total += iov[i].iov_len;
                /* a short write: the socket buffer is full until EPOLLOUT says otherwise */
                if ((size_t)r < total)
                        c->flags &= ~(uint32_t)CONN_F_WR;
                return r;
        }
        c->flags &= ~(uint32_t)CONN_F_WR;
        if (r != -EAGAIN)
                c->flags |= CONN_F_ERROR;
        return r;
}

ssize_t conn_splice_in(struct conn *c, int pipe_wr, size_t max, bool pipe_empty)
{
        ssize_t n;

        if (!c->xprt->splice_in)
                return -ENOTSUP;
        if (!(c->flags & CONN_F_RD))
                return -EAGAIN;
        n = c->xprt->splice_in(c, c->xprt_ctx, pipe_wr, max);
        if (n > 0)
                return n;
        if (n == -EAGAIN) {
                if (pipe_empty)
                        c->flags &= ~(uint32_t)CONN_F_RD;
                return n;
        }
        c->flags &= ~(uint32_t)CONN_F_RD;
        c->flags |= n == 0 ? CONN_F_RD_EOF : CONN_F_RD_EOF | CONN_F_ERROR;
        return n;
}

ssize_t conn_splice_out(struct conn *c, int pipe_rd, size_t len)
{
        ssize_t n;

        if (!c->xprt->splice_out)
                return -ENOTSUP;
        if (!(c->flags & CONN_F_WR))
                return -EAGAIN;
        n = c->xprt->splice_out(c, c->xprt_ctx, pipe_rd, len);
        if (n >= 0) {
                if ((size_t)n < len)
                        c->flags &= ~(uint32_t)CONN_F_WR;
                return n;
        }
        c->flags &= ~(uint32_t)CONN_F_WR;
        if (n != -EAGAIN)
                c->flags |= CONN_F_ERROR;
        return n;
}

void conn_shutw(struct conn *c)
{
        if (c->flags & CONN_F_SHUTW || c->state == CONN_ST_CLOSED)
                return;
        c->flags |= CONN_F_SHUTW;
        (void)c->xprt->shutw(c, c->xprt_ctx);
}

int conn_error(struct conn *c)
{
        int r = c->state == CONN_ST_CLOSED ? -ENOTCONN : c->xprt->error(c, c->xprt_ctx);

        if (r < 0)
                c->flags |= CONN_F_ERROR | CONN_F_RD_EOF;
        return r;
}

size_t conn_waiting(struct conn *c)
{
        return c->state == CONN_ST_CLOSED ? 0 : c->xprt->waiting(c, c->xprt_ctx);
}

void conn_local_addr(struct conn *c, union sl_addr *ret)
{
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);

        if (c->io.fd < 0 || getsockname(c->io.fd, (struct sockaddr *)&ss, &len) == -1)
                ret->sa.sa_family = AF_UNSPEC;
        else
                sl_addr_set(ret, (struct sockaddr *)&ss, len);
}

void conn_silent_drop(struct conn *c)
{
        union sl_addr ss;
        struct linger lg = {1, 0};
        int one = 1;

        if (c->io.fd < 0)
                return;
#ifdef TCP_REPAIR
        if (setsockopt(c->io.fd, IPPROTO_TCP, TCP_REPAIR, &one, sizeof(one)) == 0)
                return;
#endif
        conn_local_addr(c, &ss);
        if (ss.sa.sa_family == AF_INET)
                (void)setsockopt(c->io.fd, IPPROTO_IP, IP_TTL, &one, sizeof(one));
        else if (ss.sa.sa_family == AF_INET6)
                (void)setsockopt(c->io.fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &one, sizeof(one));
        (void)setsockopt(c->io.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

void conn_close(struct conn *c)
{
        if (c->state == CONN_ST_CLOSED)
                return;
        if (c->mux && c->mux->release)
                c->mux->release(c);
        c->mux = NULL;
        c->mux_ctx = NULL;
        c->xprt->close(c, c->xprt_ctx);
        c->xprt_ctx = NULL;
        c->want = 0;
        conn_set_state(c, CONN_ST_CLOSED);
}
