/* Fills an access-log entry from a session (see sess_log.h). */
#include "sess_log.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "accesslog.h"
#include "lb.h"
#include "macros.h"
#include "sample.h"
#include "sess.h"
#include "srv_state.h"
#include "srvconn.h"
#include "worker.h"

struct log_ctx {
        struct sess *s;
        bool response;
};

static int log_sample(void *data, const struct cfg_sample *smp, char *out, size_t outsz)
{
        struct log_ctx *c = data;

        return sample_text(c->s, smp, c->response, out, outsz);
}

static int ms_between(uint64_t from, uint64_t to)
{
        if (!from || !to || to < from)
                return -1;
        return (int)SL_MIN(to - from, (uint64_t)INT_MAX);
}

static void sess_fill_entry(struct sess *s, struct alog_entry *e, char *rl, size_t rlsize)
{
        struct worker *w = s->w;
        const struct txn *t = s->txn;
        uint64_t now = loop_now(w->loop);
        struct px_rt *fert = worker_rt(w, s->fe);
        int srv_idx = t ? t->last_srv : s->last_srv;

        alog_entry_init(e);
        e->accept_us = s->accept_wall_us;
        e->client = s->cli_addr;
        e->frontend = *sess_frontend_addr(s);
        e->frontend_name = s->fe->name;
        e->backend_name = s->be ? s->be->name : s->fe->name;
        e->pid = (int)getpid();
        e->actconn = w->n_conns;
        e->feconn = fert->feconn;
        e->log_count = (unsigned)fert->log_counter;
        if (s->be) {
                struct px_rt *bert = worker_rt(w, s->be);

                e->beconn = bert->beconn;
                e->be_queue = bert->n_queued;
                e->req_counter = (unsigned)bert->req_counter;
                if (srv_idx >= 0 && (size_t)srv_idx < s->be->n_servers) {
                        const struct cfg_server *srv = &s->be->servers[srv_idx];

                        e->server_name = srv->name;
                        memcpy(&e->server, &srv->addr.ss,
                               SL_MIN(sizeof(e->server), (size_t)srv->addr.ss_len));
                        if (bert->lb)
                                e->srv_conn = srv_state_cur_conns(&bert->lb->recs[srv_idx]);
                }
        }
        e->t.Th = 0;
        e->t.Tt = ms_between(s->accept_ms, now);
        if (t) {
                e->t.Ti = ms_between(s->idle_start_ms, t->req_start_ms);
                e->t.TR = ms_between(t->req_start_ms, t->head_done_ms);
                e->t.Tw = t->connect_start_ms ? (int)SL_MIN(t->queue_ms, (uint64_t)INT_MAX) : -1;
                e->t.Tc = ms_between(t->connect_start_ms, t->connect_done_ms);
                e->t.Tr = ms_between(t->connect_done_ms, t->res_head_ms);
                e->t.Ta = ms_between(t->req_start_ms, now);
                e->t.Tt = ms_between(s->accept_ms, now);
                if (e->t.Ta >= 0 && e->t.TR >= 0 && e->t.Tc >= 0 && e->t.Tr >= 0)
                        e->t.Td = e->t.Ta - e->t.TR - e->t.Tw - e->t.Tc - e->t.Tr;
                e->status = t->status ? (int)t->status : -1;
                e->bytes_out = t->bytes_out;
                e->bytes_in = t->bytes_in;
                e->retries = t->retries;
                e->redispatched = t->redispatched;
                if (t->req_head_len && t->req.method_name.ptr) {
                        int n = snprintf(rl, rlsize, "%.*s %.*s HTTP/1.%d",
                                         (int)t->req.method_name.len, t->req.method_name.ptr,
                                         (int)t->req.target.len, t->req.target.ptr,
                                         t->req.version == H1_VERSION_1_0 ? 0 : 1);

                        e->request_line =
                                sl_str_make(rl, n < 0 ? 0 : SL_MIN((size_t)n, rlsize - 1));
                }
        } else {
                /* TCP */
                e->t.Ti = 0;
                e->t.Tw = s->connect_start_ms ? 0 : -1;
                e->t.Tc = ms_between(s->connect_start_ms, s->connect_done_ms);
                e->status = (s->flags & SESS_F_HTTP) ? -1 : 0;
                e->bytes_out = s->tcp_bytes_out;
                e->bytes_in = s->tcp_bytes_in;
        }
        e->term[0] = s->term[0];
        e->term[1] = s->term[1];
        e->term[2] = '-';
        e->term[3] = '-';
}

int sess_log_format(struct sess *s, const struct cfg_fmt *f, bool response, char *out, size_t size)
{
        struct log_ctx ctx = {s, response};
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
        sess_fill_entry(s, &e, rl, sizeof(rl));
        return alog_format(f, &e, log_sample, &ctx, out, size);
}

void sess_log(struct sess *s)
{
        struct px_rt *rt = worker_rt(s->w, s->fe);
        const struct cfg_fmt *fmt;
        struct log_ctx ctx = {s, false};
        struct alog_entry e;
        char rl[1024], line[4096];
        int n;

        if (s->flags & SESS_F_LOGGED)
                return;
        s->flags |= SESS_F_LOGGED;
        if (!rt->sinks || rt->sinks->n == 0)
                return;
        fmt = alog_proxy_format(s->fe);
        if (!fmt)
                return;
        if ((s->fe->options & CFG_OPT_DONTLOGNULL) &&
            (s->txn ? s->txn->req_head_len == 0 && s->cin.data == 0
                    : s->tcp_bytes_in == 0 && s->tcp_bytes_out == 0))
                return;
        sess_fill_entry(s, &e, rl, sizeof(rl));
        rt->log_counter++;
        if (fmt == &alog_fmt_json)
                n = alog_format_json(&e, line, sizeof(line));
        else
                n = alog_format(fmt, &e, log_sample, &ctx, line, sizeof(line));
        if (n > 0)
                (void)alog_sinks_send(rt->sinks, LOG_INFO, line, (size_t)n);
}
