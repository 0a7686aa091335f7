#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "unit.h"

static const char *fake_env(void *data, const char *name)
{
        static const struct {
                const char *name, *value;
        } vars[] = {
                {"HOST", "10.0.0.1"}, {"PORT", "8080"}, {"EMPTY", ""},
                {"SPACED", "a  b"},   {"_U1", "u"},     {"WEIRD", "x\"y#z'\\"},
        };
        int *calls = data;

        if (calls)
                (*calls)++;
        for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
                if (strcmp(vars[i].name, name) == 0)
                        return vars[i].value;
        return NULL;
}

/* Lexes @len bytes at @src and renders every line as "[w1][w2]", lines joined by '/'; an
 * error ends the rendering as "!line:col: msg". */
static const char *render_n(const char *src, size_t len)
{
        static char out[1 << 17];
        struct cfg_lex lx;
        struct cfg_line line;
        struct cfg_err err;
        size_t o = 0;
        int r;

        out[0] = '\0';
        cfg_lex_init(&lx, "t.cfg", src, len, fake_env, NULL);
        while ((r = cfg_lex_next_line(&lx, &line, &err)) > 0) {
                ck_assert_int_eq(r, (int)line.n_words);
                if (o)
                        o += (size_t)snprintf(out + o, sizeof(out) - o, "/");
                for (unsigned i = 0; i < line.n_words; i++) {
                        ck_assert_uint_eq(strlen(line.words[i].text), line.words[i].len);
                        o += (size_t)snprintf(out + o, sizeof(out) - o, "[%s]", line.words[i].text);
                }
        }
        if (r < 0) {
                ck_assert_int_eq(r, -EBADMSG);
                ck_assert_str_eq(err.file, "t.cfg");
                snprintf(out + o, sizeof(out) - o, "!%u:%u: %s", err.line, err.col, err.msg);
        }
        cfg_lex_deinit(&lx);
        return out;
}

static const char *render(const char *src)
{
        return render_n(src, strlen(src));
}

/* The error of the first failing line, as "line:col: msg". */
static const char *first_error(const char *src)
{
        const char *r = render(src);
        const char *bang = strchr(r, '!');

        ck_assert_msg(bang != NULL, "no error in '%s' (got '%s')", src, r);
        return bang + 1;
}

START_TEST(test_blanks_separate_words)
{
        ck_assert_str_eq(render("a b"), "[a][b]");
        ck_assert_str_eq(render("  a \t  b\t"), "[a][b]");
        ck_assert_str_eq(render("bind :80 name web"), "[bind][:80][name][web]");
        /* HAProxy's isspace(): CR, VT and FF inside a line separate words too */
        ck_assert_str_eq(render("a\rb\vc\fd"), "[a][b][c][d]");
        ck_assert_str_eq(render(""), "");
        ck_assert_str_eq(render("   \t  "), "");
}
END_TEST

START_TEST(test_lines)
{
        ck_assert_str_eq(render("a\nb c\n"), "[a]/[b][c]");
        ck_assert_str_eq(render("a\r\nb\r\n"), "[a]/[b]");
        ck_assert_str_eq(render("a\n\n\n  \nb"), "[a]/[b]");
        ck_assert_str_eq(render("last line without LF"), "[last][line][without][LF]");
        ck_assert_str_eq(render("a\r"), "[a]");
}
END_TEST

START_TEST(test_positions)
{
        static const char src[] = "global\n\n  maxconn  100 \"x y\"\r\n\tlog 'a'b\n";
        struct cfg_lex lx;
        struct cfg_line line;
        struct cfg_err err;

        cfg_lex_init(&lx, "p.cfg", src, sizeof(src) - 1, fake_env, NULL);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), 1);
        ck_assert_uint_eq(line.line, 1);
        ck_assert_uint_eq(line.words[0].line, 1);
        ck_assert_uint_eq(line.words[0].col, 1);
        ck_assert(!line.words[0].quoted);

        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), 3);
        ck_assert_uint_eq(line.line, 3);
        ck_assert_str_eq(line.words[0].text, "maxconn");
        ck_assert_uint_eq(line.words[0].col, 3);
        ck_assert_str_eq(line.words[1].text, "100");
        ck_assert_uint_eq(line.words[1].col, 12);
        ck_assert_str_eq(line.words[2].text, "x y");
        ck_assert_uint_eq(line.words[2].col, 16);
        ck_assert_uint_eq(line.words[2].line, 3);
        ck_assert(line.words[2].quoted);

        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), 2);
        ck_assert_uint_eq(line.line, 4);
        ck_assert_uint_eq(line.words[0].col, 2);
        ck_assert_str_eq(line.words[1].text, "ab");
        ck_assert_uint_eq(line.words[1].col, 6);
        ck_assert(line.words[1].quoted);

        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), 0);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), 0);
        cfg_lex_deinit(&lx);
}
END_TEST

