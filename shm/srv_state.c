/* Shared per-server runtime records. The master creates the table and initialises it from the
 * configuration before forking; workers acquire and release connection slots through it and
 * their balancers (worker/lb.c) read weights and states; health checks and the runtime API
 * change them. See srv_state.h for what a killed process can leave behind. */
#include "srv_state.h"

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "region.h"

_Static_assert(offsetof(struct srv_state_rec, chk_seq) == 64, "check results on the second line");
_Static_assert(offsetof(struct srv_state_rec, agt_seq) == 128, "agent results on the third line");
_Static_assert(offsetof(struct srv_state_rec, dns_seq) == 192,
               "the DNS address on the fourth line");
_Static_assert(sizeof(struct srv_state_rec) == 256, "four cache lines per server record");
_Static_assert(sizeof(((struct srv_state_rec *)0)->chk_info) <=
                               sizeof(((struct srv_chk_result *)0)->info) &&
                       sizeof(((struct srv_state_rec *)0)->agt_info) <=
                               sizeof(((struct srv_chk_result *)0)->info),
               "a result's text holds what a record keeps");
_Static_assert(sizeof(struct srv_state_table) == 64, "table header is one cache line");
_Static_assert(sizeof(struct srv_dns_ns) == 128, "name server counters: two cache lines");
_Static_assert(offsetof(struct srv_state_table, recs) == 64, "records start on a cache line");
/* A lock-based fallback would take a process-local lock: useless across processes. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");

static struct srv_state_table *srv_state__table_of(const struct srv_state_rec *rec)
{
        const struct srv_state_rec *first = rec - rec->index;

        return (struct srv_state_table *)(void *)((char *)(uintptr_t)first -
                                                  offsetof(struct srv_state_table, recs));
}

static void srv_state__bump(struct srv_state_rec *rec)
{
        atomic_fetch_add_explicit(&srv_state__table_of(rec)->epoch, 1, memory_order_release);
}

/* Bytes of a table of @n records, @n_ns name servers and @n_dns DNS records */
static size_t srv_state__size(uint64_t n, uint64_t n_dns, uint64_t n_ns)
{
        return sizeof(struct srv_state_table) + n * sizeof(struct srv_state_rec) +
               n_ns * sizeof(struct srv_dns_ns) + n_dns * sizeof(struct srv_dns_rec);
}

static struct srv_dns_ns *srv_state__ns(struct srv_state_table *t)
{
        return (struct srv_dns_ns *)(void *)&t->recs[t->n_recs];
}

static struct srv_dns_rec *srv_state__dns(struct srv_state_table *t)
{
        return (struct srv_dns_rec *)(void *)(srv_state__ns(t) + t->n_ns);
}

int srv_state_create_dns(uint32_t n, uint32_t n_dns, uint32_t n_ns, uint64_t definition,
                         struct shm_region **ret_region, struct srv_state_table **ret_table)
{
        struct shm_region *r;
        struct srv_state_table *t;
        int err;

        if (n == 0 || n > SRV_STATE_MAX_RECS || n_dns > n || n_ns > SRV_STATE_MAX_RECS)
                return -EINVAL;
        err = shm_region_create(SRV_STATE_KIND, definition, srv_state__size(n, n_dns, n_ns), &r);
        if (err < 0)
                return err;
        t = shm_region_payload(r);
        t->layout = SRV_STATE_LAYOUT;
        t->n_recs = n;
        t->n_dns = n_dns;
        t->n_ns = n_ns;
        for (uint32_t i = 0; i < n; i++)
                t->recs[i].index = i;
        for (uint32_t i = 0; i < n_dns; i++)
                srv_state__dns(t)[i].srv = UINT32_MAX;
        *ret_region = r;
        *ret_table = t;
        return 0;
}

int srv_state_create(uint32_t n, uint64_t definition, struct shm_region **ret_region,
                     struct srv_state_table **ret_table)
{
        return srv_state_create_dns(n, 0, 0, definition, ret_region, ret_table);
}

