#pragma once
/* Sample expressions as HAProxy defines them (configuration manual, section 7.3): a fetch
 * with its arguments, then converters, each with its own arguments, applied in order:
 * "req.hdr(host),lower,map(/etc/hosts.map,default)". kw_sample.c compiles the text into
 * this form at load (names resolved, arguments typed and checked, regular expressions
 * compiled, files read); workers evaluate it (worker/sample*.c) and never parse text.
 *
 * The names, argument lists and types of every fetch and converter are in one table each
 * (sample_expr.c), read by the compiler, the dumper and the workers' messages. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

/* What a sample is. BIN is bytes that may hold NULs; STR is text (a BIN becomes a STR up to
 * its first NUL, as in HAProxy). IP holds an IPv4 or an IPv6 address. */
enum cfg_smp_type {
        CFG_SMP_BOOL = 0,
        CFG_SMP_INT,
        CFG_SMP_IP,
        CFG_SMP_STR,
        CFG_SMP_BIN,
        CFG_SMP_ANY, /* in declarations only: a converter taking any type */
};

/* Sample fetches sluice implements. Several names may share one (hdr, req.hdr, res.hdr,
 * path_beg...): the table in sample_expr.c maps names to them. */
enum cfg_fetch {
        CFG_FETCH_SRC = 0,  /* client address (ip) */
        CFG_FETCH_SRC_PORT, /* client port (int) */
        CFG_FETCH_DST,      /* local address the client reached (ip) */
        CFG_FETCH_DST_PORT, /* local port the client reached (int) */
        /* the TLS fetches, CFG_FETCH_SSL_FC to CFG_FETCH_SSL_BC_RESUMED, stay together: the
         * worker hands that range to its TLS fetches */
        CFG_FETCH_SSL_FC,     /* the client connection uses TLS (bool) */
        CFG_FETCH_SSL_FC_SNI, /* the server name the client sent (str) */
        CFG_FETCH_SSL_FC_HAS_SNI,
        CFG_FETCH_SSL_FC_PROTOCOL, /* "TLSv1.3" (str) */
        CFG_FETCH_SSL_FC_CIPHER,   /* OpenSSL's name of the cipher (str) */
        CFG_FETCH_SSL_FC_ALPN,     /* the protocol ALPN chose (str) */
        CFG_FETCH_SSL_FC_RESUMED,  /* the session was resumed (bool) */
        CFG_FETCH_SSL_FC_HAS_CRT,  /* the client sent a certificate (bool) */
        CFG_FETCH_SSL_C_USED,      /* the same, as ssl_c_used */
        CFG_FETCH_SSL_C_VERIFY,    /* the verification result of its certificate (int) */
        CFG_FETCH_SSL_C_S_DN,      /* its subject's DN, or one entry of it (str) */
        CFG_FETCH_SSL_C_I_DN,      /* its issuer's (str) */
        CFG_FETCH_SSL_C_SERIAL,    /* its serial number (bin) */
        CFG_FETCH_SSL_C_SHA1,      /* its SHA-1 fingerprint (bin) */
        CFG_FETCH_SSL_BC,          /* the server connection uses TLS (bool) */
        CFG_FETCH_SSL_BC_ALPN,
        CFG_FETCH_SSL_BC_PROTOCOL,
        CFG_FETCH_SSL_BC_RESUMED,
        CFG_FETCH_ALWAYS_TRUE,  /* (bool) */
        CFG_FETCH_ALWAYS_FALSE, /* (bool) */
        CFG_FETCH_METHOD,       /* request method (str) */
        CFG_FETCH_PATH,         /* request path, without the query string (str) */
        CFG_FETCH_QUERY,        /* the query string, without '?' (str) */
        CFG_FETCH_URL,          /* the request target as received (str) */
        CFG_FETCH_HDR,          /* a header's values, comma-separated values apart (str) */
        CFG_FETCH_HDR_CNT,      /* how many values a header has (int) */
        CFG_FETCH_HDR_VAL,      /* a header's value as an integer (int) */
        CFG_FETCH_HDR_IP,       /* a header's value as an address (ip) */
        CFG_FETCH_FHDR,         /* a header's full values, commas included (str) */
        CFG_FETCH_STATUS,       /* response status code (int) */
        CFG_FETCH_SC,           /* sc_*, scN_*: a counter of a tracked entry (int) */
        CFG_FETCH_SC_TRACKED,   /* sc_tracked, scN_tracked: is the counter tracked (bool) */
        CFG_FETCH_SRC_TBL,      /* src_*: a counter of the client address's entry (int) */
        /* constants and the process */
        CFG_FETCH_INT,      /* int(<n>) */
        CFG_FETCH_STR,      /* str(<s>) */
        CFG_FETCH_BOOL,     /* bool(<b>) */
        CFG_FETCH_IPV4,     /* ipv4(<a>), ipv6(<a>) */
        CFG_FETCH_BIN,      /* bin(<hex>) */
        CFG_FETCH_METH,     /* meth(<method>): a string */
        CFG_FETCH_ENV,      /* env(<name>) */
        CFG_FETCH_HOSTNAME, /* the host's name */
        CFG_FETCH_DATE,     /* date([<offset>[,<unit>]]): seconds (or ms, us) since the epoch */
        CFG_FETCH_DATE_US,  /* the microseconds of the current second */
        CFG_FETCH_RAND,     /* rand([<range>]) */
        CFG_FETCH_UUID,     /* uuid([4]) */
        CFG_FETCH_STOPPING, /* the worker is stopping (an old generation) */
        CFG_FETCH_PROC,     /* 1: one process in HAProxy's numbering */
        CFG_FETCH_THREAD,   /* the worker's number, from 0 (HAProxy's thread number) */
        CFG_FETCH_NBPROC,   /* 1 */
        /* proxies and servers */
        CFG_FETCH_FE_NAME,   /* fe_name: the frontend's name */
        CFG_FETCH_FE_ID,     /* fe_id */
        CFG_FETCH_BE_NAME,   /* be_name: the backend chosen, once it is */
        CFG_FETCH_BE_ID,     /* be_id */
        CFG_FETCH_SRV_NAME,  /* srv_name: the server, once connected */
        CFG_FETCH_SRV_ID,    /* srv_id */
        CFG_FETCH_NBSRV,     /* nbsrv([<backend>]): usable servers */
        CFG_FETCH_SRV_IS_UP, /* srv_is_up([<backend>/]<server>) */
        CFG_FETCH_SRC_LOCAL, /* src_is_local: the client address is one of the host's */
        CFG_FETCH_DST_LOCAL, /* dst_is_local */
        /* HTTP */
        CFG_FETCH_PATHQ,           /* the path with its query string */
        CFG_FETCH_BASE,            /* Host field + path (without the query) */
        CFG_FETCH_BASEQ,           /* base with the query */
        CFG_FETCH_BASE32,          /* a 32-bit hash of base */
        CFG_FETCH_BASE32_SRC,      /* base32 followed by the client address, binary */
        CFG_FETCH_URL_IP,          /* the IPv4 address of an absolute target */
        CFG_FETCH_URL_PORT,        /* the port of an absolute target */
        CFG_FETCH_URL_PARAM,       /* url_param([<name>[,<delim>]]) (str) */
        CFG_FETCH_URLP_VAL,        /* urlp_val: its value as an integer */
        CFG_FETCH_COOK,            /* req.cook([<name>]): a cookie's value */
        CFG_FETCH_COOK_CNT,        /* req.cook_cnt([<name>]) */
        CFG_FETCH_COOK_VAL,        /* req.cook_val([<name>]): an integer */
        CFG_FETCH_VER,             /* req.ver, res.ver: "1.1" */
        CFG_FETCH_HDRS,            /* req.hdrs, res.hdrs: the header block as received */
        CFG_FETCH_HDR_NAMES,       /* req.hdr_names([<delim>]) */
        CFG_FETCH_FHDR_CNT,        /* req.fhdr_cnt([<name>]): whole lines */
        CFG_FETCH_FIRST_REQ,       /* http_first_req: the connection's first request */
        CFG_FETCH_PROTO_HTTP,      /* req.proto_http: the request is HTTP */
        CFG_FETCH_CAPTURE_METHOD,  /* capture.req.method */
        CFG_FETCH_CAPTURE_URI,     /* capture.req.uri */
        CFG_FETCH_CAPTURE_VER,     /* capture.req.ver, capture.res.ver: "HTTP/1.1" */
        CFG_FETCH_VAR,             /* var(<name>[,<default>]): the type it was set with */
        CFG_FETCH_HTTP_AUTH,       /* http_auth(<userlist>): the Basic credentials are valid */
        CFG_FETCH_HTTP_AUTH_GROUP, /* http_auth_group(<userlist>): the user, when valid (str);
                                    * an ACL matches its groups (CFG_MATCH_AUTH) */
        CFG_FETCH_UNIQUE_ID,       /* unique-id: the frontend's unique-id-format, made once */
        CFG_FETCH_FC_HTTP_MAJOR,   /* fc_http_major: 1 or 2, the client connection's HTTP */
        CFG_FETCH_FC_GLITCHES,     /* fc_glitches: its HTTP/2 protocol glitches so far */
        CFG_FETCH_FC_PP_AUTHORITY, /* fc_pp_authority: the PROXY v2 header's authority TLV */
        CFG_FETCH_FC_PP_UNIQUE_ID, /* fc_pp_unique_id: its unique id TLV */
        CFG_FETCH_FC_PP_TLV,       /* fc_pp_tlv(<id>): its first TLV of that type */
        /* content inspection of TCP streams: the bytes the client sent so far */
        CFG_FETCH_REQ_LEN,        /* req.len */
        CFG_FETCH_PAYLOAD,        /* req.payload(<offset>,<length>) */
        CFG_FETCH_SSL_HELLO_TYPE, /* req.ssl_hello_type */
        CFG_FETCH_SSL_VER,        /* req.ssl_ver: major * 65536 + minor */
        CFG_FETCH_RDP_COOKIE,     /* req.rdp_cookie([name]) */
        CFG_FETCH_RDP_COOKIE_CNT, /* req.rdp_cookie_cnt([name]): 1 when there is one, else 0 */
        CFG_FETCH_SSL_SNI,        /* req.ssl_sni */
        CFG_FETCH_SSL_ALPN,       /* req.ssl_alpn: each name */
        CFG_FETCH_WAIT_END,       /* wait_end: true once inspect-delay is over */
        CFG_FETCH_COUNT,
};

