#pragma once
/* The runtime API's commands (HAProxy's, with its answers and error texts where it has
 * them), run by the master for the whole node: the stats sockets (msrv.c) hand each command
 * here. A command that changes state is logged with the client's uid and pid. Long answers
 * ("show stat" of many servers) come in pieces: mcmd_exec() writes the first and leaves a
 * continuation, and mcmd_continue() writes the next each time the client has read the
 * previous one, so memory stays bounded whatever the size of the answer. */

#include <stdbool.h>
#include <stdio.h>

struct master;

/* The client of a command, from SO_PEERCRED (-1: unknown, a TCP socket). */
struct mcmd_peer {
        int pid;
        long uid;
        const char *who; /* the stats page's client ("address, user"), else NULL */
};

struct mcmd_cont;
struct cfg_proxy;

/* The stats page's admin actions on server @srv of backend @px (current generation):
 * @action "ready", "drain", "maint", "health-up|stopping|down" or "shutdown" (its sessions,
 * on every worker), logged as the socket's commands are. False when there is no such server
 * or nothing was done. */
bool mcmd_server_action(struct master *m, const struct cfg_proxy *px, const char *srv,
                        const char *action, const struct mcmd_peer *peer);

/* Run @cmd (one command, modified in place) at access @level (CFG_STATS_LEVEL_*), writing
 * the answer to @out. *@ret_cont: NULL when the answer is complete, else a continuation for
 * mcmd_continue() (owned by the caller). */
void mcmd_exec(struct master *m, char *cmd, int level, const struct mcmd_peer *peer, FILE *out,
               struct mcmd_cont **ret_cont);

/* Write the next piece of a long answer. Returns true when the answer is complete (@c may
 * then be freed). */
bool mcmd_continue(struct master *m, struct mcmd_cont *c, FILE *out);

/* Is @c waiting for the workers' answers (nothing to write yet)? Then @wake(@arg) is called
 * from the loop once they are in, and mcmd_continue() writes them. */
bool mcmd_waiting(const struct mcmd_cont *c);
void mcmd_cont_on_ready(struct mcmd_cont *c, void (*wake)(void *arg), void *arg);

/* Free a continuation; accepts NULL; returns NULL. */
struct mcmd_cont *mcmd_cont_free(struct mcmd_cont *c);
