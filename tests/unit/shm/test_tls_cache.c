#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "region.h"
#include "tls_cache.h"
#include "unit.h"

#define LONG_MS 3600000u

static void *mem;
static size_t mem_size;
static struct tls_cache *cache;

static void cache_new(unsigned entries)
{
        mem_size = tls_cache_size(entries);
        ck_assert_uint_gt(mem_size, 0);
        mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        ck_assert_ptr_ne(mem, MAP_FAILED);
        ck_assert_int_eq(tls_cache_init(mem, mem_size, entries, &cache), 0);
}

static void teardown(void)
{
        if (mem)
                munmap(mem, mem_size);
        mem = NULL;
        cache = NULL;
}

/* A key of 8 bytes made of @n. */
static const uint8_t *key_of(uint64_t n, uint8_t *buf)
{
        memcpy(buf, &n, 8);
        return buf;
}

static int put_n(uint64_t n, const void *data, size_t dlen, uint64_t now)
{
        uint8_t k[8];

        return tls_cache_put(cache, key_of(n, k), 8, data, dlen, now, LONG_MS);
}

static ssize_t get_n(uint64_t n, void *out, size_t cap, uint64_t now)
{
        uint8_t k[8];

        return tls_cache_get(cache, key_of(n, k), 8, out, cap, now);
}

static struct tls_cache_stats stats(void)
{
        struct tls_cache_stats st;

        tls_cache_stats(cache, &st);
        return st;
}

START_TEST(test_size_init_attach)
{
        struct shm_region *r = NULL;
        struct tls_cache *c = NULL;
        uint8_t stack[512] __attribute__((aligned(64)));

        ck_assert_uint_eq(tls_cache_size(0), 0);
        ck_assert_uint_eq(tls_cache_size(TLS_CACHE_ENTRIES_MAX + 1), 0);
        ck_assert_uint_eq(tls_cache_size(4), tls_cache_size(1));
        ck_assert_uint_eq(tls_cache_size(8) - tls_cache_size(4), 4 * TLS_CACHE_ENTRY_BYTES);
        /* the default tune.ssl.cachesize: 20000 entries, 2 KiB each */
        ck_assert_uint_lt(tls_cache_size(20000), 20000u * 2048 + 4096);

        ck_assert_int_eq(tls_cache_init(stack, sizeof(stack), 1, &c), -EINVAL);
        ck_assert_int_eq(shm_region_create("tls-cache", 1, tls_cache_size(10), &r), 0);
        ck_assert_int_eq(tls_cache_attach(shm_region_payload(r), shm_region_payload_size(r), &c),
                         -EPROTO);
        ck_assert_int_eq(tls_cache_init((char *)shm_region_payload(r) + 8,
                                        shm_region_payload_size(r) - 8, 10, &c),
                         -EINVAL);
        ck_assert_int_eq(tls_cache_init(shm_region_payload(r), shm_region_payload_size(r), 0, &c),
                         -EINVAL);
        ck_assert_int_eq(tls_cache_init(shm_region_payload(r), shm_region_payload_size(r), 10, &c),
                         0);
        ck_assert_uint_eq(tls_cache_entries(c), 12);
        ck_assert_int_eq(
                tls_cache_put(c, (const uint8_t *)"id", 2, (const uint8_t *)"sess", 4, 10, 1000),
                0);
        c = NULL;
        ck_assert_int_eq(tls_cache_attach(shm_region_payload(r), tls_cache_size(10) - 1, &c),
                         -EPROTO);
        ck_assert_int_eq(tls_cache_attach(shm_region_payload(r), shm_region_payload_size(r), &c),
                         0);
        {
                uint8_t out[8];

                ck_assert_int_eq(tls_cache_get(c, (const uint8_t *)"id", 2, out, sizeof(out), 11),
                                 4);
                ck_assert_mem_eq(out, "sess", 4);
        }
        r = shm_region_free(r);
}
END_TEST

