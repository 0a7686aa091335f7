/* HAProxy's peers protocol 2.1 (see peers.h): the handshake lines, the message framing and
 * the stick-table messages, read and written without I/O. The peer links of the worker
 * (worker/peer_links.c) feed it what they receive and send what it writes.
 *
 * Readers never look past the length they are given: every field is read through a cursor
 * bounded by its message, or by its enclosing value (a dictionary entry). Loops run over
 * the data types (25) and the elements of an array (PEERS_ARRAY_MAX at most). Writers
 * size a body with a counting pass first, so a message is written once, at its place. */
#include "peers.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The first byte of a value of two bytes or more is at least this (PEER_ENC_2BYTES_MIN). */
#define VARINT_2BYTES 0xf0
#define VARINT_CONT   0x80

size_t peers_varint_put(uint8_t *p, uint64_t v)
{
        size_t n = 0;

        if (v < VARINT_2BYTES) {
                p[0] = (uint8_t)v;
                return 1;
        }
        /* each byte stands for its value at its place: what it holds is subtracted before
         * the shift, so the encoding is a bijection (no value has two forms) */
        p[n++] = (uint8_t)v | VARINT_2BYTES;
        v = (v - VARINT_2BYTES) >> 4;
        while (v >= VARINT_CONT) {
                p[n++] = (uint8_t)v | VARINT_CONT;
                v = (v - VARINT_CONT) >> 7;
        }
        p[n++] = (uint8_t)v;
        return n;
}

size_t peers_varint_len(uint64_t v)
{
        uint8_t b[PEERS_VARINT_MAX];

        return peers_varint_put(b, v);
}

int peers_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *ret)
{
        const uint8_t *q = *p;
        unsigned shift = 4;
        uint64_t v, b;

        if (q >= end)
                return -EAGAIN;
        v = *q++;
        if (v >= VARINT_2BYTES) {
                for (unsigned i = 1;; i++) {
                        if (i == PEERS_VARINT_MAX)
                                return -EPROTO;
                        if (q >= end)
                                return -EAGAIN;
                        b = *q++;
                        /* the 10th byte goes at bit 60: only its low 4 bits fit */
                        if (shift > 56 && b >> (64 - shift))
                                return -EPROTO;
                        if (__builtin_add_overflow(v, b << shift, &v))
                                return -EPROTO;
                        if (b < VARINT_CONT)
                                break;
                        shift += 7;
                }
        }
        *p = q;
        *ret = v;
        return 0;
}

/* ---- handshake ---- */

/* The line at the start of @p, without its "\n" nor a "\r" before it, and in *@ret_used
 * its length with them. */
static int line_get(const uint8_t *p, size_t len, struct sl_str *ret, size_t *ret_used)
{
        const uint8_t *nl = memchr(p, '\n', len < PEERS_LINE_MAX ? len : PEERS_LINE_MAX);
        size_t n;

        if (!nl)
                return len < PEERS_LINE_MAX ? -EAGAIN : -EPROTO;
        n = (size_t)(nl - p);
        *ret_used = n + 1;
        if (n > 0 && p[n - 1] == '\r')
                n--;
        *ret = sl_str_make((const char *)p, n);
        return 0;
}

/* Split @s at its first space: the word before in *@ret_word, what follows the space in
 * *@s (ptr NULL when there is no space). */
static void word_next(struct sl_str *s, struct sl_str *ret_word)
{
        const char *sp = s->ptr ? memchr(s->ptr, ' ', s->len) : NULL;

        if (!sp) {
                *ret_word = *s;
                *s = SL_STR_NULL;
                return;
        }
        *ret_word = sl_str_make(s->ptr, (size_t)(sp - s->ptr));
        *s = sl_str_make(sp + 1, s->len - (size_t)(sp - s->ptr) - 1);
}

/* A decimal of at least one digit, saturated at UINT_MAX (any such version is refused). */
static bool version_number(struct sl_str *s, unsigned *ret)
{
        uint64_t v = 0;
        size_t i = 0;

        while (i < s->len && s->ptr[i] >= '0' && s->ptr[i] <= '9') {
                v = v * 10 + (uint64_t)(s->ptr[i++] - '0');
                if (v > UINT32_MAX)
                        v = UINT32_MAX;
        }
        if (i == 0)
                return false;
        *ret = (unsigned)v;
        *s = sl_str_make(s->ptr + i, s->len - i);
        return true;
}

