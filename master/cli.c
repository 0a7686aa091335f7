/* sluice(8) flags, as HAProxy spells the ones operators already type (-f repeatable, -c, -cc,
 * -d, -db, -dD, -D, -W, -Ws, -p, -S, -sf, -st, -L, -N, -q, -v, -vv), plus sluice's own (--json,
 * --dump-config, the reload subcommand). HAProxy's flags are words of several letters after
 * one dash (-db, -sf), so they are parsed by hand rather than with getopt. main() acts on
 * the result. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macros.h"

void master_cli_usage(FILE *out, const char *prog)
{
        fprintf(out,
                "Usage: %s [-f CFG]... [options]\n"
                "       %s -S SOCKET reload\n"
                "  -f CFG   configuration file, or directory of *.cfg files read in lexical\n"
                "           order; may be given several times (default /etc/sluice/sluice.cfg)\n"
                "  -c       check the configuration, report every error, and exit\n"
                "  -cc COND evaluate COND as a '.if' condition; exit 0 if true, 1 if false,\n"
                "           2 on error\n"
                "  -dD      diagnostic mode: also report suspicious but valid settings and\n"
                "           '.diag' messages\n"
                "  --json   with -c: report as one JSON object on standard output\n"
                "  --dump-config\n"
                "           print the configuration as sluice understood it, and exit\n"
                "  -d       stay in the foreground (do not daemonize)\n"
                "  -db      the same as -d\n"
                "  -D       run in the background (as 'daemon' in the configuration)\n"
                "  -W       master-worker mode: on SIGINT or SIGTERM exit with 128 + the\n"
                "           signal instead of dying of it (sluice always runs a master)\n"
                "  -Ws      the same (sluice notifies systemd whenever NOTIFY_SOCKET is set)\n"
                "  -p FILE  write the master's pid to FILE\n"
                "  -S PATH[,mode,OCTAL] | -S fd@N\n"
                "           the master's control socket (Unix stream socket at PATH, or the\n"
                "           listening socket inherited on file descriptor N)\n"
                "  -sf PID...\n"
                "           once ready, ask these processes to stop gracefully (SIGUSR1)\n"
                "  -st PID...\n"
                "           once ready, stop these processes at once (SIGTERM)\n"
                "  -L NAME  this node's peer name (SLUICE_LOCALPEER; default: the host name)\n"
                "  -N NUM   maxconn when the configuration sets none\n"
                "  -m MEGS  limit each worker's address space to MEGS megabytes\n"
                "  -dM[BYTE][,OPTION...]\n"
                "           debug the workers' memory: poison objects with BYTE (default\n"
                "           0x50); -dMhelp lists the options\n"
                "  -q       quiet: print only errors\n"
                "  -v       print the version; -vv also the library versions\n"
                "  -h       print this help\n"
                "  reload   with -S: reload the running sluice, wait for the result, and exit 0\n"
                "           if it succeeded, 1 if not\n",
                prog, prog);
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *ret)
{
        char *end;

        if (!s || !*s || *s < '0' || *s > '9')
                return false;
        errno = 0;
        *ret = strtoull(s, &end, 10);
        return !*end && errno == 0 && *ret <= max;
}

/* -S PATH[,mode,OCTAL] or -S fd@N: HAProxy's bind address and options after it; sluice
 * takes "mode" (for a path). "unix@" before a path is HAProxy's explicit form. */
