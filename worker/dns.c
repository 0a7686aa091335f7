/* Run-time DNS resolution of servers (dns.h), HAProxy 2.6's resolvers.c and its server
 * callbacks (server.c: snr_*, srvrq_*) rewritten over c-ares. Started by worker.c in the
 * worker that owns the node's health checks; the master reads what it writes (addresses,
 * maintenance, host names, counters) from the server table.
 *
 * The pieces: a section (struct dns_sec) has one c-ares channel per name server, each with
 * that one server and one try, so that every name server is asked at once and answers and
 * counters are told apart, as HAProxy does. A resolution (struct dns_res) is one name asked
 * in one section (HAProxy's resolv_resolution), shared by the servers that resolve it: its
 * rounds send the query to every name server; the first valid answer ends the resolution,
 * errors end it once every name server answered (then the other address family is asked, or
 * the round is sent again after `timeout retry`, `resolve_retries` rounds in all), and a new
 * resolution starts `timeout resolve` after the last. The records of the answers are kept
 * (struct dns_item) until `hold obsolete` after they were last seen. A server (struct dns_srv)
 * takes the address its scores prefer among them (resolve-prefer, resolve-net, one no other
 * server of its backend took, its current one); an SRV label (struct dns_srvrq) gives each of
 * its servers one SRV record, and the server then resolves the record's target. */
#include "dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "alog_sink.h"
#include "clock.h"
#include "ipaddr.h"
#include "lb.h"
#include "log.h"
#include "loop.h"
#include "macros.h"
#include "model.h"
#include "srv_state.h"
#include "wcount.h"
#include "wctx.h"

#define DNS_POLL_MS     1000u /* "set server fqdn" requests are looked for at least this often */
#define DNS_MAX_ANSWERS 256

/* A resolution's status (HAProxy's RSLV_STATUS_*) */
enum dns_status {
        DNS_ST_NONE = 0, /* never resolved */
        DNS_ST_VALID,
        DNS_ST_NX,
        DNS_ST_TIMEOUT,
        DNS_ST_REFUSED,
        DNS_ST_OTHER,
        DNS_ST_INVALID,
};

struct dns;
struct dns_sec;

/* A name server: its own channel */
struct dns_ns {
        struct dns_sec *sec;              /* borrowed: its section */
        const struct cfg_nameserver *cfg; /* borrowed from the generation */
        ares_channel ch;                  /* owned; NULL when it could not be made */
        struct srv_dns_ns *ctr;           /* borrowed: its counters in the table, or NULL */
        struct sl_list socks;             /* owned struct dns_sock */
        struct loop_timer timer;          /* c-ares's next timeout */
};

/* A socket c-ares opened: the loop watches it, c-ares closes it */
struct dns_sock {
        struct sl_list link; /* in ns->socks while c-ares uses it */
        struct dns_ns *ns;   /* borrowed */
        struct loop_io io;
        struct loop_reap reap; /* freed at the end of the turn: the loop may still hold it */
};

struct dns_sec {
        struct dns *d;                   /* borrowed */
        const struct cfg_resolvers *cfg; /* borrowed from the generation */
        struct dns_ns *ns;               /* owned array of @n_ns */
        size_t n_ns;
};

/* A record of the answers, kept until `hold obsolete` after it was last seen */
struct dns_item {
        struct sl_list link;           /* in res->items, by @key */
        int type;                      /* ns_t_a, ns_t_aaaa, ns_t_srv */
        struct sockaddr_storage ss;    /* A, AAAA: the address, port 0 */
        char target[SRV_DNS_NAME_MAX]; /* SRV */
        uint16_t port, weight;         /* SRV */
        uint64_t last_seen;            /* loop time */
        uint32_t key;                  /* its place among the records (item_key()) */
        struct sl_list attached;       /* A, AAAA: the servers that took it (ip_link) */
};

/* One name asked in one section */
struct dns_res {
        struct sl_list link; /* in d->ress */
        struct dns_sec *sec; /* borrowed */
        char name[SRV_DNS_NAME_MAX];
        int prefer;             /* the type asked first: ns_t_aaaa, ns_t_a or ns_t_srv */
        int qtype;              /* the type asked now */
        unsigned n_req;         /* servers and SRV labels using it */
        bool running;           /* a resolution is under way */
        bool sending;           /* queries are being sent: an answer cannot end the round */
        unsigned gen;           /* the round: answers of another one are outdated */
        unsigned tries;         /* rounds left after this one */
        unsigned pending;       /* queries of this round not answered yet */
        unsigned outstanding;   /* queries of any round c-ares still holds */
        unsigned nb_resp;       /* answers in this round */
        enum dns_status status; /* of the last resolution, or this round's last error */
        uint64_t last_valid, last_query;
        struct sl_list items;    /* owned struct dns_item */
        struct sl_list reqs;     /* the servers using it (req_link), the first joined first:
                                  * it is the first served */
        struct loop_timer timer; /* the next round, or the next resolution */
};

/* A query c-ares holds: its callback's argument */
struct dns_query {
        struct dns_res *res; /* borrowed: kept while @outstanding counts it */
        struct dns_ns *ns;   /* borrowed */
        unsigned gen;
        int qtype;
};

struct dns_srvrq;

/* A server resolved at run time */
struct dns_srv {
        struct dns *d;               /* borrowed */
        struct px_rt *rt;            /* borrowed: its backend */
        const struct cfg_server *sv; /* borrowed from the generation */
        struct srv_state_rec *rec;   /* borrowed: its shared record */
        struct srv_dns_rec *drec;    /* borrowed: its DNS record, or NULL */
        struct dns_sec *sec;         /* borrowed: its section */
        struct dns_res *res;         /* counted (n_req): the resolution of @host, or NULL */
        struct sl_list req_link;     /* in res->reqs */
        struct dns_item *ip_item;    /* borrowed: the A/AAAA record it took, or NULL */
        struct sl_list ip_link;      /* in ip_item->attached */
        struct dns_srvrq *srvrq;     /* borrowed: its SRV label, or NULL */
        struct dns_item *srv_item;   /* borrowed: the SRV record it holds, or NULL */
        uint64_t free_order;         /* an SRV label's server without a record: its place in
                                      * the queue of those waiting for one */
        char host[SRV_DNS_NAME_MAX]; /* the host name resolved now; "" none */
        uint16_t port;               /* its SRV record's port; 0: the configuration's */
};

/* An SRV label of a backend (HAProxy's resolv_srvrq) */
struct dns_srvrq {
        struct px_rt *rt;    /* borrowed */
        const char *label;   /* borrowed from the generation */
        struct dns_res *res; /* counted: the SRV resolution */
};

struct dns {
        struct worker *w;     /* borrowed */
        struct dns_sec *secs; /* owned array, parallel to gen->resolvers */
        size_t n_secs;
        struct dns_srv *srvs; /* owned array */
        size_t n_srvs;
        struct dns_srvrq *rqs; /* owned array */
        size_t n_rqs;
        struct sl_list ress; /* owned struct dns_res */
        uint64_t free_seq;
        struct loop_timer poll; /* "set server fqdn" requests; idle resolutions freed */
        bool stopping;
};

