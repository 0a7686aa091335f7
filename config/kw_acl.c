/* The ACL compiler: "acl" lines and "if" / "unless" conditions, compiled into config/acl.h's
 * form (their samples by kw_sample.c). Called by the parser for "acl"
 * lines and by every rule that takes a condition. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "macros.h"
#include "parse-int.h"
#include "pat_index.h"
#include "stkt_types.h"

static const char *const match_names[] = {
        [CFG_MATCH_STR] = "str",   [CFG_MATCH_BEG] = "beg",   [CFG_MATCH_END] = "end",
        [CFG_MATCH_SUB] = "sub",   [CFG_MATCH_REG] = "reg",   [CFG_MATCH_DIR] = "dir",
        [CFG_MATCH_DOM] = "dom",   [CFG_MATCH_LEN] = "len",   [CFG_MATCH_FOUND] = "found",
        [CFG_MATCH_BIN] = "bin",   [CFG_MATCH_INT] = "int",   [CFG_MATCH_IP] = "ip",
        [CFG_MATCH_BOOL] = "bool", [CFG_MATCH_AUTH] = "auth",
};

const char *cfg__match_name(enum cfg_match m)
{
        return match_names[m];
}

/* ---- patterns ---- */

/* The number in [@s, @stop): decimal, or with @dotted HAProxy's "MAJOR[.MINOR]" (each below
 * 65536), as major * 65536 + minor (req.ssl_ver's patterns). */
static bool read_num(const char *s, const char *stop, bool dotted, long long *ret)
{
        const char *dot = dotted ? memchr(s, '.', (size_t)(stop - s)) : NULL;
        long long major, minor = 0;
        char buf[32], *end;

        if (s == stop || (size_t)(stop - s) >= sizeof(buf))
                return false;
        memcpy(buf, s, (size_t)(stop - s));
        buf[stop - s] = '\0';
        major = strtoll(buf, &end, 10);
        if (!dotted)
                return *end == '\0' && (*ret = major, true);
        if (end != buf + (dot ? dot - s : stop - s) || end == buf || major < 0 || major >= 65536)
                return false;
        if (dot) {
                const char *m = end + 1;

                minor = strtoll(m, &end, 10);
                if (*end || end == m || minor < 0 || minor >= 65536)
                        return false;
        }
        *ret = major << 16 | minor;
        return true;
}

static bool pat_int(struct cfg_parser *p, unsigned w, const char *where, const char *s, int op,
                    bool dotted, struct cfg_pattern *pt)
{
        const char *kind = dotted ? "dotted number" : "integer";
        const char *sep = strchr(s, ':'), *stop = s + strlen(s);
        long long lo, hi, v;

        /* "3.1-3.3" is a range of dotted numbers too, as HAProxy reads them */
        if (!sep && dotted)
                sep = strchr(s, '-');
        if (op) {
                if (!read_num(s, stop, dotted, &v)) {
                        cfg__err(p, w, "%sinvalid %s '%s'", where, kind, s);
                        return false;
                }
                pt->lo = INT64_MIN;
                pt->hi = INT64_MAX;
                switch (op) {
                case 'e':
                        pt->lo = pt->hi = v;
                        break;
                case 'G':
                        pt->lo = v;
                        break;
                case 'g':
                        if (v == INT64_MAX)
                                pt->lo = pt->hi = 0, pt->hi = -1;
                        else
                                pt->lo = v + 1;
                        break;
                case 'L':
                        pt->hi = v;
                        break;
                case 'l':
                        if (v == INT64_MIN)
                                pt->lo = 0, pt->hi = -1;
                        else
                                pt->hi = v - 1;
                        break;
                }
                return true;
        }
        if (!sep) {
                if (!read_num(s, stop, dotted, &lo)) {
                        cfg__err(p, w, "%sinvalid %s '%s': expected N, N:M, :M or N:", where, kind,
                                 s);
                        return false;
                }
                pt->lo = pt->hi = lo;
                return true;
        }
        lo = INT64_MIN;
        hi = INT64_MAX;
        if ((sep == s && !sep[1]) || (sep != s && !read_num(s, sep, dotted, &lo)) ||
            (sep[1] && !read_num(sep + 1, stop, dotted, &hi))) {
                cfg__err(p, w, "%sinvalid %s range '%s'", where, kind, s);
                return false;
        }
        if (lo > hi) {
                cfg__err(p, w, "%sempty %s range '%s'", where, kind, s);
                return false;
        }
        pt->lo = lo;
        pt->hi = hi;
        return true;
}

