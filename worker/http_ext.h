#pragma once
/* HTTP request features around the rules (http_ana.c calls them; replies go through http_reply.h):
 * monitor-uri, header captures, unique ids, redirect locations, the auth action, URI normalization
 * and waits for the request body (option http-buffer-request, wait-for-body). Each reads and
 * changes the stream's messages as HAProxy 2.6 does. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"
#include "str.h"

struct stream;

/* What a step of http_ext says to the analysis. */
enum http_ext_result {
        HTTP_EXT_GO = 0, /* go on */
        HTTP_EXT_WAIT,   /* waiting for more of the request body */
        HTTP_EXT_REPLY,  /* a reply is ready in the stream */
};

/* Right after the tcp-request content rules: the frontend's monitor-uri (HTTP_EXT_REPLY with 200,
 * or 503 when a monitor fail condition holds; such a request is not logged), then its
 * request header captures. HTTP_EXT_GO otherwise. */
enum http_ext_result http_ext_request_head(struct stream *st);

/* The frontend's response header captures (before the http-response rules). */
void http_ext_capture_response(struct stream *st);

/* Capture rule @r (http-request, http-response, http-after-response and tcp-request content
 * ones alike): its sample's text, cut to the slot's length, into slot r->status of the
 * frontend's request (@response: response) captures, shown by %hr (%hs); nothing when there
 * is no such slot (a backend's rule whose frontend declares fewer) or no sample. With @more
 * (content inspection that may wait), a sample that has no value yet but may get one from
 * more bytes captures nothing: false, and *@more set, as HAProxy's rule yields (a value
 * there is taken at once, even one that more bytes would change). True otherwise. */
bool http_ext_capture_rule(struct stream *st, const struct cfg_http_rule *r, bool response,
                           bool *more);

/* The frontend's unique-id-format rendered into st->unique_id, and its unique-id-header
 * added. False when out of memory. */
bool http_ext_unique_id(struct stream *st);

/* The Location of redirect rule @r for the stream's request, its type's target rendered as
 * @target, into @out: the length, or -ENOBUFS. */
ssize_t http_ext_redirect_location(const struct stream *st, const struct cfg_http_rule *r,
                                   struct sl_str target, char *out, size_t size);

/* http-request auth: the 401 reply, with its WWW-Authenticate challenge for the rule's realm
 * (else the name of the proxy whose rule it is). False when out of memory. */
bool http_ext_auth(struct stream *st, const struct cfg_http_rule *r);

/* http-request normalize-uri: 0, -EINVAL for an invalid request (400), or -ENOMEM. */
int http_ext_normalize_uri(struct stream *st, const struct cfg_http_rule *r);

/* Wait for the request body (HAProxy's http_wait_for_msg_body()): HTTP_EXT_GO once it is all
 * there, or at least @bytes of it (0: all), or the receive buffer is full (less the
 * tune.maxrewrite reserve), or the client ended; HTTP_EXT_WAIT until then, up to @ms (0: the
 * client timeout alone); HTTP_EXT_REPLY with a 408 when that time passed. Answers "Expect:
 * 100-continue" itself, as the client sends nothing before. */
enum http_ext_result http_ext_wait_body(struct stream *st, uint32_t ms, uint64_t bytes);

/* The request body bytes received so far, without consuming them (what the rules after a
 * wait see), into *ret (borrowed from the client side until the stream passes them on);
 * *ret_complete: the whole body. 0, or a negative errno when the body is broken. */
int http_ext_request_body(struct stream *st, struct sl_str *ret, bool *ret_complete);
