/* The PROXY protocol, versions 1 and 2 (see proxy_hdr.h): the parser of the header a balancer
 * in front sends before the client's bytes, and the builders of the header sluice sends to a
 * server configured with send-proxy or send-proxy-v2. The worker's accept path feeds the
 * parser what it has read so far; its connect path writes what the builders produce.
 *
 * The parser reads the bytes given once, front to back, and checks each as it comes: a byte
 * that no valid header could have at its place is an error at once, so a client that does not
 * speak the protocol is refused on its first bytes rather than waited for. Hence the address
 * checkers below work on prefixes: they say whether what was read so far can still become an
 * address, and inet_pton() has the last word on a complete one. */
#include "proxy_hdr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "macros.h"

const uint8_t pp_v2_sig[PP_V2_SIG_LEN] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                          0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

#define PP2_VERSION    0x20
#define PP2_CMD_LOCAL  0x00
#define PP2_CMD_PROXY  0x01
#define PP2_FAM_TCP4   0x11
#define PP2_FAM_TCP6   0x21
#define PP2_ADDR_INET  12u  /* 2 * 4 + 2 * 2 */
#define PP2_ADDR_INET6 36u  /* 2 * 16 + 2 * 2 */
#define PP2_ADDR_UNIX  216u /* 2 * 108 */
#define PP2_TLV_HEAD   3u
#define PP2_CRC32C_LEN 4u
#define PP2_SSL_HEAD   5u /* client (1), verify (4) */

/* ---- CRC32C ---- */

