#pragma once
/* The runtime API over stick tables, as HAProxy's "show table", "clear table" and "set table"
 * print and accept them: key text per key type, "data.<type> <op> <value>" filters, and the
 * dump lines. Output goes to a FILE * (open_memstream() for a reply buffer). Error messages
 * written into @err are HAProxy's, without the trailing newline. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stktable.h"

#define STKT_CLI_FILTERS_MAX 4u /* filters HAProxy accepts on one command */

enum stkt_cli_op {
        STKT_CLI_OP_EQ = 0,
        STKT_CLI_OP_NE,
        STKT_CLI_OP_LE,
        STKT_CLI_OP_LT,
        STKT_CLI_OP_GE,
        STKT_CLI_OP_GT,
};

/* "data.<type> <op> <value>": an entry passes when its value of @type compares to @value. */
struct stkt_cli_filter {
        enum stkt_data_type type;
        enum stkt_cli_op op;
        int64_t value;
};

/* HAProxy's name of a table key type ("ip", "ipv6", "integer", "string", "binary") or of a
 * data type ("gpc0", "conn_rate", ...); NULL when out of range. */
const char *stkt_cli_key_type_name(enum stkt_key_type type);
const char *stkt_cli_data_type_name(enum stkt_data_type type);

/* The data type named @name (without "data."), or -1. */
int stkt_cli_data_type_parse(const char *name);

/* Parse @text as a key of @t's key type into @buf (@size bytes, at least 16 and at most
 * STKT_KEY_MAX useful): dotted IPv4, IPv6, a decimal integer, a string as is (at most key_len
 * bytes), binary as an even number of hex digits. Returns 0 and *ret_key pointing into @buf,
 * or -EINVAL with "Invalid key" in @err. */
int stkt_cli_key_parse(const struct stkt *t, const char *text, void *buf, size_t size,
                       struct stkt_key *ret_key, char *err, size_t errlen);

/* Print the key of LIVE slot @idx as HAProxy does (string keys with \xHH, "\ " escapes; binary
 * as uppercase hex). Returns 0, -ESTALE when the slot is not LIVE, -EIO on write failure. */
int stkt_cli_key_print(FILE *out, const struct stkt *t, uint32_t idx);

/* "# table: NAME, type: TYPE, size:CAPACITY, used:LIVE_SLOTS\n". Returns 0 or -EIO. */
int stkt_cli_show_table_header(FILE *out, const char *name, const struct stkt *t);

/* One header line per table, in the order given ("show table" without a name). Returns 0 or
 * -EIO. */
int stkt_cli_show_tables(FILE *out, const char *const *names, struct stkt *const *tables, size_t n);

/* Parse one filter: @type_word "data.<type>", @op one of eq ne le lt ge gt, @value a signed
 * decimal integer. Returns 0 and *ret, -ENOENT for a type @t does not store, or -EINVAL; the
 * reason in @err. */
int stkt_cli_parse_filter(const struct stkt *t, const char *type_word, const char *op,
                          const char *value, struct stkt_cli_filter *ret, char *err, size_t errlen);

/* Does LIVE slot @idx pass every filter (ANDed) at @now? */
bool stkt_cli_filters_match(const struct stkt *t, uint32_t idx, const struct stkt_cli_filter *f,
                            size_t n, uint64_t now);

/* "show table NAME [data.<type> <op> <value>]...": the header line, then one line per entry
 * LIVE and not expired at @now that passes the filters:
 *   "0xIDX: key=KEY use=REFS exp=MS_LEFT shard=0 TYPE=V TYPE(PERIOD)=RATE ...\n"
 * with the stored types in HAProxy's order. Returns the number of entries printed, or -EIO. */
/* "show table <name> key <key>": the header, then the entry of @key_text if it is there.
 * Returns 1 (shown), 0 (no such entry), or a negative errno with @err (a key that does not
 * parse for the table) or from writing. */
int stkt_cli_dump_key(FILE *out, const char *name, struct stkt *t, const char *key_text,
                      uint64_t now, char *err, size_t errlen);

int stkt_cli_dump(FILE *out, const char *name, struct stkt *t, const struct stkt_cli_filter *f,
                  size_t n_filters, uint64_t now);

/* "clear table NAME [key K]" or "clear table NAME [data.<type> <op> <value>]...": with
 * @key_text remove that entry (filters ignored), otherwise every LIVE entry passing the
 * filters. Entries in use (tracking references, conn_cur > 0) are left alone and counted.
 * Returns the number refused (HAProxy: "Entry currently in use, cannot remove"), with the
 * number removed in *ret_removed (may be NULL); or -EINVAL for a bad key, message in @err. A
 * key not in the table is no error. */
int stkt_cli_clear(struct stkt *t, const char *key_text, const struct stkt_cli_filter *f,
                   size_t n_filters, uint64_t now, uint32_t *ret_removed, char *err, size_t errlen);

/* "set table NAME key K data.<type> V": find or create the entry for @key_text, store @value
 * in it and touch it. Only counters, gpt0 and server_id can be set, within the range each
 * stores; rates are refused. Returns 0 (1 when the entry was created), -EINVAL for bad text
 * or a rate type, -ENOENT for a type not stored,
 * -ENOSPC or -EAGAIN from the insertion; the message in @err. */
int stkt_cli_set(struct stkt *t, const char *key_text, const char *type_word,
                 const char *value_text, uint64_t now, char *err, size_t errlen);

/* Entries in use in @t now (a walk of the whole table). */
uint32_t stkt_cli_used(const struct stkt *t);

/* The runtime API's "show table", "clear table" and "set table" (HAProxy's): @words[0..@n)
 * is the command ("show table [<name> [filters]]", ...), @names and @tables the @n_tables
 * tables that exist. Without @operator level, contents are not shown and nothing changes.
 * Answers (and errors, as HAProxy words them) go to @out. */
void stkt_cli_command(FILE *out, const char *const *names, struct stkt *const *tables,
                      size_t n_tables, char **words, int n, bool operator, uint64_t now);
