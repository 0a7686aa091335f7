/* Sample fetches over a session and a stream (see sample.h): used by the rules, use_backend
 * and persistence (http_ana.c), and by access logs for %[...] nodes. */
#include "sample.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"
#include "session.h"
#include "stick.h"
#include "stream-t.h"

#define SAMPLE_MAX_VALUES 64

struct values {
        struct sl_str v[SAMPLE_MAX_VALUES];
        size_t n;
};

static bool name_eq(struct sl_str a, const char *b, size_t blen)
{
        return sl_str_ieq(a, sl_str_make(b, blen));
}

static void trim(struct sl_str *s)
{
        while (s->len && (s->ptr[0] == ' ' || s->ptr[0] == '\t')) {
                s->ptr++;
                s->len--;
        }
        while (s->len && (s->ptr[s->len - 1] == ' ' || s->ptr[s->len - 1] == '\t'))
                s->len--;
}

/* Every value of header @name in @hdrs: whole field lines for "full", else the
 * comma-separated elements of each line (HAProxy's hdr() vs fhdr()). */
static void header_values(const struct http_hdr *hdrs, size_t n, const char *name, size_t nlen,
                          bool full, struct values *out)
{
        out->n = 0;
        for (size_t i = 0; i < n && out->n < SAMPLE_MAX_VALUES; i++) {
                struct sl_str v = hdrs[i].value;

                if (!hdrs[i].name.ptr || !name_eq(hdrs[i].name, name, nlen))
                        continue;
                if (full) {
                        out->v[out->n++] = v;
                        continue;
                }
                while (out->n < SAMPLE_MAX_VALUES) {
                        const char *comma = memchr(v.ptr, ',', v.len);
                        struct sl_str e =
                                sl_str_make(v.ptr, comma ? (size_t)(comma - v.ptr) : v.len);

                        trim(&e);
                        out->v[out->n++] = e;
                        if (!comma)
                                break;
                        v.len -= (size_t)(comma - v.ptr) + 1;
                        v.ptr = comma + 1;
                }
        }
}

/* Keep only occurrence @occ (N > 0: Nth, -N: Nth from the end; 0: all). */
static void select_occ(struct values *vals, int occ)
{
        size_t idx;

        if (occ == 0)
                return;
        if (occ > 0) {
                if ((size_t)occ > vals->n) {
                        vals->n = 0;
                        return;
                }
                idx = (size_t)occ - 1;
        } else {
                if ((size_t)-occ > vals->n) {
                        vals->n = 0;
                        return;
                }
                idx = vals->n - (size_t)-occ;
        }
        vals->v[0] = vals->v[idx];
        vals->n = 1;
}

