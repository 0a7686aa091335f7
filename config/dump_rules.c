/* The rule printers of --dump-config (see dump-int.h): conditions, the actions of every rule
 * set, and the capture slots that some of those rules make. dump.c prints the rest. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include "dump-int.h"
#include "macros.h"
#include "parse-int.h"

static void dump_int(FILE *out, int64_t v)
{
        fprintf(out, "%" PRId64, v);
}

/* "<fetch> [-i] -m <method> -- <patterns>": always explicit, so no derived name is needed. */
void cfg__dump_acl_expr(FILE *out, const struct cfg_acl_expr *e)
{
        cfg__dump_sample(out, &e->smp);
        if (e->icase)
                fputs(" -i", out);
        /* http_auth_group's method has no "-m" name: it is the fetch's own */
        if (e->match != CFG_MATCH_AUTH)
                fprintf(out, " -m %s", cfg__match_name(e->match));
        if (e->n_pats)
                fputs(" --", out);
        for (size_t i = 0; i < e->n_pats; i++) {
                const struct cfg_pattern *p = &e->pats[i];
                char ip[INET6_ADDRSTRLEN];

                fputc(' ', out);
                switch (e->match) {
                case CFG_MATCH_INT:
                case CFG_MATCH_LEN:
                        if (p->lo > p->hi) {
                                /* "gt" the largest integer: a pattern nothing matches */
                                fprintf(out, "gt %" PRId64, INT64_MAX);
                        } else if (p->lo == p->hi) {
                                dump_int(out, p->lo);
                        } else {
                                if (p->lo != INT64_MIN)
                                        dump_int(out, p->lo);
                                fputc(':', out);
                                if (p->hi != INT64_MAX)
                                        dump_int(out, p->hi);
                        }
                        break;
                case CFG_MATCH_IP:
                        inet_ntop(p->family, p->addr, ip, sizeof(ip));
                        fprintf(out, "%s/%u", ip, p->prefix);
                        break;
                case CFG_MATCH_STR:
                case CFG_MATCH_BEG:
                case CFG_MATCH_END:
                case CFG_MATCH_SUB:
                case CFG_MATCH_REG:
                case CFG_MATCH_DIR:
                case CFG_MATCH_DOM:
                case CFG_MATCH_AUTH:
                        cfg__dump_word_n(out, p->str.ptr, p->str.len);
                        break;
                case CFG_MATCH_BIN:
                        for (size_t k = 0; k < p->str.len; k++)
                                fprintf(out, "%02x", (unsigned char)p->str.ptr[k]);
                        break;
                case CFG_MATCH_FOUND:
                case CFG_MATCH_BOOL:
                        break;
                }
        }
}

void cfg__dump_cond(FILE *out, const struct cfg_cond *c)
{
        if (!c)
                return;
        fputs(c->unless ? " unless" : " if", out);
        for (size_t i = 0; i < c->n_ands; i++) {
                if (i)
                        fputs(" ||", out);
                for (size_t j = 0; j < c->ands[i].n_terms; j++) {
                        const struct cfg_cond_term *t = &c->ands[i].terms[j];

                        fputs(t->negate ? " !" : " ", out);
                        if (t->acl->name) {
                                fputs(t->acl->name, out);
                        } else {
                                fputs("{ ", out);
                                cfg__dump_acl_expr(out, t->acl->exprs[0]);
                                fputs(" }", out);
                        }
                }
        }
}

static void dump_reply(FILE *out, const struct cfg_reply *r, bool is_deny)
{
        fprintf(out, is_deny ? " deny_status %u" : " status %u", r->status);
        if (r->content_type) {
                fputs(" content-type ", out);
                cfg__dump_word(out, r->content_type);
        }
        switch (r->kind) {
        case CFG_REPLY_ERRORFILE:
                if (!is_deny)
                        fputs(" default-errorfiles", out);
                break;
        case CFG_REPLY_STRING:
                fputs(" string ", out);
                cfg__dump_word_n(out, r->body, r->body_len);
                break;
        case CFG_REPLY_LF_STRING:
                fputs(" lf-string ", out);
                cfg__dump_fmt(out, &r->body_fmt);
                break;
        case CFG_REPLY_EMPTY:
                break;
        }
        for (size_t i = 0; i < r->n_hdrs; i++) {
                fputs(" hdr ", out);
                cfg__dump_word(out, r->hdrs[i].name);
                fputc(' ', out);
                cfg__dump_fmt(out, &r->hdrs[i].value);
        }
}

static void dump_var_action(FILE *out, const struct cfg_http_rule *r)
{
        static const char *const conds[] = {"ifexists", "ifnotexists", "ifempty", "ifnotempty",
                                            "ifset",    "ifnotset",    "ifgt",    "iflt"};

        fprintf(out, "%s(%s",
                r->act == CFG_ACT_SET_VAR       ? "set-var"
                : r->act == CFG_ACT_SET_VAR_FMT ? "set-var-fmt"
                                                : "unset-var",
                r->var.name);
        for (unsigned i = 0; i < SL_ARRAY_SIZE(conds); i++)
                if (r->var_flags & (1u << i))
                        fprintf(out, ",%s", conds[i]);
        fputc(')', out);
        if (r->act == CFG_ACT_SET_VAR) {
                fputc(' ', out);
                cfg__dump_sample(out, &r->expr);
        } else if (r->act == CFG_ACT_SET_VAR_FMT) {
                fputc(' ', out);
                cfg__dump_fmt(out, &r->fmt);
        }
}

