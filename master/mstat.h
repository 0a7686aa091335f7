#pragma once
/* "show stat" and "show info" for the whole node, as HAProxy writes them: CSV (HAProxy's
 * columns in HAProxy's order, sluice's own after them), "typed" (one field per line with
 * its tags) and JSON (HAProxy's schema). The values are the master's sums over every
 * worker, old generations still draining included (mstats.h). The exporter and the stats
 * page read the same fields. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct master;
struct stats_sum;

enum mstat_format {
        MSTAT_CSV,
        MSTAT_TYPED,
        MSTAT_JSON
};

/* What a "show stat" shows: every proxy, or one (by name or iid), and which kinds of
 * objects (HAProxy's type mask: 1 frontends, 2 backends, 4 servers, -1 all) and which
 * server (sid, -1 all). */
struct mstat_filter {
        const char *proxy; /* NULL: every one */
        int iid;           /* -1: by @proxy or every one */
        int types;
        int sid;
        bool legends; /* addresses, cookies, algorithms (level operator and above) */
};

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

/* Where a "show stat" written in pieces is: zeroed before the first. */
struct mstat_cursor {
        uint64_t next;   /* objects already written */
        unsigned n_objs; /* JSON objects written (commas) */
        bool done;
};

/* Write the node's "show stat" in @fmt to @out, from where @cur is, until it is complete
 * (cur->done) or @out holds @limit bytes or more (at an object's end). Returns 0 or
 * -ENOMEM. */
int mstat_show_stat(struct master *m, const struct mstat_filter *f, enum mstat_format fmt,
                    struct mstat_cursor *cur, long limit, FILE *out);

/* Write "show info" in @fmt to @out. Returns 0 or -ENOMEM. */
int mstat_show_info(struct master *m, enum mstat_format fmt, FILE *out);

/* The name of stat column @i (HAProxy's), NULL past the last. */
const char *mstat_field_name(unsigned i);
