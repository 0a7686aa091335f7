/* Access logs for the workers: rendering HAProxy log-format strings for one request or
 * connection (alog_format(), the httplog/tcplog formats, a JSON preset) and sending the
 * lines to the proxy's log targets without ever blocking the event loop. The data plane
 * calls alog_format() then alog_sinks_send() when a stream ends. The rendering follows
 * HAProxy's sess_build_logline() (src/log.c) so existing log parsers keep working. */
#include "accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "alog_text.h"
#include "clock.h"
#include "macros.h"

/* Longest sample text a %[...] node prints. */
#define ALOG_SAMPLE_MAX 4096

/* Default "len" of a log target (HAProxy's MAX_SYSLOG_LEN). */
#define ALOG_DEFAULT_MAXLEN 1024u

void alog_entry_init(struct alog_entry *e)
{
        *e = (struct alog_entry){0};
        e->t = (struct alog_timers){-1, -1, -1, -1, -1, -1, -1, -1, -1};
        e->status = -1;
        memcpy(e->term, "----", 4);
}

/* ---- the request line, cut as HAProxy cuts txn->uri ---- */

static const char badreq[] = "<BADREQ>";

struct render {
        struct alog_text w;
        const struct alog_entry *e;
        bool last_isspace; /* the line is empty or ends with a separator */
        int nspaces;       /* HAProxy counts these across nodes: a quirk kept on purpose */
};

/* The request target: after the first run of blanks, up to the next blank. */
static bool reqline_uri(struct render *r, const char **ret_p, const char **ret_end)
{
        struct sl_str rl = r->e->request_line;
        const char *p, *end;

        /* without a request, HAProxy scans "<BADREQ>" (and finds no blank) */
        if (!rl.ptr)
                rl = sl_str_make(badreq, sizeof(badreq) - 1);
        p = rl.ptr;
        end = rl.ptr + rl.len;

        while (p < end && !alog_text_is_spht(*p))
                p++;
        while (p < end && alog_text_is_spht(*p)) {
                p++;
                r->nspaces++;
        }
        *ret_p = p;
        *ret_end = end;
        return r->e->request_line.ptr && r->nspaces != 0;
}

/* http_parse_path(): the path of an origin-form or absolute-form target; NULL otherwise */
static const char *uri_path(const char *p, const char *end)
{
        const char *s;

        if (p == end || *p == '/')
                return p == end ? NULL : p;
        if (end - p == 1 && *p == '*')
                return NULL;
        for (s = p; s + 2 < end; s++)
                if (s[0] == ':' && s[1] == '/' && s[2] == '/')
                        break;
        if (s + 2 >= end)
                return NULL;
        for (s += 3; s < end && *s != '/'; s++)
                ;
        return s < end ? s : NULL;
}

