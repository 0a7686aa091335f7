/* What HAProxy 2.6 accepts with a warning and then ignores, so that a configuration it runs
 * loads here too and means the same: keywords a frontend or a backend has no use for
 * (HAProxy's warnifnotcap()), HTTP settings of a proxy in mode tcp (its
 * proxy_cfg_ensure_no_http() and the checks around it), and the diagnostics of -dD. Called
 * by the parser (parse.c) for each such line and at the end of the load. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macros.h"
#include "parse-int.h"

/* Keywords HAProxy refuses, rather than ignores, where the capability is missing. */
static const char *const cap_refused[] = {"server", "default-server", "tcp-request connection"};

/* Keywords whose arguments HAProxy does not read where it ignores them. */
static const char *const cap_unchecked[] = {"maxconn", "log-format"};

static bool name_in(const char *name, const char *const *list, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(name, list[i]) == 0)
                        return true;
        return false;
}

static const char *kind(const struct cfg_proxy *px)
{
        if ((px->cap & CFG_CAP_FE) && (px->cap & CFG_CAP_BE))
                return "listen";
        return (px->cap & CFG_CAP_FE) ? "frontend" : "backend";
}

/* Keywords accepted and ignored that no keyword table handles: HAProxy 2.6 ignores
 * bind-process itself. (The global keywords that mean nothing to sluice's processes, such
 * as master-worker or thread-groups, have handlers of their own in kw_global.c.) */
static const struct {
        const char *name;
        unsigned in;        /* CFG_IN_* */
        unsigned max_args;  /* more is refused */
        bool warn;          /* HAProxy warns; otherwise sluice gives a notice */
        const char *reason; /* ends the message */
} noticed[] = {
        {"bind-process", CFG_IN_DEFAULTS | CFG_IN_FRONTEND | CFG_IN_LISTEN | CFG_IN_BACKEND, 64,
         true, "it has no effect (deprecated in HAProxy 2.6, removed in 2.7)"},
};

bool cfg__noticed_keyword(struct cfg_parser *p, unsigned first)
{
        const char *w = cfg__word(p, first);
        unsigned n_args = cfg__n_words(p) - first - 1;

        for (size_t i = 0; i < SL_ARRAY_SIZE(noticed); i++) {
                if (strcmp(w, noticed[i].name) != 0 || !(noticed[i].in & cfg__section_in(p->sec)))
                        continue;
                if (p->negate) {
                        cfg__err(p, 0, "'no' cannot be used with '%s'", w);
                        return true;
                }
                if (n_args > noticed[i].max_args) {
                        char kw[64];

                        snprintf(kw, sizeof(kw), "%s %s", w, cfg__word(p, first + 1));
                        cfg__unsupported(p, first, kw);
                        return true;
                }
                if (noticed[i].warn)
                        cfg__warn(p, first, "ignoring '%s': %s", w, noticed[i].reason);
                else
                        cfg__notice(p, first, "ignoring '%s': %s", w, noticed[i].reason);
                return true;
        }
        return false;
}

bool cfg__ignored_keyword(struct cfg_parser *p, unsigned first)
{
        unsigned in = p->sec == CFG_SEC_FRONTEND ? CFG_IN_FRONTEND : CFG_IN_BACKEND;
        struct cfg_proxy scratch, *px = p->px;
        const struct cfg_kw *kw;
        unsigned n;

        if ((p->sec != CFG_SEC_FRONTEND && p->sec != CFG_SEC_BACKEND) || !px)
                return false;
        kw = cfg__proxy_kw_lookup(p, first, &n);
        /* a keyword of listen sections: a frontend or a backend has half of what it needs */
        if (!kw || (kw->in & in) || !(kw->in & CFG_IN_LISTEN) ||
            name_in(kw->name, cap_refused, SL_ARRAY_SIZE(cap_refused)))
                return false;
        if (p->negate && !kw->negatable) {
                cfg__err(p, 0, "'no' cannot be used with '%s'", kw->name);
                return true;
        }
        cfg__warn(p, first, "%s '%s' has no %s capability: ignoring '%s%s'%s", kind(px), px->name,
                  p->sec == CFG_SEC_FRONTEND ? "backend" : "frontend", p->negate ? "no " : "",
                  kw->name, strcmp(kw->name, "maxconn") == 0 ? " (maybe you want 'fullconn')" : "");
        if (name_in(kw->name, cap_unchecked, SL_ARRAY_SIZE(cap_unchecked)))
                return true;
        /* The arguments are still checked, as HAProxy does, on a copy that is dropped: what
         * the handler adds to arrays of the arena is never seen by the proxy. */
        scratch = *px;
        p->px = &scratch;
        kw->fn(p, first + n, kw->data);
        p->px = px;
        return true;
}

