/* Load balancing: HAProxy's "balance" algorithms for one backend in one worker. The stream
 * code calls lb_pick() when a request needs a server (and again on retry or redispatch, with
 * the servers already tried excluded) and lb_release() when the server connection ends.
 *
 * Shared inputs live in shm/srv_state (weights, states, connection counts of all workers);
 * everything derived from them is per worker and rebuilt when the table's epoch moves:
 *   - the tier: the usable non-backup servers, or else the first usable backup (HAProxy's
 *     srv_act / fbck), with each one's weight for the algorithm;
 *   - the map (static-rr, hash-type map-based): HAProxy's lb_map table, each server repeated
 *     weight/gcd times and interleaved, so a hash picks map[hash % size];
 *   - the ring (hash-type consistent, random): HAProxy's lb_chash points, 16 per weight unit,
 *     at full_hash(id * 4096 + n), sorted for binary search.
 * Connection counts are read live at each pick, never cached: other workers change them. */
#include "lb.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "macros.h"
#include "srv_state.h"

#define LB_CHASH_SCALE 16u   /* ring points per weight unit (HAProxy BE_WEIGHT_SCALE) */
#define LB_CHASH_RANGE 4096u /* point keys per server id (HAProxy SRV_EWGHT_RANGE) */

/* ---- building ---- */

