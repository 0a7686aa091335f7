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
        [CFG_FETCH_SSL_FC_SNI]   = {"ssl_fc_sni",   CFG_SMP_STR,  CFG_AT_ANY},
        [CFG_FETCH_SSL_FC_HAS_SNI] = {"ssl_fc_has_sni", CFG_SMP_BOOL, CFG_AT_ANY},
        [CFG_FETCH_SSL_FC_PROTOCOL] = {"ssl_fc_protocol", CFG_SMP_STR, CFG_AT_ANY},
        [CFG_FETCH_SSL_FC_CIPHER] = {"ssl_fc_cipher", CFG_SMP_STR, CFG_AT_ANY},
        [CFG_FETCH_SSL_FC_ALPN]  = {"ssl_fc_alpn",  CFG_SMP_STR,  CFG_AT_ANY},
        [CFG_FETCH_SSL_FC_RESUMED] = {"ssl_fc_is_resumed", CFG_SMP_BOOL, CFG_AT_ANY},
        [CFG_FETCH_SSL_FC_HAS_CRT] = {"ssl_fc_has_crt", CFG_SMP_BOOL, CFG_AT_ANY},
        [CFG_FETCH_SSL_C_USED]   = {"ssl_c_used",   CFG_SMP_BOOL, CFG_AT_ANY},
        [CFG_FETCH_SSL_C_VERIFY] = {"ssl_c_verify", CFG_SMP_INT,  CFG_AT_ANY},
        [CFG_FETCH_SSL_C_S_DN]   = {"ssl_c_s_dn",   CFG_SMP_STR,  CFG_AT_ANY},
        [CFG_FETCH_SSL_C_I_DN]   = {"ssl_c_i_dn",   CFG_SMP_STR,  CFG_AT_ANY},
        [CFG_FETCH_SSL_C_SERIAL] = {"ssl_c_serial", CFG_SMP_BIN,  CFG_AT_ANY},
        [CFG_FETCH_SSL_C_SHA1]   = {"ssl_c_sha1",   CFG_SMP_BIN,  CFG_AT_ANY},
        [CFG_FETCH_SSL_BC]       = {"ssl_bc",       CFG_SMP_BOOL, CFG_FETCH_AT_RES},
        [CFG_FETCH_SSL_BC_ALPN]  = {"ssl_bc_alpn",  CFG_SMP_STR,  CFG_FETCH_AT_RES},
        [CFG_FETCH_SSL_BC_PROTOCOL] = {"ssl_bc_protocol", CFG_SMP_STR, CFG_FETCH_AT_RES},
        [CFG_FETCH_SSL_BC_RESUMED] = {"ssl_bc_is_resumed", CFG_SMP_BOOL, CFG_FETCH_AT_RES},
        [CFG_FETCH_ALWAYS_TRUE]  = {"always_true",  CFG_SMP_BOOL, CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_ALWAYS_FALSE] = {"always_false", CFG_SMP_BOOL, CFG_AT_ANY | CFG_FETCH_AT_INIT},
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
        [CFG_FETCH_INT]          = {"int",          CFG_SMP_INT,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_STR]          = {"str",          CFG_SMP_STR,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_BOOL]         = {"bool",         CFG_SMP_BOOL, CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_IPV4]         = {"ipv4",         CFG_SMP_IP,   CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_BIN]          = {"bin",          CFG_SMP_BIN,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_METH]         = {"meth",         CFG_SMP_STR,  CFG_AT_ANY},
        [CFG_FETCH_ENV]          = {"env",          CFG_SMP_STR,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_HOSTNAME]     = {"hostname",     CFG_SMP_STR,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_DATE]         = {"date",         CFG_SMP_INT,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_DATE_US]      = {"date_us",      CFG_SMP_INT,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_RAND]         = {"rand",         CFG_SMP_INT,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_UUID]         = {"uuid",         CFG_SMP_STR,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_STOPPING]     = {"stopping",     CFG_SMP_BOOL, CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_PROC]         = {"proc",         CFG_SMP_INT,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_THREAD]       = {"thread",       CFG_SMP_INT,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_NBPROC]       = {"nbproc",       CFG_SMP_INT,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_FE_NAME]      = {"fe_name",      CFG_SMP_STR,  CFG_AT_ANY},
        [CFG_FETCH_FE_ID]        = {"fe_id",        CFG_SMP_INT,  CFG_AT_ANY},
        [CFG_FETCH_BE_NAME]      = {"be_name",      CFG_SMP_STR,  CFG_AT_ANY},
        [CFG_FETCH_BE_ID]        = {"be_id",        CFG_SMP_INT,  CFG_AT_ANY},
        [CFG_FETCH_SRV_NAME]     = {"srv_name",     CFG_SMP_STR,  CFG_FETCH_AT_RES},
        [CFG_FETCH_SRV_ID]       = {"srv_id",       CFG_SMP_INT,  CFG_FETCH_AT_RES},
        [CFG_FETCH_NBSRV]        = {"nbsrv",        CFG_SMP_INT,  CFG_AT_ANY},
        [CFG_FETCH_SRV_IS_UP]    = {"srv_is_up",    CFG_SMP_BOOL, CFG_AT_ANY},
        [CFG_FETCH_SRC_LOCAL]    = {"src_is_local", CFG_SMP_BOOL, CFG_AT_ANY},
        [CFG_FETCH_DST_LOCAL]    = {"dst_is_local", CFG_SMP_BOOL, CFG_AT_ANY},
        [CFG_FETCH_PATHQ]        = {"pathq",        CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_BASE]         = {"base",         CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_BASEQ]        = {"baseq",        CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_BASE32]       = {"base32",       CFG_SMP_INT,  CFG_AT_HTTP},
        [CFG_FETCH_BASE32_SRC]   = {"base32+src",   CFG_SMP_BIN,  CFG_AT_HTTP},
        [CFG_FETCH_URL_IP]       = {"url_ip",       CFG_SMP_IP,   CFG_AT_HTTP},
        [CFG_FETCH_URL_PORT]     = {"url_port",     CFG_SMP_INT,  CFG_AT_HTTP},
        [CFG_FETCH_URL_PARAM]    = {"url_param",    CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_URLP_VAL]     = {"urlp_val",     CFG_SMP_INT,  CFG_AT_HTTP},
        [CFG_FETCH_COOK]         = {"req.cook",     CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_COOK_CNT]     = {"req.cook_cnt", CFG_SMP_INT,  CFG_AT_HTTP},
        [CFG_FETCH_COOK_VAL]     = {"req.cook_val", CFG_SMP_INT,  CFG_AT_HTTP},
        [CFG_FETCH_VER]          = {"req.ver",      CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_HDRS]         = {"req.hdrs",     CFG_SMP_STR,  CFG_AT_HTTP},
        [CFG_FETCH_HDR_NAMES]    = {"req.hdr_names", CFG_SMP_STR, CFG_AT_HTTP},
        [CFG_FETCH_FHDR_CNT]     = {"req.fhdr_cnt", CFG_SMP_INT,  CFG_AT_HTTP},
        [CFG_FETCH_FIRST_REQ]    = {"http_first_req", CFG_SMP_BOOL, CFG_AT_HTTP},
        [CFG_FETCH_PROTO_HTTP]   = {"req.proto_http", CFG_SMP_BOOL, CFG_AT_HTTP | CFG_FETCH_AT_CONTENT},
        [CFG_FETCH_CAPTURE_METHOD] = {"capture.req.method", CFG_SMP_STR, CFG_AT_HTTP},
        [CFG_FETCH_CAPTURE_URI]  = {"capture.req.uri", CFG_SMP_STR, CFG_AT_HTTP},
        [CFG_FETCH_CAPTURE_VER]  = {"capture.req.ver", CFG_SMP_STR, CFG_AT_HTTP},
        [CFG_FETCH_VAR]          = {"var",          CFG_SMP_ANY,  CFG_AT_ANY | CFG_FETCH_AT_INIT},
        [CFG_FETCH_HTTP_AUTH]    = {"http_auth",    CFG_SMP_BOOL, CFG_AT_HTTP},
        [CFG_FETCH_HTTP_AUTH_GROUP] = {"http_auth_group", CFG_SMP_STR, CFG_AT_HTTP},
        [CFG_FETCH_UNIQUE_ID]    = {"unique-id",    CFG_SMP_STR,  CFG_FETCH_AT_CONTENT | CFG_AT_HTTP},
        [CFG_FETCH_FC_HTTP_MAJOR] = {"fc_http_major", CFG_SMP_INT, CFG_AT_HTTP},
        [CFG_FETCH_FC_GLITCHES]  = {"fc_glitches",  CFG_SMP_INT,  CFG_AT_ANY},
        [CFG_FETCH_FC_PP_AUTHORITY] = {"fc_pp_authority", CFG_SMP_STR, CFG_AT_ANY},
        [CFG_FETCH_FC_PP_UNIQUE_ID] = {"fc_pp_unique_id", CFG_SMP_STR, CFG_AT_ANY},
        [CFG_FETCH_FC_PP_TLV]    = {"fc_pp_tlv",    CFG_SMP_STR,  CFG_AT_ANY},
        [CFG_FETCH_REQ_LEN]      = {"req.len",      CFG_SMP_INT,  CFG_FETCH_AT_CONTENT | CFG_FETCH_AT_REQ},
        [CFG_FETCH_PAYLOAD]      = {"req.payload",  CFG_SMP_BIN,  CFG_FETCH_AT_CONTENT | CFG_FETCH_AT_REQ},
        [CFG_FETCH_SSL_HELLO_TYPE] = {"req.ssl_hello_type", CFG_SMP_INT, CFG_FETCH_AT_CONTENT | CFG_FETCH_AT_REQ},
        [CFG_FETCH_SSL_VER]      = {"req.ssl_ver",  CFG_SMP_INT,  CFG_FETCH_AT_CONTENT | CFG_FETCH_AT_REQ},
        [CFG_FETCH_RDP_COOKIE]   = {"req.rdp_cookie", CFG_SMP_STR, CFG_FETCH_AT_CONTENT | CFG_FETCH_AT_REQ},
        [CFG_FETCH_RDP_COOKIE_CNT] = {"req.rdp_cookie_cnt", CFG_SMP_INT, CFG_FETCH_AT_CONTENT | CFG_FETCH_AT_REQ},
        [CFG_FETCH_SSL_SNI]      = {"req.ssl_sni",  CFG_SMP_STR,  CFG_FETCH_AT_CONTENT | CFG_FETCH_AT_REQ},
        [CFG_FETCH_SSL_ALPN]     = {"req.ssl_alpn", CFG_SMP_STR,  CFG_FETCH_AT_CONTENT | CFG_FETCH_AT_REQ},
        [CFG_FETCH_WAIT_END]     = {"wait_end",     CFG_SMP_BOOL, CFG_FETCH_AT_CONTENT | CFG_FETCH_AT_REQ},
};

