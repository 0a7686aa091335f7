#pragma once
/* Servers' host names resolved at run time (resolvers sections, HAProxy's section 5.3), by one
 * worker for the whole node: the master gives the job to the first worker of the current
 * generation, with the health checks. Every `timeout resolve` each name is asked of every name
 * server of its section, through c-ares driven by the worker's own event loop (its sockets
 * watched by the loop, its timeouts a loop timer), so no query ever blocks the worker. The
 * answers give the servers their addresses (distinct ones among the servers of a backend that
 * resolve one name), an SRV label's servers their targets, ports and weights, and send to
 * maintenance the servers left without an address; all of it goes into the servers' shared
 * records (shm/srv_state.h), where every worker finds it for its next connection. What a
 * resolver that dies leaves there (addresses, host names, maintenance) is where the next one
 * starts from. */

#include <stddef.h>
#include <stdint.h>

struct cfg_gen;
struct cfg_resolvers;
struct cfg_server;
struct srv_state_table;
struct worker;

/* The room the server table of @g needs for DNS: its servers resolved at run time
 * (*@ret_n_dns) and its name servers (*@ret_n_ns). */
void dns_table_dims(const struct cfg_gen *g, uint32_t *ret_n_dns, uint32_t *ret_n_ns);

/* Give each server of @g resolved at run time its DNS record in @t, a table of @g's servers
 * made with srv_state_create_dns() and dns_table_dims()'s sizes. */
void dns_table_init(const struct cfg_gen *g, struct srv_state_table *t);

/* The index among @t's name server counters of name server @i of section @r of @g. */
uint32_t dns_ns_index(const struct cfg_gen *g, const struct cfg_resolvers *r, size_t i);

/* Start resolving every server of @w's generation that names a resolvers section; the first
 * resolutions are sent at once. 0 (also when there is none), or a negative errno (logged). */
int dns_start(struct worker *w);

/* Stop: queries under way are dropped; the servers keep their state. Idempotent. */
void dns_stop(struct worker *w);

/* The master changed a server's FQDN ("set server fqdn"): take the requests now. */
void dns_wake(struct worker *w);

/* A health check could not connect to @sv (L4CON, L4TOUT): its address may have moved, so
 * its name is resolved again now, unless a resolution is under way or its last answer was
 * valid and is younger than the section's `hold valid` (HAProxy's
 * resolv_trigger_resolution()). Does nothing for a server not resolved at run time. */
void dns_srv_unreachable(struct worker *w, const struct cfg_server *sv);
