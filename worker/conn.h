#pragma once
/* Connections: a socket, or a memory pipe in tests, read and written through a transport
 * (raw today; TLS and the PROXY protocol header plug in as transports or handshake steps),
 * and driven by the mux that owns it (mux.h). A connection is embedded in its owner (the
 * client's session, or a server connection of the pool), which frees it.
 *
 * Readiness is remembered in CONN_F_RD and CONN_F_WR: set by events, cleared when the
 * transport says it would block (or a read returned less than the room offered), so a mux
 * never issues a system call that is known to fail, and asks for events (conn_want()) only
 * for a direction it waits on. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "buf.h"
#include "ipaddr.h"
#include "loop.h"
#include "str.h"

struct conn;
struct mux_ops;

/* Transport operations. Each takes the transport's own state, @ctx (c->xprt_ctx for the
 * connection's transport; a transport stacked over another, as TLS is over raw or memory,
 * passes the lower one its own), so that transports stack without knowing each other. Every
 * function returns a negative errno on failure; -EAGAIN when it would block (the caller then
 * waits for the direction with conn_want()). */
struct xprt_ops {
        const char *name;
        bool tls; /* the bytes are TLS records on the wire (ssl_fc, %ft's '~') */
        /* Read up to @len bytes: the count, 0 at end of stream, -EAGAIN, -errno. A count
         * with CONN_F_RD_HELD set on @c: the transport already holds the next read's
         * result (the end, or an error), which no event will announce. */
        ssize_t (*recv)(struct conn *c, void *ctx, void *p, size_t len);
        /* Copy up to @len of the bytes waiting, leaving them to be read: as recv; NULL when
         * the transport cannot (TLS: a PROXY header is read below it). */
        ssize_t (*peek)(struct conn *c, void *ctx, void *p, size_t len);
        /* Write @n buffers, gathered: bytes written, -EAGAIN, -errno. @more: more data
         * follows at once (MSG_MORE). */
        ssize_t (*sendv)(struct conn *c, void *ctx, const struct iovec *iov, int n, bool more);
        /* Shut the write side down (a FIN after what was written). */
        int (*shutw)(struct conn *c, void *ctx);
        /* Zero-copy moves between the connection and a kernel pipe; NULL when the transport
         * cannot (it transforms the bytes, as TLS does). Same results as recv and sendv. */
        ssize_t (*splice_in)(struct conn *c, void *ctx, int pipe_wr, size_t max);
        ssize_t (*splice_out)(struct conn *c, void *ctx, int pipe_rd, size_t len);
        /* The connection's pending error (reset), as a negative errno; 0 when none. */
        int (*error)(struct conn *c, void *ctx);
        /* Bytes the peer sent that were not read yet (decrypted or not): 0 when unknown. */
        size_t (*waiting)(struct conn *c, void *ctx);
        /* The protocol chosen in the handshake (ALPN); empty when none. */
        struct sl_str (*alpn)(const struct conn *c, const void *ctx);
        /* Watch the directions in @want (CONN_WANT_*) and no other. */
        void (*update)(struct conn *c, void *ctx, uint32_t want);
        /* Optional: the connection may be writable; write what the transport holds of its
         * own (TLS records it accepted while the socket was full), before the mux is woken. */
        void (*flush)(struct conn *c, void *ctx);
        /* Release the transport: the fd, its state. The connection is not used after. */
        void (*close)(struct conn *c, void *ctx);
};

enum conn_state {
        CONN_ST_CONNECTING = 0, /* connect() in progress */
        CONN_ST_HANDSHAKE,      /* handshake steps run before any mux sees a byte */
        CONN_ST_READY,          /* established */
        CONN_ST_CLOSED,         /* transport released */
        CONN_ST_COUNT,
};

/* Handshake steps, stacked: what must happen on a connection before its mux may read it,
 * in order: a PROXY protocol header (read as it is from the socket), then the transport's
 * own handshake (TLS). A step reads and writes through the transport like a mux and returns
 * 0 once done, -EAGAIN when it waits (after conn_want() for what it waits on), or a
 * negative errno: the connection fails. */
typedef int conn_hs_fn(struct conn *c, void *data);

#define CONN_MAX_HS 2