static bool version_parse(struct sl_str s, unsigned *ret_major, unsigned *ret_minor)
{
        if (!version_number(&s, ret_major) || s.len == 0 || s.ptr[0] != '.')
                return false;
        s = sl_str_make(s.ptr + 1, s.len - 1);
        return version_number(&s, ret_minor) && s.len == 0;
}

int peers_hello_parse(const uint8_t *p, size_t len, struct peers_hello *ret, size_t *ret_used)
{
        static const char proto[] = PEERS_PROTO_NAME " ";
        struct peers_hello h = {.status = PEERS_STATUS_OK};
        struct sl_str line, rest;
        size_t used = 0, n;
        int r;

        r = line_get(p, len, &line, &n);
        if (r < 0)
                return r;
        used += n;
        if (line.len < sizeof(proto) - 1 || memcmp(line.ptr, proto, sizeof(proto) - 1) != 0) {
                h.status = PEERS_STATUS_PROTO;
                goto done;
        }
        rest = sl_str_make(line.ptr + sizeof(proto) - 1, line.len - (sizeof(proto) - 1));
        if (!version_parse(rest, &h.major, &h.minor) || h.major != PEERS_VERSION_MAJOR ||
            h.minor > PEERS_VERSION_MINOR) {
                h.status = PEERS_STATUS_VERSION;
                goto done;
        }

        r = line_get(p + used, len - used, &h.remote, &n);
        if (r < 0)
                return r;
        used += n;

        r = line_get(p + used, len - used, &line, &n);
        if (r < 0)
                return r;
        used += n;
        /* HAProxy 2.6 reads the name up to the first space and nothing after it */
        if (!memchr(line.ptr, ' ', line.len)) {
                h.status = PEERS_STATUS_PROTO;
                goto done;
        }
        rest = line;
        word_next(&rest, &h.local);
        word_next(&rest, &h.pid);
        word_next(&rest, &h.relative_pid);
        h.ext = rest;
done:
        *ret = h;
        *ret_used = used;
        return 0;
}

/* Append @s to @buf if it fits; *@pos grows in any case, so that it tells the length. */
static void out_str(char *buf, size_t size, size_t *pos, const char *s, size_t n)
{
        if (*pos < size && n <= size - *pos)
                memcpy(buf + *pos, s, n);
        *pos += n;
}

static bool name_ok(const char *s, bool may_be_empty, const char *forbidden)
{
        if (!s || (!*s && !may_be_empty))
                return false;
        return strpbrk(s, forbidden) == NULL;
}

size_t peers_hello_build(char *buf, size_t size, const char *remote, const char *local, long pid,
                         const char *ext)
{
        char nums[48];
        size_t pos = 0, l3;
        int n;

        if (!name_ok(remote, false, " \r\n") || !name_ok(local, false, " \r\n") ||
            (ext && !name_ok(ext, true, "\r\n")))
                return 0;
        n = snprintf(nums, sizeof(nums), " %ld 1", pid);
        if (n < 0 || (size_t)n >= sizeof(nums))
                return 0;
        l3 = strlen(local) + (size_t)n + (ext ? 1 + strlen(ext) : 0) + 1;
        if (strlen(remote) + 1 > PEERS_LINE_MAX || l3 > PEERS_LINE_MAX)
                return 0;
        out_str(buf, size, &pos, PEERS_PROTO_NAME " 2.1\n", sizeof(PEERS_PROTO_NAME " 2.1\n") - 1);
        out_str(buf, size, &pos, remote, strlen(remote));
        out_str(buf, size, &pos, "\n", 1);
        out_str(buf, size, &pos, local, strlen(local));
        out_str(buf, size, &pos, nums, (size_t)n);
        if (ext) {
                out_str(buf, size, &pos, " ", 1);
                out_str(buf, size, &pos, ext, strlen(ext));
        }
        out_str(buf, size, &pos, "\n", 1);
        return pos <= size ? pos : 0;
}