static void res_send_round(struct dns_res *res);
static void ns_update_timer(struct dns_ns *ns);

/* ---- the table ---- */

void dns_table_dims(const struct cfg_gen *g, uint32_t *ret_n_dns, uint32_t *ret_n_ns)
{
        uint32_t n_dns = 0, n_ns = 0;

        for (size_t i = 0; i < g->n_proxies; i++)
                for (size_t j = 0; j < g->proxies[i]->n_servers; j++)
                        n_dns += g->proxies[i]->servers[j].resolvers != NULL;
        for (size_t i = 0; i < g->n_resolvers; i++)
                n_ns += (uint32_t)g->resolvers[i]->n_ns;
        *ret_n_dns = n_dns;
        *ret_n_ns = n_ns;
}

void dns_table_init(const struct cfg_gen *g, struct srv_state_table *t)
{
        uint32_t base = 0, k = 0;

        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];

                for (size_t j = 0; j < px->n_servers; j++)
                        if (px->servers[j].resolvers)
                                srv_state_dns_attach(t, base + (uint32_t)j, k++);
                base += (uint32_t)px->n_servers;
        }
}

uint32_t dns_ns_index(const struct cfg_gen *g, const struct cfg_resolvers *r, size_t i)
{
        uint32_t base = 0;

        for (size_t k = 0; k < g->n_resolvers && g->resolvers[k] != r; k++)
                base += (uint32_t)g->resolvers[k]->n_ns;
        return base + (uint32_t)i;
}

/* ---- helpers ---- */

static uint64_t now_ms(const struct dns *d)
{
        return loop_now(d->w->loop);
}

static void count(struct dns_ns *ns, enum srv_dns_ctr c)
{
        if (ns && ns->ctr)
                srv_dns_count(ns->ctr, c);
}

static void srv_log(struct dns_srv *s, int level, const char *line)
{
        sl_log(level, "%s", line);
        if (s->rt->sinks && s->rt->sinks->n)
                (void)alog_sinks_send(s->rt->sinks, level, line, strlen(line),
                                      &wc_proc(s->d->w)->c[ST_C_DROPPED_LOGS]);
}

/* The address a server has now (port 0), AF_UNSPEC when none, and its runtime port */
static void srv_cur_addr(const struct dns_srv *s, struct sockaddr_storage *ret, uint16_t *ret_port)
{
        uint16_t port = 0;
        uint32_t seq;

        if (!srv_state_addr(s->rec, ret, &port, &seq)) {
                memset(ret, 0, sizeof(*ret));
                if (!s->sv->no_addr &&
                    (s->sv->addr.ss.ss_family == AF_INET || s->sv->addr.ss.ss_family == AF_INET6)) {
                        *ret = s->sv->addr.ss;
                        if (ret->ss_family == AF_INET)
                                ((struct sockaddr_in *)ret)->sin_port = 0;
                        else
                                ((struct sockaddr_in6 *)ret)->sin6_port = 0;
                }
        }
        *ret_port = port;
}

static unsigned usable_count(const struct px_rt *rt, bool backup)
{
        unsigned n = 0;

        for (size_t i = 0; i < rt->px->n_servers; i++)
                if (!(rt->px->servers[i].opts.flags & CFG_SRV_BACKUP) == !backup &&
                    srv_state_usable(&rt->lb->recs[i]))
                        n++;
        return n;
}

/* ---- maintenance (HAProxy's SRV_ADMF_RMAINT) ---- */

/* In maintenance for @reason; false when it already was */
static bool srv_rmaint(struct dns_srv *s, const char *reason)
{
        bool backup = s->sv->opts.flags & CFG_SRV_BACKUP;
        bool was_down = srv_state_op(s->rec) == SRV_OP_DOWN;
        uint32_t admin = srv_state_admin(s->rec);
        char line[1024];

        if (admin & SRV_ADMIN_RMAINT)
                return false;
        srv_state_set_admin(s->rec, SRV_ADMIN_RMAINT, 0);
        /* HAProxy tells a server's entering maintenance, not a second kind of it */
        if (admin & SRV_ADMIN_ANY_MAINT)
                return true;
        srv_state_set_last_change(s->rec, sl_clock_wall_us() / 1000);
        if (was_down)
                snprintf(line, sizeof(line),
                         "%sServer %s/%s was DOWN and now enters maintenance (%s).",
                         backup ? "Backup " : "", s->rt->px->name, s->sv->name, reason);
        else
                snprintf(line, sizeof(line),
                         "%sServer %s/%s is going DOWN for maintenance (%s). %u active and %u "
                         "backup servers left. %u sessions active, 0 requeued, 0 remaining in "
                         "queue.",
                         backup ? "Backup " : "", s->rt->px->name, s->sv->name, reason,
                         usable_count(s->rt, false), usable_count(s->rt, true),
                         srv_state_cur_conns(s->rec));
        srv_log(s, was_down ? LOG_NOTICE : LOG_ALERT, line);
        return true;
}

/* Out of that maintenance; false when it was not in it */
static bool srv_ready(struct dns_srv *s, bool valid_answer)
{
        uint32_t admin = srv_state_admin(s->rec);
        char line[1024];

        if (!(admin & SRV_ADMIN_RMAINT))
                return false;
        srv_state_set_admin(s->rec, 0, SRV_ADMIN_RMAINT);
        /* still in another maintenance: nothing to tell */
        if (admin & SRV_ADMIN_ANY_MAINT & ~SRV_ADMIN_RMAINT)
                return true;
        srv_state_set_last_change(s->rec, sl_clock_wall_us() / 1000);
        snprintf(line, sizeof(line), "%sServer %s/%s ('%s') is %s/%s (resolves again).",
                 (s->sv->opts.flags & CFG_SRV_BACKUP) ? "Backup " : "", s->rt->px->name,
                 s->sv->name, s->host[0] ? s->host : "(null)",
                 srv_state_op(s->rec) == SRV_OP_DOWN ? "DOWN" : "UP",
                 (admin & SRV_ADMIN_ANY_DRAIN) ? "DRAIN" : "READY");
        srv_log(s, LOG_NOTICE, line);
        if (valid_answer) {
                snprintf(line, sizeof(line),
                         "Server %s/%s administratively READY thanks to valid DNS answer.",
                         s->rt->px->name, s->sv->name);
                srv_log(s, LOG_NOTICE, line);
        }
        return true;
}

/* ---- addresses ---- */

/* DNS's address for @s: @ip (NULL: none), with @s's SRV port, or the port it has now */
static void srv_write_addr(struct dns_srv *s, const struct sockaddr_storage *ip)
{
        struct sockaddr_storage cur;
        uint16_t cur_port, port;

        srv_cur_addr(s, &cur, &cur_port);
        port = s->srvrq ? s->port : cur_port;
        if (sl_same_ip(&cur, ip ? ip : &(struct sockaddr_storage){0}) && port == cur_port &&
            srv_state_addr_is_dns(s->rec))
                return;
        srv_state_set_dns_addr(s->rec, ip, port);
}

