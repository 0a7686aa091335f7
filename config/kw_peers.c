/* peers sections (HAProxy's manual, section 3.5): the nodes that sync stick tables, where
 * this node listens for them ("peer" naming the local peer, or "bind"), where it connects to
 * the others, with the TLS options of bind and server lines, and the tables a section
 * declares itself ("table <t>", named "<peers>/<t>"). Called by the parser (parse.c) for the
 * "peers" line and each line of such a section, and by finish.c once every file was read,
 * to check each section names this node and to list the tables it syncs. The link driver
 * (worker/) reads the result, struct cfg_peers in model.h. */
#include <stdio.h>
#include <string.h>

#include "keywords.h"
#include "macros.h"
#include "parse-int.h"
#include "resolve.h"

void cfg__peers_open(struct cfg_parser *p)
{
        struct cfg_gen *g = p->gen;
        struct cfg_peers *ps, **slot;
        const char *name = cfg__word(p, 1);
        const struct cfg_peers *other;

        p->peers = NULL;
        p->px = NULL;
        p->sec = CFG_SEC_SKIP;
        p->peers_bind_line = p->peers_peer_line = false;
        if (cfg__n_words(p) < 2 || !*name) {
                cfg__err(p, 0, "missing name for peers section");
                return;
        }
        if (!cfg__want_args(p, 1, 1, "peers <name>"))
                return;
        if (!cfg__name_valid(name)) {
                cfg__err(p, 1,
                         "invalid character in peers name '%s': use letters, digits, '-', '_', "
                         "'.' and ':'",
                         name);
                return;
        }
        other = cfg_gen_find_peers(g, name);
        if (other) {
                cfg__err(p, 1,
                         "peers section '%s' has the same name as another peers section declared "
                         "at %s:%u",
                         name, other->where.file, other->where.line);
                return;
        }
        ps = cfg_arena_alloc(&g->arena, sizeof(*ps));
        slot = cfg_arena_push(&g->arena, (void **)&g->peers, &g->n_peers, &g->cap_peers,
                              sizeof(*slot));
        if (!ps || !slot || !(ps->name = cfg__dup(p, 1))) {
                cfg__oom(p);
                return;
        }
        ps->local = -1;
        ps->default_server.weight = 1;
        ps->where = (struct cfg_where){p->file, p->l->line};
        *slot = ps;
        p->peers = ps;
        p->sec = CFG_SEC_PEERS;
}

/* The word index of the first @kw from word @w on, for errors about an option. */
static unsigned word_index(const struct cfg_parser *p, unsigned w, const char *kw)
{
        for (unsigned i = w; i < cfg__n_words(p); i++)
                if (strcmp(cfg__word(p, i), kw) == 0)
                        return i;
        return w;
}

/* The options of a bind or default-bind line from word @w on, added to @acc: those of a bind
 * line in a proxy, but for the ones a peer link has no use for. */
static bool bind_opts(struct cfg_parser *p, unsigned w, struct cfg_bind *acc)
{
        struct cfg_bind b = *acc;
        const char *bad = NULL;

        if (!cfg__bind_opts(p, w, &b))
                return false;
        if (b.name != acc->name)
                bad = "name";
        else if (b.tfo != acc->tfo)
                bad = "tfo";
        else if (b.proto != acc->proto)
                bad = "proto";
        else if (b.accept_proxy != acc->accept_proxy)
                bad = "accept-proxy";
        if (bad) {
                cfg__err(p, word_index(p, w, bad),
                         "bind option '%s' is not allowed in a 'peers' section: a peers "
                         "listener takes TLS options, v4v6 and v6only",
                         bad);
                return false;
        }
        *acc = b;
        return true;
}

/* The options of a peer's server line (or default-server) from word @w on, into @o: its TLS
 * options, the only ones a peer link uses. */
