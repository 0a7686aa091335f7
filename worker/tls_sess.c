/* Sessions by ID for binds (tls_ctx-int.h): OpenSSL's cache of the process until the shared
 * cache is given. */
#include "tls_ctx-int.h"
#include "tls_ctx.h"

void tls_sess_cache_setup(SSL_CTX *ctx, const struct tls_shared *sh, unsigned entries)
{
        (void)sh;
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
        SSL_CTX_sess_set_cache_size(ctx, entries);
}