START_TEST(test_put_get_remove)
{
        uint8_t out[TLS_CACHE_DATA_MAX];
        struct tls_cache_stats st;

        cache_new(100);
        ck_assert_int_eq(put_n(1, "session-one", 11, 10), 0);
        ck_assert_int_eq(put_n(2, "two", 3, 10), 0);
        ck_assert_int_eq(get_n(1, out, sizeof(out), 11), 11);
        ck_assert_mem_eq(out, "session-one", 11);
        ck_assert_int_eq(get_n(2, out, sizeof(out), 11), 3);
        ck_assert_mem_eq(out, "two", 3);
        ck_assert_int_eq(get_n(3, out, sizeof(out), 11), -ENOENT);
        /* an empty session is a session */
        ck_assert_int_eq(put_n(4, "", 0, 10), 0);
        ck_assert_int_eq(get_n(4, out, sizeof(out), 11), 0);

        {
                uint8_t k[8];

                tls_cache_remove(cache, key_of(1, k), 8, 12);
                tls_cache_remove(cache, key_of(99, k), 8, 12);
        }
        ck_assert_int_eq(get_n(1, out, sizeof(out), 13), -ENOENT);
        ck_assert_int_eq(get_n(2, out, sizeof(out), 13), 3);
        ck_assert_int_eq(put_n(1, "again", 5, 14), 0);
        ck_assert_int_eq(get_n(1, out, sizeof(out), 15), 5);
        ck_assert_mem_eq(out, "again", 5);

        st = stats();
        ck_assert_uint_eq(st.stores, 4);
        ck_assert_uint_eq(st.removes, 1);
        ck_assert_uint_eq(st.lookups, 7);
        ck_assert_uint_eq(st.hits, 5);
        ck_assert_uint_eq(st.misses, 2);
        ck_assert_uint_eq(st.evictions, 0);
}
END_TEST

START_TEST(test_expiry)
{
        uint8_t k[8], out[16];

        cache_new(4); /* one bucket */
        ck_assert_int_eq(
                tls_cache_put(cache, key_of(7, k), 8, (const uint8_t *)"abc", 3, 1000, 500), 0);
        ck_assert_int_eq(tls_cache_get(cache, k, 8, out, sizeof(out), 1000), 3);
        ck_assert_int_eq(tls_cache_get(cache, k, 8, out, sizeof(out), 1499), 3);
        ck_assert_int_eq(tls_cache_get(cache, k, 8, out, sizeof(out), 1500), -ENOENT);
        /* an expired entry is reused without counting an eviction */
        for (uint64_t n = 100; n < 104; n++)
                ck_assert_int_eq(put_n(n, "x", 1, 2000), 0);
        ck_assert_int_eq(get_n(7, out, sizeof(out), 2000), -ENOENT);
        ck_assert_uint_eq(stats().evictions, 0);
}
END_TEST

START_TEST(test_overwrite)
{
        uint8_t big[1500], out[TLS_CACHE_DATA_MAX];

        memset(big, 0xab, sizeof(big));
        cache_new(4);
        ck_assert_int_eq(put_n(5, big, sizeof(big), 10), 0);
        ck_assert_int_eq(put_n(5, "short", 5, 11), 0);
        ck_assert_int_eq(get_n(5, out, sizeof(out), 12), 5);
        ck_assert_mem_eq(out, "short", 5);
        /* one entry held the key: three more keys fit without evicting */
        for (uint64_t n = 6; n < 9; n++)
                ck_assert_int_eq(put_n(n, "o", 1, 13), 0);
        ck_assert_uint_eq(stats().evictions, 0);
        {
                uint8_t k[8];

                tls_cache_remove(cache, key_of(5, k), 8, 14);
        }
        ck_assert_int_eq(get_n(5, out, sizeof(out), 15), -ENOENT);
}
END_TEST

