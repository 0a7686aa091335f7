#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "accesslog.h"
#include "load.h"
#include "macros.h"
#include "unit.h"

/* 22/Nov/2026:02:36:20.123456 UTC */
#define ACCEPT_S  1795314980ull
#define ACCEPT_US (ACCEPT_S * 1000000ull + 123456ull)

static const struct sl_str req_caps[] = {{"example.com", 11}, {NULL, 0}};
static const struct sl_str res_caps[] = {{"text/html", 9}};

static void set_in4(union sl_addr *a, const char *ip, unsigned port)
{
        struct sockaddr_in *sin = &a->sin;

        memset(a, 0, sizeof(*a));
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        ck_assert_int_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
}

static void fill(struct alog_entry *e)
{
        alog_entry_init(e);
        e->accept_us = ACCEPT_US;
        set_in4(&e->client, "192.0.2.10", 51234);
        set_in4(&e->frontend, "192.0.2.1", 443);
        set_in4(&e->server, "10.0.0.2", 8080);
        set_in4(&e->be_src, "10.0.0.1", 40000);
        e->frontend_name = "fe-https";
        e->ssl = true;
        e->backend_name = "be_app";
        e->server_name = "srv1";
        e->t = (struct alog_timers){
                .Th = 2, .Ti = 3, .TR = 4, .Tw = 0, .Tc = 1, .Tr = 20, .Td = 5, .Ta = 30, .Tt = 35};
        e->status = 200;
        e->bytes_out = 2750;
        e->bytes_in = 310;
        e->cli_cookie = SL_STR_LIT("SESS=1");
        e->actconn = 7;
        e->feconn = 5;
        e->beconn = 3;
        e->srv_conn = 2;
        e->request_line = SL_STR_LIT("GET /index.html?x=1 HTTP/1.1");
        e->unique_id = SL_STR_LIT("ID-1");
        e->hostname = SL_STR_LIT("lb1");
        e->pid = 4242;
        e->log_count = 9;
        e->req_counter = 17;
        e->ssl_cipher = SL_STR_LIT("TLS_AES_128_GCM_SHA256");
        e->ssl_version = SL_STR_LIT("TLSv1.3");
}

static void setup(void)
{
        setenv("TZ", "UTC", 1);
        tzset();
}

static struct cfg_diags diags;

static struct cfg_gen *load(const char *text)
{
        struct cfg_gen *g = NULL;
        int r;

        cfg_diags_clear(&diags);
        r = cfg_load_text("t.cfg", text, strlen(text), NULL, &g, &diags);
        for (size_t i = 0; i < diags.n; i++)
                fprintf(stderr, "t.cfg:%u: %s\n", diags.v[i].line, diags.v[i].msg);
        ck_assert_int_eq(r, 0);
        return g;
}

/* Render @format, written as in a log-format line, for @e. */
static const char *render(const char *format, const struct alog_entry *e, alog_sample_fn *smp)
{
        static char out[4096];
        char cfg[2048];
        struct cfg_gen *g;
        const struct cfg_proxy *px;
        int n;

        snprintf(cfg, sizeof(cfg),
                 "frontend f\n    bind :80\n    mode http\n    log-format \"%s\"\n", format);
        g = load(cfg);
        px = cfg_gen_find_proxy(g, "f", CFG_CAP_FE);
        ck_assert_ptr_nonnull(px);
        n = alog_format(alog_proxy_format(px), e, smp, NULL, out, sizeof(out));
        ck_assert_int_eq(n, (int)strlen(out));
        cfg_gen_unref(g);
        return out;
}

static const char *render_fmt(const struct cfg_fmt *f, const struct alog_entry *e)
{
        static char out[4096];

        ck_assert_int_ge(alog_format(f, e, NULL, NULL, out, sizeof(out)), 0);
        return out;
}

#define HTTPLOG_FULL                                                                         \
        "192.0.2.10:51234 [22/Nov/2026:02:36:20.128] fe-https~ be_app/srv1 4/0/1/20/30 200 " \
        "2750 SESS=1 - ---- 7/5/3/2/0 0/0 \"GET /index.html?x=1 HTTP/1.1\""