START_TEST(test_comments)
{
        ck_assert_str_eq(render("# whole line\na"), "[a]");
        ck_assert_str_eq(render("   # indented comment"), "");
        ck_assert_str_eq(render("a b # trailing"), "[a][b]");
        ck_assert_str_eq(render("a b#trailing"), "[a][b]");
        /* an unquoted '#' ends the line even inside a word, as in HAProxy */
        ck_assert_str_eq(render("a#b c"), "[a]");
        ck_assert_str_eq(render("\"x\"#y"), "[x]");
        ck_assert_str_eq(render("a\\#b c"), "[a#b][c]");
        ck_assert_str_eq(render("\"a#b\" 'c # d'"), "[a#b][c # d]");
        ck_assert_str_eq(render("a # \"unterminated is fine in a comment"), "[a]");
        ck_assert_str_eq(render("a # \\"), "[a]");
}
END_TEST

START_TEST(test_quotes)
{
        ck_assert_str_eq(render("\"a b\" 'c d'"), "[a b][c d]");
        ck_assert_str_eq(render("abc\"def ghi\"jkl"), "[abcdef ghijkl]");
        ck_assert_str_eq(render("'a'\"b\"c'd'"), "[abcd]");
        ck_assert_str_eq(render("\"'\" '\"'"), "['][\"]");
        ck_assert_str_eq(render("log-format \"%{+Q}o %t\"' %s'\\ %{-Q}r"),
                         "[log-format][%{+Q}o %t %s %{-Q}r]");
        /* single quotes are fully literal */
        ck_assert_str_eq(render("'\\t\\x41 ${HOST} $HOST \\'"), "[\\t\\x41 ${HOST} $HOST \\]");
        ck_assert_str_eq(render("\"\\\" \\' \\\\ \\t\""), "[\" ' \\ \t]");
}
END_TEST

START_TEST(test_empty_quoted_words)
{
        struct cfg_lex lx;
        struct cfg_line line;
        struct cfg_err err;

        ck_assert_str_eq(render("a \"\" b"), "[a][][b]");
        ck_assert_str_eq(render("a ''"), "[a][]");
        ck_assert_str_eq(render("\"\"''"), "[]");

        cfg_lex_init(&lx, "t.cfg", "x \"\" 'y'", 8, fake_env, NULL);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), 3);
        ck_assert(!line.words[0].quoted);
        ck_assert(line.words[1].quoted);
        ck_assert_uint_eq(line.words[1].len, 0);
        ck_assert_uint_eq(line.words[1].col, 3);
        ck_assert(line.words[2].quoted);
        cfg_lex_deinit(&lx);
}
END_TEST

START_TEST(test_escapes_unquoted)
{
        ck_assert_str_eq(render("a\\ b"), "[a b]");
        ck_assert_str_eq(render("a\\\\b"), "[a\\b]");
        ck_assert_str_eq(render("\\#x"), "[#x]");
        ck_assert_str_eq(render("\\'x\\\""), "['x\"]");
        ck_assert_str_eq(render("\\t\\n\\r"), "[\t\n\r]");
        ck_assert_str_eq(render("\\x41\\x7a\\xfF"), "[Az\xff]");
        /* not escapes: the backslash stays and the next byte is read normally */
        ck_assert_str_eq(render("\\1 \\a \\."), "[\\1][\\a][\\.]");
        ck_assert_str_eq(render("a\\\tb"), "[a\\][b]");
        /* "\$" is an escape inside double quotes only; outside, '$' is not special */
        ck_assert_str_eq(render("\\$HOST"), "[\\$HOST]");
        ck_assert_str_eq(render("a\\\"b c\\\"d"), "[a\"b][c\"d]");
}
END_TEST

