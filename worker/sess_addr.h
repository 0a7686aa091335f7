#pragma once
/* The addresses of a client connection (sess_addr.c): the session's, which tcp-request
 * connection and session rules may change, and a stream's own, which set-src/set-dst rules
 * of tcp-request content and http-request give it. A module of its own so that what reads
 * addresses (fetches, stick tables, logs, the balancer) needs nothing else of sessions. */

#include <stdbool.h>
#include <sys/socket.h>

#include "ipaddr.h"

struct sess;
struct stream;
struct cfg_smp_value;

/* The client's address and the local address it connected to (read once, on demand), as
 * stream @st sees them: its own when a set-src/set-dst rule of the stream gave it one, else
 * the session's (which tcp-request connection and session rules may have set). @st may be
 * NULL: the session's. */
const union sl_addr *sess_src(struct sess *s, const struct stream *st);
const union sl_addr *sess_dst(struct sess *s, const struct stream *st);

/* The address (@dst: the local one, else the client's) a set-src/set-dst rule changes:
 * stream @st's own, made from the session's on first use, or the session's when @st is
 * NULL. NULL when the stream's scratch buffer is full. */
union sl_addr *sess_addr_to_set(struct sess *s, struct stream *st, bool dst);

/* What set-src/set-dst (@v an IP) and set-src-port/set-dst-port (@v an INT) do to address
 * @a, as HAProxy: a new address keeps the port when @a has one (else port 0); a new port
 * keeps the address when @a has one (else it becomes 0.0.0.0). */
void sess_addr_rewrite(union sl_addr *a, const struct cfg_smp_value *v);
