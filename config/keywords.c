/* HAProxy keyword inventory (HAProxy 2.x/3.x configuration manual, sections 3 and 4) used by
 * the parser (config/parse.c) to tell "not supported yet" from a typo. */
#include "keywords.h"

#include <string.h>

#include "macros.h"

#define G CFG_IN_GLOBAL
#define D CFG_IN_DEFAULTS
#define F CFG_IN_FRONTEND
#define L CFG_IN_LISTEN
#define B CFG_IN_BACKEND
#define P CFG_IN_PEERS
#define R CFG_IN_RESOLVERS
#define U CFG_IN_USERLIST

const char *const cfg_known_sections[] = {
        "global",    "defaults", "frontend",  "backend",     "listen",      "peers",
        "resolvers", "userlist", "mailers",   "program",     "http-errors", "ring",
        "cache",     "fcgi-app", "crt-store", "log-forward", "traces",      "acme",
};
const size_t cfg_n_known_sections = SL_ARRAY_SIZE(cfg_known_sections);

const char *const cfg_sluice_keywords[] = {
        "option jsonlog",             /* HAProxy's JSON logs need a hand-written log-format */
        "metrics-names",              /* the Prometheus exporter's prefix: sluice_ or HAProxy's */
        "metrics-histogram-buckets",  /* the exporter's histogram bounds */
        "metrics-server-histograms",  /* the exporter's histograms per server */
        "tune.sluice.io-uring",       /* the workers' readiness source: io_uring or epoll */
        "tune.sluice.accept-balance", /* which worker a new connection goes to */
        NULL,
};

