/* ACL matchers and fetch metadata: pure functions over the compiled model, run by workers
 * for every rule condition. The compiler is in kw_acl.c. */
#include "acl.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>
#include <sys/socket.h>

#include "macros.h"
#include "stkt_types.h"

enum cfg_smp_type cfg_fetch_type(enum cfg_fetch f)
{
        switch (f) {
        case CFG_FETCH_SRC:
        case CFG_FETCH_DST:
        case CFG_FETCH_HDR_IP:
                return CFG_SMP_IP;
        case CFG_FETCH_SRC_PORT:
        case CFG_FETCH_DST_PORT:
        case CFG_FETCH_HDR_CNT:
        case CFG_FETCH_HDR_VAL:
        case CFG_FETCH_STATUS:
        case CFG_FETCH_SC:
        case CFG_FETCH_SRC_TBL:
                return CFG_SMP_INT;
        case CFG_FETCH_SC_TRACKED:
        case CFG_FETCH_SSL_FC:
        case CFG_FETCH_ALWAYS_TRUE:
        case CFG_FETCH_ALWAYS_FALSE:
                return CFG_SMP_BOOL;
        case CFG_FETCH_METHOD:
        case CFG_FETCH_PATH:
        case CFG_FETCH_QUERY:
        case CFG_FETCH_URL:
        case CFG_FETCH_HDR:
        case CFG_FETCH_FHDR:
                return CFG_SMP_STR;
        case CFG_FETCH_COUNT:
                break;
        }
        return CFG_SMP_STR;
}

const char *cfg_fetch_name(enum cfg_fetch f)
{
        switch (f) {
        case CFG_FETCH_SRC:
                return "src";
        case CFG_FETCH_SRC_PORT:
                return "src_port";
        case CFG_FETCH_DST:
                return "dst";
        case CFG_FETCH_DST_PORT:
                return "dst_port";
        case CFG_FETCH_SSL_FC:
                return "ssl_fc";
        case CFG_FETCH_ALWAYS_TRUE:
                return "always_true";
        case CFG_FETCH_ALWAYS_FALSE:
                return "always_false";
        case CFG_FETCH_METHOD:
                return "method";
        case CFG_FETCH_PATH:
                return "path";
        case CFG_FETCH_QUERY:
                return "query";
        case CFG_FETCH_URL:
                return "url";
        case CFG_FETCH_HDR:
                return "hdr";
        case CFG_FETCH_HDR_CNT:
                return "hdr_cnt";
        case CFG_FETCH_HDR_VAL:
                return "hdr_val";
        case CFG_FETCH_HDR_IP:
                return "hdr_ip";
        case CFG_FETCH_FHDR:
                return "fhdr";
        case CFG_FETCH_STATUS:
                return "status";
        case CFG_FETCH_SC:
                return "sc";
        case CFG_FETCH_SC_TRACKED:
                return "sc_tracked";
        case CFG_FETCH_SRC_TBL:
                return "src_";
        case CFG_FETCH_COUNT:
                break;
        }
        return "?";
}

unsigned cfg_fetch_at(enum cfg_fetch f)
{
        switch (f) {
        case CFG_FETCH_SRC:
        case CFG_FETCH_SRC_PORT:
        case CFG_FETCH_DST:
        case CFG_FETCH_DST_PORT:
        case CFG_FETCH_SSL_FC:
        case CFG_FETCH_ALWAYS_TRUE:
        case CFG_FETCH_ALWAYS_FALSE:
        case CFG_FETCH_SC:
        case CFG_FETCH_SC_TRACKED:
        case CFG_FETCH_SRC_TBL:
                return CFG_FETCH_AT_CONN | CFG_FETCH_AT_REQ | CFG_FETCH_AT_RES;
        case CFG_FETCH_METHOD:
        case CFG_FETCH_PATH:
        case CFG_FETCH_QUERY:
        case CFG_FETCH_URL:
                return CFG_FETCH_AT_REQ | CFG_FETCH_AT_RES;
        case CFG_FETCH_HDR:
        case CFG_FETCH_HDR_CNT:
        case CFG_FETCH_HDR_VAL:
        case CFG_FETCH_HDR_IP:
        case CFG_FETCH_FHDR:
                return CFG_FETCH_AT_REQ | CFG_FETCH_AT_RES;
        case CFG_FETCH_STATUS:
                return CFG_FETCH_AT_RES;
        case CFG_FETCH_COUNT:
                break;
        }
        return 0;
}

