#pragma once
/* The HTTP/2 mux's own types (mux_h2.c: the connection, nghttp2's callbacks; h2_msg.c: the
 * operations a stream uses on its side), shared by its two files only. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nghttp2/nghttp2.h>

#include "buf.h"
#include "h2_conv.h"
#include "list.h"
#include "loop.h"
#include "model.h"
#include "mux.h"
#include "wctx.h"

/* the largest DATA payload nghttp2 makes (its NGHTTP2_DATA_PAYLOADLEN), whatever the
 * client's SETTINGS_MAX_FRAME_SIZE */
#define H2_DATA_MAX 16384
/* fields of a response head or trailer section sent */
#define H2_MAX_NV   128

enum h2c_state {
        H2C_ST_OPEN = 0, /* streams come and go */
        H2C_ST_CLOSED,   /* released; freed at the end of the turn */
};

enum {
        H2C_F_STOPPING = 1u << 0,      /* soft stop: the shutdown notice was sent */
        H2C_F_GOAWAY = 1u << 1,        /* the final GOAWAY was submitted: no new stream */
        H2C_F_FATAL = 1u << 2,         /* the session failed: close once what is queued went */
        H2C_F_RD_EOF = 1u << 3,        /* the client closed or reset its side */
        H2C_F_BUSY = 1u << 4,          /* inside h2c_process(): wakes are queued, not run */
        H2C_F_CALM_SENT = 1u << 5,     /* the graceful GOAWAY of the glitch limit went */
        H2C_F_WR_ERR = 1u << 6,        /* writing failed: nothing more can be sent */
        H2C_F_SRV = 1u << 7,           /* server side: sluice is the client (h2_srv.c) */
        H2C_F_SRV_SWITCH = 1u << 8,    /* server side: taken over from the HTTP/1 mux after
                                        * ALPN chose h2 */
        H2C_F_SRV_DEAD = 1u << 9,      /* server side: it failed, its streams were told */
        H2C_F_SRV_SETTINGS = 1u << 10, /* server side: the server's SETTINGS came */
        H2C_F_SRV_POOLED = 1u << 11,   /* server side: it waited in the idle pool since its
                                        * last stream (the server may have closed it) */
};

enum {
        H2S_F_DISPATCHED = 1u << 0, /* its header block completed: a stream was made */
        H2S_F_TOO_LARGE = 1u << 1,  /* the header block went over the limits: 431 */
        H2S_F_BAD = 1u << 2,        /* the header block is malformed: 400 */
        H2S_F_IN_EOS = 1u << 3,     /* END_STREAM received: the request is complete */
        H2S_F_IN_EOM = 1u << 4,     /* ... and its end was passed on */
        H2S_F_OUT_HEAD = 1u << 5,   /* the final response head was submitted */
        H2S_F_OUT_EOM = 1u << 6,    /* the response's end was given (snd_data EOM) */
        H2S_F_OUT_DONE = 1u << 7,   /* ... and nghttp2 took its last byte */
        H2S_F_CLOSED = 1u << 8,     /* nghttp2 closed the stream */
        H2S_F_WANT_RCV = 1u << 9,   /* the stream waits for body bytes */
        H2S_F_WANT_SND = 1u << 10,  /* the stream waits for room in tx */
        H2S_F_DEFERRED = 1u << 11,  /* the data provider waits for bytes (resume it) */
        H2S_F_START = 1u << 12,     /* queued to be started (else woken) */
        H2S_F_TRAILERS = 1u << 13,  /* the fields decoded now are the request's trailers */
        H2S_F_DETACHED = 1u << 14,  /* the data path let it go */
        H2S_F_BODY = 1u << 15,      /* the response has a body (a data provider) */
        H2S_F_HEAD_EOS = 1u << 16,  /* the request's header block ended the stream */
        /* server side */
        H2S_F_IN_HEAD = 1u << 17,  /* a response head (or an interim one) waits to be taken */
        H2S_F_IN_FINAL = 1u << 18, /* the final response head came: HEADERS now are trailers */
        H2S_F_OPENED = 1u << 19,   /* the request's HEADERS frame went: its body may follow */
        H2S_F_REFUSED = 1u << 20,  /* the server did not process it (REFUSED_STREAM, or above
                                    * the last stream of its GOAWAY): safe to send again */
        /* RFC 8441: on the client side, the client's extended CONNECT; on the server side,
         * the one an HTTP/1.1 WebSocket upgrade became (its 200 is a 101 to the client) */
        H2S_F_EXT_CONNECT = 1u << 21,   /* an extended CONNECT: a 101 answers it with 200 */
        H2S_F_TUNNEL = 1u << 22,        /* ... and it became a tunnel: DATA both ways */
        H2S_F_WANT_SETTINGS = 1u << 23, /* server side: a WebSocket upgrade waits for the
                                         * server's SETTINGS (does it take them?) */
};

