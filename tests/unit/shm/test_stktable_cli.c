#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "region.h"
#include "stktable.h"
#include "stktable_cli.h"
#include "unit.h"

#define NOW    1000000u
#define EXPIRE 60000u

struct tbl {
        struct shm_region *region;
        struct stkt *t;
};

static struct tbl tables[3];
static char *out_buf;
static size_t out_len;
static FILE *out;
static char err[128];

static struct stkt *table_new(unsigned slot, enum stkt_key_type kt, uint32_t key_len,
                              uint32_t store)
{
        struct stkt_def def = {
                .size = 16,
                .key_type = kt,
                .key_len = key_len,
                .store = store,
                .expire_ms = EXPIRE,
        };

        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++)
                def.period[dt] = 10000;
        ck_assert_int_eq(stkt_create(&def, 7, &tables[slot].region, &tables[slot].t), 0);
        return tables[slot].t;
}

static void setup(void)
{
        out = open_memstream(&out_buf, &out_len);
        ck_assert_ptr_nonnull(out);
        err[0] = '\0';
}

static void teardown(void)
{
        for (unsigned i = 0; i < 3; i++) {
                tables[i].t = stkt_free(tables[i].t);
                tables[i].region = shm_region_free(tables[i].region);
        }
        if (out)
                fclose(out);
        out = NULL;
        free(out_buf);
        out_buf = NULL;
}

/* What was written so far, NUL terminated; the stream is emptied for the next command. */
static const char *output(void)
{
        static char copy[4096];

        ck_assert_int_eq(fclose(out), 0);
        ck_assert_uint_lt(out_len, sizeof(copy));
        memcpy(copy, out_buf, out_len + 1);
        free(out_buf);
        out_buf = NULL;
        out = open_memstream(&out_buf, &out_len);
        ck_assert_ptr_nonnull(out);
        return copy;
}

static uint32_t insert_text(struct stkt *t, const char *text)
{
        uint8_t buf[STKT_KEY_MAX];
        struct stkt_key key;
        uint32_t idx;

        ck_assert_int_eq(stkt_cli_key_parse(t, text, buf, sizeof(buf), &key, err, sizeof(err)), 0);
        ck_assert_int_eq(stkt_get_or_insert(t, &key, NOW, &idx), 1);
        return idx;
}

static int64_t find_text(struct stkt *t, const char *text, uint64_t now)
{
        uint8_t buf[STKT_KEY_MAX];
        struct stkt_key key;

        ck_assert_int_eq(stkt_cli_key_parse(t, text, buf, sizeof(buf), &key, err, sizeof(err)), 0);
        return stkt_lookup(t, &key, now);
}

START_TEST(test_header_and_entry_line)
{
        uint32_t store = STKT_F(STKT_DT_SERVER_ID) | STKT_F(STKT_DT_GPC0) |
                         STKT_F(STKT_DT_CONN_RATE) | STKT_F(STKT_DT_CONN_CUR) |
                         STKT_F(STKT_DT_BYTES_OUT_CNT) | STKT_F(STKT_DT_GPC1) |
                         STKT_F(STKT_DT_HTTP_FAIL_CNT);
        struct stkt *t = table_new(0, STKT_KEY_IPV4, 0, store);
        char want[512];
        uint32_t idx;

        ck_assert_int_eq(stkt_cli_show_table_header(out, "web", t), 0);
        ck_assert_str_eq(output(), "# table: web, type: ip, size:16, used:0\n");

        idx = insert_text(t, "10.0.0.1");
        ck_assert_int_eq(stkt_set(t, idx, STKT_DT_SERVER_ID, (uint64_t)-1), 0);
        ck_assert_int_eq(stkt_add(t, idx, STKT_DT_GPC0, 3), 0);
        ck_assert_int_eq(stkt_add(t, idx, STKT_DT_GPC1, 9), 0);
        ck_assert_int_eq(stkt_add(t, idx, STKT_DT_BYTES_OUT_CNT, 12345678901ull), 0);
        ck_assert_int_eq(stkt_rate_update(t, idx, STKT_DT_CONN_RATE, 2, NOW), 0);
        ck_assert_int_eq(stkt_ref(t, idx), 0);

        ck_assert_int_eq(stkt_cli_dump(out, "web", t, NULL, 0, NOW + 500), 1);
        /* HAProxy's order: server_id gpc0 conn_rate conn_cur bytes_out_cnt gpc1 http_fail_cnt */
        snprintf(want, sizeof(want),
                 "# table: web, type: ip, size:16, used:1\n"
                 "0x%x: key=10.0.0.1 use=1 exp=59500 shard=0 server_id=-1 gpc0=3 "
                 "conn_rate(10000)=2 conn_cur=0 bytes_out_cnt=12345678901 gpc1=9 "
                 "http_fail_cnt=0\n",
                 idx);
        ck_assert_str_eq(output(), want);

        /* expired entries are not shown, though they still occupy their slot */
        ck_assert_int_eq(stkt_unref(t, idx), 0);
        ck_assert_int_eq(stkt_cli_dump(out, "web", t, NULL, 0, NOW + EXPIRE), 0);
        ck_assert_str_eq(output(), "# table: web, type: ip, size:16, used:1\n");
}
END_TEST

