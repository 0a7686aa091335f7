#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgtest.h"
#include "directive.h"
#include "load.h"
#include "unit.h"

static const char *env(void *data, const char *name)
{
        if (strcmp(name, "MODE") == 0)
                return "prod";
        if (strcmp(name, "EMPTY") == 0)
                return "";
        return NULL;
}

static const struct cfg_cond_facts facts = {.features = "+EPOLL -OPENSSL"};
static const struct cfg_load_opts opts = {.env = env, .facts = &facts};
static const struct cfg_load_opts diag_opts = {.env = env, .facts = &facts, .diag = true};

static int load(const char *text, const struct cfg_load_opts *o, struct cfg_gen **ret)
{
        return cfgtest_load(text, o, ret);
}

static struct cfg_gen *load_ok(const char *text)
{
        return cfgtest_load_ok(text, &opts);
}

/* The diagnostic of severity @sev at @line containing @msg, or NULL. */
static const struct cfg_diag *find(enum cfg_severity sev, unsigned line, const char *msg)
{
        for (size_t i = 0; i < cfgtest_diags.n; i++)
                if (cfgtest_diags.v[i].severity == sev && cfgtest_diags.v[i].line == line &&
                    strstr(cfgtest_diags.v[i].msg, msg))
                        return &cfgtest_diags.v[i];
        return NULL;
}

static void expect_error(const char *text, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, &opts, NULL, line, msg);
}

START_TEST(test_blocks_choose)
{
        static const char text[] = "global\n"
                                   ".if streq(\"$MODE\",dev)\n"
                                   "    maxconn 1\n"
                                   ".elif streq(\"$MODE\",prod) && feature(EPOLL)\n"
                                   "    .if feature(OPENSSL)\n"
                                   "        maxconn 2\n"
                                   "    .elif 0\n"
                                   "        maxconn 3\n"
                                   "    .else\n"
                                   "        maxconn 4\n"
                                   "    .endif\n"
                                   ".elif 1\n"
                                   "    maxconn 5\n"
                                   ".else\n"
                                   "    maxconn 6\n"
                                   ".endif\n"
                                   ".if \"${EMPTY}\"\n"
                                   "    nbthread 7\n"
                                   ".elif !defined(NOPE)\n"
                                   "    nbthread 8\n"
                                   ".endif\n";
        struct cfg_gen *g = load_ok(text);

        /* only the first true block of a level is taken, even when a later one is true too */
        ck_assert_uint_eq(g->global.maxconn, 4);
        ck_assert_uint_eq(g->global.nbthread, 8);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_inactive_lines_lexed_not_parsed)
{
        struct cfg_gen *g;

        /* nonsense and even broken directives are not parsed in an inactive block */
        g = load_ok("global\n.if 0\n    no such keyword\n    .if foo(\n    .endif\n"
                    "    .alert \"not seen\"\n    .nosuch\n.endif\n");
        cfg_gen_unref(g);
        /* but a line that cannot be lexed is an error there too, as in HAProxy */
        expect_error("global\n.if 0\n    user \"unterminated\n.endif\n", 3,
                     "unmatched double quote");
}
END_TEST

START_TEST(test_structure_errors)
{
        expect_error("global\n.elif 1\n", 2, "lone '.elif' with no matching '.if'");
        expect_error("global\n.else\n", 2, "lone '.else' with no matching '.if'");
        expect_error("global\n.endif\n", 2, "lone '.endif' with no matching '.if'");
        expect_error(".if 1\n.else\n.elif 1\n.endif\n", 3,
                     "'.elif' after '.else' is not permitted");
        expect_error(".if 0\n.else\n.else\n.endif\n", 3, "'.else' after '.else' is not permitted");
        /* also inside an inactive block: the structure is always checked */
        expect_error(".if 0\n.if 1\n.else\n.elif 1\n.endif\n.endif\n", 4, "'.elif' after '.else'");
        expect_error("global\n.if 1\n    maxconn 10\n", 2,
                     "'.if' block not terminated: no '.endif' before the end of the file");
        expect_error(".if 1\n.else 1\n.endif\n", 2, "unexpected argument '1' for '.else'");
        expect_error(".if 1\n.endif x\n", 2, "unexpected argument 'x' for '.endif'");
        expect_error("global\n.if 1 && foo(x)\n.endif\n", 2,
                     "unparsable conditional expression 'foo(x)' in '.if' at position 6");
        expect_error(".if 0\n.elif (1\n.endif\n", 2,
                     "expected ')' after conditional expression '(1' in '.elif' at position 1");
        expect_error("global\n.nosuch\n", 2, "unknown directive '.nosuch'");
        expect_error(".warning a b\n", 1,
                     "unexpected argument 'b' for '.warning': use quotes if the message should "
                     "contain spaces");
}
END_TEST

