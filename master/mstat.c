/* The node's "show stat" and "show info" (mstat.h). Each object is first turned into an
 * array of fields, HAProxy's columns by position, from its configuration, the shared server
 * state and the master's sums; one writer per format then prints the array. The JSON is
 * written one object at a time, so its size has no bound but the output's. */
#include "mstat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "clock.h"
#include "master-t.h"
#include "mfield.h"
#include "model.h"
#include "mrt.h"
#include "mstats.h"
#include "srv_state.h"
#include "stats.h"

static const char *const field_names[MSTAT_F_COUNT] = {
        "pxname",
        "svname",
        "qcur",
        "qmax",
        "scur",
        "smax",
        "slim",
        "stot",
        "bin",
        "bout",
        "dreq",
        "dresp",
        "ereq",
        "econ",
        "eresp",
        "wretr",
        "wredis",
        "status",
        "weight",
        "act",
        "bck",
        "chkfail",
        "chkdown",
        "lastchg",
        "downtime",
        "qlimit",
        "pid",
        "iid",
        "sid",
        "throttle",
        "lbtot",
        "tracked",
        "type",
        "rate",
        "rate_lim",
        "rate_max",
        "check_status",
        "check_code",
        "check_duration",
        "hrsp_1xx",
        "hrsp_2xx",
        "hrsp_3xx",
        "hrsp_4xx",
        "hrsp_5xx",
        "hrsp_other",
        "hanafail",
        "req_rate",
        "req_rate_max",
        "req_tot",
        "cli_abrt",
        "srv_abrt",
        "comp_in",
        "comp_out",
        "comp_byp",
        "comp_rsp",
        "lastsess",
        "last_chk",
        "last_agt",
        "qtime",
        "ctime",
        "rtime",
        "ttime",
        "agent_status",
        "agent_code",
        "agent_duration",
        "check_desc",
        "agent_desc",
        "check_rise",
        "check_fall",
        "check_health",
        "agent_rise",
        "agent_fall",
        "agent_health",
        "addr",
        "cookie",
        "mode",
        "algo",
        "conn_rate",
        "conn_rate_max",
        "conn_tot",
        "intercepted",
        "dcon",
        "dses",
        "wrew",
        "connect",
        "reuse",
        "cache_lookups",
        "cache_hits",
        "srv_icur",
        "src_ilim",
        "qtime_max",
        "ctime_max",
        "rtime_max",
        "ttime_max",
        "eint",
        "idle_conn_cur",
        "safe_conn_cur",
        "used_conn_cur",
        "need_conn_est",
        "uweight",
        "agg_server_status",
        "agg_server_check_status",
        "agg_check_status",
        "-",
        "ssl_sess",
        "ssl_reused_sess",
        "ssl_failed_handshake",
};

const char *mstat_field_name(unsigned i)
{
        return i < MSTAT_F_COUNT ? field_names[i] : NULL;
}

/* HAProxy's object types (STATS_TYPE_*) and their letters in typed output */
enum {
        OT_FE = 0,
        OT_BE = 1,
        OT_SV = 2,
        OT_LI = 3
};
static const char ot_letter[] = "FBSL";
static const char *const ot_json[] = {"Frontend", "Backend", "Server", "Listener"};

static uint64_t g0(int64_t v)
{
        return v > 0 ? (uint64_t)v : 0;
}

/* What every kind has: counters in HAProxy's columns. */
static void fill_common(struct mstat_field *f, const struct stats_sum *s, int type,
                        const struct cfg_proxy *px)
{
        bool http = px->mode == CFG_MODE_HTTP;

        mfield_u32(f, MSTAT_F_SCUR, "MGP", g0(s->g[ST_G_CUR]));
        mfield_u32(f, MSTAT_F_SMAX, "MMP", s->mx[ST_M_CUR]);
        mfield_u64(f, MSTAT_F_STOT, "MCP", s->c[ST_C_STOT]);
        mfield_u64(f, MSTAT_F_BIN, "MCP", s->c[ST_C_BIN]);
        mfield_u64(f, MSTAT_F_BOUT, "MCP", s->c[ST_C_BOUT]);
        mfield_u64(f, MSTAT_F_DRESP, "MCP", s->c[ST_C_DRESP]);
        mfield_u32(f, MSTAT_F_PID, "KGP", 1);
        mfield_u32(f, MSTAT_F_IID, "KGS", px->id);
        mfield_u32(f, MSTAT_F_TYPE, "CGS", (uint64_t)type);
        mfield_u64(f, MSTAT_F_EINT, "MCP", s->c[ST_C_EINT]);
        mfield_str(f, MSTAT_F_MODE, "CGS", cfg_mode_name(px->mode));
        if (type == OT_LI)
                return;
        mfield_u32(f, MSTAT_F_RATE, "MRP", s->rate[ST_R_SESS]);
        mfield_u32(f, MSTAT_F_RATE_MAX, "MMP", s->mx[ST_M_RATE]);
        if (http) {
                for (unsigned i = 0; i < 6; i++)
                        mfield_u64(f, MSTAT_F_HRSP_1XX + i, "MCP", s->c[ST_C_HRSP_1XX + i]);
                mfield_u64(f, MSTAT_F_REQ_TOT, "MCP", s->c[ST_C_REQ_TOT]);
                mfield_u64(f, MSTAT_F_COMP_IN, "MCP", 0);
                mfield_u64(f, MSTAT_F_COMP_OUT, "MCP", 0);
                mfield_u64(f, MSTAT_F_COMP_BYP, "MCP", 0);
                mfield_u64(f, MSTAT_F_COMP_RSP, "MCP", 0);
                mfield_u64(f, MSTAT_F_CACHE_LOOKUPS, "MCP", 0);
                mfield_u64(f, MSTAT_F_CACHE_HITS, "MCP", 0);
        }
}

