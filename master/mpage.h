#pragma once
/* The stats page ("stats enable", "stats uri", ...): the HTML page operators know from
 * HAProxy (the process, then each proxy's frontend, servers and backend with their state's
 * colour, sessions, rates, bytes, errors), its ";csv", ";json" and ";typed" exports, and
 * the admin form's actions when "stats admin" allows them. Rendered by the master from the
 * whole node's sums (mstat.h), like the exporter; a worker asks for it (worker/wsvc.h). */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct master;

/* A request for the page, as the worker sends it */
struct mpage_req {
        const char *px;     /* the proxy whose page it is */
        bool admin;         /* "stats admin" allows the form's actions */
        const char *method; /* "GET", "HEAD" or "POST" */
        const char *prefix; /* its "stats uri" */
        const char *tail;   /* the request's path and query after the prefix */
        const char *client; /* "address[, user]", for the log of what it changes */
        const char *body;   /* a POST's form, NULL: none */
        size_t body_len;
        bool excessive; /* the POST's body was larger than a form */
};

/* What the page answers besides its body */
struct mpage_answer {
        unsigned status;   /* 200, or 303 after a POST */
        const char *ctype; /* a literal */
        char extra[1024];  /* more fields, "Name: value" lines (Location, Refresh) */
};

/* Answer @rq: the body to @out, the rest into @ans. 0 or -ENOMEM. */
int mpage_render(struct master *m, const struct mpage_req *rq, FILE *out, struct mpage_answer *ans);
