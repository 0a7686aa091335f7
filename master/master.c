/* Master process (see master.h), called by main() for the serving path: the generations of
 * workers, their supervision and reloads; what they use lives in modules of its own (the
 * types they share are in master-t.h): the listening sockets in msock.c, the shared memory
 * in mstate.c, the control socket in ctl.c, re-execution on reload in reexec.c and the
 * child side of fork() in child.c.
 *
 * A worker tells it is ready by writing one byte on its status pipe; the pipe's EOF tells
 * the master a worker is gone before SIGCHLD arrives. A worker that dies is respawned after a
 * delay that doubles at each death of its slot (the longest at once when the slot is
 * crash-looping). A reload starts generation G+1, waits until all its workers are ready, then
 * asks generation G to stop softly (SIGUSR1) and arms hard-stop-after, at which the rest of G
 * gets SIGTERM. */
#include "master.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "check.h"
#include "child.h"
#include "clock.h"
#include "ctl.h"
#include "log.h"
#include "loop.h"
#include "macros.h"
#include "master-t.h"
#include "model.h"
#include "mrt.h"
#include "msock.h"
#include "msrv.h"
#include "mstate.h"
#include "mstats.h"
#include "msvc.h"
#include "mtls.h"
#include "reexec.h"
#include "region.h"
#include "tls_ctx.h"

#define RESPAWN_MIN_MS 100
#define RESPAWN_MAX_MS 30000
#define START_WAIT_MS  30000 /* a new generation's workers are all ready by then */

static void notify(struct master *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void notify(struct master *m, const char *fmt, ...)
{
        char buf[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        (void)sd_notify(0, buf);
}

/* ---- supervision ---- */

static void master_arm_hard_stop(struct master *m, uint64_t ms)
{
        m->hard_stop_at = sl_clock_ms() + ms;
        loop_timer_arm(&m->hard_stop, ms);
}

static void worker_on_status(struct loop_io *io, uint32_t events);

static void mworker_on_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct mworker, reap));
}

/* Free @mw once the loop is done with it, and watch its status pipe. */
static void mworker_watch(struct mworker *mw)
{
        loop_reap_init(&mw->reap, mworker_on_reap);
        if (mw->status_fd >= 0) {
                loop_io_init(mw->m->loop, &mw->io, mw->status_fd, worker_on_status);
                loop_io_start(&mw->io, EPOLLIN);
        }
}

static int spawn(struct master *m, unsigned slot)
{
        struct mworker *mw;
        int p[2];
        pid_t pid;

        if (pipe2(p, O_CLOEXEC) == -1)
                return -errno;
        mw = calloc(1, sizeof(*mw));
        if (!mw) {
                close(p[0]);
                close(p[1]);
                return -ENOMEM;
        }
        m->spawn_row = mstate_ledger_take_row(m);
        mstats_spawn_row(m, slot);
        if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, m->spawn_cli) == -1)
                m->spawn_cli[0] = m->spawn_cli[1] = -1;
        pid = fork();
        if (pid == -1) {
                int err = -errno;

                close(p[0]);
                close(p[1]);
                free(mw);
                if (m->spawn_row >= 0)
                        m->ledger_used[m->spawn_row] = false;
                if (m->spawn_cli[0] >= 0) {
                        close(m->spawn_cli[0]);
                        close(m->spawn_cli[1]);
                }
                m->spawn_stats = shm_region_free(m->spawn_stats);
                return err;
        }
        if (pid == 0) {
                close(p[0]);
                free(mw);
                child_main(m, slot, p[1]);
        }
        close(p[1]);
        mw->m = m;
        mw->ledger_row = m->spawn_row;
        mw->cli_fd = m->spawn_cli[0];
        mstats_spawned(m, mw);
        msvc_watch(m, mw);
        if (m->spawn_cli[1] >= 0)
                close(m->spawn_cli[1]);
        mw->pid = pid;
        mw->slot = slot;
        mw->gen = m->gen_no;
        mw->status_fd = p[0];
        mw->started_ms = sl_clock_ms();
        mworker_watch(mw);
        sl_list_push_back(&m->workers, &mw->link);
        m->slot_dead[slot] = false;
        return 0;
}

static unsigned count_workers(struct master *m, unsigned gen, bool ready_only)
{
        struct sl_list *pos;
        unsigned n = 0;

        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (mw->gen == gen && !mw->gone && (!ready_only || mw->ready))
                        n++;
        }
        return n;
}

