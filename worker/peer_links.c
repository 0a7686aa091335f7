/* The node's peer links (peer_links.h): connections, handshake, pushing each table's update
 * log, applying and acknowledging what peers send, resync. The wire format is proto/peers.h;
 * this file decides what to send when. */
#include "peer_links.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/err.h>

#include "log.h"
#include "loop.h"
#include "macros.h"
#include "model.h"
#include "peers.h"
#include "stktable.h"
#include "tls_ctx.h"
#include "wctx.h"

#define PL_IN_MAX       (64u * 1024)  /* the longest message body accepted */
#define PL_OUT_MAX      (256u * 1024) /* output kept before pushing waits */
#define PL_HANDSHAKE_MS 5000u         /* hello or status not complete by then: close */
#define PL_RX_IDLE_MS   5000u         /* nothing received for so long: the peer is gone */
#define PL_HEARTBEAT_MS 3000u         /* nothing sent for so long: send a heartbeat */
#define PL_POLL_MS      10u           /* how often the update logs are read, when quiet */
#define PL_POLL_BUSY_MS 1u            /* and while changes flow */
#define PL_BUSY_MS      1000u         /* how long a change keeps the fast pace */
#define PL_STUCK_MS     1000u         /* an unwritten ring slot older than this: scan */
#define PL_RESYNC_MS    5000u         /* no peer could teach us by then: stop waiting */
#define PL_ACCEPTED_MAX 64u           /* connections in their handshake, per section */

/* The extension two sluice nodes agree on in the handshake: the connecting one adds it
 * after the relative pid of its hello (HAProxy 2.6 reads no further than the peer's name
 * there), the accepting one answers it after the status code only to a hello that has it.
 * With it, each node sends its own counts, and keeps every other node's apart
 * (stkt_contrib_set()): a fetch returns their sum, the cluster's. */
#define PL_EXT_SUM "sluice-sum/1"

/* The ids and name suffix of the "#yours" tables (a '#' is in no proxy name). */
#define PL_YOURS_ID     0x10000u
#define PL_YOURS_SUFFIX "#yours"

enum pl_state {
        PL_IDLE = 0,    /* no connection; reconnects at @retry_at */
        PL_CONNECTING,  /* connect() in progress */
        PL_WAIT_STATUS, /* hello sent, waiting for the status line */
        PL_UP,          /* handshake done, messages flow */
};

/* One table of a section, as this node defines it on the wire. */
struct pl_tbl {
        struct stkt *t;    /* owned: a quiet view of the shared table */
        struct stkt *loud; /* borrowed: the worker's view, whose changes are sent */
        uint64_t id;       /* its id in our DEFINE messages: its index + 1 */
        struct peers_def def;
        /* the same table under another name, between sluice nodes: what the receiver
         * counted itself, as this node keeps it (given back to a node restarted afresh) */
        struct peers_def ydef;
        char *yname; /* owned: "<wire name>#yours" */
};

/* One table of one link. */
struct pl_ltbl {
        int pos;               /* the peer's position in the shared table */
        uint64_t cursor;       /* last sequence sent on this session */
        uint32_t last_id;      /* update id of the last one sent (INCUPDATE when consecutive) */
        bool sent_any;         /* an update was sent on this session */
        struct stkt_upd *scan; /* owned: a scan being sent first, or NULL */
        size_t scan_n, scan_i;
        uint64_t scan_head;   /* where the ring takes over after the scan */
        uint64_t stuck_since; /* an unwritten ring slot was first seen then (0: none) */
        /* receiving: the peer's id of this table (its DEFINE; 0: none), its definition */
        uint64_t remote_id;
        struct peers_def remote;
        uint32_t last_get;      /* update id of the last update received */
        bool got;               /* updates came since the last ACK */
        int cslot;              /* with the extension: the peer's block of counts, or -1 */
        struct stkt_upd *yscan; /* owned: the peer's own counts to give back, or NULL */
        size_t yscan_n, yscan_i;
        uint64_t remote_yid; /* the peer's id of its "#yours" table (0: none) */
        struct peers_def yremote;
};

struct pl_sect;

struct pl_link {
        struct pl_sect *s;
        const struct cfg_peer *cfg;
        enum pl_state st;
        bool outgoing;    /* we connected (else it connected to us) */
        int fd;           /* owned, or -1 */
        SSL *ssl;         /* owned: TLS over @fd, or NULL */
        bool hs_done;     /* the TLS handshake is over (or there is no TLS) */
        uint32_t hs_want; /* what the handshake waits for, while not done */
        struct loop_io io;
        uint8_t *in; /* owned: bytes received, not yet parsed */
        size_t in_len;
        uint8_t *out; /* owned: bytes to send */
        size_t out_len, out_off;
        uint64_t last_rx, last_tx, deadline, retry_at;
        struct pl_ltbl *lt; /* owned array, parallel to the section's tables */
        int rx_tbl;         /* the table the last DEFINE or SWITCH named, or -1 */
        int tx_tbl;         /* the table of the last DEFINE sent, or -1 */
        bool teaching;      /* the peer asked for everything: send it, then FINISHED */
        bool learning;      /* we asked the peer for everything */
        bool sum;           /* the extension is on: counts are per node */
        bool rx_yours;      /* the table the peer defined last is its "#yours" one */
        uint64_t tx_updates, rx_updates, reconnects;
        int last_status; /* the last handshake status, sent or received */
};

/* A connection accepted, before its hello says which peer it is. */
struct pl_acc {
        struct sl_list link;
        struct loop_reap reap; /* freed at the end of the turn it is closed in */
        struct pl_sect *s;
        int fd;
        SSL *ssl; /* owned: TLS (a bind with ssl), or NULL */
        bool hs_done;
        struct loop_io io;
        uint8_t buf[3 * PEERS_LINE_MAX];
        size_t len;
        uint64_t deadline;
};

struct pl_lsn {
        struct pl_sect *s;
        const struct tls_bind *tls; /* borrowed: its contexts when it has ssl, or NULL */
        int fd;                     /* borrowed from the master, or owned when @own */
        bool own;
        struct loop_io io;
};

struct pl_sect {
        struct peer_links *pl;
        const struct cfg_peers *cfg;
        const char *local; /* this node's name */
        struct pl_link *links;
        size_t n_links;
        struct pl_tbl *tbls;
        size_t n_tbls;
        struct pl_lsn *lsn;
        size_t n_lsn;
        struct sl_list accepted; /* struct pl_acc */
        unsigned n_accepted;
        bool resynced; /* learnt from a peer, or gave up waiting */
        uint64_t resync_deadline;
        /* a table made anew gets this node's own earlier counts back from the first
         * sluice peer that answers; until then nothing is sent to sluice peers */
        struct pl_link *restoring;
        uint64_t restore_deadline;
};

struct peer_links {
        struct worker *w;
        struct loop_reap reap; /* freed at the end of the turn the links stop in */
        struct pl_sect *sects;
        size_t n_sects;
        struct loop_timer poll;
        uint64_t busy_until; /* the logs are read at the fast pace until then */
        unsigned max_updates;
};

/* ---- wire types <-> stored types ---- */

/* HAProxy's data type number on the wire of each type sluice stores. */
static const uint8_t pl_wire_dt[STKT_DT_COUNT] = {
        [STKT_DT_SERVER_ID] = PEERS_DT_SERVER_ID,
        [STKT_DT_GPT0] = PEERS_DT_GPT0,
        [STKT_DT_GPC0] = PEERS_DT_GPC0,
        [STKT_DT_GPC1] = PEERS_DT_GPC1,
        [STKT_DT_GPC0_RATE] = PEERS_DT_GPC0_RATE,
        [STKT_DT_GPC1_RATE] = PEERS_DT_GPC1_RATE,
        [STKT_DT_CONN_CNT] = PEERS_DT_CONN_CNT,
        [STKT_DT_CONN_CUR] = PEERS_DT_CONN_CUR,
        [STKT_DT_CONN_RATE] = PEERS_DT_CONN_RATE,
        [STKT_DT_SESS_CNT] = PEERS_DT_SESS_CNT,
        [STKT_DT_SESS_RATE] = PEERS_DT_SESS_RATE,
        [STKT_DT_HTTP_REQ_CNT] = PEERS_DT_HTTP_REQ_CNT,
        [STKT_DT_HTTP_REQ_RATE] = PEERS_DT_HTTP_REQ_RATE,
        [STKT_DT_HTTP_ERR_CNT] = PEERS_DT_HTTP_ERR_CNT,
        [STKT_DT_HTTP_ERR_RATE] = PEERS_DT_HTTP_ERR_RATE,
        [STKT_DT_HTTP_FAIL_CNT] = PEERS_DT_HTTP_FAIL_CNT,
        [STKT_DT_HTTP_FAIL_RATE] = PEERS_DT_HTTP_FAIL_RATE,
        [STKT_DT_BYTES_IN_CNT] = PEERS_DT_BYTES_IN_CNT,
        [STKT_DT_BYTES_OUT_CNT] = PEERS_DT_BYTES_OUT_CNT,
        [STKT_DT_BYTES_IN_RATE] = PEERS_DT_BYTES_IN_RATE,
        [STKT_DT_BYTES_OUT_RATE] = PEERS_DT_BYTES_OUT_RATE,
};

