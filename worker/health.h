#pragma once
/* Health checks of the servers that say "check", run by one worker for the whole node: the
 * master gives the job to the first worker of the current generation (a worker without a
 * master runs them too). A check connects (over TLS with check-ssl), runs its sequence (an
 * HTTP request and its expected answer with option httpchk, tcp-check send and expect rules
 * with option tcp-check), and moves HAProxy's health counter; the result goes into the
 * server's shared record (shm/srv_state.h), where every worker's balancer sees a server go
 * DOWN or UP at its next pick. The counter lives there too, so a checker that dies and is
 * replaced goes on where it was: no server flaps. */

struct worker;

/* Start checking every server with "check" in @w's generation; the first check of each
 * comes at a random moment within its interval. 0 or -ENOMEM. */
int check_start(struct worker *w);

/* Stop: checks under way are dropped (their servers keep their state). Idempotent. */
void check_stop(struct worker *w);
