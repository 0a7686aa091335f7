#pragma once
/* Types of the master (master.c), apart because its modules share them: the listening
 * sockets (msock.c), the shared state (mstate.c), the control socket (ctl.c), re-execution
 * (reexec.c) and the child side of a fork (child.c) each work on the one struct master. */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "list.h"
#include "loop.h"
#include "reuseport.h"

struct cfg_gen;
struct master_cli;
struct shm_region;
struct tls_cache;
struct tls_keys;
struct tls_set;
struct srv_state_table;
struct stkt;
struct mstats;
struct stats_row;

#define MASTER_MAX_SLOTS   64
#define MASTER_SD_FDS_MAX  64 /* sockets taken from systemd */
/* ledger rows: every slot, three generations over */
#define MASTER_LEDGER_ROWS (MASTER_MAX_SLOTS * 3)
#define CRASH_LOOP_DEATHS  5 /* deaths of one slot within CRASH_LOOP_WINDOW */
#define CRASH_LOOP_WINDOW  60000

/* One listening socket per worker slot for one address (an fd@N socket: one for all). */
struct msock {
        struct sl_list link;
        char key[300];             /* family, address, port: what makes it the same */
        int fds[MASTER_MAX_SLOTS]; /* owned; -1 when absent */
        unsigned n;                /* slots with a socket */
        bool inherited;            /* fd@N: not ours to close */
        bool stats;                /* a stats socket's: slot 0 only, never paused */
        bool wanted;               /* used by the configuration being applied */
        /* tune.sluice.accept-balance leastconn: the group's socket map (reuseport.h), owned,
         * -1 when the group is not steered; the slots whose socket is in it */
        int steer;
        uint64_t steer_in;
        bool migrate_on; /* the group has the migrate program (reuseport.h) */
};

struct mworker {
        struct sl_list link;   /* in master.workers */
        struct loop_reap reap; /* frees it at the end of the loop turn */
        struct master *m;      /* borrowed */
        pid_t pid;
        unsigned slot, gen;
        int status_fd; /* owned: read end of the worker's status pipe */
        struct loop_io io;
        bool ready, stopping, gone;
        bool closed_listeners; /* reported after a soft stop */
        int ledger_row;        /* its row of the stick-table ledger, or -1 */
        int cli_fd;            /* owned: commands to its CLI (worker/wcli.h), or -1 */
        struct loop_io cli_io; /* its service requests (msvc.c) */
        bool cli_watched;
        uint64_t started_ms;
        struct shm_region *st_region; /* owned: its statistics row (mstats.h), or NULL */
        struct stats_row *st_row;     /* in @st_region */
};

/* A client of the control socket (-S): one command, then the answer, then close. A "reload"
 * client waits until the reload is over. */
struct ctl_conn {
        struct sl_list link; /* in master.ctl_conns */
        struct loop_reap reap;
        struct loop_timer timer; /* armed until the command is read */
        struct master *m;        /* borrowed */
        struct loop_io io;
        int fd; /* owned */
        char buf[256];
        size_t len;
        bool waiting_reload;
};

