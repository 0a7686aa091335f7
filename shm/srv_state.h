#pragma once
/* Per-server runtime state shared by every process: one fixed-size record per server in a
 * memfd region, addressed by index, every field a C11 atomic. Workers read it to balance
 * (weights, states, current connections) and count the connections they open, so maxconn and
 * leastconn hold across workers; the master, the health-check owner and the runtime API change
 * weights and states, and the master and the node's resolver (DNS) the runtime address. After
 * the records, what DNS resolution keeps: each resolved server's host name and each name
 * server's counters.
 *
 * No locks: every operation is one atomic instruction or one CAS loop on one field, so a
 * process killed at any instruction leaves the table usable. What such a death can leave
 * behind: @total_conns one short of the acquisitions (killed between the slot CAS and the
 * total increment), and the slots the dead worker held still counted in @cur_conns, since
 * only it knew it held them (the master may subtract them with srv_state_release_n() once it
 * knows how many, or re-create the table). A weight or state change is complete once stored;
 * a death just before the epoch bump only delays the balancers' rebuild to the next change.
 *
 * Records are four cache lines each, so workers counting connections on different servers
 * never share a line. The table is created before the workers fork and is never resized. */

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct shm_region;

#define SRV_STATE_KIND       "srv-state"
#define SRV_STATE_LAYOUT     4u /* bump when the record or table layout changes */
#define SRV_STATE_WEIGHT_MAX 256u
#define SRV_STATE_MAX_RECS   (1u << 20)
#define SRV_CHK_INFO_SIZE    52u /* a check's or agent's result text, its NUL included */

/* Administrative state bits (set by an operator, HAProxy's SRV_ADMF_*). */
enum {
        SRV_ADMIN_MAINT = 1u << 0,  /* maintenance: no traffic at all */
        SRV_ADMIN_DRAIN = 1u << 1,  /* drain: no new traffic from load balancing */
        SRV_ADMIN_IMAINT = 1u << 2, /* maintenance inherited from the tracked server */
        SRV_ADMIN_IDRAIN = 1u << 3, /* drain inherited from the tracked server */
        /* maintenance because resolution gave no address (HAProxy's SRV_ADMF_RMAINT):
         * init-addr none at start, then DNS; cleared by DNS or "set server addr" */
        SRV_ADMIN_RMAINT = 1u << 4,
        /* not a maintenance: the FQDN was set by "set server fqdn" (SRV_ADMF_HMAINT) */
        SRV_ADMIN_HMAINT = 1u << 5,
        SRV_ADMIN_ANY_MAINT = SRV_ADMIN_MAINT | SRV_ADMIN_IMAINT | SRV_ADMIN_RMAINT,
        SRV_ADMIN_ANY_DRAIN = SRV_ADMIN_DRAIN | SRV_ADMIN_IDRAIN,
};

/* Operational state (set by health checks). */
enum srv_op_state {
        SRV_OP_DOWN = 0,
        SRV_OP_UP,
        SRV_OP_NOLB, /* up, but its check said 404 with disable-on-404: persistence only */
};

struct srv_state_rec {
        _Atomic uint32_t cur_conns;   /* server connections open now, all workers */
        _Atomic uint32_t weight;      /* effective weight, 0..SRV_STATE_WEIGHT_MAX */
        _Atomic uint32_t admin;       /* SRV_ADMIN_* */
        _Atomic uint32_t op;          /* enum srv_op_state */
        _Atomic uint64_t total_conns; /* connections ever acquired */
        uint32_t index;               /* position in the table; written once at creation */
        /* "set server addr": a sequence lock over the address below and @addr_stamp (0: none
         * set; odd: being written by the master, its only writer; even: stable) */
        _Atomic uint32_t addr_seq;
        /* In the first record of a backend only: its balancer's position (roundrobin,
         * static-rr), shared by every worker: srv_state_lb_next(). */
        _Atomic uint64_t lb_pos;
        /* the runtime address: IPv4 (4 bytes) or IPv6 (16), network order; its port, 0: the
         * configuration's; read and written whole under @addr_seq, byte by byte */
        _Atomic uint8_t addr[16];
        _Atomic uint16_t addr_port;
        _Atomic uint8_t addr_family; /* AF_INET, AF_INET6 */
        /* slowstart: the share of its weight and maxconn a server that just came up gets,
         * 1..99 percent, written by the checker; 0: all of them */
        _Atomic uint8_t ramp;
        /* "set maxconn server": SRV_STATE_MAXCONN_SET | the limit (0: none), or 0: the
         * configuration's */
        _Atomic uint32_t maxconn;

