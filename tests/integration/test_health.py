"""Health checks against real origins that go down and come back: TCP connect, HTTP status and
content, tcp-check sequences, TLS checks; HAProxy's log lines; one checker for the whole node,
which a SIGKILL does not make any server flap; a backend with no server left answers 503 at
once; a reload that keeps a server keeps its health."""

import os
import re
import signal
import socket
import subprocess
import threading
import time

import harness
from origin import Origin, RawOrigin
from test_servers import origin_of
from test_stats import ask


class HealthOrigin(Origin):
    """An origin whose /health answers with the status set in @health (a tuple of status and
    reason), counting the checks it receives."""

    def __init__(self, name, **kw):
        self.health = (200, b"OK")
        self.checks = 0
        super().__init__(name, **kw)

    def _answer(self, c, req, buf):
        if req.target != b"/health":
            return super()._answer(c, req, buf)
        with self.lock:
            self.checks += 1
        status, reason = self.health
        c.sendall(b"HTTP/1.1 %d %s\r\ncontent-length: 7\r\nconnection: close\r\n\r\nhealthy"
                  % (status, reason))
        return True

    def n_checks(self):
        with self.lock:
            return self.checks


class Peer:
    """A TCP server for the checks, one connection at a time: each is handed to @handle(c)
    (a socket with a 2 s timeout), and closed after; the accepted ones are counted."""

    def __init__(self, handle):
        self.handle = handle
        self.accepted = []  # when each connection came (time.monotonic())
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted.append(time.monotonic())
            with c:
                c.settimeout(2)
                try:
                    self.handle(c)
                except OSError:
                    pass

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()


class LineServer(Peer):
    """Answers what it reads with @reply (a tcp-check peer; @reply may change)."""

    def __init__(self, reply):
        self.reply = reply
        super().__init__(self._answer)

    def _answer(self, c):
        if c.recv(1024):
            c.sendall(self.reply)


class ScriptServer(Peer):
    """A protocol's side of a check: @greeting sent on connect, then each of @replies after
    each read; what it read in @received."""

    def __init__(self, greeting=b"", replies=()):
        self.greeting, self.replies = greeting, list(replies)
        self.received = []
        super().__init__(self._play)

    def _play(self, c):
        if self.greeting:
            c.sendall(self.greeting)
        for reply in self.replies:
            data = c.recv(4096)
            if not data:
                break
            self.received.append(data)
            c.sendall(reply)


def mysql_packet(seq, payload):
    return len(payload).to_bytes(3, "little") + bytes([seq]) + payload


def stat_rows(sock):
    """{svname: {column: value}} of "show stat" for backend be."""
    text = ask(sock, "show stat\n")
    lines = text.split("\n")
    head = lines[0].lstrip("# ").split(",")
    rows = {}
    for line in lines[1:]:
        if line:
            v = line.split(",")
            if v[0] == "be":
                rows[v[1]] = dict(zip(head, v))
    return rows


