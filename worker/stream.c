/* Streams (see stream.h): one request and its response, or one TCP tunnel, carried from the
 * client side to a server side through the endpoints' operations (mux.h).
 *
 * A stream advances in stream_run(): each step does what the state allows (send the request
 * head and body to the server side, receive the response and pass it to the client side,
 * relay a tunnel, send a reply) and the loop repeats while a step made progress. The muxes
 * wake the stream (stream_wake()) when one of its sides changed; the timer covers the
 * deadlines of both sides. Created and started by a client-side mux; ended here, which
 * detaches both sides and frees the stream at the end of the loop turn. */
#include "stream.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "clock.h"
#include "http_ana.h"
#include "log.h"
#include "macros.h"
#include "model.h"
#include "persist.h"
#include "session.h"
#include "stick.h"
#include "stream_fwd.h"
#include "stream_log.h"
#include "vars.h"
#include "wcount.h"
#include "wctx.h"
#include "wsvc.h"

#define STRM_MAX_STEPS     64 /* steps per stream_run(): bounds one stream's share of a turn */
/* A response whose remaining body is at most this long is expected in one more read: its
 * head goes out with MSG_MORE (see res_more_soon()). */
#define STRM_MORE_SOON_MAX 4096

static void stream_run(struct stream *st);
static void stream_tcp_analyse(struct stream *st);
static void stream_upgrade(struct stream *st);
static void stream_go(struct stream *st, enum ana_result ar);
static void stream_end(struct stream *st, bool ok);
static void stream_reply(struct stream *st);
static void stream_connect(struct stream *st);

const char *stream_state_str(enum stream_state s)
{
        switch (s) {
        case STRM_ST_HEAD:
                return "head";
        case STRM_ST_BODY:
                return "body";
        case STRM_ST_QUEUE:
                return "queue";
        case STRM_ST_CONNECT:
                return "connect";
        case STRM_ST_TURNAROUND:
                return "turnaround";
        case STRM_ST_FORWARD:
                return "forward";
        case STRM_ST_TUNNEL:
                return "tunnel";
        case STRM_ST_TARPIT:
                return "tarpit";
        case STRM_ST_REPLY:
                return "reply";
        case STRM_ST_SERVICE:
                return "service";
        case STRM_ST_DONE:
                return "done";
        case STRM_ST_COUNT:
                break;
        }
        return "?";
}

void stream_set_state(struct stream *st, enum stream_state to)
{
        /* bit N set in allowed[to] <=> moving from state N to @to is legal */
        static const uint32_t allowed[STRM_ST_COUNT] = {
                [STRM_ST_BODY] = 1u << STRM_ST_HEAD,
                [STRM_ST_QUEUE] = 1u << STRM_ST_HEAD | 1u << STRM_ST_BODY | 1u << STRM_ST_CONNECT |
                                  1u << STRM_ST_FORWARD | 1u << STRM_ST_TURNAROUND,
                [STRM_ST_CONNECT] = 1u << STRM_ST_HEAD | 1u << STRM_ST_BODY | 1u << STRM_ST_QUEUE |
                                    1u << STRM_ST_CONNECT | 1u << STRM_ST_FORWARD |
                                    1u << STRM_ST_TURNAROUND,
                [STRM_ST_TURNAROUND] = 1u << STRM_ST_CONNECT,
                [STRM_ST_FORWARD] = 1u << STRM_ST_HEAD | 1u << STRM_ST_BODY | 1u << STRM_ST_QUEUE |
                                    1u << STRM_ST_CONNECT | 1u << STRM_ST_FORWARD |
                                    1u << STRM_ST_TURNAROUND,
                [STRM_ST_TUNNEL] = 1u << STRM_ST_HEAD | 1u << STRM_ST_QUEUE |
                                   1u << STRM_ST_CONNECT | 1u << STRM_ST_FORWARD |
                                   1u << STRM_ST_TURNAROUND,
                [STRM_ST_TARPIT] = 1u << STRM_ST_HEAD | 1u << STRM_ST_BODY,
                [STRM_ST_REPLY] = 1u << STRM_ST_HEAD | 1u << STRM_ST_BODY | 1u << STRM_ST_QUEUE |
                                  1u << STRM_ST_CONNECT | 1u << STRM_ST_TURNAROUND |
                                  1u << STRM_ST_FORWARD | 1u << STRM_ST_TARPIT |
                                  1u << STRM_ST_SERVICE,
                [STRM_ST_SERVICE] = 1u << STRM_ST_HEAD | 1u << STRM_ST_BODY,
                [STRM_ST_DONE] = ~0u & ~(1u << STRM_ST_DONE),
        };

        if (sl_unlikely(!(allowed[to] & (1u << st->state)))) {
                sl_log(LOG_CRIT, "BUG: a stream moves from state %s to %s",
                       stream_state_str(st->state), stream_state_str(to));
                sl_bug(__FILE__, __LINE__, "a stream state change that is not allowed");
        }
        st->state = to;
}

