#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "freq.h"
#include "unit.h"

#define P 1000u

START_TEST(test_fresh_counter_inside_period)
{
        struct freq_ctr c;

        memset(&c, 0, sizeof(c));
        ck_assert_uint_eq(freq_ctr_read(&c, P, 0), 0);
        ck_assert_uint_eq(freq_ctr_update(&c, P, 5, 0), 5);
        ck_assert_uint_eq(freq_ctr_update(&c, P, 2, 400), 7);
        ck_assert_uint_eq(atomic_load(&c.curr_tick), 0);
        ck_assert_uint_eq(freq_ctr_read(&c, P, 0), 7);
        ck_assert_uint_eq(freq_ctr_read(&c, P, 999), 7);
}
END_TEST

START_TEST(test_just_after_rotation)
{
        struct freq_ctr c;

        memset(&c, 0, sizeof(c));
        freq_ctr_update(&c, P, 5, 100);
        /* 1200: one period over, the start moves to 1000 (aligned), 5 becomes previous */
        ck_assert_uint_eq(freq_ctr_update(&c, P, 3, 1200), 3);
        ck_assert_uint_eq(atomic_load(&c.curr_tick), 1000);
        ck_assert_uint_eq(atomic_load(&c.prev_ctr), 5);
        /* elapsed 200: 3 + 5 * 800 / 1000 = 3 + 4 */
        ck_assert_uint_eq(freq_ctr_read(&c, P, 1200), 7);
        /* elapsed 0: the whole previous period still counts */
        ck_assert_uint_eq(freq_ctr_read(&c, P, 1000), 8);
        /* elapsed 999: 3 + 5 * 1 / 1000 = 3 + 0 */
        ck_assert_uint_eq(freq_ctr_read(&c, P, 1999), 3);
        /* exactly at the next boundary on update: 3 moves to previous */
        ck_assert_uint_eq(freq_ctr_update(&c, P, 1, 2000), 1);
        ck_assert_uint_eq(atomic_load(&c.curr_tick), 2000);
        ck_assert_uint_eq(freq_ctr_read(&c, P, 2000), 4);
        /* elapsed 250: 1 + 3 * 750 / 1000 = 1 + 2 (2.25 truncated) */
        ck_assert_uint_eq(freq_ctr_read(&c, P, 2250), 3);
}
END_TEST

START_TEST(test_read_without_update_slides)
{
        struct freq_ctr c;

        memset(&c, 0, sizeof(c));
        freq_ctr_update(&c, P, 5, 0);
        freq_ctr_update(&c, P, 3, 1200);
        /* no update since 1200: at 2500 the current period (1000..2000) is the previous one,
         * 500 ms into the next: 3 * 500 / 1000 = 1 */
        ck_assert_uint_eq(freq_ctr_read(&c, P, 2500), 1);
        ck_assert_uint_eq(freq_ctr_read(&c, P, 2000), 3);
        ck_assert_uint_eq(freq_ctr_read(&c, P, 2999), 0);
        /* two periods or more: nothing left */
        ck_assert_uint_eq(freq_ctr_read(&c, P, 3000), 0);
        ck_assert_uint_eq(freq_ctr_read(&c, P, 100000), 0);
}
END_TEST

