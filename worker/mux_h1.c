/* The HTTP/1 mux (mux_h1.h): one HTTP/1.1 connection, client or server side, carrying one
 * stream at a time.
 *
 * Input. The receive buffer holds, from its head: the bytes kept for the stream (the client
 * side keeps the request head, whose views the stream uses until it ends), a hole left by
 * body bytes already passed on, the decoded body bytes not passed on yet, a hole left by
 * chunk framing, then raw bytes not decoded yet (the rest of the body, or a pipelined
 * request). Decoding chunked framing moves each chunk's data down over the framing, so each
 * byte moves at most once; the holes close when everything decoded was passed on, or when
 * room is needed to read. Body bytes thus reach the other side without a copy.
 *
 * Output. Heads are written by proto/'s emitter into the send buffer; body bytes go from the
 * other side's receive buffer in the same gathered write as what the send buffer holds, with
 * chunk framing (and trailers) around them when the message is chunked.
 *
 * Client side: the mux makes a stream at the first byte of each request (stream.h), fills its
 * request head and starts it, answers for the connection's own deadlines (http-request,
 * keep-alive), and decides keep-alive: a response says Connection: close when the request
 * asked for it, when sluice answers an error, or when the worker stops. Server side: made for
 * a connection of the pool (srvconn.h), given back to the pool when both messages ended
 * cleanly. */
#include "mux_h1.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "http1_emit.h"
#include "http1_parse.h"
#include "log.h"
#include "macros.h"
#include "model.h"
#include "session.h"
#include "srvconn.h"
#include "stream.h"
#include "wctx.h"

/* soft stop: how long a keep-alive connection that just finished a response may still bring
 * its next request (see h1_stop()) */
#define H1_STOP_GRACE_MS 100
/* a length-delimited body whose rest is at most this long is due in one more read */
#define H1_MORE_SOON_MAX 4096

/* Chunked bodies both ways: the chunk-size may be anything a 62-bit length holds (the body
 * streams through), but chunk lines and trailers are bounded like header lines. */
static const struct h1_chunked_limits h1_chunk_limits = {
        .max_chunk_size = UINT64_C(1) << 62,
        .max_line_size = 4096,
        .max_trailer_size = 8192,
        .max_trailers = STRM_MAX_TRAILERS,
};

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
        H1M_ST_COUNT,
};

enum {
        H1C_F_SERVER = 1u << 0,      /* the server side of its streams */
        H1C_F_CLOSE = 1u << 1,       /* the connection ends after the current exchange */
        H1C_F_STOPPING = 1u << 2,    /* client: soft stop, close after the current response */
        H1C_F_NOT_FIRST = 1u << 3,   /* a request was served before on this connection */
        H1C_F_WANT_RCV = 1u << 4,    /* the stream waits for bytes to receive */
        H1C_F_WANT_SND = 1u << 5,    /* the stream waits for room to send */
        H1C_F_NO_READ = 1u << 6,     /* client: the connection closes after a reply, the rest
                                      * of the request is not read */
        H1C_F_OUT_FINAL = 1u << 7,   /* client: the final response head is queued */
        H1C_F_IN_EOM = 1u << 8,      /* the incoming message's end was passed on */
        H1C_F_OUT_EOM = 1u << 9,     /* the outgoing message's end was taken */
        H1C_F_EVER_RCVD = 1u << 10,  /* server: a byte ever arrived on the connection */
};

struct h1c {
        struct conn *conn;    /* borrowed: owned by the session, or the srv_conn */
        struct worker *w;     /* borrowed */
        struct sess *sess;    /* client side: borrowed; NULL on the server side */
        enum h1c_state state; /* change only via h1c_set_state() */
        uint32_t flags;       /* H1C_F_* */
        struct sd *sd;        /* the attached stream's endpoint, or NULL */
        struct stream *strm;  /* client side: the stream of the current request, or NULL */
        struct buf ibuf;      /* pool buffer; BUF_NULL while empty */
        struct buf obuf;      /* pool buffer; BUF_NULL while empty */

        /* incoming message: offsets in ibuf from its head (see the top of the file) */
        enum h1m_state in_st;
        enum http_body in_body;
        uint64_t in_left; /* HTTP_BODY_LENGTH: body bytes not decoded yet */
        struct h1_chunked in_ck;
        size_t keep;       /* bytes kept at the start (client: the request head) */
        size_t dstart;     /* first decoded byte not passed on */
        size_t dend;       /* end of the decoded bytes */
        size_t wire;       /* first raw byte not decoded */
        size_t head_len;   /* server: the response head just parsed */
        enum http_body head_body; /* server: its framing, until rcv_head_done() */
        uint64_t head_cl;
        bool head_interim;
        size_t n_trailers; /* trailer fields parsed at the end of a chunked body */

        /* outgoing message */
        enum h1m_state out_st;
        enum http_body out_body;
        uint64_t out_left;   /* HTTP_BODY_LENGTH: body bytes still to send */
        uint64_t chunk_left; /* chunked: bytes of the open chunk still to send */
        size_t out_before;   /* client: bytes of obuf before the final response head */

        enum http_meth req_meth; /* the request's method (response framing) */
        enum http_ver req_ver;   /* client: the request's version */
        bool req_close;          /* client: the request asked to close */
        uint64_t idle_start_ms;  /* client: end of the last response, or accept */

        struct loop_timer timer; /* client: http-request, keep-alive, stopping grace */
        struct loop_defer next;  /* client: a pipelined request waits in ibuf */
        struct loop_reap reap;
};

static void h1_update_want(struct h1c *h);
static size_t out_written(struct h1c *h, size_t w, size_t pend, size_t take, size_t post);
static void h1c_client_process(struct h1c *h);
static void h1c_close(struct h1c *h);

static const char *h1c_state_str(enum h1c_state s)
{
        switch (s) {
        case H1C_ST_IDLE:
                return "idle";
        case H1C_ST_HEAD:
                return "head";
        case H1C_ST_BUSY:
                return "busy";
        case H1C_ST_TUNNEL:
                return "tunnel";
        case H1C_ST_CLOSED:
                return "closed";
        case H1C_ST_COUNT:
                break;
        }
        return "?";
}

