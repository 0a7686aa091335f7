#pragma once
/* A client session: one accepted connection and the stream it carries (HTTP/1.1: one request
 * at a time, pipelined requests waiting in the input buffer; TCP: one tunnel), with its
 * server connection. Owned by the worker; freed through the loop's reap list. */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "buf.h"
#include "http1_parse.h"
#include "list.h"
#include "loop.h"
#include "model.h"
#include "stick.h"

struct worker;
struct listener;
struct srv_conn;
struct wpipe;

/* States of a session, in the order a request goes through them. */
enum sess_state {
        SESS_ST_IDLE = 0, /* between requests (or before the first): no buffer held */
        SESS_ST_REQ_HEAD, /* reading a request head */
        SESS_ST_QUEUE,    /* waiting for a server slot (every usable server at maxconn) */
        SESS_ST_CONNECT,  /* connecting to the chosen server */
        SESS_ST_FORWARD,  /* request going to the server, response coming back */
        SESS_ST_TUNNEL,   /* opaque bytes both ways: TCP mode, WebSocket, CONNECT */
        SESS_ST_REPLY,    /* sending a response sluice made itself */
        SESS_ST_CLOSED,   /* queued for reaping */
        SESS_ST_COUNT,
};

/* Independent conditions. */
enum {
        SESS_F_HTTP = 1u << 0,          /* HTTP mode (else TCP) */
        SESS_F_CLI_EOF = 1u << 1,       /* the client sent FIN */
        SESS_F_SRV_EOF = 1u << 2,       /* the server sent FIN */
        SESS_F_CLI_SHUT = 1u << 3,      /* we shut the client's write side */
        SESS_F_SRV_SHUT = 1u << 4,      /* we shut the server's write side */
        SESS_F_CLOSE_AFTER = 1u << 5,   /* close the client connection after this response */
        SESS_F_REQ_DONE = 1u << 6,      /* the request (body included) was sent to the server */
        SESS_F_RES_HEAD = 1u << 7,      /* the final response head was sent to the client */
        SESS_F_RES_DONE = 1u << 8,      /* the response (body included) was read */
        SESS_F_SRV_REUSED = 1u << 9,    /* the server connection came from the idle pool */
        SESS_F_RES_BYTES = 1u << 10,    /* some response byte arrived on this connection */
        SESS_F_NOT_FIRST = 1u << 11,    /* a request was completed before on this session */
        SESS_F_EXPECT = 1u << 12,       /* the request asked for 100-continue */
        SESS_F_SRV_CLOSE = 1u << 13,    /* the server connection cannot be kept after this */
        SESS_F_LOGGED = 1u << 14,       /* this request/connection was logged */
        SESS_F_CLI_WAIT_OUT = 1u << 15, /* the client's socket was full: waiting for EPOLLOUT */
        SESS_F_SRV_WAIT_OUT = 1u << 16, /* the server's socket was full */
        SESS_F_STOPPING = 1u << 17,     /* soft stop: close after the current response */
        SESS_F_FE_ADDR = 1u << 18,      /* fe_addr was read */
        SESS_F_STICK_STATUS = 1u << 19, /* the request's status was counted in stick tables */
        SESS_F_NEW_CONN = 1u << 20,     /* retrying after a reused connection failed: a new one */
        SESS_F_RES_SENT = 1u << 21,     /* some byte of the server's response reached the client */
};

#define SESS_MAX_HEADERS 101 /* HAProxy's tune.http.maxhdr default */

/* A header as it will be sent: views into the input buffer or the scratch buffer. */
struct sess_hdr {
        struct sl_str name;
        struct sl_str value;
};

/* One HTTP request and its response (HAProxy's "transaction"): taken from the worker's free
 * list when a request starts and given back when it ends, so an idle session holds no
 * header arrays. Views point into the session's cin buffer (request head, kept until the
 * transaction ends), sin (response head, until it was rewritten) and @scratch. */
struct txn {
        struct txn *next_free; /* in the worker's free list while unused */
        struct h1_request req;
        struct h1_header req_hdrs[SESS_MAX_HEADERS];
        struct h1_framing req_fr;
        size_t req_head_len; /* bytes of the request head at the start of cin */
        struct sess_hdr hdrs[SESS_MAX_HEADERS + 16]; /* request headers as they will be sent */
        size_t n_hdrs;
        struct sl_str path, query; /* views into the request target (or @scratch) */
        bool path_set;             /* set-path replaced @path */
        uint64_t req_body_left;    /* LENGTH: bytes still to forward */
        uint64_t req_body_sent;    /* body bytes written to the server */
        size_t cin_ok;             /* body bytes after the head validated, not yet sent */
        size_t sout_sent;          /* bytes of sout written (kept for a replay) */
        struct h1_chunked req_ck;

