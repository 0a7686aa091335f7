#include "list.h"
#include "unit.h"

struct item {
        int v;
        struct sl_list link;
};

static int collect(struct sl_list *head, int *out, int max)
{
        struct sl_list *pos;
        int n = 0;

        sl_list_for_each(pos, head) {
                if (n < max)
                        out[n] = sl_list_entry(pos, struct item, link)->v;
                n++;
        }
        return n;
}

START_TEST(test_push_order)
{
        struct sl_list head = SL_LIST_INIT(head);
        struct item a = {.v = 1}, b = {.v = 2}, c = {.v = 3};
        int got[3];

        sl_list_push_back(&head, &b.link);
        sl_list_push_back(&head, &c.link);
        sl_list_push_front(&head, &a.link);
        ck_assert_int_eq(collect(&head, got, 3), 3);
        ck_assert_int_eq(got[0], 1);
        ck_assert_int_eq(got[1], 2);
        ck_assert_int_eq(got[2], 3);
        ck_assert_int_eq(sl_list_first(&head, struct item, link)->v, 1);
}
END_TEST

START_TEST(test_del_is_idempotent)
{
        struct sl_list head = SL_LIST_INIT(head);
        struct item a = {.v = 1}, b = {.v = 2};
        int got[2];

        sl_list_init(&a.link);
        ck_assert(!sl_list_linked(&a.link));
        sl_list_push_back(&head, &a.link);
        sl_list_push_back(&head, &b.link);
        ck_assert(sl_list_linked(&a.link));
        sl_list_del(&a.link);
        sl_list_del(&a.link);
        ck_assert(!sl_list_linked(&a.link));
        ck_assert_int_eq(collect(&head, got, 2), 1);
        ck_assert_int_eq(got[0], 2);
        sl_list_del(&b.link);
        ck_assert(sl_list_empty(&head));
}
END_TEST

START_TEST(test_safe_iteration_removes_all)
{
        struct sl_list head = SL_LIST_INIT(head);
        struct item items[8];
        struct sl_list *pos, *tmp;
        int removed = 0;

        for (int i = 0; i < 8; i++) {
                items[i].v = i;
                sl_list_push_back(&head, &items[i].link);
        }
        sl_list_for_each_safe(pos, tmp, &head) {
                if (sl_list_entry(pos, struct item, link)->v % 2 == 0) {
                        sl_list_del(pos);
                        removed++;
                }
        }
        ck_assert_int_eq(removed, 4);
        int got[8];
        ck_assert_int_eq(collect(&head, got, 8), 4);
        for (int i = 0; i < 4; i++)
                ck_assert_int_eq(got[i], 2 * i + 1);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("common/list");
        TCase *tc = tcase_create("list");

        tcase_add_test(tc, test_push_order);
        tcase_add_test(tc, test_del_is_idempotent);
        tcase_add_test(tc, test_safe_iteration_removes_all);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
