#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lb.h"
#include "lb_fwrr.h"
#include "macros.h"
#include "model.h"
#include "region.h"
#include "srv_state.h"
#include "unit.h"

#define MAX_SRV 16

/* A backend built by hand, its shared state table and one balancer over it. */
struct fx {
        struct cfg_proxy be;
        struct cfg_server srv[MAX_SRV];
        char names[MAX_SRV][8];
        struct shm_region *region;
        struct srv_state_table *table;
        struct lb lb;
        unsigned count[MAX_SRV];
};

static struct fx F;

static void fx_backend(enum cfg_balance_algo algo, const unsigned *weights, size_t n)
{
        memset(&F, 0, sizeof(F));
        ck_assert_uint_le(n, MAX_SRV);
        F.be.name = "be";
        F.be.cap = CFG_CAP_BE;
        F.be.mode = CFG_MODE_HTTP;
        F.be.balance.algo = algo;
        F.be.balance.random_draws = 2;
        F.be.hash_type.method = CFG_HASH_MAP_BASED;
        F.be.hash_type.function = CFG_HASH_FN_SDBM;
        F.be.servers = F.srv;
        F.be.n_servers = n;
        for (size_t i = 0; i < n; i++) {
                snprintf(F.names[i], sizeof(F.names[i]), "s%zu", i);
                F.srv[i].name = F.names[i];
                F.srv[i].id = (unsigned)i + 1;
                F.srv[i].opts.weight = weights ? weights[i] : 1;
        }
}

/* Create the table and the balancer once the backend is complete. */
static void fx_start(void)
{
        ck_assert_int_eq(srv_state_create((uint32_t)F.be.n_servers, 1, &F.region, &F.table), 0);
        lb_init_states(&F.be, F.table->recs);
        ck_assert_int_eq(lb_init(&F.lb, &F.be, F.table->recs), 0);
        lb_seed(&F.lb, 42);
}

static void fx_teardown(void)
{
        lb_deinit(&F.lb);
        F.region = shm_region_free(F.region);
}

static struct srv_state_rec *rec(unsigned i)
{
        return srv_state_rec(F.table, i);
}

/* Pick and release at once, @n times, counting the servers picked. */
static void spin(const struct lb_key *key, const uint8_t *exclude, unsigned n)
{
        memset(F.count, 0, sizeof(F.count));
        for (unsigned k = 0; k < n; k++) {
                int i = lb_pick(&F.lb, key, exclude);

                ck_assert_int_ge(i, 0);
                ck_assert_int_lt(i, (int)F.be.n_servers);
                F.count[i]++;
                lb_release(&F.lb, i);
        }
}

static struct lb_key path_key(const char *path)
{
        struct lb_key k = {0};
        const char *q = strchr(path, '?');

        if (q) {
                k.path = sl_str_make(path, (size_t)(q - path));
                k.query = sl_str_from_cstr(q + 1);
        } else {
                k.path = sl_str_from_cstr(path);
        }
        return k;
}

static struct lb_key v4_key(uint32_t host_order)
{
        struct lb_key k = {.family = AF_INET};

        k.addr[0] = (uint8_t)(host_order >> 24);
        k.addr[1] = (uint8_t)(host_order >> 16);
        k.addr[2] = (uint8_t)(host_order >> 8);
        k.addr[3] = (uint8_t)host_order;
        return k;
}

/* ---- hash functions ---- */

START_TEST(test_hash_functions_known_answers)
{
        /* CRC-32 (IEEE) check value */
        ck_assert_uint_eq(lb_hash(CFG_HASH_FN_CRC32, false, "123456789", 9), 0xcbf43926u);
        /* djb2: ((5381 * 33 + 'a') * 33 + 'b') * 33 + 'c' */
        ck_assert_uint_eq(lb_hash(CFG_HASH_FN_DJB2, false, "abc", 3), 193485963u);
        /* sdbm: h = c + (h << 6) + (h << 16) - h */
        ck_assert_uint_eq(lb_hash(CFG_HASH_FN_SDBM, false, "a", 1), 97u);
        ck_assert_uint_eq(lb_hash(CFG_HASH_FN_SDBM, false, "ab", 2), 6363201u);
        ck_assert_uint_eq(lb_hash(CFG_HASH_FN_SDBM, false, "", 0), 0u);
        /* none: the key is a number, as HAProxy's read_int64() */
        ck_assert_uint_eq(lb_hash(CFG_HASH_FN_NONE, false, "12345xyz", 8), 12345u);
        ck_assert_uint_eq(lb_hash(CFG_HASH_FN_NONE, false, "-1", 2), 0xffffffffu);
        ck_assert_uint_eq(lb_hash(CFG_HASH_FN_NONE, false, "abc", 3), 0u);
        /* avalanche is a bijection mixing every bit: neighbours land far apart */
        ck_assert_uint_ne(lb_hash(CFG_HASH_FN_NONE, true, "1", 1),
                          lb_hash(CFG_HASH_FN_NONE, true, "2", 1));
        ck_assert_uint_ne(lb_hash(CFG_HASH_FN_NONE, true, "1", 1), 1u);
        /* wt6 differs from the others and is stable */
        ck_assert_uint_eq(lb_hash(CFG_HASH_FN_WT6, false, "abc", 3),
                          lb_hash(CFG_HASH_FN_WT6, false, "abc", 3));
        ck_assert_uint_ne(lb_hash(CFG_HASH_FN_WT6, false, "abc", 3),
                          lb_hash(CFG_HASH_FN_WT6, false, "abd", 3));
}
END_TEST

