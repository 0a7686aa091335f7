/* Handlers of the proxy sections' keywords (defaults, frontend, backend, listen). Called by
 * the parser (parse.c) with p->px set to the section being read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macros.h"
#include "parse-int.h"

#define D CFG_IN_DEFAULTS
#define F CFG_IN_FRONTEND
#define L CFG_IN_LISTEN
#define B CFG_IN_BACKEND

static void kw_mode(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *m = cfg__word(p, arg);

        if (!cfg__want_args(p, arg, 1, "mode http|tcp"))
                return;
        if (strcmp(m, "http") == 0)
                p->px->mode = CFG_MODE_HTTP;
        else if (strcmp(m, "tcp") == 0)
                p->px->mode = CFG_MODE_TCP;
        else if (strcmp(m, "health") == 0)
                cfg__unsupported(p, arg, "mode health");
        else if (strcmp(m, "log") == 0)
                cfg__unsupported(p, arg, "mode log");
        else if (strcmp(m, "spop") == 0)
                cfg__unsupported(p, arg, "mode spop");
        else
                cfg__err(p, arg, "unknown mode '%s': expected 'http' or 'tcp'", m);
}

static void kw_px_maxconn(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned long long v;

        if (cfg__want_args(p, arg, 1, "maxconn <number>") &&
            cfg__uint(p, arg, 0, 10000000, "maxconn", &v))
                p->px->maxconn = (unsigned)v;
}

/* load-server-state-from-file global|local|none */
static void kw_state_load(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        static const char *const names[] = {"none", "global", "local"};
        const char *w = cfg__word(p, arg);

        (void)data;
        if (!cfg__want_args(p, arg, 1, "load-server-state-from-file global|local|none"))
                return;
        for (unsigned i = 0; i < SL_ARRAY_SIZE(names); i++)
                if (strcmp(w, names[i]) == 0) {
                        p->px->state_load = (enum cfg_state_load)i;
                        return;
                }
        cfg__err(p, arg,
                 "load-server-state-from-file: unknown mode '%s': expected global, local or none",
                 w);
}

/* server-state-file-name [use-backend-name|<file>] */
static void kw_state_file_name(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        (void)data;
        if (cfg__n_words(p) <= arg) {
                p->px->state_file_name = NULL;
                return;
        }
        if (!cfg__want_args(p, arg, 1, "server-state-file-name [use-backend-name|<file>]"))
                return;
        if (p->l->words[arg].len == 0)
                cfg__err(p, arg, "server-state-file-name needs a non-empty file name");
        else if (strcmp(cfg__word(p, arg), "use-backend-name") == 0)
                p->px->state_file_name = NULL;
        else
                p->px->state_file_name = cfg__dup(p, arg);
}

/* bind <address>[,<address>...] */
static void kw_bind(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_proxy *px = p->px;
        const char *list = cfg__word(p, arg);
        unsigned n = cfg__n_words(p);
        struct cfg_bind opts = {0};

        if (arg >= n) {
                cfg__err(p, n - 1, "missing address: expected 'bind <address>:<port>'");
                return;
        }
        if (!cfg__bind_opts(p, arg + 1, &opts))
                return;
        /* HAProxy accepts a comma-separated list of addresses on one bind line. */
        for (const char *s = list; *s;) {
                const char *comma = strchr(s, ',');
                size_t len = comma ? (size_t)(comma - s) : strlen(s);
                struct cfg_bind *b;
                char err[256], path[CFG_ADDR_PATH_MAX + 8];
                /* variables are expanded in each address of the list (HAProxy's order) */
                const char *e = len ? cfg__addr_expand(p, arg, s, len) : "";
                struct sl_str a = sl_str_from_cstr(e ? e : "");

                if (len == 0) {
                        cfg__err(p, arg, "empty address in bind list '%s'", list);
                        return;
                }
                if (!e)
                        return;
                if (e[0] == '/') {
                        if (strlen(e) > CFG_ADDR_PATH_MAX) {
                                cfg__err(p, arg, "bind: Unix socket path is longer than %u bytes",
                                         CFG_ADDR_PATH_MAX);
                                return;
                        }
                        snprintf(path, sizeof(path), "unix@%s", e);
                        a = sl_str_from_cstr(path);
                }
                b = cfg_arena_push(&p->gen->arena, (void **)&px->binds, &px->n_binds,
                                   &px->cap_binds, sizeof(*b));
                if (!b) {
                        cfg__oom(p);
                        return;
                }
                *b = opts;
                if (cfg_parse_addr(a, CFG_ADDR_F_PORT_REQUIRED | CFG_ADDR_F_PORT_RANGE, &b->addr,
                                   err, sizeof(err)) < 0) {
                        cfg__err(p, arg, "bind: %s", err);
                        px->n_binds--;
                        return;
                }
                b->where = (struct cfg_where){p->file, p->l->line};
                s += len + (comma ? 1 : 0);
                if (comma && !*s) {
                        cfg__err(p, arg, "empty address at the end of bind list '%s'", list);
                        return;
                }
        }
}

