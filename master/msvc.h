#pragma once
/* The master's side of the workers' service requests (worker/wsvc.h): it reads them on each
 * worker's CLI socketpair, renders the answer (the Prometheus exporter, mprom.h) into a
 * memfd and sends the descriptor back. */

struct master;
struct mworker;

/* Watch @mw's socketpair for requests (once it has one). */
void msvc_watch(struct master *m, struct mworker *mw);

/* Stop watching it (before it is closed). */
void msvc_unwatch(struct mworker *mw);
