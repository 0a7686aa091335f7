"""`sluice -c`: configuration checking on the real binary, as operators and scripts use it."""

import os

import harness

VALID = """\
global
    maxconn 100

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend web
    bind 127.0.0.1:%(port)d
    default_backend app

backend app
    server s1 127.0.0.1:%(backend_port)d
"""


class Check(harness.TestCase):
    def valid_config(self):
        return VALID % {"port": harness.free_port(), "backend_port": harness.free_port()}

    def test_valid_config(self):
        path = self.write("ok.cfg", self.valid_config())
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        # The exact wording operators' tools match on.
        self.assertEqual(r.stdout, "Configuration file is valid\n")

    def test_every_error_with_file_line_column(self):
        path = self.write("bad.cfg", "global\n    nbthred 2\n    maxconn lots\n"
                                     "frontend f\n    bind 127.0.0.1:1\n    optoin httplog\n")
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        errors = [l for l in r.stderr.splitlines() if ": error: " in l]
        self.assertEqual(len(errors), 3, r.stderr)
        self.assertTrue(errors[0].startswith(path + ":2:5: error: "), errors[0])
        self.assertIn("did you mean 'nbthread'?", errors[0])
        self.assertTrue(errors[1].startswith(path + ":3:13: error: "), errors[1])
        self.assertTrue(errors[2].startswith(path + ":6:5: error: "), errors[2])
        self.assertIn("did you mean 'option httplog'?", errors[2])

    def test_unsupported_haproxy_keyword_is_refused_not_ignored(self):
        path = self.write("lua.cfg", "global\n    lua-load /etc/x.lua\n")
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:2:5: error: 'lua-load' is a HAProxy keyword that sluice does not "
                      "support yet" % path, r.stderr)

    def test_several_files_and_a_directory_in_order(self):
        # Proxies may refer to each other across files: the files form one configuration.
        d = os.path.join(self.tmp, "conf.d")
        self.write("conf.d/20-backend.cfg", "backend app\n    server s 127.0.0.1:1\n")
        self.write("conf.d/10-frontend.cfg",
                   "frontend f\n    bind 127.0.0.1:%d\n    default_backend app\n"
                   % harness.free_port())
        self.write("conf.d/30-ignored.txt", "this is not read\n")
        self.write("conf.d/.hidden.cfg", "this is not read either\n")
        g = self.write("global.cfg", "global\n    maxconn 10\n")
        r = harness.run(["-c", "-f", g, "-f", d])
        self.assertEqual(r.returncode, 0, r.stderr)
        # An error names the file it is in.
        self.write("conf.d/40-bad.cfg", "backend b\n    retries many\n")
        r = harness.run(["-c", "-f", g, "-f", d])
        self.assertEqual(r.returncode, 1)
        self.assertIn(os.path.join(d, "40-bad.cfg") + ":2:13: error:", r.stderr)

    def test_missing_file(self):
        missing = os.path.join(self.tmp, "nope.cfg")
        r = harness.run(["-c", "-f", missing])
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s: error: cannot read: No such file or directory" % missing, r.stderr)

    def test_environment_variables(self):
        path = self.write("env.cfg", "frontend f\n    bind \"127.0.0.1:${FE_PORT}\"\n"
                                     "    default_backend b\nbackend b\n")
        env = dict(os.environ, FE_PORT=str(harness.free_port()))
        r = harness.run(["-c", "-f", path], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        env["FE_PORT"] = "70000"
        r = harness.run(["-c", "-f", path], env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn(path + ":2:", r.stderr)


if __name__ == "__main__":
    harness.main()
