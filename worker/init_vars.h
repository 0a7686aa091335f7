#pragma once
/* The global section's set-var and set-var-fmt (init_vars.c). */

struct worker;

/* Set the proc. variables of worker @w's generation, in order, as the worker starts:
 * HAProxy sets them while it loads the configuration; sluice's proc. variables belong to
 * each worker process (see vars.h), which sets its own. In a set-var-fmt, %pid is the
 * master's (the process that loaded the configuration), %H the host name, %t and %T the
 * time it runs; what only a connection or request has prints nothing. */
void init_vars_set(struct worker *w);
