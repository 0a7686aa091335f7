"""busy-polling (HAProxy's global keyword): a worker's wait for events never sleeps, so an
idle worker keeps a CPU busy; "no busy-polling" and the default sleep. Seen from the
worker's CPU time in /proc while nothing happens, and from a request served meanwhile."""

import os
import signal
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

frontend fe
    bind 127.0.0.1:%(port)d
    http-request return status 200 content-type text/plain string ok
"""

TICKS = os.sysconf("SC_CLK_TCK")


class BusyPolling(harness.TestCase):
    def config(self, glob):
        return CONFIG % {"glob": glob, "port": self.port}

    def worker(self, old=()):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ws = [w for w in harness.children(self.proc.pid) if w not in old]
            if len(ws) == 1:
                return ws[0]
            time.sleep(0.05)
        self.fail("no single worker")

    @staticmethod
    def sleeps(pid):
        """Times @pid slept so far (voluntary context switches)."""
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("voluntary_ctxt_switches:"):
                    return int(line.split()[1])
        raise AssertionError("no voluntary_ctxt_switches for %d" % pid)

    def idle(self, pid, seconds=1.0):
        """The share of a CPU @pid used over @seconds with no traffic, and its sleeps."""
        ticks, slept = harness.cpu_ticks(pid), self.sleeps(pid)
        time.sleep(seconds)
        return ((harness.cpu_ticks(pid) - ticks) / TICKS / seconds,
                self.sleeps(pid) - slept)

    def answered(self):
        status, _, body = harness.request(self.port, b"GET / HTTP/1.1\r\nhost: t\r\n\r\n")
        return status == 200 and body == b"ok"

    def test_busy_then_not_after_reload(self):
        self.port = harness.free_port()
        self.proc = self.start_config(self.config("    busy-polling"))
        busy = self.worker()
        self.assertTrue(self.answered())
        # never asleep, and so on a CPU whenever the machine gives it one: all of one on a
        # quiet machine, less on a busy one (being preempted is no sleep); a worker asleep
        # in its wait would use none
        share, slept = self.idle(busy)
        self.assertLessEqual(slept, 2)
        self.assertGreater(share, 0.02)
        self.assertTrue(self.answered())
        self.write("sluice.cfg", self.config("    busy-polling\n    no busy-polling"))
        self.proc.signal(signal.SIGHUP)
        self.assertTrue(self.proc.log_lines("reload: generation 2 ready"))
        calm = self.worker(old=(busy,))
        self.assertTrue(self.answered())
        self.assertLess(self.idle(calm)[0], 0.1)

    def test_default_sleeps(self):
        self.port = harness.free_port()
        self.proc = self.start_config(self.config(""))
        self.assertTrue(self.answered())
        self.assertLess(self.idle(self.worker())[0], 0.1)


if __name__ == "__main__":
    harness.main()