/* ---- timers ---- */

static void stream_arm(struct stream *st)
{
        uint64_t exp = st->cli_exp;

        if (st->srv_exp && (!exp || st->srv_exp < exp))
                exp = st->srv_exp;
        if (exp)
                loop_timer_arm_at(&st->timer, exp);
        else
                loop_timer_disarm(&st->timer);
}

/* ---- life ---- */

static void stream_on_reap(struct loop_reap *r)
{
        struct stream *st = sl_container_of(r, struct stream, reap);

        pool_put(&st->w->strm_pool, st);
}

static void stream_on_timer(struct loop_timer *t);

struct stream *stream_new(struct sess *ss, const struct mux_ops *ops, void *ms, bool not_first,
                          uint64_t idle_start_ms, struct sd **ret_sd)
{
        struct worker *w = ss->w;
        struct stream *st = pool_get(&w->strm_pool);

        if (!st) {
                wc_proc_add(w, ST_C_POOL_FAILED);
                return NULL;
        }
        /* the header arrays at the end are filled before use */
        _Static_assert(offsetof(struct stream, cli) + sizeof(struct sd) <=
                                       offsetof(struct stream, stores) &&
                               offsetof(struct stream, srv) + sizeof(struct sd) <=
                                       offsetof(struct stream, stores) &&
                               offsetof(struct stream, req) + sizeof(struct http_msg) <=
                                       offsetof(struct stream, stores) &&
                               offsetof(struct stream, res) + sizeof(struct http_msg) <=
                                       offsetof(struct stream, stores),
                       "stream_new() zeroes the endpoints and messages with the memset");
        memset(st, 0, offsetof(struct stream, stores));
        st->svc_token = 0;
        st->svc_map = NULL;
        if (loop_timer_init(w->loop, &st->timer, stream_on_timer) < 0) {
                pool_put(&w->strm_pool, st);
                wc_proc_add(w, ST_C_POOL_FAILED);
                return NULL;
        }
        st->w = w;
        st->sess = ss;
        st->fe = ss->fe;
        /* the memset above zeroed the endpoints and the messages: only what is not zero */
        st->cli.ops = ops;
        st->cli.ms = ms;
        st->cli.strm = st;
        st->srv.strm = st;
        st->srv_idx = st->last_srv = st->retry_idx = st->force_idx = st->cookie_srv = -1;
        st->term[0] = st->term[1] = '-';
        st->req.hdrs = st->req_hdrs;
        st->req.max_hdrs = STRM_HDR_ROOM;
        st->res.hdrs = st->res_hdrs;
        st->res.max_hdrs = STRM_HDR_ROOM;
        st->req_start_ms = loop_now(w->loop);
        st->req_wall_us = sl_clock_wall_us();
        sl_list_init(&st->queue_link);
        loop_reap_init(&st->reap, stream_on_reap);
        /* an HTTP mux's streams are HTTP ones, a TCP frontend's upgraded connection's too */
        if (ops->http_major)
                st->flags |= STRM_F_HTTP;
        if (not_first)
                st->flags |= STRM_F_NOT_FIRST;
        st->idle_start_ms = idle_start_ms;
        vars_init(&st->vars_txn, (unsigned)w->gen->vars[CFG_VSTORE_TXN].n, CFG_SCOPE_TXN);
        vars_init(&st->vars_reqres, (unsigned)w->gen->vars[CFG_VSTORE_REQRES].n, CFG_SCOPE_REQ);
        *ret_sd = &st->cli;
        return st;
}

