#pragma once
/* The TLS part of the configuration model (model.h includes it): what "bind ... ssl",
 * crt-list files, "server ... ssl" and the ssl-* globals mean, typed, with every path already
 * joined to crt-base / ca-base and every default (ssl-default-bind-*, ssl-default-server-*)
 * already applied, so that whatever builds TLS contexts reads one settled struct per bind
 * line, certificate and server. Nothing here touches OpenSSL: the files named are read (and
 * their errors reported with the line that names them) by the code that builds contexts. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl.h"

/* Protocol versions as ssl-min-ver / ssl-max-ver and no-tlsv1x / force-tlsv1x name them. */
enum cfg_tls_ver {
        CFG_TLS_VER_UNSET = 0,
        CFG_TLS_VER_SSL3,  /* "SSLv3" */
        CFG_TLS_VER_TLS10, /* "TLSv1.0" */
        CFG_TLS_VER_TLS11, /* "TLSv1.1" */
        CFG_TLS_VER_TLS12, /* "TLSv1.2" */
        CFG_TLS_VER_TLS13, /* "TLSv1.3" */
};

/* verify none|optional|required */
enum cfg_tls_verify {
        CFG_TLS_VERIFY_UNSET = 0,
        CFG_TLS_VERIFY_NONE,
        CFG_TLS_VERIFY_OPTIONAL, /* binds only */
        CFG_TLS_VERIFY_REQUIRED,
};

/* Settings a bind line, a crt-list line and a server share (each NULL / UNSET / false when
 * not given: the context builder then uses OpenSSL's or sluice's default). */
struct cfg_tls_opts {
        const char *ciphers;      /* arena: TLS 1.2 and below, OpenSSL's cipher list syntax */
        const char *ciphersuites; /* arena: TLS 1.3 suites */
        const char *curves;       /* arena: "X25519:P-256" ... (binds: ecdhe is one curve) */
        const char *sigalgs;      /* arena: signature algorithms offered/accepted */
        const char *alpn;         /* arena: the list as written, "h2,http/1.1" */
        uint8_t min_ver, max_ver; /* enum cfg_tls_ver; no-tlsv1x and force-tlsv1x are folded
                                   * into these, as HAProxy does; a bind's min_ver is
                                   * TLSv1.2 when nothing sets one (HAProxy 2.6's default) */
        uint8_t verify;           /* enum cfg_tls_verify */
        uint8_t no_vers;          /* no-sslv3 / no-tlsv1x as written, bit (1 << enum
                                   * cfg_tls_ver) each: the end of the load folds them into
                                   * min_ver/max_ver (as HAProxy does) and clears them */
        const char *ecdhe;        /* arena: "ecdhe <curve>" as written: the end of the load
                                   * makes it the curves when neither "curves" nor
                                   * ssl-default-bind-curves gives a list, and clears it */
        const char *ca_file;      /* arena: the path joined to ca-base */
        const char *crl_file;     /* arena: the path joined to ca-base */
        bool no_tls_tickets;      /* no-tls-tickets */
        bool prefer_client_ciphers;
};

/* One certificate of a bind: from "crt <file>" (a directory gives one per file, in name
 * order), or one line of a crt-list file. */
struct cfg_tls_cert {
        const char *path;                /* arena: the PEM file, joined to crt-base */
        const struct cfg_tls_opts *opts; /* arena: a crt-list line's own options, merged over
                                          * the bind's; NULL: the bind's */
        const char **sni;                /* arena array: a crt-list line's SNI filters as written
                                          * ("*.example.org", "!bad.example.org"); none: the
                                          * names of the certificate (CN and SAN) */
        size_t n_sni, cap_sni;
        const char *list;       /* arena: the crt-list file (as written on the bind
                                 * line) the line comes from, or NULL for "crt" */
        struct cfg_where where; /* the bind line, or the crt-list file and line */
};

struct cfg_bind_tls {
        bool ssl;                   /* "ssl": this bind terminates TLS */
        struct cfg_tls_opts opts;   /* with ssl-default-bind-* applied where not given */
        struct cfg_tls_cert *certs; /* arena array: in order; the first is the default */
        size_t n_certs, cap_certs;
        bool strict_sni;         /* no certificate matches the SNI (or none sent): refuse */
        const char *ticket_keys; /* arena: tls-ticket-keys <file>, or NULL (the master's) */
};

/* TLS to a server ("server ... ssl"), inherited from default-server. */
struct cfg_server_tls {
        bool ssl;
        struct cfg_tls_opts opts; /* verify defaults to required (ssl-server-verify) */
        struct cfg_sample sni;    /* "sni <expr>": src NULL when not given */
        const char *verifyhost;   /* arena: the name to check the certificate against */
        bool no_verifyhost;       /* "no-verifyhost" */
        const char *crt;          /* arena: a client certificate (PEM), joined to crt-base */
        bool no_ssl_reuse;        /* "no-ssl-reuse": no session resumption */
};

/* The ssl-* and tune.ssl.* globals. */
struct cfg_tls_global {
        const char *crt_base;            /* arena or NULL */
        const char *ca_base;             /* arena or NULL */
        struct cfg_tls_opts bind_dflt;   /* ssl-default-bind-ciphers|-ciphersuites|-curves|
                                          * -sigalgs|-options */
        struct cfg_tls_opts server_dflt; /* ssl-default-server-ciphers|-ciphersuites|-options
                                          * (HAProxy 2.6 has no -curves or -sigalgs here) */
        const char *dh_param_file;       /* arena or NULL: ssl-dh-param-file */
        unsigned default_dh_param;       /* tune.ssl.default-dh-param; 0: not set (2048) */
        unsigned cachesize;              /* tune.ssl.cachesize; entries, HAProxy's 20000 */
        bool cachesize_set;
        unsigned lifetime_s;     /* tune.ssl.lifetime; 300 when not set */
        unsigned maxsslconn;     /* 0: no limit */
        unsigned maxsslrate;     /* new TLS sessions per second; 0: no limit */
        bool server_verify_none; /* ssl-server-verify none */
};

#define CFG_TLS_CACHESIZE_DEFAULT  20000u
#define CFG_TLS_LIFETIME_DEFAULT_S 300u
