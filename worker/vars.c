/* Variables (see vars.h): read by the var() fetch and the converters that name one, written
 * by set-var and unset-var (actions and converters) and by the global section's set-var. */
#include "vars.h"

#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "model.h"
#include "sess_more.h"
#include "stream-t.h"
#include "wctx.h"

enum var_state {
        VAR_NONE = 0, /* never set in this store */
        VAR_EXISTS,   /* known, not set (a proc variable, or one unset) */
        VAR_SET,
};

struct var_slot {
        enum var_state state;
        struct cfg_smp_value v; /* its str points to @str for strings and binaries */
        char *str;              /* owned */
};

/* What HAProxy counts for a variable besides its bytes (its struct var). */
#define VAR_OVERHEAD 64u

/* The process's store, and what every store of the process holds (tune.vars.global). */
static struct vars proc_vars;
static bool proc_ready;
static size_t global_bytes;

static size_t slot_cost(const struct var_slot *s)
{
        if (s->state == VAR_NONE)
                return 0;
        return VAR_OVERHEAD + (s->str ? s->v.str.len : 0);
}

/* @v and the stores that enclose it, innermost first (HAProxy's var_accounting_add(): a
 * request variable counts in its stream's txn, its session, the process), with their
 * limits (0: none). */
static unsigned chain(const struct smp_ctx *c, struct vars *v, struct vars **ret, size_t *limits)
{
        const struct cfg_global *g = &c->w->gen->global;
        unsigned n = 0;

        if (v->scope == CFG_SCOPE_REQ || v->scope == CFG_SCOPE_RES) {
                ret[n] = v;
                limits[n++] = g->tune_vars_reqres_max;
                v = c->st ? &c->st->vars_txn : NULL;
        }
        if (v && v->scope == CFG_SCOPE_TXN) {
                ret[n] = v;
                limits[n++] = g->tune_vars_txn_max;
                v = c->ss && c->ss->more ? &c->ss->more->vars : NULL;
        }
        if (v && v->scope == CFG_SCOPE_SESS) {
                ret[n] = v;
                limits[n++] = g->tune_vars_sess_max;
        }
        ret[n] = &proc_vars;
        limits[n++] = g->tune_vars_proc_max;
        return n;
}

/* Add @delta bytes (may be negative) to what @v holds, counting them in the stores around
 * it; false, with nothing counted, when a limit would be passed. */
static bool account(const struct smp_ctx *c, struct vars *v, long long delta)
{
        struct vars *stores[4];
        size_t limits[4];
        unsigned n = chain(c, v, stores, limits);
        size_t glimit = c->w->gen->global.tune_vars_global_max;

        if (delta > 0) {
                for (unsigned i = 0; i < n; i++)
                        if (limits[i] && stores[i]->total + (size_t)delta > limits[i])
                                return false;
                if (glimit && global_bytes + (size_t)delta > glimit)
                        return false;
        }
        v->own += (size_t)delta;
        for (unsigned i = 0; i < n; i++)
                stores[i]->total += (size_t)delta;
        global_bytes += (size_t)delta;
        return true;
}

static void slot_free(struct var_slot *s)
{
        free(s->str);
        *s = (struct var_slot){0};
}

/* Drop every value of @v, and what it held from the counts around it. */
static void drop_all(const struct smp_ctx *c, struct vars *v)
{
        /* a store holds values only once its slots were made: most never are */
        if (!v->slots)
                return;
        account(c, v, -(long long)v->own);
        for (unsigned i = 0; v->slots && i < v->n; i++)
                slot_free(&v->slots[i]);
}

void vars_clear(struct worker *w, struct sess *ss, struct stream *st, struct vars *v)
{
        const struct smp_ctx c = {.w = w, .ss = ss, .st = st};

        drop_all(&c, v);
        free(v->slots);
        v->slots = NULL;
}

void vars_to_response(struct worker *w, struct sess *ss, struct stream *st)
{
        const struct smp_ctx c = {.w = w, .ss = ss, .st = st};
        struct vars *reqres = &st->vars_reqres;

        if (reqres->scope == CFG_SCOPE_RES)
                return;
        drop_all(&c, reqres);
        reqres->scope = CFG_SCOPE_RES;
}

/* The store @ref lives in here, or NULL when there is none or it is not readable now. A
 * session's store is made when @create. */
static struct vars *store_of(const struct smp_ctx *c, const struct cfg_var_ref *ref, bool create)
{
        struct sess_more *m;

        struct vars *v;

