/* Loads the configuration through config/ and reports its diagnostics. */
#include "check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "load.h"

void master_print_diags(FILE *out, const struct cfg_diags *d)
{
        for (size_t i = 0; i < d->n; i++) {
                const struct cfg_diag *g = &d->v[i];
                const char *sev = g->severity == CFG_SEV_ERROR ? "error" : "warning";

                if (g->file && g->line && g->col)
                        fprintf(out, "%s:%u:%u: %s: %s\n", g->file, g->line, g->col, sev, g->msg);
                else if (g->file && g->line)
                        fprintf(out, "%s:%u: %s: %s\n", g->file, g->line, sev, g->msg);
                else if (g->file)
                        fprintf(out, "%s: %s: %s\n", g->file, sev, g->msg);
                else
                        fprintf(out, "%s: %s\n", sev, g->msg);
        }
        if (d->n_dropped)
                fprintf(out, "... and %zu more diagnostics not shown\n", d->n_dropped);
        if (d->oom)
                fprintf(out, "error: out of memory while reading the configuration\n");
}

int master_load_config(const struct master_cli *cli, FILE *err_out, struct cfg_gen **ret_gen)
{
        static const char *const default_paths[] = {MASTER_DEFAULT_CONFIG};
        const char *const *paths = cli->n_cfg ? cli->cfg : default_paths;
        size_t n = cli->n_cfg ? cli->n_cfg : 1;
        struct cfg_diags diags = {0};
        int r;

        r = cfg_load(paths, n, NULL, ret_gen, &diags);
        master_print_diags(err_out, &diags);
        if (r < 0 && diags.n_errors == 0)
                fprintf(err_out, "error: cannot load the configuration: %s\n", strerror(-r));
        cfg_diags_clear(&diags);
        return r;
}

int master_check_config(const struct master_cli *cli)
{
        struct cfg_gen *gen = NULL;
        int r;

        r = master_load_config(cli, stderr, &gen);
        if (r < 0)
                return EXIT_FAILURE;
        cfg_gen_unref(gen);
        printf("Configuration file is valid\n");
        return EXIT_SUCCESS;
}