struct http_msg *stream_request(struct stream *st)
{
        return &st->req;
}

void stream_pool_flush(struct worker *w)
{
        pool_deinit(&w->strm_pool);
}

static void stream_leave_queue(struct stream *st)
{
        if (st->state == STRM_ST_QUEUE) {
                sl_list_del(&st->queue_link);
                worker_rt(st->w, st->be)->n_queued--;
                stats_gauge(wc_be(st->w, st->be), ST_G_QCUR, -1, ST_M_COUNT);
        }
}

/* Let go of the server side: its connection closes unless @ok (both messages complete; the
 * mux then decides whether the connection can serve again), and the server slot is given
 * back. */
static void stream_detach_srv(struct stream *st, bool ok)
{
        if (st->srv.ops) {
                st->srv.ops->detach(&st->srv, ok);
                st->srv.ops = NULL;
                st->srv.ms = NULL;
        }
        backend_release(st);
}

/* The end: log, count, let go of both sides (the client side last: it may start the next
 * request at once, or close the connection), free at the end of the turn. @ok: the
 * exchange completed and the client connection may carry another request. */
static void stream_end(struct stream *st, bool ok)
{
        struct worker *w = st->w;
        const struct sd cli = st->cli;

        if (st->state == STRM_ST_DONE)
                return;
        stream_log(st);
        wcount_stream_end(st);
        if (st->svc_token || st->svc_map)
                wsvc_release(st);
        stick_stream_end(st->sess, st, st->bytes_in, st->bytes_out);
        vars_clear(w, st->sess, st, &st->vars_reqres);
        vars_clear(w, st->sess, st, &st->vars_txn);
        stream_leave_queue(st);
        stream_detach_srv(st, ok && st->req_st == MSG_ST_DONE && st->res_st == MSG_ST_DONE);
        st->pipe_up = worker_pipe_put(w, st->pipe_up);
        st->pipe_down = worker_pipe_put(w, st->pipe_down);
        if (st->scratch) {
                pool_put(&w->bufs, st->scratch);
                st->scratch = NULL;
        }
        stream_body_keep_free(st);
        loop_timer_deinit(&st->timer);
        stream_set_state(st, STRM_ST_DONE);
        st->cli.ops = NULL;
        loop_reap(w->loop, &st->reap);
        /* a server's cancel reaches the client as one */
        if (st->srv.flags & SD_F_CANCEL)
                st->cli.flags |= SD_F_CANCEL;
        if (cli.ops)
                cli.ops->detach(&st->cli, ok && st->res_st == MSG_ST_DONE);
}

void stream_kill(struct stream *st, char who)
{
        stream_set_term(st, who, stream_phase(st));
        stream_end(st, false);
}

/* ---- replies ---- */

/* A response of sluice's is in st->res (http_ana.c): drop the server side and send it. */
static void stream_reply(struct stream *st)
{
        stream_leave_queue(st);
        stream_detach_srv(st, false);
        stream_msg_set(st, &st->res_st, MSG_ST_HEAD);
        stick_http_status(st->sess, st, st->status);
        st->cli_exp = stream_deadline(st, cfg_proxy_timeout(st->fe, CFG_TO_CLIENT));
        st->srv_exp = 0;
        stream_set_state(st, STRM_ST_REPLY);
}

/* An error sluice answers itself (400, 408, 503, ...). Out of memory, the connection closes. */
static void stream_reply_error(struct stream *st, unsigned status)
{
        if (!http_ana_reply_error(st, status)) {
                stream_end(st, false);
                return;
        }
        stream_reply(st);
}

/* A tarpit's time is over, or its client half-closed: the reply it made goes (HAProxy's
 * http_process_tarpit(): PT in the log), on a connection kept as after a deny. */
static void stream_tarpit_end(struct stream *st)
{
        stream_set_term(st, 'P', 'T');
        stream_reply(st);
}

/* ---- start ---- */

