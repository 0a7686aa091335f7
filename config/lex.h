#pragma once
/* Lexer of the haproxy.cfg language: the text of one file in, logical lines of words out,
 * with quotes, escapes and environment variables resolved the way HAProxy's parse_line()
 * resolves them (configuration manual, sections 2.2 "Quoting and escaping" and 2.3
 * "Environment variables"):
 *
 * - words are separated by unquoted blanks (space, tab, and the other isspace() bytes CR, VT,
 *   FF); a line ends at LF, and a CR right before the LF is dropped;
 * - an unquoted, unescaped '#' starts a comment wherever it appears, also inside a word:
 *   "a#b" is the word "a" followed by a comment (write "a\#b" or "'a#b'" to keep it);
 * - single quotes are fully literal; double quotes keep blanks and '#' but still honour
 *   backslash escapes and environment variables; quoted and unquoted parts may be adjacent
 *   and form one word: abc"def ghi"jkl is the single word "abcdef ghijkl";
 * - outside single quotes, \<space> \\ \# \' \" \t \n \r and \xNN are escapes; \$ is one inside
 *   double quotes only; any other backslash is kept as is ("\1" stays "\1"); a backslash at
 *   the very end of a line is an error, since the language has no line continuation;
 * - environment variables are expanded inside double quotes only: "$NAME", "${NAME}",
 *   "${NAME-default}" (the default replaces an unset variable, not an empty one; it is taken
 *   literally up to the first '}'). A value is never split nor read again: it stays inside
 *   its word. HAProxy's "${NAME[*]}" word splitting is refused with an error. A name starts
 *   with a letter or '_' and goes on with letters, digits and '_'; any other '$' inside
 *   double quotes is an error (write "\$"). An unset variable expands to nothing, and a word
 *   left empty only by unset variables disappears: "${UNSET}" yields no word, while "" and
 *   "${SET_BUT_EMPTY}" yield an empty word;
 * - the pseudo-variables ".FILE", ".LINE" and ".SECTION" (written "$.LINE" or "${.LINE}",
 *   inside double quotes too) are asked of the variable lookup under those names, which
 *   answers for the place being read; any other name starting with '.' is an error.
 *
 * Limits (errors, never truncation): CFG_LEX_MAX_LINE bytes per physical line and per line
 * of expanded text, CFG_LEX_MAX_WORDS words per line (HAProxy's MAX_LINE_ARGS). A NUL byte
 * anywhere in the input, or produced by "\x00", is an error. */

#include <stdbool.h>
#include <stddef.h>

#define CFG_LEX_MAX_LINE  65536u /* bytes per line, LF excluded; also caps the expanded text */
#define CFG_LEX_MAX_WORDS 64u    /* words per line, as HAProxy's MAX_LINE_ARGS */

/* Where and why reading the configuration failed. Filled by config/ functions, logged by
 * their caller; @line and @col are 1-based, 0 when the error has no position. */
struct cfg_err {
        char file[256]; /* truncated if longer */
        unsigned line, col;
        char msg[512]; /* lower-case, no final period, user data quoted */
};

/* Writes @file, @line, @col and the formatted message into @err (which may be NULL). */
__attribute__((format(printf, 5, 6))) void cfg_err_setf(struct cfg_err *err, const char *file,
                                                        unsigned line, unsigned col,
                                                        const char *fmt, ...);

/* Returns the value of the environment variable @name, or NULL when it is unset. The value
 * is borrowed: it must stay valid until the next call of the function by the same lexer. */
typedef const char *cfg_env_fn(void *data, const char *name);

/* cfg_env_fn reading the process environment with getenv(); @data is unused. */
const char *cfg_env_getenv(void *data, const char *name);

struct cfg_word {
        const char *text; /* borrowed from the lexer: NUL-terminated, no NUL inside */
        size_t len;       /* strlen(text) */
        unsigned line;    /* 1-based position of the word's first byte in the source */
        unsigned col;
        bool quoted; /* some part of it was in quotes: "" is an empty word, not nothing */
        unsigned vanished_before; /* words right before this one that expanded to nothing */
};

struct cfg_line {
        const struct cfg_word *words; /* borrowed from the lexer, see cfg_lex_next_line() */
        unsigned n_words;             /* 1 .. CFG_LEX_MAX_WORDS */
        unsigned line;                /* 1-based line number */
        unsigned vanished_after;      /* words after the last one that expanded to nothing */
};

/* cfg_lex_set_flags() */
enum {
        CFG_LEX_F_NO_COMMENT = 1u << 0, /* '#' is an ordinary byte (HAProxy's -cc argument) */
};

/* One pass over one file. Embedded by the caller; the fields are private. */
struct cfg_lex {
        const char *file;                         /* borrowed; for error messages */
        const char *pos, *end;                    /* borrowed: the input not yet read */
        unsigned line;                            /* number of the last line read */
        unsigned flags;                           /* CFG_LEX_F_* */
        cfg_env_fn *env;                          /* never NULL after cfg_lex_init() */
        void *env_data;                           /* borrowed; passed to @env */
        char *text;                               /* owned: the current line's words */
        size_t text_len, text_size;               /* bytes used and allocated at @text */
        char *name;                               /* owned: scratch for variable names */
        size_t name_size;                         /* bytes allocated at @name */
        struct cfg_word words[CFG_LEX_MAX_WORDS]; /* .text is set once the line is complete,
                                                   * as @text may move while it grows */
};

/* Prepares @lx to read @len bytes at @buf (not NUL-terminated; borrowed, must outlive @lx).
 * @file (borrowed, likewise) only names the input in errors. @env resolves variables with
 * @env_data; NULL means cfg_env_getenv. Allocates nothing. */
void cfg_lex_init(struct cfg_lex *lx, const char *file, const char *buf, size_t len,
                  cfg_env_fn *env, void *env_data);

/* Changes how the next lines are read (CFG_LEX_F_*). */
void cfg_lex_set_flags(struct cfg_lex *lx, unsigned flags);

/* Frees what @lx allocated; the words it handed out become invalid. Accepts a zeroed
 * struct or one already deinitialized. */
void cfg_lex_deinit(struct cfg_lex *lx);

/* Reads the next line that has at least one word; blank lines, comment lines and lines whose
 * words all disappeared are skipped. Returns the number of words and fills @ret_line, whose
 * words stay valid until the next call or cfg_lex_deinit(); 0 at the end of the input.
 * Fails with -EBADMSG on a syntax error or a limit, -ENOMEM; then @err (may be NULL) says
 * where, and the lexer has moved to the next line, so a caller may keep reading to report
 * further errors. */
int cfg_lex_next_line(struct cfg_lex *lx, struct cfg_line *ret_line, struct cfg_err *err);

/* HAProxy's second expansion of address words (its env_expand(), applied by str2sa_range()
 * to every address: bind, server, log targets, stats socket), after the rules above: in the
 * whole word, quoted or not, "$NAME" and "${NAME}" are replaced by the value of NAME, or by
 * nothing when it is unset. A name is the longest run of letters, digits and '_' after the
 * '$' (or the '{'), possibly empty; a '}' right after a name that followed "${" is dropped;
 * everything else stays as it is, so "${NAME-default}" leaves "-default}" and a '$' before
 * anything else disappears. Values are not expanded again. Returns 0 and *ret_out: NULL when
 * @in has no '$' (nothing to change), else a malloc'd string the caller frees; -ENOMEM;
 * -E2BIG when the result would pass CFG_LEX_MAX_LINE bytes. */
int cfg_env_expand(const char *in, cfg_env_fn *env, void *env_data, char **ret_out);
