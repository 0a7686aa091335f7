#pragma once
/* Sessions (session-t.h): made for each accepted client connection before its mux, ended
 * by the mux when the connection closes. They hold what every stream of the connection
 * shares: the frontend, the addresses, the counters tracked for the connection. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "session-t.h"

/* A session for a connection of frontend @fe from @src; its conn is set up by the caller.
 * @mux_space bytes after it are for the state of the mux the connection will have (most
 * often HTTP/1's), which then needs no allocation of its own. NULL when out of memory
 * (counted). */
struct sess *sess_new(struct worker *w, const struct cfg_proxy *fe,
                      const struct sockaddr_storage *src, socklen_t src_len, size_t mux_space);

/* The zeroed room of @size bytes sess_new() kept for the mux, or NULL when there is not
 * that much or a mux took it already. It goes with the session's memory. */
void *sess_mux_space(struct sess *s, size_t size);

/* The client's address as text, without its port ("unix" for a Unix socket), into @ip
 * (INET6_ADDRSTRLEN bytes); its port, 0 when none. For log lines about the connection. */
unsigned sess_peer(const struct sess *s, char *ip, size_t cap);

/* The HTTP major version the client's connection speaks: 2 for HTTP/2, else 1
 * (fc_http_major). */
unsigned sess_http_major(const struct sess *s);

/* The protocol glitches counted on the client's connection so far (fc_glitches; only
 * HTTP/2 counts them). */
unsigned sess_glitches(const struct sess *s);

/* Whether the client's connection is TLS (ssl_fc). */
bool sess_tls(const struct sess *s);

/* The HTTP version an HTTP client connection speaks from its start: the one its bind forces
 * ("proto"), else HTTP/2 when the TLS handshake chose it (ALPN); CFG_BIND_PROTO_AUTO
 * otherwise: HTTP/1, which becomes HTTP/2 when the connection opens with HTTP/2's preface. */
enum cfg_bind_proto sess_http_proto(const struct sess *s);

/* The client connection's OpenSSL connection, or NULL when it is not TLS. */
struct ssl_st;
struct ssl_st *sess_ssl(const struct sess *s);

/* The session ends, or its requests go to another backend: close the idle server
 * connections kept for it (http-reuse never) in the backend it used last. */
void sess_close_private(struct sess *s);

/* HAProxy's line for a connection that ended before its first stream (a handshake failed:
 * the PROXY header, TLS), in the frontend's logs: "ADDR:PORT [DATE] FRONTEND/LISTENER:
 * MESSAGE", with HAProxy's message @msg, so that what parses HAProxy's logs parses these
 * (only with a log format: option httplog, tcplog, log-format). @null: the client sent
 * nothing, which "option dontlognull" leaves out. */
struct cfg_bind;
void sess_log_embryonic(struct sess *ss, const struct cfg_bind *b, const char *msg, bool null);

/* End the session: its connection-level counters are released, its connection closed, and
 * it is freed at the end of the loop turn. Idempotent. */
void sess_close(struct sess *s);
