/* resolvers sections and the servers that use them (HAProxy's manual, section 5.3): the name
 * servers ("nameserver", "parse-resolv-conf"), how often names are resolved and how long an
 * answer holds ("timeout", "hold", "resolve_retries", "accepted_payload_size"); the server
 * options "resolvers", "resolve-prefer", "resolve-opts" and "resolve-net"; the
 * "server-template" line, which makes a set of servers of one name. Called by the parser
 * (parse.c) for the "resolvers" line and each line of such a section, by kw_server.c for the
 * server options, by kw_proxy.c for server-template, and by finish.c once every file was read
 * to give each server its section. The resolution itself runs in a worker (worker/dns.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keywords.h"
#include "macros.h"
#include "parse-int.h"
#include "resolve.h"

/* The server-template ranges sluice accepts: HAProxy has no limit; this one keeps a typo
 * from making a million servers. */
#define TMPL_MAX 65535u

static struct cfg_resolvers *resolvers_new(struct cfg_parser *p, const char *name)
{
        struct cfg_gen *g = p->gen;
        struct cfg_resolvers *r = cfg_arena_alloc(&g->arena, sizeof(*r)), **slot;

        slot = cfg_arena_push(&g->arena, (void **)&g->resolvers, &g->n_resolvers, &g->cap_resolvers,
                              sizeof(*slot));
        if (!r || !slot || !(r->name = cfg_arena_strdup(&g->arena, name))) {
                cfg__oom(p);
                return NULL;
        }
        r->ns = NULL;
        r->n_ns = r->cap_ns = 0;
        r->payload_size = CFG_RESOLVERS_PAYLOAD;
        r->retries = CFG_RESOLVERS_RETRIES;
        r->resolve_ms = CFG_RESOLVERS_TIMEOUT;
        r->retry_ms = CFG_RESOLVERS_TIMEOUT;
        for (unsigned i = 0; i < CFG_HOLD_COUNT; i++)
                r->hold_ms[i] = CFG_RESOLVERS_HOLD;
        r->hold_ms[CFG_HOLD_VALID] = 10000;
        r->hold_ms[CFG_HOLD_OBSOLETE] = 0;
        r->implicit = false;
        r->where = (struct cfg_where){p->file, p->l ? p->l->line : 0};
        *slot = r;
        return r;
}

void cfg__resolvers_open(struct cfg_parser *p)
{
        const char *name = cfg__word(p, 1);
        const struct cfg_resolvers *other;

        p->resolvers = NULL;
        p->px = NULL;
        p->sec = CFG_SEC_SKIP;
        if (cfg__n_words(p) < 2 || !*name) {
                cfg__err(p, 0, "missing name for resolvers section");
                return;
        }
        if (!cfg__want_args(p, 1, 1, "resolvers <name>"))
                return;
        if (!cfg__name_valid(name)) {
                cfg__err(p, 1,
                         "invalid character in resolvers name '%s': use letters, digits, '-', "
                         "'_', '.' and ':'",
                         name);
                return;
        }
        other = cfg_gen_find_resolvers(p->gen, name);
        if (other) {
                cfg__err(p, 1,
                         "resolvers '%s' has same name as another resolvers (declared at %s:%u)",
                         name, other->where.file, other->where.line);
                return;
        }
        p->resolvers = resolvers_new(p, name);
        if (p->resolvers)
                p->sec = CFG_SEC_RESOLVERS;
}

static struct cfg_nameserver *ns_push(struct cfg_parser *p, struct cfg_resolvers *r)
{
        struct cfg_nameserver *ns =
                cfg_arena_push(&p->gen->arena, (void **)&r->ns, &r->n_ns, &r->cap_ns, sizeof(*ns));

        if (!ns) {
                cfg__oom(p);
                return NULL;
        }
        memset(ns, 0, sizeof(*ns));
        return ns;
}

static const struct cfg_nameserver *ns_find(const struct cfg_resolvers *r, const char *name)
{
        for (size_t i = 0; i < r->n_ns; i++)
                if (strcmp(r->ns[i].name, name) == 0)
                        return &r->ns[i];
        return NULL;
}

