/* The sample expression compiler: "fetch(args),conv(args),..." into config/sample_expr.h's form,
 * for ACLs, formats (%[...]), tracking keys and every rule taking a sample. Arguments are
 * split and unquoted as HAProxy's make_arg_list() does, typed by the letters of the tables
 * in sample_expr.c, then checked; names of tables (and other objects defined anywhere in the
 * file) are resolved at the end of load by cfg__sample_finish(). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "kw_sample_arg.h"
#include "macros.h"
#include "parse-int.h"
#include "stkt_types.h"

/* HAProxy sample fetches sluice does not implement yet (refused as such, not as typos). */
static const char *const fetches_known[] = {
        "base",
        "base32",
        "base32+src",
        "baseq",
        "be_conn",
        "be_id",
        "be_name",
        "be_sess_rate",
        "bin",
        "bool",
        "capture.req.hdr",
        "capture.req.method",
        "capture.req.uri",
        "cook",
        "cook_cnt",
        "cook_val",
        "cookie",
        "connslots",
        "dst_conn",
        "dst_is_local",
        "env",
        "fe_conn",
        "fe_id",
        "fe_name",
        "hdrs",
        "http_first_req",
        "int",
        "ipv4",
        "ipv6",
        "lat_ns_avg",
        "map",
        "meth",
        "nbsrv",
        "pathq",
        "payload_lv",
        "proc",
        "queue",
        "rand",
        "rdp_cookie",
        "req.body",
        "req.body_len",
        "req.body_param",
        "req.body_size",
        "req.cook",
        "req.cook_cnt",
        "req.cook_val",
        "req.hdrs",
        "req.hdr_names",
        "req.rdp_cookie",
        "req.ssl_ec_ext",
        "req.ssl_st_ext",
        "req.ssl_ver",
        "req.ver",
        "req_ssl_ver",
        "res.comp",
        "res.cook",
        "res.hdrs",
        "res.len",
        "res.payload",
        "res.ver",
        "shdr",
        "shdr_cnt",
        "shdr_val",
        "src_is_local",
        "srv_conn",
        "srv_id",
        "srv_is_up",
        "srv_name",
        "ssl_fc_npn",
        "stopping",
        "str",
        "table_cnt",
        "url_ip",
        "url_param",
        "url_port",
        "urlp",
        "urlp_val",
        "var",
        "date",
        "hostname",
        "nbproc",
        "thread",
        "uuid",
};

/* HAProxy converters sluice does not implement yet. */
static const char *const convs_known[] = {
        "add",
        "aes_gcm_dec",
        "and",
        "b64dec",
        "base64",
        "be2dec",
        "be2hex",
        "bool",
        "bytes",
        "capture-req",
        "capture-res",
        "concat",
        "cpl",
        "crc32",
        "crc32c",
        "cut_crlf",
        "da-csv-conv",
        "debug",
        "digest",
        "div",
        "djb2",
        "even",
        "field",
        "fix_is_valid",
        "fix_tag_value",
        "hex",
        "hex2i",
        "hmac",
        "http_date",
        "in_table",
        "ipmask",
        "json",
        "json_query",
        "language",
        "length",
        "lower",
        "ltime",
        "ltrim",
        "map",
        "map_beg",
        "map_dir",
        "map_dom",
        "map_end",
        "map_int",
        "map_ip",
        "map_reg",
        "map_regm",
        "map_str",
        "map_sub",
        "mod",
        "mqtt_field_value",
        "mqtt_is_valid",
        "mul",
        "nbsrv",
        "neg",
        "not",
        "odd",
        "or",
        "protobuf",
        "regsub",
        "rtrim",
        "sdbm",
        "secure_memcmp",
        "set-var",
        "sha1",
        "sha2",
        "srv_queue",
        "strcmp",
        "sub",
        "ungrpc",
        "unset-var",
        "upper",
        "url_dec",
        "url_enc",
        "utime",
        "word",
        "wt6",
        "xor",
        "xxh3",
        "xxh32",
        "xxh64",
};

/* HAProxy's is_idchar(): what a fetch or converter name is made of. */
static bool is_idchar(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-' || c == '+' || c == '$';
}

/* Stick-table counter fetches: sc_<what>(N[,table]), sc<N>_<what>[(table)],
 * src_<what>[(table)], and <what> "tracked" for the sc forms. Returns 1 with @smp filled and
 * *pos past the fetch, 0 when @name does not name one, or -1 after reporting an error. */
