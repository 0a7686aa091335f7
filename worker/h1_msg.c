/* Receiving and sending HTTP/1 messages on a connection of the HTTP/1 mux (h1_msg.h).
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
 * chunk framing (and trailers) around them when the message is chunked. */
#include "h1_msg.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "conn.h"
#include "http1_emit.h"
#include "log.h"
#include "macros.h"
#include "model.h"
#include "stream-t.h"
#include "wctx.h"
#include "werrors.h"

/* a length-delimited body whose rest is at most this long is due in one more read */
#define H1_MORE_SOON_MAX 4096

/* Chunked bodies both ways: the chunk-size may be anything a 62-bit length holds (the body
 * streams through), but chunk lines and trailers are bounded like header lines. */
static const struct h1_chunked_limits h1_chunk_limits = {
        .max_chunk_size = UINT64_C(1) << 62,
        .max_line_size = 4096,
        .max_trailer_size = 8192,
        .max_trailers = HTTP_MAX_TRAILERS,
};

static size_t out_written(struct h1c *h, size_t w, size_t pend, size_t take, size_t post);

const char *h1c_state_str(enum h1c_state s)
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

/* bit N set in allowed[to] <=> moving from state N to @to is legal */
const uint32_t h1c_allowed[H1C_ST_COUNT] = {
        [H1C_ST_IDLE] = 1u << H1C_ST_BUSY,
        [H1C_ST_HEAD] = 1u << H1C_ST_IDLE,
        [H1C_ST_BUSY] = 1u << H1C_ST_IDLE | 1u << H1C_ST_HEAD,
        [H1C_ST_TUNNEL] = 1u << H1C_ST_BUSY,
        [H1C_ST_CLOSED] = ~0u & ~(1u << H1C_ST_CLOSED),
};

void h1c_bad_state(const struct h1c *h, enum h1c_state to)
{
        sl_log(LOG_CRIT, "BUG: an HTTP/1 connection moves from state %s to %s",
               h1c_state_str(h->state), h1c_state_str(to));
        sl_bug(__FILE__, __LINE__, "an HTTP/1 connection state change that is not allowed");
}

static const char *h1m_state_str(enum h1m_state s)
{
        switch (s) {
        case H1M_ST_HEAD:
                return "head";
        case H1M_ST_BODY:
                return "body";
        case H1M_ST_DONE:
                return "done";
        case H1M_ST_TUNNEL:
                return "tunnel";
        case H1M_ST_COUNT:
                break;
        }
        return "?";
}

/* bit N set in allowed[to] <=> moving from state N to @to is legal */
const uint32_t h1m_allowed[H1M_ST_COUNT] = {
        [H1M_ST_HEAD] = ~0u, /* the next message (an interim response's, too) */
        [H1M_ST_BODY] = 1u << H1M_ST_HEAD,
        [H1M_ST_DONE] = 1u << H1M_ST_HEAD | 1u << H1M_ST_BODY,
        [H1M_ST_TUNNEL] = 1u << H1M_ST_BODY | 1u << H1M_ST_DONE,
};

void h1m_bad_state(const struct h1c *h, const enum h1m_state *m, enum h1m_state to)
{
        sl_log(LOG_CRIT, "BUG: an HTTP/1 %s message moves from state %s to %s",
               m == &h->x->in_st ? "incoming" : "outgoing", h1m_state_str(*m), h1m_state_str(to));
        sl_bug(__FILE__, __LINE__, "an HTTP/1 message state change that is not allowed");
}

const struct h1x h1x_idle = {.in_st = H1M_ST_HEAD, .out_st = H1M_ST_HEAD};

static void h1x_on_reap(struct loop_reap *r)
{
        struct h1x *x = sl_container_of(r, struct h1x, reap);

        pool_put(&x->w->h1x_pool, x);
}