START_TEST(test_keys_of_each_type)
{
        static const struct {
                enum stkt_key_type type;
                uint32_t key_len;
                const char *text;
                const char *printed;
                const char *type_name;
        } cases[] = {
                {STKT_KEY_IPV4, 0, "192.168.1.254", "192.168.1.254", "ip"},
                {STKT_KEY_IPV6, 0, "2001:db8:0:0::1", "2001:db8::1", "ipv6"},
                {STKT_KEY_INTEGER, 0, "18446744073709551615", "18446744073709551615", "integer"},
                {STKT_KEY_STRING, 32, "a b=c\\d\te\x01", "a\\ b\\=c\\\\d\\te\\x01", "string"},
                {STKT_KEY_BINARY, 8, "01abFF00", "01ABFF00", "binary"},
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct stkt *t =
                        table_new(0, cases[i].type, cases[i].key_len, STKT_F(STKT_DT_GPC0));
                char want[256];
                uint32_t idx = insert_text(t, cases[i].text);

                ck_assert_int_eq(stkt_cli_dump(out, "k", t, NULL, 0, NOW), 1);
                snprintf(want, sizeof(want),
                         "# table: k, type: %s, size:16, used:1\n"
                         "0x%x: key=%s use=0 exp=60000 shard=0 gpc0=0\n",
                         cases[i].type_name, idx, cases[i].printed);
                ck_assert_str_eq(output(), want);
                ck_assert_int_eq(find_text(t, cases[i].text, NOW), idx);
                teardown();
                setup();
        }
}
END_TEST

START_TEST(test_key_parse_rejects)
{
        static const struct {
                enum stkt_key_type type;
                const char *text;
        } cases[] = {
                {STKT_KEY_IPV4, "300.1.1.1"},
                {STKT_KEY_IPV4, "10.0.0.1x"},
                {STKT_KEY_IPV4, "::1"},
                {STKT_KEY_IPV6, "2001:db8::g"},
                {STKT_KEY_INTEGER, "-1"},
                {STKT_KEY_INTEGER, "12x"},
                {STKT_KEY_INTEGER, ""},
                {STKT_KEY_INTEGER, "99999999999999999999"},
                {STKT_KEY_BINARY, "abc"},
                {STKT_KEY_BINARY, "zz"},
                {STKT_KEY_BINARY, "000102030405060708"},
        };
        uint8_t buf[STKT_KEY_MAX];
        struct stkt_key key;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct stkt *t = table_new(0, cases[i].type, 8, STKT_F(STKT_DT_GPC0));

                err[0] = '\0';
                ck_assert_msg(stkt_cli_key_parse(t, cases[i].text, buf, sizeof(buf), &key, err,
                                                 sizeof(err)) == -EINVAL,
                              "accepted \"%s\"", cases[i].text);
                ck_assert_str_eq(err, "Invalid key");
                teardown();
                setup();
        }

        /* a string key longer than the table's is truncated, as HAProxy does */
        struct stkt *t = table_new(0, STKT_KEY_STRING, 4, STKT_F(STKT_DT_GPC0));

        ck_assert_int_eq(stkt_cli_key_parse(t, "abcdef", buf, sizeof(buf), &key, err, sizeof(err)),
                         0);
        ck_assert_uint_eq(key.len, 4);
        ck_assert_int_eq(memcmp(buf, "abcd", 4), 0);
}
END_TEST

