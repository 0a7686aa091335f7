#pragma once
/* Internals of the health checks (health.h), shared by their modules: health.c runs the
 * checks (timers, connections, the rules' sequence), health_state.c keeps HAProxy's state
 * machine (results, transitions and their log lines, slowstart, track, observe),
 * health_proto.c knows what checks send and expect (the protocol checks' sequences, the
 * matches), health_agent.c talks to agents. Not for use outside these files. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "conn.h"
#include "loop.h"
#include "model.h"
#include "pp_out.h"
#include "proxy_hdr.h"
#include "srv_state.h"
#include "wctx.h"

#define CHK_IN_MAX (16u * 1024) /* what a check reads of an answer at most */

struct chk;

#define AGENT_LINE_MAX 512u

/* A connection of the checker: freed at the end of the loop turn it closes in */
struct chk_conn {
        struct conn conn;
        struct loop_reap reap;
        struct chk *chk; /* NULL once over */
};

/* An agent check under way (agent-check): its own connection and what it read */
struct agent_run {
        struct chk_conn cc; /* first: freed as the whole */
        bool connected;
        uint64_t start; /* loop time it started */
        size_t len, sent;
        char line[AGENT_LINE_MAX];
};

/* One check under way: its connection, freed at the end of the loop turn it ends in. */
struct chk_run {
        struct chk_conn cc; /* first: freed as the whole */
        struct conn_hs hs;
        struct pp_out pp;          /* check-send-proxy: the header to write first */
        uint8_t pp_buf[PP_V1_MAX]; /* the longest header a check sends (v2 LOCAL is shorter) */
};

enum chk_phase {
        CHK_PH_CONNECT = 0, /* connect() and the TLS handshake */
        CHK_PH_RULES,       /* sending and expecting */
};

struct chk {
        struct worker *w;
        struct px_rt *rt;
        const struct cfg_server *sv;
        int idx;
        struct srv_state_rec *rec;
        struct loop_timer timer;
        struct chk_run *run; /* the check under way, or NULL */
        /* the sequence: the backend's rules with the implicit ones */
        const struct cfg_check_rule **seq;
        size_t n_seq, step;
        struct cfg_check_rule implicit[3];
        enum chk_phase phase;
        bool tls;       /* the current connection speaks TLS */
        bool expected;  /* some expect rule passed (L7OK rather than L4OK/L6OK) */
        bool eof;       /* the server ended its side */
        uint64_t start; /* loop time the check started */
        char *in;       /* owned: what the server sent, CHK_IN_MAX bytes */
        size_t in_len;
        char *out; /* owned: what is left to send */
        size_t out_len, out_off;
        const char *http_meth; /* of the last request: HEAD has no body */
        unsigned http_status;  /* of the last answer that passed */
        char http_reason[40];
        bool active; /* a check is under way (chk_end() not called yet) */
        /* a protocol check's rules (option redis-check ...), built at start; owned */
        struct cfg_check_rule *own;
        char *own_data;
        uint64_t ramp_start; /* slowstart: loop time it came up; 0: not ramping */
        /* agent-check */
        struct loop_timer agent_timer;
        struct agent_run *agent;
        bool agent_down; /* the agent said down, stopped or fail */
        bool was_maint;  /* in maintenance at the last look (leaving it ramps too) */
        /* what the last passing expect rule said (its status, code and text) */
        enum srv_chk_status ok_status;
        unsigned ok_code;
        char ok_info[40];
};

_Static_assert((int)CFG_CHK_ST_L4OK == (int)SRV_CHK_L4OK &&
                       (int)CFG_CHK_ST_L6RSP == (int)SRV_CHK_L6RSP &&
                       (int)CFG_CHK_ST_L7OK == (int)SRV_CHK_L7OK &&
                       (int)CFG_CHK_ST_L7STS == (int)SRV_CHK_L7STS,
               "config's check statuses are numbered as shm's");

/* A server that tracks another ("track"): its state follows that of @root, the checked
 * server at the end of its tracking chain. */
/* A server with "track": it follows @root, the checked server its chain ends at, and takes
 * the maintenance and drain of the server it names (@parent, itself a tracker or the root),
 * so trackers are kept parents first. */
struct tracker {
        struct px_rt *rt;
        int idx;
        struct srv_state_rec *rec;
        const struct chk *root;
        const struct srv_state_rec *parent_rec;
        const struct cfg_proxy *parent_px;
        const struct cfg_server *parent_sv;
        unsigned depth; /* servers between it and the root, plus one */
};

struct checker {
        struct chk *v;
        size_t n;
        uint64_t rng;
        pcre2_match_data *md;
        struct tracker *trackers;
        size_t n_trackers;
        struct loop_timer poll; /* observe: error-limit raised by a worker, looked at often */
        bool polling;
};

#define CHK_POLL_MS 100u

static inline const struct cfg_server_check *ccfg(const struct chk *c)
{
        return &c->sv->opts.check;
}

/* health.c */
void health_cc_free(struct loop_reap *r);
void health_cc_release(struct conn *conn);
void health_cc_close(struct chk *c, struct chk_conn *cc);

/* health_state.c */
void health_log(struct chk *c, int level, const char *line);
void health_transition(struct chk *c, bool up, const struct srv_chk_result *res);
void health_result(struct chk *c, bool passed, bool cond, const struct srv_chk_result *res);
void health_ramp(struct chk *c);
void health_propagate(struct checker *ck);
void health_observe_poll(struct loop_timer *t);
int health_trackers_build(struct worker *w, struct checker *ck);

/* health_proto.c */
bool health_build_proto(struct chk *c);
bool health_re_match(struct chk *c, const void *re, const char *p, size_t n);
bool health_tcp_match(struct chk *c, const struct cfg_check_rule *r, const char *p, size_t n);
bool health_hdr_match(struct chk *c, const struct cfg_check_rule *r, const char *h, size_t hl);
void health_payload_line(const struct chk *c, size_t from, char *buf, size_t size);
int health_tcp_custom(struct chk *c, const struct cfg_check_rule *r, bool final,
                      enum srv_chk_status *st, unsigned *code, char *info, size_t isz);
bool health_status_in(unsigned st, const char *list);

/* health_agent.c */
void health_agent_close(struct chk *c);
void health_agent_timer(struct loop_timer *t);
