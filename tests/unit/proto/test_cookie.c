#include <stdint.h>
#include <string.h>

#include "cookie.h"
#include "unit.h"

#define S(lit) sl_str_make(lit, sizeof(lit) - 1)

static void expect_find(const char *hv, const char *name, const char *want)
{
        struct sl_str v;
        bool found = cookie_find(sl_str_from_cstr(hv), sl_str_from_cstr(name), &v);

        if (!want) {
                ck_assert_msg(!found, "'%s' in '%s'", name, hv);
                return;
        }
        ck_assert_msg(found, "'%s' not found in '%s'", name, hv);
        ck_assert_uint_eq(v.len, strlen(want));
        ck_assert(memcmp(v.ptr, want, v.len) == 0);
}

START_TEST(test_find)
{
        expect_find("SRV=s1", "SRV", "s1");
        expect_find("a=1; SRV=s2; b=3", "SRV", "s2");
        expect_find("a=1;SRV = s3 ;b=3", "SRV", "s3");
        expect_find("a=1, SRV=s4", "SRV", "s4");
        expect_find("SRVX=1; XSRV=2", "SRV", NULL);
        expect_find("SRV=; a=1", "SRV", "");
        expect_find("SRV=a; SRV=b", "SRV", "a");
        expect_find("", "SRV", NULL);
        expect_find(" ; ;", "SRV", NULL);
}
END_TEST

static void expect_edit(const char *hv, size_t cut, const char *want)
{
        char out[128];
        size_t n = cookie_edit(sl_str_from_cstr(hv), S("SRV"), cut, out, sizeof(out));

        ck_assert_uint_ne(n, SIZE_MAX);
        ck_assert_msg(n == strlen(want) && memcmp(out, want, n) == 0, "'%.*s' != '%s'", (int)n, out,
                      want);
}

START_TEST(test_edit)
{
        expect_edit("SRV=s1", SIZE_MAX, "");
        expect_edit("a=1; SRV=s1; b=2", SIZE_MAX, "a=1; b=2");
        expect_edit("a=1;SRV=s1", SIZE_MAX, "a=1");
        expect_edit("SRV=s1~abc; b=2", 3, "SRV=abc; b=2");
        expect_edit("b=2; SRV=s1~", 3, "b=2; SRV=");
        expect_edit("b=2", SIZE_MAX, "b=2");
        ck_assert_uint_eq(cookie_edit(S("a=1; SRV=2; b=3"), S("SRV"), SIZE_MAX, (char[4]){0}, 4),
                          SIZE_MAX);
}
END_TEST

START_TEST(test_set_cookie)
{
        struct sl_str v;
        char out[128];
        size_t n;

        ck_assert(set_cookie_is(S("SRV=abc; path=/; Expires=Wed, 09 Jun 2021 10:18:14 GMT"),
                                S("SRV"), &v));
        ck_assert_uint_eq(v.len, 3);
        ck_assert(memcmp(v.ptr, "abc", 3) == 0);
        ck_assert(!set_cookie_is(S("OTHER=abc; SRV=1"), S("SRV"), &v));
        ck_assert(!set_cookie_is(S("SRVX=1"), S("SRV"), &v));
        ck_assert(set_cookie_is(S("SRV=x,y"), S("SRV"), &v));
        ck_assert_uint_eq(v.len, 3);

        n = set_cookie_rewrite(S("SRV=abc; path=/"), S("s1~"), true, out, sizeof(out));
        ck_assert_uint_eq(n, strlen("SRV=s1~abc; path=/"));
        ck_assert(memcmp(out, "SRV=s1~abc; path=/", n) == 0);
        n = set_cookie_rewrite(S("SRV=abc; path=/"), S("s2"), false, out, sizeof(out));
        ck_assert(memcmp(out, "SRV=s2; path=/", n) == 0 && n == 14);
        n = set_cookie_rewrite(S("SRV=abc"), S("s2"), false, out, sizeof(out));
        ck_assert(memcmp(out, "SRV=s2", n) == 0 && n == 6);
        ck_assert_uint_eq(set_cookie_rewrite(S("novalue; path=/"), S("x"), false, out, 128),
                          SIZE_MAX);
        ck_assert_uint_eq(set_cookie_rewrite(S("SRV=abc"), S("s2"), true, out, 4), SIZE_MAX);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cookie");
        TCase *tc = tcase_create("cookie");

        tcase_add_test(tc, test_find);
        tcase_add_test(tc, test_edit);
        tcase_add_test(tc, test_set_cookie);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