/* Converters sluice implements. */
enum cfg_conv {
        CFG_CONV_LOWER = 0,
        CFG_CONV_UPPER,
        CFG_CONV_TABLE, /* table_<what>(<table>): the key's counter, an integer */
        CFG_CONV_TABLE_TRACKERS,
        CFG_CONV_IN_TABLE,
        /* text */
        CFG_CONV_LENGTH,
        CFG_CONV_BYTES,
        CFG_CONV_FIELD,
        CFG_CONV_WORD,
        CFG_CONV_REGSUB,
        CFG_CONV_LTRIM,
        CFG_CONV_RTRIM,
        CFG_CONV_CUT_CRLF,
        CFG_CONV_JSON,
        CFG_CONV_URL_DEC,
        CFG_CONV_URL_ENC,
        CFG_CONV_LANGUAGE,
        CFG_CONV_IIF,
        /* encodings */
        CFG_CONV_HEX,
        CFG_CONV_HEX2I,
        CFG_CONV_BASE64,
        CFG_CONV_B64DEC,
        CFG_CONV_UB64ENC,
        CFG_CONV_UB64DEC,
        CFG_CONV_BE2DEC,
        CFG_CONV_BE2HEX,
        CFG_CONV_HTONL,
        /* hashes and digests */
        CFG_CONV_CRC32,
        CFG_CONV_CRC32C,
        CFG_CONV_DJB2,
        CFG_CONV_SDBM,
        CFG_CONV_WT6,
        CFG_CONV_XXH32,
        CFG_CONV_XXH64,
        CFG_CONV_XXH3,
        CFG_CONV_SHA1,
        CFG_CONV_SHA2,
        CFG_CONV_DIGEST,
        CFG_CONV_HMAC,
        /* integers */
        CFG_CONV_ADD,
        CFG_CONV_SUB,
        CFG_CONV_MUL,
        CFG_CONV_DIV,
        CFG_CONV_MOD,
        CFG_CONV_AND,
        CFG_CONV_OR,
        CFG_CONV_XOR,
        CFG_CONV_NEG,
        CFG_CONV_CPL,
        CFG_CONV_NOT,
        CFG_CONV_BOOL,
        CFG_CONV_ODD,
        CFG_CONV_EVEN,
        /* time */
        CFG_CONV_HTTP_DATE,
        CFG_CONV_LTIME,
        CFG_CONV_UTIME,
        /* addresses */
        CFG_CONV_IPMASK,
        /* variables */
        CFG_CONV_SET_VAR,
        CFG_CONV_UNSET_VAR,
        CFG_CONV_CONCAT,
        CFG_CONV_STRCMP,
        CFG_CONV_SECURE_MEMCMP,
        /* maps: map, map_<match>[_<output>](<file>[,<default>]) */
        CFG_CONV_MAP,
        CFG_CONV_COUNT,
};

