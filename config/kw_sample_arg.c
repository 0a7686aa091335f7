/* Arguments of sample fetches and converters (see kw_sample_arg.h): split, typed, checked. */
#include "kw_sample_arg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "macros.h"

void cfg__smp_err(struct smp_parse *sp, const char *fmt, ...)
{
        char msg[384];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        /* a lone name is in the message already */
        if (memchr(sp->s.ptr, '(', sp->s.len) || memchr(sp->s.ptr, ',', sp->s.len))
                cfg__err(sp->p, sp->w, "in '%s': %s", sp->expr, msg);
        else
                cfg__err(sp->p, sp->w, "%s", msg);
}

/* Split the argument list at s[*pos] (a '(') into @out, unquoted and unescaped as HAProxy's
 * make_arg_list(): single and double quotes group, a backslash escapes \ ' " and space, and
 * \r \n \t are the control characters; an unquoted ',' separates, an unquoted ')' ends.
 * Moves *pos past the ')'. Returns the number of arguments ("()" has none), or -1. */
int cfg__smp_args_split(struct smp_parse *sp, const char *name, size_t *pos, struct sl_str *out,
                        unsigned max)
{
        struct sl_str s = sp->s;
        size_t i = *pos + 1;
        char *buf = cfg_arena_alloc(&sp->p->gen->arena, s.len + 1), *o;
        unsigned n = 0;
        bool sq = false, dq = false;
        char *start;

        if (!buf) {
                cfg__oom(sp->p);
                return -1;
        }
        if (i < s.len && s.ptr[i] == ')') {
                *pos = i + 1;
                return 0;
        }
        o = start = buf;
        for (;;) {
                if (i == s.len) {
                        cfg__smp_err(sp, "missing ')' after the arguments of '%s'", name);
                        return -1;
                }
                char c = s.ptr[i];

                if (c == '"' && !sq) {
                        dq = !dq;
                        i++;
                        continue;
                }
                if (c == '\'' && !dq) {
                        sq = !sq;
                        i++;
                        continue;
                }
                if (c == '\\' && !sq && i + 1 < s.len) {
                        char e = s.ptr[i + 1];

                        if (e == '\\' || e == ' ' || e == '"' || e == '\'') {
                                *o++ = e;
                                i += 2;
                        } else if (e == 'r' || e == 'n' || e == 't') {
                                *o++ = e == 'r' ? '\r' : e == 'n' ? '\n' : '\t';
                                i += 2;
                        } else {
                                *o++ = c;
                                i++;
                        }
                        continue;
                }
                if (!sq && !dq && (c == ',' || c == ')')) {
                        if (n == max) {
                                cfg__smp_err(sp, "'%s' takes at most %u argument%s", name, max,
                                             max == 1 ? "" : "s");
                                return -1;
                        }
                        *o = '\0';
                        out[n++] = sl_str_make(start, (size_t)(o - start));
                        start = ++o;
                        i++;
                        if (c == ')')
                                break;
                        continue;
                }
                *o++ = c;
                i++;
        }
        *pos = i;
        return (int)n;
}

static bool arg_int(struct sl_str s, int64_t *ret)
{
        char tmp[32];
        char *end;

        if (s.len == 0 || s.len >= sizeof(tmp))
                return false;
        memcpy(tmp, s.ptr, s.len);
        tmp[s.len] = '\0';
        errno = 0;
        *ret = strtoll(tmp, &end, 10);
        return *end == '\0' && errno == 0;
}

static const char *const scope_names[CFG_SCOPE_COUNT] = {
        [CFG_SCOPE_PROC] = "proc", [CFG_SCOPE_SESS] = "sess", [CFG_SCOPE_TXN] = "txn",
        [CFG_SCOPE_REQ] = "req",   [CFG_SCOPE_RES] = "res",
};

const char *cfg_var_scope_name(enum cfg_var_scope s)
{
        return (unsigned)s < CFG_SCOPE_COUNT ? scope_names[s] : "?";
}

