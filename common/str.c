/* String view helpers shared by the config reader and the protocol codecs. */
#include "str.h"

#include <errno.h>

static inline unsigned char ascii_lower(unsigned char c)
{
        return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

bool sl_str_eq(struct sl_str a, struct sl_str b)
{
        return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool sl_str_ieq(struct sl_str a, struct sl_str b)
{
        if (a.len != b.len)
                return false;
        for (size_t i = 0; i < a.len; i++)
                if (ascii_lower((unsigned char)a.ptr[i]) != ascii_lower((unsigned char)b.ptr[i]))
                        return false;
        return true;
}

bool sl_str_has_prefix(struct sl_str s, struct sl_str prefix)
{
        return s.len >= prefix.len &&
               (prefix.len == 0 || memcmp(s.ptr, prefix.ptr, prefix.len) == 0);
}

int sl_str_to_u64(struct sl_str s, unsigned long long max, unsigned long long *ret_val)
{
        unsigned long long v = 0;

        if (s.len == 0)
                return -EINVAL;
        for (size_t i = 0; i < s.len; i++) {
                unsigned d = (unsigned char)s.ptr[i] - '0';

                if (d > 9)
                        return -EINVAL;
                if (d > max || v > (max - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret_val = v;
        return 0;
}

size_t sl_str_copy(char *dst, size_t size, struct sl_str s)
{
        if (size > 0) {
                size_t n = s.len < size - 1 ? s.len : size - 1;

                if (n)
                        memcpy(dst, s.ptr, n);
                dst[n] = '\0';
        }
        return s.len;
}