static void render_http(struct render *r, enum cfg_log_var v, unsigned flags)
{
        const struct alog_entry *e = r->e;
        const char *p, *end, *spc, *s = NULL;
        size_t n = 0;
        bool ok;

        alog_text_quote(&r->w, flags);
        switch (v) {
        case CFG_LV_HM:
                p = e->request_line.ptr ? e->request_line.ptr : badreq;
                end = e->request_line.ptr ? p + e->request_line.len : p + strlen(badreq);
                for (spc = p; spc < end && !alog_text_is_spht(*spc); spc++)
                        ;
                s = spc == end ? badreq : p;
                n = spc == end ? strlen(badreq) : (size_t)(spc - p);
                break;
        case CFG_LV_HP:
        case CFG_LV_HU:
        case CFG_LV_HPO:
                ok = reqline_uri(r, &p, &end);
                for (spc = p;
                     spc < end && !alog_text_is_spht(*spc) && (v != CFG_LV_HP || *spc != '?');
                     spc++)
                        ;
                if (!ok) {
                        s = badreq;
                        n = strlen(badreq);
                } else if (v != CFG_LV_HPO) {
                        s = p;
                        n = (size_t)(spc - p);
                } else {
                        s = uri_path(p, spc);
                        if (s) {
                                const char *q = memchr(s, '?', (size_t)(spc - s));

                                n = (size_t)((q ? q : spc) - s);
                        }
                }
                break;
        case CFG_LV_HQ:
                if (!e->request_line.ptr) {
                        s = badreq;
                        n = strlen(badreq);
                        break;
                }
                p = e->request_line.ptr;
                end = p + e->request_line.len;
                while (p < end && *p != '?')
                        p++;
                s = p;
                while (p < end && !alog_text_is_spht(*p))
                        p++;
                n = (size_t)(p - s);
                break;
        case CFG_LV_HV:
                ok = reqline_uri(r, &p, &end);
                while (p < end && !alog_text_is_spht(*p))
                        p++;
                while (p < end && alog_text_is_spht(*p))
                        p++;
                if (!ok) {
                        s = badreq;
                        n = strlen(badreq);
                } else if (p == end) {
                        s = "HTTP/0.9";
                        n = 8;
                } else {
                        s = p;
                        n = (size_t)(end - p);
                }
                break;
        default:
                /* %r */
                s = e->request_line.ptr ? e->request_line.ptr : badreq;
                n = e->request_line.ptr ? e->request_line.len : strlen(badreq);
                break;
        }
        if (s)
                alog_text_encode_url(&r->w, flags, s, n);
        alog_text_quote(&r->w, flags);
}

/* %hr %hs: "{a|b}"; %hrl %hsl: "a b" (HAProxy prints nothing without captures) */
static void render_caps(struct render *r, const struct sl_str *caps, size_t n, bool list,
                        unsigned flags)
{
        if (!n)
                return;
        if (!list) {
                alog_text_quote(&r->w, flags);
                alog_text_putc(&r->w, '{');
        }
        for (size_t i = 0; i < n; i++) {
                if (i)
                        alog_text_putc(&r->w, list ? ' ' : '|');
                if (list)
                        alog_text_quote(&r->w, flags);
                if (caps[i].ptr)
                        alog_text_encode_hdr(&r->w, flags, caps[i].ptr, caps[i].len);
                else if (list && !(flags & CFG_FMT_F_QUOTE))
                        alog_text_putc(&r->w, '-');
                if (list)
                        alog_text_quote(&r->w, flags);
        }
        if (!list) {
                alog_text_putc(&r->w, '}');
                alog_text_quote(&r->w, flags);
        }
}

static int nonneg(int v)
{
        return v >= 0 ? v : 0;
}

