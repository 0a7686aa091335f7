"""Rewriting actions mean what they mean in HAProxy: replace-header, replace-value,
replace-path, replace-pathq, replace-uri, set-path, set-query, set-pathq, set-uri,
set-method and set-status run in sluice and in Debian's HAProxy 2.6 on the same
configuration in front of the same origin; what reaches the origin (request line and fields)
and what reaches the client (status and fields) must be the same. A rewrite that would make
an invalid request line or field fails the request with a 500 instead of going out."""

import re
import socket
import time

import harness
import origin

RULES = r"""
    http-request replace-header X-Fwd (.*)\.internal\.(.*) \1.\2 if { req.hdr(x-case) -m str hdr }
    http-request replace-value X-List ^a(.*)$ A\1-%[req.hdr(x-tag)] if { req.hdr(x-case) -m str value }
    http-request replace-path /old/(.*) /new/\1 if { req.hdr(x-case) -m str path }
    http-request replace-pathq /q\?(.*) /r?z=1&\1 if { req.hdr(x-case) -m str pathq }
    http-request replace-uri ^/u/([^/]*)/(.*) /\2/\1 if { req.hdr(x-case) -m str uri }
    http-request set-path /set%[path] if { req.hdr(x-case) -m str setpath }
    http-request set-query a=%[req.hdr(x-tag)] if { req.hdr(x-case) -m str setquery }
    http-request set-pathq /pq?x=%[req.hdr(x-tag)] if { req.hdr(x-case) -m str setpathq }
    http-request set-uri /uri%[path] if { req.hdr(x-case) -m str seturi }
    http-request set-method %[req.hdr(x-tag)] if { req.hdr(x-case) -m str method }
    http-request set-path %[req.hdr(x-tag)] if { req.hdr(x-case) -m str badpath }
    http-request replace-header X-Fwd (.*) \1\x0d\x0aX-Evil:\x201 if { req.hdr(x-case) -m str badhdr }
    http-response set-status 203 if { res.hdr(x-origin) -m found } { var(txn.case) -m str status }
    http-response set-status 299 reason "Very Fine" if { var(txn.case) -m str reason }
    http-response replace-header Content-Type text/(.*) application/\1 if { var(txn.case) -m str reshdr }
    http-after-response replace-value X-Origin ^(.*)$ [\1] if { var(txn.case) -m str after }
"""


def config(port, oport):
    return """defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    bind 127.0.0.1:%d
    http-request set-var(txn.case) req.hdr(x-case)
%s
    default_backend be
backend be
    http-response set-header X-Origin o
    server s1 127.0.0.1:%d
""" % (port, RULES, oport)


CASES = [
    ("GET", "/a", {"X-Case": "hdr", "X-Fwd": "web.internal.example"}),
    ("GET", "/a", {"X-Case": "value", "X-List": "abc, b,ax ,  a", "X-Tag": "t"}),
    ("GET", "/old/x/y?k=v", {"X-Case": "path"}),
    ("GET", "/q?k=v", {"X-Case": "pathq"}),
    ("GET", "/u/one/two/three?k=v", {"X-Case": "uri"}),
    ("GET", "/p?k=v", {"X-Case": "setpath"}),
    ("GET", "/p?k=v", {"X-Case": "setquery", "X-Tag": "1"}),
    ("GET", "/p?k=v", {"X-Case": "setpathq", "X-Tag": "2"}),
    ("GET", "/p?k=v", {"X-Case": "seturi"}),
    ("GET", "/p", {"X-Case": "method", "X-Tag": "PURGE"}),
    ("GET", "/p", {"X-Case": "status"}),
    ("GET", "/p", {"X-Case": "reason"}),
    ("GET", "/p", {"X-Case": "reshdr"}),
    ("GET", "/p", {"X-Case": "after"}),
]


