"""Proxy options and error settings as HAProxy 2.6 has them (option originalto, ...): the
same configurations run in sluice and in Debian's HAProxy 2.6 in front of the same origins,
and the same requests must give the same answers and reach the origins the same way."""

import socket
import time

import harness
import origin


def log_lines(proc, needle, count):
    """The first @count lines of @proc's output that contain @needle, waiting up to 5 s."""
    deadline = time.monotonic() + 5
    while True:
        lines = [l for l in proc.log().splitlines() if needle in l]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines[:count]
        time.sleep(0.05)


def both(test, config, params, run):
    """Run @run(port, proc) against HAProxy (when installed), then sluice, each on @config
    filled with @params and a port of its own; returns the list of what @run gave."""
    results = []
    starts = [test.start_config]
    if harness.have_haproxy():
        starts.insert(0, test.start_haproxy)
    for start in starts:
        p = dict(params, port=harness.free_port())
        proc = start(config % p)
        results.append(run(p["port"], proc))
    return results

ORIGINALTO_CONFIG = """defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    bind 127.0.0.1:%(port)d
    bind 127.0.0.2:%(port)d
    option originalto except 127.0.0.2
    http-request set-dst req.hdr(x-dst) if { req.hdr(x-dst) -m found }
    use_backend named if { path_beg /named }
    default_backend plain
backend plain
    server s 127.0.0.1:%(o)d
backend named
    option originalto header X-Dest except 192.0.2.0/24
    server s 127.0.0.1:%(o)d
"""

# (address connected to, path, extra header lines)
ORIGINALTO_REQUESTS = [
    ("127.0.0.1", "/a", ""),
    ("127.0.0.2", "/b", ""),                          # the frontend's except network
    ("127.0.0.1", "/c", "X-Dst: 198.51.100.9\r\n"),   # set-dst: what dst gives
    ("127.0.0.1", "/d", "X-Dst: 2001:db8::5\r\n"),
    ("127.0.0.1", "/e", "X-Original-To: 10.9.9.9\r\n"),  # added even when one is there
    ("127.0.0.1", "/named1", ""),                     # the backend's header name
    ("127.0.0.2", "/named2", ""),                     # the frontend's except still counts
    ("127.0.0.1", "/named3", "X-Dst: 192.0.2.4\r\n"),  # the backend's except network
]


def originalto_exchange(port, o):
    """Send each request on a connection of its own; what the origin got for each path:
    the X-Original-To and X-Dest values it received, in order."""
    for addr, path, extra in ORIGINALTO_REQUESTS:
        with socket.create_connection((addr, port), timeout=harness.DEFAULT_TIMEOUT) as s:
            s.sendall(("GET %s HTTP/1.1\r\nHost: h\r\n%s\r\n" % (path, extra)).encode())
            status, _, _ = harness.read_response(harness.Conn(s))
            assert status == 200, (path, status)
    got = {}
    for r in o.requests:
        got[r.target.decode()] = [(n, v) for n, v in r.headers
                                  if n in ("x-original-to", "x-dest")]
    o.requests.clear()
    return got


class OriginalTo(harness.TestCase):
    def test_as_haproxy(self):
        o = origin.Origin("o")
        self.addCleanup(o.stop)
        results = []
        starts = [self.start_config]
        if harness.have_haproxy():
            starts.insert(0, self.start_haproxy)
        for start in starts:
            p = {"port": harness.free_port(), "o": o.port}
            start(ORIGINALTO_CONFIG % p)
            results.append(originalto_exchange(p["port"], o))
        got = results[-1]
        self.assertEqual(got, {
            "/a": [("x-original-to", "127.0.0.1")],
            "/b": [],
            "/c": [("x-original-to", "198.51.100.9")],
            "/d": [("x-original-to", "2001:db8::5")],
            "/e": [("x-original-to", "10.9.9.9"), ("x-original-to", "127.0.0.1")],
            "/named1": [("x-dest", "127.0.0.1")],
            "/named2": [],
            "/named3": [],
        })
        if len(results) == 2:
            self.assertEqual(results[1], results[0])

    def test_checks(self):
        for line, msg in [
            ("option originalto if-none", "unknown argument 'if-none'"),
            ("option originalto header", "'header' needs a name"),
            ("option originalto except 300.1.1.1", "expected <address>[/mask]"),
        ]:
            with self.subTest(line=line):
                path = self.write("bad.cfg", "frontend f\n    mode http\n    bind :8080\n"
                                  "    %s\n" % line)
                r = harness.run(["-c", "-f", path])
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("bad.cfg:4", r.stderr)
                self.assertIn(msg, r.stderr)


ERRORLOC_CONFIG = """global
    log stdout format raw local0
defaults
    mode http
    log global
    log-format "LOG %%ST %%HP"
    timeout client 5s
    timeout server 5s
    timeout connect 5s
    errorloc 503 http://status.example/down?x=1
frontend f
    bind 127.0.0.1:%(port)d
    errorloc303 403 /denied
    errorfile 429 %(file)s
    errorloc 429 /later
    http-request deny if { path /deny }
    http-request deny deny_status 429 if { path /slow }
    use_backend b2 if { path /b2 }
    default_backend b1
backend b1
    server s 127.0.0.1:%(dead)d
backend b2
    errorloc302 503 /b2-down
    http-request deny deny_status 500 if { path /b2 }
    errorloc303 500 /oops
"""


