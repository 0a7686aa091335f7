/* The configuration parser: reads lines from the lexer, opens sections, dispatches each line
 * to its keyword handler (kw_global.c, kw_proxy.c), and tells apart a keyword sluice does not
 * support yet from a typo. Called by master/ through cfg_load(); reports through diags only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "parse-int.h"
#include "source.h"

/* ---- helpers for handlers ---- */

static void parser_vdiag(struct cfg_parser *p, enum cfg_severity sev, unsigned w, const char *fmt,
                         va_list ap)
{
        const struct cfg_word *word = NULL;

        if (p->l && w < p->l->n_words)
                word = &p->l->words[w];
        else if (p->l && p->l->n_words)
                word = &p->l->words[p->l->n_words - 1];
        cfg_diag_addv(p->diags, sev, p->file, word ? word->line : (p->l ? p->l->line : 0),
                      word ? word->col : 0, fmt, ap);
}

void cfg__err(struct cfg_parser *p, unsigned w, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        parser_vdiag(p, CFG_SEV_ERROR, w, fmt, ap);
        va_end(ap);
}

void cfg__warn(struct cfg_parser *p, unsigned w, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        parser_vdiag(p, CFG_SEV_WARNING, w, fmt, ap);
        va_end(ap);
}

void cfg__notice(struct cfg_parser *p, unsigned w, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        parser_vdiag(p, CFG_SEV_NOTICE, w, fmt, ap);
        va_end(ap);
}

void cfg__oom(struct cfg_parser *p)
{
        p->diags->oom = 1;
        cfg__err(p, 0, "out of memory");
}

const char *cfg__word(const struct cfg_parser *p, unsigned w)
{
        return w < p->l->n_words ? p->l->words[w].text : "";
}

struct sl_str cfg__word_str(const struct cfg_parser *p, unsigned w)
{
        if (w >= p->l->n_words)
                return SL_STR_NULL;
        return sl_str_make(p->l->words[w].text, p->l->words[w].len);
}

unsigned cfg__n_words(const struct cfg_parser *p)
{
        return p->l->n_words;
}

bool cfg__want_args(struct cfg_parser *p, unsigned arg, unsigned n, const char *usage)
{
        unsigned have = p->l->n_words > arg ? p->l->n_words - arg : 0;

        if (have == n)
                return true;
        if (have < n)
                cfg__err(p, p->l->n_words - 1, "missing argument: expected '%s'", usage);
        else
                cfg__err(p, arg + n, "unexpected argument '%s': expected '%s'",
                         cfg__word(p, arg + n), usage);
        return false;
}

const char *cfg__dup(struct cfg_parser *p, unsigned w)
{
        const char *s = cfg_arena_strndup(&p->gen->arena, cfg__word(p, w),
                                          w < p->l->n_words ? p->l->words[w].len : 0);

        if (!s)
                cfg__oom(p);
        return s;
}

bool cfg__uint(struct cfg_parser *p, unsigned w, unsigned long long min, unsigned long long max,
               const char *what, unsigned long long *ret)
{
        unsigned long long v;
        int r;

        if (w >= p->l->n_words) {
                cfg__err(p, w, "missing %s", what);
                return false;
        }
        r = sl_str_to_u64(cfg__word_str(p, w), max, &v);
        if (r == -EINVAL) {
                cfg__err(p, w, "invalid %s '%s': expected a decimal number", what, cfg__word(p, w));
                return false;
        }
        if (r == -ERANGE || v < min) {
                cfg__err(p, w, "%s '%s' out of range %llu..%llu", what, cfg__word(p, w), min, max);
                return false;
        }
        *ret = v;
        return true;
}

