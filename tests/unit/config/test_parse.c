#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgtest.h"
#include "keywords.h"
#include "load.h"
#include "unit.h"

static const char *env_fixed(void *data, const char *name)
{
        if (strcmp(name, "PORT") == 0)
                return "8443";
        return NULL;
}

/* No name resolves: the tests never query a resolver (test_kw_server.c has one that does). */
static int resolve_none(void *data, const char *host, int family, struct sockaddr_storage *ret_ss,
                        char *err, size_t errlen)
{
        snprintf(err, errlen, "unknown host");
        return -EADDRNOTAVAIL;
}

static const struct cfg_load_opts opts = {.env = env_fixed, .resolve = resolve_none};

static struct cfg_gen *load_ok(const char *text)
{
        struct cfg_gen *g = cfgtest_load_ok(text, &opts);

        ck_assert_ptr_nonnull(g);
        return g;
}

/* The load fails, and some error is at @line with a message containing @msg. */
static void expect_error(const char *text, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, &opts, NULL, line, msg);
}

START_TEST(test_global_section)
{
        struct cfg_gen *g = load_ok("global\n"
                                    "    daemon\n"
                                    "    nbthread 4\n"
                                    "    user haproxy\n"
                                    "    group haproxy\n"
                                    "    chroot /var/lib/sluice\n"
                                    "    pidfile /run/sluice.pid\n"
                                    "    maxconn 20000\n"
                                    "    hard-stop-after 30s\n"
                                    "    tune.bufsize 32768\n"
                                    "    log /dev/log local0\n"
                                    "    log 127.0.0.1:1514 len 2048 format rfc5424 local1 notice\n"
                                    "    log stdout format raw daemon debug info\n"
                                    "    stats socket /run/sluice/admin.sock mode 660 level admin "
                                    "expose-fd listeners\n"
                                    "    stats socket 127.0.0.1:9999 level operator\n"
                                    "global\n"
                                    "    maxconn 30000\n");
        const struct cfg_global *gl = &g->global;

        ck_assert(gl->daemon);
        ck_assert_uint_eq(gl->nbthread, 4);
        ck_assert_str_eq(gl->user, "haproxy");
        ck_assert_str_eq(gl->group, "haproxy");
        ck_assert_str_eq(gl->chroot, "/var/lib/sluice");
        ck_assert_str_eq(gl->pidfile, "/run/sluice.pid");
        /* a later global section continues the first */
        ck_assert_uint_eq(gl->maxconn, 30000);
        ck_assert_uint_eq(gl->hard_stop_after_ms, 30000);
        ck_assert_uint_eq(gl->tune_bufsize, 32768);
        ck_assert_uint_eq(gl->n_logs, 3);
        ck_assert_int_eq(gl->logs[0].kind, CFG_LOG_UNIX);
        ck_assert_str_eq(gl->logs[0].addr.name, "/dev/log");
        ck_assert_int_eq(gl->logs[0].facility, 16);
        ck_assert_int_eq(gl->logs[0].max_level, -1);
        ck_assert_int_eq(gl->logs[1].kind, CFG_LOG_UDP);
        ck_assert_uint_eq(gl->logs[1].addr.port_low, 1514);
        ck_assert_uint_eq(gl->logs[1].maxlen, 2048);
        ck_assert_int_eq(gl->logs[1].format, CFG_LOG_FMT_RFC5424);
        ck_assert_int_eq(gl->logs[1].facility, 17);
        ck_assert_int_eq(gl->logs[1].max_level, 5);
        ck_assert_int_eq(gl->logs[2].kind, CFG_LOG_STDOUT);
        ck_assert_int_eq(gl->logs[2].format, CFG_LOG_FMT_RAW);
        ck_assert_int_eq(gl->logs[2].max_level, 7);
        ck_assert_int_eq(gl->logs[2].min_level, 6);
        ck_assert_uint_eq(gl->n_stats_sockets, 2);
        ck_assert_int_eq(gl->stats_sockets[0].addr.family, CFG_ADDR_UNIX);
        ck_assert_uint_eq(gl->stats_sockets[0].mode, 0660);
        ck_assert_int_eq(gl->stats_sockets[0].level, CFG_STATS_LEVEL_ADMIN);
        ck_assert_int_eq(gl->stats_sockets[1].addr.family, CFG_ADDR_IPV4);
        ck_assert_int_eq(gl->stats_sockets[1].level, CFG_STATS_LEVEL_OPERATOR);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_defaults_inherited)
{
        struct cfg_gen *g = load_ok("defaults\n"
                                    "    mode http\n"
                                    "    timeout connect 5s\n"
                                    "    timeout client 50000\n"
                                    "    timeout server 1m\n"
                                    "    option httplog\n"
                                    "    option dontlognull\n"
                                    "    retries 5\n"
                                    "    log global\n"
                                    "frontend fe\n"
                                    "    bind 127.0.0.1:8080\n"
                                    "    no option dontlognull\n"
                                    "    timeout client 10s\n"
                                    "    default_backend be0\n"
                                    "backend be0\n"
                                    "    server s0 127.0.0.1:9000\n"
                                    "defaults tcpdef\n"
                                    "    mode tcp\n"
                                    "backend be\n"
                                    "    server s1 127.0.0.1:9000\n"
                                    "backend other from tcpdef\n"
                                    "    server s1 127.0.0.1:9001\n");
        const struct cfg_proxy *fe = cfgtest_proxy(g, "fe"), *be = cfgtest_proxy(g, "be"),
                               *be0 = cfgtest_proxy(g, "be0"), *other = cfgtest_proxy(g, "other");

        ck_assert_int_eq(fe->mode, CFG_MODE_HTTP);
        ck_assert_uint_eq(fe->timeout_ms[CFG_TO_CONNECT], 5000);
        ck_assert_uint_eq(fe->timeout_ms[CFG_TO_CLIENT], 10000);
        ck_assert_uint_eq(fe->timeout_ms[CFG_TO_SERVER], 60000);
        ck_assert(fe->timeouts_set & (1u << CFG_TO_SERVER));
        ck_assert(!(fe->timeouts_set & (1u << CFG_TO_TUNNEL)));
        ck_assert(fe->options & CFG_OPT_HTTPLOG);
        ck_assert(!(fe->options & CFG_OPT_DONTLOGNULL));
        ck_assert(fe->log_global);
        ck_assert_ptr_eq(fe->default_backend, be0);
        ck_assert_int_eq(be0->mode, CFG_MODE_HTTP);
        ck_assert_uint_eq(be0->retries, 5);
        /* "be" follows "defaults tcpdef": the latest defaults section applies */
        ck_assert_int_eq(be->mode, CFG_MODE_TCP);
        ck_assert_uint_eq(be->retries, 3);
        ck_assert_int_eq(other->mode, CFG_MODE_TCP);
        ck_assert_str_eq(other->from->name, "tcpdef");
        ck_assert_uint_eq(g->n_defaults, 2);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_binds_and_servers)
{
        struct cfg_gen *g = load_ok("listen app\n"
                                    "    bind 127.0.0.1:80,[::1]:81\n"
                                    "    bind :\"${PORT}\"\n"
                                    "    bind unix@/run/app.sock\n"
                                    "    bind 127.0.0.1:9000-9002\n"
                                    "    default-server weight 10 maxconn 100\n"
                                    "    server a 10.0.0.1:80\n"
                                    "    server b [2001:db8::1]:8080 weight 0 backup\n"
                                    "    server c 10.0.0.3:80 maxconn 5 disabled\n");
        const struct cfg_proxy *px = cfgtest_proxy(g, "app");

        ck_assert_uint_eq(px->cap, CFG_CAP_FE | CFG_CAP_BE);
        ck_assert_uint_eq(px->n_binds, 5);
        ck_assert_int_eq(px->binds[0].addr.family, CFG_ADDR_IPV4);
        ck_assert_uint_eq(px->binds[0].addr.port_low, 80);
        ck_assert_int_eq(px->binds[1].addr.family, CFG_ADDR_IPV6);
        ck_assert_uint_eq(px->binds[1].addr.port_low, 81);
        ck_assert_uint_eq(px->binds[2].addr.port_low, 8443);
        ck_assert_int_eq(px->binds[3].addr.family, CFG_ADDR_UNIX);
        ck_assert_uint_eq(px->binds[4].addr.port_low, 9000);
        ck_assert_uint_eq(px->binds[4].addr.port_high, 9002);
        ck_assert_uint_eq(px->binds[0].where.line, 2);
        ck_assert_uint_eq(px->n_servers, 3);
        ck_assert_str_eq(px->servers[0].name, "a");
        ck_assert_uint_eq(px->servers[0].id, 1);
        ck_assert_uint_eq(px->servers[0].opts.weight, 10);
        ck_assert_uint_eq(px->servers[0].opts.maxconn, 100);
        ck_assert_uint_eq(px->servers[1].opts.weight, 0);
        ck_assert(px->servers[1].opts.flags & CFG_SRV_BACKUP);
        ck_assert_uint_eq(px->servers[2].opts.maxconn, 5);
        ck_assert(px->servers[2].opts.flags & CFG_SRV_DISABLED);
        ck_assert_uint_eq(px->servers[2].where.line, 9);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_balance_and_hash)
{
        struct cfg_gen *g =
                load_ok("backend a\n    mode http\n    balance uri len 10 depth 2 whole\n"
                        "backend b\n    mode http\n    balance hdr(Host) use_domain_only\n"
                        "    hash-type consistent djb2 avalanche\n"
                        "backend c\n    balance random(3)\n"
                        "backend d\n    balance leastconn\n    http-reuse always\n");
        const struct cfg_proxy *a = cfgtest_proxy(g, "a"), *b = cfgtest_proxy(g, "b"),
                               *c = cfgtest_proxy(g, "c"), *d = cfgtest_proxy(g, "d");

        ck_assert_int_eq(a->balance.algo, CFG_LB_URI);
        ck_assert_uint_eq(a->balance.uri_len, 10);
        ck_assert_uint_eq(a->balance.uri_depth, 2);
        ck_assert(a->balance.uri_whole);
        ck_assert_int_eq(b->balance.algo, CFG_LB_HDR);
        ck_assert_str_eq(b->balance.arg, "Host");
        ck_assert(b->balance.hdr_use_domain_only);
        ck_assert_int_eq(b->hash_type.method, CFG_HASH_CONSISTENT);
        ck_assert_int_eq(b->hash_type.function, CFG_HASH_FN_DJB2);
        ck_assert(b->hash_type.avalanche);
        ck_assert_int_eq(c->balance.algo, CFG_LB_RANDOM);
        ck_assert_uint_eq(c->balance.random_draws, 3);
        ck_assert_int_eq(d->balance.algo, CFG_LB_LEASTCONN);
        ck_assert_int_eq(d->http_reuse, CFG_REUSE_ALWAYS);
        ck_assert_int_eq(a->http_reuse, CFG_REUSE_SAFE);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_options)
{
        struct cfg_gen *g = load_ok("defaults\n    mode http\n    option http-server-close\n"
                                    "frontend f\n    bind :80\n    option http-keep-alive\n"
                                    "    option forwardfor header X-Client if-none\n"
                                    "    option tcplog\n    option httplog\n"
                                    "    default_backend b\n"
                                    "backend b\n    option redispatch\n");
        const struct cfg_proxy *f = cfgtest_proxy(g, "f"), *b = cfgtest_proxy(g, "b");

        /* the connection modes and the log formats exclude each other: last one wins */
        ck_assert(f->options & CFG_OPT_HTTP_KEEP_ALIVE);
        ck_assert(!(f->options & CFG_OPT_HTTP_SERVER_CLOSE));
        ck_assert(f->options & CFG_OPT_HTTPLOG);
        ck_assert(!(f->options & CFG_OPT_TCPLOG));
        ck_assert(f->options & CFG_OPT_FORWARDFOR);
        ck_assert_str_eq(f->forwardfor.header, "X-Client");
        ck_assert(f->forwardfor.if_none);
        ck_assert(b->options & CFG_OPT_REDISPATCH);
        ck_assert(b->options & CFG_OPT_HTTP_SERVER_CLOSE);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_errorfile_read_at_load)
{
        char path[] = "/tmp/sluice-errorfile-XXXXXX";
        int fd = mkstemp(path);
        const char body[] = "HTTP/1.0 503 Service Unavailable\r\n\r\nbusy\n";
        char text[256];
        struct cfg_gen *g;

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, body, sizeof(body) - 1), (ssize_t)sizeof(body) - 1);
        close(fd);
        snprintf(text, sizeof(text),
                 "defaults\n    errorfile 503 %s\nbackend b\n    errorfile 503 %s\n"
                 "    errorfile 404 %s\n",
                 path, path, path);
        g = load_ok(text);
        /* the backend's 503 replaces the one from defaults: no duplicate */
        ck_assert_uint_eq(cfgtest_proxy(g, "b")->n_errorfiles, 2);
        ck_assert_uint_eq(cfgtest_proxy(g, "b")->errorfiles[0].status, 503);
        ck_assert_uint_eq(cfgtest_proxy(g, "b")->errorfiles[0].len, sizeof(body) - 1);
        ck_assert_int_eq(
                memcmp(cfgtest_proxy(g, "b")->errorfiles[0].content, body, sizeof(body) - 1), 0);
        cfg_gen_unref(g);
        unlink(path);
        expect_error("backend b\n    errorfile 503 /nonexistent/503.http\n", 2, "cannot open");
        expect_error("backend b\n    errorfile 302 /etc/hostname\n", 2,
                     "status 302 cannot have an error file");
}
END_TEST

