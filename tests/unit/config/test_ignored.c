#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtest.h"
#include "load.h"
#include "unit.h"

static const struct cfg_load_opts opts = {0};

static int load(const char *text, struct cfg_gen **ret)
{
        return cfgtest_load(text, &opts, ret);
}

static struct cfg_gen *load_ok(const char *text)
{
        return cfgtest_load_ok(text, &opts);
}

static bool has(enum cfg_severity sev, unsigned line, const char *msg)
{
        if (cfgtest_has(sev, NULL, line, msg))
                return true;
        cfgtest_print_diags();
        return false;
}

static void expect_error(const char *text, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, &opts, NULL, line, msg);
}

START_TEST(test_keywords_without_capability)
{
        static const char text[] = "frontend f\n"
                                   "    bind :80\n"
                                   "    timeout server 5s\n"
                                   "    timeout connect 5s\n"
                                   "    balance leastconn\n"
                                   "    retries 7\n"
                                   "    option redispatch\n"
                                   "    http-reuse always\n"
                                   "    hash-type consistent\n"
                                   "    cookie SRV insert\n"
                                   "    stick on src\n"
                                   "    default_backend b\n"
                                   "backend b\n"
                                   "    maxconn 10\n"
                                   "    bind 127.0.0.1:81\n"
                                   "    timeout client 5s\n"
                                   "    option httplog\n"
                                   "    log-format %ci\n"
                                   "    option dontlognull\n"
                                   "    default_backend b\n"
                                   "    use_backend b\n"
                                   "    maxconn x\n";
        struct cfg_gen *g = load_ok(text);
        const struct cfg_proxy *f = cfgtest_proxy(g, "f"), *b = cfgtest_proxy(g, "b");

        ck_assert(has(CFG_SEV_WARNING, 3,
                      "frontend 'f' has no backend capability: ignoring 'timeout server'"));
        for (unsigned line = 4; line <= 11; line++)
                ck_assert(has(CFG_SEV_WARNING, line, "frontend 'f' has no backend capability"));
        ck_assert(has(CFG_SEV_WARNING, 14,
                      "backend 'b' has no frontend capability: ignoring 'maxconn' (maybe you want "
                      "'fullconn')"));
        for (unsigned line = 15; line <= 22; line++)
                ck_assert(has(CFG_SEV_WARNING, line, "backend 'b' has no frontend capability"));
        /* ignored: nothing of it reaches the model */
        ck_assert(!(f->timeouts_set & (1u << CFG_TO_SERVER | 1u << CFG_TO_CONNECT)));
        ck_assert_int_eq(f->balance.algo, CFG_LB_ROUNDROBIN);
        ck_assert_uint_eq(f->retries, 3);
        ck_assert(!(f->options & CFG_OPT_REDISPATCH));
        ck_assert_int_eq(f->http_reuse, CFG_REUSE_SAFE);
        ck_assert_int_eq(f->hash_type.method, CFG_HASH_MAP_BASED);
        ck_assert_ptr_null(f->cookie);
        ck_assert_uint_eq(f->n_stick_rules, 0);
        ck_assert_uint_eq(b->maxconn, 0);
        ck_assert_uint_eq(b->n_binds, 0);
        ck_assert(!(b->timeouts_set & (1u << CFG_TO_CLIENT)));
        ck_assert(!(b->options & (CFG_OPT_HTTPLOG | CFG_OPT_DONTLOGNULL)));
        ck_assert_ptr_null(b->log_format);
        ck_assert_ptr_null(b->default_backend_name);
        ck_assert_uint_eq(b->n_use_backend, 0);
        ck_assert_uint_eq(cfgtest_diags.n_errors, 0);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_ignored_keywords_still_checked)
{
        /* where HAProxy reads the arguments of what it ignores, they must be right */
        expect_error("backend b\n    bind 127.0.0.1:99999\n", 2, "bind:");
        expect_error("backend b\n    timeout client 1x\n", 2, "timeout client:");
        expect_error("frontend f\n    balance nosuch\n", 2, "unknown balance algorithm");
        expect_error("frontend f\n    no balance\n", 2, "'no' cannot be used with 'balance'");
        /* and what HAProxy refuses, rather than ignores, is refused */
        expect_error("frontend f\n    server s 127.0.0.1:1\n", 2,
                     "'server' is not allowed in a 'frontend' section");
        expect_error("frontend f\n    default-server weight 2\n", 2,
                     "'default-server' is not allowed in a 'frontend' section");
        expect_error("backend b\n    tcp-request connection reject\n", 2,
                     "'tcp-request connection' is not allowed in a 'backend' section");
        expect_error("defaults\n    use_backend b\n", 2,
                     "'use_backend' is not allowed in a 'defaults' section");
}
END_TEST

