#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "region.h"
#include "stats.h"
#include "unit.h"

static struct stats_row *make_row(uint32_t n, struct shm_region **ret)
{
        uint32_t gids[8];
        struct stats_row *row;

        for (uint32_t i = 0; i < n; i++)
                gids[i] = 10 + i;
        ck_assert_int_eq(stats_row_create(3, 1, n, gids, stats_default_bounds,
                                          stats_n_default_bounds, ret, &row),
                         0);
        return row;
}

START_TEST(test_row_layout_and_attach)
{
        struct shm_region *r, *r2;
        struct stats_row *row = make_row(5, &r), *again;
        int fd;

        ck_assert_uint_eq(row->n_objs, 5);
        ck_assert_uint_eq(row->gen, 3);
        ck_assert_uint_eq(row->slot, 1);
        ck_assert_uint_eq(stats_row_gids(row)[4], 14);
        ck_assert_uint_eq((uintptr_t)stats_row_blk(row, 0) % 64, 0);
        ck_assert_uint_eq(row->bound_ms[10], 10000);
        ck_assert_uint_eq(row->bound_ms[11], STATS_NO_BOUND);
        /* the table of buckets agrees with the search, and past it the search answers */
        for (uint32_t ms = 0; ms < STATS_LUT_MS + 10; ms++)
                ck_assert_uint_eq(stats_row_bucket(row, ms), stats_bucket(row->bound_ms, ms));
        ck_assert_uint_eq(stats_row_bucket(row, 5), 0);
        ck_assert_uint_eq(stats_row_bucket(row, 6), 1);
        ck_assert_uint_eq(stats_row_bucket(row, 10001), 11);
        stats_add(stats_row_blk(row, 2), ST_C_REQ_TOT, 7);
        /* another process maps it from its descriptor, with the generation as definition */
        fd = dup(r->fd);
        ck_assert_int_eq(shm_region_open(fd, STATS_ROW_KIND, 3, &r2), 0);
        ck_assert_int_eq(stats_row_attach(r2, &again), 0);
        ck_assert_uint_eq(stats_row_blk(again, 2)->c[ST_C_REQ_TOT], 7);
        shm_region_free(r2);
        shm_region_free(r);
}
END_TEST

START_TEST(test_bad_rows_refused)
{
        uint32_t gids[2] = {0, 1}, bounds[3] = {10, 10, 20};
        struct shm_region *r;
        struct stats_row *row;

        ck_assert_int_eq(stats_row_create(1, 0, 0, gids, NULL, 0, &r, &row), -EINVAL);
        /* bounds must increase */
        ck_assert_int_eq(stats_row_create(1, 0, 2, gids, bounds, 3, &r, &row), -EINVAL);
        ck_assert_int_eq(stats_row_create(1, 0, 2, gids, bounds, STATS_HBOUNDS + 1, &r, &row),
                         -EINVAL);
}
END_TEST

START_TEST(test_bucket_index)
{
        uint32_t b[STATS_HBOUNDS];

        for (unsigned i = 0; i < STATS_HBOUNDS; i++)
                b[i] = i < 3 ? (i + 1) * 10 : STATS_NO_BOUND;
        /* [0]: v <= 10, [1]: 10 < v <= 20, [2]: <= 30, [3]: +Inf */
        ck_assert_uint_eq(stats_bucket(b, 0), 0);
        ck_assert_uint_eq(stats_bucket(b, 10), 0);
        ck_assert_uint_eq(stats_bucket(b, 11), 1);
        ck_assert_uint_eq(stats_bucket(b, 30), 2);
        ck_assert_uint_eq(stats_bucket(b, 31), 3);
        ck_assert_uint_eq(stats_bucket(b, UINT32_MAX), 3);
}
END_TEST

START_TEST(test_rate_and_max)
{
        struct stats_blk b;

        memset(&b, 0, sizeof(b));
        for (int i = 0; i < 5; i++)
                stats_rate_hit(&b, ST_R_REQ, ST_M_REQ_RATE, 1000 + (uint64_t)i);
        ck_assert_uint_eq(stats_rate_read(&b.r[ST_R_REQ], 1500), 5);
        ck_assert_uint_eq(b.mx[ST_M_REQ_RATE], 5);
        /* half a period later the previous period counts for half */
        stats_rate_hit(&b, ST_R_REQ, ST_M_REQ_RATE, 2500);
        ck_assert_uint_eq(stats_rate_read(&b.r[ST_R_REQ], 2500), 1 + 5 / 2);
        /* two quiet periods: nothing left */
        ck_assert_uint_eq(stats_rate_read(&b.r[ST_R_REQ], 4100), 0);
        ck_assert_uint_eq(b.mx[ST_M_REQ_RATE], 5);
}
END_TEST

