#pragma once
/* The field of a statistics line (mstat.h, mfield.h): HAProxy's struct field. */

#include <stdint.h>

/* The values of a field (HAProxy's struct field). */
enum mstat_type {
        MSTAT_T_EMPTY = 0,
        MSTAT_T_S32,
        MSTAT_T_U32,
        MSTAT_T_U64,
        MSTAT_T_STR
};

struct mstat_field {
        enum mstat_type type;
        char origin, nature, scope; /* HAProxy's tags: e.g. 'M', 'C', 'P' */
        union {
                int32_t s32;
                uint32_t u32;
                uint64_t u64;
        } u;
        const char *str; /* borrowed until the line is written */
};