static void h1c_set_state(struct h1c *h, enum h1c_state to)
{
        /* bit N set in allowed[to] <=> moving from state N to @to is legal */
        static const uint32_t allowed[H1C_ST_COUNT] = {
                [H1C_ST_IDLE] = 1u << H1C_ST_BUSY,
                [H1C_ST_HEAD] = 1u << H1C_ST_IDLE,
                [H1C_ST_BUSY] = 1u << H1C_ST_IDLE | 1u << H1C_ST_HEAD,
                [H1C_ST_TUNNEL] = 1u << H1C_ST_BUSY,
                [H1C_ST_CLOSED] = ~0u & ~(1u << H1C_ST_CLOSED),
        };

        if (sl_unlikely(!(allowed[to] & (1u << h->state)))) {
                sl_log(LOG_CRIT, "BUG: an HTTP/1 connection moves from state %s to %s",
                       h1c_state_str(h->state), h1c_state_str(to));
                sl_bug(__FILE__, __LINE__, "an HTTP/1 connection state change that is not allowed");
        }
        h->state = to;
}

static inline struct h1c *h1c_of_sd(struct sd *sd)
{
        return sd->ms;
}

/* ---- timers (client side) ---- */

static uint64_t px_timeout(const struct cfg_proxy *px, enum cfg_timeout t)
{
        return px && (px->timeouts_set & (1u << t)) ? px->timeout_ms[t] : 0;
}

static void h1c_arm(struct h1c *h, uint64_t ms)
{
        if (ms)
                loop_timer_arm(&h->timer, ms);
        else
                loop_timer_disarm(&h->timer);
}

static void h1c_on_timer(struct loop_timer *t)
{
        struct h1c *h = sl_container_of(t, struct h1c, timer);

        if (h->state == H1C_ST_HEAD) {
                /* timeout http-request (slowloris) */
                stream_fail(h->strm, 408, 'c', 'R');
                return;
        }
        if (h->state == H1C_ST_IDLE) {
                /* keep-alive timeout between requests, or the grace of a soft stop */
                h1c_close(h);
        }
}

/* ---- buffers ---- */

/* The whole buffer is passed on and decoded, or empty: close the holes so that raw bytes
 * follow the kept ones. */
static void ibuf_close_holes(struct h1c *h)
{
        struct buf *b = &h->ibuf;
        size_t data = h->dend - h->dstart, raw = b->data - h->wire;

        if (h->dstart == h->keep && h->dend == h->wire)
                return;
        if (data && h->dstart != h->keep)
                memmove(buf_head(b) + h->keep, buf_head(b) + h->dstart, data);
        if (raw)
                memmove(buf_head(b) + h->keep + data, buf_head(b) + h->wire, raw);
        h->dstart = h->keep;
        h->dend = h->wire = h->keep + data;
        b->data = h->wire + raw;
}

static void ibuf_reset(struct h1c *h)
{
        h->keep = h->dstart = h->dend = h->wire = 0;
}

/* Read from the connection into ibuf. Returns bytes read, 0 at end of stream, -EAGAIN,
 * -ENOBUFS (full), or -errno. */
static ssize_t h1_read(struct h1c *h)
{
        ssize_t n;

        if (!worker_buf_get(h->w, &h->ibuf))
                return -ENOMEM;
        if (buf_tail_room(&h->ibuf) == 0) {
                ibuf_close_holes(h);
                buf_compact(&h->ibuf);
                if (buf_tail_room(&h->ibuf) == 0)
                        return -ENOBUFS;
        }
        n = conn_recv(h->conn, &h->ibuf);
        if (n > 0) {
                if (h->flags & H1C_F_SERVER) {
                        h->flags |= H1C_F_EVER_RCVD;
                        if (h->sd)
                                h->sd->flags |= SD_F_RCVD;
                }
                return n;
        }
        if (h->ibuf.data == 0)
                worker_buf_release(h->w, &h->ibuf);
        if (n != -EAGAIN && h->sd)
                h->sd->flags |= n == 0 ? SD_F_EOS : SD_F_EOS | SD_F_ERR;
        return n;
}

static int h1_flush_obuf(struct h1c *h, bool more)
{
        struct iovec iov;
        ssize_t w;

        if (buf_is_null(&h->obuf) || h->obuf.data == 0) {
                worker_buf_release(h->w, &h->obuf);
                return 0;
        }
        iov = (struct iovec){buf_head(&h->obuf), h->obuf.data};
        w = conn_sendv(h->conn, &iov, 1, more);
        if (w < 0 && w != -EAGAIN)
                return (int)w;
        (void)out_written(h, w < 0 ? 0 : (size_t)w, h->obuf.data, 0, 0);
        if (h->obuf.data) {
                h->flags |= H1C_F_WANT_SND;
                return -EAGAIN;
        }
        worker_buf_release(h->w, &h->obuf);
        return 0;
}

/* ---- the incoming message ---- */

static void in_start_body(struct h1c *h, enum http_body body, uint64_t len)
{
        h->in_body = body;
        h->in_left = body == HTTP_BODY_LENGTH ? len : 0;
        h->n_trailers = 0;
        h->flags &= ~(uint32_t)H1C_F_IN_EOM;
        if (body == HTTP_BODY_CHUNKED)
                h1_chunked_init(&h->in_ck, &h1_chunk_limits);
        h->in_st = body == HTTP_BODY_NONE || (body == HTTP_BODY_LENGTH && len == 0)
                           ? H1M_ST_DONE
                           : H1M_ST_BODY;
}

/* Is the incoming body complete (decoded to its end)? */
static bool in_complete(const struct h1c *h)
{
        switch (h->in_body) {
        case HTTP_BODY_NONE:
                return true;
        case HTTP_BODY_LENGTH:
                return h->in_left == 0;
        case HTTP_BODY_CHUNKED:
                return h1_chunked_done(&h->in_ck);
        case HTTP_BODY_UNTIL_CLOSE:
                return (h->conn->flags & CONN_F_RD_EOF) && h->wire == h->ibuf.data;
        case HTTP_BODY_TUNNEL:
        case HTTP_BODY_COUNT:
                break;
        }
        return false;
}

