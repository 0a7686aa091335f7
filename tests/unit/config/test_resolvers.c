#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgtest.h"
#include "dump.h"
#include "load.h"
#include "resolve.h"
#include "unit.h"

/* A resolver that knows two names: the tests never depend on the network. */
static int resolve_fake(void *data, const char *host, int family, struct sockaddr_storage *ret_ss,
                        char *err, size_t errlen)
{
        (void)data;
        memset(ret_ss, 0, sizeof(*ret_ss));
        if (strcmp(host, "app.test") == 0 && family != AF_INET6) {
                ret_ss->ss_family = AF_INET;
                inet_pton(AF_INET, "10.1.2.3", &((struct sockaddr_in *)ret_ss)->sin_addr);
                return 0;
        }
        if (strcmp(host, "dns.test") == 0 && family != AF_INET6) {
                ret_ss->ss_family = AF_INET;
                inet_pton(AF_INET, "10.0.0.53", &((struct sockaddr_in *)ret_ss)->sin_addr);
                return 0;
        }
        snprintf(err, errlen, "unknown host");
        return -EADDRNOTAVAIL;
}

static char resolv_dir[64], resolv_conf[256];

static struct cfg_load_opts opts = {.resolve = resolve_fake};

static struct cfg_gen *load_ok(const char *text)
{
        return cfgtest_load_ok(text, &opts);
}

static void expect_error(const char *text, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, &opts, NULL, line, msg);
}

static char *round_trip(const struct cfg_gen *g)
{
        char *d1 = cfgtest_dump(g), *d2;
        struct cfg_gen *g2 = load_ok(d1);

        d2 = cfgtest_dump(g2);
        ck_assert_str_eq(d1, d2);
        free(d2);
        cfg_gen_unref(g2);
        return d1;
}

static const char *ip_port(const struct sockaddr_storage *ss, char *buf, size_t size)
{
        char ip[INET6_ADDRSTRLEN];
        bool v6 = ss->ss_family == AF_INET6;

        inet_ntop(ss->ss_family,
                  v6 ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
                     : (const void *)&((const struct sockaddr_in *)ss)->sin_addr,
                  ip, sizeof(ip));
        snprintf(buf, size, "%s:%u", ip,
                 ntohs(v6 ? ((const struct sockaddr_in6 *)ss)->sin6_port
                          : ((const struct sockaddr_in *)ss)->sin_port));
        return buf;
}

static void setup(void)
{
        char dir[] = "/tmp/sluice-resolvers-XXXXXX";

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(resolv_dir, sizeof(resolv_dir), "%s", dir);
        cfgtest_write(resolv_dir, "resolv.conf",
                      "# comment\nsearch example.org\nnameserver 192.0.2.1\n"
                      "nameserver   2001:db8::53  \nnameserver\nnameserver not-an-ip\n"
                      "nameserver 192.0.2.1\nnameservers 192.0.2.9\noptions ndots:2\n");
        snprintf(resolv_conf, sizeof(resolv_conf), "%s/resolv.conf", resolv_dir);
        opts.resolv_conf = resolv_conf;
}

static void teardown(void)
{
        unlink(resolv_conf);
        rmdir(resolv_dir);
}