bool cfg__var_ref(struct cfg_parser *p, unsigned w, struct sl_str name, struct cfg_var_ref *ret)
{
        struct cfg_var_names *t;
        const char *dot = memchr(name.ptr, '.', name.len);
        struct sl_str scope, rest;
        const char **slot;
        char *copy;
        int sc = -1;

        if (dot) {
                scope = sl_str_make(name.ptr, (size_t)(dot - name.ptr));
                rest = sl_str_make(dot + 1, name.len - scope.len - 1);
                for (unsigned i = 0; i < CFG_SCOPE_COUNT; i++)
                        if (sl_str_eq(scope, sl_str_from_cstr(scope_names[i])))
                                sc = (int)i;
        }
        if (sc < 0) {
                cfg__err(p, w,
                         "variable '%.*s' needs a scope: 'proc.', 'sess.', 'txn.', 'req.' or "
                         "'res.' before its name",
                         (int)name.len, name.ptr);
                return false;
        }
        if (rest.len == 0) {
                cfg__err(p, w, "variable '%.*s' has no name after its scope", (int)name.len,
                         name.ptr);
                return false;
        }
        for (size_t i = 0; i < rest.len; i++) {
                char c = rest.ptr[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_')) {
                        cfg__err(p, w,
                                 "invalid character '%c' in variable name '%.*s': use letters, "
                                 "digits, '.' and '_'",
                                 c, (int)name.len, name.ptr);
                        return false;
                }
        }
        /* req. and res. share a store, and a name one slot in it, as HAProxy's names */
        t = &p->gen->vars[cfg_var_store_of((enum cfg_var_scope)sc)];
        ret->scope = (enum cfg_var_scope)sc;
        ret->name = cfg_arena_strndup(&p->gen->arena, name.ptr, name.len);
        if (!ret->name) {
                cfg__oom(p);
                return false;
        }
        for (size_t i = 0; i < t->n; i++) {
                if (sl_str_eq(sl_str_from_cstr(t->v[i]), rest)) {
                        ret->idx = (unsigned)i;
                        return true;
                }
        }
        copy = cfg_arena_strndup(&p->gen->arena, rest.ptr, rest.len);
        slot = cfg_arena_push(&p->gen->arena, (void **)&t->v, &t->n, &t->cap, sizeof(*slot));
        if (!copy || !slot) {
                cfg__oom(p);
                return false;
        }
        *slot = copy;
        ret->idx = (unsigned)(t->n - 1);
        return true;
}

/* An address mask of @family: dotted (IPv4), an IPv6 address, or a prefix length. */
static bool arg_mask(struct sl_str s, int family, struct cfg_arg *a)
{
        unsigned max = family == AF_INET ? 32 : 128;
        int64_t bits;

        a->family = family;
        memset(a->addr, 0, sizeof(a->addr));
        if (arg_int(s, &bits)) {
                if (bits < 0 || bits > max)
                        return false;
                for (unsigned b = 0; b < (unsigned)bits; b++)
                        a->addr[b / 8] |= (uint8_t)(0x80u >> (b % 8));
                return true;
        }
        return s.len && inet_pton(family, s.ptr, a->addr) == 1;
}

/* A PROXY protocol v2 TLV type (fc_pp_tlv): a number (0x.. in hexadecimal) from 0 to 255, or
 * the suffix of its PP2_TYPE_ / PP2_SUBTYPE_ name, as HAProxy takes it. */
static bool arg_pp_tlv(struct sl_str s, int64_t *ret)
{
        static const struct {
                const char *name;
                int type;
        } names[] = {
                {"ALPN", 0x01},        {"AUTHORITY", 0x02},   {"CRC32C", 0x03},
                {"NOOP", 0x04},        {"UNIQUE_ID", 0x05},   {"SSL", 0x20},
                {"SSL_VERSION", 0x21}, {"SSL_CN", 0x22},      {"SSL_CIPHER", 0x23},
                {"SSL_SIG_ALG", 0x24}, {"SSL_KEY_ALG", 0x25}, {"NETNS", 0x30},
        };
        char *end;
        long v;

        for (size_t i = 0; i < SL_ARRAY_SIZE(names); i++) {
                if (s.len == strlen(names[i].name) && memcmp(s.ptr, names[i].name, s.len) == 0) {
                        *ret = names[i].type;
                        return true;
                }
        }
        if (s.len == 0 || s.ptr[0] < '0' || s.ptr[0] > '9')
                return false;
        v = strtol(s.ptr, &end, 0);
        if (end != s.ptr + s.len || v < 0 || v > 255)
                return false;
        *ret = v;
        return true;
}

