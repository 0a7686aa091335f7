#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "cfgtest.h"
#include "load.h"
#include "unit.h"

static struct cfg_gen *load(const char *text, int want)
{
        struct cfg_gen *g;
        int r = cfgtest_load(text, NULL, &g);

        if (r != want)
                cfgtest_print_diags();
        ck_assert_int_eq(r, want);
        return g;
}

/* The load fails with an error at @line containing @msg. */
static void expect_error(const char *text, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, NULL, NULL, line, msg);
}

#define FE "frontend f\n    mode http\n    bind 127.0.0.1:80\n"

START_TEST(test_redirect_any_order)
{
        struct cfg_gen *g = load(FE "    redirect code 301 prefix / drop-query append-slash"
                                    " if { path_beg /a }\n"
                                    "    redirect set-cookie S=1 scheme https\n"
                                    "    redirect location %[x] clear-cookie C= code 303\n"
                                    "    http-request redirect drop-query code 308 prefix /p"
                                    " ignore-empty\n",
                                 0);
        const struct cfg_proxy *px = g->proxies[0];
        const struct cfg_http_rule *r = px->redirects;

        ck_assert_uint_eq(px->n_redirects, 3);
        ck_assert_int_eq(r[0].redir, CFG_REDIR_PREFIX);
        ck_assert_uint_eq(r[0].redir_code, 301);
        ck_assert_uint_eq(r[0].redir_flags, CFG_REDIR_F_DROP_QUERY | CFG_REDIR_F_APPEND_SLASH);
        ck_assert_str_eq(r[0].redir_str, "/");
        ck_assert_ptr_nonnull(r[0].cond);
        ck_assert_int_eq(r[1].redir, CFG_REDIR_SCHEME);
        ck_assert_uint_eq(r[1].redir_code, 302);
        ck_assert_str_eq(r[1].redir_cookie, "S=1");
        /* a proxy's redirect is taken as written: no format */
        ck_assert_str_eq(r[2].redir_str, "%[x]");
        ck_assert_uint_eq(r[2].redir_flags, CFG_REDIR_F_CLEAR_COOKIE);
        ck_assert_uint_eq(px->n_http_req, 1);
        ck_assert_int_eq(px->http_req[0].act, CFG_ACT_REDIRECT);
        ck_assert_ptr_null(px->http_req[0].redir_str);
        ck_assert_uint_eq(px->http_req[0].redir_code, 308);
        ck_assert_uint_eq(px->http_req[0].redir_flags,
                          CFG_REDIR_F_DROP_QUERY | CFG_REDIR_F_IGNORE_EMPTY);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_redirect_errors)
{
        expect_error(FE "    redirect code 301\n", 4, "a type is expected");
        expect_error(FE "    redirect location /x code 304\n", 4, "unsupported code '304'");
        expect_error(FE "    redirect location\n", 4, "missing argument for 'location'");
        expect_error(FE "    redirect location /x keep-query\n", 4, "unexpected 'keep-query'");
        expect_error(FE "    http-response redirect prefix /x\n", 4, "only takes 'location'");
        expect_error("defaults\n    redirect location /\n", 2, "not allowed in a 'defaults'");
}
END_TEST