int h1x_take(struct h1c *h)
{
        struct h1x *x;

        if (h->x != &h1x_idle)
                return 0;
        SL_BUG_ON(h->state == H1C_ST_CLOSED);
        x = pool_get(&h->w->h1x_pool);
        if (!x)
                return -ENOMEM;
        *x = h1x_idle;
        x->h = h;
        x->w = h->w;
        loop_defer_init(h->w->loop, &x->next, NULL); /* its use sets the function */
        loop_reap_init(&x->reap, h1x_on_reap);
        h->x = x;
        return 0;
}

void h1x_reap(struct h1c *h)
{
        if (h->x == &h1x_idle)
                return;
        loop_defer_cancel(&h->x->next);
        loop_reap(h->w->loop, &h->x->reap);
}

void h1x_release(struct h1c *h)
{
        if (h->state == H1C_ST_CLOSED)
                return;
        if (h->x != &h1x_idle) {
                loop_defer_cancel(&h->x->next);
                pool_put(&h->w->h1x_pool, h->x);
        }
        h->x = (struct h1x *)&h1x_idle;
        h->flags &= ~(uint32_t)(H1C_F_WANT_RCV | H1C_F_WANT_SND | H1C_F_OUT_FINAL | H1C_F_IN_EOM |
                                H1C_F_OUT_EOM);
}

void h1_exchange_reset(struct h1c *h)
{
        h1m_set_state(h, &h->x->in_st, H1M_ST_HEAD);
        h1m_set_state(h, &h->x->out_st, H1M_ST_HEAD);
        h->flags &= ~(uint32_t)(H1C_F_WANT_RCV | H1C_F_WANT_SND | H1C_F_OUT_FINAL | H1C_F_IN_EOM |
                                H1C_F_OUT_EOM);
}

/* ---- buffers ---- */

/* The whole buffer is passed on and decoded, or empty: close the holes so that raw bytes
 * follow the kept ones. */
static void ibuf_close_holes(struct h1c *h)
{
        struct buf *b = &h->ibuf;
        /* a trailer section being received is kept whole: its fields are parsed at its end */
        size_t from = h->x->trl_set ? h->x->trl : h->x->wire;
        size_t data = h->x->dend - h->x->dstart, tail = b->data - from, trl = h->x->wire - from;

        if (h->x->dstart == h->x->keep && h->x->dend == from)
                return;
        if (data && h->x->dstart != h->x->keep)
                memmove(buf_head(b) + h->x->keep, buf_head(b) + h->x->dstart, data);
        if (tail)
                memmove(buf_head(b) + h->x->keep + data, buf_head(b) + from, tail);
        h->x->dstart = h->x->keep;
        h->x->dend = h->x->keep + data;
        if (h->x->trl_set)
                h->x->trl = h->x->dend;
        h->x->wire = h->x->dend + trl;
        b->data = h->x->dend + tail;
}

void h1_ibuf_reset(struct h1c *h)
{
        h->x->keep = h->x->dstart = h->x->dend = h->x->wire = 0;
        h->x->trl_set = false;
}

/* Read from the connection into ibuf. Returns bytes read, 0 at end of stream, -EAGAIN,
 * -ENOBUFS (full), or -errno. */
ssize_t h1_read(struct h1c *h)
{
        ssize_t n;

        if (!(h->conn->flags & CONN_F_RD))
                return -EAGAIN; /* no buffer taken for nothing */
        if (!((h->flags & H1C_F_SERVER) ? worker_buf_get_rx(h->w, &h->ibuf)
                                        : worker_buf_get(h->w, &h->ibuf)))
                return -ENOMEM;
        if (buf_tail_room(&h->ibuf) == 0) {
                ibuf_close_holes(h);
                buf_compact(&h->ibuf);
                if (buf_tail_room(&h->ibuf) == 0)
                        return -ENOBUFS;
        }
        n = conn_recv(h->conn, &h->ibuf);
        if (n > 0) {
                if ((h->flags & H1C_F_SERVER) && h->x->sd)
                        h->x->sd->flags |= SD_F_RCVD;
                return n;
        }
        if (h->ibuf.data == 0)
                worker_buf_release(h->w, &h->ibuf);
        if (n != -EAGAIN && h->x->sd)
                h->x->sd->flags |= n == 0 ? SD_F_EOS : SD_F_EOS | SD_F_ERR;
        return n;
}

