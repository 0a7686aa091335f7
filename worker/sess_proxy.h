#pragma once
/* The PROXY header a client connection opens with on a bind with "accept-proxy" (or after
 * "tcp-request connection expect-proxy layer4"), read before any other byte, TLS included
 * (proto/proxy_hdr.h has the format). The header sluice sends a server is built by
 * pp_stream.h and written by pp_out.h. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session-t.h"
#include "str.h"

struct conn;
struct stream;

/* Read the PROXY header of @ss's connection (READY, raw, nothing read yet): its addresses
 * replace the session's (unless it is a LOCAL one), its TLVs are kept for the fc_pp_*
 * fetches. Calls @done(ss) once it is read; on a bad header, the client's end, an error or
 * timeout client (counted from the accept), the session is counted, logged as HAProxy does
 * and closed instead. Returns 0, or a negative errno (the caller closes the session). */
int sess_proxy_start(struct sess *ss, void (*done)(struct sess *ss));

/* The value of the first TLV of type @type in the PROXY v2 header @ss came with. */
bool sess_pp_tlv(const struct sess *ss, uint8_t type, struct sl_str *ret);