START_TEST(test_nesting_bound)
{
        char text[8192];
        size_t o = 0;
        struct cfg_gen *g;

        /* HAProxy's MAXNESTEDCONDS: 99 levels, not 100 */
        for (int i = 0; i < 99; i++)
                o += (size_t)snprintf(text + o, sizeof(text) - o, ".if 1\n");
        for (int i = 0; i < 99; i++)
                o += (size_t)snprintf(text + o, sizeof(text) - o, ".endif\n");
        g = load_ok(text);
        cfg_gen_unref(g);
        o = 0;
        for (int i = 0; i < 100; i++)
                o += (size_t)snprintf(text + o, sizeof(text) - o, ".if 0\n");
        expect_error(text, 100, "too many nested '.if' (at most 99)");
}
END_TEST

START_TEST(test_messages)
{
        static const char text[] = ".notice \"n ${MODE}\"\n"
                                   ".notice\n"
                                   ".warning 'w'\n"
                                   ".diag \"d\"\n"
                                   ".if 0\n"
                                   ".warning \"skipped\"\n"
                                   ".endif\n";
        struct cfg_gen *g;

        ck_assert_int_eq(load(text, &opts, &g), 0);
        ck_assert_ptr_nonnull(find(CFG_SEV_NOTICE, 1, "'n prod'"));
        ck_assert_ptr_nonnull(find(CFG_SEV_NOTICE, 2, "''"));
        ck_assert_ptr_nonnull(find(CFG_SEV_WARNING, 3, "'w'"));
        ck_assert_ptr_null(find(CFG_SEV_DIAG, 4, "'d'"));
        ck_assert_ptr_null(find(CFG_SEV_WARNING, 6, "skipped"));
        ck_assert_uint_eq(cfgtest_diags.n_warnings, 1);
        ck_assert_uint_eq(cfgtest_diags.n_errors, 0);
        cfg_gen_unref(g);
        /* .diag only in diagnostic mode */
        ck_assert_int_eq(load(text, &diag_opts, &g), 0);
        ck_assert_ptr_nonnull(find(CFG_SEV_DIAG, 4, "'d'"));
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_alert_aborts)
{
        static const char text[] = "frontend f\n"
                                   "    default_backend nosuch\n"
                                   ".if !feature(OPENSSL)\n"
                                   "    .alert \"SSL support is mandatory\"\n"
                                   ".endif\n"
                                   "    maxconn x\n";
        struct cfg_gen *g;

        expect_error(text, 4, "'SSL support is mandatory'");
        /* nothing after it is read, nor checked at the end */
        ck_assert_uint_eq(cfgtest_diags.n_errors, 1);
        ck_assert_uint_eq(cfgtest_diags.n, 1);
        (void)g;
}
END_TEST

/* Files @a then @b through cfg_load(). */
static int load_two(const char *a, const char *b)
{
        char pa[] = "/tmp/sluice-dir-a-XXXXXX", pb[] = "/tmp/sluice-dir-b-XXXXXX";
        const char *paths[] = {pa, pb};
        int fa = mkstemp(pa), fb = mkstemp(pb), r;
        struct cfg_gen *g = NULL;

        ck_assert_int_ge(fa, 0);
        ck_assert_int_ge(fb, 0);
        ck_assert_int_eq(write(fa, a, strlen(a)), (ssize_t)strlen(a));
        ck_assert_int_eq(write(fb, b, strlen(b)), (ssize_t)strlen(b));
        close(fa);
        close(fb);
        cfg_diags_clear(&cfgtest_diags);
        r = cfg_load(paths, 2, &opts, &g, &cfgtest_diags);
        cfg_gen_unref(g);
        unlink(pa);
        unlink(pb);
        return r;
}

