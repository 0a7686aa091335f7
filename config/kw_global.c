/* Handlers of the "global" section's keywords, and the log target reader shared with
 * proxies ("log" is valid in both). Called by the parser (parse.c) for each line. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macros.h"
#include "parse-int.h"

static void kw_daemon(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        if (cfg__want_args(p, arg, 0, "daemon"))
                p->gen->global.daemon = true;
}

/* [no] busy-polling: the workers ask the kernel for events again and again instead of
 * sleeping until one comes (worker/loop.h) */
static void kw_busy_polling(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        (void)data;
        if (cfg__want_args(p, arg, 0, "busy-polling"))
                p->gen->global.busy_polling = !p->negate;
}

static void kw_nbthread(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned long long v;

        /* In sluice, the number of worker processes (each one single-threaded). */
        if (cfg__want_args(p, arg, 1, "nbthread <number>") &&
            cfg__uint(p, arg, 1, 256, "nbthread", &v))
                p->gen->global.nbthread = (unsigned)v;
}

static void kw_string(struct cfg_parser *p, unsigned arg, const char *usage, const char **dst)
{
        if (!cfg__want_args(p, arg, 1, usage))
                return;
        if (p->l->words[arg].len == 0) {
                cfg__err(p, arg, "'%s' needs a non-empty value", usage);
                return;
        }
        if (*dst)
                cfg__warn(p, 0, "'%s' given again: the last value wins", p->l->words[0].text);
        *dst = cfg__dup(p, arg);
}

static void kw_user(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        kw_string(p, arg, "user <name>", &p->gen->global.user);
}

static void kw_group(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        kw_string(p, arg, "group <name>", &p->gen->global.group);
}

static void kw_chroot(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        kw_string(p, arg, "chroot <directory>", &p->gen->global.chroot);
}

static void kw_pidfile(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        kw_string(p, arg, "pidfile <file>", &p->gen->global.pidfile);
}

static void kw_maxconn(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned long long v;

        if (cfg__want_args(p, arg, 1, "maxconn <number>") &&
            cfg__uint(p, arg, 1, 10000000, "maxconn", &v))
                p->gen->global.maxconn = (unsigned)v;
}

/* maxconnrate <number>: connections accepted per second by the node */
static void kw_maxconnrate(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned long long v;

        (void)data;
        if (cfg__want_args(p, arg, 1, "maxconnrate <number>") &&
            cfg__uint(p, arg, 0, 100000000, "maxconnrate", &v))
                p->gen->global.maxconnrate = (unsigned)v;
}

static void kw_hard_stop_after(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        uint32_t ms;
        char err[256];

        if (!cfg__want_args(p, arg, 1, "hard-stop-after <time>"))
                return;
        if (cfg_parse_time(cfg__word_str(p, arg), CFG_TIME_MS, &ms, err, sizeof(err)) < 0) {
                cfg__err(p, arg, "hard-stop-after: %s", err);
                return;
        }
        p->gen->global.hard_stop_after_ms = ms;
}

static void kw_tune_bufsize(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        uint64_t v;
        char err[256];

        if (!cfg__want_args(p, arg, 1, "tune.bufsize <size>"))
                return;
        if (cfg_parse_size(cfg__word_str(p, arg), 1u << 30, &v, err, sizeof(err)) < 0) {
                cfg__err(p, arg, "tune.bufsize: %s", err);
                return;
        }
        if (v < 1024) {
                cfg__err(p, arg, "tune.bufsize %llu is too small: at least 1024 bytes",
                         (unsigned long long)v);
                return;
        }
        p->gen->global.tune_bufsize = (size_t)v;
}

/* tune.vars.<scope>-max-size <bytes>: what variables of a scope may hold together (0, the
 * default: no limit). @data: which of them (the table below). Read as HAProxy reads it, a
 * plain decimal number. */
static void kw_tune_vars(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_global *g = &p->gen->global;
        size_t *const limits[] = {&g->tune_vars_global_max, &g->tune_vars_proc_max,
                                  &g->tune_vars_sess_max, &g->tune_vars_txn_max,
                                  &g->tune_vars_reqres_max};
        unsigned long long v;

        if (cfg__want_args(p, arg, 1, "tune.vars.<scope>-max-size <bytes>") &&
            cfg__uint(p, arg, 0, UINT32_MAX, "tune.vars.<scope>-max-size", &v))
                *limits[data] = (size_t)v;
}

/* master-worker [no-exit-on-failure] */
static void kw_master_worker(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_global *g = &p->gen->global;
        unsigned n = cfg__n_words(p);

        if (n > arg + 1) {
                cfg__err(p, arg + 1, "'master-worker' takes at most one argument");
                return;
        }
        if (n == arg + 1) {
                if (strcmp(cfg__word(p, arg), "no-exit-on-failure") != 0) {
                        cfg__err(p, arg, "'master-worker' only supports 'no-exit-on-failure'");
                        return;
                }
                /* HAProxy's master stops every worker and exits when one fails, unless told
                 * not to; sluice's master never exits for that, it starts the worker again */
                cfg__notice(p, arg,
                            "sluice's master never exits when a worker fails: it starts it "
                            "again (see sluice(8), PROCESSES)");
                g->no_exit_on_failure = true;
        }
        g->master_worker = true;
}

