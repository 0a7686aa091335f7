/* Load balancing: HAProxy's "balance" algorithms for one backend in one worker. This file
 * builds the balancer (lb_init()) and what it derives from the shared server state; lb_pick.c
 * chooses servers with it, and lb_hash.c hashes the keys of the hashing algorithms.
 *
 * Shared inputs live in shm/srv_state (weights, states, connection counts of all workers, and
 * the round-robin position); everything derived from them is per worker, rebuilt when the
 * table's epoch moves, and the same in every worker since it depends on nothing else:
 *   - the tier: the usable non-backup servers, or else the first usable backup (HAProxy's
 *     srv_act / fbck), with each one's weight for the algorithm;
 *   - the order (roundrobin): HAProxy's fwrr sequence of picks over the tier (lb_fwrr.c);
 *   - the map (static-rr, hash-type map-based): HAProxy's lb_map table, each server repeated
 *     weight/gcd times and interleaved, so a hash picks map[hash % size];
 *   - the ring (hash-type consistent, random): HAProxy's lb_chash points, 16 per weight unit,
 *     at full_hash(id * 4096 + n), sorted for binary search. */
#include "lb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "lb_fwrr.h"
#include "macros.h"
#include "srv_state.h"

#define LB_CHASH_SCALE 16u   /* ring points per weight unit (HAProxy BE_WEIGHT_SCALE) */
#define LB_CHASH_RANGE 4096u /* point keys per server id (HAProxy SRV_EWGHT_RANGE) */

/* ---- building ---- */

static bool lb__is_hash_algo(enum cfg_balance_algo a)
{
        return a == CFG_LB_SOURCE || a == CFG_LB_URI || a == CFG_LB_HDR || a == CFG_LB_RDP_COOKIE;
}

static bool lb__needs_map(const struct lb *lb)
{
        return lb->algo == CFG_LB_STATIC_RR || (lb__is_hash_algo(lb->algo) && !lb->consistent);
}

static bool lb__needs_ring(const struct lb *lb)
{
        return lb->algo == CFG_LB_RANDOM || (lb__is_hash_algo(lb->algo) && lb->consistent);
}

/* Weight of server @i for the algorithm, 0 when it must not be used. */
/* slowstart: weights are scaled by this while a server of the backend ramps up, so that a
 * weight of 1 can be a share of itself (HAProxy's BE_WEIGHT_SCALE) */
#define LB_RAMP_SCALE 16u

static uint32_t lb__algo_weight(const struct lb *lb, uint32_t i, uint32_t scale)
{
        const struct srv_state_rec *rec = &lb->recs[i];
        uint32_t w, ramp;

        if (!srv_state_usable(rec))
                return 0;
        /* Static algorithms ignore runtime weights except 0 (HAProxy refuses other changes
         * for them); the map is reduced by the gcd of the configured weights, as HAProxy's. */
        if (lb->static_weights)
                return lb->srv[i].weight / lb->gcd;
        w = srv_state_weight(rec) * scale;
        ramp = srv_state_ramp(rec);
        if (ramp && w)
                w = SL_MAX(1u, w * ramp / 100);
        return w;
}

static int lb__cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

/* HAProxy recalc_server_map(): each slot goes to the server whose accumulated weight score is
 * highest, the first declared winning ties, so equal weights alternate in declaration order
 * and a weight-3 server next to a weight-1 one gets 3 of every 4 slots, spread. */
static void lb__build_map(struct lb *lb)
{
        uint32_t tot = 0;

        for (uint32_t k = 0; k < lb->n_tier; k++) {
                lb->cw[lb->tier[k]] = 0;
                tot += lb->tier_w[k];
        }
        for (uint32_t o = 0; o < tot; o++) {
                int64_t max = 0;
                int best = -1;

                for (uint32_t k = 0; k < lb->n_tier; k++) {
                        uint32_t i = lb->tier[k];
                        int64_t v;

                        if (tot == 1) {
                                best = (int)i;
                                break;
                        }
                        lb->cw[i] += lb->tier_w[k];
                        v = (lb->cw[i] + tot) / tot;
                        if (best < 0 || v > max) {
                                max = v;
                                best = (int)i;
                        }
                }
                lb->map[o] = (uint32_t)best;
                lb->cw[best] -= tot;
        }
        lb->map_len = tot;
}

static uint32_t lb__gcd(uint32_t a, uint32_t b)
{
        while (b) {
                uint32_t t = a % b;

                a = b;
                b = t;
        }
        return a;
}

/* Does order[i] == order[i - p] hold for every i of the @len entries? */
static bool lb__periodic(const uint32_t *order, uint32_t len, uint32_t p)
{
        for (uint32_t i = p; i < len; i++)
                if (order[i] != order[i - p])
                        return false;
        return true;
}

/* roundrobin: HAProxy's order of picks over the tier, one cycle of it, as server indexes.
 * The cycle lb_fwrr_order() finds is usually a window of 16 * sum(weights) picks made of
 * one sequence of sum(weights) picks (or sum / gcd) repeated: the shortest is kept. */
