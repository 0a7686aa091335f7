#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "region.h"
#include "srv_state.h"
#include "unit.h"

#define LOOPS 100000

struct shared_counters {
        _Atomic uint32_t holders;  /* processes holding a slot right now */
        _Atomic uint32_t max_seen; /* highest @holders or cur_conns observed */
        _Atomic uint32_t acquired; /* successful acquisitions */
};

static void *shared_anon(size_t size)
{
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

        ck_assert_ptr_ne(p, MAP_FAILED);
        return p;
}

static void note_max(_Atomic uint32_t *max, uint32_t v)
{
        uint32_t cur = atomic_load(max);

        while (v > cur && !atomic_compare_exchange_weak(max, &cur, v))
                ;
}

static void wait_children(const pid_t *pids, int n)
{
        int status;

        for (int i = 0; i < n; i++) {
                ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
                ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
}

START_TEST(test_create_layout)
{
        struct shm_region *r = NULL, *again = NULL;
        struct srv_state_table *t = NULL, *t2 = NULL;
        int fd;

        ck_assert_int_eq(srv_state_create(0, 1, &r, &t), -EINVAL);
        ck_assert_int_eq(srv_state_create(5, 77, &r, &t), 0);
        ck_assert_uint_eq(t->n_recs, 5);
        ck_assert_uint_eq((uintptr_t)t->recs % 64, 0);
        ck_assert_uint_eq(sizeof(t->recs[0]), 256);
        for (uint32_t i = 0; i < 5; i++) {
                ck_assert_uint_eq(srv_state_rec(t, i)->index, i);
                ck_assert(!srv_state_usable(srv_state_rec(t, i)));
        }
        ck_assert_str_eq(r->hdr->kind, SRV_STATE_KIND);

        fd = dup(r->fd);
        ck_assert_int_eq(shm_region_open(fd, SRV_STATE_KIND, 77, &again), 0);
        ck_assert_int_eq(srv_state_attach(again, &t2), 0);
        ck_assert_uint_eq(t2->n_recs, 5);
        srv_state_set_weight(srv_state_rec(t, 2), 9);
        ck_assert_uint_eq(srv_state_weight(srv_state_rec(t2, 2)), 9);
        shm_region_free(again);
        shm_region_free(r);
}
END_TEST

START_TEST(test_init_and_setters_bump_epoch)
{
        struct shm_region *r = NULL;
        struct srv_state_table *t = NULL;
        struct srv_state_rec *a, *b;
        uint64_t e;

        ck_assert_int_eq(srv_state_create(2, 0, &r, &t), 0);
        a = srv_state_rec(t, 0);
        b = srv_state_rec(t, 1);
        srv_state_rec_init(a, 10, false);
        srv_state_rec_init(b, 1000, true);
        ck_assert(srv_state_usable(a));
        ck_assert(!srv_state_usable(b));
        ck_assert_uint_eq(srv_state_weight(b), SRV_STATE_WEIGHT_MAX);
        ck_assert_uint_eq(srv_state_admin(b), SRV_ADMIN_MAINT);
        ck_assert_uint_eq(srv_state_op(b), SRV_OP_UP);

        /* every record of the table reports the same epoch */
        e = srv_state_epoch(a);
        ck_assert_uint_eq(e, srv_state_epoch(b));
        srv_state_set_weight(a, 10);
        ck_assert_uint_eq(srv_state_epoch(b), e);
        srv_state_set_weight(a, 0);
        ck_assert_uint_eq(srv_state_epoch(b), e + 1);
        ck_assert(!srv_state_usable(a));
        srv_state_set_weight(a, 5);
        srv_state_set_admin(a, SRV_ADMIN_DRAIN, 0);
        ck_assert(!srv_state_usable(a));
        srv_state_set_admin(a, SRV_ADMIN_DRAIN, 0);
        ck_assert_uint_eq(srv_state_epoch(a), e + 3);
        srv_state_set_admin(a, 0, SRV_ADMIN_DRAIN);
        ck_assert(srv_state_usable(a));
        srv_state_set_op(a, SRV_OP_DOWN);
        ck_assert(!srv_state_usable(a));
        srv_state_set_op(a, SRV_OP_DOWN);
        ck_assert_uint_eq(srv_state_epoch(a), e + 5);
        shm_region_free(r);
}
END_TEST

START_TEST(test_check_results)
{
        struct shm_region *r = NULL;
        struct srv_state_table *t = NULL;
        struct srv_chk_result w = {.status = SRV_CHK_L7STS, .code = 503, .duration_ms = 7}, got;
        struct srv_state_rec *a, *b;

        ck_assert_int_eq(srv_state_create(2, 1, &r, &t), 0);
        a = srv_state_rec(t, 0);
        b = srv_state_rec(t, 1);
        ck_assert_uint_eq(srv_state_chk_flags(a), 0);
        memset(w.info, 'x', sizeof(w.info) - 1); /* longer than the record keeps */
        srv_state_chk_write(a, &w);
        ck_assert(srv_state_chk_flags(a) & SRV_CHK_F_CHECKED);
        ck_assert(srv_state_chk_read(a, &got));
        ck_assert_int_eq(got.status, SRV_CHK_L7STS);
        ck_assert_uint_eq(got.code, 503);
        ck_assert_uint_eq(got.duration_ms, 7);
        ck_assert_uint_eq(strlen(got.info), sizeof(a->chk_info) - 1);
        ck_assert_str_eq(srv_chk_status_name(got.status), "L7STS");
        ck_assert_str_eq(srv_chk_status_desc(got.status), "Layer7 wrong status");
        srv_state_set_health(a, 3);
        srv_state_set_last_change(a, 1234);
        /* a reload that keeps the server */
        srv_state_copy_check(b, a);
        ck_assert_uint_eq(srv_state_health(b), 3);
        ck_assert_uint_eq(srv_state_last_change(b), 1234);
        ck_assert(srv_state_chk_read(b, &got));
        ck_assert_uint_eq(got.code, 503);
        /* a checker killed while writing leaves the sequence odd: readers give up, the next
         * write repairs it */
        atomic_fetch_add(&a->chk_seq, 1);
        ck_assert(!srv_state_chk_read(a, &got));
        ck_assert_int_eq(got.status, SRV_CHK_UNKNOWN);
        w.status = SRV_CHK_L4OK;
        srv_state_chk_write(a, &w);
        ck_assert(srv_state_chk_read(a, &got));
        ck_assert_int_eq(got.status, SRV_CHK_L4OK);
        ck_assert_uint_eq(atomic_load(&a->chk_seq) % 2, 0);
        shm_region_free(r);
}
END_TEST

/* The agent's result: beside the check's, under its own sequence, carried by a reload */
START_TEST(test_agent_results)
{
        struct shm_region *r = NULL;
        struct srv_state_table *t = NULL;
        struct srv_chk_result w = {.status = SRV_CHK_L7STS, .duration_ms = 4}, c = {0}, got;
        struct srv_state_rec *a, *b;

        ck_assert_int_eq(srv_state_create(2, 1, &r, &t), 0);
        a = srv_state_rec(t, 0);
        b = srv_state_rec(t, 1);
        /* HAProxy's agent starts at full health: rise + fall - 1, 1 + 1 - 1 */
        ck_assert_uint_eq(srv_state_agent_health(a), 1);
        memset(w.info, 'y', sizeof(w.info) - 1);
        srv_state_agent_write(a, &w);
        ck_assert_uint_eq(srv_state_chk_flags(a), SRV_CHK_F_AGENT_CHECKED);
        ck_assert(srv_state_agent_read(a, &got));
        ck_assert_int_eq(got.status, SRV_CHK_L7STS);
        ck_assert_uint_eq(got.code, 0);
        ck_assert_uint_eq(got.duration_ms, 4);
        ck_assert_uint_eq(strlen(got.info), sizeof(a->agt_info) - 1);
        /* the check's result is apart */
        c.status = SRV_CHK_L4OK;
        snprintf(c.info, sizeof(c.info), "%s", "fine");
        srv_state_chk_write(a, &c);
        ck_assert(srv_state_agent_read(a, &got));
        ck_assert_int_eq(got.status, SRV_CHK_L7STS);
        ck_assert(srv_state_chk_read(a, &got));
        ck_assert_int_eq(got.status, SRV_CHK_L4OK);
        ck_assert_str_eq(got.info, "fine");
        srv_state_set_agent_down(a, true);
        ck_assert_uint_eq(srv_state_agent_health(a), 0);
        /* a reload that keeps the server */
        srv_state_copy_check(b, a);
        ck_assert(srv_state_chk_flags(b) & SRV_CHK_F_AGENT_CHECKED);
        ck_assert_uint_eq(srv_state_agent_health(b), 0);
        ck_assert(srv_state_agent_read(b, &got));
        ck_assert_int_eq(got.status, SRV_CHK_L7STS);
        ck_assert_uint_eq(got.duration_ms, 4);
        ck_assert_uint_eq(strlen(got.info), sizeof(b->agt_info) - 1);
        /* a checker killed while writing the agent's result: that one is unknown until the
         * next write, the check's is still read */
        atomic_fetch_add(&a->agt_seq, 1);
        ck_assert(!srv_state_agent_read(a, &got));
        ck_assert_int_eq(got.status, SRV_CHK_UNKNOWN);
        ck_assert(srv_state_chk_read(a, &got));
        w.status = SRV_CHK_CHECKED;
        snprintf(w.info, sizeof(w.info), "%s", "agent warns : Trailing garbage in weight string");
        srv_state_agent_write(a, &w);
        ck_assert_uint_eq(atomic_load(&a->agt_seq) % 2, 0);
        ck_assert(srv_state_agent_read(a, &got));
        ck_assert_str_eq(srv_chk_status_name(got.status), "CHECKED");
        ck_assert_str_eq(srv_chk_status_desc(got.status), "No status change");
        ck_assert_str_eq(got.info, "agent warns : Trailing garbage in weight string");
        ck_assert_uint_eq(srv_chk_status_haproxy(SRV_CHK_CHECKED), 3);
        ck_assert_int_eq(srv_chk_status_from_haproxy(3), SRV_CHK_CHECKED);
        shm_region_free(r);
}
END_TEST

/* observe's shared error count, error-limit's flag, slowstart's ramp, HAProxy's numbers */
START_TEST(test_observe_and_ramp)
{
        struct shm_region *r = NULL;
        struct srv_state_table *t = NULL;
        struct srv_state_rec *a;
        uint64_t e;

        ck_assert_int_eq(srv_state_create(1, 1, &r, &t), 0);
        a = srv_state_rec(t, 0);
        ck_assert(!srv_state_observe_error(a, 3));
        ck_assert(!srv_state_observe_error(a, 3));
        srv_state_observe_ok(a); /* a success starts the count again */
        ck_assert(!srv_state_observe_error(a, 3));
        ck_assert(!srv_state_observe_error(a, 3));
        ck_assert(!srv_state_take_errlimit(a));
        ck_assert(srv_state_observe_error(a, 3));
        ck_assert_uint_eq(atomic_load(&a->consec_errors), 0);
        ck_assert(srv_state_take_errlimit(a));
        ck_assert(!srv_state_take_errlimit(a)); /* taken once */
        /* the ramp moves the epoch, as the balancers must rebuild */
        e = srv_state_epoch(a);
        srv_state_set_ramp(a, 25);
        ck_assert_uint_eq(srv_state_ramp(a), 25);
        ck_assert_uint_gt(srv_state_epoch(a), e);
        e = srv_state_epoch(a);
        srv_state_set_ramp(a, 25);
        ck_assert_uint_eq(srv_state_epoch(a), e);
        srv_state_set_ramp(a, 100); /* all of it: no ramp */
        ck_assert_uint_eq(srv_state_ramp(a), 0);
        ck_assert_uint_eq(srv_chk_status_haproxy(SRV_CHK_L7OK), 15);
        ck_assert_uint_eq(srv_chk_status_haproxy(SRV_CHK_HANA), 4);
        ck_assert_int_eq(srv_chk_status_from_haproxy(8), SRV_CHK_L4CON);
        ck_assert_int_eq(srv_chk_status_from_haproxy(99), SRV_CHK_UNKNOWN);
        ck_assert_str_eq(srv_chk_status_name(SRV_CHK_HANA), "HANA");
        shm_region_free(r);
}
END_TEST

START_TEST(test_acquire_release_limits)
{
        struct shm_region *r = NULL;
        struct srv_state_table *t = NULL;
        struct srv_state_rec *a;

        ck_assert_int_eq(srv_state_create(1, 0, &r, &t), 0);
        a = srv_state_rec(t, 0);
        srv_state_rec_init(a, 1, false);
        ck_assert(srv_state_try_acquire(a, 2));
        ck_assert(srv_state_try_acquire(a, 2));
        ck_assert(!srv_state_try_acquire(a, 2));
        ck_assert_uint_eq(srv_state_cur_conns(a), 2);
        ck_assert(srv_state_try_acquire(a, 0));
        ck_assert_uint_eq(srv_state_cur_conns(a), 3);
        ck_assert_uint_eq(srv_state_total_conns(a), 3);
        srv_state_release(a);
        srv_state_release(a);
        srv_state_release(a);
        ck_assert_uint_eq(srv_state_cur_conns(a), 0);
        /* a release without acquire never wraps the count */
        srv_state_release(a);
        ck_assert_uint_eq(srv_state_cur_conns(a), 0);
        ck_assert(srv_state_try_acquire(a, 0));
        ck_assert(srv_state_try_acquire(a, 0));
        srv_state_release_n(a, 5);
        ck_assert_uint_eq(srv_state_cur_conns(a), 0);
        shm_region_free(r);
}
END_TEST

START_TEST(test_two_processes_balance_to_zero)
{
        struct shm_region *r = NULL;
        struct srv_state_table *t = NULL;
        struct srv_state_rec *a;
        pid_t pids[2];

        ck_assert_int_eq(srv_state_create(1, 0, &r, &t), 0);
        a = srv_state_rec(t, 0);
        srv_state_rec_init(a, 1, false);
        for (int i = 0; i < 2; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0) {
                        for (int j = 0; j < LOOPS; j++) {
                                if (!srv_state_try_acquire(a, 0))
                                        _exit(1);
                                srv_state_release(a);
                        }
                        _exit(0);
                }
        }
        wait_children(pids, 2);
        ck_assert_uint_eq(srv_state_cur_conns(a), 0);
        ck_assert_uint_eq(srv_state_total_conns(a), 2 * LOOPS);
        shm_region_free(r);
}
END_TEST

