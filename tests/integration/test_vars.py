"""Variables (set-var, set-var-fmt, unset-var, var(), the converters that name one) and
http-after-response rules mean what they mean in HAProxy: one configuration runs in sluice and
in Debian's HAProxy 2.6 side by side, in front of the same origin, and what each forwards to
the origin and answers to the client must be the same."""

import os
import socket

import harness
import origin

# Every rule here runs on each request; X-Vars shows the variables to the origin, X-Res and
# X-After show what the response's rules see (a request variable is gone by then).
RULES = r"""
    http-request set-var(txn.host) req.hdr(host),lower
    http-request set-var(sess.n) var(sess.n,0),add(1)
    http-request set-var(req.path) path
    http-request set-var-fmt(txn.fmt) "%[var(txn.host)]-%[path]-%[var(txn.nothing)]"
    http-request set-var(txn.c,ifnotset) str(first)
    http-request set-var(txn.c,ifnotset) str(second)
    http-request set-var(txn.n) int(5)
    http-request set-var(txn.gt,ifgt) int(3)
    http-request set-var(txn.n,ifgt) int(3)
    http-request set-var(txn.n2) int(5)
    http-request set-var(txn.n2,iflt) int(3)
    http-request set-var(txn.e,ifnotempty) str()
    http-request set-var(txn.e2,ifempty) str()
    http-request set-var(txn.ex,ifexists) str(never)
    http-request set-var(txn.gone) str(x)
    http-request unset-var(txn.gone)
    http-request set-var(txn.big) str(aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)
    http-request set-var(txn.ip) src
    http-request set-var(txn.cat) str(a),concat(-,txn.host,-)
    http-request set-var(txn.sum) int(10),add(txn.n)
    http-request set-var(txn.conv) str(v),set-var(txn.fromconv),upper
    http-request set-var(txn.cmp) str(www.ex.com),strcmp(txn.host)
    http-request set-var(txn.mem) str(www.ex.com),secure_memcmp(txn.host)
    http-request set-var(txn.hdr) req.hdr(x-multi)
    http-request set-header X-Vars "%[var(txn.host)]|%[var(sess.n)]|%[var(req.path)]|%[var(txn.fmt)]|%[var(txn.c)]|%[var(txn.n)]|%[var(txn.gt)]|%[var(txn.n2)]|%[var(txn.e)]|%[var(txn.e2)]|%[var(txn.ex)]|%[var(txn.gone)]|%[var(txn.big),length]|%[var(txn.ip)]|%[var(txn.cat)]|%[var(txn.sum)]|%[var(txn.conv)]|%[var(txn.fromconv)]|%[var(txn.none,dflt)]|%[var(txn.cmp)]|%[var(txn.mem)]|%[var(txn.hdr)]"
    http-request deny deny_status 403 if { var(req.path) -m beg /deny }
    http-response set-var(res.st) status
    http-response set-header X-Res "%[var(req.path)]|%[var(txn.fmt)]|%[var(res.st)]"
    http-after-response set-header X-After "%[var(res.st)]|%[var(txn.c)]|%[var(req.path)]"
    http-after-response add-header X-After-Deny yes if { status 403 }
    http-after-response del-header X-Gone
"""


def config(port, oport, limits=""):
    return """global
%s
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    bind 127.0.0.1:%d
%s
    default_backend be
backend be
    http-response set-header X-Gone yes
    server s1 127.0.0.1:%d
""" % (limits, port, RULES, oport)


def ask(port, path, conn=None):
    head = ("GET %s HTTP/1.1\r\nHost: WWW.Ex.com\r\nX-Multi: a\r\nX-Multi: b, c\r\n\r\n" %
            path).encode()
    if conn is None:
        status, headers, body = harness.request(port, head)
    else:
        conn.sendall(head)
        status, headers, body = harness.read_response(conn)
    assert status
    keep = {n: v for n, v in headers.items() if n in ("x-res", "x-after", "x-after-deny", "x-gone")}
    return status, keep


