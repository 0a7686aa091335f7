/* Reading certificates, keys, CA and CRL files and ticket keys (see tls_load.h). */
#include "tls_load.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "macros.h"

/* The TLS 1.2 ciphers of a bind that names none: forward secrecy and AEAD only (Mozilla's
 * "intermediate" list), so that a default bind has no CBC cipher (LUCKY13) and no static
 * RSA key exchange. */
#define TLS_DEFAULT_BIND_CIPHERS                                     \
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
        "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
        "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
        "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
/* Its TLS 1.3 suites: OpenSSL's three in Mozilla's order, AES-128 first. Under the server's
 * preference this saves, against OpenSSL's order (AES-256 first), a tenth of a handshake's
 * instructions outside the RSA signature (HKDF over SHA-256 instead of SHA-384) and a part of
 * every record's, with no loss of security that matters. */
#define TLS_DEFAULT_BIND_CIPHERSUITES                    \
        "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:" \
        "TLS_CHACHA20_POLY1305_SHA256"

#define ERR(d, w, ...) cfg_diag_add((d), CFG_SEV_ERROR, (w)->file, (w)->line, 0, __VA_ARGS__)

/* OpenSSL's reason for the last error, or the C library's; clears OpenSSL's queue. */
static const char *last_error(char *buf, size_t size)
{
        unsigned long e = ERR_peek_last_error();

        if (e)
                ERR_error_string_n(e, buf, size);
        else
                snprintf(buf, size, "%s", strerror(errno));
        ERR_clear_error();
        return buf;
}

void tls_pem_free(struct tls_pem *p)
{
        X509_free(p->cert);
        sk_X509_pop_free(p->chain, X509_free);
        EVP_PKEY_free(p->key);
        *p = (struct tls_pem){0};
}

static EVP_PKEY *key_load(const char *path)
{
        BIO *b = BIO_new_file(path, "r");
        EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;

        BIO_free(b);
        return k;
}

bool tls_pem_load(const char *path, const struct cfg_where *where, struct cfg_diags *d,
                  struct tls_pem *ret)
{
        STACK_OF(X509_INFO) *infos = NULL;
        char why[256];
        BIO *b;

        *ret = (struct tls_pem){0};
        ERR_clear_error();
        b = BIO_new_file(path, "r");
        if (!b) {
                ERR(d, where, "cannot read certificate file '%s': %s", path,
                    last_error(why, sizeof(why)));
                return false;
        }
        infos = PEM_X509_INFO_read_bio(b, NULL, NULL, NULL);
        BIO_free(b);
        ret->chain = sk_X509_new_null();
        if (!infos || !ret->chain) {
                ERR(d, where, "cannot read certificate file '%s': %s", path,
                    last_error(why, sizeof(why)));
                goto fail;
        }
        for (int i = 0; i < sk_X509_INFO_num(infos); i++) {
                X509_INFO *xi = sk_X509_INFO_value(infos, i);

                if (xi->x509) {
                        if (!ret->cert)
                                ret->cert = xi->x509;
                        else if (!sk_X509_push(ret->chain, xi->x509))
                                goto oom;
                        xi->x509 = NULL;
                }
                if (xi->x_pkey && xi->x_pkey->dec_pkey && !ret->key) {
                        ret->key = xi->x_pkey->dec_pkey;
                        xi->x_pkey->dec_pkey = NULL;
                }
        }
        if (!ret->cert) {
                ERR(d, where, "no certificate in '%s'", path);
                goto fail;
        }
        if (!ret->key) {
                char kpath[4096];

                /* HAProxy's ssl-load-extra-files default: the key in "<crt>.key" */
                snprintf(kpath, sizeof(kpath), "%s.key", path);
                ret->key = key_load(kpath);
                if (!ret->key) {
                        ERR(d, where, "no private key in '%s' nor in '%s'", path, kpath);
                        goto fail;
                }
        }
        if (X509_check_private_key(ret->cert, ret->key) != 1) {
                ERR(d, where, "the private key of '%s' does not match its certificate", path);
                goto fail;
        }
        if (X509_cmp_current_time(X509_get0_notAfter(ret->cert)) < 0)
                cfg_diag_add(d, CFG_SEV_WARNING, where->file, where->line, 0,
                             "certificate '%s' has expired", path);
        sk_X509_INFO_pop_free(infos, X509_INFO_free);
        ERR_clear_error();
        return true;
oom:
        ERR(d, where, "out of memory reading '%s'", path);
fail:
        sk_X509_INFO_pop_free(infos, X509_INFO_free);
        tls_pem_free(ret);
        ERR_clear_error();
        return false;
}