struct conn_hs {
        conn_hs_fn *step[CONN_MAX_HS];
        void *data[CONN_MAX_HS]; /* borrowed, passed to each step */
        unsigned n;              /* steps */
        unsigned done;           /* steps completed */
        /* called once: every step done (0; the connection is READY), or one failed; may be
         * NULL for connect_hs steps, whose end wakes the mux after it (the mux learns the
         * result from conn_connect_result()) */
        void (*complete)(struct conn *c, int err);
};

enum {
        CONN_F_RD = 1u << 0,           /* a read may return bytes: not known to block */
        CONN_F_WR = 1u << 1,           /* a write may go through */
        CONN_F_RD_EOF = 1u << 2,       /* the peer ended its stream (read returned 0) */
        CONN_F_ERROR = 1u << 3,        /* reset or failed: both directions are gone */
        CONN_F_SHUTW = 1u << 4,        /* our write side was shut down */
        CONN_F_HUP = 1u << 5,          /* an event said the peer ended its stream or reset */
        CONN_F_NOLINGER = 1u << 6,     /* option nolinger: the close sends a FIN after what was
                                        * written, then resets (set by the owner, kept) */
        CONN_F_CONN_PENDING = 1u << 7, /* connect_hs set: conn_connect_result() has not
                                        * reported the end of the establishment yet */
        CONN_F_HS_SYNC = 1u << 8,      /* conn_connect_result() runs the steps: their end
                                        * is its result, not a wake of the mux */
        CONN_F_RD_HELD = 1u << 9,      /* set by the transport in a read: it holds what the
                                        * next read returns (TLS: the end of the stream, read
                                        * with the last bytes), so a short read does not
                                        * make the connection unreadable */
};

/* conn.want */
#define CONN_WANT_RD  (1u << 0)
#define CONN_WANT_WR  (1u << 1)
#define CONN_WANT_HUP (1u << 2) /* only the peer's end or reset (nothing is read meanwhile) */

struct conn {
        const struct xprt_ops *xprt; /* borrowed: a static table */
        void *xprt_ctx;              /* owned by the transport */
        const struct mux_ops *mux;   /* borrowed: a static table; NULL until one is set */
        void *mux_ctx;               /* owned by the mux; released through mux->release */
        /* the fd watcher; io.fd is the socket, owned by the transport, -1 when none */
        struct loop_io io;
        enum conn_state state; /* change only via conn_set_state() */
        uint32_t flags;        /* CONN_F_* */
        uint32_t want;         /* CONN_WANT_*: what the mux waits for */
        int hs_err;            /* the failure of the last handshake, a negative errno; 0: none */
        struct conn_hs *hs;    /* borrowed: the handshake under way, or NULL */
        /* borrowed: steps to run once connect() succeeds (TLS to a server), or NULL; the
         * connection counts as connected (conn_connect_result()) only after them */
        struct conn_hs *connect_hs;
};

extern const struct xprt_ops xprt_raw;

const char *conn_state_str(enum conn_state s);
void conn_set_state(struct conn *c, enum conn_state to);

/* Set up @c over socket @fd (non-blocking, owned by @c from now on) with the raw transport,
 * in state READY for an accepted socket or CONNECTING while connect() is in progress.
 * Optimistic readiness (@ready: CONN_F_RD | CONN_F_WR bits) saves a turn when the peer is
 * known to have written already (a request on a new connection usually arrives with it). */
void conn_init_socket(struct conn *c, struct loop *loop, int fd, enum conn_state st,
                      uint32_t ready);

/* Options of conn_connect() */
enum {
        CONN_CONNECT_DELACK = 1u << 0,   /* TCP_QUICKACK 0 before connect(): what is written
                                          * first goes with the handshake's last ACK */
        CONN_CONNECT_NOLINGER = 1u << 1, /* CONN_F_NOLINGER */
};

/* Open a non-blocking TCP (or Unix) connection to @addr into @c, with @opts
 * (CONN_CONNECT_*, TCP only). Returns 0 (CONNECTING or READY), or the negative errno of
 * socket() or connect() (nothing is left open). */
int conn_connect(struct conn *c, struct loop *loop, const struct sockaddr *addr, socklen_t len,
                 unsigned opts);

/* After an event on a connection being established (conn_connecting()): 0 when it is
 * established and its connect_hs steps are done (READY), -EAGAIN while either is in
 * progress, else the negative errno of the failure. */
int conn_connect_result(struct conn *c);