        /* ---- second cache line: health checks, whose one writer is the node's checker
         * (the hot first line stays apart from it) ---- */
        /* a sequence lock over the last check's result below (odd: being written; a checker
         * killed while writing leaves it odd: readers give up after a few tries, the next
         * write makes it even again) */
        _Atomic uint32_t chk_seq;
        _Atomic uint16_t health;    /* HAProxy's health counter, 0 .. rise + fall - 1 */
        _Atomic uint8_t chk_status; /* enum srv_chk_status of the last check */
        _Atomic uint8_t chk_flags;  /* SRV_CHK_F_* */
        _Atomic uint16_t chk_code;  /* the last check's HTTP status, or 0 */
        /* observe: consecutive errors the workers saw in its traffic */
        _Atomic uint16_t consec_errors;
        _Atomic uint32_t chk_duration_ms;
        _Atomic uint64_t last_change_ms; /* wall clock, ms: the last UP/DOWN or admin change */
        _Atomic char chk_info[40];       /* the last check's reason text ("Connection refused") */

        /* ---- third cache line: the agent's last result (agent-check), whose one writer is
         * the node's checker too ---- */
        /* a sequence lock over the agent's result below, as @chk_seq over the check's */
        _Atomic uint32_t agt_seq;
        _Atomic uint32_t agt_duration_ms;
        _Atomic uint16_t agt_code;
        _Atomic uint8_t agt_status;               /* enum srv_chk_status */
        _Atomic char agt_info[SRV_CHK_INFO_SIZE]; /* its text ("via agent : up") */

        /* ---- fourth cache line: the address DNS found, whose one writer is the node's
         * resolver (the worker that runs health checks), and the stamps that say which of
         * the two runtime addresses (the master's above, this one) was written last ---- */
        /* a sequence lock over the DNS address, as @addr_seq over the master's; a resolver
         * killed while writing leaves it odd: readers ignore it until the next write */
        _Atomic uint32_t dns_seq;
        _Atomic uint16_t dns_port;  /* an SRV record's port; 0: the configuration's */
        _Atomic uint8_t dns_family; /* AF_INET, AF_INET6; AF_UNSPEC: DNS gave no address */
        _Atomic uint64_t dns_stamp; /* the table's clock when it was written */
        _Atomic uint8_t dns_addr[16];
        _Atomic uint64_t addr_stamp; /* the same for the master's address (under @addr_seq) */
        uint32_t dns_idx; /* 1 + its DNS record's index (srv_state_dns()), 0: none; written
                           * once at creation */
} __attribute__((aligned(64)));

/* The counters of one name server (HAProxy's "show resolvers"), written by the node's
 * resolver, read by the master. */
enum srv_dns_ctr {
        SRV_DNS_SENT = 0,
        SRV_DNS_SND_ERROR,
        SRV_DNS_VALID,
        SRV_DNS_UPDATE,
        SRV_DNS_CNAME,
        SRV_DNS_CNAME_ERROR,
        SRV_DNS_ANY_ERR,
        SRV_DNS_NX,
        SRV_DNS_TIMEOUT,
        SRV_DNS_REFUSED,
        SRV_DNS_OTHER,
        SRV_DNS_INVALID,
        SRV_DNS_TOO_BIG,
        SRV_DNS_TRUNCATED,
        SRV_DNS_OUTDATED,
        SRV_DNS_COUNT
};

struct srv_dns_ns {
        _Atomic uint64_t c[SRV_DNS_COUNT];
} __attribute__((aligned(64)));

#define SRV_DNS_NAME_MAX 256u /* a host name and its NUL */

/* What DNS resolution keeps of a server resolved at run time: the host name it resolves now
 * (the target of its SRV record, or one "set server fqdn" gave), written by the resolver; and
 * the master's request of "set server fqdn", which the resolver takes. */
