#pragma once
/* HTTP/1.1 text from protocol-neutral messages (http.h): the one place where sluice writes
 * HTTP/1 heads, chunk framing and trailers, whatever the message came from (an HTTP/1 or
 * HTTP/2 peer, or a reply sluice makes itself).
 *
 * Sans-I/O: each function writes into a caller-owned byte range and returns the number of
 * bytes written, or -ENOBUFS when the text does not fit (nothing usable is written then). */

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* What the emitter writes in the Connection field: at most one of these. Every Connection,
 * Keep-Alive, Proxy-Connection, TE and Upgrade field of the message is dropped, and so is
 * every field a Connection field names (RFC 9110 7.6.1: hop-by-hop) when the message says
 * one does (HTTP_MSG_F_CONN_NAMES: the Connection fields are only read then). */
#define H1_EMIT_CONN_CLOSE     (1u << 0) /* "connection: close" */
#define H1_EMIT_CONN_KEEPALIVE (1u << 1) /* "connection: keep-alive" (HTTP/1.0 peers) */
#define H1_EMIT_CONN_UPGRADE   (1u << 2) /* "connection: upgrade"; Upgrade fields are kept */

/* A request head: request-line (the target as received, or the rewritten path and query),
 * fields, framing. Content-Length is kept when the body is HTTP_BODY_LENGTH and written when
 * the message has none; Transfer-Encoding likewise for HTTP_BODY_CHUNKED. The version is
 * HTTP/1.0 for an HTTP/1.0 message, else HTTP/1.1. */
int h1_emit_request(char *dst, size_t size, const struct http_msg *m, unsigned flags);

/* A response head: "HTTP/1.1" status-line, fields and framing as for requests, except that a
 * 1xx or 204 never carries Content-Length (RFC 9110 8.6) while HEAD and 304 responses keep
 * theirs; Transfer-Encoding is kept for HTTP_BODY_CHUNKED and HTTP_BODY_UNTIL_CLOSE (a
 * coding other than chunked, delimited by the close). */
int h1_emit_response(char *dst, size_t size, const struct http_msg *m, unsigned flags);

/* The line that opens a chunk of @n bytes (n > 0): hexadecimal size and CRLF. */
int h1_emit_chunk_size(char *dst, size_t size, uint64_t n);

/* The end of a chunked body: the last chunk "0" CRLF, the @n trailer fields, the final CRLF.
 * Hop-by-hop and framing fields are not written in trailers (RFC 9110 6.5.1). */
int h1_emit_chunked_end(char *dst, size_t size, const struct http_hdr *trailers, size_t n);