START_TEST(test_http_settings_in_tcp_mode)
{
        static const char text[] = "defaults\n"
                                   "    option httplog\n"
                                   "frontend f\n"
                                   "    bind :80\n"
                                   "    option forwardfor\n"
                                   "    option http-no-delay\n"
                                   "    option http-server-close\n"
                                   "    stick-table type string size 1k\n"
                                   "    tcp-request content track-sc0 req.hdr(host)\n"
                                   "    http-request deny\n"
                                   "    http-response set-header a b\n"
                                   "    acl p path_beg /x\n"
                                   "    tcp-request content reject if p\n"
                                   "    default_backend b\n"
                                   "backend b\n"
                                   "    balance uri\n"
                                   "    cookie SRV insert\n"
                                   "    stick-table type string size 1k\n"
                                   "    tcp-request content track-sc0 req.hdr(host)\n"
                                   "    server s 127.0.0.1:1 cookie a\n";
        struct cfg_gen *g = load_ok(text);
        const struct cfg_proxy *f = cfgtest_proxy(g, "f"), *b = cfgtest_proxy(g, "b");

        ck_assert(has(CFG_SEV_WARNING, 10,
                      "frontend 'f' is in mode tcp: its 'http-request' rules apply only to the "
                      "requests of connections that a backend in mode http makes HTTP ones"));
        ck_assert(has(CFG_SEV_WARNING, 11, "its 'http-response' rules apply only to"));
        ck_assert(has(CFG_SEV_WARNING, 3, "ignoring 'option forwardfor', which needs 'mode http'"));
        ck_assert(has(CFG_SEV_WARNING, 3, "ignoring 'option http-no-delay'"));
        ck_assert(has(CFG_SEV_WARNING, 3,
                      "'option httplog' needs 'mode http', using 'option tcplog' instead"));
        ck_assert(has(CFG_SEV_WARNING, 9,
                      "the key of this 'tcp-request content track-sc0' rule reads HTTP"));
        ck_assert(has(CFG_SEV_WARNING, 15,
                      "'balance uri' needs 'mode http', using 'balance roundrobin' instead"));
        ck_assert(has(CFG_SEV_WARNING, 15, "ignoring 'cookie', which needs 'mode http'"));
        ck_assert(has(CFG_SEV_WARNING, 20, "ignoring the cookie of server 's'"));
        /* HAProxy warns of the tracking key in frontends only, and of nothing else */
        ck_assert(!has(CFG_SEV_WARNING, 19, "track-sc0"));
        ck_assert_uint_eq(cfgtest_diags.n_warnings, 9);
        ck_assert_uint_eq(cfgtest_diags.n_errors, 0);
        /* rules stay (run on upgraded connections only); options HAProxy clears are
         * cleared, the others stay */
        ck_assert_uint_eq(f->n_http_req, 1);
        ck_assert_uint_eq(f->n_http_res, 1);
        ck_assert(!(f->options & (CFG_OPT_FORWARDFOR | CFG_OPT_HTTP_NO_DELAY | CFG_OPT_HTTPLOG)));
        ck_assert(f->options & CFG_OPT_TCPLOG);
        ck_assert(f->options & CFG_OPT_HTTP_SERVER_CLOSE);
        ck_assert_int_eq(b->balance.algo, CFG_LB_ROUNDROBIN);
        ck_assert_ptr_nonnull(b->cookie);
        cfg_gen_unref(g);
        /* none of it in mode http */
        g = load_ok("defaults\n    mode http\n    option httplog\n"
                    "frontend f\n    bind :80\n    option forwardfor\n    http-request deny\n"
                    "    default_backend b\nbackend b\n    balance uri\n    cookie S insert\n"
                    "    server s 127.0.0.1:1 cookie a\n");
        ck_assert_uint_eq(cfgtest_diags.n, 0);
        ck_assert(cfgtest_proxy(g, "f")->options & CFG_OPT_HTTPLOG);
        ck_assert_int_eq(cfgtest_proxy(g, "b")->balance.algo, CFG_LB_URI);
        cfg_gen_unref(g);
        g = load_ok("backend b\n    http-after-response set-header a b\n");
        ck_assert(has(CFG_SEV_WARNING, 2,
                      "backend 'b' is in mode tcp: ignoring its 'http-after-response' rules, which "
                      "need 'mode http'"));
        ck_assert_uint_eq(cfgtest_proxy(g, "b")->n_http_after, 1);
        cfg_gen_unref(g);
}
END_TEST