struct srv_dns_rec {
        uint32_t srv;         /* its server record's index; written once at creation */
        _Atomic uint32_t seq; /* sequence lock over @fqdn: odd while the resolver writes */
        _Atomic char fqdn[SRV_DNS_NAME_MAX]; /* "": the configuration's name, or none (an SRV
                                              * label's server without a record) */
        _Atomic uint32_t req_seq;            /* the master's requests: odd while it writes one */
        _Atomic uint32_t req_done;           /* the last request the resolver took */
        _Atomic char req_fqdn[SRV_DNS_NAME_MAX];
} __attribute__((aligned(64)));

/* HAProxy's check statuses (HCHK_STATUS_*), in its order */
enum srv_chk_status {
        SRV_CHK_UNKNOWN = 0, /* UNK: never checked */
        SRV_CHK_INI,         /* INI: checks start */
        SRV_CHK_SOCKERR,     /* SOCKERR */
        SRV_CHK_L4OK,        /* L4OK: connect only */
        SRV_CHK_L4TOUT,      /* L4TOUT */
        SRV_CHK_L4CON,       /* L4CON: refused, unreachable */
        SRV_CHK_L6OK,        /* L6OK: TLS handshake done */
        SRV_CHK_L6TOUT,      /* L6TOUT */
        SRV_CHK_L6RSP,       /* L6RSP: TLS failed */
        SRV_CHK_L7TOUT,      /* L7TOUT */
        SRV_CHK_L7RSP,       /* L7RSP: an invalid or unexpected answer */
        SRV_CHK_L7OK,        /* L7OK */
        SRV_CHK_L7OKC,       /* L7OKC: conditionally (disable-on-404) */
        SRV_CHK_L7STS,       /* L7STS: wrong status */
        SRV_CHK_HANA,        /* HANA: "observe" saw error-limit consecutive errors */
        SRV_CHK_CHECKED,     /* CHECKED: an agent's answer that changes no health */
        SRV_CHK_COUNT
};

/* chk_flags */
enum {
        SRV_CHK_F_CHECKED = 1u << 0,    /* the server has health checks ("check") */
        SRV_CHK_F_ERRLIMIT = 1u << 1,   /* observe: error-limit reached, for the checker to act */
        SRV_CHK_F_AGENT_DOWN = 1u << 2, /* its agent said down, stopped or fail (kept for a
                                         * respawned checker: no flap) */
        SRV_CHK_F_AGENT_CHECKED = 1u << 3, /* an agent's result was written */
};

/* A check's result as srv_state_chk_read() gives it, or an agent's (srv_state_agent_read()). */
struct srv_chk_result {
        enum srv_chk_status status;
        unsigned code; /* HTTP status, 0: none */
        uint32_t duration_ms;
        char info[SRV_CHK_INFO_SIZE]; /* the record keeps 39 bytes of a check's text */
};

#define SRV_STATE_MAXCONN_SET 0x80000000u

struct srv_state_table {
        uint32_t layout; /* SRV_STATE_LAYOUT */
        uint32_t n_recs;
        _Atomic uint64_t epoch; /* bumped after every weight or state change */
        /* stamps the runtime addresses: the one written last is the server's */
        _Atomic uint64_t addr_clock;
        /* after the records: @n_ns name servers' counters, then @n_dns servers' DNS records */
        uint32_t n_dns, n_ns;
        uint8_t spare[32];
        struct srv_state_rec recs[];
};

/* Create a zeroed region holding @n records (1 .. SRV_STATE_MAX_RECS), stamped with
 * @definition (the caller's hash of which servers the indexes mean), and return the region
 * (owned by the caller, freed with shm_region_free()) and the table inside it (valid while the
 * region is mapped). Every record starts as weight 0, DOWN: call srv_state_rec_init() for each
 * before use. Returns 0 or -EINVAL, -errno from shm_region_create(). */
int srv_state_create(uint32_t n, uint64_t definition, struct shm_region **ret_region,
                     struct srv_state_table **ret_table);

/* The same with the room DNS resolution needs: @n_dns servers' DNS records, @n_ns name
 * servers' counters (srv_state_dns(), srv_state_dns_ns()). */
int srv_state_create_dns(uint32_t n, uint32_t n_dns, uint32_t n_ns, uint64_t definition,
                         struct shm_region **ret_region, struct srv_state_table **ret_table);

/* Give record @idx the DNS record @dns_idx (< n_dns); meant for the creator, before use. */
void srv_state_dns_attach(struct srv_state_table *t, uint32_t idx, uint32_t dns_idx);