static void signal_gen(struct master *m, unsigned gen_below, int sig)
{
        struct sl_list *pos;

        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (mw->gen < gen_below && !mw->gone) {
                        mw->stopping = true;
                        (void)kill(mw->pid, sig);
                }
        }
}

static void set_status(struct master *m, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void set_status(struct master *m, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(m->status, sizeof(m->status), fmt, ap);
        va_end(ap);
}

/* The reload is done once no worker of an older generation accepts any more. */
static void reload_maybe_done(struct master *m)
{
        struct sl_list *pos;

        if (!m->awaiting_old)
                return;
        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (mw->gen < m->gen_no && !mw->gone && !mw->closed_listeners)
                        return;
        }
        m->awaiting_old = false;
        m->reloading = false;
        loop_timer_disarm(&m->await_old);
        set_status(m, "generation %u serving with %u workers; last reload succeeded", m->gen_no,
                   m->n_slots);
        notify(m, "READY=1\nSTATUS=%s", m->status);
        sl_log(LOG_NOTICE, "reload: done, generation %u serving", m->gen_no);
        ctl_reload_done(m, true, m->status);
}

/* Old workers that did not report within the bound count as closed (they will be ended by
 * hard-stop-after if set); the reload is reported done. */
static void on_await_old(struct loop_timer *t)
{
        struct master *m = sl_container_of(t, struct master, await_old);
        struct sl_list *pos;

        sl_log(LOG_WARNING, "reload: old workers did not report closing their listeners in time");
        sl_list_for_each(pos, &m->workers) {
                sl_list_entry(pos, struct mworker, link)->closed_listeners = true;
        }
        reload_maybe_done(m);
}

/* Every worker of the current generation is ready: finish the start or the reload. */
static void generation_ready(struct master *m)
{
        m->gen_pending = false;
        loop_timer_disarm(&m->start_wait);
        m->prev_gen = cfg_gen_unref(m->prev_gen);
        m->gen_started_wall_ms = sl_clock_wall_us() / 1000;
        mtls_settle(m, true);
        if (m->gen_no == 1) {
                set_status(m, "generation 1 serving with %u workers", m->n_slots);
                notify(m, "READY=1\nMAINPID=%d\nSTATUS=%s", (int)getpid(), m->status);
                sl_log(LOG_NOTICE, "ready: %u workers serving (generation 1)", m->n_slots);
                if (m->on_ready)
                        m->on_ready(m->on_ready_data);
                return;
        }
        /* Generation G stops accepting first; READY=1 follows once none of it accepts, so
         * that after a reload reports success every new connection meets the new
         * configuration. */
        sl_log(LOG_NOTICE,
               "reload: generation %u ready; generation %u stops after its current "
               "requests",
               m->gen_no, m->prev_gen_no);
        signal_gen(m, m->gen_no, SIGUSR1);
        if (m->gen->global.hard_stop_after_ms)
                master_arm_hard_stop(m, m->gen->global.hard_stop_after_ms);
        m->awaiting_old = true;
        loop_timer_arm(&m->await_old, 2000);
        reload_maybe_done(m);
}

static void worker_on_status(struct loop_io *io, uint32_t events)
{
        struct mworker *mw = sl_container_of(io, struct mworker, io);
        struct master *m = mw->m;
        char buf[16];
        ssize_t n = read(mw->status_fd, buf, sizeof(buf));

        if (n > 0) {
                if (memchr(buf, 'S', (size_t)n)) {
                        mw->closed_listeners = true;
                        reload_maybe_done(m);
                }
                if (memchr(buf, 'R', (size_t)n) && !mw->ready) {
                        mw->ready = true;
                        if (mw->gen == m->gen_no &&
                            count_workers(m, m->gen_no, true) == m->n_slots && !m->stopping)
                                generation_ready(m);
                }
                return;
        }
        if (n == -1 && errno == EAGAIN)
                return;
        /* EOF: the worker is gone (SIGCHLD says how) */
        loop_io_stop(io);
        close(mw->status_fd);
        mw->status_fd = -1;
}

