#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macros.h"
#include "region.h"
#include "stktable.h"
#include "unit.h"

#define HOUR_MS 3600000u

static struct shm_region *region;
static struct stkt *table;

static void table_new(uint32_t size, enum stkt_key_type kt, uint32_t key_len, uint32_t store,
                      uint32_t expire_ms)
{
        struct stkt_def def = {
                .size = size,
                .key_type = kt,
                .key_len = key_len,
                .store = store,
                .expire_ms = expire_ms,
        };

        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++)
                def.period[dt] = 1000;
        ck_assert_int_eq(stkt_create(&def, 42, &region, &table), 0);
}

static void teardown(void)
{
        table = stkt_free(table);
        region = shm_region_free(region);
}

static struct stkt_key int_key(uint64_t *storage, uint64_t v)
{
        *storage = v;
        return (struct stkt_key){storage, sizeof(*storage)};
}

static int64_t find_u64(uint64_t v, uint64_t now)
{
        uint64_t k;
        struct stkt_key key = int_key(&k, v);

        return stkt_lookup(table, &key, now);
}

static int insert_u64(uint64_t v, uint64_t now, uint32_t *ret_idx)
{
        uint64_t k;
        struct stkt_key key = int_key(&k, v);

        return stkt_get_or_insert(table, &key, now, ret_idx);
}

static uint32_t count_state(enum stkt_slot_state st)
{
        uint32_t n = 0;

        for (uint32_t i = 0; i < stkt_capacity(table); i++)
                n += stkt_slot_state(table, i) == st;
        return n;
}

static void wait_ok(pid_t pid)
{
        int status;

        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), 0);
}

START_TEST(test_create_and_attach)
{
        struct stkt_def def = {.size = 100, .key_type = STKT_KEY_STRING, .key_len = 0};
        struct shm_region *again = NULL;
        struct stkt *view = NULL;
        uint32_t idx;
        uint64_t v;
        int fd;

        ck_assert_int_eq(stkt_create(&def, 1, &region, &table), -EINVAL);
        def.key_len = STKT_KEY_MAX + 1;
        ck_assert_int_eq(stkt_create(&def, 1, &region, &table), -EINVAL);
        def.key_len = 32;
        def.store = STKT_F(STKT_DT_CONN_RATE);
        ck_assert_int_eq(stkt_create(&def, 1, &region, &table), -EINVAL); /* no period */
        def.size = 0;
        def.store = 0;
        ck_assert_int_eq(stkt_create(&def, 1, &region, &table), -EINVAL);

        table_new(100, STKT_KEY_INTEGER, 0, STKT_F(STKT_DT_GPC0), HOUR_MS);
        ck_assert_uint_eq(stkt_capacity(table), 128);
        ck_assert_uint_eq(stkt_store(table), STKT_F(STKT_DT_GPC0));
        ck_assert_str_eq(region->hdr->kind, STKT_KIND);
        ck_assert_int_eq(insert_u64(7, 0, &idx), 1);
        ck_assert_int_eq(stkt_add(table, idx, STKT_DT_GPC0, 5), 0);

        fd = dup(region->fd);
        ck_assert_int_eq(shm_region_open(fd, STKT_KIND, 43, &again), -EPROTO);
        close(fd);
        ck_assert_int_eq(shm_region_open(dup(region->fd), STKT_KIND, 42, &again), 0);
        ck_assert_int_eq(stkt_attach(again, &view), 0);
        ck_assert_uint_eq(stkt_capacity(view), 128);
        {
                uint64_t k = 7;
                struct stkt_key key = {&k, 8};

                ck_assert_int_eq(stkt_lookup(view, &key, 0), idx);
                ck_assert_int_eq(stkt_add(view, idx, STKT_DT_GPC0, 1), 0);
        }
        ck_assert_int_eq(stkt_get(table, idx, STKT_DT_GPC0, &v), 0);
        ck_assert_uint_eq(v, 6);
        stkt_free(view);
        shm_region_free(again);
}
END_TEST

/* _i: key type; 40 keys each, inserted then found, re-inserted as existing */
START_TEST(test_insert_lookup_each_key_type)
{
        static const uint32_t key_lens[] = {4, 16, 8, 24, 24};
        uint8_t buf[32], out[32];
        uint32_t idx[40], again;

        table_new(256, (enum stkt_key_type)_i, 24, STKT_F(STKT_DT_GPC0), HOUR_MS);
        for (uint32_t i = 0; i < 40; i++) {
                struct stkt_key key = {buf, key_lens[_i]};

                memset(buf, 0, sizeof(buf));
                buf[0] = (uint8_t)i;
                buf[key_lens[_i] - 1] ^= 0x80;
                ck_assert_int_eq(stkt_get_or_insert(table, &key, 10, &idx[i]), 1);
                ck_assert_int_eq(stkt_add(table, idx[i], STKT_DT_GPC0, i), 0);
        }
        for (uint32_t i = 0; i < 40; i++) {
                struct stkt_key key = {buf, key_lens[_i]};
                uint64_t v;

                memset(buf, 0, sizeof(buf));
                buf[0] = (uint8_t)i;
                buf[key_lens[_i] - 1] ^= 0x80;
                ck_assert_int_eq(stkt_lookup(table, &key, 20), idx[i]);
                ck_assert_int_eq(stkt_get_or_insert(table, &key, 20, &again), 0);
                ck_assert_uint_eq(again, idx[i]);
                ck_assert_int_eq(stkt_get(table, idx[i], STKT_DT_GPC0, &v), 0);
                ck_assert_uint_eq(v, i);
                ck_assert_int_eq(stkt_key_copy(table, idx[i], out, sizeof(out)), (int)key_lens[_i]);
                ck_assert_mem_eq(out, buf, key_lens[_i]);
                ck_assert_int_eq(stkt_key_copy(table, idx[i], out, 2), -ENOBUFS);
        }
        memset(buf, 0xee, sizeof(buf));
        {
                struct stkt_key key = {buf, key_lens[_i]};
                struct stkt_key bad = {buf, key_lens[_i] + 1};

                ck_assert_int_eq(stkt_lookup(table, &key, 20), -1);
                ck_assert_int_eq(stkt_lookup(table, &bad, 20), -1);
                ck_assert_int_eq(stkt_get_or_insert(table, &bad, 20, &again), -EINVAL);
        }
        ck_assert_uint_eq(count_state(STKT_ST_LIVE), 40);
}
END_TEST