/* nameserver <name> [udp@|tcp@|ipv4@|ipv6@...]<address>:<port> */
static void ns_line(struct cfg_parser *p)
{
        static const struct {
                const char *prefix;
                const char *family; /* what it becomes for cfg_parse_addr() */
                bool tcp;
        } prefixes[] = {
                {"udp@", "", false},       {"udp4@", "ipv4@", false}, {"udp6@", "ipv6@", false},
                {"tcp@", "", true},        {"tcp4@", "ipv4@", true},  {"tcp6@", "ipv6@", true},
                {"ipv4@", "ipv4@", false}, {"ipv6@", "ipv6@", false},
        };
        struct cfg_resolvers *r = p->resolvers;
        const char *name = cfg__word(p, 1), *word = cfg__word(p, 2), *rest = word;
        const struct cfg_nameserver *other;
        struct cfg_nameserver *ns;
        char buf[CFG_ADDR_PATH_MAX + 16], err[256] = "";
        const char *family = "";
        struct cfg_addr a;
        bool tcp = false;

        if (cfg__n_words(p) < 3 || !*word) {
                cfg__err(p, 0, "'nameserver' expects <name> and <addr>[:<port>] as arguments");
                return;
        }
        if (cfg__n_words(p) > 3) {
                cfg__err(p, 3,
                         "nameserver '%s': unexpected argument '%s': sluice takes no server "
                         "parameter on a name server",
                         name, cfg__word(p, 3));
                return;
        }
        if (!cfg__name_valid(name)) {
                cfg__err(p, 1, "invalid character in nameserver name '%s'", name);
                return;
        }
        other = ns_find(r, name);
        if (other) {
                cfg__err(p, 1,
                         "nameserver '%s' has same name as another nameserver (declared at "
                         "%s:%u)",
                         name, other->where.file, other->where.line);
                return;
        }
        for (size_t i = 0; i < SL_ARRAY_SIZE(prefixes); i++) {
                size_t len = strlen(prefixes[i].prefix);

                if (strncmp(word, prefixes[i].prefix, len) == 0) {
                        rest = word + len;
                        family = prefixes[i].family;
                        tcp = prefixes[i].tcp;
                        break;
                }
        }
        if (strchr(rest, '@')) {
                cfg__err(p, 2,
                         "nameserver '%s': address '%s': a name server is reached over UDP or "
                         "TCP: expected [udp@|tcp@]<ip>:<port>",
                         name, word);
                return;
        }
        snprintf(buf, sizeof(buf), "%s%s", family, rest);
        if (cfg__addr_str(p, 2, buf, CFG_ADDR_F_NAME_OK, &a, "nameserver") < 0)
                return;
        if (a.family != CFG_ADDR_IPV4 && a.family != CFG_ADDR_IPV6 && a.family != CFG_ADDR_NAME) {
                cfg__err(p, 2,
                         "nameserver '%s': address '%s': a name server is reached over UDP or "
                         "TCP: expected [udp@|tcp@]<ip>:<port>",
                         name, word);
                return;
        }
        if (!a.has_port || a.port_low == 0) {
                cfg__err(p, 2, "'nameserver %s' : missing port specification in '%s'", name, word);
                return;
        }
        if (a.family == CFG_ADDR_NAME &&
            cfg_addr_resolve(&a, p->resolve, p->resolve_data, err, sizeof(err)) < 0) {
                cfg__err(p, 2, "'nameserver %s' : could not resolve address '%s': %s", name, a.name,
                         err);
                return;
        }
        ns = ns_push(p, r);
        if (!ns || !(ns->name = cfg__dup(p, 1)))
                return;
        ns->addr = a.ss;
        ns->tcp = tcp;
        ns->where = (struct cfg_where){p->file, p->l->line};
}

/* parse-resolv-conf: the "nameserver" lines of resolv.conf, named after their address, port
 * 53, in place of this line (HAProxy's parse_resolve_conf()) */
