/* The runtime API's commands (mcmd.h). Statistics come from mstat.c, servers' runtime state
 * from the shared server table of the current generation (srv_state.h), which every worker
 * reads at once, and stick tables from the master's mapping of them (shm/stktable_cli.h). */
#include "mcmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "clock.h"
#include "list.h"
#include "log.h"
#include "master-t.h"
#include "mdns.h"
#include "mfan.h"
#include "minfo.h"
#include "model.h"
#include "mrt.h"
#include "mstat.h"
#include "mstate.h"
#include "mstats.h"
#include "srv_state.h"
#include "stats.h"
#include "stktable.h"
#include "stktable_cli.h"

#define MCMD_WORDS_MAX 32
#define MCMD_PIECE     (1u << 20) /* bytes of a long answer written per piece */

struct mcmd_cont {
        /* "show stat" in pieces */
        struct mstat_filter flt;
        char *proxy; /* owned: @flt.proxy */
        enum mstat_format fmt;
        struct mstat_cursor cur;
        /* a command the workers answer (mfan.h): the answers are put together once all are
         * in; meanwhile the client waits, woken by @wake */
        struct mfan *fan; /* owned, or NULL */
        enum {
                FAN_SHOW_SESS,
                FAN_SHUTDOWN,
                FAN_SHOW_ERRORS,
                FAN_SHOW_PEERS,
        } fan_kind;
        char *err_proxy; /* owned: "show errors <proxy>", or NULL */
        int err_iid;     /* "show errors <iid>", or -1 */
        int err_dir;     /* 0 request, 1 response, -1 both */
        void (*wake)(void *arg);
        void *wake_arg;
};

struct mcmd_cont *mcmd_cont_free(struct mcmd_cont *c)
{
        if (c) {
                mfan_free(c->fan);
                free(c->err_proxy);
                free(c->proxy);
                free(c);
        }
        return NULL;
}

bool mcmd_waiting(const struct mcmd_cont *c)
{
        return c->fan && !mfan_done(c->fan);
}

void mcmd_cont_on_ready(struct mcmd_cont *c, void (*wake)(void *arg), void *arg)
{
        c->wake = wake;
        c->wake_arg = arg;
}

static void fan_done(void *arg)
{
        struct mcmd_cont *c = arg;

        if (c->wake)
                c->wake(c->wake_arg);
}

/* Ask the workers (@only: the one of that pid) @cmd; the answer comes in mcmd_continue(). */
static void fan_out(struct master *m, const char *cmd, pid_t only, int kind, FILE *out,
                    struct mcmd_cont **ret_cont)
{
        struct mcmd_cont *c = calloc(1, sizeof(*c));

        if (c)
                c->fan = mfan_start(m, cmd, only, false, fan_done, c);
        if (!c || !c->fan) {
                free(c);
                fputs("Out of memory.\n", out);
                return;
        }
        c->fan_kind = kind;
        *ret_cont = c;
}

/* "show errors": of each proxy's captures in every worker's answer, the newest, in the
 * order of the proxies, requests before responses; the events of every worker summed. */
static void errors_write(struct master *m, struct mcmd_cont *c, FILE *out)
{
        struct best {
                uint64_t at, count;
                const char *text; /* the block, up to the next "@" line */
                size_t len;
        } *best = calloc(m->gen->n_proxies * 2 + 1, sizeof(*best));
        uint64_t total = 0, now = sl_clock_wall_us() / 1000;
        char date[64];
        time_t t = (time_t)(now / 1000);
        struct tm tm;

        if (!best) {
                fputs("Out of memory.\n", out);
                return;
        }
        for (size_t i = 0; i < mfan_count(c->fan); i++) {
                const char *p = mfan_answer(c->fan, i)->text;

                while (p && *p) {
                        const char *nl = strchr(p, '\n'), *next;
                        unsigned long long at = 0, count = 0, ev = 0;
                        char name[256], dir[16];

                        if (!nl)
                                break;
                        if (sscanf(p, "@total %llu", &ev) == 1) {
                                total += ev;
                                p = nl + 1;
                                continue;
                        }
                        if (sscanf(p, "@ %llu %255s %15s %llu", &at, name, dir, &count) != 4) {
                                p = nl + 1;
                                continue;
                        }
                        for (next = nl + 1; *next && *next != '@';) {
                                const char *e = strchr(next, '\n');

                                next = e ? e + 1 : next + strlen(next);
                        }
                        for (size_t k = 0; k < m->gen->n_proxies; k++) {
                                struct best *b = &best[k * 2 + (strcmp(dir, "response") == 0)];

                                if (strcmp(m->gen->proxies[k]->name, name) != 0)
                                        continue;
                                b->count += count;
                                if (at >= b->at) {
                                        b->at = at;
                                        b->text = nl + 1;
                                        b->len = (size_t)(next - nl - 1);
                                }
                        }
                        p = next;
                }
        }
        localtime_r(&t, &tm);
        strftime(date, sizeof(date), "%d/%b/%Y:%H:%M:%S", &tm);
        fprintf(out, "Total events captured on [%s.%03u] : %llu\n\n", date, (unsigned)(now % 1000),
                (unsigned long long)total);
        for (size_t k = 0; k < m->gen->n_proxies * 2; k++) {
                const struct cfg_proxy *px = m->gen->proxies[k / 2];

                if (!best[k].text || (c->err_dir >= 0 && (size_t)c->err_dir != k % 2) ||
                    (c->err_iid >= 0 && px->id != (unsigned)c->err_iid) ||
                    (c->err_proxy && strcmp(c->err_proxy, px->name) != 0))
                        continue;
                fwrite(best[k].text, 1, best[k].len, out);
        }
        free(best);
}

/* The workers' answers, together: each session line gets its generation */
static void fan_write(struct master *m, struct mcmd_cont *c, FILE *out)
{
        if (c->fan_kind == FAN_SHOW_ERRORS) {
                errors_write(m, c, out);
                return;
        }
        for (size_t i = 0; i < mfan_count(c->fan); i++) {
                const struct mfan_answer *a = mfan_answer(c->fan, i);
                const char *p = a->text;

                if (c->fan_kind == FAN_SHOW_PEERS) {
                        /* the owner of the current generation's links answers; the others
                         * have none */
                        if (a->current)
                                fputs(p, out);
                        continue;
                }
                if (c->fan_kind == FAN_SHUTDOWN) {
                        /* the same error from each worker is said once */
                        if (a->len && (i == 0 || strcmp(mfan_answer(c->fan, 0)->text, p) != 0))
                                fputs(p, out);
                        continue;
                }
                while (*p) {
                        const char *nl = strchr(p, '\n');
                        size_t len = nl ? (size_t)(nl - p) : strlen(p);

                        fwrite(p, 1, len, out);
                        if (strncmp(p, "0x", 2) == 0)
                                fprintf(out, " gen=%u%s", a->gen, a->current ? "" : " draining");
                        fputc('\n', out);
                        p += len + (nl ? 1 : 0);
                }
                if (!a->complete)
                        fprintf(out, "# worker %d did not answer in time\n", (int)a->pid);
        }
}