bool cfg__read_file(struct cfg_parser *p, unsigned w, const char **ret, size_t *ret_len)
{
        const char *path = cfg__word(p, w);
        char *text;
        size_t len;
        int r = cfg_read_file(path, 1u << 20, &text, &len);

        if (r == -EFBIG) {
                cfg__err(p, w, "'%s' is larger than 1 MiB", path);
                return false;
        }
        if (r < 0) {
                cfg__err(p, w, "cannot open '%s': %s", path, strerror(-r));
                return false;
        }
        *ret = cfg_arena_strndup(&p->gen->arena, text, len);
        *ret_len = len;
        free(text);
        if (!*ret)
                cfg__oom(p);
        return *ret != NULL;
}

const char *cfg__addr_expand(struct cfg_parser *p, unsigned w, const char *s, size_t len)
{
        char *in = strndup(s, len), *out = NULL;
        const char *ret;
        int r;

        if (!in) {
                cfg__oom(p);
                return NULL;
        }
        r = cfg_env_expand(in, p->env, p->env_data, &out);
        if (r == -E2BIG) {
                cfg__err(p, w,
                         "address '%s' is longer than %u bytes once its variables are "
                         "expanded",
                         in, CFG_LEX_MAX_LINE);
                free(in);
                return NULL;
        }
        if (r < 0) {
                free(in);
                cfg__oom(p);
                return NULL;
        }
        ret = cfg_arena_strdup(&p->gen->arena, out ? out : in);
        free(out);
        free(in);
        if (!ret)
                cfg__oom(p);
        return ret;
}

int cfg__addr(struct cfg_parser *p, unsigned w, unsigned flags, struct cfg_addr *ret,
              const char *what)
{
        struct sl_str raw = cfg__word_str(p, w);
        const char *word = cfg__addr_expand(p, w, raw.ptr ? raw.ptr : "", raw.len);

        if (!word)
                return -EINVAL;
        return cfg__addr_str(p, w, word, flags, ret, what);
}

int cfg__addr_str(struct cfg_parser *p, unsigned w, const char *word, unsigned flags,
                  struct cfg_addr *ret, const char *what)
{
        struct sl_str s = sl_str_from_cstr(word);
        char err[256], path[CFG_ADDR_PATH_MAX + 8];
        int r;

        if (word[0] == '/') {
                if (strlen(word) > CFG_ADDR_PATH_MAX) {
                        cfg__err(p, w, "%s: Unix socket path '%s' is longer than %u bytes", what,
                                 word, CFG_ADDR_PATH_MAX);
                        return -ENAMETOOLONG;
                }
                snprintf(path, sizeof(path), "unix@%s", word);
                s = sl_str_from_cstr(path);
        }
        r = cfg_parse_addr(s, flags, ret, err, sizeof(err));
        if (r < 0)
                cfg__err(p, w, "%s: %s", what, err);
        return r;
}

const char *cfg__proxy_kind(const struct cfg_proxy *px)
{
        if (px->cap & CFG_CAP_TABLE)
                return "peers table";
        if ((px->cap & CFG_CAP_FE) && (px->cap & CFG_CAP_BE))
                return "listen";
        return (px->cap & CFG_CAP_FE) ? "frontend" : "backend";
}

/* ---- keyword lookup ---- */

static const char *const section_names[] = {
        [CFG_SEC_NONE] = "",
        [CFG_SEC_GLOBAL] = "global",
        [CFG_SEC_DEFAULTS] = "defaults",
        [CFG_SEC_FRONTEND] = "frontend",
        [CFG_SEC_BACKEND] = "backend",
        [CFG_SEC_LISTEN] = "listen",
        [CFG_SEC_USERLIST] = "userlist",
        [CFG_SEC_PEERS] = "peers",
        [CFG_SEC_RESOLVERS] = "resolvers",
        [CFG_SEC_SKIP] = "",
};

const char *cfg__section_name(const struct cfg_parser *p)
{
        return section_names[p->sec];
}

