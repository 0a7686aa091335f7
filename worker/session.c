/* Sessions (see session.h): created by the listener for each accepted connection, closed by
 * the client side's mux. */
#include "session.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "accesslog.h"
#include "alog_sink.h"
#include "clock.h"
#include "macros.h"
#include "model.h"
#include "mux.h"
#include "srvconn.h"
#include "stick.h"
#include "vars.h"
#include "wcount.h"
#include "wctx.h"
#include "xprt_tls.h"

/* the last session id given in this (single-threaded) worker process */
static uint64_t sess_last_id;

static void sess_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct sess, reap));
}

struct sess *sess_new(struct worker *w, const struct cfg_proxy *fe,
                      const struct sockaddr_storage *src, socklen_t src_len, size_t mux_space)
{
        struct sess *s = mux_space <= UINT16_MAX ? calloc(1, sizeof(*s) + mux_space) : NULL;

        if (!s) {
                wc_proc_add(w, ST_C_POOL_FAILED);
                return NULL;
        }
        s->w = w;
        s->mux_space = (uint16_t)mux_space;
        s->id = ++sess_last_id;
        s->gen = cfg_gen_ref(w->gen);
        s->fe = fe;
        sl_addr_set(&s->src, (const struct sockaddr *)src, src_len);
        s->accept_wall_us = sl_clock_wall_us();
        s->accept_ms = loop_now(w->loop);
        s->conn.io.fd = -1;
        s->conn.state = CONN_ST_CLOSED;
        loop_reap_init(&s->reap, sess_on_reap);
        sl_list_push_back(&w->sessions, &s->link);
        w->n_conns++;
        worker_load_publish(w);
        worker_rt(w, fe)->feconn++;
        s->lis = CFG_STATS_NONE;
        stats_gauge(wc_fe(w, fe), ST_G_CUR, 1, ST_M_CUR);
        return s;
}

void *sess_mux_space(struct sess *s, size_t size)
{
        if (size > s->mux_space)
                return NULL;
        s->mux_space = 0;
        return s->mux_ctx;
}

bool sess_tls(const struct sess *s)
{
        return s->conn.xprt && s->conn.xprt->tls;
}

enum cfg_bind_proto sess_http_proto(const struct sess *s)
{
        if (s->bind && s->bind->proto != CFG_BIND_PROTO_AUTO)
                return s->bind->proto;
        if (sl_str_eq(s->conn.xprt->alpn(&s->conn, s->conn.xprt_ctx), SL_STR_LIT("h2")))
                return CFG_BIND_PROTO_H2;
        return CFG_BIND_PROTO_AUTO;
}

struct ssl_st *sess_ssl(const struct sess *s)
{
        return xprt_tls_ssl(&s->conn);
}

void sess_close_private(struct sess *s)
{
        const struct cfg_proxy *be = s->last_be;

        if (be && (be->http_reuse == CFG_REUSE_NEVER || worker_rt(s->w, be)->pp_private))
                srv_conn_close_owned(worker_rt(s->w, be), (int)be->n_servers, s->id);
}

void sess_close(struct sess *s)
{
        struct worker *w = s->w;

        if (s->closed)
                return;
        s->closed = true;
        if (s->hs)
                s->hs->end(s);
        if (s->more)
                stick_sess_end(s);
        sess_close_private(s);
        if (s->more) {
                vars_clear(w, s, NULL, &s->more->vars);
                free(s->more->pp_tlv);
                free(s->more);
                s->more = NULL;
        }
        if (sess_tls(s))
                worker_tls_closed(w);
        conn_close(&s->conn);
        worker_rt(w, s->fe)->feconn--;
        stats_gauge(wc_fe(w, s->fe), ST_G_CUR, -1, ST_M_COUNT);
        if (s->lis != CFG_STATS_NONE)
                stats_gauge(stats_row_blk(w->st, s->lis), ST_G_CUR, -1, ST_M_COUNT);
        sl_list_del(&s->link);
        loop_reap(w->loop, &s->reap);
        w->n_conns--;
        worker_load_publish(w);
        if (w->conn_closed)
                w->conn_closed(w, s->fe);
        s->gen = cfg_gen_unref(s->gen);
}

unsigned sess_peer(const struct sess *s, char *ip, size_t cap)
{
        snprintf(ip, cap, "unix");
        if (s->src.sa.sa_family == AF_INET) {
                const struct sockaddr_in *a = &s->src.sin;

                inet_ntop(AF_INET, &a->sin_addr, ip, (socklen_t)cap);
                return ntohs(a->sin_port);
        }
        if (s->src.sa.sa_family == AF_INET6) {
                const struct sockaddr_in6 *a = &s->src.sin6;

                inet_ntop(AF_INET6, &a->sin6_addr, ip, (socklen_t)cap);
                return ntohs(a->sin6_port);
        }
        return 0;
}

unsigned sess_http_major(const struct sess *s)
{
        return s->conn.mux && s->conn.mux->http_major == 2 ? 2 : 1;
}

unsigned sess_glitches(const struct sess *s)
{
        const struct mux_ops *m = s->conn.mux;

        return m && m->glitches ? m->glitches(&s->conn) : 0;
}

void sess_log_embryonic(struct sess *ss, const struct cfg_bind *b, const char *msg, bool null)
{
        struct px_rt *rt = worker_rt(ss->w, ss->fe);
        char line[512], date[32], ip[INET6_ADDRSTRLEN];
        unsigned port = sess_peer(ss, ip, sizeof(ip));
        time_t sec = (time_t)(ss->accept_wall_us / 1000000);
        struct tm tm;
        int n;

        /* as HAProxy: only a frontend that logs its requests logs these */
        if (!rt->sinks || rt->sinks->n == 0 || !alog_proxy_format(ss->fe))
                return;
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