static int lb__build_order(struct lb *lb)
{
        uint32_t sum = 0, g = 0, len, *order, *small;
        int n;

        order = malloc(LB_FWRR_ORDER_MAX * sizeof(*order));
        if (!order)
                return -ENOMEM;
        n = lb_fwrr_order(lb->tier_w, lb->n_tier, order, LB_FWRR_ORDER_MAX);
        if (n < 0) {
                free(order);
                return n;
        }
        len = (uint32_t)n;
        for (uint32_t k = 0; k < lb->n_tier; k++) {
                sum += lb->tier_w[k];
                g = lb__gcd(g, lb->tier_w[k]);
        }
        if (sum / g < len && len % (sum / g) == 0 && lb__periodic(order, len, sum / g))
                len = sum / g;
        else if (sum < len && len % sum == 0 && lb__periodic(order, len, sum))
                len = sum;
        for (uint32_t i = 0; i < len; i++)
                order[i] = lb->tier[order[i]];
        small = realloc(order, len * sizeof(*order));
        free(lb->order);
        lb->order = small ? small : order;
        lb->order_len = len;
        return 0;
}

static int lb__build_ring(struct lb *lb)
{
        uint64_t need = 0;
        uint32_t n = 0;

        for (uint32_t k = 0; k < lb->n_tier; k++)
                need += (uint64_t)lb->tier_w[k] * LB_CHASH_SCALE;
        if (need > lb->ring_cap) {
                uint64_t *r;

                if (need > UINT32_MAX / sizeof(uint64_t))
                        return -ENOMEM;
                r = realloc(lb->ring, need * sizeof(*r));
                if (!r)
                        return -ENOMEM;
                lb->ring = r;
                lb->ring_cap = (uint32_t)need;
        }
        for (uint32_t k = 0; k < lb->n_tier; k++) {
                uint32_t i = lb->tier[k], pts = lb->tier_w[k] * LB_CHASH_SCALE;

                for (uint32_t j = 0; j < pts; j++) {
                        uint32_t key = lb_hash_full(lb->srv[i].id * LB_CHASH_RANGE + j);

                        lb->ring[n++] = (uint64_t)key << 32 | i;
                }
        }
        qsort(lb->ring, n, sizeof(*lb->ring), lb__cmp_u64);
        lb->ring_len = n;
        if (lb->ring_rr >= n)
                lb->ring_rr = 0;
        return 0;
}

void lb__rebuild(struct lb *lb, uint64_t epoch)
{
        uint32_t n = 0, w, scale = 1;
        int backup = -1;

        /* "set maxconn server" moves the epoch too; slowstart ramps it from 1 */
        for (uint32_t i = 0; i < lb->n_srv; i++) {
                uint32_t mc = srv_state_maxconn(&lb->recs[i], lb->be->servers[i].opts.maxconn),
                         ramp = srv_state_ramp(&lb->recs[i]);

                if (ramp) {
                        scale = LB_RAMP_SCALE;
                        if (mc)
                                mc = SL_MAX(1u, mc * ramp / 100);
                }
                lb->srv[i].maxconn = mc;
        }

        for (uint32_t v = 0; v < lb->n_srv; v++) {
                uint32_t i = lb->visit[v];

                w = lb__algo_weight(lb, i, scale);
                if (w == 0)
                        continue;
                if (lb->srv[i].backup) {
                        if (backup < 0)
                                backup = (int)i;
                        continue;
                }
                lb->tier[n] = i;
                lb->tier_w[n++] = w;
        }
        if (n == 0 && backup >= 0) {
                lb->tier[0] = (uint32_t)backup;
                lb->tier_w[0] = lb__algo_weight(lb, (uint32_t)backup, scale);
                n = 1;
        }

        lb->n_tier = n;
        if (lb->lc_next >= n)
                lb->lc_next = 0;
        if (lb__needs_map(lb))
                lb__build_map(lb);
        if (lb__needs_ring(lb) && lb__build_ring(lb) < 0)
                return; /* keep the old ring and the old epoch: retried next pick */
        if (lb->algo == CFG_LB_ROUNDROBIN && n && lb__build_order(lb) < 0)
                return; /* the same */
        lb->epoch = epoch;
        lb->built = true;
}

/* ---- lifecycle ---- */

void lb_init_states(const struct cfg_proxy *be, struct srv_state_rec *recs)
{
        for (size_t i = 0; i < be->n_servers; i++) {
                srv_state_rec_init(&recs[i], be->servers[i].opts.weight,
                                   be->servers[i].opts.flags & CFG_SRV_DISABLED);
                /* a server without an address (init-addr none) starts in maintenance, as
                 * HAProxy's: "MAINT (resolution)" until an address comes */
                if (be->servers[i].no_addr)
                        srv_state_set_admin(&recs[i], SRV_ADMIN_RMAINT, 0);
        }
}

