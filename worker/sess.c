/* Client sessions: the HTTP/1.1 and TCP data paths of a worker.
 *
 * A session advances by sess_run(): each step tries what the current state allows (read the
 * client, parse, apply rules, connect, write the server, read the server, parse, write the
 * client) and the loop repeats while a step made progress. I/O readiness is remembered in
 * SESS_RD_* / SESS_WR_* bits set by epoll events and cleared on EAGAIN, so a step never
 * issues a system call that is known to fail, and interest (EPOLLIN/EPOLLOUT) is asked for
 * only when the session waits on that direction. Called from the listener (accept) and from
 * the client and server fd callbacks. */
#include "sess.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "cookie.h"
#include "lb.h"
#include "log.h"
#include "macros.h"
#include "sample.h"
#include "sess_log.h"
#include "srv_state.h"
#include "srvconn.h"
#include "worker.h"

/* readiness bits, kept apart from the SESS_F_* flags */
enum {
        SESS_RD_CLI = 1u << 0,
        SESS_WR_CLI = 1u << 1,
        SESS_RD_SRV = 1u << 2,
        SESS_WR_SRV = 1u << 3,
};

#define SESS_MAX_STEPS 64 /* steps per sess_run(): bounds one session's share of a turn */

/* soft stop: how long a keep-alive connection that just finished a response may still
 * bring its next request (see sess_soft_stop()) */
#define SESS_STOP_GRACE_MS 100
/* A response whose remaining body is at most this long is expected in one more read: see
 * sess_res_more_soon(). */
#define SESS_MORE_SOON_MAX 4096

/* Chunked bodies both ways: the chunk-size may be anything a 62-bit length holds (the body
 * streams through), but chunk lines and trailers are bounded like header lines. */
static const struct h1_chunked_limits sess_chunk_limits = {
        .max_chunk_size = UINT64_C(1) << 62,
        .max_line_size = 4096,
        .max_trailer_size = 8192,
        .max_trailers = 32,
};

static void sess_run(struct sess *s);
static void sess_close(struct sess *s);
static void sess_reply_error(struct sess *s, unsigned status);

const char *sess_state_str(enum sess_state st)
{
        switch (st) {
        case SESS_ST_IDLE:
                return "idle";
        case SESS_ST_REQ_HEAD:
                return "req-head";
        case SESS_ST_QUEUE:
                return "queue";
        case SESS_ST_CONNECT:
                return "connect";
        case SESS_ST_FORWARD:
                return "forward";
        case SESS_ST_TUNNEL:
                return "tunnel";
        case SESS_ST_REPLY:
                return "reply";
        case SESS_ST_CLOSED:
                return "closed";
        case SESS_ST_COUNT:
                break;
        }
        return "?";
}

void sess_set_state(struct sess *s, enum sess_state to)
{
        /* bit N set in allowed[to] <=> moving from state N to @to is legal */
        static const uint32_t allowed[SESS_ST_COUNT] = {
                [SESS_ST_IDLE] = 1u << SESS_ST_FORWARD | 1u << SESS_ST_REPLY,
                [SESS_ST_REQ_HEAD] = 1u << SESS_ST_IDLE,
                [SESS_ST_QUEUE] = 1u << SESS_ST_IDLE | 1u << SESS_ST_REQ_HEAD |
                                  1u << SESS_ST_FORWARD | 1u << SESS_ST_CONNECT,
                [SESS_ST_CONNECT] = 1u << SESS_ST_IDLE | 1u << SESS_ST_REQ_HEAD |
                                    1u << SESS_ST_FORWARD | 1u << SESS_ST_CONNECT |
                                    1u << SESS_ST_QUEUE,
                [SESS_ST_FORWARD] =
                        1u << SESS_ST_CONNECT | 1u << SESS_ST_REQ_HEAD | 1u << SESS_ST_IDLE,
                [SESS_ST_TUNNEL] =
                        1u << SESS_ST_FORWARD | 1u << SESS_ST_CONNECT | 1u << SESS_ST_QUEUE,
                [SESS_ST_REPLY] = 1u << SESS_ST_IDLE | 1u << SESS_ST_REQ_HEAD |
                                  1u << SESS_ST_CONNECT | 1u << SESS_ST_FORWARD |
                                  1u << SESS_ST_QUEUE,
                [SESS_ST_CLOSED] = ~0u,
        };

        if (sl_unlikely(!(allowed[to] & (1u << s->state)))) {
                sl_log(LOG_CRIT, "BUG: a session moves from state %s to %s",
                       sess_state_str(s->state), sess_state_str(to));
                sl_bug(__FILE__, __LINE__, "a session state change that is not allowed");
        }
        s->state = to;
}

/* ---- buffers ---- */

static bool sess_buf_ensure(struct sess *s, struct buf *b)
{
        char *area;

        if (!buf_is_null(b))
                return true;
        area = pool_get(&s->w->bufs);
        if (!area)
                return false;
        buf_attach(b, area, s->w->bufs.size);
        return true;
}

/* Give an empty buffer back to the pool. */
static void sess_buf_release(struct sess *s, struct buf *b)
{
        if (!buf_is_null(b) && b->data == 0)
                pool_put(&s->w->bufs, buf_detach(b));
}

static void sess_buf_drop(struct sess *s, struct buf *b)
{
        if (!buf_is_null(b)) {
                b->data = 0;
                pool_put(&s->w->bufs, buf_detach(b));
        }
}

/* ---- transactions ---- */

static struct txn *txn_new(struct sess *s)
{
        struct txn *t = s->w->txn_free;

        if (t)
                s->w->txn_free = t->next_free;
        else
                t = malloc(sizeof(*t));
        if (!t)
                return NULL;
        /* the arrays are filled before use; only the scalars need clearing */
        t->next_free = NULL;
        t->n_hdrs = t->n_rhdrs = 0;
        t->path = t->query = SL_STR_NULL;
        t->path_set = false;
        t->req_head_len = 0;
        t->req_body_left = t->res_body_left = 0;
        t->scratch = NULL;
        t->scratch_used = 0;
        t->req_start_ms = loop_now(s->w->loop);
        t->req_wall_us = sl_clock_wall_us();
        t->head_done_ms = t->connect_start_ms = t->connect_done_ms = t->res_head_ms = 0;
        t->bytes_in = t->bytes_out = 0;
        t->status = 0;
        t->retries = 0;
        t->redispatched = false;
        t->last_srv = -1;
        t->cookie_srv = -1;
        t->stick_done = false;
        t->queue_ms = 0;
        memset(&t->req, 0, sizeof(t->req));
        memset(&t->res, 0, sizeof(t->res));
        memset(&t->req_fr, 0, sizeof(t->req_fr));
        memset(&t->res_fr, 0, sizeof(t->res_fr));
        return t;
}

static void txn_free(struct sess *s)
{
        struct txn *t = s->txn;

        if (!t)
                return;
        if (t->scratch)
                pool_put(&s->w->bufs, t->scratch);
#ifdef SL_NO_POOLS
        free(t);
#else
        t->next_free = s->w->txn_free;
        s->w->txn_free = t;
#endif
        s->txn = NULL;
}

/* Copy @len bytes into the transaction's scratch buffer; NULL when it is full. */
static char *txn_scratch(struct sess *s, const char *src, size_t len)
{
        struct txn *t = s->txn;
        char *p;

        if (!t->scratch) {
                t->scratch = pool_get(&s->w->bufs);
                if (!t->scratch)
                        return NULL;
                t->scratch_used = 0;
        }
        if (len > s->w->bufs.size - t->scratch_used)
                return NULL;
        p = t->scratch + t->scratch_used;
        memcpy(p, src, len);
        t->scratch_used += len;
        return p;
}

/* ---- timers ---- */

static void sess_arm(struct sess *s)
{
        uint64_t exp = 0;

        if (s->cli_exp)
                exp = s->cli_exp;
        if (s->srv_exp && (!exp || s->srv_exp < exp))
                exp = s->srv_exp;
        if (exp)
                loop_timer_arm_at(&s->timer, exp);
        else
                loop_timer_disarm(&s->timer);
}

static uint64_t px_timeout(const struct cfg_proxy *px, enum cfg_timeout t)
{
        return px && (px->timeouts_set & (1u << t)) ? px->timeout_ms[t] : 0;
}

static uint64_t deadline(struct sess *s, uint64_t ms)
{
        return ms ? loop_now(s->w->loop) + ms : 0;
}

/* ---- low-level I/O ---- */

/* Read into @b from @fd. Returns bytes read (> 0), 0 on EOF, -EAGAIN, or another -errno.
 * *ret_drained is set when the read returned less than the room offered: the socket is
 * then (almost always) empty, and the caller waits for the next EPOLLIN instead of paying
 * a recv() that would say EAGAIN. Level-triggered epoll reports data that arrives later. */
static ssize_t sess_recv(int fd, struct buf *b, bool *ret_drained)
{
        size_t room;
        ssize_t n;

        if (buf_tail_room(b) == 0)
                buf_compact(b);
        room = buf_tail_room(b);
        if (room == 0)
                return -ENOBUFS;
        do {
                n = recv(fd, buf_tail(b), room, 0);
        } while (n == -1 && errno == EINTR);
        if (n == -1)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        buf_commit(b, (size_t)n);
        *ret_drained = n > 0 && (size_t)n < room;
        return n;
}

/* Write up to @len bytes; returns bytes written, -EAGAIN or -errno. */
static ssize_t sess_send_raw(int fd, const char *p, size_t len)
{
        ssize_t n;

        do {
                n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        } while (n == -1 && errno == EINTR);
        if (n == -1)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return n;
}

/* Write @n buffers with one system call; returns bytes written, -EAGAIN or -errno. */
static ssize_t sess_sendv(int fd, struct iovec *iov, int n, int more)
{
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
        ssize_t r;

        do {
                r = sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT | more);
        } while (r == -1 && errno == EINTR);
        if (r == -1)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return r;
}

/* ---- closing ---- */

static void sess_on_reap(struct loop_reap *r)
{
        struct sess *s = sl_container_of(r, struct sess, reap);

        free(s);
}

/* The server connection is done with for this request: keep it for another one, or close. */
static void sess_detach_srv(struct sess *s, bool reusable)
{
        struct srv_conn *c = s->srv;
        struct px_rt *rt;

        if (s->srv_idx >= 0 && s->be) {
                rt = worker_rt(s->w, s->be);
                lb_release(rt->lb, s->srv_idx);
                if (rt->held)
                        atomic_fetch_sub_explicit(&rt->held[s->srv_idx], 1, memory_order_relaxed);
                rt->beconn--;
                if (rt->n_queued)
                        loop_defer_queue(&rt->queue_kick);
        }
        s->srv_idx = -1;
        if (!c)
                return;
        s->srv = NULL;
        s->ready &= ~(uint32_t)(SESS_RD_SRV | SESS_WR_SRV);
        if (reusable && !c->connecting)
                srv_conn_release(c);
        else
                (void)srv_conn_close(c);
}

static void sess_close(struct sess *s)
{
        struct worker *w = s->w;

        if (s->state == SESS_ST_CLOSED)
                return;
        if (!(s->flags & SESS_F_LOGGED) && (s->txn || !(s->flags & SESS_F_HTTP)))
                sess_log(s);
        if (s->state == SESS_ST_QUEUE) {
                sl_list_del(&s->queue_link);
                worker_rt(w, s->be)->n_queued--;
        }
        if (s->flags & SESS_F_HTTP) {
                const struct txn *t = s->txn && !s->txn->stick_done ? s->txn : NULL;

                stick_close(s, t ? t->req_head_len + t->req_body_sent : 0, t ? t->bytes_out : 0);
        } else
                stick_close(s, s->tcp_bytes_in, s->tcp_bytes_out);
        sess_detach_srv(s, false);
        loop_timer_deinit(&s->timer);
        if (s->cli_fd >= 0) {
                (void)loop_io_close(&s->cli_io);
                s->cli_fd = -1;
        }
        sess_buf_drop(s, &s->cin);
        sess_buf_drop(s, &s->cout);
        sess_buf_drop(s, &s->sin);
        sess_buf_drop(s, &s->sout);
        s->pipe_up = worker_pipe_put(w, s->pipe_up);
        s->pipe_down = worker_pipe_put(w, s->pipe_down);
        txn_free(s);
        worker_rt(w, s->fe)->feconn--;
        sl_list_del(&s->link);
        sess_set_state(s, SESS_ST_CLOSED);
        loop_reap(w->loop, &s->reap);
        worker_conn_closed(w, s->fe);
        s->gen = cfg_gen_unref(s->gen);
}

