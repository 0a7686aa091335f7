"""peers sections in the configuration: the local peer chosen by -L, localpeer or the host
name, and a table declared in a peers section ("<peers>/<table>"), which rules, fetches and
the runtime API use as they use a backend's. The links between peers are not tested here."""

import os
import signal
import socket
import time

import harness

CFG = """\
global
    nbthread 2
    stats socket %(sock)s level admin
%(global)s
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s

peers mypeers
    peer lb1 127.0.0.1:%(peer1)d
    peer lb2 127.0.0.1:%(peer2)d
    table t type ip size 1k expire 1m store http_req_cnt

frontend fe
    bind 127.0.0.1:%(port)d
    http-request track-sc0 src table mypeers/t
    http-request deny deny_status 429 if { sc_http_req_cnt(0,mypeers/t) gt 3 }
    http-request return status 200 content-type text/plain string ok

backend app
    stick-table type ip size 1k expire 1m peers mypeers
"""


def ask(path, text):
    return harness.stats_command(path, text)


def get(port):
    with harness.connect(port) as c:
        c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        r = harness.read_response(c)
        return r[0] if r else None


class PeersConfig(harness.TestCase):
    def config(self, glob=""):
        self.sock = os.path.join(self.tmp, "stats.sock")
        self.port = harness.free_port()
        return CFG % {"sock": self.sock, "port": self.port, "peer1": harness.free_port(),
                      "peer2": harness.free_port(), "global": glob}

    def test_a_peers_table_counts_and_shows(self):
        p = self.start_config(self.config(), args=["-L", "lb1"])
        self.assertEqual([get(self.port) for _ in range(5)], [200, 200, 200, 429, 429])
        out = ask(self.sock, "show table mypeers/t\n")
        self.assertIn("# table: mypeers/t, type: ip, size:1024, used:1", out)
        self.assertIn("key=127.0.0.1 ", out)
        self.assertIn("http_req_cnt=5", out)
        # listed with the proxies' tables, and kept across a reload
        listing = ask(self.sock, "show table\n")
        self.assertIn("# table: mypeers/t,", listing)
        self.assertIn("# table: app,", listing)
        p.signal(signal.SIGUSR2)
        deadline = time.monotonic() + 10
        while "reload: done" not in p.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("reload: done", p.log())
        self.assertEqual(get(self.port), 429)
        self.assertIn("http_req_cnt=6", ask(self.sock, "show table mypeers/t\n"))
        # no statistics row of its own
        self.assertNotIn("mypeers/t", ask(self.sock, "show stat\n"))

    def test_local_peer_from_localpeer_then_host_name(self):
        path = self.write("sluice.cfg", self.config("    localpeer lb2\n"))
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        # -L wins, with HAProxy's warning
        r = harness.run(["-c", "-f", path, "-L", "lb1"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("'localpeer' ignored since it is already set by using the '-L'", r.stderr)
        # neither: the host name, which names no peer here
        text = self.config()
        line = text.splitlines().index("peers mypeers") + 1
        path = self.write("sluice.cfg", text)
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:%d: error: peers section 'mypeers' has no entry for the local peer "
                      "'%s' (set with -L or localpeer)" % (path, line, socket.gethostname()),
                      r.stderr)

    def test_dump_shows_the_section(self):
        path = self.write("sluice.cfg", self.config())
        r = harness.run(["--dump-config", "-f", path, "-L", "lb2"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("    localpeer lb2\n", r.stdout)
        self.assertIn("\npeers mypeers\n    peer lb1 127.0.0.1:", r.stdout)
        self.assertIn("    table t type ip size 1024 expire 60000ms store http_req_cnt\n",
                      r.stdout)
        self.assertIn("stick-table type ip size 1024 expire 60000ms peers mypeers\n", r.stdout)


if __name__ == "__main__":
    harness.main()
