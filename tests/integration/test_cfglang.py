"""The configuration language on a real process: conditional blocks and their messages,
variables in addresses, `sluice -cc`, -dD, the -vv feature list, and what HAProxy 2.6 only
warns about (and then ignores) shown on real traffic."""

import json
import os
import re
import socket
import subprocess
import time

import harness
from origin import Origin

DEFAULTS = """\
defaults
    timeout connect 2s
    timeout client 5s
    timeout server 5s
"""


def tcp_exchange(port, data, timeout=harness.DEFAULT_TIMEOUT):
    """Send @data on a new connection, half-close, and read until the peer closes; returns
    the bytes read (b"" when the connection was closed without an answer)."""
    with socket.create_connection((harness.LOOPBACK, port), timeout=timeout) as s:
        out = b""
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return out
                out += chunk
        except (ConnectionResetError, BrokenPipeError, OSError) as e:
            if isinstance(e, socket.timeout):
                raise
            return out


def get(port, path):
    """One HTTP/1.1 request over raw TCP; returns the raw bytes of the answer."""
    return tcp_exchange(port, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: h\r\n"
                        b"Connection: close\r\n\r\n")


class Base(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.origins = []

    def tearDown(self):
        super().tearDown()
        for o in self.origins:
            o.stop()

    def origin(self, name):
        o = Origin(name)
        self.origins.append(o)
        return o


class Conditions(Base):
    def test_blocks_and_variables_choose_what_runs(self):
        # The block taken and the bind address both come from the environment; the skipped
        # block names a server that does not exist and would fail if it were read.
        a, b = self.origin("a"), self.origin("b")
        port = harness.free_port()
        cfg = (DEFAULTS + """\
    mode http
frontend f
    bind 127.0.0.1:$FE_PORT
    default_backend app
backend app
.if streq("$TARGET",a)
    server s 127.0.0.1:%d
.elif streq("$TARGET",b) && feature(EPOLL) && version_atleast(2.6)
    server s 127.0.0.1:%d
.else
    server s no.such.host:1 check
.endif
.notice "backend at line ${.LINE} of section ${.SECTION}"
""" % (a.port, b.port))
        p = self.start_config(cfg, env={"FE_PORT": str(port), "TARGET": "b"})
        self.assertIn(b"origin b /x", get(port, "/x"))
        self.assertEqual(len(a.requests), 0)
        self.assertRegex(p.log(), r"sluice\.cfg:17:1: notice: 'backend at line 17 of section "
                                  r"app'")

    def test_alert_refuses_to_start(self):
        cfg = self.write("a.cfg", ".if !defined(REQUIRED)\n.alert \"REQUIRED is not set\"\n"
                                  ".endif\nglobal\n")
        r = harness.run(["-c", "-f", cfg])
        self.assertEqual(r.returncode, 1)
        self.assertIn(cfg + ":2:1: error: 'REQUIRED is not set'", r.stderr)
        r = harness.run(["-c", "-f", cfg], env=dict(os.environ, REQUIRED="1"))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_messages_and_diagnostic_mode(self):
        cfg = self.write("m.cfg", "global\n.notice \"hello\"\n.warning \"careful\"\n"
                                  ".diag \"only with -dD\"\n"
                                  "listen l\n    mode tcp\n    bind 127.0.0.1:1\n"
                                  "    acl p path_beg /x\n    server s 127.0.0.1:1\n"
                                  "global\n")
        r = harness.run(["-c", "-f", cfg])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(cfg + ":2:1: notice: 'hello'", r.stderr)
        self.assertIn(cfg + ":3:1: warning: 'careful'", r.stderr)
        self.assertNotIn("diag", r.stderr)
        r = harness.run(["-dD", "-c", "-f", cfg])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(cfg + ":4:1: diag: 'only with -dD'", r.stderr)
        self.assertIn(cfg + ":8: diag: ACL 'p' reads HTTP", r.stderr)
        self.assertIn(cfg + ":10:1: diag: global section after", r.stderr)
        j = harness.run(["-dD", "-c", "--json", "-f", cfg])
        report = json.loads(j.stdout)
        self.assertEqual(report["warnings"], 1)
        self.assertEqual(sorted({d["severity"] for d in report["diagnostics"]}),
                         ["diag", "notice", "warning"])


class CheckCondition(harness.TestCase):
    # HAProxy's exit statuses: 0 true, 1 false, 2 error (and its messages)
    CASES = [
        ("1", 0, ""), ("0", 1, ""), ("", 1, ""), ("!0 && (0 || 1)", 0, ""),
        ("version_atleast(2.6)", 0, ""), ("version_atleast(2.6.1)", 1, ""),
        ("version_before(2.7)", 0, ""), ("feature(EPOLL)", 0, ""), ("feature(LUA)", 1, ""),
        ("enabled(REUSEPORT)", 0, ""), ("enabled(POLL)", 1, ""),
        ("ssllib_name_startswith(OpenSSL)", 0, ""),
        ('streq("$CC_VAR",yes)', 0, ""), ("defined(CC_UNSET)", 1, ""),
        ("defined(HAPROXY_LOCALPEER)", 0, ""),
        ("1 &&", 2, "sluice: failed to evaluate condition: unparsable conditional expression "
                    "'&&'"),
        ("streq(a)", 2, "missing arguments (got 1/2), type 'string' expected in argument 1 "
                        "of predicate 'streq' used in conditional expression"),
        ("1 #comment", 2, "unexpected character '#' at the end of conditional expression"),
        ('"1', 2, "sluice: syntax error in condition: unmatched double quote"),
        ("openssl_version_atleast(x)", 2, "cannot read 'x' as an OpenSSL version"),
    ]

    def test_exit_status_and_messages(self):
        env = dict(os.environ, CC_VAR="yes")
        env.pop("CC_UNSET", None)
        for cond, status, msg in self.CASES:
            with self.subTest(cond=cond):
                r = harness.run(["-cc", cond], env=env)
                self.assertEqual(r.returncode, status, r.stderr)
                self.assertEqual(r.stdout, "")
                if msg:
                    self.assertIn(msg, r.stderr)
                else:
                    self.assertEqual(r.stderr, "")

    def test_same_as_haproxy_where_the_program_does_not_matter(self):
        haproxy = "/usr/sbin/haproxy"
        if not os.access(haproxy, os.X_OK):
            self.skipTest("no HAProxy to compare with")
        for cond in ["1", "0", "0x10", "08", "!", "(1", "1 || foo(", "streq(a, a)",
                     "streq(a,b,c)", "defined(", "version_atleast(garbage)",
                     "version_before(garbage)", "streq('a,b',\"a,b\")", " ", "\"\" 1"]:
            with self.subTest(cond=cond):
                h = subprocess.run([haproxy, "-cc", cond], capture_output=True, text=True,
                                   timeout=harness.DEFAULT_TIMEOUT, stdin=subprocess.DEVNULL)
                s = harness.run(["-cc", cond])
                self.assertEqual(s.returncode, h.returncode, (h.stderr, s.stderr))
                m = re.search(r"Failed to evaluate condition: (.*)", h.stderr)
                if m:
                    self.assertIn(m.group(1), s.stderr)

    def test_cc_needs_a_condition(self):
        r = harness.run(["-cc"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("option -cc needs a condition", r.stderr)

    def test_feature_list_in_vv(self):
        r = harness.run(["-vv"])
        self.assertEqual(r.returncode, 0)
        line = [l for l in r.stdout.splitlines() if l.startswith("Feature list : ")]
        self.assertEqual(len(line), 1, r.stdout)
        words = line[0][len("Feature list : "):].split()
        self.assertIn("+EPOLL", words)
        self.assertIn("-OPENSSL", words)
        self.assertTrue(all(w[0] in "+-" for w in words), words)
        # feature() answers from this very list
        for w in words:
            r = harness.run(["-cc", "feature(%s)" % w[1:]])
            self.assertEqual(r.returncode, 0 if w[0] == "+" else 1, w)


class Addresses(Base):
    def test_variables_in_addresses(self):
        # unquoted, single-quoted and double-quoted: the address gets its variables
        o = self.origin("o")
        p1, p2, p3 = harness.free_port(), harness.free_port(), harness.free_port()
        sock = os.path.join(self.tmp, "stats.sock")
        cfg = ("global\n    stats socket $STATS\n" + DEFAULTS + "    mode http\n"
               "frontend f\n    bind 127.0.0.1:$P1\n    bind '${LO}:${P2}',$LO:$P3\n"
               "    default_backend b\n"
               "backend b\n    server s ${LO}:$OPORT\n")
        env = {"P1": str(p1), "P2": str(p2), "P3": str(p3), "LO": "127.0.0.1",
               "OPORT": str(o.port), "STATS": sock}
        self.start_config(cfg, env=env)
        for port in (p1, p2, p3):
            self.assertIn(b"origin o /a", get(port, "/a"))
        # what was understood, with the variables expanded
        d = harness.run(["--dump-config", "-f", os.path.join(self.tmp, "sluice.cfg")],
                        env=dict(os.environ, **env))
        self.assertEqual(d.returncode, 0, d.stderr)
        self.assertIn("    stats socket unix@%s\n" % sock, d.stdout)
        self.assertIn("    bind 127.0.0.1:%d\n" % p3, d.stdout)

    def test_unset_variable_is_empty(self):
        cfg = self.write("u.cfg", "frontend f\n    bind 127.0.0.1:$NO_SUCH_PORT_VAR\n"
                                  "    default_backend b\nbackend b\n")
        r = harness.run(["-c", "-f", cfg])
        self.assertEqual(r.returncode, 1)
        self.assertIn(cfg + ":2:10: error: bind: missing port in address '127.0.0.1:'",
                      r.stderr)


class WarnedAndIgnored(Base):
    def start_warned(self, cfg, expect):
        """Start @cfg, which must load with the warnings @expect (substrings)."""
        path = self.write("w.cfg", cfg)
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        for w in expect:
            self.assertRegex(r.stderr, w)
        return self.start(["-d", "-f", path])

    def test_http_rules_and_options_in_tcp_mode_are_not_run(self):
        o, o2 = self.origin("o"), self.origin("o2")
        port = harness.free_port()
        cfg = DEFAULTS + """\
frontend f
    mode tcp
    bind 127.0.0.1:%d
    option forwardfor
    http-request deny
    http-request set-header X-Added yes
    use_backend b2 if { path_beg /y }
    use_backend b2 if { dst_port %d } { path_beg /z } || { src 127.0.0.2 }
    default_backend b
backend b
    mode tcp
    server s 127.0.0.1:%d
backend b2
    mode tcp
    server s 127.0.0.1:%d
""" % (port, port, o.port, o2.port)
        # its backends are all in mode tcp: the HTTP rules never run
        self.start_warned(cfg, [r"w\.cfg:9: warning: frontend 'f' is in mode tcp: its "
                                r"'http-request' rules apply only to the requests of "
                                r"connections that a backend in mode http makes HTTP ones",
                                r"w\.cfg:5: warning: frontend 'f' is in mode tcp: ignoring "
                                r"'option forwardfor'"])
        # not denied, nothing added: the bytes reach the server as sent
        self.assertIn(b"origin o /y", get(port, "/y"))
        req = o.requests[-1]
        self.assertIsNone(req.header("x-added"))
        self.assertIsNone(req.header("x-forwarded-for"))
        # what reads HTTP finds nothing, what reads the connection works
        self.assertIn(b"origin o /z", get(port, "/z"))
        self.assertEqual(len(o2.requests), 0)

    def test_use_backend_on_connection_facts_in_tcp_mode(self):
        # the control for the test above: use_backend rules do run in mode tcp
        o, o2 = self.origin("o"), self.origin("o2")
        port = harness.free_port()
        cfg = DEFAULTS + """\
frontend f
    mode tcp
    bind 127.0.0.1:%d
    use_backend b2 if { dst_port %d }
    default_backend b
backend b
    mode tcp
    server s 127.0.0.1:%d
backend b2
    mode tcp
    server s 127.0.0.1:%d
""" % (port, port, o.port, o2.port)
        self.start_warned(cfg, [])
        self.assertIn(b"origin o2 /q", get(port, "/q"))

    def test_http_acl_in_tcp_mode_finds_nothing(self):
        o = self.origin("o")
        p_if, p_unless = harness.free_port(), harness.free_port()
        cfg = DEFAULTS + """\
listen if_path
    mode tcp
    bind 127.0.0.1:%d
    tcp-request content reject if { path_beg /x }
    server s 127.0.0.1:%d
listen unless_path
    mode tcp
    bind 127.0.0.1:%d
    tcp-request content reject unless { path_beg /x }
    server s 127.0.0.1:%d
""" % (p_if, o.port, p_unless, o.port)
        self.start_warned(cfg, [])
        # the path is never found: "if" never rejects, "unless" always does
        self.assertIn(b"origin o /x", get(p_if, "/x"))
        self.assertEqual(get(p_unless, "/x"), b"")

    def test_http_tracking_key_in_tcp_mode_tracks_nothing(self):
        o = self.origin("o")
        p_http, p_src = harness.free_port(), harness.free_port()
        cfg = DEFAULTS + """\
listen by_host
    mode tcp
    bind 127.0.0.1:%d
    stick-table type string size 1k store conn_cnt
    tcp-request content track-sc0 req.hdr(host)
    tcp-request content reject if { sc0_tracked }
    server s 127.0.0.1:%d
listen by_src
    mode tcp
    bind 127.0.0.1:%d
    stick-table type ip size 1k store conn_cnt
    tcp-request content track-sc0 src
    tcp-request content reject if { sc0_tracked }
    server s 127.0.0.1:%d
""" % (p_http, o.port, p_src, o.port)
        self.start_warned(cfg, [r"w\.cfg:9: warning: listen 'by_host' is in mode tcp: the key "
                                r"of this 'tcp-request content track-sc0' rule reads HTTP"])
        # nothing is tracked, so the rule does not reject
        self.assertIn(b"origin o /h", get(p_http, "/h"))
        # the same rule on a key a connection has rejects every connection
        self.assertEqual(get(p_src, "/h"), b"")

    def test_keywords_a_proxy_has_no_use_for_are_ignored(self):
        o = self.origin("o")
        port, never = harness.free_port(), harness.free_port()
        cfg = DEFAULTS + """\
    mode http
frontend f
    bind 127.0.0.1:%d
    timeout server 100ms
    balance first
    default_backend b
backend b
    bind 127.0.0.1:%d
    maxconn 1
    timeout server 5s
    server s 127.0.0.1:%d
""" % (port, never, o.port)
        self.start_warned(cfg, [r"w\.cfg:8:5: warning: frontend 'f' has no backend capability: "
                                r"ignoring 'timeout server'",
                                r"w\.cfg:12:5: warning: backend 'b' has no frontend capability: "
                                r"ignoring 'bind'",
                                r"w\.cfg:13:5: warning: backend 'b' has no frontend capability: "
                                r"ignoring 'maxconn'"])
        # the backend's server timeout applies, not the frontend's 100 ms
        self.assertIn(b"200 OK", get(port, "/slow"))
        # no listener for the backend's bind
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection((harness.LOOPBACK, never), timeout=2).close()

    def test_http_balance_and_log_format_fall_back_in_tcp_mode(self):
        o1, o2 = self.origin("o1"), self.origin("o2")
        port = harness.free_port()
        cfg = "global\n    nbthread 1\n    log stdout format raw local0\n" + DEFAULTS + """\
frontend f
    mode tcp
    bind 127.0.0.1:%d
    log global
    option httplog
    default_backend b
backend b
    mode tcp
    balance uri
    server s1 127.0.0.1:%d
    server s2 127.0.0.1:%d
""" % (port, o1.port, o2.port)
        p = self.start_warned(cfg, [r"'balance uri' needs 'mode http', using 'balance "
                                    r"roundrobin' instead",
                                    r"'option httplog' needs 'mode http', using 'option "
                                    r"tcplog' instead"])
        for _ in range(4):
            self.assertIn(b"origin", get(port, "/same"))
        # round robin: both servers, although a hash of the URI would pick one
        self.assertEqual(len(o1.requests), 2)
        self.assertEqual(len(o2.requests), 2)
        # the TCP log format: no request line (nor any quote) in the log
        deadline = time.monotonic() + harness.DEFAULT_TIMEOUT
        while True:
            logs = [l for l in p.log().splitlines() if " f b/s" in l]
            if len(logs) >= 4 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        self.assertEqual(len(logs), 4, p.log())
        self.assertTrue(all('"' not in l for l in logs), logs)

    def test_noticed_keywords_load_and_run(self):
        o = self.origin("o")
        port = harness.free_port()
        cfg = "global\n    thread-groups 1\n" + DEFAULTS + """\
frontend f
    mode http
    bind 127.0.0.1:%d
    bind-process 1
    default_backend b
backend b
    mode http
    server s 127.0.0.1:%d
""" % (port, o.port)
        self.start_warned(cfg, [r"w\.cfg:2:5: notice: 'thread-groups' changes nothing: "
                                r"sluice's workers are processes",
                                r"w\.cfg:10:5: warning: ignoring 'bind-process': it has no "
                                r"effect"])
        self.assertIn(b"origin o /n", get(port, "/n"))

    def test_failed_acl_line_is_one_error(self):
        path = self.write("acl.cfg", DEFAULTS + """\
frontend f
    mode http
    bind 127.0.0.1:1
    acl bad nosuchfetch /x
    http-request deny if bad
    use_backend b if !bad
    default_backend b
backend b
    mode http
    server s 127.0.0.1:1
""")
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(path + ":8:13: error: unknown sample fetch 'nosuchfetch'", r.stderr)
        self.assertEqual(r.stderr.count("error:"), 1, r.stderr)


if __name__ == "__main__":
    harness.main()