START_TEST(test_httplog_full)
{
        struct alog_entry e;

        fill(&e);
        ck_assert_str_eq(render_fmt(&alog_fmt_httplog, &e), HTTPLOG_FULL);
        e.req_caps = req_caps;
        e.n_req_caps = 2;
        e.res_caps = res_caps;
        e.n_res_caps = 1;
        e.term[0] = 'c';
        e.term[1] = 'D';
        ck_assert_str_eq(render_fmt(&alog_fmt_httplog, &e),
                         "192.0.2.10:51234 [22/Nov/2026:02:36:20.128] fe-https~ be_app/srv1 "
                         "4/0/1/20/30 200 2750 SESS=1 - cD-- 7/5/3/2/0 0/0 {example.com|} "
                         "{text/html} \"GET /index.html?x=1 HTTP/1.1\"");
}
END_TEST

START_TEST(test_tcplog_full)
{
        struct alog_entry e;

        fill(&e);
        e.ssl = false;
        memcpy(e.term, "SC--", 4);
        e.retries = 3;
        e.redispatched = true;
        ck_assert_str_eq(render_fmt(&alog_fmt_tcplog, &e),
                         "192.0.2.10:51234 [22/Nov/2026:02:36:20.123] fe-https be_app/srv1 "
                         "0/1/35 2750 SC 7/5/3/2/+3 0/0");
}
END_TEST

/* The static tables print what the same strings compiled by the configuration print. */
START_TEST(test_builtin_equals_compiled)
{
        struct alog_entry e;
        char want[4096];

        fill(&e);
        e.req_caps = req_caps;
        e.n_req_caps = 2;
        for (int i = 0; i < 2; i++) {
                const struct cfg_fmt *f = i ? &alog_fmt_tcplog : &alog_fmt_httplog;

                snprintf(want, sizeof(want), "%s", render_fmt(f, &e));
                ck_assert_str_eq(render(f->src, &e, NULL), want);
        }
        alog_entry_init(&e);
        snprintf(want, sizeof(want), "%s", render_fmt(&alog_fmt_httplog, &e));
        ck_assert_str_eq(render(alog_fmt_httplog.src, &e, NULL), want);
}
END_TEST

START_TEST(test_every_variable)
{
        struct alog_entry e;

        fill(&e);
        e.req_caps = req_caps;
        e.n_req_caps = 2;
        e.res_caps = res_caps;
        e.n_res_caps = 1;
        e.retries = 1;
        e.redispatched = true;
        ck_assert_str_eq(
                render("%B|%CC|%CS|%H|%HM|%HP|%HPO|%HQ|%HU|%HV|%ID|%ST|%T|%Ta|%Tc|%Td|%Tl|%Th|%Ti|"
                       "%Tq|%TR|%Tr|%Ts|%Tt|%Tu|%Tw|%U|%ac|%b|%bc|%bi|%bp|%bq|%ci|%cp|%f|%fc|%fi|"
                       "%fp|%ft|%lc|%hr|%hrl|%hs|%hsl|%ms|%pid|%r|%rc|%rt|%s|%sc|%si|%sp|%sq|"
                       "%sslc|%sslv|%t|%tr|%trg|%trl|%ts|%tsc",
                       &e, NULL),
                "2750|SESS=1|-|lb1|GET|/index.html|/index.html|?x=1|/index.html?x=1|HTTP/1.1|"
                "ID-1|200|22/Nov/2026:02:36:20 +0000|30|1|5|22/Nov/2026:02:36:20 +0000|2|3|9|4|"
                "20|1795314980|35|32|0|310|7|be_app|3|10.0.0.1|40000|0|192.0.2.10|51234|fe-https|"
                "5|192.0.2.1|443|fe-https~|9|{example.com|}|example.com -|{text/html}|text/html|"
                "123|4242|GET /index.html?x=1 HTTP/1.1|+1|17|srv1|2|10.0.0.2|8080|0|"
                "TLS_AES_128_GCM_SHA256|TLSv1.3|22/Nov/2026:02:36:20.123|22/Nov/2026:02:36:20.128|"
                "22/Nov/2026:02:36:20 +0000|22/Nov/2026:02:36:20 +0000|--|----");
}
END_TEST

START_TEST(test_local_time)
{
        struct alog_entry e;

        setenv("TZ", "CET-1", 1);
        tzset();
        fill(&e);
        ck_assert_str_eq(render("%t %T %Tl %trl", &e, NULL),
                         "22/Nov/2026:03:36:20.123 22/Nov/2026:02:36:20 +0000 "
                         "22/Nov/2026:03:36:20 +0100 22/Nov/2026:03:36:20 +0100");
}
END_TEST

