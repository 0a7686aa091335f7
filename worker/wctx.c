/* The worker's shared state (see wctx.h): proxy lookups, pipes and buffers for every module
 * of the data path. */
#include "wctx.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "macros.h"
#include "stats.h"

struct px_rt *worker_rt(struct worker *w, const struct cfg_proxy *px)
{
        /* proxies are few; a linear scan keeps struct cfg_proxy free of run-time indexes */
        for (size_t i = 0; i < w->gen->n_proxies; i++)
                if (w->gen->proxies[i] == px)
                        return &w->rt[i];
        SL_BUG_ON(true);
        return NULL;
}

struct wpipe *worker_pipe_get(struct worker *w)
{
        struct wpipe *p = w->pipes_free;
        int fds[2];

        if (p) {
                w->pipes_free = p->next;
                return p;
        }
        if (w->n_pipes >= w->max_pipes)
                return NULL;
        if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
                return NULL;
        p = calloc(1, sizeof(*p));
        if (!p) {
                close(fds[0]);
                close(fds[1]);
                return NULL;
        }
        p->rd = fds[0];
        p->wr = fds[1];
        w->n_pipes++;
        return p;
}

static void worker_pipe_close(struct worker *w, struct wpipe *p)
{
        close(p->rd);
        close(p->wr);
        free(p);
        w->n_pipes--;
}

struct wpipe *worker_pipe_put(struct worker *w, struct wpipe *p)
{
        if (!p)
                return NULL;
        if (p->data || w->stopping) {
                worker_pipe_close(w, p);
                return NULL;
        }
        p->next = w->pipes_free;
        w->pipes_free = p;
        return NULL;
}

void worker_pipes_free(struct worker *w)
{
        while (w->pipes_free) {
                struct wpipe *p = w->pipes_free;

                w->pipes_free = p->next;
                worker_pipe_close(w, p);
        }
}

static bool buf_alloc(struct worker *w, struct pool *p, struct buf *b)
{
        char *area = pool_get(p);

        if (!area) {
                /* wcount.h includes this module's header: its helper is spelled out */
                stats_row_blk(w->st, CFG_STATS_PROC)->c[ST_C_POOL_FAILED]++;
                return false;
        }
        buf_attach(b, area, p->size);
        return true;
}

bool worker__buf_alloc(struct worker *w, struct buf *b)
{
        return buf_alloc(w, &w->bufs, b);
}

bool worker__buf_alloc_rx(struct worker *w, struct buf *b)
{
        return buf_alloc(w, &w->bufs_rx, b);
}

/* The pool @b's memory came from: its size tells (a buffer may change hands) */
static struct pool *buf_pool(struct worker *w, const struct buf *b)
{
        return b->size == w->bufs_rx.size ? &w->bufs_rx : &w->bufs;
}

void worker__buf_free(struct worker *w, struct buf *b)
{
        struct pool *p = buf_pool(w, b); /* before buf_detach() forgets the size */

        pool_put(p, buf_detach(b));
}

void worker_buf_drop(struct worker *w, struct buf *b)
{
        if (!buf_is_null(b)) {
                b->data = 0;
                worker__buf_free(w, b);
        }
}
