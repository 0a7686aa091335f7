/* The serving path of sluice(8): configuration, daemon mode, pid file, readiness for systemd,
 * then the worker's event loop. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "master.h"
#include "model.h"
#include "worker.h"

struct ready_ctx {
        int pipe_fd; /* daemon mode: tells the waiting parent; -1 otherwise */
        const char *pidfile;
        const struct master_cli *cli; /* borrowed */
        int saved_stderr;             /* daemon: the caller's stderr until ready; -1 otherwise */
};

static int write_pidfile(const char *path)
{
        char buf[32];
        int fd, n;

        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd == -1)
                return -errno;
        n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
        if (write(fd, buf, (size_t)n) != n) {
                int err = -errno;

                close(fd);
                return err ? err : -EIO;
        }
        return close(fd) == -1 ? -errno : 0;
}

static void on_ready(void *data)
{
        struct ready_ctx *c = data;

        /* -sf / -st: the processes this one replaces stop now that it serves */
        for (size_t i = 0; i < c->cli->n_old_pids; i++)
                if (kill(c->cli->old_pids[i], c->cli->sf_terminate ? SIGTERM : SIGUSR1) == -1)
                        log_errno(LOG_WARNING, -errno, "cannot signal old process %d",
                                  c->cli->old_pids[i]);

        if (c->pipe_fd >= 0) {
                (void)!write(c->pipe_fd, "R", 1);
                close(c->pipe_fd);
                c->pipe_fd = -1;
        }
        if (c->saved_stderr >= 0) {
                (void)sl_log_set_fd(STDERR_FILENO);
                close(c->saved_stderr);
                c->saved_stderr = -1;
        }
}

/* Detach: the parent waits until the child is ready (or failed) and exits accordingly, so
 * that a start script sees the truth. Returns in the child only. */
static int daemonize(struct ready_ctx *c)
{
        int p[2], devnull;
        pid_t pid;
        char byte;

        if (pipe2(p, O_CLOEXEC) == -1)
                return -errno;
        pid = fork();
        if (pid == -1)
                return -errno;
        if (pid > 0) {
                close(p[1]);
                if (read(p[0], &byte, 1) == 1)
                        _exit(EXIT_SUCCESS);
                /* the child exited before being ready: it logged why */
                (void)waitpid(pid, NULL, 0);
                _exit(EXIT_FAILURE);
        }
        close(p[0]);
        c->pipe_fd = p[1];
        if (setsid() == -1)
                return -errno;
        devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull >= 0) {
                /* the master's diagnostics go to the caller's stderr until it is ready (so a
                 * failed start says why); every other process gets /dev/null, so nothing
                 * keeps the caller's terminal or pipe open */
                c->saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
                if (c->saved_stderr >= 0)
                        (void)sl_log_set_fd(c->saved_stderr);
                (void)dup2(devnull, STDIN_FILENO);
                (void)dup2(devnull, STDOUT_FILENO);
                (void)dup2(devnull, STDERR_FILENO);
                close(devnull);
        }
        return 0;
}

/* Raise the open-files limit for @maxconn connections (each may need a server connection
 * and, in TCP mode, splice pipes), as HAProxy sizes its ulimit-n. With no maxconn, use the
 * hard limit and derive maxconn from it. Returns the maxconn to enforce. */
static unsigned size_fd_limit(unsigned maxconn)
{
        struct rlimit rl;
        rlim_t want;

        if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
                return maxconn;
        want = maxconn ? (rlim_t)maxconn * 3 + 256 : rl.rlim_max;
        if (rl.rlim_max != RLIM_INFINITY && want > rl.rlim_max) {
                if (maxconn)
                        sl_log(LOG_WARNING,
                               "maxconn %u needs %llu open files, above the hard limit %llu: "
                               "connections will be refused before maxconn",
                               maxconn, (unsigned long long)want, (unsigned long long)rl.rlim_max);
                want = rl.rlim_max;
        }
        if (want > rl.rlim_cur) {
                rl.rlim_cur = want;
                if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
                        log_errno(LOG_WARNING, -errno, "cannot raise the open-files limit to %llu",
                                  (unsigned long long)want);
                (void)getrlimit(RLIMIT_NOFILE, &rl);
        }
        if (!maxconn && rl.rlim_cur != RLIM_INFINITY)
                maxconn = rl.rlim_cur > 256 * 4 ? (unsigned)((rl.rlim_cur - 256) / 3) : 256;
        return maxconn;
}

/* Die of @sig, as a process without a handler for it: the parent sees WIFSIGNALED. */
static _Noreturn void die_of(int sig)
{
        sigset_t set;

        (void)signal(sig, SIG_DFL);
        sigemptyset(&set);
        sigaddset(&set, sig);
        (void)sigprocmask(SIG_UNBLOCK, &set, NULL);
        (void)raise(sig);
        _exit(128 + sig);
}

/* -dM: beyond the pools, HAProxy poisons what malloc() hands out; glibc's M_PERTURB fills
 * allocations with the complement of its byte (and freed memory with the byte), so the
 * complement of -dM's byte gives allocations the byte itself. Set in the master, inherited by
 * every worker it forks. */
static void debug_malloc(const struct master_cli *cli)
{
        if (cli->pool_debug_notice[0])
                sl_log(LOG_NOTICE, "%s", cli->pool_debug_notice);
        if (cli->pool_debug.flags & POOL_DBG_POISON)
                (void)mallopt(M_PERTURB, cli->pool_debug.poison ^ 0xff);
}

int master_run(const struct master_cli *cli)
{
        struct ready_ctx ready = {.pipe_fd = -1, .cli = cli, .saved_stderr = -1};
        const char *pidfile;
        unsigned maxconn;
        struct cfg_gen *gen = NULL;
        int status, r;

        if (cli->pool_debug_set)
                debug_malloc(cli);
        if (master_resuming()) {
                status = master_resume(cli);
                if (status < 0)
                        die_of(-status);
                return status;
        }
        if (master_load_config(cli, stderr, &gen) < 0)
                return EXIT_FAILURE;
        if ((gen->global.daemon || cli->daemon) && !cli->foreground) {
                r = daemonize(&ready);
                if (r < 0) {
                        log_errno(LOG_ERR, r, "cannot detach");
                        cfg_gen_unref(gen);
                        return EXIT_FAILURE;
                }
        }
        pidfile = cli->pidfile ? cli->pidfile : gen->global.pidfile;
        if (pidfile) {
                r = write_pidfile(pidfile);
                if (r < 0) {
                        log_errno(LOG_ERR, r, "cannot write pid file '%s'", pidfile);
                        cfg_gen_unref(gen);
                        return EXIT_FAILURE;
                }
                ready.pidfile = pidfile;
        }
        /* -N: maxconn when the configuration sets none */
        maxconn = gen->global.maxconn ? gen->global.maxconn : cli->maxconn;
        /* the workers inherit the limit */
        status = master_main(cli, gen, size_fd_limit(maxconn), on_ready, &ready);
        if (ready.pidfile)
                (void)unlink(ready.pidfile);
        cfg_gen_unref(gen);
        if (status < 0)
                die_of(-status);
        return status;
}