/* option disable-h2-upgrade is a frontend option of mode http, as in HAProxy: dropped with a
 * warning in a frontend in mode tcp, ignored in a backend (inherited without a word). */
/* tcp-request content switch-mode http: the frontend's HTTP keywords are its own then, as in
 * HAProxy (no warning, options kept); the action's forms and where it may be */
START_TEST(test_switch_mode)
{
        struct cfg_gen *g = load_ok("frontend f\n"
                                    "    bind :80\n"
                                    "    option forwardfor\n"
                                    "    tcp-request inspect-delay 1s\n"
                                    "    tcp-request content switch-mode http if HTTP\n"
                                    "    tcp-request content switch-mode http proto h2 if { "
                                    "req.len gt 100 }\n"
                                    "    http-request set-header x y\n"
                                    "    default_backend b\n"
                                    "backend b\n    mode http\n    server s 127.0.0.1:1\n");
        const struct cfg_proxy *f = cfgtest_proxy(g, "f");
        char *d1, *d2;
        struct cfg_gen *g2;

        ck_assert_uint_eq(cfgtest_diags.n_warnings, 0);
        ck_assert(f->options & CFG_OPT_FORWARDFOR);
        ck_assert_uint_eq(f->n_tcp_content, 2);
        ck_assert_int_eq(f->tcp_content[0].act, CFG_ACT_SWITCH_MODE);
        ck_assert_uint_eq(f->tcp_content[0].http_major, 0);
        ck_assert_uint_eq(f->tcp_content[1].http_major, 2);
        d1 = cfgtest_dump(g);
        ck_assert_ptr_nonnull(strstr(d1, "tcp-request content switch-mode http if HTTP\n"));
        ck_assert_ptr_nonnull(strstr(d1, "tcp-request content switch-mode http proto h2 if "));
        g2 = load_ok(d1);
        d2 = cfgtest_dump(g2);
        ck_assert_str_eq(d1, d2);
        free(d1);
        free(d2);
        cfg_gen_unref(g2);
        cfg_gen_unref(g);

        g = load_ok("listen l\n    bind :80\n    tcp-request content switch-mode http\n"
                    "    server s 127.0.0.1:1\n");
        ck_assert(has(CFG_SEV_WARNING, 1,
                      "listen 'l' switches to HTTP with 'switch-mode http' but has no backend"));
        cfg_gen_unref(g);
        expect_error("frontend f\n    bind :80\n    tcp-request connection switch-mode http\n", 3,
                     "'switch-mode' is only allowed in 'tcp-request content' rules");
        expect_error("backend b\n    tcp-request content switch-mode http\n", 2,
                     "'tcp-request content switch-mode' needs a proxy with a frontend");
        expect_error("frontend f\n    bind :80\n    tcp-request content switch-mode tcp\n", 3,
                     "expected 'switch-mode http [proto h1|h2]'");
        expect_error("frontend f\n    bind :80\n    tcp-request content switch-mode http proto\n",
                     3, "expected 'switch-mode http [proto h1|h2]'");
        expect_error("frontend f\n    bind :80\n"
                     "    tcp-request content switch-mode http proto fcgi\n",
                     3, "'proto' expects h1 or h2, got 'fcgi'");
}
END_TEST