static void addr_value(const struct sockaddr_storage *ss, struct cfg_smp_value *v)
{
        v->type = CFG_SMP_IP;
        if (ss->ss_family == AF_INET) {
                v->family = AF_INET;
                memcpy(v->addr, &((const struct sockaddr_in *)ss)->sin_addr, 4);
        } else if (ss->ss_family == AF_INET6) {
                v->family = AF_INET6;
                memcpy(v->addr, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
        } else {
                v->family = AF_UNSPEC;
        }
}

static int64_t addr_port(const struct sockaddr_storage *ss)
{
        if (ss->ss_family == AF_INET)
                return ntohs(((const struct sockaddr_in *)ss)->sin_port);
        if (ss->ss_family == AF_INET6)
                return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
        return 0;
}

static bool str_to_int(struct sl_str s, int64_t *ret)
{
        char tmp[32];
        char *end;

        if (s.len == 0 || s.len >= sizeof(tmp))
                return false;
        memcpy(tmp, s.ptr, s.len);
        tmp[s.len] = '\0';
        *ret = strtoll(tmp, &end, 10);
        return *end == '\0';
}

static bool str_to_ip(struct sl_str s, struct cfg_smp_value *v)
{
        char tmp[INET6_ADDRSTRLEN + 1];

        if (s.len == 0 || s.len >= sizeof(tmp))
                return false;
        memcpy(tmp, s.ptr, s.len);
        tmp[s.len] = '\0';
        v->type = CFG_SMP_IP;
        if (inet_pton(AF_INET, tmp, v->addr) == 1) {
                v->family = AF_INET;
                return true;
        }
        if (inet_pton(AF_INET6, tmp, v->addr) == 1) {
                v->family = AF_INET6;
                return true;
        }
        return false;
}

/* Collect the string values of a header fetch for @smp. */
static bool header_fetch(const struct stream *st, const struct cfg_sample *smp, bool response,
                         struct values *vals)
{
        bool res = smp->dir == CFG_DIR_RES || (smp->dir == CFG_DIR_CTX && response);
        const struct http_msg *m;

        if (!st || !(st->flags & STRM_F_HTTP))
                return false;
        m = res ? &st->res : &st->req;
        header_values(m->hdrs, m->n_hdrs, smp->arg, smp->arg_len, smp->fetch == CFG_FETCH_FHDR,
                      vals);
        return true;
}

/* Apply lower/upper converters to @v, into @tmp when needed. */
static struct sl_str convert(const struct cfg_sample *smp, struct sl_str v, char *tmp, size_t sz)
{
        size_t n;

        if (!smp->n_conv)
                return v;
        n = SL_MIN(v.len, sz);
        for (size_t i = 0; i < n; i++) {
                char c = v.ptr[i];

                for (unsigned k = 0; k < smp->n_conv; k++) {
                        if (smp->conv[k] == CFG_CONV_LOWER && c >= 'A' && c <= 'Z')
                                c = (char)(c | 0x20);
                        else if (smp->conv[k] == CFG_CONV_UPPER && c >= 'a' && c <= 'z')
                                c = (char)(c & ~0x20);
                }
                tmp[i] = c;
        }
        return sl_str_make(tmp, n);
}

/* Call @fn on each value of the sample until it returns true. Returns what the last call
 * returned, or false when the sample has no value. */
typedef bool value_fn(void *data, const struct cfg_smp_value *v);

static bool sample_each(struct sess *ss, struct stream *st, const struct cfg_sample *smp,
                        bool response, value_fn *fn, void *data)
{
        const struct http_msg *req = st && (st->flags & STRM_F_HTTP) ? &st->req : NULL;
        struct cfg_smp_value v = {0};
        struct values vals;
        char tmp[1024];

        if (smp->table_conv) {
                struct cfg_sample base = *smp;
                struct cfg_smp_value key;

                base.table_conv = false;
                if (!sample_value(ss, st, &base, response, &key, tmp, sizeof(tmp)) ||
                    !stick_table_conv(ss->w, smp, &key, &v))
                        return false;
                return fn(data, &v);
        }
        switch (smp->fetch) {
        case CFG_FETCH_SRC:
                addr_value(&ss->src, &v);
                return v.family != AF_UNSPEC && fn(data, &v);
        case CFG_FETCH_DST:
                addr_value(sess_dst(ss), &v);
                return v.family != AF_UNSPEC && fn(data, &v);
        case CFG_FETCH_SRC_PORT:
                v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = addr_port(&ss->src)};
                return fn(data, &v);
        case CFG_FETCH_DST_PORT:
                v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = addr_port(sess_dst(ss))};
                return fn(data, &v);
        case CFG_FETCH_SSL_FC:
                v = (struct cfg_smp_value){.type = CFG_SMP_BOOL, .i = sess_tls(ss)};
                return fn(data, &v);
        case CFG_FETCH_ALWAYS_TRUE:
        case CFG_FETCH_ALWAYS_FALSE:
                v = (struct cfg_smp_value){.type = CFG_SMP_BOOL,
                                           .i = smp->fetch == CFG_FETCH_ALWAYS_TRUE};
                return fn(data, &v);
        case CFG_FETCH_STATUS:
                if (!st || !st->res.status)
                        return false;
                v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = st->res.status};
                return fn(data, &v);
        case CFG_FETCH_METHOD:
        case CFG_FETCH_PATH:
        case CFG_FETCH_QUERY:
        case CFG_FETCH_URL: {
                struct sl_str str;

                if (!req)
                        return false;
                str = smp->fetch == CFG_FETCH_METHOD  ? req->method
                      : smp->fetch == CFG_FETCH_PATH  ? req->path
                      : smp->fetch == CFG_FETCH_QUERY ? req->query
                                                      : req->target;
                if (smp->fetch == CFG_FETCH_QUERY && !req->query.ptr)
                        return false;
                v = (struct cfg_smp_value){.type = CFG_SMP_STR,
                                           .str = convert(smp, str, tmp, sizeof(tmp))};
                return fn(data, &v);
        }
        case CFG_FETCH_HDR:
        case CFG_FETCH_FHDR:
        case CFG_FETCH_HDR_VAL:
        case CFG_FETCH_HDR_IP:
                if (!header_fetch(st, smp, response, &vals))
                        return false;
                select_occ(&vals, smp->occ);
                for (size_t i = 0; i < vals.n; i++) {
                        v = (struct cfg_smp_value){.type = CFG_SMP_STR};
                        if (smp->fetch == CFG_FETCH_HDR_VAL) {
                                v.type = CFG_SMP_INT;
                                if (!str_to_int(vals.v[i], &v.i))
                                        continue;
                        } else if (smp->fetch == CFG_FETCH_HDR_IP) {
                                if (!str_to_ip(vals.v[i], &v))
                                        continue;
                        } else {
                                v.str = convert(smp, vals.v[i], tmp, sizeof(tmp));
                        }
                        if (fn(data, &v))
                                return true;
                }
                return false;
        case CFG_FETCH_HDR_CNT:
                if (!header_fetch(st, smp, response, &vals))
                        return false;
                v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = (int64_t)vals.n};
                return fn(data, &v);
        case CFG_FETCH_SC:
        case CFG_FETCH_SC_TRACKED:
        case CFG_FETCH_SRC_TBL:
                return stick_fetch(ss, st, smp, &v) && fn(data, &v);
        case CFG_FETCH_COUNT:
                break;
        }
        return false;
}