void sess_kill(struct sess *s)
{
        if (!s->term[0] || s->term[0] == '-') {
                s->term[0] = 'K';
                s->term[1] = s->state == SESS_ST_IDLE ? 'R' : 'D';
        }
        sess_close(s);
}

static void sess_set_term(struct sess *s, char who, char when)
{
        if (s->term[0] == '-') {
                s->term[0] = who;
                s->term[1] = when;
        }
}

/* The phase letter of HAProxy's termination state for the current state. */
static char sess_phase(const struct sess *s)
{
        switch (s->state) {
        case SESS_ST_IDLE:
        case SESS_ST_REQ_HEAD:
                return 'R';
        case SESS_ST_QUEUE:
                return 'Q';
        case SESS_ST_CONNECT:
                return 'C';
        case SESS_ST_FORWARD:
                return (s->flags & SESS_F_RES_HEAD) ? 'D' : 'H';
        case SESS_ST_TUNNEL:
        case SESS_ST_REPLY:
                return 'D';
        case SESS_ST_CLOSED:
        case SESS_ST_COUNT:
                break;
        }
        return '-';
}

/* ---- timeouts ---- */

static void sess_on_timer(struct loop_timer *t)
{
        struct sess *s = sl_container_of(t, struct sess, timer);
        uint64_t now = loop_now(s->w->loop);
        bool cli = s->cli_exp && s->cli_exp <= now;
        bool srv = s->srv_exp && s->srv_exp <= now;

        if (!cli && !srv) {
                sess_arm(s);
                return;
        }
        switch (s->state) {
        case SESS_ST_IDLE:
                /* keep-alive timeout between requests: close silently */
                s->flags |= SESS_F_LOGGED;
                sess_close(s);
                return;
        case SESS_ST_REQ_HEAD:
                /* timeout http-request (slowloris) */
                sess_set_term(s, 'c', 'R');
                s->flags |= SESS_F_CLOSE_AFTER;
                sess_reply_error(s, 408);
                break;
        case SESS_ST_QUEUE:
                sl_list_del(&s->queue_link);
                worker_rt(s->w, s->be)->n_queued--;
                sess_set_term(s, 's', 'Q');
                if (s->flags & SESS_F_HTTP) {
                        s->flags |= SESS_F_CLOSE_AFTER;
                        sess_reply_error(s, 503);
                } else {
                        sess_close(s);
                        return;
                }
                break;
        case SESS_ST_CONNECT:
                sess_set_term(s, 's', 'C');
                sess_detach_srv(s, false);
                if ((s->flags & SESS_F_HTTP) && !(s->flags & SESS_F_RES_HEAD)) {
                        s->flags |= SESS_F_CLOSE_AFTER;
                        sess_reply_error(s, 503);
                } else {
                        sess_close(s);
                        return;
                }
                break;
        case SESS_ST_FORWARD:
                if (srv)
                        sess_set_term(s, 's', sess_phase(s));
                else
                        sess_set_term(s, 'c', sess_phase(s));
                if (!(s->flags & SESS_F_RES_HEAD) && (s->flags & SESS_F_HTTP)) {
                        sess_detach_srv(s, false);
                        s->flags |= SESS_F_CLOSE_AFTER;
                        sess_reply_error(s, srv ? 504 : 408);
                        break;
                }
                sess_close(s);
                return;
        case SESS_ST_TUNNEL:
        case SESS_ST_REPLY:
                sess_set_term(s, srv ? 's' : 'c', 'D');
                sess_close(s);
                return;
        case SESS_ST_CLOSED:
        case SESS_ST_COUNT:
                return;
        }
        sess_run(s);
}

/* ---- replies made by sluice ---- */

static const char *status_reason(unsigned status)
{
        switch (status) {
        case 200:
                return "OK";
        case 201:
                return "Created";
        case 204:
                return "No Content";
        case 301:
                return "Moved Permanently";
        case 302:
                return "Found";
        case 303:
                return "See Other";
        case 307:
                return "Temporary Redirect";
        case 308:
                return "Permanent Redirect";
        case 400:
                return "Bad Request";
        case 401:
                return "Unauthorized";
        case 403:
                return "Forbidden";
        case 404:
                return "Not Found";
        case 405:
                return "Method Not Allowed";
        case 408:
                return "Request Timeout";
        case 410:
                return "Gone";
        case 413:
                return "Payload Too Large";
        case 414:
                return "URI Too Long";
        case 421:
                return "Misdirected Request";
        case 425:
                return "Too Early";
        case 429:
                return "Too Many Requests";
        case 431:
                return "Request Header Fields Too Large";
        case 500:
                return "Internal Server Error";
        case 501:
                return "Not Implemented";
        case 502:
                return "Bad Gateway";
        case 503:
                return "Service Unavailable";
        case 504:
                return "Gateway Timeout";
        case 505:
                return "HTTP Version Not Supported";
        default:
                break;
        }
        return status < 300   ? "OK"
               : status < 400 ? "Redirect"
               : status < 500 ? "Client Error"
                              : "Server Error";
}

/* The errorfile for @status from the backend, else the frontend. */
static const struct cfg_errorfile *sess_errorfile(const struct sess *s, unsigned status)
{
        const struct cfg_proxy *pxs[2] = {s->be, s->fe};

        for (int i = 0; i < 2; i++) {
                if (!pxs[i])
                        continue;
                for (size_t j = 0; j < pxs[i]->n_errorfiles; j++)
                        if (pxs[i]->errorfiles[j].status == status)
                                return &pxs[i]->errorfiles[j];
        }
        return NULL;
}

/* Everything still unsent to the client is dropped; the reply goes alone in cout. */
static bool sess_reply_begin(struct sess *s)
{
        sess_detach_srv(s, false);
        sess_buf_drop(s, &s->sin);
        sess_buf_drop(s, &s->sout);
        if (!sess_buf_ensure(s, &s->cout)) {
                s->w->stats.sessions_oom++;
                return false;
        }
        s->cout.data = 0;
        s->cout.head = 0;
        return true;
}

static void sess_reply_commit(struct sess *s, unsigned status)
{
        if (s->txn) {
                s->txn->status = status;
                s->txn->bytes_out += s->cout.data;
        }
        stick_http_status(s, status);
        s->flags |= SESS_F_RES_HEAD | SESS_F_RES_DONE;
        if (status >= 500)
                s->w->stats.replies_5xx++;
        else if (status >= 400)
                s->w->stats.replies_4xx++;
        s->cli_exp = deadline(s, px_timeout(s->fe, CFG_TO_CLIENT));
        s->srv_exp = 0;
        sess_set_state(s, SESS_ST_REPLY);
}

