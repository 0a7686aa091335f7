/* The HTTP/2 mux, client side (mux_h2.h), over nghttp2.
 *
 * The connection. Bytes read go to nghttp2_session_mem_recv() at once (nghttp2 keeps no
 * copy: header fields and DATA come out through the callbacks below); what nghttp2 has to
 * send is gathered by its send callbacks into the output buffer, a batch of tune.bufsize
 * written in one system call, response bytes copied once, from the stream's buffer to it
 * (DATA frames without a copy in nghttp2). Reading pauses while the client does not take what is
 * written (the output buffer holds tune.bufsize), so a client that only sends cannot grow
 * anything: nghttp2's own queue of control answers is capped (max_outbound_ack).
 *
 * Streams. A stream of the data path (stream.h) is made for an HTTP/2 stream only once its
 * header block is complete (a reset before costs nothing but the decoding), and started
 * after nghttp2 returns, with the others that became ready in the same read. Header fields
 * are copied into a pool buffer as they are decoded, bounded by the head size a request
 * may have (tune.bufsize less tune.maxrewrite) and tune.http.maxhdr fields: past either,
 * the rest of the block is only decoded (the HPACK state must follow) and the request gets
 * a 431. An h2s lives until both nghttp2 closed the stream and the data path let it go, and
 * counts against the concurrency limit until then: a client resetting streams cannot have
 * more server-side work running than SETTINGS_MAX_CONCURRENT_STREAMS (rapid reset).
 *
 * Flow control is backpressure, with nghttp2's automatic window updates off: a stream's
 * receive window opens only as the server side takes the body bytes (rcv_consume), so a
 * request body held back by a slow server stops the client at one window per stream. The
 * connection window is given back as bytes arrive, so a stalled stream never blocks the
 * others. Response bytes wait in a buffer of tune.bufsize per stream until the client's
 * window lets nghttp2 take them; when it is full the server side is not read.
 *
 * Abuse. Beside nghttp2's own limits (the rapid-reset token bucket, the CONTINUATION cap,
 * the cap on queued SETTINGS and PING answers), the connection counts glitches: invalid
 * frames and fields, refused and early-reset streams, empty DATA frames, and PING, SETTINGS,
 * PRIORITY and WINDOW_UPDATE frames beyond a sane rate. At three quarters of
 * tune.h2.fe.glitches-threshold the client gets a graceful GOAWAY, at the threshold the
 * connection ends with ENHANCE_YOUR_CALM. */
#include "mux_h2.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "conn.h"
#include "h2-int.h"
#include "h2_conv.h"
#include "h2_mem.h"
#include "list.h"
#include "log.h"
#include "loop.h"
#include "macros.h"
#include "model.h"
#include "session.h"
#include "srvconn.h"
#include "stream.h"
#include "wcount.h"
#include "wctx.h"
#include "xprt_tls.h"

/* soft stop: from the shutdown notice to the GOAWAY naming the last stream, about a round
 * trip, so that requests the client sent meanwhile are still served (RFC 9113 6.8) */
#define H2_STOP_GRACE_MS 100
/* reads per wake-up, so that one busy connection cannot starve the others */
#define H2_MAX_READS     8
/* PING, SETTINGS, PRIORITY and WINDOW_UPDATE frames a second that are not glitches */
#define H2_CTRL_PER_SEC  100

static void h2c_close(struct h2c *h);
static void h2c_update(struct h2c *h);

/* ---- settings ---- */

static size_t head_limit(const struct h2c *h)
{
        return h->w->bufs.size - cfg_maxrewrite(h2c_glob(h));
}

static unsigned max_streams(const struct h2c *h)
{
        return h2c_srv(h) ? h2c_glob(h)->tune_h2_be_max_concurrent_streams
                          : h2c_glob(h)->tune_h2_max_concurrent_streams;
}

/* ---- glitches ---- */

void h2c_glitch(struct h2c *h, unsigned n)
{
        unsigned lim = h2c_srv(h) ? h2c_glob(h)->tune_h2_be_glitches_threshold
                                  : h2c_glob(h)->tune_h2_fe_glitches_threshold;

        h->glitches += n;
        if (!lim || h->state == H2C_ST_CLOSED)
                return;
        if (h->glitches >= lim) {
                if (!(h->flags & H2C_F_FATAL)) {
                        h->why = h2c_srv(h) ? "too many protocol glitches "
                                              "(tune.h2.be.glitches-threshold)"
                                            : "too many protocol glitches "
                                              "(tune.h2.fe.glitches-threshold)";
                        (void)nghttp2_session_terminate_session(h->ng, NGHTTP2_ENHANCE_YOUR_CALM);
                        h->flags |= H2C_F_FATAL | H2C_F_GOAWAY;
                }
        } else if (h->glitches >= lim - lim / 4 && !(h->flags & H2C_F_CALM_SENT)) {
                /* near the limit: no new stream, those running finish */
                h->flags |= H2C_F_CALM_SENT | H2C_F_GOAWAY;
                (void)nghttp2_submit_goaway(h->ng, NGHTTP2_FLAG_NONE, h->last_id, NGHTTP2_NO_ERROR,
                                            NULL, 0);
        }
}

/* A control frame: a glitch beyond H2_CTRL_PER_SEC in a second. */
static void h2c_ctrl_frame(struct h2c *h)
{
        uint64_t sec = loop_now(h->w->loop) / 1000;

        if (sec != h->ctrl_sec) {
                h->ctrl_sec = sec;
                h->ctrl_n = 0;
        }
        if (++h->ctrl_n > H2_CTRL_PER_SEC)
                h2c_glitch(h, 1);
}

/* ---- streams ---- */