static bool match_one(void *data, const struct cfg_smp_value *v)
{
        return cfg_acl_expr_match(data, v);
}

bool sample_acl(struct sess *ss, struct stream *st, const struct cfg_acl *acl, bool response)
{
        for (size_t i = 0; i < acl->n_exprs; i++) {
                const struct cfg_acl_expr *e = acl->exprs[i];

                if (sample_each(ss, st, &e->smp, response, match_one, (void *)e))
                        return true;
        }
        return false;
}

struct cond_ctx {
        struct sess *ss;
        struct stream *st;
        bool response;
};

static bool cond_acl(void *data, const struct cfg_acl *acl)
{
        struct cond_ctx *c = data;

        return sample_acl(c->ss, c->st, acl, c->response);
}

bool sample_cond(struct sess *ss, struct stream *st, const struct cfg_cond *c, bool response)
{
        struct cond_ctx ctx = {ss, st, response};

        return cfg_cond_eval(c, cond_acl, &ctx);
}

struct value_ctx {
        struct cfg_smp_value *v;
        char *buf;
        size_t bufsz;
        bool found;
};

static bool value_one(void *data, const struct cfg_smp_value *v)
{
        struct value_ctx *c = data;

        *c->v = *v;
        if (v->type == CFG_SMP_STR) {
                size_t n = SL_MIN(v->str.len, c->bufsz);

                if (n)
                        memcpy(c->buf, v->str.ptr, n);
                c->v->str = sl_str_make(c->buf, n);
        }
        c->found = true;
        return false;
}

bool sample_value(struct sess *ss, struct stream *st, const struct cfg_sample *smp, bool response,
                  struct cfg_smp_value *v, char *buf, size_t bufsz)
{
        struct value_ctx c = {v, buf, bufsz, false};

        (void)sample_each(ss, st, smp, response, value_one, &c);
        return c.found;
}

struct text_ctx {
        char *out;
        size_t outsz;
        int len;
};

/* Keep the last value: HAProxy's samples take a header's last occurrence by default. */
static bool text_one(void *data, const struct cfg_smp_value *v)
{
        struct text_ctx *t = data;
        char ip[INET6_ADDRSTRLEN];
        int n = 0;

        switch (v->type) {
        case CFG_SMP_BOOL:
        case CFG_SMP_INT:
                n = snprintf(t->out, t->outsz, "%lld", (long long)v->i);
                break;
        case CFG_SMP_IP:
                inet_ntop(v->family, v->addr, ip, sizeof(ip));
                n = snprintf(t->out, t->outsz, "%s", ip);
                break;
        case CFG_SMP_STR:
                n = (int)sl_str_copy(t->out, t->outsz, v->str);
                break;
        }
        t->len = n < 0 ? -1 : (int)SL_MIN((size_t)n, t->outsz ? t->outsz - 1 : 0);
        return false;
}

int sample_text(struct sess *ss, struct stream *st, const struct cfg_sample *smp, bool response,
                char *out, size_t outsz)
{
        struct text_ctx t = {out, outsz, -1};

        if (outsz == 0)
                return -1;
        out[0] = '\0';
        (void)sample_each(ss, st, smp, response, text_one, &t);
        return t.len;
}