static void kw_nbproc(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        cfg__err(p, 0,
                 "nbproc is not supported any more since HAProxy 2.5: sluice runs 'nbthread' "
                 "worker processes");
}

/* thread-groups <number>: HAProxy 2.6 allows only 1 */
static void kw_thread_groups(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned long long v;

        if (!cfg__want_args(p, arg, 1, "thread-groups <number>") ||
            !cfg__uint(p, arg, 0, 1000000, "thread-groups", &v))
                return;
        if (v != 1) {
                cfg__err(p, arg, "'thread-groups' value must be between 1 and 1 (was %llu)", v);
                return;
        }
        cfg__notice(p, 0,
                    "'thread-groups' changes nothing: sluice's workers are processes, each with "
                    "its own event loop");
}

/* thread-group <group> [<thread-range>...] */
static void kw_thread_group(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned n = cfg__n_words(p);
        unsigned long long v;
        char err[256];

        if (arg >= n) {
                cfg__err(p, n - 1, "'thread-group' expects a group number");
                return;
        }
        if (!cfg__uint(p, arg, 1, 1, "thread group", &v))
                return;
        for (unsigned w = arg + 1; w < n; w++) {
                uint64_t set;

                if (cfg_cpu_map_parse_ids(cfg__word(p, w), &set, NULL, err, sizeof(err)) < 0) {
                        cfg__err(p, w, "thread-group: %s", err);
                        return;
                }
        }
        cfg__notice(p, 0,
                    "'thread-group' changes nothing: sluice's workers are processes, each with "
                    "its own event loop");
}

/* tune.idle-pool.shared on|off */
static void kw_idle_pool_shared(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *v = cfg__word(p, arg);

        if (!cfg__want_args(p, arg, 1, "tune.idle-pool.shared on|off"))
                return;
        if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
                cfg__err(p, arg, "'tune.idle-pool.shared' expects 'on' or 'off'");
                return;
        }
        cfg__notice(p, 0,
                    "'tune.idle-pool.shared' changes nothing: sluice's workers are processes, "
                    "so each keeps its own idle server connections");
}

/* tune.sluice.io-uring on|off: the workers learn that fds are ready from io_uring polls
 * instead of epoll (worker/loop_uring.c); a worker that cannot set up a ring uses epoll */
static void kw_io_uring(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *v;

        (void)data;
        if (!cfg__want_args(p, arg, 1, "tune.sluice.io-uring on|off"))
                return;
        v = cfg__word(p, arg);
        if (strcmp(v, "on") == 0)
                p->gen->global.io_uring = true;
        else if (strcmp(v, "off") == 0)
                p->gen->global.io_uring = false;
        else
                cfg__err(p, arg, "'tune.sluice.io-uring' expects 'on' or 'off', got '%s'", v);
}

/* tune.sluice.accept-balance leastconn|hash: which worker a new connection goes to, the less
 * loaded of two chosen from its hash (a program attached to the listening sockets), or the
 * kernel's hash alone */
static void kw_accept_balance(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *v;

        (void)data;
        if (!cfg__want_args(p, arg, 1, "tune.sluice.accept-balance leastconn|hash"))
                return;
        v = cfg__word(p, arg);
        if (strcmp(v, "leastconn") == 0)
                p->gen->global.accept_hash = false;
        else if (strcmp(v, "hash") == 0)
                p->gen->global.accept_hash = true;
        else
                cfg__err(p, arg,
                         "'tune.sluice.accept-balance' expects 'leastconn' or 'hash', got '%s'", v);
}

/* cpu-map [auto:]<process-set>[/<thread-set>] <cpu-set>... */
static void kw_cpu_map(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_global *g = &p->gen->global;
        unsigned n = cfg__n_words(p);
        const char *cpus[64];
        struct cfg_cpu_map map;
        bool ignored;
        char err[256];

        if (n < arg + 2) {
                cfg__err(p, n - 1,
                         "'cpu-map' expects a process set ('all', 'odd', 'even', a number from "
                         "1 to %u or a range), optionally '/' and a thread set, then CPU sets",
                         CFG_CPU_THREADS);
                return;
        }
        if (n - arg - 1 > SL_ARRAY_SIZE(cpus)) {
                cfg__err(p, arg + 1, "'cpu-map' takes at most %zu CPU sets", SL_ARRAY_SIZE(cpus));
                return;
        }
        for (unsigned w = arg + 1; w < n; w++)
                cpus[w - arg - 1] = cfg__word(p, w);
        if (g->cpu_map)
                map = *g->cpu_map;
        else
                memset(&map, 0, sizeof(map));
        if (cfg_cpu_map_line(&map, cfg__word(p, arg), cpus, n - arg - 1, &ignored, err,
                             sizeof(err)) < 0) {
                cfg__err(p, arg, "cpu-map: %s", err);
                return;
        }
        if (ignored) {
                cfg__notice(p, arg, "cpu-map: only process 1 exists, this line changes nothing");
                return;
        }
        if (!g->cpu_map) {
                g->cpu_map = cfg_arena_alloc(&p->gen->arena, sizeof(*g->cpu_map));
                if (!g->cpu_map) {
                        cfg__oom(p);
                        return;
                }
        }
        *g->cpu_map = map;
}

