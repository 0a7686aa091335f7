#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "unit.h"

static bool all_bytes(const void *buf, size_t from, size_t to, int byte)
{
        const unsigned char *b = buf;

        for (size_t i = from; i < to; i++)
                if (b[i] != (unsigned char)byte)
                        return false;
        return true;
}

static void debug_pool(struct pool *p, size_t size, size_t max_free, const char *dm)
{
        struct pool_debug d = {.poison = POOL_POISON_DEFAULT};
        char err[128];

        ck_assert_int_eq(pool_debug_parse(dm, &d, NULL, 0, err, sizeof(err)), POOL_DEBUG_SET);
        pool_init(p, size, max_free);
        pool_set_debug(p, &d);
}

START_TEST(test_get_put_reuses)
{
        struct pool p;
        void *a, *b;

        pool_init(&p, 4096, 2);
        a = pool_get(&p);
        ck_assert_ptr_nonnull(a);
        memset(a, 0xab, 4096);
        ck_assert_uint_eq(p.allocated, 1);
        pool_put(&p, a);
        ck_assert_uint_eq(p.allocated, 0);
        b = pool_get(&p);
#ifndef SL_NO_POOLS
        /* the spare comes back instead of a new allocation */
        ck_assert_ptr_eq(a, b);
#endif
        pool_put(&p, b);
        pool_deinit(&p);
        ck_assert_uint_eq(p.n_free, 0);
}
END_TEST

START_TEST(test_spares_are_bounded)
{
        struct pool p;
        void *v[5];

        pool_init(&p, 64, 2);
        for (int i = 0; i < 5; i++)
                v[i] = pool_get(&p);
        for (int i = 0; i < 5; i++)
                pool_put(&p, v[i]);
#ifndef SL_NO_POOLS
        ck_assert_uint_eq(p.n_free, 2);
#else
        ck_assert_uint_eq(p.n_free, 0);
#endif
        ck_assert_uint_eq(p.allocated, 0);
        pool_put(&p, NULL);
        pool_deinit(&p);
}
END_TEST

START_TEST(test_tiny_size_rounded_up)
{
        struct pool p;

        /* a spare holds a list link, so buffers are at least that large */
        pool_init(&p, 1, 1);
        ck_assert_uint_ge(p.size, sizeof(void *));
        pool_put(&p, pool_get(&p));
        pool_deinit(&p);
}
END_TEST

