/* Fuzz target for the framing decisions of proto/http1_parse: h1_analyze_request(),
 * h1_analyze_response() and the chunked decoder, checked against a reference written here.
 *
 * Input: a 9-byte prefix, then the message.
 *   [0..2]  three methods (modulo HTTP_METH_COUNT) the message is analyzed as a response to
 *   [3]     max_chunk_size: an entry of chunk_limits (modulo its size) ...
 *   [4]     ... plus this byte as a signed offset (wrapping): both sides of each boundary
 *   [5]     max_line_size of a chunk line
 *   [6]     max_trailer_size / 4
 *   [7]     max_trailers (modulo 16)
 *   [8]     bytes per call when decoding split (0: only whole)
 * The message is parsed as a request head and as a response head; what follows the request
 * head (the whole message if it is none) is decoded as a chunked body, whole and split.
 *
 * Checked: every result is one of the documented set; an accepted Content-Length framing has
 * exactly the value of the single Content-Length field; chunked framing only when the last
 * transfer-coding is chunked; never Content-Length and Transfer-Encoding both accepted; the
 * decoder never consumes more than it was given, its data spans lie inside the input and end
 * at the last consumed byte, and it completes a body exactly when the reference decoder below
 * does, with the same length and the same chunk-data. Any failure aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http1_parse.h"

#define FUZZ_MAX_HEADERS 32
#define PREFIX_LEN       9

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct h1_limits lim = {.max_head_size = 8192, .max_line_size = 4096};

/* around 2^32, the worker's 2^62, and the 2^63 - 1 ceiling */
static const uint64_t chunk_limits[] = {
        0,
        16,
        4096,
        UINT64_C(0xffffffff),
        UINT64_C(1) << 32,
        UINT64_C(1) << 62,
        UINT64_C(0x7fffffffffffffff),
        UINT64_C(0x8000000000000000),
        UINT64_MAX,
};

static void check(bool cond)
{
        if (!cond)
                abort();
}

