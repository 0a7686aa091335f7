/* The sample expression compiler (config/kw_sample.c): arguments split and unquoted as
 * HAProxy's make_arg_list(), typed and checked; converter chains and their types; where an
 * expression ends inside a format; messages naming the whole expression. What each fetch and
 * converter gives is checked against HAProxy itself in tests/integration/test_samples.py. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cfgtest.h"
#include "load.h"
#include "model.h"
#include "unit.h"

static struct cfg_gen *gen;

/* The sample of the first ACL of the first proxy of "frontend f\n    acl a <expr> <rest>". */
static const struct cfg_sample *acl_sample(const char *expr, const char *rest)
{
        char text[1024];
        int r;

        snprintf(text, sizeof(text), "frontend f\n    mode http\n    acl a %s %s\n", expr, rest);
        cfg_diags_clear(&cfgtest_diags);
        gen = cfg_gen_unref(gen);
        r = cfg_load_text("t.cfg", text, strlen(text), NULL, &gen, &cfgtest_diags);
        for (size_t i = 0; r != 0 && i < cfgtest_diags.n; i++)
                fprintf(stderr, "t.cfg:%u:%u: %s\n", cfgtest_diags.v[i].line,
                        cfgtest_diags.v[i].col, cfgtest_diags.v[i].msg);
        ck_assert_int_eq(r, 0);
        return &gen->proxies[0]->acls[0]->exprs[0]->smp;
}

static void expect_error(const char *text, const char *msg)
{
        cfgtest_expect_error(text, NULL, NULL, 0, msg);
}

static void expect_acl_error(const char *expr, const char *msg)
{
        char text[1024];

        snprintf(text, sizeof(text), "frontend f\n    mode http\n    acl a %s -m found\n", expr);
        expect_error(text, msg);
}

START_TEST(test_arguments)
{
        const struct cfg_sample *s;

        /* quotes group, a backslash escapes, commas inside quotes stay */
        s = acl_sample("\"str(x),regsub(\\\"a,b\\\",'c)d',g)\"", "-m found");
        ck_assert_uint_eq(s->n_convs, 1);
        ck_assert_uint_eq(s->convs[0].n_args, 3);
        ck_assert_str_eq(s->convs[0].args[0].str.ptr, "a,b");
        ck_assert_str_eq(s->convs[0].args[1].str.ptr, "c)d");
        ck_assert_int_eq(s->convs[0].args[0].i, 1); /* "g" */
        ck_assert_ptr_nonnull(s->convs[0].args[0].ref);
        /* a lone backslash stays; it escapes quotes, backslashes and spaces only */
        s = acl_sample("\"str(x\\\\y\\\\\\\\z)\"", "-m found");
        ck_assert_str_eq(s->args[0].str.ptr, "x\\y\\z");
        /* "()" is no argument at all */
        s = acl_sample("str(),lower()", "-m found");
        ck_assert_uint_eq(s->n_args, 0);
        ck_assert_uint_eq(s->convs[0].n_args, 0);
        /* typed: integers, masks, constants */
        s = acl_sample("str(abc),bytes(1,-0)", "-m found");
        ck_assert_int_eq(s->convs[0].args[0].i, 1);
        s = acl_sample("src,ipmask(255.255.0.0,64)", "-m found");
        ck_assert_int_eq(s->convs[0].args[0].family, AF_INET);
        ck_assert_uint_eq(s->convs[0].args[0].addr[1], 0xff);
        ck_assert_uint_eq(s->convs[0].args[0].addr[2], 0);
        ck_assert_uint_eq(s->convs[0].args[1].addr[7], 0xff);
        ck_assert_uint_eq(s->convs[0].args[1].addr[8], 0);
        s = acl_sample("bin(00fF10)", "-m found");
        ck_assert_uint_eq(s->args[0].str.len, 3);
        ck_assert_uint_eq((unsigned char)s->args[0].str.ptr[1], 0xff);
        s = acl_sample("bool(false)", "");
        ck_assert_int_eq(s->args[0].i, 0);
}
END_TEST