START_TEST(test_forwardfor_except)
{
        struct cfg_gen *g = load(FE "    option forwardfor except 10.1.2.3/255.255.0.0 if-none\n"
                                    "backend b\n    option forwardfor except 2001:db8::1/32\n"
                                    "backend c\n    option forwardfor except 192.0.2.7\n",
                                 0);
        const struct cfg_net *n = &g->proxies[0]->forwardfor.except;
        struct sockaddr_in a = {.sin_family = AF_INET};
        struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};

        ck_assert_int_eq(n->family, AF_INET);
        ck_assert_uint_eq(n->prefix, 16);
        inet_pton(AF_INET, "10.1.200.9", &a.sin_addr);
        ck_assert(cfg_net_contains(n, &a));
        inet_pton(AF_INET, "10.2.0.1", &a.sin_addr);
        ck_assert(!cfg_net_contains(n, &a));
        ck_assert(!cfg_net_contains(n, &a6));
        n = &g->proxies[1]->forwardfor.except;
        ck_assert_int_eq(n->family, AF_INET6);
        inet_pton(AF_INET6, "2001:db8:ffff::5", &a6.sin6_addr);
        ck_assert(cfg_net_contains(n, &a6));
        inet_pton(AF_INET6, "2001:db9::5", &a6.sin6_addr);
        ck_assert(!cfg_net_contains(n, &a6));
        n = &g->proxies[2]->forwardfor.except;
        ck_assert_uint_eq(n->prefix, 32);
        inet_pton(AF_INET, "192.0.2.7", &a.sin_addr);
        ck_assert(cfg_net_contains(n, &a));
        cfg_gen_unref(g);
        expect_error(FE "    option forwardfor except nonsense\n", 4, "expected <address>[/mask]");
        expect_error(FE "    option forwardfor except 10.0.0.0/255.0.255.0\n", 4,
                     "expected <address>[/mask]");
        expect_error(FE "    option forwardfor except\n", 4, "'except' needs");
}
END_TEST

START_TEST(test_socket_options)
{
        struct cfg_gen *g = load("defaults\n    mode http\n    no option tcp-smart-accept\n"
                                 "    option nolinger\n"
                                 "frontend f\n    bind :80\n    default_backend b\n"
                                 "frontend g\n    bind :81\n    option tcp-smart-accept\n"
                                 "    no option nolinger\n"
                                 "backend b\n    option tcp-smart-connect\n"
                                 "    option prefer-last-server\n    no option prefer-last-server\n"
                                 "backend p\n    option prefer-last-server\n"
                                 "defaults\n    mode http\n"
                                 "frontend h\n    bind :82\n"
                                 "frontend t\n    bind :83\n    mode tcp\n    default_backend u\n"
                                 "backend u\n    mode tcp\n",
                                 0);
        const struct cfg_proxy *f = g->proxies[0], *gg = g->proxies[1], *b = g->proxies[2];
        const struct cfg_proxy *h = g->proxies[4], *t = g->proxies[5];

        ck_assert(g->proxies[3]->options & CFG_OPT_PREFER_LAST_SERVER);

        /* "no option" in defaults holds in the proxies that inherit it */
        ck_assert(!cfg_proxy_smart_accept(f));
        ck_assert(f->options & CFG_OPT_NOLINGER);
        ck_assert(cfg_proxy_smart_accept(gg));
        ck_assert(!(gg->options & CFG_OPT_NOLINGER));
        ck_assert(b->options & CFG_OPT_TCP_SMART_CONNECT);
        ck_assert(!(b->options & CFG_OPT_PREFER_LAST_SERVER));
        /* automatic in mode http only */
        ck_assert(cfg_proxy_smart_accept(h));
        ck_assert(!cfg_proxy_smart_accept(t));
        ck_assert(!(h->options & CFG_OPT_NOLINGER));
        cfg_gen_unref(g);
        expect_error(FE "    option nolinger x\n", 4, "unexpected argument 'x'");
        expect_error("backend b\n    option prefer-last-server 1\n", 2, "unexpected argument '1'");
        /* in a proxy without the capability: a warning, the option is ignored (HAProxy) */
        g = load(FE "    option tcp-smart-connect\n", 0);
        ck_assert(!(g->proxies[0]->options & CFG_OPT_TCP_SMART_CONNECT));
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_log_level_and_tag)
{
        struct cfg_gen *g = load("global\n    log-tag gt\n"
                                 "defaults\n    mode http\n    log-tag dt\n"
                                 "frontend f\n    bind :80\n    log-tag \"f t\"\n"
                                 "    http-request set-log-level silent if { path /h }\n"
                                 "    http-response set-log-level err\n"
                                 "    http-after-response set-log-level debug\n"
                                 "    tcp-request content set-log-level emerg\n"
                                 "    default_backend b\nbackend b\n",
                                 0);
        const struct cfg_proxy *f = g->proxies[0], *b = g->proxies[1];

        ck_assert_str_eq(g->global.log_tag, "gt");
        ck_assert_str_eq(f->log_tag, "f t");
        ck_assert_str_eq(b->log_tag, "dt"); /* from its defaults */
        ck_assert_int_eq(f->http_req[0].act, CFG_ACT_SET_LOG_LEVEL);
        ck_assert_int_eq(f->http_req[0].log_level, -1);
        ck_assert_int_eq(f->http_res[0].log_level, 3);
        ck_assert_int_eq(f->http_after[0].log_level, 7);
        ck_assert_int_eq(f->tcp_content[0].act, CFG_ACT_SET_LOG_LEVEL);
        ck_assert_int_eq(f->tcp_content[0].log_level, 0);
        cfg_gen_unref(g);
        expect_error(FE "    http-request set-log-level loud\n", 4,
                     "set-log-level: unknown level 'loud': expected emerg, alert, crit, err, "
                     "warning, notice, info, debug or silent");
        expect_error(FE "    http-request set-log-level\n", 4, "expected 'set-log-level <level>'");
        expect_error(FE "    http-request set-log-level info debug\n", 4,
                     "expected 'set-log-level <level>'");
        expect_error(FE "    tcp-request connection set-log-level info\n", 4,
                     "'tcp-request connection set-log-level' is a HAProxy keyword");
        expect_error(FE "    log-tag\n", 4, "expected 'log-tag <string>'");
        expect_error(FE "    log-tag a b\n", 4, "expected 'log-tag <string>'");
        expect_error(FE "    log-tag \"\"\n", 4, "not an empty string");
        expect_error("global\n    log-tag\n", 2, "expected 'log-tag <string>'");
}
END_TEST

