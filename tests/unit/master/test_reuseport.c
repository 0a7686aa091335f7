/* The reuseport programs against the kernel: real listening sockets of one SO_REUSEPORT
 * group on 127.0.0.1, connections made to it, and the socket each one lands on. Loading a
 * program needs CAP_BPF; without it the cases check that the refusal is EPERM. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "macros.h"
#include "reuseport.h"
#include "unit.h"

#define MAX_SOCKS 4

struct group {
        int fd[MAX_SOCKS];
        unsigned n;
        struct sockaddr_in addr;
};

static void group_open(struct group *g, unsigned n)
{
        socklen_t len = sizeof(g->addr);
        int one = 1;

        g->n = n;
        memset(&g->addr, 0, sizeof(g->addr));
        g->addr.sin_family = AF_INET;
        g->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        for (unsigned i = 0; i < n; i++) {
                g->fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                ck_assert_int_ge(g->fd[i], 0);
                ck_assert_int_eq(setsockopt(g->fd[i], SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)),
                                 0);
                ck_assert_int_eq(bind(g->fd[i], (struct sockaddr *)&g->addr, sizeof(g->addr)), 0);
                ck_assert_int_eq(listen(g->fd[i], 128), 0);
                if (i == 0)
                        ck_assert_int_eq(getsockname(g->fd[0], (struct sockaddr *)&g->addr, &len),
                                         0);
        }
}

static void group_close(struct group *g)
{
        for (unsigned i = 0; i < g->n; i++)
                close(g->fd[i]);
}

/* Connect once (loopback: the handshake is done when connect() returns) and report which
 * socket of @g queued the connection; the connection is closed. */
static int connect_where(struct group *g)
{
        int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), where = -1;

        ck_assert_int_ge(c, 0);
        ck_assert_int_eq(connect(c, (struct sockaddr *)&g->addr, sizeof(g->addr)), 0);
        for (unsigned i = 0; i < g->n; i++) {
                int a = accept4(g->fd[i], NULL, NULL, SOCK_CLOEXEC);

                if (a >= 0) {
                        ck_assert_int_eq(where, -1);
                        where = (int)i;
                        close(a);
                }
        }
        close(c);
        ck_assert_int_ge(where, 0);
        return where;
}

static bool set_up(struct reuseport_loads *l, struct group *g, unsigned n, int *socks)
{
        int r = reuseport_loads_new(l);

        if (geteuid() != 0 && r == -EPERM)
                return false;
        ck_assert_int_eq(r, 0);
        group_open(g, n);
        ck_assert_int_eq(reuseport_steer(g->fd[0], l, socks), 0);
        for (unsigned i = 0; i < n; i++)
                ck_assert_int_eq(reuseport_steer_add(*socks, i, g->fd[i]), 0);
        reuseport_loads_set_slots(l, n);
        return true;
}

static void load_set(struct reuseport_loads *l, unsigned slot, uint64_t v)
{
        atomic_store(reuseport_load_cell(l, slot), v);
}

static uint64_t load_get(struct reuseport_loads *l, unsigned slot)
{
        return atomic_load(reuseport_load_cell(l, slot));
}

/* Two slots: always the less loaded one, whatever the hash; each connection counted in its
 * slot's load at once. */
START_TEST(test_two_slots_take_the_less_loaded)
{
        struct reuseport_loads l;
        struct group g;
        int socks;

        if (!set_up(&l, &g, 2, &socks))
                return;
        load_set(&l, 0, 100);
        load_set(&l, 1, 90);
        for (int i = 0; i < 10; i++)
                ck_assert_int_eq(connect_where(&g), 1);
        ck_assert_uint_eq(load_get(&l, 1), 100);
        ck_assert_uint_eq(load_get(&l, 0), 100);
        /* equal now: they alternate as each is counted */
        {
                unsigned got[2] = {0, 0};

                for (int i = 0; i < 20; i++)
                        got[connect_where(&g)]++;
                ck_assert_uint_eq(got[0], 10);
                ck_assert_uint_eq(got[1], 10);
        }
        /* a slot whose worker is gone gets nothing while the other is there */
        reuseport_load_gone(&l, 0);
        for (int i = 0; i < 10; i++)
                ck_assert_int_eq(connect_where(&g), 1);
        close(socks);
        group_close(&g);
        reuseport_loads_free(&l);
}
END_TEST

/* Four slots: never the most loaded one (the two chosen from the hash differ), and the
 * others each get some. */
START_TEST(test_four_slots_avoid_the_busiest)
{
        struct reuseport_loads l;
        struct group g;
        unsigned got[4] = {0};
        int socks;

        if (!set_up(&l, &g, 4, &socks))
                return;
        for (unsigned i = 0; i < 4; i++)
                load_set(&l, i, i == 2 ? 1000 : 0);
        for (int i = 0; i < 60; i++)
                got[connect_where(&g)]++;
        ck_assert_uint_eq(got[2], 0);
        for (unsigned i = 0; i < 4; i++)
                if (i != 2)
                        ck_assert_uint_ge(got[i], 5);
        ck_assert_uint_eq(load_get(&l, 0) + load_get(&l, 1) + load_get(&l, 3), 60);
        close(socks);
        group_close(&g);
        reuseport_loads_free(&l);
}
END_TEST

/* Slots in use: the program chooses among the first n; one slot: the kernel's hash. A socket
 * that leaves the group leaves the map, and the kernel picks among those left. */
START_TEST(test_slots_in_use_and_closed_sockets)
{
        struct reuseport_loads l;
        struct group g;
        int socks;

        if (!set_up(&l, &g, 3, &socks))
                return;
        reuseport_loads_set_slots(&l, 2);
        load_set(&l, 0, 5);
        load_set(&l, 1, 5);
        load_set(&l, 2, 0);
        for (int i = 0; i < 20; i++)
                ck_assert_int_ne(connect_where(&g), 2);
        /* slot 1 closed: the program's choice of it finds no socket, and the hash decides
         * among 0 and 2; never a lost connection */
        close(g.fd[1]);
        g.fd[1] = g.fd[2];
        g.n = 2;
        load_set(&l, 0, 1000);
        for (int i = 0; i < 20; i++)
                (void)connect_where(&g);
        close(socks);
        group_close(&g);
        reuseport_loads_free(&l);
}
END_TEST

/* The migrate program selects nothing: the hash spreads connections over both sockets. */
START_TEST(test_migrate_keeps_the_hash)
{
        struct group g;
        unsigned got[2] = {0, 0};
        int r;

        group_open(&g, 2);
        r = reuseport_migrate(g.fd[0]);
        if (geteuid() != 0 && r == -EPERM) {
                group_close(&g);
                return;
        }
        ck_assert_int_eq(r, 0);
        for (int i = 0; i < 64; i++)
                got[connect_where(&g)]++;
        ck_assert_uint_gt(got[0], 0);
        ck_assert_uint_gt(got[1], 0);
        group_close(&g);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("master/reuseport");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_two_slots_take_the_less_loaded);
        tcase_add_test(tc, test_four_slots_avoid_the_busiest);
        tcase_add_test(tc, test_slots_in_use_and_closed_sockets);
        tcase_add_test(tc, test_migrate_keeps_the_hash);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
