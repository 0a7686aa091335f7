/* Server-state files: HAProxy's version 1 and sluice's own, good and bad, and their use by a
 * configuration (load-server-state-from-file, init-addr last, the lines of no server). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "cfgtest.h"
#include "model.h"
#include "state_file.h"
#include "unit.h"

static struct cfg_arena arena;
static struct cfg_diags diags;
static struct cfg_state_file file;

static void parse(const char *text)
{
        cfg_arena_free(&arena);
        memset(&arena, 0, sizeof(arena));
        cfg_diags_clear(&diags);
        memset(&file, 0, sizeof(file));
        cfg_state_file_parse(&arena, &diags, "st", text, strlen(text), &file);
}

static bool said(unsigned line, const char *msg)
{
        for (size_t i = 0; i < diags.n; i++)
                if (diags.v[i].line == line && strstr(diags.v[i].msg, msg) &&
                    diags.v[i].severity == CFG_SEV_WARNING)
                        return true;
        for (size_t i = 0; i < diags.n; i++)
                fprintf(stderr, "st:%u: %s\n", diags.v[i].line, diags.v[i].msg);
        return false;
}

#define HA_HEAD                                                                                 \
        "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight " \
        "srv_iweight srv_time_since_last_change srv_check_status srv_check_result "             \
        "srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id "      \
        "srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr " \
        "srv_agent_port\n"

START_TEST(test_haproxy_v1)
{
        const struct cfg_state_entry *e;

        parse(HA_HEAD "3 be 1 s1 10.0.0.1 2 1 7 3 12 15 3 4 6 0 0 0 - 8080 - 0 0 - - 0\n"
                      "3 be 2 s2 ::1 0 12 0 1 5 8 2 0 6 0 0 0 - 8081 -\n");
        ck_assert(file.ok);
        ck_assert(!file.sluice);
        ck_assert_uint_eq(file.n, 2);
        e = cfg_state_file_find(&file, "be", "s1");
        ck_assert_ptr_nonnull(e);
        ck_assert_uint_eq(e->line, 3);
        ck_assert(e->has_addr && e->addr.ss_family == AF_INET);
        ck_assert_uint_eq(e->port, 8080);
        ck_assert_uint_eq(e->op, CFG_STATE_OP_UP);
        ck_assert_uint_eq(e->admin, CFG_STATE_ADMIN_MAINT); /* FMAINT */
        ck_assert_uint_eq(e->weight, 7);
        ck_assert_uint_eq(e->cfg_weight, 3);
        ck_assert_uint_eq(e->health, 4);
        ck_assert(e->checked);
        e = cfg_state_file_find(&file, "be", "s2");
        ck_assert_ptr_nonnull(e);
        ck_assert(e->addr.ss_family == AF_INET6);
        ck_assert_uint_eq(e->op, CFG_STATE_OP_DOWN);
        /* 12 = CMAINT (the configuration's, not restored) | FDRAIN */
        ck_assert_uint_eq(e->admin, CFG_STATE_ADMIN_DRAIN);
        ck_assert_ptr_null(cfg_state_file_find(&file, "be", "s3"));
        ck_assert_ptr_null(cfg_state_file_find(&file, "other", "s1"));
        ck_assert_uint_eq(diags.n, 0);
}
END_TEST

START_TEST(test_haproxy_bad_lines)
{
        parse(HA_HEAD "3 be 1 s1 10.0.0.1 2 0 1 1 0 6 3 4 6 0 0 0 - 80 -\n"
                      "3 be 2 s2 10.0.0.1 2 0 1 1\n"                           /* 4: short */
                      "3 be 3 s3 10.0.0.300 2 0 1 1 0 6 3 4 6 0 0 0 - 80 -\n"  /* 5 */
                      "3 be 4 s4 10.0.0.4 9 0 1 1 0 6 3 4 6 0 0 0 - 80 -\n"    /* 6: op */
                      "3 be 5 s5 10.0.0.5 2 0 1 1 0 6 3 4 6 0 0 0 - 99999 -\n" /* 7: port */
                      "3 be 6 s6 10.0.0.6 2 0 x 1 0 6 3 4 6 0 0 0 - 80 -\n"    /* 8 */
                      "3 be 1 s1 10.0.0.9 2 0 1 1 0 6 3 4 6 0 0 0 - 80 -\n"    /* 9: again */
                      "\xff\xfe garbage\n");                                   /* 10 */
        ck_assert(file.ok);
        ck_assert_uint_eq(file.n, 1);
        ck_assert(said(4, "20 to 25 fields"));
        ck_assert(said(5, "invalid address '10.0.0.300'"));
        ck_assert(said(6, "invalid srv_op_state '9'"));
        ck_assert(said(7, "invalid srv_port '99999'"));
        ck_assert(said(8, "invalid srv_uweight 'x'"));
        ck_assert(said(9, "server 'be/s1' again (first on line 3)"));
        ck_assert(said(10, "fields"));
        ck_assert_uint_eq(diags.n, 7);
        /* the first of the two s1 lines */
        ck_assert_uint_eq(cfg_state_file_find(&file, "be", "s1")->line, 3);
}
END_TEST

