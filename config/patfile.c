/* Reading pattern and map files (see patfile.h). */
#include "patfile.h"

#include <string.h>

static bool blank(char c)
{
        return c == ' ' || c == '\t';
}

bool cfg_patfile_each(const char *text, size_t len, bool map,
                      bool (*fn)(void *data, const struct cfg_patfile_line *l), void *data)
{
        const char *p = text, *end = text + len;
        unsigned line = 0;

        while (p < end) {
                const char *eol = p, *next, *c, *k;
                struct cfg_patfile_line l = {0};

                while (eol < end && *eol != '\n')
                        eol++;
                next = eol < end ? eol + 1 : end;
                line++;
                /* a CR ends the line too (the rest of it is dropped, as HAProxy does) */
                c = memchr(p, '\r', (size_t)(eol - p));
                if (c)
                        eol = c;
                c = p;
                p = next;
                if (c < eol && *c == '#')
                        continue;
                while (c < eol && blank(*c))
                        c++;
                if (c == eol)
                        continue;
                l.line = line;
                if (!map) {
                        l.key = sl_str_make(c, (size_t)(eol - c));
                } else {
                        k = c;
                        while (c < eol && !blank(*c))
                                c++;
                        l.key = sl_str_make(k, (size_t)(c - k));
                        while (c < eol && blank(*c))
                                c++;
                        while (eol > c && blank(eol[-1]))
                                eol--;
                        l.value = sl_str_make(c, (size_t)(eol - c));
                }
                if (!fn(data, &l))
                        return false;
        }
        return true;
}
