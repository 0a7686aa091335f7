#pragma once
/* The TLS transport: OpenSSL over the connection's transport (raw on a socket, memory in
 * tests), through a BIO of our own that reads and writes with the lower transport's
 * operations. The handshake is a step of the connection's handshake (conn.h), so it stacks
 * after a PROXY protocol header.
 *
 * Writes never leave OpenSSL waiting: a record the socket cannot take at once is kept by the
 * transport (its out buffer) and written on write readiness (xprt_ops.flush), so SSL_write is
 * never retried with other bytes, and the mux above sees a record's plain bytes as written
 * once the record exists. The buffer is allocated only while it holds bytes, and
 * SSL_MODE_RELEASE_BUFFERS drops OpenSSL's own: an idle TLS connection holds no buffer. */

#include <stdbool.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "conn.h"

extern const struct xprt_ops xprt_tls;

/* Put TLS over @c's current transport (READY, nothing read yet), with @ssl (owned from now
 * on, also on failure) set up as a server or a client by its context. Returns 0 or -ENOMEM. */
int xprt_tls_attach(struct conn *c, SSL *ssl);

/* Bytes to write on the lower transport before the first TLS record (a PROXY header to a
 * server): they leave with the handshake's first flight, in the same system call. Only
 * before the handshake starts. Returns 0 or -ENOMEM. */
int xprt_tls_prepend(struct conn *c, const void *p, size_t len);

/* The handshake step (conn_hs_fn): pass it with data NULL. */
int xprt_tls_handshake(struct conn *c, void *data);

/* The OpenSSL connection of @c, or NULL when @c does not speak TLS. */
SSL *xprt_tls_ssl(const struct conn *c);

/* Why the handshake of @c failed, for the log: OpenSSL's reason for the first error, or a
 * phrase of ours ("connection closed during handshake"); "" when it did not fail. */
const char *xprt_tls_error(const struct conn *c);
