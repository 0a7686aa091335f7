#pragma once
/* The PROXY header sluice writes first on a connection it opens (a server connection with
 * "send-proxy" and its kin, a health check with "check-send-proxy"): a handshake step
 * (conn.h) of connect_hs, before TLS. sess_proxy.h builds the header. */

#include <stddef.h>
#include <stdint.h>

struct conn;

/* The header of a connection sluice makes itself (health checks): "PROXY UNKNOWN" in v1, the
 * LOCAL command in v2 (@pp has CFG_PP_V2), as HAProxy sends them. */
size_t pp_out_local_header(uint32_t pp, uint8_t *out, size_t cap);

/* The header and how much of it is written. */
struct pp_out {
        const uint8_t *p; /* borrowed: the header */
        uint16_t len, off;
};

/* A pp_out and a copy of @hdr in one allocation, freed with free(). NULL when out of memory. */
struct pp_out *pp_out_new(const uint8_t *hdr, size_t len);

/* The handshake step writing @data (a struct pp_out). */
int pp_out_step(struct conn *c, void *data);
