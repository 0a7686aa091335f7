/* The hashing side of load balancing (see lb_hash.h): HAProxy's hash functions, and the key
 * each hashing algorithm reads from a request. lb_pick() calls lb_hash_key() for balance
 * source, uri, hdr() and rdp-cookie; the ring of consistent hashing places its points with
 * lb_hash_full(). */
#include "lb_hash.h"

#include <string.h>
#include <sys/socket.h>

#include "rdp.h"

/* ---- hash functions (HAProxy src/hash.c), fed in pieces so no key is ever copied ---- */

struct lb__hasher {
        enum cfg_hash_function fn;
        uint32_t h;                  /* sdbm, djb2, crc32 */
        uint32_t h0, h1, st0, st1;   /* wt6 */
        uint64_t num;                /* none: the number read so far */
        bool neg, num_done, started; /* none: sign, stopped at a non-digit, past byte 0 */
};

static void lb__hasher_init(struct lb__hasher *s, enum cfg_hash_function fn)
{
        memset(s, 0, sizeof(*s));
        s->fn = fn;
        switch (fn) {
        case CFG_HASH_FN_DJB2:
                s->h = 5381;
                break;
        case CFG_HASH_FN_CRC32:
                s->h = ~0u;
                break;
        case CFG_HASH_FN_WT6:
                s->h0 = 0xa53c965au;
                s->h1 = 0x5ca6953au;
                s->st0 = 6;
                s->st1 = 18;
                break;
        case CFG_HASH_FN_SDBM:
        case CFG_HASH_FN_NONE:
                break;
        }
}

static void lb__hasher_feed(struct lb__hasher *s, const void *data, size_t len)
{
        const unsigned char *p = data;

        switch (s->fn) {
        case CFG_HASH_FN_SDBM:
                for (size_t i = 0; i < len; i++)
                        s->h = p[i] + (s->h << 6) + (s->h << 16) - s->h;
                break;
        case CFG_HASH_FN_DJB2:
                for (size_t i = 0; i < len; i++)
                        s->h = ((s->h << 5) + s->h) + p[i];
                break;
        case CFG_HASH_FN_WT6:
                for (size_t i = 0; i < len; i++) {
                        uint32_t t = p[i];

                        s->h0 = ~(s->h0 ^ t);
                        s->h1 = ~(s->h1 + t);
                        t = (s->h1 << s->st0) | (s->h1 >> ((32 - s->st0) & 31));
                        s->h1 = (s->h0 << s->st1) | (s->h0 >> ((32 - s->st1) & 31));
                        s->h0 = t;
                        t = ((s->h0 >> 16) ^ s->h1) & 0xffff;
                        s->st0 = t & 0x1f;
                        s->st1 = t >> 11;
                }
                break;
        case CFG_HASH_FN_CRC32:
                for (size_t i = 0; i < len; i++) {
                        s->h ^= p[i];
                        for (int bit = 0; bit < 8; bit++)
                                s->h = (s->h >> 1) ^ ((s->h & 1) ? 0xedb88320u : 0);
                }
                break;
        case CFG_HASH_FN_NONE:
                /* HAProxy's read_int64(): optional sign, then decimal digits up to the first
                 * other byte; the key is the number itself. */
                for (size_t i = 0; i < len && !s->num_done; i++) {
                        unsigned d = (unsigned)p[i] - '0';

                        if (!s->started && (p[i] == '-' || p[i] == '+')) {
                                s->neg = p[i] == '-';
                                s->started = true;
                                continue;
                        }
                        s->started = true;
                        if (d > 9) {
                                s->num_done = true;
                                break;
                        }
                        s->num = s->num * 10 + d;
                }
                break;
        }
}

static uint32_t lb__hasher_final(const struct lb__hasher *s, bool avalanche)
{
        uint32_t h = 0;

        switch (s->fn) {
        case CFG_HASH_FN_SDBM:
        case CFG_HASH_FN_DJB2:
                h = s->h;
                break;
        case CFG_HASH_FN_CRC32:
                h = ~s->h;
                break;
        case CFG_HASH_FN_WT6:
                h = s->h0 ^ s->h1;
                break;
        case CFG_HASH_FN_NONE:
                h = (uint32_t)(s->neg ? 0 - s->num : s->num);
                break;
        }
        return avalanche ? lb_hash_full(h) : h;
}

uint32_t lb_hash(enum cfg_hash_function fn, bool avalanche, const void *p, size_t len)
{
        struct lb__hasher s;

        lb__hasher_init(&s, fn);
        lb__hasher_feed(&s, p, len);
        return lb__hasher_final(&s, avalanche);
}

/* ---- keys ---- */

/* balance uri: HAProxy get_server_uh(), over the request-target as received (from the path
 * with path-only). Hashing stops at the '?' unless "whole", after "len" bytes, and at the
 * slash that starts directory depth+1 (the slashes of "http://" count, as in HAProxy). */
