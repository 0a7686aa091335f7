/* Lifetime of configuration generations and names of model enums (for messages and dumps). */
#include "model.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <netinet/in.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

struct cfg_gen *cfg_gen_ref(struct cfg_gen *g)
{
        SL_BUG_ON(g->refs == 0);
        g->refs++;
        return g;
}

struct cfg_gen *cfg_gen_unref(struct cfg_gen *g)
{
        if (!g)
                return NULL;
        SL_BUG_ON(g->refs == 0);
        if (--g->refs == 0) {
                for (size_t i = 0; i < g->n_regexes; i++)
                        pcre2_code_free(g->regexes[i]);
                cfg_arena_free(&g->arena);
                free(g);
        }
        return NULL;
}

const struct cfg_proxy *cfg_gen_find_proxy(const struct cfg_gen *g, const char *name, unsigned cap)
{
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];

                if ((px->cap & cap) && px->name && strcmp(px->name, name) == 0)
                        return px;
        }
        return NULL;
}

static int cmp_proxy_name(const void *a, const void *b)
{
        return strcmp((*(const struct cfg_proxy *const *)a)->name,
                      (*(const struct cfg_proxy *const *)b)->name);
}

bool cfg_gen_index_backends(struct cfg_gen *g)
{
        g->n_backends = 0;
        g->backends = cfg_arena_alloc(&g->arena, (g->n_proxies + 1) * sizeof(*g->backends));
        if (!g->backends)
                return false;
        for (size_t i = 0; i < g->n_proxies; i++)
                if ((g->proxies[i]->cap & CFG_CAP_BE) && g->proxies[i]->name)
                        g->backends[g->n_backends++] = g->proxies[i];
        qsort(g->backends, g->n_backends, sizeof(*g->backends), cmp_proxy_name);
        return true;
}

