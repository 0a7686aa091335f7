/* Printer of the configuration model, used by master/ for --dump-config and by the round-trip
 * tests. Every field the parser sets is printed, so that load(dump(g)) == g. */
#include "dump.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "dump-int.h"
#include "macros.h"
#include "parse-int.h"

void cfg__dump_word_n(FILE *out, const char *s, size_t len)
{
        bool bare = len > 0, single_ok = true;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c <= ' ' || c >= 0x7f || strchr("#\"'\\$", c))
                        bare = false;
                if (c == '\'' || c < ' ' || c == 0x7f)
                        single_ok = false;
        }
        if (bare) {
                fwrite(s, 1, len, out);
                return;
        }
        if (single_ok) {
                fputc('\'', out);
                fwrite(s, 1, len, out);
                fputc('\'', out);
                return;
        }
        fputc('"', out);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c == '"' || c == '\\' || c == '$')
                        fprintf(out, "\\%c", c);
                else if (c < ' ' || c == 0x7f)
                        fprintf(out, "\\x%02x", c);
                else
                        fputc(c, out);
        }
        fputc('"', out);
}

void cfg__dump_word(FILE *out, const char *s)
{
        cfg__dump_word_n(out, s, strlen(s));
}

static void dump_addr(FILE *out, const struct cfg_addr *a)
{
        char ip[INET6_ADDRSTRLEN];
        int forced = a->resolved ? a->resolved_family : a->ss.ss_family;

        /* a host name is written as such, not as the address it was given at load */
        if (a->resolved || a->family == CFG_ADDR_NAME) {
                fputs(forced == AF_INET ? "ipv4@" : forced == AF_INET6 ? "ipv6@" : "", out);
                fputs(a->name, out);
        }
        switch (a->resolved ? CFG_ADDR_NAME : a->family) {
        case CFG_ADDR_IPV4:
                inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, ip, sizeof(ip));
                fprintf(out, "%s", ip);
                break;
        case CFG_ADDR_IPV6:
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip,
                          sizeof(ip));
                fprintf(out, "[%s]", ip);
                break;
        case CFG_ADDR_UNIX:
                fputs("unix@", out);
                cfg__dump_word(out, a->name);
                return;
        case CFG_ADDR_ABNS:
                fputs("abns@", out);
                cfg__dump_word(out, a->name);
                return;
        case CFG_ADDR_FD:
                fprintf(out, "fd@%d", a->fd);
                return;
        case CFG_ADDR_NAME:
                break;
        case CFG_ADDR_FAMILY_COUNT:
                return;
        }
        if (a->has_port_offset)
                fprintf(out, ":%+d", a->port_offset);
        if (a->has_port) {
                fprintf(out, ":%u", a->port_low);
                if (a->port_high != a->port_low)
                        fprintf(out, "-%u", a->port_high);
        }
}

static void dump_log(FILE *out, const char *indent, const struct cfg_log_target *t)
{
        static const char *const formats[] = {"rfc3164", "rfc5424", "short", "raw"};

        fprintf(out, "%slog ", indent);
        switch (t->kind) {
        case CFG_LOG_STDOUT:
                fputs("stdout", out);
                break;
        case CFG_LOG_STDERR:
                fputs("stderr", out);
                break;
        case CFG_LOG_UDP:
        case CFG_LOG_UNIX:
                dump_addr(out, &t->addr);
                break;
        }
        if (t->maxlen)
                fprintf(out, " len %u", t->maxlen);
        fprintf(out, " format %s %s", formats[t->format], cfg__facilities[t->facility]);
        if (t->max_level >= 0)
                fprintf(out, " %s", cfg__levels[t->max_level]);
        if (t->min_level >= 0)
                fprintf(out, " %s", cfg__levels[t->min_level]);
        fputc('\n', out);
}

/* The process set, then each thread's: the same map once read back. */
static void dump_cpu_map(FILE *out, const struct cfg_cpu_map *m)
{
        char buf[4096];

        if (cfg_cpuset_count(&m->proc)) {
                cfg_cpuset_format(&m->proc, buf, sizeof(buf));
                fprintf(out, "    cpu-map 1 %s\n", buf);
        }
        for (unsigned t = 0; t < CFG_CPU_THREADS; t++) {
                unsigned last = t;

                if (!cfg_cpuset_count(&m->thread[t]))
                        continue;
                /* threads in a row with the same CPUs: one line */
                while (last + 1 < CFG_CPU_THREADS &&
                       memcmp(&m->thread[last + 1], &m->thread[t], sizeof(m->thread[t])) == 0)
                        last++;
                cfg_cpuset_format(&m->thread[t], buf, sizeof(buf));
                if (last == t)
                        fprintf(out, "    cpu-map 1/%u %s\n", t + 1, buf);
                else
                        fprintf(out, "    cpu-map 1/%u-%u %s\n", t + 1, last + 1, buf);
                t = last;
        }
}

/* An HTTP/2 setting with a value for clients (@fe) and one for servers (@be), @dflt when not
 * given: the plain form sets both, then the side-specific form of the one that differs.
 * Those forms take 0 as "not given", so a side whose value is 0 goes in the plain form. */
static void dump_h2_sides(FILE *out, const char *name, unsigned fe, unsigned be, unsigned dflt)
{
        unsigned plain = fe == be || be != 0 ? fe : be;

        if (plain != dflt)
                fprintf(out, "    tune.h2.%s %u\n", name, plain);
        if (fe != plain)
                fprintf(out, "    tune.h2.fe.%s %u\n", name, fe);
        if (be != plain)
                fprintf(out, "    tune.h2.be.%s %u\n", name, be);
}

