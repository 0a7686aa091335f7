/* The shared TLS session cache: the master lays it out in a shm region before forking; every
 * worker's TLS glue stores, finds and removes serialized sessions through it. The entry
 * protocol (claim, seqlock, checksum, takeover of dead writers) is described in tls_cache.h. */
#include "tls_cache.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

#define TLS_CACHE_MAGIC 0x544c5343u /* "TLSC" */
#define KEY_WORDS       (TLS_CACHE_KEY_MAX / 8)
#define DATA_WORDS      (TLS_CACHE_DATA_MAX / 8)

/* Head word: busy (bit 0), version (bits 1-31), stamp in ms (bits 32-63). */
#define W_BUSY          1ull
#define W_VER(w)        (((w) >> 1) & 0x7fffffffull)
#define W_STAMP(w)      ((uint32_t)((w) >> 32))
#define W_MAKE(s, v, b) (((uint64_t)(uint32_t)(s) << 32) | (((v)&0x7fffffffull) << 1) | (b))

struct tls_cache {
        uint32_t magic;   /* TLS_CACHE_MAGIC, written last by init */
        uint32_t layout;  /* TLS_CACHE_LAYOUT */
        uint32_t entries; /* buckets * TLS_CACHE_WAYS */
        uint32_t buckets;
        uint64_t seed;      /* bucket hash and checksum seed, random per cache */
        uint64_t heads_off; /* bytes from this header to the first head */
        uint64_t data_off;  /* bytes from this header to the first data slot */
        uint8_t spare[24];
        /* written by every process: keep them off the read-mostly line above */
        _Atomic uint64_t lookups __attribute__((aligned(64)));
        _Atomic uint64_t hits;
        _Atomic uint64_t misses;
        _Atomic uint64_t stores;
        _Atomic uint64_t evictions;
        _Atomic uint64_t too_large;
        _Atomic uint64_t busy;
        _Atomic uint64_t takeovers;
        _Atomic uint64_t removes;
        uint8_t spare2[120];
};

/* Every field but @word is written only by the process holding the claim, and read by anyone
 * with relaxed loads whose result counts only if @word did not change meanwhile. */
struct tls_cache_head {
        _Atomic uint64_t word;   /* W_* above */
        _Atomic uint64_t expire; /* ms */
        _Atomic uint64_t sum;    /* checksum of klen, dlen, expire, key and data words */
        _Atomic uint32_t klen;   /* 0: empty or removed */
        _Atomic uint32_t dlen;
        _Atomic uint64_t key[KEY_WORDS]; /* zero padded */
};

struct tls_cache_slot {
        _Atomic uint64_t w[DATA_WORDS]; /* data, the last word zero padded */
};

/* A key as stored, with its hash. */
struct tls_cache_key {
        uint64_t w[KEY_WORDS];
        uint32_t len;
        uint64_t hash;
};

_Static_assert(sizeof(struct tls_cache) == 256, "header layout");
_Static_assert(sizeof(struct tls_cache_head) == TLS_CACHE_HEAD_BYTES, "head layout");
_Static_assert(sizeof(struct tls_cache_slot) == TLS_CACHE_DATA_MAX, "slot layout");
_Static_assert(TLS_CACHE_DATA_MAX % 64 == 0, "slots stay cache-line aligned");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");

void (*tls_cache_hook_claimed)(void);

static uint64_t tls__mix(uint64_t h)
{
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdull;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 33;
        return h;
}

/* Checksum step: cheap per word, the final tls__mix() spreads every bit. */
static uint64_t tls__sum_step(uint64_t h, uint64_t w)
{
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
        return h ^ (h >> 29);
}

static struct tls_cache_head *tls__head(struct tls_cache *c, uint32_t idx)
{
        return (struct tls_cache_head *)((char *)c + c->heads_off) + idx;
}

static struct tls_cache_slot *tls__slot(struct tls_cache *c, uint32_t idx)
{
        return (struct tls_cache_slot *)((char *)c + c->data_off) + idx;
}

