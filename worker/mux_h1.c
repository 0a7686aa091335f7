/* The HTTP/1 mux (mux_h1.h): one HTTP/1.1 connection, client or server side, carrying one
 * stream at a time; receiving and sending its messages is h1_msg.c's part.
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

#include <openssl/ssl.h>

#include "conn.h"
#include "h1_msg.h"
#include "h2_conv.h"
#include "http1_parse.h"
#include "log.h"
#include "macros.h"
#include "model.h"
#include "mux_h2.h"
#include "session.h"
#include "srvconn.h"
#include "stream.h"
#include "wctx.h"
#include "werrors.h"
#include "xprt_tls.h"

/* soft stop: how long a keep-alive connection that just finished a response may still bring
 * its next request (see h1_stop()) */
#define H1_STOP_GRACE_MS 100

static void h1c_client_process(struct h1c *h);
static void h1c_close(struct h1c *h);

/* ---- timers (client side) ---- */

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
                stream_fail(h->x->strm, 408, 'c', 'R', h->ibuf.data);
                return;
        }
        if (h->state == H1C_ST_IDLE) {
                /* keep-alive timeout between requests, or the grace of a soft stop */
                h1c_close(h);
                return;
        }
        if (h->state == H1C_ST_BUSY) {
                /* the stream outlasted H1_WATCH_DELAY_MS: watch the client from now on */
                h->flags |= H1C_F_WATCH;
                h1_update_want(h);
        }
}

/* ---- the connection ---- */

/* A connection whose owner gave no room for it (a server's) */
struct h1c_own {
        struct h1c h;
        struct loop_reap reap;
};

static void h1c_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct h1c_own, reap));
}

static void h1c_release(struct h1c *h)
{
        if (!h || h->state == H1C_ST_CLOSED)
                return;
        h1c_set_state(h, H1C_ST_CLOSED);
        loop_timer_deinit(&h->timer);
        /* the exchange object, like the connection's memory, lives to the end of the turn:
         * what still holds the connection in this turn may write to it */
        if (h->x != &h1x_idle) {
                h->x->sd = NULL;
                h->x->strm = NULL;
                h1x_reap(h);
        }
        worker_buf_drop(h->w, &h->ibuf);
        worker_buf_drop(h->w, &h->obuf);
        if (h->flags & H1C_F_OWN)
                loop_reap(h->w->loop, &sl_container_of(h, struct h1c_own, h)->reap);
}

static void h1_release(struct conn *c)
{
        h1c_release(c->mux_ctx);
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
        h1c_client_process(sl_container_of(d, struct h1x, next)->h);
}

/* Free what h1_init() allocated for @h when it fails */
static void h1c_init_undo(struct h1c *h)
{
        h1x_release(h);
        if (h->flags & H1C_F_OWN)
                free(sl_container_of(h, struct h1c_own, h));
}

/* The connection's state, in its session's memory when there is room, set up as idle; the
 * client side's first request is not looked for yet. */
static int h1_setup(struct conn *c, struct worker *w, struct sess *sess, struct h1c **ret_h)
{
        struct h1c *h = sess ? sess_mux_space(sess, sizeof(*h)) : NULL;

        if (!h) {
                struct h1c_own *o = calloc(1, sizeof(*o));

                if (!o)
                        return -ENOMEM;
                loop_reap_init(&o->reap, h1c_on_reap);
                h = &o->h;
                h->flags = H1C_F_OWN;
        }
        h->conn = c;
        h->w = w;
        h->sess = sess;
        h->state = H1C_ST_IDLE;
        h->x = (struct h1x *)&h1x_idle;
        /* a server connection keeps its exchange object for its life: few of them idle,
         * and none waits for one when a stream attaches */
        if (!sess && h1x_take(h) < 0) {
                h1c_init_undo(h);
                return -ENOMEM;
        }
        if (!sess)
                h->flags |= H1C_F_SERVER;
        if (loop_timer_init(w->loop, &h->timer, h1c_on_timer) < 0) {
                h1c_init_undo(h);
                return -ENOMEM;
        }
        c->mux = &mux_h1_ops;
        c->mux_ctx = h;
        if (sess)
                h->idle_start_ms = loop_now(w->loop);
        *ret_h = h;
        return 0;
}

