/* Health checks, as HAProxy's configuration says them: the server options ("check",
 * "inter", "rise", "fall", "port", "addr", "check-ssl" ...), "option httpchk" in its modern
 * and legacy forms with "http-check connect|send|expect", "option tcp-check" with
 * "tcp-check connect|send|send-binary|expect", and "spread-checks". Called by the parser
 * (parse.c) and by the server options of kw_proxy.c. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "macros.h"
#include "parse-int.h"
#include "units.h"

/* ---- server options ---- */

static bool time_word(struct cfg_parser *p, unsigned w, const char *what, uint32_t *ret)
{
        char err[160];

        if (w >= cfg__n_words(p)) {
                cfg__err(p, w - 1, "server option '%s' needs a time", what);
                return false;
        }
        if (cfg_parse_time(cfg__word_str(p, w), CFG_TIME_MS, ret, err, sizeof(err)) < 0) {
                cfg__err(p, w, "%s: %s", what, err);
                return false;
        }
        if (*ret == 0) {
                cfg__err(p, w, "%s: a check interval must be above 0", what);
                return false;
        }
        return true;
}

/* An IPv4 or IPv6 address at word @w, for option @kw */
static bool ip_word(struct cfg_parser *p, unsigned w, const char *kw, struct sockaddr_storage *ss)
{
        const char *a = cfg__word(p, w);
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

        memset(ss, 0, sizeof(*ss));
        if (inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
                s4->sin_family = AF_INET;
        } else if (inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
                s6->sin6_family = AF_INET6;
        } else {
                cfg__err(p, w < cfg__n_words(p) ? w : w - 1,
                         "server option '%s' needs an IPv4 or IPv6 address, got '%s'", kw, a);
                return false;
        }
        return true;
}

