/* Sample fetches over a session and a stream (see sample_fetch.h), called by the sample
 * engine (sample.c) for ACLs, formats and every rule taking a sample. */
#include "sample_fetch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "http_auth.h"
#include "lb.h"
#include "lb_hash.h"
#include "macros.h"
#include "model.h"
#include "proxy_hdr.h"
#include "sample_payload.h"
#include "sample_tls.h"
#include "sess_addr.h"
#include "sess_proxy.h"
#include "session.h"
#include "srv_state.h"
#include "stick.h"
#include "stream-t.h"
#include "vars.h"
#include "wctx.h"

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

static void addr_value(const union sl_addr *a, struct cfg_smp_value *v)
{
        v->type = CFG_SMP_IP;
        if (a->sa.sa_family == AF_INET) {
                v->family = AF_INET;
                memcpy(v->addr, &a->sin.sin_addr, 4);
        } else if (a->sa.sa_family == AF_INET6) {
                v->family = AF_INET6;
                memcpy(v->addr, &a->sin6.sin6_addr, 16);
        } else {
                v->family = AF_UNSPEC;
        }
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

static bool fetch_headers(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                          void *data)
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
        /* a sample (not an ACL) is one value: the last occurrence unless one is named */
        select_occ(&vals, smp->occ ? smp->occ : c->all ? 0 : -1);
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

/* A value made into c->buf. */
static bool made(const struct smp_ctx *c, enum cfg_smp_type type, size_t len, smp_value_fn *fn,
                 void *data)
{
        struct cfg_smp_value v = {.type = type, .str = sl_str_make(c->buf, len)};

        return fn(data, &v);
}

static bool one_int(int64_t i, enum cfg_smp_type type, smp_value_fn *fn, void *data)
{
        struct cfg_smp_value v = {.type = type, .i = i};

        return fn(data, &v);
}

static bool one_str(struct sl_str s, smp_value_fn *fn, void *data)
{
        struct cfg_smp_value v = {.type = CFG_SMP_STR, .str = s};

        return fn(data, &v);
}

/* ---- the process ---- */

/* HAProxy's addr_is_local(): the address is one of the host's if a socket can bind it. */
static bool addr_is_local(const union sl_addr *ss)
{
        union sl_addr a = *ss;
        socklen_t len = sl_addr_len(&a);
        int fd, r;

        if (!len)
                return false;
        if (a.sa.sa_family == AF_INET)
                a.sin.sin_port = 0;
        else
                a.sin6.sin6_port = 0;
        fd = socket(a.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return false;
        r = bind(fd, &a.sa, len);
        close(fd);
        return r == 0;
}

/* A per-process generator (wyrand), seeded from the kernel on first use. */
static uint64_t rand64(void)
{
        static uint64_t state;
        __uint128_t m;

        if (!state && getrandom(&state, sizeof(state), 0) != sizeof(state))
                state = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
        state += 0xa0761d6478bd642full;
        m = (__uint128_t)state * (state ^ 0xe7037ed1a0b428dbull);
        return (uint64_t)(m >> 64) ^ (uint64_t)m;
}

static bool fetch_date(const struct cfg_sample *smp, smp_value_fn *fn, void *data)
{
        struct timeval tv;
        int64_t offset = smp->n_args ? smp->args[0].i : 0,
                unit = smp->n_args > 1 ? smp->args[1].i : 0;
        int64_t v;

        gettimeofday(&tv, NULL);
        if (smp->fetch == CFG_FETCH_DATE_US)
                return one_int(tv.tv_usec, CFG_SMP_INT, fn, data);
        v = unit == 2   ? (int64_t)tv.tv_sec * 1000000 + tv.tv_usec
            : unit == 1 ? (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000
                        : (int64_t)tv.tv_sec;
        return one_int(v + offset, CFG_SMP_INT, fn, data);
}

static bool fetch_uuid(const struct smp_ctx *c, smp_value_fn *fn, void *data)
{
        uint64_t hi = rand64(), lo = rand64();
        int n;

        /* RFC 4122 version 4: the version and the variant bits set */
        hi = (hi & ~0xf000ull) | 0x4000ull;
        lo = (lo & ~(3ull << 62)) | (2ull << 62);
        n = snprintf(c->buf, c->bufsz, "%08x-%04x-%04x-%04x-%012llx", (unsigned)(hi >> 32),
                     (unsigned)(hi >> 16) & 0xffff, (unsigned)hi & 0xffff,
                     (unsigned)(lo >> 48) & 0xffff, (unsigned long long)(lo & 0xffffffffffffull));
        return n > 0 && (size_t)n < c->bufsz && made(c, CFG_SMP_STR, (size_t)n, fn, data);
}

const char *sample_hostname(void)
{
        static char name[256];

        if (!name[0] && gethostname(name, sizeof(name) - 1) != 0)
                name[0] = '\0';
        return name;
}

/* ---- proxies and servers ---- */

/* The proxy's "id", or the one HAProxy's numbering gave it at load (config/kw_server.c). */
static int64_t proxy_id(const struct sess *ss, const struct cfg_proxy *px)
{
        (void)ss;
        return px ? (int64_t)px->id : 0;
}

/* The backend of the stream: the frontend itself until one is chosen, as in HAProxy. */
static const struct cfg_proxy *cur_backend(const struct smp_ctx *c)
{
        return c->st && c->st->be ? c->st->be : c->ss->fe;
}

/* HAProxy's be_usable_srv(): the usable active servers, else the usable backups (one when
 * only the first backup is used). */
static int64_t usable_servers(const struct smp_ctx *c, const struct cfg_proxy *be)
{
        const struct px_rt *rt = worker_rt(c->ss->w, be);
        unsigned act = 0, bck = 0;

        if (!rt || !rt->lb)
                return 0;
        for (uint32_t i = 0; i < rt->lb->n_srv; i++) {
                const struct srv_state_rec *r = &rt->lb->recs[i];

                if (atomic_load_explicit(&r->op, memory_order_relaxed) != SRV_OP_UP ||
                    (atomic_load_explicit(&r->admin, memory_order_relaxed) & SRV_ADMIN_ANY_MAINT) ||
                    atomic_load_explicit(&r->weight, memory_order_relaxed) == 0)
                        continue;
                if (rt->lb->srv[i].backup)
                        bck++;
                else
                        act++;
        }
        return act ? act : bck ? 1 : 0;
}

static bool fetch_srv_is_up(const struct smp_ctx *c, const struct cfg_arg *a, smp_value_fn *fn,
                            void *data)
{
        const struct px_rt *rt = worker_rt(c->ss->w, a->ref);
        const struct srv_state_rec *r;

        if (!rt || !rt->lb || (uint64_t)a->i >= rt->lb->n_srv)
                return false;
        r = &rt->lb->recs[a->i];
        return one_int(atomic_load_explicit(&r->op, memory_order_relaxed) == SRV_OP_UP &&
                               !(atomic_load_explicit(&r->admin, memory_order_relaxed) &
                                 SRV_ADMIN_ANY_MAINT),
                       CFG_SMP_BOOL, fn, data);
}

/* ---- HTTP ---- */

/* The value of the first Host field, or a NULL view. */
static struct sl_str host_field(const struct http_msg *m)
{
        int i = http_hdr_find(m, 0, SL_STR_LIT("host"));

        return i < 0 ? SL_STR_NULL : m->hdrs[i].value;
}

static bool buf_cat(const struct smp_ctx *c, size_t *len, struct sl_str s)
{
        if (s.len > c->bufsz - *len)
                return false;
        if (s.len)
                memcpy(c->buf + *len, s.ptr, s.len);
        *len += s.len;
        return true;
}

/* A header name as HAProxy keeps it: in lower case. */
static bool buf_cat_name(const struct smp_ctx *c, size_t *len, struct sl_str s)
{
        if (!buf_cat(c, len, s))
                return false;
        for (size_t i = *len - s.len; i < *len; i++)
                if (c->buf[i] >= 'A' && c->buf[i] <= 'Z')
                        c->buf[i] |= 0x20;
        return true;
}

/* base, baseq: the Host field then the path (and the query), or the path alone. */
static bool fetch_base(const struct smp_ctx *c, const struct http_msg *req, bool with_query,
                       smp_value_fn *fn, void *data)
{
        struct sl_str host = host_field(req);
        size_t len = 0;

        if (!host.len)
                return one_str(req->path, fn, data);
        if (!buf_cat(c, &len, host))
                return false;
        if (req->path.len && req->path.ptr[0] == '/') {
                if (!buf_cat(c, &len, req->path))
                        return false;
                if (with_query && req->query.ptr &&
                    (!buf_cat(c, &len, SL_STR_LIT("?")) || !buf_cat(c, &len, req->query)))
                        return false;
        }
        return made(c, CFG_SMP_STR, len, fn, data);
}

static uint32_t base32(const struct http_msg *req)
{
        struct sl_str host = host_field(req);
        uint32_t h = 0;

        /* HAProxy: sdbm over the Host field and the path, then its full_hash() */
        for (size_t i = 0; i < host.len; i++)
                h = (unsigned char)host.ptr[i] + (h << 6) + (h << 16) - h;
        if (req->path.len && req->path.ptr[0] == '/')
                for (size_t i = 0; i < req->path.len; i++)
                        h = (unsigned char)req->path.ptr[i] + (h << 6) + (h << 16) - h;
        return lb_hash_full(h);
}

/* url_ip, url_port: an absolute "http://<IPv4>[:port]" target, as HAProxy's url2sa(). */
static bool url_ipv4(struct sl_str t, uint8_t addr[4], int64_t *port)
{
        char host[INET_ADDRSTRLEN];
        size_t i = 7, start;

        if (t.len < 7 || strncasecmp(t.ptr, "http://", 7) != 0)
                return false;
        start = i;
        while (i < t.len && ((t.ptr[i] >= '0' && t.ptr[i] <= '9') || t.ptr[i] == '.'))
                i++;
        if (i == start || i - start >= sizeof(host))
                return false;
        memcpy(host, t.ptr + start, i - start);
        host[i - start] = '\0';
        if (inet_pton(AF_INET, host, addr) != 1)
                return false;
        *port = 80;
        if (i < t.len && t.ptr[i] == ':') {
                *port = 0;
                for (i++; i < t.len && t.ptr[i] >= '0' && t.ptr[i] <= '9'; i++)
                        *port = *port * 10 + (t.ptr[i] - '0');
        }
        return true;
}

/* url_param: each "name=value" of the query string, in order. */
static bool fetch_url_param(const struct smp_ctx *c, const struct cfg_sample *smp,
                            const struct http_msg *req, smp_value_fn *fn, void *data)
{
        struct sl_str name = smp->n_args ? smp->args[0].str : SL_STR_NULL;
        char delim = smp->n_args > 1 ? smp->args[1].str.ptr[0] : '&';
        struct sl_str q = req->query;
        bool any = false;

        /* HAProxy takes the parameters after the first '?', or the whole target when it has
         * none but a delimiter was given; sluice keeps the query apart already */
        while (q.ptr && q.len) {
                const char *end = memchr(q.ptr, delim, q.len);
                size_t plen = end ? (size_t)(end - q.ptr) : q.len;
                struct sl_str param = sl_str_make(q.ptr, plen);
                const char *eq = memchr(param.ptr, '=', param.len);
                struct sl_str pname = eq ? sl_str_make(param.ptr, (size_t)(eq - param.ptr)) : param;

                if (!name.len || sl_str_eq(pname, name)) {
                        struct cfg_smp_value v = {.type = CFG_SMP_STR};

                        v.str = eq ? sl_str_make(eq + 1, param.len - pname.len - 1)
                                   : sl_str_make(param.ptr + param.len, 0);
                        if (smp->fetch == CFG_FETCH_URLP_VAL) {
                                char tmp[32];
                                char *e;

                                sl_str_copy(tmp, sizeof(tmp), v.str);
                                v = (struct cfg_smp_value){.type = CFG_SMP_INT,
                                                           .i = strtoll(tmp, &e, 10)};
                        }
                        any = true;
                        /* a sample is the first occurrence */
                        if (fn(data, &v) || !c->all)
                                return true;
                }
                if (!end)
                        break;
                q.len -= plen + 1;
                q.ptr = end + 1;
        }
        (void)any;
        return false;
}

/* Cookies: "name=value; name2=value2" in Cookie fields, or the first pair of each
 * Set-Cookie field for a response. Calls @each with each (name, value) until it says stop. */
typedef bool cookie_fn(void *data, struct sl_str name, struct sl_str value);

static void cookies_each(const struct http_msg *m, bool response, cookie_fn *each, void *data)
{
        struct sl_str fname = response ? SL_STR_LIT("set-cookie") : SL_STR_LIT("cookie");

        for (size_t i = 0; i < m->n_hdrs; i++) {
                struct sl_str v = m->hdrs[i].value;

                if (!m->hdrs[i].name.ptr || !sl_str_ieq(m->hdrs[i].name, fname))
                        continue;
                while (v.len) {
                        const char *semi = memchr(v.ptr, ';', v.len);
                        struct sl_str pair =
                                sl_str_make(v.ptr, semi ? (size_t)(semi - v.ptr) : v.len);
                        const char *eq;

                        trim(&pair);
                        eq = memchr(pair.ptr, '=', pair.len);
                        if (eq) {
                                struct sl_str n = sl_str_make(pair.ptr, (size_t)(eq - pair.ptr));
                                struct sl_str val = sl_str_make(eq + 1, pair.len - n.len - 1);

                                trim(&n);
                                trim(&val);
                                if (each(data, n, val))
                                        return;
                        }
                        if (!semi || response)
                                break;
                        v.len -= (size_t)(semi - v.ptr) + 1;
                        v.ptr = semi + 1;
                }
        }
}

struct cookie_find {
        struct sl_str name; /* empty: any */
        struct values vals;
};

static bool cookie_collect(void *data, struct sl_str name, struct sl_str value)
{
        struct cookie_find *f = data;

        if (!f->name.len || sl_str_eq(name, f->name))
                f->vals.v[f->vals.n++] = value;
        return f->vals.n == SAMPLE_MAX_VALUES;
}

static bool fetch_cookie(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                         void *data)
{
        const struct http_msg *m = fetch_msg(c, smp);
        struct cookie_find f = {.name = smp->n_args ? smp->args[0].str : SL_STR_NULL};
        struct cfg_smp_value v;

        if (!m)
                return false;
        cookies_each(m, m == &c->st->res, cookie_collect, &f);
        if (smp->fetch == CFG_FETCH_COOK_CNT)
                return one_int((int64_t)f.vals.n, CFG_SMP_INT, fn, data);
        /* a sample is the last occurrence; without a name, the first cookie (HAProxy) */
        if (!c->all && f.vals.n)
                select_occ(&f.vals, f.name.len ? -1 : 1);
        for (size_t i = 0; i < f.vals.n; i++) {
                v = (struct cfg_smp_value){.type = CFG_SMP_STR, .str = f.vals.v[i]};
                if (smp->fetch == CFG_FETCH_COOK_VAL) {
                        v.type = CFG_SMP_INT;
                        if (!str_to_int(f.vals.v[i], &v.i))
                                continue;
                }
                if (fn(data, &v))
                        return true;
        }
        return false;
}

static const char *ver_text(enum http_ver v)
{
        return v == HTTP_VER_1_0 ? "1.0" : v == HTTP_VER_2 ? "2.0" : "1.1";
}

/* req.hdrs, res.hdrs: the fields as HAProxy rebuilds them, ending with the empty line. */
static bool fetch_hdrs(const struct smp_ctx *c, const struct http_msg *m, smp_value_fn *fn,
                       void *data)
{
        size_t len = 0;

        for (size_t i = 0; i < m->n_hdrs; i++) {
                if (!m->hdrs[i].name.ptr)
                        continue;
                if (!buf_cat_name(c, &len, m->hdrs[i].name) ||
                    !buf_cat(c, &len, SL_STR_LIT(": ")) || !buf_cat(c, &len, m->hdrs[i].value) ||
                    !buf_cat(c, &len, SL_STR_LIT("\r\n")))
                        return false;
        }
        return buf_cat(c, &len, SL_STR_LIT("\r\n")) && made(c, CFG_SMP_STR, len, fn, data);
}

static bool fetch_hdr_names(const struct smp_ctx *c, const struct cfg_sample *smp,
                            const struct http_msg *m, smp_value_fn *fn, void *data)
{
        struct sl_str delim = smp->n_args ? smp->args[0].str : SL_STR_LIT(",");
        size_t len = 0;
        bool first = true;

        for (size_t i = 0; i < m->n_hdrs; i++) {
                if (!m->hdrs[i].name.ptr)
                        continue;
                if ((!first && !buf_cat(c, &len, delim)) || !buf_cat_name(c, &len, m->hdrs[i].name))
                        return false;
                first = false;
        }
        return made(c, CFG_SMP_STR, len, fn, data);
}

static bool fetch_http(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                       void *data)
{
        const struct http_msg *req = c->st && (c->st->flags & STRM_F_HTTP) ? &c->st->req : NULL;
        const struct http_msg *m = fetch_msg(c, smp);
        struct cfg_smp_value v = {0};
        size_t len = 0;
        int64_t port;

        if (!req) {
                if (c->st)
                        c->st->flags |= STRM_F_HTTP_FETCH;
                return false;
        }
        switch (smp->fetch) {
        case CFG_FETCH_METHOD:
        case CFG_FETCH_CAPTURE_METHOD:
                return one_str(req->method, fn, data);
        case CFG_FETCH_PATH:
                return one_str(req->path, fn, data);
        case CFG_FETCH_QUERY:
                return req->query.ptr && one_str(req->query, fn, data);
        case CFG_FETCH_URL:
        case CFG_FETCH_CAPTURE_URI:
                return one_str(req->target, fn, data);
        case CFG_FETCH_PATHQ:
                if (!buf_cat(c, &len, req->path) ||
                    (req->query.ptr &&
                     (!buf_cat(c, &len, SL_STR_LIT("?")) || !buf_cat(c, &len, req->query))))
                        return false;
                return made(c, CFG_SMP_STR, len, fn, data);
        case CFG_FETCH_BASE:
        case CFG_FETCH_BASEQ:
                return fetch_base(c, req, smp->fetch == CFG_FETCH_BASEQ, fn, data);
        case CFG_FETCH_BASE32:
                return one_int(base32(req), CFG_SMP_INT, fn, data);
        case CFG_FETCH_BASE32_SRC: {
                uint32_t h = htonl(base32(req));
                const union sl_addr *src = sess_src(c->ss, c->st);
                size_t alen = src->sa.sa_family == AF_INET6 ? 16 : 4;

                addr_value(src, &v);
                if (v.family == AF_UNSPEC || c->bufsz < 4 + alen)
                        return false;
                memcpy(c->buf, &h, 4);
                memcpy(c->buf + 4, v.addr, alen);
                return made(c, CFG_SMP_BIN, 4 + alen, fn, data);
        }
        case CFG_FETCH_URL_IP:
        case CFG_FETCH_URL_PORT:
                if (!url_ipv4(req->target, v.addr, &port))
                        return false;
                if (smp->fetch == CFG_FETCH_URL_PORT)
                        return one_int(port, CFG_SMP_INT, fn, data);
                v.type = CFG_SMP_IP;
                v.family = AF_INET;
                return fn(data, &v);
        case CFG_FETCH_URL_PARAM:
        case CFG_FETCH_URLP_VAL:
                return fetch_url_param(c, smp, req, fn, data);
        case CFG_FETCH_COOK:
        case CFG_FETCH_COOK_CNT:
        case CFG_FETCH_COOK_VAL:
                return fetch_cookie(c, smp, fn, data);
        case CFG_FETCH_VER:
                if (!m || (m == &c->st->res && !m->status))
                        return false;
                return one_str(sl_str_from_cstr(ver_text(m->version)), fn, data);
        case CFG_FETCH_CAPTURE_VER:
                if (!m || (m == &c->st->res && !m->status))
                        return false;
                len = (size_t)snprintf(c->buf, c->bufsz, "HTTP/%s", ver_text(m->version));
                return made(c, CFG_SMP_STR, len, fn, data);
        case CFG_FETCH_HDRS:
                return m && fetch_hdrs(c, m, fn, data);
        case CFG_FETCH_HDR_NAMES:
                return m && fetch_hdr_names(c, smp, m, fn, data);
        case CFG_FETCH_FHDR_CNT: {
                struct values vals;

                if (!m)
                        return false;
                header_values(m->hdrs, m->n_hdrs, sl_str_make(smp->arg, smp->arg_len), true, &vals);
                return one_int((int64_t)vals.n, CFG_SMP_INT, fn, data);
        }
        case CFG_FETCH_FIRST_REQ:
                return one_int(!(c->st->flags & STRM_F_NOT_FIRST), CFG_SMP_BOOL, fn, data);
        case CFG_FETCH_PROTO_HTTP:
                return one_int(1, CFG_SMP_BOOL, fn, data);
        default:
                return false;
        }
}

static sample_unique_id_fn *unique_id_fn;

void sample_fetch_set_unique_id(sample_unique_id_fn *fn)
{
        unique_id_fn = fn;
}

/* http_auth, http_auth_group (HAProxy's smp_fetch_http_auth() and _grp()): no value
 * without Basic credentials; else whether they are valid, or the user's name when they are. */
static bool fetch_auth(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                       void *data)
{
        const struct cfg_ul_user *u = NULL;
        int r;

        if (!c->st || !(c->st->flags & STRM_F_HTTP))
                return false;
        r = http_auth_check(smp->args[0].ref, &c->st->req, &u);
        if (r < 0)
                return false;
        if (smp->fetch == CFG_FETCH_HTTP_AUTH)
                return one_int(r, CFG_SMP_BOOL, fn, data);
        return r == 1 && one_str(sl_str_from_cstr(u->name), fn, data);
}

bool sample_fetch(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                  void *data)
{
        struct stream *st = c->st;
        struct sess *ss = c->ss;
        const struct cfg_arg *a = smp->args;
        struct cfg_smp_value v = {0};
        const char *s;

        switch (smp->fetch) {
        case CFG_FETCH_SSL_FC ... CFG_FETCH_SSL_BC_RESUMED: /* a GNU C range: the TLS fetches */
                return sample_fetch_tls(c, smp, fn, data);
        case CFG_FETCH_SRC:
                addr_value(sess_src(ss, st), &v);
                return v.family != AF_UNSPEC && fn(data, &v);
        case CFG_FETCH_DST:
                addr_value(sess_dst(ss, st), &v);
                return v.family != AF_UNSPEC && fn(data, &v);
        case CFG_FETCH_SRC_PORT:
                return one_int(sl_addr_port(sess_src(ss, st)), CFG_SMP_INT, fn, data);
        case CFG_FETCH_DST_PORT:
                return one_int(sl_addr_port(sess_dst(ss, st)), CFG_SMP_INT, fn, data);
        case CFG_FETCH_REQ_LEN:
        case CFG_FETCH_PAYLOAD:
        case CFG_FETCH_SSL_HELLO_TYPE:
        case CFG_FETCH_SSL_VER:
        case CFG_FETCH_RDP_COOKIE:
        case CFG_FETCH_RDP_COOKIE_CNT:
        case CFG_FETCH_SSL_SNI:
        case CFG_FETCH_SSL_ALPN:
        case CFG_FETCH_WAIT_END:
                return sample_fetch_payload(c, smp, fn, data);
        case CFG_FETCH_PROTO_HTTP:
                /* a TCP stream's bytes may be an HTTP request too */
                if (st && !(st->flags & STRM_F_HTTP)) {
                        st->flags |= STRM_F_HTTP_FETCH;
                        return sample_fetch_payload(c, smp, fn, data);
                }
                return fetch_http(c, smp, fn, data);
        case CFG_FETCH_ALWAYS_TRUE:
        case CFG_FETCH_ALWAYS_FALSE:
                return one_int(smp->fetch == CFG_FETCH_ALWAYS_TRUE, CFG_SMP_BOOL, fn, data);
        case CFG_FETCH_STATUS:
                if (!st || !st->res.status)
                        return false;
                return one_int(st->res.status, CFG_SMP_INT, fn, data);
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
        case CFG_FETCH_INT:
                return one_int(a[0].i, CFG_SMP_INT, fn, data);
        case CFG_FETCH_BOOL:
                return one_int(a[0].i, CFG_SMP_BOOL, fn, data);
        case CFG_FETCH_STR:
        case CFG_FETCH_METH:
                return one_str(smp->n_args ? a[0].str : SL_STR_LIT(""), fn, data);
        case CFG_FETCH_BIN:
                v = (struct cfg_smp_value){.type = CFG_SMP_BIN, .str = a[0].str};
                return fn(data, &v);
        case CFG_FETCH_IPV4:
                v = (struct cfg_smp_value){.type = CFG_SMP_IP, .family = a[0].family};
                memcpy(v.addr, a[0].addr, sizeof(v.addr));
                return fn(data, &v);
        case CFG_FETCH_ENV:
                s = getenv(a[0].str.ptr);
                return s && one_str(sl_str_from_cstr(s), fn, data);
        case CFG_FETCH_HOSTNAME:
                return one_str(sl_str_from_cstr(sample_hostname()), fn, data);
        case CFG_FETCH_DATE:
        case CFG_FETCH_DATE_US:
                return fetch_date(smp, fn, data);
        case CFG_FETCH_RAND:
                return one_int(smp->n_args ? (int64_t)((rand64() >> 32) * (uint64_t)a[0].i >> 32)
                                           : (int64_t)(rand64() >> 32),
                               CFG_SMP_INT, fn, data);
        case CFG_FETCH_UUID:
                return fetch_uuid(c, fn, data);
        case CFG_FETCH_STOPPING:
                return one_int(c->w->stopping, CFG_SMP_BOOL, fn, data);
        case CFG_FETCH_PROC:
        case CFG_FETCH_NBPROC:
                return one_int(1, CFG_SMP_INT, fn, data);
        case CFG_FETCH_THREAD:
                return one_int(c->w->opts ? c->w->opts->slot : 0, CFG_SMP_INT, fn, data);
        case CFG_FETCH_FE_NAME:
                return one_str(sl_str_from_cstr(ss->fe->name), fn, data);
        case CFG_FETCH_FE_ID:
                return one_int(proxy_id(ss, ss->fe), CFG_SMP_INT, fn, data);
        case CFG_FETCH_FC_HTTP_MAJOR:
                return one_int(sess_http_major(ss), CFG_SMP_INT, fn, data);
        case CFG_FETCH_FC_GLITCHES:
                return one_int(sess_glitches(ss), CFG_SMP_INT, fn, data);
        case CFG_FETCH_FC_PP_AUTHORITY:
        case CFG_FETCH_FC_PP_UNIQUE_ID:
        case CFG_FETCH_FC_PP_TLV: {
                struct sl_str tlv;
                uint8_t type = smp->fetch == CFG_FETCH_FC_PP_AUTHORITY   ? PP2_TYPE_AUTHORITY
                               : smp->fetch == CFG_FETCH_FC_PP_UNIQUE_ID ? PP2_TYPE_UNIQUE_ID
                                                                         : (uint8_t)a[0].i;

                return sess_pp_tlv(ss, type, &tlv) && one_str(tlv, fn, data);
        }
        case CFG_FETCH_BE_NAME:
                return one_str(sl_str_from_cstr(cur_backend(c)->name), fn, data);
        case CFG_FETCH_BE_ID:
                return one_int(proxy_id(ss, cur_backend(c)), CFG_SMP_INT, fn, data);
        case CFG_FETCH_SRV_NAME:
        case CFG_FETCH_SRV_ID:
                if (!st || !st->be || st->last_srv < 0)
                        return false;
                if (smp->fetch == CFG_FETCH_SRV_ID)
                        return one_int(st->be->servers[st->last_srv].id, CFG_SMP_INT, fn, data);
                return one_str(sl_str_from_cstr(st->be->servers[st->last_srv].name), fn, data);
        case CFG_FETCH_NBSRV:
                return one_int(
                        usable_servers(c, smp->n_args && a[0].ref ? a[0].ref : cur_backend(c)),
                        CFG_SMP_INT, fn, data);
        case CFG_FETCH_SRV_IS_UP:
                return fetch_srv_is_up(c, &a[0], fn, data);
        case CFG_FETCH_SRC_LOCAL:
                return one_int(addr_is_local(sess_src(ss, st)), CFG_SMP_BOOL, fn, data);
        case CFG_FETCH_DST_LOCAL:
                return one_int(addr_is_local(sess_dst(ss, st)), CFG_SMP_BOOL, fn, data);
        case CFG_FETCH_VAR:
                if (vars_get(c, &a[0].var, &v))
                        return fn(data, &v);
                /* the default, a string, when it is not set */
                return smp->n_args > 1 && one_str(a[1].str, fn, data);
        case CFG_FETCH_HTTP_AUTH:
        case CFG_FETCH_HTTP_AUTH_GROUP:
                return fetch_auth(c, smp, fn, data);
        case CFG_FETCH_UNIQUE_ID: {
                struct sl_str id;

                /* made from the frontend's unique-id-format the first time it is asked for */
                if (!st || !st->fe->unique_id_fmt || !unique_id_fn)
                        return false;
                id = unique_id_fn(st);
                return id.ptr && one_str(id, fn, data);
        }
        case CFG_FETCH_METHOD:
        case CFG_FETCH_PATH:
        case CFG_FETCH_QUERY:
        case CFG_FETCH_URL:
        case CFG_FETCH_PATHQ:
        case CFG_FETCH_BASE:
        case CFG_FETCH_BASEQ:
        case CFG_FETCH_BASE32:
        case CFG_FETCH_BASE32_SRC:
        case CFG_FETCH_URL_IP:
        case CFG_FETCH_URL_PORT:
        case CFG_FETCH_URL_PARAM:
        case CFG_FETCH_URLP_VAL:
        case CFG_FETCH_COOK:
        case CFG_FETCH_COOK_CNT:
        case CFG_FETCH_COOK_VAL:
        case CFG_FETCH_VER:
        case CFG_FETCH_HDRS:
        case CFG_FETCH_HDR_NAMES:
        case CFG_FETCH_FHDR_CNT:
        case CFG_FETCH_FIRST_REQ:
        case CFG_FETCH_CAPTURE_METHOD:
        case CFG_FETCH_CAPTURE_URI:
        case CFG_FETCH_CAPTURE_VER:
                return fetch_http(c, smp, fn, data);
        case CFG_FETCH_COUNT:
                break;
        }
        return false;
}