static bool server_opts(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o, bool dflt)
{
        for (unsigned n = cfg__n_words(p); w < n; w++) {
                const char *kw = cfg__word(p, w);
                int r;

                if (strcmp(kw, "sni") == 0) {
                        cfg__err(p, w,
                                 "server option 'sni' is not supported in a 'peers' section "
                                 "yet: 'verifyhost' checks the peer's certificate");
                        return false;
                }
                r = cfg__server_tls_opt(p, w, o, dflt);
                if (r < 0)
                        return false;
                if (r == 0) {
                        /* check, init-addr, weight, cookie ...: HAProxy ignores them for peers */
                        cfg__err(p, w,
                                 "server option '%s' is not allowed in a 'peers' section: a "
                                 "peer takes TLS options only (ssl, crt, ca-file, crl-file, "
                                 "verify, verifyhost ...)",
                                 kw);
                        return false;
                }
                w += (unsigned)r - 1;
        }
        return true;
}

/* A listening address of the local peer (word @w, its variables expanded), into @ret: an IP
 * address and one port. */
static bool listen_addr(struct cfg_parser *p, unsigned w, const char *word, struct cfg_addr *ret)
{
        if (cfg__addr_str(p, w, word, CFG_ADDR_F_PORT_REQUIRED, ret, "peers listener") < 0)
                return false;
        if (ret->family != CFG_ADDR_IPV4 && ret->family != CFG_ADDR_IPV6) {
                cfg__err(p, w,
                         "peers listener: '%s': the local peer listens on an IP address and "
                         "port",
                         word);
                return false;
        }
        return true;
}

static struct cfg_bind *bind_push(struct cfg_parser *p, const struct cfg_addr *a)
{
        struct cfg_peers *ps = p->peers;
        struct cfg_bind *b = cfg_arena_push(&p->gen->arena, (void **)&ps->binds, &ps->n_binds,
                                            &ps->cap_binds, sizeof(*b));

        if (!b) {
                cfg__oom(p);
                return NULL;
        }
        memset(b, 0, sizeof(*b));
        b->addr = *a;
        b->where = (struct cfg_where){p->file, p->l->line};
        return b;
}

/* bind <address>:<port>[,...] [param*] (not with a "peer" line) */
static void peers_bind(struct cfg_parser *p)
{
        struct cfg_peers *ps = p->peers;
        const char *list = cfg__word(p, 1);

        if (p->peers_peer_line) {
                cfg__err(p, 0, "mixing \"peer\" and \"bind\" line is forbidden");
                return;
        }
        if (p->peers_bind_line) {
                cfg__err(p, 0,
                         "One listener per \"peers\" section is authorized but another is "
                         "already configured at [%s:%u]",
                         ps->binds ? ps->binds[0].where.file : p->file,
                         ps->binds ? ps->binds[0].where.line : 0);
                return;
        }
        p->peers_bind_line = true;
        if (cfg__n_words(p) < 2 || !*list) {
                cfg__err(p, 0, "missing address: expected 'bind <address>:<port>'");
                return;
        }
        if (!bind_opts(p, 2, &ps->bind_opts))
                return;
        for (const char *s = list; *s;) {
                const char *comma = strchr(s, ',');
                size_t len = comma ? (size_t)(comma - s) : strlen(s);
                const char *e = len ? cfg__addr_expand(p, 1, s, len) : NULL;
                struct cfg_addr a;

                if (!len) {
                        cfg__err(p, 1, "empty address in bind list '%s'", list);
                        return;
                }
                if (!e || !listen_addr(p, 1, e, &a) || !bind_push(p, &a))
                        return;
                s += len + (comma ? 1 : 0);
                if (comma && !*s) {
                        cfg__err(p, 1, "empty address at the end of bind list '%s'", list);
                        return;
                }
        }
}

/* The address of remote peer @name at word @w: an IP address or a host name (resolved now, as
 * HAProxy does for peers), and a port. */
