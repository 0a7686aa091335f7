/* Stream scratch buffers (see scratch.h). */
#include "scratch.h"

#include <stdint.h>
#include <string.h>

#include "pool.h"
#include "stream-t.h"
#include "wctx.h"

char *scratch_copy(struct stream *st, const char *src, size_t len)
{
        struct pool *bufs = &st->w->bufs;
        char *p;

        if (!st->scratch) {
                st->scratch = pool_get(bufs);
                if (!st->scratch)
                        return NULL;
                st->scratch_used = 0;
        }
        if (len > bufs->size - st->scratch_used)
                return NULL;
        p = st->scratch + st->scratch_used;
        if (len)
                memcpy(p, src, len);
        st->scratch_used += len;
        return p;
}

char *scratch_alloc(struct stream *st, size_t len)
{
        char *p = scratch_copy(st, "", 0);

        if (!p)
                return NULL;
        /* aligned for any object */
        st->scratch_used += (size_t)(-(uintptr_t)p & 7u);
        p = scratch_copy(st, "", 0);
        if (!p || len > st->w->bufs.size - st->scratch_used)
                return NULL;
        st->scratch_used += len;
        memset(p, 0, len);
        return p;
}