static void help(FILE *out, int level)
{
        fputs("The following commands are valid at this level:\n"
              "  help           : this message\n"
              "  prompt         : toggle interactive mode with prompt\n"
              "  quit           : disconnect\n"
              "  show info [json|typed]          : the node's process information\n"
              "  show stat [json|typed] [up|no-maint] [{<iid>|<proxy>} <type> <sid>]\n"
              "                                  : the node's statistics, every worker summed\n"
              "  show version   : the version of the running sluice\n"
              "  show backend   : list the backends\n"
              "  show servers state [<backend>]  : the servers' runtime state\n"
              "  show servers conn [<backend>]   : the servers' connections\n"
              "  get weight <bk>/<srv>           : a server's current and initial weights\n"
              "  show table [<table> [data.<type> <op> <value>]...] : stick tables\n"
              "  show peers [json] [<section>] : the peer links and their tables\n"
              "  show resolvers [<id>]           : the name servers' counters\n",
              out);
        if (level >= CFG_STATS_LEVEL_OPERATOR)
                fputs("  clear table <table> [key <key> | data.<type> <op> <value>...]\n"
                      "  set table <table> key <key> data.<type> <value>\n",
                      out);
        if (level >= CFG_STATS_LEVEL_OPERATOR)
                fputs("  show sess [all|<id>]            : client connections of every worker\n"
                      "  show errors [<px>] [request|response] : the last invalid messages\n",
                      out);
        if (level >= CFG_STATS_LEVEL_ADMIN)
                fputs("  shutdown session <id>           : close one\n"
                      "  shutdown sessions server <bk>/<srv> : close those using a server\n",
                      out);
        if (level >= CFG_STATS_LEVEL_ADMIN)
                fputs("  set server <bk>/<srv> state ready|drain|maint\n"
                      "  set server <bk>/<srv> health up|stopping|down\n"
                      "  set server <bk>/<srv> weight <w>[%]\n"
                      "  set server <bk>/<srv> addr <ip> [port <port>]\n"
                      "  set server <bk>/<srv> fqdn <name> : the host name DNS resolves\n"
                      "  set weight <bk>/<srv> <w>[%]    : the same\n"
                      "  enable server <bk>/<srv>        : leave maintenance\n"
                      "  disable server <bk>/<srv>       : enter maintenance\n"
                      "  enable|disable frontend <fe>    : accept on its sockets, or not\n"
                      "  set maxconn frontend <fe> <n>   : its connection limit\n"
                      "  set maxconn server <bk>/<srv> <n> : its connection limit\n"
                      "  set maxconn global <n>          : the node's connection limit\n"
                      "  set rate-limit connections|ssl-sessions global <n> : per second\n",
                      out);
}

/* ---- servers ---- */

struct srv_ref {
        const struct cfg_proxy *px;
        size_t idx;
        struct srv_state_rec *rec;
};

/* "<backend>/<server>" of the current generation into @ret; on failure the error, as
 * HAProxy's cli_find_server() words it, is written to @out. */
static bool find_server(struct master *m, const char *arg, FILE *out, struct srv_ref *ret)
{
        const char *slash = arg ? strchr(arg, '/') : NULL;
        char be[256];
        uint32_t base = 0;

        if (!slash || (size_t)(slash - arg) >= sizeof(be)) {
                fputs("Require 'backend/server'.\n", out);
                return false;
        }
        memcpy(be, arg, (size_t)(slash - arg));
        be[slash - arg] = '\0';
        for (size_t i = 0; i < m->gen->n_proxies; i++) {
                const struct cfg_proxy *px = m->gen->proxies[i];

                if (!(px->cap & CFG_CAP_BE) || strcmp(px->name, be) != 0) {
                        base += (uint32_t)px->n_servers;
                        continue;
                }
                for (size_t k = 0; k < px->n_servers; k++) {
                        if (strcmp(px->servers[k].name, slash + 1) != 0)
                                continue;
                        if (!m->srv_table || base + k >= m->n_servers)
                                break;
                        *ret = (struct srv_ref){px, k,
                                                srv_state_rec(m->srv_table, base + (uint32_t)k)};
                        return true;
                }
                fputs("No such server.\n", out);
                return false;
        }
        fputs("No such backend.\n", out);
        return false;
}

static void log_change(const struct mcmd_peer *peer, const char *what)
{
        if (peer->who)
                sl_log(LOG_NOTICE, "stats page: %s (%s)", what, peer->who);
        else if (peer->uid >= 0)
                sl_log(LOG_NOTICE, "stats socket: %s (uid %ld, pid %d)", what, peer->uid,
                       peer->pid);
        else
                sl_log(LOG_NOTICE, "stats socket: %s (TCP client)", what);
}

/* HAProxy's static algorithms take no weight but 0% and 100% of the configured one. */
static bool static_lb(const struct cfg_proxy *px)
{
        enum cfg_balance_algo a = px->balance.algo;
        bool hash = a == CFG_LB_SOURCE || a == CFG_LB_URI || a == CFG_LB_URL_PARAM ||
                    a == CFG_LB_HDR || a == CFG_LB_RDP_COOKIE || a == CFG_LB_HASH;

        return a == CFG_LB_STATIC_RR || (hash && px->hash_type.method == CFG_HASH_MAP_BASED);
}

/* "set weight" and "set server ... weight": an absolute weight or a percentage of the
 * configured one (HAProxy's server_parse_weight_change_request()). */
