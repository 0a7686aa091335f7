#pragma once
/* String views (HAProxy ist, h2o iovec): a pointer and a length, never NUL-terminated by
 * contract. Parsers hand these out pointing into the caller's buffer; nothing here allocates. */

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct sl_str {
        const char *ptr; /* borrowed */
        size_t len;
};

#define SL_STR_NULL     ((struct sl_str){NULL, 0})
#define SL_STR_LIT(lit) ((struct sl_str){"" lit, sizeof(lit) - 1})

static inline struct sl_str sl_str_from_cstr(const char *s)
{
        return (struct sl_str){s, s ? strlen(s) : 0};
}

static inline struct sl_str sl_str_make(const char *p, size_t len)
{
        return (struct sl_str){p, len};
}

bool sl_str_eq(struct sl_str a, struct sl_str b);

/* ASCII case-insensitive comparison of @n bytes at @a and @b; no locale. */
bool sl_mem_ieq(const char *a, const char *b, size_t n);

/* ASCII case-insensitive comparison (header names, tokens); no locale. Inline for the
 * length test, which settles most comparisons of header names. */
static inline bool sl_str_ieq(struct sl_str a, struct sl_str b)
{
        return a.len == b.len && sl_mem_ieq(a.ptr, b.ptr, a.len);
}

bool sl_str_has_prefix(struct sl_str s, struct sl_str prefix);

/* Parse an unsigned decimal made only of digits (no sign, no blanks). Returns 0 and writes
 * *ret_val, or -EINVAL on an empty or non-digit input, -ERANGE above @max. */
int sl_str_to_u64(struct sl_str s, unsigned long long max, unsigned long long *ret_val);

/* Copy @s into @dst (of @size bytes) NUL-terminated; truncates. Returns the length of @s. */
size_t sl_str_copy(char *dst, size_t size, struct sl_str s);
