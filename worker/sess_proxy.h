#pragma once
/* The PROXY protocol on connections (proto/proxy_hdr.h has the format): the header a client
 * connection opens with on a bind with "accept-proxy" (or after "tcp-request connection
 * expect-proxy layer4"), read before any other byte, TLS included, and the header sluice
 * writes first on a server connection with "send-proxy" and its kin, and on health checks. */

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

/* The header to send a server with PROXY options @pp (CFG_PP_*) for stream @st: its client's
 * addresses (as set-src/set-dst left them) and, in v2, the TLVs the options ask for, into
 * @out (@cap bytes, PP_HDR_MAX is enough). Returns its length, 0 when it does not fit. */
size_t sess_proxy_header(struct stream *st, uint32_t pp, uint8_t *out, size_t cap);

/* The header of a connection sluice makes itself (health checks): "PROXY UNKNOWN" in v1, the
 * LOCAL command in v2 (@pp has CFG_PP_V2), as HAProxy sends them. */
size_t sess_proxy_local_header(uint32_t pp, uint8_t *out, size_t cap);

/* A header to write first on a connection: a handshake step (conn.h) of connect_hs, before
 * TLS. */
struct pp_out {
        const uint8_t *p; /* borrowed: the header */
        uint16_t len, off;
};

/* A pp_out and a copy of @hdr in one allocation, freed with free(). NULL when out of memory. */
struct pp_out *pp_out_new(const uint8_t *hdr, size_t len);

/* The handshake step writing @data (a struct pp_out). */
int pp_out_step(struct conn *c, void *data);
