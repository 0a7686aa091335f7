#pragma once
/* Stick tables (HAProxy's stktable) in shared memory: a fixed-capacity open-addressing hash
 * table of fixed-size entries in one memfd region (kind STKT_KIND), shared by every worker.
 * Each entry holds a key, an expiry, an access stamp for LRU eviction, a count of tracking
 * references and the data types chosen by the table's store mask (counters and rates).
 *
 * Layout: a header (definition, data offsets, statistics), then 2^n slots of entry_size bytes.
 * An entry is a 32-byte head, the key (rounded up to 8 bytes, zero padded) and the data area;
 * data types sit at offsets computed once at creation and stored in the header. Nothing in the
 * region is a pointer.
 *
 * Slot word: one 64-bit atomic holds the state, an 8-bit tag of the key's hash, the tracking
 * reference count (22 more hash bits while INSERTING, when there can be no reference) and a
 * 32-bit stamp (the claim time, in ms, of the current incarnation):
 *
 *   EMPTY      never used; ends every probe sequence (slots never go back to EMPTY)
 *   INSERTING  claimed by an inserter writing the key and clearing the data; readers skip it
 *   LIVE       key immutable until the slot leaves LIVE; data updated with atomics
 *   DELETED    tombstone left by expiry, eviction or an abandoned insertion; reusable
 *
 * Every state change is a CAS on that word, so a reference taken and an eviction or expiry
 * decided concurrently cannot both succeed: eviction and expiry CAS from a word whose count is
 * 0, and a reference CAS bumps the count of the incarnation it saw.
 *
 * Crash safety: no locks. A process killed at any instruction can leave behind:
 *  - a slot INSERTING forever. The claim word carries the claim time (the inserter's @now),
 *    and once STKT_CLAIM_STALE_MS have passed by the clock of whoever looks, the next inserter
 *    probing over it or the sweeper reclaims it; until then other keys probe past it. The
 *    time bound was chosen over a pid in the word (no room next to the hash bits, pids are
 *    reused, and a stopped process is alive): it needs no system call and holds across pid
 *    namespaces. Writing the key before claiming is impossible without owning the slot.
 *    The cost: an inserter alive but stalled longer than the bound in the middle of an
 *    insertion loses its claim (its final CAS fails, it retries elsewhere), and the key bytes
 *    it may still write land in the new owner's entry, which lookups then no longer match
 *    (tag in the word, full hash and key are all compared): one entry lost until it expires.
 *  - tracking references it held: they stay counted and pin the entry (never expired or
 *    evicted) until stkt_unref() is called for them; the master may do so once it knows.
 *  - a counter or rate update half-applied: each is one atomic operation, so at worst it is
 *    missing; rate rotations have the bounded races described in freq.h.
 *
 * Lookups are lock-free: probe at most STKT_PROBE_MAX slots (or the capacity) from the hash
 * home, skipping everything but LIVE slots whose tag matches, compare the key with relaxed
 * atomic loads, then re-read the word to make sure the incarnation did not change meanwhile.
 *
 * Eviction: when the probe window of a new key holds no EMPTY, tombstone, expired or stale
 * slot, the inserter evicts the LIVE entry of that window with the oldest access stamp among
 * those with no tracking reference and no current connection (conn_cur 0, when stored): an
 * approximate LRU whose candidates are the slots the key may live in anyway. When all of them
 * are in use the insertion is refused (-ENOSPC) and counted.
 *
 * Duplicates: an inserter finding an INSERTING slot whose 30 hash bits match its key's waits
 * for it, briefly, then answers -EAGAIN; so two processes inserting the same new key meet on
 * one slot. Both can still succeed at different slots only if an entry in their probe window
 * is removed between their scans; lookups then return the first copy in probe order and the
 * other one expires. A claim abandoned by a dead process makes inserters of that same key
 * answer -EAGAIN until it is reclaimed; other keys probe past it.
 *
 * Indexes: an index returned by a lookup is valid until the entry expires or is evicted; the
 * sweeper or an inserter may reuse the slot for another key at any time after that. A caller
 * that keeps an index (a tracked connection) takes a reference with stkt_track() or
 * stkt_ref(), which pins the entry until stkt_unref().
 *
 * Updates (tables synced with peers, stkt_def.sync): the process that owns the peer links
 * must learn which entries changed, in order, without a lock, a list or a scan per change.
 * Every entry has an update sequence; the header has the last sequence given out and a ring
 * of (sequence, slot) pairs. A change through any view (counters, rates, expiry) gives the
 * entry the next sequence and writes it into the ring, unless the entry already holds a
 * sequence beyond the owner's horizon (the last sequence whose entry the owner has started
 * to read): then the owner has still to read that entry and will see this change too. So a
 * hot entry costs one sequence per owner pass, not one per request, and the ring only
 * overflows when the owner falls behind by STKT_RING_MAX distinct changes (or the ring of a
 * small table): its reader then scans the table (stkt_upd_collect()). A changer and the owner
 * order themselves with one fence each (Dekker's pattern: the changer writes data then reads
 * the horizon, the owner writes the horizon then reads data, so at least one sees the other).
 * An entry changed again gets a higher sequence, and the reader skips ring slots whose entry
 * holds another sequence than the slot. A process killed between taking a sequence and
 * writing its ring slot leaves the slot unwritten: its reader waits, then scans. Changes the
 * owner applies for a peer go through a quiet view (stkt_set_quiet()) and are not marked, so
 * they are not sent back. The header also keeps, per peer position (stkt_pos()), the last
 * sequence that peer acknowledged, so that a new owner after a reload or a respawn resumes
 * where the old one stopped. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stkt_types.h"

struct shm_region;
struct stkt;

#define STKT_KIND           "stick-table"
#define STKT_LAYOUT         2u               /* bump when the header or entry layout changes */
#define STKT_MAX_SLOTS      (1u << 28)       /* capacity limit, after rounding */
#define STKT_KEY_MAX        1024u            /* longest string/binary key, bytes */
#define STKT_PROBE_MAX      64u              /* slots probed from the hash home */
#define STKT_CLAIM_STALE_MS 1000u            /* an INSERTING slot older than this is reclaimable */
#define STKT_REFS_MAX       ((1u << 22) - 1) /* tracking references per entry */
#define STKT_RING_MIN       1024u            /* update ring slots of a synced table, at least */
#define STKT_RING_MAX       65536u           /* and at most (else one per entry) */
#define STKT_POS_MAX        32u              /* peer positions kept in a synced table */
#define STKT_CONTRIB_MAX    31u              /* other nodes' contributions per entry, at most */

