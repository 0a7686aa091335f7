/* The raw transport: a socket read and written as it is (conn.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"

static ssize_t raw_recv(struct conn *c, void *ctx, void *p, size_t len)
{
        (void)ctx;
        ssize_t n;

        do {
                n = recv(c->io.fd, p, len, 0);
        } while (n == -1 && errno == EINTR);
        if (n == -1)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return n;
}

static ssize_t raw_peek(struct conn *c, void *ctx, void *p, size_t len)
{
        (void)ctx;
        ssize_t n;

        do {
                n = recv(c->io.fd, p, len, MSG_PEEK);
        } while (n == -1 && errno == EINTR);
        if (n == -1)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return n;
}

static ssize_t raw_sendv(struct conn *c, void *ctx, const struct iovec *iov, int n, bool more)
{
        (void)ctx;
        struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n};
        ssize_t r;

        do {
                r = sendmsg(c->io.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT | (more ? MSG_MORE : 0));
        } while (r == -1 && errno == EINTR);
        if (r == -1)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return r;
}

static int raw_shutw(struct conn *c, void *ctx)
{
        (void)ctx;
        return shutdown(c->io.fd, SHUT_WR) == -1 ? -errno : 0;
}

static ssize_t raw_splice_in(struct conn *c, void *ctx, int pipe_wr, size_t max)
{
        (void)ctx;
        ssize_t n = splice(c->io.fd, NULL, pipe_wr, NULL, max, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

        if (n == -1)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return n;
}

static ssize_t raw_splice_out(struct conn *c, void *ctx, int pipe_rd, size_t len)
{
        (void)ctx;
        ssize_t n = splice(pipe_rd, NULL, c->io.fd, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

        if (n == -1)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return n;
}

static int raw_error(struct conn *c, void *ctx)
{
        (void)ctx;
        int err = 0;
        socklen_t len = sizeof(err);

        if (getsockopt(c->io.fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
                return -errno;
        return -err;
}

static size_t raw_waiting(struct conn *c, void *ctx)
{
        (void)ctx;
        int pending = 0;

        return ioctl(c->io.fd, FIONREAD, &pending) == 0 && pending > 0 ? (size_t)pending : 0;
}

static struct sl_str raw_alpn(const struct conn *c, const void *ctx)
{
        (void)c;
        (void)ctx;
        return SL_STR_NULL;
}

static void raw_update(struct conn *c, void *ctx, uint32_t want)
{
        uint32_t ev = 0;

        (void)ctx;
        if (want & CONN_WANT_RD)
                ev |= EPOLLIN | EPOLLRDHUP;
        if (want & CONN_WANT_WR)
                ev |= EPOLLOUT;
        if (want & CONN_WANT_HUP)
                ev |= EPOLLRDHUP;
        loop_io_modify(&c->io, ev);
}

static void raw_close(struct conn *c, void *ctx)
{
        (void)ctx;
        /* option nolinger, as HAProxy closes: a FIN after what was written (unless the
         * connection failed or was shut already), then a reset instead of a lingering close */
        if (c->flags & CONN_F_NOLINGER) {
                struct linger lg = {1, 0};

                if (!(c->flags & (CONN_F_SHUTW | CONN_F_ERROR)))
                        (void)shutdown(c->io.fd, SHUT_WR);
                (void)setsockopt(c->io.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        }
        /* The fd was accepted or created by this worker and never shared: closing it also
         * removes it from epoll. An event of this turn may still name the watcher, so its
         * memory stays until the owner's reap at the end of the turn. */
        (void)loop_io_close(&c->io);
}

const struct xprt_ops xprt_raw = {
        .name = "raw",
        .recv = raw_recv,
        .peek = raw_peek,
        .sendv = raw_sendv,
        .shutw = raw_shutw,
        .splice_in = raw_splice_in,
        .splice_out = raw_splice_out,
        .error = raw_error,
        .waiting = raw_waiting,
        .alpn = raw_alpn,
        .update = raw_update,
        .close = raw_close,
};
