#pragma once
/* Stick counters of a session (HAProxy's sc0..sc2): tracking entries of the shared stick
 * tables, the counters every tracked entry keeps (connections, requests, errors, bytes), the
 * sc-inc/sc-set actions and the sc_*, scN_*, src_* fetches. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl.h"
#include "model.h"

struct sess;
struct worker;
struct stkt;

#define STICK_COUNTERS 3
#define STICK_NO_ID    0xffffu /* a table the master does not know (a worker's own) */

/* How long a tracked entry lives: for the connection (tcp-request connection, or content in
 * TCP mode) or for the current HTTP request (tcp-request content in HTTP mode, http-request),
 * as HAProxy's session and stream trackers. */
enum stick_level {
        STICK_CONN = 0,
        STICK_REQ,
};

struct stick_ctr {
        struct stkt *t; /* NULL: not tracking */
        uint32_t idx;   /* the entry, referenced while tracked */
        enum stick_level level;
        int32_t rec; /* its record in the worker's ledger, or -1 */
};

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

/* Keys a request remembers with its server (stick on, stick store-request), HAProxy's limit. */
#define STICK_STORES_MAX 8

struct stick_store {
        struct stkt *t;
        uint32_t idx; /* referenced until the request ends */
        int32_t rec;  /* in the ledger, or -1 */
};

/* Stickiness of a request to backend s->be, one rule whose condition held, with its key's
 * value: "stick match" and "stick on" find the server the key was stored with (s->force_idx,
 * unless already set); "stick on" and "stick store-request" keep the key's entry until the
 * request ends, for stick_persist_server(). */
void stick_persist_rule(struct sess *s, const struct cfg_stick_rule *r,
                        const struct cfg_smp_value *key);

/* The request got server s->srv_idx: store it in the kept entries (again after a retry). */
void stick_persist_server(struct sess *s);

/* The longest text a key sample may give (longer ones are cut to the table's key length). */
#define STICK_KEY_TEXT_MAX 1024

/* Start tracking counter @sc (unless it already tracks something, as in HAProxy) on the
 * entry for @key (a sample's value) in @table_px's table; counts the connection (conn_cur, and at
 * the connection level conn_cnt, conn_rate, sess_cnt, sess_rate) or, at the request level, the
 * current request (http_req_cnt, http_req_rate). */
void stick_track(struct sess *s, unsigned sc, const struct cfg_proxy *table_px,
                 const struct cfg_smp_value *key, enum stick_level level);

/* sc-inc-gpc0(sc), sc-inc-gpc1(sc), sc-set-gpt0(sc) @v; nothing when @sc tracks nothing. */
void stick_inc_gpc(struct sess *s, unsigned sc, unsigned which);
void stick_set_gpt0(struct sess *s, unsigned sc, uint32_t v);

/* A new HTTP request on the connection: count it on the connection-level counters. */
void stick_http_request(struct sess *s);

/* The request is answered with @status (by the server or by sluice), before the client gets
 * any of it: 4xx count as http_err, 5xx (but 501 and 505) as http_fail. Once per request. */
void stick_http_status(struct sess *s, unsigned status);

/* The request ended after @bytes_in request and @bytes_out response bytes: they are counted,
 * then request-level counters stop tracking. */
void stick_http_end(struct sess *s, uint64_t bytes_in, uint64_t bytes_out);

/* The connection ends (TCP bytes, when not counted per request): stop tracking everything. */
void stick_close(struct sess *s, uint64_t bytes_in, uint64_t bytes_out);

/* A table_<what>(<table>) converter applied to @key into *v; false when it has no value. */
bool stick_table_conv(struct sess *s, const struct cfg_sample *smp, const struct cfg_smp_value *key,
                      struct cfg_smp_value *v);

/* The value of a stick-table fetch (CFG_FETCH_SC, SC_TRACKED, SRC_TBL) into *v; false when
 * it has none (a tracked table that does not store the type). */
bool stick_fetch(struct sess *s, const struct cfg_sample *smp, struct cfg_smp_value *v);

struct stkt_def;

/* The shared-memory definition of @c, and a hash of it with the proxy's name @name: tables
 * whose hash is unchanged across a reload are kept as they are. */
void stick_table_def(const struct cfg_stick_table *c, struct stkt_def *ret);
uint64_t stick_table_hash(const char *name, const struct cfg_stick_table *c);

/* Expire entries of every table of the worker's generation, a slice per call (called from a
 * timer). */
void stick_sweep(struct worker *w);
