/* Agent checks (HAProxy's agent-check, health-int.h): a TCP agent on the server answers a
 * line of words that set the server's weight, maxconn and state. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "health-int.h"
#include "macros.h"
#include "mux.h"
#include "srvconn.h"

/* ---- agent checks (HAProxy's agent-check) ---- */

static const struct mux_ops agent_mux;

void health_agent_close(struct chk *c)
{
        struct agent_run *a = c->agent;

        c->agent = NULL;
        if (a)
                health_cc_close(c, &a->cc);
}

static void agent_next(struct chk *c)
{
        health_agent_close(c);
        loop_timer_arm(&c->agent_timer, ccfg(c)->agent_inter_ms ? ccfg(c)->agent_inter_ms : 1);
}

/* The text of @res, cut to what it holds (HAProxy's is cut as well) */
static void agent_text(struct srv_chk_result *res, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void agent_text(struct srv_chk_result *res, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        (void)vsnprintf(res->info, sizeof(res->info), fmt, ap);
        va_end(ap);
}

/* The result of the run under way, for show stat's agent columns (HAProxy's
 * set_server_check_status() for its agent); only agent_apply() moves the agent's health. */
static void agent_write(struct chk *c, struct srv_chk_result *res)
{
        res->duration_ms = c->agent ? (uint32_t)(loop_now(c->w->loop) - c->agent->start) : 0;
        srv_state_agent_write(c->rec, res);
}

/* The run failed (HAProxy's statuses and texts: "Connection refused", an empty text for a
 * timeout): the result says so, nothing else changes, and the next run is armed. */
static void agent_fail(struct chk *c, enum srv_chk_status status, const char *info)
{
        struct srv_chk_result res = {.status = status};

        agent_text(&res, "%s", info);
        agent_write(c, &res);
        agent_next(c);
}

/* A weight word ("<n>%"): sets the weight and returns NULL, or returns what is wrong with it,
 * in HAProxy's words (server_parse_weight_change_request(), without its final line feed);
 * a share above 25600% counts as 25600%, as HAProxy's. */
static const char *agent_weight(struct chk *c, const char *ps)
{
        char *end;
        unsigned long pct = strtoul(ps, &end, 10);

        if (*end == '%' && !end[1]) {
                unsigned long wgt = (unsigned long)c->sv->opts.weight * SL_MIN(pct, 25600ul) / 100;

                srv_state_set_weight(c->rec, (unsigned)SL_MIN(wgt, 256ul));
                return NULL;
        }
        return pct > 256 ? "Absolute weight can only be between 0 and 256 inclusive."
                         : "Trailing garbage in weight string";
}

/* The value of a "maxconn:" word: sets the server's maxconn and returns NULL, or returns what
 * is wrong with it (HAProxy's words, and a bound of its own). */
static const char *agent_maxconn(struct chk *c, const char *mc)
{
        char *end;
        unsigned long v;

        if (!*mc)
                return "Require <maxconn>.";
        v = strtoul(mc, &end, 10);
        if (end == mc)
                return "maxconn string empty or preceded by garbage";
        if (*end)
                return "Trailing garbage in maxconn string";
        if (v > 10000000)
                return "maxconn out of range";
        srv_state_set_maxconn(c->rec, (uint32_t)v);
        return NULL;
}

/* The agent's words (HAProxy's): a weight "<n>%" of the configured one, "maxconn:<n>",
 * ready|drain|maint, up|down|stopped|fail with an optional "#reason"; the last of a kind
 * wins; unknown words are reported. The result is HAProxy's: L7OK after up, L7STS after
 * down, stopped or fail, else CHECKED (no change of health), with its text. */
static void agent_apply(struct chk *c, char *line)
{
        const char *hs = NULL, *as = NULL, *ps = NULL, *mc = NULL, *err = NULL, *wrn = NULL;
        const char *bad, *why = "", *msg;
        struct srv_chk_result res = {.status = SRV_CHK_CHECKED};
        char *p = line, log[300];
        bool up;

        while (*p) {
                char *end;

                if (*p == ' ' || *p == '\t' || *p == ',') {
                        p++;
                        continue;
                }
                if (*p == '#') {
                        for (p++; *p == ' ' || *p == '\t'; p++)
                                ;
                        why = p;
                        break;
                }
                for (end = p; *end && *end != ' ' && *end != '\t' && *end != ','; end++)
                        ;
                if (*end)
                        *end++ = '\0';
                if (strcasecmp(p, "up") == 0 || strcasecmp(p, "down") == 0 ||
                    strcasecmp(p, "stopped") == 0 || strcasecmp(p, "fail") == 0)
                        hs = p;
                else if (strcasecmp(p, "ready") == 0 || strcasecmp(p, "drain") == 0 ||
                         strcasecmp(p, "maint") == 0)
                        as = p;
                else if (*p >= '0' && *p <= '9' && strchr(p, '%'))
                        ps = p;
                else if (strncasecmp(p, "maxconn:", 8) == 0)
                        mc = p + 8;
                else if (!err)
                        err = p;
                p = end;
        }
        bad = err;
        if (as) {
                if (strcasecmp(as, "drain") == 0)
                        srv_state_set_admin(c->rec, SRV_ADMIN_DRAIN, 0);
                else if (strcasecmp(as, "maint") == 0)
                        srv_state_set_admin(c->rec, SRV_ADMIN_MAINT, 0);
                else
                        srv_state_set_admin(c->rec, 0, SRV_ADMIN_MAINT | SRV_ADMIN_DRAIN);
        }
        if (ps) {
                wrn = agent_weight(c, ps);
                if (wrn && !bad)
                        bad = ps;
        }
        if (mc) {
                const char *m = agent_maxconn(c, mc);

                if (m && !bad)
                        bad = mc - 8;
                if (!wrn)
                        wrn = m;
        }
        if (bad) {
                snprintf(log, sizeof(log), "agent for server %s/%s reports an error: '%s'",
                         c->rt->px->name, c->sv->name, bad);
                health_log(c, LOG_WARNING, log);
        }
        up = hs && strcasecmp(hs, "up") == 0;
        if (hs) {
                /* the reason of a down; after up, or without a reason, a word that was wrong */
                msg = *why && !up ? why : err ? err : wrn ? wrn : why;
                res.status = up ? SRV_CHK_L7OK : SRV_CHK_L7STS;
                agent_text(&res, "via agent : %s%s%s%s", hs, *msg ? " (" : "", msg,
                           *msg ? ")" : "");
        } else if (err) {
                agent_text(&res, "agent reports an error : %s", err);
        } else if (wrn) {
                agent_text(&res, "agent warns : %s", wrn);
        }
        agent_write(c, &res);
        if (!hs)
                return;
        if (up) {
                const struct cfg_server_check *k = ccfg(c);

                c->agent_down = false;
                srv_state_set_agent_down(c->rec, false);
                if (srv_state_op(c->rec) == SRV_OP_DOWN &&
                    (!k->enabled || srv_state_health(c->rec) >= k->rise)) {
                        srv_state_set_op(c->rec, SRV_OP_UP);
                        health_transition(c, true, &res);
                }
        } else {
                c->agent_down = true;
                srv_state_set_agent_down(c->rec, true);
                if (srv_state_op(c->rec) != SRV_OP_DOWN) {
                        srv_state_set_op(c->rec, SRV_OP_DOWN);
                        health_transition(c, false, &res);
                }
        }
        health_propagate(c->w->checker);
}

/* A line that never ended: HAProxy keeps the last status and says so */
static void agent_incomplete(struct chk *c)
{
        struct srv_chk_result res;

        if (!srv_state_agent_read(c->rec, &res))
                memset(&res, 0, sizeof(res));
        agent_text(&res, "%s", "Ignoring incomplete line from agent");
        agent_write(c, &res);
        agent_next(c);
}

static void agent_wake(struct conn *conn)
{
        struct agent_run *a = conn->mux_ctx;
        struct chk *c = a->cc.chk;
        const char *send;

        if (!c)
                return;
        if (!a->connected) {
                int r = conn_connect_result(conn);

                if (r == -EAGAIN) {
                        conn_want(conn, CONN_WANT_WR);
                        return;
                }
                if (r < 0) {
                        /* an agent that cannot be reached changes nothing but its result
                         * (HAProxy's rule: the health check tests the server) */
                        agent_fail(c, SRV_CHK_L4CON, strerror(-r));
                        return;
                }
                a->connected = true;
        }
        send = ccfg(c)->agent_send;
        while (send && a->sent < strlen(send)) {
                struct iovec iov = {(void *)(send + a->sent), strlen(send) - a->sent};
                ssize_t n = conn_sendv(conn, &iov, 1, false);

                if (n == -EAGAIN) {
                        conn_want(conn, CONN_WANT_WR);
                        return;
                }
                if (n < 0) {
                        agent_fail(c, SRV_CHK_SOCKERR, strerror((int)-n));
                        return;
                }
                a->sent += (size_t)n;
        }
        for (;;) {
                char *eol = NULL;
                ssize_t n;

                /* the line ends at the first CR or LF */
                for (size_t i = 0; i < a->len && !eol; i++)
                        if (a->line[i] == '\n' || a->line[i] == '\r')
                                eol = &a->line[i];
                if (eol) {
                        *eol = '\0';
                        agent_apply(c, a->line);
                        agent_next(c);
                        return;
                }
                if (a->len == sizeof(a->line) - 1) {
                        agent_incomplete(c);
                        return;
                }
                n = conn_read(conn, a->line + a->len, sizeof(a->line) - 1 - a->len);
                if (n == -EAGAIN) {
                        conn_want(conn, CONN_WANT_RD);
                        return;
                }
                if (n < 0) {
                        agent_fail(c, SRV_CHK_SOCKERR, strerror((int)-n));
                        return;
                }
                if (n == 0) {
                        /* closed: what came is the line (HAProxy reads to the close too);
                         * nothing at all is HAProxy's empty response */
                        if (!a->len) {
                                agent_fail(c, SRV_CHK_L7RSP,
                                           "TCPCHK got an empty response at step 2");
                                return;
                        }
                        a->line[a->len] = '\0';
                        agent_apply(c, a->line);
                        agent_next(c);
                        return;
                }
                a->len += (size_t)n;
        }
}

static const struct mux_ops agent_mux = {
        .name = "agent",
        .wake = agent_wake,
        .release = health_cc_release,
};

void health_agent_timer(struct loop_timer *t)
{
        struct chk *c = sl_container_of(t, struct chk, agent_timer);
        const struct cfg_server_check *k = ccfg(c);
        struct sockaddr_storage ss;
        struct agent_run *a;
        socklen_t len;
        int err;

        if (c->agent) {
                /* timed out: nothing changes but the result */
                agent_fail(c, c->agent->connected ? SRV_CHK_L7TOUT : SRV_CHK_L4TOUT, "");
                return;
        }
        err = srv_conn_addr(c->rt, c->idx, NULL, &ss, &len);
        if (err == 0 && k->agent_addr_set) {
                ss = k->agent_addr;
                len = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                               : sizeof(struct sockaddr_in);
        }
        if (err == 0 && ss.ss_family == AF_INET)
                ((struct sockaddr_in *)&ss)->sin_port = htons(k->agent_port);
        else if (err == 0 && ss.ss_family == AF_INET6)
                ((struct sockaddr_in6 *)&ss)->sin6_port = htons(k->agent_port);
        if (err < 0) {
                agent_fail(c, SRV_CHK_SOCKERR, "no address");
                return;
        }
        a = calloc(1, sizeof(*a));
        if (!a) {
                agent_fail(c, SRV_CHK_SOCKERR, "out of memory");
                return;
        }
        loop_reap_init(&a->cc.reap, health_cc_free);
        a->cc.chk = c;
        a->start = loop_now(c->w->loop);
        err = conn_connect(&a->cc.conn, c->w->loop, (const struct sockaddr *)&ss, len, 0);
        if (err < 0) {
                free(a);
                agent_fail(c,
                           err == -ECONNREFUSED || err == -ENETUNREACH || err == -EHOSTUNREACH
                                   ? SRV_CHK_L4CON
                                   : SRV_CHK_SOCKERR,
                           strerror(-err));
                return;
        }
        c->agent = a;
        a->cc.conn.mux = &agent_mux;
        a->cc.conn.mux_ctx = a;
        conn_want(&a->cc.conn, CONN_WANT_WR);
        /* the whole exchange within the agent's interval */
        loop_timer_arm(&c->agent_timer, k->agent_inter_ms ? k->agent_inter_ms : 1);
}
