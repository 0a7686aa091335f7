/* The Prometheus exporter (mprom.h). Every object's fields come once from mstat_collect();
 * the metrics are then written family by family, as the text format wants each family's
 * samples together. */
#include "mprom.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "dns.h"
#include "master-t.h"
#include "model.h"
#include "mstat.h"
#include "mstate.h"
#include "mstats.h"
#include "srv_state.h"
#include "stats.h"
#include "stktable.h"
#include "stktable_cli.h"
#include "tls_ctx.h"

/* HAProxy's metrics of the statistics columns (its promex_st_metrics[]): the column, the
 * name after the family's prefix, counter or gauge, the kinds of objects that have it
 * (Frontend, Listener, Backend, Server), whether the column is in ms and the metric in
 * seconds, and its help. */
static const struct prom_metric {
        unsigned field;
        const char *name;
        bool counter;
        const char *kinds;
        bool ms;
        const char *help;
} st_metrics[] = {
        {MSTAT_F_QCUR, "current_queue", false, "BS", false,
         "Streams waiting in the queue for a server now."},
        {MSTAT_F_QMAX, "max_queue", false, "BS", false,
         "Highest number of streams queued at once."},
        {MSTAT_F_SCUR, "current_sessions", false, "FLBS", false, "Sessions now."},
        {MSTAT_F_SMAX, "max_sessions", false, "FLBS", false, "Highest number of sessions at once."},
        {MSTAT_F_SLIM, "limit_sessions", false, "FLBS", false,
         "Configured limit of sessions (maxconn; fullconn for a backend)."},
        {MSTAT_F_STOT, "sessions_total", true, "FLBS", false, "Sessions since sluice started."},
        {MSTAT_F_BIN, "bytes_in_total", true, "FLBS", false, "Bytes received from clients."},
        {MSTAT_F_BOUT, "bytes_out_total", true, "FLBS", false, "Bytes sent to clients."},
        {MSTAT_F_DREQ, "requests_denied_total", true, "FLB", false, "Requests denied by a rule."},
        {MSTAT_F_DRESP, "responses_denied_total", true, "FLBS", false,
         "Responses denied by a rule."},
        {MSTAT_F_EREQ, "request_errors_total", true, "FL", false,
         "Invalid or incomplete requests."},
        {MSTAT_F_ECON, "connection_errors_total", true, "BS", false,
         "Failed connections to servers."},
        {MSTAT_F_ERESP, "response_errors_total", true, "BS", false,
         "Invalid or missing responses from servers."},
        {MSTAT_F_WRETR, "retry_warnings_total", true, "BS", false, "Connection attempts retried."},
        {MSTAT_F_WREDIS, "redispatch_warnings_total", true, "BS", false,
         "Requests redispatched to another server."},
        {MSTAT_F_STATUS, "status", false, "FLBS", false, "Current status, per state label value."},
        {MSTAT_F_WEIGHT, "weight", false, "BS", false,
         "Effective weight (a backend: sum over its active servers)."},
        {MSTAT_F_ACT, "active_servers", false, "B", false, "Active servers able to take traffic."},
        {MSTAT_F_BCK, "backup_servers", false, "B", false, "Backup servers able to take traffic."},
        {MSTAT_F_CHKFAIL, "check_failures_total", true, "S", false, "Failed health checks."},
        {MSTAT_F_CHKDOWN, "check_up_down_total", true, "BS", false, "UP to DOWN transitions."},
        {MSTAT_F_LASTCHG, "check_last_change_seconds", false, "BS", false,
         "Seconds since the last change of state."},
        {MSTAT_F_DOWNTIME, "downtime_seconds_total", true, "BS", false, "Seconds spent DOWN."},
        {MSTAT_F_QLIMIT, "queue_limit", false, "S", false,
         "Configured limit of the server's queue (maxqueue)."},
        {MSTAT_F_THROTTLE, "current_throttle", false, "S", false,
         "Current slowstart throttle, percent."},
        {MSTAT_F_LBTOT, "loadbalanced_total", true, "BS", false, "Times the balancer chose it."},
        {MSTAT_F_RATE_LIM, "limit_session_rate", false, "F", false,
         "Configured limit of new sessions per second."},
        {MSTAT_F_RATE_MAX, "max_session_rate", false, "FBS", false,
         "Highest number of new sessions in a second."},
        {MSTAT_F_CHECK_STATUS, "check_status", false, "S", false,
         "Status of the last health check, per state label value."},
        {MSTAT_F_CHECK_CODE, "check_code", false, "S", false,
         "Layer 5-7 code of the last health check."},
        {MSTAT_F_CHECK_DURATION, "check_duration_seconds", false, "S", true,
         "Duration of the last health check."},
        {MSTAT_F_HRSP_1XX, "http_responses_total", true, "FBS", false,
         "HTTP responses, per class of status code."},
        {MSTAT_F_HRSP_2XX, "http_responses_total", true, "FBS", false,
         "HTTP responses, per class of status code."},
        {MSTAT_F_HRSP_3XX, "http_responses_total", true, "FBS", false,
         "HTTP responses, per class of status code."},
        {MSTAT_F_HRSP_4XX, "http_responses_total", true, "FBS", false,
         "HTTP responses, per class of status code."},
        {MSTAT_F_HRSP_5XX, "http_responses_total", true, "FBS", false,
         "HTTP responses, per class of status code."},
        {MSTAT_F_HRSP_OTHER, "http_responses_total", true, "FBS", false,
         "HTTP responses, per class of status code."},
        {MSTAT_F_REQ_RATE_MAX, "http_requests_rate_max", false, "F", false,
         "Highest number of HTTP requests in a second."},
        {MSTAT_F_REQ_TOT, "http_requests_total", true, "FB", false, "HTTP requests."},
        {MSTAT_F_CLI_ABRT, "client_aborts_total", true, "BS", false,
         "Requests or connections the client aborted."},
        {MSTAT_F_SRV_ABRT, "server_aborts_total", true, "BS", false,
         "Requests or connections the server aborted."},
        {MSTAT_F_COMP_IN, "http_comp_bytes_in_total", true, "FB", false,
         "Bytes given to the HTTP compressor."},
        {MSTAT_F_COMP_OUT, "http_comp_bytes_out_total", true, "FB", false,
         "Bytes out of the HTTP compressor."},
        {MSTAT_F_COMP_BYP, "http_comp_bytes_bypassed_total", true, "FB", false,
         "Bytes that bypassed the HTTP compressor."},
        {MSTAT_F_COMP_RSP, "http_comp_responses_total", true, "FB", false,
         "HTTP responses compressed."},
        {MSTAT_F_LASTSESS, "last_session_seconds", false, "BS", false,
         "Seconds since the last session."},
        {MSTAT_F_QTIME, "queue_time_average_seconds", false, "BS", true,
         "Average time in the queue over the last 1024 requests."},
        {MSTAT_F_CTIME, "connect_time_average_seconds", false, "BS", true,
         "Average connect time over the last 1024 requests."},
        {MSTAT_F_RTIME, "response_time_average_seconds", false, "BS", true,
         "Average time to the response headers over the last 1024 requests."},
        {MSTAT_F_TTIME, "total_time_average_seconds", false, "BS", true,
         "Average total time over the last 1024 requests."},
        {MSTAT_F_CONN_RATE_MAX, "connections_rate_max", false, "F", false,
         "Highest number of new connections in a second."},
        {MSTAT_F_CONN_TOT, "connections_total", true, "F", false, "Connections accepted."},
        {MSTAT_F_INTERCEPTED, "intercepted_requests_total", true, "F", false,
         "Requests answered by sluice itself (redirects, returns, services)."},
        {MSTAT_F_DCON, "denied_connections_total", true, "FL", false,
         "Connections refused by tcp-request connection rules."},
        {MSTAT_F_DSES, "denied_sessions_total", true, "FL", false,
         "Sessions refused by tcp-request session rules."},
        {MSTAT_F_WREW, "failed_header_rewriting_total", true, "FLBS", false,
         "Failed header rewrites."},
        {MSTAT_F_CONNECT, "connection_attempts_total", true, "BS", false,
         "New connections to servers."},
        {MSTAT_F_REUSE, "connection_reuses_total", true, "BS", false,
         "Idle server connections reused."},
        {MSTAT_F_CACHE_LOOKUPS, "http_cache_lookups_total", true, "FB", false,
         "HTTP cache lookups."},
        {MSTAT_F_CACHE_HITS, "http_cache_hits_total", true, "FB", false, "HTTP cache hits."},
        {MSTAT_F_SRV_ICUR, "idle_connections_current", false, "S", false,
         "Idle server connections kept now."},
        {MSTAT_F_SRV_ILIM, "idle_connections_limit", false, "S", false,
         "Configured limit of idle server connections."},
        {MSTAT_F_QT_MAX, "max_queue_time_seconds", false, "BS", true,
         "Longest time spent in the queue."},
        {MSTAT_F_CT_MAX, "max_connect_time_seconds", false, "BS", true, "Longest connect time."},
        {MSTAT_F_RT_MAX, "max_response_time_seconds", false, "BS", true,
         "Longest time to the response headers."},
        {MSTAT_F_TT_MAX, "max_total_time_seconds", false, "BS", true,
         "Longest total time of a request."},
        {MSTAT_F_EINT, "internal_errors_total", true, "FLBS", false, "Internal errors."},
        {MSTAT_F_IDLE_CONN_CUR, "unsafe_idle_connections_current", false, "S", false,
         "Unsafe idle server connections now."},
        {MSTAT_F_SAFE_CONN_CUR, "safe_idle_connections_current", false, "S", false,
         "Safe idle server connections now."},
        {MSTAT_F_USED_CONN_CUR, "used_connections_current", false, "S", false,
         "Server connections in use now."},
        {MSTAT_F_NEED_CONN_EST, "need_connections_current", false, "S", false,
         "Estimated server connections needed."},
        {MSTAT_F_UWEIGHT, "uweight", false, "BS", false,
         "Weight set by the user (a backend: sum over its active servers)."},
        {MSTAT_F_AGG_SRV_CHECK_STATUS, "agg_server_check_status", false, "B", false,
         "Servers per check status (deprecated by HAProxy)."},
};

