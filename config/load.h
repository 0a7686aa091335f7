#pragma once
/* Loading a configuration: files in, a generation (config/model.h) or diagnostics out. */

#include <stdbool.h>
#include <stddef.h>

#include "cond_expr.h"
#include "diag.h"
#include "lex.h"
#include "model.h"
#include "resolve.h"

struct cfg_load_opts {
        const char *localpeer;   /* LOCALPEER; NULL: the host name */
        cfg_env_fn *env;         /* NULL: the process environment */
        void *env_data;          /* borrowed; passed to @env */
        cfg_resolve_fn *resolve; /* host names; NULL: the C library's resolver */
        void *resolve_data;      /* borrowed; passed to @resolve */
        const char *resolv_conf; /* what parse-resolv-conf reads; NULL: /etc/resolv.conf */
        /* what .if conditions ask about the program (feature(), enabled(), OpenSSL);
         * borrowed; NULL: no feature is present and there is no OpenSSL */
        const struct cfg_cond_facts *facts;
        bool diag; /* diagnostic mode (-dD): .diag messages and diagnostics are recorded */
};

/* Read @paths (files, or directories of *.cfg files) and build a generation. Every problem
 * found is recorded in @diags (the parser goes on after errors, to report them all). Returns
 * 0 and *ret_gen (one reference) when no error was found, -EINVAL when some was, -ENOMEM. */
int cfg_load(const char *const *paths, size_t n_paths, const struct cfg_load_opts *opts,
             struct cfg_gen **ret_gen, struct cfg_diags *diags);

/* The same from one in-memory text named @name (tests, fuzzing). */
int cfg_load_text(const char *name, const char *text, size_t len, const struct cfg_load_opts *opts,
                  struct cfg_gen **ret_gen, struct cfg_diags *diags);

/* `sluice -cc`: evaluate @text as the condition of a '.if' line, after reading it up to its
 * first line end as the words of one line (quotes, escapes and variables, with the
 * predefined ones; a '#' is no comment there). Returns 1 when true, 0 when false; -EBADMSG
 * when @text cannot be read as words, -EINVAL when the words are no valid condition, both
 * with the reason in @err; -ENOMEM. */
int cfg_cond_check(const char *text, const struct cfg_load_opts *opts, char *err, size_t errsz);

/* The keywords the parser accepts, one per call with @i from 0 until NULL, written as in
 * the configuration ("timeout client", "option httplog", "stats socket"). For
 * documentation checks. */
const char *cfg_supported_keyword(size_t i);
