"""Process-level settings: the global section's process keywords (stats sockets, cpu-map,
log-send-hostname, master-worker) and the command line's -dM, -m, -S fd@N and signals."""

import os
import re
import signal
import socket
import subprocess
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

frontend fe
    bind 127.0.0.1:%(port)d
    http-request return status 200 content-type text/plain string "ok"
"""


class Base(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.port = harness.free_port()

    def config(self, extra_global="", workers=1):
        return CONFIG % {"workers": workers, "port": self.port, "global": extra_global}

    def get(self):
        return harness.request(self.port, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")


    def start_with(self, args, pass_fds=()):
        """Start sluice with @args, handing it @pass_fds open."""
        # each process its own directory: its notify socket's path is fixed there
        self.n_started = getattr(self, "n_started", 0) + 1
        workdir = os.path.join(self.tmp, "p%d" % self.n_started)
        os.makedirs(workdir)
        p = harness.Process(args, workdir, pass_fds=pass_fds)
        self._procs.append(p)
        p.wait_ready()
        return p

    def listener(self, kind):
        """A listening socket of @kind ("unix" or "tcp") to hand over, and its address."""
        if kind == "unix":
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            addr = os.path.join(self.tmp, "inherited.sock")
            s.bind(addr)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((harness.LOOPBACK, 0))
            addr = s.getsockname()
        s.listen(16)
        self.addCleanup(s.close)
        return s, addr


def connect(addr, timeout=harness.DEFAULT_TIMEOUT):
    family = socket.AF_UNIX if isinstance(addr, str) else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(addr)
    return s


def read_all(s):
    return harness.read_until_closed(s).decode()


def ask(addr, text, half_close=False):
    """Send @text on a new connection (then shut down the write side if @half_close) and
    read the answer until the peer closes."""
    with connect(addr) as s:
        s.sendall(text.encode())
        if half_close:
            s.shutdown(socket.SHUT_WR)
        return read_all(s)


def pid_of(info):
    return int(re.search(r"^Pid: (\d+)$", info, re.M).group(1))


class StatsSocket(Base):
    """stats socket: the runtime API, served by the master for the whole node."""

    def test_fd_unix_and_tcp(self):
        """stats socket fd@N: a listening socket the parent passed, Unix or TCP."""
        for kind in ("unix", "tcp"):
            with self.subTest(kind=kind):
                lsock, addr = self.listener(kind)
                cfg = self.write("sluice.cfg", self.config(
                    "    stats socket fd@%d level admin\n" % lsock.fileno(), workers=2))
                p = self.start_with(["-d", "-f", cfg], pass_fds=[lsock.fileno()])
                info = ask(addr, "show info\n")
                # the master answers, for both workers
                self.assertEqual(pid_of(info), p.pid)
                self.assertIn("\nWorkers: 2\n", info)
                self.assertIn("\nGeneration: 1\n", info)
                self.assertTrue(info.endswith("\n\n"), info)
                # the same socket answers across a reload, for the next generation
                p.signal(signal.SIGHUP)
                p.notify.wait_for("READY", "1", proc=p.proc)
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and \
                        "\nGeneration: 2\n" not in ask(addr, "show info\n"):
                    time.sleep(0.05)
                self.assertIn("\nGeneration: 2\n", ask(addr, "show info\n"))
                self.assertEqual(p.stop(), -signal.SIGTERM)
                self._procs.remove(p)
                lsock.close()
                if kind == "unix":
                    os.unlink(addr)

    def test_fd_not_listening(self):
        cfg = self.write("sluice.cfg", self.config("    stats socket fd@0\n"))
        r = harness.run(["-d", "-f", cfg], timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("stats socket: fd@0 is not a listening socket", r.stderr)

    def test_levels_commands_and_prompt(self):
        user = os.path.join(self.tmp, "user.sock")
        oper = os.path.join(self.tmp, "oper.sock")
        cfg = self.config("    stats socket %s mode 600\n    stats socket %s level operator\n"
                          % (user, oper))
        cfg = cfg.replace("    http-request return",
                          "    stick-table type ip size 1k store gpc0\n"
                          "    http-request track-sc0 src\n    http-request return")
        self.start_config(cfg)
        self.assertEqual(os.stat(user).st_mode & 0o777, 0o600)
        self.assertEqual(ask(user, "set table fe key 10.0.0.1 data.gpc0 3\n"),
                         "Permission denied\n\n")
        self.assertEqual(ask(oper, "set table fe key 10.0.0.1 data.gpc0 3\n"), "\n")
        self.assertEqual(ask(user, "show table fe\n"),
                         "# table: fe, type: ip, size:1024, used:1\n"
                         "# contents not dumped due to insufficient privileges\n\n")
        self.assertIn("key=10.0.0.1 ", ask(oper, "show table fe\n"))
        # several commands on a line, each answered with an empty line after it
        self.assertEqual(ask(user, "show table;show table\n"),
                         "# table: fe, type: ip, size:1024, used:1\n\n" * 2)
        # a command without its newline is not a command
        self.assertEqual(ask(user, "show table", half_close=True), "")
        self.assertEqual(ask(user, "show table\n", half_close=True),
                         "# table: fe, type: ip, size:1024, used:1\n\n")
        # interactive: a prompt after each answer, until quit
        with connect(user) as s:
            s.sendall(b"prompt\n")
            self.assertEqual(s.recv(100), b"\n> ")
            s.sendall(b"show table\n")
            got = b""
            while not got.endswith(b"\n> "):
                got += s.recv(100)
            self.assertEqual(got, b"# table: fe, type: ip, size:1024, used:1\n\n> ")
            s.sendall(b"quit\n")
            self.assertEqual(read_all(s), "")

    def idle_close_after(self, extra, interactive=False):
        """Seconds until a client that sends nothing (or nothing after "prompt") is closed."""
        sock = os.path.join(self.tmp, "stats.sock")
        self.start_config(self.config("    stats socket %s\n%s" % (sock, extra)))
        with connect(sock, timeout=30) as s:
            if interactive:
                s.sendall(b"prompt\n")
                self.assertEqual(s.recv(100), b"\n> ")
            t0 = time.monotonic()
            self.assertEqual(s.recv(100), b"")
            return time.monotonic() - t0

    def test_stats_timeout(self):
        """stats timeout: an idle client is closed after that long (default 10 s)."""
        self.assertGreater(self.idle_close_after(""), 9)

    def test_stats_timeout_set(self):
        took = self.idle_close_after("    stats timeout 1500ms\n")
        self.assertGreater(took, 1.3)
        self.assertLess(took, 4)

    def test_stats_timeout_interactive(self):
        took = self.idle_close_after("    stats timeout 1s\n", interactive=True)
        self.assertGreater(took, 0.8)
        self.assertLess(took, 3)


class MasterSocket(Base):
    """-S: the master CLI on a path or on an inherited listening socket (fd@N, as VTest)."""

    def check_forwarded(self, addr):
        for half_close in (False, True):
            with self.subTest(half_close=half_close):
                info = ask(addr, "@1 show info\n", half_close=half_close)
                self.assertIn("Name: sluice\n", info)
                self.assertIn("master", ask(addr, "show proc\n", half_close=half_close))

    def test_path(self):
        sock = os.path.join(self.tmp, "master.sock")
        cfg = self.write("sluice.cfg", self.config())
        self.start_with(["-d", "-f", cfg, "-S", sock])
        self.check_forwarded(sock)

    def test_inherited_fd(self):
        """A client that half-closes right after its command gets its answer: the inherited
        socket may be blocking, and an accept() on it must never wait."""
        for kind in ("unix", "tcp"):
            with self.subTest(kind=kind):
                lsock, addr = self.listener(kind)
                self.assertEqual(lsock.getblocking(), True)
                cfg = self.write("sluice.cfg", self.config())
                p = self.start_with(["-d", "-f", cfg, "-S", "fd@%d" % lsock.fileno()],
                                    pass_fds=[lsock.fileno()])
                self.check_forwarded(addr)
                # several clients at once: none waits for another
                conns = [connect(addr) for _ in range(3)]
                for c in conns:
                    c.sendall(b"show proc\n")
                for c in conns:
                    self.assertIn("master", read_all(c))
                    c.close()
                p.stop()
                self._procs.remove(p)
                lsock.close()
                if kind == "unix":
                    os.unlink(addr)


class Signals(Base):
    """SIGINT and SIGTERM: outside master-worker mode sluice dies of the signal, as HAProxy;
    with -W, -Ws or master-worker it exits with 128 + the signal."""

    def stop_with(self, sig, args, extra=""):
        cfg = self.write("sluice.cfg", self.config(extra, workers=2))
        p = self.start_with(args + ["-f", cfg])
        workers = harness.children(p.pid)
        self.assertEqual(len(workers), 2)
        os.kill(p.pid, sig)
        p.proc.wait(timeout=harness.DEFAULT_TIMEOUT)
        code = p.stop()
        for w in workers:
            self.assertFalse(os.path.exists("/proc/%d" % w), "worker %d left running" % w)
        self._procs.remove(p)
        return code

    def test_plain_foreground_dies_of_the_signal(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            for args in (["-d"], ["-db"], []):
                with self.subTest(sig=sig, args=args):
                    self.assertEqual(self.stop_with(sig, args), -sig)

    def test_master_worker_exit_status(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            for args, extra in ((["-d", "-W"], ""), (["-db", "-Ws"], ""),
                                (["-d"], "    master-worker\n")):
                with self.subTest(sig=sig, args=args, extra=extra):
                    self.assertEqual(self.stop_with(sig, args, extra), 128 + sig)


def cpus_allowed(pid):
    with open("/proc/%d/status" % pid) as f:
        return re.search(r"^Cpus_allowed_list:\s*(\S+)$", f.read(), re.M).group(1)


class CpuMap(Base):
    """cpu-map: worker N is HAProxy's thread N, bound with sched_setaffinity()."""

    def setUp(self):
        super().setUp()
        if len(os.sched_getaffinity(0)) < 2 or not {0, 1} <= os.sched_getaffinity(0):
            self.skipTest("needs CPUs 0 and 1")
        self.sock = os.path.join(self.tmp, "master.sock")

    def worker_cpus(self, n):
        """Each worker's (1..n of the current generation) allowed CPUs."""
        return [cpus_allowed(pid_of(ask(self.sock, "@%d show info\n" % i)))
                for i in range(1, n + 1)]

    def test_auto_and_all(self):
        cfg = self.write("sluice.cfg", self.config("    cpu-map auto:1/1-2 0-1\n", workers=2))
        p = self.start_with(["-d", "-f", cfg, "-S", self.sock])
        self.assertEqual(self.worker_cpus(2), ["0", "1"])
        # the master itself stays unbound
        self.assertEqual(cpus_allowed(p.pid), cpus_allowed(os.getpid()))
        # a reload binds the new generation with the new map
        self.write("sluice.cfg", self.config("    cpu-map 1/all 1\n", workers=2))
        p.signal(signal.SIGHUP)
        p.notify.wait_for("READY", "1", proc=p.proc)
        self.assertEqual(self.worker_cpus(2), ["1", "1"])

    def test_process_and_thread_lines(self):
        """A worker's own CPUs within the process's; the process's when they do not meet."""
        cfg = self.write("sluice.cfg", self.config(
            "    cpu-map 1 1\n    cpu-map 1/1 0-1\n    cpu-map 1/2 0\n", workers=3))
        self.start_with(["-d", "-f", cfg, "-S", self.sock])
        self.assertEqual(self.worker_cpus(3), ["1", "1", "1"])

    def test_unknown_cpu_runs_unbound(self):
        cfg = self.write("sluice.cfg", self.config("    cpu-map 1/1 1000\n"))
        p = self.start_with(["-d", "-f", cfg, "-S", self.sock])
        self.assertEqual(self.worker_cpus(1), [cpus_allowed(os.getpid())])
        self.assertIn("worker 1: cannot bind to CPU 1000 (cpu-map); running unbound", p.log())
        self.assertEqual(self.get()[0], 200)


