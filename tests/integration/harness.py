"""Integration harness: runs the real sluice binary against real clients on 127.0.0.1.

Why Python (standard library only): integration tests spend their lines on sockets, child
processes, timeouts and byte-exact HTTP exchanges. Python's socket, subprocess, selectors and
ssl modules do that in a few lines per test without a build step, python3 is already present
wherever meson is, and adding a test means adding a method. The C code under test is still
exercised byte for byte: tests talk raw sockets, not a client library that might normalise.

Rules every test follows (enforced here, not by convention):
- traffic goes only to 127.0.0.1;
- every process started is recorded and stopped by PID (SIGTERM, then SIGKILL after a
  grace period) even when the test fails;
- every wait is bounded in time; readiness is sd_notify READY=1 on a socket the harness owns
  (NOTIFY_SOCKET), never a fixed sleep;
- a sanitizer report in the output of any sluice it started fails the test (sanitizer builds
  abort the worker, which the master would respawn unseen).

Each test module ends with `harness.main()`, which runs its unittest cases and prints TAP so
meson counts every case.
"""

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

LOOPBACK = "127.0.0.1"
SLUICE = os.environ.get("SLUICE")
SOURCE_ROOT = os.environ.get("SLUICE_SOURCE_ROOT",
                             os.path.dirname(os.path.dirname(os.path.dirname(
                                 os.path.abspath(__file__)))))
MAN_SLUICE_8 = os.path.join(SOURCE_ROOT, "man", "sluice.8")
MAN_SLUICE_CFG_5 = os.path.join(SOURCE_ROOT, "man", "sluice.cfg.5")
DEFAULT_TIMEOUT = float(os.environ.get("SLUICE_TEST_TIMEOUT", "10"))


def _port_span():
    """The ports free_port() hands out: a block the kernel never picks as the source port
    of a connection (below net.ipv4.ip_local_port_range), so another test's connect() cannot
    take a port between the test choosing it and sluice binding it."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    if low - 1 - 10000 >= 1024:
        return low - 10000, low - 1
    if high + 1 + 2000 <= 65535:
        return high + 1, 65535
    return None


PORT_SPAN = _port_span()
PORT_COUNTER = os.path.join(tempfile.gettempdir(), "sluice-test-ports.%d" % os.getuid())


def _bindable(port):
    """Whether nothing holds @port on 127.0.0.1, for TCP (listening, connected or in
    TIME_WAIT) and for UDP."""
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind((LOOPBACK, port))
            except OSError:
                return False
    return True


def free_port():
    """A port on 127.0.0.1 that nothing uses right now, for TCP and UDP, and that no other
    test process on this machine is handed until the whole block has gone round.

    Test modules run in parallel. Ports are taken in turn from PORT_SPAN through a counter
    file under an exclusive lock, shared by every test process, so two tests never get the
    same port, and none of these ports is ever an ephemeral source port."""
    if PORT_SPAN is None:  # no room outside the ephemeral range: the kernel's choice
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((LOOPBACK, 0))
            return s.getsockname()[1]
    low, high = PORT_SPAN
    span = high - low + 1
    fd = os.open(PORT_COUNTER, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            turn = int(os.pread(fd, 32, 0) or b"0")
        except ValueError:
            turn = 0
        for _ in range(span):
            port = low + turn % span
            turn += 1
            if _bindable(port):
                break
        else:
            raise RuntimeError("no free port in %d-%d" % PORT_SPAN)
        data = b"%d" % (turn % span)
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
    finally:
        os.close(fd)  # drops the lock
    return port


def run(args, timeout=DEFAULT_TIMEOUT, env=None, binary=None, preexec_fn=None):
    """Run sluice (or @binary) with @args to completion; returns CompletedProcess (text
    output). @preexec_fn runs in the child before exec (a system call filter, say)."""
    return subprocess.run([binary or SLUICE] + list(args), capture_output=True, text=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL,
                          preexec_fn=preexec_fn)


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def sanitizer_reports(text):
    """The sanitizer reports in a process's output: each from its first line, 40 lines."""
    lines = text.splitlines()
    return ["\n".join(lines[i:i + 40]) for i, line in enumerate(lines)
            if any(m in line for m in SANITIZER_MARKS)]


