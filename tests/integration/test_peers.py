"""Peers: stick tables synced between nodes with HAProxy's protocol 2.1, against Debian's
HAProxy 2.6 as the other node (started by the test, stopped by PID)."""

import os
import re
import signal
import socket
import sys
import threading
import time
import unittest

import harness


def get(port, key, path="/"):
    with harness.connect(port) as c:
        c.sendall(("GET %s HTTP/1.1\r\nHost: h\r\nX-Key: %s\r\nConnection: close\r\n\r\n"
                   % (path, key)).encode())
        r = harness.read_response(c)
    return r[0] if r else None


def cli(path, cmd):
    return harness.stats_command(path, cmd + "\n")


def entry(path, table, key):
    """The line of @key in `show table @table`, or None."""
    for line in cli(path, "show table " + table).splitlines():
        if " key=%s " % key in line + " ":
            return line
    return None


def wait_entry(path, table, key, want, timeout=10):
    """Wait until the entry of @key shows every "name=value" of @want; its last line."""
    deadline = time.monotonic() + timeout
    line = None
    while time.monotonic() < deadline:
        line = entry(path, table, key)
        if line and all(w in line.split() for w in want):
            return line
        time.sleep(0.05)
    raise AssertionError("%s: key %s: want %s, have %r" % (path, key, want, line))


CONFIG = """\
global
    stats socket {sock} level admin
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
peers mesh
{peers}
frontend fe
    bind 127.0.0.1:{port}
    stick-table type string len 32 size 1k expire 1m store gpc0,http_req_cnt,http_req_rate(10s) peers mesh
    http-request track-sc0 req.hdr(x-key)
    http-request sc-inc-gpc0(0)
    http-request return status 200 content-type text/plain string ok
"""


@unittest.skipUnless(harness.have_haproxy(), "Debian's haproxy is not installed")
class TestHAProxyPeer(harness.TestCase):
    """One sluice node and one HAProxy node in one peers section."""

    def setUp(self):
        super().setUp()
        self.pa, self.pb = harness.free_port(), harness.free_port()
        self.peers = ("    peer sl 127.0.0.1:%d\n    peer ha 127.0.0.1:%d\n"
                      % (self.pa, self.pb))
        self.sl_port, self.ha_port = harness.free_port(), harness.free_port()
        self.sl_sock = os.path.join(self.tmp, "sl.sock")
        self.ha_sock = os.path.join(self.tmp, "ha.sock")

    def start_sluice(self):
        return self.start_config(CONFIG.format(sock=self.sl_sock, peers=self.peers,
                                               port=self.sl_port), args=["-L", "sl"])

    def start_ha(self):
        path = self.write("haproxy/haproxy.cfg", CONFIG.format(
            sock=self.ha_sock, peers=self.peers, port=self.ha_port))
        p = harness.Process(["-Ws", "-f", path, "-L", "ha"], os.path.dirname(path),
                            binary=harness.HAPROXY)
        self._procs.append(p)
        p.wait_ready()
        return p

    def test_updates_flow_both_ways(self):
        self.start_ha()
        self.start_sluice()
        for _ in range(3):
            self.assertEqual(get(self.sl_port, "alice"), 200)
        wait_entry(self.ha_sock, "fe", "alice", ["gpc0=3", "http_req_cnt=3"])
        for _ in range(2):
            self.assertEqual(get(self.ha_port, "bob"), 200)
        wait_entry(self.sl_sock, "fe", "bob", ["gpc0=2", "http_req_cnt=2"])
        # HAProxy's value for alice came from sluice; counting on there goes on from it
        self.assertEqual(get(self.ha_port, "alice"), 200)
        wait_entry(self.sl_sock, "fe", "alice", ["gpc0=4", "http_req_cnt=4"])

    def test_a_new_node_learns_the_table(self):
        self.start_ha()
        for _ in range(5):
            self.assertEqual(get(self.ha_port, "carol"), 200)
        # sluice starts with an empty table: it asks HAProxy for a full resync
        self.start_sluice()
        wait_entry(self.sl_sock, "fe", "carol", ["gpc0=5", "http_req_cnt=5"])

    def test_haproxy_restarted_learns_from_sluice(self):
        self.start_sluice()
        for _ in range(4):
            self.assertEqual(get(self.sl_port, "dave"), 200)
        self.start_ha()
        wait_entry(self.ha_sock, "fe", "dave", ["gpc0=4", "http_req_cnt=4"])


