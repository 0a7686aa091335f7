/* Forwarding steps of streams (see stream_fwd.h), called by stream_run() in stream.c. Bodies
 * cross without a copy: what rcv_data() shows of the receiving side's buffer goes straight
 * to the sending side's snd_data(), and is consumed for what was taken. */
#include "stream_fwd.h"

#include <errno.h>

#include "http_ana.h"
#include "log.h"
#include "loop.h"
#include "macros.h"
#include "mux.h"
#include "session-t.h"
#include "stick.h"
#include "wctx.h"

/* ---- helpers ---- */

void stream_set_term(struct stream *st, char who, char when)
{
        if (st->term[0] == '-') {
                st->term[0] = who;
                st->term[1] = when;
        }
}

static const char *msg_state_str(enum msg_state s)
{
        switch (s) {
        case MSG_ST_HEAD:
                return "head";
        case MSG_ST_BODY:
                return "body";
        case MSG_ST_TAIL:
                return "tail";
        case MSG_ST_DONE:
                return "done";
        case MSG_ST_COUNT:
                break;
        }
        return "?";
}

/* bit N set in allowed[to] <=> moving from state N to @to is legal */
const uint32_t stream_msg_allowed[MSG_ST_COUNT] = {
        [MSG_ST_HEAD] = ~0u, /* again: a retry, or a reply of sluice's */
        [MSG_ST_BODY] = 1u << MSG_ST_HEAD,
        [MSG_ST_TAIL] = 1u << MSG_ST_BODY,
        [MSG_ST_DONE] = 1u << MSG_ST_BODY | 1u << MSG_ST_TAIL | 1u << MSG_ST_DONE,
};

void stream_msg_bad(const struct stream *st, const enum msg_state *m, enum msg_state to)
{
        sl_log(LOG_CRIT, "BUG: a stream's %s moves from state %s to %s",
               m == &st->req_st ? "request" : "response", msg_state_str(*m), msg_state_str(to));
        sl_bug(__FILE__, __LINE__, "a message state change that is not allowed");
}

char stream_phase(const struct stream *st)
{
        switch (st->state) {
        case STRM_ST_HEAD:
        case STRM_ST_BODY:
                return 'R';
        case STRM_ST_QUEUE:
                return 'Q';
        case STRM_ST_CONNECT:
        case STRM_ST_TURNAROUND:
                return 'C';
        case STRM_ST_FORWARD:
                return st->res_st >= MSG_ST_BODY ? 'D' : 'H';
        case STRM_ST_TARPIT:
                return 'T';
        case STRM_ST_SERVICE:
                return 'R';
        case STRM_ST_TUNNEL:
        case STRM_ST_REPLY:
                return 'D';
        case STRM_ST_DONE:
        case STRM_ST_COUNT:
                break;
        }
        return '-';
}

bool stream_l7_retry_ok(const struct stream *st, uint32_t cond)
{
        return cond && st->be && (st->be->retry_on & cond) && st->retries_left > 0 &&
               (st->flags & STRM_F_HTTP) && st->req_body_sent == 0 &&
               (st->req.body == HTTP_BODY_NONE ||
                (st->req.body == HTTP_BODY_LENGTH && st->req.content_length == 0));
}

/* Send the request again (retry-on): the stream counts it as a retry. */
static enum strm_act l7_retry(struct stream *st)
{
        st->flags |= STRM_F_L7_RETRY;
        return STRM_ACT_RETRY;
}

/* An error page for @status as the stream's reply (cut when out of memory). */
static enum strm_act reply_error(struct stream *st, unsigned status)
{
        return http_ana_reply_error(st, status) ? STRM_ACT_REPLY : STRM_ACT_ABORT;
}

static void refresh(struct stream *st, bool cli, bool srv)
{
        if (cli)
                st->cli_exp = stream_deadline(st, cfg_proxy_timeout(st->fe, CFG_TO_CLIENT));
        if (srv)
                st->srv_exp = stream_deadline(st, cfg_proxy_timeout(st->be, CFG_TO_SERVER));
}

/* What body bytes could move from one side to the other. */
enum move {
        MOVE_IDLE = 0, /* nothing to receive now */
        MOVE_FULL,     /* the sending side took less than was offered */
        MOVE_EOM,      /* the message's end was handed over */
        MOVE_RCV_ERR,  /* receiving failed: *ret_err */
        MOVE_SND_ERR,  /* sending failed: *ret_err */
};

/* ---- the request body kept for a replay ---- */

