#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgtest.h"
#include "cpu_map.h"
#include "dump.h"
#include "load.h"
#include "unit.h"

static struct cfg_gen *load(const char *text, int want)
{
        struct cfg_gen *g;
        int r = cfgtest_load(text, NULL, &g);

        if (r != want)
                cfgtest_print_diags();
        ck_assert_int_eq(r, want);
        return g;
}

/* Some diagnostic of @sev is at @line with a message containing @msg. */
static void expect_diag(enum cfg_severity sev, unsigned line, const char *msg)
{
        if (cfgtest_has(sev, NULL, line, msg))
                return;
        cfgtest_print_diags();
        ck_abort_msg("no %s at line %u containing '%s'", cfg_severity_name(sev), line, msg);
}

static void expect_error(const char *text, unsigned line, const char *msg)
{
        cfgtest_expect_error(text, NULL, NULL, line, msg);
}

/* The dump of @text loads back to the same dump. */
static void expect_round_trip(const char *text)
{
        struct cfg_gen *g = load(text, 0), *g2;
        char *d1 = cfgtest_dump(g), *d2;

        g2 = load(d1, 0);
        d2 = cfgtest_dump(g2);
        ck_assert_str_eq(d1, d2);
        free(d1);
        free(d2);
        cfg_gen_unref(g);
        cfg_gen_unref(g2);
}

static void set_of(const char *list, struct cfg_cpuset *s)
{
        char err[256];
        const char *w[] = {list};

        ck_assert_int_eq(cfg_cpuset_parse(w, 1, s, err, sizeof(err)), 0);
}

static void assert_cpus(const struct cfg_cpuset *s, const char *want)
{
        char buf[256];

        cfg_cpuset_format(s, buf, sizeof(buf));
        ck_assert_str_eq(buf, want);
}

