#pragma once
/* HTTP analysis of a stream: tcp-request and http-request/response rules, the backend
 * choice, persistence (cookies, stick rules), X-Forwarded-For, and the responses sluice
 * makes itself (errors, deny, return, redirect). Everything here reads and changes the
 * stream's protocol-neutral messages (stream-t.h); the stream sends what it decides. */

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "stick-t.h"

struct sess;
struct stream;

enum ana_result {
        ANA_GO = 0, /* go on */
        ANA_REPLY,  /* a response of sluice's is ready in the stream (http_ana_reply_*) */
        ANA_REJECT, /* a tcp-request rule rejected the connection: close it, without a log */
        ANA_WAIT,   /* TCP: the rules wait for more of the client's bytes (inspect-delay),
                     * until st->inspect_exp; call again when they come or then */
};

/* tcp-request connection or content rules: false when a rule rejected the connection.
 * "accept" ends the list. @st is NULL for connection rules. */
bool http_ana_tcp_rules(struct sess *ss, struct stream *st, const struct cfg_http_rule *rules,
                        size_t n, enum stick_level level);

/* A complete request head: tcp-request content and http-request rules of the frontend, the
 * backend (st->be), its rules, persistence (st->force_idx), X-Forwarded-For. ANA_REPLY
 * also for errors (no backend: 503; a rule that could not apply: 500). */
enum ana_result http_ana_request(struct stream *st);

/* TCP mode: the tcp-request content rules of the frontend, the backend, its rules and
 * stick rules (all at the connection level). ANA_REJECT, or ANA_REPLY when there is no
 * backend (the stream closes then). */
enum ana_result http_ana_tcp(struct stream *st);

/* A final response head from the server: http-response rules, persistence cookies. */
enum ana_result http_ana_response(struct stream *st);

/* Make the stream's reply an error: the errorfile for @status (backend's, else frontend's),
 * else a small HTML page as HAProxy sends. Errors close the connection. False when out of
 * memory. */
bool http_ana_reply_error(struct stream *st, unsigned status);

/* The http-after-response rules (the backend's, then the frontend's) on the response about
 * to go, the server's or sluice's own; once per stream. ANA_REPLY when one failed: a 500 is
 * ready instead. */
enum ana_result http_ana_after(struct stream *st);
