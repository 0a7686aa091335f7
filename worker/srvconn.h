#pragma once
/* Connections to servers. A session owns its server connection while a request uses it;
 * afterwards a reusable connection goes to its server's idle list in the worker (HAProxy's
 * http-reuse), watched so that a server closing it removes it at once. */

#include <stdbool.h>
#include <sys/socket.h>

#include "list.h"
#include "loop.h"

struct sess;
struct px_rt;
struct worker;

struct srv_conn {
        struct loop_io io;
        int fd;                   /* owned */
        struct worker *w;         /* borrowed */
        struct px_rt *rt;         /* borrowed: the backend's run-time state */
        int srv_idx;              /* server index in the backend */
        struct sess *owner;       /* borrowed; NULL while idle */
        struct sl_list idle_link; /* in rt->idle[srv_idx] while idle */
        bool connecting;          /* connect() in progress */
        struct loop_reap reap;    /* freed at the end of the turn it was closed in */
};

/* Open a non-blocking connection to @addr. Returns 0 and *ret, or a negative errno (the
 * connect() error when it failed at once). */
int srv_conn_open(struct worker *w, struct px_rt *rt, int srv_idx, const struct sockaddr *addr,
                  socklen_t len, struct srv_conn **ret);

/* Take an idle connection to server @srv_idx of @rt, or NULL. */
struct srv_conn *srv_conn_take_idle(struct px_rt *rt, int srv_idx);

/* Give back a connection that may carry another request: keep it idle, or close it when the
 * server has enough idle ones. */
void srv_conn_release(struct srv_conn *c);

/* Close and free; accepts NULL; returns NULL. */
struct srv_conn *srv_conn_close(struct srv_conn *c);

/* Close every idle connection (soft stop, exit). */
void srv_conn_close_idle(struct px_rt *rt, int n_servers);
