/* The tables of sample fetches and converters: their names, arguments and types. The
 * compiler (kw_sample.c) looks names up here; the dumper and the workers' messages name
 * fetches and converters from here. Pure data and lookups. */
#include "sample_expr.h"

#include <string.h>

#include "macros.h"
#include "stkt_types.h"

/* clang-format off */
static const struct cfg_fetch_info fetch_info[CFG_FETCH_COUNT] = {
        [CFG_FETCH_SRC]          = {"src",          CFG_SMP_IP,   CFG_AT_ANY},
        [CFG_FETCH_SRC_PORT]     = {"src_port",     CFG_SMP_INT,  CFG_AT_ANY},
        [CFG_FETCH_DST]          = {"dst",          CFG_SMP_IP,   CFG_AT_ANY},
        [CFG_FETCH_DST_PORT]     = {"dst_port",     CFG_SMP_INT,  CFG_AT_ANY},
        [CFG_FETCH_SSL_FC]       = {"ssl_fc",       CFG_SMP_BOOL, CFG_AT_ANY},
        [CFG_FETCH_ALWAYS_TRUE]  = {"always_true",  CFG_SMP_BOOL, CFG_AT_ANY},
        [CFG_FETCH_ALWAYS_FALSE] = {"always_false", CFG_SMP_BOOL, CFG_AT_ANY},
        [CFG_FETCH_METHOD]       = {"method",       CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_PATH]         = {"path",         CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_QUERY]        = {"query",        CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_URL]          = {"url",          CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_HDR]          = {"hdr",          CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_HDR_CNT]      = {"hdr_cnt",      CFG_SMP_INT,  CFG_AT_HTTP},
        [CFG_FETCH_HDR_VAL]      = {"hdr_val",      CFG_SMP_INT,  CFG_AT_HTTP},
        [CFG_FETCH_HDR_IP]       = {"hdr_ip",       CFG_SMP_IP,   CFG_AT_HTTP},
        [CFG_FETCH_FHDR]         = {"fhdr",         CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_STATUS]       = {"status",       CFG_SMP_INT,  CFG_FETCH_AT_RES},
        [CFG_FETCH_SC]           = {"sc",           CFG_SMP_INT,  CFG_AT_ANY},
        [CFG_FETCH_SC_TRACKED]   = {"sc_tracked",   CFG_SMP_BOOL, CFG_AT_ANY},
        [CFG_FETCH_SRC_TBL]      = {"src_",         CFG_SMP_INT,  CFG_AT_ANY},
};

