#pragma once
/* A stream: one HTTP request and its response, or one TCP connection's tunnel, as the data
 * path handles it whatever the protocols on either side (stream.h). Rules, fetches, the
 * balancer, persistence, stick counters and logs read and change this; they reach the
 * connections only through the endpoints' operations (mux.h). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http.h"
#include "ipaddr.h"
#include "list.h"
#include "loop.h"
#include "mux.h"
#include "stick-t.h"
#include "vars-t.h"

struct cfg_proxy;
struct sess;
struct worker;
struct wpipe;

/* HAProxy's tune.http.maxhdr default: fields a received head may have */
#define STRM_MAX_HEADERS  101
/* room for the fields rules and sluice add */
#define STRM_HDR_ROOM     (STRM_MAX_HEADERS + 16)
/* trailer fields of a chunked body (the HTTP/1 decoder's limit) */
#define HTTP_MAX_TRAILERS 32

enum stream_state {
        STRM_ST_HEAD = 0,   /* HTTP: the client side is receiving the request head */
        STRM_ST_BODY,       /* HTTP: the analysis waits for the request body (http_ext.h) */
        STRM_ST_QUEUE,      /* waiting for a server slot (every usable server at maxconn) */
        STRM_ST_CONNECT,    /* connecting to the chosen server */
        STRM_ST_TURNAROUND, /* a connection failed: the retry waits until srv_exp (HAProxy's
                             * turn-around, SC_ST_TAR) */
        STRM_ST_FORWARD,    /* HTTP: request to the server, response back to the client */
        STRM_ST_TUNNEL,     /* opaque bytes both ways: TCP mode, WebSocket, CONNECT */
        STRM_ST_TARPIT,     /* HTTP: a tarpit rule holds the reply it made until st->tarpit_exp */
        STRM_ST_REPLY,      /* sending a response sluice made itself */
        STRM_ST_SERVICE,    /* HTTP: waiting for the master's answer to a service (wsvc.h) */
        STRM_ST_DONE,       /* ended and detached from both sides; freed at the end of the turn */
        STRM_ST_COUNT,
};

/* Progress of each message across the proxy. */
enum msg_state {
        MSG_ST_HEAD = 0, /* request: head not yet given to the server side; response: not
                          * yet received */
        MSG_ST_BODY,     /* head passed on, body flowing */
        MSG_ST_TAIL,     /* its end was handed over; the sending side still holds bytes */
        MSG_ST_DONE,     /* passed on to its end */
        MSG_ST_COUNT,
};

