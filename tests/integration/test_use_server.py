"""use-server and ignore-persist mean what they mean in HAProxy: the same backend (round
robin, a persistence cookie, use-server rules by name and by format, a server in
maintenance, ignore-persist) runs in sluice and in Debian's HAProxy 2.6 in front of the same
origins, and the same requests, in the same order, must reach the same servers."""

import harness
import origin

CONFIG = """defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    bind 127.0.0.1:%(port)d
    default_backend be
backend be
    balance roundrobin
    cookie SRV insert indirect nocache
    use-server s2 if { path_beg /two }
    use-server s%%[req.hdr(x-srv)] if { req.hdr(x-srv) -m found }
    ignore-persist if { path_beg /static }
    force-persist if { req.hdr(x-force) -m found }
    server s0 127.0.0.1:%(o0)d cookie c0
    server s1 127.0.0.1:%(o1)d cookie c1
    server s2 127.0.0.1:%(o2)d cookie c2
    server s3 127.0.0.1:%(o3)d cookie c3 disabled
"""

REQUESTS = [
    ("/two", None, None),
    ("/a", None, "1"),
    ("/a", None, "3"),       # s3 is in maintenance: the rule is skipped
    ("/a", "c1", None),      # the cookie
    ("/two", "c1", None),    # use-server before the cookie
    ("/static/x", "c1", None),  # ignore-persist: balanced
    ("/static/y", "c1", None),
    ("/b", "c0", "2"),
    ("/c", None, None),
    ("/d", None, None),
    ("/f", "c3", None, True),        # force-persist: the cookie's server in maintenance
    ("/f", None, "3", True),         # ... and use-server's
    ("/static/f", "c3", None, True), # ignore-persist comes first: balanced
    ("/f", "c3", None),              # without it, s3 is skipped
]


def ask(port, path, cookie, srv, force=False):
    head = "GET %s HTTP/1.1\r\nHost: h\r\n" % path
    if force:
        head += "X-Force: 1\r\n"
    if cookie:
        head += "Cookie: SRV=%s\r\n" % cookie
    if srv:
        head += "X-Srv: %s\r\n" % srv
    status, headers, body = harness.request(port, (head + "\r\n").encode())
    return status, body.split(b" ")[1] if body.startswith(b"origin ") else body


class UseServer(harness.TestCase):
    def test_as_haproxy(self):
        origins = [origin.Origin("o%d" % i) for i in range(4)]
        try:
            results = []
            for start in (self.start_haproxy, self.start_config):
                p = {"port": harness.free_port()}
                p.update({"o%d" % i: o.port for i, o in enumerate(origins)})
                start(CONFIG % p)
                results.append([ask(p["port"], *r) for r in REQUESTS])
            self.assertEqual(results[1], results[0])
            names = [r[1] for r in results[0]]
            self.assertEqual(names[0], b"o2")
            self.assertEqual(names[1], b"o1")
            self.assertEqual(names[3], b"o1")
            self.assertEqual(names[4], b"o2")
            self.assertNotEqual(names[5:7], [b"o1", b"o1"])
            # s3 (on o3) is in maintenance: reached only when persistence is forced
            self.assertEqual(names[10:12], [b"o3", b"o3"])
            self.assertNotIn(b"o3", names[:10] + names[12:])
        finally:
            for o in origins:
                o.stop()

    def test_checks(self):
        path = self.write("bad.cfg", "backend b\n    use-server nope if TRUE\n"
                          "    server s 127.0.0.1:9\n")
        r = harness.run(["-c", "-f", path])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("bad.cfg:2", r.stderr)
        self.assertIn("no server named 'nope'", r.stderr)
        path = self.write("bad2.cfg", "backend b\n    use-server s\n    server s 127.0.0.1:9\n")
        r = harness.run(["-c", "-f", path])
        self.assertIn("bad2.cfg:2", r.stderr)



STORE_CONFIG = """defaults
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    mode http
    bind 127.0.0.1:%(port)d
    default_backend be
frontend t
    mode tcp
    bind 127.0.0.1:%(tport)d
    default_backend be_tcp
backend be
    mode http
    balance roundrobin
    stick-table type string len 32 size 100
    stick match req.cook(SID)
    stick store-response res.cook(SID)
    stick store-response res.hdr(content-length)
    server s0 127.0.0.1:%(o0)d
    server s1 127.0.0.1:%(o1)d
backend be_tcp
    mode tcp
    balance roundrobin
    stick-table type ip size 100
    stick match src
    stick store-response src
    server s0 127.0.0.1:%(o0)d
    server s1 127.0.0.1:%(o1)d
"""

STORE_REQUESTS = [
    ("/setcookie/SID", None),   # balanced; the answer's cookie is stored with its server
    ("/a", "abc123"),           # matched: the same server
    ("/b", None),               # balanced
    ("/c", "abc123"),
    ("/d", "unknown"),          # not stored: balanced
    ("/e", "abc123"),
]


class StoreResponse(harness.TestCase):
    def test_as_haproxy(self):
        origins = [origin.Origin("o%d" % i) for i in range(2)]
        self.addCleanup(lambda: [o.stop() for o in origins])
        results = []
        for start in (self.start_haproxy, self.start_config):
            p = {"port": harness.free_port(), "tport": harness.free_port()}
            p.update({"o%d" % i: o.port for i, o in enumerate(origins)})
            start(STORE_CONFIG % p)
            got = []
            for path, sid in STORE_REQUESTS:
                head = "GET %s HTTP/1.1\r\nHost: h\r\n" % path
                if sid:
                    head += "Cookie: SID=%s\r\n" % sid
                body = harness.request(p["port"], (head + "\r\n").encode())[2]
                got.append(body.split(b" ")[1])
            # TCP: the first connection's source is stored once connected, and every later
            # connection from it goes to the same server, round robin notwithstanding
            for i in range(4):
                body = harness.request(p["tport"], b"GET /t%d HTTP/1.1\r\nHost: h\r\n\r\n" % i)[2]
                got.append(body.split(b" ")[1])
            results.append(got)
        self.assertEqual(results[1], results[0])
        names = results[0]
        self.assertEqual(names[1], names[0])
        self.assertEqual(names[3], names[0])
        self.assertEqual(names[5], names[0])
        self.assertEqual(len(set(names[6:])), 1)

    def test_checks(self):
        for text, msg in [
            ("backend b\n    stick-table type string size 10\n    stick on res.cook(x)\n"
             "    server s 127.0.0.1:9\n", "is not known yet when 'stick on' runs"),
            ("backend b\n    stick store-response res.cook(x)\n    server s 127.0.0.1:9\n",
             "no stick-table"),
        ]:
            with self.subTest(msg=msg):
                path = self.write("bad.cfg", text)
                r = harness.run(["-c", "-f", path])
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(msg, r.stderr)


if __name__ == "__main__":
    harness.main()
