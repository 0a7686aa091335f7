/* "stick-table" in a frontend, backend or listen section, and "table" in a peers section
 * (kw_peers.c): the table's definition, which the master turns into a shared-memory table
 * named after its proxy. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "macros.h"
#include "parse-int.h"

/* The longest string or binary key, and its default (HAProxy's "len", default 32). */
#define STICK_KEY_LEN_MAX     1024u
#define STICK_KEY_LEN_DEFAULT 32u
#define STICK_SIZE_MAX        (1u << 28)

/* "store" arguments: a comma-separated list of data types, rates with "(<period>)". */
static bool store_parse(struct cfg_parser *p, unsigned w, struct cfg_stick_table *t)
{
        struct sl_str s = cfg__word_str(p, w);
        size_t i = 0;

        while (i <= s.len) {
                size_t start = i, name_end;
                char name[48], period[32] = "";
                int dt;

                while (i < s.len && s.ptr[i] != ',' && s.ptr[i] != '(')
                        i++;
                name_end = i;
                if (i < s.len && s.ptr[i] == '(') {
                        size_t ps = ++i;

                        while (i < s.len && s.ptr[i] != ')')
                                i++;
                        if (i == s.len) {
                                cfg__err(p, w, "store: missing ')'");
                                return false;
                        }
                        sl_str_copy(period, sizeof(period), sl_str_make(s.ptr + ps, i - ps));
                        i++;
                }
                if (i < s.len && s.ptr[i] != ',') {
                        cfg__err(p, w, "store: expected ',' between data types");
                        return false;
                }
                sl_str_copy(name, sizeof(name), sl_str_make(s.ptr + start, name_end - start));
                dt = stkt_dt_parse(name);
                if (dt < 0) {
                        static const char *const known[] = {"gpc", "gpc_rate", "gpt", "glitch_cnt",
                                                            "glitch_rate"};

                        for (size_t k = 0; k < SL_ARRAY_SIZE(known); k++) {
                                if (strcmp(known[k], name) == 0) {
                                        cfg__unsupported(p, w, name);
                                        return false;
                                }
                        }
                        cfg__err(p, w, "stick-table: unknown data type '%s'", name);
                        return false;
                }
                if (stkt_dt_is_rate((enum stkt_data_type)dt)) {
                        uint32_t ms;
                        char err[128];

                        if (!period[0]) {
                                cfg__err(p, w, "stick-table: '%s' needs a period: '%s(<period>)'",
                                         name, name);
                                return false;
                        }
                        if (cfg_parse_time(sl_str_make(period, strlen(period)), CFG_TIME_MS, &ms,
                                           err, sizeof(err)) < 0 ||
                            ms == 0) {
                                cfg__err(p, w, "stick-table: '%s': invalid period '%s'", name,
                                         period);
                                return false;
                        }
                        t->period_ms[dt] = ms;
                } else if (period[0]) {
                        cfg__err(p, w, "stick-table: '%s' takes no period", name);
                        return false;
                }
                t->store |= STKT_F(dt);
                i++;
        }
        return true;
}

bool cfg__stick_table_parse(struct cfg_parser *p, unsigned arg, bool in_peers,
                            struct cfg_stick_table *ret)
{
        /* HAProxy's messages name the keyword: "stick-table: ...", "table: ..." */
        const char *me = in_peers ? "table" : "stick-table";
        struct cfg_stick_table t = {.where = {p->file, p->l->line}};
        unsigned n = cfg__n_words(p);
        bool have_type = false, have_size = false, have_len = false;

        for (unsigned w = arg; w < n; w++) {
                const char *kw = cfg__word(p, w);
                char err[128] = "";

                if (w + 1 >= n && strcmp(kw, "nopurge") != 0) {
                        cfg__err(p, w, "%s: '%s' needs a value", me, kw);
                        return false;
                }
                if (strcmp(kw, "type") == 0) {
                        int k = stkt_key_type_parse(cfg__word(p, ++w));

                        if (k < 0) {
                                cfg__err(p, w,
                                         "%s: unknown type '%s': expected ip, ipv6, integer, "
                                         "string or binary",
                                         me, cfg__word(p, w));
                                return false;
                        }
                        t.key_type = (enum stkt_key_type)k;
                        have_type = true;
                } else if (strcmp(kw, "len") == 0) {
                        unsigned long long v;

                        if (!cfg__uint(p, ++w, 1, STICK_KEY_LEN_MAX, "stick-table len", &v))
                                return false;
                        t.key_len = (uint32_t)v;
                        have_len = true;
                } else if (strcmp(kw, "size") == 0) {
                        uint64_t v;

                        w++;
                        if (cfg_parse_size(cfg__word_str(p, w), STICK_SIZE_MAX, &v, err,
                                           sizeof(err)) < 0 ||
                            v == 0) {
                                cfg__err(p, w, "%s size: '%s': expected 1 to %u%s%s", me,
                                         cfg__word(p, w), STICK_SIZE_MAX, err[0] ? ": " : "", err);
                                return false;
                        }
                        t.size = (uint32_t)v;
                        have_size = true;
                } else if (strcmp(kw, "expire") == 0) {
                        w++;
                        if (cfg_parse_time(cfg__word_str(p, w), CFG_TIME_MS, &t.expire_ms, err,
                                           sizeof(err)) < 0) {
                                cfg__err(p, w, "%s expire: %s", me, err);
                                return false;
                        }
                } else if (strcmp(kw, "nopurge") == 0) {
                        t.nopurge = true;
                } else if (strcmp(kw, "store") == 0) {
                        if (!store_parse(p, ++w, &t))
                                return false;
                } else if (strcmp(kw, "peers") == 0 && !in_peers) {
                        /* resolved at the end of the load: the section may come later */
                        t.peers_name = cfg__dup(p, ++w);
                        if (!t.peers_name)
                                return false;
                } else if (strcmp(kw, "srvkey") == 0 || strcmp(kw, "write-to") == 0 ||
                           strcmp(kw, "recv-only") == 0) {
                        cfg__unsupported(p, w, kw);
                        return false;
                } else {
                        /* a table of a peers section is synced with it: no "peers" there */
                        cfg__err(p, w,
                                 "%s: unexpected '%s': expected type, len, size, expire, "
                                 "nopurge%s or store",
                                 me, kw, in_peers ? "" : ", peers");
                        return false;
                }
        }
        if (!have_type || !have_size) {
                cfg__err(p, 0, "%s: '%s' is required", me,
                         !have_type ? "type <type>" : "size <size>");
                return false;
        }
        if (t.key_type == STKT_KEY_STRING || t.key_type == STKT_KEY_BINARY) {
                if (!have_len)
                        t.key_len = STICK_KEY_LEN_DEFAULT;
        } else if (have_len) {
                cfg__err(p, 0, "%s: 'len' applies to string and binary keys only", me);
                return false;
        }
        *ret = t;
        return true;
}

