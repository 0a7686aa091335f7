/* A service's answer made by the master (wsvc.h). The request is one datagram on the
 * worker's CLI socketpair, "S <token> <service> <frontend> <query>"; the answer is one
 * datagram, WSVC_REPLY_TAG then "S <token> <status> <content-type>", carrying the body's
 * memfd. Streams waiting are on a list of the worker's, found again by their token. */
#include "wsvc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http_reply.h"
#include "list.h"
#include "log.h"
#include "stream-t.h"
#include "wctx.h"

static const char *const svc_names[] = {[STRM_SVC_PROMETHEUS] = "prometheus"};

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
        if (st->req.target.ptr) {
                const char *mark = memchr(st->req.target.ptr, '?', st->req.target.len);

                if (mark) {
                        q = mark + 1;
                        qlen = st->req.target.len - (size_t)(q - st->req.target.ptr);
                }
        }
        st->svc_token = ++w->svc_last_token;
        n = snprintf(msg, sizeof(msg), "S %" PRIu64 " %s %s %.*s", st->svc_token,
                     svc_names[st->svc_kind], st->fe->name, (int)qlen, q ? q : "");
        if (n < 0 || (size_t)n >= sizeof(msg) ||
            send(w->cli_fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) != n) {
                st->svc_token = 0;
                return -EAGAIN;
        }
        sl_list_push_back(&w->svc_waits, &st->svc_link);
        return 0;
}

static bool answer(struct stream *st, unsigned status, const char *ctype, int fd)
{
        struct stat sb;
        void *map = NULL;

        if (status != 200 || fd < 0 || fstat(fd, &sb) < 0)
                return false;
        if (sb.st_size > 0) {
                map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
                if (map == MAP_FAILED)
                        return false;
        }
        st->svc_map = map;
        st->svc_len = (size_t)sb.st_size;
        http_reply_begin(st, 200,
                         !(st->req.flags & HTTP_MSG_F_CLOSE) && http_reply_req_complete(st));
        return http_reply_hdr(st, "content-type", sl_str_from_cstr(ctype)) &&
               http_reply_hdr(st, "cache-control", SL_STR_LIT("no-cache")) &&
               http_reply_body(st, sl_str_make(map, st->svc_len));
}

void wsvc_on_answer(struct worker *w, const char *msg, size_t len, int fd)
{
        char text[WSVC_MSG_MAX], ctype[256] = "";
        unsigned long long token;
        unsigned status = 0;
        struct sl_list *pos;

        len = len < sizeof(text) ? len : sizeof(text) - 1;
        memcpy(text, msg, len);
        text[len] = '\0';
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
                w->svc_answered(st, answer(st, status, ctype, fd));
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
