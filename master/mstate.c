/* The state the master shares with its workers through shared memory, per generation
 * (mstate.h): the servers' state and the server slots each worker holds, the stick tables,
 * kept across reloads while their definition is unchanged, and the ledger of the stick-table
 * references each worker holds, so that what a dead worker held is given back. master.c
 * makes them for a generation and switches between generations; child.c hands them to a new
 * worker; reexec.c passes them to the next image. A reload also logs here what changed in
 * the servers, and carries the runtime state of those it left unchanged. */
#include "mstate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dns.h"
#include "lb.h"
#include "log.h"
#include "master-t.h"
#include "model.h"
#include "region.h"
#include "srv_state.h"
#include "stick.h"
#include "stktable.h"

int mstate_servers_create(struct master *m, const struct cfg_gen *g)
{
        uint32_t n_dns, n_ns;
        size_t n = 0, next = 0;
        int r;

        m->srv_region = NULL;
        m->srv_table = NULL;
        m->held_region = NULL;
        for (size_t i = 0; i < g->n_proxies; i++)
                n += g->proxies[i]->n_servers;
        m->n_servers = (uint32_t)n;
        if (!n)
                return 0;
        dns_table_dims(g, &n_dns, &n_ns);
        r = srv_state_create_dns((uint32_t)n, n_dns, n_ns, 0, &m->srv_region, &m->srv_table);
        if (r < 0)
                return log_errno(LOG_ERR, r, "cannot create the server state table");
        dns_table_init(g, m->srv_table);
        r = shm_region_create("srv-held", n, MASTER_MAX_SLOTS * n * sizeof(uint32_t),
                              &m->held_region);
        if (r < 0)
                return log_errno(LOG_ERR, r, "cannot create the held-slots table");
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];

                if (!px->n_servers)
                        continue;
                lb_init_states(px, srv_state_rec(m->srv_table, (uint32_t)next));
                next += px->n_servers;
        }
        return 0;
}

static const struct cfg_proxy *find_px(const struct cfg_gen *g, const struct cfg_proxy *px)
{
        for (size_t i = 0; i < g->n_proxies; i++)
                if (strcmp(g->proxies[i]->name, px->name) == 0 && g->proxies[i]->cap == px->cap)
                        return g->proxies[i];
        return NULL;
}

/* "1.2.3.4:80", "[::1]:80", "unix@/path" or the host name written */
static const char *addr_str(const struct cfg_addr *a, char *buf, size_t size)
{
        char ip[INET6_ADDRSTRLEN] = "";

        if (a->resolved || a->family == CFG_ADDR_NAME)
                snprintf(buf, size, "%s:%u", a->name, a->port_low);
        else if (a->ss.ss_family == AF_INET)
                snprintf(buf, size, "%s:%u",
                         inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, ip,
                                   sizeof(ip)),
                         a->port_low);
        else if (a->ss.ss_family == AF_INET6)
                snprintf(buf, size, "[%s]:%u",
                         inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip,
                                   sizeof(ip)),
                         a->port_low);
        else
                snprintf(buf, size, "%s", a->name);
        return buf;
}

void mstate_list_add(char *buf, size_t size, const char *fmt, ...)
{
        size_t len = strlen(buf);
        va_list ap;

        if (len + 2 >= size)
                return;
        if (len) {
                strcpy(buf + len, ", ");
                len += 2;
        }
        va_start(ap, fmt);
        vsnprintf(buf + len, size - len, fmt, ap);
        va_end(ap);
}

static const char *on(bool b)
{
        return b ? "on" : "off";
}

/* A server's "proto", as written */
static const char *proto_name(enum cfg_bind_proto p)
{
        return p == CFG_BIND_PROTO_H1 ? "h1" : p == CFG_BIND_PROTO_H2 ? "h2" : "(not set)";
}

/* What the configuration changed in a server's options: "weight 1 -> 2, inter 2000ms ->
 * 500ms" */
