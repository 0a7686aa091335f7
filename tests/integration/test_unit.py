"""packaging/sluice.service as built: systemd-analyze verifies it and scores its hardening,
and the program, run under strace through a start, requests (HTTP and TLS, a health
check, the runtime API), a reload that re-executes it and a stop, makes no system call
its SystemCallFilter refuses and opens no socket of a family RestrictAddressFamilies
refuses. systemd does not run here (nor in CI), so the filter cannot be applied for real;
tests/packaging checks the user, capabilities and umask the unit gives."""

import ctypes
import os
import re
import shutil
import signal
import subprocess
import time
import unittest

import harness

SCORE_LIMIT = 2.0
PR_SET_MDWE, PR_GET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 66, 1
UNIT = os.path.join(os.path.dirname(harness.SLUICE or "."), "packaging", "sluice.service")

DEFAULTS = """
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
"""

CONFIG = """
global
    stats socket %(dir)s/admin.sock mode 600 level admin
""" + DEFAULTS + """
frontend web
    bind 127.0.0.1:%(port)d
    bind 127.0.0.1:%(tls_port)d ssl crt %(dir)s/cert.pem
    http-request deny if { path_reg ^/deny[0-9]+$ }
    default_backend app
backend app
    option httpchk GET /
    server s1 127.0.0.1:%(app)d check inter 200ms
listen origin
    bind 127.0.0.1:%(app)d
    http-request return status 200 content-type text/plain string "ok\\n"
"""


def unit_settings(path):
    settings = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith(("#", ";")):
                key, value = line.split("=", 1)
                settings.setdefault(key, []).append(value)
    return settings


def syscall_groups():
    """systemd's named system call groups, each expanded to its calls."""
    out = subprocess.run(["systemd-analyze", "syscall-filter"], capture_output=True,
                         text=True, check=True).stdout
    groups, cur = {}, None
    for line in out.splitlines():
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if not line.startswith(" ") and word.startswith("@"):
            cur = groups.setdefault(word, [])
        elif cur is not None:
            cur.append(word)

    def expand(name, seen=()):
        calls = set()
        for w in groups.get(name, []):
            calls |= expand(w, seen + (name,)) if w.startswith("@") else {w}
        return calls

    return {g: expand(g) for g in groups}


def built_with_asan():
    with open(harness.SLUICE, "rb") as f:
        return b"__asan_init" in f.read()


