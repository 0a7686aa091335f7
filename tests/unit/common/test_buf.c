#include <signal.h>
#include <string.h>

#include "buf.h"
#include "unit.h"

static char area[16];

START_TEST(test_null_owns_nothing)
{
        struct buf b = BUF_NULL;

        ck_assert(buf_is_null(&b));
        ck_assert_uint_eq(buf_room(&b), 0);
        ck_assert_uint_eq(buf_append(&b, "x", 1), 0);
}
END_TEST

START_TEST(test_append_fills_then_stops)
{
        struct buf b = BUF_NULL;

        buf_attach(&b, area, sizeof(area));
        ck_assert_uint_eq(buf_append(&b, "0123456789", 10), 10);
        ck_assert_uint_eq(buf_append(&b, "abcdefghij", 10), 6);
        ck_assert(buf_full(&b));
        ck_assert_int_eq(memcmp(buf_head(&b), "0123456789abcdef", 16), 0);
}
END_TEST

START_TEST(test_consume_then_append_compacts)
{
        struct buf b = BUF_NULL;

        buf_attach(&b, area, sizeof(area));
        ck_assert_uint_eq(buf_append(&b, "0123456789abcdef", 16), 16);
        buf_consume(&b, 10);
        ck_assert_uint_eq(b.head, 10);
        ck_assert_uint_eq(buf_tail_room(&b), 0);
        ck_assert_uint_eq(buf_room(&b), 10);
        ck_assert_uint_eq(buf_append(&b, "XYZ", 3), 3);
        ck_assert_uint_eq(b.head, 0);
        ck_assert_uint_eq(b.data, 9);
        ck_assert_int_eq(memcmp(buf_head(&b), "abcdefXYZ", 9), 0);
}
END_TEST

START_TEST(test_emptied_buffer_restarts_at_zero)
{
        struct buf b = BUF_NULL;

        buf_attach(&b, area, sizeof(area));
        buf_append(&b, "abc", 3);
        buf_consume(&b, 1);
        ck_assert_uint_eq(b.head, 1);
        buf_consume(&b, 2);
        ck_assert_uint_eq(b.head, 0);
        ck_assert_uint_eq(buf_tail_room(&b), sizeof(area));
        ck_assert_ptr_eq(buf_detach(&b), area);
        ck_assert(buf_is_null(&b));
}
END_TEST

START_TEST(test_commit_after_direct_write)
{
        struct buf b = BUF_NULL;

        buf_attach(&b, area, sizeof(area));
        memcpy(buf_tail(&b), "hello", 5);
        buf_commit(&b, 5);
        ck_assert_uint_eq(b.data, 5);
        ck_assert_uint_eq(buf_tail_room(&b), sizeof(area) - 5);
}
END_TEST

START_TEST(test_overcommit_is_a_bug)
{
        struct buf b = BUF_NULL;

        buf_attach(&b, area, sizeof(area));
        buf_commit(&b, sizeof(area) + 1);
}
END_TEST

START_TEST(test_detach_with_data_is_a_bug)
{
        struct buf b = BUF_NULL;

        buf_attach(&b, area, sizeof(area));
        buf_append(&b, "x", 1);
        (void)buf_detach(&b);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("common/buf");
        TCase *tc = tcase_create("offsets");
        TCase *bugs = tcase_create("invariants");

        tcase_add_test(tc, test_null_owns_nothing);
        tcase_add_test(tc, test_append_fills_then_stops);
        tcase_add_test(tc, test_consume_then_append_compacts);
        tcase_add_test(tc, test_emptied_buffer_restarts_at_zero);
        tcase_add_test(tc, test_commit_after_direct_write);
        /* SL_BUG_ON aborts: the case passes only if the process dies with SIGABRT. */
        tcase_add_test_raise_signal(bugs, test_overcommit_is_a_bug, SIGABRT);
        tcase_add_test_raise_signal(bugs, test_detach_with_data_is_a_bug, SIGABRT);
        suite_add_tcase(s, tc);
        suite_add_tcase(s, bugs);
        return unit_run(s);
}
