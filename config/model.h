#pragma once
/* The configuration model: what sluice.cfg means, typed, with every value already parsed.
 * One struct cfg_gen per successful load (a "generation"); it is immutable once loaded and
 * shared by reference: master and workers read it, nothing parses strings after load.
 * Every string and array in it lives in the generation's arena. Pointers between objects of
 * one generation (a proxy's default backend) are plain pointers; nothing here goes to shared
 * memory. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "acl.h"
#include "arena.h"
#include "cpu_map.h"
#include "fmt.h"
#include "stkt_types.h"
#include "tls_model.h"
#include "units.h"

enum cfg_mode {
        CFG_MODE_TCP = 0,
        CFG_MODE_HTTP,
};

/* What a proxy section can do (HAProxy's capabilities). */
enum {
        CFG_CAP_FE = 1u << 0,       /* accepts connections (frontend, listen) */
        CFG_CAP_BE = 1u << 1,       /* has servers (backend, listen) */
        CFG_CAP_DEFAULTS = 1u << 2, /* a defaults section */
        /* only a stick table: one declared with "table <t>" in a peers section, named
         * "<peers>/<t>" as rules and the runtime API name it; no listener, no server, no
         * statistics row, no id (HAProxy makes no proxy of it) */
        CFG_CAP_TABLE = 1u << 3,
};

enum cfg_timeout {
        CFG_TO_CLIENT = 0,
        CFG_TO_CLIENT_FIN,
        CFG_TO_CONNECT,
        CFG_TO_HTTP_KEEP_ALIVE,
        CFG_TO_HTTP_REQUEST,
        CFG_TO_QUEUE,
        CFG_TO_SERVER,
        CFG_TO_SERVER_FIN,
        CFG_TO_TUNNEL,
        CFG_TO_TARPIT, /* unset: the proxy's timeout connect */
        CFG_TO_CHECK,  /* health checks' read timeout, after the connect (HAProxy's) */
        CFG_TO_COUNT,
};

/* option NAME; the model keeps both the value and whether it was set, so "no option X" in
 * a proxy overrides a defaults section. */
enum {
        CFG_OPT_HTTPLOG = 1u << 0,
        CFG_OPT_TCPLOG = 1u << 1,
        CFG_OPT_FORWARDFOR = 1u << 2,
        CFG_OPT_HTTP_SERVER_CLOSE = 1u << 3,
        CFG_OPT_HTTP_KEEP_ALIVE = 1u << 4,
        CFG_OPT_REDISPATCH = 1u << 5,
        CFG_OPT_DONTLOGNULL = 1u << 6,
        CFG_OPT_JSONLOG = 1u << 7, /* sluice: one JSON object per line */
        CFG_OPT_HTTP_NO_DELAY = 1u << 8,
        CFG_OPT_HTTPCLOSE = 1u << 9,     /* both sides closed after each response */
        CFG_OPT_ABORTONCLOSE = 1u << 10, /* a client gone while queued or connecting: dropped */
        CFG_OPT_CLITCPKA = 1u << 11,     /* SO_KEEPALIVE on client connections */
        CFG_OPT_SRVTCPKA = 1u << 12,     /* SO_KEEPALIVE on server connections */
        CFG_OPT_HTTP_BUFFER_REQUEST = 1u << 13, /* wait for the request body first */
        CFG_OPT_ORIGINALTO = 1u << 14,          /* X-Original-To: where the client connected */
        CFG_OPT_NOLINGER = 1u << 15,            /* closes reset: SO_LINGER {1, 0} */
        CFG_OPT_TCP_SMART_ACCEPT = 1u << 16,    /* listeners: no ACK of their own for requests */
        CFG_OPT_TCP_SMART_CONNECT = 1u << 17,   /* servers: the request goes with the ACK */
        CFG_OPT_PREFER_LAST_SERVER = 1u << 18,  /* keep-alive: the previous request's server */
        CFG_OPT_SOCKET_STATS = 1u << 19,        /* statistics of each listener (bind line) */
        CFG_OPT_LOG_HEALTH_CHECKS = 1u << 20,   /* every check's result changing, logged */
        CFG_OPT_DISABLE_H2_UPGRADE = 1u << 21,  /* no HTTP/2 by prior knowledge on cleartext */
};

/* retry-on: what a request is sent again on (HAProxy's PR_RE_*); "none" is 0. */
enum {
        CFG_RETRY_CONN_FAILURE = 1u << 0,   /* the connection failed: the default */
        CFG_RETRY_EMPTY_RESPONSE = 1u << 1, /* closed before any response byte */
        CFG_RETRY_JUNK_RESPONSE = 1u << 2,  /* something not a valid response head */
        CFG_RETRY_RESPONSE_TIMEOUT = 1u << 3,
        CFG_RETRY_0RTT_REJECTED = 1u << 4, /* TLS early data refused: never without TLS */
        CFG_RETRY_401 = 1u << 5,
        CFG_RETRY_403 = 1u << 6,
        CFG_RETRY_404 = 1u << 7,
        CFG_RETRY_408 = 1u << 8,
        CFG_RETRY_425 = 1u << 9,
        CFG_RETRY_500 = 1u << 10,
        CFG_RETRY_501 = 1u << 11,
        CFG_RETRY_502 = 1u << 12,
        CFG_RETRY_503 = 1u << 13,
        CFG_RETRY_504 = 1u << 14,
};

/* What "all-retryable-errors" stands for (HAProxy 2.6). */
#define CFG_RETRY_ALL_RETRYABLE                                                                 \
        (CFG_RETRY_CONN_FAILURE | CFG_RETRY_EMPTY_RESPONSE | CFG_RETRY_JUNK_RESPONSE |          \
         CFG_RETRY_RESPONSE_TIMEOUT | CFG_RETRY_0RTT_REJECTED | CFG_RETRY_500 | CFG_RETRY_502 | \
         CFG_RETRY_503 | CFG_RETRY_504)

/* The CFG_RETRY_* bit of response status @status, 0 when retry-on cannot name it. */
uint32_t cfg_retry_status_bit(unsigned status);

enum cfg_balance_algo {
        CFG_LB_ROUNDROBIN = 0,
        CFG_LB_STATIC_RR,
        CFG_LB_LEASTCONN,
        CFG_LB_FIRST,
        CFG_LB_SOURCE,
        CFG_LB_URI,
        CFG_LB_URL_PARAM,
        CFG_LB_HDR,
        CFG_LB_RANDOM,
        CFG_LB_RDP_COOKIE,
        CFG_LB_HASH,
};

enum cfg_hash_method {
        CFG_HASH_MAP_BASED = 0,
        CFG_HASH_CONSISTENT,
};

enum cfg_hash_function {
        CFG_HASH_FN_SDBM = 0,
        CFG_HASH_FN_DJB2,
        CFG_HASH_FN_WT6,
        CFG_HASH_FN_CRC32,
        CFG_HASH_FN_NONE,
};

enum cfg_http_reuse {
        CFG_REUSE_SAFE = 0, /* HAProxy's default */
        CFG_REUSE_NEVER,
        CFG_REUSE_AGGRESSIVE,
        CFG_REUSE_ALWAYS,
};

struct cfg_balance {
        enum cfg_balance_algo algo;
        const char *arg;    /* arena: hdr(NAME), url_param NAME, rdp-cookie(NAME); or NULL */
        unsigned uri_len;   /* balance uri len N (0: whole path) */
        unsigned uri_depth; /* balance uri depth N (0: unlimited) */
        bool uri_whole;     /* balance uri whole: include the query string */
        bool uri_path_only; /* balance uri path-only: from the path's '/', no authority */
        bool hdr_use_domain_only;
        unsigned random_draws; /* balance random(N): power-of-N choices; HAProxy default 2 */
};

struct cfg_hash_type {
        enum cfg_hash_method method;
        enum cfg_hash_function function;
        bool avalanche;
};

/* bind ... proto: the mux a bind's connections get, whatever the client offers; server ...
 * proto: the mux sluice speaks to the server (AUTO: HTTP/2 if the server's TLS ALPN chose
 * "h2", else HTTP/1) */
enum cfg_bind_proto {
        CFG_BIND_PROTO_AUTO = 0, /* HTTP/2 by ALPN or prior knowledge, else HTTP/1 */
        CFG_BIND_PROTO_H1,       /* "proto h1" */
        CFG_BIND_PROTO_H2,       /* "proto h2" */
};

