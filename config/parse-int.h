#pragma once
/* Internals shared by the parser's modules (parse.c: dispatch and sections; kw_global.c and
 * kw_proxy.c: keyword handlers). Not for use outside config/. */

#include <stdbool.h>

#include "diag.h"
#include "keywords.h"
#include "lex.h"
#include "model.h"
#include "resolve.h"

enum cfg_section {
        CFG_SEC_NONE = 0, /* before the first section */
        CFG_SEC_GLOBAL,
        CFG_SEC_DEFAULTS,
        CFG_SEC_FRONTEND,
        CFG_SEC_BACKEND,
        CFG_SEC_LISTEN,
        CFG_SEC_USERLIST,
        CFG_SEC_PEERS,
        CFG_SEC_RESOLVERS,
        CFG_SEC_SKIP, /* a section sluice does not support: its lines are not read */
};

/* An acl line that failed. */
struct cfg_failed_acl {
        const struct cfg_proxy *px; /* borrowed: where it was */
        const char *name;           /* arena copy */
};

struct cfg_parser {
        struct cfg_gen *gen;     /* borrowed: being built */
        struct cfg_diags *diags; /* borrowed */
        const char *file;        /* arena copy of the current file name */
        enum cfg_section sec;
        struct cfg_proxy *px;            /* current proxy or defaults section; NULL otherwise */
        struct cfg_userlist *ul;         /* current userlist section; NULL otherwise */
        struct cfg_peers *peers;         /* current peers section; NULL otherwise */
        bool peers_bind_line;            /* it has a "bind" line */
        bool peers_peer_line;            /* it has a "peer" line */
        struct cfg_resolvers *resolvers; /* current resolvers section; NULL otherwise */
        struct cfg_proxy *last_defaults; /* the latest defaults section, or NULL */
        const struct cfg_line *l;        /* the line being parsed */
        bool negate;                     /* the line started with "no" */
        bool global_seen;
        cfg_resolve_fn *resolve; /* host names (NULL: the C library's); from cfg_load_opts */
        void *resolve_data;
        const char *resolv_conf;   /* parse-resolv-conf's file; NULL: /etc/resolv.conf */
        cfg_env_fn *env;           /* the configuration's variables (addresses) */
        void *env_data;            /* borrowed; passed to @env */
        const char *section_label; /* ".SECTION": arena copy; NULL before any section */
        bool non_global_seen;      /* this file opened a section other than global */
        bool diag;                 /* diagnostic mode (-dD): record CFG_SEV_DIAG */
        /* acl lines that failed, so that a use of the name is not one more error */
        struct cfg_failed_acl *failed_acls; /* arena */
        size_t n_failed_acls, cap_failed_acls;
};

/* A handler reads l->words[arg ..] (the words after the keyword) and fills the model. It
 * reports problems with cfg__err() and returns nothing: the parser goes on either way. */
typedef void cfg_kw_fn(struct cfg_parser *p, unsigned arg, unsigned long data);

struct cfg_kw {
        const char *name; /* one to three words, as in cfg_known_keywords */
        unsigned in;      /* CFG_IN_* */
        cfg_kw_fn *fn;
        unsigned long data; /* passed to @fn (a flag, a timeout index) */
        bool negatable;     /* accepts a leading "no" */
};

extern const struct cfg_kw cfg__global_keywords[];
extern const struct cfg_kw cfg__tls_global_keywords[];

/* TLS (kw_tls.c): one option of a bind line (at word @w) or of a server line (@dflt: a
 * default-server line), into @b or @o:
 * the words it takes, 0 when it is no TLS option, -1 after an error (reported). */
int cfg__bind_tls_opt(struct cfg_parser *p, unsigned w, struct cfg_bind *b);
int cfg__server_tls_opt(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o, bool dflt);
/* The certificates of crt-list file @arg (word @w) into @b; false after an error. */
bool cfg__crt_list_load(struct cfg_parser *p, unsigned w, struct cfg_bind *b, const char *arg);
/* At the end of load: ssl-default-* applied, crt-list lines completed, checks. */
void cfg__tls_finish(struct cfg_parser *p);
/* "TLSv1.2" ... for enum cfg_tls_ver; "" for UNSET. */
const char *cfg_tls_ver_name(unsigned v);
extern const struct cfg_kw cfg__proxy_keywords[];

