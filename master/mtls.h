#pragma once
/* The master's TLS state: the session-ticket keys every worker of every generation shares
 * (a shared-memory ring, rotated on a schedule and kept across reloads and re-execution), and
 * the TLS contexts of the current and the previous generation, which workers inherit. */

#include <stdbool.h>
#include <stdint.h>

struct master;
struct cfg_gen;

/* Make the key ring (three fresh keys) and start rotating it. 0 or a negative errno. */
int mtls_setup(struct master *m);

/* After re-execution: map the ring the previous image left in @fd (-1: make one), rotate. */
int mtls_resume(struct master *m, int fd);

/* The ring's fd for the next image (-1 when none), kept open across exec by the caller. */
int mtls_keys_fd(const struct master *m);

/* The session cache of @g (tune.ssl.cachesize entries; none for 0 or a generation without a
 * TLS bind): the current one is kept when its size is the same, so sessions survive the
 * reload; else a new one is made (workers of older generations keep theirs mapped). 0 or a
 * negative errno. */
int mtls_cache_apply(struct master *m, const struct cfg_gen *g);

/* After re-execution: map the cache of @entries entries the previous image left in @fd (-1:
 * none). */
int mtls_cache_resume(struct master *m, int fd, unsigned entries);

/* The cache's fd for the next image (-1 when none). */
int mtls_cache_fd(const struct master *m);

/* Rotate now (tests and the schedule): a fresh key becomes the newest. */
void mtls_rotate(struct master *m);

/* Build the contexts of @g as those of the current generation (logging the problems); the
 * previous ones stay as m->prev_tls until mtls_settle(). 0 or a negative errno. */
int mtls_build_current(struct master *m, const struct cfg_gen *g);

/* Take @set (built by the reload's load) as the current generation's contexts; the current
 * ones become the previous ones until mtls_settle(). */
struct tls_set;
void mtls_take(struct master *m, struct tls_set *set);

/* The reload's generation is serving (@keep: the previous set goes) or failed (the previous
 * set is current again). */
void mtls_settle(struct master *m, bool keep);

void mtls_free(struct master *m);
