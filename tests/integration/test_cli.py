"""sluice(8) command-line behaviour, on the real binary."""

import re

import harness


class Version(harness.TestCase):
    def test_v_prints_one_line(self):
        r = harness.run(["-v"])
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 1)
        self.assertRegex(lines[0], r"^sluice version \d+\.\d+\.\d+")

    def test_vv_names_every_library_built_and_running(self):
        r = harness.run(["-vv"])
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout
        for lib in ("OpenSSL", "nghttp2", "jansson", "libsystemd"):
            self.assertRegex(out, r"(?m)^Built with %s .*; running with " % lib)
        # The running versions come from the libraries themselves, not the headers.
        self.assertRegex(out, r"running with nghttp2 \d+\.\d+\.\d+")
        self.assertRegex(out, r"running with jansson \d+\.\d+")


class Usage(harness.TestCase):
    def test_h_prints_usage_and_succeeds(self):
        r = harness.run(["-h"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("Usage: sluice", r.stdout)
        for flag in ("-f CFG", "-c", "-d", "-q", "-v", "-h"):
            self.assertIn(flag, r.stdout)

    def test_unknown_flag_fails_with_usage_on_stderr(self):
        r = harness.run(["-Z"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown option -Z", r.stderr)
        self.assertIn("Usage: sluice", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_f_without_argument(self):
        r = harness.run(["-c", "-f"])
        self.assertEqual(r.returncode, 1)
        self.assertIn("-f needs a file or directory", r.stderr)

    def test_every_flag_in_usage_is_in_the_man_page(self):
        usage = harness.run(["-h"]).stdout
        flags = set(re.findall(r"^\s+(-[a-zA-Z]|--[a-z-]+)\b", usage, re.M))
        self.assertTrue(flags)
        with open(harness.MAN_SLUICE_8) as f:
            man = f.read()
        for flag in flags:
            self.assertRegex(man, r"(?m)^\.B[IR]? %s\b" % re.escape(flag.replace("-", "\\-")),
                             "%s is not documented in sluice.8" % flag)


if __name__ == "__main__":
    harness.main()
