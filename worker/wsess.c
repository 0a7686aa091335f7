/* The session commands (wsess.h). */
#include "wsess.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "list.h"
#include "loop.h"
#include "model.h"
#include "mux.h"
#include "session.h"
#include "stream-t.h"
#include "wctx.h"

static const char *const state_names[STRM_ST_COUNT] = {
        [STRM_ST_HEAD] = "HEAD",       [STRM_ST_BODY] = "BODY",
        [STRM_ST_QUEUE] = "QUEUE",     [STRM_ST_CONNECT] = "CONNECT",
        [STRM_ST_FORWARD] = "FORWARD", [STRM_ST_TUNNEL] = "TUNNEL",
        [STRM_ST_TARPIT] = "TARPIT",   [STRM_ST_REPLY] = "REPLY",
        [STRM_ST_SERVICE] = "SERVICE", [STRM_ST_TURNAROUND] = "TURNAROUND",
        [STRM_ST_DONE] = "DONE",
};

bool wsess_parse_id(const char *id, uint32_t *ret_pid, uint32_t *ret_low)
{
        char *end;
        unsigned long long v;

        if (!id || strncmp(id, "0x", 2) != 0 || !id[2])
                return false;
        v = strtoull(id + 2, &end, 16);
        if (*end || strlen(id + 2) <= 8)
                return false;
        *ret_pid = (uint32_t)(v >> 32);
        *ret_low = (uint32_t)v;
        return true;
}

static const char *proto_of(const union sl_addr *a)
{
        return a->sa.sa_family == AF_INET    ? "tcpv4"
               : a->sa.sa_family == AF_INET6 ? "tcpv6"
               : a->sa.sa_family == AF_UNIX  ? "unix_stream"
                                             : "?";
}

static struct stream *stream_of(struct sess *ss)
{
        return ss->conn.mux && ss->conn.mux->cur_stream ? ss->conn.mux->cur_stream(&ss->conn)
                                                        : NULL;
}

static void show_one(struct worker *w, struct sess *ss, FILE *out, bool all)
{
        struct stream *st = stream_of(ss);
        uint64_t now = loop_now(w->loop);
        const struct cfg_proxy *be = st ? st->be : NULL;
        int srv = st && be ? (st->srv_idx >= 0 ? st->srv_idx : st->last_srv) : -1;
        char src[160];

        sl_addr_text(&ss->src, true, src, sizeof(src));
        fprintf(out,
                "0x%x%08" PRIx32 ": proto=%s src=%s fe=%s be=%s srv=%s ts=00 age=%" PRIu64
                "s pid=%d",
                (unsigned)getpid(), (uint32_t)ss->id, proto_of(&ss->src), src, ss->fe->name,
                be ? be->name : "<NONE>",
                be && srv >= 0 && (size_t)srv < be->n_servers ? be->servers[srv].name : "<none>",
                (now - ss->accept_ms) / 1000, (int)getpid());
        if (st)
                fprintf(out, " state=%s req_age=%" PRIu64 "s", state_names[st->state],
                        (now - st->req_start_ms) / 1000);
        else
                fputs(ss->conn.mux ? " state=IDLE" : " state=HANDSHAKE", out);
        fputc('\n', out);
        if (!all)
                return;
        fprintf(out, "  flags=%s%s mux=%s\n", ss->closed ? "closed " : "",
                ss->hs ? (ss->conn.xprt->tls ? "tls-handshake" : "proxy-header") : "-",
                ss->conn.mux ? ss->conn.mux->name : "<none>");
        if (st) {
                fprintf(out,
                        "  stream: state=%s term=%c%c bytes_in=%" PRIu64 " bytes_out=%" PRIu64
                        " status=%u\n",
                        state_names[st->state], st->term[0], st->term[1], st->bytes_in,
                        st->bytes_out, st->status);
                if (st->req.method.ptr)
                        fprintf(out, "  request: %.*s %.*s\n", (int)st->req.method.len,
                                st->req.method.ptr,
                                (int)(st->req.target.len > 200 ? 200 : st->req.target.len),
                                st->req.target.ptr ? st->req.target.ptr : "");
        }
}

static struct sess *find(struct worker *w, const char *id)
{
        uint32_t pid, low;
        struct sl_list *pos;

        if (!wsess_parse_id(id, &pid, &low) || pid != (uint32_t)getpid())
                return NULL;
        sl_list_for_each(pos, &w->sessions) {
                struct sess *ss = sl_list_entry(pos, struct sess, link);

                if ((uint32_t)ss->id == low && !ss->closed)
                        return ss;
        }
        return NULL;
}

void wsess_show(struct worker *w, FILE *out, bool all, const char *id)
{
        struct sl_list *pos;

        if (id) {
                struct sess *ss = find(w, id);

                if (ss)
                        show_one(w, ss, out, true);
                else
                        fputs("No such session (use 'show sess').\n", out);
                return;
        }
        sl_list_for_each(pos, &w->sessions) {
                struct sess *ss = sl_list_entry(pos, struct sess, link);

                if (!ss->closed)
                        show_one(w, ss, out, all);
        }
}

static void kill_sess(struct sess *ss)
{
        if (ss->conn.mux)
                ss->conn.mux->stop(&ss->conn, false);
        else
                sess_close(ss); /* in its TLS handshake */
}

void wsess_shutdown(struct worker *w, FILE *out, const char *id)
{
        struct sess *ss = find(w, id);

        if (!ss) {
                fputs("No such session (use 'show sess').\n", out);
                return;
        }
        kill_sess(ss);
}

unsigned wsess_cut_server(struct worker *w, const struct cfg_proxy *be, int idx, bool backups)
{
        struct sl_list *pos, *tmp;
        unsigned n = 0;

        sl_list_for_each_safe(pos, tmp, &w->sessions) {
                struct sess *ss = sl_list_entry(pos, struct sess, link);
                struct stream *st = ss->closed ? NULL : stream_of(ss);

                if (!st || st->be != be || st->srv_idx < 0 || (size_t)st->srv_idx >= be->n_servers)
                        continue;
                if (backups ? !(be->servers[st->srv_idx].opts.flags & CFG_SRV_BACKUP)
                            : st->srv_idx != idx)
                        continue;
                kill_sess(ss);
                n++;
        }
        return n;
}

void wsess_shutdown_server(struct worker *w, FILE *out, const char *be, const char *srv)
{
        (void)out;
        for (size_t i = 0; i < w->gen->n_proxies; i++) {
                const struct cfg_proxy *px = w->gen->proxies[i];

                if (!(px->cap & CFG_CAP_BE) || strcmp(px->name, be) != 0)
                        continue;
                for (size_t j = 0; j < px->n_servers; j++)
                        if (strcmp(px->servers[j].name, srv) == 0)
                                (void)wsess_cut_server(w, px, (int)j, false);
        }
}