/* Decode the raw bytes after @wire as far as the framing allows. 0 or a negative errno. */
static int in_decode(struct h1c *h, struct http_hdr *trailers, size_t max_trailers)
{
        struct buf *b = &h->ibuf;
        char *base = buf_is_null(b) ? NULL : buf_head(b);
        size_t raw = b->data - h->wire, n;

        switch (h->in_body) {
        case HTTP_BODY_NONE:
                return 0;
        case HTTP_BODY_LENGTH:
                n = (size_t)SL_MIN((uint64_t)raw, h->in_left);
                h->in_left -= n;
                h->dend += n;
                h->wire += n;
                return 0;
        case HTTP_BODY_UNTIL_CLOSE:
        case HTTP_BODY_TUNNEL:
                h->dend += raw;
                h->wire += raw;
                return 0;
        case HTTP_BODY_CHUNKED:
                while (raw && !h1_chunked_done(&h->in_ck)) {
                        struct sl_str data;
                        int r = h1_chunked_parse(&h->in_ck, base + h->wire, raw, &data);

                        if (r == -EAGAIN)
                                break;
                        if (r < 0)
                                return r;
                        if (data.len) {
                                if (data.ptr != base + h->dend)
                                        memmove(base + h->dend, data.ptr, data.len);
                                h->dend += data.len;
                        }
                        h->wire += (size_t)r;
                        raw -= (size_t)r;
                }
                if (h1_chunked_done(&h->in_ck) && !h->n_trailers && trailers) {
                        size_t tl = h1_chunked_trailer_len(&h->in_ck), nt = 0;
                        int r = h1_parse_trailers(base + h->wire - tl, tl, trailers,
                                                  max_trailers, &nt);

                        if (r < 0)
                                return r;
                        h->n_trailers = nt;
                }
                return 0;
        case HTTP_BODY_COUNT:
                break;
        }
        return 0;
}

static int h1_rcv_data(struct sd *sd, struct sd_data *d)
{
        struct h1c *h = h1c_of_sd(sd);
        int r;

        d->p = NULL;
        d->len = 0;
        d->flags = 0;
        d->n_trailers = 0;
        if (h->in_st == H1M_ST_HEAD)
                return 0;
        for (;;) {
                if (h->in_st == H1M_ST_BODY) {
                        r = in_decode(h, d->trailers, d->max_trailers);
                        if (r < 0)
                                return r;
                }
                if (h->dend > h->dstart || in_complete(h))
                        break;
                if (h->conn->flags & CONN_F_RD_EOF) {
                        if (h->in_body == HTTP_BODY_TUNNEL)
                                break;
                        return h->conn->flags & CONN_F_ERROR ? -ECONNRESET : -EPIPE;
                }
                r = (int)h1_read(h);
                if (r == -EAGAIN || r == -ENOBUFS || r == -ENOMEM) {
                        h->flags |= H1C_F_WANT_RCV;
                        h1_update_want(h);
                        break;
                }
                if (r < 0 && r != -ENOBUFS && h->in_body != HTTP_BODY_TUNNEL &&
                    h->in_body != HTTP_BODY_UNTIL_CLOSE)
                        return -ECONNRESET;
        }
        if (h->dend > h->dstart) {
                d->p = buf_head(&h->ibuf) + h->dstart;
                d->len = h->dend - h->dstart;
        }
        if (h->in_st != H1M_ST_DONE && in_complete(h)) {
                d->flags |= SD_DATA_EOM;
                d->n_trailers = h->n_trailers;
        } else if (h->in_st == H1M_ST_DONE && !(h->flags & H1C_F_IN_EOM)) {
                d->flags |= SD_DATA_EOM;
        } else if (h->in_body == HTTP_BODY_LENGTH && h->in_left <= H1_MORE_SOON_MAX) {
                d->flags |= SD_DATA_MORE;
        }
        return 0;
}

static void h1_rcv_consume(struct sd *sd, size_t n)
{
        struct h1c *h = h1c_of_sd(sd);

        SL_BUG_ON(n > h->dend - h->dstart);
        h->dstart += n;
        if (h->dstart != h->dend)
                return;
        if (h->in_st == H1M_ST_BODY && in_complete(h)) {
                h->in_st = H1M_ST_DONE;
                h->flags |= H1C_F_IN_EOM;
        } else if (h->in_st == H1M_ST_DONE) {
                h->flags |= H1C_F_IN_EOM;
        }
        ibuf_close_holes(h);
        if (h->ibuf.data == 0) {
                ibuf_reset(h);
                worker_buf_release(h->w, &h->ibuf);
        }
}

/* ---- the outgoing message ---- */

static int h1_emit_into_obuf(struct h1c *h, const struct http_msg *m, unsigned eflags)
{
        int n;

        if (!worker_buf_get(h->w, &h->obuf))
                return -ENOMEM;
        buf_compact(&h->obuf);
        if (h->flags & H1C_F_SERVER)
                n = h1_emit_request(buf_tail(&h->obuf), buf_tail_room(&h->obuf), m, eflags);
        else
                n = h1_emit_response(buf_tail(&h->obuf), buf_tail_room(&h->obuf), m, eflags);
        if (n < 0) {
                worker_buf_release(h->w, &h->obuf);
                return n;
        }
        buf_commit(&h->obuf, (size_t)n);
        return n;
}

static void out_start_body(struct h1c *h, enum http_body body, uint64_t len)
{
        h->out_body = body;
        h->out_left = body == HTTP_BODY_LENGTH ? len : 0;
        h->chunk_left = 0;
        h->out_st = H1M_ST_BODY;
        h->flags &= ~(uint32_t)H1C_F_OUT_EOM;
}