static void kw_timeout(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        enum cfg_timeout t = (enum cfg_timeout)data;
        char err[256], usage[64];
        uint32_t ms;

        snprintf(usage, sizeof(usage), "timeout %s <time>", cfg_timeout_name(t));
        if (!cfg__want_args(p, arg, 1, usage))
                return;
        if (cfg_parse_time(cfg__word_str(p, arg), CFG_TIME_MS, &ms, err, sizeof(err)) < 0) {
                cfg__err(p, arg, "timeout %s: %s", cfg_timeout_name(t), err);
                return;
        }
        p->px->timeout_ms[t] = ms;
        p->px->timeouts_set |= 1u << t;
}

static void option_set(struct cfg_parser *p, uint32_t flag)
{
        struct cfg_proxy *px = p->px;

        if (p->negate)
                px->options &= ~flag;
        else
                px->options |= flag;
        px->options_set |= flag;
}

static void kw_option_flag(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        if (!cfg__want_args(p, arg, 0, "option <name>"))
                return;
        const uint32_t modes =
                CFG_OPT_HTTP_SERVER_CLOSE | CFG_OPT_HTTP_KEEP_ALIVE | CFG_OPT_HTTPCLOSE;

        /* HAProxy's connection modes exclude each other: the last one given wins. */
        if (!p->negate && (data & modes))
                p->px->options &= ~modes;
        option_set(p, (uint32_t)data);
}

/* option httplog [clf] / option tcplog / option jsonlog: the log formats exclude each
 * other. */
static void kw_option_log(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        if (cfg__n_words(p) > arg && strcmp(cfg__word(p, arg), "clf") == 0) {
                cfg__unsupported(p, arg, "option httplog clf");
                return;
        }
        if (!cfg__want_args(p, arg, 0,
                            data == CFG_OPT_HTTPLOG  ? "option httplog"
                            : data == CFG_OPT_TCPLOG ? "option tcplog"
                                                     : "option jsonlog"))
                return;
        if (!p->negate)
                p->px->options &= ~(uint32_t)(CFG_OPT_HTTPLOG | CFG_OPT_TCPLOG | CFG_OPT_JSONLOG);
        option_set(p, (uint32_t)data);
}

/* option forwardfor [except <network>] [header <name>] [if-none] (@data CFG_OPT_FORWARDFOR)
 * and option originalto [except <network>] [header <name>] (CFG_OPT_ORIGINALTO): each
 * occurrence starts from the defaults, as in HAProxy. */
static void kw_option_addr_hdr(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        bool ff = data == CFG_OPT_FORWARDFOR;
        const char *opt = ff ? "option forwardfor" : "option originalto";
        unsigned n = cfg__n_words(p);
        struct cfg_addr_hdr h = {0};

        if (p->negate) {
                if (cfg__want_args(p, arg, 0, ff ? "no option forwardfor" : "no option originalto"))
                        option_set(p, (uint32_t)data);
                return;
        }
        for (unsigned w = arg; w < n; w++) {
                const char *kw = cfg__word(p, w);

                if (strcmp(kw, "header") == 0) {
                        if (w + 1 >= n || !*cfg__word(p, w + 1)) {
                                cfg__err(p, w, "%s: 'header' needs a name", opt);
                                return;
                        }
                        h.header = cfg__dup(p, ++w);
                } else if (ff && strcmp(kw, "if-none") == 0) {
                        h.if_none = true;
                } else if (strcmp(kw, "except") == 0) {
                        if (w + 1 >= n || !cfg__net_parse(p, w + 1, &h.except)) {
                                if (w + 1 >= n)
                                        cfg__err(p, w, "%s: 'except' needs <address>[/mask]", opt);
                                return;
                        }
                        w++;
                } else {
                        cfg__err(p, w, "%s: unknown argument '%s': expected %s", opt, kw,
                                 ff ? "'except <network>', 'header <name>' or 'if-none'"
                                    : "'except <network>' or 'header <name>'");
                        return;
                }
        }
        if (ff)
                p->px->forwardfor = h;
        else
                p->px->originalto = h;
        option_set(p, (uint32_t)data);
}