static bool pat_ip(struct cfg_parser *p, unsigned w, const char *where, const char *s,
                   struct cfg_pattern *pt)
{
        char addr[INET6_ADDRSTRLEN + 1];
        const char *slash = strchr(s, '/');
        size_t len = slash ? (size_t)(slash - s) : strlen(s);
        unsigned max;

        if (len >= sizeof(addr)) {
                cfg__err(p, w, "%sinvalid address '%s'", where, s);
                return false;
        }
        memcpy(addr, s, len);
        addr[len] = '\0';
        if (inet_pton(AF_INET, addr, pt->addr) == 1) {
                pt->family = AF_INET;
                max = 32;
        } else if (inet_pton(AF_INET6, addr, pt->addr) == 1) {
                pt->family = AF_INET6;
                max = 128;
        } else {
                cfg__err(p, w,
                         "%sinvalid address '%s': expected an IPv4 or IPv6 address, "
                         "optionally with /prefix (host names are not resolved)",
                         where, s);
                return false;
        }
        pt->prefix = max;
        if (slash) {
                uint8_t mask[4];
                char *end;
                unsigned long v = strtoul(slash + 1, &end, 10);

                if (slash[1] && !*end && v <= max) {
                        pt->prefix = (unsigned)v;
                } else if (pt->family == AF_INET && inet_pton(AF_INET, slash + 1, mask) == 1) {
                        /* a dotted netmask, which must be contiguous */
                        uint32_t m = (uint32_t)mask[0] << 24 | (uint32_t)mask[1] << 16 |
                                     (uint32_t)mask[2] << 8 | mask[3];

                        if (m & (~m >> 1)) {
                                /* ones after a zero: not contiguous */
                        }
                        if ((uint32_t)(~m + 1) & ~m) {
                                cfg__err(p, w, "%snetmask '%s' is not contiguous", where,
                                         slash + 1);
                                return false;
                        }
                        pt->prefix = (unsigned)__builtin_popcount(m);
                } else {
                        cfg__err(p, w, "%sinvalid prefix length in '%s'", where, s);
                        return false;
                }
        }
        /* clear the host bits so that matching compares whole bytes */
        for (unsigned bit = pt->prefix; bit < max; bit++)
                pt->addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
        return true;
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* A binary pattern: an even number of hexadecimal digits, decoded in place over @s (which
 * the arena owns). */
static bool pat_bin(struct cfg_parser *p, unsigned w, const char *where, const char *s, size_t len,
                    struct cfg_pattern *pt)
{
        char *out = (char *)s;

        if (len % 2) {
                cfg__err(p, w, "%sbinary pattern '%s': an odd number of hexadecimal digits", where,
                         s);
                return false;
        }
        for (size_t i = 0; i < len; i += 2) {
                int hi = hexval(s[i]), lo = hexval(s[i + 1]);

                if (hi < 0 || lo < 0) {
                        cfg__err(p, w, "%sbinary pattern '%s': not hexadecimal", where, s);
                        return false;
                }
                out[i / 2] = (char)(hi << 4 | lo);
        }
        pt->str = sl_str_make(out, len / 2);
        return true;
}

void *cfg__regex(struct cfg_parser *p, unsigned w, const char *s, bool icase)
{
        int errcode;
        PCRE2_SIZE erroff;
        pcre2_code *re;
        void **slot;

        re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, icase ? PCRE2_CASELESS : 0,
                           &errcode, &erroff, NULL);
        if (!re) {
                PCRE2_UCHAR msg[256];

                pcre2_get_error_message(errcode, msg, sizeof(msg));
                cfg__err(p, w, "invalid regular expression '%s' at offset %zu: %s", s,
                         (size_t)erroff, (char *)msg);
                return NULL;
        }
        /* JIT where the platform has it; without it matching still works, only slower. */
        (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        slot = cfg_arena_push(&p->gen->arena, (void **)&p->gen->regexes, &p->gen->n_regexes,
                              &p->gen->cap_regexes, sizeof(*slot));
        if (!slot) {
                pcre2_code_free(re);
                cfg__oom(p);
                return NULL;
        }
        *slot = re;
        return re;
}

bool cfg__pattern_add(struct cfg_parser *p, unsigned w, const char *where, struct cfg_acl_expr *e,
                      struct sl_str text, int op)
{
        struct cfg_pattern *pt;
        const char *s = cfg_arena_strndup(&p->gen->arena, text.ptr ? text.ptr : "", text.len);