/* Match methods of ACLs and maps (HAProxy's "-m"). */
enum cfg_match {
        CFG_MATCH_STR = 0, /* exact string */
        CFG_MATCH_BEG,     /* prefix */
        CFG_MATCH_END,     /* suffix */
        CFG_MATCH_SUB,     /* substring */
        CFG_MATCH_REG,     /* regular expression (PCRE2, as Debian's HAProxy) */
        CFG_MATCH_DIR,     /* a slash-delimited path component */
        CFG_MATCH_DOM,     /* a dot-delimited domain component */
        CFG_MATCH_LEN,     /* the length is in an integer range */
        CFG_MATCH_FOUND,   /* the sample exists */
        CFG_MATCH_INT,     /* integer in a range */
        CFG_MATCH_IP,      /* address in a network */
        CFG_MATCH_BOOL,    /* the sample is non-zero */
        CFG_MATCH_BIN,     /* exact bytes, the pattern written in hexadecimal */
        CFG_MATCH_AUTH,    /* http_auth_group's own (no "-m" names it): the user's groups,
                            * in the userlist of the fetch's argument, against the patterns */
};
/* When a fetch can run: at connection accept, on a request, on a response. */
enum {
        CFG_FETCH_AT_CONN = 1u << 0,
        CFG_FETCH_AT_REQ = 1u << 1,
        CFG_FETCH_AT_RES = 1u << 2,
        /* the client's bytes in TCP mode, before a server is chosen (tcp-request content
         * rules, use_backend): content inspection, which is not HTTP */
        CFG_FETCH_AT_CONTENT = 1u << 3,
        /* internal data only (constants, env(), date, proc. variables): also in the global
         * section's set-var, where there is no connection */
        CFG_FETCH_AT_INIT = 1u << 4,
};

