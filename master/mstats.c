/* The master's side of the node's statistics (mstats.h): the registry of objects, the
 * archive of finished workers' counts, the workers' rows, and their sum. master.c makes a
 * row before each fork and folds it when the worker is reaped; reexec.c carries everything
 * to the next image. Folding and reading both run in the master's one thread, so a reader
 * sees a finished worker's counts either in its row or in the archive, never in both. */
#include "mstats.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "master-t.h"
#include "model.h"
#include "region.h"
#include "stats.h"

#define KEY_SEP '\x1f' /* between a proxy's name and its server's or listener's */

struct mstats {
        char **keys;            /* owned, by gid: kind letter, then names */
        struct stats_blk *arch; /* owned, by gid: what finished workers counted */
        uint32_t n, cap;        /* gids given, room in @keys and @arch */
        uint32_t *slots;        /* owned hash table of gid + 1 (0: empty) */
        uint32_t n_slots;       /* a power of two, at least twice @n */
        /* the gids of the current generation's objects, by local index: every reader asks */
        uint32_t *cur;                 /* owned, or NULL */
        const struct cfg_gen *cur_gen; /* what @cur is for, with @cur_gen_no */
        unsigned cur_gen_no;
        /* the histogram bounds of the archive's buckets (n 0: not known yet): a reload
         * that changes them ("metrics-histogram-buckets") restarts the histograms, and a
         * row of other bounds adds its counters but not its histograms */
        uint32_t bounds[STATS_HBOUNDS];
        unsigned n_bounds;
};

/* The histogram bounds of generation @g */
static void gen_bounds(const struct cfg_gen *g, const uint32_t **ret, unsigned *ret_n)
{
        *ret = g->global.n_stats_bounds ? g->global.stats_bounds_ms : stats_default_bounds;
        *ret_n = g->global.n_stats_bounds ? g->global.n_stats_bounds : stats_n_default_bounds;
}

/* Are @row's buckets the archive's? */
static bool row_bounds_match(const struct mstats *s, const struct stats_row *row)
{
        if (row->n_bounds != s->n_bounds)
                return false;
        for (unsigned i = 0; i < s->n_bounds; i++)
                if (row->bound_ms[i] != s->bounds[i])
                        return false;
        return true;
}

/* The archive's bounds become the current generation's: a change empties its histograms */
static void arch_bounds(struct master *m, struct mstats *s)
{
        const uint32_t *b;
        unsigned n;

        gen_bounds(m->gen, &b, &n);
        if (s->n_bounds == n && memcmp(s->bounds, b, n * sizeof(*b)) == 0)
                return;
        if (s->n_bounds)
                sl_log(LOG_NOTICE, "statistics: the histograms' bounds changed: their buckets "
                                   "start again from 0");
        for (uint32_t i = 0; i < s->n; i++)
                memset(s->arch[i].h, 0, sizeof(s->arch[i].h));
        memcpy(s->bounds, b, n * sizeof(*b));
        s->n_bounds = n;
}

/* @b without its histograms, into @tmp, when its row's bounds are not the archive's */
static const struct stats_blk *blk_for(bool match, const struct stats_blk *b, struct stats_blk *tmp)
{
        if (match)
                return b;
        memcpy(tmp, b, sizeof(*tmp));
        memset(tmp->h, 0, sizeof(tmp->h));
        return tmp;
}

static uint64_t key_hash(const char *k)
{
        uint64_t h = 1469598103934665603ull; /* FNV-1a */

        for (; *k; k++)
                h = (h ^ (unsigned char)*k) * 1099511628211ull;
        return h;
}

static struct mstats *mstats_get(struct master *m)
{
        if (!m->stats)
                m->stats = calloc(1, sizeof(*m->stats));
        return m->stats;
}

static int table_grow(struct mstats *s)
{
        uint32_t n = s->n_slots ? s->n_slots * 2 : 1024;
        uint32_t *t = calloc(n, sizeof(*t));

        if (!t)
                return -ENOMEM;
        for (uint32_t gid = 0; gid < s->n; gid++) {
                uint32_t i = (uint32_t)key_hash(s->keys[gid]) & (n - 1);

                while (t[i])
                        i = (i + 1) & (n - 1);
                t[i] = gid + 1;
        }
        free(s->slots);
        s->slots = t;
        s->n_slots = n;
        return 0;
}