static bool remote_addr(struct cfg_parser *p, unsigned w, const char *name, struct cfg_addr *ret)
{
        char err[256] = "";

        if (cfg__addr(p, w, CFG_ADDR_F_NAME_OK | CFG_ADDR_F_PORT_REQUIRED, ret, "peer address") < 0)
                return false;
        if (ret->family != CFG_ADDR_IPV4 && ret->family != CFG_ADDR_IPV6 &&
            ret->family != CFG_ADDR_NAME) {
                cfg__err(p, w,
                         "peer '%s': address '%s': a peer is reached over TCP: expected "
                         "<ip>:<port> or <host>:<port>",
                         name, cfg__word(p, w));
                return false;
        }
        if (!ret->has_port || ret->port_low == 0) {
                cfg__err(p, w, "peer '%s': missing port specification in '%s'", name,
                         cfg__word(p, w));
                return false;
        }
        if (ret->family == CFG_ADDR_NAME &&
            cfg_addr_resolve(ret, p->resolve, p->resolve_data, err, sizeof(err)) < 0) {
                cfg__err(p, w, "peer '%s': could not resolve address '%s': %s", name, ret->name,
                         err);
                return false;
        }
        return true;
}

/* peer <name> <ip>:<port> [param*], server <name> [<ip>:<port>] [param*] (@peer: the former).
 * The entry named as this node is the local peer: a "peer" line gives its listening address,
 * a "server" line none (the "bind" line does). */
