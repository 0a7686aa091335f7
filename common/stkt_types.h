#pragma once
/* Stick-table key and data types, HAProxy's names for them, and what each data type holds:
 * shared by the configuration (which parses "stick-table ... store ...") and the shared-memory
 * tables (which store them). */

#include <stdbool.h>

enum stkt_key_type {
        STKT_KEY_IPV4 = 0, /* 4 bytes, network order */
        STKT_KEY_IPV6,     /* 16 bytes, network order */
        STKT_KEY_INTEGER,  /* 8 bytes, a uint64_t in host order */
        STKT_KEY_STRING,   /* up to key_len bytes */
        STKT_KEY_BINARY,   /* up to key_len bytes; same storage as STRING */
        STKT_KEY_COUNT,
};

/* Data types an entry may store, HAProxy's names. The store mask of a table is a set of
 * STKT_F(type). */
enum stkt_data_type {
        STKT_DT_SERVER_ID = 0,  /* int */
        STKT_DT_GPT0,           /* uint32 */
        STKT_DT_GPC0,           /* uint64 */
        STKT_DT_GPC1,           /* uint64 */
        STKT_DT_GPC0_RATE,      /* freq_ctr */
        STKT_DT_GPC1_RATE,      /* freq_ctr */
        STKT_DT_CONN_CNT,       /* uint64 */
        STKT_DT_CONN_CUR,       /* uint32; entries with conn_cur > 0 are never evicted */
        STKT_DT_CONN_RATE,      /* freq_ctr */
        STKT_DT_SESS_CNT,       /* uint64 */
        STKT_DT_SESS_RATE,      /* freq_ctr */
        STKT_DT_HTTP_REQ_CNT,   /* uint64 */
        STKT_DT_HTTP_REQ_RATE,  /* freq_ctr */
        STKT_DT_HTTP_ERR_CNT,   /* uint64 */
        STKT_DT_HTTP_ERR_RATE,  /* freq_ctr */
        STKT_DT_HTTP_FAIL_CNT,  /* uint64 */
        STKT_DT_HTTP_FAIL_RATE, /* freq_ctr */
        STKT_DT_BYTES_IN_CNT,   /* uint64 */
        STKT_DT_BYTES_OUT_CNT,  /* uint64 */
        STKT_DT_BYTES_IN_RATE,  /* freq_ctr */
        STKT_DT_BYTES_OUT_RATE, /* freq_ctr */
        STKT_DT_COUNT,
};

#define STKT_F(type) (1u << (type))

/* HAProxy's name of a key type ("ip", "ipv6", "integer", "string", "binary") or of a data type
 * ("gpc0", "conn_rate", ...); NULL when out of range. */
const char *stkt_key_type_name(enum stkt_key_type type);
const char *stkt_dt_name(enum stkt_data_type type);

/* The key type or data type named @name, or -1. */
int stkt_key_type_parse(const char *name);
int stkt_dt_parse(const char *name);

/* Is @type a rate (a frequency counter over a period)? */
bool stkt_dt_is_rate(enum stkt_data_type type);