/* Append printf output to cout; false when it does not fit. */
static bool cout_printf(struct sess *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool cout_printf(struct sess *s, const char *fmt, ...)
{
        va_list ap;
        int n;

        buf_compact(&s->cout);
        va_start(ap, fmt);
        n = vsnprintf(buf_tail(&s->cout), buf_tail_room(&s->cout), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= buf_tail_room(&s->cout))
                return false;
        buf_commit(&s->cout, (size_t)n);
        return true;
}

static bool cout_append(struct sess *s, const void *p, size_t len)
{
        return buf_append(&s->cout, p, len) == len;
}

/* An error sluice answers itself (400, 408, 503, ...): the errorfile if one is set, else
 * a small HTML page as HAProxy sends. Errors close the connection. */
static void sess_reply_error(struct sess *s, unsigned status)
{
        const struct cfg_errorfile *ef = sess_errorfile(s, status);

        s->flags |= SESS_F_CLOSE_AFTER;
        if (!sess_reply_begin(s)) {
                sess_close(s);
                return;
        }
        if (ef) {
                (void)cout_append(s, ef->content, SL_MIN(ef->len, buf_room(&s->cout)));
        } else {
                char body[256];
                int n = snprintf(body, sizeof(body),
                                 "<html><body><h1>%u %s</h1>\n%s\n</body></html>\n", status,
                                 status_reason(status), status_reason(status));

                (void)cout_printf(s,
                                  "HTTP/1.1 %u %s\r\ncontent-length: %d\r\n"
                                  "cache-control: no-cache\r\ncontent-type: text/html\r\n"
                                  "connection: close\r\n\r\n%s",
                                  status, status_reason(status), n, body);
        }
        sess_reply_commit(s, status);
}

/* ---- formats (rule arguments) ---- */

/* Render @f for this session into @out; returns the length (truncated to @size - 1). */
static size_t sess_fmt(struct sess *s, const struct cfg_fmt *f, bool response, char *out,
                       size_t size)
{
        int n = sess_log_format(s, f, response, out, size);

        return n < 0 ? 0 : (size_t)n;
}

/* ---- HTTP rules ---- */

enum rule_result {
        RULE_CONTINUE = 0, /* go on with the next rule */
        RULE_STOP,         /* allow: no more rules of this list */
        RULE_REPLIED,      /* the session answers by itself */
        RULE_FAILED,       /* out of memory or space: answered with an error */
};

static bool hdr_name_eq(struct sl_str a, const char *b, size_t blen)
{
        return sl_str_ieq(a, sl_str_make(b, blen));
}

static bool del_match(const struct cfg_http_rule *r, struct sl_str name)
{
        struct cfg_acl_expr e = {.match = r->del_match, .icase = true};
        struct cfg_pattern pat = {.str = sl_str_make(r->hdr_name, r->hdr_name_len),
                                  .re = r->del_re};
        struct cfg_smp_value v = {.type = CFG_SMP_STR, .str = name};

        if (r->del_match == CFG_MATCH_STR)
                return hdr_name_eq(name, r->hdr_name, r->hdr_name_len);
        e.pats = &pat;
        e.n_pats = 1;
        return cfg_acl_expr_match(&e, &v);
}

static void hdrs_del(struct sess_hdr *hdrs, size_t *n, const struct cfg_http_rule *r)
{
        size_t k = 0;

        for (size_t i = 0; i < *n; i++)
                if (!del_match(r, hdrs[i].name))
                        hdrs[k++] = hdrs[i];
        *n = k;
}

/* A reply rule (deny, return) or a redirect: build it in cout. */
static enum rule_result rule_reply(struct sess *s, const struct cfg_http_rule *r, bool response)
{
        const struct cfg_reply *rep = &r->reply;
        char tmp[4096];
        const char *body = NULL;
        size_t body_len = 0;
        bool keep = !(s->flags & (SESS_F_CLOSE_AFTER | SESS_F_STOPPING)) && !s->w->stopping &&
                    !response &&
                    (s->txn->req_fr.body == H1_BODY_NONE ||
                     (s->txn->req_fr.body == H1_BODY_LENGTH && s->txn->req_fr.content_length == 0));
        unsigned status;

        /* keeping the connection needs a request without body: it is then complete */
        if (keep)
                s->flags |= SESS_F_REQ_DONE;
        if (r->act == CFG_ACT_REDIRECT) {
                char loc[2048];
                size_t n = 0;
                struct txn *t = s->txn;

                if (r->redir == CFG_REDIR_LOCATION) {
                        n = sess_fmt(s, &r->fmt, response, loc, sizeof(loc));
                } else {
                        char pfx[1024];
                        size_t pl = sess_fmt(s, &r->fmt, response, pfx, sizeof(pfx));
                        struct sl_str host = t->req_fr.host;
                        int k;

                        if (r->redir == CFG_REDIR_SCHEME)
                                k = snprintf(loc, sizeof(loc), "%.*s://%.*s%.*s", (int)pl, pfx,
                                             (int)host.len, host.ptr, (int)t->path.len,
                                             t->path.ptr);
                        else
                                k = snprintf(loc, sizeof(loc), "%.*s%.*s", (int)pl, pfx,
                                             (int)t->path.len, t->path.ptr);
                        n = k < 0 ? 0 : SL_MIN((size_t)k, sizeof(loc) - 1);
                        if ((r->redir_flags & CFG_REDIR_F_APPEND_SLASH) && n && loc[n - 1] != '/' &&
                            n + 1 < sizeof(loc))
                                loc[n++] = '/';
                        if (!(r->redir_flags & CFG_REDIR_F_DROP_QUERY) && t->query.ptr) {
                                k = snprintf(loc + n, sizeof(loc) - n, "?%.*s", (int)t->query.len,
                                             t->query.ptr);
                                n += k < 0 ? 0 : SL_MIN((size_t)k, sizeof(loc) - n - 1);
                        }
                }
                if (!sess_reply_begin(s))
                        return RULE_FAILED;
                if (!keep)
                        s->flags |= SESS_F_CLOSE_AFTER;
                if (!cout_printf(s,
                                 "HTTP/1.1 %u %s\r\ncontent-length: 0\r\nlocation: %.*s\r\n"
                                 "cache-control: no-cache\r\n%s\r\n",
                                 r->redir_code, status_reason(r->redir_code), (int)n, loc,
                                 keep ? "" : "connection: close\r\n"))
                        return RULE_FAILED;
                sess_reply_commit(s, r->redir_code);
                return RULE_REPLIED;
        }

        status = rep->status;
        if (response && r->act == CFG_ACT_DENY)
                status = 502; /* HAProxy: a denied response is a bad gateway */
        if (rep->kind == CFG_REPLY_ERRORFILE) {
                const struct cfg_errorfile *ef = sess_errorfile(s, status);

                if (ef) {
                        if (!sess_reply_begin(s))
                                return RULE_FAILED;
                        s->flags |= SESS_F_CLOSE_AFTER;
                        (void)cout_append(s, ef->content, SL_MIN(ef->len, buf_room(&s->cout)));
                        sess_reply_commit(s, status);
                        return RULE_REPLIED;
                }
                if (r->act == CFG_ACT_DENY || status >= 400) {
                        sess_reply_error(s, status);
                        if (keep && r->act == CFG_ACT_DENY)
                                return RULE_REPLIED;
                        return RULE_REPLIED;
                }
        } else if (rep->kind == CFG_REPLY_STRING) {
                body = rep->body;
                body_len = rep->body_len;
        } else if (rep->kind == CFG_REPLY_LF_STRING) {
                body_len = sess_fmt(s, &rep->body_fmt, response, tmp, sizeof(tmp));
                body = tmp;
        }
        if (!sess_reply_begin(s))
                return RULE_FAILED;
        if (!keep)
                s->flags |= SESS_F_CLOSE_AFTER;
        if (!cout_printf(s, "HTTP/1.1 %u %s\r\ncontent-length: %zu\r\n", status,
                         status_reason(status), body_len))
                return RULE_FAILED;
        if (rep->content_type && !cout_printf(s, "content-type: %s\r\n", rep->content_type))
                return RULE_FAILED;
        for (size_t i = 0; i < rep->n_hdrs; i++) {
                char v[1024];
                size_t vl = sess_fmt(s, &rep->hdrs[i].value, response, v, sizeof(v));

                if (!cout_printf(s, "%s: %.*s\r\n", rep->hdrs[i].name, (int)vl, v))
                        return RULE_FAILED;
        }
        if (!cout_printf(s, "%s\r\n", keep ? "" : "connection: close\r\n"))
                return RULE_FAILED;
        if (body_len && !cout_append(s, body, body_len))
                return RULE_FAILED;
        sess_reply_commit(s, status);
        return RULE_REPLIED;
}

/* The stick-table actions, shared by tcp-request and http-request rules. Returns false for
 * reject. */
static bool sess_stick_action(struct sess *s, const struct cfg_http_rule *r, enum stick_level level)
{
        switch (r->act) {
        case CFG_ACT_TRACK_SC: {
                struct cfg_smp_value key;
                char text[STICK_KEY_TEXT_MAX];

                if (sample_value(s, &r->track_key, false, &key, text, sizeof(text)))
                        stick_track(s, r->sc, r->table, &key, level);
                break;
        }
        case CFG_ACT_SC_INC_GPC0:
        case CFG_ACT_SC_INC_GPC1:
                stick_inc_gpc(s, r->sc, r->act == CFG_ACT_SC_INC_GPC1);
                break;
        case CFG_ACT_SC_SET_GPT0:
                stick_set_gpt0(s, r->sc, (uint32_t)r->gpt0);
                break;
        case CFG_ACT_REJECT:
                return false;
        default:
                break;
        }
        return true;
}

/* tcp-request connection or content rules: true to go on, false to close the connection
 * (reject). "accept" ends the list. */
static bool tcp_rules_run(struct sess *s, const struct cfg_http_rule *rules, size_t n,
                          enum stick_level level)
{
        for (size_t i = 0; i < n; i++) {
                const struct cfg_http_rule *r = &rules[i];

                if (!sample_cond(s, r->cond, false))
                        continue;
                if (r->act == CFG_ACT_ALLOW)
                        return true;
                if (!sess_stick_action(s, r, level))
                        return false;
        }
        return true;
}

/* A tcp-request rule rejected the connection: close it, without a log line (HAProxy logs
 * none for tcp-request connection reject either). */
static void sess_reject(struct sess *s)
{
        s->w->stats.tcp_rejected++;
        s->flags |= SESS_F_LOGGED;
        sess_set_term(s, 'P', 'R');
        sess_close(s);
}

static enum rule_result rules_run(struct sess *s, const struct cfg_http_rule *rules, size_t n,
                                  bool response)
{
        struct txn *t = s->txn;

        for (size_t i = 0; i < n; i++) {
                const struct cfg_http_rule *r = &rules[i];
                struct sess_hdr *hdrs = response ? t->rhdrs : t->hdrs;
                size_t *n_hdrs = response ? &t->n_rhdrs : &t->n_hdrs;
                char val[4096];
                size_t vl;
                char *p;

                if (!sample_cond(s, r->cond, response))
                        continue;
                switch (r->act) {
                case CFG_ACT_ALLOW:
                        return RULE_STOP;
                case CFG_ACT_DENY:
                case CFG_ACT_RETURN:
                case CFG_ACT_REDIRECT:
                        return rule_reply(s, r, response) == RULE_REPLIED ? RULE_REPLIED
                                                                          : RULE_FAILED;
                case CFG_ACT_SET_HEADER:
                case CFG_ACT_ADD_HEADER:
                        vl = sess_fmt(s, &r->fmt, response, val, sizeof(val));
                        p = txn_scratch(s, val, vl);
                        if (!p)
                                return RULE_FAILED;
                        if (r->act == CFG_ACT_SET_HEADER) {
                                struct cfg_http_rule del = *r;

                                del.del_match = CFG_MATCH_STR;
                                hdrs_del(hdrs, n_hdrs, &del);
                        }
                        if (*n_hdrs >= SESS_MAX_HEADERS + 16)
                                return RULE_FAILED;
                        hdrs[*n_hdrs].name = sl_str_make(r->hdr_name, r->hdr_name_len);
                        hdrs[*n_hdrs].value = sl_str_make(p, vl);
                        (*n_hdrs)++;
                        break;
                case CFG_ACT_DEL_HEADER:
                        hdrs_del(hdrs, n_hdrs, r);
                        break;
                case CFG_ACT_SET_PATH:
                        vl = sess_fmt(s, &r->fmt, response, val, sizeof(val));
                        p = txn_scratch(s, val, vl);
                        if (!p)
                                return RULE_FAILED;
                        t->path = sl_str_make(p, vl);
                        t->path_set = true;
                        break;
                case CFG_ACT_TRACK_SC:
                case CFG_ACT_SC_INC_GPC0:
                case CFG_ACT_SC_INC_GPC1:
                case CFG_ACT_SC_SET_GPT0:
                case CFG_ACT_REJECT:
                        (void)sess_stick_action(s, r, STICK_REQ);
                        break;
                }
        }
        return RULE_CONTINUE;
}

/* ---- persistence ---- */

static void sess_stick_persist(struct sess *s)
{
        const struct cfg_proxy *be = s->be;

        for (size_t i = 0; i < be->n_stick_rules; i++) {
                const struct cfg_stick_rule *r = &be->stick_rules[i];
                struct cfg_smp_value key;
                char text[STICK_KEY_TEXT_MAX];

                if (sample_cond(s, r->cond, false) &&
                    sample_value(s, &r->key, false, &key, text, sizeof(text)))
                        stick_persist_rule(s, r, &key);
        }
}

/* The server of backend @be whose cookie value is @v, or -1. */
static int cookie_server(const struct cfg_proxy *be, struct sl_str v)
{
        for (size_t j = 0; j < be->n_servers; j++) {
                const char *c = be->servers[j].opts.cookie;

                if (c && strlen(c) == v.len && memcmp(c, v.ptr, v.len) == 0)
                        return (int)j;
        }
        return -1;
}

/* The request's Cookie headers: which server the persistence cookie names (it then goes
 * there, s->force_idx), and in insert+indirect or prefix mode what the server must not see
 * of it (the cookie, or its "SRV~" prefix). */
static void cookie_request(struct sess *s)
{
        const struct cfg_cookie *ck = s->be->cookie;
        struct sl_str name = sl_str_from_cstr(ck->name);
        struct txn *t = s->txn;
        char buf[4096];

        for (size_t i = 0; i < t->n_hdrs; i++) {
                struct sess_hdr *h = &t->hdrs[i];
                struct sl_str v;
                size_t cut = SIZE_MAX, n;
                char *p;

                if (!sl_str_ieq(h->name, SL_STR_LIT("cookie")) || !cookie_find(h->value, name, &v))
                        continue;
                if (ck->mode == CFG_COOKIE_PREFIX) {
                        const char *tilde = memchr(v.ptr, '~', v.len);

                        if (!tilde)
                                continue;
                        if (t->cookie_srv < 0)
                                t->cookie_srv = cookie_server(
                                        s->be, sl_str_make(v.ptr, (size_t)(tilde - v.ptr)));
                        cut = (size_t)(tilde - v.ptr) + 1;
                } else {
                        if (t->cookie_srv < 0)
                                t->cookie_srv = cookie_server(s->be, v);
                        if (!(ck->mode == CFG_COOKIE_INSERT && ck->indirect))
                                continue;
                }
                n = cookie_edit(h->value, name, cut, buf, sizeof(buf));
                if (n == SIZE_MAX || !(p = txn_scratch(s, buf, n)))
                        continue;
                if (n == 0) {
                        /* nothing left: drop the header */
                        memmove(h, h + 1, (t->n_hdrs - i - 1) * sizeof(*h));
                        t->n_hdrs--;
                        i--;
                        continue;
                }
                h->value = sl_str_make(p, n);
        }
        if (t->cookie_srv >= 0 && s->force_idx < 0)
                s->force_idx = t->cookie_srv;
}

static bool rhdr_add(struct sess *s, const char *name, size_t name_len, const char *v, size_t n)
{
        struct txn *t = s->txn;
        char *p;

        if (t->n_rhdrs >= SESS_MAX_HEADERS + 16 || !(p = txn_scratch(s, v, n)))
                return false;
        t->rhdrs[t->n_rhdrs].name = sl_str_make(name, name_len);
        t->rhdrs[t->n_rhdrs].value = sl_str_make(p, n);
        t->n_rhdrs++;
        return true;
}

/* The response: insert the server's cookie when the client did not send it, or rewrite or
 * prefix the application's own. */
static void cookie_response(struct sess *s)
{
        const struct cfg_cookie *ck = s->be->cookie;
        struct sl_str name = sl_str_from_cstr(ck->name);
        struct txn *t = s->txn;
        const char *srv_cookie;
        bool insert, drop_own;
        char buf[4096];
        int n;

        if (s->srv_idx < 0 || (size_t)s->srv_idx >= s->be->n_servers)
                return;
        srv_cookie = s->be->servers[s->srv_idx].opts.cookie;
        if (!srv_cookie || ck->mode == CFG_COOKIE_PASSIVE)
                return;
        insert = ck->mode == CFG_COOKIE_INSERT && t->cookie_srv != s->srv_idx &&
                 (!ck->postonly || t->req.method == H1_METH_POST);
        /* the application's own cookie of that name: replaced by ours when inserting; with
         * indirect, not shown to a client that already has ours (unless preserve) */
        drop_own = ck->mode == CFG_COOKIE_INSERT && !ck->preserve && (insert || ck->indirect);
        for (size_t i = 0; i < t->n_rhdrs; i++) {
                struct sess_hdr *h = &t->rhdrs[i];
                struct sl_str v;
                size_t len;
                char *p;

                if (!sl_str_ieq(h->name, SL_STR_LIT("set-cookie")) ||
                    !set_cookie_is(h->value, name, &v))
                        continue;
                if (drop_own) {
                        memmove(h, h + 1, (t->n_rhdrs - i - 1) * sizeof(*h));
                        t->n_rhdrs--;
                        i--;
                        continue;
                }
                if (ck->mode == CFG_COOKIE_REWRITE) {
                        len = set_cookie_rewrite(h->value, sl_str_from_cstr(srv_cookie), false, buf,
                                                 sizeof(buf));
                } else if (ck->mode == CFG_COOKIE_PREFIX) {
                        n = snprintf(buf, sizeof(buf), "%s~", srv_cookie);
                        if (n < 0 || (size_t)n >= sizeof(buf) / 2)
                                continue;
                        len = set_cookie_rewrite(h->value, sl_str_make(buf, (size_t)n), true,
                                                 buf + n, sizeof(buf) - (size_t)n);
                        if (len != SIZE_MAX) {
                                memmove(buf, buf + n, len);
                        }
                } else {
                        continue;
                }
                if (len == SIZE_MAX || !(p = txn_scratch(s, buf, len)))
                        continue;
                h->value = sl_str_make(p, len);
        }
        if (!insert)
                return;
        n = snprintf(buf, sizeof(buf), "%s=%s; path=/%s%s%s%s%s%s", ck->name, srv_cookie,
                     ck->domain ? "; domain=" : "", ck->domain ? ck->domain : "",
                     ck->httponly ? "; HttpOnly" : "", ck->secure ? "; Secure" : "",
                     ck->attr ? "; " : "", ck->attr ? ck->attr : "");
        if (n < 0 || (size_t)n >= sizeof(buf))
                return;
        (void)rhdr_add(s, "Set-Cookie", 10, buf, (size_t)n);
        if (ck->nocache)
                (void)rhdr_add(s, "Cache-Control", 13, "private", 7);
}

/* ---- choosing the backend and the server ---- */

static const struct cfg_proxy *sess_pick_backend(struct sess *s)
{
        const struct cfg_proxy *fe = s->fe;

        for (size_t i = 0; i < fe->n_use_backend; i++)
                if (sample_cond(s, fe->use_backend[i].cond, false))
                        return fe->use_backend[i].backend;
        if (fe->cap & CFG_CAP_BE)
                return fe;
        return fe->default_backend;
}

static struct sl_str lb_hdr_cb(void *data, const char *name, size_t len)
{
        struct sess *s = data;
        struct txn *t = s->txn;

        for (size_t i = t ? t->n_hdrs : 0; i-- > 0;)
                if (hdr_name_eq(t->hdrs[i].name, name, len))
                        return t->hdrs[i].value;
        return SL_STR_NULL;
}

/* Is some usable server of the backend full (at its maxconn)? Then a request waits for a
 * slot instead of failing. */
static bool sess_backend_saturated(struct px_rt *rt)
{
        const struct cfg_proxy *be = rt->px;

        for (size_t i = 0; i < be->n_servers; i++) {
                const struct srv_state_rec *rec = &rt->lb->recs[i];

                if (be->servers[i].opts.maxconn && srv_state_usable(rec) &&
                    srv_state_cur_conns(rec) >= be->servers[i].opts.maxconn)
                        return true;
        }
        return false;
}

/* Connect to a server of s->be: an idle connection when reuse allows it, else a new one.
 * Returns 0, 1 when the session went to the backend's queue, or -1 after answering (503)
 * or closing. */
static int sess_connect(struct sess *s)
{
        struct px_rt *rt = worker_rt(s->w, s->be);
        const struct cfg_proxy *be = s->be;
        struct lb_key key = {0};
        const struct cfg_server *srv;
        struct srv_conn *c = NULL;
        int idx, r;
        bool reuse;

        if (s->cli_addr.ss_family == AF_INET) {
                key.family = AF_INET;
                memcpy(key.addr, &((struct sockaddr_in *)&s->cli_addr)->sin_addr, 4);
        } else if (s->cli_addr.ss_family == AF_INET6) {
                key.family = AF_INET6;
                memcpy(key.addr, &((struct sockaddr_in6 *)&s->cli_addr)->sin6_addr, 16);
        }
        if (s->txn) {
                key.path = s->txn->path;
                key.query = s->txn->query;
                key.hdr = lb_hdr_cb;
                key.hdr_data = s;
        }
        if (!rt->lb) {
                sess_set_term(s, 's', 'C');
                if (s->flags & SESS_F_HTTP)
                        sess_reply_error(s, 503);
                else
                        sess_close(s);
                return -1;
        }
        for (;;) {
                uint8_t only[sizeof(s->tried)];
                const uint8_t *exclude = s->tried;

                if (s->retry_idx >= 0) {
                        /* a retry without redispatch goes to the same server */
                        memset(only, 0xff, sizeof(only));
                        only[s->retry_idx / 8] &= (uint8_t) ~(1u << (s->retry_idx % 8));
                        exclude = only;
                }
                idx = -1;
                if (s->force_idx >= 0) {
                        /* persistence: its server if it can take the request, else balance */
                        if (!lb_exclude_test(s->tried, (uint32_t)s->force_idx))
                                idx = lb_take(rt->lb, (uint32_t)s->force_idx);
                        s->force_idx = -1;
                }
                if (idx < 0)
                        idx = lb_pick(rt->lb, &key, exclude);
                if (idx < 0 && sess_backend_saturated(rt)) {
                        /* every usable server is at its maxconn: wait in the backend's queue
                         * for a slot, up to timeout queue (else timeout connect), as HAProxy */
                        uint64_t tmo =
                                px_timeout(be, CFG_TO_QUEUE) ?: px_timeout(be, CFG_TO_CONNECT);

                        if (s->state != SESS_ST_QUEUE) {
                                sess_set_state(s, SESS_ST_QUEUE);
                                sl_list_push_back(&rt->queue, &s->queue_link);
                                rt->n_queued++;
                                s->queued_ms = loop_now(s->w->loop);
                                s->srv_exp = deadline(s, tmo);
                                s->cli_exp = 0;
                        }
                        if (!loop_timer_is_armed(&rt->queue_poll))
                                loop_timer_arm(&rt->queue_poll, 10);
                        return 1;
                }
                if (idx < 0) {
                        sess_set_term(s, 's', 'C');
                        if (s->flags & SESS_F_HTTP) {
                                sess_reply_error(s, 503);
                                return -1;
                        }
                        sess_close(s);
                        return -1;
                }
                s->srv_idx = idx;
                if (s->n_stores)
                        stick_persist_server(s);
                if (rt->held)
                        atomic_fetch_add_explicit(&rt->held[idx], 1, memory_order_relaxed);
                if (s->txn)
                        s->txn->last_srv = idx;
                s->last_srv = idx;
                rt->beconn++;
                srv = &be->servers[idx];
                reuse = (s->flags & SESS_F_HTTP) && be->http_reuse != CFG_REUSE_NEVER &&
                        (be->http_reuse != CFG_REUSE_SAFE || (s->flags & SESS_F_NOT_FIRST)) &&
                        !(s->flags & SESS_F_NEW_CONN);
                if (reuse)
                        c = srv_conn_take_idle(rt, idx);
                if (c) {
                        s->flags |= SESS_F_SRV_REUSED;
                        s->w->stats.srv_conn_reused++;
                        break;
                }
                s->flags &= ~(uint32_t)SESS_F_SRV_REUSED;
                r = srv_conn_open(s->w, rt, idx, (const struct sockaddr *)&srv->addr.ss,
                                  srv->addr.ss_len, &c);
                if (r == 0) {
                        s->w->stats.srv_conn_new++;
                        break;
                }
                /* refused at once: try another server as a retry would */
                s->w->stats.srv_conn_failed++;
                lb_release(rt->lb, idx);
                if (rt->held)
                        atomic_fetch_sub_explicit(&rt->held[idx], 1, memory_order_relaxed);
                rt->beconn--;
                s->srv_idx = -1;
                if (idx < (int)sizeof(s->tried) * 8)
                        s->tried[idx / 8] |= (uint8_t)(1u << (idx % 8));
        }
        if (s->state == SESS_ST_QUEUE) {
                sl_list_del(&s->queue_link);
                rt->n_queued--;
                if (s->txn)
                        s->txn->queue_ms = loop_now(s->w->loop) - s->queued_ms;
        }
        c->owner = s;
        s->srv = c;
        s->flags &= ~(uint32_t)SESS_F_NEW_CONN;
        s->ready |= SESS_WR_SRV;
        s->ready &= ~(uint32_t)SESS_RD_SRV;
        if (s->txn)
                s->txn->connect_start_ms = loop_now(s->w->loop);
        s->connect_start_ms = loop_now(s->w->loop);
        s->srv_exp = deadline(s, c->connecting ? px_timeout(be, CFG_TO_CONNECT)
                                               : px_timeout(be, CFG_TO_SERVER));
        loop_io_start(&c->io, c->connecting ? EPOLLOUT : EPOLLIN | EPOLLRDHUP);
        if (c->connecting) {
                sess_set_state(s, SESS_ST_CONNECT);
        } else {
                if (s->txn)
                        s->txn->connect_done_ms = loop_now(s->w->loop);
                s->connect_done_ms = loop_now(s->w->loop);
                sess_set_state(s, (s->flags & SESS_F_HTTP) ? SESS_ST_FORWARD : SESS_ST_TUNNEL);
        }
        return 0;
}

/* The connection attempt failed (refused, reset before any response byte, timeout): try
 * again while retries last (the last one on another server with option redispatch). */
static void sess_retry(struct sess *s)
{
        const struct cfg_proxy *be = s->be;
        int idx = s->srv_idx;
        bool reused = s->flags & SESS_F_SRV_REUSED;

        sess_detach_srv(s, false);
        s->w->stats.srv_conn_failed++;
        /* a request that failed on a reused connection is replayed on a new one at no cost,
         * as the server may simply have closed it while idle */
        if (!reused) {
                if (s->retries_left == 0) {
                        sess_set_term(s, 'S', 'C');
                        if (s->flags & SESS_F_HTTP) {
                                sess_reply_error(s, 503);
                        } else {
                                sess_close(s);
                        }
                        return;
                }
                s->retries_left--;
                if (s->txn)
                        s->txn->retries++;
                /* HAProxy retries the same server; with option redispatch the last retry
                 * goes to another one */
                s->retry_idx = idx;
                if (idx >= 0 && (be->options & CFG_OPT_REDISPATCH) && s->retries_left == 0 &&
                    idx < (int)sizeof(s->tried) * 8) {
                        s->tried[idx / 8] |= (uint8_t)(1u << (idx % 8));
                        s->retry_idx = -1;
                        if (s->txn)
                                s->txn->redispatched = true;
                }
        } else {
                /* the other idle connections to it may be as stale: a new one, which also
                 * keeps the replays bounded */
                s->retry_idx = -1;
                s->flags |= SESS_F_NEW_CONN;
        }
        s->flags &= ~(uint32_t)(SESS_F_REQ_DONE | SESS_F_SRV_REUSED);
        if (s->txn)
                s->txn->sout_sent = 0; /* the new connection needs the whole head */
        if (sess_connect(s) < 0)
                return;
}

/* ---- the request ---- */

static const struct h1_limits *sess_h1_limits(struct sess *s)
{
        static struct h1_limits lim;

        /* a head must leave room for the rewritten copy in a buffer of the same size */
        lim.max_head_size = s->w->bufs.size - s->w->bufs.size / 8;
        lim.max_line_size = s->w->bufs.size / 2;
        return &lim;
}

static void txn_split_target(struct txn *t)
{
        struct sl_str tg = t->req.target;
        const char *p = tg.ptr, *end = tg.ptr + tg.len, *q;

        t->path = SL_STR_NULL;
        t->query = SL_STR_NULL;
        if (t->req.target_form == H1_TARGET_ABSOLUTE) {
                const char *sep = memchr(p, ':', tg.len);

                /* scheme "://" authority, then the path */
                p = sep ? sep + 3 : end;
                while (p < end && *p != '/' && *p != '?')
                        p++;
        } else if (t->req.target_form != H1_TARGET_ORIGIN) {
                return;
        }
        q = memchr(p, '?', (size_t)(end - p));
        t->path = sl_str_make(p, (size_t)((q ? q : end) - p));
        if (q)
                t->query = sl_str_make(q + 1, (size_t)(end - q - 1));
}

static bool is_hop_by_hop(struct sl_str name)
{
        static const struct sl_str hop[] = {
                SL_STR_LIT("connection"), SL_STR_LIT("keep-alive"), SL_STR_LIT("proxy-connection"),
                SL_STR_LIT("te"),         SL_STR_LIT("upgrade"),    SL_STR_LIT("trailer"),
        };

        for (size_t i = 0; i < SL_ARRAY_SIZE(hop); i++)
                if (sl_str_ieq(name, hop[i]))
                        return true;
        return false;
}

static bool sess_keepalive_wanted(const struct txn *t)
{
        if (t->req.version == H1_VERSION_1_0)
                return (t->req_fr.conn & H1_CONN_KEEP_ALIVE) && !(t->req_fr.conn & H1_CONN_CLOSE);
        return !(t->req_fr.conn & H1_CONN_CLOSE);
}

static bool sess_server_close(const struct sess *s)
{
        return ((s->fe->options | (s->be ? s->be->options : 0)) & CFG_OPT_HTTP_SERVER_CLOSE) ||
               (s->be && s->be->http_reuse == CFG_REUSE_NEVER);
}

/* Write the request head for the server into sout. */
static bool sess_build_request(struct sess *s)
{
        struct txn *t = s->txn;
        const struct cfg_proxy *pxs[2] = {s->fe, s->be != s->fe ? s->be : NULL};
        bool upgrade = (t->req_fr.conn & H1_CONN_UPGRADE) != 0;
        struct buf *b = &s->sout;
        char ip[INET6_ADDRSTRLEN] = "";

        if (!sess_buf_ensure(s, b))
                return false;
        b->head = b->data = 0;
        t->sout_sent = 0;
#define APPEND(p, n)                                \
        do {                                        \
                if (buf_append(b, (p), (n)) != (n)) \
                        return false;               \
        } while (0)
        APPEND(t->req.method_name.ptr, t->req.method_name.len);
        APPEND(" ", 1);
        if (t->path_set) {
                APPEND(t->path.ptr, t->path.len);
                if (t->query.ptr) {
                        APPEND("?", 1);
                        APPEND(t->query.ptr, t->query.len);
                }
        } else {
                APPEND(t->req.target.ptr, t->req.target.len);
        }
        if (t->req.version == H1_VERSION_1_0)
                APPEND(" HTTP/1.0\r\n", 11);
        else
                APPEND(" HTTP/1.1\r\n", 11);
        for (size_t i = 0; i < t->n_hdrs; i++) {
                const struct sess_hdr *h = &t->hdrs[i];

                if (is_hop_by_hop(h->name) &&
                    !(upgrade && sl_str_ieq(h->name, SL_STR_LIT("upgrade"))))
                        continue;
                APPEND(h->name.ptr, h->name.len);
                APPEND(": ", 2);
                APPEND(h->value.ptr, h->value.len);
                APPEND("\r\n", 2);
        }
        for (int i = 0; i < 2; i++) {
                const struct cfg_proxy *px = pxs[i];
                const char *name = "X-Forwarded-For";
                size_t nlen = 15;
                bool present = false;

                if (!px || !(px->options & CFG_OPT_FORWARDFOR) ||
                    (i == 1 && (s->fe->options & CFG_OPT_FORWARDFOR)))
                        continue;
                if (px->forwardfor_header) {
                        name = px->forwardfor_header;
                        nlen = strlen(name);
                }
                for (size_t k = 0; k < t->n_hdrs && px->forwardfor_if_none; k++)
                        present |= hdr_name_eq(t->hdrs[k].name, name, nlen);
                if (present)
                        continue;
                if (s->cli_addr.ss_family == AF_INET)
                        inet_ntop(AF_INET, &((struct sockaddr_in *)&s->cli_addr)->sin_addr, ip,
                                  sizeof(ip));
                else if (s->cli_addr.ss_family == AF_INET6)
                        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&s->cli_addr)->sin6_addr, ip,
                                  sizeof(ip));
                else
                        continue; /* a Unix socket client has no address to forward */
                APPEND(name, nlen);
                APPEND(": ", 2);
                APPEND(ip, strlen(ip));
                APPEND("\r\n", 2);
        }
        if (upgrade)
                APPEND("connection: upgrade\r\n", 21);
        else if (sess_server_close(s))
                APPEND("connection: close\r\n", 19);
        else if (t->req.version == H1_VERSION_1_0)
                APPEND("connection: keep-alive\r\n", 24);
        APPEND("\r\n", 2);