static int fetch_stk(struct smp_parse *sp, const char *name, size_t *pos, struct cfg_sample *smp)
{
        struct cfg_parser *p = sp->p;
        size_t name_len = strlen(name), what_at;
        struct sl_str raw[2];
        bool src = false, sc_arg = false;
        int n = 0;

        if (name_len > 4 && memcmp(name, "src_", 4) == 0) {
                src = true;
                what_at = 4;
        } else if (name_len > 3 && memcmp(name, "sc_", 3) == 0) {
                sc_arg = true;
                what_at = 3;
        } else if (name_len > 4 && name[0] == 's' && name[1] == 'c' && name[2] >= '0' &&
                   name[2] <= '2' && name[3] == '_') {
                smp->sc = (unsigned)(name[2] - '0');
                what_at = 4;
        } else {
                return 0;
        }
        if (!src && strcmp(name + what_at, "tracked") == 0) {
                smp->fetch = CFG_FETCH_SC_TRACKED;
        } else if (cfg_stk_what_parse(name + what_at, name_len - what_at, &smp->stk_dt,
                                      &smp->stk_op)) {
                smp->fetch = src ? CFG_FETCH_SRC_TBL : CFG_FETCH_SC;
        } else {
                return 0;
        }
        if (*pos < sp->s.len && sp->s.ptr[*pos] == '(') {
                n = cfg__smp_args_split(sp, name, pos, raw, 2);
                if (n < 0)
                        return -1;
        }
        if (sc_arg) {
                if (n < 1 || raw[0].len != 1 || raw[0].ptr[0] < '0' || raw[0].ptr[0] > '2') {
                        cfg__smp_err(sp, "'%s' needs the counter number: '%s(<0..2>[,<table>])'",
                                     name, name);
                        return -1;
                }
                smp->sc = (unsigned)(raw[0].ptr[0] - '0');
                raw[0] = raw[1];
                n--;
        }
        if (n > 1 || (n == 1 && raw[0].len == 0)) {
                cfg__smp_err(sp, "'%s' takes one argument, a table name", name);
                return -1;
        }
        if (n == 1) {
                smp->table_name = raw[0].ptr;
        } else if (src) {
                /* HAProxy: without a table, the rule's own proxy's */
                if (p->sec == CFG_SEC_DEFAULTS) {
                        cfg__smp_err(sp, "'%s' needs a table name in a defaults section", name);
                        return -1;
                }
                smp->table = p->px;
        }
        return 1;
}

static void fetch_unknown(struct smp_parse *sp, const char *name)
{
        const char *hint = NULL;

        for (size_t k = 0; k < SL_ARRAY_SIZE(fetches_known); k++) {
                if (strcmp(fetches_known[k], name) == 0) {
                        cfg__smp_err(sp,
                                     "sample fetch '%s' is a HAProxy keyword that sluice does not "
                                     "support yet",
                                     name);
                        return;
                }
        }
        for (size_t k = 0; cfg_fetch_kw_at(k) && !hint; k++)
                if (cfg_is_close(name, cfg_fetch_kw_at(k)->name))
                        hint = cfg_fetch_kw_at(k)->name;
        if (hint)
                cfg__smp_err(sp, "unknown sample fetch '%s'; did you mean '%s'?", name, hint);
        else
                cfg__smp_err(sp, "unknown sample fetch '%s'", name);
}

/* The fetch at the start of the expression; *pos moves past it. */
static bool fetch_parse(struct smp_parse *sp, size_t *pos, struct cfg_sample *smp, int *ret_implied)
{
        const struct cfg_fetch_kw *fk;
        struct sl_str raw[SMP_MAX_ARGS];
        size_t i = 0;
        char name[64];
        int n = 0, r;

        while (i < sp->s.len && is_idchar(sp->s.ptr[i]))
                i++;
        sl_str_copy(name, sizeof(name), sl_str_make(sp->s.ptr, i));
        *ret_implied = -1;
        if (i == 0) {
                cfg__smp_err(sp, "missing sample fetch name");
                return false;
        }
        fk = cfg_fetch_kw_find(sp->s.ptr, i);
        if (!fk) {
                r = fetch_stk(sp, name, &i, smp);
                if (r == 0)
                        fetch_unknown(sp, name);
                *pos = i;
                return r > 0;
        }
        smp->fetch = fk->fetch;
        smp->dir = fk->dir;
        if (i < sp->s.len && sp->s.ptr[i] == '(') {
                n = cfg__smp_args_split(sp, name, &i, raw, SMP_MAX_ARGS);
                if (n < 0)
                        return false;
        }
        if (n == 0 && fk->args[0] == 'S' &&
            (fk->fetch == CFG_FETCH_HDR || fk->fetch == CFG_FETCH_HDR_VAL ||
             fk->fetch == CFG_FETCH_HDR_IP || fk->fetch == CFG_FETCH_FHDR)) {
                /* hdr without a name: every header, as HAProxy; sluice needs the name. */
                cfg__smp_err(sp, "'%s' needs a header name: '%s(<name>)'", name, name);
                return false;
        }
        if (!cfg__smp_args_type(sp, name, fk->args, raw, (unsigned)n, &smp->args, &smp->n_args) ||
            !cfg__smp_fetch_check(sp, name, smp))
                return false;
        *ret_implied = fk->implied;
        *pos = i;
        return true;
}