/* Is @c still being established: connect() in progress, or its connect_hs steps not done
 * (or done but not yet reported by conn_connect_result())? */
static inline bool conn_connecting(const struct conn *c)
{
        return c->state == CONN_ST_CONNECTING || (c->flags & CONN_F_CONN_PENDING);
}

/* Run the handshake steps of @hs on @c (READY, no mux reading it yet): in state HANDSHAKE
 * until they are done, then READY and hs->complete() (which gives the connection its mux);
 * the steps run again on each event until then. @hs must outlive the handshake. */
void conn_handshake(struct conn *c, struct conn_hs *hs);

/* Read at most @len bytes into @p (handshake steps read exactly what is theirs): the count,
 * 0 at end of stream (CONN_F_RD_EOF set), -EAGAIN (also without a syscall when @c is not
 * readable), or -errno (CONN_F_ERROR set). */
ssize_t conn_read(struct conn *c, void *p, size_t len);

/* Copy at most @len of the bytes waiting into @p without taking them: as conn_read(), but a
 * count leaves the connection readable; -ENOTSUP when the transport cannot. */
ssize_t conn_peek(struct conn *c, void *p, size_t len);

/* Read into the tail of @b (compacting it when the tail is full). Returns the bytes read,
 * 0 at end of stream (CONN_F_RD_EOF set), -EAGAIN (or without a syscall when @c is not
 * readable), -ENOBUFS when @b is full, or -errno (CONN_F_ERROR set). */
ssize_t conn_recv(struct conn *c, struct buf *b);

/* Write @n buffers. Returns bytes written (a short write clears CONN_F_WR), -EAGAIN (also
 * without a syscall when @c is not writable), or -errno (CONN_F_ERROR set). */
ssize_t conn_sendv(struct conn *c, const struct iovec *iov, int n, bool more);

/* splice() from @c into a pipe (@pipe_wr, at most @max bytes) and from a pipe to @c, with
 * the readiness rules of conn_recv() and conn_sendv(); -ENOTSUP when the transport cannot.
 * @pipe_empty: the pipe held nothing, so EAGAIN means @c has nothing to read (else the
 * pipe may be what is full). */
ssize_t conn_splice_in(struct conn *c, int pipe_wr, size_t max, bool pipe_empty);
ssize_t conn_splice_out(struct conn *c, int pipe_rd, size_t len);

/* Can @c move bytes with splice() (its transport passes them as they are)? */
static inline bool conn_can_splice(const struct conn *c)
{
        return c->xprt->splice_in && c->xprt->splice_out;
}

/* Shut the write side down, once. */
void conn_shutw(struct conn *c);

/* Whether @c is a socket the kernel does not watch now (no interest registered by an
 * earlier turn): asking for events costs an epoll_ctl(). A memory transport has no socket. */
static inline bool conn_unpolled_socket(const struct conn *c)
{
        return c->io.fd >= 0 && !loop_io_polled(&c->io);
}

/* Ask for events on the directions in @want (CONN_WANT_*); the others are not watched. */
static inline void conn_want(struct conn *c, uint32_t want)
{
        if (want != c->want) {
                c->want = want;
                c->xprt->update(c, c->xprt_ctx, want);
        }
}

/* After an event saying the peer ended or reset (CONN_F_HUP), while nothing can be read:
 * the reset, as a negative errno (CONN_F_ERROR set), or 0 for an end of stream still behind
 * unread bytes. */
int conn_error(struct conn *c);

/* Bytes the peer sent that were not read yet; 0 when unknown. */
size_t conn_waiting(struct conn *c);

/* The local address of @c into *ret (getsockname); AF_UNSPEC when it has none. */
void conn_local_addr(struct conn *c, union sl_addr *ret);

/* HAProxy's silent-drop: make the close that follows tell the client nothing: the kernel
 * forgets the connection (TCP_REPAIR, where allowed), or its reset leaves with a hop limit
 * of 1 so that it dies at the first router. Best effort; the caller closes. */
void conn_silent_drop(struct conn *c);

/* Release the transport (closing the socket) and the mux context; idempotent. The memory
 * of @c is its owner's to free, at the end of the loop turn. */
void conn_close(struct conn *c);

/* Called by transports when @events (EPOLL* bits) happened on @c: updates readiness and
 * wakes the mux. */
void conn_on_events(struct conn *c, uint32_t events);