static void render_var(struct render *r, enum cfg_log_var v, unsigned flags)
{
        const struct alog_entry *e = r->e;
        struct alog_text *w = &r->w;
        uint64_t req_us = e->accept_us;

        if (e->t.Ti >= 0)
                req_us += (uint64_t)(e->t.Ti + nonneg(e->t.Th)) * 1000;

        switch (v) {
        case CFG_LV_ci:
                alog_text_ip(w, flags, &e->client);
                break;
        case CFG_LV_cp:
                alog_text_port(w, flags, &e->client, e->listener_id);
                break;
        case CFG_LV_fi:
                alog_text_ip(w, flags, &e->frontend);
                break;
        case CFG_LV_fp:
                alog_text_port(w, flags, &e->frontend, e->listener_id);
                break;
        case CFG_LV_bi:
                alog_text_ip(w, flags, &e->be_src);
                break;
        case CFG_LV_bp:
                alog_text_port(w, flags, &e->be_src, -1);
                break;
        case CFG_LV_si:
                alog_text_ip(w, flags, &e->server);
                break;
        case CFG_LV_sp:
                alog_text_port(w, flags, &e->server, -1);
                break;
        case CFG_LV_t:
                alog_text_date(w, e->accept_us, ALOG_DATE_LOCAL_MS);
                break;
        case CFG_LV_tr:
                alog_text_date(w, req_us, ALOG_DATE_LOCAL_MS);
                break;
        case CFG_LV_T:
                alog_text_date(w, e->accept_us, ALOG_DATE_GMT);
                break;
        case CFG_LV_trg:
                alog_text_date(w, req_us, ALOG_DATE_GMT);
                break;
        case CFG_LV_Tl:
                alog_text_date(w, e->accept_us, ALOG_DATE_LOCAL_OFF);
                break;
        case CFG_LV_trl:
                alog_text_date(w, req_us, ALOG_DATE_LOCAL_OFF);
                break;
        case CFG_LV_Ts:
                if (flags & CFG_FMT_F_HEX)
                        alog_text_printf(w, "%04X", (unsigned)(e->accept_us / 1000000));
                else
                        alog_text_printf(w, "%llu", (unsigned long long)(e->accept_us / 1000000));
                break;
        case CFG_LV_ms:
                if (flags & CFG_FMT_F_HEX)
                        alog_text_printf(w, "%02X", (unsigned)(e->accept_us % 1000000 / 1000));
                else
                        alog_text_printf(w, "%03u", (unsigned)(e->accept_us % 1000000 / 1000));
                break;
        case CFG_LV_f:
                alog_text_field_cstr(w, flags, e->frontend_name);
                break;
        case CFG_LV_ft:
                alog_text_quote(w, flags);
                if (e->frontend_name)
                        alog_text_esc(w, flags, e->frontend_name, strlen(e->frontend_name));
                if (e->ssl)
                        alog_text_putc(w, '~');
                alog_text_quote(w, flags);
                break;
        case CFG_LV_b:
                alog_text_field_cstr(w, flags, e->backend_name);
                break;
        case CFG_LV_s:
                alog_text_field_cstr(w, flags, e->server_name ? e->server_name : ALOG_NOSRV);
                break;
        case CFG_LV_sslc:
                alog_text_field_str(w, flags, e->ssl_cipher);
                break;
        case CFG_LV_sslv:
                alog_text_field_str(w, flags, e->ssl_version);
                break;
        case CFG_LV_Th:
                alog_text_int(w, e->t.Th);
                break;
        case CFG_LV_Ti:
                alog_text_int(w, e->t.Ti);
                break;
        case CFG_LV_TR:
                alog_text_int(w, e->t.TR);
                break;
        case CFG_LV_Tq:
                alog_text_int(w, e->t.TR >= 0 ? e->t.TR + nonneg(e->t.Ti) + nonneg(e->t.Th) : -1);
                break;
        case CFG_LV_Tw:
                alog_text_int(w, e->t.Tw);
                break;
        case CFG_LV_Tc:
                alog_text_int(w, e->t.Tc);
                break;
        case CFG_LV_Tr:
                alog_text_int(w, e->t.Tr);
                break;
        case CFG_LV_Td:
                alog_text_int(w, e->t.Td);
                break;
        case CFG_LV_Ta:
                alog_text_int(w, e->t.Ta);
                break;
        case CFG_LV_Tt:
                alog_text_int(w, e->t.Tt);
                break;
        case CFG_LV_Tu:
                alog_text_int(w, (long long)e->t.Tt - nonneg(e->t.Ti));
                break;
        case CFG_LV_ST:
                alog_text_int(w, e->status);
                break;
        case CFG_LV_B:
                alog_text_printf(w, "%llu", (unsigned long long)e->bytes_out);
                break;
        case CFG_LV_U:
                alog_text_printf(w, "%llu", (unsigned long long)e->bytes_in);
                break;
        case CFG_LV_CC:
                alog_text_field_str(w, flags, e->cli_cookie);
                break;
        case CFG_LV_CS:
                alog_text_field_str(w, flags, e->srv_cookie);
                break;
        case CFG_LV_ts:
                alog_text_esc(w, flags, e->term, 2);
                break;
        case CFG_LV_tsc:
                alog_text_esc(w, flags, e->term, 4);
                break;
        case CFG_LV_ac:
                alog_text_int(w, e->actconn);
                break;
        case CFG_LV_fc:
                alog_text_int(w, e->feconn);
                break;
        case CFG_LV_bc:
                alog_text_int(w, e->beconn);
                break;
        case CFG_LV_sc:
                alog_text_int(w, e->srv_conn);
                break;
        case CFG_LV_rc:
                if (e->redispatched)
                        alog_text_putc(w, '+');
                alog_text_int(w, e->retries);
                break;
        case CFG_LV_sq:
                alog_text_int(w, e->srv_queue);
                break;
        case CFG_LV_bq:
                alog_text_int(w, e->be_queue);
                break;
        case CFG_LV_hr:
                render_caps(r, e->req_caps, e->n_req_caps, false, flags);
                break;
        case CFG_LV_hrl:
                render_caps(r, e->req_caps, e->n_req_caps, true, flags);
                break;
        case CFG_LV_hs:
                render_caps(r, e->res_caps, e->n_res_caps, false, flags);
                break;
        case CFG_LV_hsl:
                render_caps(r, e->res_caps, e->n_res_caps, true, flags);
                break;
        case CFG_LV_r:
        case CFG_LV_HM:
        case CFG_LV_HP:
        case CFG_LV_HPO:
        case CFG_LV_HQ:
        case CFG_LV_HU:
        case CFG_LV_HV:
                render_http(r, v, flags);
                break;
        case CFG_LV_rt:
                alog_text_counter(w, flags, e->req_counter);
                break;
        case CFG_LV_lc:
                alog_text_counter(w, flags, e->log_count);
                break;
        case CFG_LV_pid:
                if (flags & CFG_FMT_F_HEX)
                        alog_text_printf(w, "%04X", (unsigned)e->pid);
                else
                        alog_text_int(w, e->pid);
                break;
        case CFG_LV_H:
                alog_text_field_str(w, flags, e->hostname);
                break;
        case CFG_LV_ID:
                alog_text_field_str(w, flags, e->unique_id);
                break;
        case CFG_LV_COUNT:
                break;
        }
}