START_TEST(test_maxconn_holds_across_processes)
{
        struct shm_region *r = NULL;
        struct srv_state_table *t = NULL;
        struct shared_counters *c = shared_anon(sizeof(*c));
        struct srv_state_rec *a;
        const uint32_t maxconn = 3;
        pid_t pids[2];

        ck_assert_int_eq(srv_state_create(1, 0, &r, &t), 0);
        a = srv_state_rec(t, 0);
        srv_state_rec_init(a, 1, false);
        /* one slot held by the parent, so the children compete for the other two */
        ck_assert(srv_state_try_acquire(a, maxconn));
        for (int i = 0; i < 2; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0) {
                        for (int j = 0; j < LOOPS; j++) {
                                int held = 0;

                                /* up to two slots at once per child: the pair oversubscribes */
                                for (int k = 0; k < 2; k++) {
                                        if (!srv_state_try_acquire(a, maxconn))
                                                break;
                                        held++;
                                        note_max(&c->max_seen,
                                                 atomic_fetch_add(&c->holders, 1) + 2);
                                        note_max(&c->max_seen, srv_state_cur_conns(a));
                                }
                                atomic_fetch_add(&c->acquired, (uint32_t)held);
                                for (; held > 0; held--) {
                                        atomic_fetch_sub(&c->holders, 1);
                                        srv_state_release(a);
                                }
                        }
                        _exit(0);
                }
        }
        wait_children(pids, 2);
        ck_assert_uint_le(atomic_load(&c->max_seen), maxconn);
        ck_assert_uint_ge(atomic_load(&c->max_seen), 2);
        ck_assert_uint_gt(atomic_load(&c->acquired), 0);
        ck_assert_uint_eq(srv_state_cur_conns(a), 1);
        srv_state_release(a);
        ck_assert_uint_eq(srv_state_cur_conns(a), 0);
        shm_region_free(r);
        munmap(c, sizeof(*c));
}
END_TEST