/* balance <algorithm> [<arguments>] */
static void kw_balance(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_balance b = {.random_draws = 2};
        const char *a = cfg__word(p, arg);
        unsigned n = cfg__n_words(p), w = arg + 1;

        if (arg >= n) {
                cfg__err(p, n - 1, "missing algorithm: expected 'balance <algorithm>'");
                return;
        }
        if (strcmp(a, "roundrobin") == 0) {
                b.algo = CFG_LB_ROUNDROBIN;
        } else if (strcmp(a, "static-rr") == 0) {
                b.algo = CFG_LB_STATIC_RR;
        } else if (strcmp(a, "leastconn") == 0) {
                b.algo = CFG_LB_LEASTCONN;
        } else if (strcmp(a, "first") == 0) {
                b.algo = CFG_LB_FIRST;
        } else if (strcmp(a, "source") == 0) {
                b.algo = CFG_LB_SOURCE;
        } else if (strcmp(a, "uri") == 0) {
                b.algo = CFG_LB_URI;
                for (; w < n; w++) {
                        const char *kw = cfg__word(p, w);
                        unsigned long long v;

                        if (strcmp(kw, "len") == 0 || strcmp(kw, "depth") == 0) {
                                if (!cfg__uint(p, w + 1, 1, 1000000, kw, &v))
                                        return;
                                if (kw[0] == 'l')
                                        b.uri_len = (unsigned)v;
                                else
                                        b.uri_depth = (unsigned)v;
                                w++;
                        } else if (strcmp(kw, "whole") == 0) {
                                b.uri_whole = true;
                        } else if (strcmp(kw, "path-only") == 0) {
                                b.uri_path_only = true;
                        } else {
                                cfg__err(p, w,
                                         "balance uri: unknown argument '%s': expected "
                                         "'len <n>', 'depth <n>', 'whole' or 'path-only'",
                                         kw);
                                return;
                        }
                }
        } else if (strncmp(a, "hdr(", 4) == 0) {
                size_t len = strlen(a);

                if (len < 6 || a[len - 1] != ')') {
                        cfg__err(p, arg, "balance: expected 'hdr(<name>)', got '%s'", a);
                        return;
                }
                b.algo = CFG_LB_HDR;
                b.arg = cfg_arena_strndup(&p->gen->arena, a + 4, len - 5);
                if (!b.arg) {
                        cfg__oom(p);
                        return;
                }
                if (w < n && strcmp(cfg__word(p, w), "use_domain_only") == 0) {
                        b.hdr_use_domain_only = true;
                        w++;
                }
        } else if (strcmp(a, "random") == 0 || strncmp(a, "random(", 7) == 0) {
                b.algo = CFG_LB_RANDOM;
                if (a[6] == '(') {
                        unsigned long long v;
                        size_t len = strlen(a);

                        if (a[len - 1] != ')' ||
                            sl_str_to_u64(sl_str_make(a + 7, len - 8), 100, &v) < 0 || v < 1) {
                                cfg__err(p, arg,
                                         "balance: expected 'random(<draws>)' with 1 to "
                                         "100 draws, got '%s'",
                                         a);
                                return;
                        }
                        b.random_draws = (unsigned)v;
                }
        } else if (strcmp(a, "rdp-cookie") == 0 || strncmp(a, "rdp-cookie(", 11) == 0) {
                size_t len = strlen(a);

                /* the name is "mstshash" when none is given, as HAProxy's */
                if (a[10] && (len < 13 || a[len - 1] != ')')) {
                        cfg__err(p, arg, "balance: expected 'rdp-cookie[(<name>)]', got '%s'", a);
                        return;
                }
                b.algo = CFG_LB_RDP_COOKIE;
                b.arg = a[10] ? cfg_arena_strndup(&p->gen->arena, a + 11, len - 12) : "mstshash";
                if (!b.arg) {
                        cfg__oom(p);
                        return;
                }
        } else if (strcmp(a, "url_param") == 0 || strcmp(a, "hash") == 0 ||
                   strcmp(a, "sticky") == 0) {
                char kw[64];

                snprintf(kw, sizeof(kw), "balance %s", a);
                cfg__unsupported(p, arg, kw);
                return;
        } else {
                cfg__err(p, arg,
                         "unknown balance algorithm '%s': expected roundrobin, static-rr, "
                         "leastconn, first, source, uri, hdr(<name>), random or "
                         "rdp-cookie[(<name>)]",
                         a);
                return;
        }
        if (w < n) {
                cfg__err(p, w, "balance %s: unexpected argument '%s'", cfg_balance_name(b.algo),
                         cfg__word(p, w));
                return;
        }
        p->px->balance = b;
        p->px->balance_set = true;
}

/* persist rdp-cookie[(<name>)] */
static void kw_persist(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *a;
        size_t len;

        (void)data;
        if (!cfg__want_args(p, arg, 1, "persist rdp-cookie[(<name>)]"))
                return;
        a = cfg__word(p, arg);
        len = strlen(a);
        if (strncmp(a, "rdp-cookie", 10) != 0 ||
            (a[10] && (a[10] != '(' || len < 13 || a[len - 1] != ')'))) {
                cfg__err(p, arg, "expected 'persist rdp-cookie[(<name>)]', got '%s'", a);
                return;
        }
        p->px->persist_rdp = a[10] ? cfg_arena_strndup(&p->gen->arena, a + 11, len - 12) : "msts";
        if (!p->px->persist_rdp)
                cfg__oom(p);
}

