#pragma once
/* ACLs as HAProxy defines them (configuration manual, section 7): a sample fetch, a match
 * method and a list of patterns, compiled at load into this form; conditions ("if"/"unless"
 * followed by ACL names, "!", "||" and anonymous "{ ... }" ACLs) compiled into OR-of-ANDs.
 * Workers evaluate them with the pure matchers below: they fetch the sample (a string, an
 * integer, an address or a boolean) and never parse configuration text. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pattern-t.h"
#include "sample_expr.h"
#include "str.h"

/* Where a definition was read, for messages after load (reload logs, runtime API). */
struct cfg_where {
        const char *file; /* arena */
        unsigned line;
};

/* One "acl" line (or one anonymous "{ }"): a sample matched against patterns. */
struct cfg_acl_expr {
        struct cfg_sample smp;
        enum cfg_match match;
        bool icase;               /* -i */
        bool dotted;              /* integer patterns written "MAJOR.MINOR" (req.ssl_ver's) */
        struct cfg_pattern *pats; /* arena array; patterns are ORed */
        size_t n_pats, cap_pats;
        struct cfg_pat_index index; /* built once the patterns are all read */
        struct cfg_where where;
};

/* A map file loaded for one match method and one output type (HAProxy's map_<match>_<output>
 * converters): its keys are the patterns of an expression, each with a value. */
struct cfg_map {
        const char *path;             /* arena, as written */
        struct cfg_acl_expr keys;     /* match, pats, index (no sample) */
        struct cfg_smp_value *values; /* arena array, one per pattern, of type @out */
        size_t n_values, cap_values;
        enum cfg_smp_type in, out; /* what the converter takes and gives */
        struct cfg_map *next;      /* the generation's maps, shared by a file's uses */
};

/* A named ACL: every "acl NAME" line of a proxy, ORed (as in HAProxy). */
struct cfg_acl {
        const char *name; /* arena; NULL for an anonymous ACL */
        struct cfg_acl_expr **exprs;
        size_t n_exprs, cap_exprs;
        unsigned at; /* CFG_FETCH_AT_* of its fetches, ORed */
};

struct cfg_cond_term {
        const struct cfg_acl *acl; /* arena */
        bool negate;
};

/* Terms of one AND group. */
struct cfg_cond_and {
        struct cfg_cond_term *terms;
        size_t n_terms;
};

/* "if|unless" followed by AND groups separated by "||" (AND binds tighter). */
struct cfg_cond {
        bool unless;
        struct cfg_cond_and *ands;
        size_t n_ands;
        unsigned at; /* CFG_FETCH_AT_* needed by any term */
};

/* The type a match method reads: the sample is cast to it before matching. */
enum cfg_smp_type cfg_match_type(enum cfg_match m);

/* The number of the pattern of @e that @v (of cfg_match_type(@e->match)) matches, the one
 * HAProxy's would pick (see pat_index.h), or -1. Not for FOUND and BOOL. */
long cfg_acl_expr_find(const struct cfg_acl_expr *e, const struct cfg_smp_value *v);

/* Does @v (of cfg_match_type(@e->match)) match @e (any of its patterns)? */
bool cfg_acl_expr_match(const struct cfg_acl_expr *e, const struct cfg_smp_value *v);

/* Evaluate @c given the truth value of each ACL, asked through @acl_value (which fetches
 * and matches, and may cache per request). Applies "unless". A NULL @c is true. */
typedef bool cfg_acl_value_fn(void *data, const struct cfg_acl *acl);
bool cfg_cond_eval(const struct cfg_cond *c, cfg_acl_value_fn *acl_value, void *data);
