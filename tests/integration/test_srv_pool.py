"""Idle server connections: how many a worker keeps for later requests (pool-max-conn, the
open-files ratios) and how it lets go of those a burst left (pool-purge-delay), seen from a
raw origin socket that counts the connections it accepts and sees close."""

import selectors
import signal
import socket
import time

import harness

CONFIG = """\
global
    nbthread 1
%(glob)s
defaults
    mode http
    timeout connect 2s
    timeout client 20s
    timeout server 20s
    http-reuse always

frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be

backend be
    server s 127.0.0.1:%(srv)d %(opts)s
"""

OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


class Origin:
    """A listening socket and the server connections it accepted, answered by the test."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind((harness.LOOPBACK, 0))
        self.sock.listen(512)
        self.port = self.sock.getsockname()[1]
        self.open = []     # connections from sluice not seen closed
        self.accepted = 0

    def close(self):
        for c in self.open:
            c.close()
        self.sock.close()

    def serve(self, n, timeout=10):
        """Take @n requests, on connections already open or new ones, then answer them all;
        returns how many connections were new."""
        new, asked = 0, []
        sel = selectors.DefaultSelector()
        sel.register(self.sock, selectors.EVENT_READ)
        for c in self.open:
            sel.register(c, selectors.EVENT_READ)
        bufs = {}
        deadline = time.monotonic() + timeout
        while len(asked) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%d of %d requests came" % (len(asked), n))
            for key, _ in sel.select(left):
                if key.fileobj is self.sock:
                    c, _ = self.sock.accept()
                    self.open.append(c)
                    self.accepted += 1
                    new += 1
                    sel.register(c, selectors.EVENT_READ)
                    continue
                c = key.fileobj
                data = c.recv(65536)
                if not data:
                    sel.unregister(c)
                    self.open.remove(c)
                    c.close()
                    continue
                bufs[c] = bufs.get(c, b"") + data
                if b"\r\n\r\n" in bufs[c]:
                    asked.append(c)
                    bufs[c] = b""
        sel.close()
        for c in asked:
            c.sendall(OK)
        return new

    def closed(self, wait=0.0, want=None):
        """The connections sluice closed (seen within @wait seconds, or as soon as @want
        were), forgotten; returns how many."""
        n = 0
        deadline = time.monotonic() + wait
        while True:
            for c in list(self.open):
                c.setblocking(False)
                try:
                    data = c.recv(1)
                except BlockingIOError:
                    continue
                finally:
                    c.setblocking(True)
                self.open.remove(c)
                c.close()
                if not data:
                    n += 1
            if time.monotonic() >= deadline or (want is not None and n >= want):
                return n
            time.sleep(0.05)


class SrvPool(harness.TestCase):
    def start_pool(self, opts="", glob=""):
        o = Origin()
        self.addCleanup(o.close)
        port = harness.free_port()
        self.proc = self.start_config(CONFIG % {"port": port, "srv": o.port, "opts": opts,
                                                "glob": glob})
        return port, o

    def burst(self, port, o, n):
        """@n clients ask at once; each gets its answer. Returns the server connections the
        origin accepted for them."""
        clients = [harness.connect(port) for _ in range(n)]
        try:
            for c in clients:
                c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            new = o.serve(n)
            for c in clients:
                self.assertEqual(harness.read_response(c)[0], 200)
        finally:
            for c in clients:
                c.close()
        return new

    def test_a_burst_keeps_its_connections(self):
        """With HAProxy's defaults (no pool-max-conn), every connection a burst of 80
        requests opened stays idle and the next burst reuses them all: more than the 64 per
        server and worker sluice once kept."""
        port, o = self.start_pool()
        self.assertEqual(self.burst(port, o, 80), 80)
        self.assertEqual(o.closed(wait=0.5), 0)
        self.assertEqual(self.burst(port, o, 80), 0)
        self.assertEqual(self.burst(port, o, 30), 0)
        self.assertEqual(o.accepted, 80)

    def test_pool_max_conn(self):
        """pool-max-conn 10: of 30 connections, 20 close once their responses are over."""
        port, o = self.start_pool("pool-max-conn 10")
        self.assertEqual(self.burst(port, o, 30), 30)
        self.assertEqual(o.closed(wait=1.0), 20)
        self.assertEqual(len(o.open), 10)
        self.assertEqual(self.burst(port, o, 30), 20)

    def test_low_fd_ratio(self):
        """Past tune.pool-low-fd-ratio of the open-files limit (0 here), one idle
        connection at most per server."""
        port, o = self.start_pool(glob="    tune.pool-low-fd-ratio 0\n")
        self.assertEqual(self.burst(port, o, 5), 5)
        self.assertEqual(o.closed(wait=1.0), 4)
        self.assertEqual(self.burst(port, o, 5), 4)

    def test_none_kept(self):
        """pool-purge-delay 0, pool-max-conn 0 and tune.pool-high-fd-ratio 0 each keep no
        idle connection: every response closes its server connection."""
        for opts, glob in (("pool-purge-delay 0", ""), ("pool-max-conn 0", ""),
                           ("", "    tune.pool-high-fd-ratio 0\n")):
            with self.subTest(opts=opts, glob=glob):
                port, o = self.start_pool(opts, glob)
                with harness.connect(port) as c:
                    for _ in range(3):
                        c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                        self.assertEqual(o.serve(1), 1)
                        self.assertEqual(harness.read_response(c)[0], 200)
                        self.assertEqual(o.closed(wait=1.0, want=1), 1)
                self.assertEqual(o.accepted, 3)
                self.proc.stop()

    def test_purge(self):
        """pool-purge-delay 1s: the connections a burst left idle stay while they may be
        needed again (the most in use at once, then an estimate halved each period), then
        half of the surplus goes each period, until almost none is left."""
        port, o = self.start_pool("pool-purge-delay 1s")
        self.assertEqual(self.burst(port, o, 40), 40)
        start = time.monotonic()
        self.assertEqual(o.closed(wait=1.5), 0)
        first = None
        deadline = start + 20
        gone = 0
        while time.monotonic() < deadline and len(o.open) > 4:
            n = o.closed(wait=0.1)
            if n and first is None:
                first = time.monotonic() - start
            gone += n
        self.assertLessEqual(len(o.open), 4)
        self.assertGreaterEqual(gone, 36)
        # the burst's need held them through the first two purges
        self.assertGreaterEqual(first, 1.5)

    def test_need_estimate_reported(self):
        """The need each purge estimates is the node's "need_est" (show servers conn) and
        "need_conn_est" (show stat), next to its idle connections, all safe, and pool-max-conn
        as "src_ilim"; the estimate halves at each purge once the burst is over."""
        sock = self.tmp + "/admin.sock"
        port, o = self.start_pool("pool-purge-delay 2s pool-max-conn 50",
                                  "    stats socket %s level admin\n" % sock)

        def conn_row():
            lines = harness.stats_command(sock, "show servers conn be\n").split("\n")
            return lines[1].split()

        def stat_row():
            lines = harness.stats_command(sock, "show stat\n").split("\n")
            head = lines[0].lstrip("# ").split(",")
            for ln in lines[1:]:
                f = ln.split(",")
                if f[:2] == ["be", "s"]:
                    return dict(zip(head, f))
            self.fail("no be/s in show stat")

        self.assertEqual(conn_row()[8], "0")
        self.assertEqual(self.burst(port, o, 40), 40)
        # the first purge, 2 s after the first idle connection: all 40 were in use at once
        seen = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(set(seen)) < 2:
            need = int(conn_row()[8])
            if need and (not seen or need != seen[-1]):
                seen.append(need)
                if len(seen) == 1:
                    st = stat_row()
            time.sleep(0.05)
        self.assertEqual(seen[:2], [40, 20])
        self.assertEqual(st["need_conn_est"], "40")
        self.assertEqual(st["used_conn_cur"], "0")
        self.assertEqual(st["idle_conn_cur"], "0")
        self.assertEqual(st["safe_conn_cur"], st["srv_icur"])
        self.assertEqual(st["srv_icur"], "40")
        self.assertEqual(st["src_ilim"], "50")

    def test_reload_names_pool_changes(self):
        """A reload that changes a server's pool options names them in its log."""
        o = Origin()
        self.addCleanup(o.close)
        port = harness.free_port()
        text = CONFIG % {"port": port, "srv": o.port, "opts": "%s", "glob": ""}
        p = self.start_config(text % "")
        self.write("sluice.cfg", text % "pool-max-conn 10 pool-purge-delay 2s pool-low-conn 2")
        p.signal(signal.SIGUSR2)
        deadline = time.monotonic() + 10
        while "generation 2" not in p.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("reload: server 'be/s' changed options: pool-max-conn -1 -> 10, "
                      "pool-purge-delay 5000ms -> 2000ms, pool-low-conn 0 -> 2 (its runtime "
                      "state starts again from the configuration)", p.log())


if __name__ == "__main__":
    harness.main()