/* client side: the response head */
static int h1_snd_head_client(struct h1c *h, const struct http_msg *m, unsigned flags)
{
        bool tunnel = m->body == HTTP_BODY_TUNNEL, close;
        unsigned eflags = 0;
        int n;

        if (m->flags & HTTP_MSG_F_INTERIM) {
                /* never to an HTTP/1.0 client (RFC 9110 15.2) */
                if (h->req_ver == HTTP_VER_1_0)
                        return 0;
                return h1_emit_into_obuf(h, m, 0);
        }
        if (flags & SD_HEAD_REPLACE) {
                if (h->sd->flags & SD_F_SENT)
                        return -EALREADY;
                if (h->flags & H1C_F_OUT_FINAL) {
                        /* what was queued of the replaced response goes */
                        h->obuf.data = h->out_before;
                        h->flags &= ~(uint32_t)H1C_F_OUT_FINAL;
                }
        }
        close = h->req_close || (m->flags & HTTP_MSG_F_CLOSE) || (h->flags & H1C_F_STOPPING) ||
                h->w->stopping || m->body == HTTP_BODY_UNTIL_CLOSE;
        if (tunnel && m->status == 101)
                eflags = H1_EMIT_CONN_UPGRADE;
        else if (close && !tunnel)
                eflags = H1_EMIT_CONN_CLOSE;
        else if (h->req_ver == HTTP_VER_1_0)
                eflags = H1_EMIT_CONN_KEEPALIVE;
        if (close && !tunnel) {
                h->flags |= H1C_F_CLOSE;
                /* a reply closing the connection does not read the rest of the request */
                if (m->flags & HTTP_MSG_F_CLOSE)
                        h->flags |= H1C_F_NO_READ;
        }
        h->out_before = buf_is_null(&h->obuf) ? 0 : h->obuf.data;
        n = h1_emit_into_obuf(h, m, eflags);
        if (n < 0)
                return n;
        h->flags |= H1C_F_OUT_FINAL;
        out_start_body(h, m->body, m->content_length);
        return n;
}

/* server side: the request head */
static int h1_snd_head_server(struct h1c *h, const struct http_msg *m, unsigned flags)
{
        unsigned eflags = 0;
        int n;

        if (m->flags & HTTP_MSG_F_UPGRADE)
                eflags = H1_EMIT_CONN_UPGRADE;
        else if (flags & SD_HEAD_CLOSE)
                eflags = H1_EMIT_CONN_CLOSE;
        else if (m->version == HTTP_VER_1_0)
                eflags = H1_EMIT_CONN_KEEPALIVE;
        if (flags & SD_HEAD_CLOSE)
                h->flags |= H1C_F_CLOSE;
        n = h1_emit_into_obuf(h, m, eflags);
        if (n < 0)
                return n;
        h->req_meth = m->meth;
        out_start_body(h, m->body, m->content_length);
        return n;
}

static int h1_snd_head(struct sd *sd, const struct http_msg *m, unsigned flags)
{
        struct h1c *h = h1c_of_sd(sd);

        if (h->flags & H1C_F_SERVER)
                return h1_snd_head_server(h, m, flags);
        return h1_snd_head_client(h, m, flags);
}

/* Room at obuf's tail for @n more bytes (compacting if needed); false when it cannot. */
static bool obuf_room(struct h1c *h, size_t n)
{
        if (!worker_buf_get(h->w, &h->obuf))
                return false;
        if (buf_tail_room(&h->obuf) < n)
                buf_compact(&h->obuf);
        return buf_tail_room(&h->obuf) >= n;
}

/* Account for @w bytes written of [obuf's @pend bytes][@take data bytes][obuf's @post
 * bytes]: obuf keeps what was not written, except post bytes, which are dropped unless all
 * the data went. Returns the data bytes written. */
static size_t out_written(struct h1c *h, size_t w, size_t pend, size_t take, size_t post)
{
        struct buf *ob = &h->obuf;
        size_t data;

        if (w < pend + take) {
                ob->data -= post;
                data = w > pend ? w - pend : 0;
                w = SL_MIN(w, pend);
        } else {
                data = take;
                w -= take;
        }
        if (w)
                buf_consume(ob, w);
        if (h->sd && !(h->flags & H1C_F_SERVER) && (h->flags & H1C_F_OUT_FINAL)) {
                /* the final response head starts after @out_before bytes */
                if (w > h->out_before || data)
                        h->sd->flags |= SD_F_SENT;
                h->out_before -= SL_MIN(w, h->out_before);
        } else if (h->sd && (w || data)) {
                h->sd->flags |= SD_F_SENT;
        }
        return data;
}

static ssize_t h1_snd_data(struct sd *sd, const struct sd_data *d)
{
        struct h1c *h = h1c_of_sd(sd);
        struct buf *ob = &h->obuf;
        bool chunked = h->out_body == HTTP_BODY_CHUNKED, eom;
        size_t take = d->len, pend, post = 0, sent;
        struct iovec iov[3];
        int k = 0;
        ssize_t w;

        if (h->out_st == H1M_ST_DONE)
                return (ssize_t)d->len;
        if (h->out_body == HTTP_BODY_NONE)
                take = 0; /* a message without a body: such bytes are not sent */
        else if (h->out_body == HTTP_BODY_LENGTH)
                take = (size_t)SL_MIN((uint64_t)take, h->out_left);
        if (chunked && take) {
                if (h->chunk_left == 0) {
                        int n;

                        if (!obuf_room(h, 24))
                                return -ENOBUFS;
                        n = h1_emit_chunk_size(buf_tail(ob), buf_tail_room(ob), take);
                        buf_commit(ob, (size_t)n);
                        h->chunk_left = take;
                }
                take = (size_t)SL_MIN((uint64_t)take, h->chunk_left);
        }
        eom = (d->flags & SD_DATA_EOM) && (take == d->len || h->out_body == HTTP_BODY_NONE);
        pend = buf_is_null(ob) ? 0 : ob->data;
        /* after the data: the chunk's CRLF, and the end of a chunked body */
        if (chunked && take && take == h->chunk_left) {
                if (!obuf_room(h, 2))
                        return -ENOBUFS;
                memcpy(buf_tail(ob), "\r\n", 2);
                buf_commit(ob, 2);
                post += 2;
        }
        if (chunked && eom) {
                int n = -ENOBUFS;

                if (obuf_room(h, 5))
                        n = h1_emit_chunked_end(buf_tail(ob), buf_tail_room(ob), d->trailers,
                                                d->n_trailers);
                if (n < 0) {
                        ob->data -= post;
                        return -ENOBUFS;
                }
                buf_commit(ob, (size_t)n);
                post += (size_t)n;
        }
        if (pend)
                iov[k++] = (struct iovec){buf_head(ob), pend};
        if (take)
                iov[k++] = (struct iovec){(void *)d->p, take};
        if (post)
                iov[k++] = (struct iovec){buf_head(ob) + pend, post};
        if (k == 0) {
                sent = 0;
        } else {
                w = conn_sendv(h->conn, iov, k, (d->flags & SD_DATA_MORE) != 0);
                if (w < 0 && w != -EAGAIN) {
                        ob->data -= post;
                        return w;
                }
                sent = out_written(h, w < 0 ? 0 : (size_t)w, pend, take, post);
        }
        if (h->out_body == HTTP_BODY_LENGTH)
                h->out_left -= sent;
        else if (chunked)
                h->chunk_left -= sent;
        if (!buf_is_null(ob) && ob->data == 0)
                worker_buf_release(h->w, ob);
        if (eom && sent == take) {
                h->flags |= H1C_F_OUT_EOM;
                h->out_st = H1M_ST_DONE;
        }
        if (sent < take || (!buf_is_null(ob) && ob->data)) {
                h->flags |= H1C_F_WANT_SND;
                h1_update_want(h);
        }
        return h->out_body == HTTP_BODY_NONE ? (ssize_t)d->len : (ssize_t)sent;
}

