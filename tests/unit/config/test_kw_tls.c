/* The TLS keywords (config/kw_tls.c, tls_finish.c, crt_list.c): parsing, ssl-default-* and
 * crt-list lines settled at the end of the load, no-tlsv1x folded as HAProxy 2.6 folds them,
 * paths joined to crt-base / ca-base, the errors at their lines (crt-list errors at the
 * crt-list file's own), default-server inheritance and the dump's round trip. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgtest.h"
#include "crt_list.h"
#include "dump.h"
#include "load.h"
#include "model.h"
#include "unit.h"

static char dir[64]; /* a temporary directory with crt-list files and a certificate folder */

static struct cfg_gen *load_ok(const char *text)
{
        return cfgtest_load_ok(text, NULL);
}

/* The load fails with an error in @file (NULL: t.cfg) at @line containing @msg. */
static void expect_error_in(const char *text, const char *file, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, NULL, file, line, msg);
}

static void expect_error(const char *text, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, NULL, NULL, line, msg);
}

static bool has_warning(unsigned line, const char *msg)
{
        return cfgtest_has(CFG_SEV_WARNING, NULL, line, msg);
}

/* The bind of a one-frontend configuration whose bind line is "bind :443 @opts". */
static struct cfg_gen *load_bind(const char *global, const char *opts)
{
        char text[2048];

        snprintf(text, sizeof(text), "global\n%s\nfrontend f\n    bind :443 %s\n", global, opts);
        return load_ok(text);
}

static const struct cfg_bind_tls *bind_tls(const struct cfg_gen *g)
{
        return &cfgtest_proxy(g, "f")->binds[0].tls;
}

static void write_file(const char *name, const char *text)
{
        cfgtest_write(dir, name, text);
}

/* Dumping, loading the dump and dumping again gives the same text. */
static void round_trip(const struct cfg_gen *g)
{
        char *d1 = cfgtest_dump(g), *d2;
        struct cfg_gen *g2 = load_ok(d1);

        d2 = cfgtest_dump(g2);
        ck_assert_str_eq(d1, d2);
        free(d1);
        free(d2);
        cfg_gen_unref(g2);
}

