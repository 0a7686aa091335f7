#pragma once
/* Reading what TLS contexts are made of (tls_ctx.c): PEM certificates with their chain and
 * key, CA and CRL files, tls-ticket-keys files, and the settings every context shares. Each
 * function reports its problem into a cfg_diags at the file and line given. */

#include <stdbool.h>

#include <openssl/ssl.h>

#include "diag.h"
#include "model.h"
#include "tls_keys.h"

/* A certificate as a "crt" file gives it. */
struct tls_pem {
        X509 *cert;             /* owned */
        STACK_OF(X509) * chain; /* owned; may be empty */
        EVP_PKEY *key;          /* owned */
};

/* Load @path: certificates (the first is the leaf, the others its chain) and a private key,
 * from the file or, when it has none, from "<path>.key" beside it. Checks that the key
 * matches; an expired certificate is a warning. Errors at @where. */
bool tls_pem_load(const char *path, const struct cfg_where *where, struct cfg_diags *d,
                  struct tls_pem *ret);
void tls_pem_free(struct tls_pem *p);

/* The DNS names of @x (subjectAltName DNS entries, then the CN), lowercased, into @names
 * (an array of @max strings the caller frees with free()); returns how many. */
size_t tls_cert_names(X509 *x, char **names, size_t max);

/* Apply the settings of @o every context of its side takes (versions, ciphers, suites,
 * curves, sigalgs, tickets, renegotiation refused, buffers released when idle), and CA and
 * CRL files for verification (@server: the peer is a server). Errors at @where. */
bool tls_ctx_apply(SSL_CTX *ctx, const struct cfg_tls_opts *o, bool server,
                   const struct cfg_where *where, struct cfg_diags *d);

/* ALPN protocols as written ("h2,http/1.1") into wire form (length-prefixed); returns its
 * length, 0 for an empty list, -1 when a name is empty or longer than 255 bytes. */
int tls_alpn_wire(const char *list, unsigned char *out, size_t cap);

/* Read a tls-ticket-keys file (HAProxy's format: one base64 key of 48 or 80 bytes a line)
 * into @ring, keys in file order. At least TLS_KEYS_LIVE keys are needed. */
bool tls_keyfile_load(const char *path, const struct cfg_where *where, struct cfg_diags *d,
                      struct tls_keys *ring);

/* "TLSv1.2" ... as OpenSSL's version constants; 0 for UNSET. */
int tls_ver_openssl(unsigned v);
