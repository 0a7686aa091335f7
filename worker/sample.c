/* The sample engine (see sample.h): a fetch's values (sample_fetch.c) through the
 * expression's converters (sample_conv.c) to what asked for them: ACL matchers, the rules,
 * use_backend and persistence (http_ana.c), and access logs for %[...] nodes.
 *
 * Converters write into two scratch buffers used in turn, each the size of a message
 * buffer (HAProxy's trash chunks): a converter reads one and writes the other, so a chain
 * of any length needs no allocation. A worker is single-threaded and an expression is
 * evaluated to its end before another starts, so the buffers are the process's. */
#include "sample.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_auth.h"
#include "macros.h"
#include "sample_conv.h"
#include "sample_fetch.h"
#include "session.h"
#include "vars.h"
#include "wctx.h"

static struct {
        char *area[2]; /* owned, allocated on first use, kept for the process's life */
        size_t size;
} trash;

/* Scratch buffer @i, of trash.size bytes; NULL when memory is short. */
static char *trash_get(const struct smp_ctx *c, unsigned i)
{
        if (!trash.area[0]) {
                size_t size = c->w->gen->global.tune_bufsize;
                char *a = malloc(size), *b = malloc(size);

                if (!a || !b) {
                        free(a);
                        free(b);
                        return NULL;
                }
                trash.area[0] = a;
                trash.area[1] = b;
                trash.size = size;
        }
        return trash.area[i];
}

/* The scratch buffer @v's bytes are in (0 or 1), or -1: a converter may return a part of
 * its input, so where a value lives is read from its pointer. */
static int trash_of(const struct cfg_smp_value *v)
{
        if (v->type != CFG_SMP_STR && v->type != CFG_SMP_BIN)
                return -1;
        for (int i = 0; i < 2; i++)
                if (trash.area[i] && v->str.ptr >= trash.area[i] &&
                    v->str.ptr <= trash.area[i] + trash.size)
                        return i;
        return -1;
}

/* Cast @v to @to, writing any text to the scratch buffer @v does not use. */
static bool cast(const struct smp_ctx *c, struct cfg_smp_value *v, enum cfg_smp_type to)
{
        char *buf;

        if (to == CFG_SMP_ANY || v->type == to)
                return true;
        buf = trash_get(c, trash_of(v) == 0 ? 1 : 0);
        return buf && sample_cast(v, to, buf, trash.size);
}

/* Run the converters of @smp over @v. */
static bool convert(const struct smp_ctx *c, const struct cfg_sample *smp, struct cfg_smp_value *v)
{
        for (unsigned i = 0; i < smp->n_convs; i++) {
                const struct cfg_conv_call *call = &smp->convs[i];
                char *buf;

                if (!cast(c, v, call->in))
                        return false;
                buf = trash_get(c, trash_of(v) == 0 ? 1 : 0);
                if (!buf || !sample_conv(c, call, v, buf, trash.size))
                        return false;
        }
        return true;
}

struct each {
        const struct smp_ctx *c;
        const struct cfg_sample *smp;
        enum cfg_smp_type want; /* what @fn takes: the value is cast to it */
        smp_value_fn *fn;
        void *data;
};

static bool each_value(void *data, struct cfg_smp_value *fetched)
{
        struct each *e = data;
        struct cfg_smp_value v = *fetched;

        if (!convert(e->c, e->smp, &v) || !cast(e->c, &v, e->want))
                return false;
        return e->fn(e->data, &v);
}

/* Call @fn on each value of the sample, cast to @want, until it returns true. Returns what
 * the last call returned, or false when the sample has no value. */
static bool sample_each(struct smp_ctx *c, const struct cfg_sample *smp, enum cfg_smp_type want,
                        smp_value_fn *fn, void *data)
{
        struct each e = {c, smp, want, fn, data};

        /* a fetch that makes its value writes it to buffer 0 */
        c->buf = trash_get(c, 0);
        c->bufsz = trash.size;
        if (!c->buf)
                return false;
        return sample_fetch(c, smp, each_value, &e);
}