/* Backend and server: the server side's counters and times. */
static void fill_server_side(struct mstat_field *f, const struct stats_sum *s, uint64_t now_wall)
{
        mfield_u32(f, MSTAT_F_QCUR, "MGP", g0(s->g[ST_G_QCUR]));
        mfield_u32(f, MSTAT_F_QMAX, "MMP", s->mx[ST_M_QCUR]);
        mfield_u64(f, MSTAT_F_ECON, "MCP", s->c[ST_C_ECON]);
        mfield_u64(f, MSTAT_F_ERESP, "MCP", s->c[ST_C_ERESP]);
        mfield_u64(f, MSTAT_F_WRETR, "MCP", s->c[ST_C_WRETR]);
        mfield_u64(f, MSTAT_F_WREDIS, "MCP", s->c[ST_C_WREDIS]);
        mfield_u64(f, MSTAT_F_LBTOT, "MCP", s->c[ST_C_LBTOT]);
        mfield_u64(f, MSTAT_F_CLI_ABRT, "MCP", s->c[ST_C_CLI_ABRT]);
        mfield_u64(f, MSTAT_F_SRV_ABRT, "MCP", s->c[ST_C_SRV_ABRT]);
        mfield_s32(f, MSTAT_F_LASTSESS, "MAP",
                   s->last_ms ? (int32_t)((now_wall - SL_MIN(s->last_ms, now_wall)) / 1000) : -1);
        mfield_u32(f, MSTAT_F_QTIME, "MaP", stats_sum_avg(s, ST_A_QTIME));
        mfield_u32(f, MSTAT_F_CTIME, "MaP", stats_sum_avg(s, ST_A_CTIME));
        mfield_u32(f, MSTAT_F_RTIME, "MaP", stats_sum_avg(s, ST_A_RTIME));
        mfield_u32(f, MSTAT_F_TTIME, "MaP", stats_sum_avg(s, ST_A_TTIME));
        mfield_u64(f, MSTAT_F_CONNECT, "MCP", s->c[ST_C_CONNECT]);
        mfield_u64(f, MSTAT_F_REUSE, "MCP", s->c[ST_C_REUSE]);
        mfield_u32(f, MSTAT_F_QT_MAX, "MMP", s->mx[ST_M_QTIME]);
        mfield_u32(f, MSTAT_F_CT_MAX, "MMP", s->mx[ST_M_CTIME]);
        mfield_u32(f, MSTAT_F_RT_MAX, "MMP", s->mx[ST_M_RTIME]);
        mfield_u32(f, MSTAT_F_TT_MAX, "MMP", s->mx[ST_M_TTIME]);
}

static const char *addr_text(const struct cfg_addr *a, char *buf, size_t size)
{
        char ip[INET6_ADDRSTRLEN] = "";

        if (a->ss.ss_family == AF_INET) {
                inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, ip, sizeof(ip));
                snprintf(buf, size, "%s:%u", ip, a->port_low);
        } else if (a->ss.ss_family == AF_INET6) {
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip,
                          sizeof(ip));
                snprintf(buf, size, "[%s]:%u", ip, a->port_low);
        } else if (a->ss.ss_family == AF_UNIX) {
                snprintf(buf, size, "unix@%s", ((const struct sockaddr_un *)&a->ss)->sun_path);
        } else {
                snprintf(buf, size, "%s", "");
        }
        return buf;
}

/* The state of server @sv as HAProxy's status column words it (srv_stats_state()): "UP",
 * "UP 2/3" going down, "DOWN 1/2" going up, "NOLB", "DRAIN", "MAINT", "no check". */