START_TEST(test_killed_process_leaves_table_usable)
{
        struct shm_region *r = NULL;
        struct srv_state_table *t = NULL;
        struct srv_state_rec *a;
        int status;
        pid_t pid;

        ck_assert_int_eq(srv_state_create(1, 0, &r, &t), 0);
        a = srv_state_rec(t, 0);
        srv_state_rec_init(a, 1, false);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                for (;;) {
                        if (srv_state_try_acquire(a, 1))
                                srv_state_release(a);
                        srv_state_set_weight(a, srv_state_weight(a) == 1 ? 2 : 1);
                }
        }
        /* let it run, then kill it wherever it is */
        while (srv_state_total_conns(a) < 1000)
                usleep(100);
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFSIGNALED(status));

        /* at most the one slot the child held is still counted */
        ck_assert_uint_le(srv_state_cur_conns(a), 1);
        srv_state_release_n(a, srv_state_cur_conns(a));
        ck_assert(srv_state_try_acquire(a, 1));
        ck_assert(!srv_state_try_acquire(a, 1));
        srv_state_release(a);
        srv_state_set_weight(a, 7);
        ck_assert(srv_state_usable(a));
        shm_region_free(r);
}
END_TEST

static struct sockaddr_storage ip4(const char *s)
{
        struct sockaddr_storage ss = {0};

