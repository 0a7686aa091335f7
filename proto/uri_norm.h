#pragma once
/* URI normalizers, as HAProxy 2.6's "http-request normalize-uri" (configuration manual,
 * section 4.2; RFC 3986 section 6.2.2). Each reads @in and writes the result to @out (of
 * @size bytes, which must not overlap @in): it returns the length written, -ENOBUFS when
 * @out is too small, or -EINVAL for an invalid percent sequence in strict mode. No
 * allocation; nothing is NUL-terminated. Which part of a request-target each one gets is
 * the caller's: path normalizers take the path without the query string, percent and
 * fragment ones the path with its query, query-sort-by-name the query with its '?'. */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "str.h"

/* '#' becomes "%23". */
ssize_t uri_norm_fragment_encode(struct sl_str in, char *out, size_t size);
/* Everything from the first '#' goes. */
ssize_t uri_norm_fragment_strip(struct sl_str in, char *out, size_t size);
/* Runs of '/' become one. */
ssize_t uri_norm_path_merge_slashes(struct sl_str in, char *out, size_t size);
/* "." segments go: "/./a/." -> "/a/". */
ssize_t uri_norm_path_strip_dot(struct sl_str in, char *out, size_t size);
/* "seg/.." pairs go; "/.." left at the start stay, unless @full. */
ssize_t uri_norm_path_strip_dotdot(struct sl_str in, bool full, char *out, size_t size);
/* %XX of an unreserved character (ALPHA DIGIT - . _ ~) becomes the character; a '%' not
 * followed by two hexadecimal digits is kept, or -EINVAL when @strict. */
ssize_t uri_norm_percent_decode_unreserved(struct sl_str in, bool strict, char *out, size_t size);
/* The hexadecimal digits of %xx sequences in upper case; invalid sequences as above. */
ssize_t uri_norm_percent_to_uppercase(struct sl_str in, bool strict, char *out, size_t size);
/* "?b=1&a=2" -> "?a=2&b=1": parameters sorted by name (the bytes before '='), shorter
 * first when one name is a prefix of the other, equal names in their order. @in starts
 * with '?' (an empty @in gives an empty result). */
ssize_t uri_norm_query_sort_by_name(struct sl_str in, char *out, size_t size);