size_t peers_status_build(char *buf, size_t size, unsigned code, const char *ext)
{
        char digits[4];
        size_t pos = 0;

        if (code < 100 || code > 999 || (ext && !name_ok(ext, true, "\r\n")))
                return 0;
        if (ext && 3 + 1 + strlen(ext) + 1 > PEERS_LINE_MAX)
                return 0;
        digits[0] = (char)('0' + code / 100);
        digits[1] = (char)('0' + code / 10 % 10);
        digits[2] = (char)('0' + code % 10);
        out_str(buf, size, &pos, digits, 3);
        if (ext) {
                out_str(buf, size, &pos, " ", 1);
                out_str(buf, size, &pos, ext, strlen(ext));
        }
        out_str(buf, size, &pos, "\n", 1);
        return pos <= size ? pos : 0;
}

int peers_status_parse(const uint8_t *p, size_t len, struct peers_status *ret, size_t *ret_used)
{
        struct peers_status st = {0};
        struct sl_str line;
        size_t used;
        int r;

        r = line_get(p, len, &line, &used);
        if (r < 0)
                return r;
        if (line.len < 3)
                return -EPROTO;
        for (int i = 0; i < 3; i++) {
                if (line.ptr[i] < '0' || line.ptr[i] > '9')
                        return -EPROTO;
                st.code = st.code * 10 + (unsigned)(line.ptr[i] - '0');
        }
        if (line.len > 3) {
                if (line.ptr[3] != ' ')
                        return -EPROTO;
                st.ext = sl_str_make(line.ptr + 4, line.len - 4);
        }
        *ret = st;
        *ret_used = used;
        return 0;
}

/* ---- framing ---- */

int peers_msg_next(const uint8_t *p, size_t len, size_t max_body, struct peers_msg *ret,
                   size_t *ret_used)
{
        const uint8_t *q, *end;
        uint64_t n;
        int r;

        if (len < 2)
                return -EAGAIN;
        if (p[0] == PEERS_CLASS_RESERVED)
                return -EPROTO;
        if (p[1] < 0x80) {
                *ret = (struct peers_msg){p[0], p[1], NULL, 0};
                *ret_used = 2;
                return 0;
        }
        q = p + 2;
        end = p + (len - 2 < PEERS_MSG_LEN_MAX ? len : 2 + PEERS_MSG_LEN_MAX);
        r = peers_varint_get(&q, end, &n);
        if (r == -EAGAIN)
                return len - 2 < PEERS_MSG_LEN_MAX ? -EAGAIN : -EPROTO;
        if (r < 0)
                return r;
        /* HAProxy keeps 32 bits of the length; a longer one is over any limit anyway */
        if (n > max_body)
                return -EMSGSIZE;
        if (n > (size_t)(p + len - q))
                return -EAGAIN;
        *ret = (struct peers_msg){p[0], p[1], q, (size_t)n};
        *ret_used = (size_t)(q - p) + (size_t)n;
        return 0;
}

size_t peers_msg_fixed_encode(uint8_t *o, size_t size, uint8_t cls, uint8_t type)
{
        if (size < 2 || type >= 0x80)
                return 0;
        o[0] = cls;
        o[1] = type;
        return 2;
}

/* ---- writing bodies ---- */

/* A body being written at @p, or only sized when @p is NULL. */
struct wr {
        uint8_t *p;
        size_t n;
};

static void wr_bytes(struct wr *w, const void *b, size_t n)
{
        if (w->p && n)
                memcpy(w->p + w->n, b, n);
        w->n += n;
}

static void wr_varint(struct wr *w, uint64_t v)
{
        if (w->p)
                w->n += peers_varint_put(w->p + w->n, v);
        else
                w->n += peers_varint_len(v);
}

static void wr_be32(struct wr *w, uint32_t v)
{
        uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

        wr_bytes(w, b, sizeof(b));
}

/* Writes the body of a message into @w; 0, or -EINVAL when @arg cannot be sent. */
typedef int body_fn(struct wr *w, const void *arg);

