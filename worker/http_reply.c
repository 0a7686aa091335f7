/* Responses sluice makes itself (see http_reply.h): error pages, errorfiles, and the pieces
 * rules build replies from, with the stream's scratch buffer that holds what they make.
 * Called by http_ana.c and http_ext.c. */
#include "http_reply.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "http1_parse.h"
#include "macros.h"
#include "pool.h"
#include "scratch.h"
#include "stream-t.h"
#include "wctx.h"

/* ---- scratch: values made by rules, kept until the stream ends ---- */

bool http_scratch_printf(struct stream *st, struct sl_str *ret, const char *fmt, ...)
{
        char tmp[2048];
        va_list ap;
        int n;
        char *p;

        va_start(ap, fmt);
        n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= sizeof(tmp) || !(p = scratch_copy(st, tmp, (size_t)n)))
                return false;
        *ret = sl_str_make(p, (size_t)n);
        return true;
}

/* ---- replies ---- */

/* Start a reply of @status in st->res: no fields yet, body given by the caller. */
void http_reply_begin(struct stream *st, unsigned status, bool keep)
{
        struct http_msg *m = &st->res;

        *m = (struct http_msg){
                .status = status,
                .reason = sl_str_from_cstr(http_status_reason(status)),
                .version = HTTP_VER_1_1,
                .hdrs = st->res_hdrs,
                .max_hdrs = STRM_HDR_ROOM,
                .body = HTTP_BODY_LENGTH,
                .flags = keep ? 0 : HTTP_MSG_F_CLOSE,
        };
        st->reply_body = SL_STR_NULL;
        st->reply_sent = 0;
        st->status = status;
}

bool http_reply_hdr(struct stream *st, const char *name, struct sl_str value)
{
        return http_hdr_add(&st->res, sl_str_from_cstr(name), value);
}

/* The body and its Content-Length field (first, as HAProxy writes it). */
bool http_reply_body(struct stream *st, struct sl_str body)
{
        struct sl_str cl;

        st->reply_body = body;
        st->res.content_length = body.len;
        return http_scratch_printf(st, &cl, "%zu", body.len) &&
               http_reply_hdr(st, "content-length", cl);
}

/* The errorfile for @status from the backend, else the frontend. */
const struct cfg_errorfile *http_reply_errorfile_of(const struct stream *st, unsigned status)
{
        const struct cfg_proxy *pxs[2] = {st->be, st->fe};

        for (int i = 0; i < 2; i++) {
                if (!pxs[i])
                        continue;
                for (size_t j = 0; j < pxs[i]->n_errorfiles; j++)
                        if (pxs[i]->errorfiles[j].status == status)
                                return &pxs[i]->errorfiles[j];
        }
        return NULL;
}

/* An errorfile is a whole HTTP/1 response: its head becomes the reply's fields, the rest
 * its body. False when the file is not a valid response (the built-in page is sent). */
bool http_reply_errorfile(struct stream *st, const struct cfg_errorfile *ef, unsigned status)
{
        static const struct h1_limits lim = {.max_head_size = 65536, .max_line_size = 8192};
        struct h1_response res;
        struct h1_framing fr;
        int n;

        n = h1_parse_response(ef->content, ef->len, &lim, st->res_hdrs, HTTP_MAX_HDRS, &res);
        if (n < 0 || h1_analyze_response(&res, HTTP_METH_GET, &fr) < 0 ||
            fr.body == HTTP_BODY_CHUNKED || fr.body == HTTP_BODY_TUNNEL)
                return false;
        http_reply_begin(st, status, false);
        st->res.status = res.status;
        st->res.reason = res.reason;
        st->res.n_hdrs = res.n_headers;
        if (fr.conn & H1_CONN_OTHER)
                st->res.flags |= HTTP_MSG_F_CONN_NAMES;
        /* the log, the error counters and http_err_* count the status the error was for,
         * whatever the file answers (HAProxy's txn->status) */
        st->reply_body = sl_str_make(ef->content + n, ef->len - (size_t)n);
        if (fr.body == HTTP_BODY_LENGTH)
                st->reply_body.len =
                        (size_t)SL_MIN(fr.content_length, (uint64_t)st->reply_body.len);
        st->res.body = fr.body == HTTP_BODY_NONE ? HTTP_BODY_NONE : HTTP_BODY_LENGTH;
        st->res.content_length = st->reply_body.len;
        return true;
}

