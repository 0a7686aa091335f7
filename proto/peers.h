#pragma once
/* HAProxy's peers protocol 2.1, the stick-table synchronisation protocol (peers.c), as
 * HAProxy 2.6 speaks it (doc/peers.txt, and src/peers.c where the two differ). Sans-I/O:
 * builders write into a caller's buffer, parsers and decoders read the bytes given and hand
 * back views into them. Nothing here allocates, logs or keeps state between calls, except
 * the two small dictionary caches at the end, which the caller owns.
 *
 * A session is: the connecting side sends a hello (three text lines), the accepting side
 * answers a status line; after "200\n" both sides exchange binary messages, each a class
 * byte, a type byte and, for a type of 128 or more, a varint length and that many bytes of
 * body. Stick-table messages (class 10) carry a table definition, then updates of its
 * entries, acknowledged by the receiver. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "str.h"

/* ---- varints ("intencode"/"intdecode") ---- */

/* The longest varint: a 64-bit value takes at most 10 bytes. */
#define PEERS_VARINT_MAX 10

/* Write @v at @p (which has room for PEERS_VARINT_MAX bytes) as HAProxy does: values below
 * 0xf0 in one byte; above, a first byte of 0xf0 | (v & 0x0f) then 7 bits a byte with the
 * high bit set on all but the last, each step subtracting what the byte stands for.
 * Returns the number of bytes written (1 to 10). */
size_t peers_varint_put(uint8_t *p, uint64_t v);

/* The number of bytes peers_varint_put() writes for @v. */
size_t peers_varint_len(uint64_t v);

/* Read a varint at *@p, no further than @end. Returns 0 with the value in *@ret and *@p
 * past it; -EAGAIN when the bytes end before the value does (*@p unchanged); -EPROTO when
 * the value does not fit in 64 bits or goes on beyond PEERS_VARINT_MAX bytes. */
int peers_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *ret);

/* ---- handshake ---- */

/* The longest handshake line read, its "\n" included. HAProxy reads a line into a buffer
 * (16 kB), but its lines hold peer names (configuration words; the default is the host
 * name, at most 64 bytes) and two numbers: 256 bytes bound what anyone who can connect
 * makes us hold before the handshake is over, and leave room for an extension token. */
#define PEERS_LINE_MAX 256

#define PEERS_PROTO_NAME    "HAProxyS"
#define PEERS_VERSION_MAJOR 2
#define PEERS_VERSION_MINOR 1

/* The status codes of the status line (doc/peers.txt). */
enum peers_status_code {
        PEERS_STATUS_OK = 200,        /* handshake succeeded */
        PEERS_STATUS_TRY_AGAIN = 300, /* try again later (the peer has a session already) */
        PEERS_STATUS_PROTO = 501,     /* protocol error (the hello is not one) */
        PEERS_STATUS_VERSION = 502,   /* bad version (major not 2 or minor above 1) */
        PEERS_STATUS_BAD_HOST = 503,  /* local peer identifier mismatch: line 2 is not us */
        PEERS_STATUS_BAD_PEER = 504,  /* remote peer identifier mismatch: unknown sender */
};

/* Write the hello a connecting peer sends:
 *   "HAProxyS 2.1\n<remote>\n<local> <pid> 1\n"     (@ext NULL)
 *   "HAProxyS 2.1\n<remote>\n<local> <pid> 1 <ext>\n"
 * @remote is the name of the peer connected to, @local ours; the relative pid is 1 as
 * HAProxy 2.6 sends it. HAProxy 2.6 ignores everything after the first space of the third
 * line, so @ext reaches only peers that look for it. Returns the length written (no NUL),
 * or 0 when it does not fit in @size, a line would be longer than PEERS_LINE_MAX, a name is
 * empty or holds a space, "\r" or "\n", or @ext holds "\r" or "\n". */
size_t peers_hello_build(char *buf, size_t size, const char *remote, const char *local, long pid,
                         const char *ext);

/* A hello as read by the accepting side; views into the bytes given. */
struct peers_hello {
        /* PEERS_STATUS_OK when the three lines are well formed; PEERS_STATUS_PROTO (not the
         * protocol, or no space in line 3) or PEERS_STATUS_VERSION: answer it and close.
         * The caller compares @remote with its own name (503) and looks up @local (504). */
        enum peers_status_code status;
        unsigned major, minor;      /* the version (unless status is PROTO) */
        struct sl_str remote;       /* line 2: the name the sender gives us */
        struct sl_str local;        /* line 3 up to its first space: the sender's name */
        struct sl_str pid;          /* the next word (HAProxy does not read it) */
        struct sl_str relative_pid; /* the word after it; may be empty */
        struct sl_str ext;          /* after the relative pid and one space, to the end of
                                     * the line; ptr NULL when there is nothing */
};

