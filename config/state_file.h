#pragma once
/* Server-state files (load-server-state-from-file): HAProxy's version 1, as "show servers
 * state" prints it and operators' reload scripts save it, and sluice's own, which the master
 * writes at every reload and at stop and which keeps, next to each server's runtime state,
 * the configuration that server had when the file was written. A file is read once per
 * configuration load; each line becomes an entry, matched to its server by backend and server
 * name. What a line may change is the master's decision (mstate_file.c): the configuration
 * always wins over a restored value.
 *
 * sluice's format, one line per server, fields separated by a space:
 *   sluice-server-state 1
 *   # be srv cfg_addr cfg_port cfg_weight cfg_sum addr port addr_set op admin weight health
 *   #    checked chk_status chk_code last_change_ms maxconn
 *   <18 fields>...
 *   end <number of server lines>
 * cfg_addr is the address as written in the configuration (an IP or a host name), cfg_sum
 * the hash of the server's other settings (cfg_server_fingerprint()); addr and port are where
 * traffic went ("-" and 0: nowhere), addr_set 1 when "set server addr" chose them; op 0 DOWN,
 * 1 UP, 2 NOLB; admin bit 0 maintenance, bit 1 drain; maxconn "-" or the runtime limit. A
 * file without its "end" line, or whose count differs, was cut short and is refused. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "diag.h"

struct cfg_arena;

enum {
        CFG_STATE_ADMIN_MAINT = 1u << 0,
        CFG_STATE_ADMIN_DRAIN = 1u << 1,
};

enum cfg_state_op {
        CFG_STATE_OP_DOWN = 0,
        CFG_STATE_OP_UP,
        CFG_STATE_OP_NOLB,
};

struct cfg_state_entry {
        const char *backend, *server; /* arena */
        unsigned line;
        bool sluice;                  /* from sluice's format (the cfg_* fields are set) */
        bool has_addr;                /* @addr (family, IP) holds where traffic went */
        struct sockaddr_storage addr; /* its port is 0: see @port */
        uint16_t port;
        bool addr_set;       /* sluice: chosen by "set server addr" */
        uint8_t op;          /* enum cfg_state_op */
        uint8_t admin;       /* CFG_STATE_ADMIN_* set by an operator (not the configuration's) */
        unsigned weight;     /* the runtime weight */
        unsigned cfg_weight; /* the configured weight when written (HAProxy's srv_iweight) */
        bool checked;        /* it had health checks: @health and @chk_* mean something */
        unsigned health;
        unsigned chk_status; /* sluice: enum srv_chk_status; HAProxy: its HCHK_STATUS_* */
        unsigned chk_code;
        uint64_t last_change_ms; /* sluice: wall clock; 0: unknown */
        bool maxconn_set;        /* sluice: "set maxconn server" gave @maxconn */
        uint32_t maxconn;
        const char *cfg_addr; /* sluice: arena, the address as configured */
        uint16_t cfg_port;
        uint64_t cfg_sum;
        bool used; /* matched to a server of the configuration */
};

struct cfg_state_file {
        struct cfg_state_file *next;
        const char *path;          /* arena */
        bool ok;                   /* read and accepted: @v holds its valid lines */
        bool sluice;               /* sluice's format (else HAProxy's version 1) */
        struct cfg_state_entry *v; /* arena array */
        size_t n, cap;
};

/* Read server-state file @path into @f (zeroed by the caller), in @arena. Every problem is
 * recorded once in @d as a warning with the file and line: a line that cannot be read is
 * skipped; a file that cannot be opened, has no known version, or was cut short is refused
 * (f->ok false, no entries). Never an error: the configuration is used instead. */
void cfg_state_file_read(struct cfg_arena *arena, struct cfg_diags *d, const char *path,
                         struct cfg_state_file *f);

/* Parse the text @buf of @len bytes as the file @path would be (for tests and the above). */
void cfg_state_file_parse(struct cfg_arena *arena, struct cfg_diags *d, const char *path,
                          const char *buf, size_t len, struct cfg_state_file *f);

/* The entry of server @server of backend @backend, or NULL. */
const struct cfg_state_entry *cfg_state_file_find(const struct cfg_state_file *f,
                                                  const char *backend, const char *server);