/* Slot states, as stkt_slot_state() reports them. */
enum stkt_slot_state {
        STKT_ST_EMPTY = 0,
        STKT_ST_INSERTING,
        STKT_ST_LIVE,
        STKT_ST_DELETED,
};

/* What a table is: everything here goes into the header, and the caller's @definition hash
 * passed to stkt_create() should cover it. */
struct stkt_def {
        uint32_t size; /* entries wanted; rounded up to a power of two */
        enum stkt_key_type key_type;
        uint32_t key_len;               /* STRING/BINARY: 1 .. STKT_KEY_MAX; else ignored */
        uint32_t store;                 /* STKT_F(STKT_DT_*) set */
        uint32_t period[STKT_DT_COUNT]; /* ms, 1 .. FREQ_PERIOD_MAX, for stored rate types */
        uint32_t expire_ms;             /* lifetime after the last touch; 0: forever */
        bool nopurge;                   /* when full, refuse new keys instead of evicting */
        bool sync;                      /* synced with peers: changes are sequenced */
        uint32_t
                contrib; /* synced: blocks for other nodes' contributions (0 .. STKT_CONTRIB_MAX) */
};

/* A key to look up or insert: @len bytes at @data (4 for IPV4, 16 for IPV6, 8 for INTEGER,
 * 0 .. key_len for STRING/BINARY; a string key is its bytes without a NUL). */
struct stkt_key {
        const void *data; /* borrowed for the duration of the call */
        uint32_t len;
};

/* Statistics kept in the header, summed over every process. */
struct stkt_stats {
        uint64_t inserts;     /* entries created */
        uint64_t evictions;   /* LIVE entries evicted to make room */
        uint64_t refused;     /* insertions refused: probe window full of entries in use */
        uint64_t expirations; /* entries removed because their expiry passed */
        uint64_t reclaims;    /* INSERTING slots reclaimed after STKT_CLAIM_STALE_MS */
};