        pt = s ? cfg_arena_push(&p->gen->arena, (void **)&e->pats, &e->n_pats, &e->cap_pats,
                                sizeof(*pt))
               : NULL;
        if (!pt) {
                cfg__oom(p);
                return false;
        }
        switch (e->match) {
        case CFG_MATCH_INT:
        case CFG_MATCH_LEN:
                return pat_int(p, w, where, s, op, e->dotted, pt);
        case CFG_MATCH_IP:
                return pat_ip(p, w, where, s, pt);
        case CFG_MATCH_REG:
                pt->re = cfg__regex(p, w, s, e->icase);
                /* the source, for dumps and messages */
                pt->str = sl_str_make(s, text.len);
                return pt->re != NULL;
        case CFG_MATCH_STR:
        case CFG_MATCH_BEG:
        case CFG_MATCH_END:
        case CFG_MATCH_SUB:
        case CFG_MATCH_DIR:
        case CFG_MATCH_DOM:
        case CFG_MATCH_AUTH:
                pt->str = sl_str_make(s, text.len);
                return true;
        case CFG_MATCH_BIN:
                return pat_bin(p, w, where, s, text.len, pt);
        case CFG_MATCH_FOUND:
        case CFG_MATCH_BOOL:
                break;
        }
        return true;
}

/* Parse "<criterion> [flags] [operator] [patterns]" from word @w to @end (exclusive). */
static struct cfg_acl_expr *acl_expr_parse(struct cfg_parser *p, unsigned w, unsigned end)
{
        struct cfg_acl_expr *e;
        int implied = -1, match = -1;
        enum cfg_smp_type type;
        int op = 0;
        unsigned files[16]; /* the words naming pattern files (-f) */
        bool maps[16];      /* each file is a map (-M before its -f), its keys the patterns */
        size_t n_files = 0;
        bool as_map = false;