START_TEST(test_tarpit)
{
        struct cfg_gen *g = load("defaults\n    mode http\n    timeout connect 3s\n"
                                 "frontend f\n    bind :80\n    http-request tarpit\n"
                                 "    http-request tarpit deny_status 429 content-type text/plain "
                                 "string slow hdr X-A b\n    default_backend b\n"
                                 "backend b\n    http-request tarpit if { path /x }\n"
                                 "backend c\n    timeout tarpit 250ms\n"
                                 "frontend g\n    bind :81\n    timeout tarpit 2s\n",
                                 0);
        const struct cfg_proxy *f = g->proxies[0], *b = g->proxies[1], *c = g->proxies[2];

        ck_assert_uint_eq(f->n_http_req, 2);
        ck_assert_int_eq(f->http_req[0].act, CFG_ACT_TARPIT);
        ck_assert_uint_eq(f->http_req[0].reply.status, 500);
        ck_assert_int_eq(f->http_req[0].reply.kind, CFG_REPLY_ERRORFILE);
        ck_assert_uint_eq(f->http_req[1].reply.status, 429);
        ck_assert_int_eq(f->http_req[1].reply.kind, CFG_REPLY_STRING);
        ck_assert_uint_eq(f->http_req[1].reply.n_hdrs, 1);
        ck_assert_ptr_nonnull(b->http_req[0].cond);
        /* unset: the timeout connect, which only a proxy with servers has */
        ck_assert_uint_eq(cfg_proxy_tarpit_ms(f), 0);
        ck_assert_uint_eq(cfg_proxy_tarpit_ms(b), 3000);
        ck_assert_uint_eq(cfg_proxy_tarpit_ms(c), 250);
        ck_assert_uint_eq(cfg_proxy_tarpit_ms(g->proxies[3]), 2000);
        cfg_gen_unref(g);
        expect_error(FE "    timeout tarpit\n", 4, "timeout tarpit");
        expect_error(FE "    timeout tarpit 3x\n", 4, "timeout tarpit");
        expect_error(FE "    http-request tarpit status\n", 4, "'status' needs a code");
}
END_TEST