static void resolv_conf_line(struct cfg_parser *p)
{
        struct cfg_resolvers *r = p->resolvers;
        const char *path = p->resolv_conf ? p->resolv_conf : "/etc/resolv.conf";
        const char *file = cfg_arena_strdup(&p->gen->arena, path);
        char line[1024];
        unsigned n = 0;
        FILE *f;

        if (!cfg__want_args(p, 1, 0, "parse-resolv-conf"))
                return;
        if (!file) {
                cfg__oom(p);
                return;
        }
        f = fopen(path, "re");
        if (!f) {
                cfg__err(p, 0, "failed to open %s: %s", path, strerror(errno));
                return;
        }
        while (fgets(line, sizeof(line), f)) {
                struct sockaddr_storage ss = {0};
                const struct cfg_nameserver *other;
                struct cfg_nameserver *ns;
                char *save = NULL, *addr;

                n++;
                if (strncmp(line, "nameserver", 10) != 0 || !strchr(" \t\r\n", line[10]) ||
                    line[10] == '\0')
                        continue;
                addr = strtok_r(line + 10, " \t\r\n", &save);
                if (!addr) {
                        cfg__warn(p, 0, "parsing [%s:%u] : nameserver line is missing address",
                                  path, n);
                        continue;
                }
                other = ns_find(r, addr);
                if (other) {
                        cfg__warn(p, 0,
                                  "parsing [%s:%u] : generated name for %s nameserver '%s' "
                                  "conflicts with another nameserver (declared at %s:%u), it "
                                  "appears to be a duplicate and will be excluded",
                                  path, n, path, addr, other->where.file, other->where.line);
                        continue;
                }
                if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
                        ss.ss_family = AF_INET;
                        ((struct sockaddr_in *)&ss)->sin_port = htons(53);
                } else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) ==
                           1) {
                        ss.ss_family = AF_INET6;
                        ((struct sockaddr_in6 *)&ss)->sin6_port = htons(53);
                } else {
                        cfg__warn(p, 0,
                                  "parsing [%s:%u] : address '%s' could not be recognized, "
                                  "nameserver will be excluded",
                                  path, n, addr);
                        continue;
                }
                ns = ns_push(p, r);
                if (!ns || !(ns->name = cfg_arena_strdup(&p->gen->arena, addr))) {
                        cfg__oom(p);
                        break;
                }
                ns->addr = ss;
                ns->where = (struct cfg_where){file, n};
        }
        fclose(f);
}

/* A time of @what at word @w, 1 ms or more; false after an error (reported). */
static bool time_arg(struct cfg_parser *p, unsigned w, const char *what, uint32_t *ret)
{
        char err[256];
        uint32_t ms;

        if (cfg_parse_time(cfg__word_str(p, w), CFG_TIME_MS, &ms, err, sizeof(err)) < 0) {
                cfg__err(p, w, "%s: %s", what, err);
                return false;
        }
        *ret = ms;
        return true;
}

/* hold <status> <period> */
static void hold_line(struct cfg_parser *p)
{
        const char *status = cfg__word(p, 1);
        uint32_t ms;

        if (cfg__n_words(p) < 3) {
                cfg__err(p, 0,
                         "'hold' expects an <event> and a <time> as arguments: <event> is 'nx', "
                         "'other', 'refused', 'timeout', 'valid' or 'obsolete'");
                return;
        }
        if (!cfg__want_args(p, 1, 2, "hold <event> <time>"))
                return;
        for (unsigned h = 0; h < CFG_HOLD_COUNT; h++) {
                if (strcmp(status, cfg_hold_name((enum cfg_hold)h)) != 0)
                        continue;
                if (time_arg(p, 2, "hold", &ms))
                        p->resolvers->hold_ms[h] = ms;
                return;
        }
        cfg__err(p, 1,
                 "'hold' unknown <event>: '%s', expects either 'nx', 'timeout', 'valid', "
                 "'obsolete', 'refused' or 'other'",
                 status);
}

