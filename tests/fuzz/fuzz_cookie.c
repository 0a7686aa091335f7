/* Fuzz target for proto/cookie: the first byte sets the length of a cookie name taken from
 * the input, the rest is a Cookie or Set-Cookie header value (client and server input both
 * reach these functions). Any view outside the input, an edit that grows the header, or an
 * edit that keeps the removed cookie aborts. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool cond)
{
        if (!cond)
                abort();
}

static bool inside(struct sl_str v, struct sl_str hv)
{
        return v.ptr >= hv.ptr && v.ptr + v.len <= hv.ptr + hv.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sl_str name, hv, v, v2;
        char out[512];
        size_t nlen, n;

        if (size < 2)
                return 0;
        nlen = (size_t)(data[0] % 16) + 1;
        if (size - 1 < nlen)
                return 0;
        name = sl_str_make((const char *)data + 1, nlen);
        hv = sl_str_make((const char *)data + 1 + nlen, size - 1 - nlen);

        if (cookie_find(hv, name, &v))
                check(inside(v, hv));
        n = cookie_edit(hv, name, SIZE_MAX, out, sizeof(out));
        if (n != SIZE_MAX) {
                /* pairs are joined by "; ": at most one byte more per separator */
                check(n <= 2 * hv.len);
                /* the first cookie of that name is gone: the one found now, if any, was after
                 * it in the original */
                if (memchr(name.ptr, '=', name.len) == NULL &&
                    memchr(name.ptr, ';', name.len) == NULL &&
                    memchr(name.ptr, ',', name.len) == NULL && cookie_find(hv, name, &v) &&
                    cookie_find(sl_str_make(out, n), name, &v2))
                        check(v2.ptr != v.ptr);
        }
        n = cookie_edit(hv, name, data[0] / 16, out, sizeof(out));
        if (n != SIZE_MAX)
                check(n <= 2 * hv.len + 2);
        if (set_cookie_is(hv, name, &v))
                check(inside(v, hv));
        n = set_cookie_rewrite(hv, name, data[0] & 1, out, sizeof(out));
        if (n != SIZE_MAX)
                check(n <= hv.len + name.len);
        return 0;
}