const struct cfg_proxy *cfg_gen_find_backend(const struct cfg_gen *g, struct sl_str name)
{
        size_t lo = 0, hi = g->n_backends;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const char *n = g->backends[mid]->name;
                size_t nl = strlen(n);
                int r = memcmp(n, name.ptr ? name.ptr : "", SL_MIN(nl, name.len));

                if (r == 0)
                        r = nl < name.len ? -1 : nl > name.len ? 1 : 0;
                if (r == 0)
                        return g->backends[mid];
                if (r < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

const struct cfg_userlist *cfg_gen_find_userlist(const struct cfg_gen *g, const char *name)
{
        for (size_t i = 0; i < g->n_userlists; i++)
                if (strcmp(g->userlists[i]->name, name) == 0)
                        return g->userlists[i];
        return NULL;
}

const struct cfg_peers *cfg_gen_find_peers(const struct cfg_gen *g, const char *name)
{
        for (size_t i = 0; i < g->n_peers; i++)
                if (strcmp(g->peers[i]->name, name) == 0)
                        return g->peers[i];
        return NULL;
}

const struct cfg_resolvers *cfg_gen_find_resolvers(const struct cfg_gen *g, const char *name)
{
        for (size_t i = 0; i < g->n_resolvers; i++)
                if (strcmp(g->resolvers[i]->name, name) == 0)
                        return g->resolvers[i];
        return NULL;
}

const char *cfg_hold_name(enum cfg_hold h)
{
        switch (h) {
        case CFG_HOLD_NX:
                return "nx";
        case CFG_HOLD_OTHER:
                return "other";
        case CFG_HOLD_REFUSED:
                return "refused";
        case CFG_HOLD_TIMEOUT:
                return "timeout";
        case CFG_HOLD_VALID:
                return "valid";
        case CFG_HOLD_OBSOLETE:
                return "obsolete";
        case CFG_HOLD_COUNT:
                break;
        }
        return "";
}

const struct cfg_peer *cfg_peers_local(const struct cfg_peers *ps)
{
        return ps->local >= 0 && (size_t)ps->local < ps->n_peers ? &ps->peers[ps->local] : NULL;
}

size_t cfg_maxrewrite(const struct cfg_global *g)
{
        size_t v = g->maxrewrite_set ? g->tune_maxrewrite : 1024;

        return v >= g->tune_bufsize / 2 ? g->tune_bufsize / 2 : v;
}

bool cfg_net_contains(const struct cfg_net *net, const void *ss)
{
        sa_family_t family = ((const struct sockaddr *)ss)->sa_family;
        const uint8_t *bytes;
        size_t n;

        if (net->family == 0 || family != net->family)
                return false;
        if (family == AF_INET) {
                bytes = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
                n = 4;
        } else {
                bytes = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
                n = 16;
        }
        for (size_t i = 0; i < n; i++)
                if ((bytes[i] & net->mask[i]) != net->addr[i])
                        return false;
        return true;
}

const char *cfg_uri_norm_name(enum cfg_uri_norm n)
{
        switch (n) {
        case CFG_NORM_FRAGMENT_ENCODE:
                return "fragment-encode";
        case CFG_NORM_FRAGMENT_STRIP:
                return "fragment-strip";
        case CFG_NORM_PATH_MERGE_SLASHES:
                return "path-merge-slashes";
        case CFG_NORM_PATH_STRIP_DOT:
                return "path-strip-dot";
        case CFG_NORM_PATH_STRIP_DOTDOT:
                return "path-strip-dotdot";
        case CFG_NORM_PERCENT_DECODE_UNRESERVED:
                return "percent-decode-unreserved";
        case CFG_NORM_PERCENT_TO_UPPERCASE:
                return "percent-to-uppercase";
        case CFG_NORM_QUERY_SORT_BY_NAME:
                return "query-sort-by-name";
        case CFG_NORM_COUNT:
                break;
        }
        return "?";
}

const char *cfg_timeout_name(enum cfg_timeout t)
{
        switch (t) {
        case CFG_TO_CLIENT:
                return "client";
        case CFG_TO_CLIENT_FIN:
                return "client-fin";
        case CFG_TO_CONNECT:
                return "connect";
        case CFG_TO_HTTP_KEEP_ALIVE:
                return "http-keep-alive";
        case CFG_TO_HTTP_REQUEST:
                return "http-request";
        case CFG_TO_QUEUE:
                return "queue";
        case CFG_TO_SERVER:
                return "server";
        case CFG_TO_SERVER_FIN:
                return "server-fin";
        case CFG_TO_TUNNEL:
                return "tunnel";
        case CFG_TO_CHECK:
                return "check";
        case CFG_TO_TARPIT:
                return "tarpit";
        case CFG_TO_COUNT:
                break;
        }
        return "?";
}

const char *cfg_mode_name(enum cfg_mode m)
{
        switch (m) {
        case CFG_MODE_TCP:
                return "tcp";
        case CFG_MODE_HTTP:
                return "http";
        }
        return "?";
}

const char *cfg_balance_name(enum cfg_balance_algo a)
{
        switch (a) {
        case CFG_LB_ROUNDROBIN:
                return "roundrobin";
        case CFG_LB_STATIC_RR:
                return "static-rr";
        case CFG_LB_LEASTCONN:
                return "leastconn";
        case CFG_LB_FIRST:
                return "first";
        case CFG_LB_SOURCE:
                return "source";
        case CFG_LB_URI:
                return "uri";
        case CFG_LB_URL_PARAM:
                return "url_param";
        case CFG_LB_HDR:
                return "hdr";
        case CFG_LB_RANDOM:
                return "random";
        case CFG_LB_RDP_COOKIE:
                return "rdp-cookie";
        case CFG_LB_HASH:
                return "hash";
        }
        return "?";
}

static bool cfg_init_addr_eq(const struct cfg_init_addr *a, const struct cfg_init_addr *b)
{
        if (a->n != b->n || memcmp(a->methods, b->methods, a->n) != 0)
                return false;
        for (unsigned i = 0; i < a->n; i++)
                if (a->methods[i] == CFG_INIT_ADDR_IP)
                        return memcmp(&a->ip, &b->ip, sizeof(a->ip)) == 0;
        return true;
}

static bool str_eq(const char *a, const char *b)
{
        return a && b ? strcmp(a, b) == 0 : a == b;
}

static bool tls_opts_eq(const struct cfg_tls_opts *a, const struct cfg_tls_opts *b)
{
        return str_eq(a->ciphers, b->ciphers) && str_eq(a->ciphersuites, b->ciphersuites) &&
               str_eq(a->curves, b->curves) && str_eq(a->sigalgs, b->sigalgs) &&
               str_eq(a->alpn, b->alpn) && a->min_ver == b->min_ver && a->max_ver == b->max_ver &&
               a->verify == b->verify && str_eq(a->ca_file, b->ca_file) &&
               str_eq(a->crl_file, b->crl_file) && a->no_tls_tickets == b->no_tls_tickets &&
               a->prefer_client_ciphers == b->prefer_client_ciphers;
}

/* TLS to the server: the same settings (the reload log names a server whose TLS changed) */
static bool server_tls_eq(const struct cfg_server_tls *a, const struct cfg_server_tls *b)
{
        return a->ssl == b->ssl && tls_opts_eq(&a->opts, &b->opts) &&
               str_eq(a->sni.src, b->sni.src) && str_eq(a->verifyhost, b->verifyhost) &&
               a->no_verifyhost == b->no_verifyhost && str_eq(a->crt, b->crt) &&
               a->no_ssl_reuse == b->no_ssl_reuse;
}

static bool server_dns_eq(const struct cfg_server_dns *a, const struct cfg_server_dns *b)
{
        if (!str_eq(a->resolvers, b->resolvers) || a->prefer != b->prefer ||
            a->allow_dup_ip != b->allow_dup_ip || a->ignore_weight != b->ignore_weight ||
            a->n_nets != b->n_nets)
                return false;
        for (unsigned i = 0; i < a->n_nets; i++)
                if (a->nets[i].family != b->nets[i].family ||
                    a->nets[i].prefix != b->nets[i].prefix ||
                    memcmp(a->nets[i].addr, b->nets[i].addr, sizeof(a->nets[i].addr)) != 0)
                        return false;
        return true;
}

bool cfg_server_opts_eq(const struct cfg_server_opts *a, const struct cfg_server_opts *b)
{
        return a->weight == b->weight && a->maxconn == b->maxconn && a->flags == b->flags &&
               (a->cookie && b->cookie ? strcmp(a->cookie, b->cookie) == 0
                                       : a->cookie == b->cookie) &&
               cfg_init_addr_eq(&a->init_addr, &b->init_addr) && server_tls_eq(&a->tls, &b->tls) &&
               cfg_server_check_eq(&a->check, &b->check) && a->proto == b->proto &&
               a->pp == b->pp && server_dns_eq(&a->dns, &b->dns) &&
               cfg_server_pool_max(a) == cfg_server_pool_max(b) &&
               cfg_server_pool_purge_ms(a) == cfg_server_pool_purge_ms(b) &&
               a->pool_low_conn == b->pool_low_conn;
}

bool cfg_server_check_eq(const struct cfg_server_check *a, const struct cfg_server_check *b)
{
        return a->enabled == b->enabled && a->ssl == b->ssl && a->ssl_set == b->ssl_set &&
               a->port_set == b->port_set && a->port == b->port && a->addr_set == b->addr_set &&
               (!a->addr_set || memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0) &&
               a->inter_ms == b->inter_ms && a->fastinter_ms == b->fastinter_ms &&
               a->downinter_ms == b->downinter_ms && a->rise == b->rise && a->fall == b->fall &&
               str_eq(a->sni, b->sni) && str_eq(a->alpn, b->alpn) &&
               a->slowstart_ms == b->slowstart_ms && a->send_proxy == b->send_proxy &&
               a->down_shutdown == b->down_shutdown &&
               a->up_shutdown_backup == b->up_shutdown_backup && a->observe == b->observe &&
               a->error_limit == b->error_limit && a->on_error == b->on_error &&
               a->agent == b->agent && a->agent_port == b->agent_port &&
               a->agent_inter_ms == b->agent_inter_ms && str_eq(a->agent_send, b->agent_send) &&
               a->agent_addr_set == b->agent_addr_set &&
               (!a->agent_addr_set ||
                memcmp(&a->agent_addr, &b->agent_addr, sizeof(a->agent_addr)) == 0);
}

uint32_t cfg_retry_status_bit(unsigned status)
{
        switch (status) {
        case 401:
                return CFG_RETRY_401;
        case 403:
                return CFG_RETRY_403;
        case 404:
                return CFG_RETRY_404;
        case 408:
                return CFG_RETRY_408;
        case 425:
                return CFG_RETRY_425;
        case 500:
                return CFG_RETRY_500;
        case 501:
                return CFG_RETRY_501;
        case 502:
                return CFG_RETRY_502;
        case 503:
                return CFG_RETRY_503;
        case 504:
                return CFG_RETRY_504;
        default:
                return 0;
        }
}

bool cfg_server_any_addr(const struct cfg_server *s)
{
        static const struct in6_addr any6;

        if (s->addr.family == CFG_ADDR_IPV4)
                return ((const struct sockaddr_in *)&s->addr.ss)->sin_addr.s_addr == INADDR_ANY;
        if (s->addr.family == CFG_ADDR_IPV6)
                return memcmp(&((const struct sockaddr_in6 *)&s->addr.ss)->sin6_addr, &any6,
                              sizeof(any6)) == 0;
        return false;
}

const char *cfg_proxy_state_path(const struct cfg_gen *g, const struct cfg_proxy *px, char *buf,
                                 size_t size)
{
        const char *name, *base = g->global.state_base;
        int n;

        if (!(px->cap & CFG_CAP_BE))
                return NULL;
        switch (px->state_load) {
        case CFG_STATE_LOAD_GLOBAL:
                name = g->global.state_file;
                break;
        case CFG_STATE_LOAD_LOCAL:
                name = px->state_file_name ? px->state_file_name : px->name;
                break;
        case CFG_STATE_LOAD_NONE:
        default:
                return NULL;
        }
        if (!name)
                return NULL;
        if (name[0] == '/' || !base)
                n = snprintf(buf, size, "%s", name);
        else
                n = snprintf(buf, size, "%s%s%s", base,
                             base[0] && base[strlen(base) - 1] == '/' ? "" : "/", name);
        return n > 0 && (size_t)n < size ? buf : NULL;
}
