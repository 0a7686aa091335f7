/* Pattern files and maps: how their lines are read, the indexes that look patterns up
 * (checked against a plain scan with HAProxy's rules of choice on random patterns), and the
 * -f/-M ACL flags and map converters loading real files. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acl.h"
#include "arena.h"
#include "cfgtest.h"
#include "load.h"
#include "macros.h"
#include "model.h"
#include "pat_index.h"
#include "patfile.h"
#include "unit.h"

/* ---- lines ---- */

struct lines {
        char got[16][64];
        unsigned n;
};

static bool collect(void *data, const struct cfg_patfile_line *l)
{
        struct lines *ls = data;

        snprintf(ls->got[ls->n++], sizeof(ls->got[0]), "%u[%.*s][%.*s]", l->line, (int)l->key.len,
                 l->key.ptr, (int)l->value.len, l->value.ptr);
        return true;
}

START_TEST(test_lines)
{
        static const char text[] = "# comment\n"
                                   "  a b  \r\n"
                                   " #x y\n"
                                   "\t\n"
                                   "\n"
                                   "key\tvalue with spaces\t \n"
                                   "lone\n"
                                   "last line";
        struct lines pat = {0}, map = {0};

        ck_assert(cfg_patfile_each(text, strlen(text), false, collect, &pat));
        ck_assert_uint_eq(pat.n, 5);
        /* a pattern keeps its inner and trailing spaces; '#' comments only in column 1 */
        ck_assert_str_eq(pat.got[0], "2[a b  ][]");
        ck_assert_str_eq(pat.got[1], "3[#x y][]");
        ck_assert_str_eq(pat.got[2], "6[key\tvalue with spaces\t ][]");
        ck_assert_str_eq(pat.got[3], "7[lone][]");
        ck_assert_str_eq(pat.got[4], "8[last line][]");
        ck_assert(cfg_patfile_each(text, strlen(text), true, collect, &map));
        ck_assert_uint_eq(map.n, 5);
        ck_assert_str_eq(map.got[0], "2[a][b]");
        ck_assert_str_eq(map.got[1], "3[#x][y]");
        ck_assert_str_eq(map.got[2], "6[key][value with spaces]");
        ck_assert_str_eq(map.got[3], "7[lone][]");
        ck_assert_str_eq(map.got[4], "8[last][line]");
}
END_TEST

/* ---- indexes against a scan ---- */

/* HAProxy's choice by a scan: exact strings and -i prefixes the first in order, prefixes
 * the longest (first of equal ones), addresses the longest prefix of the sample's family. */
static long scan(const struct cfg_acl_expr *e, const struct cfg_smp_value *v)
{
        long best = -1;

        for (size_t i = 0; i < e->n_pats; i++) {
                const struct cfg_pattern *p = &e->pats[i];

                switch (e->match) {
                case CFG_MATCH_STR:
                        if (p->str.len == v->str.len &&
                            (e->icase ? strncasecmp(p->str.ptr, v->str.ptr, v->str.len)
                                      : memcmp(p->str.ptr, v->str.ptr, v->str.len)) == 0)
                                return (long)i;
                        break;
                case CFG_MATCH_BEG:
                        if (p->str.len <= v->str.len &&
                            memcmp(p->str.ptr, v->str.ptr, p->str.len) == 0 &&
                            (best < 0 || p->str.len > e->pats[best].str.len))
                                best = (long)i;
                        break;
                case CFG_MATCH_IP: {
                        unsigned bits = p->prefix;
                        uint8_t m[16] = {0};

                        if (p->family != v->family)
                                break;
                        for (unsigned b = 0; b < bits; b++)
                                m[b / 8] |= (uint8_t)(0x80 >> (b % 8));
                        for (unsigned k = 0; k < (v->family == AF_INET ? 4u : 16u); k++)
                                if ((v->addr[k] & m[k]) != p->addr[k])
                                        goto next;
                        if (best < 0 || p->prefix > e->pats[best].prefix)
                                best = (long)i;
next:
                        break;
                }
                default:
                        break;
                }
        }
        return best;
}

static char words[4000][24];