/* Names sluice accepts, with HAProxy's ACL derivatives (path_beg = path -m beg). */
static const struct cfg_fetch_kw fetch_kws[] = {
        {"src",          CFG_FETCH_SRC,          CFG_DIR_CTX, -1, ""},
        {"src_port",     CFG_FETCH_SRC_PORT,     CFG_DIR_CTX, -1, ""},
        {"dst",          CFG_FETCH_DST,          CFG_DIR_CTX, -1, ""},
        {"dst_port",     CFG_FETCH_DST_PORT,     CFG_DIR_CTX, -1, ""},
        {"ssl_fc",       CFG_FETCH_SSL_FC,       CFG_DIR_CTX, -1, ""},
        {"always_true",  CFG_FETCH_ALWAYS_TRUE,  CFG_DIR_CTX, -1, ""},
        {"always_false", CFG_FETCH_ALWAYS_FALSE, CFG_DIR_CTX, -1, ""},
        {"method",       CFG_FETCH_METHOD,       CFG_DIR_CTX, -1, ""},
        {"path",         CFG_FETCH_PATH,         CFG_DIR_CTX, -1, ""},
        {"path_beg",     CFG_FETCH_PATH,         CFG_DIR_CTX, CFG_MATCH_BEG, ""},
        {"path_end",     CFG_FETCH_PATH,         CFG_DIR_CTX, CFG_MATCH_END, ""},
        {"path_sub",     CFG_FETCH_PATH,         CFG_DIR_CTX, CFG_MATCH_SUB, ""},
        {"path_reg",     CFG_FETCH_PATH,         CFG_DIR_CTX, CFG_MATCH_REG, ""},
        {"path_dir",     CFG_FETCH_PATH,         CFG_DIR_CTX, CFG_MATCH_DIR, ""},
        {"path_dom",     CFG_FETCH_PATH,         CFG_DIR_CTX, CFG_MATCH_DOM, ""},
        {"path_len",     CFG_FETCH_PATH,         CFG_DIR_CTX, CFG_MATCH_LEN, ""},
        {"query",        CFG_FETCH_QUERY,        CFG_DIR_CTX, -1, ""},
        {"url",          CFG_FETCH_URL,          CFG_DIR_CTX, -1, ""},
        {"url_beg",      CFG_FETCH_URL,          CFG_DIR_CTX, CFG_MATCH_BEG, ""},
        {"url_end",      CFG_FETCH_URL,          CFG_DIR_CTX, CFG_MATCH_END, ""},
        {"url_sub",      CFG_FETCH_URL,          CFG_DIR_CTX, CFG_MATCH_SUB, ""},
        {"url_reg",      CFG_FETCH_URL,          CFG_DIR_CTX, CFG_MATCH_REG, ""},
        {"url_dir",      CFG_FETCH_URL,          CFG_DIR_CTX, CFG_MATCH_DIR, ""},
        {"url_dom",      CFG_FETCH_URL,          CFG_DIR_CTX, CFG_MATCH_DOM, ""},
        {"url_len",      CFG_FETCH_URL,          CFG_DIR_CTX, CFG_MATCH_LEN, ""},
        {"hdr",          CFG_FETCH_HDR,          CFG_DIR_CTX, -1, "Si"},
        {"hdr_beg",      CFG_FETCH_HDR,          CFG_DIR_CTX, CFG_MATCH_BEG, "Si"},
        {"hdr_end",      CFG_FETCH_HDR,          CFG_DIR_CTX, CFG_MATCH_END, "Si"},
        {"hdr_sub",      CFG_FETCH_HDR,          CFG_DIR_CTX, CFG_MATCH_SUB, "Si"},
        {"hdr_reg",      CFG_FETCH_HDR,          CFG_DIR_CTX, CFG_MATCH_REG, "Si"},
        {"hdr_dir",      CFG_FETCH_HDR,          CFG_DIR_CTX, CFG_MATCH_DIR, "Si"},
        {"hdr_dom",      CFG_FETCH_HDR,          CFG_DIR_CTX, CFG_MATCH_DOM, "Si"},
        {"hdr_len",      CFG_FETCH_HDR,          CFG_DIR_CTX, CFG_MATCH_LEN, "Si"},
        {"hdr_cnt",      CFG_FETCH_HDR_CNT,      CFG_DIR_CTX, -1, "S"},
        {"hdr_val",      CFG_FETCH_HDR_VAL,      CFG_DIR_CTX, -1, "Si"},
        {"hdr_ip",       CFG_FETCH_HDR_IP,       CFG_DIR_CTX, -1, "Si"},
        {"req.hdr",      CFG_FETCH_HDR,          CFG_DIR_REQ, -1, "Si"},
        {"req.hdr_cnt",  CFG_FETCH_HDR_CNT,      CFG_DIR_REQ, -1, "S"},
        {"req.hdr_val",  CFG_FETCH_HDR_VAL,      CFG_DIR_REQ, -1, "Si"},
        {"req.hdr_ip",   CFG_FETCH_HDR_IP,       CFG_DIR_REQ, -1, "Si"},
        {"req.fhdr",     CFG_FETCH_FHDR,         CFG_DIR_REQ, -1, "Si"},
        {"res.hdr",      CFG_FETCH_HDR,          CFG_DIR_RES, -1, "Si"},
        {"res.hdr_cnt",  CFG_FETCH_HDR_CNT,      CFG_DIR_RES, -1, "S"},
        {"res.hdr_val",  CFG_FETCH_HDR_VAL,      CFG_DIR_RES, -1, "Si"},
        {"res.hdr_ip",   CFG_FETCH_HDR_IP,       CFG_DIR_RES, -1, "Si"},
        {"res.fhdr",     CFG_FETCH_FHDR,         CFG_DIR_RES, -1, "Si"},
        {"status",       CFG_FETCH_STATUS,       CFG_DIR_CTX, -1, ""},
};