static void dump_global(FILE *out, const struct cfg_global *g)
{
        static const char *const stats_levels[] = {"user", "operator", "admin"};

        fputs("global\n", out);
        if (g->daemon)
                fputs("    daemon\n", out);
        if (g->nbthread)
                fprintf(out, "    nbthread %u\n", g->nbthread);
        if (g->user) {
                fputs("    user ", out);
                cfg__dump_word(out, g->user);
                fputc('\n', out);
        }
        if (g->group) {
                fputs("    group ", out);
                cfg__dump_word(out, g->group);
                fputc('\n', out);
        }
        if (g->chroot) {
                fputs("    chroot ", out);
                cfg__dump_word(out, g->chroot);
                fputc('\n', out);
        }
        if (g->pidfile) {
                fputs("    pidfile ", out);
                cfg__dump_word(out, g->pidfile);
                fputc('\n', out);
        }
        if (g->maxconn)
                fprintf(out, "    maxconn %u\n", g->maxconn);
        if (g->maxconnrate)
                fprintf(out, "    maxconnrate %u\n", g->maxconnrate);
        if (g->hard_stop_after_ms)
                fprintf(out, "    hard-stop-after %" PRIu64 "ms\n", g->hard_stop_after_ms);
        fprintf(out, "    tune.bufsize %zu\n", g->tune_bufsize);
        cfg__dump_global_tls(out, &g->tls);
        {
                const struct {
                        const char *scope;
                        size_t v;
                } lim[] = {{"global", g->tune_vars_global_max},
                           {"proc", g->tune_vars_proc_max},
                           {"sess", g->tune_vars_sess_max},
                           {"txn", g->tune_vars_txn_max},
                           {"reqres", g->tune_vars_reqres_max}};

                for (size_t i = 0; i < SL_ARRAY_SIZE(lim); i++)
                        if (lim[i].v)
                                fprintf(out, "    tune.vars.%s-max-size %zu\n", lim[i].scope,
                                        lim[i].v);
        }
        for (size_t i = 0; i < g->n_set_vars; i++) {
                const struct cfg_global_var *v = &g->set_vars[i];

                fprintf(out, "    %s %s ", v->is_fmt ? "set-var-fmt" : "set-var", v->var.name);
                if (v->is_fmt)
                        cfg__dump_fmt(out, &v->fmt);
                else
                        cfg__dump_sample(out, &v->expr);
                fputc('\n', out);
        }
        if (g->master_worker)
                fprintf(out, "    master-worker%s\n",
                        g->no_exit_on_failure ? " no-exit-on-failure" : "");
        if (g->stats_timeout_ms)
                fprintf(out, "    stats timeout %" PRIu64 "ms\n", g->stats_timeout_ms);
        if (g->io_uring)
                fputs("    tune.sluice.io-uring on\n", out);
        if (g->busy_polling)
                fputs("    busy-polling\n", out);
        if (g->accept_hash)
                fputs("    tune.sluice.accept-balance hash\n", out);
        if (g->metrics_haproxy)
                fputs("    metrics-names haproxy\n", out);
        if (g->metrics_server_hist)
                fputs("    metrics-server-histograms\n", out);
        if (g->spread_checks)
                fprintf(out, "    spread-checks %u\n", g->spread_checks);
        if (g->state_base) {
                fputs("    server-state-base ", out);
                cfg__dump_word(out, g->state_base);
                fputc('\n', out);
        }
        if (g->state_file) {
                fputs("    server-state-file ", out);
                cfg__dump_word(out, g->state_file);
                fputc('\n', out);
        }
        for (unsigned i = 0; i < g->n_stats_bounds; i++)
                fprintf(out, "%s%" PRIu32 "ms%s", i ? "," : "    metrics-histogram-buckets ",
                        g->stats_bounds_ms[i], i + 1 == g->n_stats_bounds ? "\n" : "");
        if (g->log_send_hostname) {
                fputs("    log-send-hostname ", out);
                cfg__dump_word(out, g->log_send_hostname);
                fputc('\n', out);
        }
        if (g->log_tag) {
                fputs("    log-tag ", out);
                cfg__dump_word(out, g->log_tag);
                fputc('\n', out);
        }
        if (g->cpu_map)
                dump_cpu_map(out, g->cpu_map);
        if (g->maxrewrite_set)
                fprintf(out, "    tune.maxrewrite %zu\n", g->tune_maxrewrite);
        dump_h2_sides(out, "max-concurrent-streams", g->tune_h2_max_concurrent_streams,
                      g->tune_h2_be_max_concurrent_streams, 100);
        if (g->tune_h2_fe_max_total_streams)
                fprintf(out, "    tune.h2.fe.max-total-streams %u\n",
                        g->tune_h2_fe_max_total_streams);
        if (g->tune_h2_header_table_size != 4096)
                fprintf(out, "    tune.h2.header-table-size %u\n", g->tune_h2_header_table_size);
        dump_h2_sides(out, "initial-window-size", g->tune_h2_initial_window_size,
                      g->tune_h2_be_initial_window_size, 65535);
        if (g->tune_h2_max_frame_size != 16384)
                fprintf(out, "    tune.h2.max-frame-size %u\n", g->tune_h2_max_frame_size);
        if (g->tune_h2_fe_glitches_threshold != 1000)
                fprintf(out, "    tune.h2.fe.glitches-threshold %u\n",
                        g->tune_h2_fe_glitches_threshold);
        if (g->tune_h2_be_glitches_threshold)
                fprintf(out, "    tune.h2.be.glitches-threshold %u\n",
                        g->tune_h2_be_glitches_threshold);
        if (g->expose_experimental)
                fputs("    expose-experimental-directives\n", out);
        if (g->pool_fd_ratio_set[CFG_POOL_FD_HIGH])
                fprintf(out, "    tune.pool-high-fd-ratio %u\n",
                        g->pool_fd_ratio[CFG_POOL_FD_HIGH]);
        if (g->pool_fd_ratio_set[CFG_POOL_FD_LOW])
                fprintf(out, "    tune.pool-low-fd-ratio %u\n", g->pool_fd_ratio[CFG_POOL_FD_LOW]);
        if (g->tune_peers_max_updates != CFG_PEERS_MAX_UPDATES_DEFAULT)
                fprintf(out, "    tune.peers.max-updates-at-once %u\n", g->tune_peers_max_updates);
        for (size_t i = 0; i < g->n_logs; i++)
                dump_log(out, "    ", &g->logs[i]);
        for (size_t i = 0; i < g->n_stats_sockets; i++) {
                const struct cfg_stats_socket *s = &g->stats_sockets[i];

                fputs("    stats socket ", out);
                dump_addr(out, &s->addr);
                if (s->mode)
                        fprintf(out, " mode %o", s->mode);
                if (s->level_set)
                        fprintf(out, " level %s", stats_levels[s->level]);
                if (s->user) {
                        fputs(" user ", out);
                        cfg__dump_word(out, s->user);
                }
                if (s->group) {
                        fputs(" group ", out);
                        cfg__dump_word(out, s->group);
                }
                fputc('\n', out);
        }
}

/* A sample as written: it compiles to the same thing again. */
void cfg__dump_sample(FILE *out, const struct cfg_sample *smp)
{
        cfg__dump_word(out, smp->src);
}

void cfg__dump_fmt(FILE *out, const struct cfg_fmt *f)
{
        cfg__dump_word(out, f->src);
}

/* @kw: "stick-table" in a proxy, "table <name>" in a peers section */
static void dump_stick_table(FILE *out, const char *kw, const struct cfg_stick_table *t)
{
        char sep = ' ';

        fprintf(out, "    %s type %s", kw, stkt_key_type_name(t->key_type));
        if (t->key_type == STKT_KEY_STRING || t->key_type == STKT_KEY_BINARY)
                fprintf(out, " len %u", t->key_len);
        fprintf(out, " size %u", t->size);
        if (t->expire_ms)
                fprintf(out, " expire %ums", t->expire_ms);
        if (t->nopurge)
                fputs(" nopurge", out);
        if (t->store)
                fputs(" store", out);
        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++) {
                if (!(t->store & STKT_F(dt)))
                        continue;
                fprintf(out, "%c%s", sep, stkt_dt_name((enum stkt_data_type)dt));
                if (stkt_dt_is_rate((enum stkt_data_type)dt))
                        fprintf(out, "(%ums)", t->period_ms[dt]);
                sep = ',';
        }
        if (t->peers_name) {
                fputs(" peers ", out);
                cfg__dump_word(out, t->peers_name);
        }
        fputc('\n', out);
}

