/* The end of a load (see parse-int.h, cfg__parser_finish()): the cross-references that
 * sections may make before or after each other (backends, stick tables, servers, capture
 * slots) are resolved, and the checks that need the whole file are made. parse.c reads the
 * lines. */
#include <string.h>

#include "arena.h"
#include "macros.h"
#include "parse-int.h"
#include "state_file.h"

/* A frontend in HTTP mode cannot hand a stream to a TCP backend (HAProxy refuses it too).
 * A TCP frontend may use an HTTP backend: the connection becomes an HTTP one when the
 * backend is chosen (the worker's stream_upgrade()). */
static void finish_backend_ref(struct cfg_parser *p, const struct cfg_proxy *px, const char *name,
                               const struct cfg_where *where, const struct cfg_proxy **ret)
{
        *ret = cfg_gen_find_proxy(p->gen, name, CFG_CAP_BE);
        if (!*ret) {
                cfg_diag_add(p->diags, CFG_SEV_ERROR, where->file, where->line, 0,
                             "%s '%s': no backend named '%s'", cfg__proxy_kind(px), px->name, name);
                return;
        }
        if (px->mode == CFG_MODE_HTTP && (*ret)->mode == CFG_MODE_TCP)
                cfg_diag_add(p->diags, CFG_SEV_ERROR, where->file, where->line, 0,
                             "%s '%s' is in mode http and cannot use backend '%s', which is in "
                             "mode tcp",
                             cfg__proxy_kind(px), px->name, name);
}

/* The proxy named @name that has a stick-table, or NULL (a frontend and a backend may
 * share a name; one of them holds the table). */
const struct cfg_proxy *cfg__find_table(const struct cfg_gen *g, const char *name)
{
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];

                if (px->table && px->name && strcmp(px->name, name) == 0)
                        return px;
        }
        return NULL;
}

/* Resolve a table argument (or a rule's own proxy when there is none) and check it has a
 * stick-table; errors at @where. */
static void finish_table_ref(struct cfg_parser *p, const struct cfg_proxy *px, const char *name,
                             const struct cfg_where *where, const struct cfg_proxy **ret)
{
        if (name) {
                *ret = cfg__find_table(p->gen, name);
                if (!*ret)
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, where->file, where->line, 0,
                                     "%s '%s': no stick-table named '%s'", cfg__proxy_kind(px),
                                     px->name, name);
                return;
        }
        if (!px->table) {
                cfg_diag_add(p->diags, CFG_SEV_ERROR, where->file, where->line, 0,
                             "%s '%s' has no stick-table: name one with 'table <name>'",
                             cfg__proxy_kind(px), px->name);
                *ret = NULL;
                return;
        }
        *ret = px;
}

static void finish_rules_tables(struct cfg_parser *p, const struct cfg_proxy *px,
                                struct cfg_http_rule *rules, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (rules[i].act == CFG_ACT_TRACK_SC)
                        finish_table_ref(p, px, rules[i].table_name, &rules[i].where,
                                         &rules[i].table);
}

static void finish_fmt_tables(struct cfg_parser *p, const struct cfg_proxy *px,
                              const struct cfg_fmt *f, const struct cfg_where *where)
{
        for (size_t i = 0; f && i < f->n_nodes; i++)
                if (f->nodes[i].kind == CFG_FMT_SAMPLE)
                        cfg__sample_finish(p, px, &f->nodes[i].smp, where);
}

static void finish_rules_fmt_tables(struct cfg_parser *p, const struct cfg_proxy *px,
                                    struct cfg_http_rule *rules, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                struct cfg_http_rule *r = &rules[i];

                finish_fmt_tables(p, px, &r->fmt, &r->where);
                finish_fmt_tables(p, px, &r->reply.body_fmt, &r->where);
                for (size_t j = 0; j < r->reply.n_hdrs; j++)
                        finish_fmt_tables(p, px, &r->reply.hdrs[j].value, &r->where);
                if (r->act == CFG_ACT_TRACK_SC)
                        cfg__sample_finish(p, px, &r->track_key, &r->where);
                if (cfg_rule_has_expr(r))
                        cfg__sample_finish(p, px, &r->expr, &r->where);
        }
}

/* A frontend's capture rules that name a slot by id: it must exist, declared before or
 * after the rule (a backend's are checked at run time, against the frontend's slots). */