static int h1_flush(struct sd *sd)
{
        struct h1c *h = h1c_of_sd(sd);
        int r = h1_flush_obuf(h, false);

        if (r == -EAGAIN)
                h1_update_want(h);
        return r;
}

/* ---- server side: the response head ---- */

static const struct h1_limits *h1_limits(const struct h1c *h)
{
        static struct h1_limits lim;

        /* a head must leave room for the rewritten copy in a buffer of the same size */
        lim.max_head_size = h->w->bufs.size - h->w->bufs.size / 8;
        lim.max_line_size = h->w->bufs.size / 2;
        return &lim;
}

static int h1_rcv_head(struct sd *sd, struct http_msg *m)
{
        struct h1c *h = h1c_of_sd(sd);
        struct h1_response res;
        struct h1_framing fr;
        int r;

        for (;;) {
                if (!buf_is_null(&h->ibuf) && h->ibuf.data) {
                        r = h1_parse_response(buf_head(&h->ibuf), h->ibuf.data, h1_limits(h),
                                              m->hdrs, STRM_MAX_HEADERS, &res);
                        if (r > 0)
                                break;
                        if (r != -EAGAIN)
                                return -EBADMSG;
                        if (buf_room(&h->ibuf) == 0 || (h->conn->flags & CONN_F_RD_EOF))
                                return -EBADMSG;
                } else if (h->conn->flags & CONN_F_RD_EOF) {
                        /* closed or reset before any byte of the response */
                        return -EPIPE;
                }
                r = (int)h1_read(h);
                if (r == -EAGAIN || r == -ENOMEM) {
                        h->flags |= H1C_F_WANT_RCV;
                        h1_update_want(h);
                        return 0;
                }
        }
        if (h1_analyze_response(&res, h->req_meth, &fr) < 0)
                return -EBADMSG;
        *m = (struct http_msg){
                .status = res.status,
                .reason = res.reason,
                .version = res.version,
                .hdrs = m->hdrs,
                .n_hdrs = res.n_headers,
                .max_hdrs = m->max_hdrs,
                .body = fr.body,
                .content_length = fr.content_length,
        };
        if (res.status < 200 && res.status != 101)
                m->flags |= HTTP_MSG_F_INTERIM;
        if (res.status == 101)
                m->flags |= HTTP_MSG_F_UPGRADE;
        if (fr.body == HTTP_BODY_UNTIL_CLOSE || (fr.conn & H1_CONN_CLOSE) ||
            (res.version == HTTP_VER_1_0 && !(fr.conn & H1_CONN_KEEP_ALIVE))) {
                m->flags |= HTTP_MSG_F_CLOSE;
                h->flags |= H1C_F_CLOSE;
        }
        h->head_len = (size_t)r;
        h->head_body = fr.body;
        h->head_cl = fr.content_length;
        h->head_interim = (m->flags & HTTP_MSG_F_INTERIM) != 0;
        return r;
}

static void h1_rcv_head_done(struct sd *sd)
{
        struct h1c *h = h1c_of_sd(sd);

        buf_consume(&h->ibuf, h->head_len);
        h->head_len = 0;
        ibuf_reset(h);
        if (h->head_interim)
                h->in_st = H1M_ST_HEAD;
        else
                in_start_body(h, h->head_body, h->head_cl);
        if (h->ibuf.data == 0)
                worker_buf_release(h->w, &h->ibuf);
}

/* ---- tunnels ---- */

static void h1_tunnel(struct sd *sd)
{
        struct h1c *h = h1c_of_sd(sd);

        h1c_set_state(h, H1C_ST_TUNNEL);
        /* what was read after the head belongs to the tunnel */
        h->in_st = H1M_ST_BODY;
        h->in_body = HTTP_BODY_TUNNEL;
        h->out_st = H1M_ST_BODY;
        h->out_body = HTTP_BODY_TUNNEL;
        if (!(h->flags & H1C_F_SERVER)) {
                /* the request head is no longer needed */
                if (h->keep) {
                        memmove(buf_head(&h->ibuf), buf_head(&h->ibuf) + h->keep,
                                h->ibuf.data - h->keep);
                        h->ibuf.data -= h->keep;
                        h->dstart -= h->keep;
                        h->dend -= h->keep;
                        h->wire -= h->keep;
                        h->keep = 0;
                }
                loop_timer_disarm(&h->timer);
        }
        h->flags &= ~(uint32_t)(H1C_F_NO_READ | H1C_F_CLOSE);
        h1_update_want(h);
}

static void h1_shutw(struct sd *sd)
{
        struct h1c *h = h1c_of_sd(sd);

        conn_shutw(h->conn);
}

/* ---- interest ---- */

