#pragma once
/* ACLs as HAProxy defines them (configuration manual, section 7): a sample fetch, a match
 * method and a list of patterns, compiled at load into this form; conditions ("if"/"unless"
 * followed by ACL names, "!", "||" and anonymous "{ ... }" ACLs) compiled into OR-of-ANDs.
 * Workers evaluate them with the pure matchers below: they fetch the sample (a string, an
 * integer, an address or a boolean) and never parse configuration text. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

/* What a sample fetch returns. */
enum cfg_smp_type {
        CFG_SMP_BOOL = 0,
        CFG_SMP_INT,
        CFG_SMP_IP,
        CFG_SMP_STR,
};

/* Sample fetches sluice implements. */
enum cfg_fetch {
        CFG_FETCH_SRC = 0,      /* client address (ip) */
        CFG_FETCH_SRC_PORT,     /* client port (int) */
        CFG_FETCH_DST,          /* local address the client reached (ip) */
        CFG_FETCH_DST_PORT,     /* local port the client reached (int) */
        CFG_FETCH_SSL_FC,       /* the client connection uses TLS (bool) */
        CFG_FETCH_ALWAYS_TRUE,  /* (bool) */
        CFG_FETCH_ALWAYS_FALSE, /* (bool) */
        CFG_FETCH_METHOD,       /* request method (str) */
        CFG_FETCH_PATH,         /* request path, without the query string (str) */
        CFG_FETCH_QUERY,        /* the query string, without '?' (str) */
        CFG_FETCH_URL,          /* the request target as received (str) */
        CFG_FETCH_HDR,          /* a header's values, comma-separated values apart (str) */
        CFG_FETCH_HDR_CNT,      /* how many values a header has (int) */
        CFG_FETCH_HDR_VAL,      /* a header's value as an integer (int) */
        CFG_FETCH_HDR_IP,       /* a header's value as an address (ip) */
        CFG_FETCH_FHDR,         /* a header's full values, commas included (str) */
        CFG_FETCH_STATUS,       /* response status code (int) */
        CFG_FETCH_SC,           /* sc_*, scN_*: a counter of a tracked entry (int) */
        CFG_FETCH_SC_TRACKED,   /* sc_tracked, scN_tracked: is the counter tracked (bool) */
        CFG_FETCH_SRC_TBL,      /* src_*: a counter of the client address's entry (int) */
        CFG_FETCH_COUNT,
};

/* When a fetch can run: at connection accept, on a request, on a response. */
enum {
        CFG_FETCH_AT_CONN = 1u << 0,
        CFG_FETCH_AT_REQ = 1u << 1,
        CFG_FETCH_AT_RES = 1u << 2,
};

/* Which message a header fetch reads: "req.hdr" and "res.hdr" say; plain "hdr" means the
 * one the rule runs on (HAProxy's rule). */
enum cfg_smp_dir {
        CFG_DIR_CTX = 0,
        CFG_DIR_REQ,
        CFG_DIR_RES,
};

enum cfg_conv {
        CFG_CONV_LOWER = 0,
        CFG_CONV_UPPER,
};

#define CFG_SAMPLE_MAX_CONV 4

/* What a stick-table fetch does with its data type (sc_*, scN_*, src_*). */
enum cfg_stk_op {
        CFG_STK_GET = 0, /* read the value (a rate over its period; kbytes_*: bytes / 1024) */
        CFG_STK_INC,     /* inc_gpc0/1: add 1 (and to gpcN_rate when stored), give the result */
        CFG_STK_CLR,     /* clr_gpc0/1: set 0, give the value before */
        CFG_STK_KBYTES,  /* kbytes_in/out: the byte count / 1024 */
};

struct cfg_proxy;

struct cfg_sample {
        enum cfg_fetch fetch;
        enum cfg_smp_dir dir;
        const char *arg; /* arena: a header name, or NULL */
        size_t arg_len;
        int occ; /* header occurrence: 0 every one, N > 0 the Nth, -N the Nth last */
        enum cfg_conv conv[CFG_SAMPLE_MAX_CONV]; /* converters applied in order */
        unsigned n_conv;
        /* stick-table fetches */
        unsigned sc;                   /* SC, SC_TRACKED: the counter, 0 .. 2 */
        unsigned stk_dt;               /* SC, SRC_TBL: enum stkt_data_type */
        enum cfg_stk_op stk_op;        /* SC, SRC_TBL, and a table_* converter */
        bool table_conv;               /* ends with a table_<what>(<table>) converter: the
                                        * value is looked up in the table, the result an
                                        * integer (0 for a key not in it) */
        const char *table_name;        /* arena: the table argument as written, or NULL */
        const struct cfg_proxy *table; /* its proxy, resolved at the end of load; SRC_TBL
                                        * without argument: the rule's own proxy; NULL: for
                                        * SC, whatever table the counter tracks */
};

