/* Server and listener addressing, and the backend keywords about connections: server
 * addresses (host names resolved at load with init-addr, ports relative to the client's),
 * the server options "id", "init-addr" and "proto", the bind options "name", "v6only", "v4v6",
 * "tfo" and "proto", the proxy keywords "id", "fullconn", "dispatch", "retry-on" and "option
 * tcpka|clitcpka|srvtcpka", and what the end of the load settles (ids, as HAProxy assigns
 * them). Called by the parser (parse.c) and the handlers of kw_proxy.c. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "keywords.h"
#include "macros.h"
#include "parse-int.h"
#include "resolve.h"
#include "state_file.h"
#include "units.h"

#define CFG_ID_MAX 2147483647u /* HAProxy's ids are positive ints */

/* A notice (neither error nor warning) at word @w of the current line. */
static void notice(struct cfg_parser *p, unsigned w, const char *msg)
{
        const struct cfg_word *word = w < p->l->n_words ? &p->l->words[w] : NULL;

        cfg_diag_add(p->diags, CFG_SEV_NOTICE, p->file, word ? word->line : p->l->line,
                     word ? word->col : 0, "%s", msg);
}

/* ---- servers ---- */

bool cfg__server_addr(struct cfg_parser *p, unsigned w, struct cfg_server *s)
{
        if (cfg__addr(p, w, CFG_ADDR_F_NAME_OK | CFG_ADDR_F_PORT_OFFSET, &s->addr,
                      "server address") < 0)
                return false;
        switch (s->addr.family) {
        case CFG_ADDR_FD:
                cfg__unsupported(p, w, "server fd@");
                return false;
        case CFG_ADDR_NAME:
                /* HAProxy: a name starting with '_' is a DNS SRV label */
                s->srv_rec = s->addr.name[0] == '_';
                break;
        case CFG_ADDR_IPV4:
        case CFG_ADDR_IPV6:
        case CFG_ADDR_UNIX:
        case CFG_ADDR_ABNS:
        case CFG_ADDR_FAMILY_COUNT:
                break;
        }
        return true;
}

struct cfg_state_file *cfg__state_file(struct cfg_parser *p, const struct cfg_proxy *px)
{
        struct cfg_gen *g = p->gen;
        struct cfg_state_file *f;
        char path[4096];

        if (!cfg_proxy_state_path(g, px, path, sizeof(path)))
                return NULL;
        for (f = g->state_files; f; f = f->next)
                if (strcmp(f->path, path) == 0)
                        return f;
        f = cfg_arena_alloc(&g->arena, sizeof(*f));
        if (!f) {
                cfg__oom(p);
                return NULL;
        }
        memset(f, 0, sizeof(*f));
        cfg_state_file_read(&g->arena, p->diags, path, f);
        f->next = g->state_files;
        g->state_files = f;
        return f;
}

/* init-addr last: the address the backend's server-state file gives @s (the host name's
 * as it was, when the file is sluice's), with the configuration's port */
static bool state_last_addr(struct cfg_parser *p, const struct cfg_proxy *px, struct cfg_server *s)
{
        const struct cfg_state_entry *e =
                cfg_state_file_find(cfg__state_file(p, px), px->name, s->name);
        int forced = s->addr.ss.ss_family;

        if (!e || !e->has_addr || (forced && forced != e->addr.ss_family))
                return false;
        if (e->sluice && (e->addr_set || strcmp(e->cfg_addr, s->addr.name) != 0))
                return false; /* another name's address, or one set at runtime */
        cfg_addr_set_ip(&s->addr, &e->addr);
        return true;
}

bool cfg__server_resolve(struct cfg_parser *p, unsigned w, const struct cfg_proxy *px,
                         struct cfg_server *s)
{
        static const uint8_t dflt[] = {CFG_INIT_ADDR_LAST, CFG_INIT_ADDR_LIBC, CFG_INIT_ADDR_NONE};
        const struct cfg_init_addr *ia = &s->opts.init_addr;
        const uint8_t *m = ia->n ? ia->methods : dflt;
        /* HAProxy's default is "last,libc", and "last,libc,none" with "resolvers": DNS may
         * give the address later */
        unsigned n = ia->n ? ia->n : s->opts.dns.resolvers ? 3 : 2;
        char err[256] = "";