static const char *const option_names[] = {
        "httplog",
        "tcplog",
        "forwardfor",
        "http-server-close",
        "http-keep-alive",
        "redispatch",
        "dontlognull",
        "jsonlog",
        "http-no-delay",
        "httpclose",
        "abortonclose",
        "clitcpka",
        "srvtcpka",
        "http-buffer-request",
        "originalto",
        "nolinger",
        "tcp-smart-accept",
        "tcp-smart-connect",
        "prefer-last-server",
        "socket-stats",
        "log-health-checks",
        "disable-h2-upgrade",
};

/* The arguments of option forwardfor / originalto */
static void dump_addr_hdr(FILE *out, const struct cfg_addr_hdr *h)
{
        char ip[INET6_ADDRSTRLEN];

        if (h->header) {
                fputs(" header ", out);
                cfg__dump_word(out, h->header);
        }
        if (h->if_none)
                fputs(" if-none", out);
        if (h->except.family) {
                inet_ntop(h->except.family, h->except.addr, ip, sizeof(ip));
                fprintf(out, " except %s/%u", ip, h->except.prefix);
        }
}

static void dump_init_addr(FILE *out, const struct cfg_init_addr *ia)
{
        static const char *const names[] = {"", "last", "libc", "none"};
        char ip[INET6_ADDRSTRLEN];

        if (!ia->n)
                return;
        fputs(" init-addr ", out);
        for (unsigned i = 0; i < ia->n; i++) {
                if (i)
                        fputc(',', out);
                if (ia->methods[i] != CFG_INIT_ADDR_IP) {
                        fputs(names[ia->methods[i]], out);
                        continue;
                }
                inet_ntop(
                        ia->ip.ss_family,
                        ia->ip.ss_family == AF_INET
                                ? (const void *)&((const struct sockaddr_in *)&ia->ip)->sin_addr
                                : (const void *)&((const struct sockaddr_in6 *)&ia->ip)->sin6_addr,
                        ip, sizeof(ip));
                fputs(ip, out);
        }
}

/* The settings of kw_server.c a proxy has: id, fullconn, dispatch, retry-on. */
static void dump_conn_settings(FILE *out, const struct cfg_proxy *px)
{
        if (px->id_set)
                fprintf(out, "    id %u\n", px->id);
        if (!(px->cap & CFG_CAP_BE))
                return;
        if (px->fullconn)
                fprintf(out, "    fullconn %u\n", px->fullconn);
        if (px->has_dispatch) {
                fputs("    dispatch ", out);
                dump_addr(out, &px->dispatch);
                fputc('\n', out);
        }
        fputs("    retry-on", out);
        if (!px->retry_on)
                fputs(" none", out);
        for (unsigned i = 0; i < 32; i++)
                if (px->retry_on & (1u << i))
                        fprintf(out, " %s", cfg__retry_on_name(1u << i));
        fputc('\n', out);
}

/* @dflt: the proxy's default-server when @o is a server's, NULL for the default-server itself */
static void dump_server_check(FILE *out, const struct cfg_server_check *c)
{
        static const char *const on_error[] = {"fail-check", "fastinter", "sudden-death",
                                               "mark-down"};
        char ip[INET6_ADDRSTRLEN];

        if (c->slowstart_ms)
                fprintf(out, " slowstart %" PRIu32 "ms", c->slowstart_ms);
        if (c->down_shutdown)
                fputs(" on-marked-down shutdown-sessions", out);
        if (c->up_shutdown_backup)
                fputs(" on-marked-up shutdown-backup-sessions", out);
        if (c->observe)
                fputs(c->observe == CFG_OBSERVE_L4 ? " observe layer4" : " observe layer7", out);
        if (c->error_limit != CFG_CHECK_ERROR_LIMIT)
                fprintf(out, " error-limit %u", c->error_limit);
        if (c->on_error)
                fprintf(out, " on-error %s", on_error[c->on_error]);
        if (c->agent)
                fputs(" agent-check", out);
        if (c->agent_port)
                fprintf(out, " agent-port %u", c->agent_port);
        if (c->agent_inter_ms != CFG_CHECK_INTER_MS)
                fprintf(out, " agent-inter %" PRIu32 "ms", c->agent_inter_ms);
        if (c->agent_send) {
                fputs(" agent-send ", out);
                cfg__dump_word(out, c->agent_send);
        }
        if (c->agent_addr_set) {
                const void *a =
                        c->agent_addr.ss_family == AF_INET6
                                ? (const void *)&((const struct sockaddr_in6 *)&c->agent_addr)
                                          ->sin6_addr
                                : (const void *)&((const struct sockaddr_in *)&c->agent_addr)
                                          ->sin_addr;

                fprintf(out, " agent-addr %s",
                        inet_ntop(c->agent_addr.ss_family, a, ip, sizeof(ip)) ? ip : "?");
        }

        if (c->enabled)
                fputs(" check", out);
        if (c->ssl_set)
                fputs(c->ssl ? " check-ssl" : " no-check-ssl", out);
        if (c->send_proxy)
                fputs(" check-send-proxy", out);
        if (c->inter_ms != CFG_CHECK_INTER_MS)
                fprintf(out, " inter %" PRIu32 "ms", c->inter_ms);
        if (c->fastinter_ms)
                fprintf(out, " fastinter %" PRIu32 "ms", c->fastinter_ms);
        if (c->downinter_ms)
                fprintf(out, " downinter %" PRIu32 "ms", c->downinter_ms);
        if (c->rise != CFG_CHECK_RISE)
                fprintf(out, " rise %u", c->rise);
        if (c->fall != CFG_CHECK_FALL)
                fprintf(out, " fall %u", c->fall);
        if (c->port_set)
                fprintf(out, " port %u", c->port);
        if (c->addr_set) {
                const void *a =
                        c->addr.ss_family == AF_INET6
                                ? (const void *)&((const struct sockaddr_in6 *)&c->addr)->sin6_addr
                                : (const void *)&((const struct sockaddr_in *)&c->addr)->sin_addr;

                fprintf(out, " addr %s",
                        inet_ntop(c->addr.ss_family, a, ip, sizeof(ip)) ? ip : "?");
        }
        if (c->sni) {
                fputs(" check-sni ", out);
                cfg__dump_word(out, c->sni);
        }
        if (c->alpn) {
                fputs(" check-alpn ", out);
                cfg__dump_word(out, c->alpn);
        }
}