/* Independent conditions (the others are states: stream, message and endpoint states) */
enum {
        STRM_F_HTTP = 1u << 0,         /* HTTP mode (else TCP) */
        STRM_F_NOT_FIRST = 1u << 1,    /* a request came before on this client connection */
        STRM_F_NEW_CONN = 1u << 2,     /* retrying after a reused connection failed: a new one */
        STRM_F_LOGGED = 1u << 3,       /* this request or connection was logged */
        STRM_F_STICK_STATUS = 1u << 4, /* its status was counted in the stick tables */
        STRM_F_STICK_DONE = 1u << 5,   /* its bytes were counted in the stick tables */
        STRM_F_CLI_SHUT = 1u << 6,     /* tunnel: the client's side was shut for writing */
        STRM_F_SRV_SHUT = 1u << 7,     /* tunnel: the server's side was shut for writing */
        STRM_F_REDISPATCHED = 1u << 8, /* a retry went to another server (the log's "+") */
        STRM_F_L7_RETRY = 1u << 9,     /* the retry asked is a retry-on one (counted) */
        STRM_F_DIRECT = 1u << 10,      /* persistence chose the server (HAProxy's SF_DIRECT) */
        STRM_F_REQ_ENDED = 1u << 11,   /* the request's end was received before a retry: sent
                                        * again, it has only its head (no body, see
                                        * stream_l7_retry_ok()) */
        STRM_F_REDISPATCH = 1u << 12,  /* the retry may go to another server than the last */
        STRM_F_AFTER_DONE = 1u << 13,  /* the http-after-response rules ran */
        STRM_F_INSPECT = 1u << 14,     /* TCP: content rules wait for the client's bytes */
        STRM_F_INSPECT_EXPIRED = 1u << 15, /* ... and the inspect-delay has passed */
        STRM_F_IGNORE_PERSIST = 1u << 16,  /* ignore-persist: cookies and stick entries do not
                                            * choose the server */
        STRM_F_BODY_WAIT = 1u << 17,       /* a wait for the request body is under way */
        STRM_F_BODY_TIMEOUT = 1u << 18,    /* its time (or the client timeout) ran out */
        STRM_F_FORCE_PERSIST = 1u << 19,   /* force-persist: persistence may choose a server
                                            * that is down, and a retry never redispatches */
        STRM_F_TARPIT = 1u << 20,          /* a tarpit rule made the reply: it waits first */
        /* what the statistics count at its end (wcount.h) */
        STRM_F_DENIED = 1u << 21,        /* a rule denied the request [dreq] */
        STRM_F_DENIED_RES = 1u << 22,    /* a rule denied the response [dresp] */
        STRM_F_INVALID = 1u << 23,       /* the request was invalid or incomplete [ereq] */
        STRM_F_INTERCEPTED = 1u << 24,   /* sluice answered it itself [intercepted] */
        STRM_F_BODY_LOST = 1u << 25,     /* the request body sent is not all in @body_keep */
        STRM_F_BODY_KEPT_EOM = 1u << 26, /* @body_keep holds the body to its end */
        STRM_F_BODY_REPLAY = 1u << 27,   /* @body_keep goes to the server before the rest */
        STRM_F_UPGRADED = 1u << 28,      /* a TCP stream the HTTP/1 mux took (stream_upgraded()):
                                          * its content rules ran, its backend is chosen */
        STRM_F_HTTP_FETCH = 1u << 29,    /* TCP: an HTTP sample fetch ran on it, for which
                                          * HAProxy makes an HTTP transaction: its log's %ST
                                          * is -1 then, else 0 */
};

/* The services the node answers for a stream (wsvc.h) */
enum strm_svc {
        STRM_SVC_PROMETHEUS = 0, /* the Prometheus exporter */
        STRM_SVC_STATS,          /* the stats page of @svc_px ("stats uri") */
};

struct stream {
        struct worker *w;           /* borrowed */
        struct sess *sess;          /* borrowed: the client connection's session */
        const struct cfg_proxy *fe; /* borrowed from the session's generation */
        const struct cfg_proxy *be; /* borrowed; NULL until a backend is chosen */
        enum stream_state state;    /* change only via stream_set_state() */
        enum msg_state req_st, res_st;
        uint32_t flags; /* STRM_F_* */
        struct sd cli;  /* the client side */
        struct sd srv;  /* the server side; ops NULL when none */

        int srv_idx;    /* server index in @be while a slot is held, -1 when none */
        int last_srv;   /* the last server tried, for the log; -1: none */
        int retry_idx;  /* retry on this server only; -1: let the balancer pick */
        int force_idx;  /* a server persistence chose for this request, or -1 */
        int cookie_srv; /* the server the client's persistence cookie names, or -1 */
        struct sockaddr_storage srv_addr; /* where the last server connection went (a mapped
                                           * port included); ss_family 0: none yet */
        union sl_addr be_src; /* our side of that connection, learnt only for a log format
                               * that shows it (%bi %bp); AF_UNSPEC: not learnt */
        unsigned retries_left;
        unsigned retries; /* connection attempts after the first */

        struct loop_timer timer;
        uint64_t cli_exp, srv_exp; /* deadlines (loop ms), 0: none */
        uint64_t inspect_exp;      /* TCP content rules wait until then (loop ms); 0: not */
        size_t inspect_pos;        /* ... resuming at this rule of the proxy they are at */

        struct http_msg req, res;
        size_t req_head_len; /* bytes of the request head as received */
        unsigned status;     /* status sent to the client, 0: none yet */
        char *scratch;       /* pool buffer for values made by rules, or NULL */
        size_t scratch_used;
        /* a response sluice makes itself (STRM_ST_REPLY): the head in @res, the body here */
        struct sl_str reply_body;
        size_t reply_sent;

