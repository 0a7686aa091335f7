/* Accepting connections (see listener.h). */
#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "http_ana.h"
#include "log.h"
#include "macros.h"
#include "mux_h1.h"
#include "mux_h2.h"
#include "mux_tcp.h"
#include "sess_proxy.h"
#include "sess_tls.h"
#include "session.h"
#include "tls_ctx.h"
#include "wcount.h"
#include "wctx.h"

#define LISTENER_BACKLOG     4096
#define LISTENER_MAX_ACCEPTS 64 /* per wakeup, so one busy listener cannot starve the rest */

static void listener_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct listener, reap));
}

/* The mux of a client connection: TCP, or for HTTP the protocol the bind forces ("proto")
 * or the TLS handshake chose (ALPN); HTTP/1 otherwise, which switches to HTTP/2 when the
 * connection opens with HTTP/2's preface. */
static const struct mux_ops *session_mux(const struct sess *ss)
{
        if (ss->fe->mode != CFG_MODE_HTTP)
                return &mux_tcp_ops;
        return sess_http_proto(ss) == CFG_BIND_PROTO_H2 ? &mux_h2_ops : &mux_h1_ops;
}

/* The session is complete (after its TLS handshake, if any): the tcp-request session
 * rules, then the mux of the frontend's mode, which makes its streams. */
static void listener_session_ready(struct sess *ss)
{
        struct worker *w = ss->w;
        const struct cfg_proxy *fe = ss->fe;
        const struct mux_ops *mux = session_mux(ss);

        if (!http_ana_tcp_rules(ss, NULL, fe->tcp_sess, fe->n_tcp_sess, STICK_CONN)) {
                /* closed without a log line, as HAProxy */
                wc_proc_add(w, ST_C_TCP_REJECTED);
                wc_fe(w, fe)->c[ST_C_DSES]++;
                sess_close(ss);
                return;
        }
        if (mux->init(&ss->conn, w, ss) < 0) {
                wc_proc_add(w, ST_C_POOL_FAILED);
                sess_close(ss);
        }
}

/* The TLS handshake of a bind with "ssl" (@tb), then the rest (listener_session_ready()). */
static void listener_tls(struct sess *ss, const struct tls_bind *tb)
{
        if (tb) {
                if (sess_tls_start(ss, tb, listener_session_ready) < 0) {
                        wc_proc_add(ss->w, ST_C_POOL_FAILED);
                        sess_close(ss);
                }
                return;
        }
        listener_session_ready(ss);
}

/* The PROXY header was read: on to TLS. */
static void listener_proxy_done(struct sess *ss)
{
        listener_tls(ss, tls_set_bind(ss->w->tls, ss->bind));
}

/* May this worker accept one more connection in this second (maxconnrate)? When not, a
 * timer resumes the listeners at the next second. */
static bool conn_rate_allow(struct worker *w)
{
        uint64_t sec = loop_now(w->loop) / 1000;

        if (sec != w->conn_rate_sec) {
                w->conn_rate_sec = sec;
                w->conn_rate_n = 0;
        }
        if (w->conn_rate_n < w->maxconnrate)
                return true;
        w->conn_rate_paused = true;
        loop_timer_arm(&w->conn_rate_retry, 1000 - loop_now(w->loop) % 1000);
        return false;
}

/* May this worker take one more TLS client now (maxsslconn, maxsslrate)? When the rate is
 * the limit, a timer resumes the TLS listeners at the next second. */
static bool tls_limits_allow(struct worker *w)
{
        uint64_t sec = loop_now(w->loop) / 1000;

        if (w->maxsslconn && w->tls_conns >= w->maxsslconn)
                return false;
        if (!w->maxsslrate)
                return true;
        if (sec != w->tls_rate_sec) {
                w->tls_rate_sec = sec;
                w->tls_rate_n = 0;
        }
        if (w->tls_rate_n < w->maxsslrate)
                return true;
        loop_timer_arm(&w->tls_rate_retry, 1000 - loop_now(w->loop) % 1000);
        return false;
}

