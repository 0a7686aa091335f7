#pragma once
/* Shared main for the Check unit tests: runs one suite, prints TAP on stdout (one line per
 * test case, so meson counts every case), exits non-zero if any case failed. */

#include <check.h>

int unit_run(Suite *s);
