#pragma once
/* Muxes turn a connection's bytes into streams and back: HTTP/1 (one stream at a time), a
 * plain TCP relay, later HTTP/2 (many streams on one connection). A stream talks to each of
 * its two sides (the client, and the server once chosen) through an endpoint, struct sd,
 * and the operations of the mux behind it. The stream never sees a connection or a mux's
 * state; the mux sees of the stream only the endpoint it was given, whose flags it sets
 * before waking the stream (stream_wake()).
 *
 * Messages go through as protocol-neutral heads (http.h) and body bytes: each side receives
 * one message (the request on the client side, the response on the server side) and sends
 * the other. Received bytes stay in the mux's buffer until the stream has passed them on
 * (rcv_consume), so a body crosses the proxy without a copy in user space. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct conn;
struct http_hdr;
struct http_msg;
struct sess;
struct ssl_st;
struct stream;
struct worker;
struct wpipe;

/* sd.flags, set by the mux */
enum {
        SD_F_CONNECTED = 1u << 0,  /* server side: the connection is established */
        SD_F_CONN_ERR = 1u << 1,   /* server side: the connection could not be established */
        SD_F_EOS = 1u << 2,        /* the peer ended its side: nothing more will be received */
        SD_F_ERR = 1u << 3,        /* reset or failed: nothing can be sent or received */
        SD_F_RCVD = 1u << 4,       /* some byte of the incoming message arrived */
        SD_F_SENT = 1u << 5,       /* some byte of the outgoing message was written */
        SD_F_REUSED = 1u << 6,     /* server side: the connection served a request before */
        SD_F_REFUSED = 1u << 8,    /* server side: the server refused the request unprocessed
                                    * (HTTP/2 REFUSED_STREAM, above a GOAWAY's last stream):
                                    * a retry sends it again on another connection */
        SD_F_CANCEL = 1u << 7,     /* the peer cancelled the exchange (HTTP/2 RST_STREAM
                                    * CANCEL): the other side's end says so too, where its
                                    * protocol can */
        SD_F_MAY_REFUSE = 1u << 9, /* server side: the server may refuse the request
                                    * unprocessed (HTTP/2): the stream keeps what it sends of
                                    * the body, to send it again */
};

/* A stream's view of one side. */
struct sd {
        const struct mux_ops *ops; /* borrowed: NULL while nothing is attached */
        void *ms;                  /* the mux's state for this stream; owned by the mux */
        struct stream *strm;       /* borrowed: the stream this endpoint belongs to */
        uint32_t flags;            /* SD_F_* */
};

/* sd_data.flags */
#define SD_DATA_EOM  (1u << 0) /* the message ends with these bytes (and the trailers) */
#define SD_DATA_MORE (1u << 1) /* more of the message is due at once: send with MSG_MORE */
#define SD_DATA_FULL                                                           \
        (1u << 2) /* the receiving side takes no more before some is consumed: \
                   * its buffer is full, less the tune.maxrewrite reserve */

/* Body bytes of a message, passed from the side receiving them to the side sending them. */
struct sd_data {
        const char *p; /* borrowed from the receiving mux until rcv_consume() */
        size_t len;
        unsigned flags;            /* SD_DATA_* */
        struct http_hdr *trailers; /* with SD_DATA_EOM: the trailer fields; rcv_data() fills
                                    * the caller's array of @max_trailers entries */
        size_t n_trailers, max_trailers;
};

/* snd_head() flags */
#define SD_HEAD_CLOSE                                                           \
        (1u << 0) /* the connection must not carry another exchange after (both \
                   * sides: "Connection: close" is sent) */
#define SD_HEAD_REPLACE                                                      \
        (1u << 1) /* a response replacing one whose head was given but whose \
                   * bytes were not written yet (-EALREADY if some were) */

struct mux_ops {
        const char *name;
        unsigned http_major; /* the HTTP version it speaks (1 or 2); 0: not HTTP */
        /* bytes of a client connection's state that its session may hold for it in its
         * own memory (sess_new()'s @mux_space); 0: the mux allocates its state */
        size_t client_space;

        /* ---- the connection ---- */