unsigned cfg__section_in(enum cfg_section s)
{
        switch (s) {
        case CFG_SEC_GLOBAL:
                return CFG_IN_GLOBAL;
        case CFG_SEC_DEFAULTS:
                return CFG_IN_DEFAULTS;
        case CFG_SEC_FRONTEND:
                return CFG_IN_FRONTEND;
        case CFG_SEC_BACKEND:
                return CFG_IN_BACKEND;
        case CFG_SEC_LISTEN:
                return CFG_IN_LISTEN;
        case CFG_SEC_USERLIST:
                return CFG_IN_USERLIST;
        case CFG_SEC_PEERS:
                return CFG_IN_PEERS;
        case CFG_SEC_RESOLVERS:
                return CFG_IN_RESOLVERS;
        case CFG_SEC_NONE:
        case CFG_SEC_SKIP:
                return 0;
        }
        return 0;
}

/* How many words of the line @name (space-separated words) matches from word @first. */
static unsigned kw_matches(const char *name, const struct cfg_line *l, unsigned first)
{
        unsigned w = first;

        while (*name) {
                const char *sp = strchr(name, ' ');
                size_t len = sp ? (size_t)(sp - name) : strlen(name);

                if (w >= l->n_words || l->words[w].len != len ||
                    memcmp(l->words[w].text, name, len) != 0)
                        return 0;
                w++;
                name += len + (sp ? 1 : 0);
        }
        return w - first;
}

static const struct cfg_kw *kw_table(enum cfg_section s)
{
        return s == CFG_SEC_GLOBAL ? cfg__global_keywords : cfg__proxy_keywords;
}

/* Longest supported keyword matching the line from word @first, valid in @in if non-zero. */
static const struct cfg_kw *kw_lookup(const struct cfg_kw *table, const struct cfg_line *l,
                                      unsigned first, unsigned in, unsigned *ret_n)
{
        const struct cfg_kw *best = NULL;
        unsigned best_n = 0;

        for (const struct cfg_kw *k = table; k->name; k++) {
                unsigned n;

                if (in && !(k->in & in))
                        continue;
                n = kw_matches(k->name, l, first);
                if (n > best_n) {
                        best = k;
                        best_n = n;
                }
        }
        *ret_n = best_n;
        return best;
}

/* kw_lookup() in the tables of section @s: the global section's are two (kw_tls.c has the
 * TLS ones). */
static const struct cfg_kw *sec_lookup(enum cfg_section s, const struct cfg_line *l, unsigned first,
                                       unsigned in, unsigned *ret_n)
{
        const struct cfg_kw *k = kw_lookup(kw_table(s), l, first, in, ret_n), *t;
        unsigned n;

        if (s != CFG_SEC_GLOBAL) {
                t = kw_lookup(cfg__check_keywords, l, first, in, &n);
                if (t && n > *ret_n) {
                        *ret_n = n;
                        return t;
                }
                return k;
        }
        t = kw_lookup(cfg__tls_global_keywords, l, first, in, &n);
        if (t && n > *ret_n) {
                *ret_n = n;
                return t;
        }
        return k;
}

const struct cfg_kw *cfg__proxy_kw_lookup(const struct cfg_parser *p, unsigned first,
                                          unsigned *ret_n)
{
        return kw_lookup(cfg__proxy_keywords, p->l, first, 0, ret_n);
}

/* The words first..first+n-1 joined by spaces into @buf. */
static const char *line_phrase(const struct cfg_line *l, unsigned first, unsigned n, char *buf,
                               size_t size)
{
        size_t off = 0;

        buf[0] = '\0';
        for (unsigned w = first; w < first + n && w < l->n_words && off < size; w++)
                off += (size_t)snprintf(buf + off, size - off, "%s%s", w > first ? " " : "",
                                        l->words[w].text);
        return buf;
}

static unsigned name_n_words(const char *name)
{
        unsigned n = 1;

        for (; *name; name++)
                n += *name == ' ';
        return n;
}

/* The closest keyword valid in @in to the words at @first, supported or not; NULL if none
 * is close enough to be a likely typo. */
