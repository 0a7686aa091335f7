/* The operations a stream uses on its side of an HTTP/2 connection (mux.h, h2-int.h): the
 * request body as the client's DATA frames brought it, the response head and body handed to
 * nghttp2 (its data provider reads the stream's buffer), the end of the stream. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "h2-int.h"
#include "macros.h"
#include "xprt_tls.h"

/* The data provider of a response body: what tx holds, then the end (and the trailers).
 * The bytes stay in tx until on_send_data() writes the frame (NO_COPY): one copy, from tx
 * to the output buffer. */
ssize_t h2_on_read_body(nghttp2_session *ng, int32_t id, uint8_t *p, size_t len, uint32_t *flags,
                        nghttp2_data_source *src, void *data)
{
        struct h2s *s = src->ptr;
        size_t n = buf_is_null(&s->tx) ? 0 : SL_MIN(len, s->tx.data);

        (void)p;
        (void)data;
        if (n)
                *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
        if ((s->flags & H2S_F_OUT_EOM) && (buf_is_null(&s->tx) || n == s->tx.data)) {
                *flags |= NGHTTP2_DATA_FLAG_EOF;
                h2s_out_done(s);
                if (s->trl) {
                        *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
                        (void)nghttp2_submit_trailer(ng, id, s->trl, s->n_trl);
                }
                if (s->strm)
                        h2s_wake(s, false);
                return (ssize_t)n;
        }
        if (n == 0) {
                s->flags |= H2S_F_DEFERRED;
                return NGHTTP2_ERR_DEFERRED;
        }
        return (ssize_t)n;
}

static struct h2s *h2s_of_sd(const struct sd *sd)
{
        return sd->ms;
}

/* Queue the connection's turn after a stream's call from outside it. */
static void h2s_kick(struct h2s *s)
{
        if (!(s->h->flags & H2C_F_BUSY))
                loop_defer_queue(&s->h->run);
}

int h2_rcv_data(struct sd *sd, struct sd_data *d)
{
        struct h2s *s = h2s_of_sd(sd);

        d->p = NULL;
        d->len = 0;
        d->flags = 0;
        d->n_trailers = 0;
        if ((s->flags & (H2S_F_EXT_CONNECT | H2S_F_TUNNEL)) == H2S_F_EXT_CONNECT &&
            !h2c_srv(s->h)) {
                /* the upgrade request has no body: DATA is the tunnel's, after a success */
                d->flags |= SD_DATA_EOM;
                return 0;
        }
        if (s->flags & H2S_F_TUNNEL) {
                if (s->rx_len) {
                        d->p = s->rx + s->rx_off;
                        d->len = s->rx_len;
                } else if (s->flags & H2S_F_IN_EOS) {
                        sd->flags |= SD_F_EOS; /* the client's END_STREAM: a FIN */
                } else if ((s->flags & H2S_F_CLOSED) || (s->h->flags & H2C_F_RD_EOF)) {
                        sd->flags |= SD_F_EOS | SD_F_ERR;
                } else {
                        s->flags |= H2S_F_WANT_RCV;
                }
                return 0;
        }
        if (s->flags & H2S_F_IN_EOM)
                return 0;
        if (s->rx_len) {
                d->p = s->rx + s->rx_off;
                d->len = s->rx_len;
        }
        if (s->flags & H2S_F_IN_EOS) {
                d->flags |= SD_DATA_EOM;
                for (size_t i = s->n_head; i < s->n_fields && d->n_trailers < d->max_trailers;
                     i++) {
                        const struct h2_field *f = field_at(s, i);

                        d->trailers[d->n_trailers++] =
                                (struct http_hdr){field_name(s, f), field_value(s, f)};
                }
                return 0;
        }
        if ((s->flags & H2S_F_CLOSED) || (s->h->flags & H2C_F_RD_EOF))
                return -EPIPE; /* reset before the end of the body */
        if (s->rx_len + 1024 >= h2c_init_window(s->h))
                d->flags |= SD_DATA_FULL;
        s->flags |= H2S_F_WANT_RCV;
        return 0;
}