        /* Take @c: the client side when @sess is set (the mux makes streams of what the
         * client sends), else the server side. Sets c->mux_ctx. 0 or a negative errno. */
        int (*init)(struct conn *c, struct worker *w, struct sess *sess);
        /* The readiness of @c changed. */
        void (*wake)(struct conn *c);
        /* Client side: stop. Graceful (soft stop): an idle connection closes, a busy one
         * after its current response; otherwise every stream ends now. */
        void (*stop)(struct conn *c, bool graceful);
        /* Client side: the connection's stream now, or NULL (none yet, or between two
         * requests): the runtime API's "show sess". */
        struct stream *(*cur_stream)(struct conn *c);
        /* Client side: the protocol glitches counted on the connection so far
         * (fc_glitches); NULL when the mux counts none. */
        unsigned (*glitches)(const struct conn *c);
        /* Free the context; called by conn_close(). */
        void (*release)(struct conn *c);
        /* Server side: a stream takes the connection, through @sd. 0 or -EBUSY. */
        int (*attach)(struct conn *c, struct sd *sd);
        /* Client side of an opaque stream whose stream chose an HTTP backend (HAProxy's
         * implicit upgrade) or ran switch-mode http: the connection and the bytes read so
         * far go to an HTTP mux, of HTTP major version @major (1 or 2; 0: the one the bind
         * and the TLS handshake say, HTTP/1 turning to HTTP/2 on a cleartext preface).
         * 1: HTTP/1 took @sd's stream as its first request's (the stream goes on as an
         * HTTP one, stream_upgraded()); 0: HTTP/2 took the connection and makes streams
         * of its own (the caller ends this one without a trace, stream_vanish()); or a
         * negative errno (the session was closed). Either way @sd no longer belongs to
         * this mux. NULL where there is no such stream. */
        int (*upgrade)(struct sd *sd, unsigned major);

        /* ---- the incoming message ---- */

        /* Server side: the response head into @m (whose header array is the caller's).
         * Returns 1 with a head (a 1xx included), 0 while it is incomplete (the mux waits
         * and wakes the stream), -EPIPE when the peer closed before sending any byte,
         * -ECONNREFUSED when the server refused the request unprocessed (HTTP/2
         * REFUSED_STREAM, GOAWAY), or a negative errno: -EBADMSG malformed, -ECONNRESET. */
        int (*rcv_head)(struct sd *sd, struct http_msg *m);
        /* The head's views are no longer needed: its bytes may go. */
        void (*rcv_head_done)(struct sd *sd);
        /* Body bytes available now into @d (p, len, flags; trailers with SD_DATA_EOM).
         * Returns 0 (@d->len may be 0 while waiting: the mux wakes the stream), or
         * -EBADMSG (framing broken), -EPIPE (the peer closed before the end), -errno. */
        int (*rcv_data)(struct sd *sd, struct sd_data *d);
        /* @n bytes of the last rcv_data() were passed on. */
        void (*rcv_consume)(struct sd *sd, size_t n);
        /* Content inspection of an opaque stream (tcp-request content rules): read what
         * the connection has into the buffer, up to full, and give every byte received so
         * far in @d, none consumed (rcv_data() gives them later). Returns 0, or -errno; the
         * end of the stream sets SD_F_EOS. NULL where the mux has no opaque stream. */
        int (*rcv_peek)(struct sd *sd, struct sd_data *d);

        /* ---- the outgoing message ---- */

        /* Encode head @m (SD_HEAD_* @flags); it is written with the first data or flush.
         * Returns the head's size on the wire, or -ENOBUFS (too large), -EALREADY. */
        int (*snd_head)(struct sd *sd, const struct http_msg *m, unsigned flags);
        /* Write body bytes @d (SD_DATA_EOM ends the message, with its trailers) after what
         * is pending. Returns the bytes of @d->p taken (fewer when the connection is full:
         * the mux waits and wakes the stream), or -errno when the peer is gone. */
        ssize_t (*snd_data)(struct sd *sd, const struct sd_data *d);
        /* Write what is pending. 0 when all is out, -EAGAIN (the mux waits and wakes the
         * stream), or -errno. */
        int (*flush)(struct sd *sd);

        /* ---- both ---- */

        /* After a 101, or a 2xx to CONNECT: from now on opaque bytes both ways. */
        void (*tunnel)(struct sd *sd);
        /* Tunnels: move bytes to and from a pipe without copying; NULL when the transport
         * cannot. -ENOTSUP while the mux holds buffered bytes for that direction (then use
         * rcv_data/snd_data); else as recv/send: bytes, 0 at end of stream, -EAGAIN. */
        ssize_t (*splice_rcv)(struct sd *sd, struct wpipe *p);
        ssize_t (*splice_snd)(struct sd *sd, struct wpipe *p);
        /* With the two above: can this side's transport splice at all (not TLS)? Asked of
         * both sides before a byte enters the pipe, which only a splicing side can empty. */
        bool (*can_splice)(const struct sd *sd);
        /* The OpenSSL connection under this side, or NULL when it is not TLS (ssl_bc_*). */
        struct ssl_st *(*ssl)(const struct sd *sd);
        /* Tunnels: end the outgoing direction (a FIN once what is pending is written). */
        void (*shutw)(struct sd *sd);
        /* The stream is done with this side: @ok when both messages completed (the
         * connection may carry another request), else the connection is closed. @sd is
         * not used by the mux afterwards. */
        void (*detach)(struct sd *sd, bool ok);
};
