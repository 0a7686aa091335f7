#pragma once
/* The listening sockets the master opens and hands to its workers (struct msock in
 * master-t.h, listed in master.socks), and the listening sockets systemd passed. */

#include <stdbool.h>

struct cfg_bind;
struct cfg_gen;
struct cfg_stats_socket;
struct master;

/* Open (or keep) the sockets @gen needs for @n_slots workers; close the others. Returns 0,
 * or a negative errno (a socket that cannot be opened is logged); on failure nothing is
 * closed, so applying the previous configuration again restores it. */
int msock_apply(struct master *m, const struct cfg_gen *gen, unsigned n_slots);

/* The socket worker @slot accepts from for bind @b on @port, or -1 (worker_opts.listener_fd).
 * The master keeps it; the worker uses its copy across fork(). */
int msock_listener_fd(struct master *m, const struct cfg_bind *b, unsigned port, unsigned slot);

/* The listening socket of peers bind @b, for the worker of slot 0 (the owner of the peer
 * links), or -1 (worker_opts.peers_fd). */
int msock_peers_fd(struct master *m, const struct cfg_bind *b);

/* Stats socket @s's socket, for the worker of slot 0, or -1 (worker_opts.stats_fd). */
int msock_stats_fd(struct master *m, const struct cfg_stats_socket *s);

/* Close every socket (those inherited with fd@N are not the master's to close). */
void msock_close_all(struct master *m);

/* SIGTTOU and SIGTTIN, as HAProxy: stop listening on every TCP socket (the port is free for
 * another process; connections arriving meanwhile are refused) and start again. The master
 * owns the sockets, so it changes them itself, for every slot; the workers of the current
 * generation are told to stop or start watching theirs. Unix sockets are only no longer
 * watched: a Unix socket shut down cannot listen again. Does nothing when already so. */
void msock_set_paused(struct master *m, bool pause);

/* Socket activation: the listening sockets systemd passed (LISTEN_FDS), for the binds whose
 * address they have (sock_from_systemd()) and for "bind fd@N". Call before the first
 * msock_apply(). */
void msock_systemd_take(struct master *m);

/* After the first msock_apply(): warn of every socket systemd passed that no bind line uses,
 * and forget them all. */
void msock_systemd_unused(struct master *m);