START_TEST(test_parse)
{
        struct pool_debug d = {.poison = POOL_POISON_DEFAULT};
        char err[128], notice[128];

        /* -dM alone: HAProxy's byte 0x50 */
        ck_assert_int_eq(pool_debug_parse("", &d, notice, sizeof(notice), err, sizeof(err)), 0);
        ck_assert_uint_eq(d.flags, POOL_DBG_POISON);
        ck_assert_int_eq(d.poison, 0x50);
        ck_assert_str_eq(notice, "");
        ck_assert_int_eq(pool_debug_parse("0x41,tag,cold-first", &d, NULL, 0, err, sizeof(err)), 0);
        ck_assert_int_eq(d.poison, 0x41);
        ck_assert_uint_eq(d.flags, POOL_DBG_POISON | POOL_DBG_TAG | POOL_DBG_COLD_FIRST);
        /* several -dM add up; a negative byte turns poisoning off */
        ck_assert_int_eq(
                pool_debug_parse("-1,no-tag,integrity,no-cache", &d, NULL, 0, err, sizeof(err)), 0);
        ck_assert_uint_eq(d.flags, POOL_DBG_COLD_FIRST | POOL_DBG_INTEGRITY | POOL_DBG_NO_CACHE);
        ck_assert_int_eq(pool_debug_parse("0", &d, NULL, 0, err, sizeof(err)), 0);
        ck_assert_int_eq(d.poison, 0);
        ck_assert(d.flags & POOL_DBG_POISON);
        ck_assert_int_eq(
                pool_debug_parse("hot-first,cache,no-poison", &d, NULL, 0, err, sizeof(err)), 0);
        ck_assert_uint_eq(d.flags, POOL_DBG_INTEGRITY);
        ck_assert_int_eq(pool_debug_parse("no-merge", &d, notice, sizeof(notice), err, sizeof(err)),
                         0);
        ck_assert_ptr_nonnull(strstr(notice, "'no-merge' changes nothing"));
        ck_assert_int_eq(pool_debug_parse("tag,help", &d, NULL, 0, err, sizeof(err)),
                         POOL_DEBUG_HELP);
        ck_assert_int_eq(pool_debug_parse("frob", &d, NULL, 0, err, sizeof(err)), -EINVAL);
        ck_assert_str_eq(err, "-dM: unknown pool debugging feature <frob>");
        ck_assert_int_eq(pool_debug_parse("fail", &d, NULL, 0, err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(pool_debug_parse("256", &d, NULL, 0, err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(pool_debug_parse("12x", &d, NULL, 0, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_help_marks_settings)
{
        struct pool_debug d = {.flags = POOL_DBG_TAG, .poison = 0x50};
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        pool_debug_help(f, &d);
        fclose(f);
        ck_assert_ptr_nonnull(strstr(text, "  * tag            |  no-tag"));
        ck_assert_ptr_nonnull(strstr(text, "    poison         |* no-poison"));
        free(text);
}
END_TEST

/* Objects are filled with the byte when handed out and when given back. */
START_TEST(test_poison)
{
        struct pool p;
        unsigned char *a;

        debug_pool(&p, 256, 4, "0x41");
        a = pool_get(&p);
        ck_assert(all_bytes(a, 0, 256, 0x41));
        memset(a, 0, 256);
        pool_put(&p, a);
#ifndef SL_NO_POOLS
        /* a spare: past its list link, the byte (reading it here is a use after free only
         * for the pool's user) */
        ck_assert(all_bytes(a, sizeof(void *), 256, 0x41));
#endif
        a = pool_get(&p);
        ck_assert(all_bytes(a, 0, 256, 0x41));
        pool_put(&p, a);
        pool_deinit(&p);
}
END_TEST

START_TEST(test_cold_first_and_no_cache)
{
        struct pool p;
        void *a, *b;

        debug_pool(&p, 64, 4, "-1,cold-first");
        a = pool_get(&p);
        b = pool_get(&p);
        pool_put(&p, a);
        pool_put(&p, b);
#ifndef SL_NO_POOLS
        /* the spare given back first comes back first */
        ck_assert_ptr_eq(pool_get(&p), a);
        ck_assert_ptr_eq(pool_get(&p), b);
        pool_put(&p, b);
        pool_put(&p, a);
        ck_assert_ptr_eq(pool_get(&p), b);
        pool_put(&p, b);
#endif
        pool_deinit(&p);

        debug_pool(&p, 64, 4, "-1,no-cache");
        pool_put(&p, pool_get(&p));
        ck_assert_uint_eq(p.n_free, 0);
        pool_deinit(&p);
}
END_TEST

START_TEST(test_integrity_and_tag_pass)
{
        struct pool p;
        void *v[3];

        debug_pool(&p, 100, 4, "integrity,tag");
        for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 3; i++) {
                        v[i] = pool_get(&p);
                        memset(v[i], 0xee, 100); /* the whole object is the user's */
                }
                for (int i = 0; i < 3; i++)
                        pool_put(&p, v[i]);
        }
        ck_assert_uint_eq(p.allocated, 0);
        pool_deinit(&p);
}
END_TEST

#ifndef SL_NO_POOLS
/* -dMintegrity: a spare written to after it was given back aborts when handed out again. */
START_TEST(test_integrity_catches_use_after_free)
{
        struct pool p;
        char *a;

        debug_pool(&p, 100, 4, "-1,integrity");
        a = pool_get(&p);
        pool_put(&p, a);
        a[50] = 1;
        (void)pool_get(&p);
}
END_TEST

/* -dMtag: an object given back twice aborts. */
START_TEST(test_tag_catches_double_free)
{
        struct pool p;
        void *a;

        debug_pool(&p, 100, 4, "-1,tag");
        a = pool_get(&p);
        pool_put(&p, a);
        pool_put(&p, a);
}
END_TEST
#endif

/* -dMtag: writing past the end of an object aborts when it is given back. */
START_TEST(test_tag_catches_overflow)
{
        struct pool p;
        char *a;

        debug_pool(&p, 100, 4, "-1,tag");
        a = pool_get(&p);
        a[100] = 'x';
        pool_put(&p, a);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("worker/pool");
        TCase *tc = tcase_create("pool");

        tcase_add_test(tc, test_get_put_reuses);
        tcase_add_test(tc, test_spares_are_bounded);
        tcase_add_test(tc, test_tiny_size_rounded_up);
        suite_add_tcase(s, tc);
        tc = tcase_create("debug");
        tcase_add_test(tc, test_parse);
        tcase_add_test(tc, test_help_marks_settings);
        tcase_add_test(tc, test_poison);
        tcase_add_test(tc, test_cold_first_and_no_cache);
        tcase_add_test(tc, test_integrity_and_tag_pass);
#ifndef SL_NO_POOLS
        tcase_add_test_raise_signal(tc, test_integrity_catches_use_after_free, SIGABRT);
        /* a spare keeps its memory: a second put reads the tag of the first */
        tcase_add_test_raise_signal(tc, test_tag_catches_double_free, SIGABRT);
#endif
        tcase_add_test_raise_signal(tc, test_tag_catches_overflow, SIGABRT);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
