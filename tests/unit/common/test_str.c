#include <errno.h>
#include <limits.h>

#include "str.h"
#include "unit.h"

START_TEST(test_eq_and_ieq)
{
        ck_assert(sl_str_eq(SL_STR_LIT("Host"), SL_STR_LIT("Host")));
        ck_assert(!sl_str_eq(SL_STR_LIT("Host"), SL_STR_LIT("host")));
        ck_assert(sl_str_ieq(SL_STR_LIT("Content-Length"), SL_STR_LIT("content-LENGTH")));
        ck_assert(!sl_str_ieq(SL_STR_LIT("a"), SL_STR_LIT("ab")));
        /* '@' and '`' differ from 'A'/'a' only in bit 5 region edges: must not fold */
        ck_assert(!sl_str_ieq(SL_STR_LIT("@"), SL_STR_LIT("`")));
        ck_assert(sl_str_eq(SL_STR_NULL, SL_STR_LIT("")));
}
END_TEST

START_TEST(test_prefix)
{
        ck_assert(sl_str_has_prefix(SL_STR_LIT("/api/v1"), SL_STR_LIT("/api")));
        ck_assert(!sl_str_has_prefix(SL_STR_LIT("/ap"), SL_STR_LIT("/api")));
        ck_assert(sl_str_has_prefix(SL_STR_LIT("x"), SL_STR_NULL));
}
END_TEST

START_TEST(test_to_u64)
{
        unsigned long long v = 7;

        ck_assert_int_eq(sl_str_to_u64(SL_STR_LIT("0"), ULLONG_MAX, &v), 0);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(sl_str_to_u64(SL_STR_LIT("18446744073709551615"), ULLONG_MAX, &v), 0);
        ck_assert(v == ULLONG_MAX);
        ck_assert_int_eq(sl_str_to_u64(SL_STR_LIT("18446744073709551616"), ULLONG_MAX, &v),
                         -ERANGE);
        ck_assert_int_eq(sl_str_to_u64(SL_STR_LIT("65535"), 65535, &v), 0);
        ck_assert_int_eq(sl_str_to_u64(SL_STR_LIT("65536"), 65535, &v), -ERANGE);
        ck_assert_int_eq(sl_str_to_u64(SL_STR_LIT("7"), 5, &v), -ERANGE);
        ck_assert_int_eq(sl_str_to_u64(SL_STR_LIT(""), 5, &v), -EINVAL);
        ck_assert_int_eq(sl_str_to_u64(SL_STR_LIT("+1"), 5, &v), -EINVAL);
        ck_assert_int_eq(sl_str_to_u64(SL_STR_LIT("1 "), 5, &v), -EINVAL);
        ck_assert_int_eq(sl_str_to_u64(SL_STR_LIT("1\t"), 5, &v), -EINVAL);
}
END_TEST

START_TEST(test_copy_truncates)
{
        char small[4];

        ck_assert_uint_eq(sl_str_copy(small, sizeof(small), SL_STR_LIT("abcdef")), 6);
        ck_assert_str_eq(small, "abc");
        ck_assert_uint_eq(sl_str_copy(small, sizeof(small), SL_STR_LIT("ab")), 2);
        ck_assert_str_eq(small, "ab");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("common/str");
        TCase *tc = tcase_create("str");

        tcase_add_test(tc, test_eq_and_ieq);
        tcase_add_test(tc, test_prefix);
        tcase_add_test(tc, test_to_u64);
        tcase_add_test(tc, test_copy_truncates);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
