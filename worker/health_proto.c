/* What health checks send and expect (health-int.h): the protocol checks' sequences
 * (HAProxy's rulesets of option ssl-hello-chk, redis-check, mysql-check, pgsql-check and
 * smtpchk) and the matches of expect rules. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "health-int.h"
#include "macros.h"

/* ---- the protocol checks' sequences (HAProxy's rulesets) ---- */

/* An SSLv3 ClientHello (RFC 2246 A.3, A.4) offering the 39 ciphers HAProxy's does: enough
 * for any TLS server to answer with a handshake record or an alert. Bytes 11-14 are the
 * time, set at each send. */
static const unsigned char ssl_hello[] =
        {
                0x16, 0x03, 0x00, 0x00, 0x79, /* handshake, SSLv3, 0x79 bytes */
                0x01, 0x00, 0x00, 0x75,       /* ClientHello, 0x75 bytes */
                0x03, 0x00,                   /* version 3.0 */
                0x00, 0x00, 0x00, 0x00,       /* gmt_unix_time */
                'S',  'L',  'U',  'I',  'C',  'E',  '-',  'S',  'S',  'L',  '-',  'C',
                'H',  'E',  'C',  'K',  '-',  'R',  'A',  'N',  'D',  'O',  'M',  '-',
                '2',  '8',  'B',  '!', /* random: 28 bytes */
                0x00,                  /* no session id */
                0x00, 0x4e,            /* 78 bytes of cipher suites */
                0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00, 0x05, 0x00, 0x06,
                0x00, 0x07, 0x00, 0x08, 0x00, 0x09, 0x00, 0x0a, 0x00, 0x0b, 0x00, 0x0c,
                0x00, 0x0d, 0x00, 0x0e, 0x00, 0x0f, 0x00, 0x10, 0x00, 0x11, 0x00, 0x12,
                0x00, 0x13, 0x00, 0x14, 0x00, 0x15, 0x00, 0x16, 0x00, 0x17, 0x00, 0x18,
                0x00, 0x19, 0x00, 0x1a, 0x00, 0x1b, 0x00, 0x2f, 0x00, 0x30, 0x00, 0x31,
                0x00, 0x32, 0x00, 0x33, 0x00, 0x34, 0x00, 0x35, 0x00, 0x36, 0x00, 0x37,
                0x00, 0x38, 0x00, 0x39, 0x00, 0x3a, 0x01, 0x00, /* one compression method: none */
};

static struct cfg_check_rule *own_rule(struct chk *c, size_t *n, enum cfg_chk_kind kind)
{
        struct cfg_check_rule *r = &c->own[(*n)++];

        r->kind = kind;
        return r;
}

static struct cfg_check_rule *own_expect(struct chk *c, size_t *n, enum cfg_chk_custom custom,
                                         unsigned min_recv, enum cfg_chk_status err)
{
        struct cfg_check_rule *r = own_rule(c, n, CFG_CHK_EXPECT);

        r->match = CFG_CHK_M_CUSTOM;
        r->custom = custom;
        r->min_recv = min_recv;
        r->err_status = (uint8_t)err;
        return r;
}

/* The login packet of mysql-check user <u>: HAProxy's, for servers before and after 4.1,
 * followed by COM_QUIT */
static size_t mysql_login(const char *user, bool pre41, char *buf, size_t size)
{
        size_t ulen = strlen(user), n = 0, plen = ulen + 7 + (pre41 ? 0 : 27);

        if (ulen > 255 || size < plen + 4 + 5)
                return 0;
        buf[n++] = (char)(plen & 0xff);
        buf[n++] = (char)((plen >> 8) & 0xff);
        buf[n++] = (char)((plen >> 16) & 0xff);
        buf[n++] = 1; /* sequence id */
        if (pre41) {
                memcpy(buf + n, "\x00\x80\x00\x00\x01", 5); /* capabilities, max packet */
                n += 5;
        } else {
                memcpy(buf + n, "\x00\x82\x00\x00\x00\x80\x00\x01\x21", 9);
                n += 9;
                memset(buf + n, 0, 23); /* reserved */
                n += 23;
        }
        memcpy(buf + n, user, ulen + 1);
        n += ulen + 1;
        buf[n++] = 0;                               /* filler */
        memcpy(buf + n, "\x01\x00\x00\x00\x01", 5); /* COM_QUIT */
        return n + 5;
}

