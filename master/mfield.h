#pragma once
/* A field of "show stat" or "show info" (struct mstat_field, mstat.h): setting one with its
 * HAProxy tags (three letters: origin, nature, scope), and writing its value as text or as
 * HAProxy's JSON value and tags. mstat.c and minfo.c share them. */

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "mstat-t.h"

/* Set @f[@i] to a value of that type, with @tags (e.g. "MCP": Metric, Counter, Process). */
void mfield_u64(struct mstat_field *f, unsigned i, const char *tags, uint64_t v);
void mfield_u32(struct mstat_field *f, unsigned i, const char *tags, uint64_t v);
void mfield_s32(struct mstat_field *f, unsigned i, const char *tags, int32_t v);
void mfield_str(struct mstat_field *f, unsigned i, const char *tags, const char *s);

/* HAProxy's names of the types: "", "s32", "u32", "u64", "str" */
extern const char *const mfield_type_names[];

/* The value of @f as text (nothing for an empty one). */
void mfield_text(FILE *out, const struct mstat_field *f);

/* HAProxy's JSON of @f's value ({"type", "value"}) and tags ({"origin", "nature",
 * "scope"}); new references, NULL when out of memory. */
json_t *mfield_json_value(const struct mstat_field *f);
json_t *mfield_json_tags(const struct mstat_field *f);
