/* The listening sockets the master opens and hands to its workers (msock.h): a bind line's
 * sockets, one per worker slot and address, and the stats sockets, slot 0's only. They
 * belong to the master, keyed by address, so that a reload keeps the sockets whose address
 * did not change: the next generation's worker in slot N accepts from the very socket (and
 * accept queue) the previous one used, and no SYN is lost. master.c applies a generation's
 * configuration here; child.c gives a new worker its sockets. */
#include "msock.h"

#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "master-t.h"
#include "model.h"
#include "reuseport.h"

#define MASTER_BACKLOG 4096

/* What makes a listening socket on @a the same across reloads, with the options of bind @b
 * (NULL for a stats socket). */
static void addr_key(const struct cfg_addr *a, const struct cfg_bind *b, unsigned port, char *key,
                     size_t size)
{
        size_t off;

        if (a->family == CFG_ADDR_FD) {
                snprintf(key, size, "fd@%d", a->fd);
                return;
        }
        if (a->family == CFG_ADDR_UNIX || a->family == CFG_ADDR_ABNS) {
                snprintf(key, size, "%s@%s", a->family == CFG_ADDR_UNIX ? "unix" : "abns", a->name);
                return;
        }
        /* options that only a new socket can change are part of what makes it the same */
        off = (size_t)snprintf(key, size, "%d:%u:%s%s%s:", (int)a->family, port,
                               b && b->v6only ? "v6only," : "", b && b->v4v6 ? "v4v6," : "",
                               b && b->tfo ? "tfo," : "");
        for (socklen_t i = 0; i < a->ss_len && off + 3 < size; i++)
                off += (size_t)snprintf(key + off, size - off, "%02x",
                                        ((const unsigned char *)&a->ss)[i]);
}

static void sock_key(const struct cfg_bind *b, unsigned port, char *key, size_t size)
{
        addr_key(&b->addr, b, port, key, size);
}

/* A stats socket is never the same socket as a bind line's, even on the same address. */
static void stats_key(const struct cfg_stats_socket *s, char *key, size_t size)
{
        size_t off = (size_t)snprintf(key, size, "stats ");

        addr_key(&s->addr, NULL, s->addr.port_low, key + off, size - off);
}

static struct msock *sock_find(struct master *m, const char *key)
{
        struct sl_list *pos;

        sl_list_for_each(pos, &m->socks) {
                struct msock *ms = sl_list_entry(pos, struct msock, link);

                if (strcmp(ms->key, key) == 0)
                        return ms;
        }
        return NULL;
}

/* A socket systemd passed that listens on @b's address (and @port), taken out of the list
 * of those not yet used; or -1. With socket activation, systemd binds (and may hold the port
 * across restarts) and sluice uses its socket, shared by every worker slot, like fd@N. */
static int sock_from_systemd(struct master *m, const struct cfg_bind *b, unsigned port)
{
        struct sockaddr_storage want = b->addr.ss;
        socklen_t want_len = b->addr.ss_len;

        if (b->addr.family == CFG_ADDR_IPV4)
                ((struct sockaddr_in *)&want)->sin_port = htons((uint16_t)port);
        else if (b->addr.family == CFG_ADDR_IPV6)
                ((struct sockaddr_in6 *)&want)->sin6_port = htons((uint16_t)port);
        else if (b->addr.family != CFG_ADDR_UNIX)
                return -1;
        for (unsigned i = 0; i < m->n_sd_fds; i++) {
                struct sockaddr_storage ss;
                socklen_t len = sizeof(ss);
                int fd = m->sd_fds[i];

                if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
                    ss.ss_family != want.ss_family)
                        continue;
                if (ss.ss_family == AF_UNIX
                            ? strcmp(((struct sockaddr_un *)&ss)->sun_path, b->addr.name) != 0
                            : (len != want_len || memcmp(&ss, &want, len) != 0))
                        continue;
                m->sd_fds[i] = m->sd_fds[--m->n_sd_fds];
                return fd;
        }
        return -1;
}

/* A listening socket on @a (@port for an IP address), with the options of bind @b and of its
 * frontend @fe (both NULL for a stats socket). */