static void set_weight(struct srv_ref *s, const char *arg, const struct mcmd_peer *peer, FILE *out)
{
        unsigned init = s->px->servers[s->idx].opts.weight;
        char *end, what[512];
        long w;

        if (!arg || !*arg) {
                fputs("Require <weight> or <weight%>.\n", out);
                return;
        }
        w = strtol(arg, &end, 10);
        if (end == arg || (*end && strcmp(end, "%") != 0)) {
                fputs("Require <weight> or <weight%>.\n", out);
                return;
        }
        if (*end == '%') {
                if (w < 0) {
                        fputs("Relative weight must be positive.\n", out);
                        return;
                }
                w = w * (long)init / 100;
                if (w > (long)SRV_STATE_WEIGHT_MAX)
                        w = SRV_STATE_WEIGHT_MAX;
        } else if (w < 0 || w > (long)SRV_STATE_WEIGHT_MAX) {
                fputs("Absolute weight can only be between 0 and 256 inclusive.\n", out);
                return;
        }
        if (static_lb(s->px) && w != 0 && (unsigned)w != init) {
                fputs("Backend is using a static LB algorithm and only accepts weights '0%' and "
                      "'100%'.\n",
                      out);
                return;
        }
        srv_state_set_weight(s->rec, (unsigned)w);
        snprintf(what, sizeof(what), "server %s/%s weight %ld", s->px->name,
                 s->px->servers[s->idx].name, w);
        log_change(peer, what);
}

static void set_state(struct srv_ref *s, const char *state, const struct mcmd_peer *peer, FILE *out)
{
        char what[512];

        if (!state) {
                fputs("'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n", out);
                return;
        }
        if (strcmp(state, "ready") == 0)
                srv_state_set_admin(s->rec, 0, SRV_ADMIN_MAINT | SRV_ADMIN_DRAIN);
        else if (strcmp(state, "drain") == 0)
                srv_state_set_admin(s->rec, SRV_ADMIN_DRAIN, SRV_ADMIN_MAINT);
        else if (strcmp(state, "maint") == 0)
                srv_state_set_admin(s->rec, SRV_ADMIN_MAINT, 0);
        else {
                fputs("'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n", out);
                return;
        }
        snprintf(what, sizeof(what), "server %s/%s state %s", s->px->name,
                 s->px->servers[s->idx].name, state);
        log_change(peer, what);
}

static void set_health(struct srv_ref *s, const char *h, const struct mcmd_peer *peer, FILE *out)
{
        char what[512];

        const struct cfg_server_check *k = &s->px->servers[s->idx].opts.check;

        /* HAProxy's: the health counter too, from which the checks go on */
        if (h && strcmp(h, "up") == 0) {
                srv_state_set_health(s->rec, k->rise + k->fall - 1);
                srv_state_set_op(s->rec, SRV_OP_UP);
        } else if (h && strcmp(h, "stopping") == 0) {
                srv_state_set_health(s->rec, k->rise + k->fall - 1);
                srv_state_set_op(s->rec, SRV_OP_NOLB);
        } else if (h && strcmp(h, "down") == 0) {
                srv_state_set_health(s->rec, 0);
                srv_state_set_op(s->rec, SRV_OP_DOWN);
        } else {
                fputs("'set server <srv> health' expects 'up', 'stopping', or 'down'.\n", out);
                return;
        }
        srv_state_set_last_change(s->rec, sl_clock_wall_us() / 1000);
        snprintf(what, sizeof(what), "server %s/%s health %s", s->px->name,
                 s->px->servers[s->idx].name, h);
        log_change(peer, what);
}

static void set_addr(struct srv_ref *s, char **w, int n, const struct mcmd_peer *peer, FILE *out);
static void set_fqdn(struct master *m, struct srv_ref *s, const char *fqdn,
                     const struct mcmd_peer *peer, FILE *out);

static void cmd_set_server(struct master *m, char **w, int n, const struct mcmd_peer *peer,
                           FILE *out)
{
        struct srv_ref s;

        if (!find_server(m, n > 2 ? w[2] : NULL, out, &s))
                return;
        if (n > 3 && strcmp(w[3], "state") == 0)
                set_state(&s, n > 4 ? w[4] : NULL, peer, out);
        else if (n > 3 && strcmp(w[3], "weight") == 0)
                set_weight(&s, n > 4 ? w[4] : NULL, peer, out);
        else if (n > 3 && strcmp(w[3], "health") == 0)
                set_health(&s, n > 4 ? w[4] : NULL, peer, out);
        else if (n > 3 && strcmp(w[3], "addr") == 0)
                set_addr(&s, w, n, peer, out);
        else if (n > 3 && strcmp(w[3], "fqdn") == 0)
                set_fqdn(m, &s, n > 4 ? w[4] : NULL, peer, out);
        else
                fputs("'set server <srv>' only supports 'agent', 'health', 'state', 'weight', "
                      "'addr', 'fqdn', 'check-addr', 'check-port', 'ssl' and 'agent-addr'.\n",
                      out);
}

bool mcmd_server_action(struct master *m, const struct cfg_proxy *px, const char *srv,
                        const char *action, const struct mcmd_peer *peer)
{
        char arg[512], *errbuf = NULL;
        size_t errlen = 0;
        struct srv_ref s;
        FILE *err;
        bool ok;

        if (snprintf(arg, sizeof(arg), "%s/%s", px->name, srv) >= (int)sizeof(arg))
                return false;
        err = open_memstream(&errbuf, &errlen);
        if (!err)
                return false;
        ok = find_server(m, arg, err, &s);
        if (ok && strcmp(action, "shutdown") == 0) {
                /* every worker of every generation closes the server's sessions */
                char cmd[600], what[600];

                snprintf(cmd, sizeof(cmd), "shutdown sessions server %s", arg);
                snprintf(what, sizeof(what), "shutdown sessions server %s", arg);
                mrt_send(m, NULL, cmd, false);
                log_change(peer, what);
        } else if (ok && strncmp(action, "health-", 7) == 0)
                set_health(&s, action + 7, peer, err);
        else if (ok)
                set_state(&s, action, peer, err);
        fclose(err);
        ok = ok && errlen == 0;
        free(errbuf);
        return ok;
}

/* ---- sessions (answered by the workers) ---- */

/* The worker a node-wide session id names (worker/wsess.h: its pid, then the session's
 * number); -1 when it is no such id. */
static pid_t session_pid(const char *id)
{
        char *end;
        unsigned long long v;

        if (strncmp(id, "0x", 2) != 0 || strlen(id + 2) <= 8 || strlen(id + 2) > 16)
                return -1;
        v = strtoull(id + 2, &end, 16);
        return *end || (v >> 32) == 0 ? -1 : (pid_t)(v >> 32);
}

static bool live_worker(struct master *m, pid_t pid)
{
        struct sl_list *pos;

        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (mw->pid == pid && !mw->gone && mw->cli_fd >= 0)
                        return true;
        }
        return false;
}

