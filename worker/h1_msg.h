#pragma once
/* An HTTP/1 connection as its mux drives it (mux_h1.c), and what receives and sends the
 * messages on it (h1_msg.c): the receive and send buffers, body framing both ways, the
 * operations a stream uses on its side, and the connection's interest in events. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "http.h"
#include "http1_parse.h"
#include "loop.h"
#include "macros.h"
#include "mux.h"

struct conn;
struct sess;
struct stream;
struct worker;

enum h1c_state {
        H1C_ST_IDLE = 0, /* client: no request yet; server: no stream (in the idle pool) */
        H1C_ST_HEAD,     /* client: receiving a request head, for the stream made for it */
        H1C_ST_BUSY,     /* a stream is attached */
        H1C_ST_TUNNEL,   /* opaque bytes both ways, after 101 or a 2xx to CONNECT */
        H1C_ST_CLOSED,   /* released; freed at the end of the turn */
        H1C_ST_COUNT,
};

/* Where each message is. */
enum h1m_state {
        H1M_ST_HEAD = 0, /* before its head */
        H1M_ST_BODY,     /* head done, body going */
        H1M_ST_DONE,     /* complete */
        H1M_ST_TUNNEL,   /* opaque bytes, after 101 or a 2xx to CONNECT */
        H1M_ST_COUNT,
};

enum {
        H1C_F_SERVER = 1u << 0,    /* the server side of its streams */
        H1C_F_CLOSE = 1u << 1,     /* the connection ends after the current exchange */
        H1C_F_STOPPING = 1u << 2,  /* client: soft stop, close after the current response */
        H1C_F_NOT_FIRST = 1u << 3, /* a request was served before on this connection */
        H1C_F_WANT_RCV = 1u << 4,  /* the stream waits for bytes to receive */
        H1C_F_WANT_SND = 1u << 5,  /* the stream waits for room to send */
        H1C_F_NO_READ = 1u << 6,   /* client: the connection closes after a reply, the rest
                                    * of the request is not read */
        H1C_F_OUT_FINAL = 1u << 7, /* client: the final response head is queued */
        H1C_F_IN_EOM = 1u << 8,    /* the incoming message's end was passed on */
        H1C_F_OUT_EOM = 1u << 9,   /* the outgoing message's end was taken */
        H1C_F_HUP_SEEN = 1u << 10, /* client: the peer's end was seen behind a full buffer */
        H1C_F_WATCH = 1u << 11,    /* client: watched while a stream runs (see below) */
        H1C_F_OWN = 1u << 12,      /* allocated by the mux (struct h1c_own), not by the
                                    * connection's owner */
        H1C_F_UPGRADED = 1u << 13, /* client: taken from the TCP mux; its first request's
                                    * bytes may still be HTTP/2's preface */
};

/* A client connection the kernel was never asked to watch (its request read at accept) is
 * watched while its stream runs only once the stream has lasted this long: a response in
 * less costs no epoll_ctl() (the connection closes unregistered, or registers as it idles),
 * and a client's close or reset is still seen this soon. */
#define H1_WATCH_DELAY_MS 100

/* One exchange on an HTTP/1 connection: where its two messages are. */
struct h1x {
        /* incoming message: offsets in ibuf from its head (see the top of the file) */
        enum h1m_state in_st;
        enum http_body in_body;
        uint64_t in_left; /* HTTP_BODY_LENGTH: body bytes not decoded yet */
        struct h1_chunked in_ck;
        size_t keep;              /* bytes kept at the start (client: the request head) */
        size_t dstart;            /* first decoded byte not passed on */
        size_t dend;              /* end of the decoded bytes */
        size_t wire;              /* first raw byte not decoded */
        size_t head_len;          /* server: the response head just parsed */
        enum http_body head_body; /* server: its framing, until rcv_head_done() */
        bool head_interim;
        bool trl_set;   /* chunked: @trl is set; the trailer section's bytes stay in ibuf
                         * until the fields are parsed from them */
        bool req_close; /* client: the request asked to close */
        uint64_t head_cl;
        size_t trl;        /* chunked: where the trailer section starts, once it did */
        size_t n_trailers; /* trailer fields parsed at the end of a chunked body */

        /* outgoing message */
        enum h1m_state out_st;
        enum http_body out_body;
        uint64_t out_left;   /* HTTP_BODY_LENGTH: body bytes still to send */
        uint64_t chunk_left; /* chunked: bytes of the open chunk still to send */
        size_t out_before;   /* client: bytes of obuf before the final response head */

        enum http_meth req_meth; /* the request's method (response framing) */
        enum http_ver req_ver;   /* client: the request's version */
        struct sd *sd;           /* the attached stream's endpoint, or NULL */
        struct stream *strm;     /* client side: the stream of the current request, or NULL */