@unittest.skipUnless(shutil.which("systemd-analyze"), "needs systemd-analyze")
class Unit(harness.TestCase):
    def setUp(self):
        super().setUp()
        if not os.path.exists(UNIT):
            self.skipTest("no %s in this build" % UNIT)
        self.settings = unit_settings(UNIT)

    def local_unit(self):
        """The unit with its program paths pointing at this build's sluice."""
        with open(UNIT) as f:
            text = f.read()
        path = os.path.join(self.tmp, "sluice.service")
        with open(path, "w") as f:
            f.write(re.sub(r"/\S*/sbin/sluice", harness.SLUICE, text))
        return path

    def test_verify_prints_nothing(self):
        """The unit, and the example socket unit beside it."""
        socket_unit = os.path.join(self.tmp, "sluice.socket")
        shutil.copy(os.path.join(harness.SOURCE_ROOT, "packaging", "sluice.socket"),
                    socket_unit)
        r = subprocess.run(["systemd-analyze", "verify", "--man=no", self.local_unit(),
                            socket_unit], capture_output=True, text=True, timeout=60)
        self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))

    def test_security_score(self):
        r = subprocess.run(["systemd-analyze", "security", "--offline=true", UNIT],
                           capture_output=True, text=True, timeout=60)
        m = re.search(r"Overall exposure level for sluice.service: ([0-9.]+)", r.stdout)
        self.assertIsNotNone(m, r.stdout + r.stderr)
        print("# systemd-analyze security --offline=true: %s" % m.group(1))
        self.assertLessEqual(float(m.group(1)), SCORE_LIMIT, r.stdout)

    def test_every_system_call_is_allowed(self):
        if not shutil.which("strace") or not shutil.which("openssl"):
            self.skipTest("needs strace and openssl")
        if built_with_asan():
            self.skipTest("the sanitizers' runtime makes calls of its own")
        groups = syscall_groups()
        allowed = set()
        for line in self.settings["SystemCallFilter"]:
            for word in line.split():
                allowed |= groups.get(word, set()) if word.startswith("@") else {word}
        families = set(" ".join(self.settings["RestrictAddressFamilies"]).split())

        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost",
                        "-days", "2", "-keyout", os.path.join(self.tmp, "key.pem"),
                        "-out", os.path.join(self.tmp, "crt.pem")],
                       check=True, capture_output=True)
        with open(os.path.join(self.tmp, "cert.pem"), "w") as out:
            for name in ("crt.pem", "key.pem"):
                with open(os.path.join(self.tmp, name)) as f:
                    out.write(f.read())
        port, tls_port, app = harness.free_port(), harness.free_port(), harness.free_port()
        cfg = self.write("sluice.cfg", CONFIG % {"dir": self.tmp, "port": port,
                                                 "tls_port": tls_port, "app": app})
        trace = os.path.join(self.tmp, "trace")
        sock = os.path.join(self.tmp, "master.sock")
        # harness.Process runs the program itself: strace in front of it is started here
        log = open(os.path.join(self.tmp, "stderr.log"), "wb")
        proc = subprocess.Popen(["strace", "-f", "-qq", "-o", trace, harness.SLUICE, "-Ws",
                                 "-f", cfg, "-S", sock], stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL)
        try:
            def up():
                try:
                    r = harness.request(port, b"GET / HTTP/1.1\r\nHost: h\r\n"
                                              b"Connection: close\r\n\r\n")
                    return r and r[0] == 200
                except OSError:
                    return False

            self.wait_until(up)
            self.assertEqual(harness.request(port, b"GET /deny1 HTTP/1.1\r\nHost: h\r\n"
                                                   b"Connection: close\r\n\r\n")[0], 403)
            r = subprocess.run(["curl", "-sk", "https://127.0.0.1:%d/" % tls_port],
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(r.stdout, "ok\n")
            self.assertIn("Name: sluice", harness.stats_command(
                os.path.join(self.tmp, "admin.sock"), "show info\n"))
            r = harness.run(["-S", sock, "reload"], timeout=60)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.wait_until(up)
        finally:
            # stop the master (strace's child) as systemd would; strace ends with it
            for pid in harness.children(proc.pid):
                os.kill(pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                log.close()
        with open(trace) as f:
            lines = f.read().splitlines()
        calls, bad_families = {}, set()
        for line in lines:
            m = re.match(r"^\d+\s+(?:<\.\.\. )?([a-z0-9_]+)[( ]", line)
            if not m:
                continue
            calls.setdefault(m.group(1), line)
            f = re.match(r"^\d+\s+socket\((AF_[A-Z0-9]+)", line)
            if f and f.group(1) not in families:
                bad_families.add(f.group(1))
        print("# %d distinct system calls traced: %s" % (len(calls), " ".join(sorted(calls))))
        self.assertIn("execve", calls)  # the reload's re-execution was traced
        refused = {c: l for c, l in calls.items() if c not in allowed}
        self.assertEqual(refused, {}, "system calls outside SystemCallFilter")
        self.assertEqual(bad_families, set(), "socket families outside "
                         "RestrictAddressFamilies")

    def test_regular_expressions_without_writable_executable_memory(self):
        """MemoryDenyWriteExecute: PCRE2's JIT cannot map its code, and matching falls back
        to its interpreter. The kernel's own form of the setting (PR_SET_MDWE, which
        systemd uses where the kernel has it) stands in for the unit here."""
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_GET_MDWE, 0, 0, 0, 0) < 0:
            self.skipTest("the kernel has no PR_SET_MDWE")
        if "MemoryDenyWriteExecute=yes" not in open(UNIT).read():
            self.skipTest("the unit allows writable executable memory")
        port, app = harness.free_port(), harness.free_port()
        cfg = self.write("sluice.cfg", DEFAULTS + """
frontend web
    bind 127.0.0.1:%d
    http-request deny if { path_reg ^/deny[0-9]+$ }
    http-request return status 200 content-type text/plain string "ok\\n"
""" % port)

        def refuse_exec_gain():
            if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
                os._exit(99)

        log = open(os.path.join(self.tmp, "stderr.log"), "wb")
        proc = subprocess.Popen([harness.SLUICE, "-d", "-f", cfg], stdout=log, stderr=log,
                                stdin=subprocess.DEVNULL, preexec_fn=refuse_exec_gain)
        try:
            def get(path):
                try:
                    r = harness.request(port, b"GET %s HTTP/1.1\r\nHost: h\r\n"
                                              b"Connection: close\r\n\r\n" % path)
                    return r[0] if r else None
                except OSError:
                    return None

            self.wait_until(lambda: get(b"/") == 200)
            self.assertEqual([get(b"/deny12"), get(b"/deny"), get(b"/deny12x")],
                             [403, 200, 200])
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()

    def wait_until(self, cond, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return
            time.sleep(0.1)
        self.fail("timed out")


if __name__ == "__main__":
    harness.main()
