#pragma once
/* The runtime API's DNS commands, answered by the master from the server table the node's
 * resolver (worker/dns.h) writes: HAProxy's "show resolvers [<id>]" and "set server <b>/<s>
 * fqdn <name>". mcmd.c calls them. */

#include <stdbool.h>
#include <stdio.h>

struct cfg_proxy;
struct cfg_server;
struct master;
struct srv_state_rec;

/* "show resolvers [<id>]": each section's name servers and their counters, HAProxy's text */
void mdns_show_resolvers(struct master *m, const char *id, FILE *out);

/* "set server <b>/<s> fqdn <name>" on server @sv of @px (its record @rec): the answer (or
 * HAProxy's refusal) on @out; true when the server's name changes, which the node's resolver
 * takes at once. */
bool mdns_set_fqdn(struct master *m, const struct cfg_proxy *px, const struct cfg_server *sv,
                   struct srv_state_rec *rec, const char *fqdn, FILE *out);

/* The host name @sv resolves now into @buf (SRV_DNS_NAME_MAX bytes): DNS's (an SRV record's
 * target) or "set server fqdn"'s, else its configuration's; "" for none (an IP address, an
 * SRV label's server without a record). */
void mdns_server_fqdn(const struct srv_state_rec *rec, const struct cfg_server *sv, char *buf);
