/* Strict HTTP/1.1 parser (RFC 9112, RFC 9110). The worker's H1 mux feeds it request heads
 * read from clients and response heads read from servers, asks h1_analyze_*() how the body is
 * framed, and runs chunked bodies through h1_chunked_parse(). It knows nothing of sockets.
 *
 * Heads are parsed in two steps per line: find the CRLF (rejecting bare CR and bare LF, and
 * enforcing the size limits), then validate the complete line. A line is never judged before
 * its CRLF arrives, which is what makes every strict prefix of a valid head -EAGAIN.
 *
 * Where the RFCs let a recipient choose between accepting and rejecting, this file rejects;
 * each such choice is marked "strict" with its section. */
#include "http1_parse.h"

#include <string.h>
#include <sys/types.h>

#include "macros.h"

/* tchar (RFC 9110 5.6.2) */
static const bool tchar_tab[256] = {
        ['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true, ['!'] = true,
        ['#'] = true,         ['$'] = true,         ['%'] = true,         ['&'] = true,
        ['\''] = true,        ['*'] = true,         ['+'] = true,         ['-'] = true,
        ['.'] = true,         ['^'] = true,         ['_'] = true,         ['`'] = true,
        ['|'] = true,         ['~'] = true,
};

/* field-vchar / SP / HTAB (RFC 9110 5.5); also reason-phrase (RFC 9112 4). NUL, CR, LF, the
 * other CTLs and DEL are absent. */
static const bool fchar_tab[256] = {
        ['\t'] = true,
        [' ' ... '~'] = true,
        [0x80 ... 0xff] = true,
};

/* Path and query bytes of a request-target (origin-form, and absolute-form after its
 * authority): every VCHAR but "#", and bytes above 0x7f. RFC 3986 3.3 and 3.4 allow fewer
 * (not "\"", "<", ">", "\\", "^", "`", "{", "|", "}", nor a "%" without two HEXDIG after it,
 * nor raw UTF-8), but clients send them unencoded, HAProxy passes the ASCII ones on and nginx
 * all of them, and the target is forwarded byte for byte, so a server reads what the client
 * sent. (HAProxy 2.6 refuses most bytes above 0x7f unless "option
 * accept-invalid-http-request"; raw UTF-8 paths from applications are served by sluice as by
 * nginx.) Refused: NUL, the other CTLs, DEL and SP (which ends the target), as HAProxy does
 * even with that option; and "#", which would start a fragment (RFC 9112 3.2 sends none)
 * where a server may cut the path that the proxy's rules saw whole (HAProxy refuses it since
 * CVE-2023-45539). */
static const bool target_tab[256] = {
        ['!' ... '"'] = true,
        ['$' ... '~'] = true,
        [0x80 ... 0xff] = true,
};

/* reg-name without pct-encoded (RFC 3986 3.2.2), minus ",": RFC 9110 5.3 lets recipients
 * join field lines with commas, so a comma would make one Host look like two (strict). */
static const bool regname_tab[256] = {
        ['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true, ['-'] = true,
        ['.'] = true,         ['_'] = true,         ['~'] = true,         ['!'] = true,
        ['$'] = true,         ['&'] = true,         ['\''] = true,        ['('] = true,
        [')'] = true,         ['*'] = true,         ['+'] = true,         [';'] = true,
        ['='] = true,
};

/* scheme characters after the first ALPHA (RFC 3986 3.1) */
static const bool scheme_tab[256] = {
        ['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true,
        ['+'] = true,         ['-'] = true,         ['.'] = true,
};

/* qdtext (RFC 9110 5.6.4) */
static const bool qdtext_tab[256] = {
        ['\t'] = true,        [' '] = true,         ['!'] = true,
        ['#' ... '['] = true, [']' ... '~'] = true, [0x80 ... 0xff] = true,
};

/* HEXDIG value plus one; 0 for anything else */
static const uint8_t hex_tab[256] = {
        ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
        ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['A'] = 11, ['B'] = 12,
        ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16, ['a'] = 11, ['b'] = 12,
        ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

static inline unsigned char uc(char c)
{
        return (unsigned char)c;
}

static inline bool is_ows(char c)
{
        return c == ' ' || c == '\t';
}

static inline bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static inline bool is_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool all_tchar(struct sl_str s)
{
        if (s.len == 0)
                return false;
        for (size_t i = 0; i < s.len; i++)
                if (!tchar_tab[uc(s.ptr[i])])
                        return false;
        return true;
}

/* Characters of @tab plus pct-encoded ("%" HEXDIG HEXDIG, RFC 3986 2.1). */
static bool uri_chars_valid(const char *p, size_t n, const bool tab[256])
{
        for (size_t i = 0; i < n; i++) {
                if (p[i] == '%') {
                        if (n - i < 3 || !hex_tab[uc(p[i + 1])] || !hex_tab[uc(p[i + 2])])
                                return false;
                        i += 2;
                } else if (!tab[uc(p[i])]) {
                        return false;
                }
        }
        return true;
}

/* Path and query of a request-target: every byte in target_tab (no pct-encoded check). */
static bool target_chars_valid(const char *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!target_tab[uc(p[i])])
                        return false;
        return true;
}

/* uri-host [ ":" port ] (RFC 9110 4.2.1, 7.2; RFC 3986 3.2.2, 3.2.3). Strict: an IP-literal
 * holds only HEXDIG, ":" and "." (IPvFuture refused), and a ":" needs 1 to 5 digits up to
 * 65535 (RFC 3986 allows an empty port). */
static bool host_valid(const char *p, size_t n, bool need_host, bool need_port)
{
        const char *end = p + n, *q;
        unsigned port = 0;

        if (n && p[0] == '[') {
                bool colon = false;

                for (q = p + 1; q < end && (hex_tab[uc(*q)] || *q == ':' || *q == '.'); q++)
                        colon |= *q == ':';
                if (q == end || *q != ']' || !colon)
                        return false;
                q++;
        } else {
                q = n ? memchr(p, ':', n) : NULL;
                if (!q)
                        q = end;
                if (!uri_chars_valid(p, (size_t)(q - p), regname_tab))
                        return false;
                if (q == p && need_host)
                        return false;
        }
        if (q == end)
                return !need_port;
        if (*q != ':' || end - q < 2 || end - q > 6)
                return false;
        for (q++; q < end; q++) {
                if (!is_digit(*q))
                        return false;
                port = port * 10 + (unsigned)(*q - '0');
        }
        return port <= 65535;
}

/* absolute-form (RFC 9112 3.2.2). Strict: the authority ("//") is required, as every scheme a
 * proxy serves (http, https: RFC 9110 4.2) has one, and userinfo is refused (RFC 9110 4.2.4
 * says to treat it as an error); "@" is not a reg-name character. */
static bool absolute_valid(const char *p, size_t n)
{
        size_t i = 1, a;

        if (n == 0 || !is_alpha(p[0]))
                return false;
        while (i < n && scheme_tab[uc(p[i])])
                i++;
        if (n - i < 3 || memcmp(p + i, "://", 3) != 0)
                return false;
        i += 3;
        for (a = i; i < n && p[i] != '/' && p[i] != '?'; i++)
                ;
        /* RFC 9110 4.2.1: an http URI with an empty host MUST be rejected */
        if (!host_valid(p + a, i - a, true, false))
                return false;
        return target_chars_valid(p + i, n - i);
}

bool h1_token_valid(struct sl_str s)
{
        return all_tchar(s);
}

bool h1_target_chars_valid(struct sl_str s)
{
        return target_chars_valid(s.ptr, s.len);
}

enum http_meth h1_method_lookup(struct sl_str m)
{
        static const struct sl_str names[HTTP_METH_COUNT] = {
                [HTTP_METH_GET] = SL_STR_LIT("GET"),
                [HTTP_METH_HEAD] = SL_STR_LIT("HEAD"),
                [HTTP_METH_POST] = SL_STR_LIT("POST"),
                [HTTP_METH_PUT] = SL_STR_LIT("PUT"),
                [HTTP_METH_DELETE] = SL_STR_LIT("DELETE"),
                [HTTP_METH_CONNECT] = SL_STR_LIT("CONNECT"),
                [HTTP_METH_OPTIONS] = SL_STR_LIT("OPTIONS"),
                [HTTP_METH_TRACE] = SL_STR_LIT("TRACE"),
                [HTTP_METH_PATCH] = SL_STR_LIT("PATCH"),
        };

        /* methods are case-sensitive (RFC 9110 9.1): "get" is some other method */
        for (int m_i = HTTP_METH_OTHER + 1; m_i < HTTP_METH_COUNT; m_i++)
                if (sl_str_eq(m, names[m_i]))
                        return (enum http_meth)m_i;
        return HTTP_METH_OTHER;
}

/* HTTP-version (RFC 9112 2.3): %s"HTTP/" DIGIT "." DIGIT, case-sensitive. Any well-formed
 * version other than 1.0 and 1.1 is H1_E_VERSION (strict: RFC 9110 2.5 would let 1.2 be read
 * as 1.1; we answer 505 instead). */
static int version_parse(const char *p, size_t n, enum http_ver *ret_version)
{
        if (n != 8 || memcmp(p, "HTTP/", 5) != 0 || !is_digit(p[5]) || p[6] != '.' ||
            !is_digit(p[7]))
                return -EBADMSG;
        /* RFC 9112 2.3: a higher minor version of a major one we implement is processed as
         * the highest we know, 1.1 (and forwarded as such: sluice writes its own lines) */
        if (p[5] != '1')
                return H1_E_VERSION;
        *ret_version = p[7] == '0' ? HTTP_VER_1_0 : HTTP_VER_1_1;
        return 0;
}

/* The bytes of the 8-byte word @w below 0x20 or a DEL, as the high bit of each in the mask
 * returned (0: none). A borrow only crosses into the next byte from a byte that matched, so
 * the first byte marked in memory order is exact (bits after it may not be). */
static inline uint64_t word_ctl_mask(uint64_t w)
{
        const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
        uint64_t del = w ^ (0x7f * ones);

        return (((w - 0x20 * ones) & ~w) | ((del - ones) & ~del)) & highs;
}

/* The index in memory order of the first byte a non-zero word_ctl_mask() marks */
static inline unsigned first_marked(uint64_t mask)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        return (unsigned)__builtin_ctzll(mask) / 8;
#else
        return (unsigned)__builtin_clzll(mask) / 8;
#endif
}

/* The bytes of the 8-byte word @w that are CR or LF, marked as word_ctl_mask() marks them */
static inline uint64_t word_crlf_mask(uint64_t w)
{
        const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
        uint64_t cr = w ^ ('\r' * ones), lf = w ^ ('\n' * ones);

        return (((cr - ones) & ~cr) | ((lf - ones) & ~lf)) & highs;
}

/* Internal result of line_find(): the line's content is over its size budget. */
#define LINE_TOO_LONG (-E2BIG)

/* Length of the line starting at @off, up to (not including) its CRLF, once the CRLF is in
 * @buf; at most @max bytes before the CRLF. RFC 9112 2.2 lets a recipient accept a bare LF
 * as a line terminator; strict: CR must be followed by LF and LF preceded by CR everywhere.
 * The first CR or LF is looked for eight bytes at a time, and no further than the budget. */
static ssize_t line_find(const char *buf, size_t len, size_t off, size_t max)
{
        size_t stop = len - off > max ? off + max + 1 : len, i = off;

        while (stop - i >= 8) {
                uint64_t w, m;

                memcpy(&w, buf + i, 8);
                m = word_crlf_mask(w);
                if (m) {
                        i += first_marked(m);
                        goto found;
                }
                i += 8;
        }
        for (; i < stop; i++)
                if (buf[i] == '\r' || buf[i] == '\n')
                        goto found;
        /* no CR or LF in the budget: too long once a byte past it is in */
        return len - off > max ? LINE_TOO_LONG : -EAGAIN;
found:
        if (buf[i] == '\n')
                return -EBADMSG;
        if (i + 1 == len)
                return -EAGAIN;
        if (buf[i + 1] != '\n')
                return -EBADMSG;
        return (ssize_t)(i - off);
}

/* field-line = field-name ":" OWS field-value OWS (RFC 9112 5). No whitespace is allowed
 * between name and colon (RFC 9112 5.1: MUST reject with 400). A line starting with SP or
 * HTAB is obs-fold, and whitespace before the first field is RFC 9112 2.2's attack vector:
 * neither starts with a tchar, so both are rejected here (strict: RFC 9112 5.2 also allows
 * replacing obs-fold with SP). */
static int field_line_parse(const char *p, size_t n, struct http_hdr *ret_header)
{
        size_t i = 0, v, e;

        while (i < n && tchar_tab[uc(p[i])])
                i++;
        if (i == 0 || i == n || p[i] != ':')
                return -EBADMSG;
        for (v = i + 1; v < n && is_ows(p[v]); v++)
                ;
        for (e = n; e > v && is_ows(p[e - 1]); e--)
                ;
        for (size_t j = v; j < e; j++)
                if (!fchar_tab[uc(p[j])])
                        return -EBADMSG;
        ret_header->name = sl_str_make(p, i);
        ret_header->value = sl_str_make(p + v, e - v);
        return 0;
}

/* The field line at @off of @buf, in one pass, when it is whole and valid and ends within
 * @max bytes (as line_find() counts them): its length up to the CRLF, and its name and value
 * into @ret_header. Returns -1 for anything else (an incomplete, invalid or too long line),
 * which line_find() and field_line_parse() then judge, so every error is what they say. The
 * value's bytes are checked eight at a time: field values are most of a head's bytes. */
static ssize_t field_line_fast(const char *buf, size_t len, size_t off, size_t max,
                               struct http_hdr *ret_header)
{
        const char *p = buf + off, *end = buf + (len - off > max ? off + max + 1 : len);
        const char *q = p, *v, *e;

        while (q < end && tchar_tab[uc(*q)])
                q++;
        if (q == p || q == end || *q != ':')
                return -1;
        ret_header->name = sl_str_make(p, (size_t)(q - p));
        for (q++; q < end && is_ows(*q); q++)
                ;
        v = q;
        /* eight bytes at a time to the first control byte (the CR, or a tab to step over) */
        while (end - q >= 8) {
                uint64_t w, m;

                memcpy(&w, q, 8);
                m = word_ctl_mask(w);
                if (!m) {
                        q += 8;
                        continue;
                }
                q += first_marked(m);
                if (*q != '\t')
                        break;
                q++;
        }
        while (q < end && fchar_tab[uc(*q)])
                q++;
        /* the CR within the budget, its LF in @buf */
        if (q == end || *q != '\r' || (size_t)(q + 1 - buf) == len || q[1] != '\n')
                return -1;
        for (e = q; e > v && is_ows(e[-1]); e--)
                ;
        ret_header->value = sl_str_make(v, (size_t)(e - v));
        return q - p;
}

/* Field lines from @off through the empty line. Returns the offset past the final CRLF. */
static int fields_parse(const char *buf, size_t len, size_t off, size_t max_head,
                        struct http_hdr *headers, size_t max_headers, size_t *ret_n)
{
        size_t n = 0;

        for (;;) {
                struct http_hdr scratch;
                ssize_t l;
                int r;

                if (off == len)
                        return -EAGAIN;
                if (max_head - off < 2)
                        return H1_E_TOO_LARGE;
                if (buf[off] == '\r') { /* the empty line: as line_find(buf, len, off, 0) */
                        if (off + 1 == len)
                                return -EAGAIN;
                        if (buf[off + 1] != '\n')
                                return -EBADMSG;
                        break;
                }
                /* a field line needs room for its CRLF and the final CRLF */
                if (max_head - off < 4)
                        return H1_E_TOO_LARGE;
                l = field_line_fast(buf, len, off, max_head - off - 4,
                                    n < max_headers ? &headers[n] : &scratch);
                if (l < 0) {
                        l = line_find(buf, len, off, max_head - off - 4);
                        if (l == LINE_TOO_LONG)
                                return H1_E_TOO_LARGE;
                        if (l < 0)
                                return (int)l;
                        if (n == max_headers)
                                return H1_E_TOO_LARGE;
                        r = field_line_parse(buf + off, (size_t)l, &headers[n]);
                        if (r < 0)
                                return r;
                } else if (n == max_headers) {
                        return H1_E_TOO_LARGE;
                }
                n++;
                off += (size_t)l + 2;
        }
        *ret_n = n;
        return (int)(off + 2);
}

int h1_parse_trailers(const char *buf, size_t len, struct http_hdr *headers, size_t max_headers,
                      size_t *ret_n)
{
        size_t n = 0;
        int r;

        if (len > INT32_MAX)
                return H1_E_TOO_LARGE;
        r = fields_parse(buf, len, 0, len, headers, max_headers, &n);
        if (r == -EAGAIN)
                return -EBADMSG; /* the section must end with its empty line */
        if (r < 0)
                return r;
        *ret_n = n;
        return r;
}

/* Caps a limit so that byte offsets fit the int result. */
static size_t head_limit(size_t max)
{
        return SL_MIN(max, (size_t)INT32_MAX);
}

/* request-target (RFC 9112 3.2) for @method; returns its form or -EBADMSG. */
static int target_parse(const char *p, size_t n, enum http_meth method)
{
        /* RFC 9112 3.2.3: CONNECT takes authority-form, and nothing else does */
        if (method == HTTP_METH_CONNECT)
                return host_valid(p, n, true, true) ? H1_TARGET_AUTHORITY : -EBADMSG;
        /* RFC 9112 3.2.4: "*" is for server-wide OPTIONS only */
        if (n == 1 && p[0] == '*')
                return method == HTTP_METH_OPTIONS ? H1_TARGET_ASTERISK : -EBADMSG;
        if (p[0] == '/')
                return target_chars_valid(p, n) ? H1_TARGET_ORIGIN : -EBADMSG;
        return absolute_valid(p, n) ? H1_TARGET_ABSOLUTE : -EBADMSG;
}

/* request-line = method SP request-target SP HTTP-version (RFC 9112 3): exactly one SP each
 * (strict: RFC 9112 3 lets a recipient split on any whitespace). */
static int request_line_parse(const char *p, size_t n, struct h1_request *req)
{
        size_t i = 0, t;
        int form, r;

        while (i < n && tchar_tab[uc(p[i])])
                i++;
        if (i == 0 || i == n || p[i] != ' ')
                return -EBADMSG;
        req->method_name = sl_str_make(p, i);
        req->method = h1_method_lookup(req->method_name);
        t = ++i;
        while (i < n && p[i] != ' ')
                i++;
        if (i == t || i == n)
                return -EBADMSG;
        req->target = sl_str_make(p + t, i - t);
        form = target_parse(p + t, i - t, req->method);
        r = version_parse(p + i + 1, n - i - 1, &req->version);
        /* a malformed line is a 400 even if it also names an unknown version */
        if (form < 0 || r == -EBADMSG)
                return -EBADMSG;
        req->target_form = (enum h1_target_form)form;
        return r;
}

/* Whether the first @n bytes of a request line that is not complete yet can still start a
 * valid one: method = token, ended by SP. */
static bool method_prefix_valid(const char *p, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                if (p[i] == ' ')
                        return i > 0;
                if (!tchar_tab[uc(p[i])])
                        return false;
        }
        return true;
}

int h1_parse_request(const char *buf, size_t len, const struct h1_limits *lim,
                     struct http_hdr *headers, size_t max_headers, struct h1_request *ret_req)
{
        size_t max_head = head_limit(lim->max_head_size), off = 0, max, n_headers;
        struct h1_request req;
        ssize_t l;
        int r;

        /* RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request-line;
         * a few, each a full CRLF */
        for (int n_empty = 0;; n_empty++) {
                if (off == len)
                        return -EAGAIN;
                if (buf[off] != '\r')
                        break;
                if (off + 1 == len)
                        return -EAGAIN;
                if (buf[off + 1] != '\n' || n_empty == H1_MAX_LEADING_EMPTY_LINES)
                        return -EBADMSG;
                off += 2;
        }
        /* the request-line's CRLF and the final CRLF must fit */
        if (max_head < off + 4)
                return H1_E_TOO_LARGE;
        max = SL_MIN(lim->max_line_size, max_head - off - 4);
        l = line_find(buf, len, off, max);
        if (l == LINE_TOO_LONG)
                return max == lim->max_line_size ? H1_E_URI_TOO_LONG : H1_E_TOO_LARGE;
        if (l == -EAGAIN && !method_prefix_valid(buf + off, len - off))
                /* no need to wait for the line: it cannot be a request (a TLS handshake
                 * on a plain port, say) */
                return -EBADMSG;
        if (l < 0)
                return (int)l;
        r = request_line_parse(buf + off, (size_t)l, &req);
        if (r < 0)
                return r;
        r = fields_parse(buf, len, off + (size_t)l + 2, max_head, headers, max_headers, &n_headers);
        if (r < 0)
                return r;
        req.headers = headers;
        req.n_headers = n_headers;
        *ret_req = req;
        return r;
}

/* ---- where a head went wrong (show errors) ---- */

/* The offset of the first byte of field-lines from @off that breaks their grammar, or @len
 * when they are well formed as far as they go. */
static size_t fields_error_offset(const char *buf, size_t len, size_t off)
{
        while (off < len) {
                size_t i = off;

                if (buf[i] == '\r')
                        return i + 1 < len && buf[i + 1] != '\n' ? i + 1 : len;
                while (i < len && tchar_tab[uc(buf[i])])
                        i++;
                if (i < len && (i == off || buf[i] != ':'))
                        return i;
                for (i++; i < len && (fchar_tab[uc(buf[i])] || is_ows(buf[i])); i++)
                        ;
                if (i < len && buf[i] != '\r')
                        return i;
                if (i + 1 < len && buf[i + 1] != '\n')
                        return i + 1;
                off = i + 2;
        }
        return len;
}

/* The offset of the first byte of the request-target @p[0..@n) that is not allowed there */
static size_t target_error_offset(const char *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!target_tab[uc(p[i])])
                        return i;
        return 0; /* its characters are valid; its form is not: its start */
}

