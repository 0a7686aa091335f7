/* The actions every rule set shares (tcp-request, http-request, http-response and
 * http-after-response): the stick-table ones and the variable ones. kw_rules.c parses the
 * rule lines around them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "parse-int.h"

/* The stick-table actions, in http-request and tcp-request rules alike:
 *   track-sc<N> <key> [table <table>]
 *   sc-inc-gpc0(<N>), sc-inc-gpc1(<N>), sc-set-gpt0(<N>) <integer>
 * between words @w (the action) and @end (the condition or the end). @at says what the key
 * may read. Returns 1 with @r filled, 0 when the word is no such action, -1 after an error. */
int cfg__stick_action_parse(struct cfg_parser *p, unsigned w, unsigned end, unsigned at,
                            struct cfg_http_rule *r)
{
        const char *act = cfg__word(p, w);
        size_t len = strlen(act);
        int implied;

        if (len == 9 && strncmp(act, "track-sc", 8) == 0 && act[8] >= '0' && act[8] <= '2') {
                r->act = CFG_ACT_TRACK_SC;
                r->sc = (unsigned)(act[8] - '0');
                if (w + 1 >= end) {
                        cfg__err(p, w, "expected '%s <key> [table <table>]'", act);
                        return -1;
                }
                if (!cfg__sample_parse(p, w + 1, cfg__word_str(p, w + 1), &r->track_key, &implied))
                        return -1;
                if (r->track_key.fetch == CFG_FETCH_SC || r->track_key.fetch == CFG_FETCH_SRC_TBL ||
                    r->track_key.fetch == CFG_FETCH_SC_TRACKED) {
                        cfg__err(p, w + 1, "a stick-table counter cannot be a tracking key");
                        return -1;
                }
                if (!(cfg_fetch_at(r->track_key.fetch) & at)) {
                        cfg__err(p, w + 1, "'%s' is not known yet when this rule runs",
                                 cfg__word(p, w + 1));
                        return -1;
                }
                if (w + 2 < end) {
                        if (strcmp(cfg__word(p, w + 2), "table") != 0 || w + 4 != end) {
                                cfg__err(p, w + 2, "expected '%s <key> [table <table>]'", act);
                                return -1;
                        }
                        r->table_name = cfg__dup(p, w + 3);
                }
                return 1;
        }
        if (strncmp(act, "sc-inc-gpc0(", 12) == 0 || strncmp(act, "sc-inc-gpc1(", 12) == 0 ||
            strncmp(act, "sc-set-gpt0(", 12) == 0) {
                bool set = act[3] == 's';

                if (len != 14 || act[12] < '0' || act[12] > '2' || act[13] != ')') {
                        cfg__err(p, w, "expected '%.11s(<0..2>)'", act);
                        return -1;
                }
                r->sc = (unsigned)(act[12] - '0');
                if (set) {
                        char *e;
                        long long v;

                        r->act = CFG_ACT_SC_SET_GPT0;
                        if (w + 2 != end) {
                                cfg__err(p, w, "expected 'sc-set-gpt0(<0..2>) <integer>'");
                                return -1;
                        }
                        errno = 0;
                        v = strtoll(cfg__word(p, w + 1), &e, 10);
                        if (!*cfg__word(p, w + 1) || *e || errno || v < 0 || v > UINT32_MAX) {
                                cfg__err(p, w + 1,
                                         "sc-set-gpt0: '%s' is not an integer from 0 to "
                                         "4294967295 (sample expressions are not supported "
                                         "yet)",
                                         cfg__word(p, w + 1));
                                return -1;
                        }
                        r->gpt0 = v;
                } else {
                        r->act = act[10] == '0' ? CFG_ACT_SC_INC_GPC0 : CFG_ACT_SC_INC_GPC1;
                        if (w + 1 != end) {
                                cfg__err(p, w + 1, "'%s' takes no argument", act);
                                return -1;
                        }
                }
                return 1;
        }
        return 0;
}

/* The sample expression of an action, in word @w: a fetch (not an ACL criterion) known
 * where the rule runs (@at). */
static bool rule_expr(struct cfg_parser *p, unsigned w, unsigned at, struct cfg_sample *ret)
{
        int implied;

        if (!cfg__sample_parse(p, w, cfg__word_str(p, w), ret, &implied))
                return false;
        if (implied >= 0) {
                cfg__err(p, w, "'%s' is an ACL criterion, not a sample fetch", cfg__word(p, w));
                return false;
        }
        if (!(ret->at & at)) {
                cfg__err(p, w, "'%s' is not known yet when this rule runs", cfg__word(p, w));
                return false;
        }
        return true;
}

