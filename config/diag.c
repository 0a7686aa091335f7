/* Diagnostic list for configuration loads (config/ parser, read by master/). */
#include "diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFG_DIAGS_DEFAULT_MAX 1000

const char *cfg_severity_name(enum cfg_severity sev)
{
        switch (sev) {
        case CFG_SEV_ERROR:
                return "error";
        case CFG_SEV_WARNING:
                return "warning";
        case CFG_SEV_NOTICE:
                return "notice";
        case CFG_SEV_DIAG:
                return "diag";
        }
        return "?";
}

void cfg_diag_addv(struct cfg_diags *d, enum cfg_severity sev, const char *file, unsigned line,
                   unsigned col, const char *fmt, va_list ap)
{
        size_t max = d->max ? d->max : CFG_DIAGS_DEFAULT_MAX;
        struct cfg_diag *slot;
        char *msg;

        if (sev == CFG_SEV_ERROR)
                d->n_errors++;
        else if (sev == CFG_SEV_NOTICE)
                d->n_notices++;
        else if (sev == CFG_SEV_WARNING)
                d->n_warnings++;
        if (d->n >= max) {
                d->n_dropped++;
                return;
        }
        if (d->n == d->cap) {
                size_t cap = d->cap ? d->cap * 2 : 16;
                struct cfg_diag *v = realloc(d->v, cap * sizeof(*v));

                if (!v) {
                        d->oom = 1;
                        return;
                }
                d->v = v;
                d->cap = cap;
        }
        if (vasprintf(&msg, fmt, ap) < 0) {
                d->oom = 1;
                return;
        }
        slot = &d->v[d->n];
        *slot = (struct cfg_diag){.severity = sev, .line = line, .col = col, .msg = msg};
        if (file) {
                slot->file = strdup(file);
                if (!slot->file) {
                        free(msg);
                        d->oom = 1;
                        return;
                }
        }
        d->n++;
}

void cfg_diag_add(struct cfg_diags *d, enum cfg_severity sev, const char *file, unsigned line,
                  unsigned col, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        cfg_diag_addv(d, sev, file, line, col, fmt, ap);
        va_end(ap);
}

void cfg_diags_clear(struct cfg_diags *d)
{
        for (size_t i = 0; i < d->n; i++) {
                free(d->v[i].file);
                free(d->v[i].msg);
        }
        free(d->v);
        *d = (struct cfg_diags){.max = d->max};
}