int h1_flush_obuf(struct h1c *h, bool more)
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

void h1_in_start(struct h1c *h, enum http_body body, uint64_t len)
{
        h->x->in_body = body;
        h->x->in_left = body == HTTP_BODY_LENGTH ? len : 0;
        h->x->n_trailers = 0;
        h->x->trl_set = false;
        h->flags &= ~(uint32_t)H1C_F_IN_EOM;
        if (body == HTTP_BODY_CHUNKED)
                h1_chunked_init(&h->x->in_ck, &h1_chunk_limits);
        h1m_set_state(h, &h->x->in_st,
                      body == HTTP_BODY_NONE || (body == HTTP_BODY_LENGTH && len == 0)
                              ? H1M_ST_DONE
                              : H1M_ST_BODY);
}

/* Is the incoming body complete (decoded to its end)? */
static bool in_complete(const struct h1c *h)
{
        switch (h->x->in_body) {
        case HTTP_BODY_NONE:
                return true;
        case HTTP_BODY_LENGTH:
                return h->x->in_left == 0;
        case HTTP_BODY_CHUNKED:
                return h1_chunked_done(&h->x->in_ck);
        case HTTP_BODY_UNTIL_CLOSE:
                return (h->conn->flags & CONN_F_RD_EOF) && h->x->wire == h->ibuf.data;
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
        size_t raw = b->data - h->x->wire, n;

        switch (h->x->in_body) {
        case HTTP_BODY_NONE:
                return 0;
        case HTTP_BODY_LENGTH:
                n = (size_t)SL_MIN((uint64_t)raw, h->x->in_left);
                h->x->in_left -= n;
                h->x->dend += n;
                h->x->wire += n;
                return 0;
        case HTTP_BODY_UNTIL_CLOSE:
        case HTTP_BODY_TUNNEL:
                h->x->dend += raw;
                h->x->wire += raw;
                return 0;
        case HTTP_BODY_CHUNKED:
                while (raw && !h1_chunked_done(&h->x->in_ck)) {
                        struct sl_str data;
                        int r = h1_chunked_parse(&h->x->in_ck, base + h->x->wire, raw, &data);

                        if (r == -EAGAIN)
                                break;
                        if (r < 0)
                                return r;
                        if (data.len) {
                                if (data.ptr != base + h->x->dend)
                                        memmove(base + h->x->dend, data.ptr, data.len);
                                h->x->dend += data.len;
                        }
                        h->x->wire += (size_t)r;
                        raw -= (size_t)r;
                        /* the trailer section started within these bytes: at their end */
                        if (!h->x->trl_set && h->x->in_ck.state >= H1_CK_TRAILER_START) {
                                h->x->trl = h->x->wire - h1_chunked_trailer_len(&h->x->in_ck);
                                h->x->trl_set = true;
                        }
                }
                if (h1_chunked_done(&h->x->in_ck) && !h->x->n_trailers && trailers) {
                        size_t nt = 0;
                        int r = h1_parse_trailers(base + h->x->trl, h->x->wire - h->x->trl,
                                                  trailers, max_trailers, &nt);

                        if (r < 0)
                                return r;
                        h->x->n_trailers = nt;
                }
                return 0;
        case HTTP_BODY_COUNT:
                break;
        }
        return 0;
}

int h1_rcv_data(struct sd *sd, struct sd_data *d)
{
        struct h1c *h = h1c_of_sd(sd);
        int r;

        d->p = NULL;
        d->len = 0;
        d->flags = 0;
        d->n_trailers = 0;
        if (h->x->in_st == H1M_ST_HEAD)
                return 0;
        for (;;) {
                if (h->x->in_st == H1M_ST_BODY || h->x->in_st == H1M_ST_TUNNEL) {
                        r = in_decode(h, d->trailers, d->max_trailers);
                        if (r < 0)
                                return r;
                }
                if (h->x->dend > h->x->dstart || in_complete(h))
                        break;
                if (h->conn->flags & CONN_F_RD_EOF) {
                        if (h->x->in_body == HTTP_BODY_TUNNEL)
                                break;
                        return h->conn->flags & CONN_F_ERROR ? -ECONNRESET : -EPIPE;
                }
                r = (int)h1_read(h);
                if (r == -EAGAIN || r == -ENOBUFS || r == -ENOMEM) {
                        h->flags |= H1C_F_WANT_RCV;
                        h1_update_want(h);
                        break;
                }
                if (r < 0 && r != -ENOBUFS && h->x->in_body != HTTP_BODY_TUNNEL &&
                    h->x->in_body != HTTP_BODY_UNTIL_CLOSE)
                        return -ECONNRESET;
        }
        if (h->x->dend > h->x->dstart) {
                d->p = buf_head(&h->ibuf) + h->x->dstart;
                d->len = h->x->dend - h->x->dstart;
        }
        if (h->x->in_st != H1M_ST_DONE && in_complete(h)) {
                d->flags |= SD_DATA_EOM;
                d->n_trailers = h->x->n_trailers;
        } else if (h->x->in_st == H1M_ST_DONE && !(h->flags & H1C_F_IN_EOM)) {
                d->flags |= SD_DATA_EOM;
        } else if (h->x->in_body == HTTP_BODY_LENGTH && h->x->in_left <= H1_MORE_SOON_MAX) {
                d->flags |= SD_DATA_MORE;
        }
        if (!buf_is_null(&h->ibuf) &&
            h->ibuf.data + cfg_maxrewrite(&h->w->gen->global) >= h->ibuf.size)
                d->flags |= SD_DATA_FULL;
        if (!(d->flags & SD_DATA_EOM) && !(h->flags & H1C_F_WANT_RCV)) {
                /* a stream that keeps what it got (a wait for the body) still hears of
                 * what comes next */
                h->flags |= H1C_F_WANT_RCV;
                h1_update_want(h);
        }
        return 0;
}

void h1_rcv_consume(struct sd *sd, size_t n)
{
        struct h1c *h = h1c_of_sd(sd);

        SL_BUG_ON(n > h->x->dend - h->x->dstart);
        h->x->dstart += n;
        if (h->x->dstart != h->x->dend)
                return;
        if (h->x->in_st == H1M_ST_BODY && in_complete(h)) {
                /* the end went, trailers with it: their bytes may go too */
                h1m_set_state(h, &h->x->in_st, H1M_ST_DONE);
                h->flags |= H1C_F_IN_EOM;
                h->x->trl_set = false;
        } else if (h->x->in_st == H1M_ST_DONE) {
                h->flags |= H1C_F_IN_EOM;
        }
        ibuf_close_holes(h);
        if (h->ibuf.data == 0) {
                h1_ibuf_reset(h);
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
        h->x->out_body = body;
        h->x->out_left = body == HTTP_BODY_LENGTH ? len : 0;
        h->x->chunk_left = 0;
        h1m_set_state(h, &h->x->out_st, H1M_ST_BODY);
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
                if (h->x->req_ver == HTTP_VER_1_0)
                        return 0;
                return h1_emit_into_obuf(h, m, 0);
        }
        if (flags & SD_HEAD_REPLACE) {
                if (h->x->sd->flags & SD_F_SENT)
                        return -EALREADY;
                if (h->flags & H1C_F_OUT_FINAL) {
                        /* what was queued of the replaced response goes */
                        h->obuf.data = h->x->out_before;
                        h->flags &= ~(uint32_t)(H1C_F_OUT_FINAL | H1C_F_OUT_EOM);
                        h1m_set_state(h, &h->x->out_st, H1M_ST_HEAD);
                }
        }
        /* a response that starts before the request ended (a server answering early) closes
         * the connection: the rest of the request cannot be told from a next one */
        close = h->x->req_close || (m->flags & HTTP_MSG_F_CLOSE) || (h->flags & H1C_F_STOPPING) ||
                h->w->stopping || m->body == HTTP_BODY_UNTIL_CLOSE || h->x->in_st != H1M_ST_DONE ||
                (flags & SD_HEAD_CLOSE);
        if (tunnel && m->status == 101)
                eflags = H1_EMIT_CONN_UPGRADE;
        else if (close && !tunnel)
                eflags = H1_EMIT_CONN_CLOSE;
        else if (h->x->req_ver == HTTP_VER_1_0)
                eflags = H1_EMIT_CONN_KEEPALIVE;
        if (close && !tunnel) {
                h->flags |= H1C_F_CLOSE;
                /* a reply of sluice's closing the connection does not read the rest of the
                 * request */
                if ((flags & SD_HEAD_REPLACE) && (m->flags & HTTP_MSG_F_CLOSE))
                        h->flags |= H1C_F_NO_READ;
        }
        h->x->out_before = buf_is_null(&h->obuf) ? 0 : h->obuf.data;
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
        h->x->req_meth = m->meth;
        out_start_body(h, m->body, m->content_length);
        return n;
}

int h1_snd_head(struct sd *sd, const struct http_msg *m, unsigned flags)
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
        if (h->x->sd && !(h->flags & H1C_F_SERVER) && (h->flags & H1C_F_OUT_FINAL)) {
                /* the final response head starts after @out_before bytes */
                if (w > h->x->out_before || data)
                        h->x->sd->flags |= SD_F_SENT;
                h->x->out_before -= SL_MIN(w, h->x->out_before);
        } else if (h->x->sd && (w || data)) {
                h->x->sd->flags |= SD_F_SENT;
        }
        return data;
}