static void finish_capture_ids(struct cfg_parser *p, const struct cfg_proxy *px,
                               const struct cfg_http_rule *rules, size_t n, const char *kw,
                               size_t n_slots)
{
        if (!(px->cap & CFG_CAP_FE))
                return;
        for (size_t i = 0; i < n; i++)
                if (rules[i].act == CFG_ACT_CAPTURE && rules[i].status >= n_slots)
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, rules[i].where.file,
                                     rules[i].where.line, 0,
                                     "%s '%s': unable to find capture id '%u' referenced by %s "
                                     "capture rule",
                                     cfg__proxy_kind(px), px->name, rules[i].status, kw);
}

/* "proto h1|h2" on a bind or a server names an HTTP mux: HAProxy refuses it on a proxy in
 * mode tcp (a server's, given or from default-server, at the server's line). */
static void finish_mux_protos(struct cfg_parser *p, const struct cfg_proxy *px, const char *kind)
{
        if (px->mode == CFG_MODE_HTTP)
                return;
        for (size_t i = 0; i < px->n_binds; i++) {
                const struct cfg_bind *b = &px->binds[i];

                if (b->proto == CFG_BIND_PROTO_AUTO)
                        continue;
                cfg_diag_add(p->diags, CFG_SEV_ERROR, b->where.file, b->where.line, 0,
                             "bind option 'proto %s' needs 'mode http': %s '%s' is in mode tcp",
                             b->proto == CFG_BIND_PROTO_H1 ? "h1" : "h2", kind, px->name);
        }
        for (size_t i = 0; i < px->n_servers; i++) {
                const struct cfg_server *s = &px->servers[i];

                if (s->opts.proto == CFG_BIND_PROTO_AUTO)
                        continue;
                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->where.file, s->where.line, 0,
                             "server option 'proto %s' needs 'mode http': server '%s' of %s "
                             "'%s' is in mode tcp",
                             s->opts.proto == CFG_BIND_PROTO_H1 ? "h1" : "h2", s->name, kind,
                             px->name);
        }
}

static void finish_stick_refs(struct cfg_parser *p, struct cfg_proxy *px)
{
        finish_rules_fmt_tables(p, px, px->tcp_conn, px->n_tcp_conn);
        finish_rules_fmt_tables(p, px, px->tcp_content, px->n_tcp_content);
        finish_rules_fmt_tables(p, px, px->tcp_sess, px->n_tcp_sess);
        finish_rules_fmt_tables(p, px, px->http_req, px->n_http_req);
        finish_rules_fmt_tables(p, px, px->http_res, px->n_http_res);
        finish_rules_fmt_tables(p, px, px->http_after, px->n_http_after);
        if (px->log_format && (!px->from || px->log_format != px->from->log_format))
                finish_fmt_tables(p, px, px->log_format, &px->where);
        for (size_t i = 0; i < px->n_stick_rules; i++) {
                struct cfg_stick_rule *r = &px->stick_rules[i];

                finish_table_ref(p, px, r->table_name, &r->where, &r->table);
                cfg__sample_finish(p, px, &r->key, &r->where);
                /* HAProxy: a table used for stickiness stores the server id */
                if (r->table)
                        r->table->table->store |= STKT_F(STKT_DT_SERVER_ID);
        }
        finish_rules_tables(p, px, px->tcp_conn, px->n_tcp_conn);
        finish_rules_tables(p, px, px->tcp_content, px->n_tcp_content);
        finish_rules_tables(p, px, px->tcp_sess, px->n_tcp_sess);
        finish_rules_tables(p, px, px->http_req, px->n_http_req);
        for (size_t i = 0; i < px->n_acls; i++) {
                const struct cfg_acl *acl = px->acls[i];

                for (size_t j = 0; j < acl->n_exprs; j++)
                        cfg__acl_expr_finish(p, px, acl->exprs[j]);
        }
}

uint32_t cfg_gen_stats_layout(struct cfg_gen *g)
{
        uint32_t n = CFG_STATS_PROC + 1;

        for (size_t i = 0; i < g->n_proxies; i++) {
                struct cfg_proxy *px = g->proxies[i];

                px->st_fe = (px->cap & CFG_CAP_FE) ? n++ : CFG_STATS_NONE;
                px->st_be = (px->cap & CFG_CAP_BE) ? n++ : CFG_STATS_NONE;
                px->st_srv = n;
                n += (uint32_t)px->n_servers;
                px->st_lis = n;
                n += (uint32_t)px->n_binds;
        }
        g->n_stats_objs = n;
        return n;
}

/* track [<backend>/]<server>: HAProxy's rules (the tracked server is checked or tracks
 * another, no loop, a tracking server has no check of its own) */