enum {
        SCOPE_GLOBAL = 1u << 0,
        SCOPE_FRONTEND = 1u << 1,
        SCOPE_BACKEND = 1u << 2,
        SCOPE_SERVER = 1u << 3,
        SCOPE_LISTENER = 1u << 4,
        SCOPE_STICKTABLE = 1u << 5,
        SCOPE_RESOLVER = 1u << 6,
        SCOPE_ALL = 0x7f,
};

struct prom {
        FILE *out;
        const char *prefix; /* "sluice" or "haproxy" */
        unsigned scopes;
        bool no_maint;
};

/* A label value, escaped as the text format wants (backslash, quote, line feed). */
static void label_value(FILE *out, const char *v)
{
        for (; *v; v++) {
                if (*v == '\\' || *v == '"')
                        fputc('\\', out);
                if (*v == '\n') {
                        fputs("\\n", out);
                        continue;
                }
                fputc(*v, out);
        }
}

static void family(struct prom *p, const char *group, const char *name, const char *type,
                   const char *help)
{
        fprintf(p->out, "# HELP %s_%s_%s %s\n# TYPE %s_%s_%s %s\n", p->prefix, group, name, help,
                p->prefix, group, name, type);
}

/* "name{proxy="px"[,server="sv"]" without the closing brace */
static void sample_start(struct prom *p, const char *group, const char *name,
                         const struct mstat_obj *o)
{
        fprintf(p->out, "%s_%s_%s{proxy=\"", p->prefix, group, name);
        label_value(p->out, o->px->name);
        if (o->type == MSTAT_SV || o->type == MSTAT_LI) {
                fputs(o->type == MSTAT_SV ? "\",server=\"" : "\",listener=\"", p->out);
                label_value(p->out, o->svname);
        }
        fputc('"', p->out);
}

