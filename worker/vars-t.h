#pragma once
/* The store of variables a session and a stream embed (vars.h). */

#include <stddef.h>

#include "sample_expr.h"

struct var_slot;

struct vars {
        struct var_slot *slots;   /* owned, @n, or NULL until the first set */
        unsigned n;               /* names of the scope */
        enum cfg_var_scope scope; /* the reqres store: REQ, then RES */
        size_t own;               /* bytes its values take (HAProxy's accounting) */
        size_t total;             /* and those of the stores inside it: tune.vars limits */
};

/* An empty store of @n slots for @scope (nothing is allocated). */
static inline void vars_init(struct vars *v, unsigned n, enum cfg_var_scope scope)
{
        *v = (struct vars){.n = n, .scope = scope};
}
