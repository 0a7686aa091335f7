/* Rules: use_backend, http-request and http-response, each with an optional condition.
 * Called by the parser; the compiled rules are run in order by workers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macros.h"
#include "parse-int.h"

unsigned cfg__cond_start(const struct cfg_parser *p, unsigned w)
{
        unsigned n = cfg__n_words(p);

        for (; w < n; w++) {
                const char *s = cfg__word(p, w);

                if (strcmp(s, "if") == 0 || strcmp(s, "unless") == 0)
                        return w;
        }
        return n;
}

const struct cfg_cond *cfg__rule_cond(struct cfg_parser *p, unsigned w, unsigned at,
                                      const char *where, bool *ok)
{
        const struct cfg_cond *c;

        *ok = true;
        if (w >= cfg__n_words(p))
                return NULL;
        c = cfg__cond_parse(p, w);
        if (!c) {
                *ok = false;
                return NULL;
        }
        /* HAProxy warns and keeps the rule: what is not known yet is never found, so the
         * ACL does not match (and "!acl" always does) */
        for (size_t i = 0; i < c->n_ands; i++) {
                for (size_t j = 0; j < c->ands[i].n_terms; j++) {
                        const struct cfg_acl *acl = c->ands[i].terms[j].acl;

                        if (!(acl->at & at))
                                cfg__warn(p, w,
                                          "ACL '%s' reads what is not known yet in %s rules: "
                                          "%s",
                                          acl->name ? acl->name : "{ }", where,
                                          acl->n_exprs > 1 ? "that part of it never matches"
                                                           : "it never matches there");
                }
        }
        return c;
}

/* use_backend <backend> [if|unless <condition>] */
void cfg__kw_use_backend(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_proxy *px = p->px;
        unsigned c = cfg__cond_start(p, arg);
        struct cfg_switch_rule r = {.where = {p->file, p->l->line}}, *slot;
        bool ok;

        if (c != arg + 1) {
                if (c == arg)
                        cfg__err(p, arg ? arg - 1 : 0,
                                 "missing backend name: expected "
                                 "'use_backend <backend> [if <cond>]'");
                else
                        cfg__err(p, arg + 1,
                                 "unexpected '%s' after the backend name: expected "
                                 "'if' or 'unless'",
                                 cfg__word(p, arg + 1));
                return;
        }
        /* HAProxy: a name with a '%' is a log-format string, resolved at run time */
        if (strchr(cfg__word(p, arg), '%')) {
                r.dynamic = true;
                if (!cfg__fmt_parse(p, arg, &r.fmt))
                        return;
        }
        r.cond = cfg__rule_cond(p, c, CFG_FETCH_AT_REQ, "use_backend", &ok);
        if (!ok)
                return;
        r.backend_name = cfg__dup(p, arg);
        slot = cfg_arena_push(&p->gen->arena, (void **)&px->use_backend, &px->n_use_backend,
                              &px->cap_use_backend, sizeof(*slot));
        if (!slot || !r.backend_name) {
                cfg__oom(p);
                return;
        }
        *slot = r;
}

/* use-server <server> if|unless <condition> (HAProxy requires the condition) */
void cfg__kw_use_server(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_proxy *px = p->px;
        unsigned c = cfg__cond_start(p, arg);
        struct cfg_use_server r = {.srv = -1, .where = {p->file, p->l->line}}, *slot;
        bool ok;

        if (c != arg + 1 || c >= cfg__n_words(p)) {
                cfg__err(p, arg < cfg__n_words(p) ? arg : arg - 1,
                         "expected 'use-server <server> if|unless <condition>'");
                return;
        }
        if (strchr(cfg__word(p, arg), '%')) {
                r.dynamic = true;
                if (!cfg__fmt_parse(p, arg, &r.fmt))
                        return;
        }
        r.cond = cfg__rule_cond(p, c, CFG_FETCH_AT_REQ, "use-server", &ok);
        if (!ok)
                return;
        r.name = cfg__dup(p, arg);
        slot = cfg_arena_push(&p->gen->arena, (void **)&px->use_servers, &px->n_use_servers,
                              &px->cap_use_servers, sizeof(*slot));
        if (!slot || !r.name) {
                cfg__oom(p);
                return;
        }
        *slot = r;
}

