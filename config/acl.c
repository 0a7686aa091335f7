/* ACL matchers: pure functions over the compiled model, run by workers
 * for every rule condition. The compiler is in kw_acl.c. */
#include "acl.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>
#include <sys/socket.h>

#include "macros.h"
#include "pat_index.h"
#include "stkt_types.h"

enum cfg_smp_type cfg_match_type(enum cfg_match m)
{
        switch (m) {
        case CFG_MATCH_INT:
        case CFG_MATCH_BOOL:
                return CFG_SMP_INT;
        case CFG_MATCH_IP:
                return CFG_SMP_IP;
        case CFG_MATCH_FOUND:
                return CFG_SMP_ANY;
        case CFG_MATCH_BIN:
                return CFG_SMP_BIN;
        case CFG_MATCH_STR:
        case CFG_MATCH_BEG:
        case CFG_MATCH_END:
        case CFG_MATCH_SUB:
        case CFG_MATCH_REG:
        case CFG_MATCH_DIR:
        case CFG_MATCH_DOM:
        case CFG_MATCH_LEN:
        case CFG_MATCH_AUTH:
                break;
        }
        return CFG_SMP_STR;
}

static inline unsigned char lower(unsigned char c)
{
        return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

static bool bytes_eq(const char *a, const char *b, size_t n, bool icase)
{
        if (!icase)
                return memcmp(a, b, n) == 0;
        for (size_t i = 0; i < n; i++)
                if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
                        return false;
        return true;
}

static bool str_sub(struct sl_str hay, struct sl_str needle, bool icase)
{
        if (needle.len > hay.len)
                return false;
        for (size_t i = 0; i + needle.len <= hay.len; i++)
                if (bytes_eq(hay.ptr + i, needle.ptr, needle.len, icase))
                        return true;
        return false;
}

/* HAProxy's match_dir/match_dom: the pattern appears in @s delimited by @delim (or the ends)
 * on both sides; the pattern itself may contain delimiters. */
static bool str_delimited(struct sl_str s, struct sl_str pat, char delim, bool icase)
{
        /* the pattern without leading and trailing delimiters */
        while (pat.len && pat.ptr[0] == delim) {
                pat.ptr++;
                pat.len--;
        }
        while (pat.len && pat.ptr[pat.len - 1] == delim)
                pat.len--;
        if (pat.len == 0 || pat.len > s.len)
                return false;
        for (size_t i = 0; i + pat.len <= s.len; i++) {
                if ((i == 0 || s.ptr[i - 1] == delim) &&
                    (i + pat.len == s.len || s.ptr[i + pat.len] == delim) &&
                    bytes_eq(s.ptr + i, pat.ptr, pat.len, icase))
                        return true;
        }
        return false;
}

static bool ip_in(const struct cfg_pattern *p, const struct cfg_smp_value *v)
{
        const uint8_t *addr = v->addr;
        uint8_t mapped[16];
        unsigned full, rest;

        /* An IPv4 pattern matches an IPv4-mapped IPv6 address and the reverse (HAProxy). */
        if (p->family != v->family) {
                static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

                if (p->family == AF_INET && v->family == AF_INET6 &&
                    memcmp(v->addr, prefix, 12) == 0) {
                        memcpy(mapped, v->addr + 12, 4);
                        addr = mapped;
                } else if (p->family == AF_INET6 && v->family == AF_INET) {
                        memcpy(mapped, prefix, 12);
                        memcpy(mapped + 12, v->addr, 4);
                        addr = mapped;
                        if (memcmp(p->addr, prefix, 12) != 0)
                                return false;
                } else {
                        return false;
                }
        }
        full = p->prefix / 8;
        rest = p->prefix % 8;
        if (memcmp(addr, p->addr, full) != 0)
                return false;
        if (rest) {
                uint8_t mask = (uint8_t)(0xff << (8 - rest));

                return (addr[full] & mask) == p->addr[full];
        }
        return true;
}

static bool pattern_match(const struct cfg_acl_expr *e, const struct cfg_pattern *p,
                          const struct cfg_smp_value *v)
{
        struct sl_str s = v->str;

        switch (e->match) {
        case CFG_MATCH_STR:
                return s.len == p->str.len && bytes_eq(s.ptr, p->str.ptr, s.len, e->icase);
        case CFG_MATCH_BEG:
                return s.len >= p->str.len && bytes_eq(s.ptr, p->str.ptr, p->str.len, e->icase);
        case CFG_MATCH_END:
                return s.len >= p->str.len &&
                       bytes_eq(s.ptr + s.len - p->str.len, p->str.ptr, p->str.len, e->icase);
        case CFG_MATCH_SUB:
                return str_sub(s, p->str, e->icase);
        case CFG_MATCH_DIR:
                return str_delimited(s, p->str, '/', e->icase);
        case CFG_MATCH_DOM:
                return str_delimited(s, p->str, '.', e->icase);
        case CFG_MATCH_REG: {
                /* One match block per process, made on first use: a worker is single-threaded
                 * and only asks whether there is a match, so one ovector pair suffices. */
                static pcre2_match_data *md;

                if (!md)
                        md = pcre2_match_data_create(1, NULL);
                if (!md)
                        return false;
                return pcre2_match(p->re, (PCRE2_SPTR)(s.ptr ? s.ptr : ""), s.len, 0, 0, md,
                                   NULL) >= 0;
        }
        case CFG_MATCH_LEN:
                return (int64_t)s.len >= p->lo && (int64_t)s.len <= p->hi;
        case CFG_MATCH_INT:
                return v->i >= p->lo && v->i <= p->hi;
        case CFG_MATCH_IP:
                return ip_in(p, v);
        case CFG_MATCH_BIN:
                return s.len == p->str.len && (s.len == 0 || memcmp(s.ptr, p->str.ptr, s.len) == 0);
        case CFG_MATCH_FOUND:
        case CFG_MATCH_BOOL:
        case CFG_MATCH_AUTH: /* auth_find() */
                break;
        }
        return false;
}

long cfg_acl_expr_find(const struct cfg_acl_expr *e, const struct cfg_smp_value *v)
{
        if ((e->match == CFG_MATCH_IP) != (v->type == CFG_SMP_IP))
                return -1;
        if (e->match == CFG_MATCH_INT && v->type != CFG_SMP_INT && v->type != CFG_SMP_BOOL)
                return -1;
        /* the user's groups are in the userlist: the worker matches them
         * (http_auth_group_match()) */
        if (e->match == CFG_MATCH_AUTH)
                return -1;
        if (cfg_pat_index_used(&e->index, e->match))
                return cfg_pat_index_find(&e->index, e->match, e->icase, e->pats, v);
        for (size_t i = 0; i < e->n_pats; i++)
                if (pattern_match(e, &e->pats[i], v))
                        return (long)i;
        return -1;
}

bool cfg_acl_expr_match(const struct cfg_acl_expr *e, const struct cfg_smp_value *v)
{
        if (e->match == CFG_MATCH_FOUND)
                return true;
        if (e->match == CFG_MATCH_BOOL)
                return v->i != 0;
        return cfg_acl_expr_find(e, v) >= 0;
}

bool cfg_cond_eval(const struct cfg_cond *c, cfg_acl_value_fn *acl_value, void *data)
{
        bool any = false;

        if (!c)
                return true;
        for (size_t i = 0; i < c->n_ands && !any; i++) {
                const struct cfg_cond_and *a = &c->ands[i];
                bool all = true;

                for (size_t j = 0; j < a->n_terms && all; j++)
                        all = acl_value(data, a->terms[j].acl) != a->terms[j].negate;
                any = all;
        }
        return any != c->unless;
}
