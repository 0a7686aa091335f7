/* The worker process: builds the run-time state of a configuration generation, binds, drops
 * privileges, and runs the event loop until it is told to stop. */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "accesslog.h"
#include "clock.h"
#include "dns.h"
#include "h1_msg.h"
#include "h2_mem.h"
#include "health.h"
#include "init_vars.h"
#include "lb.h"
#include "listener.h"
#include "log.h"
#include "macros.h"
#include "mux_h1.h"
#include "mux_h2.h"
#include "mux_tcp.h"
#include "peer_links.h"
#include "region.h"
#include "sample_fetch.h"
#include "session.h"
#include "srv_state.h"
#include "srv_watch.h"
#include "srvconn.h"
#include "stats.h"
#include "stick.h"
#include "stktable.h"
#include "stream.h"
#include "stream_log.h"
#include "tls_ctx.h"
#include "wcli.h"
#include "werrors.h"

#define WORKER_MAX_FREE_BUFS    4096
#define WORKER_MAX_FREE_STREAMS 256
#define WORKER_MAX_FREE_H1X     256

/* A client connection ended: let listeners accept again if they paused at a maxconn. */
static void worker_on_conn_closed(struct worker *w, const struct cfg_proxy *fe)
{
        struct px_rt *rt = worker_rt(w, fe);

        if (!rt->maxconn || rt->feconn < rt->maxconn)
                listeners_resume_frontend(w, fe);
        if (w->accept_paused && (!w->maxconn || w->n_conns < w->maxconn))
                listeners_resume(w);
        if (w->stopping && w->n_conns == 0)
                loop_stop(w->loop);
}

static void worker_queue_kick(struct loop_defer *d)
{
        stream_queue_run(sl_container_of(d, struct px_rt, queue_kick));
}

static void worker_queue_poll(struct loop_timer *t)
{
        stream_queue_run(sl_container_of(t, struct px_rt, queue_poll));
}

#define WORKER_STICK_SWEEP_MS 100

/* Out of files or memory, accepting paused: try again, whether or not a session ended (the
 * files may be held by something else). */
static void worker_on_accept_retry(struct loop_timer *t)
{
        struct worker *w = sl_container_of(t, struct worker, accept_retry);

        if (!w->maxconn || w->n_conns < w->maxconn)
                listeners_resume(w);
}

/* A new second: the TLS listeners that waited for maxsslrate may accept again. */
static void worker_on_tls_rate(struct loop_timer *t)
{
        struct worker *w = sl_container_of(t, struct worker, tls_rate_retry);

        if (!w->maxsslconn || w->tls_conns < w->maxsslconn)
                listeners_tls_pause(w, false);
}

/* A new second: the listeners that waited for maxconnrate may accept again. */
static void worker_on_conn_rate(struct loop_timer *t)
{
        struct worker *w = sl_container_of(t, struct worker, conn_rate_retry);

        w->conn_rate_paused = false;
        if (!w->maxconn || w->n_conns < w->maxconn)
                listeners_resume(w);
}

void worker_tls_opened(struct worker *w)
{
        w->tls_conns++;
}

void worker_tls_closed(struct worker *w)
{
        w->tls_conns--;
        if (w->tls_paused && (!w->maxsslconn || w->tls_conns < w->maxsslconn) &&
            !loop_timer_is_armed(&w->tls_rate_retry))
                listeners_tls_pause(w, false);
}

static void worker_on_stick_sweep(struct loop_timer *t)
{
        struct worker *w = sl_container_of(t, struct worker, stick_sweep);

        stick_sweep(w);
        loop_timer_arm(t, WORKER_STICK_SWEEP_MS);
}

/* The stick-table of @px: the master's shared one, or one of this worker's own. */
static int worker_stick_table(struct worker *w, struct px_rt *rt)
{
        const struct cfg_proxy *px = rt->px;
        struct stkt_def def;
        int r;

        if (w->opts && w->opts->stick_table) {
                rt->table = w->opts->stick_table(w->opts->stick_data, px, &rt->table_id);
                if (!rt->table) {
                        sl_log(LOG_ERR, "proxy '%s': its stick-table is missing", px->name);
                        return -ENOENT;
                }
        } else {
                rt->table_id = STICK_NO_ID;
                stick_table_def(px->table, &def);
                r = stkt_create(&def, stick_table_hash(px->name, px->table), &rt->table_region,
                                &rt->table);
                if (r < 0)
                        return log_errno(LOG_ERR, r, "proxy '%s': cannot create its stick-table",
                                         px->name);
        }
        loop_timer_arm(&w->stick_sweep, WORKER_STICK_SWEEP_MS);
        return 0;
}