START_TEST(test_chains_and_types)
{
        const struct cfg_sample *s;

        s = acl_sample("req.hdr(host),lower,field(1,:),length", "gt 3");
        ck_assert_uint_eq(s->n_convs, 3);
        ck_assert_int_eq(s->type, CFG_SMP_INT);
        ck_assert_str_eq(s->src, "req.hdr(host),lower,field(1,:),length");
        /* a stick-table fetch takes converters like any other */
        s = acl_sample("sc0_http_req_rate,sub(10)", "gt 0");
        ck_assert_int_eq(s->type, CFG_SMP_INT);
        /* integers and addresses become text where text is needed */
        s = acl_sample("src,lower", "-m beg 127.");
        ck_assert_int_eq(s->type, CFG_SMP_STR);
        s = acl_sample("str(x),sha2(512),hex", "-m len 128");
        ck_assert_int_eq(s->type, CFG_SMP_STR);
}
END_TEST

START_TEST(test_errors)
{
        expect_acl_error("str(x),lowr", "in 'str(x),lowr': unknown converter 'lowr'; did you "
                                        "mean 'lower'?");
        expect_acl_error("str(x),regsub(a)", "'regsub' needs 2 arguments, got 1");
        expect_acl_error("str(x),lower(1)", "'lower' takes no argument");
        expect_acl_error("str(x),bytes(a)", "argument 1 of 'bytes' must be an integer, not 'a'");
        expect_acl_error("str(x),regsub(a,b,q)", "unknown flag 'q'");
        expect_acl_error("str(x),regsub([,b)", "invalid regular expression '['");
        expect_acl_error("str(x),field(0,_)", "the index counts from 1");
        expect_acl_error("str(x),json(utf16)", "input code 'utf16'");
        expect_acl_error("str(x),sha2(100)", "'sha2' makes 224, 256, 384 or 512 bits");
        expect_acl_error("str(x),digest(nope)", "unknown digest 'nope'");
        expect_acl_error("str(x),hmac(sha256,***)", "the key must be base64");
        expect_acl_error("ssl_fc,ipmask(24)", "converter 'ipmask' takes an address, and gets a "
                                              "boolean");
        expect_acl_error("src,ipmask(33)", "must be an IPv4 mask");
        expect_acl_error("ipv4(::1)", "'ipv4' needs an IPv4 address");
        expect_acl_error("bin(abc)", "even number of hexadecimal digits");
        expect_acl_error("bool(yes)", "'bool' takes 'true', 'false', '1' or '0'");
        expect_acl_error("str(x", "missing ')' after the arguments of 'str'");
        expect_acl_error("str(x)y", "unexpected 'y' after 'str(x)'");
        expect_acl_error("str(x),,lower", "missing converter name");
        expect_acl_error("date(0,h)", "unit 'h' is not one of 's', 'ms' and 'us'");
        expect_acl_error("uuid(3)", "version 4 UUIDs only");
        expect_acl_error("nbsrv(nosuch)", "no backend named 'nosuch'");
        expect_acl_error("srv_is_up(nosuch/s)", "no backend named 'nosuch'");
        expect_acl_error("url_param(a,xy)", "the delimiter of 'url_param' is one character");
        expect_acl_error("src,table_conn_cur", "converter 'table_conn_cur' needs a table");
        expect_acl_error("src,ungrpc(1)", "converter 'ungrpc' is a HAProxy keyword that "
                                          "sluice does not support yet");
        expect_acl_error("lat_ns_avg", "sample fetch 'lat_ns_avg' is a HAProxy keyword");
}
END_TEST

START_TEST(test_servers_and_backends)
{
        static const char text[] = "frontend f\n"
                                   "    acl up srv_is_up(b/s2)\n"
                                   "    acl n nbsrv(b) ge 1\n"
                                   "backend b\n"
                                   "    server s1 127.0.0.1:1\n"
                                   "    server s2 127.0.0.1:2\n";
        const struct cfg_proxy *f, *b;
        int r;

        cfg_diags_clear(&cfgtest_diags);
        gen = cfg_gen_unref(gen);
        r = cfg_load_text("t.cfg", text, strlen(text), NULL, &gen, &cfgtest_diags);
        ck_assert_int_eq(r, 0);
        f = gen->proxies[0];
        b = gen->proxies[1];
        ck_assert_ptr_eq(f->acls[0]->exprs[0]->smp.args[0].ref, b);
        ck_assert_int_eq(f->acls[0]->exprs[0]->smp.args[0].i, 1);
        ck_assert_ptr_eq(f->acls[1]->exprs[0]->smp.args[0].ref, b);
        expect_error("backend b\n    acl up srv_is_up(s9)\n    server s1 127.0.0.1:1\n",
                     "no server named 's9' in 'b'");
}
END_TEST

