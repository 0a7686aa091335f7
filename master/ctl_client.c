/* `sluice -S PATH reload`: ask the running master to reload through its control socket and
 * report what it answered, so that scripts and systemd's ExecReload see a failed reload as
 * failed. */
#include "ctl_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"

#define CTL_RELOAD_TIMEOUT_MS (10 * 60 * 1000) /* a generation may take long to be ready */

int master_ctl_reload(const struct master_cli *cli)
{
        struct sockaddr_un sun = {.sun_family = AF_UNIX};
        uint64_t deadline = sl_clock_ms() + CTL_RELOAD_TIMEOUT_MS;
        char buf[4096];
        size_t len = 0;
        int fd;

        if (strlen(cli->ctl_path) >= sizeof(sun.sun_path)) {
                fprintf(stderr, "sluice: control socket path too long\n");
                return EXIT_FAILURE;
        }
        memcpy(sun.sun_path, cli->ctl_path, strlen(cli->ctl_path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd == -1 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
                fprintf(stderr, "sluice: cannot reach the master at '%s': %s\n", cli->ctl_path,
                        strerror(errno));
                if (fd >= 0)
                        close(fd);
                return EXIT_FAILURE;
        }
        if (send(fd, "reload\n", 7, MSG_NOSIGNAL) != 7) {
                fprintf(stderr, "sluice: cannot send to the master: %s\n", strerror(errno));
                close(fd);
                return EXIT_FAILURE;
        }
        for (;;) {
                struct pollfd p = {.fd = fd, .events = POLLIN};
                uint64_t now = sl_clock_ms();
                ssize_t n;
                int r;

                if (now >= deadline) {
                        fprintf(stderr, "sluice: no answer from the master within %d s\n",
                                CTL_RELOAD_TIMEOUT_MS / 1000);
                        close(fd);
                        return EXIT_FAILURE;
                }
                r = poll(&p, 1, (int)(deadline - now));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        continue;
                n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
                if (n <= 0)
                        break;
                len += (size_t)n;
                if (len == sizeof(buf) - 1)
                        break;
        }
        close(fd);
        buf[len] = '\0';
        fputs(buf, stdout);
        if (strncmp(buf, "Success=1\n", 10) == 0)
                return EXIT_SUCCESS;
        if (len == 0)
                fprintf(stderr, "sluice: the master closed the connection without an answer\n");
        return EXIT_FAILURE;
}
