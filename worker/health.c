/* Health checks (health.h): one struct chk per checked server, a timer each, and for the
 * check under way a connection of its own (struct chk_run) driven by a small mux that only
 * wakes the check. The sequence of a check is a list of rules: the backend's tcp-check or
 * http-check rules, with the implicit ones HAProxy adds (the first connect, the default
 * request, the default 2xx-3xx expectation). */
#include "health.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "alog_sink.h"
#include "clock.h"
#include "conn.h"
#include "lb.h"
#include "log.h"
#include "macros.h"
#include "mux.h"
#include "srv_state.h"
#include "srvconn.h"
#include "stats.h"
#include "tls_ctx.h"
#include "tls_load.h"
#include "wcount.h"
#include "wctx.h"
#include "xprt_tls.h"

#define CHK_IN_MAX (16u * 1024) /* what a check reads of an answer at most */

struct chk;

#define AGENT_LINE_MAX 512u

/* A connection of the checker: freed at the end of the loop turn it closes in */
struct chk_conn {
        struct conn conn;
        struct loop_reap reap;
        struct chk *chk; /* NULL once over */
};

/* An agent check under way (agent-check): its own connection and what it read */
struct agent_run {
        struct chk_conn cc; /* first: freed as the whole */
        bool connected;
        size_t len, sent;
        char line[AGENT_LINE_MAX];
};

/* One check under way: its connection, freed at the end of the loop turn it ends in. */
struct chk_run {
        struct chk_conn cc; /* first: freed as the whole */
        struct conn_hs hs;
};

enum chk_phase {
        CHK_PH_CONNECT = 0, /* connect() and the TLS handshake */
        CHK_PH_RULES,       /* sending and expecting */
};

struct chk {
        struct worker *w;
        struct px_rt *rt;
        const struct cfg_server *sv;
        int idx;
        struct srv_state_rec *rec;
        struct loop_timer timer;
        struct chk_run *run; /* the check under way, or NULL */
        /* the sequence: the backend's rules with the implicit ones */
        const struct cfg_check_rule **seq;
        size_t n_seq, step;
        struct cfg_check_rule implicit[3];
        enum chk_phase phase;
        bool tls;       /* the current connection speaks TLS */
        bool expected;  /* some expect rule passed (L7OK rather than L4OK/L6OK) */
        bool eof;       /* the server ended its side */
        uint64_t start; /* loop time the check started */
        char *in;       /* owned: what the server sent, CHK_IN_MAX bytes */
        size_t in_len;
        char *out; /* owned: what is left to send */
        size_t out_len, out_off;
        const char *http_meth; /* of the last request: HEAD has no body */
        unsigned http_status;  /* of the last answer that passed */
        char http_reason[40];
        bool active; /* a check is under way (chk_end() not called yet) */
        /* a protocol check's rules (option redis-check ...), built at start; owned */
        struct cfg_check_rule *own;
        char *own_data;
        uint64_t ramp_start; /* slowstart: loop time it came up; 0: not ramping */
        /* agent-check */
        struct loop_timer agent_timer;
        struct agent_run *agent;
        bool agent_down; /* the agent said down, stopped or fail */
        bool was_maint;  /* in maintenance at the last look (leaving it ramps too) */
        /* what the last passing expect rule said (its status, code and text) */
        enum srv_chk_status ok_status;
        unsigned ok_code;
        char ok_info[40];
};

_Static_assert((int)CFG_CHK_ST_L4OK == (int)SRV_CHK_L4OK &&
                       (int)CFG_CHK_ST_L6RSP == (int)SRV_CHK_L6RSP &&
                       (int)CFG_CHK_ST_L7OK == (int)SRV_CHK_L7OK &&
                       (int)CFG_CHK_ST_L7STS == (int)SRV_CHK_L7STS,
               "config's check statuses are numbered as shm's");

/* A server that tracks another ("track"): its state follows that of @root, the checked
 * server at the end of its tracking chain. */
struct tracker {
        struct px_rt *rt;
        int idx;
        struct srv_state_rec *rec;
        const struct chk *root;
};

struct checker {
        struct chk *v;
        size_t n;
        uint64_t rng;
        pcre2_match_data *md;
        struct tracker *trackers;
        size_t n_trackers;
        struct loop_timer poll; /* observe: error-limit raised by a worker, looked at often */
        bool polling;
};

#define CHK_POLL_MS 100u

static const struct mux_ops chk_mux;

static uint64_t rnd(struct checker *ck)
{
        /* xorshift64*: enough to spread checks */
        ck->rng ^= ck->rng >> 12;
        ck->rng ^= ck->rng << 25;
        ck->rng ^= ck->rng >> 27;
        return ck->rng * 0x2545f4914f6cdd1dull;
}

static const struct cfg_server_check *ccfg(const struct chk *c)
{
        return &c->sv->opts.check;
}

/* ---- the sequence ---- */

/* ---- the protocol checks' sequences (HAProxy's rulesets) ---- */

/* An SSLv3 ClientHello (RFC 2246 A.3, A.4) offering the 39 ciphers HAProxy's does: enough
 * for any TLS server to answer with a handshake record or an alert. Bytes 11-14 are the
 * time, set at each send. */
static const unsigned char ssl_hello[] =
        {
                0x16, 0x03, 0x00, 0x00, 0x79, /* handshake, SSLv3, 0x79 bytes */
                0x01, 0x00, 0x00, 0x75,       /* ClientHello, 0x75 bytes */
                0x03, 0x00,                   /* version 3.0 */
                0x00, 0x00, 0x00, 0x00,       /* gmt_unix_time */
                'S',  'L',  'U',  'I',  'C',  'E',  '-',  'S',  'S',  'L',  '-',  'C',
                'H',  'E',  'C',  'K',  '-',  'R',  'A',  'N',  'D',  'O',  'M',  '-',
                '2',  '8',  'B',  '!', /* random: 28 bytes */
                0x00,                  /* no session id */
                0x00, 0x4e,            /* 78 bytes of cipher suites */
                0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00, 0x05, 0x00, 0x06,
                0x00, 0x07, 0x00, 0x08, 0x00, 0x09, 0x00, 0x0a, 0x00, 0x0b, 0x00, 0x0c,
                0x00, 0x0d, 0x00, 0x0e, 0x00, 0x0f, 0x00, 0x10, 0x00, 0x11, 0x00, 0x12,
                0x00, 0x13, 0x00, 0x14, 0x00, 0x15, 0x00, 0x16, 0x00, 0x17, 0x00, 0x18,
                0x00, 0x19, 0x00, 0x1a, 0x00, 0x1b, 0x00, 0x2f, 0x00, 0x30, 0x00, 0x31,
                0x00, 0x32, 0x00, 0x33, 0x00, 0x34, 0x00, 0x35, 0x00, 0x36, 0x00, 0x37,
                0x00, 0x38, 0x00, 0x39, 0x00, 0x3a, 0x01, 0x00, /* one compression method: none */
};

static struct cfg_check_rule *own_rule(struct chk *c, size_t *n, enum cfg_chk_kind kind)
{
        struct cfg_check_rule *r = &c->own[(*n)++];

        r->kind = kind;
        return r;
}

static struct cfg_check_rule *own_expect(struct chk *c, size_t *n, enum cfg_chk_custom custom,
                                         unsigned min_recv, enum cfg_chk_status err)
{
        struct cfg_check_rule *r = own_rule(c, n, CFG_CHK_EXPECT);

        r->match = CFG_CHK_M_CUSTOM;
        r->custom = custom;
        r->min_recv = min_recv;
        r->err_status = (uint8_t)err;
        return r;
}

/* The login packet of mysql-check user <u>: HAProxy's, for servers before and after 4.1,
 * followed by COM_QUIT */
static size_t mysql_login(const char *user, bool pre41, char *buf, size_t size)
{
        size_t ulen = strlen(user), n = 0, plen = ulen + 7 + (pre41 ? 0 : 27);

        if (ulen > 255 || size < plen + 4 + 5)
                return 0;
        buf[n++] = (char)(plen & 0xff);
        buf[n++] = (char)((plen >> 8) & 0xff);
        buf[n++] = (char)((plen >> 16) & 0xff);
        buf[n++] = 1; /* sequence id */
        if (pre41) {
                memcpy(buf + n, "\x00\x80\x00\x00\x01", 5); /* capabilities, max packet */
                n += 5;
        } else {
                memcpy(buf + n, "\x00\x82\x00\x00\x00\x80\x00\x01\x21", 9);
                n += 9;
                memset(buf + n, 0, 23); /* reserved */
                n += 23;
        }
        memcpy(buf + n, user, ulen + 1);
        n += ulen + 1;
        buf[n++] = 0;                               /* filler */
        memcpy(buf + n, "\x01\x00\x00\x00\x01", 5); /* COM_QUIT */
        return n + 5;
}