void stream_body_keep_free(struct stream *st)
{
        free(st->body_keep);
        st->body_keep = NULL;
        st->body_keep_len = st->body_keep_cap = st->body_keep_sent = 0;
}

/* May the request go again on another connection with all of its body sent so far? */
bool stream_body_replayable(const struct stream *st)
{
        return st->req_body_sent == 0 ||
               (!(st->flags & STRM_F_BODY_LOST) && st->body_keep_sent == st->req_body_sent);
}

/* @n more bytes of the request body went to a server that may refuse it unprocessed (@eom:
 * with its end, @trailers: and trailers): a copy, while the body fits in tune.bufsize. */
static void body_keep_add(struct stream *st, const char *p, size_t n, bool eom, bool trailers)
{
        size_t need = st->body_keep_len + n, cap = st->w->bufs.size;

        if (st->flags & STRM_F_BODY_LOST)
                return;
        if (need > cap || trailers)
                goto lost;
        if (need > st->body_keep_cap) {
                size_t c = st->body_keep_cap ? st->body_keep_cap : 1024;
                char *k;

                while (c < need)
                        c *= 2;
                k = realloc(st->body_keep, SL_MIN(c, cap));
                if (!k)
                        goto lost;
                st->body_keep = k;
                st->body_keep_cap = SL_MIN(c, cap);
        }
        if (n)
                memcpy(st->body_keep + st->body_keep_len, p, n);
        st->body_keep_len = need;
        st->body_keep_sent = need;
        if (eom)
                st->flags |= STRM_F_BODY_KEPT_EOM;
        return;
lost:
        stream_body_keep_free(st);
        st->flags |= STRM_F_BODY_LOST;
}

/* Pass body bytes @from -> @to, without a copy, until one side waits or the message ends;
 * *count and *progress follow what was taken. @keep_more: the MSG_MORE hint is passed on.
 * @keep: what @to takes is also kept (body_keep_add()). */
static enum move move_body(struct stream *st, struct sd *from, struct sd *to, uint64_t *count,
                           bool *progress, bool keep_more, bool keep, int *ret_err)
{
        for (;;) {
                struct sd_data d = {.trailers = st->trailers, .max_trailers = HTTP_MAX_TRAILERS};
                ssize_t n;
                int r = from->ops->rcv_data(from, &d);

                if (r < 0) {
                        *ret_err = r;
                        return MOVE_RCV_ERR;
                }
                if (!keep_more)
                        d.flags &= ~(unsigned)SD_DATA_MORE;
                if (d.len == 0 && !(d.flags & SD_DATA_EOM)) {
                        /* nothing more now: what the sending side holds goes out (with
                         * MSG_MORE when the rest is due at once) */
                        struct sd_data more = {.flags = d.flags & SD_DATA_MORE};

                        n = to->ops->snd_data(to, &more);
                        if (n < 0) {
                                *ret_err = (int)n;
                                return MOVE_SND_ERR;
                        }
                        return MOVE_IDLE;
                }
                n = to->ops->snd_data(to, &d);
                if (n < 0) {
                        *ret_err = (int)n;
                        return MOVE_SND_ERR;
                }
                if (keep && (n || (d.flags & SD_DATA_EOM)))
                        body_keep_add(st, d.p, (size_t)n,
                                      (d.flags & SD_DATA_EOM) && (size_t)n == d.len,
                                      d.n_trailers > 0);
                from->ops->rcv_consume(from, (size_t)n);
                if (n) {
                        *count += (uint64_t)n;
                        refresh(st, true, true);
                        *progress = true;
                }
                if ((size_t)n < d.len)
                        return MOVE_FULL;
                if (d.flags & SD_DATA_EOM)
                        return MOVE_EOM;
        }
}

/* ---- replies ---- */

enum strm_act stream_fwd_reply(struct stream *st)
{
        struct sd *cli = &st->cli;
        bool progress = false;
        ssize_t n;

