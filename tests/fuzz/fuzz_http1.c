/* Fuzz target for proto/http1_parse: the input is parsed as a request head, as a response
 * head, and decoded as a chunked body twice (whole, then split at an offset taken from the
 * input). Any view outside the input, a result outside the documented set, or a disagreement
 * between the whole and the split decoding aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1_parse.h"

#define FUZZ_MAX_HEADERS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct h1_limits lim = {.max_head_size = 4096, .max_line_size = 1024};

static const struct h1_chunked_limits ck_lim = {
        .max_chunk_size = UINT64_MAX,
        .max_line_size = 64,
        .max_trailer_size = 256,
        .max_trailers = 8,
};

static void check(bool cond)
{
        if (!cond)
                abort();
}

static void check_view(struct sl_str s, const char *buf, size_t len)
{
        check(s.ptr >= buf && s.ptr + s.len <= buf + len);
}

static void check_head_result(int r, size_t len)
{
        check(r == -EAGAIN || r == -EBADMSG || r == H1_E_TOO_LARGE || r == H1_E_URI_TOO_LONG ||
              r == H1_E_VERSION || (r > 0 && (size_t)r <= len));
}

static void check_headers(const struct http_hdr *h, size_t n, const char *buf, size_t len)
{
        for (size_t i = 0; i < n; i++) {
                check(h[i].name.len > 0);
                check_view(h[i].name, buf, len);
                check_view(h[i].value, buf, len);
                (void)h1_header_is_hop_by_hop(h, n, h[i].name);
        }
}

static void fuzz_request(const char *buf, size_t len)
{
        struct http_hdr headers[FUZZ_MAX_HEADERS];
        struct h1_request req, again;
        struct h1_framing fr;
        int r;

        r = h1_parse_request(buf, len, &lim, headers, FUZZ_MAX_HEADERS, &req);
        check_head_result(r, len);
        /* "show errors" points into what it got; a head that parses has no bad byte */
        if (r < 0 && r != -EAGAIN)
                check(h1_error_offset(buf, len, false) <= len);
        if (r <= 0)
                return;
        check(h1_error_offset(buf, (size_t)r, false) == (size_t)r);
        check_view(req.method_name, buf, (size_t)r);
        check_view(req.target, buf, (size_t)r);
        check_headers(req.headers, req.n_headers, buf, (size_t)r);
        /* the head alone parses the same, and one byte less is a strict prefix */
        check(h1_parse_request(buf, (size_t)r, &lim, headers, FUZZ_MAX_HEADERS, &again) == r);
        check(h1_parse_request(buf, (size_t)r - 1, &lim, headers, FUZZ_MAX_HEADERS, &again) ==
              -EAGAIN);
        r = h1_analyze_request(&again, &fr);
        check(r == 0 || r == -EBADMSG || r == H1_E_CODING);
        if (r == 0)
                check(fr.body == HTTP_BODY_NONE || fr.body == HTTP_BODY_LENGTH ||
                      fr.body == HTTP_BODY_CHUNKED);
}

static void fuzz_response(const char *buf, size_t len)
{
        static const enum http_meth methods[] = {HTTP_METH_GET, HTTP_METH_HEAD, HTTP_METH_CONNECT};
        struct http_hdr headers[FUZZ_MAX_HEADERS];
        struct h1_response resp, again;
        struct h1_framing fr;
        int r;

        r = h1_parse_response(buf, len, &lim, headers, FUZZ_MAX_HEADERS, &resp);
        check_head_result(r, len);
        if (r < 0 && r != -EAGAIN)
                check(h1_error_offset(buf, len, true) <= len);
        if (r <= 0)
                return;
        check(h1_error_offset(buf, (size_t)r, true) == (size_t)r);
        check(resp.status >= 100 && resp.status <= 599);
        check_view(resp.reason, buf, (size_t)r);
        check_headers(resp.headers, resp.n_headers, buf, (size_t)r);
        check(h1_parse_response(buf, (size_t)r, &lim, headers, FUZZ_MAX_HEADERS, &again) == r);
        check(h1_parse_response(buf, (size_t)r - 1, &lim, headers, FUZZ_MAX_HEADERS, &again) ==
              -EAGAIN);
        for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
                r = h1_analyze_response(&resp, methods[i], &fr);
                check(r == 0 || r == -EBADMSG);
        }
}

struct ck_run {
        int r; /* 0, or the error that stopped decoding */
        bool done;
        size_t used; /* bytes consumed */
        char *data;  /* owned; chunk-data gathered */
        size_t n_data;
};

/* Decode buf[0..len) in two pieces, the first @split bytes then the rest. */
static void ck_run(const char *buf, size_t len, size_t split, struct ck_run *run)
{
        struct h1_chunked ck;

        h1_chunked_init(&ck, &ck_lim);
        run->data = malloc(len ? len : 1);
        check(run->data != NULL);
        for (size_t end = split; !run->r && !h1_chunked_done(&ck); end = len) {
                while (run->used < end && !h1_chunked_done(&ck)) {
                        struct sl_str d;
                        int r = h1_chunked_parse(&ck, buf + run->used, end - run->used, &d);

                        if (r < 0) {
                                check(r == -EBADMSG || r == H1_E_TOO_LARGE ||
                                      r == H1_E_BODY_TOO_LARGE);
                                run->r = r;
                                break;
                        }
                        check((size_t)r <= end - run->used);
                        check(r > 0 || h1_chunked_done(&ck));
                        if (d.len) {
                                check(d.ptr + d.len == buf + run->used + r);
                                check(d.ptr >= buf + run->used);
                                memcpy(run->data + run->n_data, d.ptr, d.len);
                                run->n_data += d.len;
                        }
                        run->used += (size_t)r;
                }
                if (end == len)
                        break;
        }
        run->done = h1_chunked_done(&ck);
}

static void fuzz_chunked(const char *buf, size_t len)
{
        struct ck_run whole = {0}, split = {0};
        size_t at = len ? (((size_t)(uint8_t)buf[0] << 8) | (uint8_t)buf[len - 1]) % (len + 1) : 0;

        ck_run(buf, len, len, &whole);
        ck_run(buf, len, at, &split);
        check(whole.r == split.r);
        check(whole.done == split.done);
        check(whole.n_data == split.n_data);
        check(memcmp(whole.data, split.data, whole.n_data) == 0);
        if (whole.done || !whole.r)
                check(whole.used == split.used);
        free(whole.data);
        free(split.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *buf = (const char *)data;

        fuzz_request(buf, size);
        fuzz_response(buf, size);
        fuzz_chunked(buf, size);
        return 0;
}
