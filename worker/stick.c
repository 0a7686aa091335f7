/* Stick counters: what a session or a stream tracks in the shared stick tables and what it
 * counts there. Every update is one atomic operation of shm/stktable.c on an entry the
 * session or stream holds a reference on, so the counters of all workers meet exactly in one
 * entry. Called by the rules and the stream (stream.h), and by sample fetches. */
#include "stick.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loop.h"
#include "macros.h"
#include "sess_addr.h"
#include "sess_more.h"
#include "stktable.h"
#include "stream-t.h"
#include "wcount.h"
#include "wctx.h"

static uint64_t stick_now(const struct worker *w)
{
        return loop_now(w->loop);
}

static struct stkt *stick_table_of(struct worker *w, const struct cfg_proxy *px)
{
        return px ? worker_rt(w, px)->table : NULL;
}

/* What a session that tracks nothing reads */
static const struct stick_ctr stick_none[STICK_COUNTERS] = {{.rec = -1}, {.rec = -1}, {.rec = -1}};

/* The counters tracked for @ss's connection, for reading */
static const struct stick_ctr *stick_sess_ctrs(const struct sess *ss)
{
        return ss->more ? ss->more->sc : stick_none;
}

/* The counter @sc a rule or fetch acts on: the stream's when it tracks it, else the
 * session's (HAProxy's smp_fetch_sc_stkctr()). */
static const struct stick_ctr *stick_ctr_of(const struct sess *ss, const struct stream *st,
                                            unsigned sc)
{
        if (st && st->sc[sc].t)
                return &st->sc[sc];
        return &stick_sess_ctrs(ss)[sc];
}

/* Count @inc on counter and rate data types, when the table stores them. */
static void stick_count(struct stkt *t, uint32_t idx, enum stkt_data_type cnt,
                        enum stkt_data_type rate, uint64_t inc, uint64_t now)
{
        if (!inc)
                return;
        if (cnt < STKT_DT_COUNT)
                (void)stkt_add(t, idx, cnt, inc);
        if (rate < STKT_DT_COUNT)
                (void)stkt_rate_update(t, idx, rate, (uint32_t)SL_MIN(inc, (uint64_t)UINT32_MAX),
                                       now);
}

#define NO_DT STKT_DT_COUNT

/* The key of @v for a table of @def's key type, into @buf (STKT_KEY_MAX bytes). */
static bool stick_key(const struct cfg_stick_table *def, const struct cfg_smp_value *v,
                      uint8_t *buf, struct stkt_key *key)
{
        char text[64];
        uint64_t u;

        switch (def->key_type) {
        case STKT_KEY_IPV4:
                if (v->type == CFG_SMP_IP && v->family == AF_INET) {
                        memcpy(buf, v->addr, 4);
                } else if (v->type == CFG_SMP_IP && v->family == AF_INET6 &&
                           IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)v->addr)) {
                        memcpy(buf, v->addr + 12, 4);
                } else if (v->type == CFG_SMP_STR) {
                        sl_str_copy(text, sizeof(text), v->str);
                        if (inet_pton(AF_INET, text, buf) != 1)
                                return false;
                } else {
                        return false;
                }
                *key = (struct stkt_key){buf, 4};
                return true;
        case STKT_KEY_IPV6:
                if (v->type == CFG_SMP_IP && v->family == AF_INET6) {
                        memcpy(buf, v->addr, 16);
                } else if (v->type == CFG_SMP_IP && v->family == AF_INET) {
                        memset(buf, 0, 10);
                        buf[10] = buf[11] = 0xff;
                        memcpy(buf + 12, v->addr, 4);
                } else if (v->type == CFG_SMP_STR) {
                        sl_str_copy(text, sizeof(text), v->str);
                        if (inet_pton(AF_INET6, text, buf) != 1) {
                                if (inet_pton(AF_INET, text, buf + 12) != 1)
                                        return false;
                                memset(buf, 0, 10);
                                buf[10] = buf[11] = 0xff;
                        }
                } else {
                        return false;
                }
                *key = (struct stkt_key){buf, 16};
                return true;
        case STKT_KEY_INTEGER:
                if (v->type == CFG_SMP_INT || v->type == CFG_SMP_BOOL) {
                        u = (uint64_t)v->i;
                } else if (v->type == CFG_SMP_IP && v->family == AF_INET) {
                        uint32_t a;

                        memcpy(&a, v->addr, 4);
                        u = ntohl(a);
                } else if (v->type == CFG_SMP_STR) {
                        char *end;

                        sl_str_copy(text, sizeof(text), v->str);
                        errno = 0;
                        u = (uint64_t)strtoll(text, &end, 10);
                        if (!text[0] || *end || errno)
                                return false;
                } else {
                        return false;
                }
                memcpy(buf, &u, 8);
                *key = (struct stkt_key){buf, 8};
                return true;
        case STKT_KEY_STRING:
        case STKT_KEY_BINARY: {
                size_t n;

                if (v->type == CFG_SMP_STR || v->type == CFG_SMP_BIN) {
                        n = SL_MIN(v->str.len, (size_t)def->key_len);
                        memcpy(buf, v->str.ptr, n);
                } else if (v->type == CFG_SMP_IP) {
                        if (def->key_type == STKT_KEY_BINARY) {
                                n = SL_MIN((size_t)(v->family == AF_INET ? 4 : 16),
                                           (size_t)def->key_len);
                                memcpy(buf, v->addr, n);
                        } else {
                                if (!inet_ntop(v->family, v->addr, text, sizeof(text)))
                                        return false;
                                n = SL_MIN(strlen(text), (size_t)def->key_len);
                                memcpy(buf, text, n);
                        }
                } else {
                        int k = snprintf(text, sizeof(text), "%lld", (long long)v->i);

                        n = SL_MIN((size_t)(k < 0 ? 0 : k), (size_t)def->key_len);
                        memcpy(buf, text, n);
                }
                *key = (struct stkt_key){buf, (uint32_t)n};
                return true;
        }
        case STKT_KEY_COUNT:
                break;
        }
        return false;
}

