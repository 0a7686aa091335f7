#pragma once
/* "show info" for the whole node: HAProxy's fields in its order (Name, Version, Nbthread,
 * Pid, Uptime_sec, CurrConns, CumConns, CumReq, ...), then sluice's own after them
 * (Generation, Reloads, FailedReloads, Workers, OldWorkers, OldConns, ...). */

#include <stdio.h>

#include "mstat.h"

struct master;

/* Write it in @fmt to @out. Returns 0 or -ENOMEM. */
int minfo_show(struct master *m, enum mstat_format fmt, FILE *out);
