"""Peers: stick tables synced between nodes with HAProxy's protocol 2.1, against Debian's
HAProxy 2.6 as the other node (started by the test, stopped by PID)."""

import json
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


def wait_until(cond, timeout):
    """Until cond() holds, @timeout seconds at most; whether it does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


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
        try:
            wait_entry(self.ha_sock, "fe", "alice", ["gpc0=3", "http_req_cnt=3"])
        except AssertionError:
            sys.stderr.write(cli(self.sl_sock, "show peers") + cli(self.sl_sock, "show table fe"))
            for p in self._procs:
                sys.stderr.write(p.log())
            raise
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
        self.metrics = getattr(self, "metrics", {})
        self.metrics[i] = harness.free_port()
        path = self.write("%s/sluice.cfg" % self.names[i], CONFIG.format(
            sock=self.socks[i], peers=self.peers, port=self.ports[i]).replace(
                "global\n", "global\n    nbthread %d\n" % workers, 1) +
            "frontend metrics\n    bind 127.0.0.1:%d\n"
            "    http-request use-service prometheus-exporter\n" % self.metrics[i])
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
        doc = json.loads(cli(self.socks[0], "show peers json"))
        self.assertEqual([x["name"] for x in doc], ["mesh"])
        self.assertEqual(doc[0]["local"], "n1")
        (peer,) = doc[0]["peers"]
        self.assertEqual((peer["name"], peer["up"]), ("n2", True))
        self.assertGreaterEqual(peer["connections"], 1)
        (tbl,) = peer["tables"]
        self.assertEqual(tbl["name"], "fe")
        self.assertGreaterEqual(tbl["updates_sent"], 1)
        self.assertGreaterEqual(tbl["updates_received"], 1)
        self.assertEqual(json.loads(cli(self.socks[0], "show peers json nope")), [])
        # the links' metrics, from the master
        with harness.connect(self.metrics[0]) as c:
            c.sendall(b"GET /metrics?scope=sticktable HTTP/1.1\r\nHost: h\r\n"
                      b"Connection: close\r\n\r\n")
            r = harness.read_response(c)
        text = r[2].decode()
        self.assertIn('sluice_peers_link_up{section="mesh",peer="n2"} 1', text)
        self.assertIn('sluice_peers_updates_sent_total{section="mesh",peer="n2",table="fe"} ',
                      text)
        sent = int(re.search(r'sluice_peers_updates_sent_total\{[^}]*\} (\d+)', text).group(1))
        got = int(re.search(r'sluice_peers_updates_received_total\{[^}]*\} (\d+)',
                            text).group(1))
        self.assertGreaterEqual(sent, 1)
        self.assertGreaterEqual(got, 1)
        self.assertRegex(text, r'sluice_peers_lag_updates\{section="mesh",peer="n2",'
                               r'table="fe"\} \d+')

    def test_a_restarted_node_learns_the_table(self):
        self.start_node(0)
        for _ in range(4):
            self.assertEqual(get(self.ports[0], "carol"), 200)
        self.start_node(1)
        wait_entry(self.socks[1], "fe", "carol", ["gpc0=4", "http_req_cnt=4"])

    def test_a_node_restarted_from_scratch_gets_its_counts_back(self):
        """n2 counted 3, n1 4; n2 restarts with empty tables: n1 kept n2's 3 and gives
        them back, so both nodes still agree on 7, and count on from there."""
        self.start_node(0)
        p = self.start_node(1)
        for _ in range(4):
            self.assertEqual(get(self.ports[0], "gina"), 200)
        for _ in range(3):
            self.assertEqual(get(self.ports[1], "gina"), 200)
        for s in self.socks:
            wait_entry(s, "fe", "gina", ["http_req_cnt=7", "gpc0=7"])
        p.stop()
        self._procs.remove(p)
        self.start_node(1)
        for s in self.socks:
            wait_entry(s, "fe", "gina", ["http_req_cnt=7", "gpc0=7"])
        self.assertEqual(get(self.ports[1], "gina"), 200)
        for s in self.socks:
            wait_entry(s, "fe", "gina", ["http_req_cnt=8", "gpc0=8"])

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
            synced = r"sluice\[(\d+)\]: info: peers 'mesh': 1 tables synced with 1 peers, " \
                     r"from this worker"
            for i in range(3):
                time.sleep(0.5)
                p.signal(signal.SIGUSR2)
                # the next reload once this one's owner synced (a loaded machine is slow)
                wait_until(lambda: len(re.findall(synced, p.log())) >= i + 2, 20)
            pids = re.findall(synced, p.log())
            # the first generation's owner and one per reload
            self.assertGreaterEqual(len(pids), 4, p.log())
            os.kill(int(pids[-1]), signal.SIGKILL)
            # the respawned owner syncs in turn (waited for, as the reloads' owners are: a
            # fixed second was not always enough for a loaded ASan run)
            wait_until(lambda: len(re.findall(synced, p.log())) >= 5, 20)
            pids = re.findall(synced, p.log())
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

    def test_hostile_peer_gets_errors_and_costs_bounded(self):
        """A peer that passes the handshake, then sends a message over the size limit, a
        bad length encoding, updates for tables never defined and a reserved class: each
        ends in HAProxy's error message and a closed link; the node serves throughout."""
        self.start_node(0)

        def session(payload, wait=5):
            with socket.create_connection(("127.0.0.1", self.peer_ports[0]), timeout=wait) as c:
                c.sendall(b"HAProxyS 2.1\nn1\nn2 1 1\n")
                got = b""
                deadline = time.monotonic() + wait
                while not got.startswith(b"200\n") and time.monotonic() < deadline:
                    got += c.recv(4096)
                self.assertTrue(got.startswith(b"200\n"), got)
                c.sendall(payload)
                while time.monotonic() < deadline:
                    try:
                        d = c.recv(65536)
                    except OSError:
                        break
                    if not d:
                        break
                    got += d
                return got

        # a body of 16 MB announced (varint of 2^24): "size limit", then closed
        big = bytes([10, 0x80]) + bytes([0xf0, 0xff, 0xff, 0xff, 0x07])
        self.assertTrue(session(big).endswith(b"\x01\x01"))
        # a length of more than 5 bytes: "protocol error"
        self.assertTrue(session(bytes([10, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))
                        .endswith(b"\x01\x00"))
        # class 255 is reserved: "protocol error"
        self.assertTrue(session(bytes([255, 0])).endswith(b"\x01\x00"))
        # a thousand updates for a table never defined are skipped, and the link stays
        # until the peer goes silent; a switch to an unknown id likewise
        junk = bytes([10, 0x83, 1, 7]) + bytes([10, 0x80, 6, 0, 0, 0, 1, 1, 0x41]) * 1000
        out = session(junk + bytes([0, 4]), wait=1)
        self.assertNotIn(b"\x01\x00", out[4:])
        self.assertEqual(get(self.ports[0], "harry"), 200)

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



LIMIT_CONFIG = """\
global
    nbthread 1
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
    stick-table type string len 32 size 1k expire 1m store http_req_cnt,http_req_rate(10s) peers mesh
    http-request track-sc0 req.hdr(x-key)
    http-request deny deny_status 429 if {{ sc_http_req_rate(0) gt {limit} }}
    http-request return status 200 content-type text/plain string ok
"""


class TestClusterLimit(harness.TestCase):
    """Three nodes, one rate limit: sluice holds it for the cluster, HAProxy's peers let
    about one limit through per node (the same test on both)."""

    LIMIT = 30

    def cluster(self, haproxy):
        names = ["c1", "c2", "c3"]
        peer_ports = [harness.free_port() for _ in names]
        peers = "".join("    peer %s 127.0.0.1:%d\n" % (n, p) for n, p in zip(names, peer_ports))
        ports = []
        for n in names:
            port = harness.free_port()
            path = self.write("%s/%s.cfg" % (n, "haproxy" if haproxy else "sluice"),
                              LIMIT_CONFIG.format(sock=os.path.join(self.tmp, n + ".sock"),
                                                  peers=peers, port=port, limit=self.LIMIT))
            if haproxy:
                p = harness.Process(["-Ws", "-f", path, "-L", n], os.path.dirname(path),
                                    binary=harness.HAPROXY)
            else:
                p = harness.Process(["-d", "-f", path, "-L", n], os.path.dirname(path))
            self._procs.append(p)
            p.wait_ready()
            ports.append(port)
        return ports, [os.path.join(self.tmp, n + ".sock") for n in names]

    def spread(self, ports, key, count, pause=0.005):
        """@count requests for @key, in turn to each node, @pause s apart: how many passed."""
        passed = 0
        for i in range(count):
            if get(ports[i % len(ports)], key) == 200:
                passed += 1
            time.sleep(pause)
        return passed

    def wait_links(self, socks, want):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            outs = [cli(s, "show peers") for s in socks]
            if all(o.count("(remote,active)") == want for o in outs):
                return
            time.sleep(0.05)
        self.fail("links not up: %r" % outs)

    def test_sluice_holds_the_limit_for_the_cluster(self):
        ports, socks = self.cluster(haproxy=False)
        self.wait_links(socks, 2)
        # 15 ms between requests: a sync pass (every 10 ms) between any two, with room for a
        # loaded machine under the sanitizers, where a worker may be descheduled for a few
        # milliseconds
        passed = self.spread(ports, "eve", 5 * self.LIMIT, pause=0.015)
        # a node may let a request through before the last ones counted elsewhere reach it:
        # a couple per node at most
        self.assertGreaterEqual(passed, self.LIMIT)
        self.assertLessEqual(passed, self.LIMIT + 6, "%d passed" % passed)
        sys.stderr.write("sluice, 3 nodes, limit %d: %d passed\n" % (self.LIMIT, passed))
        # and every node sees the cluster's count of requests
        for s in socks:
            wait_entry(s, "fe", "eve", ["http_req_cnt=%d" % (5 * self.LIMIT)])

    @unittest.skipUnless(harness.have_haproxy(), "Debian's haproxy is not installed")
    def test_haproxy_peers_let_about_one_limit_per_node(self):
        ports, socks = self.cluster(haproxy=True)
        time.sleep(1)  # HAProxy's links come up
        passed = self.spread(ports, "eve", 5 * self.LIMIT)
        sys.stderr.write("HAProxy 2.6, 3 nodes, limit %d: %d passed\n" % (self.LIMIT, passed))
        # its peers copy entries, last writer wins: a node overwrites what others counted, and
        # more get through than the limit (seen: 33 to 67 of 150 for a limit of 30; how many
        # more depends on how soon its pushes arrive), where sluice's bound holds
        self.assertGreater(passed, self.LIMIT)


class Relay:
    """A TCP relay the test controls, between two nodes: cut() closes the connections
    through it and refuses new ones (each side sees its peer gone), heal() lets them in."""

    def __init__(self, target_port):
        self.target = target_port
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.lsock.settimeout(0.1)
        self.port = self.lsock.getsockname()[1]
        self.open = True
        self.running = True
        self.conns = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.accept_loop)
        self.thread.start()

    def accept_loop(self):
        while self.running:
            try:
                c, _ = self.lsock.accept()
            except socket.timeout:
                continue
            if not self.open:
                c.close()
                continue
            try:
                s = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.conns += [c, s]
            for a, b in ((c, s), (s, c)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    @staticmethod
    def pump(a, b):
        a.settimeout(1)
        while True:
            try:
                d = a.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                d = b""
            if not d:
                break
            try:
                b.sendall(d)
            except OSError:
                break
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.open = False
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.conns = []

    def heal(self):
        self.open = True

    def stop(self):
        self.running = False
        self.cut()
        self.thread.join()
        self.lsock.close()


class TestPartition(harness.TestCase):
    """Two sluice nodes whose links go through relays: cut, both sides count, heal."""

    def test_counts_converge_after_a_partition(self):
        p1, p2 = harness.free_port(), harness.free_port()
        r1, r2 = Relay(p1), Relay(p2)   # to n1, to n2
        self.addCleanup(r1.stop)
        self.addCleanup(r2.stop)
        ports, socks = [], []
        for name, me, other, oport in (("n1", p1, "n2", r2.port), ("n2", p2, "n1", r1.port)):
            port = harness.free_port()
            sock = os.path.join(self.tmp, name + ".sock")
            peers = ("    peer %s 127.0.0.1:%d\n    peer %s 127.0.0.1:%d\n"
                     % (name, me, other, oport))
            path = self.write("%s/sluice.cfg" % name,
                              CONFIG.format(sock=sock, peers=peers, port=port))
            p = harness.Process(["-d", "-f", path, "-L", name], os.path.dirname(path))
            self._procs.append(p)
            p.wait_ready()
            ports.append(port)
            socks.append(sock)
        for _ in range(3):
            get(ports[0], "frank")
        for _ in range(2):
            get(ports[1], "frank")
        for s in socks:
            wait_entry(s, "fe", "frank", ["http_req_cnt=5", "gpc0=5"])
        r1.cut()
        r2.cut()
        time.sleep(0.3)
        for _ in range(7):
            self.assertEqual(get(ports[0], "frank"), 200)
        for _ in range(4):
            self.assertEqual(get(ports[1], "frank"), 200)
        # each side counts on: its own and what it knew of the other's
        wait_entry(socks[0], "fe", "frank", ["http_req_cnt=12"])
        wait_entry(socks[1], "fe", "frank", ["http_req_cnt=9"])
        r1.heal()
        r2.heal()
        try:
            for s in socks:
                wait_entry(s, "fe", "frank", ["http_req_cnt=16", "gpc0=16"], timeout=10)
        except AssertionError:
            for p in self._procs:
                sys.stderr.write(p.log())
            raise


MIXED_CONFIG = """\
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
    default_backend be
backend be
    balance roundrobin
    stick-table type ip size 1k expire 1m peers mesh
    stick on src
    server s1 127.0.0.1:{o1}
    server s2 127.0.0.1:{o2}
"""


@unittest.skipUnless(harness.have_haproxy(), "Debian's haproxy is not installed")
class TestMixedCluster(harness.TestCase):
    """One sluice node and two HAProxy 2.6 nodes in one peers section, with stick on src:
    the server a client stuck to on one node is the one every node sends it to."""

    def test_stick_on_src_through_any_node(self):
        import origin
        names = ["sl", "h1", "h2"]
        peer_ports = [harness.free_port() for _ in names]
        peers = "".join("    peer %s 127.0.0.1:%d\n" % (n, p) for n, p in zip(names, peer_ports))
        origins = [origin.Origin("s1"), origin.Origin("s2")]
        for o in origins:
            self.addCleanup(o.stop)
        o1, o2 = origins[0].port, origins[1].port
        ports, socks = [], []
        for n in names:
            port = harness.free_port()
            sock = os.path.join(self.tmp, n + ".sock")
            path = self.write("%s/%s.cfg" % (n, n), MIXED_CONFIG.format(
                sock=sock, peers=peers, port=port, o1=o1, o2=o2))
            if n == "sl":
                p = harness.Process(["-d", "-f", path, "-L", n], os.path.dirname(path))
            else:
                p = harness.Process(["-Ws", "-f", path, "-L", n], os.path.dirname(path),
                                    binary=harness.HAPROXY)
            self._procs.append(p)
            p.wait_ready()
            ports.append(port)
            socks.append(sock)
        time.sleep(1)  # HAProxy's links come up

        def server_of(port):
            with harness.connect(port) as c:
                c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
                r = harness.read_response(c)
            # the origin answers "origin NAME PATH"
            return r[2].decode().split()[1] if r else None

        # the first request on an HAProxy node picks a server and stores it
        first = server_of(ports[1])
        self.assertIn(first, ("s1", "s2"))
        want = "server_id=%d" % (1 if first == "s1" else 2)
        for s in socks:
            wait_entry(s, "be", "127.0.0.1", [want])
        # every node, sluice included, sends the client there, many times over
        for i in range(12):
            self.assertEqual(server_of(ports[i % 3]), first)
        # an entry written on sluice reaches both HAProxy nodes too
        cli(socks[0], "set table be key 127.0.0.9 data.server_id 2")
        for s in socks[1:]:
            wait_entry(s, "be", "127.0.0.9", ["server_id=2"])


TLS_CONFIG = """\
global
    stats socket {sock} level admin
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
peers mesh
    bind 127.0.0.1:{listen} ssl crt {crt} ca-file {client_ca} verify required
    default-server ssl {client_crt}ca-file {ca} verify required
{servers}
frontend fe
    bind 127.0.0.1:{port}
    stick-table type string len 32 size 1k expire 1m store gpc0,http_req_cnt peers mesh
    http-request track-sc0 req.hdr(x-key)
    http-request sc-inc-gpc0(0)
    http-request return status 200 content-type text/plain string ok
"""


class TestTlsPeers(harness.TestCase):
    """Links authenticated both ways: a node whose certificate the others' CA did not sign
    is refused, the others sync over TLS."""

    def test_mutual_tls_and_a_refused_node(self):
        import tlspki
        pki = tlspki.build(os.path.join(self.tmp, "pki"))
        names = ["n1", "n2", "n3"]
        listen = [harness.free_port() for _ in names]
        ports = [harness.free_port() for _ in names]
        socks = [os.path.join(self.tmp, n + ".sock") for n in names]
        procs = []
        for i, n in enumerate(names):
            servers = "".join("    server %s%s\n" % (m, "" if m == n else
                                                      " 127.0.0.1:%d" % listen[j])
                              for j, m in enumerate(names))
            # n3 has the certificates the wrong way round: as a client, a server's, which
            # the client CA did not sign; as a server, a client's, which the root did not
            client_crt = ("crt %s " % (pki.servers["b.test"].pem if n == "n3"
                                       else pki.clients["good"].pem))
            crt = pki.clients["good"].pem if n == "n3" else pki.servers["a.test"].pem
            path = self.write("%s/sluice.cfg" % n, TLS_CONFIG.format(
                sock=socks[i], listen=listen[i], crt=crt,
                client_ca=pki.client_ca_file, client_crt=client_crt, ca=pki.ca_file,
                servers=servers, port=ports[i]))
            p = harness.Process(["-d", "-f", path, "-L", n], os.path.dirname(path))
            self._procs.append(p)
            p.wait_ready()
            procs.append(p)
        for _ in range(3):
            self.assertEqual(get(ports[0], "ivy"), 200)
        wait_entry(socks[1], "fe", "ivy", ["gpc0=3", "http_req_cnt=3"])
        # n1 and n3 tried both ways: n1 says why it refused n3's connections, and, n1
        # connecting to n3, that it refuses n3's certificate (within the reconnect delays;
        # waited for, not assumed after a fixed second)
        refused_in = r"peers 'mesh': TLS handshake with a connecting peer failed"
        refused_out = r"peers 'mesh': TLS handshake with n3 failed: certificate"
        wait_until(lambda: re.search(refused_in, procs[0].log()) and
                   re.search(refused_out, procs[0].log()), 10)
        self.assertRegex(procs[0].log(), refused_in)
        self.assertRegex(procs[0].log(), refused_out)
        out = cli(socks[0], "show peers")
        self.assertRegex(out, r"id=n2\(remote,active\)")
        self.assertRegex(out, r"id=n3\(remote,inactive\)")
        # n3 never got the entry
        self.assertIsNone(entry(socks[2], "fe", "ivy"))
        # and nothing crossed in the clear: a plain hello gets no answer
        with socket.create_connection(("127.0.0.1", listen[0]), timeout=5) as c:
            c.sendall(b"HAProxyS 2.1\nn1\nn2 1 1\n")
            try:
                got = c.recv(64)
            except OSError:
                got = b""
        self.assertNotEqual(got, b"200\n")


if __name__ == "__main__":
    harness.main()