static void value(FILE *out, const struct mstat_field *f, bool ms)
{
        uint64_t v = f->type == MSTAT_T_U64 ? f->u.u64 : f->type == MSTAT_T_U32 ? f->u.u32 : 0;

        if (f->type == MSTAT_T_S32)
                fprintf(out, " %d\n", f->u.s32);
        else if (ms)
                fprintf(out, " %llu.%03llu\n", (unsigned long long)(v / 1000),
                        (unsigned long long)(v % 1000));
        else
                fprintf(out, " %llu\n", (unsigned long long)v);
}

static const char *kind_group(int type)
{
        static const char *const g[] = {"frontend", "backend", "server", "listener"};

        return g[type];
}

static bool in_scope(const struct prom *p, int type)
{
        static const unsigned s[] = {SCOPE_FRONTEND, SCOPE_BACKEND, SCOPE_SERVER, SCOPE_LISTENER};

        return p->scopes & s[type];
}

static const char kind_letter[] = "FBSL";

/* HAProxy's states of its status metric, per kind, and which one an object is in */
static const char *const fe_states[] = {"DOWN", "UP"};
static const char *const sv_states[] = {"DOWN", "UP", "MAINT", "DRAIN", "NOLB"};
static const char *const li_states[] = {"WAITING", "OPEN", "FULL"};

static void status_samples(struct prom *p, const struct mstat_obj *o)
{
        const char *st = o->f[MSTAT_F_STATUS].str ? o->f[MSTAT_F_STATUS].str : "";
        const char *const *states = o->type == MSTAT_SV   ? sv_states
                                    : o->type == MSTAT_LI ? li_states
                                                          : fe_states;
        size_t n = o->type == MSTAT_SV ? 5 : o->type == MSTAT_LI ? 3 : 2;
        const char *cur = st;

        if (o->type == MSTAT_FE || o->type == MSTAT_BE)
                cur = strcmp(st, "DOWN") == 0 || strcmp(st, "STOP") == 0 ? "DOWN" : "UP";
        else if (o->type == MSTAT_SV && strcmp(st, "no check") == 0)
                cur = "UP";
        else if (o->type == MSTAT_SV && strncmp(st, "MAINT", 5) == 0)
                cur = "MAINT"; /* "MAINT (resolution)", "MAINT (via)": HAProxy's MAINT */
        for (size_t i = 0; i < n; i++) {
                sample_start(p, kind_group(o->type), "status", o);
                fputs(",state=\"", p->out);
                fputs(states[i], p->out);
                fprintf(p->out, "\"} %d\n", strcmp(states[i], cur) == 0);
        }
}