START_TEST(test_show_tables)
{
        struct stkt *ts[2];
        const char *names[2] = {"front", "back"};

        ts[0] = table_new(0, STKT_KEY_IPV6, 0, STKT_F(STKT_DT_CONN_CNT));
        ts[1] = table_new(1, STKT_KEY_STRING, 16, STKT_F(STKT_DT_CONN_CNT));
        (void)insert_text(ts[1], "alpha");
        (void)insert_text(ts[1], "beta");
        ck_assert_int_eq(stkt_cli_show_tables(out, names, ts, 2), 0);
        ck_assert_str_eq(output(), "# table: front, type: ipv6, size:16, used:0\n"
                                   "# table: back, type: string, size:16, used:2\n");
}
END_TEST

START_TEST(test_filter_parse)
{
        struct stkt *t = table_new(0, STKT_KEY_INTEGER, 0,
                                   STKT_F(STKT_DT_GPC0) | STKT_F(STKT_DT_HTTP_REQ_RATE));
        struct stkt_cli_filter f = {0};

        ck_assert_int_eq(stkt_cli_parse_filter(t, "data.gpc0", "ge", "-12", &f, err, sizeof(err)),
                         0);
        ck_assert_int_eq(f.type, STKT_DT_GPC0);
        ck_assert_int_eq(f.op, STKT_CLI_OP_GE);
        ck_assert_int_eq(f.value, -12);
        ck_assert_int_eq(
                stkt_cli_parse_filter(t, "data.http_req_rate", "lt", "5", &f, err, sizeof(err)), 0);
        ck_assert_int_eq(f.type, STKT_DT_HTTP_REQ_RATE);
        ck_assert_int_eq(f.op, STKT_CLI_OP_LT);

        ck_assert_int_eq(stkt_cli_parse_filter(t, "data.gpc1", "eq", "1", &f, err, sizeof(err)),
                         -ENOENT);
        ck_assert_str_eq(err, "Data type not stored in this table");
        ck_assert_int_eq(stkt_cli_parse_filter(t, "data.gpc9", "eq", "1", &f, err, sizeof(err)),
                         -EINVAL);
        ck_assert_str_eq(err, "Unknown data type");
        ck_assert_int_eq(stkt_cli_parse_filter(t, "gpc0", "eq", "1", &f, err, sizeof(err)),
                         -EINVAL);
        ck_assert_int_eq(stkt_cli_parse_filter(t, "data.gpc0", "==", "1", &f, err, sizeof(err)),
                         -EINVAL);
        ck_assert_str_eq(err, "Require an operator among \"eq\", \"ne\", \"le\", \"ge\", \"lt\", "
                              "\"gt\"");
        ck_assert_int_eq(stkt_cli_parse_filter(t, "data.gpc0", "eq", "1k", &f, err, sizeof(err)),
                         -EINVAL);
        ck_assert_str_eq(err, "Require a valid integer value to compare against");
        ck_assert_int_eq(stkt_cli_parse_filter(t, "data.gpc0", "eq", "", &f, err, sizeof(err)),
                         -EINVAL);
}
END_TEST

START_TEST(test_filters_select_entries)
{
        struct stkt *t =
                table_new(0, STKT_KEY_INTEGER, 0, STKT_F(STKT_DT_GPC0) | STKT_F(STKT_DT_SERVER_ID));
        struct stkt_cli_filter f[STKT_CLI_FILTERS_MAX];
        static const struct {
                const char *op;
                int64_t value;
                int matches;
        } single[] = {
                {"eq", 3, 1}, {"ne", 3, 4}, {"le", 3, 3},  {"lt", 3, 2},
                {"ge", 3, 3}, {"gt", 3, 2}, {"gt", -1, 5}, {"lt", 0, 0},
        };
        char text[32], value[32];
        uint32_t idx[6];

        for (unsigned k = 1; k <= 5; k++) {
                snprintf(text, sizeof(text), "%u", k);
                idx[k] = insert_text(t, text);
                ck_assert_int_eq(stkt_set(t, idx[k], STKT_DT_GPC0, k), 0);
                ck_assert_int_eq(stkt_set(t, idx[k], STKT_DT_SERVER_ID, (uint64_t)(int64_t)-k), 0);
        }
        for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++) {
                snprintf(value, sizeof(value), "%lld", (long long)single[i].value);
                ck_assert_int_eq(stkt_cli_parse_filter(t, "data.gpc0", single[i].op, value, &f[0],
                                                       err, sizeof(err)),
                                 0);
                ck_assert_msg(stkt_cli_dump(out, "n", t, f, 1, NOW) == single[i].matches,
                              "gpc0 %s %s", single[i].op, value);
                (void)output();
        }

        /* ANDed: 2 <= gpc0 < 5 and server_id signed: server_id ne -3 leaves keys 2 and 4 */
        ck_assert_int_eq(stkt_cli_parse_filter(t, "data.gpc0", "ge", "2", &f[0], err, sizeof(err)),
                         0);
        ck_assert_int_eq(stkt_cli_parse_filter(t, "data.gpc0", "lt", "5", &f[1], err, sizeof(err)),
                         0);
        ck_assert_int_eq(
                stkt_cli_parse_filter(t, "data.server_id", "ne", "-3", &f[2], err, sizeof(err)), 0);
        ck_assert_int_eq(stkt_cli_dump(out, "n", t, f, 3, NOW), 2);
        {
                const char *got = output();
                char line[128];

                snprintf(line, sizeof(line),
                         "0x%x: key=2 use=0 exp=60000 shard=0 server_id=-2 gpc0=2\n", idx[2]);
                ck_assert_ptr_nonnull(strstr(got, line));
                snprintf(line, sizeof(line),
                         "0x%x: key=4 use=0 exp=60000 shard=0 server_id=-4 gpc0=4\n", idx[4]);
                ck_assert_ptr_nonnull(strstr(got, line));
                ck_assert_ptr_null(strstr(got, "key=3 "));
        }
}
END_TEST