static const struct cfg_conv_kw conv_kws[CFG_CONV_COUNT] = {
        [CFG_CONV_LOWER] = {"lower", CFG_SMP_STR, CFG_SMP_STR, ""},
        [CFG_CONV_UPPER] = {"upper", CFG_SMP_STR, CFG_SMP_STR, ""},
        [CFG_CONV_TABLE] = {"table_", CFG_SMP_ANY, CFG_SMP_INT, "T"},
};
/* clang-format on */

const struct cfg_fetch_info *cfg_fetch_info(enum cfg_fetch f)
{
        return (unsigned)f < CFG_FETCH_COUNT ? &fetch_info[f] : NULL;
}

enum cfg_smp_type cfg_fetch_type(enum cfg_fetch f)
{
        return (unsigned)f < CFG_FETCH_COUNT ? fetch_info[f].type : CFG_SMP_STR;
}

const char *cfg_fetch_name(enum cfg_fetch f)
{
        return (unsigned)f < CFG_FETCH_COUNT ? fetch_info[f].name : "?";
}

unsigned cfg_fetch_at(enum cfg_fetch f)
{
        return (unsigned)f < CFG_FETCH_COUNT ? fetch_info[f].at : 0;
}

const struct cfg_fetch_kw *cfg_fetch_kw_find(const char *name, size_t len)
{
        for (size_t i = 0; i < SL_ARRAY_SIZE(fetch_kws); i++)
                if (strlen(fetch_kws[i].name) == len && memcmp(fetch_kws[i].name, name, len) == 0)
                        return &fetch_kws[i];
        return NULL;
}

const struct cfg_fetch_kw *cfg_fetch_kw_at(size_t i)
{
        return i < SL_ARRAY_SIZE(fetch_kws) ? &fetch_kws[i] : NULL;
}

const struct cfg_conv_kw *cfg_conv_kw(enum cfg_conv c)
{
        return (unsigned)c < CFG_CONV_COUNT ? &conv_kws[c] : NULL;
}

const struct cfg_conv_kw *cfg_conv_kw_find(const char *name, size_t len, enum cfg_conv *ret)
{
        for (unsigned i = 0; i < CFG_CONV_COUNT; i++) {
                /* table_<what> is found by its prefix, by the caller */
                if (i == CFG_CONV_TABLE)
                        continue;
                if (strlen(conv_kws[i].name) == len && memcmp(conv_kws[i].name, name, len) == 0) {
                        *ret = (enum cfg_conv)i;
                        return &conv_kws[i];
                }
        }
        return NULL;
}

const char *cfg_conv_name(enum cfg_conv c)
{
        return (unsigned)c < CFG_CONV_COUNT ? conv_kws[c].name : "?";
}

const char *cfg_smp_type_name(enum cfg_smp_type t)
{
        switch (t) {
        case CFG_SMP_BOOL:
                return "boolean";
        case CFG_SMP_INT:
                return "integer";
        case CFG_SMP_IP:
                return "address";
        case CFG_SMP_STR:
                return "string";
        case CFG_SMP_BIN:
                return "binary";
        case CFG_SMP_ANY:
                return "any";
        }
        return "?";
}

bool cfg_smp_can_cast(enum cfg_smp_type from, enum cfg_smp_type to)
{
        /* HAProxy's sample_casts table, with its IPV4/IPV6/ADDR merged into IP: an IPv6
         * address that is not IPv4-mapped fails at run time where an IPv4 one is needed */
        if (from == to || to == CFG_SMP_ANY || from == CFG_SMP_ANY)
                return true;
        switch (from) {
        case CFG_SMP_BOOL:
                return to == CFG_SMP_INT || to == CFG_SMP_STR || to == CFG_SMP_BIN;
        case CFG_SMP_INT:
                return to == CFG_SMP_BOOL || to == CFG_SMP_IP || to == CFG_SMP_STR ||
                       to == CFG_SMP_BIN;
        case CFG_SMP_IP:
                return to == CFG_SMP_INT || to == CFG_SMP_STR || to == CFG_SMP_BIN;
        case CFG_SMP_STR:
                return true;
        case CFG_SMP_BIN:
                return to == CFG_SMP_STR;
        case CFG_SMP_ANY:
                return true;
        }
        return false;
}