struct master {
        struct loop *loop; /* owned */
        struct loop_signal sig;
        struct loop_timer hard_stop;  /* ends the old generation */
        struct loop_timer respawn;    /* restarts dead slots */
        const struct master_cli *cli; /* borrowed */
        unsigned maxconn;             /* for all workers together; 0: none */
        void (*on_ready)(void *data); /* the first generation is ready (daemon parent) */
        void *on_ready_data;
        struct cfg_gen *gen; /* counted: the current generation's configuration */
        unsigned gen_no, n_slots, reloads, failed_reloads;
        struct sl_list socks; /* owned struct msock */
        /* the workers' loads the listening sockets' programs read (reuseport.h); empty until
         * a generation asks for leastconn, and when the kernel refuses */
        struct reuseport_loads loads;
        bool loads_refused;            /* said once */
        bool steer_leastconn;          /* the groups are steered (the last msock_apply()) */
        struct sl_list workers;        /* owned struct mworker, every generation */
        struct shm_region *srv_region; /* owned: the current generation's server state */
        struct srv_state_table *srv_table;
        struct shm_region *held_region;    /* owned: slots held, [slot][server] */
        struct shm_region *old_held;       /* owned: the old generation's */
        struct srv_state_table *old_table; /* the old generation's (in old_region) */
        uint32_t n_servers, old_n_servers;
        struct shm_region *old_region; /* owned until the old generation is gone */
        bool reloading, stopping, hard;
        bool listeners_paused; /* SIGTTOU received, SIGTTIN not yet */
        /* listening sockets systemd passed (socket activation), not yet used by a bind */
        int sd_fds[MASTER_SD_FDS_MAX];
        unsigned n_sd_fds;
        bool awaiting_old;           /* reload: the old generation still accepts */
        struct loop_timer await_old; /* bounds that wait */
        /* The current generation is starting: not all its workers are ready yet. During a
         * reload, what generation G was is kept until G + 1 is ready, and restored if G + 1
         * cannot start. */
        bool gen_pending;
        struct loop_timer start_wait; /* bounds the wait for the workers */
        struct cfg_gen *prev_gen;     /* counted */
        unsigned prev_gen_no, prev_n_slots;
        int exit_status;
        int stop_signal; /* SIGTERM or SIGINT asked for an immediate stop; 0: not */
        uint64_t deaths[MASTER_MAX_SLOTS][CRASH_LOOP_DEATHS]; /* death times, per slot */
        uint64_t respawn_ms[MASTER_MAX_SLOTS];                /* backoff, per slot */
        bool slot_dead[MASTER_MAX_SLOTS];
        char status[256]; /* last STATUS= */
        int ctl_fd;       /* owned: the control socket (-S), or -1 */
        struct loop_io ctl_io;
        struct loop_timer ctl_retry; /* watches the control socket again after EMFILE */
        /* reload_request(), which the "reload" command runs (ctl.c cannot call into master.c,
         * which calls it) */
        void (*ctl_reload)(struct master *m);
        struct sl_list ctl_conns; /* owned struct ctl_conn */
        unsigned n_ctl_conns;
        struct sl_list tables; /* owned struct mtable: stick tables of live generations */
        unsigned next_table_id;
        /* stick-table references held by each worker (worker/stick.h): MASTER_LEDGER_ROWS rows
         * of STICK_LEDGER_CAP records, a row per live worker; made when a first table is */
        struct shm_region *ledger;
        bool ledger_used[MASTER_LEDGER_ROWS];
        int spawn_row;                  /* the row of the worker being forked */
        int spawn_cli[2];               /* the CLI socketpair of the worker being forked, or -1 */
        struct shm_region *spawn_stats; /* owned: the statistics row of that worker */
        struct stats_row *spawn_stats_row; /* in @spawn_stats */
        struct mstats *stats;              /* owned (mstats.c) */
        struct mrt *rt;                    /* owned: runtime settings (mrt.c), or NULL */
        uint64_t gen_started_wall_ms;      /* when the current generation started serving */
        /* the stats sockets (msrv.c): their watchers, and the clients being served */
        struct sl_list srv_listeners; /* owned struct msrv_listener */
        struct sl_list srv_clients;   /* owned struct msrv_client */
        unsigned n_srv_clients;
        uint64_t started_ms;
        char exe[PATH_MAX];    /* this program, re-executed on reload; "" if unknown */
        uint64_t hard_stop_at; /* monotonic ms of the armed hard stop; 0: none */
        /* TLS (mtls.c): session-ticket keys shared by every worker, and the contexts of the
         * current generation (and of the previous one while a reload settles) */
        struct shm_region *tls_region; /* owned */
        struct tls_keys *tls_keys;     /* in @tls_region */
        struct loop_timer tls_rotate;
        struct tls_set *tls;                 /* owned; NULL: no TLS */
        struct tls_set *prev_tls;            /* owned */
        struct shm_region *tls_cache_region; /* owned: the session cache, or NULL */
        struct tls_cache *tls_cache;         /* in @tls_cache_region */
};

/* A stick table in shared memory, kept across reloads while its definition is unchanged. */
struct mtable {
        struct sl_list link;
        char *name;                /* owned: the proxy's */
        uint64_t hash;             /* stick_table_hash() */
        struct shm_region *region; /* owned */
        struct stkt *t;            /* owned view */
        unsigned gen;              /* the newest generation using it */
        unsigned prev_gen;         /* before the reload in progress took it; 0: made by it */
        unsigned id;               /* in ledger records; unique among the tables alive */
        bool fresh;                /* made by the reload in progress */
};
