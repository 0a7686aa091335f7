"""HTTP/2 to clients: prior knowledge on cleartext binds and ALPN on TLS binds, with real
clients (curl, h2load) and a raw frame client (python3-h2) for what they cannot do: cookie
crumbs, bodies without a length, trailers, malformed requests, and the abuse cases (rapid
reset, CONTINUATION flood, control-frame floods, oversized header blocks), each of which
must end in a bounded outcome while the worker keeps serving others. Soft stop and reloads
under load end streams with GOAWAY, losing none."""

import base64
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import tempfile
import threading
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.settings
import hpack

import harness
import origin
import tlspki

CONFIG = """global
    log stdout format raw local0
%(global)s
defaults
    mode http
    log global
    option httplog
    timeout client 5s
    timeout server 5s
    timeout connect 2s
%(defaults)s
frontend fe
    bind 127.0.0.1:%(port)d %(bind)s
%(fe)s
    default_backend be

backend be
    server s1 127.0.0.1:%(origin)d
"""


def recv_some(sock, deadline):
    """What @sock has before @deadline (monotonic): bytes, b"" once it closed or was reset,
    None when the time is over."""
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    sock.settimeout(left)
    try:
        return sock.recv(65536)
    except socket.timeout:
        return None
    except OSError:  # a reset, or a TLS error (ssl.SSLError is one)
        return b""


class H2Client:
    """A raw HTTP/2 client on one connection: frames through python3-h2, read with
    timeouts; every wait is bounded."""

    def __init__(self, port, tls_ctx=None, settings=None, preface=True):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if tls_ctx:
            self.sock = tls_ctx.wrap_socket(self.sock, server_hostname="a.test")
        cfg = h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                        validate_outbound_headers=False,
                                        normalize_outbound_headers=False,
                                        validate_inbound_headers=False)
        self.conn = h2.connection.H2Connection(config=cfg)
        # python3-h2 closes its side at the first GOAWAY, but RFC 9113 6.8 lets the streams
        # up to its last_stream_id finish (a graceful shutdown's first GOAWAY names them
        # all): this client keeps reading them
        sm = self.conn.state_machine
        sm._transitions = dict(sm._transitions)
        sm._transitions[(h2.connection.ConnectionState.CLIENT_OPEN,
                         h2.connection.ConnectionInputs.RECV_GOAWAY)] = (
                             None, h2.connection.ConnectionState.CLIENT_OPEN)
        self.closed = False
        self.goaway = None
        self.streams = {}
        if preface:
            self.conn.initiate_connection()
            if settings:
                self.conn.update_settings(settings)
            self.flush()

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def flush(self):
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def send_raw(self, data):
        self.sock.sendall(data)

    def request(self, path, method="GET", headers=(), body=None, end=True, authority="a.test"):
        sid = self.conn.get_next_available_stream_id()
        hdrs = [(":method", method), (":scheme", "http"), (":authority", authority),
                (":path", path)] + list(headers)
        self.conn.send_headers(sid, hdrs, end_stream=end and body is None)
        if body is not None:
            self.conn.send_data(sid, body, end_stream=end)
        self.flush()
        self.streams[sid] = {"headers": None, "data": b"", "trailers": None, "ended": False,
                             "reset": None, "interim": []}
        return sid

    def _event(self, ev):
        s = self.streams.get(getattr(ev, "stream_id", None))
        if isinstance(ev, h2.events.ResponseReceived):
            s["headers"] = dict(ev.headers)
        elif isinstance(ev, h2.events.InformationalResponseReceived):
            s["interim"].append(dict(ev.headers))
        elif isinstance(ev, h2.events.DataReceived):
            s["data"] += ev.data
            self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        elif isinstance(ev, h2.events.TrailersReceived):
            s["trailers"] = dict(ev.headers)
        elif isinstance(ev, h2.events.StreamEnded):
            s["ended"] = True
        elif isinstance(ev, h2.events.StreamReset):
            if s is not None:
                s["reset"] = ev.error_code
        elif isinstance(ev, h2.events.ConnectionTerminated):
            self.goaway = ev

    def pump(self, until, timeout=5.0):
        """Read and handle frames until @until() or the connection closes; @until()."""
        deadline = time.monotonic() + timeout
        while not until() and not self.closed:
            data = recv_some(self.sock, deadline)
            if data is None:
                break
            if not data:
                self.closed = True
                break
            try:
                events = self.conn.receive_data(data)
            except h2.exceptions.ProtocolError:
                self.closed = True
                break
            for ev in events:
                self._event(ev)
            self.flush()
        return until()

    def response(self, sid, timeout=5.0):
        s = self.streams[sid]
        self.pump(lambda: s["ended"] or s["reset"] is not None, timeout)
        return s


# ---- raw frames (RFC 9113 4.1), for what no client library sends ----

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
    CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
# error codes (RFC 9113 7)
NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, SETTINGS_TIMEOUT, STREAM_CLOSED, \
    FRAME_SIZE_ERROR, REFUSED_STREAM, CANCEL, COMPRESSION_ERROR, CONNECT_ERROR, \
    ENHANCE_YOUR_CALM = range(12)


def frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", sid) + payload


def settings(**kv):
    ids = {"header_table_size": 1, "enable_push": 2, "max_concurrent_streams": 3,
           "initial_window_size": 4, "max_frame_size": 5, "max_header_list_size": 6}
    return frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", ids[k], v)
                                          for k, v in kv.items()))


def get_fields(path="/", extra=()):
    return [(":method", "GET"), (":scheme", "http"), (":authority", "a"),
            (":path", path)] + list(extra)


def headers(sid, fields, end_stream=True, enc=None, end_headers=True):
    block = (enc or hpack.Encoder()).encode(fields)
    return frame(HEADERS, (END_STREAM if end_stream else 0) |
                 (END_HEADERS if end_headers else 0), sid, block)


class RawConn:
    """The frames a server sends on one connection, read with timeouts."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.frames = []
        self.closed = False
        self.dec = hpack.Decoder()

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            self.closed = True

    def read(self, until, timeout=3.0):
        deadline = time.monotonic() + timeout
        while not until() and not self.closed:
            data = recv_some(self.sock, deadline)
            if data is None:
                break
            if not data:
                self.closed = True
                break
            self.buf += data
            while len(self.buf) >= 9:
                n = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) < 9 + n:
                    break
                t, fl = self.buf[3], self.buf[4]
                sid = int.from_bytes(self.buf[5:9], "big") & 0x7fffffff
                payload = self.buf[9:9 + n]
                self.buf = self.buf[9 + n:]
                if t == HEADERS:
                    payload = dict(self.dec.decode(payload))
                self.frames.append((t, fl, sid, payload))
        return until()

    def outcome(self):
        """("status", N), ("rst", code), ("goaway", code), or ("closed", None)."""
        for t, fl, sid, p in self.frames:
            if t == HEADERS and sid and ":status" in p:
                return ("status", int(p[":status"]))
            if t == RST_STREAM:
                return ("rst", int.from_bytes(p[:4], "big"))
            if t == GOAWAY and int.from_bytes(p[4:8], "big") != NO_ERROR:
                return ("goaway", int.from_bytes(p[4:8], "big"))
        return ("closed", None) if self.closed else ("open", None)

    def done(self):
        return self.outcome()[0] != "open"

    def close(self):
        self.sock.close()


def _bomb():
    enc = hpack.Encoder()
    big = ("x-bomb", "v" * 4000)
    return headers(1, get_fields("/bomb", [big] * 200), enc=enc)


def _flood_empty_data():
    return headers(1, [(":method", "POST"), (":scheme", "http"), (":authority", "a"),
                       (":path", "/e")], end_stream=False) + frame(DATA, 0, 1) * 1200


# (name, client bytes after the preface and an empty SETTINGS, expected outcome): each
# attack or violation ends in a bounded outcome, a reset stream or a closed connection
ABUSE_CASES = [
    # pseudo-header fields (RFC 9113 8.3)
    ("no :path", headers(1, get_fields()[:3]), ("rst", PROTOCOL_ERROR)),
    ("no :method", headers(1, get_fields()[1:]), ("rst", PROTOCOL_ERROR)),
    ("no :scheme", headers(1, [get_fields()[0]] + get_fields()[2:]), ("rst", PROTOCOL_ERROR)),
    ("twice :path", headers(1, get_fields() + [(":path", "/b")]), ("rst", PROTOCOL_ERROR)),
    ("pseudo after regular", headers(1, get_fields()[:3] + [("a", "b"), (":path", "/")]),
     ("rst", PROTOCOL_ERROR)),
    ("unknown pseudo", headers(1, get_fields() + [(":foo", "x")]), ("rst", PROTOCOL_ERROR)),
    (":status in a request", headers(1, get_fields() + [(":status", "200")]),
     ("rst", PROTOCOL_ERROR)),
    ("empty :path", headers(1, get_fields("")), ("rst", PROTOCOL_ERROR)),
    # fields (8.2)
    ("uppercase name", headers(1, get_fields("/", [("X-Up", "1")])), ("rst", PROTOCOL_ERROR)),
    ("connection", headers(1, get_fields("/", [("connection", "close")])),
     ("rst", PROTOCOL_ERROR)),
    ("te gzip", headers(1, get_fields("/", [("te", "gzip")])), ("rst", PROTOCOL_ERROR)),
    ("transfer-encoding", headers(1, get_fields("/", [("transfer-encoding", "chunked")])),
     ("rst", PROTOCOL_ERROR)),
    ("upgrade", headers(1, get_fields("/", [("upgrade", "h2c")])), ("rst", PROTOCOL_ERROR)),
    ("CR LF in a value", headers(1, get_fields("/", [("x-a", "b\r\nx-b: c")])),
     ("rst", PROTOCOL_ERROR)),
    ("space in a name", headers(1, get_fields("/", [("x a", "b")])), ("rst", PROTOCOL_ERROR)),
    # content-length against DATA (8.1.1)
    ("DATA beyond content-length",
     headers(1, get_fields("/", [("content-length", "5")]), end_stream=False) +
     frame(DATA, END_STREAM, 1, b"0123456789"), ("rst", PROTOCOL_ERROR)),
    ("DATA short of content-length",
     headers(1, get_fields("/", [("content-length", "10")]), end_stream=False) +
     frame(DATA, END_STREAM, 1, b"012"), ("rst", PROTOCOL_ERROR)),
    ("content-length not a number", headers(1, get_fields("/", [("content-length", "1 2")]),
                                            end_stream=False), ("rst", PROTOCOL_ERROR)),
    # streams and frames (5, 6)
    ("DATA on stream 0", frame(DATA, 0, 0, b"x"), ("goaway", PROTOCOL_ERROR)),
    ("HEADERS on an even stream", headers(2, get_fields()), ("goaway", PROTOCOL_ERROR)),
    # ignored, as nghttp2 does (a client's trailers may cross the RST_STREAM that closed
    # their stream): the stream is never opened
    ("stream id going back", headers(5, get_fields("/first"), end_stream=False) +
     headers(3, get_fields()), ("open", None)),
    ("DATA on an idle stream", frame(DATA, 0, 7, b"x"), ("goaway", PROTOCOL_ERROR)),
    ("RST_STREAM on an idle stream", frame(RST_STREAM, 0, 9, struct.pack(">I", CANCEL)),
     ("goaway", PROTOCOL_ERROR)),
    ("CONTINUATION alone", frame(CONTINUATION, END_HEADERS, 1, b""),
     ("goaway", PROTOCOL_ERROR)),
    ("HEADERS after END_STREAM", headers(1, get_fields("/slow")) + headers(1, [("x", "y")]),
     ("goaway", STREAM_CLOSED)),
    ("frame over the maximum size", frame(DATA, 0, 1, b"x" * 20000),
     ("goaway", FRAME_SIZE_ERROR)),
    ("PING of 7 bytes", frame(PING, 0, 0, b"1234567"), ("goaway", FRAME_SIZE_ERROR)),
    ("PRIORITY on itself", frame(PRIORITY, 0, 1, struct.pack(">IB", 1, 16)),
     ("goaway", PROTOCOL_ERROR)),
    ("PUSH_PROMISE from a client", frame(PUSH_PROMISE, END_HEADERS, 1, b"\0\0\0\2"),
     ("goaway", PROTOCOL_ERROR)),
    # flow control and settings (6.5, 6.9)
    ("WINDOW_UPDATE of 0", frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 0)),
     ("goaway", PROTOCOL_ERROR)),
    ("window over 2^31-1", frame(WINDOW_UPDATE, 0, 0, struct.pack(">I", 0x7fffffff)),
     ("goaway", FLOW_CONTROL_ERROR)),
    ("initial window over 2^31-1", settings(initial_window_size=0x80000000),
     ("goaway", FLOW_CONTROL_ERROR)),
    ("enable_push 2", settings(enable_push=2), ("goaway", PROTOCOL_ERROR)),
    ("max_frame_size 100", settings(max_frame_size=100), ("goaway", PROTOCOL_ERROR)),
    ("SETTINGS on a stream", frame(SETTINGS, 0, 1, b""), ("goaway", PROTOCOL_ERROR)),
    # HPACK (RFC 7541)
    ("HPACK index out of the table", frame(HEADERS, END_STREAM | END_HEADERS, 1, b"\xff\x7f"),
     ("goaway", COMPRESSION_ERROR)),
    ("HPACK table size over SETTINGS", frame(HEADERS, END_STREAM | END_HEADERS, 1,
                                             b"\x3f\xe1\x3f" + hpack.Encoder().encode(
                                                 get_fields())), ("goaway", COMPRESSION_ERROR)),
    ("HPACK bomb", _bomb(), ("status", 431)),
    ("header list over the limit", headers(1, get_fields("/", [("x-big", "v" * 16000)])),
     ("status", 431)),
    ("fields over tune.http.maxhdr",
     headers(1, get_fields("/", [("x-f%d" % i, "1") for i in range(120)])), ("status", 431)),
    # floods (glitches)
    ("empty DATA flood", _flood_empty_data(), ("goaway", ENHANCE_YOUR_CALM)),
    ("CONTINUATION flood", frame(HEADERS, 0, 1, hpack.Encoder().encode(get_fields())) +
     b"".join(frame(CONTINUATION, 0, 1, b"") for _ in range(100)), ("closed", None)),
]


def h2load(url, n, c, m, timeout=60, extra=()):
    """h2load's (succeeded, failed) for @n requests on @c connections, @m streams each."""
    r = subprocess.run(["h2load", "-n", str(n), "-c", str(c), "-m", str(m)] + list(extra) +
                       [url], capture_output=True, text=True, timeout=timeout)
    got = re.search(r"requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed",
                    r.stdout)
    assert got, r.stdout + r.stderr
    return int(got.group(1)), int(got.group(2))