void h2s_wake(struct h2s *s, bool start)
{
        struct h2c *h = s->h;

        if (!start && !s->strm && !(s->flags & H2S_F_START))
                return;
        if (start)
                s->flags |= H2S_F_START;
        if (sl_list_linked(&s->wake_link))
                return;
        sl_list_push_back(&h->wakeq, &s->wake_link);
        if (!(h->flags & H2C_F_BUSY))
                loop_defer_queue(&h->run);
}

/* The response of @s was all taken by nghttp2: no more server-side work for it. */
void h2s_out_done(struct h2s *s)
{
        if (!(s->flags & H2S_F_OUT_DONE)) {
                s->flags |= H2S_F_OUT_DONE;
                s->h->n_done++;
        }
}

void h2s_free(struct h2s *s)
{
        struct h2c *h = s->h;

        if (s->flags & H2S_F_OUT_DONE)
                h->n_done--;
        if (!(s->flags & H2S_F_DISPATCHED))
                h->n_heads--;
        sl_list_del(&s->link);
        sl_list_del(&s->wake_link);
        worker_buf_drop(h->w, &s->head);
        worker_buf_drop(h->w, &s->tx);
        free(s->rx);
        free(s->trl);
        if (h->ng && s->id > 0 && !(s->flags & H2S_F_CLOSED))
                (void)nghttp2_session_set_stream_user_data(h->ng, s->id, NULL);
        if (--h->n_streams == 0)
                h->idle_start_ms = loop_now(h->w->loop);
        free(s);
}

struct h2s *h2s_new(struct h2c *h, int32_t id)
{
        struct h2s *s = calloc(1, sizeof(*s));

        if (!s)
                return NULL;
        s->h = h;
        s->id = id;
        s->head_start_ms = loop_now(h->w->loop);
        sl_list_init(&s->wake_link);
        sl_list_push_back(&h->streams, &s->link);
        h->n_streams++;
        /* a request sent to a server is never an incomplete header block of ours */
        if (h2c_srv(h))
                s->flags |= H2S_F_DISPATCHED;
        else
                h->n_heads++;
        return s;
}

struct h2s *h2s_of(struct h2c *h, int32_t id)
{
        return nghttp2_session_get_stream_user_data(h->ng, id);
}

/* Copy @p/@n to the head buffer's field bytes; its offset, or -1 when it does not fit
 * (beside the index growing from the end). */
static long head_put(struct h2s *s, const uint8_t *p, size_t n)
{
        size_t idx = (s->n_fields + 1) * sizeof(struct h2_field);
        size_t at = s->head_used;

        if (at + n + idx > s->head.size)
                return -1;
        memcpy(s->head.area + at, p, n);
        s->head_used += n;
        return (long)at;
}

void h2s_field(struct h2s *s, const uint8_t *name, size_t nlen, const uint8_t *value, size_t vlen)
{
        struct h2c *h = s->h;
        size_t max_fields = (s->flags & H2S_F_TRAILERS) ? HTTP_MAX_TRAILERS : STRM_MAX_HEADERS;
        long no, vo;

        /* RFC 9113 6.5.2's accounting: 32 bytes per field beside its name and value */
        s->head_bytes += nlen + vlen + 32;
        if (s->flags & (H2S_F_TOO_LARGE | H2S_F_BAD))
                return;
        if (s->head_bytes > head_limit(h) || nlen > UINT16_MAX ||
            (nlen && name[0] != ':' && s->n_fields - s->n_head >= max_fields)) {
                s->flags |= H2S_F_TOO_LARGE;
                return;
        }
        if (!worker_buf_get(h->w, &s->head)) {
                s->flags |= H2S_F_TOO_LARGE;
                return;
        }
        no = head_put(s, name, nlen);
        vo = no < 0 ? -1 : head_put(s, value, vlen);
        if (vo < 0) {
                s->flags |= H2S_F_TOO_LARGE;
                return;
        }
        if (nlen && name[0] == ':') {
                if ((s->flags & H2S_F_TRAILERS) ||
                    !h2_pseudo_set(&s->ps, sl_str_make(s->head.area + no, nlen),
                                   sl_str_make(s->head.area + vo, vlen)))
                        s->flags |= H2S_F_BAD;
                return;
        }
        *field_at(s, s->n_fields++) =
                (struct h2_field){(uint32_t)no, (uint32_t)vo, (uint16_t)nlen, (uint32_t)vlen};
}

/* The header block of @s is complete: its stream is made once nghttp2 returns. */
static void h2s_dispatch(struct h2s *s, bool end_stream)
{
        s->flags |= H2S_F_DISPATCHED;
        s->h->n_heads--;
        if (end_stream)
                s->flags |= H2S_F_IN_EOS | H2S_F_HEAD_EOS;
        s->n_head = s->n_fields;
        h2s_wake(s, true);
}

/* A WebSocket over HTTP/2 goes to an HTTP/1.1 server with the handshake's key (RFC 8441
 * 5: the proxy makes one; the server's Sec-WebSocket-Accept is not passed back): 16 random
 * bytes in base64, written after the fields in the head buffer. */
static bool ws_key(struct h2s *s, struct http_msg *m, size_t *used)
{
        unsigned char raw[16];
        size_t end = s->head.size - s->n_fields * sizeof(struct h2_field);
        char *p = s->head.area + *used;

        if (buf_is_null(&s->head) || end < *used + 25 || RAND_bytes(raw, sizeof(raw)) != 1)
                return false;
        if (EVP_EncodeBlock((unsigned char *)p, raw, sizeof(raw)) != 24)
                return false;
        if (!http_hdr_add(m, SL_STR_LIT("sec-websocket-key"), sl_str_make(p, 24)))
                return false;
        *used += 24;
        return true;
}

/* Make and start the stream of @s, once nghttp2 returned: its request head from the header
 * block, or its error. A stream reset meanwhile was freed (on_stream_close()): it never
 * costs a stream of the data path, a server connection or a log line. */