/* table_<what>(<table>): look the sample up in a table. */
static bool conv_table(struct smp_parse *sp, const char *cname, struct cfg_conv_call *c)
{
        const char *what = cname + 6;
        size_t len = strlen(what);

        if (strcmp(what, "gpc0") == 0 || strcmp(what, "gpc1") == 0 || strcmp(what, "gpt0") == 0 ||
            strcmp(what, "server_id") == 0) {
                c->stk_dt = what[0] == 's'   ? STKT_DT_SERVER_ID
                            : what[2] == 't' ? STKT_DT_GPT0
                            : what[3] == '0' ? STKT_DT_GPC0
                                             : STKT_DT_GPC1;
                c->stk_op = CFG_STK_GET;
                return true;
        }
        if (!cfg_stk_what_parse(what, len, &c->stk_dt, &c->stk_op) || c->stk_op == CFG_STK_INC ||
            c->stk_op == CFG_STK_CLR || c->stk_dt == STKT_DT_GPC0 || c->stk_dt == STKT_DT_GPC1 ||
            c->stk_dt == STKT_DT_GPT0) {
                if (strcmp(what, "trackers") == 0 || strcmp(what, "expire") == 0 ||
                    strcmp(what, "idle") == 0)
                        cfg__smp_err(sp,
                                     "converter '%s' is a HAProxy keyword that sluice does not "
                                     "support yet",
                                     cname);
                else
                        cfg__smp_err(sp, "unknown converter '%s'", cname);
                return false;
        }
        return true;
}

static void conv_unknown(struct smp_parse *sp, const char *cname)
{
        for (size_t k = 0; k < SL_ARRAY_SIZE(convs_known); k++) {
                if (strcmp(convs_known[k], cname) == 0) {
                        cfg__smp_err(sp,
                                     "converter '%s' is a HAProxy keyword that sluice does not "
                                     "support yet",
                                     cname);
                        return;
                }
        }
        for (unsigned k = 0; k < CFG_CONV_COUNT; k++) {
                if (k != CFG_CONV_TABLE && cfg_is_close(cname, cfg_conv_name((enum cfg_conv)k))) {
                        cfg__smp_err(sp, "unknown converter '%s'; did you mean '%s'?", cname,
                                     cfg_conv_name((enum cfg_conv)k));
                        return;
                }
        }
        cfg__smp_err(sp, "unknown converter '%s'", cname);
}

static const char *article(const char *noun)
{
        return strchr("aeiou", noun[0]) ? "an" : "a";
}

/* One converter at s[*pos] (after its ','); *pos moves past it. */
static bool conv_parse(struct smp_parse *sp, size_t *pos, struct cfg_sample *smp,
                       enum cfg_smp_type *type)
{
        struct sl_str raw[SMP_MAX_ARGS];
        const struct cfg_conv_kw *ck;
        struct cfg_conv_call *c;
        size_t i = *pos, start = i;
        char cname[64];
        int n = 0;