/* Type the @n strings of @raw by the letters of @spec into a new arena array. */
bool cfg__smp_args_type(struct smp_parse *sp, const char *name, const char *spec,
                        const struct sl_str *raw, unsigned n, struct cfg_arg **ret, unsigned *ret_n)
{
        size_t max = strlen(spec);
        unsigned min = 0;
        struct cfg_arg *args;

        while (min < max && spec[min] >= 'A' && spec[min] <= 'Z')
                min++;
        if (n > max) {
                if (max == 0)
                        cfg__smp_err(sp, "'%s' takes no argument", name);
                else
                        cfg__smp_err(sp, "'%s' takes at most %zu argument%s", name, max,
                                     max == 1 ? "" : "s");
                return false;
        }
        if (n < min) {
                cfg__smp_err(sp, "'%s' needs %u argument%s, got %u", name, min, min == 1 ? "" : "s",
                             n);
                return false;
        }
        *ret = NULL;
        *ret_n = n;
        if (n == 0)
                return true;
        args = cfg_arena_alloc(&sp->p->gen->arena, n * sizeof(*args));
        if (!args) {
                cfg__oom(sp->p);
                return false;
        }
        for (unsigned k = 0; k < n; k++) {
                struct cfg_arg *a = &args[k];

                a->str = raw[k];
                switch (spec[k] | 0x20) {
                case 's':
                        a->type = CFG_ARG_STR;
                        break;
                case 'i':
                        a->type = CFG_ARG_INT;
                        if (!arg_int(raw[k], &a->i)) {
                                cfg__smp_err(sp, "argument %u of '%s' must be an integer, not '%s'",
                                             k + 1, name, raw[k].ptr);
                                return false;
                        }
                        break;
                case 't':
                        a->type = CFG_ARG_TABLE;
                        if (raw[k].len == 0) {
                                cfg__smp_err(sp, "argument %u of '%s' must name a table", k + 1,
                                             name);
                                return false;
                        }
                        break;
                case 'b':
                        a->type = CFG_ARG_BACKEND;
                        break;
                case 'e':
                        a->type = CFG_ARG_SERVER;
                        if (raw[k].len == 0) {
                                cfg__smp_err(sp, "argument %u of '%s' must name a server", k + 1,
                                             name);
                                return false;
                        }
                        break;
                case 'u':
                        a->type = CFG_ARG_USERLIST;
                        if (raw[k].len == 0) {
                                cfg__smp_err(sp, "argument %u of '%s' must name a userlist", k + 1,
                                             name);
                                return false;
                        }
                        break;
                case 'r':
                        /* compiled by the converter's check, which knows its flags */
                        a->type = CFG_ARG_REGEX;
                        break;
                case 'v':
                        a->type = CFG_ARG_VAR;
                        if (!cfg__var_ref(sp->p, sp->w, raw[k], &a->var))
                                return false;
                        break;
                case 'p':
                        /* a PROXY protocol v2 TLV type: 0..255 or its name */
                        a->type = CFG_ARG_INT;
                        if (!arg_pp_tlv(raw[k], &a->i)) {
                                cfg__smp_err(sp,
                                             "argument %u of '%s' must be a TLV type: a number "
                                             "from 0 to 255 or ALPN, AUTHORITY, CRC32C, NOOP, "
                                             "UNIQUE_ID, SSL, SSL_VERSION, SSL_CN, SSL_CIPHER, "
                                             "SSL_SIG_ALG, SSL_KEY_ALG or NETNS, not '%s'",
                                             k + 1, name, raw[k].ptr);
                                return false;
                        }
                        break;
                case 'm':
                        a->type = CFG_ARG_MASK;
                        if (!arg_mask(raw[k], k == 0 ? AF_INET : AF_INET6, a)) {
                                cfg__smp_err(sp, "argument %u of '%s' must be an %s mask, not '%s'",
                                             k + 1, name, k == 0 ? "IPv4" : "IPv6", raw[k].ptr);
                                return false;
                        }
                        break;
                default:
                        cfg__smp_err(sp, "internal error: argument type '%c' of '%s'", spec[k],
                                     name);
                        return false;
                }
        }
        *ret = args;
        return true;
}

