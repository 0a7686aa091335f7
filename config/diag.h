#pragma once
/* Diagnostics of a configuration load: every error and warning found, each with its file,
 * line and column, in the order found. The parser goes on after an error so that one run of
 * `sluice -c` reports them all; master/ prints them (text or JSON). */

#include <stdarg.h>
#include <stddef.h>

enum cfg_severity {
        CFG_SEV_ERROR = 0,
        CFG_SEV_WARNING,
        CFG_SEV_NOTICE, /* something the reader should know that changes nothing: a HAProxy
                         * keyword with no meaning in sluice's process model, or what the
                         * configuration asked for (.notice) */
        CFG_SEV_DIAG,   /* diagnostic mode (-dD) only: suspicious but valid */
};

/* "error", "warning", "notice" or "diag". */
const char *cfg_severity_name(enum cfg_severity sev);

struct cfg_diag {
        enum cfg_severity severity;
        char *file;    /* owned; NULL when the message is about no file */
        unsigned line; /* 1-based; 0 when unknown */
        unsigned col;  /* 1-based; 0 when unknown */
        char *msg;     /* owned */
};

struct cfg_diags {
        struct cfg_diag *v; /* owned array of @n */
        size_t n, cap;
        size_t n_errors;
        size_t n_warnings;
        size_t n_notices;
        size_t max;       /* stop recording after this many (0: default 1000) */
        size_t n_dropped; /* diagnostics past @max, counted only */
        int oom;          /* an allocation failed; some diagnostics are missing */
};

void cfg_diag_add(struct cfg_diags *d, enum cfg_severity sev, const char *file, unsigned line,
                  unsigned col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void cfg_diag_addv(struct cfg_diags *d, enum cfg_severity sev, const char *file, unsigned line,
                   unsigned col, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

void cfg_diags_clear(struct cfg_diags *d);