static bool build_proto(struct chk *c)
{
        const struct cfg_checks *cc = &c->rt->px->checks;
        struct cfg_check_rule *r;
        size_t n = 0, len;

        c->own = calloc(6, sizeof(*c->own));
        c->own_data = malloc(1024);
        if (!c->own || !c->own_data)
                return false;
        own_rule(c, &n, CFG_CHK_CONNECT);
        switch (cc->proto) {
        case CFG_CHK_PROTO_SSL_HELLO:
                r = own_rule(c, &n, CFG_CHK_SEND);
                memcpy(c->own_data, ssl_hello, sizeof(ssl_hello));
                r->data = c->own_data;
                r->len = sizeof(ssl_hello);
                r = own_expect(c, &n, CFG_CHK_C_SSL_HELLO, 5, CFG_CHK_ST_L6RSP);
                r->ok_status = CFG_CHK_ST_L6OK;
                r->tout_status = CFG_CHK_ST_L6TOUT;
                break;
        case CFG_CHK_PROTO_REDIS:
                r = own_rule(c, &n, CFG_CHK_SEND);
                r->data = "*1\r\n$4\r\nPING\r\n";
                r->len = strlen(r->data);
                r = own_rule(c, &n, CFG_CHK_EXPECT);
                r->match = CFG_CHK_M_STRING;
                r->pat = "+PONG\r\n";
                r->pat_len = strlen(r->pat);
                r->err_status = CFG_CHK_ST_L7STS;
                r->ok_info = "Redis server is ok";
                r->err_from = 1;
                break;
        case CFG_CHK_PROTO_MYSQL:
                /* the login goes out at once, before the server's greeting (HAProxy's way) */
                if (cc->user) {
                        len = mysql_login(cc->user, cc->mysql_pre41, c->own_data, 1024);
                        if (!len)
                                return false;
                        r = own_rule(c, &n, CFG_CHK_SEND);
                        r->data = c->own_data;
                        r->len = len;
                }
                own_expect(c, &n, CFG_CHK_C_MYSQL_INITHS, 0, CFG_CHK_ST_NONE);
                if (cc->user)
                        own_expect(c, &n, CFG_CHK_C_MYSQL_OK, 0, CFG_CHK_ST_NONE);
                break;
        case CFG_CHK_PROTO_PGSQL: {
                /* StartupMessage: length, protocol 3.0, "user" <name>, end */
                size_t ulen = cc->user ? strlen(cc->user) : 0;
                uint32_t plen = (uint32_t)(15 + ulen);

                if (ulen > 900)
                        return false;
                c->own_data[0] = (char)(plen >> 24);
                c->own_data[1] = (char)(plen >> 16);
                c->own_data[2] = (char)(plen >> 8);
                c->own_data[3] = (char)plen;
                memcpy(c->own_data + 4, "\x00\x03\x00\x00user", 9);
                memcpy(c->own_data + 13, cc->user ? cc->user : "", ulen + 1);
                c->own_data[14 + ulen] = '\0';
                r = own_rule(c, &n, CFG_CHK_SEND);
                r->data = c->own_data;
                r->len = plen;
                r = own_expect(c, &n, CFG_CHK_C_PGSQL_NOT_E, 5, CFG_CHK_ST_L7RSP);
                r->err_from = 7;
                r = own_expect(c, &n, CFG_CHK_C_PGSQL_AUTH, 9, CFG_CHK_ST_L7STS);
                r->ok_info = "PostgreSQL server is ok";
                r->err_info = "PostgreSQL unknown error";
                break;
        }
        case CFG_CHK_PROTO_SMTP:
                c->own[0].linger = true;
                r = own_expect(c, &n, CFG_CHK_C_SMTP_ANY, 4, CFG_CHK_ST_L7RSP);
                r->err_from = 1;
                r = own_expect(c, &n, CFG_CHK_C_SMTP_2XX, 4, CFG_CHK_ST_L7STS);
                r->err_from = 5;
                r->code3 = true;
                len = (size_t)snprintf(c->own_data, 1024, "%s\r\n",
                                       cc->smtp_cmd ? cc->smtp_cmd : "HELO localhost");
                r = own_rule(c, &n, CFG_CHK_SEND);
                r->data = c->own_data;
                r->len = len < 1024 ? len : 1023;
                r = own_expect(c, &n, CFG_CHK_C_SMTP_2XX_ML, 4, CFG_CHK_ST_L7STS);
                r->err_from = r->ok_from = 5;
                r->code3 = true;
                break;
        case CFG_CHK_PROTO_NONE:
        default:
                break;
        }
        c->seq = calloc(n, sizeof(*c->seq));
        if (!c->seq)
                return false;
        for (size_t i = 0; i < n; i++)
                c->seq[i] = &c->own[i];
        c->n_seq = n;
        return true;
}

static bool build_seq(struct chk *c)
{
        const struct cfg_checks *cc = &c->rt->px->checks;
        size_t n = 0, cap = cc->n_rules + 3;
        bool http = cc->type == CFG_CHECK_HTTP, any_send = false, expect_after = false;

        if (cc->type == CFG_CHECK_TCP && cc->proto)
                return build_proto(c);
        c->seq = calloc(cap, sizeof(*c->seq));
        if (!c->seq)
                return false;
        c->implicit[0].kind = CFG_CHK_CONNECT;
        c->implicit[1].kind = CFG_CHK_HTTP_SEND;
        c->implicit[1].http = true;
        c->implicit[2].kind = CFG_CHK_HTTP_EXPECT;
        c->implicit[2].http = true;
        c->implicit[2].match = CFG_CHK_M_STATUS;
        c->implicit[2].pat = "200-399";
        for (size_t i = 0; cc->type != CFG_CHECK_CONNECT && i < cc->n_rules; i++) {
                const struct cfg_check_rule *r = &cc->rules[i];

                if (r->http != http)
                        continue;
                if (n == 0 && r->kind != CFG_CHK_CONNECT)
                        c->seq[n++] = &c->implicit[0];
                c->seq[n++] = r;
                if (r->kind == CFG_CHK_HTTP_SEND) {
                        any_send = true;
                        expect_after = false;
                }
                if (r->kind == CFG_CHK_HTTP_EXPECT)
                        expect_after = true;
        }
        if (n == 0)
                c->seq[n++] = &c->implicit[0];
        if (http && !any_send) {
                /* option httpchk alone: its request, before the rules' expects */
                memmove(&c->seq[2], &c->seq[1], (n - 1) * sizeof(*c->seq));
                c->seq[1] = &c->implicit[1];
                n++;
                any_send = true;
                for (size_t i = 2; i < n; i++)
                        expect_after |= c->seq[i]->kind == CFG_CHK_HTTP_EXPECT;
        }
        if (http && !expect_after)
                c->seq[n++] = &c->implicit[2];
        c->n_seq = n;
        return true;
}

/* ---- results and the state machine ---- */

static unsigned usable_count(const struct px_rt *rt, bool backup)
{
        const struct cfg_proxy *be = rt->px;
        unsigned n = 0;

        for (size_t i = 0; i < be->n_servers; i++)
                if (!(be->servers[i].opts.flags & CFG_SRV_BACKUP) == !backup &&
                    srv_state_usable(&rt->lb->recs[i]))
                        n++;
        return n;
}

/* HAProxy's ", reason: ..., code: N, info: "...", check duration: Nms" */
static void append_status(char *buf, size_t size, const struct srv_chk_result *res)
{
        size_t len = strlen(buf);

        len += (size_t)snprintf(buf + len, len < size ? size - len : 0, ", reason: %s",
                                srv_chk_status_desc(res->status));
        if (res->status >= SRV_CHK_L7TOUT && res->code && len < size)
                len += (size_t)snprintf(buf + len, size - len, ", code: %u", res->code);
        if (res->info[0] && len < size)
                len += (size_t)snprintf(buf + len, size - len, ", info: \"%s\"", res->info);
        if (len < size)
                snprintf(buf + len, size - len, ", check duration: %" PRIu32 "ms",
                         res->duration_ms);
}

/* A line for the process log and the backend's log targets, at syslog @level */
static void chk_log(struct chk *c, int level, const char *line)
{
        sl_log(level, "%s", line);
        if (c->rt->sinks && c->rt->sinks->n)
                (void)alog_sinks_send(c->rt->sinks, level, line, strlen(line),
                                      &wc_proc(c->w)->c[ST_C_DROPPED_LOGS]);
}