int cfg__server_check_kw(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o)
{
        struct cfg_server_check *c = &o->check;
        const char *kw = cfg__word(p, w);
        unsigned long long v;

        if (strcmp(kw, "check") == 0) {
                c->enabled = true;
                return 1;
        }
        if (strcmp(kw, "no-check") == 0) {
                c->enabled = false;
                return 1;
        }
        if (strcmp(kw, "check-send-proxy") == 0 || strcmp(kw, "no-check-send-proxy") == 0) {
                c->send_proxy = kw[0] == 'c';
                return 1;
        }
        if (strcmp(kw, "check-ssl") == 0 || strcmp(kw, "no-check-ssl") == 0) {
                c->ssl = kw[0] == 'c';
                c->ssl_set = true;
                return 1;
        }
        if (strcmp(kw, "inter") == 0)
                return time_word(p, w + 1, kw, &c->inter_ms) ? 2 : -1;
        if (strcmp(kw, "fastinter") == 0)
                return time_word(p, w + 1, kw, &c->fastinter_ms) ? 2 : -1;
        if (strcmp(kw, "downinter") == 0)
                return time_word(p, w + 1, kw, &c->downinter_ms) ? 2 : -1;
        if (strcmp(kw, "rise") == 0 || strcmp(kw, "fall") == 0) {
                if (!cfg__uint(p, w + 1, 1, 1000, kw, &v))
                        return -1;
                *(kw[0] == 'r' ? &c->rise : &c->fall) = (unsigned)v;
                return 2;
        }
        if (strcmp(kw, "port") == 0) {
                if (!cfg__uint(p, w + 1, 1, 65535, "port", &v))
                        return -1;
                c->port = (uint16_t)v;
                c->port_set = true;
                return 2;
        }
        if (strcmp(kw, "addr") == 0 || strcmp(kw, "agent-addr") == 0) {
                bool agent = kw[0] == 'g' || kw[1] == 'g';
                struct sockaddr_storage *ss = agent ? &c->agent_addr : &c->addr;

                if (!ip_word(p, w + 1, kw, ss))
                        return -1;
                *(agent ? &c->agent_addr_set : &c->addr_set) = true;
                return 2;
        }
        if (strcmp(kw, "agent-check") == 0 || strcmp(kw, "no-agent-check") == 0) {
                c->agent = kw[0] == 'a';
                return 1;
        }
        if (strcmp(kw, "agent-port") == 0) {
                if (!cfg__uint(p, w + 1, 1, 65535, "agent-port", &v))
                        return -1;
                c->agent_port = (uint16_t)v;
                return 2;
        }
        if (strcmp(kw, "agent-inter") == 0)
                return time_word(p, w + 1, kw, &c->agent_inter_ms) ? 2 : -1;
        if (strcmp(kw, "agent-send") == 0) {
                if (w + 1 >= cfg__n_words(p)) {
                        cfg__err(p, w, "server option 'agent-send' needs a string");
                        return -1;
                }
                c->agent_send = cfg__dup(p, w + 1);
                return 2;
        }
        if (strcmp(kw, "slowstart") == 0)
                return time_word(p, w + 1, kw, &c->slowstart_ms) ? 2 : -1;
        if (strcmp(kw, "on-marked-down") == 0 || strcmp(kw, "on-marked-up") == 0) {
                bool down = kw[10] == 'd';
                const char *want = down ? "shutdown-sessions" : "shutdown-backup-sessions";

                if (strcmp(cfg__word(p, w + 1), want) != 0) {
                        cfg__err(p, w + 1 < cfg__n_words(p) ? w + 1 : w,
                                 "server option '%s' takes '%s', got '%s'", kw, want,
                                 cfg__word(p, w + 1));
                        return -1;
                }
                *(down ? &c->down_shutdown : &c->up_shutdown_backup) = true;
                return 2;
        }
        if (strcmp(kw, "observe") == 0) {
                const char *layer = cfg__word(p, w + 1);

                if (strcmp(layer, "layer4") == 0)
                        c->observe = CFG_OBSERVE_L4;
                else if (strcmp(layer, "layer7") == 0)
                        c->observe = CFG_OBSERVE_L7;
                else if (strcmp(layer, "none") == 0)
                        c->observe = CFG_OBSERVE_NONE;
                else {
                        cfg__err(p, w + 1 < cfg__n_words(p) ? w + 1 : w,
                                 "server option 'observe' takes layer4 or layer7, got '%s'", layer);
                        return -1;
                }
                return 2;
        }
        if (strcmp(kw, "error-limit") == 0) {
                if (!cfg__uint(p, w + 1, 1, 65535, "error-limit", &v))
                        return -1;
                c->error_limit = (unsigned)v;
                return 2;
        }
        if (strcmp(kw, "on-error") == 0) {
                static const char *const modes[] = {"fail-check", "fastinter", "sudden-death",
                                                    "mark-down"};
                const char *m = cfg__word(p, w + 1);

                for (unsigned i = 0; i < SL_ARRAY_SIZE(modes); i++)
                        if (strcmp(m, modes[i]) == 0) {
                                c->on_error = (enum cfg_on_error)i;
                                return 2;
                        }
                cfg__err(p, w + 1 < cfg__n_words(p) ? w + 1 : w,
                         "server option 'on-error' takes fastinter, fail-check, sudden-death or "
                         "mark-down, got '%s'",
                         m);
                return -1;
        }
        if (strcmp(kw, "check-sni") == 0 || strcmp(kw, "check-alpn") == 0) {
                const char *v2;

                if (w + 1 >= cfg__n_words(p) || !*cfg__word(p, w + 1)) {
                        cfg__err(p, w, "server option '%s' needs a value", kw);
                        return -1;
                }
                v2 = cfg__dup(p, w + 1);
                *(kw[6] == 's' ? &c->sni : &c->alpn) = v2;
                return 2;
        }
        return 0;
}

/* ---- proxy keywords ---- */

/* The rules of p->px, which become its own: inherited ones are dropped, not added to. */
static struct cfg_check_rule *rule_push(struct cfg_parser *p, enum cfg_chk_kind kind)
{
        struct cfg_checks *c = &p->px->checks;
        struct cfg_check_rule *r;

        if (!c->own) {
                c->rules = NULL;
                c->n_rules = c->cap_rules = 0;
                c->own = true;
        }
        r = cfg_arena_push(&p->gen->arena, (void **)&c->rules, &c->n_rules, &c->cap_rules,
                           sizeof(*r));
        if (!r) {
                cfg__oom(p);
                return NULL;
        }
        memset(r, 0, sizeof(*r));
        r->kind = kind;
        r->where = (struct cfg_where){p->file, p->l->line};
        return r;
}

