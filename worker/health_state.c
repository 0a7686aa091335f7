/* HAProxy's state machine of the health checks (health-int.h): a check's result moves the
 * server's health counter, its transitions are logged as HAProxy logs them; slowstart's
 * ramp, the trackers' state, and observe's error-limit acted upon. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "alog_sink.h"
#include "clock.h"
#include "health-int.h"
#include "lb.h"
#include "log.h"
#include "macros.h"
#include "stats.h"
#include "wcount.h"

/* ---- results and the state machine ---- */

static unsigned usable_count(const struct px_rt *rt, bool backup)
{
        const struct cfg_proxy *be = rt->px;
        unsigned n = 0;

        for (size_t i = 0; i < be->n_servers; i++)
                if (!(be->servers[i].opts.flags & CFG_SRV_BACKUP) == !backup &&
                    srv_state_usable(&rt->lb->recs[i]))
                        n++;
        return n;
}

/* HAProxy's ", reason: ..., code: N, info: "...", check duration: Nms" */
static void append_status(char *buf, size_t size, const struct srv_chk_result *res)
{
        size_t len = strlen(buf);

        len += (size_t)snprintf(buf + len, len < size ? size - len : 0, ", reason: %s",
                                srv_chk_status_desc(res->status));
        if (res->status >= SRV_CHK_L7TOUT && res->code && len < size)
                len += (size_t)snprintf(buf + len, size - len, ", code: %u", res->code);
        if (res->info[0] && len < size)
                len += (size_t)snprintf(buf + len, size - len, ", info: \"%s\"", res->info);
        if (len < size)
                snprintf(buf + len, size - len, ", check duration: %" PRIu32 "ms",
                         res->duration_ms);
}

/* A line for the process log and the backend's log targets, at syslog @level */
void health_log(struct chk *c, int level, const char *line)
{
        sl_log(level, "%s", line);
        if (c->rt->sinks && c->rt->sinks->n)
                (void)alog_sinks_send(c->rt->sinks, level, line, strlen(line),
                                      &wc_proc(c->w)->c[ST_C_DROPPED_LOGS]);
}

void health_transition(struct chk *c, bool up, const struct srv_chk_result *res)
{
        const struct cfg_proxy *be = c->rt->px;
        bool backup = c->sv->opts.flags & CFG_SRV_BACKUP;
        char line[1024];
        unsigned act, bck;

        srv_state_set_last_change(c->rec, sl_clock_wall_us() / 1000);
        if (!up)
                wc_srv(c->w, be, c->idx)->c[ST_C_CHKDOWN]++;
        /* slowstart: from 1% of its weight and maxconn after DOWN */
        c->ramp_start = up && ccfg(c)->slowstart_ms ? loop_now(c->w->loop) : 0;
        srv_state_set_ramp(c->rec, c->ramp_start ? 1 : 0);
        act = usable_count(c->rt, false);
        bck = usable_count(c->rt, true);
        snprintf(line, sizeof(line), "%sServer %s/%s is %s", backup ? "Backup " : "", be->name,
                 c->sv->name, up ? "UP" : "DOWN");
        append_status(line, sizeof(line), res);
        if (up)
                snprintf(line + strlen(line), sizeof(line) - strlen(line),
                         ". %u active and %u backup servers online.%s %u sessions requeued, "
                         "%u total in queue.",
                         act, bck, bck && !act ? " Running on backup." : "", 0u, c->rt->n_queued);
        else
                snprintf(line + strlen(line), sizeof(line) - strlen(line),
                         ". %u active and %u backup servers left.%s %u sessions active, %u "
                         "requeued, %u remaining in queue.",
                         act, bck, bck && !act ? " Running on backup." : "",
                         srv_state_cur_conns(c->rec), 0u, 0u);
        health_log(c, up ? LOG_NOTICE : LOG_WARNING, line);
        if (!up && act + bck == 0) {
                /* the backend's own transition to DOWN */
                stats_row_blk(c->w->st, be->st_be)->c[ST_C_CHKDOWN]++;
                snprintf(line, sizeof(line), "backend %s has no server available!", be->name);
                health_log(c, LOG_ALERT, line);
        }
}

