/* sluice(8) flags, as HAProxy spells the ones operators already type: -f (repeatable, file
 * or directory), -c, -d, -q, -v/-vv, -h. main() acts on the result. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

void master_cli_usage(FILE *out, const char *prog)
{
        fprintf(out,
                "Usage: %s [-f CFG]... [-c [--json]] [--dump-config] [-d] [-q] [-v|-vv] [-h]\n"
                "  -f CFG   configuration file, or directory of *.cfg files read in lexical\n"
                "           order; may be given several times (default /etc/sluice/sluice.cfg)\n"
                "  -c       check the configuration, report every error, and exit\n"
                "  --json   with -c: report as one JSON object on standard output\n"
                "  --dump-config\n"
                "           print the configuration as sluice understood it, and exit\n"
                "  -d       stay in the foreground (do not daemonize)\n"
                "  -q       quiet: print only errors\n"
                "  -v       print the version; -vv also the library versions\n"
                "  -h       print this help\n",
                prog);
}

int master_cli_parse(int argc, char **argv, struct master_cli *ret_cli, char *err, size_t errsz)
{
        enum {
                OPT_JSON = 256,
                OPT_DUMP
        };
        static const struct option longopts[] = {
                {"json", no_argument, NULL, OPT_JSON},
                {"dump-config", no_argument, NULL, OPT_DUMP},
                {NULL, 0, NULL, 0},
        };
        struct master_cli cli = {.action = MASTER_CLI_RUN};
        bool check = false, help = false, dump = false;
        int c;

        opterr = 0;
        optind = 1;
        /* '+': stop at the first non-option, as POSIX says; no argv permutation. */
        while ((c = getopt_long(argc, argv, "+f:cdqvh", longopts, NULL)) != -1) {
                switch (c) {
                case OPT_JSON:
                        cli.json = true;
                        break;
                case OPT_DUMP:
                        dump = true;
                        break;
                case 'f':
                        if (cli.n_cfg == MASTER_CLI_MAX_CFG) {
                                snprintf(err, errsz, "too many -f (at most %d)",
                                         MASTER_CLI_MAX_CFG);
                                return -EINVAL;
                        }
                        if (!*optarg) {
                                snprintf(err, errsz, "-f needs a non-empty path");
                                return -EINVAL;
                        }
                        cli.cfg[cli.n_cfg++] = optarg;
                        break;
                case 'c':
                        check = true;
                        break;
                case 'd':
                        cli.foreground = true;
                        break;
                case 'q':
                        cli.quiet = true;
                        break;
                case 'v':
                        cli.verbosity++;
                        break;
                case 'h':
                        help = true;
                        break;
                case '?':
                default:
                        if (optopt == 'f')
                                snprintf(err, errsz, "option -f needs a file or directory");
                        else if (optopt >= OPT_JSON || optopt == 0)
                                snprintf(err, errsz, "unknown option '%s'", argv[optind - 1]);
                        else if (optopt > ' ' && optopt < 127)
                                snprintf(err, errsz, "unknown option -%c", optopt);
                        else
                                snprintf(err, errsz, "unknown option '%s'", argv[optind - 1]);
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                snprintf(err, errsz, "unexpected argument '%s'", argv[optind]);
                return -EINVAL;
        }
        if (cli.json && !check) {
                snprintf(err, errsz, "--json goes with -c");
                return -EINVAL;
        }
        if (help)
                cli.action = MASTER_CLI_HELP;
        else if (cli.verbosity > 0)
                cli.action = MASTER_CLI_VERSION;
        else if (check && dump) {
                snprintf(err, errsz, "-c and --dump-config exclude each other");
                return -EINVAL;
        } else if (check)
                cli.action = MASTER_CLI_CHECK;
        else if (dump)
                cli.action = MASTER_CLI_DUMP;
        *ret_cli = cli;
        return 0;
}
