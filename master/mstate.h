#pragma once
/* The shared memory the master keeps per generation (struct master in master-t.h): the
 * servers' state and held slots, the stick tables (struct mtable, in master.tables) and the
 * ledger of the stick-table references each worker holds. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cfg_gen;
struct cfg_proxy;
struct master;
struct mworker;
struct stkt;
struct srv_state_table;

/* Make the servers' state table and the held-slots table for configuration @g into
 * master.srv_region, srv_table, held_region and n_servers (none when @g has no server),
 * overwriting them: the caller keeps the previous generation's. Returns 0 or a negative
 * errno (logged); what was made before the failure stays in @m. */
int mstate_servers_create(struct master *m, const struct cfg_gen *g);

/* Worker @mw is gone: give back the server slots it held (if it died holding any, so that
 * maxconn and leastconn do not count connections that no longer exist) and the stick-table
 * references of its ledger row, and free the row. */
void mstate_release_worker(struct master *m, struct mworker *mw);

/* At a cold start: restore each server's runtime state from the server-state file its
 * backend loads (cfg_server.state), unless the configuration changed the server since the
 * file was written; the log names each such server and what changed. */
void mstate_file_apply(struct master *m, const struct cfg_gen *g);

/* Write sluice's server-state file for every file the backends of @g load, atomically (a
 * temporary, fsync, rename); failures are logged. At every reload and at stop. */
void mstate_file_write(struct master *m, const struct cfg_gen *g);

/* Append ", " and the formatted text to the list in @buf (of @size bytes), as far as it
 * fits: "weight 1 -> 2, port 80 -> 81". */
void mstate_list_add(char *buf, size_t size, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* The reload log: proxies and servers added and removed, servers whose address, port or
 * options changed from @old to @new. The configuration always wins over runtime state. */
void mstate_log_changes(const struct cfg_gen *old, const struct cfg_gen *new);

/* A reload from @old (whose server table is @old_table, @old_n records) to @g, whose table
 * m->srv_table was just made: a server of @g whose backend and name were in @old with the
 * same address, port, weight and flags keeps its runtime state (maintenance, drain, weight
 * and health set at run time); a changed one starts from its configuration. */
void mstate_servers_carry(struct master *m, const struct cfg_gen *old,
                          struct srv_state_table *old_table, uint32_t old_n,
                          const struct cfg_gen *g);

/* The table a worker of the current generation uses for @px (worker_opts.stick_table; @data
 * is the master), and its id in ledger records (*@ret_id, STICK_NO_ID when none); NULL when
 * the master has none for @px. */
struct stkt *mstate_stick_table(void *data, const struct cfg_proxy *px, unsigned *ret_id);

/* A free ledger row for the next worker, made on first use, or -1 (no tables, or none free:
 * logged). The caller marks it free again in master.ledger_used if the worker is not made. */
int mstate_ledger_take_row(struct master *m);

/* Give generation @gen_no (configuration @g) its tables: those with an unchanged definition
 * are kept with their entries; a changed one gets a new table that takes over the entries
 * whose key type still fits, as the log says. The new ones are fresh until
 * mstate_tables_settle(). Returns 0 or a negative errno (logged). */
int mstate_tables_apply(struct master *m, const struct cfg_gen *g, unsigned gen_no);

/* The reload that made the fresh tables failed, or succeeded: drop them, or keep them. */
void mstate_tables_settle(struct master *m, bool keep);

/* Free the tables no generation that still has workers uses. */
void mstate_tables_collect(struct master *m);

/* Generation @failed cannot start: the tables it took over are the previous generation's
 * again, those it made are freed. */
void mstate_tables_restore(struct master *m, unsigned failed);

/* Free the server state of both generations, every table and the ledger. */
void mstate_free(struct master *m);
