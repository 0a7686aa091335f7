/* TLS keywords (tls_model.h): "bind ... ssl" options, crt-list files, "server ... ssl"
 * options and the ssl-* / tune.ssl.* globals, with HAProxy 2.6's meaning. Syntax only: the
 * files named are read, and cipher and curve names checked, by whatever builds the contexts
 * (worker/tls_ctx.c), which reports at the line kept in the model. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "parse-int.h"
#include "units.h"

/* Where a problem is reported: a word of the current line, or a line of a crt-list file. */
struct where_ctx {
        struct cfg_parser *p;
        unsigned w;       /* the word, when @file is NULL */
        const char *file; /* a crt-list file, or NULL */
        unsigned line;
};

static void report(const struct where_ctx *x, unsigned dw, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void report(const struct where_ctx *x, unsigned dw, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (x->file)
                cfg_diag_add(x->p->diags, CFG_SEV_ERROR, x->file, x->line, 0, "%s", msg);
        else
                cfg__err(x->p, x->w + dw, "%s", msg);
}

static const char *const ver_names[] = {
        [CFG_TLS_VER_SSL3] = "SSLv3",    [CFG_TLS_VER_TLS10] = "TLSv1.0",
        [CFG_TLS_VER_TLS11] = "TLSv1.1", [CFG_TLS_VER_TLS12] = "TLSv1.2",
        [CFG_TLS_VER_TLS13] = "TLSv1.3",
};

const char *cfg_tls_ver_name(unsigned v)
{
        return v > 0 && v < SL_ARRAY_SIZE(ver_names) ? ver_names[v] : "";
}

static int ver_parse(const char *s)
{
        for (unsigned v = 1; v < SL_ARRAY_SIZE(ver_names); v++)
                if (strcmp(s, ver_names[v]) == 0)
                        return (int)v;
        return -1;
}

/* no-sslv3, no-tlsv10 ... and force-* as the version they name; 0 when not one of them */
static unsigned ver_of_kw(const char *kw, const char *prefix)
{
        static const char *const suffix[] = {"", "sslv3", "tlsv10", "tlsv11", "tlsv12", "tlsv13"};
        size_t n = strlen(prefix);

        if (strncmp(kw, prefix, n) != 0)
                return 0;
        for (unsigned v = 1; v < SL_ARRAY_SIZE(suffix); v++)
                if (strcmp(kw + n, suffix[v]) == 0)
                        return v;
        return 0;
}

/* The arena copy of a path, joined to @base when relative (crt-base, ca-base). */
static const char *path_join(struct cfg_parser *p, const char *base, const char *path)
{
        char buf[4096];

        if (!base || path[0] == '/')
                return cfg_arena_strdup(&p->gen->arena, path);
        snprintf(buf, sizeof(buf), "%s/%s", base, path);
        return cfg_arena_strdup(&p->gen->arena, buf);
}

enum side {
        SIDE_BIND,
        SIDE_SERVER,
        SIDE_DEFAULT_OPTIONS
};

/* One option of @o: @kw and its argument @arg (NULL when the line ends). Returns the words
 * taken (1 or 2), 0 when @kw is not such an option, -1 after an error. */
static int opts_word(const struct where_ctx *x, enum side side, const char *kw, const char *arg,
                     struct cfg_tls_opts *o)
{
        struct cfg_parser *p = x->p;
        const char *const with_arg[] = {"ciphers", "ciphersuites", "curves",      "ecdhe",
                                        "sigalgs", "alpn",         "ssl-min-ver", "ssl-max-ver",
                                        "verify",  "ca-file",      "crl-file"};
        unsigned v;
        int ver;

        if ((v = ver_of_kw(kw, "no-"))) {
                /* HAProxy keeps the versions left as one range: one at the top lowers the
                 * maximum, others raise the minimum */
                if (v == CFG_TLS_VER_TLS13)
                        o->max_ver = CFG_TLS_VER_TLS12;
                else if (o->min_ver <= v)
                        o->min_ver = (uint8_t)(v + 1);
                return 1;
        }
        if ((v = ver_of_kw(kw, "force-"))) {
                o->min_ver = o->max_ver = (uint8_t)v;
                return 1;
        }
        if (strcmp(kw, "no-tls-tickets") == 0) {
                o->no_tls_tickets = true;
                return 1;
        }
        if (strcmp(kw, "tls-tickets") == 0 && side != SIDE_BIND) {
                o->no_tls_tickets = false;
                return 1;
        }
        if (strcmp(kw, "prefer-client-ciphers") == 0 && side != SIDE_SERVER) {
                o->prefer_client_ciphers = true;
                return 1;
        }
        if (side == SIDE_DEFAULT_OPTIONS && strcmp(kw, "ssl-min-ver") != 0 &&
            strcmp(kw, "ssl-max-ver") != 0)
                return 0;
        for (size_t i = 0; i < SL_ARRAY_SIZE(with_arg); i++) {
                if (strcmp(kw, with_arg[i]) != 0)
                        continue;
                if (!arg || !*arg) {
                        report(x, 0, "'%s' needs an argument", kw);
                        return -1;
                }
                goto known;
        }
        return 0;
known:
        if (strcmp(kw, "ssl-min-ver") == 0 || strcmp(kw, "ssl-max-ver") == 0) {
                ver = ver_parse(arg);
                if (ver < 0) {
                        report(x, 1, "'%s' : unknown ssl/tls version", arg);
                        return -1;
                }
                if (strcmp(kw, "ssl-min-ver") == 0)
                        o->min_ver = (uint8_t)ver;
                else
                        o->max_ver = (uint8_t)ver;
                return 2;
        }
        if (strcmp(kw, "verify") == 0) {
                if (strcmp(arg, "none") == 0)
                        o->verify = CFG_TLS_VERIFY_NONE;
                else if (strcmp(arg, "optional") == 0 && side == SIDE_BIND)
                        o->verify = CFG_TLS_VERIFY_OPTIONAL;
                else if (strcmp(arg, "required") == 0)
                        o->verify = CFG_TLS_VERIFY_REQUIRED;
                else {
                        report(x, 1, "verify: expected %s, not '%s'",
                               side == SIDE_BIND ? "none, optional or required"
                                                 : "none or required",
                               arg);
                        return -1;
                }
                return 2;
        }
        if (strcmp(kw, "ca-file") == 0 || strcmp(kw, "crl-file") == 0) {
                const char *path = path_join(p, p->gen->global.tls.ca_base, arg);

                if (!path) {
                        cfg__oom(p);
                        return -1;
                }
                if (strcmp(kw, "ca-file") == 0)
                        o->ca_file = path;
                else
                        o->crl_file = path;
                return 2;
        }
        arg = cfg_arena_strdup(&p->gen->arena, arg);
        if (!arg) {
                cfg__oom(p);
                return -1;
        }
        if (strcmp(kw, "ciphers") == 0)
                o->ciphers = arg;
        else if (strcmp(kw, "ciphersuites") == 0)
                o->ciphersuites = arg;
        else if (strcmp(kw, "curves") == 0 || strcmp(kw, "ecdhe") == 0)
                o->curves = arg;
        else if (strcmp(kw, "sigalgs") == 0)
                o->sigalgs = arg;
        else
                o->alpn = arg;
        return 2;
}

/* ---- certificates ---- */

static struct cfg_tls_cert *cert_push(struct cfg_parser *p, struct cfg_bind_tls *t)
{
        struct cfg_tls_cert *c = cfg_arena_push(&p->gen->arena, (void **)&t->certs, &t->n_certs,
                                                &t->cap_certs, sizeof(*c));

        if (!c)
                cfg__oom(p);
        return c;
}

/* Files HAProxy does not take as certificates when it loads a directory. */
static bool skipped_file(const char *name)
{
        static const char *const ext[] = {".key", ".ocsp", ".issuer", ".sctl"};
        size_t n = strlen(name);

        if (name[0] == '.')
                return true;
        for (size_t i = 0; i < SL_ARRAY_SIZE(ext); i++) {
                size_t e = strlen(ext[i]);

                if (n > e && strcmp(name + n - e, ext[i]) == 0)
                        return true;
        }
        return false;
}

/* "crt <file|dir>": a directory gives its files in name order. */
static bool crt_add(const struct where_ctx *x, struct cfg_bind_tls *t, const char *arg,
                    const struct cfg_where *where)
{
        struct cfg_parser *p = x->p;
        const char *path = path_join(p, p->gen->global.tls.crt_base, arg);
        struct dirent **ents = NULL;
        int n;

        if (!path) {
                cfg__oom(p);
                return false;
        }
        n = scandir(path, &ents, NULL, alphasort);
        if (n < 0) {
                struct cfg_tls_cert *c = cert_push(p, t);

                if (!c)
                        return false;
                *c = (struct cfg_tls_cert){.path = path, .where = *where};
                return true;
        }
        for (int i = 0; i < n; i++) {
                char buf[4096];
                struct cfg_tls_cert *c;

                if (ents[i]->d_type == DT_DIR || skipped_file(ents[i]->d_name))
                        continue;
                snprintf(buf, sizeof(buf), "%s/%s", path, ents[i]->d_name);
                c = cert_push(p, t);
                if (!c || !(c->path = cfg_arena_strdup(&p->gen->arena, buf)))
                        break;
                c->where = *where;
        }
        for (int i = 0; i < n; i++)
                free(ents[i]);
        free(ents);
        return true;
}

/* One line of a crt-list file: "<crt> [[<options> ...]] [[!]<sni filter> ...]". */
static bool crt_list_line(struct cfg_parser *p, struct cfg_bind *b, const char *list,
                          const char *file, unsigned lineno, char *line)
{
        struct where_ctx x = {.p = p, .file = file, .line = lineno};
        struct cfg_where where = {.file = file, .line = lineno};
        char *words[64];
        size_t n = 0, i, first;
        struct cfg_tls_opts *o = NULL;
        struct cfg_tls_cert *c;
        size_t before = b->tls.n_certs;

        for (char *s = strtok(line, " \t"); s; s = strtok(NULL, " \t")) {
                if (n == SL_ARRAY_SIZE(words)) {
                        report(&x, 0, "crt-list: too many words on the line");
                        return false;
                }
                words[n++] = s;
        }
        if (n == 0)
                return true;
        i = 1;
        if (i < n && words[i][0] == '[') {
                char *opt[64];
                size_t k = 0;
                bool closed = false;

                words[i]++;
                for (; i < n && !closed; i++) {
                        size_t len = strlen(words[i]);

                        if (len && words[i][len - 1] == ']') {
                                words[i][len - 1] = '\0';
                                closed = true;
                        }
                        if (*words[i])
                                opt[k++] = words[i];
                }
                if (!closed) {
                        report(&x, 0, "crt-list: '[' without its ']'");
                        return false;
                }
                o = cfg_arena_alloc(&p->gen->arena, sizeof(*o));
                if (!o) {
                        cfg__oom(p);
                        return false;
                }
                /* the bind's own options fill what the line leaves out, at the end */
                *o = (struct cfg_tls_opts){0};
                for (size_t j = 0; j < k;) {
                        int r = opts_word(&x, SIDE_BIND, opt[j], j + 1 < k ? opt[j + 1] : NULL, o);

                        if (r == 0) {
                                report(&x, 0, "crt-list: unknown or unsupported option '%s'",
                                       opt[j]);
                                return false;
                        }
                        if (r < 0)
                                return false;
                        j += (size_t)r;
                }
        }
        first = i;
        if (!crt_add(&x, &b->tls, words[0], &where))
                return false;
        for (size_t k = before; k < b->tls.n_certs; k++) {
                c = &b->tls.certs[k];
                c->opts = o;
                c->list = list;
                for (size_t j = first; j < n; j++) {
                        const char **f = cfg_arena_push(&p->gen->arena, (void **)&c->sni, &c->n_sni,
                                                        &c->cap_sni, sizeof(*f));

                        if (!f || !(*f = cfg_arena_strdup(&p->gen->arena, words[j]))) {
                                cfg__oom(p);
                                return false;
                        }
                }
        }
        return true;
}

bool cfg__crt_list_load(struct cfg_parser *p, unsigned w, struct cfg_bind *b, const char *arg)
{
        const char *list = cfg_arena_strdup(&p->gen->arena, arg);
        const char *file = path_join(p, NULL, arg);
        char line[8192];
        unsigned lineno = 0;
        bool ok = true;
        FILE *f;

        if (!list || !file) {
                cfg__oom(p);
                return false;
        }
        f = fopen(file, "r");
        if (!f) {
                cfg__err(p, w, "crt-list: cannot read '%s': %s", file, strerror(errno));
                return false;
        }
        while (fgets(line, sizeof(line), f)) {
                char *hash, *s = line;

                lineno++;
                line[strcspn(line, "\r\n")] = '\0';
                hash = strchr(line, '#');
                if (hash)
                        *hash = '\0';
                while (*s == ' ' || *s == '\t')
                        s++;
                if (!*s)
                        continue;
                ok = crt_list_line(p, b, list, file, lineno, s) && ok;
        }
        fclose(f);
        return ok;
}

/* ---- bind and server options ---- */

int cfg__bind_tls_opt(struct cfg_parser *p, unsigned w, struct cfg_bind *b)
{
        struct where_ctx x = {.p = p, .w = w};
        const char *kw = cfg__word(p, w);
        const char *arg = w + 1 < cfg__n_words(p) ? cfg__word(p, w + 1) : NULL;
        int r;

        if (strcmp(kw, "ssl") == 0) {
                b->tls.ssl = true;
                return 1;
        }
        if (strcmp(kw, "strict-sni") == 0) {
                b->tls.strict_sni = true;
                return 1;
        }
        if (strcmp(kw, "crt") == 0 || strcmp(kw, "crt-list") == 0 ||
            strcmp(kw, "tls-ticket-keys") == 0) {
                struct cfg_where where = {p->file, p->l->line};

                if (!arg || !*arg) {
                        cfg__err(p, w, "'%s' needs a file", kw);
                        return -1;
                }
                if (strcmp(kw, "crt") == 0)
                        return crt_add(&x, &b->tls, arg, &where) ? 2 : -1;
                if (strcmp(kw, "crt-list") == 0)
                        return cfg__crt_list_load(p, w + 1, b, arg) ? 2 : -1;
                b->tls.ticket_keys = cfg_arena_strdup(&p->gen->arena, arg);
                return b->tls.ticket_keys ? 2 : -1;
        }
        r = opts_word(&x, SIDE_BIND, kw, arg, &b->tls.opts);
        return r;
}

int cfg__server_tls_opt(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o)
{
        struct where_ctx x = {.p = p, .w = w};
        const char *kw = cfg__word(p, w);
        const char *arg = w + 1 < cfg__n_words(p) ? cfg__word(p, w + 1) : NULL;
        struct cfg_server_tls *t = &o->tls;

        if (strcmp(kw, "ssl") == 0 || strcmp(kw, "no-ssl") == 0) {
                t->ssl = kw[0] == 's';
                return 1;
        }
        if (strcmp(kw, "no-ssl-reuse") == 0 || strcmp(kw, "ssl-reuse") == 0) {
                t->no_ssl_reuse = kw[0] == 'n';
                return 1;
        }
        if (strcmp(kw, "no-verifyhost") == 0) {
                t->no_verifyhost = true;
                return 1;
        }
        if (strcmp(kw, "sni") == 0 || strcmp(kw, "verifyhost") == 0 || strcmp(kw, "crt") == 0) {
                if (!arg || !*arg) {
                        cfg__err(p, w, "'%s' needs an argument", kw);
                        return -1;
                }
                if (strcmp(kw, "sni") == 0) {
                        struct cfg_sample smp = {0};

                        int implied;

                        if (!cfg__sample_parse(p, w + 1, cfg__word_str(p, w + 1), &smp, &implied))
                                return -1;
                        t->sni = smp;
                } else if (strcmp(kw, "verifyhost") == 0) {
                        t->verifyhost = cfg__dup(p, w + 1);
                        t->no_verifyhost = false;
                } else {
                        t->crt = path_join(p, p->gen->global.tls.crt_base, arg);
                }
                return 2;
        }
        return opts_word(&x, SIDE_SERVER, kw, arg, &t->opts);
}

/* ---- globals ---- */

static void kw_path(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_tls_global *g = &p->gen->global.tls;

        if (!cfg__want_args(p, arg, 1, data ? "ca-base <dir>" : "crt-base <dir>"))
                return;
        *(data ? &g->ca_base : &g->crt_base) = cfg__dup(p, arg);
}

/* ssl-default-{bind,server}-{ciphers,ciphersuites,curves,sigalgs}: @data says which. */
static void kw_default_str(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_tls_global *g = &p->gen->global.tls;
        struct cfg_tls_opts *o = data & 8 ? &g->server_dflt : &g->bind_dflt;
        const char **f[] = {&o->ciphers, &o->ciphersuites, &o->curves, &o->sigalgs};

        if (!cfg__want_args(p, arg, 1, "ssl-default-... <list>"))
                return;
        *f[data & 3] = cfg__dup(p, arg);
}

/* ssl-default-bind-options / ssl-default-server-options <option> ... */
static void kw_default_options(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_tls_global *g = &p->gen->global.tls;
        struct cfg_tls_opts *o = data ? &g->server_dflt : &g->bind_dflt;
        unsigned n = cfg__n_words(p);

        for (unsigned w = arg; w < n;) {
                struct where_ctx x = {.p = p, .w = w};
                int r = opts_word(&x, SIDE_DEFAULT_OPTIONS, cfg__word(p, w),
                                  w + 1 < n ? cfg__word(p, w + 1) : NULL, o);

                if (r == 0) {
                        cfg__err(p, w, "%s: unknown option '%s'",
                                 data ? "ssl-default-server-options" : "ssl-default-bind-options",
                                 cfg__word(p, w));
                        return;
                }
                if (r < 0)
                        return;
                w += (unsigned)r;
        }
}

static void kw_dh_param_file(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        (void)data;
        if (cfg__want_args(p, arg, 1, "ssl-dh-param-file <file>"))
                p->gen->global.tls.dh_param_file = cfg__dup(p, arg);
}

/* tune.ssl.default-dh-param, tune.ssl.cachesize, maxsslconn, maxsslrate: numbers */
static void kw_number(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_tls_global *g = &p->gen->global.tls;
        static const char *const what[] = {"tune.ssl.default-dh-param", "tune.ssl.cachesize",
                                           "maxsslconn", "maxsslrate"};
        unsigned long long v;

        if (!cfg__want_args(p, arg, 1, what[data]) ||
            !cfg__uint(p, arg, 0, data == 1 ? (1u << 22) : 100000000, what[data], &v))
                return;
        switch (data) {
        case 0:
                if (v < 1024) {
                        cfg__err(p, arg, "tune.ssl.default-dh-param: at least 1024 bits");
                        return;
                }
                g->default_dh_param = (unsigned)v;
                break;
        case 1:
                g->cachesize = (unsigned)v;
                g->cachesize_set = true;
                break;
        case 2:
                g->maxsslconn = (unsigned)v;
                break;
        default:
                g->maxsslrate = (unsigned)v;
                break;
        }
}

static void kw_lifetime(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        uint32_t ms;
        char err[256] = "";

        (void)data;
        if (!cfg__want_args(p, arg, 1, "tune.ssl.lifetime <time>"))
                return;
        if (cfg_parse_time(cfg__word_str(p, arg), CFG_TIME_S, &ms, err, sizeof(err)) < 0 ||
            ms / 1000 > 7 * 24 * 3600) {
                cfg__err(p, arg, "tune.ssl.lifetime: %s", err[0] ? err : "at most 7 days");
                return;
        }
        p->gen->global.tls.lifetime_s = ms / 1000 ? (unsigned)(ms / 1000) : 1;
}

static void kw_server_verify(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *v;

        (void)data;
        if (!cfg__want_args(p, arg, 1, "ssl-server-verify none|required"))
                return;
        v = cfg__word(p, arg);
        if (strcmp(v, "none") != 0 && strcmp(v, "required") != 0) {
                cfg__err(p, arg, "ssl-server-verify: expected none or required, not '%s'", v);
                return;
        }
        p->gen->global.tls.server_verify_none = v[0] == 'n';
}

const struct cfg_kw cfg__tls_global_keywords[] = {
        {"crt-base", CFG_IN_GLOBAL, kw_path, 0, false},
        {"ca-base", CFG_IN_GLOBAL, kw_path, 1, false},
        {"ssl-default-bind-ciphers", CFG_IN_GLOBAL, kw_default_str, 0, false},
        {"ssl-default-bind-ciphersuites", CFG_IN_GLOBAL, kw_default_str, 1, false},
        {"ssl-default-bind-curves", CFG_IN_GLOBAL, kw_default_str, 2, false},
        {"ssl-default-bind-sigalgs", CFG_IN_GLOBAL, kw_default_str, 3, false},
        {"ssl-default-bind-options", CFG_IN_GLOBAL, kw_default_options, 0, false},
        {"ssl-default-server-ciphers", CFG_IN_GLOBAL, kw_default_str, 8, false},
        {"ssl-default-server-ciphersuites", CFG_IN_GLOBAL, kw_default_str, 9, false},
        {"ssl-default-server-curves", CFG_IN_GLOBAL, kw_default_str, 10, false},
        {"ssl-default-server-sigalgs", CFG_IN_GLOBAL, kw_default_str, 11, false},
        {"ssl-default-server-options", CFG_IN_GLOBAL, kw_default_options, 1, false},
        {"ssl-dh-param-file", CFG_IN_GLOBAL, kw_dh_param_file, 0, false},
        {"tune.ssl.default-dh-param", CFG_IN_GLOBAL, kw_number, 0, false},
        {"tune.ssl.cachesize", CFG_IN_GLOBAL, kw_number, 1, false},
        {"maxsslconn", CFG_IN_GLOBAL, kw_number, 2, false},
        {"maxsslrate", CFG_IN_GLOBAL, kw_number, 3, false},
        {"tune.ssl.lifetime", CFG_IN_GLOBAL, kw_lifetime, 0, false},
        {"ssl-server-verify", CFG_IN_GLOBAL, kw_server_verify, 0, false},
        {NULL, 0, NULL, 0, false},
};

/* ---- the end of the load ---- */

/* Settings of @o not given take those of @d. */
static void opts_default(struct cfg_tls_opts *o, const struct cfg_tls_opts *d)
{
        if (!o->ciphers)
                o->ciphers = d->ciphers;
        if (!o->ciphersuites)
                o->ciphersuites = d->ciphersuites;
        if (!o->curves)
                o->curves = d->curves;
        if (!o->sigalgs)
                o->sigalgs = d->sigalgs;
        if (!o->min_ver)
                o->min_ver = d->min_ver;
        if (!o->max_ver)
                o->max_ver = d->max_ver;
        o->no_tls_tickets = o->no_tls_tickets || d->no_tls_tickets;
        o->prefer_client_ciphers = o->prefer_client_ciphers || d->prefer_client_ciphers;
}

/* A crt-list line's options: what it does not set is the bind's. */
static void opts_inherit(struct cfg_tls_opts *o, const struct cfg_tls_opts *b)
{
        opts_default(o, b);
        if (!o->alpn)
                o->alpn = b->alpn;
        if (!o->verify)
                o->verify = b->verify;
        if (!o->ca_file)
                o->ca_file = b->ca_file;
        if (!o->crl_file)
                o->crl_file = b->crl_file;
}

void cfg__tls_finish(struct cfg_parser *p)
{
        struct cfg_gen *g = p->gen;
        const struct cfg_tls_global *tg = &g->global.tls;

        for (size_t i = 0; i < g->n_proxies; i++) {
                struct cfg_proxy *px = g->proxies[i];

                for (size_t j = 0; j < px->n_binds; j++) {
                        struct cfg_bind *b = &px->binds[j];
                        const struct cfg_where *w = &b->where;

                        if (!b->tls.ssl) {
                                if (b->tls.n_certs)
                                        cfg_diag_add(p->diags, CFG_SEV_WARNING, w->file, w->line, 0,
                                                     "bind: 'crt' without 'ssl': this address "
                                                     "does not use TLS");
                                continue;
                        }
                        if (b->tls.n_certs == 0)
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, w->file, w->line, 0,
                                             "%s '%s': no SSL certificate specified for this "
                                             "bind (use 'crt')",
                                             cfg__proxy_kind(px), px->name);
                        opts_default(&b->tls.opts, &tg->bind_dflt);
                        for (size_t k = 0; k < b->tls.n_certs; k++) {
                                struct cfg_tls_opts *o =
                                        (struct cfg_tls_opts *)b->tls.certs[k].opts;

                                if (o)
                                        opts_inherit(o, &b->tls.opts);
                        }
                        if ((b->tls.opts.verify == CFG_TLS_VERIFY_OPTIONAL ||
                             b->tls.opts.verify == CFG_TLS_VERIFY_REQUIRED) &&
                            !b->tls.opts.ca_file)
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, w->file, w->line, 0,
                                             "%s '%s': verify is enabled but no CA file "
                                             "specified for this bind",
                                             cfg__proxy_kind(px), px->name);
                }
                for (size_t j = 0; j < px->n_servers; j++) {
                        struct cfg_server *s = &px->servers[j];

                        if (!s->opts.tls.ssl)
                                continue;
                        opts_default(&s->opts.tls.opts, &tg->server_dflt);
                        if (s->opts.tls.sni.src)
                                cfg__sample_finish(p, px, &s->opts.tls.sni, &s->where);
                }
        }
}
