/* Conditions of HAProxy's conditional blocks (.if/.elif) and of `sluice -cc`: a recursive
 * descent parser building a small tree, then its evaluation. The grammar, the error messages
 * and the nesting accounting follow HAProxy 2.6's cfgcond.c, so that a configuration accepted
 * or refused there is accepted or refused here, at the same place. Called by the block
 * directives (directive.c) and by cfg_cond_check() (load.c). */
#include "cond_expr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

/* Longest predicate argument after unquoting, as HAProxy's trash buffer (tune.bufsize). */
#define COND_ARG_MAX 16384

enum pred {
        PRED_DEFINED,
        PRED_FEATURE,
        PRED_STREQ,
        PRED_STRNEQ,
        PRED_VERSION_ATLEAST,
        PRED_VERSION_BEFORE,
        PRED_OSSL_VERSION_ATLEAST,
        PRED_OSSL_VERSION_BEFORE,
        PRED_SSLLIB_NAME_STARTSWITH,
        PRED_ENABLED,
};

static const struct {
        const char *name;
        enum pred pred;
        unsigned n_args; /* all string arguments, all mandatory */
} predicates[] = {
        {"defined", PRED_DEFINED, 1},
        {"feature", PRED_FEATURE, 1},
        {"streq", PRED_STREQ, 2},
        {"strneq", PRED_STRNEQ, 2},
        {"version_atleast", PRED_VERSION_ATLEAST, 1},
        {"version_before", PRED_VERSION_BEFORE, 1},
        {"openssl_version_atleast", PRED_OSSL_VERSION_ATLEAST, 1},
        {"openssl_version_before", PRED_OSSL_VERSION_BEFORE, 1},
        {"ssllib_name_startswith", PRED_SSLLIB_NAME_STARTSWITH, 1},
        {"enabled", PRED_ENABLED, 1}, /* HAProxy 3.0 */
};

enum term_type {
        TERM_FALSE = 0,
        TERM_TRUE,
        TERM_PRED,
        TERM_PAREN,
};

struct cexpr;

struct cterm {
        enum term_type type;
        bool neg;           /* an odd number of '!' before it */
        unsigned pred;      /* index in predicates[] (TERM_PRED) */
        char *args[2];      /* owned (TERM_PRED) */
        struct cexpr *expr; /* owned (TERM_PAREN) */
};

/* term && term && ...: a right-leaning list */
struct cand {
        struct cterm *left; /* owned */
        struct cand *right; /* owned; NULL at the end */
};

/* and || and || ... */
struct cexpr {
        struct cand *left;   /* owned */
        struct cexpr *right; /* owned; NULL at the end */
};

struct cparse {
        const struct cfg_cond_expr_ctx *ctx; /* borrowed */
        char *err;
        size_t errsz;
        const char *errptr; /* where the error is, in the text */
        bool oom;
};

__attribute__((format(printf, 2, 3))) static void cp_err(struct cparse *cp, const char *fmt, ...)
{
        va_list ap;

        if (!cp->errsz)
                return;
        va_start(ap, fmt);
        vsnprintf(cp->err, cp->errsz, fmt, ap);
        va_end(ap);
}

static void free_expr(struct cexpr *e);

static void free_term(struct cterm *t)
{
        if (!t)
                return;
        free_expr(t->expr);
        free(t->args[0]);
        free(t->args[1]);
        free(t);
}

static void free_and(struct cand *a)
{
        while (a) {
                struct cand *next = a->right;

                free_term(a->left);
                free(a);
                a = next;
        }
}

static void free_expr(struct cexpr *e)
{
        while (e) {
                struct cexpr *next = e->right;

                free_and(e->left);
                free(e);
                e = next;
        }
}

static const char *skip_blanks(const char *in)
{
        while (*in == ' ' || *in == '\t')
                in++;
        return in;
}

/* The predicate named by the word at @in (up to a space or '('), or -1. */
static int pred_lookup(const char *in)
{
        size_t len = strcspn(in, " (");

        for (size_t i = 0; i < SL_ARRAY_SIZE(predicates); i++)
                if (strlen(predicates[i].name) == len && strncmp(in, predicates[i].name, len) == 0)
                        return (int)i;
        return -1;
}

