#pragma once
/* The TLS session cache shared by every worker (HAProxy's shared SSL session cache,
 * tune.ssl.cachesize): serialized sessions stored by session ID, so that a client resuming on
 * any worker finds the session another worker created. It stores opaque bytes by key and
 * knows nothing of OpenSSL; the TLS glue serializes sessions (i2d_SSL_SESSION) before
 * tls_cache_put() and parses what tls_cache_get() returns.
 *
 * Layout, in one caller-provided block (a shm region mapped before the workers fork): a header
 * (geometry, counters), then one 64-byte head per entry, then one data slot of
 * TLS_CACHE_DATA_MAX bytes per entry. Entries form set-associative buckets of
 * TLS_CACHE_WAYS: a key lives in the bucket its hash names, so a lookup reads the heads of
 * one bucket (4 x 64 contiguous bytes) and the data slot of the entry that matches. An entry
 * costs TLS_CACHE_ENTRY_BYTES (2048 bytes); the default 20000 entries take about 39 MiB of
 * address space, of which a fresh cache touches only the heads (1.2 MiB): a data slot's pages
 * are used the first time a session is stored in it.
 *
 * Why fixed slots: HAProxy chains 128-byte blocks out of a shared free list, which needs a
 * lock held across the whole store; a process killed while holding it would wedge every
 * worker. A fixed slot needs no allocator: claiming an entry is one CAS. A serialized server
 * session is about 140 bytes plus the client's certificate if it sent one (OpenSSL 3.0, TLS
 * 1.2: 570 bytes with a 434-byte ECDSA certificate, 780 with a 644-byte RSA-2048 one), so
 * TLS_CACHE_DATA_MAX holds every session without a client certificate and those with one of
 * up to about 1.8 KiB; larger ones (long RSA-4096 certificates) are not stored and are counted
 * as too_large: such a client makes a full handshake, nothing breaks.
 *
 * Concurrency, without locks: each head has a 64-bit word holding a busy bit, a version and a
 * 32-bit stamp in ms (the claim time while busy, the store time otherwise). A writer claims an
 * entry with one CAS (busy, version + 1), writes key, length, expiry, checksum and data, then
 * releases it with another CAS (not busy, version + 1). A reader never writes and never waits:
 * it skips busy entries, copies the fields, and accepts them only if the word is unchanged
 * afterwards (seqlock) and the checksum over key, length, expiry and data matches. Writers never
 * wait either: a busy entry is passed over, and a put that finds no entry to claim drops the
 * session (counted as busy).
 *
 * A process killed between claim and release leaves an entry busy: once
 * TLS_CACHE_CLAIM_STALE_MS have passed since its claim stamp (by the clock of the writer that
 * looks), the next put into that bucket may take it over (counted as takeovers). A writer that
 * was only slow and resumes after a takeover may still store into the entry: its release CAS
 * fails, and readers then see either a complete record of one of the two puts or a checksum
 * mismatch (a miss), never a mix. Stamps are 32-bit: a claim left unvisited for 24.8 days looks
 * fresh again for as long; any put into its bucket in between takes it over.
 *
 * Eviction: entries expire at put time + lifetime; a put reuses, in order, the entry of the
 * same key, an empty or expired entry, then the least recently stored entry of the bucket
 * (counted as an eviction). Lookups do not refresh entries: they never write shared memory. */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TLS_CACHE_KEY_MAX        32u   /* SSL_MAX_SSL_SESSION_ID_LENGTH */
#define TLS_CACHE_ENTRY_BYTES    2048u /* head + data slot, per entry */
#define TLS_CACHE_HEAD_BYTES     64u
#define TLS_CACHE_DATA_MAX       (TLS_CACHE_ENTRY_BYTES - TLS_CACHE_HEAD_BYTES) /* 1984 */
#define TLS_CACHE_WAYS           4u /* entries per bucket */
#define TLS_CACHE_ENTRIES_MAX    (1u << 22)
#define TLS_CACHE_CLAIM_STALE_MS 1000u /* a claim older than this may be taken over */
#define TLS_CACHE_LAYOUT         1u    /* bump when the header or entry layout changes */

