/* "cpu-map" lines (see cpu_map.h), read by the global keyword handler (kw_global.c). */
#include "cpu_map.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

unsigned cfg_cpuset_count(const struct cfg_cpuset *s)
{
        unsigned n = 0;

        for (size_t i = 0; i < CFG_CPU_MAX / 64; i++)
                n += (unsigned)__builtin_popcountll(s->bits[i]);
        return n;
}

/* Decimal digits from @s up to @end (exclusive), at least one, at most @max; false if not. */
static bool read_num(const char *s, const char *end, unsigned max, unsigned *ret)
{
        unsigned long v = 0;

        if (s == end)
                return false;
        for (; s < end; s++) {
                if (*s < '0' || *s > '9')
                        return false;
                v = v * 10 + (unsigned)(*s - '0');
                if (v > max)
                        v = (unsigned long)max + 1; /* stays out of range, never wraps */
        }
        *ret = (unsigned)v;
        return true;
}

int cfg_cpu_map_parse_ids(const char *arg, uint64_t *ret_set, bool *ret_auto, char *err,
                          size_t errsz)
{
        const char *dash, *end;
        unsigned low, high = 0;
        uint64_t set = 0;

        if (ret_auto) {
                *ret_auto = strncmp(arg, "auto:", 5) == 0;
                if (*ret_auto)
                        arg += 5;
        }
        if (strcmp(arg, "all") == 0) {
                *ret_set = ~0ull;
                return 0;
        }
        if (strcmp(arg, "odd") == 0 || strcmp(arg, "even") == 0) {
                /* number N is bit N - 1: odd numbers are the even bits */
                *ret_set = arg[0] == 'o' ? 0x5555555555555555ull : 0xaaaaaaaaaaaaaaaaull;
                return 0;
        }
        end = arg + strlen(arg);
        dash = strchr(arg, '-');
        if (!read_num(arg, dash ? dash : end, ~0u, &low) ||
            (dash && dash + 1 < end && !read_num(dash + 1, end, ~0u, &high))) {
                snprintf(err, errsz,
                         "'%s' is not a valid number or range: expected 'all', 'odd', 'even', "
                         "N or N-M",
                         arg);
                return -EINVAL;
        }
        if (!dash)
                high = low;
        else if (dash + 1 == end)
                high = CFG_CPU_THREADS;
        if (high < low) {
                unsigned t = low;

                low = high;
                high = t;
        }
        if (low < 1 || high > CFG_CPU_THREADS) {
                snprintf(err, errsz, "'%s' is out of range: numbers go from 1 to %u", arg,
                         CFG_CPU_THREADS);
                return -EINVAL;
        }
        for (unsigned i = low; i <= high; i++)
                set |= 1ull << (i - 1);
        *ret_set = set;
        return 0;
}

/* One CPU number or range, from @s to @end. */
static int cpu_range(const char *s, const char *end, struct cfg_cpuset *set, char *err,
                     size_t errsz)
{
        const char *dash = memchr(s, '-', (size_t)(end - s));
        unsigned low, high = 0;

        if (!read_num(s, dash ? dash : end, ~0u, &low) ||
            (dash && dash + 1 < end && !read_num(dash + 1, end, ~0u, &high))) {
                snprintf(err, errsz, "'%.*s' is not a CPU number or range", (int)(end - s), s);
                return -EINVAL;
        }
        if (!dash)
                high = low;
        else if (dash + 1 == end)
                high = CFG_CPU_MAX - 1;
        if (high < low) {
                unsigned t = low;

                low = high;
                high = t;
        }
        if (high >= CFG_CPU_MAX) {
                snprintf(err, errsz, "'%.*s': CPU numbers go from 0 to %u", (int)(end - s), s,
                         CFG_CPU_MAX - 1);
                return -ERANGE;
        }
        for (unsigned i = low; i <= high; i++)
                cfg_cpuset_set(set, i);
        return 0;
}

int cfg_cpuset_parse(const char *const *words, size_t n, struct cfg_cpuset *ret, char *err,
                     size_t errsz)
{
        struct cfg_cpuset set = {{0}};

        if (n == 0) {
                snprintf(err, errsz, "missing CPU set");
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++) {
                const char *s = words[i];

                for (;;) {
                        const char *comma = strchr(s, ',');
                        const char *end = comma ? comma : s + strlen(s);
                        int r = cpu_range(s, end, &set, err, errsz);

                        if (r < 0)
                                return r;
                        if (!comma)
                                break;
                        s = comma + 1;
                }
        }
        *ret = set;
        return 0;
}