class NotifySocket:
    """The receiving end of sd_notify: a datagram socket whose path goes in NOTIFY_SOCKET."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []

    def wait_for(self, key, value=None, timeout=DEFAULT_TIMEOUT, proc=None):
        """Wait until a message carries KEY (=VALUE if given); returns the value seen.
        Fails early if @proc exits meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            for msg in self.messages:
                fields = dict(line.split("=", 1) for line in msg.splitlines() if "=" in line)
                if key in fields and (value is None or fields[key] == value):
                    self.messages.remove(msg)
                    return fields[key]
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no %s%s within %.1fs" % (key, "=" + value if value else "",
                                                             timeout))
            if proc is not None and proc.poll() is not None:
                raise RuntimeError("process exited with %s before %s" % (proc.returncode, key))
            self.sock.settimeout(min(left, 0.2))
            try:
                self.messages.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass

    def next_message(self, timeout=DEFAULT_TIMEOUT):
        """The next notification, in arrival order (those held back by wait_for first)."""
        if self.messages:
            return self.messages.pop(0)
        self.sock.settimeout(timeout)
        return self.sock.recv(4096).decode()

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.path)  # so that a test may start sluice again in its folder
        except FileNotFoundError:
            pass


class Process:
    """A started sluice, stopped by PID when the test ends."""

    def __init__(self, args, workdir, env=None, binary=None, pass_fds=(), preexec_fn=None):
        self.workdir = workdir
        self.notify = NotifySocket(workdir)
        self.stderr_path = os.path.join(workdir, "stderr.log")
        full_env = dict(os.environ)
        full_env.update(env or {})
        full_env["NOTIFY_SOCKET"] = self.notify.path
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen([binary or SLUICE] + list(args), stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err, env=full_env,
                                         pass_fds=pass_fds, preexec_fn=preexec_fn)
        self.pid = self.proc.pid

    def wait_ready(self, timeout=DEFAULT_TIMEOUT):
        self.notify.wait_for("READY", "1", timeout=timeout, proc=self.proc)

    def signal(self, sig):
        if self.proc.poll() is None:
            os.kill(self.pid, sig)

    def stop(self, grace=DEFAULT_TIMEOUT):
        """SIGTERM, then SIGKILL after @grace seconds; returns the exit status."""
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=grace)
        self.notify.close()
        return self.proc.returncode

    def log(self):
        with open(self.stderr_path, "r", errors="replace") as f:
            return f.read()

    def log_lines(self, has, count=1, timeout=DEFAULT_TIMEOUT):
        """The lines of the log containing @has, once there are @count of them (or what there
        is after @timeout seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [l for l in self.log().splitlines() if has in l]
            if len(lines) >= count or time.monotonic() >= deadline:
                return lines
            time.sleep(0.02)


HAPROXY = os.environ.get("SLUICE_TEST_HAPROXY", "/usr/sbin/haproxy")


def have_haproxy():
    """Is HAProxy installed to compare behaviours with (Debian's haproxy 2.6)?"""
    return os.access(HAPROXY, os.X_OK)


class Conn:
    """A client connection that keeps the bytes read past the end of a response."""

    def __init__(self, sock):
        self.sock = sock
        self.rest = b""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()

    def __getattr__(self, name):
        return getattr(self.sock, name)

    def recv(self, n):
        if self.rest:
            data, self.rest = self.rest[:n], self.rest[n:]
            return data
        return self.sock.recv(n)


def connect(port, timeout=DEFAULT_TIMEOUT):
    return Conn(socket.create_connection((LOOPBACK, port), timeout=timeout))


def read_response(sock, head_request=False):
    """Read one HTTP/1.1 response; returns (status, headers dict (lower-case names, last
    value), body bytes), or None if the connection closed before a status line."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            return None if not buf else (0, {}, buf)
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for l in lines[1:]:
        name, value = l.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    if head_request or status in (204, 304) or 100 <= status < 200:
        sock.rest = rest + sock.rest
        return status, headers, b""
    if "content-length" in headers:
        n = int(headers["content-length"])
        while len(rest) < n:
            data = sock.recv(65536)
            if not data:
                break
            rest += data
        sock.rest = rest[n:] + sock.rest
        return status, headers, rest[:n]
    if headers.get("transfer-encoding", "").endswith("chunked"):
        body = b""
        while True:
            while b"\r\n" not in rest:
                rest += sock.recv(65536)
            line, rest = rest.split(b"\r\n", 1)
            size = int(line.split(b";")[0], 16)
            while len(rest) < size + 2:
                rest += sock.recv(65536)
            body += rest[:size]
            rest = rest[size + 2:]
            if size == 0:
                break
        sock.rest = rest + sock.rest
        return status, headers, body
    while True:
        data = sock.recv(65536)
        if not data:
            return status, headers, rest
        rest += data


def request(port, raw, timeout=DEFAULT_TIMEOUT):
    """Send @raw on a new connection and read one response."""
    with connect(port, timeout) as s:
        s.sendall(raw)
        return read_response(s)


def stats_command(path, text, timeout=DEFAULT_TIMEOUT):
    """One command (a line, or several) on the stats socket at @path: the whole answer."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(text.encode())
        return read_until_closed(s).decode()


def read_until_closed(sock):
    """Every byte @sock receives until the peer ends its stream (its timeout applies)."""
    out = b""
    while True:
        d = sock.recv(65536)
        if not d:
            return out
        out += d


def closed_by_peer(sock, timeout=DEFAULT_TIMEOUT):
    """True when the peer closes within @timeout (EOF or reset), reading what remains."""
    sock.settimeout(timeout)
    try:
        while True:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def children(pid):
    """The process ids of @pid's children (a master's workers)."""
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(p) for p in f.read().split()]