        while (i < sp->s.len && is_idchar(sp->s.ptr[i]))
                i++;
        sl_str_copy(cname, sizeof(cname), sl_str_make(sp->s.ptr + start, i - start));
        if (i == start) {
                cfg__smp_err(sp, "missing converter name after ','");
                return false;
        }
        c = &smp->convs[smp->n_convs];
        ck = cfg_conv_kw_find(cname, strlen(cname), &c->conv);
        if (!ck && strncmp(cname, "table_", 6) == 0) {
                c->conv = CFG_CONV_TABLE;
                if (!conv_table(sp, cname, c))
                        return false;
                ck = cfg_conv_kw(CFG_CONV_TABLE);
        } else if (!ck && strncmp(cname, "map_", 4) == 0) {
                c->conv = CFG_CONV_MAP;
                ck = cfg_conv_kw(CFG_CONV_MAP);
        } else if (!ck) {
                conv_unknown(sp, cname);
                return false;
        }
        c->in = ck->in;
        c->out = ck->out;
        if (i < sp->s.len && sp->s.ptr[i] == '(') {
                n = cfg__smp_args_split(sp, cname, &i, raw, SMP_MAX_ARGS);
                if (n < 0)
                        return false;
        }
        if (c->conv == CFG_CONV_TABLE && n == 0) {
                cfg__smp_err(sp, "converter '%s' needs a table: '%s(<table>)'", cname, cname);
                return false;
        }
        if (!cfg__smp_args_type(sp, cname, ck->args, raw, (unsigned)n, &c->args, &c->n_args) ||
            !cfg__smp_conv_check(sp, cname, c) ||
            (c->conv == CFG_CONV_MAP && !cfg__map_conv(sp, cname, c)))
                return false;
        if (!cfg_smp_can_cast(*type, c->in)) {
                cfg__smp_err(sp, "converter '%s' takes %s %s, and gets %s %s", cname,
                             article(cfg_smp_type_name(c->in)), cfg_smp_type_name(c->in),
                             article(cfg_smp_type_name(*type)), cfg_smp_type_name(*type));
                return false;
        }
        *type = c->out;
        smp->n_convs++;
        *pos = i;
        return true;
}

/* How much of @s to show in messages when the expression is followed by other text: up to
 * the first ']' outside quotes and parentheses. */
static size_t shown_len(struct sl_str s)
{
        unsigned depth = 0;
        char q = 0;

        for (size_t i = 0; i < s.len; i++) {
                char c = s.ptr[i];

                if (q) {
                        q = c == q ? 0 : q;
                } else if (c == '"' || c == '\'') {
                        q = c;
                } else if (c == '(') {
                        depth++;
                } else if (c == ')' && depth) {
                        depth--;
                } else if (c == ']' && !depth) {
                        return i;
                }
        }
        return s.len;
}

/* Parse the expression at the start of @s; *ret_len is where it ends: @s's end, or the
 * first byte that cannot continue it (a format's ']'). */
static bool sample_parse(struct cfg_parser *p, unsigned w, struct sl_str s, bool whole,
                         struct cfg_sample *ret, int *ret_implied, size_t *ret_len)
{
        struct smp_parse sp = {.p = p, .w = w, .s = s};
        struct cfg_sample smp = {0};
        enum cfg_smp_type type;
        size_t i = 0, n_commas = 0;

        sl_str_copy(sp.expr, sizeof(sp.expr), whole ? s : sl_str_make(s.ptr, shown_len(s)));
        if (!fetch_parse(&sp, &i, &smp, ret_implied))
                return false;
        type = cfg_fetch_type(smp.fetch);
        for (size_t k = i; k < s.len; k++)
                n_commas += s.ptr[k] == ',';
        if (n_commas) {
                /* an upper bound: commas inside arguments are counted too */
                smp.convs = cfg_arena_alloc(&p->gen->arena, n_commas * sizeof(*smp.convs));
                if (!smp.convs) {
                        cfg__oom(p);
                        return false;
                }
        }
        while (i < s.len && s.ptr[i] == ',') {
                i++;
                if (!conv_parse(&sp, &i, &smp, &type))
                        return false;
        }
        if (whole && i < s.len) {
                cfg__smp_err(&sp, "unexpected '%c' after '%.*s': converters follow a ','", s.ptr[i],
                             (int)i, s.ptr);
                return false;
        }
        smp.type = type;
        smp.at = cfg_fetch_at(smp.fetch);
        /* res.hdr, res.cook, ...: only where a response is (HAProxy refuses them earlier) */
        if (smp.dir == CFG_DIR_RES)
                smp.at &= CFG_FETCH_AT_RES;
        smp.src = cfg_arena_strndup(&p->gen->arena, s.ptr, i);
        if (!smp.src) {
                cfg__oom(p);
                return false;
        }
        *ret = smp;
        *ret_len = i;
        return true;
}

bool cfg__sample_parse(struct cfg_parser *p, unsigned w, struct sl_str s, struct cfg_sample *ret,
                       int *ret_implied)
{
        size_t len;

        return sample_parse(p, w, s, true, ret, ret_implied, &len);
}

bool cfg__sample_parse_prefix(struct cfg_parser *p, unsigned w, struct sl_str s,
                              struct cfg_sample *ret, int *ret_implied, size_t *ret_len)
{
        return sample_parse(p, w, s, false, ret, ret_implied, ret_len);
}

/* ---- end of load ---- */