START_TEST(test_section_defaults)
{
        struct cfg_gen *g = load_ok("resolvers dns\n    nameserver a 127.0.0.1:53\n");
        const struct cfg_resolvers *r = cfg_gen_find_resolvers(g, "dns");
        char buf[64];

        ck_assert_ptr_nonnull(r);
        ck_assert_uint_eq(r->n_ns, 1);
        ck_assert_str_eq(r->ns[0].name, "a");
        ck_assert_str_eq(ip_port(&r->ns[0].addr, buf, sizeof(buf)), "127.0.0.1:53");
        ck_assert(!r->ns[0].tcp);
        /* HAProxy 2.6's defaults */
        ck_assert_uint_eq(r->payload_size, 512);
        ck_assert_uint_eq(r->retries, 3);
        ck_assert_uint_eq(r->resolve_ms, 1000);
        ck_assert_uint_eq(r->retry_ms, 1000);
        ck_assert_uint_eq(r->hold_ms[CFG_HOLD_NX], 30000);
        ck_assert_uint_eq(r->hold_ms[CFG_HOLD_OTHER], 30000);
        ck_assert_uint_eq(r->hold_ms[CFG_HOLD_REFUSED], 30000);
        ck_assert_uint_eq(r->hold_ms[CFG_HOLD_TIMEOUT], 30000);
        ck_assert_uint_eq(r->hold_ms[CFG_HOLD_VALID], 10000);
        ck_assert_uint_eq(r->hold_ms[CFG_HOLD_OBSOLETE], 0);
        ck_assert(!r->implicit);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_section_keywords)
{
        struct cfg_gen *g = load_ok("resolvers dns\n"
                                    "    nameserver udp1 udp@127.0.0.1:5353\n"
                                    "    nameserver tcp1 tcp@127.0.0.2:5354\n"
                                    "    nameserver six [::1]:53\n"
                                    "    nameserver named dns.test:53\n"
                                    "    accepted_payload_size 8192\n"
                                    "    resolve_retries 5\n"
                                    "    timeout resolve 2s\n"
                                    "    timeout retry 250\n"
                                    "    hold nx 1s\n"
                                    "    hold other 2s\n"
                                    "    hold refused 3s\n"
                                    "    hold timeout 4s\n"
                                    "    hold valid 5s\n"
                                    "    hold obsolete 6s\n");
        const struct cfg_resolvers *r = cfg_gen_find_resolvers(g, "dns");
        char buf[64], *d;

        ck_assert_uint_eq(r->n_ns, 4);
        ck_assert(!r->ns[0].tcp);
        ck_assert(r->ns[1].tcp);
        ck_assert_str_eq(ip_port(&r->ns[1].addr, buf, sizeof(buf)), "127.0.0.2:5354");
        ck_assert_str_eq(ip_port(&r->ns[2].addr, buf, sizeof(buf)), "::1:53");
        /* a host name is resolved at load, as HAProxy does */
        ck_assert_str_eq(ip_port(&r->ns[3].addr, buf, sizeof(buf)), "10.0.0.53:53");
        ck_assert_uint_eq(r->ns[3].where.line, 5);
        ck_assert_uint_eq(r->payload_size, 8192);
        ck_assert_uint_eq(r->retries, 5);
        ck_assert_uint_eq(r->resolve_ms, 2000);
        ck_assert_uint_eq(r->retry_ms, 250);
        for (unsigned h = 0; h < CFG_HOLD_COUNT; h++)
                ck_assert_uint_eq(r->hold_ms[h], (h + 1) * 1000);
        d = round_trip(g);
        ck_assert_ptr_nonnull(strstr(d, "\nresolvers dns\n    nameserver udp1 127.0.0.1:5353\n"
                                        "    nameserver tcp1 tcp@127.0.0.2:5354\n"
                                        "    nameserver six [::1]:53\n"));
        ck_assert_ptr_nonnull(strstr(d, "    hold obsolete 6000ms\n"));
        free(d);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_parse_resolv_conf)
{
        struct cfg_gen *g = load_ok("resolvers dns\n    nameserver a 127.0.0.1:53\n"
                                    "    parse-resolv-conf\n"
                                    "    nameserver b 127.0.0.2:53\n");
        const struct cfg_resolvers *r = cfg_gen_find_resolvers(g, "dns");
        char buf[64];

        /* in place of the line, named after their address, port 53 */
        ck_assert_uint_eq(r->n_ns, 4);
        ck_assert_str_eq(r->ns[1].name, "192.0.2.1");
        ck_assert_str_eq(ip_port(&r->ns[1].addr, buf, sizeof(buf)), "192.0.2.1:53");
        ck_assert_str_eq(r->ns[1].where.file, resolv_conf);
        ck_assert_uint_eq(r->ns[1].where.line, 3);
        ck_assert_str_eq(r->ns[2].name, "2001:db8::53");
        ck_assert_str_eq(r->ns[3].name, "b");
        /* HAProxy's warnings: no address, not an IP, a duplicate */
        ck_assert(cfgtest_has(CFG_SEV_WARNING, "t.cfg", 3, "nameserver line is missing address"));
        ck_assert(cfgtest_has(CFG_SEV_WARNING, "t.cfg", 3, "'not-an-ip' could not be recognized"));
        ck_assert(cfgtest_has(CFG_SEV_WARNING, "t.cfg", 3, "appears to be a duplicate"));
        cfg_gen_unref(g);
        opts.resolv_conf = "/nonexistent/resolv.conf";
        expect_error("resolvers dns\n    parse-resolv-conf\n", 2,
                     "failed to open /nonexistent/resolv.conf");
}
END_TEST

