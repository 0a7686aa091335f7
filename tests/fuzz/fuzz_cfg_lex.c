/* Fuzz target of config/lex.c and config/units.c: the input is lexed as one configuration
 * file with a fixed environment, and every word it yields is also fed to the time, size and
 * address readers. Besides crashes and sanitizer reports, it aborts when a documented
 * guarantee of the lexer is broken. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_env(void *data, const char *name)
{
        if (strcmp(name, "HOST") == 0)
                return "10.0.0.1";
        if (strcmp(name, "PORT") == 0)
                return "8080";
        if (strcmp(name, "EMPTY") == 0)
                return "";
        if (strcmp(name, "LIST") == 0)
                return "a b\t\"c\" #d ${HOST}";
        return NULL;
}

static void read_values(const struct cfg_word *w)
{
        static const unsigned addr_flags[] = {
                0,
                CFG_ADDR_F_PORT_REQUIRED | CFG_ADDR_F_PORT_RANGE,
                CFG_ADDR_F_NAME_OK,
        };
        struct sl_str s = sl_str_make(w->text, w->len);
        char errbuf[128];
        struct cfg_addr addr;
        uint64_t u64;
        uint32_t ms;

        (void)cfg_parse_time(s, CFG_TIME_MS, &ms, errbuf, sizeof(errbuf));
        (void)cfg_parse_time_us(s, CFG_TIME_S, &u64, errbuf, sizeof(errbuf));
        (void)cfg_parse_size(s, UINT32_MAX, &u64, errbuf, sizeof(errbuf));
        for (size_t i = 0; i < sizeof(addr_flags) / sizeof(addr_flags[0]); i++) {
                if (cfg_parse_addr(s, addr_flags[i], &addr, errbuf, sizeof(errbuf)) < 0)
                        continue;
                if (addr.port_low > addr.port_high || addr.family >= CFG_ADDR_FAMILY_COUNT ||
                    memchr(addr.name, '\0', sizeof(addr.name)) == NULL)
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct cfg_lex lx;
        struct cfg_line line;
        struct cfg_err err;
        unsigned last_line = 0;
        int r;

        cfg_lex_init(&lx, "fuzz.cfg", (const char *)data, size, fuzz_env, NULL);
        for (;;) {
                r = cfg_lex_next_line(&lx, &line, &err);
                if (r == 0)
                        break;
                if (r < 0) {
                        if (err.line <= last_line || err.col == 0 ||
                            memchr(err.msg, '\0', sizeof(err.msg)) == NULL)
                                abort();
                        last_line = err.line;
                        continue;
                }
                if ((unsigned)r != line.n_words || r > (int)CFG_LEX_MAX_WORDS ||
                    line.line <= last_line)
                        abort();
                last_line = line.line;
                for (unsigned i = 0; i < line.n_words; i++) {
                        const struct cfg_word *w = &line.words[i];

                        if (strlen(w->text) != w->len || w->line != line.line || w->col == 0 ||
                            w->col > CFG_LEX_MAX_LINE || (w->len == 0 && !w->quoted))
                                abort();
                        read_values(w);
                }
        }
        cfg_lex_deinit(&lx);
        return 0;
}
