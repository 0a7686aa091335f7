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
        struct conn_hs hs;
        struct loop_timer timer;     /* timeout client */
        struct sess *ss;             /* borrowed */
        const struct cfg_bind *bind; /* borrowed from the generation */
        void (*done)(struct sess *ss);
};

/* HAProxy's line for a connection that ended in its handshake, in the frontend's logs:
 * "ADDR:PORT [DATE] FRONTEND/LISTENER: MESSAGE", with HAProxy's messages, so that what
 * parses HAProxy's logs parses these (only with a log format: option httplog, tcplog,
 * log-format). "option dontlognull" leaves out clients that closed or failed before a byte
 * of TLS. */
static void hs_log(struct sess *ss, const struct cfg_bind *b, const char *why, const char *ip,
                   unsigned port)
{
        struct px_rt *rt = worker_rt(ss->w, ss->fe);
        SSL *ssl = xprt_tls_ssl(&ss->conn);
        const char *msg = "SSL handshake failure";
        bool null = false;
        char line[512], date[32];
        time_t sec = (time_t)(ss->accept_wall_us / 1000000);
        struct tm tm;
        int n;

        /* as HAProxy: only a frontend that logs its requests logs these */
        if (!rt->sinks || rt->sinks->n == 0 || !alog_proxy_format(ss->fe))
                return;
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
        if (null && (ss->fe->options & CFG_OPT_DONTLOGNULL))
                return;
        localtime_r(&sec, &tm);
        strftime(date, sizeof(date), "%d/%b/%Y:%H:%M:%S", &tm);
        if (b->name)
                n = snprintf(line, sizeof(line), "%s:%u [%s.%03u] %s/%s: %s", ip, port, date,
                             (unsigned)(ss->accept_wall_us / 1000 % 1000), ss->fe->name, b->name,
                             msg);
        else
                n = snprintf(line, sizeof(line), "%s:%u [%s.%03u] %s/%u: %s", ip, port, date,
                             (unsigned)(ss->accept_wall_us / 1000 % 1000), ss->fe->name,
                             (unsigned)(b - ss->fe->binds) + 1, msg);
        if (n > 0)
                (void)alog_sinks_send(rt->sinks, LOG_INFO, line,
                                      SL_MIN((size_t)n, sizeof(line) - 1),
                                      &wc_proc(ss->w)->c[ST_C_DROPPED_LOGS]);
}

static void hs_end(struct sess *ss)
{
        struct sess_hs *h = ss->hs;

        ss->hs = NULL;
        loop_timer_deinit(&h->timer);
        free(h);
}

/* One line per failed handshake, never one per byte of garbage (HAProxy logs "SSL
 * handshake failure" the same way). */
static void hs_failed(struct sess *ss, const char *why)
{
        char ip[INET6_ADDRSTRLEN];
        unsigned port = sess_peer(ss, ip, sizeof(ip));
        wc_proc_add(ss->w, ST_C_TLS_FAILED);
        wc_fe(ss->w, ss->fe)->c[ST_C_TLS_FAILED]++;
        sl_log(LOG_INFO, "%s: TLS handshake failure from %s:%u: %s", ss->fe->name, ip, port, why);
        if (ss->hs)
                hs_log(ss, ss->hs->bind, why, ip, port);
        hs_end(ss);
        sess_close(ss);
}

static void hs_complete(struct conn *c, int err)
{
        struct sess *ss = sl_container_of(c, struct sess, conn);
        struct sess_hs *h = ss->hs;
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
        struct sess_hs *h;
        SSL *ssl;

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
        ss->hs = h;
        ss->hs_free = hs_end;
        if (tmo)
                loop_timer_arm(&h->timer, tmo);
        conn_handshake(&ss->conn, &h->hs);
        return 0;
}
