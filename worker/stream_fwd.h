#pragma once
/* Forwarding for streams (stream.c): moving a request, its response, a reply of sluice's or
 * a tunnel's bytes between the stream's two sides, one step at a time. A step does the I/O
 * and says what the stream must do next; stream.c takes the decisions that change its state
 * (reply, retry, tunnel, end). Also the small helpers both use. */

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"
#include "macros.h"
#include "model.h"
#include "stream-t.h"
#include "wctx.h"

/* What a step asks of the stream. */
enum strm_act {
        STRM_ACT_NONE = 0, /* nothing could move now: wait for a side to wake the stream */
        STRM_ACT_PROGRESS, /* something moved: step again */
        STRM_ACT_REPLY,    /* sluice answers: its response is ready in st->res (http_ana.h) */
        STRM_ACT_RETRY,    /* the server side failed before anything irrevocable: again */
        STRM_ACT_TUNNEL,   /* the switch's head went out: both sides relay opaque bytes */
        STRM_ACT_END,      /* the exchange is complete */
        STRM_ACT_ABORT,    /* the exchange is cut: the connections close */
        STRM_ACT_COUNT,
};

/* HTTP: request to the server side, response back (STRM_ST_FORWARD). */
enum strm_act stream_fwd_http(struct stream *st);

/* A reply of sluice's to the client side (STRM_ST_REPLY). */
enum strm_act stream_fwd_reply(struct stream *st);

/* Opaque bytes both ways (STRM_ST_TUNNEL), spliced when both sides allow it in TCP mode. */
enum strm_act stream_fwd_tunnel(struct stream *st);

/* The loop time @ms from now, 0 (no deadline) for 0. */
static inline uint64_t stream_deadline(const struct stream *st, uint64_t ms)
{
        return ms ? loop_now(st->w->loop) + ms : 0;
}

/* Set the termination state (HAProxy's "who" and "when" letters) unless one is set. */
void stream_set_term(struct stream *st, char who, char when);

extern const uint32_t stream_msg_allowed[MSG_ST_COUNT];
_Noreturn void stream_msg_bad(const struct stream *st, const enum msg_state *m, enum msg_state to);

/* Move message state *@m (st->req_st or st->res_st) to @to, checking the transition. */
static inline void stream_msg_set(struct stream *st, enum msg_state *m, enum msg_state to)
{
        if (sl_unlikely(!(stream_msg_allowed[to] & (1u << *m))))
                stream_msg_bad(st, m, to);
        *m = to;
}

/* The "when" letter of the termination state for the stream's current state. */
char stream_phase(const struct stream *st);

/* Does retry-on allow sending the request again for condition @cond (CFG_RETRY_*), with
 * attempts left? Only a request none of whose body went to the server side can be, as sluice
 * keeps no copy of bodies but for servers that may refuse them: one without a body. */
bool stream_l7_retry_ok(const struct stream *st, uint32_t cond);

/* May the request go again on another connection with all of its body sent so far (none
 * went, or all of it is in @body_keep)? */
bool stream_body_replayable(const struct stream *st);
/* The kept body is not needed any more (a response came, or the stream ends). */
void stream_body_keep_free(struct stream *st);

/* option httpclose, in the frontend or the backend: both connections close after the
 * response, and each side is told so. */
static inline bool stream_httpclose(const struct stream *st)
{
        return ((st->fe->options | (st->be ? st->be->options : 0)) & CFG_OPT_HTTPCLOSE) != 0;
}
