/* TLS contexts of a generation (see tls_ctx.h): binds, with certificate selection by SNI and
 * by the client's signature algorithms, ALPN, and session tickets; servers in tls_srv.c. */
#include "tls_ctx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "macros.h"
#include "tls_ctx-int.h"
#include "tls_keys.h"
#include "tls_load.h"

#define ERR(d, w, ...) cfg_diag_add((d), CFG_SEV_ERROR, (w)->file, (w)->line, 0, __VA_ARGS__)
#define MAX_NAMES      64 /* DNS names taken from one certificate */

static int ex_ring = -1; /* SSL_CTX ex_data: the struct tls_keys tickets use */

/* ---- session tickets ---- */

static int ticket_cb(SSL *ssl, unsigned char name[16], unsigned char iv[16], EVP_CIPHER_CTX *cctx,
                     EVP_MAC_CTX *hctx, int enc)
{
        const struct tls_keys *ring = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_ring);
        struct tls_key k;
        bool is_enc = true;
        OSSL_PARAM params[3];
        int r;

        if (!ring)
                return enc ? -1 : 0;
        if (enc) {
                if (!tls_keys_enc(ring, &k) || RAND_bytes(iv, 16) != 1)
                        return -1;
                memcpy(name, k.name, TLS_KEY_NAME_LEN);
        } else if (!tls_keys_find(ring, name, &k, &is_enc)) {
                return 0; /* an unknown or retired key: a full handshake */
        }
        params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, k.hmac, k.bits / 8);
        params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
        params[2] = OSSL_PARAM_construct_end();
        if (EVP_MAC_CTX_set_params(hctx, params) != 1)
                return -1;
        if (enc)
                r = EVP_EncryptInit_ex(cctx, k.bits == 128 ? EVP_aes_128_cbc() : EVP_aes_256_cbc(),
                                       NULL, k.aes, iv);
        else
                r = EVP_DecryptInit_ex(cctx, k.bits == 128 ? EVP_aes_128_cbc() : EVP_aes_256_cbc(),
                                       NULL, k.aes, iv);
        if (r != 1)
                return -1;
        /* 2: decrypted with a key that no longer encrypts: issue a fresh ticket */
        return enc || is_enc ? 1 : 2;
}

struct tls_keys *tls_private_keys(void)
{
        static struct tls_keys ring;

        while (tls_keys_count(&ring) < TLS_KEYS_LIVE) {
                struct tls_key k = {.bits = 256};

                if (RAND_bytes((unsigned char *)&k, offsetof(struct tls_key, bits)) != 1)
                        return NULL;
                tls_keys_push(&ring, &k, 0);
        }
        return &ring;
}

/* ---- choosing a certificate ---- */

static int sni_cmp(const void *a, const void *b)
{
        const struct tls_sni *x = a, *y = b;
        int r = strcmp(x->name, y->name);

        return r ? r : (x->cert > y->cert) - (x->cert < y->cert);
}

/* The first entry named @name in @tb's index, or NULL. */
static const struct tls_sni *sni_first(const struct tls_bind *tb, const char *name)
{
        size_t lo = 0, hi = tb->n_sni;

        while (lo < hi) {
                size_t mid = (lo + hi) / 2;

                if (strcmp(tb->sni[mid].name, name) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo < tb->n_sni && strcmp(tb->sni[lo].name, name) == 0 ? &tb->sni[lo] : NULL;
}

static bool sni_excluded(const struct tls_bind *tb, const char *name, unsigned cert)
{
        for (const struct tls_sni *e = sni_first(tb, name);
             e && e < tb->sni + tb->n_sni && strcmp(e->name, name) == 0; e++)
                if (e->neg && e->cert == cert)
                        return true;
        return false;
}

/* Does the client accept an ECDSA certificate? Its signature algorithms name ECDSA, and
 * for TLS 1.2 and below it also offers a cipher suite with ECDSA authentication. */
static bool client_takes_ecdsa(SSL *ssl)
{
        const unsigned char *p, *ciphers;
        size_t len, n;
        bool sig = false, tls13 = false;

        if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_signature_algorithms, &p, &len) == 1 &&
            len >= 2) {
                /* TLS 1.2 pairs (hash, 3 = ECDSA) and TLS 1.3 codes 0x0403 0x0503 0x0603 */
                for (size_t i = 2; i + 1 < len; i += 2)
                        if (p[i + 1] == 0x03)
                                sig = true;
        }
        if (!sig)
                return false;
        if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_supported_versions, &p, &len) == 1 &&
            len >= 1) {
                for (size_t i = 1; i + 1 < len; i += 2)
                        if (p[i] == 0x03 && p[i + 1] == 0x04)
                                tls13 = true;
        }
        if (tls13 && SSL_get_max_proto_version(ssl) != TLS1_2_VERSION)
                return true;
        n = SSL_client_hello_get0_ciphers(ssl, &ciphers);
        for (size_t i = 0; i + 1 < n; i += 2) {
                const SSL_CIPHER *c = SSL_CIPHER_find(ssl, ciphers + i);

                if (c && SSL_CIPHER_get_auth_nid(c) == NID_auth_ecdsa)
                        return true;
        }
        return false;
}