/* log-tag <string>, global (@data 0) or of a proxy (1) */
void cfg__kw_log_tag(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *tag;

        if (!cfg__want_args(p, arg, 1, "log-tag <string>"))
                return;
        if (!*cfg__word(p, arg)) {
                cfg__err(p, arg, "log-tag: expected a tag for the log, not an empty string");
                return;
        }
        tag = cfg__dup(p, arg);
        if (!tag)
                return;
        if (data)
                p->px->log_tag = tag;
        else
                p->gen->global.log_tag = tag;
}

/* log-send-hostname [<name>] */
static void kw_log_send_hostname(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_global *g = &p->gen->global;
        char host[256];

        if (g->log_send_hostname) {
                /* HAProxy keeps the first and says so */
                cfg__warn(p, 0, "'log-send-hostname' already specified: the first one is kept");
                return;
        }
        if (cfg__n_words(p) > arg + 1) {
                cfg__err(p, arg + 1, "'log-send-hostname' takes at most one name");
                return;
        }
        if (cfg__n_words(p) > arg && cfg__word_str(p, arg).len) {
                g->log_send_hostname = cfg__dup(p, arg);
                return;
        }
        /* the host name now, as HAProxy reads it at start; a reload reads it again */
        if (gethostname(host, sizeof(host)) == -1) {
                cfg__err(p, 0, "log-send-hostname: cannot read the host name: %s", strerror(errno));
                return;
        }
        host[sizeof(host) - 1] = '\0';
        g->log_send_hostname = cfg_arena_strdup(&p->gen->arena, host);
        if (!g->log_send_hostname)
                cfg__oom(p);
}

/* localpeer <name>: this node's name in peers sections. -L wins, and a line after a peers
 * section comes too late (that section was read with the previous name): HAProxy ignores
 * both with a warning, and so does sluice. */
static void kw_localpeer(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_global *g = &p->gen->global;
        const char *name;

        (void)data;
        if (cfg__n_words(p) <= arg || !*cfg__word(p, arg)) {
                cfg__err(p, 0, "'localpeer' expects a name as an argument");
                return;
        }
        if (!cfg__want_args(p, arg, 1, "localpeer <name>"))
                return;
        if (g->localpeer_cmdline) {
                cfg__warn(p, 0,
                          "'localpeer' ignored since it is already set by using the '-L' "
                          "command line argument");
                return;
        }
        if (p->gen->n_peers) {
                cfg__warn(p, 0, "'localpeer' ignored since it is used after 'peers' section");
                return;
        }
        name = cfg__dup(p, arg);
        if (!name)
                return;
        g->localpeer = name;
        g->localpeer_set = true;
}

/* tune.peers.max-updates-at-once <n>: updates a peer link sends in one go (HAProxy 2.6.x) */
static void kw_tune_peers_max_updates(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned long long v;

        (void)data;
        if (cfg__want_args(p, arg, 1, "tune.peers.max-updates-at-once <number>") &&
            cfg__uint(p, arg, 1, 2147483647, "tune.peers.max-updates-at-once", &v))
                p->gen->global.tune_peers_max_updates = (unsigned)v;
}

/* tune.pool-high-fd-ratio <n>, tune.pool-low-fd-ratio <n> (@data: CFG_POOL_FD_*): percent
 * of the open-files limit */
static void kw_tune_pool_fd_ratio(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *kw =
                data == CFG_POOL_FD_HIGH ? "tune.pool-high-fd-ratio" : "tune.pool-low-fd-ratio";
        unsigned long long v;

        if (!cfg__want_args(p, arg, 1,
                            data == CFG_POOL_FD_HIGH ? "tune.pool-high-fd-ratio <0-100>"
                                                     : "tune.pool-low-fd-ratio <0-100>") ||
            !cfg__uint(p, arg, 0, 100, kw, &v))
                return;
        p->gen->global.pool_fd_ratio[data] = (unsigned)v;
        p->gen->global.pool_fd_ratio_set[data] = true;
}

static void kw_tune_maxrewrite(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned long long v;

        if (cfg__want_args(p, arg, 1, "tune.maxrewrite <number>") &&
            cfg__uint(p, arg, 0, 1u << 30, "tune.maxrewrite", &v)) {
                p->gen->global.tune_maxrewrite = (size_t)v;
                p->gen->global.maxrewrite_set = true;
        }
}

/* tune.h2.* <number>: @data names the setting. The plain concurrency and window set both
 * sides; the fe. (clients) and be. (servers) forms win over them whatever the order, and an
 * fe. or be. form of 0 leaves the plain one in charge, as in HAProxy. */
