/* Offset bookkeeping for struct buf; used by every folder that moves bytes. */
#include "buf.h"

#include <string.h>

#include "macros.h"

void buf_attach(struct buf *b, char *area, size_t size)
{
        SL_BUG_ON(b->area != NULL);
        *b = (struct buf){.area = area, .size = size};
}

char *buf_detach(struct buf *b)
{
        char *area = b->area;

        SL_BUG_ON(b->data != 0);
        *b = BUF_NULL;
        return area;
}

void buf_compact(struct buf *b)
{
        if (b->head == 0)
                return;
        if (b->data)
                memmove(b->area, b->area + b->head, b->data);
        b->head = 0;
}

void buf_commit(struct buf *b, size_t n)
{
        SL_BUG_ON(n > buf_tail_room(b));
        b->data += n;
}

void buf_consume(struct buf *b, size_t n)
{
        SL_BUG_ON(n > b->data);
        b->data -= n;
        b->head = b->data ? b->head + n : 0;
}

size_t buf_append(struct buf *b, const void *src, size_t len)
{
        if (len > buf_tail_room(b) && b->head)
                buf_compact(b);
        if (len > buf_tail_room(b))
                len = buf_tail_room(b);
        if (len) {
                memcpy(buf_tail(b), src, len);
                b->data += len;
        }
        return len;
}