START_TEST(test_more_than_two_periods)
{
        struct freq_ctr c;

        memset(&c, 0, sizeof(c));
        freq_ctr_update(&c, P, 5, 0);
        freq_ctr_update(&c, P, 3, 1200);
        /* 3700: two periods and more since 1000; previous is 0, start aligned to 3000 */
        ck_assert_uint_eq(freq_ctr_update(&c, P, 10, 3700), 10);
        ck_assert_uint_eq(atomic_load(&c.curr_tick), 3000);
        ck_assert_uint_eq(atomic_load(&c.prev_ctr), 0);
        ck_assert_uint_eq(freq_ctr_read(&c, P, 3700), 10);
        /* 4100: 10 previous, elapsed 100: 2 + 10 * 900 / 1000 = 11 */
        ck_assert_uint_eq(freq_ctr_update(&c, P, 2, 4100), 2);
        ck_assert_uint_eq(freq_ctr_read(&c, P, 4100), 11);
        /* one tick short of two periods: 1999 ms after 3000 */
        ck_assert_uint_eq(freq_ctr_update(&c, P, 1, 5999), 1);
        ck_assert_uint_eq(atomic_load(&c.curr_tick), 5000);
        ck_assert_uint_eq(atomic_load(&c.prev_ctr), 2);
        /* elapsed 999: 1 + 2 * 1 / 1000 */
        ck_assert_uint_eq(freq_ctr_read(&c, P, 5999), 1);
}
END_TEST

START_TEST(test_other_periods_and_large_counts)
{
        struct freq_ctr c;

        memset(&c, 0, sizeof(c));
        /* 10 s period, 3 billion events: the product needs 64 bits */
        freq_ctr_update(&c, 10000, 3000000000u, 0);
        freq_ctr_update(&c, 10000, 0, 10000);
        /* elapsed 2500: 3e9 * 7500 / 10000 */
        ck_assert_uint_eq(freq_ctr_read(&c, 10000, 12500), 2250000000u);
        /* 1 ms period */
        memset(&c, 0, sizeof(c));
        freq_ctr_update(&c, 1, 4, 7);
        ck_assert_uint_eq(atomic_load(&c.curr_tick), 7);
        ck_assert_uint_eq(freq_ctr_read(&c, 1, 7), 4);
        ck_assert_uint_eq(freq_ctr_read(&c, 1, 8), 4);
        ck_assert_uint_eq(freq_ctr_read(&c, 1, 9), 0);
}
END_TEST

START_TEST(test_clock_behind_counts_as_current)
{
        struct freq_ctr c;

        memset(&c, 0, sizeof(c));
        freq_ctr_update(&c, P, 5, 500);
        freq_ctr_update(&c, P, 3, 1500);
        /* another process's clock 2 ms behind the rotation: no rotation backwards */
        ck_assert_uint_eq(freq_ctr_update(&c, P, 1, 998), 4);
        ck_assert_uint_eq(atomic_load(&c.curr_tick), 1000);
        ck_assert_uint_eq(freq_ctr_read(&c, P, 998), 9);
}
END_TEST

START_TEST(test_time_wraps_32_bits)
{
        struct freq_ctr c;
        uint64_t base = 0xfffff000ull; /* 4096 ms before the 32-bit wrap; base % 1000 = 200 */

        memset(&c, 0, sizeof(c));
        /* a fresh counter (start 0) far from 0 rotates with nothing previous */
        ck_assert_uint_eq(freq_ctr_update(&c, P, 8, base), 8);
        ck_assert_uint_eq(atomic_load(&c.prev_ctr), 0);
        ck_assert_uint_eq(atomic_load(&c.curr_tick), (uint32_t)base - 200);
        freq_ctr_update(&c, P, 4, base + 10);
        ck_assert_uint_eq(freq_ctr_read(&c, P, base + 20), 12);
        /* more than two periods later, still on the grid: start base + 3800 */
        ck_assert_uint_eq(freq_ctr_update(&c, P, 1, base + 4500), 1);
        ck_assert_uint_eq(atomic_load(&c.prev_ctr), 0);
        ck_assert_uint_eq(atomic_load(&c.curr_tick), (uint32_t)(base + 3800));
        /* across the wrap: start base + 4800, which is 704 */
        ck_assert_uint_eq(freq_ctr_update(&c, P, 2, base + 5200), 2);
        ck_assert_uint_eq(atomic_load(&c.curr_tick), 704);
        ck_assert_uint_eq(atomic_load(&c.prev_ctr), 1);
        /* elapsed 700: 2 + 1 * 300 / 1000 */
        ck_assert_uint_eq(freq_ctr_read(&c, P, base + 5500), 2);
        ck_assert_uint_eq(freq_ctr_read(&c, P, base + 4800), 3);
}
END_TEST

