#pragma once
/* Sample fetches of TLS facts: the client's connection (ssl_fc_*, ssl_c_*) and the server
 * connection of the stream (ssl_bc_*). A connection without TLS gives no value, except the
 * booleans, which are false (as HAProxy's). */

#include "sample-t.h"

bool sample_fetch_tls(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                      void *data);
