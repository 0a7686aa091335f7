#pragma once
/* Samples of a session for ACLs, conditions and formats: the fetches of config/acl.h read
 * from the session's addresses and its current transaction. @response says which message
 * a plain "hdr()" reads (rules run on requests or on responses). */

#include <stdbool.h>
#include <stddef.h>

#include "acl.h"
#include "fmt.h"

struct sess;

/* Does the condition hold? (A NULL condition does.) */
bool sample_cond(struct sess *s, const struct cfg_cond *c, bool response);

/* Does the ACL match (any of its expressions, any value of a multi-valued sample)? */
bool sample_acl(struct sess *s, const struct cfg_acl *acl, bool response);

/* The sample's last value into *v (strings copied into @buf, @bufsz bytes, truncated);
 * false when there is none. */
bool sample_value(struct sess *s, const struct cfg_sample *smp, bool response,
                  struct cfg_smp_value *v, char *buf, size_t bufsz);

/* The sample as text (the last value of a header, as HAProxy's samples): the length
 * written to @out (at most @outsz - 1, NUL-terminated), or -1 when there is no sample. */
int sample_text(struct sess *s, const struct cfg_sample *smp, bool response, char *out,
                size_t outsz);