START_TEST(test_string_keys_of_different_lengths)
{
        static const char *const words[] = {
                "", "a", "ab", "abc", "abcdefgh", "abcdefghi", "0123456789abcdef"};
        static const char a_nul[2] = {'a', 0};
        uint32_t idx[SL_ARRAY_SIZE(words)], i2;

        table_new(64, STKT_KEY_STRING, 16, 0, HOUR_MS);
        for (size_t i = 0; i < SL_ARRAY_SIZE(words); i++) {
                struct stkt_key key = {words[i], (uint32_t)strlen(words[i])};

                ck_assert_int_eq(stkt_get_or_insert(table, &key, 0, &idx[i]), 1);
        }
        for (size_t i = 0; i < SL_ARRAY_SIZE(words); i++) {
                struct stkt_key key = {words[i], (uint32_t)strlen(words[i])};
                char out[16];

                ck_assert_int_eq(stkt_lookup(table, &key, 0), idx[i]);
                for (size_t j = 0; j < i; j++)
                        ck_assert_uint_ne(idx[i], idx[j]);
                ck_assert_int_eq(stkt_key_copy(table, idx[i], out, sizeof(out)),
                                 (int)strlen(words[i]));
        }
        /* "a" and "a\0" differ only by the stored length */
        {
                struct stkt_key key = {a_nul, 2};
                struct stkt_key longer = {"0123456789abcdefX", 17};

                ck_assert_int_eq(stkt_lookup(table, &key, 0), -1);
                ck_assert_int_eq(stkt_get_or_insert(table, &key, 0, &i2), 1);
                ck_assert_uint_ne(i2, idx[1]);
                ck_assert_int_eq(stkt_get_or_insert(table, &longer, 0, &i2), -EINVAL);
        }
}
END_TEST

START_TEST(test_data_types)
{
        uint32_t store = STKT_F(STKT_DT_SERVER_ID) | STKT_F(STKT_DT_GPT0) | STKT_F(STKT_DT_GPC0) |
                         STKT_F(STKT_DT_GPC1_RATE) | STKT_F(STKT_DT_CONN_CUR) |
                         STKT_F(STKT_DT_BYTES_OUT_CNT) | STKT_F(STKT_DT_HTTP_REQ_RATE);
        uint32_t idx, rate;
        uint64_t v;

        table_new(16, STKT_KEY_IPV4, 0, store, HOUR_MS);
        {
                uint8_t ip[4] = {10, 0, 0, 1};
                struct stkt_key key = {ip, 4};

                ck_assert_int_eq(stkt_get_or_insert(table, &key, 0, &idx), 1);
        }
        ck_assert_int_eq(stkt_set(table, idx, STKT_DT_SERVER_ID, (uint64_t)-5), 0);
        ck_assert_int_eq(stkt_get(table, idx, STKT_DT_SERVER_ID, &v), 0);
        ck_assert_int_eq((int)(int64_t)v, -5);
        ck_assert_int_eq(stkt_add(table, idx, STKT_DT_GPT0, 3), 0);
        ck_assert_int_eq(stkt_get(table, idx, STKT_DT_GPT0, &v), 0);
        ck_assert_uint_eq(v, 3);
        ck_assert_int_eq(stkt_add(table, idx, STKT_DT_GPC0, 1ull << 40), 0);
        ck_assert_int_eq(stkt_add(table, idx, STKT_DT_GPC0, 1), 0);
        ck_assert_int_eq(stkt_get(table, idx, STKT_DT_GPC0, &v), 0);
        ck_assert_uint_eq(v, (1ull << 40) + 1);
        ck_assert_int_eq(stkt_add(table, idx, STKT_DT_BYTES_OUT_CNT, 1500), 0);
        ck_assert_int_eq(stkt_get(table, idx, STKT_DT_BYTES_OUT_CNT, &v), 0);
        ck_assert_uint_eq(v, 1500);
        ck_assert_int_eq(stkt_add(table, idx, STKT_DT_CONN_CUR, 1), 0);
        ck_assert_int_eq(stkt_dec(table, idx, STKT_DT_CONN_CUR), 0);
        ck_assert_int_eq(stkt_dec(table, idx, STKT_DT_CONN_CUR), 0);
        ck_assert_int_eq(stkt_get(table, idx, STKT_DT_CONN_CUR, &v), 0);
        ck_assert_uint_eq(v, 0);

        /* rates: 1 s periods, as HAProxy's http_req_rate(1s) */
        ck_assert_int_eq(stkt_rate_update(table, idx, STKT_DT_HTTP_REQ_RATE, 4, 100), 0);
        ck_assert_int_eq(stkt_rate_update(table, idx, STKT_DT_HTTP_REQ_RATE, 6, 900), 0);
        ck_assert_int_eq(stkt_rate_update(table, idx, STKT_DT_HTTP_REQ_RATE, 1, 1100), 0);
        ck_assert_int_eq(stkt_rate_read(table, idx, STKT_DT_HTTP_REQ_RATE, 1100, &rate), 0);
        ck_assert_uint_eq(rate, 1 + 10 * 900 / 1000);
        ck_assert_int_eq(stkt_rate_update(table, idx, STKT_DT_GPC1_RATE, 2, 0), 0);
        ck_assert_int_eq(stkt_rate_read(table, idx, STKT_DT_GPC1_RATE, 500, &rate), 0);
        ck_assert_uint_eq(rate, 2);

        /* types not stored, rates through counter calls and the reverse, bad indexes */
        ck_assert_int_eq(stkt_add(table, idx, STKT_DT_GPC1, 1), -ENOENT);
        ck_assert_int_eq(stkt_rate_update(table, idx, STKT_DT_CONN_RATE, 1, 0), -ENOENT);
        ck_assert_int_eq(stkt_add(table, idx, STKT_DT_HTTP_REQ_RATE, 1), -EINVAL);
        ck_assert_int_eq(stkt_rate_read(table, idx, STKT_DT_GPC0, 0, &rate), -EINVAL);
        ck_assert_int_eq(stkt_add(table, stkt_capacity(table), STKT_DT_GPC0, 1), -EINVAL);
        ck_assert_int_eq(stkt_get(table, idx, STKT_DT_COUNT, &v), -EINVAL);
}
END_TEST