        ss.ss_family = AF_INET;
        ck_assert_int_eq(inet_pton(AF_INET, s, &((struct sockaddr_in *)&ss)->sin_addr), 1);
        return ss;
}

static const char *addr_of(const struct srv_state_rec *rec, char *buf, uint16_t *ret_port)
{
        struct sockaddr_storage ss;
        uint32_t seq;

        if (!srv_state_addr(rec, &ss, ret_port, &seq))
                return "unset";
        if (ss.ss_family == AF_UNSPEC)
                return "none";
        return inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, buf, INET_ADDRSTRLEN);
}

/* Two writers of the runtime address: the master's and the resolver's copies, the one
 * written last is the server's */
START_TEST(test_two_address_writers)
{
        struct shm_region *r = NULL, *r2 = NULL;
        struct srv_state_table *t = NULL, *t2 = NULL;
        struct srv_state_rec *a, *b;
        struct sockaddr_storage x = ip4("10.0.0.1"), y = ip4("10.0.0.2"), z = ip4("10.0.0.3");
        char buf[INET_ADDRSTRLEN];
        uint32_t seq0, seq1;
        uint16_t port;

        ck_assert_int_eq(srv_state_create(2, 0, &r, &t), 0);
        a = srv_state_rec(t, 0);
        ck_assert_str_eq(addr_of(a, buf, &port), "unset");
        seq0 = srv_state_addr_seq(a);
        srv_state_set_dns_addr(a, &x, 0);
        ck_assert_str_eq(addr_of(a, buf, &port), "10.0.0.1");
        ck_assert(srv_state_addr_is_dns(a));
        seq1 = srv_state_addr_seq(a);
        ck_assert_uint_ne(seq0, seq1);
        /* "set server addr" after: the master's */
        srv_state_set_addr(a, &y, 8080);
        ck_assert_str_eq(addr_of(a, buf, &port), "10.0.0.2");
        ck_assert_uint_eq(port, 8080);
        ck_assert(!srv_state_addr_is_dns(a));
        ck_assert_uint_ne(srv_state_addr_seq(a), seq1);
        /* DNS again, with an SRV port; then DNS's "no address" */
        srv_state_set_dns_addr(a, &z, 9000);
        ck_assert_str_eq(addr_of(a, buf, &port), "10.0.0.3");
        ck_assert_uint_eq(port, 9000);
        ck_assert_uint_eq(srv_state_dns_port(a), 9000);
        srv_state_set_dns_addr(a, NULL, 0);
        ck_assert_str_eq(addr_of(a, buf, &port), "none");
        /* a reload keeps both, in their order */
        ck_assert_int_eq(srv_state_create(1, 0, &r2, &t2), 0);
        b = srv_state_rec(t2, 0);
        srv_state_copy_addr(b, a);
        ck_assert_str_eq(addr_of(b, buf, &port), "none");
        srv_state_set_addr(a, &y, 0);
        srv_state_copy_addr(b, a);
        ck_assert_str_eq(addr_of(b, buf, &port), "10.0.0.2");
        ck_assert(!srv_state_addr_is_dns(b));
        /* the other record is untouched */
        ck_assert_str_eq(addr_of(srv_state_rec(t, 1), buf, &port), "unset");
        shm_region_free(r2);
        shm_region_free(r);
}
END_TEST