static void tls__count(_Atomic uint64_t *ctr)
{
        atomic_fetch_add_explicit(ctr, 1, memory_order_relaxed);
}

static int tls__key(const struct tls_cache *c, const uint8_t *key, size_t klen,
                    struct tls_cache_key *k)
{
        uint64_t h = c->seed;

        if (!key || klen == 0 || klen > TLS_CACHE_KEY_MAX)
                return -EINVAL;
        memset(k->w, 0, sizeof(k->w));
        memcpy(k->w, key, klen);
        k->len = (uint32_t)klen;
        for (unsigned i = 0; i < KEY_WORDS; i++)
                h = tls__sum_step(h, k->w[i]);
        k->hash = tls__mix(h ^ klen);
        return 0;
}

static uint32_t tls__bucket(const struct tls_cache *c, const struct tls_cache_key *k)
{
        return (uint32_t)(((k->hash >> 32) * c->buckets) >> 32) * TLS_CACHE_WAYS;
}

/* The head's key equals @k (relaxed reads: meaningful only if the word is then unchanged). */
static bool tls__key_eq(const struct tls_cache_head *e, const struct tls_cache_key *k)
{
        if (atomic_load_explicit(&e->klen, memory_order_relaxed) != k->len)
                return false;
        for (unsigned i = 0; i < KEY_WORDS; i++)
                if (atomic_load_explicit(&e->key[i], memory_order_relaxed) != k->w[i])
                        return false;
        return true;
}

static uint64_t tls__sum_head(const struct tls_cache *c, uint32_t klen, uint32_t dlen,
                              uint64_t expire, const uint64_t *kw)
{
        uint64_t h = tls__sum_step(c->seed, ((uint64_t)klen << 32) | dlen);

        h = tls__sum_step(h, expire);
        for (unsigned i = 0; i < KEY_WORDS; i++)
                h = tls__sum_step(h, kw[i]);
        return h;
}

static int32_t tls__age(uint64_t w, uint64_t now)
{
        int32_t age = (int32_t)((uint32_t)now - W_STAMP(w));

        /* a stamp ahead of @now is another process's clock a little ahead of ours */
        return age < 0 ? 0 : age;
}

size_t tls_cache_size(unsigned entries)
{
        size_t n;

        if (entries == 0 || entries > TLS_CACHE_ENTRIES_MAX)
                return 0;
        n = (entries + TLS_CACHE_WAYS - 1) / TLS_CACHE_WAYS * TLS_CACHE_WAYS;
        return sizeof(struct tls_cache) + n * (size_t)TLS_CACHE_ENTRY_BYTES;
}

int tls_cache_init(void *mem, size_t size, unsigned entries, struct tls_cache **ret_cache)
{
        size_t need = tls_cache_size(entries);
        struct tls_cache *c = mem;
        uint64_t seed;

        if (!mem || need == 0 || size < need || ((uintptr_t)mem & 63))
                return -EINVAL;
        /* The seed only spreads keys over buckets; a fixed fallback is safe (session IDs are
         * chosen by the server, not the client). */
        if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
                seed = 0x736c756963652121ull;
        memset(c, 0, sizeof(*c));
        c->layout = TLS_CACHE_LAYOUT;
        c->buckets = (uint32_t)((need - sizeof(*c)) / TLS_CACHE_ENTRY_BYTES / TLS_CACHE_WAYS);
        c->entries = c->buckets * TLS_CACHE_WAYS;
        c->seed = seed;
        c->heads_off = sizeof(*c);
        c->data_off = c->heads_off + (uint64_t)c->entries * TLS_CACHE_HEAD_BYTES;
        /* Data slots are left as they are: no head points at them yet, and not touching them
         * keeps their pages unused until a session is stored there. */
        memset(tls__head(c, 0), 0, (size_t)c->entries * TLS_CACHE_HEAD_BYTES);
        atomic_thread_fence(memory_order_release);
        c->magic = TLS_CACHE_MAGIC;
        *ret_cache = c;
        return 0;
}