/* Create a table described by @def in a new region stamped with @definition (the caller's hash
 * of @def and of whatever gives the table its meaning). Returns 0 with the region (owned by the
 * caller, freed with shm_region_free() after stkt_free()) and a view of the table (owned, valid
 * while the region is mapped), or -EINVAL for a bad definition, -errno from shm_region_create(). */
int stkt_create(const struct stkt_def *def, uint64_t definition, struct shm_region **ret_region,
                struct stkt **ret_table);

/* A view of the table inside @r (from shm_region_open() with STKT_KIND, or inherited across
 * fork()). Returns 0 with the view (owned by the caller), -EPROTO when the payload is not a
 * table of this layout, or -ENOMEM. */
int stkt_attach(struct shm_region *r, struct stkt **ret_table);

/* Another view of the same table (a quiet one for the peer links, say), or NULL when out of
 * memory. */
struct stkt *stkt_dup(const struct stkt *t);

/* Free a view (not the region); accepts NULL; returns NULL. */
struct stkt *stkt_free(struct stkt *t);

/* Number of slots (a power of two) and the stored definition's fields. */
uint32_t stkt_capacity(const struct stkt *t);
uint32_t stkt_store(const struct stkt *t);

/* The stored definition into *ret (size: the capacity after rounding; key_len: the longest
 * key, also for fixed-size key types; period: 0 for types not stored). */
void stkt_definition(const struct stkt *t, struct stkt_def *ret);

/* The slot index holding @key, LIVE and not expired at @now, or -1 (also for a key of the
 * wrong size). Lock-free; does not touch the entry. */
int64_t stkt_lookup(struct stkt *t, const struct stkt_key *key, uint64_t now);

/* Find @key or create it (data zeroed, expiry now + expire_ms, access stamp @now). Returns 0
 * and *ret_idx for an existing entry, 1 and *ret_idx for a new one, -EINVAL for a key of the
 * wrong size, -ENOSPC when the probe window is full of entries in use (counted as refused),
 * -EAGAIN when an insertion of what may be the same key by another process is still in
 * progress after a short wait (retry later). */
int stkt_get_or_insert(struct stkt *t, const struct stkt_key *key, uint64_t now, uint32_t *ret_idx);

/* stkt_get_or_insert() that also takes one tracking reference on the entry, atomically with
 * finding it, so it cannot expire or be evicted before the caller holds it. Same results; the
 * caller owes one stkt_unref() on success. */
int stkt_track(struct stkt *t, const struct stkt_key *key, uint64_t now, uint32_t *ret_idx);

/* Take one more reference on an entry the caller already holds (or just looked up). Returns 0,
 * -ESTALE when the slot is not LIVE any more, -EOVERFLOW at STKT_REFS_MAX, -EINVAL. */
int stkt_ref(struct stkt *t, uint32_t idx);

/* Drop one reference. Returns 0, or -EINVAL when the slot holds none (ignored). */
int stkt_unref(struct stkt *t, uint32_t idx);

/* Tracking references on @idx now (0 unless LIVE). */
uint32_t stkt_refs(const struct stkt *t, uint32_t idx);

/* Mark @idx accessed at @now: expiry becomes now + expire_ms, LRU stamp @now. */
void stkt_touch(struct stkt *t, uint32_t idx, uint64_t now);

/* Expiry of @idx in ms. */
uint64_t stkt_expire(const struct stkt *t, uint32_t idx);

/* State of slot @idx (diagnostics, dumps, tests). */
enum stkt_slot_state stkt_slot_state(const struct stkt *t, uint32_t idx);

/* Remove LIVE entry @idx now, as an operator's "clear table" does: it becomes a tombstone
 * unless it is in use. Returns 0, -EBUSY when it holds tracking references or a current
 * connection (conn_cur > 0, when stored), -ESTALE when the slot is not LIVE, -EINVAL. */
int stkt_remove(struct stkt *t, uint32_t idx);

/* Copy the key of LIVE slot @idx into @buf (@size bytes) and return its length, or -ESTALE
 * when the slot is not LIVE, -ENOBUFS when @size is too small. */
int stkt_key_copy(const struct stkt *t, uint32_t idx, void *buf, size_t size);