#undef APPEND
        return true;
}

/* A complete request head is at the start of cin: apply the rules, choose the backend and
 * the server, and start forwarding. */
static void sess_process_request(struct sess *s, int head_len)
{
        struct txn *t = s->txn;
        enum rule_result rr;
        struct px_rt *rt;
        int r;

        t->req_head_len = (size_t)head_len;
        t->head_done_ms = loop_now(s->w->loop);
        s->w->stats.requests++;
        r = h1_analyze_request(&t->req, &t->req_fr);
        if (r < 0) {
                sess_set_term(s, 'P', 'R');
                sess_reply_error(s, (unsigned)h1_error_status(r));
                return;
        }
        txn_split_target(t);
        for (size_t i = 0; i < t->req.n_headers; i++) {
                t->hdrs[i].name = t->req.headers[i].name;
                t->hdrs[i].value = t->req.headers[i].value;
        }
        t->n_hdrs = t->req.n_headers;
        if (!sess_keepalive_wanted(t) || s->w->stopping)
                s->flags |= SESS_F_CLOSE_AFTER;
        if (t->req_fr.body == H1_BODY_LENGTH)
                t->req_body_left = t->req_fr.content_length;
        else if (t->req_fr.body == H1_BODY_CHUNKED)
                h1_chunked_init(&t->req_ck, &sess_chunk_limits);
        t->cin_ok = 0;
        t->req_body_sent = 0;
        s->cli_exp = 0;

        stick_http_request(s);
        if (!tcp_rules_run(s, s->fe->tcp_content, s->fe->n_tcp_content, STICK_REQ)) {
                sess_reject(s);
                return;
        }
        rr = rules_run(s, s->fe->http_req, s->fe->n_http_req, false);
        if (rr == RULE_REPLIED)
                return;
        if (rr == RULE_FAILED) {
                sess_reply_error(s, 500);
                return;
        }
        s->be = sess_pick_backend(s);
        if (!s->be) {
                sess_set_term(s, 'P', 'R');
                sess_reply_error(s, 503);
                return;
        }
        if (s->be != s->fe) {
                if (!tcp_rules_run(s, s->be->tcp_content, s->be->n_tcp_content, STICK_REQ)) {
                        sess_reject(s);
                        return;
                }
                rr = rules_run(s, s->be->http_req, s->be->n_http_req, false);
                if (rr == RULE_REPLIED)
                        return;
                if (rr == RULE_FAILED) {
                        sess_reply_error(s, 500);
                        return;
                }
        }
        s->force_idx = -1;
        if (s->be->cookie)
                cookie_request(s);
        if (s->be->n_stick_rules)
                sess_stick_persist(s);
        rt = worker_rt(s->w, s->be);
        rt->req_counter++;
        if (!sess_build_request(s)) {
                sess_set_term(s, 'P', 'R');
                sess_reply_error(s, 500);
                return;
        }
        memset(s->tried, 0, sizeof(s->tried));
        s->retry_idx = -1;
        s->retries_left = s->be->retries;
        s->flags &= ~(uint32_t)(SESS_F_REQ_DONE | SESS_F_RES_HEAD | SESS_F_RES_DONE |
                                SESS_F_RES_BYTES | SESS_F_SRV_CLOSE | SESS_F_RES_SENT);
        (void)sess_connect(s);
}