/* The request's analysis said @ar: wait for the body, or answer, or go to a server. */
static void stream_analysed(struct stream *st, enum ana_result ar)
{
        if (ar == ANA_WAIT) {
                uint64_t cli = stream_deadline(st, cfg_proxy_timeout(st->fe, CFG_TO_CLIENT));

                if (st->state != STRM_ST_BODY)
                        stream_set_state(st, STRM_ST_BODY);
                /* the client timeout, or the wait's own time if sooner */
                st->cli_exp = st->body_exp && (!cli || st->body_exp < cli) ? st->body_exp : cli;
                return;
        }
        if (ar == ANA_REJECT) {
                /* a tcp-request rule rejected it: closed without a log line, as HAProxy */
                wc_proc_add(st->w, ST_C_TCP_REJECTED);
                st->flags |= STRM_F_DENIED;
                st->flags |= STRM_F_LOGGED;
                stream_set_term(st, 'P', 'R');
                stream_end(st, false);
                return;
        }
        if (ar == ANA_ABORT) {
                stream_end(st, false);
                return;
        }
        if (ar == ANA_REPLY && (st->flags & STRM_F_TARPIT)) {
                /* the client is answered nothing until the tarpit's time is over */
                stream_set_state(st, STRM_ST_TARPIT);
                st->cli_exp = st->tarpit_exp;
                st->srv_exp = 0;
                return;
        }
        if (ar == ANA_REPLY) {
                stream_reply(st);
                return;
        }
        if (ar == ANA_SERVICE) {
                /* the master makes the answer; the stream waits for it, bounded */
                if (wsvc_start(st) < 0) {
                        stream_set_term(st, 'P', 'R');
                        stream_reply_error(st, 503);
                        return;
                }
                stream_set_state(st, STRM_ST_SERVICE);
                st->cli_exp = loop_now(st->w->loop) + WSVC_TIMEOUT_MS;
                st->srv_exp = 0;
                return;
        }
        if (st->state == STRM_ST_BODY)
                st->cli_exp = 0; /* the wait's deadline is over */
        st->retry_idx = -1;
        st->retries_left = st->be->retries;
        stream_connect(st);
}

void stream_start(struct stream *st, size_t head_len)
{
        enum ana_result ar;

        st->req_head_len = head_len;
        memset(st->tried, 0, sizeof(st->tried));
        if (st->flags & STRM_F_HTTP) {
                struct stats_blk *fb = wc_fe(st->w, st->fe);

                st->head_done_ms = loop_now(st->w->loop);
                fb->c[ST_C_REQ_TOT]++;
                stats_rate_hit(fb, ST_R_REQ, ST_M_REQ_RATE, st->head_done_ms);
                st->bytes_in = st->req_head_len;
                ar = http_ana_request(st);
        } else {
                st->cli_exp = stream_deadline(st, cfg_proxy_timeout(st->fe, CFG_TO_CLIENT));
                stream_tcp_analyse(st);
                return;
        }
        stream_go(st, ar);
}

/* TCP: the content rules and the choice of a backend, again each time the client's bytes
 * come while they wait (tcp-request inspect-delay), and once more when the delay is over. */
static void stream_tcp_analyse(struct stream *st)
{
        enum ana_result ar = http_ana_tcp(st);

        if (ar == ANA_WAIT) {
                st->flags |= STRM_F_INSPECT;
                st->cli_exp = st->inspect_exp;
                stream_arm(st);
                return;
        }
        st->flags &= ~(uint32_t)STRM_F_INSPECT;
        st->cli_exp = stream_deadline(st, cfg_proxy_timeout(st->fe, CFG_TO_CLIENT));
        if (ar == ANA_UPGRADE) {
                stream_upgrade(st);
                return;
        }
        if (ar == ANA_REPLY) {
                /* no backend */
                stream_set_term(st, 'P', 'C');
                stream_end(st, false);
                return;
        }
        stream_go(st, ar);
}

/* The TCP stream chose an HTTP backend: its connection becomes an HTTP one (HAProxy's
 * implicit upgrade), in place for HTTP/1, where this stream carries the first request, or
 * for HTTP/2, whose streams are new ones (this one vanishes). */