/* CRC32C, reflected polynomial 0x82f63b78 (RFC 4960 appendix B), one entry per byte value */
static const uint32_t crc32c_table[256] = {
        0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c, 0x26a1e7e8,
        0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b, 0x4d43cfd0, 0xbf284cd3,
        0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b, 0xd7c45070,
        0x25afd373, 0x36ff2087, 0xc494a384, 0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54,
        0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29,
        0x33ed7d2a, 0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
        0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa, 0x30e349b1,
        0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
        0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a, 0x7da08661, 0x8fcb0562, 0x9c9bf696,
        0x6ef07595, 0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0,
        0x67dafa54, 0x95b17957, 0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c,
        0xfe53516f, 0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
        0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f, 0x3ac7f2eb,
        0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7, 0x61c69362, 0x93ad1061,
        0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789, 0xeb1fcbad,
        0x197448ae, 0x0a24bb5a, 0xf84f3859, 0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
        0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5,
        0xa55230e6, 0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
        0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c, 0x456cac67,
        0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043,
        0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c, 0x92a8fc17, 0x60c37f14, 0x73938ce0,
        0x81f80fe3, 0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db,
        0xf94ad42f, 0x0b21572c, 0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6,
        0x502036a5, 0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
        0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975, 0x0e330a81,
        0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d, 0x758fe5d6, 0x87e466d5,
        0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2, 0xff56bd19,
        0x0d3d3e1a, 0x1e6dcdee, 0xec064eed, 0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530,
        0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc,
        0x5a048dff, 0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
        0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540, 0x590ab964,
        0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
        0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee, 0x24aa3f05, 0xd6c1bc06, 0xc5914ff2,
        0x37faccf1, 0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9,
        0x4f48173d, 0xbd23943e, 0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a,
        0xc69f7b69, 0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
        0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

/* @crc is the running value, ~0 before the first byte; the result is complemented once at
 * the end (pp_crc32c) */
static uint32_t crc32c_update(uint32_t crc, const uint8_t *p, size_t len)
{
        while (len--)
                crc = (crc >> 8) ^ crc32c_table[(crc ^ *p++) & 0xff];
        return crc;
}

uint32_t pp_crc32c(const uint8_t *p, size_t len)
{
        return ~crc32c_update(~0u, p, len);
}

static uint16_t get_be16(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

/* ---- version 1 ---- */

/* Outcome of a step over the line: go on, wait for more bytes, or refuse. */
enum v1_step {
        V1_OK = 0,
        V1_MORE,
        V1_BAD,
};

/* The dotted quad read so far: each number 0 to 255 without a leading zero (the
 * specification forbids them, and inet_pton() refuses them too). */
struct v4_prefix {
        unsigned dots;
        unsigned digits; /* of the current number */
        unsigned val;
};

static bool v4_feed(struct v4_prefix *s, char c)
{
        if (c >= '0' && c <= '9') {
                if (s->digits > 0 && s->val == 0)
                        return false;
                s->val = s->val * 10 + (unsigned)(c - '0');
                s->digits++;
                return s->val <= 255;
        }
        if (c == '.') {
                if (s->digits == 0 || s->dots == 3)
                        return false;
                s->dots++;
                s->digits = 0;
                s->val = 0;
                return true;
        }
        return false;
}

/* The IPv6 text read so far, in the grammar inet_pton() takes: up to 8 groups of 1 to 4 hex
 * digits, one "::" standing for at least one zero group, and an optional dotted quad in
 * place of the last two groups. Every state reached without an error can still be completed
 * into an address (tests/unit/proto/test_proxy_hdr.c checks it against inet_pton()). */
struct v6_prefix {
        unsigned len;    /* characters read */
        unsigned groups; /* groups completed; a dotted quad counts for 2 */
        unsigned hex;    /* digits of the current group */
        unsigned dec;    /* its value read as a decimal, while it has only decimal digits */
        bool dec_only;
        bool dcolon;     /* "::" seen */
        unsigned colons; /* colons just read in a row */
        bool in_v4;
        struct v4_prefix v4;
};

static bool is_hex(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool v6_feed(struct v6_prefix *s, char c)
{
        bool first = s->len++ == 0;

        if (s->in_v4)
                return v4_feed(&s->v4, c);
        if (is_hex(c)) {
                /* a lone leading ':' must be the first half of "::" */
                if (s->colons == 1 && s->groups == 0 && !s->dcolon)
                        return false;
                if (s->hex == 0) {
                        /* room for this group, and for one group under "::" */
                        if (s->groups + 1 + (s->dcolon ? 1 : 0) > 8)
                                return false;
                        s->dec = 0;
                        s->dec_only = true;
                }
                if (s->hex == 4)
                        return false;
                s->hex++;
                if (c >= '0' && c <= '9') {
                        if (s->dec <= 255)
                                s->dec = s->dec * 10 + (unsigned)(c - '0');
                } else {
                        s->dec_only = false;
                }
                s->colons = 0;
                return true;
        }
        if (c == ':') {
                if (s->colons == 2)
                        return false;
                if (s->colons == 1) {
                        if (s->dcolon)
                                return false;
                        s->dcolon = true;
                        s->colons = 2;
                        return true;
                }
                s->colons = 1;
                if (first)
                        return true;
                s->groups++;
                s->hex = 0;
                /* something follows a single colon: one more group, or "::" and its group */
                return s->groups + 1 + (s->dcolon ? 1 : 0) <= 8;
        }
        if (c == '.') {
                /* the current group was the first number of a dotted quad */
                if (s->hex == 0 || !s->dec_only || s->dec > 255 || (s->hex > 1 && s->dec < 10) ||
                    (s->hex > 2 && s->dec < 100))
                        return false;
                if (s->dcolon ? s->groups + 2 + 1 > 8 : s->groups + 2 != 8)
                        return false;
                s->groups += 2;
                s->in_v4 = true;
                s->v4 = (struct v4_prefix){.dots = 1};
                return true;
        }
        return false;
}

/* The longest address text: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" */
#define V1_ADDR_MAX 45

/* Read the address at *@i, up to the space after it (left for the caller). */
static enum v1_step v1_addr(const uint8_t *p, size_t n, size_t *i, int family, void *ret_addr)
{
        struct v6_prefix v6 = {0};
        struct v4_prefix v4 = {0};
        char text[V1_ADDR_MAX + 1];
        size_t start = *i, k;

        for (k = start; k < n && p[k] != ' '; k++) {
                char c = (char)p[k];

                if (k - start == V1_ADDR_MAX)
                        return V1_BAD;
                if (!(family == AF_INET ? v4_feed(&v4, c) : v6_feed(&v6, c)))
                        return V1_BAD;
        }
        if (k == n)
                return V1_MORE;
        if (k == start)
                return V1_BAD;
        memcpy(text, p + start, k - start);
        text[k - start] = '\0';
        if (inet_pton(family, text, ret_addr) != 1)
                return V1_BAD;
        *i = k;
        return V1_OK;
}

/* Read the port at *@i, up to the byte after it (left for the caller): 0 to 65535, no
 * leading zero. */
static enum v1_step v1_port(const uint8_t *p, size_t n, size_t *i, uint16_t *ret)
{
        unsigned v = 0;
        size_t start = *i, k;

        for (k = start; k < n && p[k] >= '0' && p[k] <= '9'; k++) {
                if (k > start && v == 0)
                        return V1_BAD;
                v = v * 10 + (unsigned)(p[k] - '0');
                if (v > 65535)
                        return V1_BAD;
        }
        if (k == n)
                return V1_MORE;
        if (k == start)
                return V1_BAD;
        *i = k;
        *ret = (uint16_t)v;
        return V1_OK;
}

/* Compare the bytes at *@i with @lit; on a match, move past it. */
static enum v1_step v1_lit(const uint8_t *p, size_t n, size_t *i, const char *lit)
{
        size_t l = strlen(lit), have = SL_MIN(n - *i, l);

        if (memcmp(p + *i, lit, have) != 0)
                return V1_BAD;
        if (have < l)
                return V1_MORE;
        *i += l;
        return V1_OK;
}

/* After "UNKNOWN": the end of the line, or a space and anything but NUL, a lone CR or a lone LF
 * up to it (the specification: the receiver ignores what precedes the CRLF). HAProxy 2.6
 * takes only "PROXY UNKNOWN\r\n" and closes on the longer form. */
static enum v1_step v1_unknown_rest(const uint8_t *p, size_t n, size_t *i)
{
        size_t k = *i;

        if (k == n)
                return V1_MORE;
        if (p[k] == ' ') {
                for (k++; k < n && p[k] != '\r'; k++) {
                        if (p[k] == '\0' || p[k] == '\n')
                                return V1_BAD;
                }
        }
        *i = k;
        return v1_lit(p, n, i, "\r\n");
}

static void sin_set(struct sockaddr_storage *ss, const struct in_addr *a, uint16_t port)
{
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;

        sin->sin_family = AF_INET;
        sin->sin_addr = *a;
        sin->sin_port = htons(port);
}

static void sin6_set(struct sockaddr_storage *ss, const struct in6_addr *a, uint16_t port)
{
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_addr = *a;
        sin6->sin6_port = htons(port);
}

static enum v1_step v1_line(const uint8_t *p, size_t n, struct pp_info *info)
{
        static const char *const protos[] = {"TCP4 ", "TCP6 ", "UNKNOWN"};
        union {
                struct in_addr v4;
                struct in6_addr v6;
        } src, dst;
        uint16_t sport, dport;
        enum v1_step r;
        size_t i = 0;
        unsigned k;
        int family;

        r = v1_lit(p, n, &i, "PROXY ");
        if (r != V1_OK)
                return r;
        for (k = 0; k < SL_ARRAY_SIZE(protos); k++) {
                r = v1_lit(p, n, &i, protos[k]);
                if (r != V1_BAD)
                        break;
        }
        if (r != V1_OK)
                return r;
        if (k == 2) {
                r = v1_unknown_rest(p, n, &i);
                if (r == V1_OK) {
                        info->local = true;
                        info->hdr_len = i;
                }
                return r;
        }

        family = k == 0 ? AF_INET : AF_INET6;
        if ((r = v1_addr(p, n, &i, family, &src)) != V1_OK ||
            (r = v1_lit(p, n, &i, " ")) != V1_OK ||
            (r = v1_addr(p, n, &i, family, &dst)) != V1_OK ||
            (r = v1_lit(p, n, &i, " ")) != V1_OK || (r = v1_port(p, n, &i, &sport)) != V1_OK ||
            (r = v1_lit(p, n, &i, " ")) != V1_OK || (r = v1_port(p, n, &i, &dport)) != V1_OK ||
            (r = v1_lit(p, n, &i, "\r\n")) != V1_OK)
                return r;
        if (family == AF_INET) {
                sin_set(&info->src, &src.v4, sport);
                sin_set(&info->dst, &dst.v4, dport);
        } else {
                sin6_set(&info->src, &src.v6, sport);
                sin6_set(&info->dst, &dst.v6, dport);
        }
        info->hdr_len = i;
        return V1_OK;
}

static int v1_parse(const uint8_t *p, size_t len, struct pp_info *ret)
{
        struct pp_info info = {.version = 1};

        /* the line ends within PP_V1_MAX bytes or is refused */
        switch (v1_line(p, SL_MIN(len, PP_V1_MAX), &info)) {
        case V1_OK:
                *ret = info;
                return (int)info.hdr_len;
        case V1_MORE:
                return len < PP_V1_MAX ? 0 : -EPROTO;
        case V1_BAD:
                break;
        }
        return -EPROTO;
}

/* ---- version 2 ---- */

/* The address block of a family/transport byte, and whether sluice takes its addresses. The
 * specification's seven combinations; any other byte is refused. HAProxy 2.6 takes the
 * addresses of TCP over IPv4 and IPv6 only and means to keep the connection's own for the
 * rest, as the specification's fallback to UNSPEC says; in fact it refuses a PROXY command
 * of those families, its TLV walk starting at offset 0 for them (2.6.12 checked). */
static bool v2_family(uint8_t fam, size_t *ret_addr_len, bool *ret_takes)
{
        *ret_takes = fam == PP2_FAM_TCP4 || fam == PP2_FAM_TCP6;
        switch (fam) {
        case 0x00:
                *ret_addr_len = 0;
                return true;
        case 0x11:
        case 0x12:
                *ret_addr_len = PP2_ADDR_INET;
                return true;
        case 0x21:
        case 0x22:
                *ret_addr_len = PP2_ADDR_INET6;
                return true;
        case 0x31:
        case 0x32:
                *ret_addr_len = PP2_ADDR_UNIX;
                return true;
        }
        return false;
}

/* Check the TLVs from @off to @total, those whose head is among the @len bytes at hand: each
 * within the header, a CRC32C of 4 bytes and only one, a unique id of PP2_UNIQUE_ID_MAX bytes
 * at most. *@ret_crc is the offset of the CRC32C value, 0 when there is none. */
static int v2_tlvs(const uint8_t *p, size_t len, size_t off, size_t total, size_t *ret_crc)
{
        size_t crc = 0;

        while (off < total) {
                size_t vlen;

                if (total - off < PP2_TLV_HEAD)
                        return -EPROTO;
                /* the rest is still to come (the header's length is known: a TLV that would
                 * not fit is refused above and below) */
                if (off > len || len - off < PP2_TLV_HEAD)
                        break;
                vlen = get_be16(p + off + 1);
                if (vlen > total - off - PP2_TLV_HEAD)
                        return -EPROTO;
                switch (p[off]) {
                case PP2_TYPE_CRC32C:
                        if (vlen != PP2_CRC32C_LEN || crc)
                                return -EPROTO;
                        crc = off + PP2_TLV_HEAD;
                        break;
                case PP2_TYPE_UNIQUE_ID:
                        if (vlen > PP2_UNIQUE_ID_MAX)
                                return -EPROTO;
                        break;
                }
                off += PP2_TLV_HEAD + vlen;
        }
        *ret_crc = crc;
        return 0;
}

static int v2_parse(const uint8_t *p, size_t len, struct pp_info *ret)
{
        struct pp_info info = {.version = 2};
        size_t total, addr_len, crc, tlv_off;
        bool takes;
        int r;

        if (memcmp(p, pp_v2_sig, SL_MIN(len, PP_V2_SIG_LEN)) != 0)
                return -EPROTO;
        if (len <= PP_V2_SIG_LEN)
                return 0;
        if ((p[12] & 0xf0) != PP2_VERSION ||
            ((p[12] & 0x0f) != PP2_CMD_LOCAL && (p[12] & 0x0f) != PP2_CMD_PROXY))
                return -EPROTO;
        if (len <= 13)
                return 0;
        if (!v2_family(p[13], &addr_len, &takes))
                return -EPROTO;
        if (len < PP_V2_FIXED)
                return 0;
        total = PP_V2_FIXED + get_be16(p + 14);
        if (total > PP_HDR_MAX || total - PP_V2_FIXED < addr_len)
                return -EPROTO;
        tlv_off = PP_V2_FIXED + addr_len;
        r = v2_tlvs(p, SL_MIN(len, total), tlv_off, total, &crc);
        if (r < 0)
                return r;
        if (len < total)
                return 0;

        if (crc) {
                static const uint8_t zero[PP2_CRC32C_LEN];
                uint32_t c = crc32c_update(~0u, p, crc);

                c = crc32c_update(c, zero, sizeof(zero));
                c = ~crc32c_update(c, p + crc + PP2_CRC32C_LEN, total - crc - PP2_CRC32C_LEN);
                if (c != get_be32(p + crc))
                        return -EPROTO;
        }

        /* a LOCAL command keeps the connection's own addresses, whatever family it gives */
        info.local = (p[12] & 0x0f) == PP2_CMD_LOCAL || !takes;
        if (!info.local && p[13] == PP2_FAM_TCP4) {
                struct in_addr s, d;

                memcpy(&s, p + 16, 4);
                memcpy(&d, p + 20, 4);
                sin_set(&info.src, &s, get_be16(p + 24));
                sin_set(&info.dst, &d, get_be16(p + 26));
        } else if (!info.local) {
                struct in6_addr s, d;

                memcpy(&s, p + 16, 16);
                memcpy(&d, p + 32, 16);
                sin6_set(&info.src, &s, get_be16(p + 48));
                sin6_set(&info.dst, &d, get_be16(p + 50));
        }
        info.hdr_len = total;
        info.tlv = p + tlv_off;
        info.tlv_len = total - tlv_off;
        *ret = info;
        return (int)total;
}

int pp_parse(const uint8_t *p, size_t len, struct pp_info *ret)
{
        if (len == 0)
                return 0;
        if (p[0] == 'P')
                return v1_parse(p, len, ret);
        if (p[0] == pp_v2_sig[0])
                return v2_parse(p, len, ret);
        return -EPROTO;
}

size_t pp_want(const uint8_t *p, size_t len)
{
        if (len < PP_V2_FIXED || memcmp(p, pp_v2_sig, PP_V2_SIG_LEN) != 0)
                return 0;
        return PP_V2_FIXED + get_be16(p + 14);
}

/* ---- TLVs ---- */

/* The TLV at *@pos of the @len bytes at @p; false at the end or at one that does not fit. */
static bool tlv_at(const uint8_t *p, size_t len, size_t *pos, uint8_t *ret_type,
                   struct sl_str *ret_val)
{
        size_t off = *pos, vlen;

        if (off >= len || len - off < PP2_TLV_HEAD)
                return false;
        vlen = get_be16(p + off + 1);
        if (vlen > len - off - PP2_TLV_HEAD)
                return false;
        *ret_type = p[off];
        *ret_val = sl_str_make((const char *)p + off + PP2_TLV_HEAD, vlen);
        *pos = off + PP2_TLV_HEAD + vlen;
        return true;
}

bool pp_tlv_next(const struct pp_info *info, size_t *pos, uint8_t *ret_type, struct sl_str *ret_val)
{
        if (!info->tlv)
                return false;
        return tlv_at(info->tlv, info->tlv_len, pos, ret_type, ret_val);
}

bool pp_tlv_find(const struct pp_info *info, uint8_t type, struct sl_str *ret_val)
{
        struct sl_str v;
        size_t pos = 0;
        uint8_t t;

        while (pp_tlv_next(info, &pos, &t, &v)) {
                if (t == type) {
                        *ret_val = v;
                        return true;
                }
        }
        return false;
}

bool pp_ssl_head(struct sl_str ssl, uint8_t *ret_client, uint32_t *ret_verify)
{
        const uint8_t *p = (const uint8_t *)ssl.ptr;

        if (ssl.len < PP2_SSL_HEAD)
                return false;
        *ret_client = p[0];
        *ret_verify = get_be32(p + 1);
        return true;
}

bool pp_ssl_sub(struct sl_str ssl, uint8_t sub, struct sl_str *ret_val)
{
        const uint8_t *p = (const uint8_t *)ssl.ptr;
        size_t pos = PP2_SSL_HEAD;
        struct sl_str v;
        uint8_t t;

        if (ssl.len < PP2_SSL_HEAD)
                return false;
        while (tlv_at(p, ssl.len, &pos, &t, &v)) {
                if (t == sub) {
                        *ret_val = v;
                        return true;
                }
        }
        return false;
}

/* ---- building ---- */

static bool is_ip(const struct sockaddr_storage *ss)
{
        return ss && (ss->ss_family == AF_INET || ss->ss_family == AF_INET6);
}

/* @ss as an IPv6 address, an IPv4 one mapped (::ffff:a.b.c.d), as HAProxy's v4tov6() */
static void as_v6(const struct sockaddr_storage *ss, struct in6_addr *ret_addr, uint16_t *ret_port)
{
        if (ss->ss_family == AF_INET) {
                const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

                memset(ret_addr, 0, sizeof(*ret_addr));
                ret_addr->s6_addr[10] = 0xff;
                ret_addr->s6_addr[11] = 0xff;
                memcpy(ret_addr->s6_addr + 12, &sin->sin_addr, 4);
                *ret_port = ntohs(sin->sin_port);
        } else {
                const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

                *ret_addr = sin6->sin6_addr;
                *ret_port = ntohs(sin6->sin6_port);
        }
}

size_t pp_v1_build(uint8_t *out, const struct sockaddr_storage *src,
                   const struct sockaddr_storage *dst)
{
        char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], line[PP_V1_MAX + 1];
        uint16_t sport, dport;
        const char *proto;
        int n;

        if (!is_ip(src) || !is_ip(dst)) {
                n = snprintf(line, sizeof(line), "PROXY UNKNOWN\r\n");
        } else {
                if (src->ss_family == AF_INET && dst->ss_family == AF_INET) {
                        const struct sockaddr_in *a = (const struct sockaddr_in *)src;
                        const struct sockaddr_in *b = (const struct sockaddr_in *)dst;

                        proto = "TCP4";
                        (void)inet_ntop(AF_INET, &a->sin_addr, s, sizeof(s));
                        (void)inet_ntop(AF_INET, &b->sin_addr, d, sizeof(d));
                        sport = ntohs(a->sin_port);
                        dport = ntohs(b->sin_port);
                } else {
                        struct in6_addr a, b;

                        proto = "TCP6";
                        as_v6(src, &a, &sport);
                        as_v6(dst, &b, &dport);
                        (void)inet_ntop(AF_INET6, &a, s, sizeof(s));
                        (void)inet_ntop(AF_INET6, &b, d, sizeof(d));
                }
                n = snprintf(line, sizeof(line), "PROXY %s %s %s %u %u\r\n", proto, s, d,
                             (unsigned)sport, (unsigned)dport);
        }
        /* at most 104 bytes: two IPv6 addresses of 39 characters (inet_ntop() writes a
         * dotted quad only in short forms) */
        SL_BUG_ON(n < 0 || (size_t)n > PP_V1_MAX);
        memcpy(out, line, (size_t)n);
        return (size_t)n;
}

/* Append @n bytes (zeros when @p is NULL); past @cap, only count them. */
static void put(struct pp_v2_builder *b, const void *p, size_t n)
{
        if (!b->overflow && b->len <= b->cap && n <= b->cap - b->len) {
                if (p)
                        memcpy(b->out + b->len, p, n);
                else
                        memset(b->out + b->len, 0, n);
        } else {
                b->overflow = true;
        }
        b->len += n;
}

void pp_v2_begin(struct pp_v2_builder *b, uint8_t *out, size_t cap, bool local,
                 const struct sockaddr_storage *src, const struct sockaddr_storage *dst)
{
        uint8_t h[PP_V2_FIXED + PP2_ADDR_INET6];
        size_t addr_len = 0;

        *b = (struct pp_v2_builder){.out = out, .cap = cap};
        memcpy(h, pp_v2_sig, PP_V2_SIG_LEN);
        /* HAProxy sends LOCAL with AF_UNSPEC when an address is not IP: 2.6 refuses a PROXY
         * command of any family but TCP over IPv4 or IPv6 */
        if (local || !is_ip(src) || !is_ip(dst)) {
                h[12] = PP2_VERSION | PP2_CMD_LOCAL;
                h[13] = 0x00;
        } else if (src->ss_family == AF_INET && dst->ss_family == AF_INET) {
                const struct sockaddr_in *s = (const struct sockaddr_in *)src;
                const struct sockaddr_in *d = (const struct sockaddr_in *)dst;

                h[12] = PP2_VERSION | PP2_CMD_PROXY;
                h[13] = PP2_FAM_TCP4;
                memcpy(h + 16, &s->sin_addr, 4);
                memcpy(h + 20, &d->sin_addr, 4);
                put_be16(h + 24, ntohs(s->sin_port));
                put_be16(h + 26, ntohs(d->sin_port));
                addr_len = PP2_ADDR_INET;
        } else {
                struct in6_addr s, d;
                uint16_t sport, dport;

                as_v6(src, &s, &sport);
                as_v6(dst, &d, &dport);
                h[12] = PP2_VERSION | PP2_CMD_PROXY;
                h[13] = PP2_FAM_TCP6;
                memcpy(h + 16, &s, 16);
                memcpy(h + 32, &d, 16);
                put_be16(h + 48, sport);
                put_be16(h + 50, dport);
                addr_len = PP2_ADDR_INET6;
        }
        /* the length is written by pp_v2_end() */
        put_be16(h + 14, 0);
        put(b, h, PP_V2_FIXED + addr_len);
}

void pp_v2_tlv(struct pp_v2_builder *b, uint8_t type, const void *val, size_t len)
{
        uint8_t h[PP2_TLV_HEAD];

        /* receivers refuse a longer unique id: the header would be of no use */
        if (len > UINT16_MAX || (type == PP2_TYPE_UNIQUE_ID && len > PP2_UNIQUE_ID_MAX)) {
                b->overflow = true;
                return;
        }
        h[0] = type;
        put_be16(h + 1, (uint16_t)len);
        put(b, h, sizeof(h));
        put(b, val, len);
}

void pp_v2_ssl_begin(struct pp_v2_builder *b, uint8_t client, uint32_t verify)
{
        uint8_t h[PP2_TLV_HEAD + PP2_SSL_HEAD] = {PP2_TYPE_SSL, 0, 0, client};

        if (b->ssl_start) {
                b->overflow = true;
                return;
        }
        put_be32(h + 4, verify);
        b->ssl_start = b->len;
        put(b, h, sizeof(h));
}

void pp_v2_ssl_end(struct pp_v2_builder *b)
{
        size_t vlen;

        if (!b->ssl_start) {
                b->overflow = true;
                return;
        }
        vlen = b->len - b->ssl_start - PP2_TLV_HEAD;
        if (vlen > UINT16_MAX)
                b->overflow = true;
        if (!b->overflow)
                put_be16(b->out + b->ssl_start + 1, (uint16_t)vlen);
        b->ssl_start = 0;
}

/* The offset of the value of the first CRC32C TLV of what @b wrote, 0 when there is none. */
static size_t crc_find(const struct pp_v2_builder *b)
{
        size_t addr_len = 0, pos;
        struct sl_str v;
        uint8_t t;
        bool takes;

        (void)v2_family(b->out[13], &addr_len, &takes);
        pos = PP_V2_FIXED + addr_len;
        while (tlv_at(b->out, b->len, &pos, &t, &v)) {
                if (t == PP2_TYPE_CRC32C && v.len == PP2_CRC32C_LEN)
                        return (size_t)((const uint8_t *)v.ptr - b->out);
        }
        return 0;
}

size_t pp_v2_end(struct pp_v2_builder *b, bool crc32c)
{
        size_t crc;

        if (b->ssl_start)
                pp_v2_ssl_end(b);
        crc = b->overflow ? 0 : crc_find(b);
        if (crc32c && !crc) {
                crc = b->len + PP2_TLV_HEAD;
                pp_v2_tlv(b, PP2_TYPE_CRC32C, NULL, PP2_CRC32C_LEN);
        }
        if (b->len - PP_V2_FIXED > UINT16_MAX)
                b->overflow = true;
        if (b->overflow)
                return 0;
        put_be16(b->out + 14, (uint16_t)(b->len - PP_V2_FIXED));
        if (crc) {
                memset(b->out + crc, 0, PP2_CRC32C_LEN);
                put_be32(b->out + crc, pp_crc32c(b->out, b->len));
        }
        return b->len;
}
