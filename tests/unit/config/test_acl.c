#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "acl.h"
#include "cfgtest.h"
#include "load.h"
#include "unit.h"

static struct cfg_gen *gen;

static const struct cfg_proxy *load_px(const char *text)
{
        int r;

        cfg_diags_clear(&cfgtest_diags);
        gen = cfg_gen_unref(gen);
        r = cfg_load_text("t.cfg", text, strlen(text), NULL, &gen, &cfgtest_diags);
        for (size_t i = 0; i < cfgtest_diags.n; i++)
                fprintf(stderr, "t.cfg:%u:%u: %s\n", cfgtest_diags.v[i].line,
                        cfgtest_diags.v[i].col, cfgtest_diags.v[i].msg);
        ck_assert_int_eq(r, 0);
        ck_assert_uint_ge(gen->n_proxies, 1);
        return gen->proxies[0];
}

static void expect_error(const char *text, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, NULL, NULL, line, msg);
}

static const struct cfg_acl *acl(const struct cfg_proxy *px, const char *name)
{
        for (size_t i = 0; i < px->n_acls; i++)
                if (px->acls[i]->name && strcmp(px->acls[i]->name, name) == 0)
                        return px->acls[i];
        ck_abort_msg("no ACL '%s'", name);
        return NULL;
}

static struct cfg_smp_value str(const char *s)
{
        return (struct cfg_smp_value){.type = CFG_SMP_STR, .str = sl_str_from_cstr(s)};
}

static struct cfg_smp_value integer(int64_t i)
{
        return (struct cfg_smp_value){.type = CFG_SMP_INT, .i = i};
}

static struct cfg_smp_value ip(const char *s)
{
        struct cfg_smp_value v = {.type = CFG_SMP_IP};

        if (inet_pton(AF_INET, s, v.addr) == 1) {
                v.family = AF_INET;
        } else {
                ck_assert_int_eq(inet_pton(AF_INET6, s, v.addr), 1);
                v.family = AF_INET6;
        }
        return v;
}

static bool match(const struct cfg_acl *a, struct cfg_smp_value v)
{
        for (size_t i = 0; i < a->n_exprs; i++)
                if (cfg_acl_expr_match(a->exprs[i], &v))
                        return true;
        return false;
}

START_TEST(test_string_methods)
{
        const struct cfg_proxy *px = load_px("frontend f\n"
                                             "    bind :80\n"
                                             "    mode http\n"
                                             "    acl api path_beg /api/ /v2/\n"
                                             "    acl img path_end -i .png .JPG\n"
                                             "    acl adm path_sub admin\n"
                                             "    acl exact path /index.html\n"
                                             "    acl host hdr(host) -i example.com\n"
                                             "    acl dir path_dir images\n"
                                             "    acl dom hdr_dom(host) example.com\n"
                                             "    acl short path_len lt 4\n"
                                             "    acl re path_reg ^/u/[0-9]+$\n"
                                             "    acl m method GET HEAD\n"
                                             "    acl found req.hdr(x-debug) -m found\n"
                                             "    acl low req.hdr(host),lower -m beg www.\n"
                                             "    acl api path_beg /internal/\n");

        ck_assert(match(acl(px, "api"), str("/api/users")));
        ck_assert(match(acl(px, "api"), str("/v2/x")));
        /* a second "acl api" line is ORed with the first */
        ck_assert(match(acl(px, "api"), str("/internal/x")));
        ck_assert(!match(acl(px, "api"), str("/ap")));
        ck_assert(match(acl(px, "img"), str("/a/b.PNG")));
        ck_assert(match(acl(px, "img"), str("/a/b.jpg")));
        ck_assert(!match(acl(px, "img"), str("/a/b.gif")));
        ck_assert(match(acl(px, "adm"), str("/x/administrator")));
        ck_assert(!match(acl(px, "adm"), str("/x/ADMIN")));
        ck_assert(match(acl(px, "exact"), str("/index.html")));
        ck_assert(!match(acl(px, "exact"), str("/index.html?x")));
        ck_assert(match(acl(px, "host"), str("EXAMPLE.com")));
        ck_assert(match(acl(px, "dir"), str("/static/images/a.png")));
        ck_assert(!match(acl(px, "dir"), str("/static/images2/a.png")));
        ck_assert(match(acl(px, "dom"), str("www.example.com")));
        ck_assert(!match(acl(px, "dom"), str("www.example.community")));
        ck_assert(match(acl(px, "short"), str("/ab")));
        ck_assert(!match(acl(px, "short"), str("/abc")));
        ck_assert(match(acl(px, "re"), str("/u/123")));
        ck_assert(!match(acl(px, "re"), str("/u/12a")));
        ck_assert(match(acl(px, "m"), str("HEAD")));
        ck_assert(!match(acl(px, "m"), str("head")));
        ck_assert(match(acl(px, "found"), str("")));
        ck_assert_int_eq(acl(px, "low")->exprs[0]->smp.n_convs, 1);
        ck_assert_int_eq(acl(px, "low")->exprs[0]->smp.dir, CFG_DIR_REQ);
        ck_assert_int_eq(acl(px, "host")->exprs[0]->smp.dir, CFG_DIR_CTX);
        ck_assert_str_eq(acl(px, "host")->exprs[0]->smp.arg, "host");
}
END_TEST

