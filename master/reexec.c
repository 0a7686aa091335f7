/* Re-executing the master across a binary upgrade (reexec.h). A reload first re-executes
 * the program, which may have been replaced: the running image writes everything the next
 * one needs into a memfd as JSON (reexec_master()), and the next image, finding it named in
 * SLUICE_MASTER_STATE, takes the master over from it (reexec_restore()) and reloads. The
 * workers, the listening sockets, the shared memory and the control socket survive as file
 * descriptors kept open across execve(); the JSON tells which is which. Its keys are read by
 * the next version of the program: keep them, and read a missing one as before it existed. */
#include "reexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "cli.h"
#include "ctl.h"
#include "diag.h"
#include "dump.h"
#include "load.h"
#include "log.h"
#include "master-t.h"
#include "mstats.h"
#include "mtls.h"
#include "region.h"
#include "srv_state.h"
#include "stktable.h"
#include "tls_cache.h"

#define MASTER_STATE_ENV "SLUICE_MASTER_STATE"

static bool keep_fd(int fd)
{
        int fl = fcntl(fd, F_GETFD);

        return fl != -1 && fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) != -1;
}

int reexec_master(struct master *m)
{
        json_t *st = json_object(), *socks = json_array(), *workers = json_array(),
               *waiting = json_array(), *tables = json_array();
        char *text = NULL, *dump = NULL, env[32];
        size_t dump_len = 0;
        struct sl_list *pos;
        FILE *f;
        int fd = -1, r = -ENOMEM;

        if (!m->exe[0] || !m->cli->argv)
                return -ENOENT;
        if (!st || !socks || !workers || !waiting || !tables)
                goto out;
        f = open_memstream(&dump, &dump_len);
        if (!f)
                goto out;
        (void)cfg_dump(m->gen, f);
        fclose(f);
        json_object_set_new(st, "config", json_string(dump ? dump : ""));
        json_object_set_new(st, "gen_no", json_integer(m->gen_no));
        json_object_set_new(st, "reloads", json_integer(m->reloads));
        json_object_set_new(st, "failed_reloads", json_integer(m->failed_reloads));
        json_object_set_new(st, "n_slots", json_integer(m->n_slots));
        json_object_set_new(st, "maxconn", json_integer(m->maxconn));
        json_object_set_new(st, "started_ms", json_integer((json_int_t)m->started_ms));
        json_object_set_new(st, "gen_started_wall_ms",
                            json_integer((json_int_t)m->gen_started_wall_ms));
        json_object_set_new(st, "hard_stop_at", json_integer((json_int_t)m->hard_stop_at));
        json_object_set_new(st, "srv_region", json_integer(m->srv_region ? m->srv_region->fd : -1));
        json_object_set_new(st, "old_region", json_integer(m->old_region ? m->old_region->fd : -1));
        json_object_set_new(st, "ctl_fd", json_integer(m->ctl_fd));
        json_object_set_new(st, "held_region",
                            json_integer(m->held_region ? m->held_region->fd : -1));
        json_object_set_new(st, "old_held", json_integer(m->old_held ? m->old_held->fd : -1));
        json_object_set_new(st, "n_servers", json_integer(m->n_servers));
        json_object_set_new(st, "ledger", json_integer(m->ledger ? m->ledger->fd : -1));
        json_object_set_new(st, "next_table_id", json_integer(m->next_table_id));
        json_object_set_new(st, "listeners_paused", json_boolean(m->listeners_paused));
        json_object_set_new(st, "loads", json_integer(m->loads.map_fd));
        json_object_set_new(st, "loads_refused", json_boolean(m->loads_refused));
        json_object_set_new(st, "steer_leastconn", json_boolean(m->steer_leastconn));
        if (m->loads.map_fd >= 0 && !keep_fd(m->loads.map_fd))
                goto errno_out;
        json_object_set_new(st, "tls_keys", json_integer(mtls_keys_fd(m)));
        if (mtls_keys_fd(m) >= 0 && !keep_fd(mtls_keys_fd(m)))
                goto errno_out;
        json_object_set_new(st, "tls_cache", json_integer(mtls_cache_fd(m)));
        json_object_set_new(st, "tls_cache_entries",
                            json_integer(m->tls_cache ? tls_cache_entries(m->tls_cache) : 0));
        if (mtls_cache_fd(m) >= 0 && !keep_fd(mtls_cache_fd(m)))
                goto errno_out;
        if (m->ledger && !keep_fd(m->ledger->fd))
                goto errno_out;
        json_object_set_new(st, "old_n_servers", json_integer(m->old_n_servers));
        if (m->held_region && !keep_fd(m->held_region->fd))
                goto errno_out;
        if (m->old_held && !keep_fd(m->old_held->fd))
                goto errno_out;
        if (m->srv_region && !keep_fd(m->srv_region->fd))
                goto errno_out;
        if (m->old_region && !keep_fd(m->old_region->fd))
                goto errno_out;
        if (m->ctl_fd >= 0 && !keep_fd(m->ctl_fd))
                goto errno_out;
        sl_list_for_each(pos, &m->socks) {
                struct msock *ms = sl_list_entry(pos, struct msock, link);
                json_t *fds = json_array();

                for (unsigned i = 0; i < MASTER_MAX_SLOTS; i++) {
                        json_array_append_new(fds, json_integer(ms->fds[i]));
                        if (ms->fds[i] >= 0 && !keep_fd(ms->fds[i]))
                                goto errno_out;
                }
                if (ms->steer >= 0 && !keep_fd(ms->steer))
                        goto errno_out;
                json_array_append_new(socks, json_pack("{s:s, s:b, s:b, s:o, s:i, s:I}", "key",
                                                       ms->key, "inherited", ms->inherited, "stats",
                                                       ms->stats, "fds", fds, "steer", ms->steer,
                                                       "steer_in", (json_int_t)ms->steer_in));
        }
        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (mw->gone)
                        continue;
                if (mw->status_fd >= 0 && !keep_fd(mw->status_fd))
                        goto errno_out;
                if (mw->cli_fd >= 0 && !keep_fd(mw->cli_fd))
                        goto errno_out;
                if (mw->st_region && !keep_fd(mw->st_region->fd))
                        goto errno_out;
                json_array_append_new(
                        workers,
                        json_pack("{s:i, s:i, s:i, s:i, s:b, s:b, s:b, s:I, s:i, s:i, s:i}", "pid",
                                  (int)mw->pid, "slot", (int)mw->slot, "gen", (int)mw->gen,
                                  "status_fd", mw->status_fd, "ready", mw->ready, "stopping",
                                  mw->stopping, "closed", mw->closed_listeners, "started_ms",
                                  (json_int_t)mw->started_ms, "ledger_row", mw->ledger_row,
                                  "cli_fd", mw->cli_fd, "stats_fd",
                                  mw->st_region ? mw->st_region->fd : -1));
        }
        sl_list_for_each(pos, &m->ctl_conns) {
                struct ctl_conn *c = sl_list_entry(pos, struct ctl_conn, link);

                if (c->waiting_reload && keep_fd(c->fd))
                        json_array_append_new(waiting, json_integer(c->fd));
        }
        sl_list_for_each(pos, &m->tables) {
                struct mtable *mt = sl_list_entry(pos, struct mtable, link);
                char hash[24];

                if (!keep_fd(mt->region->fd))
                        goto errno_out;
                snprintf(hash, sizeof(hash), "%llu", (unsigned long long)mt->hash);
                json_array_append_new(tables,
                                      json_pack("{s:s, s:s, s:i, s:i, s:i}", "name", mt->name,
                                                "hash", hash, "fd", mt->region->fd, "gen",
                                                (int)mt->gen, "id", (int)mt->id));
        }
        r = mstats_save(m, st);
        if (r < 0)
                goto out;
        r = -ENOMEM;
        json_object_set(st, "tables", tables);
        json_object_set(st, "socks", socks);
        json_object_set(st, "workers", workers);
        json_object_set(st, "ctl_waiting", waiting);
        text = json_dumps(st, JSON_COMPACT);
        if (!text)
                goto out;
        fd = memfd_create("sluice-master-state", 0);
        if (fd == -1)
                goto errno_out;
        if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || lseek(fd, 0, SEEK_SET) != 0)
                goto errno_out;
        snprintf(env, sizeof(env), "%d", fd);
        setenv(MASTER_STATE_ENV, env, 1);
        sl_log(LOG_NOTICE, "reload: re-executing '%s'", m->exe);
        execv(m->exe, m->cli->argv);