START_TEST(test_h2_upgrade_option)
{
        struct cfg_gen *g = load_ok("defaults\n"
                                    "    option disable-h2-upgrade\n"
                                    "frontend f\n"
                                    "    bind :80\n"
                                    "    default_backend b\n"
                                    "backend b\n"
                                    "    server s 127.0.0.1:1\n");

        ck_assert(has(CFG_SEV_WARNING, 3,
                      "frontend 'f' is in mode tcp: ignoring 'option disable-h2-upgrade', which "
                      "needs 'mode http'"));
        ck_assert_uint_eq(cfgtest_diags.n_warnings, 1);
        ck_assert(!(cfgtest_proxy(g, "f")->options & CFG_OPT_DISABLE_H2_UPGRADE));
        cfg_gen_unref(g);

        g = load_ok("backend b\n    option disable-h2-upgrade\n    server s 127.0.0.1:1\n");
        ck_assert(has(CFG_SEV_WARNING, 2,
                      "backend 'b' has no frontend capability: ignoring 'option "
                      "disable-h2-upgrade'"));
        ck_assert_uint_eq(cfgtest_diags.n_warnings, 1);
        cfg_gen_unref(g);

        g = load_ok("defaults\n    mode http\n    option disable-h2-upgrade\n"
                    "frontend f\n    bind :80\n    default_backend b\n"
                    "listen l\n    bind :81\n    no option disable-h2-upgrade\n"
                    "    server s 127.0.0.1:1\n"
                    "backend b\n    server s 127.0.0.1:1\n");
        ck_assert_uint_eq(cfgtest_diags.n, 0);
        ck_assert(cfgtest_proxy(g, "f")->options & CFG_OPT_DISABLE_H2_UPGRADE);
        ck_assert(!(cfgtest_proxy(g, "l")->options & CFG_OPT_DISABLE_H2_UPGRADE));
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_never_matching_acl)
{
        struct cfg_gen *g;

        /* HAProxy warns that the ACL never matches where it is used, and keeps the rule */
        g = load_ok("frontend f\n    mode http\n    bind :80\n    acl ok status 200\n"
                    "    http-request deny if ok\n    http-request deny if { status 500 }\n"
                    "    use_backend b if { status 200 }\n    default_backend b\n"
                    "backend b\n    mode http\n");
        ck_assert(has(CFG_SEV_WARNING, 5,
                      "ACL 'ok' reads what is not known yet in http-request "
                      "rules: it never matches there"));
        ck_assert(has(CFG_SEV_WARNING, 6, "ACL '{ }' reads what is not known yet"));
        ck_assert(has(CFG_SEV_WARNING, 7, "in use_backend rules"));
        ck_assert_uint_eq(cfgtest_proxy(g, "f")->n_http_req, 2);
        ck_assert_uint_eq(cfgtest_proxy(g, "f")->n_use_backend, 1);
        cfg_gen_unref(g);
        g = load_ok("frontend f\n    bind :80\n    tcp-request connection reject if "
                    "{ path_beg /x }\n    default_backend b\nbackend b\n");
        ck_assert(has(CFG_SEV_WARNING, 3, "in tcp-request connection rules"));
        cfg_gen_unref(g);
        /* a key that cannot be known stays an error, as in HAProxy */
        expect_error("frontend f\n    tcp-request connection track-sc0 req.hdr(host)\n", 2,
                     "is not known yet when this rule runs");
}
END_TEST

START_TEST(test_noticed_keywords)
{
        struct cfg_gen *g;

        /* HAProxy 2.6 warns that bind-process has no effect (master-worker, which has a
         * meaning in sluice, is kw_global.c's: test_global.c) */
        g = load_ok("global\n    master-worker\ndefaults\n    bind-process 1\n"
                    "frontend f\n    bind :80\n    bind-process all\n    default_backend b\n"
                    "backend b\n    bind-process odd\n");
        ck_assert(g->global.master_worker);
        ck_assert_uint_eq(cfgtest_diags.n_notices, 0);
        ck_assert(has(CFG_SEV_WARNING, 4, "ignoring 'bind-process': it has no effect"));
        ck_assert(has(CFG_SEV_WARNING, 7, "ignoring 'bind-process'"));
        ck_assert(has(CFG_SEV_WARNING, 10, "ignoring 'bind-process'"));
        ck_assert_uint_eq(cfgtest_diags.n_warnings, 3);
        cfg_gen_unref(g);
        expect_error("frontend f\n    no bind-process\n", 2,
                     "'no' cannot be used with 'bind-process'");
        expect_error("global\n    bind-process 1\n", 2,
                     "'bind-process' is not allowed in a 'global' section");
        expect_error("frontend f\n    master-worker\n", 2,
                     "'master-worker' is not allowed in a 'frontend' section");
}
END_TEST

