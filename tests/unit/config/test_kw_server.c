#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtest.h"
#include "dump.h"
#include "load.h"
#include "resolve.h"
#include "unit.h"

/* A resolver that knows two names: the tests never depend on the network. */
static int resolve_fake(void *data, const char *host, int family, struct sockaddr_storage *ret_ss,
                        char *err, size_t errlen)
{
        memset(ret_ss, 0, sizeof(*ret_ss));
        if (strcmp(host, "app.test") == 0 && family != AF_INET6) {
                ret_ss->ss_family = AF_INET;
                inet_pton(AF_INET, "10.1.2.3", &((struct sockaddr_in *)ret_ss)->sin_addr);
                return 0;
        }
        if (strcmp(host, "six.test") == 0 && family != AF_INET) {
                ret_ss->ss_family = AF_INET6;
                inet_pton(AF_INET6, "2001:db8::6", &((struct sockaddr_in6 *)ret_ss)->sin6_addr);
                return 0;
        }
        snprintf(err, errlen, "unknown host");
        return -EADDRNOTAVAIL;
}

static const struct cfg_load_opts opts = {.resolve = resolve_fake};

static struct cfg_gen *load_ok(const char *text)
{
        return cfgtest_load_ok(text, &opts);
}

static void expect_error(const char *text, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, &opts, NULL, line, msg);
}