/* Names sluice accepts, with HAProxy's ACL derivatives (path_beg = path -m beg). */
static const struct cfg_fetch_kw fetch_kws[] = {
        {"src",          CFG_FETCH_SRC,          CFG_DIR_CTX, -1, ""},
        {"src_port",     CFG_FETCH_SRC_PORT,     CFG_DIR_CTX, -1, ""},
        {"dst",          CFG_FETCH_DST,          CFG_DIR_CTX, -1, ""},
        {"dst_port",     CFG_FETCH_DST_PORT,     CFG_DIR_CTX, -1, ""},
        {"ssl_fc",       CFG_FETCH_SSL_FC,       CFG_DIR_CTX, -1, ""},
        {"ssl_fc_sni",   CFG_FETCH_SSL_FC_SNI,   CFG_DIR_CTX, -1, ""},
        {"ssl_fc_sni_end", CFG_FETCH_SSL_FC_SNI, CFG_DIR_CTX, CFG_MATCH_END, ""},
        {"ssl_fc_sni_reg", CFG_FETCH_SSL_FC_SNI, CFG_DIR_CTX, CFG_MATCH_REG, ""},
        {"ssl_fc_has_sni", CFG_FETCH_SSL_FC_HAS_SNI, CFG_DIR_CTX, -1, ""},
        {"ssl_fc_protocol", CFG_FETCH_SSL_FC_PROTOCOL, CFG_DIR_CTX, -1, ""},
        {"ssl_fc_cipher", CFG_FETCH_SSL_FC_CIPHER, CFG_DIR_CTX, -1, ""},
        {"ssl_fc_alpn",  CFG_FETCH_SSL_FC_ALPN,  CFG_DIR_CTX, -1, ""},
        {"ssl_fc_is_resumed", CFG_FETCH_SSL_FC_RESUMED, CFG_DIR_CTX, -1, ""},
        {"ssl_fc_has_crt", CFG_FETCH_SSL_FC_HAS_CRT, CFG_DIR_CTX, -1, ""},
        {"ssl_c_used",   CFG_FETCH_SSL_C_USED,   CFG_DIR_CTX, -1, ""},
        {"ssl_c_verify", CFG_FETCH_SSL_C_VERIFY, CFG_DIR_CTX, -1, ""},
        {"ssl_c_s_dn",   CFG_FETCH_SSL_C_S_DN,   CFG_DIR_CTX, -1, "sis"},
        {"ssl_c_i_dn",   CFG_FETCH_SSL_C_I_DN,   CFG_DIR_CTX, -1, "sis"},
        {"ssl_c_serial", CFG_FETCH_SSL_C_SERIAL, CFG_DIR_CTX, -1, ""},
        {"ssl_c_sha1",   CFG_FETCH_SSL_C_SHA1,   CFG_DIR_CTX, -1, ""},
        {"ssl_bc",       CFG_FETCH_SSL_BC,       CFG_DIR_CTX, -1, ""},
        {"ssl_bc_alpn",  CFG_FETCH_SSL_BC_ALPN,  CFG_DIR_CTX, -1, ""},
        {"ssl_bc_protocol", CFG_FETCH_SSL_BC_PROTOCOL, CFG_DIR_CTX, -1, ""},
        {"ssl_bc_is_resumed", CFG_FETCH_SSL_BC_RESUMED, CFG_DIR_CTX, -1, ""},
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
        {"shdr",         CFG_FETCH_HDR,          CFG_DIR_RES, -1, "Si"},
        {"shdr_cnt",     CFG_FETCH_HDR_CNT,      CFG_DIR_RES, -1, "S"},
        {"shdr_val",     CFG_FETCH_HDR_VAL,      CFG_DIR_RES, -1, "Si"},
        {"shdr_ip",      CFG_FETCH_HDR_IP,       CFG_DIR_RES, -1, "Si"},
        {"status",       CFG_FETCH_STATUS,       CFG_DIR_CTX, -1, ""},
        {"int",          CFG_FETCH_INT,          CFG_DIR_CTX, -1, "I"},
        {"str",          CFG_FETCH_STR,          CFG_DIR_CTX, -1, "s"},
        {"bool",         CFG_FETCH_BOOL,         CFG_DIR_CTX, -1, "S"},
        {"ipv4",         CFG_FETCH_IPV4,         CFG_DIR_CTX, -1, "S"},
        {"ipv6",         CFG_FETCH_IPV4,         CFG_DIR_CTX, -1, "S"},
        {"bin",          CFG_FETCH_BIN,          CFG_DIR_CTX, -1, "S"},
        {"meth",         CFG_FETCH_METH,         CFG_DIR_CTX, -1, "S"},
        {"env",          CFG_FETCH_ENV,          CFG_DIR_CTX, -1, "S"},
        {"hostname",     CFG_FETCH_HOSTNAME,     CFG_DIR_CTX, -1, ""},
        {"date",         CFG_FETCH_DATE,         CFG_DIR_CTX, -1, "is"},
        {"date_us",      CFG_FETCH_DATE_US,      CFG_DIR_CTX, -1, ""},
        {"rand",         CFG_FETCH_RAND,         CFG_DIR_CTX, -1, "i"},
        {"uuid",         CFG_FETCH_UUID,         CFG_DIR_CTX, -1, "i"},
        {"stopping",     CFG_FETCH_STOPPING,     CFG_DIR_CTX, -1, ""},
        {"proc",         CFG_FETCH_PROC,         CFG_DIR_CTX, -1, ""},
        {"thread",       CFG_FETCH_THREAD,       CFG_DIR_CTX, -1, ""},
        {"nbproc",       CFG_FETCH_NBPROC,       CFG_DIR_CTX, -1, ""},
        {"fe_name",      CFG_FETCH_FE_NAME,      CFG_DIR_CTX, -1, ""},
        {"fe_id",        CFG_FETCH_FE_ID,        CFG_DIR_CTX, -1, ""},
        {"be_name",      CFG_FETCH_BE_NAME,      CFG_DIR_CTX, -1, ""},
        {"be_id",        CFG_FETCH_BE_ID,        CFG_DIR_CTX, -1, ""},
        {"srv_name",     CFG_FETCH_SRV_NAME,     CFG_DIR_CTX, -1, ""},
        {"srv_id",       CFG_FETCH_SRV_ID,       CFG_DIR_CTX, -1, ""},
        {"nbsrv",        CFG_FETCH_NBSRV,        CFG_DIR_CTX, -1, "b"},
        {"srv_is_up",    CFG_FETCH_SRV_IS_UP,    CFG_DIR_CTX, -1, "E"},
        {"src_is_local", CFG_FETCH_SRC_LOCAL,    CFG_DIR_CTX, -1, ""},
        {"dst_is_local", CFG_FETCH_DST_LOCAL,    CFG_DIR_CTX, -1, ""},
        {"pathq",        CFG_FETCH_PATHQ,        CFG_DIR_CTX, -1, ""},
        {"base",         CFG_FETCH_BASE,         CFG_DIR_CTX, -1, ""},
        {"base_beg",     CFG_FETCH_BASE,         CFG_DIR_CTX, CFG_MATCH_BEG, ""},
        {"base_dir",     CFG_FETCH_BASE,         CFG_DIR_CTX, CFG_MATCH_DIR, ""},
        {"base_dom",     CFG_FETCH_BASE,         CFG_DIR_CTX, CFG_MATCH_DOM, ""},
        {"base_end",     CFG_FETCH_BASE,         CFG_DIR_CTX, CFG_MATCH_END, ""},
        {"base_len",     CFG_FETCH_BASE,         CFG_DIR_CTX, CFG_MATCH_LEN, ""},
        {"base_reg",     CFG_FETCH_BASE,         CFG_DIR_CTX, CFG_MATCH_REG, ""},
        {"base_sub",     CFG_FETCH_BASE,         CFG_DIR_CTX, CFG_MATCH_SUB, ""},
        {"baseq",        CFG_FETCH_BASEQ,        CFG_DIR_CTX, -1, ""},
        {"base32",       CFG_FETCH_BASE32,       CFG_DIR_CTX, -1, ""},
        {"base32+src",   CFG_FETCH_BASE32_SRC,   CFG_DIR_CTX, -1, ""},
        {"url_ip",       CFG_FETCH_URL_IP,       CFG_DIR_CTX, -1, ""},
        {"url_port",     CFG_FETCH_URL_PORT,     CFG_DIR_CTX, -1, ""},
        {"url_param",    CFG_FETCH_URL_PARAM,    CFG_DIR_CTX, -1, "ss"},
        {"urlp",         CFG_FETCH_URL_PARAM,    CFG_DIR_CTX, -1, "ss"},
        {"urlp_beg",     CFG_FETCH_URL_PARAM,    CFG_DIR_CTX, CFG_MATCH_BEG, "ss"},
        {"urlp_dir",     CFG_FETCH_URL_PARAM,    CFG_DIR_CTX, CFG_MATCH_DIR, "ss"},
        {"urlp_dom",     CFG_FETCH_URL_PARAM,    CFG_DIR_CTX, CFG_MATCH_DOM, "ss"},
        {"urlp_end",     CFG_FETCH_URL_PARAM,    CFG_DIR_CTX, CFG_MATCH_END, "ss"},
        {"urlp_len",     CFG_FETCH_URL_PARAM,    CFG_DIR_CTX, CFG_MATCH_LEN, "ss"},
        {"urlp_reg",     CFG_FETCH_URL_PARAM,    CFG_DIR_CTX, CFG_MATCH_REG, "ss"},
        {"urlp_sub",     CFG_FETCH_URL_PARAM,    CFG_DIR_CTX, CFG_MATCH_SUB, "ss"},
        {"urlp_val",     CFG_FETCH_URLP_VAL,     CFG_DIR_CTX, -1, "ss"},
        {"req.cook",     CFG_FETCH_COOK,         CFG_DIR_REQ, -1, "s"},
        {"cook",         CFG_FETCH_COOK,         CFG_DIR_REQ, -1, "s"},
        {"cook_beg",     CFG_FETCH_COOK,         CFG_DIR_REQ, CFG_MATCH_BEG, "s"},
        {"cook_dir",     CFG_FETCH_COOK,         CFG_DIR_REQ, CFG_MATCH_DIR, "s"},
        {"cook_dom",     CFG_FETCH_COOK,         CFG_DIR_REQ, CFG_MATCH_DOM, "s"},
        {"cook_end",     CFG_FETCH_COOK,         CFG_DIR_REQ, CFG_MATCH_END, "s"},
        {"cook_len",     CFG_FETCH_COOK,         CFG_DIR_REQ, CFG_MATCH_LEN, "s"},
        {"cook_reg",     CFG_FETCH_COOK,         CFG_DIR_REQ, CFG_MATCH_REG, "s"},
        {"cook_sub",     CFG_FETCH_COOK,         CFG_DIR_REQ, CFG_MATCH_SUB, "s"},
        {"req.cook_cnt", CFG_FETCH_COOK_CNT,     CFG_DIR_REQ, -1, "s"},
        {"cook_cnt",     CFG_FETCH_COOK_CNT,     CFG_DIR_REQ, -1, "s"},
        {"req.cook_val", CFG_FETCH_COOK_VAL,     CFG_DIR_REQ, -1, "s"},
        {"cook_val",     CFG_FETCH_COOK_VAL,     CFG_DIR_REQ, -1, "s"},
        {"res.cook",     CFG_FETCH_COOK,         CFG_DIR_RES, -1, "s"},
        {"scook",        CFG_FETCH_COOK,         CFG_DIR_RES, -1, "s"},
        {"res.cook_cnt", CFG_FETCH_COOK_CNT,     CFG_DIR_RES, -1, "s"},
        {"scook_cnt",    CFG_FETCH_COOK_CNT,     CFG_DIR_RES, -1, "s"},
        {"res.cook_val", CFG_FETCH_COOK_VAL,     CFG_DIR_RES, -1, "s"},
        {"scook_val",    CFG_FETCH_COOK_VAL,     CFG_DIR_RES, -1, "s"},
        {"req.ver",      CFG_FETCH_VER,          CFG_DIR_REQ, -1, ""},
        {"req_ver",      CFG_FETCH_VER,          CFG_DIR_REQ, -1, ""},
        {"res.ver",      CFG_FETCH_VER,          CFG_DIR_RES, -1, ""},
        {"resp_ver",     CFG_FETCH_VER,          CFG_DIR_RES, -1, ""},
        {"req.hdrs",     CFG_FETCH_HDRS,         CFG_DIR_REQ, -1, ""},
        {"res.hdrs",     CFG_FETCH_HDRS,         CFG_DIR_RES, -1, ""},
        {"req.hdr_names", CFG_FETCH_HDR_NAMES,   CFG_DIR_REQ, -1, "s"},
        {"res.hdr_names", CFG_FETCH_HDR_NAMES,   CFG_DIR_RES, -1, "s"},
        {"req.fhdr_cnt", CFG_FETCH_FHDR_CNT,     CFG_DIR_REQ, -1, "S"},
        {"res.fhdr_cnt", CFG_FETCH_FHDR_CNT,     CFG_DIR_RES, -1, "S"},
        {"http_first_req", CFG_FETCH_FIRST_REQ,  CFG_DIR_REQ, -1, ""},
        {"capture.req.method", CFG_FETCH_CAPTURE_METHOD, CFG_DIR_REQ, -1, ""},
        {"capture.req.uri", CFG_FETCH_CAPTURE_URI, CFG_DIR_REQ, -1, ""},
        {"capture.req.ver", CFG_FETCH_CAPTURE_VER, CFG_DIR_REQ, -1, ""},
        {"capture.res.ver", CFG_FETCH_CAPTURE_VER, CFG_DIR_RES, -1, ""},
        {"var",          CFG_FETCH_VAR,          CFG_DIR_CTX, -1, "Vs"},
        {"http_auth",    CFG_FETCH_HTTP_AUTH,    CFG_DIR_REQ, -1, "U"},
        {"http_auth_group", CFG_FETCH_HTTP_AUTH_GROUP, CFG_DIR_REQ, -1, "U"},
        {"unique-id",    CFG_FETCH_UNIQUE_ID,    CFG_DIR_CTX, -1, ""},
        {"fc_http_major", CFG_FETCH_FC_HTTP_MAJOR, CFG_DIR_CTX, -1, ""},
        {"fc_glitches",  CFG_FETCH_FC_GLITCHES,  CFG_DIR_CTX, -1, ""},
        {"fc_pp_authority", CFG_FETCH_FC_PP_AUTHORITY, CFG_DIR_CTX, -1, ""},
        {"fc_pp_unique_id", CFG_FETCH_FC_PP_UNIQUE_ID, CFG_DIR_CTX, -1, ""},
        {"fc_pp_tlv",    CFG_FETCH_FC_PP_TLV,    CFG_DIR_CTX, -1, "P"},
        {"req.len",      CFG_FETCH_REQ_LEN,      CFG_DIR_REQ, -1, ""},
        {"req_len",      CFG_FETCH_REQ_LEN,      CFG_DIR_REQ, -1, ""},
        {"req.payload",  CFG_FETCH_PAYLOAD,      CFG_DIR_REQ, -1, "II"},
        {"payload",      CFG_FETCH_PAYLOAD,      CFG_DIR_REQ, CFG_MATCH_BIN, "II"},
        {"req.ssl_hello_type", CFG_FETCH_SSL_HELLO_TYPE, CFG_DIR_REQ, -1, ""},
        {"req_ssl_hello_type", CFG_FETCH_SSL_HELLO_TYPE, CFG_DIR_REQ, -1, ""},
        {"req.ssl_ver",  CFG_FETCH_SSL_VER,      CFG_DIR_REQ, -1, ""},
        {"req_ssl_ver",  CFG_FETCH_SSL_VER,      CFG_DIR_REQ, -1, ""},
        {"req.rdp_cookie", CFG_FETCH_RDP_COOKIE, CFG_DIR_REQ, -1, "s"},
        {"rdp_cookie",   CFG_FETCH_RDP_COOKIE,   CFG_DIR_REQ, -1, "s"},
        {"req.rdp_cookie_cnt", CFG_FETCH_RDP_COOKIE_CNT, CFG_DIR_REQ, -1, "s"},
        {"rdp_cookie_cnt", CFG_FETCH_RDP_COOKIE_CNT, CFG_DIR_REQ, -1, "s"},
        {"req.ssl_sni",  CFG_FETCH_SSL_SNI,      CFG_DIR_REQ, -1, ""},
        {"req_ssl_sni",  CFG_FETCH_SSL_SNI,      CFG_DIR_REQ, -1, ""},
        {"req.ssl_alpn", CFG_FETCH_SSL_ALPN,     CFG_DIR_REQ, -1, ""},
        {"wait_end",     CFG_FETCH_WAIT_END,     CFG_DIR_REQ, -1, ""},
        {"req.proto_http", CFG_FETCH_PROTO_HTTP, CFG_DIR_REQ, -1, ""},
        {"req_proto_http", CFG_FETCH_PROTO_HTTP, CFG_DIR_REQ, -1, ""},
};

