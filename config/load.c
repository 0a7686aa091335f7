/* Loading a configuration (load.h): the files are read (source.c), each is lexed line by line
 * (lex.c) through the block directives (directive.c), the lines left are parsed (parse.c),
 * and the generation is checked as a whole at the end. Also `sluice -cc`, which evaluates one
 * condition with the same variables. Called by master/. */
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "directive.h"
#include "parse-int.h"
#include "source.h"

/* Variables sluice defines for every configuration, under its own names and HAProxy's, so a
 * configuration written for HAProxy reads the same (manual section 2.3). They take precedence
 * over the environment, as HAProxy sets them itself at start. The pseudo-variables .FILE,
 * .LINE and .SECTION answer for the place being read. */
struct predef_env {
        const struct cfg_load_opts *opts; /* borrowed: the caller's lookup */
        char localpeer[256];
        char *cfgfiles;             /* owned: the files read, separated by ';'; NULL when none */
        const struct cfg_parser *p; /* borrowed: .SECTION; NULL outside a load (-cc) */
        const struct cfg_lex *lx;   /* borrowed: .FILE and .LINE; NULL outside a file */
        char line[16];              /* .LINE's text */
};

#define SL_HTTP_LOG_FMT                                                    \
        "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc " \
        "%ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r"
#define SL_TCP_LOG_FMT "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq"

static const char *predef_env_lookup(void *data, const char *name)
{
        struct predef_env *e = data;
        const char *suffix = NULL;

        if (name[0] == '.') {
                /* outside a file (-cc), HAProxy has no file, line 0 and no section */
                if (strcmp(name, ".FILE") == 0)
                        return e->lx ? e->lx->file : NULL;
                if (strcmp(name, ".LINE") == 0) {
                        snprintf(e->line, sizeof(e->line), "%u", e->lx ? e->lx->line : 0);
                        return e->line;
                }
                if (strcmp(name, ".SECTION") == 0)
                        return e->p ? e->p->section_label : NULL;
                return NULL;
        }
        if (strncmp(name, "SLUICE_", 7) == 0)
                suffix = name + 7;
        else if (strncmp(name, "HAPROXY_", 8) == 0)
                suffix = name + 8;
        if (suffix) {
                /* "localpeer" in the global section changes it for the lines after it, as
                 * HAProxy's setenv() does */
                if (strcmp(suffix, "LOCALPEER") == 0)
                        return e->p && e->p->gen && e->p->gen->global.localpeer
                                       ? e->p->gen->global.localpeer
                                       : e->localpeer;
                if (strcmp(suffix, "CFGFILES") == 0 && e->cfgfiles)
                        return e->cfgfiles;
                if (strcmp(suffix, "HTTP_LOG_FMT") == 0)
                        return SL_HTTP_LOG_FMT;
                if (strcmp(suffix, "TCP_LOG_FMT") == 0)
                        return SL_TCP_LOG_FMT;
        }
        if (e->opts && e->opts->env)
                return e->opts->env(e->opts->env_data, name);
        return cfg_env_getenv(NULL, name);
}

static int predef_env_init(struct predef_env *e, const struct cfg_files *files,
                           const struct cfg_load_opts *opts)
{
        size_t len = 1;

        *e = (struct predef_env){.opts = opts};
        /* the local peer name defaults to the host name, as in HAProxy */
        if (opts && opts->localpeer)
                snprintf(e->localpeer, sizeof(e->localpeer), "%s", opts->localpeer);
        else if (gethostname(e->localpeer, sizeof(e->localpeer) - 1) != 0)
                e->localpeer[0] = '\0';
        if (!files || !files->n)
                return 0;
        for (size_t i = 0; i < files->n; i++)
                len += strlen(files->v[i].path) + 1;
        e->cfgfiles = calloc(1, len);
        if (!e->cfgfiles)
                return -ENOMEM;
        for (size_t i = 0; i < files->n; i++) {
                if (i)
                        strcat(e->cfgfiles, ";");
                strcat(e->cfgfiles, files->v[i].path);
        }
        return 0;
}