START_TEST(test_originalto)
{
        struct cfg_gen *g =
                load("defaults\n    mode http\n    option originalto header X-D\n"
                     "frontend f\n    bind :80\n    option originalto except 10.0.0.0/8\n"
                     "    default_backend b\nbackend b\n"
                     "backend c\n    no option originalto\n",
                     0);
        const struct cfg_proxy *f = g->proxies[0], *b = g->proxies[1], *c = g->proxies[2];

        /* each occurrence starts afresh: the frontend's header is the default one again */
        ck_assert(f->options & CFG_OPT_ORIGINALTO);
        ck_assert_ptr_null(f->originalto.header);
        ck_assert_int_eq(f->originalto.except.family, AF_INET);
        ck_assert_uint_eq(f->originalto.except.prefix, 8);
        ck_assert(b->options & CFG_OPT_ORIGINALTO);
        ck_assert_str_eq(b->originalto.header, "X-D");
        ck_assert_int_eq(b->originalto.except.family, 0);
        ck_assert(!(c->options & CFG_OPT_ORIGINALTO));
        ck_assert(!(f->options & CFG_OPT_FORWARDFOR));
        cfg_gen_unref(g);
        expect_error(FE "    option originalto if-none\n", 4,
                     "option originalto: unknown argument 'if-none': expected 'except <network>' "
                     "or 'header <name>'");
        expect_error(FE "    option originalto header\n", 4,
                     "option originalto: 'header' needs a name");
        expect_error(FE "    option originalto except\n", 4,
                     "option originalto: 'except' needs <address>[/mask]");
        expect_error(FE "    option originalto except nonsense\n", 4, "expected <address>[/mask]");
        expect_error(FE "    no option originalto header x\n", 4, "no option originalto");
}
END_TEST

START_TEST(test_monitor_capture_unique_id)
{
        struct cfg_gen *g =
                load("defaults\n    mode http\n    monitor-uri /alive\n"
                     "    unique-id-format %{+X}o\\ %ci:%cp\n"
                     "    unique-id-header X-Id\n" FE "    monitor fail if { path /x }\n"
                     "    monitor fail unless { path /y }\n"
                     "    capture request header Host len 15\n"
                     "    capture response header Location len 0\n",
                     0);
        const struct cfg_proxy *px = g->proxies[0];

        ck_assert_str_eq(px->monitor_uri, "/alive");
        ck_assert_uint_eq(px->n_monitor_fail, 2);
        ck_assert(px->monitor_fail[1]->unless);
        ck_assert_uint_eq(px->n_req_caps, 1);
        ck_assert_str_eq(px->req_caps[0].name, "Host");
        ck_assert_uint_eq(px->req_caps[0].len, 15);
        ck_assert_uint_eq(px->res_caps[0].len, 0);
        ck_assert_ptr_nonnull(px->unique_id_fmt);
        /* %{+X}o: hexadecimal for every later field, and no node of its own */
        ck_assert_uint_eq(px->unique_id_fmt->nodes[1].flags, CFG_FMT_F_HEX);
        ck_assert_uint_eq(px->unique_id_fmt->nodes[3].flags, CFG_FMT_F_HEX);
        ck_assert_str_eq(px->unique_id_header, "X-Id");
        cfg_gen_unref(g);
        expect_error(FE "    monitor fail\n", 4, "requires either 'if' or 'unless'");
        expect_error(FE "    capture request header Host\n", 4, "missing argument");
        expect_error(FE "    capture request header Host size 3\n", 4, "expected 'capture");
        /* as HAProxy: a frontend keyword in a backend is ignored with a warning */
        g = load("backend b\n    capture request header Host len 3\n    monitor-uri /x\n", 0);
        ck_assert_uint_eq(cfgtest_diags.n_warnings, 2);
        ck_assert_ptr_nonnull(strstr(cfgtest_diags.v[1].msg, "ignoring 'monitor-uri'"));
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_actions)
{
        struct cfg_gen *g =
                load("global\n    expose-experimental-directives\n" FE "    http-request auth\n"
                     "    http-request auth realm \"a b\" if { path /x }\n"
                     "    http-request wait-for-body time 2s at-least 1k\n"
                     "    http-request normalize-uri path-strip-dotdot full\n"
                     "    http-request normalize-uri query-sort-by-name\n",
                     0);
        const struct cfg_http_rule *r = g->proxies[0]->http_req;

        ck_assert(g->global.expose_experimental);
        ck_assert_int_eq(r[0].act, CFG_ACT_AUTH);
        ck_assert_ptr_null(r[0].realm);
        ck_assert_str_eq(r[1].realm, "a b");
        ck_assert_int_eq(r[2].act, CFG_ACT_WAIT_FOR_BODY);
        ck_assert_uint_eq(r[2].wait_ms, 2000);
        ck_assert_uint_eq(r[2].wait_bytes, 1024);
        ck_assert_int_eq(r[3].norm, CFG_NORM_PATH_STRIP_DOTDOT);
        ck_assert(r[3].norm_opt);
        ck_assert_int_eq(r[4].norm, CFG_NORM_QUERY_SORT_BY_NAME);
        ck_assert(!r[4].norm_opt);
        cfg_gen_unref(g);
        expect_error(FE "    http-request normalize-uri path-merge-slashes\n", 4,
                     "expose-experimental-directives");
        expect_error("global\n    expose-experimental-directives\n" FE
                     "    http-request normalize-uri path-merge-slashes strict\n",
                     6, "unknown argument 'strict'");
        expect_error("global\n    expose-experimental-directives\n" FE
                     "    http-request normalize-uri nope\n",
                     6, "unknown normalizer 'nope'");
        expect_error(FE "    http-request wait-for-body at-least 1k\n", 4, "missing 'time'");
        expect_error(FE "    http-request wait-for-body time\n", 4, "missing argument");
        expect_error(FE "    http-request auth realm\n", 4, "expected 'auth [realm <realm>]'");
        expect_error(FE "    http-response auth\n", 4, "unknown http-response action");
}
END_TEST

