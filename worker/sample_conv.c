/* Converters and casts (see sample_conv.h), run by the sample engine (sample.c) on each
 * value a fetch gives, in the order the expression names them. */
#include "sample_conv.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "acl.h"
#include "http_rewrite.h"
#include "lb_hash.h"
#include "macros.h"
#include "sample_text.h"
#include "session.h"
#include "stick.h"
#include "vars.h"

/* HAProxy's read_int64(): an optional sign, then digits up to the first other byte. */
static int64_t str_leading_int(struct sl_str s)
{
        uint64_t u = 0;
        size_t i = 0;
        bool neg = false;

        if (i < s.len && (s.ptr[i] == '-' || s.ptr[i] == '+'))
                neg = s.ptr[i++] == '-';
        for (; i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9'; i++)
                u = u * 10 + (uint64_t)(s.ptr[i] - '0');
        return neg ? (int64_t)(0 - u) : (int64_t)u;
}

static bool str_to_addr(struct sl_str s, struct cfg_smp_value *v)
{
        char tmp[INET6_ADDRSTRLEN + 1];

        if (s.len == 0 || s.len >= sizeof(tmp))
                return false;
        memcpy(tmp, s.ptr, s.len);
        tmp[s.len] = '\0';
        if (inet_pton(AF_INET, tmp, v->addr) == 1)
                v->family = AF_INET;
        else if (inet_pton(AF_INET6, tmp, v->addr) == 1)
                v->family = AF_INET6;
        else
                return false;
        v->type = CFG_SMP_IP;
        return true;
}

bool sample_cast(struct cfg_smp_value *v, enum cfg_smp_type to, char *buf, size_t size)
{
        int n;

        if (to == CFG_SMP_ANY || v->type == to)
                return true;
        switch (v->type) {
        case CFG_SMP_BOOL:
        case CFG_SMP_INT:
                switch (to) {
                case CFG_SMP_BOOL:
                        v->i = v->i != 0;
                        break;
                case CFG_SMP_INT:
                        break;
                case CFG_SMP_IP:
                        if (v->type == CFG_SMP_BOOL)
                                return false;
                        v->family = AF_INET;
                        for (unsigned k = 0; k < 4; k++)
                                v->addr[k] = (uint8_t)((uint64_t)v->i >> (24 - 8 * k));
                        break;
                case CFG_SMP_STR:
                        n = snprintf(buf, size, "%lld", (long long)v->i);
                        if (n < 0 || (size_t)n >= size)
                                return false;
                        v->str = sl_str_make(buf, (size_t)n);
                        break;
                case CFG_SMP_BIN:
                        if (size < 8)
                                return false;
                        for (unsigned k = 0; k < 8; k++)
                                buf[k] = (char)((uint64_t)v->i >> (56 - 8 * k));
                        v->str = sl_str_make(buf, 8);
                        break;
                case CFG_SMP_ANY:
                        break;
                }
                break;
        case CFG_SMP_IP:
                switch (to) {
                case CFG_SMP_INT:
                        if (v->family != AF_INET)
                                return false;
                        v->i = (int64_t)((uint32_t)v->addr[0] << 24 | (uint32_t)v->addr[1] << 16 |
                                         (uint32_t)v->addr[2] << 8 | v->addr[3]);
                        break;
                case CFG_SMP_STR:
                        if (size < INET6_ADDRSTRLEN || !inet_ntop(v->family, v->addr, buf, size))
                                return false;
                        v->str = sl_str_make(buf, strlen(buf));
                        break;
                case CFG_SMP_BIN: {
                        size_t len = v->family == AF_INET ? 4 : 16;

                        if (size < len)
                                return false;
                        memcpy(buf, v->addr, len);
                        v->str = sl_str_make(buf, len);
                        break;
                }
                default:
                        return false;
                }
                break;
        case CFG_SMP_STR:
        case CFG_SMP_BIN:
                switch (to) {
                case CFG_SMP_BOOL:
                case CFG_SMP_INT:
                        if (v->str.len == 0)
                                return false;
                        v->i = str_leading_int(v->str);
                        if (to == CFG_SMP_BOOL)
                                v->i = v->i != 0;
                        break;
                case CFG_SMP_IP:
                        if (!str_to_addr(v->str, v))
                                return false;
                        break;
                case CFG_SMP_STR: {
                        /* binary to text: up to its first NUL */
                        const char *nul = memchr(v->str.ptr, '\0', v->str.len);

                        if (nul)
                                v->str.len = (size_t)(nul - v->str.ptr);
                        break;
                }
                case CFG_SMP_BIN:
                case CFG_SMP_ANY:
                        break;
                }
                break;
        case CFG_SMP_ANY:
                break;
        }
        v->type = to;
        return true;
}

/* ---- encodings ---- */

static bool conv_hex(struct cfg_smp_value *v, struct smp_out *o)
{
        for (size_t i = 0; i < v->str.len; i++) {
                unsigned char c = (unsigned char)v->str.ptr[i];
                char e[2] = {smp_hexdigits[c >> 4], smp_hexdigits[c & 15]};

                if (!smp_out_put(o, e, 2))
                        return false;
        }
        smp_out_done(v, o, CFG_SMP_STR);
        return true;
}

static bool conv_hex2i(struct cfg_smp_value *v)
{
        int64_t n = 0;

        for (size_t i = 0; i < v->str.len; i++) {
                int d = smp_hexval(v->str.ptr[i]);

                if (d < 0)
                        return false;
                n = (int64_t)((uint64_t)n << 4) + d;
        }
        *v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = n};
        return true;
}