static void h2s_start(struct h2s *s)
{
        struct h2c *h = s->h;
        struct stream *st;
        struct http_msg *m;
        size_t used = s->head_used;
        int r = 0;

        st = stream_new(h->sess, &mux_h2_ops, s, h->n_total > 1,
                        h->n_total > 1 ? s->head_start_ms : h->idle_start_ms, &s->sd);
        if (!st) {
                s->flags |= H2S_F_DETACHED;
                (void)nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id,
                                                NGHTTP2_REFUSED_STREAM);
                return;
        }
        s->strm = st;
        h->n_attached++;
        m = stream_request(st);

        if (s->flags & H2S_F_TOO_LARGE) {
                r = HTTP_E_TOO_LARGE;
        } else if (s->flags & H2S_F_BAD) {
                r = -EBADMSG;
        } else {
                m->n_hdrs = 0;
                for (size_t i = 0; i < s->n_head && r == 0; i++) {
                        const struct h2_field *f = field_at(s, i);

                        if (!http_hdr_add(m, field_name(s, f), field_value(s, f)))
                                r = HTTP_E_TOO_LARGE;
                }
                /* the joined cookie goes between the fields and the index */
                if (r == 0)
                        r = h2_request_finish(
                                m, &s->ps, (s->flags & H2S_F_HEAD_EOS) != 0, s->head.area,
                                buf_is_null(&s->head)
                                        ? 0
                                        : s->head.size - s->n_fields * sizeof(struct h2_field),
                                &used);
        }
        if (r < 0) {
                /* an HTTP/2 request that is not one: nothing is forwarded, the client gets
                 * the status, the connection goes on */
                if (r == -EBADMSG)
                        h2c_glitch(h, 1);
                stream_fail(st, (unsigned)http_error_status(r), 'P', 'R', s->head_bytes);
                return;
        }
        if (s->ps.protocol.ptr) {
                s->flags |= H2S_F_EXT_CONNECT;
                if (sl_str_ieq(s->ps.protocol, SL_STR_LIT("websocket")) && !ws_key(s, m, &used)) {
                        stream_fail(st, 431, 'P', 'R', s->head_bytes);
                        return;
                }
        }
        s->head_used = used;
        s->meth = m->meth;
        stream_start(st, s->head_bytes);
}

/* ---- nghttp2 callbacks ---- */

static int on_begin_headers(nghttp2_session *ng, const nghttp2_frame *fr, void *data)
{
        struct h2c *h = data;
        struct h2s *s;
        int32_t id = fr->hd.stream_id;

        if (fr->hd.type != NGHTTP2_HEADERS)
                return 0;
        if (fr->headers.cat == NGHTTP2_HCAT_HEADERS) {
                /* trailers of a request */
                s = h2s_of(h, id);
                if (s) {
                        s->flags |= H2S_F_TRAILERS;
                        s->head_bytes = 0;
                }
                return 0;
        }
        if (fr->headers.cat != NGHTTP2_HCAT_REQUEST)
                return 0;
        if ((h->flags & H2C_F_GOAWAY) || h->n_streams - h->n_done >= max_streams(h)) {
                /* over the limit, counting the streams whose server-side work is still being
                 * cancelled (rapid reset), not those answered: refused, the client may retry
                 * it */
                h2c_glitch(h, 1);
                (void)nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
                return 0;
        }
        s = h2s_new(h, id);
        if (!s) {
                (void)nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
                return 0;
        }
        (void)nghttp2_session_set_stream_user_data(ng, id, s);
        h->last_id = id;
        h->n_total++;
        loop_timer_disarm(&h->timer);
        {
                unsigned total = h2c_glob(h)->tune_h2_fe_max_total_streams;

                if (total && h->n_total >= total && !(h->flags & H2C_F_GOAWAY)) {
                        /* tune.h2.fe.max-total-streams: this is the last one */
                        h->flags |= H2C_F_GOAWAY;
                        (void)nghttp2_submit_goaway(ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_NO_ERROR,
                                                    NULL, 0);
                }
        }
        return 0;
}

static int on_header(nghttp2_session *ng, const nghttp2_frame *fr, const uint8_t *name, size_t nlen,
                     const uint8_t *value, size_t vlen, uint8_t flags, void *data)
{
        struct h2c *h = data;
        struct h2s *s;

        (void)ng;
        (void)flags;
        if (fr->hd.type != NGHTTP2_HEADERS)
                return 0;
        s = h2s_of(h, fr->hd.stream_id);
        if (s && !(s->flags & H2S_F_DETACHED))
                h2s_field(s, name, nlen, value, vlen);
        return 0;
}