static void dump_check_rule(FILE *out, const struct cfg_check_rule *r)
{
        static const char *const matches[] = {"string",  "rstring", "binary", "rbinary", "status",
                                              "rstatus", "custom",  "hdr",    "fhdr"};
        static const char *const meths[] = {"str", "beg", "end", "sub", "reg"};
        static const char *const statuses[] = {
                [CFG_CHK_ST_L4OK] = "L4OK",     [CFG_CHK_ST_L4TOUT] = "L4TOUT",
                [CFG_CHK_ST_L4CON] = "L4CON",   [CFG_CHK_ST_L6OK] = "L6OK",
                [CFG_CHK_ST_L6TOUT] = "L6TOUT", [CFG_CHK_ST_L6RSP] = "L6RSP",
                [CFG_CHK_ST_L7TOUT] = "L7TOUT", [CFG_CHK_ST_L7RSP] = "L7RSP",
                [CFG_CHK_ST_L7OK] = "L7OK",     [CFG_CHK_ST_L7OKC] = "L7OKC",
                [CFG_CHK_ST_L7STS] = "L7STS"};
        const char *who = r->http ? "    http-check" : "    tcp-check";

        switch (r->kind) {
        case CFG_CHK_CONNECT:
                fprintf(out, "%s connect", who);
                if (r->port)
                        fprintf(out, " port %u", r->port);
                fputs(r->ssl ? " ssl" : "", out);
                fputs(r->linger ? " linger" : "", out);
                fputs(r->send_proxy ? " send-proxy" : "", out);
                fputs(r->dflt ? " default" : "", out);
                if (r->sni) {
                        fputs(" sni ", out);
                        cfg__dump_word(out, r->sni);
                }
                if (r->alpn) {
                        fputs(" alpn ", out);
                        cfg__dump_word(out, r->alpn);
                }
                break;
        case CFG_CHK_SEND:
                fputs("    tcp-check send-binary ", out);
                for (size_t i = 0; i < r->len; i++)
                        fprintf(out, "%02x", (unsigned char)r->data[i]);
                break;
        case CFG_CHK_HTTP_SEND:
                fputs("    http-check send", out);
                if (r->meth) {
                        fputs(" meth ", out);
                        cfg__dump_word(out, r->meth);
                }
                if (r->uri) {
                        fputs(" uri ", out);
                        cfg__dump_word(out, r->uri);
                }
                if (r->ver) {
                        fputs(" ver ", out);
                        cfg__dump_word(out, r->ver);
                }
                for (size_t i = 0; i < r->n_hdrs; i++) {
                        fputs(" hdr ", out);
                        cfg__dump_word(out, r->hdrs[i].name);
                        fputc(' ', out);
                        cfg__dump_word(out, r->hdrs[i].value);
                }
                if (r->data) {
                        fputs(" body ", out);
                        cfg__dump_word(out, r->data);
                }
                break;
        case CFG_CHK_EXPECT:
        case CFG_CHK_HTTP_EXPECT:
                fprintf(out, "%s expect", who);
                if (r->min_recv)
                        fprintf(out, " min-recv %u", r->min_recv);
                if (r->ok_status)
                        fprintf(out, " ok-status %s", statuses[r->ok_status]);
                if (r->err_status)
                        fprintf(out, " error-status %s", statuses[r->err_status]);
                if (r->tout_status)
                        fprintf(out, " tout-status %s", statuses[r->tout_status]);
                fprintf(out, "%s %s ", r->neg ? " !" : "", matches[r->match]);
                if (r->match == CFG_CHK_M_HDR || r->match == CFG_CHK_M_FHDR) {
                        fprintf(out, "name -m %s ", meths[r->name_meth]);
                        cfg__dump_word(out, r->pat);
                        if (r->hdr_value) {
                                fprintf(out, " value -m %s ", meths[r->value_meth]);
                                cfg__dump_word(out, r->hdr_value);
                        }
                        break;
                }
                cfg__dump_word(out, r->pat);
                break;
        }
        fputc('\n', out);
}

/* The health checks of backend @px: its option, the legacy request, the rules */
static void dump_checks(FILE *out, const struct cfg_checks *c)
{
        if (c->type == CFG_CHECK_HTTP) {
                fputs("    option httpchk", out);
                if (c->meth || c->ver) {
                        fputc(' ', out);
                        cfg__dump_word(out, c->meth ? c->meth : "OPTIONS");
                }
                if (c->uri || c->meth || c->ver) {
                        fputc(' ', out);
                        cfg__dump_word(out, c->uri ? c->uri : "/");
                }
                if (c->ver) {
                        size_t len = strlen(c->ver);
                        char *v;

                        for (size_t i = 0; i < c->n_hdrs; i++)
                                len += strlen(c->hdrs[i].name) + strlen(c->hdrs[i].value) + 4;
                        v = malloc(len + 1);
                        if (v) {
                                strcpy(v, c->ver);
                                for (size_t i = 0; i < c->n_hdrs; i++)
                                        sprintf(v + strlen(v), "\r\n%s: %s", c->hdrs[i].name,
                                                c->hdrs[i].value);
                                fputc(' ', out);
                                cfg__dump_word(out, v);
                                free(v);
                        }
                }
                fputc('\n', out);
        } else if (c->type == CFG_CHECK_TCP && c->proto == CFG_CHK_PROTO_MYSQL && c->user) {
                fputs("    option mysql-check user ", out);
                cfg__dump_word(out, c->user);
                fputs(c->mysql_pre41 ? " pre-41\n" : " post-41\n", out);
        } else if (c->type == CFG_CHECK_TCP && c->proto == CFG_CHK_PROTO_PGSQL) {
                fputs("    option pgsql-check user ", out);
                cfg__dump_word(out, c->user ? c->user : "");
                fputc('\n', out);
        } else if (c->type == CFG_CHECK_TCP && c->proto == CFG_CHK_PROTO_SMTP) {
                fputs("    option smtpchk", out);
                if (c->smtp_cmd) {
                        const char *sp = strchr(c->smtp_cmd, ' ');

                        fprintf(out, " %.*s ", (int)(sp - c->smtp_cmd), c->smtp_cmd);
                        cfg__dump_word(out, sp + 1);
                }
                fputc('\n', out);
        } else if (c->type == CFG_CHECK_TCP && c->proto) {
                fprintf(out, "    option %s\n",
                        c->proto == CFG_CHK_PROTO_SSL_HELLO ? "ssl-hello-chk"
                        : c->proto == CFG_CHK_PROTO_REDIS   ? "redis-check"
                                                            : "mysql-check");
        } else if (c->type == CFG_CHECK_TCP) {
                fputs("    option tcp-check\n", out);
        }
        if (c->disable_on_404)
                fputs("    http-check disable-on-404\n", out);
        if (c->send_state)
                fputs("    http-check send-state\n", out);
        for (size_t i = 0; i < c->n_rules; i++)
                dump_check_rule(out, &c->rules[i]);
}

