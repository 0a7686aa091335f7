/* cfg_lex: the first stage of reading a configuration file. The parser hands it the bytes of
 * one file and takes lines of words, with quoting, escaping and environment variables already
 * resolved by the rules listed in lex.h (those of HAProxy's parse_line()). Everything else,
 * including what a word means, belongs to the parser. */
#include "lex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* State of the physical line being read. */
struct lex_line {
        const char *p; /* borrowed from the input: the line without its LF (and CR) */
        size_t len;
        unsigned n_words; /* words completed in lx->words */
        size_t n_chars;   /* bytes of word text produced so far, terminators excluded */
        bool in_word;
        size_t word_off; /* offset of the current word in lx->text */
        unsigned word_col;
        bool word_quoted;
        bool word_keep;    /* the word survives even if its text stays empty */
        unsigned vanished; /* words dropped since the last word kept */
};

void cfg_err_setf(struct cfg_err *err, const char *file, unsigned line, unsigned col,
                  const char *fmt, ...)
{
        va_list ap;

        if (!err)
                return;
        snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
        err->line = line;
        err->col = col;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
}

const char *cfg_env_getenv(void *data, const char *name)
{
        return getenv(name);
}

void cfg_lex_init(struct cfg_lex *lx, const char *file, const char *buf, size_t len,
                  cfg_env_fn *env, void *env_data)
{
        *lx = (struct cfg_lex){
                .file = file,
                .pos = buf,
                .end = buf ? buf + len : buf,
                .env = env ? env : cfg_env_getenv,
                .env_data = env_data,
        };
}

void cfg_lex_set_flags(struct cfg_lex *lx, unsigned flags)
{
        lx->flags = flags;
}

void cfg_lex_deinit(struct cfg_lex *lx)
{
        free(lx->text);
        lx->text = NULL;
        lx->text_len = lx->text_size = 0;
        free(lx->name);
        lx->name = NULL;
        lx->name_size = 0;
}