void srv_state_dns_attach(struct srv_state_table *t, uint32_t idx, uint32_t dns_idx)
{
        if (idx >= t->n_recs || dns_idx >= t->n_dns)
                return;
        t->recs[idx].dns_idx = dns_idx + 1;
        srv_state__dns(t)[dns_idx].srv = idx;
}

struct srv_dns_rec *srv_state_dns(const struct srv_state_rec *rec)
{
        struct srv_state_table *t = srv_state__table_of(rec);

        if (!rec->dns_idx || rec->dns_idx > t->n_dns)
                return NULL;
        return &srv_state__dns(t)[rec->dns_idx - 1];
}

struct srv_dns_ns *srv_state_dns_ns(struct srv_state_table *t, uint32_t i)
{
        return i < t->n_ns ? &srv_state__ns(t)[i] : NULL;
}

struct srv_dns_ns *srv_state_dns_ns_of(const struct srv_state_rec *rec, uint32_t i)
{
        return srv_state_dns_ns(srv_state__table_of(rec), i);
}

/* A name into @dst of SRV_DNS_NAME_MAX bytes under the sequence lock @seq (odd while
 * written: a writer killed there leaves it odd until its next write) */
static void srv_dns__write(_Atomic uint32_t *seq, _Atomic char *dst, const char *name)
{
        uint32_t s = atomic_load_explicit(seq, memory_order_relaxed);
        size_t n = name ? strnlen(name, SRV_DNS_NAME_MAX - 1) : 0;

        atomic_store_explicit(seq, s | 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_release);
        for (size_t i = 0; i < SRV_DNS_NAME_MAX; i++)
                atomic_store_explicit(&dst[i], i < n ? name[i] : 0, memory_order_relaxed);
        atomic_store_explicit(seq, (s | 1) + 1, memory_order_release);
}

/* The name under @seq into @buf; false when it seemed to be written for every try */
static bool srv_dns__read(const _Atomic uint32_t *seq, const _Atomic char *src, char *buf,
                          uint32_t *ret_seq)
{
        for (unsigned tries = 0; tries < 1024; tries++) {
                uint32_t s = atomic_load_explicit(seq, memory_order_acquire);

                if (s & 1)
                        continue;
                for (size_t i = 0; i < SRV_DNS_NAME_MAX; i++)
                        buf[i] = atomic_load_explicit(&src[i], memory_order_relaxed);
                atomic_thread_fence(memory_order_acquire);
                if (atomic_load_explicit(seq, memory_order_relaxed) != s)
                        continue;
                buf[SRV_DNS_NAME_MAX - 1] = '\0';
                *ret_seq = s;
                return true;
        }
        buf[0] = '\0';
        return false;
}

void srv_dns_set_fqdn(struct srv_dns_rec *d, const char *fqdn)
{
        srv_dns__write(&d->seq, d->fqdn, fqdn);
}

void srv_dns_fqdn(const struct srv_dns_rec *d, char *buf)
{
        uint32_t s;

        (void)srv_dns__read(&d->seq, d->fqdn, buf, &s);
}

void srv_dns_request(struct srv_dns_rec *d, const char *fqdn)
{
        srv_dns__write(&d->req_seq, d->req_fqdn, fqdn);
}

bool srv_dns_take_request(struct srv_dns_rec *d, char *buf)
{
        uint32_t s = atomic_load_explicit(&d->req_seq, memory_order_acquire);

        if (s == atomic_load_explicit(&d->req_done, memory_order_relaxed) ||
            !srv_dns__read(&d->req_seq, d->req_fqdn, buf, &s))
                return false;
        atomic_store_explicit(&d->req_done, s, memory_order_relaxed);
        return true;
}