/* The stored type of wire type @wt, or -1 when sluice stores no such type. */
static int pl_local_dt(unsigned wt)
{
        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++)
                if (pl_wire_dt[dt] == wt)
                        return (int)dt;
        return -1;
}

/* Our DEFINE of table @tb (HAProxy's: a string key's size counts its NUL, an integer key is
 * HAProxy's 32-bit one). */
static void pl_tbl_define(struct pl_tbl *tb, const char *wire_name)
{
        struct stkt_def d;
        struct peers_def *w = &tb->def;

        stkt_definition(tb->t, &d);
        memset(w, 0, sizeof(*w));
        w->table_id = tb->id;
        w->name = (struct sl_str){wire_name, strlen(wire_name)};
        switch (d.key_type) {
        case STKT_KEY_IPV4:
                w->key_type = PEERS_KT_IPV4;
                w->key_size = 4;
                break;
        case STKT_KEY_IPV6:
                w->key_type = PEERS_KT_IPV6;
                w->key_size = 16;
                break;
        case STKT_KEY_INTEGER:
                w->key_type = PEERS_KT_SINT;
                w->key_size = 4;
                break;
        case STKT_KEY_STRING:
                w->key_type = PEERS_KT_STR;
                w->key_size = d.key_len + 1;
                break;
        default:
                w->key_type = PEERS_KT_BIN;
                w->key_size = d.key_len;
                break;
        }
        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++) {
                if (!(d.store & STKT_F(dt)))
                        continue;
                w->data |= 1ull << pl_wire_dt[dt];
                if (stkt_dt_is_rate((enum stkt_data_type)dt))
                        w->period[pl_wire_dt[dt]] = d.period[dt];
        }
        w->has_expire = true;
        w->expire = d.expire_ms;
        tb->ydef = *w;
        tb->ydef.table_id = tb->id + PL_YOURS_ID;
        if (asprintf(&tb->yname, "%s" PL_YOURS_SUFFIX, wire_name) < 0)
                tb->yname = NULL;
        tb->ydef.name = tb->yname ? (struct sl_str){tb->yname, strlen(tb->yname)} : w->name;
}

/* ---- the socket, with or without TLS ---- */

/* What a plain read or write returned (@r, errno): the count, or -EAGAIN, -EIO. */
static ssize_t pl_plain_result(ssize_t r)
{
        if (r >= 0)
                return r;
        return errno == EAGAIN || errno == EINTR ? -EAGAIN : -EIO;
}

/* What SSL_read() or SSL_write() returned: the count, 0 at the end, -EAGAIN, -EIO. */
static ssize_t pl_tls_result(SSL *ssl, int r)
{
        if (r > 0)
                return r;
        switch (SSL_get_error(ssl, r)) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
                return -EAGAIN;
        case SSL_ERROR_ZERO_RETURN:
                return 0;
        default:
                return -EIO;
        }
}

/* Read into @buf: the bytes read, 0 at the end, -EAGAIN, or -EIO (an error, TLS's too). */
static ssize_t pl_recv(int fd, SSL *ssl, void *buf, size_t n)
{
        if (!ssl)
                return pl_plain_result(recv(fd, buf, n, MSG_DONTWAIT));
        ERR_clear_error();
        return pl_tls_result(ssl, SSL_read(ssl, buf, (int)SL_MIN(n, (size_t)INT32_MAX)));
}

/* Write from @buf: the bytes written, -EAGAIN, or -EIO (0 from TLS: the peer closed). */
static ssize_t pl_send_raw(int fd, SSL *ssl, const void *buf, size_t n)
{
        ssize_t r;

        if (!ssl)
                return pl_plain_result(send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT));
        ERR_clear_error();
        r = pl_tls_result(ssl, SSL_write(ssl, buf, (int)SL_MIN(n, (size_t)INT32_MAX)));
        return r == 0 ? -EIO : r;
}

/* Go on with the TLS handshake: 1 when it is over, 0 while it waits for the socket (*@want
 * says for what), -EIO when it failed (a certificate refused, say: logged). */
static int pl_handshake(SSL *ssl, uint32_t *want, const char *section, const char *who)
{
        int r;

        ERR_clear_error();
        r = SSL_do_handshake(ssl);
        if (r == 1)
                return 1;
        switch (SSL_get_error(ssl, r)) {
        case SSL_ERROR_WANT_READ:
                *want = EPOLLIN;
                return 0;
        case SSL_ERROR_WANT_WRITE:
                *want = EPOLLOUT;
                return 0;
        default: {
                char why[160] = "closed";
                unsigned long e = ERR_peek_error();
                long v = SSL_get_verify_result(ssl);

                if (v != X509_V_OK)
                        snprintf(why, sizeof(why), "certificate: %s",
                                 X509_verify_cert_error_string(v));
                else if (e)
                        ERR_error_string_n(e, why, sizeof(why));
                sl_log(LOG_WARNING, "peers '%s': TLS handshake with %s failed: %s", section, who,
                       why);
                return -EIO;
        }
        }
}

/* A new TLS connection over @fd, for writing from a buffer that moves. */
static SSL *pl_ssl_setup(SSL *ssl, int fd)
{
        if (!ssl)
                return NULL;
        SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        if (SSL_set_fd(ssl, fd) != 1) {
                SSL_free(ssl);
                return NULL;
        }
        return ssl;
}

/* ---- buffers and the socket ---- */

static uint64_t pl_now(const struct pl_link *l)
{
        return loop_now(l->s->pl->w->loop);
}

/* Room for @n more output bytes; false when the output is over its bound (pushing waits). */
static uint8_t *pl_out_room(struct pl_link *l, size_t n)
{
        if (l->out_off && l->out_off == l->out_len)
                l->out_off = l->out_len = 0;
        if (l->out_len + n > PL_OUT_MAX) {
                if (l->out_off == 0)
                        return NULL;
                memmove(l->out, l->out + l->out_off, l->out_len - l->out_off);
                l->out_len -= l->out_off;
                l->out_off = 0;
                if (l->out_len + n > PL_OUT_MAX)
                        return NULL;
        }
        return l->out + l->out_len;
}

static void pl_flush(struct pl_link *l);
static void pl_close(struct pl_link *l, const char *why);

static bool pl_send(struct pl_link *l, const void *p, size_t n)
{
        uint8_t *o = pl_out_room(l, n);

        if (!o)
                return false;
        memcpy(o, p, n);
        l->out_len += n;
        return true;
}

static void pl_watch(struct pl_link *l)
{
        uint32_t ev = EPOLLIN | EPOLLRDHUP;

        if (l->st == PL_CONNECTING || (!l->hs_done && l->hs_want == EPOLLOUT) ||
            (l->hs_done && l->out_off < l->out_len))
                ev |= EPOLLOUT;
        loop_io_modify(&l->io, ev);
}

static void pl_flush(struct pl_link *l)
{
        while (l->fd >= 0 && l->hs_done && l->out_off < l->out_len) {
                ssize_t n =
                        pl_send_raw(l->fd, l->ssl, l->out + l->out_off, l->out_len - l->out_off);

                if (n == -EAGAIN)
                        break;
                if (n < 0) {
                        pl_close(l, "write error");
                        return;
                }
                l->out_off += (size_t)n;
                l->last_tx = pl_now(l);
        }
        if (l->fd >= 0)
                pl_watch(l);
}

static void pl_ltbl_reset(struct pl_link *l)
{
        for (size_t i = 0; i < l->s->n_tbls; i++) {
                struct pl_ltbl *t = &l->lt[i];

                free(t->scan);
                t->scan = NULL;
                t->scan_n = t->scan_i = 0;
                free(t->yscan);
                t->yscan = NULL;
                t->yscan_n = t->yscan_i = 0;
                t->remote_yid = 0;
                t->sent_any = false;
                t->stuck_since = 0;
                t->remote_id = 0;
                t->got = false;
                t->cslot = -1;
        }
        l->rx_tbl = l->tx_tbl = -1;
        l->rx_yours = false;
}

/* A random delay of 50 to 2050 ms before reconnecting (the protocol's rule, so that two peers
 * that closed at once do not meet again at once). */
static uint64_t pl_jitter(void)
{
        uint32_t r = 0;

        if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
                r = (uint32_t)(uintptr_t)&r;
        return 50 + r % 2001;
}

static void pl_close(struct pl_link *l, const char *why)
{
        if (l->fd >= 0) {
                if (l->st == PL_UP) {
                        sl_log(LOG_NOTICE, "peers '%s': link to '%s' closed: %s", l->s->cfg->name,
                               l->cfg->srv.name, why);
                        for (size_t i = 0; i < l->s->n_tbls; i++)
                                stkt_pos_set_up(l->s->tbls[i].t, l->lt[i].pos, false);
                }
                loop_io_close(&l->io);
                l->fd = -1;
        }
        if (l->s->restoring == l)
                l->s->restoring = NULL; /* another peer up gives them, or the deadline */
        SSL_free(l->ssl);
        l->ssl = NULL;
        l->hs_done = false;
        l->st = PL_IDLE;
        l->in_len = 0;
        l->out_len = l->out_off = 0;
        l->teaching = l->learning = false;
        pl_ltbl_reset(l);
        l->retry_at = pl_now(l) + pl_jitter();
}