/* "show errors [<iid>|<proxy>] [request|response]" */
static void cmd_show_errors(struct master *m, char **w, int n, int level, FILE *out,
                            struct mcmd_cont **ret_cont)
{
        int dir = -1, iid = -1;
        const char *proxy = NULL;

        if (level < CFG_STATS_LEVEL_OPERATOR) {
                fputs("Permission denied\n", out);
                return;
        }
        for (int i = 2; i < n; i++) {
                char *end;
                long v;

                if (strcmp(w[i], "request") == 0) {
                        dir = 0;
                        continue;
                }
                if (strcmp(w[i], "response") == 0) {
                        dir = 1;
                        continue;
                }
                v = strtol(w[i], &end, 10);
                if (*end == '\0' && end != w[i] && v != -1) {
                        iid = (int)v;
                } else if (strcmp(w[i], "-1") != 0) {
                        if (!cfg_gen_find_proxy(m->gen, w[i], CFG_CAP_FE | CFG_CAP_BE)) {
                                fputs("No such proxy.\n", out);
                                return;
                        }
                        proxy = w[i];
                }
        }
        fan_out(m, "show errors", 0, FAN_SHOW_ERRORS, out, ret_cont);
        if (*ret_cont) {
                (*ret_cont)->err_dir = dir;
                (*ret_cont)->err_iid = iid;
                (*ret_cont)->err_proxy = proxy ? strdup(proxy) : NULL;
        }
}

/* "shutdown session <id>" */
static void cmd_shutdown_session(struct master *m, char **w, int n, const struct mcmd_peer *peer,
                                 FILE *out, struct mcmd_cont **ret_cont)
{
        char cmd[128], what[160];
        pid_t pid = n == 3 ? session_pid(w[2]) : -1;

        if (n != 3) {
                fputs("Session pointer expected (use 'show sess').\n", out);
                return;
        }
        if (pid <= 0 || !live_worker(m, pid)) {
                fputs("No such session (use 'show sess').\n", out);
                return;
        }
        snprintf(cmd, sizeof(cmd), "shutdown session %s", w[2]);
        snprintf(what, sizeof(what), "shutdown session %s", w[2]);
        log_change(peer, what);
        fan_out(m, cmd, pid, FAN_SHUTDOWN, out, ret_cont);
}

/* "shutdown sessions server <backend>/<server>": on every worker, old generations too */
static void cmd_shutdown_sessions(struct master *m, char **w, int n, const struct mcmd_peer *peer,
                                  FILE *out, struct mcmd_cont **ret_cont)
{
        char cmd[600], what[600];
        struct srv_ref s;

        if (n != 4 || strcmp(w[2], "server") != 0) {
                fputs("'shutdown sessions' only supports 'server'.\n", out);
                return;
        }
        if (!find_server(m, w[3], out, &s))
                return;
        snprintf(cmd, sizeof(cmd), "shutdown sessions server %s/%s", s.px->name,
                 s.px->servers[s.idx].name);
        snprintf(what, sizeof(what), "shutdown sessions server %s/%s", s.px->name,
                 s.px->servers[s.idx].name);
        log_change(peer, what);
        fan_out(m, cmd, 0, FAN_SHUTDOWN, out, ret_cont);
}

/* ---- frontends and limits (mrt.h) ---- */

static const struct cfg_proxy *find_frontend(struct master *m, const char *name, FILE *out)
{
        const struct cfg_proxy *fe;

        if (!name) {
                fputs("A frontend name is expected.\n", out);
                return NULL;
        }
        fe = cfg_gen_find_proxy(m->gen, name, CFG_CAP_FE);
        if (!fe)
                fputs("No such frontend.\n", out);
        return fe;
}

/* "enable|disable frontend <fe>" (HAProxy's answers) */
static void cmd_frontend(struct master *m, char **w, int n, const struct mcmd_peer *peer, FILE *out)
{
        const struct cfg_proxy *fe = find_frontend(m, n > 2 ? w[2] : NULL, out);
        bool on = w[0][0] == 'e';
        char what[300];

        if (!fe)
                return;
        if (!mrt_frontend_enable(m, fe, on)) {
                fputs(on ? "All sockets are already enabled.\n"
                         : "All sockets are already disabled.\n",
                      out);
                return;
        }
        snprintf(what, sizeof(what), "%s frontend %s", w[0], fe->name);
        log_change(peer, what);
}

/* "set maxconn frontend <fe> <n>", "set maxconn global <n>" */
static void cmd_set_maxconn(struct master *m, char **w, int n, const struct mcmd_peer *peer,
                            FILE *out)
{
        bool global = n > 2 && strcmp(w[2], "global") == 0;
        bool server = n > 2 && strcmp(w[2], "server") == 0;
        const char *arg = global ? (n > 3 ? w[3] : NULL) : (n > 4 ? w[4] : NULL);
        const struct cfg_proxy *fe = NULL;
        struct srv_ref sr;
        unsigned long v;
        char *end, what[600];

        if (n < 3 || (!global && !server && strcmp(w[2], "frontend") != 0)) {
                fputs("'set maxconn' only supports 'frontend', 'server', and 'global'.\n", out);
                return;
        }
        if (server && !find_server(m, n > 3 ? w[3] : NULL, out, &sr))
                return;
        if (!global && !server) {
                fe = find_frontend(m, n > 3 ? w[3] : NULL, out);
                if (!fe)
                        return;
        }
        if (!arg) {
                fputs("Integer value expected.\n", out);
                return;
        }
        v = strtoul(arg, &end, 10);
        if (*end || end == arg || arg[0] == '-' || v > UINT32_MAX) {
                fputs("Integer value expected.\n", out);
                return;
        }
        if (server) {
                if (v >= SRV_STATE_MAXCONN_SET) {
                        fputs("Integer value expected.\n", out);
                        return;
                }
                srv_state_set_maxconn(sr.rec, (uint32_t)v);
                snprintf(what, sizeof(what), "set maxconn server %s/%s %lu", sr.px->name,
                         sr.px->servers[sr.idx].name, v);
        } else if (global) {
                unsigned hard = mstats_maxconn(m);

                if (hard && v > hard) {
                        fprintf(out, "Value out of range. Must be <= %u.\n", hard);
                        return;
                }
                if (!v)
                        v = hard; /* HAProxy: 0 is the hard limit */
                mrt_global_maxconn(m, (unsigned)v);
                snprintf(what, sizeof(what), "set maxconn global %lu", v);
        } else {
                mrt_frontend_maxconn(m, fe, (unsigned)v);
                snprintf(what, sizeof(what), "set maxconn frontend %s %lu", fe->name, v);
        }
        log_change(peer, what);
}

