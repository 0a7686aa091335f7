/* Splitting crt-list lines (crt_list.h). Pure text work, no parser state: kw_tls.c calls it for
 * every line of a crt-list file and the fuzz target calls it on arbitrary bytes. */
#include "crt_list.h"

#include <errno.h>
#include <stdio.h>

int cfg_crt_list_split(char *line, struct cfg_crt_list_words *ret, char *err, size_t errlen)
{
        size_t b = 0, e = 0;
        bool newarg = true;

        ret->n = 0;
        ret->has_opts = false;
        for (char *s = line; *s; s++) {
                char c = *s;

                if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') {
                        *s = '\0';
                        newarg = true;
                } else if (c == '[' || c == ']') {
                        *s = '\0';
                        newarg = true;
                        if (c == '[' && b) {
                                snprintf(err, errlen, "crt-list: too many '['");
                                return -EINVAL;
                        }
                        if (c == '[' && ret->n == 0) {
                                snprintf(err, errlen,
                                         "crt-list: the line must start with a "
                                         "certificate");
                                return -EINVAL;
                        }
                        if (c == ']' && e) {
                                snprintf(err, errlen, "crt-list: too many ']'");
                                return -EINVAL;
                        }
                        if (c == ']' && !b) {
                                snprintf(err, errlen, "crt-list: ']' without '['");
                                return -EINVAL;
                        }
                        *(c == '[' ? &b : &e) = ret->n;
                } else if (newarg) {
                        if (ret->n == CFG_CRT_LIST_MAX_WORDS) {
                                snprintf(err, errlen, "crt-list: more than %d words on the line",
                                         CFG_CRT_LIST_MAX_WORDS);
                                return -EINVAL;
                        }
                        newarg = false;
                        ret->w[ret->n++] = s;
                }
        }
        if (b && !e) {
                /* HAProxy takes the words of an unclosed "[" as SNI filters: refused here, as
                 * that is never what was meant */
                snprintf(err, errlen, "crt-list: '[' without its ']'");
                return -EINVAL;
        }
        if (b > 1) {
                /* HAProxy drops such words silently */
                snprintf(err, errlen,
                         "crt-list: '%s' between the certificate and '[': SNI filters come "
                         "after the options",
                         ret->w[1]);
                return -EINVAL;
        }
        ret->has_opts = b != 0;
        ret->opt_b = b ? b : 1;
        ret->opt_e = b ? e : 1;
        return 0;
}