        if (w >= end) {
                cfg__err(p, w, "missing ACL criterion (a sample fetch such as 'path_beg')");
                return NULL;
        }
        e = cfg_arena_alloc(&p->gen->arena, sizeof(*e));
        if (!e) {
                cfg__oom(p);
                return NULL;
        }
        e->where = (struct cfg_where){p->file, p->l->line};
        if (!cfg__sample_parse(p, w, cfg__word_str(p, w), &e->smp, &implied))
                return NULL;
        type = cfg_sample_type(&e->smp);
        /* http_auth_group's own method, in an ACL only, and not after a converter (HAProxy
         * then matches by the converter's output type) */
        if (e->smp.fetch == CFG_FETCH_HTTP_AUTH_GROUP && !e->smp.n_convs)
                implied = CFG_MATCH_AUTH;
        w++;
        /* flags */
        while (w < end) {
                const char *f = cfg__word(p, w);

                if (f[0] != '-' || !f[1] || (f[1] >= '0' && f[1] <= '9'))
                        break;
                if (strcmp(f, "--") == 0) {
                        w++;
                        break;
                }
                if (strcmp(f, "-i") == 0) {
                        e->icase = true;
                } else if (strcmp(f, "-n") == 0) {
                        /* no DNS resolution: sluice never resolves patterns anyway */
                } else if (strcmp(f, "-m") == 0) {
                        const char *m = cfg__word(p, w + 1);

                        if (w + 1 >= end) {
                                cfg__err(p, w, "'-m' needs a match method");
                                return NULL;
                        }
                        match = -1;
                        /* "auth" is no method "-m" may name: only http_auth_group's */
                        for (size_t i = 0; i < SL_ARRAY_SIZE(match_names); i++)
                                if (i != CFG_MATCH_AUTH && strcmp(m, match_names[i]) == 0)
                                        match = (int)i;
                        if (match < 0) {
                                cfg__err(p, w + 1, "unknown match method '%s'", m);
                                return NULL;
                        }
                        w++;
                } else if (strcmp(f, "-f") == 0) {
                        if (w + 1 >= end) {
                                cfg__err(p, w, "'-f' needs a file name");
                                return NULL;
                        }
                        if (n_files == SL_ARRAY_SIZE(files)) {
                                cfg__err(p, w, "more than %zu pattern files in one ACL",
                                         SL_ARRAY_SIZE(files));
                                return NULL;
                        }
                        maps[n_files] = as_map;
                        files[n_files++] = ++w;
                } else if (strcmp(f, "-M") == 0) {
                        as_map = true;
                } else if (strcmp(f, "-u") == 0) {
                        cfg__unsupported(p, w, f);
                        return NULL;
                } else {
                        cfg__err(p, w, "unknown ACL flag '%s'", f);
                        return NULL;
                }
                w++;
        }
        /* req.ssl_ver's own patterns are dotted versions, unless a method is given */
        e->dotted = match < 0 && e->smp.fetch == CFG_FETCH_SSL_VER;
        if (match < 0)
                match = implied;
        if (match < 0) {
                switch (type) {
                case CFG_SMP_BOOL:
                        match = CFG_MATCH_BOOL;
                        break;
                case CFG_SMP_INT:
                        match = CFG_MATCH_INT;
                        break;
                case CFG_SMP_IP:
                        match = CFG_MATCH_IP;
                        break;
                case CFG_SMP_BIN:
                        /* HAProxy's default for binary samples */
                        match = CFG_MATCH_BIN;
                        break;
                case CFG_SMP_STR:
                case CFG_SMP_ANY:
                        match = CFG_MATCH_STR;
                        break;
                }
        } else if (implied >= 0 && match != implied) {
                cfg__err(p, w - 1, "'-m %s' conflicts with the match method that '%s' implies",
                         match_names[match], cfg__word(p, e->where.line ? w : w));
                return NULL;
        }
        e->match = (enum cfg_match)match;
        if (!cfg_smp_can_cast(type, cfg_match_type(e->match))) {
                cfg__err(p, w > 0 ? w - 1 : 0,
                         "match method '%s' does not apply to '%s', which returns %s %s",
                         match_names[e->match], e->smp.src,
                         type == CFG_SMP_INT || type == CFG_SMP_IP ? "an" : "a",
                         cfg_smp_type_name(type));
                return NULL;
        }
        /* patterns */
        if ((e->match == CFG_MATCH_FOUND || e->match == CFG_MATCH_BOOL) && w < end) {
                cfg__err(p, w, "match method '%s' takes no pattern, got '%s'",
                         match_names[e->match], cfg__word(p, w));
                return NULL;
        }
        if (e->match != CFG_MATCH_FOUND && e->match != CFG_MATCH_BOOL && w >= end && !n_files) {
                cfg__err(p, w > 0 ? w - 1 : 0, "ACL needs at least one pattern to match");
                return NULL;
        }
        for (; w < end; w++) {
                const char *s = cfg__word(p, w);

                if (e->match == CFG_MATCH_INT || e->match == CFG_MATCH_LEN) {
                        static const struct {
                                const char *name;
                                int op;
                        } ops[] = {{"eq", 'e'}, {"ge", 'G'}, {"gt", 'g'}, {"le", 'L'}, {"lt", 'l'}};
                        bool is_op = false;

                        for (size_t i = 0; i < SL_ARRAY_SIZE(ops); i++) {
                                if (strcmp(s, ops[i].name) == 0) {
                                        op = ops[i].op;
                                        is_op = true;
                                }
                        }
                        if (is_op) {
                                if (w + 1 >= end) {
                                        cfg__err(p, w, "operator '%s' needs a value", s);
                                        return NULL;
                                }
                                continue;
                        }
                }
                if (!cfg__pattern_add(p, w, "", e, sl_str_make(s, p->l->words[w].len), op))
                        return NULL;
        }
        for (size_t i = 0; i < n_files; i++)
                if (!cfg__pattern_file(p, files[i], e, maps[i]))
                        return NULL;
        if (!cfg_pat_index_build(&p->gen->arena, e->match, e->icase, e->pats, e->n_pats,
                                 &e->index)) {
                cfg__oom(p);
                return NULL;
        }
        return e;
}

static struct cfg_acl *acl_new(struct cfg_parser *p, const char *name)
{
        struct cfg_proxy *px = p->px;
        struct cfg_acl *acl, **slot;

