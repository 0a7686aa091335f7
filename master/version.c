/* Version report for `sluice -v` / `-vv`, called from main(). Build-time versions come from
 * the libraries' headers (and pkg-config for libsystemd, which has no version macro); run-time
 * versions from the libraries themselves, so a mismatch after an upgrade is visible. */
#include "version.h"

#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <nghttp2/nghttp2.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>

#include "build_version.h"
#include "cond_expr.h"
#include "loop.h"

struct find_lib {
        const char *stem; /* borrowed */
        char path[PATH_MAX];
};

static int version_find_lib(struct dl_phdr_info *info, size_t size, void *data)
{
        struct find_lib *f = data;
        const char *base;

        if (!info->dlpi_name || !*info->dlpi_name)
                return 0;
        base = strrchr(info->dlpi_name, '/');
        base = base ? base + 1 : info->dlpi_name;
        if (strncmp(base, f->stem, strlen(f->stem)) != 0)
                return 0;
        if (!realpath(info->dlpi_name, f->path))
                snprintf(f->path, sizeof(f->path), "%s", info->dlpi_name);
        return 1;
}

/* libsystemd exports no version function: name the shared object actually loaded (its
 * real file name carries the library version). */
static void version_libsystemd_running(char *out, size_t size)
{
        struct find_lib f = {.stem = "libsystemd.so"};
        const char *base;

        if (dl_iterate_phdr(version_find_lib, &f) == 0) {
                snprintf(out, size, "libsystemd not loaded");
                return;
        }
        base = strrchr(f.path, '/');
        snprintf(out, size, "%s", base ? base + 1 : f.path);
}

const struct cfg_cond_facts *master_cond_facts(void)
{
        static struct cfg_cond_facts facts = {
                .features = MASTER_FEATURES,
                .enabled = MASTER_ENABLED,
                .openssl_version_number = OPENSSL_VERSION_NUMBER,
        };

        facts.ssllib_name = OpenSSL_version(OPENSSL_VERSION);
        return &facts;
}

/* As HAProxy's -vv lists its pollers: the workers' readiness sources, io_uring tried for
 * real (a ring set up and released), since a kernel or a filter may refuse it. */
static void version_pollers_print(FILE *out)
{
        struct loop *loop = NULL;
        int r;

        fprintf(out, "Available polling systems :\n");
        fprintf(out, "      epoll : default\n");
        if (!loop_backend_built(LOOP_BACKEND_IO_URING)) {
                fprintf(out, "   io_uring : not built (no liburing)\n");
                return;
        }
        r = loop_new_backend(&loop, LOOP_BACKEND_IO_URING);
        loop_free(loop);
        if (r < 0)
                fprintf(out, "   io_uring : tune.sluice.io-uring on, test result FAILED (%s)\n",
                        strerror(-r));
        else
                fprintf(out, "   io_uring : tune.sluice.io-uring on, test result OK\n");
}

void master_version_print(FILE *out, int verbosity)
{
        char sd[PATH_MAX];

        if (strcmp(SL_VERSION, SL_VERSION_VCS) == 0)
                fprintf(out, "sluice version %s\n", SL_VERSION);
        else
                fprintf(out, "sluice version %s (git %s)\n", SL_VERSION, SL_VERSION_VCS);
        if (verbosity < 2)
                return;
        version_libsystemd_running(sd, sizeof(sd));
        fprintf(out, "Feature list : %s\n", MASTER_FEATURES);
        fprintf(out, "Built with %s; running with %s\n", OPENSSL_VERSION_TEXT,
                OpenSSL_version(OPENSSL_VERSION));
        fprintf(out, "Built with nghttp2 %s; running with nghttp2 %s\n", NGHTTP2_VERSION,
                nghttp2_version(0)->version_str);
        fprintf(out, "Built with jansson %s; running with jansson %s\n", JANSSON_VERSION,
                jansson_version_str());
        fprintf(out, "Built with libsystemd %s; running with %s\n", SL_VERSION_LIBSYSTEMD, sd);
        version_pollers_print(out);
}