/* timeout resolve|retry <time> */
static void timeout_line(struct cfg_parser *p)
{
        const char *ev = cfg__word(p, 1);
        bool retry = strcmp(ev, "retry") == 0;
        uint32_t ms;

        if (!retry && strcmp(ev, "resolve") != 0) {
                cfg__err(p, cfg__n_words(p) > 1 ? 1 : 0,
                         "'timeout' expects 'retry' or 'resolve' and <time> as arguments%s%s%s",
                         *ev ? ", got '" : "", ev, *ev ? "'" : "");
                return;
        }
        if (!cfg__want_args(p, 2, 1, retry ? "timeout retry <time>" : "timeout resolve <time>") ||
            !time_arg(p, 2, retry ? "timeout retry" : "timeout resolve", &ms))
                return;
        if (ms == 0) {
                /* HAProxy takes 0 and then resolves without a pause */
                cfg__err(p, 2, "timeout %s: must be at least 1ms", ev);
                return;
        }
        if (retry)
                p->resolvers->retry_ms = ms;
        else
                p->resolvers->resolve_ms = ms;
}

/* Supported keywords of a resolvers section, for hints. */
static const char *const resolvers_keywords[] = {
        "nameserver",      "parse-resolv-conf", "accepted_payload_size",
        "resolve_retries", "timeout",           "hold"};

void cfg__resolvers_line(struct cfg_parser *p)
{
        struct cfg_resolvers *r = p->resolvers;
        const char *kw = cfg__word(p, 0);
        unsigned long long v;

        if (strcmp(kw, "nameserver") == 0) {
                ns_line(p);
        } else if (strcmp(kw, "parse-resolv-conf") == 0) {
                resolv_conf_line(p);
        } else if (strcmp(kw, "accepted_payload_size") == 0) {
                /* from a DNS header's size (12 bytes) to the largest message */
                if (cfg__want_args(p, 1, 1, "accepted_payload_size <nb>") &&
                    cfg__uint(p, 1, 12, 65535, "accepted_payload_size", &v))
                        r->payload_size = (unsigned)v;
        } else if (strcmp(kw, "resolve_retries") == 0) {
                if (cfg__want_args(p, 1, 1, "resolve_retries <nb>") &&
                    cfg__uint(p, 1, 1, 1000, "resolve_retries", &v))
                        r->retries = (unsigned)v;
        } else if (strcmp(kw, "timeout") == 0) {
                timeout_line(p);
        } else if (strcmp(kw, "hold") == 0) {
                hold_line(p);
        } else if (strcmp(kw, "resolution_pool_size") == 0) {
                cfg__err(p, 0,
                         "'resolution_pool_size' directive is not supported anymore (it never "
                         "appeared in a stable release)");
        } else {
                const char *hint = NULL;

                for (size_t i = 0; i < SL_ARRAY_SIZE(resolvers_keywords) && !hint; i++)
                        if (cfg_is_close(kw, resolvers_keywords[i]))
                                hint = resolvers_keywords[i];
                if (hint)
                        cfg__err(p, 0,
                                 "unknown keyword '%s' in 'resolvers' section; did you mean "
                                 "'%s'?",
                                 kw, hint);
                else
                        cfg__err(p, 0, "unknown keyword '%s' in 'resolvers' section", kw);
        }
}

/* ---- server options ---- */

/* One network of resolve-net: HAProxy's str2net() (IPv4: a.b.c.d[/len|/mask]) and
 * str62net() (IPv6: x::y[/len]). */
static bool net_parse(const char *s, size_t len, struct cfg_net *ret)
{
        char buf[INET6_ADDRSTRLEN + 20], *slash;
        struct cfg_net n = {0};
        unsigned bits, max;

        if (len == 0 || len >= sizeof(buf))
                return false;
        memcpy(buf, s, len);
        buf[len] = '\0';
        slash = strchr(buf, '/');
        if (slash)
                *slash++ = '\0';
        if (inet_pton(AF_INET, buf, n.addr) == 1) {
                n.family = AF_INET;
                max = 32;
        } else if (inet_pton(AF_INET6, buf, n.addr) == 1) {
                n.family = AF_INET6;
                max = 128;
        } else {
                return false;
        }
        bits = max;
        if (slash) {
                uint8_t dotted[4];
                char *end;
                unsigned long b;

                if (n.family == AF_INET && strchr(slash, '.')) {
                        uint32_t mask, inv;

                        if (inet_pton(AF_INET, slash, dotted) != 1)
                                return false;
                        mask = (uint32_t)dotted[0] << 24 | (uint32_t)dotted[1] << 16 |
                               (uint32_t)dotted[2] << 8 | dotted[3];
                        inv = ~mask;
                        if (inv & (inv + 1))
                                return false; /* not contiguous */
                        bits = (unsigned)__builtin_popcount(mask);
                } else {
                        if (!*slash || *slash < '0' || *slash > '9')
                                return false;
                        b = strtoul(slash, &end, 10);
                        if (*end || b > max)
                                return false;
                        bits = (unsigned)b;
                }
        }
        n.prefix = bits;
        for (unsigned i = 0; i < max / 8; i++) {
                unsigned have = bits > i * 8 ? bits - i * 8 : 0;

                n.mask[i] = have >= 8 ? 0xff : (uint8_t)(0xff00u >> have);
                n.addr[i] &= n.mask[i];
        }
        *ret = n;
        return true;
}