/* HAProxy's srv_update_addr(): the new address, logged with who gave it */
static void srv_set_ip(struct dns_srv *s, const struct sockaddr_storage *ip, const char *updater)
{
        struct sockaddr_storage cur;
        char old[INET6_ADDRSTRLEN + 8], new[INET6_ADDRSTRLEN + 8], line[1024];
        uint16_t port;

        srv_cur_addr(s, &cur, &port);
        if (!sl_same_ip(&cur, ip)) {
                snprintf(line, sizeof(line), "%s/%s changed its IP from %s to %s by %s.",
                         s->rt->px->name, s->sv->name, sl_ip_str(&cur, old, sizeof(old), "(none)"),
                         sl_ip_str(ip, new, sizeof(new), "(none)"), updater);
                srv_log(s, LOG_NOTICE, line);
        }
        srv_write_addr(s, ip);
}

/* ---- resolutions ---- */

static struct dns_res *res_find(struct dns *d, struct dns_sec *sec, const char *name, int prefer)
{
        struct sl_list *pos;

        sl_list_for_each(pos, &d->ress) {
                struct dns_res *r = sl_list_entry(pos, struct dns_res, link);

                if (r->sec == sec && r->prefer == prefer && strcasecmp(r->name, name) == 0)
                        return r;
        }
        return NULL;
}

static void res_on_timer(struct loop_timer *t);

/* The resolution of @name in @sec asked first for @prefer, made when there is none; it runs
 * at once when new. NULL when out of memory. */
static struct dns_res *res_get(struct dns *d, struct dns_sec *sec, const char *name, int prefer)
{
        struct dns_res *r = res_find(d, sec, name, prefer);

        if (r)
                return r;
        r = calloc(1, sizeof(*r));
        if (!r)
                return NULL;
        if (loop_timer_init(d->w->loop, &r->timer, res_on_timer) < 0) {
                free(r);
                return NULL;
        }
        r->sec = sec;
        snprintf(r->name, sizeof(r->name), "%s", name);
        r->prefer = r->qtype = prefer;
        r->last_valid = now_ms(d); /* as HAProxy: the holds count from the start */
        sl_list_init(&r->items);
        sl_list_init(&r->reqs);
        sl_list_push_back(&d->ress, &r->link);
        loop_timer_arm(&r->timer, 0);
        return r;
}

/* HAProxy keeps a resolution's records in a tree ordered by XXH32 of their data (the
 * address, or the SRV target as DNS labels), seeded with the record type: the order in which
 * servers are offered them, so that the same records give each server what HAProxy would */
static uint32_t item_key(const struct dns_item *it)
{
        unsigned char labels[SRV_DNS_NAME_MAX + 1];
        size_t n = 0;

        if (it->type == ns_t_a)
                return XXH32(&((const struct sockaddr_in *)&it->ss)->sin_addr, 4, ns_t_a);
        if (it->type == ns_t_aaaa)
                return XXH32(&((const struct sockaddr_in6 *)&it->ss)->sin6_addr, 16, ns_t_aaaa);
        for (const char *p = it->target; *p;) {
                const char *dot = strchr(p, '.');
                size_t len = dot ? (size_t)(dot - p) : strlen(p);

                if (!len || len > 63 || n + 1 + len > sizeof(labels))
                        break;
                labels[n++] = (unsigned char)len;
                memcpy(labels + n, p, len);
                n += len;
                p += len + (dot ? 1 : 0);
        }
        return XXH32(labels, n, ns_t_srv);
}

/* Add @it to @r's records, after those whose key is not above its own */
static void item_insert(struct dns_res *r, struct dns_item *it)
{
        struct sl_list *pos;

        it->key = item_key(it);
        for (pos = r->items.prev; pos != &r->items; pos = pos->prev)
                if (sl_list_entry(pos, struct dns_item, link)->key <= it->key)
                        break;
        sl_list_push_front(pos, &it->link); /* just after @pos */
}

/* @s takes the address record @it (NULL: none) */
static void srv_set_item(struct dns_srv *s, struct dns_item *it)
{
        sl_list_del(&s->ip_link);
        sl_list_init(&s->ip_link);
        s->ip_item = it;
        if (it)
                sl_list_push_back(&it->attached, &s->ip_link);
}

static void item_free(struct dns *d, struct dns_item *it)
{
        while (!sl_list_empty(&it->attached))
                srv_set_item(sl_list_first(&it->attached, struct dns_srv, ip_link), NULL);
        if (it->type == ns_t_srv)
                for (size_t i = 0; i < d->n_srvs; i++)
                        if (d->srvs[i].srv_item == it)
                                d->srvs[i].srv_item = NULL;
        sl_list_del(&it->link);
        free(it);
}

static void res_purge_items(struct dns *d, struct dns_res *r)
{
        while (!sl_list_empty(&r->items))
                item_free(d, sl_list_first(&r->items, struct dns_item, link));
}

/* Free @r when nothing uses it nor waits for its queries */
static void res_release(struct dns *d, struct dns_res *r)
{
        if (r->n_req || r->outstanding)
                return;
        res_purge_items(d, r);
        loop_timer_deinit(&r->timer);
        sl_list_del(&r->link);
        free(r);
}

static void srv_unlink(struct dns_srv *s)
{
        if (!s->res)
                return;
        s->res->n_req--;
        s->res = NULL;
        sl_list_del(&s->req_link);
        sl_list_init(&s->req_link);
        srv_set_item(s, NULL);
}

/* Join the resolution of @s's host name */
static void srv_link(struct dns_srv *s)
{
        int prefer = s->sv->opts.dns.prefer == AF_INET ? ns_t_a : ns_t_aaaa;

        if (s->res || !s->host[0])
                return;
        s->res = res_get(s->d, s->sec, s->host, prefer);
        if (!s->res)
                return;
        s->res->n_req++;
        sl_list_push_back(&s->res->reqs, &s->req_link);
        /* one nobody asked for sleeps: it runs again for this server */
        if (!s->res->running && !loop_timer_is_armed(&s->res->timer))
                loop_timer_arm(&s->res->timer, 0);
}

/* ---- choosing an address (HAProxy's resolv_get_ip_from_response()) ---- */

enum {
        UPD_NO = 0,
        UPD_SRVIP_NOT_FOUND,
        UPD_NO_IP_FOUND
};

/* Does another server of @s's backend hold @it? */
static bool item_used(const struct dns_srv *s, const struct dns_item *it)
{
        const struct sl_list *pos;

        sl_list_for_each(pos, &it->attached) {
                const struct dns_srv *o = sl_list_entry(pos, struct dns_srv, ip_link);

                if (o != s && o->rt == s->rt)
                        return true;
        }
        return false;
}