struct cfg_bind {
        struct cfg_addr addr;
        const char *name; /* arena: "name <n>", or NULL */
        bool v6only;      /* "v6only": an IPv6 socket takes IPv6 only */
        bool v4v6;        /* "v4v6": an IPv6 socket takes IPv4 too (else the system's default) */
        bool tfo;         /* "tfo": TCP Fast Open on the listening socket */
        enum cfg_bind_proto proto; /* "proto h1|h2" (mode http only) */
        bool accept_proxy;         /* "accept-proxy": a PROXY protocol header comes first */
        struct cfg_bind_tls tls;   /* "ssl", "crt", "crt-list" and the other TLS options */
        struct cfg_where where;
};

enum {
        CFG_SRV_BACKUP = 1u << 0,
        CFG_SRV_DISABLED = 1u << 1,
};

/* init-addr: how a server address written as a host name gets its IP address at start. */
enum cfg_init_addr_method {
        CFG_INIT_ADDR_LAST = 1, /* the address the backend's server-state file gives */
        CFG_INIT_ADDR_LIBC,     /* the C library's resolver */
        CFG_INIT_ADDR_NONE,     /* no address: the server starts in maintenance */
        CFG_INIT_ADDR_IP,       /* the IP address given */
};

#define CFG_INIT_ADDR_MAX 8

struct cfg_init_addr {
        uint8_t n;                          /* 0: not set, HAProxy's default "last,libc" */
        uint8_t methods[CFG_INIT_ADDR_MAX]; /* enum cfg_init_addr_method, in order */
        struct sockaddr_storage ip;         /* CFG_INIT_ADDR_IP (the last one given) */
};

/* What a backend's health checks do: connect only, HTTP (option httpchk) or a tcp-check
 * sequence (option tcp-check); the rules of the two latter. */
enum cfg_check_type {
        CFG_CHECK_CONNECT = 0, /* a TCP connect (and the TLS handshake with check-ssl) */
        CFG_CHECK_HTTP,        /* option httpchk */
        CFG_CHECK_TCP,         /* option tcp-check */
};

enum cfg_chk_kind {
        CFG_CHK_CONNECT = 0, /* tcp-check|http-check connect */
        CFG_CHK_SEND,        /* tcp-check send|send-binary: bytes */
        CFG_CHK_EXPECT,      /* tcp-check expect */
        CFG_CHK_HTTP_SEND,   /* http-check send */
        CFG_CHK_HTTP_EXPECT, /* http-check expect */
};

enum cfg_chk_match {
        CFG_CHK_M_STRING = 0, /* the bytes (tcp) or the body (http) contain @pat */
        CFG_CHK_M_RSTRING,    /* ... match the regex */
        CFG_CHK_M_BINARY,     /* tcp: contain the bytes of a hex string */
        CFG_CHK_M_RBINARY,    /* tcp: the hex text of the bytes matches the regex */
        CFG_CHK_M_STATUS,     /* http: the status is in the list ("200,300-399") */
        CFG_CHK_M_RSTATUS,    /* http: the status (as text) matches the regex */
        CFG_CHK_M_CUSTOM,     /* tcp: a protocol check's own test (enum cfg_chk_custom) */
        CFG_CHK_M_HDR,        /* http: a header (its value as a comma-separated list) */
        CFG_CHK_M_FHDR,       /* http: a header, its full value */
};

/* How hdr and fhdr compare a header's name or value */
enum cfg_chk_meth {
        CFG_CHK_METH_STR = 0, /* the whole */
        CFG_CHK_METH_BEG,
        CFG_CHK_METH_END,
        CFG_CHK_METH_SUB,
        CFG_CHK_METH_REG,
};

/* The protocol checks' own tests (option ssl-hello-chk, mysql-check, pgsql-check, smtpchk) */
enum cfg_chk_custom {
        CFG_CHK_C_SSL_HELLO = 0, /* a TLS record of type alert or handshake */
        CFG_CHK_C_MYSQL_INITHS,  /* MySQL's initial handshake packet (0xff: an error) */
        CFG_CHK_C_MYSQL_OK,      /* the packet after it: OK (0xff: an error) */
        CFG_CHK_C_PGSQL_NOT_E,   /* PostgreSQL: not an ErrorResponse */
        CFG_CHK_C_PGSQL_AUTH,    /* PostgreSQL: AuthenticationOk or a request for a password */
        CFG_CHK_C_SMTP_ANY,      /* an SMTP reply line: 3 digits and a space or CR */
        CFG_CHK_C_SMTP_2XX,      /* ... a 2xx one */
        CFG_CHK_C_SMTP_2XX_ML,   /* ... a 2xx one, perhaps the first of several ("250-") */
};

/* A check status, numbered as shm/srv_state.h's enum srv_chk_status (HAProxy's names) */
enum cfg_chk_status {
        CFG_CHK_ST_NONE = 0, /* the default */
        CFG_CHK_ST_L4OK = 3,
        CFG_CHK_ST_L4TOUT,
        CFG_CHK_ST_L4CON,
        CFG_CHK_ST_L6OK,
        CFG_CHK_ST_L6TOUT,
        CFG_CHK_ST_L6RSP,
        CFG_CHK_ST_L7TOUT,
        CFG_CHK_ST_L7RSP,
        CFG_CHK_ST_L7OK,
        CFG_CHK_ST_L7OKC,
        CFG_CHK_ST_L7STS,
};

/* The protocol checks: option ssl-hello-chk, redis-check, mysql-check, pgsql-check, smtpchk
 * (their sequences are HAProxy's, built by the checker) */
enum cfg_check_proto {
        CFG_CHK_PROTO_NONE = 0,
        CFG_CHK_PROTO_SSL_HELLO,
        CFG_CHK_PROTO_REDIS,
        CFG_CHK_PROTO_MYSQL,
        CFG_CHK_PROTO_PGSQL,
        CFG_CHK_PROTO_SMTP,
};

struct cfg_chk_hdr {
        const char *name, *value; /* arena */
};

struct cfg_check_rule {
        enum cfg_chk_kind kind;
        bool http; /* an http-check rule (else tcp-check) */
        struct cfg_where where;
        /* connect */
        uint16_t port;          /* 0: the check's port */
        bool ssl, linger;       /* "ssl", "linger" */
        bool send_proxy;        /* "send-proxy": a PROXY header (LOCAL) first */
        bool dflt;              /* "default": the server's check settings (its PROXY header) */
        const char *sni, *alpn; /* arena or NULL */
        /* send: @data of @len bytes (arena); http send: NULL fields keep option httpchk's */
        const char *data;
        size_t len;
        const char *meth, *uri, *ver; /* arena or NULL */
        struct cfg_chk_hdr *hdrs;     /* arena array */
        size_t n_hdrs, cap_hdrs;
        /* expect */
        enum cfg_chk_match match;
        bool neg;        /* "!": the match must fail */
        const char *pat; /* arena: as written (the hex string, the status list, the regex) */
        size_t pat_len;  /* binary: the decoded bytes in @bin */
        const char *bin;
        void *re;                   /* pcre2_code owned by the generation, for the regex matches */
        unsigned min_recv;          /* "min-recv": bytes needed before matching; 0: none */
        enum cfg_chk_custom custom; /* CFG_CHK_M_CUSTOM */
        /* hdr, fhdr: the name (@pat, matched without case) and, if @hdr_value, the value */
        enum cfg_chk_meth name_meth, value_meth;
        const char *hdr_value; /* arena, or NULL: the header's presence is enough */
        void *value_re;        /* pcre2_code of the generation, for -m reg on the value */
        /* "ok-status", "error-status", "tout-status" (CFG_CHK_ST_NONE: the defaults) */
        uint8_t ok_status, err_status, tout_status;
        /* the protocol checks' texts: on success @ok_info, else the answer from byte
         * @ok_from - 1 to its end of line (0: none); on failure the same with err_*; with
         * @code3 the answer's first three digits are the check's code */
        const char *ok_info, *err_info;
        unsigned ok_from, err_from;
        bool code3;
};

struct cfg_checks {
        enum cfg_check_type type;
        bool own; /* the rules are this section's (inherited ones are replaced, not added to) */
        bool disable_on_404, send_state;
        /* option httpchk [<method>] [<uri>] [<version>]: the defaults of http-check send */
        const char *meth, *uri, *ver; /* arena or NULL: OPTIONS / HTTP/1.0 */
        struct cfg_chk_hdr *hdrs;     /* arena array: headers given in <version> after "\r\n" */
        size_t n_hdrs;
        struct cfg_check_rule *rules; /* arena array */
        size_t n_rules, cap_rules;
        enum cfg_check_proto proto; /* with CFG_CHECK_TCP: a protocol check, @rules unused */
        const char *user;           /* arena: mysql-check and pgsql-check "user" */
        bool mysql_pre41;           /* mysql-check user <u> pre-41 */
        const char *smtp_cmd;       /* arena: smtpchk's greeting: "HELO localhost" */
};