START_TEST(test_int_and_ip)
{
        const struct cfg_proxy *px = load_px("frontend f\n"
                                             "    bind :80\n"
                                             "    acl p dst_port 80 443 8000:8080\n"
                                             "    acl hi dst_port ge 1024\n"
                                             "    acl gt dst_port gt 10 lt 5\n"
                                             "    acl lan src 10.0.0.0/8 192.168.1.0/255.255.255.0 "
                                             "2001:db8::/32 127.0.0.1\n"
                                             "    acl tls ssl_fc\n"
                                             "    acl v req.ssl_ver 3.1-3.2 ge 3.4\n"
                                             "    acl raw req.ssl_ver -m int 3\n");

        ck_assert(match(acl(px, "p"), integer(443)));
        ck_assert(match(acl(px, "p"), integer(8042)));
        ck_assert(!match(acl(px, "p"), integer(8081)));
        ck_assert(match(acl(px, "hi"), integer(1024)));
        ck_assert(!match(acl(px, "hi"), integer(1023)));
        ck_assert(match(acl(px, "gt"), integer(11)));
        ck_assert(match(acl(px, "gt"), integer(4)));
        ck_assert(!match(acl(px, "gt"), integer(7)));
        ck_assert(match(acl(px, "lan"), ip("10.1.2.3")));
        ck_assert(match(acl(px, "lan"), ip("192.168.1.200")));
        ck_assert(!match(acl(px, "lan"), ip("192.168.2.1")));
        ck_assert(match(acl(px, "lan"), ip("2001:db8:1::5")));
        ck_assert(match(acl(px, "lan"), ip("127.0.0.1")));
        ck_assert(!match(acl(px, "lan"), ip("127.0.0.2")));
        /* IPv4-mapped IPv6 client addresses match IPv4 networks */
        ck_assert(match(acl(px, "lan"), ip("::ffff:10.9.9.9")));
        ck_assert(match(acl(px, "tls"), integer(1)));
        ck_assert(!match(acl(px, "tls"), integer(0)));
        /* req.ssl_ver's own patterns are dotted versions: major * 65536 + minor */
        ck_assert(match(acl(px, "v"), integer(0x30001)));
        ck_assert(match(acl(px, "v"), integer(0x30002)));
        ck_assert(!match(acl(px, "v"), integer(0x30003)));
        ck_assert(match(acl(px, "v"), integer(0x30004)));
        ck_assert(match(acl(px, "raw"), integer(3)));
}
END_TEST

static bool truth[8];

static bool acl_value(void *data, const struct cfg_acl *a)
{
        const struct cfg_proxy *px = data;

        for (size_t i = 0; i < px->n_acls; i++)
                if (px->acls[i] == a)
                        return truth[i];
        ck_abort_msg("condition refers to an ACL outside its proxy");
        return false;
}