def ask(port, method, target, headers):
    head = "%s %s HTTP/1.1\r\nHost: h\r\n" % (method, target)
    for n, v in headers.items():
        head += "%s: %s\r\n" % (n, v)
    with harness.connect(port) as c:
        c.sendall((head + "\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            d = c.recv(4096)
            if not d:
                break
            buf += d
    lines = buf.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    keep = [l.lower() for l in lines[1:]
            if l.split(":")[0].lower() in ("content-type", "x-origin")]
    return lines[0] if lines else "", sorted(keep)


def seen(req):
    fields = [(n, v) for n, v in req.headers
              if n in ("x-fwd", "x-list", "x-evil")]
    return req.method.decode(), req.target.decode(), fields


class Rewrite(harness.TestCase):
    def test_rewrites_as_haproxy(self):
        o = origin.Origin()
        try:
            hport, sport = harness.free_port(), harness.free_port()
            self.start_haproxy(config(hport, o.port))
            self.start_config(config(sport, o.port))
            for method, target, headers in CASES:
                with self.subTest(case=headers["X-Case"]):
                    n = len(o.requests)
                    want = ask(hport, method, target, headers)
                    want_seen = [seen(r) for r in o.requests[n:]]
                    n = len(o.requests)
                    got = ask(sport, method, target, headers)
                    self.assertEqual(got, want)
                    self.assertEqual([seen(r) for r in o.requests[n:]], want_seen)
                    self.assertEqual(len(want_seen), 1)
            # the rules did rewrite (what HAProxy made, checked above to be sluice's too)
            targets = [seen(r)[1] for r in o.requests[-2 * len(CASES):][::2]]
            self.assertEqual(targets[2:9], ["/new/x/y?k=v", "/r?z=1&k=v", "/two/three?k=v/one",
                                            "/set/p?k=v", "/p?a=1", "/pq?x=2", "/uri/p"])
        finally:
            o.stop()

    def test_invalid_results_fail_with_500(self):
        o = origin.Origin()
        try:
            port = harness.free_port()
            self.start_config(config(port, o.port))
            for headers in ({"X-Case": "badpath", "X-Tag": "/a b"},
                            {"X-Case": "method", "X-Tag": "GE(T"},
                            {"X-Case": "badhdr", "X-Fwd": "x"}):
                with self.subTest(headers=headers):
                    n = len(o.requests)
                    status = ask(port, "GET", "/p", headers)[0]
                    self.assertIn(" 500 ", status)
                    self.assertEqual(len(o.requests), n)
        finally:
            o.stop()


class CaptureRule(harness.TestCase):
    def test_http_request_capture_as_haproxy(self):
        # slots of capture request header lines and of http-request capture rules, in the
        # order they are declared, in %hr and %hrl
        logs = []
        for start in (self.start_haproxy, self.start_config):
            port = harness.free_port()
            p = start("""defaults
    mode http
    log stdout format raw local0
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    bind 127.0.0.1:%d
    log-format "CAP %%hr|%%hrl"
    capture request header Host len 20
    http-request capture req.hdr(user-agent),lower len 5
    http-request capture path len 30 if { path_beg /some }
    capture request header X-A len 3
    http-request return status 200 content-type text/plain string ok
""" % port)
            for target in ("/some/path", "/other"):
                harness.request(port, ("GET %s HTTP/1.1\r\nHost: h.example\r\nUser-Agent: "
                                       "CurlAgentX\r\nX-A: abcdef\r\n\r\n" % target).encode())
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and p.log().count("CAP ") < 2:
                time.sleep(0.05)
            # two workers may log in either order
            logs.append(sorted(l[l.index("CAP "):] for l in p.log().splitlines() if "CAP " in l))
        self.assertEqual(logs[1], logs[0])
        self.assertEqual(logs[0][0], "CAP {h.example|curla|/some/path|abc}|"
                                     "h.example curla /some/path abc")


CAPTURE_IDS = """defaults
    mode http
    log stdout format raw local0
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    bind 127.0.0.1:%(port)d
    log-format "CAP %%hr|%%hs"
    capture request header Host len 20
    http-request capture req.hdr(x-a) len 5
    declare capture request len 8
    tcp-request content capture req.hdr(x-t) len 4
    declare capture response len 6
    capture response header Content-Type len 10
    declare capture response len 12
    http-request capture req.hdr(x-b) id 2
    http-response capture status id 0
    http-after-response capture str(after-response),upper id 2
    default_backend b
frontend t
    mode tcp
    bind 127.0.0.1:%(tport)d
    log-format "TCAP %%hr"
    tcp-request inspect-delay 3s
    tcp-request content capture req.payload(0,4) len 3
    tcp-request content capture req.len len 5
    default_backend bt
backend b
    http-request capture req.hdr(x-c),upper id 1
    http-request capture req.hdr(x-c) id 9
    http-response capture res.hdr(content-length) id 1
    http-response capture res.hdr(content-length) id 7
    server s 127.0.0.1:%(o)d
backend bt
    mode tcp
    server s 127.0.0.1:%(o)d
"""


class CaptureSlots(harness.TestCase):
    def test_ids_declared_slots_and_content_rules_as_haproxy(self):
        # declare capture, the id form in a frontend and in its backend (a slot the
        # frontend lacks is ignored), http-response and http-after-response captures, and
        # tcp-request content capture, in HTTP mode and in TCP mode where a sample that
        # more bytes could change waits for them
        o = origin.Origin()
        self.addCleanup(o.stop)
        logs = []
        for start in (self.start_haproxy, self.start_config):
            p = {"port": harness.free_port(), "tport": harness.free_port(), "o": o.port}
            proc = start(CAPTURE_IDS % p)
            harness.request(p["port"], b"GET /s HTTP/1.1\r\nHost: h.example\r\nX-A: abcdefg\r\n"
                            b"X-T: tcp-rule\r\nX-B: bee\r\nX-C: sea-sea\r\n\r\n")
            harness.request(p["port"], b"GET /s HTTP/1.1\r\nHost: h.example\r\n\r\n")
            with harness.connect(p["tport"]) as c:
                c.sendall(b"GET /tcp HTTP/1.1\r\nHost: h\r\n\r\n")
                c.shutdown(socket.SHUT_WR)
                c.settimeout(5)
                while c.recv(4096):
                    pass
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and proc.log().count("CAP ") < 3:
                time.sleep(0.05)
            logs.append(sorted(re.search(r"T?CAP .*", l).group(0)
                               for l in proc.log().splitlines() if "CAP " in l))
        self.assertEqual(logs[1], logs[0])
        # slots cut at their length; the backend's rules fill the frontend's slots 1; a
        # payload that has not come yet waits for it, a length is taken as it is
        self.assertEqual(logs[0], ["CAP {h.example|SEA-S|bee|tcp-}|{200|11|AFTER-RESPON}",
                                   "CAP {h.example|||}|{200|11|AFTER-RESPON}",
                                   "TCAP {GET|30}"])

    def test_capture_checks(self):
        for text, line, msg in [
            ("frontend f\n    mode http\n    http-request capture path id 1\n"
             "    declare capture request len 3\n", 3,
             "unable to find capture id '1' referenced by http-request capture rule"),
            ("backend b\n    declare capture request len 3\n", 2,
             "only available in a frontend or listen section"),
            ("backend b\n    tcp-request content capture src len 3\n", 2,
             "needs a frontend"),
            ("frontend f\n    mode http\n    http-response capture status len 3\n", 3,
             "expected 'http-response capture <sample> id <id>'"),
            ("frontend f\n    tcp-request connection capture src len 3\n", 2,
             "only allowed in 'tcp-request content' rules"),
            ("frontend f\n    declare capture request len 0\n", 2, "capture length"),
        ]:
            with self.subTest(msg=msg):
                path = self.write("bad.cfg", text)
                r = harness.run(["-c", "-f", path])
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("bad.cfg:%d" % line, r.stderr)
                self.assertIn(msg, r.stderr)


class SilentDrop(harness.TestCase):
    def test_silent_drop_tells_the_client_nothing(self):
        o = origin.Origin()
        try:
            ports = []
            for start in (self.start_haproxy, self.start_config):
                hp, tp = harness.free_port(), harness.free_port()
                start("""defaults
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend h
    mode http
    bind 127.0.0.1:%d
    http-request silent-drop if { path /drop }
    default_backend be_http
frontend t
    mode tcp
    bind 127.0.0.1:%d
    tcp-request inspect-delay 1s
    tcp-request content silent-drop if { req.payload(0,4) -m bin 44524f50 }
    default_backend be_tcp
backend be_http
    mode http
    server s 127.0.0.1:%d
backend be_tcp
    mode tcp
    server s 127.0.0.1:%d
""" % (hp, tp, o.port, o.port))
                ports.append((hp, tp))
            for hp, tp in ports:
                n = len(o.requests)
                for port, data in ((hp, b"GET /drop HTTP/1.1\r\nHost: h\r\n\r\n"),
                                   (tp, b"DROP / HTTP/1.1\r\nHost: h\r\n\r\n")):
                    with self.subTest(port=port), harness.connect(port, timeout=1.5) as c:
                        c.sendall(data)
                        got, end = b"", "eof"
                        # nothing at all where the kernel may forget the connection
                        # (TCP_REPAIR), else a reset that dies at the first hop; never the
                        # FIN of an ordinary close
                        try:
                            while True:
                                d = c.recv(4096)
                                if not d:
                                    break
                                got += d
                        except ConnectionResetError:
                            end = "reset"
                        except TimeoutError:
                            end = "silence"
                        self.assertEqual(got, b"")
                        self.assertIn(end, ("reset", "silence"))
                self.assertEqual(len(o.requests), n)
                # the others pass
                status, _, _ = harness.request(hp, b"GET /ok HTTP/1.1\r\nHost: h\r\n\r\n")
                self.assertEqual(status, 200)
        finally:
            o.stop()


if __name__ == "__main__":
    harness.main()
