"""TLS resumption with real clients (openssl s_client): tickets under the master's keys or a
tls-ticket-keys file, and session IDs from the shared cache, on every worker and after
reloads; and testssl.sh against a default TLS bind. A module of its own so that it runs
beside test_tls.py."""

import base64
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import harness
import origin
import tlspki
from test_tls import DEFAULTS, SANITIZED, TlsCase


class Resumption(TlsCase):
    """Sessions resume on every worker and after reloads: tickets (the master's keys, or a
    tls-ticket-keys file), and session IDs from the shared cache."""

    def launch(self, bind_extra="", workers=2, global_extra=""):
        self.cfg_text = lambda extra: (
            "global\n    nbthread %d\n" % workers + global_extra +
            DEFAULTS % {"mode": "http", "tmo": "5s"} +
            "frontend f\n    bind 127.0.0.1:%d ssl crt %s %s\n    default_backend b\n"
            "backend b\n    server o 127.0.0.1:%d\n"
            % (self.port, self.pki.servers["a.test"].pem, extra, self.origin.port))
        self.cfg = self.write("sluice.cfg", self.cfg_text(bind_extra))
        self.proc = self.start(["-d", "-f", self.cfg])
        self.assertEqual(len(harness.children(self.proc.pid)), workers)

    def reload(self, bind_extra=""):
        self.write("sluice.cfg", self.cfg_text(bind_extra))
        self.proc.signal(signal.SIGHUP)
        self.proc.notify.wait_for("RELOADING", "1", proc=self.proc.proc)
        self.proc.notify.wait_for("READY", "1", proc=self.proc.proc)

    def session(self, args):
        path = os.path.join(self.tmp, "sess-%d" % time.monotonic_ns())
        h = tlspki.s_client(self.port, servername="a.test", sess_out=path, args=args)
        self.assertTrue(h.ok, h.output)
        self.assertFalse(h.reused)
        return path

    def resumed(self, path, args, n=10):
        return sum(tlspki.s_client(self.port, servername="a.test", sess_in=path, args=args,
                                   expect=b"Verify return code").reused for _ in range(n))

    def check_all(self, args, bind_extra=""):
        self.launch(bind_extra)
        path = self.session(args)
        self.assertEqual(self.resumed(path, args), 10)
        self.reload(bind_extra)
        self.assertEqual(self.resumed(path, args), 10)
        self.reload(bind_extra)
        self.assertEqual(self.resumed(path, args), 10)

    def test_tls13_tickets(self):
        self.check_all(["-tls1_3"])

    def test_tls12_tickets(self):
        self.check_all(["-tls1_2"])

    def test_tls12_session_ids_from_the_shared_cache(self):
        self.check_all(["-tls1_2", "-no_ticket"])

    def test_tls13_stateful_tickets_with_no_tls_tickets(self):
        self.check_all(["-tls1_3"], bind_extra="no-tls-tickets")

    def test_tls12_session_ids_with_no_tls_tickets(self):
        self.check_all(["-tls1_2"], bind_extra="no-tls-tickets")

    def test_ticket_keys_file_rotation(self):
        keys = [os.urandom(80) for _ in range(6)]

        def keyfile(idx):
            return self.write("keys", "".join(base64.b64encode(keys[i]).decode() + "\n"
                                              for i in idx))

        path = keyfile([0, 1, 2])
        self.launch("tls-ticket-keys %s" % path)
        sess = self.session(["-tls1_2"])
        self.assertEqual(self.resumed(sess, ["-tls1_2"], 4), 4)
        # a key appended, the oldest gone: key 1 still decrypts (no longer encrypts)
        keyfile([1, 2, 3])
        self.reload("tls-ticket-keys %s" % path)
        self.assertEqual(self.resumed(sess, ["-tls1_2"], 4), 4)
        # key 1 retired: a full handshake
        keyfile([3, 4, 5])
        self.reload("tls-ticket-keys %s" % path)
        self.assertEqual(self.resumed(sess, ["-tls1_2"], 4), 0)

    def test_tls13_ticket_sessions_leave_the_cache_to_session_ids(self):
        # one bucket of 4 entries: TLS 1.3 sessions under stateless tickets (two tickets per
        # handshake) would push the TLS 1.2 session out of it if they were stored
        self.launch(workers=1, global_extra="    tune.ssl.cachesize 4\n")
        path = self.session(["-tls1_2", "-no_ticket"])
        for _ in range(4):
            self.session(["-tls1_3"])
        self.assertEqual(self.resumed(path, ["-tls1_2", "-no_ticket"], 4), 4)

    def test_a_ticket_from_one_worker_resumes_on_the_other(self):
        self.launch(workers=2)
        path = self.session(["-tls1_3"])
        self.assertEqual(self.resumed(path, ["-tls1_3"], 20), 20)


class TestSsl(harness.TestCase):
    """testssl.sh against a default "bind ... ssl": no vulnerability, no protocol below TLS
    1.2."""

    def test_testssl_finds_nothing(self):
        exe = shutil.which("testssl") or shutil.which("testssl.sh")
        if not exe:
            self.fail("testssl.sh is not installed (packaging/debian-deps lists it)")
        if SANITIZED:
            self.skipTest("the plain build runs testssl.sh")
        d = tempfile.TemporaryDirectory(prefix="sluice-pki-")
        self.addCleanup(d.cleanup)
        pki = tlspki.build(d.name)
        o = origin.Origin()
        self.addCleanup(o.stop)
        port = harness.free_port()
        self.start_config(DEFAULTS % {"mode": "http", "tmo": "5s"} +
                          "frontend f\n    bind 127.0.0.1:%d ssl crt %s\n"
                          "    default_backend b\nbackend b\n    server o 127.0.0.1:%d\n"
                          % (port, pki.servers["a.test"].pem, o.port))
        r = subprocess.run([exe, "--quiet", "--color", "0", "--warnings", "off", "--protocols",
                            "--vulnerable", "--ip", "one", "127.0.0.1:%d" % port],
                           capture_output=True, timeout=240)
        out = r.stdout.decode("utf-8", "replace")
        sys_out = out[out.find("Testing protocols"):]
        self.assertIn("TLS 1.3    offered", sys_out)
        for old in ("SSLv2", "SSLv3", "TLS 1 ", "TLS 1.1"):
            self.assertRegex(sys_out, r"(?m)^ %s\s+not offered" % re.escape(old.strip()))
        self.assertNotIn("VULNERABLE", sys_out, sys_out)
        self.assertIn("LUCKY13", sys_out)


if __name__ == "__main__":
    harness.main()
