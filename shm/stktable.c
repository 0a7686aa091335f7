/* Stick tables in shared memory: the master creates the table before forking; workers look up,
 * insert, track and count through it; a periodic task in some process calls stkt_sweep(). The
 * slot protocol (states, CAS rules, what a killed process leaves behind) is described in
 * stktable.h. */
#include "stktable.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "clock.h"
#include "freq.h"
#include "region.h"

/* Slot word: state (2 bits), tag (8), references (22), claim stamp (32). */
#define W_STATE_MASK  0x3ull
#define W_TAG_SHIFT   2
#define W_REF_SHIFT   10
#define W_REF_ONE     (1ull << W_REF_SHIFT)
#define W_REF_MASK    ((uint64_t)STKT_REFS_MAX << W_REF_SHIFT)
#define W_STAMP_SHIFT 32

#define W_STATE(w)    ((unsigned)((w)&W_STATE_MASK))
#define W_TAG(w)      ((unsigned)(((w) >> W_TAG_SHIFT) & 0xff))
#define W_REFS(w)     ((uint32_t)(((w)&W_REF_MASK) >> W_REF_SHIFT))
#define W_STAMP(w)    ((uint32_t)((w) >> W_STAMP_SHIFT))
#define W_ID(w)       ((w) & ~W_REF_MASK) /* state, tag and stamp: the incarnation */
/* An INSERTING slot has no references: its reference bits carry 22 more bits of the key hash,
 * so that other inserters can tell a claim for their key from another one. */
#define W_CLAIM_ID(w) ((w) & (W_REF_MASK | (0xffull << W_TAG_SHIFT)))

/* Rounds of scanning before an insertion gives up with -EAGAIN (lost CAS races, or waiting for
 * another process's insertion of a key with the same tag). */
#define STKT_INSERT_TRIES 16

enum stkt__kind {
        STKT_KIND_S32 = 0,
        STKT_KIND_U32,
        STKT_KIND_U64,
        STKT_KIND_FREQ,
};

static const uint8_t stkt__kind_of[STKT_DT_COUNT] = {
        [STKT_DT_SERVER_ID] = STKT_KIND_S32,
        [STKT_DT_GPT0] = STKT_KIND_U32,
        [STKT_DT_GPC0] = STKT_KIND_U64,
        [STKT_DT_GPC1] = STKT_KIND_U64,
        [STKT_DT_GPC0_RATE] = STKT_KIND_FREQ,
        [STKT_DT_GPC1_RATE] = STKT_KIND_FREQ,
        [STKT_DT_CONN_CNT] = STKT_KIND_U64,
        [STKT_DT_CONN_CUR] = STKT_KIND_U32,
        [STKT_DT_CONN_RATE] = STKT_KIND_FREQ,
        [STKT_DT_SESS_CNT] = STKT_KIND_U64,
        [STKT_DT_SESS_RATE] = STKT_KIND_FREQ,
        [STKT_DT_HTTP_REQ_CNT] = STKT_KIND_U64,
        [STKT_DT_HTTP_REQ_RATE] = STKT_KIND_FREQ,
        [STKT_DT_HTTP_ERR_CNT] = STKT_KIND_U64,
        [STKT_DT_HTTP_ERR_RATE] = STKT_KIND_FREQ,
        [STKT_DT_HTTP_FAIL_CNT] = STKT_KIND_U64,
        [STKT_DT_HTTP_FAIL_RATE] = STKT_KIND_FREQ,
        [STKT_DT_BYTES_IN_CNT] = STKT_KIND_U64,
        [STKT_DT_BYTES_OUT_CNT] = STKT_KIND_U64,
        [STKT_DT_BYTES_IN_RATE] = STKT_KIND_FREQ,
        [STKT_DT_BYTES_OUT_RATE] = STKT_KIND_FREQ,
};

struct stkt_entry {
        _Atomic uint64_t word;    /* W_* fields above; changed only by CAS */
        _Atomic uint64_t expire;  /* ms; UINT64_MAX when the table has no expiry */
        _Atomic uint64_t access;  /* ms of the last touch, for LRU eviction */
        _Atomic uint32_t hash;    /* high half of the key hash; written while INSERTING */
        _Atomic uint32_t key_len; /* bytes of key; written while INSERTING */
        _Atomic uint64_t key[];   /* key, zero padded to 8 bytes; then the data area */
};

struct stkt_hdr {
        uint32_t layout; /* STKT_LAYOUT */
        uint32_t key_type;
        uint32_t key_len;  /* longest key, bytes */
        uint32_t key_size; /* stored key bytes, a multiple of 8 */
        uint32_t store;
        uint32_t capacity; /* slots, a power of two */
        uint32_t entry_size;
        uint32_t expire_ms;
        uint64_t seed;      /* hash seed, random per table */
        uint64_t slots_off; /* bytes from this header to slot 0 */
        uint32_t period[STKT_DT_COUNT];
        uint16_t off[STKT_DT_COUNT]; /* data offset in an entry; 0: not stored */
        uint32_t nopurge;            /* never evict: refuse new keys when full */
        uint32_t upd_off;            /* synced: offset of an entry's update sequence; else 0 */
        uint32_t ring_mask;          /* synced: update ring slots - 1 */
        uint64_t ring_off;           /* synced: bytes from this header to the update ring */
        uint32_t contrib;            /* blocks of other nodes' contributions per entry */
        uint32_t stride;             /* bytes between two blocks */
        uint8_t spare[36];
        /* written by every process: keep them off the read-mostly line above */
        _Atomic uint64_t inserts __attribute__((aligned(64)));
        _Atomic uint64_t evictions;
        _Atomic uint64_t refused;
        _Atomic uint64_t expirations;
        _Atomic uint64_t reclaims;
        _Atomic uint64_t sweep_pos; /* next slot for stkt_sweep(), modulo the capacity */
        /* synced tables (stktable.h, "Updates"): the last sequence given out, bumped by
         * every process that changes an entry, and the horizon the link owner has read up
         * to, read by all of them: one line each */
        _Atomic uint64_t upd_seq __attribute__((aligned(64)));
        _Atomic uint64_t upd_read __attribute__((aligned(64)));
        _Atomic uint64_t upd_lost; /* ring slots a reader found overwritten */
        _Atomic uint32_t learned;  /* the content was learnt from a peer (or nobody had any) */
        struct {
                _Atomic uint64_t id;    /* the owner's name for the position; 0: free */
                _Atomic uint64_t acked; /* the last sequence the peer acknowledged */
                _Atomic uint64_t tx;    /* updates sent to the peer, ever */
                _Atomic uint64_t rx;    /* updates received from it, ever */
                _Atomic uint32_t up;    /* its link is up */
                _Atomic uint32_t conns; /* links established with it, ever */
                uint8_t pad[24];        /* a line each: only the owner writes them */
        } pos[STKT_POS_MAX] __attribute__((aligned(64)));
        _Atomic uint64_t contrib_id[STKT_CONTRIB_MAX];   /* the node of each block; 0: free */
        _Atomic uint32_t contrib_full[STKT_CONTRIB_MAX]; /* the node sent all its counts */
        _Atomic uint32_t own_restored; /* this node's counts came back from another node */
};