        if (st->res_st == MSG_ST_HEAD) {
                /* sluice's own responses pass the http-after-response rules too; one that
                 * fails there goes as it is */
                (void)http_ana_after(st);
                n = cli->ops->snd_head(cli, &st->res,
                                       SD_HEAD_REPLACE |
                                               (stream_httpclose(st) ? SD_HEAD_CLOSE : 0));
                if (n < 0)
                        return STRM_ACT_ABORT; /* part of a response reached the client: cut */
                st->bytes_out = (uint64_t)n;
                stream_msg_set(st, &st->res_st, MSG_ST_BODY);
                progress = true;
        }
        if (st->res_st == MSG_ST_BODY) {
                struct sd_data d = {.len = st->reply_body.len - st->reply_sent,
                                    .flags = SD_DATA_EOM};

                /* the answer to a HEAD has the fields of a GET's, not its body */
                if (st->req.meth == HTTP_METH_HEAD)
                        d.len = 0;

                if (d.len)
                        d.p = st->reply_body.ptr + st->reply_sent;
                n = cli->ops->snd_data(cli, &d);
                if (n < 0) {
                        stream_set_term(st, 'C', 'D');
                        return STRM_ACT_ABORT;
                }
                st->reply_sent += (size_t)n;
                st->bytes_out += (uint64_t)n;
                if ((size_t)n == d.len) {
                        st->reply_sent = st->reply_body.len;
                        stream_msg_set(st, &st->res_st, MSG_ST_TAIL);
                }
                if (n)
                        progress = true;
        }
        if (st->res_st == MSG_ST_TAIL) {
                int r = cli->ops->flush(cli);

                if (r == -EAGAIN)
                        return progress ? STRM_ACT_PROGRESS : STRM_ACT_NONE;
                if (r < 0) {
                        stream_set_term(st, 'C', 'D');
                        return STRM_ACT_ABORT;
                }
                stream_msg_set(st, &st->res_st, MSG_ST_DONE);
                return STRM_ACT_END;
        }
        return progress ? STRM_ACT_PROGRESS : STRM_ACT_NONE;
}

/* ---- the request ---- */

/* http-reuse never keeps the connection for the session's next request (HAProxy's private
 * connections, backend.c), so it does not close it either */
static bool server_close_wanted(const struct stream *st)
{
        return (st->fe->options | st->be->options) &
               (CFG_OPT_HTTP_SERVER_CLOSE | CFG_OPT_HTTPCLOSE);
}

/* The server side failed while the request was being sent: again on another connection if
 * nothing of it can have been used, else cut. */
static enum strm_act req_send_failed(struct stream *st)
{
        if (st->req_body_sent == 0 && st->res_st == MSG_ST_HEAD && !(st->srv.flags & SD_F_RCVD))
                return STRM_ACT_RETRY;
        /* refused unprocessed, its body kept: all of it goes again */
        if ((st->srv.flags & SD_F_REFUSED) && stream_body_replayable(st))
                return STRM_ACT_RETRY;
        stream_set_term(st, 'S', stream_phase(st));
        return STRM_ACT_ABORT;
}

/* After a refusal, the body kept goes first (once more, not counted as received again);
 * then the client's next bytes, unless it ended there. */
static enum move body_replay(struct stream *st, bool *progress, int *ret_err)
{
        struct sd *srv = &st->srv;
        bool eom = st->flags & STRM_F_BODY_KEPT_EOM;
        struct sd_data d = {
                .p = st->body_keep ? st->body_keep + st->body_keep_sent : NULL,
                .len = st->body_keep_len - st->body_keep_sent,
                .flags = eom ? SD_DATA_EOM : 0,
        };
        ssize_t n = d.len || eom ? srv->ops->snd_data(srv, &d) : 0;

        if (n < 0) {
                *ret_err = (int)n;
                return MOVE_SND_ERR;
        }
        st->body_keep_sent += (size_t)n;
        st->req_body_sent += (uint64_t)n;
        if (n) {
                refresh(st, false, true);
                *progress = true;
        }
        if ((size_t)n < d.len)
                return MOVE_FULL;
        st->flags &= ~(uint32_t)STRM_F_BODY_REPLAY;
        return eom ? MOVE_EOM : MOVE_IDLE;
}

/* Request head and body to the server side. */
static enum strm_act req_step(struct stream *st)
{
        struct sd *cli = &st->cli, *srv = &st->srv;
        bool progress = false;
        int r;