static void st_families(struct prom *p, const struct mstat_objs *objs)
{
        static const char *const codes[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

        for (int type = MSTAT_FE; type <= MSTAT_LI; type++) {
                static const int order[] = {MSTAT_FE, MSTAT_LI, MSTAT_BE, MSTAT_SV};
                int t = order[type];

                if (!in_scope(p, t))
                        continue;
                for (size_t k = 0; k < sizeof(st_metrics) / sizeof(st_metrics[0]); k++) {
                        const struct prom_metric *mt = &st_metrics[k];
                        bool hrsp =
                                mt->field >= MSTAT_F_HRSP_1XX && mt->field <= MSTAT_F_HRSP_OTHER;
                        bool head = false;

                        if (!strchr(mt->kinds, kind_letter[t]))
                                continue;
                        /* the six response classes are one family with a code label */
                        if (hrsp && mt->field != MSTAT_F_HRSP_1XX)
                                continue;
                        for (size_t i = 0; i < objs->n; i++) {
                                const struct mstat_obj *o = &objs->v[i];
                                unsigned c;

                                if (o->type != t)
                                        continue;
                                if (p->no_maint && t == MSTAT_SV && o->f[MSTAT_F_STATUS].str &&
                                    strncmp(o->f[MSTAT_F_STATUS].str, "MAINT", 5) == 0)
                                        continue;
                                if (mt->field == MSTAT_F_STATUS) {
                                        if (!head)
                                                family(p, kind_group(t), mt->name, "gauge",
                                                       mt->help);
                                        head = true;
                                        status_samples(p, o);
                                        continue;
                                }
                                if (o->f[mt->field].type == MSTAT_T_EMPTY ||
                                    o->f[mt->field].type == MSTAT_T_STR)
                                        continue;
                                if (!head)
                                        family(p, kind_group(t), mt->name,
                                               mt->counter ? "counter" : "gauge", mt->help);
                                head = true;
                                if (!hrsp) {
                                        sample_start(p, kind_group(t), mt->name, o);
                                        fputc('}', p->out);
                                        value(p->out, &o->f[mt->field], mt->ms);
                                        continue;
                                }
                                for (c = 0; c < 6; c++) {
                                        sample_start(p, kind_group(t), mt->name, o);
                                        fprintf(p->out, ",code=\"%s\"}", codes[c]);
                                        value(p->out, &o->f[MSTAT_F_HRSP_1XX + c], false);
                                }
                        }
                }
        }
}

/* @ms as seconds, without trailing zeros: 5 -> 0.005, 1000 -> 1, 2500 -> 2.5 */
static void seconds(FILE *out, uint64_t ms)
{
        char frac[8];
        int n = snprintf(frac, sizeof(frac), "%03u", (unsigned)(ms % 1000));

        while (n > 0 && frac[n - 1] == '0')
                frac[--n] = '\0';
        fprintf(out, n ? "%llu.%s" : "%llu", (unsigned long long)(ms / 1000), frac);
}

/* sluice's histograms of durations: cumulative buckets, their bounds in seconds */
/* A histogram's labels: the proxy's, and a server's */
static void hist_labels(struct prom *p, const struct mstat_obj *o)
{
        fputs("{proxy=\"", p->out);
        label_value(p->out, o->px->name);
        if (o->type == MSTAT_SV) {
                fputs("\",server=\"", p->out);
                label_value(p->out, o->svname);
        }
        fputc('"', p->out);
}

/* Does @px accept TLS on any of its binds? */
static bool px_tls(const struct cfg_proxy *px)
{
        for (size_t i = 0; i < px->n_binds; i++)
                if (px->binds[i].tls.ssl)
                        return true;
        return false;
}

/* Histogram @h of every object of @kind: HTTP proxies', or with ST_H_FE_TLS_HS the
 * frontends' that accept TLS */
static void histogram(struct prom *p, const char *name, const char *help, int kind,
                      enum stats_hist h, const struct mstat_objs *objs, const uint32_t *bounds,
                      unsigned n_bounds)
{
        bool head = false, tls = kind == MSTAT_FE && h == ST_H_FE_TLS_HS;

        for (size_t i = 0; i < objs->n; i++) {
                const struct mstat_obj *o = &objs->v[i];
                const struct stats_hist1 *hs = &o->sum.h[h];
                uint64_t cum = 0;

                if (o->type != kind || (tls ? !px_tls(o->px) : o->px->mode != CFG_MODE_HTTP))
                        continue;
                if (p->no_maint && kind == MSTAT_SV && o->f[MSTAT_F_STATUS].str &&
                    strncmp(o->f[MSTAT_F_STATUS].str, "MAINT", 5) == 0)
                        continue;
                if (!head)
                        fprintf(p->out, "# HELP sluice_%s %s\n# TYPE sluice_%s histogram\n", name,
                                help, name);
                head = true;
                for (unsigned b = 0; b < n_bounds; b++) {
                        cum += hs->bucket[b];
                        fprintf(p->out, "sluice_%s_bucket", name);
                        hist_labels(p, o);
                        fputs(",le=\"", p->out);
                        seconds(p->out, bounds[b]);
                        fprintf(p->out, "\"} %llu\n", (unsigned long long)cum);
                }
                for (unsigned b = n_bounds; b <= STATS_HBOUNDS; b++)
                        cum += hs->bucket[b];
                fprintf(p->out, "sluice_%s_bucket", name);
                hist_labels(p, o);
                fprintf(p->out, ",le=\"+Inf\"} %llu\n", (unsigned long long)cum);
                fprintf(p->out, "sluice_%s_sum", name);
                hist_labels(p, o);
                fputs("} ", p->out);
                seconds(p->out, hs->sum_ms);
                fputc('\n', p->out);
                fprintf(p->out, "sluice_%s_count", name);
                hist_labels(p, o);
                fprintf(p->out, "} %llu\n", (unsigned long long)cum);
        }
}

/* The backends' four histograms, or with @kind MSTAT_SV the servers' */
static void backend_histograms(struct prom *p, int kind, const struct mstat_objs *objs,
                               const uint32_t *bounds, unsigned n_bounds)
{
        static const struct {
                const char *name, *help;
                enum stats_hist h;
        } fams[] = {
                {"http_request_duration_seconds", "Time of whole HTTP requests sent to %s (Ta).",
                 ST_H_TOTAL},
                {"connect_duration_seconds", "Time to connect to %s (Tc).", ST_H_CONNECT},
                {"response_header_duration_seconds",
                 "Time from the connection to %s's response headers (Tr).", ST_H_RESPONSE},
                {"queue_duration_seconds", "Time spent in the queue for %s (Tw).", ST_H_QUEUE},
        };

        for (size_t i = 0; i < SL_ARRAY_SIZE(fams); i++) {
                char name[96], help[128];

                snprintf(name, sizeof(name), "%s_%s", kind == MSTAT_SV ? "server" : "backend",
                         fams[i].name);
                snprintf(help, sizeof(help), fams[i].help,
                         kind == MSTAT_SV ? "the server" : "a server");
                histogram(p, name, help, kind, fams[i].h, objs, bounds, n_bounds);
        }
}

static void gauge1(struct prom *p, const char *name, const char *type, const char *help,
                   unsigned long long v)
{
        fprintf(p->out, "# HELP %s_process_%s %s\n# TYPE %s_process_%s %s\n%s_process_%s %llu\n",
                p->prefix, name, help, p->prefix, name, type, p->prefix, name, v);
}

static void process_families(struct master *m, struct prom *p, const struct mstat_objs *objs)
{
        struct stats_sum proc;
        const struct stats_sum *s = &proc;
        uint64_t now = sl_clock_ms(), up = (now - m->started_ms) / 1000;
        struct rlimit nofile = {0};
        unsigned maxconn = mstats_maxconn(m);

        mstats_process(m, objs->sums, objs->n_sums, &proc);
        (void)getrlimit(RLIMIT_NOFILE, &nofile);
        gauge1(p, "nbthread", "gauge", "Worker processes of the current generation.", m->n_slots);
        gauge1(p, "nbproc", "gauge", "Processes of the node, as HAProxy counts them.", 1);
        gauge1(p, "relative_process_id", "gauge", "Relative process id.", 1);
        gauge1(p, "uptime_seconds", "gauge", "Seconds since the master started.", up);
        gauge1(p, "start_time_seconds", "gauge", "Start time, seconds since the Epoch.",
               sl_clock_wall_us() / 1000000 - up);
        gauge1(p, "pool_failures_total", "counter", "Allocations that failed.",
               s->c[ST_C_POOL_FAILED]);
        gauge1(p, "max_fds", "gauge", "Limit of open files.", nofile.rlim_cur);
        gauge1(p, "max_connections", "gauge", "Limit of connections (maxconn).", maxconn);
        gauge1(p, "hard_max_connections", "gauge", "Hard limit of connections.", maxconn);
        gauge1(p, "current_connections", "gauge", "Client connections now, every generation.",
               (unsigned long long)(s->g[ST_G_CUR] > 0 ? s->g[ST_G_CUR] : 0));
        gauge1(p, "connections_total", "counter", "Client connections accepted.",
               s->c[ST_C_CONN_TOT]);
        gauge1(p, "requests_total", "counter", "HTTP requests.", s->c[ST_C_REQ_TOT]);
        gauge1(p, "current_ssl_connections", "gauge", "TLS connections now.",
               (unsigned long long)(s->g[ST_G_TLS_CUR] > 0 ? s->g[ST_G_TLS_CUR] : 0));
        gauge1(p, "ssl_connections_total", "counter", "TLS handshakes with clients completed.",
               s->c[ST_C_TLS_HS] + s->c[ST_C_TLS_REUSED]);
        gauge1(p, "current_connection_rate", "gauge", "Connections in the last second.",
               s->rate[ST_R_CONN]);
        gauge1(p, "max_connection_rate", "gauge", "Highest connections in a second.",
               s->mx[ST_M_CONN_RATE]);
        gauge1(p, "current_session_rate", "gauge", "Sessions in the last second.",
               s->rate[ST_R_SESS]);
        gauge1(p, "max_session_rate", "gauge", "Highest sessions in a second.", s->mx[ST_M_RATE]);
        gauge1(p, "stopping", "gauge", "Whether the node is stopping.", m->stopping);
        gauge1(p, "dropped_logs_total", "counter", "Log lines that could not be sent.",
               s->c[ST_C_DROPPED_LOGS]);
        fprintf(p->out,
                "# HELP %s_process_build_info Build info.\n# TYPE %s_process_build_info gauge\n"
                "%s_process_build_info{version=\"%s\"} 1\n",
                p->prefix, p->prefix, p->prefix, SL_VERSION);
}

/* What HAProxy has no metric for: the configuration's reloads and the generations. */
static void sluice_families(struct master *m, struct prom *p)
{
        unsigned cur = 0, old = 0;
        long long old_conns = mstats_old_conns(m);

        mstats_workers(m, &cur, &old);
        fprintf(p->out,
                "# HELP sluice_config_reloads_total Reloads asked for, by result.\n"
                "# TYPE sluice_config_reloads_total counter\n"
                "sluice_config_reloads_total{result=\"success\"} %u\n"
                "sluice_config_reloads_total{result=\"failure\"} %u\n"
                "# HELP sluice_config_last_reload_success_timestamp_seconds When the running "
                "configuration started serving, seconds since the Epoch.\n"
                "# TYPE sluice_config_last_reload_success_timestamp_seconds gauge\n"
                "sluice_config_last_reload_success_timestamp_seconds %llu\n"
                "# HELP sluice_config_generation The generation of the running configuration.\n"
                "# TYPE sluice_config_generation gauge\n"
                "sluice_config_generation %u\n"
                "# HELP sluice_workers Worker processes, of the current generation or of older "
                "ones still draining.\n"
                "# TYPE sluice_workers gauge\n"
                "sluice_workers{state=\"current\"} %u\n"
                "sluice_workers{state=\"draining\"} %u\n"
                "# HELP sluice_draining_connections Client connections still on older "
                "generations.\n"
                "# TYPE sluice_draining_connections gauge\n"
                "sluice_draining_connections %lld\n",
                m->reloads - SL_MIN(m->failed_reloads, m->reloads), m->failed_reloads,
                (unsigned long long)(m->gen_started_wall_ms / 1000), m->gen_no, cur, old,
                old_conns > 0 ? old_conns : 0);
}

static void sticktable_families(struct master *m, struct prom *p)
{
        struct sl_list *pos;

        fprintf(p->out,
                "# HELP %s_sticktable_size Entries a stick table can hold.\n"
                "# TYPE %s_sticktable_size gauge\n",
                p->prefix, p->prefix);
        sl_list_for_each(pos, &m->tables) {
                struct mtable *mt = sl_list_entry(pos, struct mtable, link);
                struct stkt_def def;

                if (mt->gen != m->gen_no)
                        continue;
                stkt_definition(mt->t, &def);
                fprintf(p->out, "%s_sticktable_size{name=\"", p->prefix);
                label_value(p->out, mt->name);
                fprintf(p->out, "\"} %u\n", def.size);
        }
        fprintf(p->out,
                "# HELP %s_sticktable_used Entries in use in a stick table.\n"
                "# TYPE %s_sticktable_used gauge\n",
                p->prefix, p->prefix);
        sl_list_for_each(pos, &m->tables) {
                struct mtable *mt = sl_list_entry(pos, struct mtable, link);

                if (mt->gen != m->gen_no)
                        continue;
                fprintf(p->out, "%s_sticktable_used{name=\"", p->prefix);
                label_value(p->out, mt->name);
                fprintf(p->out, "\"} %u\n", stkt_cli_used(mt->t));
        }
}

static void peer_labels(FILE *out, const char *family, const struct cfg_peers *ps,
                        const struct cfg_peer *peer, const char *table)
{
        fprintf(out, "sluice_peers_%s{section=\"", family);
        label_value(out, ps->name);
        fputs("\",peer=\"", out);
        label_value(out, peer->srv.name);
        if (table) {
                fputs("\",table=\"", out);
                label_value(out, table);
        }
        fputs("\"} ", out);
}

/* The links of the peers sections, from the positions the owner of the links keeps in each
 * table (shm/stktable.h): they survive its reloads and respawns, so the counters never go
 * back. Per link: up, established; per link and table: updates sent, received, and the
 * changes made here the peer has not acknowledged yet. */
static void peers_families(struct master *m, struct prom *p)
{
        static const struct {
                const char *name, *type, *help;
                bool per_table;
        } fam[] = {
                {"link_up", "gauge", "Whether the link with a peer is up.", false},
                {"connections_total", "counter", "Links with a peer established.", false},
                {"updates_sent_total", "counter", "Entry updates sent to a peer, per table.", true},
                {"updates_received_total", "counter",
                 "Entry updates received from a peer, per table.", true},
                {"lag_updates", "gauge",
                 "Changes made here to a table that a peer has not acknowledged yet.", true},
        };

        for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
                bool head = false;

                for (size_t i = 0; i < m->gen->n_peers; i++) {
                        const struct cfg_peers *ps = m->gen->peers[i];

                        for (size_t j = 0; !ps->disabled && j < ps->n_peers; j++) {
                                const struct cfg_peer *peer = &ps->peers[j];

                                for (size_t k = 0; !peer->local && k < ps->n_tables; k++) {
                                        const char *name = ps->tables[k].px->name;
                                        unsigned id;
                                        struct stkt *t =
                                                mstate_stick_table(m, ps->tables[k].px, &id);
                                        struct stkt_pos_stats st;
                                        uint64_t v;
                                        int pos;

                                        if (!t)
                                                continue;
                                        pos = stkt_pos_find(t,
                                                            stkt_pos_id(ps->name, peer->srv.name));
                                        stkt_pos_stats(t, pos, &st);
                                        if (!head)
                                                fprintf(p->out,
                                                        "# HELP sluice_peers_%s %s\n"
                                                        "# TYPE sluice_peers_%s %s\n",
                                                        fam[f].name, fam[f].help, fam[f].name,
                                                        fam[f].type);
                                        head = true;
                                        peer_labels(p->out, fam[f].name, ps, peer,
                                                    fam[f].per_table ? name : NULL);
                                        switch (f) {
                                        case 0:
                                                v = st.up;
                                                break;
                                        case 1:
                                                v = st.conns;
                                                break;
                                        case 2:
                                                v = st.tx;
                                                break;
                                        case 3:
                                                v = st.rx;
                                                break;
                                        default:
                                                v = pos < 0 ? stkt_upd_head(t)
                                                            : stkt_upd_head(t) -
                                                                      SL_MIN(st.acked,
                                                                             stkt_upd_head(t));
                                                break;
                                        }
                                        fprintf(p->out, "%llu\n", (unsigned long long)v);
                                        /* the link's own: from its first table */
                                        if (!fam[f].per_table)
                                                break;
                                }
                        }
                }
        }
}