        if (s->addr.family != CFG_ADDR_NAME)
                return true;
        for (unsigned i = 0; i < n; i++) {
                switch ((enum cfg_init_addr_method)m[i]) {
                case CFG_INIT_ADDR_LAST:
                        if (state_last_addr(p, px, s))
                                return true;
                        break;
                case CFG_INIT_ADDR_LIBC:
                        /* an SRV label has no address of its own (HAProxy skips it) */
                        if (s->srv_rec)
                                break;
                        if (cfg_addr_resolve(&s->addr, p->resolve, p->resolve_data, err,
                                             sizeof(err)) == 0)
                                return true;
                        break;
                case CFG_INIT_ADDR_NONE:
                        s->no_addr = true;
                        return true;
                case CFG_INIT_ADDR_IP:
                        cfg_addr_set_ip(&s->addr, &ia->ip);
                        return true;
                }
        }
        cfg__err(p, w, "'server %s/%s': could not resolve address '%s'%s%s", px->name, s->name,
                 s->addr.name, err[0] ? ": " : "", err);
        return false;
}

/* init-addr {last|libc|none|<ip>}[,...] */
static bool init_addr_parse(struct cfg_parser *p, unsigned w, struct cfg_init_addr *ret)
{
        const char *list = cfg__word(p, w);
        struct cfg_init_addr ia = {0};

        if (w >= cfg__n_words(p) || !*list) {
                cfg__err(p, w,
                         "init-addr needs a list of methods: last, libc, none or an IP "
                         "address, separated by commas");
                return false;
        }
        for (const char *s = list; *s;) {
                const char *comma = strchr(s, ',');
                size_t len = comma ? (size_t)(comma - s) : strlen(s);
                char m[64];

                if (len == 0 || len >= sizeof(m)) {
                        cfg__err(p, w, "init-addr: invalid method list '%s'", list);
                        return false;
                }
                if (ia.n == CFG_INIT_ADDR_MAX) {
                        cfg__err(p, w, "init-addr: more than %d methods", CFG_INIT_ADDR_MAX);
                        return false;
                }
                memcpy(m, s, len);
                m[len] = '\0';
                if (strcmp(m, "last") == 0) {
                        ia.methods[ia.n++] = CFG_INIT_ADDR_LAST;
                } else if (strcmp(m, "libc") == 0) {
                        ia.methods[ia.n++] = CFG_INIT_ADDR_LIBC;
                } else if (strcmp(m, "none") == 0) {
                        ia.methods[ia.n++] = CFG_INIT_ADDR_NONE;
                } else if (inet_pton(AF_INET, m, &((struct sockaddr_in *)&ia.ip)->sin_addr) == 1) {
                        ia.ip.ss_family = AF_INET;
                        ia.methods[ia.n++] = CFG_INIT_ADDR_IP;
                } else if (inet_pton(AF_INET6, m, &((struct sockaddr_in6 *)&ia.ip)->sin6_addr) ==
                           1) {
                        ia.ip.ss_family = AF_INET6;
                        ia.methods[ia.n++] = CFG_INIT_ADDR_IP;
                } else {
                        cfg__err(p, w,
                                 "init-addr: unknown method '%s': expected last, libc, none or "
                                 "an IP address",
                                 m);
                        return false;
                }
                s += len + (comma ? 1 : 0);
                if (comma && !*s) {
                        cfg__err(p, w, "init-addr: empty method at the end of '%s'", list);
                        return false;
                }
        }
        *ret = ia;
        return true;
}

/* pool-max-conn <n>|-1, pool-purge-delay <time>, pool-low-conn <n> at word @w: the words
 * used, 0 for another keyword, -1 on error. */
