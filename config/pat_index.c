/* Pattern indexes (see pat_index.h): built at load in the generation's arena, read by the
 * workers' matchers. */
#include "pat_index.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "arena.h"
#include "macros.h"

static inline unsigned char lower(unsigned char c)
{
        return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

/* FNV-1a over @s, lowercased with @icase. */
static uint64_t str_hash(struct sl_str s, bool icase)
{
        uint64_t h = 0xcbf29ce484222325ull;

        for (size_t i = 0; i < s.len; i++) {
                unsigned char c = (unsigned char)s.ptr[i];

                h ^= icase ? lower(c) : c;
                h *= 0x100000001b3ull;
        }
        return h;
}

static bool str_same(struct sl_str a, struct sl_str b, bool icase)
{
        if (a.len != b.len)
                return false;
        if (!icase)
                return a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0;
        for (size_t i = 0; i < a.len; i++)
                if (lower((unsigned char)a.ptr[i]) != lower((unsigned char)b.ptr[i]))
                        return false;
        return true;
}

bool cfg_pat_index_used(const struct cfg_pat_index *ix, enum cfg_match m)
{
        return (m == CFG_MATCH_STR || m == CFG_MATCH_BEG) ? ix->slots != NULL
               : m == CFG_MATCH_IP                        ? ix->n_groups > 0
                                                          : false;
}

static int cmp_u32_desc(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

        return x < y ? 1 : x > y ? -1 : 0;
}

static bool build_str(struct cfg_arena *a, enum cfg_match m, bool icase,
                      const struct cfg_pattern *pats, size_t n, struct cfg_pat_index *ix)
{
        size_t size = 8;

        while (size < 2 * n)
                size *= 2;
        ix->slots = cfg_arena_alloc(a, size * sizeof(*ix->slots));
        if (!ix->slots)
                return false;
        ix->mask = size - 1;
        for (size_t i = 0; i < n; i++) {
                size_t k = (size_t)str_hash(pats[i].str, icase) & ix->mask;

                while (ix->slots[k] && !str_same(pats[ix->slots[k] - 1].str, pats[i].str, icase))
                        k = (k + 1) & ix->mask;
                if (!ix->slots[k])
                        ix->slots[k] = (uint32_t)i + 1; /* else an equal one came first */
        }
        if (m != CFG_MATCH_BEG)
                return true;
        ix->lens = cfg_arena_alloc(a, (n ? n : 1) * sizeof(*ix->lens));
        if (!ix->lens)
                return false;
        for (size_t i = 0; i < n; i++)
                ix->lens[i] = (uint32_t)pats[i].str.len;
        qsort(ix->lens, n, sizeof(*ix->lens), cmp_u32_desc);
        for (size_t i = 0; i < n; i++)
                if (ix->n_lens == 0 || ix->lens[ix->n_lens - 1] != ix->lens[i])
                        ix->lens[ix->n_lens++] = ix->lens[i];
        return true;
}

static size_t addr_len(int family)
{
        return family == AF_INET ? 4 : 16;
}

/* Sort a group's pattern numbers by address, then by number. */
static int cmp_ip(const void *a, const void *b, void *data)
{
        const struct cfg_pattern *pats = data;
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        int r = memcmp(pats[x].addr, pats[y].addr, addr_len(pats[x].family));

        return r ? r : x < y ? -1 : x > y ? 1 : 0;
}

/* Groups: IPv4 first, longest prefix first. */
static int cmp_group(const void *a, const void *b)
{
        const struct cfg_pat_ip_group *x = a, *y = b;

        if (x->family != y->family)
                return x->family == AF_INET ? -1 : 1;
        return x->prefix < y->prefix ? 1 : x->prefix > y->prefix ? -1 : 0;
}

static struct cfg_pat_ip_group *group_of(struct cfg_pat_index *ix, const struct cfg_pattern *p)
{
        for (size_t g = 0; g < ix->n_groups; g++)
                if (ix->groups[g].family == p->family && ix->groups[g].prefix == p->prefix)
                        return &ix->groups[g];
        return NULL;
}

static bool build_ip(struct cfg_arena *a, const struct cfg_pattern *pats, size_t n,
                     struct cfg_pat_index *ix)
{
        /* at most 33 IPv4 and 129 IPv6 prefix lengths */
        ix->groups = cfg_arena_alloc(a, (33 + 129) * sizeof(*ix->groups));
        if (!ix->groups)
                return false;
        for (size_t i = 0; i < n; i++) {
                struct cfg_pat_ip_group *g = group_of(ix, &pats[i]);

                if (!g) {
                        g = &ix->groups[ix->n_groups++];
                        g->family = pats[i].family;
                        g->prefix = pats[i].prefix;
                }
                g->n++;
        }
        qsort(ix->groups, ix->n_groups, sizeof(*ix->groups), cmp_group);
        for (size_t g = 0; g < ix->n_groups; g++) {
                ix->groups[g].idx = cfg_arena_alloc(a, ix->groups[g].n * sizeof(uint32_t));
                if (!ix->groups[g].idx)
                        return false;
                ix->n_v4 += ix->groups[g].family == AF_INET;
                ix->groups[g].n = 0;
        }
        for (size_t i = 0; i < n; i++) {
                struct cfg_pat_ip_group *g = group_of(ix, &pats[i]);

                g->idx[g->n++] = (uint32_t)i;
        }
        for (size_t g = 0; g < ix->n_groups; g++)
                qsort_r(ix->groups[g].idx, ix->groups[g].n, sizeof(uint32_t), cmp_ip, (void *)pats);
        return true;
}

bool cfg_pat_index_build(struct cfg_arena *a, enum cfg_match m, bool icase,
                         const struct cfg_pattern *pats, size_t n, struct cfg_pat_index *ret)
{
        *ret = (struct cfg_pat_index){0};
        if (n == 0)
                return true;
        if (m == CFG_MATCH_STR || (m == CFG_MATCH_BEG && !icase))
                return build_str(a, m, icase, pats, n, ret);
        if (m == CFG_MATCH_IP)
                return build_ip(a, pats, n, ret);
        return true;
}

static long find_str(const struct cfg_pat_index *ix, bool icase, const struct cfg_pattern *pats,
                     struct sl_str s)
{
        size_t k = (size_t)str_hash(s, icase) & ix->mask;

        for (; ix->slots[k]; k = (k + 1) & ix->mask)
                if (str_same(pats[ix->slots[k] - 1].str, s, icase))
                        return (long)ix->slots[k] - 1;
        return -1;
}

/* @addr (@family's length) with its bits past @prefix cleared. */
static void mask_addr(const uint8_t *addr, size_t len, unsigned prefix, uint8_t *out)
{
        for (size_t i = 0; i < len; i++) {
                unsigned bits = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - i * 8 : 0;

                out[i] = bits ? (uint8_t)(addr[i] & (0xff << (8 - bits))) : 0;
        }
}

/* The first pattern of groups [@from, @to) holding @addr, longest prefix first, or -1. */
static long find_ip_groups(const struct cfg_pat_index *ix, size_t from, size_t to,
                           const struct cfg_pattern *pats, const uint8_t *addr, size_t len)
{
        for (size_t g = from; g < to; g++) {
                const struct cfg_pat_ip_group *grp = &ix->groups[g];
                uint8_t key[16];
                size_t lo = 0, hi = grp->n;

                mask_addr(addr, len, grp->prefix, key);
                /* the first entry not below @key */
                while (lo < hi) {
                        size_t mid = lo + (hi - lo) / 2;

                        if (memcmp(pats[grp->idx[mid]].addr, key, len) < 0)
                                lo = mid + 1;
                        else
                                hi = mid;
                }
                if (lo < grp->n && memcmp(pats[grp->idx[lo]].addr, key, len) == 0)
                        return grp->idx[lo];
        }
        return -1;
}

static long find_ip(const struct cfg_pat_index *ix, const struct cfg_pattern *pats,
                    const struct cfg_smp_value *v)
{
        static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        uint8_t mapped[16];
        long r;

        if (v->family == AF_INET) {
                r = find_ip_groups(ix, 0, ix->n_v4, pats, v->addr, 4);
                if (r >= 0 || ix->n_v4 == ix->n_groups)
                        return r;
                memcpy(mapped, v4mapped, 12);
                memcpy(mapped + 12, v->addr, 4);
                return find_ip_groups(ix, ix->n_v4, ix->n_groups, pats, mapped, 16);
        }
        r = find_ip_groups(ix, ix->n_v4, ix->n_groups, pats, v->addr, 16);
        if (r >= 0 || memcmp(v->addr, v4mapped, 12) != 0)
                return r;
        return find_ip_groups(ix, 0, ix->n_v4, pats, v->addr + 12, 4);
}

long cfg_pat_index_find(const struct cfg_pat_index *ix, enum cfg_match m, bool icase,
                        const struct cfg_pattern *pats, const struct cfg_smp_value *v)
{
        switch (m) {
        case CFG_MATCH_STR:
                return find_str(ix, icase, pats, v->str);
        case CFG_MATCH_BEG:
                for (size_t i = 0; i < ix->n_lens; i++) {
                        long r;

                        if (ix->lens[i] > v->str.len)
                                continue;
                        r = find_str(ix, icase, pats, sl_str_make(v->str.ptr, ix->lens[i]));
                        if (r >= 0)
                                return r;
                }
                return -1;
        case CFG_MATCH_IP:
                return find_ip(ix, pats, v);
        default:
                return -1;
        }
}
