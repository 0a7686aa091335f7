#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond_expr.h"
#include "unit.h"

static const char *env(void *data, const char *name)
{
        if (strcmp(name, "A") == 0)
                return "yes";
        if (strcmp(name, "EMPTY") == 0)
                return "";
        return NULL;
}

/* OPENSSL_VERSION_NUMBER of OpenSSL 3.0.19 (3.x layout: 0xMNN00PP0) */
static const struct cfg_cond_facts facts = {
        .features = "+EPOLL -KQUEUE -PCRE +PCRE2 +PCRE2_JIT -POLL",
        .enabled = "EPOLL SPLICE",
        .openssl_version_number = 0x30000130UL,
        .ssllib_name = "OpenSSL 3.0.19 27 Jan 2026",
};

static const struct cfg_cond_expr_ctx ctx = {.facts = &facts, .env = env};

/* Results of HAProxy 2.6's `haproxy -cc` (same facts) for the same text. */
static const struct {
        const char *text;
        int result;
} cases[] = {
        {"", 0},
        {"0", 0},
        {"1", 1},
        {"-1", 1},
        {"00", 0},
        {"0x10", 1},
        {"010", 1},
        {"  1  ", 1},
        {"!0", 1},
        {"!!0", 0},
        {"! 1", 0},
        {"!(0)", 1},
        {"1 && 0 || 1", 1},
        {"0 || 1 && 0", 0}, /* && binds tighter */
        {"(0 || 1) && 0", 0},
        {"1 || (0 && 0)", 1},
        {"!(1 && 0)", 1},
        {"1&&1||0", 1},
        /* a predicate that would fail is not evaluated after a decided && or || */
        {"0 && openssl_version_atleast(x)", 0},
        {"1 || openssl_version_atleast(x)", 1},
        {"defined(A)", 1},
        {"defined(EMPTY)", 1},
        {"defined(NOPE)", 0},
        {"defined", 0}, /* no parenthesis: one empty argument */
        {"defined()", 0},
        {"streq(a,a)", 1},
        {"streq(a, a)", 0}, /* the space belongs to the argument */
        {"strneq(a,b)", 1},
        {"strneq(a, a)", 1},
        {"streq(,)", 1},
        {"streq(a,)", 0},
        {"streq(\"a,b\",'a,b')", 1},
        {"streq(a\\ b,\"a b\")", 1},
        {"streq(\\\"x\\\",'\"x\"')", 1},
        {"streq(a\\nb,\"a\nb\")", 1},
        {"streq(a\\qb,\"a\\\\qb\")", 1}, /* a lone backslash stays */
        {"feature(EPOLL)", 1},
        {"feature(KQUEUE)", 0},
        {"feature(PCRE)", 0}, /* the first whole word is -PCRE */
        {"feature(PCRE2)", 1},
        {"feature(POLL)", 0}, /* not the end of EPOLL */
        {"feature(NOPE)", 0},
        {"feature()", 0},
        {"enabled(SPLICE)", 1},
        {"enabled(EPOLL)", 1},
        {"enabled(POLL)", 0},
        {"enabled(SPLIC)", 0},
        {"version_atleast(2.6)", 1},
        {"version_atleast(2.6.0)", 1},
        {"version_atleast(2.6.1)", 0},
        {"version_atleast(2.4-dev19)", 1},
        {"version_atleast(2.6-dev1)", 1},
        {"version_atleast(2.6-rc1)", 1},
        {"version_atleast(3)", 0},
        {"version_before(2.7)", 1},
        {"version_before(2.6)", 0},
        {"version_before(2.6.0-1)", 1},
        /* HAProxy reads a version it cannot split as "at least" and "not before" */
        {"version_atleast(garbage)", 1},
        {"version_before(garbage)", 0},
        /* HAProxy's 1.x encoding against a 3.x OPENSSL_VERSION_NUMBER */
        {"openssl_version_atleast(3.0.0)", 1},
        {"openssl_version_atleast(1.1.1)", 1},
        {"openssl_version_atleast(3.0.19)", 0},
        {"openssl_version_atleast(3.1.0)", 0},
        {"openssl_version_before(3.1.0)", 1},
        {"openssl_version_before(1.1.1k)", 0},
        {"openssl_version_atleast(3.0.0-beta2)", 1},
        {"ssllib_name_startswith(OpenSSL)", 1},
        {"ssllib_name_startswith(OpenSSL 3.0)", 1},
        {"ssllib_name_startswith(LibreSSL)", 0},
        {"ssllib_name_startswith()", 1},
        {"feature(EPOLL) && (streq(yes,yes) || defined(NOPE))", 1},
};