/* observe: what traffic to a server counts as its errors */
enum cfg_observe {
        CFG_OBSERVE_NONE = 0,
        CFG_OBSERVE_L4, /* connection failures */
        CFG_OBSERVE_L7, /* those and HTTP 5xx answers but 501 and 505, and bad answers */
};

/* on-error: what error-limit consecutive errors do */
enum cfg_on_error {
        CFG_ON_ERROR_FAIL_CHECK = 0, /* count as a failed check (the default) */
        CFG_ON_ERROR_FASTINTER,      /* check again at fastinter */
        CFG_ON_ERROR_SUDDEN_DEATH,   /* one failed check from DOWN */
        CFG_ON_ERROR_MARK_DOWN,      /* DOWN at once */
};

/* A server's health-check settings ("check", "inter", "rise" ...), HAProxy's meaning. */
struct cfg_server_check {
        bool enabled;                 /* "check" */
        bool ssl, ssl_set;            /* "check-ssl" / "no-check-ssl"; unset: the server's ssl */
        bool port_set, addr_set;      /* "port", "addr" given */
        uint16_t port;                /* where checks connect, else the server's port */
        struct sockaddr_storage addr; /* "addr": the address checks connect to */
        uint32_t inter_ms;            /* "inter", default 2 s */
        uint32_t fastinter_ms;        /* "fastinter": while changing state; 0: inter */
        uint32_t downinter_ms;        /* "downinter": while fully DOWN; 0: inter */
        unsigned rise, fall;          /* default 2 and 3 */
        const char *sni;              /* arena: "check-sni", or NULL */
        const char *alpn;             /* arena: "check-alpn", or NULL */
        uint32_t slowstart_ms;        /* "slowstart": weight and maxconn ramp after UP; 0 */
        bool send_proxy;              /* "check-send-proxy" (cleared by "no-check-send-proxy") */
        bool down_shutdown;           /* "on-marked-down shutdown-sessions" */
        bool up_shutdown_backup;      /* "on-marked-up shutdown-backup-sessions" */
        enum cfg_observe observe;     /* "observe" */
        unsigned error_limit;         /* "error-limit", default 10 */
        enum cfg_on_error on_error;   /* "on-error", default fail-check */
        /* agent-check: a TCP agent on the server says its weight and state */
        bool agent;                         /* "agent-check" */
        uint16_t agent_port;                /* "agent-port" (needed) */
        uint32_t agent_inter_ms;            /* "agent-inter", default 2 s */
        const char *agent_send;             /* arena: "agent-send", or NULL */
        bool agent_addr_set;                /* "agent-addr" */
        struct sockaddr_storage agent_addr; /* its IP (the server's without it) */
};

#define CFG_CHECK_INTER_MS    2000u
#define CFG_CHECK_ERROR_LIMIT 10u
#define CFG_CHECK_RISE        2u
#define CFG_CHECK_FALL        3u

bool cfg_server_check_eq(const struct cfg_server_check *a, const struct cfg_server_check *b);

struct cfg_net;
struct cfg_resolvers;

/* A server's runtime DNS resolution (manual section 5.3): "resolvers", "resolve-prefer",
 * "resolve-opts", "resolve-net". */
struct cfg_server_dns {
        const char *resolvers;      /* arena: "resolvers <id>" as written, or NULL: none */
        int prefer;                 /* "resolve-prefer": AF_INET, AF_INET6; 0: not given (IPv6) */
        bool allow_dup_ip;          /* "resolve-opts allow-dup-ip" (prevent-dup-ip: false) */
        bool ignore_weight;         /* "resolve-opts ignore-weight": SRV weights are not applied */
        const struct cfg_net *nets; /* arena array: "resolve-net", preferred networks */
        unsigned n_nets;
};

#define CFG_RESOLVE_NETS_MAX 5 /* HAProxy's SRV_MAX_PREF_NET */

/* Settings a server inherits from default-server and may override. */
struct cfg_server_opts {
        unsigned weight;    /* 0..256, default 1 */
        unsigned maxconn;   /* 0: unlimited */
        uint32_t flags;     /* CFG_SRV_* */
        const char *cookie; /* arena: its persistence cookie value, or NULL */
        struct cfg_init_addr init_addr;
        struct cfg_server_tls tls; /* "ssl" and the other TLS options */
        struct cfg_server_check check;
        enum cfg_bind_proto proto; /* "proto h1|h2" (mode http only); AUTO: not given */
        uint32_t pp;               /* CFG_PP_*: the PROXY protocol header it is sent */
        struct cfg_server_dns dns;
        /* its idle connections (cfg_server_pool_max(), cfg_server_pool_purge_ms()):
         * pool-max-conn (-1: no limit), pool-purge-delay, each with whether it was given;
         * pool-low-conn */
        int32_t pool_max_conn;
        uint32_t pool_purge_ms;
        bool pool_max_set, pool_purge_set;
        uint32_t pool_low_conn;
};

#define CFG_POOL_PURGE_MS 5000u /* pool-purge-delay's default, as HAProxy's */

/* The most idle connections server options @o keep (pool-max-conn), -1: no limit (the
 * default). */
static inline int32_t cfg_server_pool_max(const struct cfg_server_opts *o)
{
        return o->pool_max_set ? o->pool_max_conn : -1;
}

/* The period of @o's idle connection purge (pool-purge-delay), in ms; 0: none is kept. */
static inline uint32_t cfg_server_pool_purge_ms(const struct cfg_server_opts *o)
{
        return o->pool_purge_set ? o->pool_purge_ms : CFG_POOL_PURGE_MS;
}

/* send-proxy, send-proxy-v2[-ssl[-cn]], proxy-v2-options: the PROXY protocol header a server
 * gets before the first byte of each new connection (HAProxy's SRV_PP_*) */
enum {
        CFG_PP_V1 = 1u << 0,             /* send-proxy */
        CFG_PP_V2 = 1u << 1,             /* send-proxy-v2 (wins over v1 when both are set) */
        CFG_PP_V2_SSL = 1u << 2,         /* the SSL TLV: ssl */
        CFG_PP_V2_SSL_CN = 1u << 3,      /* ... with the client certificate's CN: cert-cn */
        CFG_PP_V2_SSL_KEY_ALG = 1u << 4, /* cert-key */
        CFG_PP_V2_SSL_SIG_ALG = 1u << 5, /* cert-sig */
        CFG_PP_V2_SSL_CIPHER = 1u << 6,  /* ssl-cipher */
        CFG_PP_V2_AUTHORITY = 1u << 7,   /* authority: the client's, or its SNI */
        CFG_PP_V2_CRC32C = 1u << 8,      /* crc32c */
        CFG_PP_V2_UNIQUE_ID = 1u << 9,   /* unique-id: the stream's unique-id-format */
};

/* The PROXY options of @o's traffic: its CFG_PP_* when it sends a header (send-proxy or
 * send-proxy-v2), else 0 (proxy-v2-options alone send nothing). */
static inline uint32_t cfg_server_pp(const struct cfg_server_opts *o)
{
        return (o->pp & (CFG_PP_V1 | CFG_PP_V2)) ? o->pp : 0;
}

/* Does header @pp name the stream (v2 with unique-id), so that its connection serves no
 * other stream? */
static inline bool cfg_pp_per_stream(uint32_t pp)
{
        return (pp & CFG_PP_V2) && (pp & CFG_PP_V2_UNIQUE_ID);
}

/* Do @o's health checks send a PROXY header? With check-send-proxy, and (HAProxy's rule)
 * with the traffic's own send-proxy* when checks go to the server's address and port. Its
 * version is the traffic's: v2 with send-proxy-v2, else v1. */
static inline bool cfg_server_opts_check_pp(const struct cfg_server_opts *o)
{
        return o->check.send_proxy ||
               ((o->pp & (CFG_PP_V1 | CFG_PP_V2)) && !o->check.port_set && !o->check.addr_set);
}

/* Do two servers have the same options? */
bool cfg_server_opts_eq(const struct cfg_server_opts *a, const struct cfg_server_opts *b);

/* cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [preserve] [httponly] [secure]
 * [domain <d>] [attr <a>] [postonly] */
enum cfg_cookie_mode {
        CFG_COOKIE_PASSIVE = 0, /* the application sets it; sluice only reads it */
        CFG_COOKIE_REWRITE,     /* the application sets it; sluice puts the server's value */
        CFG_COOKIE_INSERT,      /* sluice sets it */
        CFG_COOKIE_PREFIX,      /* sluice prefixes the application's cookie: SRV~value */
};

struct cfg_cookie {
        const char *name; /* arena */
        enum cfg_cookie_mode mode;
        bool indirect, nocache, preserve, httponly, secure, postonly;
        const char *domain; /* arena or NULL */
        const char *attr;   /* arena or NULL: appended as "; attr" */
};