/* Parse the hello at the start of the @len bytes at @p. Lines end at "\n", a "\r" before it
 * is dropped. Returns 0 with *@ret and in *@ret_used the bytes it took; when
 * @ret->status is not PEERS_STATUS_OK the parse stopped at the faulty line (HAProxy answers
 * as soon as it has read it) and the views of later lines are SL_STR_NULL. Returns
 * -EAGAIN while a line is missing, -EPROTO for a line longer than PEERS_LINE_MAX (HAProxy
 * closes without a status when a line overflows its buffer). */
int peers_hello_parse(const uint8_t *p, size_t len, struct peers_hello *ret, size_t *ret_used);

/* A status line: "<3 digits>\n" or "<3 digits> <ext>\n". */
struct peers_status {
        unsigned code;     /* enum peers_status_code, or any other 3-digit code */
        struct sl_str ext; /* after the space; ptr NULL: none (HAProxy's form) */
};

/* Write the status line for @code (100 to 999), "200\n" as HAProxy does when @ext is NULL,
 * "200 <ext>\n" otherwise (HAProxy reads the code with atoi(), so it accepts the form).
 * Returns the length written, or 0 when it does not fit, @code is not 3 digits, the line
 * would be longer than PEERS_LINE_MAX or @ext holds "\r" or "\n". */
size_t peers_status_build(char *buf, size_t size, unsigned code, const char *ext);

/* Parse the status line at the start of @p. Returns 0 with *@ret and the line's length in
 * *@ret_used, -EAGAIN while the "\n" is missing, -EPROTO when the line does not begin with
 * 3 digits followed by the end of the line or a space, or is longer than PEERS_LINE_MAX. */
int peers_status_parse(const uint8_t *p, size_t len, struct peers_status *ret, size_t *ret_used);

/* ---- messages ---- */

enum peers_class {
        PEERS_CLASS_CONTROL = 0,
        PEERS_CLASS_ERROR = 1,
        PEERS_CLASS_STKT = 10,
        PEERS_CLASS_RESERVED = 255, /* a protocol error */
};

/* Control messages (class 0, two bytes). */
enum peers_ctrl {
        PEERS_CTRL_RESYNC_REQ = 0,      /* send me your whole tables */
        PEERS_CTRL_RESYNC_FINISHED = 1, /* all sent, and I am up to date */
        PEERS_CTRL_RESYNC_PARTIAL = 2,  /* all sent, but I am not up to date myself */
        PEERS_CTRL_RESYNC_CONFIRM = 3,  /* answers finished or partial */
        PEERS_CTRL_HEARTBEAT = 4,       /* after 3 s with nothing to send */
};

/* Error messages (class 1, two bytes), sent before closing. */
enum peers_err {
        PEERS_ERR_PROTOCOL = 0,
        PEERS_ERR_SIZE_LIMIT = 1, /* a message longer than the receiver's buffer */
};

/* Stick-table messages (class 10), as src/peers.c numbers them (doc/peers.txt gives 133
 * for ACK, which is UPDATE_TIMED). */
enum peers_stkt {
        PEERS_STKT_UPDATE = 0x80,          /* update id, key, values */
        PEERS_STKT_INCUPDATE = 0x81,       /* key, values; id is the previous one + 1 */
        PEERS_STKT_DEFINE = 0x82,          /* the table updates that follow are for */
        PEERS_STKT_SWITCH = 0x83,          /* back to a table already defined */
        PEERS_STKT_ACK = 0x84,             /* updates received up to an id */
        PEERS_STKT_UPDATE_TIMED = 0x85,    /* update id, expire, key, values */
        PEERS_STKT_INCUPDATE_TIMED = 0x86, /* expire, key, values */
};

/* The longest length field: HAProxy reads a message header into 7 bytes, so a length that
 * takes more than 5 bytes is a protocol error. */
#define PEERS_MSG_LEN_MAX  5
/* The longest message header. */
#define PEERS_MSG_HEAD_MAX (2 + PEERS_MSG_LEN_MAX)

/* One message; @body borrowed from the bytes given. */
struct peers_msg {
        uint8_t cls;         /* enum peers_class, or any other (HAProxy ignores those) */
        uint8_t type;        /* a type of 128 or more has a body */
        const uint8_t *body; /* past the length, even for an empty body; NULL for a
                              * message of two bytes */
        size_t len;
};