def tracer_of(pid):
    """The process id tracing @pid (strace attached to it), or 0."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("TracerPid:"):
                return int(line.split()[1])
    return 0


def cpu_ticks(pid):
    """User and system time of @pid so far, in clock ticks (os.sysconf("SC_CLK_TCK") a second)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def freeze(pid, timeout=DEFAULT_TIMEOUT):
    """SIGSTOP @pid and wait until it is stopped: what reaches it meanwhile is reported to it
    together, in the order it came, once it gets SIGCONT."""
    os.kill(pid, signal.SIGSTOP)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "T":
                return
        time.sleep(0.01)
    raise TimeoutError("process %d did not stop" % pid)


def keepalive_requests(port, going, count):
    """A client sending GET / back to back on one keep-alive connection while going() is
    true, calling count() with "ok", "fail" or "retried" for each request. A request on a
    reused connection that meets its close (a worker stopping for a reload closes its idle
    connections) is retried on a new connection, as RFC 9112 9.3.1 lets clients do."""
    c, reused = None, False
    while going():
        try:
            if c is None:
                c, reused = connect(port), False
            c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            r = read_response(c)
        except OSError:
            r = None
        if r is None and reused:
            count("retried")
            c.close()
            c, reused = None, False
            continue
        if not r or r[0] != 200:
            count("fail")
            if c:
                c.close()
            c = None
            continue
        count("ok")
        reused = True
        if r[1].get("connection") == "close":
            c.close()
            c = None
    if c:
        c.close()


# SLUICE_TEST_IO_URING=1: every configuration a test starts sluice on gets
# "tune.sluice.io-uring on", so a module reruns on the workers' io_uring readiness source
# (meson's uring_* tests)
IO_URING = os.environ.get("SLUICE_TEST_IO_URING") == "1"


