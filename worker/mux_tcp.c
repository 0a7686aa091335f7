/* The TCP relay mux (mux_tcp.h): the client side makes one stream for the connection at
 * once; both sides hand the stream opaque bytes, from a buffer or, when the transport and
 * the stream allow it, spliced through a kernel pipe without entering user space. A stream
 * that ends closes both connections: TCP connections are never reused. */
#include "mux_tcp.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "conn.h"
#include "log.h"
#include "macros.h"
#include "mux_h1.h"
#include "mux_h2.h"
#include "session.h"
#include "srvconn.h"
#include "stream.h"
#include "wctx.h"
#include "xprt_tls.h"

enum tcpc_state {
        TCPC_ST_IDLE = 0, /* server side: not attached yet */
        TCPC_ST_BUSY,     /* relaying for its stream */
        TCPC_ST_CLOSED,   /* released; freed at the end of the turn */
        TCPC_ST_COUNT,
};

enum {
        TCPC_F_SERVER = 1u << 0,   /* the server side */
        TCPC_F_WANT_RCV = 1u << 1, /* the stream waits for bytes */
        TCPC_F_WANT_SND = 1u << 2, /* the stream waits for room */
};

struct tcpc {
        struct conn *conn;     /* borrowed: owned by the session or the srv_conn */
        struct worker *w;      /* borrowed */
        struct sess *sess;     /* client side: borrowed */
        enum tcpc_state state; /* change only via tcpc_set_state() */
        uint32_t flags;        /* TCPC_F_* */
        struct sd *sd;         /* the stream's endpoint, or NULL */
        struct stream *strm;   /* client side: the connection's stream */
        struct buf ibuf;       /* bytes read and not passed on; BUF_NULL while empty */
        struct loop_reap reap;
};

static const char *tcpc_state_str(enum tcpc_state s)
{
        switch (s) {
        case TCPC_ST_IDLE:
                return "idle";
        case TCPC_ST_BUSY:
                return "busy";
        case TCPC_ST_CLOSED:
                return "closed";
        case TCPC_ST_COUNT:
                break;
        }
        return "?";
}

static void tcpc_set_state(struct tcpc *t, enum tcpc_state to)
{
        static const uint32_t allowed[TCPC_ST_COUNT] = {
                [TCPC_ST_BUSY] = 1u << TCPC_ST_IDLE,
                [TCPC_ST_CLOSED] = 1u << TCPC_ST_IDLE | 1u << TCPC_ST_BUSY,
        };

        if (sl_unlikely(!(allowed[to] & (1u << t->state)))) {
                sl_log(LOG_CRIT, "BUG: a TCP relay moves from state %s to %s",
                       tcpc_state_str(t->state), tcpc_state_str(to));
                sl_bug(__FILE__, __LINE__, "a TCP relay state change that is not allowed");
        }
        t->state = to;
}

static void tcpc_update_want(struct tcpc *t)
{
        uint32_t want = 0;

        if (t->state == TCPC_ST_CLOSED)
                return;
        if ((t->flags & TCPC_F_WANT_RCV) && !(t->conn->flags & (CONN_F_RD_EOF | CONN_F_ERROR)))
                want |= CONN_WANT_RD;
        if ((t->flags & TCPC_F_WANT_SND) || t->conn->state == CONN_ST_CONNECTING)
                want |= CONN_WANT_WR;
        if (t->conn->state == CONN_ST_HANDSHAKE)
                return; /* the handshake says what it waits for */
        conn_want(t->conn, want);
}

static void tcpc_close(struct tcpc *t)
{
        if (t->state == TCPC_ST_CLOSED)
                return;
        if (t->flags & TCPC_F_SERVER)
                srv_conn_close(srv_conn_of(t->conn));
        else
                sess_close(t->sess);
}

/* A read that hit the end of the stream or an error marks the endpoint. */
static void tcpc_read_ended(struct tcpc *t, ssize_t n)
{
        if (n == -EAGAIN) {
                t->flags |= TCPC_F_WANT_RCV;
                tcpc_update_want(t);
                return;
        }
        if (n <= 0 && n != -ENOBUFS && n != -ENOMEM && t->sd)
                t->sd->flags |= n == 0 ? SD_F_EOS : SD_F_EOS | SD_F_ERR;
}

static int tcp_rcv_data(struct sd *sd, struct sd_data *d)
{
        struct tcpc *t = sd->ms;

        *d = (struct sd_data){0};
        if (buf_is_null(&t->ibuf) || t->ibuf.data == 0) {
                ssize_t n;

                if (t->conn->flags & CONN_F_RD_EOF)
                        return 0;
                if (!worker_buf_get(t->w, &t->ibuf))
                        return 0;
                n = conn_recv(t->conn, &t->ibuf);
                if (n <= 0) {
                        worker_buf_release(t->w, &t->ibuf);
                        tcpc_read_ended(t, n);
                        return 0;
                }
        }
        d->p = buf_head(&t->ibuf);
        d->len = t->ibuf.data;
        return 0;
}