struct stkt {
        struct stkt_hdr *hdr;   /* borrowed: the region's payload */
        char *slots;            /* borrowed: slot 0, inside the region */
        _Atomic uint64_t *ring; /* borrowed: synced tables' update ring, or NULL */
        uint32_t upd_off;       /* synced: offset of an entry's update sequence; else 0 */
        uint32_t ring_mask;
        bool quiet;       /* changes made through this view are not marked */
        uint32_t contrib; /* other nodes' blocks per entry */
        uint32_t stride;
        uint64_t seed;
        uint32_t mask;
        uint32_t probe;
        uint32_t entry_size;
        uint32_t key_type;
        uint32_t key_len;
        uint32_t key_words;
        uint32_t store;
        uint32_t expire_ms;
        bool nopurge;
        uint16_t off[STKT_DT_COUNT];
        uint32_t period[STKT_DT_COUNT];
};

/* A key as stored: zero padded words, its length and hash. */
struct stkt__kbuf {
        uint64_t w[STKT_KEY_MAX / 8];
        uint32_t len;
        uint32_t hash32;
        uint64_t hash;
        unsigned tag;
};

struct stkt__layout {
        uint32_t key_len;
        uint32_t key_size;
        uint32_t entry_size;
        uint32_t upd_off; /* synced tables: the entry's update sequence; else 0 */
        uint32_t stride;  /* bytes of the data area: a contribution's block is as long */
        uint16_t off[STKT_DT_COUNT];
};

_Static_assert(sizeof(struct stkt_entry) == 32, "entry head layout");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free");
_Static_assert(sizeof(struct freq_ctr) == 12, "freq_ctr layout");
_Static_assert(STKT_DT_COUNT <= 32, "store mask is 32 bits");

static void stkt__mark(struct stkt *t, uint32_t idx);

static int stkt__layout_of(uint32_t key_type, uint32_t key_len, uint32_t store, bool sync,
                           uint32_t contrib, struct stkt__layout *ret)
{
        /* 8-byte fields first, then 4-byte aligned ones: no padding inside the data area */
        static const uint8_t order[] = {STKT_KIND_U64, STKT_KIND_FREQ, STKT_KIND_U32,
                                        STKT_KIND_S32};
        static const uint8_t size_of[] = {[STKT_KIND_S32] = 4,
                                          [STKT_KIND_U32] = 4,
                                          [STKT_KIND_U64] = 8,
                                          [STKT_KIND_FREQ] = 12};
        uint32_t off, start;

        if (contrib > STKT_CONTRIB_MAX || (contrib && !sync))
                return -EINVAL;
        switch (key_type) {
        case STKT_KEY_IPV4:
                key_len = 4;
                break;
        case STKT_KEY_IPV6:
                key_len = 16;
                break;
        case STKT_KEY_INTEGER:
                key_len = 8;
                break;
        case STKT_KEY_STRING:
        case STKT_KEY_BINARY:
                if (key_len == 0 || key_len > STKT_KEY_MAX)
                        return -EINVAL;
                break;
        default:
                return -EINVAL;
        }
        if (store & ~((1u << STKT_DT_COUNT) - 1))
                return -EINVAL;
        memset(ret, 0, sizeof(*ret));
        ret->key_len = key_len;
        ret->key_size = (key_len + 7) & ~7u;
        off = (uint32_t)sizeof(struct stkt_entry) + ret->key_size;
        if (sync) {
                ret->upd_off = off;
                off += 8;
        }
        start = off;
        for (size_t k = 0; k < sizeof(order); k++)
                for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++)
                        if ((store & STKT_F(dt)) && stkt__kind_of[dt] == order[k]) {
                                ret->off[dt] = (uint16_t)off;
                                off += size_of[order[k]];
                        }
        /* then one block shaped as the data area per origin node that contributes */
        ret->stride = ((off - start) + 7) & ~7u;
        ret->entry_size = start + ret->stride * (1 + contrib);
        return 0;
}

static uint64_t stkt__mix(uint64_t h)
{
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 33;
        return h;
}

static int stkt__key_build(const struct stkt *t, const struct stkt_key *key, struct stkt__kbuf *k)
{
        uint64_t h;

        if (t->key_type == STKT_KEY_STRING || t->key_type == STKT_KEY_BINARY) {
                if (key->len > t->key_len)
                        return -EINVAL;
        } else if (key->len != t->key_len) {
                return -EINVAL;
        }
        memset(k->w, 0, (size_t)t->key_words * 8);
        if (key->len)
                memcpy(k->w, key->data, key->len);
        k->len = key->len;
        h = t->seed ^ ((uint64_t)key->len * 0x9e3779b97f4a7c15ull);
        for (uint32_t i = 0; i < t->key_words; i++) {
                h = (h ^ k->w[i]) * 0x9e3779b97f4a7c15ull;
                h = (h << 31) | (h >> 33);
        }
        h = stkt__mix(h);
        k->hash = h;
        k->hash32 = (uint32_t)(h >> 32);
        k->tag = (unsigned)(h >> 56);
        return 0;
}

static struct stkt_entry *stkt__entry(const struct stkt *t, uint32_t idx)
{
        return (struct stkt_entry *)(void *)(t->slots + (size_t)idx * t->entry_size);
}

static void *stkt__field(const struct stkt *t, uint32_t idx, unsigned type)
{
        return t->slots + (size_t)idx * t->entry_size + t->off[type];
}

static uint64_t stkt__expiry(const struct stkt *t, uint64_t now)
{
        return t->expire_ms ? now + t->expire_ms : UINT64_MAX;
}

static bool stkt__stale(uint64_t w, uint64_t now)
{
        int32_t age = (int32_t)((uint32_t)now - W_STAMP(w));

        return age >= (int32_t)STKT_CLAIM_STALE_MS;
}

static bool stkt__expired(const struct stkt_entry *e, uint64_t w, uint64_t now)
{
        return W_REFS(w) == 0 && atomic_load_explicit(&e->expire, memory_order_relaxed) <= now;
}

static bool stkt__in_use(const struct stkt *t, uint32_t idx, uint64_t w)
{
        if (W_REFS(w) > 0)
                return true;
        if (t->off[STKT_DT_CONN_CUR] == 0)
                return false;
        return atomic_load_explicit((_Atomic uint32_t *)stkt__field(t, idx, STKT_DT_CONN_CUR),
                                    memory_order_relaxed) > 0;
}

/* Does LIVE slot @e, read as @w, hold @k? Key words are read with relaxed loads and the word
 * re-read afterwards: a slot recycled meanwhile (its word changes before any key write, see
 * stkt__claim()) is not a match. */
static bool stkt__key_eq(const struct stkt *t, struct stkt_entry *e, uint64_t w,
                         const struct stkt__kbuf *k)
{
        if (W_TAG(w) != k->tag ||
            atomic_load_explicit(&e->hash, memory_order_relaxed) != k->hash32 ||
            atomic_load_explicit(&e->key_len, memory_order_relaxed) != k->len)
                return false;
        for (uint32_t i = 0; i < t->key_words; i++)
                if (atomic_load_explicit(&e->key[i], memory_order_relaxed) != k->w[i])
                        return false;
        atomic_thread_fence(memory_order_acquire);
        return W_ID(atomic_load_explicit(&e->word, memory_order_relaxed)) == W_ID(w);
}

static size_t stkt__slots_off(void)
{
        return (sizeof(struct stkt_hdr) + 63) & ~(size_t)63;
}

