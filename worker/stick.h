#pragma once
/* Stick counters (HAProxy's sc0..sc2): tracking entries of the shared stick tables for a
 * client connection (its session) or for one request (its stream), the counters every
 * tracked entry keeps (connections, requests, errors, bytes), the sc-inc/sc-set actions,
 * persistence (stick on/match/store-request) and the sc_*, scN_*, src_* fetches. Where a
 * counter is tracked by both, the stream's is used, as in HAProxy. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl.h"
#include "model.h"
#include "stick-t.h"

struct sess;
struct stream;
struct worker;
struct stkt;

/* The ledger: every reference a worker holds on a shared table, and the connection it counts
 * in conn_cur, written in shared memory so that the master can give them back when the
 * worker dies (a worker killed by SIGKILL releases nothing itself). A record is one atomic
 * word: 0 when free, else STICK_LEDGER_CONN (maybe) | (table id + 1) << 32 | entry index.
 * It is written after the
 * reference is taken and cleared before it is dropped, so a worker killed in between leaves
 * at worst one reference unreleased (the entry stays pinned), never one released twice. */
#define STICK_LEDGER_CAP  196608u      /* records per worker: three counters on 65536 connections */
#define STICK_LEDGER_CONN (1ull << 62) /* the reference also counts one in conn_cur */

/* Give back everything @n records at @recs hold and clear them; @table_of gives the table of
 * an id (NULL: unknown, skipped). Returns the number of references given back. */
unsigned stick_ledger_release(_Atomic uint64_t *recs, size_t n,
                              struct stkt *(*table_of)(void *data, unsigned id), void *data);

/* Stickiness of stream @st's request to backend st->be, one rule whose condition held, with
 * its key's value: "stick match" and "stick on" find the server the key was stored with
 * (st->force_idx, unless already set); "stick on" and "stick store-request" keep the key's
 * entry until the stream ends, for stick_persist_server(). */
void stick_persist_rule(struct stream *st, const struct cfg_stick_rule *r,
                        const struct cfg_smp_value *key);

/* The request got server st->srv_idx: store it in the kept entries (again after a retry). */
void stick_persist_server(struct stream *st);

/* Whether a "stick on" or "stick store-request" rule of this request already keeps an entry
 * of @table: HAProxy applies only the first such rule of each table (later ones are
 * skipped, their conditions not evaluated). */
bool stick_table_stored(const struct stream *st, const struct cfg_proxy *table);

/* "stick store-response" rule @r of st->be, whose condition held, with its key's value:
 * store the key with server @srv of st->be, which answered. False when nothing was stored
 * (no table, a key the table cannot hold, a full table). */
bool stick_store_now(struct stream *st, const struct cfg_stick_rule *r,
                     const struct cfg_smp_value *key, int srv);

/* The longest text a key sample may give (longer ones are cut to the table's key length). */
#define STICK_KEY_TEXT_MAX 1024

/* Start tracking counter @sc (unless it already tracks something, as in HAProxy) on the
 * entry for @key (a sample's value) in @table_px's table; counts the connection (conn_cur,
 * conn_cnt, conn_rate, at either level as HAProxy does; at the connection level also
 * sess_cnt, sess_rate) and, at the request level, the current request (http_req_cnt,
 * http_req_rate). Connection-level counters
 * belong to session @ss, request-level ones to stream @st (which must then be set). */
void stick_track(struct sess *ss, struct stream *st, unsigned sc, const struct cfg_proxy *table_px,
                 const struct cfg_smp_value *key, enum stick_level level);

/* sc-inc-gpc0(sc), sc-inc-gpc1(sc), sc-set-gpt0(sc) @v; nothing when @sc tracks nothing.
 * @st may be NULL (connection rules). */
void stick_inc_gpc(struct sess *ss, struct stream *st, unsigned sc, unsigned which);
void stick_set_gpt0(struct sess *ss, struct stream *st, unsigned sc, uint32_t v);

/* A new HTTP request on the connection: count it on the connection-level counters. */
void stick_http_request(struct sess *ss);

/* Stream @st is answered with @status (by the server or by sluice), before the client gets
 * any of it: 4xx count as http_err, 5xx (but 501 and 505) as http_fail. Once per stream. */
void stick_http_status(struct sess *ss, struct stream *st, unsigned status);

/* Stream @st ended after @bytes_in request and @bytes_out response bytes: they are counted
 * on every tracked counter, then the stream's own stop tracking. Once per stream. */
void stick_stream_end(struct sess *ss, struct stream *st, uint64_t bytes_in, uint64_t bytes_out);

/* The connection ends: the session's counters stop tracking. */
void stick_sess_end(struct sess *ss);

/* A table converter @call (table_<what>, table_trackers, in_table) applied to @key into *v
 * (which may be @key); false when it has no value. */
bool stick_table_conv(struct worker *w, const struct cfg_conv_call *call,
                      const struct cfg_smp_value *key, struct cfg_smp_value *v);

/* The value of a stick-table fetch (CFG_FETCH_SC, SC_TRACKED, SRC_TBL) into *v; false when
 * it has none (a tracked table that does not store the type). @st may be NULL. */
bool stick_fetch(struct sess *ss, struct stream *st, const struct cfg_sample *smp,
                 struct cfg_smp_value *v);

struct stkt_def;

/* The shared-memory definition of @c, and a hash of it with the proxy's name @name: tables
 * whose hash is unchanged across a reload are kept as they are. */
void stick_table_def(const struct cfg_stick_table *c, struct stkt_def *ret);
uint64_t stick_table_hash(const char *name, const struct cfg_stick_table *c);

/* Expire entries of every table of the worker's generation, a slice per call (called from a
 * timer). */
void stick_sweep(struct worker *w);