static int parse_ctl(const char *arg, struct master_cli *cli, char *err, size_t errsz)
{
        static char path[108];
        const char *comma = strchr(arg, ',');
        size_t len = comma ? (size_t)(comma - arg) : strlen(arg);
        unsigned long long fd;

        if (strncmp(arg, "fd@", 3) == 0) {
                char num[24];

                snprintf(num, sizeof(num), "%.*s", (int)SL_MIN(len - 3, sizeof(num) - 1), arg + 3);
                if (!parse_uint(num, 65535, &fd) || len - 3 >= sizeof(num)) {
                        snprintf(err, errsz, "-S: '%s' is not a valid file descriptor", arg);
                        return -EINVAL;
                }
                if (comma) {
                        snprintf(err, errsz, "-S: '%s': fd@N takes no option", arg);
                        return -EINVAL;
                }
                cli->ctl_fd = (int)fd;
                cli->ctl_path = arg;
                return 0;
        }
        if (strncmp(arg, "unix@", 5) == 0) {
                arg += 5;
                len -= 5;
        }

        if (len == 0 || len >= sizeof(path)) {
                snprintf(err, errsz, "-S needs a Unix socket path of at most %zu bytes",
                         sizeof(path) - 1);
                return -EINVAL;
        }
        memcpy(path, arg, len);
        path[len] = '\0';
        cli->ctl_path = path;
        while (comma) {
                const char *name = comma + 1, *val, *next;
                char *end;
                unsigned long m;

                comma = strchr(name, ',');
                if (!comma || strncmp(name, "mode,", 5) != 0) {
                        snprintf(err, errsz, "-S: unknown option in '%s' (sluice takes mode,OCTAL)",
                                 arg);
                        return -EINVAL;
                }
                val = comma + 1;
                next = strchr(val, ',');
                m = strtoul(val, &end, 8);
                if (end == val || (*end && *end != ',') || m > 07777) {
                        snprintf(err, errsz, "-S: invalid mode in '%s'", arg);
                        return -EINVAL;
                }
                cli->ctl_mode = (unsigned)m;
                comma = next;
        }
        return 0;
}

