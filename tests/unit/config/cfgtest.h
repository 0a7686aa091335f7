#pragma once
/* Loading a configuration text in the unit tests of config/: the text is "t.cfg", and the
 * load's diagnostics stay in cfgtest_diags for the checks below. */
#include <stdbool.h>

#include "load.h"

extern struct cfg_diags cfgtest_diags;

/* Load @text with @opts (NULL: the defaults): 0, or -errno with *@g NULL. */
int cfgtest_load(const char *text, const struct cfg_load_opts *opts, struct cfg_gen **g);

/* The load succeeds; its diagnostics are printed, so that a failure shows why. */
struct cfg_gen *cfgtest_load_ok(const char *text, const struct cfg_load_opts *opts);

/* Whether the last load said something of @sev in @file (NULL: any file) at @line (0: any
 * line) containing @msg. */
bool cfgtest_has(enum cfg_severity sev, const char *file, unsigned line, const char *msg);

/* The load fails, makes no generation, and has an error in @file (NULL: t.cfg) at @line (0:
 * any line) containing @msg; otherwise the test fails showing what the load said. */
void cfgtest_expect_error(const char *text, const struct cfg_load_opts *opts, const char *file,
                          unsigned line, const char *msg);

void cfgtest_print_diags(void);

/* The proxy @name of @g (a frontend, backend or listen); the test fails if there is none. */
const struct cfg_proxy *cfgtest_proxy(const struct cfg_gen *g, const char *name);

/* The dump of @g (cfg_dump()), in a malloc'd string. */
char *cfgtest_dump(const struct cfg_gen *g);

/* Write @text to the file @name in the folder @dir (a test's temporary folder). */
void cfgtest_write(const char *dir, const char *name, const char *text);

/* The tree the tests come from (SLUICE_SOURCE_ROOT, which meson test sets). */
const char *cfgtest_source_root(void);

/* The whole file @path (relative: to the source root), in a malloc'd string. */
char *cfgtest_read_file(const char *path);
