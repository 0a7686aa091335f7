/* A service's answer made by the master (wsvc.h). The request is one datagram on the
 * worker's CLI socketpair, "S <token> <service> <frontend> <query>"; the answer is one
 * datagram, WSVC_REPLY_TAG then "S <token> <status> <content-type>", carrying the body's
 * memfd. Streams waiting are on a list of the worker's, found again by their token. */
#include "wsvc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_auth.h"
#include "http_reply.h"
#include "list.h"
#include "log.h"
#include "model.h"
#include "mux.h"
#include "scratch.h"
#include "sess_addr.h"
#include "stream-t.h"
#include "wctx.h"

static const char *const svc_names[] = {
        [STRM_SVC_PROMETHEUS] = "prometheus", [STRM_SVC_STATS] = "stats"};

/* The request's path with its query (the target's, as HAProxy's stats page reads it). */
static int path_query(const struct http_msg *m, char *out, size_t size)
{
        if (!m->path.ptr)
                return snprintf(out, size, "%.*s", (int)m->target.len, m->target.ptr);
        return snprintf(out, size, "%.*s%s%.*s", (int)m->path.len, m->path.ptr,
                        m->query.ptr ? "?" : "", m->query.ptr ? (int)m->query.len : 0,
                        m->query.ptr ? m->query.ptr : "");
}

/* "address:port" of the client, and the account it gave the page */
static void client_text(struct stream *st, char *out, size_t size)
{
        const union sl_addr *a = sess_src(st->sess, st);
        const struct cfg_ul_user *u = st->svc_px->stats->users
                                              ? http_auth_user(st->svc_px->stats->users, &st->req)
                                              : NULL;
        char ip[INET6_ADDRSTRLEN] = "?";
        unsigned port = 0;

        if (a->sa.sa_family == AF_INET) {
                inet_ntop(AF_INET, &a->sin.sin_addr, ip, sizeof(ip));
                port = ntohs(a->sin.sin_port);
        } else if (a->sa.sa_family == AF_INET6) {
                inet_ntop(AF_INET6, &a->sin6.sin6_addr, ip, sizeof(ip));
                port = ntohs(a->sin6.sin6_port);
        }
        snprintf(out, size, "%s:%u%s%s", ip, port, u ? ", user " : "", u ? u->name : "");
}

/* The stats page's request: after the first line, one per line, the proxy whose page it
 * is, whether admin actions are allowed, the method, the page's prefix, the request's
 * path and query after the prefix, the client, then the body of a POST (an admin form). */
static int stats_request(struct stream *st, char *msg, size_t size, int n)
{
        const struct cfg_proxy *px = st->svc_px;
        size_t ul = strlen(px->stats->uri);
        char pq[2048], who[256];
        int k = path_query(&st->req, pq, sizeof(pq));

        if (k < 0 || (size_t)k >= sizeof(pq))
                return -1;
        if (px->stats->uri[0] != '/')
                k = snprintf(pq, sizeof(pq), "%.*s", (int)st->req.target.len, st->req.target.ptr);
        client_text(st, who, sizeof(who));
        k = snprintf(msg + n, size - (size_t)n, "\n%s\n%d\n%s\n%s\n%s\n%s\n", px->name,
                     st->svc_admin,
                     st->req.meth == HTTP_METH_POST   ? "POST"
                     : st->req.meth == HTTP_METH_HEAD ? "HEAD"
                                                      : "GET",
                     px->stats->uri, (size_t)k >= ul ? pq + ul : "", who);
        if (k < 0 || (size_t)k >= size - (size_t)n)
                return -1;
        n += k;
        if (st->req.meth == HTTP_METH_POST && st->svc_admin) {
                struct sd_data d = {0};

                if (st->cli.ops->rcv_data(&st->cli, &d) < 0)
                        d.len = 0;
                if (!(d.flags & SD_DATA_EOM) || d.len > size - (size_t)n - 1) {
                        /* more than an admin form: HAProxy's "excessive data" */
                        msg[n++] = '\x02';
                } else {
                        memcpy(msg + n, d.p, d.len);
                        n += (int)d.len;
                }
        }
        return n;
}