START_TEST(test_full_cache_evicts_least_recently_stored)
{
        uint8_t out[16];
        struct tls_cache_stats st;

        /* one bucket */
        cache_new(4);
        for (uint64_t n = 1; n <= 4; n++)
                ck_assert_int_eq(put_n(n, &n, sizeof(n), 100 + n), 0);
        ck_assert_int_eq(put_n(1, "renew", 5, 200), 0); /* key 1 is now the newest */
        ck_assert_int_eq(put_n(5, "five", 4, 201), 0);
        ck_assert_int_eq(get_n(2, out, sizeof(out), 202), -ENOENT);
        ck_assert_int_eq(get_n(1, out, sizeof(out), 202), 5);
        for (uint64_t n = 3; n <= 5; n++)
                ck_assert_int_gt(get_n(n, out, sizeof(out), 202), 0);
        ck_assert_uint_eq(stats().evictions, 1);
        teardown();

        /* a spray of new sessions evicts and keeps working */
        cache_new(64);
        for (uint64_t n = 0; n < 20000; n++)
                ck_assert_int_eq(put_n(1000 + n, &n, sizeof(n), 1000 + n), 0);
        /* the four most recent are in their buckets' four most recent */
        for (uint64_t n = 19996; n < 20000; n++) {
                uint64_t v = 0;

                ck_assert_int_eq(get_n(1000 + n, &v, sizeof(v), 30000), 8);
                ck_assert_uint_eq(v, n);
        }
        st = stats();
        ck_assert_uint_eq(st.stores, 20000);
        ck_assert_uint_eq(st.evictions, 20000 - 64);
        ck_assert_uint_eq(st.busy, 0);
}
END_TEST

START_TEST(test_too_large)
{
        static uint8_t data[TLS_CACHE_DATA_MAX + 1], out[TLS_CACHE_DATA_MAX];

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t)(i * 7);
        cache_new(8);
        ck_assert_int_eq(put_n(1, data, TLS_CACHE_DATA_MAX, 10), 0);
        ck_assert_int_eq(get_n(1, out, sizeof(out), 11), TLS_CACHE_DATA_MAX);
        ck_assert_mem_eq(out, data, TLS_CACHE_DATA_MAX);
        ck_assert_int_eq(get_n(1, out, TLS_CACHE_DATA_MAX - 1, 11), -ENOBUFS);
        ck_assert_int_eq(put_n(2, data, TLS_CACHE_DATA_MAX + 1, 10), -EMSGSIZE);
        ck_assert_int_eq(get_n(2, out, sizeof(out), 11), -ENOENT);
        /* a too large session replacing a stored one leaves the old one: the glue stores
         * only new sessions, whose IDs are new */
        ck_assert_int_eq(put_n(1, data, TLS_CACHE_DATA_MAX + 1, 12), -EMSGSIZE);
        ck_assert_uint_eq(stats().too_large, 2);
        ck_assert_uint_eq(stats().stores, 1);
}
END_TEST

START_TEST(test_key_length_bounds)
{
        uint8_t key[TLS_CACHE_KEY_MAX + 1], out[8];

        memset(key, 'k', sizeof(key));
        /* 1024 buckets for 32 keys: no bucket overflows but with a negligible chance, and the
         * evictions counter would say so */
        cache_new(4096);
        ck_assert_int_eq(tls_cache_put(cache, key, 0, key, 1, 1, 1000), -EINVAL);
        ck_assert_int_eq(tls_cache_put(cache, key, TLS_CACHE_KEY_MAX + 1, key, 1, 1, 1000),
                         -EINVAL);
        ck_assert_int_eq(tls_cache_get(cache, key, 0, out, 8, 1), -EINVAL);
        ck_assert_int_eq(tls_cache_get(cache, key, TLS_CACHE_KEY_MAX + 1, out, 8, 1), -EINVAL);
        tls_cache_remove(cache, key, TLS_CACHE_KEY_MAX + 1, 1);

        /* every length 1 .. 32 is its own key, zero bytes included */
        memset(key, 0, sizeof(key));
        for (uint8_t len = 1; len <= TLS_CACHE_KEY_MAX; len++)
                ck_assert_int_eq(tls_cache_put(cache, key, len, &len, 1, 1, 1000), 0);
        ck_assert_uint_eq(stats().evictions, 0);
        for (uint8_t len = 1; len <= TLS_CACHE_KEY_MAX; len++) {
                ck_assert_int_eq(tls_cache_get(cache, key, len, out, 8, 2), 1);
                ck_assert_uint_eq(out[0], len);
        }
        ck_assert_uint_eq(stats().lookups, 32);
        ck_assert_uint_eq(stats().evictions, 0);
}
END_TEST

/* Records that say what they are: key, writer, sequence and length, then bytes derived from
 * them. A get that returns anything else is torn or misfiled. */
#define HAMMER_KEYS 24

