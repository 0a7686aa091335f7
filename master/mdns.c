/* The runtime API's DNS commands (mdns.h): the counters of the node's resolver and the
 * servers' host names, read from the server table; "set server fqdn" leaves its request
 * there for the resolver and wakes it. */
#include "mdns.h"

#include <stdint.h>
#include <string.h>

#include "dns.h"
#include "master-t.h"
#include "model.h"
#include "mrt.h"
#include "srv_state.h"

static const char *const ctr_names[SRV_DNS_COUNT] = {
        [SRV_DNS_SENT] = "sent:        ",     [SRV_DNS_SND_ERROR] = "snd_error:   ",
        [SRV_DNS_VALID] = "valid:       ",    [SRV_DNS_UPDATE] = "update:      ",
        [SRV_DNS_CNAME] = "cname:       ",    [SRV_DNS_CNAME_ERROR] = "cname_error: ",
        [SRV_DNS_ANY_ERR] = "any_err:     ",  [SRV_DNS_NX] = "nx:          ",
        [SRV_DNS_TIMEOUT] = "timeout:     ",  [SRV_DNS_REFUSED] = "refused:     ",
        [SRV_DNS_OTHER] = "other:       ",    [SRV_DNS_INVALID] = "invalid:     ",
        [SRV_DNS_TOO_BIG] = "too_big:     ",  [SRV_DNS_TRUNCATED] = "truncated:   ",
        [SRV_DNS_OUTDATED] = "outdated:    ",
};

void mdns_show_resolvers(struct master *m, const char *id, FILE *out)
{
        const struct cfg_gen *g = m->gen;

        if (id && !cfg_gen_find_resolvers(g, id)) {
                fputs("Can't find that resolvers section\n", out);
                return;
        }
        if (!g->n_resolvers) {
                fputs("No resolvers found\n", out);
                return;
        }
        for (size_t i = 0; i < g->n_resolvers; i++) {
                const struct cfg_resolvers *r = g->resolvers[i];

                if (id && strcmp(r->name, id) != 0)
                        continue;
                fprintf(out, "Resolvers section %s\n", r->name);
                for (size_t k = 0; k < r->n_ns; k++) {
                        const struct srv_dns_ns *ns =
                                m->srv_table ? srv_state_dns_ns(m->srv_table, dns_ns_index(g, r, k))
                                             : NULL;

                        fprintf(out, " nameserver %s:\n", r->ns[k].name);
                        for (unsigned c = 0; c < SRV_DNS_COUNT; c++)
                                fprintf(out, "  %s%llu\n", ctr_names[c],
                                        ns ? (unsigned long long)srv_dns_counter(
                                                     ns, (enum srv_dns_ctr)c)
                                           : 0ull);
                }
        }
}

void mdns_server_fqdn(const struct srv_state_rec *rec, const struct cfg_server *sv, char *buf)
{
        const struct srv_dns_rec *d = rec ? srv_state_dns(rec) : NULL;

        buf[0] = '\0';
        if (d)
                srv_dns_fqdn(d, buf);
        if (!buf[0] && !sv->srv_rec && (sv->addr.resolved || sv->addr.family == CFG_ADDR_NAME))
                snprintf(buf, SRV_DNS_NAME_MAX, "%s", sv->addr.name);
}

/* HAProxy's invalid_domainchar(): letters, digits, '-', '.' and '_' */
static bool fqdn_valid(const char *s)
{
        if (!*s || strlen(s) > SRV_DNS_NAME_MAX - 1)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '-' || *s == '.' || *s == '_'))
                        return false;
        return true;
}

bool mdns_set_fqdn(struct master *m, const struct cfg_proxy *px, const struct cfg_server *sv,
                   struct srv_state_rec *rec, const char *fqdn, FILE *out)
{
        struct srv_dns_rec *d = srv_state_dns(rec);
        char old[SRV_DNS_NAME_MAX];

        if (!fqdn) {
                fputs("set server <b>/<s> fqdn requires a FQDN.\n", out);
                return false;
        }
        if (!sv->resolvers || !d) {
                fputs("set server <b>/<s> fqdn failed because no resolution is configured.\n", out);
                return false;
        }
        if (sv->srv_rec) {
                fputs("set server <b>/<s> fqdn failed because SRV resolution is configured.\n",
                      out);
                return false;
        }
        mdns_server_fqdn(rec, sv, old);
        if (strcmp(old, fqdn) == 0) {
                fputs("no need to change the FDQN by 'stats socket command'\n", out);
                return false;
        }
        if (!fqdn_valid(fqdn)) {
                fprintf(out, "invalid fqdn '%s' by 'stats socket command'\n", fqdn);
                return false;
        }
        srv_dns_request(d, fqdn);
        /* HAProxy's SRV_ADMF_HMAINT: the name was set from the runtime API */
        srv_state_set_admin(rec, SRV_ADMIN_HMAINT, 0);
        mrt_send(m, NULL, "resolvers wake", true);
        fprintf(out, "%s/%s changed its FQDN from %s to %s by 'stats socket command'\n", px->name,
                sv->name, old, fqdn);
        return true;
}
