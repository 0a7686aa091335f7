/* Counting a stream's end into the worker's statistics row (wcount.h). stream.c calls it
 * once per stream, after the log line, so the counters of a request match its log. */
#include "wcount.h"

#include <limits.h>

#include "clock.h"
#include "loop.h"
#include "macros.h"
#include "session-t.h"
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

void wcount_stream_end(struct stream *st)
{
        struct worker *w = st->w;
        struct stats_blk *fb = wc_fe(w, st->fe), *bb = NULL, *sb = NULL;
        uint64_t now = loop_now(w->loop);
        bool http = st->flags & STRM_F_HTTP;
        int ta = http ? ms_between(st->req_start_ms, now) : ms_between(st->sess->accept_ms, now);
        char who = st->term[0];

        fb->c[ST_C_BIN] += st->bytes_in;
        fb->c[ST_C_BOUT] += st->bytes_out;
        if (st->sess->lis != CFG_STATS_NONE) {
                struct stats_blk *lb = stats_row_blk(w->st, st->sess->lis);

                lb->c[ST_C_BIN] += st->bytes_in;
                lb->c[ST_C_BOUT] += st->bytes_out;
                if (st->flags & STRM_F_DENIED)
                        lb->c[ST_C_DREQ]++;
                if (st->flags & STRM_F_INVALID)
                        lb->c[ST_C_EREQ]++;
        }
        if (st->flags & STRM_F_DENIED)
                fb->c[ST_C_DREQ]++;
        if (st->flags & STRM_F_DENIED_RES)
                fb->c[ST_C_DRESP]++;
        if (st->flags & STRM_F_INVALID)
                fb->c[ST_C_EREQ]++;
        if (st->flags & STRM_F_INTERCEPTED)
                fb->c[ST_C_INTERCEPTED]++;
        if (http && st->status)
                fb->c[status_class(st->status)]++;
        if (http)
                stats_total_time(w->st, fb, ta);
        if (!st->be || st->be->st_be == CFG_STATS_NONE)
                return;
        bb = wc_be(w, st->be);
        if (st->last_srv >= 0 && (size_t)st->last_srv < st->be->n_servers)
                sb = wc_srv(w, st->be, st->last_srv);
        bb->c[ST_C_STOT]++;
        bb->last_ms = sl_clock_wall_us() / 1000;
        stats_rate_hit(bb, ST_R_SESS, ST_M_RATE, now);
        bb->c[ST_C_BIN] += st->bytes_in;
        bb->c[ST_C_BOUT] += st->bytes_out;
        bb->c[ST_C_WRETR] += st->retries;
        if (st->flags & STRM_F_REDISPATCHED)
                bb->c[ST_C_WREDIS]++;
        if (http) {
                bb->c[ST_C_REQ_TOT]++;
                if (st->status)
                        bb->c[status_class(st->status)]++;
        }
        if (st->flags & STRM_F_DENIED_RES)
                bb->c[ST_C_DRESP]++;
        /* who ended it, from the log's termination state: the client or the server, in
         * any phase (HAProxy's cli_abrt and srv_abrt) */
        if (who == 'C')
                bb->c[ST_C_CLI_ABRT]++;
        else if (who == 'S')
                bb->c[ST_C_SRV_ABRT]++;
        /* a response the server did not send (a 502 for a bad one, a 504) is an error of
         * the response [eresp] */
        if (http && st->connect_done_ms && !st->res_head_ms && st->status >= 500)
                bb->c[ST_C_ERESP]++;
        if (st->connect_done_ms) {
                int tw = st->connect_start_ms ? (int)SL_MIN(st->queue_ms, (uint64_t)INT_MAX) : 0;
                int tc = ms_between(st->connect_start_ms, st->connect_done_ms);
                int tr = http ? ms_between(st->connect_done_ms, st->res_head_ms) : 0;

                stats_times(w->st, bb, tw, tc, tr, ta);
                if (sb)
                        stats_times(w->st, sb, tw, tc, tr, ta);
        }
        if (!sb)
                return;
        sb->c[ST_C_BIN] += st->bytes_in;
        sb->c[ST_C_BOUT] += st->bytes_out;
        sb->c[ST_C_WRETR] += st->retries;
        if (st->flags & STRM_F_REDISPATCHED)
                sb->c[ST_C_WREDIS]++;
        if (http) {
                sb->c[ST_C_REQ_TOT]++;
                /* the server's own answers only */
                if (st->res_head_ms && st->status)
                        sb->c[status_class(st->status)]++;
        }
        if (who == 'C')
                sb->c[ST_C_CLI_ABRT]++;
        else if (who == 'S')
                sb->c[ST_C_SRV_ABRT]++;
        if (http && st->connect_done_ms && !st->res_head_ms && st->status >= 500)
                sb->c[ST_C_ERESP]++;
}