/* ignore-persist | force-persist if|unless <condition>; @data: 1 for force-persist */
void cfg__kw_ignore_persist(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *kw = data ? "force-persist" : "ignore-persist";
        struct cfg_proxy *px = p->px;
        struct cfg_persist_rule *slot;
        const struct cfg_cond *cond;
        bool ok;

        if (arg >= cfg__n_words(p) || cfg__cond_start(p, arg) != arg) {
                cfg__err(p, arg < cfg__n_words(p) ? arg : arg - 1,
                         "expected '%s if|unless <condition>'", kw);
                return;
        }
        cond = cfg__rule_cond(p, arg, CFG_FETCH_AT_REQ, kw, &ok);
        if (!ok)
                return;
        slot = cfg_arena_push(&p->gen->arena, (void **)&px->persist_rules, &px->n_persist_rules,
                              &px->cap_persist_rules, sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = (struct cfg_persist_rule){cond, data == 1};
}

static const char *const req_actions_known[] = {
        "add-acl",
        "cache-use",
        "ot-group",
        "del-acl",
        "del-map",
        "disable-l7-retry",
        "do-resolve",
        "early-hint",
        "reject",
        "sc-add-gpc",
        "sc-inc-gpc",
        "sc-set-gpt",
        "send-spoe-group",
        "set-bandwidth-limit",
        "set-map",
        "set-mark",
        "set-nice",
        "set-priority-class",
        "set-priority-offset",
        "set-timeout",
        "set-tos",
        "strict-mode",
        "wait-for-handshake",
        "cache-store",
};

/* "'http-request tarpit' is a HAProxy keyword that sluice does not support yet"; an
 * action's arguments in parentheses ("set-map(file)") are not part of its name. */
static void unsupported_action(struct cfg_parser *p, unsigned w, const char *rule, const char *act)
{
        char kw[128];

        snprintf(kw, sizeof(kw), "%s %.*s", rule, (int)strcspn(act, "("), act);
        cfg__unsupported(p, w, kw);
}

/* Is the action @act, arguments in parentheses aside, @name? */
static bool action_is(const char *name, const char *act)
{
        size_t len = strcspn(act, "(");

        return strlen(name) == len && memcmp(name, act, len) == 0;
}

static bool rule_push(struct cfg_parser *p, struct cfg_http_rule **arr, size_t *n, size_t *cap,
                      const struct cfg_http_rule *r)
{
        struct cfg_http_rule *slot =
                cfg_arena_push(&p->gen->arena, (void **)arr, n, cap, sizeof(*slot));

        if (!slot) {
                cfg__oom(p);
                return false;
        }
        *slot = *r;
        return true;
}

/* stick on|match|store-request|store-response <key> [table <table>] [if|unless <cond>] */
void cfg__kw_stick(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        static const char *const kws[] = {"stick on", "stick match", "stick store-request",
                                          "stick store-response"};
        bool response = data == CFG_STICK_STORE_RES;
        unsigned at = response ? CFG_AT_ANY : CFG_FETCH_AT_CONN | CFG_FETCH_AT_REQ;
        struct cfg_proxy *px = p->px;
        struct cfg_stick_rule r = {.kind = (enum cfg_stick_kind)data,
                                   .where = {p->file, p->l->line}},
                              *slot;
        unsigned end = cfg__cond_start(p, arg);
        int implied;
        bool ok;

        if (arg >= end) {
                cfg__err(p, arg ? arg - 1 : 0, "expected '%s <pattern> [table <table>]'",
                         kws[data]);
                return;
        }
        if (!cfg__sample_parse(p, arg, cfg__word_str(p, arg), &r.key, &implied))
                return;
        if (r.key.fetch == CFG_FETCH_SC || r.key.fetch == CFG_FETCH_SRC_TBL ||
            r.key.fetch == CFG_FETCH_SC_TRACKED) {
                cfg__err(p, arg, "'%s' cannot be a stickiness pattern", cfg__word(p, arg));
                return;
        }
        if (!(r.key.at & at)) {
                cfg__err(p, arg, "'%s' is not known yet when '%s' runs", cfg__word(p, arg),
                         kws[data]);
                return;
        }
        if (arg + 1 < end) {
                if (strcmp(cfg__word(p, arg + 1), "table") != 0 || arg + 3 != end) {
                        cfg__err(p, arg + 1, "expected '%s <pattern> [table <table>]'", kws[data]);
                        return;
                }
                r.table_name = cfg__dup(p, arg + 2);
        }
        r.cond = cfg__rule_cond(p, end, response ? CFG_FETCH_AT_RES : CFG_FETCH_AT_REQ, kws[data],
                                &ok);
        if (!ok)
                return;
        slot = cfg_arena_push(&p->gen->arena, (void **)&px->stick_rules, &px->n_stick_rules,
                              &px->cap_stick_rules, sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = r;
}

/* "switch-mode http [proto h1|h2]" at word @arg of a tcp-request rule (@data: its kind) ending
 * before @end, into @r (HAProxy's: content rules of a proxy with a frontend, mode http
 * only, a protocol a frontend's HTTP mux speaks). */
static bool switch_mode_parse(struct cfg_parser *p, unsigned arg, unsigned end, const char *kw,
                              unsigned long data, struct cfg_http_rule *r)
{
        const char *proto;

        if (data != 1) {
                cfg__err(p, arg, "'switch-mode' is only allowed in 'tcp-request content' rules");
                return false;
        }
        if (!(p->px->cap & CFG_CAP_FE)) {
                cfg__err(p, arg, "'%s switch-mode' needs a proxy with a frontend ('%s' has none)",
                         kw, p->px->name ? p->px->name : "defaults");
                return false;
        }
        if (arg + 1 >= end || strcmp(cfg__word(p, arg + 1), "http") != 0) {
                cfg__err(p, arg + 1 < end ? arg + 1 : arg,
                         "expected 'switch-mode http [proto h1|h2]'");
                return false;
        }
        r->act = CFG_ACT_SWITCH_MODE;
        if (arg + 2 == end)
                return true;
        if (arg + 4 != end || strcmp(cfg__word(p, arg + 2), "proto") != 0) {
                cfg__err(p, arg + 2, "expected 'switch-mode http [proto h1|h2]'");
                return false;
        }
        proto = cfg__word(p, arg + 3);
        if (strcmp(proto, "h1") != 0 && strcmp(proto, "h2") != 0) {
                cfg__err(p, arg + 3, "'switch-mode http': 'proto' expects h1 or h2, got '%s'",
                         proto);
                return false;
        }
        r->http_major = proto[1] == '1' ? 1 : 2;
        return true;
}

/* tcp-request connection|content|session accept|reject|silent-drop|track-sc<N> ...|sc-...|
 * set-var...|set-src...|switch-mode http [if|unless <cond>]; @data is 0, 1, 2 for them. */
void cfg__kw_tcp_rule(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        static const char *const kws[] = {"tcp-request connection", "tcp-request content",
                                          "tcp-request session"};
        bool content = data == 1;
        const char *kw = kws[data];
        struct cfg_proxy *px = p->px;
        struct cfg_http_rule r = {.where = {p->file, p->l->line}};
        unsigned end = cfg__cond_start(p, arg + 1);
        unsigned at = CFG_FETCH_AT_CONN | (content ? CFG_FETCH_AT_REQ : 0);
        const char *act;
        int k;
        bool ok;

        if (arg >= cfg__n_words(p)) {
                cfg__err(p, cfg__n_words(p) - 1, "'%s' needs an action", kw);
                return;
        }
        act = cfg__word(p, arg);
        k = cfg__stick_action_parse(p, arg, end, at, &r);
        if (k == 0)
                k = cfg__var_action_parse(p, arg, end, at, content, &r);
        if (k == 0)
                k = cfg__addr_action_parse(p, arg, end, at, &r);
        if (k == 0 && strcmp(act, "set-log-level") == 0) {
                if (!content) {
                        unsupported_action(p, arg, kw, act);
                        return;
                }
                if (!cfg__log_level_action_parse(p, arg, end, &r))
                        return;
                k = 1;
        }
        if (k == 0 && strcmp(act, "capture") == 0 && !content) {
                cfg__err(p, arg, "'capture' is only allowed in 'tcp-request content' rules");
                return;
        }
        if (k == 0)
                k = cfg__capture_action_parse(p, arg, end, at, false, true, &r);
        if (k < 0)
                return;
        if (k == 0 && strcmp(act, "switch-mode") == 0) {
                if (!switch_mode_parse(p, arg, end, kw, data, &r))
                        return;
                k = 2;
        }
        if (k == 0 && strcmp(act, "expect-proxy") == 0) {
                /* HAProxy's: only where no byte was read yet */
                if (data != 0) {
                        cfg__err(p, arg,
                                 "'expect-proxy' is only allowed in 'tcp-request connection' "
                                 "rules");
                        return;
                }
                if (arg + 2 != end || strcmp(cfg__word(p, arg + 1), "layer4") != 0) {
                        cfg__err(p, arg + 1 < end ? arg + 1 : arg,
                                 "expected 'expect-proxy layer4'");
                        return;
                }
                r.act = CFG_ACT_EXPECT_PROXY;
                k = 2;
        }
        if (k == 0) {
                if (strcmp(act, "accept") == 0 || strcmp(act, "reject") == 0 ||
                    strcmp(act, "silent-drop") == 0) {
                        r.act = act[0] == 'a'   ? CFG_ACT_ALLOW
                                : act[0] == 'r' ? CFG_ACT_REJECT
                                                : CFG_ACT_SILENT_DROP;
                        if (arg + 1 < end) {
                                cfg__err(p, arg + 1, "'%s' takes no argument, got '%s'", act,
                                         cfg__word(p, arg + 1));
                                return;
                        }
                } else {
                        static const char *const known[] = {
                                "expect-netscaler-cip",
                                "set-mark",
                                "set-tos",
                                "do-resolve",
                                "send-spoe-group",
                                "use-service",
                                "set-nice",
                                "sc-add-gpc",
                                "sc-inc-gpc",
                                "sc-set-gpt",
                                "set-bandwidth-limit",
                                "ot-group",
                                "set-priority-class",
                                "set-priority-offset",
                        };

                        for (size_t i = 0; i < SL_ARRAY_SIZE(known); i++) {
                                if (action_is(known[i], act)) {
                                        unsupported_action(p, arg, kw, act);
                                        return;
                                }
                        }
                        if (strncmp(act, "lua.", 4) == 0) {
                                unsupported_action(p, arg, kw, act);
                                return;
                        }
                        cfg__err(p, arg,
                                 "unknown %s action '%s': expected accept, reject, "
                                 "silent-drop, expect-proxy, track-sc0..2, sc-inc-gpc0(N), "
                                 "sc-inc-gpc1(N), "
                                 "sc-set-gpt0(N), set-var(N), unset-var(N), set-src, set-dst, "
                                 "set-src-port, set-dst-port, capture or switch-mode",
                                 kw, act);
                        return;
                }
        }
        r.cond = cfg__rule_cond(p, end, at, kw, &ok);
        if (!ok)
                return;
        if (content)
                (void)rule_push(p, &px->tcp_content, &px->n_tcp_content, &px->cap_tcp_content, &r);
        else if (data == 2)
                (void)rule_push(p, &px->tcp_sess, &px->n_tcp_sess, &px->cap_tcp_sess, &r);
        else
                (void)rule_push(p, &px->tcp_conn, &px->n_tcp_conn, &px->cap_tcp_conn, &r);
}

static const struct {
        const char *name;
        enum cfg_http_act act;
        bool in_response;
} actions[] = {
        {"allow", CFG_ACT_ALLOW, true},
        {"deny", CFG_ACT_DENY, true},
        {"tarpit", CFG_ACT_TARPIT, false},
        {"return", CFG_ACT_RETURN, true},
        {"redirect", CFG_ACT_REDIRECT, true},
        {"set-header", CFG_ACT_SET_HEADER, true},
        {"add-header", CFG_ACT_ADD_HEADER, true},
        {"del-header", CFG_ACT_DEL_HEADER, true},
        {"set-path", CFG_ACT_SET_PATH, false},
        {"replace-header", CFG_ACT_REPLACE_HEADER, true},
        {"replace-value", CFG_ACT_REPLACE_VALUE, true},
        {"replace-path", CFG_ACT_REPLACE_PATH, false},
        {"replace-pathq", CFG_ACT_REPLACE_PATHQ, false},
        {"replace-uri", CFG_ACT_REPLACE_URI, false},
        {"set-query", CFG_ACT_SET_QUERY, false},
        {"set-pathq", CFG_ACT_SET_PATHQ, false},
        {"set-uri", CFG_ACT_SET_URI, false},
        {"set-method", CFG_ACT_SET_METHOD, false},
        {"set-status", CFG_ACT_SET_STATUS, true},
        {"silent-drop", CFG_ACT_SILENT_DROP, true},
        {"set-log-level", CFG_ACT_SET_LOG_LEVEL, true},
};

bool cfg__log_level_action_parse(struct cfg_parser *p, unsigned w, unsigned end,
                                 struct cfg_http_rule *r)
{
        const char *lv;

        if (w + 2 != end) {
                cfg__err(p, w + 2 < end ? w + 2 : w, "expected 'set-log-level <level>'");
                return false;
        }
        lv = cfg__word(p, w + 1);
        r->act = CFG_ACT_SET_LOG_LEVEL;
        if (strcmp(lv, "silent") == 0) {
                r->log_level = -1;
                return true;
        }
        for (int i = 0; i < (int)SL_ARRAY_SIZE(cfg__levels); i++) {
                if (strcmp(lv, cfg__levels[i]) == 0) {
                        r->log_level = i;
                        return true;
                }
        }
        cfg__err(p, w + 1,
                 "set-log-level: unknown level '%s': expected emerg, alert, crit, err, warning, "
                 "notice, info, debug or silent",
                 lv);
        return false;
}

bool cfg__header_name_valid(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c <= ' ' || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c))
                        return false;
        }
        return true;
}