/* Frame the message at the start of the @len bytes at @p. Returns 0 with *@ret and the
 * bytes it takes in *@ret_used; -EAGAIN when more bytes are needed; -EMSGSIZE for a body
 * longer than @max_body (answer PEERS_ERR_SIZE_LIMIT and close, as HAProxy does beyond its
 * buffer); -EPROTO for class 255 or a length longer than PEERS_MSG_LEN_MAX bytes (answer
 * PEERS_ERR_PROTOCOL and close). Whatever the class, the type alone says whether a body
 * follows, as in HAProxy. */
int peers_msg_next(const uint8_t *p, size_t len, size_t max_body, struct peers_msg *ret,
                   size_t *ret_used);

/* Write the two-byte message @cls, @type (control or error). Returns 2, or 0 when @size is
 * below 2 or @type has a body (128 or more). */
size_t peers_msg_fixed_encode(uint8_t *o, size_t size, uint8_t cls, uint8_t type);

/* Write a message with a body: @cls, @type (128 or more), the length, @body. Returns the
 * length written, or 0 when it does not fit in @size, @type is below 128 or the length
 * needs more than PEERS_MSG_LEN_MAX bytes. */
size_t peers_msg_encode(uint8_t *o, size_t size, uint8_t cls, uint8_t type, const uint8_t *body,
                        size_t len);

/* ---- stick-table data ---- */

/* Data types by their wire number, the bit they set in a DEFINE's bitfield
 * (STKTABLE_DT_* of HAProxy 2.6, include/haproxy/stick_table-t.h). */
enum peers_dt {
        PEERS_DT_SERVER_ID = 0,
        PEERS_DT_GPT0 = 1,
        PEERS_DT_GPC0 = 2,
        PEERS_DT_GPC0_RATE = 3,
        PEERS_DT_CONN_CNT = 4,
        PEERS_DT_CONN_RATE = 5,
        PEERS_DT_CONN_CUR = 6,
        PEERS_DT_SESS_CNT = 7,
        PEERS_DT_SESS_RATE = 8,
        PEERS_DT_HTTP_REQ_CNT = 9,
        PEERS_DT_HTTP_REQ_RATE = 10,
        PEERS_DT_HTTP_ERR_CNT = 11,
        PEERS_DT_HTTP_ERR_RATE = 12,
        PEERS_DT_BYTES_IN_CNT = 13,
        PEERS_DT_BYTES_IN_RATE = 14,
        PEERS_DT_BYTES_OUT_CNT = 15,
        PEERS_DT_BYTES_OUT_RATE = 16,
        PEERS_DT_GPC1 = 17,
        PEERS_DT_GPC1_RATE = 18,
        PEERS_DT_SERVER_KEY = 19,
        PEERS_DT_HTTP_FAIL_CNT = 20,
        PEERS_DT_HTTP_FAIL_RATE = 21,
        PEERS_DT_GPT = 22,      /* array */
        PEERS_DT_GPC = 23,      /* array */
        PEERS_DT_GPC_RATE = 24, /* array */
        PEERS_DT_COUNT,         /* HAProxy 2.6 knows no more */
};

/* How a data type is stored and sent (STD_T_* of HAProxy). */
enum peers_std {
        PEERS_STD_SINT = 0, /* one varint (an int, sign-extended to 64 bits on the wire) */
        PEERS_STD_UINT,     /* one varint */
        PEERS_STD_ULL,      /* one varint */
        PEERS_STD_FRQP,     /* a rate: three varints (struct peers_freq) */
        PEERS_STD_DICT,     /* a dictionary entry (struct peers_dict) */
};

struct peers_dt_info {
        const char *name; /* as in "store" of a stick-table line */
        enum peers_std std;
        bool is_array; /* the DEFINE gives the element count; values follow one by one */
        bool is_local; /* HAProxy sends it but ignores it when received (conn_cur) */
};

/* Indexed by enum peers_dt, as src/stick_table.c of HAProxy 2.6 defines them. */
extern const struct peers_dt_info peers_dt_info[PEERS_DT_COUNT];

/* The most elements an array type has (STKTABLE_MAX_DT_ARRAY_SIZE). */
#define PEERS_ARRAY_MAX 100

