#pragma once
/* The order in which HAProxy's "balance roundrobin" (its fast weighted round robin, fwrr)
 * visits servers of given weights, computed once as a table so that every worker can follow
 * it from one shared position (lb.c). A pure function: no shared state, no I/O. */

#include <stdint.h>

/* Upper bound on the length of an order table (entries of 4 bytes). */
#define LB_FWRR_ORDER_MAX (1u << 18)

/* Fill @out with the first picks HAProxy's fwrr makes among @n servers of weights @w (each
 * 1..256, in declaration order), when no server is full and none is avoided: out[i] is the
 * position in @w of the server of the i-th pick. Stops at the end of the first cycle, after
 * which the order repeats from out[0], or at @cap entries. Returns the number of entries
 * written (the cycle's length, or @cap when the cycle is longer: then the order is only
 * HAProxy's for the first @cap picks), or -ENOMEM, or -EINVAL when @n is 0, a weight is 0
 * or @cap is 0. */
int lb_fwrr_order(const uint32_t *w, uint32_t n, uint32_t *out, uint32_t cap);
