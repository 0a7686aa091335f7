/* The ticket-key ring: HAProxy's rule (of the last three keys all decrypt, the penultimate
 * encrypts), rotation, and a slot left half-written. */
#include <string.h>

#include "tls_keys.h"
#include "unit.h"

static struct tls_key key(uint8_t id)
{
        struct tls_key k = {.bits = 256};

        memset(k.name, id, sizeof(k.name));
        memset(k.aes, id + 1, sizeof(k.aes));
        memset(k.hmac, id + 2, sizeof(k.hmac));
        return k;
}

static bool finds(const struct tls_keys *r, uint8_t id, bool *is_enc)
{
        struct tls_key k = key(id), got;

        return tls_keys_find(r, k.name, &got, is_enc) && memcmp(&got, &k, sizeof(k)) == 0;
}

START_TEST(empty_and_one)
{
        static struct tls_keys r;
        struct tls_key got, k1 = key(1);
        bool enc;

        ck_assert(!tls_keys_enc(&r, &got));
        tls_keys_push(&r, &k1, 5);
        ck_assert(tls_keys_enc(&r, &got));
        ck_assert_int_eq(memcmp(&got, &k1, sizeof(k1)), 0);
        ck_assert(finds(&r, 1, &enc));
        ck_assert(enc);
        ck_assert_uint_eq(r.rotated_ms, 5);
}
END_TEST

START_TEST(penultimate_encrypts)
{
        static struct tls_keys r;
        struct tls_key got;
        bool enc;

        for (uint8_t i = 1; i <= 3; i++) {
                struct tls_key k = key(i);

                tls_keys_push(&r, &k, i);
        }
        ck_assert(tls_keys_enc(&r, &got));
        ck_assert_int_eq(got.name[0], 2);
        ck_assert(finds(&r, 1, &enc) && !enc);
        ck_assert(finds(&r, 2, &enc) && enc);
        ck_assert(finds(&r, 3, &enc) && !enc); /* known before it encrypts */
}
END_TEST

/* A rotation: the oldest key leaves, a ticket of the previous encryption key still reads
 * (and is renewed), for one more period. */
START_TEST(rotation)
{
        static struct tls_keys r;
        bool enc;

        for (uint8_t i = 1; i <= 20; i++) {
                struct tls_key k = key(i);

                tls_keys_push(&r, &k, i);
                if (i >= 3) {
                        ck_assert(!finds(&r, (uint8_t)(i - 3), &enc));
                        ck_assert(finds(&r, (uint8_t)(i - 2), &enc) && !enc);
                        ck_assert(finds(&r, (uint8_t)(i - 1), &enc) && enc);
                        ck_assert(finds(&r, i, &enc) && !enc);
                }
        }
}
END_TEST

/* A writer that died in the middle of a slot: readers skip it, the next rotation rewrites it. */
START_TEST(half_written_slot)
{
        static struct tls_keys r;
        struct tls_key got, k;
        bool enc;

        for (uint8_t i = 1; i <= 3; i++) {
                k = key(i);
                tls_keys_push(&r, &k, i);
        }
        /* slot of key 2 (the encryption key) marked as being written */
        atomic_fetch_add(&r.slot[1].seq, 1);
        ck_assert(!tls_keys_enc(&r, &got));
        ck_assert(!finds(&r, 2, &enc));
        ck_assert(finds(&r, 3, &enc));
        k = key(4);
        tls_keys_push(&r, &k, 4);
        ck_assert(tls_keys_enc(&r, &got));
        ck_assert_int_eq(got.name[0], 3);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("tls_keys");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, empty_and_one);
        tcase_add_test(tc, penultimate_encrypts);
        tcase_add_test(tc, rotation);
        tcase_add_test(tc, half_written_slot);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        return unit_run(suite());
}
