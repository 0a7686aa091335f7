/* Diagnostics for master and worker. proto/, shm/ and config/ never call this: they return
 * errors and the caller that decides logs once. */
#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macros.h"

#define LOG_LINE_MAX 2048

static struct {
        const char *ident; /* borrowed: a string literal or argv[0] */
        int max_level;
        int fd;
        bool journal;
} log_state = {"sluice", LOG_INFO, 2, false};

static const char *const level_words[] = {
        [LOG_EMERG] = "emerg", [LOG_ALERT] = "alert",     [LOG_CRIT] = "crit",
        [LOG_ERR] = "error",   [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
        [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

/* JOURNAL_STREAM is "DEV:INO" of the stream systemd connected; it only counts while fd 2 is
 * still that stream (a child may have redirected it). */
static bool log_stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(2, &st) == -1)
                return false;
        return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void sl_log_init(const char *ident)
{
        if (ident)
                log_state.ident = ident;
        log_state.journal = log_stderr_is_journal();
}

void sl_log_set_max_level(int level)
{
        log_state.max_level = level;
}

int sl_log_get_max_level(void)
{
        return log_state.max_level;
}

int sl_log_set_fd(int fd)
{
        int old = log_state.fd;

        log_state.fd = fd;
        return old;
}

static void log_write(int level, const char *msg, const char *suffix)
{
        char line[LOG_LINE_MAX];
        int n;

        level &= LOG_PRIMASK;
        if (log_state.journal)
                n = snprintf(line, sizeof(line), "<%d>%s%s\n", level, msg, suffix);
        else
                n = snprintf(line, sizeof(line), "%s[%d]: %s: %s%s\n", log_state.ident,
                             (int)getpid(), level_words[level], msg, suffix);
        if (n < 0)
                return;
        if ((size_t)n >= sizeof(line)) {
                n = sizeof(line) - 1;
                line[n - 1] = '\n';
        }
        /* One write per line; a short write or EINTR loses the rest of a diagnostic, which is
         * better than blocking or interleaving. */
        (void)!write(log_state.fd, line, (size_t)n);
}

void sl_logv(int level, const char *fmt, va_list ap)
{
        char msg[LOG_LINE_MAX];

        if ((level & LOG_PRIMASK) > log_state.max_level)
                return;
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        log_write(level, msg, "");
}

void sl_log(int level, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        sl_logv(level, fmt, ap);
        va_end(ap);
}

int log_errno(int level, int err, const char *fmt, ...)
{
        char msg[LOG_LINE_MAX];
        char suffix[128];
        va_list ap;

        if ((level & LOG_PRIMASK) > log_state.max_level)
                return err;
        va_start(ap, fmt);
        (void)vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        (void)snprintf(suffix, sizeof(suffix), ": %s", strerror(err < 0 ? -err : err));
        log_write(level, msg, suffix);
        return err;
}

_Noreturn void sl_bug(const char *file, int line, const char *cond)
{
        char msg[512];

        (void)snprintf(msg, sizeof(msg), "BUG at %s:%d: %s", file, line, cond);
        log_write(LOG_CRIT, msg, "");
        abort();
}
