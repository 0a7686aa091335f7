/* Server-state files (mstate.h): at a cold start, the servers' runtime state restored from
 * the file each backend loads (load-server-state-from-file), where the configuration allows:
 * a server whose address, port, weight or other settings differ from what the file says it
 * had keeps the configuration's values and starts afresh, and the log names what differed.
 * At every reload and at stop, the master writes sluice's own file (config/state_file.h),
 * atomically, so the same rule holds across a restart. A reload carries state through shared
 * memory (mstate_servers_carry()), not through the file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "ipaddr.h"
#include "log.h"
#include "master-t.h"
#include "model.h"
#include "mstate.h"
#include "srv_state.h"
#include "state_file.h"

/* The address as configured, one word: the IP, or the host name or path as written */
static const char *cfg_addr_word(const struct cfg_server *sv, char *buf, size_t size)
{
        const struct cfg_addr *a = &sv->addr;

        if (a->resolved || a->family == CFG_ADDR_NAME || a->family == CFG_ADDR_UNIX ||
            a->family == CFG_ADDR_ABNS)
                snprintf(buf, size, "%s", a->name[0] ? a->name : "-");
        else
                sl_ip_str(&a->ss, buf, size, "-");
        for (char *p = buf; *p; p++)
                if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
                        *p = '?';
        return buf;
}

/* What differs between the server the file describes and the configuration's, into @diff
 * ("" when nothing does). */
static void entry_diff(const struct cfg_state_entry *e, const struct cfg_server *sv, char *diff,
                       size_t size)
{
        char a[300], b[300];

        diff[0] = '\0';
        if (e->sluice) {
                cfg_addr_word(sv, a, sizeof(a));
                if (strcmp(e->cfg_addr, a) != 0)
                        mstate_list_add(diff, size, "address %s -> %s", e->cfg_addr, a);
                if (e->cfg_port != sv->addr.port_low)
                        mstate_list_add(diff, size, "port %u -> %u", e->cfg_port,
                                        sv->addr.port_low);
                if (e->cfg_weight != sv->opts.weight)
                        mstate_list_add(diff, size, "weight %u -> %u", e->cfg_weight,
                                        sv->opts.weight);
                if (e->cfg_sum != cfg_server_fingerprint(sv))
                        mstate_list_add(diff, size, "other settings (options, TLS, checks)");
                return;
        }
        /* HAProxy's file holds the address and port in use and the configured weight: an IP
         * written in the configuration wins over the file's (a host name's address is the
         * file's with init-addr last, applied at load) */
        if (e->has_addr && !sv->addr.resolved && sv->addr.family != CFG_ADDR_NAME &&
            (sv->addr.ss.ss_family == AF_INET || sv->addr.ss.ss_family == AF_INET6) &&
            !sl_same_ip(&e->addr, &sv->addr.ss))
                mstate_list_add(diff, size, "address %s -> %s",
                                sl_ip_str(&e->addr, a, sizeof(a), "-"),
                                sl_ip_str(&sv->addr.ss, b, sizeof(b), "-"));
        if (e->port && sv->addr.has_port && e->port != sv->addr.port_low)
                mstate_list_add(diff, size, "port %u -> %u", e->port, sv->addr.port_low);
        if (e->cfg_weight != sv->opts.weight)
                mstate_list_add(diff, size, "weight %u -> %u", e->cfg_weight, sv->opts.weight);
}

static void restore(const struct cfg_state_entry *e, const struct cfg_server *sv,
                    struct srv_state_rec *rec)
{
        uint32_t admin = ((e->admin & CFG_STATE_ADMIN_MAINT) ? SRV_ADMIN_MAINT : 0) |
                         ((e->admin & CFG_STATE_ADMIN_DRAIN) ? SRV_ADMIN_DRAIN : 0);
        const struct cfg_server_check *k = &sv->opts.check;