static void opts_diff(const struct cfg_server_opts *a, const struct cfg_server_opts *b, char *buf,
                      size_t size)
{
        const struct cfg_server_check *x = &a->check, *y = &b->check;

        buf[0] = '\0';
        if (a->weight != b->weight)
                mstate_list_add(buf, size, "weight %u -> %u", a->weight, b->weight);
        if (a->maxconn != b->maxconn)
                mstate_list_add(buf, size, "maxconn %u -> %u", a->maxconn, b->maxconn);
        if ((a->flags ^ b->flags) & CFG_SRV_BACKUP)
                mstate_list_add(buf, size, "backup %s -> %s", on(a->flags & CFG_SRV_BACKUP),
                                on(b->flags & CFG_SRV_BACKUP));
        if ((a->flags ^ b->flags) & CFG_SRV_DISABLED)
                mstate_list_add(buf, size, "disabled %s -> %s", on(a->flags & CFG_SRV_DISABLED),
                                on(b->flags & CFG_SRV_DISABLED));
        if (!a->cookie != !b->cookie || (a->cookie && strcmp(a->cookie, b->cookie) != 0))
                mstate_list_add(buf, size, "cookie '%s' -> '%s'", a->cookie ? a->cookie : "",
                                b->cookie ? b->cookie : "");
        if (x->enabled != y->enabled)
                mstate_list_add(buf, size, "check %s -> %s", on(x->enabled), on(y->enabled));
        if (x->inter_ms != y->inter_ms)
                mstate_list_add(buf, size, "inter %" PRIu32 "ms -> %" PRIu32 "ms", x->inter_ms,
                                y->inter_ms);
        if (x->fastinter_ms != y->fastinter_ms)
                mstate_list_add(buf, size, "fastinter %" PRIu32 "ms -> %" PRIu32 "ms",
                                x->fastinter_ms, y->fastinter_ms);
        if (x->downinter_ms != y->downinter_ms)
                mstate_list_add(buf, size, "downinter %" PRIu32 "ms -> %" PRIu32 "ms",
                                x->downinter_ms, y->downinter_ms);
        if (x->rise != y->rise)
                mstate_list_add(buf, size, "rise %u -> %u", x->rise, y->rise);
        if (x->fall != y->fall)
                mstate_list_add(buf, size, "fall %u -> %u", x->fall, y->fall);
        if (x->port != y->port || x->port_set != y->port_set)
                mstate_list_add(buf, size, "check port %u -> %u", x->port_set ? x->port : 0,
                                y->port_set ? y->port : 0);
        if (x->addr_set != y->addr_set ||
            (x->addr_set && memcmp(&x->addr, &y->addr, sizeof(x->addr)) != 0))
                mstate_list_add(buf, size, "check addr");
        if (x->ssl != y->ssl || x->ssl_set != y->ssl_set || !x->sni != !y->sni ||
            !x->alpn != !y->alpn || (x->sni && strcmp(x->sni, y->sni) != 0) ||
            (x->alpn && strcmp(x->alpn, y->alpn) != 0))
                mstate_list_add(buf, size, "check TLS settings");
        if (x->slowstart_ms != y->slowstart_ms)
                mstate_list_add(buf, size, "slowstart %" PRIu32 "ms -> %" PRIu32 "ms",
                                x->slowstart_ms, y->slowstart_ms);
        if (x->observe != y->observe || x->error_limit != y->error_limit ||
            x->on_error != y->on_error)
                mstate_list_add(buf, size, "observe, error-limit or on-error");
        if (x->down_shutdown != y->down_shutdown || x->up_shutdown_backup != y->up_shutdown_backup)
                mstate_list_add(buf, size, "on-marked-down or on-marked-up");
        if (a->proto != b->proto)
                mstate_list_add(buf, size, "proto %s -> %s", proto_name(a->proto),
                                proto_name(b->proto));
        if (cfg_server_pool_max(a) != cfg_server_pool_max(b))
                mstate_list_add(buf, size, "pool-max-conn %d -> %d", (int)cfg_server_pool_max(a),
                                (int)cfg_server_pool_max(b));
        if (cfg_server_pool_purge_ms(a) != cfg_server_pool_purge_ms(b))
                mstate_list_add(buf, size, "pool-purge-delay %" PRIu32 "ms -> %" PRIu32 "ms",
                                cfg_server_pool_purge_ms(a), cfg_server_pool_purge_ms(b));
        if (a->pool_low_conn != b->pool_low_conn)
                mstate_list_add(buf, size, "pool-low-conn %" PRIu32 " -> %" PRIu32,
                                a->pool_low_conn, b->pool_low_conn);
        if (!buf[0])
                mstate_list_add(buf, size, "TLS or init-addr settings");
}