        acl = cfg_arena_alloc(&p->gen->arena, sizeof(*acl));
        slot = cfg_arena_push(&p->gen->arena, (void **)&px->acls, &px->n_acls, &px->cap_acls,
                              sizeof(*slot));
        if (!acl || !slot) {
                cfg__oom(p);
                return NULL;
        }
        acl->name = name;
        acl->at = CFG_FETCH_AT_CONN | CFG_FETCH_AT_CONTENT | CFG_FETCH_AT_REQ | CFG_FETCH_AT_RES;
        *slot = acl;
        return acl;
}

static bool acl_add_expr(struct cfg_parser *p, struct cfg_acl *acl, struct cfg_acl_expr *e)
{
        struct cfg_acl_expr **slot = cfg_arena_push(&p->gen->arena, (void **)&acl->exprs,
                                                    &acl->n_exprs, &acl->cap_exprs, sizeof(*slot));

        if (!slot) {
                cfg__oom(p);
                return false;
        }
        *slot = e;
        acl->at &= cfg_fetch_at(e->smp.fetch);
        return true;
}

static struct cfg_acl *acl_find(const struct cfg_proxy *px, const char *name)
{
        for (size_t i = 0; i < px->n_acls; i++)
                if (px->acls[i]->name && strcmp(px->acls[i]->name, name) == 0)
                        return px->acls[i];
        return NULL;
}

/* The acl line naming word @w failed: its error is the only one, its uses stay silent. */
static void acl_failed_add(struct cfg_parser *p, unsigned w)
{
        struct cfg_failed_acl *f =
                cfg_arena_push(&p->gen->arena, (void **)&p->failed_acls, &p->n_failed_acls,
                               &p->cap_failed_acls, sizeof(*f));
        const char *name = cfg__dup(p, w);

        if (!f || !name) {
                cfg__oom(p);
                return;
        }
        *f = (struct cfg_failed_acl){p->px, name};
}

static bool acl_failed(const struct cfg_parser *p, const char *name)
{
        for (size_t i = 0; i < p->n_failed_acls; i++)
                if (p->failed_acls[i].px == p->px && strcmp(p->failed_acls[i].name, name) == 0)
                        return true;
        return false;
}

/* acl <name> <criterion> [flags] [operator] [<pattern>] ... */
void cfg__kw_acl(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *name = cfg__word(p, arg);
        struct cfg_acl_expr *e;
        struct cfg_acl *acl;

        if (arg >= cfg__n_words(p)) {
                cfg__err(p, cfg__n_words(p) - 1,
                         "missing ACL name: expected 'acl <name> "
                         "<criterion> [flags] [patterns]'");
                return;
        }
        if (!cfg__name_valid(name)) {
                cfg__err(p, arg,
                         "invalid character in ACL name '%s': use letters, digits, '-', "
                         "'_', '.' and ':'",
                         name);
                return;
        }
        e = acl_expr_parse(p, arg + 1, cfg__n_words(p));
        if (!e) {
                acl_failed_add(p, arg);
                return;
        }
        /* Several lines with one name are ORed (HAProxy). */
        acl = acl_find(p->px, name);
        if (!acl) {
                const char *copy = cfg__dup(p, arg);

                if (!copy)
                        return;
                acl = acl_new(p, copy);
                if (!acl)
                        return;
        }
        (void)acl_add_expr(p, acl, e);
}

/* ---- predefined ACLs (HAProxy's manual, section 7.4) ---- */

struct predef {
        const char *name;
        const char *words[4]; /* criterion, then patterns */
};

static const struct predef predefs[] = {
        {"TRUE", {"always_true"}},
        {"FALSE", {"always_false"}},
        {"LOCALHOST", {"src", "127.0.0.1/8", "::1"}},
        {"HTTP", {"req.proto_http"}},
        {"HTTP_1.0", {"req.ver", "1.0"}},
        {"HTTP_1.1", {"req.ver", "1.1"}},
        {"HTTP_2.0", {"req.ver", "2.0"}},
        {"HTTP_CONTENT", {"req.hdr_val(content-length)", "gt", "0"}},
        {"REQ_CONTENT", {"req.len", "gt", "0"}},
        {"WAIT_END", {"wait_end"}},
        {"RDP_COOKIE", {"req.rdp_cookie_cnt", "gt", "0"}},
        {"HTTP_URL_ABS", {"url_reg", "^[^/:]*://"}},
        {"HTTP_URL_SLASH", {"url_beg", "/"}},
        {"HTTP_URL_STAR", {"url", "*"}},
        {"METH_CONNECT", {"method", "CONNECT"}},
        {"METH_DELETE", {"method", "DELETE"}},
        {"METH_GET", {"method", "GET", "HEAD"}},
        {"METH_HEAD", {"method", "HEAD"}},
        {"METH_OPTIONS", {"method", "OPTIONS"}},
        {"METH_POST", {"method", "POST"}},
        {"METH_PUT", {"method", "PUT"}},
        {"METH_TRACE", {"method", "TRACE"}},
};

/* A predefined ACL, built into the proxy's list the first time it is used (as if written
 * there), so every ACL a condition references belongs to the proxy. */
static struct cfg_acl *acl_predef(struct cfg_parser *p, unsigned w, const char *name)
{
        const struct cfg_line *saved = p->l;
        struct cfg_word words[4];
        struct cfg_line line = {.words = words, .line = saved->line};
        struct cfg_acl_expr *e;
        struct cfg_acl *acl;
        size_t i;

