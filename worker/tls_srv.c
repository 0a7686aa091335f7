/* TLS to servers (tls_ctx.h): one context per "server ... ssl", verification of the server's
 * certificate and name, a client certificate, ALPN, and the last session of each server
 * resumed on its next connection (per worker). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls_ctx-int.h"
#include "tls_ctx.h"
#include "tls_load.h"

#define ERR(d, w, ...) cfg_diag_add((d), CFG_SEV_ERROR, (w)->file, (w)->line, 0, __VA_ARGS__)

static int ex_srv = -1; /* SSL_CTX ex_data: its struct tls_srv */

/* A new session from the server: keep it for the next connection. */
static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
        struct tls_srv *ts = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_srv);

        if (!ts || !ts->reuse)
                return 0;
        SSL_SESSION_free(ts->last);
        ts->last = sess;
        return 1; /* we keep the reference */
}

bool tls_srv_build(struct tls_srv *ts, const struct cfg_gen *g, const struct cfg_proxy *be,
                   const struct cfg_server *srv, struct cfg_diags *d)
{
        const struct cfg_server_tls *t = &srv->opts.tls;
        const struct cfg_tls_opts *o = &t->opts;
        unsigned char alpn[256];
        int alpn_len;

        (void)be;
        ts->cfg = srv;
        ts->reuse = !t->no_ssl_reuse;
        ts->verifyhost = t->no_verifyhost ? NULL : t->verifyhost;
        ts->verify = o->verify == CFG_TLS_VERIFY_REQUIRED ||
                     (o->verify == CFG_TLS_VERIFY_UNSET && !g->global.tls.server_verify_none);
        if (ex_srv < 0)
                ex_srv = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
        ts->ctx = SSL_CTX_new(TLS_client_method());
        if (!ts->ctx || !tls_ctx_apply(ts->ctx, o, true, &srv->where, d))
                return false;
        /* verification without a CA file was refused by the configuration (tls_finish.c) */
        SSL_CTX_set_verify(ts->ctx, ts->verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
        if (t->crt) {
                struct tls_pem pem;
                bool ok;

                if (!tls_pem_load(t->crt, &srv->where, d, &pem))
                        return false;
                ok = SSL_CTX_use_cert_and_key(ts->ctx, pem.cert, pem.key, pem.chain, 1) == 1;
                tls_pem_free(&pem);
                if (!ok) {
                        ERR(d, &srv->where, "cannot use the certificate of '%s'", t->crt);
                        ERR_clear_error();
                        return false;
                }
        }
        alpn_len = tls_alpn_wire(o->alpn, alpn, sizeof(alpn));
        if (alpn_len < 0) {
                ERR(d, &srv->where, "alpn: bad protocol list '%s'", o->alpn);
                return false;
        }
        if (alpn_len > 0 && SSL_CTX_set_alpn_protos(ts->ctx, alpn, (unsigned)alpn_len) != 0) {
                ERR(d, &srv->where, "alpn: cannot use '%s'", o->alpn);
                return false;
        }
        SSL_CTX_set_ex_data(ts->ctx, ex_srv, ts);
        SSL_CTX_set_session_cache_mode(ts->ctx,
                                       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ts->ctx, new_session_cb);
        return true;
}

void tls_srv_free(struct tls_srv *ts)
{
        SSL_SESSION_free(ts->last);
        SSL_CTX_free(ts->ctx);
}

SSL *tls_srv_new_ssl(struct tls_srv *ts, const char *sni)
{
        SSL *ssl = SSL_new(ts->ctx);
        const char *host;

        if (!ssl)
                return NULL;
        SSL_set_connect_state(ssl);
        if (sni && *sni && SSL_set_tlsext_host_name(ssl, sni) != 1)
                goto fail;
        host = sni && *sni ? sni : ts->verifyhost;
        if (ts->verify && host && !ts->cfg->opts.tls.no_verifyhost) {
                SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                if (SSL_set1_host(ssl, host) != 1)
                        goto fail;
        }
        if (ts->reuse && ts->last)
                (void)SSL_set_session(ssl, ts->last);
        return ssl;
fail:
        SSL_free(ssl);
        ERR_clear_error();
        return NULL;
}