static void stkt__init_view(struct stkt *t, struct stkt_hdr *h)
{
        t->hdr = h;
        t->slots = (char *)h + h->slots_off;
        t->seed = h->seed;
        t->mask = h->capacity - 1;
        t->probe = h->capacity < STKT_PROBE_MAX ? h->capacity : STKT_PROBE_MAX;
        t->entry_size = h->entry_size;
        t->key_type = h->key_type;
        t->key_len = h->key_len;
        t->key_words = h->key_size / 8;
        t->store = h->store;
        t->expire_ms = h->expire_ms;
        t->nopurge = h->nopurge != 0;
        memcpy(t->off, h->off, sizeof(t->off));
        memcpy(t->period, h->period, sizeof(t->period));
        t->upd_off = h->upd_off;
        t->contrib = h->contrib;
        t->stride = h->stride;
        t->ring_mask = h->ring_mask;
        t->ring = h->upd_off ? (_Atomic uint64_t *)(void *)((char *)h + h->ring_off) : NULL;
}

/* Update ring slots of a synced table of @cap entries: one per entry up to STKT_RING_MAX, at
 * least STKT_RING_MIN, so that a link owner that falls behind by more than that many changes
 * (or a whole small table's worth) scans the table instead. */
static uint32_t stkt__ring_slots(uint32_t cap)
{
        return cap < STKT_RING_MIN ? STKT_RING_MIN : cap > STKT_RING_MAX ? STKT_RING_MAX : cap;
}

static uint64_t stkt__ring_off(uint32_t cap, uint32_t entry_size)
{
        return (stkt__slots_off() + (uint64_t)cap * entry_size + 63) & ~(uint64_t)63;
}

static uint64_t stkt__seed(void)
{
        uint64_t seed;

        if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
                return seed;
        return stkt__mix(sl_clock_us() ^ (uint64_t)(uintptr_t)&seed);
}

int stkt_create(const struct stkt_def *def, uint64_t definition, struct shm_region **ret_region,
                struct stkt **ret_table)
{
        struct stkt__layout l;
        struct shm_region *r;
        struct stkt_hdr *h;
        struct stkt *t;
        uint32_t cap = 1;
        int err;

        if (def->size == 0 || def->size > STKT_MAX_SLOTS)
                return -EINVAL;
        err = stkt__layout_of(def->key_type, def->key_len, def->store, def->sync, def->contrib, &l);
        if (err < 0)
                return err;
        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++)
                if ((def->store & STKT_F(dt)) && stkt__kind_of[dt] == STKT_KIND_FREQ &&
                    (def->period[dt] == 0 || def->period[dt] > FREQ_PERIOD_MAX))
                        return -EINVAL;
        while (cap < def->size)
                cap <<= 1;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        err = shm_region_create(STKT_KIND, definition,
                                def->sync ? stkt__ring_off(cap, l.entry_size) +
                                                    (size_t)stkt__ring_slots(cap) * 8
                                          : stkt__slots_off() + (size_t)cap * l.entry_size,
                                &r);
        if (err < 0)
                goto err_free_view;
        h = shm_region_payload(r);
        h->layout = STKT_LAYOUT;
        h->key_type = def->key_type;
        h->key_len = l.key_len;
        h->key_size = l.key_size;
        h->store = def->store;
        h->capacity = cap;
        h->entry_size = l.entry_size;
        h->expire_ms = def->expire_ms;
        h->nopurge = def->nopurge;
        h->seed = stkt__seed();
        h->slots_off = stkt__slots_off();
        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++)
                if ((def->store & STKT_F(dt)) && stkt__kind_of[dt] == STKT_KIND_FREQ)
                        h->period[dt] = def->period[dt];
        memcpy(h->off, l.off, sizeof(h->off));
        h->contrib = def->contrib;
        h->stride = l.stride;
        if (def->sync) {
                h->upd_off = l.upd_off;
                h->ring_mask = stkt__ring_slots(cap) - 1;
                h->ring_off = stkt__ring_off(cap, l.entry_size);
        }
        stkt__init_view(t, h);
        *ret_region = r;
        *ret_table = t;
        return 0;

err_free_view:
        free(t);
        return err;
}

int stkt_attach(struct shm_region *r, struct stkt **ret_table)
{
        struct stkt_hdr *h = shm_region_payload(r);
        size_t size = shm_region_payload_size(r);
        struct stkt__layout l;
        struct stkt *t;

        if (size < sizeof(*h) || h->layout != STKT_LAYOUT || h->capacity == 0 ||
            h->capacity > STKT_MAX_SLOTS || (h->capacity & (h->capacity - 1)) ||
            h->slots_off != stkt__slots_off())
                return -EPROTO;
        if (stkt__layout_of(h->key_type, h->key_len, h->store, h->upd_off != 0, h->contrib, &l) <
                    0 ||
            l.key_len != h->key_len || l.key_size != h->key_size || l.entry_size != h->entry_size ||
            l.upd_off != h->upd_off || l.stride != h->stride ||
            memcmp(l.off, h->off, sizeof(l.off)) != 0)
                return -EPROTO;
        if (h->upd_off && (h->ring_mask + 1 != stkt__ring_slots(h->capacity) ||
                           h->ring_off != stkt__ring_off(h->capacity, h->entry_size) ||
                           size < h->ring_off + ((size_t)h->ring_mask + 1) * 8))
                return -EPROTO;
        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++)
                if ((h->store & STKT_F(dt)) && stkt__kind_of[dt] == STKT_KIND_FREQ &&
                    (h->period[dt] == 0 || h->period[dt] > FREQ_PERIOD_MAX))
                        return -EPROTO;
        if ((size - h->slots_off) / h->entry_size < h->capacity)
                return -EPROTO;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        stkt__init_view(t, h);
        *ret_table = t;
        return 0;
}

struct stkt *stkt_dup(const struct stkt *t)
{
        struct stkt *d = malloc(sizeof(*d));

        if (d)
                *d = *t;
        return d;
}

struct stkt *stkt_free(struct stkt *t)
{
        free(t);
        return NULL;
}

uint32_t stkt_capacity(const struct stkt *t)
{
        return t->mask + 1;
}

uint32_t stkt_store(const struct stkt *t)
{
        return t->store;
}

void stkt_definition(const struct stkt *t, struct stkt_def *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->size = t->mask + 1;
        ret->key_type = (enum stkt_key_type)t->key_type;
        ret->key_len = t->key_len;
        ret->store = t->store;
        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++)
                if (t->store & STKT_F(dt))
                        ret->period[dt] = t->period[dt];
        ret->expire_ms = t->expire_ms;
        ret->nopurge = t->nopurge;
}

int64_t stkt_lookup(struct stkt *t, const struct stkt_key *key, uint64_t now)
{
        struct stkt__kbuf k;
        uint32_t home;

        if (stkt__key_build(t, key, &k) < 0)
                return -1;
        home = (uint32_t)k.hash & t->mask;
        for (uint32_t i = 0; i < t->probe; i++) {
                uint32_t pos = (home + i) & t->mask;
                struct stkt_entry *e = stkt__entry(t, pos);
                uint64_t w = atomic_load_explicit(&e->word, memory_order_acquire);

                if (W_STATE(w) == STKT_ST_EMPTY)
                        break;
                if (W_STATE(w) != STKT_ST_LIVE || !stkt__key_eq(t, e, w, &k))
                        continue;
                return stkt__expired(e, w, now) ? -1 : (int64_t)pos;
        }
        return -1;
}