/* resolve-net <network>[,<network>...]: added to those given before (and inherited), as
 * HAProxy does */
static bool resolve_net(struct cfg_parser *p, unsigned w, struct cfg_server_dns *d)
{
        const char *list = cfg__word(p, w);
        struct cfg_net nets[CFG_RESOLVE_NETS_MAX], *copy;
        unsigned n = d->n_nets;

        if (w >= cfg__n_words(p) || !*list) {
                cfg__err(p, w - 1, "'resolve-net' expects a list of networks.");
                return false;
        }
        if (n)
                memcpy(nets, d->nets, n * sizeof(*nets));
        for (const char *s = list; *s;) {
                const char *comma = strchr(s, ',');
                size_t len = comma ? (size_t)(comma - s) : strlen(s);

                if (n >= CFG_RESOLVE_NETS_MAX) {
                        cfg__err(p, w, "'resolve-net' exceed %u networks.", CFG_RESOLVE_NETS_MAX);
                        return false;
                }
                if (!net_parse(s, len, &nets[n])) {
                        cfg__err(p, w, "'resolve-net' invalid network '%.*s'.", (int)len, s);
                        return false;
                }
                n++;
                s += len + (comma ? 1 : 0);
        }
        copy = cfg_arena_alloc(&p->gen->arena, n * sizeof(*copy));
        if (!copy) {
                cfg__oom(p);
                return false;
        }
        memcpy(copy, nets, n * sizeof(*copy));
        d->nets = copy;
        d->n_nets = n;
        return true;
}

/* resolve-opts <option>[,<option>...] */
static bool resolve_opts(struct cfg_parser *p, unsigned w, struct cfg_server_dns *d)
{
        const char *list = cfg__word(p, w);
        struct cfg_server_dns r = *d;

        if (w >= cfg__n_words(p) || !*list) {
                cfg__err(p, w - 1,
                         "'resolve-opts' expects a list of options: 'allow-dup-ip', "
                         "'ignore-weight', 'prevent-dup-ip'");
                return false;
        }
        for (const char *s = list; *s;) {
                const char *comma = strchr(s, ',');
                size_t len = comma ? (size_t)(comma - s) : strlen(s);

                if (sl_str_eq(sl_str_make(s, len), sl_str_from_cstr("allow-dup-ip"))) {
                        r.allow_dup_ip = true;
                } else if (sl_str_eq(sl_str_make(s, len), sl_str_from_cstr("ignore-weight"))) {
                        r.ignore_weight = true;
                } else if (sl_str_eq(sl_str_make(s, len), sl_str_from_cstr("prevent-dup-ip"))) {
                        r.allow_dup_ip = false;
                } else {
                        cfg__err(p, w,
                                 "'resolve-opts' : unknown resolve-opts option '%.*s', "
                                 "supported methods are 'allow-dup-ip', 'ignore-weight', and "
                                 "'prevent-dup-ip'.",
                                 (int)len, s);
                        return false;
                }
                s += len + (comma ? 1 : 0);
        }
        *d = r;
        return true;
}