static const char *ip_of(const struct cfg_addr *a, char *buf)
{
        const void *p = a->ss.ss_family == AF_INET
                                ? (const void *)&((const struct sockaddr_in *)&a->ss)->sin_addr
                                : (const void *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr;

        return inet_ntop(a->ss.ss_family, p, buf, INET6_ADDRSTRLEN);
}

static uint16_t port_of(const struct cfg_addr *a)
{
        return ntohs(a->ss.ss_family == AF_INET ? ((const struct sockaddr_in *)&a->ss)->sin_port
                                                : ((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

/* Dumping, loading the dump and dumping again gives the same text; returns the first dump. */
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

START_TEST(test_server_addresses)
{
        struct cfg_gen *g = load_ok("backend b\n"
                                    "    server a app.test:80\n"
                                    "    server p 10.0.0.2\n"
                                    "    server q 10.0.0.3:+1000\n"
                                    "    server r [2001:db8::4]:-10\n"
                                    "    server s ipv6@six.test:8080\n"
                                    "    server t nope.test:80 init-addr libc,none\n"
                                    "    server u nope.test:81 init-addr libc,10.9.9.9\n"
                                    "    server v app.test:82 init-addr 10.9.9.8,libc\n"
                                    "    server w abns@backend.sock\n"
                                    "    server x unix@/run/app.sock\n");
        const struct cfg_proxy *b = cfgtest_proxy(g, "b");
        char ip[INET6_ADDRSTRLEN], *d;

        ck_assert_int_eq(b->servers[0].addr.family, CFG_ADDR_IPV4);
        ck_assert(b->servers[0].addr.resolved);
        ck_assert_str_eq(ip_of(&b->servers[0].addr, ip), "10.1.2.3");
        ck_assert_uint_eq(port_of(&b->servers[0].addr), 80);
        ck_assert(!cfg_server_maps_port(&b->servers[0]));
        /* no port, or an offset: the port the client connected to, moved */
        ck_assert(cfg_server_maps_port(&b->servers[1]));
        ck_assert_int_eq(b->servers[1].addr.port_offset, 0);
        ck_assert(cfg_server_maps_port(&b->servers[2]));
        ck_assert_int_eq(b->servers[2].addr.port_offset, 1000);
        ck_assert(cfg_server_maps_port(&b->servers[3]));
        ck_assert_int_eq(b->servers[3].addr.port_offset, -10);
        ck_assert_int_eq(b->servers[4].addr.family, CFG_ADDR_IPV6);
        ck_assert_str_eq(ip_of(&b->servers[4].addr, ip), "2001:db8::6");
        ck_assert_uint_eq(port_of(&b->servers[4].addr), 8080);
        /* init-addr none: no address, in maintenance from the start */
        ck_assert(b->servers[5].no_addr);
        ck_assert_int_eq(b->servers[5].addr.family, CFG_ADDR_NAME);
        ck_assert_str_eq(ip_of(&b->servers[6].addr, ip), "10.9.9.9");
        ck_assert_uint_eq(port_of(&b->servers[6].addr), 81);
        /* the methods in order: the IP before libc */
        ck_assert_str_eq(ip_of(&b->servers[7].addr, ip), "10.9.9.8");
        ck_assert_int_eq(b->servers[8].addr.family, CFG_ADDR_ABNS);
        ck_assert_int_eq(b->servers[9].addr.family, CFG_ADDR_UNIX);
        d = round_trip(g);
        /* host names are written back as names, offsets as offsets */
        ck_assert_ptr_nonnull(strstr(d, "server a app.test:80 "));
        ck_assert_ptr_nonnull(strstr(d, "server p 10.0.0.2 "));
        ck_assert_ptr_nonnull(strstr(d, "server q 10.0.0.3:+1000 "));
        ck_assert_ptr_nonnull(strstr(d, "server r [2001:db8::4]:-10 "));
        ck_assert_ptr_nonnull(strstr(d, "server s ipv6@six.test:8080 "));
        ck_assert_ptr_nonnull(strstr(d, "server t nope.test:80 "));
        ck_assert_ptr_nonnull(strstr(d, " init-addr libc,none"));
        ck_assert_ptr_nonnull(strstr(d, " init-addr libc,10.9.9.9"));
        ck_assert_ptr_nonnull(strstr(d, "server w abns@backend.sock "));
        free(d);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_server_address_errors)
{
        expect_error("backend b\n    server s nope.test:80\n", 2,
                     "'server b/s': could not resolve address 'nope.test': unknown host");
        /* "last" alone cannot give an address: sluice has no state file */
        expect_error("backend b\n    server s nope.test:80 init-addr last\n", 2,
                     "could not resolve address 'nope.test'");
        expect_error("backend b\n    server s ipv4@six.test:80\n", 2,
                     "could not resolve address 'six.test'");
        expect_error("backend b\n    server s 10.0.0.1:+70000\n", 2, "out of range");
        expect_error("backend b\n    server s 10.0.0.1:80 init-addr libc,bogus\n", 2,
                     "init-addr: unknown method 'bogus'");
        expect_error("backend b\n    server s 10.0.0.1:80 init-addr libc,\n", 2,
                     "init-addr: empty method");
        expect_error("backend b\n    server s 10.0.0.1:80 init-addr\n", 2, "init-addr needs");
        expect_error("backend b\n    default-server id 3\n", 2, "not allowed on default-server");
        expect_error("backend b\n    server s 10.0.0.1:80 id 0\n", 2, "out of range");
        expect_error("backend b\n    server s fd@3\n", 2,
                     "'server fd@' is a HAProxy keyword that sluice does not support yet");
        /* offsets are for servers only */
        expect_error("frontend f\n    bind 127.0.0.1:+80\n", 2, "bind:");
}
END_TEST

START_TEST(test_init_addr_last_default)
{
        struct cfg_gen *g = load_ok("defaults\n    default-server init-addr last,libc,none\n"
                                    "backend b\n    server s nope.test:80\n"
                                    "    server t app.test:80\n");

        /* no server-state file: "last" gives nothing, the next method decides */
        ck_assert(!cfgtest_has(CFG_SEV_NOTICE, NULL, 0, "init-addr"));
        ck_assert(cfgtest_proxy(g, "b")->servers[0].no_addr);
        ck_assert(!cfgtest_proxy(g, "b")->servers[1].no_addr);
        ck_assert_uint_eq(cfgtest_proxy(g, "b")->servers[1].opts.init_addr.n, 3);
        cfg_gen_unref(g);
}
END_TEST

/* The ids HAProxy 2.6.12 gave this configuration ("show stat": iid, sid). */
START_TEST(test_ids_as_haproxy)
{
        struct cfg_gen *g = load_ok("frontend fe\n    bind :80\n    default_backend be\n"
                                    "backend be\n    id 1\n"
                                    "    server a 127.0.0.1:9 id 2\n"
                                    "    server b 127.0.0.1:9\n"
                                    "    server c 127.0.0.1:9\n"
                                    "backend be2\n    server x 127.0.0.1:9\n"
                                    "listen li\n    bind :81\n    server y 127.0.0.1:9\n");
        const struct cfg_proxy *be = cfgtest_proxy(g, "be");
        char *d;

        ck_assert_uint_eq(cfgtest_proxy(g, "fe")->id, 2);
        ck_assert_uint_eq(be->id, 1);
        ck_assert_uint_eq(cfgtest_proxy(g, "be2")->id, 4);
        ck_assert_uint_eq(cfgtest_proxy(g, "li")->id, 5);
        ck_assert_uint_eq(be->servers[0].id, 2);
        ck_assert_uint_eq(be->servers[1].id, 3);
        ck_assert_uint_eq(be->servers[2].id, 4);
        ck_assert_uint_eq(cfgtest_proxy(g, "be2")->servers[0].id, 1);
        d = round_trip(g);
        ck_assert_ptr_nonnull(strstr(d, "\nbackend be\n    mode tcp\n"));
        ck_assert_ptr_nonnull(strstr(d, "    id 1\n"));
        ck_assert_ptr_nonnull(strstr(d, "server a 127.0.0.1:9 id 2 "));
        ck_assert_ptr_null(strstr(d, "server b 127.0.0.1:9 id"));
        free(d);
        cfg_gen_unref(g);
        expect_error("backend a\n    id 7\nbackend b\n    id 7\n", 3,
                     "proxy 'b' has the id 7 of proxy 'a' (t.cfg:1)");
        expect_error("backend a\n    server s 127.0.0.1:1 id 3\n    server t 127.0.0.1:1 id 3\n", 3,
                     "server 'a/t' has the id 3 of server 's'");
        expect_error("backend a\n    id 0\n", 2, "out of range");
}
END_TEST

START_TEST(test_binds)
{
        struct cfg_gen *g = load_ok("frontend f\n"
                                    "    bind [::1]:80,127.0.0.1:80 name web v6only tfo\n"
                                    "    bind [::]:81 v4v6\n"
                                    "    bind abns@front name local\n");
        const struct cfg_proxy *f = cfgtest_proxy(g, "f");
        char *d;

        ck_assert_uint_eq(f->n_binds, 4);
        for (int i = 0; i < 2; i++) {
                ck_assert_str_eq(f->binds[i].name, "web");
                ck_assert(f->binds[i].v6only);
                ck_assert(f->binds[i].tfo);
        }
        ck_assert(f->binds[2].v4v6 && !f->binds[2].v6only && !f->binds[2].tfo);
        ck_assert_ptr_null(f->binds[2].name);
        ck_assert_int_eq(f->binds[3].addr.family, CFG_ADDR_ABNS);
        d = round_trip(g);
        ck_assert_ptr_nonnull(strstr(d, "bind [::1]:80 name web v6only tfo\n"));
        ck_assert_ptr_nonnull(strstr(d, "bind [::]:81 v4v6\n"));
        ck_assert_ptr_nonnull(strstr(d, "bind abns@front name local\n"));
        free(d);
        cfg_gen_unref(g);
        expect_error("frontend f\n    bind :80 name\n", 2, "bind option 'name' needs a name");
        expect_error("frontend f\n    bind :80 accept-netscaler-cip 1234\n", 2,
                     "'accept-netscaler-cip' is a HAProxy keyword that sluice does not support "
                     "yet");
}
END_TEST

/* bind ... proto h1|h2: the mux of an HTTP bind; HAProxy's other muxes are refused, and so
 * is an HTTP mux on a proxy in mode tcp. */
START_TEST(test_bind_proto)
{
        struct cfg_gen *g = load_ok("defaults\n    mode http\n"
                                    "frontend f\n"
                                    "    bind :80 proto h2 name clear\n"
                                    "    bind :81 proto h1\n"
                                    "    bind :82\n"
                                    "    option disable-h2-upgrade\n"
                                    "    default_backend b\n"
                                    "backend b\n    server s 127.0.0.1:1\n");
        const struct cfg_proxy *f = cfgtest_proxy(g, "f");
        char *d;

        ck_assert_uint_eq(cfgtest_diags.n, 0);
        ck_assert_uint_eq(f->n_binds, 3);
        ck_assert_int_eq(f->binds[0].proto, CFG_BIND_PROTO_H2);
        ck_assert_str_eq(f->binds[0].name, "clear");
        ck_assert_int_eq(f->binds[1].proto, CFG_BIND_PROTO_H1);
        ck_assert_int_eq(f->binds[2].proto, CFG_BIND_PROTO_AUTO);
        ck_assert(f->options & CFG_OPT_DISABLE_H2_UPGRADE);
        d = round_trip(g);
        ck_assert_ptr_nonnull(strstr(d, "    bind 0.0.0.0:80 name clear proto h2\n"));
        ck_assert_ptr_nonnull(strstr(d, "    bind 0.0.0.0:81 proto h1\n"));
        ck_assert_ptr_nonnull(strstr(d, "    bind 0.0.0.0:82\n"));
        ck_assert_ptr_nonnull(strstr(d, "    option disable-h2-upgrade\n"));
        free(d);
        cfg_gen_unref(g);

        expect_error("frontend f\n    mode http\n    bind :80 proto fcgi\n", 3,
                     "bind option 'proto': unknown or unsupported protocol 'fcgi' (a bind speaks "
                     "h1 or h2)");
        expect_error("frontend f\n    mode http\n    bind :80 proto quic\n", 3, "h1 or h2");
        expect_error("frontend f\n    mode http\n    bind :80 proto\n", 3,
                     "bind option 'proto' needs a protocol: h1 or h2");
        expect_error("frontend f\n    bind :80 proto h2\n", 2,
                     "bind option 'proto h2' needs 'mode http': frontend 'f' is in mode tcp");
        expect_error("listen l\n    mode tcp\n    bind :80 proto h1\n    server s 127.0.0.1:1\n", 3,
                     "bind option 'proto h1' needs 'mode http': listen 'l' is in mode tcp");
}
END_TEST

/* proto h1|h2 on servers: from default-server, turned into the other by a server, dumped,
 * compared by a reload; an HTTP mux needs mode http, checked at the server's line */
/* send-proxy and its kin set HAProxy's flags, "no-" forms take back what their keyword gives,
 * checks follow the traffic's header unless port or addr send them elsewhere */
START_TEST(test_proxy_protocol)
{
        struct cfg_gen *g = load_ok(
                "backend b\n"
                "    default-server send-proxy-v2-ssl-cn proxy-v2-options crc32c check-send-proxy\n"
                "    server s1 127.0.0.1:1\n"
                "    server s2 127.0.0.1:2 no-send-proxy-v2-ssl-cn send-proxy no-check-send-proxy\n"
                "    server s3 127.0.0.1:3 no-send-proxy-v2 port 8080 no-check-send-proxy\n"
                "    server s4 127.0.0.1:4 no-send-proxy-v2-ssl send-proxy-v2 proxy-v2-options "
                "unique-id,cert-key\n"
                "frontend f\n"
                "    bind :80 accept-proxy\n"
                "    bind :81\n"
                "    tcp-request connection expect-proxy layer4 if { src 10.0.0.0/8 }\n"
                "    default_backend b\n");
        const struct cfg_proxy *b = cfgtest_proxy(g, "b"), *f = cfgtest_proxy(g, "f");
        const struct cfg_server *s = b->servers;
        char *d;

        ck_assert_uint_eq(cfgtest_diags.n, 0);
        ck_assert_uint_eq(s[0].opts.pp,
                          CFG_PP_V2 | CFG_PP_V2_SSL | CFG_PP_V2_SSL_CN | CFG_PP_V2_CRC32C);
        ck_assert(cfg_server_opts_check_pp(&s[0].opts));
        ck_assert_uint_eq(s[1].opts.pp, CFG_PP_V1 | CFG_PP_V2_CRC32C);
        ck_assert(cfg_server_opts_check_pp(&s[1].opts)); /* the traffic's own header */
        ck_assert_uint_eq(cfg_server_pp(&s[2].opts), 0); /* the TLV options alone send none */
        ck_assert(!cfg_server_opts_check_pp(&s[2].opts));
        ck_assert_uint_eq(s[3].opts.pp, CFG_PP_V2 | CFG_PP_V2_SSL_CN | CFG_PP_V2_CRC32C |
                                                CFG_PP_V2_UNIQUE_ID | CFG_PP_V2_SSL |
                                                CFG_PP_V2_SSL_KEY_ALG);
        ck_assert(cfg_pp_per_stream(s[3].opts.pp));
        ck_assert(!cfg_pp_per_stream(s[0].opts.pp));
        ck_assert(!cfg_server_opts_eq(&s[0].opts, &s[1].opts));
        ck_assert(f->binds[0].accept_proxy && !f->binds[1].accept_proxy);
        ck_assert_uint_eq(f->n_tcp_conn, 1);
        ck_assert_int_eq(f->tcp_conn[0].act, CFG_ACT_EXPECT_PROXY);
        d = round_trip(g);
        ck_assert_ptr_nonnull(strstr(d, " no-send-proxy-v2-ssl-cn send-proxy proxy-v2-options "
                                        "crc32c"));
        ck_assert_ptr_nonnull(strstr(d, "bind 0.0.0.0:80 accept-proxy\n"));
        ck_assert_ptr_nonnull(strstr(d, "tcp-request connection expect-proxy layer4 if"));
        free(d);
        cfg_gen_unref(g);

        expect_error("backend b\n    server s 127.0.0.1:1 proxy-v2-options\n", 2,
                     "proxy-v2-options needs a list");
        expect_error("backend b\n    server s 127.0.0.1:1 proxy-v2-options ssl,,crc32c\n", 2,
                     "proxy-v2-options: unknown option ''");
        expect_error("frontend f\n    bind :80\n    tcp-request session expect-proxy layer4\n", 3,
                     "'expect-proxy' is only allowed in 'tcp-request connection' rules");
        expect_error("frontend f\n    bind :80\n    tcp-request connection expect-proxy layer7\n",
                     3, "expected 'expect-proxy layer4'");
        expect_error("frontend f\n    mode http\n    bind :80\n"
                     "    http-request set-header x %[fc_pp_tlv(ZZZ)]\n",
                     4, "must be a TLV type");
}
END_TEST

START_TEST(test_server_proto)
{
        struct cfg_gen *g = load_ok("defaults\n    mode http\n"
                                    "backend b\n"
                                    "    default-server proto h2\n"
                                    "    server s1 127.0.0.1:1\n"
                                    "    server s2 127.0.0.1:2 proto h1\n"
                                    "backend c\n"
                                    "    server s3 127.0.0.1:3 ssl verify none alpn h2,http/1.1\n"
                                    "    server s4 127.0.0.1:4 proto h2\n");
        const struct cfg_proxy *b = cfgtest_proxy(g, "b"), *c = cfgtest_proxy(g, "c");
        char *d;

        ck_assert_uint_eq(cfgtest_diags.n, 0);
        ck_assert_int_eq(b->default_server.proto, CFG_BIND_PROTO_H2);
        ck_assert_int_eq(b->servers[0].opts.proto, CFG_BIND_PROTO_H2);
        ck_assert_int_eq(b->servers[1].opts.proto, CFG_BIND_PROTO_H1);
        /* no proto: the server's ALPN answer chooses, at run time */
        ck_assert_int_eq(c->servers[0].opts.proto, CFG_BIND_PROTO_AUTO);
        ck_assert_int_eq(c->servers[1].opts.proto, CFG_BIND_PROTO_H2);
        ck_assert(!cfg_server_opts_eq(&b->servers[0].opts, &b->servers[1].opts));
        /* only proto differs: a reload reports the change */
        ck_assert(!cfg_server_opts_eq(&b->servers[0].opts, &c->default_server));
        ck_assert(cfg_server_opts_eq(&b->servers[0].opts, &b->default_server));
        d = round_trip(g);
        ck_assert_ptr_nonnull(strstr(d, "    server s1 127.0.0.1:1 weight 1 maxconn 0 proto h2\n"));
        ck_assert_ptr_nonnull(strstr(d, "    server s2 127.0.0.1:2 weight 1 maxconn 0 proto h1\n"));
        ck_assert_ptr_nonnull(strstr(d, "    server s4 127.0.0.1:4 weight 1 maxconn 0 proto h2\n"));
        free(d);
        cfg_gen_unref(g);

        expect_error("backend b\n    mode http\n    server s 127.0.0.1:1 proto fcgi\n", 3,
                     "server option 'proto': unknown or unsupported protocol 'fcgi' (a server "
                     "speaks h1 or h2)");
        expect_error("backend b\n    mode http\n    default-server proto none\n", 3, "h1 or h2");
        expect_error("backend b\n    mode http\n    server s 127.0.0.1:1 proto\n", 3,
                     "server option 'proto' needs a protocol: h1 or h2");
        expect_error("backend b\n    server s 127.0.0.1:1 proto h2\n", 2,
                     "server option 'proto h2' needs 'mode http': server 's' of backend 'b' is in "
                     "mode tcp");
        /* from default-server: HAProxy names each server that has it */
        expect_error("defaults\n    mode tcp\nlisten l\n    bind :80\n    default-server proto h1\n"
                     "    server s 127.0.0.1:1\n",
                     6, "server option 'proto h1' needs 'mode http': server 's' of listen 'l'");
        /* a default-server alone in mode tcp names no server: no error, as in HAProxy */
        g = load_ok("backend b\n    mode tcp\n    default-server proto h2\n");
        cfg_gen_unref(g);
}
END_TEST

/* pool-max-conn, pool-purge-delay, pool-low-conn and the fd ratios: HAProxy's defaults
 * when not given, from default-server, in the comparison a reload reports, dumped */
START_TEST(test_idle_pool)
{
        struct cfg_gen *g =
                load_ok("global\n    tune.pool-high-fd-ratio 40\n"
                        "    tune.pool-low-fd-ratio 0\n"
                        "defaults\n    mode http\n"
                        "backend b\n"
                        "    default-server pool-max-conn 10 pool-purge-delay 2s\n"
                        "    server s1 127.0.0.1:1\n"
                        "    server s2 127.0.0.1:2 pool-max-conn -1 pool-purge-delay 0\n"
                        "    server s3 127.0.0.1:3 pool-low-conn 4\n"
                        "backend c\n"
                        "    server s4 127.0.0.1:4\n");
        const struct cfg_proxy *b = cfgtest_proxy(g, "b"), *c = cfgtest_proxy(g, "c");
        const struct cfg_server_opts *s1 = &b->servers[0].opts, *s2 = &b->servers[1].opts;
        char *d;

        ck_assert_int_eq(cfg_server_pool_max(s1), 10);
        ck_assert_uint_eq(cfg_server_pool_purge_ms(s1), 2000);
        ck_assert_int_eq(cfg_server_pool_max(s2), -1);
        ck_assert_uint_eq(cfg_server_pool_purge_ms(s2), 0);
        ck_assert_uint_eq(b->servers[2].opts.pool_low_conn, 4);
        ck_assert_int_eq(cfg_server_pool_max(&c->servers[0].opts), -1);
        ck_assert_uint_eq(cfg_server_pool_purge_ms(&c->servers[0].opts), 5000);
        ck_assert_uint_eq(cfg_pool_fd_ratio(&g->global, CFG_POOL_FD_HIGH), 40);
        ck_assert_uint_eq(cfg_pool_fd_ratio(&g->global, CFG_POOL_FD_LOW), 0);
        /* pool-low-conn changes nothing in sluice, and says so */
        ck_assert_uint_eq(cfgtest_diags.n, 1);
        ck_assert_ptr_nonnull(strstr(cfgtest_diags.v[0].msg, "'pool-low-conn' changes nothing"));
        ck_assert_uint_eq(cfgtest_diags.v[0].line, 10);
        /* a change of any of them is a change of the server's options */
        ck_assert(!cfg_server_opts_eq(s1, &c->servers[0].opts));
        ck_assert(!cfg_server_opts_eq(s1, s2));
        ck_assert(cfg_server_opts_eq(s1, &b->default_server));
        d = round_trip(g);
        ck_assert_ptr_nonnull(strstr(d, "    tune.pool-high-fd-ratio 40\n"));
        ck_assert_ptr_nonnull(strstr(d, "    tune.pool-low-fd-ratio 0\n"));
        ck_assert_ptr_nonnull(
                strstr(d, "    server s1 127.0.0.1:1 weight 1 maxconn 0 pool-max-conn 10 "
                          "pool-purge-delay 2000ms\n"));
        ck_assert_ptr_nonnull(
                strstr(d, "    server s2 127.0.0.1:2 weight 1 maxconn 0 pool-max-conn -1 "
                          "pool-purge-delay 0ms\n"));
        ck_assert_ptr_nonnull(strstr(d, "    server s4 127.0.0.1:4 weight 1 maxconn 0\n"));
        free(d);
        cfg_gen_unref(g);

        /* the defaults dump nothing: the global section has no line of them */
        g = load_ok("backend b\n    server s 127.0.0.1:1\n");
        d = cfgtest_dump(g);
        ck_assert_ptr_null(strstr(d, "pool-"));
        free(d);
        cfg_gen_unref(g);

        expect_error("backend b\n    server s 127.0.0.1:1 pool-max-conn -2\n", 2,
                     "invalid pool-max-conn '-2'");
        expect_error("backend b\n    server s 127.0.0.1:1 pool-max-conn\n", 2,
                     "missing pool-max-conn");
        expect_error("backend b\n    default-server pool-purge-delay soon\n", 2,
                     "pool-purge-delay:");
        expect_error("backend b\n    server s 127.0.0.1:1 pool-purge-delay\n", 2,
                     "server option 'pool-purge-delay' needs a time");
        expect_error("backend b\n    server s 127.0.0.1:1 pool-low-conn x\n", 2,
                     "invalid pool-low-conn 'x'");
        expect_error("global\n    tune.pool-high-fd-ratio 101\n", 2,
                     "tune.pool-high-fd-ratio '101' out of range 0..100");
        expect_error("global\n    tune.pool-low-fd-ratio\n", 2, "tune.pool-low-fd-ratio <0-100>");
}
END_TEST

START_TEST(test_backend_keywords)
{
        struct cfg_gen *g = load_ok("defaults\n    retry-on 503 empty-response\n    fullconn 50\n"
                                    "    option abortonclose\n    option tcpka\n"
                                    "    option httpclose\n"
                                    "backend a\n    mode http\n    balance uri path-only depth 2\n"
                                    "backend b\n    retry-on all-retryable-errors 404\n"
                                    "    dispatch app.test:8080\n    no option httpclose\n"
                                    "    option http-server-close\n    no option srvtcpka\n"
                                    "backend c\n    retry-on none\n    dispatch 10.0.0.9:81\n"
                                    "    balance roundrobin\n"
                                    "frontend f\n    mode http\n    bind :80\n    option clitcpka\n"
                                    "    option http-keep-alive\n    default_backend a\n");
        const struct cfg_proxy *a = cfgtest_proxy(g, "a"), *b = cfgtest_proxy(g, "b"),
                               *c = cfgtest_proxy(g, "c"), *f = cfgtest_proxy(g, "f");
        char ip[INET6_ADDRSTRLEN], *d;

        ck_assert_uint_eq(a->retry_on, CFG_RETRY_503 | CFG_RETRY_EMPTY_RESPONSE);
        ck_assert_uint_eq(a->fullconn, 50);
        ck_assert(a->options & CFG_OPT_ABORTONCLOSE);
        ck_assert(a->options & CFG_OPT_HTTPCLOSE);
        /* tcpka in defaults: both sides */
        ck_assert(a->options & CFG_OPT_CLITCPKA);
        ck_assert(a->options & CFG_OPT_SRVTCPKA);
        ck_assert(a->balance.uri_path_only);
        ck_assert_uint_eq(a->balance.uri_depth, 2);
        ck_assert_uint_eq(b->retry_on, CFG_RETRY_ALL_RETRYABLE | CFG_RETRY_404);
        ck_assert(b->has_dispatch);
        ck_assert_str_eq(ip_of(&b->dispatch, ip), "10.1.2.3");
        /* no balance anywhere: the dispatch address takes the traffic, as in HAProxy */
        ck_assert(cfg_proxy_uses_dispatch(b));
        ck_assert(!(b->options & CFG_OPT_HTTPCLOSE));
        ck_assert(b->options & CFG_OPT_HTTP_SERVER_CLOSE);
        ck_assert(!(b->options & CFG_OPT_SRVTCPKA));
        ck_assert_uint_eq(c->retry_on, 0);
        ck_assert(!cfg_proxy_uses_dispatch(c));
        /* the connection modes exclude each other: the last one wins */
        ck_assert(f->options & CFG_OPT_HTTP_KEEP_ALIVE);
        ck_assert(!(f->options & CFG_OPT_HTTPCLOSE));
        d = round_trip(g);
        ck_assert_ptr_nonnull(strstr(d, "    retry-on empty-response 503\n"));
        ck_assert_ptr_nonnull(strstr(d, "    retry-on none\n"));
        ck_assert_ptr_nonnull(strstr(d, "    dispatch app.test:8080\n"));
        ck_assert_ptr_nonnull(strstr(d, "    fullconn 50\n"));
        ck_assert_ptr_nonnull(strstr(d, "    balance uri depth 2 path-only\n"));
        ck_assert_ptr_nonnull(strstr(d, "    option abortonclose\n"));
        free(d);
        cfg_gen_unref(g);
        expect_error("backend b\n    retry-on 418\n", 2, "retry-on: unknown keyword '418'");
        expect_error("backend b\n    retry-on none 503\n", 2, "'none' cannot be combined");
        expect_error("backend b\n    retry-on\n", 2, "missing argument");
        expect_error("backend b\n    dispatch nope.test:80\n", 2,
                     "dispatch: could not resolve address 'nope.test'");
        expect_error("backend b\n    fullconn 0\n", 2, "out of range");
        /* as HAProxy: a backend option in a frontend is ignored with a warning */
        g = load_ok("frontend f\n    option srvtcpka\n    option abortonclose\n");
        ck_assert_uint_eq(cfgtest_diags.n_warnings, 4); /* and no bind, no default_backend */
        ck_assert(!(cfgtest_proxy(g, "f")->options & (CFG_OPT_SRVTCPKA | CFG_OPT_ABORTONCLOSE)));
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_log_target_names)
{
        struct cfg_gen *g = load_ok("global\n    log app.test:1514 local0\n"
                                    "    log udp6@six.test local1\n");
        char ip[INET6_ADDRSTRLEN], *d;

        ck_assert_str_eq(ip_of(&g->global.logs[0].addr, ip), "10.1.2.3");
        ck_assert_uint_eq(port_of(&g->global.logs[0].addr), 1514);
        ck_assert_str_eq(ip_of(&g->global.logs[1].addr, ip), "2001:db8::6");
        ck_assert_uint_eq(port_of(&g->global.logs[1].addr), 514);
        d = round_trip(g);
        ck_assert_ptr_nonnull(strstr(d, "log app.test:1514 "));
        ck_assert_ptr_nonnull(strstr(d, "log ipv6@six.test format "));
        free(d);
        cfg_gen_unref(g);
        expect_error("global\n    log nope.test:514 local0\n", 2,
                     "log target: could not resolve address 'nope.test'");
        expect_error("global\n    log udp4@six.test local0\n", 2,
                     "could not resolve address 'six.test'");
}
END_TEST

/* The C library's resolver: /etc/hosts has localhost */
START_TEST(test_libc_resolver)
{
        struct cfg_addr a = {.family = CFG_ADDR_NAME, .has_port = true, .port_low = 8080};
        char err[256];

        snprintf(a.name, sizeof(a.name), "localhost");
        a.ss.ss_family = AF_INET;
        ck_assert_int_eq(cfg_addr_resolve(&a, NULL, NULL, err, sizeof(err)), 0);
        ck_assert_int_eq(a.family, CFG_ADDR_IPV4);
        ck_assert(a.resolved);
        ck_assert_uint_eq(port_of(&a), 8080);
        ck_assert_uint_eq(ntohl(((struct sockaddr_in *)&a.ss)->sin_addr.s_addr) >> 24, 127);
        a = (struct cfg_addr){.family = CFG_ADDR_NAME};
        snprintf(a.name, sizeof(a.name), "no-such-host.invalid");
        ck_assert_int_lt(cfg_addr_resolve(&a, NULL, NULL, err, sizeof(err)), 0);
        ck_assert_int_eq(a.family, CFG_ADDR_NAME);
        ck_assert(err[0]);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config/kw_server");
        TCase *tc = tcase_create("servers");

        tcase_add_test(tc, test_server_addresses);
        tcase_add_test(tc, test_server_address_errors);
        tcase_add_test(tc, test_init_addr_last_default);
        tcase_add_test(tc, test_ids_as_haproxy);
        tcase_add_test(tc, test_binds);
        tcase_add_test(tc, test_bind_proto);
        tcase_add_test(tc, test_server_proto);
        tcase_add_test(tc, test_proxy_protocol);
        tcase_add_test(tc, test_idle_pool);
        tcase_add_test(tc, test_backend_keywords);
        tcase_add_test(tc, test_log_target_names);
        tcase_add_test(tc, test_libc_resolver);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