/* The stats page (kw_stats.c): "stats <@data's keyword>", and its checks at the end of load. */
enum {
        CFG_KW_STATS_ENABLE,
        CFG_KW_STATS_HIDE_VERSION,
        CFG_KW_STATS_SHOW_LEGENDS,
        CFG_KW_STATS_URI,
        CFG_KW_STATS_REALM,
        CFG_KW_STATS_REFRESH,
        CFG_KW_STATS_AUTH,
        CFG_KW_STATS_SCOPE,
        CFG_KW_STATS_SHOW_NODE,
        CFG_KW_STATS_SHOW_DESC,
        CFG_KW_STATS_ADMIN,
        CFG_KW_STATS_HTTP_REQUEST,
};
void cfg__kw_stats(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__stats_finish(struct cfg_parser *p, struct cfg_proxy *px);

/* Record an error at word @w of the current line (its line and column). */
void cfg__err(struct cfg_parser *p, unsigned w, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void cfg__warn(struct cfg_parser *p, unsigned w, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* A notice: accepted, changes nothing (a HAProxy keyword sluice's processes make moot). */
void cfg__notice(struct cfg_parser *p, unsigned w, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* The CFG_IN_* bit of section kind @s; 0 outside of any section. */
unsigned cfg__section_in(enum cfg_section s);

/* "global", "frontend", ... for the section being read. */
const char *cfg__section_name(const struct cfg_parser *p);

/* Word @w of the current line, "" past the end. */
const char *cfg__word(const struct cfg_parser *p, unsigned w);
struct sl_str cfg__word_str(const struct cfg_parser *p, unsigned w);
unsigned cfg__n_words(const struct cfg_parser *p);

/* Require exactly @n arguments after the keyword at @arg; reports and returns false if not. */
bool cfg__want_args(struct cfg_parser *p, unsigned arg, unsigned n, const char *usage);

/* Read the file named by word @w (at most 1 MiB) into the arena; reports errors. */
bool cfg__read_file(struct cfg_parser *p, unsigned w, const char **ret, size_t *ret_len);

/* HAProxy's rule for proxy and ACL names: letters, digits, '-', '_', '.', ':'. */
bool cfg__name_valid(const char *name);

/* Names of syslog facilities (index: facility code) and levels (index: level). */
extern const char *const cfg__facilities[24];
extern const char *const cfg__levels[8];

/* log-tag <string>: global (@data 0) or of p->px (1) */
void cfg__kw_log_tag(struct cfg_parser *p, unsigned arg, unsigned long data);

/* set-log-level <level>|silent at word @w (its argument at @w + 1, the rule's end at @end)
 * into @r. False after an error. */
bool cfg__log_level_action_parse(struct cfg_parser *p, unsigned w, unsigned end,
                                 struct cfg_http_rule *r);

/* The server-state file backend @px loads, read once per load (its problems reported then),
 * or NULL when it loads none. */
struct cfg_state_file *cfg__state_file(struct cfg_parser *p, const struct cfg_proxy *px);

/* At the end of load: each backend's servers given their state file's line; the lines of no
 * server reported. */
void cfg__state_finish(struct cfg_parser *p);

/* Copy word @w into the arena; reports out-of-memory. */
const char *cfg__dup(struct cfg_parser *p, unsigned w);

/* Parse an unsigned decimal word within [min, max]; reports and returns false if invalid. */
bool cfg__uint(struct cfg_parser *p, unsigned w, unsigned long long min, unsigned long long max,
               const char *what, unsigned long long *ret);

void cfg__oom(struct cfg_parser *p);

/* Parse word @w as an address (cfg_parse_addr() with @flags); a word starting with '/' is a
 * Unix socket path, as HAProxy reads it. Reports errors prefixed with @what; returns 0 or
 * a negative errno. */
int cfg__addr(struct cfg_parser *p, unsigned w, unsigned flags, struct cfg_addr *ret,
              const char *what);

/* Parse a log target line (global "log" and proxy "log") starting at word @arg. */
bool cfg__log_target(struct cfg_parser *p, unsigned arg, struct cfg_log_target *t);

/* "frontend", "backend" or "listen", for messages about @px. */
const char *cfg__proxy_kind(const struct cfg_proxy *px);
/* The proxy named @name that has a stick-table, or NULL. */
const struct cfg_proxy *cfg__find_table(const struct cfg_gen *g, const char *name);

/* Sample expressions (kw_sample.c): compile @s, reporting errors at word @w; *ret_implied
 * is the match method an ACL derivative name implies (path_beg), or -1. */
bool cfg__sample_parse(struct cfg_parser *p, unsigned w, struct sl_str s, struct cfg_sample *ret,
                       int *ret_implied);
/* The same for an expression at the start of @s, followed by other text (a format's "]"):
 * *ret_len is the length of the expression. */
bool cfg__sample_parse_prefix(struct cfg_parser *p, unsigned w, struct sl_str s,
                              struct cfg_sample *ret, int *ret_implied, size_t *ret_len);
/* At the end of load: resolve the names @smp holds (tables) for a rule of @px, reporting
 * problems at @where. */
void cfg__sample_finish(struct cfg_parser *p, const struct cfg_proxy *px, struct cfg_sample *smp,
                        const struct cfg_where *where);

/* The variable named @name ("scope.name"): its scope and slot, registered in the generation
 * on first sight. Reports and returns false when the name is invalid. */
bool cfg__var_ref(struct cfg_parser *p, unsigned w, struct sl_str name, struct cfg_var_ref *ret);

/* ACLs and conditions (kw_acl.c). */
void cfg__kw_acl(struct cfg_parser *p, unsigned arg, unsigned long data);
/* Parse "if|unless <condition>" starting at word @w (the "if"), up to the end of the line. */
struct cfg_cond *cfg__cond_parse(struct cfg_parser *p, unsigned w);
const char *cfg__match_name(enum cfg_match m);
/* At the end of load: resolve the names @e's sample holds (cfg__sample_finish()) and check
 * http_auth_group's patterns are groups of its userlist. */
void cfg__acl_expr_finish(struct cfg_parser *p, const struct cfg_proxy *px, struct cfg_acl_expr *e);
/* Add the pattern @text to @e, read as its match method reads patterns (@op: an integer
 * operator, 'e', 'g', 'G', 'l', 'L' or 0); errors at word @w, their text after @where ("" or
 * "<file>:<line>: "). */
bool cfg__pattern_add(struct cfg_parser *p, unsigned w, const char *where, struct cfg_acl_expr *e,
                      struct sl_str text, int op);
/* Maps and pattern files (kw_map.c): add the patterns of the file named by word @w to @e,
 * one per line, or the keys of a map file when @as_map (ACL flags -f and -M). */
bool cfg__pattern_file(struct cfg_parser *p, unsigned w, struct cfg_acl_expr *e, bool as_map);
/* Compile the regular expression @s (errors at word @w); kept for freeing with the gen. */
void *cfg__regex(struct cfg_parser *p, unsigned w, const char *s, bool icase);

/* Formats (kw_fmt.c): compile word @w. */
bool cfg__fmt_parse(struct cfg_parser *p, unsigned w, struct cfg_fmt *ret);

/* Rules (kw_rules.c). */
/* The index of the first "if"/"unless" word at or after @w, or the number of words. */
unsigned cfg__cond_start(const struct cfg_parser *p, unsigned w);
/* Parse the condition at @w (if any) for rules named @where whose fetches may read @at
 * (CFG_FETCH_AT_*); *ok says whether it was valid. NULL: none. */
const struct cfg_cond *cfg__rule_cond(struct cfg_parser *p, unsigned w, unsigned at,
                                      const char *where, bool *ok);
/* Is @s a header field name (an RFC 9110 token)? */
bool cfg__header_name_valid(const char *s);
void cfg__kw_use_backend(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_use_server(struct cfg_parser *p, unsigned arg, unsigned long data);
/* Shared actions (kw_actions.c), between words @w (the action) and @end (the condition or
 * the end), @at saying what their samples may read: 1 with @r filled, 0 when the word is
 * no such action, -1 after an error. The stick-table actions (track-sc<N>, sc-inc-gpc0/1,
 * sc-set-gpt0), and the variable ones (set-var, set-var-fmt, unset-var; @stream is false
 * where a rule runs before any stream exists). */
int cfg__stick_action_parse(struct cfg_parser *p, unsigned w, unsigned end, unsigned at,
                            struct cfg_http_rule *r);
int cfg__var_action_parse(struct cfg_parser *p, unsigned w, unsigned end, unsigned at, bool stream,
                          struct cfg_http_rule *r);
/* capture <sample> len <length> | id <id> (kw_actions.c), as the above; @response for
 * http-response and http-after-response rules, @tcp for tcp-request content ones. */
int cfg__capture_action_parse(struct cfg_parser *p, unsigned w, unsigned end, unsigned at,
                              bool response, bool tcp, struct cfg_http_rule *r);
/* A new capture slot of @len bytes (kw_http.c) named @name (arena, or NULL for a rule's or
 * a declared one) among the frontend's request or @response slots: its index, or -1 when
 * out of memory. */
int cfg__capture_slot(struct cfg_parser *p, const char *name, unsigned len, bool response);
void cfg__kw_declare_capture(struct cfg_parser *p, unsigned arg, unsigned long data);
/* set-src, set-dst, set-src-port, set-dst-port <expr> (kw_actions.c), as the above. */
int cfg__addr_action_parse(struct cfg_parser *p, unsigned w, unsigned end, unsigned at,
                           struct cfg_http_rule *r);
void cfg__kw_ignore_persist(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_http_rule(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_tcp_rule(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_stick_table(struct cfg_parser *p, unsigned arg, unsigned long data);
/* The arguments of a stick-table line (@in_peers: a "table <name>" line of a peers section,
 * which takes no "peers") from word @arg on, into @ret; false after an error (reported). */
bool cfg__stick_table_parse(struct cfg_parser *p, unsigned arg, bool in_peers,
                            struct cfg_stick_table *ret);
void cfg__kw_stick(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_cookie(struct cfg_parser *p, unsigned arg, unsigned long data);
/* Is @s a cookie value (RFC 6265 cookie-octets, at least one)? */
bool cfg__cookie_value_valid(const char *s);

/* Servers, binds and connection keywords (kw_server.c). */
/* Parse word @w as the address of server @s: IP, host name (resolved later by
 * cfg__server_resolve()), unix@, abns@; no port or "+N"/"-N" is relative to the client's. */
bool cfg__server_addr(struct cfg_parser *p, unsigned w, struct cfg_server *s);
/* Give a server written with a host name its address as its init-addr says (@w: the address
 * word, for errors); true when it has one, or none on purpose (init-addr none). */
bool cfg__server_resolve(struct cfg_parser *p, unsigned w, const struct cfg_proxy *px,
                         struct cfg_server *s);
/* A server option at word @w of those kw_server.c handles ("id", "init-addr") into @o or @s
 * (NULL on default-server): the words used, 0 when it is not one of them, -1 on an error. */
/* The health-check server options at word @w ("check", "inter", "rise" ... kw_check.c):
 * the words used, 0 when @w is none of them, -1 after an error. */
int cfg__server_check_kw(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o);
extern const struct cfg_kw cfg__check_keywords[];

int cfg__server_kw(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o,
                   struct cfg_server *s);
/* The PROXY protocol server options at word @w (send-proxy* and their "no-" forms,
 * proxy-v2-options; kw_pp.c): the words used, 0 when @w is none of them, -1 after an error. */
int cfg__server_pp_kw(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o);
/* The options of a bind line from word @w on, into @ret's name, v6only, v4v6 and tfo. */
bool cfg__bind_opts(struct cfg_parser *p, unsigned w, struct cfg_bind *ret);
/* Handlers of id, fullconn, dispatch, retry-on and option tcpka|clitcpka|srvtcpka (with
 * the option's flag as data, 0 for tcpka). */
void cfg__kw_px_id(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_fullconn(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_dispatch(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_retry_on(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_option_tcpka(struct cfg_parser *p, unsigned arg, unsigned long data);
/* A UDP log target @a ("[udp@|udp4@|udp6@]<address>[:port]", its variables expanded) read
 * from word @w (for errors), a host name resolved now as HAProxy does, into @ret. */
bool cfg__log_udp_addr(struct cfg_parser *p, unsigned w, const char *a, struct cfg_addr *ret);
/* The retry-on keyword of one CFG_RETRY_* bit, or NULL. */
const char *cfg__retry_on_name(uint32_t bit);
/* Settings kw_server.c keeps that a proxy takes from its defaults section @def, or their
 * defaults when @def is NULL. */
void cfg__proxy_defaults(struct cfg_proxy *px, const struct cfg_proxy *def);
/* At the end of the load: proxy and server ids as HAProxy assigns them, duplicates refused. */
void cfg__finish_servers(struct cfg_parser *p);
/* HTTP proxy keywords (kw_http.c). */
void cfg__kw_redirect(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_monitor_uri(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_monitor_fail(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_capture(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_unique_id_format(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__kw_unique_id_header(struct cfg_parser *p, unsigned arg, unsigned long data);
/* The redirect options from word @w to @end (excluded), in any order, into @r (an
 * http-response redirect only takes "location"). @literal: the target is a plain string
 * (a proxy's "redirect"), else a log-format. Reports errors. */
bool cfg__redirect_parse(struct cfg_parser *p, unsigned w, unsigned end, bool response,
                         bool literal, struct cfg_http_rule *r);
/* http-request auth, wait-for-body and normalize-uri, the action at word @arg, its
 * arguments up to @end: 1 with @r filled, 0 when the action is none of them, -1 after an
 * error. */
int cfg__http_rule_ext(struct cfg_parser *p, unsigned arg, unsigned end, struct cfg_http_rule *r);
/* An IPv4 or IPv6 network at word @w ("a.b.c.d[/len|/mask]", "x::y[/len]"). */
bool cfg__net_parse(struct cfg_parser *p, unsigned w, struct cfg_net *ret);

/* Userlist sections (kw_userlist.c): a line of the section being read, and the
 * cross-references checked at the end of the load. */
void cfg__userlist_open(struct cfg_parser *p);
void cfg__userlist_line(struct cfg_parser *p);
void cfg__userlists_finish(struct cfg_parser *p);

/* Peers sections (kw_peers.c): the "peers" line, a line of the section, and, at the end of
 * the load, the checks and the cross-references (the tables each section syncs). */
void cfg__peers_open(struct cfg_parser *p);
void cfg__peers_line(struct cfg_parser *p);
void cfg__peers_finish(struct cfg_parser *p);
/* Resolvers sections (kw_resolvers.c): the "resolvers" line, a line of the section, the
 * server options "resolvers", "resolve-prefer", "resolve-opts" and "resolve-net" at word @w
 * into @o (the words used, 0 when it is none of them, -1 after an error), the
 * "server-template" keyword, and, at the end of the load, each server given its section. */
void cfg__resolvers_open(struct cfg_parser *p);
void cfg__resolvers_line(struct cfg_parser *p);
int cfg__server_dns_kw(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o);
void cfg__kw_server_template(struct cfg_parser *p, unsigned arg, unsigned long data);
void cfg__resolvers_finish(struct cfg_parser *p);
/* The options of a server line from word @w on, into @o, and @s (NULL on default-server)
 * (kw_proxy.c); false after an error (reported). */
bool cfg__server_opts(struct cfg_parser *p, unsigned w, struct cfg_server_opts *o,
                      struct cfg_server *s);

/* The parser's stages, driven by load.c: one line outside any directive, then the
 * cross-references and checks once every file was read. */
void cfg__parser_line(struct cfg_parser *p);
void cfg__parser_finish(struct cfg_parser *p);

/* Report, at word @w, that @kw (as written: "bind", "option httpchk", "http-request tarpit",
 * "check") is a HAProxy keyword that sluice does not support yet: the one wording every such
 * refusal uses. */
void cfg__unsupported(struct cfg_parser *p, unsigned w, const char *kw);

/* The same for the address @word, already expanded; errors at word @w. */
int cfg__addr_str(struct cfg_parser *p, unsigned w, const char *word, unsigned flags,
                  struct cfg_addr *ret, const char *what);

/* @len bytes at @s, an address, with HAProxy's second expansion of variables applied
 * (cfg_env_expand() with the configuration's variables); an arena copy, or NULL after
 * reporting the problem at word @w. */
const char *cfg__addr_expand(struct cfg_parser *p, unsigned w, const char *s, size_t len);

/* The supported proxy keyword the current line has at word @first, whatever the section,
 * and in *ret_n how many words it has; NULL when there is none. */
const struct cfg_kw *cfg__proxy_kw_lookup(const struct cfg_parser *p, unsigned first,
                                          unsigned *ret_n);

/* What HAProxy accepts with a warning and then ignores (ignored.c). */
/* The line at word @first is a keyword HAProxy itself ignores, or one without a meaning in
 * sluice's processes: report it (a warning where HAProxy warns, else a notice) and return
 * true; false for any other line. */
bool cfg__noticed_keyword(struct cfg_parser *p, unsigned first);
/* The proxy keyword at word @first is one sluice supports in other proxy sections: when
 * HAProxy warns and ignores it in this one, do the same and return true (its arguments are
 * still checked where HAProxy checks them). */
bool cfg__ignored_keyword(struct cfg_parser *p, unsigned first);
/* Once every file was read: what a proxy in mode tcp cannot use is reported and, where
 * HAProxy changes it, changed as HAProxy does (the log format, the balance algorithm). */
void cfg__finish_mode(struct cfg_parser *p, struct cfg_proxy *px);
/* Diagnostic mode (-dD): suspicious but valid settings of @px, as CFG_SEV_DIAG. */
void cfg__finish_diag(struct cfg_parser *p, const struct cfg_proxy *px);
