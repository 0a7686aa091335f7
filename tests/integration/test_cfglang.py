"""The configuration language on a real process: conditional blocks and their messages,
variables in addresses, `sluice -cc`, -dD and the -vv feature list."""

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
                                  "    server s 127.0.0.1:1\n    server t 127.0.0.1:2\n"
                                  "global\n")
        r = harness.run(["-c", "-f", cfg])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(cfg + ":2:1: notice: 'hello'", r.stderr)
        self.assertIn(cfg + ":3:1: warning: 'careful'", r.stderr)
        self.assertNotIn("diag", r.stderr)
        r = harness.run(["-dD", "-c", "-f", cfg])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(cfg + ":4:1: diag: 'only with -dD'", r.stderr)
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


if __name__ == "__main__":
    harness.main()
