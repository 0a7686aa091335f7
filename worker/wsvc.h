#pragma once
/* Answers the node makes for a worker's client (http-request use-service, the stats page):
 * the worker asks the master on its CLI socketpair (wcli.h), the master renders the answer
 * from the whole node's statistics into a memfd and sends the descriptor back, and the
 * stream, waiting meanwhile in STRM_ST_SERVICE without holding the loop, replies with the
 * memfd mapped as its body. A worker never renders: a scrape of many servers costs the
 * master's time, not a worker's. */

#include <stdbool.h>
#include <stddef.h>

struct stream;
struct worker;

#define WSVC_TIMEOUT_MS 10000  /* the master's answer; then 503 */
#define WSVC_MSG_MAX    16384  /* bytes of a request or an answer on the socketpair */
#define WSVC_REPLY_TAG  '\x01' /* first byte of an answer, unlike any CLI command's */

/* Ask the master for stream @st's service (st->svc_kind). 0: the stream waits for
 * stream_service_answer(); negative errno: no master to ask, or the request did not go. */
int wsvc_start(struct stream *st);

/* An answer from the master: @msg[0..@len) after its tag, and the memfd of its body (-1:
 * none), which this takes. */
void wsvc_on_answer(struct worker *w, const char *msg, size_t len, int fd);

/* The stream ends: forget its wait and unmap its body. */
void wsvc_release(struct stream *st);