START_TEST(test_maxrewrite)
{
        struct cfg_gen *g = load("global\n    tune.bufsize 4096\n    tune.maxrewrite 3000\n", 0);

        /* lowered to half the buffer, as HAProxy does */
        ck_assert_uint_eq(cfg_maxrewrite(&g->global), 2048);
        cfg_gen_unref(g);
        g = load("global\n    tune.maxrewrite 100\n", 0);
        ck_assert_uint_eq(cfg_maxrewrite(&g->global), 100);
        cfg_gen_unref(g);
        g = load("global\n    daemon\n", 0);
        ck_assert_uint_eq(cfg_maxrewrite(&g->global), 1024);
        cfg_gen_unref(g);
        expect_error("global\n    tune.maxrewrite -1\n", 2, "invalid tune.maxrewrite");
}
END_TEST

START_TEST(test_userlists)
{
        struct cfg_gen *g =
                load("userlist L1\n"
                     "    group G1 users tiger,scott\n"
                     "    group G2\n"
                     "    group G2\n"
                     "    user tiger password $1$salt$9GHNWvCB1UrDZjPi7uags0 groups G2\n"
                     "    user scott insecure-password elgato\n"
                     "    user nopass\n"
                     "userlist L2\n",
                     0);
        const struct cfg_userlist *ul = cfg_gen_find_userlist(g, "L1");

        ck_assert_ptr_nonnull(ul);
        ck_assert_ptr_nonnull(cfg_gen_find_userlist(g, "L2"));
        ck_assert_ptr_null(cfg_gen_find_userlist(g, "L3"));
        /* the duplicated group is ignored with a warning, as HAProxy does */
        ck_assert_uint_eq(ul->n_groups, 2);
        ck_assert_uint_eq(ul->n_users, 3);
        ck_assert(!ul->users[0].insecure);
        ck_assert(ul->users[1].insecure);
        ck_assert_ptr_null(ul->users[2].password);
        /* tiger: G2 from its own line, G1 from the group's */
        ck_assert_uint_eq(ul->users[0].n_groups, 2);
        ck_assert_uint_eq(ul->users[0].groups[0], 1);
        ck_assert_uint_eq(ul->users[0].groups[1], 0);
        ck_assert_uint_eq(ul->users[1].n_groups, 1);
        cfg_gen_unref(g);
        expect_error("userlist L\n    user a groups NOPE\n", 2, "no such group 'NOPE'");
        expect_error("userlist L\n    group G users nobody\n", 2, "no such user 'nobody'");
        expect_error("userlist L\n    user a password $9$x$y\n", 2, "not supported by crypt(3)");
        expect_error("userlist L\n    user a secret x\n", 2, "only supports");
        expect_error("userlist\n", 1, "userlist <name>");
        expect_error("userlist L\n    bind :80\n", 2, "expected 'user' or 'group'");
}
END_TEST

