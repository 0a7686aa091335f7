#pragma once
/* The driver of the data-path fuzz targets (fuzz_h1_mux.c, fuzz_h2_mux.c): what a client
 * sends and what its servers answer, fed in pieces of sizes taken from the input to a
 * client-side mux, the streams and their rules over the memory transport (no socket), then
 * the peers end as the input says. ASan finds what goes wrong in memory, LeakSanitizer what
 * is left behind; the driver itself aborts when the worker does not settle, or keeps a
 * client connection the client reset.
 *
 * Input: byte 0 the client's piece size, byte 1 the servers', byte 2 flags (FL_*), bytes 3-4
 * the length of the client's bytes (little-endian, cut to what follows); then the client's
 * bytes, then the servers' (one stream, shared in order by the connections opened). */

#include <stddef.h>
#include <stdint.h>

struct mux_ops;

/* One input for a worker whose configuration is @config (its first proxy the client's
 * frontend), the client speaking to @mux. */
void fuzz_mux_run(const struct mux_ops *mux, const char *config, const uint8_t *data, size_t size);
