/* HTTP proxy keywords: redirect (a proxy's, and the parsing the redirect action of
 * http-request/http-response shares with it), monitor-uri and monitor fail, header
 * captures, unique-id-format and unique-id-header, the network of option forwardfor except,
 * and the http-request actions auth, wait-for-body and normalize-uri. Called by the parser
 * (parse.c through the keyword table of kw_proxy.c, and kw_rules.c for actions). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "macros.h"
#include "parse-int.h"

/* ---- redirect ---- */

static bool redirect_code(struct cfg_parser *p, unsigned w, unsigned *ret)
{
        const char *s = cfg__word(p, w);
        char *e;
        long v = strtol(s, &e, 10);

        if (!*s || *e || !(v == 301 || v == 302 || v == 303 || v == 307 || v == 308)) {
                cfg__err(p, w,
                         "redirect: unsupported code '%s': expected 301, 302, 303, 307 or 308", s);
                return false;
        }
        *ret = (unsigned)v;
        return true;
}

bool cfg__redirect_parse(struct cfg_parser *p, unsigned w, unsigned end, bool response,
                         bool literal, struct cfg_http_rule *r)
{
        const char *dest = NULL;
        unsigned dest_w = 0;
        bool typed = false;

        r->act = CFG_ACT_REDIRECT;
        r->redir_code = 302;
        /* HAProxy takes the words in any order; a later type, code or cookie replaces an
         * earlier one */
        for (; w < end; w++) {
                const char *kw = cfg__word(p, w);
                bool has_arg = w + 1 < end && *cfg__word(p, w + 1);

                if (strcmp(kw, "location") == 0 || strcmp(kw, "prefix") == 0 ||
                    strcmp(kw, "scheme") == 0 || strcmp(kw, "set-cookie") == 0 ||
                    strcmp(kw, "clear-cookie") == 0 || strcmp(kw, "code") == 0) {
                        if (!has_arg) {
                                cfg__err(p, w, "redirect: missing argument for '%s'", kw);
                                return false;
                        }
                }
                if (strcmp(kw, "location") == 0 || strcmp(kw, "prefix") == 0 ||
                    strcmp(kw, "scheme") == 0) {
                        r->redir = kw[0] == 'l'   ? CFG_REDIR_LOCATION
                                   : kw[0] == 'p' ? CFG_REDIR_PREFIX
                                                  : CFG_REDIR_SCHEME;
                        dest = cfg__word(p, ++w);
                        dest_w = w;
                        typed = true;
                } else if (strcmp(kw, "set-cookie") == 0 || strcmp(kw, "clear-cookie") == 0) {
                        r->redir_cookie = cfg__dup(p, ++w);
                        if (!r->redir_cookie)
                                return false;
                        if (kw[0] == 'c')
                                r->redir_flags |= CFG_REDIR_F_CLEAR_COOKIE;
                        else
                                r->redir_flags &= ~(unsigned)CFG_REDIR_F_CLEAR_COOKIE;
                } else if (strcmp(kw, "code") == 0) {
                        if (!redirect_code(p, ++w, &r->redir_code))
                                return false;
                } else if (strcmp(kw, "drop-query") == 0) {
                        r->redir_flags |= CFG_REDIR_F_DROP_QUERY;
                } else if (strcmp(kw, "append-slash") == 0) {
                        r->redir_flags |= CFG_REDIR_F_APPEND_SLASH;
                } else if (strcmp(kw, "ignore-empty") == 0) {
                        r->redir_flags |= CFG_REDIR_F_IGNORE_EMPTY;
                } else {
                        cfg__err(p, w,
                                 "redirect: unexpected '%s': expected 'code', 'prefix', "
                                 "'location', 'scheme', 'set-cookie', 'clear-cookie', "
                                 "'drop-query', 'ignore-empty' or 'append-slash'",
                                 kw);
                        return false;
                }
        }
        if (!typed) {
                cfg__err(p, end - 1,
                         "redirect: a type is expected ('prefix', 'location' or 'scheme')");
                return false;
        }
        if (response && r->redir != CFG_REDIR_LOCATION) {
                cfg__err(p, dest_w - 1, "http-response redirect only takes 'location'");
                return false;
        }
        if (literal) {
                r->redir_str = cfg__dup(p, dest_w);
                return r->redir_str != NULL;
        }
        (void)dest;
        return cfg__fmt_parse(p, dest_w, &r->fmt);
}