START_TEST(test_init_errors)
{
        struct lb lb;

        fx_backend(CFG_LB_ROUNDROBIN, NULL, 2);
        ck_assert_int_eq(srv_state_create(2, 1, &F.region, &F.table), 0);
        F.be.n_servers = 0;
        ck_assert_int_eq(lb_init(&lb, &F.be, F.table->recs), -EINVAL);
        lb_deinit(&lb);
        F.be.n_servers = 2;
        F.be.balance.algo = CFG_LB_URL_PARAM;
        ck_assert_int_eq(lb_init(&lb, &F.be, F.table->recs), -EOPNOTSUPP);
        F.region = shm_region_free(F.region);
}
END_TEST

/* ---- roundrobin ---- */

/* Sequences of servers HAProxy 2.6.12 chose for consecutive requests of one client on new
 * connections, per set of weights: its fwrr order, which repeats every sum of weights. */
static const struct {
        unsigned w[5];
        unsigned n;
        int seq[11];
} haproxy_rr[] = {
        {{1, 1, 1}, 3, {0, 1, 2}},
        {{3, 1}, 2, {0, 0, 0, 1}},
        {{5, 1, 1}, 3, {0, 0, 0, 1, 0, 0, 2}},
        {{2, 3}, 2, {1, 1, 0, 1, 0}},
        {{7, 3}, 2, {0, 0, 0, 1, 0, 0, 1, 0, 0, 1}},
        {{4, 6, 1}, 3, {1, 1, 0, 1, 0, 1, 2, 1, 0, 1, 0}},
        {{1, 1, 2, 3}, 4, {3, 2, 3, 0, 2, 3, 1}},
};

START_TEST(test_rr_haproxy_sequences)
{
        unsigned sum = 0;

        fx_backend(CFG_LB_ROUNDROBIN, haproxy_rr[_i].w, haproxy_rr[_i].n);
        for (unsigned k = 0; k < haproxy_rr[_i].n; k++)
                sum += haproxy_rr[_i].w[k];
        fx_start();
        ck_assert_uint_eq(F.lb.order_len, sum);
        for (unsigned k = 0; k < 3 * sum; k++) {
                int i = lb_pick(&F.lb, NULL, NULL);

                ck_assert_int_eq(i, haproxy_rr[_i].seq[k % sum]);
                lb_release(&F.lb, i);
        }
        spin(NULL, NULL, 100 * sum);
        for (unsigned k = 0; k < haproxy_rr[_i].n; k++)
                ck_assert_uint_eq(F.count[k], 100 * haproxy_rr[_i].w[k]);
        fx_teardown();
}
END_TEST

/* Weights whose fwrr window does not split into equal rounds: HAProxy's order repeats only
 * after 463 picks (16 * 29 - 1), with one pick of server 1 fewer than its share, and this is
 * the order sluice follows (picks 455 to 474 as HAProxy 2.6.12 made them). */
START_TEST(test_fwrr_long_cycle)
{
        static const uint32_t w[] = {10, 9, 10};
        static const uint32_t at455[] = {0, 2, 0, 1, 2, 0, 1, 2, 0, 2,
                                         0, 2, 1, 0, 2, 1, 0, 2, 1, 0};
        static uint32_t out[2000];
        unsigned count[3] = {0};
        int n = lb_fwrr_order(w, 3, out, 2000);

        ck_assert_int_eq(n, 463);
        for (int i = 0; i < n; i++)
                count[out[i]]++;
        ck_assert_uint_eq(count[0], 160);
        ck_assert_uint_eq(count[1], 143);
        ck_assert_uint_eq(count[2], 160);
        for (unsigned i = 0; i < 20; i++)
                ck_assert_uint_eq(out[(455 + i) % 463], at455[i]);
        /* a table too short holds the first picks */
        ck_assert_int_eq(lb_fwrr_order(w, 3, out, 10), 10);
        ck_assert_uint_eq(out[0], 0);
        ck_assert_int_eq(lb_fwrr_order(w, 0, out, 10), -EINVAL);
        ck_assert_int_eq(lb_fwrr_order((const uint32_t[]){1, 0}, 2, out, 10), -EINVAL);
}
END_TEST

/* Two balancers over one table, as two workers: their picks, interleaved in any way, make
 * the one sequence HAProxy makes, because the position is shared. */
START_TEST(test_rr_position_shared_by_workers)
{
        static const unsigned w[] = {5, 1, 1};
        static const int seq[] = {0, 0, 0, 1, 0, 0, 2};
        static const int who[] = {0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 1, 0, 1};
        struct lb other;

        fx_backend(CFG_LB_ROUNDROBIN, w, 3);
        fx_start();
        ck_assert_int_eq(lb_init(&other, &F.be, F.table->recs), 0);
        for (unsigned k = 0; k < SL_ARRAY_SIZE(who); k++) {
                struct lb *lb = who[k] ? &other : &F.lb;
                int i = lb_pick(lb, NULL, NULL);

                ck_assert_int_eq(i, seq[k % 7]);
                lb_release(lb, i);
        }
        /* static-rr too */
        lb_deinit(&other);
        fx_teardown();
        fx_backend(CFG_LB_STATIC_RR, w, 3);
        fx_start();
        ck_assert_int_eq(lb_init(&other, &F.be, F.table->recs), 0);
        for (unsigned k = 0; k < SL_ARRAY_SIZE(who); k++) {
                struct lb *lb = who[k] ? &other : &F.lb;
                int i = lb_pick(lb, NULL, NULL);

                ck_assert_int_eq(i, (int)F.lb.map[k % F.lb.map_len]);
                lb_release(lb, i);
        }
        lb_deinit(&other);
        fx_teardown();
}
END_TEST