/* The name servers' counters ("show resolvers"), from the server table the node's resolver
 * writes */
static void resolver_families(struct master *m, struct prom *p)
{
        static const char *const names[SRV_DNS_COUNT] = {
                [SRV_DNS_SENT] = "sent",          [SRV_DNS_SND_ERROR] = "send_errors",
                [SRV_DNS_VALID] = "valid",        [SRV_DNS_UPDATE] = "updates",
                [SRV_DNS_CNAME] = "cname",        [SRV_DNS_CNAME_ERROR] = "cname_errors",
                [SRV_DNS_ANY_ERR] = "any_errors", [SRV_DNS_NX] = "nx",
                [SRV_DNS_TIMEOUT] = "timeouts",   [SRV_DNS_REFUSED] = "refused",
                [SRV_DNS_OTHER] = "other_errors", [SRV_DNS_INVALID] = "invalid",
                [SRV_DNS_TOO_BIG] = "too_big",    [SRV_DNS_TRUNCATED] = "truncated",
                [SRV_DNS_OUTDATED] = "outdated",
        };
        const struct cfg_gen *g = m->gen;

        for (unsigned c = 0; m->srv_table && c < SRV_DNS_COUNT; c++) {
                bool head = false;

                for (size_t i = 0; i < g->n_resolvers; i++) {
                        const struct cfg_resolvers *r = g->resolvers[i];

                        for (size_t k = 0; k < r->n_ns; k++) {
                                const struct srv_dns_ns *ns =
                                        srv_state_dns_ns(m->srv_table, dns_ns_index(g, r, k));

                                if (!ns)
                                        continue;
                                if (!head)
                                        fprintf(p->out,
                                                "# HELP sluice_resolver_%s_total Name server "
                                                "answers or queries: %s (show resolvers).\n"
                                                "# TYPE sluice_resolver_%s_total counter\n",
                                                names[c], names[c], names[c]);
                                head = true;
                                fprintf(p->out, "sluice_resolver_%s_total{resolvers=\"", names[c]);
                                label_value(p->out, r->name);
                                fputs("\",nameserver=\"", p->out);
                                label_value(p->out, r->ns[k].name);
                                fprintf(p->out, "\"} %llu\n",
                                        (unsigned long long)srv_dns_counter(ns,
                                                                            (enum srv_dns_ctr)c));
                        }
                }
        }
}