        if (st->req_st == MSG_ST_HEAD) {
                r = srv->ops->snd_head(srv, &st->req, server_close_wanted(st) ? SD_HEAD_CLOSE : 0);
                if (r == -EAGAIN)
                        return STRM_ACT_NONE; /* the server side wakes the stream */
                if (r < 0) {
                        stream_set_term(st, 'P', 'R');
                        return reply_error(st, 500);
                }
                stream_msg_set(st, &st->req_st, MSG_ST_BODY);
                progress = true;
        }
        if (st->req_st == MSG_ST_BODY && (st->flags & STRM_F_REQ_ENDED))
                stream_msg_set(st, &st->req_st, MSG_ST_TAIL);
        if (st->req_st == MSG_ST_BODY) {
                uint64_t before = st->bytes_in;
                int err = 0;
                enum move m = (st->flags & STRM_F_BODY_REPLAY) ? body_replay(st, &progress, &err)
                                                               : MOVE_IDLE;

                if (!(st->flags & STRM_F_BODY_REPLAY) && m != MOVE_EOM && m != MOVE_SND_ERR) {
                        m = move_body(st, cli, srv, &st->bytes_in, &progress, false,
                                      (srv->flags & SD_F_MAY_REFUSE) &&
                                              !(st->flags & STRM_F_BODY_LOST),
                                      &err);
                        st->req_body_sent += st->bytes_in - before;
                }
                switch (m) {
                case MOVE_IDLE:
                        if (!st->cli_exp)
                                refresh(st, true, false);
                        break;
                case MOVE_FULL:
                        break;
                case MOVE_EOM:
                        stream_msg_set(st, &st->req_st, MSG_ST_TAIL);
                        progress = true;
                        break;
                case MOVE_RCV_ERR:
                        if (err == -EBADMSG || err == HTTP_E_BODY_TOO_LARGE ||
                            err == HTTP_E_TOO_LARGE) {
                                stream_set_term(st, 'P', 'D');
                                if (st->req_body_sent == 0 && st->res_st == MSG_ST_HEAD)
                                        return reply_error(st, (unsigned)http_error_status(err));
                        } else {
                                /* the client left in the middle of its request body */
                                stream_set_term(st, 'C', stream_phase(st));
                        }
                        return STRM_ACT_ABORT;
                case MOVE_SND_ERR:
                        return req_send_failed(st);
                }
        }
        if (st->req_st == MSG_ST_TAIL) {
                r = srv->ops->flush(srv);
                if (r == -EAGAIN)
                        return progress ? STRM_ACT_PROGRESS : STRM_ACT_NONE;
                if (r < 0)
                        return req_send_failed(st);
                stream_msg_set(st, &st->req_st, MSG_ST_DONE);
                /* nothing more is expected from the client for this request */
                if (st->res_st < MSG_ST_BODY)
                        st->cli_exp = 0;
                progress = true;
        }
        return progress ? STRM_ACT_PROGRESS : STRM_ACT_NONE;
}

/* ---- the response ---- */

/* The response broke (framing, or the server closed early) after its head was given to
 * the client side: a 502 if none of it reached the client, else the connection is cut. */
static enum strm_act res_broken(struct stream *st, int r)
{
        char who = r == -EPIPE || r == -ECONNRESET ? 'S' : 'P';

        if (!(st->cli.flags & SD_F_SENT)) {
                stream_set_term(st, who, 'H');
                return reply_error(st, 502);
        }
        stream_set_term(st, who, 'D');
        return STRM_ACT_ABORT;
}

/* May a short rest of the response be announced as due at once? Servers often write a small
 * response's head and body in two system calls, and the proxy may read between them. The
 * head then goes out with MSG_MORE, so head and body reach the client in one segment
 * instead of two (one wake-up of the client, one ACK less). The kernel holds such a segment
 * until the next send or at most about 200 ms (its probe timer); "option http-no-delay"
 * turns this off, as in HAProxy. */
static bool res_more_soon(const struct stream *st)
{
        return !((st->fe->options | st->be->options) & CFG_OPT_HTTP_NO_DELAY);
}

/* The response head from the server side. */
static enum strm_act res_head_step(struct stream *st)
{
        struct sd *cli = &st->cli, *srv = &st->srv;
        enum ana_result ar;
        int r;