START_TEST(test_bind_options)
{
        struct cfg_gen *g =
                load_bind("", "ssl crt /c/a.pem crt /c/b.pem alpn h2,http/1.1 "
                              "ciphers ECDHE+AESGCM ciphersuites TLS_AES_128_GCM_SHA256 "
                              "sigalgs RSA+SHA256 strict-sni tls-ticket-keys /k/t.key "
                              "verify optional ca-file /ca/ca.pem crl-file /ca/crl.pem "
                              "no-tls-tickets prefer-client-ciphers");
        const struct cfg_bind_tls *t = bind_tls(g);

        ck_assert(t->ssl && t->strict_sni);
        ck_assert_uint_eq(t->n_certs, 2);
        ck_assert_str_eq(t->certs[0].path, "/c/a.pem");
        ck_assert_str_eq(t->certs[1].path, "/c/b.pem");
        ck_assert_ptr_null(t->certs[0].list);
        ck_assert_ptr_null(t->certs[0].opts);
        ck_assert_uint_eq(t->certs[0].where.line, 4);
        ck_assert_str_eq(t->opts.alpn, "h2,http/1.1");
        ck_assert_str_eq(t->opts.ciphers, "ECDHE+AESGCM");
        ck_assert_str_eq(t->opts.ciphersuites, "TLS_AES_128_GCM_SHA256");
        ck_assert_str_eq(t->opts.sigalgs, "RSA+SHA256");
        ck_assert_str_eq(t->ticket_keys, "/k/t.key");
        ck_assert_uint_eq(t->opts.verify, CFG_TLS_VERIFY_OPTIONAL);
        ck_assert_str_eq(t->opts.ca_file, "/ca/ca.pem");
        ck_assert_str_eq(t->opts.crl_file, "/ca/crl.pem");
        ck_assert(t->opts.no_tls_tickets && t->opts.prefer_client_ciphers);
        /* HAProxy 2.6's default minimum, nothing at the top */
        ck_assert_uint_eq(t->opts.min_ver, CFG_TLS_VER_TLS12);
        ck_assert_uint_eq(t->opts.max_ver, CFG_TLS_VER_UNSET);
        round_trip(g);
        cfg_gen_unref(g);

        /* ecdhe is the curve only when no list is given, wherever it is written */
        g = load_bind("", "ssl crt /c/a.pem ecdhe prime256v1");
        ck_assert_str_eq(bind_tls(g)->opts.curves, "prime256v1");
        ck_assert_ptr_null(bind_tls(g)->opts.ecdhe);
        cfg_gen_unref(g);
        g = load_bind("", "ssl crt /c/a.pem ecdhe prime256v1 curves X25519");
        ck_assert_str_eq(bind_tls(g)->opts.curves, "X25519");
        cfg_gen_unref(g);
        g = load_bind("    ssl-default-bind-curves X448", "ssl crt /c/a.pem ecdhe prime256v1");
        ck_assert_str_eq(bind_tls(g)->opts.curves, "X448");
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_bind_errors)
{
        expect_error("frontend f\n    bind :443 ssl\n", 2,
                     "frontend 'f': no SSL certificate specified for this bind (use 'crt')");
        expect_error("frontend f\n    bind :443 ssl crt /c/a.pem verify required\n", 2,
                     "verify is enabled but no CA file specified for this bind");
        expect_error("frontend f\n    bind :443 ssl crt /c/a.pem verify optional\n", 2,
                     "verify is enabled but no CA file specified");
        expect_error("frontend f\n    bind :443 ssl crt /c/a.pem verify maybe\n", 2,
                     "verify: expected none, optional or required, not 'maybe'");
        expect_error("frontend f\n    bind :443 ssl crt /c/a.pem ssl-min-ver TLSv1.4\n", 2,
                     "'TLSv1.4' : unknown ssl/tls version");
        expect_error("frontend f\n    bind :443 ssl crt /c/a.pem ciphers\n", 2,
                     "'ciphers' needs an argument");
        expect_error("frontend f\n    bind :443 ssl crt\n", 2, "'crt' needs a file");
        expect_error("frontend f\n    bind :443 ssl crt /c/a.pem ecdhe\n", 2,
                     "'ecdhe' needs an argument");
        expect_error("frontend f\n    bind :443 ssl crt /c/a.pem npn http/1.1\n", 2,
                     "'npn' is a HAProxy keyword that sluice does not support yet");
        expect_error("frontend f\n    bind :443 ssl crt /c/a.pem generate-certificates\n", 2,
                     "'generate-certificates' is a HAProxy keyword that sluice does not "
                     "support yet");
        /* servers only */
        expect_error("frontend f\n    bind :443 ssl crt /c/a.pem tls-tickets\n", 2, "tls-tickets");
}
END_TEST

