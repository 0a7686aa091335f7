/* Access-log lines in HAProxy's log-format (see accesslog.h): alog_format() renders a compiled
 * format for one request or connection, the httplog and tcplog formats are built in, and
 * alog_proxy_format() says which one a proxy logs with. The data plane (sess_log.c) calls
 * them when a stream ends, then hands the line to the sinks. The rendering follows HAProxy's
 * sess_build_logline() (src/log.c) so existing log parsers keep working. */
#include "accesslog.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "alog_text.h"
#include "macros.h"

/* Longest sample text a %[...] node prints. */
#define ALOG_SAMPLE_MAX 4096

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
        bool merge;        /* runs of spaces are one separator (a log line) */
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
                if (caps && caps[i].ptr)
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

        if (!r->merge) {
                alog_text_put(&r->w, lit.ptr, lit.len);
                return;
        }
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
        unsigned mandatory = fmt && fmt->log ? CFG_FMT_F_MANDATORY : 0;
        char *tmp = NULL;

        if (!size)
                return -EINVAL;
        r.last_isspace = true;
        r.merge = fmt && fmt->log;
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
                        if (fmt->log)
                                alog_text_field(&r.w, n->flags | mandatory, got >= 0 ? tmp : NULL,
                                                got >= 0 ? (size_t)got : 0);
                        else
                                alog_text_field_http(&r.w, n->flags, got >= 0 ? tmp : NULL,
                                                     got >= 0 ? (size_t)got : 0);
                        r.last_isspace = false;
                        continue;
                case CFG_FMT_VAR:
                        render_var(&r, n->var, n->flags | mandatory);
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
        .log = true,
};

const struct cfg_fmt alog_fmt_tcplog = {
        .src = "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq",
        .nodes = (struct cfg_fmt_node *)tcplog_nodes,
        .n_nodes = SL_ARRAY_SIZE(tcplog_nodes),
        .cap_nodes = SL_ARRAY_SIZE(tcplog_nodes),
        .log = true,
};

const struct cfg_fmt alog_fmt_json = {.src = "json", .log = true};

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