/* HAProxy's make_arg_list() for @n string arguments, all mandatory, from @in (just after
 * the predicate name). Without a '(' there is one empty argument. Returns 0 with
 * *ret_end after the closing ')'; -1 with the error in @cp, *ret_end where it is and
 * *ret_arg the argument it is about. */
static int pred_args(struct cparse *cp, const char *in, unsigned n, char *args[2],
                     const char **ret_end, unsigned *ret_arg)
{
        bool empty = *in != '(';
        unsigned pos = 0;
        char *buf;

        buf = malloc(COND_ARG_MAX);
        if (!buf) {
                cp->oom = true;
                cp_err(cp, "out of memory");
                *ret_end = in;
                *ret_arg = 0;
                return -1;
        }
        if (!empty)
                in++;
        while (pos < n) {
                bool sq = false, dq = false;
                size_t len = 0;

                while (!empty && *in && len < COND_ARG_MAX - 1) {
                        if (*in == '"' && !sq) {
                                dq = !dq;
                                in++;
                        } else if (*in == '\'' && !dq) {
                                sq = !sq;
                                in++;
                        } else if (*in == '\\' && !sq) {
                                if (in[1] == '\0') {
                                        buf[len] = '\0';
                                        cp_err(cp,
                                               "failed to parse '%s' after '%s' as type 'string' "
                                               "at position %u",
                                               in, buf, pos + 1);
                                        goto fail;
                                }
                                if (in[1] == '\\' || in[1] == ' ' || in[1] == '"' || in[1] == '\'')
                                        buf[len++] = *++in;
                                else if (in[1] == 'r' || in[1] == 'n' || in[1] == 't')
                                        buf[len++] = *++in == 'r' ? '\r' : *in == 'n' ? '\n' : '\t';
                                else
                                        buf[len++] = '\\'; /* a lone backslash */
                                in++;
                        } else if (!sq && !dq && (*in == ',' || *in == ')')) {
                                break;
                        } else {
                                buf[len++] = *in++;
                        }
                }
                if (!empty && *in && *in != ',' && *in != ')') {
                        cp_err(cp,
                               "too small buffer size to store decoded argument %u, increase "
                               "bufsize ?",
                               pos + 1);
                        goto fail;
                }
                args[pos] = strndup(buf, len);
                if (!args[pos]) {
                        cp->oom = true;
                        cp_err(cp, "out of memory");
                        goto fail;
                }
                pos++;
                if (empty || !*in || *in == ')' || pos >= n)
                        break;
                in++; /* the comma */
        }
        if (pos < n) {
                cp_err(cp, "missing arguments (got %u/%u), type 'string' expected", pos, n);
                goto fail;
        }
        if (!empty) {
                if (*in != ')') {
                        if (*in)
                                cp_err(cp, "expected ')' before '%s'", in);
                        else
                                cp_err(cp, "expected ')'");
                        /* the empty part before the missing ')' counted as an argument */
                        if (pos > 1)
                                pos--;
                        goto fail;
                }
                in++;
        }
        free(buf);
        *ret_end = in;
        return 0;

fail:
        free(buf);
        *ret_end = in;
        *ret_arg = pos;
        return -1;
}

static int parse_expr(struct cparse *cp, const char **text, struct cexpr **ret, int depth);

/* One term at *text. Returns 1 and moves *text past it, 0 when there is nothing to read,
 * -1 on error. *ret is always linked to the caller's tree, whatever happens. */