/* Split "HTTP/1.1\r\nHost:\ www" (the legacy way to add headers) into the version and the
 * headers, into @c. */
static bool legacy_version(struct cfg_parser *p, unsigned w, struct cfg_checks *c)
{
        const char *v = cfg__word(p, w), *crlf = strstr(v, "\r\n");
        struct cfg_arena *a = &p->gen->arena;
        size_t cap = 0;

        c->ver = cfg_arena_strndup(a, v, crlf ? (size_t)(crlf - v) : strlen(v));
        c->hdrs = NULL;
        c->n_hdrs = 0;
        while (crlf) {
                const char *line = crlf + 2, *end, *colon;
                struct cfg_chk_hdr *h;

                crlf = strstr(line, "\r\n");
                end = crlf ? crlf : line + strlen(line);
                if (end == line)
                        continue;
                colon = memchr(line, ':', (size_t)(end - line));
                if (!colon || colon == line) {
                        cfg__err(p, w, "option httpchk: a header line without a name: '%.*s'",
                                 (int)(end - line), line);
                        return false;
                }
                h = cfg_arena_push(a, (void **)&c->hdrs, &c->n_hdrs, &cap, sizeof(*h));
                if (!h) {
                        cfg__oom(p);
                        return false;
                }
                h->name = cfg_arena_strndup(a, line, (size_t)(colon - line));
                colon++;
                while (colon < end && (*colon == ' ' || *colon == '\t'))
                        colon++;
                h->value = cfg_arena_strndup(a, colon, (size_t)(end - colon));
        }
        return true;
}

/* option httpchk [<uri>] | [<method> <uri> [<version>]] */
static void kw_option_httpchk(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_checks *c = &p->px->checks;
        unsigned n = cfg__n_words(p) - arg;

        (void)data;
        if (p->negate) {
                if (c->type == CFG_CHECK_HTTP)
                        c->type = CFG_CHECK_CONNECT;
                return;
        }
        if (n > 3) {
                cfg__err(p, arg + 3, "option httpchk: at most <method> <uri> <version>");
                return;
        }
        c->type = CFG_CHECK_HTTP;
        c->proto = CFG_CHK_PROTO_NONE;
        c->meth = c->uri = c->ver = NULL;
        c->hdrs = NULL;
        c->n_hdrs = 0;
        if (n == 1) {
                c->uri = cfg__dup(p, arg);
        } else if (n >= 2) {
                c->meth = cfg__dup(p, arg);
                c->uri = cfg__dup(p, arg + 1);
                if (n == 3)
                        (void)legacy_version(p, arg + 2, c);
        }
}

/* option tcp-check */
static void kw_option_tcp_check(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_checks *c = &p->px->checks;

        (void)data;
        if (!cfg__want_args(p, arg, 0, "option tcp-check"))
                return;
        if (p->negate) {
                if (c->type == CFG_CHECK_TCP && !c->proto)
                        c->type = CFG_CHECK_CONNECT;
                return;
        }
        c->type = CFG_CHECK_TCP;
        c->proto = CFG_CHK_PROTO_NONE;
}

/* option ssl-hello-chk | redis-check | mysql-check [user <name> [post-41|pre-41]] |
 * pgsql-check user <name> | smtpchk [HELO|EHLO <domain>] (@data: enum cfg_check_proto) */
