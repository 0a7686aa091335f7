#pragma once
/* A worker: one process, one event loop, the listeners it accepts on, its client connections
 * and their streams, and the run-time state of every backend (wctx.h). Without a master,
 * `sluice -d -f cfg` runs one worker in the foreground. */

#include "model.h"
#include "wctx.h"

/* Bind the listeners of @gen, drop privileges (user, group, chroot), run until SIGTERM or
 * SIGINT (hard stop) or SIGUSR1 (soft stop). Returns the process exit status. */
int worker_main(struct cfg_gen *gen, const struct worker_opts *opts);

/* For tests: the worker's state for generation @gen in *w (zeroed by the caller), with its
 * loop and the run-time state of every proxy, but no listener and no signal. 0 or a
 * negative errno (then worker_deinit() cleans up). */
int worker_init(struct worker *w, struct cfg_gen *gen, const struct worker_opts *opts);

/* Close every client connection and free what worker_init() made. */
void worker_deinit(struct worker *w);