static int on_invalid_header(nghttp2_session *ng, const nghttp2_frame *fr, const uint8_t *name,
                             size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags,
                             void *data)
{
        (void)ng;
        (void)fr;
        (void)name;
        (void)nlen;
        (void)value;
        (void)vlen;
        (void)flags;
        /* nghttp2 resets the stream (PROTOCOL_ERROR) */
        h2c_glitch(data, 1);
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

static int on_frame_recv(nghttp2_session *ng, const nghttp2_frame *fr, void *data)
{
        struct h2c *h = data;
        struct h2s *s = fr->hd.stream_id ? h2s_of(h, fr->hd.stream_id) : NULL;
        bool eos = (fr->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;

        (void)ng;
        switch (fr->hd.type) {
        case NGHTTP2_HEADERS:
                if (!s)
                        break;
                if (fr->headers.cat == NGHTTP2_HCAT_REQUEST) {
                        h2s_dispatch(s, eos);
                } else if (eos && (s->flags & H2S_F_DISPATCHED)) {
                        /* trailers over the limits are dropped, the body ends */
                        if (s->flags & (H2S_F_TOO_LARGE | H2S_F_BAD))
                                s->n_fields = s->n_head;
                        s->flags |= H2S_F_IN_EOS;
                        h2s_wake(s, false);
                }
                break;
        case NGHTTP2_DATA:
                if (fr->hd.length == 0 && !eos)
                        h2c_glitch(h, 1); /* an empty DATA frame carries nothing */
                if (s && eos) {
                        s->flags |= H2S_F_IN_EOS;
                        h2s_wake(s, false);
                }
                break;
        case NGHTTP2_PING:
        case NGHTTP2_PRIORITY:
                h2c_ctrl_frame(h);
                break;
        case NGHTTP2_SETTINGS:
                if (!(fr->hd.flags & NGHTTP2_FLAG_ACK))
                        h2c_ctrl_frame(h);
                break;
        case NGHTTP2_WINDOW_UPDATE:
                h2c_ctrl_frame(h);
                /* the client made room: streams waiting to send may go on */
                break;
        default:
                break;
        }
        return 0;
}

static int on_invalid_frame(nghttp2_session *ng, const nghttp2_frame *fr, int err, void *data)
{
        struct h2c *h = data;

        (void)ng;
        (void)fr;
        if (!h->why)
                h->why = nghttp2_strerror(err);
        h2c_glitch(h, 1);
        return 0;
}

static int on_frame_send(nghttp2_session *ng, const nghttp2_frame *fr, void *data)
{
        struct h2c *h = data;

        if (fr->hd.type == NGHTTP2_HEADERS && h2c_srv(h) &&
            fr->headers.cat == NGHTTP2_HCAT_REQUEST) {
                /* the request went: its body may follow (h2_snd_data()) */
                struct h2s *s = nghttp2_session_get_stream_user_data(ng, fr->hd.stream_id);

                if (s) {
                        s->flags |= H2S_F_OPENED;
                        if (s->flags & H2S_F_WANT_SND)
                                h2s_wake(s, false);
                }
                return 0;
        }
        if (fr->hd.type == NGHTTP2_GOAWAY && !h2c_srv(h) &&
            fr->goaway.error_code != NGHTTP2_NO_ERROR) {
                /* a connection error nghttp2 found itself is a glitch too */
                if (!h->goaway_err && h->glitches == 0)
                        h2c_glitch(h, 1);
                h->goaway_err = fr->goaway.error_code;
        }
        return 0;
}

static int on_data_chunk(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *p,
                         size_t len, void *data)
{
        struct h2c *h = data;
        struct h2s *s = h2s_of(h, id);

        (void)flags;
        /* the connection's window is given back at once: a stream held back by its server
         * never blocks the others (each stream is bounded by its own window) */
        (void)nghttp2_session_consume_connection(ng, len);
        if (!s || (s->flags & (H2S_F_DETACHED | H2S_F_IN_EOM))) {
                /* nobody takes them (the response ended first): dropped */
                (void)nghttp2_session_consume_stream(ng, id, len);
                return 0;
        }
        if (s->rx_off + s->rx_len + len > s->rx_cap) {
                if (s->rx_len + len > s->rx_cap) {
                        /* more than the window allows: nghttp2 checks it, this is a second
                         * line; the window is what the buffer holds */
                        size_t cap = SL_MAX((size_t)h2c_init_window(h), s->rx_len + len);
                        char *n = malloc(cap);

                        if (!n) {
                                (void)nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id,
                                                                NGHTTP2_INTERNAL_ERROR);
                                return 0;
                        }
                        if (s->rx_len)
                                memcpy(n, s->rx + s->rx_off, s->rx_len);
                        free(s->rx);
                        s->rx = n;
                        s->rx_cap = cap;
                } else {
                        memmove(s->rx, s->rx + s->rx_off, s->rx_len);
                }
                s->rx_off = 0;
        }
        memcpy(s->rx + s->rx_off + s->rx_len, p, len);
        s->rx_len += len;
        if (s->flags & H2S_F_WANT_RCV)
                h2s_wake(s, false);
        return 0;
}

static int on_stream_close(nghttp2_session *ng, int32_t id, uint32_t err, void *data)
{
        struct h2c *h = data;
        struct h2s *s = h2s_of(h, id);

        (void)ng;
        if (!s)
                return 0;
        s->flags |= H2S_F_CLOSED;
        if (err != NGHTTP2_NO_ERROR && !(s->flags & H2S_F_OUT_HEAD))
                h2c_glitch(h, 1); /* reset before its answer: rapid reset's pattern */
        if (!s->strm) {
                h2s_free(s);
                return 0;
        }
        /* a stream of the data path cut before both messages ended: the client reset it */
        if (!(s->flags & H2S_F_OUT_DONE) || !(s->flags & H2S_F_IN_EOS)) {
                s->sd->flags |= SD_F_ERR | SD_F_EOS;
                h2s_wake(s, false);
        }
        return 0;
}

/* Room at the tail of the output buffer for @n bytes (allocated at first use, compacted);
 * false when there is none before what it holds is written. */
static bool out_room(struct h2c *h, size_t n)
{
        if (!h->out) {
                /* a batch of tune.bufsize, and the largest DATA frame nghttp2 makes */
                h->out_cap = h->w->bufs.size + H2_DATA_MAX + 64;
                h->out = malloc(h->out_cap);
                if (!h->out)
                        return false;
                h->out_off = h->out_len = 0;
        }
        if (h->out_off + h->out_len + n <= h->out_cap)
                return true;
        if (h->out_len + n > h->out_cap)
                return false;
        memmove(h->out, h->out + h->out_off, h->out_len);
        h->out_off = 0;
        return true;
}

/* nghttp2's frames (but DATA) into the output buffer, a batch of about tune.bufsize at a
 * time; nghttp2 keeps what does not fit. */
static ssize_t on_send(nghttp2_session *ng, const uint8_t *p, size_t len, int flags, void *data)
{
        struct h2c *h = data;
        size_t n;

        (void)ng;
        (void)flags;
        if (h->out_len >= h->w->bufs.size || !out_room(h, 1))
                return NGHTTP2_ERR_WOULDBLOCK;
        n = SL_MIN(len, h->out_cap - h->out_off - h->out_len);
        memcpy(h->out + h->out_off + h->out_len, p, n);
        h->out_len += n;
        return (ssize_t)n;
}

/* A DATA frame: its header, then the bytes of tx on_read_body() counted. */
static int on_send_data(nghttp2_session *ng, nghttp2_frame *fr, const uint8_t *hd, size_t len,
                        nghttp2_data_source *src, void *data)
{
        struct h2c *h = data;
        struct h2s *s = src->ptr;
        char *o;

        (void)ng;
        (void)fr;
        if (buf_is_null(&s->tx) || s->tx.data < len)
                return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE; /* never: the stream is reset */
        if (h->out_len >= h->w->bufs.size || !out_room(h, 9 + len))
                return NGHTTP2_ERR_WOULDBLOCK;
        o = h->out + h->out_off + h->out_len;
        memcpy(o, hd, 9);
        if (len) {
                memcpy(o + 9, buf_head(&s->tx), len);
                buf_consume(&s->tx, len);
                if (s->tx.data == 0)
                        worker_buf_release(h->w, &s->tx);
                if (s->flags & H2S_F_WANT_SND)
                        h2s_wake(s, false);
        }
        h->out_len += 9 + len;
        return 0;
}

static int on_error(nghttp2_session *ng, int code, const char *msg, size_t len, void *data)
{
        (void)ng;
        (void)code;
        (void)data;
        sl_log(LOG_DEBUG, "h2: %.*s", (int)len, msg);
        return 0;
}

void h2_callbacks_common(nghttp2_session_callbacks *cb)
{
        nghttp2_session_callbacks_set_on_invalid_header_callback(cb, on_invalid_header);
        nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cb, on_invalid_frame);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
        nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
        nghttp2_session_callbacks_set_send_callback(cb, on_send);
        nghttp2_session_callbacks_set_send_data_callback(cb, on_send_data);
        nghttp2_session_callbacks_set_error_callback2(cb, on_error);
}

