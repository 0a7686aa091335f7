/* Server connections and the per-server idle lists (see srvconn.h); opened by the backend
 * for a stream, released and closed by their mux. */
#include "srvconn.h"

#include <errno.h>
#include <stdlib.h>

#include "macros.h"
#include "model.h"
#include "mux.h"
#include "wctx.h"

#define SRV_CONN_MAX_IDLE 64 /* idle connections kept per server and worker */

static void srv_conn_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct srv_conn, reap));
}

int srv_conn_open(struct worker *w, struct px_rt *rt, int srv_idx, struct srv_conn **ret)
{
        const struct cfg_server *srv = &rt->px->servers[srv_idx];
        struct srv_conn *sc = calloc(1, sizeof(*sc));
        int r;

        if (!sc)
                return -ENOMEM;
        sc->w = w;
        sc->rt = rt;
        sc->srv_idx = srv_idx;
        sl_list_init(&sc->idle_link);
        loop_reap_init(&sc->reap, srv_conn_on_reap);
        if (w->srv_connect)
                r = w->srv_connect(w->srv_connect_data, rt, srv_idx, &sc->conn);
        else
                r = conn_connect(&sc->conn, w->loop, (const struct sockaddr *)&srv->addr.ss,
                                 srv->addr.ss_len);
        if (r < 0) {
                free(sc);
                return r;
        }
        r = rt->srv_mux->init(&sc->conn, w, NULL);
        if (r < 0) {
                sc->conn.mux = NULL;
                conn_close(&sc->conn);
                free(sc);
                return r;
        }
        *ret = sc;
        return 0;
}

struct srv_conn *srv_conn_take_idle(struct px_rt *rt, int srv_idx)
{
        struct srv_conn *sc;

        if (!rt->idle || sl_list_empty(&rt->idle[srv_idx]))
                return NULL;
        /* the most recently used one: the likeliest to be still open */
        sc = sl_list_entry(rt->idle[srv_idx].prev, struct srv_conn, idle_link);
        sl_list_del(&sc->idle_link);
        rt->n_idle[srv_idx]--;
        return sc;
}

void srv_conn_release(struct srv_conn *sc)
{
        struct px_rt *rt = sc->rt;

        if (!rt->idle || rt->n_idle[sc->srv_idx] >= SRV_CONN_MAX_IDLE || sc->w->stopping) {
                srv_conn_close(sc);
                return;
        }
        sl_list_push_back(&rt->idle[sc->srv_idx], &sc->idle_link);
        rt->n_idle[sc->srv_idx]++;
}

void srv_conn_close(struct srv_conn *sc)
{
        if (sc->conn.state == CONN_ST_CLOSED)
                return;
        if (sl_list_linked(&sc->idle_link)) {
                sl_list_del(&sc->idle_link);
                sc->rt->n_idle[sc->srv_idx]--;
        }
        conn_close(&sc->conn);
        loop_reap(sc->w->loop, &sc->reap);
}

void srv_conn_close_idle(struct px_rt *rt, int n_servers)
{
        if (!rt->idle)
                return;
        for (int i = 0; i < n_servers; i++)
                while (!sl_list_empty(&rt->idle[i]))
                        srv_conn_close(sl_list_entry(rt->idle[i].next, struct srv_conn, idle_link));
}
