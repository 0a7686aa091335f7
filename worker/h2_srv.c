/* The HTTP/2 mux, server side: sluice as the client of an HTTP/2 server ("server ... proto
 * h2", or "alpn h2" chosen in the TLS handshake), over an nghttp2 client session.
 *
 * Many streams of the data path share one connection: a stream attaches while the
 * connection has fewer streams than the server's SETTINGS_MAX_CONCURRENT_STREAMS and
 * tune.h2.be.max-concurrent-streams allow, and the connection is on its server's list of
 * available ones (srvconn.h) for as long as it has room; once no stream uses it, it is an
 * idle connection of the pool like an HTTP/1 one.
 *
 * A request's head goes as a HEADERS frame at once; its body only once that frame went, so
 * that a request the server refuses (RST_STREAM REFUSED_STREAM, or a GOAWAY whose last stream
 * is below it) is still whole and the stream sends it again on another connection, as RFC
 * 9113 8.7 allows whatever the method. A GOAWAY drains the connection: the streams it
 * accepted finish, no new one attaches, and it closes when the last one ends.
 *
 * Responses come as the client side's requests do: fields copied into the stream's head
 * buffer within the same limits (a head over them is a bad response, 502), interim 1xx heads
 * passed on, DATA kept until the data path takes it (the stream's window opens only then:
 * the server is held back by a slow client), trailers after the body. A stream the data path
 * lets go before both messages ended is reset with CANCEL, so the server stops its work. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "conn.h"
#include "h2-int.h"
#include "h2_conv.h"
#include "h2_mem.h"
#include "log.h"
#include "macros.h"
#include "model.h"
#include "mux_h2.h"
#include "srvconn.h"
#include "stream.h"
#include "wctx.h"

/* ---- limits ---- */

/* Streams the connection may carry at once: the server's word once its SETTINGS came, and
 * ours (before them, nghttp2 sends one and holds the others back: srv_options()). */
