/* Server connections and the per-server idle lists (see srvconn.h); opened by the backend
 * for a stream, released and closed by their mux. */
#include "srvconn.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lb.h"
#include "log.h"
#include "macros.h"
#include "model.h"
#include "mux.h"
#include "pp_out.h"
#include "srv_state.h"
#include "tls_ctx.h"
#include "wcount.h"
#include "wctx.h"
#include "xprt_tls.h"

/* Idle connections looked at for a stream that may take only some of them (its session's,
 * or one to its destination): the most recently used, so that a lookup stays short however
 * many a server keeps. One older than them is not taken, and goes with the purge. */
#define SRV_CONN_SCAN_MAX 64

/* One more of server @i's connections of @rt may be in use: the most at once since the last
 * purge follows. */
static void note_used(struct px_rt *rt, int i)
{
        struct srv_pool *sp = &rt->pool[i];
        unsigned used = sp->n_open - rt->n_idle[i];

        if (used > sp->peak_used)
                sp->peak_used = used;
}

static void srv_conn_on_reap(struct loop_reap *r)
{
        struct srv_conn *sc = sl_container_of(r, struct srv_conn, reap);

        free(sc->pp_out);
        free(sc);
}

/* The PROXY header @pp of @len bytes first on the new connection of @sc: over TLS, before its
 * first flight (in the same write); else a step of its own once connect() succeeds. */
static int srv_conn_pp(struct srv_conn *sc, const uint8_t *pp, size_t len)
{
        if (sc->conn.xprt->tls)
                return xprt_tls_prepend(&sc->conn, pp, len);
        sc->pp_out = pp_out_new(pp, len);
        if (!sc->pp_out)
                return -ENOMEM;
        sc->hs = (struct conn_hs){.step = {pp_out_step}, .data = {sc->pp_out}, .n = 1};
        sc->conn.connect_hs = &sc->hs;
        sc->conn.flags |= CONN_F_CONN_PENDING;
        return 0;
}

static uint16_t ss_port(const struct sockaddr_storage *ss)
{
        if (ss->ss_family == AF_INET)
                return ntohs(((const struct sockaddr_in *)ss)->sin_port);
        if (ss->ss_family == AF_INET6)
                return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
        return 0;
}

/* Does server @srv_idx follow the client's destination (its port or its address)? */
static bool follows_client(const struct px_rt *rt, int srv_idx)
{
        const struct cfg_server *srv = &rt->px->servers[srv_idx];

        return cfg_server_maps_port(srv) || cfg_server_any_addr(srv);
}

/* Server @srv's runtime address @ov (and @ov_port, 0: none) as srv_conn_addr() gives it: none
 * when DNS said so; the port the runtime one, else the configuration's, mapped from the
 * client's when it has none (a host name without a port too), and an SRV label's never. */
static int srv_conn_runtime_addr(const struct px_rt *rt, const struct cfg_server *srv,
                                 const struct sockaddr_storage *ov, uint16_t ov_port,
                                 const union sl_addr *cli_dst, struct sockaddr_storage *ret_ss,
                                 socklen_t *ret_len)
{
        uint16_t port = srv->addr.port_low;

        (void)rt;
        if (ov->ss_family != AF_INET && ov->ss_family != AF_INET6)
                return -EADDRNOTAVAIL;
        if (!ov_port && srv->srv_rec)
                return -EADDRNOTAVAIL; /* an SRV label's port is its record's */
        *ret_ss = *ov;
        *ret_len = ov->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                             : sizeof(struct sockaddr_in);
        /* 16-bit arithmetic: "-N" wraps as in HAProxy */
        if (!ov_port && !srv->srv_rec && (!srv->addr.has_port || srv->addr.port_low == 0) &&
            srv->addr.family != CFG_ADDR_UNIX && srv->addr.family != CFG_ADDR_ABNS)
                port = (uint16_t)((cli_dst ? sl_addr_port(cli_dst) : 0) + srv->addr.port_offset);
        if (ov_port)
                port = ov_port;
        if (ret_ss->ss_family == AF_INET)
                ((struct sockaddr_in *)ret_ss)->sin_port = htons(port);
        else
                ((struct sockaddr_in6 *)ret_ss)->sin6_port = htons(port);
        return 0;
}

bool srv_conn_needs_dst(const struct px_rt *rt, int srv_idx)
{
        const struct cfg_server *srv;

        if (srv_idx < 0)
                return false;
        srv = &rt->px->servers[srv_idx];
        /* every case below (and srv_conn_runtime_addr()'s) that reads @cli_dst, and more */
        return !srv->addr.has_port || srv->addr.port_low == 0 || srv->addr.port_offset != 0 ||
               cfg_server_any_addr(srv);
}

