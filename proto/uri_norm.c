/* URI normalizers (see uri_norm.h): pure functions over byte strings, called by the worker's
 * http-request normalize-uri action and by the unit tests. */
#include "uri_norm.h"

#include <errno.h>
#include <string.h>

static bool is_hex(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex_val(char c)
{
        if (c >= '0' && c <= '9')
                return (unsigned)(c - '0');
        return (unsigned)((c | 0x20) - 'a' + 10);
}

static bool is_unreserved(unsigned char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_' || c == '~';
}

static char upper(char c)
{
        return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

ssize_t uri_norm_fragment_encode(struct sl_str in, char *out, size_t size)
{
        size_t o = 0;

        for (size_t i = 0; i < in.len; i++) {
                size_t need = in.ptr[i] == '#' ? 3 : 1;

                if (o + need > size)
                        return -ENOBUFS;
                if (need == 3) {
                        memcpy(out + o, "%23", 3);
                } else {
                        out[o] = in.ptr[i];
                }
                o += need;
        }
        return (ssize_t)o;
}

ssize_t uri_norm_fragment_strip(struct sl_str in, char *out, size_t size)
{
        const char *hash = in.len ? memchr(in.ptr, '#', in.len) : NULL;
        size_t n = hash ? (size_t)(hash - in.ptr) : in.len;

        if (n > size)
                return -ENOBUFS;
        if (n)
                memcpy(out, in.ptr, n);
        return (ssize_t)n;
}

ssize_t uri_norm_path_merge_slashes(struct sl_str in, char *out, size_t size)
{
        size_t o = 0;

        if (size < in.len)
                return -ENOBUFS;
        for (size_t i = 0; i < in.len; i++) {
                if (in.ptr[i] == '/' && i && in.ptr[i - 1] == '/')
                        continue;
                out[o++] = in.ptr[i];
        }
        return (ssize_t)o;
}

ssize_t uri_norm_path_strip_dot(struct sl_str in, char *out, size_t size)
{
        size_t o = 0, i = 0;

        if (size < in.len)
                return -ENOBUFS;
        /* segment by segment; a "." segment goes with the '/' after it */
        while (i < in.len) {
                const char *slash = memchr(in.ptr + i, '/', in.len - i);
                size_t end = slash ? (size_t)(slash - in.ptr) : in.len;
                size_t len = end - i;

                if (!(len == 1 && in.ptr[i] == '.')) {
                        memcpy(out + o, in.ptr + i, len);
                        o += len;
                        if (slash)
                                out[o++] = '/';
                }
                i = slash ? end + 1 : in.len;
        }
        return (ssize_t)o;
}

static bool match_at(struct sl_str s, size_t at, const char *lit, size_t n)
{
        return at + n <= s.len && memcmp(s.ptr + at, lit, n) == 0;
}

ssize_t uri_norm_path_strip_dotdot(struct sl_str in, bool full, char *out, size_t size)
{
        /* Built from the end, backwards, as each "/.." removes the segment before it. */
        char *const tail = out + size;
        char *head = tail;
        ssize_t off = (ssize_t)in.len - 1;
        unsigned up = 0;

        if (size < in.len)
                return -ENOBUFS;
        /* a "/.." ending the path without a slash after it */
        if (off >= 2 && match_at(in, (size_t)off - 2, "/..", 3)) {
                up++;
                off -= 2;
        }
        while (off >= 0) {
                if (off >= 3 && match_at(in, (size_t)off - 3, "/../", 4)) {
                        up++;
                        off -= 3;
                        continue;
                }
                if (up > 0) {
                        off--; /* the slash */
                        if (off >= 0) {
                                up--;
                                while (off >= 0 && in.ptr[off] != '/')
                                        off--;
                        }
                } else {
                        *--head = in.ptr[off--];
                        while (off >= 0 && in.ptr[off] != '/')
                                *--head = in.ptr[off--];
                }
        }
        if (up > 0) {
                /* what climbed above the root: "/" and, unless full, the "/.." left */
                if ((size_t)(head - out) < 1 + (full ? 0 : 3u * up))
                        return -ENOBUFS;
                *--head = '/';
                if (!full) {
                        for (; up > 0; up--) {
                                *--head = '.';
                                *--head = '.';
                                *--head = '/';
                        }
                }
        }
        memmove(out, head, (size_t)(tail - head));
        return tail - head;
}

ssize_t uri_norm_percent_decode_unreserved(struct sl_str in, bool strict, char *out, size_t size)
{
        size_t o = 0;

        if (size < in.len)
                return -ENOBUFS;
        for (size_t i = 0; i < in.len; i++) {
                char c = in.ptr[i];

                if (c == '%' && i + 2 < in.len && is_hex(in.ptr[i + 1]) && is_hex(in.ptr[i + 2])) {
                        unsigned char d = (unsigned char)(hex_val(in.ptr[i + 1]) << 4 |
                                                          hex_val(in.ptr[i + 2]));

                        if (is_unreserved(d)) {
                                out[o++] = (char)d;
                        } else {
                                memcpy(out + o, in.ptr + i, 3);
                                o += 3;
                        }
                        i += 2;
                        continue;
                }
                if (c == '%' && strict)
                        return -EINVAL;
                out[o++] = c;
        }
        return (ssize_t)o;
}

ssize_t uri_norm_percent_to_uppercase(struct sl_str in, bool strict, char *out, size_t size)
{
        size_t o = 0;

        if (size < in.len)
                return -ENOBUFS;
        for (size_t i = 0; i < in.len; i++) {
                char c = in.ptr[i];

                if (c == '%' && i + 2 < in.len && is_hex(in.ptr[i + 1]) && is_hex(in.ptr[i + 2])) {
                        out[o++] = '%';
                        out[o++] = upper(in.ptr[i + 1]);
                        out[o++] = upper(in.ptr[i + 2]);
                        i += 2;
                        continue;
                }
                if (c == '%' && strict)
                        return -EINVAL;
                out[o++] = c;
        }
        return (ssize_t)o;
}

/* Compare the names (bytes before '=') of two parameters; a name that is a prefix of the
 * other sorts first. */
static int name_cmp(struct sl_str a, struct sl_str b)
{
        const char *ea = memchr(a.ptr, '=', a.len), *eb = memchr(b.ptr, '=', b.len);
        size_t la = ea ? (size_t)(ea - a.ptr) : a.len, lb = eb ? (size_t)(eb - b.ptr) : b.len;
        size_t n = la < lb ? la : lb;
        int c = n ? memcmp(a.ptr, b.ptr, n) : 0;

        if (c)
                return c;
        return la < lb ? -1 : la > lb ? 1 : 0;
}

ssize_t uri_norm_query_sort_by_name(struct sl_str in, char *out, size_t size)
{
        /* The parameters are placed one by one, each after the last one not greater than it
         * (an insertion sort by name: stable, and queries are short). Each is remembered as
         * an offset and length in @in. */
        struct {
                size_t off, len;
        } params[256];
        size_t n = 0, o = 0, i;

        if (size < in.len)
                return -ENOBUFS;
        if (in.len == 0)
                return 0;
        for (i = 1; i <= in.len;) {
                const char *amp = memchr(in.ptr + i, '&', in.len - i);
                size_t end = amp ? (size_t)(amp - in.ptr) : in.len;
                size_t k;

                if (n == sizeof(params) / sizeof(params[0]))
                        return -ENOBUFS;
                for (k = n; k > 0; k--) {
                        struct sl_str prev =
                                sl_str_make(in.ptr + params[k - 1].off, params[k - 1].len);

                        if (name_cmp(prev, sl_str_make(in.ptr + i, end - i)) <= 0)
                                break;
                        params[k] = params[k - 1];
                }
                params[k].off = i;
                params[k].len = end - i;
                n++;
                if (!amp)
                        break;
                /* a trailing '&' ends the list (HAProxy keeps no empty last one) */
                i = end + 1;
                if (i == in.len)
                        break;
        }
        out[o++] = in.ptr[0];
        for (i = 0; i < n; i++) {
                if (i)
                        out[o++] = '&';
                memcpy(out + o, in.ptr + params[i].off, params[i].len);
                o += params[i].len;
        }
        return (ssize_t)o;
}
