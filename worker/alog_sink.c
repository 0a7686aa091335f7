/* Access-log sinks (see alog_sink.h): one per "log" target of a proxy, opened by the worker
 * when it builds a proxy's run-time state and written by sess_log.c with each finished line,
 * without ever blocking the event loop. */
#include "alog_sink.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "alog_text.h"
#include "clock.h"
#include "macros.h"
#include "model.h"

/* Default "len" of a log target (HAProxy's MAX_SYSLOG_LEN). */
#define ALOG_DEFAULT_MAXLEN 1024u

enum sink_how {
        SINK_DGRAM = 0, /* a datagram socket of ours: one sendmsg() per line */
        SINK_SEND,      /* a stream socket given as stdout: sendmsg(MSG_DONTWAIT) */
        SINK_WRITE,     /* our own non-blocking description, or a regular file: writev() */
        SINK_POLL,      /* a shared blocking pipe or terminal: writev() only after poll() */
};

struct alog_sink {
        enum sink_how how;
        int fd; /* owned if @own_fd, else borrowed */
        bool own_fd;
        bool torn;      /* a line went out in part: start the next one anew */
        bool addressed; /* sendmsg() to @addr (Unix datagram targets) */
        struct sockaddr_storage addr;
        socklen_t addr_len;
        struct cfg_log_target target; /* copy; its where.file is not used */
        size_t maxlen;
        char pid[16];
        char host[256]; /* log-send-hostname; "": none */
        char tag[256];  /* log-tag, ALOG_TAG by default */
        struct alog_sink_stats stats;
};

/* Longest header: PRI takes at most 3 digits. */
static size_t sink_header_max(const struct alog_sink *s)
{
        size_t pid = strlen(s->pid), tag = strlen(s->tag);
        size_t host = s->host[0] ? strlen(s->host) : strlen("localhost");

        switch (s->target.format) {
        case CFG_LOG_FMT_RFC3164:
                return 5 + 16 + host + 1 + tag + 1 + pid + 3;
        case CFG_LOG_FMT_RFC5424:
                return 5 + 2 + 32 + 1 + host + 1 + tag + 1 + pid + 1 + 4;
        case CFG_LOG_FMT_SHORT:
                return 5;
        case CFG_LOG_FMT_RAW:
                return 0;
        }
        return 0;
}

/* HAProxy's build_log_header(), with the tag and pid it sends by default. The HOSTNAME is
 * log-send-hostname's; without it HAProxy writes "localhost" in rfc3164 (the field is
 * mandatory there) and the nil value "-" in rfc5424. */
static size_t sink_header(const struct alog_sink *s, int level, uint64_t now_us, char *hdr,
                          size_t size)
{
        time_t sec = (time_t)(now_us / 1000000);
        int pri = s->target.facility * 8 + level;
        struct tm tm;
        long off;
        int n = 0;

        switch (s->target.format) {
        case CFG_LOG_FMT_RFC3164:
                localtime_r(&sec, &tm);
                n = snprintf(hdr, size, "<%d>%s %2d %02d:%02d:%02d %s %s[%s]: ", pri,
                             alog_text_month(tm.tm_mon), tm.tm_mday, tm.tm_hour, tm.tm_min,
                             tm.tm_sec, s->host[0] ? s->host : "localhost", s->tag, s->pid);
                break;
        case CFG_LOG_FMT_RFC5424:
                localtime_r(&sec, &tm);
                off = tm.tm_gmtoff;
                n = snprintf(hdr, size,
                             "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06u%c%02ld:%02ld %s %s %s - - ",
                             pri, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                             tm.tm_min, tm.tm_sec, (unsigned)(now_us % 1000000),
                             off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60,
                             s->host[0] ? s->host : "-", s->tag, s->pid);
                break;
        case CFG_LOG_FMT_SHORT:
                /* HAProxy's "short" carries the level alone, without the facility */
                n = snprintf(hdr, size, "<%d>", level);
                break;
        case CFG_LOG_FMT_RAW:
                n = 0;
                break;
        }
        if (n < 0)
                return 0;
        return SL_MIN((size_t)n, size - 1);
}

static int sink_open_fd(struct alog_sink *s, int fd)
{
        char path[64];
        struct stat st;
        int own;

        s->fd = fd;
        if (fstat(fd, &st) == -1)
                return -errno;
        if (S_ISSOCK(st.st_mode)) {
                s->how = SINK_SEND;
                return 0;
        }
        if (S_ISREG(st.st_mode)) {
                /* writes to a regular file do not wait for a reader; reopening it would
                 * get an offset of its own and overwrite what others write */
                s->how = SINK_WRITE;
                return 0;
        }
        /* A private open file description of the same pipe or terminal: O_NONBLOCK there
         * leaves the shared one (and every process writing through it) untouched. */
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        own = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (own >= 0) {
                s->fd = own;
                s->own_fd = true;
                s->how = SINK_WRITE;
                return 0;
        }
        s->how = SINK_POLL;
        return 0;
}

