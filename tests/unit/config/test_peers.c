#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgtest.h"
#include "dump.h"
#include "load.h"
#include "unit.h"

/* this node is lb1 unless a test says otherwise */
static const struct cfg_load_opts lb1 = {.localpeer = "lb1"};

static struct cfg_gen *load_ok(const char *text)
{
        return cfgtest_load_ok(text, &lb1);
}

static void expect_error(const char *text, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, &lb1, NULL, line, msg);
}

static void expect_warning(const char *text, unsigned line, const char *msg)
{
        struct cfg_gen *g = load_ok(text);

        if (!cfgtest_has(CFG_SEV_WARNING, NULL, line, msg)) {
                cfgtest_print_diags();
                ck_abort_msg("no warning at line %u containing '%s'", line, msg);
        }
        cfg_gen_unref(g);
}

static const struct cfg_peers *peers_of(const struct cfg_gen *g, const char *name)
{
        const struct cfg_peers *ps = cfg_gen_find_peers(g, name);

        ck_assert_msg(ps != NULL, "no peers section '%s'", name);
        return ps;
}

static const char classic[] = "peers mypeers\n"
                              "    peer lb1 10.0.0.1:10000\n"
                              "    peer lb2 10.0.0.2:10000\n"
                              "backend app\n"
                              "    stick-table type ip size 200k expire 30m peers mypeers\n"
                              "    stick on src\n"
                              "    server s1 10.0.1.1:80\n";