/* The result of a check: HAProxy's set_server_check_status() and what follows */
void health_result(struct chk *c, bool passed, bool cond, const struct srv_chk_result *res)
{
        const struct cfg_server_check *k = ccfg(c);
        unsigned health = srv_state_health(c->rec), full = k->rise + k->fall - 1;
        struct srv_chk_result prev;
        bool report = false, was_down = srv_state_op(c->rec) == SRV_OP_DOWN;

        if (!srv_state_chk_read(c->rec, &prev))
                prev.status = SRV_CHK_UNKNOWN;
        if (passed) {
                if (health < full) {
                        report = true;
                        health++;
                        if (health >= k->rise)
                                health = full;
                }
        } else {
                wc_srv(c->w, c->rt->px, c->idx)->c[ST_C_CHKFAIL]++;
                if (health > 0) {
                        report = true;
                        health--;
                        if (health < k->rise)
                                health = 0;
                }
        }
        srv_state_set_health(c->rec, health);
        srv_state_chk_write(c->rec, res);
        if ((c->rt->px->options & CFG_OPT_LOG_HEALTH_CHECKS) &&
            (res->status != prev.status || report)) {
                char line[1024];
                bool ok = health >= k->rise;

                snprintf(line, sizeof(line), "Health check for %sserver %s/%s %s%s",
                         (c->sv->opts.flags & CFG_SRV_BACKUP) ? "backup " : "", c->rt->px->name,
                         c->sv->name, cond ? "conditionally " : "",
                         passed ? "succeeded" : "failed");
                append_status(line, sizeof(line), res);
                snprintf(line + strlen(line), sizeof(line) - strlen(line), ", status: %u/%u %s.",
                         ok ? health - k->rise + 1 : health, ok ? k->fall : k->rise,
                         ok ? (srv_state_weight(c->rec) ? "UP" : "DRAIN") : "DOWN");
                health_log(c, LOG_NOTICE, line);
        }
        if (health == 0 && !was_down) {
                srv_state_set_op(c->rec, SRV_OP_DOWN);
                health_transition(c, false, res);
        } else if (health >= k->rise && !c->agent_down) {
                enum srv_op_state want = cond ? SRV_OP_NOLB : SRV_OP_UP;
                enum srv_op_state op = srv_state_op(c->rec);

                if (op != want) {
                        srv_state_set_op(c->rec, want);
                        if (was_down)
                                health_transition(c, true, res);
                }
        }
}

/* slowstart: the share of its weight and maxconn a server that came up gets now, linear
 * over the slowstart time (HAProxy updates it at each check, as here) */
void health_ramp(struct chk *c)
{
        uint64_t now = loop_now(c->w->loop), ss = ccfg(c)->slowstart_ms;
        bool maint = srv_state_admin(c->rec) & SRV_ADMIN_ANY_MAINT;

        if (c->was_maint && !maint && ss && srv_state_op(c->rec) != SRV_OP_DOWN) {
                c->ramp_start = now; /* out of maintenance: ramps too */
                srv_state_set_ramp(c->rec, 1);
        }
        c->was_maint = maint;
        if (!c->ramp_start)
                return;
        if (now - c->ramp_start >= ss || srv_state_op(c->rec) == SRV_OP_DOWN) {
                c->ramp_start = 0;
                srv_state_set_ramp(c->rec, 0);
        } else {
                srv_state_set_ramp(c->rec,
                                   SL_MAX(1u, (unsigned)((now - c->ramp_start) * 100 / ss)));
        }
}

/* track: every tracking server takes its root's operational state, and the maintenance and
 * drain of the server it names (which may have them of its own or from further up the
 * chain: parents come first); each change is logged as HAProxy does ("via" the server it
 * names) */
void health_propagate(struct checker *ck)
{
        for (size_t i = 0; i < ck->n_trackers; i++) {
                struct tracker *t = &ck->trackers[i];
                enum srv_op_state op = srv_state_op(t->root->rec), was = srv_state_op(t->rec);
                const struct cfg_proxy *be = t->rt->px;
                const struct cfg_server *sv = &be->servers[t->idx];
                bool backup = sv->opts.flags & CFG_SRV_BACKUP;
                uint32_t padmin = srv_state_admin(t->parent_rec), want, have;
                unsigned act, bck;
                char line[512];

                /* the parent's maintenance and drain, inherited (HAProxy's IMAINT, IDRAIN) */
                want = ((padmin & SRV_ADMIN_ANY_MAINT) ? SRV_ADMIN_IMAINT : 0) |
                       ((padmin & SRV_ADMIN_ANY_DRAIN) ? SRV_ADMIN_IDRAIN : 0);
                have = srv_state_admin(t->rec) & (SRV_ADMIN_IMAINT | SRV_ADMIN_IDRAIN);
                if (want != have)
                        srv_state_set_admin(t->rec, want,
                                            (SRV_ADMIN_IMAINT | SRV_ADMIN_IDRAIN) & ~want);
                if (op == was)
                        continue;
                srv_state_set_op(t->rec, op);
                if ((op == SRV_OP_DOWN) == (was == SRV_OP_DOWN))
                        continue; /* UP and NOLB: no transition to tell */
                srv_state_set_last_change(t->rec, sl_clock_wall_us() / 1000);
                act = usable_count(t->rt, false);
                bck = usable_count(t->rt, true);
                if (op == SRV_OP_DOWN)
                        snprintf(line, sizeof(line),
                                 "%sServer %s/%s is DOWN via %s/%s. %u active and %u backup "
                                 "servers left.%s %u sessions active, 0 requeued, 0 remaining "
                                 "in queue.",
                                 backup ? "Backup " : "", be->name, sv->name, t->parent_px->name,
                                 t->parent_sv->name, act, bck,
                                 bck && !act ? " Running on backup." : "",
                                 srv_state_cur_conns(t->rec));
                else
                        snprintf(line, sizeof(line),
                                 "%sServer %s/%s is UP via %s/%s. %u active and %u backup "
                                 "servers online.%s 0 sessions requeued, %u total in queue.",
                                 backup ? "Backup " : "", be->name, sv->name, t->parent_px->name,
                                 t->parent_sv->name, act, bck,
                                 bck && !act ? " Running on backup." : "", t->rt->n_queued);
                sl_log(op == SRV_OP_DOWN ? LOG_WARNING : LOG_NOTICE, "%s", line);
                if (t->rt->sinks && t->rt->sinks->n)
                        (void)alog_sinks_send(
                                t->rt->sinks, op == SRV_OP_DOWN ? LOG_WARNING : LOG_NOTICE, line,
                                strlen(line), &wc_proc(t->root->w)->c[ST_C_DROPPED_LOGS]);
        }
}

