/* The stats page (mpage.h). Its options come in the URI after the prefix, as HAProxy reads
 * them: ";up" (no server that is down), ";no-maint", ";norefresh", ";csv", ";json",
 * ";typed", ";st=<code>" (the outcome of the last admin action) and ";scope=<text>" (the
 * proxies whose name holds it). The HTML is written from the same fields as "show stat". */
#include "mpage.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <unistd.h>

#include "build_version.h"
#include "clock.h"
#include "master-t.h"
#include "mcmd.h"
#include "mfield.h"
#include "model.h"
#include "mstat.h"
#include "mstats.h"
#include "stats.h"

#define SCOPE_MAX 31 /* bytes of a ";scope=" search (HAProxy's) */

/* The outcomes of an admin action, as ";st=" carries them (HAProxy's codes) */
static const struct {
        const char *code, *cls, *text;
} outcomes[] = {
        {"DONE", "active_up", "Action processed successfully."},
        {"NONE", "active_going_up", "Nothing has changed."},
        {"PART", "active_going_down",
         "Action partially processed: some servers were unknown or did not change."},
        {"ERRP", "active_down",
         "Action not processed because of invalid parameters: the backend or the action is "
         "unknown."},
        {"EXCD", "active_down",
         "Action not processed: the form was too large. Select fewer servers."},
        {"DENY", "active_down", "Action denied: this page is not in admin mode."},
        {"UNKN", "active_down", "Unexpected result."},
};

enum page_fmt {
        PAGE_HTML,
        PAGE_CSV,
        PAGE_JSON,
        PAGE_TYPED
};

struct page {
        struct master *m;
        const struct mpage_req *rq;
        const struct cfg_proxy *px; /* the page's proxy (current generation) */
        const struct cfg_stats_page *s;
        enum page_fmt fmt;
        bool no_down, no_maint, no_refresh;
        int outcome; /* index in outcomes[], -1: none */
        char scope[SCOPE_MAX + 1];
        FILE *out;
};

/* Does @tail hold @opt (HAProxy looks for each option anywhere after the prefix)? */
static const char *opt(const char *tail, const char *o)
{
        return strstr(tail, o);
}

static void parse_options(struct page *pg, const char *tail)
{
        const char *p;

        pg->no_down = opt(tail, ";up") != NULL;
        pg->no_maint = opt(tail, ";no-maint") != NULL;
        pg->no_refresh = opt(tail, ";norefresh") != NULL;
        pg->fmt = PAGE_HTML;
        if (opt(tail, ";csv"))
                pg->fmt = PAGE_CSV;
        if (opt(tail, ";typed"))
                pg->fmt = PAGE_TYPED;
        if (opt(tail, ";json"))
                pg->fmt = PAGE_JSON;
        pg->outcome = -1;
        p = opt(tail, ";st=");
        if (p) {
                pg->outcome = (int)SL_ARRAY_SIZE(outcomes) - 1;
                for (size_t i = 0; i < SL_ARRAY_SIZE(outcomes); i++)
                        if (strncmp(p + 4, outcomes[i].code, 4) == 0)
                                pg->outcome = (int)i;
        }
        p = opt(tail, "scope=");
        if (p) {
                size_t n = 0;

                p += 6;
                while (p[n] && p[n] != ';' && p[n] != '&' && p[n] != ' ' && n < SCOPE_MAX)
                        n++;
                memcpy(pg->scope, p, n);
                pg->scope[n] = '\0';
                /* only what a proxy's name may hold: anything else clears the search */
                for (size_t i = 0; i < n; i++)
                        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789-_.:",
                                    pg->scope[i]))
                                pg->scope[0] = '\0';
        }
}

/* Does the page show @px: its "stats scope" list ("." is its own proxy), then the
 * ";scope=" search, a part of the name in any case. */
static bool px_ok(const struct cfg_proxy *px, void *arg)
{
        const struct page *pg = arg;
        bool in = pg->s->n_scopes == 0;

        for (size_t i = 0; i < pg->s->n_scopes && !in; i++) {
                const char *sc = pg->s->scopes[i];

                in = strcmp(sc, px->name) == 0 || (strcmp(sc, ".") == 0 && pg->px == px);
        }
        if (!in)
                return false;
        if (!pg->scope[0])
                return true;
        for (const char *n = px->name; *n; n++)
                if (strncasecmp(n, pg->scope, strlen(pg->scope)) == 0)
                        return true;
        return false;
}

/* ---- HTML ---- */