/* One more reference on @e, still the incarnation read as @w. */
static int stkt__ref_word(struct stkt_entry *e, uint64_t w)
{
        uint64_t id = W_ID(w);

        for (;;) {
                if (W_STATE(w) != STKT_ST_LIVE || W_ID(w) != id)
                        return -ESTALE;
                if (W_REFS(w) == STKT_REFS_MAX)
                        return -EOVERFLOW;
                if (atomic_compare_exchange_weak_explicit(&e->word, &w, w + W_REF_ONE,
                                                          memory_order_acq_rel,
                                                          memory_order_acquire))
                        return 0;
        }
}

enum stkt__pick {
        STKT_PICK_FREE = 0, /* EMPTY or tombstone */
        STKT_PICK_EXPIRED,  /* LIVE, expired, unreferenced */
        STKT_PICK_STALE,    /* INSERTING, abandoned */
        STKT_PICK_EVICT,    /* LIVE, least recently used of the window */
};

static uint64_t stkt__claim_id(const struct stkt__kbuf *k)
{
        return (k->hash & W_REF_MASK) | (uint64_t)k->tag << W_TAG_SHIFT;
}

/* Claim slot @pos read as @w, write @k into it and publish it LIVE. Returns 0, or -EAGAIN
 * when another process claimed it first or took the claim over as stale. */
static int stkt__claim(struct stkt *t, uint32_t pos, uint64_t w, enum stkt__pick why,
                       const struct stkt__kbuf *k, uint64_t now, bool ref)
{
        struct stkt_entry *e = stkt__entry(t, pos);
        uint64_t claim =
                (uint64_t)(uint32_t)now << W_STAMP_SHIFT | stkt__claim_id(k) | STKT_ST_INSERTING;
        uint64_t live;
        struct stkt_hdr *h = t->hdr;

        if (!atomic_compare_exchange_strong_explicit(&e->word, &w, claim, memory_order_acq_rel,
                                                     memory_order_relaxed))
                return -EAGAIN;
        /* the word changes before any key byte does: what stkt__key_eq() relies on */
        atomic_thread_fence(memory_order_release);
        switch (why) {
        case STKT_PICK_FREE:
                break;
        case STKT_PICK_EXPIRED:
                atomic_fetch_add_explicit(&h->expirations, 1, memory_order_relaxed);
                break;
        case STKT_PICK_STALE:
                atomic_fetch_add_explicit(&h->reclaims, 1, memory_order_relaxed);
                break;
        case STKT_PICK_EVICT:
                atomic_fetch_add_explicit(&h->evictions, 1, memory_order_relaxed);
                break;
        }
        atomic_store_explicit(&e->hash, k->hash32, memory_order_relaxed);
        atomic_store_explicit(&e->key_len, k->len, memory_order_relaxed);
        for (uint32_t i = 0; i < t->key_words; i++)
                atomic_store_explicit(&e->key[i], k->w[i], memory_order_relaxed);
        /* data is only ever accessed atomically by others; while INSERTING nobody may */
        memset((char *)e + sizeof(*e) + (size_t)t->key_words * 8, 0,
               t->entry_size - sizeof(*e) - (size_t)t->key_words * 8);
        atomic_store_explicit(&e->expire, stkt__expiry(t, now), memory_order_relaxed);
        atomic_store_explicit(&e->access, now, memory_order_relaxed);
        live = (claim & ~(W_STATE_MASK | W_REF_MASK)) | STKT_ST_LIVE | (ref ? W_REF_ONE : 0);
        if (!atomic_compare_exchange_strong_explicit(&e->word, &claim, live, memory_order_release,
                                                     memory_order_relaxed))
                return -EAGAIN;
        atomic_fetch_add_explicit(&h->inserts, 1, memory_order_relaxed);
        return 0;
}

static int stkt__get(struct stkt *t, const struct stkt_key *key, uint64_t now, bool ref,
                     uint32_t *ret_idx)
{
        struct stkt__kbuf k;
        uint32_t home;
        int r;

        r = stkt__key_build(t, key, &k);
        if (r < 0)
                return r;
        home = (uint32_t)k.hash & t->mask;
        for (int attempt = 0; attempt < STKT_INSERT_TRIES; attempt++) {
                int64_t pick = -1, victim = -1;
                uint64_t pick_w = 0, victim_w = 0, victim_access = UINT64_MAX;
                enum stkt__pick why = STKT_PICK_FREE;
                bool busy = false, rescan = false;

                for (uint32_t i = 0; i < t->probe && !rescan; i++) {
                        uint32_t pos = (home + i) & t->mask;
                        struct stkt_entry *e = stkt__entry(t, pos);
                        uint64_t w = atomic_load_explicit(&e->word, memory_order_acquire);
                        uint64_t a;

                        switch (W_STATE(w)) {
                        case STKT_ST_EMPTY:
                                if (pick < 0) {
                                        pick = pos;
                                        pick_w = w;
                                        why = STKT_PICK_FREE;
                                }
                                goto scanned;
                        case STKT_ST_DELETED:
                                if (pick < 0) {
                                        pick = pos;
                                        pick_w = w;
                                        why = STKT_PICK_FREE;
                                }
                                continue;
                        case STKT_ST_INSERTING:
                                if (stkt__stale(w, now)) {
                                        if (pick < 0) {
                                                pick = pos;
                                                pick_w = w;
                                                why = STKT_PICK_STALE;
                                        }
                                } else if (W_CLAIM_ID(w) == stkt__claim_id(&k)) {
                                        busy = true;
                                }
                                continue;
                        default:
                                break;
                        }
                        if (stkt__key_eq(t, e, w, &k)) {
                                if (!stkt__expired(e, w, now)) {
                                        if (!ref) {
                                                *ret_idx = pos;
                                                return 0;
                                        }
                                        r = stkt__ref_word(e, w);
                                        if (r == -ESTALE) {
                                                rescan = true;
                                                continue;
                                        }
                                        if (r < 0)
                                                return r;
                                        *ret_idx = pos;
                                        return 0;
                                }
                                /* our key, expired: recreate it in place rather than beside */
                                pick = pos;
                                pick_w = w;
                                why = STKT_PICK_EXPIRED;
                                goto scanned;
                        }
                        if (stkt__expired(e, w, now)) {
                                if (pick < 0) {
                                        pick = pos;
                                        pick_w = w;
                                        why = STKT_PICK_EXPIRED;
                                }
                                continue;
                        }
                        if (stkt__in_use(t, pos, w))
                                continue;
                        a = atomic_load_explicit(&e->access, memory_order_relaxed);
                        if (a < victim_access) {
                                victim = pos;
                                victim_w = w;
                                victim_access = a;
                        }
                }
                if (rescan)
                        continue;
scanned:
                if (busy) {
                        /* an insertion with our tag is under way, perhaps of our key */
                        (void)sched_yield();
                        continue;
                }
                if (pick < 0) {
                        if (victim < 0 || t->nopurge) {
                                atomic_fetch_add_explicit(&t->hdr->refused, 1,
                                                          memory_order_relaxed);
                                return -ENOSPC;
                        }
                        pick = victim;
                        pick_w = victim_w;
                        why = STKT_PICK_EVICT;
                }
                if (stkt__claim(t, (uint32_t)pick, pick_w, why, &k, now, ref) == 0) {
                        *ret_idx = (uint32_t)pick;
                        return 1;
                }
        }
        return -EAGAIN;
}

int stkt_get_or_insert(struct stkt *t, const struct stkt_key *key, uint64_t now, uint32_t *ret_idx)
{
        return stkt__get(t, key, now, false, ret_idx);
}

