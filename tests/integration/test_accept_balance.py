"""Which worker a new connection goes to (tune.sluice.accept-balance): the less loaded of two
chosen from its hash by the program the master attaches to each bind's listening sockets, or
the kernel's hash alone. Seen from the clients (`ss` says which worker holds each connection)
and from a worker stopped with SIGSTOP, which must not be given new connections to sit on."""

import collections
import os
import re
import signal
import socket
import subprocess
import time

import harness

CONFIG = """\
global
    nbthread %(n)d
%(glob)s
defaults
    mode http
    timeout connect 2s
    timeout client 20s
    timeout server 20s

frontend fe
    # a Unix socket has no SO_REUSEPORT group: not steered, and no reason to give up on
    # the TCP one
    bind unix@%(unix)s
    bind 127.0.0.1:%(port)d
    http-request return status 200 content-type text/plain string ok
"""

REQUEST = b"GET / HTTP/1.1\r\nhost: t\r\n\r\n"
CLOSE = b"GET / HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n"


def holders(port):
    """How many established client connections each worker process holds on @port."""
    out = subprocess.run(["ss", "-Htnp", "state", "established", "( sport = :%d )" % port],
                         capture_output=True, text=True, timeout=10, check=True).stdout
    count = collections.Counter()
    for line in out.splitlines():
        m = re.search(r"pid=(\d+)", line)
        if m:
            count[int(m.group(1))] += 1
    return count


def answered(port, timeout):
    """One request on a new connection: whether its answer came within @timeout seconds."""
    try:
        with socket.create_connection((harness.LOOPBACK, port), timeout=timeout) as s:
            s.sendall(CLOSE)
            return s.recv(100).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


class AcceptBalance(harness.TestCase):
    def config(self, n, glob=""):
        return CONFIG % {"n": n, "glob": glob, "port": self.port, "unix": self.tmp + "/fe.sock"}

    def start_workers(self, n, glob=""):
        self.port = harness.free_port()
        self.proc = self.start_config(self.config(n, glob))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(harness.children(self.proc.pid)) != n:
            time.sleep(0.05)
        self.workers = harness.children(self.proc.pid)
        self.assertEqual(len(self.workers), n)
        self.assertNotIn("cannot attach", self.proc.log())

    def hold(self, count):
        """Open @count keep-alive connections one after the other, each answered once."""
        socks = []
        for _ in range(count):
            s = socket.create_connection((harness.LOOPBACK, self.port), timeout=5)
            socks.append(s)
            s.sendall(REQUEST)
            self.assertTrue(s.recv(200).startswith(b"HTTP/1.1 200"))
        return socks

    def spread(self, n, count):
        socks = self.hold(count)
        try:
            held = holders(self.port)
        finally:
            for s in socks:
                s.close()
        self.assertEqual(sum(held.values()), count, held)
        self.assertEqual(set(held), set(self.workers), held)
        return max(held.values()) - min(held.values()), held

    def stopped_worker_failures(self, requests, timeout):
        """Stop one worker, then count the requests on new connections left unanswered."""
        victim = self.workers[1]
        harness.freeze(victim)
        try:
            return sum(not answered(self.port, timeout) for _ in range(requests))
        finally:
            os.kill(victim, signal.SIGCONT)

    def test_two_workers_hold_the_same_number(self):
        # with two workers the program always takes the less loaded one: the hash alone
        # leaves a difference of 3 or more in about two runs of three
        self.start_workers(2)
        diff, held = self.spread(2, 40)
        self.assertLessEqual(diff, 2, held)

    def test_four_workers_even(self):
        # two choices of four: a difference of 5 or more in about one run of a thousand;
        # the hash alone, in about four runs of five
        self.start_workers(4)
        diff, held = self.spread(4, 80)
        self.assertLessEqual(diff, 5, held)

    def test_stopped_worker_gets_no_new_connections(self):
        # its load grows with each connection the program gives it, so after one or two it
        # is never the less loaded of the two: the hash alone would give it one in four
        self.start_workers(4)
        self.assertLessEqual(self.stopped_worker_failures(40, 0.5), 2)

    def test_hash_gives_the_stopped_worker_its_share(self):
        # the option is obeyed: one in four connections waits for the stopped worker
        # (2 or fewer of 60 happens about once in 100,000 runs)
        self.start_workers(4, "    tune.sluice.accept-balance hash")
        self.assertGreaterEqual(self.stopped_worker_failures(60, 0.3), 3)

    def test_steered_again_after_pause_and_resume(self):
        # SIGTTOU takes the sockets out of their group (and its program); SIGTTIN must
        # program the new group they form
        self.start_workers(4)
        self.proc.signal(signal.SIGTTOU)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and answered(self.port, 0.3):
            time.sleep(0.05)
        self.proc.signal(signal.SIGTTIN)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not answered(self.port, 1):
            time.sleep(0.05)
        self.assertLessEqual(self.stopped_worker_failures(40, 0.5), 2)

    def reload_to(self, n, glob=""):
        """Reload to @n workers with @glob in the global section; once generation 2 is
        ready and its workers alone are left, they are self.workers."""
        old = set(self.workers)
        self.write("sluice.cfg", self.config(n, glob))
        self.proc.signal(signal.SIGHUP)
        self.assertTrue(self.proc.log_lines("reload: generation 2 ready"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            self.workers = harness.children(self.proc.pid)
            if len(self.workers) == n and not old & set(self.workers):
                break
            time.sleep(0.05)
        self.assertFalse(old & set(self.workers))
        self.assertEqual(len(self.workers), n)

    def test_reload_to_more_workers(self):
        # the sockets of the slots a reload adds join the group and its program, which
        # they must not replace
        self.start_workers(2)
        self.reload_to(4)
        diff, held = self.spread(4, 80)
        self.assertLessEqual(diff, 5, held)
        self.assertLessEqual(self.stopped_worker_failures(40, 0.5), 2)

    def test_reload_to_hash_and_back(self):
        # the groups of a generation on hash get the program again when the next asks for it
        self.start_workers(4, "    tune.sluice.accept-balance hash")
        self.reload_to(4)
        self.assertLessEqual(self.stopped_worker_failures(40, 0.5), 2)


if __name__ == "__main__":
    harness.main()
