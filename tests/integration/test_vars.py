"""Variables (set-var, set-var-fmt, unset-var, var(), the converters that name one) and
http-after-response rules mean what they mean in HAProxy: one configuration runs in sluice and
in Debian's HAProxy 2.6 side by side, in front of the same origin, and what each forwards to
the origin and answers to the client must be the same."""

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