int srv_conn_addr(const struct px_rt *rt, int srv_idx, const union sl_addr *cli_dst,
                  struct sockaddr_storage *ret_ss, socklen_t *ret_len)
{
        const struct cfg_server *srv;
        uint16_t port;

        if (srv_idx < 0) {
                *ret_ss = rt->px->dispatch.ss;
                *ret_len = rt->px->dispatch.ss_len;
                return 0;
        }
        srv = &rt->px->servers[srv_idx];
        if (rt->lb) {
                /* the runtime address ("set server addr", DNS), and its port if it has one */
                struct sockaddr_storage ov;
                uint16_t ov_port;
                uint32_t seq;

                if (srv_state_addr(&rt->lb->recs[srv_idx], &ov, &ov_port, &seq))
                        return srv_conn_runtime_addr(rt, srv, &ov, ov_port, cli_dst, ret_ss,
                                                     ret_len);
        }
        if (srv->no_addr)
                return -EADDRNOTAVAIL;
        *ret_ss = srv->addr.ss;
        *ret_len = srv->addr.ss_len;
        port = ss_port(ret_ss);
        if (cfg_server_any_addr(srv) && cli_dst) {
                /* the address the client reached, with the family it has */
                if (cli_dst->sa.sa_family == AF_INET) {
                        struct sockaddr_in *in = (struct sockaddr_in *)ret_ss;

                        *in = (struct sockaddr_in){.sin_family = AF_INET,
                                                   .sin_addr = cli_dst->sin.sin_addr};
                        *ret_len = sizeof(*in);
                } else if (cli_dst->sa.sa_family == AF_INET6) {
                        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ret_ss;

                        *in6 = (struct sockaddr_in6){.sin6_family = AF_INET6,
                                                     .sin6_addr = cli_dst->sin6.sin6_addr};
                        *ret_len = sizeof(*in6);
                }
        }
        /* 16-bit arithmetic: "-N" wraps as in HAProxy */
        if (cfg_server_maps_port(srv))
                port = (uint16_t)((cli_dst ? sl_addr_port(cli_dst) : 0) + srv->addr.port_offset);
        if (ret_ss->ss_family == AF_INET)
                ((struct sockaddr_in *)ret_ss)->sin_port = htons(port);
        else if (ret_ss->ss_family == AF_INET6)
                ((struct sockaddr_in6 *)ret_ss)->sin6_port = htons(port);
        return 0;
}

/* The sequence of server @srv_idx's runtime address (0: none set) */
static uint32_t addr_seq(const struct px_rt *rt, int srv_idx)
{
        return rt->lb && srv_idx >= 0 ? srv_state_addr_seq(&rt->lb->recs[srv_idx]) : 0;
}

/* The options of a backend's server connections: HAProxy's option nolinger, and option
 * tcp-smart-connect where the request is always there to go with the ACK (mode http; in
 * mode tcp the server may speak first and would wait for the delayed ACK) */
static unsigned srv_conn_opts(const struct cfg_proxy *be)
{
        unsigned opts = 0;

        if (be->options & CFG_OPT_NOLINGER)
                opts |= CONN_CONNECT_NOLINGER;
        if ((be->options & CFG_OPT_TCP_SMART_CONNECT) && be->mode == CFG_MODE_HTTP)
                opts |= CONN_CONNECT_DELACK;
        return opts;
}

/* FNV-1a of the SNI: idle TLS connections are reused for the same name only */
static uint64_t sni_hash(const char *sni)
{
        uint64_t h = 0xcbf29ce484222325ull;

        if (!sni || !*sni)
                return 0;
        for (; *sni; sni++)
                h = (h ^ (unsigned char)*sni) * 0x100000001b3ull;
        return h ? h : 1;
}

/* The TLS handshake with the server is over: a failure is logged with its reason (a
 * certificate that does not verify, a name that does not match); the request gets its 503
 * through the mux. */
static void srv_conn_hs_done(struct conn *c, int err)
{
        struct srv_conn *sc = srv_conn_of(c);

        if (err < 0)
                sl_log(LOG_WARNING, "%s/%s: TLS handshake with the server failed: %s",
                       sc->rt->px->name,
                       sc->srv_idx >= 0 ? sc->rt->px->servers[sc->srv_idx].name : "dispatch",
                       xprt_tls_error(c)[0] ? xprt_tls_error(c) : "connection error");
}