/* send-proxy* and proxy-v2-options, as the flags of HAProxy's keywords make them; first the
 * "no-" forms that take away what the default-server's @dflt gives and @pp has not */
static void dump_server_pp(FILE *out, uint32_t pp, uint32_t dflt)
{
        static const struct {
                uint32_t flag;
                const char *name;
        } v2[] = {
                {CFG_PP_V2_SSL, "ssl"},
                {CFG_PP_V2_SSL_CN, "cert-cn"},
                {CFG_PP_V2_SSL_KEY_ALG, "cert-key"},
                {CFG_PP_V2_SSL_SIG_ALG, "cert-sig"},
                {CFG_PP_V2_SSL_CIPHER, "ssl-cipher"},
                {CFG_PP_V2_AUTHORITY, "authority"},
                {CFG_PP_V2_CRC32C, "crc32c"},
                {CFG_PP_V2_UNIQUE_ID, "unique-id"},
        };
        const char *sep = " proxy-v2-options ";
        uint32_t gone = dflt & ~pp;

        if (gone & CFG_PP_V2_SSL_CN)
                fputs(" no-send-proxy-v2-ssl-cn", out);
        else if (gone & CFG_PP_V2_SSL)
                fputs(" no-send-proxy-v2-ssl", out);
        else if (gone & CFG_PP_V2)
                fputs(" no-send-proxy-v2", out);
        if (gone & CFG_PP_V1)
                fputs(" no-send-proxy", out);

        if (pp & CFG_PP_V1)
                fputs(" send-proxy", out);
        if (pp & CFG_PP_V2)
                fputs(" send-proxy-v2", out);
        for (size_t i = 0; i < SL_ARRAY_SIZE(v2); i++) {
                if (pp & v2[i].flag) {
                        fprintf(out, "%s%s", sep, v2[i].name);
                        sep = ",";
                }
        }
}

/* resolvers, resolve-prefer, resolve-opts, resolve-net */
static void dump_server_dns(FILE *out, const struct cfg_server_dns *d,
                            const struct cfg_server_dns *dflt)
{
        char ip[INET6_ADDRSTRLEN];
        unsigned from = 0;

        if (d->resolvers) {
                fputs(" resolvers ", out);
                cfg__dump_word(out, d->resolvers);
        }
        if (d->prefer)
                fputs(d->prefer == AF_INET ? " resolve-prefer ipv4" : " resolve-prefer ipv6", out);
        if (d->allow_dup_ip || d->ignore_weight)
                fprintf(out, " resolve-opts %s%s%s", d->allow_dup_ip ? "allow-dup-ip" : "",
                        d->allow_dup_ip && d->ignore_weight ? "," : "",
                        d->ignore_weight ? "ignore-weight" : "");
        /* a server's resolve-net adds to default-server's: print what it added */
        if (dflt && dflt->n_nets && dflt->n_nets <= d->n_nets &&
            memcmp(dflt->nets, d->nets, dflt->n_nets * sizeof(*d->nets)) == 0)
                from = dflt->n_nets;
        for (unsigned i = from; i < d->n_nets; i++) {
                inet_ntop(d->nets[i].family, d->nets[i].addr, ip, sizeof(ip));
                fprintf(out, "%s%s/%u", i > from ? "," : " resolve-net ", ip, d->nets[i].prefix);
        }
}

static void dump_server_opts(FILE *out, const struct cfg_server_opts *o,
                             const struct cfg_server_opts *dflt)
{
        fprintf(out, " weight %u maxconn %u", o->weight, o->maxconn);
        if (o->flags & CFG_SRV_BACKUP)
                fputs(" backup", out);
        if (o->flags & CFG_SRV_DISABLED)
                fputs(" disabled", out);
        if (o->cookie) {
                fputs(" cookie ", out);
                cfg__dump_word(out, o->cookie);
        }
        dump_init_addr(out, &o->init_addr);
        dump_server_dns(out, &o->dns, dflt ? &dflt->dns : NULL);
        if (o->proto != CFG_BIND_PROTO_AUTO)
                fputs(o->proto == CFG_BIND_PROTO_H1 ? " proto h1" : " proto h2", out);
        dump_server_pp(out, o->pp, dflt ? dflt->pp : 0);
        cfg__dump_server_tls(out, &o->tls, dflt ? &dflt->tls : NULL, cfg_server_opts_check_tls(o));
        dump_server_check(out, &o->check);
        if (dflt && dflt->check.send_proxy && !o->check.send_proxy)
                fputs(" no-check-send-proxy", out);
        if (o->pool_max_set)
                fprintf(out, " pool-max-conn %d", (int)o->pool_max_conn);
        if (o->pool_purge_set)
                fprintf(out, " pool-purge-delay %ums", (unsigned)o->pool_purge_ms);
        if (o->pool_low_conn)
                fprintf(out, " pool-low-conn %u", (unsigned)o->pool_low_conn);
}

/* May @kw appear in a section of @px's kind? (Inherited settings are printed only where
 * the keyword is valid: a backend inherits "timeout client" but cannot say it.) */
static bool dump_allowed(const struct cfg_proxy *px, const char *kw)
{
        unsigned in = (px->cap & CFG_CAP_FE) && (px->cap & CFG_CAP_BE) ? CFG_IN_LISTEN
                      : (px->cap & CFG_CAP_FE)                         ? CFG_IN_FRONTEND
                                                                       : CFG_IN_BACKEND;

        for (const struct cfg_kw *k = cfg__proxy_keywords; k->name; k++)
                if (strcmp(k->name, kw) == 0)
                        return (k->in & in) != 0;
        return false;
}

/* monitor-uri, monitor fail, unique ids */
static void dump_http_settings(FILE *out, const struct cfg_proxy *px)
{
        if (px->monitor_uri && dump_allowed(px, "monitor-uri")) {
                fputs("    monitor-uri ", out);
                cfg__dump_word(out, px->monitor_uri);
                fputc('\n', out);
        }
        for (size_t i = 0; i < px->n_monitor_fail; i++) {
                fputs("    monitor fail", out);
                cfg__dump_cond(out, px->monitor_fail[i]);
                fputc('\n', out);
        }
        if (px->unique_id_fmt && dump_allowed(px, "unique-id-format")) {
                fputs("    unique-id-format ", out);
                cfg__dump_fmt(out, px->unique_id_fmt);
                fputc('\n', out);
        }
        if (px->unique_id_header && dump_allowed(px, "unique-id-header")) {
                fputs("    unique-id-header ", out);
                cfg__dump_word(out, px->unique_id_header);
                fputc('\n', out);
        }
}