/* A server's address now (the runtime one, else the configuration's) into @ip ("-": none);
 * returns its port. */
static unsigned server_addr(const struct srv_state_rec *rec, const struct cfg_server *sv, char *ip,
                            size_t size)
{
        struct sockaddr_storage ss = sv->addr.ss;
        unsigned port = sv->addr.port_low;
        uint16_t ov_port;
        uint32_t seq;

        if (rec && srv_state_addr(rec, &ss, &ov_port, &seq) && ov_port)
                port = ov_port;
        if (ss.ss_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)&ss)->sin_addr, ip,
                          (socklen_t)size);
        else if (ss.ss_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&ss)->sin6_addr, ip,
                          (socklen_t)size);
        else
                snprintf(ip, size, "-");
        return port;
}

/* "set server <b>/<s> fqdn <name>" (HAProxy's answers) */
static void set_fqdn(struct master *m, struct srv_ref *s, const char *fqdn,
                     const struct mcmd_peer *peer, FILE *out)
{
        const struct cfg_server *sv = &s->px->servers[s->idx];
        char what[600];

        if (!mdns_set_fqdn(m, s->px, sv, s->rec, fqdn, out))
                return;
        snprintf(what, sizeof(what), "server %s/%s fqdn %s", s->px->name, sv->name, fqdn);
        log_change(peer, what);
}

