/* An open-loop HTTP/1.1 load: requests are due at a fixed rate whatever the answers do, and
 * each one's latency counts from the moment it was due, not from when a connection was free
 * to send it. A closed loop (wrk, h2load) waits for an answer before it sends the next
 * request, so a proxy that stalls is also sent less, and its stall hides from the figures
 * ("coordinated omission"); latencies compared at "the same offered load" need this.
 *
 *   openloop -p PORT [-a 127.0.0.1] [-u /64.bin] -r RATE -d SECONDS [-w WARMUP] [-c CONNS]
 *
 * CONNS keep-alive connections (50 by default) take the due requests in turn, one request
 * at a time each; a request due while every connection waits for an answer queues, and its
 * wait counts. Prints one JSON object: the offered and achieved rates, the requests measured
 * (those due after the warm-up), errors, the most queued at once, and latency percentiles in
 * milliseconds. Every loop is bounded by the run's duration plus a 5-second drain. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem(), epoll_pwait2() when built alone */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE   65536
#define DRAIN_NS   (5 * 1000000000LL)
#define MAX_EVENTS 256

struct cn {
        int fd;
        int busy;        /* a request is out */
        int64_t due;     /* when that request was due (ns) */
        size_t have;     /* bytes of the answer so far */
        size_t want;     /* its whole size once the head is in; 0 before */
        struct cn *next; /* in the free list */
        char buf[BUF_SIZE];
};

