/* Fills an access-log entry from a stream (see stream_log.h). */
#include "stream_log.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "accesslog.h"
#include "http_reply.h"
#include "lb.h"
#include "macros.h"
#include "sample.h"
#include "sample_fetch.h"
#include "scratch.h"
#include "sess_addr.h"
#include "session.h"
#include "srv_state.h"
#include "stream-t.h"
#include "wcount.h"
#include "wctx.h"

struct log_ctx {
        struct stream *st;
        bool response;
};

static int log_sample(void *data, const struct cfg_sample *smp, char *out, size_t outsz)
{
        struct log_ctx *c = data;

        return sample_text(c->st->sess, c->st, smp, c->response, out, outsz);
}

static int ms_between(uint64_t from, uint64_t to)
{
        if (!from || !to || to < from)
                return -1;
        return (int)SL_MIN(to - from, (uint64_t)INT_MAX);
}

/* The log entry of @st for format @fmt: the address the client reached only when the format
 * shows it (learning it is a getsockname() per connection). */
static void stream_fill_entry(struct stream *st, const struct cfg_fmt *fmt, struct alog_entry *e,
                              char *rl, size_t rlsize)
{
        struct worker *w = st->w;
        struct sess *ss = st->sess;
        uint64_t now = loop_now(w->loop);
        struct px_rt *fert = worker_rt(w, st->fe);
        int srv_idx = st->last_srv;

        alog_entry_init(e);
        e->accept_us = ss->accept_wall_us;
        e->client = *sess_src(ss, st);
        if (fmt->fe_addr)
                e->frontend = *sess_dst(ss, st);
        if (fmt->be_addr)
                e->be_src = st->be_src;
        e->frontend_name = st->fe->name;
        e->ssl = sess_tls(ss);
        if (e->ssl) {
                struct ssl_st *ssl = sess_ssl(ss);

                e->ssl_cipher = sl_str_from_cstr(SSL_get_cipher_name(ssl));
                e->ssl_version = sl_str_from_cstr(SSL_get_version(ssl));
        }
        e->backend_name = st->be ? st->be->name : st->fe->name;
        e->pid = (int)getpid();
        e->hostname = sl_str_from_cstr(sample_hostname());
        e->actconn = w->n_conns;
        e->feconn = fert->feconn;
        e->log_count = (unsigned)fert->log_counter;
        if (st->be) {
                struct px_rt *bert = worker_rt(w, st->be);

                e->beconn = bert->beconn;
                e->be_queue = bert->n_queued;
                e->req_counter = (unsigned)bert->req_counter;
                if (srv_idx >= 0 && (size_t)srv_idx < st->be->n_servers) {
                        const struct cfg_server *srv = &st->be->servers[srv_idx];

                        e->server_name = srv->name;
                        sl_addr_set(&e->server, (const struct sockaddr *)&srv->addr.ss,
                                    srv->addr.ss_len);
                        if (bert->lb)
                                e->srv_conn = srv_state_cur_conns(&bert->lb->recs[srv_idx]);
                }
                /* where the connection went: a port that follows the client's, the dispatch
                 * address (whose server is <NOSRV>, as in HAProxy) */
                if (st->srv_addr.ss_family != AF_UNSPEC)
                        sl_addr_set(&e->server, (const struct sockaddr *)&st->srv_addr,
                                    sizeof(st->srv_addr));
        }
        e->t.Th = 0;
        e->t.Tt = ms_between(ss->accept_ms, now);
        e->retries = st->retries;
        e->redispatched = (st->flags & STRM_F_REDISPATCHED) != 0;
        e->bytes_out = st->bytes_out;
        e->bytes_in = st->bytes_in;
        if (st->flags & STRM_F_HTTP) {
                e->t.Ti = ms_between(st->idle_start_ms, st->req_start_ms);
                e->t.TR = ms_between(st->req_start_ms, st->head_done_ms);
                e->t.Tw = st->connect_start_ms ? (int)SL_MIN(st->queue_ms, (uint64_t)INT_MAX) : -1;
                e->t.Tc = ms_between(st->connect_start_ms, st->connect_done_ms);
                e->t.Tr = ms_between(st->connect_done_ms, st->res_head_ms);
                e->t.Ta = ms_between(st->req_start_ms, now);
                if (st->flags & STRM_F_TARPIT) {
                        /* HAProxy logs a tarpit as queue time, from the accept (the end of
                         * the previous request on a kept connection) less a TR it leaves
                         * at -1 */
                        int t = ms_between(st->idle_start_ms, now);

                        e->t.TR = -1;
                        e->t.Tw = t >= 0 ? t + 1 : -1;
                }
                if (e->t.Ta >= 0 && e->t.TR >= 0 && e->t.Tc >= 0 && e->t.Tr >= 0)
                        e->t.Td = e->t.Ta - e->t.TR - e->t.Tw - e->t.Tc - e->t.Tr;
                e->status = st->status ? (int)st->status : -1;
                if (st->req_head_len && st->req.method.ptr) {
                        static const char *const ver[HTTP_VER_COUNT] = {[HTTP_VER_1_0] = "1.0",
                                                                        [HTTP_VER_1_1] = "1.1",
                                                                        [HTTP_VER_2] = "2.0"};
                        int n = snprintf(rl, rlsize, "%.*s %.*s HTTP/%s", (int)st->req.method.len,
                                         st->req.method.ptr, (int)st->req.target.len,
                                         st->req.target.ptr, ver[st->req.version]);

                        e->request_line =
                                sl_str_make(rl, n < 0 ? 0 : SL_MIN((size_t)n, rlsize - 1));
                }
        } else {
                e->t.Ti = 0;
                e->t.Tw = st->connect_start_ms ? 0 : -1;
                e->t.Tc = ms_between(st->connect_start_ms, st->connect_done_ms);
                e->status = (st->flags & STRM_F_HTTP_FETCH) ? -1 : 0;
        }
        /* every capture slot prints, found or not, as HAProxy */
        e->req_caps = st->req_caps;
        e->n_req_caps = st->fe->n_req_caps;
        e->res_caps = st->res_caps;
        e->n_res_caps = st->fe->n_res_caps;
        e->unique_id = st->unique_id;
        e->term[0] = st->term[0];
        e->term[1] = st->term[1];
        e->term[2] = '-';
        e->term[3] = '-';
}