/* The client's time to send a request head: timeout http-request, else timeout client. */
static uint64_t h1c_head_timeout(const struct h1c *h)
{
        const struct cfg_proxy *fe = h->sess->fe;

        return cfg_proxy_timeout(fe, CFG_TO_HTTP_REQUEST) ?: cfg_proxy_timeout(fe, CFG_TO_CLIENT);
}

static int h1_init(struct conn *c, struct worker *w, struct sess *sess)
{
        struct h1c *h;
        int r = h1_setup(c, w, sess, &h);

        if (r < 0)
                return r;
        if (!sess) {
                h1_update_want(h);
                return 0;
        }
        h1c_arm(h, h1c_head_timeout(h));
        /* the request is often there already */
        h1c_client_process(h);
        return 0;
}

int mux_h1_take_over(struct conn *c, struct worker *w, struct sess *sess, struct buf *in,
                     struct stream *st, bool h2_preface)
{
        struct h1c *h;
        int r = h1_setup(c, w, sess, &h);

        if (r < 0)
                return r;
        if (h1x_take(h) < 0) {
                h1c_release(h);
                c->mux = NULL;
                c->mux_ctx = NULL;
                return -ENOMEM;
        }
        h->ibuf = *in;
        *in = BUF_NULL;
        h->x->strm = st;
        h->x->sd = stream_upgraded(st, &mux_h1_ops, h);
        /* HTTP/2 with prior knowledge is still looked for on a cleartext connection */
        if (h2_preface && !c->xprt->tls)
                h->flags |= H1C_F_UPGRADED;
        h1c_set_state(h, H1C_ST_HEAD);
        h1c_arm(h, h1c_head_timeout(h));
        h1c_client_process(h);
        return 0;
}

/* An Upgrade field without its h2c protocols, rewritten in place when it named one: each
 * element is written with a single "," before it, never more than the input had there, so
 * the value never grows. Returns false when nothing is left of it. */
static bool upgrade_drop_h2c(struct http_hdr *f)
{
        struct sl_str rest = f->value, e;
        char *out = (char *)f->value.ptr;
        size_t len = 0;
        bool h2c = false;

        while (h1_list_next(&rest, &e))
                h2c |= sl_str_ieq(e, SL_STR_LIT("h2c"));
        if (!h2c)
                return true;
        rest = f->value;
        while (h1_list_next(&rest, &e)) {
                if (e.len == 0 || sl_str_ieq(e, SL_STR_LIT("h2c")))
                        continue;
                if (len)
                        out[len++] = ',';
                memmove(out + len, e.ptr, e.len);
                len += e.len;
        }
        f->value.len = len;
        return len > 0;
}

/* The request head is at the start of ibuf: fill the stream's request from it. Returns 0,
 * or a negative result of the parser or analysis. */
static int h1_fill_request(struct h1c *h, const struct h1_request *req, size_t head_len)
{
        struct http_msg *m = stream_request(h->x->strm);
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
        m->raw = sl_str_make(buf_head(&h->ibuf), head_len);
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
        h->x->req_close = req->version == HTTP_VER_1_0
                                  ? !(fr.conn & H1_CONN_KEEP_ALIVE) || (fr.conn & H1_CONN_CLOSE)
                                  : (fr.conn & H1_CONN_CLOSE) != 0;
        if (fr.conn & H1_CONN_OTHER)
                m->flags |= HTTP_MSG_F_CONN_NAMES;
        if (h->x->req_close)
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
                        if (!upgrade_drop_h2c(f))
                                http_hdr_del(m, i--);
                }
        }
        if ((fr.conn & H1_CONN_UPGRADE) && http_hdr_find(m, 0, SL_STR_LIT("upgrade")) >= 0)
                m->flags |= HTTP_MSG_F_UPGRADE;
        h->x->req_meth = req->method;
        h->x->req_ver = req->version;
        return 0;
}

