#pragma once
/* Strict HTTP/1.1 message parsing (RFC 9112, RFC 9110): request and response heads, message
 * framing (RFC 9112 6), the chunked transfer coding (RFC 9112 7.1) and header helpers.
 *
 * Sans-I/O: every function reads a caller-owned byte range and hands back views into it; none
 * allocates, logs or performs I/O, and every limit is a parameter. Anything ambiguous is
 * rejected: a request that two conforming parsers could frame differently never passes. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http.h"
#include "str.h"

/* Results of the parsers besides a byte count, -EAGAIN (need more bytes) and -EBADMSG
 * (malformed; answer 400 to a client): the protocol-neutral errors of http.h, whose
 * http_error_status() maps each to a status code. */
#define H1_E_TOO_LARGE      HTTP_E_TOO_LARGE      /* head over max_head_size, too many fields */
#define H1_E_URI_TOO_LONG   HTTP_E_URI_TOO_LONG   /* request-line over max_line_size */
#define H1_E_VERSION        HTTP_E_VERSION        /* HTTP-version other than 1.x */
#define H1_E_CODING         HTTP_E_CODING         /* transfer-coding other than chunked */
#define H1_E_BODY_TOO_LARGE HTTP_E_BODY_TOO_LARGE /* chunk-size over the caller's limit */

/* Leading empty lines (CRLF) ignored before a request-line (RFC 9112 2.2); one more is
 * malformed. Responses get none: an extra CRLF from a server means its framing is off. */
#define H1_MAX_LEADING_EMPTY_LINES 4

/* RFC 9112 3.2 */
enum h1_target_form {
        H1_TARGET_ORIGIN = 0, /* absolute-path [ "?" query ] */
        H1_TARGET_ABSOLUTE,   /* scheme "://" authority path-abempty [ "?" query ] */
        H1_TARGET_AUTHORITY,  /* uri-host ":" port, CONNECT only */
        H1_TARGET_ASTERISK,   /* "*", OPTIONS only */
        H1_TARGET_COUNT,
};

struct h1_limits {
        size_t max_head_size; /* bytes from the first byte through the final CRLF */
        size_t max_line_size; /* request-line or status-line bytes before its CRLF */
};

struct h1_request {
        enum http_meth method;
        struct sl_str method_name; /* borrowed; the method token as received */
        enum h1_target_form target_form;
        struct sl_str target; /* borrowed; the request-target as received */
        enum http_ver version;
        struct http_hdr *headers; /* borrowed: the caller's array given to the parser */
        size_t n_headers;
};

struct h1_response {
        enum http_ver version;
        unsigned status;          /* 100 .. 599 */
        struct sl_str reason;     /* borrowed; may be empty */
        struct http_hdr *headers; /* borrowed: the caller's array given to the parser */
        size_t n_headers;
};

/* Parse a request head (optional leading empty lines, request-line, field lines, empty line)
 * at the start of @buf. @headers (@max_headers entries, NULL if 0) is scratch written while
 * parsing; on success *ret_req points into it and into @buf, which must outlive the views.
 *
 * Returns the head's length in bytes (the body, if any, starts there), -EAGAIN if @buf holds
 * a strict prefix of a head that may still be valid, -EBADMSG, H1_E_TOO_LARGE (over
 * max_head_size or more than @max_headers fields), H1_E_URI_TOO_LONG (request-line over
 * max_line_size) or H1_E_VERSION. Nothing is kept between calls: after -EAGAIN, call again
 * with the same bytes plus more; the head is rescanned from its start (picohttpparser). */
int h1_parse_request(const char *buf, size_t len, const struct h1_limits *lim,
                     struct http_hdr *headers, size_t max_headers, struct h1_request *ret_req);

/* The same for a response head (status-line, field lines, empty line), with the same results;
 * H1_E_URI_TOO_LONG here means an over-long status-line. A proxy answers 502 to any error. */
int h1_parse_response(const char *buf, size_t len, const struct h1_limits *lim,
                      struct http_hdr *headers, size_t max_headers, struct h1_response *ret_resp);

/* Where a request (@response: response) head that h1_parse_request() (_response()) or the
 * analysis refused went wrong, for "show errors": the offset of the first byte that breaks
 * the grammar of its start-line or field lines; the start of the target for a target of a
 * form its method does not take; @len when every byte fits the grammar (a framing conflict,
 * an unsupported version, a head too large). Cold: call it after an error only. */
size_t h1_error_offset(const char *buf, size_t len, bool response);

/* For a head whose bytes all fit the grammar but whose framing was refused: the offset of
 * the first non-digit of a Content-Length, of a second Content-Length, or of a
 * Transfer-Encoding's value; @len when none of them is there. @headers point into @buf. */
size_t h1_framing_error_offset(const char *buf, size_t len, const struct http_hdr *headers,
                               size_t n);

