#pragma once
/* Server choice for a stream: the balancer (with persistence and retries), the server's
 * connection slot (maxconn, shared by every worker), and a connection to it, reused from
 * the idle pool when http-reuse allows, with its mux attached to the stream's server side. */

#include <stdbool.h>

#include "stats.h"

struct stream;

enum be_result {
        BE_ATTACHED = 0, /* st->srv is attached: SD_F_CONNECTED tells whether it is ready */
        BE_QUEUED,       /* every usable server is at its maxconn: wait for a slot */
        BE_NO_SERVER,    /* no server can take it (none up, or every one failed at once) */
};

/* Choose a server for stream @st (backend st->be) and attach a connection to it. Servers
 * in st->tried are skipped; st->retry_idx restricts the choice to one; st->force_idx
 * (persistence) is tried first. */
enum be_result backend_connect(struct stream *st);

/* Give back the server slot the stream holds (st->srv_idx), if any. */
void backend_release(struct stream *st);

/* Does the retry of stream @st, whose attempt on server @idx failed, go to another server
 * (HAProxy's stream_choose_redispatch())? Only with option redispatch: on the last retry,
 * when the server is no longer usable, or at once when the algorithm does not care which
 * server it is (roundrobin, static-rr, random, with more than one usable server) and
 * persistence did not choose it. */
bool backend_redispatch(const struct stream *st, int idx);

/* How long a retry after a failed connection (an error, not its timeout) waits first, in ms:
 * HAProxy's turn-around, min(timeout connect, 1 s), so that a server that refuses is not
 * asked again at once; 0 when the retry goes to another server (@redispatch and more than
 * one usable active server), as the wait is only for the same one. */
uint64_t backend_turnaround_ms(const struct stream *st, bool redispatch);

/* One to counter @c of @st's server @idx, or of its backend when there is none (-1): a
 * backend's figures add its servers' (wcount.h). */
void backend_count(struct stream *st, int idx, enum stats_ctr c);
