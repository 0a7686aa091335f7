/* Fuzz target of server-state files (config/state_file.c), both formats: whatever the input,
 * a refused file has no entry, every entry is one the parser could have read (names, bounded
 * numbers, a line of the input) and is found again by its names, and every problem is a
 * warning naming the file and one of its lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "state_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cfg_arena arena = {0};
        struct cfg_diags d = {0};
        struct cfg_state_file f = {0};
        unsigned lines = 1;

        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        cfg_state_file_parse(&arena, &d, "st", (const char *)data, size, &f);
        if (!f.ok && f.n)
                abort();
        for (size_t i = 0; i < f.n; i++) {
                const struct cfg_state_entry *e = &f.v[i];

                if (!e->backend || !e->server || e->line < 2 || e->line > lines)
                        abort();
                if (e->op > CFG_STATE_OP_NOLB || e->admin > 3 || e->weight > 256 ||
                    e->cfg_weight > 256 || e->sluice != f.sluice || (e->sluice && !e->cfg_addr))
                        abort();
                if (cfg_state_file_find(&f, e->backend, e->server) != e)
                        abort();
                if (i && strcmp(f.v[i - 1].backend, e->backend) == 0 &&
                    strcmp(f.v[i - 1].server, e->server) == 0)
                        abort();
        }
        for (size_t i = 0; i < d.n; i++)
                if (d.v[i].severity != CFG_SEV_WARNING || !d.v[i].file ||
                    strcmp(d.v[i].file, "st") != 0 || d.v[i].line < 1 || d.v[i].line > lines)
                        abort();
        cfg_diags_clear(&d);
        cfg_arena_free(&arena);
        return 0;
}