/* Which message a header fetch reads: "req.hdr" and "res.hdr" say; plain "hdr" means the
 * one the rule runs on (HAProxy's rule). */
enum cfg_smp_dir {
        CFG_DIR_CTX = 0,
        CFG_DIR_REQ,
        CFG_DIR_RES,
};

/* What a stick-table fetch does with its data type (sc_*, scN_*, src_*). */
enum cfg_stk_op {
        CFG_STK_GET = 0, /* read the value (a rate over its period; kbytes_*: bytes / 1024) */
        CFG_STK_INC,     /* inc_gpc0/1: add 1 (and to gpcN_rate when stored), give the result */
        CFG_STK_CLR,     /* clr_gpc0/1: set 0, give the value before */
        CFG_STK_KBYTES,  /* kbytes_in/out: the byte count / 1024 */
};

/* Scopes of variables (HAProxy's "proc.", "sess.", "txn.", "req.", "res."). */
enum cfg_var_scope {
        CFG_SCOPE_PROC = 0, /* the worker process */
        CFG_SCOPE_SESS,     /* the client connection */
        CFG_SCOPE_TXN,      /* the request and its response */
        CFG_SCOPE_REQ,      /* the request's processing only */
        CFG_SCOPE_RES,      /* the response's processing only */
        CFG_SCOPE_COUNT,
};

/* Where variables of a scope are kept: REQ and RES share one store, which holds the
 * request's variables until the response's processing starts (HAProxy's vars_reqres). */
enum cfg_var_store {
        CFG_VSTORE_PROC = 0,
        CFG_VSTORE_SESS,
        CFG_VSTORE_TXN,
        CFG_VSTORE_REQRES,
        CFG_VSTORE_COUNT,
};

/* A variable named in the configuration: its scope and its slot in its scope's store (one
 * slot per name, numbered at load). */
