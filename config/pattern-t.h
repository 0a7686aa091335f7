#pragma once
/* Patterns of ACLs and maps (acl.h, pat_index.h), and the index over the patterns of one
 * expression that lets big pattern files match in a few lookups. */

#include <stddef.h>
#include <stdint.h>

#include "str.h"

struct cfg_pattern {
        struct sl_str str; /* STR BEG END SUB DIR DOM, and REG source: arena */
        int64_t lo, hi;    /* INT LEN: inclusive range */
        int family;        /* IP: AF_INET or AF_INET6 */
        uint8_t addr[16];  /* IP: network address, host bits cleared */
        unsigned prefix;   /* IP: prefix length */
        void *re;          /* REG: pcre2_code, freed with the generation */
};

/* The addresses of one family and one prefix length, sorted by address (then by pattern
 * number, so the first of equal ones comes first). */
struct cfg_pat_ip_group {
        int family;
        unsigned prefix;
        uint32_t *idx; /* arena array: pattern numbers */
        size_t n;
};

/* What the patterns of one expression are looked up by; all zero: tried in order. */
struct cfg_pat_index {
        /* STR, and BEG without -i: open addressing over the pattern strings (lowercased
         * with -i), each slot a pattern number + 1 (0: empty); equal strings keep the first */
        uint32_t *slots; /* arena */
        size_t mask;     /* slots - 1, a power of two minus one */
        /* BEG: the distinct pattern lengths, longest first */
        uint32_t *lens; /* arena */
        size_t n_lens;
        /* IP: groups, IPv4 then IPv6, longest prefix first within a family */
        struct cfg_pat_ip_group *groups; /* arena */
        size_t n_groups;
        size_t n_v4; /* the first n_v4 groups are IPv4 ones */
};