static void h1_update_want(struct h1c *h)
{
        uint32_t want = 0;
        bool eof = h->conn->flags & (CONN_F_RD_EOF | CONN_F_ERROR);

        if (h->state == H1C_ST_CLOSED)
                return;
        switch (h->state) {
        case H1C_ST_IDLE:
                /* client: the next request; server: the server closing it while idle */
                if (!eof && (h->flags & H1C_F_SERVER || !(h->flags & H1C_F_NO_READ)))
                        want |= CONN_WANT_RD;
                break;
        case H1C_ST_HEAD:
                if (!eof)
                        want |= CONN_WANT_RD;
                break;
        case H1C_ST_BUSY:
        case H1C_ST_TUNNEL:
                if (!eof && (h->flags & H1C_F_WANT_RCV))
                        want |= CONN_WANT_RD;
                break;
        case H1C_ST_CLOSED:
        case H1C_ST_COUNT:
                break;
        }
        if ((!buf_is_null(&h->obuf) && h->obuf.data) || (h->flags & H1C_F_WANT_SND))
                want |= CONN_WANT_WR;
        if (h->conn->state == CONN_ST_CONNECTING)
                want = CONN_WANT_WR;
        conn_want(h->conn, want);
}

/* ---- the connection ---- */

static void h1c_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct h1c, reap));
}

static void h1_release(struct conn *c)
{
        struct h1c *h = c->mux_ctx;

        if (!h || h->state == H1C_ST_CLOSED)
                return;
        h1c_set_state(h, H1C_ST_CLOSED);
        loop_timer_deinit(&h->timer);
        loop_defer_cancel(&h->next);
        worker_buf_drop(h->w, &h->ibuf);
        worker_buf_drop(h->w, &h->obuf);
        h->sd = NULL;
        h->strm = NULL;
        loop_reap(h->w->loop, &h->reap);
}

/* Close the connection, and end its session (client) or leave the pool (server). */
static void h1c_close(struct h1c *h)
{
        if (h->state == H1C_ST_CLOSED)
                return;
        if (h->flags & H1C_F_SERVER)
                srv_conn_close(srv_conn_of(h->conn));
        else
                sess_close(h->sess);
}

static void h1c_on_next(struct loop_defer *d)
{
        h1c_client_process(sl_container_of(d, struct h1c, next));
}

static int h1_init(struct conn *c, struct worker *w, struct sess *sess)
{
        struct h1c *h = calloc(1, sizeof(*h));

        if (!h)
                return -ENOMEM;
        h->conn = c;
        h->w = w;
        h->sess = sess;
        h->state = H1C_ST_IDLE;
        loop_reap_init(&h->reap, h1c_on_reap);
        if (!sess)
                h->flags |= H1C_F_SERVER;
        if (loop_timer_init(w->loop, &h->timer, h1c_on_timer) < 0) {
                free(h);
                return -ENOMEM;
        }
        loop_defer_init(w->loop, &h->next, h1c_on_next);
        c->mux = &mux_h1_ops;
        c->mux_ctx = h;
        if (sess) {
                const struct cfg_proxy *fe = sess->fe;

                h->idle_start_ms = loop_now(w->loop);
                h1c_arm(h, px_timeout(fe, CFG_TO_HTTP_REQUEST) ?: px_timeout(fe, CFG_TO_CLIENT));
                /* the request is often there already */
                h1c_client_process(h);
                return 0;
        }
        h1_update_want(h);
        return 0;
}

/* The request head is at the start of ibuf: fill the stream's request from it. Returns 0,
 * or a negative result of the parser or analysis. */
static int h1_fill_request(struct h1c *h, const struct h1_request *req, size_t head_len)
{
        struct stream *st = h->strm;
        struct http_msg *m = &st->req;
        struct h1_framing fr;
        struct sl_str tg = req->target;
        const char *p = tg.ptr, *end = tg.ptr + tg.len, *q;
        int r;

        r = h1_analyze_request(req, &fr);
        if (r < 0)
                return r;
        m->meth = req->method;
        m->method = req->method_name;
        m->target = req->target;
        m->version = req->version;
        m->n_hdrs = req->n_headers;
        m->body = fr.body;
        m->content_length = fr.content_length;
        m->authority = fr.host;
        /* the path and query of an origin-form or absolute-form target */
        m->path = SL_STR_NULL;
        m->query = SL_STR_NULL;
        if (req->target_form == H1_TARGET_ABSOLUTE || req->target_form == H1_TARGET_ORIGIN) {
                if (req->target_form == H1_TARGET_ABSOLUTE) {
                        const char *sep = memchr(p, ':', tg.len);

                        /* scheme "://" authority, then the path */
                        p = sep ? sep + 3 : end;
                        while (p < end && *p != '/' && *p != '?')
                                p++;
                }
                q = memchr(p, '?', (size_t)(end - p));
                m->path = sl_str_make(p, (size_t)((q ? q : end) - p));
                if (q)
                        m->query = sl_str_make(q + 1, (size_t)(end - q - 1));
        }
        m->flags = 0;
        h->req_close = req->version == HTTP_VER_1_0
                               ? !(fr.conn & H1_CONN_KEEP_ALIVE) || (fr.conn & H1_CONN_CLOSE)
                               : (fr.conn & H1_CONN_CLOSE) != 0;
        if (h->req_close)
                m->flags |= HTTP_MSG_F_CLOSE;
        else if (req->version == HTTP_VER_1_0)
                m->flags |= HTTP_MSG_F_KEEPALIVE;
        /* RFC 9113 3.1 retired the h2c upgrade: never offered to a server, whose 101 would
         * give the client a tunnel past every rule (recent HAProxy versions strip it too) */
        for (size_t i = 0; i < m->n_hdrs; i++) {
                struct http_hdr *f = &m->hdrs[i];

                if (sl_str_ieq(f->name, SL_STR_LIT("http2-settings"))) {
                        http_hdr_del(m, i--);
                } else if (sl_str_ieq(f->name, SL_STR_LIT("upgrade"))) {
                        struct sl_str rest = f->value, e;
                        char *out = (char *)f->value.ptr;
                        size_t len = 0;

                        /* the other protocols stay, rewritten in place (never longer) */
                        while (h1_list_next(&rest, &e)) {
                                if (e.len == 0 || sl_str_ieq(e, SL_STR_LIT("h2c")))
                                        continue;
                                if (len) {
                                        memmove(out + len, ", ", 2);
                                        len += 2;
                                }
                                memmove(out + len, e.ptr, e.len);
                                len += e.len;
                        }
                        if (len == 0)
                                http_hdr_del(m, i--);
                        else
                                f->value.len = len;
                }
        }
        if ((fr.conn & H1_CONN_UPGRADE) && http_hdr_find(m, 0, SL_STR_LIT("upgrade")) >= 0)
                m->flags |= HTTP_MSG_F_UPGRADE;
        st->req_head_len = head_len;
        h->req_meth = req->method;
        h->req_ver = req->version;
        return 0;
}