START_TEST(test_rr_dynamic_weight)
{
        fx_backend(CFG_LB_ROUNDROBIN, NULL, 2);
        fx_start();
        spin(NULL, NULL, 100);
        ck_assert_uint_eq(F.count[0], 50);
        ck_assert_uint_eq(F.count[1], 50);
        srv_state_set_weight(rec(0), 3);
        spin(NULL, NULL, 400);
        ck_assert_uint_eq(F.count[0], 300);
        ck_assert_uint_eq(F.count[1], 100);
        srv_state_set_weight(rec(0), 0);
        spin(NULL, NULL, 10);
        ck_assert_uint_eq(F.count[1], 10);
        fx_teardown();
}
END_TEST

START_TEST(test_rr_skips_unusable)
{
        static const unsigned w[] = {1, 0, 1, 1, 1};

        fx_backend(CFG_LB_ROUNDROBIN, w, 5);
        F.srv[4].opts.flags = CFG_SRV_DISABLED;
        fx_start();
        srv_state_set_op(rec(2), SRV_OP_DOWN);
        spin(NULL, NULL, 100);
        ck_assert_uint_eq(F.count[0], 50);
        ck_assert_uint_eq(F.count[3], 50);
        srv_state_set_admin(rec(3), SRV_ADMIN_DRAIN, 0);
        spin(NULL, NULL, 10);
        ck_assert_uint_eq(F.count[0], 10);
        srv_state_set_admin(rec(0), SRV_ADMIN_MAINT, 0);
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), -1);
        srv_state_set_op(rec(2), SRV_OP_UP);
        spin(NULL, NULL, 10);
        ck_assert_uint_eq(F.count[2], 10);
        fx_teardown();
}
END_TEST

START_TEST(test_rr_maxconn_skipped_then_none)
{
        int held[6];

        fx_backend(CFG_LB_ROUNDROBIN, NULL, 2);
        F.srv[0].opts.maxconn = 2;
        F.srv[1].opts.maxconn = 3;
        fx_start();
        for (int k = 0; k < 5; k++) {
                held[k] = lb_pick(&F.lb, NULL, NULL);
                ck_assert_int_ge(held[k], 0);
        }
        ck_assert_uint_eq(srv_state_cur_conns(rec(0)), 2);
        ck_assert_uint_eq(srv_state_cur_conns(rec(1)), 3);
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), -1);
        lb_release(&F.lb, 1);
        held[5] = lb_pick(&F.lb, NULL, NULL);
        ck_assert_int_eq(held[5], 1);
        lb_release(&F.lb, 0);
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), 0);
        fx_teardown();
}
END_TEST

START_TEST(test_rr_exclude)
{
        uint8_t ex[LB_EXCLUDE_BYTES(3)] = {0};

        fx_backend(CFG_LB_ROUNDROBIN, NULL, 3);
        fx_start();
        lb_exclude_set(ex, 1);
        spin(NULL, ex, 100);
        ck_assert_uint_eq(F.count[1], 0);
        ck_assert_uint_eq(F.count[0], 50);
        ck_assert_uint_eq(F.count[2], 50);
        lb_exclude_set(ex, 0);
        lb_exclude_set(ex, 2);
        ck_assert_int_eq(lb_pick(&F.lb, NULL, ex), -1);
        fx_teardown();
}
END_TEST

START_TEST(test_backup_only_when_primaries_down)
{
        static const unsigned w[] = {1, 1, 1, 1};

        fx_backend(CFG_LB_ROUNDROBIN, w, 4);
        F.srv[2].opts.flags = CFG_SRV_BACKUP;
        F.srv[3].opts.flags = CFG_SRV_BACKUP;
        fx_start();
        spin(NULL, NULL, 100);
        ck_assert_uint_eq(F.count[0] + F.count[1], 100);
        srv_state_set_op(rec(0), SRV_OP_DOWN);
        spin(NULL, NULL, 10);
        ck_assert_uint_eq(F.count[1], 10);
        srv_state_set_admin(rec(1), SRV_ADMIN_MAINT, 0);
        /* the first usable backup only, not all of them */
        spin(NULL, NULL, 10);
        ck_assert_uint_eq(F.count[2], 10);
        srv_state_set_op(rec(2), SRV_OP_DOWN);
        spin(NULL, NULL, 10);
        ck_assert_uint_eq(F.count[3], 10);
        srv_state_set_op(rec(0), SRV_OP_UP);
        spin(NULL, NULL, 10);
        ck_assert_uint_eq(F.count[0], 10);
        fx_teardown();
}
END_TEST

/* ---- static-rr ---- */

START_TEST(test_static_rr)
{
        static const unsigned w[] = {6, 2};

        fx_backend(CFG_LB_STATIC_RR, w, 2);
        fx_start();
        spin(NULL, NULL, 4000);
        ck_assert_uint_eq(F.count[0], 3000);
        ck_assert_uint_eq(F.count[1], 1000);
        /* static: runtime weights other than 0 change nothing */
        srv_state_set_weight(rec(0), 2);
        spin(NULL, NULL, 4000);
        ck_assert_uint_eq(F.count[0], 3000);
        srv_state_set_weight(rec(0), 0);
        spin(NULL, NULL, 10);
        ck_assert_uint_eq(F.count[1], 10);
        fx_teardown();
}
END_TEST