static void kw_option_proto(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        static const char *const usage[] = {
                [CFG_CHK_PROTO_SSL_HELLO] = "option ssl-hello-chk",
                [CFG_CHK_PROTO_REDIS] = "option redis-check",
                [CFG_CHK_PROTO_MYSQL] = "option mysql-check [user <name> [post-41|pre-41]]",
                [CFG_CHK_PROTO_PGSQL] = "option pgsql-check user <name>",
                [CFG_CHK_PROTO_SMTP] = "option smtpchk [HELO|EHLO <domain>]",
        };
        struct cfg_checks *c = &p->px->checks;
        unsigned n = cfg__n_words(p) - arg;
        const char *user = NULL, *cmd = NULL;
        bool pre41 = false;

        if (p->negate) {
                if (c->type == CFG_CHECK_TCP && c->proto == (enum cfg_check_proto)data) {
                        c->type = CFG_CHECK_CONNECT;
                        c->proto = CFG_CHK_PROTO_NONE;
                }
                return;
        }
        switch ((enum cfg_check_proto)data) {
        case CFG_CHK_PROTO_SSL_HELLO:
        case CFG_CHK_PROTO_REDIS:
                if (!cfg__want_args(p, arg, 0, usage[data]))
                        return;
                break;
        case CFG_CHK_PROTO_MYSQL:
                if (n == 0)
                        break;
                if (n > 3 || strcmp(cfg__word(p, arg), "user") != 0 || n < 2 ||
                    !cfg__word(p, arg + 1)[0] ||
                    (n == 3 && strcmp(cfg__word(p, arg + 2), "post-41") != 0 &&
                     strcmp(cfg__word(p, arg + 2), "pre-41") != 0)) {
                        cfg__err(p, arg, "usage: %s", usage[data]);
                        return;
                }
                user = cfg__dup(p, arg + 1);
                pre41 = n == 3 && strcmp(cfg__word(p, arg + 2), "pre-41") == 0;
                break;
        case CFG_CHK_PROTO_PGSQL:
                if (n != 2 || strcmp(cfg__word(p, arg), "user") != 0 || !cfg__word(p, arg + 1)[0]) {
                        cfg__err(p, arg, "usage: %s", usage[data]);
                        return;
                }
                user = cfg__dup(p, arg + 1);
                break;
        case CFG_CHK_PROTO_SMTP:
                /* HAProxy: anything but "HELO|EHLO <domain>" means HELO localhost */
                if (n >= 2 && (strcmp(cfg__word(p, arg), "HELO") == 0 ||
                               strcmp(cfg__word(p, arg), "EHLO") == 0)) {
                        char buf[600];

                        snprintf(buf, sizeof(buf), "%s %s", cfg__word(p, arg),
                                 cfg__word(p, arg + 1));
                        cmd = cfg_arena_strdup(&p->gen->arena, buf);
                }
                break;
        case CFG_CHK_PROTO_NONE:
        default:
                return;
        }
        c->type = CFG_CHECK_TCP;
        c->proto = (enum cfg_check_proto)data;
        c->user = user;
        c->mysql_pre41 = pre41;
        c->smtp_cmd = cmd;
}

/* [tcp|http]-check connect [default] [port <p>] [addr <ip>] [ssl] [sni <s>] [alpn <a>]
 * [linger] [comment <msg>] */
static void kw_check_connect(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_check_rule *r = rule_push(p, CFG_CHK_CONNECT);
        unsigned n = cfg__n_words(p);
        unsigned long long v;

        if (r)
                r->http = data != 0;
        for (unsigned w = arg; r && w < n; w++) {
                const char *kw = cfg__word(p, w);

                if (strcmp(kw, "default") == 0) {
                        r->dflt = true;
                        continue;
                } else if (strcmp(kw, "port") == 0) {
                        if (!cfg__uint(p, w + 1, 1, 65535, "check connect port", &v))
                                return;
                        r->port = (uint16_t)v;
                        w++;
                } else if (strcmp(kw, "ssl") == 0) {
                        r->ssl = true;
                } else if (strcmp(kw, "linger") == 0) {
                        r->linger = true;
                } else if (strcmp(kw, "send-proxy") == 0) {
                        r->send_proxy = true;
                } else if ((strcmp(kw, "sni") == 0 || strcmp(kw, "alpn") == 0 ||
                            strcmp(kw, "comment") == 0) &&
                           w + 1 < n) {
                        if (kw[0] == 's')
                                r->sni = cfg__dup(p, w + 1);
                        else if (kw[0] == 'a')
                                r->alpn = cfg__dup(p, w + 1);
                        w++;
                } else if (strcmp(kw, "addr") == 0 || strcmp(kw, "via-socks4") == 0 ||
                           strcmp(kw, "proto") == 0) {
                        cfg__unsupported(p, w, kw);
                        return;
                } else {
                        cfg__err(p, w, "check connect: unknown option '%s'", kw);
                        return;
                }
        }
}

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* The bytes of hex string word @w into the arena; false (reported) when it is not one. */
static bool hex_word(struct cfg_parser *p, unsigned w, const char **ret, size_t *ret_len)
{
        struct sl_str s = cfg__word_str(p, w);
        char *out;

        if (s.len == 0 || s.len % 2) {
                cfg__err(p, w, "expected an even number of hexadecimal digits, got '%s'",
                         cfg__word(p, w));
                return false;
        }
        out = cfg_arena_alloc(&p->gen->arena, s.len / 2 + 1);
        if (!out) {
                cfg__oom(p);
                return false;
        }
        for (size_t i = 0; i < s.len; i += 2) {
                int hi = hexval(s.ptr[i]), lo = hexval(s.ptr[i + 1]);

                if (hi < 0 || lo < 0) {
                        cfg__err(p, w, "expected hexadecimal digits, got '%s'", cfg__word(p, w));
                        return false;
                }
                out[i / 2] = (char)(hi << 4 | lo);
        }
        *ret = out;
        *ret_len = s.len / 2;
        return true;
}