static int pick_ip(struct dns_srv *s, const struct sockaddr_storage *cur,
                   struct dns_item **ret_item)
{
        struct dns_res *r = s->res;
        const struct cfg_server_dns *o = &s->sv->opts.dns;
        int prio = o->prefer ? o->prefer : AF_INET6;
        struct dns_item *ip4 = NULL, *ip6 = NULL, *found = NULL, *chosen;
        bool cur_found = false;
        int max_score = -1;
        struct sl_list *pos;

        /* linked to a record still there (a record that goes leaves its servers): it keeps
         * it */
        if (s->ip_item)
                return UPD_NO;
        sl_list_for_each(pos, &r->items) {
                struct dns_item *it = sl_list_entry(pos, struct dns_item, link);
                int fam = it->type == ns_t_a ? AF_INET : it->type == ns_t_aaaa ? AF_INET6 : 0;
                bool sel;
                int score = 0;

                if (!fam)
                        continue;
                /* 8: the preferred family; 4: a preferred network; 2: no other server of the
                 * backend has it; 1: the current address */
                if (fam == prio)
                        score += 8;
                for (unsigned j = 0; j < o->n_nets; j++) {
                        if (o->nets[j].family == fam && cfg_net_contains(&o->nets[j], &it->ss)) {
                                score += 4;
                                break;
                        }
                }
                if (item_used(s, it)) {
                        if (!o->allow_dup_ip)
                                continue;
                } else {
                        score += 2;
                }
                sel = sl_same_ip(cur, &it->ss);
                if (sel)
                        score++;
                if (score > max_score) {
                        if (fam == AF_INET)
                                ip4 = it;
                        else
                                ip6 = it;
                        found = it;
                        cur_found = sel;
                        if (score == 15) {
                                srv_set_item(s, found);
                                return UPD_NO;
                        }
                        max_score = score;
                }
        }
        if (!ip4 && !ip6)
                return UPD_NO_IP_FOUND;
        chosen = prio == AF_INET ? (ip4 ? ip4 : ip6) : (ip6 ? ip6 : ip4);
        (void)found;
        srv_set_item(s, chosen);
        /* HAProxy then moves its first record to the end "for internal round robin", which
         * puts it back where its key is: the order stays */
        *ret_item = chosen;
        return cur_found && sl_same_ip(cur, &chosen->ss) ? UPD_NO : UPD_SRVIP_NOT_FOUND;
}

/* ---- what the servers do with a resolution's end ---- */

static const char *status_reason(enum dns_status st)
{
        switch (st) {
        case DNS_ST_NX:
                return "DNS NX status";
        case DNS_ST_TIMEOUT:
                return "DNS timeout status";
        case DNS_ST_REFUSED:
                return "DNS refused status";
        case DNS_ST_NONE:
        case DNS_ST_VALID:
        case DNS_ST_OTHER:
        case DNS_ST_INVALID:
                break;
        }
        return "unspecified DNS error";
}

static uint32_t status_hold(const struct cfg_resolvers *c, enum dns_status st)
{
        switch (st) {
        case DNS_ST_NX:
                return c->hold_ms[CFG_HOLD_NX];
        case DNS_ST_TIMEOUT:
                return c->hold_ms[CFG_HOLD_TIMEOUT];
        case DNS_ST_REFUSED:
                return c->hold_ms[CFG_HOLD_REFUSED];
        case DNS_ST_NONE:
        case DNS_ST_VALID:
        case DNS_ST_OTHER:
        case DNS_ST_INVALID:
                break;
        }
        return c->hold_ms[CFG_HOLD_OTHER];
}

/* HAProxy's srvrq_update_srv_status(): true when the maintenance changed */
static bool srvrq_update_status(struct dns_srv *s, bool has_no_ip)
{
        if (!has_no_ip)
                return srv_ready(s, false);
        return srv_rmaint(s, "entry removed from SRV record");
}

/* HAProxy's snr_update_srv_status(): true when the maintenance changed */
static bool srv_update_status(struct dns_srv *s, bool has_no_ip)
{
        struct dns_res *r = s->res;

        if (!r)
                return srvrq_update_status(s, has_no_ip);
        switch (r->status) {
        case DNS_ST_NONE:
                return false;
        case DNS_ST_VALID:
                if (has_no_ip)
                        return srv_rmaint(s, "No IP for server ");
                return srv_ready(s, true);
        case DNS_ST_NX:
        case DNS_ST_TIMEOUT:
        case DNS_ST_REFUSED:
        case DNS_ST_OTHER:
        case DNS_ST_INVALID:
                break;
        }
        /* an error: the last valid answer holds for a while */
        if (now_ms(s->d) < r->last_valid + status_hold(r->sec->cfg, r->status))
                return false;
        return srv_rmaint(s, status_reason(r->status));
}

/* A valid answer for server @s (HAProxy's snr_resolution_cb()); @ns: the name server whose
 * answer it is, for the first server of the resolution, else NULL (HAProxy's "DNS cache") */
static void srv_on_valid(struct dns_srv *s, struct dns_ns *ns)
{
        struct sockaddr_storage cur;
        struct dns_item *it = NULL;
        uint16_t port;
        char updater[300];
        int r;

        srv_cur_addr(s, &cur, &port);
        r = pick_ip(s, &cur, &it);
        if (r == UPD_SRVIP_NOT_FOUND) {
                if (ns) {
                        count(ns, SRV_DNS_UPDATE);
                        snprintf(updater, sizeof(updater), "%s/%s", ns->sec->cfg->name,
                                 ns->cfg->name);
                } else {
                        snprintf(updater, sizeof(updater), "DNS cache");
                }
                srv_set_ip(s, &it->ss, updater);
        } else if (r == UPD_NO && s->srvrq) {
                srv_write_addr(s, &cur); /* an SRV record's port may have changed */
        }
        if (srv_update_status(s, r == UPD_NO_IP_FOUND) && r == UPD_NO_IP_FOUND)
                srv_write_addr(s, NULL);
}

/* Resolution @r failed for server @s (HAProxy's snr_resolution_error_cb()): true when the
 * records are to be kept */
static bool srv_on_error(struct dns_srv *s)
{
        if (srv_update_status(s, true)) {
                srv_write_addr(s, NULL);
                srv_set_item(s, NULL);
                return false;
        }
        return true;
}

/* An SRV label's server loses its record (HAProxy's resolv_srvrq_cleanup_srv()) */
static void srvrq_cleanup(struct dns_srv *s)
{
        srv_unlink(s);
        srvrq_update_status(s, true);
        s->host[0] = '\0';
        if (s->drec)
                srv_dns_set_fqdn(s->drec, "");
        s->port = 0;
        srv_write_addr(s, NULL);
        s->srv_item = NULL;
        s->free_order = ++s->d->free_seq;
}

/* The next server of @rq to take a record for (target, @port): one that held it before (a
 * resolver started again), else the one waiting longest for a record */
