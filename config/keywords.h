#pragma once
/* The inventory of HAProxy's configuration keywords, by section, and what sluice does with
 * each: a keyword is either supported (the parser has a handler), known (HAProxy has it,
 * sluice refuses it as "not supported yet") or unknown (a typo: the closest keyword is
 * suggested). Keywords of one, two or three words ("bind", "option httplog", "stats socket",
 * "tcp-request content") are matched longest first. */

#include <stdbool.h>
#include <stddef.h>

/* Where a keyword may appear (HAProxy's capability matrix, manual section 4.1). */
enum {
        CFG_IN_GLOBAL = 1u << 0,
        CFG_IN_DEFAULTS = 1u << 1,
        CFG_IN_FRONTEND = 1u << 2,
        CFG_IN_LISTEN = 1u << 3,
        CFG_IN_BACKEND = 1u << 4,
        CFG_IN_PEERS = 1u << 5,
        CFG_IN_RESOLVERS = 1u << 6,
        CFG_IN_USERLIST = 1u << 7,
        CFG_IN_OTHER = 1u << 8, /* a section sluice knows of but does not support */
};

#define CFG_IN_PROXIES (CFG_IN_DEFAULTS | CFG_IN_FRONTEND | CFG_IN_LISTEN | CFG_IN_BACKEND)

struct cfg_known_kw {
        const char *name; /* words separated by single spaces */
        unsigned in;      /* CFG_IN_* */
};

/* HAProxy's keywords (sections, global and proxy keywords, options, timeouts). The parser's
 * supported keywords are a subset: a test checks that each of them is listed here. */
extern const struct cfg_known_kw cfg_known_keywords[];
extern const size_t cfg_n_known_keywords;

/* sluice's own keywords, each for something HAProxy has no keyword for; NULL-terminated.
 * The manual marks them as sluice's. */
extern const char *const cfg_sluice_keywords[];

/* Section names HAProxy has (global, defaults, frontend, ..., ring, http-errors, ...). */
extern const char *const cfg_known_sections[];
extern const size_t cfg_n_known_sections;

/* The entry of cfg_known_keywords matching the longest prefix of @words (up to 3 words), or
 * NULL; *ret_n_words is set to the number of words matched. @in restricts the search to
 * keywords valid there when non-zero. */
const struct cfg_known_kw *cfg_known_lookup(const char *const *words, size_t n_words, unsigned in,
                                            size_t *ret_n_words);

/* Is @name one of HAProxy's bind options ("ssl", "accept-proxy", ...)? */
bool cfg_known_bind_option(const char *name);

/* Damerau-Levenshtein distance (adjacent transpositions count 1), capped at @cap + 1. */
unsigned cfg_edit_distance(const char *a, const char *b, unsigned cap);

/* Whether @candidate is close enough to the unknown @word to be worth suggesting. */
bool cfg_is_close(const char *word, const char *candidate);
