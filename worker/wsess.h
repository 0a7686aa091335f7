#pragma once
/* The runtime API's session commands, as a worker answers them for its own client
 * connections (the master asks every worker and puts the answers together, mcmd.c):
 * "show sess [all|<id>]", "shutdown session <id>", "shutdown sessions server <b>/<s>".
 * A session's id is node-wide: the worker's pid, then the session's own number, in hex
 * ("0x<pid><8 digits>"), so the master knows which worker to ask. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct worker;

/* One line per client connection ("all": a block of lines each; @id: that one only). */
void wsess_show(struct worker *w, FILE *out, bool all, const char *id);

/* Close client connection @id now, its stream with it (logged with termination 'K'). */
void wsess_shutdown(struct worker *w, FILE *out, const char *id);

/* Close every client connection whose stream uses server @srv of backend @be. */
void wsess_shutdown_server(struct worker *w, FILE *out, const char *be, const char *srv);

/* Close every client connection whose stream uses server @idx of @be (with @backups: any
 * backup server of @be); returns how many. */
struct cfg_proxy;
unsigned wsess_cut_server(struct worker *w, const struct cfg_proxy *be, int idx, bool backups);

/* Parse a node-wide session id: its worker's pid and the session's low 32 bits. */
bool wsess_parse_id(const char *id, uint32_t *ret_pid, uint32_t *ret_low);