/* tcp-check send <data> | send-binary <hex> [comment <msg>] (@data 1: binary) */
static void kw_tcp_check_send(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned n = cfg__n_words(p);
        struct cfg_check_rule *r;

        if (arg >= n) {
                cfg__err(p, arg - 1, "tcp-check %s needs its data", data ? "send-binary" : "send");
                return;
        }
        if (n > arg + 1 && !(n == arg + 3 && strcmp(cfg__word(p, arg + 1), "comment") == 0)) {
                cfg__err(p, arg + 1, "tcp-check %s: unexpected '%s' (quote data with blanks)",
                         data ? "send-binary" : "send", cfg__word(p, arg + 1));
                return;
        }
        r = rule_push(p, CFG_CHK_SEND);
        if (!r)
                return;
        if (data) {
                (void)hex_word(p, arg, &r->data, &r->len);
        } else {
                struct sl_str s = cfg__word_str(p, arg);

                r->data = cfg_arena_strndup(&p->gen->arena, s.ptr ? s.ptr : "", s.len);
                r->len = s.len;
        }
}

/* http-check send [meth <m>] [uri <u>] [ver <v>] [hdr <name> <value>]* [body <string>]
 * [comment <msg>] */
static void kw_http_check_send(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_check_rule *r = rule_push(p, CFG_CHK_HTTP_SEND);
        unsigned n = cfg__n_words(p);

        (void)data;
        if (r)
                r->http = true;
        for (unsigned w = arg; r && w < n; w++) {
                const char *kw = cfg__word(p, w);

                if (strcmp(kw, "hdr") == 0) {
                        struct cfg_chk_hdr *h;

                        if (w + 2 >= n) {
                                cfg__err(p, w, "http-check send: 'hdr' needs a name and a value");
                                return;
                        }
                        h = cfg_arena_push(&p->gen->arena, (void **)&r->hdrs, &r->n_hdrs,
                                           &r->cap_hdrs, sizeof(*h));
                        if (!h) {
                                cfg__oom(p);
                                return;
                        }
                        h->name = cfg__dup(p, w + 1);
                        h->value = cfg__dup(p, w + 2);
                        w += 2;
                        continue;
                }
                if (w + 1 >= n) {
                        cfg__err(p, w, "http-check send: '%s' needs a value", kw);
                        return;
                }
                if (strcmp(kw, "meth") == 0) {
                        r->meth = cfg__dup(p, w + 1);
                } else if (strcmp(kw, "uri") == 0) {
                        r->uri = cfg__dup(p, w + 1);
                } else if (strcmp(kw, "ver") == 0) {
                        r->ver = cfg__dup(p, w + 1);
                } else if (strcmp(kw, "body") == 0) {
                        r->data = cfg__dup(p, w + 1);
                        r->len = r->data ? strlen(r->data) : 0;
                } else if (strcmp(kw, "comment") == 0) {
                } else if (strcmp(kw, "uri-lf") == 0 || strcmp(kw, "body-lf") == 0) {
                        cfg__unsupported(p, w, kw);
                        return;
                } else {
                        cfg__err(p, w,
                                 "http-check send: expected meth, uri, ver, hdr, body or "
                                 "comment, got '%s'",
                                 kw);
                        return;
                }
                w++;
        }
}