void h2_rcv_consume(struct sd *sd, size_t n)
{
        struct h2s *s = h2s_of_sd(sd);
        struct h2c *h = s->h;

        SL_BUG_ON(n > s->rx_len);
        s->rx_off += n;
        s->rx_len -= n;
        if (n && !(s->flags & H2S_F_CLOSED)) {
                (void)nghttp2_session_consume_stream(h->ng, s->id, n);
                h2s_kick(s);
        }
        if (s->rx_len == 0) {
                s->rx_off = 0;
                if (s->flags & H2S_F_IN_EOS) {
                        s->flags |= H2S_F_IN_EOM;
                        free(s->rx);
                        s->rx = NULL;
                        s->rx_cap = 0;
                }
        }
}

int h2_snd_head(struct sd *sd, const struct http_msg *m, unsigned flags)
{
        struct h2s *s = h2s_of_sd(sd);
        struct h2c *h = s->h;
        nghttp2_nv nv[H2_MAX_NV];
        struct buf room = BUF_NULL;
        nghttp2_data_provider prd = {.source.ptr = s, .read_callback = h2_on_read_body};
        bool body;
        int n, r;

        if (h2c_srv(h))
                return h2_srv_snd_head(s, m);
        if (s->flags & H2S_F_CLOSED)
                return -EPIPE;
        if (s->flags & H2S_F_OUT_HEAD)
                return (flags & SD_HEAD_REPLACE) ? -EALREADY : -EINVAL;
        if (!worker_buf_get(h->w, &room))
                return -ENOMEM;
        n = h2_response_nv(m, nv, SL_ARRAY_SIZE(nv), room.area, room.size);
        if (n < 0) {
                worker_buf_drop(h->w, &room);
                return -ENOBUFS;
        }
        if (m->status == 101) {
                if (!(s->flags & H2S_F_EXT_CONNECT)) {
                        worker_buf_drop(h->w, &room);
                        return -EINVAL; /* never to an HTTP/2 client */
                }
                /* the switch an extended CONNECT asked for: its 200, then the tunnel */
                n = h2_tunnel_response_nv(m, nv, SL_ARRAY_SIZE(nv), room.area, room.size);
                r = n < 0 ? -1 : nghttp2_submit_response(h->ng, s->id, nv, (size_t)n, &prd);
                worker_buf_drop(h->w, &room);
                if (n < 0)
                        return -ENOBUFS;
                if (r != 0)
                        return -EPIPE;
                s->flags |= H2S_F_OUT_HEAD | H2S_F_BODY;
                sd->flags |= SD_F_SENT;
                h2s_kick(s);
                return n;
        }
        if (m->flags & HTTP_MSG_F_INTERIM) {
                r = nghttp2_submit_headers(h->ng, NGHTTP2_FLAG_NONE, s->id, NULL, nv, (size_t)n,
                                           NULL);
                worker_buf_drop(h->w, &room);
                h2s_kick(s);
                return r == 0 ? 0 : -EPIPE;
        }
        body = m->body != HTTP_BODY_NONE &&
               !(m->body == HTTP_BODY_LENGTH && m->content_length == 0) &&
               s->meth != HTTP_METH_HEAD;
        r = nghttp2_submit_response(h->ng, s->id, nv, (size_t)n, body ? &prd : NULL);
        worker_buf_drop(h->w, &room);
        if (r != 0)
                return -EPIPE;
        s->flags |= H2S_F_OUT_HEAD;
        if (body)
                s->flags |= H2S_F_BODY;
        /* an HTTP/2 head cannot be taken back once queued */
        sd->flags |= SD_F_SENT;
        h2s_kick(s);
        return n;
}

