/* Reading a TLS ClientHello (see tls_hello.h). Every length is checked against what is
 * left of its enclosing structure before it is used. */
#include "tls_hello.h"

#define TLS_RECORD_HANDSHAKE 22
#define TLS_HS_CLIENT_HELLO  1
#define TLS_EXT_SERVER_NAME  0
#define TLS_EXT_ALPN         16

static unsigned be16(const uint8_t *p)
{
        return (unsigned)p[0] << 8 | p[1];
}

static unsigned be24(const uint8_t *p)
{
        return (unsigned)p[0] << 16 | (unsigned)p[1] << 8 | p[2];
}

enum tls_hello_status tls_hello_type(const uint8_t *p, size_t len, unsigned *ret_type)
{
        if (len == 0)
                return TLS_HELLO_SHORT;
        if (!((p[0] >= 20 && p[0] <= 23) || p[0] == 0xff))
                return TLS_HELLO_NOT;
        if (len < 9)
                return TLS_HELLO_SHORT;
        if (p[1] < 3)
                return TLS_HELLO_NOT; /* SSLv3 or later only */
        if (be16(p + 3) < 4)
                return TLS_HELLO_NOT; /* no room for a handshake header */
        if (len < 9 + (size_t)be24(p + 6))
                return TLS_HELLO_SHORT;
        *ret_type = p[5];
        return TLS_HELLO_OK;
}

enum tls_hello_status tls_hello_version(const uint8_t *p, size_t len, size_t limit,
                                        unsigned *ret_version)
{
        size_t left = len, msg_len, head;
        unsigned version;

        if (len == 0)
                return TLS_HELLO_SHORT;
        if ((p[0] >= 20 && p[0] <= 23) || p[0] == 0xff) {
                /* SSLv3 and later: a record header, then the ClientHello's version */
                if (len < 11)
                        return TLS_HELLO_SHORT;
                if (((unsigned)p[1] << 16 | p[2]) < 0x30000u)
                        return TLS_HELLO_NOT;
                msg_len = be16(p + 3);
                if (msg_len < 6 || msg_len > (1u << 14) + 2048)
                        return TLS_HELLO_NOT;
                version = (unsigned)p[9] << 16 | p[10];
                left -= 5;
        } else {
                /* an SSLv2 CLIENT-HELLO: a 2- or 3-byte header, then message type 1 */
                size_t rlen, plen, cilen, silen, chlen;

                if (p[0] & 0x80) {
                        if (len < 3)
                                return TLS_HELLO_SHORT;
                        rlen = (size_t)(p[0] & 0x7f) << 8 | p[1];
                        plen = 0;
                        head = 2;
                } else {
                        if (len < 4)
                                return TLS_HELLO_SHORT;
                        rlen = (size_t)(p[0] & 0x3f) << 8 | p[1];
                        plen = p[2];
                        head = 3;
                }
                if (p[head] != 0x01)
                        return TLS_HELLO_NOT;
                if (len < head + 1 + 8)
                        return TLS_HELLO_SHORT;
                p += head + 1;
                version = (unsigned)p[0] << 16 | p[1];
                cilen = be16(p + 2);
                silen = be16(p + 4);
                chlen = be16(p + 6);
                if (cilen % 3 || (silen && silen != 16) || chlen < 16 || chlen > 32 ||
                    rlen != 9 + cilen + silen + chlen)
                        return TLS_HELLO_NOT;
                msg_len = cilen + silen + chlen + plen;
                left -= head + 1 + 8;
        }
        /* all of the message that a buffer can hold */
        if (msg_len > limit)
                msg_len = limit;
        if (left < msg_len)
                return TLS_HELLO_SHORT;
        *ret_version = version;
        return TLS_HELLO_OK;
}

/* A cursor over a bounded structure. */
struct rd {
        const uint8_t *p;
        size_t left;
};

