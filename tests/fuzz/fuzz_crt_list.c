/* Fuzz target of crt-list files (config/crt_list.c and the crt-list part of kw_tls.c): every
 * line of the input is split by cfg_crt_list_split(), whose result must keep its invariants,
 * and the whole input is then loaded as the crt-list of a bind line, named through
 * /proc/self/fd so that no file is written. A loaded entry must keep what the TLS context
 * builder relies on (a path, SNI filters that are strings, settled options), and errors must
 * name the crt-list file and one of its lines. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "crt_list.h"
#include "load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_split(const char *line, size_t len)
{
        struct cfg_crt_list_words ws;
        /* not strndup(): the line has no NUL after it, and strict string checks (ASan's
         * strict_string_checks, as CI runs) read a string to its end */
        char *copy = malloc(len + 1);
        char err[256];

        if (!copy)
                abort();
        memcpy(copy, line, len);
        copy[len] = '\0';
        if (cfg_crt_list_split(copy, &ws, err, sizeof(err)) < 0) {
                if (!err[0])
                        abort();
        } else {
                if (ws.n > CFG_CRT_LIST_MAX_WORDS || ws.opt_b > ws.opt_e)
                        abort();
                if (ws.n && (ws.opt_e > ws.n || ws.opt_b < 1))
                        abort();
                for (size_t i = 0; i < ws.n; i++)
                        if (!ws.w[i][0] || strpbrk(ws.w[i], " \t[]"))
                                abort();
        }
        free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct cfg_load_opts opts = {0};
        struct cfg_diags diags = {0};
        struct cfg_gen *g = NULL;
        char list[64], cfg[256];
        unsigned lines = 1;
        int fd, n;

        for (size_t b = 0, i = 0; i <= size; i++) {
                if (i == size || data[i] == '\n') {
                        check_split((const char *)data + b, i - b);
                        b = i + 1;
                        lines++;
                }
        }
        fd = memfd_create("crt-list", MFD_CLOEXEC);
        if (fd < 0)
                return 0;
        if (size && write(fd, data, size) != (ssize_t)size) {
                close(fd);
                return 0;
        }
        snprintf(list, sizeof(list), "/proc/self/fd/%d", fd);
        /* relative certificates stay in a directory that does not exist: nothing is listed */
        n = snprintf(cfg, sizeof(cfg),
                     "global\n    crt-base /nonexistent\n    ca-base /ca\n"
                     "frontend f\n    bind 127.0.0.1:443 ssl crt-list %s\n",
                     list);
        if (cfg_load_text("fuzz.cfg", cfg, (size_t)n, &opts, &g, &diags) == 0) {
                const struct cfg_bind_tls *t = &g->proxies[0]->binds[0].tls;

                for (size_t i = 0; i < t->n_certs; i++) {
                        const struct cfg_tls_cert *c = &t->certs[i];

                        if (!c->path || !c->list || strcmp(c->where.file, list) != 0 ||
                            c->where.line == 0 || c->where.line > lines || (c->n_sni && !c->sni))
                                abort();
                        for (size_t j = 0; j < c->n_sni; j++)
                                if (!c->sni[j] || !c->sni[j][0])
                                        abort();
                        if (c->opts && (c->opts->ecdhe || c->opts->no_vers ||
                                        c->opts->min_ver > CFG_TLS_VER_TLS13 ||
                                        c->opts->max_ver > CFG_TLS_VER_TLS13))
                                abort();
                }
        }
        for (size_t i = 0; i < diags.n; i++) {
                const struct cfg_diag *d = &diags.v[i];

                if (!d->msg || !d->msg[0])
                        abort();
                if (d->file && strcmp(d->file, list) == 0 && (d->line == 0 || d->line > lines))
                        abort();
        }
        cfg_gen_unref(g);
        cfg_diags_clear(&diags);
        close(fd);
        return 0;
}