static const char *kw_suggest(const struct cfg_kw *table, const struct cfg_line *l, unsigned first,
                              unsigned in)
{
        const char *best = NULL;
        unsigned best_d = ~0u;
        char phrase[256];

        for (const struct cfg_kw *k = table; k->name; k++) {
                unsigned n = name_n_words(k->name), d;

                if (!(k->in & in))
                        continue;
                line_phrase(l, first, n, phrase, sizeof(phrase));
                d = cfg_edit_distance(phrase, k->name, 3);
                if (d < best_d && cfg_is_close(phrase, k->name)) {
                        best = k->name;
                        best_d = d;
                }
        }
        for (size_t i = 0; i < cfg_n_known_keywords; i++) {
                const struct cfg_known_kw *k = &cfg_known_keywords[i];
                unsigned n = name_n_words(k->name), d;

                if (!(k->in & in))
                        continue;
                line_phrase(l, first, n, phrase, sizeof(phrase));
                d = cfg_edit_distance(phrase, k->name, 3);
                if (d < best_d && cfg_is_close(phrase, k->name)) {
                        best = k->name;
                        best_d = d;
                }
        }
        return best;
}

void cfg__unsupported(struct cfg_parser *p, unsigned w, const char *kw)
{
        /* sluice will not run Lua: say so rather than "not yet" alone */
        bool lua = strncmp(kw, "lua-", 4) == 0 || strncmp(kw, "tune.lua.", 9) == 0 ||
                   strstr(kw, " lua.") != NULL || strncmp(kw, "lua.", 4) == 0;

        cfg__err(p, w, "'%s' is a HAProxy keyword that sluice does not support yet%s", kw,
                 lua ? ": Lua is not supported" : "");
}

/* Is @word the first of a keyword of several words ("option", "timeout")? */
static bool kw_is_prefix(const char *word)
{
        size_t len = strlen(word);

        for (size_t i = 0; i < cfg_n_known_keywords; i++)
                if (strncmp(cfg_known_keywords[i].name, word, len) == 0 &&
                    cfg_known_keywords[i].name[len] == ' ')
                        return true;
        return false;
}

static void parser_unknown(struct cfg_parser *p, unsigned first)
{
        const struct cfg_line *l = p->l;
        const char *sec = section_names[p->sec];
        const char *words[3] = {"", "", ""};
        unsigned in = cfg__section_in(p->sec), n;
        size_t nw = SL_MIN(3u, l->n_words - first), nk;
        const struct cfg_known_kw *known;
        const char *hint;
        char phrase[256];

        for (size_t i = 0; i < nw; i++)
                words[i] = l->words[first + i].text;
        /* HAProxy has it here, sluice does not (yet). */
        known = cfg_known_lookup(words, nw, in, &nk);
        if (known) {
                cfg__unsupported(p, first, known->name);
                return;
        }
        /* Supported, or known to HAProxy, but in other sections. */
        if (sec_lookup(p->sec, l, first, 0, &n)) {
                cfg__err(p, first, "'%s' is not allowed in a '%s' section",
                         line_phrase(l, first, n, phrase, sizeof(phrase)), sec);
                return;
        }
        known = cfg_known_lookup(words, nw, 0, &nk);
        /* HAProxy accepts most keywords of a listen section in a frontend or a backend,
         * with a warning: there, such a keyword is one sluice lacks, not a misplaced one */
        if (known && (known->in & CFG_IN_LISTEN) &&
            (p->sec == CFG_SEC_FRONTEND || p->sec == CFG_SEC_BACKEND)) {
                cfg__unsupported(p, first, known->name);
                return;
        }
        if (known) {
                cfg__err(p, first, "'%s' is not allowed in a '%s' section", known->name, sec);
                return;
        }
        hint = kw_suggest(kw_table(p->sec), l, first, in);
        /* "unknown keyword 'option http-tunnel'", not 'option' */
        line_phrase(l, first, l->n_words > first + 1 && kw_is_prefix(l->words[first].text) ? 2 : 1,
                    phrase, sizeof(phrase));
        if (hint)
                cfg__err(p, first, "unknown keyword '%s' in '%s' section; did you mean '%s'?",
                         phrase, sec, hint);
        else
                cfg__err(p, first, "unknown keyword '%s' in '%s' section", phrase, sec);
}