        struct h1_response res;
        struct h1_header res_hdrs[SESS_MAX_HEADERS];
        struct sess_hdr rhdrs[SESS_MAX_HEADERS + 16]; /* response headers as they will be sent */
        int cookie_srv;  /* the server the client's persistence cookie names, or -1 */
        bool stick_done; /* its bytes are counted in the stick tables (stick_http_end()) */
        size_t n_rhdrs;
        struct h1_framing res_fr;
        uint64_t res_body_left;
        size_t sin_ok; /* response body bytes at the start of sin validated */
        struct h1_chunked res_ck;

        char *scratch; /* pool buffer for values made by rules; or NULL */
        size_t scratch_used;

        uint64_t req_start_ms, req_wall_us; /* first byte of the request */
        uint64_t head_done_ms, connect_start_ms, connect_done_ms, res_head_ms;
        uint64_t bytes_in, bytes_out; /* request and response bytes */
        unsigned status;              /* status sent to the client, 0: none yet */
        unsigned retries;             /* connection attempts after the first */
        bool redispatched;
        int last_srv;      /* the last server tried, for the log; -1: none */
        uint64_t queue_ms; /* time spent waiting for a server slot (%Tw) */
};

struct sess {
        struct sl_list link; /* in worker->sessions */
        struct loop_reap reap;
        struct worker *w;           /* borrowed: owns the session */
        struct cfg_gen *gen;        /* counted: the generation it was accepted under */
        const struct cfg_proxy *fe; /* borrowed from @gen */
        const struct cfg_proxy *be; /* borrowed; NULL until a backend is chosen */
        enum sess_state state;      /* change only via sess_set_state() */
        uint32_t flags;             /* SESS_F_* */
        uint32_t ready;             /* directions known ready (sess.c's SESS_RD_/SESS_WR_) */

        int cli_fd; /* owned; -1 once closed */
        struct loop_io cli_io;
        struct srv_conn *srv; /* owned while attached; NULL when none */
        int srv_idx;          /* server index in @be, -1 when none */
        unsigned retries_left;
        uint8_t tried[32]; /* servers already tried for this request (bitmap) */

        struct loop_timer timer;
        uint64_t cli_exp, srv_exp; /* deadlines (loop ms), 0: none */

        /* buffers from the worker's pool; BUF_NULL while not needed */
        struct buf cin;  /* from the client */
        struct buf sout; /* to the server (rewritten head) */
        struct buf sin;  /* from the server */
        struct buf cout; /* to the client (rewritten head, replies) */

        struct txn *txn;           /* the current request; NULL between requests */
        struct sl_list queue_link; /* in the backend's queue while SESS_ST_QUEUE */
        uint64_t queued_ms;        /* when it entered the queue, for %Tw */
        struct wpipe *pipe_up;     /* owned: TCP splice, client to server; or NULL */
        struct wpipe *pipe_down;   /* owned: TCP splice, server to client; or NULL */

        struct sockaddr_storage cli_addr;
        struct sockaddr_storage fe_addr; /* read on demand: sess_frontend_addr() */
        uint64_t accept_wall_us;         /* wall clock at accept, for %t */
        uint64_t accept_ms;              /* loop time at accept */
        uint64_t idle_start_ms;          /* accept, or the end of the previous request (%Ti) */
        int last_srv;                    /* TCP: the last server tried; -1: none */
        int retry_idx;                   /* retry on this server only; -1: let the balancer pick */
        uint64_t connect_start_ms, connect_done_ms;  /* TCP */
        uint64_t tcp_bytes_in, tcp_bytes_out;        /* TCP mode */
        struct stick_ctr sc[STICK_COUNTERS];         /* sc0 .. sc2 */
        struct stick_store stores[STICK_STORES_MAX]; /* stick on / store-request entries */
        unsigned n_stores;
        int force_idx; /* a server persistence chose for this request, or -1 */
        char term[2];  /* termination state: who ('-', 'C', 'S', 'P', 'R', 'I'),
                        * when ('-', 'R', 'C', 'H', 'D', 'L', 'T') */
};

const char *sess_state_str(enum sess_state s);
void sess_set_state(struct sess *s, enum sess_state to);

/* Start a session on accepted socket @fd (non-blocking) from @addr for frontend @fe. Takes
 * ownership of @fd in every case. */
void sess_accept(struct worker *w, const struct cfg_proxy *fe, int fd,
                 const struct sockaddr_storage *addr, socklen_t addrlen);

/* The local address the client connected to. */
const struct sockaddr_storage *sess_frontend_addr(struct sess *s);

/* An event on the session's server connection (called by srvconn.c). */
void sess_srv_event(struct sess *s, uint32_t events);

/* Give waiting sessions of backend @rt a server slot, in order, while slots are free
 * (called when a slot is released here, and periodically for slots released by other
 * workers). */
struct px_rt;
void sess_queue_run(struct px_rt *rt);

/* Soft stop: close the session now if idle, else after the current response. */
void sess_soft_stop(struct sess *s);

/* Close at once (hard stop). */
void sess_kill(struct sess *s);