/* Literal text: runs of spaces are HAProxy's separators, written once and only after
 * something else. */
static void render_lit(struct render *r, struct sl_str lit)
{
        const char *p = lit.ptr, *end = lit.ptr + lit.len;

        while (p < end) {
                const char *s = p;

                if (*p == ' ') {
                        while (p < end && *p == ' ')
                                p++;
                        if (!r->last_isspace) {
                                alog_text_putc(&r->w, ' ');
                                r->last_isspace = true;
                        }
                        continue;
                }
                while (p < end && *p != ' ')
                        p++;
                alog_text_put(&r->w, s, (size_t)(p - s));
                r->last_isspace = false;
        }
}

int alog_format(const struct cfg_fmt *fmt, const struct alog_entry *e, alog_sample_fn *sample,
                void *data, char *buf, size_t size)
{
        struct render r = {.w = {.buf = buf, .cap = size ? size - 1 : 0}, .e = e};
        char *tmp = NULL;

        if (!size)
                return -EINVAL;
        r.last_isspace = true;
        for (size_t i = 0; fmt && i < fmt->n_nodes; i++) {
                const struct cfg_fmt_node *n = &fmt->nodes[i];
                size_t before = r.w.total;
                int got;

                switch (n->kind) {
                case CFG_FMT_LIT:
                        render_lit(&r, n->lit);
                        continue;
                case CFG_FMT_SAMPLE:
                        if (!tmp)
                                tmp = malloc(ALOG_SAMPLE_MAX);
                        got = sample && tmp ? sample(data, &n->smp, tmp, ALOG_SAMPLE_MAX) : -1;
                        if (got > ALOG_SAMPLE_MAX)
                                got = ALOG_SAMPLE_MAX;
                        alog_text_field(&r.w, n->flags, got >= 0 ? tmp : NULL,
                                        got >= 0 ? (size_t)got : 0);
                        r.last_isspace = false;
                        continue;
                case CFG_FMT_VAR:
                        render_var(&r, n->var, n->flags);
                        if (r.w.total != before)
                                r.last_isspace = false;
                        continue;
                }
        }
        free(tmp);
        buf[r.w.len] = '\0';
        return (int)SL_MIN(r.w.len, (size_t)INT_MAX);
}