/* The DNS record of the server of @rec, or NULL when it has none. */
struct srv_dns_rec *srv_state_dns(const struct srv_state_rec *rec);

/* Name server @i's counters (< t->n_ns), or NULL; the same from any record of the table. */
struct srv_dns_ns *srv_state_dns_ns(struct srv_state_table *t, uint32_t i);
struct srv_dns_ns *srv_state_dns_ns_of(const struct srv_state_rec *rec, uint32_t i);

/* The port DNS wrote with its address (an SRV record's), 0: none */
static inline uint16_t srv_state_dns_port(const struct srv_state_rec *rec)
{
        return atomic_load_explicit(&rec->dns_port, memory_order_relaxed);
}

static inline void srv_dns_count(struct srv_dns_ns *ns, enum srv_dns_ctr c)
{
        atomic_fetch_add_explicit(&ns->c[c], 1, memory_order_relaxed);
}
static inline uint64_t srv_dns_counter(const struct srv_dns_ns *ns, enum srv_dns_ctr c)
{
        return atomic_load_explicit(&ns->c[c], memory_order_relaxed);
}

/* The resolver: the host name the server resolves now ("": the configuration's, or none). */
void srv_dns_set_fqdn(struct srv_dns_rec *d, const char *fqdn);
/* Into @buf (SRV_DNS_NAME_MAX bytes); "" when it was being written for every try. */
void srv_dns_fqdn(const struct srv_dns_rec *d, char *buf);
/* The master: "set server fqdn", for the resolver to take. */
void srv_dns_request(struct srv_dns_rec *d, const char *fqdn);
/* The resolver: the request not taken yet into @buf (SRV_DNS_NAME_MAX bytes); false when
 * there is none (or it is being written: it is taken next time). */
bool srv_dns_take_request(struct srv_dns_rec *d, char *buf);

/* The table inside a region obtained from shm_region_open() with SRV_STATE_KIND. Returns 0 or
 * -EPROTO when the payload is not a table of this layout. */
int srv_state_attach(struct shm_region *r, struct srv_state_table **ret_table);

static inline struct srv_state_rec *srv_state_rec(struct srv_state_table *t, uint32_t idx)
{
        return &t->recs[idx];
}

/* Set @rec to its configured state: @weight (clamped to SRV_STATE_WEIGHT_MAX), UP, in
 * maintenance if @disabled, no connections. Meant for the master before workers start. */
void srv_state_rec_init(struct srv_state_rec *rec, unsigned weight, bool disabled);

/* Take one connection slot: increments @cur_conns unless it already reached @maxconn
 * (0: unlimited), atomically, so concurrent acquirers in any process never exceed it.
 * Returns true when the slot is taken; the caller then owes one srv_state_release(). */
bool srv_state_try_acquire(struct srv_state_rec *rec, uint32_t maxconn);

/* Give back one slot. Never goes below 0 (a release without acquire is ignored). */
void srv_state_release(struct srv_state_rec *rec);

/* Give back up to @n slots at once (slots a dead worker held); saturates at 0. */
void srv_state_release_n(struct srv_state_rec *rec, uint32_t n);

/* Writers of the balancing inputs; each bumps the table epoch after a real change, which is
 * how balancers notice they must rebuild. Change these fields only through these. */
void srv_state_set_weight(struct srv_state_rec *rec, unsigned weight);
void srv_state_set_admin(struct srv_state_rec *rec, uint32_t set, uint32_t clear);
void srv_state_set_op(struct srv_state_rec *rec, enum srv_op_state op);

/* The runtime address has two writers, each with its own copy under its own sequence lock:
 * the master ("set server addr", the server-state file, reloads) and the node's resolver
 * (DNS). Each write takes a stamp from the table's clock; the copy with the later stamp is
 * the server's address. No lock is shared between the two, so neither can leave the other
 * blocked: a writer killed in the middle leaves its own copy odd, which readers then skip
 * (the other copy, or the configuration's address, serves) until its next write. */
struct sockaddr_storage;

/* "set server addr": the address servers are connected to from now on (its port kept from
 * the configuration when @port is 0); the master is the only writer. A change bumps the
 * sequence, by which workers know their idle connections to the old address are stale. */
void srv_state_set_addr(struct srv_state_rec *rec, const struct sockaddr_storage *ss,
                        uint16_t port);