static void html_text(FILE *out, const char *s)
{
        for (; s && *s; s++) {
                switch (*s) {
                case '<':
                        fputs("&lt;", out);
                        break;
                case '>':
                        fputs("&gt;", out);
                        break;
                case '&':
                        fputs("&amp;", out);
                        break;
                case '"':
                        fputs("&quot;", out);
                        break;
                case '\'':
                        fputs("&#39;", out);
                        break;
                default:
                        fputc(*s, out);
                }
        }
}

static const char css[] =
        "body{font-family:arial,helvetica,sans-serif;font-size:12px;font-weight:normal;"
        "color:black;background:white}\n"
        "th,td{font-size:10px}\n"
        "h1{font-size:x-large;margin-bottom:0.5em}\n"
        "h2{font-family:helvetica,arial;font-size:x-large;font-weight:bold;font-style:italic;"
        "color:#6020a0;margin-top:0;margin-bottom:0}\n"
        "h3{font-family:helvetica,arial;font-size:16px;font-weight:bold;color:#b00040;"
        "background:#e8e8d0;margin-top:0;margin-bottom:0}\n"
        "li{margin-top:0.25em;margin-right:2em}\n"
        ".hr{margin-top:0.25em;border-color:black;border-bottom-style:solid}\n"
        ".titre{background:#20D0D0;color:#000000;font-weight:bold;text-align:center}\n"
        ".total{background:#20D0D0;color:#ffff80}\n"
        ".frontend{background:#e8e8d0}\n"
        ".socket{background:#d0d0d0}\n"
        ".backend{background:#e8e8d0}\n"
        ".active_down{background:#ff9090}\n"
        ".active_going_up{background:#ffd020}\n"
        ".active_going_down{background:#ffffa0}\n"
        ".active_up{background:#c0ffc0}\n"
        ".active_nolb{background:#20a0ff}\n"
        ".active_draining{background:#20a0FF}\n"
        ".active_no_check{background:#e0e0e0}\n"
        ".backup_down{background:#ff9090}\n"
        ".backup_going_up{background:#ff80ff}\n"
        ".backup_going_down{background:#c060ff}\n"
        ".backup_nolb{background:#90b0e0}\n"
        ".backup_up{background:#b0d0ff}\n"
        ".backup_draining{background:#cc9900}\n"
        ".backup_no_check{background:#e0e0e0}\n"
        ".maintain{background:#c07820}\n"
        "a.px:link,a.px:visited{color:#ffff40;text-decoration:none}\n"
        "a.px:hover{color:#ffffff}\n"
        "a.lfsb:link,a.lfsb:visited{color:#000000;text-decoration:none}\n"
        "a.lfsb:hover{text-decoration:underline}\n"
        "table.tbl{border-collapse:collapse;border-style:none}\n"
        "table.tbl td{text-align:right;border-width:1px;border-style:solid;"
        "border-color:gray;white-space:nowrap}\n"
        "table.tbl td.ac{text-align:center}\n"
        "table.tbl th{border-width:1px;border-style:solid;border-color:gray}\n"
        "table.tbl th.pxname{background:#b00040;color:#ffff40;font-weight:bold;"
        "border-style:solid solid none solid;padding:2px 3px;white-space:nowrap}\n"
        "table.tbl th.empty{border-style:none;empty-cells:hide;background:white}\n"
        "table.tbl th.desc{background:white;border-style:solid solid none solid;"
        "text-align:left;padding:2px 3px}\n"
        "table.lgd{border-collapse:collapse;border-width:1px;border-style:none none none "
        "solid;border-color:black}\n"
        "table.lgd td{border-width:1px;border-style:solid solid solid solid;"
        "border-color:gray;padding:2px}\n"
        "table.lgd td.noborder{border-style:none;padding:2px;white-space:nowrap}\n"
        "table.det{border-collapse:collapse;border-style:none}\n"
        "table.det th{text-align:left;border-width:0px;padding:0px 1px 0px 0px;"
        "font-style:normal;font-size:11px;font-weight:bold;font-family:sans-serif}\n"
        "table.det td{text-align:right;border-width:0px;padding:0px 0px 0px 4px;"
        "font-style:normal;font-size:11px;font-weight:normal}\n"
        "u{text-decoration:none;border-bottom:1px dotted black}\n"
        "div.tips{display:block;visibility:hidden;z-index:2147483647;position:absolute;"
        "padding:2px 4px 3px;background:#f0f060;color:#000000;border:1px solid #7040c0;"
        "white-space:nowrap;font-style:normal;font-size:11px;font-weight:normal;"
        "border-radius:3px;box-shadow:#a0a060 0px 1px 3px}\n"
        "u:hover div.tips{visibility:visible}\n"
        "#st_msg{padding:4px;margin:8px 0;border:1px solid black;font-weight:bold}\n";