START_TEST(test_ids)
{
        uint64_t set;
        bool aut;
        char err[256];

        ck_assert_int_eq(cfg_cpu_map_parse_ids("all", &set, &aut, err, sizeof(err)), 0);
        ck_assert(set == ~0ull && !aut);
        ck_assert_int_eq(cfg_cpu_map_parse_ids("auto:odd", &set, &aut, err, sizeof(err)), 0);
        ck_assert(aut);
        ck_assert_uint_eq(set & 0xf, 0x5); /* 1 and 3 */
        ck_assert_int_eq(cfg_cpu_map_parse_ids("even", &set, NULL, err, sizeof(err)), 0);
        ck_assert_uint_eq(set & 0xf, 0xa); /* 2 and 4 */
        ck_assert_int_eq(cfg_cpu_map_parse_ids("3", &set, NULL, err, sizeof(err)), 0);
        ck_assert_uint_eq(set, 0x4);
        ck_assert_int_eq(cfg_cpu_map_parse_ids("4-2", &set, NULL, err, sizeof(err)), 0);
        ck_assert_uint_eq(set, 0xe);
        ck_assert_int_eq(cfg_cpu_map_parse_ids("63-", &set, NULL, err, sizeof(err)), 0);
        ck_assert(set == 3ull << 62);
        ck_assert_int_eq(cfg_cpu_map_parse_ids("0", &set, NULL, err, sizeof(err)), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err, "from 1 to 64"));
        ck_assert_int_eq(cfg_cpu_map_parse_ids("65", &set, NULL, err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(cfg_cpu_map_parse_ids("99999999999", &set, NULL, err, sizeof(err)),
                         -EINVAL);
        ck_assert_int_eq(cfg_cpu_map_parse_ids("1-2-3", &set, NULL, err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(cfg_cpu_map_parse_ids("-2", &set, NULL, err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(cfg_cpu_map_parse_ids("x", &set, NULL, err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(cfg_cpu_map_parse_ids("", &set, NULL, err, sizeof(err)), -EINVAL);
        /* "auto:" is for the process set only */
        ck_assert_int_eq(cfg_cpu_map_parse_ids("auto:1", &set, NULL, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_cpusets)
{
        const char *words[] = {"3", "0-1", "7,9-10", "1020-"};
        struct cfg_cpuset s;
        char err[256];

        ck_assert_int_eq(cfg_cpuset_parse(words, 4, &s, err, sizeof(err)), 0);
        assert_cpus(&s, "0-1,3,7,9-10,1020-1023");
        ck_assert_uint_eq(cfg_cpuset_count(&s), 10);
        set_of("5-2", &s);
        assert_cpus(&s, "2-5");
        words[0] = "1024";
        ck_assert_int_eq(cfg_cpuset_parse(words, 1, &s, err, sizeof(err)), -ERANGE);
        ck_assert_ptr_nonnull(strstr(err, "from 0 to 1023"));
        words[0] = "a";
        ck_assert_int_eq(cfg_cpuset_parse(words, 1, &s, err, sizeof(err)), -EINVAL);
        words[0] = "1,";
        ck_assert_int_eq(cfg_cpuset_parse(words, 1, &s, err, sizeof(err)), -EINVAL);
        words[0] = "-";
        ck_assert_int_eq(cfg_cpuset_parse(words, 1, &s, err, sizeof(err)), -EINVAL);
        ck_assert_int_eq(cfg_cpuset_parse(words, 0, &s, err, sizeof(err)), -EINVAL);
}
END_TEST

static void line(struct cfg_cpu_map *m, const char *ids, const char *cpus, int want)
{
        const char *w[] = {cpus};
        bool ignored;
        char err[256];

        ck_assert_int_eq(cfg_cpu_map_line(m, ids, w, 1, &ignored, err, sizeof(err)), want);
}

START_TEST(test_map_lines)
{
        struct cfg_cpu_map m = {0};
        struct cfg_cpuset s;
        const char *two[] = {"0-1", "2-3"};
        bool ignored;
        char err[256];

        /* auto: worker N takes the Nth CPU, whatever the order they are written in */
        /* HAProxy accepts a CPU set as large as the process set: worker 1 takes CPU 3, the
         * others none */
        line(&m, "auto:1/1-4", "3", 0);
        ck_assert(cfg_cpu_map_for_worker(&m, 1, &s));
        assert_cpus(&s, "3");
        ck_assert(!cfg_cpu_map_for_worker(&m, 2, &s));
        line(&m, "auto:1/1-4", "3-4", -EINVAL);
        ck_assert_int_eq(cfg_cpu_map_line(&m, "auto:1/1-4", two, 2, &ignored, err, sizeof(err)), 0);
        ck_assert(!ignored);
        for (unsigned t = 1; t <= 4; t++) {
                char want[8];

                ck_assert(cfg_cpu_map_for_worker(&m, t, &s));
                snprintf(want, sizeof(want), "%u", t - 1);
                assert_cpus(&s, want);
        }
        ck_assert(!cfg_cpu_map_for_worker(&m, 5, &s));
        /* a later line replaces a thread's set */
        line(&m, "1/2", "7-8", 0);
        ck_assert(cfg_cpu_map_for_worker(&m, 2, &s));
        assert_cpus(&s, "7-8");
        /* the process set: every worker without a set of its own, and a bound on the others */
        line(&m, "1", "0-1,7", 0);
        ck_assert(cfg_cpu_map_for_worker(&m, 2, &s));
        assert_cpus(&s, "7");
        ck_assert(cfg_cpu_map_for_worker(&m, 3, &s));
        assert_cpus(&s, "0-1,7"); /* its own (CPU 2) is outside the process set */
        ck_assert(cfg_cpu_map_for_worker(&m, 9, &s));
        assert_cpus(&s, "0-1,7");
        /* auto on a process set: the process takes one CPU */
        line(&m, "auto:1", "4", 0);
        assert_cpus(&m.proc, "4");
        line(&m, "auto:1", "4-5", -EINVAL);
        /* processes other than 1 do not exist */
        ck_assert_int_eq(cfg_cpu_map_line(&m, "2-3", two, 1, &ignored, err, sizeof(err)), 0);
        ck_assert(ignored);
        assert_cpus(&m.proc, "4");
        line(&m, "1/0", "1", -EINVAL);
        line(&m, "auto:1/all", "0-1", -EINVAL);
        line(&m, "auto:1/all", "0-63", 0);
        ck_assert(cfg_cpu_map_for_worker(&m, 64, &s));
        assert_cpus(&m.thread[63], "63");
        line(&m, "1/odd", "9", 0);
        assert_cpus(&m.thread[0], "9");
        assert_cpus(&m.thread[1], "1");
}
END_TEST

START_TEST(test_global_keywords)
{
        struct cfg_gen *g = load("global\n"
                                 "    master-worker\n"
                                 "    stats timeout 2s\n"
                                 "    log-send-hostname edge-1\n"
                                 "    cpu-map 1/all 0-1\n"
                                 "    cpu-map auto:1/1-2 0-1\n",
                                 0);

        ck_assert(g->global.master_worker);
        ck_assert(!g->global.no_exit_on_failure);
        ck_assert_uint_eq(g->global.stats_timeout_ms, 2000);
        ck_assert_uint_eq(cfg_stats_timeout_ms(&g->global), 2000);
        ck_assert_str_eq(g->global.log_send_hostname, "edge-1");
        ck_assert_ptr_nonnull(g->global.cpu_map);
        assert_cpus(&g->global.cpu_map->thread[0], "0");
        assert_cpus(&g->global.cpu_map->thread[1], "1");
        assert_cpus(&g->global.cpu_map->thread[2], "0-1");
        cfg_gen_unref(g);

        g = load("global\n    log-send-hostname\n", 0);
        {
                char host[256];

                ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
                ck_assert_str_eq(g->global.log_send_hostname, host);
        }
        ck_assert_uint_eq(cfg_stats_timeout_ms(&g->global), 10000);
        ck_assert_ptr_null(g->global.cpu_map);
        /* which worker a new connection goes to: leastconn unless told */
        ck_assert(!g->global.accept_hash);
        cfg_gen_unref(g);

        g = load("global\n    tune.sluice.accept-balance hash\n", 0);
        ck_assert(g->global.accept_hash);
        ck_assert(!g->global.busy_polling);
        cfg_gen_unref(g);
        g = load("global\n    busy-polling\n", 0);
        ck_assert(g->global.busy_polling);
        cfg_gen_unref(g);
        g = load("global\n    busy-polling\n    no busy-polling\n", 0);
        ck_assert(!g->global.busy_polling);
        cfg_gen_unref(g);
        g = load("global\n    tune.sluice.accept-balance hash\n"
                 "    tune.sluice.accept-balance leastconn\n",
                 0);
        ck_assert(!g->global.accept_hash);
        cfg_gen_unref(g);

        g = load("global\n    log-send-hostname a\n    log-send-hostname b\n", 0);
        ck_assert_str_eq(g->global.log_send_hostname, "a");
        expect_diag(CFG_SEV_WARNING, 3, "already specified");
        cfg_gen_unref(g);
}
END_TEST

/* Keywords about threads: accepted with a notice, since sluice's workers are processes. */
START_TEST(test_thread_keywords_notices)
{
        struct cfg_gen *g = load("global\n"
                                 "    thread-groups 1\n"
                                 "    thread-group 1 1-4\n"
                                 "    tune.idle-pool.shared off\n"
                                 "    master-worker no-exit-on-failure\n"
                                 "    cpu-map 2 0\n",
                                 0);

        ck_assert(g->global.no_exit_on_failure);
        ck_assert_uint_eq(cfgtest_diags.n_errors, 0);
        ck_assert_uint_eq(cfgtest_diags.n_notices, 5);
        expect_diag(CFG_SEV_NOTICE, 2, "workers are processes");
        expect_diag(CFG_SEV_NOTICE, 3, "workers are processes");
        expect_diag(CFG_SEV_NOTICE, 4, "idle server connections");
        expect_diag(CFG_SEV_NOTICE, 5, "never exits when a worker fails");
        expect_diag(CFG_SEV_NOTICE, 6, "only process 1 exists");
        ck_assert_ptr_null(g->global.cpu_map);
        cfg_gen_unref(g);
}
END_TEST

START_TEST(test_global_errors)
{
        expect_error("global\n    nbproc 1\n", 2, "nbproc is not supported any more");
        expect_error("global\n    thread-groups 2\n", 2, "between 1 and 1 (was 2)");
        expect_error("global\n    thread-group 2 1\n", 2, "out of range");
        expect_error("global\n    thread-group 1 0\n", 2, "out of range");
        expect_error("global\n    tune.idle-pool.shared maybe\n", 2, "'on' or 'off'");
        expect_error("global\n    tune.sluice.accept-balance roundrobin\n", 2,
                     "expects 'leastconn' or 'hash', got 'roundrobin'");
        expect_error("global\n    tune.sluice.accept-balance\n", 2, "accept-balance");
        expect_error("global\n    busy-polling on\n", 2, "busy-polling");
        expect_error("global\n    master-worker foo\n", 2, "only supports 'no-exit-on-failure'");
        expect_error("global\n    stats timeout 0\n", 2, "expects a positive value");
        expect_error("global\n    stats timeout 1x\n", 2, "stats timeout");
        expect_error("global\n    stats timeout 25d\n", 2, "stats timeout");
        expect_error("global\n    log-send-hostname a b\n", 2, "at most one name");
        expect_error("global\n    cpu-map 1/1\n", 2, "expects a process set");
        expect_error("global\n    cpu-map 1/65 0\n", 2, "from 1 to 64");
        expect_error("global\n    cpu-map 1/1 1024\n", 2, "from 0 to 1023");
        expect_error("global\n    cpu-map auto:1/1-3 0-1\n", 2, "same size");
}
END_TEST

/* tune.h2.be.*: servers' settings; the plain forms set them too unless the be. forms are
 * given (whatever the order; a be. form of 0 leaves the plain one), as in HAProxy. */
START_TEST(test_h2_be_tunings)
{
        struct cfg_gen *g = load("global\n", 0);
        char *d;

        ck_assert_uint_eq(g->global.tune_h2_be_max_concurrent_streams, 100);
        ck_assert_uint_eq(g->global.tune_h2_be_initial_window_size, 65535);
        ck_assert_uint_eq(g->global.tune_h2_be_glitches_threshold, 0);
        cfg_gen_unref(g);

        /* the plain forms set both sides */
        g = load("global\n"
                 "    tune.h2.max-concurrent-streams 30\n"
                 "    tune.h2.initial-window-size 1000\n",
                 0);
        ck_assert_uint_eq(g->global.tune_h2_max_concurrent_streams, 30);
        ck_assert_uint_eq(g->global.tune_h2_be_max_concurrent_streams, 30);
        ck_assert_uint_eq(g->global.tune_h2_initial_window_size, 1000);
        ck_assert_uint_eq(g->global.tune_h2_be_initial_window_size, 1000);
        cfg_gen_unref(g);

        /* the be. forms win, before or after the plain ones, and leave the fe. side alone */
        g = load("global\n"
                 "    tune.h2.be.max-concurrent-streams 5\n"
                 "    tune.h2.max-concurrent-streams 30\n"
                 "    tune.h2.initial-window-size 1000\n"
                 "    tune.h2.be.initial-window-size 4000\n"
                 "    tune.h2.be.glitches-threshold 300\n",
                 0);
        ck_assert_uint_eq(g->global.tune_h2_max_concurrent_streams, 30);
        ck_assert_uint_eq(g->global.tune_h2_be_max_concurrent_streams, 5);
        ck_assert_uint_eq(g->global.tune_h2_initial_window_size, 1000);
        ck_assert_uint_eq(g->global.tune_h2_be_initial_window_size, 4000);
        ck_assert_uint_eq(g->global.tune_h2_be_glitches_threshold, 300);
        ck_assert_uint_eq(g->global.tune_h2_fe_glitches_threshold, 1000);
        d = cfgtest_dump(g);
        ck_assert_ptr_nonnull(strstr(d, "    tune.h2.max-concurrent-streams 30\n"));
        ck_assert_ptr_nonnull(strstr(d, "    tune.h2.be.max-concurrent-streams 5\n"));
        ck_assert_ptr_nonnull(strstr(d, "    tune.h2.initial-window-size 1000\n"));
        ck_assert_ptr_nonnull(strstr(d, "    tune.h2.be.initial-window-size 4000\n"));
        ck_assert_ptr_nonnull(strstr(d, "    tune.h2.be.glitches-threshold 300\n"));
        free(d);
        cfg_gen_unref(g);
        g = load("global\n"
                 "    tune.h2.max-concurrent-streams 30\n"
                 "    tune.h2.be.max-concurrent-streams 5\n"
                 "    tune.h2.fe.max-concurrent-streams 7\n",
                 0);
        ck_assert_uint_eq(g->global.tune_h2_max_concurrent_streams, 7);
        ck_assert_uint_eq(g->global.tune_h2_be_max_concurrent_streams, 5);
        cfg_gen_unref(g);
        /* a be. form of 0 is no be. form */
        g = load("global\n"
                 "    tune.h2.be.max-concurrent-streams 5\n"
                 "    tune.h2.be.max-concurrent-streams 0\n"
                 "    tune.h2.max-concurrent-streams 30\n"
                 "    tune.h2.be.initial-window-size 0\n"
                 "    tune.h2.initial-window-size 1000\n",
                 0);
        ck_assert_uint_eq(g->global.tune_h2_be_max_concurrent_streams, 30);
        ck_assert_uint_eq(g->global.tune_h2_be_initial_window_size, 1000);
        cfg_gen_unref(g);

        /* the dump keeps each side's value, a window of 0 included */
        expect_round_trip("global\n"
                          "    tune.h2.fe.max-concurrent-streams 7\n"
                          "    tune.h2.be.max-concurrent-streams 3\n"
                          "    tune.h2.max-concurrent-streams 9\n"
                          "    tune.h2.initial-window-size 0\n"
                          "    tune.h2.be.initial-window-size 70000\n");
        expect_round_trip("global\n"
                          "    tune.h2.initial-window-size 0\n"
                          "    tune.h2.fe.initial-window-size 70000\n");
        g = load("global\n"
                 "    tune.h2.initial-window-size 0\n"
                 "    tune.h2.fe.initial-window-size 70000\n",
                 0);
        d = cfgtest_dump(g);
        cfg_gen_unref(g);
        g = load(d, 0);
        ck_assert_uint_eq(g->global.tune_h2_initial_window_size, 70000);
        ck_assert_uint_eq(g->global.tune_h2_be_initial_window_size, 0);
        free(d);
        cfg_gen_unref(g);
        g = load("global\n"
                 "    tune.h2.fe.max-concurrent-streams 7\n"
                 "    tune.h2.be.max-concurrent-streams 3\n"
                 "    tune.h2.max-concurrent-streams 9\n",
                 0);
        d = cfgtest_dump(g);
        cfg_gen_unref(g);
        g = load(d, 0);
        ck_assert_uint_eq(g->global.tune_h2_max_concurrent_streams, 7);
        ck_assert_uint_eq(g->global.tune_h2_be_max_concurrent_streams, 3);
        free(d);
        cfg_gen_unref(g);
}
END_TEST

/* tune.h2.*: HAProxy's defaults and limits, but 1000 glitches by default and no concurrency
 * of 0; the fe. forms win whatever the order (an fe. form of 0 leaves the plain one). */
START_TEST(test_h2_tunings)
{
        struct cfg_gen *g = load("global\n", 0);
        char *d;

        ck_assert_uint_eq(g->global.tune_h2_max_concurrent_streams, 100);
        ck_assert_uint_eq(g->global.tune_h2_fe_max_total_streams, 0);
        ck_assert_uint_eq(g->global.tune_h2_header_table_size, 4096);
        ck_assert_uint_eq(g->global.tune_h2_initial_window_size, 65535);
        ck_assert_uint_eq(g->global.tune_h2_max_frame_size, 16384);
        ck_assert_uint_eq(g->global.tune_h2_fe_glitches_threshold, 1000);
        d = cfgtest_dump(g);
        ck_assert_ptr_null(strstr(d, "tune.h2"));
        free(d);
        cfg_gen_unref(g);

        g = load("global\n"
                 "    tune.h2.max-concurrent-streams 50\n"
                 "    tune.h2.fe.max-total-streams 1000\n"
                 "    tune.h2.header-table-size 65536\n"
                 "    tune.h2.initial-window-size 1048576\n"
                 "    tune.h2.max-frame-size 16777215\n"
                 "    tune.h2.fe.glitches-threshold 0\n",
                 0);
        ck_assert_uint_eq(g->global.tune_h2_max_concurrent_streams, 50);
        ck_assert_uint_eq(g->global.tune_h2_fe_max_total_streams, 1000);
        ck_assert_uint_eq(g->global.tune_h2_header_table_size, 65536);
        ck_assert_uint_eq(g->global.tune_h2_initial_window_size, 1048576);
        ck_assert_uint_eq(g->global.tune_h2_max_frame_size, 16777215);
        ck_assert_uint_eq(g->global.tune_h2_fe_glitches_threshold, 0);
        d = cfgtest_dump(g);
        ck_assert_ptr_nonnull(strstr(d, "    tune.h2.max-concurrent-streams 50\n"));
        ck_assert_ptr_nonnull(strstr(d, "    tune.h2.fe.max-total-streams 1000\n"));
        ck_assert_ptr_nonnull(strstr(d, "    tune.h2.header-table-size 65536\n"));
        ck_assert_ptr_nonnull(strstr(d, "    tune.h2.initial-window-size 1048576\n"));
        ck_assert_ptr_nonnull(strstr(d, "    tune.h2.max-frame-size 16777215\n"));
        ck_assert_ptr_nonnull(strstr(d, "    tune.h2.fe.glitches-threshold 0\n"));
        free(d);
        cfg_gen_unref(g);

        /* the fe. forms win, before or after the plain ones */
        g = load("global\n"
                 "    tune.h2.fe.max-concurrent-streams 20\n"
                 "    tune.h2.max-concurrent-streams 30\n"
                 "    tune.h2.initial-window-size 1000\n"
                 "    tune.h2.fe.initial-window-size 2000\n",
                 0);
        ck_assert_uint_eq(g->global.tune_h2_max_concurrent_streams, 20);
        ck_assert_uint_eq(g->global.tune_h2_initial_window_size, 2000);
        cfg_gen_unref(g);
        g = load("global\n"
                 "    tune.h2.max-concurrent-streams 30\n"
                 "    tune.h2.fe.max-concurrent-streams 20\n"
                 "    tune.h2.fe.initial-window-size 2000\n"
                 "    tune.h2.initial-window-size 1000\n",
                 0);
        ck_assert_uint_eq(g->global.tune_h2_max_concurrent_streams, 20);
        ck_assert_uint_eq(g->global.tune_h2_initial_window_size, 2000);
        cfg_gen_unref(g);
        /* HAProxy: an fe. form of 0 is no fe. form; a plain window of 0 is 0 */
        g = load("global\n"
                 "    tune.h2.max-concurrent-streams 30\n"
                 "    tune.h2.fe.max-concurrent-streams 20\n"
                 "    tune.h2.fe.max-concurrent-streams 0\n",
                 0);
        ck_assert_uint_eq(g->global.tune_h2_max_concurrent_streams, 30);
        cfg_gen_unref(g);
        g = load("global\n    tune.h2.fe.max-concurrent-streams 0\n", 0);
        ck_assert_uint_eq(g->global.tune_h2_max_concurrent_streams, 100);
        cfg_gen_unref(g);
        g = load("global\n"
                 "    tune.h2.fe.initial-window-size 0\n"
                 "    tune.h2.initial-window-size 1000\n",
                 0);
        ck_assert_uint_eq(g->global.tune_h2_initial_window_size, 1000);
        cfg_gen_unref(g);
        g = load("global\n"
                 "    tune.h2.initial-window-size 1000\n"
                 "    tune.h2.fe.initial-window-size 5000\n"
                 "    tune.h2.fe.initial-window-size 0\n",
                 0);
        ck_assert_uint_eq(g->global.tune_h2_initial_window_size, 1000);
        cfg_gen_unref(g);
        g = load("global\n    tune.h2.initial-window-size 0\n", 0);
        ck_assert_uint_eq(g->global.tune_h2_initial_window_size, 0);
        cfg_gen_unref(g);

        expect_round_trip("global\n"
                          "    tune.h2.fe.max-concurrent-streams 7\n"
                          "    tune.h2.max-concurrent-streams 9\n"
                          "    tune.h2.fe.initial-window-size 0\n"
                          "    tune.h2.initial-window-size 0\n"
                          "    tune.h2.header-table-size 8192\n"
                          "    tune.h2.fe.glitches-threshold 50\n");

        expect_error("global\n    tune.h2.max-concurrent-streams 0\n", 2,
                     "tune.h2.max-concurrent-streams 0 (no limit in HAProxy) is not supported");
        expect_error("global\n    tune.h2.fe.max-concurrent-streams -1\n", 2,
                     "invalid tune.h2.fe.max-concurrent-streams '-1'");
        expect_error("global\n    tune.h2.max-concurrent-streams 2147483648\n", 2,
                     "out of range 1..2147483647");
        expect_error("global\n    tune.h2.max-frame-size 100\n", 2,
                     "tune.h2.max-frame-size '100' out of range 16384..16777215");
        expect_error("global\n    tune.h2.max-frame-size 16777216\n", 2, "out of range");
        expect_error("global\n    tune.h2.header-table-size 70000\n", 2,
                     "tune.h2.header-table-size '70000' out of range 4096..65536");
        expect_error("global\n    tune.h2.header-table-size 1024\n", 2, "out of range");
        expect_error("global\n    tune.h2.initial-window-size -1\n", 2,
                     "invalid tune.h2.initial-window-size '-1'");
        expect_error("global\n    tune.h2.fe.initial-window-size 2147483648\n", 2,
                     "out of range 0..2147483647");
        expect_error("global\n    tune.h2.fe.glitches-threshold\n", 2,
                     "expected 'tune.h2.fe.glitches-threshold <number>'");
        expect_error("global\n    tune.h2.fe.max-total-streams 1 2\n", 2,
                     "unexpected argument '2'");
        expect_error("global\n    tune.h2.be.initial-window-size -1\n", 2,
                     "invalid tune.h2.be.initial-window-size '-1'");
        expect_error("global\n    tune.h2.be.max-concurrent-streams 2147483648\n", 2,
                     "out of range 0..2147483647");
        expect_error("global\n    tune.h2.be.glitches-threshold\n", 2,
                     "expected 'tune.h2.be.glitches-threshold <number>'");
}
END_TEST

START_TEST(test_dump_round_trip)
{
        expect_round_trip("global\n"
                          "    master-worker no-exit-on-failure\n"
                          "    stats timeout 2500\n"
                          "    log-send-hostname \"edge 1\"\n"
                          "    cpu-map 1 0-3,8\n"
                          "    cpu-map auto:1/1-4 4-7\n"
                          "    cpu-map 1/10-20 1\n"
                          "    tune.sluice.accept-balance hash\n"
                          "    busy-polling\n");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("config/global");
        TCase *tc = tcase_create("cpu_map");

        tcase_add_test(tc, test_ids);
        tcase_add_test(tc, test_cpusets);
        tcase_add_test(tc, test_map_lines);
        suite_add_tcase(s, tc);
        tc = tcase_create("keywords");
        tcase_add_test(tc, test_global_keywords);
        tcase_add_test(tc, test_thread_keywords_notices);
        tcase_add_test(tc, test_global_errors);
        tcase_add_test(tc, test_h2_tunings);
        tcase_add_test(tc, test_h2_be_tunings);
        tcase_add_test(tc, test_dump_round_trip);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