START_TEST(test_hex)
{
        struct alog_entry e;
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&e.server;

        fill(&e);
        memset(&e.server, 0, sizeof(e.server));
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(443);
        inet_pton(AF_INET6, "2001:db8::1", &s6->sin6_addr);
        ck_assert_str_eq(render("%{+X}ci:%{+X}cp %{+X}Ts %{+X}ms %{+X}pid %{+X}rt %{+X}lc "
                                "%{+X}B %{+X}si:%{+X}sp %si",
                                &e, NULL),
                         "C000020A:C822 6B025524 7B 1092 0011 0009 2750 "
                         "20010DB8000000000000000000000001:01BB 2001:db8::1");
}
END_TEST

START_TEST(test_quote)
{
        struct alog_entry e;

        fill(&e);
        e.req_caps = req_caps;
        e.n_req_caps = 2;
        ck_assert_str_eq(render("%{+Q}b %{+Q}ft %{+Q}CS %{+Q}hr %{+Q}hrl %{+Q}ci %{+Q}cp "
                                "%{+Q}ts %{+Q}HM %{+Q}ST",
                                &e, NULL),
                         "\"be_app\" \"fe-https~\" \"\" \"{example.com|}\" \"example.com\" \"\" "
                         "\"192.0.2.10\" 51234 -- \"GET\" 200");
}
END_TEST

START_TEST(test_escape)
{
        struct alog_entry e;

        fill(&e);
        e.backend_name = "be\"x\\]";
        e.request_line = SL_STR_LIT("GET /a\"b\\c]#\x01 HTTP/1.1");
        ck_assert_str_eq(render("%b %{+E}b %{+Q,+E}b %r %{+E}r", &e, NULL),
                         "be\"x\\] be\\\"x\\\\\\] \"be\\\"x\\\\\\]\" "
                         "GET /a#22b\\c]#23#01 HTTP/1.1 GET /a#22b\\\\c\\]#23#01 HTTP/1.1");
}
END_TEST

START_TEST(test_missing)
{
        struct alog_entry e;

        alog_entry_init(&e);
        e.frontend_name = "fe";
        ck_assert_str_eq(render_fmt(&alog_fmt_httplog, &e),
                         "-:- [01/Jan/1970:00:00:00.000] fe -/<NOSRV> -1/-1/-1/-1/-1 -1 0 - - "
                         "---- 0/0/0/0/0 0/0 \"<BADREQ>\"");
        ck_assert_str_eq(render_fmt(&alog_fmt_tcplog, &e),
                         "-:- [01/Jan/1970:00:00:00.000] fe -/<NOSRV> -1/-1/-1 0 -- "
                         "0/0/0/0/0 0/0");
        ck_assert_str_eq(render("%{+Q}b|%ID|%{+Q}ID|%si:%sp|%HM|%HP|%HQ|%HV|%sslc|%Tq", &e, NULL),
                         "\"\"|-|\"\"|-:-|<BADREQ>|<BADREQ>|<BADREQ>|<BADREQ>|-|-1");
}
END_TEST

START_TEST(test_request_line_forms)
{
        struct alog_entry e;

        fill(&e);
        e.request_line = SL_STR_LIT("GET http://h.example/p/q?a=b HTTP/1.0");
        ck_assert_str_eq(render("%HP|%HPO|%HU|%HQ|%HV", &e, NULL),
                         "http://h.example/p/q|/p/q|http://h.example/p/q?a=b|?a=b|HTTP/1.0");
        e.request_line = SL_STR_LIT("GET /old");
        ck_assert_str_eq(render("%HM|%HU|%HV", &e, NULL), "GET|/old|HTTP/0.9");
        e.request_line = SL_STR_LIT("CONNECT h.example:443 HTTP/1.1");
        ck_assert_str_eq(render("%HM [%HPO] %HQ.", &e, NULL), "CONNECT [] .");
}
END_TEST

/* Spaces are HAProxy's separators: merged, and written only after something was. */
START_TEST(test_separators)
{
        struct alog_entry e;

        fill(&e);
        ck_assert_str_eq(render("  %hr   %hs  %ci  ", &e, NULL), "192.0.2.10 ");
        ck_assert_str_eq(render("a %hr b", &e, NULL), "a b");
        ck_assert_str_eq(render("100%% %ST", &e, NULL), "100% 200");
}
END_TEST

static int test_sample(void *data, const struct cfg_sample *smp, char *out, size_t outsz)
{
        (void)data;
        switch (smp->fetch) {
        case CFG_FETCH_SRC:
                return snprintf(out, outsz, "1.2.3.4");
        case CFG_FETCH_METHOD:
                return snprintf(out, outsz, "P\"T");
        default:
                return -1;
        }
}

