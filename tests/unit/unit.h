#pragma once
/* Shared main for the Check unit tests: runs one suite, prints TAP on stdout (one line per
 * test case, so meson counts every case), exits non-zero if any case failed. */

#include <stddef.h>
#include <stdint.h>

#include <check.h>

int unit_run(Suite *s);

/* A copy of @n bytes placed so that its last byte is the last one before a PROT_NONE page:
 * a parser reading past the end faults (picohttpparser's trick). */
struct guard {
        uint8_t *map;
        size_t map_len;
        union {
                const uint8_t *p;
                const char *s; /* the same bytes, for text parsers */
        };
};

struct guard guard_new(const void *s, size_t n);
void guard_free(struct guard *g);