/* The sentence under the title of a default error page: HAProxy's, byte for byte, for the
 * monitoring that matches them; the reason phrase for the others. */
static const char *error_sentence(unsigned status)
{
        static const struct {
                unsigned status;
                const char *text;
        } sentences[] = {
                {200, "Service ready."},
                {400, "Your browser sent an invalid request."},
                {401, "You need a valid user and password to access this content."},
                {403, "Request forbidden by administrative rules."},
                {404, "The resource could not be found."},
                {405, "A request was made of a resource using a request method not supported by "
                      "that resource"},
                {407, "You need a valid user and password to access this content."},
                {408, "Your browser didn't send a complete request in time."},
                {410, "The resource is no longer available and will not be available again."},
                {413, "The request entity exceeds the maximum allowed."},
                {421, "Request sent to a non-authoritative server."},
                {422, "The server cannot process the contained instructions."},
                {425, "Your browser sent early data."},
                {429, "You have sent too many requests in a given amount of time."},
                {500, "An internal server error occurred."},
                {501, ".The server does not support the functionality required to fulfill the "
                      "request."},
                {502, "The server returned an invalid or incomplete response."},
                {503, "No server is available to handle this request."},
                {504, "The server didn't respond in time."},
        };

        for (size_t i = 0; i < SL_ARRAY_SIZE(sentences); i++)
                if (sentences[i].status == status)
                        return sentences[i].text;
        return http_status_reason(status);
}

bool http_ana_reply_error(struct stream *st, unsigned status)
{
        const struct cfg_errorfile *ef = http_reply_errorfile_of(st, status);
        const char *reason = http_status_reason(status);
        struct sl_str body;

        if (ef && http_reply_errorfile(st, ef, status))
                return true;
        http_reply_begin(st, status, false);
        return http_scratch_printf(st, &body, "<html><body><h1>%u %s</h1>\n%s\n</body></html>\n",
                                   status, reason, error_sentence(status)) &&
               http_reply_body(st, body) &&
               http_reply_hdr(st, "cache-control", SL_STR_LIT("no-cache")) &&
               http_reply_hdr(st, "content-type", SL_STR_LIT("text/html"));
}

/* A request whose body is all there (none, or empty) leaves the connection usable after a
 * reply that did not read it. */
bool http_reply_req_complete(const struct stream *st)
{
        return st->req.body == HTTP_BODY_NONE ||
               (st->req.body == HTTP_BODY_LENGTH && st->req.content_length == 0);
}

bool http_reply_page(struct stream *st, unsigned status, const char *msg)
{
        const struct cfg_errorfile *ef = http_reply_errorfile_of(st, status);
        bool keep = !(st->req.flags & HTTP_MSG_F_CLOSE) && http_reply_req_complete(st);
        struct sl_str body;

        if (ef && http_reply_errorfile(st, ef, status)) {
                if (keep)
                        st->res.flags &= ~(uint32_t)HTTP_MSG_F_CLOSE;
                return true;
        }
        http_reply_begin(st, status, keep);
        return http_scratch_printf(st, &body, "<html><body><h1>%u %s</h1>\n%s\n</body></html>\n",
                                   status, http_status_reason(status), msg) &&
               http_reply_body(st, body) &&
               http_reply_hdr(st, "cache-control", SL_STR_LIT("no-cache")) &&
               http_reply_hdr(st, "content-type", SL_STR_LIT("text/html"));
}