static void stream_upgrade(struct stream *st)
{
        int r;

        if (!st->cli.ops->upgrade) {
                /* only the TCP mux makes TCP streams, and it upgrades */
                stream_set_term(st, 'I', 'R');
                stream_end(st, false);
                return;
        }
        r = st->cli.ops->upgrade(&st->cli, st->upgrade_major);
        if (r == 1)
                return; /* the HTTP/1 mux runs it now */
        if (r == 0) {
                stream_vanish(st);
                return;
        }
        /* the session was closed */
        st->cli.ops = NULL;
        stream_set_term(st, 'R', 'R');
        stream_end(st, false);
}

struct sd *stream_upgraded(struct stream *st, const struct mux_ops *ops, void *ms)
{
        st->cli = (struct sd){.ops = ops, .ms = ms, .strm = st};
        st->flags |= STRM_F_HTTP | STRM_F_UPGRADED;
        st->cli_exp = st->srv_exp = 0;
        stream_arm(st);
        return &st->cli;
}

void stream_vanish(struct stream *st)
{
        st->cli.ops = NULL;
        st->be = NULL;
        st->flags |= STRM_F_LOGGED;
        stream_end(st, false);
}

/* After the analysis of the request: wait for the body, reject, reply, or connect to a
 * server, and run the stream. */
static void stream_go(struct stream *st, enum ana_result ar)
{
        stream_analysed(st, ar);
        if (st->state != STRM_ST_DONE)
                stream_run(st);
}

void stream_fail(struct stream *st, unsigned status, char who, char when, size_t received)
{
        st->bytes_in = received;
        if (when == 'R') {
                st->flags |= STRM_F_INVALID;
                /* HAProxy counts a request it could not parse among the requests */
                if ((st->flags & STRM_F_HTTP) && !st->head_done_ms)
                        wc_fe(st->w, st->fe)->c[ST_C_REQ_TOT]++;
        }
        stream_set_term(st, who, when);
        stream_reply_error(st, status);
        if (st->state != STRM_ST_DONE)
                stream_run(st);
}

/* ---- the server ---- */

static void stream_connected(struct stream *st)
{
        uint64_t now = loop_now(st->w->loop);

        st->connect_done_ms = now;
        st->srv_exp = stream_deadline(st, cfg_proxy_timeout(st->be, CFG_TO_SERVER));
        /* TCP has no response head: its store-response rules run once connected */
        if (!(st->flags & STRM_F_HTTP) && st->be->n_stick_rules)
                persist_store_response(st);
        stream_set_state(st, (st->flags & STRM_F_HTTP) ? STRM_ST_FORWARD : STRM_ST_TUNNEL);
}

/* The stream fails with termination state @who @when: HTTP answers @status, TCP closes. */
static void stream_error(struct stream *st, char who, char when, unsigned status)
{
        stream_set_term(st, who, when);
        if (st->flags & STRM_F_HTTP)
                stream_reply_error(st, status);
        else
                stream_end(st, false);
}

/* No server could be had: 503 (HTTP), or the connection closes (TCP). */
static void stream_no_server(struct stream *st, char who)
{
        stream_error(st, who, 'C', 503);
}

/* Go to a server: a slot, a connection; or the backend's queue; or a 503. */
static void stream_connect(struct stream *st)
{
        struct px_rt *rt = worker_rt(st->w, st->be);
        uint64_t now = loop_now(st->w->loop);

        switch (backend_connect(st)) {
        case BE_QUEUED:
                if (st->state != STRM_ST_QUEUE) {
                        /* every usable server is at its maxconn: wait in the backend's queue
                         * for a slot, up to timeout queue (else timeout connect), as HAProxy */
                        uint64_t tmo = cfg_proxy_timeout(st->be, CFG_TO_QUEUE)
                                               ?: cfg_proxy_timeout(st->be, CFG_TO_CONNECT);

                        stream_set_state(st, STRM_ST_QUEUE);
                        sl_list_push_back(&rt->queue, &st->queue_link);
                        rt->n_queued++;
                        stats_gauge(wc_be(st->w, st->be), ST_G_QCUR, 1, ST_M_QCUR);
                        st->queued_ms = now;
                        st->srv_exp = stream_deadline(st, tmo);
                        st->cli_exp = 0;
                }
                if (!loop_timer_is_armed(&rt->queue_poll))
                        loop_timer_arm(&rt->queue_poll, 10);
                return;
        case BE_NO_SERVER:
                stream_no_server(st, 's');
                return;
        case BE_ATTACHED:
                break;
        }
        if (st->state == STRM_ST_QUEUE) {
                stream_leave_queue(st);
                st->queue_ms = now - st->queued_ms;
        }
        st->connect_start_ms = now;
        if (st->srv.flags & SD_F_CONNECTED) {
                stream_connected(st);
                return;
        }
        stream_set_state(st, STRM_ST_CONNECT);
        st->srv_exp = stream_deadline(st, cfg_proxy_timeout(st->be, CFG_TO_CONNECT));
}