/* A new client connection: its session, the tcp-request connection rules, the TLS
 * handshake of a bind with "ssl", then the rest (listener_session_ready()). Takes @fd in
 * every case. */
static void listener_accept(struct listener *l, int fd, const struct sockaddr_storage *addr,
                            socklen_t len)
{
        struct worker *w = l->w;
        const struct cfg_proxy *fe = l->fe;
        /* an HTTP frontend's connection most often stays HTTP/1: its state goes in the
         * session's allocation (an HTTP/2 one leaves that room unused) */
        struct sess *ss =
                sess_new(w, fe, addr, len, fe->mode == CFG_MODE_HTTP ? mux_h1_ops.client_space : 0);
        uint64_t now = loop_now(w->loop);
        struct stats_blk *fb = wc_fe(w, fe), *lb;

        fb->c[ST_C_CONN_TOT]++;
        stats_rate_hit(fb, ST_R_CONN, ST_M_CONN_RATE, now);
        if (!ss) {
                close(fd);
                return;
        }
        ss->bind = l->bind;
        /* a listener's own figures are shown with option socket-stats only: counted then */
        if (fe->options & CFG_OPT_SOCKET_STATS) {
                ss->lis = fe->st_lis + (uint32_t)(l->bind - fe->binds);
                lb = stats_row_blk(w->st, ss->lis);
                lb->c[ST_C_CONN_TOT]++;
                stats_gauge(lb, ST_G_CUR, 1, ST_M_CUR);
        } else {
                /* counted into the row's process block: read by nobody as a listener's */
                lb = wc_proc(w);
        }
        /* optimistic: the request is often already there (and the socket always writable);
         * TCP_NODELAY is inherited from the listener */
        conn_init_socket(&ss->conn, w->loop, fd, CONN_ST_READY, CONN_F_RD | CONN_F_WR);
        if ((fe->options & CFG_OPT_CLITCPKA) && addr->ss_family != AF_UNIX) {
                int one = 1;

                (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        }
        /* option nolinger: the close resets (HAProxy's FD_LINGER_RISK) */
        if ((fe->options & CFG_OPT_NOLINGER) && addr->ss_family != AF_UNIX)
                ss->conn.flags |= CONN_F_NOLINGER;
        if (!http_ana_tcp_rules(ss, NULL, fe->tcp_conn, fe->n_tcp_conn, STICK_CONN)) {
                wc_proc_add(w, ST_C_TCP_REJECTED);
                fb->c[ST_C_DCON]++;
                if (ss->lis != CFG_STATS_NONE)
                        lb->c[ST_C_DCON]++;
                sess_close(ss);
                return;
        }
        /* HAProxy's cum_sess: the connections the tcp-request connection rules let in */
        fb->c[ST_C_STOT]++;
        fb->last_ms = now;
        stats_rate_hit(fb, ST_R_SESS, ST_M_RATE, now);
        if (ss->lis != CFG_STATS_NONE)
                lb->c[ST_C_STOT]++;
        if (l->tls)
                w->tls_rate_n++;
        /* the PROXY header comes before any other byte, TLS included */
        if (l->bind->accept_proxy || ss->expect_proxy) {
                if (sess_proxy_start(ss, listener_proxy_done) < 0) {
                        wc_proc_add(w, ST_C_POOL_FAILED);
                        sess_close(ss);
                }
                return;
        }
        listener_tls(ss, l->tls);
}

static void listener_on_io(struct loop_io *io, uint32_t events)
{
        struct listener *l = sl_container_of(io, struct listener, io);
        struct worker *w = l->w;

        for (int i = 0; i < LISTENER_MAX_ACCEPTS; i++) {
                struct sockaddr_storage addr;
                socklen_t len = sizeof(addr);
                int fd;

                if (w->maxconn && w->n_conns >= w->maxconn) {
                        listeners_pause(w);
                        return;
                }
                if (w->maxconnrate && !conn_rate_allow(w)) {
                        /* maxconnrate: every listener waits for the next second */
                        listeners_pause(w);
                        return;
                }
                if (l->tls && !tls_limits_allow(w)) {
                        /* maxsslconn or maxsslrate: the TLS listeners wait (HAProxy's
                         * limit_listener), the others go on */
                        listeners_tls_pause(w, true);
                        return;
                }
                if (worker_rt(w, l->fe)->maxconn &&
                    worker_rt(w, l->fe)->feconn >= worker_rt(w, l->fe)->maxconn) {
                        /* this frontend is full: stop watching its sockets (level-triggered
                         * epoll would report them again at once) until one of its sessions
                         * ends */
                        listeners_pause_frontend(w, l->fe);
                        return;
                }
                fd = accept4(l->fd, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd == -1) {
                        if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
                                return;
                        if (errno == EINVAL) {
                                /* the master paused the socket (SIGTTOU) before our signal
                                 * came: stop watching it until it listens again */
                                listeners_sync(w);
                                return;
                        }
                        wc_proc_add(w, ST_C_ACCEPT_ERRORS);
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                            errno == ENOMEM) {
                                int err = errno;

                                /* out of descriptors or memory: stop for now; the next closed
                                 * session resumes accepting, or 100 ms later at the latest */
                                listeners_pause(w);
                                loop_timer_arm(&w->accept_retry, WORKER_ACCEPT_RETRY_MS);
                                if (!w->accept_starved)
                                        sl_log(LOG_WARNING,
                                               "accept on '%s': %s; pausing listeners, trying "
                                               "again every %u ms",
                                               l->fe->name, strerror(err), WORKER_ACCEPT_RETRY_MS);
                                w->accept_starved = true;
                        }
                        return;
                }
                w->accept_starved = false;
                w->conn_rate_n++;
                listener_accept(l, fd, &addr, len);
        }
}

