/* Clock reads. CLOCK_MONOTONIC is served by the vDSO, so these cost no system call. */
#include "clock.h"

#include <time.h>

static uint64_t clock_read_us(clockid_t id)
{
        struct timespec ts;

        (void)clock_gettime(id, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t sl_clock_us(void)
{
        return clock_read_us(CLOCK_MONOTONIC);
}

uint64_t sl_clock_ms(void)
{
        return clock_read_us(CLOCK_MONOTONIC) / 1000u;
}

uint64_t sl_clock_wall_us(void)
{
        return clock_read_us(CLOCK_REALTIME);
}
