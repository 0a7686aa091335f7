#include <string.h>

#include "pool.h"
#include "unit.h"

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

int main(void)
{
        Suite *s = suite_create("worker/pool");
        TCase *tc = tcase_create("pool");

        tcase_add_test(tc, test_get_put_reuses);
        tcase_add_test(tc, test_spares_are_bounded);
        tcase_add_test(tc, test_tiny_size_rounded_up);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