START_TEST(test_expiry_by_sweeper)
{
        uint32_t idx[20], fresh;
        struct stkt_stats st;

        table_new(64, STKT_KEY_INTEGER, 0, STKT_F(STKT_DT_GPC0), 1000);
        for (uint64_t i = 0; i < 20; i++) {
                ck_assert_int_eq(insert_u64(i, 0, &idx[i]), 1);
                ck_assert_uint_eq(stkt_expire(table, idx[i]), 1000);
        }
        /* keys 0..4 touched at 500 live until 1500, key 0 is also tracked */
        for (int i = 0; i < 5; i++)
                stkt_touch(table, idx[i], 500);
        ck_assert_int_eq(stkt_ref(table, idx[0]), 0);
        ck_assert_int_eq(find_u64(10, 999), idx[10]);
        /* an expired entry is gone for lookups before the sweeper sees it */
        ck_assert_int_eq(find_u64(10, 1000), -1);
        ck_assert_int_eq(find_u64(3, 1000), idx[3]);

        /* budgets of 16 over 64 slots: four calls cover the table, resuming each time */
        ck_assert_uint_eq(stkt_sweep(table, 1200, 16) + stkt_sweep(table, 1200, 16) +
                                  stkt_sweep(table, 1200, 16) + stkt_sweep(table, 1200, 16),
                          15);
        ck_assert_uint_eq(count_state(STKT_ST_LIVE), 5);
        ck_assert_uint_eq(count_state(STKT_ST_DELETED), 15);
        ck_assert_uint_eq(stkt_sweep(table, 1200, 1000), 0);
        /* the tracked entry outlives its expiry until released */
        ck_assert_uint_eq(stkt_sweep(table, 5000, 64), 4);
        ck_assert_int_eq(find_u64(0, 5000), idx[0]);
        ck_assert_int_eq(stkt_unref(table, idx[0]), 0);
        ck_assert_int_eq(stkt_unref(table, idx[0]), -EINVAL);
        ck_assert_int_eq(find_u64(0, 5000), -1);
        ck_assert_uint_eq(stkt_sweep(table, 5000, 64), 1);
        ck_assert_uint_eq(count_state(STKT_ST_LIVE), 0);
        stkt_stats(table, &st);
        ck_assert_uint_eq(st.expirations, 20);
        ck_assert_uint_eq(st.inserts, 20);
        ck_assert_int_eq(stkt_ref(table, idx[0]), -ESTALE);

        /* tombstones are reused, and a re-inserted key starts from zero */
        ck_assert_int_eq(insert_u64(5, 6000, &fresh), 1);
        ck_assert_uint_eq(count_state(STKT_ST_LIVE), 1);
        {
                uint64_t v;

                ck_assert_int_eq(stkt_get(table, fresh, STKT_DT_GPC0, &v), 0);
                ck_assert_uint_eq(v, 0);
        }
}
END_TEST

START_TEST(test_expired_key_recreated_in_place)
{
        uint32_t a, b;
        uint64_t v;
        struct stkt_stats st;

        table_new(32, STKT_KEY_INTEGER, 0, STKT_F(STKT_DT_GPC0), 100);
        ck_assert_int_eq(insert_u64(1, 0, &a), 1);
        ck_assert_int_eq(stkt_add(table, a, STKT_DT_GPC0, 9), 0);
        ck_assert_int_eq(insert_u64(1, 50, &b), 0);
        ck_assert_uint_eq(a, b);
        ck_assert_int_eq(insert_u64(1, 100, &b), 1);
        ck_assert_uint_eq(a, b);
        ck_assert_int_eq(stkt_get(table, b, STKT_DT_GPC0, &v), 0);
        ck_assert_uint_eq(v, 0);
        stkt_stats(table, &st);
        ck_assert_uint_eq(st.expirations, 1);
        ck_assert_uint_eq(st.inserts, 2);
}
END_TEST

START_TEST(test_track_and_refs)
{
        uint64_t k;
        struct stkt_key key = int_key(&k, 99);
        uint32_t a, b;

        table_new(16, STKT_KEY_INTEGER, 0, 0, 0);
        ck_assert_int_eq(stkt_track(table, &key, 0, &a), 1);
        ck_assert_uint_eq(stkt_refs(table, a), 1);
        ck_assert_int_eq(stkt_track(table, &key, 0, &b), 0);
        ck_assert_uint_eq(a, b);
        ck_assert_int_eq(stkt_ref(table, a), 0);
        ck_assert_uint_eq(stkt_refs(table, a), 3);
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(stkt_unref(table, a), 0);
        ck_assert_int_eq(stkt_unref(table, a), -EINVAL);
        /* no expiry configured: never expires */
        ck_assert_uint_eq(stkt_sweep(table, UINT64_MAX - 1, 16), 0);
        ck_assert_int_eq(stkt_lookup(table, &key, UINT64_MAX - 1), a);
        ck_assert_int_eq(stkt_ref(table, stkt_capacity(table)), -EINVAL);
        ck_assert_int_eq(stkt_ref(table, (a + 1) % 16), -ESTALE);
}
END_TEST

START_TEST(test_eviction_spares_active_entries)
{
        uint32_t idx[64], n = 0, slot;
        struct stkt_stats st;
        uint64_t now = 0;

        table_new(64, STKT_KEY_INTEGER, 0, STKT_F(STKT_DT_CONN_CUR), HOUR_MS);
        for (uint64_t i = 0; i < 64; i++)
                ck_assert_int_eq(insert_u64(i, now++, &idx[i]), 1);
        ck_assert_uint_eq(count_state(STKT_ST_LIVE), 64);
        /* keys 0..7 tracked, 8..15 with current connections */
        for (int i = 0; i < 8; i++)
                ck_assert_int_eq(stkt_ref(table, idx[i]), 0);
        for (int i = 8; i < 16; i++)
                ck_assert_int_eq(stkt_add(table, idx[i], STKT_DT_CONN_CUR, 1), 0);

        /* least recently used goes first: key 16 is the oldest evictable, unless touched */
        stkt_touch(table, idx[16], now++);
        ck_assert_int_eq(insert_u64(1000, now++, &slot), 1);
        ck_assert_uint_eq(slot, idx[17]);
        ck_assert_int_eq(find_u64(17, now), -1);
        ck_assert_int_eq(find_u64(16, now), idx[16]);

        for (uint64_t i = 0; i < 2000; i++) {
                uint32_t j;

                ck_assert_int_eq(insert_u64(2000 + i, now++, &j), 1);
                ck_assert_int_eq(find_u64(2000 + i, now), j);
        }
        for (uint64_t i = 0; i < 16; i++)
                ck_assert_int_eq(find_u64(i, now), idx[i]);
        stkt_stats(table, &st);
        ck_assert_uint_eq(st.evictions, 2001);
        ck_assert_uint_eq(st.refused, 0);
        ck_assert_uint_eq(st.inserts, 64 + 2001);

        /* every entry in use: refused */
        for (uint32_t i = 0; i < 64; i++)
                if (stkt_refs(table, i) == 0) {
                        ck_assert_int_eq(stkt_ref(table, i), 0);
                        n++;
                }
        ck_assert_uint_eq(n, 56);
        ck_assert_int_eq(insert_u64(99999, now, &slot), -ENOSPC);
        ck_assert_int_eq(insert_u64(99998, now, &slot), -ENOSPC);
        stkt_stats(table, &st);
        ck_assert_uint_eq(st.refused, 2);
        ck_assert_uint_eq(st.evictions, 2001);
        /* one released: the next insertion takes its place */
        ck_assert_int_eq(stkt_unref(table, slot), 0);
        ck_assert_int_eq(insert_u64(99999, now, &n), 1);
        ck_assert_uint_eq(n, slot);
}
END_TEST

