#pragma once
/* Running sluice: load the configuration, then serve. Until the master/worker process model
 * lands, one worker process serves in the foreground (or detached with "daemon"). */

#include "cli.h"

/* Returns the process exit status. */
int master_run(const struct master_cli *cli);
