/* Text converters (see sample_text.h), run by sample_conv() on strings. */
#include "sample_text.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

const char smp_hexdigits[16] = "0123456789ABCDEF";

static bool conv_case(struct cfg_smp_value *v, bool upper, struct smp_out *o)
{
        char *out = o->p;

        if (v->str.len > o->size)
                return false;
        for (size_t i = 0; i < v->str.len; i++) {
                char c = v->str.ptr[i];

                if (upper && c >= 'a' && c <= 'z')
                        c = (char)(c & ~0x20);
                else if (!upper && c >= 'A' && c <= 'Z')
                        c = (char)(c | 0x20);
                out[i] = c;
        }
        v->str = sl_str_make(out, v->str.len);
        return true;
}

static bool is_delim(const struct sl_str *d, char c)
{
        return memchr(d->ptr, c, d->len) != NULL;
}

/* field(<index>,<delimiters>[,<count>]): HAProxy's rule, where empty fields count and a
 * field that is not there gives no value. */
static bool conv_field(const struct cfg_arg *a, unsigned n_args, struct cfg_smp_value *v)
{
        int64_t idx = a[0].i, count = n_args > 2 ? a[2].i : 1, field;
        const struct sl_str *d = &a[1].str;
        const char *p = v->str.ptr, *end = p + v->str.len, *start, *stop;

        if (idx > 0) {
                field = 1;
                start = stop = p;
                for (; stop < end; stop++) {
                        if (!is_delim(d, *stop))
                                continue;
                        if (field == idx) {
                                if (count == 1)
                                        goto found;
                                if (count > 1)
                                        count--;
                        } else {
                                start = stop + 1;
                                field++;
                        }
                }
        } else {
                field = -1;
                start = stop = end;
                for (; start > p; start--) {
                        if (!is_delim(d, start[-1]))
                                continue;
                        if (field == idx) {
                                if (count == 1)
                                        goto found;
                                if (count > 1)
                                        count--;
                        } else {
                                stop = start - 1;
                                field--;
                        }
                }
        }
        if (field != idx)
                return false;
found:
        v->str = sl_str_make(start, (size_t)(stop - start));
        return true;
}

/* word(<index>,<delimiters>[,<count>]): as field, but runs of delimiters are one, and
 * delimiters at either end do not start a word; a word that is not there is empty. */
static bool conv_word(const struct cfg_arg *a, unsigned n_args, struct cfg_smp_value *v)
{
        int64_t idx = a[0].i, count = n_args > 2 ? a[2].i : 1, word = 0;
        const struct sl_str *d = &a[1].str;
        const char *p = v->str.ptr, *end = p + v->str.len, *start, *stop;
        bool inword = false;

        if (idx > 0) {
                start = stop = p;
                for (; stop < end; stop++) {
                        bool sep = is_delim(d, *stop);

                        if (!inword) {
                                if (!sep) {
                                        if (word != idx) {
                                                word++;
                                                start = stop;
                                        }
                                        inword = true;
                                }
                        } else if (sep) {
                                if (word == idx) {
                                        if (count == 1)
                                                goto found;
                                        if (count > 1)
                                                count--;
                                }
                                inword = false;
                        }
                }
        } else {
                start = stop = end;
                for (; start > p; start--) {
                        bool sep = is_delim(d, start[-1]);

                        if (!inword) {
                                if (!sep) {
                                        if (word != idx) {
                                                word--;
                                                stop = start;
                                        }
                                        inword = true;
                                }
                        } else if (sep) {
                                if (word == idx) {
                                        if (count == 1)
                                                goto found;
                                        if (count > 1)
                                                count--;
                                }
                                inword = false;
                        }
                }
        }
        if (word != idx) {
                v->str.len = 0;
                return true;
        }
found:
        v->str = sl_str_make(start, (size_t)(stop - start));
        return true;
}

/* regsub(<regex>,<subst>[,<flags>]): sed's s/// with \0..\9 and \xHH in the replacement;
 * "g" replaces every match, an empty match advances by one byte. */
