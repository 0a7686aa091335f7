/* The TLS transport (see xprt_tls.h). */
#include "xprt_tls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>

#include "macros.h"

/* A record is at most 16 KiB of plain bytes plus its overhead; the out buffer takes a
 * handshake flight (a certificate chain) or a few records, never more. */
#define TLS_REC_MAX 16384
#define TLS_OUT_MAX (64 * 1024)

enum {
        TLS_XC_RD_WANTS_WR = 1u << 0, /* a read waits for the socket to take our bytes */
        TLS_XC_EOF = 1u << 1,         /* close_notify or the end of the lower stream */
        TLS_XC_SHUTW = 1u << 2,       /* shut the lower write side once the out buffer empties */
        TLS_XC_ERR = 1u << 3,         /* the TLS layer failed; nothing goes through anymore */
        TLS_XC_HS_DONE = 1u << 4,
        TLS_XC_CORK = 1u << 5, /* records wait in @out for one write (a flight, a sendv) */
        TLS_XC_DRY = 1u << 6,  /* the lower stream gave all it had: no recv() until an event */
};

struct tls_xc {
        SSL *ssl;                     /* owned */
        BIO *bio;                     /* owned by @ssl */
        const struct xprt_ops *lower; /* borrowed: a static table */
        void *lower_ctx;              /* the lower transport's state, released through it */
        struct conn *c;               /* borrowed: the connection this is the transport of */
        char *out;                    /* owned: records the socket did not take yet, or NULL */
        size_t out_off, out_len;      /* bytes of @out already written, bytes held */
        uint32_t want;                /* CONN_WANT_* of the layer above */
        uint32_t flags;               /* TLS_XC_* */
        int lower_err;                /* negative errno of the lower transport's failure */
        const char *why;              /* static: why the handshake failed, or NULL */
};

static BIO_METHOD *bio_method;

/* ---- the BIO: OpenSSL's bytes through the lower transport ---- */

/* OpenSSL reads ahead (SSL_set_read_ahead): it asks for a whole buffer, so that one recv()
 * brings every record the socket holds instead of one recv() for a record's header and
 * another for its body. Once the handshake is done, less than asked means the socket is
 * empty, as conn_read() assumes: the next read waits for the next event instead of a recv()
 * that says EAGAIN. During the handshake every read goes to the socket, so that a client that
 * sent its hello and left is found gone (and freed) in the same step. */
static int bio_read(BIO *b, char *buf, int len)
{
        struct tls_xc *x = BIO_get_data(b);
        ssize_t n;

        BIO_clear_retry_flags(b);
        if (len <= 0)
                return 0;
        if (x->flags & TLS_XC_DRY) {
                BIO_set_retry_read(b);
                return -1;
        }
        n = x->lower->recv(x->c, x->lower_ctx, buf, (size_t)len);
        if (n > 0) {
                if (n < len && (x->flags & TLS_XC_HS_DONE))
                        x->flags |= TLS_XC_DRY;
                return (int)n;
        }
        if (n == 0) {
                x->flags |= TLS_XC_EOF;
                return 0;
        }
        if (n == -EAGAIN) {
                BIO_set_retry_read(b);
                return -1;
        }
        x->lower_err = (int)n;
        return -1;
}

/* Write what @out holds; 0 once empty, -EAGAIN while the socket is full, or -errno. */
static int out_flush(struct tls_xc *x)
{
        while (x->out_len > x->out_off) {
                struct iovec iov = {x->out + x->out_off, x->out_len - x->out_off};
                ssize_t n = x->lower->sendv(x->c, x->lower_ctx, &iov, 1, false);

                if (n == -EAGAIN)
                        return -EAGAIN;
                if (n < 0) {
                        x->lower_err = (int)n;
                        return (int)n;
                }
                x->out_off += (size_t)n;
        }
        free(x->out);
        x->out = NULL;
        x->out_off = x->out_len = 0;
        return 0;
}