static const char *srv_status(const struct srv_state_rec *rec, const struct cfg_server *sv,
                              char *buf, size_t size)
{
        const struct cfg_server_check *k = &sv->opts.check;
        uint32_t admin = srv_state_admin(rec);
        unsigned health = srv_state_health(rec), full = k->rise + k->fall - 1;
        enum srv_op_state op = srv_state_op(rec);

        /* HAProxy's order: resolution first */
        if (admin & SRV_ADMIN_RMAINT)
                return "MAINT (resolution)";
        if (admin & SRV_ADMIN_MAINT)
                return "MAINT";
        if (admin & SRV_ADMIN_IMAINT)
                return "MAINT (via)"; /* the tracked server's */
        if (op == SRV_OP_DOWN) {
                /* going up: some good checks, not rise yet (an agent's "down" keeps a server
                 * whose checks pass DOWN: plain) */
                if (k->enabled && health && health < k->rise)
                        snprintf(buf, size, "DOWN %u/%u", health, k->rise);
                else
                        return "DOWN";
                return buf;
        }
        if (op == SRV_OP_NOLB) {
                if (!k->enabled || health >= full)
                        return "NOLB";
                snprintf(buf, size, "NOLB %u/%u", health - k->rise + 1, k->fall);
                return buf;
        }
        if (k->enabled && health < full && health >= k->rise) {
                snprintf(buf, size, "%s %u/%u", admin & SRV_ADMIN_ANY_DRAIN ? "DRAIN" : "UP",
                         health - k->rise + 1, k->fall);
                return buf;
        }
        if (admin & SRV_ADMIN_ANY_DRAIN)
                return "DRAIN";
        return k->enabled || k->agent || sv->track_idx >= 0 ? "UP" : "no check";
}

/* A checked server's check columns, from its shared record */
static void fill_check(struct mstat_field *f, const struct srv_state_rec *rec,
                       const struct cfg_server *sv, char *desc, size_t size)
{
        const struct cfg_server_check *k = &sv->opts.check;
        struct srv_chk_result res;

        if (!k->enabled)
                return;
        if (!srv_state_chk_read(rec, &res))
                res.status = SRV_CHK_UNKNOWN;
        mfield_str(f, MSTAT_F_CHECK_STATUS, "SOS", srv_chk_status_name(res.status));
        if (res.status >= SRV_CHK_L7TOUT && res.code)
                mfield_u32(f, MSTAT_F_CHECK_CODE, "MOS", res.code);
        if (res.status >= SRV_CHK_L4OK)
                mfield_u32(f, MSTAT_F_CHECK_DURATION, "DDP", res.duration_ms);
        snprintf(desc, size, "%s", res.info);
        mfield_str(f, MSTAT_F_LAST_CHK, "SOS", desc);
        mfield_str(f, MSTAT_F_CHECK_DESC, "SOS", srv_chk_status_desc(res.status));
        mfield_u32(f, MSTAT_F_CHECK_RISE, "MOS", k->rise);
        mfield_u32(f, MSTAT_F_CHECK_FALL, "MOS", k->fall);
        mfield_u32(f, MSTAT_F_CHECK_HEALTH, "SOS", srv_state_health(rec));
}

/* A server's agent columns (agent-check), from its shared record, as HAProxy's: the code only
 * after an answer that says a health (L7OK, L7STS; an agent's is 0), the duration always (0
 * before the first run) */
static void fill_agent(struct mstat_field *f, const struct srv_state_rec *rec,
                       const struct cfg_server *sv, char *desc, size_t size)
{
        struct srv_chk_result res;

        if (!sv->opts.check.agent)
                return;
        if (!srv_state_agent_read(rec, &res))
                res.status = SRV_CHK_UNKNOWN;
        mfield_str(f, MSTAT_F_AGENT_STATUS, "MOP", srv_chk_status_name(res.status));
        if (res.status == SRV_CHK_L7OK || res.status == SRV_CHK_L7OKC ||
            res.status == SRV_CHK_L7STS)
                mfield_u32(f, MSTAT_F_AGENT_CODE, "MOP", res.code);
        mfield_u64(f, MSTAT_F_AGENT_DURATION, "MDP", res.duration_ms);
        mfield_str(f, MSTAT_F_AGENT_DESC, "MOP", srv_chk_status_desc(res.status));
        snprintf(desc, size, "%s", res.info);
        mfield_str(f, MSTAT_F_LAST_AGT, "MOP", desc);
        mfield_u32(f, MSTAT_F_AGENT_RISE, "CGS", SRV_AGENT_RISE);
        mfield_u32(f, MSTAT_F_AGENT_FALL, "CGS", SRV_AGENT_FALL);
        mfield_u32(f, MSTAT_F_AGENT_HEALTH, "CGS", srv_state_agent_health(rec));
}

/* The shared state of server @idx of @px in the current generation, or NULL. */
static struct srv_state_rec *srv_rec(struct master *m, const struct cfg_proxy *px, size_t idx)
{
        uint32_t base = 0;

