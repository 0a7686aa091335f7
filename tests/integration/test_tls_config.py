"""The TLS configuration keywords against HAProxy 2.6: `sluice -c` and `haproxy -c` load the
same files (certificates made by tlspki.py) and both accept the good ones and both refuse the
bad ones, sluice naming the file and line of the mistake (a crt-list line's own file and
line)."""

import os

import harness
import tlspki

HEAD = """global
    log stdout local0
%s
defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
"""


class TlsConfig(harness.TestCase):
    def setUp(self):
        super().setUp()
        if not harness.have_haproxy():
            self.skipTest("no HAProxy to compare with")
        self.pki = tlspki.build(os.path.join(self.tmp, "pki"))
        s = self.pki.servers
        # a directory of certificates with what HAProxy skips beside them
        self.certdir = os.path.join(self.tmp, "certdir")
        os.makedirs(self.certdir)
        for name in ("a.test", "b.test"):
            with open(s[name].pem) as f:
                self.write(os.path.join("certdir", name + ".pem"), f.read())
        self.write(os.path.join("certdir", "a.test.pem.ocsp"), "not a certificate")
        self.write(os.path.join("certdir", ".hidden"), "not a certificate")
        self.vars = dict(a=s["a.test"].pem, b=s["b.test"].pem, ca=self.pki.ca_file,
                         cca=self.pki.client_ca_file, crl=self.pki.crl, dir=self.certdir,
                         pki=self.pki.dir, list=self.pki.crt_list, client=self.pki.clients["good"].pem,
                         port=harness.free_port(), sport=harness.free_port())

    def config(self, name, global_, body):
        return self.write(name, (HEAD % global_ + body).format(**self.vars))

    def check(self, path):
        """(sluice's returncode and stderr, haproxy's returncode and output)"""
        r = harness.run(["-c", "-f", path])
        h = harness.run(["-c", "-f", path], binary=harness.HAPROXY)
        return r, h

    def test_both_accept(self):
        good = [
            ("", "frontend f\n    bind 127.0.0.1:{port} ssl crt {a} crt {b} alpn h2,http/1.1 "
             "ciphers ECDHE+AESGCM ciphersuites TLS_AES_128_GCM_SHA256 curves X25519:P-256 "
             "ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.3 strict-sni no-tls-tickets "
             "prefer-client-ciphers\n    default_backend b\nbackend b\n"
             "    server s 127.0.0.1:{sport} verify none\n"),
            ("", "frontend f\n    bind 127.0.0.1:{port} ssl crt {dir} crt-list {list} "
             "ecdhe prime256v1 no-tlsv10 no-tlsv11\n    default_backend b\nbackend b\n"
             "    server s 127.0.0.1:{sport}\n"),
            ("", "frontend f\n    bind 127.0.0.1:{port} ssl crt {a} verify optional ca-file {cca} "
             "crl-file {crl} force-tlsv12\n    default_backend b\nbackend b\n"
             "    server s 127.0.0.1:{sport}\n"),
            ("    crt-base {pki}\n    ca-base {pki}\n"
             "    ssl-default-bind-ciphers ECDHE+AESGCM\n"
             "    ssl-default-bind-ciphersuites TLS_AES_256_GCM_SHA384\n"
             "    ssl-default-bind-curves X25519\n"
             "    ssl-default-bind-options no-sslv3 no-tlsv10 no-tls-tickets "
             "ssl-max-ver TLSv1.3\n"
             "    ssl-default-server-ciphers ECDHE+AESGCM\n"
             "    ssl-default-server-ciphersuites TLS_AES_128_GCM_SHA256\n"
             "    ssl-default-server-options no-tls-tickets ssl-min-ver TLSv1.2\n"
             "    tune.ssl.default-dh-param 2048\n    tune.ssl.cachesize 1000\n"
             "    tune.ssl.lifetime 10m\n    maxsslconn 100\n    maxsslrate 50\n",
             "frontend f\n    bind 127.0.0.1:{port} ssl crt certs/a.test.pem ca-file client-ca.pem "
             "verify required\n    default_backend b\nbackend b\n"
             "    default-server ssl ca-file root.pem alpn http/1.1 sni str(origin.test) "
             "no-ssl-reuse\n"
             "    server s1 127.0.0.1:{sport} verifyhost origin.test crt {client}\n"
             "    server s2 127.0.0.1:{sport} no-ssl\n"
             "    server s3 127.0.0.1:{sport} ssl-reuse tls-tickets force-tlsv13 "
             "ssl-max-ver TLSv1.3\n"
             "    server s4 127.0.0.1:{sport} verify none no-tlsv12 ciphers ECDHE+CHACHA20\n"),
            ("    ssl-server-verify none\n",
             "backend b\n    server s 127.0.0.1:{sport} ssl\n"),
        ]
        for i, (g, body) in enumerate(good):
            with self.subTest(config=i):
                path = self.config("good%d.cfg" % i, g, body)
                r, h = self.check(path)
                self.assertNotEqual(h.returncode, 1, h.stdout + h.stderr)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_both_refuse_at_the_line(self):
        # (global lines, body, line of the error in the file (global lines count), message)
        bad = [
            ("", "frontend f\n    bind :{port} ssl\n", 10, "no SSL certificate specified"),
            ("", "frontend f\n    bind :{port} ssl crt {a} verify required\n", 10,
             "verify is enabled but no CA file specified for this bind"),
            ("", "frontend f\n    bind :{port} ssl crt {a} ssl-min-ver TLSv1.4\n", 10,
             "'TLSv1.4' : unknown ssl/tls version"),
            ("", "frontend f\n    bind :{port} ssl crt {a} verify maybe\n", 10,
             "verify: expected none, optional or required"),
            ("", "frontend f\n    bind :{port} ssl crt {a} no-tlsv12 no-tlsv13\n", 10,
             "all SSL/TLS versions are disabled"),
            ("", "frontend f\n    bind :{port} ssl crt {a} ciphers\n", 10,
             "'ciphers' needs an argument"),
            ("", "frontend f\n    bind :{port} ssl crt-list {pki}/nonexistent.txt\n", 10,
             "crt-list: cannot read"),
            ("", "backend b\n    server s 127.0.0.1:{sport} ssl\n", 10,
             "'server b/s' : verify is enabled by default but no CA file specified"),
            ("    ssl-server-verify none\n",
             "backend b\n    server s 127.0.0.1:{sport} ssl verify required\n", 11,
             "'server b/s' : verify is enabled but no CA file specified."),
            ("", "backend b\n    default-server ssl\n    server s 127.0.0.1:{sport} no-ssl\n"
             "    server t 127.0.0.1:{sport}\n", 12, "'server b/t' : verify is enabled"),
            ("", "backend b\n    server s 127.0.0.1:{sport} ssl verify optional\n", 10,
             "verify: expected none or required"),
            ("", "backend b\n    server s 127.0.0.1:{sport} ssl verify none curves X25519\n",
             10, "curves"),
            ("    ssl-default-bind-options tls-tickets\n", "", 3,
             "unknown option 'tls-tickets' on global statement 'ssl-default-bind-options'"),
            ("    ssl-default-server-options prefer-client-ciphers\n", "", 3,
             "unknown option 'prefer-client-ciphers'"),
            ("    ssl-default-bind-options\n", "", 3, "expects an option as an argument"),
            ("    ssl-default-server-curves X25519\n", "", 3, "ssl-default-server-curves"),
            ("    ssl-default-bind-options no-tlsv13\n",
             "frontend f\n    bind :{port} ssl crt {a} no-tlsv12\n", 11,
             "all SSL/TLS versions are disabled"),
        ]
        for i, (g, body, line, msg) in enumerate(bad):
            with self.subTest(config=i, msg=msg):
                path = self.config("bad%d.cfg" % i, g, body)
                r, h = self.check(path)
                self.assertEqual(h.returncode, 1, h.stdout + h.stderr)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertIn("%s:%d:" % (path, line), r.stderr)
                self.assertIn(msg, r.stderr)

    def test_alerted_and_ignored(self):
        """HAProxy alerts about no-tlsv1x on default-server and loads without it: sluice
        warns at the line and loads too."""
        path = self.config("dflt.cfg", "", "frontend f\n    bind 127.0.0.1:{port}\n"
                           "    default_backend b\nbackend b\n"
                           "    default-server no-tlsv10 ssl verify none\n"
                           "    server s 127.0.0.1:{sport}\n")
        r, h = self.check(path)
        self.assertIn("'no-tlsv10' option is not accepted in default-server sections", h.stderr)
        self.assertNotEqual(h.returncode, 1, h.stdout + h.stderr)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("%s:13:" % path, r.stderr)
        self.assertIn("'no-tlsv10' option is not accepted in default-server sections", r.stderr)

    def test_crt_list_lines(self):
        a = self.vars["a"]
        good = ["# a comment\n\n%s\n" % a,
                "%s [alpn h2 ssl-min-ver TLSv1.2 ciphers ECDHE+AESGCM] a.test !b.a.test\n" % a,
                "%s[verify optional ca-file %s crl-file %s]\n"
                % (a, self.pki.client_ca_file, self.pki.crl),
                "%s [] a.test\n%s [ecdhe prime256v1 curves X25519 ciphersuites "
                "TLS_AES_128_GCM_SHA256 verify none]\n" % (a, a)]
        bad = [("%s [alpn h2] [ciphers X]\n", "too many '['"),
               ("%s alpn h2]\n", "']' without '['"),
               ("%s [alpn h2]]\n", "too many ']'"),
               ("[alpn h2] %s\n", "must start with a certificate"),
               ("%s [no-tls-tickets]\n", "unknown ssl keyword 'no-tls-tickets'"),
               ("%s [no-tlsv10]\n", "unknown ssl keyword 'no-tlsv10'"),
               ("%s [strict-sni]\n", "unknown ssl keyword 'strict-sni'"),
               ("%s [verify sometimes]\n", "verify: expected none, optional or required"),
               ("%s [ssl-min-ver TLSv1.9]\n", "unknown ssl/tls version"),
               ("%s [alpn]\n", "'alpn' needs an argument")]
        body = ("frontend f\n    bind 127.0.0.1:{port} ssl crt-list %s\n    default_backend b\n"
                "backend b\n    server s 127.0.0.1:{sport}\n")
        for i, text in enumerate(good):
            with self.subTest(good=text):
                lst = self.write("good%d.txt" % i, text)
                r, h = self.check(self.config("lg%d.cfg" % i, "", body % lst))
                self.assertNotEqual(h.returncode, 1, h.stdout + h.stderr)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for i, (text, msg) in enumerate(bad):
            with self.subTest(bad=text):
                lst = self.write("bad%d.txt" % i, "%s\n# comment\n" % a + text % a)
                r, h = self.check(self.config("lb%d.cfg" % i, "", body % lst))
                self.assertEqual(h.returncode, 1, h.stdout + h.stderr)
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                self.assertIn("%s:3:" % lst, r.stderr)
                self.assertIn(msg, r.stderr)


if __name__ == "__main__":
    harness.main()