const struct cfg_known_kw cfg_known_keywords[] = {
        /* global: process management and security */
        {"51degrees-cache-size", G},
        {"51degrees-data-file", G},
        {"51degrees-property-name-list", G},
        {"51degrees-property-separator", G},
        {"ca-base", G},
        {"chroot", G},
        {"cluster-secret", G},
        {"close-spread-time", G},
        {"cpu-map", G},
        {"cpu-policy", G},
        {"cpu-set", G},
        {"crt-base", G},
        {"daemon", G},
        {"default-path", G},
        {"description", G | F | L | B},
        {"deviceatlas-json-file", G},
        {"deviceatlas-log-level", G},
        {"deviceatlas-properties-cookie", G},
        {"deviceatlas-separator", G},
        {"expose-experimental-directives", G},
        {"external-check", G},
        {"fd-hard-limit", G},
        {"gid", G},
        {"group", G},
        {"h1-accept-payload-with-any-method", G},
        {"h1-case-adjust", G},
        {"h1-case-adjust-file", G},
        {"h2-workaround-bogus-websocket-clients", G},
        {"hard-stop-after", G},
        {"insecure-fork-wanted", G},
        {"insecure-setuid-wanted", G},
        {"issuers-chain-path", G},
        {"localpeer", G},
        {"log", G | D | F | L | B},
        {"log-send-hostname", G},
        {"log-tag", G | D | F | L | B},
        {"lua-load", G},
        {"lua-load-per-thread", G},
        {"lua-prepend-path", G},
        {"master-worker", G},
        {"mworker-max-reloads", G},
        {"nbproc", G},
        {"nbthread", G},
        {"node", G},
        {"numa-cpu-mapping", G},
        {"pidfile", G},
        {"pp2-never-send-local", G},
        {"presetenv", G},
        {"resetenv", G},
        {"server-state-base", G},
        {"server-state-file", G},
        {"set-dumpable", G},
        {"set-var", G},
        {"set-var-fmt", G},
        {"setenv", G},
        {"ssl-default-bind-ciphers", G},
        {"ssl-default-bind-ciphersuites", G},
        {"ssl-default-bind-client-sigalgs", G},
        {"ssl-default-bind-curves", G},
        {"ssl-default-bind-options", G},
        {"ssl-default-bind-sigalgs", G},
        {"ssl-default-server-ciphers", G},
        {"ssl-default-server-ciphersuites", G},
        {"ssl-default-server-client-sigalgs", G},
        {"ssl-default-server-curves", G},
        {"ssl-default-server-options", G},
        {"ssl-default-server-sigalgs", G},
        {"ssl-dh-param-file", G},
        {"ssl-load-extra-del-ext", G},
        {"ssl-load-extra-files", G},
        {"ssl-propquery", G},
        {"ssl-provider", G},
        {"ssl-provider-path", G},
        {"ssl-security-level", G},
        {"ssl-server-verify", G},
        {"ssl-skip-self-issued-ca", G},
        {"stats socket", G},
        {"stats timeout", G | D | L | B},
        {"stats maxconn", G},
        {"stats bind-process", G},
        {"strict-limits", G},
        {"thread-group", G},
        {"thread-groups", G},
        {"uid", G},
        {"ulimit-n", G},
        {"unix-bind", G},
        {"unsetenv", G},
        {"user", G | U},
        {"wurfl-cache-size", G},
        {"wurfl-data-file", G},
        {"wurfl-information-list", G},
        {"wurfl-information-list-separator", G},
        {"zero-warning", G},
        {"quiet", G},
        {"debug", G},
        {"grace", G},
        {"httpclient.resolvers.disabled", G},
        {"httpclient.resolvers.id", G},
        {"httpclient.resolvers.prefer", G},
        {"httpclient.retries", G},
        {"httpclient.ssl.ca-file", G},
        {"httpclient.ssl.verify", G},
        {"httpclient.timeout.connect", G},
        /* global: performance tuning */
        {"busy-polling", G},
        {"max-spread-checks", G},
        {"maxcompcpuusage", G},
        {"maxcomprate", G},
        {"maxconn", G | D | F | L},
        {"maxconnrate", G},
        {"maxpipes", G},
        {"maxsessrate", G},
        {"maxsslconn", G},
        {"maxsslrate", G},
        {"maxzlibmem", G},
        {"no-memory-trimming", G},
        {"noepoll", G},
        {"noevports", G},
        {"nogetaddrinfo", G},
        {"nokqueue", G},
        {"nopoll", G},
        {"noreuseport", G},
        {"nosplice", G},
        {"profiling.memory", G},
        {"profiling.tasks", G},
        {"spread-checks", G},
        {"ssl-engine", G},
        {"ssl-mode-async", G},
        {"tune.buffers.limit", G},
        {"tune.buffers.reserve", G},
        {"tune.bufsize", G},
        {"tune.comp.maxlevel", G},
        {"tune.fail-alloc", G},
        {"tune.fd.edge-triggered", G},
        {"tune.h2.be.glitches-threshold", G},
        {"tune.h2.be.initial-window-size", G},
        {"tune.h2.be.max-concurrent-streams", G},
        {"tune.h2.fe.glitches-threshold", G},
        {"tune.h2.fe.initial-window-size", G},
        {"tune.h2.fe.max-concurrent-streams", G},
        {"tune.h2.fe.max-total-streams", G},
        {"tune.h2.header-table-size", G},
        {"tune.h2.initial-window-size", G},
        {"tune.h2.max-concurrent-streams", G},
        {"tune.h2.max-frame-size", G},
        {"tune.http.cookielen", G},
        {"tune.http.logurilen", G},
        {"tune.http.maxhdr", G},
        {"tune.idle-pool.shared", G},
        {"tune.idletimer", G},
        {"tune.listener.multi-queue", G},
        {"tune.lua.forced-yield", G},
        {"tune.lua.maxmem", G},
        {"tune.lua.session-timeout", G},
        {"tune.lua.task-timeout", G},
        {"tune.lua.service-timeout", G},
        {"tune.maxaccept", G},
        {"tune.maxpollevents", G},
        {"tune.maxrewrite", G},
        {"tune.memory.hot-size", G},
        {"tune.pattern.cache-size", G},
        {"tune.peers.max-updates-at-once", G},
        {"tune.pipesize", G},
        {"tune.pool-high-fd-ratio", G},
        {"tune.pool-low-fd-ratio", G},
        {"tune.quic.frontend.conn-tx-buffers.limit", G},
        {"tune.quic.frontend.max-idle-timeout", G},
        {"tune.quic.frontend.max-streams-bidi", G},
        {"tune.quic.retry-threshold", G},
        {"tune.rcvbuf.client", G},
        {"tune.rcvbuf.server", G},
        {"tune.recv_enough", G},
        {"tune.runqueue-depth", G},
        {"tune.sched.low-latency", G},
        {"tune.sndbuf.client", G},
        {"tune.sndbuf.server", G},
        {"tune.ssl.cachesize", G},
        {"tune.ssl.capture-buffer-size", G},
        {"tune.ssl.capture-cipherlist-size", G},
        {"tune.ssl.default-dh-param", G},
        {"tune.ssl.force-private-cache", G},
        {"tune.ssl.hard-maxrecord", G},
        {"tune.ssl.keylog", G},
        {"tune.ssl.lifetime", G},
        {"tune.ssl.maxrecord", G},
        {"tune.ssl.ocsp-update.maxdelay", G},
        {"tune.ssl.ocsp-update.mindelay", G},
        {"tune.ssl.ssl-ctx-cache-size", G},
        {"tune.stick-counters", G},
        {"tune.vars.check-max-size", G},
        {"tune.vars.global-max-size", G},
        {"tune.vars.proc-max-size", G},
        {"tune.vars.reqres-max-size", G},
        {"tune.vars.sess-max-size", G},
        {"tune.vars.txn-max-size", G},
        {"tune.zlib.memlevel", G},
        {"tune.zlib.windowsize", G},

        /* proxies (manual section 4.1, the capability matrix) */
        {"acl", F | L | B},
        {"backlog", D | F | L},
        {"balance", D | L | B},
        {"bind", F | L},
        {"bind-process", D | F | L | B},
        {"capture cookie", F | L},
        {"capture request header", F | L},
        {"capture response header", F | L},
        {"clitcpka-cnt", D | F | L},
        {"clitcpka-idle", D | F | L},
        {"clitcpka-intvl", D | F | L},
        {"compression", D | F | L | B},
        {"cookie", D | L | B},
        {"declare capture", F | L | B},
        {"default-server", D | L | B},
        {"default_backend", D | F | L},
        {"disabled", D | F | L | B},
        {"dispatch", L | B},
        {"email-alert from", D | F | L | B},
        {"email-alert level", D | F | L | B},
        {"email-alert mailers", D | F | L | B},
        {"email-alert myhostname", D | F | L | B},
        {"email-alert to", D | F | L | B},
        {"enabled", D | F | L | B},
        {"errorfile", D | F | L | B},
        {"external-check command", D | L | B},
        {"external-check path", D | L | B},
        {"errorfiles", D | F | L | B},
        {"errorloc", D | F | L | B},
        {"errorloc302", D | F | L | B},
        {"errorloc303", D | F | L | B},
        {"error-log-format", D | F | L},
        {"force-persist", L | B},
        {"filter", F | L | B},
        {"fullconn", D | L | B},
        {"guid", F | L | B},
        {"hash-balance-factor", D | L | B},
        {"hash-key", D | L | B},
        {"hash-type", D | L | B},
        {"http-after-response", D | F | L | B},
        {"http-check comment", D | L | B},
        {"http-check connect", D | L | B},
        {"http-check disable-on-404", D | L | B},
        {"http-check expect", D | L | B},
        {"http-check send", D | L | B},
        {"http-check send-state", D | L | B},
        {"http-check set-var", D | L | B},
        {"http-check unset-var", D | L | B},
        {"http-error", D | F | L | B},
        {"http-request", D | F | L | B},
        {"http-response", D | F | L | B},
        {"http-reuse", D | L | B},
        {"http-send-name-header", D | L | B},
        {"id", F | L | B},
        {"ignore-persist", L | B},
        {"load-server-state-from-file", D | L | B},
        {"log-format", D | F | L},
        {"log-format-sd", D | F | L},
        {"log-steps", D | F | L},
        {"max-keep-alive-queue", D | L | B},
        {"max-session-srv-conns", D | F | L},
        {"mode", D | F | L | B},
        {"monitor fail", F | L},
        {"monitor-uri", D | F | L},
        {"persist", D | L | B}, /* persist rdp-cookie[(<name>)] */
        {"rate-limit sessions", D | F | L},
        {"redirect", F | L | B},
        {"retries", D | L | B},
        {"retry-on", D | L | B},
        {"server", L | B},
        {"server-state-file-name", D | L | B},
        {"server-template", L | B},
        {"source", D | L | B},
        {"srvtcpka-cnt", D | L | B},
        {"srvtcpka-idle", D | L | B},
        {"srvtcpka-intvl", D | L | B},
        {"stats admin", F | L | B},
        {"stats auth", D | F | L | B},
        {"stats enable", D | F | L | B},
        {"stats hide-version", D | F | L | B},
        {"stats http-request", F | L | B},
        {"stats realm", D | F | L | B},
        {"stats refresh", D | F | L | B},
        {"stats scope", D | F | L | B},
        {"stats show-desc", D | F | L | B},
        {"stats show-legends", D | F | L | B},
        {"stats show-modules", D | F | L | B},
        {"stats show-node", D | F | L | B},
        {"stats uri", D | F | L | B},
        {"stick match", L | B},
        {"stick on", L | B},
        {"stick store-request", L | B},
        {"stick store-response", L | B},
        {"stick-table", F | L | B},
        {"tcp-check comment", D | L | B},
        {"tcp-check connect", D | L | B},
        {"tcp-check expect", D | L | B},
        {"tcp-check send", D | L | B},
        {"tcp-check send-binary", D | L | B},
        {"tcp-check send-lf", D | L | B},
        {"tcp-check send-binary-lf", D | L | B},
        {"tcp-check set-var", D | L | B},
        {"tcp-check unset-var", D | L | B},
        {"tcp-request connection", D | F | L},
        {"tcp-request content", D | F | L | B},
        {"tcp-request inspect-delay", D | F | L | B},
        {"tcp-request session", D | F | L},
        {"tcp-response content", D | L | B},
        {"tcp-response inspect-delay", D | L | B},
        {"timeout check", D | L | B},
        {"timeout client", D | F | L},
        {"timeout client-fin", D | F | L},
        {"timeout client-hs", D | F | L},
        {"timeout connect", D | L | B},
        {"timeout http-keep-alive", D | F | L | B},
        {"timeout http-request", D | F | L | B},
        {"timeout queue", D | L | B},
        {"timeout server", D | L | B},
        {"timeout server-fin", D | L | B},
        {"timeout tarpit", D | F | L | B},
        {"timeout tunnel", D | L | B},
        {"transparent", D | L | B},
        {"unique-id-format", D | F | L},
        {"unique-id-header", D | F | L},
        {"use_backend", F | L},
        {"use-fcgi-app", L | B},
        {"use-server", L | B},

        /* option NAME (manual section 4.2) */
        {"option abortonclose", D | L | B},
        {"option accept-invalid-http-request", D | F | L},
        {"option accept-invalid-http-response", D | L | B},
        {"option accept-unsafe-violations-in-http-request", D | F | L},
        {"option accept-unsafe-violations-in-http-response", D | L | B},
        {"option allbackups", D | L | B},
        {"option checkcache", D | L | B},
        {"option clitcpka", D | F | L},
        {"option contstats", D | F | L},
        {"option disable-h2-upgrade", D | F | L},
        {"option dontlog-normal", D | F | L},
        {"option dontlognull", D | F | L},
        {"option external-check", D | L | B},
        {"option forwardfor", D | F | L | B},
        {"option forwarded", D | L | B},
        {"option h1-case-adjust-bogus-client", D | F | L},
        {"option h1-case-adjust-bogus-server", D | L | B},
        {"option http-buffer-request", D | F | L | B},
        {"option http-drop-request-trailers", D | L | B},
        {"option http-drop-response-trailers", D | F | L},
        {"option http-ignore-probes", D | F | L},
        {"option http-keep-alive", D | F | L | B},
        {"option http-no-delay", D | F | L | B},
        {"option http-pretend-keepalive", D | L | B},
        {"option http-restrict-req-hdr-names", D | F | L | B},
        {"option http-server-close", D | F | L | B},
        {"option http-use-proxy-header", D | F | L},
        {"option httpchk", D | L | B},
        {"option httpclose", D | F | L | B},
        {"option httplog", D | F | L},
        {"option httpslog", D | F | L},
        {"option idle-close-on-response", D | F | L},
        {"option independent-streams", D | F | L | B},
        {"option ldap-check", D | L | B},
        {"option log-health-checks", D | L | B},
        {"option log-separate-errors", D | F | L},
        {"option logasap", D | F | L},
        {"option mysql-check", D | L | B},
        {"option nolinger", D | F | L | B},
        {"option originalto", D | F | L | B},
        {"option persist", D | L | B},
        {"option pgsql-check", D | L | B},
        {"option prefer-last-server", D | L | B},
        {"option redispatch", D | L | B},
        {"option redis-check", D | L | B},
        {"option smtpchk", D | L | B},
        {"option socket-stats", D | F | L},
        {"option splice-auto", D | F | L | B},
        {"option splice-request", D | F | L | B},
        {"option splice-response", D | F | L | B},
        {"option spop-check", D | L | B},
        {"option srvtcpka", D | L | B},
        {"option ssl-hello-chk", D | L | B},
        {"option tcp-check", D | L | B},
        {"option tcp-smart-accept", D | F | L},
        {"option tcp-smart-connect", D | L | B},
        {"option tcpka", D | F | L | B},
        {"option tcplog", D | F | L},
        {"option transparent", D | L | B},
        {"no option", D | F | L | B},

        /* peers, resolvers, userlist */
        {"peer", P},
        {"server", P},
        {"bind", P},
        {"default-bind", P},
        {"default-server", P},
        {"disabled", P},
        {"enabled", P},
        {"shards", P},
        {"table", P},
        {"nameserver", R},
        {"accepted_payload_size", R},
        {"hold", R},
        {"parse-resolv-conf", R},
        {"resolve_retries", R},
        {"timeout resolve", R},
        {"timeout retry", R},
        {"group", U},
        {"user", U},
};
const size_t cfg_n_known_keywords = SL_ARRAY_SIZE(cfg_known_keywords);