static int parse_term(struct cparse *cp, const char **text, struct cterm **ret, int depth)
{
        const char *in = skip_blanks(*text), *end_ptr;
        struct cterm *t;
        char *end;
        unsigned arg;
        long val;
        int p, r;

        if (!*in)
                return 0;
        if (depth <= 0)
                goto unparsable;
        t = *ret = calloc(1, sizeof(*t));
        if (!t) {
                cp->oom = true;
                cp_err(cp, "out of memory");
                cp->errptr = *text;
                return -1;
        }
        while (*in == '!') {
                t->neg = !t->neg;
                in = skip_blanks(in + 1);
        }
        /* HAProxy reads integers with strtol() in base 0: "0x10" and "010" are integers */
        val = strtol(in, &end, 0);
        if (end != in) {
                t->type = val ? TERM_TRUE : TERM_FALSE;
                *text = end;
                return 1;
        }
        if (*in == '(') {
                t->type = TERM_PAREN;
                in = skip_blanks(in + 1);
                r = parse_expr(cp, &in, &t->expr, depth - 1);
                if (r < 0)
                        return -1;
                if (r == 0)
                        goto unparsable;
                in = skip_blanks(in);
                if (*in != ')') {
                        cp_err(cp, "expected ')' after conditional expression '%s'", *text);
                        cp->errptr = *text;
                        return -1;
                }
                *text = skip_blanks(in + 1);
                return 1;
        }
        p = pred_lookup(in);
        if (p >= 0) {
                char inner[512];

                t->type = TERM_PRED;
                t->pred = (unsigned)p;
                if (pred_args(cp, in + strlen(predicates[p].name), predicates[p].n_args, t->args,
                              &end_ptr, &arg) < 0) {
                        snprintf(inner, sizeof(inner), "%s", cp->err);
                        cp_err(cp,
                               "%s in argument %u of predicate '%s' used in conditional "
                               "expression",
                               inner, arg, predicates[p].name);
                        cp->errptr = end_ptr;
                        return -1;
                }
                *text = end_ptr;
                return 1;
        }
unparsable:
        cp_err(cp, "unparsable conditional expression '%s'", *text);
        cp->errptr = *text;
        return -1;
}

/* term && term ...; same contract as parse_term(). */
static int parse_and(struct cparse *cp, const char **text, struct cand **ret, int depth)
{
        const char *in = *text;
        struct cand *a;
        int r;

        if (!*in)
                return 0;
        if (depth <= 0) {
                cp_err(cp, "unparsable conditional sub-expression '%s'", in);
                cp->errptr = in;
                return -1;
        }
        a = *ret = calloc(1, sizeof(*a));
        if (!a) {
                cp->oom = true;
                cp_err(cp, "out of memory");
                cp->errptr = in;
                return -1;
        }
        r = parse_term(cp, &in, &a->left, depth - 1);
        if (r < 0)
                return -1;
        if (r == 0) {
                cp_err(cp, "unparsable conditional sub-expression '%s'", in);
                cp->errptr = in;
                return -1;
        }
        in = skip_blanks(in);
        *text = in;
        if (in[0] != '&' || in[1] != '&')
                return 1;
        in = skip_blanks(in + 2);
        r = parse_and(cp, &in, &a->right, depth - 1);
        if (r > 0)
                *text = in;
        return r;
}

/* and || and ...; same contract as parse_term(). */
static int parse_expr(struct cparse *cp, const char **text, struct cexpr **ret, int depth)
{
        const char *in = *text;
        struct cexpr *e;
        int r;

        if (!*in)
                return 0;
        if (depth <= 0) {
                cp_err(cp, "unparsable conditional expression '%s'", in);
                cp->errptr = in;
                return -1;
        }
        e = *ret = calloc(1, sizeof(*e));
        if (!e) {
                cp->oom = true;
                cp_err(cp, "out of memory");
                cp->errptr = in;
                return -1;
        }
        r = parse_and(cp, &in, &e->left, depth - 1);
        if (r < 0)
                return -1;
        if (r == 0) {
                cp_err(cp, "unparsable conditional expression '%s'", in);
                cp->errptr = in;
                return -1;
        }
        in = skip_blanks(in);
        *text = in;
        if (in[0] != '|' || in[1] != '|')
                return 1;
        in = skip_blanks(in + 2);
        r = parse_expr(cp, &in, &e->right, depth - 1);
        if (r > 0)
                *text = in;
        return r;
}

/* HAProxy's split_version(): "a[.b[.c[.d]]][-(dev|rc|pre)N][-commit]" into 7 numbers;
 * returns false when @version cannot be read. */
