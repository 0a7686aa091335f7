#pragma once
/* HTTP analysis of a stream: tcp-request and http-request/response rules, the backend
 * choice, persistence (cookies, stick rules), X-Forwarded-For, and the responses sluice
 * makes itself (errors, deny, return, redirect). Everything here reads and changes the
 * stream's protocol-neutral messages (stream-t.h); the stream sends what it decides. */

#include <stdbool.h>
#include <stddef.h>

#include "http_reply.h"
#include "model.h"
#include "stick-t.h"

struct sess;
struct stream;

enum ana_result {
        ANA_GO = 0,  /* go on */
        ANA_REPLY,   /* a response of sluice's is ready in the stream (http_ana_reply_*) */
        ANA_REJECT,  /* a tcp-request rule rejected the connection: close it, without a log */
        ANA_SERVICE, /* use-service: the node answers (st->svc_kind; wsvc.h) */
        ANA_WAIT,    /* waiting: TCP content rules for more of the client's bytes (until
                      * st->inspect_exp), or HTTP for the request body (or st->body_exp, with
                      * STRM_F_BODY_TIMEOUT set); call again when they come or then */
        ANA_UPGRADE, /* TCP: the backend chosen is an HTTP one, the connection becomes HTTP
                      * (stream.c: stream_upgrade()) */
        ANA_ABORT,   /* the request ends, logged (st->status, st->term), and its connection
                      * closes without a response */
};

/* Where the request's analysis is (st->ana_step): it resumes there after a wait. */
enum http_ana_step {
        HTTP_ANA_START = 0, /* tcp-request content, monitor-uri, captures */
        HTTP_ANA_FE_BODY,   /* the frontend's option http-buffer-request */
        HTTP_ANA_FE_RULES,  /* its http-request rules (from st->ana_rule), its redirects, the
                             * choice of the backend */
        HTTP_ANA_BE_BODY,   /* the backend's option http-buffer-request */
        HTTP_ANA_BE_RULES,  /* its rules and redirects */
        HTTP_ANA_DONE,
};

/* tcp-request connection or content rules: false when a rule rejected the connection.
 * "accept" ends the list. @st is NULL for connection rules. */
bool http_ana_tcp_rules(struct sess *ss, struct stream *st, const struct cfg_http_rule *rules,
                        size_t n, enum stick_level level);

/* A complete request head: tcp-request content rules, monitor-uri and captures, the
 * http-request and redirect rules of the frontend, the backend (st->be), its rules,
 * persistence (st->force_idx), the unique id, X-Forwarded-For. A TCP frontend's first
 * request on a connection its backend upgraded (STRM_F_UPGRADED) does not run the content
 * rules nor choose the backend again. A TCP frontend's HTTP rules apply to its HTTP
 * streams, as HAProxy 2.6 applies them (though it warns that they are ignored). ANA_REPLY
 * also for errors (no backend: 503; a rule that could not apply: 500); ANA_ABORT for a TCP
 * backend chosen for an HTTP stream (HAProxy's internal error, logged as a 500). ANA_WAIT: a body
 * wait (option http-buffer-request, wait-for-body) needs more of the body; called again, it
 * resumes. */
enum ana_result http_ana_request(struct stream *st);

/* TCP mode: the tcp-request content rules of the frontend, the backend, its rules and
 * stick rules (all at the connection level). ANA_REJECT, or ANA_REPLY when there is no
 * backend (the stream closes then); ANA_UPGRADE when the backend is an HTTP one; ANA_WAIT
 * while the rules wait for the client's bytes (tcp-request inspect-delay): called again,
 * they resume where they stopped. */
enum ana_result http_ana_tcp(struct stream *st);

/* A final response head from the server: http-response rules, persistence cookies. */
enum ana_result http_ana_response(struct stream *st);

/* The http-after-response rules (the backend's, then the frontend's) on the response about
 * to go, the server's or sluice's own; once per stream. ANA_REPLY when one failed: a 500 is
 * ready instead. */
enum ana_result http_ana_after(struct stream *st);