/* The mux a new connection to server @srv_idx starts with: HTTP/2 for "proto h2", else the
 * backend's (HTTP/1 in mode http: over TLS, ALPN may still choose h2, mux_h1.c) */
static const struct mux_ops *srv_conn_mux(const struct px_rt *rt, int srv_idx)
{
        if (srv_idx >= 0 && rt->srv_mux_h2 &&
            rt->px->servers[srv_idx].opts.proto == CFG_BIND_PROTO_H2)
                return rt->srv_mux_h2;
        return rt->srv_mux;
}

/* TLS over the new connection of @sc: the handshake runs once connect() succeeds. */
static int srv_conn_tls(struct srv_conn *sc, struct tls_srv *ts, const char *sni)
{
        struct worker *w = sc->w;
        SSL *ssl;

        /* maxsslconn counts server connections too: past it, this one fails (HAProxy) */
        if (w->maxsslconn && w->tls_conns >= w->maxsslconn)
                return -EBUSY;
        ssl = tls_srv_new_ssl(ts, sni);
        if (!ssl || xprt_tls_attach(&sc->conn, ssl) < 0)
                return -ENOMEM;
        worker_tls_opened(w);
        sc->hs = (struct conn_hs){
                .step = {xprt_tls_handshake}, .n = 1, .complete = srv_conn_hs_done};
        sc->conn.connect_hs = &sc->hs;
        sc->conn.flags |= CONN_F_CONN_PENDING;
        sc->sni_hash = sni_hash(sni);
        return 0;
}

