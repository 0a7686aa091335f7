/* Per-worker process settings (see child_setup.h), called by the master's child_main(). */
#include "child_setup.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "model.h"

/* Stack a worker may grow into under -m: what it touches now stays mapped, and growing the
 * stack later, when the limit may be reached, would kill it (SIGSEGV) instead of failing one
 * allocation. 256 KiB is far beyond the worker's deepest call chain. */
#define CHILD_STACK_RESERVE (256u << 10)

/* Bytes of memory a connection costs a worker beyond its two buffers (its session, stream,
 * connections and their state), for the maxconn -m allows: HAProxy's STREAM_MAX_COST. */
#define CHILD_CONN_COST (16u << 10)

static void apply_cpu_map(const struct cfg_cpu_map *map, unsigned slot)
{
        struct cfg_cpuset set;
        cpu_set_t cpus;
        char list[256];

        if (!map || !cfg_cpu_map_for_worker(map, slot + 1, &set))
                return;
        CPU_ZERO(&cpus);
        for (unsigned cpu = 0; cpu < CFG_CPU_MAX && cpu < CPU_SETSIZE; cpu++)
                if (cfg_cpuset_isset(&set, cpu))
                        CPU_SET(cpu, &cpus);
        cfg_cpuset_format(&set, list, sizeof(list));
        if (sched_setaffinity(0, sizeof(cpus), &cpus) == -1)
                log_errno(LOG_WARNING, -errno,
                          "worker %u: cannot bind to CPU %s (cpu-map); running unbound", slot + 1,
                          list);
        else
                sl_log(LOG_INFO, "worker %u bound to CPU %s (cpu-map)", slot + 1, list);
}

static __attribute__((noinline)) void touch_stack(void)
{
        volatile char area[CHILD_STACK_RESERVE];

        for (size_t i = 0; i < sizeof(area); i += 1024)
                area[i] = 0;
        area[sizeof(area) - 1] = 0;
}

/* The address space the process maps now, in bytes; 0 if unknown. */
static uint64_t mapped_now(void)
{
        unsigned long long pages = 0;
        FILE *f = fopen("/proc/self/statm", "re");

        if (!f)
                return 0;
        if (fscanf(f, "%llu", &pages) != 1)
                pages = 0;
        fclose(f);
        return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* -m: HAProxy sets RLIMIT_AS (soft and hard) to the megabytes given, so an allocation past it
 * fails instead of growing the process. */
static int apply_memmax(unsigned mb, unsigned slot, uint64_t *ret_free)
{
        uint64_t limit = (uint64_t)mb << 20, used;
        struct rlimit rl = {.rlim_cur = limit, .rlim_max = limit};

        touch_stack();
        used = mapped_now();
        if (used >= limit) {
                sl_log(LOG_ERR,
                       "worker %u: -m %u: the worker already maps %llu MiB (libraries, shared "
                       "memory); the limit leaves it nothing",
                       slot + 1, mb, (unsigned long long)(used >> 20));
                return -ENOMEM;
        }
        if (setrlimit(RLIMIT_AS, &rl) == -1)
                return log_errno(LOG_ERR, -errno, "worker %u: cannot limit memory to %u MiB",
                                 slot + 1, mb);
        *ret_free = limit - used;
        return 0;
}

int child_setup_apply(const struct cfg_gen *gen, const struct master_cli *cli, unsigned slot,
                      unsigned *maxconn)
{
        uint64_t room = 0, fit;
        int r;

        apply_cpu_map(gen->global.cpu_map, slot);
        if (!cli->memmax_mb)
                return 0;
        r = apply_memmax(cli->memmax_mb, slot, &room);
        if (r < 0)
                return r;
        if (gen->global.maxconn || cli->maxconn)
                return 0;
        /* no maxconn given: as many connections as the memory holds, each with both its
         * buffers full (HAProxy keeps 6% aside: MEM_USABLE_RATIO) */
        fit = room / 100 * 94 / (2 * gen->global.tune_bufsize + CHILD_CONN_COST);
        if (fit < 1)
                fit = 1;
        if (!*maxconn || fit < *maxconn) {
                *maxconn = (unsigned)fit;
                sl_log(LOG_INFO, "worker %u: maxconn %u to fit in -m %u", slot + 1, *maxconn,
                       cli->memmax_mb);
        }
        return 0;
}