/* ---- built-in formats ---- */

#define LV(name)                                           \
        {                                                  \
                .kind = CFG_FMT_VAR, .var = CFG_LV_##name, \
        }
#define LVF(name, f)                                                     \
        {                                                                \
                .kind = CFG_FMT_VAR, .var = CFG_LV_##name, .flags = (f), \
        }
#define LIT(s)                                             \
        {                                                  \
                .kind = CFG_FMT_LIT, .lit = SL_STR_LIT(s), \
        }

static const struct cfg_fmt_node httplog_nodes[] = {
        LV(ci),    LIT(":"), LV(cp),
        LIT(" ["), LV(tr),   LIT("] "),
        LV(ft),    LIT(" "), LV(b),
        LIT("/"),  LV(s),    LIT(" "),
        LV(TR),    LIT("/"), LV(Tw),
        LIT("/"),  LV(Tc),   LIT("/"),
        LV(Tr),    LIT("/"), LV(Ta),
        LIT(" "),  LV(ST),   LIT(" "),
        LV(B),     LIT(" "), LV(CC),
        LIT(" "),  LV(CS),   LIT(" "),
        LV(tsc),   LIT(" "), LV(ac),
        LIT("/"),  LV(fc),   LIT("/"),
        LV(bc),    LIT("/"), LV(sc),
        LIT("/"),  LV(rc),   LIT(" "),
        LV(sq),    LIT("/"), LV(bq),
        LIT(" "),  LV(hr),   LIT(" "),
        LV(hs),    LIT(" "), LVF(r, CFG_FMT_F_QUOTE),
};

static const struct cfg_fmt_node tcplog_nodes[] = {
        LV(ci),   LIT(":"), LV(cp),   LIT(" ["), LV(t),    LIT("] "), LV(ft),   LIT(" "), LV(b),
        LIT("/"), LV(s),    LIT(" "), LV(Tw),    LIT("/"), LV(Tc),    LIT("/"), LV(Tt),   LIT(" "),
        LV(B),    LIT(" "), LV(ts),   LIT(" "),  LV(ac),   LIT("/"),  LV(fc),   LIT("/"), LV(bc),
        LIT("/"), LV(sc),   LIT("/"), LV(rc),    LIT(" "), LV(sq),    LIT("/"), LV(bq),
};

/* The tables are never written: the casts only fit struct cfg_fmt's mutable pointer. */
const struct cfg_fmt alog_fmt_httplog = {
        .src = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc "
               "%ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r",
        .nodes = (struct cfg_fmt_node *)httplog_nodes,
        .n_nodes = SL_ARRAY_SIZE(httplog_nodes),
        .cap_nodes = SL_ARRAY_SIZE(httplog_nodes),
};

const struct cfg_fmt alog_fmt_tcplog = {
        .src = "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq",
        .nodes = (struct cfg_fmt_node *)tcplog_nodes,
        .n_nodes = SL_ARRAY_SIZE(tcplog_nodes),
        .cap_nodes = SL_ARRAY_SIZE(tcplog_nodes),
};

const struct cfg_fmt alog_fmt_json = {.src = "json"};

const struct cfg_fmt *alog_proxy_format(const struct cfg_proxy *px)
{
        if (px->log_format)
                return px->log_format;
        if (px->options & CFG_OPT_HTTPLOG)
                return &alog_fmt_httplog;
        if (px->options & CFG_OPT_TCPLOG)
                return &alog_fmt_tcplog;
        if (px->options & CFG_OPT_JSONLOG)
                return &alog_fmt_json;
        return NULL;
}

/* ---- sinks ---- */

