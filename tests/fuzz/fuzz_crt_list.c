/* Fuzz target of the crt-list reader (config/kw_tls.c): the input is a crt-list file, named by
 * a bind line through /proc/self/fd so that no file is written. Besides crashes and sanitizer
 * reports, it aborts when a loaded certificate entry breaks what the TLS context builder
 * relies on (a path, SNI filters that are strings, options only on crt-list entries). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cfg_load_opts opts = {0};
        struct cfg_diags diags = {0};
        struct cfg_gen *g = NULL;
        char text[256];
        int fd = memfd_create("crt-list", MFD_CLOEXEC), len;

        if (fd < 0)
                return 0;
        if (size && write(fd, data, size) != (ssize_t)size) {
                close(fd);
                return 0;
        }
        len = snprintf(text, sizeof(text),
                       "defaults\n    mode http\n    timeout client 1s\n    timeout server 1s\n"
                       "    timeout connect 1s\nfrontend f\n"
                       "    bind 127.0.0.1:8443 ssl crt-list /proc/self/fd/%d\n",
                       fd);
        if (cfg_load_text("fuzz.cfg", text, (size_t)len, &opts, &g, &diags) == 0) {
                const struct cfg_bind *b = &g->proxies[0]->binds[0];

                for (size_t i = 0; i < b->tls.n_certs; i++) {
                        const struct cfg_tls_cert *c = &b->tls.certs[i];

                        if (!c->path || !c->list || (c->n_sni && !c->sni))
                                abort();
                        for (size_t j = 0; j < c->n_sni; j++)
                                if (!c->sni[j] || !c->sni[j][0])
                                        abort();
                        if (c->opts && c->opts->min_ver > CFG_TLS_VER_TLS13)
                                abort();
                }
        }
        cfg_gen_unref(g);
        cfg_diags_clear(&diags);
        close(fd);
        return 0;
}
