#pragma once
/* The state of a worker process that every part of its data path reads: the event loop, the
 * configuration generation, buffer and object pools, the run-time state of each proxy
 * (balancer, idle server connections, queue, logs, stick-table), counters, and the kernel
 * pipes TCP tunnels splice through. worker.c builds it and runs the loop; the modules below
 * it (connections, muxes, streams) only read and update it. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "list.h"
#include "loop.h"
#include "model.h"
#include "pool.h"

struct lb;
struct worker;
struct worker_opts;
struct tls_set;
struct tls_cache;
struct tls_srv;
struct alog_sinks;
struct shm_region;
struct stkt;
struct stats_row;
struct checker;
struct dns;
struct peer_links;
struct srv_watch;
struct mux_ops;
struct conn;
struct stream;

/* A worker's account of its connections to one server, for keeping idle ones (srvconn.c):
 * HAProxy's used/idle counts and need estimate, per worker. */
struct srv_pool {
        unsigned n_open;    /* connections open to it, in use or idle */
        unsigned peak_used; /* the most in use at once since the last purge */
        unsigned need_est;  /* connections it is estimated to need (decays by half) */
        uint64_t purge_at;  /* loop_now() of its next purge, 0: none due */
};

/* Run-time state of one proxy: its balancer (backends), log sinks and counters. */
struct px_rt {
        const struct cfg_proxy *px;       /* borrowed from the worker's generation */
        struct lb *lb;                    /* owned; NULL for a frontend */
        _Atomic uint32_t *held;           /* borrowed: slots this worker holds, per server */
        struct sl_list *idle;             /* owned array, one list of idle srv_conn per server */
        unsigned *n_idle;                 /* owned array: idle connections per server */
        struct srv_pool *pool;            /* owned array, per server */
        struct loop_timer purge;          /* closes surplus idle connections, each server
                                           * every pool-purge-delay */
        struct tls_srv **tls_srv;         /* owned array, per server: its TLS context (borrowed
                                           * from the worker's set) or NULL; NULL: no TLS */
        struct sl_list *avail;            /* owned array, per server: connections in use that
                                           * more streams may share (HTTP/2) */
        const struct mux_ops *srv_mux;    /* borrowed: the mux of its server connections */
        const struct mux_ops *srv_mux_h2; /* borrowed: the HTTP/2 mux, for servers with
                                           * "proto h2" (mode http); NULL in mode tcp */
        struct alog_sinks *sinks;         /* owned; NULL when the proxy does not log */
        struct stkt *table;               /* its stick-table, or NULL */
        unsigned table_id;                /* the master's id of it, or STICK_NO_ID */
        struct shm_region *table_region;  /* owned when the worker made the table itself */
        bool pp_private;         /* some server gets a PROXY header: its connections are private to
                                  * the session they name (closed when it ends) */
        unsigned feconn, beconn; /* current connections as a frontend, as a backend */
        unsigned maxconn;        /* a frontend's maxconn now: the configuration's, or
                                  * "set maxconn frontend" */
        struct werr *err[2];     /* owned: the last invalid request (as a frontend),
                                  * response (as a backend), or NULL (werrors.h) */
        uint64_t err_count[2];   /* invalid requests, responses ever */
        uint64_t log_counter;    /* %lc */
        uint64_t req_counter;    /* %rt */
        struct sl_list queue;    /* streams waiting for a server slot, oldest first */
        unsigned n_queued;
        struct loop_defer queue_kick; /* serves the queue at the end of the turn */
        struct loop_timer queue_poll; /* retries for slots freed by other workers */
        struct worker *w;             /* borrowed */
};

/* A kernel pipe for splice() between two sockets (TCP mode). */
struct wpipe {
        struct wpipe *next; /* in the worker's free list */
        int rd, wr;         /* owned */
        size_t data;        /* bytes in the pipe */
};

#define WORKER_PIPE_SIZE (64u * 1024) /* Linux's default pipe capacity */

#define WORKER_ACCEPT_RETRY_MS 100

/* Opens a connection to server @srv_idx of @rt into @c, for the server side of a stream
 * (tests put a memory transport here). Returns 0 (@c set up, CONNECTING or READY) or a
 * negative errno. */
typedef int worker_connect_fn(void *data, struct px_rt *rt, int srv_idx, struct conn *c);