/* ---- sections ---- */

bool cfg__name_valid(const char *name)
{
        /* HAProxy's invalid_char() */
        if (!*name)
                return false;
        for (; *name; name++) {
                char c = *name;

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == ':'))
                        return false;
        }
        return true;
}

static struct cfg_proxy *find_defaults(struct cfg_gen *g, const char *name)
{
        for (size_t i = g->n_defaults; i-- > 0;)
                if (g->defaults[i]->name && strcmp(g->defaults[i]->name, name) == 0)
                        return g->defaults[i];
        return NULL;
}

static void proxy_init_fresh(struct cfg_proxy *px)
{
        px->mode = CFG_MODE_TCP;
        px->retries = 3;
        px->default_server.weight = 1;
        px->default_server.check.inter_ms = CFG_CHECK_INTER_MS;
        px->default_server.check.rise = CFG_CHECK_RISE;
        px->default_server.check.fall = CFG_CHECK_FALL;
        px->default_server.check.error_limit = CFG_CHECK_ERROR_LIMIT;
        px->default_server.check.agent_inter_ms = CFG_CHECK_INTER_MS;
        px->balance.algo = CFG_LB_ROUNDROBIN;
        px->balance.random_draws = 2;
        px->hash_type.method = CFG_HASH_MAP_BASED;
        px->hash_type.function = CFG_HASH_FN_SDBM;
        px->http_reuse = CFG_REUSE_SAFE;
}

/* A proxy starts as a copy of its defaults section: the settings, not the identity, the
 * binds or the servers. Arrays are shared (they are immutable once their section ended). */
static void proxy_inherit(struct cfg_proxy *px, const struct cfg_proxy *def)
{
        px->mode = def->mode;
        px->maxconn = def->maxconn;
        px->options = def->options;
        px->options_set = def->options_set;
        memcpy(px->timeout_ms, def->timeout_ms, sizeof(px->timeout_ms));
        px->timeouts_set = def->timeouts_set;
        px->balance = def->balance;
        px->persist_rdp = def->persist_rdp;
        px->hash_type = def->hash_type;
        px->default_server = def->default_server;
        px->retries = def->retries;
        px->http_reuse = def->http_reuse;
        px->default_backend_name = def->default_backend_name;
        px->log_global = def->log_global;
        px->log_tag = def->log_tag;
        px->logs = def->logs;
        px->n_logs = px->cap_logs = def->n_logs;
        px->log_format = def->log_format;
        px->errorfiles = def->errorfiles;
        px->n_errorfiles = px->cap_errorfiles = def->n_errorfiles;
        px->forwardfor = def->forwardfor;
        px->originalto = def->originalto;
        px->monitor_uri = def->monitor_uri;
        px->unique_id_fmt = def->unique_id_fmt;
        px->unique_id_header = def->unique_id_header;
        px->cookie = def->cookie;
        px->stats = def->stats;
        px->checks = def->checks;
        px->checks.own = false;
        px->state_load = def->state_load;
        px->state_file_name = def->state_file_name;
        px->from = def;
}

