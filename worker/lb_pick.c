/* Choosing a server (see lb.h): the stream code calls lb_pick() when a request needs a server
 * (and again on retry or redispatch, with the servers already tried excluded), lb_take() for
 * persistence, and lb_release() when the server connection ends. Each algorithm walks the
 * tier, map or ring that lb.c built, rebuilding them first when the server-state table's
 * epoch moved. Connection counts are read live at each pick, never cached: other workers
 * change them. */
#include <stdint.h>
#include <string.h>

#include "lb.h"
#include "lb_hash.h"
#include "macros.h"
#include "srv_state.h"

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

/* Can any server of the tier take a connection, excluded and full ones aside? Checked
 * before taking shared positions, so that a pick that cannot succeed consumes none. */
static bool lb__any_candidate(const struct lb *lb, const uint8_t *exclude)
{
        for (uint32_t k = 0; k < lb->n_tier; k++)
                if (!lb_exclude_test(exclude, lb->tier[k]) && !lb__is_full(lb, lb->tier[k]))
                        return true;
        return false;
}

/* Follow the backend's shared sequence (@seq of @len server indexes, position p taking
 * seq[p % len]) from the shared position. A server that cannot take the connection (excluded,
 * full, or its last slot taken meanwhile) is passed over and its position consumed, as HAProxy
 * passes over a saturated server and moves on; one tried in vain is not tried again by this
 * pick, which ends when every server of the tier was. */
static int lb__pick_seq(struct lb *lb, const uint32_t *seq, uint32_t len, const uint8_t *exclude)
{
        uint32_t refused = 0;
        bool dirty = false;
        int ret = -1;

        if (len == 0 || !lb__any_candidate(lb, exclude))
                return -1;
        for (uint32_t n = 0; n < len && refused < lb->n_tier; n++) {
                uint32_t i = seq[srv_state_lb_next(lb->recs) % len];

                if (lb_exclude_test(lb->refused, i))
                        continue;
                if (!lb_exclude_test(exclude, i) && !lb__is_full(lb, i) && lb__take(lb, i)) {
                        ret = (int)i;
                        break;
                }
                lb__refuse(lb, i, &dirty);
                refused++;
        }
        lb__refused_clear(lb, dirty);
        return ret;
}

/* roundrobin: HAProxy's fwrr order (lb.c, lb_fwrr.c). */
static int lb__pick_rr(struct lb *lb, const uint8_t *exclude)
{
        return lb__pick_seq(lb, lb->order, lb->order_len, exclude);
}

/* static-rr, and the fallback of map-based hashing when the key is missing: the map in turn
 * (HAProxy map_get_server_rr()). */
static int lb__pick_map_rr(struct lb *lb, const uint8_t *exclude)
{
        return lb__pick_seq(lb, lb->map, lb->map_len, exclude);
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

/* The first server by id with a free slot (HAProxy fas_get_next_server()): the tier is in id
 * order, and the slots are counted in shared memory, so every worker gives the same answer. */
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
        case CFG_LB_RDP_COOKIE:
                return lb__pick_hash(lb, key, exclude);
        case CFG_LB_RANDOM:
                return lb__pick_random(lb, exclude);
        case CFG_LB_URL_PARAM:
        case CFG_LB_HASH:
                return -1;
        }
        return -1;
}

int lb_take(struct lb *lb, uint32_t idx, bool force)
{
        struct srv_state_rec *rec;

        if (idx >= lb->n_srv)
                return -1;
        rec = &lb->recs[idx];
        if ((!force &&
             (srv_state_op(rec) != SRV_OP_UP || (srv_state_admin(rec) & SRV_ADMIN_ANY_MAINT))) ||
            !srv_state_try_acquire(rec, lb->srv[idx].maxconn))
                return -1;
        return (int)idx;
}

uint32_t lb_n_active(const struct lb *lb)
{
        uint32_t n = 0;

        for (uint32_t i = 0; i < lb->n_srv; i++)
                n += !lb->srv[i].backup && srv_state_usable(&lb->recs[i]);
        return n;
}

bool lb_usable(const struct lb *lb, uint32_t idx)
{
        return idx < lb->n_srv && srv_state_usable(&lb->recs[idx]);
}

void lb_release(struct lb *lb, int idx)
{
        SL_BUG_ON(idx < 0 || (uint32_t)idx >= lb->n_srv);
        srv_state_release(&lb->recs[idx]);
}