struct worker {
        struct loop *loop;             /* owned */
        struct cfg_gen *gen;           /* counted */
        struct pool bufs;              /* tune.bufsize buffers */
        struct pool bufs_rx;           /* twice that: what HTTP/1 server connections read
                                        * into (worker_buf_get_rx()) */
        struct pool strm_pool;         /* struct stream */
        struct pool h1x_pool;          /* struct h1x: HTTP/1 exchanges */
        struct sl_list listeners;      /* owned struct listener */
        struct sl_list sessions;       /* owned struct sess: every client connection */
        struct px_rt *rt;              /* owned array, parallel to gen->proxies */
        uint64_t err_events;           /* invalid messages ever (werrors.h) */
        struct shm_region *srv_region; /* owned; the servers' shared state */
        unsigned n_conns, maxconn;     /* client connections now, and the global limit */
        /* where n_conns is published for the listening sockets' program while this worker
         * accepts (worker_opts.accept_load); NULL: nowhere */
        _Atomic uint64_t *accept_load;
        unsigned n_srv_conns; /* server connections open */
        unsigned n_workers;   /* worker processes of the generation (shares) */
        /* open files (client and server connections) past which no server connection is
         * kept idle, and past which one at most per server (tune.pool-{high,low}-fd-ratio) */
        unsigned pool_fd_high, pool_fd_low;
        /* maxconnrate: this worker's share (0: none), and the connections of this second */
        unsigned maxconnrate, conn_rate_n;
        uint64_t conn_rate_sec;
        struct loop_timer conn_rate_retry; /* resumes accepting at the next second */
        bool conn_rate_paused;
        bool accept_paused;
        bool accept_starved; /* accept() ran out of files or memory: said once until it works */
        bool stopping;
        struct checker *checker;        /* owned: the node's health checks (health.h), or NULL */
        struct peer_links *peer_links;  /* owned: the node's peer links (peer_links.h), or NULL */
        struct dns *dns;                /* owned: the node's DNS resolution (dns.h), or NULL */
        struct srv_watch *srv_watch;    /* owned: srv_watch.h, or NULL */
        struct stats_row *st;           /* its statistics row (wcount.h): the master's, or in
                                         * @st_region */
        struct shm_region *st_region;   /* owned when the worker made its own row */
        const struct worker_opts *opts; /* borrowed: listener and state callbacks */
        /* a client connection of frontend @fe ended: accept again if paused at a maxconn */
        void (*conn_closed)(struct worker *w, const struct cfg_proxy *fe);
        worker_connect_fn *srv_connect; /* NULL: a TCP socket to the server's address */
        void *srv_connect_data;
        int exit_signal;                /* the signal that stopped the worker, 0: none */
        struct loop_signal sig;         /* SIGTERM, SIGINT, SIGUSR1 */
        struct loop_timer stick_sweep;  /* expires stick-table entries; armed when any */
        struct loop_timer accept_retry; /* accepting again after running out of files */
        _Atomic uint64_t *stick_ledger; /* borrowed: this worker's ledger row (stick.h), or NULL */
        int cli_fd;                     /* owned: commands from the master (wcli.h), or -1 */
        struct loop_io cli_io;
        struct sl_list cli_outs;  /* owned answers being written */
        struct sl_list svc_waits; /* borrowed streams waiting for the master (wsvc.h) */
        /* stream_service_answer(): a stream's service answered (wsvc.c cannot include
         * stream.h, which includes it) */
        void (*svc_answered)(struct stream *st, bool ok);
        uint64_t svc_last_token;
        unsigned cli_n_out;
        uint64_t started_ms;
        uint32_t *stick_ledger_free; /* owned: free records, a stack */
        uint32_t stick_ledger_n_free;
        /* TLS connections (client and server sides) and the limits of this worker's share
         * of maxsslconn and maxsslrate (0: none); new TLS clients in the current second */
        unsigned tls_conns, maxsslconn, maxsslrate, tls_rate_n;
        uint64_t tls_rate_sec;
        bool tls_paused;                  /* the TLS listeners wait for a limit */
        struct loop_timer tls_rate_retry; /* resumes them at the next second */
        const struct tls_set *tls;        /* borrowed from the options, or @own_tls */
        struct tls_set *own_tls;          /* owned: built by the worker itself, or NULL */
        struct h2_mem_ctx *h2mem;         /* owned: nghttp2's spares (h2_mem.h), or NULL */
        struct wpipe *pipes_free;         /* owned spare pipes */
        unsigned n_pipes, max_pipes;      /* pipes open (in use and spare), and the cap */
};