/* Read and parse a request head (IDLE, REQ_HEAD). Returns true on progress. */
static bool sess_step_req_head(struct sess *s)
{
        struct txn *t;
        int r;

        if (s->cin.data == 0)
                return false;
        if (!s->txn) {
                s->txn = txn_new(s);
                if (!s->txn) {
                        s->w->stats.sessions_oom++;
                        sess_close(s);
                        return false;
                }
        }
        t = s->txn;
        if (s->state == SESS_ST_IDLE) {
                sess_set_state(s, SESS_ST_REQ_HEAD);
                s->cli_exp = deadline(s, px_timeout(s->fe, CFG_TO_HTTP_REQUEST)
                                                 ?: px_timeout(s->fe, CFG_TO_CLIENT));
        }
        r = h1_parse_request(buf_head(&s->cin), s->cin.data, sess_h1_limits(s), t->req_hdrs,
                             SESS_MAX_HEADERS, &t->req);
        if (r == -EAGAIN) {
                if (s->cin.data < sess_h1_limits(s)->max_head_size && !(s->flags & SESS_F_CLI_EOF))
                        return false;
                if (s->flags & SESS_F_CLI_EOF) {
                        sess_set_term(s, 'C', 'R');
                        sess_reply_error(s, 400);
                        return true;
                }
                r = H1_E_TOO_LARGE;
        }
        if (r < 0) {
                sess_set_term(s, 'P', 'R');
                sess_reply_error(s, (unsigned)h1_error_status(r));
                return true;
        }
        sess_process_request(s, r);
        return true;
}

/* Validate request body bytes from cin (after the head) for forwarding. */
static int sess_req_body_validate(struct sess *s)
{
        struct txn *t = s->txn;
        size_t start = t->req_head_len + t->cin_ok;
        size_t avail = s->cin.data > start ? s->cin.data - start : 0;

        switch (t->req_fr.body) {
        case H1_BODY_LENGTH: {
                size_t n = (size_t)SL_MIN((uint64_t)avail, t->req_body_left);

                t->cin_ok += n;
                t->req_body_left -= n;
                return 0;
        }
        case H1_BODY_CHUNKED:
                while (avail && !h1_chunked_done(&t->req_ck)) {
                        struct sl_str data;
                        int r = h1_chunked_parse(&t->req_ck, buf_head(&s->cin) + start, avail,
                                                 &data);

                        if (r == -EAGAIN)
                                break;
                        if (r < 0)
                                return r;
                        t->cin_ok += (size_t)r;
                        start += (size_t)r;
                        avail -= (size_t)r;
                }
                return 0;
        case H1_BODY_NONE:
        case H1_BODY_UNTIL_CLOSE:
        case H1_BODY_TUNNEL:
        case H1_BODY_COUNT:
                break;
        }
        return 0;
}

static bool sess_req_body_complete(const struct txn *t)
{
        switch (t->req_fr.body) {
        case H1_BODY_LENGTH:
                return t->req_body_left == 0;
        case H1_BODY_CHUNKED:
                return h1_chunked_done(&t->req_ck);
        case H1_BODY_NONE:
        case H1_BODY_UNTIL_CLOSE:
        case H1_BODY_TUNNEL:
        case H1_BODY_COUNT:
                break;
        }
        return true;
}

/* Write the request (head, then body) to the server. Returns true on progress. */
static bool sess_step_req_send(struct sess *s)
{
        struct txn *t = s->txn;
        bool progress = false;
        ssize_t n;
        int r;

        if (!s->srv || (s->flags & SESS_F_REQ_DONE) || !(s->ready & SESS_WR_SRV))
                return false;
        r = sess_req_body_validate(s);
        if (r < 0) {
                sess_set_term(s, 'P', 'D');
                if (t->req_body_sent == 0) {
                        sess_reply_error(s, (unsigned)h1_error_status(r));
                } else {
                        sess_close(s);
                }
                return true;
        }
        while (t->sout_sent < s->sout.data || t->cin_ok) {
                char *body = buf_head(&s->cin) + t->req_head_len;
                struct iovec iov[2];
                size_t head, rest, sent;
                int k = 0;

                if (t->sout_sent < s->sout.data)
                        iov[k++] = (struct iovec){buf_head(&s->sout) + t->sout_sent,
                                                  s->sout.data - t->sout_sent};
                if (t->cin_ok)
                        iov[k++] = (struct iovec){body, t->cin_ok};
                n = sess_sendv(s->srv->fd, iov, k, 0);
                if (n == -EAGAIN) {
                        s->ready &= ~(uint32_t)SESS_WR_SRV;
                        break;
                }
                if (n < 0) {
                        sess_set_term(s, 'S', sess_phase(s));
                        if (t->req_body_sent == 0) {
                                sess_retry(s);
                        } else {
                                sess_close(s);
                        }
                        return true;
                }
                head = SL_MIN((size_t)n, s->sout.data - t->sout_sent);
                t->sout_sent += head;
                t->bytes_in += head;
                sent = (size_t)n - head;
                if (sent) {
                        /* drop the sent body bytes, keeping the head in place for the response
                         * rules and the log */
                        rest = s->cin.data - t->req_head_len - sent;
                        if (rest)
                                memmove(body, body + sent, rest);
                        s->cin.data -= sent;
                        t->cin_ok -= sent;
                        t->req_body_sent += sent;
                        t->bytes_in += sent;
                        s->cli_exp = deadline(s, px_timeout(s->fe, CFG_TO_CLIENT));
                }
                progress = true;
        }
        if (t->cin_ok == 0 && t->sout_sent == s->sout.data && sess_req_body_complete(t)) {
                s->flags |= SESS_F_REQ_DONE;
                progress = true;
        }
        return progress;
}