static void schedule_respawn(struct master *m, unsigned slot)
{
        uint64_t now = sl_clock_ms(), *d = m->deaths[slot];
        unsigned recent = 0;

        memmove(d + 1, d, sizeof(d[0]) * (CRASH_LOOP_DEATHS - 1));
        d[0] = now;
        for (unsigned i = 0; i < CRASH_LOOP_DEATHS; i++)
                recent += d[i] && now - d[i] < CRASH_LOOP_WINDOW;
        m->respawn_ms[slot] = m->respawn_ms[slot] ? SL_MIN(m->respawn_ms[slot] * 2, RESPAWN_MAX_MS)
                                                  : RESPAWN_MIN_MS;
        if (recent >= CRASH_LOOP_DEATHS) {
                m->respawn_ms[slot] = RESPAWN_MAX_MS;
                sl_log(LOG_ERR,
                       "worker slot %u is crash-looping (%u deaths in %u s): next try "
                       "in %u s",
                       slot, recent, CRASH_LOOP_WINDOW / 1000, RESPAWN_MAX_MS / 1000);
        }
        m->slot_dead[slot] = true;
        loop_timer_arm(&m->respawn, m->respawn_ms[slot]);
}

static void on_respawn(struct loop_timer *t)
{
        struct master *m = sl_container_of(t, struct master, respawn);

        if (m->stopping)
                return;
        for (unsigned slot = 0; slot < m->n_slots; slot++) {
                if (!m->slot_dead[slot])
                        continue;
                if (spawn(m, slot) < 0)
                        schedule_respawn(m, slot);
                else
                        sl_log(LOG_NOTICE, "worker slot %u respawned", slot);
        }
}

static void generation_failed(struct master *m, const char *why);

static void reap_children(struct master *m)
{
        int status;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                struct sl_list *pos, *tmp;

                sl_list_for_each_safe(pos, tmp, &m->workers) {
                        struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                        if (mw->pid != pid)
                                continue;
                        mw->gone = true;
                        mstate_release_worker(m, mw);
                        mstats_worker_gone(m, mw);
                        msvc_unwatch(mw);
                        if (mw->cli_fd >= 0) {
                                close(mw->cli_fd);
                                mw->cli_fd = -1;
                        }
                        if (mw->status_fd >= 0) {
                                loop_io_stop(&mw->io);
                                close(mw->status_fd);
                                mw->status_fd = -1;
                        }
                        if (mw->gen == 0) {
                                sl_log(LOG_INFO,
                                       "worker %d (of a generation that failed to "
                                       "start) exited",
                                       (int)pid);
                        } else if (mw->stopping || m->stopping) {
                                sl_log(LOG_INFO, "worker %d (generation %u) exited", (int)pid,
                                       mw->gen);
                        } else if (WIFSIGNALED(status)) {
                                sl_log(LOG_ERR, "worker %d (slot %u) killed by signal %d", (int)pid,
                                       mw->slot, WTERMSIG(status));
                        } else {
                                sl_log(LOG_ERR, "worker %d (slot %u) exited with status %d",
                                       (int)pid, mw->slot, WEXITSTATUS(status));
                        }
                        if (!mw->stopping && !m->stopping && mw->gen == m->gen_no) {
                                if (m->gen_pending && !mw->ready)
                                        /* it would fail again: the generation cannot start */
                                        generation_failed(m, "a worker exited before it was "
                                                             "ready; see above");
                                else {
                                        schedule_respawn(m, mw->slot);
                                        /* no new connection waits for it while another
                                         * worker can take it */
                                        reuseport_load_gone(&m->loads, mw->slot);
                                }
                        }
                        sl_list_del(&mw->link);
                        /* its watcher may still be in this turn's batch of events */
                        loop_reap(m->loop, &mw->reap);
                        break;
                }
        }
        mstate_tables_collect(m);
        if (m->old_region && count_workers(m, m->gen_no - 1, false) == 0) {
                m->old_region = shm_region_free(m->old_region);
                m->old_held = shm_region_free(m->old_held);
                m->old_table = NULL;
                loop_timer_disarm(&m->hard_stop);
        }
        reload_maybe_done(m);
        if (m->stopping && sl_list_empty(&m->workers))
                loop_stop(m->loop);
}

static void on_hard_stop(struct loop_timer *t)
{
        struct master *m = sl_container_of(t, struct master, hard_stop);
        unsigned n = 0;
        struct sl_list *pos;

        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                n += mw->gen < m->gen_no && !mw->gone;
        }
        if (n) {
                sl_log(LOG_WARNING, "hard-stop-after: ending %u old workers now", n);
                signal_gen(m, m->gen_no, SIGTERM);
        }
}

/* ---- configuration changes ---- */

