"""Server state across reloads and restarts, and server-state files: the configuration always
wins over restored state (the GitLab incident: a file saying the old port must not bring it
back), in HAProxy's format (written by HAProxy itself) and in sluice's own; runtime state of
an unchanged server survives a reload and a restart; bad files are refused or skipped line by
line, and sluice starts anyway."""

import os
import re
import signal

import harness
from origin import Origin
from test_health import stat_rows, wait_for
from test_servers import origin_of
from test_stats import ask


def get(port):
    return harness.request(port, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")


class ServerState(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.port = harness.free_port()
        self.sock = os.path.join(self.tmp, "admin.sock")
        self.state = os.path.join(self.tmp, "state", "servers")
        os.makedirs(os.path.dirname(self.state), exist_ok=True)
        self.a, self.b = Origin("A"), Origin("B")
        self.addCleanup(self.a.stop)
        self.addCleanup(self.b.stop)

    def config(self, servers, extra_global=""):
        return """\
global
    stats socket %s level admin
    server-state-base %s
    server-state-file servers
%s
defaults
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s
    load-server-state-from-file global

frontend fe
    bind 127.0.0.1:%d
    default_backend be

backend be
%s""" % (self.sock, os.path.dirname(self.state), extra_global, self.port, servers)

    def origins_seen(self, n=4):
        return {origin_of(get(self.port)[2]) for _ in range(n)}

    def state_lines(self):
        with open(self.state) as f:
            return f.read().split("\n")

    def test_gitlab_incident_haproxy_file(self):
        """HAProxy's own "show servers state" saved by a reload script says port A; the
        configuration now says port B: sluice sends traffic to B and says why."""
        if not harness.have_haproxy():
            self.skipTest("haproxy is not installed")
        hsock = os.path.join(self.tmp, "haproxy.sock")
        h = self.start_haproxy("""\
global
    stats socket %s level admin
defaults
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s
backend be
    server s1 127.0.0.1:%d weight 3
""" % (hsock, self.a.port))
        saved = ask(hsock, "show servers state\n")
        h.stop()
        self.assertTrue(saved.startswith("1\n"), saved)
        with open(self.state, "w") as f:
            f.write(saved)
        line = [i + 1 for i, ln in enumerate(saved.split("\n")) if " s1 " in ln][0]
        p = self.start_config(self.config("    server s1 127.0.0.1:%d weight 3\n" % self.b.port))
        self.assertEqual(self.origins_seen(), {"B"})
        self.assertIn("server-state file %s:%d: server 'be/s1' changed in the configuration "
                      "since: port %d -> %d (the configuration's is used, its runtime state is "
                      "not restored)" % (self.state, line, self.a.port, self.b.port), p.log())

    def test_gitlab_incident_reload_and_restart(self):
        """Port A -> B by a reload (the state file a reload script saved just before says A),
        then by a restart on sluice's own file: B both times, and the logs say so."""
        p = self.start_config(self.config("    server s1 127.0.0.1:%d\n" % self.a.port))
        self.assertEqual(self.origins_seen(), {"A"})
        with open(self.state, "w") as f:
            f.write(ask(self.sock, "show servers state\n"))
        self.write("sluice.cfg", self.config("    server s1 127.0.0.1:%d\n" % self.b.port))
        p.signal(signal.SIGUSR2)
        self.assertTrue(wait_for(lambda: "generation 2" in p.log()), p.log())
        self.assertTrue(wait_for(lambda: self.origins_seen() == {"B"}))
        self.assertIn("reload: server 'be/s1' changed address or port: 127.0.0.1:%d -> "
                      "127.0.0.1:%d (the configuration's is used)" % (self.a.port, self.b.port),
                      p.log())
        # the reload wrote sluice's own file, with the configuration of then (A)
        self.assertEqual(self.state_lines()[0], "sluice-server-state 1")
        self.assertRegex("\n".join(self.state_lines()),
                         r"\nbe s1 127\.0\.0\.1 %d 1 [0-9a-f]{16} 127\.0\.0\.1 %d 0 1 0 1 " %
                         (self.a.port, self.a.port))
        # stop: the file now holds B; a restart on a configuration saying A again goes to A
        p.stop()
        self.assertIn("be s1 127.0.0.1 %d " % self.b.port, "\n".join(self.state_lines()))
        p = self.start_config(self.config("    server s1 127.0.0.1:%d\n" % self.a.port))
        self.assertEqual(self.origins_seen(), {"A"})
        self.assertRegex(p.log(), r"server-state file %s:3: server 'be/s1' changed in the "
                         r"configuration since: port %d -> %d \(the configuration's is used, "
                         r"its runtime state is not restored\)" % (re.escape(self.state),
                                                                   self.b.port, self.a.port))

    def test_runtime_state_survives_reload_and_restart(self):
        """A weight and a maintenance set at run time on unchanged servers survive a reload
        and a restart; a server whose weight the configuration changed starts from it."""
        servers = ("    server s1 127.0.0.1:%d\n    server s2 127.0.0.1:%d\n"
                   "    server s3 127.0.0.1:%d weight %%d\n" % (self.a.port, self.b.port,
                                                              self.b.port))
        p = self.start_config(self.config(servers % 1))
        self.assertEqual(ask(self.sock, "set server be/s1 weight 5\n").strip(), "")
        self.assertEqual(ask(self.sock, "set server be/s2 state maint\n").strip(), "")
        self.assertEqual(ask(self.sock, "set server be/s3 state drain\n").strip(), "")
        p.signal(signal.SIGUSR2)
        self.assertTrue(wait_for(lambda: "generation 2" in p.log()), p.log())
        rows = stat_rows(self.sock)
        self.assertEqual((rows["s1"]["weight"], rows["s2"]["status"], rows["s3"]["status"]),
                         ("5", "MAINT", "DRAIN"))
        self.assertEqual(self.origins_seen(), {"A"})
        p.stop()
        # a restart: s3's weight changed in the configuration, the others did not
        p = self.start_config(self.config(servers % 2))
        rows = stat_rows(self.sock)
        self.assertEqual((rows["s1"]["weight"], rows["s2"]["status"]), ("5", "MAINT"))
        self.assertEqual((rows["s3"]["weight"], rows["s3"]["status"]), ("2", "no check"))
        self.assertIn("server 'be/s3' changed in the configuration since: weight 1 -> 2",
                      p.log())
        self.assertIn("server-state file: the runtime state of 2 servers restored, 1 left to "
                      "the configuration", p.log())
        self.assertEqual(self.origins_seen(), {"A", "B"})
        # the runtime commands still work on restored state
        self.assertEqual(ask(self.sock, "set server be/s2 state ready\n").strip(), "")
        self.assertEqual(stat_rows(self.sock)["s2"]["status"], "no check")

    def test_haproxy_file_maint_and_health(self):
        """HAProxy's file: a forced maintenance and a DOWN health are restored on an unchanged
        server (no flap to UP at start); the configuration's own "disabled" stays its own."""
        port = harness.free_port()  # nobody listens: its checks fail
        head = ("1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state "
                "srv_uweight srv_iweight srv_time_since_last_change srv_check_status "
                "srv_check_result srv_check_health srv_check_state srv_agent_state "
                "bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl "
                "srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n")
        with open(self.state, "w") as f:
            f.write(head +
                    "3 be 1 s1 127.0.0.1 2 1 1 1 10 15 3 4 6 0 0 0 - %d - 0 0 - - 0\n"
                    % self.a.port +
                    "3 be 2 s2 127.0.0.1 0 0 1 1 10 8 2 0 6 0 0 0 - %d - 0 0 - - 0\n" % port +
                    "3 be 3 s3 127.0.0.1 2 0 1 1 10 15 3 4 6 0 0 0 - %d - 0 0 - - 0\n"
                    % self.b.port)
        p = self.start_config(self.config(
            "    server s1 127.0.0.1:%d check inter 10s\n"
            "    server s2 127.0.0.1:%d check inter 100ms fall 2\n"
            "    server s3 127.0.0.1:%d disabled\n" % (self.a.port, port, self.b.port)))
        rows = stat_rows(self.sock)
        self.assertEqual(rows["s1"]["status"], "MAINT")
        self.assertEqual(rows["s2"]["status"], "DOWN")
        self.assertEqual(rows["s3"]["status"], "MAINT")
        self.assertEqual(get(self.port)[0], 503)
        # the checker goes on from DOWN: no "is UP", no second "is DOWN" transition
        self.assertTrue(wait_for(lambda: stat_rows(self.sock)["s2"]["check_status"] == "L4CON"))
        self.assertNotIn("Server be/s2 is", p.log())

    def test_init_addr_last(self):
        """init-addr last: a host name that does not resolve takes the file's address, with
        the configuration's port."""
        with open(self.state, "w") as f:
            f.write("1\n3 be 1 s1 127.0.0.1 2 0 1 1 0 6 3 4 6 0 0 0 app.invalid 9 - 0 0 - - 0\n")
        p = self.start_config(self.config(
            "    server s1 app.invalid:%d init-addr last,none\n" % self.b.port))
        self.assertEqual(self.origins_seen(), {"B"})
        # the file's port is not the configuration's: said, and not used
        self.assertIn("server-state file %s:2: server 'be/s1' changed in the configuration "
                      "since: port 9 -> %d" % (self.state, self.b.port), p.log())

    def test_bad_files(self):
        """Truncated, wrong version, garbage, unknown servers and backends: sluice starts on
        the configuration, each problem said once with its line."""
        servers = "    server s1 127.0.0.1:%d\n" % self.a.port
        p = self.start_config(self.config(servers))
        ask(self.sock, "set server be/s1 weight 7\n")
        p.stop()
        good = self.state_lines()
        cases = [
            ("\n".join(good[:-2]) + "\n", r":\d+: warning: server-state file refused: it has no "
                                          r"end line: it was cut short; the configuration is "
                                          r"used"),
            ("2\n", r":1: warning: server-state file refused: unknown version"),
            ("\x00\x01garbage\n", r":1: warning: server-state file refused: it holds a NUL "
                                  r"byte"),
            ("GET / HTTP/1.1\n", r":1: warning: server-state file refused: no version"),
        ]
        for text, want in cases:
            with open(self.state, "w") as f:
                f.write(text)
            p = self.start_config(self.config(servers))
            log = p.log()
            self.assertRegex(log, re.escape(self.state) + want)
            self.assertEqual(len(re.findall("server-state file refused", log)), 1, log)
            self.assertEqual(stat_rows(self.sock)["s1"]["weight"], "1")
            self.assertEqual(self.origins_seen(), {"A"})
            p.stop()
        # unknown servers and backends, a bad line: skipped, the good line used
        head = "1\n"
        with open(self.state, "w") as f:
            f.write(head +
                    "3 be 1 s1 127.0.0.1 2 0 6 1 0 6 3 4 6 0 0 0 - %d -\n" % self.a.port +
                    "3 be 2 ghost 127.0.0.1 2 0 6 1 0 6 3 4 6 0 0 0 - 1 -\n"
                    "9 gone 1 x 127.0.0.1 2 0 6 1 0 6 3 4 6 0 0 0 - 1 -\n"
                    "9 gone 2 y 127.0.0.1 2 0 6 1 0 6 3 4 6 0 0 0 - 1 -\n"
                    "3 be 3 s9 127.0.0.1 2 0 6 1\n")
        p = self.start_config(self.config(servers))
        log = p.log()
        st = re.escape(self.state)
        self.assertRegex(log, st + r":3: warning: server-state file: no server 'ghost' in "
                                   r"backend 'be': line ignored")
        self.assertRegex(log, st + r":4: warning: server-state file: no backend 'gone' in the "
                                   r"configuration: its lines are ignored")
        self.assertNotRegex(log, st + r":5:")
        self.assertRegex(log, st + r":6: warning: server-state file: a version 1 line has 20 "
                                   r"to 25 fields, not '9': line ignored")
        self.assertEqual(stat_rows(self.sock)["s1"]["weight"], "6")


if __name__ == "__main__":
    harness.main()
