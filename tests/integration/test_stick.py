"""Stick tables end to end: counters shared by every worker, rate limits, connection limits,
general-purpose counters, tables kept (or carried over) across reloads."""

import os
import signal
import socket
import time

import harness
from origin import Origin

BASE = """\
global
    nbthread %(workers)d

defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
    timeout http-keep-alive 5s

frontend fe
    bind 127.0.0.1:%(port)d
%(fe)s
    http-request return status 200 content-type text/plain string ok
%(extra)s
"""


def fetch(port, path="/", source="127.0.0.1", headers=b""):
    """One request on a new connection from @source; returns (status, headers, body)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
    with harness.Conn(s) as c:
        c.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: h\r\n" + headers +
                  b"Connection: close\r\n\r\n")
        return harness.read_response(c)


def get(port, path="/", source="127.0.0.1", headers=b""):
    """The status, or None when the connection closed before one (a rejected one)."""
    r = fetch(port, path, source, headers)
    return r[0] if r else None


class Stick(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.port = harness.free_port()

    def config(self, fe, workers=2, extra=""):
        return BASE % {"workers": workers, "port": self.port, "fe": fe, "extra": extra}

    def launch(self, fe, workers=2, extra=""):
        self.cfg = self.write("sluice.cfg", self.config(fe, workers, extra))
        self.proc = self.start(["-d", "-f", self.cfg])

    def reload(self, fe, workers=2):
        self.write("sluice.cfg", self.config(fe, workers))
        done = self.proc.log().count("reload: done")
        self.proc.signal(signal.SIGHUP)
        self.proc.notify.wait_for("RELOADING", "1", proc=self.proc.proc)
        self.proc.notify.wait_for("READY", "1", proc=self.proc.proc)
        # the log line follows the notification
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self.proc.log().count("reload: done") == done:
            time.sleep(0.02)
        self.assertEqual(self.proc.log().count("reload: done"), done + 1, self.proc.log())

    RATE = ("    stick-table type ip size 1k expire 1m store http_req_rate(1m),http_req_cnt\n"
            "    http-request track-sc0 src\n"
            "    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 20 }\n")

    def test_rate_limit_holds_across_workers(self):
        self.launch(self.RATE, workers=2)
        # 40 new connections, spread over both workers by SO_REUSEPORT: the limit counts
        # every one of them in one entry, so exactly 20 are served
        statuses = [get(self.port) for _ in range(40)]
        self.assertEqual(statuses.count(200), 20, statuses)
        self.assertEqual(statuses.count(429), 20, statuses)
        self.assertEqual(statuses[:20], [200] * 20)
        # another client is served meanwhile
        self.assertEqual(get(self.port, source="127.0.0.2"), 200)

    def test_rate_limit_survives_reload(self):
        self.launch(self.RATE)
        for _ in range(21):
            get(self.port)
        self.assertEqual(get(self.port), 429)
        # the same definition: the same table, with its counts
        self.reload(self.RATE + "    # a comment changes nothing\n")
        self.assertEqual(get(self.port), 429)
        self.assertEqual(get(self.port, source="127.0.0.2"), 200)

    def test_changed_table_carries_counters_over(self):
        fe = ("    stick-table type ip size 1k expire 1m store gpc0\n"
              "    tcp-request connection track-sc0 src\n"
              "    http-request sc-inc-gpc0(0) if { path /login }\n"
              "    http-request deny if { sc0_get_gpc0 ge 3 }\n")
        self.launch(fe)
        for _ in range(2):
            self.assertEqual(get(self.port, "/login"), 200)
        # a new size is a new table: gpc0 comes along with its entry
        self.reload(fe.replace("size 1k", "size 2k"))
        self.assertIn("stick-table 'fe' changed: a new table, 1 entries carried over",
                      self.proc.log())
        self.assertEqual(get(self.port, "/"), 200)
        # the third login counts 3 (the count carried over, and this one) and is denied
        self.assertEqual(get(self.port, "/login"), 403)
        self.assertEqual(get(self.port, "/"), 403)
        self.assertEqual(get(self.port, "/", source="127.0.0.2"), 200)

    def test_connection_limit_with_conn_cur(self):
        self.launch("    stick-table type ip size 1k expire 1m store conn_cur\n"
                    "    tcp-request connection track-sc0 src\n"
                    "    tcp-request connection reject if { sc0_conn_cur gt 2 }\n")
        held = [harness.connect(self.port) for _ in range(2)]
        try:
            for c in held:
                c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                self.assertEqual(harness.read_response(c)[0], 200)
            # a third connection is closed at once, without an answer
            with harness.connect(self.port) as third:
                third.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                self.assertTrue(harness.closed_by_peer(third, timeout=5))
            self.assertEqual(get(self.port, source="127.0.0.3"), 200)
        finally:
            held[0].close()
        # one slot came free (the close reached the worker: retry briefly)
        deadline = time.monotonic() + 5
        status = None
        while time.monotonic() < deadline:
            try:
                status = get(self.port)
            except (OSError, ValueError, EOFError):
                status = None
            if status == 200:
                break
            time.sleep(0.05)
        self.assertEqual(status, 200)
        held[1].close()

    def test_killed_worker_gives_its_connections_back(self):
        fe = ("    stick-table type ip size 1k expire 1m store conn_cur\n"
              "    tcp-request connection track-sc0 src\n"
              "    tcp-request connection reject if { sc0_conn_cur gt 2 }\n")
        self.launch(fe, workers=1)
        held = [harness.connect(self.port) for _ in range(2)]
        for c in held:
            c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            self.assertEqual(harness.read_response(c)[0], 200)
        worker = int(open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid))
                     .read().split()[0])
        os.kill(worker, signal.SIGKILL)
        # the master gives the two connections back and respawns the worker: this client
        # is not locked out by connections that died with it
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "stick-table references" not in self.proc.log():
            time.sleep(0.05)
        self.assertIn("gave back 2 stick-table references held by worker %d" % worker,
                      self.proc.log())
        statuses = []
        while time.monotonic() < deadline:
            try:
                statuses = [get(self.port) for _ in range(3)]
                break
            except (OSError, ValueError, EOFError):
                time.sleep(0.05)
        self.assertEqual(statuses, [200, 200, 200])
        for c in held:
            c.close()

    def test_src_fetches_and_named_string_table(self):
        self.launch("    stick-table type ip size 1k expire 1m store gpc0\n"
                    "    http-request track-sc1 hdr(x-api-key) table keys\n"
                    "    http-request deny deny_status 429 if { sc1_http_req_cnt(keys) gt 3 }\n"
                    "    http-request deny if { path /ban } { src_inc_gpc0 gt 0 }\n"
                    "    http-request deny if { src_get_gpc0 gt 0 }\n",
                    extra="backend keys\n"
                    "    stick-table type string len 16 size 1k expire 1m store http_req_cnt\n")
        key = b"x-api-key: k1\r\n"
        self.assertEqual([get(self.port, headers=key) for _ in range(5)],
                         [200, 200, 200, 429, 429])
        self.assertEqual(get(self.port, headers=b"x-api-key: k2\r\n"), 200)
        # without the header nothing is tracked in "keys"
        self.assertEqual(get(self.port), 200)
        # src_inc_gpc0 creates the client's entry in the frontend's table and counts
        self.assertEqual(get(self.port, "/ban"), 403)
        self.assertEqual(get(self.port, "/"), 403)
        self.assertEqual(get(self.port, "/", source="127.0.0.2"), 200)

    def test_table_converters_and_formats(self):
        self.launch("    stick-table type ip size 1k expire 1m store http_req_cnt\n"
                    "    http-request track-sc0 src\n"
                    "    http-request deny if { src,table_http_req_cnt(fe) gt 3 }\n"
                    "    http-request deny deny_status 429 if { req.hdr(x-ip),table_http_req_cnt(fe)"
                    " ge 2 }\n"
                    "    http-request return status 200 content-type text/plain string ok"
                    " hdr x-count %[sc0_http_req_cnt]/%[src,table_http_req_cnt(fe)]\n")
        for n in range(1, 4):
            status, headers, _ = fetch(self.port)
            self.assertEqual((status, headers.get("x-count")), (200, "%d/%d" % (n, n)))
        self.assertEqual(get(self.port), 403)
        # another client, whose header names the first client's address: 429
        self.assertEqual(get(self.port, source="127.0.0.2", headers=b"x-ip: 127.0.0.1\r\n"), 429)
        self.assertEqual(get(self.port, source="127.0.0.2", headers=b"x-ip: 127.0.0.9\r\n"), 200)

    CONN_RATE = ("    stick-table type ip size 1k expire 1m store conn_rate(10s),conn_cnt,conn_cur,"
                 "http_req_cnt,sess_cnt\n"
                 "    %s track-sc0 src\n"
                 "    http-request return status 200 content-type text/plain lf-string "
                 "'%%[sc0_conn_rate] %%[src_conn_rate] %%[sc0_conn_cnt] "
                 "%%[sc0_http_req_cnt] %%[sc0_sess_cnt]'\n")

    def conn_rate_traffic(self):
        """Two requests on new connections, then three on one keep-alive connection."""
        seen = [fetch(self.port)[2].decode() for _ in range(2)]
        with harness.connect(self.port) as c:
            for _ in range(3):
                c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                seen.append(harness.read_response(c)[2].decode())
        return seen

    def check_conn_rate(self, rule, want):
        self.launch(self.CONN_RATE % rule, workers=2)
        self.assertEqual(self.conn_rate_traffic(), want)
        self.proc.stop()
        if harness.have_haproxy():
            text = self.config(self.CONN_RATE % rule, workers=1).replace("    nbthread 1\n", "")
            ha = self.start_haproxy(text)
            self.assertEqual(self.conn_rate_traffic(), want)
            ha.stop()

    # HAProxy counts a connection in conn_cnt and conn_rate each time an entry starts being
    # tracked, at the request level too: every request tracked by http-request (or
    # tcp-request content) track-sc0 counts one, the keep-alive ones included; tcp-request
    # connection tracks once per connection. The values were recorded from HAProxy 2.6.12,
    # and are compared with it live when it is installed.
    def test_http_request_track_counts_the_current_connection(self):
        self.check_conn_rate("http-request", ["1 1 1 1 0", "2 2 2 2 0", "3 3 3 3 0",
                                              "4 4 4 4 0", "5 5 5 5 0"])

    def test_tcp_content_track_counts_the_current_connection(self):
        self.check_conn_rate("tcp-request content", ["1 1 1 1 0", "2 2 2 2 0", "3 3 3 3 0",
                                                     "4 4 4 4 0", "5 5 5 5 0"])

    def test_tcp_connection_track_counts_each_connection_once(self):
        self.check_conn_rate("tcp-request connection", ["1 1 1 1 1", "2 2 2 2 2",
                                                        "3 3 3 3 3", "3 3 3 4 3",
                                                        "3 3 3 5 3"])

    def test_bytes_counted_once_per_request(self):
        sock = self.tmp + "/master.sock"
        self.cfg = self.write("sluice.cfg", self.config(
            "    stick-table type ip size 1k expire 1m store bytes_in_cnt,bytes_out_cnt\n"
            "    tcp-request connection track-sc0 src\n", workers=1))
        self.proc = self.start(["-d", "-f", self.cfg, "-S", sock])
        sent = received = 0
        with harness.connect(self.port) as c:
            for last in (False, False, True):
                req = (b"GET / HTTP/1.1\r\nHost: h\r\n" +
                       (b"Connection: close\r\n" if last else b"") + b"\r\n")
                c.sendall(req)
                sent += len(req)
                c.settimeout(5)
                data = b""
                while not data.endswith(b"ok"):
                    more = c.recv(4096)
                    self.assertTrue(more)
                    data += more
                received += len(data)
            self.assertTrue(harness.closed_by_peer(c, timeout=5))
        deadline = time.monotonic() + 5
        while True:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(5)
                s.connect(sock)
                s.sendall(b"@1 show table fe\n")
                out = harness.read_until_closed(s)
            out = out.decode()
            if "use=0" in out or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertIn("bytes_in_cnt=%d bytes_out_cnt=%d" % (sent, received), out)

    def test_http_errors_counted(self):
        self.launch("    stick-table type ip size 1k expire 1m store http_err_cnt\n"
                    "    http-request track-sc0 src\n"
                    "    http-request deny deny_status 403 if { sc0_http_err_cnt ge 3 }\n"
                    "    http-request return status 404 if { path /missing }\n")
        self.assertEqual([get(self.port, "/missing") for _ in range(3)], [404] * 3)
        # the three 404 counted; the fourth request is denied (its 403 counts too)
        self.assertEqual(get(self.port, "/"), 403)


class WithOrigins(harness.TestCase):
    """Three recording origins, o0 to o2, and a free port for sluice."""

    def setUp(self):
        super().setUp()
        self.port = harness.free_port()
        self.origins = [Origin("o%d" % i) for i in range(3)]

    def tearDown(self):
        super().tearDown()
        for o in self.origins:
            o.stop()


class Persistence(WithOrigins):
    """stick on / stick match / stick store-request: a client keeps its server."""

    CFG = """\