enum sink_how {
        SINK_DGRAM = 0, /* a datagram socket of ours: one sendmsg() per line */
        SINK_SEND,      /* a stream socket given as stdout: sendmsg(MSG_DONTWAIT) */
        SINK_WRITE,     /* our own non-blocking description, or a regular file: writev() */
        SINK_POLL,      /* a shared blocking pipe or terminal: writev() only after poll() */
};

struct alog_sink {
        enum sink_how how;
        int fd; /* owned if @own_fd, else borrowed */
        bool own_fd;
        bool torn;      /* a line went out in part: start the next one anew */
        bool addressed; /* sendmsg() to @addr (Unix datagram targets) */
        struct sockaddr_storage addr;
        socklen_t addr_len;
        struct cfg_log_target target; /* copy; its where.file is not used */
        size_t maxlen;
        char pid[16];
        struct alog_sink_stats stats;
};

/* Longest header: PRI takes at most 3 digits. */
static size_t sink_header_max(const struct alog_sink *s)
{
        size_t pid = strlen(s->pid), tag = strlen(ALOG_TAG);

        switch (s->target.format) {
        case CFG_LOG_FMT_RFC3164:
                return 5 + 16 + tag + 1 + pid + 3;
        case CFG_LOG_FMT_RFC5424:
                return 5 + 2 + 32 + 1 + 2 + tag + 1 + pid + 1 + 4;
        case CFG_LOG_FMT_SHORT:
                return 5;
        case CFG_LOG_FMT_RAW:
                return 0;
        }
        return 0;
}

/* HAProxy's build_log_header(), with the tag and pid it sends by default and no host name
 * (no log-send-hostname). */
static size_t sink_header(const struct alog_sink *s, int level, uint64_t now_us, char *hdr,
                          size_t size)
{
        time_t sec = (time_t)(now_us / 1000000);
        int pri = s->target.facility * 8 + level;
        struct tm tm;
        long off;
        int n = 0;

        switch (s->target.format) {
        case CFG_LOG_FMT_RFC3164:
                localtime_r(&sec, &tm);
                n = snprintf(hdr, size, "<%d>%s %2d %02d:%02d:%02d %s[%s]: ", pri,
                             alog_text_month(tm.tm_mon), tm.tm_mday, tm.tm_hour, tm.tm_min,
                             tm.tm_sec, ALOG_TAG, s->pid);
                break;
        case CFG_LOG_FMT_RFC5424:
                localtime_r(&sec, &tm);
                off = tm.tm_gmtoff;
                n = snprintf(hdr, size,
                             "<%d>1 %04d-%02d-%02dT%02d:%02d:%02d.%06u%c%02ld:%02ld - %s %s - - ",
                             pri, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                             tm.tm_min, tm.tm_sec, (unsigned)(now_us % 1000000),
                             off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60, ALOG_TAG,
                             s->pid);
                break;
        case CFG_LOG_FMT_SHORT:
                /* HAProxy's "short" carries the level alone, without the facility */
                n = snprintf(hdr, size, "<%d>", level);
                break;
        case CFG_LOG_FMT_RAW:
                n = 0;
                break;
        }
        if (n < 0)
                return 0;
        return SL_MIN((size_t)n, size - 1);
}

static int sink_open_fd(struct alog_sink *s, int fd)
{
        char path[64];
        struct stat st;
        int own;

        s->fd = fd;
        if (fstat(fd, &st) == -1)
                return -errno;
        if (S_ISSOCK(st.st_mode)) {
                s->how = SINK_SEND;
                return 0;
        }
        if (S_ISREG(st.st_mode)) {
                /* writes to a regular file do not wait for a reader; reopening it would
                 * get an offset of its own and overwrite what others write */
                s->how = SINK_WRITE;
                return 0;
        }
        /* A private open file description of the same pipe or terminal: O_NONBLOCK there
         * leaves the shared one (and every process writing through it) untouched. */
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        own = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
        if (own >= 0) {
                s->fd = own;
                s->own_fd = true;
                s->how = SINK_WRITE;
                return 0;
        }
        s->how = SINK_POLL;
        return 0;
}