/* Has @px served @path on a bind before @upto's? (one series per frontend and file) */
static bool cert_seen(const struct tls_set *set, const struct cfg_proxy *px, size_t upto,
                      const char *path)
{
        for (size_t b = 0; b < upto; b++) {
                const struct tls_bind *tb = tls_set_bind(set, &px->binds[b]);
                const char *seen;

                for (size_t i = 0; tb && tls_bind_cert(tb, i, &seen); i++)
                        if (strcmp(seen, path) == 0)
                                return true;
        }
        return false;
}

/* When each certificate the frontends serve expires: the alert every TLS operator wants */
static void cert_families(struct master *m, struct prom *p)
{
        bool head = false;

        for (size_t x = 0; m->tls && x < m->gen->n_proxies; x++) {
                const struct cfg_proxy *px = m->gen->proxies[x];

                if (!(px->cap & CFG_CAP_FE))
                        continue;
                for (size_t b = 0; b < px->n_binds; b++) {
                        const struct tls_bind *tb = tls_set_bind(m->tls, &px->binds[b]);
                        const char *path;
                        X509 *x509;

                        for (size_t i = 0; tb && (x509 = tls_bind_cert(tb, i, &path)); i++) {
                                struct tm tm;

                                if (cert_seen(m->tls, px, b, path) ||
                                    ASN1_TIME_to_tm(X509_get0_notAfter(x509), &tm) != 1)
                                        continue;
                                if (!head)
                                        fputs("# HELP sluice_tls_certificate_expiry_timestamp_"
                                              "seconds When a certificate a frontend serves "
                                              "expires (notAfter), seconds since the Epoch.\n"
                                              "# TYPE sluice_tls_certificate_expiry_timestamp_"
                                              "seconds gauge\n",
                                              p->out);
                                head = true;
                                fputs("sluice_tls_certificate_expiry_timestamp_seconds{proxy=\"",
                                      p->out);
                                label_value(p->out, px->name);
                                fputs("\",crt=\"", p->out);
                                label_value(p->out, path);
                                fprintf(p->out, "\"} %lld\n", (long long)timegm(&tm));
                        }
                }
        }
}

