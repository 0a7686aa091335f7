#pragma once
/* Where a worker counts (shm/stats.h): the blocks of its statistics row for the process, a
 * frontend, a backend, a server and a listener. Plain stores into memory only this worker
 * writes; the master sums the rows of every worker. */

#include "model.h"
#include "stats.h"
#include "wctx.h"

static inline struct stats_blk *wc_proc(struct worker *w)
{
        return stats_row_blk(w->st, CFG_STATS_PROC);
}

static inline struct stats_blk *wc_fe(struct worker *w, const struct cfg_proxy *px)
{
        return stats_row_blk(w->st, px->st_fe);
}

static inline struct stats_blk *wc_be(struct worker *w, const struct cfg_proxy *px)
{
        return stats_row_blk(w->st, px->st_be);
}

static inline struct stats_blk *wc_srv(struct worker *w, const struct cfg_proxy *px, int idx)
{
        return stats_row_blk(w->st, px->st_srv + (uint32_t)idx);
}

static inline struct stats_blk *wc_lis(struct worker *w, const struct cfg_proxy *px,
                                       uint32_t bind_idx)
{
        return stats_row_blk(w->st, px->st_lis + bind_idx);
}

/* One to process counter @c. */
static inline void wc_proc_add(struct worker *w, enum stats_ctr c)
{
        wc_proc(w)->c[c]++;
}

struct stream;

/* Count what stream @st did, at its end: bytes, the response's class, denials, errors,
 * aborts and times, into its frontend, and into its server, or its backend when it had no
 * server. A backend's figures are its own block's plus its servers' (stats_sum_merge()),
 * so a request costs one block's counting, not two; the backend's block alone counts its
 * streams (stot), sessions now, queue and rate. */
void wcount_stream_end(struct stream *st);

/* "observe": the outcome of traffic to server @idx of the stream's backend, an error (a
 * failed connection; with layer7 also a 5xx answer but 501 and 505) or not; enough
 * consecutive errors raise the server's error-limit for the checker (shm/srv_state.h). */
void wcount_observe(struct stream *st, int idx, bool error);
