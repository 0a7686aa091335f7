#include <errno.h>
#include <string.h>

#include "cli.h"
#include "macros.h"
#include "unit.h"

#define PARSE(cli, err, ...)                                                                       \
        ({                                                                                         \
                char *argv_[] = {"sluice", __VA_ARGS__, NULL};                                     \
                master_cli_parse((int)SL_ARRAY_SIZE(argv_) - 1, argv_, (cli), (err), sizeof(err)); \
        })

START_TEST(test_check_with_several_files)
{
        struct master_cli cli;
        char err[128];

        ck_assert_int_eq(PARSE(&cli, err, "-c", "-f", "a.cfg", "-f", "conf.d"), 0);
        ck_assert_int_eq(cli.action, MASTER_CLI_CHECK);
        ck_assert_uint_eq(cli.n_cfg, 2);
        ck_assert_str_eq(cli.cfg[0], "a.cfg");
        ck_assert_str_eq(cli.cfg[1], "conf.d");
}
END_TEST

START_TEST(test_vv_counts)
{
        struct master_cli cli;
        char err[128];

        ck_assert_int_eq(PARSE(&cli, err, "-vv"), 0);
        ck_assert_int_eq(cli.action, MASTER_CLI_VERSION);
        ck_assert_int_eq(cli.verbosity, 2);
        ck_assert_int_eq(PARSE(&cli, err, "-v"), 0);
        ck_assert_int_eq(cli.verbosity, 1);
}
END_TEST

START_TEST(test_help_wins)
{
        struct master_cli cli;
        char err[128];

        ck_assert_int_eq(PARSE(&cli, err, "-v", "-h", "-c"), 0);
        ck_assert_int_eq(cli.action, MASTER_CLI_HELP);
}
END_TEST

START_TEST(test_errors)
{
        struct master_cli cli;
        char err[128];

        ck_assert_int_eq(PARSE(&cli, err, "-x"), -EINVAL);
        ck_assert_str_eq(err, "unknown option -x");
        ck_assert_int_eq(PARSE(&cli, err, "-f"), -EINVAL);
        ck_assert_str_eq(err, "option -f needs a file or directory");
        ck_assert_int_eq(PARSE(&cli, err, "-c", "stray"), -EINVAL);
        ck_assert_str_eq(err, "unexpected argument 'stray'");
        ck_assert_int_eq(PARSE(&cli, err, "-f", ""), -EINVAL);
}
END_TEST

START_TEST(test_long_options)
{
        struct master_cli cli;
        char err[128];

        ck_assert_int_eq(PARSE(&cli, err, "-c", "--json", "-f", "a.cfg"), 0);
        ck_assert_int_eq(cli.action, MASTER_CLI_CHECK);
        ck_assert(cli.json);
        ck_assert_int_eq(PARSE(&cli, err, "--dump-config", "-f", "a.cfg"), 0);
        ck_assert_int_eq(cli.action, MASTER_CLI_DUMP);
        ck_assert_int_eq(PARSE(&cli, err, "--json"), -EINVAL);
        ck_assert_str_eq(err, "--json goes with -c");
        ck_assert_int_eq(PARSE(&cli, err, "-c", "--dump-config"), -EINVAL);
        ck_assert_int_eq(PARSE(&cli, err, "--frobnicate"), -EINVAL);
        ck_assert_str_eq(err, "unknown option '--frobnicate'");
}
END_TEST

START_TEST(test_haproxy_flags)
{
        struct master_cli cli;
        char err[128];

        ck_assert_int_eq(PARSE(&cli, err, "-W", "-db", "-f", "a.cfg", "-p", "/run/s.pid", "-L",
                               "node1", "-N", "500", "-sf", "12", "34", "-q"),
                         0);
        ck_assert_int_eq(cli.action, MASTER_CLI_RUN);
        ck_assert(cli.foreground);
        ck_assert(cli.quiet);
        ck_assert_str_eq(cli.pidfile, "/run/s.pid");
        ck_assert_str_eq(cli.localpeer, "node1");
        ck_assert_uint_eq(cli.maxconn, 500);
        ck_assert_uint_eq(cli.n_old_pids, 2);
        ck_assert_int_eq(cli.old_pids[1], 34);
        ck_assert(!cli.sf_terminate);
        ck_assert_int_eq(PARSE(&cli, err, "-st", "99", "-D", "-Ws"), 0);
        ck_assert(cli.sf_terminate);
        ck_assert(cli.daemon);
        ck_assert_int_eq(PARSE(&cli, err, "-S", "/run/m.sock,mode,660", "reload"), 0);
        ck_assert_int_eq(cli.action, MASTER_CLI_RELOAD);
        ck_assert_str_eq(cli.ctl_path, "/run/m.sock");
        ck_assert_uint_eq(cli.ctl_mode, 0660);
        ck_assert_int_eq(PARSE(&cli, err, "reload"), -EINVAL);
        ck_assert_str_eq(err, "reload needs the master's control socket: -S PATH");
        ck_assert_int_eq(PARSE(&cli, err, "-S", "/run/m.sock,level,admin"), -EINVAL);
        ck_assert_int_eq(PARSE(&cli, err, "-N", "lots"), -EINVAL);
        ck_assert_int_eq(PARSE(&cli, err, "-p"), -EINVAL);
        ck_assert_int_eq(PARSE(&cli, err, "-dq"), -EINVAL);
}
END_TEST