int cfg__server_dns_kw(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o)
{
        const char *kw = cfg__word(p, w), *arg = cfg__word(p, w + 1);
        bool has_arg = w + 1 < cfg__n_words(p) && *arg;

        if (strcmp(kw, "resolvers") == 0) {
                if (!has_arg) {
                        cfg__err(p, w,
                                 "server option 'resolvers' needs the name of a "
                                 "resolvers section");
                        return -1;
                }
                o->dns.resolvers = cfg__dup(p, w + 1);
                return o->dns.resolvers ? 2 : -1;
        }
        if (strcmp(kw, "resolve-prefer") == 0) {
                if (strcmp(arg, "ipv4") == 0) {
                        o->dns.prefer = AF_INET;
                } else if (strcmp(arg, "ipv6") == 0) {
                        o->dns.prefer = AF_INET6;
                } else {
                        cfg__err(p, has_arg ? w + 1 : w,
                                 "'resolve-prefer' expects either ipv4 or ipv6 as argument.");
                        return -1;
                }
                return 2;
        }
        if (strcmp(kw, "resolve-opts") == 0)
                return resolve_opts(p, w + 1, &o->dns) ? 2 : -1;
        if (strcmp(kw, "resolve-net") == 0)
                return resolve_net(p, w + 1, &o->dns) ? 2 : -1;
        return 0;
}

/* ---- server-template ---- */

/* <num> (1 to num) or <low>-<high>, as HAProxy's _srv_parse_tmpl_range() reads them */
static bool tmpl_range(const char *s, unsigned *ret_low, unsigned *ret_high)
{
        const char *dash = strchr(s, '-');
        unsigned long long low, high;

        if (!dash) {
                if (sl_str_to_u64(sl_str_from_cstr(s), TMPL_MAX, &high) < 0 || high == 0)
                        return false;
                *ret_low = 1;
                *ret_high = (unsigned)high;
                return true;
        }
        if (sl_str_to_u64(sl_str_make(s, (size_t)(dash - s)), TMPL_MAX, &low) < 0 ||
            sl_str_to_u64(sl_str_from_cstr(dash + 1), TMPL_MAX, &high) < 0 || high < low ||
            high - low >= TMPL_MAX)
                return false;
        *ret_low = (unsigned)low;
        *ret_high = (unsigned)high;
        return true;
}

/* server-template <prefix> <num>|<low>-<high> <fqdn>[:<port>] [param*]: the servers
 * <prefix><low> .. <prefix><high>, each as a "server" line with that address and those
 * parameters (HAProxy's _srv_parse_tmpl_init(); an "id" goes to the first one only). */
void cfg__kw_server_template(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_proxy *px = p->px;
        struct cfg_server base = {.opts = px->default_server, .track_idx = -1};
        const char *prefix = cfg__word(p, arg), *tmpl;
        unsigned n = cfg__n_words(p), low, high;
        size_t first = px->n_servers;

        (void)data;
        if (arg + 2 >= n) {
                cfg__err(p, n - 1,
                         "'server-template' expects <prefix> <nb | range> <addr>[:<port>] as "
                         "arguments.");
                return;
        }
        if (!cfg__name_valid(prefix)) {
                cfg__err(p, arg, "invalid character in server-template prefix '%s'", prefix);
                return;
        }
        if (!tmpl_range(cfg__word(p, arg + 1), &low, &high)) {
                cfg__err(p, arg + 1, "Wrong server-template number or range arg '%s'.",
                         cfg__word(p, arg + 1));
                return;
        }
        tmpl = cfg__dup(p, arg);
        if (!tmpl || !cfg__server_addr(p, arg + 2, &base) ||
            !cfg__server_opts(p, arg + 3, &base.opts, &base))
                return;
        base.tmpl = tmpl;
        base.where = (struct cfg_where){p->file, p->l->line};
        for (unsigned i = low; i <= high; i++) {
                struct cfg_server s = base, *slot;
                char name[300];

                snprintf(name, sizeof(name), "%s%u", prefix, i);
                for (size_t k = 0; k < px->n_servers; k++) {
                        if (strcmp(px->servers[k].name, name) == 0) {
                                cfg__err(p, arg, "server '%s' already defined at %s:%u in %s '%s'",
                                         name, px->servers[k].where.file, px->servers[k].where.line,
                                         cfg__proxy_kind(px), px->name);
                                return;
                        }
                }
                s.name = cfg_arena_strdup(&p->gen->arena, name);
                if (!s.name) {
                        cfg__oom(p);
                        return;
                }
                /* an id is the first server's: the others take free ones */
                if (px->n_servers > first) {
                        s.id = 0;
                        s.id_set = false;
                }
                if (!cfg__server_resolve(p, arg + 2, px, &s))
                        return;
                slot = cfg_arena_push(&p->gen->arena, (void **)&px->servers, &px->n_servers,
                                      &px->cap_servers, sizeof(*slot));
                if (!slot) {
                        cfg__oom(p);
                        return;
                }
                *slot = s;
        }
}