START_TEST(test_escapes_in_double_quotes)
{
        ck_assert_str_eq(render("\"\\$HOST\""), "[$HOST]");
        ck_assert_str_eq(render("\"a\\ b\\#c\""), "[a b#c]");
        ck_assert_str_eq(render("\"\\x41\\x42\""), "[AB]");
        ck_assert_str_eq(render("\"\\q\""), "[\\q]");
        ck_assert_str_eq(render("\"\\\\\""), "[\\]");
}
END_TEST

START_TEST(test_escape_errors)
{
        ck_assert_str_eq(first_error("abc \\"), "1:5: backslash at end of line (lines cannot be "
                                                "continued)");
        ck_assert_str_eq(first_error("a\nabc\\\r\nnext"),
                         "2:4: backslash at end of line (lines cannot be continued)");
        ck_assert_str_eq(first_error("\"abc\\"), "1:5: backslash at end of line (lines cannot "
                                                 "be continued)");
        ck_assert_str_eq(first_error("a \\x4"), "1:3: truncated or invalid hexadecimal sequence");
        ck_assert_str_eq(first_error("a \\x"), "1:3: truncated or invalid hexadecimal sequence");
        ck_assert_str_eq(first_error("a \\xg1"), "1:3: truncated or invalid hexadecimal sequence");
        ck_assert_str_eq(first_error("a \\x1g"), "1:3: truncated or invalid hexadecimal sequence");
        ck_assert_str_eq(first_error("a \"\\x00\""), "1:4: '\\x00' would put a NUL byte in a word");
}
END_TEST

START_TEST(test_unmatched_quotes)
{
        ck_assert_str_eq(first_error("a \"bc"), "1:3: unmatched double quote");
        ck_assert_str_eq(first_error("x\n  'bc \"d\" e"), "2:3: unmatched single quote");
        ck_assert_str_eq(first_error("a \"b\" \"c\nd\""), "1:7: unmatched double quote");
        /* no escapes inside single quotes: the quote after the backslash closes them */
        ck_assert_str_eq(render("a 'b\\'"), "[a][b\\]");
        ck_assert_str_eq(first_error("a \"b\\\""), "1:3: unmatched double quote");
        ck_assert_str_eq(first_error("a \"b # c"), "1:3: unmatched double quote");
}
END_TEST

START_TEST(test_env_expansion)
{
        ck_assert_str_eq(render("\"${HOST}\""), "[10.0.0.1]");
        ck_assert_str_eq(render("\"$HOST\""), "[10.0.0.1]");
        ck_assert_str_eq(render("\"$HOST:$PORT\""), "[10.0.0.1:8080]");
        ck_assert_str_eq(render("\"${HOST}:${PORT}\""), "[10.0.0.1:8080]");
        ck_assert_str_eq(render("bind \"fd@${PORT}\" x"), "[bind][fd@8080][x]");
        ck_assert_str_eq(render("\"$_U1-$HOSTX.\""), "[u-.]");
        ck_assert_str_eq(render("a\"${HOST}\"b"), "[a10.0.0.1b]");
        /* a value is one word whatever it holds: no splitting, no re-reading of quotes */
        ck_assert_str_eq(render("\"$SPACED\""), "[a  b]");
        ck_assert_str_eq(render("\"$WEIRD\" z"), "[x\"y#z'\\][z]");
}
END_TEST

START_TEST(test_env_only_in_double_quotes)
{
        ck_assert_str_eq(render("${HOST} $HOST"), "[${HOST}][$HOST]");
        ck_assert_str_eq(render("'${HOST}'"), "[${HOST}]");
        ck_assert_str_eq(render("a$ $"), "[a$][$]");
}
END_TEST

START_TEST(test_env_defaults)
{
        ck_assert_str_eq(render("\"${NOPE-1.2.3.4}:514\""), "[1.2.3.4:514]");
        ck_assert_str_eq(render("\"${HOST-1.2.3.4}\""), "[10.0.0.1]");
        /* the default replaces an unset variable, not an empty one */
        ck_assert_str_eq(render("a \"${EMPTY-x}\" b"), "[a][][b]");
        ck_assert_str_eq(render("\"${NOPE-}\" b"), "[][b]");
        /* the default is literal up to the first '}' */
        ck_assert_str_eq(render("\"${NOPE-a b\\t$X\"'}\""), "[a b\\t$X\"']");
        ck_assert_str_eq(render("\"${NOPE-{x}}\""), "[{x}]");
}
END_TEST