static void transition(struct chk *c, bool up, const struct srv_chk_result *res)
{
        const struct cfg_proxy *be = c->rt->px;
        bool backup = c->sv->opts.flags & CFG_SRV_BACKUP;
        char line[1024];
        unsigned act, bck;

        srv_state_set_last_change(c->rec, sl_clock_wall_us() / 1000);
        if (!up)
                wc_srv(c->w, be, c->idx)->c[ST_C_CHKDOWN]++;
        /* slowstart: from 1% of its weight and maxconn after DOWN */
        c->ramp_start = up && ccfg(c)->slowstart_ms ? loop_now(c->w->loop) : 0;
        srv_state_set_ramp(c->rec, c->ramp_start ? 1 : 0);
        act = usable_count(c->rt, false);
        bck = usable_count(c->rt, true);
        snprintf(line, sizeof(line), "%sServer %s/%s is %s", backup ? "Backup " : "", be->name,
                 c->sv->name, up ? "UP" : "DOWN");
        append_status(line, sizeof(line), res);
        if (up)
                snprintf(line + strlen(line), sizeof(line) - strlen(line),
                         ". %u active and %u backup servers online.%s %u sessions requeued, "
                         "%u total in queue.",
                         act, bck, bck && !act ? " Running on backup." : "", 0u, c->rt->n_queued);
        else
                snprintf(line + strlen(line), sizeof(line) - strlen(line),
                         ". %u active and %u backup servers left.%s %u sessions active, %u "
                         "requeued, %u remaining in queue.",
                         act, bck, bck && !act ? " Running on backup." : "",
                         srv_state_cur_conns(c->rec), 0u, 0u);
        chk_log(c, up ? LOG_NOTICE : LOG_WARNING, line);
        if (!up && act + bck == 0) {
                /* the backend's own transition to DOWN */
                stats_row_blk(c->w->st, be->st_be)->c[ST_C_CHKDOWN]++;
                snprintf(line, sizeof(line), "backend %s has no server available!", be->name);
                chk_log(c, LOG_ALERT, line);
        }
}

/* The result of a check: HAProxy's set_server_check_status() and what follows */
static void chk_result(struct chk *c, bool passed, bool cond, const struct srv_chk_result *res)
{
        const struct cfg_server_check *k = ccfg(c);
        unsigned health = srv_state_health(c->rec), full = k->rise + k->fall - 1;
        struct srv_chk_result prev;
        bool report = false, was_down = srv_state_op(c->rec) == SRV_OP_DOWN;

        if (!srv_state_chk_read(c->rec, &prev))
                prev.status = SRV_CHK_UNKNOWN;
        if (passed) {
                if (health < full) {
                        report = true;
                        health++;
                        if (health >= k->rise)
                                health = full;
                }
        } else {
                wc_srv(c->w, c->rt->px, c->idx)->c[ST_C_CHKFAIL]++;
                if (health > 0) {
                        report = true;
                        health--;
                        if (health < k->rise)
                                health = 0;
                }
        }
        srv_state_set_health(c->rec, health);
        srv_state_chk_write(c->rec, res);
        if ((c->rt->px->options & CFG_OPT_LOG_HEALTH_CHECKS) &&
            (res->status != prev.status || report)) {
                char line[1024];
                bool ok = health >= k->rise;

                snprintf(line, sizeof(line), "Health check for %sserver %s/%s %s%s",
                         (c->sv->opts.flags & CFG_SRV_BACKUP) ? "backup " : "", c->rt->px->name,
                         c->sv->name, cond ? "conditionally " : "",
                         passed ? "succeeded" : "failed");
                append_status(line, sizeof(line), res);
                snprintf(line + strlen(line), sizeof(line) - strlen(line), ", status: %u/%u %s.",
                         ok ? health - k->rise + 1 : health, ok ? k->fall : k->rise,
                         ok ? (srv_state_weight(c->rec) ? "UP" : "DRAIN") : "DOWN");
                chk_log(c, LOG_NOTICE, line);
        }
        if (health == 0 && !was_down) {
                srv_state_set_op(c->rec, SRV_OP_DOWN);
                transition(c, false, res);
        } else if (health >= k->rise && !c->agent_down) {
                enum srv_op_state want = cond ? SRV_OP_NOLB : SRV_OP_UP;
                enum srv_op_state op = srv_state_op(c->rec);

                if (op != want) {
                        srv_state_set_op(c->rec, want);
                        if (was_down)
                                transition(c, true, res);
                }
        }
}

/* slowstart: the share of its weight and maxconn a server that came up gets now, linear
 * over the slowstart time (HAProxy updates it at each check, as here) */
static void ramp_update(struct chk *c)
{
        uint64_t now = loop_now(c->w->loop), ss = ccfg(c)->slowstart_ms;
        bool maint = srv_state_admin(c->rec) & SRV_ADMIN_ANY_MAINT;

        if (c->was_maint && !maint && ss && srv_state_op(c->rec) != SRV_OP_DOWN) {
                c->ramp_start = now; /* out of maintenance: ramps too */
                srv_state_set_ramp(c->rec, 1);
        }
        c->was_maint = maint;
        if (!c->ramp_start)
                return;
        if (now - c->ramp_start >= ss || srv_state_op(c->rec) == SRV_OP_DOWN) {
                c->ramp_start = 0;
                srv_state_set_ramp(c->rec, 0);
        } else {
                srv_state_set_ramp(c->rec,
                                   SL_MAX(1u, (unsigned)((now - c->ramp_start) * 100 / ss)));
        }
}

/* track: every tracking server takes its root's operational state; each change is logged
 * as HAProxy does ("via") */
static void propagate(struct checker *ck)
{
        for (size_t i = 0; i < ck->n_trackers; i++) {
                struct tracker *t = &ck->trackers[i];
                enum srv_op_state op = srv_state_op(t->root->rec), was = srv_state_op(t->rec);
                const struct cfg_proxy *be = t->rt->px;
                const struct cfg_server *sv = &be->servers[t->idx];
                bool backup = sv->opts.flags & CFG_SRV_BACKUP;
                uint32_t radmin = srv_state_admin(t->root->rec), want, have;
                unsigned act, bck;
                char line[512];

                /* the root's maintenance and drain, inherited (HAProxy's IMAINT, IDRAIN) */
                want = ((radmin & SRV_ADMIN_ANY_MAINT) ? SRV_ADMIN_IMAINT : 0) |
                       ((radmin & SRV_ADMIN_ANY_DRAIN) ? SRV_ADMIN_IDRAIN : 0);
                have = srv_state_admin(t->rec) & (SRV_ADMIN_IMAINT | SRV_ADMIN_IDRAIN);
                if (want != have)
                        srv_state_set_admin(t->rec, want,
                                            (SRV_ADMIN_IMAINT | SRV_ADMIN_IDRAIN) & ~want);
                if (op == was)
                        continue;
                srv_state_set_op(t->rec, op);
                if ((op == SRV_OP_DOWN) == (was == SRV_OP_DOWN))
                        continue; /* UP and NOLB: no transition to tell */
                srv_state_set_last_change(t->rec, sl_clock_wall_us() / 1000);
                act = usable_count(t->rt, false);
                bck = usable_count(t->rt, true);
                if (op == SRV_OP_DOWN)
                        snprintf(line, sizeof(line),
                                 "%sServer %s/%s is DOWN via %s/%s. %u active and %u backup "
                                 "servers left.%s %u sessions active, 0 requeued, 0 remaining "
                                 "in queue.",
                                 backup ? "Backup " : "", be->name, sv->name, t->root->rt->px->name,
                                 t->root->sv->name, act, bck,
                                 bck && !act ? " Running on backup." : "",
                                 srv_state_cur_conns(t->rec));
                else
                        snprintf(line, sizeof(line),
                                 "%sServer %s/%s is UP via %s/%s. %u active and %u backup "
                                 "servers online.%s 0 sessions requeued, %u total in queue.",
                                 backup ? "Backup " : "", be->name, sv->name, t->root->rt->px->name,
                                 t->root->sv->name, act, bck,
                                 bck && !act ? " Running on backup." : "", t->rt->n_queued);
                sl_log(op == SRV_OP_DOWN ? LOG_WARNING : LOG_NOTICE, "%s", line);
                if (t->rt->sinks && t->rt->sinks->n)
                        (void)alog_sinks_send(
                                t->rt->sinks, op == SRV_OP_DOWN ? LOG_WARNING : LOG_NOTICE, line,
                                strlen(line), &wc_proc(t->root->w)->c[ST_C_DROPPED_LOGS]);
        }
}

/* ---- the checker's connections ---- */

static void cc_free(struct loop_reap *r)
{
        free(sl_container_of(r, struct chk_conn, reap)); /* the first member of its run */
}

/* The muxes' release: a check frees its connection itself (cc_close()) */
static void cc_release(struct conn *conn)
{
        (void)conn;
}

/* Close @cc (the check no longer hears of it) and free it once the loop turn is over */
static void cc_close(struct chk *c, struct chk_conn *cc)
{
        cc->chk = NULL;
        if (cc->conn.xprt && cc->conn.state != CONN_ST_CLOSED)
                conn_close(&cc->conn);
        loop_reap(c->w->loop, &cc->reap);
}