/* hash-type map-based|consistent [sdbm|djb2|wt6|crc32|none] [avalanche] */
static void kw_hash_type(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        static const char *const fns[] = {"sdbm", "djb2", "wt6", "crc32", "none"};
        struct cfg_hash_type h = {.function = CFG_HASH_FN_SDBM};
        const char *m = cfg__word(p, arg);
        unsigned n = cfg__n_words(p), w = arg + 1;

        if (strcmp(m, "map-based") == 0) {
                h.method = CFG_HASH_MAP_BASED;
        } else if (strcmp(m, "consistent") == 0) {
                h.method = CFG_HASH_CONSISTENT;
        } else {
                cfg__err(p, arg < n ? arg : n - 1,
                         "hash-type: expected 'map-based' or 'consistent', got '%s'", m);
                return;
        }
        if (w < n) {
                size_t i;

                for (i = 0; i < SL_ARRAY_SIZE(fns); i++)
                        if (strcmp(cfg__word(p, w), fns[i]) == 0)
                                break;
                if (i < SL_ARRAY_SIZE(fns)) {
                        h.function = (enum cfg_hash_function)i;
                        w++;
                }
        }
        if (w < n && strcmp(cfg__word(p, w), "avalanche") == 0) {
                h.avalanche = true;
                w++;
        }
        if (w < n) {
                cfg__err(p, w, "hash-type: unexpected argument '%s'", cfg__word(p, w));
                return;
        }
        p->px->hash_type = h;
}

/* Server keywords HAProxy has and sluice does not support yet. */
static const char *const server_kw_known[] = {
        "agent-check",
        "agent-send",
        "agent-inter",
        "agent-addr",
        "agent-port",
        "allow-0rtt",
        "alpn",
        "ca-file",
        "check-proto",
        "check-via-socks4",
        "ciphers",
        "ciphersuites",
        "crl-file",
        "crt",
        "error-limit",
        "force-sslv3",
        "force-tlsv10",
        "force-tlsv11",
        "force-tlsv12",
        "force-tlsv13",
        "guid",
        "hash-key",
        "init-state",
        "log-bufsize",
        "log-proto",
        "maxqueue",
        "max-reuse",
        "minconn",
        "namespace",
        "no-agent-check",
        "no-backup",
        "no-ssl",
        "no-ssl-reuse",
        "no-sslv3",
        "no-tls-tickets",
        "no-tlsv10",
        "no-tlsv11",
        "no-tlsv12",
        "no-tlsv13",
        "no-verifyhost",
        "no-tfo",
        "non-stick",
        "npn",
        "observe",
        "on-error",
        "on-marked-down",
        "on-marked-up",
        "pool-conn-name",
        "redir",
        "set-proxy-v2-tlv-fmt",
        "shard",
        "sigalgs",
        "slowstart",
        "sni",
        "source",
        "ssl",
        "ssl-max-ver",
        "ssl-min-ver",
        "ssl-reuse",
        "stick",
        "socks4",
        "tcp-ut",
        "tfo",
        "tls-tickets",
        "track",
        "verify",
        "verifyhost",
        "ws",
        "usesrc",
        "enabled",
};

/* [weight <n>] [maxconn <n>] [backup] [disabled] [cookie <v>] [id <n>] [init-addr <m>]
 * [proto h1|h2] from word @w on, into @o, and @s (NULL on default-server). */
bool cfg__server_opts(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o,
                      struct cfg_server *s)
{
        unsigned n = cfg__n_words(p);

