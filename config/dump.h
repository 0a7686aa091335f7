#pragma once
/* The model printed back as configuration text (`sluice --dump-config`): one global section
 * and every frontend, backend and listen with all its settings spelt out (what it inherited
 * from defaults sections included), in a normalized form. Loading the output gives the same
 * model, and dumping that gives the same text. */

#include <stdio.h>

#include "model.h"

/* Write @g to @out. Returns 0, or -EIO if a write failed. */
int cfg_dump(const struct cfg_gen *g, FILE *out);