        srv_state_set_weight(rec, e->weight);
        if (e->sluice)
                srv_state_set_admin(rec, admin, ~admin);
        else if (!sv->no_addr)
                /* HAProxy's file: what an operator forced; the configuration's "disabled"
                 * stays the configuration's */
                srv_state_set_admin(rec, admin, SRV_ADMIN_DRAIN);
        if (k->enabled && e->checked) {
                unsigned full = k->rise + k->fall - 1;
                struct srv_chk_result res = {
                        .status = e->sluice ? (enum srv_chk_status)e->chk_status
                                            : srv_chk_status_from_haproxy(e->chk_status),
                        .code = e->chk_code};

                if (res.status >= SRV_CHK_COUNT)
                        res.status = SRV_CHK_UNKNOWN;
                srv_state_set_health(rec, e->health > full ? full : e->health);
                srv_state_chk_write(rec, &res);
                srv_state_set_op(rec, e->op == CFG_STATE_OP_DOWN   ? SRV_OP_DOWN
                                      : e->op == CFG_STATE_OP_NOLB ? SRV_OP_NOLB
                                                                   : SRV_OP_UP);
        }
        if (e->sluice && e->addr_set && e->has_addr)
                srv_state_set_addr(rec, &e->addr, e->port);
        if (e->sluice && e->maxconn_set)
                srv_state_set_maxconn(rec, e->maxconn);
        if (e->last_change_ms)
                srv_state_set_last_change(rec, e->last_change_ms);
}

void mstate_file_apply(struct master *m, const struct cfg_gen *g)
{
        uint32_t base = 0, restored = 0, refused = 0;
        char diff[1024], path[4096];

        for (size_t i = 0; i < g->n_proxies && m->srv_table; i++) {
                const struct cfg_proxy *px = g->proxies[i];
                const char *file = cfg_proxy_state_path(g, px, path, sizeof(path));

                for (size_t j = 0; file && j < px->n_servers && base + j < m->n_servers; j++) {
                        const struct cfg_server *sv = &px->servers[j];
                        const struct cfg_state_entry *e = sv->state;

                        if (!e)
                                continue;
                        entry_diff(e, sv, diff, sizeof(diff));
                        if (diff[0]) {
                                sl_log(LOG_NOTICE,
                                       "server-state file %s:%u: server '%s/%s' changed in the "
                                       "configuration since: %s (the configuration's is used, "
                                       "its runtime state is not restored)",
                                       file, e->line, px->name, sv->name, diff);
                                refused++;
                                continue;
                        }
                        restore(e, sv, srv_state_rec(m->srv_table, base + (uint32_t)j));
                        restored++;
                }
                base += (uint32_t)px->n_servers;
        }
        if (restored || refused)
                sl_log(LOG_NOTICE,
                       "server-state file: the runtime state of %u servers restored, %u left "
                       "to the configuration",
                       restored, refused);
}

