#pragma once
/* Format strings as HAProxy's log-format (configuration manual, section 8.2.6): literal text,
 * "%[fetch,conv]" samples and "%{flags}VAR" log variables, compiled at load. Used by
 * log-format and by rules whose arguments are formats (set-header values, set-path, redirect
 * targets, return lf-string). */

#include <stdbool.h>
#include <stddef.h>

#include "acl.h"
#include "str.h"

/* HAProxy's log variables, in its manual's table order; the enum names keep their case
 * (CFG_LV_b is the backend name, CFG_LV_B the bytes read). */
/* clang-format off */
#define CFG_LOG_VARS(X) \
        X(B) X(CC) X(CS) X(H) X(HM) X(HP) X(HPO) X(HQ) X(HU) X(HV) X(ID) X(ST) X(T) X(Ta) X(Tc)   \
        X(Td) X(Tl) X(Th) X(Ti) X(Tq) X(TR) X(Tr) X(Ts) X(Tt) X(Tu) X(Tw) X(U) X(ac) X(b) X(bc)   \
        X(bi) X(bp) X(bq) X(ci) X(cp) X(f) X(fc) X(fi) X(fp) X(ft) X(lc) X(hr) X(hrl) X(hs)       \
        X(hsl) X(ms) X(pid) X(r) X(rc) X(rt) X(s) X(sc) X(si) X(sp) X(sq) X(sslc) X(sslv) X(t)    \
        X(tr) X(trg) X(trl) X(ts) X(tsc)
/* clang-format on */

enum cfg_log_var {
#define CFG_LOG_VAR_ENUM(name) CFG_LV_##name,
        CFG_LOG_VARS(CFG_LOG_VAR_ENUM)
#undef CFG_LOG_VAR_ENUM
        CFG_LV_COUNT,
};

const char *cfg_log_var_name(enum cfg_log_var v);

enum cfg_fmt_kind {
        CFG_FMT_LIT = 0, /* @lit as is */
        CFG_FMT_SAMPLE,  /* %[...] */
        CFG_FMT_VAR,     /* %VAR */
};

/* %{+Q}: quote; %{+X}: hexadecimal; %{+E}: escape for the log line's own syntax. */
enum {
        CFG_FMT_F_QUOTE = 1u << 0,
        CFG_FMT_F_HEX = 1u << 1,
        CFG_FMT_F_ESCAPE = 1u << 2,
        CFG_FMT_F_MANDATORY = 1u << 3, /* %{+M}: an empty value prints "-" (set on every
                                        * node of a log line) */
};

struct cfg_fmt_node {
        enum cfg_fmt_kind kind;
        struct sl_str lit;     /* LIT: arena */
        struct cfg_sample smp; /* SAMPLE */
        enum cfg_log_var var;  /* VAR */
        unsigned flags;        /* CFG_FMT_F_* */
};

struct cfg_fmt {
        const char *src; /* arena: the text as written, for dumps and messages */
        struct cfg_fmt_node *nodes;
        size_t n_nodes, cap_nodes;
        bool constant; /* literals only: the value is nodes[0].lit, or empty */
        bool log;      /* a log line (log-format): runs of spaces are one separator and an
                        * empty value prints "-", as HAProxy's LOG_OPT_MERGE_SPACES and
                        * LOG_OPT_MANDATORY; in other formats (rules) both are as written */
        bool fe_addr;  /* has %fi or %fp: a line needs the address the client reached, which
                        * costs a system call per connection to learn */
        bool be_addr;  /* has %bi or %bp: a line needs the local address of the server
                        * connection, which costs a system call per request to learn */
};