static nghttp2_session_callbacks *h2_callbacks(void)
{
        static nghttp2_session_callbacks *cb;

        if (cb)
                return cb;
        if (nghttp2_session_callbacks_new(&cb) != 0)
                return NULL;
        h2_callbacks_common(cb);
        nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
        nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
        nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
        return cb;
}

void h2_options_set(nghttp2_option *opt)
{
        /* flow control is the data path's backpressure (rcv_consume) */
        nghttp2_option_set_no_auto_window_update(opt, 1);
        /* no priority tree: closed streams are forgotten at once */
        nghttp2_option_set_no_closed_streams(opt, 1);
        /* queued SETTINGS and PING answers a client not reading may pile up */
        nghttp2_option_set_max_outbound_ack(opt, 1000);
        nghttp2_option_set_max_settings(opt, 32);
        /* Debian's 1.52 carries both: rapid reset's token bucket and the CONTINUATION cap */
        nghttp2_option_set_stream_reset_rate_limit(opt, 1000, 33);
        nghttp2_option_set_max_continuations(opt, 8);
}

nghttp2_option *h2_options(void)
{
        static nghttp2_option *opt;

        if (opt)
                return opt;
        if (nghttp2_option_new(&opt) != 0)
                return NULL;
        h2_options_set(opt);
        return opt;
}

/* ---- output ---- */

/* Write what out holds; -EAGAIN while some is left, 0, or -errno. */
static int h2c_write(struct h2c *h)
{
        while (h->out_len) {
                struct iovec iov = {h->out + h->out_off, h->out_len};
                ssize_t w = conn_sendv(h->conn, &iov, 1, false);

                if (w == -EAGAIN)
                        return -EAGAIN;
                if (w < 0) {
                        h->flags |= H2C_F_WR_ERR;
                        h->out_len = 0;
                        return (int)w;
                }
                h->out_off += (size_t)w;
                h->out_len -= (size_t)w;
        }
        h->out_off = 0;
        return 0;
}

/* Serialize and write until the socket is full or nothing is left. */
static void h2c_send(struct h2c *h)
{
        if (h->flags & H2C_F_WR_ERR)
                return;
        for (int i = 0; i < 64; i++) {
                int r = nghttp2_session_send(h->ng);

                if (r != 0) {
                        sl_log(LOG_DEBUG, "h2: cannot send: %s", nghttp2_strerror(r));
                        h->flags |= H2C_F_FATAL;
                        break;
                }
                if (h->out_len == 0 || h2c_write(h) < 0 || !nghttp2_session_want_write(h->ng))
                        break;
        }
}

/* ---- the connection ---- */

static void h2c_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct h2c, reap));
}

static void h2_release(struct conn *c)
{
        struct h2c *h = c->mux_ctx;

        if (!h || h->state == H2C_ST_CLOSED)
                return;
        h->state = H2C_ST_CLOSED;
        /* the streams were let go by h2c_close(), unless the connection was closed from
         * outside: they go now */
        {
                struct sl_list *l, *n;

                sl_list_for_each_safe(l, n, &h->streams) {
                        struct h2s *s = sl_container_of(l, struct h2s, link);

                        if (s->strm)
                                stream_kill(s->strm, 'K');
                }
        }
        while (!sl_list_empty(&h->streams)) {
                struct h2s *s = sl_container_of(h->streams.next, struct h2s, link);

                s->flags |= H2S_F_CLOSED;
                h2s_free(s);
        }
        nghttp2_session_del(h->ng);
        h->ng = NULL;
        loop_timer_deinit(&h->timer);
        loop_defer_cancel(&h->run);
        worker_buf_drop(h->w, &h->ibuf);
        free(h->out);
        h->out = NULL;
        loop_reap(h->w->loop, &h->reap);
}

