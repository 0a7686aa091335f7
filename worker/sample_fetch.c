/* Sample fetches over a session and a stream (see sample_fetch.h), called by the sample
 * engine (sample.c) for ACLs, formats and every rule taking a sample. */
#include "sample_fetch.h"

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
static void header_values(const struct http_hdr *hdrs, size_t n, struct sl_str name, bool full,
                          struct values *out)
{
        out->n = 0;
        for (size_t i = 0; i < n && out->n < SAMPLE_MAX_VALUES; i++) {
                struct sl_str v = hdrs[i].value;

                if (!hdrs[i].name.ptr || !sl_str_ieq(hdrs[i].name, name))
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

/* The message a header fetch reads: "req." and "res." say; plain names the rule's own. */
static const struct http_msg *fetch_msg(const struct smp_ctx *c, const struct cfg_sample *smp)
{
        bool res = smp->dir == CFG_DIR_RES || (smp->dir == CFG_DIR_CTX && c->response);

        if (!c->st || !(c->st->flags & STRM_F_HTTP))
                return NULL;
        return res ? &c->st->res : &c->st->req;
}

static bool fetch_headers(const struct smp_ctx *c, const struct cfg_sample *smp,
                          smp_value_fn *fn, void *data)
{
        const struct http_msg *m = fetch_msg(c, smp);
        struct cfg_smp_value v;
        struct values vals;

        if (!m)
                return false;
        header_values(m->hdrs, m->n_hdrs, sl_str_make(smp->arg, smp->arg_len),
                      smp->fetch == CFG_FETCH_FHDR, &vals);
        if (smp->fetch == CFG_FETCH_HDR_CNT) {
                v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = (int64_t)vals.n};
                return fn(data, &v);
        }
        select_occ(&vals, smp->occ);
        for (size_t i = 0; i < vals.n; i++) {
                v = (struct cfg_smp_value){.type = CFG_SMP_STR, .str = vals.v[i]};
                if (smp->fetch == CFG_FETCH_HDR_VAL) {
                        v.type = CFG_SMP_INT;
                        if (!str_to_int(vals.v[i], &v.i))
                                continue;
                } else if (smp->fetch == CFG_FETCH_HDR_IP) {
                        if (!str_to_ip(vals.v[i], &v))
                                continue;
                }
                if (fn(data, &v))
                        return true;
        }
        return false;
}

bool sample_fetch(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                  void *data)
{
        struct stream *st = c->st;
        struct sess *ss = c->ss;
        const struct http_msg *req = st && (st->flags & STRM_F_HTTP) ? &st->req : NULL;
        struct cfg_smp_value v = {0};

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
                if (!req)
                        return false;
                v = (struct cfg_smp_value){.type = CFG_SMP_STR, .str = req->method};
                return fn(data, &v);
        case CFG_FETCH_PATH:
                if (!req)
                        return false;
                v = (struct cfg_smp_value){.type = CFG_SMP_STR, .str = req->path};
                return fn(data, &v);
        case CFG_FETCH_QUERY:
                if (!req || !req->query.ptr)
                        return false;
                v = (struct cfg_smp_value){.type = CFG_SMP_STR, .str = req->query};
                return fn(data, &v);
        case CFG_FETCH_URL:
                if (!req)
                        return false;
                v = (struct cfg_smp_value){.type = CFG_SMP_STR, .str = req->target};
                return fn(data, &v);
        case CFG_FETCH_HDR:
        case CFG_FETCH_FHDR:
        case CFG_FETCH_HDR_VAL:
        case CFG_FETCH_HDR_IP:
        case CFG_FETCH_HDR_CNT:
                return fetch_headers(c, smp, fn, data);
        case CFG_FETCH_SC:
        case CFG_FETCH_SC_TRACKED:
        case CFG_FETCH_SRC_TBL:
                return stick_fetch(ss, st, smp, &v) && fn(data, &v);
        case CFG_FETCH_COUNT:
                break;
        }
        return false;
}