int srv_state_attach(struct shm_region *r, struct srv_state_table **ret_table)
{
        struct srv_state_table *t = shm_region_payload(r);
        size_t size = shm_region_payload_size(r);

        if (size < sizeof(*t) || t->layout != SRV_STATE_LAYOUT || t->n_recs == 0 ||
            t->n_recs > SRV_STATE_MAX_RECS || t->n_dns > t->n_recs ||
            t->n_ns > SRV_STATE_MAX_RECS || size < srv_state__size(t->n_recs, t->n_dns, t->n_ns))
                return -EPROTO;
        for (uint32_t i = 0; i < t->n_recs; i++)
                if (t->recs[i].index != i)
                        return -EPROTO;
        *ret_table = t;
        return 0;
}

void srv_state_rec_init(struct srv_state_rec *rec, unsigned weight, bool disabled)
{
        if (weight > SRV_STATE_WEIGHT_MAX)
                weight = SRV_STATE_WEIGHT_MAX;
        atomic_store_explicit(&rec->cur_conns, 0, memory_order_relaxed);
        atomic_store_explicit(&rec->total_conns, 0, memory_order_relaxed);
        atomic_store_explicit(&rec->weight, weight, memory_order_relaxed);
        atomic_store_explicit(&rec->admin, disabled ? SRV_ADMIN_MAINT : 0, memory_order_relaxed);
        atomic_store_explicit(&rec->op, SRV_OP_UP, memory_order_relaxed);
        srv_state__bump(rec);
}

bool srv_state_try_acquire(struct srv_state_rec *rec, uint32_t maxconn)
{
        uint32_t cur = atomic_load_explicit(&rec->cur_conns, memory_order_relaxed);

        do {
                if (maxconn != 0 && cur >= maxconn)
                        return false;
                if (cur == UINT32_MAX)
                        return false;
        } while (!atomic_compare_exchange_weak_explicit(
                &rec->cur_conns, &cur, cur + 1, memory_order_relaxed, memory_order_relaxed));
        atomic_fetch_add_explicit(&rec->total_conns, 1, memory_order_relaxed);
        return true;
}

void srv_state_release_n(struct srv_state_rec *rec, uint32_t n)
{
        uint32_t cur = atomic_load_explicit(&rec->cur_conns, memory_order_relaxed);

        /* A CAS rather than fetch_sub: a release racing a master-side cleanup must not wrap
         * the count to 4 billion, which would make the server look full forever. */
        do {
                if (cur == 0)
                        return;
        } while (!atomic_compare_exchange_weak_explicit(&rec->cur_conns, &cur,
                                                        cur > n ? cur - n : 0, memory_order_relaxed,
                                                        memory_order_relaxed));
}

void srv_state_release(struct srv_state_rec *rec)
{
        srv_state_release_n(rec, 1);
}

void srv_state_set_weight(struct srv_state_rec *rec, unsigned weight)
{
        if (weight > SRV_STATE_WEIGHT_MAX)
                weight = SRV_STATE_WEIGHT_MAX;
        if (atomic_exchange_explicit(&rec->weight, weight, memory_order_relaxed) != weight)
                srv_state__bump(rec);
}

void srv_state_set_admin(struct srv_state_rec *rec, uint32_t set, uint32_t clear)
{
        uint32_t old = atomic_load_explicit(&rec->admin, memory_order_relaxed);

        while (!atomic_compare_exchange_weak_explicit(&rec->admin, &old, (old & ~clear) | set,
                                                      memory_order_relaxed, memory_order_relaxed))
                ;
        if (((old & ~clear) | set) != old)
                srv_state__bump(rec);
}

void srv_state_set_op(struct srv_state_rec *rec, enum srv_op_state op)
{
        if (atomic_exchange_explicit(&rec->op, (uint32_t)op, memory_order_relaxed) != (uint32_t)op)
                srv_state__bump(rec);
}

void srv_state_set_ramp(struct srv_state_rec *rec, unsigned pct)
{
        if (atomic_exchange_explicit(&rec->ramp, (uint8_t)(pct > 99 ? 0 : pct),
                                     memory_order_relaxed) != (uint8_t)(pct > 99 ? 0 : pct))
                srv_state__bump(rec);
}

