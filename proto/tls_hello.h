#pragma once
/* The first bytes of a TLS connection as a client sends them, read without terminating TLS:
 * what routing by SNI needs (HAProxy's req.ssl_hello_type, req.ssl_sni, req.ssl_alpn). The
 * readers are sans-I/O and bounded: each answers from the bytes received so far, and says
 * when more bytes could change the answer. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

enum tls_hello_status {
        TLS_HELLO_OK = 0, /* an answer, final */
        TLS_HELLO_SHORT,  /* more bytes are needed to answer */
        TLS_HELLO_NOT,    /* not a TLS ClientHello (or no such field): no answer, final */
};

/* The handshake type of the first handshake message (1 for a ClientHello), as HAProxy's
 * req.ssl_hello_type: a record of type 20 to 23 or 255 with a version of at least SSLv3,
 * whose first handshake message is all there. */
enum tls_hello_status tls_hello_type(const uint8_t *p, size_t len, unsigned *ret_type);

/* The protocol version the client asks for, as HAProxy's req.ssl_ver: major * 65536 +
 * minor (TLS 1.2 is 3.3, 0x30003), from an SSLv3-or-later record (the ClientHello's own
 * version, not the record's) or an SSLv2 CLIENT-HELLO, once the whole first message is
 * there; a message longer than @limit bytes (what a buffer holds) counts as whole at
 * @limit. */
enum tls_hello_status tls_hello_version(const uint8_t *p, size_t len, size_t limit,
                                        unsigned *ret_version);

/* What a ClientHello holds, its strings borrowed from the bytes given. */
struct tls_hello {
        unsigned version;   /* the ClientHello's legacy_version, as 0x0303 */
        struct sl_str sni;  /* the first host_name of server_name; ptr NULL: none */
        struct sl_str alpn; /* the protocol_name_list of ALPN (length-prefixed names, as
                             * sent); ptr NULL: none */
};

/* Read the ClientHello that begins the connection: a handshake record (22) of TLS 1.0 or
 * later holding a whole ClientHello (in its first record, as HAProxy reads it). */
enum tls_hello_status tls_hello_parse(const uint8_t *p, size_t len, struct tls_hello *ret);

/* The @i-th name (from 0) of an ALPN protocol_name_list; false past the last one or on a
 * malformed list. */
bool tls_hello_alpn_at(struct sl_str list, unsigned i, struct sl_str *ret);