struct cfg_server {
        const char *name;     /* arena */
        struct cfg_addr addr; /* a host name is resolved at load (addr.resolved) */
        struct cfg_server_opts opts;
        unsigned id;  /* "id", else the first free one from its position on (HAProxy) */
        bool id_set;  /* "id" was given */
        bool no_addr; /* init-addr none applied: no address, it starts in maintenance */
        struct cfg_where where;
        /* its line in the backend's server-state file (load-server-state-from-file), or NULL;
         * the master applies it at start, where the configuration allows */
        const struct cfg_state_entry *state;
        /* "track [<backend>/]<server>": as written (arena), then the server whose state this
         * one takes (set at the end of load) */
        const char *track_name;
        const char *track_full; /* arena: "<backend>/<server>", as show stat says it */
        const struct cfg_proxy *track_px;
        int track_idx; /* -1: none */
        /* runtime DNS: the section of "resolvers" (set at the end of load; NULL: none, or an
         * address that is no name); @srv_rec: the name is a DNS SRV label ("_" first), whose
         * records give each server of the name its target, port and weight */
        const struct cfg_resolvers *resolvers;
        bool srv_rec;
        const char *tmpl; /* arena: the prefix of the server-template line that made it, or
                           * NULL for a server line */
};

/* The host name or SRV label of server @s that DNS resolves at run time, or NULL. */
static inline const char *cfg_server_fqdn(const struct cfg_server *s)
{
        return s->resolvers && (s->addr.resolved || s->addr.family == CFG_ADDR_NAME) ? s->addr.name
                                                                                     : NULL;
}

/* Do @s's health checks speak TLS? "check-ssl" / "no-check-ssl", else the server's "ssl"
 * unless "port" or "addr" sends them elsewhere (HAProxy's rule). */
static inline bool cfg_server_opts_check_tls(const struct cfg_server_opts *o)
{
        const struct cfg_server_check *c = &o->check;

        if (!c->enabled)
                return false;
        return c->ssl_set ? c->ssl : o->tls.ssl && !c->port_set && !c->addr_set;
}

static inline bool cfg_server_check_tls(const struct cfg_server *s)
{
        return cfg_server_opts_check_tls(&s->opts);
}

/* Does server @s forward to the port the client connected to (no port written, port 0, or an
 * offset "+N"/"-N")? Then its port is that one plus addr.port_offset, modulo 65536. */
static inline bool cfg_server_maps_port(const struct cfg_server *s)
{
        return (s->addr.family == CFG_ADDR_IPV4 || s->addr.family == CFG_ADDR_IPV6) &&
               (!s->addr.has_port || s->addr.port_low == 0);
}

/* Is server @s's address the any address (0.0.0.0, "*", ::)? Then it connects to the
 * address the client connected to (after set-dst), with its own port or a mapped one. */
bool cfg_server_any_addr(const struct cfg_server *s);

struct cfg_log_target {
        enum {
                CFG_LOG_STDOUT = 0,
                CFG_LOG_STDERR,
                CFG_LOG_UDP,
                CFG_LOG_UNIX,
        } kind;
        struct cfg_addr addr; /* UDP and Unix targets */
        int facility;         /* syslog facility code (LOG_LOCAL0 >> 3 ...) */
        int max_level;        /* -1: all */
        int min_level;        /* -1: none */
        unsigned maxlen;      /* 0: default 1024 */
        enum {
                CFG_LOG_FMT_RFC3164 = 0,
                CFG_LOG_FMT_RFC5424,
                CFG_LOG_FMT_SHORT,
                CFG_LOG_FMT_RAW,
        } format;
        struct cfg_where where;
};

struct cfg_stats_socket {
        struct cfg_addr addr;
        unsigned mode;     /* permission bits of a Unix socket; 0: umask */
        const char *user;  /* arena or NULL */
        const char *group; /* arena or NULL */
        enum {
                CFG_STATS_LEVEL_USER = 0,
                CFG_STATS_LEVEL_OPERATOR,
                CFG_STATS_LEVEL_ADMIN,
        } level;
        bool level_set;
        struct cfg_where where;
};

/* errorfile <code> <file>, or errorloc|errorloc302|errorloc303 <code> <url> (@loc 302 or 303),
 * which is an errorfile whose response the parser makes: a redirection to the URL */
struct cfg_errorfile {
        unsigned status;
        unsigned loc;        /* 0: errorfile; 302, 303: errorloc302, errorloc303 */
        const char *path;    /* arena, as written: the file, or the URL of an errorloc */
        const char *content; /* arena: the file's bytes read at load, or the redirection */
        size_t len;
};

enum cfg_http_act {
        CFG_ACT_ALLOW = 0,
        CFG_ACT_DENY,
        CFG_ACT_TARPIT,        /* tarpit: a deny answered after timeout tarpit */
        CFG_ACT_SET_LOG_LEVEL, /* set-log-level LEVEL|silent */
        CFG_ACT_RETURN,
        CFG_ACT_REDIRECT,
        CFG_ACT_SET_HEADER,
        CFG_ACT_ADD_HEADER,
        CFG_ACT_DEL_HEADER,
        CFG_ACT_SET_PATH,
        CFG_ACT_REJECT,         /* tcp-request: close the connection */
        CFG_ACT_TRACK_SC,       /* track-scN KEY [table T] */
        CFG_ACT_SC_INC_GPC0,    /* sc-inc-gpc0(N) */
        CFG_ACT_SC_INC_GPC1,    /* sc-inc-gpc1(N) */
        CFG_ACT_SC_SET_GPT0,    /* sc-set-gpt0(N) VALUE */
        CFG_ACT_SET_VAR,        /* set-var(NAME[,COND...]) EXPR */
        CFG_ACT_SET_VAR_FMT,    /* set-var-fmt(NAME[,COND...]) FMT */
        CFG_ACT_UNSET_VAR,      /* unset-var(NAME) */
        CFG_ACT_REPLACE_HEADER, /* replace-header NAME REGEX FMT: each field's whole value */
        CFG_ACT_REPLACE_VALUE,  /* replace-value NAME REGEX FMT: each comma-separated value */
        CFG_ACT_REPLACE_PATH,   /* replace-path REGEX FMT: the path, without the query */
        CFG_ACT_REPLACE_PATHQ,  /* replace-pathq REGEX FMT: the path and the query */
        CFG_ACT_REPLACE_URI,    /* replace-uri REGEX FMT: the request-target */
        CFG_ACT_SET_QUERY,      /* set-query FMT */
        CFG_ACT_SET_PATHQ,      /* set-pathq FMT */
        CFG_ACT_SET_URI,        /* set-uri FMT */
        CFG_ACT_SET_METHOD,     /* set-method FMT */
        CFG_ACT_SET_STATUS,     /* set-status CODE [reason TEXT] (responses) */
        CFG_ACT_SILENT_DROP,    /* silent-drop: close, telling the client nothing */
        CFG_ACT_CAPTURE,        /* capture SAMPLE len N | id N: into a capture slot */
        CFG_ACT_AUTH,           /* auth [realm R]: 401 with a Basic challenge */
        CFG_ACT_WAIT_FOR_BODY,  /* wait-for-body time T [at-least N] */
        CFG_ACT_NORMALIZE_URI,  /* normalize-uri NORMALIZER [full|strict] */
        CFG_ACT_SET_SRC,        /* set-src EXPR: the client's address, its port kept */
        CFG_ACT_SET_DST,        /* set-dst EXPR: the address it reached, its port kept */
        CFG_ACT_SET_SRC_PORT,   /* set-src-port EXPR */
        CFG_ACT_SET_DST_PORT,   /* set-dst-port EXPR */
        CFG_ACT_USE_SERVICE,    /* use-service NAME: an answer the node makes (@service) */
        CFG_ACT_EXPECT_PROXY,   /* expect-proxy layer4: a PROXY header comes first */
        CFG_ACT_SWITCH_MODE,    /* tcp-request content switch-mode http [proto h1|h2] */
};

/* use-service's services */
enum cfg_service {
        CFG_SVC_PROMETHEUS = 0, /* prometheus-exporter */
};

/* http-request normalize-uri <normalizer> (HAProxy 2.6's, section 4.2) */
enum cfg_uri_norm {
        CFG_NORM_FRAGMENT_ENCODE = 0,
        CFG_NORM_FRAGMENT_STRIP,
        CFG_NORM_PATH_MERGE_SLASHES,
        CFG_NORM_PATH_STRIP_DOT,
        CFG_NORM_PATH_STRIP_DOTDOT,         /* @norm_opt: full */
        CFG_NORM_PERCENT_DECODE_UNRESERVED, /* @norm_opt: strict */
        CFG_NORM_PERCENT_TO_UPPERCASE,      /* @norm_opt: strict */
        CFG_NORM_QUERY_SORT_BY_NAME,
        CFG_NORM_COUNT,
};