static bool conv_b64enc(struct cfg_smp_value *v, struct smp_out *o, bool url)
{
        const char *abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                              : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const unsigned char *p = (const unsigned char *)v->str.ptr;
        size_t n = v->str.len;

        for (size_t i = 0; i < n; i += 3) {
                uint32_t b = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                             (i + 2 < n ? p[i + 2] : 0);
                char e[4] = {abc[b >> 18], abc[b >> 12 & 63], abc[b >> 6 & 63], abc[b & 63]};
                size_t keep = i + 2 < n ? 4 : i + 1 < n ? 3 : 2;

                if (!url)
                        for (size_t k = keep; k < 4; k++)
                                e[k] = '=';
                if (!smp_out_put(o, e, url ? keep : 4))
                        return false;
        }
        smp_out_done(v, o, CFG_SMP_STR);
        return true;
}

/* base64 (padding required, as HAProxy's base64dec()) or base64url (padding optional). */
static bool conv_b64dec(struct cfg_smp_value *v, struct smp_out *o, bool url)
{
        const char *abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                              : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        size_t n = v->str.len, pad = 0;
        uint32_t acc = 0;
        unsigned bits = 0;

        if (!url && n % 4)
                return false;
        while (n && v->str.ptr[n - 1] == '=' && pad < 2) {
                n--;
                pad++;
        }
        if (url && n % 4 == 1)
                return false;
        for (size_t i = 0; i < n; i++) {
                const char *pos = v->str.ptr[i] ? memchr(abc, v->str.ptr[i], 64) : NULL;

                if (!pos)
                        return false;
                acc = acc << 6 | (uint32_t)(pos - abc);
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        if (!smp_out_ch(o, (char)(acc >> bits)))
                                return false;
                }
        }
        smp_out_done(v, o, CFG_SMP_BIN);
        return true;
}

/* be2dec(<sep>,<chunk>[,<truncate>]), be2hex([<sep>],[<chunk>],[<truncate>]). */
static bool conv_be2(const struct cfg_arg *a, unsigned n_args, bool dec, struct cfg_smp_value *v,
                     struct smp_out *o)
{
        struct sl_str sep = n_args ? a[0].str : SL_STR_NULL;
        int64_t chunk = n_args > 1 ? a[1].i : 0;
        bool trunc = n_args > 2 && a[2].i;
        const unsigned char *p = (const unsigned char *)v->str.ptr;
        size_t n = v->str.len, pos = 0, last;

        if (!dec && !sep.len && !trunc)
                chunk = (int64_t)n;
        if (chunk <= 0)
                chunk = (int64_t)(n ? n : 1);
        last = trunc ? (n >= (size_t)chunk ? n - (size_t)chunk + 1 : 0) : n;
        while (pos < last) {
                if (pos && !smp_out_put(o, sep.ptr, sep.len))
                        return false;
                if (dec) {
                        unsigned long long num = 0;
                        char d[24];
                        int k;

                        for (int64_t i = 0; i < chunk && pos < n; i++)
                                num = num << 8 | p[pos++];
                        k = snprintf(d, sizeof(d), "%llu", num);
                        if (!smp_out_put(o, d, (size_t)k))
                                return false;
                } else {
                        for (int64_t i = 0; i < chunk && pos < n; i++) {
                                char e[2] = {smp_hexdigits[p[pos] >> 4],
                                             smp_hexdigits[p[pos] & 15]};

                                pos++;
                                if (!smp_out_put(o, e, 2))
                                        return false;
                        }
                }
        }
        smp_out_done(v, o, CFG_SMP_STR);
        return true;
}