/* The value of field @i of @o as text, or "" */
static void cell(FILE *out, const struct mstat_obj *o, unsigned i)
{
        mfield_text(out, &o->f[i]);
}

static uint64_t num(const struct mstat_obj *o, unsigned i)
{
        const struct mstat_field *f = &o->f[i];

        switch (f->type) {
        case MSTAT_T_S32:
                return f->u.s32 > 0 ? (uint64_t)f->u.s32 : 0;
        case MSTAT_T_U32:
                return f->u.u32;
        case MSTAT_T_U64:
                return f->u.u64;
        default:
                return 0;
        }
}

static const char *str(const struct mstat_obj *o, unsigned i)
{
        return o->f[i].type == MSTAT_T_STR && o->f[i].str ? o->f[i].str : "";
}

/* "1h2m" as HAProxy's human durations */
static void duration(FILE *out, uint64_t s)
{
        if (s >= 86400)
                fprintf(out, "%" PRIu64 "d%" PRIu64 "h", s / 86400, s / 3600 % 24);
        else if (s >= 3600)
                fprintf(out, "%" PRIu64 "h%" PRIu64 "m", s / 3600, s / 60 % 60);
        else if (s >= 60)
                fprintf(out, "%" PRIu64 "m%" PRIu64 "s", s / 60, s % 60);
        else
                fprintf(out, "%" PRIu64 "s", s);
}

/* The row class of a server: its state's colour */
static const char *server_class(const struct mstat_obj *o, bool backup)
{
        const char *st = str(o, MSTAT_F_STATUS);

        if (strcmp(st, "MAINT") == 0 || strcmp(st, "MAINT (resolution)") == 0)
                return "maintain";
        if (strcmp(st, "DOWN") == 0)
                return backup ? "backup_down" : "active_down";
        /* transitional: "DOWN 1/2" going up, "UP 1/3" going down (HAProxy's classes) */
        if (strncmp(st, "DOWN ", 5) == 0)
                return backup ? "backup_going_up" : "active_going_up";
        if (strncmp(st, "UP ", 3) == 0 || strncmp(st, "DRAIN ", 6) == 0 ||
            strncmp(st, "NOLB ", 5) == 0)
                return backup ? "backup_going_down" : "active_going_down";
        if (strcmp(st, "NOLB") == 0)
                return backup ? "backup_nolb" : "active_nolb";
        if (strcmp(st, "DRAIN") == 0)
                return backup ? "backup_draining" : "active_draining";
        if (strcmp(st, "UP") == 0)
                return backup ? "backup_up" : "active_up";
        return backup ? "backup_no_check" : "active_no_check";
}

static void td_num(FILE *out, const struct mstat_obj *o, unsigned i)
{
        fputs("<td>", out);
        cell(out, o, i);
        fputs("</td>", out);
}