START_TEST(test_filter_on_rate)
{
        struct stkt *t = table_new(0, STKT_KEY_IPV4, 0, STKT_F(STKT_DT_HTTP_REQ_RATE));
        struct stkt_cli_filter f;
        uint32_t a = insert_text(t, "10.0.0.1");

        (void)insert_text(t, "10.0.0.2");
        ck_assert_int_eq(stkt_rate_update(t, a, STKT_DT_HTTP_REQ_RATE, 50, NOW), 0);
        ck_assert_int_eq(
                stkt_cli_parse_filter(t, "data.http_req_rate", "gt", "10", &f, err, sizeof(err)),
                0);
        ck_assert_int_eq(stkt_cli_dump(out, "r", t, &f, 1, NOW), 1);
        ck_assert_ptr_nonnull(strstr(output(), "key=10.0.0.1 use=0 exp=60000 shard=0 "
                                               "http_req_rate(10000)=50\n"));
}
END_TEST

START_TEST(test_clear_refuses_entries_in_use)
{
        struct stkt *t =
                table_new(0, STKT_KEY_IPV4, 0, STKT_F(STKT_DT_CONN_CUR) | STKT_F(STKT_DT_GPC0));
        uint32_t tracked = insert_text(t, "10.0.0.1");
        uint32_t connected = insert_text(t, "10.0.0.2");
        uint32_t removed = 99;

        (void)insert_text(t, "10.0.0.3");
        (void)insert_text(t, "10.0.0.4");
        ck_assert_int_eq(stkt_ref(t, tracked), 0);
        ck_assert_int_eq(stkt_add(t, connected, STKT_DT_CONN_CUR, 1), 0);

        /* one key: busy is refused with HAProxy's message, idle is removed */
        ck_assert_int_eq(stkt_cli_clear(t, "10.0.0.1", NULL, 0, NOW, &removed, err, sizeof(err)),
                         1);
        ck_assert_uint_eq(removed, 0);
        ck_assert_str_eq(err, "Entry currently in use, cannot remove");
        ck_assert_int_eq(stkt_cli_clear(t, "10.0.0.3", NULL, 0, NOW, &removed, err, sizeof(err)),
                         0);
        ck_assert_uint_eq(removed, 1);
        ck_assert_int_eq(find_text(t, "10.0.0.3", NOW), -1);
        /* absent key: nothing to do; bad key: an error */
        ck_assert_int_eq(stkt_cli_clear(t, "10.0.0.3", NULL, 0, NOW, &removed, err, sizeof(err)),
                         0);
        ck_assert_uint_eq(removed, 0);
        ck_assert_int_eq(stkt_cli_clear(t, "10.0.0", NULL, 0, NOW, &removed, err, sizeof(err)),
                         -EINVAL);
        ck_assert_str_eq(err, "Invalid key");

        /* everything: the two in use stay */
        ck_assert_int_eq(stkt_cli_clear(t, NULL, NULL, 0, NOW, &removed, err, sizeof(err)), 2);
        ck_assert_uint_eq(removed, 1);
        ck_assert_int_eq(find_text(t, "10.0.0.1", NOW), tracked);
        ck_assert_int_eq(find_text(t, "10.0.0.2", NOW), connected);
        ck_assert_int_eq(find_text(t, "10.0.0.4", NOW), -1);
        ck_assert_int_eq(stkt_cli_dump(out, "c", t, NULL, 0, NOW), 2);
        (void)output();

        /* once released they go */
        ck_assert_int_eq(stkt_unref(t, tracked), 0);
        ck_assert_int_eq(stkt_dec(t, connected, STKT_DT_CONN_CUR), 0);
        ck_assert_int_eq(stkt_cli_clear(t, NULL, NULL, 0, NOW, NULL, err, sizeof(err)), 0);
        ck_assert_int_eq(stkt_cli_dump(out, "c", t, NULL, 0, NOW), 0);
        ck_assert_str_eq(output(), "# table: c, type: ip, size:16, used:0\n");
        ck_assert_int_eq(stkt_remove(t, tracked), -ESTALE);
}
END_TEST