START_TEST(test_legacy_peer_lines)
{
        struct cfg_gen *g = load_ok(classic);
        const struct cfg_peers *ps = peers_of(g, "mypeers");
        const struct cfg_proxy *app = cfgtest_proxy(g, "app");
        const struct cfg_peer *local = cfg_peers_local(ps);

        ck_assert_str_eq(g->global.localpeer, "lb1");
        ck_assert_uint_eq(ps->n_peers, 2);
        ck_assert_ptr_nonnull(local);
        ck_assert_str_eq(local->srv.name, "lb1");
        ck_assert(local->local && local->has_addr);
        ck_assert_str_eq(ps->peers[1].srv.name, "lb2");
        ck_assert(!ps->peers[1].local && ps->peers[1].has_addr);
        ck_assert_uint_eq(ps->peers[1].srv.addr.port_low, 10000);
        ck_assert_uint_eq(ps->peers[1].srv.where.line, 3);
        /* the local peer listens on its own address */
        ck_assert_uint_eq(ps->n_binds, 1);
        ck_assert_uint_eq(ps->binds[0].addr.port_low, 10000);
        ck_assert_uint_eq(ps->binds[0].where.line, 2);
        ck_assert(!ps->disabled);
        /* the backend's table is synced with it, under the backend's name */
        ck_assert_ptr_eq(app->table->peers, ps);
        ck_assert_str_eq(app->table->peers_name, "mypeers");
        ck_assert_uint_eq(ps->n_tables, 1);
        ck_assert_ptr_eq(ps->tables[0].px, app);
        ck_assert_str_eq(ps->tables[0].wire_name, "app");
        ck_assert_uint_eq(g->global.tune_peers_max_updates, 200);
        cfg_gen_unref(g);
        /* on the other node, the same file */
        static const struct cfg_load_opts lb2 = {.localpeer = "lb2"};
        g = cfgtest_load_ok(classic, &lb2);
        ck_assert_str_eq(cfg_peers_local(peers_of(g, "mypeers"))->srv.name, "lb2");
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_bind_and_server_lines)
{
        struct cfg_gen *g = load_ok("peers p\n"
                                    "    bind 127.0.0.1:10000,[::1]:10000 ssl crt /c/lb1.pem\n"
                                    "    default-bind v4v6\n"
                                    "    default-server ssl verify none\n"
                                    "    server lb2 10.0.0.2:10000 ca-file /ca/ca.pem verify "
                                    "required verifyhost lb2\n"
                                    "    server lb1\n"
                                    "    server lb3 10.0.0.3:10000 no-ssl\n");
        const struct cfg_peers *ps = peers_of(g, "p");
        const struct cfg_peer *lb2 = &ps->peers[0], *lb3 = &ps->peers[2];

        ck_assert_int_eq(ps->local, 1);
        ck_assert(!ps->peers[1].has_addr);
        ck_assert_uint_eq(ps->n_binds, 2);
        for (size_t i = 0; i < 2; i++) {
                ck_assert(ps->binds[i].tls.ssl);
                ck_assert(ps->binds[i].v4v6);
                ck_assert_uint_eq(ps->binds[i].tls.n_certs, 1);
                ck_assert_str_eq(ps->binds[i].tls.certs[0].path, "/c/lb1.pem");
        }
        ck_assert(lb2->srv.opts.tls.ssl);
        ck_assert_int_eq(lb2->srv.opts.tls.opts.verify, CFG_TLS_VERIFY_REQUIRED);
        ck_assert_str_eq(lb2->srv.opts.tls.opts.ca_file, "/ca/ca.pem");
        ck_assert_str_eq(lb2->srv.opts.tls.verifyhost, "lb2");
        ck_assert(!lb3->srv.opts.tls.ssl);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_peers_tables)
{
        struct cfg_gen *g = load_ok("peers mypeers\n"
                                    "    peer lb1 127.0.0.1:10000\n"
                                    "    table t1 type string len 16 size 10k expire 1m store "
                                    "gpc0,http_req_rate(10s)\n"
                                    "frontend fe\n"
                                    "    bind :8080\n"
                                    "    tcp-request connection track-sc0 src table mypeers/t1\n"
                                    "    tcp-request connection reject if { "
                                    "sc_http_req_rate(0,mypeers/t1) gt 10 }\n"
                                    "    default_backend t1\n"
                                    "backend t1\n"
                                    "    stick-table type string size 10m store gpc0 peers "
                                    "mypeers\n");
        const struct cfg_peers *ps = peers_of(g, "mypeers");
        const struct cfg_proxy *t = NULL, *fe = cfgtest_proxy(g, "fe");

        for (size_t i = 0; i < g->n_proxies; i++)
                if (strcmp(g->proxies[i]->name, "mypeers/t1") == 0)
                        t = g->proxies[i];
        ck_assert_ptr_nonnull(t);
        ck_assert_uint_eq(t->cap, CFG_CAP_TABLE);
        ck_assert_uint_eq(t->table->key_len, 16);
        ck_assert_uint_eq(t->table->size, 10240);
        ck_assert_ptr_eq(t->table->peers, ps);
        ck_assert_ptr_null(t->table->peers_name);
        /* rules name it "<peers>/<table>", and it has no statistics row or id */
        ck_assert_ptr_eq(fe->tcp_conn[0].table, t);
        ck_assert_uint_eq(t->st_fe, CFG_STATS_NONE);
        ck_assert_uint_eq(t->st_be, CFG_STATS_NONE);
        ck_assert_uint_eq(fe->id, 1);
        ck_assert_uint_eq(cfgtest_proxy(g, "t1")->id, 2);
        ck_assert_ptr_null(cfg_gen_find_proxy(g, "mypeers/t1", CFG_CAP_FE | CFG_CAP_BE));
        /* both synced: "/t1" on the wire for the section's, "t1" for the backend's */
        ck_assert_uint_eq(ps->n_tables, 2);
        ck_assert_ptr_eq(ps->tables[0].px, t);
        ck_assert_str_eq(ps->tables[0].wire_name, "/t1");
        ck_assert_str_eq(ps->tables[1].wire_name, "t1");
        ck_assert_uint_eq(ps->tables[0].where.line, 3);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_local_peer_name)
{
        static const char text[] = "global\n"
                                   "    localpeer lb2\n"
                                   "peers p\n"
                                   "    peer lb1 127.0.0.1:10000\n"
                                   "    peer lb2 127.0.0.1:10001\n"
                                   "global\n"
                                   "    localpeer lb1\n";
        char host[256] = "";
        struct cfg_gen *g;

        /* localpeer, then one after the section: ignored with HAProxy's warning */
        g = cfgtest_load_ok(text, NULL);
        ck_assert_str_eq(g->global.localpeer, "lb2");
        ck_assert(g->global.localpeer_set);
        ck_assert_int_eq(g->peers[0]->local, 1);
        ck_assert(cfgtest_has(CFG_SEV_WARNING, NULL, 7,
                              "'localpeer' ignored since it is used after 'peers' section"));
        cfg_gen_unref(g);
        /* -L wins */
        g = load_ok(text);
        ck_assert_str_eq(g->global.localpeer, "lb1");
        ck_assert(cfgtest_has(CFG_SEV_WARNING, NULL, 2,
                              "'localpeer' ignored since it is already set by using the '-L'"));
        cfg_gen_unref(g);
        /* neither: the host name */
        ck_assert_int_eq(gethostname(host, sizeof(host) - 1), 0);
        g = cfgtest_load_ok("global\n    log stdout local0\n", NULL);
        ck_assert_str_eq(g->global.localpeer, host);
        cfg_gen_unref(g);
        /* the variable follows localpeer */
        g = cfgtest_load_ok("global\n"
                            "    localpeer edge-7\n"
                            "    log-tag \"$HAPROXY_LOCALPEER\"\n",
                            NULL);
        ck_assert_str_eq(g->global.log_tag, "edge-7");
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_global_keywords)
{
        struct cfg_gen *g = load_ok("global\n    tune.peers.max-updates-at-once 50\n");

        ck_assert_uint_eq(g->global.tune_peers_max_updates, 50);
        cfg_gen_unref(g);
        expect_error("global\n    tune.peers.max-updates-at-once 0\n", 2, "out of range");
        expect_error("global\n    tune.peers.max-updates-at-once 5 6\n", 2,
                     "unexpected argument '6'");
        expect_error("global\n    localpeer\n", 2, "'localpeer' expects a name as an argument");
}
END_TEST

