/* The client's TLS handshake (see sess_tls.h). */
#include "sess_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "macros.h"
#include "model.h"
#include "session.h"
#include "tls_ctx.h"
#include "wctx.h"
#include "xprt_tls.h"

/* What a session holds while its handshake runs; freed once it is over. */
struct sess_hs {
        struct conn_hs hs;
        struct loop_timer timer; /* timeout client */
        struct sess *ss;         /* borrowed */
        void (*done)(struct sess *ss);
};

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
        char ip[INET6_ADDRSTRLEN] = "unix";
        unsigned port = 0;

        if (ss->src.ss_family == AF_INET) {
                const struct sockaddr_in *a = (const struct sockaddr_in *)&ss->src;

                inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
                port = ntohs(a->sin_port);
        } else if (ss->src.ss_family == AF_INET6) {
                const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss->src;

                inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
                port = ntohs(a->sin6_port);
        }
        ss->w->stats.tls_hs_failed++;
        sl_log(LOG_INFO, "%s: TLS handshake failure from %s:%u: %s", ss->fe->name, ip, port, why);
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
        ss->w->stats.tls_hs_done++;
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
        h->done = done;
        ss->hs = h;
        ss->hs_free = hs_end;
        if (tmo)
                loop_timer_arm(&h->timer, tmo);
        conn_handshake(&ss->conn, &h->hs);
        return 0;
}