static void finish_tracks(struct cfg_parser *p)
{
        struct cfg_gen *g = p->gen;

        for (size_t i = 0; i < g->n_proxies; i++) {
                struct cfg_proxy *px = g->proxies[i];

                for (size_t j = 0; j < px->n_servers; j++) {
                        struct cfg_server *s = &px->servers[j];
                        const char *name = s->track_name, *slash;
                        const struct cfg_proxy *tpx = px;
                        char bname[256];

                        if (s->opts.check.agent && !s->opts.check.agent_port)
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->where.file, s->where.line,
                                             0,
                                             "server '%s/%s': agent-check needs agent-port (the "
                                             "port the agent listens on)",
                                             px->name, s->name);
                        if (!name)
                                continue;
                        slash = strchr(name, '/');
                        if (slash) {
                                snprintf(bname, sizeof(bname), "%.*s", (int)(slash - name), name);
                                tpx = cfg_gen_find_proxy(g, bname, CFG_CAP_BE);
                                name = slash + 1;
                        }
                        if (!tpx) {
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->where.file, s->where.line,
                                             0, "server '%s/%s': no backend '%s' to track",
                                             px->name, s->name, bname);
                                continue;
                        }
                        for (size_t k = 0; k < tpx->n_servers; k++)
                                if (strcmp(tpx->servers[k].name, name) == 0)
                                        s->track_idx = (int)k;
                        s->track_px = tpx;
                        if (s->track_idx >= 0) {
                                char full[600];

                                snprintf(full, sizeof(full), "%s/%s", tpx->name, name);
                                s->track_full = cfg_arena_strdup(&g->arena, full);
                        }
                        if (s->track_idx < 0)
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->where.file, s->where.line,
                                             0, "server '%s/%s': no server '%s/%s' to track",
                                             px->name, s->name, tpx->name, name);
                        else if (s->opts.check.enabled)
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->where.file, s->where.line,
                                             0,
                                             "server '%s/%s': 'check' and 'track' together: a "
                                             "tracking server takes its state from the tracked "
                                             "one",
                                             px->name, s->name);
                }
        }
        /* the tracked servers: checked or tracking, and no loop */
        for (size_t i = 0; i < g->n_proxies; i++) {
                struct cfg_proxy *px = g->proxies[i];

                for (size_t j = 0; j < px->n_servers; j++) {
                        struct cfg_server *s = &px->servers[j];
                        const struct cfg_server *t;
                        size_t hops = 0;

                        if (s->track_idx < 0)
                                continue;
                        t = &s->track_px->servers[s->track_idx];
                        if (!t->opts.check.enabled && !t->opts.check.agent && !t->track_name) {
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->where.file, s->where.line,
                                             0,
                                             "server '%s/%s': cannot track '%s/%s', which has no "
                                             "health check",
                                             px->name, s->name, s->track_px->name, t->name);
                                continue;
                        }
                        while (t && t->track_idx >= 0 && t != s && hops++ < 1000)
                                t = &t->track_px->servers[t->track_idx];
                        if (t == s || hops >= 1000)
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->where.file, s->where.line,
                                             0,
                                             "server '%s/%s': its tracking chain loops back to "
                                             "it",
                                             px->name, s->name);
                }
        }
}