/* The server side failed: the connection attempt (refused, reset, timed out), or, with
 * retry-on, the request's exchange (STRM_F_L7_RETRY: no response, a bad one, a status to
 * retry, the server timeout). Try again while retries last, each attempt counting one as in
 * HAProxy, on the same server unless backend_redispatch() says otherwise; a failed connection
 * is tried again only with retry-on conn-failure (the default). A request that failed on a
 * reused connection before any response byte is replayed on a new one at no cost, as the
 * server may simply have closed it while idle. @conn_err: the connection attempt ended in an
 * error (not its timeout), so the retry waits first (backend_turnaround_ms()). */
static void stream_retry(struct stream *st, bool conn_err)
{
        uint64_t wait_ms = 0;
        int idx = st->srv_idx;
        bool reused = st->srv.flags & SD_F_REUSED;
        bool refused = st->srv.flags & SD_F_REFUSED;
        bool l7 = st->flags & STRM_F_L7_RETRY;

        st->flags &= ~(uint32_t)STRM_F_L7_RETRY;
        stream_detach_srv(st, false);
        if (!l7) {
                backend_count(st, idx, ST_C_ECON);
                wcount_observe(st, idx, true);
        }
        if (!reused || l7) {
                if (st->retries_left == 0 ||
                    (!l7 && !(st->be->retry_on & CFG_RETRY_CONN_FAILURE))) {
                        stream_no_server(st, 'S');
                        return;
                }
                st->retries_left--;
                st->retries++;
                st->retry_idx = idx;
                /* refused unprocessed by an HTTP/2 server: on another connection */
                if (refused)
                        st->flags |= STRM_F_NEW_CONN;
                bool redispatch = backend_redispatch(st, idx);

                if (redispatch) {
                        /* another server than this one, if there is one */
                        memset(st->tried, 0, sizeof(st->tried));
                        if (idx < (int)sizeof(st->tried) * 8)
                                st->tried[idx / 8] |= (uint8_t)(1u << (idx % 8));
                        st->retry_idx = -1;
                        st->flags |= STRM_F_REDISPATCH;
                        st->flags &= ~(uint32_t)STRM_F_DIRECT;
                }
                if (conn_err && !l7)
                        wait_ms = backend_turnaround_ms(st, redispatch);
        } else {
                /* the other idle connections to it may be as stale: a new one, which also
                 * keeps the replays bounded */
                st->retry_idx = -1;
                st->flags |= STRM_F_NEW_CONN;
        }
        /* the new connection needs the whole request again; its end, once received from the
         * client, is not received again */
        if (st->req_st >= MSG_ST_TAIL &&
            (st->req.body == HTTP_BODY_NONE ||
             (st->req.body == HTTP_BODY_LENGTH && st->req.content_length == 0)))
                st->flags |= STRM_F_REQ_ENDED;
        /* what went of the body goes again first, from the copy kept (stream_fwd.c) */
        if ((st->req_body_sent || (st->flags & STRM_F_BODY_KEPT_EOM)) &&
            !(st->flags & STRM_F_BODY_LOST)) {
                st->flags |= STRM_F_BODY_REPLAY;
                st->body_keep_sent = 0;
        }
        st->req_body_sent = 0;
        stream_msg_set(st, &st->req_st, MSG_ST_HEAD);
        stream_msg_set(st, &st->res_st, MSG_ST_HEAD);
        if (wait_ms) {
                stream_set_state(st, STRM_ST_TURNAROUND);
                st->srv_exp = loop_now(st->w->loop) + wait_ms;
                return;
        }
        stream_connect(st);
}

/* ---- driving ---- */