/* ---- leastconn ---- */

START_TEST(test_leastconn_picks_least_loaded)
{
        static const unsigned w[] = {1, 1, 1};
        int i;

        fx_backend(CFG_LB_LEASTCONN, w, 3);
        fx_start();
        for (int k = 0; k < 5; k++)
                ck_assert(srv_state_try_acquire(rec(0), 0));
        for (int k = 0; k < 2; k++)
                ck_assert(srv_state_try_acquire(rec(1), 0));
        for (int k = 0; k < 3; k++)
                ck_assert(srv_state_try_acquire(rec(2), 0));
        i = lb_pick(&F.lb, NULL, NULL);
        ck_assert_int_eq(i, 1);
        /* now 5, 3, 3: a tie between 1 and 2 goes to the one after the last pick */
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), 2);
        /* 5, 3, 4 */
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), 1);
        fx_teardown();
}
END_TEST

START_TEST(test_leastconn_weighted_and_ties_rotate)
{
        static const unsigned w[] = {2, 1};

        fx_backend(CFG_LB_LEASTCONN, w, 2);
        fx_start();
        /* 4 / 2 < 3 / 1 */
        for (int k = 0; k < 4; k++)
                ck_assert(srv_state_try_acquire(rec(0), 0));
        for (int k = 0; k < 3; k++)
                ck_assert(srv_state_try_acquire(rec(1), 0));
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), 0);
        srv_state_release_n(rec(0), 5);
        srv_state_release_n(rec(1), 3);
        /* all idle: ties alternate, starting after the last pick (server 0) */
        for (int k = 0; k < 6; k++) {
                int i = lb_pick(&F.lb, NULL, NULL);

                ck_assert_int_eq(i, (k + 1) % 2);
                lb_release(&F.lb, i);
        }
        /* held connections fill in weight proportion: 2 : 1 */
        for (int k = 0; k < 300; k++)
                ck_assert_int_ge(lb_pick(&F.lb, NULL, NULL), 0);
        ck_assert_uint_eq(srv_state_cur_conns(rec(0)), 200);
        ck_assert_uint_eq(srv_state_cur_conns(rec(1)), 100);
        fx_teardown();
}
END_TEST

START_TEST(test_leastconn_maxconn)
{
        fx_backend(CFG_LB_LEASTCONN, NULL, 2);
        F.srv[0].opts.maxconn = 1;
        F.srv[1].opts.maxconn = 1;
        fx_start();
        ck_assert_int_ge(lb_pick(&F.lb, NULL, NULL), 0);
        ck_assert_int_ge(lb_pick(&F.lb, NULL, NULL), 0);
        ck_assert_uint_eq(srv_state_cur_conns(rec(0)), 1);
        ck_assert_uint_eq(srv_state_cur_conns(rec(1)), 1);
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), -1);
        fx_teardown();
}
END_TEST

/* ---- first ---- */

START_TEST(test_first_fills_in_order)
{
        fx_backend(CFG_LB_FIRST, NULL, 3);
        for (int i = 0; i < 3; i++)
                F.srv[i].opts.maxconn = 3;
        fx_start();
        for (int k = 0; k < 9; k++)
                ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), k / 3);
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), -1);
        lb_release(&F.lb, 1);
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), 1);
        lb_release(&F.lb, 0);
        lb_release(&F.lb, 2);
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), 0);
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), 2);
        fx_teardown();
}
END_TEST

/* HAProxy's first fills servers by id, not by declaration: ids given with "id" reorder */
START_TEST(test_first_orders_by_id)
{
        static const int want[] = {1, 1, 2, 2, 0, 0};

        fx_backend(CFG_LB_FIRST, NULL, 3);
        F.srv[0].id = 30;
        F.srv[1].id = 10;
        F.srv[2].id = 20;
        for (int i = 0; i < 3; i++)
                F.srv[i].opts.maxconn = 2;
        fx_start();
        for (int k = 0; k < 6; k++)
                ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), want[k]);
        fx_teardown();
}
END_TEST

START_TEST(test_first_unlimited_takes_all)
{
        uint8_t ex[1] = {0};

        fx_backend(CFG_LB_FIRST, NULL, 3);
        fx_start();
        spin(NULL, NULL, 50);
        ck_assert_uint_eq(F.count[0], 50);
        lb_exclude_set(ex, 0);
        spin(NULL, ex, 5);
        ck_assert_uint_eq(F.count[1], 5);
        fx_teardown();
}
END_TEST

/* ---- source ---- */

START_TEST(test_source_stable_and_spread)
{
        struct lb_key k6 = {.family = AF_INET6};
        int first, i;

        fx_backend(CFG_LB_SOURCE, NULL, 4);
        fx_start();
        for (uint32_t a = 0; a < 8; a++) {
                struct lb_key k = v4_key(0x0a000001u + a * 7919u);

                first = lb_pick(&F.lb, &k, NULL);
                lb_release(&F.lb, first);
                for (int n = 0; n < 20; n++) {
                        i = lb_pick(&F.lb, &k, NULL);
                        ck_assert_int_eq(i, first);
                        lb_release(&F.lb, i);
                }
                /* map-based over equal weights: the address itself modulo 4 */
                ck_assert_int_eq(first, (int)((0x0a000001u + a * 7919u) % 4));
        }
        memset(F.count, 0, sizeof(F.count));
        for (uint32_t a = 0; a < 10000; a++) {
                struct lb_key k = v4_key(0xc0a80000u + a * 2654435761u);

                i = lb_pick(&F.lb, &k, NULL);
                F.count[i]++;
                lb_release(&F.lb, i);
        }
        for (int s = 0; s < 4; s++) {
                ck_assert_uint_gt(F.count[s], 2250);
                ck_assert_uint_lt(F.count[s], 2750);
        }
        /* IPv6: the XOR of the four words */
        k6.addr[3] = 1;
        k6.addr[15] = 2;
        i = lb_pick(&F.lb, &k6, NULL);
        ck_assert_int_eq(i, 3);
        lb_release(&F.lb, i);
        fx_teardown();
}
END_TEST

