#pragma once
/* The directives of HAProxy's configuration language (manual, section 2.4): conditional
 * blocks (.if, .elif, .else, .endif, nested) and messages (.diag, .notice, .warning,
 * .alert). The parser hands every lexed line of a file here first; a line in a block whose
 * condition is false is lexed (so its lexing errors are still reported, as in HAProxy) but
 * never parsed. The conditions are those of cond_expr.h, written as the words of the line
 * joined by single spaces, quotes and variables already resolved by the lexer.
 *
 * As in HAProxy, a broken block structure or condition, and .alert, stop the whole load
 * (CFG_DIR_ABORT); an unknown directive stops reading its file (CFG_DIR_STOP_FILE). */

#include <stdbool.h>

#include "cond_expr.h"
#include "diag.h"
#include "lex.h"

/* HAProxy's MAXNESTEDCONDS: a '.if' opening level 100 is an error, so at most 99 nest. */
#define CFG_BLOCKS_MAX 100

/* The open blocks of one file. Zero-initialized before its first line. */
struct cfg_blocks {
        unsigned depth;                      /* open '.if' levels, 0 .. CFG_BLOCKS_MAX - 1 */
        unsigned char state[CFG_BLOCKS_MAX]; /* [1 .. depth]: enum in directive.c */
        unsigned if_line[CFG_BLOCKS_MAX];    /* [1 .. depth]: where each level opened */
};

struct cfg_directive_env {
        const struct cfg_cond_expr_ctx *cond; /* borrowed: what conditions are evaluated with */
        struct cfg_diags *diags;              /* borrowed: where problems and messages go */
        const char *file;                     /* borrowed: the file being read */
        bool diag;                            /* diagnostic mode: .diag messages are recorded */
};

enum cfg_directive_result {
        CFG_DIR_PARSE = 0, /* an ordinary line of an active block: parse it */
        CFG_DIR_DONE,      /* a directive, carried out, or a line of an inactive block */
        CFG_DIR_STOP_FILE, /* an error after which the rest of this file is not read */
        CFG_DIR_ABORT,     /* an error after which nothing more is read */
};

/* Take line @l of the file @env names. Errors and messages go to @env->diags. */
enum cfg_directive_result cfg_directive_line(struct cfg_blocks *b, const struct cfg_line *l,
                                             const struct cfg_directive_env *env);

/* At the end of a file: an unterminated '.if' is an error (CFG_DIR_ABORT), else
 * CFG_DIR_DONE. */
enum cfg_directive_result cfg_directive_end(const struct cfg_blocks *b,
                                            const struct cfg_directive_env *env);

/* The words of @l from @first on, with each word that expanded to nothing put back as an
 * empty word, joined by single spaces as HAProxy joins a condition's words: malloc'd, NULL
 * when out of memory. */
char *cfg_directive_join(const struct cfg_line *l, unsigned first);
