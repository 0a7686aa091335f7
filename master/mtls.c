/* The master's TLS state (see mtls.h). */
#include "mtls.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include <openssl/rand.h>

#include "check.h"
#include "clock.h"
#include "log.h"
#include "master-t.h"
#include "region.h"
#include "tls_cache.h"
#include "tls_ctx.h"
#include "tls_keys.h"

#define KEYS_KIND     "tls-ticket-keys"
/* Keys rotate every tune.ssl.lifetime, within these bounds: a ticket stays readable for at
 * least one period after its key stopped encrypting (tls_keys.h), and keys older than the
 * upper bound never protect new sessions (HAProxy's advice: rotate every 12 h at most). */
#define ROTATE_MIN_MS (60u * 1000)
#define ROTATE_MAX_MS (12u * 3600 * 1000)

static uint64_t rotate_period(const struct master *m)
{
        uint64_t ms = m->gen && m->gen->global.tls.lifetime_s
                              ? (uint64_t)m->gen->global.tls.lifetime_s * 1000
                              : (uint64_t)CFG_TLS_LIFETIME_DEFAULT_S * 1000;

        return ms < ROTATE_MIN_MS ? ROTATE_MIN_MS : ms > ROTATE_MAX_MS ? ROTATE_MAX_MS : ms;
}

void mtls_rotate(struct master *m)
{
        struct tls_key k = {.bits = 256};

        if (!m->tls_keys)
                return;
        if (RAND_priv_bytes(k.name, sizeof(k.name)) != 1 ||
            RAND_priv_bytes(k.aes, sizeof(k.aes)) != 1 ||
            RAND_priv_bytes(k.hmac, sizeof(k.hmac)) != 1) {
                sl_log(LOG_ERR, "TLS ticket keys: no random bytes; keeping the current keys");
                return;
        }
        tls_keys_push(m->tls_keys, &k, sl_clock_wall_us() / 1000);
}

static void on_rotate(struct loop_timer *t)
{
        struct master *m = sl_container_of(t, struct master, tls_rotate);

        mtls_rotate(m);
        loop_timer_arm(&m->tls_rotate, rotate_period(m));
}

static int start(struct master *m)
{
        if (loop_timer_init(m->loop, &m->tls_rotate, on_rotate) < 0)
                return -ENOMEM;
        m->tls_keys = shm_region_payload(m->tls_region);
        while (tls_keys_count(m->tls_keys) < TLS_KEYS_LIVE)
                mtls_rotate(m);
        loop_timer_arm(&m->tls_rotate, rotate_period(m));
        return 0;
}

int mtls_setup(struct master *m)
{
        int r = shm_region_create(KEYS_KIND, 0, sizeof(struct tls_keys), &m->tls_region);

        return r < 0 ? r : start(m);
}

int mtls_resume(struct master *m, int fd)
{
        if (fd < 0)
                return mtls_setup(m);
        if (shm_region_open(fd, KEYS_KIND, 0, &m->tls_region) < 0)
                return mtls_setup(m); /* new keys: resumption fails once, nothing else */
        return start(m);
}

#define CACHE_KIND "tls-session-cache"

static unsigned cache_entries(const struct cfg_gen *g)
{
        bool tls = false;

        for (size_t i = 0; i < g->n_proxies && !tls; i++)
                for (size_t j = 0; j < g->proxies[i]->n_binds; j++)
                        tls = tls || g->proxies[i]->binds[j].tls.ssl;
        if (!tls)
                return 0;
        return g->global.tls.cachesize_set ? g->global.tls.cachesize : CFG_TLS_CACHESIZE_DEFAULT;
}

int mtls_cache_apply(struct master *m, const struct cfg_gen *g)
{
        /* whole buckets, as the cache counts them */
        unsigned n = (cache_entries(g) + TLS_CACHE_WAYS - 1) / TLS_CACHE_WAYS * TLS_CACHE_WAYS;
        size_t size = tls_cache_size(n);
        int r;

        if (m->tls_cache && n && tls_cache_entries(m->tls_cache) == n)
                return 0;
        m->tls_cache = NULL;
        m->tls_cache_region = shm_region_free(m->tls_cache_region);
        if (!n)
                return 0;
        if (!size)
                return -EINVAL;
        /* the definition is the size: a re-executed master maps only a cache it understands */
        r = shm_region_create(CACHE_KIND, n, size, &m->tls_cache_region);
        if (r < 0)
                return r;
        r = tls_cache_init(shm_region_payload(m->tls_cache_region),
                           shm_region_payload_size(m->tls_cache_region), n, &m->tls_cache);
        if (r < 0)
                m->tls_cache_region = shm_region_free(m->tls_cache_region);
        return r;
}

int mtls_cache_resume(struct master *m, int fd, unsigned entries)
{
        struct shm_region *r;

        if (fd < 0)
                return mtls_cache_apply(m, m->gen);
        if (shm_region_open(fd, CACHE_KIND, entries, &r) < 0 ||
            tls_cache_attach(shm_region_payload(r), shm_region_payload_size(r), &m->tls_cache) <
                    0) {
                /* another size: a new cache, the sessions of the old one are lost */
                return mtls_cache_apply(m, m->gen);
        }
        m->tls_cache_region = r;
        return 0;
}

int mtls_cache_fd(const struct master *m)
{
        return m->tls_cache_region ? m->tls_cache_region->fd : -1;
}

int mtls_keys_fd(const struct master *m)
{
        return m->tls_region ? m->tls_region->fd : -1;
}

int mtls_build_current(struct master *m, const struct cfg_gen *g)
{
        struct tls_shared sh = {.keys = m->tls_keys};
        struct cfg_diags d = {0};
        struct tls_set *set = NULL;
        int r = tls_set_build(g, &sh, &d, &set);

        /* the load before this one printed the warnings already */
        for (size_t i = 0; i < d.n; i++)
                if (d.v[i].severity == CFG_SEV_ERROR)
                        sl_log(LOG_ERR, "%s:%u: %s", d.v[i].file ? d.v[i].file : "-", d.v[i].line,
                               d.v[i].msg);
        cfg_diags_clear(&d);
        if (r < 0)
                return r;
        mtls_take(m, set);
        return 0;
}

void mtls_take(struct master *m, struct tls_set *set)
{
        tls_set_free(m->prev_tls);
        m->prev_tls = m->tls;
        m->tls = set;
}

void mtls_settle(struct master *m, bool keep)
{
        if (keep) {
                m->prev_tls = tls_set_free(m->prev_tls);
                return;
        }
        tls_set_free(m->tls);
        m->tls = m->prev_tls;
        m->prev_tls = NULL;
}

void mtls_free(struct master *m)
{
        if (m->tls_keys)
                loop_timer_deinit(&m->tls_rotate);
        m->tls = tls_set_free(m->tls);
        m->prev_tls = tls_set_free(m->prev_tls);
        m->tls_region = shm_region_free(m->tls_region);
        m->tls_keys = NULL;
        m->tls_cache_region = shm_region_free(m->tls_cache_region);
        m->tls_cache = NULL;
}