/* ---- connecting and the handshake ---- */

static void pl_on_io(struct loop_io *io, uint32_t events);
static void pl_up(struct pl_link *l);

static int pl_socket_addr(const struct cfg_addr *a, struct sockaddr_storage *ss, socklen_t *len)
{
        if (a->family != CFG_ADDR_IPV4 && a->family != CFG_ADDR_IPV6)
                return -EAFNOSUPPORT;
        *ss = a->ss;
        *len = a->ss_len;
        if (a->family == CFG_ADDR_IPV4)
                ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)a->port_low);
        else
                ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)a->port_low);
        return 0;
}

static void pl_connect(struct pl_link *l)
{
        struct sockaddr_storage ss;
        socklen_t len;
        int fd, one = 1;
        char hello[3 * PEERS_LINE_MAX];
        size_t n;

        struct tls_srv *ts = NULL;

        if (l->cfg->srv.opts.tls.ssl) {
                ts = tls_set_server(l->s->pl->w->tls, &l->cfg->srv);
                if (!ts) {
                        /* never in the clear what the configuration says to encrypt */
                        l->retry_at = pl_now(l) + 60000;
                        sl_log(LOG_ERR, "peers '%s': peer '%s': no TLS context", l->s->cfg->name,
                               l->cfg->srv.name);
                        return;
                }
        }
        if (pl_socket_addr(&l->cfg->srv.addr, &ss, &len) < 0)
                return;
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                pl_close(l, "no socket");
                return;
        }
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
                close(fd);
                l->retry_at = pl_now(l) + pl_jitter();
                return;
        }
        l->fd = fd;
        l->ssl = ts ? pl_ssl_setup(tls_srv_new_ssl(ts, NULL), fd) : NULL;
        if (ts && !l->ssl) {
                pl_close(l, "out of memory");
                return;
        }
        if (l->ssl)
                SSL_set_connect_state(l->ssl);
        l->hs_done = !l->ssl;
        l->hs_want = EPOLLOUT;
        l->outgoing = true;
        l->st = PL_CONNECTING;
        l->reconnects++;
        l->deadline = pl_now(l) + PL_HANDSHAKE_MS;
        loop_io_init(l->s->pl->w->loop, &l->io, fd, pl_on_io);
        loop_io_start(&l->io, EPOLLOUT | EPOLLIN | EPOLLRDHUP);
        n = peers_hello_build(hello, sizeof(hello), l->cfg->srv.name, l->s->local, (long)getpid(),
                              PL_EXT_SUM);
        if (n == 0 || !pl_send(l, hello, n)) {
                pl_close(l, "hello too long");
                return;
        }
}

static bool pl_has_ext(struct sl_str ext)
{
        size_t n = strlen(PL_EXT_SUM);

        /* a space-separated list of tokens, ours among them */
        for (size_t i = 0; ext.ptr && i + n <= ext.len; i++)
                if ((i == 0 || ext.ptr[i - 1] == ' ') && memcmp(ext.ptr + i, PL_EXT_SUM, n) == 0 &&
                    (i + n == ext.len || ext.ptr[i + n] == ' '))
                        return true;
        return false;
}

/* The status line answering our hello. */
static void pl_on_status(struct pl_link *l)
{
        struct peers_status st;
        size_t used;
        int r = peers_status_parse(l->in, l->in_len, &st, &used);

        if (r == -EAGAIN)
                return;
        if (r < 0) {
                pl_close(l, "bad status line");
                return;
        }
        /* st.ext points into the input: read it before the input moves */
        l->sum = pl_has_ext(st.ext);
        l->last_status = st.code;
        memmove(l->in, l->in + used, l->in_len - used);
        l->in_len -= used;
        if (st.code != PEERS_STATUS_OK) {
                sl_log(LOG_WARNING, "peers '%s': peer '%s' refused the link: status %d",
                       l->s->cfg->name, l->cfg->srv.name, st.code);
                pl_close(l, "refused");
                return;
        }
        pl_up(l);
}

/* ---- accepting ---- */

static void pl_acc_reap(struct loop_reap *r)
{
        free(sl_container_of(r, struct pl_acc, reap));
}

/* Close @a; its memory goes at the end of the turn (its watcher may be in this turn's
 * events). */
static void pl_acc_free(struct pl_acc *a)
{
        sl_list_del(&a->link);
        a->s->n_accepted--;
        SSL_free(a->ssl);
        a->ssl = NULL;
        if (a->fd >= 0)
                loop_io_close(&a->io);
        a->fd = -1;
        loop_reap_init(&a->reap, pl_acc_reap);
        loop_reap(a->s->pl->w->loop, &a->reap);
}

static void pl_acc_answer(struct pl_acc *a, int code)
{
        char line[16];
        int n = snprintf(line, sizeof(line), "%d\n", code);

        (void)pl_send_raw(a->fd, a->ssl, line, (size_t)n);
}

/* A complete hello on accepted connection @a: answer it, and when it is a peer we know, make
 * the connection that peer's link (the newest connection wins: an older one is closed). */
static void pl_acc_hello(struct pl_acc *a, const struct peers_hello *h, size_t used)
{
        struct pl_sect *s = a->s;
        struct pl_link *l = NULL;
        bool sum = pl_has_ext(h->ext);
        char line[64];
        size_t n;

        if (h->status != PEERS_STATUS_OK) {
                pl_acc_answer(a, h->status);
                pl_acc_free(a);
                return;
        }
        if (h->remote.len != strlen(s->local) ||
            memcmp(h->remote.ptr, s->local, h->remote.len) != 0) {
                sl_log(LOG_WARNING, "peers '%s': a peer called this node '%.*s', not '%s'",
                       s->cfg->name, (int)SL_MIN(h->remote.len, 64u), h->remote.ptr, s->local);
                pl_acc_answer(a, PEERS_STATUS_BAD_HOST);
                pl_acc_free(a);
                return;
        }
        for (size_t i = 0; i < s->n_links; i++) {
                const char *name = s->links[i].cfg->srv.name;

                if (strlen(name) == h->local.len && !memcmp(name, h->local.ptr, h->local.len))
                        l = &s->links[i];
        }
        if (!l) {
                sl_log(LOG_WARNING, "peers '%s': unknown peer '%.*s' refused", s->cfg->name,
                       (int)SL_MIN(h->local.len, 64u), h->local.ptr);
                pl_acc_answer(a, PEERS_STATUS_BAD_PEER);
                pl_acc_free(a);
                return;
        }
        if (l->fd >= 0)
                pl_close(l, "replaced by the peer's new connection");
        l->fd = a->fd;
        a->fd = -1;
        l->ssl = a->ssl;
        a->ssl = NULL;
        l->hs_done = true;
        loop_io_stop(&a->io);
        l->outgoing = false;
        l->in_len = a->len - used;
        memcpy(l->in, a->buf + used, l->in_len);
        loop_io_init(s->pl->w->loop, &l->io, l->fd, pl_on_io);
        loop_io_start(&l->io, EPOLLIN | EPOLLRDHUP);
        pl_acc_free(a);
        l->last_status = PEERS_STATUS_OK;
        l->sum = sum;
        n = peers_status_build(line, sizeof(line), PEERS_STATUS_OK, sum ? PL_EXT_SUM : NULL);
        if (!n || !pl_send(l, line, n)) {
                pl_close(l, "no room");
                return;
        }
        pl_up(l);
}

static void pl_on_acc_io(struct loop_io *io, uint32_t events)
{
        struct pl_acc *a = sl_container_of(io, struct pl_acc, io);
        struct peers_hello h;
        size_t used;
        ssize_t n;
        int r;

        (void)events;
        if (!a->hs_done) {
                uint32_t want = 0;

                r = pl_handshake(a->ssl, &want, a->s->cfg->name, "a connecting peer");
                if (r < 0) {
                        pl_acc_free(a);
                        return;
                }
                if (r == 0) {
                        loop_io_modify(&a->io, want | EPOLLRDHUP);
                        return;
                }
                a->hs_done = true;
                loop_io_modify(&a->io, EPOLLIN | EPOLLRDHUP);
        }
        n = pl_recv(a->fd, a->ssl, a->buf + a->len, sizeof(a->buf) - a->len);
        if (n == 0 || (n < 0 && n != -EAGAIN)) {
                pl_acc_free(a);
                return;
        }
        if (n < 0)
                return;
        a->len += (size_t)n;
        r = peers_hello_parse(a->buf, a->len, &h, &used);
        if (r == -EAGAIN && a->len < sizeof(a->buf))
                return;
        if (r < 0) {
                pl_acc_answer(a, PEERS_STATUS_PROTO);
                pl_acc_free(a);
                return;
        }
        pl_acc_hello(a, &h, used);
}

