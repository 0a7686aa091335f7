#pragma once
/* The worker's side of the master CLI's "@N command": the master passes a command line and
 * the client's socket (SCM_RIGHTS) over a datagram socketpair; the worker answers on that
 * socket and closes it. Commands: help, show info, show table [NAME [data.TYPE OP V]...],
 * clear table NAME [key K | data.TYPE OP V...], set table NAME key K data.TYPE V. */

#include <stdio.h>

struct worker;

/* Run the command line @cmd (split into words in place) with the rights of a client of
 * @level (CFG_STATS_LEVEL_*: the master CLI's clients are admin), writing the answer to
 * @out. Reading is open to every level; changing a stick table needs operator, and at user
 * level "show table NAME" gives the table's head only, as in HAProxy. */
void wcli_exec(struct worker *w, char *cmd, int level, FILE *out);

/* Watch @fd (the worker's end of the socketpair; the worker owns it from now on). Returns 0
 * or -errno. */
int wcli_start(struct worker *w, int fd);

/* Stop watching and close; drops answers still being written. */
void wcli_stop(struct worker *w);