/* One server's line of sluice's format */
static void write_line(FILE *out, const struct cfg_proxy *px, const struct cfg_server *sv,
                       const struct srv_state_rec *rec)
{
        struct sockaddr_storage ss = sv->addr.ss, rss;
        struct srv_chk_result res = {.status = SRV_CHK_UNKNOWN};
        char cfg[300], ip[INET6_ADDRSTRLEN + 1];
        unsigned port = sv->addr.port_low;
        uint16_t rport = 0;
        uint32_t seq, mc = atomic_load(&rec->maxconn);
        /* the runtime address, the master's or DNS's (DNS's "no address" is none) */
        bool set = srv_state_addr(rec, &rss, &rport, &seq) &&
                   (rss.ss_family == AF_INET || rss.ss_family == AF_INET6);
        bool checked = srv_state_chk_flags(rec) & SRV_CHK_F_CHECKED;

        if (set) {
                ss = rss;
                if (rport)
                        port = rport;
        }
        if (checked && !srv_state_chk_read(rec, &res))
                res.status = SRV_CHK_UNKNOWN;
        fprintf(out, "%s %s %s %u %u %016" PRIx64 " %s %u %d %d %u %u %u %d %u %u %" PRIu64 " ",
                px->name, sv->name, cfg_addr_word(sv, cfg, sizeof(cfg)), sv->addr.port_low,
                sv->opts.weight, cfg_server_fingerprint(sv),
                sv->no_addr && !set ? "-" : sl_ip_str(&ss, ip, sizeof(ip), "-"), port, set ? 1 : 0,
                srv_state_op(rec) == SRV_OP_DOWN   ? CFG_STATE_OP_DOWN
                : srv_state_op(rec) == SRV_OP_NOLB ? CFG_STATE_OP_NOLB
                                                   : CFG_STATE_OP_UP,
                ((srv_state_admin(rec) & SRV_ADMIN_MAINT) ? CFG_STATE_ADMIN_MAINT : 0u) |
                        ((srv_state_admin(rec) & SRV_ADMIN_DRAIN) ? CFG_STATE_ADMIN_DRAIN : 0u),
                srv_state_weight(rec), srv_state_health(rec), checked ? 1 : 0, (unsigned)res.status,
                res.code, srv_state_last_change(rec));
        if (mc & SRV_STATE_MAXCONN_SET)
                fprintf(out, "%u\n", mc & ~SRV_STATE_MAXCONN_SET);
        else
                fputs("-\n", out);
}

/* Write the servers of the backends that load @path, to a temporary then renamed over it */
static int write_file(struct master *m, const struct cfg_gen *g, const char *path)
{
        char tmp[4200], other[4096], dirbuf[4096];
        size_t n = 0;
        uint32_t base = 0;
        FILE *out;
        int fd, r = 0;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        out = fdopen(fd, "w");
        if (!out) {
                r = -errno;
                close(fd);
                unlink(tmp);
                return r;
        }
        fputs("sluice-server-state 1\n"
              "# be srv cfg_addr cfg_port cfg_weight cfg_sum addr port addr_set op admin weight "
              "health checked chk_status chk_code last_change_ms maxconn\n",
              out);
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];
                const char *mine = cfg_proxy_state_path(g, px, other, sizeof(other));

                for (size_t j = 0; mine && strcmp(mine, path) == 0 && j < px->n_servers &&
                                   base + j < m->n_servers;
                     j++, n++)
                        write_line(out, px, &px->servers[j],
                                   srv_state_rec(m->srv_table, base + (uint32_t)j));
                base += (uint32_t)px->n_servers;
        }
        fprintf(out, "end %zu\n", n);
        if (fflush(out) != 0 || fsync(fileno(out)) != 0)
                r = -errno;
        if (fclose(out) != 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) != 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        /* the rename itself made durable */
        snprintf(dirbuf, sizeof(dirbuf), "%s", path);
        fd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
                (void)fsync(fd);
                close(fd);
        }
        sl_log(LOG_INFO, "server-state file '%s': %zu servers written", path, n);
        return 0;
}

void mstate_file_write(struct master *m, const struct cfg_gen *g)
{
        char path[4096], seen[4096];

        if (!g || !m->srv_table)
                return;
        for (size_t i = 0; i < g->n_proxies; i++) {
                const char *p = cfg_proxy_state_path(g, g->proxies[i], path, sizeof(path));
                bool first = true;
                int r;

                if (!p || !g->proxies[i]->n_servers)
                        continue;
                /* once per file: the first backend that loads it writes it */
                for (size_t k = 0; k < i && first; k++) {
                        const char *q = cfg_proxy_state_path(g, g->proxies[k], seen, sizeof(seen));

                        first = !(q && g->proxies[k]->n_servers && strcmp(q, p) == 0);
                }
                if (!first)
                        continue;
                r = write_file(m, g, p);
                if (r < 0)
                        log_errno(LOG_WARNING, r, "cannot write the server-state file '%s'", p);
        }
}