/* no-sslv3 / no-tlsv1x / force-* folded into min_ver..max_ver as HAProxy 2.6 does. */
START_TEST(test_version_folding)
{
        static const struct {
                const char *global, *opts;
                unsigned min, max;
        } cases[] = {
                {"", "no-tlsv10", CFG_TLS_VER_TLS12, 0},
                {"", "no-tlsv12", CFG_TLS_VER_TLS13, 0},
                {"", "no-tlsv13", CFG_TLS_VER_TLS12, CFG_TLS_VER_TLS12},
                {"", "force-tlsv11", CFG_TLS_VER_TLS11, CFG_TLS_VER_TLS11},
                {"", "force-tlsv13", CFG_TLS_VER_TLS13, CFG_TLS_VER_TLS13},
                {"", "ssl-min-ver TLSv1.0 no-tlsv11", CFG_TLS_VER_TLS10, 0},
                {"", "ssl-min-ver TLSv1.3", CFG_TLS_VER_TLS13, 0},
                {"", "ssl-max-ver TLSv1.2", CFG_TLS_VER_TLS12, CFG_TLS_VER_TLS12},
                {"", "ssl-max-ver TLSv1.1", CFG_TLS_VER_TLS11, CFG_TLS_VER_TLS11},
                {"    ssl-default-bind-options no-tlsv13", "", CFG_TLS_VER_TLS12,
                 CFG_TLS_VER_TLS12},
                {"    ssl-default-bind-options ssl-min-ver TLSv1.3", "", CFG_TLS_VER_TLS13, 0},
                {"    ssl-default-bind-options ssl-min-ver TLSv1.3", "ssl-min-ver TLSv1.1",
                 CFG_TLS_VER_TLS11, 0},
        };
        char opts[256];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct cfg_gen *g;

                snprintf(opts, sizeof(opts), "ssl crt /c/a.pem %s", cases[i].opts);
                g = load_bind(cases[i].global, opts);
                ck_assert_msg(bind_tls(g)->opts.min_ver == cases[i].min &&
                                      bind_tls(g)->opts.max_ver == cases[i].max,
                              "'%s' '%s': %u..%u", cases[i].global, cases[i].opts,
                              bind_tls(g)->opts.min_ver, bind_tls(g)->opts.max_ver);
                ck_assert_uint_eq(bind_tls(g)->opts.no_vers, 0);
                round_trip(g);
                cfg_gen_unref(g);
        }
        /* the no-* words are ignored beside a version set, with HAProxy's warning */
        cfg_gen_unref(load_bind("", "ssl crt /c/a.pem no-tlsv12 ssl-min-ver TLSv1.2"));
        ck_assert(has_warning(4, "no-sslv3/no-tlsv1x are ignored for this bind"));
        cfg_gen_unref(load_bind("", "ssl crt /c/a.pem ssl-max-ver TLSv1.1"));
        ck_assert(has_warning(4, "Setting the ssl-min-ver to TLSv1.1"));
        expect_error("frontend f\n    bind :443 ssl crt /c/a.pem no-tlsv12 no-tlsv13\n", 2,
                     "frontend 'f': all SSL/TLS versions are disabled for this bind");
        expect_error("frontend f\n    bind :443 ssl crt /c/a.pem ssl-min-ver TLSv1.3 "
                     "ssl-max-ver TLSv1.2\n",
                     2, "all SSL/TLS versions are disabled");
        expect_error("global\n    ssl-default-bind-options no-tlsv13\nfrontend f\n"
                     "    bind :443 ssl crt /c/a.pem no-tlsv12\n",
                     4, "all SSL/TLS versions are disabled");
}
END_TEST

START_TEST(test_defaults_and_paths)
{
        struct cfg_gen *g;
        const struct cfg_proxy *px;
        const struct cfg_bind_tls *t;

        g = load_ok("global\n"
                    "    crt-base /etc/crt\n"
                    "    ca-base /etc/ca\n"
                    "    ssl-default-bind-ciphers DEFAULT-B\n"
                    "    ssl-default-bind-ciphersuites TLS_AES_256_GCM_SHA384\n"
                    "    ssl-default-bind-options no-tls-tickets prefer-client-ciphers\n"
                    "    ssl-default-server-ciphers DEFAULT-S\n"
                    "    ssl-default-server-options no-tls-tickets ssl-max-ver TLSv1.2\n"
                    "frontend f\n"
                    "    bind :443 ssl crt site.pem crt /abs/site.pem ca-file ca.pem crl-file "
                    "/abs/crl.pem verify required ciphers OWN\n"
                    "    bind :80\n"
                    "    default_backend b\n"
                    "backend b\n"
                    "    server s 127.0.0.1:443 ssl ca-file sub/ca.pem crt client.pem\n"
                    "    server plain 127.0.0.1:80\n");
        t = bind_tls(g);
        ck_assert_str_eq(t->certs[0].path, "/etc/crt/site.pem");
        ck_assert_str_eq(t->certs[1].path, "/abs/site.pem");
        ck_assert_str_eq(t->opts.ca_file, "/etc/ca/ca.pem");
        ck_assert_str_eq(t->opts.crl_file, "/abs/crl.pem");
        /* the bind's own wins, the defaults fill the rest */
        ck_assert_str_eq(t->opts.ciphers, "OWN");
        ck_assert_str_eq(t->opts.ciphersuites, "TLS_AES_256_GCM_SHA384");
        ck_assert(t->opts.no_tls_tickets && t->opts.prefer_client_ciphers);
        /* a bind without ssl gets nothing */
        ck_assert_ptr_null(cfgtest_proxy(g, "f")->binds[1].tls.opts.ciphers);
        px = cfgtest_proxy(g, "b");
        ck_assert_str_eq(px->servers[0].opts.tls.opts.ca_file, "/etc/ca/sub/ca.pem");
        ck_assert_str_eq(px->servers[0].opts.tls.crt, "/etc/crt/client.pem");
        ck_assert_str_eq(px->servers[0].opts.tls.opts.ciphers, "DEFAULT-S");
        ck_assert_uint_eq(px->servers[0].opts.tls.opts.max_ver, CFG_TLS_VER_TLS12);
        ck_assert(px->servers[0].opts.tls.opts.no_tls_tickets);
        ck_assert_ptr_null(px->servers[1].opts.tls.opts.ciphers);
        round_trip(g);
        cfg_gen_unref(g);

        expect_error("global\n    ssl-default-server-options prefer-client-ciphers\n", 2,
                     "unknown option 'prefer-client-ciphers' on global statement "
                     "'ssl-default-server-options'");
        expect_error("global\n    ssl-default-bind-options tls-tickets\n", 2,
                     "unknown option 'tls-tickets'");
        expect_error("global\n    ssl-default-bind-options\n", 2,
                     "expects an option as an argument");
        expect_error("global\n    ssl-default-bind-options ssl-min-ver\n", 2,
                     "'ssl-min-ver' needs an argument");
        /* HAProxy 2.6 has neither */
        expect_error("global\n    ssl-default-server-curves X25519\n", 2, "");
        expect_error("global\n    ssl-default-server-sigalgs RSA+SHA256\n", 2, "");
        expect_error("global\n    ssl-server-verify sometimes\n", 2, "expected none or required");
        expect_error("global\n    tune.ssl.lifetime 5x\n", 2, "tune.ssl.lifetime");
        expect_error("global\n    tune.ssl.default-dh-param 512\n", 2, "at least 1024");
        expect_error("global\n    tune.ssl.keylog on\n", 2,
                     "'tune.ssl.keylog' is a HAProxy keyword that sluice does not support yet");
}
END_TEST