ssize_t h1_snd_data(struct sd *sd, const struct sd_data *d)
{
        struct h1c *h = h1c_of_sd(sd);
        struct buf *ob = &h->obuf;
        bool chunked = h->x->out_body == HTTP_BODY_CHUNKED, eom;
        size_t take = d->len, pend, post = 0, sent;
        struct iovec iov[3];
        int k = 0;
        ssize_t w;

        if (h->x->out_st == H1M_ST_DONE)
                return (ssize_t)d->len;
        if (h->x->out_body == HTTP_BODY_NONE)
                take = 0; /* a message without a body: such bytes are not sent */
        else if (h->x->out_body == HTTP_BODY_LENGTH)
                take = (size_t)SL_MIN((uint64_t)take, h->x->out_left);
        if (chunked && take) {
                if (h->x->chunk_left == 0) {
                        int n;

                        if (!obuf_room(h, 24))
                                return -ENOBUFS;
                        n = h1_emit_chunk_size(buf_tail(ob), buf_tail_room(ob), take);
                        buf_commit(ob, (size_t)n);
                        h->x->chunk_left = take;
                }
                take = (size_t)SL_MIN((uint64_t)take, h->x->chunk_left);
        }
        eom = (d->flags & SD_DATA_EOM) && (take == d->len || h->x->out_body == HTTP_BODY_NONE);
        pend = buf_is_null(ob) ? 0 : ob->data;
        /* after the data: the chunk's CRLF, and the end of a chunked body */
        if (chunked && take && take == h->x->chunk_left) {
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
        if (h->x->out_body == HTTP_BODY_LENGTH)
                h->x->out_left -= sent;
        else if (chunked)
                h->x->chunk_left -= sent;
        if (!buf_is_null(ob) && ob->data == 0)
                worker_buf_release(h->w, ob);
        if (eom && sent == take) {
                h->flags |= H1C_F_OUT_EOM;
                h1m_set_state(h, &h->x->out_st, H1M_ST_DONE);
        }
        if (sent < take || (!buf_is_null(ob) && ob->data)) {
                h->flags |= H1C_F_WANT_SND;
                h1_update_want(h);
        }
        return h->x->out_body == HTTP_BODY_NONE ? (ssize_t)d->len : (ssize_t)sent;
}

int h1_flush(struct sd *sd)
{
        struct h1c *h = h1c_of_sd(sd);
        int r = h1_flush_obuf(h, false);

        if (r == -EAGAIN)
                h1_update_want(h);
        return r;
}

/* ---- server side: the response head ---- */

const struct h1_limits *h1_limits(const struct h1c *h)
{
        static struct h1_limits lim;

        /* a head leaves tune.maxrewrite of the buffer for what rules add, as HAProxy */
        lim.max_head_size = h->w->bufs.size - cfg_maxrewrite(&h->w->gen->global);
        lim.max_line_size = h->w->bufs.size / 2;
        return &lim;
}

/* show errors: a server's response that could not be read, captured for its backend */
static void response_error(struct h1c *h)
{
        const struct stream *st = h->x->sd ? h->x->sd->strm : NULL;

        if (!st || !st->be || buf_is_null(&h->ibuf))
                return;
        werr_capture(h->w, st->be, true, st->sess, st->fe, st->be,
                     st->srv_idx >= 0 ? st->srv_idx : st->last_srv, buf_head(&h->ibuf),
                     h->ibuf.data, h1_error_offset(buf_head(&h->ibuf), h->ibuf.data, true));
}

int h1_rcv_head(struct sd *sd, struct http_msg *m)
{
        struct h1c *h = h1c_of_sd(sd);
        struct h1_response res;
        struct h1_framing fr;
        int r;

        for (;;) {
                if (!buf_is_null(&h->ibuf) && h->ibuf.data) {
                        r = h1_parse_response(buf_head(&h->ibuf), h->ibuf.data, h1_limits(h),
                                              m->hdrs, SL_MIN((size_t)HTTP_MAX_HDRS, m->max_hdrs),
                                              &res);
                        if (r > 0)
                                break;
                        if (r != -EAGAIN || buf_room(&h->ibuf) == 0 ||
                            (h->conn->flags & CONN_F_RD_EOF)) {
                                response_error(h);
                                return -EBADMSG;
                        }
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
        if (h1_analyze_response(&res, h->x->req_meth, &fr) < 0) {
                response_error(h);
                return -EBADMSG;
        }
        *m = (struct http_msg){
                .status = res.status,
                .reason = res.reason,
                .version = res.version,
                .hdrs = m->hdrs,
                .n_hdrs = res.n_headers,
                .max_hdrs = m->max_hdrs,
                .body = fr.body,
                .content_length = fr.content_length,
                .raw = sl_str_make(buf_head(&h->ibuf), (size_t)r),
        };
        if (res.status < 200 && res.status != 101)
                m->flags |= HTTP_MSG_F_INTERIM;
        if (fr.conn & H1_CONN_OTHER)
                m->flags |= HTTP_MSG_F_CONN_NAMES;
        if (res.status == 101)
                m->flags |= HTTP_MSG_F_UPGRADE;
        /* the server's connection ends after this response: a hop-by-hop fact, kept here
         * (the client's connection does not close for it) */
        if (fr.body == HTTP_BODY_UNTIL_CLOSE || (fr.conn & H1_CONN_CLOSE) ||
            (res.version == HTTP_VER_1_0 && !(fr.conn & H1_CONN_KEEP_ALIVE)))
                h->flags |= H1C_F_CLOSE;
        h->x->head_len = (size_t)r;
        h->x->head_body = fr.body;
        h->x->head_cl = fr.content_length;
        h->x->head_interim = (m->flags & HTTP_MSG_F_INTERIM) != 0;
        return r;
}

void h1_rcv_head_done(struct sd *sd)
{
        struct h1c *h = h1c_of_sd(sd);

        buf_consume(&h->ibuf, h->x->head_len);
        h->x->head_len = 0;
        h1_ibuf_reset(h);
        if (h->x->head_interim)
                h1m_set_state(h, &h->x->in_st, H1M_ST_HEAD);
        else
                h1_in_start(h, h->x->head_body, h->x->head_cl);
        if (h->ibuf.data == 0)
                worker_buf_release(h->w, &h->ibuf);
}

/* ---- tunnels ---- */

void h1_tunnel(struct sd *sd)
{
        struct h1c *h = h1c_of_sd(sd);

        h1c_set_state(h, H1C_ST_TUNNEL);
        /* what was read after the head belongs to the tunnel */
        h1m_set_state(h, &h->x->in_st, H1M_ST_TUNNEL);
        h->x->in_body = HTTP_BODY_TUNNEL;
        h1m_set_state(h, &h->x->out_st, H1M_ST_TUNNEL);
        h->x->out_body = HTTP_BODY_TUNNEL;
        if (!(h->flags & H1C_F_SERVER)) {
                /* the request head is no longer needed */
                if (h->x->keep) {
                        memmove(buf_head(&h->ibuf), buf_head(&h->ibuf) + h->x->keep,
                                h->ibuf.data - h->x->keep);
                        h->ibuf.data -= h->x->keep;
                        h->x->dstart -= h->x->keep;
                        h->x->dend -= h->x->keep;
                        h->x->wire -= h->x->keep;
                        h->x->keep = 0;
                }
                loop_timer_disarm(&h->timer);
        }
        h->flags &= ~(uint32_t)(H1C_F_NO_READ | H1C_F_CLOSE);
        h1_update_want(h);
}

void h1_shutw(struct sd *sd)
{
        struct h1c *h = h1c_of_sd(sd);

        conn_shutw(h->conn);
}

/* ---- interest ---- */

void h1_update_want(struct h1c *h)
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
                /* server: after a whole response, its close or bytes past the end are seen
                 * at once (the connection is then not reused), and the interest is already
                 * what it is when idle: a connection going back and forth between the pool
                 * and streams costs no epoll_ctl() */
                if (!eof && (h->flags & H1C_F_SERVER) && h->state == H1C_ST_BUSY &&
                    h->x->in_st == H1M_ST_DONE && !(h->flags & H1C_F_CLOSE))
                        want |= CONN_WANT_RD;
                /* client: read ahead while a stream runs (the body, a pipelined request), so
                 * that a client resetting is seen at once, not at the next write; with a full
                 * buffer, watch for the reset alone */
                if (!eof && !(h->flags & (H1C_F_SERVER | H1C_F_NO_READ))) {
                        if (h->x->in_st == H1M_ST_DONE && !(h->flags & H1C_F_WATCH) &&
                            conn_unpolled_socket(h->conn)) {
                                /* the whole request came with the first read: wait before
                                 * asking the kernel (H1_WATCH_DELAY_MS) */
                                if (!loop_timer_is_armed(&h->timer))
                                        loop_timer_arm(&h->timer, H1_WATCH_DELAY_MS);
                        } else if (buf_is_null(&h->ibuf) || buf_room(&h->ibuf) > 0)
                                want |= CONN_WANT_RD;
                        else if (!(h->flags & H1C_F_HUP_SEEN))
                                want |= CONN_WANT_HUP;
                }
                break;
        case H1C_ST_CLOSED:
        case H1C_ST_COUNT:
                break;
        }
        if ((!buf_is_null(&h->obuf) && h->obuf.data) || (h->flags & H1C_F_WANT_SND))
                want |= CONN_WANT_WR;
        if (h->conn->state == CONN_ST_CONNECTING)
                want = CONN_WANT_WR;
        if (h->conn->state == CONN_ST_HANDSHAKE)
                return; /* the handshake says what it waits for */
        conn_want(h->conn, want);
}