/* Record a reference in the ledger (worker.h: stick_ledger, stick_ids), if it has room. */
static int32_t stick_ledger_add(struct worker *w, const struct px_rt *rt, uint32_t idx,
                                bool conn_cur)
{
        uint32_t rec;

        if (!w->stick_ledger || rt->table_id == STICK_NO_ID)
                return -1;
        if (w->stick_ledger_n_free == 0) {
                wc_proc_add(w, ST_C_STICK_UNLEDGERED);
                return -1;
        }
        rec = w->stick_ledger_free[--w->stick_ledger_n_free];
        atomic_store_explicit(&w->stick_ledger[rec],
                              (conn_cur ? STICK_LEDGER_CONN : 0) |
                                      ((uint64_t)rt->table_id + 1) << 32 | idx,
                              memory_order_release);
        return (int32_t)rec;
}

static void stick_ledger_clear(struct worker *w, int32_t rec)
{
        if (rec < 0)
                return;
        atomic_store_explicit(&w->stick_ledger[rec], 0, memory_order_release);
        w->stick_ledger_free[w->stick_ledger_n_free++] = (uint32_t)rec;
}

unsigned stick_ledger_release(_Atomic uint64_t *recs, size_t n,
                              struct stkt *(*table_of)(void *data, unsigned id), void *data)
{
        unsigned given = 0;

        for (size_t i = 0; i < n; i++) {
                uint64_t r = atomic_exchange_explicit(&recs[i], 0, memory_order_acq_rel);
                struct stkt *t;

                if (!r)
                        continue;
                t = table_of(data, (unsigned)((r >> 32) & 0xffff) - 1);
                if (!t)
                        continue;
                if (r & STICK_LEDGER_CONN)
                        (void)stkt_dec(t, (uint32_t)r, STKT_DT_CONN_CUR);
                if (stkt_unref(t, (uint32_t)r) == 0)
                        given++;
        }
        return given;
}