/* ---- the end of the load ---- */

/* HAProxy's "default" section, which it makes at start from /etc/resolv.conf when no section
 * has that name; sluice makes it only when a server names it. */
static struct cfg_resolvers *implicit_default(struct cfg_parser *p)
{
        const char *path = p->resolv_conf ? p->resolv_conf : "/etc/resolv.conf";
        struct cfg_resolvers *r = resolvers_new(p, "default");
        char line[1024];
        unsigned n = 0;
        FILE *f;

        if (!r)
                return NULL;
        r->implicit = true;
        r->where = (struct cfg_where){cfg_arena_strdup(&p->gen->arena, path), 0};
        f = fopen(path, "re");
        if (!f)
                return r; /* HAProxy: no error, no warning; the section has no server */
        while (fgets(line, sizeof(line), f)) {
                struct sockaddr_storage ss = {0};
                struct cfg_nameserver *ns;
                char *save = NULL, *addr;

                n++;
                if (strncmp(line, "nameserver", 10) != 0 || !strchr(" \t", line[10]) ||
                    line[10] == '\0')
                        continue;
                addr = strtok_r(line + 10, " \t\r\n", &save);
                if (!addr || ns_find(r, addr))
                        continue;
                if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
                        ss.ss_family = AF_INET;
                        ((struct sockaddr_in *)&ss)->sin_port = htons(53);
                } else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) ==
                           1) {
                        ss.ss_family = AF_INET6;
                        ((struct sockaddr_in6 *)&ss)->sin6_port = htons(53);
                } else {
                        continue;
                }
                ns = ns_push(p, r);
                if (!ns || !(ns->name = cfg_arena_strdup(&p->gen->arena, addr)))
                        break;
                ns->addr = ss;
                ns->where = (struct cfg_where){r->where.file, n};
        }
        fclose(f);
        return r;
}

void cfg__resolvers_finish(struct cfg_parser *p)
{
        struct cfg_gen *g = p->gen;

        for (size_t i = 0; i < g->n_proxies; i++) {
                struct cfg_proxy *px = g->proxies[i];

                for (size_t j = 0; j < px->n_servers; j++) {
                        struct cfg_server *s = &px->servers[j];
                        const char *id = s->opts.dns.resolvers;
                        const struct cfg_resolvers *r;

                        if (!id)
                                continue;
                        r = cfg_gen_find_resolvers(g, id);
                        if (!r && strcmp(id, "default") == 0)
                                r = implicit_default(p);
                        if (!r) {
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->where.file, s->where.line,
                                             0,
                                             "%s '%s', server '%s': unable to find required "
                                             "resolvers '%s'",
                                             cfg__proxy_kind(px), px->name, s->name, id);
                                continue;
                        }
                        /* an IP address is not resolved: the section is named for nothing */
                        if (s->addr.resolved || s->addr.family == CFG_ADDR_NAME)
                                s->resolvers = r;
                }
        }
        for (size_t i = 0; i < g->n_resolvers; i++) {
                const struct cfg_resolvers *r = g->resolvers[i];

                if (!r->n_ns && !r->implicit)
                        cfg_diag_add(p->diags, CFG_SEV_WARNING, r->where.file, r->where.line, 0,
                                     "resolvers '%s' [%s:%u] has no nameservers configured!",
                                     r->name, r->where.file, r->where.line);
        }
}