static struct dns_srv *srvrq_take(struct dns *d, struct dns_srvrq *rq, const char *target,
                                  uint16_t port)
{
        struct dns_srv *best = NULL;

        for (size_t i = 0; i < d->n_srvs; i++) {
                struct dns_srv *s = &d->srvs[i];

                if (s->srvrq != rq || s->srv_item)
                        continue;
                if (s->host[0] && strcasecmp(s->host, target) == 0 && s->port == port)
                        return s;
                if (!s->host[0] && (!best || s->free_order < best->free_order))
                        best = s;
        }
        return best;
}

/* A valid SRV answer for label @rq (the SRV part of HAProxy's resolv_check_response()) */
static void srvrq_on_valid(struct dns *d, struct dns_srvrq *rq)
{
        struct sl_list *pos;

        sl_list_for_each(pos, &rq->res->items) {
                struct dns_item *it = sl_list_entry(pos, struct dns_item, link);
                struct dns_srv *s = NULL;
                struct sockaddr_storage cur;
                uint16_t cur_port;
                char line[1024];

                if (it->type != ns_t_srv)
                        continue;
                for (size_t i = 0; i < d->n_srvs && !s; i++)
                        if (d->srvs[i].srvrq == rq && d->srvs[i].srv_item == it)
                                s = &d->srvs[i];
                if (!s)
                        s = srvrq_take(d, rq, it->target, it->port);
                if (!s)
                        continue;
                s->srv_item = it;
                if (!s->host[0]) {
                        snprintf(line, sizeof(line),
                                 "%s/%s changed its FQDN from (null) to %s by 'SRV record'",
                                 s->rt->px->name, s->sv->name, it->target);
                        srv_log(s, LOG_NOTICE, line);
                        snprintf(s->host, sizeof(s->host), "%s", it->target);
                        if (s->drec)
                                srv_dns_set_fqdn(s->drec, s->host);
                        /* HAProxy's srv_update_fqdn() marks it so, whoever changed it */
                        srv_state_set_admin(s->rec, SRV_ADMIN_HMAINT, 0);
                }
                srv_link(s);
                s->port = it->port;
                srv_cur_addr(s, &cur, &cur_port);
                srvrq_update_status(s, cur.ss_family != AF_INET && cur.ss_family != AF_INET6);
                if (cur.ss_family == AF_INET || cur.ss_family == AF_INET6)
                        srv_write_addr(s, &cur);
                /* the record's weight, 0 to 65535, as 0 to 256 */
                if (!s->sv->opts.dns.ignore_weight)
                        srv_state_set_weight(s->rec, (it->weight + 255u) / 256u);
        }
}

/* Records not seen for `hold obsolete` go, and so do the servers that hold them */
static void res_drop_obsolete(struct dns *d, struct dns_res *r)
{
        uint64_t now = now_ms(d), hold = r->sec->cfg->hold_ms[CFG_HOLD_OBSOLETE];
        struct sl_list *pos, *tmp;

        sl_list_for_each_safe(pos, tmp, &r->items) {
                struct dns_item *it = sl_list_entry(pos, struct dns_item, link);

                if (it->last_seen + hold >= now)
                        continue;
                if (it->type == ns_t_srv)
                        for (size_t i = 0; i < d->n_srvs; i++)
                                if (d->srvs[i].srv_item == it)
                                        srvrq_cleanup(&d->srvs[i]);
                item_free(d, it);
        }
}

/* The servers of @r in the order they joined it, into @out (room for r->n_req) */
static size_t res_requesters(struct dns_res *r, struct dns_srv **out)
{
        struct sl_list *pos;
        size_t n = 0;

        sl_list_for_each(pos, &r->reqs)
                out[n++] = sl_list_entry(pos, struct dns_srv, req_link);
        return n;
}

/* The resolution ended with a valid answer from @ns */
static void res_on_valid(struct dns *d, struct dns_res *r, struct dns_ns *ns)
{
        struct dns_srv **reqs;
        size_t n;

        res_drop_obsolete(d, r);
        for (size_t i = 0; i < d->n_rqs; i++)
                if (d->rqs[i].res == r)
                        srvrq_on_valid(d, &d->rqs[i]);
        reqs = calloc(r->n_req + 1, sizeof(*reqs));
        if (!reqs)
                return;
        n = res_requesters(r, reqs);
        for (size_t i = 0; i < n; i++)
                srv_on_valid(reqs[i], i == 0 ? ns : NULL);
        free(reqs);
}

/* The resolution ended in error (r->status) */
static void res_on_error(struct dns *d, struct dns_res *r)
{
        struct sl_list *pos;
        bool keep = false;

        for (size_t i = 0; i < d->n_rqs; i++) {
                struct dns_srvrq *rq = &d->rqs[i];

                if (rq->res != r)
                        continue;
                /* HAProxy's srvrq_resolution_error_cb(): the records hold for a while */
                if (now_ms(d) < r->last_valid + status_hold(r->sec->cfg, r->status)) {
                        keep = true;
                        continue;
                }
                for (size_t k = 0; k < d->n_srvs; k++)
                        if (d->srvs[k].srvrq == rq && d->srvs[k].srv_item)
                                srvrq_cleanup(&d->srvs[k]);
        }
        sl_list_for_each(pos, &r->reqs)
                keep |= srv_on_error(sl_list_entry(pos, struct dns_srv, req_link));
        if (!keep)
                res_purge_items(d, r);
}

/* ---- rounds ---- */

static void res_end(struct dns_res *r)
{
        r->running = false;
        r->qtype = r->prefer;
        loop_timer_arm(&r->timer, r->sec->cfg->resolve_ms);
}

/* Every query of the round was answered or timed out, none validly */
static void res_round_over(struct dns *d, struct dns_res *r)
{
        uint64_t retry_at = r->last_query + r->sec->cfg->retry_ms;

        if (!r->nb_resp) {
                /* nothing came: the same question again, or a timeout */
                if (!r->tries) {
                        r->status = DNS_ST_TIMEOUT;
                        res_on_error(d, r);
                        res_end(r);
                        return;
                }
                r->tries--;
                r->qtype = r->prefer;
                loop_timer_arm_at(&r->timer, retry_at);
                return;
        }
        if (r->qtype == r->prefer && r->prefer != ns_t_srv) {
                /* errors: the other family at once, without using a try */
                r->qtype = r->prefer == ns_t_a ? ns_t_aaaa : ns_t_a;
                res_send_round(r);
                return;
        }
        if (!r->tries) {
                res_on_error(d, r);
                res_end(r);
                return;
        }
        r->tries--;
        r->qtype = r->prefer;
        loop_timer_arm_at(&r->timer, retry_at);
}

/* Merge the records of a valid answer @abuf of type @qtype; false when it has none of that
 * type (or cannot be read) */
