/* Fuzz target for proto/proxy_hdr, what a client of a listener with accept-proxy sends first.
 * The input is parsed whole, and prefixes of it from exact-size copies (so ASan sees a read
 * past them): a prefix waits for more, is refused, or is the header the whole input begins
 * with, consistently with the whole input's answer. A valid header's views must lie in the
 * input, its TLVs tile their area, and every TLV value is also read as an SSL value. Then the
 * header is rebuilt from what was parsed (v1, and v2 with the same TLVs, its CRC32C if it had
 * one, the SSL TLV through the SSL builder when its inside is well formed) and read back: the
 * same addresses, the same TLVs; rebuilt again, the same bytes. The last input byte also
 * picks a too-small buffer for the builder, which must then say so and write nothing past it. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "proxy_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
        if (!cond)
                abort();
}

static void inside(struct sl_str s, const void *base, size_t size)
{
        const char *b = base;

        check(s.ptr != NULL && s.ptr >= b && s.ptr + s.len <= b + size);
}

static int parse_copy(const uint8_t *p, size_t len, struct pp_info *ret)
{
        uint8_t *c = malloc(len ? len : 1);
        int r;

        check(c != NULL);
        memcpy(c, p, len);
        r = pp_parse(c, len, ret);
        free(c);
        return r;
}

/* The whole input said @full (r_full); its first @k bytes must agree. */
static void prefix_check(const uint8_t *data, size_t k, int full)
{
        struct pp_info info;
        int r = parse_copy(data, k, &info);

        if (full > 0)
                check(k < (size_t)full ? r == 0 : r == full);
        else if (full == 0)
                check(r == 0);
        else
                check(r == 0 || r == -EPROTO);
}

static bool sa_eq(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
        if (a->ss_family != b->ss_family)
                return false;
        if (a->ss_family == AF_INET) {
                const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

                return x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
        }
        if (a->ss_family == AF_INET6) {
                const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

                return !memcmp(&x->sin6_addr, &y->sin6_addr, 16) && x->sin6_port == y->sin6_port;
        }
        return a->ss_family == AF_UNSPEC;
}

/* Every sub-type read from an exact-size copy of @v. */
static void ssl_read(struct sl_str v)
{
        char *c = malloc(v.len ? v.len : 1);
        struct sl_str ssl, sub;
        uint32_t verify;
        uint8_t client;

        check(c != NULL);
        if (v.len)
                memcpy(c, v.ptr, v.len);
        ssl = sl_str_make(c, v.len);
        check(pp_ssl_head(ssl, &client, &verify) == (v.len >= 5));
        for (unsigned t = 0; t < 256; t++) {
                if (pp_ssl_sub(ssl, (uint8_t)t, &sub))
                        inside(sub, c, v.len);
        }
        free(c);
}

/* The sub-TLVs of @ssl tile it: it can go through pp_v2_ssl_begin(). */
static bool ssl_tiles(struct sl_str ssl)
{
        const uint8_t *p = (const uint8_t *)ssl.ptr;
        size_t pos = 5;

        if (ssl.len < 5)
                return false;
        while (pos < ssl.len) {
                if (ssl.len - pos < 3)
                        return false;
                pos += 3 + (size_t)(p[pos + 1] << 8 | p[pos + 2]);
        }
        return pos == ssl.len;
}

static bool has_crc(const struct pp_info *info)
{
        struct sl_str v;

        return pp_tlv_find(info, PP2_TYPE_CRC32C, &v);
}

/* A v2 header from @info: its addresses (or LOCAL), its TLVs but CRC32C, then a CRC32C if it
 * had one. */
static size_t rebuild_v2(const struct pp_info *info, uint8_t *out, size_t cap,
                         struct pp_v2_builder *b)
{
        struct sl_str v;
        size_t pos = 0;
        uint8_t t;

