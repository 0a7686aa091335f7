#pragma once
/* "show stat" and "show info" for the whole node, as HAProxy writes them: CSV (HAProxy's
 * columns in HAProxy's order, sluice's own after them), "typed" (one field per line with
 * its tags) and JSON (HAProxy's schema). The values are the master's sums over every
 * worker, old generations still draining included (mstats.h). The exporter and the stats
 * page read the same fields. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mstat-t.h"
#include "stats.h"

struct master;
struct stats_sum;
struct cfg_proxy;

/* HAProxy 2.6's columns, in its order (stats.c stat_fields[]), then the marker of module
 * columns and the SSL module's. Append only. */
enum {
        MSTAT_F_PXNAME,
        MSTAT_F_SVNAME,
        MSTAT_F_QCUR,
        MSTAT_F_QMAX,
        MSTAT_F_SCUR,
        MSTAT_F_SMAX,
        MSTAT_F_SLIM,
        MSTAT_F_STOT,
        MSTAT_F_BIN,
        MSTAT_F_BOUT,
        MSTAT_F_DREQ,
        MSTAT_F_DRESP,
        MSTAT_F_EREQ,
        MSTAT_F_ECON,
        MSTAT_F_ERESP,
        MSTAT_F_WRETR,
        MSTAT_F_WREDIS,
        MSTAT_F_STATUS,
        MSTAT_F_WEIGHT,
        MSTAT_F_ACT,
        MSTAT_F_BCK,
        MSTAT_F_CHKFAIL,
        MSTAT_F_CHKDOWN,
        MSTAT_F_LASTCHG,
        MSTAT_F_DOWNTIME,
        MSTAT_F_QLIMIT,
        MSTAT_F_PID,
        MSTAT_F_IID,
        MSTAT_F_SID,
        MSTAT_F_THROTTLE,
        MSTAT_F_LBTOT,
        MSTAT_F_TRACKED,
        MSTAT_F_TYPE,
        MSTAT_F_RATE,
        MSTAT_F_RATE_LIM,
        MSTAT_F_RATE_MAX,
        MSTAT_F_CHECK_STATUS,
        MSTAT_F_CHECK_CODE,
        MSTAT_F_CHECK_DURATION,
        MSTAT_F_HRSP_1XX,
        MSTAT_F_HRSP_2XX,
        MSTAT_F_HRSP_3XX,
        MSTAT_F_HRSP_4XX,
        MSTAT_F_HRSP_5XX,
        MSTAT_F_HRSP_OTHER,
        MSTAT_F_HANAFAIL,
        MSTAT_F_REQ_RATE,
        MSTAT_F_REQ_RATE_MAX,
        MSTAT_F_REQ_TOT,
        MSTAT_F_CLI_ABRT,
        MSTAT_F_SRV_ABRT,
        MSTAT_F_COMP_IN,
        MSTAT_F_COMP_OUT,
        MSTAT_F_COMP_BYP,
        MSTAT_F_COMP_RSP,
        MSTAT_F_LASTSESS,
        MSTAT_F_LAST_CHK,
        MSTAT_F_LAST_AGT,
        MSTAT_F_QTIME,
        MSTAT_F_CTIME,
        MSTAT_F_RTIME,
        MSTAT_F_TTIME,
        MSTAT_F_AGENT_STATUS,
        MSTAT_F_AGENT_CODE,
        MSTAT_F_AGENT_DURATION,
        MSTAT_F_CHECK_DESC,
        MSTAT_F_AGENT_DESC,
        MSTAT_F_CHECK_RISE,
        MSTAT_F_CHECK_FALL,
        MSTAT_F_CHECK_HEALTH,
        MSTAT_F_AGENT_RISE,
        MSTAT_F_AGENT_FALL,
        MSTAT_F_AGENT_HEALTH,
        MSTAT_F_ADDR,
        MSTAT_F_COOKIE,
        MSTAT_F_MODE,
        MSTAT_F_ALGO,
        MSTAT_F_CONN_RATE,
        MSTAT_F_CONN_RATE_MAX,
        MSTAT_F_CONN_TOT,
        MSTAT_F_INTERCEPTED,
        MSTAT_F_DCON,
        MSTAT_F_DSES,
        MSTAT_F_WREW,
        MSTAT_F_CONNECT,
        MSTAT_F_REUSE,
        MSTAT_F_CACHE_LOOKUPS,
        MSTAT_F_CACHE_HITS,
        MSTAT_F_SRV_ICUR,
        MSTAT_F_SRV_ILIM,
        MSTAT_F_QT_MAX,
        MSTAT_F_CT_MAX,
        MSTAT_F_RT_MAX,
        MSTAT_F_TT_MAX,
        MSTAT_F_EINT,
        MSTAT_F_IDLE_CONN_CUR,
        MSTAT_F_SAFE_CONN_CUR,
        MSTAT_F_USED_CONN_CUR,
        MSTAT_F_NEED_CONN_EST,
        MSTAT_F_UWEIGHT,
        MSTAT_F_AGG_SRV_STATUS,
        MSTAT_F_AGG_SRV_CHECK_STATUS,
        MSTAT_F_AGG_CHECK_STATUS,
        MSTAT_F_MODULES,
        MSTAT_F_SSL_SESS,
        MSTAT_F_SSL_REUSED_SESS,
        MSTAT_F_SSL_FAILED_HANDSHAKE,
        MSTAT_F_COUNT
};

