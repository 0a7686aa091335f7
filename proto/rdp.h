#pragma once
/* The RDP cookie a Remote Desktop client sends first (rdp.c): in the X.224 Connection
 * Request that follows the 4-byte TPKT header, "Cookie: <name>=<value>\r\n". HAProxy reads it
 * for req.rdp_cookie, balance rdp-cookie and persist rdp-cookie, and so does sluice, byte for
 * byte as HAProxy 2.6 does. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

enum rdp_status {
        RDP_OK = 0, /* a cookie, final */
        RDP_SHORT,  /* more bytes could tell */
        RDP_NOT,    /* no such cookie, final */
};

/* The value of the cookie named @name (any case), or of the first cookie whatever its name
 * when @name is empty, in the @len bytes at @p; *@ret_value points into them. */
enum rdp_status rdp_cookie(const uint8_t *p, size_t len, struct sl_str name,
                           struct sl_str *ret_value);

/* A "msts" cookie value, "<address>.<port>.<reserved>": the server's IPv4 address as the
 * decimal of its 4 bytes in network order read as a little-endian integer, and its port
 * as the decimal of its 2 bytes likewise (Microsoft's encoding, which HAProxy compares as
 * sin_addr.s_addr and htons(port) on a little-endian host). */
bool rdp_cookie_server(struct sl_str value, uint8_t ret_addr[4], uint16_t *ret_port);