/* A status list "200", "200-399", "200,301-302" (HAProxy's): every part valid? */
static bool status_list_valid(const char *s)
{
        while (*s) {
                unsigned lo = 0, hi;
                int n = 0;

                if (sscanf(s, "%3u%n", &lo, &n) != 1 || n != 3)
                        return false;
                s += n;
                hi = lo;
                if (*s == '-') {
                        if (sscanf(s + 1, "%3u%n", &hi, &n) != 1 || n != 3 || hi < lo)
                                return false;
                        s += 1 + n;
                }
                if (*s == ',')
                        s++;
                else if (*s)
                        return false;
        }
        return true;
}

/* The status word @w of ok-status (@kind 'o'), error-status ('e') or tout-status ('t'), as
 * HAProxy allows them; 0 after an error. */
static uint8_t status_word(struct cfg_parser *p, unsigned w, char kind)
{
        static const struct {
                const char *name;
                enum cfg_chk_status st;
                char kind;
        } names[] = {
                {"L7OK", CFG_CHK_ST_L7OK, 'o'},     {"L7OKC", CFG_CHK_ST_L7OKC, 'o'},
                {"L6OK", CFG_CHK_ST_L6OK, 'o'},     {"L4OK", CFG_CHK_ST_L4OK, 'o'},
                {"L7RSP", CFG_CHK_ST_L7RSP, 'e'},   {"L7STS", CFG_CHK_ST_L7STS, 'e'},
                {"L7OKC", CFG_CHK_ST_L7OKC, 'e'},   {"L6RSP", CFG_CHK_ST_L6RSP, 'e'},
                {"L4CON", CFG_CHK_ST_L4CON, 'e'},   {"L7TOUT", CFG_CHK_ST_L7TOUT, 't'},
                {"L6TOUT", CFG_CHK_ST_L6TOUT, 't'}, {"L4TOUT", CFG_CHK_ST_L4TOUT, 't'},
        };
        const char *v = cfg__word(p, w);

        for (size_t i = 0; i < SL_ARRAY_SIZE(names); i++)
                if (names[i].kind == kind && strcmp(names[i].name, v) == 0)
                        return (uint8_t)names[i].st;
        cfg__err(p, w, "invalid %s status '%s': expected %s",
                 kind == 'o'   ? "ok"
                 : kind == 'e' ? "error"
                               : "timeout",
                 v,
                 kind == 'o'   ? "L7OK, L7OKC, L6OK or L4OK"
                 : kind == 'e' ? "L7OKC, L7RSP, L7STS, L6RSP or L4CON"
                               : "L7TOUT, L6TOUT or L4TOUT");
        return 0;
}

/* [-m <meth>] <pattern> at word *@w, for hdr's "name" (@name) or "value"; moves *@w past
 * it */
static bool hdr_part(struct cfg_parser *p, unsigned *w, bool name, enum cfg_chk_meth *meth,
                     const char **pat, void **re)
{
        static const char *const meths[] = {"str", "beg", "end", "sub", "reg"};
        unsigned n = cfg__n_words(p);

        *meth = CFG_CHK_METH_STR;
        if (*w < n && strcmp(cfg__word(p, *w), "-m") == 0) {
                bool known = false;

                for (unsigned i = 0; i < SL_ARRAY_SIZE(meths); i++)
                        if (strcmp(cfg__word(p, *w + 1), meths[i]) == 0) {
                                *meth = (enum cfg_chk_meth)i;
                                known = true;
                        }
                if (!known) {
                        cfg__err(p, *w + 1 < n ? *w + 1 : *w,
                                 "http-check expect hdr: -m takes str, beg, end, sub or reg, got "
                                 "'%s'",
                                 cfg__word(p, *w + 1));
                        return false;
                }
                *w += 2;
        }
        if (*w >= n) {
                cfg__err(p, n - 1, "http-check expect hdr: the %s pattern is missing",
                         name ? "name" : "value");
                return false;
        }
        *pat = cfg__dup(p, *w);
        if (*meth == CFG_CHK_METH_REG) {
                *re = cfg__regex(p, *w, *pat, name);
                if (!*re)
                        return false;
        }
        (*w)++;
        return true;
}