        for (; w < n; w++) {
                const char *kw = cfg__word(p, w);
                unsigned long long v;
                int used = cfg__server_kw(p, w, o, s);

                if (used == 0)
                        used = cfg__server_check_kw(p, w, o);
                if (used == 0)
                        used = cfg__server_pp_kw(p, w, o);
                if (used < 0)
                        return false;
                if (used > 0) {
                        w += (unsigned)used - 1;
                } else if (strcmp(kw, "weight") == 0) {
                        if (!cfg__uint(p, w + 1, 0, 256, "weight", &v))
                                return false;
                        o->weight = (unsigned)v;
                        w++;
                } else if (strcmp(kw, "maxconn") == 0) {
                        if (!cfg__uint(p, w + 1, 0, 10000000, "maxconn", &v))
                                return false;
                        o->maxconn = (unsigned)v;
                        w++;
                } else if (strcmp(kw, "backup") == 0) {
                        o->flags |= CFG_SRV_BACKUP;
                } else if (strcmp(kw, "disabled") == 0) {
                        o->flags |= CFG_SRV_DISABLED;
                } else if (strcmp(kw, "track") == 0) {
                        if (!s) {
                                cfg__err(p, w, "'track' is a server's own: not on default-server");
                                return false;
                        }
                        if (w + 1 >= n || !*cfg__word(p, w + 1)) {
                                cfg__err(p, w, "server option 'track' needs [<backend>/]<server>");
                                return false;
                        }
                        s->track_name = cfg__dup(p, ++w);
                } else if (strcmp(kw, "cookie") == 0) {
                        if (w + 1 >= n || !cfg__cookie_value_valid(cfg__word(p, w + 1))) {
                                cfg__err(p, w < n - 1 ? w + 1 : w,
                                         "server option 'cookie' needs a value of cookie "
                                         "characters (no blank, quote, comma, semicolon or "
                                         "backslash)");
                                return false;
                        }
                        o->cookie = cfg__dup(p, ++w);
                } else {
                        const char *hint = NULL;

                        for (size_t i = 0; i < SL_ARRAY_SIZE(server_kw_known); i++) {
                                if (strcmp(kw, server_kw_known[i]) == 0) {
                                        cfg__unsupported(p, w, kw);
                                        return false;
                                }
                        }
                        static const char *const ours[] = {"weight",
                                                           "maxconn",
                                                           "backup",
                                                           "disabled",
                                                           "cookie",
                                                           "id",
                                                           "init-addr",
                                                           "check",
                                                           "inter",
                                                           "fastinter",
                                                           "downinter",
                                                           "rise",
                                                           "fall",
                                                           "port",
                                                           "addr",
                                                           "check-ssl",
                                                           "check-sni",
                                                           "check-alpn",
                                                           "slowstart",
                                                           "track",
                                                           "observe",
                                                           "error-limit",
                                                           "on-error",
                                                           "on-marked-down",
                                                           "on-marked-up",
                                                           "agent-check",
                                                           "agent-port",
                                                           "agent-inter",
                                                           "agent-send",
                                                           "agent-addr",
                                                           "proto",
                                                           "pool-max-conn",
                                                           "pool-purge-delay",
                                                           "pool-low-conn",
                                                           "send-proxy",
                                                           "send-proxy-v2",
                                                           "proxy-v2-options",
                                                           "check-send-proxy",
                                                           "resolvers",
                                                           "resolve-prefer",
                                                           "resolve-opts",
                                                           "resolve-net"};
                        for (size_t i = 0; i < SL_ARRAY_SIZE(ours); i++)
                                if (cfg_is_close(kw, ours[i]))
                                        hint = ours[i];
                        for (size_t i = 0; !hint && i < SL_ARRAY_SIZE(server_kw_known); i++)
                                if (cfg_is_close(kw, server_kw_known[i]))
                                        hint = server_kw_known[i];
                        if (hint)
                                cfg__err(p, w, "unknown server option '%s'; did you mean '%s'?", kw,
                                         hint);
                        else
                                cfg__err(p, w, "unknown server option '%s'", kw);
                        return false;
                }
        }
        return true;
}

/* server <name> <address>:<port> [options] */
static void kw_server(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_proxy *px = p->px;
        struct cfg_server s = {.opts = px->default_server, .track_idx = -1}, *slot;
        unsigned n = cfg__n_words(p);
        const char *name = cfg__word(p, arg);

        if (arg + 1 >= n) {
                cfg__err(p, n - 1, "missing argument: expected 'server <name> <address>:<port>'");
                return;
        }
        if (!*name) {
                cfg__err(p, arg, "server needs a non-empty name");
                return;
        }
        for (size_t i = 0; i < px->n_servers; i++) {
                if (strcmp(px->servers[i].name, name) == 0) {
                        cfg__err(p, arg, "server '%s' already defined at %s:%u in %s '%s'", name,
                                 px->servers[i].where.file, px->servers[i].where.line,
                                 (px->cap & CFG_CAP_FE) ? "listen" : "backend", px->name);
                        return;
                }
        }
        s.name = cfg__dup(p, arg);
        if (!cfg__server_addr(p, arg + 1, &s) || !cfg__server_opts(p, arg + 2, &s.opts, &s) ||
            !cfg__server_resolve(p, arg + 1, px, &s))
                return;
        s.where = (struct cfg_where){p->file, p->l->line};
        slot = cfg_arena_push(&p->gen->arena, (void **)&px->servers, &px->n_servers,
                              &px->cap_servers, sizeof(*slot));
        if (!slot || !s.name) {
                cfg__oom(p);
                return;
        }
        *slot = s;
}

static void kw_default_server(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_server_opts o = p->px->default_server;

        if (cfg__server_opts(p, arg, &o, NULL))
                p->px->default_server = o;
}

static void kw_default_backend(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        if (cfg__want_args(p, arg, 1, "default_backend <backend>"))
                p->px->default_backend_name = cfg__dup(p, arg);
}

static void kw_retries(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned long long v;

        if (cfg__want_args(p, arg, 1, "retries <number>") &&
            cfg__uint(p, arg, 0, 1000, "retries", &v))
                p->px->retries = (unsigned)v;
}

/* tcp-request inspect-delay <time> */
static void kw_inspect_delay(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        uint32_t ms;
        char err[256];

        if (!cfg__want_args(p, arg, 1, "tcp-request inspect-delay <time>"))
                return;
        if (cfg_parse_time(cfg__word_str(p, arg), CFG_TIME_MS, &ms, err, sizeof(err)) < 0) {
                cfg__err(p, arg, "tcp-request inspect-delay: %s", err);
                return;
        }
        p->px->inspect_delay_ms = ms;
}

