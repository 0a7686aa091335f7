#pragma once
/* -dM: HAProxy's memory debugging options (management guide, "-dM"), for the pools of every
 * worker (pool.h). The command line is read by master/ with pool_debug_parse(); the result
 * goes to each worker's pools with pool_set_debug(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum {
        POOL_DBG_POISON = 1u << 0,     /* objects filled with the byte when handed out and when
                                        * given back */
        POOL_DBG_NO_CACHE = 1u << 1,   /* no spares: every get is a malloc, every put a free */
        POOL_DBG_COLD_FIRST = 1u << 2, /* the spare given back longest ago is handed out first */
        POOL_DBG_INTEGRITY = 1u << 3,  /* spares hold a pattern, checked when handed out again */
        POOL_DBG_TAG = 1u << 4,        /* a mark after each object, checked when it comes back */
};

/* HAProxy's default poisoning byte: 'P'. */
#define POOL_POISON_DEFAULT 0x50

struct pool_debug {
        unsigned flags; /* POOL_DBG_* */
        int poison;     /* 0..255: the byte of POOL_DBG_POISON (and of the integrity pattern) */
};

/* What pool_debug_parse() found. */
enum pool_debug_parsed {
        POOL_DEBUG_SET = 0, /* *d updated */
        POOL_DEBUG_HELP,    /* "help": print pool_debug_help() and exit 0, as HAProxy */
};

/* Read the text after "-dM", HAProxy's "[<byte>][,][<option>[,<option>]...]": an empty
 * text or one starting with a number sets the poisoning byte (0x50 when empty; a negative
 * number turns poisoning off), then options set or clear flags: poison/no-poison,
 * no-cache/cache, cold-first/hot-first, integrity/no-integrity, tag/no-tag. no-merge/merge
 * and no-global/global change nothing in sluice (its pools are never merged, and a worker has
 * no cache shared between threads): @notice names them (may be NULL). Several -dM add up,
 * each starting from *d. Returns a pool_debug_parsed, or -EINVAL with a message in @err. */
int pool_debug_parse(const char *arg, struct pool_debug *d, char *notice, size_t notice_size,
                     char *err, size_t errsz);

/* HAProxy's table of options, '*' marking the current setting of each. */
void pool_debug_help(FILE *out, const struct pool_debug *d);
