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
#include <sys/stat.h>

#include "crt_list.h"
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

static const char *const ver_kws[] = {"", "sslv3", "tlsv10", "tlsv11", "tlsv12", "tlsv13"};

/* no-sslv3, no-tlsv10 ... and force-* as the version they name; 0 when not one of them */
static unsigned ver_of_kw(const char *kw, const char *prefix)
{
        const char *const *suffix = ver_kws;
        size_t n = strlen(prefix);

        if (strncmp(kw, prefix, n) != 0)
                return 0;
        for (unsigned v = 1; v < SL_ARRAY_SIZE(ver_kws); v++)
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

/* Where options are read: their sets differ (HAProxy 2.6's bind, crt-list, server keywords
 * and the words of ssl-default-bind-options / ssl-default-server-options). */
enum side {
        SIDE_BIND,
        SIDE_CRT_LIST,
        SIDE_SERVER,
        SIDE_DEFAULT_SERVER, /* a default-server line */
        SIDE_DEFAULT_BIND_OPTIONS,
        SIDE_DEFAULT_SERVER_OPTIONS,
};

/* The keywords taking an argument, and the sides that have them. */
#define ON_BIND      (1u << SIDE_BIND)
#define ON_CRT_LIST  (1u << SIDE_CRT_LIST)
#define ON_SERVER    ((1u << SIDE_SERVER) | (1u << SIDE_DEFAULT_SERVER))
#define ON_DFLT_OPTS ((1u << SIDE_DEFAULT_BIND_OPTIONS) | (1u << SIDE_DEFAULT_SERVER_OPTIONS))

static const struct {
        const char *kw;
        unsigned sides;
} with_arg[] = {
        {"ciphers", ON_BIND | ON_CRT_LIST | ON_SERVER},
        {"ciphersuites", ON_BIND | ON_CRT_LIST | ON_SERVER},
        {"curves", ON_BIND | ON_CRT_LIST},
        {"ecdhe", ON_BIND | ON_CRT_LIST},
        {"sigalgs", ON_BIND | ON_CRT_LIST},
        {"alpn", ON_BIND | ON_CRT_LIST | ON_SERVER},
        {"ssl-min-ver", ON_BIND | ON_CRT_LIST | ON_SERVER | ON_DFLT_OPTS},
        {"ssl-max-ver", ON_BIND | ON_CRT_LIST | ON_SERVER | ON_DFLT_OPTS},
        {"verify", ON_BIND | ON_CRT_LIST | ON_SERVER},
        {"ca-file", ON_BIND | ON_CRT_LIST | ON_SERVER},
        {"crl-file", ON_BIND | ON_CRT_LIST | ON_SERVER},
};

/* One option of @o: @kw and its argument @arg (NULL when the line ends). Returns the words
 * taken (1 or 2), 0 when @kw is not such an option on @side, -1 after an error. */
static int opts_word(const struct where_ctx *x, enum side side, const char *kw, const char *arg,
                     struct cfg_tls_opts *o)
{
        struct cfg_parser *p = x->p;
        unsigned v;
        int ver;

        if (side != SIDE_CRT_LIST && (v = ver_of_kw(kw, "no-"))) {
                if (side == SIDE_DEFAULT_SERVER) {
                        /* HAProxy 2.6 says so and loads the line without it */
                        cfg__warn(p, x->w,
                                  "'%s' option is not accepted in default-server sections: "
                                  "ignored",
                                  kw);
                        return 1;
                }
                o->no_vers |= (uint8_t)(1u << v);
                return 1;
        }
        if (side != SIDE_CRT_LIST && (v = ver_of_kw(kw, "force-"))) {
                o->min_ver = o->max_ver = (uint8_t)v;
                return 1;
        }
        if (strcmp(kw, "no-tls-tickets") == 0 && side != SIDE_CRT_LIST) {
                o->no_tls_tickets = true;
                return 1;
        }
        if (strcmp(kw, "tls-tickets") == 0 &&
            (side == SIDE_SERVER || side == SIDE_DEFAULT_SERVER)) {
                o->no_tls_tickets = false;
                return 1;
        }
        if (strcmp(kw, "prefer-client-ciphers") == 0 &&
            (side == SIDE_BIND || side == SIDE_DEFAULT_BIND_OPTIONS)) {
                o->prefer_client_ciphers = true;
                return 1;
        }
        for (size_t i = 0; i < SL_ARRAY_SIZE(with_arg); i++) {
                if (strcmp(kw, with_arg[i].kw) != 0)
                        continue;
                if (!(with_arg[i].sides & (1u << side)))
                        return 0;
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
                bool bind = side == SIDE_BIND || side == SIDE_CRT_LIST;

                if (strcmp(arg, "none") == 0)
                        o->verify = CFG_TLS_VERIFY_NONE;
                else if (strcmp(arg, "optional") == 0 && bind)
                        o->verify = CFG_TLS_VERIFY_OPTIONAL;
                else if (strcmp(arg, "required") == 0)
                        o->verify = CFG_TLS_VERIFY_REQUIRED;
                else {
                        report(x, 1, "verify: expected %s, not '%s'",
                               bind ? "none, optional or required" : "none or required", arg);
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
        else if (strcmp(kw, "curves") == 0)
                o->curves = arg;
        else if (strcmp(kw, "ecdhe") == 0)
                o->ecdhe = arg;
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

/* "crt <file|dir>": a directory gives its regular files in name order. */
static bool crt_add(const struct where_ctx *x, struct cfg_bind_tls *t, const char *arg,
                    const struct cfg_where *where)
{
        struct cfg_parser *p = x->p;
        const char *path = path_join(p, p->gen->global.tls.crt_base, arg);
        struct dirent **ents = NULL;
        bool ok = true;
        int n;

        if (!path) {
                cfg__oom(p);
                return false;
        }
        n = scandir(path, &ents, NULL, alphasort);
        if (n < 0) {
                /* not a directory: a file, which the context builder reads */
                struct cfg_tls_cert *c = cert_push(p, t);

                if (!c)
                        return false;
                *c = (struct cfg_tls_cert){.path = path, .where = *where};
                return true;
        }
        for (int i = 0; i < n && ok; i++) {
                char buf[4096];
                struct cfg_tls_cert *c;
                struct stat st;

                if (skipped_file(ents[i]->d_name))
                        continue;
                snprintf(buf, sizeof(buf), "%s/%s", path, ents[i]->d_name);
                if (stat(buf, &st) != 0 || !S_ISREG(st.st_mode))
                        continue;
                c = cert_push(p, t);
                if (!c || !(c->path = cfg_arena_strdup(&p->gen->arena, buf))) {
                        cfg__oom(p);
                        ok = false;
                        break;
                }
                c->where = *where;
        }
        for (int i = 0; i < n; i++)
                free(ents[i]);
        free(ents);
        return ok;
}

/* crt-list option words HAProxy 2.6 has and sluice does not. */
static bool crt_list_unsupported(const char *kw)
{
        static const char *const kws[] = {"allow-0rtt", "ca-verify-file", "no-ca-names", "npn"};

        for (size_t i = 0; i < SL_ARRAY_SIZE(kws); i++)
                if (strcmp(kw, kws[i]) == 0)
                        return true;
        return false;
}

/* One line of a crt-list file: "<crt> [[<options> ...]] [[!]<sni filter> ...]". */
static bool crt_list_line(struct cfg_parser *p, struct cfg_bind *b, const char *list,
                          const char *file, unsigned lineno, char *line)
{
        struct where_ctx x = {.p = p, .file = file, .line = lineno};
        struct cfg_where where = {.file = file, .line = lineno};
        struct cfg_crt_list_words ws;
        struct cfg_tls_opts *o = NULL;
        size_t before = b->tls.n_certs;
        char err[256];

        if (cfg_crt_list_split(line, &ws, err, sizeof(err)) < 0) {
                report(&x, 0, "%s", err);
                return false;
        }
        if (ws.n == 0)
                return true;
        if (ws.has_opts) {
                o = cfg_arena_alloc(&p->gen->arena, sizeof(*o));
                if (!o) {
                        cfg__oom(p);
                        return false;
                }
                /* the bind's own options fill what the line leaves out, at the end */
                *o = (struct cfg_tls_opts){0};
                for (size_t j = ws.opt_b; j < ws.opt_e;) {
                        const char *kw = ws.w[j];
                        int r = opts_word(&x, SIDE_CRT_LIST, kw,
                                          j + 1 < ws.opt_e ? ws.w[j + 1] : NULL, o);

                        if (r == 0) {
                                if (crt_list_unsupported(kw))
                                        report(&x, 0,
                                               "'%s' is a HAProxy keyword that sluice does not "
                                               "support yet",
                                               kw);
                                else
                                        report(&x, 0, "crt-list: unknown ssl keyword '%s'", kw);
                                return false;
                        }
                        if (r < 0)
                                return false;
                        j += (size_t)r;
                }
        }
        if (!crt_add(&x, &b->tls, ws.w[0], &where))
                return false;
        for (size_t k = before; k < b->tls.n_certs; k++) {
                struct cfg_tls_cert *c = &b->tls.certs[k];

                c->opts = o;
                c->list = list;
                for (size_t j = ws.opt_e; j < ws.n; j++) {
                        const char **f = cfg_arena_push(&p->gen->arena, (void **)&c->sni, &c->n_sni,
                                                        &c->cap_sni, sizeof(*f));

                        if (!f || !(*f = cfg_arena_strdup(&p->gen->arena, ws.w[j]))) {
                                cfg__oom(p);
                                return false;
                        }
                }
        }
        return true;
}

bool cfg__crt_list_load(struct cfg_parser *p, unsigned w, struct cfg_bind *b, const char *arg)
{
        /* HAProxy reads the crt-list file at the path as written: crt-base joins only the
         * certificates named inside */
        const char *list = cfg_arena_strdup(&p->gen->arena, arg);
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        unsigned lineno = 0;
        bool ok = true;
        FILE *f;

        if (!list) {
                cfg__oom(p);
                return false;
        }
        f = fopen(list, "r");
        if (!f) {
                cfg__err(p, w, "crt-list: cannot read '%s': %s", list, strerror(errno));
                return false;
        }
        while ((len = getline(&line, &cap, f)) >= 0) {
                char *s = line;

                lineno++;
                if (memchr(line, '\0', (size_t)len)) {
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, list, lineno, 0,
                                     "crt-list: a NUL character in the line");
                        ok = false;
                        continue;
                }
                if (len > CFG_CRT_LIST_MAX_LINE) {
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, list, lineno, 0,
                                     "crt-list: line too long, limit is %d characters",
                                     CFG_CRT_LIST_MAX_LINE);
                        ok = false;
                        continue;
                }
                /* as in HAProxy, only a '#' that starts the line makes a comment: elsewhere it
                 * is part of a word */
                if (*s == '#')
                        continue;
                line[strcspn(line, "\r\n")] = '\0';
                ok = crt_list_line(p, b, list, list, lineno, s) && ok;
        }
        free(line);
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

int cfg__server_tls_opt(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o, bool dflt)
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
        return opts_word(&x, dflt ? SIDE_DEFAULT_SERVER : SIDE_SERVER, kw, arg, &t->opts);
}

/* ---- globals ---- */

static void kw_path(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_tls_global *g = &p->gen->global.tls;

        if (!cfg__want_args(p, arg, 1, data ? "ca-base <dir>" : "crt-base <dir>"))
                return;
        *(data ? &g->ca_base : &g->crt_base) = cfg__dup(p, arg);
}

/* ssl-default-bind-{ciphers,ciphersuites,curves,sigalgs} and ssl-default-server-{ciphers,
 * ciphersuites}: @data says which. */
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
        const char *stmt = data ? "ssl-default-server-options" : "ssl-default-bind-options";
        unsigned n = cfg__n_words(p);

        if (arg >= n) {
                cfg__err(p, arg - 1, "global statement '%s' expects an option as an argument",
                         stmt);
                return;
        }
        for (unsigned w = arg; w < n;) {
                struct where_ctx x = {.p = p, .w = w};
                int r = opts_word(&x,
                                  data ? SIDE_DEFAULT_SERVER_OPTIONS : SIDE_DEFAULT_BIND_OPTIONS,
                                  cfg__word(p, w), w + 1 < n ? cfg__word(p, w + 1) : NULL, o);

                if (r == 0) {
                        cfg__err(p, w, "unknown option '%s' on global statement '%s'",
                                 cfg__word(p, w), stmt);
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
