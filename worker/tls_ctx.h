#pragma once
/* TLS contexts of one configuration generation: an OpenSSL context per certificate of every
 * "bind ... ssl" line (the SNI picks one), and one per "server ... ssl". The master builds
 * them when it loads the configuration, as root, so that keys may be readable by root only
 * and a bad file fails the load (or the reload, which then changes nothing); workers inherit
 * them across fork() and never read a key file.
 *
 * Session tickets are encrypted with keys the master keeps in shared memory (shm/tls_keys.h),
 * the same in every worker and every generation, so a client resumes whichever worker it
 * reaches, before and after a reload; a bind with tls-ticket-keys uses its file's keys. */

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "diag.h"
#include "model.h"

struct tls_keys;
struct tls_cache;
struct tls_set;
struct tls_bind;
struct tls_srv;

/* What the master shares with every worker; either may be NULL (then each process keeps its
 * own: tests, and `sluice -c`, which serves nothing). */
struct tls_shared {
        struct tls_keys *keys;   /* ticket keys, rotated by the master */
        struct tls_cache *cache; /* sessions by ID (TLS 1.2 without tickets, TLS 1.3
                                  * stateful tickets) */
};

/* Build every context of @g. Each problem is added to @d with the file and line of the
 * keyword (or crt-list line) it comes from; warnings (an expired certificate) do not fail.
 * Returns 0 and *ret (NULL when @g has no TLS at all), or -EINVAL after errors, -ENOMEM. */
int tls_set_build(const struct cfg_gen *g, const struct tls_shared *sh, struct cfg_diags *d,
                  struct tls_set **ret);

/* Free @s (accepts NULL); returns NULL. Connections made from it must be gone. */
struct tls_set *tls_set_free(struct tls_set *s);

/* The contexts of bind line @b, or NULL when it does not terminate TLS. */
const struct tls_bind *tls_set_bind(const struct tls_set *s, const struct cfg_bind *b);

/* The bind line @tb was built for. */
const struct cfg_bind *tls_bind_cfg(const struct tls_bind *tb);

/* The certificates @tb serves: how many, and the @i-th's leaf (borrowed; NULL past the
 * end) with the file it came from (its crt or crt-list line's path, borrowed). */
size_t tls_bind_n_certs(const struct tls_bind *tb);
X509 *tls_bind_cert(const struct tls_bind *tb, size_t i, const char **path);

/* A new server-side connection for a client accepted on @tb; NULL when out of memory. */
SSL *tls_bind_new_ssl(const struct tls_bind *tb);

/* The context of server @srv, or NULL when it does not speak TLS. */
struct tls_srv *tls_set_server(const struct tls_set *s, const struct cfg_server *srv);
/* The context @srv's health checks use: its own, or one made for "check-ssl" alone; NULL
 * when its checks do not speak TLS. */
struct tls_srv *tls_set_check_server(const struct tls_set *s, const struct cfg_server *srv);

/* A new client-side connection to the server of @ts, sending @sni (NULL or "": none), which
 * also names the host its certificate must match when verification is on and no verifyhost
 * is set. Resumes the server's last session unless no-ssl-reuse. NULL when out of memory. */
SSL *tls_srv_new_ssl(struct tls_srv *ts, const char *sni);

/* The shared session cache this process stores sessions in (the master's, mapped before
 * fork), and their lifetime (tune.ssl.lifetime, 0: the default); NULL: sessions are not kept
 * by ID (tickets still resume them). */
void tls_sess_use_cache(struct tls_cache *c, unsigned lifetime_s);

/* Ticket keys of the process: a private ring with random keys, for a worker that has no
 * shared one. */
struct tls_keys *tls_private_keys(void);