static int sink_open_socket(struct alog_sink *s)
{
        const struct cfg_addr *a = &s->target.addr;
        int family = a->ss.ss_family;

        s->addr = a->ss;
        s->addr_len = a->ss_len;
        if (!s->addr_len)
                s->addr_len = family == AF_INET6  ? sizeof(struct sockaddr_in6)
                              : family == AF_INET ? sizeof(struct sockaddr_in)
                                                  : sizeof(struct sockaddr_un);
        s->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s->fd == -1)
                return -errno;
        s->own_fd = true;
        s->how = SINK_DGRAM;
        /* A Unix target is addressed at each send: a connected socket would keep failing
         * once the syslog daemon recreates its socket. A UDP socket is connected, so the
         * route is looked up once and a refusal (ICMP) comes back as ECONNREFUSED. */
        if (family == AF_UNIX ||
            connect(s->fd, (const struct sockaddr *)&s->addr, s->addr_len) == -1)
                s->addressed = true;
        return 0;
}

static int sink_new(const struct cfg_log_target *t, int fd, struct alog_sink **ret_sink)
{
        struct alog_sink *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->fd = -1;
        s->target = *t;
        s->maxlen = t->maxlen ? t->maxlen : ALOG_DEFAULT_MAXLEN;
        snprintf(s->pid, sizeof(s->pid), "%d", (int)getpid());
        snprintf(s->tag, sizeof(s->tag), "%s", ALOG_TAG);

        switch (t->kind) {
        case CFG_LOG_STDOUT:
        case CFG_LOG_STDERR:
                if (fd < 0)
                        fd = t->kind == CFG_LOG_STDOUT ? STDOUT_FILENO : STDERR_FILENO;
                r = sink_open_fd(s, fd);
                break;
        case CFG_LOG_UDP:
        case CFG_LOG_UNIX:
                r = sink_open_socket(s);
                break;
        default:
                r = -EINVAL;
                break;
        }
        if (r < 0)
                goto err_free;
        *ret_sink = s;
        return 0;

err_free:
        alog_sink_free(s);
        return r;
}

int alog_sink_new(const struct cfg_log_target *t, struct alog_sink **ret_sink)
{
        return sink_new(t, -1, ret_sink);
}

int alog_sink_new_fd(const struct cfg_log_target *t, int fd, struct alog_sink **ret_sink)
{
        return sink_new(t, fd, ret_sink);
}

struct alog_sink *alog_sink_free(struct alog_sink *s)
{
        if (!s)
                return NULL;
        if (s->own_fd && s->fd >= 0)
                (void)close(s->fd);
        free(s);
        return NULL;
}

void alog_sink_set_host(struct alog_sink *s, const char *host)
{
        snprintf(s->host, sizeof(s->host), "%s", host ? host : "");
}

void alog_sink_set_tag(struct alog_sink *s, const char *tag)
{
        snprintf(s->tag, sizeof(s->tag), "%s", tag && *tag ? tag : ALOG_TAG);
}

const struct alog_sink_stats *alog_sink_get_stats(const struct alog_sink *s)
{
        return &s->stats;
}

size_t alog_sink_msg_room(const struct alog_sink *s)
{
        size_t hdr = sink_header_max(s) + 1;

        return s->maxlen > hdr ? s->maxlen - hdr : 0;
}

static ssize_t sink_write(struct alog_sink *s, struct iovec *iov, int n_iov)
{
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n_iov};
        struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};
        ssize_t n;

        for (;;) {
                switch (s->how) {
                case SINK_DGRAM:
                        if (s->addressed) {
                                mh.msg_name = &s->addr;
                                mh.msg_namelen = s->addr_len;
                        }
                        n = sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
                        break;
                case SINK_SEND:
                        n = sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
                        break;
                case SINK_POLL:
                        n = poll(&pfd, 1, 0);
                        if (n == -1 && errno == EINTR)
                                continue;
                        if (n == -1)
                                return -1;
                        if (n == 0 || !(pfd.revents & POLLOUT)) {
                                errno = n == 0 ? EAGAIN : EPIPE;
                                return -1;
                        }
                        n = writev(s->fd, iov, n_iov);
                        break;
                case SINK_WRITE:
                default:
                        n = writev(s->fd, iov, n_iov);
                        break;
                }
                if (n == -1 && errno == EINTR)
                        continue;
                return n;
        }
}