struct tls_cache;

/* Counters, as tls_cache_stats() reads them; they only grow (64-bit, relaxed). */
struct tls_cache_stats {
        uint64_t lookups;   /* tls_cache_get() calls with a valid key */
        uint64_t hits;      /* lookups that returned a session */
        uint64_t misses;    /* lookups that did not (absent, expired, being written, torn) */
        uint64_t stores;    /* sessions stored */
        uint64_t evictions; /* live sessions of another key replaced to make room */
        uint64_t too_large; /* puts refused: more than TLS_CACHE_DATA_MAX bytes */
        uint64_t busy;      /* puts dropped: every candidate entry was being written */
        uint64_t takeovers; /* claims of dead or stalled writers taken over */
        uint64_t removes;   /* entries removed by tls_cache_remove() */
};

/* Bytes a cache of @entries entries needs (rounded up to whole buckets, header included), or
 * 0 when @entries is 0 or above TLS_CACHE_ENTRIES_MAX. */
size_t tls_cache_size(unsigned entries);

/* Lay out an empty cache of @entries entries in @mem, @size bytes (at least
 * tls_cache_size(@entries)), 64-byte aligned, shared by every process that will use it. Writes
 * the header and the heads, not the data slots. Nothing is allocated: the cache is @mem itself,
 * returned in *ret_cache, valid as long as the mapping. Returns 0, or -EINVAL for a bad count,
 * size or alignment. Call it once, before any other process uses the block. */
int tls_cache_init(void *mem, size_t size, unsigned entries, struct tls_cache **ret_cache);

/* The cache laid out in @mem by tls_cache_init(), maybe in another process or at another
 * address (a re-executed master). Returns 0 and *ret_cache, or -EPROTO when @mem holds no cache
 * of this layout or one larger than @size. */
int tls_cache_attach(void *mem, size_t size, struct tls_cache **ret_cache);

/* Store @dlen bytes of @data under the key @key (@klen bytes, 1 .. TLS_CACHE_KEY_MAX) at
 * @now_ms (any monotonic ms clock shared by the processes), to expire @lifetime_ms later,
 * replacing the key's previous session. Returns 0 when stored, -EINVAL for a bad key length,
 * -EMSGSIZE when @dlen > TLS_CACHE_DATA_MAX (counted as too_large), -EBUSY when the session was
 * dropped (counted as busy): every candidate entry was being written by another process, or
 * this writer stalled past TLS_CACHE_CLAIM_STALE_MS and lost its entry. @key and @data are
 * only read. */
int tls_cache_put(struct tls_cache *c, const uint8_t *key, size_t klen, const uint8_t *data,
                  size_t dlen, uint64_t now_ms, uint32_t lifetime_ms);

/* Copy the session stored under @key (@klen bytes) into @out (@cap bytes) if it has not
 * expired at @now_ms. Returns its length, -ENOENT when there is none (or it is being written),
 * -ENOBUFS when it is longer than @cap, -EINVAL for a bad key length. @out's content is
 * undefined unless a length is returned. Never blocks and never writes the entries. */
ssize_t tls_cache_get(struct tls_cache *c, const uint8_t *key, size_t klen, uint8_t *out,
                      size_t cap, uint64_t now_ms);

/* Remove every entry stored under @key (@klen bytes; a bad length removes nothing) at @now_ms.
 * Best effort: an entry being written at that moment is left to its writer (whatever it
 * stores replaces the old session anyway). */
void tls_cache_remove(struct tls_cache *c, const uint8_t *key, size_t klen, uint64_t now_ms);

/* Entries of the cache (@entries of tls_cache_init(), rounded up to whole buckets). */
unsigned tls_cache_entries(const struct tls_cache *c);

/* Read the counters into *ret. Each is read atomically; together they are no snapshot. */
void tls_cache_stats(const struct tls_cache *c, struct tls_cache_stats *ret);

/* For tests only: when set, every put calls it after claiming an entry and before writing it,
 * so that a test can stop or kill the writer there. Per process; NULL (no call) by default. */
extern void (*tls_cache_hook_claimed)(void);