/* HAProxy's bind options (2.6, with SSL and QUIC ones, and a few of later versions). */
static const char *const bind_options[] = {
        "accept-netscaler-cip",
        "accept-proxy",
        "allow-0rtt",
        "alpn",
        "backlog",
        "ca-file",
        "ca-ignore-err",
        "ca-sign-file",
        "ca-sign-pass",
        "ca-verify-file",
        "ciphers",
        "ciphersuites",
        "client-sigalgs",
        "crl-file",
        "crt",
        "crt-ignore-err",
        "crt-list",
        "curves",
        "default-crt",
        "defer-accept",
        "ecdhe",
        "expose-fd",
        "force-sslv3",
        "force-tlsv10",
        "force-tlsv11",
        "force-tlsv12",
        "force-tlsv13",
        "generate-certificates",
        "gid",
        "group",
        "guid-prefix",
        "id",
        "idle-ping",
        "interface",
        "ktls",
        "label",
        "level",
        "maxconn",
        "mode",
        "mss",
        "name",
        "namespace",
        "nbconn",
        "nice",
        "no-alpn",
        "no-ca-names",
        "no-sslv3",
        "no-tls-tickets",
        "no-tlsv10",
        "no-tlsv11",
        "no-tlsv12",
        "no-tlsv13",
        "npn",
        "prefer-client-ciphers",
        "process",
        "proto",
        "quic-cc-algo",
        "quic-force-retry",
        "quic-socket",
        "severity-output",
        "shards",
        "sigalgs",
        "ssl",
        "ssl-max-ver",
        "ssl-min-ver",
        "strict-sni",
        "tcp-md5sig",
        "tcp-ss",
        "tcp-ut",
        "tfo",
        "thread",
        "tls-ticket-keys",
        "tls-tickets",
        "transparent",
        "uid",
        "user",
        "v4v6",
        "v6only",
        "verify",
};