START_TEST(test_nopurge_refuses_instead_of_evicting)
{
        struct stkt_def def = {.size = 16, .key_type = STKT_KEY_INTEGER, .nopurge = true};
        struct stkt_def got;
        struct stkt_stats st;
        uint32_t idx;

        ck_assert_int_eq(stkt_create(&def, 43, &region, &table), 0);
        stkt_definition(table, &got);
        ck_assert(got.nopurge);
        for (uint64_t i = 0; i < 16; i++)
                ck_assert_int_eq(insert_u64(i, i, &idx), 1);
        ck_assert_int_eq(insert_u64(100, 100, &idx), -ENOSPC);
        for (uint64_t i = 0; i < 16; i++)
                ck_assert_int_ge(find_u64(i, 200), 0);
        stkt_stats(table, &st);
        ck_assert_uint_eq(st.evictions, 0);
        ck_assert_uint_eq(st.refused, 1);
}
END_TEST

START_TEST(test_carry_to_a_new_definition)
{
        struct stkt_def def = {.size = 64,
                               .key_type = STKT_KEY_STRING,
                               .key_len = 16,
                               .store = STKT_F(STKT_DT_GPC0) | STKT_F(STKT_DT_CONN_CUR) |
                                        STKT_F(STKT_DT_HTTP_REQ_RATE),
                               .expire_ms = HOUR_MS};
        struct shm_region *r2;
        struct stkt *t2;
        uint64_t v;
        uint32_t idx;
        int64_t at;

        def.period[STKT_DT_HTTP_REQ_RATE] = 1000;
        ck_assert_int_eq(stkt_create(&def, 1, &region, &table), 0);
        ck_assert_int_eq(stkt_get_or_insert(table, &(struct stkt_key){"alice", 5}, 0, &idx), 1);
        ck_assert_int_eq(stkt_add(table, idx, STKT_DT_GPC0, 7), 0);
        ck_assert_int_eq(stkt_add(table, idx, STKT_DT_CONN_CUR, 2), 0);
        ck_assert_int_eq(
                stkt_get_or_insert(table, &(struct stkt_key){"a-much-longer-key", 16}, 0, &idx), 1);
        /* bigger, keys of at most 8 bytes, gpc0 and conn_cur but no rate */
        def.size = 128;
        def.key_len = 8;
        def.store = STKT_F(STKT_DT_GPC0) | STKT_F(STKT_DT_CONN_CUR);
        ck_assert_int_eq(stkt_create(&def, 2, &r2, &t2), 0);
        ck_assert_int_eq(stkt_carry(t2, table, 10), 1);
        at = stkt_lookup(t2, &(struct stkt_key){"alice", 5}, 10);
        ck_assert_int_ge(at, 0);
        ck_assert_int_eq(stkt_get(t2, (uint32_t)at, STKT_DT_GPC0, &v), 0);
        ck_assert_uint_eq(v, 7);
        /* the connections counted belong to the old table */
        ck_assert_int_eq(stkt_get(t2, (uint32_t)at, STKT_DT_CONN_CUR, &v), 0);
        ck_assert_uint_eq(v, 0);
        t2 = stkt_free(t2);
        r2 = shm_region_free(r2);
        /* another key type carries nothing */
        def.key_type = STKT_KEY_INTEGER;
        ck_assert_int_eq(stkt_create(&def, 3, &r2, &t2), 0);
        ck_assert_int_eq(stkt_carry(t2, table, 10), -1);
        t2 = stkt_free(t2);
        r2 = shm_region_free(r2);
}
END_TEST

START_TEST(test_two_processes_count_exactly)
{
        uint32_t idx = 0;
        uint64_t v;
        pid_t pids[2];

        table_new(1024, STKT_KEY_INTEGER, 0, STKT_F(STKT_DT_GPC0) | STKT_F(STKT_DT_CONN_CNT),
                  HOUR_MS);
        for (int i = 0; i < 2; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0) {
                        for (int j = 0; j < 1000000; j++) {
                                /* find (or create) the entry now and then, as a worker would */
                                if (j % 1000 == 0 && insert_u64(77, 0, &idx) < 0)
                                        _exit(1);
                                if (stkt_add(table, idx, STKT_DT_GPC0, 1) < 0)
                                        _exit(2);
                        }
                        _exit(0);
                }
        }
        wait_ok(pids[0]);
        wait_ok(pids[1]);
        ck_assert_int_ge(find_u64(77, 0), 0);
        idx = (uint32_t)find_u64(77, 0);
        ck_assert_int_eq(stkt_get(table, idx, STKT_DT_GPC0, &v), 0);
        ck_assert_uint_eq(v, 2000000);
        ck_assert_uint_eq(count_state(STKT_ST_LIVE), 1);
}
END_TEST

/* _i == 0: disjoint key sets; _i == 1: both processes insert the same keys */
START_TEST(test_two_processes_insert)
{
        const uint64_t per = 6000;
        uint32_t seen = 0;
        struct stkt_stats st;
        pid_t pids[2];
        uint8_t *used;

        /* 12000 keys at most in 32768 slots: no probe window fills up, nothing is evicted */
        table_new(32768, STKT_KEY_INTEGER, 0, STKT_F(STKT_DT_GPC0), HOUR_MS);
        for (int i = 0; i < 2; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0) {
                        uint64_t base = _i ? 0 : (uint64_t)i * per;

                        for (uint64_t j = 0; j < per; j++) {
                                uint32_t idx;
                                int r = -EAGAIN;

                                for (int tries = 0; tries < 100 && r == -EAGAIN; tries++)
                                        r = insert_u64(base + j, 0, &idx);
                                if (r < 0 || stkt_add(table, idx, STKT_DT_GPC0, 1) < 0)
                                        _exit(1);
                        }
                        _exit(0);
                }
        }
        wait_ok(pids[0]);
        wait_ok(pids[1]);
        stkt_stats(table, &st);
        ck_assert_uint_eq(st.evictions, 0);
        ck_assert_uint_eq(st.refused, 0);
        used = calloc(stkt_capacity(table), 1);
        ck_assert_ptr_nonnull(used);
        for (uint64_t k = 0; k < (_i ? per : 2 * per); k++) {
                int64_t idx = find_u64(k, 0);
                uint64_t v;

                ck_assert_int_ge(idx, 0);
                ck_assert_uint_eq(used[idx], 0);
                used[idx] = 1;
                seen++;
                ck_assert_int_eq(stkt_get(table, (uint32_t)idx, STKT_DT_GPC0, &v), 0);
                ck_assert_uint_eq(v, _i ? 2 : 1);
        }
        /* no duplicates: exactly one LIVE slot per key */
        ck_assert_uint_eq(count_state(STKT_ST_LIVE), seen);
        stkt_stats(table, &st);
        ck_assert_uint_eq(st.inserts, seen);
        free(used);
}
END_TEST

struct crash_shared {
        _Atomic uint64_t now[2]; /* latest time each writer used */
        _Atomic uint64_t ops[2];
};