enum cfg_match {
        CFG_MATCH_STR = 0, /* exact string */
        CFG_MATCH_BEG,     /* prefix */
        CFG_MATCH_END,     /* suffix */
        CFG_MATCH_SUB,     /* substring */
        CFG_MATCH_REG,     /* regular expression (PCRE2, as Debian's HAProxy) */
        CFG_MATCH_DIR,     /* a slash-delimited path component */
        CFG_MATCH_DOM,     /* a dot-delimited domain component */
        CFG_MATCH_LEN,     /* the length is in an integer range */
        CFG_MATCH_FOUND,   /* the sample exists */
        CFG_MATCH_INT,     /* integer in a range */
        CFG_MATCH_IP,      /* address in a network */
        CFG_MATCH_BOOL,    /* the sample is non-zero */
};

struct cfg_pattern {
        struct sl_str str; /* STR BEG END SUB DIR DOM, and REG source: arena */
        int64_t lo, hi;    /* INT LEN: inclusive range */
        int family;        /* IP: AF_INET or AF_INET6 */
        uint8_t addr[16];  /* IP: network address, host bits cleared */
        unsigned prefix;   /* IP: prefix length */
        void *re;          /* REG: pcre2_code, freed with the generation */
};

/* One "acl" line (or one anonymous "{ }"): a sample matched against patterns. */
/* Where a definition was read, for messages after load (reload logs, runtime API). */
struct cfg_where {
        const char *file; /* arena */
        unsigned line;
};

struct cfg_acl_expr {
        struct cfg_sample smp;
        enum cfg_match match;
        bool icase;               /* -i */
        struct cfg_pattern *pats; /* arena array; patterns are ORed */
        size_t n_pats, cap_pats;
        struct cfg_where where;
};

/* A named ACL: every "acl NAME" line of a proxy, ORed (as in HAProxy). */
struct cfg_acl {
        const char *name; /* arena; NULL for an anonymous ACL */
        struct cfg_acl_expr **exprs;
        size_t n_exprs, cap_exprs;
        unsigned at; /* CFG_FETCH_AT_* of its fetches, ORed */
};

struct cfg_cond_term {
        const struct cfg_acl *acl; /* arena */
        bool negate;
};

/* Terms of one AND group. */
struct cfg_cond_and {
        struct cfg_cond_term *terms;
        size_t n_terms;
};

/* "if|unless" followed by AND groups separated by "||" (AND binds tighter). */
struct cfg_cond {
        bool unless;
        struct cfg_cond_and *ands;
        size_t n_ands;
        unsigned at; /* CFG_FETCH_AT_* needed by any term */
};

/* A fetched sample, as the worker hands it to the matchers. */
struct cfg_smp_value {
        enum cfg_smp_type type;
        int64_t i;         /* BOOL, INT */
        struct sl_str str; /* STR: borrowed */
        int family;        /* IP: AF_INET or AF_INET6 */
        uint8_t addr[16];  /* IP */
};

/* The stick-table fetch suffix @name (@len bytes: "http_req_rate", "inc_gpc0", ...) as a
 * data type and an operation; false when sluice has no such fetch. */
bool cfg_stk_what_parse(const char *name, size_t len, unsigned *ret_dt, enum cfg_stk_op *ret_op);
/* The suffix for @dt and @op, or "?". */
const char *cfg_stk_what_name(unsigned dt, enum cfg_stk_op op);

/* Output type of a sample (its fetch's, or an integer after a table converter). */
enum cfg_smp_type cfg_sample_type(const struct cfg_sample *smp);

/* Is @smp a stick-table fetch or does it end with a table converter (it then names a table
 * that the end of load resolves)? */
bool cfg_sample_uses_table(const struct cfg_sample *smp);

/* Output type of a fetch. */
enum cfg_smp_type cfg_fetch_type(enum cfg_fetch f);
const char *cfg_fetch_name(enum cfg_fetch f);
unsigned cfg_fetch_at(enum cfg_fetch f);

/* Does @v match @e (any of its patterns)? */
bool cfg_acl_expr_match(const struct cfg_acl_expr *e, const struct cfg_smp_value *v);

/* Evaluate @c given the truth value of each ACL, asked through @acl_value (which fetches
 * and matches, and may cache per request). Applies "unless". A NULL @c is true. */
typedef bool cfg_acl_value_fn(void *data, const struct cfg_acl *acl);
bool cfg_cond_eval(const struct cfg_cond *c, cfg_acl_value_fn *acl_value, void *data);
