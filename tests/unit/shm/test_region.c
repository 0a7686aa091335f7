#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "region.h"
#include "unit.h"

START_TEST(test_create_zeroed_and_stamped)
{
        struct shm_region *r = NULL;
        const unsigned char *p;

        ck_assert_int_eq(shm_region_create("stats", 42, 10000, &r), 0);
        ck_assert_uint_ge(shm_region_payload_size(r), 10000);
        ck_assert_uint_eq(r->size % (size_t)sysconf(_SC_PAGESIZE), 0);
        ck_assert_str_eq(r->hdr->kind, "stats");
        ck_assert_uint_eq(r->hdr->definition, 42);
        p = shm_region_payload(r);
        for (size_t i = 0; i < shm_region_payload_size(r); i++)
                ck_assert_uint_eq(p[i], 0);
        r = shm_region_free(r);
        ck_assert_ptr_null(r);
}
END_TEST

START_TEST(test_writes_cross_fork)
{
        struct shm_region *r = NULL;
        _Atomic uint64_t *counter;
        pid_t pids[2];
        int status;

        ck_assert_int_eq(shm_region_create("counter", 1, sizeof(*counter), &r), 0);
        counter = shm_region_payload(r);
        for (int i = 0; i < 2; i++) {
                pids[i] = fork();
                ck_assert_int_ge(pids[i], 0);
                if (pids[i] == 0) {
                        for (int j = 0; j < 100000; j++)
                                atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
                        _exit(0);
                }
        }
        for (int i = 0; i < 2; i++) {
                ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
                ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        ck_assert_uint_eq(atomic_load(counter), 200000);
        shm_region_free(r);
}
END_TEST

START_TEST(test_reopen_by_fd_checks_header)
{
        struct shm_region *r = NULL, *again = NULL;
        int fd;

        ck_assert_int_eq(shm_region_create("stick-table", 7, 4096, &r), 0);
        memcpy(shm_region_payload(r), "persist", 8);

        fd = dup(r->fd);
        ck_assert_int_eq(shm_region_open(fd, "stick-table", 8, &again), -EPROTO);
        ck_assert_int_eq(shm_region_open(fd, "stats", 7, &again), -EPROTO);
        ck_assert_ptr_null(again);
        /* fd is still ours after a refusal */
        ck_assert_int_ne(fcntl(fd, F_GETFD), -1);
        ck_assert_int_eq(shm_region_open(fd, "stick-table", 7, &again), 0);
        ck_assert_str_eq(shm_region_payload(again), "persist");
        shm_region_free(again);
        shm_region_free(r);
}
END_TEST

START_TEST(test_sealed_against_resize)
{
        struct shm_region *r = NULL;

        ck_assert_int_eq(shm_region_create("sealed", 0, 1, &r), 0);
        ck_assert_int_eq(ftruncate(r->fd, 0), -1);
        ck_assert_int_eq(errno, EPERM);
        shm_region_free(r);
}
END_TEST

START_TEST(test_foreign_fd_refused)
{
        struct shm_region *r = NULL;
        int fd = memfd_create("junk", MFD_CLOEXEC);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, 8192), 0);
        ck_assert_int_eq(shm_region_open(fd, "stats", 0, &r), -EPROTO);
        ck_assert_int_eq(ftruncate(fd, 16), 0);
        ck_assert_int_eq(shm_region_open(fd, "stats", 0, &r), -EPROTO);
        close(fd);
        ck_assert_int_eq(shm_region_create("a-kind-name-that-is-far-too-long-for-it", 0, 1, &r),
                         -ENAMETOOLONG);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("shm/region");
        TCase *tc = tcase_create("region");

        tcase_add_test(tc, test_create_zeroed_and_stamped);
        tcase_add_test(tc, test_writes_cross_fork);
        tcase_add_test(tc, test_reopen_by_fd_checks_header);
        tcase_add_test(tc, test_sealed_against_resize);
        tcase_add_test(tc, test_foreign_fd_refused);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