START_TEST(test_conditions)
{
        const struct cfg_proxy *px = load_px("frontend f\n"
                                             "    bind :80\n"
                                             "    mode http\n"
                                             "    acl a path /a\n"
                                             "    acl b path /b\n"
                                             "    acl c path /c\n"
                                             "    use_backend x if a b || !c\n"
                                             "    use_backend y unless a or b\n"
                                             "    use_backend z if { path_beg /z } !a\n"
                                             "    default_backend x\n"
                                             "backend x\n    mode http\n"
                                             "backend y\n    mode http\n"
                                             "backend z\n    mode http\n");
        const struct cfg_cond *c1, *c2, *c3;

        ck_assert_uint_eq(px->n_use_backend, 3);
        c1 = px->use_backend[0].cond;
        c2 = px->use_backend[1].cond;
        c3 = px->use_backend[2].cond;
        ck_assert_ptr_eq(px->use_backend[0].backend, gen->proxies[1]);
        ck_assert_uint_eq(c1->n_ands, 2);
        ck_assert_uint_eq(c1->ands[0].n_terms, 2);
        ck_assert(c1->ands[1].terms[0].negate);
        /* a, b, c: truth[0..2]; the anonymous ACL is truth[3] */
        memset(truth, 0, sizeof(truth));
        ck_assert(cfg_cond_eval(c1, acl_value, (void *)px)); /* !c */
        truth[2] = true;
        ck_assert(!cfg_cond_eval(c1, acl_value, (void *)px));
        truth[0] = truth[1] = true;
        ck_assert(cfg_cond_eval(c1, acl_value, (void *)px));
        ck_assert(c2->unless);
        ck_assert(!cfg_cond_eval(c2, acl_value, (void *)px));
        truth[0] = truth[1] = false;
        ck_assert(cfg_cond_eval(c2, acl_value, (void *)px));
        ck_assert_uint_eq(px->n_acls, 4);
        ck_assert_ptr_null(px->acls[3]->name);
        truth[3] = true;
        ck_assert(cfg_cond_eval(c3, acl_value, (void *)px));
        truth[0] = true;
        ck_assert(!cfg_cond_eval(c3, acl_value, (void *)px));
        ck_assert(cfg_cond_eval(NULL, acl_value, (void *)px));
}
END_TEST

/* A TCP frontend may use HTTP backends (the connection is upgraded to HTTP); an HTTP
 * frontend may not use a TCP backend (expected errors in test_rule_errors). */
START_TEST(test_tcp_frontend_http_backend)
{
        const struct cfg_proxy *px = load_px("defaults\n    mode http\n"
                                             "frontend f\n    mode tcp\n    bind :80\n"
                                             "    use_backend h if { req.proto_http }\n"
                                             "    default_backend t\n"
                                             "backend h\n"
                                             "backend t\n    mode tcp\n");

        ck_assert_uint_eq(px->n_use_backend, 1);
        ck_assert_ptr_eq(px->use_backend[0].backend, gen->proxies[1]);
        ck_assert_int_eq(gen->proxies[1]->mode, CFG_MODE_HTTP);
        ck_assert_ptr_eq(px->default_backend, gen->proxies[2]);
        ck_assert_int_eq(gen->proxies[2]->mode, CFG_MODE_TCP);
}
END_TEST

START_TEST(test_predefined_acls)
{
        const struct cfg_proxy *px = load_px("frontend f\n"
                                             "    bind :80\n"
                                             "    mode http\n"
                                             "    http-request deny if !METH_GET\n"
                                             "    http-request allow if LOCALHOST\n"
                                             "    http-request deny if METH_GET FALSE\n");

        ck_assert(match(acl(px, "METH_GET"), str("HEAD")));
        ck_assert(!match(acl(px, "METH_GET"), str("POST")));
        ck_assert(match(acl(px, "LOCALHOST"), ip("127.3.4.5")));
        ck_assert(match(acl(px, "LOCALHOST"), ip("::1")));
        /* each predefined ACL is built once per proxy */
        ck_assert_uint_eq(px->n_acls, 3);
}
END_TEST

