#pragma once
/* The master process: loads the configuration, opens one SO_REUSEPORT listening socket per
 * bind address and worker slot, creates the servers' shared state, forks and supervises the
 * workers, and reloads without dropping connections (SIGHUP, SIGUSR2). It never reads client
 * bytes. */

#include <stdbool.h>

#include "cli.h"

struct cfg_gen;

/* Run the master on the loaded configuration @gen (a reference is taken) until it stops;
 * @maxconn (0: none) is shared out between the workers, as HAProxy's applies to the process;
 * @on_ready (may be NULL) is called once the first generation's workers are all ready.
 * Reloads read the configuration again as @cli names it. Returns the exit status, or minus
 * the signal the process must die of once it has cleaned up (SIGINT, SIGTERM outside
 * master-worker mode). */
int master_main(const struct master_cli *cli, struct cfg_gen *gen, unsigned maxconn,
                void (*on_ready)(void *data), void *on_ready_data);

/* True when this process is a master re-executed by a reload (SLUICE_MASTER_STATE is set). */
bool master_resuming(void);

/* Take over the state the previous image left, then reload. Returns as master_main(). */
int master_resume(const struct master_cli *cli);