int tls_cache_attach(void *mem, size_t size, struct tls_cache **ret_cache)
{
        struct tls_cache *c = mem;

        if (!mem || size < sizeof(*c) || ((uintptr_t)mem & 63))
                return -EPROTO;
        if (c->magic != TLS_CACHE_MAGIC || c->layout != TLS_CACHE_LAYOUT ||
            c->entries != c->buckets * TLS_CACHE_WAYS || tls_cache_size(c->entries) > size)
                return -EPROTO;
        *ret_cache = c;
        return 0;
}

/* How a put may use an entry, best first. */
enum tls_pick {
        TLS_PICK_NONE = 0,
        TLS_PICK_LIVE,  /* another key's session: an eviction */
        TLS_PICK_STALE, /* claimed by a writer dead or stalled past the bound: a takeover */
        TLS_PICK_FREE,  /* empty, removed or expired */
        TLS_PICK_SAME,  /* the key's own previous session */
};

/* Choose the entry of @k's bucket a put should claim; returns its kind, *ret_idx and the word
 * to CAS from in *ret_w. Reads are unlocked hints: the claim CAS settles who gets the entry. */
static enum tls_pick tls__choose(struct tls_cache *c, const struct tls_cache_key *k, uint64_t now,
                                 uint32_t *ret_idx, uint64_t *ret_w)
{
        uint32_t base = tls__bucket(c, k);
        enum tls_pick best = TLS_PICK_NONE;
        int32_t best_age = -1;

        for (uint32_t i = base; i < base + TLS_CACHE_WAYS; i++) {
                struct tls_cache_head *e = tls__head(c, i);
                uint64_t w = atomic_load_explicit(&e->word, memory_order_acquire);
                enum tls_pick p;
                int32_t age = tls__age(w, now);

                if (w & W_BUSY)
                        p = age >= (int32_t)TLS_CACHE_CLAIM_STALE_MS ? TLS_PICK_STALE
                                                                     : TLS_PICK_NONE;
                else if (tls__key_eq(e, k))
                        p = TLS_PICK_SAME;
                else if (atomic_load_explicit(&e->klen, memory_order_relaxed) == 0 ||
                         atomic_load_explicit(&e->expire, memory_order_relaxed) <= now)
                        p = TLS_PICK_FREE;
                else
                        p = TLS_PICK_LIVE;
                /* among entries of one kind, the least recently stored (or claimed) */
                if (p > best || (p == best && p != TLS_PICK_NONE && age > best_age)) {
                        best = p;
                        best_age = age;
                        *ret_idx = i;
                        *ret_w = w;
                }
        }
        return best;
}

/* Claim an entry for @k: returns its index and writes the claimed word in *ret_claim, or
 * -EBUSY. Two rounds: a lost CAS means another writer took that entry, and the bucket may
 * well have another one for us. */
static int64_t tls__claim(struct tls_cache *c, const struct tls_cache_key *k, uint64_t now,
                          uint64_t *ret_claim)
{
        for (int round = 0; round < 2; round++) {
                uint32_t idx = 0;
                uint64_t w = 0, claim;
                enum tls_pick p = tls__choose(c, k, now, &idx, &w);

                if (p == TLS_PICK_NONE)
                        break;
                claim = W_MAKE(now, W_VER(w) + 1, W_BUSY);
                if (!atomic_compare_exchange_strong_explicit(&tls__head(c, idx)->word, &w, claim,
                                                             memory_order_acq_rel,
                                                             memory_order_relaxed))
                        continue;
                if (p == TLS_PICK_STALE)
                        tls__count(&c->takeovers);
                else if (p == TLS_PICK_LIVE)
                        tls__count(&c->evictions);
                *ret_claim = claim;
                return idx;
        }
        return -EBUSY;
}

