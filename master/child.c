/* A worker process between fork() and worker_main() (child.h): it lets go of what is the
 * master's (its loop, the other workers' pipes, the control socket and its clients), applies
 * child_setup.c's limits to itself, then runs the worker with callbacks that give it the
 * master's listening sockets (msock.c), its share of the shared memory (mstate.c) and a way
 * to tell the master, on its status pipe, that it is ready ("R") or stopped accepting ("S"). */
#include "child.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "child_setup.h"
#include "cli.h"
#include "log.h"
#include "loop.h"
#include "master-t.h"
#include "mrt.h"
#include "msock.h"
#include "mstate.h"
#include "region.h"
#include "stick.h"
#include "worker.h"

struct child_ctx {
        struct master *m;
        unsigned slot;
        int status_fd; /* write end */
};

static int child_listener_fd(void *data, const struct cfg_bind *b, unsigned port)
{
        struct child_ctx *c = data;

        return msock_listener_fd(c->m, b, port, c->slot);
}

static int child_peers_fd(void *data, const struct cfg_bind *b)
{
        struct child_ctx *c = data;

        return c->slot == 0 ? msock_peers_fd(c->m, b) : -1;
}

static void child_ready(void *data)
{
        struct child_ctx *c = data;

        (void)!write(c->status_fd, "R", 1);
}

static void child_stopped_accepting(void *data)
{
        struct child_ctx *c = data;

        (void)!write(c->status_fd, "S", 1);
}

_Noreturn void child_main(struct master *m, unsigned slot, int status_fd)
{
        struct child_ctx ctx = {m, slot, status_fd};
        struct worker_opts opts = {
                .slot = slot,
                .ready = child_ready,
                .ready_data = &ctx,
                .stopped_accepting = child_stopped_accepting,
                .listener_fd = child_listener_fd,
                .peers_fd = child_peers_fd,
                .listener_data = &ctx,
                .srv_table = m->srv_table,
                .stick_table = mstate_stick_table,
                .stick_data = m,
                .cli_fd = m->spawn_cli[1],
                .stick_ledger = m->spawn_row >= 0
                                        ? (_Atomic uint64_t *)shm_region_payload(m->ledger) +
                                                  (size_t)m->spawn_row * STICK_LEDGER_CAP
                                        : NULL,
                .srv_held = m->held_region
                                    ? (_Atomic uint32_t *)shm_region_payload(m->held_region) +
                                              (size_t)slot * m->n_servers
                                    : NULL,
                .maxconn = m->maxconn ? (m->maxconn + m->n_slots - 1) / m->n_slots : 0,
                .tls = m->tls,
                .tls_cache = m->tls_cache,
                .maxsslconn = (m->gen->global.tls.maxsslconn + m->n_slots - 1) / m->n_slots,
                .maxsslrate = (m->gen->global.tls.maxsslrate + m->n_slots - 1) / m->n_slots,
                .maxconnrate = (m->gen->global.maxconnrate + m->n_slots - 1) / m->n_slots,
                .n_workers = m->n_slots,
                .stats_row = m->spawn_stats_row,
                .accept_load = m->steer_leastconn ? reuseport_load_cell(&m->loads, slot) : NULL,
        };
        struct sl_list *pos;
        sigset_t none;
        int status;

        /* the master's loop and the other workers' pipes are not ours */
        m->loop = loop_abandon(m->loop);
        (void)close(m->sig.io.fd);
        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (mw->status_fd >= 0)
                        close(mw->status_fd);
                if (mw->cli_fd >= 0)
                        close(mw->cli_fd);
                /* the other workers' statistics are the master's to read */
                mw->st_region = shm_region_free(mw->st_region);
                mw->st_row = NULL;
        }
        if (m->spawn_stats) {
                close(m->spawn_stats->fd);
                m->spawn_stats->fd = -1;
        }
        if (m->spawn_cli[0] >= 0)
                close(m->spawn_cli[0]);
        if (m->ctl_fd >= 0)
                close(m->ctl_fd);
        sl_list_for_each(pos, &m->ctl_conns) {
                close(sl_list_entry(pos, struct ctl_conn, link)->fd);
        }
        {
                /* a daemon's master logs to the caller's stderr until it is ready: not ours */
                int log_fd = sl_log_set_fd(STDERR_FILENO);

                if (log_fd > STDERR_FILENO)
                        close(log_fd);
        }
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
        /* if the master dies, stop: nobody would supervise or reload us */
        (void)prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() == 1)
                _exit(EXIT_FAILURE);
        (void)unsetenv("NOTIFY_SOCKET"); /* only the master talks to systemd */
        opts.pool_debug = m->cli->pool_debug_set ? &m->cli->pool_debug : NULL;
        if (child_setup_apply(m->gen, m->cli, slot, &opts.maxconn) < 0)
                _exit(EXIT_FAILURE);
        /* a worker replacing a dead one starts with the generation's runtime settings */
        opts.n_runtime = mrt_commands(m, &opts.runtime);
        status = worker_main(m->gen, &opts);
        _exit(status);
}