static bool reply_status_valid(unsigned status)
{
        return status >= 200 && status <= 599;
}

/* The response options of deny, tarpit and return (HAProxy's http-reply), from @w to @end:
 * [status <code>] [content-type <type>] [string <s> | lf-string <fmt> | file <path> |
 * errorfile <path> | default-errorfiles] [hdr <name> <fmt>]... ; deny and tarpit (@deny_status
 * their default status, 403 and 500; 0 for return) also take deny_status <code>. */
static bool reply_parse(struct cfg_parser *p, unsigned w, unsigned end, unsigned deny_status,
                        struct cfg_reply *r)
{
        bool is_deny = deny_status != 0, has_body = false;

        r->status = is_deny ? deny_status : 200;
        r->kind = is_deny ? CFG_REPLY_ERRORFILE : CFG_REPLY_EMPTY;
        while (w < end) {
                const char *kw = cfg__word(p, w);
                unsigned long long v;

                if ((strcmp(kw, "status") == 0 || (is_deny && strcmp(kw, "deny_status") == 0))) {
                        if (w + 1 >= end) {
                                cfg__err(p, w, "'%s' needs a code", kw);
                                return false;
                        }
                        if (!cfg__uint(p, w + 1, 100, 999, "status", &v))
                                return false;
                        if (!reply_status_valid((unsigned)v)) {
                                cfg__err(p, w + 1,
                                         "status %llu cannot be returned: expected "
                                         "200 to 599",
                                         v);
                                return false;
                        }
                        r->status = (unsigned)v;
                        w += 2;
                        continue;
                }
                if (w + 1 >= end && strcmp(kw, "default-errorfiles") != 0) {
                        cfg__err(p, w, "'%s' needs a value", kw);
                        return false;
                }
                if (strcmp(kw, "content-type") == 0) {
                        r->content_type = cfg__dup(p, w + 1);
                        w += 2;
                } else if (strcmp(kw, "string") == 0 || strcmp(kw, "lf-string") == 0 ||
                           strcmp(kw, "file") == 0 || strcmp(kw, "errorfile") == 0 ||
                           strcmp(kw, "default-errorfiles") == 0) {
                        if (has_body) {
                                cfg__err(p, w, "'%s': a response has only one body", kw);
                                return false;
                        }
                        has_body = true;
                        if (kw[0] == 's') {
                                r->kind = CFG_REPLY_STRING;
                                r->body = cfg__dup(p, w + 1);
                                r->body_len = p->l->words[w + 1].len;
                        } else if (kw[0] == 'l') {
                                r->kind = CFG_REPLY_LF_STRING;
                                if (!cfg__fmt_parse(p, w + 1, &r->body_fmt))
                                        return false;
                        } else if (kw[0] == 'e') {
                                cfg__unsupported(p, w, "errorfile");
                                return false;
                        } else if (kw[0] == 'f') {
                                r->kind = CFG_REPLY_STRING;
                                if (!cfg__read_file(p, w + 1, &r->body, &r->body_len))
                                        return false;
                        } else {
                                r->kind = CFG_REPLY_ERRORFILE;
                                w += 1;
                                continue;
                        }
                        w += 2;
                } else if (strcmp(kw, "hdr") == 0) {
                        struct cfg_reply_hdr *h;

                        if (w + 2 >= end) {
                                cfg__err(p, w, "'hdr' needs a name and a value");
                                return false;
                        }
                        if (!cfg__header_name_valid(cfg__word(p, w + 1))) {
                                cfg__err(p, w + 1, "invalid header name '%s'", cfg__word(p, w + 1));
                                return false;
                        }
                        h = cfg_arena_push(&p->gen->arena, (void **)&r->hdrs, &r->n_hdrs,
                                           &r->cap_hdrs, sizeof(*h));
                        if (!h) {
                                cfg__oom(p);
                                return false;
                        }
                        h->name = cfg__dup(p, w + 1);
                        if (!cfg__fmt_parse(p, w + 2, &h->value))
                                return false;
                        w += 3;
                } else if (strcmp(kw, "errorfiles") == 0 || strcmp(kw, "lf-file") == 0) {
                        cfg__unsupported(p, w, kw);
                        return false;
                } else {
                        cfg__err(p, w,
                                 "unexpected '%s': expected status, content-type, string, "
                                 "lf-string, file, default-errorfiles or hdr",
                                 kw);
                        return false;
                }
        }
        if (r->content_type && (r->kind == CFG_REPLY_EMPTY || r->kind == CFG_REPLY_ERRORFILE)) {
                cfg__err(p, w - 1, "'content-type' needs a body (string, lf-string or file)");
                return false;
        }
        if (!r->content_type && (r->kind == CFG_REPLY_STRING || r->kind == CFG_REPLY_LF_STRING)) {
                cfg__err(p, w - 1, "a body needs a 'content-type'");
                return false;
        }
        return true;
}

