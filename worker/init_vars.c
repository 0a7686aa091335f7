/* The global section's set-var and set-var-fmt (see init_vars.h). */
#include "init_vars.h"

#include <unistd.h>

#include "accesslog.h"
#include "clock.h"
#include "model.h"
#include "sample.h"
#include "sample_fetch.h"
#include "str.h"
#include "wctx.h"

static int init_sample(void *data, const struct cfg_sample *smp, char *out, size_t outsz)
{
        return sample_init_text(data, smp, out, outsz);
}

void init_vars_set(struct worker *w)
{
        const struct cfg_global *g = &w->gen->global;
        char text[4096];
        for (size_t i = 0; i < g->n_set_vars; i++) {
                const struct cfg_global_var *v = &g->set_vars[i];
                struct alog_entry e;
                int n;

                if (!v->is_fmt) {
                        sample_init_var(w, &v->var, &v->expr);
                        continue;
                }
                alog_entry_init(&e);
                e.pid = (int)getppid();
                e.accept_us = sl_clock_wall_us();
                e.hostname = sl_str_from_cstr(sample_hostname());
                n = alog_format(&v->fmt, &e, init_sample, w, text, sizeof(text));
                if (n >= 0)
                        sample_init_var_str(w, &v->var, sl_str_make(text, (size_t)n));
        }
}