        r = srv->ops->rcv_head(srv, &st->res);
        if (r == 0)
                return STRM_ACT_NONE;
        if (r < 0) {
                /* closed before any response byte: replay on a new connection if it was a
                 * reused one and nothing of the body went, else a bad gateway */
                if (r == -EPIPE && (srv->flags & SD_F_REUSED) && !(srv->flags & SD_F_RCVD) &&
                    st->req_body_sent == 0)
                        return STRM_ACT_RETRY;
                /* refused unprocessed: again elsewhere, a retry as for a failed connection
                 * (bounded by retries: a server refusing all cannot loop) */
                if (r == -ECONNREFUSED && stream_body_replayable(st))
                        return STRM_ACT_RETRY;
                /* retry-on: closed without a byte, or something not a response */
                if (stream_l7_retry_ok(st, r == -EBADMSG ? CFG_RETRY_JUNK_RESPONSE
                                           : r == -EPIPE && !(srv->flags & SD_F_RCVD)
                                                   ? CFG_RETRY_EMPTY_RESPONSE
                                                   : 0))
                        return l7_retry(st);
                stream_set_term(st, r == -EBADMSG ? 'P' : 'S', 'H');
                return reply_error(st, 502);
        }
        /* the server answered: the request is never refused now, nor its body kept */
        if (st->body_keep || !(st->flags & STRM_F_BODY_LOST)) {
                stream_body_keep_free(st);
                st->flags |= STRM_F_BODY_LOST;
        }
        if (st->res.status == 101 && !(st->req.flags & HTTP_MSG_F_UPGRADE)) {
                /* RFC 9110 15.2.2: a switch only to a request that asked for one */
                stream_set_term(st, 'P', 'H');
                return reply_error(st, 502);
        }
        if (st->res.flags & HTTP_MSG_F_INTERIM) {
                /* 100 Continue, 103 Early Hints: passed on as they are */
                r = cli->ops->snd_head(cli, &st->res, 0);
                srv->ops->rcv_head_done(srv);
                return r < 0 ? STRM_ACT_ABORT : STRM_ACT_PROGRESS;
        }
        /* retry-on <status>: this response is dropped and the request sent again */
        if (stream_l7_retry_ok(st, cfg_retry_status_bit(st->res.status)))
                return l7_retry(st);
        st->res_head_ms = loop_now(st->w->loop);
        ar = http_ana_response(st);
        if (ar == ANA_GO)
                ar = http_ana_after(st);
        if (ar == ANA_REJECT) {
                /* http-response silent-drop: the client is told nothing */
                stream_set_term(st, 'P', 'H');
                return STRM_ACT_ABORT;
        }
        if (ar == ANA_REPLY)
                return STRM_ACT_REPLY;
        st->status = st->res.status;
        stick_http_status(st->sess, st, st->status);
        r = cli->ops->snd_head(cli, &st->res, stream_httpclose(st) ? SD_HEAD_CLOSE : 0);
        srv->ops->rcv_head_done(srv);
        if (r < 0) {
                stream_set_term(st, 'P', 'H');
                return reply_error(st, 502);
        }
        st->bytes_out = (uint64_t)r;
        stream_msg_set(st, &st->res_st, MSG_ST_BODY);
        return STRM_ACT_PROGRESS;
}

/* Response body from the server side to the client side. */
static enum strm_act res_body_step(struct stream *st)
{
        struct sd *cli = &st->cli, *srv = &st->srv;
        bool progress = false;
        int r;

        if (st->res_st == MSG_ST_BODY) {
                int err = 0;
                enum move m = move_body(st, srv, cli, &st->bytes_out, &progress, res_more_soon(st),
                                        false, &err);

                switch (m) {
                case MOVE_IDLE:
                case MOVE_FULL:
                        break;
                case MOVE_EOM:
                        stream_msg_set(st, &st->res_st, MSG_ST_TAIL);
                        st->srv_exp = 0;
                        progress = true;
                        break;
                case MOVE_RCV_ERR:
                        return res_broken(st, err);
                case MOVE_SND_ERR:
                        stream_set_term(st, 'C', stream_phase(st));
                        return STRM_ACT_ABORT;
                }
        }
        if (st->res_st == MSG_ST_TAIL) {
                r = cli->ops->flush(cli);
                if (r == -EAGAIN)
                        return progress ? STRM_ACT_PROGRESS : STRM_ACT_NONE;
                if (r < 0) {
                        stream_set_term(st, 'C', 'D');
                        return STRM_ACT_ABORT;
                }
                stream_msg_set(st, &st->res_st, MSG_ST_DONE);
                progress = true;
        }
        return progress ? STRM_ACT_PROGRESS : STRM_ACT_NONE;
}

/* Take the strongest of two results: any decision beats progress, progress beats nothing. */
static enum strm_act act_max(enum strm_act a, enum strm_act b)
{
        return a > b ? a : b;
}

enum strm_act stream_fwd_http(struct stream *st)
{
        enum strm_act a = STRM_ACT_NONE;