struct h2c;

/* A header field copied into h2s.head: bytes from the start, this index from the end. */
struct h2_field {
        uint32_t name_off, value_off;
        uint16_t name_len;
        uint32_t value_len;
};

struct h2s {
        struct sl_list link;      /* in h2c.streams */
        struct sl_list wake_link; /* in h2c.wakeq while queued */
        struct h2c *h;
        int32_t id;
        uint32_t flags; /* H2S_F_* */
        struct sd *sd;  /* the data path's endpoint, or NULL */
        struct stream *strm;
        /* the request head (then trailers): field bytes and index in a pool buffer, kept
         * until the stream is let go (the head's views point into it) */
        struct buf head;
        size_t head_used;  /* bytes of fields from the start */
        size_t n_fields;   /* index entries from the end */
        size_t n_head;     /* entries of the head (the trailers' follow) */
        size_t head_bytes; /* decoded size, as SETTINGS_MAX_HEADER_LIST_SIZE counts it */
        struct h2_pseudo ps;
        uint64_t head_start_ms;
        /* request body bytes received, not passed on yet */
        char *rx;
        size_t rx_off, rx_len, rx_cap;
        /* response body bytes not taken by nghttp2 yet */
        struct buf tx;
        /* response trailers, sent after the last DATA (one allocation: entries, then
         * bytes), or NULL */
        nghttp2_nv *trl;
        size_t n_trl;
        enum http_meth meth; /* the request's method */
        unsigned status;     /* server side: the :status of the head being received */
        /* server side, a WebSocket upgrade's extended CONNECT: the Sec-WebSocket-Accept its
         * HTTP/1.1 client gets with the 101 (RFC 6455 4.2.2) */
        char ws_accept[29];
};

struct h2c {
        struct conn *conn;
        struct worker *w;
        struct sess *sess;
        enum h2c_state state;
        uint32_t flags; /* H2C_F_* */
        nghttp2_session *ng;
        struct buf ibuf; /* pool buffer while reading */
        /* what nghttp2 serialized, not written yet */
        char *out;
        size_t out_off, out_len, out_cap;
        struct sl_list streams; /* every h2s */
        struct sl_list wakeq;   /* h2s to start or wake after the current step */
        unsigned n_streams;     /* h2s alive */
        unsigned n_attached;    /* h2s with a stream of the data path */
        unsigned n_done;        /* h2s alive whose response was all taken by nghttp2 */
        unsigned n_heads;       /* h2s whose header block is not complete yet */
        unsigned n_total;       /* streams opened */
        unsigned glitches;
        uint32_t goaway_err; /* the error code of a GOAWAY sent, 0: none */
        const char *why;     /* what ended the connection, when it was an error */
        uint64_t ctrl_sec;   /* loop second of ctrl_n */
        unsigned ctrl_n;
        int32_t last_id; /* the last stream accepted */
        uint64_t idle_start_ms;
        struct loop_timer timer;
        struct loop_defer run;
        struct loop_reap reap;
};

static inline const struct cfg_global *h2c_glob(const struct h2c *h)
{
        return &h->w->gen->global;
}

static inline bool h2c_srv(const struct h2c *h)
{
        return h->flags & H2C_F_SRV;
}

/* The receive window of each stream (tune.h2.initial-window-size, tune.h2.be.* on the
 * server side). */
