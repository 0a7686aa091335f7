/* sluice: entry point. Parses flags, then hands over to the master (which parses the
 * configuration, binds, forks and supervises workers). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "cli.h"
#include "ctl_client.h"
#include "log.h"
#include "run.h"
#include "version.h"

int main(int argc, char **argv)
{
        struct master_cli cli;
        char err[256];

        sl_log_init("sluice");
        if (master_cli_parse(argc, argv, &cli, err, sizeof(err)) < 0) {
                fprintf(stderr, "sluice: %s\n", err);
                master_cli_usage(stderr, "sluice");
                return EXIT_FAILURE;
        }
        if (cli.quiet)
                sl_log_set_max_level(LOG_ERR);

        switch (cli.action) {
        case MASTER_CLI_HELP:
                master_cli_usage(stdout, "sluice");
                return EXIT_SUCCESS;
        case MASTER_CLI_VERSION:
                master_version_print(stdout, cli.verbosity);
                return EXIT_SUCCESS;
        case MASTER_CLI_CHECK:
                return master_check_config(&cli);
        case MASTER_CLI_COND:
                return master_check_cond(&cli);
        case MASTER_CLI_DUMP:
                return master_dump_config(&cli);
        case MASTER_CLI_RELOAD:
                return master_ctl_reload(&cli);
        case MASTER_CLI_DM_HELP:
                pool_debug_help(stdout, &cli.pool_debug);
                return EXIT_SUCCESS;
        case MASTER_CLI_RUN:
                break;
        }
        return master_run(&cli);
}
