"""The configuration corpus (tests/configs): real-world style configurations that must load
and round-trip through --dump-config, and broken ones that must fail with a given message at
a given line (each names its expectation on its first line: '# expect: LINE: MESSAGE')."""

import glob
import json
import os

import harness
import tlspki

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
    def test_tls_configs_round_trip(self):
        """TLS settings (certificates made for the test) load, and their dump loads back to
        the same dump: crt-list lines, a certificate directory, ssl-default-* applied,
        no-tlsv1x folded, default-server settings turned off by a server."""
        pki = tlspki.build(os.path.join(self.tmp, "pki"))
        s = pki.servers
        certdir = os.path.join(self.tmp, "certdir")
        os.makedirs(certdir)
        for name in ("a.test", "b.test"):
            with open(s[name].pem) as f:
                self.write(os.path.join("certdir", name + ".pem"), f.read())
        lst = self.write("list.txt", "# list\n%s [alpn h2 ssl-min-ver TLSv1.3 ecdhe prime256v1] "
                         "a.test !x.a.test\n%s\n%s[verify optional ca-file %s] *.w.test\n"
                         % (s["a.test"].pem, s["b.test"].pem, s["wild"].pem, pki.client_ca_file))
        configs = [
            """global
    crt-base {pki}
    ca-base {pki}
    ssl-default-bind-ciphers ECDHE+AESGCM
    ssl-default-bind-ciphersuites TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256
    ssl-default-bind-curves X25519:P-256
    ssl-default-bind-options no-sslv3 no-tlsv10 no-tls-tickets prefer-client-ciphers
    ssl-default-server-ciphers ECDHE+AESGCM
    ssl-default-server-options no-tls-tickets ssl-min-ver TLSv1.2
    tune.ssl.default-dh-param 2048
    tune.ssl.cachesize 5000
    tune.ssl.lifetime 10m
    maxsslconn 100
    maxsslrate 20
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend f
    bind 127.0.0.1:{p1} ssl crt certs/a.test.pem crt {dir} crt-list {lst} strict-sni alpn http/1.1 ecdhe prime256v1
    bind 127.0.0.1:{p2} ssl crt {a} verify required ca-file client-ca.pem crl-file client-ca.crl force-tlsv12
    bind 127.0.0.1:{p3} ssl crt {a} no-tlsv13 ciphers ECDHE+CHACHA20 sigalgs ECDSA+SHA256
    bind 127.0.0.1:{p4}
    default_backend b
backend b
    default-server ssl ca-file root.pem alpn http/1.1 sni str(origin.test) no-ssl-reuse
    server s1 127.0.0.1:{sport} verifyhost origin.test crt {client}
    server s2 127.0.0.1:{sport} no-ssl
    server s3 127.0.0.1:{sport} ssl-reuse tls-tickets verify none no-tlsv12 ssl-max-ver TLSv1.3
    server s4 127.0.0.1:{sport} no-tlsv13 ciphersuites TLS_AES_128_GCM_SHA256
""",
            """global
    ssl-server-verify none
    ssl-dh-param-file {dh}
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
listen l
    bind 127.0.0.1:{p1} ssl crt {a} ssl-max-ver TLSv1.2 ssl-min-ver TLSv1.2 no-tls-tickets
    server s 127.0.0.1:{sport} ssl sni req.ssl_sni
""",
        ]
        dh = self.write("dh.pem", tlspki.openssl("genpkey", "-genparam", "-algorithm", "DH",
                                                 "-pkeyopt", "group:ffdhe2048"))
        for i, text in enumerate(configs):
            with self.subTest(config=i):
                path = self.write("tls%d.cfg" % i, text.format(
                    pki=pki.dir, dir=certdir, lst=lst, a=s["a.test"].pem,
                    client=pki.clients["good"].pem, dh=dh,
                    p1=harness.free_port(), p2=harness.free_port(), p3=harness.free_port(),
                    p4=harness.free_port(), sport=harness.free_port()))
                r = harness.run(["-c", "-f", path])
                self.assertEqual(r.returncode, 0, r.stderr)
                d1 = harness.run(["--dump-config", "-f", path])
                self.assertEqual(d1.returncode, 0, d1.stderr)
                self.assertIn(" ssl crt ", d1.stdout)
                dumped = self.write("tls-dump%d.cfg" % i, d1.stdout)
                d2 = harness.run(["--dump-config", "-f", dumped])
                self.assertEqual(d2.returncode, 0, d2.stderr)
                self.assertEqual(d1.stdout, d2.stdout)

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