static int worker_build_rt(struct worker *w)
{
        struct cfg_gen *g = w->gen;
        struct srv_state_table *table = NULL;
        size_t n_srv = 0, next = 0;
        int r;

        w->rt = calloc(g->n_proxies ? g->n_proxies : 1, sizeof(*w->rt));
        if (!w->rt || loop_timer_init(w->loop, &w->stick_sweep, worker_on_stick_sweep) < 0 ||
            loop_timer_init(w->loop, &w->accept_retry, worker_on_accept_retry) < 0 ||
            loop_timer_init(w->loop, &w->tls_rate_retry, worker_on_tls_rate) < 0 ||
            loop_timer_init(w->loop, &w->conn_rate_retry, worker_on_conn_rate) < 0)
                return -ENOMEM;
        if (w->opts && w->opts->stick_ledger) {
                w->stick_ledger_free = malloc(STICK_LEDGER_CAP * sizeof(uint32_t));
                if (!w->stick_ledger_free)
                        return -ENOMEM;
                w->stick_ledger = w->opts->stick_ledger;
                /* a stack whose top is record 0: the pages in use stay few */
                for (uint32_t i = 0; i < STICK_LEDGER_CAP; i++)
                        w->stick_ledger_free[i] = STICK_LEDGER_CAP - 1 - i;
                w->stick_ledger_n_free = STICK_LEDGER_CAP;
        }
        for (size_t i = 0; i < g->n_proxies; i++)
                n_srv += g->proxies[i]->n_servers;
        if (w->opts && w->opts->srv_table) {
                table = w->opts->srv_table;
        } else if (n_srv) {
                uint32_t n_dns, n_ns;

                dns_table_dims(g, &n_dns, &n_ns);
                r = srv_state_create_dns((uint32_t)n_srv, n_dns, n_ns, 0, &w->srv_region, &table);
                if (r < 0)
                        return log_errno(LOG_ERR, r, "cannot create the server state table");
                dns_table_init(g, table);
        }
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];
                struct px_rt *rt = &w->rt[i];

                rt->px = px;
                rt->w = w;
                rt->maxconn = px->maxconn;
                sl_list_init(&rt->queue);
                loop_defer_init(w->loop, &rt->queue_kick, worker_queue_kick);
                if (loop_timer_init(w->loop, &rt->queue_poll, worker_queue_poll) < 0)
                        return -ENOMEM;
                r = alog_sinks_new(&g->global, px, &rt->sinks);
                if (r < 0)
                        return log_errno(LOG_ERR, r, "proxy '%s': cannot open its log targets",
                                         px->name);
                if (px->table && worker_stick_table(w, rt) < 0)
                        return -ENOMEM;
                rt->srv_mux = px->mode == CFG_MODE_HTTP ? &mux_h1_ops : &mux_tcp_ops;
                rt->srv_mux_h2 = px->mode == CFG_MODE_HTTP ? &mux_h2_ops : NULL;
                if (!(px->cap & CFG_CAP_BE) || px->n_servers == 0)
                        continue;
                rt->lb = calloc(1, sizeof(*rt->lb));
                rt->idle = calloc(px->n_servers, sizeof(*rt->idle));
                rt->n_idle = calloc(px->n_servers, sizeof(*rt->n_idle));
                rt->pool = calloc(px->n_servers, sizeof(*rt->pool));
                rt->avail = calloc(px->n_servers, sizeof(*rt->avail));
                if (!rt->lb || !rt->idle || !rt->n_idle || !rt->pool || !rt->avail ||
                    loop_timer_init(w->loop, &rt->purge, srv_conn_purge) < 0)
                        return -ENOMEM;
                for (size_t j = 0; j < px->n_servers; j++) {
                        struct tls_srv *ts = tls_set_server(w->tls, &px->servers[j]);

                        sl_list_init(&rt->idle[j]);
                        sl_list_init(&rt->avail[j]);
                        if (cfg_server_pp(&px->servers[j].opts))
                                rt->pp_private = true;
                        if (ts && !rt->tls_srv) {
                                rt->tls_srv = calloc(px->n_servers, sizeof(*rt->tls_srv));
                                if (!rt->tls_srv)
                                        return -ENOMEM;
                        }
                        if (ts)
                                rt->tls_srv[j] = ts;
                }
                if (!(w->opts && w->opts->srv_table))
                        lb_init_states(px, srv_state_rec(table, (uint32_t)next));
                if (w->opts && w->opts->srv_held)
                        rt->held = w->opts->srv_held + next;
                r = lb_init(rt->lb, px, srv_state_rec(table, (uint32_t)next));
                if (r < 0) {
                        free(rt->lb);
                        rt->lb = NULL;
                        return log_errno(LOG_ERR, r, "backend '%s': cannot set up balancing",
                                         px->name);
                }
                next += px->n_servers;
        }
        return 0;
}