static unsigned slots_for(const struct cfg_gen *g)
{
        long n = g->global.nbthread ? (long)g->global.nbthread : sysconf(_SC_NPROCESSORS_ONLN);

        return (unsigned)SL_MAX(1, SL_MIN(n, MASTER_MAX_SLOTS));
}

/* The current generation cannot start: a worker exited before it was ready, or they were
 * not all ready in time. At start the master gives up. On reload generation G + 1 is stopped
 * and G, which never stopped serving, is the current one again: its configuration, server
 * state, stick tables and listeners; the reload failed. The workers of G + 1 are numbered 0
 * while they go, so that none of them is ever taken for a worker of a later G + 1. */
static void generation_failed(struct master *m, const char *why)
{
        unsigned failed = m->gen_no;
        struct sl_list *pos;

        m->gen_pending = false;
        loop_timer_disarm(&m->start_wait);
        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (mw->gen == failed && !mw->gone) {
                        mw->stopping = true;
                        mw->gen = 0;
                        /* a ready one may have taken connections: it finishes them */
                        (void)kill(mw->pid, mw->ready ? SIGUSR1 : SIGTERM);
                }
        }
        if (!m->prev_gen) {
                sl_log(LOG_CRIT, "cannot start: %s", why);
                notify(m, "STOPPING=1");
                m->stopping = true;
                m->exit_status = EXIT_FAILURE;
                if (sl_list_empty(&m->workers))
                        loop_stop(m->loop);
                return;
        }
        mstate_tables_restore(m, failed);
        m->srv_region = shm_region_free(m->srv_region);
        m->held_region = shm_region_free(m->held_region);
        m->srv_region = m->old_region;
        m->srv_table = m->old_table;
        m->held_region = m->old_held;
        m->n_servers = m->old_n_servers;
        m->old_region = NULL;
        m->old_table = NULL;
        m->old_held = NULL;
        m->old_n_servers = 0;
        cfg_gen_unref(m->gen);
        m->gen = m->prev_gen;
        m->prev_gen = NULL;
        mtls_settle(m, false);
        m->gen_no = m->prev_gen_no;
        m->n_slots = m->prev_n_slots;
        msrv_close_listeners(m);
        if (msock_apply(m, m->gen, m->n_slots) < 0)
                sl_log(LOG_WARNING,
                       "reload: cannot bind every listener of generation %u again; "
                       "its workers keep theirs",
                       m->gen_no);
        msrv_apply(m);
        m->reloading = false;
        m->failed_reloads++;
        sl_log(LOG_ERR,
               "reload failed: generation %u cannot start (%s); generation %u keeps "
               "serving",
               failed, why, m->gen_no);
        set_status(m,
                   "generation %u serving; last reload failed: the new workers could not "
                   "start",
                   m->gen_no);
        notify(m, "READY=1\nSTATUS=%s", m->status);
        {
                char msg[512];

                snprintf(msg, sizeof(msg),
                         "generation %u cannot start (%s); generation %u "
                         "keeps serving",
                         failed, why, m->gen_no);
                ctl_reload_done(m, false, msg);
        }
}

static void on_start_wait(struct loop_timer *t)
{
        struct master *m = sl_container_of(t, struct master, start_wait);
        char why[96];

        snprintf(why, sizeof(why), "its workers were not all ready within %u s",
                 START_WAIT_MS / 1000);
        if (m->gen_pending && !m->stopping)
                generation_failed(m, why);
}

static int start_generation(struct master *m)
{
        for (unsigned slot = 0; slot < m->n_slots; slot++) {
                int r = spawn(m, slot);

                if (r < 0)
                        return log_errno(LOG_ERR, r, "cannot start worker %u", slot);
        }
        return 0;
}

static void reload(struct master *m);

/* A reload request: re-execute the (maybe upgraded) program, which resumes this master's
 * state and reloads; if that cannot be done, reload in this image. */
static void reload_request(struct master *m)
{
        int r;

        if (m->reloading || m->stopping) {
                sl_log(LOG_WARNING, "reload: one is already in progress, ignoring");
                ctl_reload_done(m, false, "a reload or a stop is already in progress");
                return;
        }
        if (m->gen_pending) {
                /* the first generation is not ready: nothing to reload from yet */
                sl_log(LOG_WARNING, "reload: the start is not over, ignoring");
                ctl_reload_done(m, false, "the start is not over yet");
                return;
        }
        r = reexec_master(m);
        if (r < 0 && r != -ENOENT)
                log_errno(LOG_WARNING, r, "reload: cannot re-execute; reloading in place");
        reload(m);
}