/* ---- agent checks (HAProxy's agent-check) ---- */

static const struct mux_ops agent_mux;

static void agent_close(struct chk *c)
{
        struct agent_run *a = c->agent;

        c->agent = NULL;
        if (a)
                cc_close(c, &a->cc);
}

static void agent_next(struct chk *c)
{
        agent_close(c);
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
                chk_log(c, LOG_WARNING, msg);
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
                        transition(c, true, &res);
                }
        } else {
                struct srv_chk_result res = {.status = SRV_CHK_L7STS};

                c->agent_down = true;
                srv_state_set_agent_down(c->rec, true);
                snprintf(res.info, sizeof(res.info), "%s", info);
                if (srv_state_op(c->rec) != SRV_OP_DOWN) {
                        srv_state_set_op(c->rec, SRV_OP_DOWN);
                        transition(c, false, &res);
                }
        }
        propagate(c->w->checker);
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
        .release = cc_release,
};

static void agent_timer(struct loop_timer *t)
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
        loop_reap_init(&a->cc.reap, cc_free);
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

/* ---- scheduling ---- */

static uint32_t next_interval(struct chk *c)
{
        const struct cfg_server_check *k = ccfg(c);
        unsigned health = srv_state_health(c->rec), spread = c->w->gen->global.spread_checks;
        uint32_t ms = k->inter_ms;

        if (health == 0 && srv_state_op(c->rec) == SRV_OP_DOWN)
                ms = k->downinter_ms ?: k->inter_ms;
        else if (health < k->rise + k->fall - 1 ||
                 !(srv_state_chk_flags(c->rec) & SRV_CHK_F_CHECKED))
                ms = k->fastinter_ms ?: k->inter_ms;
        if (spread && ms > 1) {
                /* +/- spread% of the interval, at random (HAProxy's spread-checks) */
                uint32_t span = (uint32_t)((uint64_t)ms * spread / 100);

                if (span)
                        ms = ms - span + (uint32_t)(rnd(c->w->checker) % (2 * (uint64_t)span + 1));
        }
        return ms ? ms : 1;
}

/* ---- the connection ---- */

static void run_close(struct chk *c)
{
        struct chk_run *run = c->run;

        c->run = NULL;
        if (run)
                cc_close(c, &run->cc);
}

static void chk_end(struct chk *c, bool passed, bool cond, enum srv_chk_status status,
                    unsigned code, const char *info)
{
        struct srv_chk_result res = {.status = status, .code = code};

        c->active = false;
        res.duration_ms = (uint32_t)(loop_now(c->w->loop) - c->start);
        snprintf(res.info, sizeof(res.info), "%s", info ? info : "");
        run_close(c);
        free(c->out);
        c->out = NULL;
        chk_result(c, passed, cond, &res);
        ramp_update(c);
        propagate(c->w->checker);
        loop_timer_arm(&c->timer, next_interval(c));
}

static void chk_fail_errno(struct chk *c, enum srv_chk_status status, int err)
{
        chk_end(c, false, false, status, 0, strerror(-err));
}

/* Where the check connects: the check's address or the server's (its runtime one), and
 * the rule's port, the check's, or the server's. */
static int chk_target(struct chk *c, const struct cfg_check_rule *r, struct sockaddr_storage *ss,
                      socklen_t *len)
{
        const struct cfg_server_check *k = ccfg(c);
        uint16_t port = r->port ? r->port : k->port_set ? k->port : 0;
        int err = srv_conn_addr(c->rt, c->idx, NULL, ss, len);

        if (err < 0)
                return err;
        if (k->addr_set) {
                uint16_t keep = ss->ss_family == AF_INET6 ? ((struct sockaddr_in6 *)ss)->sin6_port
                                                          : ((struct sockaddr_in *)ss)->sin_port;

                *ss = k->addr;
                *len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                 : sizeof(struct sockaddr_in);
                if (ss->ss_family == AF_INET6)
                        ((struct sockaddr_in6 *)ss)->sin6_port = keep;
                else
                        ((struct sockaddr_in *)ss)->sin_port = keep;
        }
        if (port && ss->ss_family == AF_INET)
                ((struct sockaddr_in *)ss)->sin_port = htons(port);
        else if (port && ss->ss_family == AF_INET6)
                ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
        return 0;
}

static void chk_hs_done(struct conn *conn, int err)
{
        (void)conn;
        (void)err; /* the mux learns it from conn_connect_result() */
}

/* Open the connection of rule @r (a connect rule, explicit or implicit). */
static void chk_connect(struct chk *c, const struct cfg_check_rule *r)
{
        struct sockaddr_storage ss;
        struct chk_run *run;
        socklen_t len;
        int err;

        run_close(c);
        c->phase = CHK_PH_CONNECT;
        c->in_len = 0;
        c->eof = false;
        err = chk_target(c, r, &ss, &len);
        if (err < 0) {
                chk_end(c, false, false, SRV_CHK_SOCKERR, 0, "no address");
                return;
        }
        run = calloc(1, sizeof(*run));
        if (!run) {
                chk_end(c, false, false, SRV_CHK_SOCKERR, 0, "out of memory");
                return;
        }
        loop_reap_init(&run->cc.reap, cc_free);
        run->cc.chk = c;
        err = conn_connect(&run->cc.conn, c->w->loop, (const struct sockaddr *)&ss, len, 0);
        if (err < 0) {
                free(run);
                chk_fail_errno(c,
                               err == -ECONNREFUSED || err == -ENETUNREACH || err == -EHOSTUNREACH
                                       ? SRV_CHK_L4CON
                                       : SRV_CHK_SOCKERR,
                               err);
                return;
        }
        c->run = run;
        run->cc.conn.mux = &chk_mux;
        run->cc.conn.mux_ctx = run;
        c->tls = r->ssl || cfg_server_check_tls(c->sv);
        if (c->tls) {
                struct tls_srv *ts = tls_set_check_server(c->w->tls, c->sv);
                const char *sni = r->sni ? r->sni : ccfg(c)->sni;
                const char *alpn = r->alpn ? r->alpn : ccfg(c)->alpn;
                SSL *ssl = ts ? tls_srv_new_ssl(ts, sni) : NULL;

                if (ssl && alpn) {
                        unsigned char wire[256];
                        int n = tls_alpn_wire(alpn, wire, sizeof(wire));

                        if (n > 0)
                                (void)SSL_set_alpn_protos(ssl, wire, (unsigned)n);
                }
                if (!ssl || xprt_tls_attach(&run->cc.conn, ssl) < 0) {
                        chk_end(c, false, false, SRV_CHK_SOCKERR, 0,
                                ts ? "out of memory" : "no TLS context");
                        return;
                }
                run->hs = (struct conn_hs){
                        .step = {xprt_tls_handshake}, .n = 1, .complete = chk_hs_done};
                run->cc.conn.connect_hs = &run->hs;
                run->cc.conn.flags |= CONN_F_CONN_PENDING;
        }
        /* the connect phase: "timeout check" set, min(timeout connect, inter); else inter */
        {
                const struct cfg_proxy *be = c->rt->px;
                uint64_t t = ccfg(c)->inter_ms;

                if ((be->timeouts_set & (1u << CFG_TO_CHECK)) &&
                    (be->timeouts_set & (1u << CFG_TO_CONNECT)) &&
                    be->timeout_ms[CFG_TO_CONNECT] < t)
                        t = be->timeout_ms[CFG_TO_CONNECT];
                loop_timer_arm(&c->timer, t);
        }
        conn_want(&run->cc.conn, CONN_WANT_WR);
}

/* ---- sending and expecting ---- */

static bool out_add(struct chk *c, const char *p, size_t n)
{
        char *o = realloc(c->out, c->out_len + n + 1);

        if (!o)
                return false;
        memcpy(o + c->out_len, p, n);
        c->out = o;
        c->out_len += n;
        return true;
}

static bool out_printf(struct chk *c, const char *fmt, const char *a, const char *b)
{
        char line[2048];
        int n = snprintf(line, sizeof(line), fmt, a, b);

        return n >= 0 && (size_t)n < sizeof(line) && out_add(c, line, (size_t)n);
}

static bool has_hdr(const struct cfg_chk_hdr *h, size_t n, const char *name)
{
        for (size_t i = 0; i < n; i++)
                if (strcasecmp(h[i].name, name) == 0)
                        return true;
        return false;
}

