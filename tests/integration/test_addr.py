"""set-src, set-dst, set-src-port and set-dst-port mean what they mean in HAProxy, and a
server at the any address (0.0.0.0) connects where the client connected, after set-dst: the
same configurations run in sluice and in Debian's HAProxy 2.6 in front of the same origins,
and the same requests, on one keep-alive connection, must reach the same origins with the
same X-Forwarded-For and the same addresses seen by the fetches."""

import socket

import harness
import origin

# Request rules change the stream's addresses: the next request on the connection starts
# again from the connection's own.
HTTP_CONFIG = """defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    bind 127.0.0.1:%(port)d
    option forwardfor
    http-request set-src req.hdr(x-real-ip) if { req.hdr(x-real-ip) -m found }
    http-request set-src-port req.hdr(x-src-port) if { req.hdr(x-src-port) -m found }
    http-request set-dst req.hdr(x-dst) if { req.hdr(x-dst) -m found }
    http-request set-dst-port req.hdr(x-dst-port) if { req.hdr(x-dst-port) -m found }
    http-request set-header x-seen "%%[src] %%[dst] %%[dst_port]"
    http-request set-header x-sport %%[src_port] if { req.hdr(x-src-port) -m found }
    use_backend transparent if { req.hdr(x-dst) -m found }
    default_backend plain
backend plain
    server s 127.0.0.1:%(o1)d
backend transparent
    server any 0.0.0.0:0
"""

# Connection and session rules change the connection's addresses: every request sees them.
CONN_CONFIG = """defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    bind 127.0.0.1:%(port)d
    option forwardfor
    tcp-request connection set-src ipv4(10.1.2.3)
    tcp-request session set-dst-port int(%(o2)d)
    tcp-request session set-dst str(127.0.0.2) if { src 10.1.2.3 }
    http-request set-header x-seen "%%[src] %%[dst] %%[dst_port]"
    default_backend transparent
backend transparent
    server any 0.0.0.0:0
"""

# In mode tcp: content rules, and a server at the any address with its own port.
TCP_CONFIG = """defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    bind 127.0.0.1:%(port)d
    tcp-request content set-dst ipv4(127.0.0.3)
    default_backend transparent
backend transparent
    server any 0.0.0.0:%(o1)d
"""

# (x-real-ip, x-src-port, x-dst, x-dst-port) of each request on one connection
REQUESTS = [
    ("192.0.2.7", None, None, None),
    (None, None, None, None),            # the connection's own address again
    ("2001:db8::1", "5555", None, None),
    (None, None, "127.0.0.2", "o2"),     # to o2, on 127.0.0.2
    (None, None, "127.0.0.3", "o3"),     # to o3: an idle connection to o2 must not serve
    (None, None, "127.0.0.2", "o2"),
    ("not-an-address", None, None, None),  # not an address: nothing changes
    (None, "77abc", None, None),         # a port from the leading digits, as HAProxy
]


def exchange(port, requests, ports):
    """Send @requests on one connection; for each, the origin's name and the headers it got."""
    seen = []
    with harness.connect(port) as s:
        for ip, sport, dst, dport in requests:
            head = "GET /r%d HTTP/1.1\r\nHost: h\r\n" % len(seen)
            if ip:
                head += "X-Real-IP: %s\r\n" % ip
            if sport:
                head += "X-Src-Port: %s\r\n" % sport
            if dst:
                head += "X-Dst: %s\r\n" % dst
            if dport:
                head += "X-Dst-Port: %d\r\n" % ports[dport]
            s.sendall((head + "\r\n").encode())
            status, headers, body = harness.read_response(s)
            seen.append((status, body.split(b" ")[1] if body.startswith(b"origin ") else body))
    return seen


def forwarded(origins):
    """What each origin received: path -> (x-forwarded-for, x-seen, x-sport)."""
    got = {}
    for o in origins:
        for r in o.requests:
            got[r.target.decode()] = (r.header("x-forwarded-for"), r.header("x-seen"),
                                      r.header("x-sport"))
        o.requests.clear()
    return got


