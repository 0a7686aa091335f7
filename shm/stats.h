#pragma once
/* Node-wide statistics: one row of counters per worker process, in a memfd the master makes
 * before forking it. The worker is the row's only writer and counts with plain stores: no
 * atomic instruction and no cache line shared with another process on the hot path. The
 * master maps every live row and reads them to answer the stats socket, the stats page and
 * the Prometheus exporter.
 *
 * A row holds one block per object of the worker's generation (its "local" index, given by
 * the configuration: cfg_stats_layout()), and beside each the object's node-wide id (its
 * "gid"), which the master keeps for the same object (same kind, proxy and server names)
 * across reloads and re-executions. When a worker is gone, the master adds its row into an
 * archive of blocks indexed by gid (stats_blk_fold()), in the same loop turn as it stops
 * reading the row, so a reader never sees a count twice nor loses one: counters never go
 * back, whether a worker stops after a reload, is respawned, or is killed. A node-wide value
 * is archive + sum over live rows (stats_sum_add()).
 *
 * Readers in the master run while workers write. Every field is one aligned 64- or 32-bit
 * word, written by one process and read with relaxed atomic loads: a reader sees each counter
 * at some recent value, never a torn one; counters of one block are not a consistent
 * snapshot of one instant (a request may show in req_tot before its hrsp_2xx). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct shm_region;

#define STATS_ROW_KIND "stats-row"
#define STATS_LAYOUT   3u   /* bump when a block or the row header changes */
#define STATS_HBOUNDS  15   /* histogram bounds; one bucket more for +Inf */
#define STATS_HSEARCH  16   /* bounds kept for the search: the last always STATS_NO_BOUND */
#define STATS_LUT_MS   4096 /* durations below this find their bucket in a table */
#define STATS_MAX_OBJS (1u << 22)
#define STATS_SWRATE_N 1024u /* qtime, ctime, rtime, ttime: over the last 1024 requests */
#define STATS_RATE_MS  1000u /* rate, req_rate, conn_rate: per second */
#define STATS_NO_BOUND UINT32_MAX

/* Counters: only go up; summed over rows and kept in the archive when a worker ends. Which
 * object kinds use one is in the comment; HAProxy's CSV name in brackets. */
enum stats_ctr {
        ST_C_STOT,     /* sessions: fe, be, srv, listener [stot] */
        ST_C_CONN_TOT, /* connections accepted: fe, listener [conn_tot] */
        ST_C_BIN,      /* bytes from clients: all [bin] */
        ST_C_BOUT,     /* bytes to clients: all [bout] */
        ST_C_DREQ,     /* requests denied: fe, be, listener [dreq] */
        ST_C_DRESP,    /* responses denied [dresp] */
        ST_C_EREQ,     /* invalid requests: fe, listener [ereq] */
        ST_C_DCON,     /* connections refused by tcp-request connection [dcon] */
        ST_C_DSES,     /* sessions refused by tcp-request session [dses] */
        ST_C_ECON,     /* failed connections to servers: be, srv [econ] */
        ST_C_ERESP,    /* invalid or failed responses: be, srv [eresp] */
        ST_C_WRETR,    /* connection retries: be, srv [wretr] */
        ST_C_WREDIS,   /* redispatches: be, srv [wredis] */
        ST_C_WREW,     /* failed header rewrites [wrew] */
        ST_C_EINT,     /* internal errors [eint] */
        ST_C_LBTOT,    /* times chosen by the balancer: be, srv [lbtot] */
        ST_C_REQ_TOT,  /* HTTP requests: fe, be, srv [req_tot] */
        ST_C_HRSP_1XX, /* responses by class [hrsp_*] */
        ST_C_HRSP_2XX,
        ST_C_HRSP_3XX,
        ST_C_HRSP_4XX,
        ST_C_HRSP_5XX,
        ST_C_HRSP_OTHER,
        ST_C_CLI_ABRT,    /* aborted by the client: be, srv [cli_abrt] */
        ST_C_SRV_ABRT,    /* aborted by the server: be, srv [srv_abrt] */
        ST_C_INTERCEPTED, /* answered by sluice itself (redirect, return, service) [intercepted] */
        ST_C_CONNECT,     /* new connections to servers: be, srv [connect] */
        ST_C_REUSE,       /* reused server connections: be, srv [reuse] */
        ST_C_CHKFAIL,     /* failed health checks: srv [chkfail] */
        ST_C_CHKDOWN,     /* UP to DOWN transitions: srv, be [chkdown] */
        ST_C_TLS_HS,      /* full TLS handshakes with clients: fe, process */
        ST_C_TLS_REUSED,  /* resumed TLS handshakes with clients: fe, process */
        ST_C_TLS_FAILED,  /* failed TLS handshakes with clients: fe, process */
        ST_C_POOL_FAILED, /* allocations refused: process */
        ST_C_STICK_REFUSED,    /* trackings a full table refused: process */
        ST_C_STICK_UNLEDGERED, /* stick references without a ledger record: process */
        ST_C_TCP_REJECTED,     /* connections closed by tcp-request content reject: process */
        ST_C_ACCEPT_ERRORS,    /* accept() failures: process */
        ST_C_DROPPED_LOGS,     /* log lines that could not be sent: process */
        ST_C_PP_FAILED,        /* client connections with a bad or no PROXY header: process */
        ST_C_COUNT
};