START_TEST(test_swrate)
{
        _Atomic uint32_t sum = 0;

        ck_assert_uint_eq(freq_swrate_add(&sum, 8, 100), 100);
        ck_assert_uint_eq(freq_swrate_avg(100, 8), 13);
        /* 100 - ceil(100 / 8) + 100 = 187 */
        ck_assert_uint_eq(freq_swrate_add(&sum, 8, 100), 187);
        /* 187 - ceil(187 / 8) + 0 = 163 */
        ck_assert_uint_eq(freq_swrate_add(&sum, 8, 0), 163);
        ck_assert_uint_eq(freq_swrate_avg(163, 8), 21);
        ck_assert_uint_eq(freq_swrate_avg(0, 8), 0);
        /* a constant input from 0 settles at the first sum s with ceil(s / n) = v */
        atomic_store(&sum, 0);
        for (int i = 0; i < 200; i++)
                freq_swrate_add(&sum, 4, 10);
        ck_assert_uint_eq(atomic_load(&sum), 37);
        ck_assert_uint_eq(freq_swrate_avg(37, 4), 10);
}
END_TEST

START_TEST(test_two_processes_same_period_exact)
{
        struct freq_ctr *c =
                mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        pid_t pids[2];
        int status;

        ck_assert_ptr_ne(c, MAP_FAILED);
        freq_ctr_update(c, 60000, 0, 1000);
        for (int i = 0; i < 2; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0) {
                        for (uint32_t j = 0; j < 200000; j++)
                                freq_ctr_update(c, 60000, 1, 1000 + j / 10);
                        _exit(0);
                }
        }
        for (int i = 0; i < 2; i++) {
                ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
                ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        ck_assert_uint_eq(freq_ctr_read(c, 60000, 30000), 400000);
        munmap(c, sizeof(*c));
}
END_TEST

START_TEST(test_two_processes_across_rotations)
{
        struct freq_ctr *c =
                mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        pid_t pids[2];
        int status;
        uint32_t tick;

        ck_assert_ptr_ne(c, MAP_FAILED);
        /* both processes cross the same period boundaries: no event is ever lost, only
         * possibly moved to the previous period, and exactly one rotation wins each time */
        for (int i = 0; i < 2; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0) {
                        for (uint32_t j = 0; j < 100000; j++)
                                freq_ctr_update(c, 100, 1, j / 500);
                        _exit(0);
                }
        }
        for (int i = 0; i < 2; i++) {
                ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
                ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        /* times run 0 .. 199: the last period starts at 100 and both halves saw 50000 events
         * each (j / 500 >= 100 from j = 50000) */
        tick = atomic_load(&c->curr_tick);
        ck_assert_uint_eq(tick, 100);
        ck_assert_uint_eq(atomic_load(&c->curr_ctr) + atomic_load(&c->prev_ctr), 200000);
        munmap(c, sizeof(*c));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("shm/freq");
        TCase *tr = tcase_create("rates");
        TCase *tp = tcase_create("processes");

        tcase_add_test(tr, test_fresh_counter_inside_period);
        tcase_add_test(tr, test_just_after_rotation);
        tcase_add_test(tr, test_read_without_update_slides);
        tcase_add_test(tr, test_more_than_two_periods);
        tcase_add_test(tr, test_other_periods_and_large_counts);
        tcase_add_test(tr, test_clock_behind_counts_as_current);
        tcase_add_test(tr, test_time_wraps_32_bits);
        tcase_add_test(tr, test_swrate);
        tcase_add_test(tp, test_two_processes_same_period_exact);
        tcase_add_test(tp, test_two_processes_across_rotations);
        suite_add_tcase(s, tr);
        suite_add_tcase(s, tp);
        return unit_run(s);
}