/* The gid of @key, registered (with an empty archive) if new; UINT32_MAX without memory. */
static uint32_t gid_of(struct mstats *s, const char *key)
{
        uint32_t i, gid;

        if (s->n_slots) {
                for (i = (uint32_t)key_hash(key) & (s->n_slots - 1); s->slots[i];
                     i = (i + 1) & (s->n_slots - 1))
                        if (strcmp(s->keys[s->slots[i] - 1], key) == 0)
                                return s->slots[i] - 1;
        }
        if (s->n >= STATS_MAX_OBJS)
                return UINT32_MAX;
        if (s->n == s->cap) {
                uint32_t cap = s->cap ? s->cap * 2 : 256;
                char **keys = realloc(s->keys, cap * sizeof(*keys));
                struct stats_blk *arch;

                if (!keys)
                        return UINT32_MAX;
                s->keys = keys;
                /* blocks are cache-line aligned: realloc() would not keep that */
                arch = aligned_alloc(64, cap * sizeof(*arch));
                if (!arch)
                        return UINT32_MAX;
                if (s->n)
                        memcpy(arch, s->arch, s->n * sizeof(*arch));
                memset(arch + s->n, 0, (cap - s->n) * sizeof(*arch));
                free(s->arch);
                s->arch = arch;
                s->cap = cap;
        }
        if ((s->n + 1) * 2 > s->n_slots && table_grow(s) < 0)
                return UINT32_MAX;
        gid = s->n;
        s->keys[gid] = strdup(key);
        if (!s->keys[gid])
                return UINT32_MAX;
        s->n++;
        for (i = (uint32_t)key_hash(key) & (s->n_slots - 1); s->slots[i];
             i = (i + 1) & (s->n_slots - 1))
                ;
        s->slots[i] = gid + 1;
        return gid;
}

/* The key of object @local of @g into @key. */
static void key_of(const struct cfg_gen *g, uint32_t local, char *key, size_t size)
{
        if (local == CFG_STATS_PROC) {
                snprintf(key, size, "P");
                return;
        }
        for (size_t i = 0; i < g->n_proxies; i++) {
                const struct cfg_proxy *px = g->proxies[i];

                if (local == px->st_fe) {
                        snprintf(key, size, "F%s", px->name);
                        return;
                }
                if (local == px->st_be) {
                        snprintf(key, size, "B%s", px->name);
                        return;
                }
                if (local >= px->st_srv && local < px->st_srv + px->n_servers) {
                        snprintf(key, size, "S%s%c%s", px->name, KEY_SEP,
                                 px->servers[local - px->st_srv].name);
                        return;
                }
                if (local >= px->st_lis && local < px->st_lis + px->n_binds) {
                        const struct cfg_bind *b = &px->binds[local - px->st_lis];

                        /* a bind without a name is known by its position */
                        if (b->name)
                                snprintf(key, size, "L%s%cn%s", px->name, KEY_SEP, b->name);
                        else
                                snprintf(key, size, "L%s%c#%u", px->name, KEY_SEP,
                                         local - px->st_lis);
                        return;
                }
        }
        snprintf(key, size, "?%u", local);
}

static uint32_t gid_lookup(struct mstats *s, const struct cfg_gen *g, uint32_t local)
{
        char key[1024];

        key_of(g, local, key, sizeof(key));
        return gid_of(s, key);
}

uint32_t mstats_gid(struct master *m, const struct cfg_gen *g, uint32_t local)
{
        struct mstats *s = mstats_get(m);

        if (!s)
                return UINT32_MAX;
        if (g != m->gen || local >= g->n_stats_objs)
                return gid_lookup(s, g, local);
        if (s->cur_gen != g || s->cur_gen_no != m->gen_no || !s->cur) {
                uint32_t *cur = malloc(g->n_stats_objs * sizeof(*cur));

                if (!cur)
                        return gid_lookup(s, g, local);
                for (uint32_t i = 0; i < g->n_stats_objs; i++)
                        cur[i] = gid_lookup(s, g, i);
                free(s->cur);
                s->cur = cur;
                s->cur_gen = g;
                s->cur_gen_no = m->gen_no;
        }
        return s->cur[local];
}

void mstats_spawn_row(struct master *m, unsigned slot)
{
        const struct cfg_gen *g = m->gen;
        uint32_t n = g->n_stats_objs, *gids = malloc(n * sizeof(*gids));
        int r = -ENOMEM;

        m->spawn_stats = NULL;
        m->spawn_stats_row = NULL;
        if (!gids)
                goto fail;
        if (mstats_get(m))
                arch_bounds(m, m->stats);
        for (uint32_t i = 0; i < n; i++) {
                gids[i] = mstats_gid(m, g, i);
                if (gids[i] == UINT32_MAX)
                        goto fail;
        }
        if (g->global.n_stats_bounds)
                r = stats_row_create(m->gen_no, slot, n, gids, g->global.stats_bounds_ms,
                                     g->global.n_stats_bounds, &m->spawn_stats,
                                     &m->spawn_stats_row);
        else
                r = stats_row_create(m->gen_no, slot, n, gids, stats_default_bounds,
                                     stats_n_default_bounds, &m->spawn_stats, &m->spawn_stats_row);
        if (r < 0)
                goto fail;
        free(gids);
        return;
fail:
        free(gids);
        log_errno(LOG_ERR, r,
                  "cannot make the statistics of the worker of slot %u: the node's "
                  "figures will miss what it counts",
                  slot);
}