int stkt_track(struct stkt *t, const struct stkt_key *key, uint64_t now, uint32_t *ret_idx)
{
        return stkt__get(t, key, now, true, ret_idx);
}

int stkt_ref(struct stkt *t, uint32_t idx)
{
        struct stkt_entry *e;

        if (idx > t->mask)
                return -EINVAL;
        e = stkt__entry(t, idx);
        return stkt__ref_word(e, atomic_load_explicit(&e->word, memory_order_acquire));
}

int stkt_unref(struct stkt *t, uint32_t idx)
{
        struct stkt_entry *e;
        uint64_t w;

        if (idx > t->mask)
                return -EINVAL;
        e = stkt__entry(t, idx);
        w = atomic_load_explicit(&e->word, memory_order_relaxed);
        do {
                if (W_STATE(w) != STKT_ST_LIVE || W_REFS(w) == 0)
                        return -EINVAL;
        } while (!atomic_compare_exchange_weak_explicit(
                &e->word, &w, w - W_REF_ONE, memory_order_acq_rel, memory_order_relaxed));
        return 0;
}

uint32_t stkt_refs(const struct stkt *t, uint32_t idx)
{
        uint64_t w;

        if (idx > t->mask)
                return 0;
        w = atomic_load_explicit(&stkt__entry(t, idx)->word, memory_order_relaxed);
        return W_STATE(w) == STKT_ST_LIVE ? W_REFS(w) : 0;
}

void stkt_touch(struct stkt *t, uint32_t idx, uint64_t now)
{
        struct stkt_entry *e;

        if (idx > t->mask)
                return;
        e = stkt__entry(t, idx);
        /* a hot entry is touched many times per millisecond, by several processes: storing
         * only what changes keeps its cache line from bouncing between them for nothing */
        if (atomic_load_explicit(&e->access, memory_order_relaxed) == now)
                return;
        atomic_store_explicit(&e->expire, stkt__expiry(t, now), memory_order_relaxed);
        atomic_store_explicit(&e->access, now, memory_order_relaxed);
        /* peers learn the new expiry too (HAProxy pushes an entry on every local touch) */
        stkt__mark(t, idx);
}

uint64_t stkt_expire(const struct stkt *t, uint32_t idx)
{
        if (idx > t->mask)
                return 0;
        return atomic_load_explicit(&stkt__entry(t, idx)->expire, memory_order_relaxed);
}

enum stkt_slot_state stkt_slot_state(const struct stkt *t, uint32_t idx)
{
        if (idx > t->mask)
                return STKT_ST_EMPTY;
        return (enum stkt_slot_state)W_STATE(
                atomic_load_explicit(&stkt__entry(t, idx)->word, memory_order_acquire));
}