        pp_v2_begin(b, out, cap, info->local, &info->src, &info->dst);
        while (pp_tlv_next(info, &pos, &t, &v)) {
                if (t == PP2_TYPE_CRC32C)
                        continue;
                if (t == PP2_TYPE_SSL && ssl_tiles(v)) {
                        const uint8_t *p = (const uint8_t *)v.ptr;
                        size_t sp = 5;

                        pp_v2_ssl_begin(b, p[0],
                                        (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
                                                (uint32_t)p[3] << 8 | p[4]);
                        while (sp < v.len) {
                                size_t l = (size_t)(p[sp + 1] << 8 | p[sp + 2]);

                                pp_v2_tlv(b, p[sp], p + sp + 3, l);
                                sp += 3 + l;
                        }
                        pp_v2_ssl_end(b);
                } else {
                        pp_v2_tlv(b, t, v.ptr, v.len);
                }
        }
        return pp_v2_end(b, has_crc(info));
}

/* The TLVs of @a and @b but CRC32C are the same, in the same order. */
static void same_tlvs(const struct pp_info *a, const struct pp_info *b)
{
        size_t pa = 0, pb = 0;
        struct sl_str va, vb;
        uint8_t ta, tb;

        for (;;) {
                bool ma, mb;

                while ((ma = pp_tlv_next(a, &pa, &ta, &va)) && ta == PP2_TYPE_CRC32C)
                        ;
                while ((mb = pp_tlv_next(b, &pb, &tb, &vb)) && tb == PP2_TYPE_CRC32C)
                        ;
                check(ma == mb);
                if (!ma)
                        break;
                check(ta == tb && va.len == vb.len && !memcmp(va.ptr, vb.ptr, va.len));
        }
        check(has_crc(a) == has_crc(b));
}

static void valid_check(const uint8_t *data, size_t size, const struct pp_info *info, int r)
{
        static uint8_t out[PP_HDR_MAX], again[PP_HDR_MAX], small[PP_HDR_MAX];
        struct pp_info back, back2;
        struct pp_v2_builder b;
        size_t pos = 0, n, n2, cap;
        struct sl_str v;
        uint8_t t;

        check(info->hdr_len == (size_t)r);
        check(info->version == 1 || info->version == 2);
        check(info->version == 2 ? (size_t)r <= PP_HDR_MAX : (size_t)r <= PP_V1_MAX);
        if (info->local) {
                check(info->src.ss_family == AF_UNSPEC && info->dst.ss_family == AF_UNSPEC);
        } else {
                check(info->src.ss_family == AF_INET || info->src.ss_family == AF_INET6);
                check(info->dst.ss_family == info->src.ss_family);
        }
        if (info->version == 1) {
                check(info->tlv == NULL && info->tlv_len == 0);
        } else {
                check(info->tlv >= data && info->tlv + info->tlv_len == data + r);
                check(pp_want(data, size) == (size_t)r);
        }
        while (pp_tlv_next(info, &pos, &t, &v)) {
                inside(v, info->tlv, info->tlv_len);
                if (t == PP2_TYPE_CRC32C)
                        check(v.len == 4);
                if (t == PP2_TYPE_UNIQUE_ID)
                        check(v.len <= PP2_UNIQUE_ID_MAX);
                ssl_read(v);
        }
        check(pos == info->tlv_len);

        /* v1 from the addresses */
        n = pp_v1_build(out, &info->src, &info->dst);
        check(n > 0 && n <= PP_V1_MAX);
        check(pp_parse(out, n, &back) == (int)n);
        check(back.local == info->local);
        check(sa_eq(&back.src, &info->src) && sa_eq(&back.dst, &info->dst));

        /* v2 with everything */
        n = rebuild_v2(info, out, sizeof(out), &b);
        check(n > 0 && !b.overflow);
        check(parse_copy(out, n, &back) == (int)n);
        check(pp_parse(out, n, &back) == (int)n);
        check(back.version == 2 && back.local == info->local);
        check(sa_eq(&back.src, &info->src) && sa_eq(&back.dst, &info->dst));
        same_tlvs(info, &back);
        n2 = rebuild_v2(&back, again, sizeof(again), &b);
        check(n2 == n && !memcmp(again, out, n));
        check(pp_parse(again, n2, &back2) == (int)n2);

        /* with too little room: 0 and nothing written past it, or the same bytes */
        cap = size ? data[size - 1] % (n + 1) : 0;
        memset(small, 0xa5, sizeof(small));
        n2 = rebuild_v2(info, small, cap, &b);
        if (cap < n) {
                check(n2 == 0 && b.overflow && b.len == n);
                for (size_t k = cap; k < n; k++)
                        check(small[k] == 0xa5);
        } else {
                check(n2 == n && !memcmp(small, out, n));
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct pp_info info;
        int r = pp_parse(data, size, &info);
        size_t k;

        check(r == 0 || r == -EPROTO || (r > 0 && (size_t)r <= size));
        /* every prefix when short, else a few where the parser changes its mind */
        if (size <= 64) {
                for (k = 0; k < size; k++)
                        prefix_check(data, k, r);
        } else {
                static const size_t at[] = {1, 5, 6, 12, 13, 14, 15, 16, 17, 28, 52, 106, 107};

                for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
                        if (at[k] < size)
                                prefix_check(data, at[k], r);
                }
                prefix_check(data, size / 2, r);
                prefix_check(data, size - 1, r);
                if (r > 1) {
                        prefix_check(data, (size_t)r - 1, r);
                        prefix_check(data, (size_t)r, r);
                }
        }
        if (r == 0 && size >= PP_V2_FIXED && data[0] == pp_v2_sig[0])
                check(pp_want(data, size) > size && pp_want(data, size) <= PP_HDR_MAX);
        if (r == 0 && size > 0 && data[0] == 'P')
                check(size < PP_V1_MAX);
        if (r > 0)
                valid_check(data, size, &info, r);
        return 0;
}