static bool take(struct rd *r, size_t n, const uint8_t **ret)
{
        if (r->left < n)
                return false;
        if (ret)
                *ret = r->p;
        r->p += n;
        r->left -= n;
        return true;
}

/* A sub-structure of @r prefixed by a length of @width bytes (1 or 2). */
static bool vec(struct rd *r, unsigned width, struct rd *ret)
{
        const uint8_t *l;
        size_t n;

        if (!take(r, width, &l))
                return false;
        n = width == 1 ? l[0] : be16(l);
        ret->p = r->p;
        ret->left = n;
        return take(r, n, NULL);
}

static bool read_extensions(struct rd ext, struct tls_hello *h)
{
        while (ext.left) {
                const uint8_t *t;
                struct rd body;

                if (!take(&ext, 2, &t) || !vec(&ext, 2, &body))
                        return false;
                if (be16(t) == TLS_EXT_SERVER_NAME && !h->sni.ptr) {
                        struct rd list, name;
                        const uint8_t *type;

                        if (!vec(&body, 2, &list))
                                return false;
                        while (list.left && !h->sni.ptr) {
                                if (!take(&list, 1, &type) || !vec(&list, 2, &name))
                                        return false;
                                if (type[0] == 0 && name.left)
                                        h->sni = sl_str_make((const char *)name.p, name.left);
                        }
                } else if (be16(t) == TLS_EXT_ALPN && !h->alpn.ptr) {
                        struct rd list;

                        if (!vec(&body, 2, &list) || list.left == 0)
                                return false;
                        h->alpn = sl_str_make((const char *)list.p, list.left);
                }
        }
        return true;
}

enum tls_hello_status tls_hello_parse(const uint8_t *p, size_t len, struct tls_hello *ret)
{
        struct rd r, hello, skip;
        const uint8_t *v;
        size_t rec_len, hs_len;

        *ret = (struct tls_hello){0};
        if (len == 0)
                return TLS_HELLO_SHORT;
        if (p[0] != TLS_RECORD_HANDSHAKE)
                return TLS_HELLO_NOT;
        if (len < 3)
                return TLS_HELLO_SHORT;
        if (p[1] < 3)
                return TLS_HELLO_NOT;
        if (len < 9)
                return TLS_HELLO_SHORT;
        rec_len = be16(p + 3);
        if (p[5] != TLS_HS_CLIENT_HELLO)
                return TLS_HELLO_NOT;
        hs_len = be24(p + 6);
        /* the whole ClientHello, in this first record */
        if (hs_len + 4 > rec_len)
                return TLS_HELLO_NOT;
        if (len < 9 + hs_len)
                return TLS_HELLO_SHORT;
        hello = (struct rd){p + 9, hs_len};
        if (!take(&hello, 2, &v) || v[0] < 3 || (v[0] == 3 && v[1] < 1))
                return TLS_HELLO_NOT; /* TLS 1.0 at least */
        ret->version = be16(v);
        if (!take(&hello, 32, NULL) || !vec(&hello, 1, &skip) || skip.left > 32 ||
            !vec(&hello, 2, &skip) || skip.left < 2 || !vec(&hello, 1, &skip) || skip.left < 1)
                return TLS_HELLO_NOT; /* random, session id, cipher suites, compression */
        if (hello.left == 0)
                return TLS_HELLO_OK; /* no extensions */
        r = hello;
        if (!vec(&r, 2, &skip) || !read_extensions(skip, ret)) {
                *ret = (struct tls_hello){0};
                return TLS_HELLO_NOT;
        }
        return TLS_HELLO_OK;
}

bool tls_hello_alpn_at(struct sl_str list, unsigned i, struct sl_str *ret)
{
        struct rd r = {(const uint8_t *)list.ptr, list.len}, name;

        for (unsigned k = 0; r.left; k++) {
                if (!vec(&r, 1, &name) || name.left == 0)
                        return false;
                if (k == i) {
                        *ret = sl_str_make((const char *)name.p, name.left);
                        return true;
                }
        }
        return false;
}
