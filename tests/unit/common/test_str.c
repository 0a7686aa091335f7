#include <errno.h>
#include <limits.h>
#include <string.h>

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

static unsigned char ref_lower(unsigned char c)
{
        return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Every pair of byte values at the first, a middle and the last position of strings of
 * lengths 1 to 17 (so the word loop, its overlapping last word and the byte loop all see
 * them), against a byte-wise reference; _i is the length. */
START_TEST(test_ieq_every_byte_pair)
{
        size_t n = (size_t)_i, where[3] = {0, (size_t)_i / 2, (size_t)_i - 1};
        char a[17], b[17];

        for (size_t k = 0; k < 3; k++) {
                memset(a, 'k', n);
                memset(b, 'K', n);
                for (unsigned x = 0; x < 256; x++) {
                        for (unsigned y = 0; y < 256; y++) {
                                a[where[k]] = (char)x;
                                b[where[k]] = (char)y;
                                if (sl_mem_ieq(a, b, n) !=
                                    (ref_lower((unsigned char)x) == ref_lower((unsigned char)y)))
                                        ck_abort_msg("length %zu, byte %zu: %02x vs %02x", n,
                                                     where[k], x, y);
                        }
                }
        }
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
        tcase_add_loop_test(tc, test_ieq_every_byte_pair, 1, 18);
        tcase_add_test(tc, test_prefix);
        tcase_add_test(tc, test_to_u64);
        tcase_add_test(tc, test_copy_truncates);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