static bool match_one(void *data, struct cfg_smp_value *v)
{
        const struct cfg_acl_expr *e = data;

        if (e->match == CFG_MATCH_AUTH)
                return http_auth_group_match(e, v->str);
        return cfg_acl_expr_match(e, v);
}

bool sample_acl(struct sess *ss, struct stream *st, const struct cfg_acl *acl, bool response)
{
        struct smp_ctx c = {.w = ss->w, .ss = ss, .st = st, .response = response, .all = true};

        for (size_t i = 0; i < acl->n_exprs; i++) {
                const struct cfg_acl_expr *e = acl->exprs[i];

                if (sample_each(&c, &e->smp, cfg_match_type(e->match), match_one, (void *)e))
                        return true;
        }
        return false;
}

struct cond_ctx {
        struct sess *ss;
        struct stream *st;
        bool response;
};

static bool cond_acl(void *data, const struct cfg_acl *acl)
{
        struct cond_ctx *c = data;

        return sample_acl(c->ss, c->st, acl, c->response);
}

bool sample_cond(struct sess *ss, struct stream *st, const struct cfg_cond *c, bool response)
{
        struct cond_ctx ctx = {ss, st, response};

        return cfg_cond_eval(c, cond_acl, &ctx);
}

/* ---- conditions over bytes still arriving (tcp-request inspect-delay) ---- */

/* HAProxy's three-valued ACL results: a condition that is false only for want of bytes is
 * MISS, and waits when it may. */
enum {
        ACL3_FAIL = 0,
        ACL3_MISS = 1,
        ACL3_PASS = 3
};

static int acl3(struct sess *ss, struct stream *st, const struct cfg_acl *acl)
{
        bool more = false;
        struct smp_ctx c = {.w = ss->w, .ss = ss, .st = st, .all = true, .more = &more};

        for (size_t i = 0; i < acl->n_exprs; i++) {
                const struct cfg_acl_expr *e = acl->exprs[i];

                if (sample_each(&c, &e->smp, cfg_match_type(e->match), match_one, (void *)e))
                        return ACL3_PASS;
        }
        return more ? ACL3_MISS : ACL3_FAIL;
}

int sample_cond_partial(struct sess *ss, struct stream *st, const struct cfg_cond *cond)
{
        int any = ACL3_FAIL;

        if (!cond)
                return 1;
        for (size_t i = 0; i < cond->n_ands && any != ACL3_PASS; i++) {
                const struct cfg_cond_and *a = &cond->ands[i];
                int all = ACL3_PASS;

                for (size_t j = 0; j < a->n_terms && all != ACL3_FAIL; j++) {
                        int r = acl3(ss, st, a->terms[j].acl);

                        if (a->terms[j].negate && r != ACL3_MISS)
                                r = ACL3_PASS - r;
                        all = SL_MIN(all, r);
                }
                any = SL_MAX(any, all);
        }
        if (any == ACL3_MISS)
                return -1;
        return (any == ACL3_PASS) != cond->unless;
}

struct value_ctx {
        struct cfg_smp_value *v;
        char *buf;
        size_t bufsz;
        bool found;
};

static bool value_one(void *data, struct cfg_smp_value *v)
{
        struct value_ctx *c = data;

        *c->v = *v;
        if (v->type == CFG_SMP_STR || v->type == CFG_SMP_BIN) {
                size_t n = SL_MIN(v->str.len, c->bufsz);

                if (n)
                        memmove(c->buf, v->str.ptr, n);
                c->v->str = sl_str_make(c->buf, n);
        }
        c->found = true;
        return true;
}

bool sample_value(struct sess *ss, struct stream *st, const struct cfg_sample *smp, bool response,
                  struct cfg_smp_value *v, char *buf, size_t bufsz)
{
        struct smp_ctx c = {.w = ss->w, .ss = ss, .st = st, .response = response};
        struct value_ctx vc = {v, buf, bufsz, false};

        (void)sample_each(&c, smp, CFG_SMP_ANY, value_one, &vc);
        return vc.found;
}

struct text_ctx {
        char *out;
        size_t outsz;
        int len;
};