/* "set server <b>/<s> addr <ip> [port <port>]" (HAProxy's answers) */
static void set_addr(struct srv_ref *s, char **w, int n, const struct mcmd_peer *peer, FILE *out)
{
        const struct cfg_server *sv = &s->px->servers[s->idx];
        struct sockaddr_storage ss = {0};
        char old_ip[64], what[512];
        unsigned old_port = server_addr(s->rec, sv, old_ip, sizeof(old_ip));
        unsigned long port = 0;

        if (n < 5 || (n != 5 && (n != 7 || strcmp(w[5], "port") != 0))) {
                fputs("set server <b>/<s> addr requires an address and optional port.\n", out);
                return;
        }
        if (inet_pton(AF_INET, w[4], &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
                ss.ss_family = AF_INET;
        } else if (inet_pton(AF_INET6, w[4], &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
                ss.ss_family = AF_INET6;
        } else {
                fprintf(out, "Invalid addr '%s'.\n", w[4]);
                return;
        }
        if (n == 7) {
                char *end;

                port = strtoul(w[6], &end, 10);
                if (*end || end == w[6] || port == 0 || port > 65535) {
                        fprintf(out, "Invalid port '%s'.\n", w[6]);
                        return;
                }
        }
        if (sv->addr.ss.ss_family == AF_UNIX) {
                fputs("Cannot change the address of a server on a Unix socket.\n", out);
                return;
        }
        /* without a port, the configuration's stays (a mapped port keeps mapping); the
         * server has an address again (HAProxy clears its resolution's maintenance) */
        srv_state_set_addr(s->rec, &ss, (uint16_t)port);
        srv_state_set_admin(s->rec, 0, SRV_ADMIN_RMAINT);
        fprintf(out, "IP changed from '%s' to '%s'", old_ip, w[4]);
        if (port && port != old_port)
                fprintf(out, ", port changed from '%u' to '%lu'", old_port, port);
        fputs(" by 'stats socket command'\n", out);
        snprintf(what, sizeof(what), "server %s/%s addr %s port %lu", s->px->name, sv->name, w[4],
                 port ? port : old_port);
        log_change(peer, what);
}

/* "set rate-limit connections|ssl-sessions global <n>" */
static void cmd_set_rate_limit(struct master *m, char **w, int n, const struct mcmd_peer *peer,
                               FILE *out)
{
        bool ssl = n > 2 && strcmp(w[2], "ssl-sessions") == 0;
        unsigned long v;
        char *end, what[128];

        if (n < 3 || (!ssl && strcmp(w[2], "connections") != 0)) {
                fputs("'set rate-limit' only supports 'connections' and 'ssl-sessions'.\n", out);
                return;
        }
        if (n < 4 || strcmp(w[3], "global") != 0) {
                fputs("'set rate-limit connections' only supports 'global'.\n", out);
                return;
        }
        if (n < 5) {
                fputs("Integer value expected.\n", out);
                return;
        }
        v = strtoul(w[4], &end, 10);
        if (*end || end == w[4] || w[4][0] == '-' || v > 100000000) {
                fputs("Integer value expected.\n", out);
                return;
        }
        mrt_rate_limit(m, ssl, (unsigned)v);
        snprintf(what, sizeof(what), "set rate-limit %s global %lu", w[2], v);
        log_change(peer, what);
}

/* Each server of the current generation (of backend @backend only, when not NULL) with its
 * shared record: @fn(@arg, backend, server, record). */
static void each_server(struct master *m, const char *backend,
                        void (*fn)(void *arg, const struct cfg_proxy *px,
                                   const struct cfg_server *sv, struct srv_state_rec *rec),
                        void *arg)
{
        uint32_t base = 0;

        for (size_t i = 0; i < m->gen->n_proxies; i++) {
                const struct cfg_proxy *px = m->gen->proxies[i];

                for (size_t k = 0; k < px->n_servers && (px->cap & CFG_CAP_BE); k++) {
                        if (backend && strcmp(px->name, backend) != 0)
                                continue;
                        if (m->srv_table && base + k < m->n_servers)
                                fn(arg, px, &px->servers[k],
                                   srv_state_rec(m->srv_table, base + (uint32_t)k));
                }
                base += (uint32_t)px->n_servers;
        }
}

/* HAProxy's "show servers conn [<backend>]": each server's connections in use (the node's,
 * and the most at once), and the idle ones each worker of the current generation keeps (its
 * "threads"), the server's pool-purge-delay and pool-max-conn. Each worker estimates its
 * own need at each purge (need_est is their sum), and none keeps an unsafe idle connection
 * (safe_nb is idle_cur). */
struct conn_ctx {
        struct master *m;
        FILE *out;
        const struct mworker *ws[256];
        unsigned n_ws;
        struct stats_sum *sums;
        uint32_t n_sums;
};

static void conn_line(void *arg, const struct cfg_proxy *px, const struct cfg_server *sv,
                      struct srv_state_rec *rec)
{
        struct conn_ctx *c = arg;
        uint32_t local = px->st_srv + (uint32_t)(sv - px->servers);
        uint32_t gid = mstats_gid(c->m, c->m->gen, local);
        uint64_t used_max = c->sums && gid < c->n_sums ? c->sums[gid].mx[ST_M_CUR] : 0;
        int64_t per[256], idle = 0, need = 0;
        char ip[64];
        unsigned port = server_addr(rec, sv, ip, sizeof(ip));

        for (unsigned t = 0; t < c->n_ws; t++) {
                per[t] = mstats_worker_gauge(c->ws[t], local, ST_G_IDLE_CUR);
                if (per[t] < 0)
                        per[t] = 0;
                idle += per[t];
                need += SL_MAX(mstats_worker_gauge(c->ws[t], local, ST_G_NEED_EST), 0);
        }
        /* a connection in use holds a slot of the server; an idle one none */
        fprintf(c->out, "%s/%s %u/%u %s %u - %u %u %llu %lld 0 %lld %d %lld", px->name, sv->name,
                px->id, sv->id, ip, port, (unsigned)cfg_server_pool_purge_ms(&sv->opts),
                srv_state_cur_conns(rec), (unsigned long long)used_max, (long long)need,
                (long long)idle, (int)cfg_server_pool_max(&sv->opts), (long long)idle);
        for (unsigned t = 0; t < c->n_ws; t++)
                fprintf(c->out, " %lld", (long long)per[t]);
        fputc('\n', c->out);
}

static void cmd_show_servers_conn(struct master *m, const char *backend, FILE *out)
{
        struct conn_ctx c = {.m = m, .out = out};
        struct sl_list *pos;

        if (backend && !cfg_gen_find_proxy(m->gen, backend, CFG_CAP_BE)) {
                fputs("Can't find backend.\n", out);
                return;
        }
        c.sums = mstats_sum(m, sl_clock_ms(), &c.n_sums);
        sl_list_for_each(pos, &m->workers) {
                const struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (!mw->gone && mw->gen == m->gen_no && c.n_ws < SL_ARRAY_SIZE(c.ws))
                        c.ws[c.n_ws++] = mw;
        }
        fprintf(out,
                "# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est "
                "unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[%u]\n",
                c.n_ws);
        each_server(m, backend, conn_line, &c);
        free(c.sums);
        fputc('\n', out);
}

/* HAProxy's "show servers state": version 1 of the server-state file. */
struct state_ctx {
        struct master *m;
        FILE *out;
};

static void state_line(void *arg, const struct cfg_proxy *px, const struct cfg_server *sv,
                       struct srv_state_rec *rec)
{
        struct state_ctx *c = arg;
        uint32_t admin = srv_state_admin(rec);
        char ip[64], fqdn[SRV_DNS_NAME_MAX];
        unsigned port = server_addr(rec, sv, ip, sizeof(ip));

        bool checked = srv_state_chk_flags(rec) & SRV_CHK_F_CHECKED;
        struct srv_chk_result res = {.status = SRV_CHK_UNKNOWN};
        uint64_t now = sl_clock_wall_us() / 1000, last = srv_state_last_change(rec);
        unsigned result = 0, chk_state = 0;

        if (checked && srv_state_chk_read(rec, &res)) {
                /* CHK_RES_FAILED 2, PASSED 3, CONDPASS 4 */
                result = res.status == SRV_CHK_L7OKC ? 4
                         : res.status == SRV_CHK_L4OK || res.status == SRV_CHK_L6OK ||
                                         res.status == SRV_CHK_L7OK
                                 ? 3
                         : res.status > SRV_CHK_INI ? 2
                                                    : 0;
                /* CHK_ST_CONFIGURED | CHK_ST_ENABLED, and CHK_ST_PAUSED in maintenance */
                chk_state = 0x6 | ((admin & SRV_ADMIN_ANY_MAINT) ? 0x8 : 0);
        }
        /* HAProxy's SRV_ST_* (0 stopped, 2 running, 3 stopping) and SRV_ADMF_* (0x01 forced
         * maintenance, 0x08 forced drain) */
        /* the host name it resolves now (HAProxy's hostname), and its SRV label */
        mdns_server_fqdn(rec, sv, fqdn);
        fprintf(c->out,
                "%u %s %u %s %s %d %u %u %u %llu %u %u %u %u 0 %d %d %s %u %s %d 0 "
                "- - 0\n",
                px->id, px->name, sv->id, sv->name, ip,
                /* HAProxy stops a server in maintenance */
                admin & SRV_ADMIN_ANY_MAINT        ? 0
                : srv_state_op(rec) == SRV_OP_UP   ? 2
                : srv_state_op(rec) == SRV_OP_NOLB ? 3
                                                   : 0,
                ((admin & SRV_ADMIN_MAINT) ? 0x01u : 0) | ((admin & SRV_ADMIN_IMAINT) ? 0x02u : 0) |
                        ((admin & SRV_ADMIN_DRAIN) ? 0x08u : 0) |
                        ((admin & SRV_ADMIN_IDRAIN) ? 0x10u : 0) |
                        ((admin & SRV_ADMIN_RMAINT) ? 0x20u : 0) |
                        ((admin & SRV_ADMIN_HMAINT) ? 0x40u : 0),
                srv_state_weight(rec), sv->opts.weight,
                (unsigned long long)(last && last <= now
                                             ? (now - last) / 1000
                                             : (sl_clock_ms() - c->m->started_ms) / 1000),
                checked ? srv_chk_status_haproxy(res.status) : 0u, result,
                checked ? srv_state_health(rec) : 0u, chk_state, px->id_set ? 1 : 0,
                sv->id_set ? 1 : 0, fqdn[0] ? fqdn : "-", port, sv->srv_rec ? sv->addr.name : "-",
                sv->opts.tls.ssl ? 1 : 0);
}

static void cmd_show_servers_state(struct master *m, const char *backend, FILE *out)
{
        struct state_ctx c = {.m = m, .out = out};

        if (backend && !cfg_gen_find_proxy(m->gen, backend, CFG_CAP_BE)) {
                fputs("Can't find backend.\n", out);
                return;
        }
        fputs("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state "
              "srv_uweight srv_iweight srv_time_since_last_change srv_check_status "
              "srv_check_result srv_check_health srv_check_state srv_agent_state "
              "bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl "
              "srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n",
              out);
        each_server(m, backend, state_line, &c);
        fputc('\n', out);
}

/* ---- statistics ---- */

/* "show peers json [<section>]": each section, its peers and, per table, the link's
 * counters, from the positions the owner of the links keeps in the shared tables (so the
 * master answers without asking it). */
static void peers_json(struct master *m, const char *section, FILE *out)
{
        json_t *arr = json_array();

        for (size_t i = 0; arr && i < m->gen->n_peers; i++) {
                const struct cfg_peers *ps = m->gen->peers[i];
                const struct cfg_peer *local = cfg_peers_local(ps);
                json_t *sect, *peers = json_array();

                if (section && strcmp(section, ps->name) != 0)
                        continue;
                sect = json_pack("{s:s, s:s?, s:b, s:o}", "name", ps->name, "local",
                                 local ? local->srv.name : NULL, "disabled", ps->disabled, "peers",
                                 peers);
                if (!sect || json_array_append_new(arr, sect) < 0)
                        break;
                for (size_t j = 0; j < ps->n_peers; j++) {
                        const struct cfg_peer *peer = &ps->peers[j];
                        json_t *tables = json_array(), *pj;
                        struct stkt_pos_stats st = {0};

                        if (peer->local)
                                continue;
                        for (size_t k = 0; k < ps->n_tables; k++) {
                                unsigned id;
                                struct stkt *t = mstate_stick_table(m, ps->tables[k].px, &id);
                                uint64_t head;

                                if (!t)
                                        continue;
                                stkt_pos_stats(
                                        t, stkt_pos_find(t, stkt_pos_id(ps->name, peer->srv.name)),
                                        &st);
                                head = stkt_upd_head(t);
                                (void)json_array_append_new(
                                        tables,
                                        json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "name",
                                                  ps->tables[k].px->name, "updates_sent",
                                                  (json_int_t)st.tx, "updates_received",
                                                  (json_int_t)st.rx, "last_acked",
                                                  (json_int_t)st.acked, "update", (json_int_t)head,
                                                  "lag",
                                                  (json_int_t)(head - SL_MIN(st.acked, head))));
                        }
                        pj = json_pack("{s:s, s:b, s:I, s:o}", "name", peer->srv.name, "up", st.up,
                                       "connections", (json_int_t)st.conns, "tables", tables);
                        (void)json_array_append_new(peers, pj);
                }
        }
        if (!arr || json_dumpf(arr, out, JSON_COMPACT) < 0)
                fputs("Out of memory\n", out);
        else
                fputc('\n', out);
        json_decref(arr);
}

/* "show stat [json|typed] [desc] [up] [no-maint] [{<iid>|<proxy>} <type> <sid>]" */
static void cmd_show_stat(struct master *m, char **w, int n, int level, FILE *out,
                          struct mcmd_cont **ret_cont)
{
        struct mcmd_cont *c = calloc(1, sizeof(*c));
        const char *pos[3];
        int n_pos = 0;

        if (!c) {
                fputs("Out of memory.\n", out);
                return;
        }
        c->flt = (struct mstat_filter){.iid = -1, .types = -1, .sid = -1};
        c->flt.legends = level >= CFG_STATS_LEVEL_OPERATOR;
        c->fmt = MSTAT_CSV;
        for (int i = 2; i < n; i++) {
                if (strcmp(w[i], "json") == 0)
                        c->fmt = MSTAT_JSON;
                else if (strcmp(w[i], "typed") == 0)
                        c->fmt = MSTAT_TYPED;
                else if (strcmp(w[i], "desc") == 0 || strcmp(w[i], "up") == 0 ||
                         strcmp(w[i], "no-maint") == 0)
                        ; /* accepted; every server is shown */
                else if (strcmp(w[i], "domain") == 0 && i + 1 < n)
                        i++;
                else if (n_pos < 3)
                        pos[n_pos++] = w[i];
        }
        if (n_pos == 3) {
                char *end;
                long v = strtol(pos[0], &end, 10);

                if (*end == '\0' && end != pos[0]) {
                        c->flt.iid = (int)v;
                } else if (strcmp(pos[0], "-1") != 0) {
                        c->proxy = strdup(pos[0]);
                        c->flt.proxy = c->proxy;
                        if (!c->proxy) {
                                fputs("Out of memory.\n", out);
                                mcmd_cont_free(c);
                                return;
                        }
                }
                c->flt.types = atoi(pos[1]);
                c->flt.sid = atoi(pos[2]);
                if (c->flt.proxy &&
                    !cfg_gen_find_proxy(m->gen, c->flt.proxy, CFG_CAP_FE | CFG_CAP_BE)) {
                        fputs("No such proxy.\n", out);
                        mcmd_cont_free(c);
                        return;
                }
        } else if (n_pos) {
                fputs("Unknown command. Please enter one of the following commands only :\n"
                      "  show stat [json|typed] [{<iid>|<proxy>} <type> <sid>]\n",
                      out);
                mcmd_cont_free(c);
                return;
        }
        if (mstat_show_stat(m, &c->flt, c->fmt, &c->cur, MCMD_PIECE, out) < 0)
                fputs("Out of memory.\n", out);
        if (c->cur.done)
                c = mcmd_cont_free(c);
        *ret_cont = c;
}

bool mcmd_continue(struct master *m, struct mcmd_cont *c, FILE *out)
{
        if (c->fan) {
                if (!mfan_done(c->fan))
                        return false;
                fan_write(m, c, out);
                return true;
        }
        if (mstat_show_stat(m, &c->flt, c->fmt, &c->cur, MCMD_PIECE, out) < 0)
                return true;
        return c->cur.done;
}

static void cmd_show_info(struct master *m, char **w, int n, FILE *out)
{
        enum mstat_format fmt = MSTAT_CSV;

        for (int i = 2; i < n; i++) {
                if (strcmp(w[i], "json") == 0)
                        fmt = MSTAT_JSON;
                else if (strcmp(w[i], "typed") == 0)
                        fmt = MSTAT_TYPED;
        }
        if (minfo_show(m, fmt, out) < 0)
                fputs("Out of memory.\n", out);
}

static void cmd_table(struct master *m, char **w, int n, int level, FILE *out)
{
        const char *names[256];
        struct stkt *tables[256];
        size_t k = 0;
        struct sl_list *pos;

        /* the current generation's tables, by their proxies' names */
        sl_list_for_each(pos, &m->tables) {
                struct mtable *mt = sl_list_entry(pos, struct mtable, link);

                if (mt->gen == m->gen_no && k < sizeof(names) / sizeof(names[0])) {
                        names[k] = mt->name;
                        tables[k++] = mt->t;
                }
        }
        stkt_cli_command(out, names, tables, k, w, n, level >= CFG_STATS_LEVEL_OPERATOR,
                         sl_clock_ms());
}

static bool is(char **w, int n, const char *a, const char *b)
{
        return n >= 2 && strcmp(w[0], a) == 0 && strcmp(w[1], b) == 0;
}

void mcmd_exec(struct master *m, char *cmd, int level, const struct mcmd_peer *peer, FILE *out,
               struct mcmd_cont **ret_cont)
{
        char *w[MCMD_WORDS_MAX], *save = NULL;
        int n = 0;
        bool admin = level >= CFG_STATS_LEVEL_ADMIN;

        *ret_cont = NULL;
        for (char *tok = strtok_r(cmd, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
                if (n == MCMD_WORDS_MAX) {
                        fputs("Too many words.\n", out);
                        return;
                }
                w[n++] = tok;
        }
        if (n == 0)
                return;
        if (strcmp(w[0], "help") == 0) {
                help(out, level);
        } else if (is(w, n, "show", "info")) {
                cmd_show_info(m, w, n, out);
        } else if (is(w, n, "show", "stat")) {
                cmd_show_stat(m, w, n, level, out, ret_cont);
        } else if (is(w, n, "show", "version")) {
                fprintf(out, "%s\n", SL_VERSION);
        } else if (is(w, n, "show", "backend")) {
                fputs("# name\n", out);
                for (size_t i = 0; i < m->gen->n_proxies; i++)
                        if (m->gen->proxies[i]->cap & CFG_CAP_BE)
                                fprintf(out, "%s\n", m->gen->proxies[i]->name);
        } else if (is(w, n, "show", "servers") && n >= 3 && strcmp(w[2], "conn") == 0) {
                cmd_show_servers_conn(m, n > 3 ? w[3] : NULL, out);
        } else if (is(w, n, "show", "servers") && n >= 3 && strcmp(w[2], "state") == 0) {
                cmd_show_servers_state(m, n > 3 ? w[3] : NULL, out);
        } else if (n >= 2 && strcmp(w[1], "table") == 0 &&
                   (strcmp(w[0], "show") == 0 || strcmp(w[0], "clear") == 0 ||
                    strcmp(w[0], "set") == 0)) {
                cmd_table(m, w, n, level, out);
        } else if (is(w, n, "get", "weight")) {
                struct srv_ref s;

                if (find_server(m, n > 2 ? w[2] : NULL, out, &s))
                        fprintf(out, "%u (initial %u)\n", srv_state_weight(s.rec),
                                s.px->servers[s.idx].opts.weight);
        } else if (is(w, n, "show", "sess")) {
                bool one = n > 2 && strcmp(w[2], "all") != 0;
                pid_t pid = one ? session_pid(w[2]) : 0;
                char line[128];

                if (level < CFG_STATS_LEVEL_OPERATOR) {
                        fputs("Permission denied\n", out);
                        return;
                }
                if (one && (pid <= 0 || !live_worker(m, pid))) {
                        fputs("No such session (use 'show sess').\n", out);
                        return;
                }
                snprintf(line, sizeof(line), "show sess%s%.64s", n > 2 ? " " : "",
                         n > 2 ? w[2] : "");
                fan_out(m, line, pid, FAN_SHOW_SESS, out, ret_cont);
        } else if (is(w, n, "show", "peers")) {
                char line[128];

                if (level < CFG_STATS_LEVEL_OPERATOR) {
                        fputs("Permission denied\n", out);
                        return;
                }
                if (n > 2 && strcmp(w[2], "json") == 0) {
                        peers_json(m, n > 3 ? w[3] : NULL, out);
                        return;
                }
                snprintf(line, sizeof(line), "show peers%s%.64s", n > 2 ? " " : "",
                         n > 2 ? w[2] : "");
                fan_out(m, line, 0, FAN_SHOW_PEERS, out, ret_cont);
        } else if (is(w, n, "show", "resolvers")) {
                mdns_show_resolvers(m, n > 2 ? w[2] : NULL, out);
        } else if (is(w, n, "show", "errors")) {
                cmd_show_errors(m, w, n, level, out, ret_cont);
        } else if (!admin && strcmp(w[0], "shutdown") == 0) {
                fputs("Permission denied\n", out);
        } else if (is(w, n, "shutdown", "session")) {
                cmd_shutdown_session(m, w, n, peer, out, ret_cont);
        } else if (is(w, n, "shutdown", "sessions")) {
                cmd_shutdown_sessions(m, w, n, peer, out, ret_cont);
        } else if (!admin && (strcmp(w[0], "set") == 0 || strcmp(w[0], "enable") == 0 ||
                              strcmp(w[0], "disable") == 0)) {
                fputs("Permission denied\n", out);
        } else if (is(w, n, "enable", "frontend") || is(w, n, "disable", "frontend")) {
                cmd_frontend(m, w, n, peer, out);
        } else if (is(w, n, "set", "maxconn")) {
                cmd_set_maxconn(m, w, n, peer, out);
        } else if (is(w, n, "set", "rate-limit")) {
                cmd_set_rate_limit(m, w, n, peer, out);
        } else if (is(w, n, "set", "server")) {
                cmd_set_server(m, w, n, peer, out);
        } else if (is(w, n, "set", "weight")) {
                struct srv_ref s;

                if (find_server(m, n > 2 ? w[2] : NULL, out, &s))
                        set_weight(&s, n > 3 ? w[3] : NULL, peer, out);
        } else if (is(w, n, "enable", "server") || is(w, n, "disable", "server")) {
                struct srv_ref s;

                if (find_server(m, n > 2 ? w[2] : NULL, out, &s)) {
                        char what[512];

                        /* HAProxy's: maintenance only; a drain stays */
                        if (w[0][0] == 'e')
                                srv_state_set_admin(s.rec, 0, SRV_ADMIN_MAINT);
                        else
                                srv_state_set_admin(s.rec, SRV_ADMIN_MAINT, 0);
                        snprintf(what, sizeof(what), "%s server %s/%s", w[0], s.px->name,
                                 s.px->servers[s.idx].name);
                        log_change(peer, what);
                }
        } else {
                fputs("Unknown command. Please enter one of the following commands only :\n", out);
                help(out, level);
        }
}