/* The stick-table counters fetches read, by their HAProxy suffix (sc0_<what>, src_<what>). */
static const struct {
        const char *name;
        enum stkt_data_type dt;
        enum cfg_stk_op op;
} stk_whats[] = {
        {"conn_cnt", STKT_DT_CONN_CNT, CFG_STK_GET},
        {"conn_cur", STKT_DT_CONN_CUR, CFG_STK_GET},
        {"conn_rate", STKT_DT_CONN_RATE, CFG_STK_GET},
        {"sess_cnt", STKT_DT_SESS_CNT, CFG_STK_GET},
        {"sess_rate", STKT_DT_SESS_RATE, CFG_STK_GET},
        {"http_req_cnt", STKT_DT_HTTP_REQ_CNT, CFG_STK_GET},
        {"http_req_rate", STKT_DT_HTTP_REQ_RATE, CFG_STK_GET},
        {"http_err_cnt", STKT_DT_HTTP_ERR_CNT, CFG_STK_GET},
        {"http_err_rate", STKT_DT_HTTP_ERR_RATE, CFG_STK_GET},
        {"http_fail_cnt", STKT_DT_HTTP_FAIL_CNT, CFG_STK_GET},
        {"http_fail_rate", STKT_DT_HTTP_FAIL_RATE, CFG_STK_GET},
        {"bytes_in_rate", STKT_DT_BYTES_IN_RATE, CFG_STK_GET},
        {"bytes_out_rate", STKT_DT_BYTES_OUT_RATE, CFG_STK_GET},
        {"kbytes_in", STKT_DT_BYTES_IN_CNT, CFG_STK_KBYTES},
        {"kbytes_out", STKT_DT_BYTES_OUT_CNT, CFG_STK_KBYTES},
        {"gpc0_rate", STKT_DT_GPC0_RATE, CFG_STK_GET},
        {"gpc1_rate", STKT_DT_GPC1_RATE, CFG_STK_GET},
        {"get_gpc0", STKT_DT_GPC0, CFG_STK_GET},
        {"get_gpc1", STKT_DT_GPC1, CFG_STK_GET},
        {"get_gpt0", STKT_DT_GPT0, CFG_STK_GET},
        {"inc_gpc0", STKT_DT_GPC0, CFG_STK_INC},
        {"inc_gpc1", STKT_DT_GPC1, CFG_STK_INC},
        {"clr_gpc0", STKT_DT_GPC0, CFG_STK_CLR},
        {"clr_gpc1", STKT_DT_GPC1, CFG_STK_CLR},
};

enum cfg_smp_type cfg_sample_type(const struct cfg_sample *smp)
{
        return smp->table_conv ? CFG_SMP_INT : cfg_fetch_type(smp->fetch);
}

bool cfg_sample_uses_table(const struct cfg_sample *smp)
{
        return smp->table_conv || smp->fetch == CFG_FETCH_SC ||
               smp->fetch == CFG_FETCH_SC_TRACKED || smp->fetch == CFG_FETCH_SRC_TBL;
}

bool cfg_stk_what_parse(const char *name, size_t len, unsigned *ret_dt, enum cfg_stk_op *ret_op)
{
        for (size_t i = 0; i < SL_ARRAY_SIZE(stk_whats); i++) {
                if (strlen(stk_whats[i].name) == len && memcmp(stk_whats[i].name, name, len) == 0) {
                        *ret_dt = stk_whats[i].dt;
                        *ret_op = stk_whats[i].op;
                        return true;
                }
        }
        return false;
}

const char *cfg_stk_what_name(unsigned dt, enum cfg_stk_op op)
{
        for (size_t i = 0; i < SL_ARRAY_SIZE(stk_whats); i++)
                if (stk_whats[i].dt == dt && stk_whats[i].op == op)
                        return stk_whats[i].name;
        return "?";
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
        case CFG_MATCH_FOUND:
        case CFG_MATCH_BOOL:
                break;
        }
        return false;
}

bool cfg_acl_expr_match(const struct cfg_acl_expr *e, const struct cfg_smp_value *v)
{
        if (e->match == CFG_MATCH_FOUND)
                return true;
        if (e->match == CFG_MATCH_BOOL)
                return v->i != 0;
        if ((e->match == CFG_MATCH_IP) != (v->type == CFG_SMP_IP))
                return false;
        if (e->match == CFG_MATCH_INT && v->type != CFG_SMP_INT && v->type != CFG_SMP_BOOL)
                return false;
        for (size_t i = 0; i < e->n_pats; i++)
                if (pattern_match(e, &e->pats[i], v))
                        return true;
        return false;
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