START_TEST(test_env_unset)
{
        /* an unset variable expands to nothing; a word made only of it disappears */
        ck_assert_str_eq(render("a \"${NOPE}\" b"), "[a][b]");
        ck_assert_str_eq(render("a \"$NOPE\""), "[a]");
        ck_assert_str_eq(render("a \"${NOPE}${NOPE2}\""), "[a]");
        ck_assert_str_eq(render("\"${NOPE}\"\nnext"), "[next]");
        ck_assert_str_eq(render("\"x${NOPE}\" \"${NOPE}y\" \"${NOPE}\"z"), "[x][y][z]");
        ck_assert_str_eq(render("\"${NOPE} \""), "[ ]");
        /* anything else that makes a word keeps it, even empty */
        ck_assert_str_eq(render("a \"${NOPE}\"'' b"), "[a][][b]");
        ck_assert_str_eq(render("a \"${NOPE}\"\"\" b"), "[a][][b]");
        ck_assert_str_eq(render("a \"${NOPE}${EMPTY}\" b"), "[a][][b]");
        ck_assert_str_eq(render("a \"${EMPTY}\" b"), "[a][][b]");
}
END_TEST

START_TEST(test_env_errors)
{
        ck_assert_str_eq(first_error("a \"$\""), "1:5: missing environment variable name after "
                                                 "'$' (write '\\$' for a dollar sign)");
        ck_assert_str_eq(first_error("a \"price $5\""),
                         "1:11: forbidden first character '5' in environment variable name");
        ck_assert_str_eq(first_error("\"$ x\""),
                         "1:3: forbidden first character '\\x20' in environment variable name");
        ck_assert_str_eq(first_error("\"${}\""),
                         "1:4: forbidden first character '}' in environment variable name");
        ck_assert_str_eq(first_error("\"${HOST\""),
                         "1:3: unmatched brace in environment variable name");
        ck_assert_str_eq(first_error("x \"${HOST:-a}\""),
                         "1:5: unmatched brace in environment variable name");
        ck_assert_str_eq(first_error("\"${HOST-abc\""),
                         "1:3: unmatched brace in environment variable name");
        ck_assert_str_eq(first_error("\"${HOST[*]}\""),
                         "1:8: word expansion '[...]' of environment variables is not supported");
        ck_assert_str_eq(first_error("\"$"), "1:3: missing environment variable name after '$' "
                                             "(write '\\$' for a dollar sign)");
}
END_TEST

START_TEST(test_env_callback_and_getenv)
{
        struct cfg_lex lx;
        struct cfg_line line;
        struct cfg_err err;
        static const char src[] = "\"${SLUICE_TEST_LEX_VAR}\" \"$SLUICE_TEST_LEX_UNSET\" z";
        int calls = 0;

        cfg_lex_init(&lx, "t.cfg", "\"$HOST\" \"$NOPE\" '$X'", 20, fake_env, &calls);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), 2);
        ck_assert_int_eq(calls, 2);
        cfg_lex_deinit(&lx);

        ck_assert_int_eq(setenv("SLUICE_TEST_LEX_VAR", "from env", 1), 0);
        ck_assert_int_eq(unsetenv("SLUICE_TEST_LEX_UNSET"), 0);
        cfg_lex_init(&lx, "t.cfg", src, sizeof(src) - 1, NULL, NULL);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), 2);
        ck_assert_str_eq(line.words[0].text, "from env");
        ck_assert_str_eq(line.words[1].text, "z");
        cfg_lex_deinit(&lx);
}
END_TEST

START_TEST(test_nul_bytes)
{
        static const char in_word[] = "ab\0c d";
        static const char in_comment[] = "a\n# x\0y\nb";

        ck_assert_str_eq(render_n(in_word, sizeof(in_word) - 1), "!1:3: NUL byte in the input");
        ck_assert_str_eq(render_n(in_comment, sizeof(in_comment) - 1),
                         "[a]!2:4: NUL byte in the input");
}
END_TEST