int master_cli_parse(int argc, char **argv, struct master_cli *ret_cli, char *err, size_t errsz)
{
        struct master_cli cli = {.action = MASTER_CLI_RUN,
                                 .argv = argv,
                                 .ctl_fd = -1,
                                 .pool_debug = {.poison = POOL_POISON_DEFAULT}};
        bool check = false, help = false, dump = false, reload = false, dm_help = false,
             cond = false;
        unsigned long long v;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char *next = i + 1 < argc ? argv[i + 1] : NULL;

                if (strcmp(a, "-f") == 0) {
                        if (!next) {
                                snprintf(err, errsz, "option -f needs a file or directory");
                                return -EINVAL;
                        }
                        if (!*next) {
                                snprintf(err, errsz, "-f needs a non-empty path");
                                return -EINVAL;
                        }
                        if (cli.n_cfg == MASTER_CLI_MAX_CFG) {
                                snprintf(err, errsz, "too many -f (at most %d)",
                                         MASTER_CLI_MAX_CFG);
                                return -EINVAL;
                        }
                        cli.cfg[cli.n_cfg++] = next;
                        i++;
                } else if (strcmp(a, "-c") == 0) {
                        check = true;
                } else if (strcmp(a, "-cc") == 0) {
                        if (!next) {
                                snprintf(err, errsz, "option -cc needs a condition");
                                return -EINVAL;
                        }
                        cli.condition = next;
                        cond = true;
                        i++;
                } else if (strcmp(a, "-dD") == 0) {
                        cli.diag = true;
                } else if (strcmp(a, "--json") == 0) {
                        cli.json = true;
                } else if (strcmp(a, "--dump-config") == 0) {
                        dump = true;
                } else if (strcmp(a, "-d") == 0 || strcmp(a, "-db") == 0) {
                        cli.foreground = true;
                } else if (strncmp(a, "-dM", 3) == 0) {
                        int r = pool_debug_parse(a + 3, &cli.pool_debug, cli.pool_debug_notice,
                                                 sizeof(cli.pool_debug_notice), err, errsz);

                        if (r < 0)
                                return r;
                        dm_help |= r == POOL_DEBUG_HELP;
                        cli.pool_debug_set = true;
                } else if (strcmp(a, "-m") == 0) {
                        /* HAProxy's unit: megabytes of 1048576 bytes */
                        if (!parse_uint(next, 4u << 20, &v) || v == 0) {
                                snprintf(err, errsz, "-m needs a number of megabytes, got '%s'",
                                         next ? next : "");
                                return -EINVAL;
                        }
                        cli.memmax_mb = (unsigned)v;
                        i++;
                } else if (strcmp(a, "-D") == 0) {
                        cli.daemon = true;
                } else if (strcmp(a, "-W") == 0 || strcmp(a, "-Ws") == 0) {
                        /* sluice always runs a master, and notifies whenever NOTIFY_SOCKET is
                         * set; the mode decides how SIGINT and SIGTERM end the process */
                        cli.master_worker = true;
                } else if (strcmp(a, "-q") == 0) {
                        cli.quiet = true;
                } else if (strcmp(a, "-v") == 0) {
                        cli.verbosity++;
                } else if (strcmp(a, "-vv") == 0) {
                        cli.verbosity += 2;
                } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        help = true;
                } else if (strcmp(a, "-p") == 0 || strcmp(a, "-L") == 0 || strcmp(a, "-S") == 0 ||
                           strcmp(a, "-N") == 0) {
                        if (!next || !*next) {
                                snprintf(err, errsz, "option %s needs a value", a);
                                return -EINVAL;
                        }
                        if (a[1] == 'p') {
                                cli.pidfile = next;
                        } else if (a[1] == 'L') {
                                cli.localpeer = next;
                        } else if (a[1] == 'S') {
                                if (parse_ctl(next, &cli, err, errsz) < 0)
                                        return -EINVAL;
                        } else {
                                if (!parse_uint(next, 10000000, &v) || v == 0) {
                                        snprintf(err, errsz,
                                                 "-N needs a number of connections, "
                                                 "got '%s'",
                                                 next);
                                        return -EINVAL;
                                }
                                cli.maxconn = (unsigned)v;
                        }
                        i++;
                } else if (strcmp(a, "-sf") == 0 || strcmp(a, "-st") == 0) {
                        cli.sf_terminate = a[2] == 't';
                        while (i + 1 < argc && parse_uint(argv[i + 1], 4194304, &v)) {
                                if (cli.n_old_pids == MASTER_CLI_MAX_CFG) {
                                        snprintf(err, errsz, "too many pids after %s", a);
                                        return -EINVAL;
                                }
                                if (v > 1)
                                        cli.old_pids[cli.n_old_pids++] = (int)v;
                                i++;
                        }
                } else if (strcmp(a, "reload") == 0) {
                        reload = true;
                } else if (a[0] == '-') {
                        if (a[1] && !a[2] && a[1] > ' ' && a[1] < 127)
                                snprintf(err, errsz, "unknown option -%c", a[1]);
                        else
                                snprintf(err, errsz, "unknown option '%s'", a);
                        return -EINVAL;
                } else {
                        snprintf(err, errsz, "unexpected argument '%s'", a);
                        return -EINVAL;
                }
        }
        if (cli.json && !check) {
                snprintf(err, errsz, "--json goes with -c");
                return -EINVAL;
        }
        if (reload && (!cli.ctl_path || cli.ctl_fd >= 0) && !help) {
                snprintf(err, errsz, "reload needs the master's control socket: -S PATH");
                return -EINVAL;
        }
        if (help)
                cli.action = MASTER_CLI_HELP;
        else if (dm_help)
                cli.action = MASTER_CLI_DM_HELP;
        else if (cli.verbosity > 0)
                cli.action = MASTER_CLI_VERSION;
        else if (cond)
                cli.action = MASTER_CLI_COND; /* as in HAProxy, -cc alone is done */
        else if (check && dump) {
                snprintf(err, errsz, "-c and --dump-config exclude each other");
                return -EINVAL;
        } else if (check)
                cli.action = MASTER_CLI_CHECK;
        else if (dump)
                cli.action = MASTER_CLI_DUMP;
        else if (reload)
                cli.action = MASTER_CLI_RELOAD;
        *ret_cli = cli;
        return 0;
}