void stick_track(struct sess *ss, struct stream *st, unsigned sc, const struct cfg_proxy *table_px,
                 const struct cfg_smp_value *key, enum stick_level level)
{
        struct worker *w = ss->w;
        struct stkt *t = stick_table_of(w, table_px);
        struct stick_ctr *c;
        uint8_t buf[STKT_KEY_MAX];
        struct stkt_key k;
        uint64_t now = stick_now(w);
        uint32_t idx;
        int r;

        if (!t || sc >= STICK_COUNTERS || (level == STICK_REQ && !st))
                return;
        /* a counter already tracked, at either level, stays as it is */
        if (stick_sess_ctrs(ss)[sc].t || (st && st->sc[sc].t))
                return;
        if (!stick_key(table_px->table, key, buf, &k))
                return;
        if (level == STICK_CONN) {
                struct sess_more *m = sess_more(ss);

                if (!m)
                        return;
                c = &m->sc[sc];
        } else {
                c = &st->sc[sc];
        }
        r = stkt_track(t, &k, now, &idx);
        if (r < 0) {
                wc_proc_add(w, ST_C_STICK_REFUSED);
                return;
        }
        c->t = t;
        c->idx = idx;
        stkt_touch(t, idx, now);
        (void)stkt_add(t, idx, STKT_DT_CONN_CUR, 1);
        c->rec = stick_ledger_add(w, worker_rt(w, table_px), idx, true);
        /* HAProxy counts a connection whenever an entry starts being tracked, at either
         * level (stream_start_counters()): http-request track-sc counts one in conn_cnt and
         * conn_rate for every request it tracks, the keep-alive ones included, so that
         * src_conn_rate and sc0_conn_rate include the connection being served. */
        stick_count(t, idx, STKT_DT_CONN_CNT, STKT_DT_CONN_RATE, 1, now);
        if (level == STICK_CONN) {
                stick_count(t, idx, STKT_DT_SESS_CNT, STKT_DT_SESS_RATE, 1, now);
        } else {
                /* the request being processed is counted as it starts being tracked */
                stick_count(t, idx, STKT_DT_HTTP_REQ_CNT, STKT_DT_HTTP_REQ_RATE, 1, now);
        }
}

void stick_persist_rule(struct stream *st, const struct cfg_stick_rule *r,
                        const struct cfg_smp_value *key)
{
        struct worker *w = st->w;
        const struct cfg_proxy *be = st->be;
        struct stkt *t = stick_table_of(w, r->table);
        uint64_t now = stick_now(w);
        uint8_t buf[STKT_KEY_MAX];
        struct stkt_key k;
        uint32_t idx;
        uint64_t id;
        int64_t at;

        if (!t || !stick_key(r->table->table, key, buf, &k))
                return;
        /* the first match decides; a persistence cookie decided before any, as in HAProxy */
        if (r->kind != CFG_STICK_STORE_REQ && st->force_idx < 0 &&
            !(st->flags & STRM_F_IGNORE_PERSIST)) {
                at = stkt_lookup(t, &k, now);
                if (at >= 0 && stkt_get(t, (uint32_t)at, STKT_DT_SERVER_ID, &id) == 0) {
                        /* the server's id (HAProxy's puid), its 1-based position */
                        for (size_t j = 0; j < be->n_servers; j++)
                                if (be->servers[j].id == id)
                                        st->force_idx = (int)j;
                        stkt_touch(t, (uint32_t)at, now);
                }
        }
        if (r->kind == CFG_STICK_MATCH || st->n_stores == STICK_STORES_MAX)
                return;
        if (stkt_track(t, &k, now, &idx) < 0) {
                wc_proc_add(w, ST_C_STICK_REFUSED);
                return;
        }
        st->stores[st->n_stores++] = (struct stick_store){
                t, idx, stick_ledger_add(w, worker_rt(w, r->table), idx, false)};
}

void stick_persist_server(struct stream *st)
{
        uint64_t now = stick_now(st->w);

        if (st->srv_idx < 0 || !st->be || (size_t)st->srv_idx >= st->be->n_servers)
                return;
        for (unsigned i = 0; i < st->n_stores; i++) {
                (void)stkt_set(st->stores[i].t, st->stores[i].idx, STKT_DT_SERVER_ID,
                               st->be->servers[st->srv_idx].id);
                stkt_touch(st->stores[i].t, st->stores[i].idx, now);
        }
}

bool stick_table_stored(const struct stream *st, const struct cfg_proxy *table)
{
        const struct stkt *t = stick_table_of(st->w, table);

        for (unsigned i = 0; t && i < st->n_stores; i++)
                if (st->stores[i].t == t)
                        return true;
        return false;
}

bool stick_store_now(struct stream *st, const struct cfg_stick_rule *r,
                     const struct cfg_smp_value *key, int srv)
{
        struct worker *w = st->w;
        struct stkt *t = stick_table_of(w, r->table);
        uint64_t now = stick_now(w);
        uint8_t buf[STKT_KEY_MAX];
        struct stkt_key k;
        uint32_t idx;
        int32_t rec;

        if (!t || !stick_key(r->table->table, key, buf, &k))
                return false;
        if (stkt_track(t, &k, now, &idx) < 0) {
                wc_proc_add(w, ST_C_STICK_REFUSED);
                return false;
        }
        rec = stick_ledger_add(w, worker_rt(w, r->table), idx, false);
        (void)stkt_set(t, idx, STKT_DT_SERVER_ID, st->be->servers[srv].id);
        stkt_touch(t, idx, now);
        stick_ledger_clear(w, rec);
        (void)stkt_unref(t, idx);
        return true;
}