errno_out:
        r = -errno;
        unsetenv(MASTER_STATE_ENV);
        if (fd >= 0)
                close(fd);
out:
        free(text);
        free(dump);
        json_decref(st);
        json_decref(socks);
        json_decref(workers);
        json_decref(waiting);
        json_decref(tables);
        return r;
}

static int json_int(json_t *o, const char *key)
{
        return (int)json_integer_value(json_object_get(o, key));
}
/* Map the server-state table of the previous program. One of another layout (an upgrade
 * that changed the record) is let go: its workers keep their own mapping, the master shows
 * their servers without runtime state, and the next reload makes a table of this layout. */
static bool srv_table_attach(struct shm_region **r, struct srv_state_table **ret)
{
        int err = srv_state_attach(*r, ret);

        if (err == -EPROTO) {
                sl_log(LOG_WARNING, "re-executed master: the servers' state of the previous "
                                    "program has another layout: it starts again from the "
                                    "configuration at the next reload");
                *r = shm_region_free(*r);
                *ret = NULL;
                return true;
        }
        return err == 0;
}

int reexec_restore(struct master *m, int (*setup)(struct master *m))
{
        struct cfg_diags diags = {0};
        const char *env = getenv(MASTER_STATE_ENV);
        json_t *st, *v;
        json_error_t jerr;
        size_t i;
        int fd = env ? atoi(env) : -1, rfd, cfd;
        FILE *f;

        unsetenv(MASTER_STATE_ENV);
        f = fd >= 0 ? fdopen(fd, "r") : NULL;
        st = f ? json_loadf(f, 0, &jerr) : NULL;
        if (f)
                fclose(f);
        if (!st) {
                sl_log(LOG_CRIT, "re-executed master: unreadable state, exiting");
                return -EBADMSG;
        }
        if (setup(m) < 0)
                goto fail;
        m->gen_no = (unsigned)json_int(st, "gen_no");
        m->reloads = (unsigned)json_int(st, "reloads");
        m->failed_reloads = (unsigned)json_int(st, "failed_reloads");
        m->n_slots = (unsigned)json_int(st, "n_slots");
        m->maxconn = (unsigned)json_int(st, "maxconn");
        m->started_ms = (uint64_t)json_integer_value(json_object_get(st, "started_ms"));
        m->gen_started_wall_ms =
                (uint64_t)json_integer_value(json_object_get(st, "gen_started_wall_ms"));
        v = json_object_get(st, "config");
        if (cfg_load_text("running configuration", json_string_value(v) ?: "",
                          strlen(json_string_value(v) ?: ""), NULL, &m->gen, &diags) < 0) {
                master_print_diags(stderr, &diags);
                cfg_diags_clear(&diags);
                sl_log(LOG_CRIT, "re-executed master: cannot load the running configuration");
                goto fail;
        }
        cfg_diags_clear(&diags);
        rfd = json_int(st, "srv_region");
        if (rfd >= 0 && (shm_region_open(rfd, SRV_STATE_KIND, 0, &m->srv_region) < 0 ||
                         !srv_table_attach(&m->srv_region, &m->srv_table)))
                goto fail;
        rfd = json_int(st, "old_region");
        if (rfd >= 0 && (shm_region_open(rfd, SRV_STATE_KIND, 0, &m->old_region) < 0 ||
                         !srv_table_attach(&m->old_region, &m->old_table)))
                goto fail;
        m->n_servers = (uint32_t)json_int(st, "n_servers");
        m->old_n_servers = (uint32_t)json_int(st, "old_n_servers");
        rfd = json_int(st, "held_region");
        if (rfd >= 0 && shm_region_open(rfd, "srv-held", m->n_servers, &m->held_region) < 0)
                goto fail;
        rfd = json_int(st, "old_held");
        if (rfd >= 0 && shm_region_open(rfd, "srv-held", m->old_n_servers, &m->old_held) < 0)
                goto fail;
        m->next_table_id = (unsigned)json_int(st, "next_table_id");
        m->listeners_paused = json_is_true(json_object_get(st, "listeners_paused"));
        /* absent in the state of an image that did not steer connections */
        m->loads_refused = json_is_true(json_object_get(st, "loads_refused"));
        m->steer_leastconn = json_is_true(json_object_get(st, "steer_leastconn"));
        v = json_object_get(st, "loads");
        rfd = v ? (int)json_integer_value(v) : -1;
        if (rfd >= 0) {
                int lr;

                (void)fcntl(rfd, F_SETFD, FD_CLOEXEC);
                lr = reuseport_loads_adopt(&m->loads, rfd);
                if (lr < 0) {
                        /* the programs keep their map, but new workers could not write it:
                         * the kernel's hash spreads the connections */
                        log_errno(LOG_ERR, lr, "re-executed master: cannot map the workers' loads");
                        m->loads_refused = true;
                }
        }
        /* absent in the state of an image that had no TLS keys */
        v = json_object_get(st, "tls_keys");
        rfd = v ? (int)json_integer_value(v) : -1;
        if (rfd >= 0)
                (void)fcntl(rfd, F_SETFD, FD_CLOEXEC);
        v = json_object_get(st, "tls_cache");
        cfd = v ? (int)json_integer_value(v) : -1;
        if (cfd >= 0)
                (void)fcntl(cfd, F_SETFD, FD_CLOEXEC);
        if (mtls_resume(m, rfd) < 0 ||
            mtls_cache_resume(m, cfd, (unsigned)json_int(st, "tls_cache_entries")) < 0) {
                sl_log(LOG_CRIT, "re-executed master: cannot map the TLS keys and cache");
                goto fail;
        }
        /* The running generation's files are read again: they may have changed (the reload
         * that follows then fails). Its workers keep their own contexts and keep serving. */
        if (mtls_build_current(m, m->gen) < 0)
                sl_log(LOG_ERR, "re-executed master: the TLS files of the running generation "
                                "no longer load; its workers keep serving, but one that dies "
                                "cannot be replaced until a reload succeeds");
        rfd = json_int(st, "ledger");
        if (rfd >= 0) {
                if (shm_region_open(rfd, "stick-ledger", 0, &m->ledger) < 0)
                        goto fail;
                (void)fcntl(rfd, F_SETFD, FD_CLOEXEC);
        }
        json_array_foreach(json_object_get(st, "tables"), i, v)
        {
                struct mtable *mt = calloc(1, sizeof(*mt));
                const char *name = json_string_value(json_object_get(v, "name"));
                const char *hash = json_string_value(json_object_get(v, "hash"));

                if (!mt)
                        goto fail;
                mt->name = strdup(name ? name : "");
                mt->hash = hash ? strtoull(hash, NULL, 10) : 0;
                mt->gen = (unsigned)json_int(v, "gen");
                mt->id = (unsigned)json_int(v, "id");
                sl_list_push_back(&m->tables, &mt->link);
                rfd = json_int(v, "fd");
                if (!mt->name || shm_region_open(rfd, STKT_KIND, mt->hash, &mt->region) < 0 ||
                    stkt_attach(mt->region, &mt->t) < 0) {
                        sl_log(LOG_CRIT, "re-executed master: cannot map stick-table '%s'",
                               mt->name ? mt->name : "?");
                        goto fail;
                }
                (void)fcntl(rfd, F_SETFD, FD_CLOEXEC);
        }
        if (mstats_restore(m, st) < 0)
                goto fail;
        json_array_foreach(json_object_get(st, "socks"), i, v)
        {
                struct msock *ms = calloc(1, sizeof(*ms));
                json_t *fds = json_object_get(v, "fds");

                if (!ms)
                        goto fail;
                snprintf(ms->key, sizeof(ms->key), "%s",
                         json_string_value(json_object_get(v, "key")) ?: "");
                ms->inherited = json_is_true(json_object_get(v, "inherited"));
                ms->stats = json_is_true(json_object_get(v, "stats"));
                ms->steer = json_object_get(v, "steer") ? (int)json_int(v, "steer") : -1;
                ms->steer_in = (uint64_t)json_integer_value(json_object_get(v, "steer_in"));
                if (ms->steer >= 0)
                        (void)fcntl(ms->steer, F_SETFD, FD_CLOEXEC);
                for (unsigned k = 0; k < MASTER_MAX_SLOTS; k++) {
                        ms->fds[k] = (int)json_integer_value(json_array_get(fds, k));
                        if (ms->fds[k] >= 0) {
                                (void)fcntl(ms->fds[k], F_SETFD, FD_CLOEXEC);
                                ms->n = k + 1;
                        }
                }
                sl_list_push_back(&m->socks, &ms->link);
        }
        json_array_foreach(json_object_get(st, "workers"), i, v)
        {
                struct mworker *mw = calloc(1, sizeof(*mw));

                if (!mw)
                        goto fail;
                mw->m = m;
                mw->pid = json_int(v, "pid");
                mw->slot = (unsigned)json_int(v, "slot");
                mw->gen = (unsigned)json_int(v, "gen");
                mw->status_fd = json_int(v, "status_fd");
                mw->cli_fd = json_object_get(v, "cli_fd") ? json_int(v, "cli_fd") : -1;
                if (mw->cli_fd >= 0)
                        (void)fcntl(mw->cli_fd, F_SETFD, FD_CLOEXEC);
                mw->ready = json_is_true(json_object_get(v, "ready"));
                mw->stopping = json_is_true(json_object_get(v, "stopping"));
                mw->closed_listeners = json_is_true(json_object_get(v, "closed"));
                mw->started_ms = (uint64_t)json_integer_value(json_object_get(v, "started_ms"));
                mw->ledger_row = json_object_get(v, "ledger_row") ? json_int(v, "ledger_row") : -1;
                if (mw->ledger_row >= MASTER_LEDGER_ROWS)
                        mw->ledger_row = -1;
                if (mw->ledger_row >= 0)
                        m->ledger_used[mw->ledger_row] = true;
                if (mw->status_fd >= 0)
                        (void)fcntl(mw->status_fd, F_SETFD, FD_CLOEXEC);
                sl_list_push_back(&m->workers, &mw->link);
                if (mstats_restore_row(m, mw,
                                       json_object_get(v, "stats_fd") ? json_int(v, "stats_fd")
                                                                      : -1) < 0)
                        sl_log(LOG_WARNING,
                               "re-executed master: cannot map the statistics of "
                               "worker %d: its counts are lost",
                               (int)mw->pid);
        }
        rfd = json_int(st, "ctl_fd");
        if (rfd >= 0) {
                (void)fcntl(rfd, F_SETFD, FD_CLOEXEC);
                ctl_listen(m, rfd);
        }
        json_array_foreach(json_object_get(st, "ctl_waiting"), i, v)
        {
                rfd = (int)json_integer_value(v);
                (void)fcntl(rfd, F_SETFD, FD_CLOEXEC);
                if (ctl_adopt(m, rfd) < 0)
                        goto fail;
        }
        m->hard_stop_at = (uint64_t)json_integer_value(json_object_get(st, "hard_stop_at"));
        json_decref(st);
        return 0;
fail:
        json_decref(st);
        return -EPROTO;
}

bool reexec_resuming(void)
{
        return getenv(MASTER_STATE_ENV) != NULL;
}