def with_io_uring(text):
    """@text with "tune.sluice.io-uring on" in a global section of its own at the end (the
    lines above keep their numbers) when IO_URING is set."""
    if not IO_URING:
        return text
    return text + ("" if text.endswith("\n") else "\n") + "global\n    tune.sluice.io-uring on\n"


class TestCase(unittest.TestCase):
    """Gives each test a temporary directory and stops every process it started."""

    def setUp(self):
        if not SLUICE:
            self.fail("SLUICE is not set: run through meson test")
        self._tmp = tempfile.TemporaryDirectory(prefix="sluice-it-")
        self.tmp = self._tmp.name
        self._procs = []
        self._uring_cfg = False  # a configuration written with "tune.sluice.io-uring on"

    def tearDown(self):
        reports = []
        for p in self._procs:
            p.stop()
            text = p.log()
            reports += sanitizer_reports(text)
            # a rerun on io_uring must not pass on epoll: when the test's configuration asked
            # for it, each sluice that served ran io_uring
            if self._uring_cfg and "workers serving" in text and (
                    "event loop: io_uring" not in text or "no io_uring ring" in text):
                reports.append("SLUICE_TEST_IO_URING=1 but a worker did not use io_uring")
        self._tmp.cleanup()
        # a worker that a sanitizer aborts is respawned and the test might not notice
        if reports:
            self.fail("reported by sluice:\n" + "\n".join(reports))

    def write(self, name, text):
        if os.path.basename(name) == "sluice.cfg" and IO_URING:
            text = with_io_uring(text)
            self._uring_cfg = True
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start_config(self, text, args=(), env=None, preexec_fn=None):
        """Write @text as the configuration and start sluice in the foreground on it."""
        path = self.write("sluice.cfg", text)
        return self.start(["-d", "-f", path] + list(args), env=env, preexec_fn=preexec_fn)

    def start_haproxy(self, text, env=None):
        """Start Debian's HAProxy (-Ws) on configuration @text, in a directory of its own:
        tests that compare sluice with it run both on the same file."""
        path = self.write("haproxy/haproxy.cfg", text)
        p = Process(["-Ws", "-f", path], os.path.dirname(path), env,
                    binary=HAPROXY)
        self._procs.append(p)
        p.wait_ready()
        return p

    def each_proxy(self, text, check):
        """@check(proc) with sluice started on configuration @text, then with Debian's
        HAProxy on it when it is installed, each in a subTest: one after the other, each
        stopped before the next starts (both would bind the same ports, SO_REUSEPORT)."""
        starts = [("sluice", self.start_config)]
        if have_haproxy():
            starts.append(("haproxy", self.start_haproxy))
        for name, start in starts:
            proc = start(text)
            try:
                with self.subTest(proxy=name):
                    check(proc)
            finally:
                proc.stop()

    def start(self, args, env=None, ready=True, preexec_fn=None):
        p = Process(args, self.tmp, env, preexec_fn=preexec_fn)
        self._procs.append(p)
        if ready:
            try:
                p.wait_ready()
            except Exception:
                sys.stderr.write(p.log())
                raise
        return p


class _TapResult(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

    def _line(self, ok, test, extra=""):
        self.n += 1
        print("%s %d - %s%s" % ("ok" if ok else "not ok", self.n, test.id(), extra), flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def _report(self, test, err, kind):
        self._line(False, test)
        for line in self._exc_info_to_string(err, test).splitlines():
            print("# %s: %s" % (kind, line))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._report(test, err, "failure")

    def addError(self, test, err):
        super().addError(test, err)
        self._report(test, err, "error")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._report(subtest, err, "failure")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, " # SKIP %s" % reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(True, test, " # TODO expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(False, test, " (unexpected success)")


def main():
    """Run the calling module's tests and print TAP; exit 1 on any failure."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules["__main__"])
    result = _TapResult()
    suite.run(result)
    print("1..%d" % result.n, flush=True)
    sys.exit(0 if result.wasSuccessful() and result.n > 0 else 1)
