#pragma once
/* The words of one crt-list line, split as HAProxy 2.6 splits them (ssl_crtlist.c): blanks
 * separate words, '[' and ']' are separators of their own wherever they appear, so that
 * "site.pem [alpn h2]" and "site.pem[alpn h2 ]" are the same line. Used by kw_tls.c, which
 * gives the option words their meaning, and by the crt-list fuzz target. */

#include <stdbool.h>
#include <stddef.h>

#define CFG_CRT_LIST_MAX_WORDS 256
#define CFG_CRT_LIST_MAX_LINE  65534 /* HAProxy's CRT_LINESIZE - 1 */

struct cfg_crt_list_words {
        char *w[CFG_CRT_LIST_MAX_WORDS]; /* borrowed: pieces of the line split in place */
        size_t n;                        /* 0: a blank line */
        size_t opt_b, opt_e;             /* the options are w[opt_b..opt_e) */
        bool has_opts;                   /* the line has "[...]", even empty */
};

/* Splits @line (NUL-terminated, without its newline) in place into @ret: w[0] is the
 * certificate, then the options between the brackets, then the SNI filters from w[opt_e] on
 * (from w[1] without brackets). Returns 0, or -EINVAL with the reason in @err (a second '[',
 * a ']' without '[', a '[' before the certificate or without its ']', a word between the
 * certificate and '[', too many words); @ret is then undefined. */
int cfg_crt_list_split(char *line, struct cfg_crt_list_words *ret, char *err, size_t errlen);