/* observe: a worker saw error-limit consecutive errors on @c's server; on-error says what
 * that does (HAProxy's health analysis), and the next check comes at fastinter */
static void observe_act(struct chk *c)
{
        const struct cfg_server_check *k = ccfg(c);
        struct srv_chk_result res = {.status = SRV_CHK_HANA};

        snprintf(res.info, sizeof(res.info), "Detected %u consecutive errors", k->error_limit);
        switch (k->on_error) {
        case CFG_ON_ERROR_FASTINTER:
                break;
        case CFG_ON_ERROR_SUDDEN_DEATH:
                /* one failure from DOWN */
                if (srv_state_health(c->rec) > k->rise)
                        srv_state_set_health(c->rec, k->rise + 1);
                health_result(c, false, false, &res);
                break;
        case CFG_ON_ERROR_MARK_DOWN:
                srv_state_set_health(c->rec, k->rise);
                health_result(c, false, false, &res);
                break;
        case CFG_ON_ERROR_FAIL_CHECK:
        default:
                health_result(c, false, false, &res);
                break;
        }
        health_ramp(c);
        health_propagate(c->w->checker);
        if (!c->active && k->fastinter_ms &&
            (!loop_timer_is_armed(&c->timer) ||
             loop_timer_expire(&c->timer) > loop_now(c->w->loop) + k->fastinter_ms))
                loop_timer_arm(&c->timer, k->fastinter_ms);
}

void health_observe_poll(struct loop_timer *t)
{
        struct checker *ck = sl_container_of(t, struct checker, poll);

        for (size_t i = 0; i < ck->n; i++)
                if (ck->v[i].sv->opts.check.observe && srv_state_take_errlimit(ck->v[i].rec))
                        observe_act(&ck->v[i]);
        health_propagate(ck);
        loop_timer_arm(t, CHK_POLL_MS);
}

static int px_index(const struct worker *w, const struct cfg_proxy *px)
{
        for (size_t i = 0; i < w->gen->n_proxies; i++)
                if (w->gen->proxies[i] == px)
                        return (int)i;
        return -1;
}

static int tracker_cmp(const void *a, const void *b)
{
        const struct tracker *x = a, *y = b;

        return (x->depth > y->depth) - (x->depth < y->depth);
}

/* The tracking servers of the generation, each with the checked server its chain ends at
 * and the server it names, parents first */
int health_trackers_build(struct worker *w, struct checker *ck)
{
        size_t n = 0;

        for (size_t i = 0; i < w->gen->n_proxies; i++)
                for (size_t j = 0; w->rt[i].lb && j < w->gen->proxies[i]->n_servers; j++)
                        n += w->gen->proxies[i]->servers[j].track_idx >= 0;
        if (!n)
                return 0;
        ck->trackers = calloc(n, sizeof(*ck->trackers));
        if (!ck->trackers)
                return -ENOMEM;
        for (size_t i = 0; i < w->gen->n_proxies; i++) {
                const struct cfg_proxy *px = w->gen->proxies[i];

                for (size_t j = 0; w->rt[i].lb && j < px->n_servers; j++) {
                        const struct cfg_server *t = &px->servers[j];
                        const struct chk *root = NULL;
                        unsigned hops = 0;
                        int pi;

                        if (t->track_idx < 0)
                                continue;
                        pi = px_index(w, t->track_px);
                        if (pi < 0 || !w->rt[pi].lb)
                                continue;
                        ck->trackers[ck->n_trackers] = (struct tracker){
                                .rt = &w->rt[i],
                                .idx = (int)j,
                                .rec = &w->rt[i].lb->recs[j],
                                .parent_rec = &w->rt[pi].lb->recs[t->track_idx],
                                .parent_px = t->track_px,
                                .parent_sv = &t->track_px->servers[t->track_idx],
                        };
                        while (t->track_idx >= 0 && hops++ < 1000)
                                t = &t->track_px->servers[t->track_idx];
                        for (size_t k = 0; k < ck->n && !root; k++)
                                if (ck->v[k].sv == t)
                                        root = &ck->v[k];
                        if (!root)
                                continue; /* a chain the configuration refused */
                        ck->trackers[ck->n_trackers].root = root;
                        ck->trackers[ck->n_trackers++].depth = hops;
                }
        }
        qsort(ck->trackers, ck->n_trackers, sizeof(*ck->trackers), tracker_cmp);
        return 0;
}