START_TEST(test_http_rules)
{
        const struct cfg_proxy *px = load_px(
                "frontend f\n"
                "    bind :80\n"
                "    mode http\n"
                "    acl blocked src 192.0.2.0/24\n"
                "    http-request deny deny_status 429 if blocked\n"
                "    http-request return status 200 content-type text/plain string \"ok\\n\" "
                "hdr X-Served-By sluice if { path /health }\n"
                "    http-request redirect scheme https code 301 unless { ssl_fc }\n"
                "    http-request redirect location /new drop-query if { path /old }\n"
                "    http-request set-header X-Client-IP %[src]\n"
                "    http-request add-header X-Via \"sluice %[req.hdr(host),lower] %%\"\n"
                "    http-request del-header X-Forwarded-For\n"
                "    http-request del-header ^x-debug- -m reg\n"
                "    http-request set-path /v2%[path]\n"
                "    http-request allow\n"
                "    http-response set-header Cache-Control no-store if { status 200 }\n"
                "    http-response del-header Server\n"
                "    log-format \"%ci:%cp [%tr] %ft %b/%s %{+Q}r %ST %B\"\n");
        const struct cfg_http_rule *r = px->http_req;

        ck_assert_uint_eq(px->n_http_req, 10);
        ck_assert_int_eq(r[0].act, CFG_ACT_DENY);
        ck_assert_uint_eq(r[0].reply.status, 429);
        ck_assert_int_eq(r[0].reply.kind, CFG_REPLY_ERRORFILE);
        ck_assert_ptr_nonnull(r[0].cond);
        ck_assert_int_eq(r[1].act, CFG_ACT_RETURN);
        ck_assert_uint_eq(r[1].reply.status, 200);
        ck_assert_str_eq(r[1].reply.content_type, "text/plain");
        ck_assert_str_eq(r[1].reply.body, "ok\n");
        ck_assert_uint_eq(r[1].reply.n_hdrs, 1);
        ck_assert_str_eq(r[1].reply.hdrs[0].name, "X-Served-By");
        ck_assert_int_eq(r[2].act, CFG_ACT_REDIRECT);
        ck_assert_int_eq(r[2].redir, CFG_REDIR_SCHEME);
        ck_assert_uint_eq(r[2].redir_code, 301);
        ck_assert(r[2].cond->unless);
        ck_assert_uint_eq(r[3].redir_flags, CFG_REDIR_F_DROP_QUERY);
        ck_assert_uint_eq(r[3].redir_code, 302);
        ck_assert_int_eq(r[4].act, CFG_ACT_SET_HEADER);
        ck_assert_str_eq(r[4].hdr_name, "X-Client-IP");
        ck_assert_uint_eq(r[4].fmt.n_nodes, 1);
        ck_assert_int_eq(r[4].fmt.nodes[0].kind, CFG_FMT_SAMPLE);
        ck_assert_int_eq(r[4].fmt.nodes[0].smp.fetch, CFG_FETCH_SRC);
        ck_assert(!r[4].fmt.constant);
        /* "sluice ", sample, " %" */
        ck_assert_uint_eq(r[5].fmt.n_nodes, 3);
        ck_assert_int_eq(r[5].fmt.nodes[1].smp.convs[0].conv, CFG_CONV_LOWER);
        ck_assert_int_eq(r[5].fmt.nodes[2].lit.len, 2);
        ck_assert_int_eq(memcmp(r[5].fmt.nodes[2].lit.ptr, " %", 2), 0);
        ck_assert_int_eq(r[6].act, CFG_ACT_DEL_HEADER);
        ck_assert_int_eq(r[6].del_match, CFG_MATCH_STR);
        ck_assert_int_eq(r[7].del_match, CFG_MATCH_REG);
        ck_assert_ptr_nonnull(r[7].del_re);
        ck_assert_int_eq(r[8].act, CFG_ACT_SET_PATH);
        ck_assert_int_eq(r[9].act, CFG_ACT_ALLOW);
        ck_assert_ptr_null(r[9].cond);
        ck_assert_uint_eq(px->n_http_res, 2);
        ck_assert_ptr_nonnull(px->log_format);
        ck_assert_int_eq(px->log_format->nodes[0].kind, CFG_FMT_VAR);
        ck_assert_int_eq(px->log_format->nodes[0].var, CFG_LV_ci);
        ck_assert_str_eq(cfg_log_var_name(px->log_format->nodes[2].var), "cp");
}
END_TEST

