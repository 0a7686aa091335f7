#pragma once
/* Indexes over the patterns of one ACL expression or map key list, built once at load so
 * that a file of many thousand patterns matches in a few lookups, and that a map gives the
 * value HAProxy's gives: exact strings by hash (the first of equal ones), prefixes ("beg"
 * without -i) longest first, addresses longest prefix first (the sample's family, then the
 * other through IPv4-mapped IPv6). Other methods, and "beg" with -i, try the patterns in
 * order, as HAProxy's lists do. */

#include <stdbool.h>
#include <stddef.h>

#include "pattern-t.h"
#include "sample_expr.h"

struct cfg_arena;

/* Build *@ret over @n patterns @pats of method @m (strings lowercased by @icase). Leaves
 * *@ret empty for methods that are tried in order. False when out of memory. */
bool cfg_pat_index_build(struct cfg_arena *a, enum cfg_match m, bool icase,
                         const struct cfg_pattern *pats, size_t n, struct cfg_pat_index *ret);

/* Is there an index to look up (else: try the patterns in order)? */
bool cfg_pat_index_used(const struct cfg_pat_index *ix, enum cfg_match m);

/* The number of the pattern @v matches (a string for STR and BEG, an address for IP), or
 * -1. Only where cfg_pat_index_used(). */
long cfg_pat_index_find(const struct cfg_pat_index *ix, enum cfg_match m, bool icase,
                        const struct cfg_pattern *pats, const struct cfg_smp_value *v);