START_TEST(test_sample_nodes)
{
        struct alog_entry e;

        fill(&e);
        ck_assert_str_eq(
                render("%[src] %{+Q,+E}[method] %[path] %{+Q}[path] %[hdr(host)]", &e, test_sample),
                "1.2.3.4 \"P\\\"T\" - \"\" -");
        ck_assert_str_eq(render("%[src]", &e, NULL), "-");
}
END_TEST

/* Every buffer size gives a NUL-terminated prefix of the whole line. */
START_TEST(test_truncation)
{
        struct alog_entry e;
        char buf[sizeof(HTTPLOG_FULL) + 8];
        size_t size = (size_t)_i;
        int n;

        fill(&e);
        memset(buf, 'Z', sizeof(buf));
        n = alog_format(&alog_fmt_httplog, &e, NULL, NULL, buf, size);
        if (!size) {
                ck_assert_int_eq(n, -EINVAL);
                return;
        }
        ck_assert_int_eq(n, (int)SL_MIN(size - 1, strlen(HTTPLOG_FULL)));
        ck_assert_int_eq(buf[n], '\0');
        ck_assert_int_eq(memcmp(buf, HTTPLOG_FULL, (size_t)n), 0);
        ck_assert_int_eq(buf[size < sizeof(buf) ? size : sizeof(buf) - 1] == 'Z',
                         size < sizeof(buf));
}
END_TEST

START_TEST(test_json)
{
        struct alog_entry e;
        char buf[2048];
        json_t *j, *v;
        json_error_t err;
        int n;

        fill(&e);
        n = alog_format_json(&e, buf, sizeof(buf));
        ck_assert_int_gt(n, 0);
        ck_assert_ptr_null(strchr(buf, '\n'));
        j = json_loads(buf, 0, &err);
        ck_assert_msg(j != NULL, "%s: %s", err.text, buf);
        ck_assert_str_eq(json_string_value(json_object_get(j, "time")), "2026-11-22T02:36:20.123Z");
        v = json_object_get(j, "client");
        ck_assert_str_eq(json_string_value(json_object_get(v, "ip")), "192.0.2.10");
        ck_assert_int_eq(json_integer_value(json_object_get(v, "port")), 51234);
        ck_assert_str_eq(json_string_value(json_object_get(j, "frontend")), "fe-https");
        ck_assert(json_is_true(json_object_get(j, "ssl")));
        ck_assert_str_eq(json_string_value(json_object_get(j, "backend")), "be_app");
        ck_assert_str_eq(json_string_value(json_object_get(j, "server")), "srv1");
        ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "timers"), "Tt")),
                         35);
        ck_assert_int_eq(json_integer_value(json_object_get(j, "status")), 200);
        ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "bytes"), "read")),
                         2750);
        ck_assert_str_eq(json_string_value(json_object_get(j, "termination")), "----");
        ck_assert_str_eq(json_string_value(json_object_get(j, "method")), "GET");
        ck_assert_str_eq(json_string_value(json_object_get(j, "uri")), "/index.html?x=1");
        ck_assert_str_eq(json_string_value(json_object_get(j, "version")), "HTTP/1.1");
        json_decref(j);

        /* escapes: quote, backslash, control, invalid UTF-8 (as Latin-1), valid UTF-8 kept */
        e.request_line = SL_STR_LIT("GET /\"\\\x01\xff\xc3\xa9 HTTP/1.1");
        e.server_name = NULL;
        ck_assert_int_gt(alog_format_json(&e, buf, sizeof(buf)), 0);
        j = json_loads(buf, 0, &err);
        ck_assert_msg(j != NULL, "%s: %s", err.text, buf);
        ck_assert_str_eq(json_string_value(json_object_get(j, "uri")), "/\"\\\x01\xc3\xbf\xc3\xa9");
        ck_assert_str_eq(json_string_value(json_object_get(j, "server")), "<NOSRV>");
        json_decref(j);

        /* no request: nulls */
        alog_entry_init(&e);
        ck_assert_int_gt(alog_format_json(&e, buf, sizeof(buf)), 0);
        j = json_loads(buf, 0, &err);
        ck_assert_msg(j != NULL, "%s: %s", err.text, buf);
        ck_assert(json_is_null(json_object_get(j, "method")));
        ck_assert(json_is_null(json_object_get(json_object_get(j, "client"), "ip")));
        ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "timers"), "Th")),
                         -1);
        json_decref(j);
}
END_TEST