START_TEST(test_rule_errors)
{
        expect_error("frontend f\n    acl a path_beg\n", 2, "at least one pattern");
        expect_error("frontend f\n    acl a pth_beg /x\n", 2, "did you mean 'path_beg'?");
        expect_error("frontend f\n    acl a lat_ns_avg gt 1\n", 2,
                     "sample fetch 'lat_ns_avg' is a HAProxy keyword that sluice does not");
        expect_error("frontend f\n    acl a sc_http_req_rate gt 10\n", 2,
                     "needs the counter number");
        expect_error("frontend f\n    acl a sc3_http_req_rate gt 10\n", 2,
                     "unknown sample fetch 'sc3_http_req_rate'");
        expect_error("frontend f\n    acl a src_http_req_rate gt 10\n", 2,
                     "has no stick-table: name one with 'table <name>'");
        expect_error("frontend f\n    acl a sc0_conn_cur(nosuch) gt 10\n", 2,
                     "no stick-table named 'nosuch'");
        expect_error("frontend f\n    mode http\n    http-request track-sc0 src table t\n", 3,
                     "no stick-table named 't'");
        expect_error("frontend f\n    tcp-request connection track-sc0 path\n", 2,
                     "'path' is not known yet when this rule runs");
        expect_error("frontend f\n    tcp-request connection sc-inc-gpc0(3)\n", 2,
                     "expected 'sc-inc-gpc0(<0..2>)'");
        expect_error("frontend f\n    tcp-request connection set-mark 1\n", 2,
                     "'tcp-request connection set-mark' is a HAProxy keyword");
        expect_error("frontend f\n    stick-table type ip size 10 store http_req_rate\n", 2,
                     "'http_req_rate' needs a period");
        expect_error("frontend f\n    stick-table type ip len 4 size 10\n", 2,
                     "'len' applies to string and binary keys only");
        expect_error("frontend f\n    stick-table type ip\n", 2, "'size <size>' is required");
        expect_error("backend b\n    cookie\n", 2, "'cookie' needs a cookie name");
        expect_error("frontend f\n    acl a src,table_http_req_rate gt 1\n", 2, "needs a table");
        expect_error("frontend f\n    acl a src,table_expire(f) gt 1\n", 2,
                     "in 'src,table_expire(f)': converter 'table_expire' is a HAProxy "
                     "keyword that sluice does not support yet");
        expect_error("frontend f\n    acl a src,table_conn_cur(nosuch) gt 1\n", 2,
                     "no stick-table named 'nosuch'");
        expect_error("defaults\n    log-format %[src_conn_cur]\n", 2,
                     "needs a table name in a defaults section");
        expect_error("backend b\n    cookie S insert maxidle 1h\n", 2,
                     "'maxidle' is a HAProxy keyword that sluice does not support yet");
        expect_error("backend b\n    cookie S insert prefix\n", 2,
                     "only one of rewrite, insert and prefix");
        expect_error("backend b\n    cookie S indirect\n", 2, "need a mode");
        expect_error("backend b\n    server s 127.0.0.1:1 cookie\n", 2,
                     "server option 'cookie' needs a value");
        expect_error("backend b\n    server s 127.0.0.1:1 cookie a;b\n", 2,
                     "server option 'cookie' needs a value");
        expect_error("backend b\n    stick on src\n", 2, "backend 'b' has no stick-table");
        expect_error("defaults\n    stick on src\n", 2, "is not allowed in a 'defaults' section");
        expect_error("frontend f\n    stick-table type ip size 1\n    stick-table type ip size "
                     "1\n",
                     3, "already has a stick-table");
        expect_error("frontend f\n    acl a path -m bogus x\n", 2, "unknown match method 'bogus'");
        expect_error("frontend f\n    acl a path -f /nonexistent/list\n", 2,
                     "cannot open pattern file '/nonexistent/list'");
        expect_error("frontend f\n    acl a path -u 1 x\n", 2,
                     "'-u' is a HAProxy keyword that sluice does not support yet");
        expect_error("frontend f\n    acl a src 10.0.0.0/33\n", 2, "invalid prefix length");
        expect_error("frontend f\n    acl a src example.com\n", 2, "host names are not resolved");
        /* an address is matched as text by a string method (HAProxy casts it) */
        expect_error("frontend f\n    acl a src -m ip x\n", 2, "invalid address 'x'");
        expect_error("frontend f\n    acl a ssl_fc -m ip 10.0.0.1\n", 2,
                     "match method 'ip' does not apply to 'ssl_fc', which returns a boolean");
        expect_error("frontend f\n    acl a dst_port 5:1\n", 2, "empty integer range");
        expect_error("frontend f\n    acl a path_reg ^(\n", 2, "invalid regular expression");
        expect_error("frontend f\n    acl a ssl_fc yes\n", 2, "takes no pattern");
        expect_error("frontend f\n    acl a hdr host\n", 2, "needs a header name");
        expect_error("frontend f\n    acl a hdr(host),ungrpc(1) x\n", 2,
                     "in 'hdr(host),ungrpc(1)': converter 'ungrpc' is a HAProxy keyword that "
                     "sluice does not support yet");
        expect_error("frontend f\n    acl a hdr(host),lowr x\n", 2,
                     "in 'hdr(host),lowr': unknown converter 'lowr'; did you mean 'lower'?");
        expect_error("frontend f\n    acl a/b path /\n", 2, "invalid character in ACL name");
        expect_error("frontend f\n    mode http\n    use_backend b if nope\nbackend b\n", 3,
                     "no ACL named 'nope'");
        expect_error("frontend f\n    mode http\n    use_backend b if RDP_COOKY\nbackend b\n", 3,
                     "no ACL named 'RDP_COOKY'");
        expect_error("frontend f\n    mode http\n    use_backend b if { path /x\nbackend b\n", 3,
                     "missing '}'");
        expect_error("frontend f\n    mode http\n    use_backend b if || a\nbackend b\n", 3,
                     "needs a condition on both sides");
        expect_error("frontend f\n    mode http\n    use_backend b if\nbackend b\n", 3,
                     "'if' needs a condition");
        expect_error("frontend f\n    mode http\n    use_backend nope\n", 3,
                     "no backend named 'nope'");
        expect_error("frontend f\n    mode http\n    use_backend b\nbackend b\n    mode tcp\n", 3,
                     "cannot use backend 'b', which is in mode tcp");
        expect_error("frontend f\n    mode http\n    http-request dney\n", 3,
                     "did you mean 'deny'?");
        expect_error("frontend f\n    mode http\n    http-request set-mark 1\n", 3,
                     "'http-request set-mark' is a HAProxy keyword");
        expect_error("frontend f\n    mode http\n    http-response tarpit\n", 3,
                     "'tarpit' is not an http-response action");
        expect_error("frontend f\n    mode http\n    http-request tarpit deny_status 99\n", 3,
                     "status");
        expect_error("frontend f\n    mode http\n    http-request tarpit string x\n", 3,
                     "a body needs a 'content-type'");
        expect_error("frontend f\n    mode http\n    http-response set-path /x\n", 3,
                     "'set-path' is not an http-response action");
        expect_error("frontend f\n    mode http\n    http-request set-header X\n", 3,
                     "expected 'set-header <name> <value>'");
        expect_error("frontend f\n    mode http\n    http-request set-header Bad:Name x\n", 3,
                     "invalid header name");
        expect_error("frontend f\n    mode http\n    http-request set-header X %[nope]\n", 3,
                     "unknown sample fetch 'nope'");
        expect_error("frontend f\n    mode http\n    http-request set-header X %[src\n", 3,
                     "missing ']'");
        expect_error("frontend f\n    mode http\n    http-request set-header X 100%\n", 3,
                     "'%' must be followed by");
        expect_error("frontend f\n    mode http\n    log-format \"%ci %zz\"\n", 3,
                     "unknown log-format variable '%zz'");
        expect_error("frontend f\n    mode http\n    log-format \"%{+Z}r\"\n", 3,
                     "unknown format flag '+Z'");
        expect_error("frontend f\n    mode http\n    http-request return string x\n", 3,
                     "a body needs a 'content-type'");
        expect_error("frontend f\n    mode http\n    http-request return status 99\n", 3,
                     "out of range");
        expect_error("frontend f\n    mode http\n    http-request redirect location /x code 304\n",
                     3, "expected 301, 302, 303, 307 or 308");
        expect_error("frontend f\n    mode http\n    http-request redirect to /x\n", 3,
                     "unexpected 'to'");
        expect_error("frontend f\n    mode http\n    http-request allow now\n", 3,
                     "'allow' takes no argument");
        expect_error("frontend f\n    mode http\n    http-request return status 200 file "
                     "/nonexistent content-type text/plain\n",
                     3, "cannot open '/nonexistent'");
}
END_TEST

static void teardown(void)
{
        gen = cfg_gen_unref(gen);
        cfg_diags_clear(&cfgtest_diags);
}

int main(void)
{
        Suite *s = suite_create("config/acl");
        TCase *tc = tcase_create("acl");
        TCase *rules = tcase_create("rules");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_checked_fixture(rules, NULL, teardown);
        tcase_add_test(tc, test_string_methods);
        tcase_add_test(tc, test_int_and_ip);
        tcase_add_test(tc, test_conditions);
        tcase_add_test(tc, test_predefined_acls);
        tcase_add_test(tc, test_tcp_frontend_http_backend);
        tcase_add_test(rules, test_http_rules);
        tcase_add_test(rules, test_rule_errors);
        suite_add_tcase(s, tc);
        suite_add_tcase(s, rules);
        return unit_run(s);
}
