#pragma once
/* The condition language of HAProxy's conditional blocks (configuration manual, section 2.4)
 * and of `sluice -cc`: an expression made of integers (0 is false, any other integer true),
 * predicates with arguments in parentheses, '!', '&&' (binding tighter), '||' and
 * parentheses; the empty string is false. It is parsed whole first, so a syntax error is
 * reported even where evaluation would not reach, then evaluated from left to right,
 * stopping at the first false term of an '&&' and the first true one of an '||'.
 *
 * Predicate arguments are split and unquoted as HAProxy splits sample arguments: commas end
 * an argument outside quotes, single and double quotes group, and a backslash escapes
 * '\\', ' ', '"', '\'' and makes \r, \n and \t; spaces are kept as they are.
 *
 * The version predicates compare with CFG_COND_HAPROXY_VERSION, the HAProxy version whose
 * language sluice implements, since a configuration written for HAProxy tests HAProxy's
 * version. Versions are split into numbers as HAProxy splits them ("2.4-dev19", "2.6.1");
 * like HAProxy, version_atleast() of a version it cannot read is true and version_before()
 * false. openssl_version_atleast() and openssl_version_before() encode their argument the
 * way HAProxy does (the OpenSSL 1.x layout 0xMNNFFPPS) and compare it with the
 * OPENSSL_VERSION_NUMBER sluice was built with; with OpenSSL 3 this gives HAProxy's answers,
 * which differ from a field by field comparison: openssl_version_atleast(3.0.5) is false with
 * every OpenSSL 3.0.x, as in HAProxy. */

#include <stddef.h>

#include "lex.h"

/* The language of HAProxy 2.6 is what sluice implements; the version predicates compare
 * with this version. */
#define CFG_COND_HAPROXY_VERSION "2.6"

/* Nesting bound of the expression parser, HAProxy's MAX_CFG_RECURSION: each '(' and each
 * '&&' or '||' spends some of it. */
#define CFG_COND_MAX_DEPTH 1024

/* What the predicates ask about the program running the configuration. */
struct cfg_cond_facts {
        /* "-vv" feature list, "+NAME" or "-NAME" separated by spaces; NULL: empty */
        const char *features;
        /* the options enabled(<opt>) is true for, separated by spaces; NULL: none */
        const char *enabled;
        /* OPENSSL_VERSION_NUMBER built with; 0: no OpenSSL (its predicates then fail) */
        unsigned long openssl_version_number;
        /* OpenSSL_version(OPENSSL_VERSION) at run time; NULL: no OpenSSL */
        const char *ssllib_name;
};

struct cfg_cond_expr_ctx {
        const struct cfg_cond_facts *facts; /* borrowed; NULL: no feature, no OpenSSL */
        cfg_env_fn *env;                    /* defined(); NULL: the process environment */
        void *env_data;                     /* borrowed; passed to @env */
};

/* Evaluates the condition @text (NUL-terminated). Returns 1 when true, 0 when false;
 * -EINVAL when @text is not a valid condition or a predicate cannot answer, with the reason
 * in @err (HAProxy's wording) and in *ret_pos (may be NULL) the offset in @text it is about;
 * -ENOMEM. */
int cfg_cond_expr_eval(const char *text, const struct cfg_cond_expr_ctx *ctx, char *err,
                       size_t errsz, size_t *ret_pos);

/* HAProxy's comparison of version strings: -1 when @version is older than @current, 0 when
 * equal, 1 when newer; -2 when @current cannot be read, -3 when @version cannot. */
int cfg_cond_expr_version_cmp(const char *current, const char *version);