static void peers_entry(struct cfg_parser *p, bool peer)
{
        struct cfg_peers *ps = p->peers;
        const char *kw = peer ? "peer" : "server", *name = cfg__word(p, 1);
        struct cfg_peer e = {.srv = {.opts = ps->default_server, .track_idx = -1}}, *slot;
        unsigned n = cfg__n_words(p), w = 2;

        if (peer) {
                if (p->peers_bind_line) {
                        cfg__err(p, 0, "mixing \"peer\" and \"bind\" line is forbidden");
                        return;
                }
                p->peers_peer_line = true;
        }
        if (n < 2 || !*name) {
                cfg__err(p, 0, "'%s' expects <name>%s as arguments", kw,
                         peer ? " and <addr>:<port>" : " [<addr>:<port>]");
                return;
        }
        if (!cfg__name_valid(name)) {
                cfg__err(p, 1, "invalid character in peer name '%s'", name);
                return;
        }
        for (size_t i = 0; i < ps->n_peers; i++) {
                const struct cfg_peer *o = &ps->peers[i];

                if (strcmp(o->srv.name, name) != 0)
                        continue;
                if (o->local)
                        cfg__err(p, 1, "'%s %s' : local peer name already referenced at %s:%u", kw,
                                 name, o->srv.where.file, o->srv.where.line);
                else
                        cfg__err(p, 1, "peer '%s' already defined at %s:%u in peers section '%s'",
                                 name, o->srv.where.file, o->srv.where.line, ps->name);
                return;
        }
        e.local = strcmp(name, p->gen->global.localpeer) == 0;
        e.has_addr = peer || !e.local;
        e.srv.name = cfg__dup(p, 1);
        e.srv.where = (struct cfg_where){p->file, p->l->line};
        if (!e.srv.name)
                return;
        if (e.has_addr) {
                struct sl_str raw = cfg__word_str(p, 2);
                const char *a;

                if (n < 3 || !raw.len) {
                        cfg__err(p, n - 1, "'%s %s': a %s needs an address: <ip>:<port>", kw, name,
                                 e.local ? "local peer on a 'peer' line" : "remote peer");
                        return;
                }
                if (e.local) {
                        /* where this node listens, with the options of default-bind */
                        a = cfg__addr_expand(p, 2, raw.ptr, raw.len);
                        if (!a || !listen_addr(p, 2, a, &e.srv.addr) || !bind_push(p, &e.srv.addr))
                                return;
                } else if (!remote_addr(p, 2, name, &e.srv.addr)) {
                        return;
                }
                w = 3;
        } else if (n > 2 && strchr(cfg__word(p, 2), ':')) {
                cfg__err(p, 2,
                         "'server %s' is the local peer: no address is expected here; it "
                         "listens on the 'bind' line's",
                         name);
                return;
        }
        if (!server_opts(p, w, &e.srv.opts, false))
                return;
        slot = cfg_arena_push(&p->gen->arena, (void **)&ps->peers, &ps->n_peers, &ps->cap_peers,
                              sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = e;
        if (e.local)
                ps->local = (int)(ps->n_peers - 1);
}

/* table <name> type <type> [len <n>] size <size> [expire <time>] [nopurge] [store <types>]:
 * a table synced with this section, "<peers>/<name>" for rules and the runtime API, "/<name>"
 * in the protocol. A proxy of capability CFG_CAP_TABLE holds it, so that it works wherever
 * a backend's table does. */
static void peers_table(struct cfg_parser *p)
{
        struct cfg_peers *ps = p->peers;
        struct cfg_gen *g = p->gen;
        const char *name = cfg__word(p, 1);
        const struct cfg_proxy *other;
        struct cfg_stick_table t, *ts;
        struct cfg_proxy *px, **slot;
        char full[512];

        if (cfg__n_words(p) < 2 || !*name) {
                cfg__err(p, 0, "table: ID not provided");
                return;
        }
        if (!cfg__name_valid(name)) {
                cfg__err(p, 1,
                         "invalid character in table name '%s': use letters, digits, '-', '_', "
                         "'.' and ':'",
                         name);
                return;
        }
        /* HAProxy's check: the name is compared to the tables declared so far */
        other = cfg__find_table(g, name);
        if (other) {
                cfg__err(p, 1,
                         "stick-table name '%s' conflicts with table declared in %s '%s' at %s:%u",
                         name, cfg__proxy_kind(other), other->name, other->table->where.file,
                         other->table->where.line);
                return;
        }
        if ((size_t)snprintf(full, sizeof(full), "%s/%s", ps->name, name) >= sizeof(full)) {
                cfg__err(p, 1, "'table %s': stick-table name too long", name);
                return;
        }
        other = cfg__find_table(g, full);
        if (other) {
                cfg__err(p, 1, "table '%s' already declared in peers section '%s' at %s:%u", name,
                         ps->name, other->table->where.file, other->table->where.line);
                return;
        }
        if (!cfg__stick_table_parse(p, 2, true, &t))
                return;
        t.peers = ps;
        px = cfg_arena_alloc(&g->arena, sizeof(*px));
        ts = cfg_arena_alloc(&g->arena, sizeof(*ts));
        slot = cfg_arena_push(&g->arena, (void **)&g->proxies, &g->n_proxies, &g->cap_proxies,
                              sizeof(*slot));
        if (!px || !ts || !slot || !(px->name = cfg_arena_strdup(&g->arena, full))) {
                cfg__oom(p);
                return;
        }
        *ts = t;
        px->cap = CFG_CAP_TABLE;
        px->where = t.where;
        px->mode = CFG_MODE_TCP;
        px->table = ts;
        *slot = px;
}

/* Supported keywords of a peers section, for hints. */
static const char *const peers_keywords[] = {
        "bind", "default-bind", "default-server", "peer", "server", "table", "enabled", "disabled"};

void cfg__peers_line(struct cfg_parser *p)
{
        struct cfg_peers *ps = p->peers;
        const char *kw = cfg__word(p, 0);

        if (strcmp(kw, "peer") == 0 || strcmp(kw, "server") == 0) {
                peers_entry(p, kw[0] == 'p');
        } else if (strcmp(kw, "bind") == 0) {
                peers_bind(p);
        } else if (strcmp(kw, "default-bind") == 0) {
                (void)bind_opts(p, 1, &ps->bind_opts);
        } else if (strcmp(kw, "default-server") == 0) {
                struct cfg_server_opts o = ps->default_server;

                if (server_opts(p, 1, &o, true))
                        ps->default_server = o;
        } else if (strcmp(kw, "table") == 0) {
                peers_table(p);
        } else if (strcmp(kw, "disabled") == 0 || strcmp(kw, "enabled") == 0) {
                if (cfg__want_args(p, 1, 0, kw))
                        ps->disabled = kw[0] == 'd';
        } else if (strcmp(kw, "log") == 0) {
                cfg__err(p, 0, "'log' in a 'peers' section is not supported by sluice yet");
        } else {
                const char *hint = NULL;

                for (size_t i = 0; i < SL_ARRAY_SIZE(peers_keywords) && !hint; i++)
                        if (cfg_is_close(kw, peers_keywords[i]))
                                hint = peers_keywords[i];
                if (hint)
                        cfg__err(p, 0,
                                 "unknown keyword '%s' in 'peers' section; did you mean '%s'?", kw,
                                 hint);
                else
                        cfg__err(p, 0, "unknown keyword '%s' in 'peers' section", kw);
        }
}

/* ---- the end of the load ---- */

static void peers_err(struct cfg_parser *p, enum cfg_severity sev, const struct cfg_where *w,
                      const char *fmt, const char *a, const char *b)
{
        cfg_diag_add(p->diags, sev, w->file, w->line, 0, fmt, a, b);
}

static void table_add(struct cfg_parser *p, struct cfg_peers *ps, const struct cfg_proxy *px)
{
        struct cfg_peers_table *t = cfg_arena_push(&p->gen->arena, (void **)&ps->tables,
                                                   &ps->n_tables, &ps->cap_tables, sizeof(*t));

        if (!t) {
                cfg__oom(p);
                return;
        }
        t->px = px;
        t->where = px->table->where;
        /* a table line's is its name after the section's: "/<t>" (HAProxy's) */
        t->wire_name = (px->cap & CFG_CAP_TABLE) ? strchr(px->name, '/') : px->name;
}

void cfg__peers_finish(struct cfg_parser *p)
{
        struct cfg_gen *g = p->gen;

        /* stick-table ... peers <name>: the section may come after the proxy */
        for (size_t i = 0; i < g->n_proxies; i++) {
                struct cfg_proxy *px = g->proxies[i];
                struct cfg_stick_table *t = px->table;

                if (!t || !t->peers_name)
                        continue;
                t->peers = cfg_gen_find_peers(g, t->peers_name);
                if (!t->peers)
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, t->where.file, t->where.line, 0,
                                     "%s '%s': stick-table: no peers section named '%s' (unable "
                                     "to find sync peers)",
                                     cfg__proxy_kind(px), px->name, t->peers_name);
        }
        for (size_t i = 0; i < g->n_peers; i++) {
                struct cfg_peers *ps = g->peers[i];
                const struct cfg_peer *local = cfg_peers_local(ps);

                /* HAProxy drops such a section with a warning and its tables are not synced:
                 * a node left out of the cluster by a typo in -L is an error here */
                if (!local && !ps->disabled)
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, ps->where.file, ps->where.line, 0,
                                     "peers section '%s' has no entry for the local peer '%s' "
                                     "(set with -L or localpeer)",
                                     ps->name, g->global.localpeer);
                else if (local && !ps->disabled && !ps->n_binds)
                        peers_err(p, CFG_SEV_WARNING, &local->srv.where,
                                  "peers section '%s': the local peer '%s' has no address to "
                                  "listen on (no 'bind' line): the other peers cannot connect "
                                  "to it",
                                  ps->name, local->srv.name);
                /* one listener configuration: "default-bind" and "bind" options, whatever
                 * their order (HAProxy's single bind_conf) */
                for (size_t j = 0; j < ps->n_binds; j++) {
                        struct cfg_bind *b = &ps->binds[j];
                        struct cfg_addr a = b->addr;
                        struct cfg_where w = b->where;

                        *b = ps->bind_opts;
                        b->addr = a;
                        b->where = w;
                }
                for (size_t j = 0; j < g->n_proxies; j++)
                        if (g->proxies[j]->table && g->proxies[j]->table->peers == ps)
                                table_add(p, ps, g->proxies[j]);
        }
}