static bool text_one(void *data, struct cfg_smp_value *v)
{
        struct text_ctx *t = data;
        char ip[INET6_ADDRSTRLEN];
        int n = 0;

        switch (v->type) {
        case CFG_SMP_BOOL:
        case CFG_SMP_INT:
                n = snprintf(t->out, t->outsz, "%lld", (long long)v->i);
                break;
        case CFG_SMP_IP:
                inet_ntop(v->family, v->addr, ip, sizeof(ip));
                n = snprintf(t->out, t->outsz, "%s", ip);
                break;
        case CFG_SMP_STR:
        case CFG_SMP_BIN:
        case CFG_SMP_ANY:
                n = (int)sl_str_copy(t->out, t->outsz, v->str);
                break;
        }
        t->len = n < 0 ? -1 : (int)SL_MIN((size_t)n, t->outsz ? t->outsz - 1 : 0);
        return true;
}

int sample_text(struct sess *ss, struct stream *st, const struct cfg_sample *smp, bool response,
                char *out, size_t outsz)
{
        return sample_text_more(ss, st, smp, response, out, outsz, NULL);
}

/* The text of @smp evaluated in @c (see sample_text()). */
static int text_in(struct smp_ctx *c, const struct cfg_sample *smp, char *out, size_t outsz)
{
        struct text_ctx t = {out, outsz, -1};

        if (outsz == 0)
                return -1;
        out[0] = '\0';
        (void)sample_each(c, smp, CFG_SMP_ANY, text_one, &t);
        return t.len;
}

int sample_text_more(struct sess *ss, struct stream *st, const struct cfg_sample *smp,
                     bool response, char *out, size_t outsz, bool *more)
{
        struct smp_ctx c = {.w = ss->w, .ss = ss, .st = st, .response = response, .more = more};

        return text_in(&c, smp, out, outsz);
}

struct setvar_ctx {
        const struct smp_ctx *c;
        const struct cfg_var_ref *ref;
        unsigned flags;
};

static bool setvar_one(void *data, struct cfg_smp_value *v)
{
        struct setvar_ctx *s = data;

        (void)vars_set(s->c, s->ref, v, s->flags);
        return true;
}

void sample_set_var(struct sess *ss, struct stream *st, bool response,
                    const struct cfg_var_ref *ref, unsigned flags, const struct cfg_sample *expr)
{
        struct smp_ctx c = {.w = ss->w, .ss = ss, .st = st, .response = response};
        struct setvar_ctx s = {&c, ref, flags};

        (void)sample_each(&c, expr, CFG_SMP_ANY, setvar_one, &s);
}

void sample_set_var_str(struct sess *ss, struct stream *st, bool response,
                        const struct cfg_var_ref *ref, unsigned flags, struct sl_str text)
{
        const struct smp_ctx c = {.w = ss->w, .ss = ss, .st = st, .response = response};
        const struct cfg_smp_value v = {.type = CFG_SMP_STR, .str = text};

        (void)vars_set(&c, ref, &v, flags);
}

void sample_unset_var(struct sess *ss, struct stream *st, bool response,
                      const struct cfg_var_ref *ref)
{
        const struct smp_ctx c = {.w = ss->w, .ss = ss, .st = st, .response = response};

        vars_unset(&c, ref);
}

void sample_init_var(struct worker *w, const struct cfg_var_ref *ref, const struct cfg_sample *expr)
{
        struct smp_ctx c = {.w = w};
        struct setvar_ctx s = {&c, ref, 0};

        (void)sample_each(&c, expr, CFG_SMP_ANY, setvar_one, &s);
}

void sample_init_var_str(struct worker *w, const struct cfg_var_ref *ref, struct sl_str text)
{
        const struct smp_ctx c = {.w = w};
        const struct cfg_smp_value v = {.type = CFG_SMP_STR, .str = text};

        (void)vars_set(&c, ref, &v, 0);
}

int sample_init_text(struct worker *w, const struct cfg_sample *smp, char *out, size_t outsz)
{
        struct smp_ctx c = {.w = w};

        return text_in(&c, smp, out, outsz);
}
