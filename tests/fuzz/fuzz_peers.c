/* Fuzz target for proto/peers, what a peer (or anyone who can connect to the peers port)
 * sends. The input is 7 bytes that make a table definition (key type, key size, data types,
 * array sizes: the table updates are read for until a DEFINE comes), then a byte stream:
 * a hello and a status line when they parse, then messages framed one by one. Every body is
 * copied to a buffer of its exact size and fed to every decoder (so ASan sees any read past
 * it); what decodes is written again, and must decode to the same thing. Views must point
 * into the input, and a prefix of a framed message must ask for more. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY 4096

static void check(int cond)
{
        if (!cond)
                abort();
}

static void inside(struct sl_str s, const void *base, size_t size)
{
        const char *b = base;

        if (s.ptr)
                check(s.ptr >= b && s.ptr + s.len <= b + size);
}

static bool same_str(struct sl_str a, struct sl_str b)
{
        return !a.ptr == !b.ptr && a.len == b.len && (a.len == 0 || !memcmp(a.ptr, b.ptr, a.len));
}

static void def_same(const struct peers_def *a, const struct peers_def *b)
{
        check(a->table_id == b->table_id && same_str(a->name, b->name));
        check(a->key_type == b->key_type && a->key_size == b->key_size && a->data == b->data);
        check(a->has_expire == b->has_expire && a->expire == b->expire);
        check(!memcmp(a->period, b->period, sizeof(a->period)));
        check(!memcmp(a->nbelem, b->nbelem, sizeof(a->nbelem)));
}

static void upd_same(const struct peers_def *d, const struct peers_upd *a,
                     const struct peers_upd *b)
{
        check(a->has_id == b->has_id && a->id == b->id);
        check(a->has_expire == b->has_expire && a->expire == b->expire);
        check(a->key_int == b->key_int && a->key_len == b->key_len);
        check(a->key_len == 0 || !memcmp(a->key, b->key, a->key_len));
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                const union peers_val *x = &a->v[wt], *y = &b->v[wt];

                if (!(d->data & 1ull << wt) || peers_dt_info[wt].is_array)
                        continue;
                if (peers_dt_info[wt].std == PEERS_STD_FRQP)
                        check(!memcmp(&x->freq, &y->freq, sizeof(x->freq)));
                else if (peers_dt_info[wt].std == PEERS_STD_DICT)
                        check(x->dict.id == y->dict.id && same_str(x->dict.str, y->dict.str));
                else
                        check(x->u == y->u);
        }
        check(!memcmp(a->gpt, b->gpt, sizeof(a->gpt)));
        check(!memcmp(a->gpc, b->gpc, sizeof(a->gpc)));
        check(!memcmp(a->gpc_rate, b->gpc_rate, sizeof(a->gpc_rate)));
}

/* Frame what an encoder wrote: one message, all of it, of class 10 and type @type. */
static const uint8_t *reframe(const uint8_t *o, size_t n, uint8_t type, size_t *ret_len)
{
        struct peers_msg m;
        size_t used;

        check(n > 0);
        check(peers_msg_next(o, n, SIZE_MAX, &m, &used) == 0 && used == n);
        check(m.cls == PEERS_CLASS_STKT && m.type == type);
        *ret_len = m.len;
        return m.body;
}

/* The definition the input's first 7 bytes make. */
static void def_from(const uint8_t h[7], struct peers_def *d)
{
        static const uint8_t kts[] = {PEERS_KT_SINT, PEERS_KT_IPV4, PEERS_KT_IPV6, PEERS_KT_STR,
                                      PEERS_KT_BIN};

        memset(d, 0, sizeof(*d));
        d->name = SL_STR_LIT("t");
        d->key_type = kts[h[0] % sizeof(kts)];
        d->key_size = h[1] % 64;
        d->data = ((uint64_t)h[2] | (uint64_t)h[3] << 8 | (uint64_t)h[4] << 16 |
                   (uint64_t)h[5] << 24) &
                  ((1ull << PEERS_DT_COUNT) - 1);
        d->has_expire = true;
        d->nbelem[PEERS_DT_GPT] = h[6] % (PEERS_ARRAY_MAX + 1);
        d->nbelem[PEERS_DT_GPC] = h[6] % 5;
        d->nbelem[PEERS_DT_GPC_RATE] = h[6] % 3;
}

static void try_def(const uint8_t *body, size_t len, struct peers_def *cur)
{
        static uint8_t out[MAX_BODY + 64];
        struct peers_def d, again;
        const uint8_t *b;
        size_t n;
        int r = peers_def_decode(body, len, &d);

        check(r == 0 || r == 1 || r == -EPROTO);
        if (r != 0)
                return;
        inside(d.name, body, len);
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++)
                check(d.nbelem[wt] <= PEERS_ARRAY_MAX);
        /* types 2.6 does not know are announced by no encoder here */
        d.data &= (1ull << PEERS_DT_COUNT) - 1;
        b = reframe(out, peers_def_encode(out, sizeof(out), &d), PEERS_STKT_DEFINE, &n);
        check(peers_def_decode(b, n, &again) == 0);
        def_same(&d, &again);
        if (cur) {
                *cur = d;
                cur->name = SL_STR_LIT("t"); /* the body goes */
        }
}

static void try_upd(const struct peers_def *d, uint8_t type, const uint8_t *body, size_t len,
                    struct peers_dict_rx *rx)
{
        static uint8_t out[MAX_BODY + 64];
        static struct peers_upd u, again;
        const uint8_t *b;
        size_t n;
        int r = peers_upd_decode(d, type, body, len, &u);

