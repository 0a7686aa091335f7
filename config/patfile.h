#pragma once
/* The lines of pattern files and map files, read as HAProxy 2.6 reads them: a line whose
 * first byte is '#' is a comment; leading spaces and tabs go; an empty line is skipped. In a
 * pattern file the rest of the line is the pattern (inner and trailing spaces kept); in a
 * map file the key runs to the first space or tab and the value is the rest after the
 * spaces and tabs that follow, without its trailing spaces and tabs. A line ends at CR or
 * LF. */

#include <stdbool.h>
#include <stddef.h>

#include "str.h"

struct cfg_patfile_line {
        unsigned line; /* from 1 */
        struct sl_str key;
        struct sl_str value; /* maps only; may be empty */
};

/* Call @fn on each pattern line of the @len bytes at @text, @map says how lines are read,
 * until it returns false. Returns what the last call returned (true when none). */
bool cfg_patfile_each(const char *text, size_t len, bool map,
                      bool (*fn)(void *data, const struct cfg_patfile_line *l), void *data);