/* Size the body, then write the header and the body in place. */
static size_t msg_write(uint8_t *o, size_t size, uint8_t cls, uint8_t type, body_fn *fn,
                        const void *arg)
{
        struct wr w = {NULL, 0};
        size_t body, head;

        if (fn(&w, arg) < 0)
                return 0;
        body = w.n;
        head = 2 + peers_varint_len(body);
        if (head > PEERS_MSG_HEAD_MAX || body > size || head > size - body)
                return 0;
        o[0] = cls;
        o[1] = type;
        (void)peers_varint_put(o + 2, body);
        w = (struct wr){o + head, 0};
        (void)fn(&w, arg);
        return head + body;
}

struct raw_body {
        const uint8_t *p;
        size_t len;
};

static int raw_body(struct wr *w, const void *arg)
{
        const struct raw_body *b = arg;

        wr_bytes(w, b->p, b->len);
        return 0;
}

size_t peers_msg_encode(uint8_t *o, size_t size, uint8_t cls, uint8_t type, const uint8_t *body,
                        size_t len)
{
        struct raw_body b = {body, len};

        if (type < 0x80)
                return 0;
        return msg_write(o, size, cls, type, raw_body, &b);
}

/* ---- reading bodies ---- */

struct rd {
        const uint8_t *p, *end;
};

/* @body may be NULL when @len is 0 (no arithmetic on a null pointer) */
static struct rd rd_init(const uint8_t *body, size_t len)
{
        return (struct rd){body, body ? body + len : body};
}

static size_t rd_left(const struct rd *r)
{
        return (size_t)(r->end - r->p);
}

/* A varint inside a body: its end is the body's, so a cut one is malformed. */
static int rd_varint(struct rd *r, uint64_t *ret)
{
        int e = peers_varint_get(&r->p, r->end, ret);

        return e == -EAGAIN ? -EPROTO : e;
}

static int rd_be32(struct rd *r, uint32_t *ret)
{
        if (rd_left(r) < 4)
                return -EPROTO;
        *ret = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
        r->p += 4;
        return 0;
}

static int rd_bytes(struct rd *r, uint64_t n, const uint8_t **ret)
{
        if (n > rd_left(r))
                return -EPROTO;
        *ret = r->p;
        /* an empty body has no pointer: 0 bytes of it are taken without arithmetic */
        if (n)
                r->p += n;
        return 0;
}

/* ---- stick-table data types ---- */

const struct peers_dt_info peers_dt_info[PEERS_DT_COUNT] = {
        [PEERS_DT_SERVER_ID] = {"server_id", PEERS_STD_SINT, false, false},
        [PEERS_DT_GPT0] = {"gpt0", PEERS_STD_UINT, false, false},
        [PEERS_DT_GPC0] = {"gpc0", PEERS_STD_UINT, false, false},
        [PEERS_DT_GPC0_RATE] = {"gpc0_rate", PEERS_STD_FRQP, false, false},
        [PEERS_DT_CONN_CNT] = {"conn_cnt", PEERS_STD_UINT, false, false},
        [PEERS_DT_CONN_RATE] = {"conn_rate", PEERS_STD_FRQP, false, false},
        [PEERS_DT_CONN_CUR] = {"conn_cur", PEERS_STD_UINT, false, true},
        [PEERS_DT_SESS_CNT] = {"sess_cnt", PEERS_STD_UINT, false, false},
        [PEERS_DT_SESS_RATE] = {"sess_rate", PEERS_STD_FRQP, false, false},
        [PEERS_DT_HTTP_REQ_CNT] = {"http_req_cnt", PEERS_STD_UINT, false, false},
        [PEERS_DT_HTTP_REQ_RATE] = {"http_req_rate", PEERS_STD_FRQP, false, false},
        [PEERS_DT_HTTP_ERR_CNT] = {"http_err_cnt", PEERS_STD_UINT, false, false},
        [PEERS_DT_HTTP_ERR_RATE] = {"http_err_rate", PEERS_STD_FRQP, false, false},
        [PEERS_DT_BYTES_IN_CNT] = {"bytes_in_cnt", PEERS_STD_ULL, false, false},
        [PEERS_DT_BYTES_IN_RATE] = {"bytes_in_rate", PEERS_STD_FRQP, false, false},
        [PEERS_DT_BYTES_OUT_CNT] = {"bytes_out_cnt", PEERS_STD_ULL, false, false},
        [PEERS_DT_BYTES_OUT_RATE] = {"bytes_out_rate", PEERS_STD_FRQP, false, false},
        [PEERS_DT_GPC1] = {"gpc1", PEERS_STD_UINT, false, false},
        [PEERS_DT_GPC1_RATE] = {"gpc1_rate", PEERS_STD_FRQP, false, false},
        [PEERS_DT_SERVER_KEY] = {"server_key", PEERS_STD_DICT, false, false},
        [PEERS_DT_HTTP_FAIL_CNT] = {"http_fail_cnt", PEERS_STD_UINT, false, false},
        [PEERS_DT_HTTP_FAIL_RATE] = {"http_fail_rate", PEERS_STD_FRQP, false, false},
        /* gpc is 32-bit in 2.6 (STD_T_UINT), like gpc0 and gpc1 */
        [PEERS_DT_GPT] = {"gpt", PEERS_STD_UINT, true, false},
        [PEERS_DT_GPC] = {"gpc", PEERS_STD_UINT, true, false},
        [PEERS_DT_GPC_RATE] = {"gpc_rate", PEERS_STD_FRQP, true, false},
};