START_TEST(test_globals)
{
        struct cfg_gen *g = load_ok("global\n"
                                    "    ssl-dh-param-file /d/dh.pem\n"
                                    "    tune.ssl.default-dh-param 4096\n"
                                    "    tune.ssl.cachesize 1000\n"
                                    "    tune.ssl.lifetime 10m\n"
                                    "    maxsslconn 500\n"
                                    "    maxsslrate 50\n"
                                    "    ssl-server-verify none\n");
        const struct cfg_tls_global *t = &g->global.tls;

        ck_assert_str_eq(t->dh_param_file, "/d/dh.pem");
        ck_assert_uint_eq(t->default_dh_param, 4096);
        ck_assert(t->cachesize_set);
        ck_assert_uint_eq(t->cachesize, 1000);
        ck_assert_uint_eq(t->lifetime_s, 600);
        ck_assert_uint_eq(t->maxsslconn, 500);
        ck_assert_uint_eq(t->maxsslrate, 50);
        ck_assert(t->server_verify_none);
        round_trip(g);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_crt_list)
{
        char text[1024], list[256], list2[256];
        struct cfg_gen *g;
        const struct cfg_bind_tls *t;

        write_file("list.txt", "# certificates\n"
                               "\n"
                               "one.pem [alpn h2 ssl-min-ver TLSv1.3 verify required] "
                               "a.example *.b.example !c.b.example\n"
                               "two.pem\n"
                               "/abs/three.pem[ciphers X]\n"
                               "four.pem [] four.example\n"
                               "five.pem d.example # not a comment\n");
        snprintf(list, sizeof(list), "%s/list.txt", dir);
        snprintf(text, sizeof(text),
                 "global\n    crt-base /crt\n    ca-base /ca\nfrontend f\n"
                 "    bind :443 ssl crt-list %s alpn http/1.1 ca-file ca.pem ciphers B\n",
                 list);
        g = load_ok(text);
        t = bind_tls(g);
        ck_assert_uint_eq(t->n_certs, 5);
        ck_assert_str_eq(t->certs[0].path, "/crt/one.pem");
        ck_assert_str_eq(t->certs[0].list, list);
        ck_assert_str_eq(t->certs[0].where.file, list);
        ck_assert_uint_eq(t->certs[0].where.line, 3);
        ck_assert_uint_eq(t->certs[0].n_sni, 3);
        ck_assert_str_eq(t->certs[0].sni[0], "a.example");
        ck_assert_str_eq(t->certs[0].sni[2], "!c.b.example");
        /* the line's options over the bind's */
        ck_assert_str_eq(t->certs[0].opts->alpn, "h2");
        ck_assert_str_eq(t->certs[0].opts->ciphers, "B");
        ck_assert_str_eq(t->certs[0].opts->ca_file, "/ca/ca.pem");
        ck_assert_uint_eq(t->certs[0].opts->min_ver, CFG_TLS_VER_TLS13);
        ck_assert_uint_eq(t->certs[0].opts->verify, CFG_TLS_VERIFY_REQUIRED);
        /* no options: the bind's */
        ck_assert_ptr_null(t->certs[1].opts);
        ck_assert_uint_eq(t->certs[1].n_sni, 0);
        ck_assert_str_eq(t->certs[2].path, "/abs/three.pem");
        ck_assert_str_eq(t->certs[2].opts->ciphers, "X");
        ck_assert_str_eq(t->certs[2].opts->alpn, "http/1.1");
        ck_assert_uint_eq(t->certs[2].opts->min_ver, CFG_TLS_VER_TLS12);
        ck_assert_ptr_nonnull(t->certs[3].opts);
        ck_assert_str_eq(t->certs[3].sni[0], "four.example");
        /* '#' inside a line is part of the words, as in HAProxy */
        ck_assert_uint_eq(t->certs[4].n_sni, 5);
        ck_assert_str_eq(t->certs[4].sni[1], "#");
        round_trip(g);
        cfg_gen_unref(g);

        /* errors at the crt-list file's own lines */
        static const struct {
                const char *line, *msg;
        } bad[] = {
                {"a.pem [alpn h2", "'[' without its ']'"},
                {"a.pem alpn h2]", "']' without '['"},
                {"a.pem [alpn h2] [ciphers X]", "too many '['"},
                {"a.pem [alpn h2]]", "too many ']'"},
                {"[alpn h2] a.pem", "must start with a certificate"},
                {"a.pem x.example [alpn h2]", "'x.example' between the certificate and '['"},
                {"a.pem [alpn]", "'alpn' needs an argument"},
                {"a.pem [verify sometimes]", "verify: expected none, optional or required"},
                {"a.pem [ssl-min-ver TLSv9]", "'TLSv9' : unknown ssl/tls version"},
                {"a.pem [no-tls-tickets]", "crt-list: unknown ssl keyword 'no-tls-tickets'"},
                {"a.pem [no-tlsv10]", "unknown ssl keyword 'no-tlsv10'"},
                {"a.pem [strict-sni]", "unknown ssl keyword 'strict-sni'"},
                {"a.pem [npn h2]", "'npn' is a HAProxy keyword that sluice does not support"},
                {"a.pem [verify required]", "verify is enabled but no CA file specified"},
                {"a.pem [ssl-max-ver TLSv1.1]", "all SSL/TLS versions are disabled"},
        };
        snprintf(list2, sizeof(list2), "%s/bad.txt", dir);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char content[256];

                snprintf(content, sizeof(content), "ok.pem\n# comment\n%s\n", bad[i].line);
                write_file("bad.txt", content);
                snprintf(text, sizeof(text), "frontend f\n    bind :443 ssl crt-list %s\n", list2);
                expect_error_in(text, list2, 3, bad[i].msg);
        }
        expect_error("frontend f\n    bind :443 ssl crt-list /nonexistent/list.txt\n", 2,
                     "crt-list: cannot read '/nonexistent/list.txt'");
        expect_error("frontend f\n    bind :443 ssl crt-list\n", 2, "'crt-list' needs a file");
}
END_TEST