        switch (ref->scope) {
        case CFG_SCOPE_PROC:
                if (!proc_ready) {
                        const struct cfg_var_names *names = &c->w->gen->vars[CFG_VSTORE_PROC];

                        vars_init(&proc_vars, (unsigned)names->n, CFG_SCOPE_PROC);
                        proc_ready = true;
                }
                return &proc_vars;
        case CFG_SCOPE_SESS:
                if (!c->ss)
                        return NULL;
                m = create ? sess_more(c->ss) : c->ss->more;
                return m ? &m->vars : NULL;
        case CFG_SCOPE_TXN:
                return c->st ? &c->st->vars_txn : NULL;
        case CFG_SCOPE_REQ:
        case CFG_SCOPE_RES:
                v = c->st ? &c->st->vars_reqres : NULL;
                return v && v->scope == ref->scope ? v : NULL;
        case CFG_SCOPE_COUNT:
                break;
        }
        return NULL;
}

/* The slot of @ref, its store allocated when @create; NULL when there is none. */
static struct var_slot *slot_of(const struct smp_ctx *c, const struct cfg_var_ref *ref, bool create,
                                struct vars **ret_store)
{
        struct vars *v = store_of(c, ref, create);

        if (!v || ref->idx >= v->n)
                return NULL;
        if (!v->slots) {
                if (!create)
                        return NULL;
                v->slots = calloc(v->n, sizeof(*v->slots));
                if (!v->slots)
                        return NULL;
                /* HAProxy creates the proc variables it reads at load: they exist, unset */
                if (v == &proc_vars)
                        for (unsigned i = 0; i < v->n; i++)
                                v->slots[i].state = VAR_EXISTS;
        }
        *ret_store = v;
        return &v->slots[ref->idx];
}

bool vars_get(const struct smp_ctx *c, const struct cfg_var_ref *ref, struct cfg_smp_value *ret)
{
        struct vars *v;
        struct var_slot *s = slot_of(c, ref, false, &v);

        if (!s || s->state != VAR_SET)
                return false;
        *ret = s->v;
        return true;
}

static bool is_text(enum cfg_smp_type t)
{
        return t == CFG_SMP_STR || t == CFG_SMP_BIN;
}

bool vars_set(const struct smp_ctx *c, const struct cfg_var_ref *ref,
              const struct cfg_smp_value *val, unsigned flags)
{
        struct vars *v;
        struct var_slot *s = slot_of(c, ref, true, &v), old;
        size_t need;
        char *copy = NULL;

        if (!s)
                return false;
        /* HAProxy's var_set() conditions, in its order */
        if ((flags & CFG_VAR_IFEXISTS) && s->state == VAR_NONE)
                return false;
        if ((flags & CFG_VAR_IFNOTEXISTS) && s->state != VAR_NONE)
                return false;
        if ((flags & CFG_VAR_IFSET) && s->state != VAR_SET)
                return false;
        if ((flags & CFG_VAR_IFNOTSET) && s->state == VAR_SET)
                return false;
        if ((flags & CFG_VAR_IFEMPTY) && (!is_text(val->type) || val->str.len))
                return false;
        if ((flags & CFG_VAR_IFNOTEMPTY) && is_text(val->type) && !val->str.len)
                return false;
        if ((flags & (CFG_VAR_IFGT | CFG_VAR_IFLT)) && s->state == VAR_SET &&
            s->v.type == CFG_SMP_INT && val->type == CFG_SMP_INT &&
            (((flags & CFG_VAR_IFGT) && !(s->v.i > val->i)) ||
             ((flags & CFG_VAR_IFLT) && !(s->v.i < val->i))))
                return false;
        need = VAR_OVERHEAD + (is_text(val->type) ? val->str.len : 0);
        if (!account(c, v, (long long)need - (long long)slot_cost(s)))
                return false;
        if (is_text(val->type)) {
                copy = malloc(val->str.len ? val->str.len : 1);
                if (!copy) {
                        account(c, v, (long long)slot_cost(s) - (long long)need);
                        return false;
                }
                if (val->str.len)
                        memcpy(copy, val->str.ptr, val->str.len);
        }
        old = *s;
        s->state = VAR_SET;
        s->v = *val;
        s->str = copy;
        if (copy)
                s->v.str = sl_str_make(copy, val->str.len);
        free(old.str);
        return true;
}

void vars_unset(const struct smp_ctx *c, const struct cfg_var_ref *ref)
{
        struct vars *v;
        struct var_slot *s = slot_of(c, ref, false, &v);

        if (!s || s->state == VAR_NONE)
                return;
        account(c, v, -(long long)slot_cost(s));
        slot_free(s);
        if (v == &proc_vars)
                s->state = VAR_EXISTS;
}