/* After a 101 or a 2xx to CONNECT went to the client: both sides relay opaque bytes. */
static void stream_to_tunnel(struct stream *st)
{
        st->cli.ops->tunnel(&st->cli);
        st->srv.ops->tunnel(&st->srv);
        stream_msg_set(st, &st->req_st, MSG_ST_DONE);
        stream_msg_set(st, &st->res_st, MSG_ST_DONE);
        st->cli_exp = st->srv_exp = 0;
        stream_set_state(st, STRM_ST_TUNNEL);
}

/* Do what a forwarding step asked. Returns true when the stream should step again. */
static bool stream_act(struct stream *st, enum strm_act a)
{
        switch (a) {
        case STRM_ACT_NONE:
                return false;
        case STRM_ACT_PROGRESS:
                return true;
        case STRM_ACT_REPLY:
                stream_reply(st);
                return true;
        case STRM_ACT_RETRY:
                stream_retry(st, false);
                return true;
        case STRM_ACT_TUNNEL:
                stream_to_tunnel(st);
                return true;
        case STRM_ACT_END:
                stream_end(st, st->state == STRM_ST_REPLY || st->req_st == MSG_ST_DONE);
                return false;
        case STRM_ACT_ABORT:
        case STRM_ACT_COUNT:
                break;
        }
        stream_end(st, false);
        return false;
}

static void stream_run(struct stream *st)
{
        for (int i = 0; i < STRM_MAX_STEPS; i++) {
                enum stream_state was = st->state;
                bool progress = false;

                /* A client that reset is gone both ways: nothing it asked for can reach it
                 * (a client that only half-closed still gets its response). */
                if ((st->cli.flags & SD_F_ERR) && st->state != STRM_ST_DONE) {
                        stream_set_term(st, 'C', stream_phase(st));
                        stream_end(st, false);
                        return;
                }
                /* option abortonclose: a client that closed while its request waits for a
                 * server is dropped before the server sees it (HAProxy's CQ and CC) */
                if ((st->state == STRM_ST_QUEUE || st->state == STRM_ST_CONNECT ||
                     st->state == STRM_ST_TURNAROUND) &&
                    (st->cli.flags & SD_F_EOS) && (st->be->options & CFG_OPT_ABORTONCLOSE)) {
                        stream_set_term(st, 'C', stream_phase(st));
                        stream_end(st, false);
                        return;
                }

                switch (st->state) {
                case STRM_ST_HEAD:
                        /* TCP content rules waiting for the client's bytes: they may have
                         * come, or the client closed */
                        if (st->flags & STRM_F_INSPECT) {
                                stream_tcp_analyse(st);
                                progress = st->state != STRM_ST_HEAD;
                                if (!progress)
                                        return; /* still waiting: stream_arm() was done */
                        }
                        break;
                case STRM_ST_QUEUE:
                case STRM_ST_TURNAROUND:
                        break;
                case STRM_ST_BODY:
                        /* more of the body, or its end: the analysis goes on */
                        stream_analysed(st, http_ana_request(st));
                        progress = st->state != STRM_ST_BODY;
                        break;
                case STRM_ST_CONNECT:
                        if (st->srv.flags & SD_F_CONN_ERR) {
                                stream_retry(st, true);
                                progress = true;
                        } else if (st->srv.flags & SD_F_CONNECTED) {
                                stream_connected(st);
                                progress = true;
                        }
                        break;
                case STRM_ST_FORWARD:
                        progress = stream_act(st, stream_fwd_http(st));
                        break;
                case STRM_ST_TUNNEL:
                        progress = stream_act(st, stream_fwd_tunnel(st));
                        break;
                case STRM_ST_TARPIT:
                        /* a client known to have half-closed is answered at once (HAProxy's
                         * http_process_tarpit() on CF_SHUTR); one that reset has gone */
                        if (st->cli.flags & SD_F_EOS) {
                                stream_tarpit_end(st);
                                progress = true;
                        }
                        break;
                case STRM_ST_REPLY:
                        progress = stream_act(st, stream_fwd_reply(st));
                        break;
                case STRM_ST_SERVICE:
                        /* a client gone while the master answers: nobody to answer */
                        if (st->cli.flags & SD_F_EOS) {
                                stream_set_term(st, 'C', 'R');
                                stream_end(st, false);
                                return;
                        }
                        break;
                case STRM_ST_DONE:
                case STRM_ST_COUNT:
                        return;
                }
                if (!progress && st->state == was)
                        break;
        }
        if (st->state != STRM_ST_DONE)
                stream_arm(st);
}