/* stick-table type <type> [len <n>] size <n> [expire <time>] [nopurge] [store <types>]
 * [peers <name>] */
void cfg__kw_stick_table(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_proxy *px = p->px;
        struct cfg_stick_table t, *slot;

        (void)data;
        if (px->table) {
                cfg__err(p, 0, "%s '%s' already has a stick-table (line %u): one per section",
                         cfg__section_name(p), px->name, px->table->where.line);
                return;
        }
        if (!cfg__stick_table_parse(p, arg, false, &t))
                return;
        slot = cfg_arena_alloc(&p->gen->arena, sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = t;
        px->table = slot;
}

bool cfg__cookie_value_valid(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                /* RFC 6265 cookie-octet */
                if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\')
                        return false;
        }
        return true;
}

/* cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [postonly] [preserve]
 * [httponly] [secure] [domain <domain>] [attr <value>] */
void cfg__kw_cookie(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_proxy *px = p->px;
        struct cfg_cookie c = {0}, *slot;
        unsigned n = cfg__n_words(p);
        bool mode_set = false;

        (void)data;
        if (arg >= n || !cfg__name_valid(cfg__word(p, arg)) ||
            !cfg__cookie_value_valid(cfg__word(p, arg))) {
                cfg__err(p, arg < n ? arg : n - 1, "'cookie' needs a cookie name");
                return;
        }
        c.name = cfg__dup(p, arg);
        for (unsigned w = arg + 1; w < n; w++) {
                const char *kw = cfg__word(p, w);
                enum cfg_cookie_mode mode = CFG_COOKIE_PASSIVE;

                if (strcmp(kw, "rewrite") == 0)
                        mode = CFG_COOKIE_REWRITE;
                else if (strcmp(kw, "insert") == 0)
                        mode = CFG_COOKIE_INSERT;
                else if (strcmp(kw, "prefix") == 0)
                        mode = CFG_COOKIE_PREFIX;
                if (mode != CFG_COOKIE_PASSIVE) {
                        if (mode_set) {
                                cfg__err(p, w, "cookie: only one of rewrite, insert and prefix");
                                return;
                        }
                        c.mode = mode;
                        mode_set = true;
                } else if (strcmp(kw, "indirect") == 0) {
                        c.indirect = true;
                } else if (strcmp(kw, "nocache") == 0) {
                        c.nocache = true;
                } else if (strcmp(kw, "postonly") == 0) {
                        c.postonly = true;
                } else if (strcmp(kw, "preserve") == 0) {
                        c.preserve = true;
                } else if (strcmp(kw, "httponly") == 0) {
                        c.httponly = true;
                } else if (strcmp(kw, "secure") == 0) {
                        c.secure = true;
                } else if (strcmp(kw, "domain") == 0 || strcmp(kw, "attr") == 0) {
                        bool domain = kw[0] == 'd';
                        const char *v = w + 1 < n ? cfg__word(p, w + 1) : "";

                        if (!*v || strpbrk(v, ";\r\n") || (domain && c.domain) ||
                            (!domain && c.attr)) {
                                cfg__err(p, w,
                                         "cookie: '%s' needs one value without ';' (and "
                                         "sluice takes it once)",
                                         kw);
                                return;
                        }
                        if (domain)
                                c.domain = cfg__dup(p, ++w);
                        else
                                c.attr = cfg__dup(p, ++w);
                } else if (strcmp(kw, "maxidle") == 0 || strcmp(kw, "maxlife") == 0 ||
                           strcmp(kw, "dynamic") == 0) {
                        cfg__unsupported(p, w, kw);
                        return;
                } else {
                        cfg__err(p, w,
                                 "cookie: unexpected '%s': expected rewrite, insert, prefix, "
                                 "indirect, nocache, postonly, preserve, httponly, secure, "
                                 "domain or attr",
                                 kw);
                        return;
                }
        }
        if ((c.indirect || c.nocache || c.postonly || c.preserve) && c.mode == CFG_COOKIE_PASSIVE) {
                cfg__err(p, arg,
                         "cookie: indirect, nocache, postonly and preserve need a mode "
                         "(rewrite, insert or prefix)");
                return;
        }
        slot = cfg_arena_alloc(&p->gen->arena, sizeof(*slot));
        if (!slot || !c.name) {
                cfg__oom(p);
                return;
        }
        *slot = c;
        px->cookie = slot;
}