int wsvc_start(struct stream *st)
{
        struct worker *w = st->w;
        char msg[WSVC_MSG_MAX];
        const char *q = NULL;
        size_t qlen = 0;
        int n;

        if (w->cli_fd < 0)
                return -ENOTCONN;
        /* the query string, for the service's options (HAProxy's scope=) */
        if (st->svc_kind == STRM_SVC_PROMETHEUS && st->req.target.ptr) {
                const char *mark = memchr(st->req.target.ptr, '?', st->req.target.len);

                if (mark) {
                        q = mark + 1;
                        qlen = st->req.target.len - (size_t)(q - st->req.target.ptr);
                }
        }
        st->svc_token = ++w->svc_last_token;
        n = snprintf(msg, sizeof(msg), "S %" PRIu64 " %s %s %.*s", st->svc_token,
                     svc_names[st->svc_kind], st->fe->name, (int)qlen, q ? q : "");
        if (n >= 0 && (size_t)n < sizeof(msg) && st->svc_kind == STRM_SVC_STATS)
                n = stats_request(st, msg, sizeof(msg), n);
        if (n < 0 || (size_t)n >= sizeof(msg) ||
            send(w->cli_fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) != n) {
                st->svc_token = 0;
                return -EAGAIN;
        }
        sl_list_push_back(&w->svc_waits, &st->svc_link);
        return 0;
}

/* The answer: @status and @ctype, the fields in @extra ("Name: value" lines), the body in
 * @fd (none for a redirect). */
static bool answer(struct stream *st, unsigned status, const char *ctype, const char *extra, int fd)
{
        struct stat sb = {0};
        void *map = NULL;
        bool ok;

        if (status < 200 || status > 599 || (status == 200 && fd < 0) ||
            (fd >= 0 && fstat(fd, &sb) < 0))
                return false;
        if (sb.st_size > 0) {
                map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
                if (map == MAP_FAILED)
                        return false;
        }
        st->svc_map = map;
        st->svc_len = (size_t)sb.st_size;
        http_reply_begin(st, status,
                         !(st->req.flags & HTTP_MSG_F_CLOSE) && http_reply_req_complete(st));
        ok = http_reply_hdr(st, "content-type", sl_str_from_cstr(ctype)) &&
             http_reply_hdr(st, "cache-control", SL_STR_LIT("no-cache"));
        while (ok && extra && *extra) {
                const char *eol = strchr(extra, '\n'), *colon = strchr(extra, ':');
                size_t len = eol ? (size_t)(eol - extra) : strlen(extra);
                char name[64], *v;

                if (!colon || colon >= extra + len || (size_t)(colon - extra) >= sizeof(name))
                        break;
                memcpy(name, extra, (size_t)(colon - extra));
                name[colon - extra] = '\0';
                v = scratch_copy(st, colon + 2, len - (size_t)(colon + 2 - extra));
                /* the table keeps the name's pointer: one of ours, never the master's */
                if (strcmp(name, "Location") == 0 || strcmp(name, "Refresh") == 0)
                        ok = v && http_reply_hdr(st, name[0] == 'L' ? "location" : "refresh",
                                                 sl_str_make(v, len - (size_t)(colon + 2 - extra)));
                extra = eol ? eol + 1 : extra + len;
        }
        return ok && http_reply_body(st, sl_str_make(map, st->svc_len));
}

void wsvc_on_answer(struct worker *w, const char *msg, size_t len, int fd)
{
        char text[WSVC_MSG_MAX], ctype[256] = "", *extra;
        unsigned long long token;
        unsigned status = 0;
        struct sl_list *pos;

        len = len < sizeof(text) ? len : sizeof(text) - 1;
        memcpy(text, msg, len);
        text[len] = '\0';
        extra = strchr(text, '\n');
        if (extra)
                *extra++ = '\0';
        if (sscanf(text, "S %llu %u %255[^\n]", &token, &status, ctype) < 2) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        sl_list_for_each(pos, &w->svc_waits) {
                struct stream *st = sl_list_entry(pos, struct stream, svc_link);

                if (st->svc_token != token)
                        continue;
                sl_list_del(&st->svc_link);
                st->svc_token = 0;
                w->svc_answered(st, answer(st, status, ctype, extra, fd));
                break;
        }
        /* a stream that ended meanwhile needs it no more */
        if (fd >= 0)
                close(fd);
}

void wsvc_release(struct stream *st)
{
        if (st->svc_token) {
                sl_list_del(&st->svc_link);
                st->svc_token = 0;
        }
        if (st->svc_map) {
                munmap(st->svc_map, st->svc_len);
                st->svc_map = NULL;
        }
}