        for (i = 0; i < SL_ARRAY_SIZE(predefs); i++)
                if (strcmp(predefs[i].name, name) == 0)
                        break;
        if (i == SL_ARRAY_SIZE(predefs))
                return NULL;
        for (unsigned k = 0; k < 4 && predefs[i].words[k]; k++) {
                words[k] = saved->words[w];
                words[k].text = predefs[i].words[k];
                words[k].len = strlen(predefs[i].words[k]);
                line.n_words = k + 1;
        }
        p->l = &line;
        e = acl_expr_parse(p, 0, line.n_words);
        p->l = saved;
        if (!e)
                return NULL;
        acl = acl_new(p, predefs[i].name);
        if (!acl || !acl_add_expr(p, acl, e))
                return NULL;
        return acl;
}

/* ---- conditions ---- */

static bool cond_add_term(struct cfg_parser *p, struct cfg_cond_and *and_group, size_t *cap,
                          const struct cfg_acl *acl, bool negate)
{
        struct cfg_cond_term *t = cfg_arena_push(&p->gen->arena, (void **)&and_group->terms,
                                                 &and_group->n_terms, cap, sizeof(*t));

        if (!t) {
                cfg__oom(p);
                return false;
        }
        t->acl = acl;
        t->negate = negate;
        return true;
}

struct cfg_cond *cfg__cond_parse(struct cfg_parser *p, unsigned w)
{
        unsigned n = cfg__n_words(p);
        const char *kw = cfg__word(p, w);
        struct cfg_cond *c;
        struct cfg_cond_and *cur = NULL;
        size_t cap_ands = 0, cap_terms = 0;