bool srv_state_observe_error(struct srv_state_rec *rec, unsigned limit)
{
        unsigned n = atomic_fetch_add_explicit(&rec->consec_errors, 1, memory_order_relaxed) + 1u;

        if (n < limit)
                return false;
        atomic_store_explicit(&rec->consec_errors, 0, memory_order_relaxed);
        atomic_fetch_or_explicit(&rec->chk_flags, SRV_CHK_F_ERRLIMIT, memory_order_release);
        return true;
}

void srv_state_set_agent_down(struct srv_state_rec *rec, bool down)
{
        if (down)
                atomic_fetch_or_explicit(&rec->chk_flags, SRV_CHK_F_AGENT_DOWN,
                                         memory_order_relaxed);
        else
                atomic_fetch_and_explicit(&rec->chk_flags, (uint8_t)~SRV_CHK_F_AGENT_DOWN,
                                          memory_order_relaxed);
}

bool srv_state_take_errlimit(struct srv_state_rec *rec)
{
        return atomic_fetch_and_explicit(&rec->chk_flags, (uint8_t)~SRV_CHK_F_ERRLIMIT,
                                         memory_order_acquire) &
               SRV_CHK_F_ERRLIMIT;
}

void srv_state_set_maxconn(struct srv_state_rec *rec, uint32_t maxconn)
{
        uint32_t v = SRV_STATE_MAXCONN_SET | (maxconn & ~SRV_STATE_MAXCONN_SET);

        if (atomic_exchange_explicit(&rec->maxconn, v, memory_order_relaxed) != v)
                srv_state__bump(rec);
}

/* One of the two runtime addresses of a record: the master's or the resolver's */
struct addr_copy_ptrs {
        _Atomic uint32_t *seq;
        _Atomic uint8_t *addr;
        _Atomic uint16_t *port;
        _Atomic uint8_t *family;
        _Atomic uint64_t *stamp;
};

static struct addr_copy_ptrs srv_state__copy(const struct srv_state_rec *crec, bool dns)
{
        struct srv_state_rec *rec = (struct srv_state_rec *)(uintptr_t)crec;

        if (dns)
                return (struct addr_copy_ptrs){&rec->dns_seq, rec->dns_addr, &rec->dns_port,
                                               &rec->dns_family, &rec->dns_stamp};
        return (struct addr_copy_ptrs){&rec->addr_seq, rec->addr, &rec->addr_port,
                                       &rec->addr_family, &rec->addr_stamp};
}

struct addr_value {
        uint8_t a[16];
        uint16_t port;
        uint8_t family;
        uint64_t stamp;
};

