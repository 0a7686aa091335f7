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
#include "session.h"
#include "stick.h"
#include "stream_log.h"
#include "wctx.h"

#define STRM_MAX_STEPS 64 /* steps per stream_run(): bounds one stream's share of a turn */
/* A response whose remaining body is at most this long is expected in one more read: its
 * head goes out with MSG_MORE (see res_more_soon()). */
#define STRM_MORE_SOON_MAX 4096

static void stream_run(struct stream *st);
static void stream_end(struct stream *st, bool ok);
static void stream_reply(struct stream *st);
static void stream_connect(struct stream *st);

const char *stream_state_str(enum stream_state s)
{
        switch (s) {
        case STRM_ST_HEAD:
                return "head";
        case STRM_ST_QUEUE:
                return "queue";
        case STRM_ST_CONNECT:
                return "connect";
        case STRM_ST_FORWARD:
                return "forward";
        case STRM_ST_TUNNEL:
                return "tunnel";
        case STRM_ST_REPLY:
                return "reply";
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
                [STRM_ST_QUEUE] = 1u << STRM_ST_HEAD | 1u << STRM_ST_CONNECT |
                                  1u << STRM_ST_FORWARD,
                [STRM_ST_CONNECT] = 1u << STRM_ST_HEAD | 1u << STRM_ST_QUEUE |
                                    1u << STRM_ST_CONNECT | 1u << STRM_ST_FORWARD,
                [STRM_ST_FORWARD] = 1u << STRM_ST_HEAD | 1u << STRM_ST_QUEUE |
                                    1u << STRM_ST_CONNECT | 1u << STRM_ST_FORWARD,
                [STRM_ST_TUNNEL] = 1u << STRM_ST_HEAD | 1u << STRM_ST_QUEUE |
                                   1u << STRM_ST_CONNECT | 1u << STRM_ST_FORWARD,
                [STRM_ST_REPLY] = 1u << STRM_ST_HEAD | 1u << STRM_ST_QUEUE |
                                  1u << STRM_ST_CONNECT | 1u << STRM_ST_FORWARD,
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

static uint64_t px_timeout(const struct cfg_proxy *px, enum cfg_timeout t)
{
        return px && (px->timeouts_set & (1u << t)) ? px->timeout_ms[t] : 0;
}

static uint64_t deadline(const struct stream *st, uint64_t ms)
{
        return ms ? loop_now(st->w->loop) + ms : 0;
}

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

static void set_term(struct stream *st, char who, char when)
{
        if (st->term[0] == '-') {
                st->term[0] = who;
                st->term[1] = when;
        }
}

/* The phase letter of HAProxy's termination state for the current state. */
static char stream_phase(const struct stream *st)
{
        switch (st->state) {
        case STRM_ST_HEAD:
                return 'R';
        case STRM_ST_QUEUE:
                return 'Q';
        case STRM_ST_CONNECT:
                return 'C';
        case STRM_ST_FORWARD:
                return st->res_st >= MSG_ST_BODY ? 'D' : 'H';
        case STRM_ST_TUNNEL:
        case STRM_ST_REPLY:
                return 'D';
        case STRM_ST_DONE:
        case STRM_ST_COUNT:
                break;
        }
        return '-';
}

/* ---- life ---- */

static void stream_on_reap(struct loop_reap *r)
{
        struct stream *st = sl_container_of(r, struct stream, reap);

        pool_put(&st->w->strm_pool, st);
}

static void stream_on_timer(struct loop_timer *t);

struct stream *stream_new(struct sess *ss, const struct mux_ops *ops, void *ms, bool not_first)
{
        struct worker *w = ss->w;
        struct stream *st = pool_get(&w->strm_pool);

        if (!st) {
                w->stats.sessions_oom++;
                return NULL;
        }
        /* the header arrays at the end are filled before use */
        memset(st, 0, offsetof(struct stream, stores));
        if (loop_timer_init(w->loop, &st->timer, stream_on_timer) < 0) {
                pool_put(&w->strm_pool, st);
                w->stats.sessions_oom++;
                return NULL;
        }
        st->w = w;
        st->sess = ss;
        st->fe = ss->fe;
        st->cli = (struct sd){.ops = ops, .ms = ms, .strm = st};
        st->srv = (struct sd){.strm = st};
        st->srv_idx = st->last_srv = st->retry_idx = st->force_idx = st->cookie_srv = -1;
        st->term[0] = st->term[1] = '-';
        st->req = (struct http_msg){.hdrs = st->req_hdrs, .max_hdrs = STRM_HDR_ROOM};
        st->res = (struct http_msg){.hdrs = st->res_hdrs, .max_hdrs = STRM_HDR_ROOM};
        st->req_start_ms = loop_now(w->loop);
        st->req_wall_us = sl_clock_wall_us();
        sl_list_init(&st->queue_link);
        loop_reap_init(&st->reap, stream_on_reap);
        if (ss->fe->mode == CFG_MODE_HTTP)
                st->flags |= STRM_F_HTTP;
        if (not_first)
                st->flags |= STRM_F_NOT_FIRST;
        return st;
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
        stick_stream_end(st->sess, st, st->bytes_in, st->bytes_out);
        stream_leave_queue(st);
        stream_detach_srv(st, ok && st->req_st == MSG_ST_DONE && st->res_st == MSG_ST_DONE);
        st->pipe_up = worker_pipe_put(w, st->pipe_up);
        st->pipe_down = worker_pipe_put(w, st->pipe_down);
        if (st->scratch) {
                pool_put(&w->bufs, st->scratch);
                st->scratch = NULL;
        }
        loop_timer_deinit(&st->timer);
        stream_set_state(st, STRM_ST_DONE);
        st->cli.ops = NULL;
        loop_reap(w->loop, &st->reap);
        if (cli.ops)
                cli.ops->detach(&st->cli, ok && st->res_st == MSG_ST_DONE);
}

void stream_kill(struct stream *st, char who)
{
        set_term(st, who, stream_phase(st));
        stream_end(st, false);
}

/* ---- replies ---- */

/* A response of sluice's is in st->res (http_ana.c): drop the server side and send it. */
static void stream_reply(struct stream *st)
{
        stream_leave_queue(st);
        stream_detach_srv(st, false);
        st->res_st = MSG_ST_HEAD;
        stick_http_status(st->sess, st, st->status);
        if (st->status >= 500)
                st->w->stats.replies_5xx++;
        else if (st->status >= 400)
                st->w->stats.replies_4xx++;
        st->cli_exp = deadline(st, px_timeout(st->fe, CFG_TO_CLIENT));
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

/* Send the reply: head, body, then wait until the client side wrote it all. */
static bool reply_step(struct stream *st)
{
        struct sd *cli = &st->cli;
        bool progress = false;
        ssize_t n;

        if (st->res_st == MSG_ST_HEAD) {
                n = cli->ops->snd_head(cli, &st->res, SD_HEAD_REPLACE);
                if (n < 0) {
                        /* part of a response already reached the client: only a cut is left */
                        stream_end(st, false);
                        return false;
                }
                st->bytes_out = (uint64_t)n;
                st->res_st = MSG_ST_BODY;
                progress = true;
        }
        if (st->res_st == MSG_ST_BODY) {
                struct sd_data d = {.len = st->reply_body.len - st->reply_sent,
                                    .flags = SD_DATA_EOM};

                if (d.len)
                        d.p = st->reply_body.ptr + st->reply_sent;

                n = cli->ops->snd_data(cli, &d);
                if (n < 0) {
                        set_term(st, 'C', 'D');
                        stream_end(st, false);
                        return false;
                }
                st->reply_sent += (size_t)n;
                st->bytes_out += (uint64_t)n;
                if ((size_t)n == d.len)
                        st->res_st = MSG_ST_TAIL;
                if (n)
                        progress = true;
        }
        if (st->res_st == MSG_ST_TAIL) {
                int r = cli->ops->flush(cli);

                if (r == -EAGAIN)
                        return progress;
                if (r < 0) {
                        set_term(st, 'C', 'D');
                        stream_end(st, false);
                        return false;
                }
                st->res_st = MSG_ST_DONE;
                stream_end(st, true);
                return false;
        }
        return progress;
}

/* ---- start ---- */

void stream_start(struct stream *st)
{
        enum ana_result ar;

        memset(st->tried, 0, sizeof(st->tried));
        if (st->flags & STRM_F_HTTP) {
                st->state = STRM_ST_HEAD;
                st->head_done_ms = loop_now(st->w->loop);
                st->w->stats.requests++;
                st->bytes_in = st->req_head_len;
                ar = http_ana_request(st);
        } else {
                st->cli_exp = deadline(st, px_timeout(st->fe, CFG_TO_CLIENT));
                ar = http_ana_tcp(st);
                if (ar == ANA_REPLY) {
                        /* no backend */
                        set_term(st, 'P', 'C');
                        stream_end(st, false);
                        return;
                }
        }
        if (ar == ANA_REJECT) {
                /* a tcp-request rule rejected it: closed without a log line, as HAProxy */
                st->w->stats.tcp_rejected++;
                st->flags |= STRM_F_LOGGED;
                set_term(st, 'P', 'R');
                stream_end(st, false);
                return;
        }
        if (ar == ANA_REPLY) {
                stream_reply(st);
                stream_run(st);
                return;
        }
        st->retry_idx = -1;
        st->retries_left = st->be->retries;
        stream_connect(st);
        if (st->state != STRM_ST_DONE)
                stream_run(st);
}

void stream_fail(struct stream *st, unsigned status, char who, char when)
{
        set_term(st, who, when);
        stream_reply_error(st, status);
        if (st->state != STRM_ST_DONE)
                stream_run(st);
}

/* ---- the server ---- */

static void stream_connected(struct stream *st)
{
        uint64_t now = loop_now(st->w->loop);

        st->connect_done_ms = now;
        st->srv_exp = deadline(st, px_timeout(st->be, CFG_TO_SERVER));
        stream_set_state(st, (st->flags & STRM_F_HTTP) ? STRM_ST_FORWARD : STRM_ST_TUNNEL);
}

/* No server could be had: 503 (HTTP), or the connection closes (TCP). */
static void stream_no_server(struct stream *st, char who)
{
        set_term(st, who, 'C');
        if (st->flags & STRM_F_HTTP)
                stream_reply_error(st, 503);
        else
                stream_end(st, false);
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
                        uint64_t tmo = px_timeout(st->be, CFG_TO_QUEUE)
                                               ?: px_timeout(st->be, CFG_TO_CONNECT);

                        stream_set_state(st, STRM_ST_QUEUE);
                        sl_list_push_back(&rt->queue, &st->queue_link);
                        rt->n_queued++;
                        st->queued_ms = now;
                        st->srv_exp = deadline(st, tmo);
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
        st->srv_exp = deadline(st, px_timeout(st->be, CFG_TO_CONNECT));
}

/* The connection attempt failed (refused, reset before any response byte): try again while
 * retries last (the last one on another server with option redispatch). A request that
 * failed on a reused connection is replayed on a new one at no cost, as the server may
 * simply have closed it while idle. */
static void stream_retry(struct stream *st)
{
        int idx = st->srv_idx;
        bool reused = st->srv.flags & SD_F_REUSED;

        stream_detach_srv(st, false);
        st->w->stats.srv_conn_failed++;
        if (!reused) {
                if (st->retries_left == 0) {
                        stream_no_server(st, 'S');
                        return;
                }
                st->retries_left--;
                st->retries++;
                /* HAProxy retries the same server; with option redispatch the last retry
                 * goes to another one */
                st->retry_idx = idx;
                if (idx >= 0 && (st->be->options & CFG_OPT_REDISPATCH) && st->retries_left == 0 &&
                    idx < (int)sizeof(st->tried) * 8) {
                        st->tried[idx / 8] |= (uint8_t)(1u << (idx % 8));
                        st->retry_idx = -1;
                        st->flags |= STRM_F_REDISPATCHED;
                }
        } else {
                /* the other idle connections to it may be as stale: a new one, which also
                 * keeps the replays bounded */
                st->retry_idx = -1;
                st->flags |= STRM_F_NEW_CONN;
        }
        /* the new connection needs the whole request again */
        st->req_st = MSG_ST_HEAD;
        st->res_st = MSG_ST_HEAD;
        stream_connect(st);
}

static bool server_close_wanted(const struct stream *st)
{
        return ((st->fe->options | (st->be ? st->be->options : 0)) & CFG_OPT_HTTP_SERVER_CLOSE) ||
               (st->be && st->be->http_reuse == CFG_REUSE_NEVER);
}

/* ---- HTTP forwarding ---- */

/* The server side failed while the request was being sent. */
static void req_send_failed(struct stream *st)
{
        if (st->req_body_sent == 0 && st->res_st == MSG_ST_HEAD &&
            !(st->srv.flags & SD_F_RCVD)) {
                stream_retry(st);
                return;
        }
        set_term(st, 'S', stream_phase(st));
        stream_end(st, false);
}

/* Request head and body to the server side. Returns true on progress. */
static bool req_step(struct stream *st)
{
        struct sd *cli = &st->cli, *srv = &st->srv;
        bool progress = false;
        int r;

        if (st->req_st == MSG_ST_HEAD) {
                r = srv->ops->snd_head(srv, &st->req, server_close_wanted(st) ? SD_HEAD_CLOSE : 0);
                if (r < 0) {
                        set_term(st, 'P', 'R');
                        stream_reply_error(st, 500);
                        return false;
                }
                st->req_st = MSG_ST_BODY;
                progress = true;
        }
        while (st->req_st == MSG_ST_BODY) {
                struct sd_data d = {.trailers = st->trailers, .max_trailers = STRM_MAX_TRAILERS};
                ssize_t n;

                r = cli->ops->rcv_data(cli, &d);
                if (r < 0) {
                        if (r == -EBADMSG || r == HTTP_E_BODY_TOO_LARGE || r == HTTP_E_TOO_LARGE) {
                                set_term(st, 'P', 'D');
                                if (st->req_body_sent == 0 && st->res_st == MSG_ST_HEAD) {
                                        stream_reply_error(st, (unsigned)http_error_status(r));
                                        return false;
                                }
                        } else {
                                /* the client left in the middle of its request body */
                                set_term(st, 'C', stream_phase(st));
                        }
                        stream_end(st, false);
                        return false;
                }
                if (d.len == 0 && !(d.flags & SD_DATA_EOM)) {
                        /* nothing more now: what the server side holds still goes out */
                        r = srv->ops->flush(srv);
                        if (r < 0 && r != -EAGAIN) {
                                req_send_failed(st);
                                return false;
                        }
                        if (!st->cli_exp)
                                st->cli_exp = deadline(st, px_timeout(st->fe, CFG_TO_CLIENT));
                        break;
                }
                n = srv->ops->snd_data(srv, &d);
                if (n < 0) {
                        req_send_failed(st);
                        return false;
                }
                cli->ops->rcv_consume(cli, (size_t)n);
                if (n) {
                        st->req_body_sent += (uint64_t)n;
                        st->bytes_in += (uint64_t)n;
                        st->cli_exp = deadline(st, px_timeout(st->fe, CFG_TO_CLIENT));
                        st->srv_exp = deadline(st, px_timeout(st->be, CFG_TO_SERVER));
                        progress = true;
                }
                if ((size_t)n < d.len)
                        break;
                if (d.flags & SD_DATA_EOM) {
                        st->req_st = MSG_ST_TAIL;
                        progress = true;
                }
        }
        if (st->req_st == MSG_ST_TAIL) {
                r = srv->ops->flush(srv);
                if (r == -EAGAIN)
                        return progress;
                if (r < 0) {
                        req_send_failed(st);
                        return false;
                }
                st->req_st = MSG_ST_DONE;
                /* nothing more is expected from the client for this request */
                if (st->res_st < MSG_ST_BODY)
                        st->cli_exp = 0;
                progress = true;
        }
        return progress;
}

/* The response broke (framing, or the server closed early) after its head was given to
 * the client side: a 502 if none of it reached the client, else the connection is cut. */
static void res_broken(struct stream *st, int r)
{
        char who = r == -EPIPE || r == -ECONNRESET ? 'S' : 'P';

        if (!(st->cli.flags & SD_F_SENT)) {
                set_term(st, who, 'H');
                stream_reply_error(st, 502);
                return;
        }
        set_term(st, who, 'D');
        stream_end(st, false);
}

/* Is the rest of the response short and due at once? Servers often write a small
 * response's head and body in two system calls, and the proxy may read between them. The
 * head then goes out with MSG_MORE, so head and body reach the client in one segment
 * instead of two (one wake-up of the client, one ACK less). The kernel holds such a segment
 * until the next send or at most about 200 ms (its probe timer); "option http-no-delay"
 * turns this off, as in HAProxy. */
static bool res_more_soon(const struct stream *st, const struct sd_data *d)
{
        return (d->flags & SD_DATA_MORE) &&
               !((st->fe->options | st->be->options) & CFG_OPT_HTTP_NO_DELAY);
}

/* The response head from the server side. Returns true on progress. */
static bool res_head_step(struct stream *st)
{
        struct sd *cli = &st->cli, *srv = &st->srv;
        int r;

        r = srv->ops->rcv_head(srv, &st->res);
        if (r == 0)
                return false;
        if (r < 0) {
                /* closed before any response byte: replay on a new connection if it was a
                 * reused one and nothing of the body went, else a bad gateway */
                if (r == -EPIPE && (srv->flags & SD_F_REUSED) && !(srv->flags & SD_F_RCVD) &&
                    st->req_body_sent == 0) {
                        stream_retry(st);
                        return true;
                }
                set_term(st, r == -EBADMSG ? 'P' : 'S', 'H');
                stream_reply_error(st, 502);
                return true;
        }
        if (st->res.status == 101 && !(st->req.flags & HTTP_MSG_F_UPGRADE)) {
                /* RFC 9110 15.2.2: a switch only to a request that asked for one */
                set_term(st, 'P', 'H');
                stream_reply_error(st, 502);
                return true;
        }
        if (st->res.flags & HTTP_MSG_F_INTERIM) {
                /* 100 Continue, 103 Early Hints: passed on as they are */
                r = cli->ops->snd_head(cli, &st->res, 0);
                srv->ops->rcv_head_done(srv);
                if (r < 0) {
                        stream_end(st, false);
                        return false;
                }
                return true;
        }
        st->res_head_ms = loop_now(st->w->loop);
        if (http_ana_response(st) == ANA_REPLY) {
                stream_reply(st);
                return true;
        }
        st->status = st->res.status;
        stick_http_status(st->sess, st, st->status);
        r = cli->ops->snd_head(cli, &st->res, 0);
        srv->ops->rcv_head_done(srv);
        if (r < 0) {
                set_term(st, 'P', 'H');
                stream_reply_error(st, 502);
                return true;
        }
        st->bytes_out = (uint64_t)r;
        st->res_st = MSG_ST_BODY;
        return true;
}

/* Response body from the server side to the client side. Returns true on progress. */
static bool res_body_step(struct stream *st)
{
        struct sd *cli = &st->cli, *srv = &st->srv;
        bool progress = false;
        int r;

        while (st->res_st == MSG_ST_BODY) {
                struct sd_data d = {.trailers = st->trailers, .max_trailers = STRM_MAX_TRAILERS};
                ssize_t n;

                r = srv->ops->rcv_data(srv, &d);
                if (r < 0) {
                        res_broken(st, r);
                        return false;
                }
                if (!res_more_soon(st, &d))
                        d.flags &= ~(unsigned)SD_DATA_MORE;
                if (d.len == 0 && !(d.flags & SD_DATA_EOM)) {
                        struct sd_data more = {.flags = d.flags & SD_DATA_MORE};

                        /* nothing more now: the head, if pending, goes out */
                        n = cli->ops->snd_data(cli, &more);
                        if (n < 0) {
                                set_term(st, 'C', stream_phase(st));
                                stream_end(st, false);
                                return false;
                        }
                        break;
                }
                n = cli->ops->snd_data(cli, &d);
                if (n < 0) {
                        set_term(st, 'C', stream_phase(st));
                        stream_end(st, false);
                        return false;
                }
                srv->ops->rcv_consume(srv, (size_t)n);
                if (n) {
                        st->bytes_out += (uint64_t)n;
                        st->cli_exp = deadline(st, px_timeout(st->fe, CFG_TO_CLIENT));
                        st->srv_exp = deadline(st, px_timeout(st->be, CFG_TO_SERVER));
                        progress = true;
                }
                if ((size_t)n < d.len)
                        break;
                if (d.flags & SD_DATA_EOM) {
                        st->res_st = MSG_ST_TAIL;
                        st->srv_exp = 0;
                        progress = true;
                }
        }
        if (st->res_st == MSG_ST_TAIL) {
                r = cli->ops->flush(cli);
                if (r == -EAGAIN)
                        return progress;
                if (r < 0) {
                        set_term(st, 'C', 'D');
                        stream_end(st, false);
                        return false;
                }
                st->res_st = MSG_ST_DONE;
                progress = true;
        }
        return progress;
}

/* ---- tunnels (mode tcp, WebSocket, CONNECT) ---- */

/* Move bytes @from -> @to through a kernel pipe with splice(): no copy through user space.
 * Returns true on progress; *ret_used tells whether the pipe carries this direction (else
 * the caller uses the muxes' buffers). */
static bool relay_splice(struct stream *st, struct sd *from, struct sd *to, struct wpipe **pp,
                         uint64_t *count, bool *ret_used)
{
        struct wpipe *p = *pp;
        bool progress = false;
        ssize_t n;

        *ret_used = false;
        if (!from->ops->splice_rcv || !to->ops->splice_snd)
                return false;
        if (!p) {
                p = worker_pipe_get(st->w);
                if (!p)
                        return false;
                *pp = p;
        }
        if (p->data < WORKER_PIPE_SIZE && !(from->flags & (SD_F_EOS | SD_F_ERR))) {
                n = from->ops->splice_rcv(from, p);
                if (n == -ENOTSUP && p->data == 0)
                        return false; /* the mux holds bytes: they go first, by buffer */
                if (n > 0)
                        progress = true;
                else if (n == 0 || (n < 0 && n != -EAGAIN && n != -ENOTSUP))
                        progress = true; /* end of stream or reset: flags set by the mux */
        }
        *ret_used = true;
        while (p->data) {
                n = to->ops->splice_snd(to, p);
                if (n == -EAGAIN)
                        break;
                if (n <= 0) {
                        /* @to is gone: what the pipe holds can never be delivered, and a pipe
                         * is only reused empty, so it is closed */
                        from->flags |= SD_F_ERR;
                        to->flags |= SD_F_ERR;
                        *pp = worker_pipe_put(st->w, p);
                        return true;
                }
                *count += (uint64_t)n;
                progress = true;
        }
        return progress;
}

/* One direction of a tunnel. @shut_flag: set once @to was shut for writing. */
static bool relay(struct stream *st, struct sd *from, struct sd *to, struct wpipe **pp,
                  uint64_t *count, uint32_t shut_flag)
{
        bool progress = false, spliced = false;

        if (!(st->flags & STRM_F_HTTP))
                progress = relay_splice(st, from, to, pp, count, &spliced);
        if (!spliced) {
                for (;;) {
                        struct sd_data d = {0};
                        ssize_t n;
                        int r = from->ops->rcv_data(from, &d);

                        if (r < 0 || d.len == 0)
                                break;
                        n = to->ops->snd_data(to, &d);
                        if (n < 0) {
                                from->flags |= SD_F_ERR;
                                to->flags |= SD_F_ERR;
                                return true;
                        }
                        if (n == 0)
                                break;
                        from->ops->rcv_consume(from, (size_t)n);
                        *count += (uint64_t)n;
                        progress = true;
                        if ((size_t)n < d.len)
                                break;
                }
        }
        /* the reading side ended and everything went through: pass the FIN on */
        if ((from->flags & (SD_F_EOS | SD_F_ERR)) && !(st->flags & shut_flag) &&
            (!*pp || (*pp)->data == 0)) {
                struct sd_data d = {0};

                if (from->flags & SD_F_ERR || (from->ops->rcv_data(from, &d) == 0 && d.len == 0)) {
                        if (to->ops->flush(to) != -EAGAIN) {
                                to->ops->shutw(to);
                                st->flags |= shut_flag;
                                progress = true;
                        }
                }
        }
        return progress;
}

static bool tunnel_step(struct stream *st)
{
        uint64_t tunnel = px_timeout(st->be, CFG_TO_TUNNEL);
        bool progress;

        progress = relay(st, &st->cli, &st->srv, &st->pipe_up, &st->bytes_in, STRM_F_SRV_SHUT);
        progress |= relay(st, &st->srv, &st->cli, &st->pipe_down, &st->bytes_out,
                          STRM_F_CLI_SHUT);
        if ((st->flags & STRM_F_SRV_SHUT) && (st->flags & STRM_F_CLI_SHUT)) {
                stream_end(st, false);
                return false;
        }
        if (progress) {
                /* inactivity: tunnel timeout when set, else client/server; after a FIN on one
                 * side, the other side's -fin timeout */
                uint64_t cli = tunnel ?: px_timeout(st->fe, CFG_TO_CLIENT);
                uint64_t srv = tunnel ?: px_timeout(st->be, CFG_TO_SERVER);

                if ((st->cli.flags & SD_F_EOS) && px_timeout(st->fe, CFG_TO_CLIENT_FIN))
                        cli = px_timeout(st->fe, CFG_TO_CLIENT_FIN);
                if ((st->srv.flags & SD_F_EOS) && px_timeout(st->be, CFG_TO_SERVER_FIN))
                        srv = px_timeout(st->be, CFG_TO_SERVER_FIN);
                st->cli_exp = deadline(st, cli);
                st->srv_exp = deadline(st, srv);
        }
        return progress;
}

/* After a 101 or a 2xx to CONNECT went to the client: both sides relay opaque bytes. */
static void stream_to_tunnel(struct stream *st)
{
        st->cli.ops->tunnel(&st->cli);
        st->srv.ops->tunnel(&st->srv);
        st->req_st = st->res_st = MSG_ST_DONE;
        st->cli_exp = st->srv_exp = 0;
        stream_set_state(st, STRM_ST_TUNNEL);
}

/* ---- driving ---- */

static bool forward_step(struct stream *st)
{
        bool progress = false;

        if (st->req_st != MSG_ST_DONE) {
                progress |= req_step(st);
                if (st->state != STRM_ST_FORWARD)
                        return progress;
        }
        if (st->res_st == MSG_ST_HEAD && st->req_st != MSG_ST_HEAD) {
                progress |= res_head_step(st);
                if (st->state != STRM_ST_FORWARD)
                        return progress;
        }
        if (st->res_st == MSG_ST_BODY && st->res.body == HTTP_BODY_TUNNEL) {
                /* the head of the switch goes out first */
                int r = st->cli.ops->flush(&st->cli);

                if (r == -EAGAIN)
                        return progress;
                if (r < 0) {
                        set_term(st, 'C', 'D');
                        stream_end(st, false);
                        return false;
                }
                stream_to_tunnel(st);
                return true;
        }
        if (st->res_st >= MSG_ST_BODY && st->res_st != MSG_ST_DONE) {
                progress |= res_body_step(st);
                if (st->state != STRM_ST_FORWARD)
                        return progress;
        }
        if (st->res_st == MSG_ST_DONE) {
                /* a server that answered before the request's end: the connection cannot
                 * carry another request (the rest of that body is unread) */
                stream_end(st, st->req_st == MSG_ST_DONE);
                return false;
        }
        return progress;
}

static void stream_run(struct stream *st)
{
        for (int i = 0; i < STRM_MAX_STEPS; i++) {
                enum stream_state was = st->state;
                bool progress = false;

                switch (st->state) {
                case STRM_ST_HEAD:
                case STRM_ST_QUEUE:
                        break;
                case STRM_ST_CONNECT:
                        if (st->srv.flags & SD_F_CONN_ERR) {
                                stream_retry(st);
                                progress = true;
                        } else if (st->srv.flags & SD_F_CONNECTED) {
                                stream_connected(st);
                                progress = true;
                        }
                        break;
                case STRM_ST_FORWARD:
                        progress = forward_step(st);
                        break;
                case STRM_ST_TUNNEL:
                        progress = tunnel_step(st);
                        break;
                case STRM_ST_REPLY:
                        progress = reply_step(st);
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

/* ---- timeouts ---- */

static void stream_on_timer(struct loop_timer *t)
{
        struct stream *st = sl_container_of(t, struct stream, timer);
        uint64_t now = loop_now(st->w->loop);
        bool cli = st->cli_exp && st->cli_exp <= now;
        bool srv = st->srv_exp && st->srv_exp <= now;
        bool http = st->flags & STRM_F_HTTP;

        if (!cli && !srv) {
                stream_arm(st);
                return;
        }
        switch (st->state) {
        case STRM_ST_QUEUE:
                set_term(st, 's', 'Q');
                if (http)
                        stream_reply_error(st, 503);
                else
                        stream_end(st, false);
                break;
        case STRM_ST_CONNECT:
                set_term(st, 's', 'C');
                stream_detach_srv(st, false);
                if (http)
                        stream_reply_error(st, 503);
                else
                        stream_end(st, false);
                break;
        case STRM_ST_FORWARD:
                set_term(st, srv ? 's' : 'c', stream_phase(st));
                if (st->res_st == MSG_ST_HEAD) {
                        stream_reply_error(st, srv ? 504 : 408);
                        break;
                }
                stream_end(st, false);
                break;
        case STRM_ST_TUNNEL:
        case STRM_ST_REPLY:
                set_term(st, srv ? 's' : 'c', 'D');
                stream_end(st, false);
                break;
        case STRM_ST_HEAD:
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
