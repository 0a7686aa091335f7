/* The memory transport (see xprt_mem.h). Both ends share one struct mem_peer: two queues,
 * the flags of each side, and a deferred callback that delivers readiness to the
 * connection, since no epoll reports it. */
#include "xprt_mem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "loop.h"
#include "macros.h"

#define MEM_DEFAULT_LIMIT (1u << 20)

struct mem_queue {
        char *data; /* owned */
        size_t len, cap;
        bool eof; /* the writer ended its stream */
};

struct mem_peer {
        struct mem_queue to_conn, to_peer;
        size_t limit;
        bool reset;
        struct conn *conn;      /* borrowed; NULL once the connection closed */
        uint32_t want;          /* CONN_WANT_*: what the transport above watches */
        bool peer_gone;         /* mem_peer_free() was called */
        struct loop_defer wake; /* delivers readiness to @conn */
};

static void mem_release(struct mem_peer *p)
{
        if (p->conn || !p->peer_gone)
                return;
        loop_defer_cancel(&p->wake);
        free(p->to_conn.data);
        free(p->to_peer.data);
        free(p);
}

/* Events the connection waits for that its queues can satisfy now. */
static uint32_t mem_ready(const struct mem_peer *p)
{
        const struct conn *c = p->conn;
        uint32_t ev = 0;

        if (!c)
                return 0;
        if ((p->want & CONN_WANT_RD) && (p->to_conn.len || p->to_conn.eof || p->reset))
                ev |= EPOLLIN;
        if ((p->want & CONN_WANT_WR) && (p->to_peer.len < p->limit || p->reset))
                ev |= EPOLLOUT;
        if ((p->want & CONN_WANT_HUP) && (p->to_conn.eof || p->reset))
                ev |= EPOLLRDHUP;
        if (p->reset && ev)
                ev |= EPOLLERR;
        return ev;
}

static void mem_kick(struct mem_peer *p)
{
        if (mem_ready(p) && !loop_defer_is_queued(&p->wake))
                loop_defer_queue(&p->wake);
}

static void mem_on_wake(struct loop_defer *d)
{
        struct mem_peer *p = sl_container_of(d, struct mem_peer, wake);
        uint32_t ev = mem_ready(p);

        if (ev)
                conn_on_events(p->conn, ev);
}

static size_t queue_put(struct mem_queue *q, size_t limit, const void *data, size_t len)
{
        size_t n = SL_MIN(len, limit > q->len ? limit - q->len : 0);

        if (n == 0)
                return 0;
        if (q->len + n > q->cap) {
                size_t cap = SL_MAX(q->cap * 2, q->len + n);
                char *nd = realloc(q->data, cap);

                if (!nd)
                        return 0;
                q->data = nd;
                q->cap = cap;
        }
        memcpy(q->data + q->len, data, n);
        q->len += n;
        return n;
}

static size_t queue_take(struct mem_queue *q, void *buf, size_t max)
{
        size_t n = SL_MIN(max, q->len);

        if (n) {
                memcpy(buf, q->data, n);
                memmove(q->data, q->data + n, q->len - n);
                q->len -= n;
        }
        return n;
}

int xprt_mem_pair(struct conn *c, struct loop *loop, size_t limit, struct mem_peer **ret_peer)
{
        struct mem_peer *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        p->limit = limit ? limit : MEM_DEFAULT_LIMIT;
        p->conn = c;
        loop_defer_init(loop, &p->wake, mem_on_wake);
        *c = (struct conn){.xprt = &xprt_mem,
                           .xprt_ctx = p,
                           .io.fd = -1,
                           .state = CONN_ST_READY,
                           .flags = CONN_F_RD | CONN_F_WR};
        *ret_peer = p;
        return 0;
}

static ssize_t mem_recv(struct conn *c, void *ctx, void *buf, size_t len)
{
        struct mem_peer *p = ctx;
        size_t n;

        if (p->reset)
                return -ECONNRESET;
        n = queue_take(&p->to_conn, buf, len);
        if (n)
                return (ssize_t)n;
        return p->to_conn.eof ? 0 : -EAGAIN;
}

