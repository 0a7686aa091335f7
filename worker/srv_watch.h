#pragma once
/* What every worker does itself when a server changes state (the checker of the node
 * changes it in shared memory): "on-marked-down shutdown-sessions" closes this worker's
 * sessions on a server marked DOWN, "on-marked-up shutdown-backup-sessions" those on the
 * backend's backup servers when a server is marked UP. A timer looks at the servers that ask
 * for it whenever the server table's epoch moved. */

struct worker;

/* 0, or -ENOMEM; nothing to watch is not an error. */
int srv_watch_start(struct worker *w);
void srv_watch_stop(struct worker *w);