START_TEST(test_files_after_errors)
{
        /* an unknown directive stops its file; the next file is still read */
        ck_assert_int_eq(load_two("global\n.nosuch\n    maxconn x\n", "global\n    maxconn y\n"),
                         -EINVAL);
        ck_assert_uint_eq(cfgtest_diags.n_errors, 2);
        ck_assert_ptr_nonnull(find(CFG_SEV_ERROR, 2, "unknown directive"));
        ck_assert_ptr_nonnull(find(CFG_SEV_ERROR, 2, "'y'"));
        /* a broken block stops everything */
        ck_assert_int_eq(load_two("global\n.if 1\n", "global\n    maxconn y\n"), -EINVAL);
        ck_assert_uint_eq(cfgtest_diags.n_errors, 1);
        /* blocks do not cross files */
        ck_assert_int_eq(load_two(".if 1\n", ".endif\n"), -EINVAL);
        ck_assert_ptr_nonnull(find(CFG_SEV_ERROR, 1, "not terminated"));
}
END_TEST

START_TEST(test_pseudo_variables)
{
        static const char text[] = ".notice \"[${.SECTION-none}] ${.FILE}:${.LINE}\"\n"
                                   "global\n"
                                   "    .notice \"[${.SECTION}] $.LINE\"\n"
                                   "defaults web\n"
                                   "    .notice \"[${.SECTION}]\"\n"
                                   "frontend \"f${.LINE}\"\n"
                                   "    .notice \"[${.SECTION}]\"\n"
                                   "    bind :80\n"
                                   "    default_backend b\n"
                                   "backend b\n";
        struct cfg_gen *g;

        ck_assert_int_eq(load(text, &opts, &g), 0);
        ck_assert_ptr_nonnull(find(CFG_SEV_NOTICE, 1, "'[none] t.cfg:1'"));
        ck_assert_ptr_nonnull(find(CFG_SEV_NOTICE, 3, "'[global] 3'"));
        ck_assert_ptr_nonnull(find(CFG_SEV_NOTICE, 5, "'[web]'"));
        /* the section line itself still sees the section before it */
        ck_assert_ptr_nonnull(cfg_gen_find_proxy(g, "f6", CFG_CAP_FE));
        ck_assert_ptr_nonnull(find(CFG_SEV_NOTICE, 7, "'[f6]'"));
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_join)
{
        static const char src[] = ".if streq(a, \"${UNSET}\" ) \"${UNSET}\"\n"
                                  ".if \"${UNSET}\"\n"
                                  ".if \"${UNSET}\" 1\n";
        struct cfg_lex lx;
        struct cfg_line line;
        struct cfg_err err;
        char *s;

        /* a word that vanished is an empty word to HAProxy: one more space each */
        cfg_lex_init(&lx, "t.cfg", src, sizeof(src) - 1, env, NULL);
        ck_assert_int_gt(cfg_lex_next_line(&lx, &line, &err), 0);
        s = cfg_directive_join(&line, 1);
        ck_assert_str_eq(s, "streq(a,  ) ");
        free(s);
        ck_assert_int_gt(cfg_lex_next_line(&lx, &line, &err), 0);
        s = cfg_directive_join(&line, 1);
        ck_assert_str_eq(s, "");
        free(s);
        ck_assert_int_gt(cfg_lex_next_line(&lx, &line, &err), 0);
        s = cfg_directive_join(&line, 1);
        ck_assert_str_eq(s, " 1");
        free(s);
        cfg_lex_deinit(&lx);
}
END_TEST