/* A line too long for the buffer keeps valid JSON by shortening the URI. */
START_TEST(test_json_shortens_uri)
{
        struct alog_entry e;
        static char line[1200];
        char buf[512];
        json_t *j;
        json_error_t err;
        int n;

        fill(&e);
        memcpy(line, "GET /", 5);
        memset(line + 5, 'a', 1000);
        memcpy(line + 1005, " HTTP/1.1", 9);
        e.request_line = sl_str_make(line, 1014);
        n = alog_format_json(&e, buf, sizeof(buf));
        ck_assert_int_gt(n, 0);
        ck_assert_int_le(n, (int)sizeof(buf) - 1);
        j = json_loads(buf, 0, &err);
        ck_assert_msg(j != NULL, "%s: %s", err.text, buf);
        ck_assert_uint_gt(strlen(json_string_value(json_object_get(j, "uri"))), 100);
        json_decref(j);
        ck_assert_int_eq(alog_format_json(&e, buf, 20), -ENOBUFS);
}
END_TEST

/* ---- sinks ---- */

static char tmpdir[64];
static int rx = -1;
static struct cfg_log_target tgt;

static void sink_setup(void)
{
        struct sockaddr_un *sun = (struct sockaddr_un *)&tgt.addr.ss;

        setup();
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/alogXXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        memset(&tgt, 0, sizeof(tgt));
        tgt.kind = CFG_LOG_UNIX;
        tgt.addr.family = CFG_ADDR_UNIX;
        tgt.addr.fd = -1;
        sun->sun_family = AF_UNIX;
        snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/log", tmpdir);
        snprintf(tgt.addr.name, sizeof(tgt.addr.name), "%s", sun->sun_path);
        tgt.addr.ss_len =
                (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sun->sun_path) + 1);
        tgt.facility = LOG_LOCAL0 >> 3;
        tgt.max_level = -1;
        tgt.min_level = -1;
        rx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(rx, 0);
        ck_assert_int_eq(bind(rx, (struct sockaddr *)sun, tgt.addr.ss_len), 0);
        alarm(20); /* nothing here may block */
}

static void sink_teardown(void)
{
        char path[128];

        close(rx);
        snprintf(path, sizeof(path), "%s/log", tmpdir);
        unlink(path);
        rmdir(tmpdir);
}

static const char *recv_dgram(int fd)
{
        static char buf[70000];
        ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

        ck_assert_int_ge(n, 0);
        buf[n] = '\0';
        return buf;
}

static void send_one(int format, const char *want_fmt)
{
        struct alog_sink *s;
        char want[256];

        tgt.format = format;
        ck_assert_int_eq(alog_sink_new(&tgt, &s), 0);
        ck_assert_int_eq(alog_send_at(s, LOG_INFO, "hello world", 11, ACCEPT_US), 0);
        snprintf(want, sizeof(want), want_fmt, (int)getpid());
        ck_assert_str_eq(recv_dgram(rx), want);
        ck_assert_uint_eq(alog_sink_get_stats(s)->sent, 1);
        ck_assert_uint_eq(alog_sink_get_stats(s)->dropped, 0);
        alog_sink_free(s);
}

START_TEST(test_unix_formats)
{
        send_one(CFG_LOG_FMT_RFC3164, "<134>Nov 22 02:36:20 localhost sluice[%d]: hello world\n");
        send_one(CFG_LOG_FMT_RFC5424,
                 "<134>1 2026-11-22T02:36:20.123456+00:00 - sluice %d - - hello world\n");
        send_one(CFG_LOG_FMT_SHORT, "<6>hello world\n");
        send_one(CFG_LOG_FMT_RAW, "hello world\n");
        tgt.facility = 0;
        send_one(CFG_LOG_FMT_RFC3164, "<6>Nov 22 02:36:20 localhost sluice[%d]: hello world\n");
}
END_TEST