START_TEST(test_errorloc)
{
        static const char loc302[] = "HTTP/1.1 302 Found\r\nCache-Control: no-cache\r\n"
                                     "Content-length: 0\r\nLocation: http://x/a?b\r\n\r\n";
        static const char loc303[] = "HTTP/1.1 303 See Other\r\nCache-Control: no-cache\r\n"
                                     "Content-length: 0\r\nLocation: /s\r\n\r\n";
        struct cfg_gen *g = load_ok("defaults\n    errorloc 503 http://x/a?b\n"
                                    "backend b\n    errorloc303 503 /s\n"
                                    "    errorloc302 403 http://x/a?b\n"
                                    "backend c\n");
        const struct cfg_proxy *b = cfgtest_proxy(g, "b"), *c = cfgtest_proxy(g, "c");

        /* the backend's 503 replaces the one from defaults */
        ck_assert_uint_eq(b->n_errorfiles, 2);
        ck_assert_uint_eq(b->errorfiles[0].status, 503);
        ck_assert_uint_eq(b->errorfiles[0].loc, 303);
        ck_assert_str_eq(b->errorfiles[0].path, "/s");
        ck_assert_uint_eq(b->errorfiles[0].len, sizeof(loc303) - 1);
        ck_assert_int_eq(memcmp(b->errorfiles[0].content, loc303, sizeof(loc303) - 1), 0);
        ck_assert_uint_eq(b->errorfiles[1].status, 403);
        ck_assert_uint_eq(b->errorfiles[1].loc, 302);
        ck_assert_uint_eq(c->n_errorfiles, 1);
        ck_assert_uint_eq(c->errorfiles[0].loc, 302);
        ck_assert_uint_eq(c->errorfiles[0].len, sizeof(loc302) - 1);
        ck_assert_int_eq(memcmp(c->errorfiles[0].content, loc302, sizeof(loc302) - 1), 0);
        cfg_gen_unref(g);
        expect_error("backend b\n    errorloc 302 /x\n", 2,
                     "errorloc: status 302 cannot have an error location");
        expect_error("backend b\n    errorloc303 503\n", 2, "errorloc <code> <url>");
        expect_error("backend b\n    errorloc302 abc /x\n", 2, "status code");
}
END_TEST