START_TEST(test_section_errors)
{
        expect_error("resolvers\n", 1, "missing name for resolvers section");
        expect_error("resolvers a/b\n", 1, "invalid character in resolvers name");
        expect_error("resolvers r\n    nameserver a 127.0.0.1:53\nresolvers r\n", 3,
                     "resolvers 'r' has same name as another resolvers (declared at t.cfg:1)");
        expect_error("resolvers r\n    nameserver a\n", 2,
                     "'nameserver' expects <name> and <addr>[:<port>] as arguments");
        expect_error("resolvers r\n    nameserver a 127.0.0.1:53\n    nameserver a 127.0.0.2:53\n",
                     3, "nameserver 'a' has same name as another nameserver (declared at t.cfg:2)");
        expect_error("resolvers r\n    nameserver a 127.0.0.1\n", 2,
                     "missing port specification in '127.0.0.1'");
        expect_error("resolvers r\n    nameserver a unix@/run/dns.sock\n", 2,
                     "a name server is reached over UDP or TCP");
        expect_error("resolvers r\n    nameserver a nope.test:53\n", 2,
                     "could not resolve address 'nope.test'");
        expect_error("resolvers r\n    nameserver a 127.0.0.1:53 maxconn 3\n", 2,
                     "unexpected argument 'maxconn'");
        expect_error("resolvers r\n    accepted_payload_size 11\n", 2, "accepted_payload_size");
        expect_error("resolvers r\n    accepted_payload_size 65536\n", 2, "accepted_payload_size");
        expect_error("resolvers r\n    resolve_retries 0\n", 2, "resolve_retries");
        expect_error("resolvers r\n    timeout resolve\n", 2, "timeout resolve <time>");
        expect_error("resolvers r\n    timeout connect 1s\n", 2,
                     "'timeout' expects 'retry' or 'resolve' and <time> as arguments");
        expect_error("resolvers r\n    timeout retry 0\n", 2, "must be at least 1ms");
        expect_error("resolvers r\n    timeout retry 1x\n", 2, "timeout retry:");
        expect_error("resolvers r\n    hold nx\n", 2, "'hold' expects an <event> and a <time>");
        expect_error("resolvers r\n    hold never 1s\n", 2, "'hold' unknown <event>: 'never'");
        expect_error("resolvers r\n    hold nx 1q\n", 2, "hold:");
        expect_error("resolvers r\n    nameservr a 127.0.0.1:53\n", 2,
                     "unknown keyword 'nameservr' in 'resolvers' section; did you mean "
                     "'nameserver'?");
        expect_error("resolvers r\n    resolution_pool_size 10\n", 2, "not supported anymore");
}
END_TEST