/* Client side, no stream running: read and parse the next request head, make and start its
 * stream. */
static void h1c_client_process(struct h1c *h)
{
        const struct cfg_proxy *fe = h->sess->fe;
        struct h1_request req;
        ssize_t n;
        int r;

        loop_defer_cancel(&h->next);
        while (h->state == H1C_ST_IDLE || h->state == H1C_ST_HEAD) {
                if (h->state == H1C_ST_IDLE && (buf_is_null(&h->ibuf) || h->ibuf.data == 0)) {
                        n = (h->conn->flags & CONN_F_RD_EOF) ? 0 : h1_read(h);
                        if (n == -EAGAIN || n == -ENOMEM)
                                break;
                        if (n <= 0) {
                                /* closed between requests: nothing to log */
                                h1c_close(h);
                                return;
                        }
                }
                if (h->state == H1C_ST_IDLE) {
                        h->strm = stream_new(h->sess, &mux_h1_ops, h,
                                             (h->flags & H1C_F_NOT_FIRST) != 0);
                        if (!h->strm) {
                                h1c_close(h);
                                return;
                        }
                        h->strm->idle_start_ms = h->idle_start_ms;
                        h->sd = &h->strm->cli;
                        h1c_set_state(h, H1C_ST_HEAD);
                        h1c_arm(h, px_timeout(fe, CFG_TO_HTTP_REQUEST)
                                           ?: px_timeout(fe, CFG_TO_CLIENT));
                }
                r = h1_parse_request(buf_head(&h->ibuf), h->ibuf.data, h1_limits(h),
                                     h->strm->req.hdrs, STRM_MAX_HEADERS, &req);
                if (r == -EAGAIN) {
                        if (h->ibuf.data >= h1_limits(h)->max_head_size) {
                                r = H1_E_TOO_LARGE;
                        } else if (h->conn->flags & CONN_F_RD_EOF) {
                                h->strm->bytes_in = h->ibuf.data;
                                h->flags |= H1C_F_CLOSE | H1C_F_NO_READ;
                                stream_fail(h->strm, 400, 'C', 'R');
                                return;
                        } else {
                                n = h1_read(h);
                                if (n == -EAGAIN || n == -ENOMEM || n == -ENOBUFS)
                                        break;
                                continue; /* more bytes, or the end of the stream */
                        }
                }
                if (r >= 0)
                        r = h1_fill_request(h, &req, (size_t)r) ?: r;
                if (r < 0) {
                        h->strm->bytes_in = h->ibuf.data;
                        h->flags |= H1C_F_CLOSE | H1C_F_NO_READ;
                        stream_fail(h->strm, (unsigned)http_error_status(r), 'P', 'R');
                        return;
                }
                /* the head stays at the start of ibuf until the stream ends */
                h->keep = h->dstart = h->dend = h->wire = (size_t)r;
                in_start_body(h, h->strm->req.body, h->strm->req.content_length);
                h->out_st = H1M_ST_HEAD;
                h->flags &= ~(uint32_t)(H1C_F_OUT_FINAL | H1C_F_OUT_EOM | H1C_F_WANT_RCV |
                                        H1C_F_WANT_SND | H1C_F_IN_EOM);
                h1c_set_state(h, H1C_ST_BUSY);
                loop_timer_disarm(&h->timer);
                stream_start(h->strm);
                return;
        }
        if (h->state != H1C_ST_CLOSED)
                h1_update_want(h);
}

/* The stream is done with the client side. */
static void h1_detach_client(struct h1c *h, bool ok)
{
        const struct cfg_proxy *fe = h->sess->fe;
        bool stopping = (h->flags & H1C_F_STOPPING) || h->w->stopping;

        h->sd = NULL;
        h->strm = NULL;
        if (h->state == H1C_ST_CLOSED)
                return;
        if (!ok || (h->flags & H1C_F_CLOSE) || h->state == H1C_ST_TUNNEL ||
            h->in_st != H1M_ST_DONE || (!buf_is_null(&h->obuf) && h->obuf.data)) {
                /* closing is expected: the response said so, or the request body was not read
                 * to its end (the next byte is not a request start) */
                h1c_close(h);
                return;
        }
        /* the next request (pipelined, maybe) starts after this one */
        if (!buf_is_null(&h->ibuf)) {
                buf_consume(&h->ibuf, h->wire);
                if (h->ibuf.data == 0)
                        worker_buf_release(h->w, &h->ibuf);
        }
        ibuf_reset(h);
        worker_buf_release(h->w, &h->obuf);
        h1c_set_state(h, H1C_ST_IDLE);
        h->flags |= H1C_F_NOT_FIRST;
        h->flags &= ~(uint32_t)(H1C_F_WANT_RCV | H1C_F_WANT_SND | H1C_F_OUT_FINAL |
                                H1C_F_IN_EOM | H1C_F_OUT_EOM);
        h->in_st = h->out_st = H1M_ST_HEAD;
        h->idle_start_ms = loop_now(h->w->loop);
        if (stopping) {
                /* The worker began stopping after this response's head promised keep-alive:
                 * the client may be sending its next request already, and closing now would
                 * lose it. It gets H1_STOP_GRACE_MS to arrive, then is answered with
                 * Connection: close; otherwise the connection closes then. */
                h1c_arm(h, H1_STOP_GRACE_MS);
        } else {
                h1c_arm(h, px_timeout(fe, CFG_TO_HTTP_KEEP_ALIVE)
                                   ?: px_timeout(fe, CFG_TO_HTTP_REQUEST)
                                   ?: px_timeout(fe, CFG_TO_CLIENT));
        }
        if (!buf_is_null(&h->ibuf) && h->ibuf.data) {
                /* a pipelined request: parsed once this stream has unwound */
                loop_defer_queue(&h->next);
                return;
        }
        /* a client that half-closed after pipelined requests still got every answer */
        if (h->conn->flags & CONN_F_RD_EOF) {
                h1c_close(h);
                return;
        }
        h1_update_want(h);
}