START_TEST(test_errors_have_lines)
{
        expect_error("global\n    nbthred 4\n", 2, "did you mean 'nbthread'?");
        expect_error("frontend f\n    optoin httplog\n", 2, "did you mean 'option httplog'?");
        expect_error("frontend f\n    option httplgo\n", 2, "did you mean 'option httplog'?");
        expect_error("frontend f\n    timeout clinet 5s\n", 2, "did you mean 'timeout client'?");
        expect_error("global\n    lua-load /x.lua\n", 2,
                     "'lua-load' is a HAProxy keyword that sluice does not support yet: Lua is "
                     "not supported");
        expect_error("global\n    max-spread-checks 1s\n", 2,
                     "'max-spread-checks' is a HAProxy keyword that sluice does not support yet");
        expect_error("backend b\n    option ldap-check\n", 2,
                     "'option ldap-check' is a HAProxy keyword that sluice does not support "
                     "yet");
        expect_error("frontend f\n    server s 127.0.0.1:80\n", 2,
                     "'server' is not allowed in a 'frontend' section");
        expect_error("global\n    mode http\n", 2, "'mode' is not allowed in a 'global' section");
        expect_error("defaults\n    bind :80\n", 2,
                     "'bind' is not allowed in a 'defaults' section");
        expect_error("mode http\n", 1, "outside of any section");
        expect_error("mailers m\n    mailer a 127.0.0.1:25\n", 1,
                     "'mailers' is a HAProxy keyword that sluice does not support yet");
        expect_error("frontend\n", 1, "'frontend' needs a name");
        expect_error("frontend a/b\n", 1, "invalid character in frontend name");
        expect_error("frontend x\n    bind :80\nlisten x\n    bind :81\n", 3,
                     "same name as the proxy at t.cfg:1");
        expect_error("backend b\n    server s 127.0.0.1:80\n    server s 127.0.0.1:81\n", 3,
                     "server 's' already defined at t.cfg:2");
        expect_error("frontend f\n    bind :80\n    default_backend nope\n", 1,
                     "no backend named 'nope'");
        expect_error("backend b\n    server s 127.0.0.1:80 check agent-check\n", 2,
                     "'b/s': agent-check needs agent-port");
        expect_error("backend b\n    server s 127.0.0.1:80 agent-addr nowhere\n", 2,
                     "server option 'agent-addr' needs an IPv4 or IPv6 address, got 'nowhere'");
        expect_error("backend b\n    server s 127.0.0.1:80 check inter 0\n", 2,
                     "inter: a check interval must be above 0");
        expect_error("backend b\n    server s 127.0.0.1:80 check rise 0\n", 2, "out of range");
        expect_error("backend b\n    option httpchk\n    http-check expect status 2xx\n", 3,
                     "expected codes or ranges like 200,300-399, got '2xx'");
        expect_error("backend b\n    option tcp-check\n    tcp-check expect status 200\n", 3,
                     "'status' is not a match of this check");
        expect_error("backend b\n    option tcp-check\n    tcp-check send-binary 0g\n", 3,
                     "expected hexadecimal digits, got '0g'");
        expect_error("backend b\n    option tcp-check\n    tcp-check expect rstring (\n", 3,
                     "invalid regular expression");
        expect_error("backend b\n    option tcp-check\n    tcp-check expect ok-status L7STS "
                     "string x\n",
                     3, "invalid ok status 'L7STS': expected L7OK, L7OKC, L6OK or L4OK");
        expect_error("backend b\n    option pgsql-check\n", 2,
                     "usage: option pgsql-check user <name>");
        expect_error("backend b\n    option mysql-check user x post-42\n", 2,
                     "usage: option mysql-check [user <name> [post-41|pre-41]]");
        expect_error("backend b\n    option redis-check now\n", 2, "option redis-check");
        expect_error("backend b\n    option httpchk\n    http-check expect hdr name -m any x\n", 3,
                     "-m takes str, beg, end, sub or reg, got 'any'");
        expect_error("backend b\n    option httpchk\n    http-check expect hdr x\n", 3,
                     "expected 'name [-m <meth>] <name>'");
        expect_error("backend b\n    option httpchk\n    http-check expect hdr name a value\n", 3,
                     "the value pattern is missing");
        expect_error("backend b\n    server s 127.0.0.1:80 wieght 3\n", 2,
                     "did you mean 'weight'?");
        expect_error("backend b\n    server s 127.0.0.1:80 weight 257\n", 2, "out of range");
        expect_error("backend b\n    server s app.example:80\n", 2,
                     "'server b/s': could not resolve address 'app.example': unknown host");
        expect_error("backend b\n    dispatch 127.0.0.1\n", 2, "missing port");
        expect_error("frontend f\n    bind :80 accept-netscaler-cip 1234\n", 2,
                     "'accept-netscaler-cip' is a HAProxy keyword that sluice does not support "
                     "yet");
        expect_error("frontend f\n    bind :80 sll\n", 2, "unknown bind option 'sll'");
        expect_error("frontend f\n    bind 127.0.0.1\n", 2, "bind:");
        expect_error("frontend f\n    bind :80,\n", 2, "empty address");
        expect_error("defaults\n    timeout client 5x\n", 2, "timeout client:");
        expect_error("defaults\n    timeout client\n", 2, "missing argument");
        expect_error("defaults\n    timeout client 5s 6s\n", 2, "unexpected argument '6s'");
        expect_error("defaults\n    mode health\n", 2,
                     "'mode health' is a HAProxy keyword that sluice does not support yet");
        expect_error("defaults\n    mode htp\n", 2, "unknown mode 'htp'");
        expect_error("defaults\n    balance roundrobn\n", 2, "unknown balance algorithm");
        expect_error("defaults\n    balance url_param id\n", 2,
                     "'balance url_param' is a HAProxy keyword that sluice does not support yet");
        expect_error("defaults\n    no balance\n", 2, "'no' cannot be used with 'balance'");
        expect_error("defaults from nope\n", 1, "no defaults section named 'nope'");
        expect_error("global\n    log 127.0.0.1 local9\n", 2, "unknown log facility 'local9'");
        expect_error("global\n    log stdout local0 notice info\n", 2,
                     "minimum level 'info' is less severe than the level 'notice'");
        expect_error("global\n    stats socket /run/a.sock level root\n", 2,
                     "unknown level 'root'");
        expect_error("global\n    stats socket /run/a.sock mode 999\n", 2, "invalid mode '999'");
        expect_error("global\n    nbthread 0\n", 2, "out of range");
        expect_error("global\n    tune.bufsize 100\n", 2, "too small");
        expect_error("global\n    hard-stop-after forever\n", 2, "hard-stop-after:");
        expect_error("global\n    daemon yes\n", 2, "unexpected argument 'yes'");
        expect_error("global\n    \"unterminated\n", 2, "");
}
END_TEST