/* @name as a table: its proxy, or NULL after reporting at @where. */
static const struct cfg_proxy *table_ref(struct cfg_parser *p, const struct cfg_proxy *px,
                                         const char *name, const struct cfg_where *where)
{
        const struct cfg_proxy *t = cfg__find_table(p->gen, name);

        if (!t)
                cfg_diag_add(p->diags, CFG_SEV_ERROR, where->file, where->line, 0,
                             "%s '%s': no stick-table named '%s'", cfg__proxy_kind(px), px->name,
                             name);
        return t;
}

static void table_warn_store(struct cfg_parser *p, const struct cfg_proxy *t, unsigned dt,
                             const struct cfg_where *where)
{
        if (t && !(t->table->store & STKT_F(dt)))
                cfg_diag_add(p->diags, CFG_SEV_WARNING, where->file, where->line, 0,
                             "stick-table '%s' does not store '%s': this fetch never has a "
                             "value",
                             t->name, stkt_dt_name((enum stkt_data_type)dt));
}

/* Resolve the name an argument holds: a table, a backend, a server. */
static void arg_finish(struct cfg_parser *p, const struct cfg_proxy *px, struct cfg_arg *a,
                       const struct cfg_where *where)
{
        const struct cfg_proxy *be = px;
        const char *name = a->str.ptr, *slash;

        switch (a->type) {
        case CFG_ARG_TABLE:
                a->ref = table_ref(p, px, name, where);
                return;
        case CFG_ARG_BACKEND:
                if (!a->str.len)
                        return;
                a->ref = cfg_gen_find_proxy(p->gen, name, CFG_CAP_BE);
                if (!a->ref)
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, where->file, where->line, 0,
                                     "%s '%s': no backend named '%s'", cfg__proxy_kind(px),
                                     px->name, name);
                return;
        case CFG_ARG_USERLIST:
                a->ref = cfg_gen_find_userlist(p->gen, name);
                if (!a->ref)
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, where->file, where->line, 0,
                                     "%s '%s': no userlist named '%s'", cfg__proxy_kind(px),
                                     px->name, name);
                return;
        case CFG_ARG_SERVER:
                slash = strchr(name, '/');
                if (slash) {
                        char bname[256];

                        snprintf(bname, sizeof(bname), "%.*s", (int)(slash - name), name);
                        be = cfg_gen_find_proxy(p->gen, bname, CFG_CAP_BE);
                        name = slash + 1;
                        if (!be) {
                                cfg_diag_add(p->diags, CFG_SEV_ERROR, where->file, where->line, 0,
                                             "%s '%s': no backend named '%s'", cfg__proxy_kind(px),
                                             px->name, bname);
                                return;
                        }
                }
                for (size_t i = 0; i < be->n_servers; i++) {
                        if (strcmp(be->servers[i].name, name) == 0) {
                                a->ref = be;
                                a->i = (int64_t)i;
                                return;
                        }
                }
                cfg_diag_add(p->diags, CFG_SEV_ERROR, where->file, where->line, 0,
                             "%s '%s': no server named '%s' in '%s'", cfg__proxy_kind(px), px->name,
                             name, be->name);
                return;
        default:
                return;
        }
}

void cfg__sample_finish(struct cfg_parser *p, const struct cfg_proxy *px, struct cfg_sample *smp,
                        const struct cfg_where *where)
{
        if (smp->table_name) {
                smp->table = table_ref(p, px, smp->table_name, where);
        } else if (smp->fetch == CFG_FETCH_SRC_TBL) {
                /* without a table, the rule's own proxy's (HAProxy) */
                smp->table = px->table ? px : NULL;
                if (!smp->table)
                        cfg_diag_add(p->diags, CFG_SEV_ERROR, where->file, where->line, 0,
                                     "%s '%s' has no stick-table: name one with 'table <name>'",
                                     cfg__proxy_kind(px), px->name);
        }
        if (smp->table && smp->fetch != CFG_FETCH_SC_TRACKED)
                table_warn_store(p, smp->table, smp->stk_dt, where);
        for (unsigned k = 0; k < smp->n_args; k++)
                arg_finish(p, px, &smp->args[k], where);
        for (unsigned i = 0; i < smp->n_convs; i++) {
                struct cfg_conv_call *c = &smp->convs[i];

                for (unsigned k = 0; k < c->n_args; k++)
                        arg_finish(p, px, &c->args[k], where);
                if (c->conv == CFG_CONV_TABLE && c->args[0].ref)
                        table_warn_store(p, c->args[0].ref, c->stk_dt, where);
        }
}