/* ---- hashes and digests ---- */

static uint32_t crc32c(const unsigned char *p, size_t n)
{
        uint32_t h = ~0u;

        for (size_t i = 0; i < n; i++) {
                h ^= p[i];
                for (int bit = 0; bit < 8; bit++)
                        h = (h >> 1) ^ ((h & 1) ? 0x82f63b78u : 0);
        }
        return ~h;
}

static bool conv_hash(const struct cfg_conv_call *call, struct cfg_smp_value *v)
{
        const unsigned char *p = (const unsigned char *)v->str.ptr;
        size_t n = v->str.len;
        int64_t arg = call->n_args ? call->args[0].i : 0;
        bool avalanche = arg == 1;
        uint64_t h;

        switch (call->conv) {
        case CFG_CONV_CRC32:
                h = lb_hash(CFG_HASH_FN_CRC32, avalanche, p, n);
                break;
        case CFG_CONV_CRC32C:
                h = crc32c(p, n);
                if (avalanche)
                        h = lb_hash_full((uint32_t)h);
                break;
        case CFG_CONV_DJB2:
                h = lb_hash(CFG_HASH_FN_DJB2, avalanche, p, n);
                break;
        case CFG_CONV_SDBM:
                h = lb_hash(CFG_HASH_FN_SDBM, avalanche, p, n);
                break;
        case CFG_CONV_WT6:
                h = lb_hash(CFG_HASH_FN_WT6, avalanche, p, n);
                break;
        case CFG_CONV_XXH32:
                h = XXH32(p, n, (XXH32_hash_t)arg);
                break;
        case CFG_CONV_XXH64:
                h = XXH64(p, n, (XXH64_hash_t)arg);
                break;
        case CFG_CONV_XXH3:
                h = XXH3_64bits_withSeed(p, n, (XXH64_hash_t)arg);
                break;
        default:
                return false;
        }
        *v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = (int64_t)h};
        return true;
}

static bool conv_digest(const struct cfg_conv_call *call, struct cfg_smp_value *v,
                        struct smp_out *o)
{
        const EVP_MD *md;
        unsigned int len = 0;
        unsigned char *res = (unsigned char *)o->p;

        switch (call->conv) {
        case CFG_CONV_SHA1:
                md = EVP_sha1();
                break;
        case CFG_CONV_SHA2: {
                int64_t bits = call->n_args ? call->args[0].i : 256;

                md = bits == 224   ? EVP_sha224()
                     : bits == 384 ? EVP_sha384()
                     : bits == 512 ? EVP_sha512()
                                   : EVP_sha256();
                break;
        }
        default:
                md = EVP_get_digestbyname(call->args[0].str.ptr);
                break;
        }
        if (!md || o->size < EVP_MAX_MD_SIZE)
                return false;
        if (call->conv == CFG_CONV_HMAC) {
                if (!HMAC(md, call->args[1].str.ptr, (int)call->args[1].str.len,
                          (const unsigned char *)v->str.ptr, v->str.len, res, &len))
                        return false;
        } else if (!EVP_Digest(v->str.ptr, v->str.len, res, &len, md, NULL)) {
                return false;
        }
        o->len = len;
        smp_out_done(v, o, CFG_SMP_BIN);
        return true;
}

/* ---- variables ---- */

/* The value of variable @ref as @type; false when it is not set or cannot be cast. */
static bool var_as(const struct smp_ctx *c, const struct cfg_var_ref *ref, enum cfg_smp_type type,
                   struct cfg_smp_value *ret, char *buf, size_t size)
{
        return vars_get(c, ref, ret) && sample_cast(ret, type, buf, size);
}

/* concat([<start>],[<var>],[<end>]): the value, then the three (a variable that is not set
 * adds nothing). */
static bool conv_concat(const struct smp_ctx *c, const struct cfg_conv_call *call,
                        struct cfg_smp_value *v, struct smp_out *o)
{
        const struct cfg_arg *a = call->args;
        struct cfg_smp_value var;
        char num[48];

