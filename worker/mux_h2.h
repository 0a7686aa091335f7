#pragma once
/* The HTTP/2 mux (mux.h), client side: many streams on one connection, each a stream of the
 * data path, through nghttp2 (RFC 9113). Chosen by ALPN "h2" on a TLS bind, by "proto h2" on
 * a bind, or by the HTTP/2 connection preface on a cleartext HTTP bind (prior knowledge,
 * unless "option disable-h2-upgrade"). */

#include <stdbool.h>

#include "mux.h"

struct buf;
struct conn;
struct sess;
struct worker;

extern const struct mux_ops mux_h2_ops;

/* The client connection preface every HTTP/2 connection opens with. */
#define H2_PREFACE     "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_PREFACE_LEN 24

/* Take client connection @c, whose HTTP/1 mux read the first bytes into @in (the preface,
 * and maybe more): those are the first bytes the HTTP/2 mux reads; @in is left BUF_NULL.
 * 0, or a negative errno (the caller closes the session). */
int mux_h2_take_over(struct conn *c, struct worker *w, struct sess *sess, struct buf *in);
