#pragma once
/* "show errors": the last invalid request each frontend received and the last invalid
 * response each backend got, as HAProxy captures them (the bytes, the offending byte's
 * position, where it came from), kept by each worker; the master asks every worker and
 * keeps the newest of each (mcmd.c). Captured on the error path only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct worker;
struct sess;
struct px_rt;
struct cfg_proxy;

#define WERR_BYTES_MAX 16384 /* bytes of a message kept: the head, as the buffer held it */

/* A message @px refused (@response: a server's response; @be/@srv: where it went, srv -1:
 * none), from client session @ss, whose bytes were @buf[0..@len) with the error at @pos. */
void werr_capture(struct worker *w, const struct cfg_proxy *px, bool response,
                  const struct sess *ss, const struct cfg_proxy *fe, const struct cfg_proxy *be,
                  int srv, const char *buf, size_t len, size_t pos);

/* This worker's captures: a line "@total <events>", then for each capture a line "@ <wall
 * us> <proxy> request|response <count>" and HAProxy's block of lines. */
void werr_show(struct worker *w, FILE *out);

/* Free a proxy's captures (its runtime state goes). */
void werr_free(struct px_rt *rt);