/* http-check send-state: X-Haproxy-Server-State, as HAProxy writes it */
static bool out_state(struct chk *c)
{
        const struct cfg_server_check *k = ccfg(c);
        unsigned health = srv_state_health(c->rec), tw = 0;
        char buf[512], host[256] = "";
        bool up = srv_state_op(c->rec) != SRV_OP_DOWN;
        int n;

        for (size_t i = 0; i < c->rt->px->n_servers; i++)
                tw += srv_state_weight(&c->rt->lb->recs[i]);
        (void)gethostname(host, sizeof(host) - 1);
        if (up && health >= k->rise + k->fall - 1)
                n = snprintf(buf, sizeof(buf), "X-Haproxy-Server-State: UP");
        else
                n = snprintf(buf, sizeof(buf), "X-Haproxy-Server-State: %s %u/%u",
                             up ? "UP" : "DOWN", up ? health - k->rise + 1 : health,
                             up ? k->fall : k->rise);
        n += snprintf(buf + n, sizeof(buf) - (size_t)n,
                      "; name=%s/%s; node=%s; weight=%u/%u; scur=%u/%u; qcur=0\r\n",
                      c->rt->px->name, c->sv->name, host, srv_state_weight(c->rec), tw,
                      srv_state_cur_conns(c->rec), c->rt->px->n_servers ? 0u : 0u);
        return n > 0 && (size_t)n < sizeof(buf) && out_add(c, buf, (size_t)n);
}

static bool build_http(struct chk *c, const struct cfg_check_rule *r)
{
        const struct cfg_checks *cc = &c->rt->px->checks;
        const char *meth = r->meth ? r->meth : cc->meth ? cc->meth : "OPTIONS";
        const char *uri = r->uri ? r->uri : cc->uri ? cc->uri : "/";
        const char *ver = r->ver ? r->ver : cc->ver ? cc->ver : "HTTP/1.0";
        bool ok;

        c->http_meth = meth;
        ok = out_printf(c, "%s %s", meth, uri) && out_printf(c, " %s\r\n%s", ver, "");
        for (size_t i = 0; ok && i < cc->n_hdrs; i++)
                ok = out_printf(c, "%s: %s\r\n", cc->hdrs[i].name, cc->hdrs[i].value);
        for (size_t i = 0; ok && i < r->n_hdrs; i++)
                ok = out_printf(c, "%s: %s\r\n", r->hdrs[i].name, r->hdrs[i].value);
        if (ok && cc->send_state)
                ok = out_state(c);
        if (ok && r->data) {
                char len[32];

                snprintf(len, sizeof(len), "%zu", r->len);
                ok = out_printf(c, "Content-Length: %s\r\n%s", len, "");
        }
        if (ok && strcmp(ver, "HTTP/1.1") == 0 && !has_hdr(cc->hdrs, cc->n_hdrs, "connection") &&
            !has_hdr(r->hdrs, r->n_hdrs, "connection"))
                ok = out_add(c, "Connection: close\r\n", 19);
        ok = ok && out_add(c, "\r\n", 2);
        if (ok && r->data)
                ok = out_add(c, r->data, r->len);
        return ok;
}

/* Write what is left; 1 once all is out, 0 while waiting, -errno */
static int chk_flush(struct chk *c)
{
        struct conn *conn = &c->run->cc.conn;

        while (c->out_off < c->out_len) {
                struct iovec iov = {c->out + c->out_off, c->out_len - c->out_off};
                ssize_t n = conn_sendv(conn, &iov, 1, false);

                if (n == -EAGAIN) {
                        conn_want(conn, CONN_WANT_WR);
                        return 0;
                }
                if (n < 0)
                        return (int)n;
                c->out_off += (size_t)n;
        }
        free(c->out);
        c->out = NULL;
        c->out_len = c->out_off = 0;
        return 1;
}

/* Read what the server sent: 1 with new bytes or at the end, 0 while waiting, -errno */
static int chk_fill(struct chk *c)
{
        struct conn *conn = &c->run->cc.conn;
        ssize_t n;

        if (c->eof || c->in_len >= CHK_IN_MAX)
                return 1;
        n = conn_read(conn, c->in + c->in_len, CHK_IN_MAX - c->in_len);
        if (n == -EAGAIN) {
                conn_want(conn, CONN_WANT_RD);
                return 0;
        }
        if (n < 0)
                return (int)n;
        if (n == 0)
                c->eof = true;
        c->in_len += (size_t)n;
        return 1;
}

static bool re_match(struct chk *c, const void *re, const char *p, size_t n)
{
        return pcre2_match(re, (PCRE2_SPTR)(p ? p : ""), n, 0, 0, c->w->checker->md, NULL) >= 0;
}

/* Does rule @r match @p? (tcp-check) */
static bool tcp_match(struct chk *c, const struct cfg_check_rule *r, const char *p, size_t n)
{
        switch (r->match) {
        case CFG_CHK_M_STRING:
                return r->pat_len <= n && memmem(p, n, r->pat, r->pat_len) != NULL;
        case CFG_CHK_M_BINARY:
                return r->pat_len <= n && memmem(p, n, r->bin, r->pat_len) != NULL;
        case CFG_CHK_M_RSTRING:
                return re_match(c, r->re, p, n);
        case CFG_CHK_M_RBINARY: {
                char *hex = malloc(2 * n + 1);
                bool m;

                if (!hex)
                        return false;
                for (size_t i = 0; i < n; i++)
                        snprintf(hex + 2 * i, 3, "%02X", (unsigned char)p[i]);
                m = re_match(c, r->re, hex, 2 * n);
                free(hex);
                return m;
        }
        case CFG_CHK_M_STATUS:
        case CFG_CHK_M_RSTATUS:
        case CFG_CHK_M_CUSTOM:
        case CFG_CHK_M_HDR:
        case CFG_CHK_M_FHDR:
                break;
        }
        return false;
}

/* hdr, fhdr: does @s of @n bytes match @pat by method @m (@re for reg; @icase: a name)? */
static bool meth_match(struct chk *c, enum cfg_chk_meth m, const char *pat, const void *re,
                       bool icase, const char *s, size_t n)
{
        size_t pl = strlen(pat);
        int (*cmp)(const char *, const char *, size_t) = icase ? strncasecmp : strncmp;

        switch (m) {
        case CFG_CHK_METH_STR:
                return n == pl && cmp(s, pat, n) == 0;
        case CFG_CHK_METH_BEG:
                return n >= pl && cmp(s, pat, pl) == 0;
        case CFG_CHK_METH_END:
                return n >= pl && cmp(s + n - pl, pat, pl) == 0;
        case CFG_CHK_METH_SUB:
                for (size_t i = 0; i + pl <= n; i++)
                        if (cmp(s + i, pat, pl) == 0)
                                return true;
                return false;
        case CFG_CHK_METH_REG:
                return re && re_match(c, re, s, n);
        }
        return false;
}

/* hdr, fhdr: some header of the head @h (@hl bytes, from its first header line to the
 * blank line) has the rule's name and, if it says one, value (one of the comma-separated
 * elements for hdr, the whole for fhdr) */
static bool hdr_match(struct chk *c, const struct cfg_check_rule *r, const char *h, size_t hl)
{
        const char *end = h + hl;

        while (h < end) {
                const char *eol = memmem(h, (size_t)(end - h), "\r\n", 2), *colon, *v, *ve;

                if (!eol)
                        eol = end;
                colon = memchr(h, ':', (size_t)(eol - h));
                if (colon &&
                    meth_match(c, r->name_meth, r->pat, r->re, true, h, (size_t)(colon - h))) {
                        if (!r->hdr_value)
                                return true;
                        for (v = colon + 1; v < eol;) {
                                while (v < eol && (*v == ' ' || *v == '\t'))
                                        v++;
                                ve = eol;
                                if (r->match == CFG_CHK_M_HDR && v < eol) {
                                        const char *comma = memchr(v, ',', (size_t)(eol - v));

                                        if (comma)
                                                ve = comma;
                                }
                                {
                                        const char *t = ve;

                                        while (t > v && (t[-1] == ' ' || t[-1] == '\t'))
                                                t--;
                                        if (meth_match(c, r->value_meth, r->hdr_value, r->value_re,
                                                       false, v, (size_t)(t - v)))
                                                return true;
                                }
                                v = ve + 1;
                        }
                }
                h = eol + 2;
        }
        return false;
}

/* The answer from byte @from to its end of line (HAProxy's res.payload(from,0),cut_crlf),
 * into @buf */
static void payload_line(const struct chk *c, size_t from, char *buf, size_t size)
{
        size_t n = 0;

        for (size_t i = from; i < c->in_len && n + 1 < size; i++) {
                char ch = c->in[i];

                if (ch == '\r' || ch == '\n' || ch == '\0')
                        break;
                buf[n++] = ch >= 0x20 && ch < 0x7f ? ch : '.';
        }
        buf[n] = '\0';
}

static unsigned u8(const struct chk *c, size_t i)
{
        return (unsigned char)c->in[i];
}

/* MySQL: the packet at @off is complete and not an error (HAProxy's check of the initial
 * handshake and of the OK after the login): 1, 0 waiting, -1 failed with *@st, @code and
 * @info set */
