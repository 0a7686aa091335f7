/* Per-worker statistics rows (stats.h): made by the master, written by one worker each,
 * summed by the master's readers, folded into the master's archive when a worker ends. */
#include "stats.h"

#include <errno.h>
#include <string.h>

#include "region.h"

_Static_assert(sizeof(struct stats_row) == 128, "the row head is two cache lines");
_Static_assert(sizeof(struct stats_blk) % 64 == 0, "one block per set of cache lines");

const uint32_t stats_default_bounds[] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};
const unsigned stats_n_default_bounds = sizeof(stats_default_bounds) / sizeof(uint32_t);

#define RD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)

static size_t align64(size_t n)
{
        return (n + 63) & ~(size_t)63;
}

int stats_row_create(uint32_t gen, uint32_t slot, uint32_t n_objs, const uint32_t *gids,
                     const uint32_t *bounds, unsigned n_bounds, struct shm_region **ret_region,
                     struct stats_row **ret_row)
{
        size_t gid_off = sizeof(struct stats_row);
        size_t blk_off = align64(gid_off + (size_t)n_objs * sizeof(uint32_t));
        struct shm_region *r;
        struct stats_row *row;
        int err;

        if (n_objs == 0 || n_objs > STATS_MAX_OBJS || n_bounds > STATS_HBOUNDS)
                return -EINVAL;
        for (unsigned i = 1; i < n_bounds; i++)
                if (bounds[i] <= bounds[i - 1])
                        return -EINVAL;
        err = shm_region_create(STATS_ROW_KIND, gen,
                                blk_off + (size_t)n_objs * sizeof(struct stats_blk), &r);
        if (err < 0)
                return err;
        row = shm_region_payload(r);
        row->layout = STATS_LAYOUT;
        row->n_objs = n_objs;
        row->gen = gen;
        row->slot = slot;
        row->n_bounds = n_bounds;
        for (unsigned i = 0; i < STATS_HBOUNDS; i++)
                row->bound_ms[i] = i < n_bounds ? bounds[i] : STATS_NO_BOUND;
        row->gid_off = gid_off;
        row->blk_off = blk_off;
        memcpy((char *)row + gid_off, gids, (size_t)n_objs * sizeof(uint32_t));
        *ret_region = r;
        *ret_row = row;
        return 0;
}

int stats_row_attach(struct shm_region *r, struct stats_row **ret_row)
{
        struct stats_row *row = shm_region_payload(r);
        size_t size = shm_region_payload_size(r);

        if (size < sizeof(*row) || row->layout != STATS_LAYOUT || row->n_objs == 0 ||
            row->n_objs > STATS_MAX_OBJS || row->n_bounds > STATS_HBOUNDS ||
            row->gid_off != sizeof(*row) || row->blk_off % 64 ||
            row->blk_off < row->gid_off + (uint64_t)row->n_objs * sizeof(uint32_t) ||
            (size - row->blk_off) / sizeof(struct stats_blk) < row->n_objs)
                return -EPROTO;
        *ret_row = row;
        return 0;
}

/* The current period of @r1 at @now, rotated first if over (single writer). */
static void rate_rotate(struct stats_rate1 *r1, uint32_t now)
{
        uint32_t elapsed = now - r1->tick;

        if (elapsed < STATS_RATE_MS)
                return;
        /* a whole period without events: nothing is left of the previous one */
        r1->prev = elapsed < 2 * STATS_RATE_MS ? r1->curr : 0;
        r1->curr = 0;
        r1->tick = now - elapsed % STATS_RATE_MS;
}

void stats_rate_hit(struct stats_blk *b, enum stats_rate r, enum stats_max m, uint64_t now_ms)
{
        struct stats_rate1 *r1 = &b->r[r];
        uint32_t v;

        rate_rotate(r1, (uint32_t)now_ms);
        r1->curr++;
        v = stats_rate_read(r1, now_ms);
        if (v > b->mx[m])
                b->mx[m] = v;
}

uint32_t stats_rate_read(const struct stats_rate1 *r1, uint64_t now_ms)
{
        uint32_t tick = RD(r1->tick), curr = RD(r1->curr), prev = RD(r1->prev);
        uint32_t elapsed = (uint32_t)now_ms - tick;

        /* a reader's clock a little behind the writer's: the period just started */
        if (elapsed > 0x80000000u)
                elapsed = 0;
        if (elapsed >= 2 * STATS_RATE_MS)
                return 0;
        if (elapsed >= STATS_RATE_MS) {
                prev = curr;
                curr = 0;
                elapsed -= STATS_RATE_MS;
        }
        return curr + (uint32_t)(((uint64_t)prev * (STATS_RATE_MS - elapsed)) / STATS_RATE_MS);
}