static int server_pool_kw(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o)
{
        const char *kw = cfg__word(p, w);
        unsigned long long v;
        char err[160];

        if (strcmp(kw, "pool-max-conn") == 0) {
                if (w + 1 < cfg__n_words(p) && strcmp(cfg__word(p, w + 1), "-1") == 0) {
                        o->pool_max_conn = -1;
                } else {
                        if (!cfg__uint(p, w + 1, 0, INT32_MAX, "pool-max-conn", &v))
                                return -1;
                        o->pool_max_conn = (int32_t)v;
                }
                o->pool_max_set = true;
                return 2;
        }
        if (strcmp(kw, "pool-purge-delay") == 0) {
                if (w + 1 >= cfg__n_words(p)) {
                        cfg__err(p, w, "server option 'pool-purge-delay' needs a time");
                        return -1;
                }
                if (cfg_parse_time(cfg__word_str(p, w + 1), CFG_TIME_MS, &o->pool_purge_ms, err,
                                   sizeof(err)) < 0) {
                        cfg__err(p, w + 1, "pool-purge-delay: %s", err);
                        return -1;
                }
                o->pool_purge_set = true;
                return 2;
        }
        if (strcmp(kw, "pool-low-conn") == 0) {
                if (!cfg__uint(p, w + 1, 0, INT32_MAX, "pool-low-conn", &v))
                        return -1;
                o->pool_low_conn = (uint32_t)v;
                cfg__notice(p, w,
                            "'pool-low-conn' changes nothing: sluice's workers are processes, "
                            "each with its own idle server connections, and never take one "
                            "from another");
                return 2;
        }
        return 0;
}

int cfg__server_kw(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o,
                   struct cfg_server *s)
{
        const char *kw = cfg__word(p, w);
        unsigned long long v;
        int r = cfg__server_dns_kw(p, w, o);

        if (r == 0)
                r = server_pool_kw(p, w, o);
        if (r != 0)
                return r;
        if (strcmp(kw, "id") == 0) {
                if (!s) {
                        cfg__err(p, w, "server option 'id' is not allowed on default-server");
                        return -1;
                }
                if (!cfg__uint(p, w + 1, 1, CFG_ID_MAX, "server id", &v))
                        return -1;
                s->id = (unsigned)v;
                s->id_set = true;
                return 2;
        }
        if (strcmp(kw, "init-addr") == 0)
                return init_addr_parse(p, w + 1, &o->init_addr) ? 2 : -1;
        if (strcmp(kw, "proto") == 0) {
                const char *name = w + 1 < cfg__n_words(p) ? cfg__word(p, w + 1) : "";

                if (!*name) {
                        cfg__err(p, w, "server option 'proto' needs a protocol: h1 or h2");
                        return -1;
                }
                if (strcmp(name, "h1") == 0) {
                        o->proto = CFG_BIND_PROTO_H1;
                } else if (strcmp(name, "h2") == 0) {
                        o->proto = CFG_BIND_PROTO_H2;
                } else {
                        cfg__err(p, w + 1,
                                 "server option 'proto': unknown or unsupported protocol '%s' (a "
                                 "server speaks h1 or h2)",
                                 name);
                        return -1;
                }
                return 2;
        }
        return cfg__server_tls_opt(p, w, o, !s);
}

/* ---- log targets ---- */

bool cfg__log_udp_addr(struct cfg_parser *p, unsigned w, const char *a, struct cfg_addr *ret)
{
        char buf[CFG_ADDR_PATH_MAX + 300], err[256] = "";
        int r;

        /* udp4@ and udp6@ force the family as ipv4@ and ipv6@ do */
        if (strncmp(a, "udp@", 4) == 0)
                snprintf(buf, sizeof(buf), "%s", a + 4);
        else if (strncmp(a, "udp4@", 5) == 0)
                snprintf(buf, sizeof(buf), "ipv4@%s", a + 5);
        else if (strncmp(a, "udp6@", 5) == 0)
                snprintf(buf, sizeof(buf), "ipv6@%s", a + 5);
        else
                snprintf(buf, sizeof(buf), "%s", a);
        r = cfg_parse_addr(sl_str_from_cstr(buf), CFG_ADDR_F_NAME_OK, ret, err, sizeof(err));
        if (r < 0) {
                cfg__err(p, w, "log target: %s", err);
                return false;
        }
        if (ret->family == CFG_ADDR_NAME &&
            cfg_addr_resolve(ret, p->resolve, p->resolve_data, err, sizeof(err)) < 0) {
                cfg__err(p, w, "log target: could not resolve address '%s': %s", ret->name, err);
                return false;
        }
        return true;
}