/* set-var(<name>[,<cond>...]) <expr>, set-var-fmt(<name>[,<cond>...]) <fmt> and
 * unset-var(<name>), in every rule set, between words @w (the action) and @end. @at says
 * what the expression may read; @stream is false where a rule runs before any stream
 * (tcp-request connection: only proc. and sess. variables). Returns 1 with @r filled, 0
 * when the word is no such action, -1 after an error. */
int cfg__var_action_parse(struct cfg_parser *p, unsigned w, unsigned end, unsigned at, bool stream,
                          struct cfg_http_rule *r)
{
        struct sl_str act = cfg__word_str(p, w), inner;
        const char *open = memchr(act.ptr, '(', act.len), *comma;
        struct sl_str name;
        size_t kwlen;

        if (!open)
                return 0;
        kwlen = (size_t)(open - act.ptr);
        if (kwlen == 7 && memcmp(act.ptr, "set-var", 7) == 0)
                r->act = CFG_ACT_SET_VAR;
        else if (kwlen == 11 && memcmp(act.ptr, "set-var-fmt", 11) == 0)
                r->act = CFG_ACT_SET_VAR_FMT;
        else if (kwlen == 9 && memcmp(act.ptr, "unset-var", 9) == 0)
                r->act = CFG_ACT_UNSET_VAR;
        else
                return 0;
        if (act.ptr[act.len - 1] != ')') {
                cfg__err(p, w, "missing ')' after the variable name of '%.*s'", (int)kwlen,
                         act.ptr);
                return -1;
        }
        inner = sl_str_make(open + 1, act.len - kwlen - 2);
        comma = memchr(inner.ptr, ',', inner.len);
        name = sl_str_make(inner.ptr, comma ? (size_t)(comma - inner.ptr) : inner.len);
        if (!cfg__var_ref(p, w, name, &r->var))
                return -1;
        if (!stream && r->var.scope != CFG_SCOPE_PROC && r->var.scope != CFG_SCOPE_SESS) {
                cfg__err(p, w,
                         "variable '%.*s' cannot be used here: before a stream exists, only "
                         "'proc.' and 'sess.' variables can",
                         (int)name.len, name.ptr);
                return -1;
        }
        /* the conditions of set-var and set-var-fmt, as the set-var converter's */
        while (comma) {
                static const struct {
                        const char *name;
                        unsigned flag;
                } conds[] = {
                        {"ifexists", CFG_VAR_IFEXISTS}, {"ifnotexists", CFG_VAR_IFNOTEXISTS},
                        {"ifempty", CFG_VAR_IFEMPTY},   {"ifnotempty", CFG_VAR_IFNOTEMPTY},
                        {"ifset", CFG_VAR_IFSET},       {"ifnotset", CFG_VAR_IFNOTSET},
                        {"ifgt", CFG_VAR_IFGT},         {"iflt", CFG_VAR_IFLT},
                };
                const char *start = comma + 1, *next;
                struct sl_str c;
                unsigned flag = 0;

                next = memchr(start, ',', (size_t)(inner.ptr + inner.len - start));
                c = sl_str_make(start, next ? (size_t)(next - start)
                                            : (size_t)(inner.ptr + inner.len - start));
                for (size_t i = 0; i < SL_ARRAY_SIZE(conds); i++)
                        if (sl_str_eq(c, sl_str_from_cstr(conds[i].name)))
                                flag = conds[i].flag;
                if (!flag || r->act == CFG_ACT_UNSET_VAR) {
                        cfg__err(p, w, "'%.*s': unknown condition '%.*s'", (int)kwlen, act.ptr,
                                 (int)c.len, c.ptr);
                        return -1;
                }
                r->var_flags |= flag;
                comma = next;
        }
        if (r->act == CFG_ACT_UNSET_VAR) {
                if (w + 1 < end) {
                        cfg__err(p, w + 1, "'unset-var' takes no argument, got '%s'",
                                 cfg__word(p, w + 1));
                        return -1;
                }
                return 1;
        }
        if (w + 2 != end) {
                cfg__err(p, w + 1 < end ? w + 2 : w, "expected '%.*s(<name>) <%s>'", (int)kwlen,
                         act.ptr, r->act == CFG_ACT_SET_VAR ? "expression" : "format");
                return -1;
        }
        if (r->act == CFG_ACT_SET_VAR_FMT && !stream) {
                cfg__err(p, w,
                         "'set-var-fmt' in 'tcp-request connection' rules is a HAProxy keyword "
                         "that sluice does not support yet (use 'set-var' with an expression)");
                return -1;
        }
        if (r->act == CFG_ACT_SET_VAR_FMT)
                return cfg__fmt_parse(p, w + 1, &r->fmt) ? 1 : -1;
        return rule_expr(p, w + 1, at, &r->expr) ? 1 : -1;
}