START_TEST(test_every_error_reported)
{
        static const char text[] = "global\n    nbthred 1\n    maxconn x\n"
                                   "frontend f\n    bind :80\n    optoin foo\n";
        struct cfg_gen *g = NULL;

        cfg_diags_clear(&cfgtest_diags);
        ck_assert_int_eq(cfg_load_text("t.cfg", text, strlen(text), &opts, &g, &cfgtest_diags),
                         -EINVAL);
        ck_assert_uint_eq(cfgtest_diags.n_errors, 3);
        ck_assert_uint_eq(cfgtest_diags.v[0].line, 2);
        ck_assert_uint_eq(cfgtest_diags.v[0].col, 5);
        ck_assert_uint_eq(cfgtest_diags.v[1].line, 3);
        ck_assert_uint_eq(cfgtest_diags.v[1].col, 13);
        ck_assert_uint_eq(cfgtest_diags.v[2].line, 6);
}
END_TEST

START_TEST(test_supported_keywords_are_haproxy_keywords)
{
        /* Every keyword sluice accepts is one HAProxy has, or one of the few of its own that
         * are listed (and marked in the manual) as such. */
        for (size_t i = 0; cfg_supported_keyword(i); i++) {
                const char *name = cfg_supported_keyword(i);
                bool found = false;

                for (size_t k = 0; cfg_sluice_keywords[k]; k++)
                        if (strcmp(cfg_sluice_keywords[k], name) == 0)
                                found = true;
                for (size_t k = 0; k < cfg_n_known_keywords; k++)
                        if (strcmp(cfg_known_keywords[k].name, name) == 0)
                                found = true;
                ck_assert_msg(found, "'%s' is not in the HAProxy keyword inventory", name);
        }
}
END_TEST