static void reload(struct master *m)
{
        struct cfg_gen *gen = NULL;
        struct tls_shared sh = {.keys = m->tls_keys};
        struct tls_set *tls = NULL;
        struct shm_region *prev_region = m->srv_region, *prev_held = m->held_region;
        struct srv_state_table *prev_table = m->srv_table;
        uint32_t prev_n = m->n_servers;
        struct timespec ts;
        unsigned slots;
        char err[512];

        if (m->reloading || m->stopping) {
                sl_log(LOG_WARNING, "reload: one is already in progress, ignoring");
                return;
        }
        /* the runtime state as it is now, for a restart (and init-addr last) */
        mstate_file_write(m, m->gen);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        notify(m, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
               (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
        m->reloads++;
        sl_log(LOG_NOTICE, "reload: reading the configuration");
        if (master_load_config_tls(m->cli, stderr, &gen, &sh, &tls, err, sizeof(err)) < 0) {
                m->failed_reloads++;
                set_status(m, "generation %u serving; last reload failed: invalid configuration",
                           m->gen_no);
                ctl_reload_done(m, false, err);
                sl_log(LOG_ERR,
                       "reload failed: invalid configuration; generation %u keeps "
                       "serving",
                       m->gen_no);
                notify(m, "READY=1\nSTATUS=%s", m->status);
                return;
        }
        slots = slots_for(gen);
        if (mtls_cache_apply(m, gen) < 0)
                sl_log(LOG_ERR, "reload: cannot make the TLS session cache; sessions are "
                                "resumed by ticket only");
        /* the stats sockets' watchers borrow msock.c's sockets, which this may close */
        msrv_close_listeners(m);
        if (msock_apply(m, gen, slots) < 0 || mstate_servers_create(m, gen) < 0 ||
            mstate_tables_apply(m, gen, m->gen_no + 1) < 0) {
                mstate_tables_settle(m, false);
                m->failed_reloads++;
                /* what this reload made, if it got that far (the bind may have failed before
                 * any), goes; what serves stays */
                if (m->held_region != prev_held)
                        m->held_region = shm_region_free(m->held_region);
                if (m->srv_region != prev_region)
                        m->srv_region = shm_region_free(m->srv_region);
                m->srv_region = prev_region;
                m->srv_table = prev_table;
                m->held_region = prev_held;
                m->n_servers = prev_n;
                (void)msock_apply(m, m->gen, m->n_slots);
                msrv_apply(m);
                cfg_gen_unref(gen);
                tls_set_free(tls);
                set_status(m, "generation %u serving; last reload failed: cannot bind or map",
                           m->gen_no);
                notify(m, "READY=1\nSTATUS=%s", m->status);
                ctl_reload_done(m, false, "cannot bind the listeners or map the shared state");
                return;
        }
        mstate_tables_settle(m, true);
        if (m->listeners_paused) {
                /* the new generation serves: listening resumes (HAProxy's new process binds) */
                sl_log(LOG_NOTICE, "reload: resuming the paused listeners");
                msock_set_paused(m, false);
        }
        mstate_log_changes(m->gen, gen);
        /* the old generation keeps its server state until it is gone */
        m->old_region = shm_region_free(m->old_region);
        m->old_held = shm_region_free(m->old_held);
        m->old_region = prev_region;
        m->old_held = prev_held;
        m->old_table = prev_table;
        m->old_n_servers = prev_n;
        /* generation G stays restorable until G + 1 is ready (generation_failed()) */
        m->prev_gen = m->gen;
        m->prev_gen_no = m->gen_no;
        mtls_take(m, tls);
        m->prev_n_slots = m->n_slots;
        mstate_servers_carry(m, m->gen, prev_table, prev_n, gen);
        m->gen = gen;
        m->gen_no++;
        msrv_apply(m);
        m->n_slots = slots;
        m->reloading = true;
        for (unsigned i = 0; i < MASTER_MAX_SLOTS; i++)
                m->respawn_ms[i] = 0;
        m->gen_pending = true;
        loop_timer_arm(&m->start_wait, START_WAIT_MS);
        if (start_generation(m) < 0)
                generation_failed(m, "cannot fork its workers");
}

/* ---- signals ---- */

static void on_signal(struct loop_signal *ls, const struct signalfd_siginfo *si)
{
        struct master *m = sl_container_of(ls, struct master, sig);

        switch (si->ssi_signo) {
        case SIGCHLD:
                reap_children(m);
                break;
        case SIGHUP:
        case SIGUSR2:
                reload_request(m);
                break;
        case SIGUSR1:
                sl_log(LOG_NOTICE, "stopping after the current requests (signal %u)",
                       si->ssi_signo);
                notify(m, "STOPPING=1");
                m->stopping = true;
                signal_gen(m, ~0u, SIGUSR1);
                if (m->gen->global.hard_stop_after_ms)
                        master_arm_hard_stop(m, m->gen->global.hard_stop_after_ms);
                m->gen_no++; /* so that hard-stop-after covers every worker */
                if (sl_list_empty(&m->workers))
                        loop_stop(m->loop);
                break;
        case SIGTTOU:
        case SIGTTIN:
                sl_log(LOG_NOTICE, "%s listeners (signal %u)",
                       si->ssi_signo == SIGTTOU ? "pausing" : "resuming", si->ssi_signo);
                msock_set_paused(m, si->ssi_signo == SIGTTOU);
                break;
        case SIGTERM:
        case SIGINT:
                sl_log(LOG_NOTICE, "stopping now (signal %u)", si->ssi_signo);
                notify(m, "STOPPING=1");
                m->stopping = true;
                m->exit_status = 128 + (int)si->ssi_signo;
                m->stop_signal = (int)si->ssi_signo;
                signal_gen(m, ~0u, SIGTERM);
                if (sl_list_empty(&m->workers))
                        loop_stop(m->loop);
                break;
        default:
                break;
        }
}

static int master_setup(struct master *m)
{
        sigset_t mask;
        ssize_t n;

        sl_list_init(&m->socks);
        sl_list_init(&m->workers);
        sl_list_init(&m->ctl_conns);
        sl_list_init(&m->tables);
        sl_list_init(&m->srv_listeners);
        sl_list_init(&m->srv_clients);
        /* a control client or a log reader that went away must not kill the master */
        (void)signal(SIGPIPE, SIG_IGN);
        m->ctl_fd = -1;
        m->loads.map_fd = -1;
        n = readlink("/proc/self/exe", m->exe, sizeof(m->exe) - 1);
        m->exe[n > 0 ? n : 0] = '\0';
        if (n > 10 && strcmp(m->exe + n - 10, " (deleted)") == 0)
                m->exe[n - 10] = '\0'; /* upgraded under us: the new file has the old name */
        if (loop_new(&m->loop) < 0)
                return -ENOMEM;
        if (loop_timer_init(m->loop, &m->hard_stop, on_hard_stop) < 0 ||
            loop_timer_init(m->loop, &m->respawn, on_respawn) < 0 ||
            loop_timer_init(m->loop, &m->await_old, on_await_old) < 0 ||
            loop_timer_init(m->loop, &m->start_wait, on_start_wait) < 0 ||
            ctl_setup(m, reload_request) < 0)
                return -ENOMEM;
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGUSR2);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGTTOU);
        sigaddset(&mask, SIGTTIN);
        return loop_signal_start(m->loop, &m->sig, &mask, on_signal);
}

