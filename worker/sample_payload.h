#pragma once
/* Content inspection (HAProxy's "layer 6" fetches): req.len, req.payload, whether the bytes
 * are an HTTP request (req.proto_http on a TCP stream), and what the ClientHello of a TLS
 * connection says (req.ssl_hello_type, req.ssl_sni, req.ssl_alpn), read from the bytes a TCP
 * stream's client sent so far, which stay queued for the server; and wait_end. They have no
 * value on HTTP streams (but wait_end), and set *@c->more when more bytes could change the
 * answer (tcp-request inspect-delay then waits for them). */

#include <stdbool.h>

#include "sample-t.h"

/* As sample_fetch(), for the fetches above. */
bool sample_fetch_payload(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                          void *data);
