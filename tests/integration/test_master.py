"""The master process: workers, reloads, supervision, systemd notifications."""

import os
import re
import signal
import socket
import threading
import time

import harness

CONFIG = """\
global
    nbthread %(workers)d
%(global)s
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
    timeout http-keep-alive 5s

frontend fe
    bind 127.0.0.1:%(port)d
    http-request return status 200 content-type text/plain string "%(version)s"
"""


children = harness.children


def progress(results, key, n, threads):
    """Until @results[@key] grew by @n, while a thread of @threads runs (bounded)."""
    want = results[key] + n
    deadline = time.monotonic() + harness.DEFAULT_TIMEOUT
    while (results[key] < want and any(t.is_alive() for t in threads) and
           time.monotonic() < deadline):
        time.sleep(0.01)


class Master(harness.TestCase):
    def config(self, version, workers=2, extra_global=""):
        return CONFIG % {"workers": workers, "port": self.port, "version": version,
                         "global": extra_global}

    def setUp(self):
        super().setUp()
        self.port = harness.free_port()

    def launch(self, version="v1", workers=2, extra_global=""):
        self.cfg = self.write("sluice.cfg", self.config(version, workers, extra_global))
        self.proc = self.start(["-d", "-f", self.cfg])
        return self.proc

    def get(self):
        return harness.request(self.port, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")

    def reload_to(self, version, workers=2, extra_global=""):
        self.write("sluice.cfg", self.config(version, workers, extra_global))
        self.proc.signal(signal.SIGHUP)
        self.proc.notify.wait_for("RELOADING", "1", proc=self.proc.proc)
        self.proc.notify.wait_for("READY", "1", proc=self.proc.proc)

    def test_workers_serve(self):
        p = self.launch(workers=2)
        self.assertEqual(len(children(p.pid)), 2)
        for _ in range(4):
            self.assertEqual(self.get()[2], b"v1")

    def test_reload_switches_generation(self):
        self.launch()
        self.assertEqual(self.get()[2], b"v1")
        self.reload_to("v2")
        self.assertEqual(self.get()[2], b"v2")
        # the old generation is gone shortly after (it had no busy connection)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(children(self.proc.pid)) != 2:
            time.sleep(0.05)
        self.assertEqual(len(children(self.proc.pid)), 2)

    def test_keepalive_client_moves_to_new_generation(self):
        self.launch()
        with harness.connect(self.port) as c:
            c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            self.assertEqual(harness.read_response(c)[2], b"v1")
            self.reload_to("v2")
            # the old worker closed the idle connection at once
            self.assertTrue(harness.closed_by_peer(c, timeout=3))
        self.assertEqual(self.get()[2], b"v2")

    def test_busy_connection_closed_after_its_response(self):
        # a request in flight on the old generation is answered with Connection: close
        o = socket.socket()
        o.bind(("127.0.0.1", 0))
        o.listen(4)
        cfg = self.config("v1") + "backend slow\n    server s 127.0.0.1:%d\n" % o.getsockname()[1]
        cfg = cfg.replace('string "v1"', 'string "v1" unless { path /slow }\n'
                                          '    use_backend slow if { path /slow }')
        self.cfg = self.write("sluice.cfg", cfg)
        self.proc = self.start(["-d", "-f", self.cfg])
        with harness.connect(self.port) as c:
            c.sendall(b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
            o.settimeout(5)
            srv, _ = o.accept()
            srv.settimeout(5)
            self.assertIn(b"GET /slow", srv.recv(1000))
            self.write("sluice.cfg", cfg.replace('"v1"', '"v2"'))
            self.proc.signal(signal.SIGHUP)
            self.proc.notify.wait_for("READY", "1", proc=self.proc.proc)
            srv.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            status, headers, body = harness.read_response(c)
            self.assertEqual((status, body), (200, b"ok"))
            self.assertEqual(headers.get("connection"), "close")
            self.assertTrue(harness.closed_by_peer(c, timeout=3))
            srv.close()
        o.close()

    def refused(self):
        """Is a connection to the port refused (listeners paused), within 5 s?"""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2):
                    pass
            except ConnectionRefusedError:
                return True
            except ConnectionResetError:
                pass  # queued just before the socket stopped listening: reset, as in HAProxy
            time.sleep(0.05)
        return False

    def test_sigttou_pauses_and_sigttin_resumes_listeners(self):
        self.launch(workers=2)
        self.assertEqual(self.get()[2], b"v1")
        self.proc.signal(signal.SIGTTOU)
        # the port is free: another process can bind it
        self.assertTrue(self.refused())
        with socket.socket() as other:
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            other.bind(("127.0.0.1", self.port))
        self.proc.signal(signal.SIGTTIN)
        # the master listens again once it has read the signal
        deadline = time.monotonic() + 5
        while True:
            try:
                self.assertEqual(self.get()[2], b"v1")
                break
            except ConnectionRefusedError:
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
        for _ in range(4):
            self.assertEqual(self.get()[2], b"v1")
        # a reload while paused resumes listening for the new generation
        self.proc.signal(signal.SIGTTOU)
        self.assertTrue(self.refused())
        self.reload_to("v2")
        self.assertEqual(self.get()[2], b"v2")
        self.assertIn("pausing listeners", self.proc.log())
        self.assertIn("resuming the paused listeners", self.proc.log())

    def test_systemd_socket_activation(self):
        # systemd's way: the socket bound and listening on fd 3, LISTEN_FDS=1 and LISTEN_PID
        # naming the process; sluice uses it for the bind with that address
        lsock = socket.socket()
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind(("127.0.0.1", self.port))
        lsock.listen(64)
        cfg = self.write("sluice.cfg", self.config("v1", workers=2))
        self.proc = harness.Process(
            ["-c", 'exec 3<&%d; LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" -d -f "$1"' % lsock.fileno(),
             harness.SLUICE, cfg], self.tmp, binary="/bin/sh", pass_fds=(lsock.fileno(),))
        self._procs.append(self.proc)
        self.proc.wait_ready()
        self.assertIn("using the socket systemd passed (fd 3)", self.proc.log())
        for _ in range(6):
            self.assertEqual(self.get()[2], b"v1")
        # a reload keeps serving on it
        self.reload_to("v2")
        self.assertEqual(self.get()[2], b"v2")
        lsock.close()

    def test_response_begun_before_reload_lets_next_request_through(self):
        # the head went out (keep-alive promised) before the stop; the client sends its next
        # request right after the body: it is answered (Connection: close), not reset
        o = socket.socket()
        o.bind(("127.0.0.1", 0))
        o.listen(4)
        cfg = self.config("v1") + "backend slow\n    server s 127.0.0.1:%d\n" % o.getsockname()[1]
        cfg = cfg.replace('string "v1"', 'string "v1" unless { path /slow }\n'
                                          '    use_backend slow if { path /slow }')
        self.cfg = self.write("sluice.cfg", cfg)
        self.proc = self.start(["-d", "-f", self.cfg])
        with harness.connect(self.port) as c:
            c.sendall(b"GET /slow HTTP/1.1\r\nHost: h\r\n\r\n")
            o.settimeout(5)
            srv, _ = o.accept()
            srv.settimeout(5)
            self.assertIn(b"GET /slow", srv.recv(1000))
            srv.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
            c.settimeout(5)
            self.assertIn(b"content-length: 2", c.recv(1000))
            self.write("sluice.cfg", cfg.replace('"v1"', '"v2"'))
            self.proc.signal(signal.SIGHUP)
            self.proc.notify.wait_for("READY", "1", proc=self.proc.proc)
            srv.sendall(b"ok")
            self.assertEqual(c.recv(10), b"ok")
            c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            status, headers, body = harness.read_response(c)
            self.assertEqual((status, headers.get("connection")), (200, "close"))
            self.assertIn(body, (b"v1", b"v2"))
            self.assertTrue(harness.closed_by_peer(c, timeout=3))
            srv.close()
        o.close()

    def test_fewer_workers_lose_no_queued_connection(self):
        """A reload to fewer workers closes the listening sockets of the slots that are gone;
        connections the kernel had queued on them move to the sockets that stay. The old
        workers are held (SIGSTOP) so that connections queue up on the socket of slot 3."""
        p = self.launch(workers=3)
        old = children(p.pid)
        for w in old:
            harness.freeze(w)
        clients = []
        try:
            self.reload_to("v2", workers=2)
            # spread over the three sockets by the kernel's hash: some wait on slot 3's
            clients = [harness.connect(self.port) for _ in range(30)]
        finally:
            for w in old:
                os.kill(w, signal.SIGCONT)
        for c in clients:
            with c:
                c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
                self.assertEqual(harness.read_response(c)[2], b"v2")

    def test_invalid_reload_keeps_serving(self):
        self.launch()
        self.write("sluice.cfg", "global\n    nbthred 2\n")
        self.proc.signal(signal.SIGHUP)
        self.proc.notify.wait_for("RELOADING", "1", proc=self.proc.proc)
        status = self.proc.notify.wait_for("STATUS", proc=self.proc.proc)
        while "failed" not in status:
            status = self.proc.notify.wait_for("STATUS", proc=self.proc.proc)
        self.assertIn("last reload failed", status)
        self.assertEqual(self.get()[2], b"v1")
        self.assertIn("did you mean 'nbthread'?", self.proc.log())

    def test_killed_worker_is_respawned(self):
        p = self.launch()
        before = children(p.pid)
        os.kill(before[0], signal.SIGKILL)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            now = children(p.pid)
            if len(now) == 2 and before[0] not in now:
                break
            time.sleep(0.05)
        now = children(p.pid)
        self.assertEqual(len(now), 2)
        self.assertNotIn(before[0], now)
        self.assertIn(before[1], now)
        for _ in range(4):
            self.assertEqual(self.get()[2], b"v1")
        self.assertIn("killed by signal 9", p.log())

    def test_soft_stop_with_a_connection_waiting(self):
        """A soft stop and a new connection reported in the same turn of the worker's loop,
        the stop first: the listener it closes must outlive the turn (the connection's event
        still names it)."""
        p = self.launch(workers=1)
        worker = children(p.pid)[0]
        harness.freeze(worker)
        os.kill(worker, signal.SIGUSR1)
        # the kernel completes the handshake and queues it on the stopped worker's socket
        c = harness.connect(self.port)
        os.kill(worker, signal.SIGCONT)
        try:
            line = "worker %d (slot 0) exited with status 0" % worker
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and line not in p.log():
                time.sleep(0.05)
            self.assertIn(line, p.log())
        finally:
            c.close()

    def test_soft_stop_closes_a_connection_that_sent_nothing(self):
        """A connection opened ahead of use (a browser's or a load balancer's pre-connect)
        is idle: a soft stop closes it after the 100 ms grace, not at its timeout (5 s)."""
        p = self.launch(workers=1)
        worker = children(p.pid)[0]
        c = harness.connect(self.port)
        time.sleep(0.3)  # accepted by the worker by now, and older than the grace
        t0 = time.monotonic()
        os.kill(worker, signal.SIGUSR1)
        try:
            self.assertTrue(harness.closed_by_peer(c, timeout=3))
            self.assertLess(time.monotonic() - t0, 3)
        finally:
            c.close()
        line = "worker %d (slot 0) exited with status 0" % worker
        self.assertEqual(len(p.log_lines(line, timeout=3)), 1, p.log())

    def test_dead_workers_server_slots_are_given_back(self):
        # a server with maxconn 1 whose only slot is held by a worker that gets killed
        o = socket.socket()
        o.bind(("127.0.0.1", 0))
        o.listen(8)
        cfg = (self.config("v1", workers=1).replace(
                   'string "v1"', 'string "v1" unless { path_beg /b }\n'
                                  '    use_backend b if { path_beg /b }')
               + "backend b\n    timeout queue 1s\n    server s 127.0.0.1:%d maxconn 1\n"
               % o.getsockname()[1])
        self.cfg = self.write("sluice.cfg", cfg)
        self.proc = self.start(["-d", "-f", self.cfg])
        with harness.connect(self.port) as c:
            c.sendall(b"GET /b1 HTTP/1.1\r\nHost: h\r\n\r\n")
            o.settimeout(5)
            srv, _ = o.accept()
            (worker,) = children(self.proc.pid)
            os.kill(worker, signal.SIGKILL)
            srv.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (len(children(self.proc.pid)) != 1
                                               or worker in children(self.proc.pid)):
            time.sleep(0.05)
        self.assertIn("gave back 1 server slots held by dead worker %d" % worker,
                      self.proc.log())
        # the slot is free again: the next request reaches the server instead of waiting
        with harness.connect(self.port) as c:
            c.sendall(b"GET /b2 HTTP/1.1\r\nHost: h\r\n\r\n")
            srv, _ = o.accept()
            srv.settimeout(5)
            self.assertIn(b"GET /b2", srv.recv(1000))
            srv.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            self.assertEqual(harness.read_response(c)[2], b"ok")
            srv.close()
        o.close()

    def test_reload_that_cannot_bind_keeps_the_server_state(self):
        # a reload that fails on a port in use must leave the generation that serves with
        # its own shared server state: a worker killed afterwards still has its server slot
        # given back, and the master still runs
        o = socket.socket()
        o.bind(("127.0.0.1", 0))
        o.listen(8)
        self.addCleanup(o.close)
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        self.addCleanup(busy.close)
        cfg = (self.config("v1", workers=1).replace(
                   'string "v1"', 'string "v1" unless { path_beg /b }\n'
                                  '    use_backend b if { path_beg /b }')
               + "backend b\n    timeout queue 1s\n    server s 127.0.0.1:%d maxconn 1\n"
               % o.getsockname()[1])
        self.cfg = self.write("sluice.cfg", cfg)
        self.proc = self.start(["-d", "-f", self.cfg])
        self.write("sluice.cfg", cfg.replace(
            "    bind 127.0.0.1:%d\n" % self.port,
            "    bind 127.0.0.1:%d\n    bind 127.0.0.1:%d\n" % (self.port,
                                                             busy.getsockname()[1])))
        self.proc.signal(signal.SIGHUP)
        self.proc.notify.wait_for("RELOADING", "1", proc=self.proc.proc)
        status = self.proc.notify.wait_for("STATUS", proc=self.proc.proc)
        while "failed" not in status:
            status = self.proc.notify.wait_for("STATUS", proc=self.proc.proc)
        self.assertIn("cannot bind or map", status)
        with harness.connect(self.port) as c:
            c.sendall(b"GET /b1 HTTP/1.1\r\nHost: h\r\n\r\n")
            o.settimeout(5)
            srv, _ = o.accept()
            (worker,) = children(self.proc.pid)
            os.kill(worker, signal.SIGKILL)
            srv.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (len(children(self.proc.pid)) != 1
                                               or worker in children(self.proc.pid)):
            time.sleep(0.05)
        self.assertIsNone(self.proc.proc.poll())
        self.assertIn("gave back 1 server slots held by dead worker %d" % worker,
                      self.proc.log())
        self.assertEqual(self.get()[2], b"v1")

    def test_hard_stop_after_ends_old_generation(self):
        o = socket.socket()
        o.bind(("127.0.0.1", 0))
        o.listen(4)
        tcp_port = harness.free_port()
        extra = ("listen tunnel\n    mode tcp\n    bind 127.0.0.1:%d\n    timeout tunnel 1h\n"
                 "    server s 127.0.0.1:%d\n" % (tcp_port, o.getsockname()[1]))
        self.cfg = self.write("sluice.cfg", self.config("v1", extra_global="    hard-stop-after 500ms")
                              + extra)
        self.proc = self.start(["-d", "-f", self.cfg])
        with harness.connect(tcp_port) as c:
            o.settimeout(5)
            srv, _ = o.accept()
            c.sendall(b"x")
            srv.settimeout(5)
            self.assertEqual(srv.recv(1), b"x")
            old = children(self.proc.pid)
            self.write("sluice.cfg", self.config("v2", extra_global="    hard-stop-after 500ms")
                       + extra)
            self.proc.signal(signal.SIGHUP)
            self.proc.notify.wait_for("READY", "1", proc=self.proc.proc)
            t0 = time.monotonic()
            self.assertTrue(harness.closed_by_peer(c, timeout=5))
            self.assertLess(time.monotonic() - t0, 3)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and any(p in children(self.proc.pid) for p in old):
                time.sleep(0.05)
            self.assertFalse(any(p in children(self.proc.pid) for p in old))
            self.assertIn("hard-stop-after", self.proc.log())
            srv.close()
        o.close()

    def test_notify_sequence(self):
        """Start, reload, failed reload and stop send exactly the specified notifications."""
        self.cfg = self.write("sluice.cfg", self.config("v1"))
        p = harness.Process(["-d", "-f", self.cfg], self.tmp)
        self._procs.append(p)

        def fields(msg):
            return dict(l.split("=", 1) for l in msg.splitlines())

        def expect(keys, **values):
            f = fields(p.notify.next_message())
            self.assertEqual(sorted(f), sorted(keys), f)
            for k, v in values.items():
                self.assertRegex(f[k], v)
            return f

        expect(["READY", "MAINPID", "STATUS"], READY="^1$", MAINPID="^%d$" % p.pid,
               STATUS="^generation 1 serving with 2 workers$")
        self.write("sluice.cfg", self.config("v2"))
        p.signal(signal.SIGHUP)
        expect(["RELOADING", "MONOTONIC_USEC", "STATUS"], RELOADING="^1$",
               MONOTONIC_USEC=r"^\d+$", STATUS="^reloading$")
        expect(["READY", "STATUS"], READY="^1$",
               STATUS="^generation 2 serving with 2 workers; last reload succeeded$")
        self.write("sluice.cfg", "global\n    nbthred 2\n")
        p.signal(signal.SIGHUP)
        expect(["RELOADING", "MONOTONIC_USEC", "STATUS"], RELOADING="^1$")
        expect(["READY", "STATUS"], READY="^1$",
               STATUS="^generation 2 serving; last reload failed: invalid configuration$")
        p.signal(signal.SIGTERM)
        expect(["STOPPING"], STOPPING="^1$")
        # outside master-worker mode (no -W), HAProxy dies of the signal
        self.assertEqual(p.proc.wait(timeout=10), -signal.SIGTERM)
        with self.assertRaises(socket.timeout):
            p.notify.next_message(timeout=0.3)

    def test_master_does_not_grow_over_reloads(self):
        p = self.launch(workers=1)
        fds = lambda: len(os.listdir("/proc/%d/fd" % p.pid))

        def rss():
            with open("/proc/%d/status" % p.pid) as f:
                return int([l for l in f if l.startswith("VmRSS:")][0].split()[1])

        for i in range(5):
            self.reload_to("warm%d" % i, workers=1)
        fd0, rss0 = fds(), rss()
        for i in range(50):
            self.reload_to("v%d" % i, workers=1)
        # let the last old generation go
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and len(children(p.pid)) > 1:
            time.sleep(0.05)
        self.assertLessEqual(fds(), fd0)
        self.assertLess(rss(), rss0 + 512, "master RSS grew by more than 512 KiB")

    def test_workers_drop_to_configured_user(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to switch users")
        p = self.launch(workers=1, extra_global="    user nobody\n    group nogroup")
        self.assertEqual(self.get()[2], b"v1")
        (worker,) = children(p.pid)
        with open("/proc/%d/status" % worker) as f:
            uids = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
        with open("/proc/%d/status" % p.pid) as f:
            master_uids = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
        import pwd
        nobody = pwd.getpwnam("nobody").pw_uid
        self.assertEqual(set(int(u) for u in uids), {nobody})
        self.assertEqual(int(master_uids[0]), 0)

    def test_reloads_under_keepalive_load(self):
        """Keep-alive clients that send requests back to back across reloads. A request on a
        connection the old generation gives up is answered (with Connection: close) before
        it closes; only a request sent on a reused connection at the very moment an idle one
        is closed can meet the close, and HTTP/1.1 clients retry exactly that case (RFC 9112
        9.3.1) on a new connection. Nothing else may fail."""
        self.launch(workers=2)
        stop = threading.Event()
        results = {"ok": 0, "fail": 0, "retried": 0}
        lock = threading.Lock()

        def count(key):
            with lock:
                results[key] += 1

        def load():
            deadline = time.monotonic() + 60
            harness.keepalive_requests(
                self.port, lambda: not stop.is_set() and time.monotonic() < deadline, count)

        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            for i in range(30):
                # traffic between every two reloads, whatever the machine's load (rather
                # than what the reloads' own pace let through)
                progress(results, "ok", 40, threads)
                self.reload_to("k%d" % i)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=70)
        self.assertGreater(results["ok"], 1000)
        self.assertEqual(results["fail"], 0, results)
        print("# keep-alive clients across 30 reloads: %d requests, %d failed, %d retried"
              % (results["ok"], results["fail"], results["retried"]))

    def test_reloads_under_load(self):
        self.launch(workers=2)
        stop = threading.Event()
        results = {"ok": 0, "fail": 0}

        def load():
            deadline = time.monotonic() + 60
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    r = self.get()
                    results["ok" if r and r[0] == 200 else "fail"] += 1
                except OSError:
                    results["fail"] += 1

        t = threading.Thread(target=load)
        t.start()
        try:
            for i in range(30):
                # traffic between every two reloads, whatever the machine's load
                progress(results, "ok", 4, [t])
                self.reload_to("v%d" % (i + 2))
        finally:
            stop.set()
            t.join(timeout=70)
        self.assertGreater(results["ok"], 100)
        self.assertEqual(results["fail"], 0, results)
        print("# reloads under load: 30 reloads, %d requests, %d failed"
              % (results["ok"], results["fail"]))


class Control(harness.TestCase):
    """The control socket (-S), `sluice reload`, and HAProxy's start-script flags."""

    def setUp(self):
        super().setUp()
        self.port = harness.free_port()
        self.sock = os.path.join(self.tmp, "master.sock")

    def config(self, version):
        return CONFIG % {"workers": 1, "port": self.port, "version": version, "global": ""}

    def ctl(self, command):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(self.sock)
            s.sendall(command.encode() + b"\n")
            out = b""
            while True:
                d = s.recv(4096)
                if not d:
                    return out.decode()
                out += d

    def get(self):
        return harness.request(self.port, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")

    def test_reload_command_reports_success_and_failure(self):
        cfg = self.write("sluice.cfg", self.config("v1"))
        self.start(["-f", cfg, "-S", self.sock + ",mode,600"])
        self.assertEqual(os.stat(self.sock).st_mode & 0o777, 0o600)
        self.write("sluice.cfg", self.config("v2"))
        r = harness.run(["-S", self.sock, "reload"], timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(r.stdout.startswith("Success=1\n--\n"), r.stdout)
        self.assertEqual(self.get()[2], b"v2")
        self.write("sluice.cfg", "global\n    nbthred 1\n")
        r = harness.run(["-S", self.sock, "reload"], timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stdout.startswith("Success=0\n--\n"), r.stdout)
        self.assertIn("sluice.cfg:2:5: unknown keyword 'nbthred'", r.stdout)
        self.assertEqual(self.get()[2], b"v2")

    def test_reload_whose_workers_cannot_start_fails(self):
        """A valid configuration whose workers cannot start (here: an unknown user) fails the
        reload: generation 2 is stopped, generation 1 keeps serving and stays the current one,
        and the next reload works."""
        if os.geteuid() != 0:
            self.skipTest("needs root: workers switch users only when started as root")
        cfg = self.write("sluice.cfg", self.config("v1"))
        p = self.start(["-f", cfg, "-S", self.sock])
        before = children(p.pid)
        self.write("sluice.cfg", CONFIG % {"workers": 2, "port": self.port, "version": "v2",
                                           "global": "    user no-such-user-for-sluice"})
        r = harness.run(["-S", self.sock, "reload"], timeout=30)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertTrue(r.stdout.startswith("Success=0\n--\n"), r.stdout)
        self.assertIn("generation 2 cannot start", r.stdout)
        self.assertEqual(self.get()[2], b"v1")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and children(p.pid) != before:
            time.sleep(0.05)
        self.assertEqual(children(p.pid), before)
        self.write("sluice.cfg", self.config("v3"))
        r = harness.run(["-S", self.sock, "reload"], timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.get()[2], b"v3")
        self.assertIn("reload failed: generation 2 cannot start", p.log())

    def test_start_fails_when_workers_cannot_start(self):
        if os.geteuid() != 0:
            self.skipTest("needs root: workers switch users only when started as root")
        cfg = self.write("sluice.cfg", CONFIG % {"workers": 2, "port": self.port,
                                                 "version": "v1",
                                                 "global": "    user no-such-user-for-sluice"})
        r = harness.run(["-d", "-f", cfg], timeout=20)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("unknown user 'no-such-user-for-sluice'", r.stderr)
        self.assertIn("cannot start: a worker exited before it was ready", r.stderr)

    def test_control_clients_bounded(self):
        """Clients that never send their command are limited in number and in time, so they
        cannot take the master's files."""
        cfg = self.write("sluice.cfg", self.config("v1"))
        self.start(["-f", cfg, "-S", self.sock])
        idle = []
        try:
            for _ in range(32):
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                idle.append(s)
                # the master accepts a batch per wakeup: a full backlog says try again
                deadline = time.monotonic() + 10
                while True:
                    try:
                        s.connect(self.sock)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.01)
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(10)
                s.connect(self.sock)
                self.assertEqual(s.recv(100), b"Too many clients; try again\n")
            idle.pop().close()
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and "master" not in self.ctl("show proc"):
                time.sleep(0.05)
            self.assertIn("master", self.ctl("show proc"))
            # the idle ones are closed after 10 s without a command
            idle[0].settimeout(15)
            started = time.monotonic()
            self.assertEqual(idle[0].recv(100), b"")
            self.assertGreater(time.monotonic() - started, 5)
        finally:
            for s in idle:
                s.close()

    def test_control_socket_out_of_files(self):
        """The master cannot accept a control client for want of a file: it does not spin
        on the socket, and answers once files are free."""
        import resource
        cfg = self.write("sluice.cfg", self.config("v1"))
        p = self.start(["-f", cfg, "-S", self.sock])
        soft, hard = resource.prlimit(p.pid, resource.RLIMIT_NOFILE)
        fds = set(int(f) for f in os.listdir("/proc/%d/fd" % p.pid))
        resource.prlimit(p.pid, resource.RLIMIT_NOFILE,
                         (min(set(range(len(fds) + 1)) - fds), hard))
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(self.sock)
            s.sendall(b"show proc\n")
            t0 = harness.cpu_ticks(p.pid)
            time.sleep(0.5)
            self.assertLess(harness.cpu_ticks(p.pid) - t0, os.sysconf("SC_CLK_TCK") // 10)
            resource.prlimit(p.pid, resource.RLIMIT_NOFILE, (soft, hard))
            # the answer may come in several segments: read it all
            got = b""
            while b"master" not in got:
                d = s.recv(4096)
                if not d:
                    break
                got += d
            self.assertIn(b"master", got)

    def test_reload_runs_an_upgraded_binary(self):
        import shutil
        binary = os.path.join(self.tmp, "bin", "sluice")
        os.makedirs(os.path.dirname(binary))
        shutil.copy(harness.SLUICE, binary)
        cfg = self.write("sluice.cfg", self.config("v1"))
        p = harness.Process(["-f", cfg, "-S", self.sock], self.tmp, binary=binary)
        self._procs.append(p)
        p.wait_ready()
        # a package upgrade replaces the file: the running image is now a deleted file
        shutil.copy(harness.SLUICE, binary + ".new")
        os.rename(binary + ".new", binary)
        self.assertTrue(os.readlink("/proc/%d/exe" % p.pid).endswith("(deleted)"))
        self.write("sluice.cfg", self.config("v2"))
        r = harness.run(["-S", self.sock, "reload"], timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(os.readlink("/proc/%d/exe" % p.pid), binary)
        self.assertEqual(os.stat("/proc/%d/exe" % p.pid).st_ino, os.stat(binary).st_ino)
        self.assertEqual(self.get()[2], b"v2")
        self.assertIn("master re-executed", p.log())

    def test_show_proc(self):
        cfg = self.write("sluice.cfg", self.config("v1"))
        p = self.start(["-f", cfg, "-S", self.sock])
        out = self.ctl("show proc")
        lines = out.splitlines()
        self.assertTrue(lines[0].startswith("#<PID>"))
        self.assertRegex(lines[1], r"^%d +master +0 " % p.pid)
        self.assertEqual(len([l for l in lines if " worker " in l]), 1)
        self.assertIn("Unknown command", self.ctl("frobnicate"))

    def test_commands_forwarded_to_workers(self):
        cfg = self.write("sluice.cfg", (CONFIG % {
            "workers": 2, "port": self.port, "version": "v1", "global": ""}).replace(
            "    http-request return",
            "    stick-table type ip size 1k expire 1m store http_req_cnt,gpc0\n"
            "    http-request track-sc0 src\n    http-request return"))
        p = self.start(["-f", cfg, "-S", self.sock])
        workers = sorted(children(p.pid))
        for _ in range(3):
            self.assertEqual(self.get()[2], b"v1")
        info = self.ctl("@1 show info")
        pid1 = int(re.search(r"^Pid: (\d+)$", info, re.M).group(1))
        self.assertIn(pid1, workers)
        self.assertIn("Pid: %d\n" % pid1, self.ctl("@!%d show info" % pid1))
        pid2 = int(re.search(r"^Pid: (\d+)$", self.ctl("@2 show info"), re.M).group(1))
        self.assertEqual(sorted([pid1, pid2]), workers)
        # both workers see the one shared table: three requests counted whoever served them
        for n in (1, 2):
            out = self.ctl("@%d show table fe" % n)
            self.assertIn("# table: fe, type: ip, size:1024, used:1", out)
            self.assertRegex(out, r"key=127\.0\.0\.1 use=0 exp=\d+ shard=0 gpc0=0 "
                                  r"http_req_cnt=3\n")
        self.assertEqual(self.ctl("@1 set table fe key 10.0.0.1 data.gpc0 7"), "")
        out = self.ctl("@2 show table fe data.gpc0 gt 5")
        self.assertIn("key=10.0.0.1 ", out)
        self.assertNotIn("key=127.0.0.1", out)
        self.assertEqual(self.ctl("@2 clear table fe key 10.0.0.1"), "")
        self.assertNotIn("10.0.0.1", self.ctl("@1 show table fe"))
        self.assertIn("No such table", self.ctl("@1 show table nosuch"))
        self.assertIn("No such worker", self.ctl("@3 show info"))
        self.assertIn("Unknown command", self.ctl("@1 frobnicate"))
        self.assertIn("show table", self.ctl("@1 help"))

    def test_reload_without_master(self):
        r = harness.run(["-S", self.sock, "reload"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach the master", r.stderr)

    def test_daemon_and_pidfile(self):
        cfg = self.write("sluice.cfg", self.config("v1"))
        pidfile = os.path.join(self.tmp, "sluice.pid")
        pid = None
        try:
            r = harness.run(["-D", "-p", pidfile, "-f", cfg], timeout=20)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(pidfile) as f:
                pid = int(f.read())
            self.assertEqual(self.get()[2], b"v1")
        finally:
            # whatever happened, the detached master (and its workers) must not outlive us
            if pid is None:
                try:
                    with open(pidfile) as f:
                        pid = int(f.read())
                except (OSError, ValueError):
                    pass
            if pid:
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and os.path.exists("/proc/%d" % pid):
            time.sleep(0.05)
        self.assertFalse(os.path.exists("/proc/%d" % pid))
        self.assertFalse(os.path.exists(pidfile))

    def test_sf_hands_over(self):
        cfg = self.write("sluice.cfg", self.config("v1"))
        old = self.start(["-d", "-f", cfg])
        self.assertEqual(self.get()[2], b"v1")
        cfg2 = self.write("new/sluice.cfg", self.config("v2"))
        new = harness.Process(["-d", "-f", cfg2, "-sf", str(old.pid)],
                              os.path.join(self.tmp, "new"))
        self._procs.append(new)
        new.wait_ready()
        self.assertEqual(old.proc.wait(timeout=10), 0)
        self.assertEqual(self.get()[2], b"v2")


if __name__ == "__main__":
    harness.main()