static bool conv_regsub(const struct cfg_arg *a, struct cfg_smp_value *v, struct smp_out *o)
{
        static pcre2_match_data *md;
        const pcre2_code *re = a[0].ref;
        bool global = a[0].i != 0;
        const char *s = v->str.ptr ? v->str.ptr : "";
        size_t len = v->str.len, pos = 0;
        uint32_t opts = 0;

        if (!md)
                md = pcre2_match_data_create(10, NULL);
        if (!md)
                return false;
        for (;;) {
                int rc = -1;
                PCRE2_SIZE *ov;

                if (global || !(opts & PCRE2_NOTBOL))
                        rc = pcre2_match(re, (PCRE2_SPTR)s, len, pos, opts, md, NULL);
                if (rc < 0) {
                        if (!smp_out_put(o, s + pos, len - pos))
                                return false;
                        break;
                }
                ov = pcre2_get_ovector_pointer(md);
                if (!smp_out_put(o, s + pos, ov[0] - pos))
                        return false;
                for (const char *r = a[1].str.ptr, *rend = r + a[1].str.len; r < rend;) {
                        if (*r != '\\' || r + 1 == rend) {
                                if (!smp_out_ch(o, *r++))
                                        return false;
                                continue;
                        }
                        r++;
                        if (*r >= '0' && *r <= '9') {
                                int g = *r++ - '0';

                                if (g < rc && ov[2 * g] != PCRE2_UNSET &&
                                    !smp_out_put(o, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]))
                                        return false;
                        } else if (*r == 'x' && r + 2 < rend && isxdigit((unsigned char)r[1]) &&
                                   isxdigit((unsigned char)r[2])) {
                                char hex[3] = {r[1], r[2], 0};

                                if (!smp_out_ch(o, (char)strtol(hex, NULL, 16)))
                                        return false;
                                r += 3;
                        } else if (!smp_out_ch(o, *r++)) {
                                return false;
                        }
                }
                if (ov[1] >= len)
                        break;
                pos = ov[1];
                if (ov[1] == ov[0]) {
                        /* an empty match is before a byte: copy it and go past */
                        if (!smp_out_ch(o, s[pos]))
                                return false;
                        pos++;
                }
                opts |= PCRE2_NOTBOL;
        }
        smp_out_done(v, o, CFG_SMP_STR);
        return true;
}

/* The next UTF-8 character at @p (@len bytes) into *c; the bytes it takes, and *err: 0, or
 * 1 for an overlong form, 2 for a bad sequence or a value out of range (HAProxy's
 * utf8_next()). */
static size_t utf8_next(const unsigned char *p, size_t len, uint32_t *c, int *err)
{
        unsigned n, i;
        uint32_t v, min;

        *err = 0;
        if (p[0] < 0x80) {
                *c = p[0];
                return 1;
        }
        if ((p[0] & 0xe0) == 0xc0) {
                n = 1, v = p[0] & 0x1f, min = 0x80;
        } else if ((p[0] & 0xf0) == 0xe0) {
                n = 2, v = p[0] & 0x0f, min = 0x800;
        } else if ((p[0] & 0xf8) == 0xf0) {
                n = 3, v = p[0] & 0x07, min = 0x10000;
        } else {
                *err = 2;
                *c = p[0];
                return 1;
        }
        for (i = 1; i <= n; i++) {
                if (i >= len || (p[i] & 0xc0) != 0x80) {
                        *err = 2;
                        *c = p[0];
                        return i;
                }
                v = v << 6 | (p[i] & 0x3f);
        }
        if (v < min)
                *err = 1;
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
                *err = 2;
        *c = v;
        return n + 1;
}