/* The stats page's settings, as "stats" lines (defaults' included: the dump is flat). */
static void dump_stats_page(FILE *out, const struct cfg_proxy *px)
{
        const struct cfg_stats_page *s = px->stats;

        if (!s || !dump_allowed(px, "stats enable"))
                return;
        fputs("    stats enable\n    stats uri ", out);
        cfg__dump_word(out, s->uri);
        fputc('\n', out);
        if (s->realm) {
                fputs("    stats realm ", out);
                cfg__dump_word(out, s->realm);
                fputc('\n', out);
        }
        if (s->refresh_ms)
                fprintf(out, "    stats refresh %" PRIu32 "s\n", s->refresh_ms / 1000);
        if (s->hide_version)
                fputs("    stats hide-version\n", out);
        if (s->show_legends)
                fputs("    stats show-legends\n", out);
        if (s->show_node) {
                fputs("    stats show-node", out);
                if (s->node) {
                        fputc(' ', out);
                        cfg__dump_word(out, s->node);
                }
                fputc('\n', out);
        }
        if (s->show_desc && s->desc) {
                fputs("    stats show-desc ", out);
                cfg__dump_word(out, s->desc);
                fputc('\n', out);
        }
        for (size_t i = 0; i < s->n_scopes; i++) {
                fputs("    stats scope ", out);
                cfg__dump_word(out, s->scopes[i]);
                fputc('\n', out);
        }
        for (size_t i = 0; s->users && i < s->users->n_users; i++) {
                const struct cfg_ul_user *u = &s->users->users[i];
                size_t nl = strlen(u->name), pl = strlen(u->password);
                char *acc = malloc(nl + pl + 2);

                if (!acc)
                        continue;
                memcpy(acc, u->name, nl);
                acc[nl] = ':';
                memcpy(acc + nl + 1, u->password, pl + 1);
                fputs("    stats auth ", out);
                cfg__dump_word(out, acc);
                fputc('\n', out);
                free(acc);
        }
        for (size_t i = 0; i < s->n_rules && dump_allowed(px, "stats http-request"); i++) {
                const struct cfg_http_rule *r = &s->rules[i];

                fprintf(out, "    stats http-request %s",
                        r->act == CFG_ACT_ALLOW  ? "allow"
                        : r->act == CFG_ACT_DENY ? "deny"
                                                 : "auth");
                if (r->act == CFG_ACT_AUTH && r->realm) {
                        fputs(" realm ", out);
                        cfg__dump_word(out, r->realm);
                }
                cfg__dump_cond(out, r->cond);
                fputc('\n', out);
        }
        for (size_t i = 0; i < s->n_admin && dump_allowed(px, "stats admin"); i++) {
                fputs("    stats admin", out);
                cfg__dump_cond(out, s->admin[i]);
                fputc('\n', out);
        }
}

static void dump_userlist(FILE *out, const struct cfg_userlist *ul)
{
        fputs("\nuserlist ", out);
        cfg__dump_word(out, ul->name);
        fputc('\n', out);
        for (size_t i = 0; i < ul->n_groups; i++) {
                fputs("    group ", out);
                cfg__dump_word(out, ul->groups[i].name);
                fputc('\n', out);
        }
        for (size_t i = 0; i < ul->n_users; i++) {
                const struct cfg_ul_user *u = &ul->users[i];

                fputs("    user ", out);
                cfg__dump_word(out, u->name);
                if (u->password) {
                        fputs(u->insecure ? " insecure-password " : " password ", out);
                        cfg__dump_word(out, u->password);
                }
                /* memberships from both sides, resolved: written once, on the user */
                for (size_t j = 0; j < u->n_groups; j++) {
                        fputs(j ? "," : " groups ", out);
                        fputs(ul->groups[u->groups[j]].name, out);
                }
                fputc('\n', out);
        }
}

/* A peers section in the form it was written in: "peer" lines (the local one with its
 * address) and default-bind, or a bind line and "server" lines. */
static void dump_peers(FILE *out, const struct cfg_gen *g, const struct cfg_peers *ps)
{
        const struct cfg_peer *local = cfg_peers_local(ps);
        bool legacy = local && local->has_addr;
        /* the binds' options are settled (ssl-default-bind-* applied): print those */
        const struct cfg_bind *bo = ps->n_binds ? &ps->binds[0] : &ps->bind_opts;

        fputs("\npeers ", out);
        cfg__dump_word(out, ps->name);
        fputc('\n', out);
        if (ps->disabled)
                fputs("    disabled\n", out);
        if (legacy || !ps->n_binds) {
                if (!bo->v6only && !bo->v4v6 && !bo->tls.ssl && !bo->tls.n_certs)
                        goto servers;
                fputs("    default-bind", out);
        } else {
                fputs("    bind ", out);
                for (size_t i = 0; i < ps->n_binds; i++) {
                        if (i)
                                fputc(',', out);
                        dump_addr(out, &ps->binds[i].addr);
                }
        }
        fputs(bo->v6only ? " v6only" : bo->v4v6 ? " v4v6" : "", out);
        cfg__dump_bind_tls(out, &bo->tls);
        fputc('\n', out);
servers:
        if (ps->default_server.tls.ssl) {
                fputs("    default-server", out);
                cfg__dump_server_tls(out, &ps->default_server.tls, NULL, false);
                fputc('\n', out);
        }
        for (size_t i = 0; i < ps->n_peers; i++) {
                const struct cfg_peer *e = &ps->peers[i];

                fputs(legacy ? "    peer " : "    server ", out);
                cfg__dump_word(out, e->srv.name);
                if (e->has_addr) {
                        fputc(' ', out);
                        dump_addr(out, &e->srv.addr);
                }
                cfg__dump_server_tls(out, &e->srv.opts.tls, &ps->default_server.tls, false);
                fputc('\n', out);
        }
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];
                char kw[600];

                if (!(px->cap & CFG_CAP_TABLE) || px->table->peers != ps)
                        continue;
                snprintf(kw, sizeof(kw), "table %s", strchr(px->name, '/') + 1);
                dump_stick_table(out, kw, px->table);
        }
}

