#pragma once
/* Runtime settings of the current generation made through the stats socket: frontends
 * disabled ("disable frontend"), frontends' and the node's maxconn ("set maxconn frontend",
 * "set maxconn global"), the node's rate limits ("set rate-limit"). Each is sent to every worker of
 * the generation when it is made, and a worker that replaces a dead one runs them before it
 * accepts, so the whole generation keeps them; a reload starts from the configuration again (the
 * configuration always wins). */

#include <stdbool.h>
#include <stddef.h>

struct master;
struct mworker;
struct cfg_proxy;

/* Frontend @fe disabled, or enabled again. False when it already was. */
bool mrt_frontend_enable(struct master *m, const struct cfg_proxy *fe, bool on);
bool mrt_frontend_disabled(struct master *m, const struct cfg_proxy *fe);

/* Frontend @fe's maxconn from now on. */
void mrt_frontend_maxconn(struct master *m, const struct cfg_proxy *fe, unsigned v);

/* Its maxconn now: the runtime one, else the configuration's (0: none). */
unsigned mrt_fe_maxconn(struct master *m, const struct cfg_proxy *fe);

/* The node's maxconn from now on (the configuration's limit is the most it may be). */
void mrt_global_maxconn(struct master *m, unsigned v);

/* The node's maxconn now. */
unsigned mrt_maxconn(struct master *m);

/* "set rate-limit connections|ssl-sessions global": the node's limit per second from now
 * on (0: none), and the limit now (the configuration's maxconnrate, maxsslrate, unless
 * set). */
void mrt_rate_limit(struct master *m, bool ssl, unsigned v);
unsigned mrt_rate(struct master *m, bool ssl);

/* The settings made so far, as the CLI commands a worker of the current generation runs
 * before it accepts (worker_opts.runtime): an array of *@ret strings, for a forked child
 * (never freed: the child's memory goes with it). */
size_t mrt_commands(struct master *m, char ***ret);

/* Send @cmd to worker @mw, or to every worker (@current: of the current generation) when
 * NULL, through mfan.h; the answers are not read. */
void mrt_send(struct master *m, struct mworker *mw, const char *cmd, bool current);

void mrt_free(struct master *m);