static void worker_free_rt(struct worker *w)
{
        if (!w->rt)
                return;
        for (size_t i = 0; i < w->gen->n_proxies; i++) {
                struct px_rt *rt = &w->rt[i];

                srv_conn_close_idle(rt, (int)rt->px->n_servers);
                if (rt->w) {
                        loop_defer_cancel(&rt->queue_kick);
                        loop_timer_deinit(&rt->queue_poll);
                }
                if (rt->lb) {
                        lb_deinit(rt->lb);
                        free(rt->lb);
                }
                loop_timer_deinit(&rt->purge);
                free(rt->idle);
                rt->idle = NULL;
                free(rt->n_idle);
                free(rt->pool);
                rt->pool = NULL;
                if (rt->avail) {
                        /* connections still in use forget the lists */
                        for (size_t j = 0; j < rt->px->n_servers; j++)
                                while (!sl_list_empty(&rt->avail[j]))
                                        sl_list_del(rt->avail[j].next);
                        free(rt->avail);
                }
                free(rt->tls_srv);
                werr_free(rt);
                rt->sinks = alog_sinks_free(rt->sinks);
                if (rt->table_region) {
                        rt->table = stkt_free(rt->table);
                        rt->table_region = shm_region_free(rt->table_region);
                }
        }
        loop_timer_deinit(&w->stick_sweep);
        loop_timer_deinit(&w->accept_retry);
        loop_timer_deinit(&w->tls_rate_retry);
        loop_timer_deinit(&w->conn_rate_retry);
        free(w->stick_ledger_free);
        w->stick_ledger_free = NULL;
        w->stick_ledger = NULL;
        free(w->rt);
        w->rt = NULL;
        w->srv_region = shm_region_free(w->srv_region);
}

/* What a worker keeps of the capabilities its master was given: none. Only a master that is
 * not root has any to give (the packaged unit runs the service as its own user with the
 * ambient capabilities it needs to bind low ports); a root master's workers lose theirs in
 * setuid(). Clears the ambient set, then the permitted, effective and inheritable ones;
 * with no_new_privs (the unit's NoNewPrivileges) no execve gives them back. */
static int drop_capabilities(void)
{
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
        struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3];

        memset(none, 0, sizeof(none));
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 && errno != EINVAL)
                return log_errno(LOG_ERR, -errno, "cannot clear the ambient capabilities");
        if (syscall(SYS_capset, &hdr, none) == -1)
                return log_errno(LOG_ERR, -errno, "cannot drop the capabilities");
        return 0;
}

/* Not root: "user" and "group" only say who the process already is, "chroot" is applied
 * where the capability for it was given (CAP_SYS_CHROOT); otherwise each is reported as not
 * applied. Then the capabilities go. */
static int worker_unprivileged(const struct cfg_global *g)
{
        if (g->user) {
                const struct passwd *pw = getpwnam(g->user);

                if (!pw || pw->pw_uid != geteuid())
                        sl_log(LOG_WARNING, "'user %s' is not applied: not started as root",
                               g->user);
        }
        if (g->group) {
                const struct group *gr = getgrnam(g->group);

                if (!gr || gr->gr_gid != getegid())
                        sl_log(LOG_WARNING, "'group %s' is not applied: not started as root",
                               g->group);
        }
        if (g->chroot) {
                if (chroot(g->chroot) == 0) {
                        if (chdir("/") == -1)
                                return log_errno(LOG_ERR, -errno, "chroot '%s'", g->chroot);
                } else if (errno == EPERM) {
                        sl_log(LOG_WARNING,
                               "'chroot %s' is not applied: not started as root "
                               "nor given CAP_SYS_CHROOT",
                               g->chroot);
                } else {
                        return log_errno(LOG_ERR, -errno, "chroot '%s'", g->chroot);
                }
        }
        return drop_capabilities();
}