        check(r == 0 || r == -EPROTO);
        if (r != 0)
                return;
        if (d->key_type != PEERS_KT_SINT)
                inside(sl_str_make((const char *)u.key, u.key_len), body, len);
        if (d->data & 1ull << PEERS_DT_SERVER_KEY) {
                struct sl_str s;

                inside(u.v[PEERS_DT_SERVER_KEY].dict.str, body, len);
                r = peers_dict_rx_apply(rx, &u.v[PEERS_DT_SERVER_KEY].dict, &s);
                check(r == 0 || r == -ENOENT || r == -E2BIG);
                if (r == 0 && s.ptr)
                        check(s.len <= PEERS_DICT_STR_MAX);
        }
        b = reframe(out, peers_upd_encode(out, sizeof(out), d, &u), type, &n);
        check(n <= len);
        check(peers_upd_decode(d, type, b, n, &again) == 0);
        upd_same(d, &u, &again);
}

static void try_all(const uint8_t *body, size_t len, uint8_t type, struct peers_def *cur,
                    struct peers_dict_rx *rx)
{
        static uint8_t out[64];
        const uint8_t *b;
        uint64_t tid, tid2;
        uint32_t id, id2;
        size_t n;

        try_def(body, len, type == PEERS_STKT_DEFINE ? cur : NULL);
        for (uint8_t t = PEERS_STKT_UPDATE; t <= PEERS_STKT_INCUPDATE_TIMED; t++)
                if (t != PEERS_STKT_DEFINE && t != PEERS_STKT_SWITCH && t != PEERS_STKT_ACK)
                        try_upd(cur, t, body, len, rx);
        if (peers_ack_decode(body, len, &tid, &id) == 0) {
                b = reframe(out, peers_ack_encode(out, sizeof(out), tid, id), PEERS_STKT_ACK, &n);
                check(peers_ack_decode(b, n, &tid2, &id2) == 0 && tid2 == tid && id2 == id);
        }
        if (peers_switch_decode(body, len, &tid) == 0) {
                b = reframe(out, peers_switch_encode(out, sizeof(out), tid), PEERS_STKT_SWITCH, &n);
                check(peers_switch_decode(b, n, &tid2) == 0 && tid2 == tid);
        }
}

static size_t handshake(const uint8_t *p, size_t len)
{
        struct peers_hello h, h2;
        struct peers_status st, st2;
        size_t used, used2, off = 0;

        if (peers_hello_parse(p, len, &h, &used) == 0) {
                check(used <= len);
                inside(h.remote, p, used);
                inside(h.local, p, used);
                inside(h.pid, p, used);
                inside(h.relative_pid, p, used);
                inside(h.ext, p, used);
                /* the answer needs no more than what it took, and not one byte less */
                check(peers_hello_parse(p, used, &h2, &used2) == 0 && used2 == used);
                check(h2.status == h.status && same_str(h2.ext, h.ext));
                check(peers_hello_parse(p, used - 1, &h2, &used2) == -EAGAIN);
                if (h.status == PEERS_STATUS_OK)
                        off = used;
        }
        if (peers_status_parse(p + off, len - off, &st, &used) == 0) {
                check(used <= len - off && st.code <= 999);
                inside(st.ext, p + off, used);
                check(peers_status_parse(p + off, used - 1, &st2, &used2) == -EAGAIN);
                if (st.code >= 100 && (!st.ext.ptr || !memchr(st.ext.ptr, 0, st.ext.len))) {
                        char ext[PEERS_LINE_MAX], line[PEERS_LINE_MAX];
                        size_t n;

                        if (st.ext.ptr)
                                sl_str_copy(ext, sizeof(ext), st.ext);
                        n = peers_status_build(line, sizeof(line), st.code,
                                               st.ext.ptr ? ext : NULL);
                        /* a "\r" kept in the extension cannot be written */
                        if (n) {
                                check(peers_status_parse((const uint8_t *)line, n, &st2, &used2) ==
                                      0);
                                check(st2.code == st.code && same_str(st2.ext, st.ext));
                        }
                }
                off += used;
        }
        return off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct peers_dict_rx rx;
        struct peers_def cur;
        uint8_t head[7] = {0};
        const uint8_t *p;
        size_t len, off;

        memcpy(head, data, size < 7 ? size : 7);
        def_from(head, &cur);
        if (size < 7)
                return 0;
        p = data + 7;
        len = size - 7;
        peers_dict_rx_init(&rx);

        {
                const uint8_t *q = p;
                uint8_t b[PEERS_VARINT_MAX];
                uint64_t v;

                if (peers_varint_get(&q, p + len, &v) == 0)
                        check(peers_varint_put(b, v) == (size_t)(q - p) &&
                              !memcmp(b, p, (size_t)(q - p)));
        }

        off = handshake(p, len);
        while (off < len) {
                struct peers_msg m;
                size_t used;
                uint8_t *body;
                int r = peers_msg_next(p + off, len - off, MAX_BODY, &m, &used);

                check(r == 0 || r == -EAGAIN || r == -EMSGSIZE || r == -EPROTO);
                if (r < 0)
                        break;
                check(used >= 2 && used <= len - off && m.len <= MAX_BODY);
                check(peers_msg_next(p + off, used - 1, MAX_BODY, &m, &used) == -EAGAIN);
                check(peers_msg_next(p + off, len - off, MAX_BODY, &m, &used) == 0);
                if (m.len) {
                        check(m.body >= p + off && m.body + m.len == p + off + used);
                        body = malloc(m.len);
                        check(body != NULL);
                        memcpy(body, m.body, m.len);
                        try_all(body, m.len, m.cls == PEERS_CLASS_STKT ? m.type : 0, &cur, &rx);
                        free(body);
                } else if (m.type >= 0x80) {
                        try_all(NULL, 0, m.cls == PEERS_CLASS_STKT ? m.type : 0, &cur, &rx);
                }
                off += used;
        }
        return 0;
}