/* The normalizer's name as written ("path-strip-dotdot"). */
const char *cfg_uri_norm_name(enum cfg_uri_norm n);

enum cfg_redirect_type {
        CFG_REDIR_LOCATION = 0,
        CFG_REDIR_PREFIX,
        CFG_REDIR_SCHEME,
};

enum {
        CFG_REDIR_F_DROP_QUERY = 1u << 0,
        CFG_REDIR_F_APPEND_SLASH = 1u << 1,
        CFG_REDIR_F_IGNORE_EMPTY = 1u << 2, /* an empty formatted location skips the rule */
        CFG_REDIR_F_CLEAR_COOKIE = 1u << 3, /* @redir_cookie is cleared (Max-Age=0) */
};

/* A header added to a response sluice generates (return, deny): "hdr NAME FMT". */
struct cfg_reply_hdr {
        const char *name; /* arena */
        struct cfg_fmt value;
};

/* A response sluice writes itself: deny, return (HAProxy's http-reply). */
struct cfg_reply {
        unsigned status;
        const char *content_type; /* arena or NULL */
        enum {
                CFG_REPLY_ERRORFILE = 0, /* the proxy's errorfile for @status, else built in */
                CFG_REPLY_STRING,        /* @body */
                CFG_REPLY_LF_STRING,     /* @body_fmt */
                CFG_REPLY_EMPTY,         /* no body */
        } kind;
        const char *body; /* arena: a string or a file's content */
        size_t body_len;
        struct cfg_fmt body_fmt;
        struct cfg_reply_hdr *hdrs; /* arena array */
        size_t n_hdrs, cap_hdrs;
};

struct cfg_http_rule {
        enum cfg_http_act act;
        const struct cfg_cond *cond; /* arena, or NULL: always */
        struct cfg_reply reply;      /* DENY, RETURN */
        const char *hdr_name;        /* arena: SET/ADD/DEL_HEADER */
        size_t hdr_name_len;
        struct cfg_fmt fmt;       /* SET/ADD_HEADER value, SET_PATH, REDIRECT target */
        enum cfg_match del_match; /* DEL_HEADER: str (default), beg, end, sub, reg */
        void *del_re;             /* DEL_HEADER -m reg: pcre2_code */
        void *re;                 /* REPLACE_*: pcre2_code */
        const char *re_src;       /* REPLACE_*: arena, as written */
        unsigned status;          /* SET_STATUS; CAPTURE: the slot among the frontend's
                                   * req_caps (res_caps for a response rule) */
        bool cap_rule;            /* CAPTURE: the "len" form, whose rule made the slot */
        const char *reason;       /* SET_STATUS: arena, or NULL for the code's own */
        enum cfg_redirect_type redir;
        unsigned redir_code;           /* 301, 302 (default), 303, 307, 308 */
        unsigned redir_flags;          /* CFG_REDIR_F_* */
        const char *redir_str;         /* arena: a proxy's "redirect" target, taken as written (no
                                        * format, as HAProxy); NULL for a rule's (@fmt) */
        const char *redir_cookie;      /* arena: set-cookie NAME[=value] / clear-cookie NAME[=] */
        const char *realm;             /* AUTH: arena, or NULL: the proxy's name */
        enum cfg_service service;      /* USE_SERVICE */
        uint32_t wait_ms;              /* WAIT_FOR_BODY: time */
        uint64_t wait_bytes;           /* WAIT_FOR_BODY: at-least, 0: none */
        enum cfg_uri_norm norm;        /* NORMALIZE_URI */
        bool norm_opt;                 /* NORMALIZE_URI: "full" or "strict" */
        unsigned sc;                   /* TRACK_SC, SC_*: the counter, 0 .. 2 */
        struct cfg_sample track_key;   /* TRACK_SC */
        const char *table_name;        /* TRACK_SC: arena, as written, or NULL */
        const struct cfg_proxy *table; /* TRACK_SC: resolved at the end of load */
        int64_t gpt0;                  /* SC_SET_GPT0 */
        struct cfg_var_ref var;        /* SET_VAR, SET_VAR_FMT (@fmt), UNSET_VAR */
        unsigned var_flags;            /* SET_VAR, SET_VAR_FMT: CFG_VAR_* conditions */
        struct cfg_sample expr;        /* SET_VAR, CAPTURE, SET_SRC/DST[_PORT] */
        int log_level;                 /* SET_LOG_LEVEL: LOG_EMERG .. LOG_DEBUG, -1: silent */
        unsigned http_major;           /* SWITCH_MODE: proto h1 (1) or h2 (2); 0: the bind's
                                        * and the TLS handshake's choice */
        struct cfg_where where;
};

/* Does rule @r evaluate its sample expression @expr? */
static inline bool cfg_rule_has_expr(const struct cfg_http_rule *r)
{
        return r->act == CFG_ACT_SET_VAR || r->act == CFG_ACT_CAPTURE ||
               r->act == CFG_ACT_SET_SRC || r->act == CFG_ACT_SET_DST ||
               r->act == CFG_ACT_SET_SRC_PORT || r->act == CFG_ACT_SET_DST_PORT;
}

/* stick on|match|store-request|store-response <key> [table <table>] [if|unless <cond>] */
enum cfg_stick_kind {
        CFG_STICK_ON = 0,    /* match, then store-request */
        CFG_STICK_MATCH,     /* a known key sends the request to its server */
        CFG_STICK_STORE_REQ, /* remember the key with the server that got the request */
        CFG_STICK_STORE_RES, /* remember a key of the response with the server that sent it */
};

struct cfg_stick_rule {
        enum cfg_stick_kind kind;
        struct cfg_sample key;
        const char *table_name;        /* arena, as written, or NULL: the backend's own */
        const struct cfg_proxy *table; /* resolved at the end of load */
        const struct cfg_cond *cond;   /* arena, or NULL */
        struct cfg_where where;
};

struct cfg_peers;

/* "stick-table": one per proxy, named after it; or "table <t>" in a peers section, held by a
 * proxy of capability CFG_CAP_TABLE named "<peers>/<t>". */
struct cfg_stick_table {
        enum stkt_key_type key_type;
        uint32_t key_len;   /* string, binary: the longest key; default 32 */
        uint32_t size;      /* entries */
        uint32_t expire_ms; /* 0: entries never expire (evicted only when full) */
        bool nopurge;
        uint32_t store;                    /* STKT_F(STKT_DT_*) */
        uint32_t period_ms[STKT_DT_COUNT]; /* stored rates */
        const char *peers_name;            /* arena: "peers <name>" as written, or NULL (and
                                            * NULL for a table of a peers section) */
        const struct cfg_peers *peers;     /* the section it is synced with (resolved at the
                                            * end of load; a disabled one too), or NULL */
        struct cfg_where where;
};

/* ignore-persist | force-persist if|unless COND (backends) */
struct cfg_persist_rule {
        const struct cfg_cond *cond; /* arena */
        bool force;                  /* force-persist: persistence may choose a server that is
                                      * down or in maintenance, and never redispatches */
};

/* use-server NAME|FORMAT if|unless COND (backends) */
struct cfg_use_server {
        const char *name;            /* arena, as written */
        int srv;                     /* resolved at the end of load; -1 when dynamic */
        bool dynamic;                /* a format: the name is known at run time */
        struct cfg_fmt fmt;          /* dynamic */
        const struct cfg_cond *cond; /* arena */
        struct cfg_where where;
};

/* capture request|response header <name> len <length>, or a slot that an http-request
 * capture rule fills */
struct cfg_capture {
        const char *name; /* arena; NULL for an http-request capture slot */
        unsigned len;
};

/* A network: option forwardfor|originalto except <network> (HAProxy's net_addr). */
struct cfg_net {
        int family;       /* AF_INET, AF_INET6; AF_UNSPEC (0): none */
        uint8_t addr[16]; /* host bits cleared */
        uint8_t mask[16];
        unsigned prefix; /* for dumps */
};

/* Does the address @ss (a sockaddr_storage) belong to @net? False for no network. */
bool cfg_net_contains(const struct cfg_net *net, const void *ss);

/* option forwardfor / option originalto: a request field that carries the client's address
 * (forwardfor) or the address it connected to (originalto) */
struct cfg_addr_hdr {
        const char *header;    /* arena: header NAME, or NULL: the option's own name */
        bool if_none;          /* forwardfor only: not when the request has the field */
        struct cfg_net except; /* no field for an address in this network */
};