/* Write @ss (NULL: no address) and @port into one copy, stamped with the table's clock. */
static void srv_state__addr_write(struct srv_state_rec *rec, bool dns,
                                  const struct sockaddr_storage *ss, uint16_t port)
{
        struct addr_copy_ptrs c = srv_state__copy(rec, dns);
        uint32_t seq = atomic_load_explicit(c.seq, memory_order_relaxed);
        int fam = ss ? ss->ss_family : AF_UNSPEC;
        const uint8_t *a =
                fam == AF_INET6  ? (const uint8_t *)&((const struct sockaddr_in6 *)ss)->sin6_addr
                : fam == AF_INET ? (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr
                                 : NULL;
        size_t n = fam == AF_INET6 ? 16 : fam == AF_INET ? 4 : 0;
        uint64_t stamp;

        /* odd while writing: readers retry, then leave this copy aside */
        atomic_store_explicit(c.seq, seq | 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_release);
        stamp = atomic_fetch_add_explicit(&srv_state__table_of(rec)->addr_clock, 1,
                                          memory_order_relaxed) +
                1;
        for (size_t i = 0; i < 16; i++)
                atomic_store_explicit(&c.addr[i], i < n ? a[i] : 0, memory_order_relaxed);
        atomic_store_explicit(c.port, port, memory_order_relaxed);
        atomic_store_explicit(c.family, (uint8_t)(n ? fam : AF_UNSPEC), memory_order_relaxed);
        atomic_store_explicit(c.stamp, stamp, memory_order_relaxed);
        atomic_store_explicit(c.seq, (seq | 1) + 1, memory_order_release);
        srv_state__bump(rec);
}

/* One copy, consistent: false when it was never written, or seemed to be under way for
 * every try (a writer is at it, or was killed there). */
static bool srv_state__addr_read(const struct srv_state_rec *rec, bool dns, struct addr_value *ret)
{
        struct addr_copy_ptrs c = srv_state__copy(rec, dns);

        for (unsigned tries = 0; tries < 1024; tries++) {
                uint32_t seq = atomic_load_explicit(c.seq, memory_order_acquire);

                if (seq == 0)
                        return false;
                if (seq & 1)
                        continue; /* a few stores under way */
                for (size_t i = 0; i < 16; i++)
                        ret->a[i] = atomic_load_explicit(&c.addr[i], memory_order_relaxed);
                ret->port = atomic_load_explicit(c.port, memory_order_relaxed);
                ret->family = atomic_load_explicit(c.family, memory_order_relaxed);
                ret->stamp = atomic_load_explicit(c.stamp, memory_order_relaxed);
                atomic_thread_fence(memory_order_acquire);
                if (atomic_load_explicit(c.seq, memory_order_relaxed) == seq)
                        return true;
        }
        return false;
}

/* The copy written last: 1 for DNS's, 0 for the master's, -1 for none. */
static int srv_state__addr_last(const struct srv_state_rec *rec, struct addr_value *ret)
{
        struct addr_value m, d;
        bool has_m = srv_state__addr_read(rec, false, &m);
        bool has_d = srv_state__addr_read(rec, true, &d);

        if (has_d && (!has_m || d.stamp > m.stamp)) {
                *ret = d;
                return 1;
        }
        if (has_m) {
                *ret = m;
                return 0;
        }
        return -1;
}

static void srv_state__value_ss(const struct addr_value *v, struct sockaddr_storage *ss)
{
        memset(ss, 0, sizeof(*ss));
        if (v->family == AF_INET6) {
                struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

                s6->sin6_family = AF_INET6;
                memcpy(&s6->sin6_addr, v->a, 16);
        } else if (v->family == AF_INET) {
                struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

                s4->sin_family = AF_INET;
                memcpy(&s4->sin_addr, v->a, 4);
        }
}

void srv_state_set_addr(struct srv_state_rec *rec, const struct sockaddr_storage *ss, uint16_t port)
{
        srv_state__addr_write(rec, false, ss, port);
}

void srv_state_set_dns_addr(struct srv_state_rec *rec, const struct sockaddr_storage *ss,
                            uint16_t port)
{
        srv_state__addr_write(rec, true, ss, port);
}

bool srv_state_addr(const struct srv_state_rec *rec, struct sockaddr_storage *ss,
                    uint16_t *ret_port, uint32_t *ret_seq)
{
        uint32_t seq = srv_state_addr_seq(rec);
        struct addr_value v;

        if (srv_state__addr_last(rec, &v) < 0)
                return false;
        srv_state__value_ss(&v, ss);
        *ret_port = v.port;
        *ret_seq = seq;
        return true;
}

bool srv_state_addr_is_dns(const struct srv_state_rec *rec)
{
        struct addr_value v;

        return srv_state__addr_last(rec, &v) == 1;
}

void srv_state_copy_addr(struct srv_state_rec *to, const struct srv_state_rec *from)
{
        struct addr_value m, d;
        struct sockaddr_storage ss;
        bool has_m = srv_state__addr_read(from, false, &m);
        bool has_d = srv_state__addr_read(from, true, &d);

        /* the older first, so that the later stays the later */
        if (has_m && (!has_d || m.stamp < d.stamp)) {
                srv_state__value_ss(&m, &ss);
                srv_state__addr_write(to, false, &ss, m.port);
        }
        if (has_d) {
                srv_state__value_ss(&d, &ss);
                srv_state__addr_write(to, true, &ss, d.port);
        }
        if (has_m && has_d && m.stamp > d.stamp) {
                srv_state__value_ss(&m, &ss);
                srv_state__addr_write(to, false, &ss, m.port);
        }
}

/* The check's result (@agent false) or the agent's, under its sequence lock: odd while being
 * written, so readers retry; a writer killed there leaves it odd until the next write. */
static void srv_state__res_write(struct srv_state_rec *rec, bool agent,
                                 const struct srv_chk_result *res)
{
        _Atomic uint32_t *seqp = agent ? &rec->agt_seq : &rec->chk_seq;
        _Atomic char *info = agent ? rec->agt_info : rec->chk_info;
        size_t size = agent ? sizeof(rec->agt_info) : sizeof(rec->chk_info);
        uint32_t seq = atomic_load_explicit(seqp, memory_order_relaxed);
        size_t n = strnlen(res->info, size - 1);

        atomic_store_explicit(seqp, seq | 1, memory_order_relaxed);
        atomic_thread_fence(memory_order_release);
        atomic_store_explicit(agent ? &rec->agt_status : &rec->chk_status, (uint8_t)res->status,
                              memory_order_relaxed);
        atomic_store_explicit(agent ? &rec->agt_code : &rec->chk_code, (uint16_t)res->code,
                              memory_order_relaxed);
        atomic_store_explicit(agent ? &rec->agt_duration_ms : &rec->chk_duration_ms,
                              res->duration_ms, memory_order_relaxed);
        for (size_t i = 0; i < size; i++)
                atomic_store_explicit(&info[i], i < n ? res->info[i] : 0, memory_order_relaxed);
        atomic_fetch_or_explicit(&rec->chk_flags,
                                 agent ? SRV_CHK_F_AGENT_CHECKED : SRV_CHK_F_CHECKED,
                                 memory_order_relaxed);
        atomic_store_explicit(seqp, (seq | 1) + 1, memory_order_release);
}

static bool srv_state__res_read(const struct srv_state_rec *rec, bool agent,
                                struct srv_chk_result *ret)
{
        const _Atomic uint32_t *seqp = agent ? &rec->agt_seq : &rec->chk_seq;
        const _Atomic char *info = agent ? rec->agt_info : rec->chk_info;
        size_t size = agent ? sizeof(rec->agt_info) : sizeof(rec->chk_info);

        for (unsigned tries = 0; tries < 64; tries++) {
                uint32_t seq = atomic_load_explicit(seqp, memory_order_acquire);

                if (seq & 1)
                        continue;
                ret->status = (enum srv_chk_status)atomic_load_explicit(
                        agent ? &rec->agt_status : &rec->chk_status, memory_order_relaxed);
                ret->code = atomic_load_explicit(agent ? &rec->agt_code : &rec->chk_code,
                                                 memory_order_relaxed);
                ret->duration_ms =
                        atomic_load_explicit(agent ? &rec->agt_duration_ms : &rec->chk_duration_ms,
                                             memory_order_relaxed);
                for (size_t i = 0; i < size; i++)
                        ret->info[i] = atomic_load_explicit(&info[i], memory_order_relaxed);
                atomic_thread_fence(memory_order_acquire);
                if (atomic_load_explicit(seqp, memory_order_relaxed) != seq)
                        continue;
                ret->info[size - 1] = '\0';
                if (ret->status >= SRV_CHK_COUNT)
                        ret->status = SRV_CHK_UNKNOWN;
                return true;
        }
        memset(ret, 0, sizeof(*ret));
        return false;
}

void srv_state_chk_write(struct srv_state_rec *rec, const struct srv_chk_result *res)
{
        srv_state__res_write(rec, false, res);
}

bool srv_state_chk_read(const struct srv_state_rec *rec, struct srv_chk_result *ret)
{
        return srv_state__res_read(rec, false, ret);
}

void srv_state_agent_write(struct srv_state_rec *rec, const struct srv_chk_result *res)
{
        srv_state__res_write(rec, true, res);
}

bool srv_state_agent_read(const struct srv_state_rec *rec, struct srv_chk_result *ret)
{
        return srv_state__res_read(rec, true, ret);
}

void srv_state_set_last_change(struct srv_state_rec *rec, uint64_t wall_ms)
{
        atomic_store_explicit(&rec->last_change_ms, wall_ms, memory_order_relaxed);
}

void srv_state_copy_check(struct srv_state_rec *to, const struct srv_state_rec *from)
{
        struct srv_chk_result res;

        srv_state_set_health(to, srv_state_health(from));
        srv_state_set_last_change(to, srv_state_last_change(from));
        if ((srv_state_chk_flags(from) & SRV_CHK_F_CHECKED) && srv_state_chk_read(from, &res))
                srv_state_chk_write(to, &res);
        if ((srv_state_chk_flags(from) & SRV_CHK_F_AGENT_CHECKED) &&
            srv_state_agent_read(from, &res))
                srv_state_agent_write(to, &res);
        srv_state_set_agent_down(to, srv_state_chk_flags(from) & SRV_CHK_F_AGENT_DOWN);
}

static const char *const chk_names[SRV_CHK_COUNT][2] = {
        [SRV_CHK_UNKNOWN] = {"UNK", "Unknown"},
        [SRV_CHK_INI] = {"INI", "Initializing"},
        [SRV_CHK_SOCKERR] = {"SOCKERR", "Socket error"},
        [SRV_CHK_L4OK] = {"L4OK", "Layer4 check passed"},
        [SRV_CHK_L4TOUT] = {"L4TOUT", "Layer4 timeout"},
        [SRV_CHK_L4CON] = {"L4CON", "Layer4 connection problem"},
        [SRV_CHK_L6OK] = {"L6OK", "Layer6 check passed"},
        [SRV_CHK_L6TOUT] = {"L6TOUT", "Layer6 timeout"},
        [SRV_CHK_L6RSP] = {"L6RSP", "Layer6 invalid response"},
        [SRV_CHK_L7TOUT] = {"L7TOUT", "Layer7 timeout"},
        [SRV_CHK_L7RSP] = {"L7RSP", "Layer7 invalid response"},
        [SRV_CHK_L7OK] = {"L7OK", "Layer7 check passed"},
        [SRV_CHK_L7OKC] = {"L7OKC", "Layer7 check conditionally passed"},
        [SRV_CHK_L7STS] = {"L7STS", "Layer7 wrong status"},
        [SRV_CHK_HANA] = {"HANA", "Health analyze"},
        [SRV_CHK_CHECKED] = {"CHECKED", "No status change"},
};

const char *srv_chk_status_name(enum srv_chk_status s)
{
        return chk_names[s < SRV_CHK_COUNT ? s : SRV_CHK_UNKNOWN][0];
}

const char *srv_chk_status_desc(enum srv_chk_status s)
{
        return chk_names[s < SRV_CHK_COUNT ? s : SRV_CHK_UNKNOWN][1];
}

/* HAProxy's HCHK_STATUS_* numbers (its check-t.h), in the order of enum srv_chk_status */
static const uint8_t chk_haproxy[SRV_CHK_COUNT] = {0,  1,  5,  6,  7,  8,  9, 10,
                                                   11, 12, 13, 15, 16, 17, 4, 3};

unsigned srv_chk_status_haproxy(enum srv_chk_status s)
{
        return chk_haproxy[s < SRV_CHK_COUNT ? s : SRV_CHK_UNKNOWN];
}

enum srv_chk_status srv_chk_status_from_haproxy(unsigned n)
{
        for (unsigned i = 0; i < SRV_CHK_COUNT; i++)
                if (chk_haproxy[i] == n)
                        return (enum srv_chk_status)i;
        return SRV_CHK_UNKNOWN;
}

uint64_t srv_state_epoch(const struct srv_state_rec *rec)
{
        return atomic_load_explicit(&srv_state__table_of(rec)->epoch, memory_order_acquire);
}