static bool dt_has_params(unsigned wt)
{
        return peers_dt_info[wt].is_array || peers_dt_info[wt].std == PEERS_STD_FRQP;
}

static bool key_type_known(uint64_t kt)
{
        return kt == PEERS_KT_SINT || kt == PEERS_KT_IPV4 || kt == PEERS_KT_IPV6 ||
               kt == PEERS_KT_STR || kt == PEERS_KT_BIN;
}

/* ---- DEFINE ---- */

static int def_body(struct wr *w, const void *arg)
{
        const struct peers_def *d = arg;

        if (d->data >> PEERS_DT_COUNT || d->name.len == 0)
                return -EINVAL;
        wr_varint(w, d->table_id);
        wr_varint(w, d->name.len);
        wr_bytes(w, d->name.ptr, d->name.len);
        wr_varint(w, d->key_type);
        wr_varint(w, d->key_size);
        wr_varint(w, d->data);
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                if ((d->data & 1ull << wt) && peers_dt_info[wt].is_array &&
                    (!d->has_expire || d->nbelem[wt] > PEERS_ARRAY_MAX))
                        return -EINVAL;
        }
        if (!d->has_expire)
                return 0;
        wr_varint(w, d->expire);
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                if (!(d->data & 1ull << wt) || !dt_has_params(wt))
                        continue;
                wr_varint(w, wt);
                if (peers_dt_info[wt].is_array)
                        wr_varint(w, d->nbelem[wt]);
                if (peers_dt_info[wt].std == PEERS_STD_FRQP)
                        wr_varint(w, d->period[wt]);
        }
        return 0;
}

size_t peers_def_encode(uint8_t *o, size_t size, const struct peers_def *d)
{
        return msg_write(o, size, PEERS_CLASS_STKT, PEERS_STKT_DEFINE, def_body, d);
}

int peers_def_decode(const uint8_t *body, size_t len, struct peers_def *ret)
{
        struct rd r = rd_init(body, len);
        struct peers_def d = {0};
        const uint8_t *name;
        uint64_t name_len, type;
        bool ignore;

        if (rd_varint(&r, &d.table_id) < 0 || rd_varint(&r, &name_len) < 0)
                return -EPROTO;
        /* HAProxy wants something after the name (">= msg_end") */
        if (name_len == 0 || name_len >= rd_left(&r))
                return -EPROTO;
        (void)rd_bytes(&r, name_len, &name);
        d.name = sl_str_make((const char *)name, (size_t)name_len);
        if (rd_varint(&r, &d.key_type) < 0 || rd_varint(&r, &d.key_size) < 0 ||
            rd_varint(&r, &d.data) < 0)
                return -EPROTO;
        /* an expire that does not decode is absent for HAProxy (intdecode() fails) */
        d.has_expire = peers_varint_get(&r.p, r.end, &d.expire) == 0;
        if (!d.has_expire)
                d.expire = 0;
        ignore = !key_type_known(d.key_type);
        /* bits of types HAProxy 2.6 does not know have no parameters it reads */
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                const struct peers_dt_info *info = &peers_dt_info[wt];

                if (!(d.data & 1ull << wt) || !dt_has_params(wt))
                        continue;
                if (!d.has_expire) {
                        /* a rate may go without its period, an array not without its size */
                        if (info->is_array)
                                return 1;
                        continue;
                }
                if (rd_varint(&r, &type) < 0 || type != wt)
                        return 1;
                if (info->is_array) {
                        if (rd_varint(&r, &d.nbelem[wt]) < 0)
                                return 1;
                        if (d.nbelem[wt] > PEERS_ARRAY_MAX)
                                ignore = true;
                }
                if (info->std == PEERS_STD_FRQP && rd_varint(&r, &d.period[wt]) < 0)
                        return 1;
        }
        if (ignore)
                return 1;
        *ret = d;
        return 0;
}