/* A row's cells after its name: HAProxy's columns of the page */
static void row_cells(struct page *pg, const struct mstat_obj *o)
{
        FILE *out = pg->out;
        bool fe = o->type == MSTAT_FE || o->type == MSTAT_LI, sv = o->type == MSTAT_SV;

        /* Queue: cur, max, limit */
        if (fe)
                fputs("<td></td><td></td><td></td>", out);
        else {
                td_num(out, o, MSTAT_F_QCUR);
                td_num(out, o, MSTAT_F_QMAX);
                td_num(out, o, MSTAT_F_QLIMIT);
        }
        /* Session rate: cur, max, limit */
        td_num(out, o, MSTAT_F_RATE);
        td_num(out, o, MSTAT_F_RATE_MAX);
        td_num(out, o, MSTAT_F_RATE_LIM);
        /* Sessions: cur, max, limit, total (with the requests in a tip), lbtot, last */
        td_num(out, o, MSTAT_F_SCUR);
        td_num(out, o, MSTAT_F_SMAX);
        td_num(out, o, MSTAT_F_SLIM);
        fputs("<td><u>", out);
        cell(out, o, MSTAT_F_STOT);
        if (o->px->mode == CFG_MODE_HTTP && o->type != MSTAT_LI) {
                fputs("<div class=tips><table class=det>", out);
                if (o->type == MSTAT_FE)
                        fprintf(out, "<tr><th>Cum. connections:</th><td>%" PRIu64 "</td></tr>",
                                num(o, MSTAT_F_CONN_TOT));
                fprintf(out, "<tr><th>Cum. HTTP requests:</th><td>%" PRIu64 "</td></tr>",
                        num(o, MSTAT_F_REQ_TOT));
                for (unsigned k = 0; k < 6; k++)
                        fprintf(out, "<tr><th>- HTTP %s responses:</th><td>%" PRIu64 "</td></tr>",
                                (const char *[]){"1xx", "2xx", "3xx", "4xx", "5xx", "other"}[k],
                                num(o, MSTAT_F_HRSP_1XX + k));
                if (o->type == MSTAT_FE)
                        fprintf(out, "<tr><th>Intercepted requests:</th><td>%" PRIu64 "</td></tr>",
                                num(o, MSTAT_F_INTERCEPTED));
                fputs("</table></div>", out);
        }
        fputs("</u></td>", out);
        if (fe)
                fputs("<td></td><td></td>", out);
        else {
                td_num(out, o, MSTAT_F_LBTOT);
                fputs("<td>", out);
                if (o->f[MSTAT_F_LASTSESS].type == MSTAT_T_S32 && o->f[MSTAT_F_LASTSESS].u.s32 >= 0)
                        duration(out, (uint64_t)o->f[MSTAT_F_LASTSESS].u.s32);
                fputs("</td>", out);
        }
        /* Bytes: in, out */
        td_num(out, o, MSTAT_F_BIN);
        td_num(out, o, MSTAT_F_BOUT);
        /* Denied: req, resp */
        td_num(out, o, MSTAT_F_DREQ);
        td_num(out, o, MSTAT_F_DRESP);
        /* Errors: req, conn, resp */
        td_num(out, o, MSTAT_F_EREQ);
        td_num(out, o, MSTAT_F_ECON);
        td_num(out, o, MSTAT_F_ERESP);
        /* Warnings: retr, redis */
        td_num(out, o, MSTAT_F_WRETR);
        td_num(out, o, MSTAT_F_WREDIS);
        /* Server: status, lastchk, wght, act, bck, chk, dwn, dwntme, thrtle */
        fputs("<td class=ac>", out);
        if (sv || o->type == MSTAT_BE) {
                duration(out, num(o, MSTAT_F_LASTCHG));
                fputc(' ', out);
        }
        html_text(out, str(o, MSTAT_F_STATUS));
        fputs("</td><td class=ac>", out);
        html_text(out, str(o, MSTAT_F_CHECK_STATUS));
        fputs("</td>", out);
        if (fe) {
                fputs("<td></td><td></td><td></td><td></td><td></td><td></td><td></td>", out);
                return;
        }
        fputs("<td class=ac>", out);
        cell(out, o, MSTAT_F_WEIGHT);
        fputc('/', out);
        cell(out, o, MSTAT_F_UWEIGHT);
        fputs("</td>", out);
        if (sv) {
                fprintf(out, "<td class=ac>%s</td><td class=ac>%s</td>",
                        num(o, MSTAT_F_ACT) ? "Y" : "-", num(o, MSTAT_F_BCK) ? "Y" : "-");
        } else {
                td_num(out, o, MSTAT_F_ACT);
                td_num(out, o, MSTAT_F_BCK);
        }
        td_num(out, o, MSTAT_F_CHKFAIL);
        td_num(out, o, MSTAT_F_CHKDOWN);
        fputs("<td>", out);
        if (o->f[MSTAT_F_DOWNTIME].type != MSTAT_T_EMPTY)
                duration(out, num(o, MSTAT_F_DOWNTIME));
        fputs("</td>", out);
        td_num(out, o, MSTAT_F_THROTTLE);
}

static void table_head(FILE *out, bool admin)
{
        fputs("<tr class=titre>", out);
        if (admin)
                fputs("<th rowspan=2 width=1></th>", out);
        fputs("<th rowspan=2></th><th colspan=3>Queue</th><th colspan=3>Session rate</th>"
              "<th colspan=6>Sessions</th><th colspan=2>Bytes</th><th colspan=2>Denied</th>"
              "<th colspan=3>Errors</th><th colspan=2>Warnings</th><th colspan=9>Server</th>"
              "</tr>\n<tr class=titre>",
              out);
        fputs("<th>Cur</th><th>Max</th><th>Limit</th><th>Cur</th><th>Max</th><th>Limit</th>"
              "<th>Cur</th><th>Max</th><th>Limit</th><th>Total</th><th>LbTot</th><th>Last</th>"
              "<th>In</th><th>Out</th><th>Req</th><th>Resp</th><th>Req</th><th>Conn</th>"
              "<th>Resp</th><th>Retr</th><th>Redis</th><th>Status</th><th>LastChk</th>"
              "<th>Wght</th><th>Act</th><th>Bck</th><th>Chk</th><th>Dwn</th><th>Dwntme</th>"
              "<th>Thrtle</th></tr>\n",
              out);
}