static size_t record_make(uint8_t *buf, uint8_t key, uint8_t writer, uint32_t seq)
{
        uint32_t x = seq * 2654435761u ^ key ^ (uint32_t)writer << 8;
        size_t len = 8 + x % (TLS_CACHE_DATA_MAX - 8);

        buf[0] = key;
        buf[1] = writer;
        memcpy(buf + 2, &seq, 4);
        buf[6] = (uint8_t)(len & 0xff);
        buf[7] = (uint8_t)(len >> 8);
        for (size_t i = 8; i < len; i++) {
                x = x * 1103515245u + 12345u;
                buf[i] = (uint8_t)(x >> 16);
        }
        return len;
}

static bool record_ok(const uint8_t *got, ssize_t n, uint8_t key)
{
        static uint8_t want[TLS_CACHE_DATA_MAX];
        uint32_t seq;

        if (n < 8 || got[0] != key)
                return false;
        memcpy(&seq, got + 2, 4);
        return (size_t)n == record_make(want, key, got[1], seq) && !memcmp(got, want, (size_t)n);
}

/* Puts, gets and removes on random keys until @until_ms, at the clock plus @skew_ms. */
static _Noreturn void hammer(uint8_t writer, uint64_t until_ms, uint64_t skew_ms)
{
        static uint8_t buf[TLS_CACHE_DATA_MAX], out[TLS_CACHE_DATA_MAX];
        uint32_t x = writer * 7919u + 1;
        uint64_t now;

        for (uint32_t seq = 0; (now = sl_clock_ms() + skew_ms) < until_ms; seq++) {
                uint8_t key[3] = {'k', 0, 0};
                ssize_t n;

                x = x * 1103515245u + 12345u;
                key[1] = (uint8_t)((x >> 16) % HAMMER_KEYS);
                if (x & 0x100) {
                        size_t len = record_make(buf, key[1], writer, seq);

                        (void)tls_cache_put(cache, key, 3, buf, len, now, 60000);
                } else if ((x & 0xf000) == 0) {
                        tls_cache_remove(cache, key, 3, now);
                } else {
                        n = tls_cache_get(cache, key, 3, out, sizeof(out), now);
                        if (n != -ENOENT && !record_ok(out, n, key[1])) {
                                fprintf(stderr, "writer %u key %u: bad get %zd\n", writer, key[1],
                                        n);
                                _exit(1);
                        }
                }
        }
        _exit(0);
}

START_TEST(test_two_processes_never_see_torn_data)
{
        uint64_t until = sl_clock_ms() + 1500;
        struct tls_cache_stats st;
        pid_t pids[2];

        /* 24 keys over 8 entries (2 buckets): constant overwrites and evictions */
        cache_new(8);
        for (int i = 0; i < 2; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0)
                        hammer((uint8_t)i, until, 0);
        }
        for (int i = 0; i < 2; i++) {
                int status;

                ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
                ck_assert(WIFEXITED(status));
                ck_assert_int_eq(WEXITSTATUS(status), 0);
        }
        st = stats();
        ck_assert_uint_gt(st.stores, 1000);
        ck_assert_uint_gt(st.hits, 1000);
        ck_assert_uint_gt(st.evictions, 0);
        ck_assert_uint_eq(st.lookups, st.hits + st.misses);
}
END_TEST

static int hook_fd = -1;

static void hook_report_and_wait(void)
{
        (void)!write(hook_fd, "c", 1);
        for (;;)
                pause();
}

static void hook_stop(void)
{
        raise(SIGSTOP);
}

/* Fork a child that puts key @n (data "dead") into the cache at @now and is stopped by
 * @hook between claim and release; returns its pid once it is there. */
static pid_t writer_stuck_in_put(uint64_t n, uint64_t now, void (*hook)(void))
{
        int fds[2], status;
        pid_t pid;
        char c;

        ck_assert_int_eq(pipe(fds), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                hook_fd = fds[1];
                tls_cache_hook_claimed = hook;
                _exit(-put_n(n, "dead", 4, now));
        }
        close(fds[1]);
        if (hook == hook_stop) {
                ck_assert_int_eq(waitpid(pid, &status, WUNTRACED), pid);
                ck_assert(WIFSTOPPED(status));
        } else {
                ck_assert_int_eq(read(fds[0], &c, 1), 1);
        }
        close(fds[0]);
        return pid;
}