/* Run the loop (unless @failed), then stop what is left and free everything. */
static int master_finish(struct master *m, bool failed)
{
        int r;

        if (!failed) {
                r = loop_run(m->loop);
                if (r < 0)
                        log_errno(LOG_ERR, r, "master loop failed");
        } else {
                m->exit_status = EXIT_FAILURE;
                m->stopping = true;
                signal_gen(m, ~0u, SIGTERM);
                /* bounded: wait for the workers already started */
                for (int i = 0; i < 100 && !sl_list_empty(&m->workers); i++) {
                        reap_children(m);
                        usleep(20000);
                }
        }
        while (!sl_list_empty(&m->workers)) {
                struct mworker *mw = sl_list_first(&m->workers, struct mworker, link);

                if (mw->status_fd >= 0) {
                        loop_io_stop(&mw->io);
                        close(mw->status_fd);
                }
                msvc_unwatch(mw);
                if (mw->cli_fd >= 0)
                        close(mw->cli_fd);
                mstats_worker_gone(m, mw);
                sl_list_del(&mw->link);
                free(mw);
        }
        if (!failed)
                mstate_file_write(m, m->gen);
        msock_close_all(m);
        reuseport_loads_free(&m->loads);
        ctl_close(m);
        msrv_stop(m);
        mtls_free(m);
        if (m->loop) {
                loop_signal_stop(&m->sig);
                loop_timer_deinit(&m->hard_stop);
                loop_timer_deinit(&m->respawn);
                loop_timer_deinit(&m->await_old);
                loop_timer_deinit(&m->start_wait);
                m->loop = loop_free(m->loop);
        }
        mstate_free(m);
        mstats_free(m);
        mrt_free(m);
        /* Outside master-worker mode HAProxy is a single process that dies of SIGINT and
         * SIGTERM; sluice's master, once its workers are gone, does the same (-W keeps the
         * exit status 128 + the signal) */
        if (m->stop_signal && !m->cli->master_worker && !(m->gen && m->gen->global.master_worker))
                m->exit_status = -m->stop_signal;
        m->gen = cfg_gen_unref(m->gen);
        m->prev_gen = cfg_gen_unref(m->prev_gen);
        return m->exit_status;
}

