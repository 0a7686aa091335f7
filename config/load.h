#pragma once
/* Loading a configuration: files in, a generation (config/model.h) or diagnostics out. */

#include <stddef.h>

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
};

/* Read @paths (files, or directories of *.cfg files) and build a generation. Every problem
 * found is recorded in @diags (the parser goes on after errors, to report them all). Returns
 * 0 and *ret_gen (one reference) when no error was found, -EINVAL when some was, -ENOMEM. */
int cfg_load(const char *const *paths, size_t n_paths, const struct cfg_load_opts *opts,
             struct cfg_gen **ret_gen, struct cfg_diags *diags);

/* The same from one in-memory text named @name (tests, fuzzing). */
int cfg_load_text(const char *name, const char *text, size_t len, const struct cfg_load_opts *opts,
                  struct cfg_gen **ret_gen, struct cfg_diags *diags);

/* The keywords the parser accepts, one per call with @i from 0 until NULL, written as in
 * the configuration ("timeout client", "option httplog", "stats socket"). For
 * documentation checks. */
const char *cfg_supported_keyword(size_t i);
