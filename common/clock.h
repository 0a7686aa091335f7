#pragma once
/* Monotonic time for timers and durations, and wall-clock time for logs. */

#include <stdint.h>

/* CLOCK_MONOTONIC in microseconds. */
uint64_t sl_clock_us(void);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t sl_clock_ms(void);

/* CLOCK_REALTIME in microseconds since the epoch. */
uint64_t sl_clock_wall_us(void);