def curl(args, timeout=20):
    r = subprocess.run(["curl", "-s", "-S", "--max-time", str(timeout)] + list(args),
                       capture_output=True, timeout=timeout + 5)
    return r


class H2Case(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.origin = origin.Origin()
        self.port = harness.free_port()

    def tearDown(self):
        # sluice first: the origin's threads end with the connections it had open
        super().tearDown()
        self.origin.stop()

    def serve(self, bind="", fe="", glob="", defaults="", origin_port=None):
        self.cfg_args = dict(port=self.port, bind=bind, fe=fe, defaults=defaults, origin=(
            origin_port or self.origin.port), **{"global": glob})
        self.proc = self.start_config(CONFIG % self.cfg_args)
        return self.proc

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def wait_log(self, pattern, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.proc.log().splitlines():
                if re.search(pattern, line):
                    return line
            time.sleep(0.05)
        return None

    def assert_serving(self):
        """Another client is served at once, over HTTP/1.1 and HTTP/2: two curl runs (each
        given 5 s) take well under the 5 s that one stuck request alone would, even on a
        loaded machine where starting curl and a busy origin add their share."""
        t0 = time.monotonic()
        r = curl(["-o", "/dev/null", "-w", "%{http_code}", "--http2-prior-knowledge",
                  self.url("/other")], timeout=5)
        self.assertEqual(r.stdout, b"200", r.stderr)
        r = curl(["-o", "/dev/null", "-w", "%{http_code}", self.url("/other")], timeout=5)
        self.assertEqual(r.stdout, b"200", r.stderr)
        self.assertLess(time.monotonic() - t0, 4.0)


class Basics(H2Case):
    def test_prior_knowledge(self):
        self.serve()
        r = curl(["-i", "--http2-prior-knowledge", self.url("/x?y=1")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"HTTP/2 200"), r.stdout[:100])
        self.assertTrue(r.stdout.endswith(b"origin o /x?y=1"))
        req = self.origin.requests[-1]
        # an HTTP/1.1 request to the server, :authority as its Host
        self.assertEqual(req.version, b"HTTP/1.1")
        self.assertEqual(req.target, b"/x?y=1")
        self.assertEqual(req.header("host"), "127.0.0.1:%d" % self.port)
        # one log line per stream, HTTP/2.0 in it
        self.assertIsNotNone(self.wait_log(r'"GET /x\?y=1 HTTP/2\.0"'), self.proc.log())
        # HTTP/1.1 still works on the same bind
        r = curl(["-i", self.url("/h1")])
        self.assertTrue(r.stdout.startswith(b"HTTP/1.1 200"), r.stdout[:100])

    def test_many_streams_h2load(self):
        self.serve()
        ok, failed = h2load(self.url("/"), n=3000, c=4, m=32)
        self.assertEqual((ok, failed), (3000, 0))

    def test_bodies_both_ways(self):
        self.serve()
        body = os.urandom(1 << 20)
        path = self.write("up.bin", "")
        with open(path, "wb") as f:
            f.write(body)
        r = curl(["--http2-prior-knowledge", "--data-binary", "@" + path, self.url("/echo")],
                 timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, body)
        r = curl(["--http2-prior-knowledge", self.url("/big/3000000")], timeout=30)
        self.assertEqual(len(r.stdout), 3000000)
        self.assertEqual(r.stdout, b"x" * 3000000)

    def test_body_without_length_goes_chunked(self):
        self.serve()
        with H2Client(self.port) as c:
            sid = c.request("/echo", method="POST", body=b"abc", end=False)
            c.conn.send_data(sid, b"defg", end_stream=True)
            c.flush()
            s = c.response(sid)
        self.assertEqual(s["headers"][":status"], "200")
        self.assertEqual(s["data"], b"abcdefg")
        req = self.origin.requests[-1]
        self.assertEqual(req.header("transfer-encoding"), "chunked")
        self.assertIsNone(req.header("content-length"))

    def test_cookie_crumbs_joined_and_host_from_authority(self):
        self.serve()
        with H2Client(self.port) as c:
            sid = c.request("/c", headers=[("cookie", "a=1"), ("accept", "*/*"),
                                           ("cookie", "b=2"), ("host", "evil.test")],
                            authority="good.test")
            s = c.response(sid)
        self.assertEqual(s["headers"][":status"], "200")
        req = self.origin.requests[-1]
        self.assertEqual([v for n, v in req.headers if n == "cookie"], ["a=1; b=2"])
        self.assertEqual([v for n, v in req.headers if n == "host"], ["good.test"])

    def test_response_fields_lowercase_without_hop_by_hop(self):
        raw = origin.RawOrigin({"/r": (b"HTTP/1.1 200 OK\r\nX-Up: A\r\nConnection: keep-alive, "
                                       b"X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
                                       b"Content-Length: 2\r\n\r\nok", False)})
        self.addCleanup(raw.stop)  # after sluice's stop (tearDown)
        self.serve(origin_port=raw.port)
        with H2Client(self.port) as c:
            s = c.response(c.request("/r"))
        self.assertEqual(s["data"], b"ok")
        self.assertEqual(s["headers"].get("x-up"), "A")
        for name in ("connection", "x-hop", "keep-alive"):
            self.assertNotIn(name, s["headers"])

    def test_chunked_response_and_its_trailers(self):
        raw = origin.RawOrigin({"/t": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                       b"3\r\nabc\r\n0\r\nX-Sum: 9\r\n\r\n",
                                       False)})
        self.addCleanup(raw.stop)
        self.serve(origin_port=raw.port)
        with H2Client(self.port) as c:
            s = c.response(c.request("/t"))
        self.assertEqual(s["data"], b"abc")
        self.assertTrue(s["ended"])
        self.assertEqual(s["trailers"], {"x-sum": "9"})

    def test_head_and_no_content(self):
        self.serve()
        with H2Client(self.port) as c:
            s = c.response(c.request("/status/204"))
            self.assertEqual(s["headers"][":status"], "204")
            self.assertTrue(s["ended"])
            s = c.response(c.request("/x", method="HEAD"))
            self.assertEqual(s["headers"][":status"], "200")
            self.assertEqual(s["data"], b"")
            self.assertTrue(s["ended"])

    def test_tls_alpn(self):
        with tempfile.TemporaryDirectory(prefix="sluice-pki-") as d:
            pki = tlspki.build(d)
            crt = pki.servers["a.test"].pem
            self.serve(bind="ssl crt %s alpn h2,http/1.1" % crt)
            args = ["-k", "--resolve", "a.test:%d:127.0.0.1" % self.port,
                    "https://a.test:%d/t" % self.port]
            r = curl(["-i", "--http2"] + args)
            self.assertTrue(r.stdout.startswith(b"HTTP/2 200"), r.stdout[:200] + r.stderr)
            r = curl(["-i", "--http1.1"] + args)
            self.assertTrue(r.stdout.startswith(b"HTTP/1.1 200"), r.stdout[:200] + r.stderr)
            ok, failed = h2load("https://127.0.0.1:%d/" % self.port, n=400, c=2, m=10)
            self.assertEqual((ok, failed), (400, 0))

    def test_disable_h2_upgrade(self):
        self.serve(fe="    option disable-h2-upgrade")
        r = curl(["-i", "--http2-prior-knowledge", self.url("/")])
        self.assertFalse(r.stdout.startswith(b"HTTP/2"), r.stdout[:100])
        r = curl(["-i", self.url("/")])
        self.assertTrue(r.stdout.startswith(b"HTTP/1.1 200"))

    def test_proto_h1_bind(self):
        # HTTP/1 only: the HTTP/2 preface is an HTTP/1 request like any other (refused)
        self.serve(bind="proto h1")
        r = curl(["-i", "--http2-prior-knowledge", self.url("/")])
        self.assertFalse(r.stdout.startswith(b"HTTP/2"), r.stdout[:100])
        r = curl(["-i", self.url("/")])
        self.assertTrue(r.stdout.startswith(b"HTTP/1.1 200"))

    def test_proto_h2_bind(self):
        self.serve(bind="proto h2")
        r = curl(["-i", "--http2-prior-knowledge", self.url("/")])
        self.assertTrue(r.stdout.startswith(b"HTTP/2 200"), r.stdout[:100])
        # HTTP/1 on a bind that speaks only HTTP/2: no answer but a close
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            data = s.recv(65536)
            self.assertFalse(data.startswith(b"HTTP/1.1"))

    def test_expect_100_continue(self):
        """A client that waits for 100 (Continue) before its body gets the server's interim
        response as an HTTP/2 informational HEADERS frame, then sends the body."""
        self.serve()
        with H2Client(self.port) as c:
            sid = c.request("/echo", method="POST", end=False,
                            headers=[("expect", "100-continue"), ("content-length", "5")])
            s = c.streams[sid]
            self.assertTrue(c.pump(lambda: s["interim"] or s["headers"]), s)
            self.assertEqual([h[":status"] for h in s["interim"]], ["100"])
            self.assertIsNone(s["headers"])
            c.conn.send_data(sid, b"hello", end_stream=True)
            c.flush()
            s = c.response(sid)
        self.assertEqual(s["headers"][":status"], "200")
        self.assertEqual(s["data"], b"hello")
        self.assertEqual(self.origin.requests[-1].header("expect"), "100-continue")

    def test_websocket_over_h2(self):
        """RFC 8441: SETTINGS_ENABLE_CONNECT_PROTOCOL is offered; an extended CONNECT goes to
        the HTTP/1.1 server as the upgrade it stands for, with a Sec-WebSocket-Key sluice
        makes; the 101 is a 200 without Sec-WebSocket-Accept; bytes tunnel both ways, and
        END_STREAM is the FIN each way."""
        self.serve()
        with H2Client(self.port) as c:
            c.pump(lambda: c.conn.remote_settings.get(8) == 1)
            self.assertEqual(c.conn.remote_settings.get(8), 1)
            sid = c.conn.get_next_available_stream_id()
            c.conn.send_headers(sid, [(":method", "CONNECT"), (":protocol", "websocket"),
                                      (":scheme", "http"), (":path", "/ws"),
                                      (":authority", "a.test"),
                                      ("sec-websocket-version", "13")])
            c.flush()
            c.streams[sid] = s = {"headers": None, "data": b"", "trailers": None,
                                  "ended": False, "reset": None, "interim": []}
            self.assertTrue(c.pump(lambda: s["headers"] is not None), s)
            self.assertEqual(s["headers"][":status"], "200")
            self.assertNotIn("sec-websocket-accept", s["headers"])
            self.assertNotIn("upgrade", s["headers"])
            for chunk in (b"hello", os.urandom(50000), os.urandom(50000)):
                before = len(s["data"])
                for at in range(0, len(chunk), 16384):
                    c.conn.send_data(sid, chunk[at:at + 16384])
                c.flush()
                self.assertTrue(c.pump(lambda: len(s["data"]) >= before + len(chunk), 10))
                self.assertEqual(s["data"][before:], chunk)
            c.conn.end_stream(sid)
            c.flush()
            self.assertTrue(c.pump(lambda: s["ended"] or s["reset"] is not None), s)
            self.assertTrue(s["ended"])
            self.assertIsNone(s["reset"])
        req = self.origin.requests[-1]
        self.assertEqual((req.method, req.target), (b"GET", b"/ws"))
        self.assertEqual(req.header("upgrade"), "websocket")
        self.assertEqual(req.header("connection"), "upgrade")
        self.assertEqual(req.header("sec-websocket-version"), "13")
        self.assertEqual(len(base64.b64decode(req.header("sec-websocket-key"))), 16)
        self.assertIsNotNone(self.wait_log(r'" 101 |\b101\b.*"GET /ws HTTP/2\.0"'),
                             self.proc.log())

    def test_fc_glitches_and_fc_http_major(self):
        self.serve(fe="    http-request set-header X-Glitches %[fc_glitches]\n"
                      "    http-request set-header X-Major %[fc_http_major]")
        c = RawConn(self.port)
        try:
            # three empty DATA frames on an open stream: three glitches
            c.send(PREFACE + settings() + headers(1, get_fields("/g1"), end_stream=False) +
                   frame(DATA, 0, 1) * 3 + frame(DATA, END_STREAM, 1) +
                   headers(3, get_fields("/g2")))
            c.read(lambda: sum(1 for f in c.frames if f[0] == HEADERS) >= 2)
        finally:
            c.close()
        got = {r.target: (r.header("x-glitches"), r.header("x-major"))
               for r in self.origin.requests}
        # (the first stream starts once the bytes read with it are decoded: it sees them too)
        self.assertEqual(got[b"/g1"][1], "2")
        self.assertEqual(got[b"/g2"], ("3", "2"))
        r = curl(["-s", self.url("/h1")])
        self.assertEqual(self.origin.requests[-1].header("x-major"), "1")
        self.assertEqual(self.origin.requests[-1].header("x-glitches"), "0")


class Errors(H2Case):
    def test_malformed_requests(self):
        self.serve()
        with H2Client(self.port) as c:
            # uppercase field name, connection-specific field: reset by nghttp2's checks
            for hdrs in ([("X-Upper", "1")], [("connection", "close")],
                         [("te", "gzip")]):
                with self.subTest(hdrs=hdrs):
                    s = c.response(c.request("/m", headers=hdrs))
                    self.assertIsNotNone(s["reset"], s)
            # CONNECT: no tunnel over HTTP/2
            sid = c.conn.get_next_available_stream_id()
            c.conn.send_headers(sid, [(":method", "CONNECT"), (":authority", "a:443")])
            c.flush()
            c.streams[sid] = {"headers": None, "data": b"", "trailers": None, "ended": False,
                              "reset": None, "interim": []}
            s = c.response(sid)
            self.assertTrue(s["reset"] is not None or s["headers"][":status"] == "501", s)
            # the connection still serves
            s = c.response(c.request("/ok"))
            self.assertEqual(s["headers"][":status"], "200")
        self.assertEqual([r.target for r in self.origin.requests], [b"/ok"])

    def test_header_block_too_large_gets_431(self):
        self.serve()
        with H2Client(self.port) as c:
            s = c.response(c.request("/big", headers=[("x-big", "v" * 20000)]))
            self.assertEqual(s["headers"][":status"], "431")
            s = c.response(c.request("/many", headers=[("x-f%d" % i, "1") for i in range(150)]))
            self.assertEqual(s["headers"][":status"], "431")
            s = c.response(c.request("/ok"))
            self.assertEqual(s["headers"][":status"], "200")
        self.assertEqual([r.target for r in self.origin.requests], [b"/ok"])


class Abuse(H2Case):
    """Each attack ends bounded; a parallel client is served throughout."""

    def test_violations_and_attacks(self):
        self.serve()
        for name, data, want in ABUSE_CASES:
            with self.subTest(case=name):
                c = RawConn(self.port)
                try:
                    c.send(PREFACE + settings() + data)
                    c.read(c.done, timeout=5 if want[0] != "open" else 0.5)
                    got = c.outcome()
                finally:
                    c.close()
                if want == ("closed", None):
                    self.assertIn(got[0], ("closed", "goaway"), name)
                else:
                    self.assertEqual(got, want, name)
        self.assert_serving()
        # nothing reached the server but the valid streams opened before a violation
        self.assertEqual({r.target for r in self.origin.requests} - {b"/other", b"/slow"},
                         set())
        # each connection error was logged
        self.assertIsNotNone(self.wait_log(r"fe: HTTP/2 connection from 127\.0\.0\.1:\d+ "
                                           r"closed: .*\(GOAWAY FRAME_SIZE_ERROR\)"),
                             self.proc.log()[-3000:])

    def test_zero_window_holds_bounded_memory(self):
        # a client that never opens its window, asking for 50 MB: sluice holds at most a
        # buffer per stream, and stops reading the server
        self.serve()
        self.assert_serving()

        def rss_kb():
            total = 0
            for pid in harness.children(self.proc.pid):
                with open("/proc/%d/status" % pid) as f:
                    total += int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
            return total

        before = rss_kb()
        c = RawConn(self.port)
        try:
            c.send(PREFACE + settings(initial_window_size=0) +
                   b"".join(headers(1 + 2 * i, get_fields("/big/50000000"))
                            for i in range(5)))
            c.read(lambda: False, timeout=1.5)
            grown = rss_kb() - before
            self.assert_serving()
        finally:
            c.close()
        # five streams of 50 MB each: what is held is a few buffers, not the bodies
        self.assertLess(grown, 4096, "%d kB" % grown)

    def test_ten_thousand_streams_on_one_connection(self):
        self.serve()
        ok, failed = h2load(self.url("/"), n=10000, c=1, m=100)
        self.assertEqual((ok, failed), (10000, 0))

    def test_rapid_reset(self):
        self.serve()
        with H2Client(self.port) as c:
            sent = 0
            for i in range(3000):
                try:
                    sid = c.conn.get_next_available_stream_id()
                    c.conn.send_headers(sid, [(":method", "GET"), (":scheme", "http"),
                                              (":authority", "a"), (":path", "/slow")],
                                        end_stream=True)
                    c.conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
                    c.flush()
                    sent += 1
                except (OSError, h2.exceptions.ProtocolError):
                    break
            c.pump(lambda: c.goaway is not None, timeout=5)
            # a GOAWAY, or a close that lost it in the reset of unread bytes
            self.assertTrue(c.goaway is not None or c.closed, "still open after %d" % sent)
        self.assert_serving()
        # far fewer than the streams opened reached the server
        self.assertLess(len(self.origin.requests), 1000)

    def test_continuation_flood(self):
        self.serve()
        import hyperframe.frame as hf
        with H2Client(self.port) as c:
            f = hf.HeadersFrame(1)
            f.data = c.conn.encoder.encode([(":method", "GET"), (":scheme", "http"),
                                            (":authority", "a"), (":path", "/")])
            f.flags.add("END_STREAM")
            c.send_raw(f.serialize())
            try:
                for _ in range(200):
                    cf = hf.ContinuationFrame(1)
                    cf.data = c.conn.encoder.encode([("x-a", "b")])
                    c.send_raw(cf.serialize())
            except OSError:
                pass
            self.assertTrue(harness.closed_by_peer(c.sock, timeout=5))
        self.assert_serving()

    def test_control_frame_floods(self):
        import hyperframe.frame as hf
        for kind in ("ping", "settings", "window_update", "priority"):
            with self.subTest(kind=kind):
                self.serve(glob="    tune.h2.fe.glitches-threshold 500")
                with H2Client(self.port) as c:
                    closed = False
                    try:
                        for i in range(20000):
                            if kind == "ping":
                                f = hf.PingFrame(0)
                                f.opaque_data = b"%08d" % i
                            elif kind == "settings":
                                f = hf.SettingsFrame(0)
                                f.settings = {hf.SettingsFrame.HEADER_TABLE_SIZE: 4096}
                            elif kind == "window_update":
                                f = hf.WindowUpdateFrame(0)
                                f.window_increment = 1
                            else:
                                f = hf.PriorityFrame(1 + 2 * (i % 1000))
                                f.depends_on = 0
                                f.stream_weight = 16
                            c.send_raw(f.serialize())
                    except OSError:
                        closed = True
                    self.assertTrue(closed or harness.closed_by_peer(c.sock, timeout=5))
                self.assert_serving()
                self.proc.stop()

    def test_stalled_header_block_times_out(self):
        self.serve(defaults="    timeout http-request 300ms")
        import hyperframe.frame as hf
        with H2Client(self.port) as c:
            f = hf.HeadersFrame(1)
            f.data = c.conn.encoder.encode([(":method", "GET"), (":scheme", "http"),
                                            (":authority", "a"), (":path", "/")])
            c.send_raw(f.serialize())  # no END_HEADERS: the block never completes
            self.assertTrue(harness.closed_by_peer(c.sock, timeout=5))
        self.assertEqual(self.origin.requests, [])

    def test_idle_connection_times_out(self):
        self.serve(defaults="    timeout http-keep-alive 300ms")
        with H2Client(self.port) as c:
            s = c.response(c.request("/"))
            self.assertEqual(s["headers"][":status"], "200")
            t0 = time.monotonic()
            c.pump(lambda: False, timeout=3)
            self.assertTrue(c.closed)
            self.assertIsNotNone(c.goaway)
            self.assertLess(time.monotonic() - t0, 2.5)


class Stop(H2Case):
    def test_soft_stop_finishes_streams_in_flight(self):
        # nghttp shows the frames (python3-h2 stops reading at the first GOAWAY)
        self.serve()
        n = subprocess.Popen(["nghttp", "-v", self.url("/slow")], stdout=subprocess.PIPE,
                             text=True)
        try:
            # the stream is in flight once the origin has its request (it answers 1.5 s
            # later); a fixed pause could end before nghttp even connected on a loaded machine
            deadline = time.monotonic() + harness.DEFAULT_TIMEOUT
            while not self.origin.requests and time.monotonic() < deadline:
                time.sleep(0.01)
            self.assertTrue(self.origin.requests)
            for w in harness.children(self.proc.pid):
                os.kill(w, signal.SIGUSR1)
            out = n.communicate(timeout=10)[0]
        finally:
            n.kill()
        goaways = re.findall(r"recv GOAWAY frame.*\n.*last_stream_id=(\d+)", out)
        # two steps: a notice first, then the last stream served
        self.assertEqual(goaways[0], "2147483647", out)
        self.assertEqual(len(goaways), 2, out)
        self.assertIn(":status: 200", out)
        self.assertIn("slow", out)
        self.assertEqual(n.returncode, 0)

    def test_reloads_under_load_lose_nothing(self):
        # h2load cannot say it (it fails what it had not sent yet at a GOAWAY, and never
        # reconnects): a client of its own keeps 10 streams open, retries on a new
        # connection what a GOAWAY says was not processed, and counts the streams lost
        self.serve()
        going = threading.Event()
        result = {"ok": 0, "retried": 0, "lost": [], "conns": 0}

        def load():
            retry = 0
            deadline = time.monotonic() + 60
            while (going.is_set() or retry) and time.monotonic() < deadline:
                result["conns"] += 1
                with H2Client(self.port) as c:
                    inflight = set()
                    for _ in range(100000):
                        while (c.goaway is None and not c.closed and len(inflight) < 10 and
                               (going.is_set() or retry)):
                            inflight.add(c.request("/r"))
                            retry = max(0, retry - 1)
                        if not inflight:
                            break
                        c.pump(lambda: any(c.streams[i]["ended"] or c.streams[i]["reset"]
                                           is not None for i in inflight), timeout=5)
                        last = c.goaway.last_stream_id if c.goaway else None
                        for sid in sorted(inflight):
                            st = c.streams[sid]
                            if st["ended"]:
                                inflight.discard(sid)
                                if st["headers"] and st["headers"].get(":status") == "200":
                                    result["ok"] += 1
                                else:
                                    result["lost"].append((sid, st))
                            elif (st["reset"] == h2.errors.ErrorCodes.REFUSED_STREAM or
                                  (c.closed and last is not None and sid > last)):
                                inflight.discard(sid)
                                result["retried"] += 1
                                retry += 1
                            elif st["reset"] is not None or c.closed:
                                inflight.discard(sid)
                                result["lost"].append((sid, st, last))
                        if c.closed and not inflight:
                            break

        going.set()
        t = threading.Thread(target=load)
        t.start()

        def progress(n):
            """Until @n more streams succeeded (bounded): traffic between every two reloads,
            however slow the machine, rather than whatever a fixed pause let through."""
            want = result["ok"] + n
            deadline = time.monotonic() + harness.DEFAULT_TIMEOUT
            while result["ok"] < want and t.is_alive() and time.monotonic() < deadline:
                time.sleep(0.02)

        for _ in range(10):
            time.sleep(0.3)
            progress(60)
            self.proc.signal(signal.SIGUSR2)
            self.proc.notify.wait_for("READY", "1", proc=self.proc.proc)
        time.sleep(0.3)
        progress(60)
        going.clear()
        t.join(timeout=90)
        self.assertFalse(t.is_alive())
        self.assertEqual(result["lost"], [])
        self.assertGreater(result["ok"], 500)
        # the reloads moved the client to new connections
        self.assertGreater(result["conns"], 5, result)


if __name__ == "__main__":
    harness.main()