/* A resolver killed while it wrote leaves its copy odd: readers leave it aside (the master's
 * copy, or none, serves) until its next write */
START_TEST(test_killed_dns_writer)
{
        struct shm_region *r = NULL;
        struct srv_state_table *t = NULL;
        struct srv_state_rec *a;
        struct sockaddr_storage x = ip4("10.0.0.1"), y = ip4("10.0.0.2");
        char buf[INET_ADDRSTRLEN];
        uint16_t port;

        ck_assert_int_eq(srv_state_create(1, 0, &r, &t), 0);
        a = srv_state_rec(t, 0);
        srv_state_set_addr(a, &x, 0);
        srv_state_set_dns_addr(a, &y, 0);
        ck_assert_str_eq(addr_of(a, buf, &port), "10.0.0.2");
        /* as if killed between its first and last store */
        atomic_fetch_add(&a->dns_seq, 1);
        ck_assert_str_eq(addr_of(a, buf, &port), "10.0.0.1");
        /* the master writes meanwhile: no lock to wait for */
        srv_state_set_addr(a, &y, 0);
        ck_assert_str_eq(addr_of(a, buf, &port), "10.0.0.2");
        srv_state_set_dns_addr(a, &x, 0);
        ck_assert_uint_eq(atomic_load(&a->dns_seq) & 1, 0);
        ck_assert_str_eq(addr_of(a, buf, &port), "10.0.0.1");
        shm_region_free(r);
}
END_TEST