/* Is the address of @a written as @b's? A name DNS resolves at run time is compared as
 * written: what the C library gave it at load is no part of the configuration. */
static bool same_cfg_addr(const struct cfg_server *a, const struct cfg_server *b)
{
        if (cfg_server_fqdn(a) && cfg_server_fqdn(b))
                return strcmp(a->addr.name, b->addr.name) == 0 &&
                       a->addr.port_low == b->addr.port_low &&
                       a->addr.has_port_offset == b->addr.has_port_offset &&
                       a->addr.port_offset == b->addr.port_offset;
        return a->addr.ss_len == b->addr.ss_len &&
               memcmp(&a->addr.ss, &b->addr.ss, b->addr.ss_len) == 0 &&
               strcmp(a->addr.name, b->addr.name) == 0;
}

void mstate_log_changes(const struct cfg_gen *old, const struct cfg_gen *new)
{
        char a[300], b[300], diff[512];

        for (size_t i = 0; i < new->n_proxies; i++) {
                const struct cfg_proxy *np = new->proxies[i], *op = find_px(old, np);

                if (np->cap & CFG_CAP_TABLE)
                        continue; /* a peers section's table: no proxy to speak of */
                if (!op) {
                        sl_log(LOG_NOTICE, "reload: proxy '%s' added", np->name);
                        continue;
                }
                for (size_t j = 0; j < np->n_servers; j++) {
                        const struct cfg_server *ns = &np->servers[j], *os = NULL;

                        for (size_t k = 0; k < op->n_servers; k++)
                                if (strcmp(op->servers[k].name, ns->name) == 0)
                                        os = &op->servers[k];
                        if (!os)
                                sl_log(LOG_NOTICE, "reload: server '%s/%s' added", np->name,
                                       ns->name);
                        else if (!same_cfg_addr(os, ns))
                                sl_log(LOG_NOTICE,
                                       "reload: server '%s/%s' changed address or port: %s -> "
                                       "%s (the configuration's is used)",
                                       np->name, ns->name, addr_str(&os->addr, a, sizeof(a)),
                                       addr_str(&ns->addr, b, sizeof(b)));
                        if (os && !cfg_server_opts_eq(&os->opts, &ns->opts)) {
                                opts_diff(&os->opts, &ns->opts, diff, sizeof(diff));
                                sl_log(LOG_NOTICE,
                                       "reload: server '%s/%s' changed options: %s (its runtime "
                                       "state starts again from the configuration)",
                                       np->name, ns->name, diff);
                        }
                }
                for (size_t k = 0; k < op->n_servers; k++) {
                        bool kept = false;

                        for (size_t j = 0; j < np->n_servers; j++)
                                kept |= strcmp(op->servers[k].name, np->servers[j].name) == 0;
                        if (!kept)
                                sl_log(LOG_NOTICE, "reload: server '%s/%s' removed", op->name,
                                       op->servers[k].name);
                }
        }
        for (size_t i = 0; i < old->n_proxies; i++)
                if (!(old->proxies[i]->cap & CFG_CAP_TABLE) && !find_px(new, old->proxies[i]))
                        sl_log(LOG_NOTICE, "reload: proxy '%s' removed", old->proxies[i]->name);
}

/* Is server @a configured as @b: the same address, port and options (weight, flags, TLS,
 * health checks ...)? */
static bool same_server(const struct cfg_server *a, const struct cfg_server *b)
{
        if (cfg_server_fqdn(a) && cfg_server_fqdn(b))
                return same_cfg_addr(a, b) && cfg_server_opts_eq(&a->opts, &b->opts);
        return a->addr.ss_len == b->addr.ss_len &&
               memcmp(&a->addr.ss, &b->addr.ss, a->addr.ss_len) == 0 &&
               a->addr.port_low == b->addr.port_low && a->no_addr == b->no_addr &&
               /* the host name too: another name's addresses are not this one's */
               strcmp(a->addr.name, b->addr.name) == 0 && cfg_server_opts_eq(&a->opts, &b->opts);
}

