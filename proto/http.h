#pragma once
/* HTTP messages as every protocol version carries them (RFC 9110): methods, versions, header
 * fields, body framing, and a request or response head made of these. The HTTP/1 parser fills
 * one from its text and the HTTP/1 emitter writes one as text; an HTTP/2 mux does the same with
 * frames. The data path in between (rules, fetches, balancing, logs) sees only this.
 *
 * Sans-I/O: strings are views into buffers the caller owns; nothing here allocates. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

/* Errors of message parsers and decoders besides -EAGAIN (need more bytes) and -EBADMSG
 * (malformed: 400). http_error_status() gives the status a server answers each with. */
#define HTTP_E_TOO_LARGE      (-EMSGSIZE)        /* head or trailers over their limits: 431 */
#define HTTP_E_URI_TOO_LONG   (-ENAMETOOLONG)    /* request-line over its limit: 414 */
#define HTTP_E_VERSION        (-EPROTONOSUPPORT) /* a version sluice does not speak: 505 */
#define HTTP_E_CODING         (-EOPNOTSUPP)      /* a transfer-coding other than chunked: 501 */
#define HTTP_E_BODY_TOO_LARGE (-EFBIG)           /* a body or chunk over its limit: 413 */

/* 400, 413, 414, 431, 501 or 505 for a negative result of a parser; not for -EAGAIN. */
int http_error_status(int err);

enum http_meth {
        HTTP_METH_OTHER = 0, /* a valid token without a name here: see http_msg.method */
        HTTP_METH_GET,
        HTTP_METH_HEAD,
        HTTP_METH_POST,
        HTTP_METH_PUT,
        HTTP_METH_DELETE,
        HTTP_METH_CONNECT,
        HTTP_METH_OPTIONS,
        HTTP_METH_TRACE,
        HTTP_METH_PATCH,
        HTTP_METH_COUNT,
};

enum http_ver {
        HTTP_VER_1_0 = 0, /* HTTP/1.0 */
        HTTP_VER_1_1,     /* HTTP/1.1 (and 1.2 to 1.9, RFC 9112 2.3) */
        HTTP_VER_2,       /* HTTP/2 */
        HTTP_VER_COUNT,
};

/* Fields a received head may have (HAProxy's tune.http.maxhdr default), and trailer fields
 * a body may end with. */
#define HTTP_MAX_HDRS     101
#define HTTP_MAX_TRAILERS 32

struct http_hdr {
        struct sl_str name;  /* borrowed; a token, case as received */
        struct sl_str value; /* borrowed; without leading and trailing OWS, may be empty */
};

/* How a message's body is delimited, whatever the protocol writes on the wire. */
enum http_body {
        HTTP_BODY_NONE = 0,    /* no message body */
        HTTP_BODY_LENGTH,      /* exactly content_length bytes (may be 0) */
        HTTP_BODY_CHUNKED,     /* length unknown in advance (HTTP/1.1: the chunked coding) */
        HTTP_BODY_UNTIL_CLOSE, /* responses only: the body ends when the server closes */
        HTTP_BODY_TUNNEL,      /* 101, or 2xx to CONNECT: opaque bytes both ways follow */
        HTTP_BODY_COUNT,
};

/* http_msg.flags */
enum {
        HTTP_MSG_F_CLOSE = 1u << 0,      /* the connection ends after this message: a request
                                          * asking it, or a reply of sluice's that closes */
        HTTP_MSG_F_KEEPALIVE = 1u << 1,  /* HTTP/1.0: the sender asked to keep the connection */
        HTTP_MSG_F_UPGRADE = 1u << 2,    /* a request for a protocol switch (Upgrade), or the
                                          * response switching (101) */
        HTTP_MSG_F_INTERIM = 1u << 3,    /* a 1xx response other than 101 */
        HTTP_MSG_F_CONN_NAMES = 1u << 4, /* HTTP/1: a Connection field names other fields
                                          * (which are then hop-by-hop, RFC 9110 7.6.1) */
};

/* A request or response head. Views point into the buffer the message was received in, or
 * into scratch space of whoever rewrote them; the header array belongs to the message's
 * owner and holds @max_hdrs entries. */
struct http_msg {
        /* requests */
        enum http_meth meth;
        struct sl_str method;    /* the method token */
        struct sl_str target;    /* the request-target as received (HTTP/2: :path) */
        struct sl_str authority; /* the target's authority, else the Host field; may be empty */
        struct sl_str path;      /* the target's path, without the query; empty: none */
        struct sl_str query;     /* after the '?', without it; ptr NULL: the target had none */
        bool path_set;           /* path (and query) were rewritten: send them, not @target */
        /* responses */
        unsigned status;      /* 100 .. 599 */
        struct sl_str reason; /* HTTP/1 reason phrase; may be empty */

        enum http_ver version;
        struct http_hdr *hdrs; /* borrowed array of @max_hdrs entries, @n_hdrs in use */
        size_t n_hdrs, max_hdrs;
        enum http_body body;
        uint64_t content_length; /* HTTP_BODY_LENGTH only */
        uint32_t flags;          /* HTTP_MSG_F_* */
        /* the head as it was received (HTTP/1), which @hdrs view: a field line still there
         * as "name: value" CRLF is copied as it is, with the ones after it (http1_emit.c);
         * ptr NULL: none */
        struct sl_str raw;
};

/* The reason phrase of @status (RFC 9110 15), or a generic one for its class. */
const char *http_status_reason(unsigned status);

/* Index of the first header at or after @from named @name (ASCII case-insensitive), or -1. */
int http_hdr_find(const struct http_msg *m, size_t from, struct sl_str name);

/* Append a header; false when the array is full. The views must outlive the message. */
bool http_hdr_add(struct http_msg *m, struct sl_str name, struct sl_str value);

/* Remove header @i, keeping the order of the others. */
void http_hdr_del(struct http_msg *m, size_t i);
