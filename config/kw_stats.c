/* The stats page's keywords ("stats enable", "stats uri", ... in defaults, frontend,
 * listen and backend sections): HAProxy's uri_auth, with its meaning. Any of them turns the
 * page on; a proxy that says one starts afresh rather than from its defaults' page. */
#include <ctype.h>
#include <string.h>

#include "arena.h"
#include "parse-int.h"
#include "units.h"

/* The page of the proxy being read, made (or detached from its defaults') on first use. */
static struct cfg_stats_page *page_of(struct cfg_parser *p)
{
        struct cfg_proxy *px = p->px;
        struct cfg_stats_page *s;

        if (px->stats && (!px->from || px->stats != px->from->stats))
                return px->stats;
        s = cfg_arena_alloc(&p->gen->arena, sizeof(*s));
        if (!s) {
                cfg__oom(p);
                return NULL;
        }
        memset(s, 0, sizeof(*s));
        s->uri = CFG_STATS_URI_DEFAULT;
        s->where = (struct cfg_where){p->file, p->l->line};
        px->stats = s;
        return s;
}

/* stats enable | hide-version | show-legends */
static void kw_stats_flag(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_stats_page *s;

        if (arg < cfg__n_words(p)) {
                cfg__err(p, arg, "'%s %s' takes no argument", cfg__word(p, 0), cfg__word(p, 1));
                return;
        }
        s = page_of(p);
        if (!s)
                return;
        if (data == CFG_KW_STATS_HIDE_VERSION)
                s->hide_version = true;
        else if (data == CFG_KW_STATS_SHOW_LEGENDS)
                s->show_legends = true;
}

/* stats uri <prefix> */
static void kw_stats_uri(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_stats_page *s;

        (void)data;
        if (!cfg__want_args(p, arg, 1, "stats uri <prefix>"))
                return;
        if (!*cfg__word(p, arg)) {
                cfg__err(p, arg, "'stats uri' needs a URI prefix");
                return;
        }
        s = page_of(p);
        if (s)
                s->uri = cfg__dup(p, arg);
}

/* stats realm <realm> */
static void kw_stats_realm(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_stats_page *s;
        const char *r = cfg__word(p, arg);

        (void)data;
        if (!cfg__want_args(p, arg, 1, "stats realm <realm>"))
                return;
        if (!*r || strchr(r, '"') || strchr(r, '\\')) {
                cfg__err(p, arg, "'stats realm' needs a realm name without '\"' or '\\'");
                return;
        }
        s = page_of(p);
        if (s)
                s->realm = cfg__dup(p, arg);
}

/* stats refresh <delay> (seconds by default) */
static void kw_stats_refresh(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_stats_page *s;
        char err[128];
        uint32_t ms;

        (void)data;
        if (!cfg__want_args(p, arg, 1, "stats refresh <delay>"))
                return;
        if (cfg_parse_time(cfg__word_str(p, arg), CFG_TIME_S, &ms, err, sizeof(err)) < 0) {
                cfg__err(p, arg, "stats refresh: %s", err);
                return;
        }
        if (ms && ms < 1000) {
                cfg__err(p, arg, "stats refresh: the page reloads in whole seconds: at least 1s");
                return;
        }
        s = page_of(p);
        if (s)
                s->refresh_ms = ms;
}