/* ---- SWITCH, ACK ---- */

static int switch_body(struct wr *w, const void *arg)
{
        wr_varint(w, *(const uint64_t *)arg);
        return 0;
}

size_t peers_switch_encode(uint8_t *o, size_t size, uint64_t table_id)
{
        return msg_write(o, size, PEERS_CLASS_STKT, PEERS_STKT_SWITCH, switch_body, &table_id);
}

int peers_switch_decode(const uint8_t *body, size_t len, uint64_t *ret_table_id)
{
        struct rd r = rd_init(body, len);

        return rd_varint(&r, ret_table_id);
}

struct ack {
        uint64_t table_id;
        uint32_t id;
};

static int ack_body(struct wr *w, const void *arg)
{
        const struct ack *a = arg;

        wr_varint(w, a->table_id);
        wr_be32(w, a->id);
        return 0;
}

size_t peers_ack_encode(uint8_t *o, size_t size, uint64_t table_id, uint32_t id)
{
        struct ack a = {table_id, id};

        return msg_write(o, size, PEERS_CLASS_STKT, PEERS_STKT_ACK, ack_body, &a);
}

int peers_ack_decode(const uint8_t *body, size_t len, uint64_t *ret_table_id, uint32_t *ret_id)
{
        struct rd r = rd_init(body, len);
        uint64_t table_id;
        uint32_t id;

        if (rd_varint(&r, &table_id) < 0 || rd_be32(&r, &id) < 0)
                return -EPROTO;
        *ret_table_id = table_id;
        *ret_id = id;
        return 0;
}

/* ---- updates ---- */

struct upd_arg {
        const struct peers_def *d;
        const struct peers_upd *u;
};

static void wr_freq(struct wr *w, const struct peers_freq *f)
{
        wr_varint(w, f->age);
        wr_varint(w, f->curr);
        wr_varint(w, f->prev);
}

/* A dictionary value: its length, then the id and, the first time, the string. */
static int wr_dict(struct wr *w, const struct peers_dict *v)
{
        size_t inner;

        if (v->id == 0) {
                if (v->str.ptr)
                        return -EINVAL;
                wr_varint(w, 0);
                return 0;
        }
        if (v->id > PEERS_DICT_ENTRIES)
                return -EINVAL;
        inner = peers_varint_len(v->id);
        if (v->str.ptr)
                inner += peers_varint_len(v->str.len) + v->str.len;
        wr_varint(w, inner);
        wr_varint(w, v->id);
        if (v->str.ptr) {
                wr_varint(w, v->str.len);
                wr_bytes(w, v->str.ptr, v->str.len);
        }
        return 0;
}