class TestSluicePeers(harness.TestCase):
    """Two sluice nodes."""

    def setUp(self):
        super().setUp()
        self.names = ["n1", "n2"]
        self.peer_ports = [harness.free_port() for _ in self.names]
        self.ports = [harness.free_port() for _ in self.names]
        self.socks = [os.path.join(self.tmp, "%s.sock" % n) for n in self.names]
        self.peers = "".join("    peer %s 127.0.0.1:%d\n" % (n, p)
                             for n, p in zip(self.names, self.peer_ports))
        self.nodes = [None, None]

    def start_node(self, i, workers=2):
        path = self.write("%s/sluice.cfg" % self.names[i], CONFIG.format(
            sock=self.socks[i], peers=self.peers, port=self.ports[i]).replace(
                "global\n", "global\n    nbthread %d\n" % workers, 1))
        # each node in a directory of its own (its notify socket is there)
        p = harness.Process(["-d", "-f", path, "-L", self.names[i]], os.path.dirname(path))
        self._procs.append(p)
        try:
            p.wait_ready()
        except Exception:
            sys.stderr.write(p.log())
            raise
        self.nodes[i] = p
        return p

    def test_updates_flow_both_ways(self):
        self.start_node(0)
        self.start_node(1)
        for _ in range(3):
            self.assertEqual(get(self.ports[0], "alice"), 200)
        wait_entry(self.socks[1], "fe", "alice", ["gpc0=3", "http_req_cnt=3"])
        for _ in range(2):
            self.assertEqual(get(self.ports[1], "bob"), 200)
        wait_entry(self.socks[0], "fe", "bob", ["gpc0=2", "http_req_cnt=2"])
        out = cli(self.socks[0], "show peers")
        self.assertIn("id=mesh", out)
        self.assertRegex(out, r"id=n2\(remote,active\).*last_status=ESTA")

    def test_a_restarted_node_learns_the_table(self):
        self.start_node(0)
        for _ in range(4):
            self.assertEqual(get(self.ports[0], "carol"), 200)
        self.start_node(1)
        wait_entry(self.socks[1], "fe", "carol", ["gpc0=4", "http_req_cnt=4"])

    def test_no_update_lost_across_reloads_and_a_killed_owner(self):
        """A steady stream of updates on n1 while n1 reloads three times and its link owner
        is killed once: n2 ends with n1's exact counts."""
        p = self.start_node(0)
        self.start_node(1)
        going = threading.Event()
        going.set()
        sent = {}
        errors = []

        def load(key):
            n = 0
            deadline = time.monotonic() + 30
            while going.is_set() and time.monotonic() < deadline:
                try:
                    if get(self.ports[0], key) == 200:
                        n += 1
                except OSError:
                    pass
            sent[key] = n

        threads = [threading.Thread(target=load, args=("k%d" % i,)) for i in range(3)]
        for t in threads:
            t.start()
        try:
            for _ in range(3):
                time.sleep(0.5)
                p.signal(signal.SIGUSR2)
            time.sleep(0.5)
            pids = re.findall(r"sluice\[(\d+)\]: info: peers 'mesh': 1 tables synced with 1 "
                              r"peers, from this worker", p.log())
            # the first generation's owner and one per reload
            self.assertGreaterEqual(len(pids), 4, p.log())
            os.kill(int(pids[-1]), signal.SIGKILL)
            time.sleep(1)
            pids = re.findall(r"sluice\[(\d+)\]: info: peers 'mesh': 1 tables synced with 1 "
                              r"peers, from this worker", p.log())
            self.assertGreaterEqual(len(pids), 5, p.log())  # the respawned owner
        finally:
            going.clear()
            for t in threads:
                t.join()
        for key, n in sent.items():
            self.assertGreater(n, 0)
            # every answered request was counted on n1 (one that failed may be too)
            line = entry(self.socks[0], "fe", key)
            have = int(re.search(r" http_req_cnt=(\d+)", line).group(1))
            self.assertGreaterEqual(have, n)
            wait_entry(self.socks[1], "fe", key, ["http_req_cnt=%d" % have, "gpc0=%d" % have],
                       timeout=15)

    def test_handshake_refusals(self):
        self.start_node(0)

        def hello(text):
            with socket.create_connection(("127.0.0.1", self.peer_ports[0]), timeout=5) as c:
                c.sendall(text)
                return c.recv(64)

        self.assertEqual(hello(b"HAProxyS 2.1\nn1\nstranger 1 1\n"), b"504\n")
        self.assertEqual(hello(b"HAProxyS 2.1\nsomeone\nn2 1 1\n"), b"503\n")
        self.assertEqual(hello(b"HAProxyS 3.0\nn1\nn2 1 1\n"), b"502\n")
        self.assertEqual(hello(b"HTTP/1.1 200\nn1\nn2 1 1\n"), b"501\n")


if __name__ == "__main__":
    harness.main()