static char *lower_dup(const char *p, size_t len)
{
        char *s = malloc(len + 1);

        if (!s)
                return NULL;
        for (size_t i = 0; i < len; i++)
                s[i] = (char)tolower((unsigned char)p[i]);
        s[len] = '\0';
        return s;
}

size_t tls_cert_names(X509 *x, char **names, size_t max)
{
        GENERAL_NAMES *san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
        X509_NAME *subj = X509_get_subject_name(x);
        size_t n = 0;
        int i = -1;

        for (int k = 0; san && k < sk_GENERAL_NAME_num(san) && n < max; k++) {
                const GENERAL_NAME *g = sk_GENERAL_NAME_value(san, k);

                if (g->type == GEN_DNS) {
                        const ASN1_IA5STRING *s = g->d.dNSName;
                        char *v = lower_dup((const char *)s->data, (size_t)s->length);

                        if (v)
                                names[n++] = v;
                }
        }
        GENERAL_NAMES_free(san);
        while (n < max && (i = X509_NAME_get_index_by_NID(subj, NID_commonName, i)) >= 0) {
                ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, i));
                unsigned char *u = NULL;
                int len = ASN1_STRING_to_UTF8(&u, s);

                if (len > 0) {
                        char *v = lower_dup((const char *)u, (size_t)len);

                        if (v)
                                names[n++] = v;
                }
                OPENSSL_free(u);
        }
        return n;
}

int tls_ver_openssl(unsigned v)
{
        switch (v) {
        case CFG_TLS_VER_SSL3:
                return SSL3_VERSION;
        case CFG_TLS_VER_TLS10:
                return TLS1_VERSION;
        case CFG_TLS_VER_TLS11:
                return TLS1_1_VERSION;
        case CFG_TLS_VER_TLS12:
                return TLS1_2_VERSION;
        case CFG_TLS_VER_TLS13:
                return TLS1_3_VERSION;
        default:
                return 0;
        }
}

static bool ca_load(SSL_CTX *ctx, const struct cfg_tls_opts *o, bool server,
                    const struct cfg_where *where, struct cfg_diags *d)
{
        char why[256];

        if (o->ca_file) {
                if (SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1) {
                        ERR(d, where, "cannot load CA file '%s': %s", o->ca_file,
                            last_error(why, sizeof(why)));
                        return false;
                }
                if (!server) {
                        /* the CA names a client is told to pick its certificate by */
                        STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(o->ca_file);

                        if (names)
                                SSL_CTX_set_client_CA_list(ctx, names);
                }
        }
        if (o->crl_file) {
                X509_STORE *st = SSL_CTX_get_cert_store(ctx);
                X509_LOOKUP *lk = X509_STORE_add_lookup(st, X509_LOOKUP_file());

                if (!lk || X509_load_crl_file(lk, o->crl_file, X509_FILETYPE_PEM) <= 0) {
                        ERR(d, where, "cannot load CRL file '%s': %s", o->crl_file,
                            last_error(why, sizeof(why)));
                        return false;
                }
                X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
        }
        return true;
}