/* Reads one file. Returns 0, 1 when the load must stop here (an aborting directive
 * error), or -ENOMEM. */
static int parser_run_file(struct cfg_parser *p, struct predef_env *env, const char *name,
                           const char *text, size_t len, const struct cfg_cond_facts *facts)
{
        struct cfg_cond_expr_ctx cond = {.facts = facts, .env = predef_env_lookup, .env_data = env};
        struct cfg_directive_env denv = {.cond = &cond, .diags = p->diags, .diag = p->diag};
        struct cfg_blocks blocks = {0};
        enum cfg_directive_result d = CFG_DIR_DONE;
        struct cfg_lex lx;
        struct cfg_line line;
        struct cfg_err err;
        int r;

        p->file = cfg_arena_strdup(&p->gen->arena, name);
        if (!p->file)
                return -ENOMEM;
        denv.file = p->file;
        p->non_global_seen = false;
        cfg_lex_init(&lx, p->file, text, len, predef_env_lookup, env);
        env->lx = &lx;
        for (;;) {
                r = cfg_lex_next_line(&lx, &line, &err);
                if (r == 0 || r == -ENOMEM)
                        break;
                if (r < 0) {
                        /* reported in inactive blocks too, as HAProxy lexes them */
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, p->file, err.line, err.col, "%s",
                                     err.msg);
                        continue;
                }
                d = cfg_directive_line(&blocks, &line, &denv);
                if (d == CFG_DIR_STOP_FILE || d == CFG_DIR_ABORT)
                        break;
                if (d != CFG_DIR_PARSE)
                        continue;
                p->l = &line;
                cfg__parser_line(p);
                p->l = NULL;
        }
        env->lx = NULL;
        cfg_lex_deinit(&lx);
        if (r == -ENOMEM)
                return r;
        if (d == CFG_DIR_ABORT)
                return 1;
        return cfg_directive_end(&blocks, &denv) == CFG_DIR_ABORT ? 1 : 0;
}

static struct cfg_gen *gen_new(void)
{
        struct cfg_gen *g = calloc(1, sizeof(*g));

        if (!g)
                return NULL;
        g->refs = 1;
        g->global.tune_bufsize = 16384;
        g->global.tune_h2_max_concurrent_streams = 100;
        g->global.h2_streams = 100;
        g->global.tune_h2_header_table_size = 4096;
        g->global.tune_h2_initial_window_size = 65535;
        g->global.h2_window = 65535;
        g->global.tune_h2_max_frame_size = 16384;
        g->global.tune_h2_fe_glitches_threshold = 1000;
        g->global.tune_h2_be_max_concurrent_streams = 100;
        g->global.tune_h2_be_initial_window_size = 65535;
        g->global.tune_peers_max_updates = CFG_PEERS_MAX_UPDATES_DEFAULT;
        return g;
}

static int parser_load(const struct cfg_files *files, const struct cfg_load_opts *opts,
                       struct cfg_gen **ret_gen, struct cfg_diags *diags)
{
        struct cfg_parser p = {.diags = diags, .diag = opts && opts->diag};
        size_t errors_before = diags->n_errors;
        struct predef_env env;
        int r = 0;

        if (predef_env_init(&env, files, opts) < 0)
                return -ENOMEM;
        env.p = &p;
        p.env = predef_env_lookup;
        p.env_data = &env;
        p.resolve = opts ? opts->resolve : NULL;
        p.resolve_data = opts ? opts->resolve_data : NULL;
        p.resolv_conf = opts ? opts->resolv_conf : NULL;
        p.gen = gen_new();
        if (p.gen) {
                p.gen->global.localpeer = cfg_arena_strdup(&p.gen->arena, env.localpeer);
                p.gen->global.localpeer_cmdline = opts && opts->localpeer;
        }
        if (!p.gen || !p.gen->global.localpeer) {
                cfg_gen_unref(p.gen);
                free(env.cfgfiles);
                return -ENOMEM;
        }
        for (size_t i = 0; i < files->n && r == 0; i++) {
                /* Each file starts outside any section, as in HAProxy. */
                p.sec = CFG_SEC_NONE;
                p.px = NULL;
                r = parser_run_file(&p, &env, files->v[i].path, files->v[i].text, files->v[i].len,
                                    opts ? opts->facts : NULL);
        }
        /* After an aborting error nothing is checked: the model is incomplete. */
        if (r == 0)
                cfg__parser_finish(&p);
        if (r >= 0 && diags->oom)
                r = -ENOMEM;
        free(env.cfgfiles);
        if (r < 0 || diags->n_errors > errors_before) {
                cfg_gen_unref(p.gen);
                return r < 0 ? r : -EINVAL;
        }
        *ret_gen = p.gen;
        return 0;
}