/* http_auth_group in an ACL matches the user's groups (its own method, shown without
 * "-m"), unless a converter follows; its patterns must be groups of the userlist. */
START_TEST(test_auth_fetches)
{
        const char *ul = "userlist L\n    group admins\n    group ops\n"
                         "    user bob insecure-password x groups admins\n";
        char text[1024];
        struct cfg_gen *g;
        const struct cfg_acl_expr *e;

        snprintf(text, sizeof(text),
                 "%s" FE "    acl a http_auth_group(L) ops admins\n"
                 "    acl b http_auth_group(L),lower bob\n"
                 "    http-request deny if a || b || { http_auth(L) }\n"
                 "    http-request set-header X %%[http_auth_group(L)]%%[unique-id]\n",
                 ul);
        g = load(text, 0);
        e = g->proxies[0]->acls[0]->exprs[0];
        ck_assert_int_eq(e->match, CFG_MATCH_AUTH);
        ck_assert_ptr_eq(e->smp.args[0].ref, cfg_gen_find_userlist(g, "L"));
        ck_assert_uint_eq(e->n_pats, 2);
        ck_assert_int_eq(g->proxies[0]->acls[1]->exprs[0]->match, CFG_MATCH_STR);
        cfg_gen_unref(g);
        snprintf(text, sizeof(text), "%s" FE "    acl a http_auth_group(L) admins nope\n", ul);
        expect_error(text, 8, "no group 'nope' in userlist 'L'");
        expect_error(FE "    acl a http_auth(M)\n", 4, "no userlist named 'M'");
        expect_error(FE "    acl a http_auth\n", 4, "needs 1 argument");
        snprintf(text, sizeof(text), "%s" FE "    acl a http_auth_group(L) -m auth admins\n", ul);
        expect_error(text, 8, "unknown match method 'auth'");
}
END_TEST

static void teardown(void)
{
        cfg_diags_clear(&cfgtest_diags);
}

START_TEST(test_addr_actions)
{
        struct cfg_gen *g = load(FE "    tcp-request connection set-src ipv4(10.0.0.1)\n"
                                    "    tcp-request session set-dst-port int(81) if TRUE\n"
                                    "    tcp-request content set-dst str(127.0.0.2)\n"
                                    "    http-request set-src hdr(x-forwarded-for)\n"
                                    "    http-request set-src-port req.hdr(x-port)\n"
                                    "    default_backend b\n"
                                    "backend b\n    mode http\n    server any 0.0.0.0:0\n"
                                    "    server ofs 127.0.0.1:+1\n    server fixed [::]:80\n",
                                 0);
        const struct cfg_proxy *px = g->proxies[0], *be = g->proxies[1];

        ck_assert_uint_eq(px->n_tcp_conn, 1);
        ck_assert_int_eq(px->tcp_conn[0].act, CFG_ACT_SET_SRC);
        ck_assert_uint_eq(px->n_tcp_sess, 1);
        ck_assert_int_eq(px->tcp_sess[0].act, CFG_ACT_SET_DST_PORT);
        ck_assert_ptr_nonnull(px->tcp_sess[0].cond);
        ck_assert_int_eq(px->tcp_content[0].act, CFG_ACT_SET_DST);
        ck_assert_int_eq(px->http_req[0].act, CFG_ACT_SET_SRC);
        ck_assert_int_eq(px->http_req[1].act, CFG_ACT_SET_SRC_PORT);
        /* port 0 and offsets follow the client's port; the any address its address */
        ck_assert(cfg_server_maps_port(&be->servers[0]));
        ck_assert(cfg_server_any_addr(&be->servers[0]));
        ck_assert(cfg_server_maps_port(&be->servers[1]));
        ck_assert(!cfg_server_any_addr(&be->servers[1]));
        ck_assert(!cfg_server_maps_port(&be->servers[2]));
        ck_assert(cfg_server_any_addr(&be->servers[2]));
        cfg_gen_unref(g);

        expect_error(FE "    http-request set-src\n", 4, "expected 'set-src <expression>'");
        expect_error(FE "    tcp-request connection set-dst req.hdr(x)\n", 4,
                     "is not known yet when this rule runs");
        expect_error(FE "    tcp-request session set-src src extra\n", 4,
                     "expected 'set-src <expression>'");
        expect_error(FE "    http-response set-dst-port int(1)\n", 4,
                     "unknown http-response action 'set-dst-port'");
}

