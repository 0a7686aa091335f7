/* -dM options (see pool_debug.h). */
#include "pool_debug.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

struct option {
        unsigned flag; /* 0: no effect in sluice */
        const char *set, *clear, *help;
};

static const struct option options[] = {
        {POOL_DBG_COLD_FIRST, "cold-first", "hot-first", "pick cold objects first"},
        {POOL_DBG_INTEGRITY, "integrity", "no-integrity", "enable cache integrity checks"},
        {POOL_DBG_NO_CACHE, "no-cache", "cache", "disable the per-worker cache of spares"},
        {POOL_DBG_TAG, "tag", "no-tag", "add tag at end of allocated objects"},
        {POOL_DBG_POISON, "poison", "no-poison", "poison objects handed out and given back"},
        {0, "no-merge", "merge", "(no effect: sluice never merges pools)"},
        {0, "no-global", "global", "(no effect: a worker has no cache shared by threads)"},
};

/* HAProxy's options sluice lacks. */
static const char *const unsupported[] = {"fail", "no-fail", "caller", "no-caller"};

int pool_debug_parse(const char *arg, struct pool_debug *d, char *notice, size_t notice_size,
                     char *err, size_t errsz)
{
        struct pool_debug nd = *d;
        const char *p = arg;
        char *end;
        long v;

        if (notice && notice_size)
                notice[0] = '\0';
        v = strtol(arg, &end, 0);
        if (!*end || *end == ',') {
                if (!*arg) {
                        v = POOL_POISON_DEFAULT;
                } else if (end == arg) {
                        /* a lone ',': HAProxy reads the number 0 there */
                        v = 0;
                } else if (v > 255 || v < -1) {
                        snprintf(err, errsz, "-dM: poisoning byte '%.*s' out of range 0..255",
                                 (int)(end - arg), arg);
                        return -EINVAL;
                }
                if (v >= 0) {
                        nd.poison = (int)v;
                        nd.flags |= POOL_DBG_POISON;
                } else {
                        nd.flags &= ~POOL_DBG_POISON;
                }
                p = end;
        }
        while (*p) {
                const char *comma = strchr(p, ',');
                size_t len = comma ? (size_t)(comma - p) : strlen(p);
                bool found = false;

                if (len == 4 && strncmp(p, "help", 4) == 0) {
                        *d = nd;
                        return POOL_DEBUG_HELP;
                }
                for (size_t i = 0; len && i < SL_ARRAY_SIZE(options) && !found; i++) {
                        const struct option *o = &options[i];
                        bool set = strlen(o->set) == len && strncmp(p, o->set, len) == 0;
                        bool clear = strlen(o->clear) == len && strncmp(p, o->clear, len) == 0;

                        if (!set && !clear)
                                continue;
                        found = true;
                        if (!o->flag && notice && notice_size)
                                snprintf(notice, notice_size,
                                         "-dM: '%.*s' changes nothing in sluice %s", (int)len, p,
                                         o->help);
                        if (set)
                                nd.flags |= o->flag;
                        else
                                nd.flags &= ~o->flag;
                }
                for (size_t i = 0; len && !found && i < SL_ARRAY_SIZE(unsupported); i++) {
                        if (strlen(unsupported[i]) == len && strncmp(p, unsupported[i], len) == 0) {
                                snprintf(err, errsz,
                                         "-dM: '%.*s' is HAProxy's but sluice does not support it "
                                         "yet",
                                         (int)len, p);
                                return -EINVAL;
                        }
                }
                if (len && !found) {
                        snprintf(err, errsz, "-dM: unknown pool debugging feature <%.*s>", (int)len,
                                 p);
                        return -EINVAL;
                }
                p += len + (comma ? 1 : 0);
        }
        *d = nd;
        return POOL_DEBUG_SET;
}

void pool_debug_help(FILE *out, const struct pool_debug *d)
{
        fputs("-dM alone enables memory poisoning with byte 0x50 of the objects the workers' "
              "pools hand out\n"
              "and take back. A numeric value may be appended immediately after -dM to use "
              "another value\n"
              "(0 supported). Then an optional list of comma-delimited keywords may be appended "
              "to set or\n"
              "clear some debugging options ('*' marks the current setting):\n\n"
              "    set               clear            description\n"
              "  -----------------+-----------------+-----------------------------------------\n",
              out);
        for (size_t i = 0; i < SL_ARRAY_SIZE(options); i++) {
                const struct option *o = &options[i];
                /* the options without effect are always in their "set" state in sluice */
                bool on = o->flag ? (d->flags & o->flag) != 0 : true;

                fprintf(out, "  %c %-15s|%c %-15s| %s\n", on ? '*' : ' ', o->set, on ? ' ' : '*',
                        o->clear, o->help);
        }
}