/* Counter data types (not rates). stkt_add() adds @v atomically (SERVER_ID and GPT0 wrap as
 * 32-bit), stkt_dec() subtracts 1 saturating at 0, stkt_set() stores @v, stkt_get() reads into
 * *ret (SERVER_ID sign-extended). Each returns 0, -ENOENT when the table does not store
 * @type, or -EINVAL for a rate type or an index out of range.
 *
 * Contributions (stkt_def.contrib): an entry also keeps, per other node of the cluster, that
 * node's own counts (a block shaped as the data area), which only the peer links write. For
 * every type but server_id and gpt0 (the last writer's), stkt_get() and stkt_rate_read()
 * return this node's count plus every other node's: the cluster's. stkt_add(), stkt_dec()
 * and stkt_set() change this node's count; stkt_get_local() reads it. */
int stkt_add(struct stkt *t, uint32_t idx, enum stkt_data_type type, uint64_t v);
int stkt_dec(struct stkt *t, uint32_t idx, enum stkt_data_type type);
int stkt_set(struct stkt *t, uint32_t idx, enum stkt_data_type type, uint64_t v);
int stkt_get(const struct stkt *t, uint32_t idx, enum stkt_data_type type, uint64_t *ret);
int stkt_get_local(const struct stkt *t, uint32_t idx, enum stkt_data_type type, uint64_t *ret);

/* Rate data types: stkt_rate_update() counts @inc events at @now, stkt_rate_read() reads the
 * events over the type's period at @now into *ret (freq.h). Same results as above, -EINVAL for
 * a counter type. */
int stkt_rate_update(struct stkt *t, uint32_t idx, enum stkt_data_type type, uint32_t inc,
                     uint64_t now);
int stkt_rate_read(const struct stkt *t, uint32_t idx, enum stkt_data_type type, uint64_t now,
                   uint32_t *ret);

/* Examine up to @budget slots (capped to the capacity), continuing where the previous call
 * from any process stopped: LIVE entries expired at @now with no reference become tombstones,
 * INSERTING slots older than STKT_CLAIM_STALE_MS are reclaimed. Concurrent sweepers take
 * disjoint ranges. Returns the number of entries expired. */
uint32_t stkt_sweep(struct stkt *t, uint64_t now, uint32_t budget);

void stkt_stats(const struct stkt *t, struct stkt_stats *ret);

/* Copy the entries of @src alive at @now into @dst, a table with a new definition: only when
 * both have the same key type, and keys no longer than @dst's key length. Counters stored in
 * both are copied; rates start afresh (their periods may differ). Returns the number of
 * entries copied (-1 when the key types differ). */
int64_t stkt_carry(struct stkt *dst, const struct stkt *src, uint64_t now);

/* Updates of synced tables (see "Updates" above). */
struct stkt_upd {
        uint64_t seq; /* the entry's update sequence */
        uint32_t idx; /* its slot */
};

struct stkt_freq {
        uint32_t curr_tick; /* ms (low 32 bits) when the current period started */
        uint32_t curr_ctr;
        uint32_t prev_ctr;
};

struct stkt_upd_stats {
        uint64_t head;    /* last sequence given out */
        uint64_t horizon; /* the owner has read entries up to this sequence */
        uint64_t lost;    /* times a reader fell behind the ring and had to scan */
        uint32_t ring;    /* ring slots */
};

/* Does @t sequence its changes (created with def.sync)? */
bool stkt_synced(const struct stkt *t);

/* Changes through view @t are not sequenced (the peer link owner's view, which applies what
 * peers send). */
void stkt_set_quiet(struct stkt *t, bool quiet);

/* The last sequence given out (0 for a table not synced). */
uint64_t stkt_upd_head(const struct stkt *t);

/* The next change after *@cursor: returns 1 with the entry and its sequence in *@ret (and
 * *@cursor advanced to it; the caller reads the entry now), 0 when there is none (*@cursor
 * may have advanced over superseded slots), -EAGAIN when the next slot is not written yet
 * (a changer is between its two steps: retry; if it stays so for long, its process died:
 * scan), -ESPIPE when the ring was written over beyond *@cursor (scan). */
int stkt_upd_next(struct stkt *t, uint64_t *cursor, struct stkt_upd *ret);

/* Scan: every LIVE entry alive at @now whose sequence is above @after (every LIVE entry when
 * @after is STKT_UPD_ALL, changed here or not: a full resync), sorted by sequence, into *@ret
 * (allocated, the caller frees it) and *@ret_n, and in *@ret_head the head read before the
 * scan (continue with stkt_upd_next() from there). Returns 0 or -ENOMEM. */