/* Does ibuf open with HTTP/2's connection preface? 1 when it does, 0 while what it holds
 * is the start of one (or nothing), -1 when it is not. */
static int h1_h2_preface(const struct h1c *h)
{
        return buf_is_null(&h->ibuf) ? 0 : h2_preface_match(buf_head(&h->ibuf), h->ibuf.data);
}

/* A cleartext client speaking HTTP/2 with prior knowledge: the HTTP/2 mux takes the
 * connection, and the bytes read so far. */
static void h1c_switch_h2(struct h1c *h)
{
        struct conn *c = h->conn;
        struct sess *ss = h->sess;
        struct worker *w = h->w;
        struct buf in = h->ibuf;

        h->ibuf = BUF_NULL;
        h1_release(c);
        c->mux = NULL;
        c->mux_ctx = NULL;
        if (mux_h2_take_over(c, w, ss, &in) < 0) {
                worker_buf_drop(w, &in);
                sess_close(ss);
        }
}

/* Client side, between requests: read more of what the client sends. 1 when bytes came,
 * 0 when none can come now (the caller waits), -1 when the connection was closed. */
static int h1c_read_more(struct h1c *h)
{
        ssize_t n = (h->conn->flags & CONN_F_RD_EOF) ? 0 : h1_read(h);

        if (n == -EAGAIN || n == -ENOMEM)
                return 0;
        if (n <= 0) {
                /* closed between requests: nothing to log */
                h1c_close(h);
                return -1;
        }
        return 1;
}

/* Client side, no stream running: read and parse the next request head, make and start its
 * stream. */