static unsigned parse_query(const char *q, bool *no_maint)
{
        static const struct {
                const char *name;
                unsigned bit;
        } scopes[] = {{"global", SCOPE_GLOBAL},     {"frontend", SCOPE_FRONTEND},
                      {"backend", SCOPE_BACKEND},   {"server", SCOPE_SERVER},
                      {"listener", SCOPE_LISTENER}, {"sticktable", SCOPE_STICKTABLE},
                      {"resolver", SCOPE_RESOLVER}, {"*", SCOPE_ALL}};
        unsigned mask = 0;
        bool any = false;

        *no_maint = false;
        while (q && *q) {
                const char *amp = strchr(q, '&');
                size_t len = amp ? (size_t)(amp - q) : strlen(q);

                if (len >= 6 && strncmp(q, "scope=", 6) == 0) {
                        any = true;
                        for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++)
                                if (len - 6 == strlen(scopes[i].name) &&
                                    strncmp(q + 6, scopes[i].name, len - 6) == 0)
                                        mask |= scopes[i].bit;
                } else if (len == 8 && strncmp(q, "no-maint", 8) == 0) {
                        *no_maint = true;
                }
                q = amp ? amp + 1 : NULL;
        }
        /* no scope: everything; "scope=" alone: nothing (HAProxy's) */
        return any ? mask : SCOPE_ALL;
}