static int mysql_packet(struct chk *c, size_t off, bool final, enum srv_chk_status *st,
                        unsigned *code, char *info, size_t isz)
{
        size_t plen;

        if (c->in_len < off + 4 ||
            c->in_len <
                    off + 4 + (plen = u8(c, off) | u8(c, off + 1) << 8 | u8(c, off + 2) << 16)) {
                if (!final)
                        return 0;
                *st = SRV_CHK_L7RSP;
                snprintf(info, isz, "%s", "truncated MySQL packet");
                return -1;
        }
        if (u8(c, off + 4) == 0xff) {
                *st = SRV_CHK_L7STS;
                *code = plen >= 3 ? u8(c, off + 5) | u8(c, off + 6) << 8 : 0;
                payload_line(c, off + 7, info, isz);
                return -1;
        }
        return 1;
}

/* A protocol check's own test of rule @r: 1 passed, 0 waiting, -1 failed with *@st (0: the
 * rule's error status or L7RSP), *@code and @info set */
static int tcp_custom(struct chk *c, const struct cfg_check_rule *r, bool final,
                      enum srv_chk_status *st, unsigned *code, char *info, size_t isz)
{
        const char *p = c->in;
        bool ok;

        switch (r->custom) {
        case CFG_CHK_C_MYSQL_INITHS:
                return mysql_packet(c, 0, final, st, code, info, isz);
        case CFG_CHK_C_MYSQL_OK:
                if (c->in_len < 3)
                        return mysql_packet(c, 0, final, st, code, info, isz);
                return mysql_packet(c, 4 + (u8(c, 0) | u8(c, 1) << 8 | u8(c, 2) << 16), final, st,
                                    code, info, isz);
        case CFG_CHK_C_SSL_HELLO:
                ok = p[0] == 0x15 || p[0] == 0x16;
                break;
        case CFG_CHK_C_PGSQL_NOT_E:
                ok = p[0] != 'E';
                break;
        case CFG_CHK_C_PGSQL_AUTH:
                ok = p[0] == 'R' && !p[1] && !p[2] && !p[3] &&
                     (p[4] == 0x08 || p[4] == 0x0a || p[4] == 0x0c) && !p[5] && !p[6] && !p[7] &&
                     (p[8] == 0 || (p[8] >= 2 && p[8] <= 6));
                break;
        case CFG_CHK_C_SMTP_ANY:
        case CFG_CHK_C_SMTP_2XX:
        case CFG_CHK_C_SMTP_2XX_ML:
                ok = p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
                     p[2] <= '9' &&
                     (p[3] == ' ' || p[3] == '\r' ||
                      (p[3] == '-' && r->custom == CFG_CHK_C_SMTP_2XX_ML)) &&
                     (r->custom == CFG_CHK_C_SMTP_ANY || p[0] == '2');
                break;
        default:
                ok = false;
                break;
        }
        *st = SRV_CHK_UNKNOWN;
        return ok ? 1 : -1;
}

/* tcp-check expect, HAProxy's way: with min-recv, the first @min_recv bytes decide; without,
 * a mismatch waits for more until the server closes or 16 kB arrived. 1 passed (the rule's
 * result kept for the end), 0 waiting, -1 ended (failed, reported). */
static int tcp_expect(struct chk *c, const struct cfg_check_rule *r)
{
        for (;;) {
                bool final = c->eof || c->in_len >= CHK_IN_MAX, m = false, enough;
                enum srv_chk_status st = SRV_CHK_UNKNOWN;
                unsigned code = 0;
                char info[40] = "";
                int rd, res = 0;

                enough = c->in_len >= r->min_recv && c->in_len > 0 &&
                         (r->match != CFG_CHK_M_STRING || c->in_len >= r->pat_len) &&
                         (r->match != CFG_CHK_M_BINARY || c->in_len >= r->pat_len);
                if (r->match == CFG_CHK_M_CUSTOM && (enough || final)) {
                        res = c->in_len || r->custom == CFG_CHK_C_MYSQL_INITHS ||
                                              r->custom == CFG_CHK_C_MYSQL_OK
                                      ? tcp_custom(c, r, final, &st, &code, info, sizeof(info))
                                      : -1;
                } else if (enough || final) {
                        m = c->in_len && tcp_match(c, r, c->in, c->in_len);
                        if (m != r->neg)
                                res = 1;
                        else if (r->min_recv || final)
                                res = -1;
                }
                if (res == 0) {
                        rd = chk_fill(c);
                        if (rd == 0)
                                return 0;
                        if (rd < 0) {
                                chk_fail_errno(c, SRV_CHK_L7RSP, rd);
                                return -1;
                        }
                        continue;
                }
                if (r->code3 && c->in_len >= 3)
                        code = (unsigned)(c->in[0] - '0') * 100 + (unsigned)(c->in[1] - '0') * 10 +
                               (unsigned)(c->in[2] - '0');
                if (res < 0) {
                        if (st == SRV_CHK_UNKNOWN)
                                st = r->err_status ? (enum srv_chk_status)r->err_status
                                                   : SRV_CHK_L7RSP;
                        if (r->err_info)
                                snprintf(info, sizeof(info), "%s", r->err_info);
                        else if (r->err_from)
                                payload_line(c, r->err_from - 1, info, sizeof(info));
                        else if (!info[0])
                                snprintf(info, sizeof(info), "%s",
                                         !c->in_len ? "TCPCHK got an empty response"
                                         : m        ? "TCPCHK matched unwanted content"
                                                    : "TCPCHK did not match content");
                        /* error-status L7OKC: a conditional pass */
                        chk_end(c, st == SRV_CHK_L7OKC, st == SRV_CHK_L7OKC, st, code, info);
                        return -1;
                }
                c->ok_status = r->ok_status ? (enum srv_chk_status)r->ok_status : SRV_CHK_L7OK;
                c->ok_code = code;
                c->ok_info[0] = '\0';
                if (r->ok_info)
                        snprintf(c->ok_info, sizeof(c->ok_info), "%s", r->ok_info);
                else if (r->ok_from)
                        payload_line(c, r->ok_from - 1, c->ok_info, sizeof(c->ok_info));
                else if (r->match == CFG_CHK_M_CUSTOM && r->custom == CFG_CHK_C_MYSQL_INITHS)
                        payload_line(c, 5, c->ok_info, sizeof(c->ok_info)); /* its version */
                else if (r->match == CFG_CHK_M_CUSTOM && r->custom == CFG_CHK_C_MYSQL_OK)
                        payload_line(c, 5, c->ok_info, sizeof(c->ok_info));
                return 1;
        }
}

/* A status in a list "200,300-399" */
static bool status_in(unsigned st, const char *list)
{
        while (*list) {
                char *end;
                unsigned long lo = strtoul(list, &end, 10), hi = lo;

                if (*end == '-')
                        hi = strtoul(end + 1, &end, 10);
                if (st >= lo && st <= hi)
                        return true;
                list = *end == ',' ? end + 1 : end;
                if (*end && *end != ',')
                        break;
        }
        return false;
}

/* The response head in c->in: status, reason, where the body starts and its length (-1:
 * to the end). False while incomplete; *@bad when it cannot be a response. */
static bool http_head(struct chk *c, unsigned *status, char *reason, size_t rsize, size_t *body,
                      long long *clen, bool *bad)
{
        const char *p = c->in, *end = c->in + c->in_len, *hend, *eol;
        size_t n;

        *bad = false;
        hend = memmem(p, c->in_len, "\r\n\r\n", 4);
        if (!hend)
                return false;
        *body = (size_t)(hend + 4 - p);
        if (c->in_len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' || p[9] < '1' ||
            p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9') {
                *bad = true;
                return true;
        }
        *status = (unsigned)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
        eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        p += 12;
        while (p < eol && *p == ' ')
                p++;
        n = SL_MIN((size_t)(eol - p), rsize - 1);
        memcpy(reason, p, n);
        reason[n] = '\0';
        *clen = -1;
        for (const char *l = eol + 2; l < hend;) {
                const char *next = memmem(l, (size_t)(hend + 2 - l), "\r\n", 2);

                if ((size_t)(hend - l) >= 15 && strncasecmp(l, "content-length:", 15) == 0)
                        *clen = strtoll(l + 15, NULL, 10);
                if (!next)
                        break;
                l = next + 2;
        }
        if ((c->http_meth && strcmp(c->http_meth, "HEAD") == 0) || *status == 204 ||
            *status == 304 || *status < 200)
                *clen = 0;
        return true;
}

/* The http-check expect rules from c->step on against the response: 1 passed (c->step past
 * them), 0 waiting, -1 ended */