START_TEST(test_crt_list_split)
{
        struct cfg_crt_list_words ws;
        char err[128];
        char l1[] = "a.pem[alpn h2 ]x.example", l2[] = "   ", l3[] = "a.pem b c";

        ck_assert_int_eq(cfg_crt_list_split(l1, &ws, err, sizeof(err)), 0);
        ck_assert_uint_eq(ws.n, 4);
        ck_assert(ws.has_opts);
        ck_assert_str_eq(ws.w[0], "a.pem");
        ck_assert_uint_eq(ws.opt_b, 1);
        ck_assert_uint_eq(ws.opt_e, 3);
        ck_assert_str_eq(ws.w[3], "x.example");
        ck_assert_int_eq(cfg_crt_list_split(l2, &ws, err, sizeof(err)), 0);
        ck_assert_uint_eq(ws.n, 0);
        ck_assert_int_eq(cfg_crt_list_split(l3, &ws, err, sizeof(err)), 0);
        ck_assert(!ws.has_opts);
        ck_assert_uint_eq(ws.opt_e, 1);
        ck_assert_uint_eq(ws.n, 3);
}
END_TEST

/* "crt <dir>": its regular files in name order, without what HAProxy skips. */
START_TEST(test_crt_dir)
{
        char sub[128], text[512], path[256];
        static const char *const files[] = {"b.pem",        "a.pem",      "a.pem.key", "a.pem.ocsp",
                                            "a.pem.issuer", "a.pem.sctl", ".hidden",   "c"};
        struct cfg_gen *g;
        const struct cfg_bind_tls *t;

        snprintf(sub, sizeof(sub), "%s/certs", dir);
        ck_assert_int_eq(mkdir(sub, 0700), 0);
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                snprintf(path, sizeof(path), "certs/%s", files[i]);
                write_file(path, "x");
        }
        snprintf(path, sizeof(path), "%s/certs/subdir", dir);
        ck_assert_int_eq(mkdir(path, 0700), 0);
        snprintf(text, sizeof(text),
                 "global\n    crt-base %s\nfrontend f\n    bind :443 ssl crt certs\n", dir);
        g = load_ok(text);
        t = bind_tls(g);
        ck_assert_uint_eq(t->n_certs, 3);
        snprintf(path, sizeof(path), "%s/certs/a.pem", dir);
        ck_assert_str_eq(t->certs[0].path, path);
        snprintf(path, sizeof(path), "%s/certs/b.pem", dir);
        ck_assert_str_eq(t->certs[1].path, path);
        snprintf(path, sizeof(path), "%s/certs/c", dir);
        ck_assert_str_eq(t->certs[2].path, path);
        round_trip(g);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_servers)
{
        struct cfg_gen *g;
        const struct cfg_proxy *px;
        const struct cfg_server_tls *t;

        g = load_ok("backend b\n"
                    "    default-server ssl ca-file /ca.pem alpn h2 sni req.hdr(host) "
                    "verifyhost app.example no-ssl-reuse ciphers C force-tlsv12 no-tls-tickets\n"
                    "    server s1 127.0.0.1:443\n"
                    "    server s2 127.0.0.1:443 no-ssl\n"
                    "    server s3 127.0.0.1:443 verify none ssl-reuse tls-tickets no-verifyhost "
                    "ssl-max-ver TLSv1.3 crt /c.pem ciphersuites TLS_AES_128_GCM_SHA256\n"
                    "    server s4 127.0.0.1:443 no-tlsv13 ssl-min-ver TLSv1.1\n");
        px = cfgtest_proxy(g, "b");
        t = &px->servers[0].opts.tls;
        ck_assert(t->ssl && t->no_ssl_reuse && t->opts.no_tls_tickets);
        ck_assert_str_eq(t->opts.ca_file, "/ca.pem");
        ck_assert_str_eq(t->opts.alpn, "h2");
        ck_assert_str_eq(t->sni.src, "req.hdr(host)");
        ck_assert_str_eq(t->verifyhost, "app.example");
        ck_assert_uint_eq(t->opts.min_ver, CFG_TLS_VER_TLS12);
        ck_assert_uint_eq(t->opts.max_ver, CFG_TLS_VER_TLS12);
        ck_assert(!px->servers[1].opts.tls.ssl);
        t = &px->servers[2].opts.tls;
        ck_assert(t->ssl && !t->no_ssl_reuse && !t->opts.no_tls_tickets && t->no_verifyhost);
        ck_assert_uint_eq(t->opts.verify, CFG_TLS_VERIFY_NONE);
        ck_assert_uint_eq(t->opts.max_ver, CFG_TLS_VER_TLS13);
        ck_assert_str_eq(t->crt, "/c.pem");
        ck_assert_str_eq(t->opts.ciphersuites, "TLS_AES_128_GCM_SHA256");
        /* force-tlsv12 from default-server, then its own ssl-min-ver */
        t = &px->servers[3].opts.tls;
        ck_assert_uint_eq(t->opts.min_ver, CFG_TLS_VER_TLS11);
        ck_assert_uint_eq(t->opts.max_ver, CFG_TLS_VER_TLS12);
        /* the reload log compares the TLS settings too */
        ck_assert(!cfg_server_opts_eq(&px->servers[0].opts, &px->servers[2].opts));
        ck_assert(!cfg_server_opts_eq(&px->servers[0].opts, &px->servers[1].opts));
        ck_assert(!cfg_server_opts_eq(&px->servers[0].opts, &px->servers[3].opts));
        ck_assert(cfg_server_opts_eq(&px->servers[0].opts, &px->servers[0].opts));
        round_trip(g);
        cfg_gen_unref(g);

        /* a server without ssl needs no CA; ssl-server-verify none: no verification */
        cfg_gen_unref(load_ok("backend b\n    server s 127.0.0.1:443 verify required\n"));
        cfg_gen_unref(load_ok("global\n    ssl-server-verify none\nbackend b\n"
                              "    server s 127.0.0.1:443 ssl\n"));
        cfg_gen_unref(load_ok("backend b\n    default-server ssl verify none\n"
                              "    server s 127.0.0.1:443\n"));
        expect_error("backend b\n    server s 127.0.0.1:443 ssl\n", 2,
                     "'server b/s' : verify is enabled by default but no CA file specified. If "
                     "you're running on a LAN");
        expect_error("backend b\n    default-server ssl\n    server s 127.0.0.1:443 no-ssl\n"
                     "    server t 127.0.0.1:443\n",
                     4, "'server b/t' : verify is enabled by default but no CA file");
        expect_error("global\n    ssl-server-verify none\nbackend b\n"
                     "    server s 127.0.0.1:443 ssl verify required\n",
                     4, "'server b/s' : verify is enabled but no CA file specified.");
        expect_error("backend b\n    server s 127.0.0.1:443 ssl verify optional\n", 2,
                     "verify: expected none or required, not 'optional'");
        /* HAProxy 2.6 alerts and goes on without it */
        g = load_ok("backend b\n    default-server no-tlsv10 ssl verify none\n"
                    "    server s 127.0.0.1:443\n");
        ck_assert(has_warning(2, "'no-tlsv10' option is not accepted in default-server sections"));
        ck_assert_uint_eq(cfgtest_proxy(g, "b")->servers[0].opts.tls.opts.min_ver, 0);
        cfg_gen_unref(g);
        expect_error("backend b\n    server s 127.0.0.1:443 ssl verify none no-tlsv12 "
                     "no-tlsv13 ssl-max-ver TLSv1.0 ssl-min-ver TLSv1.1\n",
                     2, "'server b/s': all SSL/TLS versions are disabled for this server");
        expect_error("backend b\n    server s 127.0.0.1:443 ssl verify none sni\n", 2,
                     "'sni' needs an argument");
        expect_error("backend b\n    server s 127.0.0.1:443 ssl verify none sni nosuchfetch\n", 2,
                     "nosuchfetch");
        /* HAProxy 2.6 has none of these on servers */
        expect_error("backend b\n    server s 127.0.0.1:443 ssl verify none curves X25519\n", 2,
                     "curves");
        expect_error("backend b\n    server s 127.0.0.1:443 ssl verify none ecdhe X25519\n", 2,
                     "ecdhe");
        expect_error("backend b\n    server s 127.0.0.1:443 ssl verify none "
                     "prefer-client-ciphers\n",
                     2, "prefer-client-ciphers");
}
END_TEST

static void setup(void)
{
        snprintf(dir, sizeof(dir), "/tmp/test_kw_tls.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        ck_assert_int_eq(system(cmd), 0);
}

int main(void)
{
        Suite *s = suite_create("config/kw_tls");
        TCase *tc = tcase_create("tls");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_bind_options);
        tcase_add_test(tc, test_bind_errors);
        tcase_add_test(tc, test_version_folding);
        tcase_add_test(tc, test_defaults_and_paths);
        tcase_add_test(tc, test_globals);
        tcase_add_test(tc, test_crt_list);
        tcase_add_test(tc, test_crt_list_split);
        tcase_add_test(tc, test_crt_dir);
        tcase_add_test(tc, test_servers);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