/* A server the reload does not carry lost the address DNS had found for it: say so */
static void log_dropped_dns(const struct cfg_proxy *px, const struct cfg_server *sv,
                            const struct srv_state_rec *from)
{
        struct sockaddr_storage ss;
        char ip[INET6_ADDRSTRLEN] = "";
        uint16_t port;
        uint32_t seq;

        if (!srv_state_addr_is_dns(from) || !srv_state_addr(from, &ss, &port, &seq) ||
            (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
                return;
        inet_ntop(ss.ss_family,
                  ss.ss_family == AF_INET ? (const void *)&((struct sockaddr_in *)&ss)->sin_addr
                                          : (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr,
                  ip, sizeof(ip));
        sl_log(LOG_NOTICE,
               "reload: server '%s/%s'%s%s%s changed in the configuration: the address DNS found "
               "(%s) is dropped, it is resolved again",
               px->name, sv->name, sv->tmpl ? " (server-template '" : "", sv->tmpl ? sv->tmpl : "",
               sv->tmpl ? "')" : "", ip);
}

static void copy_fqdn(struct srv_state_rec *to, const struct srv_state_rec *from)
{
        const struct srv_dns_rec *f = srv_state_dns(from);
        struct srv_dns_rec *t = srv_state_dns(to);
        char name[SRV_DNS_NAME_MAX];

        if (!f || !t)
                return;
        srv_dns_fqdn(f, name);
        srv_dns_set_fqdn(t, name);
}

/* The counters of the name servers the reload keeps (same section, same name) */
static void carry_dns_counters(struct master *m, const struct cfg_gen *old,
                               struct srv_state_table *old_table, const struct cfg_gen *g)
{
        for (size_t i = 0; i < g->n_resolvers; i++) {
                const struct cfg_resolvers *r = g->resolvers[i];
                const struct cfg_resolvers *o = cfg_gen_find_resolvers(old, r->name);

                for (size_t k = 0; o && k < r->n_ns; k++) {
                        for (size_t j = 0; j < o->n_ns; j++) {
                                struct srv_dns_ns *to, *from;

                                if (strcmp(o->ns[j].name, r->ns[k].name) != 0)
                                        continue;
                                to = srv_state_dns_ns(m->srv_table, dns_ns_index(g, r, k));
                                from = srv_state_dns_ns(old_table, dns_ns_index(old, o, j));
                                for (unsigned c = 0; to && from && c < SRV_DNS_COUNT; c++)
                                        atomic_store(&to->c[c], srv_dns_counter(from, c));
                        }
                }
        }
}

void mstate_servers_carry(struct master *m, const struct cfg_gen *old,
                          struct srv_state_table *old_table, uint32_t old_n,
                          const struct cfg_gen *g)
{
        uint32_t base = 0, carried = 0;

        if (!old || !old_table || !m->srv_table)
                return;
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];
                const struct cfg_proxy *opx = cfg_gen_find_proxy(old, px->name, CFG_CAP_BE);
                uint32_t obase = 0;

                if (opx && (px->cap & CFG_CAP_BE)) {
                        for (size_t k = 0; k < old->n_proxies && old->proxies[k] != opx; k++)
                                obase += (uint32_t)old->proxies[k]->n_servers;
                }
                for (size_t s = 0; opx && (px->cap & CFG_CAP_BE) && s < px->n_servers; s++) {
                        const struct cfg_server *sv = &px->servers[s];

                        for (size_t k = 0; k < opx->n_servers; k++) {
                                struct srv_state_rec *from, *to;

                                if (strcmp(opx->servers[k].name, sv->name) != 0)
                                        continue;
                                if (obase + k >= old_n || base + s >= m->n_servers)
                                        break;
                                from = srv_state_rec(old_table, obase + (uint32_t)k);
                                to = srv_state_rec(m->srv_table, base + (uint32_t)s);
                                /* the configuration changed it: the configuration wins */
                                if (!same_server(&opx->servers[k], sv)) {
                                        log_dropped_dns(px, sv, from);
                                        break;
                                }
                                srv_state_set_weight(to, srv_state_weight(from));
                                srv_state_set_admin(to, srv_state_admin(from),
                                                    ~srv_state_admin(from));
                                srv_state_set_op(to, srv_state_op(from));
                                srv_state_copy_check(to, from);
                                /* the runtime addresses: set server addr's, DNS's; and
                                 * the host name DNS or set server fqdn gave */
                                srv_state_copy_addr(to, from);
                                copy_fqdn(to, from);
                                if (atomic_load(&from->maxconn) & SRV_STATE_MAXCONN_SET)
                                        srv_state_set_maxconn(to, srv_state_maxconn(from, 0));
                                carried++;
                                break;
                        }
                }
                base += (uint32_t)px->n_servers;
        }
        carry_dns_counters(m, old, old_table, g);
        if (carried)
                sl_log(LOG_INFO, "reload: the runtime state of %u unchanged servers carried over",
                       carried);
}

/* A worker died holding server slots (killed, crashed): give them back, so that maxconn
 * and leastconn do not count connections that no longer exist. A worker that stops normally
 * released everything itself (its row is all zero). */
static void release_dead_slots(struct master *m, const struct mworker *mw)
{
        struct shm_region *held = NULL;
        struct srv_state_table *table = NULL;
        uint32_t n = 0, total = 0;

        if (mw->gen == m->gen_no) {
                held = m->held_region;
                table = m->srv_table;
                n = m->n_servers;
        } else if (mw->gen + 1 == m->gen_no) {
                held = m->old_held;
                table = m->old_table;
                n = m->old_n_servers;
        }
        if (!held || !table)
                return;
        for (uint32_t i = 0; i < n; i++) {
                _Atomic uint32_t *h =
                        (_Atomic uint32_t *)shm_region_payload(held) + (size_t)mw->slot * n + i;
                uint32_t k = atomic_exchange(h, 0);

                if (k) {
                        srv_state_release_n(srv_state_rec(table, i), k);
                        total += k;
                }
        }
        if (total)
                sl_log(LOG_NOTICE, "gave back %u server slots held by dead worker %d", total,
                       (int)mw->pid);
}

static struct mtable *mtable_free(struct mtable *mt)
{
        sl_list_del(&mt->link);
        mt->t = stkt_free(mt->t);
        mt->region = shm_region_free(mt->region);
        free(mt->name);
        free(mt);
        return NULL;
}

static struct mtable *mtable_find(struct master *m, const char *name, uint64_t hash)
{
        struct sl_list *pos;

        sl_list_for_each(pos, &m->tables) {
                struct mtable *mt = sl_list_entry(pos, struct mtable, link);

                if (mt->hash == hash && strcmp(mt->name, name) == 0)
                        return mt;
        }
        return NULL;
}

struct stkt *mstate_stick_table(void *data, const struct cfg_proxy *px, unsigned *ret_id)
{
        struct mtable *mt = mtable_find(data, px->name, stick_table_hash(px->name, px->table));

        *ret_id = mt ? mt->id : STICK_NO_ID;
        return mt ? mt->t : NULL;
}

static struct stkt *mtable_by_id(void *data, unsigned id)
{
        struct master *m = data;
        struct sl_list *pos;

        sl_list_for_each(pos, &m->tables) {
                struct mtable *mt = sl_list_entry(pos, struct mtable, link);

                if (mt->id == id)
                        return mt->t;
        }
        return NULL;
}

/* A table id no live table has. */
static unsigned mtable_new_id(struct master *m)
{
        for (;;) {
                unsigned id = m->next_table_id++ % STICK_NO_ID;

                if (!mtable_by_id(m, id))
                        return id;
        }
}

/* Give back what a worker's ledger row holds, and free the row. */
static void ledger_release_row(struct master *m, struct mworker *mw)
{
        unsigned n;

        if (mw->ledger_row < 0 || !m->ledger)
                return;
        n = stick_ledger_release((_Atomic uint64_t *)shm_region_payload(m->ledger) +
                                         (size_t)mw->ledger_row * STICK_LEDGER_CAP,
                                 STICK_LEDGER_CAP, mtable_by_id, m);
        if (n)
                sl_log(LOG_NOTICE, "gave back %u stick-table references held by worker %d", n,
                       (int)mw->pid);
        m->ledger_used[mw->ledger_row] = false;
        mw->ledger_row = -1;
}

int mstate_ledger_take_row(struct master *m)
{
        int r;

        if (sl_list_empty(&m->tables))
                return -1;
        if (!m->ledger) {
                r = shm_region_create("stick-ledger", 0,
                                      (size_t)MASTER_LEDGER_ROWS * STICK_LEDGER_CAP *
                                              sizeof(uint64_t),
                                      &m->ledger);
                if (r < 0) {
                        log_errno(LOG_WARNING, r, "cannot create the stick-table ledger");
                        return -1;
                }
        }
        for (int i = 0; i < MASTER_LEDGER_ROWS; i++) {
                if (!m->ledger_used[i]) {
                        m->ledger_used[i] = true;
                        return i;
                }
        }
        sl_log(LOG_WARNING, "no free stick-table ledger row: a worker that dies keeps its "
                            "references");
        return -1;
}

int mstate_tables_apply(struct master *m, const struct cfg_gen *g, unsigned gen_no)
{
        uint64_t now = sl_clock_ms();

        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];
                struct mtable *mt, *prev = NULL;
                struct sl_list *pos;
                struct stkt_def def;
                uint64_t hash;
                int r;

                if (!px->table)
                        continue;
                hash = stick_table_hash(px->name, px->table);
                mt = mtable_find(m, px->name, hash);
                if (mt) {
                        mt->prev_gen = mt->gen;
                        mt->gen = gen_no;
                        continue;
                }
                sl_list_for_each(pos, &m->tables) {
                        struct mtable *o = sl_list_entry(pos, struct mtable, link);

                        if (strcmp(o->name, px->name) == 0 && o->gen == m->gen_no)
                                prev = o;
                }
                mt = calloc(1, sizeof(*mt));
                if (!mt || !(mt->name = strdup(px->name))) {
                        free(mt);
                        return log_errno(LOG_ERR, -ENOMEM, "stick-table '%s'", px->name);
                }
                stick_table_def(px->table, &def);
                r = stkt_create(&def, hash, &mt->region, &mt->t);
                if (r < 0) {
                        free(mt->name);
                        free(mt);
                        return log_errno(LOG_ERR, r, "cannot create stick-table '%s'", px->name);
                }
                mt->hash = hash;
                mt->gen = gen_no;
                mt->id = mtable_new_id(m);
                mt->fresh = true;
                sl_list_push_back(&m->tables, &mt->link);
                if (prev) {
                        int64_t n = stkt_carry(mt->t, prev->t, now);

                        if (n < 0)
                                sl_log(LOG_NOTICE,
                                       "reload: stick-table '%s' changed its key type: a new "
                                       "empty table",
                                       px->name);
                        else
                                sl_log(LOG_NOTICE,
                                       "reload: stick-table '%s' changed: a new table, %lld "
                                       "entries carried over",
                                       px->name, (long long)n);
                }
        }
        return 0;
}