static bool split_version(const char *version, unsigned value[7])
{
        const char *p = version, *s;
        char *error;

        for (int i = 0; i < 7; i++)
                value[i] = 0;
        value[4] = 3; /* a release, after dev (1) and rc/pre (2) */
        if (!*p)
                return false;
        for (int i = 0; i < 4; i++) {
                value[i] = (unsigned)strtol(p, &error, 10);
                p = error + 1;
                if (*error == '\0')
                        return true;
                if (*error == '-')
                        break;
                if (*error != '.' || i == 3)
                        return false;
        }
        /* after a '-': a tag, then a commit number, or a commit number */
        if (!(*p >= '0' && *p <= '9')) {
                bool tagged = true;

                if (strncmp(p, "dev", 3) == 0) {
                        value[4] = 1;
                        p += 3;
                } else if (strncmp(p, "rc", 2) == 0) {
                        value[4] = 2;
                        p += 2;
                } else if (strncmp(p, "pre", 3) == 0) {
                        value[4] = 2;
                        p += 3;
                } else {
                        tagged = false;
                }
                if (tagged) {
                        value[5] = (unsigned)strtol(p, &error, 10);
                        p = error + 1;
                        if (*error == '\0')
                                return true;
                        if (*error != '-')
                                return false;
                }
        }
        s = strrchr(p, '-');
        if (s) {
                s++;
                if (*s == '\0')
                        return false;
                value[6] = (unsigned)strtol(s, &error, 10);
                if (*error != '\0')
                        value[6] = 0;
                return true;
        }
        value[6] = (unsigned)strtol(p, &error, 10);
        if (*error != '\0')
                value[6] = 0;
        return true;
}

int cfg_cond_expr_version_cmp(const char *current, const char *version)
{
        unsigned loc[7], mod[7];

        if (!split_version(current, loc))
                return -2;
        if (!split_version(version, mod))
                return -3;
        for (int i = 0; i < 7; i++) {
                if (mod[i] < loc[i])
                        return -1;
                if (mod[i] > loc[i])
                        return 1;
        }
        return 0;
}

/* HAProxy's openssl_version_parser(): "M.N.F[letters|-betaN|-other]" to 0xMNNFFPPS; 0 when
 * it cannot be read. */
static unsigned openssl_version_parse(const char *version)
{
        unsigned major, minor, fix, patch = 0, status = 0;
        const char *p = version;
        char *end;

        if (!*p)
                return 0;
        major = (unsigned)strtol(p, &end, 10);
        if (*end != '.' || major > 0xf)
                return 0;
        p = end + 1;
        minor = (unsigned)strtol(p, &end, 10);
        if (*end != '.' || minor > 0xff)
                return 0;
        p = end + 1;
        fix = (unsigned)strtol(p, &end, 10);
        if (fix > 0xff)
                return 0;
        p = end;
        if (!*p) {
                status = 0xf; /* a release */
        } else if (*p == '-') {
                /* only a beta counts; any other suffix is a development version */
                p++;
                if (strncmp(p, "beta", 4) == 0) {
                        status = (unsigned)strtol(p + 4, &end, 10);
                        if (status > 14)
                                return 0;
                }
        } else {
                /* a patch release: letters after the numbers */
                patch = 1;
                for (; *p; p++)
                        patch += (unsigned)((*p & ~0x20) - 'A');
                status = 0xf;
        }
        return (major & 0xf) << 28 | (minor & 0xff) << 20 | (fix & 0xff) << 12 |
               (patch & 0xff) << 4 | (status & 0xf);
}

/* Is @name listed in @list with a '+' before it (HAProxy's feature() lookup, which takes
 * the first whole-word occurrence)? */
static bool feature_on(const char *list, const char *name)
{
        size_t len = strlen(name);

        if (!list || !len)
                return false;
        for (const char *p = list; (p = strstr(p, name)); p++) {
                if (p > list && (p[len] == ' ' || p[len] == '\0')) {
                        if (p[-1] == '+')
                                return true;
                        if (p[-1] == '-')
                                return false;
                }
        }
        return false;
}

/* Is @name one of the space-separated words of @list? */
static bool word_in(const char *list, const char *name)
{
        size_t len = strlen(name);

        if (!list || !len)
                return false;
        for (const char *p = list; *p;) {
                size_t n = strcspn(p, " ");

                if (n == len && strncmp(p, name, len) == 0)
                        return true;
                p += n;
                p += strspn(p, " ");
        }
        return false;
}

static int eval_expr(struct cparse *cp, const struct cexpr *e);

