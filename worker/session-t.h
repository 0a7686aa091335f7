#pragma once
/* A session: what sluice knows of one client connection, whatever protocol it speaks and
 * however many streams it carries (session.h). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conn.h"
#include "list.h"
#include "loop.h"
#include "stick-t.h"
#include "vars-t.h"

struct cfg_gen;
struct cfg_proxy;
struct sess;
struct worker;

/* What few connections use, allocated the first time one does (sess_more()): the counters
 * tracked for the connection, the sess.* variables, the PROXY v2 header's TLVs. An idle
 * keep-alive client of a configuration that uses none of them is 80 bytes smaller. */
struct sess_more {
        struct stick_ctr sc[STICK_COUNTERS]; /* sc0 .. sc2 tracked for the connection */
        struct vars vars;                    /* sess.* variables */
        /* the TLVs of the PROXY v2 header the connection came with (fc_pp_*), or NULL */
        uint8_t *pp_tlv;
        uint16_t pp_tlv_len; /* the bytes at @pp_tlv */
};

/* The head of a handshake's state (the PROXY header: sess_proxy.c; TLS: sess_tls.c) */
struct sess_handshake {
        /* release the state and set the session's @hs to NULL */
        void (*end)(struct sess *s);
};

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
        uint16_t mux_space;      /* bytes of @mux_ctx not given yet (sess_mux_space()) */
        uint64_t accept_wall_us; /* wall clock at accept, for %t */
        uint64_t accept_ms;      /* loop time at accept */
        struct sess_more *more;  /* owned, or NULL until something needs it */
        uint64_t id;             /* unique in the worker, never 0: what srv_conn.owner names */
        /* the server the last request went to (option prefer-last-server) */
        const struct cfg_proxy *last_be; /* borrowed from @gen; NULL: none yet */
        int last_srv;                    /* its index in @last_be */
        uint32_t lis;                    /* its listener's statistics index, or CFG_STATS_NONE */
        struct sess_handshake *hs;       /* owned: the handshake under way, or NULL */
        struct loop_reap reap;
        /* room for the client side's mux state, in the same allocation (an HTTP/1
         * connection: see sess_new()) */
        _Alignas(max_align_t) unsigned char mux_ctx[];
};