/* json([<input-code>]): codes 0 ascii, 1 utf8, 2 utf8s, 3 utf8p, 4 utf8ps. */
static bool conv_json(int64_t code, struct cfg_smp_value *v, struct smp_out *o)
{
        const unsigned char *p = (const unsigned char *)v->str.ptr;
        const unsigned char *end = p + v->str.len;

        while (p < end) {
                uint32_t c;
                int err = 0;
                char esc[8];

                if (code == 0) {
                        c = *p++;
                } else {
                        p += utf8_next(p, (size_t)(end - p), &c, &err);
                        if (err == 2 || (err == 1 && (code == 1 || code == 2))) {
                                if (code == 1 || code == 3)
                                        return false;
                                continue;
                        }
                        if (c > 0xffff) {
                                if (code == 1 || code == 3)
                                        return false;
                                continue;
                        }
                }
                /* the characters JSON writes as a backslash and a letter */
                {
                        static const char from[] = "\"\\/\b\f\r\n\t", to[] = "\"\\/bfrnt";
                        const char *k = c && c < 0x80 ? strchr(from, (int)c) : NULL;

                        if (k) {
                                char two[2] = {'\\', to[k - from]};

                                if (!smp_out_put(o, two, 2))
                                        return false;
                                continue;
                        }
                }
                if (c > 0x7e || c < 0x20) {
                        snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)c);
                        if (!smp_out_put(o, esc, 6))
                                return false;
                } else if (!smp_out_ch(o, (char)c)) {
                        return false;
                }
        }
        smp_out_done(v, o, CFG_SMP_STR);
        return true;
}

/* url_dec([<in_form>]): %XX decoded; '+' is a space in a form, or after a '?'. */
static bool conv_url_dec(bool in_form, struct cfg_smp_value *v, struct smp_out *o)
{
        const char *p = v->str.ptr;
        size_t n = v->str.len;

        for (size_t i = 0; i < n; i++) {
                char c = p[i];

                if (c == '\0')
                        break;
                if (c == '+') {
                        c = in_form ? ' ' : '+';
                } else if (c == '%') {
                        if (i + 2 >= n || smp_hexval(p[i + 1]) < 0 || smp_hexval(p[i + 2]) < 0)
                                return false;
                        c = (char)(smp_hexval(p[i + 1]) << 4 | smp_hexval(p[i + 2]));
                        i += 2;
                } else if (c == '?') {
                        in_form = true;
                }
                if (!smp_out_ch(o, c))
                        return false;
        }
        smp_out_done(v, o, CFG_SMP_STR);
        return true;
}

/* url_enc: every byte but RFC 3986's unreserved ones as %XX. */
static bool conv_url_enc(struct cfg_smp_value *v, struct smp_out *o)
{
        for (size_t i = 0; i < v->str.len; i++) {
                unsigned char c = (unsigned char)v->str.ptr[i];

                if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
                        if (!smp_out_ch(o, (char)c))
                                return false;
                } else {
                        char e[3] = {'%', smp_hexdigits[c >> 4], smp_hexdigits[c & 15]};

                        if (!smp_out_put(o, e, 3))
                                return false;
                }
        }
        smp_out_done(v, o, CFG_SMP_STR);
        return true;
}

/* RFC 4647 basic filtering as HAProxy: @range matches @tag, or a prefix of it up to '-'. */
static bool lang_match(const char *range, size_t rlen, const char *tag, size_t tlen)
{
        size_t i;

        for (i = 0; i < rlen; i++) {
                if (range[i] == '-' && i == tlen)
                        return true;
                if (i == tlen || range[i] != tag[i])
                        return false;
        }
        return i == tlen;
}

/* HAProxy's http_parse_qvalue(): "q=0.5" as 500, at most 1000. */
static int qvalue(const char **pp, const char *end)
{
        const char *p = *pp;
        int q = 1000;

        if (p < end && isdigit((unsigned char)*p)) {
                q = (*p++ - '0') * 1000;
                if (p < end && *p == '.') {
                        p++;
                        for (int mul = 100; mul && p < end && isdigit((unsigned char)*p); mul /= 10)
                                q += (*p++ - '0') * mul;
                }
        }
        *pp = p;
        return q > 1000 ? 1000 : q;
}

/* language(<values>[,<default>]): of the languages in <values>, the one the Accept-Language
 * value prefers (the first of the highest q); else the default; else no value. */
