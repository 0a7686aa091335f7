#pragma once
/* A session: what sluice knows of one client connection, whatever protocol it speaks and
 * however many streams it carries (session.h). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conn.h"
#include "list.h"
#include "loop.h"
#include "stick-t.h"
#include "vars-t.h"

struct cfg_gen;
struct cfg_proxy;
struct worker;

struct sess {
        struct sl_list link;         /* in worker->sessions */
        struct worker *w;            /* borrowed: owns the session */
        struct cfg_gen *gen;         /* counted: the generation it was accepted under */
        const struct cfg_proxy *fe;  /* borrowed from @gen */
        const struct cfg_bind *bind; /* borrowed from @gen: the bind line it came through */
        struct conn conn;            /* the client connection; its mux ends the session */
        union sl_addr src;           /* the client's address */
        union sl_addr dst;           /* the local address it reached: sess_dst() */
        bool dst_known;
        bool closed;
        bool expect_proxy;       /* tcp-request connection expect-proxy: a PROXY header comes */
        uint16_t pp_tlv_len;     /* the bytes at @pp_tlv */
        uint64_t accept_wall_us; /* wall clock at accept, for %t */
        uint64_t accept_ms;      /* loop time at accept */
        struct stick_ctr sc[STICK_COUNTERS]; /* sc0 .. sc2 tracked for the connection */
        struct vars vars;                    /* sess.* variables */
        uint64_t id; /* unique in the worker, never 0: what srv_conn.owner names */
        /* the server the last request went to (option prefer-last-server) */
        const struct cfg_proxy *last_be; /* borrowed from @gen; NULL: none yet */
        int last_srv;                    /* its index in @last_be */
        uint32_t lis;                    /* its listener's statistics index, or CFG_STATS_NONE */
        /* the handshake under way (the PROXY header: sess_proxy.c; TLS: sess_tls.c), its
         * state released by @hs_free; NULL after it */
        void *hs;
        void (*hs_free)(struct sess *s);
        /* the TLVs of the PROXY v2 header the connection came with (fc_pp_*), or NULL */
        uint8_t *pp_tlv;
        struct loop_reap reap;
};