/* log-send-hostname: the HOSTNAME field of both syslog formats */
START_TEST(test_send_hostname)
{
        char want[256];
        struct alog_sink *s;
        size_t room;

        tgt.format = CFG_LOG_FMT_RFC3164;
        ck_assert_int_eq(alog_sink_new(&tgt, &s), 0);
        alog_sink_set_host(s, "edge-1.example");
        ck_assert_int_eq(alog_send_at(s, LOG_INFO, "hi", 2, ACCEPT_US), 0);
        snprintf(want, sizeof(want), "<134>Nov 22 02:36:20 edge-1.example sluice[%d]: hi\n",
                 (int)getpid());
        ck_assert_str_eq(recv_dgram(rx), want);
        alog_sink_free(s);
        tgt.format = CFG_LOG_FMT_RFC5424;
        ck_assert_int_eq(alog_sink_new(&tgt, &s), 0);
        alog_sink_set_host(s, "edge-1.example");
        ck_assert_int_eq(alog_send_at(s, LOG_INFO, "hi", 2, ACCEPT_US), 0);
        snprintf(want, sizeof(want),
                 "<134>1 2026-11-22T02:36:20.123456+00:00 edge-1.example sluice %d - - hi\n",
                 (int)getpid());
        ck_assert_str_eq(recv_dgram(rx), want);
        /* the room left for a line counts the host name in the header */
        room = alog_sink_msg_room(s);
        alog_sink_set_host(s, NULL);
        ck_assert_uint_eq(alog_sink_msg_room(s) - room,
                          strlen("edge-1.example") - strlen("localhost"));
        alog_sink_free(s);
}
END_TEST

START_TEST(test_rfc3164_day_padding)
{
        struct alog_sink *s;
        char want[128];

        ck_assert_int_eq(alog_sink_new(&tgt, &s), 0);
        /* 2026-11-02 */
        ck_assert_int_eq(alog_send_at(s, LOG_ERR, "x", 1, (ACCEPT_S - 20 * 86400) * 1000000), 0);
        snprintf(want, sizeof(want), "<131>Nov  2 02:36:20 localhost sluice[%d]: x\n",
                 (int)getpid());
        ck_assert_str_eq(recv_dgram(rx), want);
        alog_sink_free(s);
}
END_TEST

START_TEST(test_levels)
{
        struct alog_sink *s;

        tgt.format = CFG_LOG_FMT_SHORT;
        tgt.max_level = LOG_NOTICE;
        ck_assert_int_eq(alog_sink_new(&tgt, &s), 0);
        ck_assert_int_eq(alog_send(s, LOG_INFO, "x", 1), ALOG_FILTERED);
        ck_assert_uint_eq(alog_sink_get_stats(s)->filtered, 1);
        ck_assert_int_eq(alog_send(s, LOG_NOTICE, "y", 1), 0);
        ck_assert_str_eq(recv_dgram(rx), "<5>y\n");
        alog_sink_free(s);

        /* the minimum level caps the severity written, as HAProxy's minlvl */
        tgt.max_level = LOG_DEBUG;
        tgt.min_level = LOG_INFO;
        ck_assert_int_eq(alog_sink_new(&tgt, &s), 0);
        ck_assert_int_eq(alog_send(s, LOG_ERR, "z", 1), 0);
        ck_assert_str_eq(recv_dgram(rx), "<6>z\n");
        alog_sink_free(s);
}
END_TEST

START_TEST(test_maxlen)
{
        struct alog_sink *s;
        char line[300];
        const char *got;

        memset(line, 'a', sizeof(line));
        tgt.format = CFG_LOG_FMT_SHORT;
        tgt.maxlen = 80;
        ck_assert_int_eq(alog_sink_new(&tgt, &s), 0);
        ck_assert_int_eq(alog_send(s, LOG_INFO, line, sizeof(line)), 0);
        got = recv_dgram(rx);
        ck_assert_uint_eq(strlen(got), 80);
        ck_assert_int_eq(memcmp(got, "<6>aaa", 6), 0);
        ck_assert_int_eq(got[79], '\n');
        ck_assert_uint_eq(alog_sink_get_stats(s)->truncated, 1);
        ck_assert_uint_eq(alog_sink_msg_room(s), 80 - 5 - 1);
        alog_sink_free(s);

        /* the default is HAProxy's 1024 */
        tgt.maxlen = 0;
        tgt.format = CFG_LOG_FMT_RAW;
        ck_assert_int_eq(alog_sink_new(&tgt, &s), 0);
        {
                char big[2000];

                memset(big, 'b', sizeof(big));
                ck_assert_int_eq(alog_send(s, LOG_INFO, big, sizeof(big)), 0);
                ck_assert_uint_eq(strlen(recv_dgram(rx)), 1024);
        }
        alog_sink_free(s);
}
END_TEST

START_TEST(test_unix_absent)
{
        struct alog_sink *s;

        sink_teardown();
        ck_assert_int_eq(alog_sink_new(&tgt, &s), 0);
        ck_assert_int_lt(alog_send(s, LOG_INFO, "x", 1), 0);
        ck_assert_uint_eq(alog_sink_get_stats(s)->dropped, 1);
        alog_sink_free(s);
        rx = socket(AF_UNIX, SOCK_DGRAM, 0);
        ck_assert_int_eq(mkdir(tmpdir, 0700), 0);
}
END_TEST