START_TEST(test_formats)
{
        static const char text[] = "frontend f\n"
                                   "    mode http\n"
                                   "    http-request set-header X "
                                   "'%[path,regsub(\"[0-9]+\",N,g)]-%[str(])]'\n";
        const struct cfg_fmt *fmt;
        int r;

        cfg_diags_clear(&cfgtest_diags);
        gen = cfg_gen_unref(gen);
        r = cfg_load_text("t.cfg", text, strlen(text), NULL, &gen, &cfgtest_diags);
        ck_assert_int_eq(r, 0);
        fmt = &gen->proxies[0]->http_req[0].fmt;
        ck_assert_uint_eq(fmt->n_nodes, 3);
        ck_assert_str_eq(fmt->nodes[0].smp.src, "path,regsub(\"[0-9]+\",N,g)");
        ck_assert_str_eq(fmt->nodes[2].smp.src, "str(])");
        ck_assert(!fmt->log);
        expect_error("frontend f\n    mode http\n    http-request set-header X %[path\n",
                     "missing ']' after '%[path'");
        expect_error("frontend f\n    mode http\n    http-request set-header X %[path_beg]\n",
                     "'path' is an ACL criterion, not a sample fetch");
}
END_TEST

/* @name appears in @man as a word of its own: after a blank, a quote, a '(' or an escaped
 * space, before a blank, a quote, '(', ',' or a backslash (roff writes '-' as "\-"). */
static bool man_mentions(const char *man, const char *name)
{
        char esc[128];
        size_t n = 0;

        for (const char *k = name; *k && n + 2 < sizeof(esc); k++) {
                if (*k == '-')
                        esc[n++] = '\\';
                esc[n++] = *k;
        }
        esc[n] = '\0';
        for (const char *p = strstr(man, esc); p; p = strstr(p + 1, esc)) {
                char before = p == man ? '\n' : p[-1], after = p[n];

                if (!strchr(" \t\n\"(", before))
                        continue;
                if (after == '\0' || strchr(" \t\n\"(,\\", after))
                        return true;
        }
        return false;
}

START_TEST(test_every_fetch_and_converter_in_man_page)
{
        char *man = cfgtest_read_file("man/sluice.cfg.5");

        for (size_t i = 0; cfg_fetch_kw_at(i); i++)
                if (cfg_fetch_kw_at(i)->implied < 0)
                        ck_assert_msg(man_mentions(man, cfg_fetch_kw_at(i)->name),
                                      "fetch '%s' is not documented in man/sluice.cfg.5",
                                      cfg_fetch_kw_at(i)->name);
        for (unsigned c = 0; c < CFG_CONV_COUNT; c++)
                ck_assert_msg(man_mentions(man, cfg_conv_name((enum cfg_conv)c)),
                              "converter '%s' is not documented in man/sluice.cfg.5",
                              cfg_conv_name((enum cfg_conv)c));
        /* the check itself can fail */
        ck_assert(!man_mentions(man, "no_such_fetch"));
        free(man);
}
END_TEST

static void teardown(void)
{
        gen = cfg_gen_unref(gen);
        cfg_diags_clear(&cfgtest_diags);
}

int main(void)
{
        Suite *s = suite_create("config/sample");
        TCase *tc = tcase_create("sample");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, test_arguments);
        tcase_add_test(tc, test_chains_and_types);
        tcase_add_test(tc, test_errors);
        tcase_add_test(tc, test_servers_and_backends);
        tcase_add_test(tc, test_formats);
        tcase_add_test(tc, test_every_fetch_and_converter_in_man_page);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