static bool lb__is_hash_algo(enum cfg_balance_algo a)
{
        return a == CFG_LB_SOURCE || a == CFG_LB_URI || a == CFG_LB_HDR;
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
static uint32_t lb__algo_weight(const struct lb *lb, uint32_t i)
{
        const struct srv_state_rec *rec = &lb->recs[i];

        if (!srv_state_usable(rec))
                return 0;
        /* Static algorithms ignore runtime weights except 0 (HAProxy refuses other changes
         * for them); the map is reduced by the gcd of the configured weights, as HAProxy's. */
        if (lb->static_weights)
                return lb->srv[i].weight / lb->gcd;
        return srv_state_weight(rec);
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
        if (lb->map_rr >= tot)
                lb->map_rr = 0;
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

static void lb__rebuild(struct lb *lb, uint64_t epoch)
{
        uint32_t n = 0, w;
        int backup = -1;

        for (uint32_t i = 0; i < lb->n_srv; i++) {
                w = lb__algo_weight(lb, i);
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
                lb->tier_w[0] = lb__algo_weight(lb, (uint32_t)backup);
                n = 1;
        }

        /* A server leaving the round-robin restarts from 0 when it comes back, as a new one. */
        for (uint32_t k = 0; k < n; k++)
                lb_exclude_set(lb->refused, lb->tier[k]);
        for (uint32_t i = 0; i < lb->n_srv; i++)
                if (!lb_exclude_test(lb->refused, i))
                        lb->cw[i] = 0;
        memset(lb->refused, 0, LB_EXCLUDE_BYTES(lb->n_srv));

        lb->n_tier = n;
        if (lb->lc_next >= n)
                lb->lc_next = 0;
        if (lb__needs_map(lb))
                lb__build_map(lb);
        if (lb__needs_ring(lb) && lb__build_ring(lb) < 0)
                return; /* keep the old ring and the old epoch: retried next pick */
        lb->epoch = epoch;
        lb->built = true;
}

/* ---- picking ---- */

/* Take a slot on server @i if it is still usable: the state may have changed since the last
 * rebuild, in another process. */
static bool lb__take(struct lb *lb, uint32_t i)
{
        struct srv_state_rec *rec = &lb->recs[i];

        return srv_state_usable(rec) && srv_state_try_acquire(rec, lb->srv[i].maxconn);
}

static bool lb__skip(const struct lb *lb, uint32_t i, const uint8_t *exclude)
{
        return lb_exclude_test(exclude, i) || lb_exclude_test(lb->refused, i);
}

static bool lb__is_full(const struct lb *lb, uint32_t i)
{
        return lb->srv[i].maxconn && srv_state_cur_conns(&lb->recs[i]) >= lb->srv[i].maxconn;
}

static void lb__refuse(struct lb *lb, uint32_t i, bool *dirty)
{
        lb_exclude_set(lb->refused, i);
        *dirty = true;
}

static void lb__refused_clear(struct lb *lb, bool dirty)
{
        if (dirty)
                memset(lb->refused, 0, LB_EXCLUDE_BYTES(lb->n_srv));
}

/* Smooth weighted round robin (nginx): every candidate gains its weight, the richest wins and
 * pays the total. Weights 3:1 give A A B A, 5:1:1 give A A B A C A A: exact proportions over
 * every cycle of sum(weights) picks, with the picks of a server spread out. */
static int lb__pick_rr(struct lb *lb, const uint8_t *exclude)
{
        bool dirty = false;
        int ret = -1;

        for (uint32_t attempt = 0; attempt < lb->n_tier; attempt++) {
                int64_t total = 0;
                int best = -1;

                for (uint32_t k = 0; k < lb->n_tier; k++) {
                        uint32_t i = lb->tier[k];

                        if (lb__skip(lb, i, exclude) || lb__is_full(lb, i))
                                continue;
                        lb->cw[i] += lb->tier_w[k];
                        total += lb->tier_w[k];
                        if (best < 0 || lb->cw[i] > lb->cw[best])
                                best = (int)i;
                }
                if (best < 0)
                        break;
                lb->cw[best] -= total;
                if (lb__take(lb, (uint32_t)best)) {
                        ret = best;
                        break;
                }
                /* Lost a race for its last slot: as if it had been full. */
                lb__refuse(lb, (uint32_t)best, &dirty);
        }
        lb__refused_clear(lb, dirty);
        return ret;
}

/* Walk the map from the last position (HAProxy map_get_server_rr()): static-rr, and the
 * fallback of map-based hashing when the key is missing. */
static int lb__pick_map_rr(struct lb *lb, const uint8_t *exclude)
{
        uint32_t pos = lb->map_rr < lb->map_len ? lb->map_rr : 0;
        bool dirty = false;
        int ret = -1;

        for (uint32_t n = 0; n < lb->map_len; n++) {
                uint32_t i = lb->map[pos];

                pos = pos + 1 == lb->map_len ? 0 : pos + 1;
                if (lb__skip(lb, i, exclude))
                        continue;
                if (lb__take(lb, i)) {
                        lb->map_rr = pos;
                        ret = (int)i;
                        break;
                }
                lb__refuse(lb, i, &dirty);
        }
        lb__refused_clear(lb, dirty);
        return ret;
}

/* Walk the ring one point at a time (HAProxy chash_get_next_server()): the fallback of
 * consistent hashing when the key is missing. */
static int lb__pick_ring_rr(struct lb *lb, const uint8_t *exclude)
{
        uint32_t pos = lb->ring_rr < lb->ring_len ? lb->ring_rr : 0;
        bool dirty = false;
        int ret = -1;

        for (uint32_t n = 0; n < lb->ring_len; n++) {
                uint32_t i = (uint32_t)lb->ring[pos];

                pos = pos + 1 == lb->ring_len ? 0 : pos + 1;
                if (lb__skip(lb, i, exclude))
                        continue;
                if (lb__take(lb, i)) {
                        lb->ring_rr = pos;
                        ret = (int)i;
                        break;
                }
                lb__refuse(lb, i, &dirty);
        }
        lb__refused_clear(lb, dirty);
        return ret;
}

/* Fewest connections relative to weight (cur_i / w_i, compared by cross-multiplication);
 * ties go to the first candidate after the previous pick, so equal servers alternate. O(n)
 * per pick: the counts change in every worker, a per-worker ordered tree would be stale. */
static int lb__pick_leastconn(struct lb *lb, const uint8_t *exclude)
{
        bool dirty = false;
        int ret = -1;

        for (uint32_t attempt = 0; attempt < lb->n_tier; attempt++) {
                uint64_t best_cur = 0, best_w = 1;
                uint32_t best_pos = 0;
                int best = -1;

                for (uint32_t j = 0, k = lb->lc_next; j < lb->n_tier; j++) {
                        uint32_t i = lb->tier[k];
                        uint64_t cur, w = lb->tier_w[k];

                        if (!lb__skip(lb, i, exclude) && !lb__is_full(lb, i)) {
                                cur = srv_state_cur_conns(&lb->recs[i]);
                                if (best < 0 || cur * best_w < best_cur * w) {
                                        best = (int)i;
                                        best_cur = cur;
                                        best_w = w;
                                        best_pos = k;
                                }
                        }
                        k = k + 1 == lb->n_tier ? 0 : k + 1;
                }
                if (best < 0)
                        break;
                if (lb__take(lb, (uint32_t)best)) {
                        lb->lc_next = best_pos + 1 == lb->n_tier ? 0 : best_pos + 1;
                        ret = best;
                        break;
                }
                lb__refuse(lb, (uint32_t)best, &dirty);
        }
        lb__refused_clear(lb, dirty);
        return ret;
}

/* The first server by id with a free slot (HAProxy fas_get_next_server()). */
static int lb__pick_first(struct lb *lb, const uint8_t *exclude)
{
        for (uint32_t k = 0; k < lb->n_tier; k++) {
                uint32_t i = lb->tier[k];

                if (!lb_exclude_test(exclude, i) && lb__take(lb, i))
                        return (int)i;
        }
        return -1;
}

static bool lb__lookup_ok(const struct lb *lb, uint32_t i, const uint8_t *exclude)
{
        return !lb_exclude_test(exclude, i) && srv_state_usable(&lb->recs[i]);
}

/* map[hash % size]; an excluded server gives way to the next one in the map. */
static int lb__map_lookup(const struct lb *lb, uint32_t hash, const uint8_t *exclude)
{
        uint32_t pos;

        if (lb->map_len == 0)
                return -1;
        pos = hash % lb->map_len;
        for (uint32_t n = 0; n < lb->map_len; n++) {
                uint32_t i = lb->map[pos];

                if (lb__lookup_ok(lb, i, exclude))
                        return (int)i;
                pos = pos + 1 == lb->map_len ? 0 : pos + 1;
        }
        return -1;
}

/* HAProxy chash_get_server_hash(): the point closest to @hash on either side (the lower one
 * on a tie), then forward past excluded servers. O(log points). */
static int lb__ring_lookup(const struct lb *lb, uint32_t hash, const uint8_t *exclude)
{
        uint32_t lo = 0, hi = lb->ring_len, next, prev, pos;

        if (lb->ring_len == 0)
                return -1;
        while (lo < hi) {
                uint32_t mid = lo + (hi - lo) / 2;

                if ((uint32_t)(lb->ring[mid] >> 32) < hash)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        next = lo == lb->ring_len ? 0 : lo;
        prev = next == 0 ? lb->ring_len - 1 : next - 1;
        pos = next;
        if ((uint32_t)lb->ring[next] != (uint32_t)lb->ring[prev]) {
                uint32_t dp = hash - (uint32_t)(lb->ring[prev] >> 32);
                uint32_t dn = (uint32_t)(lb->ring[next] >> 32) - hash;

                if (dp <= dn)
                        pos = prev;
        }
        for (uint32_t n = 0; n < lb->ring_len; n++) {
                uint32_t i = (uint32_t)lb->ring[pos];

                if (lb__lookup_ok(lb, i, exclude))
                        return (int)i;
                pos = pos + 1 == lb->ring_len ? 0 : pos + 1;
        }
        return -1;
}

static int lb__pick_hash(struct lb *lb, const struct lb_key *key, const uint8_t *exclude)
{
        uint32_t h;
        int i;

        if (!lb_hash_key(lb->be, lb->hdr_name_len, key, &h))
                return lb->consistent ? lb__pick_ring_rr(lb, exclude)
                                      : lb__pick_map_rr(lb, exclude);
        i = lb->consistent ? lb__ring_lookup(lb, h, exclude) : lb__map_lookup(lb, h, exclude);
        if (i < 0 || !lb__take(lb, (uint32_t)i))
                return -1;
        return i;
}

/* wyrand: one multiply per draw, passes BigCrush; per worker, never shared. */
static uint64_t lb__rand(struct lb *lb)
{
        __uint128_t t;

        lb->rng += 0xa0761d6478bd642full;
        t = (__uint128_t)lb->rng * (lb->rng ^ 0xe7037ed1a0b428dbull);
        return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

/* HAProxy get_server_rnd(): N random points on the ring (so weighted), keep the least loaded
 * relative to weight, a later draw winning ties; a full winner means "queue", here -1. */
static int lb__pick_random(struct lb *lb, const uint8_t *exclude)
{
        unsigned draws = lb->be->balance.random_draws ? lb->be->balance.random_draws : 2;
        uint64_t best_cur = 0, best_w = 1;
        int best = -1;

        for (unsigned d = 0; d < draws; d++) {
                int i = lb__ring_lookup(lb, (uint32_t)(lb__rand(lb) >> 32), exclude);
                uint64_t cur, w;

                if (i < 0)
                        break;
                cur = srv_state_cur_conns(&lb->recs[i]);
                w = srv_state_weight(&lb->recs[i]);
                if (best >= 0 && i != best && cur * best_w > best_cur * w)
                        continue;
                best = i;
                best_cur = cur;
                best_w = w ? w : 1;
        }
        if (best < 0 || lb__is_full(lb, (uint32_t)best) || !lb__take(lb, (uint32_t)best))
                return -1;
        return best;
}

int lb_pick(struct lb *lb, const struct lb_key *key, const uint8_t *exclude)
{
        uint64_t epoch;

        if (lb->n_srv == 0)
                return -1;
        epoch = srv_state_epoch(lb->recs);
        if (!lb->built || epoch != lb->epoch)
                lb__rebuild(lb, epoch);
        if (lb->n_tier == 0)
                return -1;

        switch (lb->algo) {
        case CFG_LB_ROUNDROBIN:
                return lb__pick_rr(lb, exclude);
        case CFG_LB_STATIC_RR:
                return lb__pick_map_rr(lb, exclude);
        case CFG_LB_LEASTCONN:
                return lb__pick_leastconn(lb, exclude);
        case CFG_LB_FIRST:
                return lb__pick_first(lb, exclude);
        case CFG_LB_SOURCE:
        case CFG_LB_URI:
        case CFG_LB_HDR:
                return lb__pick_hash(lb, key, exclude);
        case CFG_LB_RANDOM:
                return lb__pick_random(lb, exclude);
        case CFG_LB_URL_PARAM:
        case CFG_LB_RDP_COOKIE:
        case CFG_LB_HASH:
                return -1;
        }
        return -1;
}

int lb_take(struct lb *lb, uint32_t idx)
{
        struct srv_state_rec *rec;

        if (idx >= lb->n_srv)
                return -1;
        rec = &lb->recs[idx];
        if (srv_state_op(rec) != SRV_OP_UP || (srv_state_admin(rec) & SRV_ADMIN_MAINT) ||
            !srv_state_try_acquire(rec, lb->srv[idx].maxconn))
                return -1;
        return (int)idx;
}

void lb_release(struct lb *lb, int idx)
{
        SL_BUG_ON(idx < 0 || (uint32_t)idx >= lb->n_srv);
        srv_state_release(&lb->recs[idx]);
}

/* ---- lifecycle ---- */

void lb_init_states(const struct cfg_proxy *be, struct srv_state_rec *recs)
{
        for (size_t i = 0; i < be->n_servers; i++)
                srv_state_rec_init(&recs[i], be->servers[i].opts.weight,
                                   be->servers[i].opts.flags & CFG_SRV_DISABLED);
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
        case CFG_LB_RDP_COOKIE:
        case CFG_LB_HASH:
                return -EOPNOTSUPP;
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
        lb->tier = calloc(n, sizeof(*lb->tier));
        lb->tier_w = calloc(n, sizeof(*lb->tier_w));
        lb->cw = calloc(n, sizeof(*lb->cw));
        lb->refused = calloc(LB_EXCLUDE_BYTES(n), 1);
        if (!lb->srv || !lb->tier || !lb->tier_w || !lb->cw || !lb->refused)
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
        free(lb->tier);
        free(lb->tier_w);
        free(lb->cw);
        free(lb->refused);
        free(lb->map);
        free(lb->ring);
        memset(lb, 0, sizeof(*lb));
}