START_TEST(test_disabled)
{
        struct cfg_gen *g = load_ok("peers p\n"
                                    "    disabled\n"
                                    "    enabled\n"
                                    "    peer lb1 127.0.0.1:10000\n"
                                    "peers q\n"
                                    "    peer lb7 127.0.0.1:10001\n"
                                    "    disabled\n"
                                    "backend b\n"
                                    "    stick-table type ip size 1k peers q\n");

        ck_assert(!peers_of(g, "p")->disabled);
        /* a disabled section need not name this node; its tables are still its */
        ck_assert(peers_of(g, "q")->disabled);
        ck_assert_ptr_eq(cfgtest_proxy(g, "b")->table->peers, peers_of(g, "q"));
        cfg_gen_unref(g);
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    disabled now\n", 3,
                     "unexpected argument 'now'");
}
END_TEST

START_TEST(test_errors)
{
        expect_error("peers p\n    peer lb2 10.0.0.2:10000\n", 1,
                     "peers section 'p' has no entry for the local peer 'lb1' (set with -L or "
                     "localpeer)");
        expect_error("backend b\n    stick-table type ip size 1k peers nope\n", 2,
                     "backend 'b': stick-table: no peers section named 'nope'");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\npeers p\n    peer lb1 127.0.0.1:2\n", 3,
                     "peers section 'p' has the same name as another peers section declared at "
                     "t.cfg:1");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    peer lb1 10.0.0.2:1\n", 3,
                     "'peer lb1' : local peer name already referenced at t.cfg:2");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    peer lb2 10.0.0.2:1\n"
                     "    server lb2 10.0.0.3:1\n",
                     4, "peer 'lb2' already defined at t.cfg:3 in peers section 'p'");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    peer lb2\n", 3,
                     "'peer lb2': a remote peer needs an address");
        expect_error("peers p\n    bind :1\n    server lb1\n    server lb2\n", 4,
                     "'server lb2': a remote peer needs an address");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    peer lb2 10.0.0.2\n", 3,
                     "peer address: missing port in address '10.0.0.2'");
        expect_error("peers p\n    peer lb1 127.0.0.1\n", 2, "peers listener");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    peer lb2 10.0.0.2:1-5\n", 3,
                     "peer address");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    peer lb2 unix@/x.sock\n", 3,
                     "a peer is reached over TCP");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    bind :2\n", 3,
                     "mixing \"peer\" and \"bind\" line is forbidden");
        expect_error("peers p\n    bind :1\n    peer lb1 127.0.0.1:1\n", 3,
                     "mixing \"peer\" and \"bind\" line is forbidden");
        expect_error("peers p\n    bind :1\n    bind :2\n    server lb1\n", 3,
                     "One listener per \"peers\" section is authorized but another is already "
                     "configured at [t.cfg:2]");
        expect_error("peers p\n    bind :1\n    server lb1 127.0.0.1:1\n", 3,
                     "'server lb1' is the local peer: no address is expected here");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    peer lb2 10.0.0.2:1 check\n", 3,
                     "server option 'check' is not allowed in a 'peers' section");
        expect_error("peers p\n    default-server weight 10\n    peer lb1 127.0.0.1:1\n", 2,
                     "server option 'weight' is not allowed in a 'peers' section");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    peer lb2 10.0.0.2:1 ssl sni "
                     "str(x) verify none\n",
                     3, "server option 'sni' is not supported in a 'peers' section");
        expect_error("peers p\n    bind :1 proto h2\n    server lb1\n", 2,
                     "bind option 'proto' is not allowed in a 'peers' section");
        expect_error("peers p\n    default-bind accept-proxy\n    server lb1\n", 2,
                     "bind option 'accept-proxy' is not allowed in a 'peers' section");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    shards 2\n", 3,
                     "unknown keyword 'shards' in 'peers' section");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    tabel t type ip size 1\n", 3,
                     "unknown keyword 'tabel' in 'peers' section; did you mean 'table'?");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    log 127.0.0.1:514 local0\n", 3,
                     "'log' in a 'peers' section is not supported by sluice yet");
        expect_error("peers\n", 1, "missing name for peers section");
        expect_error("peers p q\n", 1, "unexpected argument 'q'");
        expect_error("peers a/b\n", 1, "invalid character in peers name 'a/b'");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    peer lb2 10.0.0.2:1 ssl\n", 3,
                     "'peer p/lb2' : verify is enabled by default but no CA file specified");
        expect_error("peers p\n    bind :1 ssl\n    server lb1\n", 2,
                     "peers section 'p': no SSL certificate specified for this bind");
        /* tables */
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    table t type ip size 1k peers p\n", 3,
                     "table: unexpected 'peers'");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    table t type ip\n", 3,
                     "table: 'size <size>' is required");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    table\n", 3, "table: ID not provided");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    table t type ip size 1 srvkey "
                     "name\n",
                     3, "'srvkey' is a HAProxy keyword that sluice does not support yet");
        expect_error("peers p\n    peer lb1 127.0.0.1:1\n    table t type ip size 1\n"
                     "    table t type ip size 2\n",
                     4, "table 't' already declared in peers section 'p' at t.cfg:3");
        expect_error("backend t\n    stick-table type ip size 1\npeers p\n"
                     "    peer lb1 127.0.0.1:1\n    table t type ip size 1\n",
                     5,
                     "stick-table name 't' conflicts with table declared in backend 't' at "
                     "t.cfg:2");
        expect_error("frontend f\n    bind :80\n    tcp-request connection track-sc0 src table "
                     "p/nope\n    default_backend b\nbackend b\npeers p\n"
                     "    peer lb1 127.0.0.1:1\n",
                     3, "no stick-table named 'p/nope'");
        expect_error("backend b\n    stick-table type ip size 1 write-to x\n", 2,
                     "'write-to' is a HAProxy keyword that sluice does not support yet");
}
END_TEST