bool health_build_proto(struct chk *c)
{
        const struct cfg_checks *cc = &c->rt->px->checks;
        struct cfg_check_rule *r;
        size_t n = 0, len;

        c->own = calloc(6, sizeof(*c->own));
        c->own_data = malloc(1024);
        if (!c->own || !c->own_data)
                return false;
        /* a connection with the server's check settings, its PROXY header included */
        own_rule(c, &n, CFG_CHK_CONNECT)->dflt = true;
        switch (cc->proto) {
        case CFG_CHK_PROTO_SSL_HELLO:
                r = own_rule(c, &n, CFG_CHK_SEND);
                memcpy(c->own_data, ssl_hello, sizeof(ssl_hello));
                r->data = c->own_data;
                r->len = sizeof(ssl_hello);
                r = own_expect(c, &n, CFG_CHK_C_SSL_HELLO, 5, CFG_CHK_ST_L6RSP);
                r->ok_status = CFG_CHK_ST_L6OK;
                r->tout_status = CFG_CHK_ST_L6TOUT;
                break;
        case CFG_CHK_PROTO_REDIS:
                r = own_rule(c, &n, CFG_CHK_SEND);
                r->data = "*1\r\n$4\r\nPING\r\n";
                r->len = strlen(r->data);
                r = own_rule(c, &n, CFG_CHK_EXPECT);
                r->match = CFG_CHK_M_STRING;
                r->pat = "+PONG\r\n";
                r->pat_len = strlen(r->pat);
                r->err_status = CFG_CHK_ST_L7STS;
                r->ok_info = "Redis server is ok";
                r->err_from = 1;
                break;
        case CFG_CHK_PROTO_MYSQL:
                /* the login goes out at once, before the server's greeting (HAProxy's way) */
                if (cc->user) {
                        len = mysql_login(cc->user, cc->mysql_pre41, c->own_data, 1024);
                        if (!len)
                                return false;
                        r = own_rule(c, &n, CFG_CHK_SEND);
                        r->data = c->own_data;
                        r->len = len;
                }
                own_expect(c, &n, CFG_CHK_C_MYSQL_INITHS, 0, CFG_CHK_ST_NONE);
                if (cc->user)
                        own_expect(c, &n, CFG_CHK_C_MYSQL_OK, 0, CFG_CHK_ST_NONE);
                break;
        case CFG_CHK_PROTO_PGSQL: {
                /* StartupMessage: length, protocol 3.0, "user" <name>, end */
                size_t ulen = cc->user ? strlen(cc->user) : 0;
                uint32_t plen = (uint32_t)(15 + ulen);

                if (ulen > 900)
                        return false;
                c->own_data[0] = (char)(plen >> 24);
                c->own_data[1] = (char)(plen >> 16);
                c->own_data[2] = (char)(plen >> 8);
                c->own_data[3] = (char)plen;
                memcpy(c->own_data + 4, "\x00\x03\x00\x00user", 9);
                memcpy(c->own_data + 13, cc->user ? cc->user : "", ulen + 1);
                c->own_data[14 + ulen] = '\0';
                r = own_rule(c, &n, CFG_CHK_SEND);
                r->data = c->own_data;
                r->len = plen;
                r = own_expect(c, &n, CFG_CHK_C_PGSQL_NOT_E, 5, CFG_CHK_ST_L7RSP);
                r->err_from = 7;
                r = own_expect(c, &n, CFG_CHK_C_PGSQL_AUTH, 9, CFG_CHK_ST_L7STS);
                r->ok_info = "PostgreSQL server is ok";
                r->err_info = "PostgreSQL unknown error";
                break;
        }
        case CFG_CHK_PROTO_SMTP:
                c->own[0].linger = true;
                r = own_expect(c, &n, CFG_CHK_C_SMTP_ANY, 4, CFG_CHK_ST_L7RSP);
                r->err_from = 1;
                r = own_expect(c, &n, CFG_CHK_C_SMTP_2XX, 4, CFG_CHK_ST_L7STS);
                r->err_from = 5;
                r->code3 = true;
                len = (size_t)snprintf(c->own_data, 1024, "%s\r\n",
                                       cc->smtp_cmd ? cc->smtp_cmd : "HELO localhost");
                r = own_rule(c, &n, CFG_CHK_SEND);
                r->data = c->own_data;
                r->len = len < 1024 ? len : 1023;
                r = own_expect(c, &n, CFG_CHK_C_SMTP_2XX_ML, 4, CFG_CHK_ST_L7STS);
                r->err_from = r->ok_from = 5;
                r->code3 = true;
                break;
        case CFG_CHK_PROTO_NONE:
        default:
                break;
        }
        c->seq = calloc(n, sizeof(*c->seq));
        if (!c->seq)
                return false;
        for (size_t i = 0; i < n; i++)
                c->seq[i] = &c->own[i];
        c->n_seq = n;
        return true;
}