static void kw_http_reuse(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *m = cfg__word(p, arg);

        if (!cfg__want_args(p, arg, 1, "http-reuse never|safe|aggressive|always"))
                return;
        if (strcmp(m, "never") == 0)
                p->px->http_reuse = CFG_REUSE_NEVER;
        else if (strcmp(m, "safe") == 0)
                p->px->http_reuse = CFG_REUSE_SAFE;
        else if (strcmp(m, "aggressive") == 0)
                p->px->http_reuse = CFG_REUSE_AGGRESSIVE;
        else if (strcmp(m, "always") == 0)
                p->px->http_reuse = CFG_REUSE_ALWAYS;
        else
                cfg__err(p, arg, "http-reuse: expected never, safe, aggressive or always, got '%s'",
                         m);
}

/* log global | log <target> ... | no log */
static void kw_px_log(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_proxy *px = p->px;
        struct cfg_log_target t, *slot;

        if (p->negate) {
                if (cfg__want_args(p, arg, 0, "no log")) {
                        px->log_global = false;
                        px->logs = NULL;
                        px->n_logs = px->cap_logs = 0;
                }
                return;
        }
        if (cfg__n_words(p) > arg && strcmp(cfg__word(p, arg), "global") == 0) {
                if (cfg__want_args(p, arg, 1, "log global"))
                        px->log_global = true;
                return;
        }
        if (!cfg__log_target(p, arg, &t))
                return;
        slot = cfg_arena_push(&p->gen->arena, (void **)&px->logs, &px->n_logs, &px->cap_logs,
                              sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = t;
}

static void kw_log_format(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_fmt *f;

        if (!cfg__want_args(p, arg, 1, "log-format <format>"))
                return;
        f = cfg_arena_alloc(&p->gen->arena, sizeof(*f));
        if (!f) {
                cfg__oom(p);
                return;
        }
        if (cfg__fmt_parse(p, arg, f)) {
                f->log = true;
                p->px->log_format = f;
        }
}

/* Status codes HAProxy accepts in errorfile (its http_err_codes). */
static const unsigned errorfile_codes[] = {200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 414,
                                           421, 422, 425, 429, 431, 500, 501, 502, 503, 504};

/* errorfile <code> <file> (@data 0): the file is a whole HTTP response, read now (as HAProxy
 * does), so a missing file is a configuration error and not a failure at the first error.
 * errorloc|errorloc302|errorloc303 <code> <url> (@data 302 or 303): the response is made now,
 * as HAProxy's http_parse_errorloc() makes it, and is then used as an errorfile's. */
static void kw_errorfile(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        static const char *const loc_head[] = {"HTTP/1.1 302 Found\r\n",
                                               "HTTP/1.1 303 See Other\r\n"};
        const char *kw = cfg__word(p, arg - 1);
        struct cfg_proxy *px = p->px;
        struct cfg_errorfile e = {0}, *slot, *old;
        unsigned long long code;
        size_t i, n_old;

        if (!cfg__want_args(p, arg, 2,
                            data ? "errorloc <code> <url>" : "errorfile <code> <file>") ||
            !cfg__uint(p, arg, 100, 599, "status code", &code))
                return;
        for (i = 0; i < SL_ARRAY_SIZE(errorfile_codes); i++)
                if (errorfile_codes[i] == code)
                        break;
        if (i == SL_ARRAY_SIZE(errorfile_codes)) {
                cfg__err(p, arg, "%s: status %llu cannot have an error %s", kw, code,
                         data ? "location" : "file");
                return;
        }
        if (data) {
                static const char fmt[] = "%sCache-Control: no-cache\r\nContent-length: 0\r\n"
                                          "Location: %s\r\n\r\n";
                const char *url = cfg__word(p, arg + 1), *head = loc_head[data == 303];
                int n = snprintf(NULL, 0, fmt, head, url);
                char *c = n < 0 ? NULL : cfg_arena_alloc(&p->gen->arena, (size_t)n + 1);

                if (!c) {
                        cfg__oom(p);
                        return;
                }
                e.len = (size_t)snprintf(c, (size_t)n + 1, fmt, head, url);
                e.content = c;
                e.loc = (unsigned)data;
        } else if (!cfg__read_file(p, arg + 1, &e.content, &e.len)) {
                return;
        }
        e.status = (unsigned)code;
        e.path = cfg__dup(p, arg + 1);
        if (!e.path)
                return;
        /* A later errorfile for the same status replaces the earlier one (also one inherited
         * from defaults): copy the array before changing it, it may be shared. */
        old = px->errorfiles;
        n_old = px->n_errorfiles;
        px->errorfiles = NULL;
        px->n_errorfiles = px->cap_errorfiles = 0;
        for (size_t j = 0; j <= n_old; j++) {
                if (j < n_old && old[j].status == e.status)
                        continue;
                slot = cfg_arena_push(&p->gen->arena, (void **)&px->errorfiles, &px->n_errorfiles,
                                      &px->cap_errorfiles, sizeof(*slot));
                if (!slot) {
                        cfg__oom(p);
                        return;
                }
                *slot = j < n_old ? old[j] : e;
        }
}

const struct cfg_kw cfg__proxy_keywords[] = {
        {"mode", D | F | L | B, kw_mode, 0, false},
        {"maxconn", D | F | L, kw_px_maxconn, 0, false},
        {"bind", F | L, kw_bind, 0, false},
        {"timeout client", D | F | L, kw_timeout, CFG_TO_CLIENT, false},
        {"timeout client-fin", D | F | L, kw_timeout, CFG_TO_CLIENT_FIN, false},
        {"timeout connect", D | L | B, kw_timeout, CFG_TO_CONNECT, false},
        {"timeout http-keep-alive", D | F | L | B, kw_timeout, CFG_TO_HTTP_KEEP_ALIVE, false},
        {"timeout http-request", D | F | L | B, kw_timeout, CFG_TO_HTTP_REQUEST, false},
        {"timeout queue", D | L | B, kw_timeout, CFG_TO_QUEUE, false},
        {"timeout server", D | L | B, kw_timeout, CFG_TO_SERVER, false},
        {"timeout server-fin", D | L | B, kw_timeout, CFG_TO_SERVER_FIN, false},
        {"timeout tunnel", D | L | B, kw_timeout, CFG_TO_TUNNEL, false},
        {"timeout tarpit", D | F | L | B, kw_timeout, CFG_TO_TARPIT, false},
        {"option httplog", D | F | L, kw_option_log, CFG_OPT_HTTPLOG, true},
        {"option tcplog", D | F | L, kw_option_log, CFG_OPT_TCPLOG, true},
        {"option jsonlog", D | F | L, kw_option_log, CFG_OPT_JSONLOG, true},
        {"option forwardfor", D | F | L | B, kw_option_addr_hdr, CFG_OPT_FORWARDFOR, true},
        {"option originalto", D | F | L | B, kw_option_addr_hdr, CFG_OPT_ORIGINALTO, true},
        {"option http-server-close", D | F | L | B, kw_option_flag, CFG_OPT_HTTP_SERVER_CLOSE,
         true},
        {"option http-keep-alive", D | F | L | B, kw_option_flag, CFG_OPT_HTTP_KEEP_ALIVE, true},
        {"option redispatch", D | L | B, kw_option_flag, CFG_OPT_REDISPATCH, true},
        {"option dontlognull", D | F | L, kw_option_flag, CFG_OPT_DONTLOGNULL, true},
        {"option http-no-delay", D | F | L | B, kw_option_flag, CFG_OPT_HTTP_NO_DELAY, true},
        {"option disable-h2-upgrade", D | F | L, kw_option_flag, CFG_OPT_DISABLE_H2_UPGRADE, true},
        {"option httpclose", D | F | L | B, kw_option_flag, CFG_OPT_HTTPCLOSE, true},
        {"option abortonclose", D | L | B, kw_option_flag, CFG_OPT_ABORTONCLOSE, true},
        {"option tcpka", D | F | L | B, cfg__kw_option_tcpka, 0, true},
        {"option clitcpka", D | F | L, cfg__kw_option_tcpka, CFG_OPT_CLITCPKA, true},
        {"option srvtcpka", D | L | B, cfg__kw_option_tcpka, CFG_OPT_SRVTCPKA, true},
        {"option http-buffer-request", D | F | L | B, kw_option_flag, CFG_OPT_HTTP_BUFFER_REQUEST,
         true},
        {"option nolinger", D | F | L | B, kw_option_flag, CFG_OPT_NOLINGER, true},
        {"option tcp-smart-accept", D | F | L, kw_option_flag, CFG_OPT_TCP_SMART_ACCEPT, true},
        {"option tcp-smart-connect", D | L | B, kw_option_flag, CFG_OPT_TCP_SMART_CONNECT, true},
        {"option prefer-last-server", D | L | B, kw_option_flag, CFG_OPT_PREFER_LAST_SERVER, true},
        {"option socket-stats", D | F | L, kw_option_flag, CFG_OPT_SOCKET_STATS, true},
        {"option log-health-checks", D | L | B, kw_option_flag, CFG_OPT_LOG_HEALTH_CHECKS, true},
        {"timeout check", D | L | B, kw_timeout, CFG_TO_CHECK, false},
        {"redirect", F | L | B, cfg__kw_redirect, 0, false},
        {"monitor-uri", D | F | L, cfg__kw_monitor_uri, 0, false},
        {"monitor fail", F | L, cfg__kw_monitor_fail, 0, false},
        {"capture request header", F | L, cfg__kw_capture, 0, false},
        {"capture response header", F | L, cfg__kw_capture, 1, false},
        {"declare capture", F | L | B, cfg__kw_declare_capture, 0, false},
        {"unique-id-format", D | F | L, cfg__kw_unique_id_format, 0, false},
        {"unique-id-header", D | F | L, cfg__kw_unique_id_header, 0, false},
        {"balance", D | L | B, kw_balance, 0, false},
        {"persist", D | L | B, kw_persist, 0, false},
        {"hash-type", D | L | B, kw_hash_type, 0, false},
        {"server", L | B, kw_server, 0, false},
        {"server-template", L | B, cfg__kw_server_template, 0, false},
        {"default-server", D | L | B, kw_default_server, 0, false},
        {"default_backend", D | F | L, kw_default_backend, 0, false},
        {"retries", D | L | B, kw_retries, 0, false},
        {"retry-on", D | L | B, cfg__kw_retry_on, 0, false},
        {"id", F | L | B, cfg__kw_px_id, 0, false},
        {"fullconn", D | L | B, cfg__kw_fullconn, 0, false},
        {"dispatch", L | B, cfg__kw_dispatch, 0, false},
        {"http-reuse", D | L | B, kw_http_reuse, 0, false},
        {"log", D | F | L | B, kw_px_log, 0, true},
        {"log-format", D | F | L, kw_log_format, 0, false},
        {"log-tag", D | F | L | B, cfg__kw_log_tag, 1, false},
        {"load-server-state-from-file", D | L | B, kw_state_load, 0, false},
        {"server-state-file-name", D | L | B, kw_state_file_name, 0, false},
        {"errorfile", D | F | L | B, kw_errorfile, 0, false},
        {"errorloc", D | F | L | B, kw_errorfile, 302, false},
        {"errorloc302", D | F | L | B, kw_errorfile, 302, false},
        {"errorloc303", D | F | L | B, kw_errorfile, 303, false},
        {"acl", F | L | B, cfg__kw_acl, 0, false},
        {"use_backend", F | L, cfg__kw_use_backend, 0, false},
        {"http-request", F | L | B, cfg__kw_http_rule, 0, false},
        {"http-response", F | L | B, cfg__kw_http_rule, 1, false},
        {"http-after-response", F | L | B, cfg__kw_http_rule, 2, false},
        {"tcp-request connection", F | L, cfg__kw_tcp_rule, 0, false},
        {"tcp-request content", F | L | B, cfg__kw_tcp_rule, 1, false},
        {"tcp-request inspect-delay", D | F | L | B, kw_inspect_delay, 0, false},
        {"tcp-request session", F | L, cfg__kw_tcp_rule, 2, false},
        {"use-server", L | B, cfg__kw_use_server, 0, false},
        {"ignore-persist", L | B, cfg__kw_ignore_persist, 0, false},
        {"force-persist", L | B, cfg__kw_ignore_persist, 1, false},
        {"stick-table", F | L | B, cfg__kw_stick_table, 0, false},
        {"stick on", L | B, cfg__kw_stick, CFG_STICK_ON, false},
        {"cookie", D | L | B, cfg__kw_cookie, 0, false},
        {"stick match", L | B, cfg__kw_stick, CFG_STICK_MATCH, false},
        {"stats enable", D | F | L | B, cfg__kw_stats, CFG_KW_STATS_ENABLE, false},
        {"stats hide-version", D | F | L | B, cfg__kw_stats, CFG_KW_STATS_HIDE_VERSION, false},
        {"stats show-legends", D | F | L | B, cfg__kw_stats, CFG_KW_STATS_SHOW_LEGENDS, false},
        {"stats uri", D | F | L | B, cfg__kw_stats, CFG_KW_STATS_URI, false},
        {"stats realm", D | F | L | B, cfg__kw_stats, CFG_KW_STATS_REALM, false},
        {"stats refresh", D | F | L | B, cfg__kw_stats, CFG_KW_STATS_REFRESH, false},
        {"stats auth", D | F | L | B, cfg__kw_stats, CFG_KW_STATS_AUTH, false},
        {"stats scope", D | F | L | B, cfg__kw_stats, CFG_KW_STATS_SCOPE, false},
        {"stats show-node", D | F | L | B, cfg__kw_stats, CFG_KW_STATS_SHOW_NODE, false},
        {"stats show-desc", D | F | L | B, cfg__kw_stats, CFG_KW_STATS_SHOW_DESC, false},
        {"stats admin", F | L | B, cfg__kw_stats, CFG_KW_STATS_ADMIN, false},
        {"stats http-request", F | L | B, cfg__kw_stats, CFG_KW_STATS_HTTP_REQUEST, false},
        {"stick store-request", L | B, cfg__kw_stick, CFG_STICK_STORE_REQ, false},
        {"stick store-response", L | B, cfg__kw_stick, CFG_STICK_STORE_RES, false},
        {NULL, 0, NULL, 0, false},
};