enum mstat_format {
        MSTAT_CSV,
        MSTAT_TYPED,
        MSTAT_JSON
};

/* What a "show stat" shows: every proxy, or one (by name or iid), and which kinds of
 * objects (HAProxy's type mask: 1 frontends, 2 backends, 4 servers, -1 all) and which
 * server (sid, -1 all). */
struct mstat_filter {
        const char *proxy; /* NULL: every one */
        int iid;           /* -1: by @proxy or every one */
        int types;
        int sid;
        bool legends; /* addresses, cookies, algorithms (level operator and above) */
        /* the stats page's: which proxies its scopes show (NULL: all), and whether servers
         * that are down ("no_down": also those in maintenance) or in maintenance are left
         * out */
        bool (*px_ok)(const struct cfg_proxy *px, void *arg);
        void *px_arg;
        bool no_down, no_maint;
};

/* Where a "show stat" written in pieces is: zeroed before the first. */
struct mstat_cursor {
        uint64_t next;   /* objects already written */
        unsigned n_objs; /* JSON objects written (commas) */
        bool done;
};

/* Write the node's "show stat" in @fmt to @out, from where @cur is, until it is complete
 * (cur->done) or @out holds @limit bytes or more (at an object's end). Returns 0 or
 * -ENOMEM. */
int mstat_show_stat(struct master *m, const struct mstat_filter *f, enum mstat_format fmt,
                    struct mstat_cursor *cur, long limit, FILE *out);

/* The name of stat column @i (HAProxy's), NULL past the last. */
const char *mstat_field_name(unsigned i);

/* HAProxy's object types (STATS_TYPE_*), as "show stat" numbers them */
enum {
        MSTAT_FE = 0,
        MSTAT_BE = 1,
        MSTAT_SV = 2,
        MSTAT_LI = 3
};

/* One object's fields, for the exporter and the stats page. */
struct mstat_obj {
        int type;                   /* MSTAT_FE .. MSTAT_LI */
        const struct cfg_proxy *px; /* borrowed from the master's current generation */
        char *svname;               /* owned: FRONTEND, BACKEND, the server's or listener's */
        char *addr;                 /* owned: a server's address (legends), or NULL */
        char *status;               /* owned: a server's status ("UP 2/3"), or NULL */
        char *last_chk;             /* owned: a server's last check's reason, or NULL */
        char *last_agt;             /* owned: its agent's last text, or NULL */
        struct stats_sum sum;       /* its figures (a backend's merged with its servers') */
        struct mstat_field f[MSTAT_F_COUNT]; /* strings borrowed from the configuration,
                                              * or those above */
};

struct mstat_objs {
        struct mstat_obj *v; /* owned */
        size_t n;
        struct stats_sum *sums; /* owned: every object's, by gid */
        uint32_t n_sums;
};

/* Every object @flt selects, in "show stat"'s order, with its fields. 0 or -ENOMEM; free
 * with mstat_objs_free(). */
int mstat_collect(struct master *m, const struct mstat_filter *flt, struct mstat_objs *ret);
void mstat_objs_free(struct mstat_objs *o);