/* The master and a resolver write at once, a third process reads: every address read is one
 * that was written whole (its last byte and its port go together) */
START_TEST(test_two_writers_processes)
{
        struct shm_region *r = NULL;
        struct srv_state_table *t = NULL;
        struct srv_state_rec *a;
        _Atomic uint32_t *stop = shared_anon(sizeof(*stop));
        pid_t pids[2];

        ck_assert_int_eq(srv_state_create(1, 0, &r, &t), 0);
        a = srv_state_rec(t, 0);
        for (int k = 0; k < 2; k++) {
                pids[k] = fork();
                ck_assert_int_ge(pids[k], 0);
                if (pids[k] == 0) {
                        for (uint32_t i = 0; !atomic_load(stop); i++) {
                                struct sockaddr_storage ss = {0};
                                uint8_t v = (uint8_t)(i * 2 + (uint32_t)k);

                                ss.ss_family = AF_INET;
                                ((struct sockaddr_in *)&ss)->sin_addr.s_addr =
                                        htonl(0x0a000000u | v);
                                if (k == 0)
                                        srv_state_set_addr(a, &ss, (uint16_t)(1000 + v));
                                else
                                        srv_state_set_dns_addr(a, &ss, (uint16_t)(1000 + v));
                        }
                        _exit(0);
                }
        }
        for (unsigned i = 0; i < LOOPS; i++) {
                struct sockaddr_storage ss;
                uint16_t port;
                uint32_t seq;

                if (!srv_state_addr(a, &ss, &port, &seq))
                        continue;
                ck_assert_int_eq(ss.ss_family, AF_INET);
                ck_assert_uint_eq(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) & 0xff,
                                  (unsigned)(port - 1000));
        }
        atomic_store(stop, 1);
        wait_children(pids, 2);
        munmap((void *)stop, sizeof(*stop));
        shm_region_free(r);
}
END_TEST