/* ---- binds ---- */

bool cfg__bind_opts(struct cfg_parser *p, unsigned w, struct cfg_bind *ret)
{
        unsigned n = cfg__n_words(p);
        int r;

        for (; w < n; w++) {
                const char *kw = cfg__word(p, w);

                if (strcmp(kw, "name") == 0) {
                        if (w + 1 >= n || !*cfg__word(p, w + 1)) {
                                cfg__err(p, w, "bind option 'name' needs a name");
                                return false;
                        }
                        ret->name = cfg__dup(p, ++w);
                        if (!ret->name)
                                return false;
                } else if (strcmp(kw, "v6only") == 0) {
                        ret->v6only = true;
                        ret->v4v6 = false;
                } else if (strcmp(kw, "v4v6") == 0) {
                        ret->v4v6 = true;
                        ret->v6only = false;
                } else if (strcmp(kw, "tfo") == 0) {
                        ret->tfo = true;
                } else if (strcmp(kw, "accept-proxy") == 0) {
                        ret->accept_proxy = true;
                } else if (strcmp(kw, "proto") == 0) {
                        const char *v = w + 1 < n ? cfg__word(p, w + 1) : "";

                        if (!*v) {
                                cfg__err(p, w, "bind option 'proto' needs a protocol: h1 or h2");
                                return false;
                        }
                        if (strcmp(v, "h1") == 0) {
                                ret->proto = CFG_BIND_PROTO_H1;
                        } else if (strcmp(v, "h2") == 0) {
                                ret->proto = CFG_BIND_PROTO_H2;
                        } else {
                                cfg__err(p, w + 1,
                                         "bind option 'proto': unknown or unsupported protocol "
                                         "'%s' (a bind speaks h1 or h2)",
                                         v);
                                return false;
                        }
                        w++;
                } else if ((r = cfg__bind_tls_opt(p, w, ret)) != 0) {
                        if (r < 0)
                                return false;
                        w += (unsigned)r - 1;
                } else {
                        if (cfg_known_bind_option(kw))
                                cfg__unsupported(p, w, kw);
                        else
                                cfg__err(p, w, "unknown bind option '%s'", kw);
                        return false;
                }
        }
        return true;
}

/* ---- proxies ---- */

/* id <number> (a frontend, backend or listen, as HAProxy's "id"). */
void cfg__kw_px_id(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned long long v;

        if (cfg__want_args(p, arg, 1, "id <number>") &&
            cfg__uint(p, arg, 1, CFG_ID_MAX, "proxy id", &v)) {
                p->px->id = (unsigned)v;
                p->px->id_set = true;
        }
}

/* fullconn <number> */
void cfg__kw_fullconn(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned long long v;

        if (cfg__want_args(p, arg, 1, "fullconn <number>") &&
            cfg__uint(p, arg, 1, 10000000, "fullconn", &v)) {
                p->px->fullconn = (unsigned)v;
                /* as in HAProxy, it acts only through servers' minconn */
                notice(p, 0,
                       "fullconn changes nothing without servers' minconn, which sluice does not "
                       "support yet");
        }
}