/* The resolver's address (@ss NULL or of family AF_UNSPEC: DNS gave none, the server has no
 * address), and an SRV record's @port (0: the configuration's); the resolver of the node is
 * the only writer. */
void srv_state_set_dns_addr(struct srv_state_rec *rec, const struct sockaddr_storage *ss,
                            uint16_t port);
/* The runtime address, the one written last of the two, into @ss (family and address;
 * family AF_UNSPEC when it is DNS's "no address") and its port (0: none) into @ret_port, and
 * the sequence of both into @ret_seq; false when neither was written. Lock-free: retries a
 * copy being written a few times, then leaves it aside. */
bool srv_state_addr(const struct srv_state_rec *rec, struct sockaddr_storage *ss,
                    uint16_t *ret_port, uint32_t *ret_seq);
/* Which writer the address srv_state_addr() gives is from: true for DNS. */
bool srv_state_addr_is_dns(const struct srv_state_rec *rec);
/* Changes with every write of either address: workers drop idle connections made before. */
static inline uint32_t srv_state_addr_seq(const struct srv_state_rec *rec)
{
        return atomic_load_explicit(&rec->addr_seq, memory_order_acquire) +
               atomic_load_explicit(&rec->dns_seq, memory_order_acquire);
}
/* A reload that keeps a server: both runtime addresses of @from, in the order they were
 * written (the master, before the new workers start). */
void srv_state_copy_addr(struct srv_state_rec *to, const struct srv_state_rec *from);

/* "set maxconn server": the server's limit from now on (0: none), for every worker; bumps
 * the epoch, by which balancers re-read it. */
void srv_state_set_maxconn(struct srv_state_rec *rec, uint32_t maxconn);
/* Its limit now: the runtime one if set, else @configured. */
static inline uint32_t srv_state_maxconn(const struct srv_state_rec *rec, uint32_t configured)
{
        uint32_t v = atomic_load_explicit(&rec->maxconn, memory_order_relaxed);

        return v & SRV_STATE_MAXCONN_SET ? v & ~SRV_STATE_MAXCONN_SET : configured;
}

/* Health checks: the checker's record of the last check (under @chk_seq) and the health
 * counter; readers are the master (show stat, logs) and a respawned checker. */
void srv_state_chk_write(struct srv_state_rec *rec, const struct srv_chk_result *res);
/* false when a writer seemed to be under way for every try (the result is then unknown). */
bool srv_state_chk_read(const struct srv_state_rec *rec, struct srv_chk_result *ret);
static inline unsigned srv_state_health(const struct srv_state_rec *rec)
{
        return atomic_load_explicit(&rec->health, memory_order_relaxed);
}
static inline void srv_state_set_health(struct srv_state_rec *rec, unsigned health)
{
        atomic_store_explicit(&rec->health, (uint16_t)health, memory_order_relaxed);
}
static inline uint32_t srv_state_chk_flags(const struct srv_state_rec *rec)
{
        return atomic_load_explicit(&rec->chk_flags, memory_order_relaxed);
}
/* Wall-clock ms of the last UP/DOWN or admin change (0: none since the table was made) */
static inline uint64_t srv_state_last_change(const struct srv_state_rec *rec)
{
        return atomic_load_explicit(&rec->last_change_ms, memory_order_relaxed);
}
void srv_state_set_last_change(struct srv_state_rec *rec, uint64_t wall_ms);
/* A reload that keeps a server: its health counter, last check, agent's last result and last
 * change, from the previous generation's record (the master, before the new workers start). */
void srv_state_copy_check(struct srv_state_rec *to, const struct srv_state_rec *from);

/* slowstart's ramp (0: none, else 1..99 percent); a change bumps the epoch */
static inline unsigned srv_state_ramp(const struct srv_state_rec *rec)
{
        return atomic_load_explicit(&rec->ramp, memory_order_relaxed);
}
void srv_state_set_ramp(struct srv_state_rec *rec, unsigned pct);

/* observe: one more error in the server's traffic (any worker); true when it makes
 * @limit consecutive ones, which raises SRV_CHK_F_ERRLIMIT for the checker and starts the
 * count again */