void cfg__state_finish(struct cfg_parser *p)
{
        struct cfg_gen *g = p->gen;

        for (size_t i = 0; i < g->n_proxies; i++) {
                struct cfg_proxy *px = g->proxies[i];
                struct cfg_state_file *f;

                if (!(px->cap & CFG_CAP_BE) || px->state_load == CFG_STATE_LOAD_NONE)
                        continue;
                if (px->state_load == CFG_STATE_LOAD_GLOBAL && !g->global.state_file) {
                        cfg_diag_add(p->diags, CFG_SEV_WARNING, px->where.file, px->where.line, 0,
                                     "backend '%s': load-server-state-from-file global, but no "
                                     "server-state-file in the global section: no state is "
                                     "loaded",
                                     px->name);
                        continue;
                }
                f = cfg__state_file(p, px);
                for (size_t j = 0; f && j < px->n_servers; j++) {
                        struct cfg_state_entry *e = (struct cfg_state_entry *)cfg_state_file_find(
                                f, px->name, px->servers[j].name);

                        if (e) {
                                e->used = true;
                                px->servers[j].state = e;
                        }
                }
        }
        /* the lines of no server: one warning per unknown backend, one per unknown server of
         * a backend that loads this file */
        for (struct cfg_state_file *f = g->state_files; f; f = f->next) {
                const char *last_be = NULL;

                for (size_t k = 0; k < f->n; k++) {
                        const struct cfg_state_entry *e = &f->v[k];
                        const struct cfg_proxy *be;
                        char path[4096];
                        const char *mine;

                        if (e->used)
                                continue;
                        be = cfg_gen_find_proxy(g, e->backend, CFG_CAP_BE);
                        if (!be) {
                                if (!last_be || strcmp(last_be, e->backend) != 0)
                                        cfg_diag_add(p->diags, CFG_SEV_WARNING, f->path, e->line, 0,
                                                     "server-state file: no backend '%s' in the "
                                                     "configuration: its lines are ignored",
                                                     e->backend);
                                last_be = e->backend;
                                continue;
                        }
                        mine = cfg_proxy_state_path(g, be, path, sizeof(path));
                        if (mine && strcmp(mine, f->path) == 0)
                                cfg_diag_add(p->diags, CFG_SEV_WARNING, f->path, e->line, 0,
                                             "server-state file: no server '%s' in backend '%s': "
                                             "line ignored",
                                             e->server, e->backend);
                }
        }
}

void cfg__parser_finish(struct cfg_parser *p)
{
        struct cfg_gen *g = p->gen;

        p->l = NULL;
        if (!cfg_gen_index_backends(g))
                cfg__oom(p);
        cfg__finish_servers(p);
        finish_tracks(p);
        cfg__state_finish(p);
        cfg__userlists_finish(p);
        cfg__peers_finish(p);
        cfg__resolvers_finish(p);
        cfg__tls_finish(p);
        (void)cfg_gen_stats_layout(g);
        for (size_t i = 0; i < g->n_proxies; i++) {
                struct cfg_proxy *px = g->proxies[i];
                const char *kind = cfg__proxy_kind(px);

                /* a peers section's table: nothing refers from it, nothing to check */
                if (px->cap & CFG_CAP_TABLE)
                        continue;
                if ((px->cap & CFG_CAP_FE) && px->default_backend_name)
                        finish_backend_ref(p, px, px->default_backend_name, &px->where,
                                           &px->default_backend);
                for (size_t j = 0; j < px->n_use_servers; j++) {
                        struct cfg_use_server *u = &px->use_servers[j];

                        if (u->dynamic) {
                                finish_fmt_tables(p, px, &u->fmt, &u->where);
                                continue;
                        }
                        for (size_t k = 0; k < px->n_servers && u->srv < 0; k++)
                                if (strcmp(px->servers[k].name, u->name) == 0)
                                        u->srv = (int)k;
                        if (u->srv < 0)
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, u->where.file, u->where.line,
                                             0, "%s '%s': no server named '%s'", kind, px->name,
                                             u->name);
                }
                for (size_t j = 0; j < px->n_use_backend; j++) {
                        struct cfg_switch_rule *r = &px->use_backend[j];

                        if (r->dynamic)
                                finish_fmt_tables(p, px, &r->fmt, &r->where);
                        else
                                finish_backend_ref(p, px, r->backend_name, &r->where, &r->backend);
                }
                finish_stick_refs(p, px);
                finish_capture_ids(p, px, px->http_req, px->n_http_req, "http-request",
                                   px->n_req_caps);
                finish_capture_ids(p, px, px->http_res, px->n_http_res, "http-response",
                                   px->n_res_caps);
                finish_capture_ids(p, px, px->http_after, px->n_http_after, "http-after-response",
                                   px->n_res_caps);
                cfg__finish_mode(p, px);
                cfg__stats_finish(p, px);
                if (p->diag)
                        cfg__finish_diag(p, px);
                finish_mux_protos(p, px, kind);
                if ((px->cap & CFG_CAP_FE) && px->n_binds == 0)
                        cfg_diag_add(p->diags, CFG_SEV_WARNING, px->where.file, px->where.line, 0,
                                     "%s '%s' has no 'bind' line: it accepts no connection", kind,
                                     px->name);
                if ((px->cap & CFG_CAP_FE) && !(px->cap & CFG_CAP_BE) &&
                    !px->default_backend_name && px->n_use_backend == 0 &&
                    !(px->stats && px->mode == CFG_MODE_HTTP))
                        cfg_diag_add(p->diags, CFG_SEV_WARNING, px->where.file, px->where.line, 0,
                                     "frontend '%s' has no default_backend", px->name);
        }
}