static bool out_append(struct tls_xc *x, const char *p, size_t len)
{
        char *nb;

        if (x->out_off && x->out_off == x->out_len)
                x->out_off = x->out_len = 0;
        nb = realloc(x->out, x->out_len + len);
        if (!nb)
                return false;
        memcpy(nb + x->out_len, p, len);
        x->out = nb;
        x->out_len += len;
        return true;
}

/* Records go out at once when the socket takes them; what it does not take is kept, and
 * OpenSSL is told it was written, so that it never waits to retry a record. During the
 * handshake (until OpenSSL flushes a flight) and within one sendv, records are gathered
 * first: one system call for a flight or a response instead of one per record. */
static int bio_write(BIO *b, const char *buf, int len)
{
        struct tls_xc *x = BIO_get_data(b);
        ssize_t n = 0;

        BIO_clear_retry_flags(b);
        if (len <= 0)
                return 0;
        if ((x->flags & TLS_XC_CORK) || !(x->flags & TLS_XC_HS_DONE) || x->out_len > x->out_off) {
                if (x->out_len - x->out_off + (size_t)len > TLS_OUT_MAX) {
                        BIO_set_retry_write(b);
                        return -1;
                }
        } else {
                struct iovec iov = {(void *)buf, (size_t)len};

                n = x->lower->sendv(x->c, x->lower_ctx, &iov, 1, false);
                if (n == -EAGAIN)
                        n = 0;
                if (n < 0) {
                        x->lower_err = (int)n;
                        return -1;
                }
                if (n == len)
                        return len;
        }
        if (!out_append(x, buf + n, (size_t)len - (size_t)n)) {
                x->lower_err = -ENOMEM;
                return -1;
        }
        return len;
}

static int out_flush(struct tls_xc *x);

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
        struct tls_xc *x = BIO_get_data(b);

        (void)num;
        (void)ptr;
        if (cmd != BIO_CTRL_FLUSH)
                return 0;
        /* the end of a flight: what the socket does not take now waits for write readiness
         * (the caller watches for it); only a failure is one */
        if (x->out_len > x->out_off && !(x->flags & TLS_XC_CORK) && out_flush(x) < 0 &&
            x->lower_err && x->lower_err != -EAGAIN)
                return -1;
        return 1;
}

static int bio_create(BIO *b)
{
        BIO_set_init(b, 1);
        return 1;
}

static BIO_METHOD *bio_meth(void)
{
        if (!bio_method) {
                BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                             "sluice transport");

                if (!m || !BIO_meth_set_read(m, bio_read) || !BIO_meth_set_write(m, bio_write) ||
                    !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create)) {
                        BIO_meth_free(m);
                        return NULL;
                }
                bio_method = m;
        }
        return bio_method;
}

/* ---- the transport ---- */

/* Watch what the layer above wants, plus the writes our own bytes need. */
static void tls_watch(struct tls_xc *x)
{
        uint32_t w = x->want;

        if (x->out_len > x->out_off || (x->flags & TLS_XC_RD_WANTS_WR))
                w |= CONN_WANT_WR;
        x->lower->update(x->c, x->lower_ctx, w);
}

/* After an OpenSSL call that failed with @r: -EAGAIN (and what to wait for), 0 at the end
 * of the stream, or a negative errno. */
static int tls_failure(struct tls_xc *x, int r, bool reading)
{
        switch (SSL_get_error(x->ssl, r)) {
        case SSL_ERROR_WANT_READ:
                return -EAGAIN;
        case SSL_ERROR_WANT_WRITE:
                if (reading)
                        x->flags |= TLS_XC_RD_WANTS_WR;
                return -EAGAIN;
        case SSL_ERROR_ZERO_RETURN:
                x->flags |= TLS_XC_EOF;
                return 0;
        case SSL_ERROR_SYSCALL:
                ERR_clear_error();
                if (x->lower_err)
                        return x->lower_err;
                if (x->flags & TLS_XC_EOF)
                        return 0;
                x->flags |= TLS_XC_ERR;
                return -ECONNRESET;
        default:
                ERR_clear_error();
                x->flags |= TLS_XC_ERR;
                return -EPROTO;
        }
}