static void stick_stores_release(struct stream *st)
{
        for (unsigned i = 0; i < st->n_stores; i++) {
                stick_ledger_clear(st->w, st->stores[i].rec);
                (void)stkt_unref(st->stores[i].t, st->stores[i].idx);
        }
        st->n_stores = 0;
}

void stick_inc_gpc(struct sess *ss, struct stream *st, unsigned sc, unsigned which)
{
        const struct stick_ctr *c;

        if (sc >= STICK_COUNTERS)
                return;
        c = stick_ctr_of(ss, st, sc);
        if (!c->t)
                return;
        stick_count(c->t, c->idx, which ? STKT_DT_GPC1 : STKT_DT_GPC0,
                    which ? STKT_DT_GPC1_RATE : STKT_DT_GPC0_RATE, 1, stick_now(ss->w));
}

void stick_set_gpt0(struct sess *ss, struct stream *st, unsigned sc, uint32_t v)
{
        const struct stick_ctr *c;

        if (sc >= STICK_COUNTERS)
                return;
        c = stick_ctr_of(ss, st, sc);
        if (c->t)
                (void)stkt_set(c->t, c->idx, STKT_DT_GPT0, v);
}

void stick_http_request(struct sess *ss)
{
        uint64_t now = stick_now(ss->w);

        if (!ss->more)
                return;
        for (unsigned i = 0; i < STICK_COUNTERS; i++) {
                const struct stick_ctr *c = &ss->more->sc[i];

                if (c->t) {
                        stkt_touch(c->t, c->idx, now);
                        stick_count(c->t, c->idx, STKT_DT_HTTP_REQ_CNT, STKT_DT_HTTP_REQ_RATE, 1,
                                    now);
                }
        }
}

static void stick_release(struct worker *w, struct stick_ctr *c)
{
        stick_ledger_clear(w, c->rec);
        c->rec = -1;
        (void)stkt_dec(c->t, c->idx, STKT_DT_CONN_CUR);
        stkt_touch(c->t, c->idx, stick_now(w));
        (void)stkt_unref(c->t, c->idx);
        c->t = NULL;
}

static void stick_bytes(struct worker *w, const struct stick_ctr *c, uint64_t in, uint64_t out)
{
        uint64_t now = stick_now(w);

        stick_count(c->t, c->idx, STKT_DT_BYTES_IN_CNT, STKT_DT_BYTES_IN_RATE, in, now);
        stick_count(c->t, c->idx, STKT_DT_BYTES_OUT_CNT, STKT_DT_BYTES_OUT_RATE, out, now);
}

/* Count an error or failure status on the tracked counters of @ctrs. */
static void stick_status_count(struct worker *w, const struct stick_ctr *ctrs, bool err, bool fail)
{
        uint64_t now = stick_now(w);

        for (unsigned i = 0; i < STICK_COUNTERS; i++) {
                const struct stick_ctr *c = &ctrs[i];

                if (!c->t)
                        continue;
                if (err)
                        stick_count(c->t, c->idx, STKT_DT_HTTP_ERR_CNT, STKT_DT_HTTP_ERR_RATE, 1,
                                    now);
                if (fail)
                        stick_count(c->t, c->idx, STKT_DT_HTTP_FAIL_CNT, STKT_DT_HTTP_FAIL_RATE, 1,
                                    now);
        }
}

void stick_http_status(struct sess *ss, struct stream *st, unsigned status)
{
        bool err = status >= 400 && status < 500;
        bool fail = status >= 500 && status < 600 && status != 501 && status != 505;

        if (st->flags & STRM_F_STICK_STATUS)
                return;
        st->flags |= STRM_F_STICK_STATUS;
        if (!err && !fail)
                return;
        stick_status_count(ss->w, stick_sess_ctrs(ss), err, fail);
        stick_status_count(ss->w, st->sc, err, fail);
}

void stick_stream_end(struct sess *ss, struct stream *st, uint64_t bytes_in, uint64_t bytes_out)
{
        struct worker *w = ss->w;

        if (st->flags & STRM_F_STICK_DONE)
                return;
        st->flags |= STRM_F_STICK_DONE;
        for (unsigned i = 0; i < STICK_COUNTERS; i++) {
                const struct stick_ctr *sc = &stick_sess_ctrs(ss)[i];

                if (sc->t)
                        stick_bytes(w, sc, bytes_in, bytes_out);
                if (st->sc[i].t) {
                        stick_bytes(w, &st->sc[i], bytes_in, bytes_out);
                        stick_release(w, &st->sc[i]);
                }
        }
        stick_stores_release(st);
}

