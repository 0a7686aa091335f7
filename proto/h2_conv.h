#pragma once
/* HTTP/2 header blocks to and from protocol-neutral heads (http.h), for the HTTP/2 mux.
 *
 * A request's pseudo-header fields become its method, target and authority; :authority
 * becomes the Host field (a Host field beside it is dropped, RFC 9113 8.3.1); cookie crumbs
 * are joined with "; " (8.2.3); the framing comes from content-length and END_STREAM (a
 * body without content-length goes chunked to an HTTP/1.1 server). A response or trailer
 * section becomes the field list nghttp2 sends, names lowercased, without the
 * connection-specific fields HTTP/2 forbids (8.2.2).
 *
 * nghttp2 checks the grammar of what it receives (its HTTP messaging checks stay on):
 * pseudo-header order and set, field names, connection-specific fields, "te", and the
 * content-length against the DATA received. What is checked here is what this conversion
 * relies on. Sans-I/O: views into the caller's bytes; nothing allocates. */

#include <stdbool.h>
#include <stddef.h>

#include <nghttp2/nghttp2.h>

#include "http.h"

/* The client connection preface every HTTP/2 connection opens with (RFC 9113 3.4). */
#define H2_PREFACE     "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define H2_PREFACE_LEN 24

/* Do the @len bytes at @p open with the preface? 1 when they do, 0 while they are the start
 * of one (none included), -1 when they are not. */
int h2_preface_match(const char *p, size_t len);

/* The pseudo-header fields of a request header block. */
struct h2_pseudo {
        struct sl_str method, scheme, authority, path, protocol; /* ptr NULL: absent */
};

/* Record pseudo-header field @name (with its ':'): false when it is not a request's or
 * came twice (the stream is malformed). */
bool h2_pseudo_set(struct h2_pseudo *ps, struct sl_str name, struct sl_str value);

/* Complete request head @m, whose header array holds the block's regular fields (names
 * lowercase, as HTTP/2 has them), from its pseudo fields @ps. An extended CONNECT (RFC 8441:
 * :protocol) becomes the HTTP/1.1 upgrade it stands for: a GET of :path with "upgrade:
 * <protocol>" and HTTP_MSG_F_UPGRADE, no body (the caller adds what the protocol's HTTP/1.1
 * handshake needs, such as Sec-WebSocket-Key). A plain CONNECT is HTTP_E_CODING (no tunnel
 * to a host over HTTP/2). @end_stream: the block ended
 * the stream (no body). A cookie value joined from several fields is written in @room
 * (@cap bytes; *@used advanced by what it takes). Returns 0; -EBADMSG when the request is
 * malformed (a pseudo field missing or not allowed for the method, a bad content-length,
 * several content-lengths that differ); HTTP_E_TOO_LARGE when @room or the header array is
 * too small. */
int h2_request_finish(struct http_msg *m, const struct h2_pseudo *ps, bool end_stream, char *room,
                      size_t cap, size_t *used);

/* The fields of response head @m as nghttp2 sends them, into @nv (@max entries): ":status"
 * first (its digits in @room), then every field but the connection-specific ones, names
 * lowercased into @room (@cap bytes). A body of HTTP_BODY_LENGTH without a content-length
 * field gets one. Returns the number of entries, or -ENOBUFS. */
int h2_response_nv(const struct http_msg *m, nghttp2_nv *nv, size_t max, char *room, size_t cap);

/* The fields of a 101 (Switching Protocols) response @m to an extended CONNECT (RFC 8441)
 * as nghttp2 sends them: ":status" 200, the fields as h2_response_nv() keeps them, without
 * Sec-WebSocket-Accept (the HTTP/1.1 handshake's own) nor content-length. Returns the number
 * of entries, or -ENOBUFS. */
int h2_tunnel_response_nv(const struct http_msg *m, nghttp2_nv *nv, size_t max, char *room,
                          size_t cap);

/* Trailer fields @t as nghttp2 sends them: those allowed in a trailer section (no framing,
 * routing or connection field, RFC 9110 6.5.1), names lowercased into @room. Returns the
 * count, or -ENOBUFS. */
int h2_trailers_nv(const struct http_hdr *t, size_t n, nghttp2_nv *nv, size_t max, char *room,
                   size_t cap);

/* Is @name one of the connection-specific fields HTTP/2 forbids (Connection, Keep-Alive,
 * Proxy-Connection, Transfer-Encoding, Upgrade; "te" other than "trailers" is the caller's
 * to check)? Case-insensitive. */
bool h2_field_forbidden(struct sl_str name);

/* The fields of request head @m as nghttp2 sends them to an HTTP/2 server, into @nv (@max
 * entries), names lowercased into @room (@cap bytes): ":method", ":scheme" (@scheme),
 * ":authority" (the target's authority, else the Host field, which is then not sent),
 * ":path" (the origin form: an absolute-form target loses its scheme and authority; "/"
 * when empty), then every field but the connection-specific ones, those a Connection field
 * names and "http2-settings"; "te" goes only as "te: trailers", when it lists trailers. A
 * body of HTTP_BODY_LENGTH without a content-length field gets one; a chunked one sends
 * none. CONNECT is not converted. Returns the number of entries, -EINVAL for CONNECT, or
 * -ENOBUFS. */
int h2_request_nv(const struct http_msg *m, struct sl_str scheme, nghttp2_nv *nv, size_t max,
                  char *room, size_t cap);

/* Is @m an HTTP/1.1 WebSocket upgrade (GET, one "Upgrade: websocket", one
 * Sec-WebSocket-Key: its value in *ret_key)? */
bool h2_ws_upgrade(const struct http_msg *m, struct sl_str *ret_key);

/* The extended CONNECT (RFC 8441) a WebSocket upgrade @m becomes: as h2_request_nv(), with
 * ":method" CONNECT and ":protocol" websocket after it, and without Sec-WebSocket-Key or a
 * content-length (the handshake's fields that have no use over HTTP/2; Upgrade and
 * Connection go as every connection-specific field does). */
int h2_ws_request_nv(const struct http_msg *m, struct sl_str scheme, nghttp2_nv *nv, size_t max,
                     char *room, size_t cap);

/* Complete response head @m, whose header array holds an HTTP/2 response's regular fields,
 * from its @status, to a request of method @meth; @end_stream: the header block ended the
 * stream. A 1xx is an interim response; a response to HEAD, a 204 and a 304 have no body;
 * else the framing comes from content-length (checked), or END_STREAM (no body: a length of
 * 0), or is unknown in advance (HTTP_BODY_CHUNKED). Returns 0, or -EBADMSG (a status out of
 * range or 101, a connection-specific field, a bad or conflicting content-length, a
 * content-length other than 0 on a header block that ended the stream). */
int h2_response_finish(struct http_msg *m, unsigned status, bool end_stream, enum http_meth meth);