        if (!m->srv_table)
                return NULL;
        for (size_t i = 0; i < m->gen->n_proxies; i++) {
                if (m->gen->proxies[i] == px)
                        return base + idx < m->n_servers
                                       ? srv_state_rec(m->srv_table, base + (uint32_t)idx)
                                       : NULL;
                base += (uint32_t)m->gen->proxies[i]->n_servers;
        }
        return NULL;
}

struct writer {
        enum mstat_format fmt;
        FILE *out;
        unsigned n_objs; /* written so far (JSON: commas) */
        uint64_t ord;    /* objects met so far */
        uint64_t skip;   /* objects written by earlier pieces */
        long limit;      /* bytes of @out after which the piece ends */
        bool full;       /* the piece ended: @ord is where the next starts */
        bool collect;    /* into @collected instead of @out */
        struct mstat_obj *collected;
        size_t n_collected, cap_collected;
};

/* CSV-escape @s as HAProxy's csv_enc(): quoted when it holds a comma, a quote or a line
 * break, quotes doubled. */
static void csv_str(FILE *out, const char *s)
{
        if (!strpbrk(s, ",\"\r\n")) {
                fputs(s, out);
                return;
        }
        fputc('"', out);
        for (; *s; s++) {
                if (*s == '"')
                        fputc('"', out);
                fputc(*s, out);
        }
        fputc('"', out);
}