/* chroot, then the group, then the user: the order in which each step still has the right
 * to do the next. */
static int worker_drop_privileges(const struct cfg_global *g)
{
        uid_t uid = 0;
        gid_t gid = 0;
        bool set_uid = false, set_gid = false;

        if (geteuid() != 0)
                return worker_unprivileged(g);
        if (g->user) {
                struct passwd *pw = getpwnam(g->user);

                if (!pw) {
                        sl_log(LOG_ERR, "unknown user '%s'", g->user);
                        return -EINVAL;
                }
                uid = pw->pw_uid;
                gid = pw->pw_gid;
                set_uid = set_gid = true;
        }
        if (g->group) {
                struct group *gr = getgrnam(g->group);

                if (!gr) {
                        sl_log(LOG_ERR, "unknown group '%s'", g->group);
                        return -EINVAL;
                }
                gid = gr->gr_gid;
                set_gid = true;
        }
        if (g->chroot) {
                if (chroot(g->chroot) == -1 || chdir("/") == -1)
                        return log_errno(LOG_ERR, -errno, "chroot '%s'", g->chroot);
        }
        if (set_gid) {
                if (setgroups(0, NULL) == -1 || setgid(gid) == -1)
                        return log_errno(LOG_ERR, -errno, "cannot switch to group %u",
                                         (unsigned)gid);
        }
        if (set_uid && setuid(uid) == -1)
                return log_errno(LOG_ERR, -errno, "cannot switch to user '%s'", g->user);
        return 0;
}

static void worker_on_signal(struct loop_signal *ls, const struct signalfd_siginfo *si)
{
        struct worker *w = sl_container_of(ls, struct worker, sig);
        struct sl_list *pos, *tmp;

        switch (si->ssi_signo) {
        case SIGTERM:
        case SIGINT:
                sl_log(LOG_NOTICE, "stopping now (signal %u)", si->ssi_signo);
                w->exit_signal = (int)si->ssi_signo;
                w->stopping = true;
                check_stop(w);
                peers_stop(w);
                dns_stop(w);
                listeners_close(w);
                sl_list_for_each_safe(pos, tmp, &w->sessions) {
                        struct sess *ss = sl_list_entry(pos, struct sess, link);

                        if (ss->conn.mux)
                                ss->conn.mux->stop(&ss->conn, false);
                        else
                                sess_close(ss); /* in its TLS handshake */
                }
                loop_stop(w->loop);
                break;
        case SIGTTOU:
        case SIGTTIN:
                listeners_sync(w);
                break;
        case SIGUSR1:
                sl_log(LOG_NOTICE, "stopping after the current requests (signal %u)",
                       si->ssi_signo);
                w->stopping = true;
                check_stop(w); /* the next generation's first worker checks now */
                peers_stop(w); /* and links with the peers, from the shared positions */
                dns_stop(w);   /* and resolves, from the shared records */
                listeners_close(w);
                /* the slot's next worker publishes its own count from now on */
                w->accept_load = NULL;
                if (w->opts && w->opts->stopped_accepting)
                        w->opts->stopped_accepting(w->opts->ready_data);
                sl_list_for_each_safe(pos, tmp, &w->sessions) {
                        struct sess *ss = sl_list_entry(pos, struct sess, link);

                        if (ss->conn.mux)
                                ss->conn.mux->stop(&ss->conn, true);
                        else
                                sess_close(ss); /* in its TLS handshake: no request yet */
                }
                if (w->n_conns == 0)
                        loop_stop(w->loop);
                break;
        default:
                break;
        }
}

/* The open files past which idle server connections are not kept: the ratios of the
 * open-files limit (HAProxy's pool_high_count and pool_low_count over its maxsock). */
static void worker_pool_fd_limits(struct worker *w)
{
        struct rlimit rl;
        uint64_t lim = UINT32_MAX;

        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
                lim = SL_MIN((uint64_t)rl.rlim_cur, UINT32_MAX);
        w->pool_fd_high =
                (unsigned)(lim * cfg_pool_fd_ratio(&w->gen->global, CFG_POOL_FD_HIGH) / 100);
        w->pool_fd_low =
                (unsigned)(lim * cfg_pool_fd_ratio(&w->gen->global, CFG_POOL_FD_LOW) / 100);
}