START_TEST(test_index_as_scan)
{
        struct cfg_arena a = {0};
        enum cfg_match methods[] = {CFG_MATCH_STR, CFG_MATCH_STR, CFG_MATCH_BEG, CFG_MATCH_IP};
        bool icase[] = {false, true, false, false};

        srandom(7);
        for (size_t m = 0; m < SL_ARRAY_SIZE(methods); m++) {
                struct cfg_acl_expr e = {.match = methods[m], .icase = icase[m]};
                size_t n = 2000;

                e.pats = cfg_arena_alloc(&a, n * sizeof(*e.pats));
                ck_assert_ptr_nonnull(e.pats);
                for (size_t i = 0; i < n; i++) {
                        struct cfg_pattern *p = &e.pats[i];

                        if (methods[m] == CFG_MATCH_IP) {
                                p->family = AF_INET;
                                p->prefix = (unsigned)(random() % 33);
                                for (unsigned k = 0; k < 4; k++)
                                        p->addr[k] = (uint8_t)(random() % 4);
                                for (unsigned b = p->prefix; b < 32; b++)
                                        p->addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
                                continue;
                        }
                        /* short words over a small alphabet: many equal and nested ones */
                        size_t len = (size_t)(random() % 6);

                        for (size_t k = 0; k < len; k++)
                                words[i][k] = "abAB"[random() % 4];
                        words[i][len] = '\0';
                        p->str = sl_str_make(words[i], len);
                }
                e.n_pats = n;
                ck_assert(cfg_pat_index_build(&a, e.match, e.icase, e.pats, n, &e.index));
                ck_assert(cfg_pat_index_used(&e.index, e.match));
                for (unsigned t = 0; t < 5000; t++) {
                        struct cfg_smp_value v = {.type = CFG_SMP_STR};
                        char s[16];

                        if (methods[m] == CFG_MATCH_IP) {
                                v.type = CFG_SMP_IP;
                                v.family = AF_INET;
                                for (unsigned k = 0; k < 4; k++)
                                        v.addr[k] = (uint8_t)(random() % 4);
                        } else {
                                size_t len = (size_t)(random() % 8);

                                for (size_t k = 0; k < len; k++)
                                        s[k] = "abAB"[random() % 4];
                                v.str = sl_str_make(s, len);
                        }
                        ck_assert_int_eq(cfg_acl_expr_find(&e, &v), scan(&e, &v));
                }
        }
        cfg_arena_free(&a);
}
END_TEST

/* ---- files ---- */

static char dir[64];

static void write_file(const char *name, const char *text)
{
        cfgtest_write(dir, name, text);
}

static struct cfg_diags diags;
static struct cfg_gen *gen;

static int load(const char *fmt)
{
        char text[2048];

        snprintf(text, sizeof(text), fmt, dir, dir, dir, dir);
        cfg_diags_clear(&diags);
        gen = cfg_gen_unref(gen);
        return cfg_load_text("t.cfg", text, strlen(text), NULL, &gen, &diags);
}

static bool has_error(unsigned line, const char *msg)
{
        for (size_t i = 0; i < diags.n; i++)
                if (diags.v[i].line == line && strstr(diags.v[i].msg, msg))
                        return true;
        for (size_t i = 0; i < diags.n; i++)
                fprintf(stderr, "  got %u: %s\n", diags.v[i].line, diags.v[i].msg);
        return false;
}

static struct cfg_smp_value str(const char *s)
{
        return (struct cfg_smp_value){.type = CFG_SMP_STR, .str = sl_str_from_cstr(s)};
}