static bool res_merge(struct dns *d, struct dns_res *r, int qtype, const unsigned char *abuf,
                      int alen, bool *ret_invalid)
{
        struct ares_addrttl a4[DNS_MAX_ANSWERS];
        struct ares_addr6ttl a6[DNS_MAX_ANSWERS];
        uint64_t now = now_ms(d);
        int na = DNS_MAX_ANSWERS, st;
        size_t n = 0;

        *ret_invalid = false;
        if (qtype == ns_t_srv) {
                struct ares_srv_reply *reply = NULL;

                st = ares_parse_srv_reply(abuf, alen, &reply);

                if (st != ARES_SUCCESS) {
                        *ret_invalid = st == ARES_EBADRESP;
                        return false;
                }
                for (struct ares_srv_reply *x = reply; x; x = x->next) {
                        struct sl_list *pos;
                        struct dns_item *it = NULL;

                        sl_list_for_each(pos, &r->items) {
                                struct dns_item *o = sl_list_entry(pos, struct dns_item, link);

                                if (o->type == ns_t_srv && o->port == x->port &&
                                    strcasecmp(o->target, x->host) == 0)
                                        it = o;
                        }
                        if (!it) {
                                it = calloc(1, sizeof(*it));
                                if (!it)
                                        continue;
                                it->type = ns_t_srv;
                                sl_list_init(&it->attached);
                                snprintf(it->target, sizeof(it->target), "%s", x->host);
                                it->port = x->port;
                                item_insert(r, it);
                        }
                        it->weight = x->weight;
                        it->last_seen = now;
                        n++;
                }
                ares_free_data(reply);
                return n > 0;
        }
        st = qtype == ns_t_a ? ares_parse_a_reply(abuf, alen, NULL, a4, &na)
                             : ares_parse_aaaa_reply(abuf, alen, NULL, a6, &na);
        if (st != ARES_SUCCESS) {
                *ret_invalid = st == ARES_EBADRESP;
                return false;
        }
        for (int i = 0; i < na; i++) {
                struct sockaddr_storage ss = {0};
                struct sl_list *pos;
                struct dns_item *it = NULL;

                if (qtype == ns_t_a) {
                        ss.ss_family = AF_INET;
                        memcpy(&((struct sockaddr_in *)&ss)->sin_addr, &a4[i].ipaddr, 4);
                } else {
                        ss.ss_family = AF_INET6;
                        memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr, &a6[i].ip6addr, 16);
                }
                sl_list_for_each(pos, &r->items) {
                        struct dns_item *o = sl_list_entry(pos, struct dns_item, link);

                        if (o->type == qtype && sl_same_ip(&o->ss, &ss))
                                it = o;
                }
                if (!it) {
                        it = calloc(1, sizeof(*it));
                        if (!it)
                                continue;
                        it->type = qtype;
                        it->ss = ss;
                        sl_list_init(&it->attached);
                        item_insert(r, it);
                }
                it->last_seen = now;
                n++;
        }
        return n > 0;
}

/* One query's end (c-ares's callback) */
static void res_on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
        struct dns_query *q = arg;
        struct dns_res *r = q->res;
        struct dns_ns *ns = q->ns;
        struct dns *d = ns->sec->d;
        bool current = r->running && q->gen == r->gen;
        bool answered = abuf && alen >= 12;
        enum dns_status st = DNS_ST_OTHER;
        bool invalid = false;
        int qtype = q->qtype;

        (void)timeouts;
        free(q);
        r->outstanding--;
        if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED || d->stopping)
                return;
        if (!current) {
                /* the resolution is over: HAProxy's "outdated" answer */
                if (answered)
                        count(ns, SRV_DNS_OUTDATED);
                if (!r->n_req)
                        res_release(d, r);
                return;
        }
        r->pending--;
        if (!answered) {
                count(ns, status == ARES_ETIMEOUT ? SRV_DNS_TIMEOUT : SRV_DNS_SND_ERROR);
        } else if ((unsigned)alen > r->sec->cfg->payload_size) {
                count(ns, SRV_DNS_TOO_BIG); /* HAProxy ignores it */
        } else {
                unsigned rcode = abuf[3] & 0x0f, ancount = (unsigned)abuf[6] << 8 | abuf[7];

                r->nb_resp++;
                if (abuf[2] & 0x02) {
                        count(ns, SRV_DNS_TRUNCATED);
                } else if (rcode == ns_r_nxdomain) {
                        count(ns, SRV_DNS_NX);
                        st = DNS_ST_NX;
                } else if (rcode == ns_r_refused) {
                        count(ns, SRV_DNS_REFUSED);
                        st = DNS_ST_REFUSED;
                } else if (rcode != ns_r_noerror) {
                        count(ns, SRV_DNS_OTHER);
                } else if (!ancount) {
                        count(ns, SRV_DNS_ANY_ERR);
                } else if (res_merge(d, r, qtype, abuf, alen, &invalid)) {
                        count(ns, SRV_DNS_VALID);
                        r->status = DNS_ST_VALID;
                        r->last_valid = now_ms(d);
                        res_on_valid(d, r, ns);
                        res_end(r);
                        return;
                } else if (invalid) {
                        count(ns, SRV_DNS_INVALID);
                        st = DNS_ST_INVALID;
                } else {
                        count(ns, SRV_DNS_OTHER); /* none of the type asked */
                }
                r->status = st;
        }
        if (r->pending == 0 && !r->sending)
                res_round_over(d, r);
}

/* Send the question to every name server of the section */
static void res_send_round(struct dns_res *r)
{
        struct dns_sec *sec = r->sec;
        struct dns *d = sec->d;

        r->gen++;
        r->pending = 0;
        r->nb_resp = 0;
        r->last_query = now_ms(d);
        r->sending = true;
        for (size_t i = 0; i < sec->n_ns; i++) {
                struct dns_ns *ns = &sec->ns[i];
                struct dns_query *q;

                if (!ns->ch)
                        continue;
                q = malloc(sizeof(*q));
                if (!q) {
                        count(ns, SRV_DNS_SND_ERROR);
                        continue;
                }
                *q = (struct dns_query){.res = r, .ns = ns, .gen = r->gen, .qtype = r->qtype};
                r->pending++;
                r->outstanding++;
                count(ns, SRV_DNS_SENT);
                ares_query(ns->ch, r->name, ns_c_in, r->qtype, res_on_answer, q);
                ns_update_timer(ns);
        }
        r->sending = false;
        if (r->pending == 0)
                res_round_over(d, r);
}

static void res_on_timer(struct loop_timer *t)
{
        struct dns_res *r = sl_container_of(t, struct dns_res, timer);

        if (r->running) {
                res_send_round(r); /* the next try */
                return;
        }
        if (!r->n_req)
                return; /* nobody asks for it now: resolved again when someone does */
        r->running = true;
        r->qtype = r->prefer;
        r->tries = r->sec->cfg->retries ? r->sec->cfg->retries - 1 : 0;
        res_send_round(r);
}

/* ---- c-ares on the loop ---- */

