"""sluice(8) command-line behaviour, on the real binary."""

import itertools
import os
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


def man_tags(path):
    """The tags (the line after a .TP or .TQ) of the man page at @path, by section, each as
    its list of words: {"RUNTIME API": [["show", "info", "typed", "json"], ...], ...}."""
    sections, name, tag_next = {}, None, False
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(".SH "):
                name = line[4:].strip('"')
                sections[name] = []
            elif line.startswith((".TP", ".TQ")):
                tag_next = True
            elif tag_next and name:
                tag_next = False
                text = re.sub(r"^\.[A-Z]+\s*", "", line)
                text = re.sub(r"\\f[BIRP]", "", text).replace("\\-", "-").replace('"', " ")
                sections[name].append([t for t in re.split(r"[\s|/,.\[\]{}]+", text) if t])
    return sections


def help_commands(text):
    """The commands a "help" answer lists, each as its tuple of literal words with every
    alternative ("enable|disable", "[json|typed]", "a | b", "a, b") spelled out;
    placeholders (<name>) and descriptions (after " : ") left out."""
    commands = set()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(":") or line.endswith(":"):
            continue
        line = line.split(" : ")[0]
        # whole commands separated by " | " or ", " outside brackets
        parts, depth, start = [], 0, 0
        for i, c in enumerate(line):
            depth += c in "[{"
            depth -= c in "]}"
            if depth == 0 and line.startswith((" | ", ", "), i):
                parts.append(line[start:i])
                start = i + 2
        parts.append(line[start:])
        for part in parts:
            choices = []
            for token in part.split():
                token = re.sub(r"<[^>]*>", "", token).strip("[]{}.")
                alts = [a.strip("[]{}") for a in token.split("|")]
                alts = [a for a in alts if re.fullmatch(r"[a-z][a-z-]*|@!?", a)]
                if alts:
                    choices.append(alts)
            commands.update(itertools.product(*choices))
    commands.discard(())
    return commands


def documented(tags, words):
    """Whether one of @tags has @words in this order (a punctuation word such as "@" may
    start a word of the tag: "@n")."""
    for tag in tags:
        k = 0
        for t in tag:
            if k < len(words) and (t == words[k] or (not words[k][0].isalpha() and
                                                     t.startswith(words[k]))):
                k += 1
        if k == len(words):
            return True
    return False


class ManPage(harness.TestCase):
    """sluice.8 documents every command the running program lists in its "help" answers:
    the stats socket's runtime API, the control socket's own commands and a worker's."""

    def setUp(self):
        super().setUp()
        self.sections = man_tags(harness.MAN_SLUICE_8)
        stats = os.path.join(self.tmp, "stats.sock")
        self.ctl_sock = os.path.join(self.tmp, "ctl.sock")
        cfg = self.write("sluice.cfg", """
global
    stats socket %s level admin
frontend f
    bind 127.0.0.1:%d
    default_backend b
backend b
    server s 127.0.0.1:%d
""" % (stats, harness.free_port(), harness.free_port()))
        self.start(["-f", cfg, "-S", self.ctl_sock])
        self.stats_help = harness.stats_command(stats, "help\n")
        self.ctl_help = harness.stats_command(self.ctl_sock, "help\n")
        self.worker_help = harness.stats_command(self.ctl_sock, "@1 help\n")

    def check(self, answer, section):
        commands = help_commands(answer)
        self.assertGreater(len(commands), 2, answer)
        tags = self.sections[section]
        missing = [" ".join(c) for c in sorted(commands) if not documented(tags, c)]
        self.assertEqual(missing, [], "not documented in the %s section of sluice.8" % section)

    def test_every_runtime_api_command(self):
        self.assertIn("set server", self.stats_help)
        self.check(self.stats_help, "RUNTIME API")

    def test_every_control_socket_command(self):
        self.assertIn("show proc", self.ctl_help)
        self.check(self.ctl_help, "CONTROL SOCKET")

    def test_every_worker_command(self):
        self.assertIn("show info", self.worker_help)
        self.check(self.worker_help, "CONTROL SOCKET")

    def test_the_check_can_fail(self):
        tags = self.sections["RUNTIME API"]
        self.assertTrue(documented(tags, ("set", "server", "state", "drain")))
        self.assertFalse(documented(tags, ("set", "server", "colour")))
        self.assertIn(("enable", "frontend"), help_commands("enable|disable frontend <fe> : x"))
        self.assertIn(("set", "maxconn", "global"),
                      help_commands("set maxconn frontend <f> <n> | set maxconn global <n>"))
        self.assertIn(("@!",), help_commands("@<n> <command>, @!<pid> <command> : x"))


def c_sources(*folders):
    """The text of every .c file in @folders of the source tree, by path."""
    texts = {}
    for folder in folders:
        top = os.path.join(harness.SOURCE_ROOT, folder)
        for name in sorted(os.listdir(top)):
            if name.endswith(".c"):
                with open(os.path.join(top, name)) as f:
                    texts[os.path.join(folder, name)] = f.read()
    return texts


class ManPageFromSource(harness.TestCase):
    """sluice.8 names every environment variable the program reads and every signal the
    master handles, as found in the C sources."""

    def section_text(self, name):
        with open(harness.MAN_SLUICE_8) as f:
            man = f.read()
        m = re.search(r"(?ms)^\.SH %s\n(.*?)^\.SH " % re.escape(name), man)
        self.assertIsNotNone(m, name)
        return m.group(1).replace("\\-", "-")

    def test_every_environment_variable_read(self):
        texts = c_sources("common", "config", "master", "worker", "shm", "proto")
        defines = {}
        for text in texts.values():
            defines.update(re.findall(r'(?m)^#define\s+([A-Z_][A-Z0-9_]*)\s+"([A-Z_][A-Z0-9_]*)"',
                                      text))
        names = set()
        for text in texts.values():
            for arg in re.findall(r"\bgetenv\(\s*([^()]*?)\s*\)", text):
                if arg.startswith('"'):
                    names.add(arg.strip('"'))
                elif arg in defines:
                    names.add(defines[arg])
                # else the name is the configuration's (cfg.5: environment variables, env())
        self.assertIn("JOURNAL_STREAM", names)
        section = self.section_text("ENVIRONMENT")
        for name in sorted(names):
            self.assertTrue(re.search(r"(?m)^\.B[IR]? .*\b%s\b" % name, section),
                            "%s is read but not in the ENVIRONMENT section of sluice.8" % name)

    def test_every_signal_the_master_handles(self):
        signals = set()
        for text in c_sources("master").values():
            signals.update(re.findall(r"\b(?:sigaddset\([^,]*,|signal\(|sigaction\()\s*(SIG[A-Z0-9]+)",
                                      text))
        self.assertIn("SIGTERM", signals)
        section = self.section_text("SIGNALS")
        for sig in sorted(signals):
            self.assertTrue(re.search(r"(?m)^\.B[IR]? .*\b%s\b" % sig, section),
                            "%s is handled but not in the SIGNALS section of sluice.8" % sig)


if __name__ == "__main__":
    harness.main()