START_TEST(test_files)
{
        const struct cfg_acl *acl;
        const struct cfg_conv_call *c;
        struct cfg_smp_value v;

        snprintf(dir, sizeof(dir), "/tmp/sluice-pat.XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(dir));
        write_file("hosts.lst", "# hosts\nwww.example.com\n  api.example.com\n");
        write_file("hosts.map", "www.example.com be_www\napi.example.com   be_api  \n");
        write_file("ports.map", "80 1\n443 2\n");
        ck_assert_int_eq(
                load("frontend f\n    mode http\n    bind :80\n"
                     "    acl h req.hdr(host) -i -f %s/hosts.lst foo\n"
                     "    acl m req.hdr(host) -M -f %s/hosts.map\n"
                     "    http-request set-header x %%[req.hdr(host),map(%s/hosts.map,none)]"
                     "%%[dst_port,map_int_int(%s/ports.map)]\n"),
                0);
        acl = gen->proxies[0]->acls[0];
        ck_assert_uint_eq(acl->exprs[0]->n_pats, 3);
        ck_assert(cfg_acl_expr_match(
                acl->exprs[0], &(struct cfg_smp_value){.type = CFG_SMP_STR,
                                                       .str = SL_STR_LIT("API.example.com")}));
        acl = gen->proxies[0]->acls[1];
        ck_assert_uint_eq(acl->exprs[0]->n_pats, 2);
        v = str("www.example.com");
        ck_assert(cfg_acl_expr_match(acl->exprs[0], &v));
        c = &gen->proxies[0]->http_req[0].fmt.nodes[0].smp.convs[0];
        ck_assert_ptr_nonnull(c->map);
        ck_assert(c->map_has_default);
        ck_assert_int_eq(c->out, CFG_SMP_STR);
        ck_assert_int_eq(cfg_acl_expr_find(&c->map->keys, &v), 0);
        ck_assert_str_eq(c->map->values[1].str.ptr, "be_api");
        c = &gen->proxies[0]->http_req[0].fmt.nodes[1].smp.convs[0];
        ck_assert_int_eq(c->in, CFG_SMP_INT);
        ck_assert_int_eq(c->out, CFG_SMP_INT);
        ck_assert_int_eq(c->map->values[1].i, 2);

        /* errors name the file and its line */
        write_file("bad.lst", "10.0.0.0/8\nnot-an-address\n");
        ck_assert_int_eq(load("frontend f\n    bind :80\n    acl a src -f %s/bad.lst\n"), -EINVAL);
        ck_assert(has_error(3, "bad.lst:2: invalid address 'not-an-address'"));
        write_file("bad.map", "a 1\nb two\n");
        ck_assert_int_eq(load("frontend f\n    mode http\n    bind :80\n"
                              "    http-request set-header x %%[path,map_str_int(%s/bad.map)]\n"),
                         -EINVAL);
        ck_assert(has_error(4, "bad.map:2: invalid integer value 'two'"));
        ck_assert_int_eq(
                load("frontend f\n    mode http\n    bind :80\n"
                     "    http-request set-header x %%[path,map_str_int(%s/hosts.map,x)]\n"),
                -EINVAL);
        ck_assert(has_error(4, "invalid integer value"));
        ck_assert_int_eq(
                load("frontend f\n    mode http\n    bind :80\n"
                     "    http-request set-header x %%[path,map_str_ip(%s/ports.map,1.2.3.4)]\n"),
                -EINVAL);
        ck_assert(has_error(4, "ports.map:1: invalid address value '1'"));
        ck_assert_int_eq(load("frontend f\n    mode http\n    bind :80\n"
                              "    http-request set-header x %%[path,map_bogus(%s/hosts.map)]\n"),
                         -EINVAL);
        ck_assert(has_error(4, "unknown converter 'map_bogus'"));
        ck_assert_int_eq(load("frontend f\n    bind :80\n    acl a src -f %s/missing.lst\n"),
                         -EINVAL);
        ck_assert(has_error(3, "cannot open pattern file"));
}
END_TEST

static void teardown(void)
{
        char cmd[128];

        gen = cfg_gen_unref(gen);
        cfg_diags_clear(&diags);
        if (dir[0]) {
                snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
                ck_assert_int_eq(system(cmd), 0);
                dir[0] = '\0';
        }
}

int main(void)
{
        Suite *s = suite_create("config/patterns");
        TCase *tc = tcase_create("patterns");

        tcase_add_checked_fixture(tc, NULL, teardown);
        tcase_add_test(tc, test_lines);
        tcase_add_test(tc, test_index_as_scan);
        tcase_add_test(tc, test_files);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
