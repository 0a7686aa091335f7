/* Sliding-window frequency counters (HAProxy's freq_ctr and swrate) for the stick tables and
 * anything else that needs a rate shared by processes. Pure functions of the counter and an
 * explicit time; see freq.h for the rotation races and their bounds. */
#include "freq.h"

#include <stdbool.h>

/* How many times a reader tries to get two identical snapshots before using the last one. */
#define FREQ_READ_TRIES 4

/* @now is at most one period before the period start: a clock a little behind the one that
 * rotated, whose events belong to the current period. */
static bool freq__behind(uint32_t elapsed, uint32_t period)
{
        return (uint32_t)-elapsed <= period;
}

uint32_t freq_ctr_update(struct freq_ctr *ctr, uint32_t period, uint32_t inc, uint64_t now_ms)
{
        uint32_t now = (uint32_t)now_ms;
        uint32_t tick = atomic_load_explicit(&ctr->curr_tick, memory_order_acquire);

        for (;;) {
                uint32_t elapsed = now - tick;
                uint32_t next, old;

                if (elapsed < period || freq__behind(elapsed, period))
                        return atomic_fetch_add_explicit(&ctr->curr_ctr, inc,
                                                         memory_order_relaxed) +
                               inc;
                next = now - elapsed % period;
                /* A failed CAS means another process rotated (reloaded into @tick): retry
                 * against its period, which is usually current now. */
                if (!atomic_compare_exchange_weak_explicit(&ctr->curr_tick, &tick, next,
                                                           memory_order_acq_rel,
                                                           memory_order_acquire))
                        continue;
                old = atomic_exchange_explicit(&ctr->curr_ctr, inc, memory_order_relaxed);
                atomic_store_explicit(&ctr->prev_ctr, elapsed < 2 * (uint64_t)period ? old : 0,
                                      memory_order_relaxed);
                return inc;
        }
}

uint32_t freq_ctr_read(const struct freq_ctr *ctr, uint32_t period, uint64_t now_ms)
{
        uint32_t tick, curr, past, elapsed;
        uint64_t remain;

        tick = atomic_load_explicit(&ctr->curr_tick, memory_order_acquire);
        curr = atomic_load_explicit(&ctr->curr_ctr, memory_order_relaxed);
        past = atomic_load_explicit(&ctr->prev_ctr, memory_order_relaxed);
        for (int i = 0; i < FREQ_READ_TRIES; i++) {
                uint32_t t2, c2, p2;
                bool stable;

                atomic_thread_fence(memory_order_acquire);
                t2 = atomic_load_explicit(&ctr->curr_tick, memory_order_acquire);
                c2 = atomic_load_explicit(&ctr->curr_ctr, memory_order_relaxed);
                p2 = atomic_load_explicit(&ctr->prev_ctr, memory_order_relaxed);
                stable = t2 == tick && c2 == curr && p2 == past;
                tick = t2;
                curr = c2;
                past = p2;
                if (stable)
                        break;
        }

        elapsed = (uint32_t)now_ms - tick;
        if (freq__behind(elapsed, period))
                elapsed = 0;
        if (elapsed >= period) {
                /* past the current period: what was current is now the previous one, and
                 * beyond two periods nothing is left */
                elapsed -= period;
                if (elapsed >= period)
                        return 0;
                past = curr;
                curr = 0;
        }
        remain = period - elapsed;
        return curr + (uint32_t)((uint64_t)past * remain / period);
}

uint32_t freq_swrate_add(_Atomic uint32_t *sum, uint32_t n, uint32_t v)
{
        uint32_t old = atomic_load_explicit(sum, memory_order_relaxed);
        uint32_t next;

        do {
                next = old - (uint32_t)(((uint64_t)old + n - 1) / n) + v;
        } while (!atomic_compare_exchange_weak_explicit(sum, &old, next, memory_order_relaxed,
                                                        memory_order_relaxed));
        return next;
}

uint32_t freq_swrate_avg(uint32_t sum, uint32_t n)
{
        return (uint32_t)(((uint64_t)sum + n - 1) / n);
}