void mstats_spawned(struct master *m, struct mworker *mw)
{
        mw->st_region = m->spawn_stats;
        mw->st_row = m->spawn_stats_row;
        m->spawn_stats = NULL;
        m->spawn_stats_row = NULL;
}

void mstats_worker_gone(struct master *m, struct mworker *mw)
{
        struct stats_row *row = mw->st_row;
        struct mstats *s = m->stats;

        if (row && s) {
                const uint32_t *gids = stats_row_gids(row);
                bool match = row_bounds_match(s, row);
                struct stats_blk tmp;

                for (uint32_t i = 0; i < row->n_objs; i++)
                        if (gids[i] < s->n)
                                stats_blk_fold(&s->arch[gids[i]],
                                               blk_for(match, stats_row_blk(row, i), &tmp));
        }
        mw->st_row = NULL;
        mw->st_region = shm_region_free(mw->st_region);
}

struct stats_sum *mstats_sum(struct master *m, uint64_t now_ms, uint32_t *ret_n)
{
        struct mstats *s = mstats_get(m);
        struct stats_sum *sums;
        struct sl_list *pos;

        if (!s)
                return NULL;
        sums = calloc(s->n ? s->n : 1, sizeof(*sums));
        if (!sums)
                return NULL;
        for (uint32_t i = 0; i < s->n; i++)
                stats_sum_add(&sums[i], &s->arch[i], false, now_ms);
        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);
                struct stats_row *row = mw->st_row;
                const uint32_t *gids;
                struct stats_blk tmp;
                bool match;

                if (!row)
                        continue;
                gids = stats_row_gids(row);
                match = row_bounds_match(s, row);
                for (uint32_t i = 0; i < row->n_objs; i++)
                        if (gids[i] < s->n)
                                stats_sum_add(&sums[gids[i]],
                                              blk_for(match, stats_row_blk(row, i), &tmp), true,
                                              now_ms);
        }
        *ret_n = s->n;
        return sums;
}

int64_t mstats_worker_gauge(const struct mworker *mw, uint32_t local, unsigned g)
{
        struct stats_row *row = mw->st_row;

        if (!row || local >= row->n_objs || g >= ST_G_COUNT)
                return 0;
        return stats_row_blk(row, local)->g[g];
}

/* What a frontend adds to the process's figures */
static void add_frontend(struct stats_sum *p, const struct stats_sum *fe)
{
        p->c[ST_C_CONN_TOT] += fe->c[ST_C_CONN_TOT];
        p->c[ST_C_REQ_TOT] += fe->c[ST_C_REQ_TOT];
        p->g[ST_G_CUR] += fe->g[ST_G_CUR];
        p->mx[ST_M_CUR] += fe->mx[ST_M_CUR];
        p->rate[ST_R_CONN] += fe->rate[ST_R_CONN];
        p->rate[ST_R_SESS] += fe->rate[ST_R_SESS];
        p->mx[ST_M_CONN_RATE] += fe->mx[ST_M_CONN_RATE];
        p->mx[ST_M_RATE] += fe->mx[ST_M_RATE];
}

void mstats_process(struct master *m, const struct stats_sum *sums, uint32_t n,
                    struct stats_sum *ret)
{
        struct mstats *s = m->stats;
        uint32_t gid = mstats_gid(m, m->gen, CFG_STATS_PROC);

        memset(ret, 0, sizeof(*ret));
        if (gid < n)
                *ret = sums[gid];
        for (uint32_t i = 0; s && i < s->n && i < n; i++)
                if (s->keys[i][0] == 'F')
                        add_frontend(ret, &sums[i]);
}

long long mstats_old_conns(struct master *m)
{
        struct mstats *s = m->stats;
        struct sl_list *pos;
        long long n = 0;

        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);
                const uint32_t *gids;

                if (!mw->st_row || mw->gone || mw->gen == m->gen_no || !s)
                        continue;
                gids = stats_row_gids(mw->st_row);
                for (uint32_t i = 0; i < mw->st_row->n_objs; i++)
                        if (gids[i] < s->n && s->keys[gids[i]][0] == 'F')
                                n += __atomic_load_n(&stats_row_blk(mw->st_row, i)->g[ST_G_CUR],
                                                     __ATOMIC_RELAXED);
        }
        return n > 0 ? n : 0;
}