static void parser_open_proxy(struct cfg_parser *p, enum cfg_section sec)
{
        const struct cfg_line *l = p->l;
        struct cfg_gen *g = p->gen;
        /* A defaults section starts afresh (HAProxy: "reset by the next defaults section");
         * any other proxy starts from the latest one. Both may name one with "from". */
        struct cfg_proxy *px, *def = sec == CFG_SEC_DEFAULTS ? NULL : p->last_defaults, **slot;
        const char *name = l->n_words > 1 ? l->words[1].text : NULL;
        unsigned next = 2;

        if (sec != CFG_SEC_DEFAULTS && !name) {
                cfg__err(p, 0, "'%s' needs a name", l->words[0].text);
                name = "";
        }
        if (name && strcmp(name, "from") == 0 && sec == CFG_SEC_DEFAULTS) {
                name = NULL; /* "defaults from X" */
                next = 1;
        }
        if (name && *name && !cfg__name_valid(name))
                cfg__err(p, 1,
                         "invalid character in %s name '%s': use letters, digits, '-', '_', "
                         "'.' and ':'",
                         l->words[0].text, name);
        if (l->n_words > next) {
                if (strcmp(l->words[next].text, "from") != 0) {
                        cfg__err(p, next, "unexpected '%s' after the %s name: expected 'from NAME'",
                                 l->words[next].text, l->words[0].text);
                } else if (l->n_words != next + 2) {
                        cfg__err(p, next, "'from' needs exactly one defaults section name");
                } else {
                        def = find_defaults(g, l->words[next + 1].text);
                        if (!def)
                                cfg__err(p, next + 1,
                                         "no defaults section named '%s' before this line",
                                         l->words[next + 1].text);
                }
        }

        px = cfg_arena_alloc(&g->arena, sizeof(*px));
        if (!px) {
                cfg__oom(p);
                p->sec = CFG_SEC_SKIP;
                return;
        }
        proxy_init_fresh(px);
        cfg__proxy_defaults(px, def);
        if (def)
                proxy_inherit(px, def);
        px->name = name ? cfg_arena_strdup(&g->arena, name) : NULL;
        px->where = (struct cfg_where){p->file, l->line};
        switch (sec) {
        case CFG_SEC_DEFAULTS:
                px->cap = CFG_CAP_DEFAULTS;
                break;
        case CFG_SEC_FRONTEND:
                px->cap = CFG_CAP_FE;
                break;
        case CFG_SEC_BACKEND:
                px->cap = CFG_CAP_BE;
                break;
        case CFG_SEC_LISTEN:
                px->cap = CFG_CAP_FE | CFG_CAP_BE;
                break;
        case CFG_SEC_NONE:
        case CFG_SEC_GLOBAL:
        case CFG_SEC_USERLIST:
        case CFG_SEC_PEERS:
        case CFG_SEC_RESOLVERS:
        case CFG_SEC_SKIP:
                break;
        }

        if (sec == CFG_SEC_DEFAULTS)
                slot = cfg_arena_push(&g->arena, (void **)&g->defaults, &g->n_defaults,
                                      &g->cap_defaults, sizeof(*slot));
        else
                slot = cfg_arena_push(&g->arena, (void **)&g->proxies, &g->n_proxies,
                                      &g->cap_proxies, sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                p->sec = CFG_SEC_SKIP;
                return;
        }
        *slot = px;
        if (sec == CFG_SEC_DEFAULTS)
                p->last_defaults = px;
        else if (px->name && *px->name) {
                /* A frontend and a backend may share a name; two proxies with a common
                 * capability may not (HAProxy's rule). */
                for (size_t i = 0; i + 1 < g->n_proxies; i++) {
                        const struct cfg_proxy *o = g->proxies[i];

                        if (o->name && strcmp(o->name, px->name) == 0 && (o->cap & px->cap))
                                cfg__err(p, 1, "%s '%s' has the same name as the proxy at %s:%u",
                                         l->words[0].text, px->name, o->where.file, o->where.line);
                }
        }
        p->px = px;
        p->sec = sec;
}

/* A section starts at the current line: ".SECTION" becomes its name, or its kind when it
 * has none (HAProxy's rule, which also names "defaults from x" after "from"); in diagnostic
 * mode, a global section after another one in the same file is reported, as the order of
 * their settings is unspecified in HAProxy. */