/* stats auth <user>:<password> (the password in clear, as HAProxy takes it) */
static void kw_stats_auth(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *acc = cfg__word(p, arg), *colon = strchr(acc, ':');
        struct cfg_stats_page *s;
        struct cfg_ul_user *u;

        (void)data;
        if (!cfg__want_args(p, arg, 1, "stats auth <user>:<password>"))
                return;
        if (!colon || colon == acc) {
                cfg__err(p, arg, "'stats auth' needs a <user>:<password> account");
                return;
        }
        s = page_of(p);
        if (!s)
                return;
        if (!s->users) {
                s->users = cfg_arena_alloc(&p->gen->arena, sizeof(*s->users));
                if (!s->users) {
                        cfg__oom(p);
                        return;
                }
                memset(s->users, 0, sizeof(*s->users));
                s->users->name = ".stats-auth";
                s->users->where = (struct cfg_where){p->file, p->l->line};
        }
        for (size_t i = 0; i < s->users->n_users; i++)
                if (strlen(s->users->users[i].name) == (size_t)(colon - acc) &&
                    memcmp(s->users->users[i].name, acc, (size_t)(colon - acc)) == 0)
                        cfg__warn(p, arg, "stats auth: user '%.*s' given twice: the first wins",
                                  (int)(colon - acc), acc);
        u = cfg_arena_push(&p->gen->arena, (void **)&s->users->users, &s->users->n_users,
                           &s->users->cap_users, sizeof(*u));
        if (!u) {
                cfg__oom(p);
                return;
        }
        memset(u, 0, sizeof(*u));
        u->name = cfg_arena_strndup(&p->gen->arena, acc, (size_t)(colon - acc));
        u->password = cfg_arena_strdup(&p->gen->arena, colon + 1);
        u->insecure = true;
        u->where = (struct cfg_where){p->file, p->l->line};
        if (!u->name || !u->password)
                cfg__oom(p);
}

/* stats scope <proxy> | . */
static void kw_stats_scope(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_stats_page *s;
        const char **slot;

        (void)data;
        if (!cfg__want_args(p, arg, 1, "stats scope <proxy>|."))
                return;
        s = page_of(p);
        if (!s)
                return;
        slot = cfg_arena_push(&p->gen->arena, (void **)&s->scopes, &s->n_scopes, &s->cap_scopes,
                              sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = cfg__dup(p, arg);
}

/* stats show-node [<name>] */
static void kw_stats_show_node(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *n = cfg__word(p, arg);
        struct cfg_stats_page *s;

        (void)data;
        if (arg + 1 < cfg__n_words(p)) {
                cfg__err(p, arg + 1, "'stats show-node' takes at most one name");
                return;
        }
        for (const char *c = n; *c; c++) {
                if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.') {
                        cfg__err(p, arg,
                                 "'stats show-node' invalid node name: use letters, digits, '-', "
                                 "'_' and '.'");
                        return;
                }
        }
        s = page_of(p);
        if (!s)
                return;
        s->show_node = true;
        s->node = *n ? cfg__dup(p, arg) : NULL;
}

/* stats show-desc [<description> ...] */
static void kw_stats_show_desc(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_stats_page *s;
        size_t len = 0;
        char *d;

        (void)data;
        if (arg >= cfg__n_words(p)) {
                /* HAProxy shows the global "description", which sluice does not read */
                cfg__warn(p, arg - 1,
                          "'stats show-desc' without a description shows nothing: give one");
                return;
        }
        for (unsigned w = arg; w < cfg__n_words(p); w++)
                len += strlen(cfg__word(p, w)) + 1;
        s = page_of(p);
        if (!s)
                return;
        d = cfg_arena_alloc(&p->gen->arena, len);
        if (!d) {
                cfg__oom(p);
                return;
        }
        d[0] = '\0';
        for (unsigned w = arg; w < cfg__n_words(p); w++) {
                if (w > arg)
                        strcat(d, " ");
                strcat(d, cfg__word(p, w));
        }
        s->show_desc = true;
        s->desc = d;
}