enum {
        H2_KW_STREAMS = 0,
        H2_KW_FE_STREAMS,
        H2_KW_FE_TOTAL,
        H2_KW_TABLE,
        H2_KW_WINDOW,
        H2_KW_FE_WINDOW,
        H2_KW_FRAME,
        H2_KW_GLITCHES,
        H2_KW_BE_STREAMS,
        H2_KW_BE_WINDOW,
        H2_KW_BE_GLITCHES,
};

static void kw_tune_h2(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        /* HAProxy's limits (its parsers take an int) */
        static const struct {
                unsigned long long min, max;
        } range[] = {
                [H2_KW_STREAMS] = {1, INT32_MAX},     [H2_KW_FE_STREAMS] = {0, INT32_MAX},
                [H2_KW_FE_TOTAL] = {0, INT32_MAX},    [H2_KW_TABLE] = {4096, 65536},
                [H2_KW_WINDOW] = {0, INT32_MAX},      [H2_KW_FE_WINDOW] = {0, INT32_MAX},
                [H2_KW_FRAME] = {16384, 16777215},    [H2_KW_GLITCHES] = {0, INT32_MAX},
                [H2_KW_BE_STREAMS] = {0, INT32_MAX},  [H2_KW_BE_WINDOW] = {0, INT32_MAX},
                [H2_KW_BE_GLITCHES] = {0, INT32_MAX},
        };
        struct cfg_global *g = &p->gen->global;
        const char *kw = cfg__word(p, arg - 1);
        char usage[64];
        unsigned long long v;

        snprintf(usage, sizeof(usage), "%s <number>", kw);
        if (!cfg__want_args(p, arg, 1, usage))
                return;
        /* HAProxy's "no limit": one client could open streams without end */
        if (data == H2_KW_STREAMS && strcmp(cfg__word(p, arg), "0") == 0) {
                cfg__err(p, arg,
                         "tune.h2.max-concurrent-streams 0 (no limit in HAProxy) is not "
                         "supported: give a number of streams from 1 to 2147483647");
                return;
        }
        if (!cfg__uint(p, arg, range[data].min, range[data].max, kw, &v))
                return;
        switch (data) {
        case H2_KW_STREAMS:
                g->h2_streams = (unsigned)v;
                if (!g->h2_fe_streams_set)
                        g->tune_h2_max_concurrent_streams = (unsigned)v;
                if (!g->h2_be_streams_set)
                        g->tune_h2_be_max_concurrent_streams = (unsigned)v;
                break;
        case H2_KW_FE_STREAMS:
                g->h2_fe_streams_set = v != 0;
                g->tune_h2_max_concurrent_streams = v ? (unsigned)v : g->h2_streams;
                break;
        case H2_KW_BE_STREAMS:
                g->h2_be_streams_set = v != 0;
                g->tune_h2_be_max_concurrent_streams = v ? (unsigned)v : g->h2_streams;
                break;
        case H2_KW_FE_TOTAL:
                g->tune_h2_fe_max_total_streams = (unsigned)v;
                break;
        case H2_KW_TABLE:
                g->tune_h2_header_table_size = (unsigned)v;
                break;
        case H2_KW_WINDOW:
                g->h2_window = (unsigned)v;
                if (!g->h2_fe_window_set)
                        g->tune_h2_initial_window_size = (unsigned)v;
                if (!g->h2_be_window_set)
                        g->tune_h2_be_initial_window_size = (unsigned)v;
                break;
        case H2_KW_FE_WINDOW:
                g->h2_fe_window_set = v != 0;
                g->tune_h2_initial_window_size = v ? (unsigned)v : g->h2_window;
                break;
        case H2_KW_BE_WINDOW:
                g->h2_be_window_set = v != 0;
                g->tune_h2_be_initial_window_size = v ? (unsigned)v : g->h2_window;
                break;
        case H2_KW_FRAME:
                g->tune_h2_max_frame_size = (unsigned)v;
                break;
        case H2_KW_GLITCHES:
                g->tune_h2_fe_glitches_threshold = (unsigned)v;
                break;
        case H2_KW_BE_GLITCHES:
                g->tune_h2_be_glitches_threshold = (unsigned)v;
                break;
        default:
                break;
        }
}

static void kw_expose_experimental(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        if (cfg__want_args(p, arg, 0, "expose-experimental-directives"))
                p->gen->global.expose_experimental = true;
}

/* ---- log targets ---- */

const char *const cfg__facilities[24] = {
        "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
        "uucp",   "cron",   "auth2",  "ftp",    "ntp",    "audit",  "alert",  "cron2",
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

const char *const cfg__levels[8] = {
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

static int lookup(const char *const *names, size_t n, const char *w)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], w) == 0)
                        return (int)i;
        return -1;
}