static bool conv_language(const struct cfg_arg *a, unsigned n_args, struct cfg_smp_value *v)
{
        const char *al = v->str.ptr, *end = al + v->str.len;
        struct sl_str best = SL_STR_NULL;
        int best_q = 0;

        while (al < end) {
                const char *tok, *w = NULL, *list = a[0].str.ptr, *lend = list + a[0].str.len;
                size_t toklen, wlen = 0;
                int q = 1000;

                while (al < end && isspace((unsigned char)*al))
                        al++;
                tok = al;
                while (al < end && *al != ';' && *al != ',' && !isspace((unsigned char)*al))
                        al++;
                toklen = (size_t)(al - tok);
                for (const char *p = list; toklen && p <= lend; p++) {
                        if (p == lend || *p == ';') {
                                if (lang_match(tok, toklen, list, (size_t)(p - list))) {
                                        w = list;
                                        wlen = (size_t)(p - list);
                                        break;
                                }
                                list = p + 1;
                        }
                }
                if (w) {
                        while (al < end && isspace((unsigned char)*al))
                                al++;
                        if (al < end && *al == ';') {
                                al++;
                                while (al < end && isspace((unsigned char)*al))
                                        al++;
                                if (al < end && *al == 'q') {
                                        al++;
                                        while (al < end && isspace((unsigned char)*al))
                                                al++;
                                        if (al < end && *al == '=') {
                                                al++;
                                                while (al < end && isspace((unsigned char)*al))
                                                        al++;
                                                q = qvalue(&al, end);
                                        }
                                }
                        }
                        if (q > best_q) {
                                best = sl_str_make(w, wlen);
                                best_q = q;
                                if (q >= 1000)
                                        break;
                        }
                }
                while (al < end && *al != ',')
                        al++;
                if (al < end)
                        al++;
        }
        if (!best.len && n_args > 1)
                best = a[1].str;
        v->str = best;
        return best.len != 0;
}

bool sample_text_conv(const struct cfg_conv_call *call, struct cfg_smp_value *v, struct smp_out *o)
{
        const struct cfg_arg *a = call->args;

        switch (call->conv) {
        case CFG_CONV_LOWER:
        case CFG_CONV_UPPER:
                return conv_case(v, call->conv == CFG_CONV_UPPER, o);
        case CFG_CONV_LENGTH:
                *v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = (int64_t)v->str.len};
                return true;
        case CFG_CONV_BYTES:
                if ((uint64_t)a[0].i >= v->str.len) {
                        v->str.len = 0;
                        return true;
                }
                v->str.ptr += a[0].i;
                v->str.len -= (size_t)a[0].i;
                if (call->n_args > 1 && (uint64_t)a[1].i < v->str.len)
                        v->str.len = (size_t)a[1].i;
                return true;
        case CFG_CONV_FIELD:
                return conv_field(a, call->n_args, v);
        case CFG_CONV_WORD:
                return conv_word(a, call->n_args, v);
        case CFG_CONV_REGSUB:
                return conv_regsub(a, v, o);
        case CFG_CONV_LTRIM:
                while (v->str.len && is_delim(&a[0].str, v->str.ptr[0])) {
                        v->str.ptr++;
                        v->str.len--;
                }
                return true;
        case CFG_CONV_RTRIM:
                while (v->str.len && is_delim(&a[0].str, v->str.ptr[v->str.len - 1]))
                        v->str.len--;
                return true;
        case CFG_CONV_CUT_CRLF:
                for (size_t i = 0; i < v->str.len; i++) {
                        if (v->str.ptr[i] == '\r' || v->str.ptr[i] == '\n') {
                                v->str.len = i;
                                break;
                        }
                }
                return true;
        case CFG_CONV_JSON:
                return conv_json(call->n_args ? a[0].i : 0, v, o);
        case CFG_CONV_URL_DEC:
                return conv_url_dec(call->n_args && a[0].i, v, o);
        case CFG_CONV_URL_ENC:
                return conv_url_enc(v, o);
        case CFG_CONV_LANGUAGE:
                return conv_language(a, call->n_args, v);
        case CFG_CONV_IIF:
                *v = (struct cfg_smp_value){.type = CFG_SMP_STR, .str = v->i ? a[0].str : a[1].str};
                return true;
        default:
                return false;
        }
}