/* A resolvers section, flat: parse-resolv-conf's name servers as nameserver lines */
static void dump_resolvers(FILE *out, const struct cfg_resolvers *r)
{
        char ip[INET6_ADDRSTRLEN];

        fputs("\nresolvers ", out);
        cfg__dump_word(out, r->name);
        fputc('\n', out);
        for (size_t i = 0; i < r->n_ns; i++) {
                const struct cfg_nameserver *ns = &r->ns[i];
                bool v6 = ns->addr.ss_family == AF_INET6;

                inet_ntop(ns->addr.ss_family,
                          v6 ? (const void *)&((const struct sockaddr_in6 *)&ns->addr)->sin6_addr
                             : (const void *)&((const struct sockaddr_in *)&ns->addr)->sin_addr,
                          ip, sizeof(ip));
                fputs("    nameserver ", out);
                cfg__dump_word(out, ns->name);
                fprintf(out, " %s%s%s%s:%u\n", ns->tcp ? "tcp@" : "", v6 ? "[" : "", ip,
                        v6 ? "]" : "",
                        ntohs(v6 ? ((const struct sockaddr_in6 *)&ns->addr)->sin6_port
                                 : ((const struct sockaddr_in *)&ns->addr)->sin_port));
        }
        fprintf(out, "    accepted_payload_size %u\n    resolve_retries %u\n", r->payload_size,
                r->retries);
        fprintf(out, "    timeout resolve %" PRIu32 "ms\n    timeout retry %" PRIu32 "ms\n",
                r->resolve_ms, r->retry_ms);
        for (unsigned h = 0; h < CFG_HOLD_COUNT; h++)
                fprintf(out, "    hold %s %" PRIu32 "ms\n", cfg_hold_name((enum cfg_hold)h),
                        r->hold_ms[h]);
}

static void dump_proxy(FILE *out, const struct cfg_proxy *px)
{
        static const char *const hash_methods[] = {"map-based", "consistent"};
        static const char *const hash_fns[] = {"sdbm", "djb2", "wt6", "crc32", "none"};
        static const char *const reuse[] = {"safe", "never", "aggressive", "always"};
        bool fe = px->cap & CFG_CAP_FE, be = px->cap & CFG_CAP_BE;
        const struct cfg_balance *b = &px->balance;
        size_t tcp_done;

        fprintf(out, "\n%s ", fe && be ? "listen" : fe ? "frontend" : "backend");
        cfg__dump_word(out, px->name);
        fprintf(out, "\n    mode %s\n", cfg_mode_name(px->mode));
        if (fe) {
                fprintf(out, "    maxconn %u\n", px->maxconn);
                for (size_t i = 0; i < px->n_binds; i++) {
                        const struct cfg_bind *bd = &px->binds[i];

                        fputs("    bind ", out);
                        dump_addr(out, &bd->addr);
                        if (bd->name) {
                                fputs(" name ", out);
                                cfg__dump_word(out, bd->name);
                        }
                        fputs(bd->v6only ? " v6only" : bd->v4v6 ? " v4v6" : "", out);
                        fputs(bd->tfo ? " tfo" : "", out);
                        fputs(bd->accept_proxy ? " accept-proxy" : "", out);
                        fputs(bd->proto == CFG_BIND_PROTO_H1   ? " proto h1"
                              : bd->proto == CFG_BIND_PROTO_H2 ? " proto h2"
                                                               : "",
                              out);
                        cfg__dump_bind_tls(out, &bd->tls);
                        fputc('\n', out);
                }
        }
        for (int t = 0; t < CFG_TO_COUNT; t++) {
                char kw[64];

                snprintf(kw, sizeof(kw), "timeout %s", cfg_timeout_name((enum cfg_timeout)t));
                if ((px->timeouts_set & (1u << t)) && dump_allowed(px, kw))
                        fprintf(out, "    %s %" PRIu64 "ms\n", kw, px->timeout_ms[t]);
        }
        for (size_t i = 0; i < SL_ARRAY_SIZE(option_names); i++) {
                uint32_t bit = 1u << i;
                char kw[64];

                snprintf(kw, sizeof(kw), "option %s", option_names[i]);
                if (!dump_allowed(px, kw))
                        continue;
                /* "no option tcp-smart-accept" turns off what mode http turns on */
                if (bit == CFG_OPT_TCP_SMART_ACCEPT && (px->options_set & bit) &&
                    !(px->options & bit)) {
                        fprintf(out, "    no option %s\n", option_names[i]);
                        continue;
                }
                if (!(px->options & bit))
                        continue;
                fprintf(out, "    option %s", option_names[i]);
                if (bit == CFG_OPT_FORWARDFOR)
                        dump_addr_hdr(out, &px->forwardfor);
                else if (bit == CFG_OPT_ORIGINALTO)
                        dump_addr_hdr(out, &px->originalto);
                fputc('\n', out);
        }
        if (be) {
                /* an unset balance is written as such: with it a dispatch address is used */
                fprintf(out, px->balance_set ? "    balance " : "    # balance ");
                switch (b->algo) {
                case CFG_LB_URI:
                        fputs("uri", out);
                        if (b->uri_len)
                                fprintf(out, " len %u", b->uri_len);
                        if (b->uri_depth)
                                fprintf(out, " depth %u", b->uri_depth);
                        if (b->uri_whole)
                                fputs(" whole", out);
                        if (b->uri_path_only)
                                fputs(" path-only", out);
                        break;
                case CFG_LB_HDR:
                        fprintf(out, "hdr(%s)%s", b->arg,
                                b->hdr_use_domain_only ? " use_domain_only" : "");
                        break;
                case CFG_LB_RANDOM:
                        fprintf(out, "random(%u)", b->random_draws);
                        break;
                case CFG_LB_RDP_COOKIE:
                        fprintf(out, "rdp-cookie(%s)", b->arg);
                        break;
                case CFG_LB_ROUNDROBIN:
                case CFG_LB_STATIC_RR:
                case CFG_LB_LEASTCONN:
                case CFG_LB_FIRST:
                case CFG_LB_SOURCE:
                case CFG_LB_URL_PARAM:
                case CFG_LB_HASH:
                        fputs(cfg_balance_name(b->algo), out);
                        break;
                }
                fprintf(out, "\n    hash-type %s %s%s\n", hash_methods[px->hash_type.method],
                        hash_fns[px->hash_type.function],
                        px->hash_type.avalanche ? " avalanche" : "");
                fprintf(out, "    retries %u\n    http-reuse %s\n", px->retries,
                        reuse[px->http_reuse]);
        }
        dump_conn_settings(out, px);
        if (px->inspect_delay_ms)
                fprintf(out, "    tcp-request inspect-delay %" PRIu32 "ms\n", px->inspect_delay_ms);
        if (px->log_global)
                fputs("    log global\n", out);
        for (size_t i = 0; i < px->n_logs; i++)
                dump_log(out, "    ", &px->logs[i]);
        if (px->log_tag) {
                fputs("    log-tag ", out);
                cfg__dump_word(out, px->log_tag);
                fputc('\n', out);
        }
        if (px->log_format && dump_allowed(px, "log-format")) {
                fputs("    log-format ", out);
                cfg__dump_fmt(out, px->log_format);
                fputc('\n', out);
        }
        for (size_t i = 0; i < px->n_errorfiles; i++) {
                if (px->errorfiles[i].loc)
                        fprintf(out, "    errorloc%u %u ", px->errorfiles[i].loc,
                                px->errorfiles[i].status);
                else
                        fprintf(out, "    errorfile %u ", px->errorfiles[i].status);
                cfg__dump_word(out, px->errorfiles[i].path);
                fputc('\n', out);
        }
        for (size_t i = 0; i < px->n_acls; i++) {
                const struct cfg_acl *acl = px->acls[i];

                if (!acl->name)
                        continue;
                for (size_t j = 0; j < acl->n_exprs; j++) {
                        fprintf(out, "    acl %s ", acl->name);
                        cfg__dump_acl_expr(out, acl->exprs[j]);
                        fputc('\n', out);
                }
        }
        dump_http_settings(out, px);
        dump_stats_page(out, px);
        tcp_done = cfg__dump_capture_slots(out, px);
        if (px->table)
                dump_stick_table(out, "stick-table", px->table);
        for (size_t i = 0; i < px->n_tcp_conn; i++)
                cfg__dump_rule(out, "tcp-request connection", px, &px->tcp_conn[i]);
        for (size_t i = 0; i < px->n_tcp_sess; i++)
                cfg__dump_rule(out, "tcp-request session", px, &px->tcp_sess[i]);
        for (size_t i = tcp_done; i < px->n_tcp_content; i++)
                cfg__dump_rule(out, "tcp-request content", px, &px->tcp_content[i]);
        for (size_t i = 0; i < px->n_http_req; i++)
                cfg__dump_rule(out, "http-request", px, &px->http_req[i]);
        if (px->cookie && be) {
                static const char *const modes[] = {"", " rewrite", " insert", " prefix"};
                const struct cfg_cookie *c = px->cookie;

                fputs("    cookie ", out);
                cfg__dump_word(out, c->name);
                fputs(modes[c->mode], out);
                fprintf(out, "%s%s%s%s%s%s", c->indirect ? " indirect" : "",
                        c->nocache ? " nocache" : "", c->postonly ? " postonly" : "",
                        c->preserve ? " preserve" : "", c->httponly ? " httponly" : "",
                        c->secure ? " secure" : "");
                if (c->domain) {
                        fputs(" domain ", out);
                        cfg__dump_word(out, c->domain);
                }
                if (c->attr) {
                        fputs(" attr ", out);
                        cfg__dump_word(out, c->attr);
                }
                fputc('\n', out);
        }
        for (size_t i = 0; i < px->n_stick_rules; i++) {
                static const char *const kinds[] = {"on", "match", "store-request",
                                                    "store-response"};
                const struct cfg_stick_rule *r = &px->stick_rules[i];

                fprintf(out, "    stick %s ", kinds[r->kind]);
                cfg__dump_sample(out, &r->key);
                if (r->table_name) {
                        fputs(" table ", out);
                        cfg__dump_word(out, r->table_name);
                }
                cfg__dump_cond(out, r->cond);
                fputc('\n', out);
        }
        for (size_t i = 0; i < px->n_redirects; i++)
                cfg__dump_rule(out, "redirect", px, &px->redirects[i]);
        for (size_t i = 0; i < px->n_http_res; i++)
                cfg__dump_rule(out, "http-response", px, &px->http_res[i]);
        for (size_t i = 0; i < px->n_http_after; i++)
                cfg__dump_rule(out, "http-after-response", px, &px->http_after[i]);
        for (size_t i = 0; i < px->n_use_servers; i++) {
                fputs("    use-server ", out);
                cfg__dump_word(out, px->use_servers[i].name);
                cfg__dump_cond(out, px->use_servers[i].cond);
                fputc('\n', out);
        }
        if (px->persist_rdp)
                fprintf(out, "    persist rdp-cookie(%s)\n", px->persist_rdp);
        for (size_t i = 0; i < px->n_persist_rules; i++) {
                fputs(px->persist_rules[i].force ? "    force-persist" : "    ignore-persist", out);
                cfg__dump_cond(out, px->persist_rules[i].cond);
                fputc('\n', out);
        }
        for (size_t i = 0; i < px->n_use_backend; i++) {
                fputs("    use_backend ", out);
                cfg__dump_word(out, px->use_backend[i].backend_name);
                cfg__dump_cond(out, px->use_backend[i].cond);
                fputc('\n', out);
        }
        if (fe && px->default_backend_name) {
                fputs("    default_backend ", out);
                cfg__dump_word(out, px->default_backend_name);
                fputc('\n', out);
        }
        if (be)
                dump_checks(out, &px->checks);
        if (be && px->state_load != CFG_STATE_LOAD_NONE)
                fprintf(out, "    load-server-state-from-file %s\n",
                        px->state_load == CFG_STATE_LOAD_GLOBAL ? "global" : "local");
        if (be && px->state_file_name) {
                fputs("    server-state-file-name ", out);
                cfg__dump_word(out, px->state_file_name);
                fputc('\n', out);
        }
        if (be) {
                fputs("    default-server", out);
                dump_server_opts(out, &px->default_server, NULL);
                fputc('\n', out);
                for (size_t i = 0; i < px->n_servers; i++) {
                        fputs("    server ", out);
                        cfg__dump_word(out, px->servers[i].name);
                        fputc(' ', out);
                        dump_addr(out, &px->servers[i].addr);
                        if (px->servers[i].id_set)
                                fprintf(out, " id %u", px->servers[i].id);
                        if (px->servers[i].track_name) {
                                fputs(" track ", out);
                                cfg__dump_word(out, px->servers[i].track_name);
                        }
                        dump_server_opts(out, &px->servers[i].opts, &px->default_server);
                        fputc('\n', out);
                }
        }
}