/* log <target> [len <n>] [format <fmt>] <facility> [<level> [<minlevel>]] */
bool cfg__log_target(struct cfg_parser *p, unsigned arg, struct cfg_log_target *t)
{
        const char *target = cfg__word(p, arg);
        unsigned n = cfg__n_words(p), w = arg + 1;
        int r;

        *t = (struct cfg_log_target){
                .max_level = -1, .min_level = -1, .where = {p->file, p->l->line}};
        if (arg >= n) {
                cfg__err(p, n - 1, "missing log target");
                return false;
        }
        /* As HAProxy: stdout, stderr and ring@ as written, any other target once its
         * variables are expanded (it is an address) */
        if (strcmp(target, "stdout") == 0) {
                t->kind = CFG_LOG_STDOUT;
        } else if (strcmp(target, "stderr") == 0) {
                t->kind = CFG_LOG_STDERR;
        } else if (strncmp(target, "ring@", 5) != 0 &&
                   !(target = cfg__addr_expand(p, arg, target, strlen(target)))) {
                return false;
        } else if (target[0] == '/' || strncmp(target, "unix@", 5) == 0) {
                t->kind = CFG_LOG_UNIX;
                if (cfg__addr_str(p, arg, target, 0, &t->addr, "log target") < 0)
                        return false;
        } else if (strncmp(target, "ring@", 5) == 0 || strncmp(target, "fd@", 3) == 0 ||
                   strncmp(target, "tcp@", 4) == 0 || strncmp(target, "tcp4@", 5) == 0 ||
                   strncmp(target, "tcp6@", 5) == 0) {
                char kw[16];

                snprintf(kw, sizeof(kw), "log %.*s", (int)strcspn(target, "@") + 1, target);
                cfg__unsupported(p, arg, kw);
                return false;
        } else {
                t->kind = CFG_LOG_UDP;
                if (!cfg__log_udp_addr(p, arg, target, &t->addr))
                        return false;
                if (t->addr.family != CFG_ADDR_IPV4 && t->addr.family != CFG_ADDR_IPV6) {
                        cfg__err(p, arg, "log target '%s': expected an IP address", target);
                        return false;
                }
                if (!t->addr.has_port) {
                        t->addr.port_low = t->addr.port_high = 514;
                        if (t->addr.family == CFG_ADDR_IPV4)
                                ((struct sockaddr_in *)&t->addr.ss)->sin_port = htons(514);
                        else
                                ((struct sockaddr_in6 *)&t->addr.ss)->sin6_port = htons(514);
                }
        }

        for (;;) {
                const char *kw = cfg__word(p, w);
                unsigned long long v;

                if (strcmp(kw, "len") == 0) {
                        if (!cfg__uint(p, w + 1, 80, 65535, "log len", &v))
                                return false;
                        t->maxlen = (unsigned)v;
                        w += 2;
                } else if (strcmp(kw, "format") == 0) {
                        const char *f = cfg__word(p, w + 1);

                        if (strcmp(f, "rfc3164") == 0) {
                                t->format = CFG_LOG_FMT_RFC3164;
                        } else if (strcmp(f, "rfc5424") == 0) {
                                t->format = CFG_LOG_FMT_RFC5424;
                        } else if (strcmp(f, "short") == 0) {
                                t->format = CFG_LOG_FMT_SHORT;
                        } else if (strcmp(f, "raw") == 0) {
                                t->format = CFG_LOG_FMT_RAW;
                        } else if (strcmp(f, "local") == 0 || strcmp(f, "iso") == 0 ||
                                   strcmp(f, "priority") == 0 || strcmp(f, "timed") == 0) {
                                char name[32];

                                snprintf(name, sizeof(name), "log format %s", f);
                                cfg__unsupported(p, w + 1, name);
                                return false;
                        } else {
                                cfg__err(p, w + 1,
                                         "unknown log format '%s': expected rfc3164, rfc5424, "
                                         "short or raw",
                                         f);
                                return false;
                        }
                        w += 2;
                } else if (strcmp(kw, "sample") == 0 || strcmp(kw, "profile") == 0) {
                        cfg__unsupported(p, w,
                                         strcmp(kw, "sample") == 0 ? "log sample" : "log profile");
                        return false;
                } else {
                        break;
                }
        }
        if (w >= n) {
                cfg__err(p, n - 1, "missing log facility (e.g. 'local0')");
                return false;
        }
        r = lookup(cfg__facilities, SL_ARRAY_SIZE(cfg__facilities), cfg__word(p, w));
        if (r < 0) {
                cfg__err(p, w, "unknown log facility '%s'", cfg__word(p, w));
                return false;
        }
        t->facility = r;
        if (++w < n) {
                t->max_level = lookup(cfg__levels, SL_ARRAY_SIZE(cfg__levels), cfg__word(p, w));
                if (t->max_level < 0) {
                        cfg__err(p, w, "unknown log level '%s'", cfg__word(p, w));
                        return false;
                }
        }
        if (++w < n) {
                t->min_level = lookup(cfg__levels, SL_ARRAY_SIZE(cfg__levels), cfg__word(p, w));
                if (t->min_level < 0) {
                        cfg__err(p, w, "unknown log level '%s'", cfg__word(p, w));
                        return false;
                }
                if (t->min_level > t->max_level) {
                        cfg__err(p, w, "minimum level '%s' is less severe than the level '%s'",
                                 cfg__word(p, w), cfg__word(p, w - 1));
                        return false;
                }
        }
        if (++w < n) {
                cfg__err(p, w, "unexpected argument '%s' after the log cfg__levels",
                         cfg__word(p, w));
                return false;
        }
        return true;
}