static unsigned srv_cap(const struct h2c *h)
{
        uint32_t peer =
                nghttp2_session_get_remote_settings(h->ng, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
        unsigned ours = h2c_glob(h)->tune_h2_be_max_concurrent_streams;

        if (!(h->flags & H2C_F_SRV_SETTINGS))
                return ours ? ours : 100;
        return ours ? SL_MIN(peer, ours) : peer;
}

/* May a new stream use the connection? */
static bool srv_usable(const struct h2c *h)
{
        return h->state == H2C_ST_OPEN &&
               !(h->flags & (H2C_F_GOAWAY | H2C_F_FATAL | H2C_F_RD_EOF | H2C_F_WR_ERR)) &&
               !(h->conn->flags & (CONN_F_RD_EOF | CONN_F_ERROR)) && h->n_total < (1u << 30);
}

/* ---- nghttp2 callbacks ---- */

static int srv_on_begin_headers(nghttp2_session *ng, const nghttp2_frame *fr, void *data)
{
        struct h2s *s;

        (void)ng;
        if (fr->hd.type != NGHTTP2_HEADERS)
                return 0;
        s = h2s_of(data, fr->hd.stream_id);
        if (!s)
                return 0;
        if (s->sd)
                s->sd->flags |= SD_F_RCVD;
        if (s->flags & H2S_F_IN_FINAL) {
                /* trailers, after the fields of the head */
                s->flags |= H2S_F_TRAILERS;
                s->head_bytes = 0;
                return 0;
        }
        /* a head; an interim one not taken yet gives way to it */
        s->head_used = 0;
        s->n_fields = s->n_head = 0;
        s->head_bytes = 0;
        s->status = 0;
        s->flags &= ~(uint32_t)(H2S_F_IN_HEAD | H2S_F_TOO_LARGE | H2S_F_BAD);
        return 0;
}

static int srv_on_header(nghttp2_session *ng, const nghttp2_frame *fr, const uint8_t *name,
                         size_t nlen, const uint8_t *value, size_t vlen, uint8_t flags, void *data)
{
        struct h2s *s;

        (void)ng;
        (void)flags;
        if (fr->hd.type != NGHTTP2_HEADERS)
                return 0;
        s = h2s_of(data, fr->hd.stream_id);
        if (!s || (s->flags & H2S_F_DETACHED))
                return 0;
        if (nlen && name[0] == ':') {
                /* nghttp2 let only a well-placed :status through */
                s->head_bytes += nlen + vlen + 32;
                if (nlen == 7 && memcmp(name, ":status", 7) == 0 && vlen == 3 && value[0] >= '1' &&
                    value[0] <= '9' && value[1] >= '0' && value[1] <= '9' && value[2] >= '0' &&
                    value[2] <= '9')
                        s->status = (unsigned)((value[0] - '0') * 100 + (value[1] - '0') * 10 +
                                               (value[2] - '0'));
                else
                        s->flags |= H2S_F_BAD;
                return 0;
        }
        h2s_field(s, name, nlen, value, vlen);
        return 0;
}

static int srv_on_frame_recv(nghttp2_session *ng, const nghttp2_frame *fr, void *data)
{
        struct h2c *h = data;
        struct h2s *s = fr->hd.stream_id ? h2s_of(h, fr->hd.stream_id) : NULL;
        bool eos = (fr->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;

        (void)ng;
        switch (fr->hd.type) {
        case NGHTTP2_HEADERS:
                if (!s)
                        break;
                if (s->flags & H2S_F_IN_FINAL) {
                        /* trailers over the limits are dropped, the body ends */
                        if (s->flags & (H2S_F_TOO_LARGE | H2S_F_BAD))
                                s->n_fields = s->n_head;
                        s->flags &= ~(uint32_t)(H2S_F_TOO_LARGE | H2S_F_BAD);
                        if (eos)
                                s->flags |= H2S_F_IN_EOS;
                        h2s_wake(s, false);
                        break;
                }
                s->n_head = s->n_fields;
                s->flags |= H2S_F_IN_HEAD;
                if (s->status >= 200 || (s->flags & (H2S_F_TOO_LARGE | H2S_F_BAD))) {
                        s->flags |= H2S_F_IN_FINAL;
                        if (eos)
                                s->flags |= H2S_F_IN_EOS | H2S_F_HEAD_EOS;
                }
                h2s_wake(s, false);
                break;
        case NGHTTP2_DATA:
                if (fr->hd.length == 0 && !eos)
                        h2c_glitch(h, 1);
                if (s && eos) {
                        s->flags |= H2S_F_IN_EOS;
                        h2s_wake(s, false);
                }
                break;
        case NGHTTP2_SETTINGS:
                if (!(fr->hd.flags & NGHTTP2_FLAG_ACK)) {
                        struct sl_list *l;

                        h->flags |= H2C_F_SRV_SETTINGS;
                        /* WebSocket upgrades learn whether it takes extended CONNECTs */
                        sl_list_for_each(l, &h->streams) {
                                struct h2s *w = sl_container_of(l, struct h2s, link);

                                if ((w->flags & H2S_F_WANT_SETTINGS) && w->strm)
                                        h2s_wake(w, false);
                        }
                }
                break;
        case NGHTTP2_GOAWAY:
                /* no new stream; those above its last one are closed REFUSED by nghttp2 */
                h->flags |= H2C_F_GOAWAY;
                if (fr->goaway.error_code != NGHTTP2_NO_ERROR && !h->why)
                        h->why = nghttp2_http2_strerror(fr->goaway.error_code);
                break;
        default:
                break;
        }
        return 0;
}

static int srv_on_stream_close(nghttp2_session *ng, int32_t id, uint32_t err, void *data)
{
        struct h2c *h = data;
        struct h2s *s = h2s_of(h, id);

        (void)ng;
        if (!s)
                return 0;
        s->flags |= H2S_F_CLOSED;
        if (!s->strm) {
                h2s_free(s);
                return 0;
        }
        if (!(s->flags & H2S_F_IN_EOS)) {
                if (err == NGHTTP2_CANCEL)
                        s->sd->flags |= SD_F_CANCEL;
                /* not processed by the server (RFC 9113 8.7): the request may go again */
                if (err == NGHTTP2_REFUSED_STREAM && !(s->sd->flags & SD_F_RCVD)) {
                        s->flags |= H2S_F_REFUSED;
                        s->sd->flags |= SD_F_REFUSED;
                }
                h2s_wake(s, false);
        }
        return 0;
}

/* A request HEADERS frame that never went (a GOAWAY came first, or the stream was reset
 * while nghttp2 held it back for the server's concurrency limit). nghttp2 may have opened
 * the stream already and then closes it too: the close callback must not find a stream
 * freed here. */
static int srv_on_frame_not_send(nghttp2_session *ng, const nghttp2_frame *fr, int err, void *data)
{
        struct h2c *h = data;
        struct sl_list *l;

        (void)err;
        if (fr->hd.type != NGHTTP2_HEADERS)
                return 0;
        sl_list_for_each(l, &h->streams) {
                struct h2s *s = sl_container_of(l, struct h2s, link);

                if (s->id != fr->hd.stream_id || (s->flags & H2S_F_CLOSED))
                        continue;
                s->flags |= H2S_F_CLOSED;
                (void)nghttp2_session_set_stream_user_data(ng, s->id, NULL);
                if (!s->strm) {
                        h2s_free(s);
                } else {
                        s->flags |= H2S_F_REFUSED;
                        s->sd->flags |= SD_F_REFUSED;
                        h2s_wake(s, false);
                }
                break;
        }
        return 0;
}

/* The options of server sessions: those of client sessions (h2_options()), and at most one
 * request before the server's SETTINGS say how many it takes (nghttp2 holds the others
 * back, then keeps to the server's limit): a fresh connection never sends a server more
 * streams than it allows. */
static nghttp2_option *srv_options(void)
{
        static nghttp2_option *opt;

        if (opt)
                return opt;
        if (nghttp2_option_new(&opt) != 0)
                return NULL;
        h2_options_set(opt);
        nghttp2_option_set_peer_max_concurrent_streams(opt, 1);
        return opt;
}

static nghttp2_session_callbacks *srv_callbacks(void)
{
        static nghttp2_session_callbacks *cb;

        if (cb)
                return cb;
        if (nghttp2_session_callbacks_new(&cb) != 0)
                return NULL;
        h2_callbacks_common(cb);
        nghttp2_session_callbacks_set_on_begin_headers_callback(cb, srv_on_begin_headers);
        nghttp2_session_callbacks_set_on_header_callback(cb, srv_on_header);
        nghttp2_session_callbacks_set_on_frame_recv_callback(cb, srv_on_frame_recv);
        nghttp2_session_callbacks_set_on_stream_close_callback(cb, srv_on_stream_close);
        nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, srv_on_frame_not_send);
        return cb;
}

/* ---- the connection ---- */

int h2c_srv_setup(struct h2c *h)
{
        const struct cfg_global *g = h2c_glob(h);
        nghttp2_session_callbacks *cb = srv_callbacks();
        nghttp2_option *opt = srv_options();
        nghttp2_settings_entry set[4];
        size_t n = 0;

        if (!cb || !opt || nghttp2_session_client_new3(&h->ng, cb, h, opt, h2_mem(h->w)) != 0)
                return -ENOMEM;
        set[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_ENABLE_PUSH, 0};
        set[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE,
                                            g->tune_h2_be_initial_window_size};
        set[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_HEADER_TABLE_SIZE,
                                            g->tune_h2_header_table_size};
        set[n++] = (nghttp2_settings_entry){NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
                                            (uint32_t)(h->w->bufs.size - cfg_maxrewrite(g))};
        if (nghttp2_submit_settings(h->ng, NGHTTP2_FLAG_NONE, set, n) != 0)
                return -ENOMEM;
        /* the connection's window is given back as bytes come (h2_callbacks_common) */
        (void)nghttp2_session_set_local_window_size(h->ng, NGHTTP2_FLAG_NONE, 0, 1 << 24);
        return 0;
}

/* Every stream still waiting for its response hears that the connection failed. */
static void srv_fail_streams(struct h2c *h)
{
        struct sl_list *l;

        sl_list_for_each(l, &h->streams) {
                struct h2s *s = sl_container_of(l, struct h2s, link);

                if (s->strm && !(s->flags & H2S_F_IN_EOS))
                        h2s_wake(s, false);
        }
}

void h2c_srv_wake(struct h2c *h)
{
        struct conn *c = h->conn;

        if (conn_connecting(c)) {
                int r = conn_connect_result(c);
                struct sl_list *l;

                if (r == -EAGAIN)
                        return;
                if (r < 0)
                        h->flags |= H2C_F_RD_EOF | H2C_F_WR_ERR;
                sl_list_for_each(l, &h->streams) {
                        struct h2s *s = sl_container_of(l, struct h2s, link);

                        if (s->sd) {
                                s->sd->flags |= r < 0 ? SD_F_CONN_ERR : SD_F_CONNECTED;
                                h2s_wake(s, false);
                        }
                }
        } else if ((c->flags & CONN_F_HUP) && !(h->flags & H2C_F_RD_EOF) && conn_error(c) < 0) {
                h->flags |= H2C_F_RD_EOF;
        }
        h2c_process(h);
}

void h2c_srv_after(struct h2c *h)
{
        struct srv_conn *sc = srv_conn_of(h->conn);
        bool dead = (h->flags & (H2C_F_RD_EOF | H2C_F_WR_ERR)) ||
                    ((h->flags & H2C_F_FATAL) && h->out_len == 0) ||
                    (!nghttp2_session_want_read(h->ng) && !nghttp2_session_want_write(h->ng) &&
                     h->out_len == 0);

        if (dead && !(h->flags & H2C_F_SRV_DEAD)) {
                h->flags |= H2C_F_SRV_DEAD;
                srv_fail_streams(h);
        }
        if (h->n_attached == 0 &&
            (dead || ((h->flags & H2C_F_GOAWAY) && h->n_streams == 0 && h->out_len == 0))) {
                if (h->why || h->goaway_err)
                        sl_log(LOG_INFO, "%s/%s: HTTP/2 connection to the server closed: %s%s%s%s",
                               sc->rt->px->name,
                               sc->srv_idx >= 0 ? sc->rt->px->servers[sc->srv_idx].name
                                                : "dispatch",
                               h->why ? h->why : "a protocol violation",
                               h->goaway_err ? " (GOAWAY " : "",
                               h->goaway_err ? nghttp2_http2_strerror(h->goaway_err) : "",
                               h->goaway_err ? ")" : "");
                srv_conn_set_avail(sc, false);
                srv_conn_close(sc);
                return;
        }
        if (h->n_streams == 0 && h->out_len == 0 && h->out) {
                free(h->out);
                h->out = NULL;
                h->out_cap = 0;
        }
        if (dead || !srv_usable(h)) {
                srv_conn_set_avail(sc, false);
        } else if (h->n_streams == 0) {
                /* nobody uses it: an idle connection of the pool (which may close it) */
                srv_conn_set_avail(sc, false);
                if (!sl_list_linked(&sc->idle_link)) {
                        srv_conn_release(sc);
                        if (h->state == H2C_ST_CLOSED)
                                return;
                        h->flags |= H2C_F_SRV_POOLED;
                }
        } else {
                srv_conn_set_avail(sc, h->n_streams < srv_cap(h));
        }
        {
                uint32_t want = 0;

                if (!(h->flags & (H2C_F_RD_EOF | H2C_F_FATAL)) && h->out_len < h->w->bufs.size &&
                    nghttp2_session_want_read(h->ng))
                        want |= CONN_WANT_RD;
                if (h->out_len)
                        want |= CONN_WANT_WR;
                conn_want(h->conn, want);
        }
}

/* ---- a stream's side ---- */

int h2_attach(struct conn *c, struct sd *sd)
{
        struct h2c *h = c->mux_ctx;
        struct h2s *s;

        if (!h2c_srv(h) || !srv_usable(h) || h->n_streams >= srv_cap(h))
                return -EBUSY;
        s = h2s_new(h, 0);
        if (!s)
                return -ENOMEM;
        /* taken from the idle pool: the server may have closed it meanwhile (HTTP/1's
         * rule: a request that failed before any response byte is sent again) */
        if (h->flags & H2C_F_SRV_POOLED)
                sd->flags |= SD_F_REUSED;
        h->flags &= ~(uint32_t)H2C_F_SRV_POOLED;
        if (!conn_connecting(c))
                sd->flags |= SD_F_CONNECTED;
        sd->flags |= SD_F_MAY_REFUSE;
        s->sd = sd;
        s->strm = sd->strm;
        sd->ops = &mux_h2_ops;
        sd->ms = s;
        h->n_attached++;
        h->n_total++;
        srv_conn_set_avail(srv_conn_of(c), srv_usable(h) && h->n_streams < srv_cap(h));
        return 0;
}

/* RFC 6455 4.2.2: base64(SHA-1(key "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), 28 bytes */
static bool ws_accept(struct sl_str key, char out[29])
{
        static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
        unsigned char md[SHA_DIGEST_LENGTH];
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
                  EVP_DigestUpdate(ctx, key.ptr, key.len) == 1 &&
                  EVP_DigestUpdate(ctx, guid, sizeof(guid) - 1) == 1 &&
                  EVP_DigestFinal_ex(ctx, md, NULL) == 1;

        EVP_MD_CTX_free(ctx);
        return ok && EVP_EncodeBlock((unsigned char *)out, md, sizeof(md)) == 28;
}

/* An HTTP/1.1 client's WebSocket upgrade goes as an extended CONNECT (RFC 8441) to a server
 * that announced SETTINGS_ENABLE_CONNECT_PROTOCOL; its SETTINGS are waited for (-EAGAIN).
 * To one that did not, it goes as the plain GET it is, without its upgrade (the server's
 * answer is then no 101). Returns 1 for an extended CONNECT, 0 for a plain request. */
static int ws_prepare(struct h2s *s, const struct http_msg *m)
{
        struct h2c *h = s->h;
        struct sl_str key;

        if (!h2_ws_upgrade(m, &key))
                return 0;
        if (!(h->flags & H2C_F_SRV_SETTINGS)) {
                s->flags |= H2S_F_WANT_SETTINGS;
                return -EAGAIN;
        }
        s->flags &= ~(uint32_t)H2S_F_WANT_SETTINGS;
        if (nghttp2_session_get_remote_settings(h->ng, NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL) !=
            1)
                return 0;
        return ws_accept(key, s->ws_accept) ? 1 : -ENOMEM;
}

int h2_srv_snd_head(struct h2s *s, const struct http_msg *m)
{
        struct h2c *h = s->h;
        nghttp2_nv nv[H2_MAX_NV];
        struct buf room = BUF_NULL;
        nghttp2_data_provider prd = {.source.ptr = s, .read_callback = h2_on_read_body};
        struct sl_str scheme = h->conn->xprt->tls ? SL_STR_LIT("https") : SL_STR_LIT("http");
        bool body;
        int n, ws;
        int32_t id;

        if (s->flags & H2S_F_OUT_HEAD)
                return -EINVAL;
        if (!srv_usable(h) && !(h->flags & H2C_F_GOAWAY))
                return -EPIPE;
        ws = ws_prepare(s, m);
        if (ws < 0)
                return ws;
        if (!worker_buf_get(h->w, &room))
                return -ENOMEM;
        n = ws ? h2_ws_request_nv(m, scheme, nv, SL_ARRAY_SIZE(nv), room.area, room.size)
               : h2_request_nv(m, scheme, nv, SL_ARRAY_SIZE(nv), room.area, room.size);
        if (n < 0) {
                worker_buf_drop(h->w, &room);
                return -ENOBUFS;
        }
        /* an extended CONNECT's DATA is the tunnel's, both ways */
        body = ws || (m->body != HTTP_BODY_NONE &&
                      !(m->body == HTTP_BODY_LENGTH && m->content_length == 0));
        id = nghttp2_submit_request(h->ng, NULL, nv, (size_t)n, body ? &prd : NULL, s);
        worker_buf_drop(h->w, &room);
        if (id < 0) {
                /* stream ids exhausted: no new stream here, this one goes elsewhere */
                h->flags |= H2C_F_GOAWAY;
                s->flags |= H2S_F_REFUSED;
                s->sd->flags |= SD_F_REFUSED;
                return -EPIPE;
        }
        s->id = id;
        s->meth = m->meth;
        s->flags |= H2S_F_OUT_HEAD | (ws ? H2S_F_EXT_CONNECT : 0);
        if (body)
                s->flags |= H2S_F_BODY;
        s->sd->flags |= SD_F_SENT;
        if (!(h->flags & H2C_F_BUSY))
                loop_defer_queue(&h->run);
        return n;
}

int h2_rcv_head(struct sd *sd, struct http_msg *m)
{
        struct h2s *s = sd->ms;
        struct h2c *h = s->h;
        struct http_msg r;

        if (!(s->flags & H2S_F_IN_HEAD)) {
                if (s->flags & H2S_F_REFUSED) {
                        /* never processed: sent again, as after a failed connection */
                        sd->flags &= ~(uint32_t)SD_F_RCVD;
                        return -ECONNREFUSED;
                }
                if ((s->flags & H2S_F_CLOSED) ||
                    (h->flags & (H2C_F_RD_EOF | H2C_F_WR_ERR | H2C_F_FATAL)))
                        return (sd->flags & SD_F_RCVD) ? -EBADMSG : -EPIPE;
                s->flags |= H2S_F_WANT_RCV;
                return 0;
        }
        if (s->flags & (H2S_F_TOO_LARGE | H2S_F_BAD))
                return -EBADMSG;
        r = (struct http_msg){.hdrs = m->hdrs, .max_hdrs = m->max_hdrs};
        for (size_t i = 0; i < s->n_head; i++) {
                const struct h2_field *f = field_at(s, i);

                if (!http_hdr_add(&r, field_name(s, f), field_value(s, f)))
                        return -EBADMSG;
        }
        if (h2_response_finish(&r, s->status, (s->flags & H2S_F_HEAD_EOS) != 0, s->meth) < 0)
                return -EBADMSG;
        if ((s->flags & H2S_F_EXT_CONNECT) && r.status >= 200 && r.status < 300) {
                /* the tunnel is open: to the HTTP/1.1 client, the switch it asked for */
                if ((s->flags & H2S_F_HEAD_EOS) ||
                    !http_hdr_add(&r, SL_STR_LIT("upgrade"), SL_STR_LIT("websocket")) ||
                    !http_hdr_add(&r, SL_STR_LIT("sec-websocket-accept"),
                                  sl_str_make(s->ws_accept, 28)))
                        return -EBADMSG;
                r.status = 101;
                r.reason = SL_STR_LIT("Switching Protocols");
                r.flags |= HTTP_MSG_F_UPGRADE;
                r.body = HTTP_BODY_TUNNEL;
                r.content_length = 0;
        }
        *m = r;
        return 1;
}

void h2_rcv_head_done(struct sd *sd)
{
        struct h2s *s = sd->ms;

        s->flags &= ~(uint32_t)H2S_F_IN_HEAD;
        if (!(s->flags & H2S_F_IN_FINAL)) {
                /* an interim head: its fields go, the next head comes */
                s->head_used = 0;
                s->n_fields = s->n_head = 0;
        }
}

void h2_srv_detach(struct h2s *s, bool ok)
{
        struct h2c *h = s->h;

        if (s->id > 0 && !(s->flags & H2S_F_CLOSED) &&
            !(h->flags & (H2C_F_RD_EOF | H2C_F_WR_ERR))) {
                /* both messages whole: nghttp2 closes it once the last frame went; else the
                 * server stops its work (the response's rest is not wanted, or the request
                 * will not end) */
                if (!ok || !(s->flags & H2S_F_IN_EOS) || !(s->flags & H2S_F_OUT_DONE))
                        (void)nghttp2_submit_rst_stream(h->ng, NGHTTP2_FLAG_NONE, s->id,
                                                        NGHTTP2_CANCEL);
        } else {
                h2s_free(s);
        }
        if (!(h->flags & H2C_F_BUSY))
                loop_defer_queue(&h->run);
}