/* The objects of one proxy, @o[0 .. @n) */
static void html_proxy(struct page *pg, const struct mstat_obj *o, size_t n)
{
        const struct cfg_proxy *px = o[0].px;
        bool admin = pg->rq->admin && (px->cap & CFG_CAP_BE) && px->n_servers;
        FILE *out = pg->out;

        if (admin) {
                fputs("<form method=\"post\">", out);
        }
        fputs("<table class=tbl width=\"100%\"><tr class=titre><th class=pxname width=\"10%\">"
              "<a name=\"",
              out);
        html_text(out, px->name);
        fputs("\"></a><a class=px href=\"#", out);
        html_text(out, px->name);
        fputs("\">", out);
        html_text(out, px->name);
        fputs("</a></th><th class=empty width=\"90%\"></th></tr>\n</table>\n"
              "<table class=tbl width=\"100%\" id=\"px-",
              out);
        html_text(out, px->name);
        fputs("\">\n", out);
        table_head(out, admin);
        for (size_t i = 0; i < n; i++) {
                const char *cls;
                bool backup = false;

                if (o[i].type == MSTAT_FE)
                        cls = "frontend";
                else if (o[i].type == MSTAT_LI)
                        cls = "socket";
                else if (o[i].type == MSTAT_BE)
                        cls = "backend";
                else {
                        for (size_t k = 0; k < px->n_servers; k++)
                                if (strcmp(px->servers[k].name, o[i].svname) == 0)
                                        backup = px->servers[k].opts.flags & CFG_SRV_BACKUP;
                        cls = server_class(&o[i], backup);
                }
                fprintf(out, "<tr class=\"%s\">", cls);
                if (admin) {
                        fputs("<td class=ac>", out);
                        if (o[i].type == MSTAT_SV) {
                                fputs("<input type=\"checkbox\" name=\"s\" value=\"", out);
                                html_text(out, o[i].svname);
                                fputs("\">", out);
                        }
                        fputs("</td>", out);
                }
                fputs("<td class=ac>", out);
                if (o[i].type == MSTAT_SV) {
                        fputs("<a name=\"", out);
                        html_text(out, px->name);
                        fputc('/', out);
                        html_text(out, o[i].svname);
                        fputs("\"></a><a class=lfsb href=\"#", out);
                        html_text(out, px->name);
                        fputc('/', out);
                        html_text(out, o[i].svname);
                        fputs("\">", out);
                        html_text(out, o[i].svname);
                        fputs("</a>", out);
                        if (pg->s->show_legends && str(&o[i], MSTAT_F_ADDR)[0]) {
                                fputs("<u><div class=tips>", out);
                                html_text(out, str(&o[i], MSTAT_F_ADDR));
                                fputs("</div></u>", out);
                        }
                } else if (o[i].type == MSTAT_LI) {
                        html_text(out, o[i].svname);
                } else {
                        fputs(o[i].type == MSTAT_FE ? "Frontend" : "Backend", out);
                }
                fputs("</td>", out);
                row_cells(pg, &o[i]);
                fputs("</tr>\n", out);
        }
        fputs("</table>\n", out);
        if (admin) {
                fprintf(out,
                        "Choose the action to perform on the checked servers: "
                        "<select name=\"action\">"
                        "<option value=\"\"></option>"
                        "<option value=\"ready\">Set state to READY</option>"
                        "<option value=\"drain\">Set state to DRAIN</option>"
                        "<option value=\"maint\">Set state to MAINT</option>"
                        "<option value=\"hrunn\">Health: force UP</option>"
                        "<option value=\"hnolb\">Health: force NOLB</option>"
                        "<option value=\"hdown\">Health: force DOWN</option>"
                        "<option value=\"shutdown\">Kill Sessions</option>"
                        "</select><input type=\"hidden\" name=\"b\" value=\"#%u\">"
                        "&nbsp;<input type=\"submit\" value=\"Apply\"></form>\n",
                        px->id);
        }
        fputs("<p>\n", out);
}