START_TEST(test_server_options)
{
        struct cfg_gen *g = load_ok("resolvers dns\n    nameserver a 127.0.0.1:53\n"
                                    "backend b\n"
                                    "    default-server resolvers dns resolve-net 10.0.0.0/8\n"
                                    "    server s app.test:80 resolve-prefer ipv4 "
                                    "resolve-opts allow-dup-ip,ignore-weight "
                                    "resolve-net 192.168.0.0/255.255.0.0,2001:db8::/32\n"
                                    "    server t app.test:80 resolve-opts allow-dup-ip,"
                                    "prevent-dup-ip resolve-prefer ipv6\n"
                                    "    server u 10.0.0.1:80\n");
        const struct cfg_proxy *b = cfgtest_proxy(g, "b");
        const struct cfg_server *s = &b->servers[0], *t = &b->servers[1], *u = &b->servers[2];
        char *d;

        ck_assert_str_eq(s->opts.dns.resolvers, "dns");
        ck_assert_ptr_eq(s->resolvers, cfg_gen_find_resolvers(g, "dns"));
        ck_assert_int_eq(s->opts.dns.prefer, AF_INET);
        ck_assert(s->opts.dns.allow_dup_ip);
        ck_assert(s->opts.dns.ignore_weight);
        /* resolve-net adds to what default-server gave, as HAProxy's */
        ck_assert_uint_eq(s->opts.dns.n_nets, 3);
        ck_assert_uint_eq(s->opts.dns.nets[1].prefix, 16);
        ck_assert_int_eq(s->opts.dns.nets[2].family, AF_INET6);
        ck_assert_str_eq(cfg_server_fqdn(s), "app.test");
        ck_assert(!t->opts.dns.allow_dup_ip);
        ck_assert_int_eq(t->opts.dns.prefer, AF_INET6);
        ck_assert_uint_eq(t->opts.dns.n_nets, 1);
        /* an IP address is not resolved: no section, no name */
        ck_assert_ptr_null(u->resolvers);
        ck_assert_ptr_null(cfg_server_fqdn(u));
        ck_assert(cfg_server_opts_eq(&s->opts, &s->opts));
        ck_assert(!cfg_server_opts_eq(&s->opts, &t->opts));
        d = round_trip(g);
        ck_assert_ptr_nonnull(strstr(
                d, "server s app.test:80 weight 1 maxconn 0 resolvers dns resolve-prefer ipv4 "
                   "resolve-opts allow-dup-ip,ignore-weight resolve-net "
                   "192.168.0.0/16,2001:db8::/32"));
        /* only what a server adds to default-server's networks is written on its line */
        ck_assert_ptr_nonnull(strstr(d, "server t app.test:80 weight 1 maxconn 0 resolvers dns "
                                        "resolve-prefer ipv6\n"));
        free(d);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_server_option_errors)
{
        expect_error("backend b\n    server s app.test:80 resolvers\n", 2,
                     "server option 'resolvers' needs the name of a resolvers section");
        expect_error("backend b\n    server s app.test:80 resolvers nope\n", 2,
                     "backend 'b', server 's': unable to find required resolvers 'nope'");
        expect_error("backend b\n    server s app.test:80 resolve-prefer ipv5\n", 2,
                     "'resolve-prefer' expects either ipv4 or ipv6 as argument.");
        expect_error("backend b\n    server s app.test:80 resolve-opts allow-dup\n", 2,
                     "unknown resolve-opts option 'allow-dup'");
        expect_error("backend b\n    server s app.test:80 resolve-net 10.0.0.0/33\n", 2,
                     "'resolve-net' invalid network '10.0.0.0/33'.");
        expect_error("backend b\n    server s app.test:80 resolve-net "
                     "1.0.0.0/8,2.0.0.0/8,3.0.0.0/8,4.0.0.0/8,5.0.0.0/8,6.0.0.0/8\n",
                     2, "'resolve-net' exceed 5 networks.");
        expect_error("backend b\n    server s app.test:80 resolver dns\n", 2,
                     "unknown server option 'resolver'; did you mean 'resolvers'?");
}
END_TEST

START_TEST(test_init_addr_with_resolvers)
{
        struct cfg_gen *g = load_ok("resolvers dns\n    nameserver a 127.0.0.1:53\n"
                                    "backend b\n"
                                    "    server s nope.test:80 resolvers dns\n"
                                    "    server t app.test:80 resolvers dns\n"
                                    "    server u _http._tcp.app.test resolvers dns\n");
        const struct cfg_proxy *b = cfgtest_proxy(g, "b");

        /* with resolvers, HAProxy's default is last,libc,none: no address is no error */
        ck_assert(b->servers[0].no_addr);
        ck_assert(!b->servers[1].no_addr);
        ck_assert(b->servers[1].addr.resolved);
        /* an SRV label is not given to libc */
        ck_assert(b->servers[2].srv_rec);
        ck_assert(b->servers[2].no_addr);
        ck_assert(!b->servers[1].srv_rec);
        cfg_gen_unref(g);
        /* without resolvers, the error says which server and which name */
        expect_error("backend b\n    server s nope.test:80\n", 2,
                     "'server b/s': could not resolve address 'nope.test'");
        expect_error("backend b\n    server s _http._tcp.app.test\n", 2,
                     "'server b/s': could not resolve address '_http._tcp.app.test'");
        expect_error("resolvers dns\n    nameserver a 127.0.0.1:53\nbackend b\n"
                     "    server s nope.test:80 resolvers dns init-addr libc\n",
                     4, "'server b/s': could not resolve address 'nope.test'");
}
END_TEST