static void pl_on_accept(struct loop_io *io, uint32_t events)
{
        struct pl_lsn *ln = sl_container_of(io, struct pl_lsn, io);

        (void)events;
        for (int i = 0; i < 16; i++) {
                int fd = accept4(ln->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
                struct pl_acc *a;

                if (fd < 0)
                        return;
                /* connections that do not say who they are cost bounded memory */
                if (ln->s->n_accepted >= PL_ACCEPTED_MAX) {
                        close(fd);
                        continue;
                }
                a = calloc(1, sizeof(*a));
                if (!a) {
                        close(fd);
                        return;
                }
                (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                a->s = ln->s;
                a->fd = fd;
                a->ssl = ln->tls ? pl_ssl_setup(tls_bind_new_ssl(ln->tls), fd) : NULL;
                if (ln->tls && !a->ssl) {
                        close(fd);
                        free(a);
                        return;
                }
                if (a->ssl)
                        SSL_set_accept_state(a->ssl);
                a->hs_done = !a->ssl;
                a->deadline = loop_now(ln->s->pl->w->loop) + PL_HANDSHAKE_MS;
                sl_list_push_back(&ln->s->accepted, &a->link);
                ln->s->n_accepted++;
                loop_io_init(ln->s->pl->w->loop, &a->io, fd, pl_on_acc_io);
                loop_io_start(&a->io, EPOLLIN | EPOLLRDHUP);
        }
}

/* ---- sending ---- */

/* The longest UPDATE we write: header, ids, the key and every value at its widest. */
#define PL_MSG_MAX (16u + STKT_KEY_MAX + PEERS_VARINT_MAX * 3u * STKT_DT_COUNT)

static bool pl_send_ctrl(struct pl_link *l, uint8_t cls, uint8_t type)
{
        uint8_t m[2] = {cls, type};

        return pl_send(l, m, sizeof(m));
}

/* Send the entry at @idx of table @i, as of now, with update sequence @seq; with @yours,
 * the peer's own counts as this node keeps them, under the "#yours" table (nothing when
 * they are all 0). True when sent or when there is nothing to send (the entry was freed or
 * reused meanwhile: its new content has its own sequence); false when there was no room. */
static bool pl_send_entry(struct pl_link *l, size_t i, uint32_t idx, uint64_t seq, bool yours)
{
        struct pl_tbl *tb = &l->s->tbls[i];
        struct pl_ltbl *lt = &l->lt[i];
        uint8_t key[STKT_KEY_MAX];
        struct peers_upd u;
        uint64_t inc, exp, now = pl_now(l);
        uint8_t *o;
        size_t n;
        int klen;

        const struct peers_def *def = yours ? &tb->ydef : &tb->def;
        int tx = (int)i + (yours ? (int)l->s->n_tbls : 0);
        bool any = !yours;

        o = pl_out_room(l, PL_MSG_MAX + 64);
        if (!o)
                return false;
        if (l->tx_tbl != tx) {
                n = peers_def_encode(o, PL_MSG_MAX, def);
                if (n == 0)
                        return false;
                l->out_len += n;
                l->tx_tbl = tx;
                o = pl_out_room(l, PL_MSG_MAX);
                if (!o)
                        return false;
        }
        inc = stkt_incarnation(tb->t, idx);
        if (!inc)
                return true;
        klen = stkt_key_copy(tb->t, idx, key, sizeof(key));
        if (klen < 0)
                return true;
        memset(&u, 0, sizeof(u));
        if (tb->def.key_type == PEERS_KT_SINT) {
                uint64_t v;

                memcpy(&v, key, sizeof(v));
                u.key_int = (uint32_t)v;
        } else {
                /* HAProxy's binary keys are key_size bytes, zero padded */
                if (tb->def.key_type == PEERS_KT_BIN && (uint64_t)klen < tb->def.key_size) {
                        memset(key + klen, 0, tb->def.key_size - (size_t)klen);
                        klen = (int)tb->def.key_size;
                }
                u.key = key;
                u.key_len = (size_t)klen;
        }
        for (unsigned dt = 0; dt < STKT_DT_COUNT; dt++) {
                unsigned wt = pl_wire_dt[dt];

                if (!(tb->def.data & (1ull << wt)))
                        continue;
                if (yours) {
                        /* counts only: a rate's window has passed by the time it would
                         * be given back */
                        if (!stkt_dt_is_rate((enum stkt_data_type)dt) &&
                            stkt_contrib_get(tb->t, idx, (uint32_t)lt->cslot,
                                             (enum stkt_data_type)dt, &u.v[wt].u) == 0)
                                any |= u.v[wt].u != 0;
                } else if (stkt_dt_is_rate((enum stkt_data_type)dt)) {
                        struct stkt_freq f;

                        if (stkt_freq_get(tb->t, idx, (enum stkt_data_type)dt, &f) == 0) {
                                u.v[wt].freq.age = (uint32_t)now - f.curr_tick;
                                u.v[wt].freq.curr = f.curr_ctr;
                                u.v[wt].freq.prev = f.prev_ctr;
                        }
                } else if (l->sum) {
                        /* to a sluice node: this node's own count */
                        (void)stkt_get_local(tb->t, idx, (enum stkt_data_type)dt, &u.v[wt].u);
                } else {
                        /* to another peer: the cluster's, as far as this node knows it */
                        (void)stkt_get(tb->t, idx, (enum stkt_data_type)dt, &u.v[wt].u);
                }
        }
        exp = stkt_expire(tb->t, idx);
        if (stkt_incarnation(tb->t, idx) != inc || !any)
                return true;
        if (yours) {
                /* not an update of this node's: no id the peer would acknowledge */
                u.has_id = true;
                u.id = 0;
                u.has_expire = true;
                u.expire = exp == UINT64_MAX ? 0
                           : exp > now       ? (uint32_t)SL_MIN(exp - now, UINT32_MAX)
                                             : 0;
                n = peers_upd_encode(o, PL_MSG_MAX, def, &u);
                l->out_len += n;
                return true;
        }
        u.has_id = !lt->sent_any || (uint32_t)seq != lt->last_id + 1;
        u.id = (uint32_t)seq;
        u.has_expire = true;
        u.expire = exp == UINT64_MAX ? 0 : exp > now ? (uint32_t)SL_MIN(exp - now, UINT32_MAX) : 0;
        n = peers_upd_encode(o, PL_MSG_MAX, &tb->def, &u);
        if (n == 0)
                return true;
        l->out_len += n;
        lt->last_id = (uint32_t)seq;
        lt->sent_any = true;
        l->tx_updates++;
        stkt_pos_count(tb->t, lt->pos, 1, 0);
        return true;
}

/* Begin a scan of table @i for @l: every entry changed after @after (every one for 0). */
static void pl_scan(struct pl_link *l, size_t i, uint64_t after)
{
        struct pl_ltbl *lt = &l->lt[i];

        free(lt->scan);
        lt->scan = NULL;
        lt->scan_n = lt->scan_i = 0;
        if (stkt_upd_collect(l->s->tbls[i].t, after, pl_now(l), &lt->scan_head, &lt->scan,
                             &lt->scan_n) < 0)
                lt->scan_head = lt->cursor; /* out of memory: the ring goes on */
}

/* Push what changed, at most the tune.peers.max-updates-at-once per table and call. */
static void pl_push(struct pl_link *l)
{
        bool scanning = false;

        if (l->st != PL_UP)
                return;
        for (size_t i = 0; i < l->s->n_tbls; i++) {
                struct pl_tbl *tb = &l->s->tbls[i];
                struct pl_ltbl *lt = &l->lt[i];
                unsigned budget = l->s->pl->max_updates;

                /* the peer's own counts it asked back for */
                while (budget > 0 && lt->yscan && lt->yscan_i < lt->yscan_n) {
                        struct stkt_upd *u = &lt->yscan[lt->yscan_i];

                        if (!pl_send_entry(l, i, u->idx, u->seq, true))
                                return;
                        lt->yscan_i++;
                        budget--;
                }
                if (lt->yscan && lt->yscan_i < lt->yscan_n) {
                        scanning = true;
                        continue;
                }
                free(lt->yscan);
                lt->yscan = NULL;
                /* this node's counts wait until its own earlier ones are back (else a peer
                 * would replace what it kept of them with less) */
                if (l->sum && l->s->restoring && !stkt_own_restored(tb->t)) {
                        scanning |= lt->scan != NULL;
                        continue;
                }
                while (budget > 0 && lt->scan && lt->scan_i < lt->scan_n) {
                        struct stkt_upd *u = &lt->scan[lt->scan_i];

                        if (!pl_send_entry(l, i, u->idx, u->seq, false))
                                return;
                        lt->scan_i++;
                        budget--;
                }
                if (lt->scan && lt->scan_i < lt->scan_n) {
                        scanning = true;
                        continue;
                }
                if (lt->scan) {
                        free(lt->scan);
                        lt->scan = NULL;
                        lt->cursor = SL_MAX(lt->cursor, lt->scan_head);
                }
                while (budget > 0) {
                        struct stkt_upd u;
                        int r;

                        if (!pl_out_room(l, PL_MSG_MAX * 2))
                                return;
                        r = stkt_upd_next(tb->t, &lt->cursor, &u);
                        if (r == 1) {
                                lt->stuck_since = 0;
                                (void)pl_send_entry(l, i, u.idx, u.seq, false);
                                budget--;
                                continue;
                        }
                        if (r == -ESPIPE) {
                                pl_scan(l, i, lt->cursor);
                                scanning = true;
                        } else if (r == -EAGAIN) {
                                if (!lt->stuck_since)
                                        lt->stuck_since = pl_now(l);
                                else if (pl_now(l) - lt->stuck_since > PL_STUCK_MS) {
                                        /* the changer died between its two steps */
                                        lt->stuck_since = 0;
                                        pl_scan(l, i, lt->cursor);
                                        scanning = true;
                                }
                        }
                        break;
                }
        }
        if (l->teaching && !scanning) {
                /* everything this node has was sent: "finished" (HAProxy's "partial" is for a
                 * node that is itself still learning) */
                if (pl_send_ctrl(l, PEERS_CLASS_CONTROL,
                                 l->s->resynced || l->sum ? PEERS_CTRL_RESYNC_FINISHED
                                                          : PEERS_CTRL_RESYNC_PARTIAL))
                        l->teaching = false;
        }
}

/* ---- receiving ---- */

/* The section's tables have learnt what their peers had (or nobody could teach them): kept
 * in the tables, so that a new owner of the links does not ask again. */
static void pl_learned(struct pl_sect *s)
{
        for (size_t i = 0; i < s->n_tbls; i++)
                stkt_set_learned(s->tbls[i].t);
        s->resynced = true;
}

static int pl_table_by_name(const struct pl_sect *s, const char *name, size_t len)
{
        for (size_t i = 0; i < s->n_tbls; i++)
                if (s->tbls[i].def.name.len == len &&
                    memcmp(s->tbls[i].def.name.ptr, name, len) == 0)
                        return (int)i;
        return -1;
}

static void pl_on_define(struct pl_link *l, const uint8_t *body, size_t len)
{
        struct peers_def d;
        int r = peers_def_decode(body, len, &d), i;

        if (r < 0) {
                pl_close(l, "malformed table definition");
                return;
        }
        /* a peer's id names one table at a time */
        for (size_t k = 0; k < l->s->n_tbls; k++) {
                if (l->lt[k].remote_id == d.table_id)
                        l->lt[k].remote_id = 0;
                if (l->lt[k].remote_yid == d.table_id)
                        l->lt[k].remote_yid = 0;
        }
        l->rx_tbl = -1;
        l->rx_yours = false;
        if (l->sum && d.name.len > strlen(PL_YOURS_SUFFIX) &&
            memcmp(d.name.ptr + d.name.len - strlen(PL_YOURS_SUFFIX), PL_YOURS_SUFFIX,
                   strlen(PL_YOURS_SUFFIX)) == 0) {
                i = pl_table_by_name(l->s, d.name.ptr, d.name.len - strlen(PL_YOURS_SUFFIX));
                if (r > 0 || i < 0 || d.key_type != l->s->tbls[i].def.key_type ||
                    d.key_size != l->s->tbls[i].def.key_size)
                        return;
                l->lt[i].yremote = d;
                l->lt[i].yremote.name = SL_STR_NULL;
                l->lt[i].remote_yid = d.table_id;
                l->rx_tbl = i;
                l->rx_yours = true;
                return;
        }
        i = pl_table_by_name(l->s, d.name.ptr, d.name.len);
        if (r > 0 || i < 0)
                return; /* a table we do not sync: its updates are skipped */
        if (d.key_type != l->s->tbls[i].def.key_type || d.key_size != l->s->tbls[i].def.key_size) {
                sl_log(LOG_WARNING,
                       "peers '%s': peer '%s' defines table '%s' with another key type or "
                       "length: its updates are ignored",
                       l->s->cfg->name, l->cfg->srv.name, l->s->tbls[i].def.name.ptr);
                return;
        }
        l->lt[i].remote = d;
        l->lt[i].remote.name = SL_STR_NULL; /* pointed into the input */
        l->lt[i].remote_id = d.table_id;
        l->rx_tbl = i;
}

/* Another peer's value of counter @dt: the last writer's, as in HAProxy. When other sluice
 * nodes' counts are kept apart, it is taken as the cluster's, so this node's own count
 * becomes what makes the sum that value (none below 0). */
static int pl_apply_value(struct stkt *t, uint32_t idx, enum stkt_data_type dt, uint64_t v)
{
        uint64_t all, own;

        if (stkt_contrib_count(t) && dt != STKT_DT_SERVER_ID && dt != STKT_DT_GPT0 &&
            stkt_get(t, idx, dt, &all) == 0 && stkt_get_local(t, idx, dt, &own) == 0) {
                uint64_t others = all - own;

                v = v > others ? v - others : 0;
        }
        return stkt_set(t, idx, dt, v);
}

/* The key of update @u for table @tb, into @k (@ikey holds an integer key). */
static void pl_key(const struct pl_tbl *tb, const struct peers_upd *u, uint64_t *ikey,
                   struct stkt_key *k)
{
        struct stkt_def d;

        if (tb->def.key_type == PEERS_KT_SINT) {
                *ikey = u->key_int;
                *k = (struct stkt_key){ikey, sizeof(*ikey)};
                return;
        }
        stkt_definition(tb->t, &d);
        /* HAProxy keeps what fits */
        *k = (struct stkt_key){u->key, (uint32_t)SL_MIN(u->key_len, (size_t)d.key_len)};
}

/* This node's own counts of an entry, as the peer kept them, while this node restores them
 * (a table made anew): added to what it counted since it started, and sent on as its own. */
static void pl_apply_yours(struct pl_link *l, int i, const struct peers_upd *u)
{
        struct pl_tbl *tb = &l->s->tbls[i];
        struct pl_ltbl *lt = &l->lt[i];
        uint64_t ikey, now = pl_now(l);
        struct stkt_key k;
        struct stkt_def d;
        uint32_t idx;

        if (l->s->restoring != l || stkt_own_restored(tb->t))
                return;
        pl_key(tb, u, &ikey, &k);
        if (stkt_get_or_insert(tb->t, &k, now, &idx) < 0)
                return;
        stkt_definition(tb->t, &d);
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                int dt;

                if (!(lt->yremote.data & (1ull << wt)) || !u->v[wt].u)
                        continue;
                dt = pl_local_dt(wt);
                if (dt < 0 || !(d.store & STKT_F(dt)) || dt == STKT_DT_SERVER_ID ||
                    dt == STKT_DT_GPT0 || dt == STKT_DT_CONN_CUR ||
                    stkt_dt_is_rate((enum stkt_data_type)dt))
                        continue;
                (void)stkt_add(tb->loud, idx, (enum stkt_data_type)dt, u->v[wt].u);
        }
        stkt_set_expire(tb->t, idx, now + (u->has_expire ? u->expire : d.expire_ms), now);
}

static void pl_apply(struct pl_link *l, uint8_t type, const uint8_t *body, size_t len)
{
        struct pl_tbl *tb;
        struct pl_ltbl *lt;
        struct peers_upd u;
        struct stkt_key k;
        uint64_t ikey, now = pl_now(l);
        uint32_t idx;
        struct stkt_def d;
        int r;

        if (l->rx_tbl < 0)
                return;
        tb = &l->s->tbls[l->rx_tbl];
        lt = &l->lt[l->rx_tbl];
        r = peers_upd_decode(l->rx_yours ? &lt->yremote : &lt->remote, type, body, len, &u);
        if (r < 0) {
                pl_close(l, "malformed update");
                return;
        }
        if (l->rx_yours) {
                pl_apply_yours(l, l->rx_tbl, &u);
                return;
        }
        lt->last_get = u.has_id ? u.id : lt->last_get + 1;
        lt->got = true;
        l->rx_updates++;
        stkt_pos_count(tb->t, lt->pos, 0, 1);
        stkt_definition(tb->t, &d);
        if (tb->def.key_type == PEERS_KT_SINT) {
                ikey = u.key_int;
                k = (struct stkt_key){&ikey, sizeof(ikey)};
        } else {
                size_t kl = u.key_len;

                /* HAProxy keeps what fits */
                if (d.key_type == STKT_KEY_STRING || d.key_type == STKT_KEY_BINARY)
                        kl = SL_MIN(kl, d.key_len);
                k = (struct stkt_key){u.key, (uint32_t)kl};
        }
        r = stkt_get_or_insert(tb->t, &k, now, &idx);
        if (r < 0)
                return;
        /* A resync fills a new table: an entry this node already has was made by its own
         * traffic since, and is newer than the peer's copy (which may be this node's own
         * older count, sent back: HAProxy teaches what it learnt too). */
        if (r == 0 && l->learning && lt->cslot < 0)
                return;
        for (unsigned wt = 0; wt < PEERS_DT_COUNT; wt++) {
                int dt;

                if (!(lt->remote.data & (1ull << wt)))
                        continue;
                dt = pl_local_dt(wt);
                if (dt < 0 || !(d.store & STKT_F(dt)))
                        continue;
                if (stkt_dt_is_rate((enum stkt_data_type)dt)) {
                        struct stkt_freq f = {
                                .curr_tick = (uint32_t)(now - u.v[wt].freq.age),
                                .curr_ctr = (uint32_t)u.v[wt].freq.curr,
                                .prev_ctr = (uint32_t)u.v[wt].freq.prev,
                        };

                        if (lt->cslot >= 0)
                                (void)stkt_contrib_freq_set(tb->t, idx, (uint32_t)lt->cslot,
                                                            (enum stkt_data_type)dt, &f);
                        else
                                (void)stkt_freq_set(tb->t, idx, (enum stkt_data_type)dt, &f);
                } else if (lt->cslot >= 0 && dt != STKT_DT_SERVER_ID && dt != STKT_DT_GPT0) {
                        /* the peer's own count, kept apart: replaces its previous one */
                        (void)stkt_contrib_set(tb->t, idx, (uint32_t)lt->cslot,
                                               (enum stkt_data_type)dt, u.v[wt].u);
                } else if (dt == STKT_DT_CONN_CUR) {
                        /* another peer's: HAProxy ignores a peer's too; it counts that
                         * node's connections */
                } else {
                        (void)pl_apply_value(tb->t, idx, (enum stkt_data_type)dt, u.v[wt].u);
                }
        }
        stkt_set_expire(tb->t, idx, now + (u.has_expire ? u.expire : d.expire_ms), now);
}

static void pl_on_ack(struct pl_link *l, const uint8_t *body, size_t len)
{
        uint64_t table_id;
        uint32_t id;

        if (peers_ack_decode(body, len, &table_id, &id) < 0) {
                pl_close(l, "malformed acknowledgement");
                return;
        }
        for (size_t i = 0; i < l->s->n_tbls; i++) {
                struct pl_ltbl *lt = &l->lt[i];
                uint64_t acked;

                if (l->s->tbls[i].id != table_id || lt->scan)
                        continue;
                /* the 32-bit id of a sequence at most 2^32 below the last one sent */
                acked = lt->cursor - (uint32_t)((uint32_t)lt->cursor - id);
                if (acked <= lt->cursor && acked > stkt_pos_acked(l->s->tbls[i].t, lt->pos))
                        stkt_pos_set_acked(l->s->tbls[i].t, lt->pos, acked);
        }
}

static void pl_on_msg(struct pl_link *l, const struct peers_msg *m)
{
        switch (m->cls) {
        case PEERS_CLASS_CONTROL:
                switch (m->type) {
                case PEERS_CTRL_RESYNC_REQ:
                        /* a sluice node asks for this node's counts; another peer for
                         * everything this node has */
                        l->teaching = true;
                        for (size_t i = 0; i < l->s->n_tbls; i++) {
                                struct pl_ltbl *lt = &l->lt[i];
                                uint64_t head;

                                pl_scan(l, i, l->sum ? 0 : STKT_UPD_ALL);
                                free(lt->yscan);
                                lt->yscan = NULL;
                                lt->yscan_n = lt->yscan_i = 0;
                                if (l->sum && lt->cslot >= 0 &&
                                    stkt_upd_collect(l->s->tbls[i].t, STKT_UPD_ALL, pl_now(l),
                                                     &head, &lt->yscan, &lt->yscan_n) < 0)
                                        lt->yscan_n = 0;
                        }
                        break;
                case PEERS_CTRL_RESYNC_FINISHED:
                case PEERS_CTRL_RESYNC_PARTIAL:
                        if (l->s->restoring == l) {
                                for (size_t i = 0; i < l->s->n_tbls; i++)
                                        stkt_set_own_restored(l->s->tbls[i].t);
                                l->s->restoring = NULL;
                                sl_log(LOG_INFO,
                                       "peers '%s': this node's counts restored from "
                                       "'%s'",
                                       l->s->cfg->name, l->cfg->srv.name);
                        }
                        if (l->learning) {
                                l->learning = false;
                                for (size_t i = 0; l->sum && i < l->s->n_tbls; i++)
                                        if (l->lt[i].cslot >= 0)
                                                stkt_contrib_set_full(l->s->tbls[i].t,
                                                                      (uint32_t)l->lt[i].cslot);
                                pl_learned(l->s);
                                sl_log(LOG_INFO, "peers '%s': tables learnt from '%s'",
                                       l->s->cfg->name, l->cfg->srv.name);
                        }
                        (void)pl_send_ctrl(l, PEERS_CLASS_CONTROL, PEERS_CTRL_RESYNC_CONFIRM);
                        break;
                default:
                        break; /* confirm, heartbeat */
                }
                return;
        case PEERS_CLASS_ERROR:
                pl_close(l, m->type == PEERS_ERR_SIZE_LIMIT ? "the peer's size limit"
                                                            : "the peer saw a protocol error");
                return;
        case PEERS_CLASS_STKT:
                switch (m->type) {
                case PEERS_STKT_DEFINE:
                        pl_on_define(l, m->body, m->len);
                        break;
                case PEERS_STKT_SWITCH: {
                        const uint8_t *p = m->body;
                        uint64_t id;

                        l->rx_tbl = -1;
                        if (peers_switch_decode(p, m->len, &id) < 0)
                                break;
                        l->rx_yours = false;
                        for (size_t i = 0; i < l->s->n_tbls; i++) {
                                if (l->lt[i].remote_id && l->lt[i].remote_id == id)
                                        l->rx_tbl = (int)i;
                                if (l->lt[i].remote_yid && l->lt[i].remote_yid == id) {
                                        l->rx_tbl = (int)i;
                                        l->rx_yours = true;
                                }
                        }
                        break;
                }
                case PEERS_STKT_UPDATE:
                case PEERS_STKT_INCUPDATE:
                case PEERS_STKT_UPDATE_TIMED:
                case PEERS_STKT_INCUPDATE_TIMED:
                        pl_apply(l, m->type, m->body, m->len);
                        break;
                case PEERS_STKT_ACK:
                        pl_on_ack(l, m->body, m->len);
                        break;
                default:
                        break;
                }
                return;
        default:
                pl_close(l, "unknown message class");
                return;
        }
}

static void pl_send_acks(struct pl_link *l)
{
        for (size_t i = 0; i < l->s->n_tbls; i++) {
                struct pl_ltbl *lt = &l->lt[i];
                uint8_t *o;
                size_t n;

                if (!lt->got || !lt->remote_id)
                        continue;
                o = pl_out_room(l, 32);
                if (!o)
                        return;
                n = peers_ack_encode(o, 32, lt->remote_id, lt->last_get);
                l->out_len += n;
                lt->got = false;
        }
}

static void pl_on_input(struct pl_link *l)
{
        size_t off = 0;

        while (l->fd >= 0 && l->st == PL_UP && off < l->in_len) {
                struct peers_msg m;
                size_t used;
                int r = peers_msg_next(l->in + off, l->in_len - off, PL_IN_MAX, &m, &used);

                if (r == -EAGAIN)
                        break;
                if (r == -EMSGSIZE) {
                        (void)pl_send_ctrl(l, PEERS_CLASS_ERROR, PEERS_ERR_SIZE_LIMIT);
                        pl_flush(l);
                        pl_close(l, "message over the size limit");
                        return;
                }
                if (r < 0) {
                        (void)pl_send_ctrl(l, PEERS_CLASS_ERROR, PEERS_ERR_PROTOCOL);
                        pl_flush(l);
                        pl_close(l, "protocol error");
                        return;
                }
                pl_on_msg(l, &m);
                off += used;
        }
        if (l->fd < 0)
                return;
        memmove(l->in, l->in + off, l->in_len - off);
        l->in_len -= off;
        pl_send_acks(l);
        pl_push(l);
        pl_flush(l);
}

/* ---- the link's life ---- */

/* The peer's position in each shared table (and its block of counts). */
static uint64_t pl_pos_id(const struct pl_link *l)
{
        return stkt_pos_id(l->s->cfg->name, l->cfg->srv.name);
}

/* Does a table of @s wait for this node's own earlier counts (made anew, and no peer
 * answered yet within PL_RESYNC_MS of the start)? */
static bool pl_needs_restore(struct pl_sect *s)
{
        bool need = false;

        for (size_t i = 0; i < s->n_tbls; i++)
                if (stkt_contrib_count(s->tbls[i].t) && !stkt_own_restored(s->tbls[i].t))
                        need = true;
        if (need && loop_now(s->pl->w->loop) >= s->restore_deadline) {
                /* nobody could give them back: this node starts from its new counts */
                for (size_t i = 0; i < s->n_tbls; i++)
                        stkt_set_own_restored(s->tbls[i].t);
                return false;
        }
        return need;
}

static void pl_up(struct pl_link *l)
{
        struct pl_sect *s = l->s;
        bool someone_teaches = false, need_counts = false;

        l->st = PL_UP;
        l->last_rx = l->last_tx = pl_now(l);
        pl_ltbl_reset(l);
        sl_log(LOG_NOTICE, "peers '%s': link to '%s' up (%s%s)", s->cfg->name, l->cfg->srv.name,
               l->outgoing ? "connected" : "accepted", l->sum ? ", counts per node" : "");
        for (size_t i = 0; i < s->n_tbls; i++) {
                struct pl_ltbl *lt = &l->lt[i];
                uint64_t acked;

                lt->pos = stkt_pos(s->tbls[i].t, pl_pos_id(l));
                stkt_pos_set_up(s->tbls[i].t, lt->pos, true);
                acked = lt->pos >= 0 ? stkt_pos_acked(s->tbls[i].t, lt->pos) : 0;
                lt->cursor = acked;
                /* what changed here since the peer's last acknowledgement (everything
                 * changed here for a peer that never acknowledged): a new owner after a
                 * reload goes on where the last one stopped */
                if (!acked || stkt_upd_head(s->tbls[i].t) - acked > STKT_RING_MAX)
                        pl_scan(l, i, acked);
                lt->cslot = -1;
                if (l->sum && stkt_contrib_count(s->tbls[i].t)) {
                        int c = stkt_contrib_slot(s->tbls[i].t, pl_pos_id(l));

                        lt->cslot = c;
                        need_counts |= c >= 0 && !stkt_contrib_full(s->tbls[i].t, (uint32_t)c);
                }
        }
        if (l->sum) {
                /* a table made anew (a node restarted from scratch) gets its own earlier
                 * counts back from the first sluice peer up, which asks it for them */
                if (!s->restoring && pl_needs_restore(s)) {
                        s->restoring = l;
                        need_counts = true;
                }
                /* every node's counts come from that node: a block not filled since the
                 * table was made asks that node for all of them */
                if (need_counts && pl_send_ctrl(l, PEERS_CLASS_CONTROL, PEERS_CTRL_RESYNC_REQ))
                        l->learning = true;
                pl_on_input(l);
                return;
        }
        for (size_t i = 0; i < s->n_links; i++)
                someone_teaches |= s->links[i].learning && !s->links[i].sum;
        if (!s->resynced && !someone_teaches && s->n_tbls) {
                if (pl_send_ctrl(l, PEERS_CLASS_CONTROL, PEERS_CTRL_RESYNC_REQ))
                        l->learning = true;
        }
        pl_on_input(l);
}

static void pl_on_io(struct loop_io *io, uint32_t events)
{
        struct pl_link *l = sl_container_of(io, struct pl_link, io);

        if (l->st == PL_CONNECTING) {
                int err = 0;
                socklen_t len = sizeof(err);

                if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
                        return;
                if (getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
                        pl_close(l, "connect failed");
                        return;
                }
                l->st = PL_WAIT_STATUS;
        }
        if (!l->hs_done) {
                int r = pl_handshake(l->ssl, &l->hs_want, l->s->cfg->name, l->cfg->srv.name);

                if (r < 0) {
                        pl_close(l, "TLS handshake failed");
                        return;
                }
                if (r == 0) {
                        pl_watch(l);
                        return;
                }
                l->hs_done = true;
                events |= EPOLLOUT | EPOLLIN; /* the hello goes now; read what came */
        }
        if (events & EPOLLOUT)
                pl_flush(l);
        if (l->fd >= 0 && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) {
                for (int rounds = 0; rounds < 64 && l->fd >= 0; rounds++) {
                        ssize_t n;

                        if (l->in_len >= PL_IN_MAX + 16) {
                                pl_close(l, "input over the size limit");
                                return;
                        }
                        n = pl_recv(l->fd, l->ssl, l->in + l->in_len, PL_IN_MAX + 16 - l->in_len);
                        if (n == 0) {
                                pl_close(l, "closed by the peer");
                                return;
                        }
                        if (n < 0) {
                                if (n != -EAGAIN)
                                        pl_close(l, "read error");
                                break;
                        }
                        l->in_len += (size_t)n;
                        l->last_rx = pl_now(l);
                        if (l->st == PL_WAIT_STATUS)
                                pl_on_status(l);
                        if (l->st == PL_UP)
                                pl_on_input(l);
                }
        }
}

/* Every PL_POLL_MS: connect where needed, time out handshakes and silent peers, send
 * heartbeats, push what changed. */
static void pl_on_poll(struct loop_timer *t)
{
        struct peer_links *pl = sl_container_of(t, struct peer_links, poll);
        uint64_t now = loop_now(pl->w->loop), sent = 0;

        for (size_t k = 0; k < pl->n_sects; k++) {
                struct pl_sect *s = &pl->sects[k];
                struct sl_list *pos, *tmp;

                if (!s->restoring && s->n_links && pl_needs_restore(s)) {
                        /* the peer that was to give this node's counts back went away */
                        for (size_t i = 0; i < s->n_links && !s->restoring; i++) {
                                struct pl_link *l = &s->links[i];

                                if (l->st == PL_UP && l->sum &&
                                    pl_send_ctrl(l, PEERS_CLASS_CONTROL, PEERS_CTRL_RESYNC_REQ)) {
                                        l->learning = true;
                                        s->restoring = l;
                                }
                        }
                }
                if (s->restoring && now >= s->restore_deadline) {
                        s->restoring = NULL;
                        (void)pl_needs_restore(s); /* gives up */
                }
                if (!s->resynced && now >= s->resync_deadline) {
                        bool learning = false;

                        for (size_t i = 0; i < s->n_links; i++)
                                learning |= s->links[i].learning;
                        if (!learning)
                                pl_learned(s); /* nobody could teach us: go on */
                }
                sl_list_for_each_safe(pos, tmp, &s->accepted) {
                        struct pl_acc *a = sl_list_entry(pos, struct pl_acc, link);

                        if (now >= a->deadline)
                                pl_acc_free(a);
                }
                for (size_t i = 0; i < s->n_links; i++) {
                        struct pl_link *l = &s->links[i];

                        switch (l->st) {
                        case PL_IDLE:
                                if (now >= l->retry_at)
                                        pl_connect(l);
                                break;
                        case PL_CONNECTING:
                        case PL_WAIT_STATUS:
                                if (now >= l->deadline)
                                        pl_close(l, "handshake timeout");
                                break;
                        case PL_UP:
                                /* records TLS decrypted past what the last read took */
                                if (l->ssl && SSL_pending(l->ssl) > 0)
                                        pl_on_io(&l->io, EPOLLIN);
                                if (l->fd < 0)
                                        break;
                                if (now - l->last_rx > PL_RX_IDLE_MS) {
                                        pl_close(l, "nothing received for 5 s");
                                        break;
                                }
                                sent -= l->tx_updates;
                                pl_push(l);
                                sent += l->tx_updates;
                                if (now - l->last_tx >= PL_HEARTBEAT_MS && l->out_off == l->out_len)
                                        (void)pl_send_ctrl(l, PEERS_CLASS_CONTROL,
                                                           PEERS_CTRL_HEARTBEAT);
                                pl_flush(l);
                                break;
                        }
                }
        }
        /* Other workers' changes wake nobody: the logs are read every millisecond while
         * changes flow (an update reaches the peers within about a millisecond), every
         * PL_POLL_MS when quiet (a hundred wake-ups a second at rest) */
        if (sent)
                pl->busy_until = now + PL_BUSY_MS;
        loop_timer_arm(t, now < pl->busy_until ? PL_POLL_BUSY_MS : PL_POLL_MS);
}

/* ---- start and stop ---- */

static int pl_listen_own(const struct cfg_bind *b)
{
        struct sockaddr_storage ss;
        socklen_t len;
        int fd, one = 1;

        if (pl_socket_addr(&b->addr, &ss, &len) < 0)
                return -EAFNOSUPPORT;
        fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        return fd;
}

static int pl_sect_init(struct peer_links *pl, struct pl_sect *s, const struct cfg_peers *c)
{
        struct worker *w = pl->w;

        s->pl = pl;
        s->cfg = c;
        s->local = w->gen->global.localpeer;
        sl_list_init(&s->accepted);
        s->resync_deadline = loop_now(w->loop) + PL_RESYNC_MS;
        s->restore_deadline = s->resync_deadline;
        s->tbls = calloc(c->n_tables ? c->n_tables : 1, sizeof(*s->tbls));
        s->links = calloc(c->n_peers ? c->n_peers : 1, sizeof(*s->links));
        s->lsn = calloc(c->n_binds ? c->n_binds : 1, sizeof(*s->lsn));
        if (!s->tbls || !s->links || !s->lsn)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tables; i++) {
                struct px_rt *rt = worker_rt(w, c->tables[i].px);
                struct pl_tbl *tb = &s->tbls[s->n_tbls];

                if (!rt || !rt->table || !stkt_synced(rt->table)) {
                        sl_log(LOG_ERR, "peers '%s': table '%s' is not synced", c->name,
                               c->tables[i].px->name);
                        continue;
                }
                tb->loud = rt->table;
                tb->t = stkt_dup(rt->table);
                if (!tb->t)
                        return -ENOMEM;
                stkt_set_quiet(tb->t, true);
                tb->id = s->n_tbls + 1;
                pl_tbl_define(tb, c->tables[i].wire_name);
                s->n_tbls++;
        }
        for (size_t i = 0; i < c->n_peers; i++) {
                struct pl_link *l = &s->links[s->n_links];

                if (c->peers[i].local)
                        continue;
                l->s = s;
                l->cfg = &c->peers[i];
                l->fd = -1;
                l->rx_tbl = l->tx_tbl = -1;
                l->in = malloc(PL_IN_MAX + 16);
                l->out = malloc(PL_OUT_MAX);
                l->lt = calloc(s->n_tbls ? s->n_tbls : 1, sizeof(*l->lt));
                if (!l->in || !l->out || !l->lt)
                        return -ENOMEM;
                /* the first connections go out at once: a starting node learns quickly */
                l->retry_at = loop_now(w->loop);
                s->n_links++;
        }
        for (size_t i = 0; i < c->n_binds; i++) {
                const struct cfg_bind *b = &c->binds[i];
                struct pl_lsn *ln = &s->lsn[s->n_lsn];
                int fd = w->opts && w->opts->peers_fd ? w->opts->peers_fd(w->opts->listener_data, b)
                                                      : -1;

                ln->tls = b->tls.ssl ? tls_set_bind(w->tls, b) : NULL;
                if (b->tls.ssl && !ln->tls) {
                        /* never in the clear what the configuration says to encrypt */
                        sl_log(LOG_ERR, "%s:%u: peers '%s': no TLS context: not listening",
                               b->where.file, b->where.line, c->name);
                        continue;
                }
                ln->own = fd < 0;
                if (fd < 0)
                        fd = pl_listen_own(b);
                if (fd < 0) {
                        log_errno(LOG_ERR, fd, "%s:%u: peers '%s': cannot listen", b->where.file,
                                  b->where.line, c->name);
                        continue;
                }
                (void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                ln->s = s;
                ln->fd = fd;
                loop_io_init(w->loop, &ln->io, fd, pl_on_accept);
                loop_io_start(&ln->io, EPOLLIN);
                s->n_lsn++;
        }
        s->resynced = true;
        for (size_t i = 0; i < s->n_tbls; i++) {
                s->resynced &= stkt_learned(s->tbls[i].t);
                /* a link the last owner left up is down until this one brings it up */
                for (size_t k = 0; k < s->n_links; k++)
                        stkt_pos_set_up(s->tbls[i].t,
                                        stkt_pos_find(s->tbls[i].t, pl_pos_id(&s->links[k])),
                                        false);
        }
        sl_log(LOG_INFO, "peers '%s': %zu tables synced with %zu peers, from this worker", c->name,
               s->n_tbls, s->n_links);
        return 0;
}

/* Close every socket of @s (the memory goes later, pl_sect_free()). */
static void pl_sect_close(struct pl_sect *s)
{
        for (size_t i = 0; s->links && i < s->n_links; i++) {
                struct pl_link *l = &s->links[i];

                SSL_free(l->ssl);
                l->ssl = NULL;
                if (l->fd >= 0)
                        loop_io_close(&l->io);
                l->fd = -1;
        }
        for (size_t i = 0; i < s->n_lsn; i++) {
                if (s->lsn[i].own)
                        loop_io_close(&s->lsn[i].io);
                else
                        loop_io_stop(&s->lsn[i].io);
        }
        s->n_lsn = 0;
        while (s->accepted.next && !sl_list_empty(&s->accepted))
                pl_acc_free(sl_list_first(&s->accepted, struct pl_acc, link));
}

static void pl_sect_free(struct pl_sect *s)
{
        for (size_t i = 0; s->links && i < s->n_links; i++) {
                struct pl_link *l = &s->links[i];

                for (size_t k = 0; l->lt && k < s->n_tbls; k++) {
                        free(l->lt[k].scan);
                        free(l->lt[k].yscan);
                }
                free(l->lt);
                free(l->in);
                free(l->out);
        }
        for (size_t i = 0; s->tbls && i < s->n_tbls; i++) {
                stkt_free(s->tbls[i].t);
                free(s->tbls[i].yname);
        }
        free(s->tbls);
        free(s->links);
        free(s->lsn);
}

int peers_start(struct worker *w)
{
        struct cfg_gen *g = w->gen;
        struct peer_links *pl;
        int r;

        if (!g->n_peers)
                return 0;
        pl = calloc(1, sizeof(*pl));
        if (!pl)
                return -ENOMEM;
        pl->w = w;
        pl->max_updates = g->global.tune_peers_max_updates ? g->global.tune_peers_max_updates
                                                           : CFG_PEERS_MAX_UPDATES_DEFAULT;
        pl->sects = calloc(g->n_peers, sizeof(*pl->sects));
        r = pl->sects ? loop_timer_init(w->loop, &pl->poll, pl_on_poll) : -ENOMEM;
        w->peer_links = pl;
        if (r < 0)
                goto fail;
        for (size_t i = 0; i < g->n_peers; i++) {
                if (g->peers[i]->disabled)
                        continue;
                r = pl_sect_init(pl, &pl->sects[pl->n_sects], g->peers[i]);
                pl->n_sects++;
                if (r < 0)
                        goto fail;
        }
        loop_timer_arm(&pl->poll, 0);
        return 0;
fail:
        peers_stop(w);
        return r;
}

static void pl_reap(struct loop_reap *r)
{
        struct peer_links *pl = sl_container_of(r, struct peer_links, reap);

        for (size_t i = 0; i < pl->n_sects; i++)
                pl_sect_free(&pl->sects[i]);
        free(pl->sects);
        free(pl);
}

void peers_stop(struct worker *w)
{
        struct peer_links *pl = w->peer_links;

        if (!pl)
                return;
        loop_timer_deinit(&pl->poll);
        for (size_t i = 0; i < pl->n_sects; i++)
                pl_sect_close(&pl->sects[i]);
        /* the links' watchers may be in this turn's events: the memory goes after it */
        loop_reap_init(&pl->reap, pl_reap);
        loop_reap(w->loop, &pl->reap);
        w->peer_links = NULL;
}

/* ---- show peers ---- */

static const char *pl_state_name(const struct pl_link *l)
{
        switch (l->st) {
        case PL_IDLE:
                return "IDLE";
        case PL_CONNECTING:
                return "CONN";
        case PL_WAIT_STATUS:
                return "HSHK";
        default:
                return "ESTA";
        }
}

static void pl_addr_text(const struct cfg_addr *a, char *buf, size_t size)
{
        char ip[INET6_ADDRSTRLEN] = "?";

        if (a->family == CFG_ADDR_IPV4)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, ip, sizeof(ip));
        else if (a->family == CFG_ADDR_IPV6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, ip,
                          sizeof(ip));
        snprintf(buf, size, a->family == CFG_ADDR_IPV6 ? "[%s]:%u" : "%s:%u", ip, a->port_low);
}

