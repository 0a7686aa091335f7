#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h2_mem.h"
#include "unit.h"
#include "wctx.h"

static bool all_bytes(const void *buf, size_t n, int byte)
{
        const unsigned char *b = buf;

        for (size_t i = 0; i < n; i++)
                if (b[i] != (unsigned char)byte)
                        return false;
        return true;
}

/* Blocks of every size up to past the largest class: aligned, writable whole, given back
 * and taken again from the spares of their class (the same block), zeroed by calloc. */
START_TEST(test_sizes_and_reuse)
{
        struct worker w = {0};
        nghttp2_mem *m = h2_mem(&w);

#ifdef SL_NO_POOLS
        ck_assert_ptr_null(m); /* nghttp2's own allocator: the sanitizers see every block */
        return;
#endif
        ck_assert_ptr_nonnull(m);
        ck_assert_ptr_eq(h2_mem(&w), m); /* one per worker */
        for (size_t n = 0; n <= 5000; n += n < 64 ? 1 : 37) {
                unsigned char *p = m->malloc(n, m->mem_user_data), *q;

                ck_assert_ptr_nonnull(p);
                ck_assert_uint_eq((uintptr_t)p % 16, 0);
                memset(p, 0x5a, n);
                m->free(p, m->mem_user_data);
                q = m->calloc(1, n, m->mem_user_data);
                ck_assert_ptr_nonnull(q);
                if (n && n <= 4096)
                        ck_assert_ptr_eq(q, p); /* the spare of its class */
                ck_assert(all_bytes(q, n, 0));
                m->free(q, m->mem_user_data);
        }
        m->free(NULL, m->mem_user_data);
        ck_assert_ptr_null(m->calloc(SIZE_MAX / 2, 4, m->mem_user_data));
        h2_mem_free(&w);
        ck_assert_ptr_null(w.h2mem);
}
END_TEST

/* realloc keeps the bytes, within a class (the same block) and across classes, and for
 * blocks above the largest class */
START_TEST(test_realloc_keeps_bytes)
{
        struct worker w = {0};
        nghttp2_mem *m = h2_mem(&w);
        unsigned char *p, *q;

        if (!m)
                return;
        p = m->realloc(NULL, 20, m->mem_user_data);
        ck_assert_ptr_nonnull(p);
        memset(p, 1, 20);
        q = m->realloc(p, 30, m->mem_user_data); /* still the 32-byte class */
        ck_assert_ptr_eq(q, p);
        memset(q + 20, 2, 10);
        p = m->realloc(q, 3000, m->mem_user_data);
        ck_assert(all_bytes(p, 20, 1) && all_bytes(p + 20, 10, 2));
        memset(p + 30, 3, 2970);
        q = m->realloc(p, 100000, m->mem_user_data);
        ck_assert(all_bytes(q, 20, 1) && all_bytes(q + 30, 2970, 3));
        memset(q + 3000, 4, 97000);
        p = m->realloc(q, 200000, m->mem_user_data);
        ck_assert(all_bytes(p + 3000, 97000, 4));
        m->free(p, m->mem_user_data);
        h2_mem_free(&w);
}
END_TEST

/* The spares of a class are bounded: many blocks given back, and the memory kept stays
 * under the class's budget (the rest went back to malloc) */
START_TEST(test_spares_bounded)
{
        struct worker w = {0};
        nghttp2_mem *m = h2_mem(&w);
        enum {
                N = 5000
        };
        void **v;

        if (!m)
                return;
        v = calloc(N, sizeof(*v));
        ck_assert_ptr_nonnull(v);
        for (size_t i = 0; i < N; i++)
                ck_assert_ptr_nonnull(v[i] = m->malloc(4000, m->mem_user_data));
        for (size_t i = 0; i < N; i++)
                m->free(v[i], m->mem_user_data);
        free(v);
        /* 64 spares of 4096 bytes kept, the other 4,936 blocks freed */
        ck_assert_uint_eq(h2_mem_spare_bytes(&w), 256u << 10);
        h2_mem_free(&w);
        ck_assert_uint_eq(h2_mem_spare_bytes(&w), 0);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("worker/h2_mem");
        TCase *tc = tcase_create("h2_mem");

        tcase_add_test(tc, test_sizes_and_reuse);
        tcase_add_test(tc, test_realloc_keeps_bytes);
        tcase_add_test(tc, test_spares_bounded);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
