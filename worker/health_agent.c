/* Agent checks (HAProxy's agent-check, health-int.h): a TCP agent on the server answers a
 * line of words that set the server's weight, maxconn and state. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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

/* The agent's words (HAProxy's): a weight "<n>%" of the configured one, "maxconn:<n>",
 * ready|drain|maint, up|down|stopped|fail with an optional "#reason"; the last of a kind
 * wins; unknown words are reported. */
static void agent_apply(struct chk *c, char *line)
{
        const char *hs = NULL, *as = NULL, *ps = NULL, *mc = NULL, *err = NULL, *why = "";
        char *p = line, info[40], msg[300];

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
        if (as) {
                if (strcasecmp(as, "drain") == 0)
                        srv_state_set_admin(c->rec, SRV_ADMIN_DRAIN, 0);
                else if (strcasecmp(as, "maint") == 0)
                        srv_state_set_admin(c->rec, SRV_ADMIN_MAINT, 0);
                else
                        srv_state_set_admin(c->rec, 0, SRV_ADMIN_MAINT | SRV_ADMIN_DRAIN);
        }
        if (ps) {
                char *end;
                unsigned long pct = strtoul(ps, &end, 10);

                if (*end == '%' && !end[1] && pct <= 25600) {
                        unsigned long wgt = (unsigned long)c->sv->opts.weight * pct / 100;

                        srv_state_set_weight(c->rec, (unsigned)SL_MIN(wgt, 256ul));
                } else if (!err) {
                        err = ps;
                }
        }
        if (mc) {
                char *end;
                unsigned long v = strtoul(mc, &end, 10);

                if (*mc && !*end && v <= 10000000)
                        srv_state_set_maxconn(c->rec, (uint32_t)v);
                else if (!err)
                        err = mc - 8;
        }
        if (err) {
                snprintf(msg, sizeof(msg), "agent for server %s/%s reports an error: '%s'",
                         c->rt->px->name, c->sv->name, err);
                health_log(c, LOG_WARNING, msg);
        }
        if (!hs)
                return;
        snprintf(info, sizeof(info), "via agent : %s%s%s%s", hs, *why ? " (" : "", why,
                 *why ? ")" : "");
        if (strcasecmp(hs, "up") == 0) {
                struct srv_chk_result res = {.status = SRV_CHK_L7OK};
                const struct cfg_server_check *k = ccfg(c);

                c->agent_down = false;
                srv_state_set_agent_down(c->rec, false);
                snprintf(res.info, sizeof(res.info), "%s", info);
                if (srv_state_op(c->rec) == SRV_OP_DOWN &&
                    (!k->enabled || srv_state_health(c->rec) >= k->rise)) {
                        srv_state_set_op(c->rec, SRV_OP_UP);
                        health_transition(c, true, &res);
                }
        } else {
                struct srv_chk_result res = {.status = SRV_CHK_L7STS};

                c->agent_down = true;
                srv_state_set_agent_down(c->rec, true);
                snprintf(res.info, sizeof(res.info), "%s", info);
                if (srv_state_op(c->rec) != SRV_OP_DOWN) {
                        srv_state_set_op(c->rec, SRV_OP_DOWN);
                        health_transition(c, false, &res);
                }
        }
        health_propagate(c->w->checker);
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
                        /* an agent that cannot be reached changes nothing (HAProxy's rule:
                         * the health check tests the server) */
                        agent_next(c);
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
                        agent_next(c);
                        return;
                }
                a->sent += (size_t)n;
        }
        for (;;) {
                char *eol;
                ssize_t n;

                eol = memchr(a->line, '\n', a->len);
                if (!eol)
                        eol = memchr(a->line, '\r', a->len);
                if (eol || a->len == sizeof(a->line) - 1) {
                        if (eol)
                                *eol = '\0';
                        else
                                a->line[a->len] = '\0';
                        if (eol)
                                agent_apply(c, a->line);
                        agent_next(c);
                        return;
                }
                n = conn_read(conn, a->line + a->len, sizeof(a->line) - 1 - a->len);
                if (n == -EAGAIN) {
                        conn_want(conn, CONN_WANT_RD);
                        return;
                }
                if (n <= 0) {
                        /* closed: what came is the line (HAProxy reads to the close too) */
                        if (n == 0 && a->len) {
                                a->line[a->len] = '\0';
                                agent_apply(c, a->line);
                        }
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
                agent_next(c); /* timed out: nothing changes */
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
        a = err == 0 ? calloc(1, sizeof(*a)) : NULL;
        if (!a) {
                agent_next(c);
                return;
        }
        loop_reap_init(&a->cc.reap, health_cc_free);
        a->cc.chk = c;
        if (conn_connect(&a->cc.conn, c->w->loop, (const struct sockaddr *)&ss, len, 0) < 0) {
                free(a);
                agent_next(c);
                return;
        }
        c->agent = a;
        a->cc.conn.mux = &agent_mux;
        a->cc.conn.mux_ctx = a;
        conn_want(&a->cc.conn, CONN_WANT_WR);
        /* the whole exchange within the agent's interval */
        loop_timer_arm(&c->agent_timer, k->agent_inter_ms ? k->agent_inter_ms : 1);
}
