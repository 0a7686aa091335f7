#pragma once
/* Responses sluice makes itself for a stream (errors, errorfiles, HAProxy's built-in pages,
 * and the head and body that rules' replies are built from), and printing into the
 * stream's scratch buffer (scratch.h). */

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "str.h"

struct stream;

/* Print into the scratch buffer; *ret views the text. False when it does not fit. */
bool http_scratch_printf(struct stream *st, struct sl_str *ret, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Start a reply of @status in st->res (no fields yet; @keep: the connection may stay). */
void http_reply_begin(struct stream *st, unsigned status, bool keep);
/* Add a field to the reply. */
bool http_reply_hdr(struct stream *st, const char *name, struct sl_str value);
/* The reply's body and its Content-Length field. */
bool http_reply_body(struct stream *st, struct sl_str body);

/* The errorfile for @status from the backend, else the frontend, or NULL. */
const struct cfg_errorfile *http_reply_errorfile_of(const struct stream *st, unsigned status);
/* An errorfile as the reply; false when it is not a valid response. */
bool http_reply_errorfile(struct stream *st, const struct cfg_errorfile *ef, unsigned status);

/* Is the request's body all there (none, or empty)? Then a reply leaves the connection
 * usable. */
bool http_reply_req_complete(const struct stream *st);

/* Make the stream's reply an error: the errorfile for @status (backend's, else frontend's),
 * else a small HTML page as HAProxy sends. Errors close the connection. False when out of
 * memory. */
bool http_ana_reply_error(struct stream *st, unsigned status);

/* The reply HAProxy makes for @status with its built-in page (message @msg, as in
 * HAProxy's http_err_msgs), or the proxies' errorfile for it; the connection stays open
 * when the request allows. False when out of memory. */
bool http_reply_page(struct stream *st, unsigned status, const char *msg);