int stkt_key_copy(const struct stkt *t, uint32_t idx, void *buf, size_t size)
{
        uint64_t words[STKT_KEY_MAX / 8];
        struct stkt_entry *e;
        uint64_t w;
        uint32_t len;

        if (idx > t->mask)
                return -EINVAL;
        e = stkt__entry(t, idx);
        w = atomic_load_explicit(&e->word, memory_order_acquire);
        if (W_STATE(w) != STKT_ST_LIVE)
                return -ESTALE;
        len = atomic_load_explicit(&e->key_len, memory_order_relaxed);
        for (uint32_t i = 0; i < t->key_words; i++)
                words[i] = atomic_load_explicit(&e->key[i], memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        if (W_ID(atomic_load_explicit(&e->word, memory_order_relaxed)) != W_ID(w) ||
            len > t->key_len)
                return -ESTALE;
        if (size < len)
                return -ENOBUFS;
        memcpy(buf, words, len);
        return (int)len;
}

int stkt_remove(struct stkt *t, uint32_t idx)
{
        struct stkt_entry *e;
        uint64_t w, dead;

        if (idx > t->mask)
                return -EINVAL;
        e = stkt__entry(t, idx);
        w = atomic_load_explicit(&e->word, memory_order_acquire);
        do {
                if (W_STATE(w) != STKT_ST_LIVE)
                        return -ESTALE;
                if (stkt__in_use(t, idx, w))
                        return -EBUSY;
                dead = (w & ~(W_STATE_MASK | W_REF_MASK)) | STKT_ST_DELETED;
                /* fails if a reference was taken since the load: a tracker holds one before
                 * it raises conn_cur, so an entry gaining a connection is never removed */
        } while (!atomic_compare_exchange_weak_explicit(&e->word, &w, dead, memory_order_acq_rel,
                                                        memory_order_acquire));
        return 0;
}

static _Atomic uint64_t *stkt__upd(const struct stkt *t, uint32_t idx)
{
        return (_Atomic uint64_t *)(void *)(t->slots + (size_t)idx * t->entry_size + t->upd_off);
}

/* Entry @idx of a synced table changed: give it a new update sequence and put it in the ring,
 * unless it already has a sequence the link owner has not read up to (it will read the entry's
 * data then, this change included). The fence pairs with the one in stkt__horizon(): either
 * this process sees the owner's new horizon and marks again, or the owner, reading after it,
 * sees this change. */
static void stkt__mark(struct stkt *t, uint32_t idx)
{
        _Atomic uint64_t *u;
        uint64_t cur, s;

        if (!t->upd_off || t->quiet)
                return;
        u = stkt__upd(t, idx);
        atomic_thread_fence(memory_order_seq_cst);
        cur = atomic_load_explicit(u, memory_order_relaxed);
        if (cur > atomic_load_explicit(&t->hdr->upd_read, memory_order_relaxed))
                return;
        s = atomic_fetch_add_explicit(&t->hdr->upd_seq, 1, memory_order_relaxed) + 1;
        /* only ever raised, so that a reader finding the ring's slot for s and a higher
         * sequence in the entry knows a later slot carries it */
        while (cur < s && !atomic_compare_exchange_weak_explicit(u, &cur, s, memory_order_release,
                                                                 memory_order_relaxed))
                ;
        atomic_store_explicit(&t->ring[s & t->ring_mask], (s & 0xffffffffu) << 32 | idx,
                              memory_order_release);
}

static int stkt__check(const struct stkt *t, uint32_t idx, enum stkt_data_type type, bool rate)
{
        if (idx > t->mask || (unsigned)type >= STKT_DT_COUNT)
                return -EINVAL;
        if ((stkt__kind_of[type] == STKT_KIND_FREQ) != rate)
                return -EINVAL;
        if (t->off[type] == 0)
                return -ENOENT;
        return 0;
}

/* A counter field @p of @type, read and written atomically at its width (server_id is
 * sign-extended). */
static uint64_t stkt__load(const void *p, unsigned type)
{
        switch (stkt__kind_of[type]) {
        case STKT_KIND_U64:
                return atomic_load_explicit((_Atomic uint64_t *)p, memory_order_relaxed);
        case STKT_KIND_S32:
                return (uint64_t)(int64_t)(int32_t)atomic_load_explicit((_Atomic uint32_t *)p,
                                                                        memory_order_relaxed);
        default:
                return atomic_load_explicit((_Atomic uint32_t *)p, memory_order_relaxed);
        }
}

static void stkt__store(void *p, unsigned type, uint64_t v)
{
        if (stkt__kind_of[type] == STKT_KIND_U64)
                atomic_store_explicit((_Atomic uint64_t *)p, v, memory_order_relaxed);
        else
                atomic_store_explicit((_Atomic uint32_t *)p, (uint32_t)v, memory_order_relaxed);
}

/* A rate's raw counter: the period start last, so a reader that sees it sees the counts. */
static void stkt__freq_store(struct freq_ctr *c, const struct stkt_freq *v)
{
        atomic_store_explicit(&c->curr_ctr, v->curr_ctr, memory_order_relaxed);
        atomic_store_explicit(&c->prev_ctr, v->prev_ctr, memory_order_relaxed);
        atomic_store_explicit(&c->curr_tick, v->curr_tick, memory_order_release);
}

int stkt_add(struct stkt *t, uint32_t idx, enum stkt_data_type type, uint64_t v)
{
        void *p;
        int r;

        r = stkt__check(t, idx, type, false);
        if (r < 0)
                return r;
        p = stkt__field(t, idx, type);
        if (stkt__kind_of[type] == STKT_KIND_U64)
                atomic_fetch_add_explicit((_Atomic uint64_t *)p, v, memory_order_relaxed);
        else
                atomic_fetch_add_explicit((_Atomic uint32_t *)p, (uint32_t)v, memory_order_relaxed);
        stkt__mark(t, idx);
        return 0;
}

int stkt_dec(struct stkt *t, uint32_t idx, enum stkt_data_type type)
{
        void *p;
        int r;

        r = stkt__check(t, idx, type, false);
        if (r < 0)
                return r;
        p = stkt__field(t, idx, type);
        if (stkt__kind_of[type] == STKT_KIND_U64) {
                _Atomic uint64_t *c = p;
                uint64_t cur = atomic_load_explicit(c, memory_order_relaxed);

                while (cur > 0 && !atomic_compare_exchange_weak_explicit(c, &cur, cur - 1,
                                                                         memory_order_relaxed,
                                                                         memory_order_relaxed))
                        ;
        } else {
                _Atomic uint32_t *c = p;
                uint32_t cur = atomic_load_explicit(c, memory_order_relaxed);

                while (cur > 0 && !atomic_compare_exchange_weak_explicit(c, &cur, cur - 1,
                                                                         memory_order_relaxed,
                                                                         memory_order_relaxed))
                        ;
        }
        stkt__mark(t, idx);
        return 0;
}

int stkt_set(struct stkt *t, uint32_t idx, enum stkt_data_type type, uint64_t v)
{
        int r;

        r = stkt__check(t, idx, type, false);
        if (r < 0)
                return r;
        stkt__store(stkt__field(t, idx, type), type, v);
        stkt__mark(t, idx);
        return 0;
}

/* Is @type summed over the nodes' contributions (a count or a rate), rather than the value
 * of the last writer (server_id, gpt0)? */
static bool stkt__summed(unsigned type)
{
        return type != STKT_DT_SERVER_ID && type != STKT_DT_GPT0;
}

/* Field @type of contribution block @slot of entry @idx. */
static void *stkt__cfield(const struct stkt *t, uint32_t idx, uint32_t slot, unsigned type)
{
        return (char *)stkt__field(t, idx, type) + (size_t)(slot + 1) * t->stride;
}

int stkt_get(const struct stkt *t, uint32_t idx, enum stkt_data_type type, uint64_t *ret)
{
        int r = stkt_get_local(t, idx, type, ret);

        if (r < 0 || !t->contrib || !stkt__summed(type))
                return r;
        for (uint32_t j = 0; j < t->contrib; j++)
                *ret += stkt__load(stkt__cfield(t, idx, j, type), type);
        if (stkt__kind_of[type] != STKT_KIND_U64)
                *ret = (uint32_t)*ret; /* 32-bit counters wrap as one would */
        return 0;
}

int stkt_get_local(const struct stkt *t, uint32_t idx, enum stkt_data_type type, uint64_t *ret)
{
        int r;

        r = stkt__check(t, idx, type, false);
        if (r < 0)
                return r;
        *ret = stkt__load(stkt__field(t, idx, type), type);
        return 0;
}

int stkt_rate_update(struct stkt *t, uint32_t idx, enum stkt_data_type type, uint32_t inc,
                     uint64_t now)
{
        int r;

        r = stkt__check(t, idx, type, true);
        if (r < 0)
                return r;
        (void)freq_ctr_update(stkt__field(t, idx, type), t->period[type], inc, now);
        stkt__mark(t, idx);
        return 0;
}

int stkt_rate_read(const struct stkt *t, uint32_t idx, enum stkt_data_type type, uint64_t now,
                   uint32_t *ret)
{
        int r;

        r = stkt__check(t, idx, type, true);
        if (r < 0)
                return r;
        *ret = freq_ctr_read(stkt__field(t, idx, type), t->period[type], now);
        for (uint32_t j = 0; j < t->contrib; j++) {
                uint64_t sum = (uint64_t)*ret +
                               freq_ctr_read(stkt__cfield(t, idx, j, type), t->period[type], now);

                *ret = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
        }
        return 0;
}

int stkt_contrib_slot(struct stkt *t, uint64_t node)
{
        if (node == 0)
                return -EINVAL;
        for (uint32_t j = 0; j < t->contrib; j++) {
                uint64_t cur = atomic_load_explicit(&t->hdr->contrib_id[j], memory_order_acquire);

                if (cur == node)
                        return (int)j;
                if (cur == 0) {
                        if (atomic_compare_exchange_strong_explicit(&t->hdr->contrib_id[j], &cur,
                                                                    node, memory_order_acq_rel,
                                                                    memory_order_acquire) ||
                            cur == node)
                                return (int)j;
                }
        }
        return -ENOSPC;
}

int stkt_contrib_set(struct stkt *t, uint32_t idx, uint32_t slot, enum stkt_data_type type,
                     uint64_t v)
{
        int r;

        if (slot >= t->contrib)
                return -EINVAL;
        r = stkt__check(t, idx, type, false);
        if (r < 0)
                return r;
        if (!stkt__summed(type))
                return -EINVAL;
        stkt__store(stkt__cfield(t, idx, slot, type), type, v);
        return 0;
}

int stkt_contrib_freq_set(struct stkt *t, uint32_t idx, uint32_t slot, enum stkt_data_type type,
                          const struct stkt_freq *v)
{
        int r;

        if (slot >= t->contrib)
                return -EINVAL;
        r = stkt__check(t, idx, type, true);
        if (r < 0)
                return r;
        stkt__freq_store(stkt__cfield(t, idx, slot, type), v);
        return 0;
}

bool stkt_contrib_full(const struct stkt *t, uint32_t slot)
{
        return slot < t->contrib &&
               atomic_load_explicit(&t->hdr->contrib_full[slot], memory_order_acquire);
}

void stkt_contrib_set_full(struct stkt *t, uint32_t slot)
{
        if (slot < t->contrib)
                atomic_store_explicit(&t->hdr->contrib_full[slot], 1, memory_order_release);
}

int stkt_contrib_get(const struct stkt *t, uint32_t idx, uint32_t slot, enum stkt_data_type type,
                     uint64_t *ret)
{
        int r;

        if (slot >= t->contrib)
                return -EINVAL;
        r = stkt__check(t, idx, type, false);
        if (r < 0)
                return r;
        if (!stkt__summed(type))
                return -EINVAL;
        *ret = stkt__load(stkt__cfield(t, idx, slot, type), type);
        return 0;
}

bool stkt_own_restored(const struct stkt *t)
{
        return atomic_load_explicit(&t->hdr->own_restored, memory_order_acquire) != 0;
}

void stkt_set_own_restored(struct stkt *t)
{
        atomic_store_explicit(&t->hdr->own_restored, 1, memory_order_release);
}

uint32_t stkt_contrib_count(const struct stkt *t)
{
        return t->contrib;
}

uint32_t stkt_sweep(struct stkt *t, uint64_t now, uint32_t budget)
{
        struct stkt_hdr *h = t->hdr;
        uint32_t expired = 0;
        uint64_t start;

        if (budget > t->mask + 1)
                budget = t->mask + 1;
        start = atomic_fetch_add_explicit(&h->sweep_pos, budget, memory_order_relaxed);
        for (uint32_t i = 0; i < budget; i++) {
                uint32_t pos = (uint32_t)((start + i) & t->mask);
                struct stkt_entry *e = stkt__entry(t, pos);
                uint64_t w = atomic_load_explicit(&e->word, memory_order_acquire);
                uint64_t dead = (w & ~(W_STATE_MASK | W_REF_MASK)) | STKT_ST_DELETED;

                if (W_STATE(w) == STKT_ST_LIVE && stkt__expired(e, w, now)) {
                        /* the CAS fails if a reference was taken since the load */
                        if (atomic_compare_exchange_strong_explicit(&e->word, &w, dead,
                                                                    memory_order_acq_rel,
                                                                    memory_order_relaxed)) {
                                atomic_fetch_add_explicit(&h->expirations, 1, memory_order_relaxed);
                                expired++;
                        }
                } else if (W_STATE(w) == STKT_ST_INSERTING && stkt__stale(w, now)) {
                        if (atomic_compare_exchange_strong_explicit(
                                    &e->word, &w, dead, memory_order_acq_rel, memory_order_relaxed))
                                atomic_fetch_add_explicit(&h->reclaims, 1, memory_order_relaxed);
                }
        }
        return expired;
}

void stkt_stats(const struct stkt *t, struct stkt_stats *ret)
{
        const struct stkt_hdr *h = t->hdr;

        ret->inserts = atomic_load_explicit(&h->inserts, memory_order_relaxed);
        ret->evictions = atomic_load_explicit(&h->evictions, memory_order_relaxed);
        ret->refused = atomic_load_explicit(&h->refused, memory_order_relaxed);
        ret->expirations = atomic_load_explicit(&h->expirations, memory_order_relaxed);
        ret->reclaims = atomic_load_explicit(&h->reclaims, memory_order_relaxed);
}

int64_t stkt_carry(struct stkt *dst, const struct stkt *src, uint64_t now)
{
        uint8_t key[STKT_KEY_MAX];
        int64_t copied = 0;

        if (dst->key_type != src->key_type)
                return -1;
        for (uint32_t i = 0; i <= src->mask; i++) {
                const struct stkt_entry *e = stkt__entry((struct stkt *)src, i);
                uint64_t w = atomic_load_explicit(&e->word, memory_order_acquire);
                struct stkt_key k;
                uint32_t idx;
                int n;

                if (W_STATE(w) != STKT_ST_LIVE || stkt__expired(e, w, now))
                        continue;
                n = stkt_key_copy(src, i, key, sizeof(key));
                if (n < 0 || (uint32_t)n > dst->key_len)
                        continue;
                k = (struct stkt_key){key, (uint32_t)n};
                if (stkt_get_or_insert(dst, &k, now, &idx) < 0)
                        continue;
                for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++) {
                        uint64_t v;

                        /* conn_cur belongs to the connections counting in @src */
                        if (stkt__kind_of[dt] == STKT_KIND_FREQ || dt == STKT_DT_CONN_CUR ||
                            !(dst->store & STKT_F(dt)) ||
                            stkt_get_local(src, i, (enum stkt_data_type)dt, &v) < 0)
                                continue;
                        (void)stkt_set(dst, idx, (enum stkt_data_type)dt, v);
                }
                atomic_store_explicit(&stkt__entry(dst, idx)->access,
                                      atomic_load_explicit(&e->access, memory_order_relaxed),
                                      memory_order_relaxed);
                copied++;
        }
        return copied;
}

