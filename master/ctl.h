#pragma once
/* The master's side of its control socket, -S (master.ctl_fd and struct ctl_conn in
 * master-t.h); the command-line side is ctl_client.h. */

#include <stdbool.h>

struct master;

/* Ready what the control socket needs in @m's loop, before any socket: @reload is what the
 * "reload" command runs (the answer waits for ctl_reload_done()). Returns 0 or -ENOMEM. */
int ctl_setup(struct master *m, void (*reload)(struct master *m));

/* Serve on @fd, a listening socket the master owns from now on (master.ctl_fd). */
void ctl_listen(struct master *m, int fd);

/* -S fd@N: serve on @fd, a listening socket the parent left open (VTest passes one, often
 * TCP), which becomes non-blocking and close-on-exec. Returns 0, or a negative errno (-EINVAL:
 * it does not listen). */
int ctl_inherit(struct master *m, int fd);

/* -S PATH: serve on a new Unix socket at @path (whatever was there is removed), with the
 * permissions @mode (0: the umask's). Returns 0 or a negative errno. */
int ctl_open(struct master *m, const char *path, unsigned mode);

/* Take over @fd, a client that a previous image of the master left waiting for the reload
 * (reexec.c). Returns 0 or -ENOMEM (@fd is still the caller's). */
int ctl_adopt(struct master *m, int fd);

/* Answer every client waiting for the reload, HAProxy's master CLI style: "Success=1" or
 * "Success=0", "--", then what happened (@msg), and close them. */
void ctl_reload_done(struct master *m, bool ok, const char *msg);

/* Close every client and the control socket (removing the one ctl_open() made); undo
 * ctl_setup(). */
void ctl_close(struct master *m);
