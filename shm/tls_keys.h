#pragma once
/* TLS session-ticket keys shared by every worker of every generation: a ring the master
 * writes and workers read, in shared memory (or in a worker's own memory for the keys of a
 * tls-ticket-keys file, which use the same layout and rule).
 *
 * The rule is HAProxy's for tls-ticket-keys files: of the last TLS_KEYS_LIVE keys, all
 * decrypt and the middle one (the penultimate) encrypts. The newest key is thus known to
 * every worker before any worker encrypts with it, so a rotation never makes a worker issue a
 * ticket another cannot read, and a ticket outlives its key's use for encryption by one
 * rotation period.
 *
 * Concurrency without locks: one writer (the master) fills a slot that no reader uses (it left
 * the live window TLS_KEYS_RING - TLS_KEYS_LIVE rotations ago), then advances the head. Each
 * slot has a sequence number, odd while it is written; a reader copies a key and checks that
 * the sequence was even and unchanged around the copy, else retries (a bounded number of
 * times). A writer killed mid-write leaves one odd slot, which readers skip and the next
 * rotation rewrites. No OpenSSL here: keys are bytes. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_KEYS_LIVE    3 /* keys accepted for decryption (HAProxy's TLS_TICKETS_NO) */
#define TLS_KEYS_RING    8 /* slots; the others are quiet, then rewritten */
#define TLS_KEY_NAME_LEN 16
#define TLS_KEY_PART_MAX 32 /* AES-256 and its HMAC key; AES-128 keys use 16 of each */

/* One key as HAProxy's files hold it: name, AES key, HMAC key (48 or 80 bytes). */
struct tls_key {
        uint8_t name[TLS_KEY_NAME_LEN];
        uint8_t aes[TLS_KEY_PART_MAX];
        uint8_t hmac[TLS_KEY_PART_MAX];
        uint16_t bits; /* 128 or 256 */
};

struct tls_key_slot {
        _Atomic uint32_t seq; /* odd while written */
        struct tls_key key;
};

struct tls_keys {
        _Atomic uint64_t head;       /* keys ever stored; the newest is in slot (head - 1) % RING */
        _Atomic uint64_t rotated_ms; /* wall clock of the last rotation (the master's schedule) */
        struct tls_key_slot slot[TLS_KEYS_RING];
};

/* Store @k as the newest key (the writer's side; one writer at a time). */
void tls_keys_push(struct tls_keys *r, const struct tls_key *k, uint64_t now_ms);

/* Keys stored so far (at most what the ring holds matters). */
static inline uint64_t tls_keys_count(const struct tls_keys *r)
{
        return atomic_load_explicit(&r->head, memory_order_acquire);
}

/* The key to encrypt new tickets with: the penultimate of the live ones (the only one while
 * fewer than two were stored). false when the ring is empty or the slot could not be read
 * consistently. */
bool tls_keys_enc(const struct tls_keys *r, struct tls_key *ret);

/* The live key named @name, for decryption: true and *ret, *ret_is_enc saying whether it is
 * also the encryption key (else the ticket should be renewed). */
bool tls_keys_find(const struct tls_keys *r, const uint8_t name[TLS_KEY_NAME_LEN],
                   struct tls_key *ret, bool *ret_is_enc);