static int http_expect(struct chk *c)
{
        const struct cfg_checks *cc = &c->rt->px->checks;
        unsigned status = 0;
        char reason[40] = "";
        size_t body = 0, last = c->step;
        long long clen = -1;
        bool bad, need_body = false;
        int rd;

        while (last < c->n_seq && c->seq[last]->kind == CFG_CHK_HTTP_EXPECT) {
                need_body |= c->seq[last]->match == CFG_CHK_M_STRING ||
                             c->seq[last]->match == CFG_CHK_M_RSTRING;
                last++;
        }
        for (;;) {
                bool final = c->eof || c->in_len >= CHK_IN_MAX;

                if (http_head(c, &status, reason, sizeof(reason), &body, &clen, &bad)) {
                        if (bad) {
                                chk_end(c, false, false, SRV_CHK_L7RSP, 0, "Invalid HTTP response");
                                return -1;
                        }
                        if (!need_body || final || (clen >= 0 && c->in_len - body >= (size_t)clen))
                                break;
                } else if (final) {
                        chk_end(c, false, false, SRV_CHK_L7RSP, 0,
                                c->in_len ? "Invalid HTTP response" : "Empty response from server");
                        return -1;
                }
                rd = chk_fill(c);
                if (rd == 0)
                        return 0;
                if (rd < 0) {
                        chk_fail_errno(c, SRV_CHK_L7RSP, rd);
                        return -1;
                }
        }
        if (status == 404 && cc->disable_on_404) {
                chk_end(c, true, true, SRV_CHK_L7OKC, status, reason);
                return -1;
        }
        {
                size_t blen = c->in_len - body;

                if (clen >= 0 && (size_t)clen < blen)
                        blen = (size_t)clen;
                for (size_t i = c->step; i < last; i++) {
                        const struct cfg_check_rule *r = c->seq[i];
                        char st[4];
                        bool m;

                        snprintf(st, sizeof(st), "%03u", status);
                        switch (r->match) {
                        case CFG_CHK_M_STATUS:
                                m = status_in(status, r->pat);
                                break;
                        case CFG_CHK_M_RSTATUS:
                                m = re_match(c, r->re, st, 3);
                                break;
                        case CFG_CHK_M_STRING:
                                m = r->pat_len <= blen &&
                                    memmem(c->in + body, blen, r->pat, r->pat_len) != NULL;
                                break;
                        case CFG_CHK_M_RSTRING:
                                m = re_match(c, r->re, c->in + body, blen);
                                break;
                        case CFG_CHK_M_HDR:
                        case CFG_CHK_M_FHDR: {
                                const char *first = memmem(c->in, body, "\r\n", 2);

                                m = first && hdr_match(c, r, first + 2,
                                                       (size_t)(c->in + body - 2 - (first + 2)));
                                break;
                        }
                        default:
                                m = false;
                                break;
                        }
                        if (m == r->neg) {
                                bool st_rule = r->match == CFG_CHK_M_STATUS ||
                                               r->match == CFG_CHK_M_RSTATUS;
                                bool hdr = r->match == CFG_CHK_M_HDR || r->match == CFG_CHK_M_FHDR;
                                enum srv_chk_status est =
                                        r->err_status ? (enum srv_chk_status)r->err_status
                                        : st_rule     ? SRV_CHK_L7STS
                                                      : SRV_CHK_L7RSP;

                                chk_end(c, est == SRV_CHK_L7OKC, est == SRV_CHK_L7OKC, est, status,
                                        st_rule  ? reason
                                        : hdr    ? (r->neg ? "HTTP header matched unwanted"
                                                           : "HTTP header did not match")
                                        : r->neg ? "HTTP check matched unwanted content"
                                                 : "HTTP content check did not match");
                                return -1;
                        }
                }
        }
        c->step = last;
        c->expected = true;
        c->in_len = 0;
        c->http_status = status;
        snprintf(c->http_reason, sizeof(c->http_reason), "%s", reason);
        return 1;
}

/* Run the sequence from c->step on, as far as it goes without waiting */
static void chk_rules(struct chk *c)
{
        while (c->active && c->step < c->n_seq) {
                const struct cfg_check_rule *r = c->seq[c->step];
                int rc;

                if (!c->run && r->kind != CFG_CHK_CONNECT) {
                        chk_end(c, false, false, SRV_CHK_SOCKERR, 0, "no connection");
                        return;
                }
                switch (r->kind) {
                case CFG_CHK_CONNECT:
                        c->step++;
                        chk_connect(c, r);
                        return;
                case CFG_CHK_SEND:
                case CFG_CHK_HTTP_SEND:
                        if (!c->out) {
                                bool ok = r->kind == CFG_CHK_SEND ? out_add(c, r->data, r->len)
                                                                  : build_http(c, r);

                                if (!ok) {
                                        chk_end(c, false, false, SRV_CHK_SOCKERR, 0,
                                                "out of memory");
                                        return;
                                }
                                c->out_off = 0;
                                c->in_len = 0;
                                if (r->data == (const char *)c->own_data &&
                                    c->rt->px->checks.proto == CFG_CHK_PROTO_SSL_HELLO &&
                                    c->out_len >= 15) {
                                        /* the ClientHello's gmt_unix_time */
                                        uint32_t now =
                                                htonl((uint32_t)(sl_clock_wall_us() / 1000000));

                                        memcpy(c->out + 11, &now, 4);
                                }
                        }
                        rc = chk_flush(c);
                        if (rc == 0)
                                return;
                        if (rc < 0) {
                                chk_fail_errno(c, SRV_CHK_L7RSP, rc);
                                return;
                        }
                        c->step++;
                        break;
                case CFG_CHK_EXPECT:
                        /* the answer stays for the next expect; a send starts afresh */
                        rc = tcp_expect(c, r);
                        if (rc <= 0)
                                return;
                        c->expected = true;
                        c->step++;
                        break;
                case CFG_CHK_HTTP_EXPECT:
                        if (http_expect(c) <= 0)
                                return;
                        break;
                }
        }
        if (!c->active)
                return;
        /* the whole sequence passed: its last rule says how (HAProxy's) */
        switch (c->n_seq ? c->seq[c->n_seq - 1]->kind : CFG_CHK_CONNECT) {
        case CFG_CHK_HTTP_EXPECT:
                chk_end(c, true, false, SRV_CHK_L7OK, c->http_status,
                        c->http_status ? c->http_reason : NULL);
                break;
        case CFG_CHK_EXPECT:
                chk_end(c, true, c->ok_status == SRV_CHK_L7OKC, c->ok_status, c->ok_code,
                        c->ok_info[0] ? c->ok_info : NULL);
                break;
        case CFG_CHK_CONNECT:
                chk_end(c, true, false, c->tls ? SRV_CHK_L6OK : SRV_CHK_L4OK, 0, NULL);
                break;
        case CFG_CHK_SEND:
        case CFG_CHK_HTTP_SEND:
                chk_end(c, true, false, SRV_CHK_L7OK, 0, "(tcp-check)");
                break;
        }
}

static void chk_wake(struct conn *conn)
{
        struct chk_run *run = conn->mux_ctx;
        struct chk *c = run->cc.chk;

        if (!c)
                return;
        if (c->phase == CHK_PH_CONNECT) {
                int r = conn_connect_result(conn);

                if (r == -EAGAIN) {
                        if (conn->state == CONN_ST_CONNECTING)
                                conn_want(conn, CONN_WANT_WR);
                        return;
                }
                if (r < 0) {
                        bool l6 = c->tls && conn->state != CONN_ST_CONNECTING &&
                                  conn->state != CONN_ST_CLOSED && conn->hs_err;

                        if (l6)
                                chk_end(c, false, false, SRV_CHK_L6RSP, 0,
                                        xprt_tls_error(conn)[0] ? xprt_tls_error(conn)
                                                                : "TLS handshake failure");
                        else
                                chk_fail_errno(c, SRV_CHK_L4CON, r);
                        return;
                }
                c->phase = CHK_PH_RULES;
                conn_want(conn, 0);
                {
                        /* the rest: "timeout check" if set, else what is left of inter */
                        const struct cfg_proxy *be = c->rt->px;
                        uint64_t used = loop_now(c->w->loop) - c->start, inter = ccfg(c)->inter_ms;

                        if (be->timeouts_set & (1u << CFG_TO_CHECK))
                                loop_timer_arm(&c->timer, be->timeout_ms[CFG_TO_CHECK]);
                        else
                                loop_timer_arm(&c->timer, inter > used ? inter - used : 1);
                }
        }
        chk_rules(c);
}

static const struct mux_ops chk_mux = {
        .name = "check",
        .wake = chk_wake,
        .release = cc_release,
};

/* observe: a worker saw error-limit consecutive errors on @c's server; on-error says what
 * that does (HAProxy's health analysis), and the next check comes at fastinter */