START_TEST(test_results)
{
        char err[512];
        size_t pos = 99;
        int r;

        r = cfg_cond_expr_eval(cases[_i].text, &ctx, err, sizeof(err), &pos);
        ck_assert_msg(r == cases[_i].result, "'%s': got %d (%s), want %d", cases[_i].text, r,
                      r < 0 ? err : "", cases[_i].result);
}
END_TEST

/* HAProxy's messages for the same text, and where the problem is. */
static const struct {
        const char *text;
        const char *msg;
        size_t pos;
} errors[] = {
        {"08", "unexpected character '8' at the end of conditional expression '08'", 1},
        {"!", "unparsable conditional expression '!'", 0},
        {" ", "unparsable conditional sub-expression ' '", 0},
        {"1 &&", "unparsable conditional expression '&&'", 2},
        {"1 ||", "unparsable conditional expression '1 ||'", 2},
        {"1 &&& 1", "unparsable conditional expression '& 1'", 4},
        {"1 | 1", "unexpected character '|' at the end of conditional expression '1 | 1'", 2},
        {"(1", "expected ')' after conditional expression '(1'", 0},
        {"()", "unparsable conditional expression ')'", 1},
        {"foo(x)", "unparsable conditional expression 'foo(x)'", 0},
        /* a syntax error is found where evaluation would not reach */
        {"1 || foo(", "unparsable conditional expression 'foo('", 5},
        {"0 && (", "unparsable conditional expression '('", 5},
        {"streq(a,a) 1", "unexpected character '1' at the end of conditional expression", 11},
        {"defined (A)", "unexpected character '(' at the end of conditional expression", 8},
        {"streq(a)",
         "missing arguments (got 1/2), type 'string' expected in argument 1 of predicate "
         "'streq' used in conditional expression",
         7},
        {"streq(a,b,c)",
         "expected ')' before ',c)' in argument 1 of predicate 'streq' used in conditional "
         "expression",
         9},
        {"defined(", "expected ')' in argument 1 of predicate 'defined' used in conditional", 8},
        {"streq(a,b", "expected ')' in argument 1 of predicate 'streq'", 9},
        {"defined(A\\",
         "failed to parse '\\' after 'A' as type 'string' at position 1 in argument 0 of "
         "predicate 'defined'",
         9},
        {"openssl_version_atleast(x)", "cannot read 'x' as an OpenSSL version", 0},
        {"1 && openssl_version_before(3)", "cannot read '3' as an OpenSSL version", 0},
};

START_TEST(test_errors)
{
        char err[512];
        size_t pos = 99;
        int r;

        r = cfg_cond_expr_eval(errors[_i].text, &ctx, err, sizeof(err), &pos);
        ck_assert_msg(r == -EINVAL, "'%s': got %d", errors[_i].text, r);
        ck_assert_msg(strstr(err, errors[_i].msg), "'%s': got '%s'", errors[_i].text, err);
        ck_assert_msg(pos == errors[_i].pos, "'%s': at %zu, want %zu", errors[_i].text, pos,
                      errors[_i].pos);
}
END_TEST

