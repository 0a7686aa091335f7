#pragma once
/* Connections to servers, each with its mux. A stream attaches to one while its request
 * uses it; afterwards a reusable connection goes to its server's idle list in the worker
 * (HAProxy's http-reuse), still watched by its mux so that a server closing it removes it
 * at once. With HTTP/2 to servers, one connection will carry several streams; the pool
 * holds connections with their muxes either way. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conn.h"
#include "list.h"
#include "loop.h"

struct pp_out;
struct px_rt;
struct worker;

struct srv_conn {
        struct conn conn;           /* the connection; conn.mux drives it */
        struct worker *w;           /* borrowed */
        struct px_rt *rt;           /* borrowed: the backend's run-time state */
        int srv_idx;                /* server index in the backend; -1: the dispatch address */
        struct sockaddr_storage to; /* where it went: a server that follows the client's
                                     * destination reuses it only for the same one */
        uint64_t owner;             /* the session (sess.id) whose request used it last */
        struct sl_list idle_link;   /* in rt->idle[srv_idx] while idle */
        struct sl_list avail_link;  /* in rt->avail[srv_idx] while streams use it and more
                                     * may (HTTP/2) */
        struct conn_hs hs;          /* TLS or a PROXY header: the steps after connect() */
        struct pp_out *pp_out;      /* owned: the PROXY header to write first, or NULL */
        uint64_t sni_hash;          /* TLS: of the SNI it sent (0: none) */
        uint32_t addr_seq;          /* the server's runtime address sequence it was made with */
        bool counted;               /* in its server's and worker's counts of open ones */
        struct loop_reap reap;      /* freed at the end of the turn it was closed in */
};

static inline struct srv_conn *srv_conn_of(struct conn *c)
{
        return sl_container_of(c, struct srv_conn, conn);
}

/* The address to connect to for server @srv_idx of @rt (-1: the backend's dispatch address)
 * when the client connected to @cli_dst (as set-dst left it): the server's own; for a
 * server without a port, with port 0 or with "+N"/"-N", the client's destination port plus
 * the offset, modulo 65536 (HAProxy's mapped ports); for a server at the any address
 * (0.0.0.0, ::), the client's destination address (HAProxy's transparent forwarding).
 * Returns 0, or -EADDRNOTAVAIL for a server that has no address (init-addr none). */
int srv_conn_addr(const struct px_rt *rt, int srv_idx, const union sl_addr *cli_dst,
                  struct sockaddr_storage *ret_ss, socklen_t *ret_len);

/* Whether srv_conn_addr() may need the client's destination for server @srv_idx of @rt (a
 * mapped port, the any address): the caller learns it (getsockname(), once per connection)
 * only then, and passes NULL otherwise. */
bool srv_conn_needs_dst(const struct px_rt *rt, int srv_idx);

/* Open a connection to server @srv_idx of @rt (-1: the dispatch address) at @addr (from
 * srv_conn_addr()), connect() in progress or done, with the backend's mux on it; SO_KEEPALIVE
 * is set with option srvtcpka. A server with "ssl" gets TLS, sending @sni (NULL: none), and
 * counts as connected once its handshake is done. @pp (@pp_len bytes, 0: none) is a PROXY
 * header written before any other byte (before TLS). Returns 0 and *ret, or a negative errno
 * (the connect() error when it failed at once). */
int srv_conn_open(struct worker *w, struct px_rt *rt, int srv_idx,
                  const struct sockaddr_storage *addr, socklen_t len, const char *sni,
                  const uint8_t *pp, size_t pp_len, struct srv_conn **ret);

/* Take a connection to server @srv_idx of @rt that another stream may share (HTTP/2, on
 * its list of available ones: it stays there while it has room), else, with @idle, an idle
 * one, among the 64 used last; or NULL. For a server that follows the client's destination (mapped
 * port, any address), only one to @to; with @owner (not 0), only one the session of that id used
 * last (http-reuse never); over TLS, only one that sent the same SNI (@sni, NULL: none). */
struct srv_conn *srv_conn_take_idle(struct px_rt *rt, int srv_idx,
                                    const struct sockaddr_storage *to, uint64_t owner,
                                    const char *sni, bool idle);

/* Has server @srv_idx of @rt an idle connection that the session of id @owner used last,
 * among those srv_conn_take_idle() looks at? */
bool srv_conn_idle_of(const struct px_rt *rt, int srv_idx, uint64_t owner);

/* A connection carrying streams of which it may take more (@on), or not: on its server's
 * list of available connections, or off it. Called by its mux. */
void srv_conn_set_avail(struct srv_conn *sc, bool on);

/* A connection that may carry another request: keep it idle, or close it when the server
 * has enough idle ones (pool-max-conn, tune.pool-{high,low}-fd-ratio, pool-purge-delay 0)
 * or the worker is stopping. Called by its mux. */
void srv_conn_release(struct srv_conn *sc);

/* @rt's purge timer (px_rt.purge): each server whose pool-purge-delay passed since its last
 * purge closes half of its idle connections beyond its need (HAProxy's purge). */
void srv_conn_purge(struct loop_timer *t);

/* Close (the mux's context with it); freed at the end of the turn. Idempotent. */
void srv_conn_close(struct srv_conn *sc);

/* Close the idle connections of @rt that the session of id @owner used last. */
void srv_conn_close_owned(struct px_rt *rt, int n_servers, uint64_t owner);

/* Close every idle connection of @rt (soft stop, exit). */
void srv_conn_close_idle(struct px_rt *rt, int n_servers);