START_TEST(test_source_weighted_map)
{
        static const unsigned w[] = {30, 10};
        int i;

        fx_backend(CFG_LB_SOURCE, w, 2);
        F.be.hash_type.avalanche = true;
        fx_start();
        memset(F.count, 0, sizeof(F.count));
        for (uint32_t a = 0; a < 8000; a++) {
                struct lb_key k = v4_key(0x0a000000u + a);

                i = lb_pick(&F.lb, &k, NULL);
                F.count[i]++;
                lb_release(&F.lb, i);
        }
        ck_assert_uint_gt(F.count[0], 5700);
        ck_assert_uint_lt(F.count[0], 6300);
        fx_teardown();
}
END_TEST

START_TEST(test_source_missing_address_falls_back_to_rr)
{
        struct lb_key k = {0};

        fx_backend(CFG_LB_SOURCE, NULL, 3);
        fx_start();
        for (int n = 0; n < 6; n++) {
                int i = lb_pick(&F.lb, &k, NULL);

                ck_assert_int_eq(i, n % 3);
                lb_release(&F.lb, i);
        }
        spin(NULL, NULL, 30);
        ck_assert_uint_eq(F.count[0], 10);
        fx_teardown();
}
END_TEST

START_TEST(test_hash_target_full_is_refused)
{
        struct lb_key k = v4_key(0x0a000002u);
        int i;

        fx_backend(CFG_LB_SOURCE, NULL, 4);
        for (int s = 0; s < 4; s++)
                F.srv[s].opts.maxconn = 1;
        fx_start();
        i = lb_pick(&F.lb, &k, NULL);
        ck_assert_int_eq(i, 2);
        /* HAProxy would queue on server 2; without a queue, no server */
        ck_assert_int_eq(lb_pick(&F.lb, &k, NULL), -1);
        lb_release(&F.lb, i);
        ck_assert_int_eq(lb_pick(&F.lb, &k, NULL), 2);
        fx_teardown();
}
END_TEST

/* ---- uri ---- */

static int uri_pick(const char *path)
{
        struct lb_key k = path_key(path);
        int i = lb_pick(&F.lb, &k, NULL);

        ck_assert_int_ge(i, 0);
        lb_release(&F.lb, i);
        return i;
}

static int expect4(const char *s)
{
        return (int)(lb_hash(CFG_HASH_FN_SDBM, false, s, strlen(s)) % 4);
}

START_TEST(test_uri_plain_len_depth_whole)
{
        fx_backend(CFG_LB_URI, NULL, 4);
        fx_start();
        /* the query is not hashed by default */
        ck_assert_int_eq(uri_pick("/img/a.png?x=1"), expect4("/img/a.png"));
        ck_assert_int_eq(uri_pick("/img/a.png?x=2"), expect4("/img/a.png"));
        for (int n = 0; n < 10; n++)
                ck_assert_int_eq(uri_pick("/img/b.png"), expect4("/img/b.png"));
        fx_teardown();

        fx_backend(CFG_LB_URI, NULL, 4);
        F.be.balance.uri_len = 5;
        fx_start();
        ck_assert_int_eq(uri_pick("/abcdef"), expect4("/abcd"));
        ck_assert_int_eq(uri_pick("/abcdXYZ"), expect4("/abcd"));
        ck_assert_int_eq(uri_pick("/ab"), expect4("/ab"));
        fx_teardown();

        fx_backend(CFG_LB_URI, NULL, 4);
        F.be.balance.uri_depth = 2;
        fx_start();
        ck_assert_int_eq(uri_pick("/a/b/c/d"), expect4("/a/b"));
        ck_assert_int_eq(uri_pick("/a/b/zzz"), expect4("/a/b"));
        ck_assert_int_eq(uri_pick("/a/b"), expect4("/a/b"));
        ck_assert_int_eq(uri_pick("/a/bcd?q"), expect4("/a/bcd"));
        fx_teardown();

        fx_backend(CFG_LB_URI, NULL, 4);
        F.be.balance.uri_whole = true;
        F.be.balance.uri_len = 12;
        fx_start();
        ck_assert_int_eq(uri_pick("/p?x=1"), expect4("/p?x=1"));
        ck_assert_int_eq(uri_pick("/p?"), expect4("/p?"));
        ck_assert_int_eq(uri_pick("/p"), expect4("/p"));
        ck_assert_int_eq(uri_pick("/path?query=long"), expect4("/path?query="));
        fx_teardown();
}
END_TEST

/* An absolute URI: HAProxy hashes the request-target as received, scheme and authority
 * included, unless path-only; "len" and "depth" count over what is hashed. */
static int abs_pick(const char *head, const char *path)
{
        struct lb_key k = path_key(path);
        int i;

        k.uri_head = sl_str_from_cstr(head);
        i = lb_pick(&F.lb, &k, NULL);
        ck_assert_int_ge(i, 0);
        lb_release(&F.lb, i);
        return i;
}