void cfg__dump_rule(FILE *out, const char *kw, const struct cfg_proxy *px,
                    const struct cfg_http_rule *r)
{
        static const char *const redirs[] = {"location", "prefix", "scheme"};

        fprintf(out, "    %s ", kw);
        switch (r->act) {
        case CFG_ACT_ALLOW:
                fputs(strncmp(kw, "tcp-", 4) == 0 ? "accept" : "allow", out);
                break;
        case CFG_ACT_SET_LOG_LEVEL:
                fprintf(out, "set-log-level %s",
                        r->log_level < 0 ? "silent" : cfg__levels[r->log_level]);
                break;
        case CFG_ACT_DENY:
        case CFG_ACT_TARPIT:
                fputs(r->act == CFG_ACT_DENY ? "deny" : "tarpit", out);
                dump_reply(out, &r->reply, true);
                break;
        case CFG_ACT_RETURN:
                fputs("return", out);
                dump_reply(out, &r->reply, false);
                break;
        case CFG_ACT_REDIRECT:
                fprintf(out, "%s%s ", r->redir_str ? "" : "redirect ", redirs[r->redir]);
                if (r->redir_str)
                        cfg__dump_word(out, r->redir_str);
                else
                        cfg__dump_fmt(out, &r->fmt);
                fprintf(out, " code %u", r->redir_code);
                if (r->redir_flags & CFG_REDIR_F_DROP_QUERY)
                        fputs(" drop-query", out);
                if (r->redir_flags & CFG_REDIR_F_APPEND_SLASH)
                        fputs(" append-slash", out);
                if (r->redir_flags & CFG_REDIR_F_IGNORE_EMPTY)
                        fputs(" ignore-empty", out);
                if (r->redir_cookie) {
                        fputs(r->redir_flags & CFG_REDIR_F_CLEAR_COOKIE ? " clear-cookie "
                                                                        : " set-cookie ",
                              out);
                        cfg__dump_word(out, r->redir_cookie);
                }
                break;
        case CFG_ACT_USE_SERVICE:
                fputs("use-service prometheus-exporter", out);
                break;
        case CFG_ACT_AUTH:
                fputs("auth", out);
                if (r->realm) {
                        fputs(" realm ", out);
                        cfg__dump_word(out, r->realm);
                }
                break;
        case CFG_ACT_WAIT_FOR_BODY:
                fprintf(out, "wait-for-body time %" PRIu32 "ms", r->wait_ms);
                if (r->wait_bytes)
                        fprintf(out, " at-least %" PRIu64, r->wait_bytes);
                break;
        case CFG_ACT_NORMALIZE_URI:
                fprintf(out, "normalize-uri %s", cfg_uri_norm_name(r->norm));
                if (r->norm_opt)
                        fputs(r->norm == CFG_NORM_PATH_STRIP_DOTDOT ? " full" : " strict", out);
                break;
        case CFG_ACT_SET_HEADER:
        case CFG_ACT_ADD_HEADER:
                fputs(r->act == CFG_ACT_SET_HEADER ? "set-header " : "add-header ", out);
                cfg__dump_word(out, r->hdr_name);
                fputc(' ', out);
                cfg__dump_fmt(out, &r->fmt);
                break;
        case CFG_ACT_DEL_HEADER:
                fputs("del-header ", out);
                cfg__dump_word(out, r->hdr_name);
                if (r->del_match != CFG_MATCH_STR)
                        fprintf(out, " -m %s", cfg__match_name(r->del_match));
                break;
        case CFG_ACT_SET_PATH:
        case CFG_ACT_SET_QUERY:
        case CFG_ACT_SET_PATHQ:
        case CFG_ACT_SET_URI:
        case CFG_ACT_SET_METHOD:
                fprintf(out, "%s ",
                        r->act == CFG_ACT_SET_PATH    ? "set-path"
                        : r->act == CFG_ACT_SET_QUERY ? "set-query"
                        : r->act == CFG_ACT_SET_PATHQ ? "set-pathq"
                        : r->act == CFG_ACT_SET_URI   ? "set-uri"
                                                      : "set-method");
                cfg__dump_fmt(out, &r->fmt);
                break;
        case CFG_ACT_REPLACE_HEADER:
        case CFG_ACT_REPLACE_VALUE:
                fprintf(out, "%s ",
                        r->act == CFG_ACT_REPLACE_HEADER ? "replace-header" : "replace-value");
                cfg__dump_word(out, r->hdr_name);
                fputc(' ', out);
                cfg__dump_word(out, r->re_src);
                fputc(' ', out);
                cfg__dump_fmt(out, &r->fmt);
                break;
        case CFG_ACT_REPLACE_PATH:
        case CFG_ACT_REPLACE_PATHQ:
        case CFG_ACT_REPLACE_URI:
                fprintf(out, "%s ",
                        r->act == CFG_ACT_REPLACE_PATH    ? "replace-path"
                        : r->act == CFG_ACT_REPLACE_PATHQ ? "replace-pathq"
                                                          : "replace-uri");
                cfg__dump_word(out, r->re_src);
                fputc(' ', out);
                cfg__dump_fmt(out, &r->fmt);
                break;
        case CFG_ACT_SET_STATUS:
                fprintf(out, "set-status %u", r->status);
                if (r->reason) {
                        fputs(" reason ", out);
                        cfg__dump_word(out, r->reason);
                }
                break;
        case CFG_ACT_REJECT:
                fputs("reject", out);
                break;
        case CFG_ACT_SILENT_DROP:
                fputs("silent-drop", out);
                break;
        case CFG_ACT_EXPECT_PROXY:
                fputs("expect-proxy layer4", out);
                break;
        case CFG_ACT_SWITCH_MODE:
                fputs("switch-mode http", out);
                if (r->http_major)
                        fprintf(out, " proto h%u", r->http_major);
                break;
        case CFG_ACT_CAPTURE:
                /* the slots are declared: a rule names its own by id, except a tcp-request
                 * one, which has only the len form (see cfg__dump_capture_slots()) */
                fputs("capture ", out);
                cfg__dump_sample(out, &r->expr);
                if (strncmp(kw, "tcp-", 4) == 0)
                        fprintf(out, " len %u", px->req_caps[r->status].len);
                else
                        fprintf(out, " id %u", r->status);
                break;
        case CFG_ACT_TRACK_SC:
                fprintf(out, "track-sc%u ", r->sc);
                cfg__dump_sample(out, &r->track_key);
                if (r->table_name) {
                        fputs(" table ", out);
                        cfg__dump_word(out, r->table_name);
                }
                break;
        case CFG_ACT_SC_INC_GPC0:
        case CFG_ACT_SC_INC_GPC1:
                fprintf(out, "sc-inc-gpc%d(%u)", r->act == CFG_ACT_SC_INC_GPC1, r->sc);
                break;
        case CFG_ACT_SC_SET_GPT0:
                fprintf(out, "sc-set-gpt0(%u) %" PRId64, r->sc, r->gpt0);
                break;
        case CFG_ACT_SET_VAR:
        case CFG_ACT_SET_VAR_FMT:
        case CFG_ACT_UNSET_VAR:
                dump_var_action(out, r);
                break;
        case CFG_ACT_SET_SRC:
        case CFG_ACT_SET_DST:
        case CFG_ACT_SET_SRC_PORT:
        case CFG_ACT_SET_DST_PORT:
                fprintf(out, "set-%s%s ",
                        r->act == CFG_ACT_SET_SRC || r->act == CFG_ACT_SET_SRC_PORT ? "src" : "dst",
                        r->act == CFG_ACT_SET_SRC_PORT || r->act == CFG_ACT_SET_DST_PORT ? "-port"
                                                                                         : "");
                cfg__dump_sample(out, &r->expr);
                break;
        }
        cfg__dump_cond(out, r->cond);
        fputc('\n', out);
}