static ssize_t mem_peek(struct conn *c, void *ctx, void *buf, size_t len)
{
        struct mem_peer *p = ctx;
        size_t n = SL_MIN(len, p->to_conn.len);

        if (p->reset)
                return -ECONNRESET;
        if (n) {
                memcpy(buf, p->to_conn.data, n);
                return (ssize_t)n;
        }
        return p->to_conn.eof ? 0 : -EAGAIN;
}

static ssize_t mem_sendv(struct conn *c, void *ctx, const struct iovec *iov, int n, bool more)
{
        struct mem_peer *p = ctx;
        size_t total = 0;

        (void)more;
        if (p->reset || p->peer_gone)
                return -EPIPE;
        for (int i = 0; i < n; i++) {
                size_t k = queue_put(&p->to_peer, p->limit, iov[i].iov_base, iov[i].iov_len);

                total += k;
                if (k < iov[i].iov_len)
                        break;
        }
        return total ? (ssize_t)total : -EAGAIN;
}

static int mem_shutw(struct conn *c, void *ctx)
{
        struct mem_peer *p = ctx;

        p->to_peer.eof = true;
        return 0;
}

static int mem_error(struct conn *c, void *ctx)
{
        return ((struct mem_peer *)ctx)->reset ? -ECONNRESET : 0;
}

static size_t mem_waiting(struct conn *c, void *ctx)
{
        return ((struct mem_peer *)ctx)->to_conn.len;
}

static struct sl_str mem_alpn(const struct conn *c, const void *ctx)
{
        (void)c;
        (void)ctx;
        return SL_STR_NULL;
}

static void mem_update(struct conn *c, void *ctx, uint32_t want)
{
        struct mem_peer *p = ctx;

        p->want = want;
        mem_kick(p);
}

static void mem_close(struct conn *c, void *ctx)
{
        struct mem_peer *p = ctx;

        p->conn = NULL;
        loop_defer_cancel(&p->wake);
        mem_release(p);
}

const struct xprt_ops xprt_mem = {
        .name = "memory",
        .recv = mem_recv,
        .peek = mem_peek,
        .sendv = mem_sendv,
        .shutw = mem_shutw,
        .error = mem_error,
        .waiting = mem_waiting,
        .alpn = mem_alpn,
        .update = mem_update,
        .close = mem_close,
};

size_t mem_peer_write(struct mem_peer *p, const void *data, size_t len)
{
        size_t n;

        if (p->to_conn.eof || p->reset)
                return 0;
        n = queue_put(&p->to_conn, p->limit, data, len);
        mem_kick(p);
        return n;
}

size_t mem_peer_room(const struct mem_peer *p)
{
        return p->to_conn.eof || p->reset || p->limit <= p->to_conn.len ? 0
                                                                        : p->limit - p->to_conn.len;
}

size_t mem_peer_read(struct mem_peer *p, void *buf, size_t max)
{
        size_t n = queue_take(&p->to_peer, buf, max);

        mem_kick(p);
        return n;
}

size_t mem_peer_pending(const struct mem_peer *p)
{
        return p->to_peer.len;
}

void mem_peer_shutw(struct mem_peer *p)
{
        p->to_conn.eof = true;
        mem_kick(p);
}

void mem_peer_reset(struct mem_peer *p)
{
        p->reset = true;
        p->to_conn.len = 0;
        p->to_peer.len = 0;
        mem_kick(p);
}

bool mem_peer_eof(const struct mem_peer *p)
{
        return p->to_peer.eof && p->to_peer.len == 0;
}

bool mem_peer_closed(const struct mem_peer *p)
{
        return p->conn == NULL;
}

struct mem_peer *mem_peer_free(struct mem_peer *p)
{
        if (!p)
                return NULL;
        p->peer_gone = true;
        mem_release(p);
        return NULL;
}