/* The server name the client asked for, lowercased into @buf; false when none. */
static bool hello_sni(SSL *ssl, char *buf, size_t size)
{
        const unsigned char *p;
        size_t len, n;

        if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &p, &len) != 1 || len < 5)
                return false;
        /* list length (2), then entries: type (1), length (2), name; the first host_name */
        if (((size_t)p[0] << 8 | p[1]) + 2 != len || p[2] != 0)
                return false;
        n = (size_t)p[3] << 8 | p[4];
        if (n == 0 || n + 5 > len || n >= size)
                return false;
        for (size_t i = 0; i < n; i++)
                buf[i] = (char)(p[5 + i] >= 'A' && p[5 + i] <= 'Z' ? p[5 + i] + 32 : p[5 + i]);
        buf[n] = '\0';
        return memchr(buf, '\0', n) == NULL;
}

/* Of the certificates @name gives (positive entries), the one to use; -1 when none. */
static int pick(const struct tls_bind *tb, const char *name, const char *exact, bool ecdsa)
{
        int first = -1, rsa = -1, ec = -1;

        for (const struct tls_sni *e = sni_first(tb, name);
             e && e < tb->sni + tb->n_sni && strcmp(e->name, name) == 0; e++) {
                if (e->neg || (exact && sni_excluded(tb, exact, e->cert)))
                        continue;
                if (first < 0)
                        first = (int)e->cert;
                if (tb->certs[e->cert].ecdsa && ec < 0)
                        ec = (int)e->cert;
                if (!tb->certs[e->cert].ecdsa && rsa < 0)
                        rsa = (int)e->cert;
        }
        if (ecdsa && ec >= 0)
                return ec;
        return rsa >= 0 ? rsa : first;
}

/* Make @ssl use certificate @tc: its context, and the settings a crt-list line gave it. */
static void switch_ctx(SSL *ssl, const struct tls_cert *tc)
{
        if (SSL_get_SSL_CTX(ssl) == tc->ctx)
                return;
        SSL_set_SSL_CTX(ssl, tc->ctx);
        if (!tc->own_opts)
                return;
        SSL_set_verify(ssl, SSL_CTX_get_verify_mode(tc->ctx), NULL);
        SSL_clear_options(ssl, SSL_get_options(ssl));
        SSL_set_options(ssl, SSL_CTX_get_options(tc->ctx));
        SSL_set_min_proto_version(ssl, SSL_CTX_get_min_proto_version(tc->ctx));
        SSL_set_max_proto_version(ssl, SSL_CTX_get_max_proto_version(tc->ctx));
        if (tc->opts->ciphers)
                SSL_set_cipher_list(ssl, tc->opts->ciphers);
        if (tc->opts->ciphersuites)
                SSL_set_ciphersuites(ssl, tc->opts->ciphersuites);
        if (SSL_CTX_get_client_CA_list(tc->ctx))
                SSL_set_client_CA_list(ssl, SSL_dup_CA_list(SSL_CTX_get_client_CA_list(tc->ctx)));
}