/* End every stream and the session. */
static void h2c_close(struct h2c *h)
{
        struct sl_list *l, *n;

        if (h->state == H2C_ST_CLOSED)
                return;
        if (h2c_srv(h)) {
                /* the streams let go of it first (h2c_srv_after()) */
                srv_conn_close(srv_conn_of(h->conn));
                return;
        }
        if (h->goaway_err || h->why) {
                /* one line per connection ended by an error, never one per frame */
                char ip[INET6_ADDRSTRLEN];
                unsigned port = sess_peer(h->sess, ip, sizeof(ip));

                sl_log(LOG_INFO, "%s: HTTP/2 connection from %s:%u closed: %s%s%s%s, %u glitches",
                       h->sess->fe->name, ip, port, h->why ? h->why : "a protocol violation",
                       h->goaway_err ? " (GOAWAY " : "",
                       h->goaway_err ? nghttp2_http2_strerror(h->goaway_err) : "",
                       h->goaway_err ? ")" : "", h->glitches);
        }
        sl_list_for_each_safe(l, n, &h->streams) {
                struct h2s *s = sl_container_of(l, struct h2s, link);

                if (s->strm) {
                        s->flags |= H2S_F_CLOSED;
                        stream_kill(s->strm, 'C');
                }
        }
        sess_close(h->sess);
}

/* Streams queued to start or wake. */
static void h2c_run_wakes(struct h2c *h)
{
        for (unsigned i = 0; i < 4 * max_streams(h) + 16 && !sl_list_empty(&h->wakeq); i++) {
                struct h2s *s = sl_container_of(h->wakeq.next, struct h2s, wake_link);
                bool start = s->flags & H2S_F_START;

                sl_list_del(&s->wake_link);
                s->flags &= ~(uint32_t)H2S_F_START;
                if (start) {
                        h2s_start(s);
                } else if (s->strm) {
                        s->flags &= ~(uint32_t)(H2S_F_WANT_RCV | H2S_F_WANT_SND);
                        stream_wake(s->strm);
                }
                if (h->state == H2C_ST_CLOSED)
                        return;
        }
}

/* The deadline of the connection's own timer: an idle connection's keep-alive, an
 * incomplete header block's http-request, the grace of a soft stop. */
static void h2c_arm(struct h2c *h)
{
        const struct cfg_proxy *fe = h->sess->fe;
        uint64_t now = loop_now(h->w->loop), at = 0;
        struct sl_list *l;

        if (h->state == H2C_ST_CLOSED || (h->flags & H2C_F_STOPPING) || h2c_srv(h))
                return;
        if (h->n_streams == 0) {
                uint64_t to = cfg_proxy_timeout(fe, CFG_TO_HTTP_KEEP_ALIVE)
                                      ?: cfg_proxy_timeout(fe, CFG_TO_HTTP_REQUEST)
                                      ?: cfg_proxy_timeout(fe, CFG_TO_CLIENT);

                if (h->n_total == 0)
                        to = cfg_proxy_timeout(fe, CFG_TO_HTTP_REQUEST)
                                     ?: cfg_proxy_timeout(fe, CFG_TO_CLIENT);
                if (to)
                        at = h->idle_start_ms + to;
        } else if (h->n_heads) {
                uint64_t to = cfg_proxy_timeout(fe, CFG_TO_HTTP_REQUEST)
                                      ?: cfg_proxy_timeout(fe, CFG_TO_CLIENT);

                sl_list_for_each(l, &h->streams) {
                        struct h2s *s = sl_container_of(l, struct h2s, link);

                        if (!(s->flags & H2S_F_DISPATCHED) && to &&
                            (!at || s->head_start_ms + to < at))
                                at = s->head_start_ms + to;
                }
        }
        if (at)
                loop_timer_arm(&h->timer, at > now ? at - now : 0);
        else
                loop_timer_disarm(&h->timer);
}

static void h2c_on_timer(struct loop_timer *t)
{
        struct h2c *h = sl_container_of(t, struct h2c, timer);
        uint64_t now = loop_now(h->w->loop);
        const struct cfg_proxy *fe = h->sess->fe;
        uint64_t to =
                cfg_proxy_timeout(fe, CFG_TO_HTTP_REQUEST) ?: cfg_proxy_timeout(fe, CFG_TO_CLIENT);
        struct sl_list *l, *n;

        if (h->flags & H2C_F_STOPPING) {
                /* the grace is over: the last stream the client may still see served */
                if (!(h->flags & H2C_F_GOAWAY)) {
                        h->flags |= H2C_F_GOAWAY;
                        (void)nghttp2_submit_goaway(h->ng, NGHTTP2_FLAG_NONE, h->last_id,
                                                    NGHTTP2_NO_ERROR, NULL, 0);
                }
                h2c_process(h);
                return;
        }
        if (h->n_streams == 0) {
                /* idle: a GOAWAY, then the close once it went */
                h->flags |= H2C_F_GOAWAY | H2C_F_FATAL;
                (void)nghttp2_submit_goaway(h->ng, NGHTTP2_FLAG_NONE, h->last_id, NGHTTP2_NO_ERROR,
                                            NULL, 0);
                h2c_process(h);
                return;
        }
        /* header blocks not completed in time (slowloris over HTTP/2) */
        sl_list_for_each_safe(l, n, &h->streams) {
                struct h2s *s = sl_container_of(l, struct h2s, link);

                if (!(s->flags & H2S_F_DISPATCHED) && to && s->head_start_ms + to <= now) {
                        s->flags |= H2S_F_DISPATCHED | H2S_F_DETACHED;
                        h->n_heads--;
                        h2c_glitch(h, 1);
                        (void)nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id,
                                                        NGHTTP2_CANCEL);
                }
        }
        h2c_process(h);
}

/* May the connection read now? Not while the client leaves our output unread. */
static bool h2c_may_read(const struct h2c *h)
{
        return !(h->flags & (H2C_F_RD_EOF | H2C_F_FATAL)) && h->out_len < h->w->bufs.size &&
               nghttp2_session_want_read(h->ng);
}

