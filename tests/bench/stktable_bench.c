/* Stick-table throughput: lookup + counter and rate update per operation, on keys already in
 * the table, from one process and from two processes at once, on tables of 1k and 1M keys,
 * then two processes updating one hot key. For the large table it also measures the machine's
 * bound: the time of one dependent load at a random place in memory as large as the table,
 * since an operation on a key no cache holds costs at least one. Run by hand from a release
 * build:
 *
 *   build-release/tests/bench/stktable_bench [seconds per run, default 1]
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "region.h"
#include "stktable.h"

#define MAX_PROCS 2

struct bench_shared {
        _Atomic uint64_t ops[MAX_PROCS];
        _Atomic uint64_t misses;
        _Atomic int go;
};

static uint64_t key_of(uint64_t i)
{
        /* spread the keys like client addresses would be */
        return i * 0x9e3779b97f4a7c15ull;
}

static void worker(struct stkt *t, struct bench_shared *sh, int id, uint64_t nkeys, bool hot,
                   uint64_t deadline_ms)
{
        uint64_t x = 88172645463325252ull + (uint64_t)id * 7919, ops = 0, misses = 0;

        while (!atomic_load(&sh->go))
                ;
        for (;;) {
                uint64_t now = sl_clock_ms();

                if (now >= deadline_ms)
                        break;
                for (int j = 0; j < 1024; j++) {
                        uint64_t k;
                        struct stkt_key key = {&k, sizeof(k)};
                        int64_t idx;

                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        k = key_of(hot ? 0 : x % nkeys);
                        idx = stkt_lookup(t, &key, now);
                        if (idx < 0) {
                                misses++;
                                continue;
                        }
                        (void)stkt_add(t, (uint32_t)idx, STKT_DT_GPC0, 1);
                        (void)stkt_rate_update(t, (uint32_t)idx, STKT_DT_HTTP_REQ_RATE, 1, now);
                }
                ops += 1024;
        }
        atomic_store(&sh->ops[id], ops);
        atomic_fetch_add(&sh->misses, misses);
}

static double run(struct stkt *t, struct bench_shared *sh, int procs, uint64_t nkeys, bool hot,
                  unsigned seconds, uint64_t *ret_misses)
{
        pid_t pids[MAX_PROCS];
        uint64_t start, deadline, total = 0;
        int status;

        memset(sh, 0, sizeof(*sh));
        start = sl_clock_ms();
        deadline = start + 100 + (uint64_t)seconds * 1000;
        for (int i = 0; i < procs; i++) {
                pids[i] = fork();
                if (pids[i] < 0) {
                        perror("fork");
                        exit(1);
                }
                if (pids[i] == 0) {
                        worker(t, sh, i, nkeys, hot, deadline);
                        _exit(0);
                }
        }
        /* start together, 100 ms after the forks */
        while (sl_clock_ms() < start + 100)
                usleep(1000);
        atomic_store(&sh->go, 1);
        for (int i = 0; i < procs; i++)
                (void)waitpid(pids[i], &status, 0);
        for (int i = 0; i < procs; i++)
                total += atomic_load(&sh->ops[i]);
        *ret_misses = atomic_load(&sh->misses);
        return (double)total / seconds;
}

static volatile size_t latency_sink;

/* Nanoseconds per dependent load at random 64-byte lines of @bytes of memory. */
static double load_latency_ns(size_t bytes)
{
        size_t n = bytes / 64, p = 0, steps = 10000000;
        uint64_t *a = aligned_alloc(64, n * 64), x = 88172645463325252ull, t0, t1;
        size_t *perm = malloc(n * sizeof(*perm));

        if (!a || !perm) {
                free(a);
                free(perm);
                return 0;
        }
        for (size_t i = 0; i < n; i++)
                perm[i] = i;
        for (size_t i = n - 1; i > 0; i--) {
                size_t j, tmp;

                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                j = x % (i + 1);
                tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
        }
        for (size_t i = 0; i < n; i++)
                a[perm[i] * 8] = perm[(i + 1) % n] * 8;
        t0 = sl_clock_us();
        for (size_t i = 0; i < steps; i++)
                p = a[p];
        t1 = sl_clock_us();
        /* the chain's end is stored, so the loop is not optimized away */
        latency_sink = p;
        free(a);
        free(perm);
        return (double)(t1 - t0) * 1000.0 / (double)steps;
}

static int bench_table(uint64_t nkeys, struct bench_shared *sh, unsigned seconds)
{
        struct stkt_def def = {
                .size = (uint32_t)(nkeys + nkeys / 4),
                .key_type = STKT_KEY_INTEGER,
                .store = STKT_F(STKT_DT_GPC0) | STKT_F(STKT_DT_HTTP_REQ_RATE) |
                         STKT_F(STKT_DT_CONN_CUR),
                .expire_ms = 600000,
        };
        struct shm_region *r;
        struct stkt *t;
        uint64_t now = sl_clock_ms(), misses;
        int err;

        def.period[STKT_DT_HTTP_REQ_RATE] = 10000;
        err = stkt_create(&def, 1, &r, &t);
        if (err < 0) {
                fprintf(stderr, "stkt_create: %s\n", strerror(-err));
                return err;
        }
        for (uint64_t i = 0; i < nkeys; i++) {
                uint64_t k = key_of(i);
                struct stkt_key key = {&k, sizeof(k)};
                uint32_t idx;

                err = stkt_get_or_insert(t, &key, now, &idx);
                if (err < 0) {
                        fprintf(stderr, "insert %" PRIu64 ": %s\n", i, strerror(-err));
                        goto out;
                }
        }
        for (int procs = 1; procs <= MAX_PROCS; procs++) {
                double rate = run(t, sh, procs, nkeys, false, seconds, &misses);

                printf("%-10" PRIu64 " %-8u %-10s %14.0f %14.0f %8" PRIu64 "\n", nkeys,
                       stkt_capacity(t), procs == 1 ? "1 proc" : "2 procs", rate, rate / procs,
                       misses);
        }
        if (nkeys > 1000) {
                size_t bytes = shm_region_payload_size(r);
                double ns = load_latency_ns(bytes);

                if (ns > 0)
                        printf("one random dependent load over %zu MiB takes %.0f ns: at most "
                               "%.1f M operations per second per process\n",
                               bytes >> 20, ns, 1000.0 / ns);
        }
        if (nkeys == 1000) {
                double rate = run(t, sh, 2, nkeys, true, seconds, &misses);

                printf("%-10s %-8u %-10s %14.0f %14.0f %8" PRIu64 "\n", "1 (hot)", stkt_capacity(t),
                       "2 procs", rate, rate / 2, misses);
        }
        err = 0;
out:
        stkt_free(t);
        shm_region_free(r);
        return err;
}

int main(int argc, char **argv)
{
        unsigned seconds = argc > 1 ? (unsigned)atoi(argv[1]) : 1;
        struct bench_shared *sh;

        if (seconds == 0)
                seconds = 1;
        sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (sh == MAP_FAILED) {
                perror("mmap");
                return 1;
        }
        printf("lookup + gpc0 add + http_req_rate update per op, %u s per run\n", seconds);
        printf("%-10s %-8s %-10s %14s %14s %8s\n", "keys", "slots", "procs", "ops/s total",
               "ops/s/proc", "misses");
        if (bench_table(1000, sh, seconds) < 0 || bench_table(1000000, sh, seconds) < 0)
                return 1;
        munmap(sh, sizeof(*sh));
        return 0;
}