        /* not part of the exchange's state (h1x_take() sets them) */
        struct h1c *h;          /* borrowed: the connection that holds it */
        struct worker *w;       /* borrowed: whose pool it returns to */
        struct loop_defer next; /* client: a pipelined request waits in ibuf */
        /* given back at the end of the turn its connection closed in: what still holds the
         * connection in that turn may write to it */
        struct loop_reap reap;
};

/* The state of both messages before an exchange: what an idle connection's @x points to.
 * Read-only: writing to it is a bug, and faults. */
extern const struct h1x h1x_idle;

/* An HTTP/1 connection. A client's lives in its session's memory (sess_mux_space()) and
 * goes with it; a server's is allocated by the mux (struct h1c_own), freed at the end of
 * the turn it closed in. */
struct h1c {
        struct conn *conn;    /* borrowed: owned by the session, or the srv_conn */
        struct worker *w;     /* borrowed */
        struct sess *sess;    /* client side: borrowed; NULL on the server side */
        enum h1c_state state; /* change only via h1c_set_state() */
        uint32_t flags;       /* H1C_F_* */
        struct buf ibuf;      /* pool buffer; BUF_NULL while empty */
        struct buf obuf;      /* pool buffer; BUF_NULL while empty */

        /* the exchange under way: its own object from a request's first byte (client) or
         * the stream's attach (server) until the connection is idle again; h1x_idle
         * (read-only) while there is none, so that an idle connection keeps no message
         * state */
        struct h1x *x;
        uint64_t idle_start_ms; /* client: end of the last response, or accept */

        struct loop_timer timer; /* client: http-request, keep-alive, stopping grace */
};

const char *h1c_state_str(enum h1c_state s);

extern const uint32_t h1c_allowed[H1C_ST_COUNT];
_Noreturn void h1c_bad_state(const struct h1c *h, enum h1c_state to);

/* Move the connection to state @to, checking the transition (inline: on every request). */
static inline void h1c_set_state(struct h1c *h, enum h1c_state to)
{
        if (sl_unlikely(!(h1c_allowed[to] & (1u << h->state))))
                h1c_bad_state(h, to);
        h->state = to;
}

extern const uint32_t h1m_allowed[H1M_ST_COUNT];
_Noreturn void h1m_bad_state(const struct h1c *h, const enum h1m_state *m, enum h1m_state to);

/* Move message state *@m (h->in_st or h->out_st) to @to, checking the transition. */
static inline void h1m_set_state(struct h1c *h, enum h1m_state *m, enum h1m_state to)
{
        if (sl_unlikely(!(h1m_allowed[to] & (1u << *m))))
                h1m_bad_state(h, m, to);
        *m = to;
}

/* A new exchange on the connection: both messages before their heads, no wait pending. */
void h1_exchange_reset(struct h1c *h);

/* Give @h an exchange object of its own if it has none (h->x is h1x_idle): 0, or -ENOMEM. */
int h1x_take(struct h1c *h);

/* Free @h's exchange object: h->x is h1x_idle again, and no wait is pending. A closed
 * connection keeps its object until the end of the turn (h1x_reap()). */
void h1x_release(struct h1c *h);

/* @h closes: its exchange object (if any) is given back at the end of the turn. */
void h1x_reap(struct h1c *h);

static inline struct h1c *h1c_of_sd(struct sd *sd)
{
        return sd->ms;
}

/* Limits of heads for the worker's buffer size: a head leaves room for its rewritten copy. */
const struct h1_limits *h1_limits(const struct h1c *h);

/* Read into ibuf: bytes read, 0 at end of stream, -EAGAIN, -ENOBUFS (full), -ENOMEM. */
ssize_t h1_read(struct h1c *h);

/* Forget the offsets of ibuf's message (all of it is raw again). */
void h1_ibuf_reset(struct h1c *h);

/* Write what obuf holds: 0 when all is out, -EAGAIN (waiting for room), or -errno. */
int h1_flush_obuf(struct h1c *h, bool more);

/* The incoming message's head was read: its body is framed by @body (@len for a length). */
void h1_in_start(struct h1c *h, enum http_body body, uint64_t len);

/* Ask for the events the connection's state and the stream's waits need. */
void h1_update_want(struct h1c *h);

/* The stream-side operations (mux.h) */
int h1_rcv_head(struct sd *sd, struct http_msg *m);
void h1_rcv_head_done(struct sd *sd);
int h1_rcv_data(struct sd *sd, struct sd_data *d);
void h1_rcv_consume(struct sd *sd, size_t n);
int h1_snd_head(struct sd *sd, const struct http_msg *m, unsigned flags);
ssize_t h1_snd_data(struct sd *sd, const struct sd_data *d);
int h1_flush(struct sd *sd);
void h1_tunnel(struct sd *sd);
void h1_shutw(struct sd *sd);