bool srv_state_observe_error(struct srv_state_rec *rec, unsigned limit);
/* ... a success: the count starts again (written only when it is not 0) */
static inline void srv_state_observe_ok(struct srv_state_rec *rec)
{
        if (atomic_load_explicit(&rec->consec_errors, memory_order_relaxed))
                atomic_store_explicit(&rec->consec_errors, 0, memory_order_relaxed);
}
/* The checker: its agent's last word on the server's health (SRV_CHK_F_AGENT_DOWN) */
void srv_state_set_agent_down(struct srv_state_rec *rec, bool down);

/* HAProxy's agent rise and fall (DEF_AGENT_RISETIME, DEF_AGENT_FALLTIME), which no keyword
 * changes */
#define SRV_AGENT_RISE 1u
#define SRV_AGENT_FALL 1u
/* The agent's health counter as HAProxy keeps it: 0 after down, stopped or fail, else full
 * (rise + fall - 1; it starts there, and nothing but the agent's words moves it) */
static inline unsigned srv_state_agent_health(const struct srv_state_rec *rec)
{
        return srv_state_chk_flags(rec) & SRV_CHK_F_AGENT_DOWN
                       ? 0
                       : SRV_AGENT_RISE + SRV_AGENT_FALL - 1;
}
/* The agent's last result (agent-check), under @agt_seq as a check's under @chk_seq: written
 * by the checker at the end of each agent run (raises SRV_CHK_F_AGENT_CHECKED), read by the
 * master (show stat, reloads) and the checker. The read is false when a writer seemed to be
 * under way for every try (the result is then unknown; the next write repairs it). */
void srv_state_agent_write(struct srv_state_rec *rec, const struct srv_chk_result *res);
bool srv_state_agent_read(const struct srv_state_rec *rec, struct srv_chk_result *ret);

/* The checker: was SRV_CHK_F_ERRLIMIT raised? Clears it. */
bool srv_state_take_errlimit(struct srv_state_rec *rec);

/* HAProxy's short name of a check status ("L7STS") and its description ("Layer7 wrong
 * status"). */
const char *srv_chk_status_name(enum srv_chk_status s);
const char *srv_chk_status_desc(enum srv_chk_status s);
/* Its number in HAProxy (HCHK_STATUS_*, as "show servers state" prints it), and back
 * (SRV_CHK_UNKNOWN for a number sluice has no status for). */
unsigned srv_chk_status_haproxy(enum srv_chk_status s);
enum srv_chk_status srv_chk_status_from_haproxy(unsigned n);

/* The epoch of the table holding @rec: any record of the table gives the same value. Read with
 * acquire order, so a balancer that reads the epoch then the records sees every change made
 * before that epoch. */
uint64_t srv_state_epoch(const struct srv_state_rec *rec);

/* Take the next position of the balancer of the backend whose first record is @first: one
 * atomic increment, so concurrent pickers in any process get consecutive positions, each
 * once. Starts at 0 with the table. */
static inline uint64_t srv_state_lb_next(struct srv_state_rec *first)
{
        return atomic_fetch_add_explicit(&first->lb_pos, 1, memory_order_relaxed);
}

static inline uint32_t srv_state_cur_conns(const struct srv_state_rec *rec)
{
        return atomic_load_explicit(&rec->cur_conns, memory_order_relaxed);
}

static inline uint32_t srv_state_weight(const struct srv_state_rec *rec)
{
        return atomic_load_explicit(&rec->weight, memory_order_relaxed);
}

static inline uint32_t srv_state_admin(const struct srv_state_rec *rec)
{
        return atomic_load_explicit(&rec->admin, memory_order_relaxed);
}

static inline enum srv_op_state srv_state_op(const struct srv_state_rec *rec)
{
        return (enum srv_op_state)atomic_load_explicit(&rec->op, memory_order_relaxed);
}

static inline uint64_t srv_state_total_conns(const struct srv_state_rec *rec)
{
        return atomic_load_explicit(&rec->total_conns, memory_order_relaxed);
}

/* May load balancing send new traffic to @rec: UP, neither MAINT nor DRAIN, weight above 0
 * (HAProxy's srv_currently_usable()). */
static inline bool srv_state_usable(const struct srv_state_rec *rec)
{
        return srv_state_op(rec) == SRV_OP_UP &&
               (srv_state_admin(rec) & (SRV_ADMIN_ANY_MAINT | SRV_ADMIN_ANY_DRAIN)) == 0 &&
               srv_state_weight(rec) > 0;
}