static int sink_open_socket(struct alog_sink *s)
{
        const struct cfg_addr *a = &s->target.addr;
        int family = a->ss.ss_family;

        s->addr = a->ss;
        s->addr_len = a->ss_len;
        if (!s->addr_len)
                s->addr_len = family == AF_INET6  ? sizeof(struct sockaddr_in6)
                              : family == AF_INET ? sizeof(struct sockaddr_in)
                                                  : sizeof(struct sockaddr_un);
        s->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (s->fd == -1)
                return -errno;
        s->own_fd = true;
        s->how = SINK_DGRAM;
        /* A Unix target is addressed at each send: a connected socket would keep failing
         * once the syslog daemon recreates its socket. A UDP socket is connected, so the
         * route is looked up once and a refusal (ICMP) comes back as ECONNREFUSED. */
        if (family == AF_UNIX ||
            connect(s->fd, (const struct sockaddr *)&s->addr, s->addr_len) == -1)
                s->addressed = true;
        return 0;
}

static int sink_new(const struct cfg_log_target *t, int fd, struct alog_sink **ret_sink)
{
        struct alog_sink *s;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->fd = -1;
        s->target = *t;
        s->maxlen = t->maxlen ? t->maxlen : ALOG_DEFAULT_MAXLEN;
        snprintf(s->pid, sizeof(s->pid), "%d", (int)getpid());

        switch (t->kind) {
        case CFG_LOG_STDOUT:
        case CFG_LOG_STDERR:
                if (fd < 0)
                        fd = t->kind == CFG_LOG_STDOUT ? STDOUT_FILENO : STDERR_FILENO;
                r = sink_open_fd(s, fd);
                break;
        case CFG_LOG_UDP:
        case CFG_LOG_UNIX:
                r = sink_open_socket(s);
                break;
        default:
                r = -EINVAL;
                break;
        }
        if (r < 0)
                goto err_free;
        *ret_sink = s;
        return 0;

err_free:
        alog_sink_free(s);
        return r;
}

int alog_sink_new(const struct cfg_log_target *t, struct alog_sink **ret_sink)
{
        return sink_new(t, -1, ret_sink);
}

int alog_sink_new_fd(const struct cfg_log_target *t, int fd, struct alog_sink **ret_sink)
{
        return sink_new(t, fd, ret_sink);
}

struct alog_sink *alog_sink_free(struct alog_sink *s)
{
        if (!s)
                return NULL;
        if (s->own_fd && s->fd >= 0)
                (void)close(s->fd);
        free(s);
        return NULL;
}

const struct alog_sink_stats *alog_sink_get_stats(const struct alog_sink *s)
{
        return &s->stats;
}

size_t alog_sink_msg_room(const struct alog_sink *s)
{
        size_t hdr = sink_header_max(s) + 1;

        return s->maxlen > hdr ? s->maxlen - hdr : 0;
}

static ssize_t sink_write(struct alog_sink *s, struct iovec *iov, int n_iov)
{
        struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n_iov};
        struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};
        ssize_t n;

        for (;;) {
                switch (s->how) {
                case SINK_DGRAM:
                        if (s->addressed) {
                                mh.msg_name = &s->addr;
                                mh.msg_namelen = s->addr_len;
                        }
                        n = sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
                        break;
                case SINK_SEND:
                        n = sendmsg(s->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
                        break;
                case SINK_POLL:
                        n = poll(&pfd, 1, 0);
                        if (n == -1 && errno == EINTR)
                                continue;
                        if (n == -1)
                                return -1;
                        if (n == 0 || !(pfd.revents & POLLOUT)) {
                                errno = n == 0 ? EAGAIN : EPIPE;
                                return -1;
                        }
                        n = writev(s->fd, iov, n_iov);
                        break;
                case SINK_WRITE:
                default:
                        n = writev(s->fd, iov, n_iov);
                        break;
                }
                if (n == -1 && errno == EINTR)
                        continue;
                return n;
        }
}