size_t h1_error_offset(const char *buf, size_t len, bool response)
{
        size_t i = 0, t;

        while (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
                i += 2;
        if (response) {
                static const char v[] = "HTTP/d.d ddd ";

                for (size_t k = 0; k < sizeof(v) - 1; k++, i++) {
                        if (i >= len)
                                return len;
                        if (v[k] == 'd' ? !is_digit(buf[i]) : buf[i] != v[k])
                                return i;
                }
                while (i < len && fchar_tab[uc(buf[i])])
                        i++;
        } else {
                t = i;
                while (i < len && tchar_tab[uc(buf[i])])
                        i++;
                if (i >= len)
                        return len;
                if (i == t || buf[i] != ' ')
                        return i;
                t = ++i;
                while (i < len && buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
                        i++;
                if (i >= len)
                        return len;
                if (i == t || buf[i] != ' ')
                        return i;
                if (target_error_offset(buf + t, i - t) || !target_tab[uc(buf[t])])
                        return t + target_error_offset(buf + t, i - t);
                t = ++i;
                for (size_t k = 0; k < 8; k++, i++) {
                        if (i >= len)
                                return len;
                        if (k == 5 || k == 7 ? !is_digit(buf[i])
                            : k == 6         ? buf[i] != '.'
                                             : buf[i] != "HTTP/"[k])
                                return i;
                }
        }
        if (i >= len)
                return len;
        if (buf[i] != '\r')
                return i;
        if (i + 1 < len && buf[i + 1] != '\n')
                return i + 1;
        return fields_error_offset(buf, len, i + 2);
}

size_t h1_framing_error_offset(const char *buf, size_t len, const struct http_hdr *headers,
                               size_t n)
{
        int cl = -1, te = -1;

        for (size_t i = 0; i < n; i++) {
                const struct http_hdr *h = &headers[i];

                if (h->value.ptr < buf || h->value.ptr > buf + len)
                        continue;
                if (sl_str_ieq(h->name, SL_STR_LIT("content-length"))) {
                        for (size_t k = 0; k < h->value.len; k++)
                                if (!is_digit(h->value.ptr[k]))
                                        return (size_t)(h->value.ptr + k - buf);
                        if (cl >= 0)
                                return (size_t)(h->value.ptr - buf); /* a second one */
                        cl = (int)i;
                } else if (sl_str_ieq(h->name, SL_STR_LIT("transfer-encoding")) && te < 0) {
                        te = (int)i;
                }
        }
        if (te >= 0)
                return (size_t)(headers[te].value.ptr - buf);
        return len;
}

/* status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4). Strict: the
 * second SP is required even with an empty reason, and the code must be 100 .. 599 (RFC 9110
 * 15). */
static int status_line_parse(const char *p, size_t n, struct h1_response *resp)
{
        int r;

        if (n < 13 || p[8] != ' ' || !is_digit(p[9]) || !is_digit(p[10]) || !is_digit(p[11]) ||
            p[12] != ' ' || p[9] < '1' || p[9] > '5')
                return -EBADMSG;
        for (size_t i = 13; i < n; i++)
                if (!fchar_tab[uc(p[i])])
                        return -EBADMSG;
        r = version_parse(p, 8, &resp->version);
        if (r < 0)
                return r;
        resp->status = (unsigned)(p[9] - '0') * 100 + (unsigned)(p[10] - '0') * 10 +
                       (unsigned)(p[11] - '0');
        resp->reason = sl_str_make(p + 13, n - 13);
        return 0;
}

int h1_parse_response(const char *buf, size_t len, const struct h1_limits *lim,
                      struct http_hdr *headers, size_t max_headers, struct h1_response *ret_resp)
{
        size_t max_head = head_limit(lim->max_head_size), max, n_headers;
        struct h1_response resp;
        ssize_t l;
        int r;

        if (max_head < 4)
                return H1_E_TOO_LARGE;
        max = SL_MIN(lim->max_line_size, max_head - 4);
        l = line_find(buf, len, 0, max);
        if (l == LINE_TOO_LONG)
                return max == lim->max_line_size ? H1_E_URI_TOO_LONG : H1_E_TOO_LARGE;
        if (l < 0)
                return (int)l;
        r = status_line_parse(buf, (size_t)l, &resp);
        if (r < 0)
                return r;
        r = fields_parse(buf, len, (size_t)l + 2, max_head, headers, max_headers, &n_headers);
        if (r < 0)
                return r;
        resp.headers = headers;
        resp.n_headers = n_headers;
        *ret_resp = resp;
        return r;
}

int h1_list_next(struct sl_str *rest, struct sl_str *ret_elem)
{
        const char *p = rest->ptr, *end, *comma, *e;

        if (!p)
                return 0;
        end = p + rest->len;
        comma = memchr(p, ',', rest->len);
        e = comma ? comma : end;
        while (p < e && is_ows(*p))
                p++;
        while (e > p && is_ows(e[-1]))
                e--;
        *ret_elem = sl_str_make(p, (size_t)(e - p));
        *rest = comma ? sl_str_make(comma + 1, (size_t)(end - comma - 1)) : SL_STR_NULL;
        return 1;
}

int h1_header_find(const struct http_hdr *headers, size_t n, size_t from, struct sl_str name)
{
        for (size_t i = from; i < n; i++)
                if (sl_str_ieq(headers[i].name, name))
                        return (int)i;
        return -ENOENT;
}

/* The options of one Connection field's value, added to *@flags; -EBADMSG when an element
 * is not a token. */
static int connection_value(struct sl_str v, unsigned *flags)
{
        struct sl_str e;

        while (h1_list_next(&v, &e)) {
                if (e.len == 0)
                        continue;
                if (!all_tchar(e))
                        return -EBADMSG;
                if (sl_str_ieq(e, SL_STR_LIT("close")))
                        *flags |= H1_CONN_CLOSE;
                else if (sl_str_ieq(e, SL_STR_LIT("keep-alive")))
                        *flags |= H1_CONN_KEEP_ALIVE;
                else if (sl_str_ieq(e, SL_STR_LIT("upgrade")))
                        *flags |= H1_CONN_UPGRADE;
                else
                        *flags |= H1_CONN_OTHER;
        }
        return 0;
}

bool h1_te_lists_trailers(struct sl_str v)
{
        struct sl_str e;

        while (h1_list_next(&v, &e)) {
                const char *semi = memchr(e.ptr, ';', e.len);

                if (semi)
                        e.len = (size_t)(semi - e.ptr);
                while (e.len && (e.ptr[e.len - 1] == ' ' || e.ptr[e.len - 1] == '\t'))
                        e.len--;
                if (sl_str_ieq(e, SL_STR_LIT("trailers")))
                        return true;
        }
        return false;
}

bool h1_header_is_hop_by_hop(const struct http_hdr *headers, size_t n, struct sl_str name)
{
        static const struct sl_str fixed[] = {
                SL_STR_LIT("connection"),        SL_STR_LIT("keep-alive"),
                SL_STR_LIT("proxy-connection"),  SL_STR_LIT("te"),
                SL_STR_LIT("transfer-encoding"), SL_STR_LIT("upgrade"),
        };

        for (size_t i = 0; i < SL_ARRAY_SIZE(fixed); i++)
                if (sl_str_ieq(name, fixed[i]))
                        return true;
        for (int i = -1;
             (i = h1_header_find(headers, n, (size_t)(i + 1), SL_STR_LIT("connection"))) >= 0;) {
                struct sl_str rest = headers[i].value, e;

                while (h1_list_next(&rest, &e))
                        if (e.len && sl_str_ieq(e, name))
                                return true;
        }
        return false;
}

/* What the framing fields of one message say, before the method and status are considered. */
struct framing_fields {
        size_t n_cl;       /* Content-Length field lines */
        uint64_t cl;       /* their value */
        size_t n_te;       /* Transfer-Encoding field lines */
        size_t n_codings;  /* transfer-codings over all of them */
        size_t n_chunked;  /* how many are "chunked" */
        bool last_chunked; /* the final coding is "chunked" */
        bool bad;          /* a value is malformed, or the codings are (see below) */
};

/* Content-Length (RFC 9110 8.6): 1*DIGIT. Strict: a list ("5, 5") or a second field line is
 * refused even when the values agree, which 8.6 would allow, and the value must fit 2^63 - 1:
 * anything larger is refused before it can wrap (8.6 warns of overflows), however many digits.
 * Leading zeros are digits like any other: "0005" is 5, as 1*DIGIT says and HAProxy reads it.
 * Transfer-Encoding (RFC 9112 6.1): a list of transfer-codings. Strict: empty elements and
 * transfer-parameters are refused (RFC 9110 5.6.1 says to ignore empty elements; chunked has no
 * parameters), so "chunked" is the only way to spell chunked. */
static void framing_content_length(struct framing_fields *f, struct sl_str v)
{
        unsigned long long cl;

        if (++f->n_cl > 1 || sl_str_to_u64(v, INT64_MAX, &cl) < 0)
                f->bad = true;
        else
                f->cl = cl;
}

static void framing_transfer_encoding(struct framing_fields *f, struct sl_str v)
{
        struct sl_str e;

        f->n_te++;
        while (h1_list_next(&v, &e)) {
                if (!all_tchar(e))
                        f->bad = true;
                f->n_codings++;
                f->last_chunked = sl_str_ieq(e, SL_STR_LIT("chunked"));
                f->n_chunked += f->last_chunked;
        }
}

/* What the analysis of a head needs of its fields, found in one pass over them */
struct fields_seen {
        int host; /* the first Host field, -1: none */
        unsigned n_host;
        unsigned conn; /* H1_CONN_* of the Connection fields */
        bool conn_bad; /* a Connection element is not a token */
        struct framing_fields f;
};

static void fields_scan(const struct http_hdr *headers, size_t n, struct fields_seen *ret)
{
        struct fields_seen s = {.host = -1};

        for (size_t i = 0; i < n; i++) {
                const struct http_hdr *h = &headers[i];

                /* by length first: most fields are none of these */
                switch (h->name.len) {
                case 4:
                        if (h1_name_is(h->name, SL_STR_LIT("host"))) {
                                if (s.host < 0)
                                        s.host = (int)i;
                                s.n_host++;
                        }
                        break;
                case 10:
                        if (h1_name_is(h->name, SL_STR_LIT("connection")) &&
                            connection_value(h->value, &s.conn) < 0)
                                s.conn_bad = true;
                        break;
                case 14:
                        if (h1_name_is(h->name, SL_STR_LIT("content-length")))
                                framing_content_length(&s.f, h->value);
                        break;
                case 17:
                        if (h1_name_is(h->name, SL_STR_LIT("transfer-encoding")))
                                framing_transfer_encoding(&s.f, h->value);
                        break;
                default:
                        break;
                }
        }
        /* RFC 9112 6.1: chunked MUST NOT be applied more than once, and only last. Strict for
         * responses too, which 6.3 item 4 would read until close */
        if (s.f.n_chunked > 1 || (s.f.n_chunked == 1 && !s.f.last_chunked))
                s.f.bad = true;
        *ret = s;
}

/* The authority of a valid absolute-form target: after "://", up to the path or query. */
static struct sl_str absolute_authority(struct sl_str target)
{
        const char *p = memchr(target.ptr, ':', target.len), *end = target.ptr + target.len, *a;

        if (!p || end - p < 3)
                return SL_STR_NULL;
        a = p + 3;
        for (p = a; p < end && *p != '/' && *p != '?'; p++)
                ;
        return sl_str_make(a, (size_t)(p - a));
}

int h1_analyze_request(const struct h1_request *req, struct h1_framing *ret_framing)
{
        struct h1_framing fr = {.body = HTTP_BODY_NONE};
        struct fields_seen seen;
        const struct framing_fields *f = &seen.f;

        fields_scan(req->headers, req->n_headers, &seen);
        /* RFC 9112 3.2: 400 for an HTTP/1.1 request without Host, any request with more than
         * one Host field line, or an invalid Host value */
        if (seen.host < 0) {
                if (req->version == HTTP_VER_1_1)
                        return -EBADMSG;
                fr.host = sl_str_make("", 0);
        } else {
                fr.host = req->headers[seen.host].value;
                if (seen.n_host > 1)
                        return -EBADMSG;
                /* RFC 9110 7.2: empty when the target URI has no authority */
                if (!host_valid(fr.host.ptr, fr.host.len, false, false))
                        return -EBADMSG;
                /* RFC 9112 3.2.2: with an absolute-form target the server uses its authority,
                 * not Host; a proxy that routed on a different Host would be fooled, so the
                 * two must agree (as HAProxy requires) */
                if (req->target_form == H1_TARGET_ABSOLUTE &&
                    !sl_str_ieq(absolute_authority(req->target), fr.host))
                        return -EBADMSG;
        }
        if (seen.conn_bad || f->bad)
                return -EBADMSG;
        fr.conn = seen.conn;
        if (f->n_te) {
                /* RFC 9112 6.1: TE in HTTP/1.0 means faulty framing; TE with Content-Length
                 * MAY be rejected, and is: the smuggling classic (RFC 9112 11.2) */
                if (req->version == HTTP_VER_1_0 || f->n_cl)
                        return -EBADMSG;
                /* RFC 9112 6.3: chunked not final in a request MUST be 400 */
                if (!f->last_chunked)
                        return -EBADMSG;
                /* RFC 9112 6.1: a coding the server does not understand SHOULD be 501; we
                 * decode no other coding */
                if (f->n_codings > 1)
                        return H1_E_CODING;
                fr.body = HTTP_BODY_CHUNKED;
        } else if (f->n_cl) {
                fr.body = HTTP_BODY_LENGTH;
                fr.content_length = f->cl;
        }
        *ret_framing = fr;
        return 0;
}

int h1_analyze_response(const struct h1_response *resp, enum http_meth req_method,
                        struct h1_framing *ret_framing)
{
        struct h1_framing fr = {.body = HTTP_BODY_NONE, .host = sl_str_make("", 0)};
        struct fields_seen seen;
        const struct framing_fields *f = &seen.f;

        fields_scan(resp->headers, resp->n_headers, &seen);
        if (seen.conn_bad)
                return -EBADMSG;
        fr.conn = seen.conn;
        /* RFC 9110 9.3.6: a client MUST ignore Content-Length and Transfer-Encoding in a 2xx
         * to CONNECT */
        if (req_method == HTTP_METH_CONNECT && resp->status / 100 == 2) {
                fr.body = HTTP_BODY_TUNNEL;
                *ret_framing = fr;
                return 0;
        }
        if (f->bad)
                return -EBADMSG;
        /* RFC 9112 6.1: TE in HTTP/1.0 is faulty framing; TE with CL is an error (6.3 item 3).
         * Both are refused even where the status makes the body empty (strict). */
        if (f->n_te && (resp->version == HTTP_VER_1_0 || f->n_cl))
                return -EBADMSG;
        if (resp->status < 200 || resp->status == 204) {
                /* RFC 9110 8.6, 6.1: no Content-Length or TE in 1xx or 204. TE is refused. A
                 * Content-Length on a 204 is a common server bug, and RFC 9112 6.3 item 1
                 * ends the message at the empty line whatever it says: ignored there (and
                 * not forwarded), refused on a 1xx */
                if (f->n_te || (f->n_cl && resp->status != 204))
                        return -EBADMSG;
                /* RFC 9110 15.2.2: after 101 the connection speaks the upgraded protocol */
                fr.body = resp->status == 101 ? HTTP_BODY_TUNNEL : HTTP_BODY_NONE;
        } else if (req_method == HTTP_METH_HEAD || resp->status == 304) {
                fr.body = HTTP_BODY_NONE;
        } else if (f->n_te) {
                /* RFC 9112 6.3 item 4: chunked not final in a response: read until close */
                fr.body = f->last_chunked ? HTTP_BODY_CHUNKED : HTTP_BODY_UNTIL_CLOSE;
        } else if (f->n_cl) {
                fr.body = HTTP_BODY_LENGTH;
                fr.content_length = f->cl;
        } else {
                fr.body = HTTP_BODY_UNTIL_CLOSE;
        }
        *ret_framing = fr;
        return 0;
}

void h1_chunked_init(struct h1_chunked *ck, const struct h1_chunked_limits *lim)
{
        memset(ck, 0, sizeof(*ck));
        ck->state = H1_CK_SIZE_START;
        ck->lim = *lim;
        if (ck->lim.max_chunk_size > INT64_MAX)
                ck->lim.max_chunk_size = INT64_MAX;
}

/* Fields a trailer must not carry (RFC 9110 6.5.1: framing and routing cannot be deferred).
 * Strict: refused outright, so no downstream merge of trailers into the header section can
 * change how the message was framed or routed. */
static bool trailer_name_forbidden(const struct h1_chunked *ck)
{
        static const struct sl_str names[] = {
                SL_STR_LIT("content-length"),
                SL_STR_LIT("transfer-encoding"),
                SL_STR_LIT("host"),
        };
        struct sl_str n = sl_str_make(ck->name, ck->name_len);

        if (ck->name_len > H1_CK_NAME_MAX)
                return false;
        for (size_t i = 0; i < SL_ARRAY_SIZE(names); i++)
                if (sl_str_ieq(n, names[i]))
                        return true;
        return false;
}

/* After a chunk-size or a chunk-ext name or value: whitespace (to @on_ows), the next ";"
 * extension, or the line's CR. */
static int ext_delimiter(struct h1_chunked *ck, char c, enum h1_chunked_state on_ows)
{
        if (is_ows(c))
                ck->state = on_ows;
        else if (c == ';')
                ck->state = H1_CK_EXT_NAME_START;
        else if (c == '\r')
                ck->state = H1_CK_SIZE_LF;
        else
                return -EBADMSG;
        return 0;
}

/* One byte of framing (never chunk-data). Returns 0 or a negative result. */
static int chunked_byte(struct h1_chunked *ck, char c)
{
        unsigned d;

        /* the chunk line's CR is not counted: the limit is on what precedes the CRLF */
        if (ck->state <= H1_CK_EXT_VAL_END && c != '\r' && ++ck->line_len > ck->lim.max_line_size)
                return H1_E_TOO_LARGE;
        if (ck->state >= H1_CK_TRAILER_START && ++ck->trailer_len > ck->lim.max_trailer_size)
                return H1_E_TOO_LARGE;

        switch (ck->state) {
        case H1_CK_SIZE_START:
        case H1_CK_SIZE:
                /* chunk-size = 1*HEXDIG; no sign, no "0x", no whitespace before it. Leading
                 * zeros are valid and cost only line length; a digit that would take the size
                 * past max_chunk_size is refused before it is added, so nothing wraps */
                d = hex_tab[uc(c)];
                if (d) {
                        d--;
                        if (d > ck->lim.max_chunk_size ||
                            ck->size > (ck->lim.max_chunk_size - d) / 16)
                                return H1_E_BODY_TOO_LARGE;
                        ck->size = ck->size * 16 + d;
                        ck->state = H1_CK_SIZE;
                        return 0;
                }
                if (ck->state == H1_CK_SIZE_START)
                        return -EBADMSG;
                /* BWS before ";" only: "5 \r\n" is not chunk-size [ chunk-ext ] CRLF */
                return ext_delimiter(ck, c, H1_CK_EXT_BWS);
        /* chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
         * (RFC 9112 7.1.1); BWS must be parsed (RFC 9110 5.6.3), so it is accepted */
        case H1_CK_EXT_BWS:
                if (c == ';')
                        ck->state = H1_CK_EXT_NAME_START;
                else if (!is_ows(c))
                        return -EBADMSG;
                return 0;
        case H1_CK_EXT_NAME_START:
                if (tchar_tab[uc(c)])
                        ck->state = H1_CK_EXT_NAME;
                else if (!is_ows(c))
                        return -EBADMSG;
                return 0;
        case H1_CK_EXT_NAME:
        case H1_CK_EXT_VAL_TOKEN:
        case H1_CK_EXT_VAL_END:
                if (tchar_tab[uc(c)] && ck->state != H1_CK_EXT_VAL_END)
                        return 0;
                if (c == '=' && ck->state == H1_CK_EXT_NAME) {
                        ck->state = H1_CK_EXT_VAL_START;
                        return 0;
                }
                return ext_delimiter(
                        ck, c, ck->state == H1_CK_EXT_NAME ? H1_CK_EXT_NAME_BWS : H1_CK_EXT_BWS);
        case H1_CK_EXT_NAME_BWS:
                if (c == '=')
                        ck->state = H1_CK_EXT_VAL_START;
                else if (c == ';')
                        ck->state = H1_CK_EXT_NAME_START;
                else if (!is_ows(c))
                        return -EBADMSG;
                return 0;
        case H1_CK_EXT_VAL_START:
                if (tchar_tab[uc(c)])
                        ck->state = H1_CK_EXT_VAL_TOKEN;
                else if (c == '"')
                        ck->state = H1_CK_EXT_VAL_QUOTED;
                else if (!is_ows(c))
                        return -EBADMSG;
                return 0;
        case H1_CK_EXT_VAL_QUOTED:
                if (c == '"')
                        ck->state = H1_CK_EXT_VAL_END;
                else if (c == '\\')
                        ck->state = H1_CK_EXT_VAL_ESCAPE;
                else if (!qdtext_tab[uc(c)])
                        return -EBADMSG;
                return 0;
        case H1_CK_EXT_VAL_ESCAPE:
                /* quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ) (RFC 9110 5.6.4) */
                if (!fchar_tab[uc(c)])
                        return -EBADMSG;
                ck->state = H1_CK_EXT_VAL_QUOTED;
                return 0;
        case H1_CK_SIZE_LF:
                if (c != '\n')
                        return -EBADMSG;
                if (ck->size == 0) {
                        ck->state = H1_CK_TRAILER_START;
                } else {
                        ck->state = H1_CK_DATA;
                }
                return 0;
        case H1_CK_DATA_CR:
                /* RFC 9112 7.1: chunk-data is followed by exactly CRLF */
                if (c != '\r')
                        return -EBADMSG;
                ck->state = H1_CK_DATA_LF;
                return 0;
        case H1_CK_DATA_LF:
                if (c != '\n')
                        return -EBADMSG;
                ck->state = H1_CK_SIZE_START;
                ck->line_len = 0;
                return 0;
        /* trailer-section = *( field-line CRLF ) (RFC 9112 7.1.2), field lines as in a head */
        case H1_CK_TRAILER_START:
                if (c == '\r') {
                        ck->state = H1_CK_FINAL_LF;
                        return 0;
                }
                /* obs-fold and whitespace before the name are rejected as in a head */
                if (!tchar_tab[uc(c)])
                        return -EBADMSG;
                if (++ck->n_trailers > ck->lim.max_trailers)
                        return H1_E_TOO_LARGE;
                ck->name_len = 0;
                ck->state = H1_CK_TRAILER_NAME;
                /* the byte is the name's first */
                __attribute__((fallthrough));
        case H1_CK_TRAILER_NAME:
                if (tchar_tab[uc(c)]) {
                        if (ck->name_len < H1_CK_NAME_MAX)
                                ck->name[ck->name_len] = c;
                        if (ck->name_len <= H1_CK_NAME_MAX)
                                ck->name_len++;
                        return 0;
                }
                if (c != ':' || trailer_name_forbidden(ck))
                        return -EBADMSG;
                ck->state = H1_CK_TRAILER_VALUE;
                return 0;
        case H1_CK_TRAILER_VALUE:
                if (c == '\r')
                        ck->state = H1_CK_TRAILER_LF;
                else if (!fchar_tab[uc(c)])
                        return -EBADMSG;
                return 0;
        case H1_CK_TRAILER_LF:
                if (c != '\n')
                        return -EBADMSG;
                ck->state = H1_CK_TRAILER_START;
                return 0;
        case H1_CK_FINAL_LF:
                if (c != '\n')
                        return -EBADMSG;
                ck->state = H1_CK_DONE;
                return 0;
        case H1_CK_DATA:
        case H1_CK_DONE:
        case H1_CK_COUNT:
                break;
        }
        SL_BUG_ON(1);
        return -EBADMSG;
}

int h1_chunked_parse(struct h1_chunked *ck, const char *buf, size_t len, struct sl_str *ret_data)
{
        size_t i = 0;

        if (ck->state == H1_CK_DONE) {
                *ret_data = sl_str_make(buf, 0);
                return 0;
        }
        if (len == 0)
                return -EAGAIN;
        len = SL_MIN(len, (size_t)INT32_MAX);
        while (i < len) {
                if (ck->state == H1_CK_DATA) {
                        size_t n = (size_t)SL_MIN((uint64_t)(len - i), ck->size);

                        ck->size -= n;
                        if (ck->size == 0)
                                ck->state = H1_CK_DATA_CR;
                        *ret_data = sl_str_make(buf + i, n);
                        return (int)(i + n);
                }
                int r = chunked_byte(ck, buf[i++]);

                if (r < 0)
                        return r;
                if (ck->state == H1_CK_DONE)
                        break;
        }
        *ret_data = sl_str_make(buf + i, 0);
        return (int)i;
}