        uint64_t req_start_ms, req_wall_us; /* first byte of the request */
        uint64_t idle_start_ms;             /* the end of the previous request, or accept */
        uint64_t head_done_ms, connect_start_ms, connect_done_ms, res_head_ms;
        uint64_t queued_ms, queue_ms; /* entered the queue, time spent in it (%Tw) */
        uint64_t bytes_in, bytes_out; /* request bytes received, response bytes sent */
        uint64_t req_body_sent;       /* request body bytes passed to the server side (this
                                       * attempt) */
        /* The request body as it went to a server that may refuse it unprocessed (HTTP/2
         * REFUSED_STREAM, streams above a GOAWAY's last id), a copy while it fits in
         * tune.bufsize, so that such a refusal sends it again on another connection even
         * after its body started (else STRM_F_BODY_LOST); freed with the response head. */
        char *body_keep;
        size_t body_keep_len, body_keep_cap;
        size_t body_keep_sent; /* of it, sent on this attempt */

        struct stick_ctr sc[STICK_COUNTERS]; /* sc0 .. sc2 tracked for this request */
        struct vars vars_txn;                /* txn.* variables */
        struct vars vars_reqres;             /* req.* variables, then res.* ones */
        unsigned n_stores;                   /* entries of @stores in use */

        struct sl_list queue_link; /* in the backend's queue while STRM_ST_QUEUE */
        struct wpipe *pipe_up;     /* owned: tunnel splice, client to server; or NULL */
        struct wpipe *pipe_down;   /* owned: tunnel splice, server to client; or NULL */
        /* the analysis of the request (http_ana.c), resumed after a wait for the body */
        unsigned ana_step;       /* enum http_ana_step */
        size_t ana_rule;         /* in a rule list: the rule it resumes at */
        uint64_t body_exp;       /* the body wait's own deadline (loop ms), 0: none */
        uint64_t tarpit_exp;     /* STRM_F_TARPIT: the reply goes then (loop ms) */
        int log_level;           /* set-log-level: 0 none, -1 silent, else LOG_* + 1 (HAProxy's
                                  * s->logs.level) */
        uint8_t upgrade_major;   /* switch-mode http's proto: 1 or 2; 0: the bind and the TLS
                                  * handshake say (stream_upgrade()) */
        struct sl_str *req_caps; /* scratch array: the frontend's request captures (a NULL
                                  * ptr: not found), or NULL */
        struct sl_str *res_caps; /* the same for response captures */
        struct sl_str unique_id; /* scratch: made from unique-id-format, or empty */
        /* scratch: the addresses set-src/set-dst rules gave this stream (tcp-request
         * content, http-request), or NULL: the session's (session.h: sess_src()) */
        union sl_addr *src, *dst;
        char term[2]; /* termination state: who ('-', 'C', 'S', 'P', 'R', 'I', 'K', 'c',
                       * 's'), when ('-', 'R', 'Q', 'C', 'H', 'D', 'L', 'T') */
        struct loop_reap reap;

        /* Arrays last: a new stream clears everything before them (stream_new()); these are
         * filled before use. */
        struct stick_store stores[STICK_STORES_MAX];
        /* a service's answer (wsvc.h): the wait for it, and its body mapped from the master;
         * after @stores, out of the zeroing of a new stream: stream_new() sets them */
        struct sl_list svc_link; /* in the worker's waiting streams while STRM_ST_SERVICE */
        uint64_t svc_token;      /* 0: none */
        enum strm_svc svc_kind;
        const struct cfg_proxy *svc_px; /* STATS: the proxy whose page it is */
        bool svc_admin;                 /* STATS: "stats admin" allows changes */
        void *svc_map;                  /* owned mapping of @svc_len bytes, or NULL */
        size_t svc_len;
        uint8_t tried[32]; /* servers already tried (bitmap), cleared by stream_start() */
        struct http_hdr req_hdrs[STRM_HDR_ROOM], res_hdrs[STRM_HDR_ROOM];
        struct http_hdr trailers[HTTP_MAX_TRAILERS];
};