static int hello_cb(SSL *ssl, int *al, void *arg)
{
        const struct tls_bind *tb = arg;
        char name[256], wild[258];
        bool ecdsa = client_takes_ecdsa(ssl);
        int i = -1;

        if (hello_sni(ssl, name, sizeof(name))) {
                const char *dot = strchr(name, '.');

                i = pick(tb, name, NULL, ecdsa);
                if (i < 0 && dot && dot[1]) {
                        snprintf(wild, sizeof(wild), "*%s", dot);
                        i = pick(tb, wild, name, ecdsa);
                }
        }
        if (i < 0) {
                if (tb->strict_sni) {
                        *al = SSL_AD_UNRECOGNIZED_NAME;
                        return SSL_CLIENT_HELLO_ERROR;
                }
                /* the default: the first certificate, or its other-key twin */
                i = ecdsa && tb->dflt_ecdsa >= 0 ? tb->dflt_ecdsa
                    : tb->dflt_rsa >= 0          ? tb->dflt_rsa
                                                 : 0;
        }
        switch_ctx(ssl, &tb->certs[i]);
        return SSL_CLIENT_HELLO_SUCCESS;
}

static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned inlen, void *arg)
{
        const struct tls_cert *tc = arg;
        unsigned char *o;

        (void)ssl;
        if (tc->alpn_len == 0)
                return SSL_TLSEXT_ERR_NOACK;
        /* our order of preference, as HAProxy */
        if (SSL_select_next_proto(&o, outlen, tc->alpn, tc->alpn_len, in, inlen) !=
            OPENSSL_NPN_NEGOTIATED)
                return SSL_TLSEXT_ERR_NOACK;
        *out = o;
        return SSL_TLSEXT_ERR_OK;
}

/* ---- building ---- */

/* The session ID context of a bind: a digest of its certificates and verification
 * settings, so that every worker and every generation with the same ones agree, and a
 * session is never resumed under other verification rules. */
static void sid_ctx(const struct cfg_bind *b, unsigned char out[SHA256_DIGEST_LENGTH])
{
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        const struct cfg_bind_tls *t = &b->tls;
        unsigned len = 0;

        memset(out, 0, SHA256_DIGEST_LENGTH);
        if (!m || EVP_DigestInit_ex(m, EVP_sha256(), NULL) != 1) {
                EVP_MD_CTX_free(m);
                return;
        }
        for (size_t i = 0; i < t->n_certs; i++)
                EVP_DigestUpdate(m, t->certs[i].path, strlen(t->certs[i].path) + 1);
        EVP_DigestUpdate(m, &t->opts.verify, sizeof(t->opts.verify));
        if (t->opts.ca_file)
                EVP_DigestUpdate(m, t->opts.ca_file, strlen(t->opts.ca_file));
        EVP_DigestFinal_ex(m, out, &len);
        EVP_MD_CTX_free(m);
}

static bool push_sni(struct tls_bind *tb, const char *name, unsigned cert, bool neg)
{
        struct tls_sni *v;

        if (tb->n_sni == tb->cap_sni) {
                size_t cap = tb->cap_sni ? tb->cap_sni * 2 : 16;

                v = realloc(tb->sni, cap * sizeof(*v));
                if (!v)
                        return false;
                tb->sni = v;
                tb->cap_sni = cap;
        }
        tb->sni[tb->n_sni] = (struct tls_sni){strdup(name), cert, neg};
        return tb->sni[tb->n_sni++].name != NULL;
}