/* Blanks as HAProxy's isspace() sees them in the C locale; LF never reaches here. */
static bool is_blank(unsigned char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_alpha(unsigned char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
        return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
        if (is_digit(c))
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Fails with -EBADMSG at byte @at of the current line (column @at + 1). */
__attribute__((format(printf, 4, 5))) static int lex_fail(struct cfg_lex *lx, struct cfg_err *err,
                                                          size_t at, const char *fmt, ...)
{
        va_list ap;

        if (err) {
                cfg_err_setf(err, lx->file, lx->line, (unsigned)at + 1, "%s", "");
                va_start(ap, fmt);
                vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
        }
        return -EBADMSG;
}

static int lex_nomem(struct cfg_lex *lx, struct cfg_err *err, size_t at)
{
        cfg_err_setf(err, lx->file, lx->line, (unsigned)at + 1, "out of memory");
        return -ENOMEM;
}

static int grow(char **area, size_t *size, size_t need)
{
        size_t n = *size ? *size : 256;
        char *p;

        if (need <= *size)
                return 0;
        while (n < need)
                n *= 2;
        p = realloc(*area, n);
        if (!p)
                return -ENOMEM;
        *area = p;
        *size = n;
        return 0;
}

static void word_begin(struct lex_line *st, struct cfg_lex *lx, size_t at)
{
        if (st->in_word)
                return;
        st->in_word = true;
        st->word_off = lx->text_len;
        st->word_col = (unsigned)at + 1;
        st->word_quoted = false;
        st->word_keep = false;
}

static int word_end(struct lex_line *st, struct cfg_lex *lx, struct cfg_err *err)
{
        struct cfg_word *w;

        if (!st->in_word)
                return 0;
        st->in_word = false;
        if (lx->text_len == st->word_off && !st->word_keep) {
                st->vanished++;
                return 0;
        }
        if (st->n_words == CFG_LEX_MAX_WORDS)
                return lex_fail(lx, err, st->word_col - 1,
                                "too many words on the line (maximum %u)", CFG_LEX_MAX_WORDS);
        /* emit() always leaves room for this terminator, but an empty word had no emit() */
        if (grow(&lx->text, &lx->text_size, lx->text_len + 1) < 0)
                return lex_nomem(lx, err, st->word_col - 1);
        lx->text[lx->text_len++] = '\0';
        w = &lx->words[st->n_words++];
        /* .text is set once the line is complete: @lx->text may still move */
        *w = (struct cfg_word){
                .text = NULL,
                .len = lx->text_len - 1 - st->word_off,
                .line = lx->line,
                .col = st->word_col,
                .quoted = st->word_quoted,
                .vanished_before = st->vanished,
        };
        st->vanished = 0;
        return 0;
}

static int emit(struct lex_line *st, struct cfg_lex *lx, struct cfg_err *err, size_t at, char c)
{
        if (st->n_chars == CFG_LEX_MAX_LINE)
                return lex_fail(lx, err, at, "line too long after expansion (maximum %u bytes)",
                                CFG_LEX_MAX_LINE);
        if (grow(&lx->text, &lx->text_size, lx->text_len + 2) < 0)
                return lex_nomem(lx, err, at);
        lx->text[lx->text_len++] = c;
        st->n_chars++;
        return 0;
}

/* A backslash at p[*pi] outside single quotes. Only the sequences HAProxy knows are escapes;
 * any other backslash is kept, and the byte after it is read normally. */
static int lex_escape(struct lex_line *st, struct cfg_lex *lx, struct cfg_err *err, size_t *pi,
                      bool in_dquote)
{
        const char *p = st->p;
        size_t i = *pi;
        size_t adv = 2;
        int hi, lo;
        char c;

        if (i + 1 == st->len)
                return lex_fail(lx, err, i, "backslash at end of line (lines cannot be continued)");
        switch (p[i + 1]) {
        case ' ':
        case '\\':
        case '#':
        case '\'':
        case '"':
                c = p[i + 1];
                break;
        case 't':
                c = '\t';
                break;
        case 'n':
                c = '\n';
                break;
        case 'r':
                c = '\r';
                break;
        case '$':
                /* "\$" is an escape only where '$' is special: inside double quotes */
                if (in_dquote) {
                        c = '$';
                } else {
                        c = '\\';
                        adv = 1;
                }
                break;
        case 'x':
                hi = i + 2 < st->len ? hex_value((unsigned char)p[i + 2]) : -1;
                lo = i + 3 < st->len ? hex_value((unsigned char)p[i + 3]) : -1;
                if (hi < 0 || lo < 0)
                        return lex_fail(lx, err, i, "truncated or invalid hexadecimal sequence");
                c = (char)(hi << 4 | lo);
                if (c == '\0')
                        return lex_fail(lx, err, i, "'\\x00' would put a NUL byte in a word");
                adv = 4;
                break;
        default:
                c = '\\';
                adv = 1;
                break;
        }
        *pi = i + adv;
        return emit(st, lx, err, i, c);
}

/* A '$' at p[*pi] inside double quotes. Sets *ret_unset when the variable is unset and has no
 * default, *ret_set otherwise. */
static int lex_variable(struct lex_line *st, struct cfg_lex *lx, struct cfg_err *err, size_t *pi,
                        bool *ret_set, bool *ret_unset)
{
        const char *p = st->p;
        size_t len = st->len;
        size_t at = *pi, i = at + 1, brace_at = 0, name_at, name_len;
        const char *value, *dflt = NULL;
        size_t dflt_len = 0;
        bool brace = false;
        int r;

        if (i < len && p[i] == '{') {
                brace = true;
                brace_at = i++;
        }
        if (i == len || p[i] == '"')
                return lex_fail(lx, err, i,
                                "missing environment variable name after '$' (write '\\$' for "
                                "a dollar sign)");
        if (!is_alpha((unsigned char)p[i]) && p[i] != '_' && p[i] != '.') {
                unsigned char c = (unsigned char)p[i];

                if (c > 0x20 && c < 0x7f)
                        return lex_fail(lx, err, i,
                                        "forbidden first character '%c' in environment variable "
                                        "name",
                                        c);
                return lex_fail(lx, err, i,
                                "forbidden first character '\\x%02x' in environment variable "
                                "name",
                                c);
        }
        name_at = i;
        if (p[i] == '.')
                i++; /* a pseudo-variable: '.' is allowed first, and only there */
        while (i < len &&
               (is_alpha((unsigned char)p[i]) || is_digit((unsigned char)p[i]) || p[i] == '_'))
                i++;
        name_len = i - name_at;
        if (brace) {
                if (i < len && p[i] == '[')
                        return lex_fail(lx, err, i,
                                        "word expansion '[...]' of environment variables is "
                                        "not supported");
                if (i < len && p[i] == '-') {
                        const char *close = memchr(p + i + 1, '}', len - i - 1);

                        if (!close)
                                return lex_fail(lx, err, brace_at,
                                                "unmatched brace in environment variable name");
                        dflt = p + i + 1;
                        dflt_len = (size_t)(close - dflt);
                        i = (size_t)(close - p);
                }
                if (i == len || p[i] != '}')
                        return lex_fail(lx, err, brace_at,
                                        "unmatched brace in environment variable name");
                i++;
        }
        *pi = i;

        if (grow(&lx->name, &lx->name_size, name_len + 1) < 0)
                return lex_nomem(lx, err, at);
        memcpy(lx->name, p + name_at, name_len);
        lx->name[name_len] = '\0';
        if (lx->name[0] == '.' && strcmp(lx->name, ".FILE") != 0 &&
            strcmp(lx->name, ".LINE") != 0 && strcmp(lx->name, ".SECTION") != 0)
                return lex_fail(lx, err, name_at,
                                "unknown pseudo-variable '%s': expected .FILE, .LINE or "
                                ".SECTION",
                                lx->name);
        value = lx->env(lx->env_data, lx->name);
        if (!value && !dflt) {
                *ret_unset = true;
                return 0;
        }
        *ret_set = true;
        if (value) {
                for (; *value; value++) {
                        r = emit(st, lx, err, at, *value);
                        if (r < 0)
                                return r;
                }
        } else {
                for (size_t k = 0; k < dflt_len; k++) {
                        r = emit(st, lx, err, at, dflt[k]);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int lex_line(struct lex_line *st, struct cfg_lex *lx, struct cfg_err *err)
{
        const char *p = st->p;
        char quote = 0; /* '"' or '\'' while inside quotes */
        size_t quote_at = 0, quote_chars = 0;
        bool sec_set = false, sec_unset = false;
        size_t i = 0;
        int r;

        while (i < st->len) {
                char c = p[i];

                if (!quote) {
                        if (is_blank((unsigned char)c)) {
                                r = word_end(st, lx, err);
                                if (r < 0)
                                        return r;
                                i++;
                                continue;
                        }
                        /* HAProxy ends the line at any unquoted '#', even inside a word */
                        if (c == '#' && !(lx->flags & CFG_LEX_F_NO_COMMENT))
                                break;
                }
                word_begin(st, lx, i);
                if (c == '"' && quote != '\'') {
                        st->word_quoted = true;
                        if (!quote) {
                                quote = '"';
                                quote_at = i;
                                quote_chars = st->n_chars;
                                sec_set = sec_unset = false;
                        } else {
                                /* "" keeps an empty word; "${UNSET}" alone does not */
                                quote = 0;
                                if (!sec_unset || sec_set || st->n_chars != quote_chars)
                                        st->word_keep = true;
                        }
                        i++;
                } else if (c == '\'' && quote != '"') {
                        st->word_quoted = true;
                        if (!quote) {
                                quote = '\'';
                                quote_at = i;
                        } else {
                                quote = 0;
                                st->word_keep = true;
                        }
                        i++;
                } else if (quote == '\'') {
                        r = emit(st, lx, err, i, c);
                        if (r < 0)
                                return r;
                        i++;
                } else if (c == '\\') {
                        r = lex_escape(st, lx, err, &i, quote == '"');
                        if (r < 0)
                                return r;
                } else if (c == '$' && quote == '"') {
                        r = lex_variable(st, lx, err, &i, &sec_set, &sec_unset);
                        if (r < 0)
                                return r;
                } else {
                        r = emit(st, lx, err, i, c);
                        if (r < 0)
                                return r;
                        i++;
                }
        }
        if (quote)
                return lex_fail(lx, err, quote_at, "unmatched %s quote",
                                quote == '"' ? "double" : "single");
        return word_end(st, lx, err);
}

int cfg_lex_next_line(struct cfg_lex *lx, struct cfg_line *ret_line, struct cfg_err *err)
{
        while (lx->pos < lx->end) {
                const char *p = lx->pos;
                const char *nl = memchr(p, '\n', (size_t)(lx->end - p));
                size_t len = nl ? (size_t)(nl - p) : (size_t)(lx->end - p);
                struct lex_line st = {0};
                const char *nul;
                size_t off;
                int r;

                /* Moving on first leaves the lexer at the next line whatever happens below. */
                lx->pos = nl ? nl + 1 : lx->end;
                lx->line++;
                lx->text_len = 0;
                if (len > 0 && p[len - 1] == '\r')
                        len--;
                if (len > CFG_LEX_MAX_LINE)
                        return lex_fail(lx, err, CFG_LEX_MAX_LINE,
                                        "line too long (maximum %u bytes)", CFG_LEX_MAX_LINE);
                nul = memchr(p, '\0', len);
                if (nul)
                        return lex_fail(lx, err, (size_t)(nul - p), "NUL byte in the input");

                st.p = p;
                st.len = len;
                r = lex_line(&st, lx, err);
                if (r < 0)
                        return r;
                if (st.n_words == 0)
                        continue;

                off = 0;
                for (unsigned k = 0; k < st.n_words; k++) {
                        lx->words[k].text = lx->text + off;
                        off += lx->words[k].len + 1;
                }
                *ret_line = (struct cfg_line){
                        .words = lx->words,
                        .n_words = st.n_words,
                        .line = lx->line,
                        .vanished_after = st.vanished,
                };
                return (int)st.n_words;
        }
        return 0;
}

int cfg_env_expand(const char *in, cfg_env_fn *env, void *env_data, char **ret_out)
{
        size_t len = 0, size = 0;
        char *out = NULL, *name = NULL;
        const char *p = in;
        int r = 0;

        *ret_out = NULL;
        if (!strchr(in, '$'))
                return 0;
        if (!env)
                env = cfg_env_getenv;
        while (*p) {
                size_t lit = strcspn(p, "$"), name_len;
                const char *n, *value = NULL;
                bool brace;

                r = grow(&out, &size, len + lit + 1);
                if (r < 0)
                        goto fail;
                memcpy(out + len, p, lit);
                len += lit;
                p += lit;
                if (!*p)
                        break;
                /* a '$', maybe a '{', then a name of letters, digits and '_', maybe empty */
                n = p + 1;
                brace = *n == '{';
                if (brace)
                        n++;
                name_len = 0;
                while (is_alpha((unsigned char)n[name_len]) ||
                       is_digit((unsigned char)n[name_len]) || n[name_len] == '_')
                        name_len++;
                p = n + name_len;
                if (brace && *p == '}')
                        p++;
                if (name_len) {
                        char *t = realloc(name, name_len + 1);

                        if (!t) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        name = t;
                        memcpy(name, n, name_len);
                        name[name_len] = '\0';
                        value = env(env_data, name);
                }
                if (value) {
                        size_t vl = strlen(value);

                        if (len + vl > CFG_LEX_MAX_LINE) {
                                r = -E2BIG;
                                goto fail;
                        }
                        r = grow(&out, &size, len + vl + 1);
                        if (r < 0)
                                goto fail;
                        memcpy(out + len, value, vl);
                        len += vl;
                }
                if (len > CFG_LEX_MAX_LINE) {
                        r = -E2BIG;
                        goto fail;
                }
        }
        r = grow(&out, &size, len + 1);
        if (r < 0)
                goto fail;
        out[len] = '\0';
        free(name);
        *ret_out = out;
        return 0;

fail:
        free(name);
        free(out);
        return r;
}