/* Keep the trailers to send after the last DATA frame. */
static bool keep_trailers(struct h2s *s, const struct sd_data *d)
{
        nghttp2_nv nv[HTTP_MAX_TRAILERS];
        char room[8192];
        size_t bytes = 0;
        int n = h2_trailers_nv(d->trailers, d->n_trailers, nv, SL_ARRAY_SIZE(nv), room,
                               sizeof(room));
        uint8_t *p;

        if (n <= 0)
                return n == 0;
        for (int i = 0; i < n; i++)
                bytes += nv[i].namelen + nv[i].valuelen;
        s->trl = malloc((size_t)n * sizeof(nghttp2_nv) + bytes);
        if (!s->trl)
                return false;
        p = (uint8_t *)(s->trl + n);
        for (int i = 0; i < n; i++) {
                s->trl[i] = nv[i];
                memcpy(p, nv[i].name, nv[i].namelen);
                s->trl[i].name = p;
                p += nv[i].namelen;
                memcpy(p, nv[i].value, nv[i].valuelen);
                s->trl[i].value = p;
                p += nv[i].valuelen;
        }
        s->n_trl = (size_t)n;
        return true;
}

ssize_t h2_snd_data(struct sd *sd, const struct sd_data *d)
{
        struct h2s *s = h2s_of_sd(sd);
        struct h2c *h = s->h;
        size_t take = d->len;

        if (s->flags & (H2S_F_CLOSED | H2S_F_OUT_EOM))
                return (s->flags & H2S_F_CLOSED) ? -EPIPE : (ssize_t)d->len;
        if (h->flags & (H2C_F_RD_EOF | H2C_F_WR_ERR))
                return -EPIPE;
        if (h2c_srv(h) && (s->flags & (H2S_F_EXT_CONNECT | H2S_F_TUNNEL)) == H2S_F_EXT_CONNECT) {
                /* server side: the end of the upgrade request, which has no body, is not
                 * the tunnel's end (END_STREAM would close it one way) */
                return 0;
        }
        if (h2c_srv(h) && (s->flags & H2S_F_BODY) && !(s->flags & H2S_F_OPENED)) {
                /* the body waits for its HEADERS frame to go: refused before, the request
                 * is whole still and may be sent again */
                s->flags |= H2S_F_WANT_SND;
                h2s_kick(s);
                return 0;
        }
        if (!(s->flags & H2S_F_BODY)) {
                /* no body is sent (HEAD, 204, 304): the bytes go nowhere */
                if (d->flags & SD_DATA_EOM) {
                        s->flags |= H2S_F_OUT_EOM;
                        h2s_out_done(s);
                }
                return (ssize_t)d->len;
        }
        if (take) {
                if (!worker_buf_get(h->w, &s->tx))
                        return 0;
                buf_compact(&s->tx);
                take = SL_MIN(take, buf_tail_room(&s->tx));
                memcpy(buf_tail(&s->tx), d->p, take);
                buf_commit(&s->tx, take);
        }
        if ((d->flags & SD_DATA_EOM) && take == d->len) {
                if (d->n_trailers && !keep_trailers(s, d))
                        return -ENOMEM;
                s->flags |= H2S_F_OUT_EOM;
        }
        if (take < d->len)
                s->flags |= H2S_F_WANT_SND;
        if ((s->flags & H2S_F_DEFERRED) && (take || (s->flags & H2S_F_OUT_EOM))) {
                s->flags &= ~(uint32_t)H2S_F_DEFERRED;
                (void)nghttp2_session_resume_data(h->ng, s->id);
        }
        if (take || (s->flags & H2S_F_OUT_EOM))
                h2s_kick(s);
        return (ssize_t)take;
}