static int upd_body(struct wr *w, const void *arg)
{
        const struct peers_def *d = ((const struct upd_arg *)arg)->d;
        const struct peers_upd *u = ((const struct upd_arg *)arg)->u;

        if (u->has_id)
                wr_be32(w, u->id);
        if (u->has_expire)
                wr_be32(w, u->expire);
        if (d->key_type == PEERS_KT_STR) {
                wr_varint(w, u->key_len);
                wr_bytes(w, u->key, u->key_len);
        } else if (d->key_type == PEERS_KT_SINT) {
                wr_be32(w, u->key_int);
        } else {
                if (u->key_len != d->key_size)
                        return -EINVAL;
                wr_bytes(w, u->key, u->key_len);
        }
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                const struct peers_dt_info *info = &peers_dt_info[wt];

                if (!(d->data & 1ull << wt))
                        continue;
                if (info->is_array) {
                        if (d->nbelem[wt] > PEERS_ARRAY_MAX)
                                return -EINVAL;
                        for (unsigned i = 0; i < d->nbelem[wt]; i++) {
                                if (wt == PEERS_DT_GPT)
                                        wr_varint(w, u->gpt[i]);
                                else if (wt == PEERS_DT_GPC)
                                        wr_varint(w, u->gpc[i]);
                                else
                                        wr_freq(w, &u->gpc_rate[i]);
                        }
                        continue;
                }
                switch (info->std) {
                case PEERS_STD_SINT:
                case PEERS_STD_UINT:
                case PEERS_STD_ULL:
                        wr_varint(w, u->v[wt].u);
                        break;
                case PEERS_STD_FRQP:
                        wr_freq(w, &u->v[wt].freq);
                        break;
                case PEERS_STD_DICT:
                        if (wr_dict(w, &u->v[wt].dict) < 0)
                                return -EINVAL;
                        break;
                }
        }
        return 0;
}

size_t peers_upd_encode(uint8_t *o, size_t size, const struct peers_def *d,
                        const struct peers_upd *u)
{
        struct upd_arg a = {d, u};
        uint8_t type;

        if (u->has_expire)
                type = u->has_id ? PEERS_STKT_UPDATE_TIMED : PEERS_STKT_INCUPDATE_TIMED;
        else
                type = u->has_id ? PEERS_STKT_UPDATE : PEERS_STKT_INCUPDATE;
        return msg_write(o, size, PEERS_CLASS_STKT, type, upd_body, &a);
}

static int rd_freq(struct rd *r, struct peers_freq *ret)
{
        if (rd_varint(r, &ret->age) < 0 || rd_varint(r, &ret->curr) < 0 ||
            rd_varint(r, &ret->prev) < 0)
                return -EPROTO;
        return 0;
}

static int rd_dict(struct rd *r, struct peers_dict *ret)
{
        const uint8_t *at;
        uint64_t n, slen;
        struct rd in;

        *ret = (struct peers_dict){0, SL_STR_NULL};
        if (rd_varint(r, &n) < 0)
                return -EPROTO;
        if (n == 0)
                return 0;
        if (rd_bytes(r, n, &at) < 0)
                return -EPROTO;
        in = (struct rd){at, at + n};
        /* HAProxy checks the range only of an id sent alone, then indexes its 128-entry
         * cache with either: one past it is malformed here in both cases */
        if (rd_varint(&in, &ret->id) < 0 || ret->id == 0 || ret->id > PEERS_DICT_ENTRIES)
                return -EPROTO;
        if (rd_left(&in) == 0)
                return 0;
        /* HAProxy would read the next data type from the bytes left inside the length:
         * an encoding with two readings is refused */
        if (rd_varint(&in, &slen) < 0 || slen != rd_left(&in))
                return -EPROTO;
        ret->str = sl_str_make((const char *)in.p, (size_t)slen);
        return 0;
}

int peers_upd_decode(const struct peers_def *d, uint8_t type, const uint8_t *body, size_t len,
                     struct peers_upd *ret)
{
        struct rd r = rd_init(body, len);
        struct peers_upd u;
        uint64_t klen;

