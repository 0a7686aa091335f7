/* TLS sample fetches (see sample_tls.h). */
#include "sample_tls.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "macros.h"
#include "mux.h"
#include "session.h"
#include "stream-t.h"

static bool put(enum cfg_smp_type type, int64_t i, struct sl_str str, smp_value_fn *fn, void *data)
{
        struct cfg_smp_value v = {.type = type, .i = i, .str = str};

        return fn(data, &v);
}

static bool put_cstr(const char *s, smp_value_fn *fn, void *data)
{
        return s && put(CFG_SMP_STR, 0, sl_str_from_cstr(s), fn, data);
}

/* The DN of @n as HAProxy writes it ("/C=FR/O=x/CN=y"), or RFC 2253's form, or the value of
 * the @occ-th entry named @entry (negative: from the end). Into the fetch's buffer. */
static bool dn_value(const struct smp_ctx *c, X509_NAME *n, const struct cfg_sample *smp,
                     smp_value_fn *fn, void *data)
{
        const struct cfg_arg *a = smp->args;
        struct sl_str entry = smp->n_args > 0 ? a[0].str : SL_STR_NULL;
        int64_t occ = smp->n_args > 1 ? a[1].i : 0;
        bool rfc2253 =
                smp->n_args > 2 && a[2].str.len == 7 && memcmp(a[2].str.ptr, "rfc2253", 7) == 0;
        int count = X509_NAME_entry_count(n);
        size_t len = 0;

        if (entry.len) {
                int nid, seen = 0;
                char name[64];

                snprintf(name, sizeof(name), "%.*s", (int)entry.len, entry.ptr);
                nid = OBJ_txt2nid(name);
                if (nid == NID_undef)
                        return false;
                for (int k = 0; k < count; k++) {
                        int i = occ < 0 ? count - 1 - k : k;
                        X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
                        ASN1_STRING *v;

                        if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) != nid)
                                continue;
                        if (++seen < (occ < 0 ? -occ : occ ? occ : 1))
                                continue;
                        v = X509_NAME_ENTRY_get_data(e);
                        len = SL_MIN((size_t)ASN1_STRING_length(v), c->bufsz);
                        memcpy(c->buf, ASN1_STRING_get0_data(v), len);
                        return put(CFG_SMP_STR, 0, sl_str_make(c->buf, len), fn, data);
                }
                return false;
        }
        if (rfc2253) {
                BIO *b = BIO_new(BIO_s_mem());
                int r;

                if (!b)
                        return false;
                X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253);
                r = BIO_read(b, c->buf, (int)c->bufsz);
                BIO_free(b);
                return r > 0 && put(CFG_SMP_STR, 0, sl_str_make(c->buf, (size_t)r), fn, data);
        }
        for (int i = 0; i < count; i++) {
                X509_NAME_ENTRY *e = X509_NAME_get_entry(n, i);
                ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);
                const char *sn = OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)));
                int w = snprintf(c->buf + len, c->bufsz - len, "/%s=%.*s", sn,
                                 ASN1_STRING_length(v), (const char *)ASN1_STRING_get0_data(v));

                if (w < 0 || (size_t)w >= c->bufsz - len)
                        return false;
                len += (size_t)w;
        }
        return put(CFG_SMP_STR, 0, sl_str_make(c->buf, len), fn, data);
}

static bool cert_fetch(const struct smp_ctx *c, SSL *ssl, const struct cfg_sample *smp,
                       smp_value_fn *fn, void *data)
{
        X509 *x = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
        unsigned len = 0;

        if (!x)
                return false;
        switch (smp->fetch) {
        case CFG_FETCH_SSL_C_S_DN:
                return dn_value(c, X509_get_subject_name(x), smp, fn, data);
        case CFG_FETCH_SSL_C_I_DN:
                return dn_value(c, X509_get_issuer_name(x), smp, fn, data);
        case CFG_FETCH_SSL_C_SERIAL: {
                const ASN1_INTEGER *s = X509_get0_serialNumber(x);

                len = (unsigned)SL_MIN((size_t)ASN1_STRING_length(s), c->bufsz);
                memcpy(c->buf, ASN1_STRING_get0_data(s), len);
                break;
        }
        case CFG_FETCH_SSL_C_SHA1:
                if (c->bufsz < EVP_MAX_MD_SIZE ||
                    X509_digest(x, EVP_sha1(), (unsigned char *)c->buf, &len) != 1)
                        return false;
                break;
        default:
                return false;
        }
        return put(CFG_SMP_BIN, 0, sl_str_make(c->buf, len), fn, data);
}

static bool conn_facts(SSL *ssl, enum cfg_fetch f, smp_value_fn *fn, void *data)
{
        const unsigned char *alpn = NULL;
        unsigned alpn_len = 0;

        switch (f) {
        case CFG_FETCH_SSL_FC:
        case CFG_FETCH_SSL_BC:
                return put(CFG_SMP_BOOL, ssl != NULL, SL_STR_NULL, fn, data);
        case CFG_FETCH_SSL_FC_RESUMED:
        case CFG_FETCH_SSL_BC_RESUMED:
                return put(CFG_SMP_BOOL, ssl && SSL_session_reused(ssl), SL_STR_NULL, fn, data);
        case CFG_FETCH_SSL_FC_HAS_SNI:
                return put(CFG_SMP_BOOL,
                           ssl && SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) != NULL,
                           SL_STR_NULL, fn, data);
        case CFG_FETCH_SSL_FC_HAS_CRT:
        case CFG_FETCH_SSL_C_USED:
                return put(CFG_SMP_BOOL, ssl && SSL_get0_peer_certificate(ssl) != NULL, SL_STR_NULL,
                           fn, data);
        default:
                break;
        }
        if (!ssl)
                return false;
        switch (f) {
        case CFG_FETCH_SSL_FC_SNI:
                return put_cstr(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name), fn, data);
        case CFG_FETCH_SSL_FC_PROTOCOL:
        case CFG_FETCH_SSL_BC_PROTOCOL:
                return put_cstr(SSL_get_version(ssl), fn, data);
        case CFG_FETCH_SSL_FC_CIPHER:
                return put_cstr(SSL_get_cipher_name(ssl), fn, data);
        case CFG_FETCH_SSL_FC_ALPN:
        case CFG_FETCH_SSL_BC_ALPN:
                SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
                return alpn &&
                       put(CFG_SMP_STR, 0, sl_str_make((const char *)alpn, alpn_len), fn, data);
        case CFG_FETCH_SSL_C_VERIFY:
                return put(CFG_SMP_INT, SSL_get_verify_result(ssl), SL_STR_NULL, fn, data);
        default:
                return false;
        }
}

bool sample_fetch_tls(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                      void *data)
{
        SSL *ssl;

        switch (smp->fetch) {
        case CFG_FETCH_SSL_BC:
        case CFG_FETCH_SSL_BC_ALPN:
        case CFG_FETCH_SSL_BC_PROTOCOL:
        case CFG_FETCH_SSL_BC_RESUMED:
                ssl = c->st && c->st->srv.ops && c->st->srv.ops->ssl
                              ? c->st->srv.ops->ssl(&c->st->srv)
                              : NULL;
                return conn_facts(ssl, smp->fetch, fn, data);
        case CFG_FETCH_SSL_C_S_DN:
        case CFG_FETCH_SSL_C_I_DN:
        case CFG_FETCH_SSL_C_SERIAL:
        case CFG_FETCH_SSL_C_SHA1:
                return cert_fetch(c, sess_ssl(c->ss), smp, fn, data);
        default:
                return conn_facts(sess_ssl(c->ss), smp->fetch, fn, data);
        }
}