        if (st->req_st != MSG_ST_DONE) {
                a = req_step(st);
                if (a > STRM_ACT_PROGRESS)
                        return a;
        }
        if (st->res_st == MSG_ST_HEAD && st->req_st != MSG_ST_HEAD) {
                a = act_max(a, res_head_step(st));
                if (a > STRM_ACT_PROGRESS)
                        return a;
        }
        if (st->res_st == MSG_ST_BODY && st->res.body == HTTP_BODY_TUNNEL) {
                /* the head of the switch goes out first */
                int r = st->cli.ops->flush(&st->cli);

                if (r == -EAGAIN)
                        return a;
                if (r < 0) {
                        stream_set_term(st, 'C', 'D');
                        return STRM_ACT_ABORT;
                }
                return STRM_ACT_TUNNEL;
        }
        if (st->res_st >= MSG_ST_BODY && st->res_st != MSG_ST_DONE) {
                a = act_max(a, res_body_step(st));
                if (a > STRM_ACT_PROGRESS)
                        return a;
        }
        /* A response complete before its request (a server that answered early): the
         * stream ends, and the client connection with it, the rest of that body unread. */
        if (st->res_st == MSG_ST_DONE)
                return STRM_ACT_END;
        return a;
}

/* ---- tunnels (mode tcp, WebSocket, CONNECT) ---- */

/* Writing to @to failed: it is gone, and the tunnel with it, both ways. */
static void relay_failed(struct stream *st, const struct sd *to)
{
        stream_set_term(st, to == &st->cli ? 'C' : 'S', 'D');
        st->flags |= STRM_F_CLI_SHUT | STRM_F_SRV_SHUT;
}

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
        if (!from->ops->splice_rcv || !to->ops->splice_snd || !from->ops->can_splice(from) ||
            !to->ops->can_splice(to))
                return false;
        /* the client's end came while content rules peeked: what the mux holds goes by
         * buffer, then the FIN */
        if ((from->flags & (SD_F_EOS | SD_F_ERR)) && (!p || p->data == 0))
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
                if (n > 0 || n == 0 || (n < 0 && n != -EAGAIN && n != -ENOTSUP))
                        progress = true; /* bytes, or the end of the stream (flags set) */
        }
        *ret_used = true;
        while (p->data) {
                n = to->ops->splice_snd(to, p);
                if (n == -EAGAIN)
                        break;
                if (n <= 0) {
                        /* @to is gone: what the pipe holds can never be delivered, and a pipe
                         * is only reused empty, so it is closed */
                        *pp = worker_pipe_put(st->w, p);
                        relay_failed(st, to);
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
                                relay_failed(st, to);
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

                if ((from->flags & SD_F_ERR) ||
                    (from->ops->rcv_data(from, &d) == 0 && d.len == 0)) {
                        if (to->ops->flush(to) != -EAGAIN) {
                                to->ops->shutw(to);
                                st->flags |= shut_flag;
                                progress = true;
                        }
                }
        }
        return progress;
}

enum strm_act stream_fwd_tunnel(struct stream *st)
{
        uint64_t tunnel = cfg_proxy_timeout(st->be, CFG_TO_TUNNEL);
        bool progress;

        progress = relay(st, &st->cli, &st->srv, &st->pipe_up, &st->bytes_in, STRM_F_SRV_SHUT);
        progress |= relay(st, &st->srv, &st->cli, &st->pipe_down, &st->bytes_out, STRM_F_CLI_SHUT);
        if ((st->flags & STRM_F_SRV_SHUT) && (st->flags & STRM_F_CLI_SHUT))
                return STRM_ACT_ABORT; /* over both ways: the connections close */
        if (!progress)
                return STRM_ACT_NONE;
        /* inactivity: tunnel timeout when set, else client/server; after a FIN on one side,
         * the other side's -fin timeout */
        {
                uint64_t cli = tunnel ?: cfg_proxy_timeout(st->fe, CFG_TO_CLIENT);
                uint64_t srv = tunnel ?: cfg_proxy_timeout(st->be, CFG_TO_SERVER);

                if ((st->cli.flags & SD_F_EOS) && cfg_proxy_timeout(st->fe, CFG_TO_CLIENT_FIN))
                        cli = cfg_proxy_timeout(st->fe, CFG_TO_CLIENT_FIN);
                if ((st->srv.flags & SD_F_EOS) && cfg_proxy_timeout(st->be, CFG_TO_SERVER_FIN))
                        srv = cfg_proxy_timeout(st->be, CFG_TO_SERVER_FIN);
                st->cli_exp = stream_deadline(st, cli);
                st->srv_exp = stream_deadline(st, srv);
        }
        return STRM_ACT_PROGRESS;
}