/* The capture slots in their order: header captures, declared slots (an http-request
 * capture rule's is declared, the rule names it by id), and the tcp-request content capture
 * rules, which make their own (printed there with the content rules before them, in order),
 * so that every slot has its index again when the dump is read. Returns how many
 * tcp-request content rules it printed. */
size_t cfg__dump_capture_slots(FILE *out, const struct cfg_proxy *px)
{
        size_t next = 0;

        for (size_t i = 0; i < px->n_req_caps; i++) {
                const struct cfg_capture *c = &px->req_caps[i];
                size_t k = next;

                if (c->name) {
                        fputs("    capture request header ", out);
                        cfg__dump_word(out, c->name);
                        fprintf(out, " len %u\n", c->len);
                        continue;
                }
                while (k < px->n_tcp_content && !(px->tcp_content[k].act == CFG_ACT_CAPTURE &&
                                                  px->tcp_content[k].status == i))
                        k++;
                if (k == px->n_tcp_content) {
                        fprintf(out, "    declare capture request len %u\n", c->len);
                        continue;
                }
                for (; next <= k; next++)
                        cfg__dump_rule(out, "tcp-request content", px, &px->tcp_content[next]);
        }
        for (size_t i = 0; i < px->n_res_caps; i++) {
                if (!px->res_caps[i].name) {
                        fprintf(out, "    declare capture response len %u\n", px->res_caps[i].len);
                        continue;
                }
                fputs("    capture response header ", out);
                cfg__dump_word(out, px->res_caps[i].name);
                fprintf(out, " len %u\n", px->res_caps[i].len);
        }
        return next;
}