START_TEST(test_warnings)
{
        /* a local peer with nowhere to listen: HAProxy says nothing */
        expect_warning("peers p\n    server lb1\n    server lb2 10.0.0.2:1\n", 2,
                       "the local peer 'lb1' has no address to listen on");
}
END_TEST

/* The dump of @text (as lb1) loads back (without -L: the dump names the local peer) to the
 * same dump, which contains @want. */
static void expect_round_trip(const char *text, const char *want)
{
        struct cfg_gen *g = load_ok(text), *g2;
        char *d1 = cfgtest_dump(g), *d2;

        ck_assert_msg(strstr(d1, want), "'%s' not in:\n%s", want, d1);
        g2 = cfgtest_load_ok(d1, NULL);
        d2 = cfgtest_dump(g2);
        ck_assert_str_eq(d1, d2);
        free(d1);
        free(d2);
        cfg_gen_unref(g);
        cfg_gen_unref(g2);
}

START_TEST(test_dump)
{
        expect_round_trip(classic, "    localpeer lb1\n"
                                   "\n"
                                   "peers mypeers\n"
                                   "    peer lb1 10.0.0.1:10000\n"
                                   "    peer lb2 10.0.0.2:10000\n");
        expect_round_trip(classic, "stick-table type ip size 204800 expire 1800000ms store "
                                   "server_id peers mypeers\n");
        expect_round_trip("global\n"
                          "    tune.peers.max-updates-at-once 64\n"
                          "peers p\n"
                          "    disabled\n"
                          "    bind 127.0.0.1:10000 ssl crt /c/lb1.pem\n"
                          "    default-server ssl verify none\n"
                          "    server lb1\n"
                          "    server lb2 10.0.0.2:10000 no-ssl\n"
                          "    table t type ip size 1k\n",
                          "    tune.peers.max-updates-at-once 64\n");
        expect_round_trip("peers p\n"
                          "    disabled\n"
                          "    bind 127.0.0.1:10000 ssl crt /c/lb1.pem\n"
                          "    default-server ssl verify none\n"
                          "    server lb1\n"
                          "    server lb2 10.0.0.2:10000 no-ssl\n"
                          "    table t type ip size 1k\n",
                          "peers p\n"
                          "    disabled\n"
                          "    bind 127.0.0.1:10000 ssl crt /c/lb1.pem ssl-min-ver TLSv1.2\n"
                          "    default-server ssl verify none\n"
                          "    server lb1 ssl verify none\n"
                          "    server lb2 10.0.0.2:10000 no-ssl\n"
                          "    table t type ip size 1024\n");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config/peers");
        TCase *tc = tcase_create("model");

        tcase_add_test(tc, test_legacy_peer_lines);
        tcase_add_test(tc, test_bind_and_server_lines);
        tcase_add_test(tc, test_peers_tables);
        tcase_add_test(tc, test_local_peer_name);
        tcase_add_test(tc, test_global_keywords);
        tcase_add_test(tc, test_disabled);
        tcase_add_test(tc, test_dump);
        suite_add_tcase(s, tc);
        tc = tcase_create("errors");
        tcase_add_test(tc, test_errors);
        tcase_add_test(tc, test_warnings);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