/* Status code a server answers a request with after a negative result of this module: 400,
 * 413, 414, 431, 501 or 505. Not meaningful for -EAGAIN. */
static inline int h1_error_status(int r)
{
        return http_error_status(r);
}

/* Connection options (RFC 9112 9.6, RFC 9110 7.6.1) */
#define H1_CONN_CLOSE      (1u << 0)
#define H1_CONN_KEEP_ALIVE (1u << 1)
#define H1_CONN_UPGRADE    (1u << 2)
#define H1_CONN_OTHER      (1u << 3) /* another option: names a hop-by-hop field */

struct h1_framing {
        enum http_body body;
        uint64_t content_length; /* HTTP_BODY_LENGTH only, else 0 */
        unsigned conn;           /* H1_CONN_* from every Connection field line */
        struct sl_str host;      /* requests: the Host value (borrowed), empty if none */
};

/* Check a parsed request's semantics and decide its body framing (RFC 9112 6.1, 6.3;
 * RFC 9110 7.2, 8.6): Host, Content-Length, Transfer-Encoding, Connection. Returns 0 and
 * fills *ret_framing, -EBADMSG (400) or H1_E_CODING (501). */
int h1_analyze_request(const struct h1_request *req, struct h1_framing *ret_framing);

/* A token (RFC 9110 5.6.2), as methods are: at least one tchar. */
bool h1_token_valid(struct sl_str s);
/* Bytes a request-target may hold as sent on a request line (no space, no control). */
bool h1_target_chars_valid(struct sl_str s);
/* The method a token names (case-sensitive), HTTP_METH_OTHER for any other. */
enum http_meth h1_method_lookup(struct sl_str m);

/* The same for a response to a request whose method was @req_method (RFC 9112 6.3): HEAD,
 * 1xx, 204 and 304 have no body, 2xx to CONNECT and 101 switch to a tunnel, otherwise
 * chunked, Content-Length or read until close. Returns 0 or -EBADMSG (502 upstream). */
int h1_analyze_response(const struct h1_response *resp, enum http_meth req_method,
                        struct h1_framing *ret_framing);

/* Next element of a comma-separated list (RFC 9110 5.6.1) of tokens: *rest is the unparsed
 * remainder, to be passed back unchanged; *ret_elem is the element with OWS trimmed, possibly
 * empty. Commas inside quoted strings are not special: use it for token lists only. Returns 1
 * with an element, 0 once the list is exhausted (a SL_STR_NULL *rest has no elements). */
int h1_list_next(struct sl_str *rest, struct sl_str *ret_elem);

/* Does TE field value @v list the "trailers" member (its parameters aside, any case)? */
bool h1_te_lists_trailers(struct sl_str v);

/* Whether the eight bytes at @p match the eight of lower-case literal @l (see h1_name_is()):
 * a letter of @l (0x61..0x7a) is the only byte with both 0x40 and 0x20 set. */
static inline bool h1_name_word_is(const char *p, const char *l)
{
        uint64_t w, lw;

        memcpy(&w, p, 8);
        memcpy(&lw, l, 8);
        return (w | (lw & (lw >> 1) & UINT64_C(0x2020202020202020))) == lw;
}

/* Whether field name @n is @lit, ASCII case-insensitively. @lit is a literal in lower case,
 * made of letters, digits and '-' only (the names of the fields sluice reads). A byte of @n
 * then matches when, with the case bit (0x20) set where @lit has a letter, it equals @lit's
 * byte: exact for any input, and nothing of @n is lower-cased. Inline and written in terms of
 * @lit's length, so that with a literal the words, masks and steps are all constants. */
static inline bool h1_name_is(struct sl_str n, struct sl_str lit)
{
        if (n.len != lit.len)
                return false;
        if (lit.len < 8) {
                for (size_t i = 0; i < lit.len; i++) {
                        unsigned char l = (unsigned char)lit.ptr[i];

                        if (((unsigned char)n.ptr[i] | (l >= 'a' ? 0x20 : 0)) != l)
                                return false;
                }
                return true;
        }
        /* whole words, the last one overlapping the one before when the length is not a
         * multiple of 8 */
        for (size_t at = 0; at + 8 < lit.len; at += 8)
                if (!h1_name_word_is(n.ptr + at, lit.ptr + at))
                        return false;
        return h1_name_word_is(n.ptr + lit.len - 8, lit.ptr + lit.len - 8);
}

/* Index of the first field at or after @from whose name is @name (ASCII case-insensitive),
 * or -ENOENT. */
int h1_header_find(const struct http_hdr *headers, size_t n, size_t from, struct sl_str name);

/* Whether a field named @name must not be forwarded by a proxy (RFC 9110 7.6.1): Connection,
 * Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, and any field the message's
 * own Connection options (in @headers) name. */