/* Header fetches: (name[,occurrence]). */
static bool fetch_header_args(struct smp_parse *sp, const char *name, struct cfg_sample *smp)
{
        const struct sl_str hname = smp->args[0].str;

        for (size_t k = 0; k < hname.len; k++) {
                unsigned char c = (unsigned char)hname.ptr[k];

                /* header names are RFC 9110 tokens */
                if (c <= ' ' || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c)) {
                        cfg__smp_err(sp, "invalid header name '%s' in '%s'", hname.ptr, name);
                        return false;
                }
        }
        if (hname.len == 0) {
                cfg__smp_err(sp, "'%s' needs a header name: '%s(<name>)'", name, name);
                return false;
        }
        smp->arg = hname.ptr;
        smp->arg_len = hname.len;
        if (smp->n_args > 1) {
                int64_t v = smp->args[1].i;

                if (v < -100 || v > 100) {
                        cfg__smp_err(sp,
                                     "invalid occurrence '%s' in '%s': expected a number from -100 "
                                     "to 100",
                                     smp->args[1].str.ptr, name);
                        return false;
                }
                smp->occ = (int)v;
        }
        return true;
}

static int hex_digit(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* A time unit argument: "s" (or none), "ms", "us"; its code (0, 1, 2) into a->i. */
static bool arg_unit(struct smp_parse *sp, const char *name, struct cfg_arg *a)
{
        static const char *const units[] = {"s", "ms", "us"};

        for (unsigned u = 0; u < SL_ARRAY_SIZE(units); u++) {
                if (strcmp(a->str.ptr, units[u]) == 0) {
                        a->i = u;
                        return true;
                }
        }
        cfg__smp_err(sp, "'%s': unit '%s' is not one of 's', 'ms' and 'us'", name, a->str.ptr);
        return false;
}

/* What the arguments of the fetch must be, beyond their types. */
bool cfg__smp_fetch_check(struct smp_parse *sp, const char *name, struct cfg_sample *smp)
{
        struct cfg_arg *a = smp->args;

        switch (smp->fetch) {
        case CFG_FETCH_HDR:
        case CFG_FETCH_HDR_CNT:
        case CFG_FETCH_HDR_VAL:
        case CFG_FETCH_HDR_IP:
        case CFG_FETCH_FHDR:
        case CFG_FETCH_FHDR_CNT:
                return fetch_header_args(sp, name, smp);
        case CFG_FETCH_BOOL:
                if (strcmp(a[0].str.ptr, "true") == 0 || strcmp(a[0].str.ptr, "1") == 0) {
                        a[0].i = 1;
                } else if (strcmp(a[0].str.ptr, "false") == 0 || strcmp(a[0].str.ptr, "0") == 0) {
                        a[0].i = 0;
                } else {
                        cfg__smp_err(sp, "'bool' takes 'true', 'false', '1' or '0', not '%s'",
                                     a[0].str.ptr);
                        return false;
                }
                return true;
        case CFG_FETCH_IPV4: {
                int family = strcmp(name, "ipv4") == 0 ? AF_INET : AF_INET6;

                a[0].family = family;
                if (inet_pton(family, a[0].str.ptr, a[0].addr) != 1) {
                        cfg__smp_err(sp, "'%s' needs an %s address, not '%s'", name,
                                     family == AF_INET ? "IPv4" : "IPv6", a[0].str.ptr);
                        return false;
                }
                return true;
        }
        case CFG_FETCH_BIN: {
                struct sl_str h = a[0].str;
                char *bin = (char *)h.ptr; /* decoded in place: never longer */

                if (h.len % 2) {
                        cfg__smp_err(sp, "'bin' needs an even number of hexadecimal digits");
                        return false;
                }
                for (size_t k = 0; k < h.len; k += 2) {
                        int hi = hex_digit(h.ptr[k]), lo = hex_digit(h.ptr[k + 1]);

                        if (hi < 0 || lo < 0) {
                                cfg__smp_err(sp, "'bin' needs hexadecimal digits, not '%s'", h.ptr);
                                return false;
                        }
                        bin[k / 2] = (char)(hi << 4 | lo);
                }
                a[0].str.len = h.len / 2;
                return true;
        }
        case CFG_FETCH_METH:
                for (size_t k = 0; k < a[0].str.len; k++) {
                        unsigned char c = (unsigned char)a[0].str.ptr[k];

                        if (c <= ' ' || c >= 0x7f || strchr("\"(),/:;<=>?@[\\]{}", c)) {
                                cfg__smp_err(sp, "'meth' needs a method name, not '%s'",
                                             a[0].str.ptr);
                                return false;
                        }
                }
                return true;
        case CFG_FETCH_DATE:
                return smp->n_args < 2 || arg_unit(sp, name, &a[1]);
        case CFG_FETCH_RAND:
                if (smp->n_args && a[0].i <= 0) {
                        cfg__smp_err(sp, "'rand' needs a range above zero");
                        return false;
                }
                return true;
        case CFG_FETCH_UUID:
                if (smp->n_args && a[0].i != 4) {
                        cfg__smp_err(sp, "'uuid' makes version 4 UUIDs only");
                        return false;
                }
                return true;
        case CFG_FETCH_URL_PARAM:
        case CFG_FETCH_URLP_VAL:
        case CFG_FETCH_HDR_NAMES:
                for (unsigned k = smp->fetch == CFG_FETCH_HDR_NAMES ? 0 : 1; k < smp->n_args; k++) {
                        if (a[k].str.len != 1) {
                                cfg__smp_err(sp, "the delimiter of '%s' is one character", name);
                                return false;
                        }
                }
                return true;
        default:
                return true;
        }
}

static bool is_digest(const char *alg)
{
        /* the digests OpenSSL 3 always has (EVP_get_digestbyname() names) */
        static const char *const names[] = {
                "md5",        "sha1",       "sha224",     "sha256",   "sha384",
                "sha512",     "sha512-224", "sha512-256", "sha3-224", "sha3-256",
                "sha3-384",   "sha3-512",   "shake128",   "shake256", "blake2b512",
                "blake2s256", "sm3",        "ripemd160",  "md5-sha1",
        };

        for (size_t k = 0; k < SL_ARRAY_SIZE(names); k++)
                if (strcasecmp(alg, names[k]) == 0)
                        return true;
        return false;
}

/* Decode base64 @s in place (standard alphabet, padding optional); false if invalid. */
static bool b64_decode_inplace(struct sl_str *s)
{
        static const char alphabet[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        char *out = (char *)s->ptr;
        uint32_t acc = 0;
        unsigned bits = 0;
        size_t n = 0, len = s->len;

        while (len && s->ptr[len - 1] == '=')
                len--;
        for (size_t k = 0; k < len; k++) {
                const char *pos = memchr(alphabet, s->ptr[k], 64);

                if (!pos || !s->ptr[k])
                        return false;
                acc = acc << 6 | (uint32_t)(pos - alphabet);
                bits += 6;
                if (bits >= 8) {
                        bits -= 8;
                        out[n++] = (char)(acc >> bits);
                }
        }
        s->len = n;
        return true;
}

/* What the arguments of the converter must be, beyond their types. */
bool cfg__smp_conv_check(struct smp_parse *sp, const char *cname, struct cfg_conv_call *c)
{
        struct cfg_arg *a = c->args;

        switch (c->conv) {
        case CFG_CONV_FIELD:
        case CFG_CONV_WORD:
                if (a[0].i == 0) {
                        cfg__smp_err(sp, "'%s': the index counts from 1 (or from -1 at the end)",
                                     cname);
                        return false;
                }
                if (a[1].str.len == 0) {
                        cfg__smp_err(sp, "'%s' needs at least one delimiter", cname);
                        return false;
                }
                if (c->n_args > 2 && a[2].i < 0) {
                        cfg__smp_err(sp, "'%s': the count cannot be negative", cname);
                        return false;
                }
                return true;
        case CFG_CONV_BYTES:
                if (a[0].i < 0 || (c->n_args > 1 && a[1].i < 0)) {
                        cfg__smp_err(sp,
                                     "'bytes' takes an offset and a length that are not negative");
                        return false;
                }
                return true;
        case CFG_CONV_REGSUB: {
                bool icase = false, global = false;

                for (unsigned k = 0; c->n_args > 2 && k < a[2].str.len; k++) {
                        if (a[2].str.ptr[k] == 'i') {
                                icase = true;
                        } else if (a[2].str.ptr[k] == 'g') {
                                global = true;
                        } else {
                                cfg__smp_err(sp,
                                             "'regsub': unknown flag '%c' (expected 'i' or 'g')",
                                             a[2].str.ptr[k]);
                                return false;
                        }
                }
                a[0].i = global;
                a[0].ref = cfg__regex(sp->p, sp->w, a[0].str.ptr, icase);
                return a[0].ref != NULL;
        }
        case CFG_CONV_JSON: {
                static const char *const codes[] = {"ascii", "utf8", "utf8s", "utf8p", "utf8ps"};

                if (c->n_args == 0 || a[0].str.len == 0)
                        return true;
                for (unsigned k = 0; k < SL_ARRAY_SIZE(codes); k++) {
                        if (strcmp(a[0].str.ptr, codes[k]) == 0) {
                                a[0].i = k;
                                return true;
                        }
                }
                cfg__smp_err(sp,
                             "'json': input code '%s' is not one of ascii, utf8, utf8s, utf8p "
                             "and utf8ps",
                             a[0].str.ptr);
                return false;
        }
        case CFG_CONV_URL_ENC:
                if (c->n_args && strcmp(a[0].str.ptr, "query") != 0) {
                        cfg__smp_err(sp, "'url_enc': the only encoding is 'query'");
                        return false;
                }
                return true;
        case CFG_CONV_BE2DEC:
                if (a[1].i < 1 || a[1].i > 8) {
                        cfg__smp_err(sp, "'be2dec': the chunk size is 1 to 8 bytes");
                        return false;
                }
                return true;
        case CFG_CONV_BE2HEX:
                if (c->n_args > 1 && a[1].i < 0) {
                        cfg__smp_err(sp, "'be2hex': the chunk size cannot be negative");
                        return false;
                }
                return true;
        case CFG_CONV_SHA2:
                if (c->n_args && a[0].i != 224 && a[0].i != 256 && a[0].i != 384 && a[0].i != 512) {
                        cfg__smp_err(sp, "'sha2' makes 224, 256, 384 or 512 bits");
                        return false;
                }
                return true;
        case CFG_CONV_HMAC:
                if (!b64_decode_inplace(&a[1].str)) {
                        cfg__smp_err(sp, "'hmac': the key must be base64");
                        return false;
                }
                __attribute__((fallthrough));
        case CFG_CONV_DIGEST:
                if (!is_digest(a[0].str.ptr)) {
                        cfg__smp_err(sp, "'%s': unknown digest '%s'", cname, a[0].str.ptr);
                        return false;
                }
                return true;
        case CFG_CONV_HTTP_DATE:
                return c->n_args < 2 || arg_unit(sp, cname, &a[1]);
        case CFG_CONV_SET_VAR:
                for (unsigned k = 1; k < c->n_args; k++) {
                        static const struct {
                                const char *name;
                                unsigned flag;
                        } conds[] = {
                                {"ifexists", CFG_VAR_IFEXISTS},
                                {"ifnotexists", CFG_VAR_IFNOTEXISTS},
                                {"ifempty", CFG_VAR_IFEMPTY},
                                {"ifnotempty", CFG_VAR_IFNOTEMPTY},
                                {"ifset", CFG_VAR_IFSET},
                                {"ifnotset", CFG_VAR_IFNOTSET},
                                {"ifgt", CFG_VAR_IFGT},
                                {"iflt", CFG_VAR_IFLT},
                        };
                        unsigned flag = 0;

                        for (size_t i = 0; i < SL_ARRAY_SIZE(conds); i++)
                                if (strcmp(a[k].str.ptr, conds[i].name) == 0)
                                        flag = conds[i].flag;
                        if (!flag) {
                                cfg__smp_err(sp, "'set-var': unknown condition '%s'", a[k].str.ptr);
                                return false;
                        }
                        c->var_flags |= flag;
                }
                return true;
        case CFG_CONV_CONCAT:
                /* the middle argument names a variable, when there is one */
                if (c->n_args > 1 && a[1].str.len) {
                        a[1].type = CFG_ARG_VAR;
                        return cfg__var_ref(sp->p, sp->w, a[1].str, &a[1].var);
                }
                return true;
        case CFG_CONV_ADD:
        case CFG_CONV_SUB:
        case CFG_CONV_MUL:
        case CFG_CONV_DIV:
        case CFG_CONV_MOD:
        case CFG_CONV_AND:
        case CFG_CONV_OR:
        case CFG_CONV_XOR:
                /* an integer, or a variable holding one */
                if (arg_int(a[0].str, &a[0].i)) {
                        a[0].type = CFG_ARG_INT;
                        return true;
                }
                a[0].type = CFG_ARG_VAR;
                return cfg__var_ref(sp->p, sp->w, a[0].str, &a[0].var);
        case CFG_CONV_LTRIM:
        case CFG_CONV_RTRIM:
        case CFG_CONV_LANGUAGE:
                if (a[0].str.len == 0) {
                        cfg__smp_err(sp, "'%s' needs a non-empty first argument", cname);
                        return false;
                }
                return true;
        default:
                return true;
        }
}