int worker_init(struct worker *w, struct cfg_gen *gen, const struct worker_opts *opts)
{
        int r;

        sample_fetch_set_unique_id(stream_unique_id);
        sl_list_init(&w->listeners);
        sl_list_init(&w->sessions);
        sl_list_init(&w->cli_outs);
        sl_list_init(&w->svc_waits);
        w->svc_answered = stream_service_answer;
        w->cli_fd = -1;
        w->started_ms = sl_clock_ms();
        w->gen = cfg_gen_ref(gen);
        w->opts = opts;
        w->conn_closed = worker_on_conn_closed;
        w->maxconn = opts && opts->maxconn ? opts->maxconn : gen->global.maxconn;
        pool_init(&w->bufs, gen->global.tune_bufsize, WORKER_MAX_FREE_BUFS);
        pool_init(&w->bufs_rx, 2 * gen->global.tune_bufsize, WORKER_MAX_FREE_BUFS / 4);
        pool_init(&w->strm_pool, sizeof(struct stream), WORKER_MAX_FREE_STREAMS);
        pool_init(&w->h1x_pool, sizeof(struct h1x), WORKER_MAX_FREE_H1X);
        if (opts && opts->pool_debug) {
                pool_set_debug(&w->bufs, opts->pool_debug);
                pool_set_debug(&w->bufs_rx, opts->pool_debug);
                pool_set_debug(&w->strm_pool, opts->pool_debug);
                pool_set_debug(&w->h1x_pool, opts->pool_debug);
        }
        /* HAProxy's default maxpipes is maxconn / 4; each pipe is two descriptors */
        w->max_pipes = w->maxconn ? (w->maxconn / 4 ?: 1) : 256;
        r = -ENOSYS;
        if (gen->global.io_uring) {
                r = loop_new_backend(&w->loop, LOOP_BACKEND_IO_URING);
                if (r >= 0)
                        sl_log(LOG_NOTICE, "event loop: io_uring");
                else
                        log_errno(LOG_WARNING, r,
                                  "tune.sluice.io-uring on, but this worker uses epoll: "
                                  "no io_uring ring%s",
                                  loop_backend_built(LOOP_BACKEND_IO_URING)
                                          ? ""
                                          : " (built without liburing)");
        }
        if (r < 0)
                r = loop_new(&w->loop);
        if (r < 0)
                return log_errno(LOG_ERR, r, "cannot create the event loop");
        loop_set_busy_polling(w->loop, gen->global.busy_polling);
        w->maxsslconn = opts && opts->maxsslconn ? opts->maxsslconn : gen->global.tls.maxsslconn;
        w->maxsslrate = opts && opts->maxsslrate ? opts->maxsslrate : gen->global.tls.maxsslrate;
        w->maxconnrate = opts && opts->maxconnrate ? opts->maxconnrate : gen->global.maxconnrate;
        w->n_workers = opts && opts->n_workers ? opts->n_workers : 1;
        w->accept_load = opts ? opts->accept_load : NULL;
        worker_load_publish(w);
        worker_pool_fd_limits(w);
        w->tls = opts ? opts->tls : NULL;
        tls_sess_use_cache(opts ? opts->tls_cache : NULL, gen->global.tls.lifetime_s);
        if (!w->tls) {
                /* no master built them: this worker reads the files itself */
                struct cfg_diags d = {0};

                r = tls_set_build(gen, NULL, &d, &w->own_tls);
                for (size_t i = 0; i < d.n; i++)
                        sl_log(d.v[i].severity == CFG_SEV_ERROR ? LOG_ERR : LOG_WARNING,
                               "%s:%u: %s", d.v[i].file ? d.v[i].file : "-", d.v[i].line,
                               d.v[i].msg);
                cfg_diags_clear(&d);
                if (r < 0)
                        return r;
                w->tls = w->own_tls;
        }
        w->st = opts ? opts->stats_row : NULL;
        if (!w->st) {
                /* no master reads it: counted all the same, for the worker's own CLI */
                uint32_t n = gen->n_stats_objs, *gids = calloc(n, sizeof(*gids));

                for (uint32_t i = 0; gids && i < n; i++)
                        gids[i] = i;
                r = gids ? stats_row_create(0, opts ? opts->slot : 0, n, gids, stats_default_bounds,
                                            stats_n_default_bounds, &w->st_region, &w->st)
                         : -ENOMEM;
                free(gids);
                if (r < 0)
                        return log_errno(LOG_ERR, r, "cannot make the statistics row");
        }
        w->st->pid = (int32_t)getpid();
        if (worker_build_rt(w) < 0)
                return -ENOMEM;
        init_vars_set(w);
        return 0;
}

