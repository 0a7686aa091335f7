#pragma once
/* The insides of a generation's TLS contexts, shared by tls_ctx.c (binds) and tls_srv.c
 * (servers) only. */

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "diag.h"
#include "model.h"

struct tls_keys;
struct tls_shared;

/* One certificate of a bind, with the context that serves it. */
struct tls_cert {
        SSL_CTX *ctx;                    /* owned */
        const struct cfg_tls_opts *opts; /* borrowed from the generation */
        bool own_opts;                   /* a crt-list line's options, unlike the bind's */
        bool ecdsa;                      /* its key is ECDSA (else RSA or another) */
        unsigned char alpn[256];         /* protocols offered, wire form */
        unsigned alpn_len;
};

/* A name of the SNI index: exact ("a.example.org") or wildcard ("*.example.org"). */
struct tls_sni {
        char *name;    /* owned, lowercase */
        unsigned cert; /* index in tls_bind.certs */
        bool neg;      /* a crt-list "!name": this certificate is not used for it */
};

struct tls_bind {
        const struct cfg_bind *cfg; /* borrowed from the generation */
        struct tls_cert *certs;     /* owned array; [0] is the default */
        size_t n_certs;
        struct tls_sni *sni; /* owned array, sorted by name then certificate */
        size_t n_sni, cap_sni;
        int dflt_rsa, dflt_ecdsa; /* the default for each key type; -1: none */
        bool strict_sni;
        unsigned lifetime_s;       /* sessions and tickets */
        unsigned cachesize;        /* entries of the session cache */
        struct tls_keys *ring;     /* borrowed (shared or private) or @own_ring */
        struct tls_keys *own_ring; /* owned: the keys of a tls-ticket-keys file */
        EVP_PKEY *dh;              /* borrowed from the set, or NULL */
};

struct tls_srv {
        const struct cfg_server *cfg; /* borrowed from the generation */
        SSL_CTX *ctx;                 /* owned */
        SSL_SESSION *last;            /* owned: the session to resume, per worker; or NULL */
        const char *verifyhost;       /* borrowed */
        bool verify;                  /* the certificate is verified */
        bool reuse;                   /* sessions are resumed */
        bool check_only;              /* made for "check-ssl": not for the traffic */
};

struct tls_set {
        EVP_PKEY *dh;           /* owned: ssl-dh-param-file's or tune.ssl.default-dh-param's group;
                                 * NULL: OpenSSL's choice by the key's size */
        struct tls_bind *binds; /* owned array */
        size_t n_binds;
        struct tls_srv *srvs; /* owned array */
        size_t n_srvs;
};

/* tls_srv.c */
bool tls_srv_build(struct tls_srv *ts, const struct cfg_gen *g, const struct cfg_proxy *be,
                   const struct cfg_server *srv, struct cfg_diags *d);
void tls_srv_free(struct tls_srv *ts);

/* Sessions by ID for @ctx (a bind's): in the shared cache when there is one, else in
 * OpenSSL's cache of the process, holding @entries. */
void tls_sess_cache_setup(SSL_CTX *ctx, const struct tls_shared *sh, unsigned entries);