static int collect_obj(struct writer *w, const struct mstat_field *f, int type,
                       const struct cfg_proxy *px, const struct stats_sum *s)
{
        struct mstat_obj *o;

        if (w->n_collected == w->cap_collected) {
                size_t cap = w->cap_collected ? w->cap_collected * 2 : 64;
                struct mstat_obj *v = realloc(w->collected, cap * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                w->collected = v;
                w->cap_collected = cap;
        }
        o = &w->collected[w->n_collected];
        memset(o, 0, sizeof(*o));
        o->type = type;
        o->px = px;
        o->sum = *s;
        memcpy(o->f, f, sizeof(o->f));
        o->svname = strdup(f[MSTAT_F_SVNAME].str ? f[MSTAT_F_SVNAME].str : "");
        if (!o->svname)
                return -ENOMEM;
        /* the other strings are the configuration's, or constant, but for the address,
         * made on the stack: copied */
        o->f[MSTAT_F_SVNAME].str = o->svname;
        if (f[MSTAT_F_ADDR].type == MSTAT_T_STR && f[MSTAT_F_ADDR].str) {
                o->addr = strdup(f[MSTAT_F_ADDR].str);
                if (!o->addr) {
                        free(o->svname);
                        return -ENOMEM;
                }
                o->f[MSTAT_F_ADDR].str = o->addr;
        }
        /* a server's status and last check are made on the stack too */
        if (type == MSTAT_SV && f[MSTAT_F_STATUS].type == MSTAT_T_STR && f[MSTAT_F_STATUS].str) {
                o->status = strdup(f[MSTAT_F_STATUS].str);
                o->f[MSTAT_F_STATUS].str = o->status ? o->status : "";
        }
        if (f[MSTAT_F_LAST_CHK].type == MSTAT_T_STR && f[MSTAT_F_LAST_CHK].str) {
                o->last_chk = strdup(f[MSTAT_F_LAST_CHK].str);
                o->f[MSTAT_F_LAST_CHK].str = o->last_chk ? o->last_chk : "";
        }
        if (f[MSTAT_F_LAST_AGT].type == MSTAT_T_STR && f[MSTAT_F_LAST_AGT].str) {
                o->last_agt = strdup(f[MSTAT_F_LAST_AGT].str);
                o->f[MSTAT_F_LAST_AGT].str = o->last_agt ? o->last_agt : "";
        }
        w->n_collected++;
        return 0;
}

static int write_obj(struct writer *w, const struct mstat_field *f, int type, unsigned iid,
                     unsigned sid, const struct cfg_proxy *px, const struct stats_sum *s)
{
        json_t *arr;
        int r = 0;

        if (w->collect)
                return collect_obj(w, f, type, px, s);
        if (w->full)
                return 0;
        if (w->ord < w->skip) {
                w->ord++;
                return 0;
        }
        if (ftell(w->out) >= w->limit) {
                w->full = true;
                return 0;
        }
        w->ord++;
        if (w->fmt == MSTAT_CSV) {
                for (unsigned i = 0; i < MSTAT_F_COUNT; i++) {
                        if (i == MSTAT_F_MODULES)
                                fputc('-', w->out);
                        else if (f[i].type == MSTAT_T_STR)
                                csv_str(w->out, f[i].str);
                        else
                                mfield_text(w->out, &f[i]);
                        fputc(',', w->out);
                }
                fputc('\n', w->out);
                return 0;
        }
        if (w->fmt == MSTAT_TYPED) {
                for (unsigned i = 0; i < MSTAT_F_COUNT; i++) {
                        if (f[i].type == MSTAT_T_EMPTY)
                                continue;
                        fprintf(w->out, "%c.%u.%u.%u.%s.1:%c%c%c:%s:", ot_letter[type], iid, sid, i,
                                field_names[i], f[i].origin, f[i].nature, f[i].scope,
                                mfield_type_names[f[i].type]);
                        mfield_text(w->out, &f[i]);
                        fputc('\n', w->out);
                }
                return 0;
        }
        arr = json_array();
        if (!arr)
                return -ENOMEM;
        for (unsigned i = 0; i < MSTAT_F_COUNT; i++) {
                if (f[i].type == MSTAT_T_EMPTY)
                        continue;
                if (json_array_append_new(
                            arr, json_pack("{s:s, s:i, s:i, s:{s:i, s:s}, s:i, s:o, s:o}",
                                           "objType", ot_json[type], "proxyId", (int)iid, "id",
                                           (int)sid, "field", "pos", (int)i, "name", field_names[i],
                                           "processNum", 1, "tags", mfield_json_tags(&f[i]),
                                           "value", mfield_json_value(&f[i]))) < 0)
                        r = -ENOMEM;
        }
        if (w->n_objs)
                fputc(',', w->out);
        if (json_dumpf(arr, w->out, JSON_COMPACT) < 0)
                r = -ENOMEM;
        json_decref(arr);
        w->n_objs++;
        return r;
}

static bool want(const struct mstat_filter *flt, const struct cfg_proxy *px, int type_bit)
{
        if (flt->iid >= 0 && px->id != (unsigned)flt->iid)
                return false;
        if (flt->proxy && strcmp(flt->proxy, px->name) != 0)
                return false;
        if (flt->px_ok && !flt->px_ok(px, flt->px_arg))
                return false;
        return (flt->types & type_bit) != 0;
}

static const struct stats_sum *sum_of(struct master *m, const struct stats_sum *sums, uint32_t n,
                                      uint32_t local, struct stats_sum *zero)
{
        uint32_t gid = mstats_gid(m, m->gen, local);

        return gid < n ? &sums[gid] : zero;
}

/* The objects of proxy @px: frontend, listeners, servers, backend, in HAProxy's order. */
static int write_proxy(struct master *m, struct writer *w, const struct mstat_filter *flt,
                       const struct cfg_proxy *px, const struct stats_sum *sums, uint32_t n)
{
        struct mstat_field f[MSTAT_F_COUNT];
        struct stats_sum zero = {0};
        uint64_t now_wall = sl_clock_ms();
        char addr[160], lname[64], status[24], chk_desc[SRV_CHK_INFO_SIZE],
                agt_desc[SRV_CHK_INFO_SIZE];
        int r = 0;

        if ((px->cap & CFG_CAP_FE) && want(flt, px, 1)) {
                const struct stats_sum *s = sum_of(m, sums, n, px->st_fe, &zero);
                unsigned fmax = mrt_fe_maxconn(m, px);
                unsigned maxconn = fmax ? fmax : mrt_maxconn(m);

                memset(f, 0, sizeof(f));
                mfield_str(f, MSTAT_F_PXNAME, "KNS", px->name);
                mfield_str(f, MSTAT_F_SVNAME, "KNS", "FRONTEND");
                fill_common(f, s, OT_FE, px);
                mfield_u32(f, MSTAT_F_SLIM, "CLP", maxconn);
                mfield_u64(f, MSTAT_F_DREQ, "MCP", s->c[ST_C_DREQ]);
                mfield_u64(f, MSTAT_F_EREQ, "MCP", s->c[ST_C_EREQ]);
                mfield_str(f, MSTAT_F_STATUS, "SGP",
                           mrt_frontend_disabled(m, px)                         ? "PAUSED"
                           : maxconn && (uint64_t)g0(s->g[ST_G_CUR]) >= maxconn ? "FULL"
                                                                                : "OPEN");
                mfield_u32(f, MSTAT_F_SID, "KGS", 0);
                mfield_u32(f, MSTAT_F_RATE_LIM, "CLP", 0);
                mfield_u32(f, MSTAT_F_CONN_RATE, "MRP", s->rate[ST_R_CONN]);
                mfield_u32(f, MSTAT_F_CONN_RATE_MAX, "MMP", s->mx[ST_M_CONN_RATE]);
                mfield_u64(f, MSTAT_F_CONN_TOT, "MCP", s->c[ST_C_CONN_TOT]);
                mfield_u64(f, MSTAT_F_DCON, "MCP", s->c[ST_C_DCON]);
                mfield_u64(f, MSTAT_F_DSES, "MCP", s->c[ST_C_DSES]);
                if (px->mode == CFG_MODE_HTTP) {
                        mfield_u32(f, MSTAT_F_REQ_RATE, "MRP", s->rate[ST_R_REQ]);
                        mfield_u32(f, MSTAT_F_REQ_RATE_MAX, "MMP", s->mx[ST_M_REQ_RATE]);
                        mfield_u64(f, MSTAT_F_INTERCEPTED, "MCP", s->c[ST_C_INTERCEPTED]);
                        mfield_u64(f, MSTAT_F_WREW, "MCP", s->c[ST_C_WREW]);
                }
                mfield_u64(f, MSTAT_F_SSL_SESS, "MCP", s->c[ST_C_TLS_HS] + s->c[ST_C_TLS_REUSED]);
                mfield_u64(f, MSTAT_F_SSL_REUSED_SESS, "MCP", s->c[ST_C_TLS_REUSED]);
                mfield_u64(f, MSTAT_F_SSL_FAILED_HANDSHAKE, "MCP", s->c[ST_C_TLS_FAILED]);
                r |= write_obj(w, f, OT_FE, px->id, 0, px, s);
        }
        /* listeners: with "option socket-stats", as HAProxy */
        if ((px->cap & CFG_CAP_FE) && (px->options & CFG_OPT_SOCKET_STATS) && want(flt, px, 1)) {
                for (size_t i = 0; i < px->n_binds; i++) {
                        const struct stats_sum *s =
                                sum_of(m, sums, n, px->st_lis + (uint32_t)i, &zero);
                        const struct cfg_bind *b = &px->binds[i];

                        memset(f, 0, sizeof(f));
                        mfield_str(f, MSTAT_F_PXNAME, "KNS", px->name);
                        if (b->name)
                                mfield_str(f, MSTAT_F_SVNAME, "KNS", b->name);
                        else {
                                snprintf(lname, sizeof(lname), "sock-%zu", i + 1);
                                mfield_str(f, MSTAT_F_SVNAME, "KNS", lname);
                        }
                        fill_common(f, s, OT_LI, px);
                        mfield_u32(f, MSTAT_F_SLIM, "CLP",
                                   px->maxconn ? px->maxconn : mstats_maxconn(m));
                        mfield_u64(f, MSTAT_F_DREQ, "MCP", s->c[ST_C_DREQ]);
                        mfield_u64(f, MSTAT_F_EREQ, "MCP", s->c[ST_C_EREQ]);
                        mfield_str(f, MSTAT_F_STATUS, "SGP", "OPEN");
                        mfield_u32(f, MSTAT_F_SID, "KGS", (uint64_t)i + 1);
                        if (flt->legends)
                                mfield_str(f, MSTAT_F_ADDR, "CGS",
                                           addr_text(&b->addr, addr, sizeof(addr)));
                        mfield_u64(f, MSTAT_F_DCON, "MCP", s->c[ST_C_DCON]);
                        mfield_u64(f, MSTAT_F_DSES, "MCP", s->c[ST_C_DSES]);
                        mfield_u64(f, MSTAT_F_WREW, "MCP", s->c[ST_C_WREW]);
                        r |= write_obj(w, f, OT_LI, px->id, (unsigned)i + 1, px, s);
                }
        }
        if (!(px->cap & CFG_CAP_BE))
                return r;
        if (want(flt, px, 4)) {
                for (size_t i = 0; i < px->n_servers; i++) {
                        const struct cfg_server *sv = &px->servers[i];
                        const struct stats_sum *s =
                                sum_of(m, sums, n, px->st_srv + (uint32_t)i, &zero);
                        struct srv_state_rec *rec = srv_rec(m, px, i);
                        bool backup = sv->opts.flags & CFG_SRV_BACKUP;
                        unsigned eweight = rec ? srv_state_weight(rec) : sv->opts.weight;
                        bool up = rec && srv_state_usable(rec);

                        if (flt->sid >= 0 && sv->id != (unsigned)flt->sid)
                                continue;
                        /* the stats page's ";up" and ";no-maint" */
                        if (rec && flt->no_down && !srv_state_usable(rec) &&
                            !(srv_state_admin(rec) & SRV_ADMIN_ANY_MAINT))
                                continue;
                        if (rec && (flt->no_down || flt->no_maint) &&
                            (srv_state_admin(rec) & SRV_ADMIN_ANY_MAINT))
                                continue;
                        memset(f, 0, sizeof(f));
                        mfield_str(f, MSTAT_F_PXNAME, "KNS", px->name);
                        mfield_str(f, MSTAT_F_SVNAME, "KNS", sv->name);
                        fill_common(f, s, OT_SV, px);
                        fill_server_side(f, s, now_wall);
                        /* the node's connections to it, from the shared state */
                        if (rec)
                                mfield_u32(f, MSTAT_F_SCUR, "MGP", srv_state_cur_conns(rec));
                        {
                                uint32_t max = rec ? srv_state_maxconn(rec, sv->opts.maxconn)
                                                   : sv->opts.maxconn;

                                if (max)
                                        mfield_u32(f, MSTAT_F_SLIM, "CLP", max);
                        }
                        mfield_str(f, MSTAT_F_STATUS, "SGP",
                                   rec ? srv_status(rec, sv, status, sizeof(status)) : "no check");
                        if (rec) {
                                fill_check(f, rec, sv, chk_desc, sizeof(chk_desc));
                                fill_agent(f, rec, sv, agt_desc, sizeof(agt_desc));
                        }
                        if (sv->track_full)
                                mfield_str(f, MSTAT_F_TRACKED, "CGS", sv->track_full);
                        /* slowstart: the share of its weight it gets now */
                        if (rec && srv_state_ramp(rec))
                                mfield_u32(f, MSTAT_F_THROTTLE, "MGP", srv_state_ramp(rec));
                        mfield_u64(f, MSTAT_F_CHKFAIL, "MCP", s->c[ST_C_CHKFAIL]);
                        mfield_u64(f, MSTAT_F_CHKDOWN, "MCP", s->c[ST_C_CHKDOWN]);
                        mfield_u32(f, MSTAT_F_WEIGHT, "MaS", eweight);
                        mfield_u32(f, MSTAT_F_UWEIGHT, "MaS", eweight);
                        mfield_u32(f, MSTAT_F_ACT, "SGS", !backup && up);
                        mfield_u32(f, MSTAT_F_BCK, "SGS", backup && up);
                        mfield_u32(f, MSTAT_F_SID, "KGS", sv->id);
                        {
                                uint64_t chg = rec ? srv_state_last_change(rec) : 0,
                                         wall = sl_clock_wall_us() / 1000;

                                mfield_u32(
                                        f, MSTAT_F_LASTCHG, "MAP",
                                        chg ? (uint32_t)((wall - SL_MIN(chg, wall)) / 1000)
                                            : (uint32_t)((sl_clock_ms() - m->started_ms) / 1000));
                        }
                        if (flt->legends) {
                                struct cfg_addr now = sv->addr;
                                uint16_t ov_port;
                                uint32_t seq;

                                /* "set server addr" */
                                if (rec && srv_state_addr(rec, &now.ss, &ov_port, &seq) && ov_port)
                                        now.port_low = ov_port;
                                mfield_str(f, MSTAT_F_ADDR, "CGS",
                                           addr_text(&now, addr, sizeof(addr)));
                                if (sv->opts.cookie)
                                        mfield_str(f, MSTAT_F_COOKIE, "CGS", sv->opts.cookie);
                        }
                        mfield_u32(f, MSTAT_F_SRV_ICUR, "MGP", g0(s->g[ST_G_IDLE_CUR]));
                        if (cfg_server_pool_max(&sv->opts) >= 0)
                                mfield_u32(f, MSTAT_F_SRV_ILIM, "CLP",
                                           (uint32_t)cfg_server_pool_max(&sv->opts));
                        /* every idle connection is safe: one whose first request has not
                         * been answered is never kept */
                        mfield_u32(f, MSTAT_F_IDLE_CONN_CUR, "MGP", 0);
                        mfield_u32(f, MSTAT_F_SAFE_CONN_CUR, "MGP", g0(s->g[ST_G_IDLE_CUR]));
                        if (rec)
                                mfield_u32(f, MSTAT_F_USED_CONN_CUR, "MGP",
                                           srv_state_cur_conns(rec));
                        mfield_u32(f, MSTAT_F_NEED_CONN_EST, "MGP", g0(s->g[ST_G_NEED_EST]));
                        r |= write_obj(w, f, OT_SV, px->id, sv->id, px, s);
                }
        }
        if (want(flt, px, 2)) {
                struct stats_sum merged = *sum_of(m, sums, n, px->st_be, &zero);
                const struct stats_sum *s = &merged;
                unsigned act = 0, bck = 0, weight = 0, uweight = 0;

                /* a backend's figures: its own block's and its servers' */
                for (size_t i = 0; i < px->n_servers; i++)
                        stats_sum_merge(&merged,
                                        sum_of(m, sums, n, px->st_srv + (uint32_t)i, &zero));

                for (size_t i = 0; i < px->n_servers; i++) {
                        struct srv_state_rec *rec = srv_rec(m, px, i);
                        bool backup = px->servers[i].opts.flags & CFG_SRV_BACKUP;

                        if (!rec || !srv_state_usable(rec))
                                continue;
                        if (backup) {
                                bck++;
                        } else {
                                act++;
                                weight += srv_state_weight(rec);
                                uweight += srv_state_weight(rec);
                        }
                }
                memset(f, 0, sizeof(f));
                mfield_str(f, MSTAT_F_PXNAME, "KNS", px->name);
                mfield_str(f, MSTAT_F_SVNAME, "KNS", "BACKEND");
                fill_common(f, s, OT_BE, px);
                fill_server_side(f, s, now_wall);
                mfield_u32(f, MSTAT_F_SLIM, "CLP",
                           px->fullconn ? px->fullconn
                                        : (px->maxconn ? px->maxconn : mstats_maxconn(m)) / 10);
                mfield_u64(f, MSTAT_F_DREQ, "MCP", s->c[ST_C_DREQ]);
                mfield_str(f, MSTAT_F_STATUS, "SGP", act + bck ? "UP" : "DOWN");
                mfield_u32(f, MSTAT_F_WEIGHT, "MaS", weight);
                mfield_u32(f, MSTAT_F_UWEIGHT, "MaS", uweight);
                mfield_u32(f, MSTAT_F_ACT, "MGS", act);
                mfield_u32(f, MSTAT_F_BCK, "MGS", bck);
                mfield_u64(f, MSTAT_F_CHKDOWN, "MCS", s->c[ST_C_CHKDOWN]);
                mfield_u32(f, MSTAT_F_LASTCHG, "MAP", (sl_clock_ms() - m->started_ms) / 1000);
                mfield_u32(f, MSTAT_F_DOWNTIME, "MCP", 0);
                mfield_u32(f, MSTAT_F_SID, "KGS", 0);
                if (flt->legends) {
                        if (px->cookie && px->cookie->name)
                                mfield_str(f, MSTAT_F_COOKIE, "CGS", px->cookie->name);
                        mfield_str(f, MSTAT_F_ALGO, "CGS", cfg_balance_name(px->balance.algo));
                }
                mfield_u32(f, MSTAT_F_AGG_SRV_STATUS, "MGS", 0);
                mfield_u32(f, MSTAT_F_AGG_SRV_CHECK_STATUS, "MGS", 0);
                mfield_u32(f, MSTAT_F_AGG_CHECK_STATUS, "MGS", 0);
                r |= write_obj(w, f, OT_BE, px->id, 0, px, s);
        }
        return r;
}

int mstat_show_stat(struct master *m, const struct mstat_filter *flt, enum mstat_format fmt,
                    struct mstat_cursor *cur, long limit, FILE *out)
{
        struct writer w = {
                .fmt = fmt, .out = out, .n_objs = cur->n_objs, .skip = cur->next, .limit = limit};
        struct stats_sum *sums;
        uint32_t n = 0;
        int r = 0;

        sums = mstats_sum(m, sl_clock_ms(), &n);
        if (!sums)
                return -ENOMEM;
        if (cur->next) {
                /* a later piece: the head is written */
        } else if (fmt == MSTAT_CSV) {
                fputs("# ", out);
                for (unsigned i = 0; i < MSTAT_F_COUNT; i++)
                        fprintf(out, "%s,", field_names[i]);
                fputc('\n', out);
        } else if (fmt == MSTAT_JSON) {
                fputc('[', out);
        }
        for (size_t i = 0; m->gen && i < m->gen->n_proxies && !w.full; i++)
                r |= write_proxy(m, &w, flt, m->gen->proxies[i], sums, n);
        cur->next = w.ord;
        cur->n_objs = w.n_objs;
        if (w.full) {
                free(sums);
                return r < 0 ? -ENOMEM : 0;
        }
        cur->done = true;
        if (fmt == MSTAT_JSON)
                fputs("]\n", out);
        else if (fmt == MSTAT_TYPED || fmt == MSTAT_CSV)
                fputc('\n', out);
        free(sums);
        return r < 0 ? -ENOMEM : 0;
}

int mstat_collect(struct master *m, const struct mstat_filter *flt, struct mstat_objs *ret)
{
        struct writer w = {.collect = true};
        int r = 0;

        memset(ret, 0, sizeof(*ret));
        ret->sums = mstats_sum(m, sl_clock_ms(), &ret->n_sums);
        if (!ret->sums)
                return -ENOMEM;
        for (size_t i = 0; m->gen && i < m->gen->n_proxies; i++)
                r |= write_proxy(m, &w, flt, m->gen->proxies[i], ret->sums, ret->n_sums);
        ret->v = w.collected;
        ret->n = w.n_collected;
        if (r < 0) {
                mstat_objs_free(ret);
                return -ENOMEM;
        }
        return 0;
}

void mstat_objs_free(struct mstat_objs *o)
{
        for (size_t i = 0; i < o->n; i++) {
                free(o->v[i].svname);
                free(o->v[i].addr);
                free(o->v[i].status);
                free(o->v[i].last_chk);
                free(o->v[i].last_agt);
        }
        free(o->v);
        free(o->sums);
        memset(o, 0, sizeof(*o));
}