/* ---- the response ---- */

/* Read from the server into sin. Returns true on progress. */
static bool sess_step_srv_read(struct sess *s)
{
        bool drained = false;
        ssize_t n;

        if (!s->srv || !(s->ready & SESS_RD_SRV) || (s->flags & SESS_F_SRV_EOF))
                return false;
        if (!sess_buf_ensure(s, &s->sin)) {
                s->w->stats.sessions_oom++;
                return false;
        }
        if (buf_room(&s->sin) == 0)
                return false;
        n = sess_recv(s->srv->fd, &s->sin, &drained);
        if (drained)
                s->ready &= ~(uint32_t)SESS_RD_SRV;
        if (n == -EAGAIN) {
                s->ready &= ~(uint32_t)SESS_RD_SRV;
                sess_buf_release(s, &s->sin);
                return false;
        }
        if (n == 0 || n == -ECONNRESET || n < 0) {
                s->flags |= SESS_F_SRV_EOF;
                s->ready &= ~(uint32_t)SESS_RD_SRV;
                if (n < 0 && n != -ECONNRESET)
                        sess_set_term(s, 'S', sess_phase(s));
                return true;
        }
        s->flags |= SESS_F_RES_BYTES;
        s->srv_exp = deadline(s, px_timeout(s->be, CFG_TO_SERVER));
        return true;
}

/* Should the client connection stay open after this response? */
static bool sess_client_keepalive(const struct sess *s)
{
        const struct txn *t = s->txn;

        return !(s->flags & (SESS_F_CLOSE_AFTER | SESS_F_STOPPING)) && !s->w->stopping &&
               t->res_fr.body != H1_BODY_UNTIL_CLOSE;
}

/* The final response head is at the start of sin: run the response rules and write the head
 * for the client into cout. */
static void sess_process_response(struct sess *s, int head_len)
{
        struct txn *t = s->txn;
        const struct cfg_proxy *pxs[2] = {s->be, s->be != s->fe ? s->fe : NULL};
        bool tunnel, keep;
        enum rule_result rr = RULE_CONTINUE;
        int r;

        t->res_head_ms = loop_now(s->w->loop);
        r = h1_analyze_response(&t->res, t->req.method, &t->res_fr);
        if (r < 0) {
                sess_set_term(s, 'P', 'H');
                sess_reply_error(s, 502);
                return;
        }
        for (size_t i = 0; i < t->res.n_headers; i++) {
                t->rhdrs[i].name = t->res.headers[i].name;
                t->rhdrs[i].value = t->res.headers[i].value;
        }
        t->n_rhdrs = t->res.n_headers;
        for (int i = 0; i < 2 && rr == RULE_CONTINUE; i++)
                if (pxs[i])
                        rr = rules_run(s, pxs[i]->http_res, pxs[i]->n_http_res, true);
        if (rr == RULE_REPLIED)
                return;
        if (rr == RULE_FAILED) {
                sess_reply_error(s, 500);
                return;
        }
        if (s->be->cookie)
                cookie_response(s);
        tunnel = t->res_fr.body == H1_BODY_TUNNEL;
        if (t->res_fr.body == H1_BODY_UNTIL_CLOSE || (t->res_fr.conn & H1_CONN_CLOSE) ||
            (t->res.version == H1_VERSION_1_0 && !(t->res_fr.conn & H1_CONN_KEEP_ALIVE)) ||
            sess_server_close(s))
                s->flags |= SESS_F_SRV_CLOSE;
        keep = tunnel || sess_client_keepalive(s);
        if (!keep)
                s->flags |= SESS_F_CLOSE_AFTER;

        if (!sess_buf_ensure(s, &s->cout)) {
                sess_close(s);
                return;
        }
        {
                /* the status line by hand: this runs once per response */
                char sl[16] = "HTTP/1.1 000 ";

                sl[9] = (char)('0' + t->res.status / 100);
                sl[10] = (char)('0' + t->res.status / 10 % 10);
                sl[11] = (char)('0' + t->res.status % 10);
                if (!cout_append(s, sl, 13) ||
                    !cout_append(s, t->res.reason.ptr, t->res.reason.len) ||
                    !cout_append(s, "\r\n", 2))
                        goto too_big;
        }
        for (size_t i = 0; i < t->n_rhdrs; i++) {
                const struct sess_hdr *h = &t->rhdrs[i];

                if (is_hop_by_hop(h->name) &&
                    !(tunnel && sl_str_ieq(h->name, SL_STR_LIT("upgrade"))))
                        continue;
                /* a 204 never carries one (RFC 9110 8.6); a server that sent it anyway
                 * had it ignored */
                if (t->res.status == 204 && sl_str_ieq(h->name, SL_STR_LIT("content-length")))
                        continue;
                if (!cout_append(s, h->name.ptr, h->name.len) || !cout_append(s, ": ", 2) ||
                    !cout_append(s, h->value.ptr, h->value.len) || !cout_append(s, "\r\n", 2))
                        goto too_big;
        }
        if (tunnel && t->res.status == 101) {
                if (!cout_append(s, "connection: upgrade\r\n", 21))
                        goto too_big;
        } else if (!keep) {
                if (!cout_append(s, "connection: close\r\n", 19))
                        goto too_big;
        } else if (t->req.version == H1_VERSION_1_0) {
                if (!cout_append(s, "connection: keep-alive\r\n", 24))
                        goto too_big;
        }
        if (!cout_append(s, "\r\n", 2))
                goto too_big;
        t->status = t->res.status;
        stick_http_status(s, t->status);
        buf_consume(&s->sin, (size_t)head_len);
        t->bytes_out += (uint64_t)head_len;
        s->flags |= SESS_F_RES_HEAD;
        switch (t->res_fr.body) {
        case H1_BODY_LENGTH:
                t->res_body_left = t->res_fr.content_length;
                break;
        case H1_BODY_CHUNKED:
                h1_chunked_init(&t->res_ck, &sess_chunk_limits);
                break;
        case H1_BODY_NONE:
        case H1_BODY_UNTIL_CLOSE:
        case H1_BODY_TUNNEL:
        case H1_BODY_COUNT:
                break;
        }
        t->sin_ok = 0;
        return;

too_big:
        sess_set_term(s, 'P', 'H');
        sess_reply_error(s, 502);
}

/* Parse response heads in sin (1xx are passed through). Returns true on progress. */
static bool sess_step_res_head(struct sess *s)
{
        struct txn *t = s->txn;
        int r;

        if ((s->flags & SESS_F_RES_HEAD) || !s->srv)
                return false;
        if (s->sin.data == 0) {
                if (s->flags & SESS_F_SRV_EOF) {
                        /* closed before any response: replay on a new connection if it was a
                         * reused one and nothing of the body went, else a bad gateway */
                        if ((s->flags & SESS_F_SRV_REUSED) && !(s->flags & SESS_F_RES_BYTES) &&
                            t->req_body_sent == 0) {
                                s->flags &= ~(uint32_t)SESS_F_SRV_EOF;
                                sess_retry(s);
                                return true;
                        }
                        sess_set_term(s, 'S', 'H');
                        sess_reply_error(s, 502);
                        return true;
                }
                return false;
        }
        r = h1_parse_response(buf_head(&s->sin), s->sin.data, sess_h1_limits(s), t->res_hdrs,
                              SESS_MAX_HEADERS, &t->res);
        if (r == -EAGAIN) {
                if (buf_room(&s->sin) > 0 && !(s->flags & SESS_F_SRV_EOF))
                        return false;
                r = -EBADMSG;
        }
        if (r < 0) {
                sess_set_term(s, 'P', 'H');
                sess_reply_error(s, 502);
                return true;
        }
        if (t->res.status == 101 && !(t->req_fr.conn & H1_CONN_UPGRADE)) {
                /* RFC 9110 15.2.2: a switch only to a request that asked for one */
                sess_set_term(s, 'P', 'H');
                sess_reply_error(s, 502);
                return true;
        }
        if (t->res.status < 200 && t->res.status != 101) {
                /* interim response (100 Continue, 103 Early Hints): to the client as is, but
                 * never to an HTTP/1.0 one (RFC 9110 15.2) */
                if (t->req.version == H1_VERSION_1_0) {
                        buf_consume(&s->sin, (size_t)r);
                        return true;
                }
                if (!sess_buf_ensure(s, &s->cout) ||
                    !cout_append(s, buf_head(&s->sin), (size_t)r)) {
                        sess_close(s);
                        return true;
                }
                buf_consume(&s->sin, (size_t)r);
                return true;
        }
        sess_process_response(s, r);
        return true;
}

/* Validate response body bytes at the start of sin. Returns 0 or a negative errno. */
static int sess_res_body_validate(struct sess *s)
{
        struct txn *t = s->txn;
        size_t avail = s->sin.data - t->sin_ok;

        switch (t->res_fr.body) {
        case H1_BODY_LENGTH: {
                size_t n = (size_t)SL_MIN((uint64_t)avail, t->res_body_left);

                t->sin_ok += n;
                t->res_body_left -= n;
                if (t->res_body_left == 0)
                        s->flags |= SESS_F_RES_DONE;
                else if (s->flags & SESS_F_SRV_EOF)
                        return -EPIPE;
                break;
        }
        case H1_BODY_CHUNKED:
                while (avail && !h1_chunked_done(&t->res_ck)) {
                        struct sl_str data;
                        int r = h1_chunked_parse(&t->res_ck, buf_head(&s->sin) + t->sin_ok, avail,
                                                 &data);

                        if (r == -EAGAIN)
                                break;
                        if (r < 0)
                                return r;
                        t->sin_ok += (size_t)r;
                        avail -= (size_t)r;
                }
                if (h1_chunked_done(&t->res_ck))
                        s->flags |= SESS_F_RES_DONE;
                else if (s->flags & SESS_F_SRV_EOF)
                        return -EPIPE;
                break;
        case H1_BODY_UNTIL_CLOSE:
                t->sin_ok += avail;
                if (s->flags & SESS_F_SRV_EOF)
                        s->flags |= SESS_F_RES_DONE;
                break;
        case H1_BODY_NONE:
                s->flags |= SESS_F_RES_DONE;
                break;
        case H1_BODY_TUNNEL:
        case H1_BODY_COUNT:
                break;
        }
        /* bytes past the end of a response: the server is out of step, never reuse it */
        if ((s->flags & SESS_F_RES_DONE) && s->sin.data > t->sin_ok)
                s->flags |= SESS_F_SRV_CLOSE;
        return 0;
}

/* Is the rest of the response short and due at once? Servers often write a small
 * response's head and body in two system calls, and the proxy may read between them. The
 * head then goes out with MSG_MORE, so head and body reach the client in one segment
 * instead of two (one wake-up of the client, one ACK less). The kernel holds such a segment
 * until the next send or at most about 200 ms (its probe timer); "option http-no-delay"
 * turns this off, as in HAProxy. */
static bool sess_res_more_soon(const struct sess *s)
{
        const struct txn *t = s->txn;

        return !(s->flags & SESS_F_RES_DONE) && t->res_fr.body == H1_BODY_LENGTH &&
               t->res_body_left <= SESS_MORE_SOON_MAX &&
               !((s->fe->options | (s->be ? s->be->options : 0)) & CFG_OPT_HTTP_NO_DELAY);
}

/* Write cout, then validated response bytes from sin, to the client: one sendmsg() for
 * both, so a small response leaves in one packet and one system call. */
static bool sess_step_cli_write(struct sess *s)
{
        bool progress = false, body;
        ssize_t n;

        if (!(s->ready & SESS_WR_CLI))
                return false;
        body = s->state == SESS_ST_FORWARD && (s->flags & SESS_F_RES_HEAD) && s->txn;
        while (s->cout.data || (body && s->txn->sin_ok)) {
                struct iovec iov[2];
                int k = 0;
                size_t head;

                if (s->cout.data)
                        iov[k++] = (struct iovec){buf_head(&s->cout), s->cout.data};
                if (body && s->txn->sin_ok)
                        iov[k++] = (struct iovec){buf_head(&s->sin), s->txn->sin_ok};
                n = sess_sendv(s->cli_fd, iov, k, body && sess_res_more_soon(s) ? MSG_MORE : 0);
                if (n == -EAGAIN) {
                        s->ready &= ~(uint32_t)SESS_WR_CLI;
                        break;
                }
                if (n < 0) {
                        sess_set_term(s, 'C', sess_phase(s));
                        sess_close(s);
                        return true;
                }
                head = SL_MIN((size_t)n, s->cout.data);
                buf_consume(&s->cout, head);
                if (s->flags & SESS_F_RES_HEAD)
                        s->flags |= SESS_F_RES_SENT;
                if ((size_t)n > head) {
                        buf_consume(&s->sin, (size_t)n - head);
                        s->txn->sin_ok -= (size_t)n - head;
                        s->txn->bytes_out += (uint64_t)n - head;
                }
                s->cli_exp = deadline(s, px_timeout(s->fe, CFG_TO_CLIENT));
                progress = true;
        }
        sess_buf_release(s, &s->cout);
        return progress;
}

