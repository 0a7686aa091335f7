#include <errno.h>
#include <string.h>

#include "unit.h"
#include "uri_norm.h"

enum op {
        FRAG_ENC,
        FRAG_STRIP,
        MERGE,
        DOT,
        DOTDOT,
        DOTDOT_FULL,
        DECODE,
        DECODE_STRICT,
        UPPER,
        UPPER_STRICT,
        SORT,
};

static ssize_t run(enum op op, const char *in, char *out, size_t size)
{
        struct sl_str s = sl_str_from_cstr(in);

        switch (op) {
        case FRAG_ENC:
                return uri_norm_fragment_encode(s, out, size);
        case FRAG_STRIP:
                return uri_norm_fragment_strip(s, out, size);
        case MERGE:
                return uri_norm_path_merge_slashes(s, out, size);
        case DOT:
                return uri_norm_path_strip_dot(s, out, size);
        case DOTDOT:
        case DOTDOT_FULL:
                return uri_norm_path_strip_dotdot(s, op == DOTDOT_FULL, out, size);
        case DECODE:
        case DECODE_STRICT:
                return uri_norm_percent_decode_unreserved(s, op == DECODE_STRICT, out, size);
        case UPPER:
        case UPPER_STRICT:
                return uri_norm_percent_to_uppercase(s, op == UPPER_STRICT, out, size);
        case SORT:
                return uri_norm_query_sort_by_name(s, out, size);
        }
        return -1;
}

/* @want NULL: -EINVAL expected */
static void expect(enum op op, const char *in, const char *want)
{
        char out[256];
        ssize_t n = run(op, in, out, sizeof(out));

        if (!want) {
                ck_assert_msg(n == -EINVAL, "'%s': %zd, expected -EINVAL", in, n);
                return;
        }
        ck_assert_msg(n >= 0, "'%s': error %zd", in, n);
        ck_assert_msg((size_t)n == strlen(want) && memcmp(out, want, (size_t)n) == 0,
                      "'%s' -> '%.*s', expected '%s'", in, (int)n, out, want);
}

/* The examples of HAProxy 2.6's manual, section 4.2, "http-request normalize-uri". */
START_TEST(test_manual_examples)
{
        expect(FRAG_ENC, "/#foo", "/%23foo");
        expect(FRAG_STRIP, "/#foo", "/");
        expect(DOT, "/.", "/");
        expect(DOT, "/./bar/", "/bar/");
        expect(DOT, "/a/./a", "/a/a");
        expect(DOT, "/.well-known/", "/.well-known/");
        expect(DOTDOT, "/foo/../", "/");
        expect(DOTDOT, "/foo/../bar/", "/bar/");
        expect(DOTDOT, "/foo/bar/../", "/foo/");
        expect(DOTDOT, "/../bar/", "/../bar/");
        expect(DOTDOT, "/bar/../../", "/../");
        expect(DOTDOT, "/foo//../", "/foo/");
        expect(DOTDOT, "/foo/%2E%2E/", "/foo/%2E%2E/");
        expect(DOTDOT_FULL, "/../bar/", "/bar/");
        expect(DOTDOT_FULL, "/bar/../../", "/");
        expect(MERGE, "//", "/");
        expect(MERGE, "/foo//bar", "/foo/bar");
        expect(DECODE, "/%61dmin", "/admin");
        expect(DECODE, "/foo%3Fbar=baz", "/foo%3Fbar=baz");
        expect(DECODE, "/%%36%36", "/%66");
        expect(DECODE, "/%ZZ", "/%ZZ");
        expect(DECODE_STRICT, "/%%36%36", NULL);
        expect(DECODE_STRICT, "/%ZZ", NULL);
        expect(UPPER, "/%6f", "/%6F");
        expect(UPPER, "/%zz", "/%zz");
        expect(UPPER_STRICT, "/%zz", NULL);
        expect(SORT, "?c=3&a=1&b=2", "?a=1&b=2&c=3");
        expect(SORT, "?aaa=3&a=1&aa=2", "?a=1&aa=2&aaa=3");
        expect(SORT, "?a=3&b=4&a=1&b=5&a=2", "?a=3&a=1&a=2&b=4&b=5");
}
END_TEST

START_TEST(test_edges)
{
        expect(DOTDOT, "/a/..", "/");
        expect(DOTDOT, "/a/b/..", "/a/");
        expect(DOTDOT, "/..", "/../");
        expect(DOTDOT_FULL, "/..", "/");
        expect(DOTDOT, "", "");
        expect(DOT, "/a/.", "/a/");
        expect(DOT, "", "");
        expect(MERGE, "///a///", "/a/");
        expect(DECODE, "/a%4", "/a%4");
        expect(DECODE_STRICT, "/a%4", NULL);
        expect(DECODE, "%7e%2F", "~%2F");
        expect(UPPER, "%", "%");
        expect(SORT, "?", "?");
        expect(SORT, "?b&a", "?a&b");
        expect(SORT, "?b=1&", "?b=1");
        expect(SORT, "?b=1&&a", "?&a&b=1");
        expect(SORT, "", "");
        expect(FRAG_STRIP, "/a?q#f#g", "/a?q");
        expect(FRAG_ENC, "##", "%23%23");
}
END_TEST

START_TEST(test_small_output)
{
        char out[4];

        ck_assert_int_eq(uri_norm_fragment_encode(sl_str_from_cstr("/#a"), out, sizeof(out)),
                         -ENOBUFS);
        ck_assert_int_eq(uri_norm_path_merge_slashes(sl_str_from_cstr("/abcd"), out, 4), -ENOBUFS);
        ck_assert_int_eq(uri_norm_path_strip_dotdot(sl_str_from_cstr("/abcd"), false, out, 4),
                         -ENOBUFS);
        ck_assert_int_eq(uri_norm_fragment_strip(sl_str_from_cstr("/ab#c"), out, 4), 3);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("proto/uri_norm");
        TCase *tc = tcase_create("normalizers");

        tcase_add_test(tc, test_manual_examples);
        tcase_add_test(tc, test_edges);
        tcase_add_test(tc, test_small_output);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