int cfg_dump(const struct cfg_gen *g, FILE *out)
{
        dump_global(out, &g->global);
        /* the name the peers sections were read with, so that the dump reads the same */
        if (g->n_peers || g->global.localpeer_set) {
                fputs("    localpeer ", out);
                cfg__dump_word(out, g->global.localpeer);
                fputc('\n', out);
        }
        for (size_t i = 0; i < g->n_userlists; i++)
                dump_userlist(out, g->userlists[i]);
        for (size_t i = 0; i < g->n_peers; i++)
                dump_peers(out, g, g->peers[i]);
        for (size_t i = 0; i < g->n_resolvers; i++)
                dump_resolvers(out, g->resolvers[i]);
        for (size_t i = 0; i < g->n_proxies; i++)
                if (!(g->proxies[i]->cap & CFG_CAP_TABLE))
                        dump_proxy(out, g->proxies[i]);
        return ferror(out) ? -EIO : 0;
}

uint64_t cfg_server_fingerprint(const struct cfg_server *s)
{
        char *text = NULL;
        size_t len = 0;
        uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
        FILE *out = open_memstream(&text, &len);

        if (!out)
                return 0;
        dump_server_opts(out, &s->opts, NULL);
        fprintf(out, " no-addr %d", s->no_addr);
        if (fclose(out) != 0) {
                free(text);
                return 0;
        }
        for (size_t i = 0; i < len; i++) {
                h ^= (unsigned char)text[i];
                h *= 0x100000001b3ull;
        }
        free(text);
        return h;
}
