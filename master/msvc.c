/* Service requests from workers (msvc.h). A request is "S <token> <service> <frontend>
 * <query>"; the answer, '\x01' then "S <token> <status> <content-type>", carries a memfd
 * holding the body. A request that cannot be answered gets status 503 and no descriptor. */
#include "msvc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "master-t.h"
#include "mpage.h"
#include "mprom.h"

#define MSVC_MSG_MAX  16384 /* worker/wsvc.h's WSVC_MSG_MAX */
#define MSVC_PER_WAKE 16    /* requests read per wakeup */

static void send_answer(struct mworker *mw, const char *token, unsigned status, const char *ctype,
                        const char *extra, int fd)
{
        char msg[MSVC_MSG_MAX];
        union {
                char buf[CMSG_SPACE(sizeof(int))];
                struct cmsghdr align;
        } ctl;
        struct iovec iov;
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
        int n = snprintf(msg, sizeof(msg), "\x01S %s %u %s%s%s", token, status, ctype,
                         extra[0] ? "\n" : "", extra);

        iov.iov_base = msg;
        iov.iov_len = (size_t)n;
        if (fd >= 0) {
                struct cmsghdr *c;

                memset(&ctl, 0, sizeof(ctl));
                mh.msg_control = ctl.buf;
                mh.msg_controllen = sizeof(ctl.buf);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int));
                memcpy(CMSG_DATA(c), &fd, sizeof(int));
        }
        /* a worker too busy to read its socket gets no answer: its stream times out */
        (void)sendmsg(mw->cli_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The stats page's request after its first line: the proxy, admin, the method, the
 * prefix, the path after it, the client, each on a line, then the body (a lone '\x02':
 * too large). */
static int stats_page(struct master *m, char *rest, size_t rest_len, FILE *f,
                      struct mpage_answer *ans)
{
        struct mpage_req rq = {0};
        char *lines[6], *p = rest, *end = rest + rest_len;

        for (int i = 0; i < 6; i++) {
                char *nl = memchr(p, '\n', (size_t)(end - p));

                if (!nl)
                        return -EINVAL;
                *nl = '\0';
                lines[i] = p;
                p = nl + 1;
        }
        rq.px = lines[0];
        rq.admin = strcmp(lines[1], "1") == 0;
        rq.method = lines[2];
        rq.prefix = lines[3];
        rq.tail = lines[4];
        rq.client = lines[5];
        if (end - p == 1 && *p == '\x02')
                rq.excessive = true;
        else if (end > p) {
                rq.body = p;
                rq.body_len = (size_t)(end - p);
        }
        return mpage_render(m, &rq, f, ans);
}

/* The body of service @svc (its query @query, and for the stats page the lines after),
 * into a new memfd; @ans says the rest of the answer. */
static int render(struct master *m, const char *svc, const char *query, char *rest, size_t rest_len,
                  struct mpage_answer *ans)
{
        int fd = memfd_create("sluice-service", MFD_CLOEXEC);
        FILE *f;
        int r = -EINVAL;

        if (fd < 0)
                return -errno;
        f = fdopen(dup(fd), "w");
        if (!f) {
                close(fd);
                return -ENOMEM;
        }
        if (strcmp(svc, "prometheus") == 0) {
                ans->status = 200;
                ans->ctype = "text/plain; version=0.0.4; charset=utf-8";
                ans->extra[0] = '\0';
                r = mprom_render(m, query, f);
        } else if (strcmp(svc, "stats") == 0 && rest) {
                r = stats_page(m, rest, rest_len, f, ans);
        }
        if (fclose(f) != 0 && r == 0)
                r = -EIO;
        if (r < 0) {
                close(fd);
                return r;
        }
        return fd;
}

static void on_request(struct master *m, struct mworker *mw, char *msg, size_t len)
{
        char *nl = memchr(msg, '\n', len), *rest = NULL, *save = NULL;
        size_t rest_len = 0;
        char *tag, *token, *svc, *fe, *query;
        struct mpage_answer ans = {.status = 503, .ctype = "text/plain"};
        int fd;

        if (nl) {
                *nl = '\0';
                rest = nl + 1;
                rest_len = len - (size_t)(rest - msg);
        }
        tag = strtok_r(msg, " ", &save);
        token = strtok_r(NULL, " ", &save);
        svc = strtok_r(NULL, " ", &save);
        fe = strtok_r(NULL, " ", &save);
        query = strtok_r(NULL, "", &save);
        if (!tag || strcmp(tag, "S") != 0 || !token || !svc || !fe)
                return;
        fd = render(m, svc, query ? query : "", rest, rest_len, &ans);
        if (fd < 0) {
                if (fd != -ENOENT)
                        log_errno(LOG_WARNING, fd, "service '%s' for worker %d", svc, (int)mw->pid);
                send_answer(mw, token, fd == -ENOENT ? 404 : 503, "text/plain", "", -1);
                return;
        }
        send_answer(mw, token, ans.status, ans.ctype, ans.extra, ans.status == 200 ? fd : -1);
        close(fd);
}

static void on_io(struct loop_io *io, uint32_t events)
{
        struct mworker *mw = sl_container_of(io, struct mworker, cli_io);
        char msg[MSVC_MSG_MAX + 1];

        (void)events;
        for (int i = 0; i < MSVC_PER_WAKE; i++) {
                ssize_t n = recv(mw->cli_fd, msg, MSVC_MSG_MAX, MSG_DONTWAIT);

                if (n <= 0)
                        return;
                msg[n] = '\0';
                on_request(mw->m, mw, msg, (size_t)n);
        }
}

void msvc_watch(struct master *m, struct mworker *mw)
{
        if (mw->cli_fd < 0)
                return;
        loop_io_init(m->loop, &mw->cli_io, mw->cli_fd, on_io);
        loop_io_start(&mw->cli_io, EPOLLIN);
        mw->cli_watched = true;
}

void msvc_unwatch(struct mworker *mw)
{
        if (mw->cli_watched)
                loop_io_stop(&mw->cli_io);
        mw->cli_watched = false;
}