        memset(&u, 0, sizeof(u));
        switch (type) {
        case PEERS_STKT_UPDATE:
                u.has_id = true;
                break;
        case PEERS_STKT_INCUPDATE:
                break;
        case PEERS_STKT_UPDATE_TIMED:
                u.has_id = u.has_expire = true;
                break;
        case PEERS_STKT_INCUPDATE_TIMED:
                u.has_expire = true;
                break;
        default:
                return -EINVAL;
        }
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++)
                if ((d->data & 1ull << wt) && peers_dt_info[wt].is_array &&
                    d->nbelem[wt] > PEERS_ARRAY_MAX)
                        return -EINVAL;
        if (u.has_id && rd_be32(&r, &u.id) < 0)
                return -EPROTO;
        if (u.has_expire && rd_be32(&r, &u.expire) < 0)
                return -EPROTO;
        if (d->key_type == PEERS_KT_STR) {
                /* HAProxy needs only the part it keeps inside the message, and then reads
                 * on past the end: a key beyond the body is malformed here */
                if (rd_varint(&r, &klen) < 0 || rd_bytes(&r, klen, &u.key) < 0)
                        return -EPROTO;
                u.key_len = (size_t)klen;
        } else if (d->key_type == PEERS_KT_SINT) {
                if (rd_be32(&r, &u.key_int) < 0)
                        return -EPROTO;
        } else {
                if (rd_bytes(&r, d->key_size, &u.key) < 0)
                        return -EPROTO;
                u.key_len = (size_t)d->key_size;
        }
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                const struct peers_dt_info *info = &peers_dt_info[wt];
                int e = 0;

                if (!(d->data & 1ull << wt))
                        continue;
                if (info->is_array) {
                        for (unsigned i = 0; i < d->nbelem[wt] && e == 0; i++) {
                                if (wt == PEERS_DT_GPT)
                                        e = rd_varint(&r, &u.gpt[i]);
                                else if (wt == PEERS_DT_GPC)
                                        e = rd_varint(&r, &u.gpc[i]);
                                else
                                        e = rd_freq(&r, &u.gpc_rate[i]);
                        }
                        if (e < 0)
                                return -EPROTO;
                        continue;
                }
                switch (info->std) {
                case PEERS_STD_SINT:
                case PEERS_STD_UINT:
                case PEERS_STD_ULL:
                        e = rd_varint(&r, &u.v[wt].u);
                        break;
                case PEERS_STD_FRQP:
                        e = rd_freq(&r, &u.v[wt].freq);
                        break;
                case PEERS_STD_DICT:
                        e = rd_dict(&r, &u.v[wt].dict);
                        break;
                }
                if (e < 0)
                        return -EPROTO;
        }
        *ret = u;
        return 0;
}

/* ---- dictionary caches ---- */

void peers_dict_rx_init(struct peers_dict_rx *c)
{
        memset(c, 0, sizeof(*c));
}

int peers_dict_rx_apply(struct peers_dict_rx *c, const struct peers_dict *v, struct sl_str *ret)
{
        struct peers_dict_slot *s;

        if (v->id == 0) {
                *ret = SL_STR_NULL;
                return 0;
        }
        if (v->id > PEERS_DICT_ENTRIES)
                return -EINVAL;
        s = &c->slot[v->id - 1];
        if (v->str.ptr) {
                if (v->str.len > PEERS_DICT_STR_MAX) {
                        /* a later id alone must not find the string this one replaced */
                        s->set = false;
                        return -E2BIG;
                }
                memcpy(s->str, v->str.ptr, v->str.len);
                s->len = (uint8_t)v->str.len;
                s->set = true;
        } else if (!s->set) {
                return -ENOENT;
        }
        *ret = sl_str_make(s->str, s->len);
        return 0;
}

void peers_dict_tx_init(struct peers_dict_tx *c)
{
        memset(c, 0, sizeof(*c));
}

int peers_dict_tx_put(struct peers_dict_tx *c, struct sl_str s, struct peers_dict *ret)
{
        struct peers_dict_slot *slot;
        unsigned i;

        if (s.len > PEERS_DICT_STR_MAX)
                return -E2BIG;
        for (i = 0; i < PEERS_DICT_ENTRIES; i++) {
                slot = &c->slot[i];
                if (slot->set && slot->len == s.len &&
                    (s.len == 0 || memcmp(slot->str, s.ptr, s.len) == 0)) {
                        *ret = (struct peers_dict){i + 1, SL_STR_NULL};
                        return 0;
                }
        }
        i = c->next;
        c->next = (i + 1) % PEERS_DICT_ENTRIES;
        slot = &c->slot[i];
        if (s.len)
                memcpy(slot->str, s.ptr, s.len);
        slot->len = (uint8_t)s.len;
        slot->set = true;
        /* an empty string still needs a non-NULL view to be sent with its id */
        *ret = (struct peers_dict){i + 1, s.ptr ? s : sl_str_make("", 0)};
        return 0;
}