static void ns_update_timer(struct dns_ns *ns)
{
        struct timeval tv, *tvp;

        if (!ns->ch || ns->sec->d->stopping)
                return;
        tvp = ares_timeout(ns->ch, NULL, &tv);
        if (!tvp) {
                loop_timer_disarm(&ns->timer);
                return;
        }
        /* rounded up: c-ares acts once the time has come */
        loop_timer_arm(&ns->timer,
                       (uint64_t)tvp->tv_sec * 1000 + ((uint64_t)tvp->tv_usec + 999) / 1000);
}

static void ns_on_timer(struct loop_timer *t)
{
        struct dns_ns *ns = sl_container_of(t, struct dns_ns, timer);

        ares_process_fd(ns->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        ns_update_timer(ns);
}

static void sock_on_io(struct loop_io *io, uint32_t events)
{
        struct dns_sock *k = sl_container_of(io, struct dns_sock, io);
        struct dns_ns *ns = k->ns;
        ares_socket_t fd = io->fd;

        ares_process_fd(ns->ch, events & (EPOLLIN | EPOLLERR | EPOLLHUP) ? fd : ARES_SOCKET_BAD,
                        events & EPOLLOUT ? fd : ARES_SOCKET_BAD);
        ns_update_timer(ns);
}

static void sock_reap(struct loop_reap *rp)
{
        free(sl_container_of(rp, struct dns_sock, reap));
}

/* c-ares's ARES_OPT_SOCK_STATE_CB: what to watch on one of its sockets; nothing: it is about
 * to close it */
static void ns_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
        struct dns_ns *ns = data;
        struct dns_sock *k = NULL;
        struct sl_list *pos;

        sl_list_for_each(pos, &ns->socks) {
                struct dns_sock *o = sl_list_entry(pos, struct dns_sock, link);

                if (o->io.fd == fd)
                        k = o;
        }
        if (!readable && !writable) {
                if (k) {
                        loop_io_stop(&k->io);
                        sl_list_del(&k->link);
                        loop_reap(ns->sec->d->w->loop, &k->reap);
                }
                return;
        }
        if (!k) {
                k = calloc(1, sizeof(*k));
                if (!k)
                        return; /* its queries time out */
                k->ns = ns;
                loop_reap_init(&k->reap, sock_reap);
                loop_io_init(ns->sec->d->w->loop, &k->io, fd, sock_on_io);
                sl_list_push_back(&ns->socks, &k->link);
        }
        loop_io_modify(&k->io, (readable ? EPOLLIN : 0) | (writable ? EPOLLOUT : 0));
}

static int ns_init(struct dns *d, struct dns_sec *sec, struct dns_ns *ns,
                   const struct cfg_nameserver *c, struct srv_dns_ns *ctr)
{
        struct ares_options o = {0};
        struct ares_addr_port_node node = {0};
        char *lookups = (char[]){"b"};
        int mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_EDNSPSZ |
                   ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS | ARES_OPT_DOMAINS |
                   ARES_OPT_RESOLVCONF;
        int r;

        ns->sec = sec;
        ns->cfg = c;
        ns->ctr = ctr;
        sl_list_init(&ns->socks);
        if (loop_timer_init(d->w->loop, &ns->timer, ns_on_timer) < 0)
                return -ENOMEM;
        /* one server, one try: the rounds and their retries are the resolution's; the
         * answer's rcode and TC bit are looked at here (HAProxy's counters) */
        o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP |
                  ARES_FLAG_EDNS | ARES_FLAG_IGNTC | (c->tcp ? ARES_FLAG_USEVC : 0);
        o.timeout = (int)sec->cfg->retry_ms;
        o.tries = 1;
        o.ednspsz = (int)sec->cfg->payload_size;
        o.sock_state_cb = ns_sock_state;
        o.sock_state_cb_data = ns;
        o.lookups = lookups;
        o.domains = NULL;
        o.ndomains = 0;
        /* the section's servers only: nothing of the system's resolv.conf */
        o.resolvconf_path = (char[]){"/dev/null"};
        r = ares_init_options(&ns->ch, &o, mask);
        if (r != ARES_SUCCESS) {
                ns->ch = NULL;
                sl_log(LOG_ERR, "resolvers %s: nameserver %s: %s, not used", sec->cfg->name,
                       c->name, ares_strerror(r));
                return 0;
        }
        node.family = c->addr.ss_family;
        if (node.family == AF_INET) {
                memcpy(&node.addr.addr4, &((const struct sockaddr_in *)&c->addr)->sin_addr, 4);
                node.udp_port = node.tcp_port =
                        ntohs(((const struct sockaddr_in *)&c->addr)->sin_port);
        } else {
                memcpy(&node.addr.addr6, &((const struct sockaddr_in6 *)&c->addr)->sin6_addr, 16);
                node.udp_port = node.tcp_port =
                        ntohs(((const struct sockaddr_in6 *)&c->addr)->sin6_port);
        }
        r = ares_set_servers_ports(ns->ch, &node);
        if (r != ARES_SUCCESS) {
                sl_log(LOG_ERR, "resolvers %s: nameserver %s: %s, not used", sec->cfg->name,
                       c->name, ares_strerror(r));
                ares_destroy(ns->ch);
                ns->ch = NULL;
        }
        return 0;
}

static void ns_deinit(struct dns_ns *ns)
{
        if (ns->ch) {
                /* callbacks run with ARES_EDESTRUCTION; sockets are closed (and unwatched
                 * through ns_sock_state()) */
                ares_destroy(ns->ch);
                ns->ch = NULL;
        }
        /* those c-ares did not report closed: freed at the end of the turn all the same,
         * the loop may hold them in this turn's events */
        while (!sl_list_empty(&ns->socks)) {
                struct dns_sock *k = sl_list_first(&ns->socks, struct dns_sock, link);

                loop_io_stop(&k->io);
                sl_list_del(&k->link);
                loop_reap(ns->sec->d->w->loop, &k->reap);
        }
        loop_timer_deinit(&ns->timer);
}

/* ---- set server fqdn ---- */

/* HAProxy's srv_set_fqdn(): the server resolves @fqdn from now on */
static void srv_apply_fqdn(struct dns_srv *s, const char *fqdn)
{
        if (s->srvrq || !*fqdn || strcasecmp(s->host, fqdn) == 0)
                return;
        srv_unlink(s);
        snprintf(s->host, sizeof(s->host), "%s", fqdn);
        if (s->drec)
                srv_dns_set_fqdn(s->drec, s->host);
        srv_link(s);
        if (s->res && !s->res->running)
                loop_timer_arm(&s->res->timer, 0);
}

static void dns_take_requests(struct dns *d)
{
        char name[SRV_DNS_NAME_MAX];

        for (size_t i = 0; i < d->n_srvs; i++)
                if (d->srvs[i].drec && srv_dns_take_request(d->srvs[i].drec, name))
                        srv_apply_fqdn(&d->srvs[i], name);
}