/* Release the claim @claim on entry @e; false if another writer took it over meanwhile. */
static bool tls__release(struct tls_cache_head *e, uint64_t claim, uint64_t now)
{
        return atomic_compare_exchange_strong_explicit(&e->word, &claim,
                                                       W_MAKE(now, W_VER(claim) + 1, 0),
                                                       memory_order_release, memory_order_relaxed);
}

int tls_cache_put(struct tls_cache *c, const uint8_t *key, size_t klen, const uint8_t *data,
                  size_t dlen, uint64_t now_ms, uint32_t lifetime_ms)
{
        struct tls_cache_key k;
        struct tls_cache_head *e;
        struct tls_cache_slot *s;
        uint64_t claim, expire = now_ms + lifetime_ms, sum;
        int64_t idx;
        int r;

        r = tls__key(c, key, klen, &k);
        if (r < 0)
                return r;
        if (dlen > TLS_CACHE_DATA_MAX) {
                tls__count(&c->too_large);
                return -EMSGSIZE;
        }
        idx = tls__claim(c, &k, now_ms, &claim);
        if (idx < 0) {
                tls__count(&c->busy);
                return (int)idx;
        }
        if (tls_cache_hook_claimed)
                tls_cache_hook_claimed();
        e = tls__head(c, (uint32_t)idx);
        s = tls__slot(c, (uint32_t)idx);
        /* seqlock writer: stores below must not be seen before the claim */
        atomic_thread_fence(memory_order_release);
        sum = tls__sum_head(c, k.len, (uint32_t)dlen, expire, k.w);
        for (size_t i = 0; i * 8 < dlen; i++) {
                uint64_t w = 0;

                memcpy(&w, data + i * 8, dlen - i * 8 < 8 ? dlen - i * 8 : 8);
                sum = tls__sum_step(sum, w);
                atomic_store_explicit(&s->w[i], w, memory_order_relaxed);
        }
        atomic_store_explicit(&e->klen, k.len, memory_order_relaxed);
        atomic_store_explicit(&e->dlen, (uint32_t)dlen, memory_order_relaxed);
        atomic_store_explicit(&e->expire, expire, memory_order_relaxed);
        for (unsigned i = 0; i < KEY_WORDS; i++)
                atomic_store_explicit(&e->key[i], k.w[i], memory_order_relaxed);
        atomic_store_explicit(&e->sum, tls__mix(sum), memory_order_relaxed);
        if (!tls__release(e, claim, now_ms)) {
                /* taken over while we were stalled: the entry is the new owner's */
                tls__count(&c->busy);
                return -EBUSY;
        }
        tls__count(&c->stores);
        return 0;
}

/* Copy entry @idx's session for @k into @out if it is whole, live and fits: returns its length
 * or -ENOENT (changed under us, torn, expired), -ENOBUFS. */
static ssize_t tls__read(struct tls_cache *c, uint32_t idx, const struct tls_cache_key *k,
                         uint64_t w, uint8_t *out, size_t cap, uint64_t now)
{
        struct tls_cache_head *e = tls__head(c, idx);
        struct tls_cache_slot *s = tls__slot(c, idx);
        uint32_t dlen = atomic_load_explicit(&e->dlen, memory_order_relaxed);
        uint64_t expire = atomic_load_explicit(&e->expire, memory_order_relaxed);
        uint64_t want = atomic_load_explicit(&e->sum, memory_order_relaxed);
        uint64_t sum = tls__sum_head(c, k->len, dlen, expire, k->w);

        if (dlen > TLS_CACHE_DATA_MAX || expire <= now)
                return -ENOENT;
        if (dlen > cap) {
                atomic_thread_fence(memory_order_acquire);
                return atomic_load_explicit(&e->word, memory_order_relaxed) == w ? -ENOBUFS
                                                                                 : -ENOENT;
        }
        for (size_t i = 0; i * 8 < dlen; i++) {
                uint64_t v = atomic_load_explicit(&s->w[i], memory_order_relaxed);

                sum = tls__sum_step(sum, v);
                memcpy(out + i * 8, &v, dlen - i * 8 < 8 ? dlen - i * 8 : 8);
        }
        /* seqlock reader: the copies above happen before this second look at the word */
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&e->word, memory_order_relaxed) != w || tls__mix(sum) != want)
                return -ENOENT;
        return dlen;
}