/* hdr|fhdr name [-m <meth>] <name> [value [-m <meth>] <value>] from word @w into @r */
static bool hdr_pattern(struct cfg_parser *p, unsigned w, struct cfg_check_rule *r)
{
        unsigned n = cfg__n_words(p);

        if (w < n &&
            (strcmp(cfg__word(p, w), "name-lf") == 0 || strcmp(cfg__word(p, w), "value-lf") == 0)) {
                cfg__unsupported(p, w, cfg__word(p, w));
                return false;
        }
        if (w >= n || strcmp(cfg__word(p, w), "name") != 0) {
                cfg__err(p, w < n ? w : n - 1,
                         "http-check expect hdr: expected 'name [-m <meth>] <name>'");
                return false;
        }
        w++;
        if (!hdr_part(p, &w, true, &r->name_meth, &r->pat, &r->re))
                return false;
        r->pat_len = strlen(r->pat);
        if (w < n && strcmp(cfg__word(p, w), "value-lf") == 0) {
                cfg__unsupported(p, w, "value-lf");
                return false;
        }
        if (w < n && strcmp(cfg__word(p, w), "value") == 0) {
                w++;
                if (!hdr_part(p, &w, false, &r->value_meth, &r->hdr_value, &r->value_re))
                        return false;
        }
        if (w < n) {
                cfg__err(p, w, "http-check expect hdr: unexpected '%s'", cfg__word(p, w));
                return false;
        }
        return true;
}

/* [tcp|http]-check expect [min-recv <n>] [comment <msg>] [!] <match> <pattern> (@data 1:
 * http) */
static void kw_check_expect(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        static const struct {
                const char *name;
                enum cfg_chk_match m;
                bool tcp, http;
        } matches[] = {
                {"string", CFG_CHK_M_STRING, true, true},
                {"rstring", CFG_CHK_M_RSTRING, true, true},
                {"binary", CFG_CHK_M_BINARY, true, false},
                {"rbinary", CFG_CHK_M_RBINARY, true, false},
                {"status", CFG_CHK_M_STATUS, false, true},
                {"rstatus", CFG_CHK_M_RSTATUS, false, true},
        };
        const char *what = data ? "http-check expect" : "tcp-check expect";
        struct cfg_check_rule r = {.kind = data ? CFG_CHK_HTTP_EXPECT : CFG_CHK_EXPECT,
                                   .http = data != 0},
                              *slot;
        unsigned n = cfg__n_words(p), w = arg;
        unsigned long long v;
        bool found = false;

        for (; w < n; w++) {
                const char *kw = cfg__word(p, w);

                if (strcmp(kw, "min-recv") == 0) {
                        if (!cfg__uint(p, w + 1, 0, 1u << 20, "min-recv", &v))
                                return;
                        r.min_recv = (unsigned)v;
                        w++;
                } else if (strcmp(kw, "comment") == 0 && w + 1 < n) {
                        w++;
                } else if (strcmp(kw, "!") == 0) {
                        r.neg = !r.neg;
                } else if ((strcmp(kw, "ok-status") == 0 || strcmp(kw, "error-status") == 0 ||
                            strcmp(kw, "tout-status") == 0) &&
                           w + 1 < n) {
                        uint8_t st = status_word(p, w + 1, kw[0]);

                        if (!st)
                                return;
                        if (kw[0] == 'o')
                                r.ok_status = st;
                        else if (kw[0] == 'e')
                                r.err_status = st;
                        else
                                r.tout_status = st;
                        w++;
                } else if (strcmp(kw, "on-success") == 0 || strcmp(kw, "on-error") == 0 ||
                           strcmp(kw, "status-code") == 0) {
                        cfg__unsupported(p, w, kw);
                        return;
                } else {
                        break;
                }
        }
        for (size_t i = 0; w < n && i < SL_ARRAY_SIZE(matches); i++) {
                if (strcmp(cfg__word(p, w), matches[i].name) != 0)
                        continue;
                if (data ? !matches[i].http : !matches[i].tcp) {
                        cfg__err(p, w, "%s: '%s' is not a match of this check", what,
                                 matches[i].name);
                        return;
                }
                r.match = matches[i].m;
                found = true;
        }
        if (!found && data && w < n &&
            (strcmp(cfg__word(p, w), "hdr") == 0 || strcmp(cfg__word(p, w), "fhdr") == 0)) {
                r.match = cfg__word(p, w)[0] == 'h' ? CFG_CHK_M_HDR : CFG_CHK_M_FHDR;
                if (!hdr_pattern(p, w + 1, &r))
                        return;
                r.where = (struct cfg_where){p->file, p->l->line};
                slot = rule_push(p, r.kind);
                if (slot)
                        *slot = r;
                return;
        }
        if (!found) {
                if (w < n &&
                    (strcmp(cfg__word(p, w), "hdr") == 0 || strcmp(cfg__word(p, w), "fhdr") == 0 ||
                     strcmp(cfg__word(p, w), "string-lf") == 0 ||
                     strcmp(cfg__word(p, w), "binary-lf") == 0)) {
                        cfg__unsupported(p, w, cfg__word(p, w));
                        return;
                }
                cfg__err(p, w < n ? w : n - 1, "%s: expected %s, got '%s'", what,
                         data ? "status, rstatus, string or rstring"
                              : "string, rstring, binary or rbinary",
                         cfg__word(p, w));
                return;
        }
        if (w + 2 != n) {
                cfg__err(p, w + 1 < n ? w + 2 : w, "%s %s needs exactly one pattern%s", what,
                         cfg__word(p, w), w + 1 < n ? " (quote one with blanks)" : "");
                return;
        }
        w++;
        r.pat = cfg__dup(p, w);
        r.pat_len = r.pat ? strlen(r.pat) : 0;
        switch (r.match) {
        case CFG_CHK_M_STATUS:
                if (!status_list_valid(r.pat)) {
                        cfg__err(p, w,
                                 "%s status: expected codes or ranges like 200,300-399, "
                                 "got '%s'",
                                 what, r.pat);
                        return;
                }
                break;
        case CFG_CHK_M_BINARY:
                if (!hex_word(p, w, &r.bin, &r.pat_len))
                        return;
                break;
        case CFG_CHK_M_RSTRING:
        case CFG_CHK_M_RBINARY:
        case CFG_CHK_M_RSTATUS:
                r.re = cfg__regex(p, w, r.pat, false);
                if (!r.re)
                        return;
                break;
        case CFG_CHK_M_STRING:
        case CFG_CHK_M_CUSTOM:
        case CFG_CHK_M_HDR:
        case CFG_CHK_M_FHDR:
                break;
        }
        r.where = (struct cfg_where){p->file, p->l->line};
        slot = rule_push(p, r.kind);
        if (slot)
                *slot = r;
}

