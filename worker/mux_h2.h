#pragma once
/* The HTTP/2 mux (mux.h): many streams on one connection, each a stream of the data path,
 * through nghttp2 (RFC 9113). Client side: chosen by ALPN "h2" on a TLS bind, by "proto h2"
 * on a bind, or by the HTTP/2 connection preface on a cleartext HTTP bind (prior knowledge,
 * unless "option disable-h2-upgrade"). Server side (h2_srv.c): "proto h2" on a server, or
 * ALPN "h2" chosen by a TLS server. */

#include <stdbool.h>

#include "mux.h"

struct buf;
struct conn;
struct nghttp2_option;
struct sd;
struct sess;
struct worker;

extern const struct mux_ops mux_h2_ops;

/* Take client connection @c, whose HTTP/1 mux read the first bytes into @in (the preface,
 * and maybe more): those are the first bytes the HTTP/2 mux reads; @in is left BUF_NULL.
 * 0, or a negative errno (the caller closes the session). */
int mux_h2_take_over(struct conn *c, struct worker *w, struct sess *sess, struct buf *in);

/* Take server connection @c, established (its TLS handshake chose h2), from the HTTP/1 mux,
 * whose context the caller releases afterwards, and attach the stream endpoint @sd that was
 * waiting on it. 0, or a negative errno (the HTTP/1 mux keeps it). */
int mux_h2_srv_take_over(struct conn *c, struct worker *w, struct sd *sd);

/* Set what both sides' sessions share on @opt (nghttp2's nghttp2_option): flow control left
 * to the data path, no closed streams kept, nghttp2's caps on queued answers, resets and
 * CONTINUATION. */
void h2_options_set(struct nghttp2_option *opt);