START_TEST(test_clear_with_filter)
{
        struct stkt *t = table_new(0, STKT_KEY_STRING, 16, STKT_F(STKT_DT_GPC0));
        struct stkt_cli_filter f;
        uint32_t removed;
        uint32_t a = insert_text(t, "a"), b = insert_text(t, "b");

        ck_assert_int_eq(stkt_set(t, a, STKT_DT_GPC0, 10), 0);
        ck_assert_int_eq(stkt_set(t, b, STKT_DT_GPC0, 1), 0);
        ck_assert_int_eq(stkt_cli_parse_filter(t, "data.gpc0", "gt", "5", &f, err, sizeof(err)), 0);
        ck_assert_int_eq(stkt_cli_clear(t, NULL, &f, 1, NOW, &removed, err, sizeof(err)), 0);
        ck_assert_uint_eq(removed, 1);
        ck_assert_int_eq(find_text(t, "a", NOW), -1);
        ck_assert_int_eq(find_text(t, "b", NOW), b);
}
END_TEST

START_TEST(test_set_creates_and_updates)
{
        struct stkt *t =
                table_new(0, STKT_KEY_IPV6, 0,
                          STKT_F(STKT_DT_GPC0) | STKT_F(STKT_DT_GPT0) | STKT_F(STKT_DT_SERVER_ID) |
                                  STKT_F(STKT_DT_CONN_RATE) | STKT_F(STKT_DT_CONN_CUR));
        char want[256];
        uint64_t v;
        int64_t idx;

        ck_assert_int_eq(stkt_cli_set(t, "::1", "data.gpc0", "7", NOW, err, sizeof(err)), 1);
        idx = find_text(t, "::1", NOW);
        ck_assert_int_ge(idx, 0);
        ck_assert_int_eq(stkt_get(t, (uint32_t)idx, STKT_DT_GPC0, &v), 0);
        ck_assert_uint_eq(v, 7);
        ck_assert_int_eq(stkt_cli_set(t, "::1", "data.gpc0", "8", NOW + 100, err, sizeof(err)), 0);
        ck_assert_int_eq(
                stkt_cli_set(t, "::1", "data.gpt0", "4294967295", NOW + 100, err, sizeof(err)), 0);
        ck_assert_int_eq(
                stkt_cli_set(t, "::1", "data.server_id", "-5", NOW + 100, err, sizeof(err)), 0);
        ck_assert_int_eq(stkt_cli_set(t, "::1", "data.conn_cur", "2", NOW + 100, err, sizeof(err)),
                         0);
        ck_assert_int_eq(stkt_cli_dump(out, "six", t, NULL, 0, NOW + 100), 1);
        /* set touches the entry: exp restarts from NOW + 100 */
        snprintf(want, sizeof(want),
                 "# table: six, type: ipv6, size:16, used:1\n"
                 "0x%x: key=::1 use=0 exp=60000 shard=0 server_id=-5 gpt0=4294967295 gpc0=8 "
                 "conn_rate(10000)=0 conn_cur=2\n",
                 (unsigned)idx);
        ck_assert_str_eq(output(), want);

        ck_assert_int_eq(stkt_cli_set(t, "::1", "data.conn_rate", "1", NOW, err, sizeof(err)),
                         -EINVAL);
        ck_assert_str_eq(err, "Rate data type conn_rate cannot be set");
        ck_assert_int_eq(stkt_cli_set(t, "::1", "data.gpc1", "1", NOW, err, sizeof(err)), -ENOENT);
        ck_assert_str_eq(err, "Data type not stored in this table");
        ck_assert_int_eq(stkt_cli_set(t, "::1", "data.nope", "1", NOW, err, sizeof(err)), -EINVAL);
        ck_assert_str_eq(err, "Unknown data type");
        ck_assert_int_eq(stkt_cli_set(t, "::1", "gpc0", "1", NOW, err, sizeof(err)), -EINVAL);
        ck_assert_str_eq(err, "\"data.<type>\" followed by a value expected");
        ck_assert_int_eq(stkt_cli_set(t, "::1", "data.gpc0", "x", NOW, err, sizeof(err)), -EINVAL);
        ck_assert_str_eq(err, "Require a valid integer value to store");
        ck_assert_int_eq(stkt_cli_set(t, "::1", "data.gpc0", "-1", NOW, err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(stkt_cli_set(t, "::1", "data.gpt0", "4294967296", NOW, err, sizeof(err)),
                         -EINVAL);
        ck_assert_int_eq(
                stkt_cli_set(t, "::1", "data.server_id", "2147483648", NOW, err, sizeof(err)),
                -EINVAL);
        ck_assert_int_eq(stkt_cli_set(t, "nothex", "data.gpc0", "1", NOW, err, sizeof(err)),
                         -EINVAL);
        ck_assert_str_eq(err, "Invalid key");
        /* none of the refusals created or changed anything */
        ck_assert_int_eq(stkt_get(t, (uint32_t)idx, STKT_DT_GPC0, &v), 0);
        ck_assert_uint_eq(v, 8);
        ck_assert_int_eq(stkt_cli_show_table_header(out, "six", t), 0);
        ck_assert_str_eq(output(), "# table: six, type: ipv6, size:16, used:1\n");
}
END_TEST

START_TEST(test_show_one_key)
{
        struct stkt *t = table_new(0, STKT_KEY_IPV4, 0, STKT_F(STKT_DT_GPC0));
        char want[256];
        int64_t idx;

        ck_assert_int_eq(stkt_cli_set(t, "10.0.0.1", "data.gpc0", "3", NOW, err, sizeof(err)), 1);
        ck_assert_int_eq(stkt_cli_set(t, "10.0.0.2", "data.gpc0", "4", NOW, err, sizeof(err)), 1);
        idx = find_text(t, "10.0.0.2", NOW);
        ck_assert_int_eq(stkt_cli_dump_key(out, "v4", t, "10.0.0.2", NOW, err, sizeof(err)), 1);
        snprintf(want, sizeof(want),
                 "# table: v4, type: ip, size:16, used:2\n"
                 "0x%x: key=10.0.0.2 use=0 exp=60000 shard=0 gpc0=4\n",
                 (unsigned)idx);
        ck_assert_str_eq(output(), want);
        ck_assert_int_eq(stkt_cli_dump_key(out, "v4", t, "10.0.0.3", NOW, err, sizeof(err)), 0);
        ck_assert_str_eq(output(), "# table: v4, type: ip, size:16, used:2\n");
        ck_assert_int_lt(stkt_cli_dump_key(out, "v4", t, "nope", NOW, err, sizeof(err)), 0);
        ck_assert_str_eq(err, "Invalid key");
}
END_TEST

START_TEST(test_type_names)
{
        for (int dt = 0; dt < STKT_DT_COUNT; dt++) {
                const char *name = stkt_cli_data_type_name((enum stkt_data_type)dt);

                ck_assert_ptr_nonnull(name);
                ck_assert_int_eq(stkt_cli_data_type_parse(name), dt);
        }
        ck_assert_ptr_null(stkt_cli_data_type_name(STKT_DT_COUNT));
        ck_assert_ptr_null(stkt_cli_key_type_name(STKT_KEY_COUNT));
        ck_assert_int_eq(stkt_cli_data_type_parse("gpc"), -1);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("shm/stktable_cli");
        TCase *tc = tcase_create("cli");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_header_and_entry_line);
        tcase_add_test(tc, test_keys_of_each_type);
        tcase_add_test(tc, test_key_parse_rejects);
        tcase_add_test(tc, test_show_tables);
        tcase_add_test(tc, test_filter_parse);
        tcase_add_test(tc, test_filters_select_entries);
        tcase_add_test(tc, test_filter_on_rate);
        tcase_add_test(tc, test_clear_refuses_entries_in_use);
        tcase_add_test(tc, test_clear_with_filter);
        tcase_add_test(tc, test_set_creates_and_updates);
        tcase_add_test(tc, test_show_one_key);
        tcase_add_test(tc, test_type_names);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