static inline uint32_t h2c_init_window(const struct h2c *h)
{
        return h2c_srv(h) ? h2c_glob(h)->tune_h2_be_initial_window_size
                          : h2c_glob(h)->tune_h2_initial_window_size;
}

static inline struct h2_field *field_at(const struct h2s *s, size_t i)
{
        return (struct h2_field *)(void *)(s->head.area + s->head.size) - (i + 1);
}

static inline struct sl_str field_name(const struct h2s *s, const struct h2_field *f)
{
        return sl_str_make(s->head.area + f->name_off, f->name_len);
}

static inline struct sl_str field_value(const struct h2s *s, const struct h2_field *f)
{
        return sl_str_make(s->head.area + f->value_off, f->value_len);
}

/* Count @n protocol glitches; at the threshold the connection ends (mux_h2.c). */
void h2c_glitch(struct h2c *h, unsigned n);

/* Queue @s to be started (@start) or woken after the connection's current step. */
void h2s_wake(struct h2s *s, bool start);

/* The response of @s was all taken by nghttp2. */
void h2s_out_done(struct h2s *s);

/* Free @s (nghttp2 closed it, or the connection goes). */
void h2s_free(struct h2s *s);

/* A new h2s of @h for stream @id (0: a request not submitted yet), or NULL. */
struct h2s *h2s_new(struct h2c *h, int32_t id);

/* The h2s of stream @id, or NULL. */
struct h2s *h2s_of(struct h2c *h, int32_t id);

/* One decoded regular field of @s's header block, copied within the limits. */
void h2s_field(struct h2s *s, const uint8_t *name, size_t nlen, const uint8_t *value, size_t vlen);

/* The callbacks both sides share (output, DATA, errors) into @cb. */
void h2_callbacks_common(nghttp2_session_callbacks *cb);

/* The session options of client connections (h2_options_set()'s). */
nghttp2_option *h2_options(void);

/* A new connection context on @c (the mux's timer, reaper and turn set up), or NULL. */
struct h2c *h2c_alloc(struct conn *c, struct worker *w, struct sess *sess);

/* Free a context h2c_alloc() made whose session could not be set up. */
void h2c_free_early(struct h2c *h);

/* Everything the connection has to do now (mux_h2.c). */
void h2c_process(struct h2c *h);

/* ---- the server side (h2_srv.c) ---- */

/* Set up @h, allocated for a server connection: its nghttp2 client session and SETTINGS.
 * 0 or -ENOMEM. */
int h2c_srv_setup(struct h2c *h);

/* The end of h2c_process() for a server connection: streams told of its failure, the
 * connection closed when it is done, or made available to other streams. */
void h2c_srv_after(struct h2c *h);

/* An event on a server connection (its establishment included). */
void h2c_srv_wake(struct h2c *h);

/* Server side: the stream callbacks of mux_h2_ops. */
int h2_attach(struct conn *c, struct sd *sd);
int h2_rcv_head(struct sd *sd, struct http_msg *m);
void h2_rcv_head_done(struct sd *sd);
int h2_srv_snd_head(struct h2s *s, const struct http_msg *m);
/* Server side: the end of h2_detach(), once the stream let go of @s. */
void h2_srv_detach(struct h2s *s, bool ok);

/* The data provider of a message body: what tx holds, then the end and the trailers. */
ssize_t h2_on_read_body(nghttp2_session *ng, int32_t id, uint8_t *p, size_t len, uint32_t *flags,
                        nghttp2_data_source *src, void *data);

/* The operations of a stream's side (h2_msg.c), for mux_h2_ops. */
int h2_rcv_data(struct sd *sd, struct sd_data *d);
void h2_rcv_consume(struct sd *sd, size_t n);
int h2_snd_head(struct sd *sd, const struct http_msg *m, unsigned flags);
ssize_t h2_snd_data(struct sd *sd, const struct sd_data *d);
int h2_flush(struct sd *sd);
void h2_tunnel(struct sd *sd);
void h2_shutw(struct sd *sd);
struct ssl_st *h2_ssl(const struct sd *sd);
void h2_detach(struct sd *sd, bool ok);