static void observe_act(struct chk *c)
{
        const struct cfg_server_check *k = ccfg(c);
        struct srv_chk_result res = {.status = SRV_CHK_HANA};

        snprintf(res.info, sizeof(res.info), "Detected %u consecutive errors", k->error_limit);
        switch (k->on_error) {
        case CFG_ON_ERROR_FASTINTER:
                break;
        case CFG_ON_ERROR_SUDDEN_DEATH:
                /* one failure from DOWN */
                if (srv_state_health(c->rec) > k->rise)
                        srv_state_set_health(c->rec, k->rise + 1);
                chk_result(c, false, false, &res);
                break;
        case CFG_ON_ERROR_MARK_DOWN:
                srv_state_set_health(c->rec, k->rise);
                chk_result(c, false, false, &res);
                break;
        case CFG_ON_ERROR_FAIL_CHECK:
        default:
                chk_result(c, false, false, &res);
                break;
        }
        ramp_update(c);
        propagate(c->w->checker);
        if (!c->active && k->fastinter_ms &&
            (!loop_timer_is_armed(&c->timer) ||
             c->timer.expire > loop_now(c->w->loop) + k->fastinter_ms))
                loop_timer_arm(&c->timer, k->fastinter_ms);
}

static void on_poll(struct loop_timer *t)
{
        struct checker *ck = sl_container_of(t, struct checker, poll);

        for (size_t i = 0; i < ck->n; i++)
                if (ck->v[i].sv->opts.check.observe && srv_state_take_errlimit(ck->v[i].rec))
                        observe_act(&ck->v[i]);
        loop_timer_arm(t, CHK_POLL_MS);
}

/* The tracking servers of the generation, each with the checked server its chain ends at */
static int trackers_build(struct worker *w, struct checker *ck)
{
        size_t n = 0;

        for (size_t i = 0; i < w->gen->n_proxies; i++)
                for (size_t j = 0; w->rt[i].lb && j < w->gen->proxies[i]->n_servers; j++)
                        n += w->gen->proxies[i]->servers[j].track_idx >= 0;
        if (!n)
                return 0;
        ck->trackers = calloc(n, sizeof(*ck->trackers));
        if (!ck->trackers)
                return -ENOMEM;
        for (size_t i = 0; i < w->gen->n_proxies; i++) {
                const struct cfg_proxy *px = w->gen->proxies[i];

                for (size_t j = 0; w->rt[i].lb && j < px->n_servers; j++) {
                        const struct cfg_server *t = &px->servers[j];
                        const struct chk *root = NULL;
                        size_t hops = 0;

                        if (t->track_idx < 0)
                                continue;
                        while (t->track_idx >= 0 && hops++ < 1000)
                                t = &t->track_px->servers[t->track_idx];
                        for (size_t k = 0; k < ck->n && !root; k++)
                                if (ck->v[k].sv == t)
                                        root = &ck->v[k];
                        if (!root)
                                continue; /* a chain the configuration refused */
                        ck->trackers[ck->n_trackers++] = (struct tracker){
                                .rt = &w->rt[i],
                                .idx = (int)j,
                                .rec = &w->rt[i].lb->recs[j],
                                .root = root,
                        };
                }
        }
        return 0;
}

/* The timer: a check's deadline while it runs, else the start of the next one */
static void chk_timer(struct loop_timer *t)
{
        struct chk *c = sl_container_of(t, struct chk, timer);

        if (c->run) {
                bool tls_hs = c->tls && c->run->cc.conn.state == CONN_ST_HANDSHAKE;
                const struct cfg_check_rule *r = c->step < c->n_seq ? c->seq[c->step] : NULL;

                chk_end(c, false, false,
                        c->phase == CHK_PH_RULES && r && r->tout_status
                                ? (enum srv_chk_status)r->tout_status
                        : c->phase == CHK_PH_RULES ? SRV_CHK_L7TOUT
                        : tls_hs                   ? SRV_CHK_L6TOUT
                                                   : SRV_CHK_L4TOUT,
                        0, NULL);
                return;
        }
        ramp_update(c);
        /* in maintenance, a server is not checked (HAProxy pauses its checks) */
        if (srv_state_admin(c->rec) & SRV_ADMIN_ANY_MAINT) {
                propagate(c->w->checker); /* its maintenance, to its trackers */
                loop_timer_arm(&c->timer, ccfg(c)->inter_ms);
                return;
        }
        c->start = loop_now(c->w->loop);
        c->active = true;
        c->http_status = 0;
        c->step = 0;
        c->expected = false;
        c->tls = false;
        c->http_meth = NULL;
        c->ok_status = SRV_CHK_L7OK;
        c->ok_code = 0;
        c->ok_info[0] = '\0';
        chk_rules(c);
}

int check_start(struct worker *w)
{
        struct checker *ck;
        size_t n = 0;

        if (w->checker)
                return 0;
        for (size_t i = 0; i < w->gen->n_proxies; i++) {
                const struct cfg_proxy *px = w->gen->proxies[i];

                for (size_t j = 0; w->rt[i].lb && j < px->n_servers; j++)
                        n += px->servers[j].opts.check.enabled || px->servers[j].opts.check.agent;
        }
        if (n == 0)
                return 0;
        ck = calloc(1, sizeof(*ck));
        if (!ck)
                return -ENOMEM;
        ck->v = calloc(n, sizeof(*ck->v));
        ck->md = pcre2_match_data_create(1, NULL);
        ck->rng = ((uint64_t)getpid() << 32) ^ sl_clock_wall_us() ^ 0x9e3779b97f4a7c15ull;
        w->checker = ck;
        if (!ck->v || !ck->md) {
                check_stop(w);
                return -ENOMEM;
        }
        for (size_t i = 0; i < w->gen->n_proxies; i++) {
                const struct cfg_proxy *px = w->gen->proxies[i];
                struct px_rt *rt = &w->rt[i];

                for (size_t j = 0; rt->lb && j < px->n_servers; j++) {
                        const struct cfg_server *sv = &px->servers[j];
                        struct chk *c = &ck->v[ck->n];

                        if (!sv->opts.check.enabled && !sv->opts.check.agent)
                                continue;
                        c->w = w;
                        c->rt = rt;
                        c->sv = sv;
                        c->idx = (int)j;
                        c->rec = &rt->lb->recs[j];
                        c->in = malloc(CHK_IN_MAX);
                        if (!c->in || !build_seq(c) ||
                            loop_timer_init(w->loop, &c->timer, chk_timer) < 0 ||
                            loop_timer_init(w->loop, &c->agent_timer, agent_timer) < 0) {
                                loop_timer_deinit(&c->timer);
                                free(c->in);
                                free(c->seq);
                                free(c->own);
                                free(c->own_data);
                                check_stop(w);
                                return -ENOMEM;
                        }
                        ck->n++;
                        /* a respawned checker goes on from what the agent said last */
                        c->agent_down = sv->opts.check.agent &&
                                        (srv_state_chk_flags(c->rec) & SRV_CHK_F_AGENT_DOWN);
                        if (sv->opts.check.agent)
                                loop_timer_arm(&c->agent_timer,
                                               rnd(ck) % (sv->opts.check.agent_inter_ms ?: 1));
                        if (!sv->opts.check.enabled)
                                continue; /* the agent only */
                        /* never checked (a fresh table): HAProxy starts it at rise, UP */
                        if (!(srv_state_chk_flags(c->rec) & SRV_CHK_F_CHECKED)) {
                                struct srv_chk_result ini = {.status = SRV_CHK_INI};

                                srv_state_set_health(c->rec, sv->opts.check.rise);
                                srv_state_chk_write(c->rec, &ini);
                        }
                        /* the first check at random within the interval */
                        loop_timer_arm(&c->timer, rnd(ck) % sv->opts.check.inter_ms);
                }
        }
        if (trackers_build(w, ck) < 0) {
                check_stop(w);
                return -ENOMEM;
        }
        propagate(ck);
        for (size_t i = 0; i < ck->n; i++)
                if (ck->v[i].sv->opts.check.observe && !ck->polling) {
                        if (loop_timer_init(w->loop, &ck->poll, on_poll) < 0) {
                                check_stop(w);
                                return -ENOMEM;
                        }
                        ck->polling = true;
                        loop_timer_arm(&ck->poll, CHK_POLL_MS);
                }
        sl_log(LOG_INFO, "health checks: %zu servers, checked from this worker", ck->n);
        return 0;
}

void check_stop(struct worker *w)
{
        struct checker *ck = w->checker;

        if (!ck)
                return;
        for (size_t i = 0; i < ck->n; i++) {
                struct chk *c = &ck->v[i];

                run_close(c);
                agent_close(c);
                loop_timer_deinit(&c->timer);
                loop_timer_deinit(&c->agent_timer);
                free(c->in);
                free(c->out);
                free(c->seq);
                free(c->own);
                free(c->own_data);
        }
        if (ck->polling)
                loop_timer_deinit(&ck->poll);
        free(ck->trackers);
        if (ck->md)
                pcre2_match_data_free(ck->md);
        free(ck->v);
        free(ck);
        w->checker = NULL;
}
