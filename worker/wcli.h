#pragma once
/* The worker's side of the master CLI's "@N command": the master passes a command line and
 * the client's socket (SCM_RIGHTS) over a datagram socketpair; the worker answers on that
 * socket and closes it. Commands: help, show info, show table [NAME [data.TYPE OP V]...],
 * clear table NAME [key K | data.TYPE OP V...], set table NAME key K data.TYPE V. */

struct worker;

/* Watch @fd (the worker's end of the socketpair; the worker owns it from now on). Returns 0
 * or -errno. */
int wcli_start(struct worker *w, int fd);

/* Stop watching and close; drops answers still being written. */
void wcli_stop(struct worker *w);