        if (!smp_out_put(o, v->str.ptr, v->str.len))
                return false;
        if (call->n_args > 0 && !smp_out_put(o, a[0].str.ptr, a[0].str.len))
                return false;
        if (call->n_args > 1 && a[1].type == CFG_ARG_VAR &&
            var_as(c, &a[1].var, CFG_SMP_STR, &var, num, sizeof(num)) &&
            !smp_out_put(o, var.str.ptr, var.str.len))
                return false;
        if (call->n_args > 2 && !smp_out_put(o, a[2].str.ptr, a[2].str.len))
                return false;
        smp_out_done(v, o, CFG_SMP_STR);
        return true;
}

/* strcmp(<var>): strcmp(3) of the value and the variable as text, as HAProxy (bytes up to
 * the shorter length, then the shorter is less). */
static bool conv_strcmp(const struct smp_ctx *c, const struct cfg_conv_call *call,
                        struct cfg_smp_value *v)
{
        struct cfg_smp_value var;
        char num[48];
        size_t n;
        int r;

        if (!var_as(c, &call->args[0].var, CFG_SMP_STR, &var, num, sizeof(num)))
                return false;
        n = SL_MIN(v->str.len, var.str.len);
        r = strncmp(v->str.ptr ? v->str.ptr : "", var.str.ptr ? var.str.ptr : "", n);
        if (r == 0 && v->str.len != var.str.len)
                r = v->str.len < var.str.len ? -1 : 1;
        *v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = r};
        return true;
}

/* secure_memcmp(<var>): the bytes are equal, compared in constant time when the lengths are. */
static bool conv_secure_memcmp(const struct smp_ctx *c, const struct cfg_conv_call *call,
                               struct cfg_smp_value *v)
{
        struct cfg_smp_value var;
        char num[48];
        bool eq;

        if (!var_as(c, &call->args[0].var, CFG_SMP_BIN, &var, num, sizeof(num)))
                return false;
        eq = v->str.len == var.str.len &&
             (v->str.len == 0 || CRYPTO_memcmp(v->str.ptr, var.str.ptr, v->str.len) == 0);
        *v = (struct cfg_smp_value){.type = CFG_SMP_BOOL, .i = eq};
        return true;
}

/* ---- maps ---- */

/* map*(<file>[,<default>]): the value of the key @v matches, as HAProxy's map picks it (see
 * config/pat_index.h), else the default, else no value. Values live in the generation. */
static bool conv_map(const struct cfg_conv_call *call, struct cfg_smp_value *v, struct smp_out *o)
{
        long k = cfg_acl_expr_find(&call->map->keys, v);

        if (k >= 0 && call->map_backrefs) {
                /* map_regm: the value with "\N" replaced by the key's groups */
                ssize_t n = http_rewrite_regex(call->map->keys.pats[k].re, v->str,
                                               call->map->values[k].str, o->p, o->size);

                if (n < 0)
                        return false;
                o->len = (size_t)n;
                smp_out_done(v, o, CFG_SMP_STR);
        } else if (k >= 0)
                *v = call->map->values[k];
        else if (call->map_has_default)
                *v = call->map_default;
        else
                return false;
        return true;
}

/* ---- integers ---- */

static bool conv_arith(const struct smp_ctx *c, const struct cfg_conv_call *call,
                       struct cfg_smp_value *v)
{
        int64_t a = v->i, b = call->n_args ? call->args[0].i : 0;
        struct cfg_smp_value var;
        char num[48];

        /* the argument may be a variable, which must then hold an integer */
        if (call->n_args && call->args[0].type == CFG_ARG_VAR) {
                if (!var_as(c, &call->args[0].var, CFG_SMP_INT, &var, num, sizeof(num)))
                        return false;
                b = var.i;
        }
        uint64_t ua = (uint64_t)a, ub = (uint64_t)b;