START_TEST(test_capture_slots)
{
        struct cfg_gen *g = load(FE "    capture request header Host len 20\n"
                                    "    http-request capture path len 5\n"
                                    "    declare capture request len 8\n"
                                    "    declare capture response len 6\n"
                                    "    http-request capture req.hdr(a) id 2\n"
                                    "    http-response capture status id 0\n"
                                    "    tcp-request content capture src len 4\n"
                                    "    default_backend b\n"
                                    "backend b\n    mode http\n"
                                    "    http-request capture path id 40\n"
                                    "    server s 127.0.0.1:1\n",
                                 0);
        const struct cfg_proxy *px = g->proxies[0];

        ck_assert_uint_eq(px->n_req_caps, 4);
        ck_assert_str_eq(px->req_caps[0].name, "Host");
        ck_assert_ptr_null(px->req_caps[1].name);
        ck_assert_uint_eq(px->req_caps[1].len, 5);
        ck_assert_uint_eq(px->req_caps[2].len, 8);
        ck_assert_uint_eq(px->req_caps[3].len, 4);
        ck_assert_uint_eq(px->n_res_caps, 1);
        ck_assert_uint_eq(px->http_req[0].status, 1);
        ck_assert(px->http_req[0].cap_rule);
        ck_assert_uint_eq(px->http_req[1].status, 2);
        ck_assert(!px->http_req[1].cap_rule);
        ck_assert_uint_eq(px->tcp_content[0].status, 3);
        /* a backend names its frontends' slots: checked at run time */
        ck_assert_uint_eq(g->proxies[1]->http_req[0].status, 40);
        cfg_gen_unref(g);

        expect_error(FE "    http-response capture status id 0\n", 4,
                     "unable to find capture id '0' referenced by http-response capture rule");
        expect_error(FE "    http-request capture path\n", 4,
                     "expected 'http-request capture <sample> len <length> | id <id>'");
        expect_error(FE "    declare capture request\n", 4,
                     "expected 'declare capture request|response len <length>'");
}
END_TEST
END_TEST

int main(void)
{
        Suite *s = suite_create("config/kw_http");
        TCase *tc = tcase_create("http");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, test_redirect_any_order);
        tcase_add_test(tc, test_redirect_errors);
        tcase_add_test(tc, test_forwardfor_except);
        tcase_add_test(tc, test_originalto);
        tcase_add_test(tc, test_tarpit);
        tcase_add_test(tc, test_socket_options);
        tcase_add_test(tc, test_log_level_and_tag);
        tcase_add_test(tc, test_monitor_capture_unique_id);
        tcase_add_test(tc, test_actions);
        tcase_add_test(tc, test_maxrewrite);
        tcase_add_test(tc, test_userlists);
        tcase_add_test(tc, test_auth_fetches);
        tcase_add_test(tc, test_addr_actions);
        tcase_add_test(tc, test_capture_slots);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
