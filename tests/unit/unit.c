/* unit_run(): the one place that decides how Check suites report. TAP goes to stdout for
 * meson's TAP parser; Check's own console output is silenced (CK_VERBOSITY may override). */
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int unit_run(Suite *s)
{
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_set_tap(sr, "-");
        srunner_run_all(sr, CK_ENV);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

struct guard guard_new(const void *s, size_t n)
{
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t data_pages = (n + page - 1) / page;
        struct guard g;

        if (data_pages == 0)
                data_pages = 1;
        g.map_len = (data_pages + 1) * page;
        g.map = mmap(NULL, g.map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ck_assert_ptr_ne(g.map, MAP_FAILED);
        ck_assert_int_eq(mprotect(g.map + data_pages * page, page, PROT_NONE), 0);
        if (n)
                memcpy(g.map + data_pages * page - n, s, n);
        g.p = g.map + data_pages * page - n;
        return g;
}

void guard_free(struct guard *g)
{
        munmap(g->map, g->map_len);
}
