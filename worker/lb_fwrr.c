/* HAProxy's roundrobin order as a table (see lb_fwrr.h), built by lb.c whenever the weights
 * of a roundrobin backend change.
 *
 * What HAProxy's fwrr does, as this file reproduces it. Weights are scaled by 16 ("effective
 * weights"); W is their sum. Servers wait in one of three ordered sets:
 *   - "init": servers starting a window, heaviest first, ties in the order they entered;
 *   - "current": servers placed at their next position in the window, earliest first;
 *   - "next": servers whose next position falls past the window, heaviest first.
 * A window starts with every server in "init" and the position at W. Each pick takes the
 * first server of "current" if its position is due, else the first of "init" (which then
 * starts at the current position), else the first of "current" anyway; the server's next
 * position is its position plus W / weight (the remainders are carried, so a weight that
 * does not divide W still gets exactly its share), and the window position moves by one. A
 * server whose next position is past the window waits in "next". When "init" and "current"
 * are both empty, "next" becomes "init" and a new window starts.
 *
 * Between windows nothing is remembered but the order of the servers in "init", so the
 * order of picks repeats once a window starts with the servers in their first order: that
 * is the cycle lb_fwrr_order() stops at. It is usually the first window (about 16 * sum of
 * weights picks), whose picks then repeat every sum of weights; lb.c keeps the shortest. */
#include "lb_fwrr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#define FWRR_SCALE    16u                 /* HAProxy's BE_WEIGHT_SCALE */
#define FWRR_UW_RANGE 256u                /* user weights 0..256 */
#define FWRR_EW_MAX   (256u * FWRR_SCALE) /* the largest effective weight */

/* An entry of an ordered set: smallest key first, then the one that entered first. */
struct fwrr_ent {
        uint64_t key;
        uint32_t seq;
        uint32_t k; /* server position in the weights */
};

struct fwrr_heap {
        struct fwrr_ent *e; /* owned, room for every server */
        uint32_t n;
};

struct fwrr_srv {
        uint64_t npos;    /* its next position */
        uint32_t rweight; /* carried remainder of W / weight */
        uint32_t ew;      /* effective weight */
};

static bool fwrr_less(const struct fwrr_ent *a, const struct fwrr_ent *b)
{
        return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

static void fwrr_push(struct fwrr_heap *h, struct fwrr_ent v)
{
        uint32_t i = h->n++;

        while (i > 0 && fwrr_less(&v, &h->e[(i - 1) / 2])) {
                h->e[i] = h->e[(i - 1) / 2];
                i = (i - 1) / 2;
        }
        h->e[i] = v;
}

static struct fwrr_ent fwrr_pop(struct fwrr_heap *h)
{
        struct fwrr_ent top = h->e[0], last = h->e[--h->n];
        uint32_t i = 0;

        for (;;) {
                uint32_t c = 2 * i + 1;

                if (c >= h->n)
                        break;
                if (c + 1 < h->n && fwrr_less(&h->e[c + 1], &h->e[c]))
                        c++;
                if (!fwrr_less(&h->e[c], &last))
                        break;
                h->e[i] = h->e[c];
                i = c;
        }
        if (h->n)
                h->e[i] = last;
        return top;
}

static int fwrr_cmp(const void *a, const void *b)
{
        const struct fwrr_ent *x = a, *y = b;

        return fwrr_less(x, y) ? -1 : fwrr_less(y, x);
}

/* Does the set @h hold the servers in the order @first (n entries)? Uses @tmp (n entries). */
static bool fwrr_same_order(const struct fwrr_heap *h, const uint32_t *first, struct fwrr_ent *tmp,
                            uint32_t n)
{
        if (h->n != n)
                return false;
        for (uint32_t i = 0; i < n; i++)
                tmp[i] = h->e[i];
        qsort(tmp, n, sizeof(*tmp), fwrr_cmp);
        for (uint32_t i = 0; i < n; i++)
                if (tmp[i].k != first[i])
                        return false;
        return true;
}

int lb_fwrr_order(const uint32_t *w, uint32_t n, uint32_t *out, uint32_t cap)
{
        struct fwrr_heap sets[3] = {{0}}, *cur = &sets[0], *init = &sets[1], *next = &sets[2];
        struct fwrr_srv *srv = NULL;
        struct fwrr_ent *tmp = NULL;
        uint32_t *first = NULL, seq = 0, len = 0;
        uint64_t total = 0, cur_pos;
        int r = -ENOMEM;

        if (n == 0 || cap == 0)
                return -EINVAL;
        for (uint32_t k = 0; k < n; k++) {
                if (w[k] == 0 || w[k] > FWRR_UW_RANGE)
                        return -EINVAL;
                total += (uint64_t)w[k] * FWRR_SCALE;
        }
        srv = calloc(n, sizeof(*srv));
        tmp = calloc(n, sizeof(*tmp));
        first = calloc(n, sizeof(*first));
        for (int i = 0; i < 3; i++)
                sets[i].e = calloc(n, sizeof(struct fwrr_ent));
        if (!srv || !tmp || !first || !sets[0].e || !sets[1].e || !sets[2].e)
                goto out;

        for (uint32_t k = 0; k < n; k++) {
                srv[k].ew = w[k] * FWRR_SCALE;
                fwrr_push(init, (struct fwrr_ent){FWRR_EW_MAX - srv[k].ew, seq++, k});
        }
        for (uint32_t i = 0; i < n; i++)
                tmp[i] = init->e[i];
        qsort(tmp, n, sizeof(*tmp), fwrr_cmp);
        for (uint32_t i = 0; i < n; i++)
                first[i] = tmp[i].k;
        /* the weights do not change here: every window weighs W and starts at position W */
        cur_pos = total;

        while (len < cap) {
                struct fwrr_ent e;
                struct fwrr_srv *s;

                if (cur->n && srv[cur->e[0].k].npos <= cur_pos) {
                        e = fwrr_pop(cur);
                } else if (init->n) {
                        e = fwrr_pop(init);
                        srv[e.k].npos = 0;
                        srv[e.k].rweight = 0;
                } else if (cur->n) {
                        e = fwrr_pop(cur);
                } else {
                        /* the window is over: every server waits in "next" */
                        struct fwrr_heap *swap = init;

                        init = next;
                        next = swap;
                        cur_pos = total;
                        if (fwrr_same_order(init, first, tmp, n))
                                break;
                        continue;
                }
                s = &srv[e.k];
                if (s->npos == 0)
                        s->npos = cur_pos;
                s->npos += total / s->ew;
                s->rweight += (uint32_t)(total % s->ew);
                if (s->rweight >= s->ew) {
                        s->rweight -= s->ew;
                        s->npos++;
                }
                cur_pos++;
                if (s->npos >= 2 * total) {
                        /* past the window: it starts the next one afresh */
                        fwrr_push(next, (struct fwrr_ent){FWRR_EW_MAX - s->ew, seq++, e.k});
                } else {
                        /* HAProxy's key: the position, then the lighter remainder first */
                        uint64_t key = FWRR_UW_RANGE * s->npos +
                                       (FWRR_EW_MAX + s->rweight - s->ew) / FWRR_SCALE;

                        fwrr_push(cur, (struct fwrr_ent){key, seq++, e.k});
                }
                out[len++] = e.k;
        }
        r = (int)len;
out:
        for (int i = 0; i < 3; i++)
                free(sets[i].e);
        free(first);
        free(tmp);
        free(srv);
        return r;
}
