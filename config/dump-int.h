#pragma once
/* What the printers of --dump-config share (dump.c, dump_rules.c): each prints the item so
 * that reading it back gives the same model. */

#include <stddef.h>
#include <stdio.h>

#include "model.h"

/* @s (@len bytes) as one word: bare when it is safe, else single-quoted (fully literal)
 * when it has no single quote and no control byte, else double-quoted with escapes
 * (dump.c); cfg__dump_word() for a C string. */
void cfg__dump_word_n(FILE *out, const char *s, size_t len);
void cfg__dump_word(FILE *out, const char *s);
/* A sample expression, a log format: as written (dump.c). */
void cfg__dump_sample(FILE *out, const struct cfg_sample *smp);
void cfg__dump_fmt(FILE *out, const struct cfg_fmt *f);

/* "<fetch> [-i] -m <method> -- <patterns>" (dump_rules.c). */
void cfg__dump_acl_expr(FILE *out, const struct cfg_acl_expr *e);
/* " if|unless <terms>", or nothing for NULL. */
void cfg__dump_cond(FILE *out, const struct cfg_cond *c);
/* One rule line of @px, "    <kw> <action> ... [<condition>]". */
void cfg__dump_rule(FILE *out, const char *kw, const struct cfg_proxy *px,
                    const struct cfg_http_rule *r);
/* The capture slots of @px in their order, with the tcp-request content rules that make
 * theirs: how many of those rules it printed (the caller prints the rest). */
size_t cfg__dump_capture_slots(FILE *out, const struct cfg_proxy *px);

/* TLS settings (dump_tls.c): a bind's and a server's options after the words before them on
 * the line, and the ssl-* globals as lines of the global section. */
void cfg__dump_bind_tls(FILE *out, const struct cfg_bind_tls *t);
/* @dflt: the default-server's settings a server line would inherit, or NULL */
void cfg__dump_server_tls(FILE *out, const struct cfg_server_tls *t,
                          const struct cfg_server_tls *dflt, bool check_tls);
void cfg__dump_global_tls(FILE *out, const struct cfg_tls_global *g);