/* ---- end of a request ---- */

/* The response went out: log, then wait for the next request or close. */
static void sess_txn_end(struct sess *s)
{
        struct txn *t = s->txn;
        bool reuse = (s->flags & SESS_F_REQ_DONE) && !(s->flags & SESS_F_SRV_CLOSE) &&
                     (s->flags & SESS_F_RES_DONE) && s->sin.data == (t ? t->sin_ok : 0);
        bool stopping = (s->flags & SESS_F_STOPPING) || s->w->stopping;

        sess_log(s);
        if (t) {
                /* bytes in: as the client sent them (its head, and the body forwarded) */
                stick_http_end(s, t->req_head_len + t->req_body_sent, t->bytes_out);
                t->stick_done = true;
        }
        sess_detach_srv(s, reuse);
        /* the response said Connection: close (a stopping worker says so), so closing here
         * is expected */
        if (s->flags & SESS_F_CLOSE_AFTER) {
                sess_close(s);
                return;
        }
        /* the next request (pipelined, maybe) starts after this one's head */
        if (t && t->req_head_len) {
                if (!(s->flags & SESS_F_REQ_DONE)) {
                        /* the request body was not read to its end: the next byte is not a
                         * request start, so the connection cannot go on */
                        sess_close(s);
                        return;
                }
                buf_consume(&s->cin, t->req_head_len);
        }
        txn_free(s);
        sess_buf_drop(s, &s->sin);
        sess_buf_drop(s, &s->sout);
        sess_buf_release(s, &s->cout);
        sess_buf_release(s, &s->cin);
        s->be = NULL;
        s->flags &=
                ~(uint32_t)(SESS_F_REQ_DONE | SESS_F_RES_HEAD | SESS_F_RES_DONE | SESS_F_LOGGED |
                            SESS_F_SRV_EOF | SESS_F_SRV_REUSED | SESS_F_RES_BYTES |
                            SESS_F_SRV_CLOSE | SESS_F_EXPECT | SESS_F_RES_SENT);
        s->flags |= SESS_F_NOT_FIRST;
        s->term[0] = s->term[1] = '-';
        s->idle_start_ms = loop_now(s->w->loop);
        s->srv_exp = 0;
        s->cli_exp = deadline(s, px_timeout(s->fe, CFG_TO_HTTP_KEEP_ALIVE)
                                      ?: px_timeout(s->fe, CFG_TO_HTTP_REQUEST)
                                      ?: px_timeout(s->fe, CFG_TO_CLIENT));
        s->state = SESS_ST_IDLE;
        if (stopping) {
                /* The worker began stopping after this response's head promised keep-alive:
                 * the client may be sending its next request already, and closing now would
                 * lose it. It gets SESS_STOP_GRACE_MS to arrive, then is answered with
                 * Connection: close; otherwise the connection closes then. */
                s->cli_exp = loop_now(s->w->loop) + SESS_STOP_GRACE_MS;
                sess_arm(s);
        }
        /* a client that half-closed after pipelined requests still gets every answer */
        if ((s->flags & SESS_F_CLI_EOF) && !s->cin.data)
                sess_close(s);
}

/* ---- TCP tunnels (mode tcp, WebSocket, CONNECT) ---- */

/* Move bytes @from -> @to through a kernel pipe with splice(): no copy through user space.
 * Used for TCP mode when the buffer for that direction is empty (nothing was read into it
 * before the tunnel started). Returns true on progress; *ret_done says the direction is
 * handled by the pipe (false: no pipe could be had, use the buffer). */
static bool sess_splice(struct sess *s, int from, int to, struct wpipe **pp, uint32_t rd,
                        uint32_t wr, uint32_t eof_flag, uint64_t *count, bool *ret_done)
{
        struct wpipe *p = *pp;
        bool progress = false;
        ssize_t n;

        *ret_done = false;
        if (!p) {
                p = worker_pipe_get(s->w);
                if (!p)
                        return false;
                *pp = p;
        }
        *ret_done = true;
        if ((s->ready & rd) && !(s->flags & eof_flag) && p->data < WORKER_PIPE_SIZE) {
                n = splice(from, NULL, p->wr, NULL, WORKER_PIPE_SIZE - p->data,
                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n > 0) {
                        p->data += (size_t)n;
                        progress = true;
                } else if (n == 0) {
                        s->flags |= eof_flag;
                        s->ready &= ~rd;
                        progress = true;
                } else if (errno == EAGAIN) {
                        /* the source is empty, or the pipe is full: the data left in the
                         * pipe tells which */
                        if (p->data == 0)
                                s->ready &= ~rd;
                } else {
                        /* reset: the peer is gone both ways, so is the other direction */
                        s->flags |= SESS_F_CLI_EOF | SESS_F_SRV_EOF;
                        s->ready &= ~rd;
                        progress = true;
                }
        }
        while (p->data && (s->ready & wr)) {
                n = splice(p->rd, NULL, to, NULL, p->data, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n < 0 && errno == EAGAIN) {
                        s->ready &= ~wr;
                        break;
                }
                if (n <= 0) {
                        /* @to is gone: what the pipe holds can never be delivered, and a pipe
                         * is only reused empty, so it is closed */
                        s->flags |= SESS_F_CLI_EOF | SESS_F_SRV_EOF;
                        *pp = worker_pipe_put(s->w, p);
                        return true;
                }
                p->data -= (size_t)n;
                *count += (uint64_t)n;
                progress = true;
        }
        return progress;
}

static bool sess_relay(struct sess *s, int from, int to, struct buf *b, struct wpipe **pp,
                       uint32_t rd, uint32_t wr, uint32_t eof_flag, uint32_t shut_flag,
                       uint64_t *count)
{
        bool progress = false, spliced = false;
        ssize_t n;

        if (!(s->flags & SESS_F_HTTP) && buf_is_null(b))
                progress = sess_splice(s, from, to, pp, rd, wr, eof_flag, count, &spliced);
        if (!spliced) {
                if ((s->ready & rd) && !(s->flags & eof_flag) && sess_buf_ensure(s, b) &&
                    buf_room(b)) {
                        bool drained = false;

                        n = sess_recv(from, b, &drained);
                        if (drained)
                                s->ready &= ~rd;
                        if (n == -EAGAIN) {
                                s->ready &= ~rd;
                        } else if (n <= 0) {
                                /* a FIN ends this direction; a reset both */
                                s->flags |= n == 0 ? eof_flag : SESS_F_CLI_EOF | SESS_F_SRV_EOF;
                                s->ready &= ~rd;
                                progress = true;
                        } else {
                                progress = true;
                        }
                }
                while (b->data && (s->ready & wr)) {
                        n = sess_send_raw(to, buf_head(b), b->data);
                        if (n == -EAGAIN) {
                                s->ready &= ~wr;
                                break;
                        }
                        if (n < 0) {
                                s->flags |= SESS_F_CLI_EOF | SESS_F_SRV_EOF;
                                b->data = 0;
                                return true;
                        }
                        buf_consume(b, (size_t)n);
                        *count += (uint64_t)n;
                        progress = true;
                }
                sess_buf_release(s, b);
        }
        /* the reading side ended and everything went through: pass the FIN on */
        if ((s->flags & eof_flag) && buf_is_null(b) && (!*pp || (*pp)->data == 0) &&
            !(s->flags & shut_flag)) {
                (void)shutdown(to, SHUT_WR);
                s->flags |= shut_flag;
                progress = true;
        }
        return progress;
}

static bool sess_step_tunnel(struct sess *s)
{
        struct txn *t = s->txn;
        uint64_t *up = t ? &t->bytes_in : &s->tcp_bytes_in;
        uint64_t *down = t ? &t->bytes_out : &s->tcp_bytes_out;
        const struct cfg_proxy *be = s->be;
        uint64_t tunnel = px_timeout(be, CFG_TO_TUNNEL);
        bool progress;

        if (!s->srv)
                return false;
        progress = sess_relay(s, s->cli_fd, s->srv->fd, &s->cin, &s->pipe_up, SESS_RD_CLI,
                              SESS_WR_SRV, SESS_F_CLI_EOF, SESS_F_SRV_SHUT, up);
        progress |= sess_relay(s, s->srv->fd, s->cli_fd, &s->sin, &s->pipe_down, SESS_RD_SRV,
                               SESS_WR_CLI, SESS_F_SRV_EOF, SESS_F_CLI_SHUT, down);
        if ((s->flags & SESS_F_SRV_SHUT) && (s->flags & SESS_F_CLI_SHUT)) {
                sess_close(s);
                return false;
        }
        if (progress) {
                /* inactivity: tunnel timeout when set, else client/server; after a FIN on one
                 * side, the other side's -fin timeout */
                uint64_t cli = tunnel ?: px_timeout(s->fe, CFG_TO_CLIENT);
                uint64_t srv = tunnel ?: px_timeout(be, CFG_TO_SERVER);

                if ((s->flags & SESS_F_CLI_EOF) && px_timeout(s->fe, CFG_TO_CLIENT_FIN))
                        cli = px_timeout(s->fe, CFG_TO_CLIENT_FIN);
                if ((s->flags & SESS_F_SRV_EOF) && px_timeout(be, CFG_TO_SERVER_FIN))
                        srv = px_timeout(be, CFG_TO_SERVER_FIN);
                s->cli_exp = deadline(s, cli);
                s->srv_exp = deadline(s, srv);
        }
        return progress;
}

/* ---- driving a session ---- */

/* Read from the client when the state wants bytes. Returns true on progress. */
static bool sess_step_cli_read(struct sess *s)
{
        bool drained = false;
        ssize_t n;

        if (!(s->ready & SESS_RD_CLI) || (s->flags & SESS_F_CLI_EOF))
                return false;
        switch (s->state) {
        case SESS_ST_IDLE:
        case SESS_ST_REQ_HEAD:
                break;
        case SESS_ST_QUEUE:
        case SESS_ST_CONNECT:
        case SESS_ST_FORWARD:
                /* the body, or the start of a pipelined request: both bounded by cin */
                break;
        case SESS_ST_REPLY:
                if (s->flags & SESS_F_CLOSE_AFTER)
                        return false;
                break;
        case SESS_ST_TUNNEL:
        case SESS_ST_CLOSED:
        case SESS_ST_COUNT:
                return false;
        }
        if (!sess_buf_ensure(s, &s->cin)) {
                s->w->stats.sessions_oom++;
                return false;
        }
        if (buf_room(&s->cin) == 0)
                return false;
        n = sess_recv(s->cli_fd, &s->cin, &drained);
        if (drained)
                s->ready &= ~(uint32_t)SESS_RD_CLI;
        if (n == -EAGAIN) {
                s->ready &= ~(uint32_t)SESS_RD_CLI;
                sess_buf_release(s, &s->cin);
                return false;
        }
        if (n <= 0) {
                s->flags |= SESS_F_CLI_EOF;
                s->ready &= ~(uint32_t)SESS_RD_CLI;
                if (s->state == SESS_ST_IDLE && s->cin.data == 0) {
                        /* a keep-alive connection closed between requests: nothing to log */
                        s->flags |= SESS_F_LOGGED;
                        sess_close(s);
                        return false;
                }
                return true;
        }
        return true;
}