int srv_conn_open(struct worker *w, struct px_rt *rt, int srv_idx,
                  const struct sockaddr_storage *addr, socklen_t len, const char *sni,
                  const uint8_t *pp, size_t pp_len, struct srv_conn **ret)
{
        struct srv_conn *sc = calloc(1, sizeof(*sc));
        int r, one = 1;

        if (!sc)
                return -ENOMEM;
        sc->w = w;
        sc->rt = rt;
        sc->srv_idx = srv_idx;
        sc->to = *addr;
        sc->addr_seq = addr_seq(rt, srv_idx);
        sl_list_init(&sc->idle_link);
        sl_list_init(&sc->avail_link);
        loop_reap_init(&sc->reap, srv_conn_on_reap);
        if (w->srv_connect)
                r = w->srv_connect(w->srv_connect_data, rt, srv_idx, &sc->conn);
        else
                r = conn_connect(&sc->conn, w->loop, (const struct sockaddr *)addr, len,
                                 srv_conn_opts(rt->px));
        if (r < 0) {
                free(sc);
                return r;
        }
        if ((rt->px->options & CFG_OPT_SRVTCPKA) && sc->conn.io.fd >= 0 &&
            addr->ss_family != AF_UNIX)
                (void)setsockopt(sc->conn.io.fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        if (srv_idx >= 0 && rt->tls_srv && rt->tls_srv[srv_idx]) {
                r = srv_conn_tls(sc, rt->tls_srv[srv_idx], sni);
                if (r < 0) {
                        conn_close(&sc->conn);
                        free(sc);
                        return r;
                }
        }
        r = pp_len ? srv_conn_pp(sc, pp, pp_len) : 0;
        if (r == 0)
                r = srv_conn_mux(rt, srv_idx)->init(&sc->conn, w, NULL);
        if (r < 0) {
                if (sc->conn.xprt->tls)
                        worker_tls_closed(w);
                sc->conn.mux = NULL;
                conn_close(&sc->conn);
                free(sc->pp_out);
                free(sc);
                return r;
        }
        if (srv_idx >= 0 && rt->pool) {
                rt->pool[srv_idx].n_open++;
                note_used(rt, srv_idx);
        }
        w->n_srv_conns++;
        sc->counted = true;
        *ret = sc;
        return 0;
}

/* The same destination: family, address and port. */
static bool same_to(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
        if (a->ss_family != b->ss_family)
                return false;
        if (a->ss_family == AF_INET) {
                const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

                return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
        }
        if (a->ss_family == AF_INET6) {
                const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

                return x->sin6_port == y->sin6_port &&
                       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
        }
        return true;
}

/* The idle connections kept for server @srv_idx change by @d: the list's count, and the
 * statistics' [srv_icur] */
static void idle_count(struct px_rt *rt, int srv_idx, int d)
{
        rt->n_idle[srv_idx] = (unsigned)((int)rt->n_idle[srv_idx] + d);
        stats_gauge(wc_srv(rt->w, rt->px, srv_idx), ST_G_IDLE_CUR, d, ST_M_COUNT);
}

struct srv_conn *srv_conn_take_idle(struct px_rt *rt, int srv_idx,
                                    const struct sockaddr_storage *to, uint64_t owner,
                                    const char *sni, bool idle)
{
        uint64_t sh = sni_hash(sni);
        struct sl_list *pos;
        unsigned n = 0;
        uint32_t seq;
        bool any;

        if (!rt->idle || srv_idx < 0)
                return NULL;
        any = !follows_client(rt, srv_idx);
        seq = addr_seq(rt, srv_idx);
        /* a connection in use with room for another stream first: it stays listed */
        for (pos = rt->avail[srv_idx].prev; pos != &rt->avail[srv_idx]; pos = pos->prev) {
                struct srv_conn *sc = sl_list_entry(pos, struct srv_conn, avail_link);

                if ((any || same_to(&sc->to, to)) && (!owner || sc->owner == owner) &&
                    sc->sni_hash == sh && sc->addr_seq == seq)
                        return sc;
        }
        if (!idle || sl_list_empty(&rt->idle[srv_idx]))
                return NULL;
        /* the most recently used one: the likeliest to be still open */
        for (pos = rt->idle[srv_idx].prev; pos != &rt->idle[srv_idx] && n++ < SRV_CONN_SCAN_MAX;
             pos = pos->prev) {
                struct srv_conn *sc = sl_list_entry(pos, struct srv_conn, idle_link);

                /* one to the address the server had before "set server addr" is not taken */
                if ((!any && !same_to(&sc->to, to)) || (owner && sc->owner != owner) ||
                    sc->sni_hash != sh || sc->addr_seq != seq)
                        continue;
                sl_list_del(&sc->idle_link);
                idle_count(rt, srv_idx, -1);
                if (rt->pool)
                        note_used(rt, srv_idx);
                return sc;
        }
        return NULL;
}

bool srv_conn_idle_of(const struct px_rt *rt, int srv_idx, uint64_t owner)
{
        struct sl_list *pos;
        unsigned n = 0;

        if (!rt->idle || srv_idx < 0)
                return false;
        /* the ones srv_conn_take_idle() would look at */
        for (pos = rt->idle[srv_idx].prev; pos != &rt->idle[srv_idx] && n++ < SRV_CONN_SCAN_MAX;
             pos = pos->prev)
                if (sl_list_entry(pos, struct srv_conn, idle_link)->owner == owner)
                        return true;
        return false;
}

void srv_conn_set_avail(struct srv_conn *sc, bool on)
{
        if (on == sl_list_linked(&sc->avail_link) || sc->srv_idx < 0 || !sc->rt->avail)
                return;
        if (on)
                sl_list_push_back(&sc->rt->avail[sc->srv_idx], &sc->avail_link);
        else
                sl_list_del(&sc->avail_link);
}

/* May server @i of @rt have one more idle connection? Not with pool-purge-delay 0, nor
 * past this worker's share of pool-max-conn; with the worker's open files past
 * tune.pool-high-fd-ratio of its limit, none, and past tune.pool-low-fd-ratio, one (as
 * HAProxy decides, but for its estimate of the need, which only the purge uses here). */
static bool keep_idle(const struct px_rt *rt, int i)
{
        const struct cfg_server_opts *o = &rt->px->servers[i].opts;
        const struct worker *w = rt->w;
        int32_t max = cfg_server_pool_max(o);
        unsigned files = w->n_conns + w->n_srv_conns;

        if (cfg_server_pool_purge_ms(o) == 0 || files >= w->pool_fd_high)
                return false;
        if (files >= w->pool_fd_low && rt->n_idle[i] > 0)
                return false;
        /* pool-max-conn is the node's: each worker keeps its share, rounded up */
        return max < 0 || rt->n_idle[i] < ((unsigned)max + SL_MAX(w->n_workers, 1u) - 1) /
                                                  SL_MAX(w->n_workers, 1u);
}

/* Server @i of @rt has idle connections: purged within pool-purge-delay. */
static void purge_schedule(struct px_rt *rt, int i)
{
        struct srv_pool *sp = &rt->pool[i];

        if (sp->purge_at)
                return;
        sp->purge_at = loop_now(rt->w->loop) + cfg_server_pool_purge_ms(&rt->px->servers[i].opts);
        if (!loop_timer_is_armed(&rt->purge) || loop_timer_expire(&rt->purge) > sp->purge_at)
                loop_timer_arm_at(&rt->purge, sp->purge_at);
}

void srv_conn_release(struct srv_conn *sc)
{
        struct px_rt *rt = sc->rt;

        srv_conn_set_avail(sc, false);
        /* one whose PROXY header named its stream serves no other */
        if (!rt->idle || sc->srv_idx < 0 || !keep_idle(rt, sc->srv_idx) || sc->w->stopping ||
            cfg_pp_per_stream(cfg_server_pp(&rt->px->servers[sc->srv_idx].opts))) {
                srv_conn_close(sc);
                return;
        }
        sl_list_push_back(&rt->idle[sc->srv_idx], &sc->idle_link);
        idle_count(rt, sc->srv_idx, 1);
        purge_schedule(rt, sc->srv_idx);
}

/* Server @i's purge: half of the connections beyond what it needs (the most in use at once
 * since the last purge, or the estimate, whichever is more) are closed if idle, the least
 * recently used first; the estimate moves halfway towards that most, never below it. */
static void purge_server(struct px_rt *rt, int i)
{
        struct srv_pool *sp = &rt->pool[i];
        unsigned need = SL_MAX(sp->peak_used, sp->need_est);
        unsigned surplus = sp->n_open > need ? sp->n_open - need : 0;
        unsigned n = SL_MIN((surplus + 1) / 2, rt->n_idle[i]);
        unsigned est = SL_MAX(sp->peak_used, (sp->need_est + sp->peak_used) / 2);

        /* the node's estimate is the workers' sum (need_conn_est, show servers conn) */
        stats_gauge(wc_srv(rt->w, rt->px, i), ST_G_NEED_EST, (int64_t)est - (int64_t)sp->need_est,
                    ST_M_COUNT);
        sp->need_est = est;
        sp->peak_used = sp->n_open - rt->n_idle[i];
        while (n-- > 0)
                srv_conn_close(sl_list_entry(rt->idle[i].next, struct srv_conn, idle_link));
}

void srv_conn_purge(struct loop_timer *t)
{
        struct px_rt *rt = sl_container_of(t, struct px_rt, purge);
        uint64_t now = loop_now(rt->w->loop), next = 0;

        for (size_t i = 0; i < rt->px->n_servers; i++) {
                struct srv_pool *sp = &rt->pool[i];

                if (sp->purge_at && sp->purge_at <= now) {
                        purge_server(rt, (int)i);
                        sp->purge_at =
                                rt->n_idle[i]
                                        ? now + cfg_server_pool_purge_ms(&rt->px->servers[i].opts)
                                        : 0;
                }
                if (sp->purge_at && (!next || sp->purge_at < next))
                        next = sp->purge_at;
        }
        if (next)
                loop_timer_arm_at(t, next);
}

void srv_conn_close(struct srv_conn *sc)
{
        if (sc->conn.state == CONN_ST_CLOSED)
                return;
        if (sl_list_linked(&sc->idle_link)) {
                sl_list_del(&sc->idle_link);
                idle_count(sc->rt, sc->srv_idx, -1);
        }
        if (sl_list_linked(&sc->avail_link))
                sl_list_del(&sc->avail_link);
        if (sc->counted) {
                if (sc->srv_idx >= 0 && sc->rt->pool)
                        sc->rt->pool[sc->srv_idx].n_open--;
                sc->w->n_srv_conns--;
        }
        if (sc->conn.xprt->tls)
                worker_tls_closed(sc->w);
        conn_close(&sc->conn);
        loop_reap(sc->w->loop, &sc->reap);
}

void srv_conn_close_owned(struct px_rt *rt, int n_servers, uint64_t owner)
{
        if (!rt->idle)
                return;
        for (int i = 0; i < n_servers; i++) {
                struct sl_list *pos = rt->idle[i].next;

                while (pos != &rt->idle[i]) {
                        struct srv_conn *sc = sl_list_entry(pos, struct srv_conn, idle_link);

                        pos = pos->next;
                        if (sc->owner == owner)
                                srv_conn_close(sc);
                }
        }
}

void srv_conn_close_idle(struct px_rt *rt, int n_servers)
{
        if (!rt->idle)
                return;
        for (int i = 0; i < n_servers; i++)
                while (!sl_list_empty(&rt->idle[i]))
                        srv_conn_close(sl_list_entry(rt->idle[i].next, struct srv_conn, idle_link));
}
