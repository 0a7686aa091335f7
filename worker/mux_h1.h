#pragma once
/* The HTTP/1 mux (mux.h): HTTP/1.1 and 1.0 on a client or a server connection, one stream at
 * a time (pipelined requests wait in the receive buffer), keep-alive, 100-continue, Upgrade
 * and CONNECT tunnels, and the soft stop that answers the current request with
 * Connection: close. */

#include "mux.h"

extern const struct mux_ops mux_h1_ops;

struct buf;
struct stream;

/* Take client connection @c from the TCP mux, whose stream @st chose an HTTP backend (or
 * switched to HTTP), and the bytes it read, @in (left BUF_NULL): @st becomes the stream of
 * the first request (stream_upgraded()). @h2_preface: a cleartext connection that opens
 * with HTTP/2's preface goes on in HTTP/2. 0, or a negative errno (@in untouched, @c without
 * a mux: the caller closes the session). */
int mux_h1_take_over(struct conn *c, struct worker *w, struct sess *sess, struct buf *in,
                     struct stream *st, bool h2_preface);