int master_main(const struct master_cli *cli, struct cfg_gen *gen, unsigned maxconn,
                void (*on_ready)(void *data), void *on_ready_data)
{
        struct master m = {.cli = cli,
                           .maxconn = maxconn,
                           .on_ready = on_ready,
                           .on_ready_data = on_ready_data};
        int r;

        m.started_ms = sl_clock_ms();
        m.gen = cfg_gen_ref(gen);
        m.gen_no = 1;
        m.n_slots = slots_for(m.gen);
        if (master_setup(&m) < 0) {
                sl_log(LOG_ERR, "cannot set up the master's event loop");
                return master_finish(&m, true);
        }
        if (mtls_setup(&m) < 0 || mtls_cache_apply(&m, m.gen) < 0 ||
            mtls_build_current(&m, m.gen) < 0) {
                sl_log(LOG_ERR, "cannot set up TLS");
                return master_finish(&m, true);
        }
        msock_systemd_take(&m);
        if (msock_apply(&m, m.gen, m.n_slots) < 0 || mstate_servers_create(&m, m.gen) < 0 ||
            mstate_tables_apply(&m, m.gen, m.gen_no) < 0)
                return master_finish(&m, true);
        msock_systemd_unused(&m);
        mstate_file_apply(&m, m.gen);
        mstate_tables_settle(&m, true);
        msrv_apply(&m);
        if (cli->ctl_path) {
                r = cli->ctl_fd >= 0 ? ctl_inherit(&m, cli->ctl_fd)
                                     : ctl_open(&m, cli->ctl_path, cli->ctl_mode);
                if (r < 0) {
                        log_errno(LOG_ERR, r, "cannot open the control socket '%s'", cli->ctl_path);
                        return master_finish(&m, true);
                }
        }
        set_status(&m, "starting %u workers", m.n_slots);
        m.gen_pending = true;
        loop_timer_arm(&m.start_wait, START_WAIT_MS);
        if (start_generation(&m) < 0)
                return master_finish(&m, true);
        return master_finish(&m, false);
}

bool master_resuming(void)
{
        return reexec_resuming();
}

/* Take over from the image that re-executed this program (reexec_master()): rebuild the
 * master from the state it left, then do the reload it was asked for. */
int master_resume(const struct master_cli *cli)
{
        struct master m = {.cli = cli};
        struct sl_list *pos;
        int r = reexec_restore(&m, master_setup);

        if (r == -EBADMSG)
                return EXIT_FAILURE;
        /* the workers taken over, even when not all could be, are watched as those spawned */
        sl_list_for_each(pos, &m.workers) {
                mworker_watch(sl_list_entry(pos, struct mworker, link));
                msvc_watch(&m, sl_list_entry(pos, struct mworker, link));
        }
        if (r < 0) {
                sl_log(LOG_CRIT, "re-executed master: cannot take over, stopping the workers");
                return master_finish(&m, true);
        }
        if (m.hard_stop_at) {
                uint64_t at = m.hard_stop_at, now = sl_clock_ms();

                master_arm_hard_stop(&m, at > now ? at - now : 0);
        }
        sl_log(LOG_NOTICE, "master re-executed (generation %u, %u workers)", m.gen_no, m.n_slots);
        /* a worker may have died while no image watched: SIGCHLD is pending, blocked */
        reap_children(&m);
        msrv_apply(&m);
        reload(&m);
        return master_finish(&m, false);
}
