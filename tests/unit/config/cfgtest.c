/* Loading a configuration text in the unit tests of config/ (cfgtest.h). */
#include "cfgtest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "model.h"
#include "unit.h"

struct cfg_diags cfgtest_diags;

int cfgtest_load(const char *text, const struct cfg_load_opts *opts, struct cfg_gen **g)
{
        cfg_diags_clear(&cfgtest_diags);
        *g = NULL;
        return cfg_load_text("t.cfg", text, strlen(text), opts, g, &cfgtest_diags);
}

void cfgtest_print_diags(void)
{
        for (size_t i = 0; i < cfgtest_diags.n; i++) {
                const struct cfg_diag *d = &cfgtest_diags.v[i];

                fprintf(stderr, "  %s %s:%u:%u: %s\n", cfg_severity_name(d->severity),
                        d->file ? d->file : "-", d->line, d->col, d->msg);
        }
}

struct cfg_gen *cfgtest_load_ok(const char *text, const struct cfg_load_opts *opts)
{
        struct cfg_gen *g;
        int r = cfgtest_load(text, opts, &g);

        cfgtest_print_diags();
        ck_assert_int_eq(r, 0);
        return g;
}

bool cfgtest_has(enum cfg_severity sev, const char *file, unsigned line, const char *msg)
{
        for (size_t i = 0; i < cfgtest_diags.n; i++) {
                const struct cfg_diag *d = &cfgtest_diags.v[i];

                if (d->severity == sev && (!line || d->line == line) &&
                    (!file || (d->file && strcmp(d->file, file) == 0)) && strstr(d->msg, msg))
                        return true;
        }
        return false;
}

void cfgtest_expect_error(const char *text, const struct cfg_load_opts *opts, const char *file,
                          unsigned line, const char *msg)
{
        struct cfg_gen *g;

        ck_assert_int_eq(cfgtest_load(text, opts, &g), -EINVAL);
        ck_assert_ptr_null(g);
        if (cfgtest_has(CFG_SEV_ERROR, file ? file : "t.cfg", line, msg))
                return;
        cfgtest_print_diags();
        ck_abort_msg("no error at %s:%u containing '%s'", file ? file : "t.cfg", line, msg);
}

const struct cfg_proxy *cfgtest_proxy(const struct cfg_gen *g, const char *name)
{
        const struct cfg_proxy *px = cfg_gen_find_proxy(g, name, CFG_CAP_FE | CFG_CAP_BE);

        ck_assert_msg(px != NULL, "no proxy '%s'", name);
        return px;
}

char *cfgtest_dump(const struct cfg_gen *g)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(cfg_dump(g, f), 0);
        fclose(f);
        return text;
}

void cfgtest_write(const char *dir, const char *name, const char *text)
{
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
}

const char *cfgtest_source_root(void)
{
        const char *root = getenv("SLUICE_SOURCE_ROOT");

        ck_assert_msg(root != NULL, "SLUICE_SOURCE_ROOT is not set: run through meson test");
        return root;
}

char *cfgtest_read_file(const char *path)
{
        char full[4096];
        FILE *f;
        char *s;
        long len;

        if (path[0] == '/')
                snprintf(full, sizeof(full), "%s", path);
        else
                snprintf(full, sizeof(full), "%s/%s", cfgtest_source_root(), path);
        f = fopen(full, "r");
        ck_assert_msg(f != NULL, "cannot open %s", full);
        ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
        len = ftell(f);
        rewind(f);
        s = malloc((size_t)len + 1);
        ck_assert_ptr_nonnull(s);
        ck_assert_uint_eq(fread(s, 1, (size_t)len, f), (size_t)len);
        s[len] = '\0';
        fclose(f);
        return s;
}