void stream_wake(struct stream *st)
{
        stream_run(st);
}

void stream_service_answer(struct stream *st, bool ok)
{
        if (st->state != STRM_ST_SERVICE)
                return;
        if (ok) {
                stream_reply(st);
        } else {
                stream_set_term(st, 'P', 'R');
                stream_reply_error(st, 503);
        }
        if (st->state != STRM_ST_DONE)
                stream_run(st);
}

/* ---- timeouts ---- */

static void stream_on_timer(struct loop_timer *t)
{
        struct stream *st = sl_container_of(t, struct stream, timer);
        uint64_t now = loop_now(st->w->loop);
        bool cli = st->cli_exp && st->cli_exp <= now;
        bool srv = st->srv_exp && st->srv_exp <= now;

        if (!cli && !srv) {
                stream_arm(st);
                return;
        }
        switch (st->state) {
        case STRM_ST_BODY:
                /* the body wait ran out of time: the analysis answers (408) */
                st->flags |= STRM_F_BODY_TIMEOUT;
                stream_analysed(st, http_ana_request(st));
                break;
        case STRM_ST_QUEUE:
                stream_error(st, 's', 'Q', 503);
                break;
        case STRM_ST_CONNECT:
                /* a connection that timed out failed: retried like a refused one */
                if (st->retries_left && (st->be->retry_on & CFG_RETRY_CONN_FAILURE)) {
                        stream_retry(st, false);
                        break;
                }
                stream_detach_srv(st, false);
                stream_error(st, 's', 'C', 503);
                break;
        case STRM_ST_TURNAROUND:
                if (srv) {
                        /* the wait is over: the attempt it held */
                        st->srv_exp = 0;
                        stream_connect(st);
                        break;
                }
                /* the client's time ran out first */
                stream_error(st, 'c', 'C', 408);
                break;
        case STRM_ST_FORWARD:
                if (srv && st->res_st == MSG_ST_HEAD && st->req_st == MSG_ST_DONE &&
                    stream_l7_retry_ok(st, CFG_RETRY_RESPONSE_TIMEOUT)) {
                        st->flags |= STRM_F_L7_RETRY;
                        stream_retry(st, false);
                        break;
                }
                stream_set_term(st, srv ? 's' : 'c', stream_phase(st));
                if (st->res_st == MSG_ST_HEAD) {
                        stream_reply_error(st, srv ? 504 : 408);
                        break;
                }
                stream_end(st, false);
                break;
        case STRM_ST_TARPIT:
                stream_tarpit_end(st);
                break;
        case STRM_ST_TUNNEL:
        case STRM_ST_REPLY:
                stream_set_term(st, srv ? 's' : 'c', 'D');
                stream_end(st, false);
                break;
        case STRM_ST_SERVICE:
                /* the master did not answer in time */
                wsvc_release(st);
                stream_set_term(st, 'P', 'R');
                stream_reply_error(st, 503);
                break;
        case STRM_ST_HEAD:
                if (st->flags & STRM_F_INSPECT) {
                        /* inspect-delay is over: the rules decide with what came */
                        st->flags |= STRM_F_INSPECT_EXPIRED;
                        stream_tcp_analyse(st);
                        break;
                }
                return;
        case STRM_ST_DONE:
        case STRM_ST_COUNT:
                return;
        }
        if (st->state != STRM_ST_DONE)
                stream_run(st);
}

/* ---- queues ---- */

void stream_queue_run(struct px_rt *rt)
{
        /* oldest first; stop at the first one that still finds every server full */
        while (!sl_list_empty(&rt->queue)) {
                struct stream *st = sl_list_first(&rt->queue, struct stream, queue_link);

                stream_connect(st);
                if (st->state == STRM_ST_QUEUE)
                        break;
                if (st->state != STRM_ST_DONE)
                        stream_run(st);
        }
        if (rt->n_queued && !loop_timer_is_armed(&rt->queue_poll))
                loop_timer_arm(&rt->queue_poll, 10);
}
