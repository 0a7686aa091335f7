#pragma once
/* What the kernel does with a connection for a bind line's SO_REUSEPORT group (one listening
 * socket per worker slot), through a program attached to the group (Linux 5.14+, CAP_BPF).
 *
 * Migration. When a reload lowers the number of workers, the master closes the sockets of
 * the slots that are gone. Connections the kernel had already queued on such a socket
 * (handshake done, not yet accepted) would be reset. Linux can move them to another socket
 * of the group instead: for every group when net.ipv4.tcp_migrate_req is 1, or for one group
 * when a program of type BPF_SK_REUSEPORT_SELECT_OR_MIGRATE is attached to it. Both programs
 * below are of that type, so that the host's setting does not matter.
 *
 * Steering (tune.sluice.accept-balance leastconn, the default). The kernel's choice is a
 * hash of the connection's addresses and ports: with long-lived keep-alive clients, one
 * worker can hold a third more than its share, and a worker that stopped accepting (stuck,
 * or stopped by a debugger) still receives its share of new connections, which wait in its
 * queue. Each worker slot publishes its load in shared memory (struct reuseport_loads: the
 * client connections its worker holds); the program takes two different slots from the
 * connection's hash and gives the connection to the less loaded one ("power of two
 * choices"), then counts it in that slot's load at once, so that connections still queued
 * count too. The worker overwrites its cell with its own count at each accept and close.
 * With two workers the choice is always the less loaded one. The "migrate" program alone
 * selects nothing: the kernel's hash picks, as for tune.sluice.accept-balance hash.
 *
 * The programs are written with the bpf() system call directly: a few instructions do not
 * justify libbpf and a compiler for BPF at build time. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A slot whose worker is gone, or not started: chosen only against another such slot. */
#define REUSEPORT_LOAD_GONE ((uint64_t)1 << 32)
/* Slots a program can steer to; a group of more sockets is steered among the first ones. */
#define REUSEPORT_MAX_SLOTS 64

/* The loads: a BPF array map of one value, mapped in the master and inherited by the
 * workers across fork(): cells[0] is the number of slots in use, cells[1 + slot] a slot's
 * load. */
struct reuseport_loads {
        int map_fd;              /* owned; -1 when none */
        _Atomic uint64_t *cells; /* mapping of the map's value; NULL when none */
        size_t len;              /* of the mapping */
};

/* Make the loads map (every slot REUSEPORT_LOAD_GONE, none in use). 0, or a negative errno
 * (EPERM without CAP_BPF; then @l is left empty). */
int reuseport_loads_new(struct reuseport_loads *l);

/* The same map, made by a master before it re-executed (fd @fd, kept across exec()): the
 * workers it forked keep their cells, the programs their map. 0 or a negative errno (@fd is
 * closed). */
int reuseport_loads_adopt(struct reuseport_loads *l, int fd);

/* Unmap and close; accepts an empty @l. */
void reuseport_loads_free(struct reuseport_loads *l);

/* The number of slots the programs choose among. */
void reuseport_loads_set_slots(struct reuseport_loads *l, unsigned n);

/* Slot @slot's cell, which its worker overwrites with its count; NULL when @l is empty. */
_Atomic uint64_t *reuseport_load_cell(const struct reuseport_loads *l, unsigned slot);

/* Slot @slot's worker is gone: no new connection goes there while another slot can take it. */
void reuseport_load_gone(struct reuseport_loads *l, unsigned slot);

/* Attach the "migrate" program (above) to the group of listening socket @fd, replacing the
 * group's program. Returns 0, or a negative errno: loading needs CAP_BPF or CAP_SYS_ADMIN
 * and a 5.14 or later kernel. */
int reuseport_migrate(int fd);

/* Attach a steering program over @l to the group of listening socket @fd, replacing the
 * group's program; *ret_socks receives the group's socket map (REUSEPORT_SOCKARRAY, owned by
 * the caller), which reuseport_steer_add() fills. Returns 0 or a negative errno (nothing is
 * left open or attached). */
int reuseport_steer(int fd, const struct reuseport_loads *l, int *ret_socks);

/* Listening socket @fd of the group is slot @slot's. 0 or a negative errno. A socket leaves
 * the map by itself when it is closed or stops listening. */
int reuseport_steer_add(int socks, unsigned slot, int fd);
