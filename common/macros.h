#pragma once
/* Small macros every folder uses: invariants that stay on in release builds, container_of,
 * array sizes, branch hints. Nothing here allocates, logs through sl_log or hides a return. */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define SL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define sl_likely(x)   __builtin_expect(!!(x), 1)
#define sl_unlikely(x) __builtin_expect(!!(x), 0)

#define sl_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define SL_STRINGIFY_(x) #x
#define SL_STRINGIFY(x)  SL_STRINGIFY_(x)

/* An impossible state: report where and abort, in every build type. Used where continuing
 * would corrupt memory or shared state; never for conditions a client or a config can cause. */
#define SL_BUG_ON(cond)                                    \
        do {                                               \
                if (sl_unlikely(cond))                     \
                        sl_bug(__FILE__, __LINE__, #cond); \
        } while (0)

_Noreturn void sl_bug(const char *file, int line, const char *cond);

#define SL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SL_MAX(a, b) ((a) > (b) ? (a) : (b))