struct worker_opts {
        unsigned slot; /* the worker's number, from 0 (the "thread" fetch) */
        /* called once the listeners are bound and the loop is about to run (sd_notify) */
        void (*ready)(void *data);
        void *ready_data;
        unsigned maxconn; /* the limit to enforce; 0: the configuration's global maxconn */
        /* Listening sockets made by the master: the fd for @port of bind @b (-1: none). The
         * worker closes its copy when it stops; the master keeps its own. */
        int (*listener_fd)(void *data, const struct cfg_bind *b, unsigned port);
        void *listener_data;
        /* The listening socket of peers bind @b (a local peer's address), made by the master
         * for the worker that owns the peer links (-1: none, the worker binds it itself).
         * Called with @listener_data. */
        int (*peers_fd)(void *data, const struct cfg_bind *b);
        /* called once a soft stop closed the listeners: no new connection comes here */
        void (*stopped_accepting)(void *data);
        /* The servers' shared state, made by the master before forking (NULL: the worker
         * makes a private one). Borrowed. */
        struct srv_state_table *srv_table;
        /* This worker's row of the master's "held slots" table (one counter per server of the
         * generation, in srv_table order): what it holds, so that the master can give back
         * the slots of a worker that died. Borrowed; NULL when there is no master. */
        _Atomic uint32_t *srv_held;
        /* The shared stick-table of proxy @px, made by the master before forking (NULL
         * callback: the worker makes private ones). */
        struct stkt *(*stick_table)(void *data, const struct cfg_proxy *px, unsigned *ret_id);
        void *stick_data;
        /* This worker's ledger row of STICK_LEDGER_CAP records (stick.h), or NULL. Borrowed. */
        _Atomic uint64_t *stick_ledger;
        /* The worker's end of the master CLI's socketpair (wcli.h), owned by the worker from
         * worker_main() on; 0 or less: none. */
        int cli_fd;
        /* Runtime settings of the generation (enable|disable frontend, set maxconn ...), run
         * as CLI commands (wcli.h) once the listeners are bound and before the first accept:
         * a worker that replaces a dead one starts with them. Borrowed. */
        char **runtime;
        size_t n_runtime;
        /* -dM: memory debugging of the worker's pools; borrowed, NULL: none */
        const struct pool_debug *pool_debug;
        /* The TLS contexts of the generation, built by the master (NULL: the worker builds
         * its own, with keys of its own, when the generation has TLS). Borrowed. */
        const struct tls_set *tls;
        /* This worker's share of maxsslconn and maxsslrate (0: the global values). */
        unsigned maxsslconn, maxsslrate;
        unsigned maxconnrate; /* its share of maxconnrate (0: the global value) */
        unsigned n_workers;   /* worker processes of the generation (0: 1) */
        /* The TLS session cache in shared memory (NULL: none). Borrowed. */
        struct tls_cache *tls_cache;
        /* This worker's statistics row, made by the master (NULL: the worker makes one of its
         * own, which nobody else reads). Borrowed. */
        struct stats_row *stats_row;
        /* This worker's cell of the loads the listening sockets' program steers new
         * connections by (master/reuseport.h): the worker writes its count of client
         * connections there while it accepts. NULL: the kernel's hash alone. Borrowed. */
        _Atomic uint64_t *accept_load;
};

/* n_conns changed: tell the program that steers new connections (master/reuseport.h). A
 * relaxed store: the kernel's reads need no order with anything else of ours. */
static inline void worker_load_publish(struct worker *w)
{
        if (w->accept_load)
                atomic_store_explicit(w->accept_load, w->n_conns, memory_order_relaxed);
}

/* The run-time state of proxy @px (which must belong to the worker's generation). */
struct px_rt *worker_rt(struct worker *w, const struct cfg_proxy *px);

/* A pipe for splicing, or NULL when the cap is reached or pipe2() fails (then copy). */
struct wpipe *worker_pipe_get(struct worker *w);

/* Give back a pipe; one still holding data is closed (its bytes belong to nobody else).
 * Accepts NULL; returns NULL. */
struct wpipe *worker_pipe_put(struct worker *w, struct wpipe *p);

/* Close every spare pipe (the worker stops). */
void worker_pipes_free(struct worker *w);

/* A TLS connection (client or server side) was set up, or closed: counted for maxsslconn;
 * a close may let the TLS listeners accept again. */
void worker_tls_opened(struct worker *w);
void worker_tls_closed(struct worker *w);

bool worker__buf_alloc(struct worker *w, struct buf *b);
bool worker__buf_alloc_rx(struct worker *w, struct buf *b);
void worker__buf_free(struct worker *w, struct buf *b);

/* A pool buffer attached to @b if it has none; false when out of memory (counted). */
static inline bool worker_buf_get(struct worker *w, struct buf *b)
{
        return !buf_is_null(b) || worker__buf_alloc(w, b);
}

/* A buffer of twice tune.bufsize attached to @b if it has none (from bufs_rx); false when
 * out of memory (counted). An HTTP/1 server connection reads into one: a response of up
 * to about that size (a 16 KiB body and its head, with the default) comes in one read
 * and goes out in one write, where a tune.bufsize buffer takes two of each. What the
 * analysers may wait for or see of a message stays bounded by tune.bufsize. Either kind
 * goes back to its own pool (worker_buf_release(), worker_buf_drop()). */
static inline bool worker_buf_get_rx(struct worker *w, struct buf *b)
{
        return !buf_is_null(b) || worker__buf_alloc_rx(w, b);
}

/* Give @b's memory back to the pool if it holds no data. */
static inline void worker_buf_release(struct worker *w, struct buf *b)
{
        if (!buf_is_null(b) && b->data == 0)
                worker__buf_free(w, b);
}

/* Drop @b's data and give its memory back. */
void worker_buf_drop(struct worker *w, struct buf *b);