START_TEST(test_refused)
{
        parse("");
        ck_assert(!file.ok);
        ck_assert(said(1, "it is empty"));
        parse("2\n3 be 1 s1 10.0.0.1 2 0 1 1 0 6 3 4 6 0 0 0 - 80 -\n");
        ck_assert(!file.ok);
        ck_assert(said(1, "unknown version"));
        parse("sluice-server-state 7\n");
        ck_assert(!file.ok);
        ck_assert(said(1, "unknown version"));
        parse("hello world\n");
        ck_assert(!file.ok);
        ck_assert(said(1, "no version"));
        {
                static const char bin[] = "1\n\0\x01\x02";

                cfg_arena_free(&arena);
                memset(&arena, 0, sizeof(arena));
                cfg_diags_clear(&diags);
                memset(&file, 0, sizeof(file));
                cfg_state_file_parse(&arena, &diags, "st", bin, sizeof(bin) - 1, &file);
                ck_assert(!file.ok);
                ck_assert(said(1, "NUL byte"));
        }
}
END_TEST

#define SL_LINE(srv, port)                                                                      \
        "be " srv " 10.0.0.1 " port " 1 0123456789abcdef 10.0.0.1 " port " 0 1 0 1 4 1 11 200 " \
        "1700000000000 -\n"

START_TEST(test_sluice)
{
        const struct cfg_state_entry *e;

        parse("sluice-server-state 1\n# comment\n" SL_LINE(
                "s1", "8080") "be s2 www.example.com 80 3 fedcba9876543210 192.0.2.7 8443 1 2 3 0 "
                              "2 1 13 503 5 "
                              "12\n"
                              "end 2\n");
        ck_assert(file.ok);
        ck_assert(file.sluice);
        ck_assert_uint_eq(file.n, 2);
        e = cfg_state_file_find(&file, "be", "s1");
        ck_assert_ptr_nonnull(e);
        ck_assert(e->sluice);
        ck_assert_str_eq(e->cfg_addr, "10.0.0.1");
        ck_assert_uint_eq(e->cfg_port, 8080);
        ck_assert(e->cfg_sum == 0x0123456789abcdefull);
        ck_assert_uint_eq(e->chk_status, 11);
        ck_assert_uint_eq(e->chk_code, 200);
        ck_assert(!e->maxconn_set);
        e = cfg_state_file_find(&file, "be", "s2");
        ck_assert(e->addr_set);
        ck_assert_uint_eq(e->port, 8443);
        ck_assert_uint_eq(e->op, CFG_STATE_OP_NOLB);
        ck_assert_uint_eq(e->admin, CFG_STATE_ADMIN_MAINT | CFG_STATE_ADMIN_DRAIN);
        ck_assert(e->maxconn_set);
        ck_assert_uint_eq(e->maxconn, 12);
        ck_assert_uint_eq(diags.n, 0);

        /* cut short: no end line, or another count */
        parse("sluice-server-state 1\n" SL_LINE("s1", "8080") SL_LINE("s2", "8081"));
        ck_assert(!file.ok);
        ck_assert_uint_eq(file.n, 0);
        ck_assert(said(3, "no end line"));
        parse("sluice-server-state 1\n" SL_LINE("s1", "8080") SL_LINE("s2", "8081") "end 3\n");
        ck_assert(!file.ok);
        ck_assert(said(4, "counts 3 servers, 2 lines were read"));
        parse("sluice-server-state 1\n" SL_LINE("s1", "8080") "end 1\n" SL_LINE("s2", "80"));
        ck_assert(!file.ok);
        ck_assert(said(4, "after its end line"));
        /* a bad line is skipped, and still counted */
        parse("sluice-server-state 1\n" SL_LINE(
                "s1", "8080") "be s2 10.0.0.1 80 1 xyz 10.0.0.1 80 0 1 0 1 4 1 11 200 1 -\n"
                              "end 2\n");
        ck_assert(file.ok);
        ck_assert_uint_eq(file.n, 1);
        ck_assert(said(3, "invalid cfg_sum 'xyz'"));
}
END_TEST

/* ---- in a configuration ---- */

static char dir[] = "/tmp/sluice-state-XXXXXX";

static void setup(void)
{
        ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        ck_assert_int_eq(system(cmd), 0);
        strcpy(dir, "/tmp/sluice-state-XXXXXX");
}

