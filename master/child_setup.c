/* Per-worker process settings (see child_setup.h), called by the master's child_main(). */
#include "child_setup.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "log.h"
#include "model.h"

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
                          "worker %u: cannot bind to CPU %s (cpu-map); running unbound",
                          slot + 1, list);
        else
                sl_log(LOG_INFO, "worker %u bound to CPU %s (cpu-map)", slot + 1, list);
}

int child_setup_apply(const struct cfg_gen *gen, const struct master_cli *cli, unsigned slot)
{
        (void)cli;
        apply_cpu_map(gen->global.cpu_map, slot);
        return 0;
}