START_TEST(test_error_then_next_line)
{
        static const char src[] = "a \"b\nc d\n\"e\n'f'";
        struct cfg_lex lx;
        struct cfg_line line;
        struct cfg_err err;

        cfg_lex_init(&lx, "e.cfg", src, sizeof(src) - 1, fake_env, NULL);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), -EBADMSG);
        ck_assert_str_eq(err.file, "e.cfg");
        ck_assert_uint_eq(err.line, 1);
        ck_assert_uint_eq(err.col, 3);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), 2);
        ck_assert_uint_eq(line.line, 2);
        ck_assert_str_eq(line.words[1].text, "d");
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), -EBADMSG);
        ck_assert_uint_eq(err.line, 3);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, NULL), 1);
        ck_assert_str_eq(line.words[0].text, "f");
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, NULL), 0);
        cfg_lex_deinit(&lx);
}
END_TEST

START_TEST(test_word_limit)
{
        char src[400], expect[64];
        size_t o = 0, base;

        for (int i = 0; i < 64; i++)
                o += (size_t)snprintf(src + o, sizeof(src) - o, "%d ", i % 10);
        ck_assert_uint_eq(strlen(render(src)), 64 * 3);
        /* trailing blanks, comments and vanished words do not count */
        base = o;
        snprintf(src + base, sizeof(src) - base, "  \"$NOPE\"  # 64 is the limit");
        ck_assert_uint_eq(strlen(render(src)), 64 * 3);
        o = base + (size_t)snprintf(src + base, sizeof(src) - base, "\"$NOPE\" ");
        snprintf(src + o, sizeof(src) - o, "\"\"");
        snprintf(expect, sizeof(expect), "1:%zu: too many words on the line (maximum 64)", o + 1);
        ck_assert_str_eq(first_error(src), expect);
}
END_TEST

START_TEST(test_line_limit)
{
        size_t max = CFG_LEX_MAX_LINE;
        char *src = malloc(max + 3);
        const char *r;

        ck_assert_ptr_nonnull(src);
        memset(src, 'x', max);
        src[max] = '\n';
        r = render_n(src, max + 1);
        ck_assert_uint_eq(strlen(r), max + 2);
        src[max] = '\r';
        src[max + 1] = '\n';
        ck_assert_uint_eq(strlen(render_n(src, max + 2)), max + 2);
        src[max] = 'x';
        ck_assert_str_eq(render_n(src, max + 2), "!1:65537: line too long (maximum 65536 bytes)");
        free(src);
}
END_TEST

START_TEST(test_expansion_limit)
{
        /* 8200 expansions of an 8-byte value: the 8193rd, at byte 57345, passes 65536 bytes */
        size_t n = 8200, o = 0;
        char *src = malloc(n * 7 + 3);

        ck_assert_ptr_nonnull(src);
        src[o++] = '"';
        for (size_t i = 0; i < n; i++) {
                memcpy(src + o, "${HOST}", 7);
                o += 7;
        }
        src[o++] = '"';
        ck_assert_str_eq(render_n(src, o),
                         "!1:57346: line too long after expansion (maximum 65536 bytes)");
        free(src);
}
END_TEST

START_TEST(test_words_reused_per_line)
{
        static const char src[] = "aaaa bbbb\nc";
        struct cfg_lex lx;
        struct cfg_line line;

        cfg_lex_init(&lx, "t.cfg", src, sizeof(src) - 1, fake_env, NULL);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, NULL), 2);
        ck_assert_str_eq(line.words[1].text, "bbbb");
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, NULL), 1);
        ck_assert_str_eq(line.words[0].text, "c");
        cfg_lex_deinit(&lx);
        cfg_lex_deinit(&lx);

        /* a zeroed lexer reads nothing and needs no deinit, but accepts one */
        memset(&lx, 0, sizeof(lx));
        cfg_lex_deinit(&lx);
        cfg_lex_init(&lx, "t.cfg", NULL, 0, NULL, NULL);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, NULL), 0);
        cfg_lex_deinit(&lx);
}
END_TEST

