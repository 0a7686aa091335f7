"""Content inspection in TCP mode, as SNI routers use it: tcp-request inspect-delay with
tcp-request content rules waiting for the client's bytes, use_backend by req.ssl_sni,
req.ssl_alpn, req.ssl_hello_type, req.payload and req.len. The same configuration runs in
sluice and in Debian's HAProxy 2.6 side by side; real TLS ClientHellos (made by Python's
OpenSSL) are sent whole, split across segments, or not at all, and each server the traffic
reaches says its name."""

import socket
import ssl
import threading
import time

import harness


def sslv2_hello(version):
    """An SSLv2 CLIENT-HELLO asking for @version (2 bytes): one cipher, a 16-byte challenge."""
    body = b"\x01" + version + b"\x00\x03\x00\x00\x00\x10" + b"\x01\x00\x80" + b"c" * 16
    return bytes([0x80 | len(body) >> 8, len(body) & 0xff]) + body


def with_version(hello, version):
    """A TLS ClientHello whose own version (not the record's) is @version."""
    return hello[:9] + version + hello[11:]


def client_hello(sni=None, alpn=None):
    """The bytes a TLS client sends first, with @sni and @alpn."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if alpn:
        ctx.set_alpn_protocols(alpn)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


class NameServer:
    """Accepts connections; answers each with its name once it has read something (or at
    once with @eager) and closes."""

    def __init__(self, name, eager=False):
        self.name = name.encode()
        self.eager = eager
        self.sock = socket.socket()
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
            except (socket.timeout, OSError):
                continue
            try:
                c.settimeout(5)
                if not self.eager:
                    c.recv(65536)
                c.sendall(self.name)
            except OSError:
                pass
            finally:
                c.close()

    def stop(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.sock.close()


CONFIG = """defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend sni
    bind 127.0.0.1:%(p1)d
    tcp-request inspect-delay 2s
    tcp-request content accept if { req_ssl_hello_type 1 }
    use_backend be_a if { req_ssl_sni -i a.example.com }
    use_backend be_b if { req.ssl_sni -m end .b.example.com }
    use_backend be_h2 if { req.ssl_alpn h2 }
    use_backend be_plain if { req.payload(0,4) -m bin 47455420 }
    default_backend be_other
frontend quick
    bind 127.0.0.1:%(p2)d
    tcp-request inspect-delay 300ms
    tcp-request content reject if { req.len lt 3 } { req.len gt 0 }
    use_backend be_tls if { payload(0,1) 16 }
    default_backend be_other
frontend detect
    bind 127.0.0.1:%(p3)d
    tcp-request inspect-delay 1s
    tcp-request content accept if HTTP
    tcp-request content accept if WAIT_END
    use_backend be_plain if HTTP
    default_backend be_other
frontend ver
    bind 127.0.0.1:%(p4)d
    tcp-request inspect-delay 500ms
    tcp-request content accept if { req.ssl_ver gt 0 }
    use_backend be_a if { req.ssl_ver ge 3.3 }
    use_backend be_b if { req_ssl_ver 3.0-3.2 }
    use_backend be_tls if { req.ssl_ver lt 3.0 }
    default_backend be_other
backend be_a
    server s 127.0.0.1:%(a)d
backend be_b
    server s 127.0.0.1:%(b)d
backend be_h2
    server s 127.0.0.1:%(h2)d
backend be_plain
    server s 127.0.0.1:%(plain)d
backend be_tls
    server s 127.0.0.1:%(tls)d
backend be_other
    server s 127.0.0.1:%(other)d
"""


def exchange(port, chunks, pause=0.0):
    """Send @chunks (with @pause between), then read what comes back until the end."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        for i, c in enumerate(chunks):
            if i and pause:
                time.sleep(pause)
            s.sendall(c)
        got = b""
        try:
            while True:
                d = s.recv(4096)
                if not d:
                    break
                got += d
        except (ConnectionResetError, socket.timeout):
            got += b"<reset>"
        return got