static int listener_open(struct worker *w, const struct cfg_proxy *fe, const struct cfg_bind *b,
                         unsigned port)
{
        struct listener *l;
        int fd;

        /* The master binds every socket (one per worker slot, kept across reloads); a worker
         * only accepts. */
        fd = w->opts && w->opts->listener_fd ? w->opts->listener_fd(w->opts->listener_data, b, port)
                                             : -1;
        if (fd < 0)
                return -EBADF;
        if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
                return -errno;
        l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->fd = fd;
        l->w = w;
        l->fe = fe;
        l->bind = b;
        l->tls = tls_set_bind(w->tls, b);
        l->port = port;
        loop_reap_init(&l->reap, listener_on_reap);
        loop_io_init(w->loop, &l->io, fd, listener_on_io);
        {
                int acc = 1;
                socklen_t alen = sizeof(acc);

                /* a socket the master paused (SIGTTOU) is watched once it listens again */
                (void)getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &alen);
                l->unbound = !acc;
        }
        loop_io_start(&l->io, l->unbound ? 0 : EPOLLIN);
        sl_list_push_back(&w->listeners, &l->link);
        return 0;
}

int listeners_bind(struct worker *w)
{
        const struct cfg_gen *g = w->gen;

        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *fe = g->proxies[i];

                if (!(fe->cap & CFG_CAP_FE))
                        continue;
                for (size_t j = 0; j < fe->n_binds; j++) {
                        const struct cfg_bind *b = &fe->binds[j];

                        for (unsigned port = b->addr.port_low; port <= b->addr.port_high; port++) {
                                int r = listener_open(w, fe, b, port);

                                if (r < 0)
                                        return log_errno(LOG_ERR, r,
                                                         "%s:%u: no listening socket for proxy "
                                                         "'%s' (port %u)",
                                                         b->where.file, b->where.line, fe->name,
                                                         port);
                        }
                }
        }
        return 0;
}