static _Noreturn void crash_writer(struct crash_shared *sh, int id, uint32_t seed)
{
        uint64_t x = seed | 1;

        for (uint64_t n = 0;; n++) {
                uint64_t now = 1000000 + n / 64;
                uint64_t k;
                struct stkt_key key;
                uint32_t idx;

                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                key = int_key(&k, x % 3000);
                atomic_store(&sh->now[id], now);
                if (x & 0x100) {
                        if (stkt_track(table, &key, now, &idx) >= 0) {
                                (void)stkt_add(table, idx, STKT_DT_GPC0, 1);
                                (void)stkt_rate_update(table, idx, STKT_DT_CONN_RATE, 1, now);
                                (void)stkt_unref(table, idx);
                        }
                } else if (stkt_get_or_insert(table, &key, now, &idx) >= 0) {
                        stkt_touch(table, idx, now);
                        (void)stkt_add(table, idx, STKT_DT_GPC0, 1);
                }
                if ((n & 255) == 0)
                        (void)stkt_sweep(table, now, 32);
                atomic_fetch_add(&sh->ops[id], 1);
        }
}

START_TEST(test_killed_writers_leave_table_usable)
{
        struct crash_shared *sh =
                mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        uint32_t rng = 12345;
        uint64_t late, max_now = 0;
        struct stkt_stats st;

        ck_assert_ptr_ne(sh, MAP_FAILED);
        /* 3000 keys over 1024 slots: constant eviction, tombstones, tracking */
        table_new(1024, STKT_KEY_INTEGER, 0, STKT_F(STKT_DT_GPC0) | STKT_F(STKT_DT_CONN_RATE),
                  2000);
        for (int round = 0; round < 30; round++) {
                pid_t pids[2];

                for (int i = 0; i < 2; i++) {
                        atomic_store(&sh->ops[i], 0);
                        pids[i] = fork();
                        ck_assert_int_ge(pids[i], 0);
                        if (pids[i] == 0)
                                crash_writer(sh, i, rng + (uint32_t)i * 7777);
                }
                /* let both run a varying while (at most ~2 ms past their first 200 ops) */
                for (int i = 0; i < 2; i++)
                        for (int spin = 0; spin < 10000 && atomic_load(&sh->ops[i]) < 200; spin++)
                                usleep(100);
                rng = rng * 1103515245u + 12345u;
                usleep((rng >> 8) % 2000);
                for (int i = 0; i < 2; i++) {
                        int status;

                        ck_assert_int_eq(kill(pids[i], SIGKILL), 0);
                        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
                        ck_assert(WIFSIGNALED(status));
                        max_now = SL_MAX(max_now, atomic_load(&sh->now[i]));
                }
        }

        /* past the claim bound of everything the writers did, the sweeper leaves no slot
         * INSERTING, and fresh keys go in and are found */
        late = max_now + STKT_CLAIM_STALE_MS;
        (void)stkt_sweep(table, late, stkt_capacity(table));
        ck_assert_uint_eq(count_state(STKT_ST_INSERTING), 0);
        for (uint64_t k = 100000; k < 100500; k++) {
                uint32_t idx;
                uint64_t v;

                ck_assert_int_ge(insert_u64(k, late, &idx), 0);
                ck_assert_int_eq(stkt_add(table, idx, STKT_DT_GPC0, 3), 0);
                ck_assert_int_eq(find_u64(k, late), idx);
                ck_assert_int_eq(stkt_get(table, idx, STKT_DT_GPC0, &v), 0);
                ck_assert_uint_eq(v, 3);
        }
        stkt_stats(table, &st);
        ck_assert_uint_gt(st.inserts, 500);
        munmap(sh, sizeof(*sh));
}
END_TEST

static struct stkt_key big_key(uint8_t *buf, uint64_t k)
{
        memset(buf, 'x', 512);
        memcpy(buf, &k, sizeof(k));
        return (struct stkt_key){buf, 512};
}

/* A process stopped then killed while INSERTING: the slot is skipped by everyone, then
 * reclaimed once STKT_CLAIM_STALE_MS passed since its claim, not before. */
START_TEST(test_abandoned_claim_reclaimed_after_bound)
{
        const uint64_t t0 = 5000;
        uint8_t buf[512];
        struct stkt_stats st;
        int64_t stuck = -1;
        pid_t pid;
        int status;

        /* long keys: writing one is a good share of an insertion, easy to stop in */
        table_new(4096, STKT_KEY_STRING, 512, STKT_F(STKT_DT_GPC0), HOUR_MS);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                for (uint64_t k = 0;; k++) {
                        struct stkt_key key = big_key(buf, k);
                        uint32_t idx;

                        (void)stkt_get_or_insert(table, &key, t0, &idx);
                }
        }
        for (int attempt = 0; attempt < 50000 && stuck < 0; attempt++) {
                ck_assert_int_eq(kill(pid, SIGSTOP), 0);
                ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
                ck_assert(WIFSTOPPED(status));
                for (uint32_t i = 0; i < stkt_capacity(table) && stuck < 0; i++)
                        if (stkt_slot_state(table, i) == STKT_ST_INSERTING)
                                stuck = i;
                if (stuck < 0)
                        ck_assert_int_eq(kill(pid, SIGCONT), 0);
        }
        ck_assert_int_ge(stuck, 0);
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);

        /* the table works around the stuck slot meanwhile */
        for (uint64_t k = 1u << 30; k < (1u << 30) + 100; k++) {
                struct stkt_key key = big_key(buf, k);
                uint32_t idx;

                ck_assert_int_eq(stkt_get_or_insert(table, &key, t0 + 1, &idx), 1);
                ck_assert_int_ne(idx, stuck);
                ck_assert_int_eq(stkt_lookup(table, &key, t0 + 1), idx);
        }
        ck_assert_uint_eq(stkt_sweep(table, t0 + STKT_CLAIM_STALE_MS - 1, 4096), 0);
        ck_assert_uint_eq(stkt_slot_state(table, (uint32_t)stuck), STKT_ST_INSERTING);
        stkt_stats(table, &st);
        ck_assert_uint_eq(st.reclaims, 0);
        (void)stkt_sweep(table, t0 + STKT_CLAIM_STALE_MS, 4096);
        ck_assert_uint_eq(stkt_slot_state(table, (uint32_t)stuck), STKT_ST_DELETED);
        ck_assert_uint_eq(count_state(STKT_ST_INSERTING), 0);
        stkt_stats(table, &st);
        ck_assert_uint_eq(st.reclaims, 1);
}
END_TEST

/* Synced tables: the update log (stktable.h, "Updates"). */
static void synced_new(uint32_t size, uint32_t store)
{
        struct stkt_def def = {
                .size = size,
                .key_type = STKT_KEY_INTEGER,
                .store = store,
                .expire_ms = HOUR_MS,
                .sync = true,
        };

        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++)
                def.period[dt] = 1000;
        ck_assert_int_eq(stkt_create(&def, 43, &region, &table), 0);
}