static int eval_pred(struct cparse *cp, const struct cterm *t)
{
        const struct cfg_cond_facts *f = cp->ctx ? cp->ctx->facts : NULL;
        const char *a = t->args[0];
        unsigned long ossl = f ? f->openssl_version_number : 0;
        unsigned v;

        switch (predicates[t->pred].pred) {
        case PRED_DEFINED:
                if (cp->ctx && cp->ctx->env)
                        return cp->ctx->env(cp->ctx->env_data, a) != NULL;
                return getenv(a) != NULL;
        case PRED_FEATURE:
                return feature_on(f ? f->features : NULL, a);
        case PRED_STREQ:
                return strcmp(a, t->args[1]) == 0;
        case PRED_STRNEQ:
                return strcmp(a, t->args[1]) != 0;
        case PRED_VERSION_ATLEAST:
                return cfg_cond_expr_version_cmp(CFG_COND_HAPROXY_VERSION, a) <= 0;
        case PRED_VERSION_BEFORE:
                return cfg_cond_expr_version_cmp(CFG_COND_HAPROXY_VERSION, a) > 0;
        case PRED_OSSL_VERSION_ATLEAST:
        case PRED_OSSL_VERSION_BEFORE:
                if (!ossl) {
                        cp_err(cp, "predicate '%s' needs OpenSSL", predicates[t->pred].name);
                        return -1;
                }
                v = openssl_version_parse(a);
                if (!v) {
                        cp_err(cp, "cannot read '%s' as an OpenSSL version in predicate '%s'", a,
                               predicates[t->pred].name);
                        return -1;
                }
                if (predicates[t->pred].pred == PRED_OSSL_VERSION_ATLEAST)
                        return v <= ossl;
                return v > ossl;
        case PRED_SSLLIB_NAME_STARTSWITH:
                return f && f->ssllib_name && strlen(a) <= strlen(f->ssllib_name) &&
                       strncmp(f->ssllib_name, a, strlen(a)) == 0;
        case PRED_ENABLED:
                return word_in(f ? f->enabled : NULL, a);
        }
        return -1;
}

static int eval_term(struct cparse *cp, const struct cterm *t)
{
        int r = -1;

        switch (t->type) {
        case TERM_FALSE:
                r = 0;
                break;
        case TERM_TRUE:
                r = 1;
                break;
        case TERM_PRED:
                r = eval_pred(cp, t);
                break;
        case TERM_PAREN:
                r = eval_expr(cp, t->expr);
                break;
        }
        if (r >= 0 && t->neg)
                r = !r;
        return r;
}

static int eval_and(struct cparse *cp, const struct cand *a)
{
        int r;

        /* stop at the first false or failing term */
        while ((r = eval_term(cp, a->left)) > 0 && a->right)
                a = a->right;
        return r;
}

static int eval_expr(struct cparse *cp, const struct cexpr *e)
{
        int r;

        /* stop at the first true or failing sub-expression */
        while ((r = eval_and(cp, e->left)) == 0 && e->right)
                e = e->right;
        return r;
}

int cfg_cond_expr_eval(const char *text, const struct cfg_cond_expr_ctx *ctx, char *err,
                       size_t errsz, size_t *ret_pos)
{
        struct cparse cp = {.ctx = ctx, .err = err, .errsz = errsz};
        struct cexpr *tree = NULL;
        const char *in = text;
        int r;

        if (errsz)
                err[0] = '\0';
        if (!*text)
                return 0; /* the empty condition is false */
        r = parse_expr(&cp, &in, &tree, CFG_COND_MAX_DEPTH);
        if (r > 0) {
                in = skip_blanks(in);
                if (*in) {
                        cp_err(&cp,
                               "unexpected character '%c' at the end of conditional expression "
                               "'%s'",
                               *in, text);
                        cp.errptr = in;
                        r = -1;
                } else {
                        r = eval_expr(&cp, tree);
                        if (r < 0)
                                cp.errptr = text;
                }
        } else if (r == 0) {
                cp_err(&cp, "unparsable conditional expression '%s'", text);
                cp.errptr = in;
                r = -1;
        }
        free_expr(tree);
        if (r >= 0)
                return r;
        if (ret_pos)
                *ret_pos = cp.errptr ? (size_t)(cp.errptr - text) : 0;
        return cp.oom ? -ENOMEM : -EINVAL;
}
