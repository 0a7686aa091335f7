#pragma once
/* The stats sockets ("stats socket" lines of the global section): HAProxy's runtime API
 * socket, served by the first worker of each generation on the listening sockets the master
 * opened (kept across reloads like every listener; "fd@N" is an inherited one). A client
 * sends command lines; each command (several on a line are separated by ';') is answered
 * with its output and an empty line. Without "prompt" the connection closes once the
 * commands of the first line are answered; "prompt" toggles the interactive mode, where each
 * answer ends with "\n> " and the connection stays until "quit" or the stats timeout. The
 * stats timeout (global "stats timeout", 10 s by default) closes a client that sends nothing
 * or reads nothing for that long. The socket's "level" limits what a client may change. */

struct worker;

/* Start accepting on the stats sockets the master gave this worker (worker_opts.stats_fd);
 * none when it has none. Errors are logged; returns 0 or the first negative errno. */
int wstats_start(struct worker *w);

/* Stop accepting (soft stop): clients being served finish. */
void wstats_close_listeners(struct worker *w);

/* Close the listeners and every client. */
void wstats_stop(struct worker *w);