/* stats admin if|unless <condition> */
static void kw_stats_admin(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_stats_page *s;
        const struct cfg_cond *c, **slot;
        bool ok;

        (void)data;
        if (arg >= cfg__n_words(p) ||
            (strcmp(cfg__word(p, arg), "if") != 0 && strcmp(cfg__word(p, arg), "unless") != 0)) {
                cfg__err(p, arg < cfg__n_words(p) ? arg : arg - 1,
                         "'stats admin' requires either 'if' or 'unless' followed by a "
                         "condition");
                return;
        }
        c = cfg__rule_cond(p, arg, CFG_FETCH_AT_REQ, "stats admin", &ok);
        if (!ok)
                return;
        s = page_of(p);
        if (!s)
                return;
        slot = cfg_arena_push(&p->gen->arena, (void **)&s->admin, &s->n_admin, &s->cap_admin,
                              sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = c;
}

/* stats http-request allow|deny|auth [realm <realm>] [if|unless <condition>] */
static void kw_stats_http_request(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_http_rule r = {.where = {p->file, p->l->line}};
        const char *act = cfg__word(p, arg);
        unsigned end = cfg__cond_start(p, arg + 1);
        struct cfg_stats_page *s;
        struct cfg_http_rule *slot;
        bool ok;

        (void)data;
        if (strcmp(act, "allow") == 0 || strcmp(act, "deny") == 0) {
                if (arg + 1 < end) {
                        cfg__err(p, arg + 1, "'stats http-request %s' takes no argument", act);
                        return;
                }
                r.act = act[0] == 'a' ? CFG_ACT_ALLOW : CFG_ACT_DENY;
                r.reply.status = 403;
        } else if (strcmp(act, "auth") == 0) {
                r.act = CFG_ACT_AUTH;
                if (arg + 1 < end) {
                        if (strcmp(cfg__word(p, arg + 1), "realm") != 0 || arg + 3 != end) {
                                cfg__err(p, arg + 1, "expected 'auth [realm <realm>]'");
                                return;
                        }
                        r.realm = cfg__dup(p, arg + 2);
                }
        } else {
                cfg__err(p, arg < cfg__n_words(p) ? arg : arg - 1,
                         "'stats http-request' expects 'allow', 'deny' or 'auth'");
                return;
        }
        r.cond = cfg__rule_cond(p, end, CFG_FETCH_AT_REQ, "stats http-request", &ok);
        if (!ok)
                return;
        s = page_of(p);
        if (!s)
                return;
        if (s->n_rules && !s->rules[s->n_rules - 1].cond)
                cfg__warn(p, 0,
                          "the previous 'stats http-request' rule has no condition: this one is "
                          "never reached");
        slot = cfg_arena_push(&p->gen->arena, (void **)&s->rules, &s->n_rules, &s->cap_rules,
                              sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = r;
}

static cfg_kw_fn *const stats_fns[] = {
        [CFG_KW_STATS_ENABLE] = kw_stats_flag,
        [CFG_KW_STATS_HIDE_VERSION] = kw_stats_flag,
        [CFG_KW_STATS_SHOW_LEGENDS] = kw_stats_flag,
        [CFG_KW_STATS_URI] = kw_stats_uri,
        [CFG_KW_STATS_REALM] = kw_stats_realm,
        [CFG_KW_STATS_REFRESH] = kw_stats_refresh,
        [CFG_KW_STATS_AUTH] = kw_stats_auth,
        [CFG_KW_STATS_SCOPE] = kw_stats_scope,
        [CFG_KW_STATS_SHOW_NODE] = kw_stats_show_node,
        [CFG_KW_STATS_SHOW_DESC] = kw_stats_show_desc,
        [CFG_KW_STATS_ADMIN] = kw_stats_admin,
        [CFG_KW_STATS_HTTP_REQUEST] = kw_stats_http_request,
};

void cfg__kw_stats(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        stats_fns[data](p, arg, data);
}

void cfg__stats_finish(struct cfg_parser *p, struct cfg_proxy *px)
{
        struct cfg_stats_page *s = px->stats;

        if (!s)
                return;
        if (px->mode != CFG_MODE_HTTP) {
                if (!px->from || s != px->from->stats)
                        cfg_diag_add(p->diags, CFG_SEV_WARNING, s->where.file, s->where.line, 0,
                                     "%s '%s': the stats page needs 'mode http': it is not "
                                     "served",
                                     cfg__proxy_kind(px), px->name);
                return;
        }
        if (s->n_rules && (s->users || s->realm))
                cfg_diag_add(p->diags, CFG_SEV_ERROR, s->rules[0].where.file,
                             s->rules[0].where.line, 0,
                             "%s '%s': 'stats auth'/'stats realm' and 'stats http-request' "
                             "cannot be used together",
                             cfg__proxy_kind(px), px->name);
        /* a page shared with a defaults section is finished once per proxy: the same */
        s->auth_rule = (struct cfg_http_rule){
                .act = CFG_ACT_AUTH,
                .realm = s->realm ? s->realm : CFG_STATS_REALM_DEFAULT,
                .where = s->where,
        };
        for (size_t i = 0; i < s->n_rules; i++)
                if (s->rules[i].act == CFG_ACT_AUTH && !s->rules[i].realm)
                        s->rules[i].realm = CFG_STATS_REALM_DEFAULT;
}
