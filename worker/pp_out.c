/* The PROXY header written first on a connection (see pp_out.h). */
#include "pp_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "conn.h"
#include "model.h"
#include "proxy_hdr.h"

size_t pp_out_local_header(uint32_t pp, uint8_t *out, size_t cap)
{
        struct sockaddr_storage none = {.ss_family = AF_UNSPEC};
        struct pp_v2_builder b;

        if (!(pp & CFG_PP_V2))
                return cap >= PP_V1_MAX ? pp_v1_build(out, &none, &none) : 0;
        pp_v2_begin(&b, out, cap, true, &none, &none);
        return pp_v2_end(&b, (pp & CFG_PP_V2_CRC32C) != 0);
}

struct pp_out *pp_out_new(const uint8_t *hdr, size_t len)
{
        struct pp_out *o = malloc(sizeof(*o) + len);

        if (!o)
                return NULL;
        memcpy(o + 1, hdr, len);
        *o = (struct pp_out){.p = (const uint8_t *)(o + 1), .len = (uint16_t)len};
        return o;
}

int pp_out_step(struct conn *c, void *data)
{
        struct pp_out *o = data;

        while (o->off < o->len) {
                struct iovec iov = {(void *)(o->p + o->off), (size_t)(o->len - o->off)};
                ssize_t n = conn_sendv(c, &iov, 1, false);

                if (n == -EAGAIN) {
                        conn_want(c, CONN_WANT_WR);
                        return -EAGAIN;
                }
                if (n < 0)
                        return (int)n;
                o->off = (uint16_t)(o->off + n);
        }
        return 0;
}