global
    nbthread 2

defaults
    mode %(mode)s
    timeout connect 2s
    timeout client 5s
    timeout server 5s

listen app
    bind 127.0.0.1:%(port)d
    balance roundrobin
    stick-table type ip size 1k expire 10m
%(rules)s
%(servers)s
"""

    def config(self, rules, mode="http", origins=None):
        servers = "\n".join("    server s%d 127.0.0.1:%d" % (i, o.port)
                            for i, o in enumerate(origins or self.origins))
        return self.CFG % {"port": self.port, "rules": rules, "servers": servers, "mode": mode}

    def served_by(self, source):
        status, _, body = fetch(self.port, source=source)
        self.assertEqual(status, 200)
        return body.split()[1]

    def test_stick_on_src_across_workers_and_reloads(self):
        self.proc = self.start_config(self.config("    stick on src"))
        first = {src: self.served_by(src) for src in ("127.0.0.1", "127.0.0.2", "127.0.0.3")}
        # round robin gave the three clients their servers; each keeps its own on every new
        # connection, whichever worker accepts it
        for _ in range(10):
            for src, srv in first.items():
                self.assertEqual(self.served_by(src), srv)
        self.proc.signal(signal.SIGHUP)
        self.proc.notify.wait_for("RELOADING", "1", proc=self.proc.proc)
        self.proc.notify.wait_for("READY", "1", proc=self.proc.proc)
        for src, srv in first.items():
            self.assertEqual(self.served_by(src), srv)

    def test_match_and_store_request_separately(self):
        # stored only for /login; matched for everything
        self.proc = self.start_config(self.config(
            "    stick match src\n    stick store-request src if { path /login }"))
        # before a login, requests go round robin
        seen = {self.served_by("127.0.0.5") for _ in range(6)}
        self.assertEqual(len(seen), 3)
        status, _, body = fetch(self.port, "/login", source="127.0.0.5")
        srv = body.split()[1]
        for _ in range(6):
            self.assertEqual(self.served_by("127.0.0.5"), srv)

    def test_dead_server_breaks_persistence(self):
        self.proc = self.start_config(self.config(
            "    stick on src\n    option redispatch\n    retries 1"))
        srv = self.served_by("127.0.0.7")
        idx = int(srv[1:].decode())
        self.origins[idx].stop()
        # its server refuses connections: the request is redispatched, and the new server is
        # stored in place of the old one
        other = self.served_by("127.0.0.7")
        self.assertNotEqual(other, srv)
        for _ in range(4):
            self.assertEqual(self.served_by("127.0.0.7"), other)

    def test_tcp_mode_stick_on_src(self):
        self.proc = self.start_config(self.config("    stick on src", mode="tcp"))
        first = self.served_by("127.0.0.9")
        for _ in range(8):
            self.assertEqual(self.served_by("127.0.0.9"), first)


class Cookies(WithOrigins):
    """cookie NAME insert|rewrite|prefix with per-server cookie values."""

    def launch(self, cookie_line):
        servers = "\n".join("    server s%d 127.0.0.1:%d cookie c%d" % (i, o.port, i)
                            for i, o in enumerate(self.origins))
        self.proc = self.start_config(
            "global\n    nbthread 2\ndefaults\n    mode http\n    timeout connect 2s\n"
            "    timeout client 5s\n    timeout server 5s\n"
            "listen app\n    bind 127.0.0.1:%d\n    balance roundrobin\n%s\n%s\n"
            % (self.port, cookie_line, servers))

    def req(self, path="/", cookie=None):
        return fetch(self.port, path,
                     headers=b"cookie: %s\r\n" % cookie.encode() if cookie else b"")

    def origin_of(self, body):
        return int(body.split()[1][1:])

    def test_insert_indirect_nocache(self):
        self.launch("    cookie SRVID insert indirect nocache httponly")
        status, headers, body = self.req()
        srv = self.origin_of(body)
        self.assertEqual(headers.get("set-cookie"), "SRVID=c%d; path=/; HttpOnly" % srv)
        self.assertEqual(headers.get("cache-control"), "private")
        # with the cookie: the same server every time, nothing inserted, and the server never
        # sees the cookie (other cookies pass)
        for _ in range(6):
            status, headers, body = self.req(cookie="a=1; SRVID=c%d; b=2" % srv)
            self.assertEqual(self.origin_of(body), srv)
            self.assertNotIn("set-cookie", headers)
        last = self.origins[srv].requests[-1]
        self.assertEqual(last.header("cookie"), "a=1; b=2")
        # only SRVID: the header goes away
        self.req(cookie="SRVID=c%d" % srv)
        self.assertIsNone(self.origins[srv].requests[-1].header("cookie"))
        # an unknown value is balanced and gets a fresh cookie
        status, headers, body = self.req(cookie="SRVID=nosuch")
        self.assertEqual(headers.get("set-cookie"),
                         "SRVID=c%d; path=/; HttpOnly" % self.origin_of(body))

    def test_insert_replaces_the_applications_cookie(self):
        self.launch("    cookie SRVID insert")
        status, headers, body = self.req("/setcookie/SRVID")
        self.assertEqual(headers.get("set-cookie"), "SRVID=c%d; path=/" % self.origin_of(body))

    def test_prefix(self):
        self.launch("    cookie JSESSIONID prefix")
        status, headers, body = self.req("/setcookie/JSESSIONID")
        srv = self.origin_of(body)
        self.assertEqual(headers.get("set-cookie"), "JSESSIONID=c%d~abc123; path=/" % srv)
        for _ in range(4):
            status, headers, body = self.req(cookie="JSESSIONID=c%d~abc123" % srv)
            self.assertEqual(self.origin_of(body), srv)
        self.assertEqual(self.origins[srv].requests[-1].header("cookie"), "JSESSIONID=abc123")

    def test_rewrite(self):
        self.launch("    cookie SERVERID rewrite")
        status, headers, body = self.req("/setcookie/SERVERID")
        srv = self.origin_of(body)
        self.assertEqual(headers.get("set-cookie"), "SERVERID=c%d; path=/" % srv)
        for _ in range(4):
            status, headers, body = self.req(cookie="SERVERID=c%d" % srv)
            self.assertEqual(self.origin_of(body), srv)
        # rewrite mode shows the cookie to the server as the client sent it
        self.assertEqual(self.origins[srv].requests[-1].header("cookie"), "SERVERID=c%d" % srv)


if __name__ == "__main__":
    harness.main()