/* DNS records and name server counters after the server records */
START_TEST(test_dns_records)
{
        struct shm_region *r = NULL, *again = NULL;
        struct srv_state_table *t = NULL, *t2 = NULL;
        struct srv_dns_rec *d;
        char name[SRV_DNS_NAME_MAX], long_name[400];
        int fd;

        ck_assert_int_eq(srv_state_create_dns(3, 4, 1, 0, &r, &t), -EINVAL);
        ck_assert_int_eq(srv_state_create_dns(3, 2, 2, 5, &r, &t), 0);
        srv_state_dns_attach(t, 2, 0);
        srv_state_dns_attach(t, 0, 1);
        srv_state_dns_attach(t, 1, 7); /* out of range: ignored */
        ck_assert_ptr_null(srv_state_dns(srv_state_rec(t, 1)));
        d = srv_state_dns(srv_state_rec(t, 2));
        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(d->srv, 2);
        ck_assert_uint_eq((uintptr_t)d % 64, 0);
        ck_assert_ptr_ne(srv_state_dns(srv_state_rec(t, 0)), d);
        srv_dns_fqdn(d, name);
        ck_assert_str_eq(name, "");
        srv_dns_set_fqdn(d, "web1.test");
        srv_dns_fqdn(d, name);
        ck_assert_str_eq(name, "web1.test");
        memset(long_name, 'a', sizeof(long_name) - 1);
        long_name[sizeof(long_name) - 1] = '\0';
        srv_dns_set_fqdn(d, long_name);
        srv_dns_fqdn(d, name);
        ck_assert_uint_eq(strlen(name), SRV_DNS_NAME_MAX - 1);
        /* set server fqdn: one request, taken once */
        ck_assert(!srv_dns_take_request(d, name));
        srv_dns_request(d, "other.test");
        ck_assert(srv_dns_take_request(d, name));
        ck_assert_str_eq(name, "other.test");
        ck_assert(!srv_dns_take_request(d, name));
        /* counters */
        ck_assert_ptr_null(srv_state_dns_ns(t, 2));
        srv_dns_count(srv_state_dns_ns(t, 1), SRV_DNS_SENT);
        srv_dns_count(srv_state_dns_ns_of(srv_state_rec(t, 0), 1), SRV_DNS_SENT);
        ck_assert_uint_eq(srv_dns_counter(srv_state_dns_ns(t, 1), SRV_DNS_SENT), 2);
        ck_assert_uint_eq(srv_dns_counter(srv_state_dns_ns(t, 0), SRV_DNS_SENT), 0);
        /* another mapping sees them */
        fd = dup(r->fd);
        ck_assert_int_eq(shm_region_open(fd, SRV_STATE_KIND, 5, &again), 0);
        ck_assert_int_eq(srv_state_attach(again, &t2), 0);
        ck_assert_uint_eq(t2->n_dns, 2);
        srv_dns_fqdn(srv_state_dns(srv_state_rec(t2, 2)), name);
        ck_assert_uint_eq(strlen(name), SRV_DNS_NAME_MAX - 1);
        ck_assert_uint_eq(srv_dns_counter(srv_state_dns_ns(t2, 1), SRV_DNS_SENT), 2);
        shm_region_free(again);
        shm_region_free(r);
}
END_TEST

/* Maintenance because resolution gave no address: a maintenance of its own */
START_TEST(test_rmaint)
{
        struct shm_region *r = NULL;
        struct srv_state_table *t = NULL;
        struct srv_state_rec *a;

        ck_assert_int_eq(srv_state_create(1, 0, &r, &t), 0);
        a = srv_state_rec(t, 0);
        srv_state_rec_init(a, 1, false);
        ck_assert(srv_state_usable(a));
        srv_state_set_admin(a, SRV_ADMIN_RMAINT, 0);
        ck_assert(!srv_state_usable(a));
        /* "set server state ready" clears forced maintenance and drain only */
        srv_state_set_admin(a, 0, SRV_ADMIN_MAINT | SRV_ADMIN_DRAIN);
        ck_assert(!srv_state_usable(a));
        srv_state_set_admin(a, 0, SRV_ADMIN_RMAINT);
        ck_assert(srv_state_usable(a));
        shm_region_free(r);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("shm/srv_state");
        TCase *tc = tcase_create("records");
        TCase *tp = tcase_create("processes");

        tcase_add_test(tc, test_create_layout);
        tcase_add_test(tc, test_init_and_setters_bump_epoch);
        tcase_add_test(tc, test_acquire_release_limits);
        tcase_add_test(tc, test_check_results);
        tcase_add_test(tc, test_agent_results);
        tcase_add_test(tc, test_observe_and_ramp);
        tcase_add_test(tp, test_two_processes_balance_to_zero);
        tcase_add_test(tp, test_maxconn_holds_across_processes);
        tcase_add_test(tp, test_killed_process_leaves_table_usable);
        tcase_add_test(tc, test_two_address_writers);
        tcase_add_test(tc, test_killed_dns_writer);
        tcase_add_test(tc, test_dns_records);
        tcase_add_test(tc, test_rmaint);
        tcase_add_test(tp, test_two_writers_processes);
        suite_add_tcase(s, tc);
        suite_add_tcase(s, tp);
        return unit_run(s);
}