struct cfg_var_ref {
        enum cfg_var_scope scope;
        unsigned idx;
        const char *name; /* arena: "scope.name" as written, for dumps and messages */
};

static inline enum cfg_var_store cfg_var_store_of(enum cfg_var_scope s)
{
        return s == CFG_SCOPE_RES ? CFG_VSTORE_REQRES : (enum cfg_var_store)s;
}

/* set-var conditions (HAProxy's VF_COND_*). */
enum {
        CFG_VAR_IFEXISTS = 1u << 0,
        CFG_VAR_IFNOTEXISTS = 1u << 1,
        CFG_VAR_IFEMPTY = 1u << 2,
        CFG_VAR_IFNOTEMPTY = 1u << 3,
        CFG_VAR_IFSET = 1u << 4,
        CFG_VAR_IFNOTSET = 1u << 5,
        CFG_VAR_IFGT = 1u << 6,
        CFG_VAR_IFLT = 1u << 7,
};

/* Argument types, as letters in the argument lists of sample_expr.c: upper case mandatory,
 * lower case optional (every argument after an optional one is optional too). */
enum cfg_arg_type {
        CFG_ARG_STR = 0,  /* 'S' text */
        CFG_ARG_INT,      /* 'I' a signed 64-bit integer */
        CFG_ARG_TABLE,    /* 'T' a proxy with a stick-table, resolved at the end of load */
        CFG_ARG_BACKEND,  /* 'B' a backend, resolved at the end of load */
        CFG_ARG_SERVER,   /* 'E' [<backend>/]<server>, resolved at the end of load */
        CFG_ARG_REGEX,    /* 'R' a regular expression, compiled at load */
        CFG_ARG_MASK,     /* 'M' an address mask: dotted, IPv6, or a prefix length */
        CFG_ARG_VAR,      /* 'V' a variable; a check may also turn a STR argument into one */
        CFG_ARG_USERLIST, /* 'U' a userlist, resolved at the end of load */
        CFG_ARG_COUNT,
};

struct cfg_proxy;

/* One argument, typed. @str always holds the text as written (after unquoting). */
struct cfg_arg {
        enum cfg_arg_type type;
        struct sl_str str;      /* arena */
        int64_t i;              /* INT; for STR, what a check made of the text (a code) */
        const void *ref;        /* TABLE, BACKEND: const struct cfg_proxy *; SERVER: its backend;
                                 * USERLIST: const struct cfg_userlist *; resolved at the end of
                                 * load. REGEX: the pcre2_code, freed with the generation */
        struct cfg_var_ref var; /* VAR */
        int family;             /* MASK: AF_INET or AF_INET6; STR: an address constant's */
        uint8_t addr[16];       /* MASK: the mask; STR: an address constant; BIN constants are in
                                 * @str */
};

/* One converter of a sample expression. */
/* A sample's value, as fetches produce it, converters change it and matchers read it. */
struct cfg_smp_value {
        enum cfg_smp_type type;
        int64_t i;         /* BOOL, INT */
        struct sl_str str; /* STR, BIN: borrowed */
        int family;        /* IP: AF_INET or AF_INET6 */
        uint8_t addr[16];  /* IP */
};

struct cfg_map;

struct cfg_conv_call {
        enum cfg_conv conv;
        struct cfg_arg *args; /* arena array */
        unsigned n_args;
        unsigned stk_dt;                  /* TABLE: enum stkt_data_type */
        enum cfg_stk_op stk_op;           /* TABLE */
        unsigned var_flags;               /* SET_VAR: CFG_VAR_* conditions */
        enum cfg_smp_type in, out;        /* what it takes and gives (a map's vary with its name) */
        const struct cfg_map *map;        /* MAP: arena, shared by the uses of its file */
        struct cfg_smp_value map_default; /* MAP: of the map's output type */
        bool map_has_default;
        bool map_backrefs; /* MAP: map_regm, "\\N" in values are the key's groups */
};

