/* String view helpers shared by the config reader and the protocol codecs. */
#include "str.h"

#include <errno.h>
#include <stdint.h>

static inline unsigned char ascii_lower(unsigned char c)
{
        return (c >= 'A' && c <= 'Z') ? (unsigned char)(c | 0x20) : c;
}

bool sl_str_eq(struct sl_str a, struct sl_str b)
{
        return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Eight bytes at once in lower case: 0x20 added to each byte in 'A'..'Z', exactly (bytes
 * above 0x7f and every other byte stay as they are). */
static inline uint64_t lower8(uint64_t w)
{
        uint64_t low7 = w & UINT64_C(0x7f7f7f7f7f7f7f7f);
        uint64_t above_z = low7 + UINT64_C(0x2525252525252525); /* bit 7: byte > 'Z' */
        uint64_t from_a = low7 + UINT64_C(0x3f3f3f3f3f3f3f3f);  /* bit 7: byte >= 'A' */
        uint64_t upper = (from_a ^ above_z) & ~w & UINT64_C(0x8080808080808080);

        return w | upper >> 2;
}

static inline bool word_ieq(const char *a, const char *b)
{
        uint64_t x, y;

        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return x == y || lower8(x) == lower8(y);
}

bool sl_mem_ieq(const char *a, const char *b, size_t n)
{
        if (n >= 8) {
                /* whole words, the last one overlapping the one before when n is not a
                 * multiple of 8 */
                for (size_t i = 0; i + 8 < n; i += 8)
                        if (!word_ieq(a + i, b + i))
                                return false;
                return word_ieq(a + n - 8, b + n - 8);
        }
        for (size_t i = 0; i < n; i++)
                if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
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