/* redirect location|prefix|scheme <target> [options] [if|unless <cond>] */
void cfg__kw_redirect(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_proxy *px = p->px;
        struct cfg_http_rule r = {.where = {p->file, p->l->line}}, *slot;
        unsigned end = cfg__cond_start(p, arg);
        bool ok;

        if (arg >= end) {
                cfg__err(p, arg ? arg - 1 : 0,
                         "redirect: a type is expected ('prefix', 'location' or 'scheme')");
                return;
        }
        /* the proxy's rules take their target as written: it is not a log-format */
        if (!cfg__redirect_parse(p, arg, end, false, true, &r))
                return;
        r.cond = cfg__rule_cond(p, end, CFG_FETCH_AT_CONN | CFG_FETCH_AT_REQ, "redirect", &ok);
        if (!ok)
                return;
        slot = cfg_arena_push(&p->gen->arena, (void **)&px->redirects, &px->n_redirects,
                              &px->cap_redirects, sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = r;
}

/* ---- monitoring ---- */

/* monitor-uri <uri> */
void cfg__kw_monitor_uri(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        if (!cfg__want_args(p, arg, 1, "monitor-uri <uri>"))
                return;
        if (!*cfg__word(p, arg)) {
                cfg__err(p, arg, "monitor-uri expects a URI");
                return;
        }
        p->px->monitor_uri = cfg__dup(p, arg);
}

/* monitor fail if|unless <condition> */
void cfg__kw_monitor_fail(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_proxy *px = p->px;
        const struct cfg_cond *c, **slot;
        bool ok;

        if (arg >= cfg__n_words(p) ||
            (strcmp(cfg__word(p, arg), "if") != 0 && strcmp(cfg__word(p, arg), "unless") != 0)) {
                cfg__err(p, arg < cfg__n_words(p) ? arg : arg - 1,
                         "'monitor fail' requires either 'if' or 'unless' followed by a "
                         "condition");
                return;
        }
        c = cfg__rule_cond(p, arg, CFG_FETCH_AT_CONN | CFG_FETCH_AT_REQ, "monitor fail", &ok);
        if (!ok)
                return;
        slot = cfg_arena_push(&p->gen->arena, (void **)&px->monitor_fail, &px->n_monitor_fail,
                              &px->cap_monitor_fail, sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = c;
}

/* ---- captures ---- */

/* capture request|response header <name> len <length>; @data: 1 for response */
void cfg__kw_capture(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *kw = data ? "capture response header" : "capture request header";
        unsigned long long len;
        const char *name;
        char usage[96];

        snprintf(usage, sizeof(usage), "%s <name> len <length>", kw);
        if (!cfg__want_args(p, arg, 3, usage))
                return;
        if (!*cfg__word(p, arg) || strcmp(cfg__word(p, arg + 1), "len") != 0) {
                cfg__err(p, arg, "expected '%s'", usage);
                return;
        }
        if (!cfg__uint(p, arg + 2, 0, 65536, "capture length", &len))
                return;
        name = cfg__dup(p, arg);
        if (!name)
                cfg__oom(p);
        else
                (void)cfg__capture_slot(p, name, (unsigned)len, data == 1);
}

/* A new capture slot of length @len in the frontend's request (@response: response) slots;
 * its index, or -1 when out of memory. */
int cfg__capture_slot(struct cfg_parser *p, const char *name, unsigned len, bool response)
{
        struct cfg_proxy *px = p->px;
        struct cfg_capture *slot;

        if (response)
                slot = cfg_arena_push(&p->gen->arena, (void **)&px->res_caps, &px->n_res_caps,
                                      &px->cap_res_caps, sizeof(*slot));
        else
                slot = cfg_arena_push(&p->gen->arena, (void **)&px->req_caps, &px->n_req_caps,
                                      &px->cap_req_caps, sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return -1;
        }
        *slot = (struct cfg_capture){name, len};
        return (int)((response ? px->n_res_caps : px->n_req_caps) - 1);
}

/* declare capture request|response len <length>: a slot for the capture rules that name it
 * by id (those of backends among them) */
void cfg__kw_declare_capture(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *usage = "declare capture request|response len <length>";
        unsigned long long len;
        const char *dir;

        (void)data;
        if (!(p->px->cap & CFG_CAP_FE)) {
                cfg__err(p, arg - 1,
                         "'declare capture' is only available in a frontend or "
                         "listen section");
                return;
        }
        if (!cfg__want_args(p, arg, 3, usage))
                return;
        dir = cfg__word(p, arg);
        if ((strcmp(dir, "request") != 0 && strcmp(dir, "response") != 0) ||
            strcmp(cfg__word(p, arg + 1), "len") != 0) {
                cfg__err(p, arg, "expected '%s'", usage);
                return;
        }
        if (cfg__uint(p, arg + 2, 1, 65536, "capture length", &len))
                (void)cfg__capture_slot(p, NULL, (unsigned)len, dir[2] == 's');
}

/* ---- unique ids ---- */

void cfg__kw_unique_id_format(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_fmt *f;

        if (!cfg__want_args(p, arg, 1, "unique-id-format <format>"))
                return;
        if (!*cfg__word(p, arg)) {
                cfg__err(p, arg, "unique-id-format expects a format");
                return;
        }
        f = cfg_arena_alloc(&p->gen->arena, sizeof(*f));
        if (!f) {
                cfg__oom(p);
                return;
        }
        if (cfg__fmt_parse(p, arg, f))
                p->px->unique_id_fmt = f;
}

void cfg__kw_unique_id_header(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        if (!cfg__want_args(p, arg, 1, "unique-id-header <name>"))
                return;
        if (!cfg__header_name_valid(cfg__word(p, arg))) {
                cfg__err(p, arg, "unique-id-header: invalid header name '%s'", cfg__word(p, arg));
                return;
        }
        p->px->unique_id_header = cfg__dup(p, arg);
}

/* ---- networks ---- */

/* <address>[/<prefix length or dotted mask>], IPv4 or IPv6, as HAProxy's str2net() and
 * str62net(): no mask is a single address. */
bool cfg__net_parse(struct cfg_parser *p, unsigned w, struct cfg_net *ret)
{
        const char *word = cfg__word(p, w);
        const char *slash = strchr(word, '/');
        char addr[INET6_ADDRSTRLEN + 1];
        size_t alen = slash ? (size_t)(slash - word) : strlen(word);
        struct cfg_net n = {0};
        unsigned bits;

        if (alen == 0 || alen >= sizeof(addr))
                goto bad;
        memcpy(addr, word, alen);
        addr[alen] = '\0';
        if (inet_pton(AF_INET, addr, n.addr) == 1) {
                n.family = AF_INET;
                bits = 32;
        } else if (inet_pton(AF_INET6, addr, n.addr) == 1) {
                n.family = AF_INET6;
                bits = 128;
        } else {
                goto bad;
        }
        n.prefix = bits;
        if (slash) {
                const char *m = slash + 1;
                char *e;
                unsigned long v;
                uint8_t dotted[4];

                if (n.family == AF_INET && strchr(m, '.')) {
                        uint32_t mask, inv;

                        if (inet_pton(AF_INET, m, dotted) != 1)
                                goto bad;
                        mask = (uint32_t)dotted[0] << 24 | (uint32_t)dotted[1] << 16 |
                               (uint32_t)dotted[2] << 8 | dotted[3];
                        inv = ~mask;
                        if (inv & (inv + 1))
                                goto bad; /* not contiguous */
                        n.prefix = (unsigned)__builtin_popcount(mask);
                } else {
                        v = strtoul(m, &e, 10);
                        if (!*m || *e || v > bits)
                                goto bad;
                        n.prefix = (unsigned)v;
                }
        }
        for (unsigned i = 0; i < bits / 8; i++) {
                unsigned left = n.prefix > i * 8 ? n.prefix - i * 8 : 0;

                n.mask[i] = left >= 8 ? 0xff : (uint8_t)(0xff << (8 - left));
                n.addr[i] &= n.mask[i];
        }
        *ret = n;
        return true;
bad:
        cfg__err(p, w, "expected <address>[/mask], got '%s'", word);
        return false;
}

/* ---- http-request auth, wait-for-body, normalize-uri ---- */

static const char *const norm_names[CFG_NORM_COUNT] = {
        [CFG_NORM_FRAGMENT_ENCODE] = "fragment-encode",
        [CFG_NORM_FRAGMENT_STRIP] = "fragment-strip",
        [CFG_NORM_PATH_MERGE_SLASHES] = "path-merge-slashes",
        [CFG_NORM_PATH_STRIP_DOT] = "path-strip-dot",
        [CFG_NORM_PATH_STRIP_DOTDOT] = "path-strip-dotdot",
        [CFG_NORM_PERCENT_DECODE_UNRESERVED] = "percent-decode-unreserved",
        [CFG_NORM_PERCENT_TO_UPPERCASE] = "percent-to-uppercase",
        [CFG_NORM_QUERY_SORT_BY_NAME] = "query-sort-by-name",
};

static bool normalize_parse(struct cfg_parser *p, unsigned w, unsigned end, struct cfg_http_rule *r)
{
        const char *name = cfg__word(p, w);
        size_t i;

        /* an experimental directive in HAProxy 2.6: refused unless the global section
         * exposes them, as HAProxy does */
        if (!p->gen->global.expose_experimental) {
                cfg__err(p, w - 1,
                         "'http-request normalize-uri' is experimental, must be allowed via "
                         "a global 'expose-experimental-directives'");
                return false;
        }
        if (w >= end) {
                cfg__err(p, w - 1, "normalize-uri: missing argument <normalizer>");
                return false;
        }
        for (i = 0; i < CFG_NORM_COUNT; i++)
                if (strcmp(name, norm_names[i]) == 0)
                        break;
        if (i == CFG_NORM_COUNT) {
                cfg__err(p, w, "normalize-uri: unknown normalizer '%s'", name);
                return false;
        }
        r->act = CFG_ACT_NORMALIZE_URI;
        r->norm = (enum cfg_uri_norm)i;
        if (w + 1 < end) {
                const char *opt = cfg__word(p, w + 1);
                const char *want = r->norm == CFG_NORM_PATH_STRIP_DOTDOT ? "full"
                                   : r->norm == CFG_NORM_PERCENT_DECODE_UNRESERVED ||
                                                   r->norm == CFG_NORM_PERCENT_TO_UPPERCASE
                                           ? "strict"
                                           : NULL;

                if (!want || strcmp(opt, want) != 0 || w + 2 < end) {
                        cfg__err(p, w + 1, "unknown argument '%s' for '%s' normalizer",
                                 want && strcmp(opt, want) == 0 ? cfg__word(p, w + 2) : opt, name);
                        return false;
                }
                r->norm_opt = true;
        }
        return true;
}

int cfg__http_rule_ext(struct cfg_parser *p, unsigned arg, unsigned end, struct cfg_http_rule *r)
{
        const char *act = cfg__word(p, arg);
        unsigned w = arg + 1;

        if (strcmp(act, "auth") == 0) {
                r->act = CFG_ACT_AUTH;
                if (w < end) {
                        if (strcmp(cfg__word(p, w), "realm") != 0 || w + 2 != end) {
                                cfg__err(p, w, "expected 'auth [realm <realm>]'");
                                return -1;
                        }
                        r->realm = cfg__dup(p, w + 1);
                        if (!r->realm)
                                return -1;
                }
                return 1;
        }
        if (strcmp(act, "use-service") == 0) {
                if (w + 1 != end || strcmp(cfg__word(p, w), "prometheus-exporter") != 0) {
                        cfg__err(p, w < end ? w : arg,
                                 "use-service: sluice has the service 'prometheus-exporter'");
                        return -1;
                }
                r->act = CFG_ACT_USE_SERVICE;
                r->service = CFG_SVC_PROMETHEUS;
                return 1;
        }
        if (strcmp(act, "wait-for-body") == 0) {
                bool timed = false;
                char err[256];

                r->act = CFG_ACT_WAIT_FOR_BODY;
                for (; w < end; w += 2) {
                        const char *kw = cfg__word(p, w);

                        if (w + 1 >= end) {
                                cfg__err(p, w, "wait-for-body: missing argument for '%s'", kw);
                                return -1;
                        }
                        if (strcmp(kw, "time") == 0) {
                                if (cfg_parse_time(cfg__word_str(p, w + 1), CFG_TIME_MS,
                                                   &r->wait_ms, err, sizeof(err)) < 0) {
                                        cfg__err(p, w + 1, "wait-for-body time: %s", err);
                                        return -1;
                                }
                                timed = true;
                        } else if (strcmp(kw, "at-least") == 0) {
                                if (cfg_parse_size(cfg__word_str(p, w + 1), UINT32_MAX,
                                                   &r->wait_bytes, err, sizeof(err)) < 0) {
                                        cfg__err(p, w + 1, "wait-for-body at-least: %s", err);
                                        return -1;
                                }
                        } else {
                                cfg__err(p, w,
                                         "wait-for-body: unexpected '%s': expected 'time' or "
                                         "'at-least'",
                                         kw);
                                return -1;
                        }
                }
                if (!timed) {
                        cfg__err(p, arg, "wait-for-body: missing 'time' argument");
                        return -1;
                }
                return 1;
        }
        if (strcmp(act, "normalize-uri") == 0)
                return normalize_parse(p, w, end, r) ? 1 : -1;
        return 0;
}
