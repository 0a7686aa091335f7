#pragma once
/* The PROXY protocol (HAProxy's doc/proxy-protocol.txt), versions 1 and 2: the header a
 * load balancer in front writes on a connection before any byte of the proxied protocol, to
 * say who the client was. Sans-I/O: the parser reads the bytes given and hands back the
 * addresses and views into the bytes for the TLVs; the builders write into a caller's
 * buffer. Nothing here allocates, logs or keeps state between calls.
 *
 * Version 1 is one text line: "PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n" or
 * "PROXY UNKNOWN[ anything]\r\n", 107 bytes at most. Version 2 is binary: a 12-byte
 * signature, a version/command byte, a family/protocol byte, a 16-bit length, then the
 * addresses and type-length-value fields (TLVs). The parser accepts exactly what the
 * specification allows and rejects any deviation (a port with a leading zero, an address
 * that inet_pton would not take back as written, a TLV running past the header, a bad
 * CRC32C when one is present).
 *
 * v2 details: the command is LOCAL or PROXY; the family/protocol byte one of the seven the
 * specification lists (0x00, TCP and UDP over IPv4 and IPv6, Unix stream and datagram), for
 * either command (HAProxy 2.6 takes any under LOCAL); the length covers at least that family's
 * address block, and the TLVs start right after it and tile the rest exactly. At most one CRC32C
 * TLV, of 4 bytes; a unique id of PP2_UNIQUE_ID_MAX bytes at most. The SSL TLV's inside is not
 * checked (as in HAProxy): pp_ssl_sub() reads it with bounds. v1 details: "UNKNOWN" may be followed
 * by a space and anything up to the CRLF but a NUL, a lone CR or a lone LF (the specification;
 * HAProxy 2.6 takes only "PROXY UNKNOWN\r\n"). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "str.h"

#define PP_V1_MAX     107u /* the longest v1 line, its CRLF included */
#define PP_V2_FIXED   16u  /* signature, version/command, family, length */
#define PP_V2_SIG_LEN 12u
/* The longest v2 header accepted: the fixed part and 65535 bytes are possible on the wire,
 * but what sits between a client and its first byte of data must be bounded. HAProxy reads
 * the header into one buffer (tune.bufsize); TLVs real senders write (ALPN, authority,
 * unique id, SSL with a certificate's CN, netns, CRC32C) fit well in 2 kB. */
#define PP_HDR_MAX    2048u

extern const uint8_t pp_v2_sig[PP_V2_SIG_LEN];

/* v2 TLV types (doc/proxy-protocol.txt section 2.2) */
enum {
        PP2_TYPE_ALPN = 0x01,
        PP2_TYPE_AUTHORITY = 0x02,
        PP2_TYPE_CRC32C = 0x03,
        PP2_TYPE_NOOP = 0x04,
        PP2_TYPE_UNIQUE_ID = 0x05,
        PP2_TYPE_SSL = 0x20,
        PP2_SUBTYPE_SSL_VERSION = 0x21,
        PP2_SUBTYPE_SSL_CN = 0x22,
        PP2_SUBTYPE_SSL_CIPHER = 0x23,
        PP2_SUBTYPE_SSL_SIG_ALG = 0x24,
        PP2_SUBTYPE_SSL_KEY_ALG = 0x25,
        PP2_TYPE_NETNS = 0x30,
};

/* The SSL TLV's client bits */
enum {
        PP2_CLIENT_SSL = 0x01,
        PP2_CLIENT_CERT_CONN = 0x02,
        PP2_CLIENT_CERT_SESS = 0x04,
};

/* The longest unique id a v2 header may carry (the specification's limit). */
#define PP2_UNIQUE_ID_MAX 128u

/* What a header says. */
struct pp_info {
        unsigned version; /* 1 or 2 */
        /* The addresses do not apply: a v2 LOCAL command (a health check of the balancer in
         * front), a v1 "UNKNOWN", or a v2 family sluice does not take over (AF_UNSPEC,
         * AF_UNIX, and UDP, of which HAProxy takes no address either): the connection keeps
         * its own addresses. */
        bool local;
        struct sockaddr_storage src, dst; /* AF_INET or AF_INET6 with ports, when !local */
        size_t hdr_len;                   /* bytes of the header, its TLVs included */
        /* the TLV area of a v2 header (a view into the parsed bytes; empty for v1) */
        const uint8_t *tlv;
        size_t tlv_len;
};

/* Parse the header at the start of the @len bytes at @p. Returns the header's length (> 0)
 * with *@ret filled; 0 when the bytes are a valid beginning but too short to tell (read more,
 * up to PP_HDR_MAX); -EPROTO when they are not a PROXY header or not a valid one (no header
 * at all, a malformed one, one longer than PP_HDR_MAX). Never reads beyond @len. 0 means
 * that some bytes could still complete a valid header: a byte that no valid header has at
 * its place (a v2 length over PP_HDR_MAX, a TLV running past the header) is -EPROTO as soon
 * as it is read, so a client that does not speak the protocol is refused at once; only the
 * CRC32C waits for the whole header. The bytes after the header are not looked at. *@ret is
 * written only on success. */
int pp_parse(const uint8_t *p, size_t len, struct pp_info *ret);

/* The length of the header at @p so far: how many bytes to read to have all of it, once
 * pp_parse() said 0: PP_V2_FIXED + the length field for v2 (known after 16 bytes), or 0
 * when not known yet (v1: read until its CRLF, PP_V1_MAX at most). */
