/* Sessions by ID for binds (tls_ctx-int.h): OpenSSL's callbacks store them, serialized, in
 * the cache the master shares with every worker (shm/tls_cache.h), so that a client that
 * resumes by session ID (TLS 1.2 without tickets, TLS 1.3 with no-tls-tickets) finds its
 * session whichever worker it reaches, and after a reload. */
#include <openssl/ssl.h>

#include "clock.h"
#include "tls_cache.h"
#include "tls_ctx-int.h"
#include "tls_ctx.h"

static struct tls_cache *cache; /* the process's: set by the worker, or NULL */
static uint32_t cache_lifetime_ms = CFG_TLS_LIFETIME_DEFAULT_S * 1000u;

void tls_sess_use_cache(struct tls_cache *c, unsigned lifetime_s)
{
        cache = c;
        cache_lifetime_ms = (lifetime_s ? lifetime_s : CFG_TLS_LIFETIME_DEFAULT_S) * 1000u;
}

static int new_cb(SSL *ssl, SSL_SESSION *sess)
{
        unsigned char buf[TLS_CACHE_DATA_MAX], *p = buf;
        const unsigned char *id;
        unsigned id_len = 0;
        int len;

        /* A TLS 1.3 session under stateless tickets travels inside its ticket: OpenSSL
         * looks such PSKs up by ID only when tickets are stateful (no-tls-tickets) or for
         * anti-replay of early data. Storing it would cost two serializations per ticket
         * (two tickets per handshake) and push out the TLS 1.2 sessions the cache is for. */
        if (SSL_SESSION_get_protocol_version(sess) == TLS1_3_VERSION &&
            !(SSL_get_options(ssl) & SSL_OP_NO_TICKET) && SSL_get_max_early_data(ssl) == 0)
                return 0;
        id = SSL_SESSION_get_id(sess, &id_len);
        len = i2d_SSL_SESSION(sess, NULL);
        if (!cache || id_len == 0 || len <= 0 || (size_t)len > sizeof(buf))
                return 0; /* too large (a long client certificate): a full handshake next */
        len = i2d_SSL_SESSION(sess, &p);
        if (len > 0)
                (void)tls_cache_put(cache, id, id_len, buf, (size_t)len, sl_clock_ms(),
                                    cache_lifetime_ms);
        return 0; /* OpenSSL keeps its reference */
}

static SSL_SESSION *get_cb(SSL *ssl, const unsigned char *id, int id_len, int *copy)
{
        unsigned char buf[TLS_CACHE_DATA_MAX];
        const unsigned char *p = buf;
        ssize_t n;

        (void)ssl;
        *copy = 0;
        if (!cache || id_len <= 0)
                return NULL;
        n = tls_cache_get(cache, id, (size_t)id_len, buf, sizeof(buf), sl_clock_ms());
        return n > 0 ? d2i_SSL_SESSION(NULL, &p, (long)n) : NULL;
}

static void remove_cb(SSL_CTX *ctx, SSL_SESSION *sess)
{
        const unsigned char *id;
        unsigned id_len = 0;

        (void)ctx;
        id = SSL_SESSION_get_id(sess, &id_len);
        if (cache && id_len)
                tls_cache_remove(cache, id, id_len, sl_clock_ms());
}

void tls_sess_cache_setup(SSL_CTX *ctx, const struct tls_shared *sh, unsigned entries)
{
        (void)sh;
        if (entries == 0) {
                /* tune.ssl.cachesize 0: no cache, as HAProxy */
                SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
                return;
        }
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL);
        SSL_CTX_sess_set_new_cb(ctx, new_cb);
        SSL_CTX_sess_set_get_cb(ctx, get_cb);
        SSL_CTX_sess_set_remove_cb(ctx, remove_cb);
}