static void sess_update_io(struct sess *s)
{
        uint32_t cli = 0, srv = 0;
        bool cin_room = buf_is_null(&s->cin) || buf_room(&s->cin) > 0;
        bool sin_room = buf_is_null(&s->sin) || buf_room(&s->sin) > 0;
        bool cli_out = s->cout.data || (s->txn && s->txn->sin_ok) ||
                       (s->state == SESS_ST_TUNNEL && s->sin.data);

        switch (s->state) {
        case SESS_ST_IDLE:
        case SESS_ST_REQ_HEAD:
        case SESS_ST_CONNECT:
        case SESS_ST_FORWARD:
        case SESS_ST_REPLY:
                if (!(s->flags & SESS_F_CLI_EOF) && cin_room &&
                    !(s->state == SESS_ST_REPLY && (s->flags & SESS_F_CLOSE_AFTER)))
                        cli |= EPOLLIN | EPOLLRDHUP;
                if (cli_out)
                        cli |= EPOLLOUT;
                if (s->srv) {
                        if (s->state == SESS_ST_CONNECT ||
                            (!(s->flags & SESS_F_REQ_DONE) && s->txn &&
                             (s->txn->sout_sent < s->sout.data || s->txn->cin_ok)))
                                srv |= EPOLLOUT;
                        if (s->state == SESS_ST_FORWARD && !(s->flags & SESS_F_SRV_EOF) && sin_room)
                                srv |= EPOLLIN | EPOLLRDHUP;
                }
                break;
        case SESS_ST_QUEUE:
                /* only a client that leaves matters meanwhile */
                cli = EPOLLRDHUP;
                break;
        case SESS_ST_TUNNEL: {
                size_t up = s->cin.data + (s->pipe_up ? s->pipe_up->data : 0);
                size_t down = s->sin.data + (s->pipe_down ? s->pipe_down->data : 0);

                if (s->pipe_up)
                        cin_room = s->pipe_up->data < WORKER_PIPE_SIZE;
                if (s->pipe_down)
                        sin_room = s->pipe_down->data < WORKER_PIPE_SIZE;
                if (!(s->flags & SESS_F_CLI_EOF) && cin_room)
                        cli |= EPOLLIN | EPOLLRDHUP;
                if (down)
                        cli |= EPOLLOUT;
                if (s->srv) {
                        if (!(s->flags & SESS_F_SRV_EOF) && sin_room)
                                srv |= EPOLLIN | EPOLLRDHUP;
                        if (up)
                                srv |= EPOLLOUT;
                }
                break;
        }
        case SESS_ST_CLOSED:
        case SESS_ST_COUNT:
                return;
        }
        /* ready directions need no event: sess_run() already used them */
        loop_io_modify(&s->cli_io, cli);
        if (s->srv)
                loop_io_modify(&s->srv->io, srv);
        sess_arm(s);
}

static void sess_run(struct sess *s)
{
        for (int i = 0; i < SESS_MAX_STEPS; i++) {
                bool progress = false;

                if (s->state == SESS_ST_CLOSED)
                        return;
                progress |= sess_step_cli_read(s);
                if (s->state == SESS_ST_CLOSED)
                        return;
                switch (s->state) {
                case SESS_ST_IDLE:
                case SESS_ST_REQ_HEAD:
                        progress |= sess_step_req_head(s);
                        break;
                case SESS_ST_QUEUE:
                case SESS_ST_CONNECT:
                        break;
                case SESS_ST_FORWARD:
                        progress |= sess_step_req_send(s);
                        if (s->state != SESS_ST_FORWARD)
                                break;
                        progress |= sess_step_srv_read(s);
                        if (!(s->flags & SESS_F_RES_HEAD))
                                progress |= sess_step_res_head(s);
                        if (s->state != SESS_ST_FORWARD)
                                break;
                        if ((s->flags & SESS_F_RES_HEAD) && s->txn->res_fr.body == H1_BODY_TUNNEL) {
                                progress |= sess_step_cli_write(s);
                                if (s->state == SESS_ST_FORWARD && !s->cout.data) {
                                        /* from here on, bytes after the request head belong
                                         * to the tunnel */
                                        buf_consume(&s->cin, s->txn->req_head_len);
                                        s->txn->req_head_len = 0;
                                        s->txn->cin_ok = 0;
                                        sess_set_state(s, SESS_ST_TUNNEL);
                                        s->cli_exp = s->srv_exp = 0;
                                        progress = true;
                                }
                                break;
                        }
                        if (s->flags & SESS_F_RES_HEAD) {
                                int r = sess_res_body_validate(s);

                                if (r < 0 && !(s->flags & SESS_F_RES_SENT)) {
                                        /* none of it reached the client: a 502 says what
                                         * happened, where a cut would not */
                                        sess_set_term(s, r == -EPIPE ? 'S' : 'P', 'H');
                                        s->txn->bytes_out = 0;
                                        sess_reply_error(s, 502);
                                        progress = true;
                                        break;
                                }
                                if (r < 0) {
                                        sess_set_term(s, r == -EPIPE ? 'S' : 'P', 'D');
                                        s->flags |= SESS_F_CLOSE_AFTER | SESS_F_SRV_CLOSE;
                                        sess_close(s);
                                        return;
                                }
                        }
                        progress |= sess_step_cli_write(s);
                        if (s->state == SESS_ST_FORWARD && (s->flags & SESS_F_RES_DONE) &&
                            s->txn->sin_ok == 0 && s->cout.data == 0 &&
                            ((s->flags & SESS_F_REQ_DONE) || (s->flags & SESS_F_CLOSE_AFTER))) {
                                sess_txn_end(s);
                                progress = true;
                        }
                        break;
                case SESS_ST_TUNNEL:
                        progress |= sess_step_tunnel(s);
                        break;
                case SESS_ST_REPLY:
                        progress |= sess_step_cli_write(s);
                        if (s->state == SESS_ST_REPLY && s->cout.data == 0) {
                                sess_txn_end(s);
                                progress = true;
                        }
                        break;
                case SESS_ST_CLOSED:
                case SESS_ST_COUNT:
                        return;
                }
                if (s->state == SESS_ST_CLOSED)
                        return;
                if ((s->flags & SESS_F_CLI_EOF) && s->state == SESS_ST_FORWARD &&
                    !(s->flags & SESS_F_REQ_DONE) && !sess_req_body_complete(s->txn) &&
                    s->cin.data <= s->txn->req_head_len + s->txn->cin_ok) {
                        /* the client left in the middle of its request body */
                        sess_set_term(s, 'C', sess_phase(s));
                        sess_close(s);
                        return;
                }
                if (!progress)
                        break;
        }
        sess_update_io(s);
}

static void sess_on_cli_io(struct loop_io *io, uint32_t events)
{
        struct sess *s = sl_container_of(io, struct sess, cli_io);

        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                s->ready |= SESS_RD_CLI;
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                s->ready |= SESS_WR_CLI;
        sess_run(s);
}

void sess_srv_event(struct sess *s, uint32_t events)
{
        if (s->state == SESS_ST_CONNECT && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
                int err = 0;
                socklen_t len = sizeof(err);

                if (getsockopt(s->srv->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
                        err = errno;
                if (err) {
                        sess_retry(s);
                        if (s->state != SESS_ST_CLOSED)
                                sess_run(s);
                        return;
                }
                s->srv->connecting = false;
                if (s->txn)
                        s->txn->connect_done_ms = loop_now(s->w->loop);
                s->connect_done_ms = loop_now(s->w->loop);
                s->srv_exp = deadline(s, px_timeout(s->be, CFG_TO_SERVER));
                sess_set_state(s, (s->flags & SESS_F_HTTP) ? SESS_ST_FORWARD : SESS_ST_TUNNEL);
        }
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                s->ready |= SESS_RD_SRV;
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
                s->ready |= SESS_WR_SRV;
        sess_run(s);
}

void sess_queue_run(struct px_rt *rt)
{
        /* oldest first; stop at the first one that still finds every server full */
        while (!sl_list_empty(&rt->queue)) {
                struct sess *s = sl_list_first(&rt->queue, struct sess, queue_link);
                int r = sess_connect(s);

                if (r == 1)
                        break;
                if (s->state != SESS_ST_CLOSED)
                        sess_run(s);
        }
        if (rt->n_queued && !loop_timer_is_armed(&rt->queue_poll))
                loop_timer_arm(&rt->queue_poll, 10);
}

/* ---- accept, stop ---- */

void sess_accept(struct worker *w, const struct cfg_proxy *fe, int fd,
                 const struct sockaddr_storage *addr, socklen_t addrlen)
{
        struct sess *s = calloc(1, sizeof(*s));

        if (!s || loop_timer_init(w->loop, &s->timer, sess_on_timer) < 0) {
                free(s);
                close(fd);
                w->stats.sessions_oom++;
                return;
        }
        s->w = w;
        s->gen = cfg_gen_ref(w->gen);
        s->fe = fe;
        s->cli_fd = fd;
        s->srv_idx = -1;
        s->last_srv = -1;
        s->retry_idx = -1;
        s->force_idx = -1;
        s->term[0] = s->term[1] = '-';
        memcpy(&s->cli_addr, addr, SL_MIN((size_t)addrlen, sizeof(s->cli_addr)));
        /* TCP_NODELAY is inherited from the listener; the local address is read on demand
         * (sess_frontend_addr()), most requests never need it */
        s->accept_wall_us = sl_clock_wall_us();
        s->accept_ms = loop_now(w->loop);
        s->idle_start_ms = s->accept_ms;
        loop_reap_init(&s->reap, sess_on_reap);
        sl_list_init(&s->queue_link);
        loop_io_init(w->loop, &s->cli_io, fd, sess_on_cli_io);
        sl_list_push_back(&w->sessions, &s->link);
        w->n_conns++;
        worker_rt(w, fe)->feconn++;
        s->state = SESS_ST_IDLE;
        if (!tcp_rules_run(s, fe->tcp_conn, fe->n_tcp_conn, STICK_CONN) ||
            (fe->mode == CFG_MODE_TCP &&
             !tcp_rules_run(s, fe->tcp_content, fe->n_tcp_content, STICK_CONN))) {
                sess_reject(s);
                return;
        }
        /* optimistic: the request is often already there (and the socket always writable) */
        s->ready = SESS_RD_CLI | SESS_WR_CLI;
        if (fe->mode == CFG_MODE_HTTP) {
                s->flags |= SESS_F_HTTP;
                s->cli_exp = deadline(s, px_timeout(fe, CFG_TO_HTTP_REQUEST)
                                                 ?: px_timeout(fe, CFG_TO_CLIENT));
                sess_run(s);
                return;
        }
        /* TCP: choose a server at once and tunnel */
        s->be = fe->cap & CFG_CAP_BE ? fe : fe->default_backend;
        if (!s->be) {
                sess_set_term(s, 'P', 'C');
                sess_close(s);
                return;
        }
        if (s->be != fe &&
            !tcp_rules_run(s, s->be->tcp_content, s->be->n_tcp_content, STICK_CONN)) {
                sess_reject(s);
                return;
        }
        s->force_idx = -1;
        if (s->be->n_stick_rules)
                sess_stick_persist(s);
        s->retries_left = s->be->retries;
        s->cli_exp = deadline(s, px_timeout(fe, CFG_TO_CLIENT));
        if (sess_connect(s) < 0)
                return;
        sess_run(s);
}

const struct sockaddr_storage *sess_frontend_addr(struct sess *s)
{
        if (!(s->flags & SESS_F_FE_ADDR)) {
                socklen_t len = sizeof(s->fe_addr);

                if (getsockname(s->cli_fd, (struct sockaddr *)&s->fe_addr, &len) == -1)
                        s->fe_addr.ss_family = AF_UNSPEC;
                s->flags |= SESS_F_FE_ADDR;
        }
        return &s->fe_addr;
}

/* Has the client sent bytes we have not read yet? A request already on its way is answered
 * (with Connection: close) rather than lost by closing the connection under it: HTTP/1.1
 * clients may not retry such a request by themselves. */
static bool sess_client_sent(struct sess *s)
{
        int pending = 0;

        return ioctl(s->cli_fd, FIONREAD, &pending) == 0 && pending > 0;
}

void sess_soft_stop(struct sess *s)
{
        uint64_t now = loop_now(s->w->loop);

        s->flags |= SESS_F_STOPPING;
        if (s->state != SESS_ST_IDLE || s->cin.data || !(s->flags & SESS_F_NOT_FIRST))
                return; /* busy, or just accepted: answered, then closed */
        /* An idle keep-alive connection closes now. One that finished a response less than
         * SESS_STOP_GRACE_MS ago is most likely about to carry the client's next request,
         * and closing it under that request would lose it (HTTP/1.1 clients need not retry):
         * it gets that long to send one, answered with Connection: close. */
        if (!sess_client_sent(s) && now - s->idle_start_ms >= SESS_STOP_GRACE_MS) {
                s->flags |= SESS_F_LOGGED;
                sess_close(s);
                return;
        }
        s->cli_exp = now + SESS_STOP_GRACE_MS;
        sess_arm(s);
}
