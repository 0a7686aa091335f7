/* Conditional blocks and message directives of the configuration language, per file. The
 * parser's file loop (load.c) calls cfg_directive_line() for every lexed line and parses only
 * what comes back CFG_DIR_PARSE. The states and what each directive may follow are those of
 * HAProxy 2.6's readcfgfile(). */
#include "directive.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum block_state {
        BLK_IF_TAKE = 0, /* .if true: lines are read */
        BLK_IF_DROP,     /* .if false: lines skipped, a later .elif or .else may be taken */
        BLK_IF_SKIP,     /* .if inside an inactive block: everything skipped */
        BLK_ELIF_TAKE,
        BLK_ELIF_DROP,
        BLK_ELIF_SKIP, /* after a block already taken (or inside an inactive one) */
        BLK_ELSE_TAKE,
        BLK_ELSE_DROP,
};

static bool state_masks(unsigned char s)
{
        return s == BLK_IF_DROP || s == BLK_IF_SKIP || s == BLK_ELIF_DROP || s == BLK_ELIF_SKIP ||
               s == BLK_ELSE_DROP;
}

/* A block was (or is being) taken, or its level is skipped as a whole: the following
 * .elif and .else are not. */
static bool state_done(unsigned char s)
{
        return s == BLK_IF_TAKE || s == BLK_IF_SKIP || s == BLK_ELIF_TAKE || s == BLK_ELIF_SKIP;
}

char *cfg_directive_join(const struct cfg_line *l, unsigned first)
{
        size_t size = 1 + l->vanished_after, off = 0;
        bool any = false;
        char *out;

        for (unsigned i = first; i < l->n_words; i++)
                size += l->words[i].len + 1 + l->words[i].vanished_before;
        out = malloc(size);
        if (!out)
                return NULL;
        /* each word that vanished is an empty word in HAProxy, so one more separator */
        for (unsigned i = first; i < l->n_words; i++) {
                for (unsigned k = 0; k < l->words[i].vanished_before; k++) {
                        if (any)
                                out[off++] = ' ';
                        any = true;
                }
                if (any)
                        out[off++] = ' ';
                memcpy(out + off, l->words[i].text, l->words[i].len);
                off += l->words[i].len;
                any = true;
        }
        for (unsigned k = 0; k < l->vanished_after; k++) {
                if (any)
                        out[off++] = ' ';
                any = true;
        }
        out[off] = '\0';
        return out;
}

/* The condition of a .if/.elif line: 1, 0, or -1 after reporting the error. */
static int eval_line(const struct cfg_line *l, const struct cfg_directive_env *env)
{
        const struct cfg_word *at = l->n_words > 1 ? &l->words[1] : &l->words[0];
        char err[512];
        size_t pos = 0;
        char *text;
        int r;

        text = cfg_directive_join(l, 1);
        if (!text) {
                env->diags->oom = 1;
                cfg_diag_add(env->diags, CFG_SEV_ERROR, env->file, l->line, at->col,
                             "out of memory");
                return -1;
        }
        r = cfg_cond_expr_eval(text, env->cond, err, sizeof(err), &pos);
        free(text);
        if (r >= 0)
                return r;
        if (r == -ENOMEM)
                env->diags->oom = 1;
        cfg_diag_add(env->diags, CFG_SEV_ERROR, env->file, l->line, at->col,
                     "%s in '%s' at position %zu", err, l->words[0].text, pos + 1);
        return -1;
}

static enum cfg_directive_result lone(const struct cfg_line *l, const struct cfg_directive_env *env)
{
        cfg_diag_add(env->diags, CFG_SEV_ERROR, env->file, l->line, l->words[0].col,
                     "lone '%s' with no matching '.if'", l->words[0].text);
        return CFG_DIR_ABORT;
}

/* .if, .elif, .else, .endif: always looked at, even inside an inactive block, so that the
 * structure stays known. Returns CFG_DIR_PARSE when @l is none of them. */