/* set-src, set-dst, set-src-port and set-dst-port <expr>, in tcp-request and http-request
 * rules, between words @w (the action) and @end; @at says what the expression may read.
 * Returns 1 with @r filled, 0 when the word is no such action, -1 after an error. */
int cfg__addr_action_parse(struct cfg_parser *p, unsigned w, unsigned end, unsigned at,
                           struct cfg_http_rule *r)
{
        static const struct {
                const char *name;
                enum cfg_http_act act;
        } acts[] = {
                {"set-src", CFG_ACT_SET_SRC},
                {"set-dst", CFG_ACT_SET_DST},
                {"set-src-port", CFG_ACT_SET_SRC_PORT},
                {"set-dst-port", CFG_ACT_SET_DST_PORT},
        };
        const char *act = cfg__word(p, w);
        size_t i;

        for (i = 0; i < SL_ARRAY_SIZE(acts); i++)
                if (strcmp(act, acts[i].name) == 0)
                        break;
        if (i == SL_ARRAY_SIZE(acts))
                return 0;
        r->act = acts[i].act;
        if (w + 2 != end) {
                cfg__err(p, w + 1 < end ? w + 2 : w, "expected '%s <expression>'", act);
                return -1;
        }
        return rule_expr(p, w + 1, at, &r->expr) ? 1 : -1;
}

/* capture <sample> len <length> (http-request, tcp-request content: a new request slot of
 * the frontend) or capture <sample> id <n> (http-request, http-response,
 * http-after-response: a slot declared in the frontend, checked at the end of the load
 * when the rule is a frontend's), between words @w and @end; @response for response rules,
 * @tcp for tcp-request content. Returns 1 with @r filled, 0 when the word is no capture,
 * -1 after an error. */
int cfg__capture_action_parse(struct cfg_parser *p, unsigned w, unsigned end, unsigned at,
                              bool response, bool tcp, struct cfg_http_rule *r)
{
        const char *kw = tcp        ? "tcp-request content capture"
                         : response ? "http-response capture"
                                    : "http-request capture";
        const char *form = tcp ? "len <length>" : response ? "id <id>" : "len <length> | id <id>";
        unsigned long long n;
        bool by_id;
        int slot;

        if (strcmp(cfg__word(p, w), "capture") != 0)
                return 0;
        r->act = CFG_ACT_CAPTURE;
        by_id = end == w + 4 && strcmp(cfg__word(p, w + 2), "id") == 0;
        if (end != w + 4 || (!by_id && strcmp(cfg__word(p, w + 2), "len") != 0) || (by_id && tcp) ||
            (!by_id && response)) {
                cfg__err(p, end > w + 4 ? w + 4 : (end > w + 2 ? w + 2 : w),
                         "expected '%s <sample> %s'", kw, form);
                return -1;
        }
        if (!by_id && !(p->px->cap & CFG_CAP_FE)) {
                cfg__err(p, w,
                         "'%s ... len' needs a frontend: use 'id' with a slot the frontend "
                         "declares",
                         kw);
                return -1;
        }
        if (!rule_expr(p, w + 1, at, &r->expr))
                return -1;
        if (by_id) {
                if (!cfg__uint(p, w + 3, 0, INT32_MAX, "capture id", &n))
                        return -1;
                r->status = (unsigned)n;
                return 1;
        }
        if (!cfg__uint(p, w + 3, 1, 65536, "capture length", &n))
                return -1;
        slot = cfg__capture_slot(p, NULL, (unsigned)n, false);
        if (slot < 0)
                return -1;
        r->status = (unsigned)slot;
        r->cap_rule = true;
        return 1;
}
