/* Fuzz target of the whole configuration reader (config/parse.c and the keyword handlers):
 * the input is loaded as one configuration file with a fixed environment. Besides crashes and
 * sanitizer reports, it aborts when a loaded model breaks an invariant the workers rely on. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_env(void *data, const char *name)
{
        if (strcmp(name, "PORT") == 0)
                return "8080";
        if (strcmp(name, "ADDR") == 0)
                return "127.0.0.1";
        return NULL;
}

/* Host names never reach a resolver (no network, no delay): "fail.*" does not resolve, every
 * other name is 127.0.0.1, so that both paths are fuzzed. */
static int fuzz_resolve(void *data, const char *host, int family, struct sockaddr_storage *ret_ss,
                        char *err, size_t errlen)
{
        if (strncmp(host, "fail", 4) == 0 || family == AF_INET6) {
                snprintf(err, errlen, "unknown host");
                return -EADDRNOTAVAIL;
        }
        memset(ret_ss, 0, sizeof(*ret_ss));
        ret_ss->ss_family = AF_INET;
        ((struct sockaddr_in *)ret_ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return 0;
}

static void check_cond(const struct cfg_proxy *px, const struct cfg_cond *c)
{
        if (!c)
                return;
        if (c->n_ands == 0)
                abort();
        for (size_t i = 0; i < c->n_ands; i++) {
                bool found = false;

                if (c->ands[i].n_terms == 0)
                        abort();
                for (size_t j = 0; j < c->ands[i].n_terms; j++) {
                        found = false;
                        for (size_t k = 0; k < px->n_acls; k++)
                                found |= px->acls[k] == c->ands[i].terms[j].acl;
                        if (!found)
                                abort();
                }
        }
}

static void check_model(const struct cfg_gen *g)
{
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];

                if (!px->name || !(px->cap & (CFG_CAP_FE | CFG_CAP_BE | CFG_CAP_TABLE)))
                        abort();
                /* a peers section's table: only that, synced with its section */
                if ((px->cap & CFG_CAP_TABLE) &&
                    (px->cap != CFG_CAP_TABLE || !px->table || !px->table->peers || px->n_binds ||
                     px->n_servers || !strchr(px->name, '/')))
                        abort();
                if (px->table && px->table->peers_name && !px->table->peers)
                        abort();
                if (px->default_backend_name && (px->cap & CFG_CAP_FE) && !px->default_backend)
                        abort();
                for (size_t j = 0; j < px->n_use_backend; j++) {
                        if (!px->use_backend[j].backend)
                                abort();
                        check_cond(px, px->use_backend[j].cond);
                }
                for (size_t j = 0; j < px->n_http_req; j++)
                        check_cond(px, px->http_req[j].cond);
                for (size_t j = 0; j < px->n_http_res; j++)
                        check_cond(px, px->http_res[j].cond);
                for (size_t j = 0; j < px->n_servers; j++) {
                        const struct cfg_server *sv = &px->servers[j];

                        if (!sv->name || sv->opts.weight > 256)
                                abort();
                        /* a server resolved at run time names a section that exists */
                        if ((sv->resolvers && !sv->opts.dns.resolvers) ||
                            (sv->resolvers && !cfg_server_fqdn(sv)) ||
                            sv->opts.dns.n_nets > CFG_RESOLVE_NETS_MAX)
                                abort();
                }
                for (size_t j = 0; j < px->n_binds; j++)
                        if (px->binds[j].addr.port_low > px->binds[j].addr.port_high)
                                abort();
        }
        /* resolvers: name servers are IP addresses with a port */
        for (size_t i = 0; i < g->n_resolvers; i++) {
                const struct cfg_resolvers *r = g->resolvers[i];

                if (!r->name || !r->retries || !r->resolve_ms || !r->retry_ms)
                        abort();
                for (size_t j = 0; j < r->n_ns; j++)
                        if (!r->ns[j].name || (r->ns[j].addr.ss_family != AF_INET &&
                                               r->ns[j].addr.ss_family != AF_INET6))
                                abort();
        }
        /* peers: every enabled section names this node; remote peers have an address */
        for (size_t i = 0; i < g->n_peers; i++) {
                const struct cfg_peers *ps = g->peers[i];

                if (!ps->disabled && !cfg_peers_local(ps))
                        abort();
                for (size_t j = 0; j < ps->n_peers; j++)
                        if (!ps->peers[j].srv.name ||
                            (!ps->peers[j].local && !ps->peers[j].has_addr) ||
                            (ps->peers[j].has_addr && !ps->peers[j].srv.addr.has_port))
                                abort();
                for (size_t j = 0; j < ps->n_tables; j++)
                        if (!ps->tables[j].wire_name || ps->tables[j].px->table->peers != ps)
                                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        /* parse-resolv-conf reads no file of the machine */
        const struct cfg_load_opts opts = {
                .env = fuzz_env, .resolve = fuzz_resolve, .resolv_conf = "/dev/null"};
        struct cfg_diags diags = {0};
        struct cfg_gen *g = NULL;
        int r;

        r = cfg_load_text("fuzz.cfg", (const char *)data, size, &opts, &g, &diags);
        if (r == 0) {
                if (!g || diags.n_errors)
                        abort();
                check_model(g);
        } else if (g || (r == -EINVAL && diags.n_errors == 0)) {
                abort();
        }
        for (size_t i = 0; i < diags.n; i++)
                if (!diags.v[i].msg || !diags.v[i].msg[0])
                        abort();
        cfg_gen_unref(g);
        cfg_diags_clear(&diags);
        return 0;
}