void stick_sess_end(struct sess *ss)
{
        for (unsigned i = 0; ss->more && i < STICK_COUNTERS; i++)
                if (ss->more->sc[i].t)
                        stick_release(ss->w, &ss->more->sc[i]);
}

/* Read or change data type @dt of entry @idx as @op says. */
static bool stick_op(struct stkt *t, uint32_t idx, unsigned stk_dt, enum cfg_stk_op op,
                     uint64_t now, struct cfg_smp_value *v)
{
        enum stkt_data_type dt = (enum stkt_data_type)stk_dt;
        uint64_t u = 0;
        uint32_t r32 = 0;

        if (!(stkt_store(t) & STKT_F(dt)))
                return false;
        switch (op) {
        case CFG_STK_GET:
                if (stkt_dt_is_rate(dt)) {
                        if (stkt_rate_read(t, idx, dt, now, &r32) < 0)
                                return false;
                        u = r32;
                } else if (stkt_get(t, idx, dt, &u) < 0) {
                        return false;
                }
                break;
        case CFG_STK_KBYTES:
                if (stkt_get(t, idx, dt, &u) < 0)
                        return false;
                u >>= 10;
                break;
        case CFG_STK_INC:
                stick_count(t, idx, dt, dt == STKT_DT_GPC0 ? STKT_DT_GPC0_RATE : STKT_DT_GPC1_RATE,
                            1, now);
                if (stkt_get(t, idx, dt, &u) < 0)
                        return false;
                break;
        case CFG_STK_CLR:
                if (stkt_get(t, idx, dt, &u) < 0 || stkt_set(t, idx, dt, 0) < 0)
                        return false;
                break;
        }
        *v = (struct cfg_smp_value){.type = CFG_SMP_INT,
                                    .i = (int64_t)SL_MIN(u, (uint64_t)INT64_MAX)};
        return true;
}

bool stick_fetch(struct sess *ss, struct stream *st, const struct cfg_sample *smp,
                 struct cfg_smp_value *v)
{
        struct worker *w = ss->w;
        uint64_t now = stick_now(w);
        const struct stick_ctr *c;
        struct stkt *t;
        uint8_t buf[STKT_KEY_MAX];
        struct stkt_key k;
        int64_t idx;

        if (smp->fetch == CFG_FETCH_SRC_TBL) {
                struct cfg_smp_value a = {0};
                const union sl_addr *src = sess_src(ss, st);
                uint32_t nidx;

                t = stick_table_of(w, smp->table);
                if (!t)
                        return false;
                a.type = CFG_SMP_IP;
                if (src->sa.sa_family == AF_INET) {
                        a.family = AF_INET;
                        memcpy(a.addr, &src->sin.sin_addr, 4);
                } else if (src->sa.sa_family == AF_INET6) {
                        a.family = AF_INET6;
                        memcpy(a.addr, &src->sin6.sin6_addr, 16);
                } else {
                        return false;
                }
                if (!stick_key(smp->table->table, &a, buf, &k))
                        return false;
                if (smp->stk_op == CFG_STK_INC || smp->stk_op == CFG_STK_CLR) {
                        /* as HAProxy: src_inc_gpc0 and src_clr_gpc0 create the entry */
                        if (stkt_get_or_insert(t, &k, now, &nidx) < 0)
                                return false;
                        stkt_touch(t, nidx, now);
                        return stick_op(t, nidx, smp->stk_dt, smp->stk_op, now, v);
                }
                idx = stkt_lookup(t, &k, now);
                if (idx < 0) {
                        *v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = 0};
                        return (stkt_store(t) & STKT_F(smp->stk_dt)) != 0;
                }
                return stick_op(t, (uint32_t)idx, smp->stk_dt, smp->stk_op, now, v);
        }
        c = stick_ctr_of(ss, st, smp->sc);
        if (smp->fetch == CFG_FETCH_SC_TRACKED) {
                *v = (struct cfg_smp_value){.type = CFG_SMP_BOOL, .i = c->t != NULL};
                return true;
        }
        if (!c->t) {
                *v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = 0};
                return true;
        }
        t = smp->table ? stick_table_of(w, smp->table) : c->t;
        if (!t)
                return false;
        if (t == c->t)
                return stick_op(t, c->idx, smp->stk_dt, smp->stk_op, now, v);
        /* the tracked key, looked up in another table (scN_*(table)) */
        {
                int n = stkt_key_copy(c->t, c->idx, buf, sizeof(buf));

                if (n < 0)
                        return false;
                k = (struct stkt_key){buf, (uint32_t)n};
                idx = stkt_lookup(t, &k, now);
                if (idx < 0) {
                        *v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = 0};
                        return true;
                }
                return stick_op(t, (uint32_t)idx, smp->stk_dt, smp->stk_op, now, v);
        }
}