bool stkt_synced(const struct stkt *t)
{
        return t->upd_off != 0;
}

void stkt_set_quiet(struct stkt *t, bool quiet)
{
        t->quiet = quiet;
}

uint64_t stkt_upd_head(const struct stkt *t)
{
        return t->upd_off ? atomic_load_explicit(&t->hdr->upd_seq, memory_order_acquire) : 0;
}

/* The link owner is about to read entries changed up to @seq: raise the horizon, then fence
 * (stkt__mark() has the other half). */
static void stkt__horizon(struct stkt *t, uint64_t seq)
{
        _Atomic uint64_t *r = &t->hdr->upd_read;
        uint64_t cur = atomic_load_explicit(r, memory_order_relaxed);

        while (cur < seq && !atomic_compare_exchange_weak_explicit(
                                    r, &cur, seq, memory_order_relaxed, memory_order_relaxed))
                ;
        atomic_thread_fence(memory_order_seq_cst);
}

int stkt_upd_next(struct stkt *t, uint64_t *cursor, struct stkt_upd *ret)
{
        uint64_t head, s, v, u;
        uint32_t idx;

        if (!t->upd_off)
                return 0;
        head = atomic_load_explicit(&t->hdr->upd_seq, memory_order_acquire);
        while (*cursor < head) {
                s = *cursor + 1;
                if (head - s > t->ring_mask) {
                        atomic_fetch_add_explicit(&t->hdr->upd_lost, 1, memory_order_relaxed);
                        return -ESPIPE;
                }
                v = atomic_load_explicit(&t->ring[s & t->ring_mask], memory_order_acquire);
                if (v >> 32 != (s & 0xffffffffu)) {
                        /* not written yet, or written over since head was read */
                        head = atomic_load_explicit(&t->hdr->upd_seq, memory_order_acquire);
                        if (head - s > t->ring_mask) {
                                atomic_fetch_add_explicit(&t->hdr->upd_lost, 1,
                                                          memory_order_relaxed);
                                return -ESPIPE;
                        }
                        return -EAGAIN;
                }
                idx = (uint32_t)v;
                *cursor = s;
                if (idx > t->mask)
                        continue;
                u = atomic_load_explicit(stkt__upd(t, idx), memory_order_acquire);
                if (u != s)
                        continue; /* changed again since: a later slot has it */
                stkt__horizon(t, s);
                ret->seq = s;
                ret->idx = idx;
                return 1;
        }
        return 0;
}