START_TEST(test_uri_absolute_and_path_only)
{
        fx_backend(CFG_LB_URI, NULL, 4);
        fx_start();
        ck_assert_int_eq(abs_pick("http://example.com", "/k1/x?q"),
                         expect4("http://example.com/k1/x"));
        ck_assert_int_eq(abs_pick("", "/k1/x?q"), expect4("/k1/x"));
        fx_teardown();

        fx_backend(CFG_LB_URI, NULL, 4);
        F.be.balance.uri_path_only = true;
        fx_start();
        ck_assert_int_eq(abs_pick("http://example.com", "/k1/x?q"), expect4("/k1/x"));
        fx_teardown();

        /* the slashes of "http://" count for depth, and the head for len, as in HAProxy */
        fx_backend(CFG_LB_URI, NULL, 4);
        F.be.balance.uri_depth = 3;
        fx_start();
        ck_assert_int_eq(abs_pick("http://h", "/a/b/c"), expect4("http://h/a"));
        fx_teardown();
        fx_backend(CFG_LB_URI, NULL, 4);
        F.be.balance.uri_len = 5;
        fx_start();
        ck_assert_int_eq(abs_pick("http://h", "/a/b/c"), expect4("http:"));
        fx_teardown();
        fx_backend(CFG_LB_URI, NULL, 4);
        F.be.balance.uri_path_only = true;
        F.be.balance.uri_whole = true;
        fx_start();
        ck_assert_int_eq(abs_pick("http://h", "/a?b"), expect4("/a?b"));
        fx_teardown();
}
END_TEST

START_TEST(test_uri_spread_and_functions)
{
        static const enum cfg_hash_function fns[] = {CFG_HASH_FN_SDBM, CFG_HASH_FN_DJB2,
                                                     CFG_HASH_FN_WT6, CFG_HASH_FN_CRC32};
        char path[32];

        for (size_t f = 0; f < 4; f++) {
                fx_backend(CFG_LB_URI, NULL, 4);
                F.be.hash_type.function = fns[f];
                F.be.hash_type.avalanche = true;
                fx_start();
                memset(F.count, 0, sizeof(F.count));
                for (int n = 0; n < 8000; n++) {
                        snprintf(path, sizeof(path), "/objects/%d.jpg", n);
                        F.count[uri_pick(path)]++;
                }
                for (int s = 0; s < 4; s++) {
                        ck_assert_uint_gt(F.count[s], 1700);
                        ck_assert_uint_lt(F.count[s], 2300);
                }
                fx_teardown();
        }
}
END_TEST

/* ---- hdr ---- */

struct hdrs {
        const char *name;
        const char *value;
};

static struct sl_str hdr_get(void *data, const char *name, size_t name_len)
{
        const struct hdrs *h = data;

        if (h->name && strlen(h->name) == name_len && strncasecmp(h->name, name, name_len) == 0)
                return sl_str_from_cstr(h->value);
        return SL_STR_NULL;
}

static int hdr_pick(const char *name, const char *value)
{
        struct hdrs h = {name, value};
        struct lb_key k = {.hdr = hdr_get, .hdr_data = &h};
        int i = lb_pick(&F.lb, &k, NULL);

        ck_assert_int_ge(i, 0);
        lb_release(&F.lb, i);
        return i;
}

START_TEST(test_hdr_hash_and_fallback)
{
        fx_backend(CFG_LB_HDR, NULL, 4);
        F.be.balance.arg = "X-User";
        fx_start();
        for (int n = 0; n < 5; n++)
                ck_assert_int_eq(hdr_pick("x-user", "alice"), expect4("alice"));
        ck_assert_int_eq(hdr_pick("X-User", "bob"), expect4("bob"));
        /* absent or empty: round robin over the map */
        for (int n = 0; n < 8; n++)
                ck_assert_int_eq(hdr_pick("Other", "alice"), n % 4);
        for (int n = 0; n < 4; n++)
                ck_assert_int_eq(hdr_pick("X-User", ""), n % 4);
        fx_teardown();
}
END_TEST

START_TEST(test_hdr_use_domain_only)
{
        fx_backend(CFG_LB_HDR, NULL, 4);
        F.be.balance.arg = "Host";
        F.be.balance.hdr_use_domain_only = true;
        fx_start();
        ck_assert_int_eq(hdr_pick("Host", "www.example.com"), expect4("example"));
        ck_assert_int_eq(hdr_pick("Host", "api.example.com"), expect4("example"));
        ck_assert_int_eq(hdr_pick("Host", "example.com"), expect4("example"));
        ck_assert_int_eq(hdr_pick("Host", "a.b.example.org"), expect4("example"));
        ck_assert_int_eq(hdr_pick("Host", "localhost"), expect4("localhost"));
        fx_teardown();
}
END_TEST

/* ---- consistent hashing ---- */

#define N_KEYS 10000

static void assign_keys(int *out)
{
        char path[32];

        for (int n = 0; n < N_KEYS; n++) {
                snprintf(path, sizeof(path), "/k/%d", n);
                out[n] = uri_pick(path);
        }
}

static unsigned moved_after_removing(enum cfg_hash_method method, unsigned victim)
{
        static int before[N_KEYS], after[N_KEYS];
        unsigned moved = 0;

        fx_backend(CFG_LB_URI, NULL, 10);
        F.be.hash_type.method = method;
        F.be.hash_type.avalanche = true;
        fx_start();
        assign_keys(before);
        srv_state_set_admin(rec(victim), SRV_ADMIN_MAINT, 0);
        assign_keys(after);
        for (int n = 0; n < N_KEYS; n++) {
                ck_assert_int_ne(after[n], (int)victim);
                if (before[n] != after[n]) {
                        moved++;
                        /* consistent: only the victim's keys move */
                        if (method == CFG_HASH_CONSISTENT)
                                ck_assert_int_eq(before[n], (int)victim);
                }
        }
        /* and back: the same assignment as before */
        srv_state_set_admin(rec(victim), 0, SRV_ADMIN_MAINT);
        assign_keys(after);
        ck_assert_mem_eq(before, after, sizeof(before));
        fx_teardown();
        return moved;
}