size_t pp_want(const uint8_t *p, size_t len);

/* Iterate over the TLVs of @info: *@pos starts at 0. Returns true with the next TLV's type and
 * value (a view into the parsed bytes), false at the end. pp_parse() has checked that they
 * are well formed. */
bool pp_tlv_next(const struct pp_info *info, size_t *pos, uint8_t *ret_type,
                 struct sl_str *ret_val);

/* The value of the first TLV of type @type: true when there is one. */
bool pp_tlv_find(const struct pp_info *info, uint8_t type, struct sl_str *ret_val);

/* An SSL TLV's value is the client bits (PP2_CLIENT_*, 1 byte), the verify result (4 bytes,
 * network order; 0: the client's certificate verified), then sub-TLVs. */

/* The client bits and the verify result of @ssl. False when the value is too short. */
bool pp_ssl_head(struct sl_str ssl, uint8_t *ret_client, uint32_t *ret_verify);

/* The value of the first sub-TLV of type @sub (PP2_SUBTYPE_SSL_*) in @ssl. False when the
 * value is too short, has no such sub-TLV, or one before it runs past the value. */
bool pp_ssl_sub(struct sl_str ssl, uint8_t sub, struct sl_str *ret_val);

/* ---- building ---- */

/* Write a v1 header for @src -> @dst into @out (PP_V1_MAX bytes of room, no NUL written):
 * "TCP4" for two IPv4 addresses, "TCP6" for two IPv6 ones or an IPv4 and an IPv6 one (the
 * IPv4 one mapped, ::ffff:a.b.c.d), "PROXY UNKNOWN\r\n" when either is not IP or NULL (a
 * Unix socket), as HAProxy does. Returns the length. */
size_t pp_v1_build(uint8_t *out, const struct sockaddr_storage *src,
                   const struct sockaddr_storage *dst);

/* A v2 header under construction: the fixed part and addresses, then TLVs appended.
 *
 * HAProxy 2.6 writes its TLVs in this order, each when it has a value: CRC32C (first, its
 * value filled at the end), ALPN, AUTHORITY, UNIQUE_ID, SSL (sub-TLVs VERSION, CN, KEY_ALG,
 * SIG_ALG, CIPHER), NETNS. To send the same bytes as HAProxy, add them in that order, the
 * CRC32C one as pp_v2_tlv(b, PP2_TYPE_CRC32C, NULL, 4) right after pp_v2_begin():
 *
 *         pp_v2_begin(&b, out, sizeof(out), false, &src, &dst);
 *         pp_v2_tlv(&b, PP2_TYPE_CRC32C, NULL, 4);
 *         pp_v2_tlv(&b, PP2_TYPE_AUTHORITY, sni, strlen(sni));
 *         pp_v2_ssl_begin(&b, PP2_CLIENT_SSL, 0);
 *         pp_v2_tlv(&b, PP2_SUBTYPE_SSL_VERSION, "TLSv1.3", 7);
 *         pp_v2_ssl_end(&b);
 *         n = pp_v2_end(&b, false);
 */
struct pp_v2_builder {
        uint8_t *out; /* borrowed from the caller */
        size_t cap;
        size_t len;       /* bytes written; once @overflow, the bytes it would have taken */
        size_t ssl_start; /* where the open SSL TLV starts, 0 when none is open */
        bool overflow;    /* something did not fit: the result is unusable */
};

/* Start a v2 PROXY header (@local: the LOCAL command, no addresses, as health checks send)
 * for @src -> @dst into @out (@cap bytes). Families as pp_v1_build(): TCP over IPv4 (0x11)
 * or IPv6 (0x21); when either address is not IP or NULL, the LOCAL command with AF_UNSPEC,
 * as HAProxy sends (HAProxy 2.6 refuses a PROXY command of any other family). */
void pp_v2_begin(struct pp_v2_builder *b, uint8_t *out, size_t cap, bool local,
                 const struct sockaddr_storage *src, const struct sockaddr_storage *dst);
/* Append a TLV of @len bytes at @val (@len zeros when @val is NULL). A value longer than
 * 65535 bytes, or a unique id longer than PP2_UNIQUE_ID_MAX (receivers refuse it), sets
 * @overflow. */
void pp_v2_tlv(struct pp_v2_builder *b, uint8_t type, const void *val, size_t len);
/* Open an SSL TLV with @client bits and @verify (0: the certificate verified); sub-TLVs
 * follow through pp_v2_tlv() until pp_v2_ssl_end(). Opening one while one is open, or
 * closing none, sets @overflow. */
void pp_v2_ssl_begin(struct pp_v2_builder *b, uint8_t client, uint32_t verify);
void pp_v2_ssl_end(struct pp_v2_builder *b);
/* Finish: close an SSL TLV left open, write the length, and fill the CRC32C TLV over the
 * whole header: the first one added with pp_v2_tlv() (whatever @crc32c says), else one
 * appended now when @crc32c. Returns the header's length, or 0 when it did not fit in @cap
 * or @overflow was set (the bytes in @out are then unusable). */
size_t pp_v2_end(struct pp_v2_builder *b, bool crc32c);

/* CRC32C (Castagnoli) of @len bytes, as the v2 CRC32C TLV uses it. */
uint32_t pp_crc32c(const uint8_t *p, size_t len);
