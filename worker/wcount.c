/* Counting a stream's end into the worker's statistics row (wcount.h). stream.c calls it
 * once per stream, after the log line, so the counters of a request match its log. */
#include "wcount.h"

#include <limits.h>

#include "clock.h"
#include "lb.h"
#include "loop.h"
#include "macros.h"
#include "session-t.h"
#include "srv_state.h"
#include "stream-t.h"

static int ms_between(uint64_t from, uint64_t to)
{
        if (!from || !to || to < from)
                return -1;
        return (int)SL_MIN(to - from, (uint64_t)INT_MAX);
}

static enum stats_ctr status_class(unsigned status)
{
        if (status >= 100 && status < 600)
                return (enum stats_ctr)(ST_C_HRSP_1XX + status / 100 - 1);
        return ST_C_HRSP_OTHER;
}

/* What few requests do: denials, errors, aborts, retries. Out of the common path. @xb: the
 * server's block, or the backend's without a server. */
static void __attribute__((noinline))
count_rare(struct stream *st, struct stats_blk *fb, struct stats_blk *xb)
{
        uint32_t f = st->flags;
        char who = st->term[0];

        if (st->sess->lis != CFG_STATS_NONE) {
                struct stats_blk *lb = stats_row_blk(st->w->st, st->sess->lis);

                lb->c[ST_C_DREQ] += (f & STRM_F_DENIED) != 0;
                lb->c[ST_C_EREQ] += (f & STRM_F_INVALID) != 0;
        }
        fb->c[ST_C_DREQ] += (f & STRM_F_DENIED) != 0;
        fb->c[ST_C_DRESP] += (f & STRM_F_DENIED_RES) != 0;
        fb->c[ST_C_EREQ] += (f & STRM_F_INVALID) != 0;
        fb->c[ST_C_INTERCEPTED] += (f & STRM_F_INTERCEPTED) != 0;
        if (!xb)
                return;
        /* retries, redispatches, responses denied, who ended it (HAProxy's cli_abrt and
         * srv_abrt, from the log's termination state), and a response the server did not
         * send (a 502 for a bad one, a 504) [eresp] */
        xb->c[ST_C_WRETR] += st->retries;
        xb->c[ST_C_WREDIS] += (f & STRM_F_REDISPATCHED) != 0;
        xb->c[ST_C_CLI_ABRT] += who == 'C';
        xb->c[ST_C_SRV_ABRT] += who == 'S';
        xb->c[ST_C_DRESP] += (f & STRM_F_DENIED_RES) != 0;
        xb->c[ST_C_ERESP] +=
                (f & STRM_F_HTTP) && st->connect_done_ms && !st->res_head_ms && st->status >= 500;
        /* a response sluice made for a request that had a server: the backend's */
        if (xb != stats_row_blk(st->w->st, st->be->st_be) && st->status && !st->res_head_ms &&
            (f & STRM_F_HTTP))
                stats_row_blk(st->w->st, st->be->st_be)->c[status_class(st->status)]++;
}

#define RARE_FLAGS                                                                 \
        (STRM_F_DENIED | STRM_F_DENIED_RES | STRM_F_INVALID | STRM_F_INTERCEPTED | \
         STRM_F_REDISPATCHED)

void wcount_observe(struct stream *st, int idx, bool error)
{
        const struct cfg_server_check *k;
        struct px_rt *rt;

        if (idx < 0 || (size_t)idx >= st->be->n_servers)
                return;
        k = &st->be->servers[idx].opts.check;
        rt = worker_rt(st->w, st->be);
        if (!k->observe || !rt->lb)
                return;
        if (error)
                (void)srv_state_observe_error(&rt->lb->recs[idx], k->error_limit);
        else
                srv_state_observe_ok(&rt->lb->recs[idx]);
}

void wcount_stream_end(struct stream *st)
{
        struct worker *w = st->w;
        struct stats_blk *fb = wc_fe(w, st->fe), *bb = NULL, *xb = NULL;
        uint64_t now = loop_now(w->loop), in = st->bytes_in, out = st->bytes_out;
        bool http = st->flags & STRM_F_HTTP;
        int ta = http ? ms_between(st->req_start_ms, now) : ms_between(st->sess->accept_ms, now);
        enum stats_ctr cls = status_class(st->status);

        fb->c[ST_C_BIN] += in;
        fb->c[ST_C_BOUT] += out;
        if (st->sess->lis != CFG_STATS_NONE) {
                struct stats_blk *lb = stats_row_blk(w->st, st->sess->lis);

                lb->c[ST_C_BIN] += in;
                lb->c[ST_C_BOUT] += out;
        }
        if (http) {
                fb->c[cls] += st->status != 0;
                stats_total_time(w->st, fb, ta);
        }
        if (st->be && st->be->st_be != CFG_STATS_NONE) {
                bb = wc_be(w, st->be);
                xb = st->last_srv >= 0 && (size_t)st->last_srv < st->be->n_servers
                             ? wc_srv(w, st->be, st->last_srv)
                             : bb;
        }
        if ((st->flags & RARE_FLAGS) || st->retries || (st->term[0] != '-' && st->term[0]))
                count_rare(st, fb, xb);
        if (st->be && st->last_srv >= 0 && (size_t)st->last_srv < st->be->n_servers &&
            st->be->servers[st->last_srv].opts.check.observe && st->connect_done_ms) {
                bool l7 = st->be->servers[st->last_srv].opts.check.observe == CFG_OBSERVE_L7;

                /* layer7: a 5xx from the server, or one sluice made for its bad or missing
                 * answer, is an error (HAProxy's, but 501 and 505) */
                wcount_observe(st, st->last_srv,
                               l7 && http && st->status >= 500 && st->status <= 599 &&
                                       st->status != 501 && st->status != 505);
        }
        if (!bb)
                return;
        /* the backend's own: its streams and their rate */
        bb->c[ST_C_STOT]++;
        bb->last_ms = now;
        stats_rate_hit(bb, ST_R_SESS, ST_M_RATE, now);
        /* the rest in the server's block (the backend's without one) */
        xb->c[ST_C_BIN] += in;
        xb->c[ST_C_BOUT] += out;
        if (http) {
                xb->c[ST_C_REQ_TOT]++;
                /* a server's: its own answers; a backend's: every answer */
                xb->c[cls] += st->status && (xb == bb || st->res_head_ms);
        }
        if (st->connect_done_ms) {
                int tw = st->connect_start_ms ? (int)SL_MIN(st->queue_ms, (uint64_t)INT_MAX) : 0;
                int tc = ms_between(st->connect_start_ms, st->connect_done_ms);
                int tr = http ? ms_between(st->connect_done_ms, st->res_head_ms) : 0;

                stats_times(w->st, xb, tw, tc, tr, ta, true);
        }
}