int cfg_load(const char *const *paths, size_t n_paths, const struct cfg_load_opts *opts,
             struct cfg_gen **ret_gen, struct cfg_diags *diags)
{
        struct cfg_files files;
        int r, rl;

        r = cfg_files_load(paths, n_paths, &files, diags);
        if (r == -ENOMEM)
                return r;
        /* Parse what could be read even when some file could not: report everything. */
        rl = parser_load(&files, opts, ret_gen, diags);
        cfg_files_clear(&files);
        if (rl == 0 && r < 0) {
                *ret_gen = cfg_gen_unref(*ret_gen);
                return r;
        }
        return rl;
}

int cfg_load_text(const char *name, const char *text, size_t len, const struct cfg_load_opts *opts,
                  struct cfg_gen **ret_gen, struct cfg_diags *diags)
{
        struct cfg_file f = {.path = (char *)name, .text = (char *)text, .len = len};
        struct cfg_files files = {.v = &f, .n = 1};

        return parser_load(&files, opts, ret_gen, diags);
}

int cfg_cond_check(const char *text, const struct cfg_load_opts *opts, char *err, size_t errsz)
{
        struct predef_env env;
        struct cfg_cond_expr_ctx cond = {.env = predef_env_lookup, .env_data = &env};
        /* HAProxy reads the argument up to the end of its first line */
        size_t len = strcspn(text, "\r\n");
        struct cfg_line line = {0};
        struct cfg_err lerr;
        struct cfg_lex lx;
        size_t pos;
        char *joined;
        int r;

        if (predef_env_init(&env, NULL, opts) < 0)
                return -ENOMEM;
        cond.facts = opts ? opts->facts : NULL;
        cfg_lex_init(&lx, "-cc", text, len, predef_env_lookup, &env);
        cfg_lex_set_flags(&lx, CFG_LEX_F_NO_COMMENT);
        r = cfg_lex_next_line(&lx, &line, &lerr);
        if (r < 0) {
                snprintf(err, errsz, "%s", lerr.msg);
                cfg_lex_deinit(&lx);
                return r;
        }
        joined = r > 0 ? cfg_directive_join(&line, 0) : strdup("");
        cfg_lex_deinit(&lx);
        if (!joined)
                return -ENOMEM;
        /* HAProxy reads leading blanks of the argument as an empty first word */
        if (strchr(" \t\v\f", *text) && *text) {
                char *t = malloc(strlen(joined) + 2);

                if (!t) {
                        free(joined);
                        return -ENOMEM;
                }
                t[0] = ' ';
                strcpy(t + 1, joined);
                free(joined);
                joined = t;
        }
        r = cfg_cond_expr_eval(joined, &cond, err, errsz, &pos);
        free(joined);
        return r;
}

const char *cfg_supported_keyword(size_t i)
{
        size_t n = 0;

        for (const struct cfg_kw *k = cfg__global_keywords; k->name; k++, n++)
                if (n == i)
                        return k->name;
        for (const struct cfg_kw *k = cfg__proxy_keywords; k->name; k++, n++)
                if (n == i)
                        return k->name;
        for (const struct cfg_kw *k = cfg__tls_global_keywords; k->name; k++, n++)
                if (n == i)
                        return k->name;
        for (const struct cfg_kw *k = cfg__check_keywords; k->name; k++, n++)
                if (n == i)
                        return k->name;
        return NULL;
}