/* One certificate's context. */
static bool cert_build(struct tls_bind *tb, const struct cfg_bind *b, unsigned idx,
                       const struct tls_shared *sh, struct cfg_diags *d)
{
        const struct cfg_tls_cert *cc = &b->tls.certs[idx];
        struct tls_cert *tc = &tb->certs[idx];
        const struct cfg_tls_opts *o = cc->opts ? cc->opts : &b->tls.opts;
        unsigned char sid[SHA256_DIGEST_LENGTH];
        struct tls_pem pem;
        int alpn;

        tc->opts = o;
        tc->own_opts = cc->opts != NULL;
        alpn = tls_alpn_wire(o->alpn, tc->alpn, sizeof(tc->alpn));
        if (alpn < 0) {
                ERR(d, &cc->where, "alpn: bad protocol list '%s'", o->alpn);
                return false;
        }
        tc->alpn_len = (unsigned)alpn;
        if (!tls_pem_load(cc->path, &cc->where, d, &pem))
                return false;
        tc->ecdsa = EVP_PKEY_get_base_id(pem.key) == EVP_PKEY_EC;
        tc->ctx = SSL_CTX_new(TLS_server_method());
        if (!tc->ctx || !tls_ctx_apply(tc->ctx, o, false, &cc->where, d))
                goto fail;
        if (SSL_CTX_use_cert_and_key(tc->ctx, pem.cert, pem.key, pem.chain, 1) != 1) {
                ERR(d, &cc->where, "cannot use the certificate of '%s'", cc->path);
                goto fail;
        }
        if (o->verify == CFG_TLS_VERIFY_OPTIONAL || o->verify == CFG_TLS_VERIFY_REQUIRED)
                SSL_CTX_set_verify(tc->ctx,
                                   SSL_VERIFY_PEER | (o->verify == CFG_TLS_VERIFY_REQUIRED
                                                              ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT
                                                              : 0),
                                   NULL);
        if (tb->dh) {
                if (!EVP_PKEY_up_ref(tb->dh) || SSL_CTX_set0_tmp_dh_pkey(tc->ctx, tb->dh) != 1)
                        goto oom;
        } else {
                SSL_CTX_set_dh_auto(tc->ctx, 1);
        }
        sid_ctx(b, sid);
        SSL_CTX_set_session_id_context(tc->ctx, sid, SSL_MAX_SID_CTX_LENGTH);
        SSL_CTX_set_timeout(tc->ctx, (long)tb->lifetime_s);
        SSL_CTX_set_alpn_select_cb(tc->ctx, alpn_cb, tc);
        SSL_CTX_set_ex_data(tc->ctx, ex_ring, tb->ring);
        SSL_CTX_set_tlsext_ticket_key_evp_cb(tc->ctx, ticket_cb);
        tls_sess_cache_setup(tc->ctx, sh, tb->cachesize);
        if (idx == 0)
                SSL_CTX_set_client_hello_cb(tc->ctx, hello_cb, tb);
        /* the names it answers to: the crt-list line's filters, else its own */
        if (cc->n_sni) {
                for (size_t i = 0; i < cc->n_sni; i++) {
                        const char *f = cc->sni[i];
                        bool neg = f[0] == '!';
                        char *l = strdup(neg ? f + 1 : f);
                        bool ok = l != NULL;

                        for (char *p = l; ok && *p; p++)
                                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
                        ok = ok && push_sni(tb, l, idx, neg);
                        free(l);
                        if (!ok)
                                goto oom;
                }
        } else {
                char *names[MAX_NAMES];
                size_t n = tls_cert_names(pem.cert, names, MAX_NAMES);
                bool ok = true;

                for (size_t i = 0; i < n; i++) {
                        ok = ok && push_sni(tb, names[i], idx, false);
                        free(names[i]);
                }
                if (!ok)
                        goto oom;
        }
        tls_pem_free(&pem);
        return true;
oom:
        ERR(d, &cc->where, "out of memory");
fail:
        tls_pem_free(&pem);
        ERR_clear_error();
        return false;
}

static void bind_free(struct tls_bind *tb)
{
        for (size_t i = 0; i < tb->n_certs; i++)
                SSL_CTX_free(tb->certs[i].ctx);
        for (size_t i = 0; i < tb->n_sni; i++)
                free(tb->sni[i].name);
        free(tb->sni);
        free(tb->certs);
        free(tb->own_ring);
}

static bool bind_build(struct tls_bind *tb, const struct cfg_gen *g, const struct cfg_proxy *fe,
                       const struct cfg_bind *b, const struct tls_shared *sh, struct cfg_diags *d)
{
        bool ok = true;

        tb->cfg = b;
        tb->strict_sni = b->tls.strict_sni;
        tb->lifetime_s =
                g->global.tls.lifetime_s ? g->global.tls.lifetime_s : CFG_TLS_LIFETIME_DEFAULT_S;
        tb->cachesize =
                g->global.tls.cachesize_set ? g->global.tls.cachesize : CFG_TLS_CACHESIZE_DEFAULT;
        tb->ring = sh && sh->keys ? sh->keys : tls_private_keys();
        if (b->tls.ticket_keys) {
                tb->own_ring = calloc(1, sizeof(*tb->own_ring));
                if (!tb->own_ring ||
                    !tls_keyfile_load(b->tls.ticket_keys, &b->where, d, tb->own_ring))
                        return false;
                tb->ring = tb->own_ring;
        }
        if (b->tls.n_certs == 0) {
                ERR(d, &b->where,
                    "bind: 'ssl' needs at least one certificate ('crt' or "
                    "'crt-list')");
                return false;
        }
        tb->certs = calloc(b->tls.n_certs, sizeof(*tb->certs));
        if (!tb->certs)
                return false;
        tb->n_certs = b->tls.n_certs;
        for (unsigned i = 0; i < tb->n_certs; i++)
                ok = cert_build(tb, b, i, sh, d) && ok;
        if (!ok)
                return false;
        qsort(tb->sni, tb->n_sni, sizeof(*tb->sni), sni_cmp);
        /* the default certificate, and a twin of the other key type for one of its names,
         * for clients that take only the other type */
        tb->dflt_rsa = tb->certs[0].ecdsa ? -1 : 0;
        tb->dflt_ecdsa = tb->certs[0].ecdsa ? 0 : -1;
        for (size_t i = 0; i < tb->n_sni; i++) {
                const struct tls_sni *e = &tb->sni[i];
                int *twin = tb->certs[0].ecdsa ? &tb->dflt_rsa : &tb->dflt_ecdsa;

                if (*twin >= 0 || e->neg || tb->certs[e->cert].ecdsa == tb->certs[0].ecdsa)
                        continue;
                for (const struct tls_sni *f = sni_first(tb, e->name);
                     f < tb->sni + tb->n_sni && strcmp(f->name, e->name) == 0; f++)
                        if (f->cert == 0 && !f->neg)
                                *twin = (int)e->cert;
        }
        return true;
}

