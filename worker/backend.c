/* Server choice and connection for streams (see backend.h); called by stream.c when a
 * request is ready for a server, on retries, and when a queued stream gets a slot. */
#include "backend.h"

#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>

#include "lb.h"
#include "macros.h"
#include "model.h"
#include "mux.h"
#include "session-t.h"
#include "srv_state.h"
#include "srvconn.h"
#include "stick.h"
#include "stream-t.h"
#include "wctx.h"

static struct sl_str lb_hdr_cb(void *data, const char *name, size_t len)
{
        const struct http_msg *m = data;
        struct sl_str n = sl_str_make(name, len);

        for (size_t i = m->n_hdrs; i-- > 0;)
                if (sl_str_ieq(m->hdrs[i].name, n))
                        return m->hdrs[i].value;
        return SL_STR_NULL;
}

/* Is some usable server of the backend full (at its maxconn)? Then a request waits for a
 * slot instead of failing. */
static bool backend_saturated(struct px_rt *rt)
{
        const struct cfg_proxy *be = rt->px;

        for (size_t i = 0; i < be->n_servers; i++) {
                const struct srv_state_rec *rec = &rt->lb->recs[i];

                if (be->servers[i].opts.maxconn && srv_state_usable(rec) &&
                    srv_state_cur_conns(rec) >= be->servers[i].opts.maxconn)
                        return true;
        }
        return false;
}

static void slot_take(struct stream *st, struct px_rt *rt, int idx)
{
        st->srv_idx = idx;
        if (rt->held)
                atomic_fetch_add_explicit(&rt->held[idx], 1, memory_order_relaxed);
        rt->beconn++;
}

void backend_release(struct stream *st)
{
        struct px_rt *rt;

        if (st->srv_idx < 0 || !st->be)
                return;
        rt = worker_rt(st->w, st->be);
        lb_release(rt->lb, st->srv_idx);
        if (rt->held)
                atomic_fetch_sub_explicit(&rt->held[st->srv_idx], 1, memory_order_relaxed);
        rt->beconn--;
        if (rt->n_queued)
                loop_defer_queue(&rt->queue_kick);
        st->srv_idx = -1;
}

static void lb_key_of(struct stream *st, struct lb_key *key)
{
        const struct sockaddr_storage *src = &st->sess->src;

        *key = (struct lb_key){0};
        if (src->ss_family == AF_INET) {
                key->family = AF_INET;
                memcpy(key->addr, &((const struct sockaddr_in *)src)->sin_addr, 4);
        } else if (src->ss_family == AF_INET6) {
                key->family = AF_INET6;
                memcpy(key->addr, &((const struct sockaddr_in6 *)src)->sin6_addr, 16);
        }
        if (st->flags & STRM_F_HTTP) {
                key->path = st->req.path;
                key->query = st->req.query;
                key->hdr = lb_hdr_cb;
                key->hdr_data = &st->req;
        }
}

/* The server for this attempt, with its slot taken; -1 when none. */
static int backend_pick(struct stream *st, struct px_rt *rt, const struct lb_key *key)
{
        uint8_t only[sizeof(st->tried)];
        const uint8_t *exclude = st->tried;
        int idx = -1;

        if (st->retry_idx >= 0) {
                /* a retry without redispatch goes to the same server */
                memset(only, 0xff, sizeof(only));
                only[st->retry_idx / 8] &= (uint8_t) ~(1u << (st->retry_idx % 8));
                exclude = only;
        }
        if (st->force_idx >= 0) {
                /* persistence: its server if it can take the request, else balance */
                if (!lb_exclude_test(st->tried, (uint32_t)st->force_idx))
                        idx = lb_take(rt->lb, (uint32_t)st->force_idx);
                st->force_idx = -1;
        }
        if (idx < 0)
                idx = lb_pick(rt->lb, key, exclude);
        return idx;
}

enum be_result backend_connect(struct stream *st)
{
        struct worker *w = st->w;
        struct px_rt *rt = worker_rt(w, st->be);
        const struct cfg_proxy *be = st->be;
        struct srv_conn *sc = NULL;
        struct lb_key key;
        int idx, r;

        if (!rt->lb)
                return BE_NO_SERVER;
        lb_key_of(st, &key);
        for (;;) {
                bool reuse;

                idx = backend_pick(st, rt, &key);
                if (idx < 0)
                        return backend_saturated(rt) ? BE_QUEUED : BE_NO_SERVER;
                slot_take(st, rt, idx);
                if (st->n_stores)
                        stick_persist_server(st);
                st->last_srv = idx;
                reuse = (st->flags & STRM_F_HTTP) && be->http_reuse != CFG_REUSE_NEVER &&
                        (be->http_reuse != CFG_REUSE_SAFE || (st->flags & STRM_F_NOT_FIRST)) &&
                        !(st->flags & STRM_F_NEW_CONN);
                sc = reuse ? srv_conn_take_idle(rt, idx) : NULL;
                if (sc) {
                        w->stats.srv_conn_reused++;
                        break;
                }
                r = srv_conn_open(w, rt, idx, &sc);
                if (r == 0) {
                        w->stats.srv_conn_new++;
                        break;
                }
                /* refused at once: try another server as a retry would */
                w->stats.srv_conn_failed++;
                backend_release(st);
                if (idx < (int)sizeof(st->tried) * 8)
                        st->tried[idx / 8] |= (uint8_t)(1u << (idx % 8));
        }
        st->flags &= ~(uint32_t)STRM_F_NEW_CONN;
        st->srv = (struct sd){.strm = st};
        if (sc->conn.mux->attach(&sc->conn, &st->srv) < 0) {
                srv_conn_close(sc);
                backend_release(st);
                return BE_NO_SERVER;
        }
        return BE_ATTACHED;
}