struct cfg_sample {
        const char *src; /* arena: the expression as written, for dumps and messages */
        enum cfg_fetch fetch;
        enum cfg_smp_dir dir;
        struct cfg_arg *args; /* arena array: the fetch's arguments */
        unsigned n_args;
        struct cfg_conv_call *convs; /* arena array, applied in order */
        unsigned n_convs;
        enum cfg_smp_type type; /* of the result, after the converters */
        unsigned at;            /* CFG_FETCH_AT_*: when it can run */
        /* header fetches */
        const char *arg; /* arena: the header name, or NULL */
        size_t arg_len;
        int occ; /* occurrence: 0 every one, N > 0 the Nth, -N the Nth last */
        /* stick-table fetches */
        unsigned sc;                   /* SC, SC_TRACKED: the counter, 0 .. 2 */
        unsigned stk_dt;               /* SC, SRC_TBL: enum stkt_data_type */
        enum cfg_stk_op stk_op;        /* SC, SRC_TBL */
        const char *table_name;        /* arena: the table argument as written, or NULL */
        const struct cfg_proxy *table; /* its proxy, resolved at the end of load; SRC_TBL
                                        * without argument: the rule's own proxy; NULL: for
                                        * SC, whatever table the counter tracks */
};

/* Output type of a fetch, its name (the first of its names), where it can run. */
enum cfg_smp_type cfg_fetch_type(enum cfg_fetch f);
const char *cfg_fetch_name(enum cfg_fetch f);
unsigned cfg_fetch_at(enum cfg_fetch f);
const char *cfg_conv_name(enum cfg_conv c);
/* "proc", "sess", "txn", "req", "res". */
const char *cfg_var_scope_name(enum cfg_var_scope s);
/* "boolean", "integer", "address", "string", "binary". */
const char *cfg_smp_type_name(enum cfg_smp_type t);

/* Can a value of type @from be given where @to is expected (HAProxy's sample_casts)? */
bool cfg_smp_can_cast(enum cfg_smp_type from, enum cfg_smp_type to);

/* Output type of a sample: of its last converter, or of its fetch. */
enum cfg_smp_type cfg_sample_type(const struct cfg_sample *smp);

/* Does @smp read a stick table (a stick-table fetch, or a table converter)? */
bool cfg_sample_uses_table(const struct cfg_sample *smp);

/* The stick-table fetch suffix @name (@len bytes: "http_req_rate", "inc_gpc0", ...) as a
 * data type and an operation; false when sluice has no such fetch. */
bool cfg_stk_what_parse(const char *name, size_t len, unsigned *ret_dt, enum cfg_stk_op *ret_op);
/* The suffix for @dt and @op, or "?". */
const char *cfg_stk_what_name(unsigned dt, enum cfg_stk_op op);

/* ---- the tables (sample_expr.c) ---- */

/* CFG_FETCH_AT_* shorthands for the tables. */
#define CFG_AT_ANY  (CFG_FETCH_AT_CONN | CFG_FETCH_AT_REQ | CFG_FETCH_AT_RES)
#define CFG_AT_HTTP (CFG_FETCH_AT_REQ | CFG_FETCH_AT_RES)

/* What every name of one fetch shares. */
struct cfg_fetch_info {
        const char *name; /* its first name, for messages and dumps */
        enum cfg_smp_type type;
        unsigned at; /* CFG_FETCH_AT_* */
};

/* One name of a fetch. */
struct cfg_fetch_kw {
        const char *name;
        enum cfg_fetch fetch;
        enum cfg_smp_dir dir;
        int implied;      /* enum cfg_match an ACL derivative implies (path_beg), or -1 */
        const char *args; /* argument letters (enum cfg_arg_type), "" for none */
};

struct cfg_conv_kw {
        const char *name;
        enum cfg_smp_type in, out;
        const char *args; /* argument letters */
};

const struct cfg_fetch_info *cfg_fetch_info(enum cfg_fetch f);
/* The fetch named by the @len bytes at @name, or NULL. */
const struct cfg_fetch_kw *cfg_fetch_kw_find(const char *name, size_t len);
/* Name @i of the table, NULL past its end (for suggestions). */
const struct cfg_fetch_kw *cfg_fetch_kw_at(size_t i);
const struct cfg_conv_kw *cfg_conv_kw(enum cfg_conv c);
/* The converter named by the @len bytes at @name (its id into *ret), or NULL. table_<what>
 * converters are not found here: their name carries the counter. */
const struct cfg_conv_kw *cfg_conv_kw_find(const char *name, size_t len, enum cfg_conv *ret);