static const struct cfg_conv_kw conv_kws[CFG_CONV_COUNT] = {
        [CFG_CONV_LOWER] = {"lower", CFG_SMP_STR, CFG_SMP_STR, ""},
        [CFG_CONV_UPPER] = {"upper", CFG_SMP_STR, CFG_SMP_STR, ""},
        [CFG_CONV_TABLE] = {"table_", CFG_SMP_ANY, CFG_SMP_INT, "T"},
        [CFG_CONV_TABLE_TRACKERS] = {"table_trackers", CFG_SMP_ANY, CFG_SMP_INT, "T"},
        [CFG_CONV_IN_TABLE] = {"in_table", CFG_SMP_ANY, CFG_SMP_BOOL, "T"},
        [CFG_CONV_LENGTH]   = {"length",   CFG_SMP_STR, CFG_SMP_INT, ""},
        [CFG_CONV_BYTES]    = {"bytes",    CFG_SMP_BIN, CFG_SMP_BIN, "Ii"},
        [CFG_CONV_FIELD]    = {"field",    CFG_SMP_STR, CFG_SMP_STR, "ISi"},
        [CFG_CONV_WORD]     = {"word",     CFG_SMP_STR, CFG_SMP_STR, "ISi"},
        [CFG_CONV_REGSUB]   = {"regsub",   CFG_SMP_STR, CFG_SMP_STR, "RSs"},
        [CFG_CONV_LTRIM]    = {"ltrim",    CFG_SMP_STR, CFG_SMP_STR, "S"},
        [CFG_CONV_RTRIM]    = {"rtrim",    CFG_SMP_STR, CFG_SMP_STR, "S"},
        [CFG_CONV_CUT_CRLF] = {"cut_crlf", CFG_SMP_STR, CFG_SMP_STR, ""},
        [CFG_CONV_JSON]     = {"json",     CFG_SMP_STR, CFG_SMP_STR, "s"},
        [CFG_CONV_URL_DEC]  = {"url_dec",  CFG_SMP_STR, CFG_SMP_STR, "i"},
        [CFG_CONV_URL_ENC]  = {"url_enc",  CFG_SMP_STR, CFG_SMP_STR, "s"},
        [CFG_CONV_LANGUAGE] = {"language", CFG_SMP_STR, CFG_SMP_STR, "Ss"},
        [CFG_CONV_IIF]      = {"iif",      CFG_SMP_BOOL, CFG_SMP_STR, "SS"},
        [CFG_CONV_HEX]      = {"hex",      CFG_SMP_BIN, CFG_SMP_STR, ""},
        [CFG_CONV_HEX2I]    = {"hex2i",    CFG_SMP_STR, CFG_SMP_INT, ""},
        [CFG_CONV_BASE64]   = {"base64",   CFG_SMP_BIN, CFG_SMP_STR, ""},
        [CFG_CONV_B64DEC]   = {"b64dec",   CFG_SMP_STR, CFG_SMP_BIN, ""},
        [CFG_CONV_UB64ENC]  = {"ub64enc",  CFG_SMP_BIN, CFG_SMP_STR, ""},
        [CFG_CONV_UB64DEC]  = {"ub64dec",  CFG_SMP_STR, CFG_SMP_BIN, ""},
        [CFG_CONV_BE2DEC]   = {"be2dec",   CFG_SMP_BIN, CFG_SMP_STR, "SIi"},
        [CFG_CONV_BE2HEX]   = {"be2hex",   CFG_SMP_BIN, CFG_SMP_STR, "sii"},
        [CFG_CONV_HTONL]    = {"htonl",    CFG_SMP_INT, CFG_SMP_BIN, ""},
        [CFG_CONV_CRC32]    = {"crc32",    CFG_SMP_BIN, CFG_SMP_INT, "i"},
        [CFG_CONV_CRC32C]   = {"crc32c",   CFG_SMP_BIN, CFG_SMP_INT, "i"},
        [CFG_CONV_DJB2]     = {"djb2",     CFG_SMP_BIN, CFG_SMP_INT, "i"},
        [CFG_CONV_SDBM]     = {"sdbm",     CFG_SMP_BIN, CFG_SMP_INT, "i"},
        [CFG_CONV_WT6]      = {"wt6",      CFG_SMP_BIN, CFG_SMP_INT, "i"},
        [CFG_CONV_XXH32]    = {"xxh32",    CFG_SMP_BIN, CFG_SMP_INT, "i"},
        [CFG_CONV_XXH64]    = {"xxh64",    CFG_SMP_BIN, CFG_SMP_INT, "i"},
        [CFG_CONV_XXH3]     = {"xxh3",     CFG_SMP_BIN, CFG_SMP_INT, "i"},
        [CFG_CONV_SHA1]     = {"sha1",     CFG_SMP_BIN, CFG_SMP_BIN, ""},
        [CFG_CONV_SHA2]     = {"sha2",     CFG_SMP_BIN, CFG_SMP_BIN, "i"},
        [CFG_CONV_DIGEST]   = {"digest",   CFG_SMP_BIN, CFG_SMP_BIN, "S"},
        [CFG_CONV_HMAC]     = {"hmac",     CFG_SMP_BIN, CFG_SMP_BIN, "SS"},
        [CFG_CONV_ADD]      = {"add",      CFG_SMP_INT, CFG_SMP_INT, "S"},
        [CFG_CONV_SUB]      = {"sub",      CFG_SMP_INT, CFG_SMP_INT, "S"},
        [CFG_CONV_MUL]      = {"mul",      CFG_SMP_INT, CFG_SMP_INT, "S"},
        [CFG_CONV_DIV]      = {"div",      CFG_SMP_INT, CFG_SMP_INT, "S"},
        [CFG_CONV_MOD]      = {"mod",      CFG_SMP_INT, CFG_SMP_INT, "S"},
        [CFG_CONV_AND]      = {"and",      CFG_SMP_INT, CFG_SMP_INT, "S"},
        [CFG_CONV_OR]       = {"or",       CFG_SMP_INT, CFG_SMP_INT, "S"},
        [CFG_CONV_XOR]      = {"xor",      CFG_SMP_INT, CFG_SMP_INT, "S"},
        [CFG_CONV_NEG]      = {"neg",      CFG_SMP_INT, CFG_SMP_INT, ""},
        [CFG_CONV_CPL]      = {"cpl",      CFG_SMP_INT, CFG_SMP_INT, ""},
        [CFG_CONV_NOT]      = {"not",      CFG_SMP_INT, CFG_SMP_BOOL, ""},
        [CFG_CONV_BOOL]     = {"bool",     CFG_SMP_INT, CFG_SMP_BOOL, ""},
        [CFG_CONV_ODD]      = {"odd",      CFG_SMP_INT, CFG_SMP_BOOL, ""},
        [CFG_CONV_EVEN]     = {"even",     CFG_SMP_INT, CFG_SMP_BOOL, ""},
        [CFG_CONV_HTTP_DATE] = {"http_date", CFG_SMP_INT, CFG_SMP_STR, "is"},
        [CFG_CONV_LTIME]    = {"ltime",    CFG_SMP_INT, CFG_SMP_STR, "Si"},
        [CFG_CONV_UTIME]    = {"utime",    CFG_SMP_INT, CFG_SMP_STR, "Si"},
        [CFG_CONV_IPMASK]   = {"ipmask",   CFG_SMP_IP,  CFG_SMP_IP,  "Mm"},
        [CFG_CONV_SET_VAR]  = {"set-var",  CFG_SMP_ANY, CFG_SMP_ANY, "Vssss"},
        [CFG_CONV_UNSET_VAR] = {"unset-var", CFG_SMP_ANY, CFG_SMP_ANY, "V"},
        [CFG_CONV_CONCAT]   = {"concat",   CFG_SMP_STR, CFG_SMP_STR, "sss"},
        [CFG_CONV_STRCMP]   = {"strcmp",   CFG_SMP_STR, CFG_SMP_INT, "V"},
        [CFG_CONV_SECURE_MEMCMP] = {"secure_memcmp", CFG_SMP_BIN, CFG_SMP_BOOL, "V"},
        [CFG_CONV_MAP]      = {"map",      CFG_SMP_STR, CFG_SMP_STR, "Ss"},
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
                if (smp->convs[i].conv == CFG_CONV_TABLE ||
                    smp->convs[i].conv == CFG_CONV_TABLE_TRACKERS ||
                    smp->convs[i].conv == CFG_CONV_IN_TABLE)
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
