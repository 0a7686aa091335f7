#pragma once
/* Types of stick counters (stick.h), apart so that the session and the stream can hold
 * them without depending on the functions that use them. */

#include <stdint.h>

struct stkt;

#define STICK_COUNTERS 3
#define STICK_NO_ID    0xffffu /* a table the master does not know (a worker's own) */

/* How long a tracked entry lives: for the connection (tcp-request connection, or content in
 * TCP mode: the session's counters) or for the current HTTP request (tcp-request content in
 * HTTP mode, http-request: the stream's), as HAProxy's session and stream trackers. */
enum stick_level {
        STICK_CONN = 0,
        STICK_REQ,
};

struct stick_ctr {
        struct stkt *t; /* NULL: not tracking */
        uint32_t idx;   /* the entry, referenced while tracked */
        int32_t rec;    /* its record in the worker's ledger, or -1 */
};

/* Keys a request remembers with its server (stick on, stick store-request), HAProxy's limit. */
#define STICK_STORES_MAX 8

struct stick_store {
        struct stkt *t;
        uint32_t idx; /* referenced until the request ends */
        int32_t rec;  /* in the ledger, or -1 */
};