/* The lowest CPU of @s, taken out of it; -1 when empty. */
static int take_lowest(struct cfg_cpuset *s)
{
        for (size_t i = 0; i < CFG_CPU_MAX / 64; i++) {
                if (s->bits[i]) {
                        int b = __builtin_ctzll(s->bits[i]);

                        s->bits[i] &= s->bits[i] - 1;
                        return (int)(i * 64) + b;
                }
        }
        return -1;
}

int cfg_cpu_map_line(struct cfg_cpu_map *m, const char *ids, const char *const *cpus, size_t n,
                     bool *ret_ignored, char *err, size_t errsz)
{
        const char *slash = strchr(ids, '/');
        char procs[64];
        uint64_t proc = 0, thread = 0;
        struct cfg_cpuset set, left;
        bool autoinc;
        unsigned count;

        if (slash && (size_t)(slash - ids) >= sizeof(procs)) {
                snprintf(err, errsz, "'%s' is not a valid process set", ids);
                return -EINVAL;
        }
        snprintf(procs, sizeof(procs), "%.*s", slash ? (int)(slash - ids) : (int)strlen(ids), ids);
        if (cfg_cpu_map_parse_ids(procs, &proc, &autoinc, err, errsz) < 0 ||
            (slash && cfg_cpu_map_parse_ids(slash + 1, &thread, NULL, err, errsz) < 0) ||
            cfg_cpuset_parse(cpus, n, &set, err, errsz) < 0)
                return -EINVAL;
        count = cfg_cpuset_count(&set);
        if (autoinc && (unsigned)__builtin_popcountll(proc) != count &&
            (unsigned)__builtin_popcountll(thread) != count) {
                snprintf(err, errsz,
                         "with 'auto:', the process or thread set and the CPU set must have "
                         "the same size (%u CPUs)",
                         count);
                return -EINVAL;
        }
        *ret_ignored = !(proc & 1);
        if (*ret_ignored)
                return 0;
        left = set;
        if (!slash) {
                m->proc = set;
                if (autoinc) {
                        memset(&m->proc, 0, sizeof(m->proc));
                        cfg_cpuset_set(&m->proc, (unsigned)take_lowest(&left));
                }
                return 0;
        }
        for (unsigned t = 0; t < CFG_CPU_THREADS; t++) {
                int cpu;

                if (!(thread >> t & 1))
                        continue;
                if (!autoinc) {
                        m->thread[t] = set;
                        continue;
                }
                memset(&m->thread[t], 0, sizeof(m->thread[t]));
                cpu = take_lowest(&left);
                if (cpu >= 0)
                        cfg_cpuset_set(&m->thread[t], (unsigned)cpu);
        }
        return 0;
}

bool cfg_cpu_map_for_worker(const struct cfg_cpu_map *m, unsigned worker, struct cfg_cpuset *ret)
{
        bool proc = cfg_cpuset_count(&m->proc) > 0;
        struct cfg_cpuset s;

        if (worker >= 1 && worker <= CFG_CPU_THREADS && cfg_cpuset_count(&m->thread[worker - 1])) {
                s = m->thread[worker - 1];
                if (proc)
                        for (size_t i = 0; i < CFG_CPU_MAX / 64; i++)
                                s.bits[i] &= m->proc.bits[i];
                if (cfg_cpuset_count(&s)) {
                        *ret = s;
                        return true;
                }
        }
        if (!proc)
                return false;
        *ret = m->proc;
        return true;
}

void cfg_cpuset_format(const struct cfg_cpuset *s, char *buf, size_t size)
{
        size_t off = 0;

        if (size)
                buf[0] = '\0';
        for (unsigned cpu = 0; cpu < CFG_CPU_MAX && off < size; cpu++) {
                unsigned last = cpu;
                int n;

                if (!cfg_cpuset_isset(s, cpu))
                        continue;
                while (last + 1 < CFG_CPU_MAX && cfg_cpuset_isset(s, last + 1))
                        last++;
                n = last == cpu
                            ? snprintf(buf + off, size - off, "%s%u", off ? "," : "", cpu)
                            : snprintf(buf + off, size - off, "%s%u-%u", off ? "," : "", cpu, last);
                if (n < 0)
                        break;
                off += (size_t)n;
                cpu = last;
        }
}