/* The next change after *cursor, asserting there is one; its slot. */
static uint32_t next_upd(uint64_t *cursor)
{
        struct stkt_upd u;

        ck_assert_int_eq(stkt_upd_next(table, cursor, &u), 1);
        ck_assert_uint_eq(u.seq, *cursor);
        return u.idx;
}

static void no_more_upd(uint64_t *cursor)
{
        struct stkt_upd u;

        ck_assert_int_eq(stkt_upd_next(table, cursor, &u), 0);
}

START_TEST(test_unsynced_table_has_no_updates)
{
        uint64_t cursor = 0;
        uint32_t idx;
        struct stkt_upd u;

        table_new(64, STKT_KEY_INTEGER, 0, STKT_F(STKT_DT_GPC0), HOUR_MS);
        ck_assert(!stkt_synced(table));
        ck_assert_int_eq(insert_u64(1, 0, &idx), 1);
        ck_assert_int_eq(stkt_add(table, idx, STKT_DT_GPC0, 1), 0);
        ck_assert_uint_eq(stkt_upd_head(table), 0);
        ck_assert_int_eq(stkt_upd_next(table, &cursor, &u), 0);
        ck_assert_int_eq(stkt_pos(table, 7), -EINVAL);
}
END_TEST

START_TEST(test_changes_come_in_order_once_per_read)
{
        uint64_t cursor = 0;
        uint32_t a, b;

        synced_new(64, STKT_F(STKT_DT_GPC0) | STKT_F(STKT_DT_HTTP_REQ_RATE));
        ck_assert(stkt_synced(table));
        ck_assert_int_eq(insert_u64(1, 0, &a), 1);
        ck_assert_int_eq(insert_u64(2, 0, &b), 1);
        no_more_upd(&cursor); /* inserting alone is no change to send */
        ck_assert_int_eq(stkt_add(table, a, STKT_DT_GPC0, 1), 0);
        ck_assert_int_eq(stkt_rate_update(table, b, STKT_DT_HTTP_REQ_RATE, 1, 5), 0);
        /* a changed again before the reader got to it: still one sequence */
        for (int i = 0; i < 100; i++)
                ck_assert_int_eq(stkt_add(table, a, STKT_DT_GPC0, 1), 0);
        ck_assert_uint_eq(stkt_upd_head(table), 2);
        ck_assert_uint_eq(next_upd(&cursor), a);
        ck_assert_uint_eq(next_upd(&cursor), b);
        no_more_upd(&cursor);
        /* read: the next change takes a new sequence */
        ck_assert_int_eq(stkt_add(table, a, STKT_DT_GPC0, 1), 0);
        ck_assert_uint_eq(next_upd(&cursor), a);
        ck_assert_uint_eq(cursor, 3);
        no_more_upd(&cursor);
}
END_TEST

START_TEST(test_superseded_slots_are_skipped)
{
        uint64_t cursor = 0, lag = 0;
        uint32_t a, b;

        synced_new(64, STKT_F(STKT_DT_GPC0));
        ck_assert_int_eq(insert_u64(1, 0, &a), 1);
        ck_assert_int_eq(insert_u64(2, 0, &b), 1);
        ck_assert_int_eq(stkt_add(table, a, STKT_DT_GPC0, 1), 0); /* 1 */
        ck_assert_int_eq(stkt_add(table, b, STKT_DT_GPC0, 1), 0); /* 2 */
        ck_assert_uint_eq(next_upd(&cursor), a);
        ck_assert_int_eq(stkt_add(table, a, STKT_DT_GPC0, 1), 0); /* 3: a's slot 1 is stale */
        ck_assert_uint_eq(next_upd(&cursor), b);
        ck_assert_uint_eq(next_upd(&cursor), a);
        ck_assert_uint_eq(cursor, 3);
        /* a reader behind (another peer) gets each entry once, at its last sequence */
        ck_assert_uint_eq(next_upd(&lag), b);
        ck_assert_uint_eq(lag, 2);
        ck_assert_uint_eq(next_upd(&lag), a);
        ck_assert_uint_eq(lag, 3);
        no_more_upd(&lag);
}
END_TEST

START_TEST(test_every_kind_of_change_is_marked)
{
        uint64_t cursor = 0;
        struct stkt_freq f = {.curr_tick = 10, .curr_ctr = 4, .prev_ctr = 3}, g;
        uint32_t a;

        synced_new(64, STKT_F(STKT_DT_GPC0) | STKT_F(STKT_DT_GPT0) | STKT_F(STKT_DT_CONN_CUR) |
                               STKT_F(STKT_DT_CONN_RATE));
        ck_assert_int_eq(insert_u64(1, 0, &a), 1);
        ck_assert_int_eq(stkt_add(table, a, STKT_DT_GPC0, 1), 0);
        ck_assert_uint_eq(next_upd(&cursor), a);
        ck_assert_int_eq(stkt_set(table, a, STKT_DT_GPT0, 9), 0);
        ck_assert_uint_eq(next_upd(&cursor), a);
        ck_assert_int_eq(stkt_dec(table, a, STKT_DT_GPC0), 0);
        ck_assert_uint_eq(next_upd(&cursor), a);
        stkt_touch(table, a, 1000);
        ck_assert_uint_eq(next_upd(&cursor), a);
        ck_assert_int_eq(stkt_freq_set(table, a, STKT_DT_CONN_RATE, &f), 0);
        ck_assert_uint_eq(next_upd(&cursor), a);
        ck_assert_int_eq(stkt_freq_get(table, a, STKT_DT_CONN_RATE, &g), 0);
        ck_assert_uint_eq(g.curr_tick, 10);
        ck_assert_uint_eq(g.curr_ctr, 4);
        ck_assert_uint_eq(g.prev_ctr, 3);
        stkt_set_expire(table, a, 5000, 1000);
        ck_assert_uint_eq(stkt_expire(table, a), 5000);
        ck_assert_uint_eq(next_upd(&cursor), a);
        no_more_upd(&cursor);
}
END_TEST

START_TEST(test_quiet_view_changes_are_not_marked)
{
        uint64_t cursor = 0;
        struct stkt *quiet;
        uint32_t a;

        synced_new(64, STKT_F(STKT_DT_GPC0));
        quiet = stkt_dup(table);
        ck_assert_ptr_nonnull(quiet);
        stkt_set_quiet(quiet, true);
        ck_assert_int_eq(insert_u64(1, 0, &a), 1);
        ck_assert_int_eq(stkt_set(quiet, a, STKT_DT_GPC0, 5), 0);
        stkt_set_expire(quiet, a, 7000, 1);
        no_more_upd(&cursor);
        ck_assert_int_eq(stkt_add(table, a, STKT_DT_GPC0, 1), 0);
        ck_assert_uint_eq(next_upd(&cursor), a);
        stkt_free(quiet);
}
END_TEST

