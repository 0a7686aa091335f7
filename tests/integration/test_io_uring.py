"""tune.sluice.io-uring: the workers' io_uring readiness source, what runs it, and the epoll
fallback when the kernel refuses a ring. The data path itself is rerun on io_uring by the
uring_* tests (SLUICE_TEST_IO_URING=1 on test_http, test_smuggling and test_master)."""

import ctypes
import os
import platform
import signal
import socket
import time

import harness
from origin import Origin

CONFIG = """\
global
    nbthread 2
%(global)s
defaults
    mode http
    timeout connect 2s
    timeout client 3s
    timeout server 3s

frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be

backend be
    server o 127.0.0.1:%(origin)d
"""

# io_uring_setup(2) on x86_64 and on the generic table (aarch64, riscv64)
IO_URING_SETUP = {"x86_64": 425, "aarch64": 425, "riscv64": 425}
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7, "riscv64": 0xC00000F3}


def refuse_io_uring():
    """A preexec_fn: a seccomp filter that fails io_uring_setup() with EPERM, as systemd's
    SystemCallFilter= or a container runtime's default profile does. Inherited by every
    process the child forks."""

    class SockFilter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                    ("k", ctypes.c_uint)]

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(SockFilter))]

    machine = platform.machine()
    ld_abs, jeq, ret = 0x20, 0x15, 0x06  # BPF_LD|BPF_W|BPF_ABS, BPF_JMP|BPF_JEQ|BPF_K, BPF_RET|BPF_K
    allow, eperm = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    prog = [
        (ld_abs, 0, 0, 4),  # seccomp_data.arch
        (jeq, 0, 3, AUDIT_ARCH[machine]),
        (ld_abs, 0, 0, 0),  # seccomp_data.nr
        (jeq, 0, 1, IO_URING_SETUP[machine]),
        (ret, 0, 0, eperm),
        (ret, 0, 0, allow),
    ]
    filters = (SockFilter * len(prog))(*[SockFilter(*i) for i in prog])
    fprog = SockFprog(len(prog), filters)
    libc = ctypes.CDLL(None, use_errno=True)
    # PR_SET_NO_NEW_PRIVS, then PR_SET_SECCOMP with SECCOMP_MODE_FILTER
    if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "cannot install the seccomp filter")


def worker_pollers(master_pid):
    """For each worker of @master_pid: the set of its fds' anonymous kinds among "io_uring"
    and "eventpoll"."""
    out = []
    for pid in harness.children(master_pid):
        kinds = set()
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except FileNotFoundError:
                continue
            for kind in ("io_uring", "eventpoll"):
                if target == "anon_inode:[%s]" % kind:
                    kinds.add(kind)
        out.append(kinds)
    return out


class IoUring(harness.TestCase):
    def setUp(self):
        super().setUp()
        if platform.machine() not in IO_URING_SETUP:
            self.skipTest("no system call number for io_uring_setup on " + platform.machine())
        self.origin = Origin("o")

    def tearDown(self):
        super().tearDown()
        self.origin.stop()

    def serve(self, global_="", preexec_fn=None):
        port = harness.free_port()
        p = self.start_config(CONFIG % {"global": global_, "port": port,
                                        "origin": self.origin.port}, preexec_fn=preexec_fn)
        return port, p

    def traffic(self, port):
        """Keep-alive requests, a body each way bigger than the socket buffers, a close."""
        with harness.connect(port) as c:
            for i in range(50):
                c.sendall(b"GET /k%d HTTP/1.1\r\nHost: h\r\n\r\n" % i)
                r = harness.read_response(c)
                self.assertEqual(r[0], 200)
                self.assertEqual(r[2], b"origin o /k%d" % i)
            body = os.urandom(3 << 20)
            c.sendall(b"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n"
                      % len(body) + body)
            r = harness.read_response(c)
            self.assertEqual((r[0], len(r[2])), (200, len(body)))
            self.assertEqual(r[2], body)
            c.sendall(b"GET /big/4000000 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            r = harness.read_response(c)
            self.assertEqual((r[0], len(r[2])), (200, 4000000))
            self.assertTrue(harness.closed_by_peer(c))

    def test_vv_tries_a_ring(self):
        r = harness.run(["-vv"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("Available polling systems :", r.stdout)
        self.assertIn("io_uring : tune.sluice.io-uring on, test result OK", r.stdout)
        r = harness.run(["-vv"], preexec_fn=refuse_io_uring)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("io_uring : tune.sluice.io-uring on, test result FAILED "
                      "(Operation not permitted)", r.stdout)

    def test_workers_serve_on_io_uring(self):
        port, p = self.serve("    tune.sluice.io-uring on")
        self.assertEqual(len(p.log_lines("notice: event loop: io_uring", 2)), 2, p.log())
        # each worker holds a ring and no epoll instance
        self.assertEqual(worker_pollers(p.pid), [{"io_uring"}] * 2)
        self.traffic(port)
        # an idle client is closed at its timeout: a timer, then the close of a polled socket
        with harness.connect(port) as c:
            c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            self.assertEqual(harness.read_response(c)[0], 200)
            t0 = time.monotonic()
            self.assertTrue(harness.closed_by_peer(c, timeout=10))
            self.assertGreater(time.monotonic() - t0, 2.5)
        self.assertNotIn("no io_uring ring", p.log())

    def test_off_by_default(self):
        port, p = self.serve()
        self.assertEqual(worker_pollers(p.pid), [{"eventpoll"}] * 2)
        self.traffic(port)
        self.assertNotIn("io_uring", p.log())

    def test_refused_ring_falls_back_to_epoll(self):
        port, p = self.serve("    tune.sluice.io-uring on", preexec_fn=refuse_io_uring)
        lines = p.log_lines("no io_uring ring", 2)
        self.assertEqual(len(lines), 2, p.log())
        for line in lines:
            self.assertRegex(line, r"warning: tune.sluice.io-uring on, but this worker uses "
                             r"epoll: no io_uring ring: Operation not permitted$")
        self.assertEqual(worker_pollers(p.pid), [{"eventpoll"}] * 2)
        self.traffic(port)

    def test_reload_applies_the_change(self):
        port, p = self.serve()
        self.assertEqual(worker_pollers(p.pid), [{"eventpoll"}] * 2)
        self.write("sluice.cfg", CONFIG % {"global": "    tune.sluice.io-uring on",
                                           "port": port, "origin": self.origin.port})
        p.signal(signal.SIGUSR2)
        self.assertEqual(len(p.log_lines("notice: event loop: io_uring", 2)), 2, p.log())
        deadline = time.monotonic() + harness.DEFAULT_TIMEOUT
        while worker_pollers(p.pid) != [{"io_uring"}] * 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(worker_pollers(p.pid), [{"io_uring"}] * 2)
        self.traffic(port)

    def test_value_must_be_on_or_off(self):
        path = self.write("bad.cfg", "global\n    tune.sluice.io-uring yes\n")
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.cfg:2:26: error: 'tune.sluice.io-uring' expects 'on' or 'off', "
                      "got 'yes'",
                      r.stderr)
        path = self.write("none.cfg", "global\n    tune.sluice.io-uring\n")
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("none.cfg:2:", r.stderr)


if __name__ == "__main__":
    harness.main()