void worker_deinit(struct worker *w)
{
        check_stop(w);
        peers_stop(w);
        dns_stop(w);
        srv_watch_stop(w);
        wcli_stop(w);
        loop_signal_stop(&w->sig);
        listeners_close(w);
        while (!sl_list_empty(&w->sessions)) {
                struct sess *ss = sl_list_first(&w->sessions, struct sess, link);

                if (ss->conn.mux)
                        ss->conn.mux->stop(&ss->conn, false);
                else
                        sess_close(ss);
        }
        worker_free_rt(w);
        if (w->loop) {
                /* run the reaps of what was just closed */
                (void)loop_run_once(w->loop, 0);
                w->loop = loop_free(w->loop);
        }
        worker_pipes_free(w);
        stream_pool_flush(w);
        pool_deinit(&w->h1x_pool);
        pool_deinit(&w->bufs);
        pool_deinit(&w->bufs_rx);
        h2_mem_free(w);
        w->own_tls = tls_set_free(w->own_tls);
        w->gen = cfg_gen_unref(w->gen);
        w->st = NULL;
        w->st_region = shm_region_free(w->st_region);
}

int worker_main(struct cfg_gen *gen, const struct worker_opts *opts)
{
        struct worker w = {0};
        sigset_t mask;
        int r, status = EXIT_FAILURE;

        (void)signal(SIGPIPE, SIG_IGN);
        /* Connections' buffers of a few tens of KB come and go at the top of the heap with
         * the traffic; at glibc's default threshold (128 KB, and no more than twice the
         * largest block mmap'd) each such free shrank the heap with brk() and the next
         * allocation grew it again: 0.29 brk() per request with HTTP/2 on both sides. Up to
         * 1 MB of free memory at the top stays with the worker. */
        (void)mallopt(M_TRIM_THRESHOLD, 1 << 20);
        if (worker_init(&w, gen, opts) < 0)
                goto out;
        if (opts && opts->cli_fd > 0)
                (void)wcli_start(&w, opts->cli_fd);
        if (listeners_bind(&w) < 0)
                goto out;
        for (size_t i = 0; opts && i < opts->n_runtime; i++) {
                FILE *sink = fopen("/dev/null", "w");

                if (sink) {
                        wcli_exec(&w, opts->runtime[i], CFG_STATS_LEVEL_ADMIN, sink);
                        fclose(sink);
                }
        }
        if (worker_drop_privileges(&gen->global) < 0)
                goto out;
        /* one checker per node: the first worker of the generation */
        if ((!opts || opts->slot == 0) && check_start(&w) < 0)
                sl_log(LOG_ERR, "health checks: out of memory: servers are not checked");
        /* one owner of the peer links per node, the same worker */
        if ((!opts || opts->slot == 0) && peers_start(&w) < 0)
                sl_log(LOG_ERR, "peers: out of memory: tables are not synced");
        /* and of DNS resolution */
        if (!opts || opts->slot == 0)
                (void)dns_start(&w);
        if (srv_watch_start(&w) < 0)
                sl_log(LOG_ERR, "on-marked-down/up: out of memory: not applied");
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGUSR1);
        sigaddset(&mask, SIGTTOU);
        sigaddset(&mask, SIGTTIN);
        r = loop_signal_start(w.loop, &w.sig, &mask, worker_on_signal);
        if (r < 0) {
                log_errno(LOG_ERR, r, "cannot watch signals");
                goto out;
        }
        if (opts && opts->ready)
                opts->ready(opts->ready_data);
        r = loop_run(w.loop);
        if (r < 0)
                log_errno(LOG_ERR, r, "event loop failed");
        /* As HAProxy in the foreground: 128 + the signal that stopped it, 0 after a soft stop */
        status = w.exit_signal ? 128 + w.exit_signal : (r < 0 ? EXIT_FAILURE : EXIT_SUCCESS);
out:
        worker_deinit(&w);
        return status;
}
