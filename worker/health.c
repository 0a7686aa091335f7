/* Health checks (health.h): one struct chk per checked server, a timer each, and for the
 * check under way a connection of its own (struct chk_run) driven by a small mux that only
 * wakes the check. The sequence of a check is a list of rules: the backend's tcp-check or
 * http-check rules, with the implicit ones HAProxy adds (the first connect, the default
 * request, the default 2xx-3xx expectation). The state machine, the protocol checks and the
 * agents are in health_state.c, health_proto.c and health_agent.c (health-int.h). */
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

#include "alog_sink.h"
#include "clock.h"
#include "conn.h"
#include "dns.h"
#include "health-int.h"
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

static const struct mux_ops chk_mux;

static uint64_t rnd(struct checker *ck)
{
        /* xorshift64*: enough to spread checks */
        ck->rng ^= ck->rng >> 12;
        ck->rng ^= ck->rng << 25;
        ck->rng ^= ck->rng >> 27;
        return ck->rng * 0x2545f4914f6cdd1dull;
}

/* ---- the sequence ---- */

static bool build_seq(struct chk *c)
{
        const struct cfg_checks *cc = &c->rt->px->checks;
        size_t n = 0, cap = cc->n_rules + 3;
        bool http = cc->type == CFG_CHECK_HTTP, any_send = false, expect_after = false;

        if (cc->type == CFG_CHECK_TCP && cc->proto)
                return health_build_proto(c);
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

/* ---- the checker's connections ---- */

void health_cc_free(struct loop_reap *r)
{
        free(sl_container_of(r, struct chk_conn, reap)); /* the first member of its run */
}

/* The muxes' release: a check frees its connection itself (health_cc_close()) */
void health_cc_release(struct conn *conn)
{
        (void)conn;
}

/* Close @cc (the check no longer hears of it) and free it once the loop turn is over */
void health_cc_close(struct chk *c, struct chk_conn *cc)
{
        cc->chk = NULL;
        if (cc->conn.xprt && cc->conn.state != CONN_ST_CLOSED)
                conn_close(&cc->conn);
        loop_reap(c->w->loop, &cc->reap);
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
                health_cc_close(c, &run->cc);
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
        if (status == SRV_CHK_L4CON || status == SRV_CHK_L4TOUT)
                dns_srv_unreachable(c->w, c->sv);
        health_result(c, passed, cond, &res);
        health_ramp(c);
        health_propagate(c->w->checker);
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
        loop_reap_init(&run->cc.reap, health_cc_free);
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
        /* check-send-proxy (or the server's send-proxy*): the header of a connection sluice
         * makes itself, first (before TLS) */
        if (r == &c->implicit[0] || r->dflt ? cfg_server_opts_check_pp(&c->sv->opts)
                                            : r->send_proxy) {
                size_t n = pp_out_local_header(c->sv->opts.pp, run->pp_buf, sizeof(run->pp_buf));

                run->pp = (struct pp_out){.p = run->pp_buf, .len = (uint16_t)n};
                if (c->tls) {
                        if (!n || xprt_tls_prepend(&run->cc.conn, run->pp_buf, n) < 0) {
                                chk_end(c, false, false, SRV_CHK_SOCKERR, 0, "out of memory");
                                return;
                        }
                } else {
                        run->hs =
                                (struct conn_hs){.step = {pp_out_step}, .data = {&run->pp}, .n = 1};
                        run->cc.conn.connect_hs = &run->hs;
                        run->cc.conn.flags |= CONN_F_CONN_PENDING;
                }
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
                                      ? health_tcp_custom(c, r, final, &st, &code, info,
                                                          sizeof(info))
                                      : -1;
                } else if (enough || final) {
                        m = c->in_len && health_tcp_match(c, r, c->in, c->in_len);
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
                                health_payload_line(c, r->err_from - 1, info, sizeof(info));
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
                        health_payload_line(c, r->ok_from - 1, c->ok_info, sizeof(c->ok_info));
                else if (r->match == CFG_CHK_M_CUSTOM && r->custom == CFG_CHK_C_MYSQL_INITHS)
                        health_payload_line(c, 5, c->ok_info, sizeof(c->ok_info)); /* its version */
                else if (r->match == CFG_CHK_M_CUSTOM && r->custom == CFG_CHK_C_MYSQL_OK)
                        health_payload_line(c, 5, c->ok_info, sizeof(c->ok_info));
                return 1;
        }
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
                                m = health_status_in(status, r->pat);
                                break;
                        case CFG_CHK_M_RSTATUS:
                                m = health_re_match(c, r->re, st, 3);
                                break;
                        case CFG_CHK_M_STRING:
                                m = r->pat_len <= blen &&
                                    memmem(c->in + body, blen, r->pat, r->pat_len) != NULL;
                                break;
                        case CFG_CHK_M_RSTRING:
                                m = health_re_match(c, r->re, c->in + body, blen);
                                break;
                        case CFG_CHK_M_HDR:
                        case CFG_CHK_M_FHDR: {
                                const char *first = memmem(c->in, body, "\r\n", 2);

                                m = first &&
                                    health_hdr_match(c, r, first + 2,
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
        .release = health_cc_release,
};

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
        health_ramp(c);
        /* in maintenance, a server is not checked (HAProxy pauses its checks) */
        if (srv_state_admin(c->rec) & SRV_ADMIN_ANY_MAINT) {
                health_propagate(c->w->checker); /* its maintenance, to its trackers */
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
        bool poll;

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
                            loop_timer_init(w->loop, &c->agent_timer, health_agent_timer) < 0) {
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
                        /* an agent never run (a fresh table): HAProxy's starts at INI; so
                         * does one whose last result a killed checker left half written */
                        if (sv->opts.check.agent) {
                                struct srv_chk_result ini = {.status = SRV_CHK_INI}, last;

                                if (!(srv_state_chk_flags(c->rec) & SRV_CHK_F_AGENT_CHECKED) ||
                                    !srv_state_agent_read(c->rec, &last))
                                        srv_state_agent_write(c->rec, &ini);
                                loop_timer_arm(&c->agent_timer,
                                               rnd(ck) % (sv->opts.check.agent_inter_ms ?: 1));
                        }
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
        if (health_trackers_build(w, ck) < 0) {
                check_stop(w);
                return -ENOMEM;
        }
        health_propagate(ck);
        /* the poll: observe's error-limit, and maintenance and drain set at run time carried
         * down tracking chains */
        poll = ck->n_trackers > 0;
        for (size_t i = 0; i < ck->n; i++)
                poll = poll || ck->v[i].sv->opts.check.observe;
        if (poll) {
                if (loop_timer_init(w->loop, &ck->poll, health_observe_poll) < 0) {
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
                health_agent_close(c);
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
