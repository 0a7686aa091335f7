#pragma once
/* The client side of the master's control socket. */

#include "cli.h"

/* `sluice -S PATH reload`: returns the process exit status (0: the reload succeeded). */
int master_ctl_reload(const struct master_cli *cli);