bool cfg_known_bind_option(const char *name)
{
        for (size_t i = 0; i < SL_ARRAY_SIZE(bind_options); i++)
                if (strcmp(bind_options[i], name) == 0)
                        return true;
        return false;
}

/* Does @name (words separated by single spaces) equal the first words of @words? */
static size_t kw_match_words(const char *name, const char *const *words, size_t n_words)
{
        size_t matched = 0;

        while (*name) {
                const char *sp = strchr(name, ' ');
                size_t len = sp ? (size_t)(sp - name) : strlen(name);

                if (matched == n_words || strlen(words[matched]) != len ||
                    memcmp(words[matched], name, len) != 0)
                        return 0;
                matched++;
                name += len + (sp ? 1 : 0);
        }
        return matched;
}

const struct cfg_known_kw *cfg_known_lookup(const char *const *words, size_t n_words, unsigned in,
                                            size_t *ret_n_words)
{
        const struct cfg_known_kw *best = NULL;
        size_t best_n = 0;

        for (size_t i = 0; i < cfg_n_known_keywords; i++) {
                const struct cfg_known_kw *k = &cfg_known_keywords[i];
                size_t n;

                if (in && !(k->in & in))
                        continue;
                n = kw_match_words(k->name, words, n_words);
                if (n > best_n) {
                        best = k;
                        best_n = n;
                }
        }
        if (best)
                *ret_n_words = best_n;
        return best;
}

unsigned cfg_edit_distance(const char *a, const char *b, unsigned cap)
{
        /* Three rows of the classic dynamic programme; names are short (< 64 bytes). */
        unsigned rows[3][65];
        size_t la = strlen(a), lb = strlen(b);
        unsigned *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

        if (la > 64 || lb > 64)
                return cap + 1;
        if ((la > lb ? la - lb : lb - la) > cap)
                return cap + 1;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = (unsigned)j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = (unsigned)i;
                for (size_t j = 1; j <= lb; j++) {
                        unsigned cost = a[i - 1] != b[j - 1];
                        unsigned v = SL_MIN(prev[j] + 1, cur[j - 1] + 1);

                        v = SL_MIN(v, prev[j - 1] + cost);
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                                v = SL_MIN(v, prev2[j - 2] + 1);
                        cur[j] = v;
                }
                unsigned *t = prev2;
                prev2 = prev;
                prev = cur;
                cur = t;
        }
        return SL_MIN(prev[lb], cap + 1);
}

bool cfg_is_close(const char *word, const char *candidate)
{
        size_t len = strlen(word);
        unsigned cap = len <= 3 ? 1 : len <= 6 ? 2 : 3;

        return cfg_edit_distance(word, candidate, cap) <= cap;
}