/* The first track-sc rule of @rules whose key reads HTTP, which a stream in mode tcp lacks
 * (the client's bytes themselves, CFG_FETCH_AT_CONTENT, are there to read). */
static const struct cfg_http_rule *track_reading_request(const struct cfg_http_rule *rules,
                                                         size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (rules[i].act == CFG_ACT_TRACK_SC &&
                    !(cfg_fetch_at(rules[i].track_key.fetch) &
                      (CFG_FETCH_AT_CONN | CFG_FETCH_AT_CONTENT)))
                        return &rules[i];
        return NULL;
}

static void warn_at(struct cfg_parser *p, const struct cfg_where *w, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void warn_at(struct cfg_parser *p, const struct cfg_where *w, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        cfg_diag_addv(p->diags, CFG_SEV_WARNING, w->file, w->line, 0, fmt, ap);
        va_end(ap);
}

static void warn_http_rules(struct cfg_parser *p, const struct cfg_proxy *px, const char *what,
                            const struct cfg_where *w)
{
        if (!w)
                return;
        if (px->cap & CFG_CAP_FE)
                warn_at(p, w,
                        "%s '%s' is in mode tcp: its '%s' rules apply only to the requests of "
                        "connections that a backend in mode http makes HTTP ones",
                        kind(px), px->name, what);
        else
                warn_at(p, w,
                        "%s '%s' is in mode tcp: ignoring its '%s' rules, which need "
                        "'mode http'",
                        kind(px), px->name, what);
}

void cfg__finish_mode(struct cfg_parser *p, struct cfg_proxy *px)
{
        /* @cap: the proxies an option is for (a backend that inherits a frontend's option
         * from defaults is not warned of it, as in HAProxy) */
        static const struct {
                uint32_t flag;
                const char *name;
                unsigned cap;
        } http_options[] = {
                {CFG_OPT_FORWARDFOR, "forwardfor", CFG_CAP_FE | CFG_CAP_BE},
                {CFG_OPT_ORIGINALTO, "originalto", CFG_CAP_FE | CFG_CAP_BE},
                {CFG_OPT_HTTP_NO_DELAY, "http-no-delay", CFG_CAP_FE | CFG_CAP_BE},
                {CFG_OPT_DISABLE_H2_UPGRADE, "disable-h2-upgrade", CFG_CAP_FE},
        };
        const struct cfg_http_rule *r;
        bool upgrades = false;

        if (px->mode != CFG_MODE_TCP)
                return;
        /* a "switch-mode http" rule makes the frontend's HTTP keywords its own: HAProxy
         * neither warns of them nor clears its HTTP options then */
        for (size_t i = 0; i < px->n_tcp_content; i++)
                upgrades |= px->tcp_content[i].act == CFG_ACT_SWITCH_MODE;
        /* HAProxy's warning: its upgraded requests would find only TCP servers */
        if (upgrades && (px->cap & CFG_CAP_BE) && px->n_servers && !px->default_backend_name &&
            px->n_use_backend == 0)
                warn_at(p, &px->where,
                        "%s '%s' switches to HTTP with 'switch-mode http' but has no backend: "
                        "the requests of the connections it upgrades cannot go to its servers, "
                        "which are in mode tcp",
                        kind(px), px->name);
        /* A stream in mode tcp has no HTTP message. A frontend's rules run for the requests
         * of a connection that a backend in mode http made an HTTP one (as in HAProxy 2.6,
         * which warns that they are ignored); a backend's never do. */
        if (!upgrades) {
                warn_http_rules(p, px, "http-request",
                                px->n_http_req ? &px->http_req[0].where : NULL);
                warn_http_rules(p, px, "http-response",
                                px->n_http_res ? &px->http_res[0].where : NULL);
                warn_http_rules(p, px, "http-after-response",
                                px->n_http_after ? &px->http_after[0].where : NULL);
        }
        for (size_t i = 0; i < SL_ARRAY_SIZE(http_options) && !upgrades; i++) {
                if (!(px->options & http_options[i].flag) || !(px->cap & http_options[i].cap))
                        continue;
                warn_at(p, &px->where,
                        "%s '%s' is in mode tcp: ignoring 'option %s', which needs 'mode http'",
                        kind(px), px->name, http_options[i].name);
                px->options &= ~http_options[i].flag;
        }
        if ((px->cap & CFG_CAP_FE) && !px->log_format && (px->options & CFG_OPT_HTTPLOG)) {
                warn_at(p, &px->where,
                        "%s '%s' is in mode tcp: 'option httplog' needs 'mode http', using "
                        "'option tcplog' instead",
                        kind(px), px->name);
                px->options = (px->options & ~(uint32_t)CFG_OPT_HTTPLOG) | CFG_OPT_TCPLOG;
        }
        if ((px->cap & CFG_CAP_BE) &&
            (px->balance.algo == CFG_LB_URI || px->balance.algo == CFG_LB_HDR)) {
                warn_at(p, &px->where,
                        "%s '%s' is in mode tcp: 'balance %s' needs 'mode http', using "
                        "'balance roundrobin' instead",
                        kind(px), px->name, cfg_balance_name(px->balance.algo));
                px->balance = (struct cfg_balance){.algo = CFG_LB_ROUNDROBIN, .random_draws = 2};
        }
        if ((px->cap & CFG_CAP_BE) && px->cookie)
                warn_at(p, &px->where,
                        "%s '%s' is in mode tcp: ignoring 'cookie', which needs 'mode http'",
                        kind(px), px->name);
        for (size_t i = 0; (px->cap & CFG_CAP_BE) && i < px->n_servers; i++)
                if (px->servers[i].opts.cookie)
                        warn_at(p, &px->servers[i].where,
                                "%s '%s' is in mode tcp: ignoring the cookie of server '%s'",
                                kind(px), px->name, px->servers[i].name);
        /* sluice parses no HTTP message in mode tcp: such a key finds nothing */
        r = (px->cap & CFG_CAP_FE) ? track_reading_request(px->tcp_content, px->n_tcp_content)
                                   : NULL;
        if (r)
                warn_at(p, &r->where,
                        "%s '%s' is in mode tcp: the key of this 'tcp-request content "
                        "track-sc%u' rule reads HTTP, which a stream in mode tcp does not "
                        "have: it tracks nothing",
                        kind(px), px->name, r->sc);
}

void cfg__finish_diag(struct cfg_parser *p, const struct cfg_proxy *px)
{
        /* HAProxy's check_server_cookies(): backup servers may share a value */
        for (size_t i = 0; (px->cap & CFG_CAP_BE) && i < px->n_servers; i++) {
                const struct cfg_server *s = &px->servers[i];

                if (!s->opts.cookie || (s->opts.flags & CFG_SRV_BACKUP))
                        continue;
                for (size_t j = 0; j < i; j++) {
                        const struct cfg_server *o = &px->servers[j];

                        if (o->opts.cookie && !(o->opts.flags & CFG_SRV_BACKUP) &&
                            strcmp(o->opts.cookie, s->opts.cookie) == 0) {
                                cfg_diag_add(p->diags, CFG_SEV_DIAG, s->where.file, s->where.line,
                                             0,
                                             "server '%s' has the same cookie value as server "
                                             "'%s' before it, which is not a backup: "
                                             "persistence may break",
                                             s->name, o->name);
                                break;
                        }
                }
        }
        /* sluice's own: in mode tcp, what reads HTTP finds nothing */
        for (size_t i = 0; px->mode == CFG_MODE_TCP && i < px->n_acls; i++) {
                const struct cfg_acl *acl = px->acls[i];

                if (acl->n_exprs && !(acl->at & (CFG_FETCH_AT_CONN | CFG_FETCH_AT_CONTENT)))
                        cfg_diag_add(p->diags, CFG_SEV_DIAG, acl->exprs[0]->where.file,
                                     acl->exprs[0]->where.line, 0,
                                     "ACL '%s' reads HTTP, which %s '%s' in mode tcp never parses: "
                                     "what reads HTTP there finds nothing",
                                     acl->name ? acl->name : "{ }", kind(px), px->name);
        }
}