START_TEST(test_config)
{
        char text[2048];
        struct cfg_gen *g;
        const struct cfg_proxy *be, *loc, *none;

        cfgtest_write(dir, "global.state",
                      HA_HEAD "3 be 1 s1 10.0.0.1 2 0 5 1 0 6 3 4 6 0 0 0 - 80 -\n"
                              "3 be 2 gone 10.0.0.2 2 0 1 1 0 6 3 4 6 0 0 0 - 80 -\n"
                              "4 nobe 1 x 10.0.0.3 2 0 1 1 0 6 3 4 6 0 0 0 - 80 -\n"
                              "4 nobe 2 y 10.0.0.3 2 0 1 1 0 6 3 4 6 0 0 0 - 80 -\n"
                              "5 none 1 s1 10.0.0.4 2 0 1 1 0 6 3 4 6 0 0 0 - 80 -\n"
                              "6 named 1 n1 192.0.2.44 2 0 1 1 0 6 3 4 6 0 0 0 - 80 -\n");
        cfgtest_write(dir, "loc", HA_HEAD "7 loc 1 l1 10.0.0.9 2 0 1 1 0 6 3 4 6 0 0 0 - 80 -\n");
        snprintf(text, sizeof(text),
                 "global\n"
                 "    server-state-base %s\n"
                 "    server-state-file global.state\n"
                 "defaults\n"
                 "    mode http\n"
                 "    load-server-state-from-file global\n"
                 "backend be\n"
                 "    server s1 10.0.0.1:80\n"
                 "    server s2 10.0.0.2:80\n"
                 "backend loc\n"
                 "    load-server-state-from-file local\n"
                 "    server-state-file-name loc\n"
                 "    server l1 10.0.0.9:80\n"
                 "backend none\n"
                 "    load-server-state-from-file none\n"
                 "    server s1 10.0.0.4:80\n"
                 "backend named\n"
                 "    server n1 no-such-host.invalid:80 init-addr last,none\n",
                 dir);
        g = cfgtest_load_ok(text, NULL);
        be = cfgtest_proxy(g, "be");
        loc = cfgtest_proxy(g, "loc");
        none = cfgtest_proxy(g, "none");
        ck_assert_ptr_nonnull(be->servers[0].state);
        ck_assert_uint_eq(be->servers[0].state->weight, 5);
        ck_assert_ptr_null(be->servers[1].state);
        ck_assert_ptr_nonnull(loc->servers[0].state);
        ck_assert_ptr_null(none->servers[0].state);
        /* init-addr last: the file's address, the configuration's port */
        {
                const struct cfg_server *n1 = &cfgtest_proxy(g, "named")->servers[0];
                const struct sockaddr_in *sin = (const struct sockaddr_in *)&n1->addr.ss;

                ck_assert(!n1->no_addr);
                ck_assert_int_eq(sin->sin_family, AF_INET);
                ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), 0xc000022cu);
                ck_assert_uint_eq(ntohs(sin->sin_port), 80);
        }
        ck_assert(cfgtest_has(CFG_SEV_WARNING, NULL, 4, "no server 'gone' in backend 'be'"));
        ck_assert(cfgtest_has(CFG_SEV_WARNING, NULL, 5, "no backend 'nobe'"));
        ck_assert(!cfgtest_has(CFG_SEV_WARNING, NULL, 6, "nobe"));
        ck_assert(!cfgtest_has(CFG_SEV_WARNING, NULL, 7, ""));
        /* the dump says it all again */
        {
                char *d = cfgtest_dump(g);

                ck_assert_ptr_nonnull(strstr(d, "    server-state-file global.state\n"));
                ck_assert_ptr_nonnull(strstr(d, "    load-server-state-from-file local\n"));
                ck_assert_ptr_nonnull(strstr(d, "    server-state-file-name loc\n"));
                free(d);
        }
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_config_no_file)
{
        char text[1024];
        struct cfg_gen *g;

        snprintf(text, sizeof(text),
                 "global\n"
                 "    server-state-file %s/missing\n"
                 "backend be\n"
                 "    load-server-state-from-file global\n"
                 "    server s1 10.0.0.1:80\n"
                 "backend be2\n"
                 "    load-server-state-from-file banana\n",
                 dir);
        cfgtest_expect_error(text, NULL, NULL, 7, "unknown mode 'banana'");
        text[strlen(text) - strlen("backend be2\n    load-server-state-from-file banana\n")] = 0;
        g = cfgtest_load_ok(text, NULL);
        ck_assert(cfgtest_has(CFG_SEV_WARNING, NULL, 0, "server-state file cannot be read"));
        ck_assert_ptr_null(cfgtest_proxy(g, "be")->servers[0].state);
        cfg_gen_unref(g);
        g = cfgtest_load_ok("backend be\n"
                            "    load-server-state-from-file global\n"
                            "    server s1 10.0.0.1:80\n",
                            NULL);
        ck_assert(cfgtest_has(CFG_SEV_WARNING, NULL, 1, "no server-state-file in the global"));
        cfg_gen_unref(g);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config/state_file");
        TCase *tc = tcase_create("parse");
        TCase *tcc = tcase_create("config");

        tcase_add_test(tc, test_haproxy_v1);
        tcase_add_test(tc, test_haproxy_bad_lines);
        tcase_add_test(tc, test_refused);
        tcase_add_test(tc, test_sluice);
        suite_add_tcase(s, tc);
        tcase_add_checked_fixture(tcc, setup, teardown);
        tcase_add_test(tcc, test_config);
        tcase_add_test(tcc, test_config_no_file);
        suite_add_tcase(s, tcc);
        return unit_run(s);
}
