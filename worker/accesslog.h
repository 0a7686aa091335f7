#pragma once
/* Access logs, as HAProxy writes them (configuration manual, sections 8.2 and 8.5): the data
 * plane fills one struct alog_entry per HTTP request or TCP connection, alog_format() renders
 * a compiled log-format (config/fmt.h) into one line (alog_format_json() a JSON object), and
 * the sinks of alog_sink.h, included here, send the line to the proxy's "log" targets. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "alog_sink.h"
#include "fmt.h"
#include "ipaddr.h"
#include "model.h"
#include "str.h"

/* The server name HAProxy prints when no server was selected. */
#define ALOG_NOSRV "<NOSRV>"

/* Timers in milliseconds, named and defined as HAProxy's log variables (section 8.4); -1
 * when the step was not reached, printed as -1 like HAProxy. %Tq and %Tu are derived:
 * Tq = Th + Ti + TR (-1 when TR is), Tu = Tt - Ti. */
struct alog_timers {
        int Th; /* accept to handshake done (TLS, PROXY protocol) */
        int Ti; /* idle time before the request's first byte (keep-alive) */
        int TR; /* first byte to complete request headers */
        int Tw; /* time spent in queues */
        int Tc; /* TCP connect to the server */
        int Tr; /* server response time (headers) */
        int Td; /* data transmission */
        int Ta; /* active time: Tt - Th - Ti */
        int Tt; /* accept to close */
};

/* Everything HAProxy's log variables print. Strings are borrowed views valid during the
 * alog_format() call; an empty or NULL string prints "-" (or "" with +Q). Addresses whose
 * ss_family is AF_UNSPEC are unknown and print "-". */
struct alog_entry {
        uint64_t accept_us;   /* wall clock at accept, microseconds since the epoch: %t %T %Ts %ms;
                               * %tr is accept + Th + Ti, as HAProxy computes it */
        union sl_addr client; /* %ci %cp; AF_UNIX prints "unix" */
        union sl_addr frontend;    /* %fi %fp: the local address the client reached */
        union sl_addr server;      /* %si %sp */
        union sl_addr be_src;      /* %bi %bp: our side of the server connection */
        unsigned listener_id;      /* %cp/%fp on a Unix socket listener print this, as HAProxy */
        const char *frontend_name; /* borrowed: %f %ft */
        bool ssl;                  /* the client side uses TLS: %ft appends '~' */
        const char *backend_name;  /* borrowed: %b */
        const char *server_name;   /* borrowed, or NULL: %s prints ALOG_NOSRV */
        struct alog_timers t;
        int status;               /* %ST: HTTP status; -1 when no response, 0 in TCP mode */
        uint64_t bytes_out;       /* %B: bytes read from the server, sent to the client */
        uint64_t bytes_in;        /* %U: bytes uploaded by the client */
        struct sl_str cli_cookie; /* %CC: captured request cookie */
        struct sl_str srv_cookie; /* %CS: captured response cookie */
        char term[4];             /* termination state (section 8.5), e.g. "SC--": %ts prints
                                   * the first two characters, %tsc all four */
        unsigned actconn, feconn, beconn, srv_conn; /* %ac %fc %bc %sc */
        unsigned retries;                           /* %rc */
        bool redispatched;                          /* %rc gets a '+' prefix */
        unsigned srv_queue, be_queue;               /* %sq %bq */
        const struct sl_str *req_caps; /* borrowed array: captured request headers (%hr %hrl);
                                        * an entry with a NULL ptr was not found */
        size_t n_req_caps;
        const struct sl_str *res_caps; /* the same for responses (%hs %hsl) */
        size_t n_res_caps;
        struct sl_str request_line; /* "METHOD SP URI SP VERSION" as received (%r); %HM %HP
                                     * %HPO %HQ %HU %HV are cut from it as HAProxy does; a
                                     * NULL ptr (TCP, or no request) prints "<BADREQ>" */
        struct sl_str unique_id;    /* %ID */
        struct sl_str hostname;     /* %H */
        int pid;                    /* %pid */
        unsigned log_count;         /* %lc: lines logged by the frontend so far */
        unsigned req_counter;       /* %rt: the request's number */
        struct sl_str ssl_cipher;   /* %sslc */
        struct sl_str ssl_version;  /* %sslv */
};

/* Zero @e, then set the timers to -1, the status to -1 and the termination state to "----". */
void alog_entry_init(struct alog_entry *e);

/* Evaluates a %[fetch,conv] node for the request being logged: writes at most @outsz bytes
 * of the sample's text to @out and returns how many, or -1 when the sample does not exist
 * (printed "-", as HAProxy). */
typedef int alog_sample_fn(void *data, const struct cfg_sample *smp, char *out, size_t outsz);

/* Render @fmt for @e into @buf as one line without the syslog header or a newline, byte for
 * byte as HAProxy's sess_build_logline(): runs of spaces in the format are one separator,
 * written only after something else was, so a variable that prints nothing (%hr without
 * captures) leaves a single space; +Q quotes strings, +E escapes '"', '\' and ']' with '\',
 * +X prints addresses, ports and the counters HAProxy prints so in hexadecimal. @sample
 * (may be NULL: every sample is missing) answers %[...] nodes. The line is cut where @buf
 * ends. Returns its length (at most @size - 1; @buf is NUL-terminated), or -EINVAL when
 * @size is 0. */
int alog_format(const struct cfg_fmt *fmt, const struct alog_entry *e, alog_sample_fn *sample,
                void *data, char *buf, size_t size);

/* HAProxy's "option httplog" and "option tcplog" formats, compiled:
 *   "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc
 *    %sq/%bq %hr %hs %{+Q}r"
 *   "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq" */
extern const struct cfg_fmt alog_fmt_httplog;
extern const struct cfg_fmt alog_fmt_tcplog;
/* "option jsonlog": a marker with no nodes; a line in this format is alog_format_json()'s. */
extern const struct cfg_fmt alog_fmt_json;

/* The format a proxy logs with: its log-format, else the httplog, tcplog or json format its
 * options ask for, else NULL (HAProxy then logs only a "Connect from" line at accept). */
const struct cfg_fmt *alog_proxy_format(const struct cfg_proxy *px);

/* One JSON object for @e, without a newline: time (accept date, ISO 8601 UTC with
 * milliseconds), client {ip, port}, frontend, ssl, backend, server, timers {Th .. Tt},
 * status, bytes {read, uploaded}, termination, method, uri, version (null without a
 * request line). Strings are escaped for JSON; bytes that are not UTF-8 become \u00XX.
 * When the object does not fit in @size, the URI is shortened until it does. Returns the
 * length (@buf is NUL-terminated) or -ENOBUFS when even that is not enough. */
int alog_format_json(const struct alog_entry *e, char *buf, size_t size);