/* Is @kw documented as a keyword in the man page text @man (a line ".B kw", ".BI kw ...",
 * ".BR \"kw\" ...", with roff's "\-" for each '-')? */
static bool man_documents(const char *man, const char *kw)
{
        char esc[128];
        size_t n = 0;

        for (const char *k = kw; *k && n + 2 < sizeof(esc); k++) {
                if (*k == '-')
                        esc[n++] = '\\';
                esc[n++] = *k;
        }
        esc[n] = '\0';
        for (const char *l = man; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
                const char *p = l;

                if (strncmp(p, ".B", 2) != 0)
                        continue;
                p += 2;
                while (*p == 'I' || *p == 'R')
                        p++;
                while (*p == ' ')
                        p++;
                if (*p == '"')
                        p++;
                if (strncmp(p, esc, n) == 0 &&
                    (p[n] == ' ' || p[n] == '"' || p[n] == '\n' || p[n] == '\0'))
                        return true;
        }
        return false;
}

START_TEST(test_every_keyword_in_man_page)
{
        char *man = cfgtest_read_file("man/sluice.cfg.5");

        for (size_t i = 0; cfg_supported_keyword(i); i++)
                ck_assert_msg(man_documents(man, cfg_supported_keyword(i)),
                              "keyword '%s' is accepted but not documented in man/sluice.cfg.5",
                              cfg_supported_keyword(i));
        /* the check itself can fail */
        ck_assert(!man_documents(man, "no-such-keyword"));
        free(man);
}
END_TEST