void peers_show(struct worker *w, const char *section, FILE *out)
{
        const struct peer_links *pl = w->peer_links;
        uint64_t now = loop_now(w->loop);

        if (!pl)
                return;
        for (size_t k = 0; k < pl->n_sects; k++) {
                const struct pl_sect *s = &pl->sects[k];

                if (section && strcmp(section, s->cfg->name) != 0)
                        continue;
                fprintf(out, "%p: id=%s disabled=0 local=%s resynced=%d\n", (const void *)s,
                        s->cfg->name, s->local, s->resynced);
                for (size_t i = 0; i < s->n_links; i++) {
                        const struct pl_link *l = &s->links[i];
                        char addr[128];

                        pl_addr_text(&l->cfg->srv.addr, addr, sizeof(addr));
                        fprintf(out,
                                "  %p: id=%s(remote,%s) addr=%s last_status=%s last_hdshk=%d "
                                "reconnect=%s\n"
                                "        tx_updates=%llu rx_updates=%llu new_conn=%llu "
                                "teaching=%d learning=%d out=%zu\n",
                                (const void *)l, l->cfg->srv.name,
                                l->st == PL_UP ? "active" : "inactive", addr, pl_state_name(l),
                                l->last_status,
                                l->st == PL_IDLE && l->retry_at > now ? "soon" : "-",
                                (unsigned long long)l->tx_updates,
                                (unsigned long long)l->rx_updates,
                                (unsigned long long)l->reconnects, l->teaching, l->learning,
                                l->out_len - l->out_off);
                        if (s->n_tbls)
                                fputs("        shared tables:\n", out);
                        for (size_t t = 0; t < s->n_tbls; t++) {
                                const struct pl_ltbl *lt = &l->lt[t];
                                const struct pl_tbl *tb = &s->tbls[t];

                                fprintf(out,
                                        "          %p: id=%s local_id=%llu remote_id=%llu "
                                        "last_acked=%llu last_pushed=%llu last_get=%u "
                                        "update=%llu\n",
                                        (const void *)lt, tb->def.name.ptr,
                                        (unsigned long long)tb->id,
                                        (unsigned long long)lt->remote_id,
                                        (unsigned long long)stkt_pos_acked(tb->t, lt->pos),
                                        (unsigned long long)lt->cursor, lt->last_get,
                                        (unsigned long long)stkt_upd_head(tb->t));
                        }
                }
        }
}