static struct sockaddr_in addr;
static char request[512];
static size_t request_len;

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cn_open(struct cn *c, int ep)
{
        int one = 1;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

        c->fd = socket(AF_INET, SOCK_STREAM, 0);
        if (c->fd < 0 || setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0 ||
            connect(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
            epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
                return -1;
        c->busy = 0;
        c->have = c->want = 0;
        return 0;
}

static void cn_reopen(struct cn *c, int ep)
{
        close(c->fd);
        if (cn_open(c, ep) < 0) {
                perror("openloop: connect");
                exit(1);
        }
}

/* The whole answer's size once its head is in buf, 0 before, -1 when it cannot be read
 * (no Content-Length: the origin's files always have one). */
static long answer_size(const struct cn *c)
{
        const char *end = memmem(c->buf, c->have, "\r\n\r\n", 4), *p;

        if (!end)
                return c->have == BUF_SIZE ? -1 : 0;
        for (p = c->buf; p < end; p++) {
                p = memmem(p, (size_t)(end - p), "\r\n", 2);
                if (!p)
                        break;
                if ((size_t)(end - p) > 17 && strncasecmp(p + 2, "content-length:", 15) == 0)
                        return (end + 4 - c->buf) + strtol(p + 17, NULL, 10);
        }
        return -1;
}

/* a latency in microseconds, as the array keeps it */
static uint32_t us_of(int64_t ns)
{
        return ns / 1000 > UINT32_MAX ? UINT32_MAX : (uint32_t)(ns / 1000);
}

static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

        return x < y ? -1 : x > y;
}

static double pct(const uint32_t *v, size_t n, double q)
{
        size_t i;

        if (!n)
                return 0;
        i = (size_t)(q * (double)(n - 1) + 0.5);
        return v[i] / 1000.0;
}

int main(int argc, char **argv)
{
        const char *host = "127.0.0.1", *path = "/64.bin";
        int port = 0, conns = 50, opt, ep;
        double rate = 0, dur = 0, warm = 1;
        int64_t start, t_end, warm_at, interval_ns;
        uint64_t due_n = 0, total_n, errors = 0, measured_sent = 0;
        size_t n_lat = 0, cap_lat, queue_max = 0;
        int64_t *queue; /* due times waiting for a connection: a ring */
        size_t q_head = 0, q_len = 0, q_cap;
        uint32_t *lat;
        struct cn *cs, *free_list = NULL;
        int64_t first_done = 0, last_done = 0;
        uint64_t done_measured = 0;

        while ((opt = getopt(argc, argv, "a:p:u:r:d:w:c:")) != -1) {
                switch (opt) {
                case 'a':
                        host = optarg;
                        break;
                case 'p':
                        port = atoi(optarg);
                        break;
                case 'u':
                        path = optarg;
                        break;
                case 'r':
                        rate = atof(optarg);
                        break;
                case 'd':
                        dur = atof(optarg);
                        break;
                case 'w':
                        warm = atof(optarg);
                        break;
                case 'c':
                        conns = atoi(optarg);
                        break;
                default:
                        return 2;
                }
        }
        if (port <= 0 || rate <= 0 || dur <= 0 || conns <= 0 || warm < 0 || rate > 1e7) {
                fprintf(stderr, "usage: openloop -p PORT -r RATE -d SECONDS [-w WARMUP] [-c CONNS] "
                                "[-a ADDR] [-u PATH]\n");
                return 2;
        }
        addr.sin_family = AF_INET;
        addr.sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &addr.sin_addr) != 1)
                return 2;
        request_len = (size_t)snprintf(request, sizeof(request),
                                       "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n", path, host, port);
        interval_ns = (int64_t)(1e9 / rate);
        total_n = (uint64_t)((warm + dur) * rate);
        q_cap = (size_t)total_n + 1;
        cap_lat = (size_t)total_n + 1;
        queue = malloc(q_cap * sizeof(*queue));
        lat = malloc(cap_lat * sizeof(*lat));
        cs = calloc((size_t)conns, sizeof(*cs));
        ep = epoll_create1(0);
        if (!queue || !lat || !cs || ep < 0)
                return 1;
        for (int i = 0; i < conns; i++) {
                if (cn_open(&cs[i], ep) < 0) {
                        perror("openloop: connect");
                        return 1;
                }
                cs[i].next = free_list;
                free_list = &cs[i];
        }
        start = now_ns();
        warm_at = start + (int64_t)(warm * 1e9);
        t_end = start + (int64_t)((warm + dur) * 1e9);
        for (;;) {
                struct epoll_event evs[MAX_EVENTS];
                struct timespec to;
                int64_t now = now_ns(), wait_ns;
                int n;

                /* the requests due by now join the queue */
                while (due_n < total_n && start + (int64_t)due_n * interval_ns <= now) {
                        queue[(q_head + q_len) % q_cap] = start + (int64_t)due_n * interval_ns;
                        q_len++;
                        due_n++;
                }
                if (q_len > queue_max)
                        queue_max = q_len;
                /* and go out on the free connections */
                while (q_len && free_list) {
                        struct cn *c = free_list;

                        free_list = c->next;
                        c->busy = 1;
                        c->due = queue[q_head];
                        c->have = c->want = 0;
                        q_head = (q_head + 1) % q_cap;
                        q_len--;
                        if (c->due >= warm_at)
                                measured_sent++;
                        if (send(c->fd, request, request_len, MSG_NOSIGNAL) !=
                            (ssize_t)request_len) {
                                errors++;
                                cn_reopen(c, ep);
                                c->next = free_list;
                                free_list = c;
                        }
                }
                if (due_n == total_n && !q_len) {
                        int busy = 0;

                        for (int i = 0; i < conns; i++)
                                busy += cs[i].busy;
                        if (!busy || now > t_end + DRAIN_NS)
                                break;
                }
                if (now > t_end + DRAIN_NS)
                        break;
                /* sleep until the next request is due, or an answer comes */
                wait_ns = due_n < total_n ? start + (int64_t)due_n * interval_ns - now : 10000000;
                if (q_len && !free_list)
                        wait_ns = 10000000;
                if (wait_ns < 0)
                        wait_ns = 0;
                to.tv_sec = wait_ns / 1000000000LL;
                to.tv_nsec = wait_ns % 1000000000LL;
                n = epoll_pwait2(ep, evs, MAX_EVENTS, &to, NULL);
                if (n < 0 && errno != EINTR) {
                        perror("openloop: epoll_pwait2");
                        return 1;
                }
                now = now_ns();
                for (int i = 0; i < n; i++) {
                        struct cn *c = evs[i].data.ptr;
                        ssize_t r = recv(c->fd, c->buf + c->have, BUF_SIZE - c->have, 0);
                        long size;

                        if (r <= 0) {
                                if (r < 0 && (errno == EAGAIN || errno == EINTR))
                                        continue;
                                if (c->busy)
                                        errors++;
                                cn_reopen(c, ep);
                                if (c->busy) {
                                        c->busy = 0;
                                        c->next = free_list;
                                        free_list = c;
                                }
                                continue;
                        }
                        if (!c->busy) { /* bytes nobody asked for */
                                errors++;
                                cn_reopen(c, ep);
                                continue;
                        }
                        c->have += (size_t)r;
                        size = answer_size(c);
                        if (size < 0 || (size > 0 && c->have > (size_t)size)) {
                                errors++;
                                cn_reopen(c, ep);
                        } else if (size == 0 || c->have < (size_t)size) {
                                continue;
                        } else if (c->due >= warm_at) {
                                if (n_lat < cap_lat)
                                        lat[n_lat++] = us_of(now - c->due);
                                done_measured++;
                                if (!first_done)
                                        first_done = now;
                                last_done = now;
                        }
                        c->busy = 0;
                        c->next = free_list;
                        free_list = c;
                }
        }
        qsort(lat, n_lat, sizeof(*lat), cmp_u32);
        printf("{\"offered_rps\": %.0f, \"achieved_rps\": %.0f, \"measured\": %zu, \"sent\": %llu, "
               "\"errors\": %llu, \"queue_max\": %zu, \"conns\": %d, \"p50_ms\": %.3f, "
               "\"p90_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f, \"max_ms\": %.3f}\n",
               rate,
               done_measured && last_done > warm_at ? done_measured / ((t_end - warm_at) / 1e9) : 0,
               n_lat, (unsigned long long)measured_sent, (unsigned long long)errors, queue_max,
               conns, pct(lat, n_lat, 0.5), pct(lat, n_lat, 0.9), pct(lat, n_lat, 0.99),
               pct(lat, n_lat, 0.999), n_lat ? lat[n_lat - 1] / 1000.0 : 0);
        (void)first_done;
        return errors || n_lat < measured_sent ? 1 : 0;
}