/* HAProxy 2.6's http-after-response actions that sluice does not have yet. */
static const char *const after_actions_known[] = {
        "del-acl",
        "del-map",
        "set-map",
        "strict-mode",
};

/* What http-after-response can do of sluice's actions: change the fields, or stop. */
static bool after_action_ok(enum cfg_http_act act)
{
        return act == CFG_ACT_ALLOW || act == CFG_ACT_SET_HEADER || act == CFG_ACT_ADD_HEADER ||
               act == CFG_ACT_DEL_HEADER || act == CFG_ACT_REPLACE_HEADER ||
               act == CFG_ACT_REPLACE_VALUE || act == CFG_ACT_SET_STATUS ||
               act == CFG_ACT_SET_LOG_LEVEL;
}

/* Append @r to the rules of its kind (@data as cfg__kw_http_rule's). */
static bool http_rule_push(struct cfg_parser *p, unsigned long data, const struct cfg_http_rule *r)
{
        struct cfg_proxy *px = p->px;

        if (data == 2)
                return rule_push(p, &px->http_after, &px->n_http_after, &px->cap_http_after, r);
        if (data == 1)
                return rule_push(p, &px->http_res, &px->n_http_res, &px->cap_http_res, r);
        return rule_push(p, &px->http_req, &px->n_http_req, &px->cap_http_req, r);
}

