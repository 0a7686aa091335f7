/* The PROXY header for a stream's server connection (see pp_stream.h). */
#include "pp_stream.h"

#include <stdio.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "conn.h"
#include "macros.h"
#include "model.h"
#include "proxy_hdr.h"
#include "sess_addr.h"
#include "sess_proxy.h"
#include "session.h"
#include "stream-t.h"
#include "stream_log.h"

/* The SSL TLV of @ssl (the client's connection, or NULL), as HAProxy 2.6 writes it: its
 * version; the verification result when the session had a client certificate; the CN of
 * that certificate, and this side's key and signature algorithms and the cipher as asked. */
static void ssl_tlv(struct pp_v2_builder *b, SSL *ssl, uint32_t pp)
{
        uint8_t client = 0;
        uint32_t verify = 0;
        X509 *peer = ssl ? SSL_get_peer_certificate(ssl) : NULL;
        X509 *own = ssl ? SSL_get_certificate(ssl) : NULL;
        char text[256];

        if (ssl) {
                client |= PP2_CLIENT_SSL;
                if (peer) {
                        client |= PP2_CLIENT_CERT_SESS;
                        verify = (uint32_t)SSL_get_verify_result(ssl);
                        if (!SSL_session_reused(ssl))
                                client |= PP2_CLIENT_CERT_CONN;
                }
        }
        pp_v2_ssl_begin(b, client, verify);
        if (ssl) {
                const char *v = SSL_get_version(ssl);

                pp_v2_tlv(b, PP2_SUBTYPE_SSL_VERSION, v, strlen(v));
                if ((pp & CFG_PP_V2_SSL_CN) && peer) {
                        int n = X509_NAME_get_text_by_NID(X509_get_subject_name(peer),
                                                          NID_commonName, text, sizeof(text));

                        if (n > 0)
                                pp_v2_tlv(b, PP2_SUBTYPE_SSL_CN, text, (size_t)n);
                }
                if ((pp & CFG_PP_V2_SSL_KEY_ALG) && own) {
                        EVP_PKEY *k = X509_get0_pubkey(own);
                        const char *alg = NULL;
                        int n;

                        switch (k ? EVP_PKEY_base_id(k) : 0) {
                        case EVP_PKEY_RSA:
                                alg = "RSA";
                                break;
                        case EVP_PKEY_EC:
                                alg = "EC";
                                break;
                        case EVP_PKEY_DSA:
                                alg = "DSA";
                                break;
                        }
                        n = alg ? snprintf(text, sizeof(text), "%s%d", alg, EVP_PKEY_bits(k)) : 0;
                        if (n > 0)
                                pp_v2_tlv(b, PP2_SUBTYPE_SSL_KEY_ALG, text, (size_t)n);
                }
                if ((pp & CFG_PP_V2_SSL_SIG_ALG) && own) {
                        const char *sig = OBJ_nid2sn(X509_get_signature_nid(own));

                        if (sig)
                                pp_v2_tlv(b, PP2_SUBTYPE_SSL_SIG_ALG, sig, strlen(sig));
                }
                if (pp & CFG_PP_V2_SSL_CIPHER) {
                        const char *ci = SSL_get_cipher_name(ssl);

                        if (ci)
                                pp_v2_tlv(b, PP2_SUBTYPE_SSL_CIPHER, ci, strlen(ci));
                }
        }
        X509_free(peer);
        pp_v2_ssl_end(b);
}

size_t pp_stream_header(struct stream *st, uint32_t pp, uint8_t *out, size_t cap)
{
        struct sess *ss = st->sess;
        struct sockaddr_storage src_ss = {0}, dst_ss = {0};
        const struct sockaddr_storage *src = &src_ss, *dst = &dst_ss;
        SSL *ssl = sess_ssl(ss);
        struct pp_v2_builder b;
        struct sl_str v;

        /* the encoder takes sockaddr_storage; an address that is not IP (a Unix socket's)
         * goes as UNKNOWN (v1) or LOCAL (v2) whatever its path */
        memcpy(&src_ss, sess_src(ss, st), sizeof(union sl_addr));
        memcpy(&dst_ss, sess_dst(ss, st), sizeof(union sl_addr));
        if (!(pp & CFG_PP_V2))
                return cap >= PP_V1_MAX ? pp_v1_build(out, src, dst) : 0;
        pp_v2_begin(&b, out, cap, false, src, dst);
        /* HAProxy's order: CRC32C (filled at the end), ALPN, authority, unique id, SSL */
        if (pp & CFG_PP_V2_CRC32C)
                pp_v2_tlv(&b, PP2_TYPE_CRC32C, NULL, 4);
        v = ss->conn.xprt->alpn(&ss->conn, ss->conn.xprt_ctx);
        if (v.len)
                pp_v2_tlv(&b, PP2_TYPE_ALPN, v.ptr, v.len);
        if (pp & CFG_PP_V2_AUTHORITY) {
                const char *sni = ssl ? SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) : NULL;

                if (sess_pp_tlv(ss, PP2_TYPE_AUTHORITY, &v))
                        pp_v2_tlv(&b, PP2_TYPE_AUTHORITY, v.ptr, v.len);
                else if (sni)
                        pp_v2_tlv(&b, PP2_TYPE_AUTHORITY, sni, strlen(sni));
        }
        if (pp & CFG_PP_V2_UNIQUE_ID) {
                v = stream_unique_id(st);
                pp_v2_tlv(&b, PP2_TYPE_UNIQUE_ID, v.ptr, SL_MIN(v.len, (size_t)PP2_UNIQUE_ID_MAX));
        }
        if (pp & CFG_PP_V2_SSL)
                ssl_tlv(&b, ssl, pp);
        return pp_v2_end(&b, false);
}
