#pragma once
/* Configuration loading for the master: `sluice -c` and every (re)load go through here, so
 * the diagnostics an operator sees are the same in both. */

#include <stdio.h>

#include "cli.h"

struct cfg_gen;
struct cfg_diags;

#define MASTER_DEFAULT_CONFIG "/etc/sluice/sluice.cfg"

/* Print every diagnostic of @d on @out as "FILE:LINE:COL: error: MESSAGE" (the form
 * compilers use, so editors can jump to it; "warning", "notice" and "diag" likewise). */
void master_print_diags(FILE *out, const struct cfg_diags *d);

/* Load the configuration named by @cli (or the default path). Prints the diagnostics on
 * @err_out. Returns 0 and *ret_gen, or a negative errno. */
int master_load_config(const struct master_cli *cli, FILE *err_out, struct cfg_gen **ret_gen);

/* The same, also writing the first error as "FILE:LINE:COL: MESSAGE" into @first_err. */
int master_load_config_err(const struct master_cli *cli, FILE *err_out, struct cfg_gen **ret_gen,
                           char *first_err, size_t size);

/* The same, also building the TLS contexts of the generation (their files are read as part
 * of the load: a bad certificate fails it) with the shared state @sh (NULL: keys of this
 * process) into *@ret_tls (NULL: they are built, checked and freed). */
struct tls_shared;
struct tls_set;
int master_load_config_tls(const struct master_cli *cli, FILE *err_out, struct cfg_gen **ret_gen,
                           const struct tls_shared *sh, struct tls_set **ret_tls, char *first_err,
                           size_t size);

/* `sluice -c` (text, or JSON with --json): returns the process exit status. */
int master_check_config(const struct master_cli *cli);

/* `sluice -cc`: returns the process exit status, 0 (true), 1 (false) or 2 (error, told on
 * stderr), as HAProxy's. */
int master_check_cond(const struct master_cli *cli);

/* `sluice --dump-config`: returns the process exit status. */
int master_dump_config(const struct master_cli *cli);
