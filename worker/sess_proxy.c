/* The PROXY protocol on client and server connections (see sess_proxy.h). */
#include "sess_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "conn.h"
#include "log.h"
#include "macros.h"
#include "model.h"
#include "proxy_hdr.h"
#include "sess_addr.h"
#include "session.h"
#include "stream-t.h"
#include "stream_log.h"
#include "wcount.h"
#include "wctx.h"

/* ---- reading a client's header ---- */

/* What a session holds while its header is read; freed once it is over. The bytes read so
 * far are kept: a header that came in part is taken from the socket (every byte of a valid
 * beginning is the header's), so that the socket is not reported readable again until more
 * comes. */
struct sess_pph {
        struct conn_hs hs;
        struct loop_timer timer; /* timeout client, from the accept */
        struct sess *ss;         /* borrowed */
        void (*done)(struct sess *ss);
        uint16_t have;
        const char *why; /* HAProxy's message for the log when it fails */
        bool null;       /* the client sent nothing */
        uint8_t buf[PP_HDR_MAX];
};

static void pph_end(struct sess *ss)
{
        struct sess_pph *h = ss->hs;

        ss->hs = NULL;
        loop_timer_deinit(&h->timer);
        free(h);
}

/* One line per failed header, never one per byte: counted, logged (HAProxy's message in the
 * frontend's log), the session closed. */
static void pph_failed(struct sess *ss, const char *why, bool null)
{
        char ip[INET6_ADDRSTRLEN];
        unsigned port = sess_peer(ss, ip, sizeof(ip));

        wc_proc_add(ss->w, ST_C_PP_FAILED);
        sl_log(LOG_INFO, "%s: PROXY protocol header from %s:%u: %s", ss->fe->name, ip, port, why);
        if (ss->bind)
                sess_log_embryonic(ss, ss->bind, why, null);
        pph_end(ss);
        sess_close(ss);
}

/* Could @p (@len bytes) begin a PROXY header at all (a prefix of "PROXY " or of the v2
 * signature)? HAProxy tells "not a PROXY header" from "an invalid one" in its log. */
static bool looks_like_pp(const uint8_t *p, size_t len)
{
        static const char v1[] = "PROXY ";

        if (len == 0)
                return true;
        if (memcmp(p, v1, SL_MIN(len, sizeof(v1) - 1)) == 0)
                return true;
        return memcmp(p, pp_v2_sig, SL_MIN(len, (size_t)PP_V2_SIG_LEN)) == 0;
}

static void apply(struct sess *ss, const struct pp_info *info)
{
        if (!info->local) {
                ss->src = info->src;
                ss->dst = info->dst;
                ss->dst_known = true;
        }
        if (info->tlv_len) {
                ss->pp_tlv = malloc(info->tlv_len);
                if (ss->pp_tlv) {
                        memcpy(ss->pp_tlv, info->tlv, info->tlv_len);
                        ss->pp_tlv_len = (uint16_t)info->tlv_len;
                } else {
                        wc_proc_add(ss->w, ST_C_POOL_FAILED);
                }
        }
}

/* The handshake step: peek at what came, take what belongs to the header, exactly. */
static int pph_step(struct conn *c, void *data)
{
        struct sess_pph *h = data;
        struct pp_info info;
        ssize_t n, got;
        size_t take;
        int r;

        for (;;) {
                n = conn_peek(c, h->buf + h->have, sizeof(h->buf) - h->have);
                if (n == -EAGAIN) {
                        conn_want(c, CONN_WANT_RD);
                        return -EAGAIN;
                }
                if (n <= 0) {
                        h->null = h->have == 0;
                        h->why = n == 0 ? (h->have ? "Truncated PROXY protocol header received."
                                                   : "Connection closed while waiting for PROXY "
                                                     "protocol header.")
                                        : "Connection error while waiting for PROXY protocol "
                                          "header.";
                        return n == 0 ? -ECONNABORTED : (int)n;
                }
                r = pp_parse(h->buf, h->have + (size_t)n, &info);
                if (r < 0) {
                        h->why = looks_like_pp(h->buf, h->have + (size_t)n)
                                         ? "Received an invalid PROXY protocol header."
                                         : "Received something which does not look like a "
                                           "PROXY protocol header.";
                        return -EPROTO;
                }
                /* all of a valid beginning, or the rest of the header and no more */
                take = r > 0 ? (size_t)r - h->have : (size_t)n;
                got = conn_read(c, h->buf + h->have, take);
                if (got != (ssize_t)take) {
                        h->why = "Connection error while waiting for PROXY protocol header.";
                        return got < 0 ? (int)got : -EIO;
                }
                h->have = (uint16_t)(h->have + take);
                if (r > 0) {
                        apply(h->ss, &info);
                        return 0;
                }
        }
}