def wait_for(cond, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    return cond()


def get(port, path="/"):
    status, _, body = harness.request(
        port, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    return status, body


class Checks(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.port = harness.free_port()
        self.sock = os.path.join(self.tmp, "admin.sock")

    def config(self, backend, extra_global="", nbthread=2, mode="http"):
        return """\
global
    nbthread %d
    stats socket %s level admin
%s
defaults
    mode %s
    timeout connect 5s
    timeout client 5s
    timeout server 5s
    # an origin in python may take longer than inter (100ms) to answer under load
    timeout check 1s

frontend fe
    bind 127.0.0.1:%d
    default_backend be

backend be
%s""" % (nbthread, self.sock, extra_global, mode, self.port, backend)

    def status(self, srv):
        return stat_rows(self.sock).get(srv, {}).get("status")

    def assertLogged(self, p, pattern):
        """sluice logs regular expression @pattern within 5 s (a transition is seen in the
        shared state a moment before its line is written)."""
        self.assertTrue(wait_for(lambda: re.search(pattern, p.log()), timeout=5), p.log())

    def test_http_check_down_and_up(self):
        """option httpchk: a server answering 503 goes DOWN after "fall" checks, with
        HAProxy's log line; traffic avoids it; it comes back UP after "rise" good ones."""
        o1, o2 = HealthOrigin("s1"), HealthOrigin("s2")
        self.addCleanup(o1.stop)
        self.addCleanup(o2.stop)
        p = self.start_config(self.config("""\
    option httpchk GET /health
    http-check expect status 200
    server s1 127.0.0.1:%d check inter 100ms rise 2 fall 2
    server s2 127.0.0.1:%d check inter 100ms rise 2 fall 2
""" % (o1.port, o2.port)))
        self.assertTrue(wait_for(lambda: o2.n_checks() >= 2 and
                                 stat_rows(self.sock)["s2"]["check_status"] == "L7OK"))
        rows = stat_rows(self.sock)
        self.assertEqual(rows["s2"]["status"], "UP")
        self.assertEqual(rows["s2"]["check_code"], "200")
        self.assertEqual(rows["s2"]["last_chk"], "OK")
        self.assertEqual((rows["s2"]["check_rise"], rows["s2"]["check_fall"]), ("2", "2"))
        o2.health = (503, b"Service Unavailable")
        self.assertTrue(wait_for(lambda: self.status("s2") == "DOWN"), self.status("s2"))
        rows = stat_rows(self.sock)
        self.assertEqual(rows["s2"]["check_status"], "L7STS")
        self.assertEqual(rows["s2"]["check_code"], "503")
        self.assertEqual(rows["s2"]["chkdown"], "1")
        self.assertGreaterEqual(int(rows["s2"]["chkfail"]), 2)
        self.assertEqual(rows["s1"]["status"], "UP")
        self.assertLogged(p, r'Server be/s2 is DOWN, reason: Layer7 wrong status, code: '
                         r'503, info: "Service Unavailable", check duration: \d+ms\. 1 active '
                         r'and 0 backup servers left\. 0 sessions active, 0 requeued, 0 '
                         r'remaining in queue\.')
        before = len([r for r in o2.requests if r.target != b"/health"])
        for _ in range(10):
            self.assertEqual(get(self.port, "/x")[0], 200)
        self.assertEqual(len([r for r in o2.requests if r.target != b"/health"]), before)
        o2.health = (200, b"OK")
        self.assertTrue(wait_for(lambda: self.status("s2") == "UP"), self.status("s2"))
        self.assertLogged(p, r'Server be/s2 is UP, reason: Layer7 check passed, code: 200, '
                         r'info: "OK", check duration: \d+ms\. 2 active and 0 backup servers '
                         r'online\. 0 sessions requeued, 0 total in queue\.')

    def test_content_and_log_health_checks(self):
        """http-check expect ! string, option log-health-checks: every change of a check's
        result is logged as HAProxy words it."""
        o1 = HealthOrigin("s1")
        self.addCleanup(o1.stop)
        p = self.start_config(self.config("""\
    option httpchk
    option log-health-checks
    http-check send meth GET uri /health ver HTTP/1.1 hdr Host check.test
    http-check expect ! string broken
    server s1 127.0.0.1:%d check inter 100ms
""" % o1.port))
        self.assertTrue(wait_for(lambda: o1.n_checks() >= 2))
        req = [r for r in o1.requests if r.target == b"/health"][0]
        self.assertEqual((req.method, req.version), (b"GET", b"HTTP/1.1"))
        self.assertEqual(req.header("host"), "check.test")
        self.assertEqual(req.header("connection"), "close")
        self.assertLogged(p, r"Health check for server be/s1 succeeded, reason: Layer7 check "
                         r'passed, code: 200, info: "OK", check duration: \d+ms, status: 3/3 UP\.')

    def test_tcp_connect_check_and_503_at_once(self):
        """A plain "check" is a TCP connect: a server nobody listens on goes DOWN; with every
        server down the backend answers 503 at once; one that starts listening comes UP."""
        port = harness.free_port()
        p = self.start_config(self.config(
            "    server s1 127.0.0.1:%d check inter 100ms\n" % port))
        self.assertTrue(wait_for(lambda: self.status("s1") == "DOWN"), self.status("s1"))
        rows = stat_rows(self.sock)
        self.assertEqual(rows["s1"]["check_status"], "L4CON")
        self.assertEqual(rows["s1"]["last_chk"], "Connection refused")
        self.assertLogged(p, re.escape("backend be has no server available!"))
        t0 = time.monotonic()
        self.assertEqual(get(self.port)[0], 503)
        # no "timeout connect" (5 s) per request: well under it even on a loaded machine
        self.assertLess(time.monotonic() - t0, 2.5)
        o = Origin("s1", addr=("127.0.0.1", port))
        self.addCleanup(o.stop)
        self.assertTrue(wait_for(lambda: self.status("s1") == "UP"), self.status("s1"))
        self.assertEqual(stat_rows(self.sock)["s1"]["check_status"], "L4OK")
        self.assertEqual(get(self.port)[0], 200)
        self.assertLogged(p, r"Server be/s1 is UP, reason: Layer4 check passed, check "
                         r"duration: \d+ms\. 1 active and 0 backup servers online\.")

    def test_one_checker_for_the_node(self):
        """Four workers, one set of checks: the origin counts about one per interval, not
        four; SIGKILL the checker and the next one goes on without a flap."""
        o1 = HealthOrigin("s1")
        self.addCleanup(o1.stop)
        p = self.start_config(self.config("""\
    option httpchk GET /health
    server s1 127.0.0.1:%d check inter 100ms
""" % o1.port, nbthread=4))
        self.assertTrue(wait_for(lambda: o1.n_checks() >= 1))
        # one checker starts each check at least inter (100 ms) after the previous one ended,
        # so 20 checks span at least 1.9 s, more on a loaded machine; were every worker
        # checking, 20 would come within about 0.5 s. Counting checks in a fixed window
        # instead was at the mercy of how long each check took under load.
        start = o1.n_checks()
        t0 = time.monotonic()
        self.assertTrue(wait_for(lambda: o1.n_checks() >= start + 20,
                                 timeout=harness.DEFAULT_TIMEOUT),
                        o1.n_checks() - start)
        took = time.monotonic() - t0
        self.assertGreater(took, 1.5, "20 checks in %.2f s" % took)
        pids = re.findall(r"sluice\[(\d+)\]: info: health checks: 1 servers, checked from this "
                          r"worker", p.log())
        self.assertEqual(len(pids), 1, p.log())
        os.kill(int(pids[0]), signal.SIGKILL)
        self.assertTrue(wait_for(lambda: len(re.findall(r"health checks: 1 servers", p.log()))
                                 == 2), p.log())
        start = o1.n_checks()
        self.assertTrue(wait_for(lambda: o1.n_checks() >= start + 5))
        self.assertEqual(self.status("s1"), "UP")
        self.assertNotIn("is DOWN", p.log())

    def test_tcp_check_sequence(self):
        """option tcp-check: send, then expect a string; the server that answers something
        else is DOWN with "Layer7 invalid response"."""
        good, bad = LineServer(b"+PONG\r\n"), LineServer(b"-ERR not ready\r\n")
        self.addCleanup(good.stop)
        self.addCleanup(bad.stop)
        self.start_config(self.config("""\
    option tcp-check
    tcp-check send PING\\r\\n
    tcp-check expect string +PONG
    server s1 127.0.0.1:%d check inter 100ms
    server s2 127.0.0.1:%d check inter 100ms
""" % (good.port, bad.port), mode="tcp"))
        self.assertTrue(wait_for(lambda: self.status("s2") == "DOWN"), self.status("s2"))
        rows = stat_rows(self.sock)
        self.assertEqual(rows["s2"]["check_status"], "L7RSP")
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s1"]["check_status"] == "L7OK"))
        self.assertEqual(stat_rows(self.sock)["s1"]["status"], "UP")

    def test_check_ssl(self):
        """check-ssl: the check runs over TLS (an HTTPS health page behind a TCP backend);
        TLS against a plain server fails at layer 6 (L6RSP)."""
        pem = os.path.join(self.tmp, "site.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                        "/CN=a.test", "-keyout", pem, "-out", pem + ".crt"],
                       check=True, capture_output=True, timeout=30)
        with open(pem, "a") as out, open(pem + ".crt") as crt:
            out.write(crt.read())
        tport = harness.free_port()
        srv = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", str(tport),
                                "-cert", pem, "-www"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (srv.kill(), srv.wait(timeout=10)))
        # a plain HTTP server answers the ClientHello with an HTTP error
        plain = LineServer(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")
        self.addCleanup(plain.stop)
        self.start_config(self.config("""\
    option httpchk GET /
    server s1 127.0.0.1:%d check check-ssl verify none inter 200ms
    server s2 127.0.0.1:%d check check-ssl verify none inter 200ms
""" % (tport, plain.port), mode="tcp"))
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s1"]["check_status"] == "L7OK"),
                        stat_rows(self.sock)["s1"])
        self.assertEqual(stat_rows(self.sock)["s1"]["check_code"], "200")
        self.assertTrue(wait_for(lambda: self.status("s2") == "DOWN"), self.status("s2"))
        self.assertEqual(stat_rows(self.sock)["s2"]["check_status"], "L6RSP")

    def test_reload_keeps_health(self):
        """A reload that leaves a DOWN server unchanged keeps it DOWN at once (no flap to UP
        in the new generation); one whose check settings changed starts again from the
        configuration."""
        port = harness.free_port()
        backend = "    server s1 127.0.0.1:%d check inter %s\n"
        p = self.start_config(self.config(backend % (port, "100ms")))
        self.assertTrue(wait_for(lambda: self.status("s1") == "DOWN"))
        p.signal(signal.SIGUSR2)
        self.assertTrue(wait_for(lambda: "generation 2" in p.log()), p.log())
        self.assertEqual(self.status("s1"), "DOWN")
        self.assertEqual(stat_rows(self.sock)["s1"]["check_status"], "L4CON")
        self.assertEqual(p.log().count("Server be/s1 is DOWN"), 1)
        self.write("sluice.cfg", self.config(backend % (port, "150ms")))
        p.signal(signal.SIGUSR2)
        self.assertTrue(wait_for(lambda: "generation 3" in p.log()), p.log())
        self.assertIn("reload: server 'be/s1' changed options: inter 100ms -> 150ms (its "
                      "runtime state starts again from the configuration)", p.log())
        # the configuration changed the server: it starts from it, then its checks say DOWN
        self.assertTrue(wait_for(lambda: p.log().count("Server be/s1 is DOWN") == 2), p.log())

    def proto_servers(self, backend_opt, good, bad):
        """Start @good and @bad (ScriptServers) behind a tcp backend checked with
        @backend_opt; wait until the bad one is DOWN and the good one's check passed."""
        for srv in (good, bad):
            self.addCleanup(srv.stop)
        p = self.start_config(self.config("""\
    %s
    server s1 127.0.0.1:%d check inter 100ms
    server s2 127.0.0.1:%d check inter 100ms
""" % (backend_opt, good.port, bad.port), mode="tcp"))
        self.assertTrue(wait_for(lambda: self.status("s2") == "DOWN"), stat_rows(self.sock))
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s1"]["check_status"] != "INI"),
                        stat_rows(self.sock))
        return p, stat_rows(self.sock)

    def test_redis_check(self):
        """option redis-check: PING answered by +PONG is UP; an error is DOWN with the
        server's words."""
        p, rows = self.proto_servers(
            "option redis-check", ScriptServer(replies=[b"+PONG\r\n"]),
            ScriptServer(replies=[b"-NOAUTH Authentication required.\r\n"]))
        self.assertEqual((rows["s1"]["status"], rows["s1"]["check_status"]), ("UP", "L7OK"))
        self.assertEqual(rows["s2"]["check_status"], "L7STS")
        self.assertEqual(rows["s2"]["last_chk"], "-NOAUTH Authentication required.")
        self.assertLogged(p, re.escape('Server be/s2 is DOWN, reason: Layer7 wrong status, info: '
                                     '"-NOAUTH Authentication required."'))

    def test_smtpchk(self):
        """option smtpchk EHLO <domain>: a 220 greeting and a 250 answer are UP; a 554
        greeting is DOWN with code 554."""
        good = ScriptServer(b"220 mail.test ESMTP\r\n", [b"250-mail.test\r\n250 OK\r\n"])
        p, rows = self.proto_servers(
            "option smtpchk EHLO check.test", good,
            ScriptServer(b"554 5.7.1 no thanks\r\n", [b""]))
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s1"]["check_status"] == "L7OK"))
        self.assertEqual(stat_rows(self.sock)["s1"]["status"], "UP")
        self.assertEqual(stat_rows(self.sock)["s1"]["check_code"], "250")
        self.assertIn(b"EHLO check.test\r\n", good.received)
        rows = stat_rows(self.sock)
        self.assertEqual((rows["s2"]["check_status"], rows["s2"]["check_code"]),
                         ("L7STS", "554"))
        self.assertEqual(rows["s2"]["last_chk"], "5.7.1 no thanks")

    def test_mysql_check(self):
        """option mysql-check user <u>: the login packet goes out, the greeting and an OK
        mean UP (the version as info); an error packet means DOWN with its code."""
        greeting = mysql_packet(0, b"\x0a8.0.30-test\x00" + b"\x01\x00\x00\x00" + b"x" * 20)
        good = ScriptServer(greeting, [mysql_packet(2, b"\x00\x00\x00\x02\x00\x00\x00")])
        bad = ScriptServer(mysql_packet(0, b"\xff\x69\x04Host blocked"), [b""])
        p, rows = self.proto_servers("option mysql-check user sluice", good, bad)
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s1"]["check_status"] == "L7OK"))
        self.assertEqual(stat_rows(self.sock)["s1"]["last_chk"], "8.0.30-test")
        login = good.received[0]
        self.assertEqual(login[3], 1)  # the sequence id after the greeting
        self.assertIn(b"sluice\x00", login)
        self.assertTrue(login.endswith(b"\x01\x00\x00\x00\x01"))  # COM_QUIT
        self.assertEqual((rows["s2"]["check_status"], rows["s2"]["check_code"]),
                         ("L7STS", "1129"))

    def test_pgsql_check(self):
        """option pgsql-check user <u>: AuthenticationOk is UP; an ErrorResponse is DOWN."""
        good = ScriptServer(replies=[b"R\x00\x00\x00\x08\x00\x00\x00\x00"])
        bad = ScriptServer(replies=[b"E\x00\x00\x00\x30SFATAL\x00Mno pg_hba.conf entry\x00\x00"])
        p, rows = self.proto_servers("option pgsql-check user postgres", good, bad)
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s1"]["check_status"] == "L7OK"))
        self.assertEqual(stat_rows(self.sock)["s1"]["last_chk"], "PostgreSQL server is ok")
        startup = good.received[0]
        self.assertEqual(startup, (23).to_bytes(4, "big") + b"\x00\x03\x00\x00user\x00postgres"
                         b"\x00\x00")
        self.assertEqual(rows["s2"]["check_status"], "L7RSP")

    def test_ssl_hello_chk(self):
        """option ssl-hello-chk: a TLS server answers the hello (L6OK); a plain one does not
        (L6RSP)."""
        pem = os.path.join(self.tmp, "site.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                        "/CN=a.test", "-keyout", pem, "-out", pem],
                       check=True, capture_output=True, timeout=30)
        tport = harness.free_port()
        srv = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", str(tport),
                                "-cert", pem, "-www"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (srv.kill(), srv.wait(timeout=10)))
        plain = ScriptServer(replies=[b"HTTP/1.1 400 Bad Request\r\n\r\n"])
        self.addCleanup(plain.stop)
        self.start_config(self.config("""\
    option ssl-hello-chk
    server s1 127.0.0.1:%d check inter 100ms
    server s2 127.0.0.1:%d check inter 100ms
""" % (tport, plain.port), mode="tcp"))
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s1"]["check_status"] == "L6OK"),
                        stat_rows(self.sock))
        self.assertTrue(wait_for(lambda: self.status("s2") == "DOWN"))
        self.assertEqual(stat_rows(self.sock)["s2"]["check_status"], "L6RSP")

    def test_status_overrides(self):
        """tcp-check expect error-status / ok-status: the rule says what its result means
        (L7OKC: up, but no new traffic)."""
        a = ScriptServer(replies=[b"MAINTENANCE\r\n"])
        self.addCleanup(a.stop)
        self.start_config(self.config("""\
    option tcp-check
    tcp-check send status\\r\\n
    tcp-check expect min-recv 5 ok-status L7OKC rstring ^MAINT
    server s1 127.0.0.1:%d check inter 100ms
""" % a.port, mode="tcp"))
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s1"]["check_status"] == "L7OKC"),
                        stat_rows(self.sock))
        self.assertEqual(self.status("s1"), "NOLB")

    def test_track(self):
        """track: a server without checks follows the one it tracks, DOWN and UP "via" it;
        with both down the backend answers 503."""
        port = harness.free_port()
        o2 = Origin("s2")
        self.addCleanup(o2.stop)
        p = self.start_config(self.config("""\
    server s1 127.0.0.1:%d check inter 100ms
    server s2 127.0.0.1:%d track s1
""" % (port, o2.port)))
        self.assertTrue(wait_for(lambda: self.status("s2") == "DOWN"), stat_rows(self.sock))
        self.assertLogged(p, r"Server be/s2 is DOWN via be/s1\. 0 active and 0 backup "
                                  r"servers left\.")
        self.assertEqual(get(self.port)[0], 503)
        self.assertEqual(stat_rows(self.sock)["s2"]["tracked"], "be/s1")
        o1 = Origin("s1", addr=("127.0.0.1", port))
        self.addCleanup(o1.stop)
        self.assertTrue(wait_for(lambda: self.status("s2") == "UP"), stat_rows(self.sock))
        self.assertLogged(p, r"Server be/s2 is UP via be/s1\.")
        seen = {origin_of(get(self.port)[1]) for _ in range(4)}
        self.assertEqual(seen, {"s1", "s2"})
        # the tracked server's maintenance and drain are the tracker's too (inherited)
        ask(self.sock, "set server be/s1 state maint\n")
        self.assertTrue(wait_for(lambda: self.status("s2") == "MAINT (via)"),
                        stat_rows(self.sock)["s2"])
        self.assertEqual(get(self.port)[0], 503)
        ask(self.sock, "set server be/s2 state ready\n")  # its own: none to clear
        self.assertEqual(self.status("s2"), "MAINT (via)")
        ask(self.sock, "set server be/s1 state drain\n")
        self.assertTrue(wait_for(lambda: self.status("s2") == "DRAIN"))
        ask(self.sock, "set server be/s1 state ready\n")
        self.assertTrue(wait_for(lambda: self.status("s2") == "UP"))

    def test_track_chain(self):
        """track through a tracker: s3 follows s2, which follows s1; s2's own maintenance is
        s3's (as HAProxy carries IMAINT down the chain), seen within the poll whatever
        inter is; a DOWN is logged via the server each one names."""
        o1, o2, o3 = Origin("s1"), Origin("s2"), Origin("s3")
        for o in (o1, o2, o3):
            self.addCleanup(o.stop)
        p = self.start_config(self.config("""\
    server s1 127.0.0.1:%d check inter 300ms fall 1
    server s2 127.0.0.1:%d track s1
    server s3 127.0.0.1:%d track s2
""" % (o1.port, o2.port, o3.port)))
        self.assertTrue(wait_for(lambda: self.status("s3") == "UP"), stat_rows(self.sock))
        self.assertEqual(stat_rows(self.sock)["s3"]["tracked"], "be/s2")
        ask(self.sock, "set server be/s2 state maint\n")
        self.assertTrue(wait_for(lambda: self.status("s3") == "MAINT (via)", timeout=1),
                        stat_rows(self.sock)["s3"])
        self.assertEqual(self.status("s1"), "UP")
        self.assertEqual({origin_of(get(self.port)[1]) for _ in range(4)}, {"s1"})
        ask(self.sock, "set server be/s2 state drain\n")
        self.assertTrue(wait_for(lambda: self.status("s3") == "DRAIN", timeout=1))
        ask(self.sock, "set server be/s2 state ready\n")
        self.assertTrue(wait_for(lambda: self.status("s3") == "UP", timeout=1))
        o1.stop()
        self.assertLogged(p, r"Server be/s2 is DOWN via be/s1\.")
        self.assertLogged(p, r"Server be/s3 is DOWN via be/s2\.")
        self.assertEqual(self.status("s3"), "DOWN")

    def test_track_errors(self):
        """HAProxy's rules: the tracked server exists and is checked, no check of one's own,
        no loop."""
        for servers, msg in [
                ("    server a 127.0.0.1:1 track nosuch\n", "no server 'be/nosuch' to track"),
                ("    server a 127.0.0.1:1\n    server b 127.0.0.1:2 track a\n",
                 "cannot track 'be/a', which has no health check"),
                ("    server a 127.0.0.1:1 check\n    server b 127.0.0.1:2 check track a\n",
                 "'check' and 'track' together"),
                ("    server a 127.0.0.1:1 track b\n    server b 127.0.0.1:2 track a\n",
                 "its tracking chain loops back to it")]:
            path = self.write("bad.cfg", "backend be\n" + servers)
            r = harness.run(["-c", "-f", path])
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(msg, r.stderr)

    def test_on_marked_down_shutdown_sessions(self):
        """on-marked-down shutdown-sessions: a long TCP session to a server its checks mark
        DOWN is cut at once; without the option it would last."""
        held = socket.socket()
        held.bind(("127.0.0.1", 0))
        held.listen(16)
        self.addCleanup(held.close)
        chk = socket.socket()
        chk.bind(("127.0.0.1", 0))
        chk.listen(64)
        p = self.start_config(self.config("""\
    server s1 127.0.0.1:%d check port %d inter 100ms fall 1 on-marked-down shutdown-sessions
""" % (held.getsockname()[1], chk.getsockname()[1]), mode="tcp"))
        self.assertTrue(wait_for(lambda: self.status("s1") == "UP"))
        c = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self.addCleanup(c.close)
        c.sendall(b"hello")
        srv, _ = held.accept()
        self.addCleanup(srv.close)
        srv.settimeout(5)
        self.assertEqual(srv.recv(5), b"hello")
        t0 = time.monotonic()
        chk.close()  # its checks fail from now on
        self.assertTrue(wait_for(lambda: self.status("s1") == "DOWN"))
        self.assertEqual(c.recv(10), b"")  # cut by sluice
        self.assertLess(time.monotonic() - t0, 3)
        # the worker logs it just after it closed the connection
        self.assertTrue(wait_for(lambda: "server be/s1 is DOWN: 1 sessions shut down "
                                         "(on-marked-down)" in p.log(), timeout=5), p.log())

    def test_observe_layer7_mark_down(self):
        """observe layer7 error-limit 3 on-error mark-down: three 5xx answers in a row from a
        server mark it DOWN at once (reason "Health analyze"), whatever its checks say."""
        o1, o2 = HealthOrigin("s1"), HealthOrigin("s2")
        self.addCleanup(o1.stop)
        self.addCleanup(o2.stop)
        p = self.start_config(self.config("""\
    balance roundrobin
    option httpchk GET /health
    server s1 127.0.0.1:%d check inter 10s observe layer7 error-limit 3 on-error mark-down
    server s2 127.0.0.1:%d check inter 10s
""" % (o1.port, o2.port)))
        for _ in range(6):
            self.assertEqual(get(self.port, "/status/500")[0], 500)
        self.assertTrue(wait_for(lambda: self.status("s1") == "DOWN", timeout=5),
                        stat_rows(self.sock))
        self.assertTrue(self.status("s2").startswith("UP"))  # not observed
        self.assertLogged(p, re.escape('Server be/s1 is DOWN, reason: Health analyze, info: '
                                     '"Detected 3 consecutive errors"'))
        self.assertEqual(stat_rows(self.sock)["s1"]["check_status"], "HANA")
        # a success in between starts the count again: s2 answers 200s
        self.assertEqual(get(self.port, "/")[0], 200)

    def test_slowstart(self):
        """slowstart: a server that comes back UP gets a small share of the traffic at first
        (the throttle column says how much), then all of it."""
        o1 = Origin("s1")
        self.addCleanup(o1.stop)
        port = harness.free_port()
        self.start_config(self.config("""\
    balance roundrobin
    server s1 127.0.0.1:%d
    server s2 127.0.0.1:%d check inter 100ms rise 1 slowstart 4s
""" % (o1.port, port)))
        self.assertTrue(wait_for(lambda: self.status("s2") == "DOWN"))
        o2 = Origin("s2", addr=("127.0.0.1", port))
        self.addCleanup(o2.stop)
        self.assertTrue(wait_for(lambda: self.status("s2") == "UP"))
        early = [origin_of(get(self.port)[1]) for _ in range(40)]
        throttle = stat_rows(self.sock)["s2"]["throttle"]
        self.assertTrue(throttle and 0 < int(throttle) < 100, throttle)
        self.assertLessEqual(early.count("s2"), 14, early)  # a fair share would be 20
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s2"]["throttle"] == "",
                                 timeout=8))
        late = [origin_of(get(self.port)[1]) for _ in range(40)]
        self.assertEqual(late.count("s2"), 20, late)

    def test_agent_check(self):
        """agent-check: the agent's words set the weight (a share of the configured one),
        maxconn, drain, ready, and take the server DOWN ("#reason") and UP again."""
        words = {"line": b"75% maxconn:7\n"}

        def agent_answer(c):
            if c.recv(64) == b"hello\n":
                c.sendall(words["line"])

        agent = Peer(agent_answer)
        self.addCleanup(agent.stop)
        o1, o2 = Origin("s1"), Origin("s2")
        self.addCleanup(o1.stop)
        self.addCleanup(o2.stop)
        p = self.start_config(self.config("""\
    server s1 127.0.0.1:%d weight 20 check inter 100ms agent-check agent-port %d agent-inter 100ms agent-send "hello\\n"
    server s2 127.0.0.1:%d
""" % (o1.port, agent.port, o2.port)))
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s1"]["weight"] == "15"),
                        stat_rows(self.sock)["s1"])
        self.assertEqual(stat_rows(self.sock)["s1"]["slim"], "7")
        words["line"] = b"drain\n"
        self.assertTrue(wait_for(lambda: self.status("s1") == "DRAIN"))
        words["line"] = b"ready 100%\n"
        self.assertTrue(wait_for(lambda: self.status("s1") == "UP" and
                                 stat_rows(self.sock)["s1"]["weight"] == "20"),
                        stat_rows(self.sock)["s1"])
        words["line"] = b"down #disk full\n"
        self.assertTrue(wait_for(lambda: self.status("s1") == "DOWN"))
        self.assertLogged(p, re.escape('Server be/s1 is DOWN, reason: Layer7 wrong status, info: '
                                     '"via agent : down (disk full)"'))
        self.assertEqual({origin_of(get(self.port)[1]) for _ in range(4)}, {"s2"})
        # the checker killed while the agent is silent: its health check passes, but the
        # agent's "down" is kept in the shared record, so the server does not flap UP
        words["line"] = b""
        pid = re.findall(r"sluice\[(\d+)\]: info: health checks: 1 servers", p.log())[0]
        os.kill(int(pid), signal.SIGKILL)
        self.assertTrue(wait_for(lambda: p.log().count("health checks: 1 servers") == 2))
        time.sleep(0.5)
        self.assertEqual(self.status("s1"), "DOWN")
        self.assertNotIn("Server be/s1 is UP", p.log())
        words["line"] = b"up\n"
        self.assertTrue(wait_for(lambda: self.status("s1") != "DOWN"))
        self.assertLogged(p, "Server be/s1 is UP, reason: Layer7 check passed")
        words["line"] = b"sideways\n"
        self.assertTrue(wait_for(lambda: "agent for server be/s1 reports an error: 'sideways'"
                                 in p.log()))

    def test_agent_stat_columns(self):
        """show stat's agent columns, as HAProxy 2.6 fills them: after the agent's "up", its
        "down", an answer that changes no health (CHECKED), and from a port that refuses
        (L4CON, which changes nothing else); a server without agent has them empty."""
        words = {"line": b"up 50%\n"}
        agent = Peer(lambda c: c.sendall(words["line"]))
        self.addCleanup(agent.stop)
        o1 = Origin("s1")
        self.addCleanup(o1.stop)
        refused = harness.free_port()
        self.start_config(self.config("""\
    server s1 127.0.0.1:%d weight 20 agent-check agent-port %d agent-inter 100ms
    server s2 127.0.0.1:%d agent-check agent-port %d agent-inter 100ms
    server s3 127.0.0.1:%d
""" % (o1.port, agent.port, o1.port, refused, o1.port)))
        cols = ("agent_status", "agent_code", "agent_desc", "last_agt", "agent_rise",
                "agent_fall", "agent_health")

        def agent(srv):
            row = stat_rows(self.sock)[srv]
            return tuple(row[c] for c in cols)

        self.assertTrue(wait_for(lambda: agent("s1")[0] == "L7OK"), agent("s1"))
        row = stat_rows(self.sock)["s1"]
        self.assertEqual(agent("s1"), ("L7OK", "0", "Layer7 check passed", "via agent : up",
                                       "1", "1", "1"))
        self.assertRegex(row["agent_duration"], r"^\d+$")
        self.assertEqual((row["weight"], row["check_status"]), ("10", ""))
        self.assertTrue(wait_for(lambda: agent("s2")[0] == "L4CON"), agent("s2"))
        self.assertEqual(agent("s2"), ("L4CON", "", "Layer4 connection problem",
                                       "Connection refused", "1", "1", "1"))
        self.assertEqual(self.status("s2"), "UP")
        self.assertEqual(agent("s3"), ("",) * len(cols))
        self.assertEqual(stat_rows(self.sock)["s3"]["agent_duration"], "")
        words["line"] = b"down #disk full\n"
        self.assertTrue(wait_for(lambda: agent("s1")[0] == "L7STS"), agent("s1"))
        self.assertEqual(agent("s1"), ("L7STS", "0", "Layer7 wrong status",
                                       "via agent : down (disk full)", "1", "1", "0"))
        # a weight alone: no health said, the agent's health stays 0 and the server DOWN
        words["line"] = b"75%\n"
        self.assertTrue(wait_for(lambda: agent("s1")[0] == "CHECKED"), agent("s1"))
        self.assertEqual(agent("s1"), ("CHECKED", "", "No status change", "", "1", "1", "0"))
        self.assertEqual(self.status("s1"), "DOWN")

    def test_server_dies_under_load(self):
        """A server that dies under load: its checks take it DOWN within fall x inter, and
        with retries and option redispatch the clients see no error but for the requests
        already in flight to it (here at most one per client)."""
        o1, o2 = HealthOrigin("s1"), HealthOrigin("s2")
        self.addCleanup(o1.stop)
        self.addCleanup(o2.stop)
        self.start_config(self.config("""\
    option httpchk GET /health
    option redispatch
    retries 3
    server s1 127.0.0.1:%d check inter 100ms fall 2
    server s2 127.0.0.1:%d check inter 100ms fall 2
""" % (o1.port, o2.port)))
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s2"]["check_status"] == "L7OK"))
        results, lock, clients = [], threading.Lock(), 4
        deadline = time.monotonic() + 2.5

        def client():
            while time.monotonic() < deadline:
                try:
                    st = get(self.port, "/x")[0]
                except OSError:
                    st = 0
                with lock:
                    results.append((time.monotonic(), st))

        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        time.sleep(1)
        o2.stopping = True
        o2.close_listener()  # no new connection from now on (its checks are refused)
        killed = time.monotonic()
        self.assertTrue(wait_for(lambda: self.status("s2") == "DOWN", timeout=5))
        down = time.monotonic() - killed
        for t in threads:
            t.join(timeout=10)
        errors = [r for r in results if r[1] != 200]
        if os.environ.get("SLUICE_TEST_VERBOSE"):
            print("requests %d, errors %d, DOWN after %.0f ms"
                  % (len(results), len(errors), down * 1000))
        self.assertGreater(len(results), 100)
        self.assertLessEqual(len(errors), clients, errors)
        self.assertLess(down, 2.0)
        self.assertEqual(self.status("s1"), "UP")

    def test_set_server_health(self):
        """set server <b>/<s> health down|stopping|up: the state and the health counter the
        checks go on from (HAProxy's)."""
        o1 = HealthOrigin("s1")
        self.addCleanup(o1.stop)
        self.start_config(self.config("""\
    option httpchk GET /health
    server s1 127.0.0.1:%d check inter 30s
""" % o1.port))
        ask(self.sock, "set server be/s1 health down\n")
        rows = stat_rows(self.sock)["s1"]
        self.assertEqual((rows["status"], rows["check_health"]), ("DOWN", "0"))
        self.assertEqual(get(self.port)[0], 503)
        ask(self.sock, "set server be/s1 health stopping\n")
        self.assertEqual(self.status("s1"), "NOLB")
        ask(self.sock, "set server be/s1 health up\n")
        rows = stat_rows(self.sock)["s1"]
        self.assertEqual((rows["status"], rows["check_health"]), ("UP", "4"))
        self.assertEqual(get(self.port)[0], 200)

    def test_intervals(self):
        """inter, fastinter and downinter as HAProxy spaces checks: fully DOWN every
        downinter, changing state every fastinter (rise 3 good checks bring it UP quickly),
        fully UP every inter; counted at the server, within wide bounds."""
        srv = LineServer(b"-ERR\r\n")
        times = srv.accepted
        self.addCleanup(srv.stop)
        self.start_config(self.config("""\
    option tcp-check
    tcp-check send PING\\r\\n
    tcp-check expect string +PONG
    server s1 127.0.0.1:%d check inter 1s fastinter 100ms downinter 300ms rise 3 fall 2
""" % srv.port, mode="tcp"))
        self.assertTrue(wait_for(lambda: self.status("s1") == "DOWN"))
        # fully DOWN: the gaps between the checks the server accepts are downinter (300 ms)
        # plus each check's own time; never fastinter's 100 ms, and well under inter's 1 s
        # (measured between the checks themselves: a count in a fixed window shrank with
        # the time each check took on a loaded machine)
        t0 = len(times)
        self.assertTrue(wait_for(lambda: len(times) >= t0 + 5))
        gaps = [b - a for a, b in zip(times[t0:t0 + 4], times[t0 + 1:t0 + 5])]
        self.assertGreater(min(gaps), 0.25, gaps)
        self.assertLess(sum(gaps) / len(gaps), 0.9, gaps)
        srv.reply = b"+PONG\r\n"
        t_good = time.monotonic()
        self.assertTrue(wait_for(lambda: self.status("s1") == "UP", timeout=3))
        # the first good check within downinter, then two at fastinter: about 0.5 s; two at
        # inter would take 2 s at the least
        self.assertLess(time.monotonic() - t_good, 1.5)
        t0 = len(times)
        time.sleep(2.5)
        up_checks = len(times) - t0  # 2 or 3 at 1 s
        self.assertGreaterEqual(up_checks, 1)
        self.assertLessEqual(up_checks, 4)

    def test_http_check_expect_hdr(self):
        """http-check expect hdr: a header (name without case) with a value among its
        comma-separated ones; fhdr: the full value; -m beg|end|sub|reg."""
        ok = b"HTTP/1.1 200 OK\r\nX-Status: warming, ready\r\ncontent-length: 0\r\n\r\n"
        warm = b"HTTP/1.1 200 OK\r\nX-Status: warming\r\ncontent-length: 0\r\n\r\n"
        o1 = RawOrigin({"/health": (ok, True)}, name="s1")
        o2 = RawOrigin({"/health": (warm, True)}, name="s2")
        self.addCleanup(o1.stop)
        self.addCleanup(o2.stop)
        self.start_config(self.config("""\
    option httpchk GET /health
    http-check expect hdr name X-STATUS value ready
    http-check expect ! fhdr name -m beg x-st value -m reg ^ready$
    server s1 127.0.0.1:%d check inter 100ms
    server s2 127.0.0.1:%d check inter 100ms
""" % (o1.port, o2.port)))
        self.assertTrue(wait_for(lambda: self.status("s2") == "DOWN"), stat_rows(self.sock))
        rows = stat_rows(self.sock)
        self.assertEqual((rows["s2"]["check_status"], rows["s2"]["last_chk"]),
                         ("L7RSP", "HTTP header did not match"))
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s1"]["check_status"] == "L7OK"))
        self.assertEqual(self.status("s1"), "UP")

    def test_queued_request_goes_to_a_server_that_comes_up(self):
        """A request queued behind a full server (maxconn 1, busy with a slow answer) goes to
        another server as soon as its checks bring it UP, not after the slow one."""
        o1 = Origin("s1")
        self.addCleanup(o1.stop)
        port = harness.free_port()
        self.start_config(self.config("""\
    timeout queue 5s
    server s1 127.0.0.1:%d maxconn 1
    server s2 127.0.0.1:%d check inter 100ms rise 1
""" % (o1.port, port)))
        self.assertTrue(wait_for(lambda: self.status("s2") == "DOWN"))
        slow_done = {}

        def slow_get():
            get(self.port, "/slow")  # 1.5 s on s1
            slow_done["at"] = time.monotonic()

        slow = threading.Thread(target=slow_get)
        slow.start()
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s1"]["scur"] == "1"))
        got = {}

        def queued():
            t0 = time.monotonic()
            status, body = get(self.port, "/q")
            got.update(status=status, who=origin_of(body), took=time.monotonic() - t0,
                       at=time.monotonic())

        q = threading.Thread(target=queued)
        q.start()
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["BACKEND"]["qcur"] == "1"),
                        stat_rows(self.sock)["BACKEND"])
        o2 = Origin("s2", addr=("127.0.0.1", port))
        self.addCleanup(o2.stop)
        q.join(timeout=10)
        self.assertEqual((got.get("status"), got.get("who")), (200, "s2"), got)
        slow.join(timeout=10)
        # answered before s1's slow answer ended: compared with that answer's own end rather
        # than with a fixed time, which the polling above ate into on a loaded machine
        self.assertIn("at", slow_done)
        self.assertLess(got["at"], slow_done["at"], got)


if __name__ == "__main__":
    harness.main()
