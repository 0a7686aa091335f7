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
        size_t lut_off = gid_off + (size_t)n_objs * sizeof(uint32_t);
        size_t blk_off = align64(lut_off + STATS_LUT_MS);
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
        for (unsigned i = 0; i < STATS_HSEARCH; i++)
                row->bound_ms[i] = i < n_bounds ? bounds[i] : STATS_NO_BOUND;
        row->gid_off = gid_off;
        row->blk_off = blk_off;
        row->lut_off = (uint32_t)lut_off;
        for (uint32_t ms = 0; ms < STATS_LUT_MS; ms++)
                ((uint8_t *)row + lut_off)[ms] = (uint8_t)stats_bucket(row->bound_ms, ms);
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
            row->lut_off != row->gid_off + (uint64_t)row->n_objs * sizeof(uint32_t) ||
            row->blk_off < row->lut_off + (uint64_t)STATS_LUT_MS ||
            (size - row->blk_off) / sizeof(struct stats_blk) < row->n_objs)
                return -EPROTO;
        *ret_row = row;
        return 0;
}

void stats__rate_rotate(struct stats_rate1 *r1, uint32_t now)
{
        uint32_t elapsed = now - r1->tick;

        /* a whole period without events: nothing is left of the previous one */
        r1->prev = elapsed < 2 * STATS_RATE_MS ? r1->curr : 0;
        r1->curr = 0;
        r1->tick = now - elapsed % STATS_RATE_MS;
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

static inline void hist_hit(const struct stats_row *row, struct stats_hist1 *h, uint32_t v)
{
        h->bucket[stats_row_bucket(row, v)]++;
        h->sum_ms += v;
}

/* HAProxy's swrate_add(): sum - sum / n + v over STATS_SWRATE_N samples, the division a
 * shift. The removed share is rounded down, so that until there are that many samples the
 * sum has lost nothing and a reader divides it by the samples seen (stats_sum_add()), as
 * HAProxy's dynamic window does, without a division here. */
static inline void avg_max(struct stats_blk *b, enum stats_avg a, enum stats_max m, uint32_t v)
{
        b->avg[a] = b->avg[a] - b->avg[a] / STATS_SWRATE_N + v;
        b->mx[m] = v > b->mx[m] ? v : b->mx[m];
}

void stats_times(const struct stats_row *row, struct stats_blk *b, int tw, int tc, int tr, int ta,
                 bool hist)
{
        if (tc < 0 || tr < 0)
                return;
        b->avg_n += b->avg_n < STATS_SWRATE_N;
        tw = tw < 0 ? 0 : tw;
        ta = ta < 0 ? 0 : ta;
        avg_max(b, ST_A_QTIME, ST_M_QTIME, (uint32_t)tw);
        avg_max(b, ST_A_CTIME, ST_M_CTIME, (uint32_t)tc);
        avg_max(b, ST_A_RTIME, ST_M_RTIME, (uint32_t)tr);
        avg_max(b, ST_A_TTIME, ST_M_TTIME, (uint32_t)ta);
        if (!hist)
                return;
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

void stats_hist_time(const struct stats_row *row, struct stats_blk *b, enum stats_hist h, int ms)
{
        if (ms >= 0)
                hist_hit(row, &b->h[h], (uint32_t)ms);
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
                /* the average over the samples the row has, up to the window, rounded to
                 * the nearest ms */
                s->avg_sum[i] += (RD(b->avg[i]) + n / 2) / n;
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

void stats_sum_merge(struct stats_sum *be, const struct stats_sum *srv)
{
        /* a backend's sessions, and its UP to DOWN transitions, are its own (HAProxy) */
        for (unsigned i = 0; i < ST_C_COUNT; i++)
                if (i != ST_C_STOT && i != ST_C_CHKDOWN && i != ST_C_CHKFAIL)
                        be->c[i] += srv->c[i];
        for (unsigned i = 0; i < ST_H_COUNT; i++) {
                for (unsigned k = 0; k <= STATS_HBOUNDS; k++)
                        be->h[i].bucket[k] += srv->h[i].bucket[k];
                be->h[i].sum_ms += srv->h[i].sum_ms;
        }
        for (unsigned i = 0; i < ST_A_COUNT; i++) {
                be->avg_sum[i] += srv->avg_sum[i];
                be->avg_n[i] += srv->avg_n[i];
        }
        for (unsigned i = ST_M_QTIME; i <= ST_M_TTIME; i++)
                be->mx[i] = srv->mx[i] > be->mx[i] ? srv->mx[i] : be->mx[i];
}