static int stkt__upd_cmp(const void *a, const void *b)
{
        const struct stkt_upd *x = a, *y = b;

        if (x->seq != y->seq)
                return x->seq < y->seq ? -1 : 1;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

bool stkt_learned(const struct stkt *t)
{
        return t->upd_off && atomic_load_explicit(&t->hdr->learned, memory_order_acquire);
}

void stkt_set_learned(struct stkt *t)
{
        if (t->upd_off)
                atomic_store_explicit(&t->hdr->learned, 1, memory_order_release);
}

int stkt_upd_collect(struct stkt *t, uint64_t after, uint64_t now, uint64_t *ret_head,
                     struct stkt_upd **ret, size_t *ret_n)
{
        struct stkt_upd *v = NULL;
        size_t n = 0, cap = 0;
        uint64_t head;

        *ret = NULL;
        *ret_n = 0;
        if (!t->upd_off) {
                *ret_head = 0;
                return 0;
        }
        head = atomic_load_explicit(&t->hdr->upd_seq, memory_order_acquire);
        stkt__horizon(t, head);
        for (uint32_t i = 0; i <= t->mask; i++) {
                struct stkt_entry *e = stkt__entry(t, i);
                uint64_t w = atomic_load_explicit(&e->word, memory_order_acquire);
                uint64_t u;

                if (W_STATE(w) != STKT_ST_LIVE || stkt__expired(e, w, now))
                        continue;
                u = atomic_load_explicit(stkt__upd(t, i), memory_order_acquire);
                if (after != STKT_UPD_ALL && u <= after)
                        continue;
                if (n == cap) {
                        size_t ncap = cap ? cap * 2 : 256;
                        struct stkt_upd *nv = realloc(v, ncap * sizeof(*v));

                        if (!nv) {
                                free(v);
                                return -ENOMEM;
                        }
                        v = nv;
                        cap = ncap;
                }
                v[n++] = (struct stkt_upd){.seq = u, .idx = i};
        }
        if (n > 1)
                qsort(v, n, sizeof(*v), stkt__upd_cmp);
        *ret_head = head;
        *ret = v;
        *ret_n = n;
        return 0;
}

uint64_t stkt_incarnation(const struct stkt *t, uint32_t idx)
{
        uint64_t w;

        if (idx > t->mask)
                return 0;
        w = atomic_load_explicit(&stkt__entry(t, idx)->word, memory_order_acquire);
        return W_STATE(w) == STKT_ST_LIVE ? W_ID(w) : 0;
}

int stkt_freq_get(const struct stkt *t, uint32_t idx, enum stkt_data_type type,
                  struct stkt_freq *ret)
{
        const struct freq_ctr *c;
        int r;

        r = stkt__check(t, idx, type, true);
        if (r < 0)
                return r;
        c = stkt__field(t, idx, type);
        ret->curr_tick = atomic_load_explicit(&c->curr_tick, memory_order_relaxed);
        ret->curr_ctr = atomic_load_explicit(&c->curr_ctr, memory_order_relaxed);
        ret->prev_ctr = atomic_load_explicit(&c->prev_ctr, memory_order_relaxed);
        return 0;
}

int stkt_freq_set(struct stkt *t, uint32_t idx, enum stkt_data_type type, const struct stkt_freq *v)
{
        int r;

        r = stkt__check(t, idx, type, true);
        if (r < 0)
                return r;
        stkt__freq_store(stkt__field(t, idx, type), v);
        stkt__mark(t, idx);
        return 0;
}

void stkt_set_expire(struct stkt *t, uint32_t idx, uint64_t expire, uint64_t now)
{
        struct stkt_entry *e;

        if (idx > t->mask)
                return;
        e = stkt__entry(t, idx);
        atomic_store_explicit(&e->expire, t->expire_ms ? expire : UINT64_MAX, memory_order_relaxed);
        atomic_store_explicit(&e->access, now, memory_order_relaxed);
        stkt__mark(t, idx);
}

int stkt_pos(struct stkt *t, uint64_t id)
{
        if (!t->upd_off || id == 0)
                return -EINVAL;
        for (int i = 0; i < (int)STKT_POS_MAX; i++) {
                uint64_t cur = atomic_load_explicit(&t->hdr->pos[i].id, memory_order_acquire);

                if (cur == id)
                        return i;
                if (cur == 0) {
                        if (atomic_compare_exchange_strong_explicit(&t->hdr->pos[i].id, &cur, id,
                                                                    memory_order_acq_rel,
                                                                    memory_order_acquire))
                                return i;
                        if (cur == id)
                                return i;
                }
        }
        return -ENOSPC;
}

int stkt_pos_find(const struct stkt *t, uint64_t id)
{
        if (!t->upd_off || id == 0)
                return -EINVAL;
        for (int i = 0; i < (int)STKT_POS_MAX; i++)
                if (atomic_load_explicit(&t->hdr->pos[i].id, memory_order_acquire) == id)
                        return i;
        return -ENOENT;
}

uint64_t stkt_pos_id(const char *section, const char *peer)
{
        uint64_t h = 0xcbf29ce484222325ull;
        const char *parts[2] = {section, peer};

        /* FNV-1a of "<section>/<peer>/" */
        for (int k = 0; k < 2; k++) {
                for (const char *c = parts[k]; *c; c++) {
                        h ^= (uint8_t)*c;
                        h *= 0x100000001b3ull;
                }
                h ^= '/';
                h *= 0x100000001b3ull;
        }
        return h ? h : 1;
}

void stkt_pos_count(struct stkt *t, int pos, uint64_t tx, uint64_t rx)
{
        if (!t->upd_off || pos < 0 || pos >= (int)STKT_POS_MAX)
                return;
        if (tx)
                atomic_fetch_add_explicit(&t->hdr->pos[pos].tx, tx, memory_order_relaxed);
        if (rx)
                atomic_fetch_add_explicit(&t->hdr->pos[pos].rx, rx, memory_order_relaxed);
}

void stkt_pos_set_up(struct stkt *t, int pos, bool up)
{
        if (!t->upd_off || pos < 0 || pos >= (int)STKT_POS_MAX)
                return;
        if (up)
                atomic_fetch_add_explicit(&t->hdr->pos[pos].conns, 1, memory_order_relaxed);
        atomic_store_explicit(&t->hdr->pos[pos].up, up, memory_order_relaxed);
}

void stkt_pos_stats(const struct stkt *t, int pos, struct stkt_pos_stats *ret)
{
        *ret = (struct stkt_pos_stats){0};
        if (!t->upd_off || pos < 0 || pos >= (int)STKT_POS_MAX)
                return;
        ret->acked = atomic_load_explicit(&t->hdr->pos[pos].acked, memory_order_relaxed);
        ret->tx = atomic_load_explicit(&t->hdr->pos[pos].tx, memory_order_relaxed);
        ret->rx = atomic_load_explicit(&t->hdr->pos[pos].rx, memory_order_relaxed);
        ret->up = atomic_load_explicit(&t->hdr->pos[pos].up, memory_order_relaxed) != 0;
        ret->conns = atomic_load_explicit(&t->hdr->pos[pos].conns, memory_order_relaxed);
}

uint64_t stkt_pos_acked(const struct stkt *t, int pos)
{
        if (!t->upd_off || pos < 0 || pos >= (int)STKT_POS_MAX)
                return 0;
        return atomic_load_explicit(&t->hdr->pos[pos].acked, memory_order_acquire);
}

void stkt_pos_set_acked(struct stkt *t, int pos, uint64_t seq)
{
        if (!t->upd_off || pos < 0 || pos >= (int)STKT_POS_MAX)
                return;
        atomic_store_explicit(&t->hdr->pos[pos].acked, seq, memory_order_release);
}

void stkt_upd_stats(const struct stkt *t, struct stkt_upd_stats *ret)
{
        if (!t->upd_off) {
                *ret = (struct stkt_upd_stats){0};
                return;
        }
        ret->head = atomic_load_explicit(&t->hdr->upd_seq, memory_order_relaxed);
        ret->horizon = atomic_load_explicit(&t->hdr->upd_read, memory_order_relaxed);
        ret->lost = atomic_load_explicit(&t->hdr->upd_lost, memory_order_relaxed);
        ret->ring = t->ring_mask + 1;
}