START_TEST(test_err_setf)
{
        struct cfg_err err;
        char longname[600];

        memset(longname, 'f', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        cfg_err_setf(&err, longname, 3, 4, "bad '%s'", "x");
        ck_assert_uint_eq(strlen(err.file), sizeof(err.file) - 1);
        ck_assert_uint_eq(err.line, 3);
        ck_assert_uint_eq(err.col, 4);
        ck_assert_str_eq(err.msg, "bad 'x'");
        cfg_err_setf(NULL, "f", 1, 1, "ignored");
}
END_TEST

/* Answers the pseudo-variables for "f.cfg", line 12, before any section; @data counts the
 * lookups of ".LINE". */
static const char *pseudo_env(void *data, const char *name)
{
        int *lines = data;

        if (strcmp(name, ".FILE") == 0)
                return "f.cfg";
        if (strcmp(name, ".LINE") == 0) {
                if (lines)
                        (*lines)++;
                return "12";
        }
        if (strcmp(name, ".SECTION") == 0)
                return NULL;
        return fake_env(NULL, name);
}

static const char *render_with(const char *src, cfg_env_fn *env, void *data, unsigned flags)
{
        static char out[4096];
        struct cfg_lex lx;
        struct cfg_line line;
        struct cfg_err err;
        size_t o = 0;
        int r;

        out[0] = '\0';
        cfg_lex_init(&lx, "t.cfg", src, strlen(src), env, data);
        cfg_lex_set_flags(&lx, flags);
        while ((r = cfg_lex_next_line(&lx, &line, &err)) > 0)
                for (unsigned i = 0; i < line.n_words; i++)
                        o += (size_t)snprintf(out + o, sizeof(out) - o, "[%s]", line.words[i].text);
        if (r < 0)
                snprintf(out + o, sizeof(out) - o, "!%u:%u: %s", err.line, err.col, err.msg);
        cfg_lex_deinit(&lx);
        return out;
}

START_TEST(test_pseudo_variables)
{
        int lines = 0;

        ck_assert_str_eq(render_with("x \"$.LINE ${.FILE}:${.LINE}\"", pseudo_env, &lines, 0),
                         "[x][12 f.cfg:12]");
        ck_assert_int_eq(lines, 2);
        /* before any section .SECTION is unset: a default applies, the word vanishes */
        ck_assert_str_eq(render_with("\"${.SECTION-none}\" \"${.SECTION}\" y", pseudo_env, NULL, 0),
                         "[none][y]");
        /* only inside double quotes, like every variable */
        ck_assert_str_eq(render_with("$.LINE '${.LINE}'", pseudo_env, NULL, 0),
                         "[$.LINE][${.LINE}]");
        ck_assert_str_eq(render_with("\"${.NOPE}\"", pseudo_env, NULL, 0),
                         "!1:4: unknown pseudo-variable '.NOPE': expected .FILE, .LINE or "
                         ".SECTION");
        ck_assert_str_eq(render_with("\"$.\"", pseudo_env, NULL, 0),
                         "!1:3: unknown pseudo-variable '.': expected .FILE, .LINE or .SECTION");
        /* '.' only first */
        ck_assert_str_eq(render_with("\"$A.LINE\"", pseudo_env, NULL, 0), "[.LINE]");
}
END_TEST

START_TEST(test_vanished_words)
{
        static const char src[] = "\"${UNSET}\" a \"${UNSET}\" b \"${UNSET}\"\"${UNSET}\" "
                                  "\"${UNSET}\" c \"${UNSET}\"\nd\n";
        struct cfg_lex lx;
        struct cfg_line line;
        struct cfg_err err;

        cfg_lex_init(&lx, "t.cfg", src, sizeof(src) - 1, fake_env, NULL);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), 3);
        ck_assert_uint_eq(line.words[0].vanished_before, 1);
        ck_assert_uint_eq(line.words[1].vanished_before, 1);
        /* two expansions in one word are one word that vanished */
        ck_assert_uint_eq(line.words[2].vanished_before, 2);
        ck_assert_uint_eq(line.vanished_after, 1);
        ck_assert_int_eq(cfg_lex_next_line(&lx, &line, &err), 1);
        ck_assert_uint_eq(line.words[0].vanished_before, 0);
        ck_assert_uint_eq(line.vanished_after, 0);
        cfg_lex_deinit(&lx);
}
END_TEST

START_TEST(test_no_comment_flag)
{
        ck_assert_str_eq(render_with("1 #x", fake_env, NULL, 0), "[1]");
        ck_assert_str_eq(render_with("1 #x a#b", fake_env, NULL, CFG_LEX_F_NO_COMMENT),
                         "[1][#x][a#b]");
}
END_TEST

static const char *expand(const char *in)
{
        static char out[256];
        char *r = NULL;

        ck_assert_int_eq(cfg_env_expand(in, fake_env, NULL, &r), 0);
        snprintf(out, sizeof(out), "%s", r ? r : "(unchanged)");
        free(r);
        return out;
}