class SetSrcDst(harness.TestCase):
    def origins(self):
        os = [origin.Origin("o1"), origin.Origin("o2", ("127.0.0.2", 0)),
              origin.Origin("o3", ("127.0.0.3", 0))]
        self.addCleanup(lambda: [o.stop() for o in os])
        return os

    def both(self, config, requests):
        """Run @requests through HAProxy, then sluice, with @config: for each, what the
        client got, what the origins got, and the frontend's port."""
        os = self.origins()
        ports = {o.name: o.port for o in os}
        self.ports = ports
        results = []
        for start in (self.start_haproxy, self.start_config):
            p = {"port": harness.free_port()}
            p.update(ports)
            start(config % p)
            results.append((exchange(p["port"], requests, ports), forwarded(os), p["port"]))
        return results

    def test_http_request_rules_as_haproxy(self):
        (h_seen, h_fwd, h_port), (s_seen, s_fwd, s_port) = self.both(HTTP_CONFIG, REQUESTS)
        ports = self.ports
        self.assertEqual(s_seen, h_seen)
        # the frontend's port differs between the two runs: compare with it replaced
        norm = lambda fwd, port: {k: tuple(x.replace(str(port), "PORT") if x else x
                                           for x in v) for k, v in fwd.items()}
        self.assertEqual(norm(s_fwd, s_port), norm(h_fwd, h_port))
        self.assertEqual([n for _, n in s_seen],
                         [b"o1", b"o1", b"o1", b"o2", b"o3", b"o2", b"o1", b"o1"])
        fwd = norm(s_fwd, s_port)
        self.assertEqual(fwd["/r0"], ("192.0.2.7", "192.0.2.7 127.0.0.1 PORT", None))
        self.assertEqual(fwd["/r1"], ("127.0.0.1", "127.0.0.1 127.0.0.1 PORT", None))
        self.assertEqual(fwd["/r2"], ("2001:db8::1", "2001:db8::1 127.0.0.1 PORT", "5555"))
        self.assertEqual(fwd["/r3"][1], "127.0.0.1 127.0.0.2 %d" % ports["o2"])
        self.assertEqual(fwd["/r6"][0], "127.0.0.1")
        self.assertEqual(fwd["/r7"][2], "77")

    def test_connection_and_session_rules_as_haproxy(self):
        (h_seen, h_fwd, _), (seen, fwd, _) = self.both(CONN_CONFIG, [(None,) * 4] * 3)
        self.assertEqual((seen, fwd), (h_seen, h_fwd))
        # the session rule saw the address the connection rule set
        self.assertEqual(seen, [(200, b"o2")] * 3)
        for k in ("/r0", "/r1", "/r2"):
            self.assertEqual(fwd[k],
                             ("10.1.2.3", "10.1.2.3 127.0.0.2 %d" % self.ports["o2"], None))

    def test_tcp_content_set_dst(self):
        o3 = origin.Origin("o3b", ("127.0.0.3", 0))
        self.addCleanup(o3.stop)
        for start in (self.start_haproxy, self.start_config):
            p = {"port": harness.free_port(), "o1": o3.port}
            start(TCP_CONFIG % p)
            status, headers, body = harness.request(p["port"], b"GET /t HTTP/1.1\r\nHost: h\r\n\r\n")
            self.assertEqual((status, body), (200, b"origin o3b /t"))

    def test_checks(self):
        for line, msg in [
            ("http-request set-src", "expected 'set-src <expression>'"),
            ("http-request set-dst hdr(a) hdr(b)", "expected 'set-dst <expression>'"),
            ("tcp-request connection set-src hdr(x)", "is not known yet when this rule runs"),
            ("http-response set-src src", "unknown http-response action 'set-src'"),
            ("tcp-request session set-dst-port nosuchfetch", "nosuchfetch"),
        ]:
            with self.subTest(line=line):
                path = self.write("bad.cfg", "frontend f\n    mode http\n    bind :8080\n"
                                  "    %s\n" % line)
                r = harness.run(["-c", "-f", path])
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("bad.cfg:4", r.stderr)
                self.assertIn(msg, r.stderr)


if __name__ == "__main__":
    harness.main()