class ErrorLoc(harness.TestCase):
    def test_as_haproxy(self):
        path = self.write("e.http", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        paths = ["/deny", "/slow", "/down", "/b2"]

        def run(port, proc):
            got = []
            for target in paths:
                st, h, body = harness.request(port, ("GET %s HTTP/1.1\r\nHost: h\r\n\r\n"
                                                     % target).encode())
                got.append((target, st, h.get("location"), h.get("cache-control"),
                            h.get("content-length"), body))
            logs = [" ".join(l.split()[-2:]) for l in log_lines(proc, "LOG ", len(paths))]
            return got, sorted(logs)

        results = both(self, ERRORLOC_CONFIG, {"file": path, "dead": harness.free_port()}, run)
        got, logs = results[-1]
        self.assertEqual(got, [
            ("/deny", 303, "/denied", "no-cache", "0", b""),
            ("/slow", 302, "/later", "no-cache", "0", b""),  # the later one replaces the file
            ("/down", 302, "http://status.example/down?x=1", "no-cache", "0", b""),
            ("/b2", 303, "/oops", "no-cache", "0", b""),
        ])
        # the log shows the status the error was for, not the redirection's
        self.assertEqual(logs, ["403 /deny", "429 /slow", "500 /b2", "503 /down"])
        if len(results) == 2:
            self.assertEqual(results[1], results[0])

    def test_checks(self):
        for line, msg in [
            ("errorloc 302 /x", "errorloc: status 302 cannot have an error location"),
            ("errorloc303 503", "expected 'errorloc <code> <url>'"),
        ]:
            with self.subTest(line=line):
                path = self.write("bad.cfg", "frontend f\n    mode http\n    bind :8080\n"
                                  "    %s\n" % line)
                r = harness.run(["-c", "-f", path])
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("bad.cfg:4", r.stderr)
                self.assertIn(msg, r.stderr)


TARPIT_CONFIG = """global
    log stdout format raw local0
defaults
    mode http
    log global
    log-format "LOG %%HP %%ST %%tsc %%TR %%Tw"
    timeout client 5s
    timeout server 5s
    timeout connect 600ms
frontend f
    bind 127.0.0.1:%(port)d
    timeout tarpit 300ms
    http-request tarpit if { path /t }
    http-request tarpit deny_status 429 content-type text/plain string slow if { path /t2 }
    use_backend b if { path /b }
    default_backend plain
frontend g
    bind 127.0.0.1:%(port2)d
    http-request tarpit if { path /now }
backend plain
    server s 127.0.0.1:%(o)d
backend b
    http-request tarpit
    server s 127.0.0.1:%(o)d
"""


class Tarpit(harness.TestCase):
    maxDiff = None

    def test_as_haproxy(self):
        o = origin.Origin("o")
        self.addCleanup(o.stop)
        # (port key, path, half-close after sending)
        reqs = [("port", "/t", False), ("port", "/t2", False), ("port", "/b", False),
                ("port2", "/now", False), ("port", "/t", True)]

        def run(port, proc):
            got = []
            ports = {"port": port, "port2": port + 1}
            for key, target, half in reqs:
                start = time.monotonic()
                with harness.connect(ports[key]) as s:
                    s.sendall(("GET %s HTTP/1.1\r\nHost: h\r\n\r\n" % target).encode())
                    if half:
                        s.shutdown(socket.SHUT_WR)
                    st, h, body = harness.read_response(s)
                elapsed = time.monotonic() - start
                # the wait, in tenths of a second: 3 for timeout tarpit 300ms
                got.append((target, st, h.get("content-type"), body[:19], round(elapsed * 10)))
            lines = log_lines(proc, "LOG ", len(reqs))
            logs = sorted((l.split()[-5:-2], int(l.split()[-2]), round(int(l.split()[-1]) / 100))
                          for l in lines)
            return got, logs

        results = []
        starts = [self.start_config]
        if harness.have_haproxy():
            starts.insert(0, self.start_haproxy)
        for start in starts:
            p = {"port": harness.free_port(), "o": o.port}
            p["port2"] = p["port"] + 1
            proc = start(TARPIT_CONFIG % p)
            results.append(run(p["port"], proc))
        got, logs = results[-1]
        self.assertEqual(got, [
            ("/t", 500, "text/html", b"<html><body><h1>500", 3),
            ("/t2", 429, "text/plain", b"slow", 3),
            ("/b", 500, "text/html", b"<html><body><h1>500", 6),  # the backend's timeout connect
            ("/now", 500, "text/html", b"<html><body><h1>500", 0),  # a frontend has none
            ("/t", 500, "text/html", b"<html><body><h1>500", 3),  # half-closed: waits too
        ])
        # PT, TR -1, and the wait as Tw (in tenths of a second)
        self.assertEqual(logs, [(["/b", "500", "PT--"], -1, 6), (["/now", "500", "PT--"], -1, 0),
                                (["/t", "500", "PT--"], -1, 3), (["/t", "500", "PT--"], -1, 3),
                                (["/t2", "429", "PT--"], -1, 3)])
        if len(results) == 2:
            self.assertEqual(results[1], results[0])
        self.assertEqual(o.requests, [])  # nothing reached the server


if __name__ == "__main__":
    harness.main()