static int sock_open_one(const struct cfg_addr *a, const struct cfg_bind *b,
                         const struct cfg_proxy *fe, unsigned port)
{
        struct sockaddr_storage ss = a->ss;
        int fd, one = 1, r;

        if (a->family == CFG_ADDR_IPV4)
                ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
        else if (a->family == CFG_ADDR_IPV6)
                ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd == -1)
                return -errno;
        if (ss.ss_family != AF_UNIX) {
                (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
                (void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
                (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        }

        /* HAProxy's bind v6only / v4v6; neither: the system's default (net.ipv6.bindv6only) */
        if (ss.ss_family == AF_INET6 && b && (b->v6only || b->v4v6)) {
                int v6only = b->v6only;

                (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
        }
        if (b && b->tfo && ss.ss_family != AF_UNIX) {
                int qlen = MASTER_BACKLOG;

                (void)setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN, &qlen, sizeof(qlen));
        }
        if (a->family == CFG_ADDR_UNIX)
                (void)unlink(a->name);
        if (bind(fd, (struct sockaddr *)&ss, a->ss_len) == -1 || listen(fd, MASTER_BACKLOG) == -1) {
                r = -errno;
                close(fd);
                return r;
        }
        /* option tcp-smart-accept (by default in mode http): the accepted connections send
         * no ACK of their own for the request, the response carries it; set either way, as
         * HAProxy does, and after listen(), which resets it */
        if (fe && ss.ss_family != AF_UNIX) {
                int quickack = !cfg_proxy_smart_accept(fe);

                (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &quickack, sizeof(quickack));
        }
        return fd;
}

/* A socket keyed @key, none open yet, in master.socks; or NULL. */
static struct msock *sock_new(struct master *m, const char *key, bool inherited)
{
        struct msock *ms = calloc(1, sizeof(*ms));

        if (!ms)
                return NULL;
        for (unsigned k = 0; k < MASTER_MAX_SLOTS; k++)
                ms->fds[k] = -1;
        ms->steer = -1;
        snprintf(ms->key, sizeof(ms->key), "%s", key);
        ms->inherited = inherited;
        sl_list_push_back(&m->socks, &ms->link);
        return ms;
}

static void sock_free(struct msock *ms)
{
        sl_list_del(&ms->link);
        if (ms->steer >= 0)
                close(ms->steer);
        for (unsigned i = 0; i < MASTER_MAX_SLOTS; i++)
                if (ms->fds[i] >= 0 && !(ms->inherited && i > 0))
                        close(ms->fds[i]);
        free(ms);
}

/* Stats socket @s names a @what ("user" or "group") @name that the system does not know. */
static int stats_unknown(const struct cfg_stats_socket *s, const char *what, const char *name)
{
        sl_log(LOG_ERR, "%s:%u: stats socket: unknown %s '%s'", s->where.file, s->where.line, what,
               name);
        return -EINVAL;
}

/* A stats socket's: bound with the owner and permissions the line asks for (Unix). */
static int stats_open(const struct cfg_stats_socket *s)
{
        uid_t uid = (uid_t)-1;
        gid_t gid = (gid_t)-1;
        struct passwd *pw;
        struct group *gr;
        int fd;

        if (s->user) {
                pw = getpwnam(s->user);
                if (!pw)
                        return stats_unknown(s, "user", s->user);
                uid = pw->pw_uid;
        }
        if (s->group) {
                gr = getgrnam(s->group);
                if (!gr)
                        return stats_unknown(s, "group", s->group);
                gid = gr->gr_gid;
        }
        fd = sock_open_one(&s->addr, NULL, NULL, s->addr.port_low);
        if (fd < 0 || s->addr.family != CFG_ADDR_UNIX)
                return fd;
        if ((s->mode && chmod(s->addr.name, s->mode) == -1) ||
            ((s->user || s->group) && chown(s->addr.name, uid, gid) == -1)) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

/* Open (or keep) stats socket @s, for the first worker slot: one worker answers, so that
 * every answer comes from the same process. */
static int stats_apply(struct master *m, const struct cfg_stats_socket *s)
{
        char key[300];
        struct msock *ms;

        stats_key(s, key, sizeof(key));
        ms = sock_find(m, key);
        if (!ms) {
                ms = sock_new(m, key, s->addr.family == CFG_ADDR_FD);
                if (!ms)
                        return -ENOMEM;
                ms->stats = true;
        }
        ms->wanted = true;
        if (ms->fds[0] < 0) {
                int fd = ms->inherited ? s->addr.fd : stats_open(s), acc = 0;
                socklen_t len = sizeof(acc);

                if (ms->inherited &&
                    (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) == -1 || !acc)) {
                        sl_log(LOG_ERR, "%s:%u: stats socket: fd@%d is not a listening socket",
                               s->where.file, s->where.line, fd);
                        return -EBADF;
                }

                if (fd < 0)
                        return log_errno(LOG_ERR, fd, "%s:%u: cannot open the stats socket",
                                         s->where.file, s->where.line);
                ms->fds[0] = fd;
                ms->n = 1;
        }
        return 0;
}

/* A local peer's listening socket is never a bind line's or a stats socket's. */
static void peers_key(const struct cfg_bind *b, char *key, size_t size)
{
        size_t off = (size_t)snprintf(key, size, "peers ");

        addr_key(&b->addr, b, b->addr.port_low, key + off, size - off);
}

/* Open (or keep) the listening socket of peers bind @b, for the worker that owns the peer
 * links (slot 0). Kept by the master, so a new owner after a reload or a respawn accepts on
 * the same socket: a peer connecting meanwhile waits in its queue. */
static int peers_apply(struct master *m, const struct cfg_peers *ps, const struct cfg_bind *b)
{
        char key[300];
        struct msock *ms;

        peers_key(b, key, sizeof(key));
        ms = sock_find(m, key);
        if (!ms) {
                ms = sock_new(m, key, false);
                if (!ms)
                        return -ENOMEM;
                ms->stats = true; /* one socket, slot 0; not paused with the proxies' */
        }
        ms->wanted = true;
        if (ms->fds[0] < 0) {
                int fd = sock_open_one(&b->addr, b, NULL, b->addr.port_low);

                if (fd < 0)
                        return log_errno(LOG_ERR, fd, "%s:%u: peers '%s': cannot bind",
                                         b->where.file, b->where.line, ps->name);
                ms->fds[0] = fd;
                ms->n = 1;
        }
        return 0;
}

/* The kernel refused the steering program or its maps (@r): said once, and the kernel's
 * hash spreads the connections. */
static void steer_refused(struct master *m, int r)
{
        if (m->loads_refused)
                return;
        m->loads_refused = true;
        log_errno(LOG_NOTICE, r,
                  "tune.sluice.accept-balance leastconn: cannot attach the program that gives "
                  "each new connection to the less loaded of two workers (needs Linux 5.14 and "
                  "CAP_BPF); the kernel's hash spreads them");
}

/* Whether @ms is a bind line's SO_REUSEPORT group of sockets of its own (TCP, not shared
 * from systemd or fd@N): what a reuseport program can be attached to. */
static bool sock_group(const struct msock *ms)
{
        int domain = AF_UNSPEC;
        socklen_t len = sizeof(domain);

        return !ms->inherited && !ms->stats && ms->fds[0] >= 0 &&
               getsockopt(ms->fds[0], SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
               (domain == AF_INET || domain == AF_INET6);
}

/* Attach the migrate program to @ms's group (reuseport.h), once: a failure is said once. */
static void sock_migrate(struct msock *ms)
{
        static bool warned;
        int r;

        if (ms->migrate_on)
                return;
        r = reuseport_migrate(ms->fds[0]);
        ms->migrate_on = r == 0;
        if (r < 0 && !warned) {
                warned = true;
                log_errno(LOG_NOTICE, r,
                          "cannot ask the kernel to move queued connections off the listening "
                          "sockets a reload closes (needs Linux 5.14 and CAP_BPF); "
                          "net.ipv4.tcp_migrate_req=1 does it for every socket");
        }
}

/* Give bind socket group @ms the program @leastconn asks for: steering over the workers'
 * loads, with the sockets of its first @n slots in its socket map, or the migrate program
 * alone (reuseport.h). A group keeps its program when sockets join it (a reload that adds
 * workers), so it is attached only when the group has not got it yet; sockets opened since
 * are added to the socket map, and one the kernel refused (still in a map being released)
 * is tried again at the next reload. Best effort: the group accepts whatever happens here. */
static void sock_steer(struct master *m, struct msock *ms, unsigned n, bool leastconn)
{
        int r;

        if (!sock_group(ms))
                return;
        if (leastconn && m->loads.map_fd >= 0 && ms->steer < 0) {
                r = reuseport_steer(ms->fds[0], &m->loads, &ms->steer);
                if (r < 0)
                        steer_refused(m, r);
                ms->steer_in = 0;
                ms->migrate_on = false;
        }
        if (!leastconn || ms->steer < 0) {
                if (ms->steer >= 0) {
                        close(ms->steer);
                        ms->steer = -1;
                        ms->steer_in = 0;
                }
                sock_migrate(ms);
                return;
        }
        for (unsigned k = 0; k < n && k < REUSEPORT_MAX_SLOTS; k++) {
                if (ms->fds[k] < 0 || (ms->steer_in & (UINT64_C(1) << k)))
                        continue;
                r = reuseport_steer_add(ms->steer, k, ms->fds[k]);
                if (r < 0)
                        log_errno(LOG_INFO, r, "listening socket %s, slot %u: not steered", ms->key,
                                  k);
                else
                        ms->steer_in |= UINT64_C(1) << k;
        }
        /* closed sockets left the map by themselves */
        ms->steer_in &= n >= REUSEPORT_MAX_SLOTS ? UINT64_MAX : (UINT64_C(1) << n) - 1;
}

/* The loads map, made the first time a generation asks for leastconn. */
static bool loads_ready(struct master *m, const struct cfg_gen *gen)
{
        int r;

        if (gen->global.accept_hash)
                return false;
        if (m->loads.map_fd >= 0)
                return true;
        if (m->loads_refused)
                return false;
        r = reuseport_loads_new(&m->loads);
        if (r < 0) {
                steer_refused(m, r);
                return false;
        }
        return true;
}

int msock_apply(struct master *m, const struct cfg_gen *gen, unsigned n_slots)
{
        bool leastconn = loads_ready(m, gen);
        struct sl_list *pos, *tmp;

        sl_list_for_each(pos, &m->socks) {
                sl_list_entry(pos, struct msock, link)->wanted = false;
        }
        for (size_t i = 0; i < gen->n_proxies; i++) {
                const struct cfg_proxy *fe = gen->proxies[i];

                if (!(fe->cap & CFG_CAP_FE))
                        continue;
                for (size_t j = 0; j < fe->n_binds; j++) {
                        const struct cfg_bind *b = &fe->binds[j];

                        for (unsigned port = b->addr.port_low; port <= b->addr.port_high; port++) {
                                char key[300];
                                struct msock *ms;

                                sock_key(b, port, key, sizeof(key));
                                ms = sock_find(m, key);
                                if (!ms) {
                                        ms = sock_new(m, key, b->addr.family == CFG_ADDR_FD);
                                        if (!ms)
                                                return -ENOMEM;
                                        if (!ms->inherited) {
                                                int sd = sock_from_systemd(m, b, port);

                                                if (sd >= 0) {
                                                        sl_log(LOG_NOTICE,
                                                               "%s:%u: using the socket systemd "
                                                               "passed (fd %d)",
                                                               b->where.file, b->where.line, sd);
                                                        ms->inherited = true;
                                                        for (unsigned k = 0; k < n_slots; k++)
                                                                ms->fds[k] = sd;
                                                }
                                        }
                                }
                                ms->wanted = true;
                                for (unsigned k = 0; k < n_slots; k++) {
                                        int fd;

                                        if (ms->fds[k] >= 0)
                                                continue;
                                        /* fd@N or systemd's: one socket shared by every slot */
                                        fd = ms->inherited ? (k > 0 && ms->fds[0] >= 0 ? ms->fds[0]
                                                                                       : b->addr.fd)
                                                           : sock_open_one(&b->addr, b, fe, port);
                                        if (fd < 0)
                                                return log_errno(LOG_ERR, fd,
                                                                 "%s:%u: cannot bind proxy "
                                                                 "'%s' (port %u)",
                                                                 b->where.file, b->where.line,
                                                                 fe->name, port);
                                        ms->fds[k] = fd;
                                }
                                /* slots beyond n_slots are gone: their queues are lost */
                                for (unsigned k = n_slots; k < MASTER_MAX_SLOTS; k++) {
                                        if (ms->fds[k] >= 0 && !ms->inherited)
                                                close(ms->fds[k]);
                                        ms->fds[k] = -1;
                                }
                                ms->n = n_slots;
                                sock_steer(m, ms, n_slots, leastconn);
                        }
                }
        }
        for (size_t i = 0; i < gen->global.n_stats_sockets; i++) {
                int r = stats_apply(m, &gen->global.stats_sockets[i]);

                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < gen->n_peers; i++) {
                const struct cfg_peers *ps = gen->peers[i];

                for (size_t j = 0; !ps->disabled && j < ps->n_binds; j++) {
                        int r = peers_apply(m, ps, &ps->binds[j]);

                        if (r < 0)
                                return r;
                }
        }
        sl_list_for_each_safe(pos, tmp, &m->socks) {
                struct msock *ms = sl_list_entry(pos, struct msock, link);

                if (!ms->wanted)
                        sock_free(ms);
        }
        reuseport_loads_set_slots(&m->loads, n_slots);
        m->steer_leastconn = leastconn;
        return 0;
}

int msock_listener_fd(struct master *m, const struct cfg_bind *b, unsigned port, unsigned slot)
{
        char key[300];
        struct msock *ms;

        sock_key(b, port, key, sizeof(key));
        ms = sock_find(m, key);
        return ms ? ms->fds[slot] : -1;
}

int msock_peers_fd(struct master *m, const struct cfg_bind *b)
{
        char key[300];
        struct msock *ms;

        peers_key(b, key, sizeof(key));
        ms = sock_find(m, key);
        return ms ? ms->fds[0] : -1;
}

int msock_stats_fd(struct master *m, const struct cfg_stats_socket *s)
{
        char key[300];
        struct msock *ms;

        stats_key(s, key, sizeof(key));
        ms = sock_find(m, key);
        return ms ? ms->fds[0] : -1;
}

void msock_close_all(struct master *m)
{
        while (!sl_list_empty(&m->socks))
                sock_free(sl_list_first(&m->socks, struct msock, link));
}

void msock_set_paused(struct master *m, bool pause)
{
        struct sl_list *pos;

        if (m->listeners_paused == pause)
                return;
        m->listeners_paused = pause;
        sl_list_for_each(pos, &m->socks) {
                struct msock *ms = sl_list_entry(pos, struct msock, link);

                for (unsigned i = 0; i < ms->n; i++) {
                        struct sockaddr_storage ss;
                        socklen_t len = sizeof(ss);
                        int fd = ms->fds[i];

                        if (fd < 0 || ms->stats ||
                            getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
                            (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
                                continue;
                        if (pause ? shutdown(fd, SHUT_RD) == -1 : listen(fd, MASTER_BACKLOG) == -1)
                                log_errno(LOG_WARNING, -errno, "cannot %s listening socket %s",
                                          pause ? "pause" : "resume", ms->key);
                }
                /* Sockets that stopped listening left their group, its program and their
                 * socket map; listening again, they make a new group: program it again. */
                if (!pause && sock_group(ms)) {
                        if (ms->steer >= 0) {
                                close(ms->steer);
                                ms->steer = -1;
                        }
                        ms->migrate_on = false;
                        sock_steer(m, ms, ms->n, m->steer_leastconn);
                }
        }
        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (!mw->gone && mw->gen == m->gen_no)
                        (void)kill(mw->pid, pause ? SIGTTOU : SIGTTIN);
        }
}

void msock_systemd_take(struct master *m)
{
        int n = sd_listen_fds(1);

        for (int i = 0; i < n && m->n_sd_fds < MASTER_SD_FDS_MAX; i++)
                m->sd_fds[m->n_sd_fds++] = SD_LISTEN_FDS_START + i;
        if (n > 0)
                sl_log(LOG_INFO, "systemd passed %d listening socket(s)", n);
}

void msock_systemd_unused(struct master *m)
{
        for (unsigned i = 0; i < m->n_sd_fds; i++) {
                struct sl_list *pos;
                bool used = false;

                sl_list_for_each(pos, &m->socks) {
                        used |= sl_list_entry(pos, struct msock, link)->fds[0] == m->sd_fds[i];
                }
                if (!used)
                        sl_log(LOG_WARNING,
                               "systemd passed a listening socket (fd %d) that no bind line "
                               "uses",
                               m->sd_fds[i]);
        }
        m->n_sd_fds = 0;
}
