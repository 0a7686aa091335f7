#pragma once
/* The Prometheus exporter ("http-request use-service prometheus-exporter"): the node's
 * metrics in Prometheus's text format 0.0.4, rendered by the master from the sums of every
 * worker (mstat.h), so counters never go back on a reload or a worker's death. HAProxy's
 * families and names (process, frontend, backend, server, listener, sticktable) under the
 * "sluice_" prefix, or HAProxy's own "haproxy_" with "metrics-names haproxy"; and sluice's
 * own: request-duration histograms, the configuration's reloads and generation, the workers
 * of each generation. HAProxy's query parameters: "scope=<name>" (repeatable; global,
 * frontend, backend, server, listener, sticktable, "*" for all) and "no-maint". */

#include <stdio.h>

struct master;

/* Write the metrics @query (the request's query string, may be empty) asks for to @out.
 * Returns 0 or -ENOMEM. */
int mprom_render(struct master *m, const char *query, FILE *out);
