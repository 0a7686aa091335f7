#pragma once
/* A client connection's TLS handshake, between the tcp-request connection rules and the
 * session rules (as HAProxy orders them): bounded by timeout client, counted, and logged once
 * with its reason when it fails. The session is complete, and gets its mux, only after it. */

#include "session-t.h"

struct tls_bind;

/* Start TLS on @ss's connection (READY, raw, nothing read) with the contexts of @tb. Calls
 * @done(ss) once the handshake is over; on a failure or the timeout the session is closed
 * instead. Returns 0, or a negative errno (the caller closes the session). */
int sess_tls_start(struct sess *ss, const struct tls_bind *tb, void (*done)(struct sess *ss));
