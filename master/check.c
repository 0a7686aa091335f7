/* Loads the configuration through config/ and reports its diagnostics. */
#include "check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "dump.h"
#include "load.h"
#include "tls_ctx.h"
#include "version.h"

void master_print_diags(FILE *out, const struct cfg_diags *d)
{
        for (size_t i = 0; i < d->n; i++) {
                const struct cfg_diag *g = &d->v[i];
                const char *sev = cfg_severity_name(g->severity);

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

static const char *const *cli_paths(const struct master_cli *cli, size_t *ret_n);

/* What every load of the configuration is given, from the command line. */
static struct cfg_load_opts load_opts(const struct master_cli *cli)
{
        return (struct cfg_load_opts){
                .localpeer = cli->localpeer,
                .facts = master_cond_facts(),
                .diag = cli->diag,
        };
}

/* The TLS contexts of @gen, built into @ret (NULL: built to check the files, then freed). */
static int load_tls(struct cfg_gen *gen, const struct tls_shared *sh, struct tls_set **ret,
                    struct cfg_diags *d)
{
        struct tls_set *set = NULL;
        int r = tls_set_build(gen, sh, d, &set);

        if (ret)
                *ret = set;
        else
                tls_set_free(set);
        return r;
}

int master_load_config_tls(const struct master_cli *cli, FILE *err_out, struct cfg_gen **ret_gen,
                           const struct tls_shared *sh, struct tls_set **ret_tls, char *first_err,
                           size_t size)
{
        struct cfg_load_opts opts = load_opts(cli);
        struct cfg_diags diags = {0};
        const char *const *paths;
        size_t n;
        int r;

        if (ret_tls)
                *ret_tls = NULL;
        paths = cli_paths(cli, &n);
        r = cfg_load(paths, n, &opts, ret_gen, &diags);
        if (r == 0) {
                r = load_tls(*ret_gen, sh, ret_tls, &diags);
                if (r < 0)
                        *ret_gen = cfg_gen_unref(*ret_gen);
        }
        master_print_diags(err_out, &diags);
        if (r < 0 && diags.n_errors == 0)
                fprintf(err_out, "error: cannot load the configuration: %s\n", strerror(-r));
        if (first_err && size) {
                first_err[0] = '\0';
                for (size_t i = 0; i < diags.n; i++) {
                        const struct cfg_diag *d = &diags.v[i];

                        if (d->severity != CFG_SEV_ERROR)
                                continue;
                        snprintf(first_err, size, "%s:%u:%u: %s", d->file ? d->file : "-", d->line,
                                 d->col, d->msg);
                        break;
                }
                if (r < 0 && !first_err[0])
                        snprintf(first_err, size, "cannot load the configuration: %s",
                                 strerror(-r));
        }
        cfg_diags_clear(&diags);
        return r;
}

int master_load_config_err(const struct master_cli *cli, FILE *err_out, struct cfg_gen **ret_gen,
                           char *first_err, size_t size)
{
        return master_load_config_tls(cli, err_out, ret_gen, NULL, NULL, first_err, size);
}

int master_load_config(const struct master_cli *cli, FILE *err_out, struct cfg_gen **ret_gen)
{
        return master_load_config_err(cli, err_out, ret_gen, NULL, 0);
}

static const char *const *cli_paths(const struct master_cli *cli, size_t *ret_n)
{
        static const char *const default_paths[] = {MASTER_DEFAULT_CONFIG};

        *ret_n = cli->n_cfg ? cli->n_cfg : 1;
        return cli->n_cfg ? cli->cfg : default_paths;
}

/* {"valid": bool, "errors": N, "warnings": N, "diagnostics": [{"file", "line", "column",
 * "severity" (error, warning, notice, diag), "message"}]}; line and column are null when
 * unknown. */
static int check_json(const struct master_cli *cli)
{
        struct cfg_load_opts opts = load_opts(cli);
        struct cfg_diags diags = {0};
        struct cfg_gen *gen = NULL;
        json_t *root, *list;
        const char *const *paths;
        size_t n;
        int r;

        paths = cli_paths(cli, &n);
        r = cfg_load(paths, n, &opts, &gen, &diags);
        if (r == 0)
                r = load_tls(gen, NULL, NULL, &diags);
        cfg_gen_unref(gen);
        list = json_array();
        root = json_object();
        if (!list || !root)
                goto oom;
        for (size_t i = 0; i < diags.n; i++) {
                const struct cfg_diag *d = &diags.v[i];
                json_t *o = json_pack("{s:s?, s:o, s:o, s:s, s:s}", "file", d->file, "line",
                                      d->line ? json_integer(d->line) : json_null(), "column",
                                      d->col ? json_integer(d->col) : json_null(), "severity",
                                      cfg_severity_name(d->severity), "message", d->msg);

                if (!o || json_array_append_new(list, o) < 0)
                        goto oom;
        }
        if (r < 0 && diags.n_errors == 0) {
                json_t *o = json_pack("{s:n, s:n, s:n, s:s, s:s}", "file", "line", "column",
                                      "severity", "error", "message", strerror(-r));

                if (!o || json_array_append_new(list, o) < 0)
                        goto oom;
        }
        if (json_object_set_new(root, "valid", json_boolean(r == 0)) < 0 ||
            json_object_set_new(root, "errors", json_integer((json_int_t)diags.n_errors)) < 0 ||
            json_object_set_new(root, "warnings", json_integer((json_int_t)diags.n_warnings)) < 0 ||
            json_object_set(root, "diagnostics", list) < 0)
                goto oom;
        if (json_dumpf(root, stdout, JSON_INDENT(2)) < 0)
                goto oom;
        putchar('\n');
        json_decref(list);
        json_decref(root);
        cfg_diags_clear(&diags);
        return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;

oom:
        json_decref(list);
        json_decref(root);
        cfg_diags_clear(&diags);
        fprintf(stderr, "sluice: out of memory\n");
        return EXIT_FAILURE;
}

int master_check_cond(const struct master_cli *cli)
{
        struct cfg_load_opts opts = load_opts(cli);
        char err[1024];
        int r;

        r = cfg_cond_check(cli->condition, &opts, err, sizeof(err));
        if (r == 1)
                return 0;
        if (r == 0)
                return 1;
        if (r == -EBADMSG)
                fprintf(stderr, "sluice: syntax error in condition: %s\n", err);
        else if (r == -EINVAL)
                fprintf(stderr, "sluice: failed to evaluate condition: %s\n", err);
        else
                fprintf(stderr, "sluice: failed to evaluate condition: %s\n", strerror(-r));
        return 2;
}

int master_dump_config(const struct master_cli *cli)
{
        struct cfg_gen *gen = NULL;
        int r;

        if (master_load_config(cli, stderr, &gen) < 0)
                return EXIT_FAILURE;
        r = cfg_dump(gen, stdout);
        cfg_gen_unref(gen);
        if (fflush(stdout) != 0 || r < 0) {
                fprintf(stderr, "sluice: cannot write the configuration: %s\n", strerror(EIO));
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

int master_check_config(const struct master_cli *cli)
{
        struct cfg_gen *gen = NULL;
        int r;

        if (cli->json)
                return check_json(cli);
        r = master_load_config(cli, stderr, &gen);
        if (r < 0)
                return EXIT_FAILURE;
        cfg_gen_unref(gen);
        if (!cli->quiet)
                printf("Configuration file is valid\n");
        return EXIT_SUCCESS;
}
