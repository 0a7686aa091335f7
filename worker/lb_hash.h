#pragma once
/* The hashing side of load balancing: HAProxy's hash functions ("hash-type": sdbm, djb2,
 * wt6, crc32, none, with or without avalanche) and the key balance source, uri and hdr()
 * hash. lb_pick() (lb.h) hashes a request's struct lb_key with lb_hash_key(). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "str.h"

/* Returns the first value of header @name (HAProxy: the first comma-separated value), or a
 * view with ptr NULL or len 0 when the request has none. The view must stay valid until
 * lb_pick() returns. */
typedef struct sl_str lb_hdr_fn(void *data, const char *name, size_t name_len);

/* What the hashing algorithms read; every part is optional and a missing part makes those
 * algorithms fall back to round robin (see lb_pick()). */
struct lb_key {
        int family;             /* AF_INET or AF_INET6 for @addr; 0: no client address */
        uint8_t addr[16];       /* client address, network order; IPv4 in the first 4 bytes */
        struct sl_str uri_head; /* the request-target before @path ("http://host" of an
                                 * absolute URI), hashed first by balance uri without
                                 * path-only; may be empty */
        struct sl_str path;     /* request path, without the query; ptr NULL: none */
        struct sl_str query;    /* after the '?', without it; ptr NULL: the target had no '?' */
        lb_hdr_fn *hdr;         /* header lookup for balance hdr(); NULL: no headers */
        void *hdr_data;         /* passed to @hdr */
        struct sl_str content;  /* TCP: the client's first bytes (balance rdp-cookie); may be
                                 * empty */
};

/* The hash HAProxy computes with hash-type function @fn (and avalanche) over @len bytes of
 * @p: sdbm, djb2, wt6, crc32, or none (the leading decimal number, read_int64()). */
uint32_t lb_hash(enum cfg_hash_function fn, bool avalanche, const void *p, size_t len);

/* HAProxy's full_hash(): Bob Jenkins' 32-bit integer mix, then a multiplication by a prime
 * near 3/4 of 2^32 that spreads the results around its trees. "hash-type ... avalanche", the
 * points of the consistent-hash ring, the avalanche of the hash converters, base32. */
static inline uint32_t lb_hash_full(uint32_t a)
{
        a = (a + 0x7ed55d16u) + (a << 12);
        a = (a ^ 0xc761c23cu) ^ (a >> 19);
        a = (a + 0x165667b1u) + (a << 5);
        a = (a + 0xd3a2646cu) ^ (a << 9);
        a = (a + 0xfd7046c5u) + (a << 3);
        a = (a ^ 0xb55a4f09u) ^ (a >> 16);
        return a * 3221225473u;
}

/* The hash of @key for @be's balance algorithm (source, uri, hdr()) and hash-type, as
 * HAProxy computes it. False when @key is NULL or lacks what the algorithm reads (the caller
 * falls back to round robin), and for the algorithms that do not hash. @hdr_name_len is
 * strlen(be->balance.arg), which the caller computes once. */
bool lb_hash_key(const struct cfg_proxy *be, size_t hdr_name_len, const struct lb_key *key,
                 uint32_t *ret_hash);
