/* TLS session-ticket key ring (see tls_keys.h). */
#include "tls_keys.h"

#include <string.h>

#define READ_TRIES 16

void tls_keys_push(struct tls_keys *r, const struct tls_key *k, uint64_t now_ms)
{
        uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
        struct tls_key_slot *s = &r->slot[head % TLS_KEYS_RING];
        uint32_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);

        /* odd: readers that start now skip it; the release fence orders the mark before the
         * bytes (a reader that sees new bytes also sees the odd or the new even sequence) */
        atomic_store_explicit(&s->seq, seq | 1u, memory_order_relaxed);
        atomic_thread_fence(memory_order_release);
        memcpy(&s->key, k, sizeof(*k));
        atomic_store_explicit(&s->seq, (seq | 1u) + 1u, memory_order_release);
        atomic_store_explicit(&r->head, head + 1, memory_order_release);
        atomic_store_explicit(&r->rotated_ms, now_ms, memory_order_relaxed);
}

/* Copy slot @i if it reads consistently. */
static bool slot_read(const struct tls_keys *r, uint64_t i, struct tls_key *ret)
{
        const struct tls_key_slot *s = &r->slot[i % TLS_KEYS_RING];

        for (int t = 0; t < READ_TRIES; t++) {
                uint32_t a = atomic_load_explicit(&s->seq, memory_order_acquire);

                if (a & 1u)
                        return false; /* being written, or its writer died: skip it */
                memcpy(ret, &s->key, sizeof(*ret));
                atomic_thread_fence(memory_order_acquire);
                if (atomic_load_explicit(&s->seq, memory_order_relaxed) == a)
                        return true;
        }
        return false;
}

bool tls_keys_enc(const struct tls_keys *r, struct tls_key *ret)
{
        uint64_t head = tls_keys_count(r);

        if (head == 0)
                return false;
        return slot_read(r, head >= 2 ? head - 2 : head - 1, ret);
}

bool tls_keys_find(const struct tls_keys *r, const uint8_t name[TLS_KEY_NAME_LEN],
                   struct tls_key *ret, bool *ret_is_enc)
{
        uint64_t head = tls_keys_count(r);
        uint64_t enc = head >= 2 ? head - 2 : head - 1;

        for (uint64_t n = 0; n < TLS_KEYS_LIVE && n < head; n++) {
                uint64_t i = head - 1 - n;

                /* copied whole before comparing: a slot is only read under its sequence */
                if (!slot_read(r, i, ret) || memcmp(ret->name, name, TLS_KEY_NAME_LEN) != 0)
                        continue;
                *ret_is_enc = i == enc;
                return true;
        }
        return false;
}