static void dns_on_poll(struct loop_timer *t)
{
        struct dns *d = sl_container_of(t, struct dns, poll);
        struct sl_list *pos, *tmp;

        dns_take_requests(d);
        sl_list_for_each_safe(pos, tmp, &d->ress) {
                struct dns_res *r = sl_list_entry(pos, struct dns_res, link);

                if (!r->n_req && !r->running)
                        res_release(d, r);
        }
        loop_timer_arm(&d->poll, DNS_POLL_MS);
}

void dns_wake(struct worker *w)
{
        if (w->dns)
                dns_take_requests(w->dns);
}

void dns_srv_unreachable(struct worker *w, const struct cfg_server *sv)
{
        struct dns *d = w->dns;

        if (!d || d->stopping)
                return;
        for (size_t i = 0; i < d->n_srvs; i++) {
                struct dns_srv *s = &d->srvs[i];
                struct dns_res *r = s->res ? s->res : s->srvrq ? s->srvrq->res : NULL;

                if (s->sv != sv)
                        continue;
                if (!r || r->running)
                        return;
                if (r->status == DNS_ST_VALID &&
                    now_ms(d) < r->last_valid + r->sec->cfg->hold_ms[CFG_HOLD_VALID])
                        return; /* the last answer stands for hold valid */
                loop_timer_arm(&r->timer, 0);
                return;
        }
}

/* ---- start and stop ---- */

static void dns_free(struct dns *d)
{
        if (!d)
                return;
        d->stopping = true;
        for (size_t i = 0; i < d->n_secs; i++) {
                for (size_t j = 0; j < d->secs[i].n_ns; j++)
                        ns_deinit(&d->secs[i].ns[j]);
                free(d->secs[i].ns);
        }
        while (!sl_list_empty(&d->ress)) {
                struct dns_res *r = sl_list_first(&d->ress, struct dns_res, link);

                r->n_req = 0;
                r->outstanding = 0;
                res_release(d, r);
        }
        loop_timer_deinit(&d->poll);
        free(d->secs);
        free(d->srvs);
        free(d->rqs);
        free(d);
}

static struct dns_srvrq *srvrq_get(struct dns *d, struct dns_srv *s)
{
        struct dns_srvrq *rq;

        for (size_t i = 0; i < d->n_rqs; i++)
                if (d->rqs[i].rt == s->rt && strcasecmp(d->rqs[i].label, s->sv->addr.name) == 0 &&
                    d->rqs[i].res->sec == s->sec)
                        return &d->rqs[i];
        rq = &d->rqs[d->n_rqs];
        rq->rt = s->rt;
        rq->label = s->sv->addr.name;
        rq->res = res_get(d, s->sec, rq->label, ns_t_srv);
        if (!rq->res)
                return NULL;
        rq->res->n_req++;
        if (!rq->res->running && !loop_timer_is_armed(&rq->res->timer))
                loop_timer_arm(&rq->res->timer, 0);
        d->n_rqs++;
        return rq;
}

int dns_start(struct worker *w)
{
        const struct cfg_gen *g = w->gen;
        size_t n = 0;
        struct dns *d;
        int r = -ENOMEM;

        if (w->dns)
                return 0;
        for (size_t i = 0; i < g->n_proxies; i++)
                for (size_t j = 0; w->rt[i].lb && j < g->proxies[i]->n_servers; j++)
                        n += g->proxies[i]->servers[j].resolvers != NULL;
        if (!n)
                return 0;
        (void)ares_library_init(ARES_LIB_INIT_ALL);
        d = calloc(1, sizeof(*d));
        if (!d)
                goto err;
        d->w = w;
        sl_list_init(&d->ress);
        d->srvs = calloc(n, sizeof(*d->srvs));
        d->rqs = calloc(n, sizeof(*d->rqs));
        d->secs = calloc(g->n_resolvers, sizeof(*d->secs));
        if (!d->srvs || !d->rqs || (g->n_resolvers && !d->secs) ||
            loop_timer_init(w->loop, &d->poll, dns_on_poll) < 0)
                goto err;
        d->n_secs = g->n_resolvers;
        for (size_t i = 0; i < g->n_resolvers; i++) {
                const struct cfg_resolvers *c = g->resolvers[i];
                struct dns_sec *sec = &d->secs[i];

                sec->d = d;
                sec->cfg = c;
                sec->ns = calloc(c->n_ns ? c->n_ns : 1, sizeof(*sec->ns));
                if (!sec->ns)
                        goto err;
                for (size_t k = 0; k < c->n_ns; k++) {
                        struct srv_dns_ns *ctr = NULL;

                        /* the counters are in the server table, found from any record */
                        for (size_t p = 0; p < g->n_proxies && !ctr; p++) {
                                if (!w->rt[p].lb || !g->proxies[p]->n_servers)
                                        continue;
                                ctr = srv_state_dns_ns_of(&w->rt[p].lb->recs[0],
                                                          dns_ns_index(g, c, k));
                        }
                        sec->n_ns++;
                        if (ns_init(d, sec, &sec->ns[k], &c->ns[k], ctr) < 0)
                                goto err;
                }
        }
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];
                struct px_rt *rt = &w->rt[i];

                for (size_t j = 0; rt->lb && j < px->n_servers; j++) {
                        const struct cfg_server *sv = &px->servers[j];
                        struct dns_srv *s = &d->srvs[d->n_srvs];
                        char fqdn[SRV_DNS_NAME_MAX] = "";

                        if (!sv->resolvers)
                                continue;
                        d->n_srvs++;
                        s->d = d;
                        sl_list_init(&s->req_link);
                        sl_list_init(&s->ip_link);
                        s->rt = rt;
                        s->sv = sv;
                        s->rec = &rt->lb->recs[j];
                        s->drec = srv_state_dns(s->rec);
                        for (size_t k = 0; k < g->n_resolvers; k++)
                                if (g->resolvers[k] == sv->resolvers)
                                        s->sec = &d->secs[k];
                        if (!s->sec)
                                continue;
                        /* where a resolver before this one left it */
                        if (s->drec)
                                srv_dns_fqdn(s->drec, fqdn);
                        if (sv->srv_rec) {
                                s->srvrq = srvrq_get(d, s);
                                if (!s->srvrq)
                                        goto err;
                                s->free_order = ++d->free_seq;
                                if (fqdn[0]) {
                                        snprintf(s->host, sizeof(s->host), "%s", fqdn);
                                        s->port = srv_state_dns_port(s->rec);
                                }
                        } else {
                                snprintf(s->host, sizeof(s->host), "%s",
                                         fqdn[0] ? fqdn : sv->addr.name);
                        }
                        srv_link(s);
                }
        }
        w->dns = d;
        loop_timer_arm(&d->poll, DNS_POLL_MS);
        sl_log(LOG_INFO, "resolvers: %zu servers, resolved from this worker", d->n_srvs);
        return 0;
err:
        dns_free(d);
        return log_errno(LOG_ERR, r, "resolvers: cannot start: servers are not resolved");
}

void dns_stop(struct worker *w)
{
        struct dns *d = w->dns;

        w->dns = NULL;
        dns_free(d);
}