enum cfg_smp_type cfg_sample_type(const struct cfg_sample *smp)
{
        return smp->type;
}

bool cfg_sample_uses_table(const struct cfg_sample *smp)
{
        if (smp->fetch == CFG_FETCH_SC || smp->fetch == CFG_FETCH_SC_TRACKED ||
            smp->fetch == CFG_FETCH_SRC_TBL)
                return true;
        for (unsigned i = 0; i < smp->n_convs; i++)
                if (smp->convs[i].conv == CFG_CONV_TABLE)
                        return true;
        return false;
}

/* The stick-table counters fetches read, by their HAProxy suffix (sc0_<what>, src_<what>). */
static const struct {
        const char *name;
        enum stkt_data_type dt;
        enum cfg_stk_op op;
} stk_whats[] = {
        {"conn_cnt", STKT_DT_CONN_CNT, CFG_STK_GET},
        {"conn_cur", STKT_DT_CONN_CUR, CFG_STK_GET},
        {"conn_rate", STKT_DT_CONN_RATE, CFG_STK_GET},
        {"sess_cnt", STKT_DT_SESS_CNT, CFG_STK_GET},
        {"sess_rate", STKT_DT_SESS_RATE, CFG_STK_GET},
        {"http_req_cnt", STKT_DT_HTTP_REQ_CNT, CFG_STK_GET},
        {"http_req_rate", STKT_DT_HTTP_REQ_RATE, CFG_STK_GET},
        {"http_err_cnt", STKT_DT_HTTP_ERR_CNT, CFG_STK_GET},
        {"http_err_rate", STKT_DT_HTTP_ERR_RATE, CFG_STK_GET},
        {"http_fail_cnt", STKT_DT_HTTP_FAIL_CNT, CFG_STK_GET},
        {"http_fail_rate", STKT_DT_HTTP_FAIL_RATE, CFG_STK_GET},
        {"bytes_in_rate", STKT_DT_BYTES_IN_RATE, CFG_STK_GET},
        {"bytes_out_rate", STKT_DT_BYTES_OUT_RATE, CFG_STK_GET},
        {"kbytes_in", STKT_DT_BYTES_IN_CNT, CFG_STK_KBYTES},
        {"kbytes_out", STKT_DT_BYTES_OUT_CNT, CFG_STK_KBYTES},
        {"gpc0_rate", STKT_DT_GPC0_RATE, CFG_STK_GET},
        {"gpc1_rate", STKT_DT_GPC1_RATE, CFG_STK_GET},
        {"get_gpc0", STKT_DT_GPC0, CFG_STK_GET},
        {"get_gpc1", STKT_DT_GPC1, CFG_STK_GET},
        {"get_gpt0", STKT_DT_GPT0, CFG_STK_GET},
        {"inc_gpc0", STKT_DT_GPC0, CFG_STK_INC},
        {"inc_gpc1", STKT_DT_GPC1, CFG_STK_INC},
        {"clr_gpc0", STKT_DT_GPC0, CFG_STK_CLR},
        {"clr_gpc1", STKT_DT_GPC1, CFG_STK_CLR},
};

bool cfg_stk_what_parse(const char *name, size_t len, unsigned *ret_dt, enum cfg_stk_op *ret_op)
{
        for (size_t i = 0; i < SL_ARRAY_SIZE(stk_whats); i++) {
                if (strlen(stk_whats[i].name) == len && memcmp(stk_whats[i].name, name, len) == 0) {
                        *ret_dt = stk_whats[i].dt;
                        *ret_op = stk_whats[i].op;
                        return true;
                }
        }
        return false;
}

const char *cfg_stk_what_name(unsigned dt, enum cfg_stk_op op)
{
        for (size_t i = 0; i < SL_ARRAY_SIZE(stk_whats); i++)
                if (stk_whats[i].dt == dt && stk_whats[i].op == op)
                        return stk_whats[i].name;
        return "?";
}