/* Gauges: the worker's current value; summed over live rows, never archived. */
enum stats_gauge {
        ST_G_CUR,      /* sessions now: fe, be, srv, listener [scur] */
        ST_G_QCUR,     /* streams queued: be, srv [qcur] */
        ST_G_TLS_CUR,  /* TLS connections: process */
        ST_G_IDLE_CUR, /* idle server connections kept: srv [srv_icur] */
        ST_G_NEED_EST, /* connections the worker estimates it needs (pool-purge-delay): srv
                        * [need_conn_est] */
        ST_G_COUNT
};

/* Maxima of this worker; a node-wide value adds the live rows' and keeps the archived
 * highest: an upper bound of the node's highest, exact with one worker. */
enum stats_max {
        ST_M_CUR,       /* [smax] */
        ST_M_QCUR,      /* [qmax] */
        ST_M_RATE,      /* [rate_max] */
        ST_M_REQ_RATE,  /* [req_rate_max] */
        ST_M_CONN_RATE, /* [conn_rate_max] */
        ST_M_QTIME,     /* ms [qtime_max] */
        ST_M_CTIME,     /* [ctime_max] */
        ST_M_RTIME,     /* [rtime_max] */
        ST_M_TTIME,     /* [ttime_max] */
        ST_M_COUNT
};

/* Events per second: summed over live rows. */
enum stats_rate {
        ST_R_SESS, /* sessions (fe, listener), sessions sent (be, srv) [rate] */
        ST_R_REQ,  /* HTTP requests [req_rate] */
        ST_R_CONN, /* connections accepted [conn_rate] */
        ST_R_COUNT
};

/* Averages over the last STATS_SWRATE_N requests, in ms; a node-wide value is the mean of
 * the live rows that have one. */
enum stats_avg {
        ST_A_QTIME, /* [qtime] */
        ST_A_CTIME, /* [ctime] */
        ST_A_RTIME, /* [rtime] */
        ST_A_TTIME, /* [ttime] */
        ST_A_COUNT
};

/* Histograms of durations, ms; buckets by the row's bounds. */
enum stats_hist {
        ST_H_TOTAL,    /* whole request, Ta (fe, be, srv) */
        ST_H_CONNECT,  /* connect, Tc (be, srv) */
        ST_H_RESPONSE, /* response headers, Tr (be, srv) */
        ST_H_QUEUE,    /* queue, Tw (be, srv) */
        ST_H_COUNT,
        /* a frontend's block has no connect time: that slot holds its TLS handshakes with
         * clients, from accept to their end (so the block and its layout stay as they were) */
        ST_H_FE_TLS_HS = ST_H_CONNECT,
};