static void h1c_client_process(struct h1c *h)
{
        const struct cfg_proxy *fe = h->sess->fe;
        struct h1_request req;
        struct http_msg *m;
        bool parsed;
        ssize_t n;
        int r;

        if (h->x != &h1x_idle)
                loop_defer_cancel(&h->x->next);
        while (h->state == H1C_ST_IDLE || h->state == H1C_ST_HEAD) {
                if (h->state == H1C_ST_IDLE && (buf_is_null(&h->ibuf) || h->ibuf.data == 0)) {
                        r = h1c_read_more(h);
                        if (r == 0)
                                break;
                        if (r < 0)
                                return;
                }
                /* HTTP/2 with prior knowledge, on a cleartext connection's first bytes */
                if (h->state == H1C_ST_IDLE && !(h->flags & H1C_F_NOT_FIRST) &&
                    !h->conn->xprt->tls && !(fe->options & CFG_OPT_DISABLE_H2_UPGRADE) &&
                    !(h->sess->bind && h->sess->bind->proto == CFG_BIND_PROTO_H1)) {
                        int pr = h1_h2_preface(h);

                        if (pr > 0) {
                                h1c_switch_h2(h);
                                return;
                        }
                        if (pr == 0) {
                                r = h1c_read_more(h);
                                if (r == 0)
                                        break;
                                if (r < 0)
                                        return;
                                continue;
                        }
                }
                if (h->state == H1C_ST_IDLE) {
                        if (h1x_take(h) < 0) {
                                h1c_close(h);
                                return;
                        }
                        h->x->strm = stream_new(h->sess, &mux_h1_ops, h,
                                                (h->flags & H1C_F_NOT_FIRST) != 0, h->idle_start_ms,
                                                &h->x->sd);
                        if (!h->x->strm) {
                                h1c_close(h);
                                return;
                        }
                        h1c_set_state(h, H1C_ST_HEAD);
                        h1c_arm(h, h1c_head_timeout(h));
                }
                /* a TCP connection upgraded (mux_h1_take_over()) may still turn out to be
                 * HTTP/2 with prior knowledge: its stream vanishes, as HAProxy's */
                if (h->flags & H1C_F_UPGRADED) {
                        int pr = h1_h2_preface(h);

                        if (pr > 0) {
                                struct stream *st = h->x->strm;

                                h->x->strm = NULL;
                                h->x->sd = NULL;
                                stream_vanish(st);
                                h1c_switch_h2(h);
                                return;
                        }
                        if (pr == 0 && !(h->conn->flags & CONN_F_RD_EOF)) {
                                n = h1_read(h);
                                if (n == -EAGAIN || n == -ENOMEM || n == -ENOBUFS)
                                        break;
                                continue;
                        }
                        h->flags &= ~(uint32_t)H1C_F_UPGRADED;
                }
                m = stream_request(h->x->strm);
                r = h1_parse_request(buf_head(&h->ibuf), h->ibuf.data, h1_limits(h), m->hdrs,
                                     SL_MIN((size_t)HTTP_MAX_HDRS, m->max_hdrs), &req);
                if (r == -EAGAIN) {
                        if (h->ibuf.data >= h1_limits(h)->max_head_size) {
                                r = H1_E_TOO_LARGE;
                        } else if (h->conn->flags & CONN_F_RD_EOF) {
                                h->flags |= H1C_F_CLOSE | H1C_F_NO_READ;
                                stream_fail(h->x->strm, 400, 'C', 'R', h->ibuf.data);
                                return;
                        } else {
                                n = h1_read(h);
                                if (n == -EAGAIN || n == -ENOMEM || n == -ENOBUFS)
                                        break;
                                continue; /* more bytes, or the end of the stream */
                        }
                }
                parsed = r >= 0;
                if (r >= 0)
                        r = h1_fill_request(h, &req, (size_t)r) ?: r;
                if (r < 0) {
                        /* show errors: what the client sent, and where it went wrong */
                        size_t at = h1_error_offset(buf_head(&h->ibuf), h->ibuf.data, false);

                        if (at == h->ibuf.data && parsed)
                                at = h1_framing_error_offset(buf_head(&h->ibuf), h->ibuf.data,
                                                             req.headers, req.n_headers);
                        werr_capture(h->w, fe, false, h->sess, fe, NULL, -1, buf_head(&h->ibuf),
                                     h->ibuf.data, at);
                        h->flags |= H1C_F_CLOSE | H1C_F_NO_READ;
                        stream_fail(h->x->strm, (unsigned)http_error_status(r), 'P', 'R',
                                    h->ibuf.data);
                        return;
                }
                /* the head stays at the start of ibuf until the stream ends */
                h->x->keep = h->x->dstart = h->x->dend = h->x->wire = (size_t)r;
                h1_exchange_reset(h);
                h1_in_start(h, m->body, m->content_length);
                h1c_set_state(h, H1C_ST_BUSY);
                loop_timer_disarm(&h->timer);
                stream_start(h->x->strm, (size_t)r);
                /* while the stream waits for a server, the client is watched: its close or
                 * reset is seen (for option abortonclose and for the resets that end a
                 * stream) at once, or H1_WATCH_DELAY_MS in when the head came whole with the
                 * read at accept and the kernel was never asked to watch it */
                if (h->state != H1C_ST_CLOSED)
                        h1_update_want(h);
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

        h->x->sd = NULL;
        h->x->strm = NULL;
        if (h->state == H1C_ST_CLOSED)
                return;
        if (!ok || (h->flags & H1C_F_CLOSE) || h->state == H1C_ST_TUNNEL ||
            h->x->in_st != H1M_ST_DONE || (!buf_is_null(&h->obuf) && h->obuf.data)) {
                /* closing is expected: the response said so, or the request body was not read
                 * to its end (the next byte is not a request start) */
                h1c_close(h);
                return;
        }
        /* the next request (pipelined, maybe) starts after this one */
        if (!buf_is_null(&h->ibuf)) {
                buf_consume(&h->ibuf, h->x->wire);
                if (h->ibuf.data == 0)
                        worker_buf_release(h->w, &h->ibuf);
        }
        h1_ibuf_reset(h);
        worker_buf_release(h->w, &h->obuf);
        h1c_set_state(h, H1C_ST_IDLE);
        h->flags |= H1C_F_NOT_FIRST;
        h1x_release(h); /* an idle client keeps no message state */
        h->idle_start_ms = loop_now(h->w->loop);
        if (stopping) {
                /* The worker began stopping after this response's head promised keep-alive:
                 * the client may be sending its next request already, and closing now would
                 * lose it. It gets H1_STOP_GRACE_MS to arrive, then is answered with
                 * Connection: close; otherwise the connection closes then. */
                h1c_arm(h, H1_STOP_GRACE_MS);
        } else {
                h1c_arm(h, cfg_proxy_timeout(fe, CFG_TO_HTTP_KEEP_ALIVE)
                                   ?: cfg_proxy_timeout(fe, CFG_TO_HTTP_REQUEST)
                                   ?: cfg_proxy_timeout(fe, CFG_TO_CLIENT));
        }
        if (!buf_is_null(&h->ibuf) && h->ibuf.data) {
                /* a pipelined request: parsed once this stream has unwound, by a fresh
                 * exchange object's deferred call */
                if (h1x_take(h) < 0) {
                        h1c_close(h);
                        return;
                }
                loop_defer_init(h->w->loop, &h->x->next, h1c_on_next);
                loop_defer_queue(&h->x->next);
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
        bool reuse = ok && !(h->flags & H1C_F_CLOSE) && h->x->in_st == H1M_ST_DONE &&
                     h->x->out_st == H1M_ST_DONE && h->state == H1C_ST_BUSY &&
                     (buf_is_null(&h->ibuf) || h->ibuf.data == h->x->wire) &&
                     (buf_is_null(&h->obuf) || h->obuf.data == 0) &&
                     !(h->conn->flags & (CONN_F_RD_EOF | CONN_F_ERROR));

        h->x->sd = NULL;
        if (h->state == H1C_ST_CLOSED)
                return;
        if (!reuse) {
                /* bytes past the end of a response: the server is out of step, never reuse */
                h1c_close(h);
                return;
        }
        worker_buf_drop(h->w, &h->ibuf);
        worker_buf_drop(h->w, &h->obuf);
        h1_ibuf_reset(h);
        h1c_set_state(h, H1C_ST_IDLE);
        h1_exchange_reset(h);
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
        h->x->sd = sd;
        h->flags |= H1C_F_NOT_FIRST;
        h1_exchange_reset(h);
        h1c_set_state(h, H1C_ST_BUSY);
        h1_update_want(h);
        return 0;
}

/* An event for the attached stream: what obuf holds goes out, then the stream runs (it
 * waits again for what it needs). */
static void h1_wake_stream(struct h1c *h)
{
        if ((h->conn->flags & CONN_F_WR) && !buf_is_null(&h->obuf) && h->obuf.data) {
                int r = h1_flush_obuf(h, false);

                if (r < 0 && r != -EAGAIN)
                        h->x->sd->flags |= SD_F_ERR;
        }
        h->flags &= ~(uint32_t)(H1C_F_WANT_RCV | H1C_F_WANT_SND);
        stream_wake(h->x->sd->strm);
        if (h->state != H1C_ST_CLOSED)
                h1_update_want(h);
}

/* Server side, TLS: did ALPN choose h2 (and "proto h1" does not force HTTP/1)? */
static bool h1_srv_alpn_h2(const struct h1c *h)
{
        struct srv_conn *sc = srv_conn_of(h->conn);
        SSL *ssl = xprt_tls_ssl(h->conn);
        const unsigned char *p = NULL;
        unsigned len = 0;

        if (!ssl || sc->srv_idx < 0 ||
            sc->rt->px->servers[sc->srv_idx].opts.proto == CFG_BIND_PROTO_H1)
                return false;
        SSL_get0_alpn_selected(ssl, &p, &len);
        return len == 2 && memcmp(p, "h2", 2) == 0;
}

/* The server chose h2 in the TLS handshake: the HTTP/2 mux takes the connection, and the
 * stream waiting for it (nothing was sent yet). */
static void h1c_switch_h2_srv(struct h1c *h)
{
        struct conn *c = h->conn;
        struct sd *sd = h->x->sd;

        if (mux_h2_srv_take_over(c, h->w, sd) < 0) {
                sd->flags |= SD_F_CONN_ERR;
                stream_wake(sd->strm);
                return;
        }
        h->x->sd = NULL;
        h1c_release(h);
        stream_wake(sd->strm);
}

static void h1_wake_server(struct h1c *h)
{
        struct conn *c = h->conn;

        if (conn_connecting(c)) {
                int r = conn_connect_result(c);

                if (r == -EAGAIN)
                        return;
                if (!h->x->sd) {
                        h1c_close(h);
                        return;
                }
                if (r == 0 && h1_srv_alpn_h2(h)) {
                        h1c_switch_h2_srv(h);
                        return;
                }
                h->x->sd->flags |= r < 0 ? SD_F_CONN_ERR : SD_F_CONNECTED;
                h1_update_want(h);
                stream_wake(h->x->sd->strm);
                return;
        }
        if (!h->x->sd) {
                /* idle: the server closed it, or sent what no request asked for */
                h1c_close(h);
                return;
        }
        /* the response is whole: the server closing, or bytes past its end; the stream
         * finishes with what it has, and the connection is not reused */
        if (h->state == H1C_ST_BUSY && h->x->in_st == H1M_ST_DONE && (c->flags & CONN_F_RD))
                h->flags |= H1C_F_CLOSE;
        h1_wake_stream(h);
}

static void h1_wake_client(struct h1c *h)
{
        if (h->state == H1C_ST_IDLE || h->state == H1C_ST_HEAD) {
                h1c_client_process(h);
                return;
        }
        if (!h->x->sd)
                return;
        /* what came while the stream runs waits in ibuf; an end or a reset is noted, even
         * behind a full buffer */
        if ((h->conn->flags & CONN_F_RD) && !(h->flags & H1C_F_NO_READ) &&
            !(h->conn->flags & CONN_F_RD_EOF) && h1_read(h) == -ENOBUFS &&
            (h->conn->flags & CONN_F_HUP)) {
                if (conn_error(h->conn) < 0)
                        h->x->sd->flags |= SD_F_EOS | SD_F_ERR;
                else
                        h->flags |= H1C_F_HUP_SEEN;
        }
        h1_wake_stream(h);
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
                if (h->x->strm)
                        stream_kill(h->x->strm, 'K');
                h1c_close(h);
                return;
        }
        h->flags |= H1C_F_STOPPING;
        if (h->state != H1C_ST_IDLE || (!buf_is_null(&h->ibuf) && h->ibuf.data))
                return; /* busy: answered, then closed */
        /* An idle connection closes now: a keep-alive one between requests, and one accepted
         * that has not sent a byte of its first request. HAProxy 2.6 waits for the latter's
         * first request (only its H1C_F_WAIT_NEXT_REQ connections close on a soft stop), so
         * a balancer's pool of connections opened ahead of use keeps an old generation until
         * timeout http-request or client; here it does not. One that finished a response,
         * or was accepted, less than H1_STOP_GRACE_MS ago is most likely about to carry a
         * request, and closing it under that request would lose it (HTTP/1.1 clients need
         * not retry): it gets that long to send one, answered with Connection: close. Has the
         * client sent bytes not read yet? Then its request is answered rather than lost. */
        if (conn_waiting(c) == 0 && now - h->idle_start_ms >= H1_STOP_GRACE_MS) {
                h1c_close(h);
                return;
        }
        h1c_arm(h, H1_STOP_GRACE_MS);
}

static struct stream *h1_cur_stream(struct conn *c)
{
        struct h1c *h = c->mux_ctx;

        return h ? h->x->strm : NULL;
}

static struct ssl_st *h1_ssl(const struct sd *sd)
{
        return xprt_tls_ssl(((const struct h1c *)sd->ms)->conn);
}

const struct mux_ops mux_h1_ops = {
        .name = "h1",
        .http_major = 1,
        .client_space = sizeof(struct h1c),
        .init = h1_init,
        .wake = h1_wake,
        .stop = h1_stop,
        .cur_stream = h1_cur_stream,
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
        .ssl = h1_ssl,
        .detach = h1_detach,
};