START_TEST(test_without_facts)
{
        const struct cfg_cond_expr_ctx bare = {.env = env};
        char err[256];

        /* no feature, no OpenSSL: the OpenSSL comparisons cannot answer */
        ck_assert_int_eq(cfg_cond_expr_eval("feature(EPOLL)", &bare, err, sizeof(err), NULL), 0);
        ck_assert_int_eq(cfg_cond_expr_eval("enabled(EPOLL)", &bare, err, sizeof(err), NULL), 0);
        ck_assert_int_eq(
                cfg_cond_expr_eval("ssllib_name_startswith(O)", &bare, err, sizeof(err), NULL), 0);
        ck_assert_int_eq(
                cfg_cond_expr_eval("openssl_version_atleast(1.0.0)", &bare, err, sizeof(err), NULL),
                -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "needs OpenSSL"));
        /* without a lookup, defined() reads the process environment */
        setenv("SLUICE_TEST_COND", "", 1);
        ck_assert_int_eq(
                cfg_cond_expr_eval("defined(SLUICE_TEST_COND)", NULL, err, sizeof(err), NULL), 1);
        unsetenv("SLUICE_TEST_COND");
        ck_assert_int_eq(
                cfg_cond_expr_eval("defined(SLUICE_TEST_COND)", NULL, err, sizeof(err), NULL), 0);
}
END_TEST

/* @n levels of parentheses around "1". */
static char *nested(unsigned n)
{
        char *s = malloc(2 * n + 2);

        ck_assert_ptr_nonnull(s);
        memset(s, '(', n);
        s[n] = '1';
        memset(s + n + 1, ')', n);
        s[2 * n + 1] = '\0';
        return s;
}

START_TEST(test_depth_bound)
{
        char err[512], *s;
        size_t len;

        /* each parenthesis spends three levels of CFG_COND_MAX_DEPTH, as in HAProxy */
        s = nested(300);
        ck_assert_int_eq(cfg_cond_expr_eval(s, &ctx, err, sizeof(err), NULL), 1);
        free(s);
        s = nested(400);
        ck_assert_int_eq(cfg_cond_expr_eval(s, &ctx, err, sizeof(err), NULL), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "unparsable conditional"));
        free(s);
        /* each && one level: a long chain ends the same way, without exhausting the stack */
        len = 3 * 2000;
        s = malloc(len + 1);
        ck_assert_ptr_nonnull(s);
        for (size_t i = 0; i < len; i += 3)
                memcpy(s + i, "1&&", 3);
        s[len - 2] = '\0';
        ck_assert_int_eq(cfg_cond_expr_eval(s, &ctx, err, sizeof(err), NULL), -EINVAL);
        s[3 * 500 - 2] = '\0';
        ck_assert_int_eq(cfg_cond_expr_eval(s, &ctx, err, sizeof(err), NULL), 1);
        free(s);
}
END_TEST

START_TEST(test_version_cmp)
{
        ck_assert_int_eq(cfg_cond_expr_version_cmp("2.6", "2.6.0"), 0);
        ck_assert_int_eq(cfg_cond_expr_version_cmp("2.6", "2.5.9"), -1);
        ck_assert_int_eq(cfg_cond_expr_version_cmp("2.6", "2.6.1"), 1);
        /* dev before rc (or pre) before the release */
        ck_assert_int_eq(cfg_cond_expr_version_cmp("2.6-rc1", "2.6-dev12"), -1);
        ck_assert_int_eq(cfg_cond_expr_version_cmp("2.6-pre2", "2.6-rc2"), 0);
        ck_assert_int_eq(cfg_cond_expr_version_cmp("2.6-rc1", "2.6"), 1);
        ck_assert_int_eq(cfg_cond_expr_version_cmp("2.4-dev18-f6818d-20", "2.4-dev18-19"), -1);
        ck_assert_int_eq(cfg_cond_expr_version_cmp("1.2.10.1", "1.2.10.1"), 0);
        ck_assert_int_eq(cfg_cond_expr_version_cmp("2.6", "1.2.3.4.5"), -3);
        ck_assert_int_eq(cfg_cond_expr_version_cmp("2.6", ""), -3);
        ck_assert_int_eq(cfg_cond_expr_version_cmp("x", "2.6"), -2);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config/cond_expr");
        TCase *tc = tcase_create("conditions");

        tcase_add_loop_test(tc, test_results, 0, (int)(sizeof(cases) / sizeof(cases[0])));
        tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof(errors) / sizeof(errors[0])));
        tcase_add_test(tc, test_without_facts);
        tcase_add_test(tc, test_depth_bound);
        tcase_add_test(tc, test_version_cmp);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