int h2_flush(struct sd *sd)
{
        struct h2s *s = h2s_of_sd(sd);

        if (s->flags & H2S_F_CLOSED)
                return (s->flags & H2S_F_OUT_DONE) ? 0 : -EPIPE;
        if (s->h->flags & H2C_F_WR_ERR)
                return -EPIPE;
        if ((s->flags & H2S_F_TUNNEL) && !(s->flags & H2S_F_OUT_EOM) && !buf_is_null(&s->tx) &&
            s->tx.data) {
                /* a tunnel's bytes go before its end */
                s->flags |= H2S_F_WANT_SND;
                h2s_kick(s);
                return -EAGAIN;
        }
        if (!(s->flags & H2S_F_OUT_EOM) || (s->flags & H2S_F_OUT_DONE))
                return 0;
        s->flags |= H2S_F_WANT_SND;
        h2s_kick(s);
        return -EAGAIN;
}

void h2_tunnel(struct sd *sd)
{
        struct h2s *s = h2s_of_sd(sd);

        /* only an extended CONNECT's stream becomes one (a client's, or the one an HTTP/1.1
         * WebSocket upgrade became toward a server; a plain CONNECT is refused): any other
         * is cut */
        if (!(s->flags & H2S_F_EXT_CONNECT)) {
                sd->flags |= SD_F_ERR;
                return;
        }
        s->flags |= H2S_F_TUNNEL;
        if (s->rx_len)
                h2s_wake(s, false);
}

void h2_shutw(struct sd *sd)
{
        struct h2s *s = h2s_of_sd(sd);

        /* a tunnel's end: END_STREAM once what tx holds went */
        if (!(s->flags & H2S_F_TUNNEL) || (s->flags & (H2S_F_OUT_EOM | H2S_F_CLOSED)))
                return;
        s->flags |= H2S_F_OUT_EOM;
        if (s->flags & H2S_F_DEFERRED) {
                s->flags &= ~(uint32_t)H2S_F_DEFERRED;
                (void)nghttp2_session_resume_data(s->h->ng, s->id);
        }
        h2s_kick(s);
}

struct ssl_st *h2_ssl(const struct sd *sd)
{
        return xprt_tls_ssl(h2s_of_sd(sd)->h->conn);
}

void h2_detach(struct sd *sd, bool ok)
{
        struct h2s *s = h2s_of_sd(sd);
        struct h2c *h = s->h;

        s->sd = NULL;
        s->strm = NULL;
        s->flags |= H2S_F_DETACHED;
        h->n_attached--;
        sl_list_del(&s->wake_link);
        if (h->state == H2C_ST_CLOSED)
                return;
        worker_buf_drop(h->w, &s->head);
        free(s->rx);
        s->rx = NULL;
        s->rx_len = s->rx_cap = 0;
        if (h2c_srv(h)) {
                h2_srv_detach(s, ok);
                return;
        }
        if (!(s->flags & H2S_F_CLOSED) && !(h->flags & (H2C_F_RD_EOF | H2C_F_WR_ERR))) {
                if ((s->flags & H2S_F_TUNNEL) && (s->flags & H2S_F_OUT_EOM)) {
                        /* a tunnel that ended: its last bytes and END_STREAM still go (tx
                         * stays until then); what the client still sends is dropped */
                } else if (!ok || !(s->flags & H2S_F_OUT_DONE)) {
                        /* cut: the client hears it at once (tx stays until the stream is
                         * freed: a DATA frame nghttp2 prepared may still take from it), as a
                         * cancel when the server cancelled */
                        (void)nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id,
                                                        (sd->flags & SD_F_CANCEL)
                                                                ? NGHTTP2_CANCEL
                                                                : NGHTTP2_INTERNAL_ERROR);
                } else if (!(s->flags & H2S_F_IN_EOS)) {
                        /* answered before the request ended: the rest of it is not wanted
                         * (RFC 9113 8.1) */
                        (void)nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id,
                                                        NGHTTP2_NO_ERROR);
                }
                if (!(h->flags & H2C_F_BUSY))
                        loop_defer_queue(&h->run);
                return;
        }
        h2s_free(s);
        if (!(h->flags & H2C_F_BUSY))
                loop_defer_queue(&h->run);
}
