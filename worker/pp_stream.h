#pragma once
/* The PROXY header sluice sends first on a server connection with "send-proxy" and its kin,
 * for the stream that connection serves (pp_out.h writes it). */

#include <stddef.h>
#include <stdint.h>

struct stream;

/* The header to send a server with PROXY options @pp (CFG_PP_*) for stream @st: its client's
 * addresses (as set-src/set-dst left them) and, in v2, the TLVs the options ask for, into
 * @out (@cap bytes, PP_HDR_MAX is enough). Returns its length, 0 when it does not fit. */
size_t pp_stream_header(struct stream *st, uint32_t pp, uint8_t *out, size_t cap);