START_TEST(test_writer_killed_in_put)
{
        const uint64_t t0 = 10000;
        uint8_t out[16];
        pid_t pid;
        int status;

        cache_new(4); /* one bucket: the dead claim is in every key's way */
        ck_assert_int_eq(put_n(50, "old", 3, t0 - 10), 0);
        pid = writer_stuck_in_put(50, t0, hook_report_and_wait);
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFSIGNALED(status));

        /* the claimed entry is passed over: the key is absent, three others live */
        ck_assert_int_eq(get_n(50, out, sizeof(out), t0 + 1), -ENOENT);
        for (uint64_t n = 1; n <= 4; n++)
                ck_assert_int_eq(put_n(n, &n, 8, t0 + n), 0);
        ck_assert_int_eq(get_n(1, out, sizeof(out), t0 + 5), -ENOENT); /* evicted by 4 */
        for (uint64_t n = 2; n <= 4; n++)
                ck_assert_int_eq(get_n(n, out, sizeof(out), t0 + 5), 8);
        ck_assert_uint_eq(stats().takeovers, 0);
        ck_assert_uint_eq(stats().evictions, 1);

        /* past the bound, the next put takes the entry over and all four work again */
        ck_assert_int_eq(put_n(60, "sixty", 5, t0 + TLS_CACHE_CLAIM_STALE_MS - 1), 0);
        ck_assert_uint_eq(stats().takeovers, 0);
        ck_assert_int_eq(put_n(50, "fifty", 5, t0 + TLS_CACHE_CLAIM_STALE_MS), 0);
        ck_assert_uint_eq(stats().takeovers, 1);
        ck_assert_int_eq(get_n(50, out, sizeof(out), t0 + TLS_CACHE_CLAIM_STALE_MS), 5);
        ck_assert_mem_eq(out, "fifty", 5);
        for (uint64_t n = 70; n < 74; n++)
                ck_assert_int_eq(put_n(n, &n, 8, t0 + 2000 + n), 0);
        for (uint64_t n = 70; n < 74; n++)
                ck_assert_int_eq(get_n(n, out, sizeof(out), t0 + 3000), 8);
        ck_assert_uint_eq(stats().busy, 0);
}
END_TEST

/* A writer stalled past the bound, taken over, then resumed: it stores its record but fails
 * to release; every get returns a whole record of one put or nothing. */