static ssize_t tls_recv(struct conn *c, void *ctx, void *p, size_t len)
{
        struct tls_xc *x = ctx;
        size_t total = 0;
        int r = 1;

        if (x->flags & TLS_XC_ERR)
                return x->lower_err ? x->lower_err : -EPROTO;
        if (!(x->flags & TLS_XC_HS_DONE))
                return -EAGAIN; /* only the handshake step drives OpenSSL until it is done */
        x->flags &= ~(uint32_t)(TLS_XC_RD_WANTS_WR | TLS_XC_DRY);
        /* until the room is full or OpenSSL has nothing more: a short read then means the
         * socket is empty too, as conn_read() assumes */
        while (total < len) {
                size_t got = 0;

                r = SSL_read_ex(x->ssl, (char *)p + total, len - total, &got);
                if (r != 1)
                        break;
                total += got;
        }
        if (r != 1) {
                int e = tls_failure(x, r, true);

                if (total == 0) {
                        if (x->flags & TLS_XC_RD_WANTS_WR)
                                tls_watch(x);
                        return e;
                }
                /* The end (a close_notify read ahead with the last records) or an error came
                 * with these bytes: the next read reports it. The peer may wait for our
                 * close_notify before its FIN, so no event would say it. */
                if (e != -EAGAIN)
                        c->flags |= CONN_F_RD_HELD;
        }
        if (x->out_len > x->out_off && out_flush(x) == -EAGAIN)
                tls_watch(x);
        return (ssize_t)total;
}

static ssize_t tls_sendv(struct conn *c, void *ctx, const struct iovec *iov, int n, bool more)
{
        struct tls_xc *x = ctx;
        char gather[TLS_REC_MAX];
        size_t total = 0, off = 0; /* bytes written; of iov[i] */
        int i = 0, r;

        (void)c;
        (void)more;
        if (x->flags & TLS_XC_ERR)
                return x->lower_err ? x->lower_err : -EPIPE;
        if (!(x->flags & TLS_XC_HS_DONE))
                return -EAGAIN;
        r = x->out_len > x->out_off ? out_flush(x) : 0;
        if (r < 0)
                return r;
        x->flags |= TLS_XC_CORK;
        while (i < n) {
                const char *p;
                size_t len, w = 0;

                if (off == iov[i].iov_len) {
                        i++;
                        off = 0;
                        continue;
                }
                if (i + 1 < n && iov[i].iov_len - off < TLS_REC_MAX) {
                        /* small pieces (a head, then a body) make one record */
                        size_t k = 0, j = (size_t)i, o = off;

                        while ((int)j < n && k < TLS_REC_MAX) {
                                size_t take = SL_MIN(iov[j].iov_len - o, TLS_REC_MAX - k);

                                memcpy(gather + k, (const char *)iov[j].iov_base + o, take);
                                k += take;
                                o += take;
                                if (o == iov[j].iov_len) {
                                        j++;
                                        o = 0;
                                }
                        }
                        p = gather;
                        len = k;
                } else {
                        p = (const char *)iov[i].iov_base + off;
                        len = SL_MIN(iov[i].iov_len - off, (size_t)TLS_REC_MAX);
                }
                r = SSL_write_ex(x->ssl, p, len, &w);
                if (r != 1) {
                        int e = tls_failure(x, r, false);

                        if (total)
                                break;
                        x->flags &= ~(uint32_t)TLS_XC_CORK;
                        return e == 0 ? -EPIPE : e;
                }
                total += w;
                /* advance over @w bytes of the vector */
                while (w) {
                        size_t take = SL_MIN(w, iov[i].iov_len - off);

                        off += take;
                        w -= take;
                        if (off == iov[i].iov_len && i + 1 < n) {
                                i++;
                                off = 0;
                        }
                }
                /* past half the out buffer, write: one more record always fits after it */
                if (x->out_len - x->out_off >= TLS_OUT_MAX / 2) {
                        r = out_flush(x);
                        if (r < 0)
                                break; /* the socket is full: the rest waits for it */
                }
        }
        x->flags &= ~(uint32_t)TLS_XC_CORK;
        r = x->out_len > x->out_off ? out_flush(x) : 0;
        if (r < 0 && r != -EAGAIN && !total)
                return r;
        if (x->out_len > x->out_off)
                tls_watch(x);
        return (ssize_t)total;
}