/* Key types on the wire (PEER_KT_* of src/peers.c); the missing numbers are unused. */
enum peers_key_type {
        PEERS_KT_SINT = 2, /* 4 bytes, network order (HAProxy's 32-bit integer key) */
        PEERS_KT_IPV4 = 4, /* key size bytes (4) */
        PEERS_KT_IPV6 = 5, /* key size bytes (16) */
        PEERS_KT_STR = 6,  /* varint length, then the bytes (no NUL) */
        PEERS_KT_BIN = 7,  /* key size bytes */
};

/* A table definition (DEFINE). */
struct peers_def {
        uint64_t table_id;  /* the sender's id for the table, used by SWITCH and ACK */
        struct sl_str name; /* borrowed: into the decoded body, or the caller's */
        uint64_t key_type;  /* enum peers_key_type */
        uint64_t key_size;  /* HAProxy's: a string key's counts a NUL, an integer's is 4 */
        uint64_t data;      /* bit n set: wire data type n is stored, and sent */
        bool has_expire;    /* old peers send neither the expire nor what follows */
        uint64_t expire;    /* ms */
        uint64_t period[PEERS_DT_COUNT]; /* ms, for a rate or an array of rates */
        uint64_t nbelem[PEERS_DT_COUNT]; /* element count, for an array type */
};

/* Write the DEFINE message of @d (header included). The parameters of each stored rate and
 * array type follow the expire, prefixed by the type number, in bit order: a rate's period,
 * an array's element count, and an array of rates' period after its count. Returns the
 * length written, or 0 when it does not fit, the name is empty, @d->data has a bit of a
 * type HAProxy 2.6 does
 * not know (PEERS_DT_COUNT and above), an array type has more than PEERS_ARRAY_MAX
 * elements, or @d has an array type without an expire (HAProxy ignores such a table). */
size_t peers_def_encode(uint8_t *o, size_t size, const struct peers_def *d);

/* Decode the body of a DEFINE into *@ret (@ret->name points into @body; period[] and
 * nbelem[] are zero where nothing was given). Returns 0; 1 when HAProxy would ignore the
 * table (skip its updates, keep the session): the expire is absent but an array type is
 * stored, or a type's parameters are missing or prefixed by another type number; also for
 * what this decoder cannot hold: an unknown key type, an array of more than
 * PEERS_ARRAY_MAX elements. Returns -EPROTO for what HAProxy calls malformed: a truncated
 * id, name length, key type, key size or bitfield, an empty name, a name that reaches the
 * end of the body. An expire that does not decode counts as absent, as in HAProxy. Bytes
 * after the parameters are skipped. On 1 and -EPROTO *@ret is not written.
 *
 * HAProxy looks the name up before it reads further and ignores a table it does not share
 * whatever follows; here a malformed remainder is -EPROTO whatever the name. */
int peers_def_decode(const uint8_t *body, size_t len, struct peers_def *ret);

/* Write a SWITCH message (header included) for table @table_id. Returns the length or 0
 * when it does not fit. */
size_t peers_switch_encode(uint8_t *o, size_t size, uint64_t table_id);

/* Decode the body of a SWITCH. 0 or -EPROTO (no complete varint). Trailing bytes skipped. */
int peers_switch_decode(const uint8_t *body, size_t len, uint64_t *ret_table_id);

/* Write an ACK message (header included): the sender's @table_id of the table (as its
 * DEFINE gave it) and the last update @id received. Returns the length or 0 when it does
 * not fit. */
size_t peers_ack_encode(uint8_t *o, size_t size, uint64_t table_id, uint32_t id);

/* Decode the body of an ACK. 0 or -EPROTO. Trailing bytes skipped. */
int peers_ack_decode(const uint8_t *body, size_t len, uint64_t *ret_table_id, uint32_t *ret_id);

/* A rate (HAProxy's struct freq_ctr) as sent: the age of the current period in ms (now -
 * curr_tick), the current period's count and the previous one's. HAProxy's fields are 32
 * bits; the wire's varints are kept whole. */
struct peers_freq {
        uint64_t age;
        uint64_t curr;
        uint64_t prev;
};

/* A dictionary value (server_key): HAProxy sends a server's key by an id of its per-session
 * cache, with the string the first time and the id alone while the receiver has it. */
struct peers_dict {
        uint64_t id;       /* 1 to PEERS_DICT_ENTRIES; 0: no entry (nothing else sent) */
        struct sl_str str; /* borrowed; ptr NULL: the id alone, look it up */
};

union peers_val {
        uint64_t u; /* SINT, UINT, ULL */
        struct peers_freq freq;
        struct peers_dict dict;
};