struct lb__uri_walk {
        size_t budget;    /* bytes left under "len" */
        unsigned slashes; /* seen so far */
        unsigned stop_at; /* the slash that ends the hash; 0: none */
        bool stop_at_qm;  /* without "whole" */
        bool done;
};

static size_t lb__uri_span(struct lb__uri_walk *w, const char *p, size_t len)
{
        size_t i;

        for (i = 0; i < len; i++) {
                if (w->budget == 0)
                        break;
                if (p[i] == '/') {
                        if (++w->slashes == w->stop_at)
                                break;
                } else if (p[i] == '?' && w->stop_at_qm) {
                        break;
                }
                w->budget--;
        }
        if (i < len)
                w->done = true;
        return i;
}

static uint32_t lb__hash_uri(const struct cfg_proxy *be, const struct lb_key *key)
{
        const struct cfg_balance *b = &be->balance;
        struct lb__uri_walk w = {
                .budget = b->uri_len ? b->uri_len : SIZE_MAX,
                .stop_at = b->uri_depth ? b->uri_depth + 1 : 0,
                .stop_at_qm = !b->uri_whole,
        };
        struct lb__hasher s;
        size_t n;

        lb__hasher_init(&s, be->hash_type.function);
        if (!b->uri_path_only && key->uri_head.len) {
                n = lb__uri_span(&w, key->uri_head.ptr, key->uri_head.len);
                lb__hasher_feed(&s, key->uri_head.ptr, n);
        }
        n = w.done ? 0 : lb__uri_span(&w, key->path.ptr, key->path.len);
        lb__hasher_feed(&s, key->path.ptr, n);
        if (!w.done && b->uri_whole && key->query.ptr) {
                if (lb__uri_span(&w, "?", 1) == 1) {
                        lb__hasher_feed(&s, "?", 1);
                        n = lb__uri_span(&w, key->query.ptr, key->query.len);
                        lb__hasher_feed(&s, key->query.ptr, n);
                }
        }
        return lb__hasher_final(&s, be->hash_type.avalanche);
}

/* hdr(name) use_domain_only, as HAProxy get_server_hh(): from the end, the dot before the TLD
 * (never the first byte) ends the part hashed, the previous dot starts it; no dot: all of it.
 * "www.example.com" and "example.com" both hash "example". */
static struct sl_str lb__domain_only(struct sl_str v)
{
        size_t end = v.len, start = 0, p;

        for (p = v.len; p-- > 1;) {
                if (v.ptr[p] == '.') {
                        end = p;
                        break;
                }
        }
        if (end == v.len)
                return v;
        for (p = end - 1; p >= 1; p--) {
                if (v.ptr[p - 1] == '.') {
                        start = p;
                        break;
                }
        }
        return sl_str_make(v.ptr + start, end - start);
}

bool lb_hash_key(const struct cfg_proxy *be, size_t hdr_name_len, const struct lb_key *key,
                 uint32_t *ret_hash)
{
        uint32_t h = 0;

        if (!key)
                return false;
        switch (be->balance.algo) {
        case CFG_LB_SOURCE: {
                unsigned words;

                if (key->family == AF_INET)
                        words = 1;
                else if (key->family == AF_INET6)
                        words = 4;
                else
                        return false;
                /* HAProxy XORs the address's 32-bit words and ignores the hash function here;
                 * only avalanche applies. */
                for (unsigned k = 0; k < words; k++) {
                        const uint8_t *a = key->addr + 4 * k;

                        h ^= (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 |
                             a[3];
                }
                if (be->hash_type.avalanche)
                        h = lb_hash_full(h);
                break;
        }
        case CFG_LB_URI:
                if (!key->path.ptr)
                        return false;
                h = lb__hash_uri(be, key);
                break;
        case CFG_LB_HDR: {
                struct sl_str v;

                if (!key->hdr || !be->balance.arg)
                        return false;
                v = key->hdr(key->hdr_data, be->balance.arg, hdr_name_len);
                if (!v.ptr || v.len == 0)
                        return false;
                if (be->balance.hdr_use_domain_only)
                        v = lb__domain_only(v);
                h = lb_hash(be->hash_type.function, be->hash_type.avalanche, v.ptr, v.len);
                break;
        }
        case CFG_LB_RDP_COOKIE: {
                struct sl_str v;

                if (rdp_cookie((const uint8_t *)key->content.ptr, key->content.len,
                               sl_str_from_cstr(be->balance.arg), &v) != RDP_OK ||
                    v.len == 0)
                        return false;
                h = lb_hash(be->hash_type.function, be->hash_type.avalanche, v.ptr, v.len);
                break;
        }
        case CFG_LB_ROUNDROBIN:
        case CFG_LB_STATIC_RR:
        case CFG_LB_LEASTCONN:
        case CFG_LB_FIRST:
        case CFG_LB_URL_PARAM:
        case CFG_LB_RANDOM:
        case CFG_LB_HASH:
                return false;
        }
        *ret_hash = h;
        return true;
}
