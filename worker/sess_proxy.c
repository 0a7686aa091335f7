/* The PROXY header of a client connection (see sess_proxy.h). */
#include "sess_proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "log.h"
#include "macros.h"
#include "model.h"
#include "proxy_hdr.h"
#include "sess_addr.h"
#include "sess_more.h"
#include "session.h"
#include "stream-t.h"
#include "wcount.h"
#include "wctx.h"

/* ---- reading a client's header ---- */

/* What a session holds while its header is read; freed once it is over. The bytes read so
 * far are kept: a header that came in part is taken from the socket (every byte of a valid
 * beginning is the header's), so that the socket is not reported readable again until more
 * comes. */
struct sess_pph {
        struct sess_handshake head; /* first: what ss->hs points to */
        struct conn_hs hs;
        struct loop_timer timer; /* timeout client, from the accept */
        struct sess *ss;         /* borrowed */
        void (*done)(struct sess *ss);
        uint16_t have;
        const char *why; /* HAProxy's message for the log when it fails */
        bool null;       /* the client sent nothing */
        uint8_t buf[PP_HDR_MAX];
};

static void pph_end(struct sess *ss)
{
        struct sess_pph *h = (struct sess_pph *)ss->hs;

        ss->hs = NULL;
        loop_timer_deinit(&h->timer);
        free(h);
}

/* One line per failed header, never one per byte: counted, logged (HAProxy's message in the
 * frontend's log), the session closed. */
static void pph_failed(struct sess *ss, const char *why, bool null)
{
        char ip[INET6_ADDRSTRLEN];
        unsigned port = sess_peer(ss, ip, sizeof(ip));

        wc_proc_add(ss->w, ST_C_PP_FAILED);
        sl_log(LOG_INFO, "%s: PROXY protocol header from %s:%u: %s", ss->fe->name, ip, port, why);
        if (ss->bind)
                sess_log_embryonic(ss, ss->bind, why, null);
        pph_end(ss);
        sess_close(ss);
}

/* Could @p (@len bytes) begin a PROXY header at all (a prefix of "PROXY " or of the v2
 * signature)? HAProxy tells "not a PROXY header" from "an invalid one" in its log. */
static bool looks_like_pp(const uint8_t *p, size_t len)
{
        static const char v1[] = "PROXY ";

        if (len == 0)
                return true;
        if (memcmp(p, v1, SL_MIN(len, sizeof(v1) - 1)) == 0)
                return true;
        return memcmp(p, pp_v2_sig, SL_MIN(len, (size_t)PP_V2_SIG_LEN)) == 0;
}

static void apply(struct sess *ss, const struct pp_info *info)
{
        if (!info->local) {
                sl_addr_set(&ss->src, (const struct sockaddr *)&info->src, sizeof(info->src));
                sl_addr_set(&ss->dst, (const struct sockaddr *)&info->dst, sizeof(info->dst));
                ss->dst_known = true;
        }
        if (info->tlv_len) {
                struct sess_more *m = sess_more(ss);
                uint8_t *tlv = m ? malloc(info->tlv_len) : NULL;

                if (tlv) {
                        memcpy(tlv, info->tlv, info->tlv_len);
                        free(m->pp_tlv);
                        m->pp_tlv = tlv;
                        m->pp_tlv_len = (uint16_t)info->tlv_len;
                } else if (m) {
                        wc_proc_add(ss->w, ST_C_POOL_FAILED);
                }
        }
}

/* The handshake step: peek at what came, take what belongs to the header, exactly. */
static int pph_step(struct conn *c, void *data)
{
        struct sess_pph *h = data;
        struct pp_info info;
        ssize_t n, got;
        size_t take;
        int r;

        for (;;) {
                n = conn_peek(c, h->buf + h->have, sizeof(h->buf) - h->have);
                if (n == -EAGAIN) {
                        conn_want(c, CONN_WANT_RD);
                        return -EAGAIN;
                }
                if (n <= 0) {
                        h->null = h->have == 0;
                        h->why = n == 0 ? (h->have ? "Truncated PROXY protocol header received."
                                                   : "Connection closed while waiting for PROXY "
                                                     "protocol header.")
                                        : "Connection error while waiting for PROXY protocol "
                                          "header.";
                        return n == 0 ? -ECONNABORTED : (int)n;
                }
                r = pp_parse(h->buf, h->have + (size_t)n, &info);
                if (r < 0) {
                        h->why = looks_like_pp(h->buf, h->have + (size_t)n)
                                         ? "Received an invalid PROXY protocol header."
                                         : "Received something which does not look like a "
                                           "PROXY protocol header.";
                        return -EPROTO;
                }
                /* all of a valid beginning, or the rest of the header and no more */
                take = r > 0 ? (size_t)r - h->have : (size_t)n;
                got = conn_read(c, h->buf + h->have, take);
                if (got != (ssize_t)take) {
                        h->why = "Connection error while waiting for PROXY protocol header.";
                        return got < 0 ? (int)got : -EIO;
                }
                h->have = (uint16_t)(h->have + take);
                if (r > 0) {
                        apply(h->ss, &info);
                        return 0;
                }
        }
}

static void pph_complete(struct conn *c, int err)
{
        struct sess *ss = sl_container_of(c, struct sess, conn);
        struct sess_pph *h = (struct sess_pph *)ss->hs;
        void (*done)(struct sess * ss) = h->done;

        if (err < 0) {
                pph_failed(ss,
                           h->why ? h->why
                                  : "Connection error while waiting for PROXY "
                                    "protocol header.",
                           h->null);
                return;
        }
        pph_end(ss);
        done(ss);
}

static void pph_timeout(struct loop_timer *t)
{
        struct sess_pph *h = sl_container_of(t, struct sess_pph, timer);

        pph_failed(h->ss, "Timeout while waiting for PROXY protocol header.", h->have == 0);
}

int sess_proxy_start(struct sess *ss, void (*done)(struct sess *ss))
{
        uint64_t tmo = cfg_proxy_timeout(ss->fe, CFG_TO_CLIENT);
        struct sess_pph *h = malloc(sizeof(*h));

        if (!h)
                return -ENOMEM;
        h->have = 0;
        h->why = NULL;
        h->null = false;
        if (loop_timer_init(ss->w->loop, &h->timer, pph_timeout) < 0) {
                free(h);
                return -ENOMEM;
        }
        h->hs = (struct conn_hs){.step = {pph_step}, .data = {h}, .n = 1, .complete = pph_complete};
        h->ss = ss;
        h->done = done;
        h->head.end = pph_end;
        ss->hs = &h->head;
        if (tmo)
                loop_timer_arm(&h->timer, tmo);
        conn_handshake(&ss->conn, &h->hs);
        return 0;
}

bool sess_pp_tlv(const struct sess *ss, uint8_t type, struct sl_str *ret)
{
        const struct sess_more *m = ss->more;
        struct pp_info info;

        if (!m || !m->pp_tlv)
                return false;
        info = (struct pp_info){.version = 2, .tlv = m->pp_tlv, .tlv_len = m->pp_tlv_len};
        return pp_tlv_find(&info, type, ret);
}
