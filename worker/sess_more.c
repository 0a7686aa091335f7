/* A session's rarely used parts (see sess_more.h). */
#include "sess_more.h"

#include <stdlib.h>

#include "model.h"
#include "wcount.h"
#include "wctx.h"

struct sess_more *sess_more(struct sess *s)
{
        struct sess_more *m = s->more;

        if (m)
                return m;
        m = calloc(1, sizeof(*m));
        if (!m) {
                wc_proc_add(s->w, ST_C_POOL_FAILED);
                return NULL;
        }
        for (unsigned i = 0; i < STICK_COUNTERS; i++)
                m->sc[i].rec = -1;
        vars_init(&m->vars, (unsigned)s->gen->vars[CFG_VSTORE_SESS].n, CFG_SCOPE_SESS);
        s->more = m;
        return m;
}