START_TEST(test_predefined_variables)
{
        char host[256] = "";
        struct cfg_gen *g;
        const struct cfg_proxy *f;

        ck_assert_int_eq(gethostname(host, sizeof(host) - 1), 0);
        g = load_ok("frontend f\n    bind :80\n    mode http\n"
                    "    log-format \"${HAPROXY_HTTP_LOG_FMT}\"\n"
                    "    http-request set-header X-Peer \"${SLUICE_LOCALPEER}\"\n"
                    "    http-request set-header X-Files \"${HAPROXY_CFGFILES}\"\n"
                    "    http-request set-header X-Port \"${PORT}\"\n"
                    "    default_backend b\nbackend b\n    mode http\n");
        f = cfgtest_proxy(g, "f");
        /* HAProxy's own httplog format, compiled: it starts with %ci */
        ck_assert_int_eq(f->log_format->nodes[0].kind, CFG_FMT_VAR);
        ck_assert_int_eq(f->log_format->nodes[0].var, CFG_LV_ci);
        ck_assert_str_eq(f->http_req[0].fmt.src, host);
        ck_assert_str_eq(f->http_req[1].fmt.src, "t.cfg");
        /* the caller's environment still answers for other names */
        ck_assert_str_eq(f->http_req[2].fmt.src, "8443");
        cfg_gen_unref(g);
}
END_TEST