static void hist_hit(const struct stats_row *row, struct stats_hist1 *h, uint32_t v)
{
        h->bucket[stats_bucket(row->bound_ms, v)]++;
        h->sum_ms += v;
}

static void avg_max(struct stats_blk *b, enum stats_avg a, enum stats_max m, uint32_t v, uint32_t n)
{
        /* HAProxy's swrate_add_dynamic(): sum - sum / n + v, the removed share rounded up,
         * over the samples seen so far until there are STATS_SWRATE_N */
        b->avg[a] = b->avg[a] - (b->avg[a] + n - 1) / n + v;
        if (v > b->mx[m])
                b->mx[m] = v;
}

void stats_times(const struct stats_row *row, struct stats_blk *b, int tw, int tc, int tr, int ta)
{
        uint32_t n;

        if (tc < 0 || tr < 0)
                return;
        if (b->avg_n < STATS_SWRATE_N)
                b->avg_n++;
        n = b->avg_n;
        tw = tw < 0 ? 0 : tw;
        ta = ta < 0 ? 0 : ta;
        avg_max(b, ST_A_QTIME, ST_M_QTIME, (uint32_t)tw, n);
        avg_max(b, ST_A_CTIME, ST_M_CTIME, (uint32_t)tc, n);
        avg_max(b, ST_A_RTIME, ST_M_RTIME, (uint32_t)tr, n);
        avg_max(b, ST_A_TTIME, ST_M_TTIME, (uint32_t)ta, n);
        hist_hit(row, &b->h[ST_H_QUEUE], (uint32_t)tw);
        hist_hit(row, &b->h[ST_H_CONNECT], (uint32_t)tc);
        hist_hit(row, &b->h[ST_H_RESPONSE], (uint32_t)tr);
        hist_hit(row, &b->h[ST_H_TOTAL], (uint32_t)ta);
}

void stats_total_time(const struct stats_row *row, struct stats_blk *b, int ta)
{
        if (ta >= 0)
                hist_hit(row, &b->h[ST_H_TOTAL], (uint32_t)ta);
}

static void hist_add(struct stats_hist1 *d, const struct stats_hist1 *s)
{
        for (unsigned i = 0; i <= STATS_HBOUNDS; i++)
                d->bucket[i] += RD(s->bucket[i]);
        d->sum_ms += RD(s->sum_ms);
}

void stats_sum_add(struct stats_sum *s, const struct stats_blk *b, bool live, uint64_t now_ms)
{
        uint64_t last = RD(b->last_ms);
        uint32_t n;

        for (unsigned i = 0; i < ST_C_COUNT; i++)
                s->c[i] += RD(b->c[i]);
        for (unsigned i = 0; i < ST_H_COUNT; i++)
                hist_add(&s->h[i], &b->h[i]);
        for (unsigned i = 0; i < ST_M_COUNT; i++) {
                uint64_t v = RD(b->mx[i]);

                if (live)
                        s->mx[i] += v;
                else if (v > s->mx[i])
                        s->mx[i] = v;
        }
        if (last > s->last_ms)
                s->last_ms = last;
        if (!live)
                return;
        for (unsigned i = 0; i < ST_G_COUNT; i++)
                s->g[i] += RD(b->g[i]);
        for (unsigned i = 0; i < ST_R_COUNT; i++)
                s->rate[i] += stats_rate_read(&b->r[i], now_ms);
        n = RD(b->avg_n);
        for (unsigned i = 0; n && i < ST_A_COUNT; i++) {
                /* HAProxy's swrate_avg() over the samples the row has */
                s->avg_sum[i] += (RD(b->avg[i]) + n - 1) / n;
                s->avg_n[i]++;
        }
}

void stats_blk_fold(struct stats_blk *dst, const struct stats_blk *src)
{
        uint64_t last = RD(src->last_ms);

        for (unsigned i = 0; i < ST_C_COUNT; i++)
                dst->c[i] += RD(src->c[i]);
        for (unsigned i = 0; i < ST_H_COUNT; i++)
                hist_add(&dst->h[i], &src->h[i]);
        for (unsigned i = 0; i < ST_M_COUNT; i++) {
                uint64_t v = RD(src->mx[i]);

                if (v > dst->mx[i])
                        dst->mx[i] = v;
        }
        if (last > dst->last_ms)
                dst->last_ms = last;
}

uint64_t stats_sum_avg(const struct stats_sum *s, enum stats_avg a)
{
        return s->avg_n[a] ? s->avg_sum[a] / s->avg_n[a] : 0;
}