START_TEST(test_reader_behind_the_ring_scans)
{
        uint64_t cursor = 0, lag = 0, head;
        struct stkt_upd *v, u;
        size_t n;
        uint32_t idx[STKT_RING_MIN];

        synced_new(STKT_RING_MIN, STKT_F(STKT_DT_GPC0));
        for (uint32_t i = 0; i < STKT_RING_MIN / 2; i++)
                ck_assert_int_ge(insert_u64(i, 0, &idx[i]), 0);
        /* three rounds of changes to half the table, read by one reader each time: the ring
         * wraps and the other reader, still at 0, is told to scan */
        for (int round = 0; round < 3; round++) {
                for (uint32_t i = 0; i < STKT_RING_MIN / 2; i++)
                        ck_assert_int_eq(stkt_add(table, idx[i], STKT_DT_GPC0, 1), 0);
                for (uint32_t i = 0; i < STKT_RING_MIN / 2; i++)
                        ck_assert_uint_eq(next_upd(&cursor), idx[i]);
        }
        ck_assert_uint_eq(stkt_upd_head(table), 3 * STKT_RING_MIN / 2);
        ck_assert_int_eq(stkt_upd_next(table, &lag, &u), -ESPIPE);
        ck_assert_int_eq(stkt_upd_collect(table, lag, 0, &head, &v, &n), 0);
        ck_assert_uint_eq(head, 3 * STKT_RING_MIN / 2);
        ck_assert_uint_eq(n, STKT_RING_MIN / 2);
        for (size_t i = 0; i < n; i++) {
                ck_assert_uint_eq(v[i].idx, idx[i]);
                ck_assert_uint_eq(v[i].seq, STKT_RING_MIN + i + 1);
        }
        free(v);
        lag = head;
        no_more_upd(&lag);
        /* from a position inside the last round: only what changed after it */
        ck_assert_int_eq(stkt_upd_collect(table, head - 10, 0, &head, &v, &n), 0);
        ck_assert_uint_eq(n, 10);
        free(v);
}
END_TEST

START_TEST(test_collect_all_or_changed_here)
{
        uint64_t head;
        struct stkt_upd *v;
        size_t n;
        uint32_t a, b, c;

        synced_new(64, STKT_F(STKT_DT_GPC0));
        ck_assert_int_eq(insert_u64(1, 0, &a), 1);
        ck_assert_int_eq(insert_u64(2, 0, &b), 1);
        ck_assert_int_eq(insert_u64(3, 0, &c), 1);
        ck_assert_int_eq(stkt_add(table, c, STKT_DT_GPC0, 1), 0);
        ck_assert_int_eq(stkt_add(table, a, STKT_DT_GPC0, 1), 0);
        ck_assert_int_eq(stkt_upd_collect(table, STKT_UPD_ALL, 0, &head, &v, &n), 0);
        ck_assert_uint_eq(head, 2);
        ck_assert_uint_eq(n, 3);
        ck_assert_uint_eq(v[0].idx, b); /* never changed: sequence 0 */
        ck_assert_uint_eq(v[1].idx, c);
        ck_assert_uint_eq(v[2].idx, a);
        free(v);
        /* from 0: what changed here only */
        ck_assert_int_eq(stkt_upd_collect(table, 0, 0, &head, &v, &n), 0);
        ck_assert_uint_eq(n, 2);
        ck_assert_uint_eq(v[0].idx, c);
        ck_assert_uint_eq(v[1].idx, a);
        free(v);
        ck_assert(!stkt_learned(table));
        stkt_set_learned(table);
        ck_assert(stkt_learned(table));
}
END_TEST

START_TEST(test_positions_persist_in_the_table)
{
        struct stkt *other;
        int p, q;

        synced_new(64, STKT_F(STKT_DT_GPC0));
        p = stkt_pos(table, 1111);
        q = stkt_pos(table, 2222);
        ck_assert_int_ge(p, 0);
        ck_assert_int_ge(q, 0);
        ck_assert_int_ne(p, q);
        stkt_pos_set_acked(table, p, 77);
        ck_assert_int_eq(stkt_attach(region, &other), 0);
        ck_assert_int_eq(stkt_pos(other, 1111), p);
        ck_assert_uint_eq(stkt_pos_acked(other, p), 77);
        ck_assert_uint_eq(stkt_pos_acked(other, q), 0);
        for (uint64_t id = 3; id < 3 + STKT_POS_MAX - 2; id++)
                ck_assert_int_ge(stkt_pos(other, id), 0);
        ck_assert_int_eq(stkt_pos(other, 9999), -ENOSPC);
        ck_assert_int_eq(stkt_pos(other, 0), -EINVAL);
        stkt_free(other);
}
END_TEST

/* Two changers and a reader at once: once the changers stop and the reader has drained, its
 * last reading of every entry is the entry's final value. No change may be lost between the
 * coalescing test and the reader's horizon. */
START_TEST(test_no_change_lost_under_concurrency)
{
        enum {
                KEYS = 256,
                CHANGES = 400000
        };
        uint64_t cursor = 0, seen[KEYS] = {0}, v;
        uint32_t idx[KEYS];
        pid_t pids[2];
        int done = 0;

        synced_new(1024, STKT_F(STKT_DT_GPC0));
        for (uint32_t i = 0; i < KEYS; i++)
                ck_assert_int_ge(insert_u64(i, 0, &idx[i]), 0);
        for (int i = 0; i < 2; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0) {
                        uint32_t x = (uint32_t)i * 7919u + 1;

                        for (int j = 0; j < CHANGES; j++) {
                                x = x * 1103515245u + 12345u;
                                if (stkt_add(table, idx[(x >> 8) % KEYS], STKT_DT_GPC0, 1) < 0)
                                        _exit(1);
                        }
                        _exit(0);
                }
        }
        for (;;) {
                struct stkt_upd u;
                int r = stkt_upd_next(table, &cursor, &u);

                if (r == 1) {
                        for (uint32_t i = 0; i < KEYS; i++)
                                if (idx[i] == u.idx) {
                                        ck_assert_int_eq(stkt_get(table, u.idx, STKT_DT_GPC0, &v),
                                                         0);
                                        seen[i] = v;
                                }
                        continue;
                }
                if (r == -ESPIPE) {
                        struct stkt_upd *all;
                        size_t n;

                        ck_assert_int_eq(stkt_upd_collect(table, cursor, 0, &cursor, &all, &n), 0);
                        for (size_t k = 0; k < n; k++)
                                for (uint32_t i = 0; i < KEYS; i++)
                                        if (idx[i] == all[k].idx) {
                                                ck_assert_int_eq(stkt_get(table, all[k].idx,
                                                                          STKT_DT_GPC0, &v),
                                                                 0);
                                                seen[i] = v;
                                        }
                        free(all);
                        continue;
                }
                if (done == 2 && r == 0)
                        break;
                if (done < 2) {
                        int status;
                        pid_t p = waitpid(-1, &status, WNOHANG);

                        if (p > 0) {
                                ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
                                done++;
                        }
                }
        }
        v = 0;
        for (uint32_t i = 0; i < KEYS; i++) {
                uint64_t fin;

                ck_assert_int_eq(stkt_get(table, idx[i], STKT_DT_GPC0, &fin), 0);
                ck_assert_msg(seen[i] == fin, "key %u: read %llu, final %llu", i,
                              (unsigned long long)seen[i], (unsigned long long)fin);
                v += fin;
        }
        ck_assert_uint_eq(v, 2 * CHANGES);
}
END_TEST