START_TEST(test_cond_check)
{
        char err[256];

        ck_assert_int_eq(cfg_cond_check("streq(\"$MODE\",prod)", &opts, err, sizeof(err)), 1);
        ck_assert_int_eq(cfg_cond_check("", &opts, err, sizeof(err)), 0);
        ck_assert_int_eq(cfg_cond_check("\"${UNSET}\"", &opts, err, sizeof(err)), 0);
        ck_assert_int_eq(cfg_cond_check("defined(HAPROXY_LOCALPEER)", &opts, err, sizeof(err)), 1);
        /* no file is read: no HAPROXY_CFGFILES, line 0, no section */
        ck_assert_int_eq(cfg_cond_check("defined(HAPROXY_CFGFILES)", &opts, err, sizeof(err)), 0);
        ck_assert_int_eq(cfg_cond_check("\"$.LINE\"", &opts, err, sizeof(err)), 0);
        ck_assert_int_eq(cfg_cond_check("streq(\"${.FILE-x}\",x)", &opts, err, sizeof(err)), 1);
        /* '#' is no comment here, and the first line is all there is */
        ck_assert_int_eq(cfg_cond_check("1 #x", &opts, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "unexpected character '#'"));
        ck_assert_int_eq(cfg_cond_check("0\n1", &opts, err, sizeof(err)), 0);
        ck_assert_int_eq(cfg_cond_check(" ", &opts, err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(cfg_cond_check("\"1", &opts, err, sizeof(err)), -EBADMSG);
        ck_assert_ptr_nonnull(strstr(err, "unmatched double quote"));
}
END_TEST

START_TEST(test_diagnostics)
{
        static const char text[] = "frontend f\n"
                                   "    bind :80\n"
                                   "    mode tcp\n"
                                   "    acl p path_beg /x\n"
                                   "    default_backend c\n"
                                   "global\n"
                                   "backend b\n"
                                   "    mode http\n"
                                   "    server s1 127.0.0.1:1 cookie a\n"
                                   "    server s2 127.0.0.1:2 cookie a\n"
                                   "    server s3 127.0.0.1:3 cookie a backup\n"
                                   "backend c\n";
        struct cfg_gen *g;

        ck_assert_int_eq(load(text, &opts, &g), 0);
        for (size_t i = 0; i < cfgtest_diags.n; i++)
                ck_assert_int_ne(cfgtest_diags.v[i].severity, CFG_SEV_DIAG);
        cfg_gen_unref(g);
        ck_assert_int_eq(load(text, &diag_opts, &g), 0);
        ck_assert_ptr_nonnull(find(CFG_SEV_DIAG, 6, "global section after a section of another"));
        ck_assert_ptr_nonnull(find(CFG_SEV_DIAG, 10,
                                   "server 's2' has the same cookie value as "
                                   "server 's1'"));
        ck_assert_ptr_null(find(CFG_SEV_DIAG, 11, "same cookie"));
        ck_assert_ptr_nonnull(find(CFG_SEV_DIAG, 4, "ACL 'p' reads HTTP"));
        cfg_gen_unref(g);
}
END_TEST

static void teardown(void)
{
        cfg_diags_clear(&cfgtest_diags);
}

int main(void)
{
        Suite *s = suite_create("config/directive");
        TCase *tc = tcase_create("blocks");
        TCase *msg = tcase_create("messages");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_checked_fixture(msg, NULL, teardown);
        tcase_add_test(tc, test_blocks_choose);
        tcase_add_test(tc, test_inactive_lines_lexed_not_parsed);
        tcase_add_test(tc, test_structure_errors);
        tcase_add_test(tc, test_nesting_bound);
        tcase_add_test(tc, test_files_after_errors);
        tcase_add_test(tc, test_join);
        tcase_add_test(tc, test_cond_check);
        tcase_add_test(msg, test_messages);
        tcase_add_test(msg, test_alert_aborts);
        tcase_add_test(msg, test_pseudo_variables);
        tcase_add_test(msg, test_diagnostics);
        suite_add_tcase(s, tc);
        suite_add_tcase(s, msg);
        return unit_run(s);
}
