#pragma once
/* A worker: one process, one event loop, the listeners it accepts on, its sessions, and the
 * run-time state of every backend (balancer, idle server connections). Until the master
 * process exists, `sluice -d -f cfg` runs one worker in the foreground. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "list.h"
#include "loop.h"
#include "model.h"
#include "pool.h"

struct lb;
struct worker_opts;
struct alog_sinks;
struct shm_region;
struct srv_state_table;

/* Run-time state of one proxy: its balancer (backends), log sinks and counters. */
struct px_rt {
        const struct cfg_proxy *px;      /* borrowed from the worker's generation */
        struct lb *lb;                   /* owned; NULL for a frontend */
        _Atomic uint32_t *held;          /* borrowed: slots this worker holds, per server */
        struct sl_list *idle;            /* owned array, one list of idle srv_conn per server */
        unsigned *n_idle;                /* owned array: idle connections per server */
        struct alog_sinks *sinks;        /* owned; NULL when the proxy does not log */
        struct stkt *table;              /* its stick-table, or NULL */
        unsigned table_id;               /* the master's id of it, or STICK_NO_ID */
        struct shm_region *table_region; /* owned when the worker made the table itself */
        unsigned feconn, beconn;         /* current connections as a frontend, as a backend */
        uint64_t log_counter;            /* %lc */
        uint64_t req_counter;            /* %rt */
        struct sl_list queue;            /* sessions waiting for a server slot, oldest first */
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

struct worker_stats {
        uint64_t accepted, accept_errors, sessions_oom, requests, replies_4xx, replies_5xx;
        uint64_t srv_conn_new, srv_conn_reused, srv_conn_failed;
        uint64_t stick_refused;    /* trackings the table could not take (full of entries in use) */
        uint64_t stick_unledgered; /* references the ledger had no room to record */
        uint64_t tcp_rejected;     /* connections closed by tcp-request reject */
};

#define WORKER_ACCEPT_RETRY_MS 100

struct worker {
        struct loop *loop;             /* owned */
        struct cfg_gen *gen;           /* counted */
        struct pool bufs;              /* tune.bufsize buffers */
        struct sl_list listeners;      /* owned struct listener */
        struct sl_list sessions;       /* owned struct sess */
        struct px_rt *rt;              /* owned array, parallel to gen->proxies */
        struct shm_region *srv_region; /* owned; the servers' shared state */
        unsigned n_conns, maxconn;     /* client connections now, and the global limit */
        bool accept_paused;
        bool accept_starved; /* accept() ran out of files or memory: said once until it works */
        bool stopping;
        struct worker_stats stats;
        struct txn *txn_free;           /* owned free list of transactions */
        const struct worker_opts *opts; /* borrowed: listener and state callbacks */
        int exit_signal;                /* the signal that stopped the worker, 0: none */
        struct loop_signal sig;         /* SIGTERM, SIGINT, SIGUSR1 */
        struct loop_timer stick_sweep;  /* expires stick-table entries; armed when any */
        struct loop_timer accept_retry; /* accepting again after running out of files */
        _Atomic uint64_t *stick_ledger; /* borrowed: this worker's ledger row (stick.h), or NULL */
        int cli_fd;                     /* owned: commands from the master (wcli.h), or -1 */
        struct loop_io cli_io;
        struct sl_list cli_outs; /* owned answers being written */
        unsigned cli_n_out;
        uint64_t started_ms;
        uint32_t *stick_ledger_free; /* owned: free records, a stack */
        uint32_t stick_ledger_n_free;
        struct wpipe *pipes_free;    /* owned spare pipes */
        unsigned n_pipes, max_pipes; /* pipes open (in use and spare), and the cap */
};

/* The run-time state of proxy @px (which must belong to the worker's generation). */
struct px_rt *worker_rt(struct worker *w, const struct cfg_proxy *px);

/* A pipe for splicing, or NULL when the cap is reached or pipe2() fails (then copy). */
struct wpipe *worker_pipe_get(struct worker *w);

/* Give back a pipe; one still holding data is closed (its bytes belong to nobody else).
 * Accepts NULL; returns NULL. */
struct wpipe *worker_pipe_put(struct worker *w, struct wpipe *p);

/* A session ended: let listeners accept again if they paused at maxconn. */
void worker_conn_closed(struct worker *w, const struct cfg_proxy *fe);

struct worker_opts {
        /* called once the listeners are bound and the loop is about to run (sd_notify) */
        void (*ready)(void *data);
        void *ready_data;
        unsigned maxconn; /* the limit to enforce; 0: the configuration's global maxconn */
        /* Listening sockets made by the master: the fd for @port of bind @b (-1: none). The
         * worker closes its copy when it stops; the master keeps its own. */
        int (*listener_fd)(void *data, const struct cfg_bind *b, unsigned port);
        void *listener_data;
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
};

/* Bind the listeners of @gen, drop privileges (user, group, chroot), run until SIGTERM or
 * SIGINT (hard stop) or SIGUSR1 (soft stop). Returns the process exit status. */
int worker_main(struct cfg_gen *gen, const struct worker_opts *opts);
