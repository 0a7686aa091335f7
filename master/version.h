#pragma once
/* `sluice -v` and `-vv`: the release, the git revision it was built from, and with -vv the
 * versions of the libraries it was built against and the ones it runs with. */

#include <stdio.h>

/* @verbosity 1: one line; 2 or more: also one line per library. */
void master_version_print(FILE *out, int verbosity);