/* The stream is done with the server side. */
static void h1_detach_server(struct h1c *h, bool ok)
{
        bool reuse = ok && !(h->flags & H1C_F_CLOSE) && h->in_st == H1M_ST_DONE &&
                     h->out_st == H1M_ST_DONE && h->state == H1C_ST_BUSY &&
                     (buf_is_null(&h->ibuf) || h->ibuf.data == h->wire) &&
                     (buf_is_null(&h->obuf) || h->obuf.data == 0) &&
                     !(h->conn->flags & (CONN_F_RD_EOF | CONN_F_ERROR));

        h->sd = NULL;
        if (h->state == H1C_ST_CLOSED)
                return;
        if (!reuse) {
                /* bytes past the end of a response: the server is out of step, never reuse */
                h1c_close(h);
                return;
        }
        worker_buf_drop(h->w, &h->ibuf);
        worker_buf_drop(h->w, &h->obuf);
        ibuf_reset(h);
        h1c_set_state(h, H1C_ST_IDLE);
        h->flags &= ~(uint32_t)(H1C_F_WANT_RCV | H1C_F_WANT_SND | H1C_F_IN_EOM | H1C_F_OUT_EOM);
        h->in_st = h->out_st = H1M_ST_HEAD;
        h1_update_want(h);
        srv_conn_release(srv_conn_of(h->conn));
}

static void h1_detach(struct sd *sd, bool ok)
{
        struct h1c *h = h1c_of_sd(sd);

        if (h->flags & H1C_F_SERVER)
                h1_detach_server(h, ok);
        else
                h1_detach_client(h, ok);
}

static int h1_attach(struct conn *c, struct sd *sd)
{
        struct h1c *h = c->mux_ctx;

        if (h->state != H1C_ST_IDLE)
                return -EBUSY;
        if (h->flags & H1C_F_NOT_FIRST)
                sd->flags |= SD_F_REUSED;
        if (c->state == CONN_ST_READY)
                sd->flags |= SD_F_CONNECTED;
        sd->ops = &mux_h1_ops;
        sd->ms = h;
        h->sd = sd;
        h->flags |= H1C_F_NOT_FIRST;
        h->in_st = h->out_st = H1M_ST_HEAD;
        h1c_set_state(h, H1C_ST_BUSY);
        h1_update_want(h);
        return 0;
}

static void h1_wake_server(struct h1c *h)
{
        struct conn *c = h->conn;

        if (c->state == CONN_ST_CONNECTING) {
                int r = conn_connect_result(c);

                if (r == -EAGAIN)
                        return;
                if (!h->sd) {
                        h1c_close(h);
                        return;
                }
                h->sd->flags |= r < 0 ? SD_F_CONN_ERR : SD_F_CONNECTED;
                h1_update_want(h);
                stream_wake(h->sd->strm);
                return;
        }
        if (!h->sd) {
                /* idle: the server closed it, or sent what no request asked for */
                h1c_close(h);
                return;
        }
        if ((c->flags & CONN_F_WR) && !buf_is_null(&h->obuf) && h->obuf.data) {
                int r = h1_flush_obuf(h, false);

                if (r < 0 && r != -EAGAIN)
                        h->sd->flags |= SD_F_ERR;
        }
        h->flags &= ~(uint32_t)(H1C_F_WANT_RCV | H1C_F_WANT_SND);
        stream_wake(h->sd->strm);
        if (h->state != H1C_ST_CLOSED)
                h1_update_want(h);
}

static void h1_wake_client(struct h1c *h)
{
        if (h->state == H1C_ST_IDLE || h->state == H1C_ST_HEAD) {
                h1c_client_process(h);
                return;
        }
        if (!h->sd)
                return;
        if ((h->conn->flags & CONN_F_WR) && !buf_is_null(&h->obuf) && h->obuf.data) {
                int r = h1_flush_obuf(h, false);

                if (r < 0 && r != -EAGAIN)
                        h->sd->flags |= SD_F_ERR;
        }
        h->flags &= ~(uint32_t)(H1C_F_WANT_RCV | H1C_F_WANT_SND);
        stream_wake(h->sd->strm);
        if (h->state != H1C_ST_CLOSED)
                h1_update_want(h);
}

static void h1_wake(struct conn *c)
{
        struct h1c *h = c->mux_ctx;

        if (h->state == H1C_ST_CLOSED)
                return;
        if (h->flags & H1C_F_SERVER)
                h1_wake_server(h);
        else
                h1_wake_client(h);
}

static void h1_stop(struct conn *c, bool graceful)
{
        struct h1c *h = c->mux_ctx;
        uint64_t now = loop_now(h->w->loop);

        if (!graceful) {
                if (h->strm)
                        stream_kill(h->strm, 'K');
                h1c_close(h);
                return;
        }
        h->flags |= H1C_F_STOPPING;
        if (h->state != H1C_ST_IDLE || (!buf_is_null(&h->ibuf) && h->ibuf.data) ||
            !(h->flags & H1C_F_NOT_FIRST))
                return; /* busy, or just accepted: answered, then closed */
        /* An idle keep-alive connection closes now. One that finished a response less than
         * H1_STOP_GRACE_MS ago is most likely about to carry the client's next request, and
         * closing it under that request would lose it (HTTP/1.1 clients need not retry): it
         * gets that long to send one, answered with Connection: close. Has the client sent
         * bytes not read yet? Then its request is answered rather than lost. */
        if (conn_waiting(c) == 0 && now - h->idle_start_ms >= H1_STOP_GRACE_MS) {
                h1c_close(h);
                return;
        }
        h1c_arm(h, H1_STOP_GRACE_MS);
}

const struct mux_ops mux_h1_ops = {
        .name = "h1",
        .init = h1_init,
        .wake = h1_wake,
        .stop = h1_stop,
        .release = h1_release,
        .attach = h1_attach,
        .rcv_head = h1_rcv_head,
        .rcv_head_done = h1_rcv_head_done,
        .rcv_data = h1_rcv_data,
        .rcv_consume = h1_rcv_consume,
        .snd_head = h1_snd_head,
        .snd_data = h1_snd_data,
        .flush = h1_flush,
        .tunnel = h1_tunnel,
        .shutw = h1_shutw,
        .detach = h1_detach,
};
