/* The client's TLS handshake (see sess_tls.h). */
#include "sess_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accesslog.h"
#include "alog_sink.h"
#include "log.h"
#include "macros.h"
#include "model.h"
#include "session.h"
#include "tls_ctx.h"
#include "wcount.h"
#include "wctx.h"
#include "xprt_tls.h"

/* What a session holds while its handshake runs; freed once it is over. */
struct sess_hs {
        struct sess_handshake head; /* first: what ss->hs points to */
        struct conn_hs hs;
        struct loop_timer timer;     /* timeout client */
        struct sess *ss;             /* borrowed */
        const struct cfg_bind *bind; /* borrowed from the generation */
        void (*done)(struct sess *ss);
};

/* HAProxy's messages for a connection that ended in its TLS handshake, in the frontend's
 * logs ("option dontlognull" leaves out clients that closed or failed before a byte of
 * TLS) */
static void hs_log(struct sess *ss, const struct cfg_bind *b, const char *why)
{
        SSL *ssl = xprt_tls_ssl(&ss->conn);
        const char *msg = "SSL handshake failure";
        bool null = false;

        if (strcmp(why, "timeout during handshake") == 0) {
                msg = "Timeout during SSL handshake";
        } else if (strcmp(why, "connection closed during handshake") == 0) {
                msg = "Connection closed during SSL handshake";
                null = true;
        } else if (strcmp(why, "connection reset during handshake") == 0) {
                msg = "Connection error during SSL handshake";
                null = true;
        } else if (ssl && SSL_get_verify_result(ssl) != X509_V_OK) {
                msg = "SSL client certificate not trusted";
        }
        sess_log_embryonic(ss, b, msg, null);
}

static void hs_end(struct sess *ss)
{
        struct sess_hs *h = (struct sess_hs *)ss->hs;

        ss->hs = NULL;
        loop_timer_deinit(&h->timer);
        free(h);
}

/* One line per failed handshake, never one per byte of garbage (HAProxy logs "SSL
 * handshake failure" the same way). */
static void hs_failed(struct sess *ss, const char *why)
{
        struct sess_hs *h = (struct sess_hs *)ss->hs;
        char ip[INET6_ADDRSTRLEN];
        unsigned port = sess_peer(ss, ip, sizeof(ip));
        wc_proc_add(ss->w, ST_C_TLS_FAILED);
        wc_fe(ss->w, ss->fe)->c[ST_C_TLS_FAILED]++;
        sl_log(LOG_INFO, "%s: TLS handshake failure from %s:%u: %s", ss->fe->name, ip, port, why);
        if (h)
                hs_log(ss, h->bind, why);
        hs_end(ss);
        sess_close(ss);
}

static void hs_complete(struct conn *c, int err)
{
        struct sess *ss = sl_container_of(c, struct sess, conn);
        struct sess_hs *h = (struct sess_hs *)ss->hs;
        void (*done)(struct sess * ss) = h->done;

        if (err < 0) {
                hs_failed(ss, xprt_tls_error(c)[0] ? xprt_tls_error(c) : "connection error");
                return;
        }
        {
                enum stats_ctr k = SSL_session_reused(sess_ssl(ss)) ? ST_C_TLS_REUSED : ST_C_TLS_HS;

                struct stats_blk *fb = wc_fe(ss->w, ss->fe);
                uint64_t took = loop_now(ss->w->loop) - ss->accept_ms;

                wc_proc_add(ss->w, k);
                fb->c[k]++;
                stats_hist_time(ss->w->st, fb, ST_H_FE_TLS_HS,
                                (int)SL_MIN(took, (uint64_t)INT_MAX));
        }
        hs_end(ss);
        done(ss);
}

static void hs_timeout(struct loop_timer *t)
{
        struct sess_hs *h = sl_container_of(t, struct sess_hs, timer);

        hs_failed(h->ss, "timeout during handshake");
}

int sess_tls_start(struct sess *ss, const struct tls_bind *tb, void (*done)(struct sess *ss))
{
        uint64_t tmo = cfg_proxy_timeout(ss->fe, CFG_TO_CLIENT);
        uint64_t spent = loop_now(ss->w->loop) - ss->accept_ms;
        struct sess_hs *h;
        SSL *ssl;

        /* one timeout client from the accept covers the PROXY header (if any) and TLS */
        if (tmo)
                tmo = spent < tmo ? tmo - spent : 1;

        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        ssl = tls_bind_new_ssl(tb);
        if (!ssl || xprt_tls_attach(&ss->conn, ssl) < 0) {
                free(h);
                return -ENOMEM;
        }
        worker_tls_opened(ss->w); /* sess_close() counts it closed */
        if (loop_timer_init(ss->w->loop, &h->timer, hs_timeout) < 0) {
                free(h);
                return -ENOMEM;
        }
        h->hs = (struct conn_hs){.step = {xprt_tls_handshake}, .n = 1, .complete = hs_complete};
        h->ss = ss;
        h->bind = tls_bind_cfg(tb);
        h->done = done;
        h->head.end = hs_end;
        ss->hs = &h->head;
        if (tmo)
                loop_timer_arm(&h->timer, tmo);
        conn_handshake(&ss->conn, &h->hs);
        return 0;
}