bool h1_header_is_hop_by_hop(const struct http_hdr *headers, size_t n, struct sl_str name);

/* Parse a complete trailer section (field lines, then the final CRLF: @len bytes exactly, as
 * h1_chunked_parse() validated them) into @headers. Returns @len and sets *ret_n, or
 * -EBADMSG, or H1_E_TOO_LARGE for more than @max_headers fields. */
int h1_parse_trailers(const char *buf, size_t len, struct http_hdr *headers, size_t max_headers,
                      size_t *ret_n);

/* Chunked transfer coding decoder (RFC 9112 7.1): a byte-wise state machine, so input may be
 * split anywhere. States are internal; only H1_CK_DONE means anything to callers. */
enum h1_chunked_state {
        H1_CK_SIZE_START = 0, /* first HEXDIG of chunk-size */
        H1_CK_SIZE,           /* more HEXDIG, BWS, ";" or CR */
        H1_CK_EXT_BWS,        /* BWS that only ";" may end */
        H1_CK_EXT_NAME_START, /* BWS after ";", then the first tchar of chunk-ext-name */
        H1_CK_EXT_NAME,       /* in chunk-ext-name */
        H1_CK_EXT_NAME_BWS,   /* BWS after chunk-ext-name: "=" or ";" next */
        H1_CK_EXT_VAL_START,  /* BWS after "=", then a token or a quoted-string */
        H1_CK_EXT_VAL_TOKEN,  /* in a token chunk-ext-val */
        H1_CK_EXT_VAL_QUOTED, /* in a quoted-string chunk-ext-val */
        H1_CK_EXT_VAL_ESCAPE, /* after "\" in a quoted-string */
        H1_CK_EXT_VAL_END,    /* after the closing DQUOTE */
        H1_CK_SIZE_LF,        /* CR ending the chunk line seen */
        H1_CK_DATA,           /* chunk-data */
        H1_CK_DATA_CR,        /* CR after chunk-data */
        H1_CK_DATA_LF,        /* LF after chunk-data */
        H1_CK_TRAILER_START,  /* start of a trailer field line or the final CRLF */
        H1_CK_TRAILER_NAME,   /* in a trailer field-name */
        H1_CK_TRAILER_VALUE,  /* in a trailer field-value (OWS included) */
        H1_CK_TRAILER_LF,     /* CR ending a trailer field line seen */
        H1_CK_FINAL_LF,       /* CR of the final CRLF seen */
        H1_CK_DONE,           /* the chunked body is complete */
        H1_CK_COUNT,
};

struct h1_chunked_limits {
        uint64_t max_chunk_size; /* largest chunk-size; capped at 2^63 - 1 */
        size_t max_line_size;    /* chunk-size and chunk-ext bytes before the CRLF */
        size_t max_trailer_size; /* bytes of the trailer section, final CRLF included */
        size_t max_trailers;     /* trailer field lines */
};

/* Longest trailer name compared against the framing fields refused in trailers */
#define H1_CK_NAME_MAX 18

struct h1_chunked {
        struct h1_chunked_limits lim;
        uint64_t size;      /* chunk-size being read, then chunk-data bytes left */
        size_t line_len;    /* bytes of the current chunk line */
        size_t trailer_len; /* bytes of the trailer section */
        size_t n_trailers;  /* trailer field lines seen */
        size_t name_len;    /* bytes of the current trailer name (kept up to H1_CK_NAME_MAX) */
        char name[H1_CK_NAME_MAX]; /* the current trailer name's first bytes */
        enum h1_chunked_state state;
};

void h1_chunked_init(struct h1_chunked *ck, const struct h1_chunked_limits *lim);

/* Decode chunked framing from @buf. Returns the bytes consumed (all of them are valid framing
 * the caller may forward verbatim) and sets *ret_data to the chunk-data within them: it is
 * empty or ends exactly at the last consumed byte, as each call stops after one span of data
 * and at the end of the body. Call again with the remaining bytes while the result is below
 * @len; h1_chunked_done() tells when the body (trailer section included) is complete, and 0 is
 * returned after that. -EAGAIN if @len is 0; -EBADMSG; H1_E_BODY_TOO_LARGE for a chunk-size
 * over max_chunk_size; H1_E_TOO_LARGE for a chunk line or trailer section over its limits.
 * After an error the decoder must be initialised again before any further use. */
int h1_chunked_parse(struct h1_chunked *ck, const char *buf, size_t len, struct sl_str *ret_data);

static inline bool h1_chunked_done(const struct h1_chunked *ck)
{
        return ck->state == H1_CK_DONE;
}

/* Bytes of the trailer section (final CRLF included) a decoder that reached H1_CK_DONE
 * consumed last: the section ends where the decoder stopped. */
static inline size_t h1_chunked_trailer_len(const struct h1_chunked *ck)
{
        return ck->trailer_len;
}
