/* Content inspection fetches (see sample_payload.h). */
#include "sample_payload.h"

#include <errno.h>
#include <string.h>

#include "h2_conv.h"
#include "http1_parse.h"
#include "macros.h"
#include "mux.h"
#include "rdp.h"
#include "stream-t.h"
#include "tls_hello.h"
#include "wctx.h"

/* The bytes the client sent so far, when the stream may still inspect them: a TCP stream
 * that has not chosen its server side yet. */
static bool peek(const struct smp_ctx *c, struct sl_str *ret)
{
        struct stream *st = c->st;
        struct sd_data d;

        if (!st || (st->flags & STRM_F_HTTP) || st->state != STRM_ST_HEAD || !st->cli.ops ||
            !st->cli.ops->rcv_peek || st->cli.ops->rcv_peek(&st->cli, &d) < 0)
                return false;
        *ret = sl_str_make(d.p, d.len);
        return true;
}

/* More bytes may come and change the answer: the client has not closed and the buffer is
 * not full. */
static void may_change(const struct smp_ctx *c, size_t have)
{
        if (c->more && !(c->st->cli.flags & SD_F_EOS) && have < c->w->bufs.size)
                *c->more = true;
}

static bool give(struct cfg_smp_value v, smp_value_fn *fn, void *data)
{
        return fn(data, &v);
}

bool sample_fetch_payload(const struct smp_ctx *c, const struct cfg_sample *smp, smp_value_fn *fn,
                          void *data)
{
        const struct cfg_arg *a = smp->args;
        struct tls_hello h;
        struct sl_str b, name;
        enum tls_hello_status r;
        unsigned type;
        bool any = false;

        if (smp->fetch == CFG_FETCH_WAIT_END) {
                /* false and waiting while rules may wait, true once they decide */
                if (c->more) {
                        *c->more = true;
                        return false;
                }
                return give((struct cfg_smp_value){.type = CFG_SMP_BOOL, .i = 1}, fn, data);
        }
        if (!peek(c, &b))
                return false;
        switch (smp->fetch) {
        case CFG_FETCH_REQ_LEN:
                may_change(c, b.len);
                return give((struct cfg_smp_value){.type = CFG_SMP_INT, .i = (int64_t)b.len}, fn,
                            data);
        case CFG_FETCH_PAYLOAD: {
                uint64_t off = (uint64_t)a[0].i, len = (uint64_t)a[1].i;

                /* past what a buffer holds: never */
                if (a[0].i < 0 || a[1].i < 0 || off + len > c->w->bufs.size)
                        return false;
                if (off + len > b.len || (len == 0 && off > b.len)) {
                        may_change(c, b.len);
                        return false;
                }
                if (len == 0) {
                        /* the rest, which may grow */
                        may_change(c, b.len);
                        len = b.len - off;
                }
                return give((struct cfg_smp_value){.type = CFG_SMP_BIN,
                                                   .str = sl_str_make(b.ptr + off, len)},
                            fn, data);
        }
        case CFG_FETCH_PROTO_HTTP: {
                /* a whole, valid HTTP/1 request head, as HAProxy's parser would take it;
                 * HTTP/2's preface is one for it too ("PRI * HTTP/2.0" and no field) */
                struct http_hdr hdrs[128];
                struct h1_request req;
                const struct h1_limits lim = {c->w->bufs.size, c->w->bufs.size};
                int k = h2_preface_match(b.ptr, b.len);

                if (k == 0 && b.len) {
                        may_change(c, b.len);
                        return false;
                }
                if (k > 0)
                        return give((struct cfg_smp_value){.type = CFG_SMP_BOOL, .i = 1}, fn, data);
                k = h1_parse_request(b.ptr, b.len, &lim, hdrs, SL_ARRAY_SIZE(hdrs), &req);

                if (k == -EAGAIN)
                        may_change(c, b.len);
                return k > 0 &&
                       give((struct cfg_smp_value){.type = CFG_SMP_BOOL, .i = 1}, fn, data);
        }
        case CFG_FETCH_SSL_HELLO_TYPE:
                r = tls_hello_type((const uint8_t *)b.ptr, b.len, &type);
                if (r == TLS_HELLO_SHORT)
                        may_change(c, b.len);
                return r == TLS_HELLO_OK &&
                       give((struct cfg_smp_value){.type = CFG_SMP_INT, .i = type}, fn, data);
        case CFG_FETCH_RDP_COOKIE:
        case CFG_FETCH_RDP_COOKIE_CNT: {
                struct sl_str v;
                enum rdp_status rr = rdp_cookie((const uint8_t *)b.ptr, b.len,
                                                smp->n_args ? a[0].str : SL_STR_NULL, &v);

                if (rr == RDP_SHORT)
                        may_change(c, b.len);
                if (smp->fetch == CFG_FETCH_RDP_COOKIE)
                        return rr == RDP_OK &&
                               give((struct cfg_smp_value){.type = CFG_SMP_STR, .str = v}, fn,
                                    data);
                /* a count only once final, as HAProxy's (0 or 1: the first cookie only) */
                return rr != RDP_SHORT &&
                       give((struct cfg_smp_value){.type = CFG_SMP_INT, .i = rr == RDP_OK}, fn,
                            data);
        }
        case CFG_FETCH_SSL_VER:
                r = tls_hello_version((const uint8_t *)b.ptr, b.len, c->w->bufs.size, &type);
                if (r == TLS_HELLO_SHORT)
                        may_change(c, b.len);
                return r == TLS_HELLO_OK &&
                       give((struct cfg_smp_value){.type = CFG_SMP_INT, .i = type}, fn, data);
        case CFG_FETCH_SSL_SNI:
        case CFG_FETCH_SSL_ALPN:
                r = tls_hello_parse((const uint8_t *)b.ptr, b.len, &h);
                if (r == TLS_HELLO_SHORT)
                        may_change(c, b.len);
                if (r != TLS_HELLO_OK)
                        return false;
                if (smp->fetch == CFG_FETCH_SSL_SNI)
                        return h.sni.ptr &&
                               give((struct cfg_smp_value){.type = CFG_SMP_STR, .str = h.sni}, fn,
                                    data);
                /* each protocol name for an ACL; the first for a sample */
                for (unsigned i = 0; tls_hello_alpn_at(h.alpn, i, &name); i++) {
                        any = give((struct cfg_smp_value){.type = CFG_SMP_STR, .str = name}, fn,
                                   data);
                        if (any || !c->all)
                                break;
                }
                return any;
        default:
                return false;
        }
}