void mstats_workers(struct master *m, unsigned *ret_current, unsigned *ret_old)
{
        struct sl_list *pos;
        unsigned cur = 0, old = 0;

        sl_list_for_each(pos, &m->workers) {
                struct mworker *mw = sl_list_entry(pos, struct mworker, link);

                if (mw->gone)
                        continue;
                if (mw->gen == m->gen_no)
                        cur++;
                else
                        old++;
        }
        *ret_current = cur;
        *ret_old = old;
}

int mstats_save(struct master *m, json_t *st)
{
        struct mstats *s = m->stats;
        json_t *keys;
        size_t size;
        int fd;

        if (!s || !s->n)
                return 0;
        keys = json_array();
        if (!keys)
                return -ENOMEM;
        for (uint32_t i = 0; i < s->n; i++)
                json_array_append_new(keys, json_string(s->keys[i]));
        json_object_set_new(st, "stats_keys", keys);
        json_object_set_new(st, "stats_layout", json_integer(STATS_LAYOUT));
        {
                json_t *b = json_array();

                for (unsigned i = 0; b && i < s->n_bounds; i++)
                        json_array_append_new(b, json_integer(s->bounds[i]));
                json_object_set_new(st, "stats_bounds", b);
        }
        /* the archive as it is in memory: the next image checks the layout */
        fd = memfd_create("sluice-stats-archive", 0);
        if (fd < 0)
                return -errno;
        size = (size_t)s->n * sizeof(*s->arch);
        if (write(fd, s->arch, size) != (ssize_t)size) {
                int err = -errno;

                close(fd);
                return err ? err : -EIO;
        }
        json_object_set_new(st, "stats_archive", json_integer(fd));
        return 0;
}

int mstats_restore(struct master *m, json_t *st)
{
        json_t *keys = json_object_get(st, "stats_keys"), *v;
        int fd = (int)json_integer_value(json_object_get(st, "stats_archive"));
        struct mstats *s;
        size_t i;

        if (!keys)
                return 0;
        if (json_integer_value(json_object_get(st, "stats_layout")) != STATS_LAYOUT) {
                sl_log(LOG_WARNING, "re-executed master: the statistics of the previous program "
                                    "have another layout: counters start again from 0");
                if (fd > 0)
                        close(fd);
                return 0;
        }
        s = mstats_get(m);
        if (!s)
                return -ENOMEM;
        json_array_foreach(keys, i, v)
        {
                if (gid_of(s, json_string_value(v) ?: "?") != i)
                        return -ENOMEM;
        }
        /* the archive's histogram bounds; a program that did not say had the defaults */
        s->n_bounds = 0;
        if (!json_object_get(st, "stats_bounds")) {
                memcpy(s->bounds, stats_default_bounds,
                       stats_n_default_bounds * sizeof(*s->bounds));
                s->n_bounds = stats_n_default_bounds;
        }
        json_array_foreach(json_object_get(st, "stats_bounds"), i, v)
        {
                if (i < STATS_HBOUNDS) {
                        s->bounds[i] = (uint32_t)json_integer_value(v);
                        s->n_bounds = (unsigned)i + 1;
                }
        }
        if (fd > 0) {
                size_t size = (size_t)s->n * sizeof(*s->arch);

                if (pread(fd, s->arch, size, 0) != (ssize_t)size)
                        sl_log(LOG_WARNING, "re-executed master: the statistics archive is "
                                            "short: finished workers' counts are lost");
                close(fd);
        }
        return 0;
}

int mstats_restore_row(struct master *m, struct mworker *mw, int fd)
{
        struct shm_region *r;
        struct stats_row *row;

        (void)m;
        if (fd < 0)
                return 0;
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
        if (shm_region_open(fd, STATS_ROW_KIND, mw->gen, &r) < 0)
                return -EPROTO;
        if (stats_row_attach(r, &row) < 0) {
                shm_region_free(r);
                return -EPROTO;
        }
        mw->st_region = r;
        mw->st_row = row;
        return 0;
}

void mstats_free(struct master *m)
{
        struct mstats *s = m->stats;

        if (!s)
                return;
        for (uint32_t i = 0; i < s->n; i++)
                free(s->keys[i]);
        free(s->keys);
        free(s->arch);
        free(s->slots);
        free(s->cur);
        free(s);
        m->stats = NULL;
}

unsigned mstats_maxconn(const struct master *m)
{
        return m->maxconn ? m->maxconn : m->gen->global.maxconn;
}