/* An entry update (UPDATE, INCUPDATE and their _TIMED forms). */
struct peers_upd {
        bool has_id;        /* UPDATE*: the id is sent; else it is the previous one + 1 */
        uint32_t id;        /* the sender's update id */
        bool has_expire;    /* *_TIMED: the entry's time left is sent */
        uint32_t expire;    /* ms */
        uint32_t key_int;   /* the key of a PEERS_KT_SINT table */
        const uint8_t *key; /* borrowed: the key of other tables; a string key is all that
                             * was sent: HAProxy keeps key_size - 1 bytes of it */
        size_t key_len;
        union peers_val v[PEERS_DT_COUNT];           /* by wire data type, those not arrays */
        uint64_t gpt[PEERS_ARRAY_MAX];               /* PEERS_DT_GPT, nbelem of them */
        uint64_t gpc[PEERS_ARRAY_MAX];               /* PEERS_DT_GPC */
        struct peers_freq gpc_rate[PEERS_ARRAY_MAX]; /* PEERS_DT_GPC_RATE */
};

/* Write the update @u of table @d (its DEFINE), header included: UPDATE_TIMED,
 * INCUPDATE_TIMED, UPDATE or INCUPDATE as @u->has_id and @u->has_expire say; then the key
 * (a string key is sent whole: @u->key_len bytes), then the value of each type of @d->data
 * in bit order, arrays element by element (@d->nbelem[] of them). Types of bits from
 * PEERS_DT_COUNT up have no value. Returns the length written, or 0 when it does not fit,
 * a key does not have @d->key_size bytes (IPv4, IPv6, binary), an array has more than
 * PEERS_ARRAY_MAX elements, or a dictionary value's id is 0 with a string or above
 * PEERS_DICT_ENTRIES. */
size_t peers_upd_encode(uint8_t *o, size_t size, const struct peers_def *d,
                        const struct peers_upd *u);

/* Decode the body of an update of message type @type (enum peers_stkt) for table @d, as
 * its DEFINE gave it. Returns 0 with *@ret (views into @body; values of types not stored
 * are zero); -EPROTO when a field is truncated, a string key runs beyond the body, or a
 * dictionary value is malformed (an id of 0 or above PEERS_DICT_ENTRIES, a string beyond
 * its length, bytes left in its length); -EINVAL when @type is not an update or @d has an
 * array of more than PEERS_ARRAY_MAX elements. Bytes after the last value are skipped.
 * Types of bits from PEERS_DT_COUNT up are not read (HAProxy 2.6 does not know them). */
int peers_upd_decode(const struct peers_def *d, uint8_t type, const uint8_t *body, size_t len,
                     struct peers_upd *ret);

/* ---- dictionary caches (server_key) ---- */

/* The ids a session may use (PEER_STKT_CACHE_MAX_ENTRIES). */
#define PEERS_DICT_ENTRIES 128
/* The longest string the caches keep (server keys are server names or addresses). */
#define PEERS_DICT_STR_MAX 255

struct peers_dict_slot {
        bool set;
        uint8_t len;
        char str[PEERS_DICT_STR_MAX];
};

/* What a peer's dictionary ids stand for, on one session. Embedded, no allocation. */
struct peers_dict_rx {
        struct peers_dict_slot slot[PEERS_DICT_ENTRIES];
};

/* Empty @c: at each new session, as HAProxy flushes its cache. */
void peers_dict_rx_init(struct peers_dict_rx *c);

/* The string for the received value @v, learning it when @v carries one. Returns 0 with
 * *@ret pointing into @c (valid until the slot is learnt again) or SL_STR_NULL when @v is
 * "no entry"; -ENOENT for an id never learnt on this session; -E2BIG for a string longer
 * than PEERS_DICT_STR_MAX (the slot is emptied); -EINVAL for an id out of range. */
int peers_dict_rx_apply(struct peers_dict_rx *c, const struct peers_dict *v, struct sl_str *ret);

/* What this side sent on one session: strings by id, reused round-robin as HAProxy does. */
struct peers_dict_tx {
        unsigned next; /* the slot taken by the next new string */
        struct peers_dict_slot slot[PEERS_DICT_ENTRIES];
};

void peers_dict_tx_init(struct peers_dict_tx *c);

/* The value to send for server key @s: the id alone when @s was sent on this session and
 * still has its slot, else the next slot's id with @s (the slot is taken now: call this
 * only for an update that will be sent). *@ret's string borrows @s. Returns 0, or -E2BIG
 * when @s is longer than PEERS_DICT_STR_MAX (send "no entry"). */
int peers_dict_tx_put(struct peers_dict_tx *c, struct sl_str s, struct peers_dict *ret);