/* dispatch <address>:<port>: a host name is resolved now (HAProxy resolves it at start). */
void cfg__kw_dispatch(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_addr a;
        char err[256] = "";

        if (!cfg__want_args(p, arg, 1, "dispatch <address>:<port>") ||
            cfg__addr(p, arg, CFG_ADDR_F_PORT_REQUIRED | CFG_ADDR_F_NAME_OK, &a, "dispatch") < 0)
                return;
        if (a.family != CFG_ADDR_IPV4 && a.family != CFG_ADDR_IPV6 && a.family != CFG_ADDR_NAME) {
                cfg__err(p, arg, "dispatch: '%s' is not an IPv4 or IPv6 address",
                         cfg__word(p, arg));
                return;
        }
        if (a.family == CFG_ADDR_NAME &&
            cfg_addr_resolve(&a, p->resolve, p->resolve_data, err, sizeof(err)) < 0) {
                cfg__err(p, arg, "dispatch: could not resolve address '%s': %s", a.name, err);
                return;
        }
        p->px->dispatch = a;
        p->px->has_dispatch = true;
}

/* HAProxy's retry-on keywords, with what each stands for. */
static const struct {
        const char *name;
        uint32_t bits;
} retry_kws[] = {
        {"none", 0},
        {"conn-failure", CFG_RETRY_CONN_FAILURE},
        {"empty-response", CFG_RETRY_EMPTY_RESPONSE},
        {"junk-response", CFG_RETRY_JUNK_RESPONSE},
        {"response-timeout", CFG_RETRY_RESPONSE_TIMEOUT},
        {"0rtt-rejected", CFG_RETRY_0RTT_REJECTED},
        {"all-retryable-errors", CFG_RETRY_ALL_RETRYABLE},
};

/* retry-on <keyword|status>...: replaces what was set before (not cumulative). */
void cfg__kw_retry_on(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned n = cfg__n_words(p);
        uint32_t bits = 0;

        if (arg >= n) {
                cfg__err(p, n - 1, "missing argument: expected 'retry-on <keyword>...'");
                return;
        }
        for (unsigned w = arg; w < n; w++) {
                const char *kw = cfg__word(p, w);
                unsigned long long status;
                size_t i;

                for (i = 0; i < SL_ARRAY_SIZE(retry_kws); i++)
                        if (strcmp(kw, retry_kws[i].name) == 0)
                                break;
                if (i < SL_ARRAY_SIZE(retry_kws)) {
                        if (retry_kws[i].bits == 0 && n - arg > 1) {
                                /* HAProxy: "none" stands alone */
                                cfg__err(p, w,
                                         "retry-on: 'none' cannot be combined with "
                                         "other keywords");
                                return;
                        }
                        bits |= retry_kws[i].bits;
                        continue;
                }
                if (sl_str_to_u64(cfg__word_str(p, w), 999, &status) == 0 &&
                    cfg_retry_status_bit((unsigned)status)) {
                        bits |= cfg_retry_status_bit((unsigned)status);
                        continue;
                }
                cfg__err(p, w,
                         "retry-on: unknown keyword '%s': expected none, conn-failure, "
                         "empty-response, junk-response, response-timeout, 0rtt-rejected, "
                         "all-retryable-errors, or a status among 401, 403, 404, 408, 425, "
                         "500, 501, 502, 503, 504",
                         kw);
                return;
        }
        p->px->retry_on = bits;
}

const char *cfg__retry_on_name(uint32_t bit)
{
        static const char *const names[] = {
                "conn-failure",  "empty-response",
                "junk-response", "response-timeout",
                "0rtt-rejected", "401",
                "403",           "404",
                "408",           "425",
                "500",           "501",
                "502",           "503",
                "504",
        };

        for (unsigned i = 0; i < SL_ARRAY_SIZE(names); i++)
                if (bit == 1u << i)
                        return names[i];
        return NULL;
}

static void px_option(struct cfg_parser *p, uint32_t flag)
{
        if (p->negate)
                p->px->options &= ~flag;
        else
                p->px->options |= flag;
        p->px->options_set |= flag;
}

/* option tcpka: clitcpka where the section takes connections, srvtcpka where it has servers
 * (HAProxy sets both in a listen or defaults section). */
void cfg__kw_option_tcpka(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        uint32_t flags = (uint32_t)data;

        if (!cfg__want_args(p, arg, 0, "option tcpka"))
                return;
        if (!flags) {
                if (p->px->cap & (CFG_CAP_FE | CFG_CAP_DEFAULTS))
                        flags |= CFG_OPT_CLITCPKA;
                if (p->px->cap & (CFG_CAP_BE | CFG_CAP_DEFAULTS))
                        flags |= CFG_OPT_SRVTCPKA;
        }
        px_option(p, flags);
}