/* Variables of the address tests. */
static const char *env_addr(void *data, const char *name)
{
        static const struct {
                const char *name, *value;
        } vars[] = {
                {"PORT", "8443"},        {"P2", "9000"},      {"HOST", "127.0.0.1"},
                {"SOCK", "/run/x.sock"}, {"DOLLAR", "$PORT"}, {"STDOUT", "stdout"},
                {"FAMILY", "ipv4"},
        };

        for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
                if (strcmp(vars[i].name, name) == 0)
                        return vars[i].value;
        return NULL;
}

static const struct cfg_load_opts addr_opts = {.env = env_addr, .localpeer = "node1"};

static struct cfg_gen *load_addr_ok(const char *text)
{
        return cfgtest_load_ok(text, &addr_opts);
}

static void expect_addr_error(const char *text, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, &addr_opts, NULL, line, msg);
}

START_TEST(test_addresses_expand_variables)
{
        static const char text[] = "global\n"
                                   "    log $HOST:$P2 local0\n"
                                   "    log '$SOCK' local1\n"
                                   "    log stdout local2\n"
                                   "    stats socket /run/$HAPROXY_LOCALPEER.sock\n"
                                   "    stats socket ${HOST}:$P2\n"
                                   "frontend f\n"
                                   "    bind 127.0.0.1:$PORT\n"
                                   "    bind '${HOST}:${P2}',$FAMILY@:$PORT\n"
                                   "    bind \"$SOCK\"\n"
                                   "    default_backend b\n"
                                   "backend b\n"
                                   "    server s $HOST:$PORT\n";
        struct cfg_gen *g = load_addr_ok(text);
        const struct cfg_global *gl = &g->global;
        const struct cfg_proxy *f = cfgtest_proxy(g, "f"), *b = cfgtest_proxy(g, "b");

        ck_assert_int_eq(gl->logs[0].kind, CFG_LOG_UDP);
        ck_assert_uint_eq(gl->logs[0].addr.port_low, 9000);
        ck_assert_int_eq(gl->logs[1].kind, CFG_LOG_UNIX);
        ck_assert_str_eq(gl->logs[1].addr.name, "/run/x.sock");
        ck_assert_int_eq(gl->logs[2].kind, CFG_LOG_STDOUT);
        ck_assert_str_eq(gl->stats_sockets[0].addr.name, "/run/node1.sock");
        ck_assert_uint_eq(gl->stats_sockets[1].addr.port_low, 9000);
        ck_assert_uint_eq(f->n_binds, 4);
        ck_assert_uint_eq(f->binds[0].addr.port_low, 8443);
        ck_assert_uint_eq(f->binds[1].addr.port_low, 9000);
        ck_assert_int_eq(f->binds[2].addr.family, CFG_ADDR_IPV4);
        ck_assert_uint_eq(f->binds[2].addr.port_low, 8443);
        ck_assert_str_eq(f->binds[3].addr.name, "/run/x.sock");
        ck_assert_uint_eq(b->servers[0].addr.port_low, 8443);
        cfg_gen_unref(g);
        /* unset is empty; no default syntax (what follows the name stays); no second pass */
        expect_addr_error("frontend f\n    bind 127.0.0.1:$UNSET\n", 2, "bind:");
        expect_addr_error("frontend f\n    bind 127.0.0.1:${PORT-80}\n", 2, "bind:");
        expect_addr_error("frontend f\n    bind 127.0.0.1:$DOLLAR\n", 2, "bind:");
        /* stdout and stderr are names as written, not addresses */
        expect_addr_error("global\n    log $STDOUT local0\n", 2, "log target");
}
END_TEST

