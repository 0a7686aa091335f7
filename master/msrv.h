#pragma once
/* The stats sockets ("stats socket" lines of the global section): HAProxy's runtime API,
 * served by the master for the whole node, on the listening sockets it keeps across reloads
 * (msock.c; "fd@N" is an inherited one). A client sends command lines; each command
 * (several on a line are separated by ';') is answered with its output and an empty line.
 * Without "prompt" the connection closes once the commands of the first line are answered;
 * "prompt" toggles the interactive mode, where each answer ends with "\n> " and the
 * connection stays until "quit" or the stats timeout. The stats timeout (global "stats
 * timeout", 10 s by default) closes a client that sends nothing or reads nothing for that
 * long. The socket's "level" limits what a client may change; the commands are mcmd.c's. */

struct master;

/* Accept on the stats sockets of the current generation (m->gen), at their levels; call
 * again after every change of generation. Errors are logged. */
void msrv_apply(struct master *m);

/* Stop accepting; clients being served finish. */
void msrv_close_listeners(struct master *m);

/* Close the listeners' watchers and every client. */
void msrv_stop(struct master *m);