/* Should @l be watched for connections now? */
static bool listener_open_now(const struct worker *w, const struct listener *l)
{
        return !l->unbound && !l->paused && !l->disabled && !w->accept_paused && !w->stopping &&
               !(l->tls && w->tls_paused);
}

void listeners_pause(struct worker *w)
{
        struct sl_list *pos;

        if (w->accept_paused)
                return;
        w->accept_paused = true;
        sl_list_for_each(pos, &w->listeners) {
                struct listener *l = sl_list_entry(pos, struct listener, link);

                loop_io_modify(&l->io, 0);
        }
}

/* Watch the listeners that listen and leave the others alone. SIGTTOU and SIGTTIN may be
 * read in either order (pending signals come lowest number first), so the sockets' state,
 * which the master changes before signalling, decides, not the signal. */
void listeners_sync(struct worker *w)
{
        struct sl_list *pos;

        sl_list_for_each(pos, &w->listeners) {
                struct listener *l = sl_list_entry(pos, struct listener, link);
                int acc = 1;
                socklen_t len = sizeof(acc);

                (void)getsockopt(l->fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len);
                l->unbound = !acc;
                loop_io_modify(&l->io, listener_open_now(w, l) ? EPOLLIN : 0);
        }
}

void listeners_resume(struct worker *w)
{
        struct sl_list *pos;

        /* maxconnrate: its timer resumes them */
        if (!w->accept_paused || w->stopping || w->conn_rate_paused)
                return;
        w->accept_paused = false;
        sl_list_for_each(pos, &w->listeners) {
                struct listener *l = sl_list_entry(pos, struct listener, link);

                if (listener_open_now(w, l))
                        loop_io_modify(&l->io, EPOLLIN);
        }
}

void listeners_pause_frontend(struct worker *w, const struct cfg_proxy *fe)
{
        struct sl_list *pos;

        sl_list_for_each(pos, &w->listeners) {
                struct listener *l = sl_list_entry(pos, struct listener, link);

                if (l->fe == fe && !l->paused) {
                        l->paused = true;
                        loop_io_modify(&l->io, 0);
                }
        }
}

void listeners_resume_frontend(struct worker *w, const struct cfg_proxy *fe)
{
        struct sl_list *pos;

        if (w->stopping)
                return;
        sl_list_for_each(pos, &w->listeners) {
                struct listener *l = sl_list_entry(pos, struct listener, link);

                if (l->fe == fe && l->paused) {
                        l->paused = false;
                        if (listener_open_now(w, l))
                                loop_io_modify(&l->io, EPOLLIN);
                }
        }
}

unsigned listeners_frontend_enable(struct worker *w, const struct cfg_proxy *fe, bool on)
{
        struct sl_list *pos;
        unsigned n = 0;

        sl_list_for_each(pos, &w->listeners) {
                struct listener *l = sl_list_entry(pos, struct listener, link);

                if (l->fe != fe || l->disabled == !on)
                        continue;
                l->disabled = !on;
                loop_io_modify(&l->io, listener_open_now(w, l) ? EPOLLIN : 0);
                n++;
        }
        return n;
}

void listeners_tls_pause(struct worker *w, bool pause)
{
        struct sl_list *pos;

        if (w->tls_paused == pause)
                return;
        w->tls_paused = pause;
        sl_list_for_each(pos, &w->listeners) {
                struct listener *l = sl_list_entry(pos, struct listener, link);

                if (l->tls)
                        loop_io_modify(&l->io, listener_open_now(w, l) ? EPOLLIN : 0);
        }
}

void listeners_close(struct worker *w)
{
        while (!sl_list_empty(&w->listeners)) {
                struct listener *l = sl_list_first(&w->listeners, struct listener, link);

                sl_list_del(&l->link);
                /* our copy of the master's socket: the master keeps the socket itself. An event
                 * of this turn may still name it (a soft stop comes as a signal event), so it is
                 * freed once the turn is over. */
                loop_io_stop(&l->io);
                close(l->fd);
                loop_reap(w->loop, &l->reap);
        }
}
