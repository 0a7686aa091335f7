#pragma once
/* What a worker process applies to itself right after fork(), before its event loop: CPU
 * affinity (the configuration's cpu-map) and the memory limit (-m), as HAProxy applies them
 * per process. */

#include "cli.h"

struct cfg_gen;

/* Bind the calling process, worker @slot (0 for the first) of configuration @gen, to its
 * cpu-map CPUs; a failure is logged and the worker runs unbound. Then limit its address
 * space to @cli's -m, if given; when neither the configuration nor -N sets maxconn, lower
 * *@maxconn (the worker's share; 0: none) to the connections that fit in it, as HAProxy
 * derives maxconn from -m. Returns 0, or a negative errno when the limit cannot be set (the
 * worker must not run: HAProxy's strict-limits, on by default). */
int child_setup_apply(const struct cfg_gen *gen, const struct master_cli *cli, unsigned slot,
                      unsigned *maxconn);