        c = cfg_arena_alloc(&p->gen->arena, sizeof(*c));
        if (!c) {
                cfg__oom(p);
                return NULL;
        }
        c->unless = strcmp(kw, "unless") == 0;
        c->at = CFG_FETCH_AT_CONN | CFG_FETCH_AT_CONTENT | CFG_FETCH_AT_REQ | CFG_FETCH_AT_RES;
        w++;
        if (w >= n) {
                cfg__err(p, w - 1, "'%s' needs a condition", kw);
                return NULL;
        }
        while (w < n) {
                const char *t = cfg__word(p, w);
                const struct cfg_acl *acl = NULL;
                bool negate = false;

                if (strcmp(t, "||") == 0 || strcmp(t, "or") == 0) {
                        if (!cur || cur->n_terms == 0 || w + 1 >= n) {
                                cfg__err(p, w, "'%s' needs a condition on both sides", t);
                                return NULL;
                        }
                        cur = NULL;
                        w++;
                        continue;
                }
                if (!cur) {
                        cur = cfg_arena_push(&p->gen->arena, (void **)&c->ands, &c->n_ands,
                                             &cap_ands, sizeof(*cur));
                        if (!cur) {
                                cfg__oom(p);
                                return NULL;
                        }
                        cap_terms = 0;
                }
                if (t[0] == '!') {
                        negate = true;
                        t++;
                        if (!*t) {
                                if (++w >= n) {
                                        cfg__err(p, w - 1, "'!' needs an ACL after it");
                                        return NULL;
                                }
                                t = cfg__word(p, w);
                        }
                }
                if (strcmp(t, "{") == 0) {
                        unsigned close = w + 1;
                        struct cfg_acl_expr *e;
                        struct cfg_acl *anon;

                        while (close < n && strcmp(cfg__word(p, close), "}") != 0)
                                close++;
                        if (close == n) {
                                cfg__err(p, w, "missing '}' to close the anonymous ACL");
                                return NULL;
                        }
                        e = acl_expr_parse(p, w + 1, close);
                        if (!e)
                                return NULL;
                        anon = acl_new(p, NULL);
                        if (!anon || !acl_add_expr(p, anon, e))
                                return NULL;
                        acl = anon;
                        w = close + 1;
                } else if (t[0] == '{' || strchr(t, '}')) {
                        cfg__err(p, w, "'{' and '}' must be separate words: write '{ %s }'", "...");
                        return NULL;
                } else {
                        acl = acl_find(p->px, t);
                        if (!acl)
                                acl = acl_predef(p, w, t);
                        if (!acl) {
                                /* when its acl line failed, that said it all */
                                if (!acl_failed(p, t))
                                        cfg__err(p, w,
                                                 "no ACL named '%s' in %s '%s' before "
                                                 "this line",
                                                 t, cfg__section_name(p),
                                                 p->px->name ? p->px->name : "");
                                return NULL;
                        }
                        w++;
                }
                if (!cond_add_term(p, cur, &cap_terms, acl, negate))
                        return NULL;
                c->at &= acl->at;
        }
        return c;
}

void cfg__acl_expr_finish(struct cfg_parser *p, const struct cfg_proxy *px, struct cfg_acl_expr *e)
{
        const struct cfg_userlist *ul;

        cfg__sample_finish(p, px, &e->smp, &e->where);
        if (e->match != CFG_MATCH_AUTH || !e->smp.n_args || !(ul = e->smp.args[0].ref))
                return;
        /* HAProxy's acl_find_targets(): each pattern must be a group of the userlist */
        for (size_t i = 0; i < e->n_pats; i++) {
                struct sl_str g = e->pats[i].str;
                bool found = false;

                for (size_t k = 0; k < ul->n_groups && !found; k++)
                        found = sl_str_eq(sl_str_from_cstr(ul->groups[k].name), g);
                if (!found)
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, e->where.file, e->where.line, 0,
                                     "%s '%s': %s(): no group '%.*s' in userlist '%s'",
                                     cfg__proxy_kind(px), px->name, cfg_fetch_name(e->smp.fetch),
                                     (int)g.len, g.ptr, ul->name);
        }
}
