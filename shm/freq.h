#pragma once
/* Sliding-window frequency counters shared by several processes, HAProxy's freq_ctr: one
 * counter for the current period and one for the previous period. The rate over a period P at
 * time now is curr + prev * (P - elapsed) / P, elapsed being the time since the current period
 * started: the previous period's events fade out linearly as the window slides over it
 * (HAProxy's read_freq_ctr_period()). Period starts stay on the grid of the first one (a
 * multiple of P apart); when more than one whole period went by without an event, the previous
 * count is 0.
 *
 * Every function takes the time explicitly (milliseconds, any monotonic origin; only the low
 * 32 bits are kept, differences wrap like HAProxy's now_ms) so callers and tests decide what
 * "now" is. Periods must be 1 .. FREQ_PERIOD_MAX ms. A time at most one period before the
 * period start is taken as another process's clock lagging a little behind the one that
 * rotated (elapsed 0), never as a reason to rotate backwards.
 *
 * Concurrency without locks: an update is one atomic add on the current counter when the
 * period is still running. When it is over, the updater that wins a CAS on the period start
 * rotates: it exchanges the current counter with its own increment and stores the old value as
 * the previous counter. HAProxy takes a lock bit in the period start for this; a process killed
 * while holding it would freeze the counter, so here the CAS alone decides who rotates and the
 * following races are accepted, each bounded to one period:
 *  - an add landing between the winner's CAS and its exchange is counted in the previous
 *    period instead of the current one (weighted by the remaining fraction of the window);
 *  - a rotator killed between the CAS and the exchange leaves the last period's count in the
 *    current counter (the rate reads high by at most that count) until the next rotation; killed
 *    between the exchange and the store, the previous counter keeps an older period's count;
 *  - a reader racing a rotation may mix the two periods: it re-reads until it sees two
 *    identical snapshots, a bounded number of times, then uses the last one.
 * Counters are 32-bit like HAProxy's and wrap after 4 billion events in one period. */

#include <stdatomic.h>
#include <stdint.h>

#define FREQ_PERIOD_MAX 0x7fffffffu

struct freq_ctr {
        _Atomic uint32_t curr_tick; /* start of the current period, ms (low 32 bits) */
        _Atomic uint32_t curr_ctr;  /* events in the current period */
        _Atomic uint32_t prev_ctr;  /* events in the previous period */
};

/* Add @inc events at @now_ms to @ctr, whose period is @period ms, rotating the period first if
 * it is over. Returns the count of the current period including @inc. A zeroed struct is a
 * valid empty counter. */
uint32_t freq_ctr_update(struct freq_ctr *ctr, uint32_t period, uint32_t inc, uint64_t now_ms);

/* Events over the last @period ms at @now_ms: curr + prev * (period - elapsed) / period, with
 * the product computed on 64 bits and divided last, as HAProxy does. */
uint32_t freq_ctr_read(const struct freq_ctr *ctr, uint32_t period, uint64_t now_ms);

/* HAProxy's swrate: a sliding average of the last @n samples kept as a sum, updated atomically.
 * freq_swrate_add() folds @v into *@sum (sum - sum / n + v, rounding the removed share up) and
 * returns the new sum; freq_swrate_avg() turns a sum into the average, rounded up. @n >= 1. */
uint32_t freq_swrate_add(_Atomic uint32_t *sum, uint32_t n, uint32_t v);
uint32_t freq_swrate_avg(uint32_t sum, uint32_t n);