/* use_backend NAME|FORMAT [if|unless COND] */
struct cfg_switch_rule {
        const char *backend_name;        /* arena, as written */
        const struct cfg_proxy *backend; /* resolved at the end of load; NULL when dynamic */
        bool dynamic;                    /* a format: the name is known at run time */
        struct cfg_fmt fmt;              /* dynamic: what makes the name */
        const struct cfg_cond *cond;     /* arena, or NULL */
        struct cfg_where where;
};

/* A proxy's stats page ("stats enable", "stats uri", ...: HAProxy's uri_auth), served by
 * the node for an HTTP request whose path starts with @uri. Shared with the defaults
 * section it came from until the proxy says a "stats" keyword of its own, which starts it
 * afresh (HAProxy detaches it the same way). */
#define CFG_STATS_URI_DEFAULT   "/haproxy?stats"
#define CFG_STATS_REALM_DEFAULT "sluice Statistics"
struct cfg_stats_page {
        const char *uri;     /* arena: the prefix, CFG_STATS_URI_DEFAULT by default */
        const char *realm;   /* arena or NULL: CFG_STATS_REALM_DEFAULT */
        uint32_t refresh_ms; /* 0: the page does not ask to be reloaded */
        bool hide_version;   /* no version on the page */
        bool show_legends;   /* addresses, cookies, algorithms on the page */
        bool show_node;      /* the node's name: @node, else the host's */
        const char *node;    /* arena or NULL */
        bool show_desc;      /* a description: @desc, else global "description" */
        const char *desc;    /* arena or NULL */
        const char **scopes; /* arena array: the proxies shown ("." this one); none: all */
        size_t n_scopes, cap_scopes;
        struct cfg_userlist *users; /* arena: "stats auth" accounts, or NULL */
        /* "stats http-request allow|deny|auth", in order (not with "stats auth"/"realm") */
        struct cfg_http_rule *rules;
        size_t n_rules, cap_rules;
        struct cfg_http_rule auth_rule; /* the 401 of a request without a valid account */
        const struct cfg_cond **admin;  /* arena array: "stats admin if|unless" */
        size_t n_admin, cap_admin;
        struct cfg_where where; /* its first keyword */
};

/* load-server-state-from-file */
enum cfg_state_load {
        CFG_STATE_LOAD_NONE = 0,
        CFG_STATE_LOAD_GLOBAL, /* server-state-file */
        CFG_STATE_LOAD_LOCAL,  /* server-state-base/server-state-file-name */
};

struct cfg_proxy {
        const char *name; /* arena */
        unsigned cap;     /* CFG_CAP_* */
        struct cfg_where where;
        const struct cfg_proxy *from; /* the defaults section this one inherited from, or NULL */

        enum cfg_mode mode;
        unsigned maxconn; /* frontend maxconn, 0: the global value */
        /* CFG_OPT_* value, and which were set or unset ("no option") here or in its defaults */
        uint32_t options, options_set;
        uint64_t timeout_ms[CFG_TO_COUNT];
        uint32_t timeouts_set; /* bit N: timeout N was given (0 ms is a valid value) */

        struct cfg_bind *binds; /* arena array */
        size_t n_binds, cap_binds;

        unsigned id; /* "id", else the first free one from its position on (HAProxy) */
        bool id_set; /* "id" was given */
        /* Its objects' indexes in a worker's statistics row (shm/stats.h), set at load:
         * frontend, backend (CFG_STATS_NONE without the capability), first server, first
         * listener (one per bind line); servers and listeners follow in order. */
        uint32_t st_fe, st_be, st_srv, st_lis;
        bool balance_set;  /* "balance" was given here or in its defaults */
        unsigned fullconn; /* 0: not set */
        uint32_t retry_on; /* CFG_RETRY_* */
        bool has_dispatch; /* "dispatch <address>" */
        struct cfg_addr dispatch;
        struct cfg_balance balance;
        struct cfg_hash_type hash_type;
        struct cfg_server_opts default_server;
        struct cfg_server *servers; /* arena array */
        size_t n_servers, cap_servers;
        unsigned retries; /* default 3 */
        /* tcp-request inspect-delay: how long tcp-request content rules may wait for the
         * client's bytes (0: they are evaluated at once) */
        uint32_t inspect_delay_ms;
        enum cfg_http_reuse http_reuse;

        struct cfg_addr_hdr forwardfor; /* option forwardfor [...] */
        struct cfg_addr_hdr originalto; /* option originalto [...] */

        const char *monitor_uri;              /* arena, or NULL */
        const struct cfg_cond **monitor_fail; /* arena array: monitor fail if|unless COND */
        size_t n_monitor_fail, cap_monitor_fail;
        struct cfg_capture *req_caps; /* arena array: capture request header, in order */
        size_t n_req_caps, cap_req_caps;
        struct cfg_capture *res_caps; /* capture response header */
        size_t n_res_caps, cap_res_caps;
        const struct cfg_fmt *unique_id_fmt; /* arena, or NULL */
        const char *unique_id_header;        /* arena, or NULL */
        /* "redirect" lines: REDIRECT rules, run after the http-request rules */
        struct cfg_http_rule *redirects;
        size_t n_redirects, cap_redirects;

        const char *default_backend_name;        /* arena, as written */
        const struct cfg_proxy *default_backend; /* resolved at the end of load */

        bool log_global;     /* "log global": use the global section's targets */
        const char *log_tag; /* arena or NULL: the syslog tag of its log lines, else global's */
        struct cfg_log_target *logs;
        size_t n_logs, cap_logs;
        const struct cfg_fmt *log_format; /* arena, or NULL for the option's format */

        struct cfg_acl **acls; /* arena array: named, predefined and anonymous ACLs */
        size_t n_acls, cap_acls;
        struct cfg_http_rule *http_req; /* arena array, in order */
        size_t n_http_req, cap_http_req;
        struct cfg_http_rule *http_res;
        size_t n_http_res, cap_http_res;
        /* http-after-response: on every response, the server's or sluice's own */
        struct cfg_http_rule *http_after;
        size_t n_http_after, cap_http_after;
        /* tcp-request connection and content rules: the same structure, with the actions
         * ALLOW (accept), REJECT, TRACK_SC and SC_* */
        struct cfg_http_rule *tcp_conn;
        size_t n_tcp_conn, cap_tcp_conn;
        struct cfg_http_rule *tcp_content;
        size_t n_tcp_content, cap_tcp_content;
        struct cfg_http_rule *tcp_sess; /* tcp-request session: once per connection, after
                                         * the connection rules */
        size_t n_tcp_sess, cap_tcp_sess;
        struct cfg_stick_table *table;      /* arena, or NULL */
        struct cfg_cookie *cookie;          /* arena, or NULL: no cookie persistence */
        struct cfg_stick_rule *stick_rules; /* arena array, in order */
        size_t n_stick_rules, cap_stick_rules;
        struct cfg_use_server *use_servers; /* arena array, in order */
        size_t n_use_servers, cap_use_servers;
        /* ignore-persist conditions: a request matching one is balanced, whatever its
         * cookie or stick entry says */
        const char *persist_rdp; /* persist rdp-cookie: the RDP cookie naming a server ("msts"
                                  * by default; arena), or NULL */
        /* ignore-persist and force-persist, in order: the first whose condition holds */
        struct cfg_persist_rule *persist_rules; /* arena array */
        size_t n_persist_rules, cap_persist_rules;
        struct cfg_switch_rule *use_backend;
        size_t n_use_backend, cap_use_backend;

        struct cfg_errorfile *errorfiles;
        size_t n_errorfiles, cap_errorfiles;

        struct cfg_stats_page *stats;   /* arena or NULL: no stats page (may be its defaults') */
        struct cfg_checks checks;       /* health checks of its servers (may be its defaults') */
        enum cfg_state_load state_load; /* load-server-state-from-file */
        const char *state_file_name;    /* arena: server-state-file-name <file>; NULL: the
                                         * backend's name */
};

/* set-var <proc.name> <expr> | set-var-fmt <proc.name> <fmt> in the global section: set
 * when each worker starts, from fetches of internal data only (CFG_FETCH_AT_INIT). */
struct cfg_global_var {
        struct cfg_var_ref var;
        bool is_fmt;
        struct cfg_sample expr; /* !is_fmt */
        struct cfg_fmt fmt;     /* is_fmt */
        struct cfg_where where;
};