def heap_has_run(pid, byte, length):
    """Whether the writable private memory of process @pid holds @length bytes @byte in a
    row; None when it cannot be read."""
    want = bytes([byte]) * length
    try:
        maps = open("/proc/%d/maps" % pid).read().splitlines()
        mem = open("/proc/%d/mem" % pid, "rb")
    except OSError:
        return None
    with mem:
        for line in maps:
            fields = line.split()
            if not fields[1].startswith("rw") or (len(fields) > 5 and fields[5].startswith("/")):
                continue
            lo, hi = (int(x, 16) for x in fields[0].split("-"))
            if hi - lo > 256 << 20:
                continue
            try:
                mem.seek(lo)
                if want in mem.read(hi - lo):
                    return True
            except OSError:
                continue
    return False


class MemoryDebug(Base):
    """-dM: the workers' pools poison, check and tag their objects, as HAProxy's."""

    def serve_once(self, args):
        sock = os.path.join(self.tmp, "m%d.sock" % len(args))
        cfg = self.write("sluice.cfg", self.config("    tune.bufsize 16384\n"))
        p = self.start_with(["-d", "-f", cfg, "-S", sock] + args)
        # one request through a client buffer, which then goes back to the pool
        self.assertEqual(self.get()[2], b"ok")
        return p, pid_of(ask(sock, "@1 show info\n"))

    def test_freed_buffers_hold_the_byte(self):
        p, worker = self.serve_once(["-dM0x41"])
        found = heap_has_run(worker, 0x41, 16000)
        if found is None:
            self.skipTest("cannot read the worker's memory")
        self.assertTrue(found, "no buffer of 0x41 bytes in the worker's memory")
        p.stop()
        self._procs.remove(p)
        # the same without -dM: no such run
        p, worker = self.serve_once([])
        self.assertFalse(heap_has_run(worker, 0x41, 16000))

    def test_traffic_under_every_check(self):
        """Bodies through a server, with every check on: nothing trips, nothing leaks."""
        import origin
        o = origin.Origin("o")
        self.addCleanup(o.stop)
        sock = os.path.join(self.tmp, "master.sock")
        cfg = self.write("sluice.cfg", CONFIG.split("frontend")[0] % {
            "workers": 1, "port": self.port, "global": "    tune.bufsize 4096\n"} +
            "frontend fe\n    bind 127.0.0.1:%d\n    default_backend be\n"
            "backend be\n    server s1 127.0.0.1:%d\n" % (self.port, o.port))
        p = self.start_with(["-d", "-f", cfg, "-S", sock,
                             "-dM0x33,integrity,tag,cold-first", "-dMno-merge"])
        worker = pid_of(ask(sock, "@1 show info\n"))
        body = bytes(range(256)) * 100
        for i in range(20):
            with harness.connect(self.port) as c:
                c.sendall(b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n"
                          % len(body) + body)
                status, _, got = harness.read_response(c)
                self.assertEqual((status, got), (200, body))
            self.assertEqual(self.get()[0], 200)
        self.assertEqual(pid_of(ask(sock, "@1 show info\n")), worker)
        self.assertIn("'no-merge' changes nothing", p.log())
        self.assertNotIn("killed by signal", p.log())

    def test_help_and_errors(self):
        r = harness.run(["-dMhelp"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("    integrity      |* no-integrity   |", r.stdout)
        r = harness.run(["-dM0x41,tag,help"])
        self.assertIn("  * tag            |  no-tag         |", r.stdout)
        r = harness.run(["-dMfrob"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("-dM: unknown pool debugging feature <frob>", r.stderr)


def built_with_asan():
    """AddressSanitizer reserves terabytes of address space: no RLIMIT_AS can hold it."""
    with open(harness.SLUICE, "rb") as f:
        return b"__asan_init" in f.read()


class MemoryLimit(Base):
    """-m: each worker's address space is limited (RLIMIT_AS), as HAProxy limits its process;
    running out fails allocations, never the worker."""

    def setUp(self):
        super().setUp()
        if built_with_asan():
            self.skipTest("an AddressSanitizer build maps more than any limit")

    def limits(self, pid):
        with open("/proc/%d/limits" % pid) as f:
            return re.search(r"^Max address space\s+(\S+)\s+(\S+)", f.read(), re.M).groups()

    def test_limit_and_derived_maxconn(self):
        sock = os.path.join(self.tmp, "master.sock")
        cfg = self.write("sluice.cfg", self.config("    tune.bufsize 1m\n"))
        p = self.start_with(["-d", "-f", cfg, "-S", sock, "-m", "40"])
        info = ask(sock, "@1 show info\n")
        self.assertIn("Memmax_MB: 40\n", info)
        self.assertEqual(self.limits(pid_of(info)), (str(40 << 20),) * 2)
        # the master is not limited: it re-reads configurations and forks
        self.assertEqual(self.limits(p.pid)[0], "unlimited")
        # no maxconn given: what fits in the memory left, two 1 MiB buffers a connection
        maxconn = int(re.search(r"^Maxconn: (\d+)$", info, re.M).group(1))
        self.assertGreaterEqual(maxconn, 1)
        self.assertLess(maxconn, 20)

    def test_out_of_memory_is_survived(self):
        """More clients holding a 1 MiB buffer than the limit allows: those without memory
        wait or are refused, the worker lives on and serves once they are gone."""
        sock = os.path.join(self.tmp, "master.sock")
        cfg = self.write("sluice.cfg", self.config("    maxconn 1000\n    tune.bufsize 1m\n"))
        # the limit leaves the worker's own answers room to grow its heap once the clients'
        # buffers took the rest (the binary with c-ares maps some 100 KB more than 24 MB had
        # room for)
        p = self.start_with(["-d", "-f", cfg, "-S", sock, "-m", "26"])
        worker = pid_of(ask(sock, "@1 show info\n"))
        clients = []
        try:
            for _ in range(40):
                c = socket.create_connection((harness.LOOPBACK, self.port), timeout=5)
                clients.append(c)
                # an incomplete head: the worker keeps a buffer for it
                c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n")
            deadline = time.monotonic() + 10
            info = ""
            while time.monotonic() < deadline:
                info = ask(sock, "@1 show info\n")
                if int(re.search(r"^PoolFailed: (\d+)$", info, re.M).group(1)) > 0:
                    break
                time.sleep(0.1)
            self.assertGreater(int(re.search(r"^PoolFailed: (\d+)$", info, re.M).group(1)), 0)
            with open("/proc/%d/status" % worker) as f:
                peak = int(re.search(r"^VmPeak:\s+(\d+) kB", f.read(), re.M).group(1))
            self.assertLessEqual(peak, 26 << 10)
        finally:
            for c in clients:
                c.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "CurrConns: 0\n" not in ask(sock, "@1 show info\n"):
            time.sleep(0.1)
        self.assertEqual(self.get()[2], b"ok")
        self.assertEqual(pid_of(ask(sock, "@1 show info\n")), worker)
        self.assertNotIn("killed by signal", p.log())

    def test_too_small_fails_to_start(self):
        cfg = self.write("sluice.cfg", self.config())
        r = harness.run(["-d", "-f", cfg, "-m", "2"], timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("-m 2: the worker already maps", r.stderr)
        r = harness.run(["-m", "0"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("-m needs a number of megabytes", r.stderr)


class SyslogHostname(Base):
    """log-send-hostname: the HOSTNAME field of rfc3164 and rfc5424 headers."""

    def logs_with(self, extra):
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(rx.close)
        rx.bind((harness.LOOPBACK, 0))
        rx.settimeout(harness.DEFAULT_TIMEOUT)
        target = "%s:%d" % rx.getsockname()
        cfg = self.config("    log %s format rfc3164 local0\n"
                          "    log %s format rfc5424 local0\n%s" % (target, target, extra))
        cfg = cfg.replace("defaults\n", "defaults\n    log global\n    option httplog\n")
        p = self.start_config(cfg)
        self.assertEqual(self.get()[0], 200)
        lines = sorted(rx.recv(4096).decode() for _ in range(2))
        p.stop()
        return lines

    def test_hostname_given(self):
        rfc5424, rfc3164 = self.logs_with("    log-send-hostname edge-1.example\n")
        self.assertRegex(rfc3164, r"^<134>\w{3} [ \d]\d \d\d:\d\d:\d\d edge-1\.example "
                                  r"sluice\[\d+\]: 127\.0\.0\.1:")
        self.assertRegex(rfc5424, r"^<134>1 \S+ edge-1\.example sluice \d+ - - 127\.0\.0\.1:")

    def test_system_hostname(self):
        rfc5424, rfc3164 = self.logs_with("    log-send-hostname\n")
        host = socket.gethostname()
        self.assertIn(" %s sluice[" % host, rfc3164)
        self.assertRegex(rfc5424, r"^<134>1 \S+ %s sluice " % re.escape(host))

    def test_without_hostname(self):
        """As HAProxy 2.6: rfc3164 says localhost (the field is mandatory), rfc5424 '-'."""
        rfc5424, rfc3164 = self.logs_with("")
        self.assertRegex(rfc3164, r"^<134>\w{3} [ \d]\d \d\d:\d\d:\d\d localhost sluice\[\d+\]: ")
        self.assertRegex(rfc5424, r"^<134>1 \S+ - sluice \d+ - - ")


if __name__ == "__main__":
    harness.main()