/* The Diffie-Hellman parameters of the generation: ssl-dh-param-file's, else the RFC 7919
 * group of tune.ssl.default-dh-param's size (the next one up; 2048 bits by default). */
static bool dh_load(const struct cfg_gen *g, struct cfg_diags *d, EVP_PKEY **ret)
{
        const struct cfg_tls_global *t = &g->global.tls;
        static const struct {
                unsigned bits;
                const char *name;
        } groups[] = {{2048, "ffdhe2048"},
                      {3072, "ffdhe3072"},
                      {4096, "ffdhe4096"},
                      {6144, "ffdhe6144"},
                      {8192, "ffdhe8192"}};

        *ret = NULL;
        if (t->dh_param_file) {
                BIO *b = BIO_new_file(t->dh_param_file, "r");

                *ret = b ? PEM_read_bio_Parameters(b, NULL) : NULL;
                BIO_free(b);
                ERR_clear_error();
                if (!*ret || EVP_PKEY_get_base_id(*ret) != EVP_PKEY_DH) {
                        EVP_PKEY_free(*ret);
                        *ret = NULL;
                        ERR(d, &g->global.where, "ssl-dh-param-file: no DH parameters in '%s'",
                            t->dh_param_file);
                        return false;
                }
                return true;
        }
        {
                /* HAProxy's default size, 2048 bits, as RFC 7919's group rather than the
                 * older primes OpenSSL would choose */
                unsigned bits = t->default_dh_param ? t->default_dh_param : 2048;
                const char *name = groups[SL_ARRAY_SIZE(groups) - 1].name;
                EVP_PKEY_CTX *pc;
                OSSL_PARAM params[2];

                for (size_t i = 0; i < SL_ARRAY_SIZE(groups); i++)
                        if (bits <= groups[i].bits) {
                                name = groups[i].name;
                                break;
                        }
                pc = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL);
                params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                             (char *)name, 0);
                params[1] = OSSL_PARAM_construct_end();
                if (!pc || EVP_PKEY_paramgen_init(pc) != 1 ||
                    EVP_PKEY_CTX_set_params(pc, params) != 1 || EVP_PKEY_paramgen(pc, ret) != 1) {
                        EVP_PKEY_CTX_free(pc);
                        ERR_clear_error();
                        ERR(d, &g->global.where, "tune.ssl.default-dh-param: cannot make %s", name);
                        return false;
                }
                EVP_PKEY_CTX_free(pc);
        }
        return true;
}

int tls_set_build(const struct cfg_gen *g, const struct tls_shared *sh, struct cfg_diags *d,
                  struct tls_set **ret)
{
        struct tls_set *s;
        size_t nb = 0, ns = 0, errors = d->n_errors;