START_TEST(test_times_averages_histograms)
{
        struct shm_region *r;
        struct stats_row *row = make_row(1, &r);
        struct stats_blk *b = stats_row_blk(row, 0);
        struct stats_sum s;

        /* no connection: nothing counted, as HAProxy */
        stats_times(row, b, 0, -1, -1, 100, true);
        ck_assert_uint_eq(b->avg_n, 0);
        stats_times(row, b, 0, 2, 40, 60, true);
        stats_times(row, b, 4, 6, 80, 3000, true);
        ck_assert_uint_eq(b->avg_n, 2);
        ck_assert_uint_eq(b->mx[ST_M_TTIME], 3000);
        ck_assert_uint_eq(b->mx[ST_M_RTIME], 80);
        /* 60 ms in the (50, 100] bucket, 3000 in (2500, 5000] */
        ck_assert_uint_eq(b->h[ST_H_TOTAL].bucket[4], 1);
        ck_assert_uint_eq(b->h[ST_H_TOTAL].bucket[9], 1);
        ck_assert_uint_eq(b->h[ST_H_TOTAL].sum_ms, 3060);
        memset(&s, 0, sizeof(s));
        stats_sum_add(&s, b, true, 0);
        /* swrate over the two samples seen: (40 - 40/1 + ...) close to their mean */
        ck_assert_uint_ge(stats_sum_avg(&s, ST_A_RTIME), 40);
        ck_assert_uint_le(stats_sum_avg(&s, ST_A_RTIME), 80);
        stats_total_time(row, b, 20000);
        ck_assert_uint_eq(b->h[ST_H_TOTAL].bucket[STATS_HBOUNDS], 0);
        ck_assert_uint_eq(b->h[ST_H_TOTAL].bucket[stats_n_default_bounds], 1);
        /* a frontend's handshakes: 3 ms in the first bucket, a negative time counts nothing */
        memset(b->h, 0, sizeof(b->h));
        stats_hist_time(row, b, ST_H_FE_TLS_HS, 3);
        stats_hist_time(row, b, ST_H_FE_TLS_HS, -1);
        ck_assert_uint_eq(b->h[ST_H_FE_TLS_HS].bucket[0], 1);
        ck_assert_uint_eq(b->h[ST_H_FE_TLS_HS].sum_ms, 3);
        ck_assert_uint_eq(b->h[ST_H_TOTAL].sum_ms, 0);
        shm_region_free(r);
}
END_TEST

START_TEST(test_fold_keeps_counts_drops_gauges)
{
        struct stats_blk a, live, arch;
        struct stats_sum s;

        memset(&a, 0, sizeof(a));
        memset(&live, 0, sizeof(live));
        memset(&arch, 0, sizeof(arch));
        a.c[ST_C_STOT] = 10;
        a.g[ST_G_CUR] = 3;
        a.mx[ST_M_CUR] = 4;
        a.h[ST_H_TOTAL].bucket[1] = 2;
        live.c[ST_C_STOT] = 5;
        live.g[ST_G_CUR] = 1;
        live.mx[ST_M_CUR] = 2;
        /* worker a ends: what it counted moves to the archive, its gauge ends with it */
        stats_blk_fold(&arch, &a);
        memset(&s, 0, sizeof(s));
        stats_sum_add(&s, &arch, false, 0);
        stats_sum_add(&s, &live, true, 0);
        ck_assert_uint_eq(s.c[ST_C_STOT], 15);
        ck_assert_int_eq(s.g[ST_G_CUR], 1);
        ck_assert_uint_eq(s.mx[ST_M_CUR], 6);
        ck_assert_uint_eq(s.h[ST_H_TOTAL].bucket[1], 2);
        /* folding again adds, and the highest maximum stays */
        a.mx[ST_M_CUR] = 1;
        stats_blk_fold(&arch, &a);
        ck_assert_uint_eq(arch.c[ST_C_STOT], 20);
        ck_assert_uint_eq(arch.mx[ST_M_CUR], 4);
}
END_TEST

/* A worker killed while it counts leaves a row that is read and folded as it is. */
START_TEST(test_writer_killed_row_still_readable)
{
        struct shm_region *r;
        struct stats_row *row = make_row(2, &r);
        struct stats_blk arch;
        pid_t pid = fork();
        int status;

        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                for (;;) {
                        stats_add(stats_row_blk(row, 1), ST_C_BIN, 1);
                        /* as the calls between a worker's counts do: the store happens */
                        __asm__ volatile("" ::: "memory");
                }
        }
        usleep(100000);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        memset(&arch, 0, sizeof(arch));
        stats_blk_fold(&arch, stats_row_blk(row, 1));
        ck_assert_uint_gt(arch.c[ST_C_BIN], 0);
        ck_assert_uint_eq(arch.c[ST_C_BIN], stats_row_blk(row, 1)->c[ST_C_BIN]);
        shm_region_free(r);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("shm/stats");
        TCase *t = tcase_create("stats");

        tcase_add_test(t, test_row_layout_and_attach);
        tcase_add_test(t, test_bad_rows_refused);
        tcase_add_test(t, test_bucket_index);
        tcase_add_test(t, test_rate_and_max);
        tcase_add_test(t, test_times_averages_histograms);
        tcase_add_test(t, test_fold_keeps_counts_drops_gauges);
        tcase_add_test(t, test_writer_killed_row_still_readable);
        suite_add_tcase(s, t);
        return unit_run(s);
}