START_TEST(test_contributions_are_summed)
{
        struct stkt_def def = {
                .size = 64,
                .key_type = STKT_KEY_INTEGER,
                .store = STKT_F(STKT_DT_GPC0) | STKT_F(STKT_DT_SERVER_ID) |
                         STKT_F(STKT_DT_HTTP_REQ_RATE) | STKT_F(STKT_DT_CONN_CUR),
                .expire_ms = HOUR_MS,
                .sync = true,
                .contrib = 2,
        };
        struct stkt_freq f = {.curr_tick = 1000, .curr_ctr = 4, .prev_ctr = 0};
        uint64_t v, cursor = 0;
        uint32_t r32, a;
        int x, y;

        def.period[STKT_DT_HTTP_REQ_RATE] = 10000;
        ck_assert_int_eq(stkt_create(&def, 44, &region, &table), 0);
        ck_assert_uint_eq(stkt_contrib_count(table), 2);
        ck_assert_int_eq(insert_u64(1, 1000, &a), 1);
        ck_assert_int_eq(stkt_add(table, a, STKT_DT_GPC0, 3), 0);
        x = stkt_contrib_slot(table, 111);
        y = stkt_contrib_slot(table, 222);
        ck_assert_int_ge(x, 0);
        ck_assert_int_ge(y, 0);
        ck_assert_int_ne(x, y);
        ck_assert_int_eq(stkt_contrib_slot(table, 111), x);
        ck_assert_int_eq(stkt_contrib_slot(table, 333), -ENOSPC);
        ck_assert_int_eq(stkt_contrib_set(table, a, (uint32_t)x, STKT_DT_GPC0, 5), 0);
        ck_assert_int_eq(stkt_contrib_set(table, a, (uint32_t)y, STKT_DT_GPC0, 7), 0);
        ck_assert_int_eq(stkt_get(table, a, STKT_DT_GPC0, &v), 0);
        ck_assert_uint_eq(v, 15);
        ck_assert_int_eq(stkt_get_local(table, a, STKT_DT_GPC0, &v), 0);
        ck_assert_uint_eq(v, 3);
        /* a newer count from the same node replaces its older one */
        ck_assert_int_eq(stkt_contrib_set(table, a, (uint32_t)x, STKT_DT_GPC0, 6), 0);
        ck_assert_int_eq(stkt_get(table, a, STKT_DT_GPC0, &v), 0);
        ck_assert_uint_eq(v, 16);
        /* the last writer's types are not summed */
        ck_assert_int_eq(stkt_contrib_set(table, a, (uint32_t)x, STKT_DT_SERVER_ID, 9), -EINVAL);
        ck_assert_int_eq(stkt_set(table, a, STKT_DT_SERVER_ID, 2), 0);
        ck_assert_int_eq(stkt_get(table, a, STKT_DT_SERVER_ID, &v), 0);
        ck_assert_uint_eq(v, 2);
        /* rates: this node's events plus each node's over the same window */
        ck_assert_int_eq(stkt_rate_update(table, a, STKT_DT_HTTP_REQ_RATE, 2, 1000), 0);
        ck_assert_int_eq(stkt_contrib_freq_set(table, a, (uint32_t)y, STKT_DT_HTTP_REQ_RATE, &f),
                         0);
        ck_assert_int_eq(stkt_rate_read(table, a, STKT_DT_HTTP_REQ_RATE, 1500, &r32), 0);
        ck_assert_uint_eq(r32, 6);
        /* contributions are not this node's changes */
        while (stkt_upd_next(table, &cursor, &(struct stkt_upd){0}) == 1)
                ;
        ck_assert_int_eq(stkt_contrib_set(table, a, (uint32_t)x, STKT_DT_GPC0, 8), 0);
        no_more_upd(&cursor);
        /* an entry reused for another key starts with no contribution */
        ck_assert_int_eq(stkt_remove(table, a), 0);
        ck_assert_int_eq(insert_u64(2, 2000, &a), 1);
        ck_assert_int_eq(stkt_get(table, a, STKT_DT_GPC0, &v), 0);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(stkt_contrib_set(table, a, 2, STKT_DT_GPC0, 1), -EINVAL);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("shm/stktable");
        TCase *tb = tcase_create("basics");
        TCase *te = tcase_create("expiry_eviction");
        TCase *tp = tcase_create("processes");
        TCase *tu = tcase_create("updates");

        tcase_add_checked_fixture(tb, NULL, teardown);
        tcase_add_checked_fixture(te, NULL, teardown);
        tcase_add_checked_fixture(tp, NULL, teardown);
        tcase_add_test(tb, test_create_and_attach);
        tcase_add_loop_test(tb, test_insert_lookup_each_key_type, STKT_KEY_IPV4, STKT_KEY_COUNT);
        tcase_add_test(tb, test_string_keys_of_different_lengths);
        tcase_add_test(tb, test_data_types);
        tcase_add_test(tb, test_track_and_refs);
        tcase_add_test(te, test_expiry_by_sweeper);
        tcase_add_test(te, test_expired_key_recreated_in_place);
        tcase_add_test(te, test_eviction_spares_active_entries);
        tcase_add_test(te, test_nopurge_refuses_instead_of_evicting);
        tcase_add_test(te, test_carry_to_a_new_definition);
        tcase_add_test(tp, test_two_processes_count_exactly);
        tcase_add_loop_test(tp, test_two_processes_insert, 0, 2);
        tcase_add_test(tp, test_killed_writers_leave_table_usable);
        tcase_add_test(tp, test_abandoned_claim_reclaimed_after_bound);
        tcase_add_checked_fixture(tu, NULL, teardown);
        tcase_add_test(tu, test_unsynced_table_has_no_updates);
        tcase_add_test(tu, test_changes_come_in_order_once_per_read);
        tcase_add_test(tu, test_superseded_slots_are_skipped);
        tcase_add_test(tu, test_every_kind_of_change_is_marked);
        tcase_add_test(tu, test_quiet_view_changes_are_not_marked);
        tcase_add_test(tu, test_reader_behind_the_ring_scans);
        tcase_add_test(tu, test_collect_all_or_changed_here);
        tcase_add_test(tu, test_positions_persist_in_the_table);
        tcase_add_test(tu, test_no_change_lost_under_concurrency);
        tcase_add_test(tu, test_contributions_are_summed);
        suite_add_tcase(s, tb);
        suite_add_tcase(s, tu);
        suite_add_tcase(s, te);
        suite_add_tcase(s, tp);
        return unit_run(s);
}
