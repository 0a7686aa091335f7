#pragma once
/* Server selection for one backend in one worker: HAProxy's "balance" algorithms over the
 * backend's shared server records (shm/srv_state.h).
 *
 * Round robin (roundrobin, static-rr, and the map walk of map-based hashing without a key)
 * follows one sequence for the whole backend, whichever worker picks: the position in it is
 * one atomic counter in the backend's first shared record, taken with one atomic increment
 * per pick and no lock. Each worker maps a position to a server through a table it derives
 * from the shared weights and states, the same in every worker: for roundrobin the order in
 * which HAProxy's fwrr visits the servers (lb_fwrr.c), one cycle long; for static-rr HAProxy's
 * map. So consecutive picks, in any workers, make HAProxy's sequence. balance first has no
 * position: the first server by id with a free slot, where the slots are the shared
 * connection counts, is the same answer in every worker.
 *
 * Each worker builds one struct lb per backend from the configuration and the backend's slice
 * of the server-state table. Picking reads the shared weights, states and connection counts
 * and takes the connection slot on the chosen server atomically, so maxconn holds across all
 * workers; the caller gives the slot back with lb_release() when the server connection ends.
 * Derived structures (weighted map, hash ring, the list of servers in use) are rebuilt inside
 * lb_pick() whenever the table's epoch shows a weight or state change.
 *
 * Not thread-safe: one struct lb belongs to one worker's event loop. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lb_hash.h"
#include "model.h"

struct srv_state_rec;

/* Per-server data copied from the configuration at lb_init(). */
struct lb_srv {
        uint32_t maxconn; /* 0: unlimited */
        uint32_t weight;  /* configured weight */
        uint32_t id;      /* HAProxy's puid: places the server on the hash ring */
        bool backup;
};

struct lb {
        const struct cfg_proxy *be; /* borrowed: outlives the lb (the generation is held) */
        struct srv_state_rec *recs; /* borrowed: @n_srv records in shared memory */
        struct lb_srv *srv;         /* owned, @n_srv */
        uint32_t n_srv;
        enum cfg_balance_algo algo;
        bool consistent;     /* hash algorithms: ring rather than map */
        bool static_weights; /* static-rr and map-based hashing: configured weights */
        uint32_t gcd;        /* of the configured weights, for the map */
        size_t hdr_name_len; /* strlen(be->balance.arg) for balance hdr() */
        uint64_t epoch;      /* of the table when the structures below were built */
        bool built;          /* false until the first build, or after a failed one */

        uint32_t *visit;  /* owned, @n_srv: server indexes in the order the tier lists them:
                           * by id for balance first (HAProxy orders it by id), else as
                           * declared */
        uint32_t *tier;   /* owned: indexes of the servers in use, in @visit order */
        uint32_t *tier_w; /* owned: their weights for the algorithm */
        uint32_t n_tier;
        int64_t *cw;      /* owned, @n_srv: scores while building the map */
        uint32_t lc_next; /* leastconn: tier position where ties start */
        uint8_t *refused; /* owned, @n_srv bits: full servers seen in this pick */

        /* roundrobin: HAProxy's order of picks over the tier (lb_fwrr.c), server indexes,
         * one cycle; owned. Pick p takes order[p % order_len]. */
        uint32_t *order;
        uint32_t order_len;
        uint32_t *map; /* owned: weight-expanded server indexes (HAProxy lb_map) */
        uint32_t map_len, map_cap;
        uint64_t *ring; /* owned: sorted (point << 32 | server index) */
        uint32_t ring_len, ring_cap;
        uint32_t ring_rr; /* next ring position for the consistent hash fallback */

        uint64_t rng; /* wyrand state for balance random */
};

/* Bytes of an exclusion bitmap for @n servers; bit i (byte i / 8, bit i % 8) set: skip i. */
#define LB_EXCLUDE_BYTES(n) (((size_t)(n) + 7) / 8)

static inline void lb_exclude_set(uint8_t *bitmap, uint32_t idx)
{
        bitmap[idx / 8] |= (uint8_t)(1u << (idx % 8));
}

static inline bool lb_exclude_test(const uint8_t *bitmap, uint32_t idx)
{
        return bitmap && (bitmap[idx / 8] >> (idx % 8)) & 1u;
}

/* Set @recs[i] to the configured state of @be's server i (weight, disabled or without an
 * address: in maintenance) for every server.
 * Meant for the master right after srv_state_create(), before workers fork. */
void lb_init_states(const struct cfg_proxy *be, struct srv_state_rec *recs);

/* Build the balancer of backend @be (which must have servers) over @recs, @be->n_servers
 * records in shared memory, both borrowed and outliving @lb. The PRNG of balance random is
 * seeded from the pid and the clock; lb_seed() makes it reproducible. Returns 0, -EINVAL (no
 * servers), -EOPNOTSUPP (an algorithm sluice does not implement) or -ENOMEM; on failure @lb
 * needs no lb_deinit() but tolerates one. */
int lb_init(struct lb *lb, const struct cfg_proxy *be, struct srv_state_rec *recs);

/* Free what lb_init() allocated. Accepts a zeroed or failed @lb. Slots still held stay held. */
void lb_deinit(struct lb *lb);

void lb_seed(struct lb *lb, uint64_t seed);

/* Choose a server for a new server connection and take one of its connection slots.
 *
 * Returns the server index (0-based, into the backend's servers and @recs), or -1 when no
 * server can take the connection now. Only usable servers are chosen: UP, neither MAINT nor
 * DRAIN, effective weight above 0 (static-rr and map-based hashing: configured weight above
 * 0, as HAProxy ignores runtime weights there except 0). Backup servers are used only when no
 * non-backup server is usable, and then only the first usable backup by id (HAProxy without
 * option allbackups). @exclude (LB_EXCLUDE_BYTES(n) bytes, or NULL) names servers already
 * tried by this request: they are never returned, and when they are the only candidates the
 * result is -1 (the caller may retry without @exclude).
 *
 * A server at its maxconn is skipped by roundrobin, static-rr, leastconn and first and by
 * the round-robin fallback of the hashing algorithms; -1 when all are full. A hashing algorithm
 * whose key leads to a full server, and balance random whose best draw is full, return -1:
 * HAProxy would queue the request on that server or the backend, and sluice has no queue yet.
 *
 * On success the caller owns one slot on the server and must call lb_release() exactly once.
 * No allocation, except to grow the hash ring when runtime weights exceed the configured ones
 * (if that fails the previous ring stays in use and the rebuild is retried next pick). */
int lb_pick(struct lb *lb, const struct lb_key *key, const uint8_t *exclude);

/* Persistence (stick tables, cookies): take a slot on server @idx itself, if it is UP, not
 * in maintenance (unless @force: force-persist) and below its maxconn. A draining server or
 * one of weight 0 still takes persistent traffic, as in HAProxy. Returns @idx, or -1 (the
 * caller balances instead). */
int lb_take(struct lb *lb, uint32_t idx, bool force);

/* Give back the slot taken by lb_pick() for server @idx. */
void lb_release(struct lb *lb, int idx);

/* How many non-backup servers are usable now (HAProxy's srv_act), read from the shared
 * state; and whether server @idx is. */
uint32_t lb_n_active(const struct lb *lb);
bool lb_usable(const struct lb *lb, uint32_t idx);

/* For lb_pick.c (defined in lb.c): derive the tier, map and ring from the server-state table
 * at @epoch. When the ring cannot grow, the old ring stays, and so does the old epoch: the
 * next pick tries again. */
void lb__rebuild(struct lb *lb, uint64_t epoch);
