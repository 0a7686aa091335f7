/* What nghttp2 alone keeps for an idle HTTP/2 server connection: the floor under any
 * proxy's memory per idle h2 client that is built on it.
 *
 * A server session is made with the options sluice's sessions have (h2_options_set()) and
 * the SETTINGS worker/mux_h2.c sends with the tune.h2.* defaults, through an allocator that counts.
 * A client session in the same process sends one request (h2load's fields), the server answers it
 * (nginx's response fields), and both sides run until nothing is left to send: the server
 * connection is then what an idle client's is after one request. Blocks of a page or more are given
 * their own pages, so that the pages nghttp2 touched can be told from the ones it only reserved
 * (mincore()); smaller blocks count in full, as malloc()'s arena holds them.
 *
 * Run by hand: build/tests/bench/h2_idle_floor. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#include "mux_h2.h"

#define PAGE      4096u
#define MAX_BLOCK 4096

struct block {
        void *p;
        size_t n;
        int paged; /* a block of its own pages */
};

static struct block blocks[MAX_BLOCK];
static size_t n_blocks;

static size_t page_round(size_t n)
{
        return (n + PAGE - 1) & ~(size_t)(PAGE - 1);
}

static void *track(void *p, size_t n, int paged)
{
        if (!p || n_blocks == MAX_BLOCK)
                abort();
        blocks[n_blocks++] = (struct block){p, n, paged};
        return p;
}

static struct block *find(void *p)
{
        for (size_t i = 0; i < n_blocks; i++)
                if (blocks[i].p == p)
                        return &blocks[i];
        abort();
}

static void *get(size_t n, int zero)
{
        void *p;

        if (n < PAGE)
                return track(zero ? calloc(1, n) : malloc(n), n, 0);
        /* fresh anonymous pages are zero: calloc() touches nothing more than malloc() */
        p = mmap(NULL, page_round(n), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return track(p == MAP_FAILED ? NULL : p, n, 1);
}

static void put(void *p)
{
        struct block *b;

        if (!p)
                return;
        b = find(p);
        if (b->paged)
                munmap(p, page_round(b->n));
        else
                free(p);
        *b = blocks[--n_blocks];
}

static void *c_malloc(size_t n, void *u)
{
        (void)u;
        return get(n, 0);
}

static void c_free(void *p, void *u)
{
        (void)u;
        put(p);
}

static void *c_calloc(size_t k, size_t n, void *u)
{
        (void)u;
        return get(k * n, 1);
}

static void *c_realloc(void *p, size_t n, void *u)
{
        void *q;

        (void)u;
        q = get(n, 0);
        if (p) {
                struct block *b = find(p);

                memcpy(q, p, b->n < n ? b->n : n);
                put(p);
        }
        return q;
}

static nghttp2_session *server, *client;

#define NV(n, v)                                                                                   \
        {                                                                                          \
                (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE \
        }

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *u)
{
        static const nghttp2_nv response[] = {
                NV(":status", "200"),
                NV("server", "nginx/1.22.1"),
                NV("date", "Sun, 06 Dec 2026 13:00:00 GMT"),
                NV("content-type", "application/octet-stream"),
                NV("content-length", "0"),
                NV("last-modified", "Sun, 06 Dec 2026 12:00:00 GMT"),
                NV("etag", "\"6757a0b0-40\""),
                NV("accept-ranges", "bytes"),
        };

        (void)u;
        if (s == server && f->hd.type == NGHTTP2_HEADERS && (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
                return nghttp2_submit_response(s, f->hd.stream_id, response,
                                               sizeof(response) / sizeof(response[0]), NULL);
        return 0;
}

/* Each side's output to the other until neither has any (bounded). */
static int exchange(void)
{
        for (int round = 0; round < 64; round++) {
                const uint8_t *d;
                ssize_t n, moved = 0;

                while ((n = nghttp2_session_mem_send(client, &d)) > 0) {
                        if (nghttp2_session_mem_recv(server, d, (size_t)n) != n)
                                return -1;
                        moved += n;
                }
                while ((n = nghttp2_session_mem_send(server, &d)) > 0) {
                        if (nghttp2_session_mem_recv(client, d, (size_t)n) != n)
                                return -1;
                        moved += n;
                }
                if (n < 0)
                        return -1;
                if (moved == 0)
                        return 0;
        }
        return -1;
}

int main(void)
{
        nghttp2_mem mem = {NULL, c_malloc, c_free, c_calloc, c_realloc};
        /* the SETTINGS mux_h2.c sends with the defaults of the tune.h2.* keywords */
        const nghttp2_settings_entry set[] = {
                {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100},
                {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535},
                {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 4096},
                {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, 16384},
                {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 16384 - 1024},
                {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1},
        };
        const nghttp2_nv request[] = {
                NV(":method", "GET"),
                NV(":path", "/64.bin"),
                NV(":scheme", "https"),
                NV(":authority", "127.0.0.1:8443"),
                NV("user-agent", "h2load nghttp2/1.52.0"),
        };
        nghttp2_session_callbacks *cb;
        nghttp2_option *opt;
        size_t small = 0, reserved = 0, touched = 0;

        if (nghttp2_session_callbacks_new(&cb) != 0 || nghttp2_option_new(&opt) != 0)
                return 1;
        nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
        h2_options_set(opt);
        if (nghttp2_session_server_new3(&server, cb, NULL, opt, &mem) != 0 ||
            nghttp2_submit_settings(server, NGHTTP2_FLAG_NONE, set, sizeof(set) / sizeof(set[0])) ||
            nghttp2_session_set_local_window_size(server, NGHTTP2_FLAG_NONE, 0, 1 << 24) ||
            nghttp2_session_client_new(&client, cb, NULL) != 0 ||
            nghttp2_submit_settings(client, NGHTTP2_FLAG_NONE, NULL, 0) != 0 ||
            nghttp2_submit_request(client, NULL, request, sizeof(request) / sizeof(request[0]),
                                   NULL, NULL) < 0 ||
            exchange() < 0) {
                fprintf(stderr, "the exchange failed\n");
                return 1;
        }
        if (nghttp2_session_find_stream(server, 1) != NULL) {
                fprintf(stderr, "the server still has the stream\n");
                return 1;
        }
        for (size_t i = 0; i < n_blocks; i++) {
                unsigned char v[64];
                size_t pages = page_round(blocks[i].n) / PAGE;

                if (!blocks[i].paged) {
                        small += blocks[i].n;
                        continue;
                }
                if (pages > sizeof(v) || mincore(blocks[i].p, pages * PAGE, v) != 0)
                        return 1;
                reserved += blocks[i].n;
                for (size_t k = 0; k < pages; k++)
                        touched += (v[k] & 1) * PAGE;
        }
        printf("nghttp2 %s, idle server session after one request:\n",
               nghttp2_version(0)->version_str);
        printf("  %zu blocks, %zu bytes allocated\n", n_blocks, small + reserved);
        printf("  blocks under a page: %zu bytes; larger ones: %zu bytes, %zu of them touched\n",
               small, reserved, touched);
        printf("  floor of its resident memory: %zu bytes\n", small + touched);
        nghttp2_session_del(client);
        nghttp2_session_del(server);
        nghttp2_option_del(opt);
        nghttp2_session_callbacks_del(cb);
        return n_blocks == 0 ? 0 : 1;
}
