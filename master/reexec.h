#pragma once
/* Re-executing the master (struct master in master-t.h) across a binary upgrade, and taking
 * it over in the new image. */

#include <stdbool.h>

struct master;

/* Re-execute this program (master.exe, with the command line master.cli->argv), handing it
 * everything the next image needs, as JSON in a memfd named by SLUICE_MASTER_STATE: the
 * generation counters, the running configuration (as --dump-config text, which loads back
 * to the same model), the listening sockets by key, the workers with their status pipes,
 * the shared regions, the control socket and the clients waiting for this reload. Every fd
 * in it loses FD_CLOEXEC. Returns only when it cannot be done: -ENOENT when the program or
 * its command line is unknown, another negative errno otherwise; the reload then happens in
 * this image. */
int reexec_master(struct master *m);

/* True when this process is a master re-executed by a reload (SLUICE_MASTER_STATE is set). */
bool reexec_resuming(void);

/* Rebuild zeroed master @m from the state the previous image left (reexec_master()), calling
 * @setup on it once the state is read (master_setup(): lists, loop, timers). The workers are
 * in master.workers, not yet watched; master.hard_stop_at is when the hard stop is due, not
 * armed. Returns 0; -EBADMSG when the state cannot be read (logged; @setup was not called);
 * or -EPROTO when @m cannot be rebuilt (some causes logged): what was rebuilt is in @m, for
 * the caller to stop and free. SLUICE_MASTER_STATE is unset in every case. */
int reexec_restore(struct master *m, int (*setup)(struct master *m));
