#pragma once
/* Listening sockets that leave a SO_REUSEPORT group without losing what waits in them.
 *
 * When a reload lowers the number of workers, the master closes the sockets of the slots
 * that are gone. Connections the kernel had already queued on such a socket (handshake done,
 * not yet accepted) would be reset. Linux (5.14+) can move them to another socket of the
 * group instead: for every group when net.ipv4.tcp_migrate_req is 1, or for one group when
 * a program of type BPF_SK_REUSEPORT_SELECT_OR_MIGRATE is attached to it. sluice attaches
 * the smallest such program (it selects nothing, so the kernel's hash picks as before, for
 * new connections and for migrated ones), so that the host's setting does not matter. */

/* Attach the program to the group of the listening socket @fd. Returns 0, or a negative
 * errno: loading needs CAP_BPF or CAP_SYS_ADMIN and a 5.14 or later kernel. */
int reuseport_migrate(int fd);
