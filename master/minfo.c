/* "show info" for the whole node (minfo.h): HAProxy's fields in its order, then sluice's,
 * from the master's sums (mstats.h) and its own state. */
#include "minfo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>

#include "build_date.h"
#include "clock.h"
#include "master-t.h"
#include "mfield.h"
#include "model.h"
#include "mrt.h"
#include "mstats.h"
#include "stats.h"

static uint64_t g0(int64_t v)
{
        return v > 0 ? (uint64_t)v : 0;
}

struct info_ctx {
        struct mstat_field f;
        const char *name;
};

static unsigned long long memmax_mb(void)
{
        struct rlimit rl;

        if (getrlimit(RLIMIT_AS, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
                return 0;
        return (unsigned long long)rl.rlim_cur >> 20;
}

#define INFO_MAX 96

int minfo_show(struct master *m, enum mstat_format fmt, FILE *out)
{
        struct info_ctx v[INFO_MAX];
        struct stats_sum *sums, proc = {0};
        unsigned n_v = 0, cur_w = 0, old_w = 0;
        uint64_t now = sl_clock_ms(), up = (now - m->started_ms) / 1000;
        uint64_t bytes_out = 0;
        char uptime[64], node[256] = "";
        uint32_t n = 0, gid;
        struct rlimit nofile = {0};
        int r = 0;

        sums = mstats_sum(m, now, &n);
        if (!sums)
                return -ENOMEM;
        mstats_process(m, sums, n, &proc);
        for (size_t i = 0; m->gen && i < m->gen->n_proxies; i++) {
                const struct cfg_proxy *px = m->gen->proxies[i];

                if (px->st_fe != CFG_STATS_NONE && (gid = mstats_gid(m, m->gen, px->st_fe)) < n)
                        bytes_out += sums[gid].c[ST_C_BOUT];
        }
        mstats_workers(m, &cur_w, &old_w);
        (void)getrlimit(RLIMIT_NOFILE, &nofile);
        (void)gethostname(node, sizeof(node) - 1);
        snprintf(uptime, sizeof(uptime), "%llud %lluh%02llum%02llus",
                 (unsigned long long)(up / 86400), (unsigned long long)(up / 3600 % 24),
                 (unsigned long long)(up / 60 % 60), (unsigned long long)(up % 60));
#define I_STR(nm, tags, s)                         \
        do {                                       \
                v[n_v].name = nm;                  \
                mfield_str(&v[n_v].f, 0, tags, s); \
                n_v++;                             \
        } while (0)
#define I_U32(nm, tags, x)                         \
        do {                                       \
                v[n_v].name = nm;                  \
                mfield_u32(&v[n_v].f, 0, tags, x); \
                n_v++;                             \
        } while (0)
#define I_U64(nm, tags, x)                         \
        do {                                       \
                v[n_v].name = nm;                  \
                mfield_u64(&v[n_v].f, 0, tags, x); \
                n_v++;                             \
        } while (0)
        I_STR("Name", "POS", "sluice");
        I_STR("Version", "POS", SL_VERSION);
        I_STR("Release_date", "POS", SL_RELEASE_DATE);
        I_U32("Nbthread", "CGS", m->n_slots);
        I_U32("Nbproc", "CGS", 1);
        I_U32("Process_num", "KGP", 1);
        I_U32("Pid", "SGP", (uint64_t)getpid());
        I_STR("Uptime", "MDP", uptime);
        I_U32("Uptime_sec", "MDP", up);
        I_U32("Memmax_MB", "CLP", memmax_mb());
        I_U32("PoolAlloc_MB", "MGP", 0);
        I_U32("PoolUsed_MB", "MGP", 0);
        I_U32("PoolFailed", "MCP", proc.c[ST_C_POOL_FAILED]);
        I_U32("Ulimit-n", "CLP", nofile.rlim_cur);
        I_U32("Maxsock", "CLP", nofile.rlim_cur);
        I_U32("Maxconn", "CLP", mrt_maxconn(m));
        I_U32("Hard_maxconn", "CLP", mstats_maxconn(m));
        I_U32("CurrConns", "MGP", g0(proc.g[ST_G_CUR]));
        I_U64("CumConns", "MCP", proc.c[ST_C_CONN_TOT]);
        I_U64("CumReq", "MCP", proc.c[ST_C_REQ_TOT]);
        I_U32("MaxSslConns", "CLP", m->gen->global.tls.maxsslconn);
        I_U32("CurrSslConns", "MGP", g0(proc.g[ST_G_TLS_CUR]));
        I_U64("CumSslConns", "MCP", proc.c[ST_C_TLS_HS] + proc.c[ST_C_TLS_REUSED]);
        I_U32("Maxpipes", "CLP", 0);
        I_U32("PipesUsed", "MGP", 0);
        I_U32("PipesFree", "MGP", 0);
        I_U32("ConnRate", "MRP", proc.rate[ST_R_CONN]);
        I_U32("ConnRateLimit", "CLP", mrt_rate(m, false));
        I_U32("MaxConnRate", "MMP", proc.mx[ST_M_CONN_RATE]);
        I_U32("SessRate", "MRP", proc.rate[ST_R_SESS]);
        I_U32("SessRateLimit", "CLP", 0);
        I_U32("MaxSessRate", "MMP", proc.mx[ST_M_RATE]);
        I_U32("SslRate", "MRP", 0);
        I_U32("SslRateLimit", "CLP", mrt_rate(m, true));
        I_U32("MaxSslRate", "MMP", 0);
        I_U32("SslFrontendKeyRate", "MRP", 0);
        I_U32("SslFrontendMaxKeyRate", "MMP", 0);
        I_U32("SslFrontendSessionReuse_pct", "MaP",
              proc.c[ST_C_TLS_HS] + proc.c[ST_C_TLS_REUSED]
                      ? proc.c[ST_C_TLS_REUSED] * 100 /
                                (proc.c[ST_C_TLS_HS] + proc.c[ST_C_TLS_REUSED])
                      : 0);
        I_U32("SslBackendKeyRate", "MRP", 0);
        I_U32("SslBackendMaxKeyRate", "MMP", 0);
        I_U32("SslCacheLookups", "MCP", 0);
        I_U32("SslCacheMisses", "MCP", 0);
        I_U32("CompressBpsIn", "MRP", 0);
        I_U32("CompressBpsOut", "MRP", 0);
        I_U32("CompressBpsRateLim", "CLP", 0);
        I_U32("Tasks", "MGP", 0);
        I_U32("Run_queue", "MGP", 0);
        I_U32("Idle_pct", "MaP", 100);
        I_STR("node", "COS", node);
        I_U32("Stopping", "SGP", m->stopping);
        I_U32("Jobs", "MGP", g0(proc.g[ST_G_CUR]));
        I_U32("Unstoppable Jobs", "MGP", 0);
        I_U32("Listeners", "MGP", 0);
        I_U32("ActivePeers", "MGP", 0);
        I_U32("ConnectedPeers", "MGP", 0);
        I_U64("DroppedLogs", "MCP", proc.c[ST_C_DROPPED_LOGS]);
        I_U32("BusyPolling", "SGP", 0);
        I_U32("FailedResolutions", "MCP", 0);
        I_U64("TotalBytesOut", "MCP", bytes_out);
        I_U64("TotalSplicdedBytesOut", "MCP", 0);
        I_U32("BytesOutRate", "MRP", 0);
        I_U32("DebugCommandsIssued", "MCP", 0);
        I_U32("CumRecvLogs", "MCP", 0);
        I_STR("Build info", "POS", SL_VERSION);
        I_U64("Memmax_bytes", "CLP", memmax_mb() << 20);
        I_U64("PoolAlloc_bytes", "MGP", 0);
        I_U64("PoolUsed_bytes", "MGP", 0);
        I_U32("Start_time_sec", "MDP", (sl_clock_wall_us() / 1000000) - up);
        I_U32("Tainted", "SGP", 0);
        /* sluice's own, after HAProxy's */
        I_U32("Generation", "SGP", m->gen_no);
        I_U32("Reloads", "MCP", m->reloads);
        I_U32("FailedReloads", "MCP", m->failed_reloads);
        I_U32("Workers", "MGP", cur_w);
        I_U32("OldWorkers", "MGP", old_w);
        I_U32("OldConns", "MGP", (uint64_t)mstats_old_conns(m));
        I_U64("TcpRejected", "MCP", proc.c[ST_C_TCP_REJECTED]);
        I_U64("StickRefused", "MCP", proc.c[ST_C_STICK_REFUSED]);
        I_U64("StickUnledgered", "MCP", proc.c[ST_C_STICK_UNLEDGERED]);
        I_U64("AcceptErrors", "MCP", proc.c[ST_C_ACCEPT_ERRORS]);
        I_U64("ProxyHeaderFailures", "MCP", proc.c[ST_C_PP_FAILED]);
        I_U64("SslHandshakeFailures", "MCP", proc.c[ST_C_TLS_FAILED]);
#undef I_STR
#undef I_U32
#undef I_U64
        if (fmt == MSTAT_JSON) {
                json_t *arr = json_array();

                for (unsigned i = 0; arr && i < n_v; i++)
                        json_array_append_new(arr, json_pack("{s:{s:i, s:s}, s:i, s:o, s:o}",
                                                             "field", "pos", (int)i, "name",
                                                             v[i].name, "processNum", 1, "tags",
                                                             mfield_json_tags(&v[i].f), "value",
                                                             mfield_json_value(&v[i].f)));
                if (!arr || json_dumpf(arr, out, JSON_COMPACT) < 0)
                        r = -ENOMEM;
                fputc('\n', out);
                json_decref(arr);
        } else {
                for (unsigned i = 0; i < n_v; i++) {
                        if (fmt == MSTAT_TYPED)
                                fprintf(out, "%u.%s.1:%c%c%c:%s:", i, v[i].name, v[i].f.origin,
                                        v[i].f.nature, v[i].f.scope,
                                        mfield_type_names[v[i].f.type]);
                        else
                                fprintf(out, "%s: ", v[i].name);
                        mfield_text(out, &v[i].f);
                        fputc('\n', out);
                }
        }
        free(sums);
        return r;
}