static void kw_global_log(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_global *g = &p->gen->global;
        struct cfg_log_target t, *slot;

        if (!cfg__log_target(p, arg, &t))
                return;
        slot = cfg_arena_push(&p->gen->arena, (void **)&g->logs, &g->n_logs, &g->cap_logs,
                              sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = t;
}

/* ---- statistics ---- */

/* metrics-names sluice|haproxy: the prefix of the Prometheus exporter's HAProxy families */
static void kw_metrics_names(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *v;

        (void)data;
        if (!cfg__want_args(p, arg, 1, "metrics-names sluice|haproxy"))
                return;
        v = cfg__word(p, arg);
        if (strcmp(v, "haproxy") == 0)
                p->gen->global.metrics_haproxy = true;
        else if (strcmp(v, "sluice") == 0)
                p->gen->global.metrics_haproxy = false;
        else
                cfg__err(p, arg, "metrics-names: expected 'sluice' or 'haproxy', got '%s'", v);
}

/* spread-checks <0..50>: each check interval moved by up to this percent, at random */
static void kw_spread_checks(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        unsigned long long v;

        (void)data;
        if (cfg__want_args(p, arg, 1, "spread-checks <percent>") &&
            cfg__uint(p, arg, 0, 50, "spread-checks", &v))
                p->gen->global.spread_checks = (unsigned)v;
}

/* server-state-base <directory>, server-state-file <file> */
static void kw_state_base(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        (void)data;
        kw_string(p, arg, "server-state-base <directory>", &p->gen->global.state_base);
}

static void kw_state_file(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        (void)data;
        kw_string(p, arg, "server-state-file <file>", &p->gen->global.state_file);
}

/* metrics-server-histograms: the exporter's request-duration histograms per server too
 * (opt-in: a series per bound, server and family) */
static void kw_metrics_server_hist(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        (void)data;
        if (cfg__want_args(p, arg, 0, "metrics-server-histograms"))
                p->gen->global.metrics_server_hist = true;
}

/* metrics-histogram-buckets <time>[,<time>...]: the upper bounds of the request-duration
 * histograms (increasing, at most 15, whole milliseconds) */
static void kw_metrics_buckets(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_global *g = &p->gen->global;
        char list[512], *save = NULL;
        unsigned n = 0;

        (void)data;
        if (!cfg__want_args(p, arg, 1, "metrics-histogram-buckets <time>[,<time>...]"))
                return;
        snprintf(list, sizeof(list), "%s", cfg__word(p, arg));
        for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                char err[128];
                uint32_t ms;

                if (n == SL_ARRAY_SIZE(g->stats_bounds_ms)) {
                        cfg__err(p, arg, "metrics-histogram-buckets: at most %zu bounds",
                                 SL_ARRAY_SIZE(g->stats_bounds_ms));
                        return;
                }
                if (cfg_parse_time(sl_str_from_cstr(t), CFG_TIME_MS, &ms, err, sizeof(err)) < 0) {
                        cfg__err(p, arg, "metrics-histogram-buckets: '%s': %s", t, err);
                        return;
                }
                if (ms == 0 || (n && ms <= g->stats_bounds_ms[n - 1])) {
                        cfg__err(p, arg,
                                 "metrics-histogram-buckets: bounds must be increasing and above "
                                 "0, got '%s'",
                                 t);
                        return;
                }
                g->stats_bounds_ms[n++] = ms;
        }
        if (n == 0) {
                cfg__err(p, arg, "metrics-histogram-buckets: no bound given");
                return;
        }
        g->n_stats_bounds = n;
}

/* ---- stats socket ---- */

/* stats timeout <time> */
static void kw_stats_timeout(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        uint32_t ms;
        char err[256];

        if (!cfg__want_args(p, arg, 1, "stats timeout <time>"))
                return;
        if (cfg_parse_time(cfg__word_str(p, arg), CFG_TIME_MS, &ms, err, sizeof(err)) < 0) {
                cfg__err(p, arg, "stats timeout: %s", err);
                return;
        }
        if (!ms) {
                cfg__err(p, arg, "'stats timeout' expects a positive value");
                return;
        }
        p->gen->global.stats_timeout_ms = ms;
}

/* stats socket <address> [mode <octal>] [level user|operator|admin] [user <name>]
 *                        [group <name>] [expose-fd listeners] */