START_TEST(test_stalled_writer_comes_back)
{
        const uint64_t t0 = 10000, t1 = t0 + TLS_CACHE_CLAIM_STALE_MS;
        uint8_t out[16];
        ssize_t n;
        pid_t pid;
        int status;

        cache_new(4);
        for (uint64_t k = 1; k <= 3; k++)
                ck_assert_int_eq(put_n(k, "live", 4, t0 - 100), 0);
        pid = writer_stuck_in_put(50, t0, hook_stop);
        ck_assert_int_eq(put_n(60, "taker", 5, t1), 0);
        ck_assert_uint_eq(stats().takeovers, 1);
        ck_assert_int_eq(kill(pid, SIGCONT), 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert(WIFEXITED(status));
        ck_assert_int_eq(WEXITSTATUS(status), EBUSY);

        n = get_n(60, out, sizeof(out), t1 + 1);
        ck_assert(n == -ENOENT || (n == 5 && !memcmp(out, "taker", 5)));
        n = get_n(50, out, sizeof(out), t1 + 1);
        ck_assert(n == -ENOENT || (n == 4 && !memcmp(out, "dead", 4)));
        for (uint64_t k = 1; k <= 3; k++)
                ck_assert_int_eq(get_n(k, out, sizeof(out), t1 + 1), 4);
        /* and the entry is usable */
        ck_assert_int_eq(put_n(61, "next", 4, t1 + 2), 0);
        ck_assert_int_eq(get_n(61, out, sizeof(out), t1 + 3), 4);
}
END_TEST

/* Every entry of the bucket claimed by a live writer: a put gives up at once, counted. */
START_TEST(test_all_entries_busy_drops)
{
        const uint64_t t0 = 10000;
        uint8_t out[16];
        pid_t pids[4];

        cache_new(4);
        for (int i = 0; i < 4; i++)
                pids[i] = writer_stuck_in_put(10 + (uint64_t)i, t0, hook_report_and_wait);
        ck_assert_int_eq(put_n(20, "late", 4, t0 + 1), -EBUSY);
        ck_assert_int_eq(get_n(20, out, sizeof(out), t0 + 1), -ENOENT);
        ck_assert_int_eq(get_n(10, out, sizeof(out), t0 + 1), -ENOENT);
        ck_assert_uint_eq(stats().busy, 1);
        for (int i = 0; i < 4; i++) {
                int status;

                ck_assert_int_eq(kill(pids[i], SIGKILL), 0);
                ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        }
        ck_assert_int_eq(put_n(20, "late", 4, t0 + TLS_CACHE_CLAIM_STALE_MS), 0);
        ck_assert_int_eq(get_n(20, out, sizeof(out), t0 + TLS_CACHE_CLAIM_STALE_MS), 4);
        ck_assert_uint_eq(stats().takeovers, 1);
}
END_TEST

/* Writers killed at random points, many times over: what is left never reads torn, and once
 * the claims are stale every key can be stored and found again. */
START_TEST(test_writers_killed_anywhere)
{
        static uint8_t out[TLS_CACHE_DATA_MAX];
        uint32_t rng = 4242;
        uint64_t late, skew = 0, busy;

        cache_new(8);
        for (int round = 0; round < 20; round++) {
                pid_t pids[2];

                /* each round a claim bound later: the claims of the writers killed in the
                 * previous one are taken over, not in everyone's way */
                skew += TLS_CACHE_CLAIM_STALE_MS;

                for (int i = 0; i < 2; i++) {
                        pids[i] = fork();
                        ck_assert_int_ge(pids[i], 0);
                        if (pids[i] == 0)
                                hammer((uint8_t)i, UINT64_MAX, skew);
                }
                rng = rng * 1103515245u + 12345u;
                usleep(2000 + (rng >> 8) % 5000);
                for (int i = 0; i < 2; i++) {
                        int status;

                        ck_assert_int_eq(kill(pids[i], SIGKILL), 0);
                        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
                        /* a child that saw torn data exits 1 before the kill */
                        ck_assert(WIFSIGNALED(status));
                }
                for (uint8_t k = 0; k < HAMMER_KEYS; k++) {
                        uint8_t key[3] = {'k', k, 0};
                        ssize_t n = tls_cache_get(cache, key, 3, out, sizeof(out),
                                                  sl_clock_ms() + skew);

                        ck_assert(n == -ENOENT || record_ok(out, n, k));
                }
        }
        late = sl_clock_ms() + skew + TLS_CACHE_CLAIM_STALE_MS;
        busy = stats().busy;
        for (uint8_t k = 0; k < HAMMER_KEYS; k++) {
                static uint8_t rec[TLS_CACHE_DATA_MAX];
                uint8_t key[3] = {'k', k, 0};
                size_t len = record_make(rec, k, 9, k);

                ck_assert_int_eq(tls_cache_put(cache, key, 3, rec, len, late, 60000), 0);
                ck_assert_int_eq(tls_cache_get(cache, key, 3, out, sizeof(out), late), len);
                ck_assert(record_ok(out, (ssize_t)len, k));
        }
        ck_assert_uint_eq(stats().busy, busy);
        ck_assert_uint_gt(stats().takeovers, 0);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("shm/tls_cache");
        TCase *tb = tcase_create("basics");
        TCase *tp = tcase_create("processes");

        tcase_add_checked_fixture(tb, NULL, teardown);
        tcase_add_checked_fixture(tp, NULL, teardown);
        tcase_add_test(tb, test_size_init_attach);
        tcase_add_test(tb, test_put_get_remove);
        tcase_add_test(tb, test_expiry);
        tcase_add_test(tb, test_overwrite);
        tcase_add_test(tb, test_full_cache_evicts_least_recently_stored);
        tcase_add_test(tb, test_too_large);
        tcase_add_test(tb, test_key_length_bounds);
        tcase_add_test(tp, test_two_processes_never_see_torn_data);
        tcase_add_test(tp, test_writer_killed_in_put);
        tcase_add_test(tp, test_stalled_writer_comes_back);
        tcase_add_test(tp, test_all_entries_busy_drops);
        tcase_add_test(tp, test_writers_killed_anywhere);
        suite_add_tcase(s, tb);
        suite_add_tcase(s, tp);
        return unit_run(s);
}