START_TEST(test_default_is_run)
{
        struct master_cli cli;
        char err[128];

        ck_assert_int_eq(PARSE(&cli, err, "-d"), 0);
        ck_assert_int_eq(cli.action, MASTER_CLI_RUN);
        ck_assert(cli.foreground);
        ck_assert_uint_eq(cli.n_cfg, 0);
}
END_TEST

START_TEST(test_control_socket_and_mode)
{
        struct master_cli cli;
        char err[128];

        ck_assert_int_eq(PARSE(&cli, err, "-d"), 0);
        ck_assert_int_eq(cli.ctl_fd, -1);
        ck_assert(!cli.master_worker);
        ck_assert_int_eq(PARSE(&cli, err, "-S", "fd@7", "-W"), 0);
        ck_assert_int_eq(cli.ctl_fd, 7);
        ck_assert(cli.master_worker);
        ck_assert_int_eq(PARSE(&cli, err, "-S", "unix@/run/m.sock,mode,600", "-Ws"), 0);
        ck_assert_str_eq(cli.ctl_path, "/run/m.sock");
        ck_assert_uint_eq(cli.ctl_mode, 0600);
        ck_assert_int_eq(cli.ctl_fd, -1);
        ck_assert(cli.master_worker);
        ck_assert_int_eq(PARSE(&cli, err, "-S", "fd@"), -EINVAL);
        ck_assert_int_eq(PARSE(&cli, err, "-S", "fd@x"), -EINVAL);
        ck_assert_int_eq(PARSE(&cli, err, "-S", "fd@99999999999"), -EINVAL);
        ck_assert_int_eq(PARSE(&cli, err, "-S", "fd@3,mode,600"), -EINVAL);
        ck_assert_str_eq(err, "-S: 'fd@3,mode,600': fd@N takes no option");
        /* "reload" talks to a running master: it needs a path */
        ck_assert_int_eq(PARSE(&cli, err, "-S", "fd@3", "reload"), -EINVAL);
}
END_TEST

START_TEST(test_memory_flags)
{
        struct master_cli cli;
        char err[128];

        ck_assert_int_eq(PARSE(&cli, err, "-d"), 0);
        ck_assert(!cli.pool_debug_set);
        ck_assert_uint_eq(cli.memmax_mb, 0);
        ck_assert_int_eq(PARSE(&cli, err, "-dM", "-m", "512"), 0);
        ck_assert(cli.pool_debug_set);
        ck_assert_uint_eq(cli.pool_debug.flags, POOL_DBG_POISON);
        ck_assert_int_eq(cli.pool_debug.poison, 0x50);
        ck_assert_uint_eq(cli.memmax_mb, 512);
        ck_assert_int_eq(cli.action, MASTER_CLI_RUN);
        ck_assert_int_eq(PARSE(&cli, err, "-dM0x41", "-dMtag,no-global"), 0);
        ck_assert_int_eq(cli.pool_debug.poison, 0x41);
        ck_assert_uint_eq(cli.pool_debug.flags, POOL_DBG_POISON | POOL_DBG_TAG);
        ck_assert_ptr_nonnull(strstr(cli.pool_debug_notice, "'no-global' changes nothing"));
        ck_assert_int_eq(PARSE(&cli, err, "-dMhelp", "-f", "x.cfg"), 0);
        ck_assert_int_eq(cli.action, MASTER_CLI_DM_HELP);
        ck_assert_int_eq(PARSE(&cli, err, "-dMbogus"), -EINVAL);
        ck_assert_int_eq(PARSE(&cli, err, "-m"), -EINVAL);
        ck_assert_int_eq(PARSE(&cli, err, "-m", "0"), -EINVAL);
        ck_assert_int_eq(PARSE(&cli, err, "-m", "1g"), -EINVAL);
        ck_assert_str_eq(err, "-m needs a number of megabytes, got '1g'");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("master/cli");
        TCase *tc = tcase_create("flags");

        tcase_add_test(tc, test_check_with_several_files);
        tcase_add_test(tc, test_vv_counts);
        tcase_add_test(tc, test_help_wins);
        tcase_add_test(tc, test_errors);
        tcase_add_test(tc, test_default_is_run);
        tcase_add_test(tc, test_long_options);
        tcase_add_test(tc, test_haproxy_flags);
        tcase_add_test(tc, test_control_socket_and_mode);
        tcase_add_test(tc, test_memory_flags);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