START_TEST(test_udp)
{
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sin);
        struct cfg_log_target u = tgt;
        struct alog_sink *s;
        int fd;

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
        memset(&u.addr, 0, sizeof(u.addr));
        u.kind = CFG_LOG_UDP;
        u.addr.family = CFG_ADDR_IPV4;
        memcpy(&u.addr.ss, &sin, sizeof(sin));
        u.addr.ss_len = sizeof(sin);
        u.addr.has_port = true;
        u.addr.port_low = u.addr.port_high = ntohs(sin.sin_port);
        u.format = CFG_LOG_FMT_RAW;
        ck_assert_int_eq(alog_sink_new(&u, &s), 0);
        ck_assert_int_eq(alog_send(s, LOG_INFO, "udp line", 8), 0);
        ck_assert_str_eq(recv_dgram(fd), "udp line\n");
        alog_sink_free(s);
        close(fd);
}
END_TEST

/* A blocking pipe that is full (stdout of a stalled reader): the line is dropped at once,
 * and the pipe's own flags stay as they were. */
START_TEST(test_full_pipe_drops)
{
        struct cfg_log_target o = {.kind = CFG_LOG_STDOUT,
                                   .max_level = -1,
                                   .min_level = -1,
                                   .format = CFG_LOG_FMT_RAW};
        struct alog_sink *s;
        char chunk[4096], got[64];
        int p[2], fl;

        memset(chunk, 'f', sizeof(chunk));
        ck_assert_int_eq(pipe(p), 0);
        fl = fcntl(p[1], F_GETFL);
        ck_assert_int_eq(fcntl(p[1], F_SETFL, fl | O_NONBLOCK), 0);
        while (write(p[1], chunk, sizeof(chunk)) > 0)
                ;
        ck_assert_int_eq(errno, EAGAIN);
        while (write(p[1], chunk, 1) > 0)
                ;
        ck_assert_int_eq(fcntl(p[1], F_SETFL, fl), 0);

        ck_assert_int_eq(alog_sink_new_fd(&o, p[1], &s), 0);
        ck_assert_int_eq(alog_send(s, LOG_INFO, "lost", 4), -EAGAIN);
        ck_assert_int_eq(alog_send(s, LOG_INFO, "lost", 4), -EAGAIN);
        ck_assert_uint_eq(alog_sink_get_stats(s)->dropped, 2);
        ck_assert_uint_eq(alog_sink_get_stats(s)->sent, 0);
        ck_assert_int_eq(fcntl(p[1], F_GETFL) & O_NONBLOCK, 0);

        /* drained, the next line goes through */
        fl = fcntl(p[0], F_GETFL);
        ck_assert_int_eq(fcntl(p[0], F_SETFL, fl | O_NONBLOCK), 0);
        while (read(p[0], chunk, sizeof(chunk)) > 0)
                ;
        ck_assert_int_eq(alog_send(s, LOG_INFO, "kept", 4), 0);
        ck_assert_int_eq(read(p[0], got, sizeof(got)), 5);
        ck_assert_int_eq(memcmp(got, "kept\n", 5), 0);
        ck_assert_uint_eq(alog_sink_get_stats(s)->sent, 1);
        alog_sink_free(s);
        close(p[0]);
        close(p[1]);
}
END_TEST

/* stdout as a stream socket: MSG_DONTWAIT, lines end with '\n'. */
START_TEST(test_stream_socket_stdout)
{
        struct cfg_log_target o = {.kind = CFG_LOG_STDERR,
                                   .max_level = -1,
                                   .min_level = -1,
                                   .format = CFG_LOG_FMT_SHORT};
        struct alog_sink *s;
        char got[64], fillbuf[4096];
        int sv[2];
        ssize_t n;

        memset(fillbuf, 'x', sizeof(fillbuf));
        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        ck_assert_int_eq(alog_sink_new_fd(&o, sv[0], &s), 0);
        ck_assert_int_eq(alog_send(s, LOG_WARNING, "w", 1), 0);
        n = read(sv[1], got, sizeof(got));
        ck_assert_int_eq(n, 5);
        ck_assert_int_eq(memcmp(got, "<4>w\n", 5), 0);
        while (send(sv[0], fillbuf, sizeof(fillbuf), MSG_DONTWAIT) > 0)
                ;
        ck_assert_int_eq(alog_send(s, LOG_INFO, "lost", 4), -EAGAIN);
        ck_assert_uint_eq(alog_sink_get_stats(s)->dropped, 1);
        alog_sink_free(s);
        close(sv[0]);
        close(sv[1]);
}
END_TEST