int mprom_render(struct master *m, const char *query, FILE *out)
{
        struct mstat_filter flt = {.iid = -1, .types = -1, .sid = -1};
        struct prom p = {.out = out,
                         .prefix = m->gen->global.metrics_haproxy ? "haproxy" : "sluice"};
        const uint32_t *bounds = m->gen->global.n_stats_bounds ? m->gen->global.stats_bounds_ms
                                                               : stats_default_bounds;
        unsigned n_bounds = m->gen->global.n_stats_bounds ?: stats_n_default_bounds;
        struct mstat_objs objs;

        p.scopes = parse_query(query, &p.no_maint);
        if (mstat_collect(m, &flt, &objs) < 0)
                return -ENOMEM;
        if (p.scopes & SCOPE_GLOBAL) {
                process_families(m, &p, &objs);
                sluice_families(m, &p);
        }
        st_families(&p, &objs);
        if (p.scopes & SCOPE_FRONTEND) {
                histogram(&p, "frontend_http_request_duration_seconds",
                          "Time of whole HTTP requests, from the first byte of the request to "
                          "the last of the response (Ta).",
                          MSTAT_FE, ST_H_TOTAL, &objs, bounds, n_bounds);
                histogram(&p, "frontend_tls_handshake_duration_seconds",
                          "Time of TLS handshakes with clients completed, from the connection's "
                          "accept to the handshake's end.",
                          MSTAT_FE, ST_H_FE_TLS_HS, &objs, bounds, n_bounds);
                cert_families(m, &p);
        }
        if (p.scopes & SCOPE_BACKEND)
                backend_histograms(&p, MSTAT_BE, &objs, bounds, n_bounds);
        if ((p.scopes & SCOPE_SERVER) && m->gen->global.metrics_server_hist)
                backend_histograms(&p, MSTAT_SV, &objs, bounds, n_bounds);
        if (p.scopes & SCOPE_STICKTABLE) {
                sticktable_families(m, &p);
                peers_families(m, &p);
        }
        if (p.scopes & SCOPE_RESOLVER)
                resolver_families(m, &p);
        mstat_objs_free(&objs);
        return ferror(out) ? -ENOMEM : 0;
}
