#pragma once
/* The memory transport: a connection whose peer is a pair of byte queues instead of a
 * socket, so that tests drive the whole data path (muxes, streams, rules, logs) with no
 * socket and full control of how bytes are split, delayed, or cut. The peer's side is a
 * struct mem_peer: what the test writes there the connection reads, and the other way round.
 * Readiness follows the queues: a connection that waits on a direction is woken at the end
 * of the loop turn in which it became ready. */

#include <stdbool.h>
#include <stddef.h>

struct conn;
struct loop;
struct mem_peer;

extern const struct xprt_ops xprt_mem;

/* Set up @c in state READY over a new pair of queues, each holding at most @limit bytes
 * (what a socket buffer would take; 0: 1 MiB). Returns 0 and *ret_peer (the test's end,
 * freed with mem_peer_free()), or -ENOMEM. */
int xprt_mem_pair(struct conn *c, struct loop *loop, size_t limit, struct mem_peer **ret_peer);

/* Queue @len bytes for the connection to read; returns how many fit. */
size_t mem_peer_write(struct mem_peer *p, const void *data, size_t len);

/* Bytes mem_peer_write() would take now. */
size_t mem_peer_room(const struct mem_peer *p);

/* Take up to @max bytes the connection wrote; returns how many. */
size_t mem_peer_read(struct mem_peer *p, void *buf, size_t max);

/* Bytes the connection wrote that the peer did not read yet. */
size_t mem_peer_pending(const struct mem_peer *p);

/* End the peer's stream: the connection reads end of stream after what is queued. */
void mem_peer_shutw(struct mem_peer *p);

/* Reset: the connection's reads and writes fail from now on. */
void mem_peer_reset(struct mem_peer *p);

/* The connection shut its write side (end of stream after what the peer did not read). */
bool mem_peer_eof(const struct mem_peer *p);

/* The connection was closed (by its owner). */
bool mem_peer_closed(const struct mem_peer *p);

/* Release the peer's end; the queues are freed once the connection is closed too. Accepts
 * NULL; returns NULL. */
struct mem_peer *mem_peer_free(struct mem_peer *p);