/* close_notify, then the lower FIN once everything before it is out. */
static int tls_shutw(struct conn *c, void *ctx)
{
        struct tls_xc *x = ctx;

        (void)c;
        if ((x->flags & (TLS_XC_HS_DONE | TLS_XC_ERR)) == TLS_XC_HS_DONE) {
                (void)SSL_shutdown(x->ssl);
                ERR_clear_error();
        }
        if (x->out_len > x->out_off && out_flush(x) == -EAGAIN) {
                x->flags |= TLS_XC_SHUTW;
                tls_watch(x);
                return 0;
        }
        return x->lower->shutw(x->c, x->lower_ctx);
}

static void tls_flush(struct conn *c, void *ctx)
{
        struct tls_xc *x = ctx;
        int r;

        (void)c;
        if (x->out_len <= x->out_off)
                return;
        r = out_flush(x);
        if (r == -EAGAIN) {
                x->c->flags &= ~(uint32_t)CONN_F_WR;
                return;
        }
        if (r < 0) {
                x->c->flags |= CONN_F_ERROR;
                return;
        }
        if (x->flags & TLS_XC_RD_WANTS_WR) {
                /* the read that waited for this may go on */
                x->flags &= ~(uint32_t)TLS_XC_RD_WANTS_WR;
                x->c->flags |= CONN_F_RD;
        }
        if (x->flags & TLS_XC_SHUTW) {
                x->flags &= ~(uint32_t)TLS_XC_SHUTW;
                (void)x->lower->shutw(x->c, x->lower_ctx);
        }
        tls_watch(x);
}

static int tls_error(struct conn *c, void *ctx)
{
        struct tls_xc *x = ctx;

        if (x->flags & TLS_XC_ERR)
                return x->lower_err ? x->lower_err : -EPROTO;
        return x->lower->error(c, x->lower_ctx);
}

static size_t tls_waiting(struct conn *c, void *ctx)
{
        struct tls_xc *x = ctx;

        size_t n = (size_t)SSL_pending(x->ssl) + x->lower->waiting(c, x->lower_ctx);

        /* records read ahead but not decrypted yet: their size is not known, only that
         * something came */
        return n == 0 && SSL_has_pending(x->ssl) ? 1 : n;
}

static struct sl_str tls_alpn(const struct conn *c, const void *ctx)
{
        const struct tls_xc *x = ctx;
        const unsigned char *p = NULL;
        unsigned len = 0;

        (void)c;
        SSL_get0_alpn_selected(x->ssl, &p, &len);
        return p ? (struct sl_str){(const char *)p, len} : SL_STR_NULL;
}

static void tls_update(struct conn *c, void *ctx, uint32_t want)
{
        struct tls_xc *x = ctx;

        (void)c;
        x->want = want;
        tls_watch(x);
}

