/* Server transitions every worker acts on (srv_watch.h). */
#include "srv_watch.h"

#include <errno.h>
#include <stdlib.h>

#include "lb.h"
#include "log.h"
#include "loop.h"
#include "macros.h"
#include "srv_state.h"
#include "wctx.h"
#include "wsess.h"

#define SRV_WATCH_MS 50u /* how soon after a transition sessions are cut */

struct watched {
        struct px_rt *rt;
        const struct cfg_server *sv;
        int idx;
        bool was_down;
};

struct srv_watch {
        struct loop_timer timer;
        struct watched *v;
        size_t n;
        uint64_t epoch;
};

static void on_timer(struct loop_timer *t)
{
        struct srv_watch *sw = sl_container_of(t, struct srv_watch, timer);
        struct worker *w = NULL;
        uint64_t epoch = sw->n ? srv_state_epoch(&sw->v[0].rt->lb->recs[0]) : 0;

        if (epoch != sw->epoch) {
                sw->epoch = epoch;
                for (size_t i = 0; i < sw->n; i++) {
                        struct watched *x = &sw->v[i];
                        bool down = srv_state_op(&x->rt->lb->recs[x->idx]) == SRV_OP_DOWN;
                        unsigned n;

                        w = x->rt->w;
                        if (down && !x->was_down && x->sv->opts.check.down_shutdown) {
                                n = wsess_cut_server(w, x->rt->px, x->idx, false);
                                if (n)
                                        sl_log(LOG_NOTICE,
                                               "server %s/%s is DOWN: %u sessions shut down "
                                               "(on-marked-down)",
                                               x->rt->px->name, x->sv->name, n);
                        }
                        if (!down && x->was_down && x->sv->opts.check.up_shutdown_backup &&
                            !(x->sv->opts.flags & CFG_SRV_BACKUP)) {
                                n = wsess_cut_server(w, x->rt->px, x->idx, true);
                                if (n)
                                        sl_log(LOG_NOTICE,
                                               "server %s/%s is UP: %u sessions on backup "
                                               "servers shut down (on-marked-up)",
                                               x->rt->px->name, x->sv->name, n);
                        }
                        x->was_down = down;
                }
        }
        loop_timer_arm(t, SRV_WATCH_MS);
}

int srv_watch_start(struct worker *w)
{
        struct srv_watch *sw;
        size_t n = 0;

        if (w->srv_watch)
                return 0;
        for (size_t i = 0; i < w->gen->n_proxies; i++)
                for (size_t j = 0; w->rt[i].lb && j < w->gen->proxies[i]->n_servers; j++) {
                        const struct cfg_server_check *k =
                                &w->gen->proxies[i]->servers[j].opts.check;

                        n += k->down_shutdown || k->up_shutdown_backup;
                }
        if (!n)
                return 0;
        sw = calloc(1, sizeof(*sw));
        if (!sw || !(sw->v = calloc(n, sizeof(*sw->v))) ||
            loop_timer_init(w->loop, &sw->timer, on_timer) < 0) {
                if (sw)
                        free(sw->v);
                free(sw);
                return -ENOMEM;
        }
        for (size_t i = 0; i < w->gen->n_proxies; i++)
                for (size_t j = 0; w->rt[i].lb && j < w->gen->proxies[i]->n_servers; j++) {
                        const struct cfg_server *sv = &w->gen->proxies[i]->servers[j];
                        struct watched *x;

                        if (!sv->opts.check.down_shutdown && !sv->opts.check.up_shutdown_backup)
                                continue;
                        x = &sw->v[sw->n++];
                        x->rt = &w->rt[i];
                        x->sv = sv;
                        x->idx = (int)j;
                        x->was_down = srv_state_op(&w->rt[i].lb->recs[j]) == SRV_OP_DOWN;
                }
        sw->epoch = srv_state_epoch(&sw->v[0].rt->lb->recs[0]);
        w->srv_watch = sw;
        loop_timer_arm(&sw->timer, SRV_WATCH_MS);
        return 0;
}

void srv_watch_stop(struct worker *w)
{
        struct srv_watch *sw = w->srv_watch;

        if (!sw)
                return;
        loop_timer_deinit(&sw->timer);
        free(sw->v);
        free(sw);
        w->srv_watch = NULL;
}