/* Insertion sort of @visit by id: balance first's backends are short, and this runs once. */
static void lb__sort_by_id(struct lb *lb)
{
        for (uint32_t i = 1; i < lb->n_srv; i++) {
                uint32_t v = lb->visit[i], j = i;

                for (; j > 0 && lb->srv[lb->visit[j - 1]].id > lb->srv[v].id; j--)
                        lb->visit[j] = lb->visit[j - 1];
                lb->visit[j] = v;
        }
}

void lb_seed(struct lb *lb, uint64_t seed)
{
        lb->rng = seed;
}

int lb_init(struct lb *lb, const struct cfg_proxy *be, struct srv_state_rec *recs)
{
        uint64_t map_cap = 0, ring_cap = 0;
        uint32_t n;
        int r = -ENOMEM;

        memset(lb, 0, sizeof(*lb));
        if (!be || !recs || be->n_servers == 0 || be->n_servers > SRV_STATE_MAX_RECS)
                return -EINVAL;
        switch (be->balance.algo) {
        case CFG_LB_URL_PARAM:
        case CFG_LB_HASH:
                return -EOPNOTSUPP;
        case CFG_LB_RDP_COOKIE:
        case CFG_LB_ROUNDROBIN:
        case CFG_LB_STATIC_RR:
        case CFG_LB_LEASTCONN:
        case CFG_LB_FIRST:
        case CFG_LB_SOURCE:
        case CFG_LB_URI:
        case CFG_LB_HDR:
        case CFG_LB_RANDOM:
                break;
        }
        n = (uint32_t)be->n_servers;
        lb->be = be;
        lb->recs = recs;
        lb->n_srv = n;
        lb->algo = be->balance.algo;
        lb->consistent = lb__is_hash_algo(lb->algo) && be->hash_type.method == CFG_HASH_CONSISTENT;
        lb->hdr_name_len = be->balance.arg ? strlen(be->balance.arg) : 0;
        lb->static_weights =
                lb->algo == CFG_LB_STATIC_RR || (lb__is_hash_algo(lb->algo) && !lb->consistent);

        lb->srv = calloc(n, sizeof(*lb->srv));
        lb->visit = calloc(n, sizeof(*lb->visit));
        lb->tier = calloc(n, sizeof(*lb->tier));
        lb->tier_w = calloc(n, sizeof(*lb->tier_w));
        lb->cw = calloc(n, sizeof(*lb->cw));
        lb->refused = calloc(LB_EXCLUDE_BYTES(n), 1);
        if (!lb->srv || !lb->visit || !lb->tier || !lb->tier_w || !lb->cw || !lb->refused)
                goto err_deinit;

        lb->gcd = 0;
        for (uint32_t i = 0; i < n; i++) {
                const struct cfg_server *s = &be->servers[i];

                lb->srv[i].maxconn = s->opts.maxconn;
                lb->srv[i].weight = SL_MIN(s->opts.weight, SRV_STATE_WEIGHT_MAX);
                lb->srv[i].id = s->id ? s->id : i + 1;
                lb->srv[i].backup = s->opts.flags & CFG_SRV_BACKUP;
                lb->gcd = lb__gcd(lb->gcd, lb->srv[i].weight);
        }
        if (lb->gcd == 0)
                lb->gcd = 1;
        for (uint32_t i = 0; i < n; i++)
                lb->visit[i] = i;
        if (lb->algo == CFG_LB_FIRST)
                lb__sort_by_id(lb);
        for (uint32_t i = 0; i < n; i++) {
                map_cap += lb->srv[i].weight / lb->gcd;
                ring_cap += (uint64_t)SL_MAX(lb->srv[i].weight, 1u) * LB_CHASH_SCALE;
        }

        if (lb__needs_map(lb)) {
                lb->map_cap = (uint32_t)SL_MAX(map_cap, 1);
                lb->map = calloc(lb->map_cap, sizeof(*lb->map));
                if (!lb->map)
                        goto err_deinit;
        }
        if (lb__needs_ring(lb)) {
                lb->ring_cap = (uint32_t)ring_cap;
                lb->ring = calloc(lb->ring_cap, sizeof(*lb->ring));
                if (!lb->ring)
                        goto err_deinit;
        }

        lb_seed(lb, (uint64_t)getpid() << 32 ^ sl_clock_us() ^ (uint64_t)(uintptr_t)lb);
        lb__rebuild(lb, srv_state_epoch(recs));
        if (!lb->built)
                goto err_deinit;
        return 0;

err_deinit:
        lb_deinit(lb);
        return r;
}

void lb_deinit(struct lb *lb)
{
        free(lb->srv);
        free(lb->visit);
        free(lb->order);
        free(lb->tier);
        free(lb->tier_w);
        free(lb->cw);
        free(lb->refused);
        free(lb->map);
        free(lb->ring);
        memset(lb, 0, sizeof(*lb));
}