static void kw_stats_socket(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        struct cfg_global *g = &p->gen->global;
        struct cfg_stats_socket s = {.where = {p->file, p->l->line}}, *slot;
        unsigned n = cfg__n_words(p), w;

        if (arg >= n) {
                cfg__err(p, n - 1, "missing address: expected 'stats socket <path|addr:port>'");
                return;
        }
        if (cfg__addr(p, arg, CFG_ADDR_F_PORT_REQUIRED, &s.addr, "stats socket") < 0)
                return;
        for (w = arg + 1; w < n; w += 2) {
                const char *kw = cfg__word(p, w), *v = cfg__word(p, w + 1);

                if (w + 1 >= n) {
                        cfg__err(p, w, "stats socket: '%s' needs a value", kw);
                        return;
                }
                if (strcmp(kw, "mode") == 0) {
                        char *end;
                        unsigned long m = strtoul(v, &end, 8);

                        if (!*v || *end || m > 07777) {
                                cfg__err(p, w + 1,
                                         "stats socket: invalid mode '%s': expected "
                                         "octal permissions such as 660",
                                         v);
                                return;
                        }
                        s.mode = (unsigned)m;
                } else if (strcmp(kw, "level") == 0) {
                        if (strcmp(v, "user") == 0)
                                s.level = CFG_STATS_LEVEL_USER;
                        else if (strcmp(v, "operator") == 0)
                                s.level = CFG_STATS_LEVEL_OPERATOR;
                        else if (strcmp(v, "admin") == 0)
                                s.level = CFG_STATS_LEVEL_ADMIN;
                        else {
                                cfg__err(p, w + 1,
                                         "stats socket: unknown level '%s': expected "
                                         "user, operator or admin",
                                         v);
                                return;
                        }
                        s.level_set = true;
                } else if (strcmp(kw, "user") == 0) {
                        s.user = cfg__dup(p, w + 1);
                } else if (strcmp(kw, "group") == 0) {
                        s.group = cfg__dup(p, w + 1);
                } else if (strcmp(kw, "expose-fd") == 0) {
                        /* HAProxy hands listening sockets to the next process through the
                         * stats socket; sluice's master always keeps and passes them on reload,
                         * so this is what sluice does anyway. */
                        if (strcmp(v, "listeners") != 0) {
                                cfg__err(p, w + 1, "stats socket: 'expose-fd' takes 'listeners'");
                                return;
                        }
                } else if (strcmp(kw, "uid") == 0 || strcmp(kw, "gid") == 0 ||
                           strcmp(kw, "process") == 0 || strcmp(kw, "thread") == 0 ||
                           strcmp(kw, "severity-output") == 0 || strcmp(kw, "name") == 0 ||
                           strcmp(kw, "backlog") == 0 || strcmp(kw, "maxconn") == 0 ||
                           strcmp(kw, "accept-netscaler-cip") == 0 || strcmp(kw, "ssl") == 0 ||
                           strcmp(kw, "crt") == 0 || strcmp(kw, "tfo") == 0 ||
                           strcmp(kw, "interface") == 0 || strcmp(kw, "namespace") == 0) {
                        cfg__unsupported(p, w, kw);
                        return;
                } else {
                        cfg__err(p, w, "stats socket: unknown option '%s'", kw);
                        return;
                }
        }
        slot = cfg_arena_push(&p->gen->arena, (void **)&g->stats_sockets, &g->n_stats_sockets,
                              &g->cap_stats_sockets, sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = s;
}

/* Every sample of @f reads internal data only (the global section's set-var-fmt). */
static bool fmt_at_init(struct cfg_parser *p, unsigned w, const struct cfg_fmt *f)
{
        for (size_t i = 0; i < f->n_nodes; i++) {
                if (f->nodes[i].kind == CFG_FMT_SAMPLE &&
                    (!(f->nodes[i].smp.at & CFG_FETCH_AT_INIT) ||
                     cfg_sample_uses_table(&f->nodes[i].smp))) {
                        cfg__err(p, w,
                                 "sample '%s' needs a connection, a request or a stick table, "
                                 "which the global section does not have",
                                 f->nodes[i].smp.src);
                        return false;
                }
        }
        return true;
}

/* set-var <proc.name> <expr> | set-var-fmt <proc.name> <fmt>; @data: 1 for set-var-fmt.
 * Each worker sets them as it starts, in order (HAProxy does it while loading; sluice's
 * proc. variables belong to each worker process). */
static void kw_set_var(struct cfg_parser *p, unsigned arg, unsigned long data)
{
        const char *kw = data ? "set-var-fmt" : "set-var";
        struct cfg_global_var v = {.is_fmt = data == 1, .where = {p->file, p->l->line}};
        struct cfg_global *g = &p->gen->global;
        struct cfg_global_var *slot;
        int implied;

        if (!cfg__want_args(p, arg, 2,
                            data ? "set-var-fmt <proc.name> <format>"
                                 : "set-var <proc.name> <expression>"))
                return;
        if (!cfg__var_ref(p, arg, cfg__word_str(p, arg), &v.var))
                return;
        if (v.var.scope != CFG_SCOPE_PROC) {
                cfg__err(p, arg,
                         "'%s': cannot set variable '%s', only scope 'proc' is permitted in the "
                         "global section",
                         kw, cfg__word(p, arg));
                return;
        }
        if (v.is_fmt) {
                if (!cfg__fmt_parse(p, arg + 1, &v.fmt) || !fmt_at_init(p, arg + 1, &v.fmt))
                        return;
        } else {
                if (!cfg__sample_parse(p, arg + 1, cfg__word_str(p, arg + 1), &v.expr, &implied))
                        return;
                if (implied >= 0 || !(v.expr.at & CFG_FETCH_AT_INIT) ||
                    cfg_sample_uses_table(&v.expr)) {
                        cfg__err(p, arg + 1,
                                 "sample '%s' needs a connection, a request or a stick table, "
                                 "which the global section does not have",
                                 cfg__word(p, arg + 1));
                        return;
                }
        }
        slot = cfg_arena_push(&p->gen->arena, (void **)&g->set_vars, &g->n_set_vars,
                              &g->cap_set_vars, sizeof(*slot));
        if (!slot) {
                cfg__oom(p);
                return;
        }
        *slot = v;
}

#define G CFG_IN_GLOBAL

const struct cfg_kw cfg__global_keywords[] = {
        {"daemon", G, kw_daemon, 0, false},
        {"localpeer", G, kw_localpeer, 0, false},
        {"tune.peers.max-updates-at-once", G, kw_tune_peers_max_updates, 0, false},
        {"nbthread", G, kw_nbthread, 0, false},
        {"user", G, kw_user, 0, false},
        {"group", G, kw_group, 0, false},
        {"chroot", G, kw_chroot, 0, false},
        {"pidfile", G, kw_pidfile, 0, false},
        {"maxconn", G, kw_maxconn, 0, false},
        {"maxconnrate", G, kw_maxconnrate, 0, false},
        {"hard-stop-after", G, kw_hard_stop_after, 0, false},
        {"log", G, kw_global_log, 0, false},
        {"stats socket", G, kw_stats_socket, 0, false},
        {"tune.bufsize", G, kw_tune_bufsize, 0, false},
        {"tune.vars.global-max-size", G, kw_tune_vars, 0, false},
        {"tune.vars.proc-max-size", G, kw_tune_vars, 1, false},
        {"tune.vars.sess-max-size", G, kw_tune_vars, 2, false},
        {"tune.vars.txn-max-size", G, kw_tune_vars, 3, false},
        {"tune.vars.reqres-max-size", G, kw_tune_vars, 4, false},
        {"stats timeout", G, kw_stats_timeout, 0, false},
        {"metrics-names", G, kw_metrics_names, 0, false},
        {"metrics-histogram-buckets", G, kw_metrics_buckets, 0, false},
        {"metrics-server-histograms", G, kw_metrics_server_hist, 0, false},
        {"spread-checks", G, kw_spread_checks, 0, false},
        {"server-state-base", G, kw_state_base, 0, false},
        {"server-state-file", G, kw_state_file, 0, false},
        {"set-var", G, kw_set_var, 0, false},
        {"set-var-fmt", G, kw_set_var, 1, false},
        {"log-send-hostname", G, kw_log_send_hostname, 0, false},
        {"log-tag", G, cfg__kw_log_tag, 0, false},
        {"master-worker", G, kw_master_worker, 0, false},
        {"nbproc", G, kw_nbproc, 0, false},
        {"thread-groups", G, kw_thread_groups, 0, false},
        {"thread-group", G, kw_thread_group, 0, false},
        {"tune.idle-pool.shared", G, kw_idle_pool_shared, 0, false},
        {"tune.sluice.io-uring", G, kw_io_uring, 0, false},
        {"tune.sluice.accept-balance", G, kw_accept_balance, 0, false},
        {"busy-polling", G, kw_busy_polling, 0, true},
        {"cpu-map", G, kw_cpu_map, 0, false},
        {"tune.maxrewrite", G, kw_tune_maxrewrite, 0, false},
        {"tune.pool-high-fd-ratio", G, kw_tune_pool_fd_ratio, CFG_POOL_FD_HIGH, false},
        {"tune.pool-low-fd-ratio", G, kw_tune_pool_fd_ratio, CFG_POOL_FD_LOW, false},
        {"tune.h2.max-concurrent-streams", G, kw_tune_h2, H2_KW_STREAMS, false},
        {"tune.h2.fe.max-concurrent-streams", G, kw_tune_h2, H2_KW_FE_STREAMS, false},
        {"tune.h2.fe.max-total-streams", G, kw_tune_h2, H2_KW_FE_TOTAL, false},
        {"tune.h2.header-table-size", G, kw_tune_h2, H2_KW_TABLE, false},
        {"tune.h2.initial-window-size", G, kw_tune_h2, H2_KW_WINDOW, false},
        {"tune.h2.fe.initial-window-size", G, kw_tune_h2, H2_KW_FE_WINDOW, false},
        {"tune.h2.max-frame-size", G, kw_tune_h2, H2_KW_FRAME, false},
        {"tune.h2.fe.glitches-threshold", G, kw_tune_h2, H2_KW_GLITCHES, false},
        {"tune.h2.be.max-concurrent-streams", G, kw_tune_h2, H2_KW_BE_STREAMS, false},
        {"tune.h2.be.initial-window-size", G, kw_tune_h2, H2_KW_BE_WINDOW, false},
        {"tune.h2.be.glitches-threshold", G, kw_tune_h2, H2_KW_BE_GLITCHES, false},
        {"expose-experimental-directives", G, kw_expose_experimental, 0, false},
        {NULL, 0, NULL, 0, false},
};