/* ---- the end of the load ---- */

static bool id_used(const unsigned *ids, size_t n, unsigned id)
{
        for (size_t i = 0; i < n; i++)
                if (ids[i] == id)
                        return true;
        return false;
}

/* HAProxy's numbering (check_config_validity()): in declaration order, what has no id takes
 * the first free one from a counter that moves on by one at every element, numbered or not.
 * The first id from @from on that none of the @n ids in @ids is. */
static unsigned next_free(const unsigned *ids, size_t n, unsigned from)
{
        while (id_used(ids, n, from))
                from++;
        return from;
}

static void finish_server_ids(struct cfg_parser *p, struct cfg_proxy *px)
{
        unsigned *ids, next = 1;
        size_t n = 0;

        if (!px->n_servers)
                return;
        ids = cfg_arena_alloc(&p->gen->arena, px->n_servers * sizeof(*ids));
        if (!ids) {
                cfg__oom(p);
                return;
        }
        for (size_t i = 0; i < px->n_servers; i++) {
                const struct cfg_server *s = &px->servers[i];

                if (!s->id_set)
                        continue;
                for (size_t j = 0; j < i; j++)
                        if (px->servers[j].id_set && px->servers[j].id == s->id)
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->where.file, s->where.line,
                                             0,
                                             "server '%s/%s' has the id %u of server '%s' "
                                             "(%s:%u)",
                                             px->name, s->name, s->id, px->servers[j].name,
                                             px->servers[j].where.file, px->servers[j].where.line);
                ids[n++] = s->id;
        }
        for (size_t i = 0; i < px->n_servers; i++, next++) {
                struct cfg_server *s = &px->servers[i];

                if (s->id_set)
                        continue;
                next = next_free(ids, n, next);
                s->id = next;
                ids[n++] = next;
        }
}

void cfg__finish_servers(struct cfg_parser *p)
{
        struct cfg_gen *g = p->gen;
        unsigned *ids, next = 1;
        size_t n = 0;

        ids = g->n_proxies ? cfg_arena_alloc(&g->arena, g->n_proxies * sizeof(*ids)) : NULL;
        if (g->n_proxies && !ids) {
                cfg__oom(p);
                return;
        }
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];

                if (!px->id_set)
                        continue;
                for (size_t j = 0; j < i; j++)
                        if (g->proxies[j]->id_set && g->proxies[j]->id == px->id)
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, px->where.file,
                                             px->where.line, 0,
                                             "proxy '%s' has the id %u of proxy '%s' (%s:%u)",
                                             px->name, px->id, g->proxies[j]->name,
                                             g->proxies[j]->where.file, g->proxies[j]->where.line);
                ids[n++] = px->id;
        }
        for (size_t i = 0; i < g->n_proxies; i++) {
                struct cfg_proxy *px = g->proxies[i];

                /* HAProxy makes no proxy of a peers section's table: no id */
                if (px->cap & CFG_CAP_TABLE)
                        continue;
                if (!px->id_set) {
                        next = next_free(ids, n, next);
                        px->id = next;
                        ids[n++] = next;
                }
                finish_server_ids(p, px);
                if ((px->cap & CFG_CAP_BE) && px->has_dispatch && px->balance_set)
                        cfg_diag_add(p->diags, CFG_SEV_WARNING, px->where.file, px->where.line, 0,
                                     "dispatch address of %s '%s' will be ignored in balance "
                                     "mode",
                                     (px->cap & CFG_CAP_FE) ? "listen" : "backend", px->name);
                next++;
        }
}

void cfg__proxy_defaults(struct cfg_proxy *px, const struct cfg_proxy *def)
{
        if (!def) {
                px->retry_on = CFG_RETRY_CONN_FAILURE;
                return;
        }
        px->retry_on = def->retry_on;
        px->fullconn = def->fullconn;
        px->balance_set = def->balance_set;
}