static enum cfg_directive_result block_line(struct cfg_blocks *b, const struct cfg_line *l,
                                            const struct cfg_directive_env *env)
{
        const char *w = l->words[0].text;
        unsigned char *s = &b->state[b->depth];
        int r;

        if (strcmp(w, ".if") == 0) {
                if (b->depth + 1 >= CFG_BLOCKS_MAX) {
                        cfg_diag_add(env->diags, CFG_SEV_ERROR, env->file, l->line, l->words[0].col,
                                     "too many nested '.if' (at most %u)", CFG_BLOCKS_MAX - 1);
                        return CFG_DIR_ABORT;
                }
                b->depth++;
                b->if_line[b->depth] = l->line;
                /* inside an inactive block, the condition is not even evaluated */
                if (b->depth > 1 && state_masks(b->state[b->depth - 1])) {
                        b->state[b->depth] = BLK_IF_SKIP;
                        return CFG_DIR_DONE;
                }
                r = eval_line(l, env);
                if (r < 0)
                        return CFG_DIR_ABORT;
                b->state[b->depth] = r ? BLK_IF_TAKE : BLK_IF_DROP;
                return CFG_DIR_DONE;
        }
        if (strcmp(w, ".elif") == 0) {
                if (!b->depth)
                        return lone(l, env);
                if (*s == BLK_ELSE_TAKE || *s == BLK_ELSE_DROP) {
                        cfg_diag_add(env->diags, CFG_SEV_ERROR, env->file, l->line, l->words[0].col,
                                     "'.elif' after '.else' is not permitted");
                        return CFG_DIR_ABORT;
                }
                if (state_done(*s)) {
                        *s = BLK_ELIF_SKIP;
                        return CFG_DIR_DONE;
                }
                r = eval_line(l, env);
                if (r < 0)
                        return CFG_DIR_ABORT;
                *s = r ? BLK_ELIF_TAKE : BLK_ELIF_DROP;
                return CFG_DIR_DONE;
        }
        if (strcmp(w, ".else") == 0 || strcmp(w, ".endif") == 0) {
                if (l->n_words > 1) {
                        cfg_diag_add(env->diags, CFG_SEV_ERROR, env->file, l->line, l->words[1].col,
                                     "unexpected argument '%s' for '%s'", l->words[1].text, w);
                        return CFG_DIR_ABORT;
                }
                if (!b->depth)
                        return lone(l, env);
                if (w[1] == 'e' && w[2] == 'n') {
                        b->depth--;
                        return CFG_DIR_DONE;
                }
                if (*s == BLK_ELSE_TAKE || *s == BLK_ELSE_DROP) {
                        cfg_diag_add(env->diags, CFG_SEV_ERROR, env->file, l->line, l->words[0].col,
                                     "'.else' after '.else' is not permitted");
                        return CFG_DIR_ABORT;
                }
                *s = state_done(*s) ? BLK_ELSE_DROP : BLK_ELSE_TAKE;
                return CFG_DIR_DONE;
        }
        return CFG_DIR_PARSE;
}

enum cfg_directive_result cfg_directive_line(struct cfg_blocks *b, const struct cfg_line *l,
                                             const struct cfg_directive_env *env)
{
        static const struct {
                const char *name;
                enum cfg_severity sev;
        } messages[] = {
                {".alert", CFG_SEV_ERROR},
                {".warning", CFG_SEV_WARNING},
                {".notice", CFG_SEV_NOTICE},
                {".diag", CFG_SEV_DIAG},
        };
        const char *w = l->words[0].text;
        enum cfg_directive_result r;

        if (w[0] == '.') {
                r = block_line(b, l, env);
                if (r != CFG_DIR_PARSE)
                        return r;
        }
        if (b->depth && state_masks(b->state[b->depth]))
                return CFG_DIR_DONE;
        if (w[0] != '.')
                return CFG_DIR_PARSE;
        for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
                if (strcmp(w, messages[i].name) != 0)
                        continue;
                if (l->n_words > 2) {
                        cfg_diag_add(env->diags, CFG_SEV_ERROR, env->file, l->line, l->words[2].col,
                                     "unexpected argument '%s' for '%s': use quotes if the "
                                     "message should contain spaces",
                                     l->words[2].text, w);
                        return CFG_DIR_DONE;
                }
                if (messages[i].sev == CFG_SEV_DIAG && !env->diag)
                        return CFG_DIR_DONE;
                cfg_diag_add(env->diags, messages[i].sev, env->file, l->line, l->words[0].col,
                             "'%s'", l->n_words > 1 ? l->words[1].text : "");
                /* .alert is always fatal */
                return messages[i].sev == CFG_SEV_ERROR ? CFG_DIR_ABORT : CFG_DIR_DONE;
        }
        cfg_diag_add(env->diags, CFG_SEV_ERROR, env->file, l->line, l->words[0].col,
                     "unknown directive '%s'", w);
        return CFG_DIR_STOP_FILE;
}

enum cfg_directive_result cfg_directive_end(const struct cfg_blocks *b,
                                            const struct cfg_directive_env *env)
{
        if (!b->depth)
                return CFG_DIR_DONE;
        cfg_diag_add(env->diags, CFG_SEV_ERROR, env->file, b->if_line[b->depth], 0,
                     "'.if' block not terminated: no '.endif' before the end of the file");
        return CFG_DIR_ABORT;
}
