#pragma once
/* Listening sockets of a worker: its copies of the sockets the master bound for its slot,
 * one per bind address (and port of a range). */

#include <stdbool.h>

#include "list.h"
#include "loop.h"
#include "model.h"

struct tls_bind;
struct worker;

struct listener {
        struct sl_list link; /* in worker->listeners */
        struct loop_io io;
        int fd;                      /* owned */
        struct worker *w;            /* borrowed */
        const struct cfg_proxy *fe;  /* borrowed from the worker's generation */
        const struct cfg_bind *bind; /* borrowed */
        const struct tls_bind *tls;  /* borrowed from the worker's TLS set; NULL: no TLS */
        unsigned port;               /* the port of this socket (ranges: one each) */
        bool paused;                 /* its frontend is at its maxconn */
        bool disabled;               /* "disable frontend" */
        bool unbound;                /* not listening: the master paused it (SIGTTOU) */
        struct loop_reap reap;       /* freed at the end of the turn it was closed in */
};

/* Take the master's sockets for every address of every frontend of the worker's generation.
 * Errors are logged with the bind line's file and line; returns 0 or the first negative
 * errno. */
int listeners_bind(struct worker *w);

/* "disable frontend" (@on false) and "enable frontend": stop watching the frontend's
 * sockets (the kernel queues connections in their backlogs meanwhile) or watch them again.
 * Returns how many sockets changed. */
unsigned listeners_frontend_enable(struct worker *w, const struct cfg_proxy *fe, bool on);

/* Stop accepting (maxconn reached) and start again. */
void listeners_pause(struct worker *w);
void listeners_resume(struct worker *w);

/* Stop and resume accepting for one frontend (its own maxconn). */
void listeners_pause_frontend(struct worker *w, const struct cfg_proxy *fe);
void listeners_resume_frontend(struct worker *w, const struct cfg_proxy *fe);

/* SIGTTOU, SIGTTIN: the master stopped or restarted listening on the sockets; watch those
 * that listen. */
void listeners_sync(struct worker *w);

/* Stop (@pause) or resume accepting on the TLS listeners only (maxsslconn, maxsslrate). */
void listeners_tls_pause(struct worker *w, bool pause);

/* Close every listener. */
void listeners_close(struct worker *w);
