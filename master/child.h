#pragma once
/* The worker side of the master's fork() (struct master in master-t.h). */

struct master;

/* In the child of fork() only: become the worker of @slot in the current generation, telling
 * the master how it goes on @status_fd (the write end of its status pipe), and _exit() with
 * worker_main()'s status. What the master chose for it before fork() is in @m:
 * master.spawn_row (its stick-table ledger row, or -1) and master.spawn_cli[1] (its end of
 * the CLI socketpair, or -1). */
_Noreturn void child_main(struct master *m, unsigned slot, int status_fd);
