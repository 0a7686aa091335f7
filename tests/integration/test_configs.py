"""The configuration corpus (tests/configs): real-world style configurations that must load
and round-trip through --dump-config, and broken ones that must fail with a given message at
a given line (each names its expectation on its first line: '# expect: LINE: MESSAGE')."""

import glob
import json
import os

import harness

CONFIGS = os.path.join(harness.SOURCE_ROOT, "tests", "configs")


def valid_files():
    return sorted(glob.glob(os.path.join(CONFIGS, "valid", "*.cfg")))


def invalid_files():
    return sorted(glob.glob(os.path.join(CONFIGS, "invalid", "*.cfg")))


class Corpus(harness.TestCase):
    def env(self):
        """The environment the corpus's ${VAR} references expect."""
        errdir = os.path.join(self.tmp, "errors")
        os.makedirs(errdir, exist_ok=True)
        with open(os.path.join(errdir, "503.http"), "w") as f:
            f.write("HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nbusy\n")
        env = dict(os.environ)
        env.update(ERRORFILE_DIR=errdir, MAXCONN="1000", BIND_ADDR="127.0.0.1",
                   BIND_PORT="8080", APP1="127.0.0.1:8001")
        return env

    def test_corpus_sizes(self):
        self.assertGreaterEqual(len(valid_files()), 25)
        self.assertGreaterEqual(len(invalid_files()), 40)

    def test_valid_configs_load_and_round_trip(self):
        env = self.env()
        for path in valid_files():
            with self.subTest(config=os.path.basename(path)):
                r = harness.run(["-c", "-f", path], env=env)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout, "Configuration file is valid\n")
                d1 = harness.run(["--dump-config", "-f", path], env=env)
                self.assertEqual(d1.returncode, 0, d1.stderr)
                dumped = self.write("dump1.cfg", d1.stdout)
                d2 = harness.run(["--dump-config", "-f", dumped], env=env)
                self.assertEqual(d2.returncode, 0, d2.stderr)
                self.assertEqual(d1.stdout, d2.stdout)

    def test_invalid_configs_fail_at_the_right_line(self):
        for path in invalid_files():
            with self.subTest(config=os.path.basename(path)):
                with open(path, "rb") as f:
                    first = f.readline().decode()
                self.assertTrue(first.startswith("# expect: "), first)
                line, msg = first[len("# expect: "):].rstrip("\n").split(": ", 1)
                r = harness.run(["-c", "-f", path])
                self.assertEqual(r.returncode, 1, r.stdout)
                hits = [l for l in r.stderr.splitlines()
                        if l.startswith("%s:%s:" % (path, line)) and msg in l]
                self.assertTrue(hits, "want %s:%s: ...%s...\ngot:\n%s" % (path, line, msg,
                                                                        r.stderr))
                j = harness.run(["-c", "--json", "-f", path])
                self.assertEqual(j.returncode, 1)
                report = json.loads(j.stdout)
                self.assertFalse(report["valid"])
                self.assertTrue(any(d["line"] == int(line) and msg in d["message"]
                                    and d["severity"] == "error" and d["file"] == path
                                    for d in report["diagnostics"]), j.stdout)


class Json(harness.TestCase):
    def test_valid_json(self):
        path = os.path.join(CONFIGS, "valid", "03-simple-http.cfg")
        r = harness.run(["-c", "--json", "-f", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        report = json.loads(r.stdout)
        self.assertEqual(report, {"valid": True, "errors": 0, "warnings": 0, "diagnostics": []})

    def test_json_needs_c(self):
        r = harness.run(["--json", "-f", "x.cfg"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("--json goes with -c", r.stderr)


class Dump(harness.TestCase):
    def test_dump_spells_out_inherited_settings(self):
        path = self.write("in.cfg", "defaults\n    mode http\n    timeout client 7s\n"
                                    "    timeout server 9s\n"
                                    "frontend f\n    bind 127.0.0.1:%d\n    default_backend b\n"
                                    "backend b\n    server s 127.0.0.1:1 weight 5\n"
                          % harness.free_port())
        r = harness.run(["--dump-config", "-f", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        front = r.stdout.split("\nfrontend f\n")[1].split("\nbackend b\n")[0]
        back = r.stdout.split("\nbackend b\n")[1]
        self.assertIn("    mode http\n", front)
        self.assertIn("    timeout client 7000ms\n", front)
        # a backend inherits "timeout client" but may not say it
        self.assertNotIn("timeout client", back)
        self.assertIn("    timeout server 9000ms\n", back)
        self.assertIn("    server s 127.0.0.1:1 weight 5 maxconn 0\n", back)

    def test_dump_of_invalid_config_fails(self):
        path = self.write("bad.cfg", "global\n    nbthred 2\n")
        r = harness.run(["--dump-config", "-f", path])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn(path + ":2:5: error:", r.stderr)


if __name__ == "__main__":
    harness.main()