void mstate_tables_settle(struct master *m, bool keep)
{
        struct sl_list *pos, *next;

        sl_list_for_each_safe(pos, next, &m->tables) {
                struct mtable *mt = sl_list_entry(pos, struct mtable, link);

                if (mt->fresh && !keep)
                        mtable_free(mt);
                else
                        mt->fresh = false;
        }
}

void mstate_tables_collect(struct master *m)
{
        struct sl_list *pos, *next;
        unsigned oldest = m->gen_no;

        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (!mw->gone && mw->gen < oldest)
                        oldest = mw->gen;
        }
        sl_list_for_each_safe(pos, next, &m->tables) {
                struct mtable *mt = sl_list_entry(pos, struct mtable, link);

                if (mt->gen < oldest && !mt->fresh)
                        mtable_free(mt);
        }
}

void mstate_tables_restore(struct master *m, unsigned failed)
{
        struct sl_list *pos, *next;

        sl_list_for_each_safe(pos, next, &m->tables) {
                struct mtable *mt = sl_list_entry(pos, struct mtable, link);

                if (mt->gen != failed)
                        continue;
                if (mt->prev_gen)
                        mt->gen = mt->prev_gen;
                else
                        mtable_free(mt);
        }
}

void mstate_release_worker(struct master *m, struct mworker *mw)
{
        release_dead_slots(m, mw);
        ledger_release_row(m, mw);
}

void mstate_free(struct master *m)
{
        m->srv_region = shm_region_free(m->srv_region);
        m->old_region = shm_region_free(m->old_region);
        m->held_region = shm_region_free(m->held_region);
        m->old_held = shm_region_free(m->old_held);
        while (!sl_list_empty(&m->tables))
                mtable_free(sl_list_first(&m->tables, struct mtable, link));
        m->ledger = shm_region_free(m->ledger);
}