/* The client's end: every stream still running is cut. */
static void h2c_client_gone(struct h2c *h)
{
        struct sl_list *l;

        h->flags |= H2C_F_RD_EOF;
        sl_list_for_each(l, &h->streams) {
                struct h2s *s = sl_container_of(l, struct h2s, link);

                if (s->strm) {
                        s->sd->flags |= SD_F_ERR | SD_F_EOS;
                        h2s_wake(s, false);
                }
        }
}

static void h2c_read(struct h2c *h)
{
        for (int i = 0; i < H2_MAX_READS && h2c_may_read(h); i++) {
                ssize_t n, r;

                if (buf_is_null(&h->ibuf) || h->ibuf.data == 0) {
                        if (!(h->conn->flags & CONN_F_RD))
                                break;
                        if (!worker_buf_get(h->w, &h->ibuf))
                                break;
                        h->ibuf.head = 0;
                        n = conn_recv(h->conn, &h->ibuf);
                        if (n == -EAGAIN)
                                break;
                        if (n <= 0) {
                                h2c_client_gone(h);
                                break;
                        }
                }
                r = nghttp2_session_mem_recv(h->ng, (const uint8_t *)buf_head(&h->ibuf),
                                             h->ibuf.data);
                if (r < 0) {
                        /* a connection error: nghttp2 queued its GOAWAY when there is one */
                        if (!h->why)
                                h->why = nghttp2_strerror((int)r);
                        h2c_glitch(h, 1);
                        h->flags |= H2C_F_FATAL;
                        h->ibuf.data = 0;
                        break;
                }
                buf_consume(&h->ibuf, (size_t)r);
        }
        if (!buf_is_null(&h->ibuf) && h->ibuf.data == 0)
                worker_buf_release(h->w, &h->ibuf);
}

/* Ask for the events the connection waits for. */
static void h2c_update(struct h2c *h)
{
        uint32_t want = 0;

        if (h->state == H2C_ST_CLOSED)
                return;
        if (h2c_may_read(h))
                want |= CONN_WANT_RD;
        else if (!(h->flags & H2C_F_RD_EOF))
                want |= CONN_WANT_HUP;
        if (h->out_len)
                want |= CONN_WANT_WR;
        conn_want(h->conn, want);
}

/* Everything the connection has to do now. */
void h2c_process(struct h2c *h)
{
        if (h->state == H2C_ST_CLOSED)
                return;
        if (h2c_srv(h) && conn_connecting(h->conn) && !(h->flags & H2C_F_WR_ERR)) {
                /* nothing is read or written before the server is reached */
                loop_defer_cancel(&h->run);
                if (h->conn->state == CONN_ST_CONNECTING)
                        conn_want(h->conn, CONN_WANT_WR);
                return;
        }
        h->flags |= H2C_F_BUSY;
        loop_defer_cancel(&h->run);
        if (h->out_len && (h->conn->flags & CONN_F_WR) && h2c_write(h) < 0 &&
            (h->flags & H2C_F_WR_ERR))
                h2c_client_gone(h);
        /* streams that ended let go of their slots before new ones are read */
        h2c_run_wakes(h);
        if (h->state == H2C_ST_CLOSED)
                return;
        h2c_read(h);
        for (int i = 0; i < 4 && !sl_list_empty(&h->wakeq); i++) {
                h2c_run_wakes(h);
                if (h->state == H2C_ST_CLOSED)
                        return;
        }
        h2c_send(h);
        h->flags &= ~(uint32_t)H2C_F_BUSY;
        if (!sl_list_empty(&h->wakeq))
                loop_defer_queue(&h->run);
        if (h2c_srv(h)) {
                h2c_srv_after(h);
                return;
        }
        if (h->flags & H2C_F_WR_ERR)
                h2c_client_gone(h);
        /* the end: nothing more to say or hear, or a failure once its GOAWAY went */
        if ((h->flags & (H2C_F_RD_EOF | H2C_F_WR_ERR)) && h->n_attached == 0) {
                h2c_close(h);
                return;
        }
        if (h->out_len == 0 && !nghttp2_session_want_write(h->ng) &&
            ((h->flags & H2C_F_FATAL) ||
             (h->n_attached == 0 &&
              (!nghttp2_session_want_read(h->ng) ||
               ((h->flags & H2C_F_GOAWAY) && (h->flags & H2C_F_STOPPING)))))) {
                h2c_close(h);
                return;
        }
        if (h->n_streams == 0 && h->out_len == 0 && h->out) {
                /* an idle connection keeps no output memory */
                free(h->out);
                h->out = NULL;
                h->out_cap = 0;
        }
        h2c_arm(h);
        h2c_update(h);
}

static void h2c_on_run(struct loop_defer *d)
{
        h2c_process(sl_container_of(d, struct h2c, run));
}

struct h2c *h2c_alloc(struct conn *c, struct worker *w, struct sess *sess)
{
        struct h2c *h = calloc(1, sizeof(*h));

        if (!h)
                return NULL;
        h->conn = c;
        h->w = w;
        h->sess = sess;
        if (!sess)
                h->flags |= H2C_F_SRV;
        sl_list_init(&h->streams);
        sl_list_init(&h->wakeq);
        loop_reap_init(&h->reap, h2c_on_reap);
        if (loop_timer_init(w->loop, &h->timer, h2c_on_timer) < 0) {
                free(h);
                return NULL;
        }
        loop_defer_init(w->loop, &h->run, h2c_on_run);
        h->idle_start_ms = loop_now(w->loop);
        return h;
}

void h2c_free_early(struct h2c *h)
{
        if (h->ng)
                nghttp2_session_del(h->ng);
        loop_defer_cancel(&h->run);
        loop_timer_deinit(&h->timer);
        free(h);
}

/* A soft stop, in two steps (RFC 9113 6.8): a GOAWAY that promises nothing yet, then, a
 * round trip later, the one naming the last stream served; streams in flight finish. */