#define STKT_UPD_ALL UINT64_MAX
int stkt_upd_collect(struct stkt *t, uint64_t after, uint64_t now, uint64_t *ret_head,
                     struct stkt_upd **ret, size_t *ret_n);

/* The incarnation of LIVE slot @idx (changes whenever the slot is freed or reused), 0 when it
 * is not LIVE: read it before and after reading an entry to know the reads belong together. */
uint64_t stkt_incarnation(const struct stkt *t, uint32_t idx);

/* A rate's raw counter, as the peers protocol sends it, and setting it from one. Same results
 * as stkt_rate_read(). */
int stkt_freq_get(const struct stkt *t, uint32_t idx, enum stkt_data_type type,
                  struct stkt_freq *ret);
int stkt_freq_set(struct stkt *t, uint32_t idx, enum stkt_data_type type,
                  const struct stkt_freq *v);

/* Set the expiry of @idx to @expire ms (ignored for a table without expiry) and its access
 * stamp to @now. */
void stkt_set_expire(struct stkt *t, uint32_t idx, uint64_t expire, uint64_t now);

/* The position named @id (non-zero; the owner's hash of the peer's section and name) in a
 * synced table: found or taken. Returns its index, -ENOSPC when STKT_POS_MAX are taken,
 * -EINVAL. */
int stkt_pos(struct stkt *t, uint64_t id);
uint64_t stkt_pos_acked(const struct stkt *t, int pos);
void stkt_pos_set_acked(struct stkt *t, int pos, uint64_t seq);

/* The position named @id if some owner took it, else -ENOENT (-EINVAL: not synced, id 0). */
int stkt_pos_find(const struct stkt *t, uint64_t id);

/* The name of peer @peer of peers section @section as a position id: what the owner of the
 * links and the master's metrics both call it. */
uint64_t stkt_pos_id(const char *section, const char *peer);

/* The link's counters, kept with the position so that they never go back on a reload or a
 * respawn of the owner: updates sent and received, whether the link is up, how many times
 * it came up. */
struct stkt_pos_stats {
        uint64_t acked, tx, rx;
        uint32_t conns;
        bool up;
};
void stkt_pos_count(struct stkt *t, int pos, uint64_t tx, uint64_t rx);
void stkt_pos_set_up(struct stkt *t, int pos, bool up);
void stkt_pos_stats(const struct stkt *t, int pos, struct stkt_pos_stats *ret);

void stkt_upd_stats(const struct stkt *t, struct stkt_upd_stats *ret);

/* Whether the table's content was learnt from a peer since it was created (a resync), and
 * marking it so: a new owner of the peer links after a reload or a respawn does not ask for
 * one again. False for a table not synced. */
bool stkt_learned(const struct stkt *t);
void stkt_set_learned(struct stkt *t);

/* Contributions of other nodes (see stkt_get()): the block of node @node (non-zero: the
 * owner's hash of the node's name), found or taken: its index, -ENOSPC when every block is
 * another node's, -EINVAL. Setting a node's count of a type (a count or a rate; -EINVAL for
 * server_id, gpt0, or a block out of range). Blocks per entry. */
int stkt_contrib_slot(struct stkt *t, uint64_t node);
int stkt_contrib_set(struct stkt *t, uint32_t idx, uint32_t slot, enum stkt_data_type type,
                     uint64_t v);
int stkt_contrib_freq_set(struct stkt *t, uint32_t idx, uint32_t slot, enum stkt_data_type type,
                          const struct stkt_freq *v);
uint32_t stkt_contrib_count(const struct stkt *t);

/* Node @slot's count of @type in entry @idx (a count, not a rate). Same results as
 * stkt_contrib_set(). */
int stkt_contrib_get(const struct stkt *t, uint32_t idx, uint32_t slot, enum stkt_data_type type,
                     uint64_t *ret);

/* Whether this node's own counts, as another node kept them, were given back to a table
 * made anew (a node restarted from scratch), and marking it so (or that nobody could). */
bool stkt_own_restored(const struct stkt *t);
void stkt_set_own_restored(struct stkt *t);

/* Whether node @slot's block holds all its counts (it answered a resync since the table was
 * created), and marking it so; kept in the table for the next owner of the links. */
bool stkt_contrib_full(const struct stkt *t, uint32_t slot);
void stkt_contrib_set_full(struct stkt *t, uint32_t slot);