START_TEST(test_failed_acl_one_error)
{
        struct cfg_gen *g;

        ck_assert_int_eq(load("frontend f\n    mode http\n    acl bad nosuchfetch /x\n"
                              "    http-request deny if bad\n    http-request deny if !bad\n"
                              "    use_backend b if bad\n    http-request deny if nosuch\n"
                              "backend b\n    acl bad nosuchfetch\n    acl ok path /\n"
                              "    http-request deny if bad\n",
                              &g),
                         -EINVAL);
        ck_assert(has(CFG_SEV_ERROR, 3, "unknown sample fetch 'nosuchfetch'"));
        ck_assert(has(CFG_SEV_ERROR, 9, "unknown sample fetch 'nosuchfetch'"));
        /* a name no acl line gave stays an error, in every proxy */
        ck_assert(has(CFG_SEV_ERROR, 7, "no ACL named 'nosuch'"));
        ck_assert_uint_eq(cfgtest_diags.n_errors, 3);
        /* the failure belongs to its proxy */
        expect_error("frontend f\n    mode http\n    acl bad nosuchfetch\n"
                     "backend b\n    mode http\n    http-request deny if bad\n",
                     6, "no ACL named 'bad' in backend 'b'");
}
END_TEST

START_TEST(test_unsupported_messages)
{
        expect_error("backend b\n    option logasap\n", 2,
                     "'option logasap' is a HAProxy keyword that sluice does not support yet");
        expect_error("frontend f\n    stats show-modules\n", 2,
                     "'stats show-modules' is a HAProxy keyword that sluice does not support "
                     "yet");
        expect_error("frontend f\n    mode http\n    http-response track-sc0 src\n", 3,
                     "'http-response track-sc0' is a HAProxy keyword that sluice does not "
                     "support yet");
        expect_error("frontend f\n    mode http\n    http-request lua.hello\n", 3,
                     "'http-request lua.hello' is a HAProxy keyword that sluice does not support "
                     "yet: Lua is not supported");
        expect_error("global\n    tune.lua.maxmem 10\n", 2, "Lua is not supported");
        expect_error("frontend f\n    tcp-request content set-mark 1\n", 2,
                     "'tcp-request content set-mark' is a HAProxy keyword");
        expect_error("global\n    log ring@buf local0\n", 2, "'log ring@' is a HAProxy keyword");
        expect_error("global\n    log 127.0.0.1 format iso local0\n", 2,
                     "'log format iso' is a HAProxy keyword");
        expect_error("global\n    stats socket /run/a.sock process 1\n", 2,
                     "'process' is a HAProxy keyword");
        expect_error("frontend f\n    bind :80 accept-netscaler-cip 1234\n", 2,
                     "'accept-netscaler-cip' is a HAProxy keyword");
        expect_error("backend b\n    server s 127.0.0.1:1 socks4 127.0.0.1:1080\n", 2,
                     "'socks4' is a HAProxy keyword");
        expect_error("backend b\n    option httplog clf\n", 2, "'option httplog clf'");
        expect_error("frontend f\n    stick-table type ip size 1 store gpc\n", 2,
                     "'gpc' is a HAProxy keyword");
        expect_error("global\n    wurfl-data-file /x\n", 2, "'wurfl-data-file' is a HAProxy");
        expect_error("mailers m\n", 1, "'mailers' is a HAProxy keyword");
        expect_error("frontend f\n    mode http\n    http-after-response set-map(x) a b\n", 3,
                     "'http-after-response set-map' is a HAProxy keyword");
        expect_error("frontend f\n    mode http\n    http-request del-acl(x) a\n", 3,
                     "'http-request del-acl' is a HAProxy keyword");
        /* an unknown word after 'option' is named with it */
        expect_error("frontend f\n    option http-tunnel\n", 2,
                     "unknown keyword 'option http-tunnel' in 'frontend' section");
}
END_TEST

static void teardown(void)
{
        cfg_diags_clear(&cfgtest_diags);
}

int main(void)
{
        Suite *s = suite_create("config/ignored");
        TCase *tc = tcase_create("ignored");
        TCase *msg = tcase_create("messages");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_checked_fixture(msg, NULL, teardown);
        tcase_add_test(tc, test_keywords_without_capability);
        tcase_add_test(tc, test_ignored_keywords_still_checked);
        tcase_add_test(tc, test_http_settings_in_tcp_mode);
        tcase_add_test(tc, test_h2_upgrade_option);
        tcase_add_test(tc, test_switch_mode);
        tcase_add_test(tc, test_never_matching_acl);
        tcase_add_test(tc, test_noticed_keywords);
        tcase_add_test(tc, test_failed_acl_one_error);
        tcase_add_test(msg, test_unsupported_messages);
        suite_add_tcase(s, tc);
        suite_add_tcase(s, msg);
        return unit_run(s);
}