int alog_send_at(struct alog_sink *s, int level, const char *line, size_t len, uint64_t now_us)
{
        const struct cfg_log_target *t = &s->target;
        char hdr[128];
        struct iovec iov[4];
        size_t hdr_len, room, want = 0;
        int n_iov = 0;
        ssize_t n;

        if (t->max_level >= 0 && level > t->max_level) {
                s->stats.filtered++;
                return ALOG_FILTERED;
        }
        if (t->min_level >= 0 && level < t->min_level)
                level = t->min_level;

        hdr_len = sink_header(s, level, now_us, hdr, sizeof(hdr));
        /* HAProxy keeps one byte of maxlen for the final '\n' */
        room = s->maxlen - 1;
        if (hdr_len > room)
                hdr_len = room;
        if (len > room - hdr_len) {
                len = room - hdr_len;
                s->stats.truncated++;
        }
        if (s->torn && s->how != SINK_DGRAM)
                iov[n_iov++] = (struct iovec){.iov_base = (void *)"\n", .iov_len = 1};
        if (hdr_len)
                iov[n_iov++] = (struct iovec){.iov_base = hdr, .iov_len = hdr_len};
        if (len)
                iov[n_iov++] = (struct iovec){.iov_base = (void *)line, .iov_len = len};
        iov[n_iov++] = (struct iovec){.iov_base = (void *)"\n", .iov_len = 1};
        for (int i = 0; i < n_iov; i++)
                want += iov[i].iov_len;

        n = sink_write(s, iov, n_iov);
        if (n < 0) {
                int r = -errno;

                s->stats.dropped++;
                return r;
        }
        if ((size_t)n < want) {
                /* the rest is dropped: the next line first ends this one */
                s->torn = true;
                s->stats.dropped++;
                return -EAGAIN;
        }
        s->torn = false;
        s->stats.sent++;
        return 0;
}

int alog_send(struct alog_sink *s, int level, const char *line, size_t len)
{
        return alog_send_at(s, level, line, len, sl_clock_wall_us());
}

/* ---- a proxy's sinks ---- */

int alog_sinks_new(const struct cfg_global *gl, const struct cfg_proxy *px,
                   struct alog_sinks **ret_sinks)
{
        size_t n_global = px->log_global ? gl->n_logs : 0;
        struct alog_sinks *ss;
        int r;

        ss = calloc(1, sizeof(*ss));
        if (!ss)
                return -ENOMEM;
        if (n_global + px->n_logs) {
                ss->v = calloc(n_global + px->n_logs, sizeof(*ss->v));
                if (!ss->v) {
                        r = -ENOMEM;
                        goto err_free;
                }
        }
        for (size_t i = 0; i < n_global + px->n_logs; i++) {
                const struct cfg_log_target *t =
                        i < n_global ? &gl->logs[i] : &px->logs[i - n_global];

                r = alog_sink_new(t, &ss->v[ss->n]);
                if (r < 0)
                        goto err_free;
                ss->n++;
        }
        *ret_sinks = ss;
        return 0;

err_free:
        alog_sinks_free(ss);
        return r;
}

struct alog_sinks *alog_sinks_free(struct alog_sinks *ss)
{
        if (!ss)
                return NULL;
        for (size_t i = 0; i < ss->n; i++)
                alog_sink_free(ss->v[i]);
        free(ss->v);
        free(ss);
        return NULL;
}

size_t alog_sinks_send(struct alog_sinks *ss, int level, const char *line, size_t len)
{
        uint64_t now_us = sl_clock_wall_us();
        size_t sent = 0;

        for (size_t i = 0; i < ss->n; i++)
                if (alog_send_at(ss->v[i], level, line, len, now_us) == 0)
                        sent++;
        return sent;
}

size_t alog_sinks_msg_room(const struct alog_sinks *ss)
{
        size_t room = SIZE_MAX;

        for (size_t i = 0; i < ss->n; i++)
                room = SL_MIN(room, alog_sink_msg_room(ss->v[i]));
        return room;
}