        switch (call->conv) {
        case CFG_CONV_ADD:
                /* HAProxy saturates instead of wrapping */
                if (__builtin_add_overflow(a, b, &v->i))
                        v->i = b > 0 ? INT64_MAX : INT64_MIN;
                return true;
        case CFG_CONV_SUB:
                if (__builtin_sub_overflow(a, b, &v->i))
                        v->i = b < 0 ? INT64_MAX : INT64_MIN;
                return true;
        case CFG_CONV_MUL:
                if (__builtin_mul_overflow(a, b, &v->i))
                        v->i = (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
                return true;
        case CFG_CONV_DIV:
                if (b == 0)
                        v->i = INT64_MAX;
                else if (a == INT64_MIN && b == -1)
                        v->i = INT64_MAX;
                else
                        v->i = a / b;
                return true;
        case CFG_CONV_MOD:
                v->i = b == 0 || (a == INT64_MIN && b == -1) ? 0 : a % b;
                return true;
        case CFG_CONV_AND:
                v->i = (int64_t)(ua & ub);
                return true;
        case CFG_CONV_OR:
                v->i = (int64_t)(ua | ub);
                return true;
        case CFG_CONV_XOR:
                v->i = (int64_t)(ua ^ ub);
                return true;
        case CFG_CONV_NEG:
                v->i = a == INT64_MIN ? INT64_MAX : -a;
                return true;
        case CFG_CONV_CPL:
                v->i = (int64_t)~ua;
                return true;
        case CFG_CONV_NOT:
                *v = (struct cfg_smp_value){.type = CFG_SMP_BOOL, .i = a == 0};
                return true;
        case CFG_CONV_BOOL:
                *v = (struct cfg_smp_value){.type = CFG_SMP_BOOL, .i = a != 0};
                return true;
        case CFG_CONV_ODD:
                *v = (struct cfg_smp_value){.type = CFG_SMP_BOOL, .i = (ua & 1) != 0};
                return true;
        case CFG_CONV_EVEN:
                *v = (struct cfg_smp_value){.type = CFG_SMP_BOOL, .i = (ua & 1) == 0};
                return true;
        default:
                return false;
        }
}

/* ---- time ---- */

static bool conv_http_date(const struct cfg_arg *a, unsigned n_args, struct cfg_smp_value *v,
                           struct smp_out *o)
{
        static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
        static const char mons[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        int64_t t = v->i + (n_args ? a[0].i : 0), unit = n_args > 1 ? a[1].i : 0, frac = 0;
        struct tm tm;
        time_t secs;
        int n;

        if (unit == 1) {
                frac = t % 1000;
                t /= 1000;
        } else if (unit == 2) {
                frac = t % 1000000;
                t /= 1000000;
        }
        /* as HAProxy: 55 bits, so that a large value is no negative date */
        secs = (time_t)(t & 0x007fffffffffffffLL);
        if (!gmtime_r(&secs, &tm))
                return false;
        if (unit)
                n = snprintf(o->p, o->size, "%s, %02d %s %04d %02d:%02d:%02d.%d GMT",
                             days[tm.tm_wday], tm.tm_mday, mons[tm.tm_mon], 1900 + tm.tm_year,
                             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
        else
                n = snprintf(o->p, o->size, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                             tm.tm_mday, mons[tm.tm_mon], 1900 + tm.tm_year, tm.tm_hour, tm.tm_min,
                             tm.tm_sec);
        if (n < 0 || (size_t)n >= o->size)
                return false;
        o->len = (size_t)n;
        smp_out_done(v, o, CFG_SMP_STR);
        return true;
}

/* ltime/utime(<format>[,<offset>]): strftime(3) in local time or UTC. */
static bool conv_strftime(const struct cfg_arg *a, unsigned n_args, bool local,
                          struct cfg_smp_value *v, struct smp_out *o)
{
        time_t t = (time_t)(v->i + (n_args > 1 ? a[1].i : 0));
        struct tm tm;
        size_t n;

        if (!(local ? localtime_r(&t, &tm) : gmtime_r(&t, &tm)))
                return false;
        n = strftime(o->p, o->size, a[0].str.ptr, &tm);
        if (n == 0 && a[0].str.len)
                return false;
        o->len = n;
        smp_out_done(v, o, CFG_SMP_STR);
        return true;
}

/* ---- addresses ---- */

static bool conv_ipmask(const struct cfg_arg *a, unsigned n_args, struct cfg_smp_value *v)
{
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

        /* an IPv4-mapped address is masked as IPv4 (HAProxy's c_ipv62ip()) */
        if (v->family == AF_INET6 && memcmp(v->addr, mapped, 12) == 0) {
                memmove(v->addr, v->addr + 12, 4);
                memset(v->addr + 4, 0, 12);
                v->family = AF_INET;
        }
        if (v->family == AF_INET) {
                for (unsigned k = 0; k < 4; k++)
                        v->addr[k] &= a[0].addr[k];
                return true;
        }
        if (n_args < 2)
                return false;
        for (unsigned k = 0; k < 16; k++)
                v->addr[k] &= a[1].addr[k];
        return true;
}

bool sample_conv(const struct smp_ctx *c, const struct cfg_conv_call *call, struct cfg_smp_value *v,
                 char *out, size_t size)
{
        const struct cfg_arg *a = call->args;
        struct smp_out o = {out, size, 0};

        switch (call->conv) {
        case CFG_CONV_LOWER:
        case CFG_CONV_UPPER:
        case CFG_CONV_LENGTH:
        case CFG_CONV_BYTES:
        case CFG_CONV_FIELD:
        case CFG_CONV_WORD:
        case CFG_CONV_REGSUB:
        case CFG_CONV_LTRIM:
        case CFG_CONV_RTRIM:
        case CFG_CONV_CUT_CRLF:
        case CFG_CONV_JSON:
        case CFG_CONV_URL_DEC:
        case CFG_CONV_URL_ENC:
        case CFG_CONV_LANGUAGE:
        case CFG_CONV_IIF:
                return sample_text_conv(call, v, &o);
        case CFG_CONV_TABLE:
        case CFG_CONV_TABLE_TRACKERS:
        case CFG_CONV_IN_TABLE:
                return stick_table_conv(c->w, call, v, v);
        case CFG_CONV_HEX:
                return conv_hex(v, &o);
        case CFG_CONV_HEX2I:
                return conv_hex2i(v);
        case CFG_CONV_BASE64:
        case CFG_CONV_UB64ENC:
                return conv_b64enc(v, &o, call->conv == CFG_CONV_UB64ENC);
        case CFG_CONV_B64DEC:
        case CFG_CONV_UB64DEC:
                return conv_b64dec(v, &o, call->conv == CFG_CONV_UB64DEC);
        case CFG_CONV_BE2DEC:
        case CFG_CONV_BE2HEX:
                return conv_be2(a, call->n_args, call->conv == CFG_CONV_BE2DEC, v, &o);
        case CFG_CONV_HTONL: {
                uint32_t n = htonl((uint32_t)v->i);

                return smp_out_put(&o, &n, 4) && (smp_out_done(v, &o, CFG_SMP_BIN), true);
        }
        case CFG_CONV_CRC32:
        case CFG_CONV_CRC32C:
        case CFG_CONV_DJB2:
        case CFG_CONV_SDBM:
        case CFG_CONV_WT6:
        case CFG_CONV_XXH32:
        case CFG_CONV_XXH64:
        case CFG_CONV_XXH3:
                return conv_hash(call, v);
        case CFG_CONV_SHA1:
        case CFG_CONV_SHA2:
        case CFG_CONV_DIGEST:
        case CFG_CONV_HMAC:
                return conv_digest(call, v, &o);
        case CFG_CONV_ADD:
        case CFG_CONV_SUB:
        case CFG_CONV_MUL:
        case CFG_CONV_DIV:
        case CFG_CONV_MOD:
        case CFG_CONV_AND:
        case CFG_CONV_OR:
        case CFG_CONV_XOR:
        case CFG_CONV_NEG:
        case CFG_CONV_CPL:
        case CFG_CONV_NOT:
        case CFG_CONV_BOOL:
        case CFG_CONV_ODD:
        case CFG_CONV_EVEN:
                return conv_arith(c, call, v);
        case CFG_CONV_HTTP_DATE:
                return conv_http_date(a, call->n_args, v, &o);
        case CFG_CONV_LTIME:
        case CFG_CONV_UTIME:
                return conv_strftime(a, call->n_args, call->conv == CFG_CONV_LTIME, v, &o);
        case CFG_CONV_IPMASK:
                return conv_ipmask(a, call->n_args, v);
        case CFG_CONV_SET_VAR:
                return vars_set(c, &a[0].var, v, call->var_flags);
        case CFG_CONV_UNSET_VAR:
                vars_unset(c, &a[0].var);
                return true;
        case CFG_CONV_CONCAT:
                return conv_concat(c, call, v, &o);
        case CFG_CONV_STRCMP:
                return conv_strcmp(c, call, v);
        case CFG_CONV_SECURE_MEMCMP:
                return conv_secure_memcmp(c, call, v);
        case CFG_CONV_MAP:
                return conv_map(call, v, &o);
        case CFG_CONV_COUNT:
                break;
        }
        return false;
}
