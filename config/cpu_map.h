#pragma once
/* "cpu-map": HAProxy's CPU affinity lines, read into one CPU set for the whole process and
 * one per thread. sluice's workers are its threads: worker N (1 for the first slot) is thread
 * N, and the process set applies to every worker. Pure functions, no system call; the master
 * turns a worker's set into sched_setaffinity(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_CPU_MAX     1024 /* CPU numbers 0 to 1023, as glibc's cpu_set_t and HAProxy's */
#define CFG_CPU_THREADS 64   /* thread numbers 1 to 64, HAProxy's LONGBITS */

struct cfg_cpuset {
        uint64_t bits[CFG_CPU_MAX / 64]; /* bit N: CPU N */
};

struct cfg_cpu_map {
        struct cfg_cpuset proc;                    /* "cpu-map 1 ...": every worker; empty: none */
        struct cfg_cpuset thread[CFG_CPU_THREADS]; /* [N - 1]: worker N's own; empty: none */
};

static inline void cfg_cpuset_set(struct cfg_cpuset *s, unsigned cpu)
{
        s->bits[cpu / 64] |= 1ull << (cpu % 64);
}

static inline bool cfg_cpuset_isset(const struct cfg_cpuset *s, unsigned cpu)
{
        return cpu < CFG_CPU_MAX && (s->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned cfg_cpuset_count(const struct cfg_cpuset *s);

/* Reads HAProxy's process or thread set: "all", "odd", "even", a number from 1 to
 * CFG_CPU_THREADS, or a range "a-b" (the upper bound may be left out: up to the maximum;
 * the bounds may come in either order). A leading "auto:" is taken when @ret_auto is not
 * NULL. Returns 0 and *ret_set (bit N - 1: number N), or -EINVAL with a message in @err. */
int cfg_cpu_map_parse_ids(const char *arg, uint64_t *ret_set, bool *ret_auto, char *err,
                          size_t errsz);

/* Reads CPU sets: each of the @n words is a CPU number, a range "a-b" (the upper bound may
 * be left out: up to the last CPU number), or a comma-separated list of those. Returns 0 and
 * *ret, or -EINVAL / -ERANGE with a message in @err. */
int cfg_cpuset_parse(const char *const *words, size_t n, struct cfg_cpuset *ret, char *err,
                     size_t errsz);

/* Apply one line "cpu-map [auto:]<process-set>[/<thread-set>] <cpu-set>..." to @m: @ids is
 * the first word, @cpus the @n words after it. A line that names no thread sets the process
 * set; otherwise each thread named gets the CPU sets, or with "auto:" the next CPU of them in
 * ascending order. A later line replaces what an earlier one set for the same thread. Lines
 * for processes other than 1 change nothing (HAProxy ignores them too): *ret_ignored says so.
 * Returns 0, or -EINVAL with a message in @err (@m unchanged). */
int cfg_cpu_map_line(struct cfg_cpu_map *m, const char *ids, const char *const *cpus, size_t n,
                     bool *ret_ignored, char *err, size_t errsz);

/* The CPUs worker @worker (1 for the first slot) may run on: its own set within the process
 * set, or the process set when it has none or they do not meet (HAProxy's rule for threads).
 * Returns false when neither is set: no binding. */
bool cfg_cpu_map_for_worker(const struct cfg_cpu_map *m, unsigned worker, struct cfg_cpuset *ret);

/* Writes @s as a list of CPU numbers and ranges ("0-3,6") into @buf; "" when empty. */
void cfg_cpuset_format(const struct cfg_cpuset *s, char *buf, size_t size);