int alog_send_at(struct alog_sink *s, int level, const char *line, size_t len, uint64_t now_us)
{
        const struct cfg_log_target *t = &s->target;
        char hdr[128 + sizeof(s->host)];
        struct iovec iov[4];
        size_t hdr_len, room, want = 0;
        int n_iov = 0;
        ssize_t n;

        if (t->max_level >= 0 && level > t->max_level) {
                s->stats.filtered++;
                return ALOG_FILTERED;
        }
        if (t->min_level >= 0 && level < t->min_level)
                level = t->min_level;

        hdr_len = sink_header(s, level, now_us, hdr, sizeof(hdr));
        /* HAProxy keeps one byte of maxlen for the final '\n' */
        room = s->maxlen - 1;
        if (hdr_len > room)
                hdr_len = room;
        if (len > room - hdr_len) {
                len = room - hdr_len;
                s->stats.truncated++;
        }
        if (s->torn && s->how != SINK_DGRAM)
                iov[n_iov++] = (struct iovec){.iov_base = (void *)"\n", .iov_len = 1};
        if (hdr_len)
                iov[n_iov++] = (struct iovec){.iov_base = hdr, .iov_len = hdr_len};
        if (len)
                iov[n_iov++] = (struct iovec){.iov_base = (void *)line, .iov_len = len};
        iov[n_iov++] = (struct iovec){.iov_base = (void *)"\n", .iov_len = 1};
        for (int i = 0; i < n_iov; i++)
                want += iov[i].iov_len;

        n = sink_write(s, iov, n_iov);
        if (n < 0) {
                int r = -errno;

                s->stats.dropped++;
                return r;
        }
        if ((size_t)n < want) {
                /* the rest is dropped: the next line first ends this one */
                s->torn = true;
                s->stats.dropped++;
                return -EAGAIN;
        }
        s->torn = false;
        s->stats.sent++;
        return 0;
}

int alog_send(struct alog_sink *s, int level, const char *line, size_t len)
{
        return alog_send_at(s, level, line, len, sl_clock_wall_us());
}

/* ---- a proxy's sinks ---- */

int alog_sinks_new(const struct cfg_global *gl, const struct cfg_proxy *px,
                   struct alog_sinks **ret_sinks)
{
        size_t n_global = px->log_global ? gl->n_logs : 0;
        struct alog_sinks *ss;
        int r;

        ss = calloc(1, sizeof(*ss));
        if (!ss)
                return -ENOMEM;
        if (n_global + px->n_logs) {
                ss->v = calloc(n_global + px->n_logs, sizeof(*ss->v));
                if (!ss->v) {
                        r = -ENOMEM;
                        goto err_free;
                }
        }
        for (size_t i = 0; i < n_global + px->n_logs; i++) {
                const struct cfg_log_target *t =
                        i < n_global ? &gl->logs[i] : &px->logs[i - n_global];

                r = alog_sink_new(t, &ss->v[ss->n]);
                if (r < 0)
                        goto err_free;
                alog_sink_set_host(ss->v[ss->n], gl->log_send_hostname);
                /* HAProxy: the proxy's log-tag, else the global one */
                alog_sink_set_tag(ss->v[ss->n], px->log_tag ? px->log_tag : gl->log_tag);
                ss->n++;
        }
        *ret_sinks = ss;
        return 0;

err_free:
        alog_sinks_free(ss);
        return r;
}

struct alog_sinks *alog_sinks_free(struct alog_sinks *ss)
{
        if (!ss)
                return NULL;
        for (size_t i = 0; i < ss->n; i++)
                alog_sink_free(ss->v[i]);
        free(ss->v);
        free(ss);
        return NULL;
}

size_t alog_sinks_send(struct alog_sinks *ss, int level, const char *line, size_t len,
                       uint64_t *dropped)
{
        uint64_t now_us = sl_clock_wall_us();
        size_t sent = 0;

        for (size_t i = 0; i < ss->n; i++) {
                int r = alog_send_at(ss->v[i], level, line, len, now_us);

                sent += r == 0;
                *dropped += r < 0;
        }
        return sent;
}

size_t alog_sinks_msg_room(const struct alog_sinks *ss)
{
        size_t room = SIZE_MAX;

        for (size_t i = 0; i < ss->n; i++)
                room = SL_MIN(room, alog_sink_msg_room(ss->v[i]));
        return room;
}
