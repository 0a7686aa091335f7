/* Fuzz target for proto/tls_hello and proto/rdp, the readers of a client's first bytes in
 * content inspection: whatever those bytes are, every string handed back must lie inside
 * the input, and no prefix of the input may give an answer the whole input contradicts. */
#include <stdint.h>
#include <stdlib.h>

#include "rdp.h"
#include "tls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond)
{
        if (!cond)
                abort();
}

static void inside(struct sl_str s, const uint8_t *data, size_t size)
{
        if (s.ptr)
                check((const uint8_t *)s.ptr >= data &&
                      (const uint8_t *)s.ptr + s.len <= data + size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tls_hello h, part;
        struct sl_str name;
        unsigned type, ptype;
        enum tls_hello_status r = tls_hello_parse(data, size, &h);

        if (r == TLS_HELLO_OK) {
                inside(h.sni, data, size);
                inside(h.alpn, data, size);
                for (unsigned i = 0; tls_hello_alpn_at(h.alpn, i, &name); i++)
                        inside(name, data, size);
        }
        /* an answer from a prefix is final: the whole input gives the same */
        if (size && tls_hello_parse(data, size / 2, &part) == TLS_HELLO_OK) {
                check(r == TLS_HELLO_OK && part.version == h.version);
                check(part.sni.len == h.sni.len && part.sni.ptr == h.sni.ptr);
        }
        if (tls_hello_type(data, size, &type) == TLS_HELLO_OK && size &&
            tls_hello_type(data, size / 2, &ptype) == TLS_HELLO_OK)
                check(type == ptype);
        /* the RDP cookie, any and named: inside, and final once found */
        {
                struct sl_str v, pv, any = {0}, named = {"mstshash", 8};
                uint8_t addr[4];
                uint16_t port;

                for (int k = 0; k < 2; k++) {
                        struct sl_str want = k ? named : any;
                        enum rdp_status rr = rdp_cookie(data, size, want, &v);

                        if (rr == RDP_OK) {
                                inside(v, data, size);
                                (void)rdp_cookie_server(v, addr, &port);
                        }
                        if (size && rdp_cookie(data, size / 2, want, &pv) == RDP_OK)
                                check(rr == RDP_OK && pv.ptr == v.ptr && pv.len == v.len);
                }
        }
        /* the version too: a prefix that answers answers as the whole */
        if (size && tls_hello_version(data, size / 2, 16384, &ptype) == TLS_HELLO_OK)
                check(tls_hello_version(data, size, 16384, &type) == TLS_HELLO_OK && type == ptype);
        return 0;
}