START_TEST(test_consistent_moves_one_nth)
{
        unsigned moved = moved_after_removing(CFG_HASH_CONSISTENT, 3);

        /* ~1/10 of the keys */
        ck_assert_uint_gt(moved, N_KEYS / 20);
        ck_assert_uint_lt(moved, N_KEYS * 3 / 20);
        /* map-based reshuffles most keys */
        ck_assert_uint_gt(moved_after_removing(CFG_HASH_MAP_BASED, 3), N_KEYS / 2);
}
END_TEST

START_TEST(test_consistent_spread_weights_exclude)
{
        static const unsigned w[] = {10, 10, 10, 30};
        uint8_t ex[1] = {0};
        char path[32];
        int i, j;

        fx_backend(CFG_LB_URI, w, 4);
        F.be.hash_type.method = CFG_HASH_CONSISTENT;
        F.be.hash_type.avalanche = true;
        fx_start();
        memset(F.count, 0, sizeof(F.count));
        for (int n = 0; n < 12000; n++) {
                snprintf(path, sizeof(path), "/w/%d", n);
                F.count[uri_pick(path)]++;
        }
        for (int s = 0; s < 3; s++) {
                ck_assert_uint_gt(F.count[s], 1200);
                ck_assert_uint_lt(F.count[s], 2800);
        }
        ck_assert_uint_gt(F.count[3], 5000);
        ck_assert_uint_lt(F.count[3], 7000);

        /* an excluded server gives way to another, the same every time */
        i = uri_pick("/retry-me");
        lb_exclude_set(ex, (uint32_t)i);
        {
                struct lb_key k = path_key("/retry-me");

                j = lb_pick(&F.lb, &k, ex);
                ck_assert_int_ge(j, 0);
                ck_assert_int_ne(j, i);
                lb_release(&F.lb, j);
                ck_assert_int_eq(lb_pick(&F.lb, &k, ex), j);
                lb_release(&F.lb, j);
        }
        /* dynamic weights: server 3 at 10 takes about a quarter */
        srv_state_set_weight(rec(3), 10);
        memset(F.count, 0, sizeof(F.count));
        for (int n = 0; n < 12000; n++) {
                snprintf(path, sizeof(path), "/w/%d", n);
                F.count[uri_pick(path)]++;
        }
        ck_assert_uint_gt(F.count[3], 1800);
        ck_assert_uint_lt(F.count[3], 4200);
        fx_teardown();
}
END_TEST

START_TEST(test_consistent_fallback_and_map_exclude)
{
        uint8_t ex[1] = {0};
        struct lb_key k = path_key("/x");
        int i, j;

        fx_backend(CFG_LB_URI, NULL, 3);
        F.be.hash_type.method = CFG_HASH_CONSISTENT;
        fx_start();
        /* no path: walks the ring, so every server comes up */
        spin(NULL, NULL, 3000);
        for (int s = 0; s < 3; s++)
                ck_assert_uint_gt(F.count[s], 500);
        fx_teardown();

        fx_backend(CFG_LB_URI, NULL, 3);
        fx_start();
        i = lb_pick(&F.lb, &k, NULL);
        /* map-based over 3 equal weights: map = {0, 1, 2} */
        ck_assert_int_eq(i, (int)(lb_hash(CFG_HASH_FN_SDBM, false, "/x", 2) % 3));
        lb_release(&F.lb, i);
        lb_exclude_set(ex, (uint32_t)i);
        j = lb_pick(&F.lb, &k, ex);
        ck_assert_int_eq(j, (i + 1) % 3);
        lb_release(&F.lb, j);
        fx_teardown();
}
END_TEST

/* ---- random ---- */

START_TEST(test_random_power_of_two)
{
        fx_backend(CFG_LB_RANDOM, NULL, 3);
        fx_start();
        for (int k = 0; k < 10; k++)
                ck_assert(srv_state_try_acquire(rec(0), 0));
        spin(NULL, NULL, 3000);
        /* server 0 wins only when both draws land on it: about 1/9 */
        ck_assert_uint_lt(F.count[0], 3000 / 5);
        ck_assert_uint_gt(F.count[1], 1000);
        ck_assert_uint_gt(F.count[2], 1000);
        fx_teardown();
}
END_TEST

START_TEST(test_random_weighted_and_deterministic)
{
        static const unsigned w[] = {30, 10};
        int seq[64];

        fx_backend(CFG_LB_RANDOM, w, 2);
        F.be.balance.random_draws = 1;
        fx_start();
        spin(NULL, NULL, 8000);
        ck_assert_uint_gt(F.count[0], 5200);
        ck_assert_uint_lt(F.count[0], 6800);

        lb_seed(&F.lb, 7);
        for (int n = 0; n < 64; n++) {
                seq[n] = lb_pick(&F.lb, NULL, NULL);
                lb_release(&F.lb, seq[n]);
        }
        lb_seed(&F.lb, 7);
        for (int n = 0; n < 64; n++) {
                int i = lb_pick(&F.lb, NULL, NULL);

                ck_assert_int_eq(i, seq[n]);
                lb_release(&F.lb, i);
        }
        fx_teardown();
}
END_TEST

