/* The RDP cookie of a Remote Desktop connection request (see rdp.h). */
#include "rdp.h"

#include <stdbool.h>
#include <strings.h>

/* The TPKT header (4 bytes) and the X.224 Connection Request's fixed part (7 bytes). */
#define RDP_COOKIE_AT 11

enum rdp_status rdp_cookie(const uint8_t *p, size_t len, struct sl_str name,
                           struct sl_str *ret_value)
{
        const uint8_t *v;
        size_t left;

        if (len <= RDP_COOKIE_AT + 7)
                return RDP_SHORT;
        p += RDP_COOKIE_AT;
        left = len - RDP_COOKIE_AT;
        if (strncasecmp((const char *)p, "Cookie:", 7) != 0)
                return RDP_NOT;
        p += 7;
        left -= 7;
        while (left > 0 && *p == ' ') {
                p++;
                left--;
        }
        if (name.len) {
                if (left <= name.len)
                        return RDP_SHORT;
                if (p[name.len] != '=' || strncasecmp(name.ptr, (const char *)p, name.len) != 0)
                        return RDP_NOT;
                p += name.len + 1;
                left -= name.len + 1;
        } else {
                while (left > 0 && *p != '=') {
                        if (*p == '\r' || *p == '\n')
                                return RDP_NOT;
                        p++;
                        left--;
                }
                if (left < 1)
                        return RDP_SHORT;
                p++;
                left--;
        }
        v = p;
        while (left > 0 && *p != '\r') {
                p++;
                left--;
        }
        if (left < 2)
                return RDP_SHORT;
        if (p[1] != '\n')
                return RDP_NOT;
        *ret_value = sl_str_make((const char *)v, (size_t)(p - v));
        return RDP_OK;
}

/* A decimal number of at most @max at the start of @s, which must be followed by '.'. */
static bool number_dot(struct sl_str *s, uint64_t max, uint64_t *ret)
{
        uint64_t n = 0;
        size_t i = 0;

        while (i < s->len && s->ptr[i] >= '0' && s->ptr[i] <= '9') {
                n = n * 10 + (uint64_t)(s->ptr[i++] - '0');
                if (n > max)
                        return false;
        }
        if (i == 0 || i == s->len || s->ptr[i] != '.')
                return false;
        *s = sl_str_make(s->ptr + i + 1, s->len - i - 1);
        *ret = n;
        return true;
}

bool rdp_cookie_server(struct sl_str value, uint8_t ret_addr[4], uint16_t *ret_port)
{
        uint64_t a, port;

        if (!number_dot(&value, UINT32_MAX, &a) || !number_dot(&value, UINT16_MAX, &port))
                return false;
        for (unsigned i = 0; i < 4; i++)
                ret_addr[i] = (uint8_t)(a >> (8 * i));
        /* the port's two bytes in network order, read little-endian */
        *ret_port = (uint16_t)((port & 0xff) << 8 | port >> 8);
        return true;
}
