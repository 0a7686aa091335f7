#pragma once
/* A command the master asks its workers (the runtime API's session commands, mcmd.c): the
 * command goes to each live worker of every generation on its CLI socketpair with one end
 * of a new socketpair (worker/wcli.h), and the worker writes its answer there and closes
 * it. The master reads the answers in its loop, never waiting, and says when all are in or
 * the time is up. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct master;
struct mfan;

#define MFAN_TIMEOUT_MS 5000        /* a worker that has not answered by then is left out */
#define MFAN_ANSWER_MAX (64u << 20) /* bytes kept of one worker's answer */

struct mfan_answer {
        pid_t pid;
        unsigned gen;
        bool current;  /* of the current generation */
        bool complete; /* read to its end */
        char *text;    /* owned, NUL-terminated; may be empty */
        size_t len;
};

/* Ask @cmd of every live worker (@current: of the current generation), or of the one of pid
 * @only (> 0). @done(@arg) is called
 * from the loop, never from here, once every answer is in or MFAN_TIMEOUT_MS passed.
 * NULL when out of memory. */
struct mfan *mfan_start(struct master *m, const char *cmd, pid_t only, bool current,
                        void (*done)(void *arg), void *arg);

bool mfan_done(const struct mfan *f);

/* The answers: one per worker asked, in the order of the master's list. */
size_t mfan_count(const struct mfan *f);
const struct mfan_answer *mfan_answer(const struct mfan *f, size_t i);

/* Stop reading and free; @done is not called after. Accepts NULL; returns NULL. */
struct mfan *mfan_free(struct mfan *f);
