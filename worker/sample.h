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

/* Does the condition hold? (A NULL condition does.) */
bool sample_cond(struct sess *ss, struct stream *st, const struct cfg_cond *c, bool response);

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
