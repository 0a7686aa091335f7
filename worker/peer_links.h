#pragma once
/* The peer links of the node (HAProxy's peers protocol 2.1, proto/peers.h): run by one worker
 * for the whole node, the first of the current generation, as health checks are. For every
 * peers section that is not disabled it listens on the local peer's address (a socket the
 * master keeps, so nothing is lost when the owner changes), connects to every other peer,
 * pushes the changes of the section's tables read from their update logs (shm/stktable.h,
 * "Updates"), applies what peers send through a quiet view of each table (so it is not sent
 * back), acknowledges it, and answers resync requests with the whole table. Where each peer
 * acknowledged is kept in the table itself, so a new owner after a reload or a respawn goes
 * on from there: no update is lost and no local resync is needed. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct worker;
struct cfg_bind;

/* Start the links of every peers section of @w's generation. 0 or a negative errno (the
 * tables keep working locally). */
int peers_start(struct worker *w);

/* Soft stop: close every link at once (the next owner takes over from the shared positions).
 * Idempotent. */
void peers_stop(struct worker *w);

/* "show peers [<section>]": the state of each link and of each table on it, HAProxy's fields
 * where they mean the same. Nothing when this worker owns no links. */
void peers_show(struct worker *w, const char *section, FILE *out);