static char lower(char c)
{
        return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* p[0..n) equals the lower-case literal @lit, ASCII case-insensitively */
static bool ieq(const char *p, size_t n, const char *lit)
{
        if (n != strlen(lit))
                return false;
        for (size_t i = 0; i < n; i++)
                if (lower(p[i]) != lit[i])
                        return false;
        return true;
}

static bool is_tchar(unsigned char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int hexval(unsigned char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* ---- heads ---- */

/* What the field lines say about framing, read independently of the parser's analysis */
struct ref_fields {
        size_t n_cl, n_te, n_host;
        bool cl_valid;      /* the last Content-Length is 1*DIGIT and at most 2^63 - 1 */
        uint64_t cl;        /* its value */
        bool last_chunked;  /* the last element of the last Transfer-Encoding is chunked */
        bool other_codings; /* some coding is not chunked */
};

/* Content-Length = 1*DIGIT, value up to 2^63 - 1: compared as a digit string, not computed
 * with an overflow check like the parser's */
static bool ref_cl(struct sl_str v, uint64_t *ret)
{
        static const char max[] = "9223372036854775807";
        size_t i = 0, n;
        uint64_t x = 0;

        if (v.len == 0)
                return false;
        for (size_t k = 0; k < v.len; k++)
                if (v.ptr[k] < '0' || v.ptr[k] > '9')
                        return false;
        while (i < v.len - 1 && v.ptr[i] == '0')
                i++;
        n = v.len - i;
        if (n > sizeof(max) - 1 || (n == sizeof(max) - 1 && memcmp(v.ptr + i, max, n) > 0))
                return false;
        for (; i < v.len; i++)
                x = x * 10 + (uint64_t)(v.ptr[i] - '0');
        *ret = x;
        return true;
}

static struct ref_fields ref_fields(const struct http_hdr *h, size_t n)
{
        struct ref_fields f = {0};

        for (size_t i = 0; i < n; i++) {
                const char *p = h[i].name.ptr;
                size_t len = h[i].name.len;

                if (ieq(p, len, "content-length")) {
                        f.n_cl++;
                        f.cl_valid = ref_cl(h[i].value, &f.cl);
                } else if (ieq(p, len, "host")) {
                        f.n_host++;
                } else if (ieq(p, len, "transfer-encoding")) {
                        const char *v = h[i].value.ptr, *end = v + h[i].value.len, *e;

                        f.n_te++;
                        /* every comma-separated element, OWS trimmed */
                        for (;;) {
                                const char *c = memchr(v, ',', (size_t)(end - v));
                                const char *s = v;

                                e = c ? c : end;
                                while (s < e && (*s == ' ' || *s == '\t'))
                                        s++;
                                while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                                        e--;
                                f.last_chunked = ieq(s, (size_t)(e - s), "chunked");
                                f.other_codings |= !f.last_chunked;
                                if (!c)
                                        break;
                                v = c + 1;
                        }
                }
        }
        return f;
}

static void check_status(int r)
{
        int st = h1_error_status(r);

        check(st == 400 || st == 413 || st == 414 || st == 431 || st == 501 || st == 505);
}

static void check_length(const struct h1_framing *fr, const struct ref_fields *f)
{
        if (fr->body == HTTP_BODY_LENGTH) {
                check(f->n_cl == 1 && f->n_te == 0 && f->cl_valid);
                check(fr->content_length == f->cl);
        } else {
                check(fr->content_length == 0);
        }
}

/* Returns the head's length, or 0 if @buf does not start with a valid request head. */
static size_t fuzz_request(const char *buf, size_t len)
{
        struct http_hdr headers[FUZZ_MAX_HEADERS];
        struct h1_request req;
        struct h1_framing fr;
        struct ref_fields f;
        int n, r;

        n = h1_parse_request(buf, len, &lim, headers, FUZZ_MAX_HEADERS, &req);
        check(n == -EAGAIN || n == -EBADMSG || n == H1_E_TOO_LARGE || n == H1_E_URI_TOO_LONG ||
              n == H1_E_VERSION || (n > 0 && (size_t)n <= len));
        if (n < 0) {
                if (n != -EAGAIN)
                        check_status(n);
                return 0;
        }
        f = ref_fields(req.headers, req.n_headers);
        memset(&fr, 0x5a, sizeof(fr));
        r = h1_analyze_request(&req, &fr);
        check(r == 0 || r == -EBADMSG || r == H1_E_CODING);
        if (r < 0) {
                check_status(r);
                /* 501 only for a coding other than chunked, chunked last */
                if (r == H1_E_CODING)
                        check(f.n_te && f.n_cl == 0 && f.last_chunked && f.other_codings);
                return (size_t)n;
        }
        /* RFC 9112 3.2: one Host, required in HTTP/1.1; its view inside the head */
        check(f.n_host == 1 || (f.n_host == 0 && req.version == HTTP_VER_1_0));
        if (f.n_host)
                check(fr.host.ptr >= buf && fr.host.ptr + fr.host.len <= buf + n);
        /* never both; more than one Content-Length is refused even when equal */
        check(!(f.n_cl && f.n_te));
        check(f.n_cl <= 1);
        switch (fr.body) {
        case HTTP_BODY_NONE:
                check(f.n_cl == 0 && f.n_te == 0);
                break;
        case HTTP_BODY_LENGTH:
                break;
        case HTTP_BODY_CHUNKED:
                /* chunked last, and nothing else: other codings are 501 */
                check(f.n_te && f.last_chunked && !f.other_codings);
                check(req.version == HTTP_VER_1_1);
                break;
        case HTTP_BODY_UNTIL_CLOSE:
        case HTTP_BODY_TUNNEL:
        case HTTP_BODY_COUNT:
                check(false);
        }
        check_length(&fr, &f);
        /* a request with a single valid Content-Length and no Transfer-Encoding is framed by
         * it, whatever its value */
        if (f.n_cl == 1)
                check(fr.body == HTTP_BODY_LENGTH);
        return (size_t)n;
}

static void fuzz_response(const char *buf, size_t len, const enum http_meth methods[3])
{
        struct http_hdr headers[FUZZ_MAX_HEADERS];
        struct h1_response resp;
        struct h1_framing fr;
        struct ref_fields f;
        int n, r;

        n = h1_parse_response(buf, len, &lim, headers, FUZZ_MAX_HEADERS, &resp);
        check(n == -EAGAIN || n == -EBADMSG || n == H1_E_TOO_LARGE || n == H1_E_URI_TOO_LONG ||
              n == H1_E_VERSION || (n > 0 && (size_t)n <= len));
        if (n < 0)
                return;
        check(resp.status >= 100 && resp.status <= 599);
        f = ref_fields(resp.headers, resp.n_headers);
        for (int i = 0; i < 3; i++) {
                enum http_meth m = methods[i];
                bool tunnel_2xx = m == HTTP_METH_CONNECT && resp.status / 100 == 2;
                bool empty = m == HTTP_METH_HEAD || resp.status < 200 || resp.status == 204 ||
                             resp.status == 304;

                memset(&fr, 0x5a, sizeof(fr));
                r = h1_analyze_response(&resp, m, &fr);
                check(r == 0 || r == -EBADMSG);
                if (r < 0)
                        continue;
                check(fr.host.len == 0);
                if (tunnel_2xx) {
                        /* RFC 9110 9.3.6: framing fields are ignored */
                        check(fr.body == HTTP_BODY_TUNNEL && fr.content_length == 0);
                        continue;
                }
                check(!(f.n_cl && f.n_te));
                check(f.n_cl <= 1);
                /* a Content-Length that is not a valid value is refused even when unused */
                check(f.n_cl == 0 || f.cl_valid);
                switch (fr.body) {
                case HTTP_BODY_NONE:
                        check(empty && resp.status != 101);
                        break;
                case HTTP_BODY_LENGTH:
                        check(!empty);
                        break;
                case HTTP_BODY_CHUNKED:
                        check(!empty && f.n_te && f.last_chunked);
                        check(resp.version == HTTP_VER_1_1);
                        break;
                case HTTP_BODY_UNTIL_CLOSE:
                        /* no framing field, or a last coding that is not chunked */
                        check(!empty && f.n_cl == 0 && (f.n_te == 0 || !f.last_chunked));
                        break;
                case HTTP_BODY_TUNNEL:
                        check(resp.status == 101);
                        break;
                case HTTP_BODY_COUNT:
                        check(false);
                }
                check_length(&fr, &f);
                if (!empty && f.n_cl == 1)
                        check(fr.body == HTTP_BODY_LENGTH);
        }
}

/* ---- chunked bodies ---- */

struct ck_out {
        bool done;   /* a complete body */
        int r;       /* 0, or the decoder's error */
        size_t used; /* bytes consumed */
        char *data;  /* owned: the chunk-data */
        size_t n_data;
};

static bool is_fchar(unsigned char c)
{
        return c == '\t' || (c >= ' ' && c != 0x7f);
}

static bool is_qdtext(unsigned char c)
{
        return c == '\t' || c == ' ' || c == '!' || (c >= '#' && c <= '[') ||
               (c >= ']' && c <= '~') || c >= 0x80;
}

static size_t skip_ws(const char *p, size_t i, size_t n)
{
        while (i < n && (p[i] == ' ' || p[i] == '\t'))
                i++;
        return i;
}

/* chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ) (RFC 9112 7.1.1),
 * the whole of p[i..n) */
static bool ref_exts(const char *p, size_t i, size_t n)
{
        while (i < n) {
                size_t j;

                i = skip_ws(p, i, n);
                if (i == n || p[i] != ';')
                        return false;
                i = skip_ws(p, i + 1, n);
                j = i;
                while (i < n && is_tchar((unsigned char)p[i]))
                        i++;
                if (i == j)
                        return false;
                j = skip_ws(p, i, n);
                if (j == n || p[j] != '=')
                        continue;
                i = skip_ws(p, j + 1, n);
                if (i < n && p[i] == '"') {
                        for (i++;; i++) {
                                if (i == n)
                                        return false;
                                if (p[i] == '"')
                                        break;
                                if (p[i] == '\\') {
                                        if (++i == n || !is_fchar((unsigned char)p[i]))
                                                return false;
                                } else if (!is_qdtext((unsigned char)p[i])) {
                                        return false;
                                }
                        }
                        i++;
                } else {
                        j = i;
                        while (i < n && is_tchar((unsigned char)p[i]))
                                i++;
                        if (i == j)
                                return false;
                }
        }
        return true;
}

/* The line at @off up to its CRLF: its length, or -1 if there is no CRLF or a bare CR or LF
 * comes first. */
static long ref_line(const char *buf, size_t len, size_t off)
{
        for (size_t i = off; i < len; i++) {
                if (buf[i] == '\n')
                        return -1;
                if (buf[i] == '\r')
                        return i + 1 < len && buf[i + 1] == '\n' ? (long)(i - off) : -1;
        }
        return -1;
}

/* A plain reading of RFC 9112 7.1 over the whole input at once, with sluice's strict choices
 * (no whitespace that BWS does not allow, no Content-Length, Transfer-Encoding or Host in
 * trailers) and the limits: sets out->done, used and the data if @buf starts with a complete
 * chunked body; anything else (cut short or invalid) leaves done false. */
static void ref_chunked(const char *buf, size_t len, const struct h1_chunked_limits *l,
                        struct ck_out *out)
{
        uint64_t cap = l->max_chunk_size > INT64_MAX ? INT64_MAX : l->max_chunk_size;
        size_t pos = 0, t0, n_trailers = 0;
        long n;

        for (;;) {
                uint64_t size = 0;
                bool over = false;
                size_t i = 0;

                n = ref_line(buf, len, pos);
                if (n < 0 || (size_t)n > l->max_line_size)
                        return;
                while (i < (size_t)n && hexval((unsigned char)buf[pos + i]) >= 0) {
                        over |= size > cap / 16;
                        size = size * 16 + (uint64_t)hexval((unsigned char)buf[pos + i]);
                        over |= size > cap;
                        i++;
                }
                if (i == 0 || over || !ref_exts(buf + pos, i, (size_t)n))
                        return;
                pos += (size_t)n + 2;
                if (size == 0)
                        break;
                if (size > len - pos || len - pos - size < 2)
                        return;
                memcpy(out->data + out->n_data, buf + pos, size);
                out->n_data += size;
                pos += size;
                if (buf[pos] != '\r' || buf[pos + 1] != '\n')
                        return;
                pos += 2;
        }
        /* trailer-section = *( field-line CRLF ) CRLF, at most max_trailer_size bytes */
        for (t0 = pos;;) {
                size_t i = 0;

                n = ref_line(buf, len, pos);
                if (n < 0)
                        return;
                if (n == 0)
                        break;
                while (i < (size_t)n && is_tchar((unsigned char)buf[pos + i]))
                        i++;
                if (i == 0 || i == (size_t)n || buf[pos + i] != ':' ||
                    ieq(buf + pos, i, "content-length") || ieq(buf + pos, i, "transfer-encoding") ||
                    ieq(buf + pos, i, "host"))
                        return;
                for (i++; i < (size_t)n; i++)
                        if (!is_fchar((unsigned char)buf[pos + i]))
                                return;
                if (++n_trailers > l->max_trailers)
                        return;
                pos += (size_t)n + 2;
        }
        pos += 2;
        if (pos - t0 > l->max_trailer_size)
                return;
        out->done = true;
        out->used = pos;
}

/* Decode @buf with h1_chunked_parse(), @step bytes per call (0: all at once). */
static void run_chunked(const char *buf, size_t len, const struct h1_chunked_limits *l, size_t step,
                        struct ck_out *out)
{
        struct h1_chunked ck;

        h1_chunked_init(&ck, l);
        while (out->used < len && !h1_chunked_done(&ck)) {
                size_t avail = len - out->used;
                struct sl_str d;
                int r;

                if (step && avail > step)
                        avail = step;
                d = SL_STR_NULL;
                r = h1_chunked_parse(&ck, buf + out->used, avail, &d);
                if (r < 0) {
                        check(r == -EBADMSG || r == H1_E_TOO_LARGE || r == H1_E_BODY_TOO_LARGE);
                        check_status(r);
                        out->r = r;
                        break;
                }
                /* consumed bytes within what was given; data inside them, ending last */
                check((size_t)r <= avail);
                check(r > 0 || h1_chunked_done(&ck));
                check(d.ptr >= buf + out->used && d.ptr + d.len == buf + out->used + r);
                memcpy(out->data + out->n_data, d.ptr, d.len);
                out->n_data += d.len;
                out->used += (size_t)r;
        }
        out->done = h1_chunked_done(&ck);
        check(out->used <= len);
}

static void fuzz_chunked(const char *buf, size_t len, const struct h1_chunked_limits *l,
                         size_t step)
{
        struct ck_out ref = {0}, whole = {0}, split = {0};

        ref.data = malloc(len + 1);
        whole.data = malloc(len + 1);
        split.data = malloc(len + 1);
        check(ref.data && whole.data && split.data);
        ref_chunked(buf, len, l, &ref);
        run_chunked(buf, len, l, 0, &whole);
        check(whole.done == ref.done);
        if (ref.done) {
                check(whole.used == ref.used && whole.n_data == ref.n_data);
                check(memcmp(whole.data, ref.data, ref.n_data) == 0);
        }
        if (step) {
                run_chunked(buf, len, l, step, &split);
                check(split.done == whole.done && split.r == whole.r);
                check(split.n_data == whole.n_data);
                check(memcmp(split.data, whole.data, whole.n_data) == 0);
                if (split.done || !split.r)
                        check(split.used == whole.used);
        }
        free(ref.data);
        free(whole.data);
        free(split.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *msg = (const char *)data + PREFIX_LEN;
        enum http_meth methods[3];
        struct h1_chunked_limits ck_lim;
        size_t len, head;

        if (size < PREFIX_LEN)
                return 0;
        len = size - PREFIX_LEN;
        for (int i = 0; i < 3; i++)
                methods[i] = (enum http_meth)(data[i] % HTTP_METH_COUNT);
        ck_lim.max_chunk_size = chunk_limits[data[3] % (sizeof(chunk_limits) / sizeof(uint64_t))] +
                                (uint64_t)(int64_t)(int8_t)data[4];
        ck_lim.max_line_size = data[5];
        ck_lim.max_trailer_size = (size_t)data[6] * 4;
        ck_lim.max_trailers = data[7] % 16;

        head = fuzz_request(msg, len);
        fuzz_response(msg, len, methods);
        fuzz_chunked(msg + head, len - head, &ck_lim, data[8]);
        return 0;
}