static void tls_close(struct conn *c, void *ctx)
{
        struct tls_xc *x = ctx;

        /* A close_notify, if none went yet, on a connection that did not fail: the end of a
         * clean exchange (OpenSSL forgets the session of a connection freed without it, and
         * the client could not resume it). Best effort: the socket closes right after. */
        if ((x->flags & (TLS_XC_HS_DONE | TLS_XC_ERR)) == TLS_XC_HS_DONE) {
                if (!(SSL_get_shutdown(x->ssl) & SSL_SENT_SHUTDOWN) && !(c->flags & CONN_F_ERROR)) {
                        (void)SSL_shutdown(x->ssl);
                        ERR_clear_error();
                }
                /* a socket that failed does not make the session unsafe: it stays
                 * resumable (OpenSSL marks a session not resumable when it frees a
                 * connection that did not shut down, which would also spoil a server's
                 * session that other connections resume) */
                SSL_set_shutdown(x->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
        }
        SSL_free(x->ssl); /* and its BIO */
        free(x->out);
        x->lower->close(c, x->lower_ctx);
        free(x);
}

const struct xprt_ops xprt_tls = {
        .name = "tls",
        .tls = true,
        .recv = tls_recv,
        .sendv = tls_sendv,
        .shutw = tls_shutw,
        .error = tls_error,
        .waiting = tls_waiting,
        .alpn = tls_alpn,
        .update = tls_update,
        .flush = tls_flush,
        .close = tls_close,
};

int xprt_tls_attach(struct conn *c, SSL *ssl)
{
        struct tls_xc *x;
        BIO_METHOD *m = bio_meth();
        BIO *b;

        x = m ? calloc(1, sizeof(*x)) : NULL;
        b = x ? BIO_new(m) : NULL;
        if (!b) {
                free(x);
                SSL_free(ssl);
                return -ENOMEM;
        }
        BIO_set_data(b, x);
        SSL_set_bio(ssl, b, b);
        SSL_set_read_ahead(ssl, 1);
        *x = (struct tls_xc){.ssl = ssl,
                             .bio = b,
                             .lower = c->xprt,
                             .lower_ctx = c->xprt_ctx,
                             .c = c,
                             .want = c->want};
        c->xprt = &xprt_tls;
        c->xprt_ctx = x;
        return 0;
}

int xprt_tls_prepend(struct conn *c, const void *p, size_t len)
{
        struct tls_xc *x = c->xprt_ctx;

        SL_BUG_ON(c->xprt != &xprt_tls || (x->flags & TLS_XC_HS_DONE));
        return out_append(x, p, len) ? 0 : -ENOMEM;
}

int xprt_tls_handshake(struct conn *c, void *data)
{
        struct tls_xc *x = c->xprt_ctx;
        int r, e;

        (void)data;
        SL_BUG_ON(c->xprt != &xprt_tls);
        r = SSL_do_handshake(x->ssl);
        if (x->out_len > x->out_off && out_flush(x) < 0 && x->lower_err) {
                x->why = "connection reset during handshake";
                return x->lower_err;
        }
        if (r == 1) {
                x->flags |= TLS_XC_HS_DONE;
                /* records read ahead with the last flight (a request sent at once) are
                 * for the layer above, and no event will say so */
                if (SSL_has_pending(x->ssl))
                        c->flags |= CONN_F_RD;
                return 0;
        }
        e = SSL_get_error(x->ssl, r);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
                conn_want(c, e == SSL_ERROR_WANT_READ ? CONN_WANT_RD : CONN_WANT_WR);
                tls_watch(x); /* conn_want() does nothing when the want did not change */
                return -EAGAIN;
        }
        if (e == SSL_ERROR_SSL) {
                unsigned long err = ERR_peek_error();
                const char *why = ERR_reason_error_string(err);
                long v = SSL_get_verify_result(x->ssl);

                /* a certificate that did not verify: say why ("hostname mismatch") */
                if (v != X509_V_OK)
                        why = X509_verify_cert_error_string(v);
                x->why = why ? why : "TLS protocol error";
        } else if (x->lower_err) {
                x->why = "connection reset during handshake";
        } else {
                x->why = "connection closed during handshake";
        }
        ERR_clear_error();
        x->flags |= TLS_XC_ERR;
        return x->lower_err ? x->lower_err : -EPROTO;
}

SSL *xprt_tls_ssl(const struct conn *c)
{
        return c->xprt == &xprt_tls ? ((const struct tls_xc *)c->xprt_ctx)->ssl : NULL;
}

const char *xprt_tls_error(const struct conn *c)
{
        const struct tls_xc *x = c->xprt == &xprt_tls ? c->xprt_ctx : NULL;

        return x && x->why ? x->why : "";
}
