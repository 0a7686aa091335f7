"""HTTP/2 to servers: `server ... proto h2` (cleartext, prior knowledge) and `ssl alpn h2`,
against an HTTP/2 origin that records what it saw (h2origin.py) and a gRPC server
(python3-grpcio, generic handlers on bytes). Clients speak HTTP/1.1 (http.client, raw
sockets) and HTTP/2 (curl, h2load, a raw frame client). Checked: streams of many clients
share one server connection up to the server's SETTINGS_MAX_CONCURRENT_STREAMS; a GOAWAY
drains its connection and the streams above its last stream, like those refused with
REFUSED_STREAM, are sent again on another connection without the client seeing an error;
`maxconn` counts streams; trailers both ways and `te: trailers`; cancellations reach the
server as resets; bodies of a megabyte both ways. gRPC end to end: unary and streaming
calls, status and message trailers, trailers-only answers, cancellation and deadlines.

One sluice and one set of servers per class (each test on a backend and origin of its own
where it counts connections or streams), to keep the module short."""

import hashlib
import http.client
import json
import os
import queue
import re
import socket
import struct
import subprocess
import tempfile
import threading
import time
from concurrent import futures

import grpc
import h2.errors

import h2origin
import harness
from test_h2 import H2Client, curl, h2load

HEAD = """global
    log stdout format raw local0
    nbthread 1

defaults
    mode http
    log global
    option httplog
    timeout client 5s
    timeout server 5s
    timeout connect 2s
    timeout queue 5s
%(defaults)s
frontend fe
    bind 127.0.0.1:%(port)d %(bind)s
"""


class SharedSluice(harness.TestCase):
    """One sluice for the whole class, in front of the servers it starts: start_servers()
    starts them (listed in cls.servers, stopped after sluice) and returns {name: address and
    options of the server line}; a path /NAME/... goes to backend NAME, whose one server
    that is."""

    BIND = ""
    DEFAULTS = ""

    @classmethod
    def start_servers(cls):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        if not harness.SLUICE:
            raise RuntimeError("SLUICE is not set: run through meson test")
        cls._class_tmp = tempfile.TemporaryDirectory(prefix="sluice-it-")
        cls.dir = cls._class_tmp.name
        cls.servers = []   # objects with stop(), stopped after sluice
        cls.proc = None
        try:
            routes = cls.start_servers()
            cls.port = harness.free_port()
            text = HEAD % {"port": cls.port, "bind": cls.BIND, "defaults": cls.DEFAULTS}
            for name in routes:
                text += "    use_backend %s if { path_beg /%s/ }\n" % (name, name)
            for name, server in routes.items():
                text += "\nbackend %s\n    server s1 %s\n" % (name, server)
            path = os.path.join(cls.dir, "sluice.cfg")
            with open(path, "w") as f:
                f.write(text)
            cls.proc = harness.Process(["-d", "-f", path], cls.dir)
            try:
                cls.proc.wait_ready()
            except Exception as e:
                raise RuntimeError("sluice did not start on:\n%s\n%s" % (text, cls.proc.log())) \
                    from e
        except BaseException:
            cls._stop_all()
            raise

    @classmethod
    def _stop_all(cls):
        """Stop sluice, then the servers (each, whatever the others do); the problems."""
        problems = []
        if cls.proc is not None:
            cls.proc.stop()
            problems += ["sanitizer report from sluice:\n" + r
                         for r in harness.sanitizer_reports(cls.proc.log())]
        for s in cls.servers:
            try:
                s.stop()
            except Exception as e:
                problems.append("%r did not stop: %s" % (s, e))
        cls._class_tmp.cleanup()
        return problems

    @classmethod
    def tearDownClass(cls):
        problems = cls._stop_all()
        if problems:
            raise AssertionError("\n".join(problems))

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def log(self):
        return self.proc.log()[-3000:]


def h1_get(port, path, headers=None, method="GET", body=None):
    """An HTTP/1.1 request by http.client: (status, headers dict, body)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def read_head(sock):
    """Read from @sock through the end of a message head: (head, what came after it), or
    (None, what came) when the peer closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        got = sock.recv(65536)
        if not got:
            return None, data
        data += got
    head, rest = data.split(b"\r\n\r\n", 1)
    return head, rest


