#pragma once
/* Streams (stream-t.h): the state machine that takes one request from its client side to a
 * server and its response back, or relays a TCP connection. A client-side mux makes the
 * stream, fills its request head and starts it; from then on the stream drives both sides
 * through their endpoints' operations (mux.h), woken by the muxes when a side changes. */

#include <stdbool.h>

#include "mux.h"
#include "stream-t.h"

struct px_rt;

const char *stream_state_str(enum stream_state s);
void stream_set_state(struct stream *st, enum stream_state to);

/* A stream for session @ss, whose client side is @ops/@ms, which gets the stream's endpoint
 * in *ret_sd; for HTTP, its request head is to be filled (stream_request()) before
 * stream_start(). @not_first: a request came before on the connection, which was idle from
 * @idle_start_ms (loop time). NULL when out of memory (counted). */
struct stream *stream_new(struct sess *ss, const struct mux_ops *ops, void *ms, bool not_first,
                          uint64_t idle_start_ms, struct sd **ret_sd);

/* The request head a client-side mux fills, its header array ready (max_hdrs entries). */
struct http_msg *stream_request(struct stream *st);

/* The client side has the whole request head in stream_request() (HTTP: @head_len bytes
 * of it on the wire), or the connection is new (TCP, 0): analyse it, go to a server. */
void stream_start(struct stream *st, size_t head_len);

/* The client side could not deliver a request head (@received bytes of it came): answer
 * @status (400, 408, 413, ...), with termination state @who @when, log, and end. */
void stream_fail(struct stream *st, unsigned status, char who, char when, size_t received);

/* Something changed on one of the stream's sides (flags, data, room): make progress. */
void stream_wake(struct stream *st);

/* The master answered stream @st's service (wsvc.h): @ok, its reply is ready in the stream
 * (head and body); else a 503 goes. */
void stream_service_answer(struct stream *st, bool ok);

/* The client connection goes away now (hard stop, or closed under a request that is being
 * received): log with termination state K (killed) unless one is set, release both sides. */
void stream_kill(struct stream *st, char who);

/* A TCP stream that chose an HTTP backend, taken by the HTTP/1 mux (mux_ops.upgrade) as its
 * first request's: its client side is now @ops/@ms, whose endpoint it returns. The mux
 * fills its request head and starts it (stream_start()); the content rules and the choice
 * of the backend that were made are not made again, and the backend's HTTP rules apply. */
struct sd *stream_upgraded(struct stream *st, const struct mux_ops *ops, void *ms);

/* A stream whose connection went to HTTP/2 (mux_ops.upgrade), which makes streams of its
 * own: it ends without a log line, counting nothing (HAProxy destroys it too). */
void stream_vanish(struct stream *st);

/* Give waiting streams of backend @rt a server slot, in order, while slots are free (when
 * a slot is released here, and periodically for slots released by other workers). */
void stream_queue_run(struct px_rt *rt);

/* Free the spare streams of the worker's pool (the worker stops). */
void stream_pool_flush(struct worker *w);
