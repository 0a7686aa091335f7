#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"

static int pipefd[2];

static void setup(void)
{
        ck_assert_int_eq(pipe(pipefd), 0);
        unsetenv("JOURNAL_STREAM");
        sl_log_init("unit");
        sl_log_set_max_level(LOG_INFO);
        (void)sl_log_set_fd(pipefd[1]);
}

static void teardown(void)
{
        (void)sl_log_set_fd(2);
        close(pipefd[0]);
        close(pipefd[1]);
}

static const char *drain(void)
{
        static char out[4096];
        ssize_t n;

        close(pipefd[1]);
        n = read(pipefd[0], out, sizeof(out) - 1);
        ck_assert_int_ge(n, 0);
        out[n] = '\0';
        pipefd[1] = -1;
        return out;
}

START_TEST(test_terminal_line)
{
        char want[128];

        sl_log(LOG_WARNING, "listener '%s' paused", "web");
        snprintf(want, sizeof(want), "unit[%d]: warning: listener 'web' paused\n", (int)getpid());
        ck_assert_str_eq(drain(), want);
}
END_TEST

START_TEST(test_level_filter)
{
        sl_log(LOG_DEBUG, "hidden");
        sl_log(LOG_ERR, "shown");
        ck_assert_ptr_nonnull(strstr(drain(), "error: shown\n"));
}
END_TEST

START_TEST(test_log_errno_returns_error)
{
        int r = log_errno(LOG_ERR, -ENOENT, "open '%s'", "/x");

        ck_assert_int_eq(r, -ENOENT);
        ck_assert_ptr_nonnull(strstr(drain(), "open '/x': No such file or directory\n"));
}
END_TEST

START_TEST(test_journal_prefix)
{
        char env[64];
        struct stat st;

        /* Pretend fd 2 is the journal stream: JOURNAL_STREAM names its device and inode. */
        ck_assert_int_eq(fstat(2, &st), 0);
        snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
        setenv("JOURNAL_STREAM", env, 1);
        sl_log_init(NULL);
        sl_log(LOG_NOTICE, "reloaded");
        ck_assert_str_eq(drain(), "<5>reloaded\n");
}
END_TEST

START_TEST(test_long_line_truncated_with_newline)
{
        static char big[8192];
        const char *out;

        memset(big, 'a', sizeof(big) - 1);
        sl_log(LOG_INFO, "%s", big);
        out = drain();
        ck_assert_uint_lt(strlen(out), 4096);
        ck_assert_int_eq(out[strlen(out) - 1], '\n');
}
END_TEST

int main(void)
{
        Suite *s = suite_create("common/log");
        TCase *tc = tcase_create("lines");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_terminal_line);
        tcase_add_test(tc, test_level_filter);
        tcase_add_test(tc, test_log_errno_returns_error);
        tcase_add_test(tc, test_journal_prefix);
        tcase_add_test(tc, test_long_line_truncated_with_newline);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