bool tls_ctx_apply(SSL_CTX *ctx, const struct cfg_tls_opts *o, bool server,
                   const struct cfg_where *where, struct cfg_diags *d)
{
        uint64_t opts =
                SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF;
        /* HAProxy 2.6's floor on both sides when nothing sets one */
        int min = o->min_ver ? tls_ver_openssl(o->min_ver) : TLS1_2_VERSION;
        int max = tls_ver_openssl(o->max_ver);
        char why[256];

#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
        opts |= SSL_OP_NO_CLIENT_RENEGOTIATION;
#endif
        if (!server && !o->prefer_client_ciphers)
                opts |= SSL_OP_CIPHER_SERVER_PREFERENCE;
        if (o->no_tls_tickets)
                opts |= SSL_OP_NO_TICKET;
        SSL_CTX_set_options(ctx, opts);
        SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                                      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        if (min < SSL3_VERSION + 1 && min)
                SSL_CTX_set_security_level(ctx, 0); /* SSLv3 asked for explicitly */
        if (!SSL_CTX_set_min_proto_version(ctx, min) || !SSL_CTX_set_max_proto_version(ctx, max)) {
                ERR(d, where, "this OpenSSL cannot use the TLS versions asked for: %s",
                    last_error(why, sizeof(why)));
                return false;
        }
        if (!o->ciphers && !server && SSL_CTX_set_cipher_list(ctx, TLS_DEFAULT_BIND_CIPHERS) != 1) {
                ERR(d, where, "this OpenSSL has none of the default ciphers: %s",
                    last_error(why, sizeof(why)));
                return false;
        }
        if (o->ciphers && SSL_CTX_set_cipher_list(ctx, o->ciphers) != 1) {
                ERR(d, where, "no usable cipher in '%s': %s", o->ciphers,
                    last_error(why, sizeof(why)));
                return false;
        }
        if (!o->ciphersuites && !server &&
            SSL_CTX_set_ciphersuites(ctx, TLS_DEFAULT_BIND_CIPHERSUITES) != 1) {
                ERR(d, where, "this OpenSSL has none of the default TLS 1.3 cipher suites: %s",
                    last_error(why, sizeof(why)));
                return false;
        }
        if (o->ciphersuites && SSL_CTX_set_ciphersuites(ctx, o->ciphersuites) != 1) {
                ERR(d, where, "no usable TLS 1.3 cipher suite in '%s': %s", o->ciphersuites,
                    last_error(why, sizeof(why)));
                return false;
        }
        if (o->curves && SSL_CTX_set1_groups_list(ctx, o->curves) != 1) {
                ERR(d, where, "unknown curve in '%s': %s", o->curves, last_error(why, sizeof(why)));
                return false;
        }
        if (o->sigalgs && SSL_CTX_set1_sigalgs_list(ctx, o->sigalgs) != 1) {
                ERR(d, where, "unknown signature algorithm in '%s': %s", o->sigalgs,
                    last_error(why, sizeof(why)));
                return false;
        }
        return ca_load(ctx, o, server, where, d);
}

int tls_alpn_wire(const char *list, unsigned char *out, size_t cap)
{
        size_t n = 0;
        const char *p = list;

        if (!list || !*list)
                return 0;
        for (;;) {
                const char *e = strchr(p, ',');
                size_t len = e ? (size_t)(e - p) : strlen(p);

                if (len == 0 || len > 255 || n + 1 + len > cap)
                        return -1;
                out[n++] = (unsigned char)len;
                memcpy(out + n, p, len);
                n += len;
                if (!e)
                        break;
                p = e + 1;
        }
        return (int)n;
}

bool tls_keyfile_load(const char *path, const struct cfg_where *where, struct cfg_diags *d,
                      struct tls_keys *ring)
{
        FILE *f = fopen(path, "r");
        char line[512];
        unsigned lineno = 0, n = 0, bits = 0;

        if (!f) {
                ERR(d, where, "cannot read tls-ticket-keys file '%s': %s", path, strerror(errno));
                return false;
        }
        while (fgets(line, sizeof(line), f)) {
                unsigned char raw[sizeof(line)];
                size_t len = strcspn(line, "\r\n");
                struct tls_key k = {0};
                int got;

                lineno++;
                line[len] = '\0';
                if (len == 0 || line[0] == '#')
                        continue;
                got = EVP_DecodeBlock(raw, (const unsigned char *)line, (int)len);
                /* EVP_DecodeBlock counts the padding as bytes */
                if (got > 0 && len >= 1 && line[len - 1] == '=')
                        got -= len >= 2 && line[len - 2] == '=' ? 2 : 1;
                if (got != 48 && got != 80) {
                        cfg_diag_add(d, CFG_SEV_ERROR, path, lineno, 0,
                                     "a TLS ticket key must be 48 or 80 bytes in base64");
                        fclose(f);
                        return false;
                }
                if (bits && bits != (got == 48 ? 128u : 256u)) {
                        cfg_diag_add(d, CFG_SEV_ERROR, path, lineno, 0,
                                     "TLS ticket keys of 48 and 80 bytes cannot be mixed");
                        fclose(f);
                        return false;
                }
                bits = got == 48 ? 128 : 256;
                k.bits = (uint16_t)bits;
                memcpy(k.name, raw, TLS_KEY_NAME_LEN);
                memcpy(k.aes, raw + TLS_KEY_NAME_LEN, bits / 8);
                memcpy(k.hmac, raw + TLS_KEY_NAME_LEN + bits / 8, bits / 8);
                tls_keys_push(ring, &k, 0);
                n++;
        }
        fclose(f);
        if (n < TLS_KEYS_LIVE) {
                ERR(d, where, "tls-ticket-keys file '%s' holds %u keys: at least %u are needed",
                    path, n, TLS_KEYS_LIVE);
                return false;
        }
        return true;
}