static void html_head(struct page *pg, const struct stats_sum *proc)
{
        const struct cfg_stats_page *s = pg->s;
        struct master *m = pg->m;
        FILE *out = pg->out;
        uint64_t up = (sl_clock_ms() - m->started_ms) / 1000;
        unsigned cur_w = 0, old_w = 0;
        struct rlimit nofile = {0};
        char node[256] = "";

        mstats_workers(m, &cur_w, &old_w);
        (void)getrlimit(RLIMIT_NOFILE, &nofile);
        if (s->show_node && s->node)
                snprintf(node, sizeof(node), "%s", s->node);
        else if (s->show_node)
                (void)gethostname(node, sizeof(node) - 1);
        fputs("<!DOCTYPE html>\n<html><head><title>Statistics Report for sluice", out);
        if (node[0]) {
                fputs(" on ", out);
                html_text(out, node);
        }
        fputs("</title>\n<meta http-equiv=\"content-type\" content=\"text/html; "
              "charset=iso-8859-1\">\n<style type=\"text/css\">\n",
              out);
        fputs(css, out);
        fputs("</style></head>\n<body><h1>sluice", out);
        if (!s->hide_version)
                fputs(" version " SL_VERSION, out);
        fprintf(out, "</h1>\n<h2>Statistics Report for pid %d", (int)getpid());
        if (node[0]) {
                fputs(" on ", out);
                html_text(out, node);
        }
        fputs("</h2>\n", out);
        if (s->show_desc && s->desc) {
                fputs("<h2>", out);
                html_text(out, s->desc);
                fputs("</h2>\n", out);
        }
        fputs("<hr width=\"100%\" class=hr>\n<h3>&gt; General process information</h3>\n"
              "<table border=0><tr><td align=\"left\" nowrap width=\"1%\">\n<p>",
              out);
        fprintf(out, "<b>pid = </b> %d (master; generation %u, %u worker%s", (int)getpid(),
                m->gen_no, cur_w, cur_w == 1 ? "" : "s");
        if (old_w)
                fprintf(out, ", %u draining", old_w);
        fputs(")<br>\n<b>uptime = </b> ", out);
        fprintf(out, "%" PRIu64 "d %" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s<br>\n", up / 86400,
                up / 3600 % 24, up / 60 % 60, up % 60);
        fprintf(out, "<b>system limits:</b> ulimit-n = %llu<br>\n",
                (unsigned long long)nofile.rlim_cur);
        fprintf(out, "<b>maxconn = </b> %u<br>\n", mstats_maxconn(m));
        fprintf(out,
                "<b>current conns = </b> %" PRId64 "; <b>conn rate = </b> %" PRIu64
                "/sec; <b>reloads = </b> %u<br>\n",
                proc->g[ST_G_CUR] > 0 ? proc->g[ST_G_CUR] : 0, (uint64_t)proc->rate[ST_R_CONN],
                m->reloads);
        fputs("</td><td align=\"center\" nowrap>\n"
              "<table class=lgd><tr>\n"
              "<td class=\"active_up\">&nbsp;</td><td class=\"noborder\">active UP </td>"
              "<td class=\"backup_up\">&nbsp;</td><td class=\"noborder\">backup UP </td>"
              "</tr><tr>\n"
              "<td class=\"active_down\">&nbsp;</td><td class=\"noborder\">active or backup "
              "DOWN </td>"
              "<td class=\"active_no_check\">&nbsp;</td><td class=\"noborder\">not checked "
              "</td></tr><tr>\n"
              "<td class=\"maintain\">&nbsp;</td><td class=\"noborder\" colspan=\"3\">active or "
              "backup DOWN for maintenance (MAINT) &nbsp;</td></tr><tr>\n"
              "<td class=\"active_draining\">&nbsp;</td><td class=\"noborder\" colspan=\"3\">"
              "active or backup SOFT STOPPED for maintenance (DRAIN) &nbsp;</td></tr>\n"
              "</table>\n"
              "Note: \"NOLB\"/\"DRAIN\" = UP with load-balancing disabled.</td>\n"
              "<td align=\"left\" valign=\"top\" nowrap width=\"1%\"><b>Display option:</b><ul "
              "style=\"margin-top: 0.25em;\">\n",
              out);
        /* the links keep the other options */
        fputs("<li><form method=\"GET\">Scope : <input value=\"", out);
        html_text(out, pg->scope);
        fputs("\" type=\"text\" name=\"scope\" size=\"8\" maxlength=\"31\" onkeypress=\"if "
              "(event.key === 'Enter') { event.preventDefault(); window.location.href = '",
              out);
        html_text(out, pg->rq->prefix);
        fputs(";scope=' + encodeURIComponent(this.value); }\"></form>\n", out);
        fprintf(out, "<li><a href=\"");
        html_text(out, pg->rq->prefix);
        fprintf(out, "%s%s\">%s 'DOWN' servers</a>\n", pg->no_down ? "" : ";up",
                pg->no_refresh ? ";norefresh" : "", pg->no_down ? "Show" : "Hide");
        if (s->refresh_ms) {
                fputs("<li><a href=\"", out);
                html_text(out, pg->rq->prefix);
                fprintf(out, "%s%s\">%s refresh</a>\n", pg->no_down ? ";up" : "",
                        pg->no_refresh ? "" : ";norefresh", pg->no_refresh ? "Enable" : "Disable");
        }
        fputs("<li><a href=\"", out);
        html_text(out, pg->rq->prefix);
        fprintf(out, "%s%s\">Refresh now</a>\n", pg->no_down ? ";up" : "",
                pg->no_refresh ? ";norefresh" : "");
        fputs("<li><a href=\"", out);
        html_text(out, pg->rq->prefix);
        fputs(";csv", out);
        if (s->refresh_ms)
                fputs(";norefresh", out);
        fputs("\">CSV export</a>\n<li><a href=\"", out);
        html_text(out, pg->rq->prefix);
        fputs(";json", out);
        if (s->refresh_ms)
                fputs(";norefresh", out);
        fputs("\">JSON export</a>\n</ul></td></tr></table>\n", out);
        if (pg->outcome >= 0) {
                fprintf(out, "<p><div id=\"st_msg\" class=\"%s\">%s</div>\n",
                        outcomes[pg->outcome].cls, outcomes[pg->outcome].text);
        }
        fputs("<p>\n", out);
}