START_TEST(test_server_template)
{
        struct cfg_gen *g = load_ok("resolvers dns\n    nameserver a 127.0.0.1:53\n"
                                    "backend b\n"
                                    "    server first 10.0.0.1:80\n"
                                    "    server-template app- 3 app.test:8080 resolvers dns "
                                    "check id 7\n"
                                    "    server-template srv 5-6 _http._tcp.app.test "
                                    "resolvers dns\n"
                                    "    server-template one- 0-0 nope.test:81 resolvers dns\n");
        const struct cfg_proxy *b = cfgtest_proxy(g, "b");
        static const char *const names[] = {"first", "app-1", "app-2", "app-3",
                                            "srv5",  "srv6",  "one-0"};
        static const unsigned ids[] = {1, 7, 3, 4, 5, 6, 8};

        ck_assert_uint_eq(b->n_servers, 7);
        for (size_t i = 0; i < b->n_servers; i++) {
                ck_assert_str_eq(b->servers[i].name, names[i]);
                ck_assert_uint_eq(b->servers[i].id, ids[i]);
                ck_assert_uint_eq(b->servers[i].where.line, i == 0 ? 4 : i < 4 ? 5 : i < 6 ? 6 : 7);
        }
        ck_assert_ptr_null(b->servers[0].tmpl);
        for (size_t i = 1; i < 4; i++) {
                const struct cfg_server *s = &b->servers[i];

                ck_assert_str_eq(s->tmpl, "app-");
                ck_assert(s->opts.check.enabled);
                ck_assert_str_eq(cfg_server_fqdn(s), "app.test");
                /* libc gives each the same address: DNS makes them distinct at run time */
                ck_assert(s->addr.resolved);
                ck_assert_uint_eq(s->addr.port_low, 8080);
        }
        ck_assert(b->servers[1].id_set);
        ck_assert(!b->servers[2].id_set);
        ck_assert(b->servers[4].srv_rec && b->servers[5].srv_rec);
        ck_assert(b->servers[4].no_addr && b->servers[6].no_addr);
        free(round_trip(g));
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_server_template_errors)
{
        expect_error("backend b\n    server-template app- 3\n", 2,
                     "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as "
                     "arguments.");
        expect_error("backend b\n    server-template app- 0 app.test:80\n", 2,
                     "Wrong server-template number or range arg '0'.");
        expect_error("backend b\n    server-template app- 3-1 app.test:80\n", 2,
                     "Wrong server-template number or range arg '3-1'.");
        expect_error("backend b\n    server-template app- x app.test:80\n", 2,
                     "Wrong server-template number or range arg 'x'.");
        expect_error("backend b\n    server-template a/ 2 app.test:80\n", 2,
                     "invalid character in server-template prefix 'a/'");
        expect_error("backend b\n    server app-2 10.0.0.1:80\n"
                     "    server-template app- 3 app.test:80\n",
                     3, "server 'app-2' already defined at t.cfg:2 in backend 'b'");
        expect_error("backend b\n    server-template app- 2 nope.test:80\n", 2,
                     "'server b/app-1': could not resolve address 'nope.test'");
        expect_error("backend b\n    server-template app- 2 app.test:80 bogus\n", 2,
                     "unknown server option 'bogus'");
}
END_TEST

START_TEST(test_implicit_default)
{
        struct cfg_gen *g = load_ok("backend b\n    server s app.test:80 resolvers default\n");
        const struct cfg_resolvers *r = cfg_gen_find_resolvers(g, "default");

        /* HAProxy makes a "default" section from resolv.conf */
        ck_assert_ptr_nonnull(r);
        ck_assert(r->implicit);
        ck_assert_uint_eq(r->n_ns, 2);
        ck_assert_str_eq(r->ns[0].name, "192.0.2.1");
        ck_assert_ptr_eq(cfgtest_proxy(g, "b")->servers[0].resolvers, r);
        free(round_trip(g));
        cfg_gen_unref(g);
        /* a section of that name is the one used */
        g = load_ok("resolvers default\n    nameserver x 127.0.0.1:53\n"
                    "backend b\n    server s app.test:80 resolvers default\n");
        ck_assert_uint_eq(g->n_resolvers, 1);
        ck_assert(!cfg_gen_find_resolvers(g, "default")->implicit);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_no_nameserver_warns)
{
        struct cfg_gen *g = load_ok("resolvers empty\n    hold nx 1s\n");

        ck_assert(cfgtest_has(CFG_SEV_WARNING, "t.cfg", 1,
                              "resolvers 'empty' [t.cfg:1] has no nameservers configured!"));
        cfg_gen_unref(g);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config/resolvers");
        TCase *tc = tcase_create("resolvers");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_section_defaults);
        tcase_add_test(tc, test_section_keywords);
        tcase_add_test(tc, test_parse_resolv_conf);
        tcase_add_test(tc, test_section_errors);
        tcase_add_test(tc, test_server_options);
        tcase_add_test(tc, test_server_option_errors);
        tcase_add_test(tc, test_init_addr_with_resolvers);
        tcase_add_test(tc, test_server_template);
        tcase_add_test(tc, test_server_template_errors);
        tcase_add_test(tc, test_implicit_default);
        tcase_add_test(tc, test_no_nameserver_warns);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