static void pph_complete(struct conn *c, int err)
{
        struct sess *ss = sl_container_of(c, struct sess, conn);
        struct sess_pph *h = ss->hs;
        void (*done)(struct sess * ss) = h->done;

        if (err < 0) {
                pph_failed(ss,
                           h->why ? h->why
                                  : "Connection error while waiting for PROXY "
                                    "protocol header.",
                           h->null);
                return;
        }
        pph_end(ss);
        done(ss);
}

static void pph_timeout(struct loop_timer *t)
{
        struct sess_pph *h = sl_container_of(t, struct sess_pph, timer);

        pph_failed(h->ss, "Timeout while waiting for PROXY protocol header.", h->have == 0);
}

int sess_proxy_start(struct sess *ss, void (*done)(struct sess *ss))
{
        uint64_t tmo = cfg_proxy_timeout(ss->fe, CFG_TO_CLIENT);
        struct sess_pph *h = malloc(sizeof(*h));

        if (!h)
                return -ENOMEM;
        h->have = 0;
        h->why = NULL;
        h->null = false;
        if (loop_timer_init(ss->w->loop, &h->timer, pph_timeout) < 0) {
                free(h);
                return -ENOMEM;
        }
        h->hs = (struct conn_hs){.step = {pph_step}, .data = {h}, .n = 1, .complete = pph_complete};
        h->ss = ss;
        h->done = done;
        ss->hs = h;
        ss->hs_free = pph_end;
        if (tmo)
                loop_timer_arm(&h->timer, tmo);
        conn_handshake(&ss->conn, &h->hs);
        return 0;
}

bool sess_pp_tlv(const struct sess *ss, uint8_t type, struct sl_str *ret)
{
        struct pp_info info = {.version = 2, .tlv = ss->pp_tlv, .tlv_len = ss->pp_tlv_len};

        return ss->pp_tlv && pp_tlv_find(&info, type, ret);
}

/* ---- writing a server's header ---- */

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

size_t sess_proxy_header(struct stream *st, uint32_t pp, uint8_t *out, size_t cap)
{
        struct sess *ss = st->sess;
        const struct sockaddr_storage *src = sess_src(ss, st), *dst = sess_dst(ss, st);
        SSL *ssl = sess_ssl(ss);
        struct pp_v2_builder b;
        struct sl_str v;

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

size_t sess_proxy_local_header(uint32_t pp, uint8_t *out, size_t cap)
{
        struct sockaddr_storage none = {.ss_family = AF_UNSPEC};
        struct pp_v2_builder b;

        if (!(pp & CFG_PP_V2))
                return cap >= PP_V1_MAX ? pp_v1_build(out, &none, &none) : 0;
        pp_v2_begin(&b, out, cap, true, &none, &none);
        return pp_v2_end(&b, (pp & CFG_PP_V2_CRC32C) != 0);
}

struct pp_out *pp_out_new(const uint8_t *hdr, size_t len)
{
        struct pp_out *o = malloc(sizeof(*o) + len);

        if (!o)
                return NULL;
        memcpy(o + 1, hdr, len);
        *o = (struct pp_out){.p = (const uint8_t *)(o + 1), .len = (uint16_t)len};
        return o;
}

int pp_out_step(struct conn *c, void *data)
{
        struct pp_out *o = data;

        while (o->off < o->len) {
                struct iovec iov = {(void *)(o->p + o->off), (size_t)(o->len - o->off)};
                ssize_t n = conn_sendv(c, &iov, 1, false);

                if (n == -EAGAIN) {
                        conn_want(c, CONN_WANT_WR);
                        return -EAGAIN;
                }
                if (n < 0)
                        return (int)n;
                o->off = (uint16_t)(o->off + n);
        }
        return 0;
}