static void parser_section_start(struct cfg_parser *p)
{
        const struct cfg_line *l = p->l;
        const char *w = l->words[0].text;

        p->section_label = cfg_arena_strdup(&p->gen->arena, l->n_words > 1 ? l->words[1].text : w);
        if (!p->section_label)
                cfg__oom(p);
        if (strcmp(w, "global") != 0)
                p->non_global_seen = true;
        else if (p->diag && p->non_global_seen)
                cfg_diag_add(p->diags, CFG_SEV_DIAG, p->file, l->line, l->words[0].col,
                             "global section after a section of another kind: HAProxy does not "
                             "say which of their settings prevail");
}

static bool parser_section(struct cfg_parser *p)
{
        const struct cfg_line *l = p->l;
        const char *w = l->words[0].text;

        for (size_t i = 0; i < cfg_n_known_sections; i++)
                if (strcmp(w, cfg_known_sections[i]) == 0)
                        parser_section_start(p);

        if (strcmp(w, "global") == 0) {
                if (l->n_words > 1)
                        cfg__err(p, 1, "'global' takes no argument");
                /* A later global section continues the first one, as in HAProxy. */
                if (!p->global_seen)
                        p->gen->global.where = (struct cfg_where){p->file, l->line};
                p->global_seen = true;
                p->sec = CFG_SEC_GLOBAL;
                p->px = NULL;
                return true;
        }
        if (strcmp(w, "defaults") == 0) {
                parser_open_proxy(p, CFG_SEC_DEFAULTS);
                return true;
        }
        if (strcmp(w, "frontend") == 0) {
                parser_open_proxy(p, CFG_SEC_FRONTEND);
                return true;
        }
        if (strcmp(w, "backend") == 0) {
                parser_open_proxy(p, CFG_SEC_BACKEND);
                return true;
        }
        if (strcmp(w, "listen") == 0) {
                parser_open_proxy(p, CFG_SEC_LISTEN);
                return true;
        }
        if (strcmp(w, "userlist") == 0) {
                cfg__userlist_open(p);
                return true;
        }
        if (strcmp(w, "peers") == 0) {
                cfg__peers_open(p);
                return true;
        }
        if (strcmp(w, "resolvers") == 0) {
                cfg__resolvers_open(p);
                return true;
        }
        for (size_t i = 0; i < cfg_n_known_sections; i++) {
                if (strcmp(w, cfg_known_sections[i]) == 0) {
                        cfg__unsupported(p, 0, w);
                        p->sec = CFG_SEC_SKIP;
                        p->px = NULL;
                        return true;
                }
        }
        return false;
}

void cfg__parser_line(struct cfg_parser *p)
{
        const struct cfg_line *l = p->l;
        const struct cfg_kw *kw;
        unsigned first = 0, n;

        if (parser_section(p))
                return;
        if (p->sec == CFG_SEC_SKIP)
                return;
        if (p->sec == CFG_SEC_NONE) {
                cfg__err(p, 0, "'%s' is outside of any section", l->words[0].text);
                return;
        }
        if (p->sec == CFG_SEC_USERLIST) {
                cfg__userlist_line(p);
                return;
        }
        if (p->sec == CFG_SEC_PEERS) {
                cfg__peers_line(p);
                return;
        }
        if (p->sec == CFG_SEC_RESOLVERS) {
                cfg__resolvers_line(p);
                return;
        }
        p->negate = false;
        if (strcmp(l->words[0].text, "no") == 0 && l->n_words > 1) {
                p->negate = true;
                first = 1;
        }
        kw = sec_lookup(p->sec, l, first, cfg__section_in(p->sec), &n);
        if (!kw && (cfg__noticed_keyword(p, first) || cfg__ignored_keyword(p, first)))
                return;
        if (!kw) {
                parser_unknown(p, first);
                return;
        }
        if (p->negate && !kw->negatable) {
                cfg__err(p, 0, "'no' cannot be used with '%s'", kw->name);
                return;
        }
        kw->fn(p, first + n, kw->data);
}