/* http-check disable-on-404 | send-state; [tcp|http]-check comment */
static void kw_check_flag(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_checks *c = &p->px->checks;

        if (data == 2)
                return; /* a comment */
        if (!cfg__want_args(p, arg, 0,
                            data ? "http-check send-state" : "http-check disable-on-404"))
                return;
        if (data)
                c->send_state = true;
        else
                c->disable_on_404 = true;
}

const struct cfg_kw cfg__check_keywords[] = {
        {"option httpchk", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_option_httpchk, 0,
         true},
        {"option tcp-check", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_option_tcp_check,
         0, true},
        {"option ssl-hello-chk", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_option_proto,
         CFG_CHK_PROTO_SSL_HELLO, true},
        {"option redis-check", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_option_proto,
         CFG_CHK_PROTO_REDIS, true},
        {"option mysql-check", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_option_proto,
         CFG_CHK_PROTO_MYSQL, true},
        {"option pgsql-check", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_option_proto,
         CFG_CHK_PROTO_PGSQL, true},
        {"option smtpchk", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_option_proto,
         CFG_CHK_PROTO_SMTP, true},
        {"http-check connect", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_check_connect,
         1, false},
        {"http-check send", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_http_check_send, 0,
         false},
        {"http-check expect", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_check_expect, 1,
         false},
        {"http-check disable-on-404", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND,
         kw_check_flag, 0, false},
        {"http-check send-state", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_check_flag,
         1, false},
        {"http-check comment", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_check_flag, 2,
         false},
        {"tcp-check connect", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_check_connect, 0,
         false},
        {"tcp-check send", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_tcp_check_send, 0,
         false},
        {"tcp-check send-binary", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND,
         kw_tcp_check_send, 1, false},
        {"tcp-check expect", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_check_expect, 0,
         false},
        {"tcp-check comment", CFG_IN_DEFAULTS | CFG_IN_LISTEN | CFG_IN_BACKEND, kw_check_flag, 2,
         false},
        {NULL, 0, NULL, 0, false},
};