bool health_re_match(struct chk *c, const void *re, const char *p, size_t n)
{
        return pcre2_match(re, (PCRE2_SPTR)(p ? p : ""), n, 0, 0, c->w->checker->md, NULL) >= 0;
}

/* Does rule @r match @p? (tcp-check) */
bool health_tcp_match(struct chk *c, const struct cfg_check_rule *r, const char *p, size_t n)
{
        switch (r->match) {
        case CFG_CHK_M_STRING:
                return r->pat_len <= n && memmem(p, n, r->pat, r->pat_len) != NULL;
        case CFG_CHK_M_BINARY:
                return r->pat_len <= n && memmem(p, n, r->bin, r->pat_len) != NULL;
        case CFG_CHK_M_RSTRING:
                return health_re_match(c, r->re, p, n);
        case CFG_CHK_M_RBINARY: {
                char *hex = malloc(2 * n + 1);
                bool m;

                if (!hex)
                        return false;
                for (size_t i = 0; i < n; i++)
                        snprintf(hex + 2 * i, 3, "%02X", (unsigned char)p[i]);
                m = health_re_match(c, r->re, hex, 2 * n);
                free(hex);
                return m;
        }
        case CFG_CHK_M_STATUS:
        case CFG_CHK_M_RSTATUS:
        case CFG_CHK_M_CUSTOM:
        case CFG_CHK_M_HDR:
        case CFG_CHK_M_FHDR:
                break;
        }
        return false;
}

/* hdr, fhdr: does @s of @n bytes match @pat by method @m (@re for reg; @icase: a name)? */
static bool meth_match(struct chk *c, enum cfg_chk_meth m, const char *pat, const void *re,
                       bool icase, const char *s, size_t n)
{
        size_t pl = strlen(pat);
        int (*cmp)(const char *, const char *, size_t) = icase ? strncasecmp : strncmp;

        switch (m) {
        case CFG_CHK_METH_STR:
                return n == pl && cmp(s, pat, n) == 0;
        case CFG_CHK_METH_BEG:
                return n >= pl && cmp(s, pat, pl) == 0;
        case CFG_CHK_METH_END:
                return n >= pl && cmp(s + n - pl, pat, pl) == 0;
        case CFG_CHK_METH_SUB:
                for (size_t i = 0; i + pl <= n; i++)
                        if (cmp(s + i, pat, pl) == 0)
                                return true;
                return false;
        case CFG_CHK_METH_REG:
                return re && health_re_match(c, re, s, n);
        }
        return false;
}

/* hdr, fhdr: some header of the head @h (@hl bytes, from its first header line to the
 * blank line) has the rule's name and, if it says one, value (one of the comma-separated
 * elements for hdr, the whole for fhdr) */
bool health_hdr_match(struct chk *c, const struct cfg_check_rule *r, const char *h, size_t hl)
{
        const char *end = h + hl;

        while (h < end) {
                const char *eol = memmem(h, (size_t)(end - h), "\r\n", 2), *colon, *v, *ve;

                if (!eol)
                        eol = end;
                colon = memchr(h, ':', (size_t)(eol - h));
                if (colon &&
                    meth_match(c, r->name_meth, r->pat, r->re, true, h, (size_t)(colon - h))) {
                        if (!r->hdr_value)
                                return true;
                        for (v = colon + 1; v < eol;) {
                                while (v < eol && (*v == ' ' || *v == '\t'))
                                        v++;
                                ve = eol;
                                if (r->match == CFG_CHK_M_HDR && v < eol) {
                                        const char *comma = memchr(v, ',', (size_t)(eol - v));

                                        if (comma)
                                                ve = comma;
                                }
                                {
                                        const char *t = ve;

                                        while (t > v && (t[-1] == ' ' || t[-1] == '\t'))
                                                t--;
                                        if (meth_match(c, r->value_meth, r->hdr_value, r->value_re,
                                                       false, v, (size_t)(t - v)))
                                                return true;
                                }
                                v = ve + 1;
                        }
                }
                h = eol + 2;
        }
        return false;
}

