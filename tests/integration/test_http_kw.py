"""HAProxy 2.6's HTTP proxy keywords on real traffic: redirect (and its order after the
http-request rules), option forwardfor except, monitor-uri and monitor fail, header
captures and unique ids in the logs, userlists with http-request auth, option
http-buffer-request and wait-for-body with a slow client, normalize-uri and
tune.maxrewrite. The expected bytes are those HAProxy 2.6 sends for the same
configuration."""

import os
import socket
import subprocess
import time

import harness
from origin import Origin

DEFAULTS = ("defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n"
            "    timeout connect 2s\n")


class HttpKeywords(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.origin = Origin("o")

    def tearDown(self):
        self.origin.stop()
        super().tearDown()

    def proxy(self, frontend, backend="", glob=""):
        self.port = harness.free_port()
        cfg = ("global\n    log stdout format raw local0\n" + glob + DEFAULTS +
               "frontend fe\n    bind 127.0.0.1:%d\n    log global\n" % self.port + frontend +
               "    default_backend be\nbackend be\n" + backend +
               "    server s1 127.0.0.1:%d\n" % self.origin.port)
        self.proc = self.start_config(cfg)

    def get(self, target, headers=""):
        return harness.request(self.port, ("GET %s HTTP/1.1\r\nHost: www.example\r\n%s\r\n"
                                           % (target, headers)).encode())

    def log_line(self, needle):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            for l in self.proc.log().splitlines():
                if needle in l:
                    return l
            time.sleep(0.05)
        self.fail("no log line with %r in:\n%s" % (needle, self.proc.log()))

    # ---- redirect ----

    def test_redirect_rules(self):
        self.proxy("    redirect scheme https code 301 if !{ ssl_fc } { path_beg /login }\n"
                   "    redirect code 302 prefix http://new.example drop-query append-slash"
                   " set-cookie SEEN=1 if { path_beg /pfx }\n"
                   "    redirect location /bye clear-cookie USERID= code 303"
                   " if { path /logout }\n"
                   "    redirect prefix / append-slash code 308 if { path_beg /dir }\n")
        st, h, body = self.get("/login/x?q=1")
        self.assertEqual(st, 301)
        self.assertEqual(h["location"], "https://www.example/login/x?q=1")
        # HAProxy: only temporary redirects say no-cache
        self.assertNotIn("cache-control", h)
        self.assertEqual(h["content-length"], "0")
        st, h, _ = self.get("/pfx/a?q=1")
        self.assertEqual((st, h["location"]), (302, "http://new.example/pfx/a/"))
        self.assertEqual(h["set-cookie"], "SEEN=1; path=/;")
        self.assertEqual(h["cache-control"], "no-cache")
        st, h, _ = self.get("/logout")
        self.assertEqual((st, h["location"]), (303, "/bye"))
        self.assertEqual(h["set-cookie"], "USERID=; path=/; Max-Age=0;")
        # "prefix /" redirects to the same path; append-slash goes after the query string
        st, h, _ = self.get("/dir?x=1")
        self.assertEqual((st, h["location"]), (308, "/dir?x=1/"))
        st, h, body = self.get("/other")
        self.assertEqual((st, body), (200, b"origin o /other"))
        self.assertEqual(len(self.origin.requests), 1)

    def test_redirect_after_http_request_rules(self):
        # written first, the redirect still runs after every http-request rule
        self.proxy("    redirect location /r if { path /a }\n"
                   "    http-request deny if { path /a }\n"
                   "    http-request set-path /b if { path /c }\n"
                   "    redirect location /from-b if { path /b }\n")
        self.assertEqual(self.get("/a")[0], 403)
        st, h, _ = self.get("/c")
        self.assertEqual((st, h["location"]), (302, "/from-b"))

    def test_http_request_redirect_options_any_order(self):
        self.proxy("    http-request redirect code 301 drop-query prefix http://x.example"
                   " if { path_beg /p }\n"
                   "    http-request redirect location %[hdr(x-to)] ignore-empty"
                   " if { path /maybe }\n")
        st, h, _ = self.get("/p/q?a=1")
        self.assertEqual((st, h["location"]), (301, "http://x.example/p/q"))
        # ignore-empty: an empty location skips the rule, the request goes on
        self.assertEqual(self.get("/maybe")[2], b"origin o /maybe")
        st, h, _ = self.get("/maybe", "X-To: /there\r\n")
        self.assertEqual((st, h["location"]), (302, "/there"))

    # ---- forwardfor ----

    def test_forwardfor_except(self):
        self.proxy("    option forwardfor except 127.0.0.0/8\n",
                   "    option forwardfor except 10.0.0.0/255.0.0.0 header X-Client\n")
        self.assertEqual(self.get("/ff")[0], 200)
        req = self.origin.requests[-1]
        # the client is in the frontend's except network: no field, whatever the backend
        self.assertIsNone(req.header("x-client"))
        self.assertIsNone(req.header("x-forwarded-for"))

    def test_forwardfor_outside_except(self):
        self.proxy("    option forwardfor except 10.0.0.0/8\n",
                   "    option forwardfor header X-Client if-none\n")
        self.assertEqual(self.get("/ff")[0], 200)
        req = self.origin.requests[-1]
        # one field, named by the backend; if-none of the backend alone does not hold
        self.assertEqual(req.header("x-client"), "127.0.0.1")
        self.assertIsNone(req.header("x-forwarded-for"))
        self.assertEqual(self.get("/ff2", "X-Client: 1.2.3.4\r\n")[0], 200)
        self.assertEqual([v for n, v in self.origin.requests[-1].headers if n == "x-client"],
                         ["1.2.3.4", "127.0.0.1"])

    def test_forwardfor_except_ipv6(self):
        try:
            s = socket.socket(socket.AF_INET6)
            s.bind(("::1", 0))
            s.close()
        except OSError:
            self.skipTest("no IPv6 loopback")
        port = harness.free_port()
        cfg = (DEFAULTS + "frontend fe\n    bind [::1]:%d\n    bind 127.0.0.1:%d\n"
               "    option forwardfor except ::1/128\n    default_backend be\n"
               "backend be\n    server s1 127.0.0.1:%d\n" % (port, port, self.origin.port))
        self.start_config(cfg)
        raw = b"GET /v6 HTTP/1.1\r\nHost: x\r\n\r\n"
        with socket.create_connection(("::1", port), timeout=5) as s:
            s.sendall(raw)
            self.assertEqual(harness.read_response(harness.Conn(s))[0], 200)
        self.assertIsNone(self.origin.requests[-1].header("x-forwarded-for"))
        self.assertEqual(harness.request(port, raw)[0], 200)
        self.assertEqual(self.origin.requests[-1].header("x-forwarded-for"), "127.0.0.1")

    # ---- monitor-uri ----

    def test_monitor_uri(self):
        self.proxy("    monitor-uri /alive\n    monitor fail if { hdr(x-fail) yes }\n"
                   "    option httplog\n")
        st, h, body = self.get("/alive")
        self.assertEqual(st, 200)
        self.assertEqual(body, b"<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n")
        st, h, body = self.get("/alive", "X-Fail: yes\r\n")
        self.assertEqual(st, 503)
        self.assertIn(b"No server is available", body)
        self.assertEqual(self.get("/alive?x")[0], 200)
        self.assertEqual(self.origin.requests[-1].target, b"/alive?x")
        self.assertEqual(len(self.origin.requests), 1)
        # monitor requests are not logged; the forwarded one is
        self.log_line("GET /alive?x")
        self.assertNotIn('"GET /alive HTTP/1.1"', self.proc.log())

    # ---- captures and unique ids ----

    def test_captures_and_unique_id_in_logs(self):
        self.proxy("    option httplog\n"
                   "    capture request header Host len 5\n"
                   "    capture request header X-Missing len 10\n"
                   "    capture request header User-Agent len 30\n"
                   "    capture response header Content-Type len 20\n"
                   "    capture response header X-None len 3\n"
                   "    unique-id-format %{+X}o\\ %ci_%fp\n"
                   "    unique-id-header X-Unique-ID\n")
        st, _, _ = self.get("/cap", 'User-Agent: curl/7.88 with "q"\r\n')
        self.assertEqual(st, 200)
        line = self.log_line("GET /cap")
        # exactly as HAProxy prints them: last occurrence, cut at len, '"' as #22
        self.assertIn(' {www.e||curl/7.88 with #22q#22} {text/plain|} "GET /cap HTTP/1.1"',
                      line)
        uid = self.origin.requests[-1].header("x-unique-id")
        self.assertEqual(uid, "7F000001_%04X" % self.port)

    def test_log_format_capture_lists_and_id(self):
        self.proxy("    capture request header Host len 20\n"
                   "    capture request header X-A len 5\n"
                   "    capture response header Content-Type len 4\n"
                   "    unique-id-format id-%[path]\n"
                   "    log-format \"LF %hrl|%hsl|%ID|%hr\"\n")
        self.assertEqual(self.get("/lf", "X-A: 1\r\nX-A: second\r\n")[0], 200)
        line = self.log_line("LF ")
        self.assertIn("LF www.example secon|text|id-/lf|{www.example|secon}", line)

    # ---- auth ----

    def test_auth(self):
        self.proxy("    http-request auth realm \"my app\" if { path_beg /secret }\n"
                   "    http-request auth if { path_beg /other-secret }\n",
                   glob="")
        st, h, body = self.get("/secret")
        self.assertEqual(st, 401)
        self.assertEqual(h["www-authenticate"], 'Basic realm="my app"')
        self.assertEqual(body, b"<html><body><h1>401 Unauthorized</h1>\nYou need a valid user "
                               b"and password to access this content.\n</body></html>\n")
        st, h, _ = self.get("/other-secret")
        self.assertEqual((st, h["www-authenticate"]), (401, 'Basic realm="fe"'))
        self.assertEqual(self.get("/open")[0], 200)
        self.assertEqual(len(self.origin.requests), 1)

    def test_userlist_section_loads(self):
        # users, groups on both sides, and a crypt(3) hash the system can check
        cfg = ("userlist L\n    group G1 users tiger\n    group G2\n"
               "    user tiger password $5$saltsalt$qxeK0lYBG3T/Fd46S6eNlkVNE3/OZKWj0huGvy9IxC6"
               " groups G2\n    user scott insecure-password elgato\n")
        path = self.write("u.cfg", cfg)
        r = harness.run(["--dump-config", "-f", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("user tiger password '$5$saltsalt$", r.stdout)
        self.assertIn(" groups G2,G1\n", r.stdout)
        bad = self.write("bad.cfg", "userlist L\n    user x password $9$nope$nope\n")
        r = harness.run(["-c", "-f", bad])
        self.assertEqual(r.returncode, 1)
        self.assertIn("not supported by crypt(3)", r.stderr)

    # ---- body waits ----

    def slow_post(self, parts, pause, expect=b"", connects=False):
        """POST a body in @parts with @pause seconds between them; returns the socket and
        the origin's connection count seen just before the last part. @connects: the
        request is expected to go before its body's end: before the last part, wait
        (bounded) for the origin's connection rather than count on the pauses being long
        enough for it on a loaded machine."""
        body = b"".join(parts)
        s = harness.connect(self.port)
        s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n%s\r\n"
                  % (len(body), expect))
        if expect:
            s.settimeout(5)
            self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 100 Continue\r\n\r\n"))
        for p in parts[:-1]:
            s.sendall(p)
            time.sleep(pause)
        deadline = time.monotonic() + harness.DEFAULT_TIMEOUT
        while connects and self.origin.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        seen = self.origin.connections
        s.sendall(parts[-1])
        return s, seen

    def test_wait_for_body_holds_the_request_until_the_body_is_there(self):
        self.proxy("    http-request wait-for-body time 5s\n"
                   "    http-request set-header X-After-Wait yes\n")
        s, seen = self.slow_post([b"hello ", b"slow ", b"world"], 0.4)
        with s:
            st, _, body = harness.read_response(s)
        self.assertEqual((st, body), (200, b"hello slow world"))
        # the server was not even connected to while the body came
        self.assertEqual(seen, 0)
        self.assertEqual(self.origin.requests[-1].header("x-after-wait"), "yes")

    def test_without_a_wait_the_request_goes_at_once(self):
        self.proxy("")
        s, seen = self.slow_post([b"hello ", b"world"], 0.5, connects=True)
        with s:
            self.assertEqual(harness.read_response(s)[2], b"hello world")
        self.assertEqual(seen, 1)

    def test_wait_for_body_at_least(self):
        self.proxy("    http-request wait-for-body time 5s at-least 10\n")
        s, seen = self.slow_post([b"0123456789", b"abc", b"def"], 0.4, connects=True)
        with s:
            self.assertEqual(harness.read_response(s)[2], b"0123456789abcdef")
        self.assertEqual(seen, 1)

    def test_wait_for_body_times_out_with_408(self):
        self.proxy("    option httplog\n    http-request wait-for-body time 300ms\n")
        with harness.connect(self.port) as s:
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            st, _, body = harness.read_response(s)
        self.assertEqual(st, 408)
        self.assertIn(b"Your browser didn't send a complete request in time.", body)
        self.assertIn(" 408 ", self.log_line("POST /echo"))
        self.assertIn(" cR-- ", self.log_line("POST /echo"))
        self.assertEqual(self.origin.connections, 0)

    def test_buffer_request_with_expect_100_continue(self):
        self.proxy("", "    option http-buffer-request\n")
        s, seen = self.slow_post([b"abc", b"def"], 0.4, b"Expect: 100-continue\r\n")
        with s:
            self.assertEqual(harness.read_response(s)[2], b"abcdef")
        self.assertEqual(seen, 0)
        # the Expect field was answered here: the server does not see it
        self.assertIsNone(self.origin.requests[-1].header("expect"))

    def test_buffer_request_stops_at_a_full_buffer(self):
        # 8 KiB buffers less 1 KiB of reserve: a 64 KiB body is not waited for whole
        self.proxy("    option http-buffer-request\n    timeout http-request 5s\n",
                   glob="global\n    tune.bufsize 8192\n")
        body = b"x" * 65536
        with harness.connect(self.port) as s:
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                      % len(body) + body[:16384])
            deadline = time.monotonic() + 5
            while self.origin.connections == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(self.origin.connections, 1)
            s.sendall(body[16384:])
            st, _, got = harness.read_response(s)
        self.assertEqual((st, len(got)), (200, len(body)))

    # ---- normalize-uri ----

    def test_normalize_uri(self):
        self.proxy("    http-request normalize-uri fragment-strip\n"
                   "    http-request normalize-uri path-merge-slashes\n"
                   "    http-request normalize-uri path-strip-dot\n"
                   "    http-request normalize-uri path-strip-dotdot full\n"
                   "    http-request normalize-uri percent-decode-unreserved\n"
                   "    http-request normalize-uri percent-to-uppercase strict\n"
                   "    http-request normalize-uri query-sort-by-name\n",
                   glob="global\n    expose-experimental-directives\n")
        # ('#' never reaches the rules over HTTP/1: the request line refuses it, as HAProxy's)
        self.assertEqual(self.get("//a/./b/../%7euser//c/../%2fx?c=3&a=1&b=2")[0], 200)
        self.assertEqual(self.origin.requests[-1].target, b"/a/~user/%2Fx?a=1&b=2&c=3")
        # strict: an invalid percent sequence is a bad request
        self.assertEqual(self.get("/bad%zz")[0], 400)
        self.assertEqual(len(self.origin.requests), 1)

    def test_normalize_uri_needs_experimental_directives(self):
        path = self.write("n.cfg", DEFAULTS + "frontend f\n    bind 127.0.0.1:1\n"
                          "    http-request normalize-uri fragment-encode\n")
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("expose-experimental-directives", r.stderr)

    # ---- tune.maxrewrite ----

    # a head of 15,000 bytes fits in 16 KiB less the default 1 KiB reserve, not with 4 KiB
    FILLER = "X-Fill: " + "f" * 14900 + "\r\n"

    def test_maxrewrite_default_leaves_room_for_the_head(self):
        self.proxy("")
        self.assertEqual(self.get("/big-head", self.FILLER)[0], 200)

    def test_maxrewrite_bounds_the_head(self):
        self.proxy("", glob="global\n    tune.maxrewrite 4096\n")
        self.assertNotEqual(self.get("/big-head", self.FILLER)[0], 200)
        self.assertEqual(self.get("/small")[0], 200)
        self.assertEqual([r.target for r in self.origin.requests], [b"/small"])


# ---- the fetches http_auth, http_auth_group and unique-id, compared with HAProxy ----

AUTH_CFG = """userlist L
    group admins
    group ops users carol
    user admin password $5$saltsalt$4SMGaKqHvwMp0OIBOsJEv5XwlxPl8J.f.hYiqHOesB8 groups admins
    user bob insecure-password bobpw groups users,admins
    user carol insecure-password carolpw
    group users
""" + DEFAULTS + """frontend f
    bind 127.0.0.1:%d
    unique-id-format %%[req.hdr(x-id)]-%%{+X}o%%ci
    acl admins http_auth_group(L) admins
    acl ops http_auth_group(L) ops users
    acl ok http_auth(L)
    http-request set-var(txn.adm) str(yes) if admins
    http-request set-var(txn.ops) str(yes) if ops
    http-request set-var(txn.ok) str(yes) if ok
    http-request set-var(txn.nok) str(yes) if !ok
    http-request return status 200 content-type text/plain lf-string "auth=%%[http_auth(L)] \
user=%%[http_auth_group(L)] adm=%%[var(txn.adm)] ops=%%[var(txn.ops)] ok=%%[var(txn.ok)] \
nok=%%[var(txn.nok)] uid=%%[unique-id] up=%%[http_auth_group(L),upper]"
frontend g
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain lf-string "uid=%%[unique-id]"
"""


def basic(cred):
    import base64
    return "Basic " + base64.b64encode(cred.encode()).decode()


AUTH_HEADERS = [
    None,
    basic("admin:adminpw"),
    basic("admin:wrong"),
    basic("bob:bobpw"),
    basic("carol:carolpw"),
    basic("nobody:x"),
    basic("nocolon"),
    "basic " + basic("bob:bobpw")[6:],
    "Bearer abc.def",
    "Basic !!!!",
]


class AuthFetches(harness.TestCase):
    def ask(self, port, auth):
        head = "GET / HTTP/1.1\r\nHost: x\r\nX-Id: r42\r\n"
        if auth is not None:
            head += "Authorization: %s\r\n" % auth
        return harness.request(port, (head + "\r\n").encode())

    def test_fetches_give_what_haproxy_gives(self):
        hp, hq, sp, sq = (harness.free_port() for _ in range(4))
        self.start_haproxy(AUTH_CFG % (hp, hq))
        self.start_config(AUTH_CFG % (sp, sq))
        bodies = []
        for auth in AUTH_HEADERS:
            with self.subTest(authorization=auth):
                want = self.ask(hp, auth)
                got = self.ask(sp, auth)
                self.assertEqual(want[0], 200)
                self.assertEqual((got[0], got[2]), (want[0], want[2]))
                bodies.append(got[2])
        # the cases are not all alike: the test tells valid, invalid and missing apart
        self.assertIn(b"auth= user= adm= ops= ok= nok=yes uid=r42-7F000001 up=", bodies)
        self.assertIn(b"auth=1 user=admin adm=yes ops= ok=yes nok= uid=r42-7F000001 up=ADMIN",
                      bodies)
        self.assertIn(b"auth=0 user= adm= ops= ok= nok=yes uid=r42-7F000001 up=", bodies)
        self.assertIn(b"auth=1 user=bob adm=yes ops=yes ok=yes nok= uid=r42-7F000001 up=BOB",
                      bodies)
        self.assertIn(b"auth=1 user=carol adm= ops=yes ok=yes nok= uid=r42-7F000001 up=CAROL",
                      bodies)
        self.assertEqual((self.ask(hq, None)[2], self.ask(sq, None)[2]), (b"uid=", b"uid="))

    def test_unknown_groups_and_userlists_are_refused(self):
        base = "userlist L\n    group admins\n" + DEFAULTS + "frontend f\n    bind 127.0.0.1:9\n"
        for line, msg in [
                ("    acl a http_auth_group(L) admins nosuch\n", "no group 'nosuch' in userlist 'L'"),
                ("    acl a http_auth(M)\n", "no userlist named 'M'"),
                ("    acl a http_auth_group(L) -m auth admins\n", "unknown match method 'auth'")]:
            with self.subTest(line=line):
                path = self.write("a.cfg", base + line + "    http-request deny if a\n")
                r = harness.run(["-c", "-f", path])
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(msg, r.stderr)
                if os.path.exists(harness.HAPROXY):
                    h = subprocess.run([harness.HAPROXY, "-c", "-f", path],
                                       capture_output=True, timeout=10)
                    self.assertNotEqual(h.returncode, 0, h.stdout)
        # with a converter, the method is the string one, as in HAProxy
        path = self.write("b.cfg", base + "    acl a http_auth_group(L),lower -m str bob\n"
                          "    acl b http_auth_group(L) admins\n"
                          "    http-request deny if a || b\n")
        r = harness.run(["--dump-config", "-f", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        again = self.write("c.cfg", r.stdout)
        r2 = harness.run(["--dump-config", "-f", again])
        self.assertEqual(r2.stdout, r.stdout)


if __name__ == "__main__":
    harness.main()