int stream_log_format(struct stream *st, const struct cfg_fmt *f, bool response, char *out,
                      size_t size)
{
        struct log_ctx ctx = {st, response};
        struct alog_entry e;
        char rl[1024];

        if (f->constant) {
                size_t n = f->n_nodes ? f->nodes[0].lit.len : 0;

                if (size == 0)
                        return -1;
                n = SL_MIN(n, size - 1);
                if (n)
                        memcpy(out, f->nodes[0].lit.ptr, n);
                out[n] = '\0';
                return (int)n;
        }
        stream_fill_entry(st, f, &e, rl, sizeof(rl));
        return alog_format(f, &e, log_sample, &ctx, out, size);
}

/* HAProxy's UNIQUEID_LEN: a longer id is cut */
#define UNIQUE_ID_MAX 127

struct sl_str stream_unique_id(struct stream *st)
{
        char id[UNIQUE_ID_MAX + 1];
        int n;
        char *p;

        if (st->unique_id.ptr || !st->fe->unique_id_fmt)
                return st->unique_id;
        /* empty while it is made: a format naming the unique-id fetch reads that */
        st->unique_id = SL_STR_LIT("");
        n = stream_log_format(st, st->fe->unique_id_fmt, false, id, sizeof(id));
        st->unique_id = SL_STR_NULL;
        if (n < 0)
                return st->unique_id;
        p = scratch_copy(st, n ? id : "", (size_t)n);
        if (p)
                st->unique_id = sl_str_make(p, (size_t)n);
        return st->unique_id;
}

void stream_log(struct stream *st)
{
        struct px_rt *rt = worker_rt(st->w, st->fe);
        const struct cfg_fmt *fmt;
        struct log_ctx ctx = {st, false};
        struct alog_entry e;
        char rl[1024], line[4096];
        int n;

        if (st->flags & STRM_F_LOGGED)
                return;
        st->flags |= STRM_F_LOGGED;
        /* set-log-level silent: no line for this request */
        if (!rt->sinks || rt->sinks->n == 0 || st->log_level < 0)
                return;
        fmt = alog_proxy_format(st->fe);
        if (!fmt)
                return;
        if ((st->fe->options & CFG_OPT_DONTLOGNULL) && st->bytes_in == 0 && st->bytes_out == 0 &&
            st->req_head_len == 0)
                return;
        /* a request answered before its id was made still logs one, as HAProxy */
        if (st->flags & STRM_F_HTTP)
                (void)stream_unique_id(st);
        stream_fill_entry(st, fmt, &e, rl, sizeof(rl));
        rt->log_counter++;
        if (fmt == &alog_fmt_json)
                n = alog_format_json(&e, line, sizeof(line));
        else
                n = alog_format(fmt, &e, log_sample, &ctx, line, sizeof(line));
        if (n > 0)
                (void)alog_sinks_send(rt->sinks, st->log_level ? st->log_level - 1 : LOG_INFO, line,
                                      (size_t)n, &wc_proc(st->w)->c[ST_C_DROPPED_LOGS]);
}