def read_chunked_with_trailers(sock, timeout=5.0):
    """One HTTP/1.1 response read to its end from @sock: (status line, headers dict, body,
    trailers dict); the body must be chunked."""
    sock.settimeout(timeout)
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            raise AssertionError("closed before the head: %r" % buf)
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() != "chunked":
        raise AssertionError("not chunked: %r" % head)

    def more():
        data = sock.recv(65536)
        if not data:
            raise AssertionError("closed inside the body")
        return data

    body = b""
    while True:
        while b"\r\n" not in rest:
            rest += more()
        line, rest = rest.split(b"\r\n", 1)
        size = int(line.split(b";")[0], 16)
        if size == 0:
            break
        while len(rest) < size + 2:
            rest += more()
        body += rest[:size]
        rest = rest[size + 2:]
    # the trailer section: fields up to an empty line
    while not (rest.startswith(b"\r\n") or b"\r\n\r\n" in rest):
        rest += more()
    trailers = {}
    section = b"" if rest.startswith(b"\r\n") else rest.split(b"\r\n\r\n", 1)[0]
    for line in section.decode("latin-1").split("\r\n"):
        if line:
            name, value = line.split(":", 1)
            trailers[name.strip().lower()] = value.strip()
    return lines[0], headers, body, trailers


def concurrently(fn, args_list, timeout=15):
    """Run fn(*args) for each of @args_list in threads at once; their results in order
    (an exception is returned as its value)."""
    results = [None] * len(args_list)

    def one(i, args):
        try:
            results[i] = fn(*args)
        except Exception as e:  # reported by the caller's assertion
            results[i] = e

    threads = [threading.Thread(target=one, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(timeout=max(0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "clients still running"
    return results


class ToH2Servers(SharedSluice):
    """Backends of one HTTP/2 server each; the origins:
    plain      cleartext, prior knowledge (basic exchanges, trailers, te, cancels, bodies)
    tls        TLS with ALPN h2 (ssl verify none alpn h2)
    share      0.3 s a response: streams of several clients on one connection
    limit      SETTINGS_MAX_CONCURRENT_STREAMS 4, 0.3 s a response
    goaway     a GOAWAY after 3 streams of each connection (sent 0.1 s later, so that
               streams cross it), 0.3 s a response
    refuse     refuses the first two streams it sees with REFUSED_STREAM
    maxconn    `maxconn 2` on the server line, 0.2 s a response
    dies       0.05 s a response; stopped under load
    refuseall  refuses every stream
    ws         takes extended CONNECTs (SETTINGS_ENABLE_CONNECT_PROTOCOL): WebSockets
Server connections are shared between clients (http-reuse always: with the default, safe,
a session's first request never takes an idle connection, as in HAProxy, so clients making
one request each would each open one; a connection with streams under way is shared
either way)."""

    DEFAULTS = "    http-reuse always\n"

    @classmethod
    def start_servers(cls):
        tls = h2origin.self_signed(cls.dir)
        cls.origins = {
            "plain": h2origin.H2Origin(name="plain"),
            "tls": h2origin.H2Origin(name="tls", tls=tls),
            "share": h2origin.H2Origin(name="share", delay=0.3),
            "limit": h2origin.H2Origin(name="limit", max_concurrent_streams=4, delay=0.3),
            "goaway": h2origin.H2Origin(name="goaway", goaway_after=3, goaway_delay=0.1,
                                        delay=0.3),
            "refuse": h2origin.H2Origin(name="refuse", refuse_first=2),
            "maxconn": h2origin.H2Origin(name="maxconn", delay=0.2),
            "dies": h2origin.H2Origin(name="dies", delay=0.05),
            "refuseall": h2origin.H2Origin(name="refuseall", refuse_first=1 << 30),
            "ws": h2origin.H2Origin(name="ws", websocket=True),
        }
        cls.servers.extend(cls.origins.values())
        lines = {}
        for name, o in cls.origins.items():
            opts = "proto h2"
            if name == "tls":
                opts = "ssl verify none alpn h2"
            elif name == "maxconn":
                opts += " maxconn 2"
            lines[name] = "127.0.0.1:%d %s" % (o.port, opts)
        return lines

    def record(self, name, path):
        """The origin @name's record of the request for @path (the only one)."""
        o = self.origins[name]
        with o.lock:
            got = [r for r in o.requests if r["path"] == path]
        self.assertEqual(len(got), 1, "%s: %s" % (path, o.summary()))
        return got[0]

    @staticmethod
    def fields(record, name):
        return [v for n, v in record["headers"] if n == name]

    # ---- requests of HTTP/1.1 and HTTP/2 clients ----

    def test_http1_client(self):
        status, headers, body = h1_get(self.port, "/plain/h1?q=1", {"X-Test": "one"})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("x-origin"), "plain")
        got = json.loads(body)
        self.assertEqual((got["method"], got["path"], got["scheme"]),
                         ("GET", "/plain/h1?q=1", "http"))
        # the Host of the request as :authority, no Host field beside it
        self.assertEqual(got["authority"], "127.0.0.1:%d" % self.port)
        self.assertEqual(self.fields(got, "x-test"), ["one"])
        self.assertEqual(self.fields(got, "host"), [])
        status, _, body = h1_get(self.port, "/plain/h1post", method="POST", body=b"hello")
        self.assertEqual(status, 200, body)
        got = json.loads(body)
        self.assertEqual((got["method"], got["body_len"]), ("POST", 5))
        self.assertEqual(got["body_sha256"], hashlib.sha256(b"hello").hexdigest())

    def test_http2_client(self):
        r = curl(["-i", "--http2-prior-knowledge", "-H", "x-test: two",
                  self.url("/plain/h2?q=2")], timeout=5)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"HTTP/2 200"), r.stdout[:200])
        got = json.loads(r.stdout.split(b"\r\n\r\n", 1)[1])
        self.assertEqual((got["method"], got["path"]), ("GET", "/plain/h2?q=2"))
        self.assertEqual(got["authority"], "127.0.0.1:%d" % self.port)
        self.assertEqual(self.fields(got, "x-test"), ["two"])
        ok, failed = h2load(self.url("/plain/load"), n=200, c=2, m=10, timeout=20)
        self.assertEqual((ok, failed), (200, 0), self.log())

    def test_tls_alpn_h2(self):
        o = self.origins["tls"]
        status, _, body = h1_get(self.port, "/tls/h1")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["scheme"], "https")
        r = curl(["--http2-prior-knowledge", self.url("/tls/h2")], timeout=5)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["path"], "/tls/h2")
        with o.lock:
            self.assertGreater(o.connections, 0)
            self.assertEqual({c.alpn for c in o.conns}, {"h2"}, o.conns)
        # both requests on one connection
        self.assertEqual(self.record("tls", "/tls/h1")["conn"],
                         self.record("tls", "/tls/h2")["conn"], o.summary())

    # ---- sharing connections ----

    def test_streams_share_one_connection(self):
        o = self.origins["share"]
        # a first request makes the connection and learns the server's SETTINGS
        self.assertEqual(h1_get(self.port, "/share/first")[0], 200)
        # then streams of an HTTP/2 client (2 connections of 4 streams) and of four
        # HTTP/1.1 clients, all at once; each held 1 s at the server (rather than the
        # origin's 0.3 s), so that starting h2load on a loaded machine cannot make the two
        # groups miss each other
        load = subprocess.Popen(["h2load", "-n", "8", "-c", "2", "-m", "4",
                                 self.url("/share/h2?delay=1")], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        try:
            got = concurrently(h1_get, [(self.port, "/share/h1-%d?delay=1" % i)
                                        for i in range(4)])
            out = load.communicate(timeout=15)[0]
        finally:
            load.kill()
            load.wait()
        self.assertEqual([r[0] if isinstance(r, tuple) else r for r in got], [200] * 4)
        self.assertIn("8 succeeded, 0 failed", out)
        with o.lock:
            self.assertEqual(o.connections, 1, o.summary())
            self.assertEqual(len(o.requests), 13, o.summary())
            # 12 at once: nothing waited for another
            self.assertGreaterEqual(o.peak, 10, o.summary())

    def test_settings_max_concurrent_streams(self):
        o = self.origins["limit"]
        self.assertEqual(h1_get(self.port, "/limit/first")[0], 200)
        # each stream held 1 s at the server: the ones over the limit must reach it on other
        # connections while the first four are still there (a new connection's handshake
        # and SETTINGS can outlast the origin's 0.3 s on a loaded machine)
        ok, failed = h2load(self.url("/limit/x?delay=1"), n=12, c=1, m=12, timeout=20)
        self.assertEqual((ok, failed), (12, 0), self.log())
        with o.lock:
            conns = list(o.conns)
            self.assertEqual(len(o.requests), 13, o.summary())
            # never a stream over the limit the server announced once it was known (the
            # origin refuses those; the streams sent before, it refuses as well, and they
            # are sent again)
            self.assertEqual([c.over_limit for c in conns], [[]] * len(conns), conns)
            self.assertEqual(max(c.peak for c in conns), 4, conns)
            # the streams over it went on other connections at once, not after the others
            self.assertGreater(o.peak, 4, conns)

    def test_maxconn_counts_streams(self):
        o = self.origins["maxconn"]
        t0 = time.monotonic()
        ok, failed = h2load(self.url("/maxconn/x"), n=6, c=1, m=6, timeout=20)
        got = concurrently(h1_get, [(self.port, "/maxconn/h1-%d" % i) for i in range(2)])
        self.assertEqual((ok, failed), (6, 0), self.log())
        self.assertEqual([r[0] if isinstance(r, tuple) else r for r in got], [200] * 2)
        with o.lock:
            self.assertEqual(len(o.requests), 8, o.summary())
            # never more than 2 streams at the server, and 2 at once
            self.assertEqual(o.peak, 2, o.summary())
        # six requests of 0.2 s, two at a time
        self.assertGreaterEqual(time.monotonic() - t0, 0.55)

    def test_server_dying_under_load_fails_only_its_streams(self):
        """The server goes away under load: the requests it had fail (502), those after
        it find no server (503), and the clients' connections live on (no stream reset,
        no connection lost): a failed server connection is never closed under the streams
        of others."""
        o = self.origins["dies"]
        load = subprocess.Popen(["h2load", "-D", "3", "-c", "4", "-m", "8",
                                 self.url("/dies/x")], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        try:
            # under load: once the server has answered a good share (waited for, bounded
            # within h2load's 3 s, rather than a fixed second whose yield a loaded machine
            # decides)
            o.wait_for(lambda: len(o.requests) >= 150, timeout=2.5)
            o.stop()
            out = load.communicate(timeout=20)[0]
        finally:
            load.kill()
            load.wait()
        done = [l for l in out.splitlines() if l.startswith("requests:")]
        self.assertEqual(len(done), 1, out)
        # "requests: N total, N started, N done, N succeeded, N failed, N errored, ..."
        counts = {kv.split()[1].rstrip(","): int(kv.split()[0])
                  for kv in done[0].split(":", 1)[1].split(", ")[:6]}
        self.assertGreater(counts["succeeded"], 100, out)
        self.assertEqual(counts["errored"], 0, out + self.log())
        self.assertNotRegex(self.log(), r" K[A-Z-]-- ", "a stream was killed")

    # ---- GOAWAY and refused streams ----

    def test_goaway_drains_and_streams_above_it_go_elsewhere(self):
        o = self.origins["goaway"]
        self.assertEqual(h1_get(self.port, "/goaway/first")[0], 200)
        ok, failed = h2load(self.url("/goaway/x"), n=8, c=1, m=8, timeout=20)
        self.assertEqual((ok, failed), (8, 0), self.log())
        self.assertTrue(o.wait_for(lambda: all(c.closed for c in o.conns if c.goaway)))
        with o.lock:
            conns = list(o.conns)
            # each request processed once: none lost, none sent twice
            self.assertEqual(len(o.requests), 9, o.summary())
            self.assertEqual(sum(len(c.processed) for c in conns), 9, conns)
            # streams crossed the first GOAWAY and were sent again on other connections
            self.assertGreater(sum(len(c.ignored) for c in conns), 0, conns)
            self.assertGreaterEqual(len(conns), 3, conns)
            for c in conns:
                # what the GOAWAY kept was answered (drained)...
                self.assertEqual(c.completed, len(c.processed), c)
                # ...and nothing new came once the GOAWAY was sent
                self.assertEqual(c.after_goaway, [], c)
        # and the backend still serves
        self.assertEqual(h1_get(self.port, "/goaway/last")[0], 200)

    def test_refused_streams_are_retried_elsewhere(self):
        o = self.origins["refuse"]
        status, _, body = h1_get(self.port, "/refuse/h1")
        self.assertEqual(status, 200, body + self.log().encode())
        first = json.loads(body)
        r = curl(["--http2-prior-knowledge", self.url("/refuse/h2")], timeout=5)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["path"], "/refuse/h2")
        with o.lock:
            refused_on = [c.index for c in o.conns if c.refused]
            self.assertEqual(sum(len(c.refused) for c in o.conns), 2, o.conns)
            self.assertEqual([q["path"] for q in o.requests], ["/refuse/h1", "/refuse/h2"])
            # the first request, refused twice, was served on a connection that had not
            # refused it
            self.assertNotIn(first["conn"], refused_on, o.conns)

    def post_in_two(self, path, body, cut, pause=0.3):
        """POST @body over HTTP/1.1: its first @cut bytes, a pause, then the rest (so the
        proxy forwards the body in two parts); (status, response body)."""
        with harness.connect(self.port) as c:
            c.sendall(b"POST %s HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n"
                      % (path.encode(), len(body)) + body[:cut])
            time.sleep(pause)
            c.sendall(body[cut:])
            c.settimeout(10)
            head, rest = read_head(c)
            if head is None:
                return None, rest
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            while len(rest) < length:
                got = c.recv(65536)
                if not got:
                    break
                rest += got
            return int(head.split(b" ")[1]), rest

    def test_post_refused_after_its_body_started_goes_again_whole(self):
        """A stream refused with REFUSED_STREAM once part of its body went (or all of it)
        is sent again on another connection with its whole body: the body went is kept
        while it fits in tune.bufsize (RFC 9113 8.7: refused streams were not processed)."""
        o = self.origins["plain"]
        body = os.urandom(10000)
        sha = hashlib.sha256(body).hexdigest()
        cases = [
            # refused mid-body: the part kept goes again, then the rest the client sends
            ("/plain/rp-mid?refuse_after=4000", 6000),
            # refused once the whole body went: all of it again
            ("/plain/rp-end?refuse_after=10000", 10000),
        ]
        for path, cut in cases:
            with self.subTest(path=path):
                status, rbody = self.post_in_two(path, body, cut)
                self.assertEqual(status, 200, (rbody, self.log()))
                got = json.loads(rbody)
                self.assertEqual((got["body_len"], got["body_sha256"]), (10000, sha))
                with o.lock:
                    self.assertIn(path, o.refused_paths)
                self.assertEqual(self.record("plain", path)["body_sha256"], sha)
        # from an HTTP/2 client too, the body in DATA frames
        path = "/plain/rp-h2?refuse_after=2000"
        with tempfile.NamedTemporaryFile(dir=self.dir) as f:
            f.write(body)
            f.flush()
            r = curl(["--http2-prior-knowledge", "--data-binary", "@" + f.name,
                      self.url(path)], timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["body_sha256"], sha)
        with o.lock:
            self.assertIn(path, o.refused_paths)

    def test_post_larger_than_a_buffer_refused_midway_is_not_sent_again(self):
        """A body larger than tune.bufsize is not kept: refused after 30,000 of its 40,000
        bytes went, the request is not sent again (a 502, or the connection cut), and the
        server never sees part of it twice."""
        o = self.origins["plain"]
        path = "/plain/rp-big?refuse_after=30000"
        status, _ = self.post_in_two(path, os.urandom(40000), 35000)
        self.assertIn(status, (502, None))
        with o.lock:
            self.assertIn(path, o.refused_paths)
            self.assertEqual([q for q in o.requests if q["path"] == path], [])

    # ---- WebSocket from HTTP/1.1 clients (RFC 8441 toward the server) ----

    def ws_handshake(self, path, key=b"dGhlIHNhbXBsZSBub25jZQ=="):
        """An HTTP/1.1 WebSocket upgrade: (socket, status line, headers dict, rest read)."""
        c = harness.connect(self.port)
        c.settimeout(10)
        c.sendall(b"GET %s HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                  b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
                  % (path.encode(), key))
        head, rest = read_head(c)
        lines = (head or b"").decode("latin-1").split("\r\n")
        headers = {n.strip().lower(): v.strip() for n, v in
                   (line.split(":", 1) for line in lines[1:] if ":" in line)}
        return c, lines[0], headers, rest

    def test_websocket_from_http1_client_to_http2_server(self):
        """An HTTP/1.1 client's WebSocket upgrade to an HTTP/2 server that announced
        SETTINGS_ENABLE_CONNECT_PROTOCOL goes as an extended CONNECT (:protocol websocket,
        no Sec-WebSocket-Key); the server's 200 is the client's 101 with the
        Sec-WebSocket-Accept of its key (RFC 6455's example); bytes tunnel both ways, and
        the client's close ends the stream."""
        c, status, headers, rest = self.ws_handshake("/ws/chat")
        with c:
            self.assertEqual(status, "HTTP/1.1 101 Switching Protocols", (headers, self.log()))
            self.assertEqual(headers.get("upgrade", "").lower(), "websocket")
            self.assertEqual(headers.get("connection", "").lower(), "upgrade")
            self.assertEqual(headers.get("sec-websocket-accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
            self.assertNotIn("content-length", headers)
            got = rest
            for msg in (b"hello", b"x" * 20000):
                c.sendall(msg)
                deadline = time.monotonic() + 5
                while len(got) < len(msg) and time.monotonic() < deadline:
                    got += c.recv(65536)
                self.assertEqual(got, msg.upper(), (self.log(), self.origins["ws"].summary()))
                got = b""
            c.shutdown(socket.SHUT_WR)
            self.assertEqual(c.recv(100), b"")  # the server's END_STREAM: closed
        o = self.origins["ws"]
        rec = self.record("ws", "/ws/chat")
        self.assertEqual((rec["method"], rec["protocol"], rec["authority"]),
                         ("CONNECT", "websocket", "ws.test"))
        names = [n for n, _ in rec["headers"]]
        self.assertNotIn("sec-websocket-key", names)
        self.assertNotIn("upgrade", names)
        self.assertEqual(self.fields(rec, "sec-websocket-protocol"), ["chat"])
        self.assertTrue(o.wait_for(lambda: all(c.completed == len(c.processed)
                                               for c in o.conns), timeout=5), o.summary())

    def test_websocket_to_http2_server_without_extended_connect(self):
        """To an HTTP/2 server that did not announce extended CONNECT, the upgrade goes as
        the plain GET it is: the client gets the server's 200, not a switch."""
        c, status, headers, _ = self.ws_handshake("/plain/ws-none")
        c.close()
        self.assertEqual(status, "HTTP/1.1 200 OK", headers)
        self.assertNotIn("sec-websocket-accept", headers)
        rec = self.record("plain", "/plain/ws-none")
        self.assertEqual(rec["method"], "GET")
        self.assertNotIn("upgrade", [n for n, _ in rec["headers"]])

    def test_server_refusing_everything_costs_retries(self):
        """A server that refuses every stream: each refusal is a retry, as a failed
        connection is (retries 3: four tries), then the client gets a 503; never an endless
        replay."""
        t0 = time.monotonic()
        status, _, body = h1_get(self.port, "/refuseall/x")
        self.assertEqual(status, 503, body)
        self.assertLess(time.monotonic() - t0, 3)
        o = self.origins["refuseall"]
        with o.lock:
            refused = sum(len(c.refused) for c in o.conns)
        self.assertEqual(refused, 4, o.summary())

    # ---- trailers and te ----

    def test_trailers_to_http2_client(self):
        with H2Client(self.port) as c:
            s = c.response(c.request("/plain/t2?trailers=1&size=3000",
                                     headers=[("te", "trailers")]))
        self.assertEqual(s["headers"][":status"], "200", s)
        self.assertEqual(len(s["data"]), 3000)
        self.assertTrue(s["ended"], s)
        self.assertEqual(s["trailers"], {"x-trailer": "yes", "x-body-sha256":
                                         hashlib.sha256(s["data"]).hexdigest()})

    def test_trailers_to_http1_client_are_chunked(self):
        with harness.connect(self.port) as c:
            c.sendall(b"GET /plain/t1?trailers=1&size=3000 HTTP/1.1\r\nHost: a\r\n\r\n")
            status, headers, body, trailers = read_chunked_with_trailers(c)
        self.assertIn(" 200 ", status)
        self.assertNotIn("content-length", headers)
        self.assertEqual(len(body), 3000)
        self.assertEqual(trailers, {"x-trailer": "yes",
                                    "x-body-sha256": hashlib.sha256(body).hexdigest()})

    def test_te_trailers_reaches_server(self):
        with H2Client(self.port) as c:
            s = c.response(c.request("/plain/te2", headers=[("te", "trailers")]))
        self.assertEqual(s["headers"][":status"], "200", s)
        self.assertEqual(self.fields(self.record("plain", "/plain/te2"), "te"), ["trailers"])
        for i, te in enumerate(("trailers", "gzip, trailers")):
            with self.subTest(te=te):
                path = "/plain/te1-%d" % i
                status, _, body = h1_get(self.port, path, {"TE": te, "Connection": "TE"})
                self.assertEqual(status, 200, body)
                # HTTP/2 allows no other value (RFC 9113 8.2.2)
                self.assertEqual(self.fields(self.record("plain", path), "te"), ["trailers"])

    # ---- cancellation ----

    def wait_opened(self, o, path):
        self.assertTrue(o.wait_for(lambda: any(p == path for _, _, p in o.opened)),
                        "%s never reached the server: %s" % (path, o.summary()))

    def wait_reset(self, o, path):
        got = o.wait_for(lambda: [r for r in o.resets if r[3] == path], timeout=3)
        self.assertTrue(got, "%s was not reset: %s" % (path, o.summary()))
        return got

    def test_http2_client_cancel_resets_server_stream(self):
        o = self.origins["plain"]
        with H2Client(self.port) as c:
            sid = c.request("/plain/cancel2?hold=1")
            self.wait_opened(o, "/plain/cancel2?hold=1")
            c.conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
            c.flush()
            got = self.wait_reset(o, "/plain/cancel2?hold=1")
            self.assertEqual(got[0][2], h2.errors.ErrorCodes.CANCEL)
            # the client's connection goes on
            s = c.response(c.request("/plain/after-cancel"))
            self.assertEqual(s["headers"][":status"], "200", s)

    def test_server_cancel_reaches_http2_client_as_cancel(self):
        """A server that cancels a stream (RST_STREAM CANCEL, as a gRPC server cancelling a
        call) is heard by an HTTP/2 client as a cancel, not as an internal error."""
        with H2Client(self.port) as c:
            sid = c.request("/plain/srv-cancel?cancel=1")
            s = c.response(sid)
        self.assertEqual(s["reset"], h2.errors.ErrorCodes.CANCEL, s)

    def test_http1_client_close_resets_server_stream(self):
        o = self.origins["plain"]
        c = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        try:
            c.sendall(b"GET /plain/cancel1?hold=1 HTTP/1.1\r\nHost: a\r\n\r\n")
            self.wait_opened(o, "/plain/cancel1?hold=1")
        finally:
            # closed with a reset: gone for good, not a half-closed client
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()
        got = self.wait_reset(o, "/plain/cancel1?hold=1")
        self.assertEqual(got[0][2], h2.errors.ErrorCodes.CANCEL)

    # ---- bodies ----

    def test_megabyte_bodies_both_ways(self):
        body = os.urandom(1 << 20)
        digest = hashlib.sha256(body).hexdigest()
        path = self.write("up.bin", "")
        with open(path, "wb") as f:
            f.write(body)
        # HTTP/1.1 client, a length; HTTP/1.1 client, chunked; HTTP/2 clients, cleartext and
        # to the TLS server
        status, _, got = h1_get(self.port, "/plain/b1?echo=1", method="POST", body=body)
        self.assertEqual(status, 200)
        self.assertTrue(got == body, "%d bytes back" % len(got))
        status, _, got = h1_get(self.port, "/plain/b1c?echo=1", method="POST",
                                body=iter([body[:300000], body[300000:]]))
        self.assertEqual(status, 200)
        self.assertTrue(got == body, "%d bytes back" % len(got))
        for name in ("plain", "tls"):
            r = curl(["--http2-prior-knowledge", "--data-binary", "@" + path,
                      self.url("/%s/b2?echo=1" % name)], timeout=15)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(r.stdout == body, "%d bytes back" % len(r.stdout))
        for name, p in (("plain", "/plain/b1?echo=1"), ("plain", "/plain/b1c?echo=1"),
                        ("plain", "/plain/b2?echo=1"), ("tls", "/tls/b2?echo=1")):
            rec = self.record(name, p)
            self.assertEqual((rec["body_len"], rec["body_sha256"]), (len(body), digest), p)
        # a megabyte down, to both kinds of clients
        status, _, got = h1_get(self.port, "/plain/d1?size=%d" % len(body))
        self.assertEqual((status, len(got)), (200, len(body)))
        r = curl(["--http2-prior-knowledge", self.url("/plain/d2?size=%d" % len(body))],
                 timeout=15)
        self.assertEqual(len(r.stdout), len(body), r.stderr)
        self.assertEqual(r.stdout, got)


# ---- gRPC ----

def _ident(b):
    return b


class GrpcService:
    """Methods of service t.S, on bytes; what the server saw is kept."""

    def __init__(self):
        self.lock = threading.Lock()
        self.metadata = []
        self.cancelled = threading.Event()
        self.deadline = []          # time_remaining() as Sleep began
        self.sleep_ended = []       # (seconds it ran, still active)

    def handlers(self):
        g = grpc
        return grpc.method_handlers_generic_handler("t.S", {
            "Unary": g.unary_unary_rpc_method_handler(self.unary, _ident, _ident),
            "Count": g.unary_stream_rpc_method_handler(self.count, _ident, _ident),
            "Total": g.stream_unary_rpc_method_handler(self.total, _ident, _ident),
            "Chat": g.stream_stream_rpc_method_handler(self.chat, _ident, _ident),
            "NotFound": g.unary_stream_rpc_method_handler(self.not_found, _ident, _ident),
            "Denied": g.unary_unary_rpc_method_handler(self.denied, _ident, _ident),
            "Forever": g.unary_stream_rpc_method_handler(self.forever, _ident, _ident),
            "Sleep": g.unary_unary_rpc_method_handler(self.sleep, _ident, _ident),
        })

    def unary(self, req, ctx):
        with self.lock:
            self.metadata.append(dict(ctx.invocation_metadata()))
        return b"echo:" + req

    def count(self, req, ctx):
        for i in range(int(req)):
            yield b"%d" % i

    def total(self, requests, ctx):
        n = k = 0
        for m in requests:
            n += len(m)
            k += 1
        return b"%d %d" % (k, n)

    def chat(self, requests, ctx):
        for m in requests:
            yield b"re:" + m

    def not_found(self, req, ctx):
        yield b"one"
        yield b"two"
        ctx.abort(grpc.StatusCode.NOT_FOUND, "no such thing")

    def denied(self, req, ctx):
        # before anything is sent: a trailers-only response
        ctx.abort(grpc.StatusCode.PERMISSION_DENIED, "go away: caf\u00e9 100%")

    def forever(self, req, ctx):
        ctx.add_callback(self.cancelled.set)
        for i in range(250):  # 5 s at most
            if not ctx.is_active():
                return
            yield b"tick %d" % i
            time.sleep(0.02)

    def sleep(self, req, ctx):
        t0 = time.monotonic()
        with self.lock:
            self.deadline.append(ctx.time_remaining())
        while ctx.is_active() and time.monotonic() - t0 < 3:
            time.sleep(0.01)
        with self.lock:
            self.sleep_ended.append((time.monotonic() - t0, ctx.is_active()))
        return b"late"


class _GrpcServer:
    def __init__(self):
        self.service = GrpcService()
        self.pool = futures.ThreadPoolExecutor(max_workers=8)
        self.server = grpc.server(self.pool, handlers=[self.service.handlers()])
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.server.start()

    def stop(self):
        # the handlers stop at a cancel, and each within 5 s anyway
        self.server.stop(grace=None).wait(5)
        self.pool.shutdown(wait=True, cancel_futures=True)


class Grpc(SharedSluice):
    """A gRPC client (prior knowledge) to a `proto h2` bind, to a gRPC server on
    `server ... proto h2`."""

    BIND = "proto h2"

    @classmethod
    def start_servers(cls):
        cls.grpc_server = _GrpcServer()
        cls.servers.append(cls.grpc_server)
        cls.service = cls.grpc_server.service
        # gRPC's paths are /t.S/...: the backend named after the service
        return {"t.S": "127.0.0.1:%d proto h2" % cls.grpc_server.port}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channel = grpc.insecure_channel("127.0.0.1:%d" % cls.port,
                                            options=[("grpc.enable_http_proxy", 0)])

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        super().tearDownClass()

    def method(self, kind, name):
        return getattr(self.channel, kind)("/t.S/" + name)

    def test_unary(self):
        got = self.method("unary_unary", "Unary")(b"hello", timeout=5,
                                                  metadata=[("x-meta", "m1")])
        self.assertEqual(got, b"echo:hello")
        with self.service.lock:
            md = self.service.metadata[-1]
        self.assertEqual(md.get("x-meta"), "m1")

    def test_server_streaming(self):
        got = list(self.method("unary_stream", "Count")(b"100", timeout=5))
        self.assertEqual(got, [b"%d" % i for i in range(100)])

    def test_client_streaming(self):
        msgs = [os.urandom(i * 37) for i in range(50)]
        got = self.method("stream_unary", "Total")(iter(msgs), timeout=5)
        self.assertEqual(got, b"%d %d" % (len(msgs), sum(len(m) for m in msgs)))

    def test_bidi_lockstep(self):
        # each message is sent only once the answer to the previous one came back: a proxy
        # that held the request body would stop it
        answered = queue.Queue()
        sent = []

        def requests():
            for i in range(20):
                sent.append(i)
                yield b"m%d" % i
                answered.get(timeout=3)

        got = []
        for r in self.method("stream_stream", "Chat")(requests(), timeout=8):
            got.append(r)
            answered.put(r)
        self.assertEqual(got, [b"re:m%d" % i for i in range(20)])

    def test_error_status_and_message(self):
        call = self.method("unary_stream", "NotFound")(b"", timeout=5)
        got = []
        with self.assertRaises(grpc.RpcError) as e:
            for m in call:
                got.append(m)
        self.assertEqual(got, [b"one", b"two"])
        self.assertEqual(e.exception.code(), grpc.StatusCode.NOT_FOUND)
        self.assertEqual(e.exception.details(), "no such thing")

    def test_trailers_only_response(self):
        with self.assertRaises(grpc.RpcError) as e:
            self.method("unary_unary", "Denied")(b"", timeout=5)
        self.assertEqual(e.exception.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertEqual(e.exception.details(), "go away: caf\u00e9 100%")
        # as a raw client sees it: one header block that ends the stream, the message
        # percent-encoded as the server wrote it
        with H2Client(self.port) as c:
            sid = c.request("/t.S/Denied", method="POST", body=b"\0\0\0\0\0",
                            headers=[("content-type", "application/grpc"), ("te", "trailers")])
            s = c.response(sid)
        self.assertTrue(s["ended"], s)
        self.assertEqual(s["data"], b"")
        self.assertIsNone(s["trailers"], s)
        self.assertEqual(s["headers"].get(":status"), "200", s)
        self.assertEqual(s["headers"].get("grpc-status"), "7", s)
        self.assertEqual(s["headers"].get("grpc-message"), "go away: caf%C3%A9 100%25", s)

    def test_cancellation_reaches_server(self):
        self.service.cancelled.clear()
        call = self.method("unary_stream", "Forever")(b"", timeout=8)
        it = iter(call)
        self.assertEqual(next(it), b"tick 0")
        self.assertEqual(next(it), b"tick 1")
        call.cancel()
        self.assertTrue(self.service.cancelled.wait(3), "the server never saw the cancel")
        self.assertEqual(call.code(), grpc.StatusCode.CANCELLED)

    def test_deadline(self):
        t0 = time.monotonic()
        with self.assertRaises(grpc.RpcError) as e:
            self.method("unary_unary", "Sleep")(b"", timeout=0.3)
        self.assertEqual(e.exception.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertLess(time.monotonic() - t0, 1.5)
        # grpc-timeout reached the server, which let the call go when it expired
        self.assertTrue(self.wait_until(lambda: self.service.sleep_ended, 3))
        with self.service.lock:
            remaining = self.service.deadline[-1]
            ran, active = self.service.sleep_ended[-1]
        self.assertIsNotNone(remaining)
        self.assertLess(remaining, 0.35)  # (grpc-timeout's units round it up a little)
        self.assertFalse(active)
        self.assertLess(ran, 1.5)

    @staticmethod
    def wait_until(pred, timeout):
        deadline = time.monotonic() + timeout
        while not pred() and time.monotonic() < deadline:
            time.sleep(0.01)
        return pred()


if __name__ == "__main__":
    harness.main()