static int tcp_rcv_peek(struct sd *sd, struct sd_data *d)
{
        struct tcpc *t = sd->ms;

        *d = (struct sd_data){0};
        if (buf_is_null(&t->ibuf) && !worker_buf_get(t->w, &t->ibuf))
                return -ENOMEM;
        /* a full buffer is all the rules can see, as HAProxy's */
        while (!(t->conn->flags & CONN_F_RD_EOF) && t->ibuf.data < t->ibuf.size) {
                ssize_t n = conn_recv(t->conn, &t->ibuf);

                if (n <= 0) {
                        tcpc_read_ended(t, n);
                        break;
                }
        }
        if (t->ibuf.data == 0) {
                worker_buf_release(t->w, &t->ibuf);
                return 0;
        }
        d->p = buf_head(&t->ibuf);
        d->len = t->ibuf.data;
        return 0;
}

static void tcp_rcv_consume(struct sd *sd, size_t n)
{
        struct tcpc *t = sd->ms;

        if (!n)
                return;
        buf_consume(&t->ibuf, n);
        worker_buf_release(t->w, &t->ibuf);
}

static ssize_t tcp_snd_data(struct sd *sd, const struct sd_data *d)
{
        struct tcpc *t = sd->ms;
        struct iovec iov = {(void *)d->p, d->len};
        ssize_t w;

        if (d->len == 0)
                return 0;
        w = conn_sendv(t->conn, &iov, 1, false);
        if (w < 0 && w != -EAGAIN)
                return w;
        if (w < 0)
                w = 0;
        if ((size_t)w < d->len) {
                t->flags |= TCPC_F_WANT_SND;
                tcpc_update_want(t);
        }
        return w;
}

static int tcp_flush(struct sd *sd)
{
        (void)sd;
        return 0; /* nothing is held back */
}

static ssize_t tcp_splice_rcv(struct sd *sd, struct wpipe *p)
{
        struct tcpc *t = sd->ms;
        ssize_t n;

        if (!buf_is_null(&t->ibuf) && t->ibuf.data)
                return -ENOTSUP;
        n = conn_splice_in(t->conn, p->wr, WORKER_PIPE_SIZE - p->data, p->data == 0);
        if (n > 0) {
                p->data += (size_t)n;
                return n;
        }
        if (n != -ENOTSUP)
                tcpc_read_ended(t, n);
        return n;
}

static bool tcp_can_splice(const struct sd *sd)
{
        const struct tcpc *t = sd->ms;

        return conn_can_splice(t->conn);
}

static ssize_t tcp_splice_snd(struct sd *sd, struct wpipe *p)
{
        struct tcpc *t = sd->ms;
        ssize_t n = conn_splice_out(t->conn, p->rd, p->data);

        if (n > 0) {
                p->data -= (size_t)n;
                if (p->data) {
                        t->flags |= TCPC_F_WANT_SND;
                        tcpc_update_want(t);
                }
                return n;
        }
        if (n == -EAGAIN) {
                t->flags |= TCPC_F_WANT_SND;
                tcpc_update_want(t);
        }
        return n;
}

static void tcp_shutw(struct sd *sd)
{
        struct tcpc *t = sd->ms;

        conn_shutw(t->conn);
}

static void tcp_tunnel(struct sd *sd)
{
        (void)sd;
}

static void tcp_detach(struct sd *sd, bool ok)
{
        struct tcpc *t = sd->ms;

        (void)ok;
        t->sd = NULL;
        t->strm = NULL;
        tcpc_close(t);
}

static int tcp_attach(struct conn *c, struct sd *sd)
{
        struct tcpc *t = c->mux_ctx;

        if (t->state != TCPC_ST_IDLE)
                return -EBUSY;
        if (c->state == CONN_ST_READY)
                sd->flags |= SD_F_CONNECTED;
        sd->ops = &mux_tcp_ops;
        sd->ms = t;
        t->sd = sd;
        tcpc_set_state(t, TCPC_ST_BUSY);
        tcpc_update_want(t);
        return 0;
}