static void h2c_stop_notice(struct h2c *h)
{
        h->flags |= H2C_F_STOPPING;
        (void)nghttp2_submit_shutdown_notice(h->ng);
        loop_timer_arm(&h->timer, H2_STOP_GRACE_MS);
}

static int h2c_init(struct conn *c, struct worker *w, struct sess *sess, struct buf *in)
{
        const struct cfg_global *g = &w->gen->global;
        nghttp2_session_callbacks *cb = h2_callbacks();
        nghttp2_option *opt = h2_options();
        struct h2c *h;
        nghttp2_settings_entry set[6];
        size_t n = 0;

        if (!cb || !opt)
                return -ENOMEM;
        h = h2c_alloc(c, w, sess);
        if (!h)
                return -ENOMEM;
        if (!sess) {
                if (h2c_srv_setup(h) < 0) {
                        h2c_free_early(h);
                        return -ENOMEM;
                }
                c->mux = &mux_h2_ops;
                c->mux_ctx = h;
                h2c_process(h);
                return 0;
        }
        if (nghttp2_session_server_new3(&h->ng, cb, h, opt, h2_mem(w)) != 0) {
                h2c_free_early(h);
                return -ENOMEM;
        }
        set[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS,
                                            g->tune_h2_max_concurrent_streams};
        set[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE,
                                            g->tune_h2_initial_window_size};
        set[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_HEADER_TABLE_SIZE,
                                            g->tune_h2_header_table_size};
        set[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_MAX_FRAME_SIZE,
                                            g->tune_h2_max_frame_size};
        set[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
                                            (uint32_t)(w->bufs.size - cfg_maxrewrite(g))};
        /* WebSocket over HTTP/2 (RFC 8441) */
        set[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1};
        if (nghttp2_submit_settings(h->ng, NGHTTP2_FLAG_NONE, set, n) != 0) {
                h2c_free_early(h);
                return -ENOMEM;
        }
        /* the connection's window is given back as bytes come: make it large enough that
         * WINDOW_UPDATE frames are rare */
        (void)nghttp2_session_set_local_window_size(h->ng, NGHTTP2_FLAG_NONE, 0, 1 << 24);
        c->mux = &mux_h2_ops;
        c->mux_ctx = h;
        if (in && !buf_is_null(in)) {
                h->ibuf = *in;
                *in = BUF_NULL;
        }
        /* one that becomes HTTP/2 while the worker stops (an HTTP/1 connection that sent the
         * preface, a TCP one upgraded) missed the stop: it is told at once */
        if (w->stopping)
                h2c_stop_notice(h);
        h2c_process(h);
        return 0;
}

static int h2_init(struct conn *c, struct worker *w, struct sess *sess)
{
        return h2c_init(c, w, sess, NULL);
}

int mux_h2_take_over(struct conn *c, struct worker *w, struct sess *sess, struct buf *in)
{
        return h2c_init(c, w, sess, in);
}

int mux_h2_srv_take_over(struct conn *c, struct worker *w, struct sd *sd)
{
        struct h2c *h = h2c_alloc(c, w, NULL);
        void *old_ctx = c->mux_ctx;
        const struct mux_ops *old = c->mux;

        if (!h)
                return -ENOMEM;
        if (h2c_srv_setup(h) < 0) {
                h2c_free_early(h);
                return -ENOMEM;
        }
        h->flags |= H2C_F_SRV_SWITCH;
        c->mux = &mux_h2_ops;
        c->mux_ctx = h;
        if (h2_attach(c, sd) < 0) {
                c->mux = old;
                c->mux_ctx = old_ctx;
                h2c_free_early(h);
                return -ENOMEM;
        }
        return 0;
}

static void h2_wake(struct conn *c)
{
        struct h2c *h = c->mux_ctx;

        if (h->state == H2C_ST_CLOSED)
                return;
        if (h2c_srv(h)) {
                h2c_srv_wake(h);
                return;
        }

        /* a reset is seen at once, even while reading waits for the client to take what
         * was written (it would not be read then) */
        if ((h->conn->flags & CONN_F_HUP) && !(h->flags & H2C_F_RD_EOF) && conn_error(h->conn) < 0)
                h2c_client_gone(h);
        h2c_process(h);
}

static void h2_stop(struct conn *c, bool graceful)
{
        struct h2c *h = c->mux_ctx;

        if (!graceful) {
                h2c_close(h);
                return;
        }
        if (h->flags & H2C_F_STOPPING)
                return;
        h2c_stop_notice(h);
        h2c_process(h);
}

static unsigned h2_glitches(const struct conn *c)
{
        const struct h2c *h = c->mux_ctx;

        return h ? h->glitches : 0;
}

static struct stream *h2_cur_stream(struct conn *c)
{
        struct h2c *h = c->mux_ctx;
        struct sl_list *l;

        if (!h)
                return NULL;
        sl_list_for_each(l, &h->streams) {
                struct h2s *s = sl_container_of(l, struct h2s, link);

                if (s->strm)
                        return s->strm;
        }
        return NULL;
}

const struct mux_ops mux_h2_ops = {
        .name = "h2",
        .http_major = 2,
        .init = h2_init,
        .wake = h2_wake,
        .stop = h2_stop,
        .cur_stream = h2_cur_stream,
        .glitches = h2_glitches,
        .release = h2_release,
        .attach = h2_attach,
        .rcv_head = h2_rcv_head,
        .rcv_head_done = h2_rcv_head_done,
        .rcv_data = h2_rcv_data,
        .rcv_consume = h2_rcv_consume,
        .snd_head = h2_snd_head,
        .snd_data = h2_snd_data,
        .flush = h2_flush,
        .tunnel = h2_tunnel,
        .shutw = h2_shutw,
        .ssl = h2_ssl,
        .detach = h2_detach,
};
