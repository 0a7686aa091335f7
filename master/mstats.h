#pragma once
/* The node's statistics, on the master's side (shm/stats.h has the rows): a registry that
 * gives every object (the process, each frontend, backend, server and listener, by kind and
 * names) a node-wide id that stays the same across reloads and re-executions, an archive of
 * what finished workers counted, one row per worker made before forking it, and the sum that
 * the stats socket, the stats page and the exporter read. */

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct master;
struct mworker;
struct cfg_gen;
struct stats_sum;

/* Make the row of the worker about to be forked for @slot of the current generation
 * (m->gen, m->gen_no) into m->spawn_stats. On failure the worker counts into memory of its
 * own, which the node-wide figures miss: logged. */
void mstats_spawn_row(struct master *m, unsigned slot);

/* After fork() in the master: the row belongs to @mw now. */
void mstats_spawned(struct master *m, struct mworker *mw);

/* Worker @mw is gone: add its row into the archive and free it. */
void mstats_worker_gone(struct master *m, struct mworker *mw);

/* The node-wide id of object @local (an index of cfg_gen_stats_layout()) of generation @g,
 * registered if new; UINT32_MAX when out of memory. */
uint32_t mstats_gid(struct master *m, const struct cfg_gen *g, uint32_t local);

/* Every object's node-wide value at @now_ms, indexed by gid: the archive plus every live
 * worker's row. Returns an array of *@ret_n sums (free() it), or NULL when out of memory. */
struct stats_sum *mstats_sum(struct master *m, uint64_t now_ms, uint32_t *ret_n);

/* The node's process figures: its process blocks' and, for connections, sessions and
 * requests (which workers count in their frontends only), every frontend's ever known, so
 * that a reload removing a frontend takes nothing back. @sums/@n from mstats_sum(). */
void mstats_process(struct master *m, const struct stats_sum *sums, uint32_t n,
                    struct stats_sum *ret);

/* Gauge @g (ST_G_*) of object @local (an index of the worker's own generation's layout) in
 * worker @mw's row, as the worker last wrote it; 0 without one. */
int64_t mstats_worker_gauge(const struct mworker *mw, uint32_t local, unsigned g);

/* Client connections the workers of older generations still serve. */
long long mstats_old_conns(struct master *m);

/* The node's connection limit: the master's share-out of it, else the configuration's. */
unsigned mstats_maxconn(const struct master *m);

/* How many live workers count into a row, and of those how many are of an older generation. */
void mstats_workers(struct master *m, unsigned *ret_current, unsigned *ret_old);

/* Re-execution: the registry and the archive into @st (its fd kept open across execve()),
 * and back in the next image; a worker's row is its "stats_fd". Returns 0 or -errno. */
int mstats_save(struct master *m, json_t *st);
int mstats_restore(struct master *m, json_t *st);
int mstats_restore_row(struct master *m, struct mworker *mw, int fd);

void mstats_free(struct master *m);