static void tcp_wake(struct conn *c)
{
        struct tcpc *t = c->mux_ctx;

        if (t->state == TCPC_ST_CLOSED)
                return;
        if (conn_connecting(c)) {
                int r = conn_connect_result(c);

                if (r == -EAGAIN)
                        return;
                if (!t->sd) {
                        tcpc_close(t);
                        return;
                }
                t->sd->flags |= r < 0 ? SD_F_CONN_ERR : SD_F_CONNECTED;
        }
        if (!t->sd) {
                tcpc_close(t);
                return;
        }
        t->flags &= ~(uint32_t)(TCPC_F_WANT_RCV | TCPC_F_WANT_SND);
        stream_wake(t->sd->strm);
        if (t->state != TCPC_ST_CLOSED)
                tcpc_update_want(t);
}

static void tcp_stop(struct conn *c, bool graceful)
{
        struct tcpc *t = c->mux_ctx;

        /* a soft stop lets tunnels run to their end (hard-stop-after bounds them) */
        if (graceful)
                return;
        if (t->strm)
                stream_kill(t->strm, 'K');
        tcpc_close(t);
}

static struct stream *tcp_cur_stream(struct conn *c)
{
        struct tcpc *t = c->mux_ctx;

        return t ? t->strm : NULL;
}

static void tcp_release(struct conn *c);

/* HAProxy's implicit upgrade: the stream chose an HTTP backend. The connection and the bytes
 * the content rules saw go to the HTTP mux the bind or the TLS handshake says (HTTP/1 by
 * default, which takes this stream for its first request), and this mux lets go of it. */
static int tcp_upgrade(struct sd *sd, unsigned major)
{
        struct tcpc *t = sd->ms;
        struct conn *c = t->conn;
        struct sess *ss = t->sess;
        struct worker *w = t->w;
        struct stream *st = t->strm;
        struct buf in = t->ibuf;
        enum cfg_bind_proto proto = major == 2   ? CFG_BIND_PROTO_H2
                                    : major == 1 ? CFG_BIND_PROTO_H1
                                                 : sess_http_proto(ss);
        bool h2 = proto == CFG_BIND_PROTO_H2;
        int r;

        t->ibuf = BUF_NULL;
        t->sd = NULL;
        t->strm = NULL;
        *sd = (struct sd){.strm = sd->strm};
        tcp_release(c);
        c->mux = NULL;
        c->mux_ctx = NULL;
        r = h2 ? mux_h2_take_over(c, w, ss, &in)
               : mux_h1_take_over(c, w, ss, &in, st, proto == CFG_BIND_PROTO_AUTO);
        if (r < 0) {
                worker_buf_drop(w, &in);
                sess_close(ss);
                return r;
        }
        return h2 ? 0 : 1;
}

static void tcpc_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct tcpc, reap));
}

static void tcp_release(struct conn *c)
{
        struct tcpc *t = c->mux_ctx;

        if (!t || t->state == TCPC_ST_CLOSED)
                return;
        tcpc_set_state(t, TCPC_ST_CLOSED);
        worker_buf_drop(t->w, &t->ibuf);
        t->sd = NULL;
        t->strm = NULL;
        loop_reap(t->w->loop, &t->reap);
}

static int tcp_init(struct conn *c, struct worker *w, struct sess *sess)
{
        struct tcpc *t = calloc(1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        t->conn = c;
        t->w = w;
        t->sess = sess;
        loop_reap_init(&t->reap, tcpc_on_reap);
        c->mux = &mux_tcp_ops;
        c->mux_ctx = t;
        if (!sess) {
                t->flags |= TCPC_F_SERVER;
                tcpc_update_want(t);
                return 0;
        }
        t->strm = stream_new(sess, &mux_tcp_ops, t, false, loop_now(w->loop), &t->sd);
        if (!t->strm)
                return -ENOMEM;
        tcpc_set_state(t, TCPC_ST_BUSY);
        stream_start(t->strm, 0);
        return 0;
}

static struct ssl_st *tcp_ssl(const struct sd *sd)
{
        return xprt_tls_ssl(((const struct tcpc *)sd->ms)->conn);
}

const struct mux_ops mux_tcp_ops = {
        .name = "tcp",
        .init = tcp_init,
        .wake = tcp_wake,
        .stop = tcp_stop,
        .cur_stream = tcp_cur_stream,
        .release = tcp_release,
        .attach = tcp_attach,
        .upgrade = tcp_upgrade,
        .rcv_data = tcp_rcv_data,
        .rcv_consume = tcp_rcv_consume,
        .rcv_peek = tcp_rcv_peek,
        .snd_data = tcp_snd_data,
        .flush = tcp_flush,
        .tunnel = tcp_tunnel,
        .splice_rcv = tcp_splice_rcv,
        .splice_snd = tcp_splice_snd,
        .can_splice = tcp_can_splice,
        .ssl = tcp_ssl,
        .shutw = tcp_shutw,
        .detach = tcp_detach,
};