/* HAProxy's freq_ctr for one writer: the current second's count and the previous one's. */
struct stats_rate1 {
        uint32_t tick; /* start of the current period, ms, low 32 bits */
        uint32_t curr, prev;
        uint32_t spare;
};

struct stats_hist1 {
        uint64_t bucket[STATS_HBOUNDS + 1]; /* [i]: bound[i-1] < v <= bound[i]; last: +Inf */
        uint64_t sum_ms;
};

struct stats_blk {
        uint64_t c[ST_C_COUNT];
        int64_t g[ST_G_COUNT];
        uint64_t mx[ST_M_COUNT];
        struct stats_rate1 r[ST_R_COUNT];
        uint32_t avg[ST_A_COUNT]; /* swrate sums */
        uint32_t avg_n;           /* samples in them, up to STATS_SWRATE_N */
        uint32_t spare;
        uint64_t last_ms; /* monotonic ms of the last session, 0: none [lastsess] */
        struct stats_hist1 h[ST_H_COUNT];
} __attribute__((aligned(64)));

/* The head of a row. Blocks follow at @blk_off, gids at @gid_off (offsets from the head). */
struct stats_row {
        uint32_t layout; /* STATS_LAYOUT */
        uint32_t n_objs;
        uint32_t gen;  /* the worker's generation */
        uint32_t slot; /* its slot in the generation */
        int32_t pid;   /* set by the worker once it runs */
        uint32_t n_bounds;
        uint32_t bound_ms[STATS_HSEARCH]; /* increasing; unused ones STATS_NO_BOUND */
        uint64_t gid_off, blk_off;
        uint32_t lut_off; /* STATS_LUT_MS bytes: the bucket of each duration in ms */
        uint8_t spare[16];
};

/* A node-wide value, summed by a reader: plain numbers. */
struct stats_sum {
        uint64_t c[ST_C_COUNT];
        int64_t g[ST_G_COUNT];
        uint64_t mx[ST_M_COUNT];
        uint64_t rate[ST_R_COUNT];    /* per second, now */
        uint64_t avg_sum[ST_A_COUNT]; /* sum of the live rows' averages */
        uint32_t avg_n[ST_A_COUNT];   /* rows in avg_sum */
        uint64_t last_ms;             /* newest */
        struct stats_hist1 h[ST_H_COUNT];
};

/* The default histogram bounds: 5, 10, 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10 s. */
extern const uint32_t stats_default_bounds[];
extern const unsigned stats_n_default_bounds;

/* Make a zeroed row for a worker of generation @gen in @slot: @n_objs blocks (1 ..
 * STATS_MAX_OBJS; block 0 is the process), each object's @gids, and @n_bounds increasing
 * histogram bounds in ms (at most STATS_HBOUNDS). Returns 0 and the region (owned by the
 * caller) and the row inside it, or -EINVAL or -errno of shm_region_create(). */
int stats_row_create(uint32_t gen, uint32_t slot, uint32_t n_objs, const uint32_t *gids,
                     const uint32_t *bounds, unsigned n_bounds, struct shm_region **ret_region,
                     struct stats_row **ret_row);

/* The row of a region from shm_region_open() with STATS_ROW_KIND. 0 or -EPROTO. */
int stats_row_attach(struct shm_region *r, struct stats_row **ret_row);

static inline struct stats_blk *stats_row_blk(struct stats_row *row, uint32_t idx)
{
        return (struct stats_blk *)(void *)((char *)row + row->blk_off) + idx;
}

static inline const uint32_t *stats_row_gids(const struct stats_row *row)
{
        return (const uint32_t *)(const void *)((const char *)row + row->gid_off);
}

/* ---- writers: the row's own worker only ---- */

static inline void stats_add(struct stats_blk *b, enum stats_ctr c, uint64_t n)
{
        b->c[c] += n;
}

