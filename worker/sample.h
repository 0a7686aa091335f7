#pragma once
/* Samples for ACLs, conditions and formats: the fetches of config/acl.h read from the
 * session (addresses, connection-level counters) and the stream (its request and response
 * heads, request-level counters); the stream is NULL for tcp-request connection rules.
 * @response says which message a plain "hdr()" reads (rules run on requests or on
 * responses). */

#include <stdbool.h>
#include <stddef.h>

#include "acl.h"
#include "fmt.h"

struct sess;
struct stream;
struct worker;

/* Does the condition hold? (A NULL condition does.) */
bool sample_cond(struct sess *ss, struct stream *st, const struct cfg_cond *c, bool response);

/* sample_cond() for rules that may wait for more of the client's bytes: 1 or 0 as
 * sample_cond(), or -1 when the answer is false or unknown only because content
 * inspection fetches lack bytes that may still come (HAProxy's ACL_TEST_MISS). */
int sample_cond_partial(struct sess *ss, struct stream *st, const struct cfg_cond *c);

/* Does the ACL match (any of its expressions, any value of a multi-valued sample)? */
bool sample_acl(struct sess *ss, struct stream *st, const struct cfg_acl *acl, bool response);

/* The sample's last value into *v (strings copied into @buf, @bufsz bytes, truncated);
 * false when there is none. */
bool sample_value(struct sess *ss, struct stream *st, const struct cfg_sample *smp, bool response,
                  struct cfg_smp_value *v, char *buf, size_t bufsz);

/* The sample as text (the last value of a header, as HAProxy's samples): the length
 * written to @out (at most @outsz - 1, NUL-terminated), or -1 when there is no sample. */
int sample_text(struct sess *ss, struct stream *st, const struct cfg_sample *smp, bool response,
                char *out, size_t outsz);

/* sample_text(), and with @more (or NULL) set when more bytes from the client may change
 * the sample (content inspection). */
int sample_text_more(struct sess *ss, struct stream *st, const struct cfg_sample *smp,
                     bool response, char *out, size_t outsz, bool *more);

/* set-var(@ref,@flags) @expr: the sample's value (its last, as for sample_value()) is kept
 * in the variable; nothing is set when there is none. */
void sample_set_var(struct sess *ss, struct stream *st, bool response,
                    const struct cfg_var_ref *ref, unsigned flags, const struct cfg_sample *expr);

/* set-var-fmt: the variable takes the string @text (copied). */
void sample_set_var_str(struct sess *ss, struct stream *st, bool response,
                        const struct cfg_var_ref *ref, unsigned flags, struct sl_str text);

/* unset-var(@ref). */
void sample_unset_var(struct sess *ss, struct stream *st, bool response,
                      const struct cfg_var_ref *ref);

/* Without a connection (the global section's set-var and set-var-fmt, as worker @w starts):
 * set proc. variable @ref from @expr, or from @text; the text of @smp (as sample_text()).
 * Only fetches of internal data may run there (CFG_FETCH_AT_INIT). */
void sample_init_var(struct worker *w, const struct cfg_var_ref *ref,
                     const struct cfg_sample *expr);
void sample_init_var_str(struct worker *w, const struct cfg_var_ref *ref, struct sl_str text);
int sample_init_text(struct worker *w, const struct cfg_sample *smp, char *out, size_t outsz);