/* http-request|http-response|http-after-response <action> [args] [if|unless <condition>];
 * @data is 0, 1 or 2 for them. */
void cfg__kw_http_rule(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        bool response = data >= 1, after = data == 2;
        const char *kw = after      ? "http-after-response"
                         : response ? "http-response"
                                    : "http-request";
        struct cfg_http_rule r = {.where = {p->file, p->l->line}};
        const char *act = cfg__word(p, arg);
        unsigned end = cfg__cond_start(p, arg + 1), w = arg + 1;
        size_t i;
        bool ok;

        if (arg >= cfg__n_words(p)) {
                cfg__err(p, cfg__n_words(p) - 1, "'%s' needs an action", kw);
                return;
        }
        {
                unsigned at = response ? CFG_AT_ANY : CFG_FETCH_AT_CONN | CFG_FETCH_AT_REQ;
                int k = response ? 0 : cfg__stick_action_parse(p, arg, end, at, &r);

                if (k == 0)
                        k = cfg__var_action_parse(p, arg, end, at, true, &r);
                if (k == 0)
                        k = cfg__capture_action_parse(p, arg, end, at, response, false, &r);
                if (k == 0 && !response)
                        k = cfg__addr_action_parse(p, arg, end, at, &r);
                if (k == 0 && !response)
                        k = cfg__http_rule_ext(p, arg, end, &r);
                if (k < 0)
                        return;
                if (k > 0) {
                        r.cond = cfg__rule_cond(
                                p, end, response ? CFG_FETCH_AT_RES : CFG_FETCH_AT_REQ, kw, &ok);
                        if (ok)
                                (void)http_rule_push(p, data, &r);
                        return;
                }
        }
        for (i = 0; i < SL_ARRAY_SIZE(actions); i++)
                if (strcmp(actions[i].name, act) == 0)
                        break;
        if (after && (i == SL_ARRAY_SIZE(actions) || !after_action_ok(actions[i].act))) {
                for (size_t k = 0; k < SL_ARRAY_SIZE(after_actions_known); k++) {
                        if (action_is(after_actions_known[k], act)) {
                                unsupported_action(p, arg, kw, act);
                                return;
                        }
                }
                cfg__err(p, arg, "'%s' is not an http-after-response action", act);
                return;
        }
        if (i == SL_ARRAY_SIZE(actions) || (response && !actions[i].in_response)) {
                const char *hint = NULL;

                for (size_t k = 0; k < SL_ARRAY_SIZE(req_actions_known); k++) {
                        if (action_is(req_actions_known[k], act)) {
                                unsupported_action(p, arg, kw, act);
                                return;
                        }
                }
                /* HAProxy's stick-table actions of responses, and Lua actions */
                if (strncmp(act, "lua.", 4) == 0 ||
                    (response &&
                     (strncmp(act, "track-sc", 8) == 0 || strncmp(act, "sc-inc-gpc", 10) == 0 ||
                      strncmp(act, "sc-set-gpt", 10) == 0))) {
                        unsupported_action(p, arg, kw, act);
                        return;
                }
                if (i < SL_ARRAY_SIZE(actions)) {
                        cfg__err(p, arg, "'%s' is not an http-response action", act);
                        return;
                }
                for (size_t k = 0; k < SL_ARRAY_SIZE(actions) && !hint; k++)
                        if (cfg_is_close(act, actions[k].name))
                                hint = actions[k].name;
                if (hint)
                        cfg__err(p, arg, "unknown %s action '%s'; did you mean '%s'?", kw, act,
                                 hint);
                else
                        cfg__err(p, arg, "unknown %s action '%s'", kw, act);
                return;
        }
        r.act = actions[i].act;
        switch (r.act) {
        case CFG_ACT_SET_LOG_LEVEL:
                if (!cfg__log_level_action_parse(p, w - 1, end, &r))
                        return;
                break;
        case CFG_ACT_ALLOW:
        case CFG_ACT_SILENT_DROP:
                if (w < end) {
                        cfg__err(p, w, "'%s' takes no argument, got '%s'", act, cfg__word(p, w));
                        return;
                }
                break;
        case CFG_ACT_DENY:
        case CFG_ACT_TARPIT:
        case CFG_ACT_RETURN:
                if (!reply_parse(p, w, end,
                                 r.act == CFG_ACT_DENY     ? 403
                                 : r.act == CFG_ACT_TARPIT ? 500
                                                           : 0,
                                 &r.reply))
                        return;
                break;
        case CFG_ACT_REDIRECT:
                if (!cfg__redirect_parse(p, w, end, response, false, &r))
                        return;
                break;
        case CFG_ACT_SET_HEADER:
        case CFG_ACT_ADD_HEADER:
                if (end != w + 2) {
                        cfg__err(p, end > w + 2 ? w + 2 : (w < end ? w : end - 1),
                                 "expected '%s <name> <value>'", act);
                        return;
                }
                if (!cfg__header_name_valid(cfg__word(p, w))) {
                        cfg__err(p, w, "invalid header name '%s'", cfg__word(p, w));
                        return;
                }
                r.hdr_name = cfg__dup(p, w);
                r.hdr_name_len = p->l->words[w].len;
                if (!cfg__fmt_parse(p, w + 1, &r.fmt))
                        return;
                break;
        case CFG_ACT_DEL_HEADER:
                if (w >= end || !cfg__header_name_valid(cfg__word(p, w))) {
                        cfg__err(p, w < end ? w : end - 1,
                                 "expected 'del-header <name> [-m "
                                 "<method>]'");
                        return;
                }
                r.hdr_name = cfg__dup(p, w);
                r.hdr_name_len = p->l->words[w].len;
                r.del_match = CFG_MATCH_STR;
                if (w + 1 < end) {
                        const char *m = cfg__word(p, w + 2);

                        if (strcmp(cfg__word(p, w + 1), "-m") != 0 || w + 3 != end) {
                                cfg__err(p, w + 1, "expected 'del-header <name> [-m <method>]'");
                                return;
                        }
                        if (strcmp(m, "str") == 0)
                                r.del_match = CFG_MATCH_STR;
                        else if (strcmp(m, "beg") == 0)
                                r.del_match = CFG_MATCH_BEG;
                        else if (strcmp(m, "end") == 0)
                                r.del_match = CFG_MATCH_END;
                        else if (strcmp(m, "sub") == 0)
                                r.del_match = CFG_MATCH_SUB;
                        else if (strcmp(m, "reg") == 0) {
                                r.del_match = CFG_MATCH_REG;
                                r.del_re = cfg__regex(p, w, r.hdr_name, true);
                                if (!r.del_re)
                                        return;
                        } else {
                                cfg__err(p, w + 2,
                                         "del-header: match method '%s': expected str, "
                                         "beg, end, sub or reg",
                                         m);
                                return;
                        }
                }
                break;
        case CFG_ACT_REJECT:
        case CFG_ACT_TRACK_SC:
        case CFG_ACT_SC_INC_GPC0:
        case CFG_ACT_SC_INC_GPC1:
        case CFG_ACT_SC_SET_GPT0:
        case CFG_ACT_SET_VAR:
        case CFG_ACT_SET_VAR_FMT:
        case CFG_ACT_UNSET_VAR:
        case CFG_ACT_AUTH:
        case CFG_ACT_USE_SERVICE:
        case CFG_ACT_WAIT_FOR_BODY:
        case CFG_ACT_NORMALIZE_URI:
        case CFG_ACT_SET_SRC:
        case CFG_ACT_SET_DST:
        case CFG_ACT_SET_SRC_PORT:
        case CFG_ACT_SET_DST_PORT:
        case CFG_ACT_CAPTURE:
        case CFG_ACT_EXPECT_PROXY:
        case CFG_ACT_SWITCH_MODE:
                return; /* not in the table: handled above */
        case CFG_ACT_SET_PATH:
        case CFG_ACT_SET_QUERY:
        case CFG_ACT_SET_PATHQ:
        case CFG_ACT_SET_URI:
        case CFG_ACT_SET_METHOD:
                if (end != w + 1) {
                        cfg__err(p, w < end ? (end > w + 1 ? w + 1 : w) : end - 1,
                                 "expected '%s <format>'", act);
                        return;
                }
                if (!cfg__fmt_parse(p, w, &r.fmt))
                        return;
                break;
        case CFG_ACT_REPLACE_HEADER:
        case CFG_ACT_REPLACE_VALUE:
                if (end != w + 3 || !cfg__header_name_valid(cfg__word(p, w))) {
                        cfg__err(p, w < end ? w : end - 1,
                                 "expected '%s <name> <regex> <replacement format>'", act);
                        return;
                }
                r.hdr_name = cfg__dup(p, w);
                r.hdr_name_len = p->l->words[w].len;
                w++;
                __attribute__((fallthrough));
        case CFG_ACT_REPLACE_PATH:
        case CFG_ACT_REPLACE_PATHQ:
        case CFG_ACT_REPLACE_URI:
                if (end != w + 2) {
                        cfg__err(p, w < end ? w : end - 1,
                                 "expected '%s <regex> <replacement format>'", act);
                        return;
                }
                r.re_src = cfg__dup(p, w);
                r.re = cfg__regex(p, w, cfg__word(p, w), false);
                if (!r.re || !r.re_src || !cfg__fmt_parse(p, w + 1, &r.fmt))
                        return;
                break;
        case CFG_ACT_SET_STATUS: {
                unsigned long long code;

                if (!response) {
                        cfg__err(p, arg, "'set-status' is not an http-request action");
                        return;
                }
                if (w >= end || !cfg__uint(p, w, 100, 999, "set-status", &code))
                        return;
                r.status = (unsigned)code;
                if (w + 1 < end) {
                        if (w + 3 != end || strcmp(cfg__word(p, w + 1), "reason") != 0) {
                                cfg__err(p, w + 1, "expected 'set-status <code> [reason <text>]'");
                                return;
                        }
                        r.reason = cfg__dup(p, w + 2);
                }
                break;
        }
        }
        r.cond = cfg__rule_cond(p, end, response ? CFG_FETCH_AT_RES : CFG_FETCH_AT_REQ, kw, &ok);
        if (ok)
                (void)http_rule_push(p, data, &r);
}