        *ret = NULL;
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];

                for (size_t j = 0; j < px->n_binds; j++)
                        nb += px->binds[j].tls.ssl;
                for (size_t j = 0; j < px->n_servers; j++)
                        ns += px->servers[j].opts.tls.ssl || cfg_server_check_tls(&px->servers[j]);
        }
        /* the links of the peers sections: the local peer's binds, the other peers */
        for (size_t i = 0; i < g->n_peers; i++) {
                const struct cfg_peers *ps = g->peers[i];

                for (size_t j = 0; !ps->disabled && j < ps->n_binds; j++)
                        nb += ps->binds[j].tls.ssl;
                for (size_t j = 0; !ps->disabled && j < ps->n_peers; j++)
                        ns += !ps->peers[j].local && ps->peers[j].srv.opts.tls.ssl;
        }
        if (nb == 0 && ns == 0)
                return 0;
        if (ex_ring < 0)
                ex_ring = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
        s = calloc(1, sizeof(*s));
        if (!s || (nb && !(s->binds = calloc(nb, sizeof(*s->binds)))) ||
            (ns && !(s->srvs = calloc(ns, sizeof(*s->srvs))))) {
                tls_set_free(s);
                return -ENOMEM;
        }
        if (nb && !dh_load(g, d, &s->dh)) {
                tls_set_free(s);
                return -EINVAL;
        }
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];

                for (size_t j = 0; j < px->n_binds; j++) {
                        if (!px->binds[j].tls.ssl)
                                continue;
                        s->binds[s->n_binds].dh = s->dh;
                        (void)bind_build(&s->binds[s->n_binds++], g, px, &px->binds[j], sh, d);
                }
                for (size_t j = 0; j < px->n_servers; j++) {
                        const struct cfg_server *sv = &px->servers[j];

                        if (!sv->opts.tls.ssl && !cfg_server_check_tls(sv))
                                continue;
                        /* "check-ssl" alone: a context for the checks, not the traffic */
                        s->srvs[s->n_srvs].check_only = !sv->opts.tls.ssl;
                        (void)tls_srv_build(&s->srvs[s->n_srvs++], g, px, sv, d);
                }
        }
        for (size_t i = 0; i < g->n_peers; i++) {
                const struct cfg_peers *ps = g->peers[i];

                for (size_t j = 0; !ps->disabled && j < ps->n_binds; j++) {
                        if (!ps->binds[j].tls.ssl)
                                continue;
                        s->binds[s->n_binds].dh = s->dh;
                        (void)bind_build(&s->binds[s->n_binds++], g, NULL, &ps->binds[j], sh, d);
                }
                for (size_t j = 0; !ps->disabled && j < ps->n_peers; j++)
                        if (!ps->peers[j].local && ps->peers[j].srv.opts.tls.ssl)
                                (void)tls_srv_build(&s->srvs[s->n_srvs++], g, NULL,
                                                    &ps->peers[j].srv, d);
        }
        if (d->n_errors > errors) {
                tls_set_free(s);
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

struct tls_set *tls_set_free(struct tls_set *s)
{
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_binds; i++)
                bind_free(&s->binds[i]);
        for (size_t i = 0; i < s->n_srvs; i++)
                tls_srv_free(&s->srvs[i]);
        free(s->binds);
        free(s->srvs);
        EVP_PKEY_free(s->dh);
        free(s);
        return NULL;
}

const struct tls_bind *tls_set_bind(const struct tls_set *s, const struct cfg_bind *b)
{
        for (size_t i = 0; s && i < s->n_binds; i++)
                if (s->binds[i].cfg == b)
                        return &s->binds[i];
        return NULL;
}

const struct cfg_bind *tls_bind_cfg(const struct tls_bind *tb)
{
        return tb->cfg;
}

size_t tls_bind_n_certs(const struct tls_bind *tb)
{
        return tb->n_certs;
}

X509 *tls_bind_cert(const struct tls_bind *tb, size_t i, const char **path)
{
        if (i >= tb->n_certs || i >= tb->cfg->tls.n_certs)
                return NULL;
        *path = tb->cfg->tls.certs[i].path;
        return SSL_CTX_get0_certificate(tb->certs[i].ctx);
}

SSL *tls_bind_new_ssl(const struct tls_bind *tb)
{
        SSL *ssl = SSL_new(tb->certs[0].ctx);

        if (ssl)
                SSL_set_accept_state(ssl);
        return ssl;
}

struct tls_srv *tls_set_server(const struct tls_set *s, const struct cfg_server *srv)
{
        struct tls_srv *ts = tls_set_check_server(s, srv);

        return ts && !ts->check_only ? ts : NULL;
}

struct tls_srv *tls_set_check_server(const struct tls_set *s, const struct cfg_server *srv)
{
        for (size_t i = 0; s && i < s->n_srvs; i++)
                if (s->srvs[i].cfg == srv)
                        return &s->srvs[i];
        return NULL;
}
