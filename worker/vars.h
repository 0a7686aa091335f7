#pragma once
/* Variables (HAProxy's set-var, var(), unset-var): values kept by name in one of five scopes
 * and read back later in the same scope. Names are numbered at load (config/sample_expr.h's
 * struct cfg_var_ref), so a store is an array of slots, one per name of its scope, allocated
 * on the first set. The stores are the process's (proc), the session's (sess), and the
 * stream's (txn, and one for req then res: the request's variables are dropped when the
 * response's processing starts). Strings are copied, within HAProxy's tune.vars limits. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample-t.h"
#include "vars-t.h"

/* Free every value of @v, a store of session @ss (may be NULL for the process's) or of its
 * stream @st (may be NULL for the session's); the store stays usable, empty. Inner stores
 * first: a stream's reqres and txn before its session's. */
void vars_clear(struct worker *w, struct sess *ss, struct stream *st, struct vars *v);

/* Stream @st's request processing ended: its request variables go, and its reqres store
 * takes the response's. */
void vars_to_response(struct worker *w, struct sess *ss, struct stream *st);

/* The value of @ref into *ret (strings borrowed from the store until it changes); false
 * when it is not set, or not readable here (a req variable during the response). */
bool vars_get(const struct smp_ctx *c, const struct cfg_var_ref *ref, struct cfg_smp_value *ret);

/* Set @ref to @v under the CFG_VAR_* conditions @flags. False when nothing was set (a
 * condition, no store here, a limit). */
bool vars_set(const struct smp_ctx *c, const struct cfg_var_ref *ref, const struct cfg_smp_value *v,
              unsigned flags);

/* Unset @ref (a proc variable stays known, unset). */
void vars_unset(const struct smp_ctx *c, const struct cfg_var_ref *ref);