class Vars(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.origin = origin.Origin()

    def tearDown(self):
        self.origin.stop()
        super().tearDown()

    def seen(self, since):
        return [r.header("x-vars") for r in self.origin.requests[since:]]

    def both(self, limits=""):
        hport, sport = harness.free_port(), harness.free_port()
        self.start_haproxy(config(hport, self.origin.port, limits))
        self.start_config(config(sport, self.origin.port, limits))
        return hport, sport

    def test_variables_as_haproxy(self):
        hport, sport = self.both()
        for path in ("/a/b?q=1", "/deny/x", "/"):
            with self.subTest(path=path):
                n = len(self.origin.requests)
                want = ask(hport, path)
                want_seen = self.seen(n)
                n = len(self.origin.requests)
                got = ask(sport, path)
                self.assertEqual(got, want)
                self.assertEqual(self.seen(n), want_seen)
        # the X-Vars line of HAProxy, as a check that the comparison compares something
        self.assertIn("www.ex.com|1|/|www.ex.com-/-|first|3|3|5|||||133|127.0.0.1|",
                      self.origin.requests[-1].header("x-vars"))

    def test_session_variables_last_the_connection(self):
        hport, sport = self.both()
        for port in (hport, sport):
            n = len(self.origin.requests)
            with harness.connect(port) as c:
                for _ in range(3):
                    self.assertEqual(ask(port, "/k", c)[0], 200)
            counts = [v.split("|")[1] for v in self.seen(n)]
            self.assertEqual(counts, ["1", "2", "3"], port)

    def test_limits_as_haproxy(self):
        # txn.big (133 bytes and HAProxy's own overhead) no longer fits, the rest does
        hport, sport = self.both("    tune.vars.txn-max-size 200\n"
                                 "    tune.vars.sess-max-size 100000")
        n = len(self.origin.requests)
        want = ask(hport, "/lim")
        want_seen = self.seen(n)
        n = len(self.origin.requests)
        self.assertEqual(ask(sport, "/lim"), want)
        self.assertEqual(self.seen(n), want_seen)
        self.assertNotIn("|133|", want_seen[0])

    def test_global_set_var_as_haproxy(self):
        # set at start from internal data, readable (and changeable) by the rules; a
        # conversion that fails sets nothing
        cfg = """global
    set-var proc.prio int(100)
    set-var proc.threshold int(200),sub(proc.prio)
    set-var proc.state str(primary)
    set-var proc.missing int(3),add(proc.nothing)
    set-var proc.env env(SLUICE_GLOBAL_VAR_TEST)
    set-var-fmt proc.fmt "state=%%[var(proc.state)] t=%%[var(proc.threshold)] q=%%{+Q}[str(a)] h=%%H"
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain lf-string "%%[var(proc.threshold)]|%%[var(proc.state)]|%%[var(proc.missing)]|%%[var(proc.env)]|%%[var(proc.fmt)]"
"""
        env = dict(os.environ, SLUICE_GLOBAL_VAR_TEST="from-env")
        bodies = []
        for start in (self.start_haproxy, self.start_config):
            port = harness.free_port()
            start(cfg % port, env=env)
            bodies.append(harness.request(port, b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")[2])
        self.assertEqual(bodies[1], bodies[0])
        self.assertEqual(bodies[0], ("100|primary||from-env|state=primary t=100 q=\"a\" h=%s"
                                     % socket.gethostname()).encode())

    def test_checks(self):
        bad = [
            ("http-request set-var(foo) str(x)", "scope"),
            ("http-request set-var(txn.x,ifbogus) str(x)", "ifbogus"),
            ("http-request unset-var(txn.x) str(x)", "unset-var"),
            ("http-request set-var(txn.x)", "set-var"),
            ("tcp-request connection set-var(txn.x) src", "txn.x"),
            ("http-after-response deny", "http-after-response"),
            ("http-after-response set-map(x) a b", "does not support yet"),
        ]
        for line, words in [("set-var txn.x int(1)", "only scope 'proc'"),
                            ("set-var proc.x req.hdr(a)", "needs a connection"),
                            ("set-var-fmt proc.x %[src]", "needs a connection")]:
            with self.subTest(line=line):
                path = self.write("bad.cfg", "global\n    %s\n" % line)
                r = harness.run(["-c", "-f", path])
                self.assertNotEqual(r.returncode, 0, line)
                self.assertIn("bad.cfg:2", r.stderr)
                self.assertIn(words, r.stderr)
        for line, words in bad:
            with self.subTest(line=line):
                path = self.write("bad.cfg", "defaults\n    mode http\nfrontend f\n"
                                  "    bind 127.0.0.1:%d\n    %s\n" % (harness.free_port(), line))
                r = harness.run(["-c", "-f", path])
                self.assertNotEqual(r.returncode, 0, line)
                self.assertIn("bad.cfg:5", r.stderr)
                self.assertIn(words, r.stderr)


if __name__ == "__main__":
    harness.main()