struct cfg_global {
        bool daemon;
        unsigned nbthread;           /* worker processes; 0: one per CPU */
        const char *user;            /* arena or NULL: drop to this user in workers */
        const char *group;           /* arena or NULL */
        const char *chroot;          /* arena or NULL */
        const char *pidfile;         /* arena or NULL */
        unsigned maxconn;            /* 0: derived from the open-files limit */
        unsigned maxconnrate;        /* connections accepted per second, node-wide; 0: none */
        uint64_t hard_stop_after_ms; /* 0: never */
        size_t tune_bufsize;         /* default 16384 */
        /* HTTP/2 to clients (HAProxy's tune.h2.*; the fe. forms win over the plain ones) */
        unsigned tune_h2_max_concurrent_streams; /* per connection, default 100 */
        unsigned tune_h2_fe_max_total_streams;   /* then a graceful GOAWAY; 0: no limit */
        unsigned tune_h2_header_table_size;      /* HPACK table we decode with, 4096 */
        unsigned tune_h2_initial_window_size;    /* each stream's receive window, 65535 */
        unsigned tune_h2_max_frame_size;         /* largest frame we take, 16384 */
        unsigned tune_h2_fe_glitches_threshold;  /* glitches that close a connection, 1000
                                                  * (HAProxy's 0); 0: no limit */
        /* HTTP/2 to servers (tune.h2.be.*; they win over the plain forms, which set both
         * sides) */
        unsigned tune_h2_be_max_concurrent_streams; /* streams sluice opens on one server
                                                     * connection, default 100; the
                                                     * server's own SETTINGS can lower it */
        unsigned tune_h2_be_initial_window_size;    /* each stream's receive window, 65535 */
        unsigned tune_h2_be_glitches_threshold;     /* glitches that close a server connection;
                                                     * 0 (default): no limit */
        /* the parser's: the plain forms' values, and whether the fe. and be. forms were
         * given */
        unsigned h2_streams, h2_window;
        bool h2_fe_streams_set, h2_fe_window_set;
        bool h2_be_streams_set, h2_be_window_set;
        /* tune.vars.{global,proc,sess,txn,reqres}-max-size: bytes variables may take; 0:
         * no limit (HAProxy's default) */
        size_t tune_vars_global_max, tune_vars_proc_max, tune_vars_sess_max;
        size_t tune_vars_txn_max, tune_vars_reqres_max;
        size_t tune_maxrewrite;   /* reserve for rewrites; see cfg_maxrewrite() */
        bool maxrewrite_set;      /* tune.maxrewrite was given */
        bool expose_experimental; /* expose-experimental-directives */
        struct cfg_log_target *logs;
        size_t n_logs, cap_logs;
        struct cfg_stats_socket *stats_sockets;
        size_t n_stats_sockets, cap_stats_sockets;
        /* histogram bounds of the statistics, ms, increasing (0 of them: the defaults) */
        uint32_t stats_bounds_ms[15];
        bool io_uring;            /* "tune.sluice.io-uring on": workers poll with io_uring */
        bool busy_polling;        /* "busy-polling": the workers' waits never sleep */
        bool accept_hash;         /* "tune.sluice.accept-balance hash": the kernel's hash alone
                                   * spreads new connections over the workers (default:
                                   * leastconn, master/reuseport.h) */
        bool metrics_haproxy;     /* "metrics-names haproxy": the exporter's haproxy_ names */
        bool metrics_server_hist; /* "metrics-server-histograms": per-server histograms too */
        unsigned spread_checks;   /* "spread-checks": +/- this percent of each interval */
        const char *state_base;   /* arena: "server-state-base", or NULL */
        const char *state_file;   /* arena: "server-state-file", or NULL */
        unsigned n_stats_bounds;
        uint64_t stats_timeout_ms;       /* "stats timeout": the stats sockets' idle timeout;
                                          * 0: the default, 10 s */
        const char *log_send_hostname;   /* arena or NULL: the HOSTNAME of syslog headers */
        const char *log_tag;             /* arena or NULL: the syslog tag, else "sluice" */
        bool master_worker;              /* "master-worker": as -W on the command line */
        bool no_exit_on_failure;         /* "master-worker no-exit-on-failure" */
        struct cfg_cpu_map *cpu_map;     /* arena or NULL: "cpu-map" lines, resolved */
        struct cfg_global_var *set_vars; /* arena array: "set-var" and "set-var-fmt", in order */
        size_t n_set_vars, cap_set_vars;
        struct cfg_tls_global tls; /* crt-base, ca-base, ssl-default-*, tune.ssl.* */
        /* this node's name among its peers: -L, else "localpeer" (unless after a peers
         * section, where HAProxy ignores it), else the host name; arena */
        const char *localpeer;
        bool localpeer_set;              /* "localpeer" was given (and not ignored) */
        bool localpeer_cmdline;          /* -L was given: "localpeer" lines are ignored */
        unsigned tune_peers_max_updates; /* tune.peers.max-updates-at-once, 200 */
        /* tune.pool-high-fd-ratio and tune.pool-low-fd-ratio, percent of the open-files
         * limit, and whether each was given (cfg_pool_fd_ratio()) */
        unsigned pool_fd_ratio[2];
        bool pool_fd_ratio_set[2];
        struct cfg_where where;
};

enum {
        CFG_POOL_FD_HIGH = 0,
        CFG_POOL_FD_LOW = 1
};

/* tune.pool-high-fd-ratio (@which CFG_POOL_FD_HIGH: past it, no server connection is kept
 * idle; default 25) or tune.pool-low-fd-ratio (CFG_POOL_FD_LOW: past it, at most one per
 * server; default 20), in percent of the open-files limit. */
static inline unsigned cfg_pool_fd_ratio(const struct cfg_global *g, int which)
{
        return g->pool_fd_ratio_set[which] ? g->pool_fd_ratio[which]
                                           : (which == CFG_POOL_FD_HIGH ? 25u : 20u);
}

/* The stats sockets' idle timeout of @g in ms (HAProxy's default: 10 s). */
#define CFG_STATS_TIMEOUT_DEFAULT_MS 10000u
static inline uint64_t cfg_stats_timeout_ms(const struct cfg_global *g)
{
        return g->stats_timeout_ms ? g->stats_timeout_ms : CFG_STATS_TIMEOUT_DEFAULT_MS;
}
/* userlist <name>: users and groups for HTTP authentication (manual section 3.4) */
struct cfg_ul_group {
        const char *name; /* arena */
        struct cfg_where where;
};

struct cfg_ul_user {
        const char *name;       /* arena */
        const char *password;   /* arena: a crypt(3) hash, or the password itself */
        bool insecure;          /* insecure-password: @password is the password */
        const char *groups_arg; /* arena: "groups a,b" as written, or NULL */
        size_t *groups;         /* arena array: indexes in the userlist's @groups, resolved at
                                 * the end of the section from both "group ... users" and
                                 * "user ... groups" */
        size_t n_groups, cap_groups;
        struct cfg_where where;
};

struct cfg_userlist {
        const char *name; /* arena */
        struct cfg_ul_group *groups;
        size_t n_groups, cap_groups;
        const char **group_users; /* arena array, parallel to @groups: "users a,b" or NULL */
        size_t n_group_users, cap_group_users;
        struct cfg_ul_user *users;
        size_t n_users, cap_users;
        struct cfg_where where;
};

/* peers <name> (manual section 3.5): the nodes a set of stick tables is synced with, over
 * HAProxy's peers protocol (2.1). Each node's configuration lists every peer, itself
 * included; the entry named as the local peer (-L, else global "localpeer", else the host
 * name) is this node: where it listens. The others are where it connects. */
struct cfg_peer {
        /* its name (the peer's identity in the protocol), its address (ip:port, a host name
         * resolved at load; none for the local peer given as "server <name>"), its options:
         * the section's default-server line, then its own (TLS only), and its line */
        struct cfg_server srv;
        bool local;    /* this node's entry */
        bool has_addr; /* false: a local "server <name>" line, its address on "bind" */
};

/* A stick table synced with a peers section: a proxy's "stick-table ... peers <name>", or a
 * "table <t>" line of the section. */
struct cfg_peers_table {
        const struct cfg_proxy *px; /* holds the table (px->table); for a "table" line, a
                                     * proxy of capability CFG_CAP_TABLE named "<peers>/<t>" */
        const char *wire_name;      /* arena: the table's name in the protocol: the proxy's
                                     * name, or "/<t>" for a "table" line (HAProxy's) */
        struct cfg_where where;     /* the stick-table or table line */
};

