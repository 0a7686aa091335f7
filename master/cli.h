#pragma once
/* Command-line flags of sluice(8). Parsing is separate from acting so tests can drive it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pool_debug.h"

#define MASTER_CLI_MAX_CFG 64

enum master_cli_action {
        MASTER_CLI_RUN = 0, /* start serving */
        MASTER_CLI_CHECK,   /* -c: validate the configuration and exit */
        MASTER_CLI_VERSION, /* -v / -vv */
        MASTER_CLI_HELP,    /* -h */
        MASTER_CLI_DUMP,    /* --dump-config: print the loaded model as configuration text */
        MASTER_CLI_RELOAD,  /* "reload": ask the running master through -S, report its result */
        MASTER_CLI_DM_HELP, /* -dMhelp: print the memory debugging options and exit */
        MASTER_CLI_COND,    /* -cc: evaluate a condition as '.if' does; exit 0, 1 or 2 */
};

struct master_cli {
        enum master_cli_action action;
        char **argv;           /* borrowed: the command line, to re-execute on reload */
        int verbosity;         /* number of -v */
        bool foreground;       /* -d */
        bool quiet;            /* -q */
        bool json;             /* --json: -c reports as JSON on stdout */
        bool diag;             /* -dD: diagnostic mode (.diag and suspicious settings) */
        const char *condition; /* -cc: borrowed from argv */
        bool daemon;           /* -D */
        bool master_worker;    /* -W, -Ws: master-worker mode (see the SIGNALS of sluice(8)) */
        const char *pidfile;   /* -p: the master's pid file; borrowed from argv */
        const char *ctl_path;  /* -S: the master's control socket; borrowed */
        unsigned ctl_mode;     /* -S path,mode,NNN: its permissions; 0: umask */
        int ctl_fd;            /* -S fd@N: an inherited listening socket instead; -1: none */
        const char *localpeer; /* -L: this node's peer name; borrowed */
        unsigned maxconn;      /* -N: maxconn when the configuration sets none */
        unsigned memmax_mb;    /* -m: each worker's address space, in MiB; 0: unlimited */
        bool pool_debug_set;   /* -dM given */
        struct pool_debug pool_debug;
        char pool_debug_notice[160]; /* -dM options that change nothing; "": none */
        bool sf_terminate;           /* -st (SIGTERM) rather than -sf (SIGUSR1) */
        size_t n_old_pids;           /* -sf/-st: processes to stop once ready */
        int old_pids[MASTER_CLI_MAX_CFG];
        size_t n_cfg;
        const char *cfg[MASTER_CLI_MAX_CFG]; /* borrowed from argv; files or directories */
};

/* Parse @argv. Returns 0 and fills *ret_cli, or -EINVAL with a one-line reason in @err. */
int master_cli_parse(int argc, char **argv, struct master_cli *ret_cli, char *err, size_t errsz);

void master_cli_usage(FILE *out, const char *prog);