static const char *dollar_env(void *data, const char *name)
{
        static char big[CFG_LEX_MAX_LINE + 2];

        if (strcmp(name, "DOLLAR") == 0)
                return "$PORT";
        if (strcmp(name, "BIG") == 0) {
                memset(big, 'x', sizeof(big) - 1);
                return big;
        }
        return NULL;
}

START_TEST(test_env_expand)
{
        char *r = (char *)"x";

        /* HAProxy's env_expand(): anywhere in the word, no default syntax */
        ck_assert_str_eq(expand("127.0.0.1:$PORT"), "127.0.0.1:8080");
        ck_assert_str_eq(expand("${HOST}:${PORT}"), "10.0.0.1:8080");
        ck_assert_str_eq(expand("x${_U1}y"), "xuy");
        ck_assert_str_eq(expand("no variable"), "(unchanged)");
        ck_assert_str_eq(expand("$UNSET:1"), ":1");
        ck_assert_str_eq(expand("$EMPTY:1"), ":1");
        ck_assert_str_eq(expand("a$"), "a");
        ck_assert_str_eq(expand("$$PORT"), "8080");
        ck_assert_str_eq(expand("${PORT-80}"), "8080-80}");
        ck_assert_str_eq(expand("${UNSET-80}"), "-80}");
        ck_assert_str_eq(expand("${PORT"), "8080");
        ck_assert_str_eq(expand("${PORT}x"), "8080x");
        ck_assert_str_eq(expand("$PORT}"), "8080}");
        ck_assert_str_eq(expand("$PORTx"), "");
        ck_assert_str_eq(expand("${}y"), "y");
        ck_assert_str_eq(expand("$1a:2"), ":2");
        ck_assert_str_eq(expand("$.LINE"), ".LINE");
        /* a value is not expanded again */
        ck_assert_int_eq(cfg_env_expand("a$DOLLAR", dollar_env, NULL, &r), 0);
        ck_assert_str_eq(r, "a$PORT");
        free(r);
        r = (char *)"x";
        ck_assert_int_eq(cfg_env_expand("$BIG", dollar_env, NULL, &r), -E2BIG);
        ck_assert_ptr_null(r);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config/lex");
        TCase *tc_words = tcase_create("words");
        TCase *tc_quotes = tcase_create("quotes_and_escapes");
        TCase *tc_env = tcase_create("environment");
        TCase *tc_err = tcase_create("errors_and_limits");

        tcase_add_test(tc_words, test_blanks_separate_words);
        tcase_add_test(tc_words, test_lines);
        tcase_add_test(tc_words, test_positions);
        tcase_add_test(tc_words, test_comments);
        tcase_add_test(tc_words, test_words_reused_per_line);
        suite_add_tcase(s, tc_words);

        tcase_add_test(tc_quotes, test_quotes);
        tcase_add_test(tc_quotes, test_empty_quoted_words);
        tcase_add_test(tc_quotes, test_escapes_unquoted);
        tcase_add_test(tc_quotes, test_escapes_in_double_quotes);
        tcase_add_test(tc_quotes, test_escape_errors);
        tcase_add_test(tc_quotes, test_unmatched_quotes);
        suite_add_tcase(s, tc_quotes);

        tcase_add_test(tc_env, test_env_expansion);
        tcase_add_test(tc_env, test_env_only_in_double_quotes);
        tcase_add_test(tc_env, test_env_defaults);
        tcase_add_test(tc_env, test_env_unset);
        tcase_add_test(tc_env, test_env_errors);
        tcase_add_test(tc_env, test_env_callback_and_getenv);
        tcase_add_test(tc_env, test_pseudo_variables);
        tcase_add_test(tc_env, test_env_expand);
        tcase_add_test(tc_words, test_vanished_words);
        tcase_add_test(tc_words, test_no_comment_flag);
        suite_add_tcase(s, tc_env);

        tcase_add_test(tc_err, test_nul_bytes);
        tcase_add_test(tc_err, test_error_then_next_line);
        tcase_add_test(tc_err, test_word_limit);
        tcase_add_test(tc_err, test_line_limit);
        tcase_add_test(tc_err, test_expansion_limit);
        tcase_add_test(tc_err, test_err_setf);
        suite_add_tcase(s, tc_err);
        return unit_run(s);
}