static int render_html(struct page *pg)
{
        struct mstat_filter flt = {.iid = -1,
                                   .types = -1,
                                   .sid = -1,
                                   .legends = pg->s->show_legends,
                                   .px_ok = px_ok,
                                   .px_arg = pg,
                                   .no_down = pg->no_down,
                                   .no_maint = pg->no_maint};
        struct mstat_objs objs;
        struct stats_sum proc = {0};

        if (mstat_collect(pg->m, &flt, &objs) < 0)
                return -ENOMEM;
        mstats_process(pg->m, objs.sums, objs.n_sums, &proc);
        html_head(pg, &proc);
        for (size_t i = 0; i < objs.n;) {
                size_t j = i + 1;

                while (j < objs.n && objs.v[j].px == objs.v[i].px)
                        j++;
                html_proxy(pg, &objs.v[i], j - i);
                i = j;
        }
        fputs("</body></html>\n", pg->out);
        mstat_objs_free(&objs);
        return 0;
}

/* ---- the admin form ---- */

/* Decode @len bytes of a form value in place (%XX and '+'); its new length. */
static size_t form_decode(char *s, size_t len)
{
        size_t o = 0;

        for (size_t i = 0; i < len; i++) {
                if (s[i] == '+') {
                        s[o++] = ' ';
                } else if (s[i] == '%' && i + 2 < len) {
                        char hex[3] = {s[i + 1], s[i + 2], 0}, *end;
                        long v = strtol(hex, &end, 16);

                        if (*end || v <= 0) {
                                s[o++] = s[i];
                                continue;
                        }
                        s[o++] = (char)v;
                        i += 2;
                } else {
                        s[o++] = s[i];
                }
        }
        s[o] = '\0';
        return o;
}

static const struct {
        const char *form, *action;
} actions[] = {
        {"ready", "ready"},           {"drain", "drain"},       {"maint", "maint"},
        {"enable", "ready"},          {"disable", "maint"},     {"hrunn", "health-up"},
        {"hnolb", "health-stopping"}, {"hdown", "health-down"}, {"shutdown", "shutdown"},
};