START_TEST(test_proxy_sinks)
{
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sin);
        const struct cfg_proxy *px;
        struct alog_sinks *ss;
        struct cfg_gen *g;
        char cfg[1024], path[128], moved[140];
        uint64_t dropped = 0;
        int fd;

        fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
        ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
        snprintf(cfg, sizeof(cfg),
                 "global\n    log %s/log format raw local0\n"
                 "frontend f\n    bind :80\n    option tcplog\n    log global\n"
                 "    log 127.0.0.1:%u format short local1 info\n"
                 "frontend quiet\n    bind :81\n",
                 tmpdir, ntohs(sin.sin_port));
        g = load(cfg);
        px = cfg_gen_find_proxy(g, "f", CFG_CAP_FE);
        ck_assert_ptr_eq(alog_proxy_format(px), &alog_fmt_tcplog);
        ck_assert_int_eq(alog_sinks_new(&g->global, px, &ss), 0);
        ck_assert_uint_eq(ss->n, 2);
        ck_assert_uint_eq(alog_sinks_send(ss, LOG_INFO, "both", 4, &dropped), 2);
        ck_assert_str_eq(recv_dgram(rx), "both\n");
        ck_assert_str_eq(recv_dgram(fd), "<6>both\n");
        ck_assert_uint_eq(alog_sinks_send(ss, LOG_DEBUG, "one", 3, &dropped), 1);
        ck_assert_uint_eq(dropped, 0);
        ck_assert_str_eq(recv_dgram(rx), "one\n");
        /* a target that refuses the line counts a dropped one; the other still takes it */
        snprintf(path, sizeof(path), "%s/log", tmpdir);
        snprintf(moved, sizeof(moved), "%s/log.moved", tmpdir);
        ck_assert_int_eq(rename(path, moved), 0);
        ck_assert_uint_eq(alog_sinks_send(ss, LOG_INFO, "half", 4, &dropped), 1);
        ck_assert_uint_eq(dropped, 1);
        ck_assert_str_eq(recv_dgram(fd), "<6>half\n");
        ck_assert_int_eq(rename(moved, path), 0);
        ck_assert_uint_le(alog_sinks_msg_room(ss), 1024 - 5 - 1);
        alog_sinks_free(ss);

        px = cfg_gen_find_proxy(g, "quiet", CFG_CAP_FE);
        ck_assert_ptr_null(alog_proxy_format(px));
        ck_assert_int_eq(alog_sinks_new(&g->global, px, &ss), 0);
        ck_assert_uint_eq(ss->n, 0);
        alog_sinks_free(ss);
        cfg_gen_unref(g);
        close(fd);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("worker/accesslog");
        TCase *tc;

        signal(SIGPIPE, SIG_IGN);
        tc = tcase_create("format");
        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test_httplog_full);
        tcase_add_test(tc, test_tcplog_full);
        tcase_add_test(tc, test_builtin_equals_compiled);
        tcase_add_test(tc, test_every_variable);
        tcase_add_test(tc, test_local_time);
        tcase_add_test(tc, test_hex);
        tcase_add_test(tc, test_quote);
        tcase_add_test(tc, test_escape);
        tcase_add_test(tc, test_missing);
        tcase_add_test(tc, test_request_line_forms);
        tcase_add_test(tc, test_separators);
        tcase_add_test(tc, test_sample_nodes);
        tcase_add_loop_test(tc, test_truncation, 0, (int)sizeof(HTTPLOG_FULL) + 4);
        suite_add_tcase(s, tc);

        tc = tcase_create("json");
        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test_json);
        tcase_add_test(tc, test_json_shortens_uri);
        suite_add_tcase(s, tc);

        tc = tcase_create("sinks");
        tcase_add_checked_fixture(tc, sink_setup, sink_teardown);
        tcase_add_test(tc, test_unix_formats);
        tcase_add_test(tc, test_rfc3164_day_padding);
        tcase_add_test(tc, test_send_hostname);
        tcase_add_test(tc, test_levels);
        tcase_add_test(tc, test_maxlen);
        tcase_add_test(tc, test_unix_absent);
        tcase_add_test(tc, test_udp);
        tcase_add_test(tc, test_full_pipe_drops);
        tcase_add_test(tc, test_stream_socket_stdout);
        tcase_add_test(tc, test_proxy_sinks);
        suite_add_tcase(s, tc);
        return unit_run(s);
}