class Inspect(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.servers = {n: NameServer(n) for n in ("a", "b", "h2", "plain", "tls", "other")}

    def tearDown(self):
        for s in self.servers.values():
            s.stop()
        super().tearDown()

    def both(self):
        ports = []
        for _ in range(2):
            p = {"p1": harness.free_port(), "p2": harness.free_port(), "p3": harness.free_port(),
                 "p4": harness.free_port()}
            p.update({n: s.port for n, s in self.servers.items()})
            ports.append(p)
        self.start_haproxy(CONFIG % ports[0])
        self.start_config(CONFIG % ports[1])
        return ports[0], ports[1]

    def test_routing_as_haproxy(self):
        h, s = self.both()
        hello = client_hello
        cases = [
            ("sni", [hello("a.example.com")], 0, b"a"),
            ("sni", [hello("A.EXAMPLE.COM")], 0, b"a"),
            ("sni", [hello("x.b.example.com")], 0, b"b"),
            ("sni", [hello("c.example.com", ["h2", "http/1.1"])], 0, b"h2"),
            ("sni", [hello("c.example.com", ["http/1.1"])], 0, b"other"),
            ("sni", [hello(None)], 0, b"other"),
            # the ClientHello in three pieces, 200 ms apart: the rules wait for all of it
            ("sni", None, 0.2, b"a"),
            # not TLS: the rules wait for the inspect-delay, then the payload decides
            ("sni", [b"GET / HTTP/1.0\r\n\r\n"], 0, b"plain"),
            ("quick", [hello("a.example.com")], 0, b"tls"),
            ("quick", [b"hello"], 0, b"other"),
            # two bytes: a rule true with what came is final, the connection is rejected
            ("quick", [b"hi"], 0, b""),
            # a whole HTTP/1 request head, even in pieces, is HTTP; other bytes wait for
            # WAIT_END (the delay, 1 s, leaves the 0.2 s pause room on a loaded machine)
            ("detect", [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"], 0, b"plain"),
            ("detect", [b"GET / HTTP/1.1\r\nHo", b"st: x\r\n\r\n"], 0.2, b"plain"),
            ("detect", [b"SSH-2.0-OpenSSH\r\n"], 0, b"other"),
            # the version the hello asks for, TLS or SSLv2, against dotted patterns
            ("ver", [hello("a.example.com")], 0, b"a"),
            ("ver", [with_version(hello("a.example.com"), b"\x03\x01")], 0, b"b"),
            ("ver", [sslv2_hello(b"\x03\x01")], 0, b"b"),
            ("ver", [sslv2_hello(b"\x00\x02")], 0, b"tls"),
            ("ver", [b"GET / HTTP/1.0\r\n\r\n"], 0, b"other"),
        ]
        for front, chunks, pause, want in cases:
            with self.subTest(front=front, chunks=chunks and chunks[0][:20], want=want):
                if chunks is None:
                    full = hello("a.example.com")
                    chunks = [full[:3], full[3:60], full[60:]]
                results = []
                for ports in (h, s):
                    port = ports[{"sni": "p1", "quick": "p2", "detect": "p3",
                                  "ver": "p4"}[front]]
                    t0 = time.monotonic()
                    results.append((exchange(port, chunks, pause), time.monotonic() - t0))
                self.assertEqual(results[1][0], results[0][0])
                self.assertEqual(results[0][0], want)
        # a TLS client is routed as soon as its ClientHello is in, not after the delay (2 s)
        t0 = time.monotonic()
        self.assertEqual(exchange(s["p1"], [hello("a.example.com")]), b"a")
        self.assertLess(time.monotonic() - t0, 1.5)

    def test_rdp_cookie_as_haproxy(self):
        # balance rdp-cookie hashes the mstshash cookie, persist rdp-cookie follows an msts
        # cookie to the server it names, and the fetches route by the cookie
        cfg = """defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
listen farm
    bind 127.0.0.1:%(p1)d
    tcp-request inspect-delay 2s
    tcp-request content accept if RDP_COOKIE
    persist rdp-cookie
    balance rdp-cookie
    server a 127.0.0.1:%(a)d
    server b 127.0.0.1:%(b)d
    server h2 127.0.0.1:%(h2)d
    server plain 127.0.0.1:%(plain)d
frontend route
    bind 127.0.0.1:%(p2)d
    tcp-request inspect-delay 2s
    tcp-request content accept if RDP_COOKIE
    use_backend be_a if { req.rdp_cookie(mstshash) -m str carol }
    use_backend be_b if { rdp_cookie_cnt gt 0 }
    default_backend be_other
backend be_a
    server s 127.0.0.1:%(a)d
backend be_b
    server s 127.0.0.1:%(b)d
backend be_other
    server s 127.0.0.1:%(other)d
"""

        def rdp(cookie):
            x224 = b"\xe0\x00\x00\x00\x00\x00" + cookie + b"\r\n" + \
                b"\x01\x00\x08\x00\x03\x00\x00\x00"
            tpkt_len = 4 + 1 + len(x224)
            return b"\x03\x00" + tpkt_len.to_bytes(2, "big") + bytes([len(x224)]) + x224

        b_port = self.servers["b"].port
        # 127.0.0.1 and the port, each as its network-order bytes read little-endian
        msts = b"Cookie: msts=%d.%d.0000" % (int.from_bytes(bytes([127, 0, 0, 1]), "little"),
                                             int.from_bytes(b_port.to_bytes(2, "big"), "little"))
        cases = [("p1", rdp(b"Cookie: mstshash=alice")), ("p1", rdp(b"Cookie: mstshash=bob")),
                 ("p1", rdp(b"Cookie: mstshash=carol")), ("p1", rdp(b"Cookie: mstshash=alice")),
                 ("p1", rdp(msts)), ("p1", rdp(b"Cookie: mstshash=dave")),
                 ("p2", rdp(b"Cookie: mstshash=carol")), ("p2", rdp(b"Cookie: mstshash=erin")),
                 ("p2", rdp(b"Cookie: msts=1.2.0000"))]
        got = []
        for start in (self.start_haproxy, self.start_config):
            p = {"p1": harness.free_port(), "p2": harness.free_port()}
            p.update({n: s.port for n, s in self.servers.items()})
            start(cfg % p)
            got.append([exchange(p[front], [data]) for front, data in cases])
        self.assertEqual(got[1], got[0])
        names = got[0]
        self.assertEqual(names[0], names[3])
        self.assertEqual(names[4], b"b")
        self.assertEqual(names[6:], [b"a", b"b", b"b"])
        # the hash spreads the users: not everyone on one server
        self.assertGreater(len(set(names[:6])), 1)

    def test_half_close_while_rules_wait(self):
        # the client sends its request and shuts its side while a rule waits for more: the
        # rules decide at the end of its stream, the bytes and then the FIN reach the server,
        # and the server's answer comes back (a server that answers only after the client's
        # end, as a "nc -N" peer)
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        srv.settimeout(5)
        self.addCleanup(srv.close)
        cfg = ("defaults\n    mode tcp\n    timeout client 5s\n    timeout server 5s\n"
               "    timeout connect 5s\nfrontend f\n    bind 127.0.0.1:%d\n"
               "    tcp-request inspect-delay 3s\n"
               "    tcp-request content accept if { req.len ge 100 }\n"
               "    default_backend b\nbackend b\n    server s 127.0.0.1:%d\n")

        def serve_one():
            c, _ = srv.accept()
            with c:
                c.settimeout(5)
                got = harness.read_until_closed(c)
                c.sendall(b"got %d" % len(got))

        for start in (self.start_haproxy, self.start_config):
            port = harness.free_port()
            start(cfg % (port, srv.getsockname()[1]))
            t = threading.Thread(target=serve_one, daemon=True)
            t.start()
            t0 = time.monotonic()
            with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                c.sendall(b"x" * 30)
                c.shutdown(socket.SHUT_WR)
                got = harness.read_until_closed(c)
            t.join(timeout=5)
            self.assertEqual(got, b"got 30")
            # decided at the client's end, not at the inspect-delay (3 s)
            self.assertLess(time.monotonic() - t0, 2.5)

    def test_checks(self):
        path = self.write("bad.cfg", "defaults\n    mode tcp\nfrontend f\n"
                          "    bind 127.0.0.1:%d\n"
                          "    tcp-request connection reject if { req.ssl_sni x }\n"
                          % harness.free_port())
        # as HAProxy: a warning that the ACL never matches there, and the rule is kept
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"bad\.cfg:5:\d+: warning: .*it never matches there")


if __name__ == "__main__":
    harness.main()