/* The answer from byte @from to its end of line (HAProxy's res.payload(from,0),cut_crlf),
 * into @buf */
void health_payload_line(const struct chk *c, size_t from, char *buf, size_t size)
{
        size_t n = 0;

        for (size_t i = from; i < c->in_len && n + 1 < size; i++) {
                char ch = c->in[i];

                if (ch == '\r' || ch == '\n' || ch == '\0')
                        break;
                buf[n++] = ch >= 0x20 && ch < 0x7f ? ch : '.';
        }
        buf[n] = '\0';
}

static unsigned u8(const struct chk *c, size_t i)
{
        return (unsigned char)c->in[i];
}

/* MySQL: the packet at @off is complete and not an error (HAProxy's check of the initial
 * handshake and of the OK after the login): 1, 0 waiting, -1 failed with *@st, @code and
 * @info set */
static int mysql_packet(struct chk *c, size_t off, bool final, enum srv_chk_status *st,
                        unsigned *code, char *info, size_t isz)
{
        size_t plen;

        if (c->in_len < off + 4 ||
            c->in_len <
                    off + 4 + (plen = u8(c, off) | u8(c, off + 1) << 8 | u8(c, off + 2) << 16)) {
                if (!final)
                        return 0;
                *st = SRV_CHK_L7RSP;
                snprintf(info, isz, "%s", "truncated MySQL packet");
                return -1;
        }
        if (u8(c, off + 4) == 0xff) {
                *st = SRV_CHK_L7STS;
                *code = plen >= 3 ? u8(c, off + 5) | u8(c, off + 6) << 8 : 0;
                health_payload_line(c, off + 7, info, isz);
                return -1;
        }
        return 1;
}

/* A protocol check's own test of rule @r: 1 passed, 0 waiting, -1 failed with *@st (0: the
 * rule's error status or L7RSP), *@code and @info set */
int health_tcp_custom(struct chk *c, const struct cfg_check_rule *r, bool final,
                      enum srv_chk_status *st, unsigned *code, char *info, size_t isz)
{
        const char *p = c->in;
        bool ok;

        switch (r->custom) {
        case CFG_CHK_C_MYSQL_INITHS:
                return mysql_packet(c, 0, final, st, code, info, isz);
        case CFG_CHK_C_MYSQL_OK:
                if (c->in_len < 3)
                        return mysql_packet(c, 0, final, st, code, info, isz);
                return mysql_packet(c, 4 + (u8(c, 0) | u8(c, 1) << 8 | u8(c, 2) << 16), final, st,
                                    code, info, isz);
        case CFG_CHK_C_SSL_HELLO:
                ok = p[0] == 0x15 || p[0] == 0x16;
                break;
        case CFG_CHK_C_PGSQL_NOT_E:
                ok = p[0] != 'E';
                break;
        case CFG_CHK_C_PGSQL_AUTH:
                ok = p[0] == 'R' && !p[1] && !p[2] && !p[3] &&
                     (p[4] == 0x08 || p[4] == 0x0a || p[4] == 0x0c) && !p[5] && !p[6] && !p[7] &&
                     (p[8] == 0 || (p[8] >= 2 && p[8] <= 6));
                break;
        case CFG_CHK_C_SMTP_ANY:
        case CFG_CHK_C_SMTP_2XX:
        case CFG_CHK_C_SMTP_2XX_ML:
                ok = p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' &&
                     p[2] <= '9' &&
                     (p[3] == ' ' || p[3] == '\r' ||
                      (p[3] == '-' && r->custom == CFG_CHK_C_SMTP_2XX_ML)) &&
                     (r->custom == CFG_CHK_C_SMTP_ANY || p[0] == '2');
                break;
        default:
                ok = false;
                break;
        }
        *st = SRV_CHK_UNKNOWN;
        return ok ? 1 : -1;
}

/* A status in a list "200,300-399" */
bool health_status_in(unsigned st, const char *list)
{
        while (*list) {
                char *end;
                unsigned long lo = strtoul(list, &end, 10), hi = lo;

                if (*end == '-')
                        hi = strtoul(end + 1, &end, 10);
                if (st >= lo && st <= hi)
                        return true;
                list = *end == ',' ? end + 1 : end;
                if (*end && *end != ',')
                        break;
        }
        return false;
}