struct cfg_peers {
        const char *name; /* arena */
        bool disabled;    /* "disabled" (and no later "enabled"): no listener, no sync; the
                           * tables exist and work locally */
        /* the peers in their order of declaration, the local one among them */
        struct cfg_peer *peers; /* arena array */
        size_t n_peers, cap_peers;
        int local; /* index of the local peer in @peers; -1: none (only while loading) */
        /* where the local peer listens: the address of its "peer" line, or the addresses of
         * the "bind" line, each with the options of "default-bind" and that line (TLS, v4v6,
         * v6only) */
        struct cfg_bind *binds; /* arena array */
        size_t n_binds, cap_binds;
        /* the options of "default-bind" and "bind" lines, in line order (HAProxy's single
         * bind_conf per section); each of @binds has them (addr unused here) */
        struct cfg_bind bind_opts;
        struct cfg_server_opts default_server; /* "default-server" options */
        /* the tables synced, set at the end of load, in the order of the proxies that hold
         * them (a "table" line makes its own where it is) */
        struct cfg_peers_table *tables; /* arena array */
        size_t n_tables, cap_tables;
        struct cfg_where where;
};

/* resolvers <name> (manual section 5.3.2): the name servers that resolve servers' names at
 * run time, and how often and how long an answer holds. */
enum cfg_hold {
        CFG_HOLD_NX = 0,   /* the last answer said the name does not exist */
        CFG_HOLD_OTHER,    /* another error */
        CFG_HOLD_REFUSED,  /* the name servers refused */
        CFG_HOLD_TIMEOUT,  /* no name server answered */
        CFG_HOLD_VALID,    /* a valid answer */
        CFG_HOLD_OBSOLETE, /* a record missing from the answers since */
        CFG_HOLD_COUNT,
};

struct cfg_nameserver {
        const char *name;             /* arena */
        struct sockaddr_storage addr; /* IPv4 or IPv6, with its port */
        bool tcp;                     /* "tcp@": queries over TCP, else UDP */
        struct cfg_where where;       /* its line (/etc/resolv.conf's for parse-resolv-conf) */
};

struct cfg_resolvers {
        const char *name;          /* arena */
        struct cfg_nameserver *ns; /* arena array, in the order given */
        size_t n_ns, cap_ns;
        unsigned payload_size;            /* accepted_payload_size, 512 */
        unsigned retries;                 /* resolve_retries, 3 */
        uint32_t resolve_ms;              /* timeout resolve: between resolutions, 1 s */
        uint32_t retry_ms;                /* timeout retry: a query's wait, 1 s */
        uint32_t hold_ms[CFG_HOLD_COUNT]; /* hold <status> */
        bool implicit;                    /* HAProxy's "default" section, made because a
                                           * server names it: /etc/resolv.conf's servers */
        struct cfg_where where;
};

/* HAProxy's defaults of a resolvers section */
#define CFG_RESOLVERS_PAYLOAD 512u
#define CFG_RESOLVERS_RETRIES 3u
#define CFG_RESOLVERS_TIMEOUT 1000u
#define CFG_RESOLVERS_HOLD    30000u /* nx, other, refused, timeout; valid 10 s, obsolete 0 */

/* "nx", "other", "refused", "timeout", "valid", "obsolete" */
const char *cfg_hold_name(enum cfg_hold h);

/* HAProxy's default of tune.peers.max-updates-at-once */
#define CFG_PEERS_MAX_UPDATES_DEFAULT 200u

struct cfg_gen {
        unsigned refs;          /* cfg_gen_ref()/cfg_gen_unref(); one process only */
        struct cfg_arena arena; /* owns everything below */
        struct cfg_global global;
        struct cfg_proxy **proxies; /* arena array: frontends, backends and listens, in order */
        size_t n_proxies, cap_proxies;
        const struct cfg_proxy **backends; /* arena: those with CFG_CAP_BE, sorted by name */
        size_t n_backends;
        struct cfg_proxy **defaults; /* arena array: every defaults section, in order */
        size_t n_defaults, cap_defaults;
        struct cfg_map *maps; /* arena list: each file, match method and output loaded once */
        struct cfg_userlist **userlists; /* arena array, in order */
        size_t n_userlists, cap_userlists;
        struct cfg_peers **peers; /* arena array: the peers sections, in order */
        size_t n_peers, cap_peers;
        struct cfg_resolvers **resolvers; /* arena array: the resolvers sections, in order */
        size_t n_resolvers, cap_resolvers;
        void **regexes; /* arena array of pcre2_code, freed with the generation */
        size_t n_regexes, cap_regexes;
        /* the names of the variables of each store (enum cfg_var_store), in slot order */
        struct cfg_var_names {
                const char **v; /* arena array of arena strings */
                size_t n, cap;
        } vars[CFG_VSTORE_COUNT];
        uint32_t n_stats_objs;              /* cfg_gen_stats_layout() */
        struct cfg_state_file *state_files; /* arena list: each server-state file read once */
};

/* The objects of a statistics row: the process (index 0) and every proxy's (st_* fields). */
#define CFG_STATS_NONE UINT32_MAX
#define CFG_STATS_PROC 0u

/* Give every proxy its statistics indexes and return how many objects a row holds. */
uint32_t cfg_gen_stats_layout(struct cfg_gen *g);

struct cfg_gen *cfg_gen_ref(struct cfg_gen *g);

/* Drops a reference; frees the generation with the last one. Accepts NULL; returns NULL. */
struct cfg_gen *cfg_gen_unref(struct cfg_gen *g);

/* The proxy named @name with any of the capabilities @cap, or NULL. */
const struct cfg_proxy *cfg_gen_find_proxy(const struct cfg_gen *g, const char *name, unsigned cap);

/* The server-state file backend @px loads (load-server-state-from-file) into @buf, or NULL
 * when it loads none or the file is not named (global without server-state-file) or its
 * path does not fit. A relative name is under server-state-base, if set. */
const char *cfg_proxy_state_path(const struct cfg_gen *g, const struct cfg_proxy *px, char *buf,
                                 size_t size);

/* A hash of what server @s is configured as, but its name and address: its options (weight,
 * maxconn, flags, TLS, checks ...), as sluice's server-state file records them. */
uint64_t cfg_server_fingerprint(const struct cfg_server *s);

/* Build g->backends (at the end of load); false when out of memory. */
bool cfg_gen_index_backends(struct cfg_gen *g);

/* The backend (or listen section) named @name, looked up in the generation's sorted index
 * (built at the end of load: dynamic use_backend rules ask at every request); NULL when none. */
const struct cfg_proxy *cfg_gen_find_backend(const struct cfg_gen *g, struct sl_str name);
/* The userlist named @name, or NULL. */
const struct cfg_userlist *cfg_gen_find_userlist(const struct cfg_gen *g, const char *name);
/* The peers section named @name, or NULL. */
const struct cfg_peers *cfg_gen_find_peers(const struct cfg_gen *g, const char *name);
/* The resolvers section named @name, or NULL. */
const struct cfg_resolvers *cfg_gen_find_resolvers(const struct cfg_gen *g, const char *name);
/* The local peer of @ps (its entry named as this node), or NULL when there is none (only
 * while loading: a loaded generation's sections all have one). */
const struct cfg_peer *cfg_peers_local(const struct cfg_peers *ps);

/* HAProxy's tune.maxrewrite: the part of a buffer a head may not fill, kept for what rules
 * add; 1024 by default, and at most half the buffer (HAProxy lowers a larger value). */
size_t cfg_maxrewrite(const struct cfg_global *g);

const char *cfg_timeout_name(enum cfg_timeout t);
const char *cfg_mode_name(enum cfg_mode m);

/* Timeout @t of proxy @px in ms; 0 when it is not set (or @px is NULL). */
static inline uint64_t cfg_proxy_timeout(const struct cfg_proxy *px, enum cfg_timeout t)
{
        return px && (px->timeouts_set & (1u << t)) ? px->timeout_ms[t] : 0;
}

/* HAProxy's option tcp-smart-accept: set, or not unset in a proxy in mode http */
static inline bool cfg_proxy_smart_accept(const struct cfg_proxy *px)
{
        return (px->options & CFG_OPT_TCP_SMART_ACCEPT) ||
               (px->mode == CFG_MODE_HTTP && !(px->options_set & CFG_OPT_TCP_SMART_ACCEPT));
}

/* How long an http-request tarpit rule of @px holds the request: its timeout tarpit, else
 * (HAProxy) its timeout connect, which only a proxy with servers has; 0: no wait. */
static inline uint64_t cfg_proxy_tarpit_ms(const struct cfg_proxy *px)
{
        if (px->timeouts_set & (1u << CFG_TO_TARPIT))
                return px->timeout_ms[CFG_TO_TARPIT];
        return (px->cap & CFG_CAP_BE) ? cfg_proxy_timeout(px, CFG_TO_CONNECT) : 0;
}
const char *cfg_balance_name(enum cfg_balance_algo a);

/* Does backend @be send its traffic to its "dispatch" address? HAProxy does when no
 * "balance" was set (in it or its defaults), its servers aside. */
static inline bool cfg_proxy_uses_dispatch(const struct cfg_proxy *be)
{
        return be->has_dispatch && !be->balance_set;
}