ssize_t tls_cache_get(struct tls_cache *c, const uint8_t *key, size_t klen, uint8_t *out,
                      size_t cap, uint64_t now_ms)
{
        struct tls_cache_key k;
        uint32_t idx[TLS_CACHE_WAYS];
        uint64_t word[TLS_CACHE_WAYS];
        unsigned n = 0;
        uint32_t base;
        ssize_t r = -ENOENT;

        if (tls__key(c, key, klen, &k) < 0)
                return -EINVAL;
        tls__count(&c->lookups);
        base = tls__bucket(c, &k);
        for (uint32_t i = base; i < base + TLS_CACHE_WAYS; i++) {
                struct tls_cache_head *e = tls__head(c, i);
                uint64_t w = atomic_load_explicit(&e->word, memory_order_acquire);
                unsigned j;

                if ((w & W_BUSY) || !tls__key_eq(e, &k))
                        continue;
                /* Two puts of one key racing can leave two copies: try the most recently
                 * stored first (insertion sort on the stamp, newest first). */
                for (j = n; j > 0 && (int32_t)(W_STAMP(w) - W_STAMP(word[j - 1])) > 0; j--) {
                        idx[j] = idx[j - 1];
                        word[j] = word[j - 1];
                }
                idx[j] = i;
                word[j] = w;
                n++;
        }
        for (unsigned j = 0; j < n && r == -ENOENT; j++)
                r = tls__read(c, idx[j], &k, word[j], out, cap, now_ms);
        tls__count(r >= 0 ? &c->hits : &c->misses);
        return r;
}

void tls_cache_remove(struct tls_cache *c, const uint8_t *key, size_t klen, uint64_t now_ms)
{
        struct tls_cache_key k;
        uint32_t base;

        if (tls__key(c, key, klen, &k) < 0)
                return;
        base = tls__bucket(c, &k);
        for (uint32_t i = base; i < base + TLS_CACHE_WAYS; i++) {
                struct tls_cache_head *e = tls__head(c, i);
                uint64_t w = atomic_load_explicit(&e->word, memory_order_acquire);
                uint64_t claim = W_MAKE(now_ms, W_VER(w) + 1, W_BUSY);

                if ((w & W_BUSY) || !tls__key_eq(e, &k))
                        continue;
                if (!atomic_compare_exchange_strong_explicit(
                            &e->word, &w, claim, memory_order_acq_rel, memory_order_relaxed))
                        continue;
                atomic_thread_fence(memory_order_release);
                atomic_store_explicit(&e->klen, 0, memory_order_relaxed);
                atomic_store_explicit(&e->expire, 0, memory_order_relaxed);
                if (tls__release(e, claim, now_ms))
                        tls__count(&c->removes);
        }
}

unsigned tls_cache_entries(const struct tls_cache *c)
{
        return c->entries;
}

void tls_cache_stats(const struct tls_cache *c, struct tls_cache_stats *ret)
{
        ret->lookups = atomic_load_explicit(&c->lookups, memory_order_relaxed);
        ret->hits = atomic_load_explicit(&c->hits, memory_order_relaxed);
        ret->misses = atomic_load_explicit(&c->misses, memory_order_relaxed);
        ret->stores = atomic_load_explicit(&c->stores, memory_order_relaxed);
        ret->evictions = atomic_load_explicit(&c->evictions, memory_order_relaxed);
        ret->too_large = atomic_load_explicit(&c->too_large, memory_order_relaxed);
        ret->busy = atomic_load_explicit(&c->busy, memory_order_relaxed);
        ret->takeovers = atomic_load_explicit(&c->takeovers, memory_order_relaxed);
        ret->removes = atomic_load_explicit(&c->removes, memory_order_relaxed);
}
