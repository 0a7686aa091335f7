/* Cookie and Set-Cookie values for persistence (cookie.h). */
#include "cookie.h"

#include <stdint.h>
#include <string.h>

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

/* The next pair of a Cookie value from *pos: name and value spans (blanks trimmed), the span
 * of the whole pair. False at the end. */
static bool next_pair(struct sl_str hv, size_t *pos, struct sl_str *name, struct sl_str *value,
                      struct sl_str *pair)
{
        size_t i = *pos, start, end, eq;

        while (i < hv.len && (is_blank(hv.ptr[i]) || hv.ptr[i] == ';' || hv.ptr[i] == ','))
                i++;
        if (i >= hv.len)
                return false;
        start = i;
        while (i < hv.len && hv.ptr[i] != ';' && hv.ptr[i] != ',')
                i++;
        end = i;
        while (end > start && is_blank(hv.ptr[end - 1]))
                end--;
        *pos = i;
        *pair = sl_str_make(hv.ptr + start, end - start);
        for (eq = start; eq < end && hv.ptr[eq] != '='; eq++)
                ;
        {
                size_t ne = eq;

                while (ne > start && is_blank(hv.ptr[ne - 1]))
                        ne--;
                *name = sl_str_make(hv.ptr + start, ne - start);
        }
        if (eq < end) {
                size_t vs = eq + 1;

                while (vs < end && is_blank(hv.ptr[vs]))
                        vs++;
                *value = sl_str_make(hv.ptr + vs, end - vs);
        } else {
                *value = sl_str_make(hv.ptr + end, 0);
        }
        return true;
}

bool cookie_find(struct sl_str hv, struct sl_str name, struct sl_str *ret_value)
{
        struct sl_str n, v, pair;
        size_t pos = 0;

        while (next_pair(hv, &pos, &n, &v, &pair)) {
                if (sl_str_eq(n, name)) {
                        *ret_value = v;
                        return true;
                }
        }
        return false;
}

static bool put(char *out, size_t cap, size_t *len, const char *p, size_t n)
{
        if (*len + n > cap)
                return false;
        memcpy(out + *len, p, n);
        *len += n;
        return true;
}

size_t cookie_edit(struct sl_str hv, struct sl_str name, size_t cut, char *out, size_t cap)
{
        struct sl_str n, v, pair;
        size_t pos = 0, len = 0;
        bool done = false;

        while (next_pair(hv, &pos, &n, &v, &pair)) {
                if (!done && sl_str_eq(n, name)) {
                        done = true;
                        if (cut == SIZE_MAX)
                                continue;
                        if (len && !put(out, cap, &len, "; ", 2))
                                return SIZE_MAX;
                        if (!put(out, cap, &len, pair.ptr, (size_t)(v.ptr - pair.ptr)) ||
                            !put(out, cap, &len, v.ptr + (cut < v.len ? cut : v.len),
                                 cut < v.len ? v.len - cut : 0))
                                return SIZE_MAX;
                        continue;
                }
                if ((len && !put(out, cap, &len, "; ", 2)) ||
                    !put(out, cap, &len, pair.ptr, pair.len))
                        return SIZE_MAX;
        }
        return len;
}

bool set_cookie_is(struct sl_str hv, struct sl_str name, struct sl_str *ret_value)
{
        struct sl_str n, v, pair;
        size_t pos = 0;
        /* only the first pair is the cookie; what follows ';' are its attributes (and a ','
         * may be part of an Expires date) */
        struct sl_str first = hv;

        for (size_t i = 0; i < hv.len; i++)
                if (hv.ptr[i] == ';') {
                        first.len = i;
                        break;
                }
        if (!next_pair(first, &pos, &n, &v, &pair) || !sl_str_eq(n, name))
                return false;
        /* the value ends at the first pair's end, not at a ',' */
        v.len = (size_t)(first.ptr + first.len - v.ptr);
        while (v.len && is_blank(v.ptr[v.len - 1]))
                v.len--;
        *ret_value = v;
        return true;
}

size_t set_cookie_rewrite(struct sl_str hv, struct sl_str prefix, bool keep, char *out, size_t cap)
{
        const char *eq = memchr(hv.ptr, '=', hv.len);
        const char *semi = memchr(hv.ptr, ';', hv.len);
        const char *vs, *ve;
        size_t len = 0;

        if (!eq || (semi && semi < eq))
                return SIZE_MAX;
        vs = eq + 1;
        ve = semi ? semi : hv.ptr + hv.len;
        while (vs < ve && is_blank(*vs))
                vs++;
        while (ve > vs && is_blank(ve[-1]))
                ve--;
        if (!put(out, cap, &len, hv.ptr, (size_t)(vs - hv.ptr)) ||
            !put(out, cap, &len, prefix.ptr, prefix.len) ||
            (keep && !put(out, cap, &len, vs, (size_t)(ve - vs))) ||
            !put(out, cap, &len, ve, (size_t)(hv.ptr + hv.len - ve)))
                return SIZE_MAX;
        return len;
}