START_TEST(test_random_full_and_exclude)
{
        uint8_t ex[1] = {0};

        fx_backend(CFG_LB_RANDOM, NULL, 2);
        F.srv[0].opts.maxconn = 1;
        F.srv[1].opts.maxconn = 1;
        fx_start();
        lb_exclude_set(ex, 0);
        spin(NULL, ex, 100);
        ck_assert_uint_eq(F.count[1], 100);
        ck_assert(srv_state_try_acquire(rec(0), 1));
        ck_assert(srv_state_try_acquire(rec(1), 1));
        ck_assert_int_eq(lb_pick(&F.lb, NULL, NULL), -1);
        fx_teardown();
}
END_TEST

/* ---- several workers ---- */

START_TEST(test_two_workers_share_maxconn)
{
        pid_t pids[2];
        int status;

        fx_backend(CFG_LB_LEASTCONN, NULL, 2);
        F.srv[0].opts.maxconn = 4;
        F.srv[1].opts.maxconn = 4;
        fx_start();
        for (int p = 0; p < 2; p++) {
                pids[p] = fork();
                ck_assert_int_ge(pids[p], 0);
                if (pids[p] == 0) {
                        struct lb lb;
                        int held[8], n = 0;

                        if (lb_init(&lb, &F.be, F.table->recs) < 0)
                                _exit(2);
                        for (int k = 0; k < 20000; k++) {
                                int i = lb_pick(&lb, NULL, NULL);

                                if (i >= 0) {
                                        if (srv_state_cur_conns(&F.table->recs[i]) > 4)
                                                _exit(3);
                                        held[n++] = i;
                                }
                                if (n == 8 || (i < 0 && n > 0) || (k % 3 == 0 && n > 0))
                                        lb_release(&lb, held[--n]);
                        }
                        while (n > 0)
                                lb_release(&lb, held[--n]);
                        lb_deinit(&lb);
                        _exit(0);
                }
        }
        for (int p = 0; p < 2; p++) {
                ck_assert_int_eq(waitpid(pids[p], &status, 0), pids[p]);
                ck_assert(WIFEXITED(status));
                ck_assert_int_eq(WEXITSTATUS(status), 0);
        }
        ck_assert_uint_eq(srv_state_cur_conns(rec(0)), 0);
        ck_assert_uint_eq(srv_state_cur_conns(rec(1)), 0);
        fx_teardown();
}
END_TEST

int main(void)
{
        Suite *s = suite_create("worker/lb");
        TCase *th = tcase_create("hash");
        TCase *trr = tcase_create("roundrobin");
        TCase *tlc = tcase_create("leastconn_first");
        TCase *ths = tcase_create("hashing");
        TCase *tch = tcase_create("consistent");
        TCase *trn = tcase_create("random");
        TCase *tmp = tcase_create("workers");

        tcase_add_test(th, test_hash_functions_known_answers);
        tcase_add_test(th, test_init_errors);
        tcase_add_loop_test(trr, test_rr_haproxy_sequences, 0, SL_ARRAY_SIZE(haproxy_rr));
        tcase_add_test(trr, test_fwrr_long_cycle);
        tcase_add_test(trr, test_rr_position_shared_by_workers);
        tcase_add_test(trr, test_rr_dynamic_weight);
        tcase_add_test(trr, test_rr_skips_unusable);
        tcase_add_test(trr, test_rr_maxconn_skipped_then_none);
        tcase_add_test(trr, test_rr_exclude);
        tcase_add_test(trr, test_backup_only_when_primaries_down);
        tcase_add_test(trr, test_static_rr);
        tcase_add_test(tlc, test_leastconn_picks_least_loaded);
        tcase_add_test(tlc, test_leastconn_weighted_and_ties_rotate);
        tcase_add_test(tlc, test_leastconn_maxconn);
        tcase_add_test(tlc, test_first_fills_in_order);
        tcase_add_test(tlc, test_first_orders_by_id);
        tcase_add_test(tlc, test_first_unlimited_takes_all);
        tcase_add_test(ths, test_source_stable_and_spread);
        tcase_add_test(ths, test_source_weighted_map);
        tcase_add_test(ths, test_source_missing_address_falls_back_to_rr);
        tcase_add_test(ths, test_hash_target_full_is_refused);
        tcase_add_test(ths, test_uri_plain_len_depth_whole);
        tcase_add_test(ths, test_uri_absolute_and_path_only);
        tcase_add_test(ths, test_uri_spread_and_functions);
        tcase_add_test(ths, test_hdr_hash_and_fallback);
        tcase_add_test(ths, test_hdr_use_domain_only);
        tcase_add_test(tch, test_consistent_moves_one_nth);
        tcase_add_test(tch, test_consistent_spread_weights_exclude);
        tcase_add_test(tch, test_consistent_fallback_and_map_exclude);
        tcase_add_test(trn, test_random_power_of_two);
        tcase_add_test(trn, test_random_weighted_and_deterministic);
        tcase_add_test(trn, test_random_full_and_exclude);
        tcase_add_test(tmp, test_two_workers_share_maxconn);
        suite_add_tcase(s, th);
        suite_add_tcase(s, trr);
        suite_add_tcase(s, tlc);
        suite_add_tcase(s, ths);
        suite_add_tcase(s, tch);
        suite_add_tcase(s, trn);
        suite_add_tcase(s, tmp);
        return unit_run(s);
}