/* Apply a POSTed form; the code of its outcome for ";st=" */
static const char *admin_post(struct page *pg)
{
        const struct mpage_req *rq = pg->rq;
        char *form, *save = NULL, *b = NULL, *act = NULL, **servers;
        const struct cfg_proxy *be = NULL;
        const char *action = NULL, *code;
        char who[256];
        struct mcmd_peer peer = {.pid = -1, .uid = -1};
        size_t n_servers = 0, max_servers = 1;
        unsigned done = 0;

        if (!rq->admin)
                return "DENY";
        if (rq->excessive)
                return "EXCD";
        form = strndup(rq->body ? rq->body : "", rq->body_len);
        for (size_t i = 0; i < rq->body_len; i++)
                max_servers += rq->body[i] == '&';
        servers = calloc(max_servers, sizeof(*servers));
        if (!form || !servers) {
                free(form);
                free(servers);
                return "UNKN";
        }
        /* the pairs in any order: the backend, the action, the servers */
        for (char *kv = strtok_r(form, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
                char *eq = strchr(kv, '=');

                if (!eq)
                        continue;
                *eq = '\0';
                form_decode(eq + 1, strlen(eq + 1));
                if (strcmp(kv, "b") == 0)
                        b = eq + 1;
                else if (strcmp(kv, "action") == 0)
                        act = eq + 1;
                else if (strcmp(kv, "s") == 0 && n_servers < max_servers)
                        servers[n_servers++] = eq + 1;
        }
        for (size_t i = 0; b && i < pg->m->gen->n_proxies && !be; i++) {
                const struct cfg_proxy *px = pg->m->gen->proxies[i];

                if (!(px->cap & CFG_CAP_BE))
                        continue;
                if (b[0] == '#' ? strtoul(b + 1, NULL, 10) == px->id : strcmp(b, px->name) == 0)
                        be = px;
        }
        for (size_t i = 0; act && i < SL_ARRAY_SIZE(actions); i++)
                if (strcmp(act, actions[i].form) == 0)
                        action = actions[i].action;
        if (!be || !action) {
                code = "ERRP";
        } else {
                snprintf(who, sizeof(who), "client %s", rq->client ? rq->client : "?");
                peer.who = who;
                for (size_t i = 0; i < n_servers; i++)
                        if (mcmd_server_action(pg->m, be, servers[i], action, &peer))
                                done++;
                code = done == 0 ? "NONE" : done < n_servers ? "PART" : "DONE";
        }
        free(servers);
        free(form);
        return code;
}

int mpage_render(struct master *m, const struct mpage_req *rq, FILE *out, struct mpage_answer *ans)
{
        struct page pg = {.m = m, .rq = rq, .out = out};
        ans->status = 200;
        ans->ctype = "text/html";
        ans->extra[0] = '\0';
        for (size_t i = 0; m->gen && i < m->gen->n_proxies && !pg.px; i++)
                if (strcmp(m->gen->proxies[i]->name, rq->px) == 0)
                        pg.px = m->gen->proxies[i];
        /* a worker of an older generation asks for a page the configuration has no more */
        if (!pg.px || !pg.px->stats)
                return -ENOENT;
        pg.s = pg.px->stats;
        parse_options(&pg, rq->tail);
        if (strcmp(rq->method, "POST") == 0) {
                /* the outcome is a page of its own: Post/Redirect/Get */
                const char *code = admin_post(&pg);
                int n = snprintf(ans->extra, sizeof(ans->extra), "Location: %s;st=%s%s%s",
                                 rq->prefix, code, pg.no_down ? ";up" : "",
                                 pg.no_refresh ? ";norefresh" : "");

                if (n < 0 || (size_t)n >= sizeof(ans->extra))
                        snprintf(ans->extra, sizeof(ans->extra), "Location: /");
                ans->status = 303;
                ans->ctype = "text/plain";
                return 0;
        }
        switch (pg.fmt) {
        case PAGE_CSV:
        case PAGE_TYPED:
        case PAGE_JSON: {
                struct mstat_filter flt = {.iid = -1,
                                           .types = -1,
                                           .sid = -1,
                                           .legends = pg.s->show_legends,
                                           .px_ok = px_ok,
                                           .px_arg = &pg,
                                           .no_down = pg.no_down,
                                           .no_maint = pg.no_maint};
                struct mstat_cursor cur = {0};

                ans->ctype = pg.fmt == PAGE_JSON ? "application/json" : "text/plain";
                /* the whole answer in one piece: the worker maps it from a memfd */
                return mstat_show_stat(m, &flt,
                                       pg.fmt == PAGE_JSON  ? MSTAT_JSON
                                       : pg.fmt == PAGE_CSV ? MSTAT_CSV
                                                            : MSTAT_TYPED,
                                       &cur, LONG_MAX, out);
        }
        case PAGE_HTML:
                break;
        }
        if (pg.s->refresh_ms && !pg.no_refresh)
                snprintf(ans->extra, sizeof(ans->extra), "Refresh: %" PRIu32,
                         pg.s->refresh_ms / 1000);
        return render_html(&pg);
}