/* Move gauge @g by @d, keeping its maximum when @m is a stats_max (else ST_M_COUNT). */
static inline void stats_gauge(struct stats_blk *b, enum stats_gauge g, int64_t d, enum stats_max m)
{
        int64_t v = b->g[g] + d;

        b->g[g] = v;
        if (m != ST_M_COUNT && v > 0 && (uint64_t)v > b->mx[m])
                b->mx[m] = (uint64_t)v;
}

void stats__rate_rotate(struct stats_rate1 *r1, uint32_t now);

/* One event at @now_ms (monotonic) for rate @r, keeping in @m the highest count of a period
 * (HAProxy's *_max from update_freq_ctr()). */
static inline void stats_rate_hit(struct stats_blk *b, enum stats_rate r, enum stats_max m,
                                  uint64_t now_ms)
{
        struct stats_rate1 *r1 = &b->r[r];

        if ((uint32_t)now_ms - r1->tick >= STATS_RATE_MS)
                stats__rate_rotate(r1, (uint32_t)now_ms);
        if (++r1->curr > b->mx[m])
                b->mx[m] = r1->curr;
}

/* Events per second of @r1 at @now_ms: HAProxy's read_freq_ctr(). */
uint32_t stats_rate_read(const struct stats_rate1 *r1, uint64_t now_ms);

/* The bucket of @v among @bounds (STATS_HSEARCH increasing values, unused ones and the last
 * STATS_NO_BOUND): how many bounds it exceeds, by a binary search of four steps whose
 * comparisons become additions, without a branch. */
static inline unsigned stats_bucket(const uint32_t *bounds, uint32_t v)
{
        unsigned i = 0;

        i += (unsigned)(v > bounds[i + 7]) << 3;
        i += (unsigned)(v > bounds[i + 3]) << 2;
        i += (unsigned)(v > bounds[i + 1]) << 1;
        i += (unsigned)(v > bounds[i]);
        return i;
}

/* The bucket of duration @ms in @row's histograms: from its table below STATS_LUT_MS. */
static inline unsigned stats_row_bucket(const struct stats_row *row, uint32_t ms)
{
        if (ms < STATS_LUT_MS)
                return ((const uint8_t *)row + row->lut_off)[ms];
        return stats_bucket(row->bound_ms, ms);
}

/* The times of a request that reached a server, in ms (HAProxy's
 * stream_update_time_stats()): queue @tw, connect @tc, response headers @tr, total @ta, into
 * the averages and maxima of @b, and with @hist its histograms. A negative @tc or @tr (no
 * connection, no response) counts nothing, as in HAProxy. */
void stats_times(const struct stats_row *row, struct stats_blk *b, int tw, int tc, int tr, int ta,
                 bool hist);

/* The whole time @ta of a request into @b's total-time histogram (frontends). */
void stats_total_time(const struct stats_row *row, struct stats_blk *b, int ta);

/* A duration of @ms into @b's histogram @h (a negative one counts nothing). */
void stats_hist_time(const struct stats_row *row, struct stats_blk *b, enum stats_hist h, int ms);

/* ---- readers ---- */

/* Add block @b into @s: counters and histograms; with @live also gauges, rates at @now_ms
 * and averages. Maxima: added for a live row, the highest kept for the archive. */
void stats_sum_add(struct stats_sum *s, const struct stats_blk *b, bool live, uint64_t now_ms);

/* Add what a finished worker's block @src counted into the archive's block @dst (plain
 * memory): counters, histograms and maxima; gauges, rates and averages end with it. */
void stats_blk_fold(struct stats_blk *dst, const struct stats_blk *src);

/* Add server @srv's sum into its backend's @be: a backend's figures are its own block's
 * (its streams, sessions now, queue, rate) plus its servers' (what went to a server: bytes,
 * requests, responses, errors, times). Counters but stot, chkfail and chkdown (a backend's
 * own) and histograms add; the times' averages join the servers' and their maxima keep the
 * highest. */
void stats_sum_merge(struct stats_sum *be, const struct stats_sum *srv);

/* The average of @s's average @a in ms (0 when no row has one). */
uint64_t stats_sum_avg(const struct stats_sum *s, enum stats_avg a);