START_TEST(test_edit_distance)
{
        ck_assert_uint_eq(cfg_edit_distance("option", "optoin", 3), 1);
        ck_assert_uint_eq(cfg_edit_distance("abc", "abc", 3), 0);
        ck_assert_uint_eq(cfg_edit_distance("", "abc", 3), 3);
        ck_assert_uint_eq(cfg_edit_distance("kitten", "sitting", 5), 3);
        ck_assert_uint_eq(cfg_edit_distance("a", "abcdefgh", 3), 4);
        ck_assert(cfg_is_close("nbthred", "nbthread"));
        ck_assert(!cfg_is_close("bind", "mode"));
}
END_TEST

static void teardown(void)
{
        cfg_diags_clear(&cfgtest_diags);
}

int main(void)
{
        Suite *s = suite_create("config/parse");
        TCase *tc = tcase_create("model");
        TCase *errs = tcase_create("errors");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_checked_fixture(errs, NULL, teardown);
        tcase_add_test(tc, test_global_section);
        tcase_add_test(tc, test_defaults_inherited);
        tcase_add_test(tc, test_binds_and_servers);
        tcase_add_test(tc, test_balance_and_hash);
        tcase_add_test(tc, test_options);
        tcase_add_test(tc, test_errorfile_read_at_load);
        tcase_add_test(tc, test_errorloc);
        tcase_add_test(tc, test_predefined_variables);
        tcase_add_test(tc, test_addresses_expand_variables);
        tcase_add_test(errs, test_errors_have_lines);
        tcase_add_test(errs, test_every_error_reported);
        tcase_add_test(errs, test_supported_keywords_are_haproxy_keywords);
        tcase_add_test(errs, test_edit_distance);
        tcase_add_test(errs, test_every_keyword_in_man_page);
        suite_add_tcase(s, tc);
        suite_add_tcase(s, errs);
        return unit_run(s);
}