bool stick_table_conv(struct worker *w, const struct cfg_conv_call *call,
                      const struct cfg_smp_value *key, struct cfg_smp_value *v)
{
        const struct cfg_proxy *px = call->args[0].ref;
        struct stkt *t = stick_table_of(w, px);
        uint8_t buf[STKT_KEY_MAX];
        struct stkt_key k;
        int64_t idx;

        if (!t || !stick_key(px->table, key, buf, &k))
                return false;
        idx = stkt_lookup(t, &k, stick_now(w));
        if (call->conv == CFG_CONV_IN_TABLE) {
                *v = (struct cfg_smp_value){.type = CFG_SMP_BOOL, .i = idx >= 0};
                return true;
        }
        if (call->conv == CFG_CONV_TABLE_TRACKERS) {
                /* the connections tracking the entry: its reference count */
                *v = (struct cfg_smp_value){.type = CFG_SMP_INT,
                                            .i = idx < 0 ? 0 : stkt_refs(t, (uint32_t)idx)};
                return true;
        }
        if (idx < 0) {
                *v = (struct cfg_smp_value){.type = CFG_SMP_INT, .i = 0};
                return (stkt_store(t) & STKT_F(call->stk_dt)) != 0;
        }
        return stick_op(t, (uint32_t)idx, call->stk_dt, call->stk_op, stick_now(w), v);
}

void stick_table_def(const struct cfg_stick_table *c, struct stkt_def *ret)
{
        *ret = (struct stkt_def){
                .size = c->size,
                .key_type = c->key_type,
                .key_len = c->key_len,
                .store = c->store,
                .expire_ms = c->expire_ms,
                .nopurge = c->nopurge,
                /* the peer links read its changes (a disabled section's do not) */
                .sync = c->peers && !c->peers->disabled,
                /* each other node's counts, between sluice nodes (peer_links.h) */
                .contrib = c->peers && !c->peers->disabled && c->peers->n_peers > 1
                                   ? (uint32_t)SL_MIN(c->peers->n_peers - 1, STKT_CONTRIB_MAX)
                                   : 0,
        };
        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++)
                if ((c->store & STKT_F(dt)) && stkt_dt_is_rate((enum stkt_data_type)dt))
                        ret->period[dt] = c->period_ms[dt];
}

/* FNV-1a, 64 bits */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
        const unsigned char *b = p;

        for (size_t i = 0; i < n; i++) {
                h ^= b[i];
                h *= 0x100000001b3ull;
        }
        return h;
}

uint64_t stick_table_hash(const char *name, const struct cfg_stick_table *c)
{
        struct stkt_def d;
        uint32_t words[8 + STKT_DT_COUNT];
        uint64_t h = 0xcbf29ce484222325ull;

        stick_table_def(c, &d);
        words[0] = d.size;
        words[1] = (uint32_t)d.key_type;
        words[2] = d.key_len;
        words[3] = d.store;
        words[4] = d.expire_ms;
        words[5] = d.nopurge;
        words[6] = d.sync;
        words[7] = d.contrib;
        memcpy(words + 8, d.period, sizeof(d.period));
        h = fnv(h, name, strlen(name) + 1);
        /* the nodes whose counts it keeps: another set is another table */
        for (size_t i = 0; d.contrib && i < c->peers->n_peers; i++)
                h = fnv(h, c->peers->peers[i].srv.name, strlen(c->peers->peers[i].srv.name) + 1);
        return fnv(h, words, sizeof(words));
}

/* Slots examined per table per call: a table of a million entries is swept in about a
 * minute at one call per 100 ms from each worker, and a turn never spends long on it. */
#define STICK_SWEEP_BUDGET 2048u

void stick_sweep(struct worker *w)
{
        uint64_t now = loop_now(w->loop);

        for (size_t i = 0; i < w->gen->n_proxies; i++)
                if (w->rt[i].table)
                        (void)stkt_sweep(w->rt[i].table, now, STICK_SWEEP_BUDGET);
}
