"""The test PKI (tlspki.py) is what the TLS tests think it is: every chain verifies with
`openssl verify`, the bad certificates fail as they should, HAProxy loads the PEMs and the
crt-list, and s_client() reports what a real handshake with `openssl s_server` negotiated."""

import os
import subprocess
import time

import harness
import tlspki


def verify(*args):
    """`openssl verify` with @args; returns (ok, output)."""
    p = subprocess.run([tlspki.OPENSSL, "verify"] + list(args), capture_output=True, text=True,
                       timeout=harness.DEFAULT_TIMEOUT)
    return p.returncode == 0, p.stdout + p.stderr


def pem_blocks(path):
    """The kinds of the PEM blocks of @path, in order ("CERTIFICATE", "PRIVATE KEY")."""
    with open(path) as f:
        return [l[len("-----BEGIN "):-len("-----")] for l in f.read().splitlines()
                if l.startswith("-----BEGIN ")]


def pubkey_of(path, kind):
    if kind == "cert":
        return tlspki.openssl("x509", "-in", path, "-noout", "-pubkey")
    return tlspki.openssl("pkey", "-in", path, "-pubout")


class TlsPkiTest(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.pki = tlspki.build(os.path.join(self.tmp, "pki"))

    def s_server(self, cert, *args):
        srv = tlspki.SServer(self.tmp, harness.free_port(),
                             ["-cert", cert.leaf, "-key", cert.key, "-cert_chain",
                              self.pki.chain_file] + list(args))
        self.addCleanup(srv.stop)
        return srv

    def test_server_chains_verify(self):
        pki = self.pki
        for name, cert in pki.servers.items():
            with self.subTest(name=name):
                ok, out = verify("-CAfile", pki.ca_file, "-untrusted", pki.chain_file, cert.leaf)
                self.assertEqual(ok, name != "expired", out)
                # the combined PEM as HAProxy reads it: leaf, intermediate, key
                self.assertEqual(pem_blocks(cert.pem), ["CERTIFICATE", "CERTIFICATE",
                                                        "PRIVATE KEY"])
                self.assertEqual(pem_blocks(cert.crt), ["CERTIFICATE", "CERTIFICATE"])
                self.assertEqual(cert.key, cert.crt + ".key")
                self.assertEqual(pem_blocks(cert.key), ["PRIVATE KEY"])
                # the chain in the PEM alone lets the leaf verify against the root
                ok, out = verify("-CAfile", pki.ca_file, "-untrusted", cert.pem, cert.pem)
                self.assertEqual(ok, name != "expired", out)
                self.assertEqual(pubkey_of(cert.leaf, "cert") == pubkey_of(cert.key, "key"),
                                 name != "mismatch")
                self.assertIn("subject=" + cert.subject,
                              tlspki.openssl("x509", "-in", cert.pem, "-noout", "-subject"))
        ok, out = verify("-CAfile", pki.ca_file, "-untrusted", pki.chain_file,
                         pki.servers["expired"].leaf)
        self.assertIn("certificate has expired", out)
        # without the intermediate, a leaf does not verify
        ok, out = verify("-CAfile", pki.ca_file, pki.servers["a.test"].leaf)
        self.assertFalse(ok, out)

        def san(name):
            return tlspki.openssl("x509", "-in", pki.servers[name].leaf, "-noout", "-ext",
                                  "subjectAltName")

        self.assertIn("DNS:*.w.test", san("wild"))
        self.assertIn("IP Address:127.0.0.1, DNS:origin.test", san("origin"))
        self.assertNotIn("origin.test", san("origin-wrong"))
        self.assertEqual(san("cn-only").strip(), "")

        def text(name):
            return tlspki.openssl("x509", "-in", pki.servers[name].leaf, "-noout", "-text")

        self.assertIn("rsaEncryption", text("dual-rsa"))
        self.assertIn("Public-Key: (2048 bit)", text("dual-rsa"))
        self.assertIn("id-ecPublicKey", text("dual-ecdsa"))
        self.assertIn("prime256v1", text("dual-ecdsa"))

    def test_client_certificates_and_crl(self):
        pki = self.pki
        for name in ("good", "revoked"):
            ok, out = verify("-CAfile", pki.client_ca_file, pki.clients[name].leaf)
            self.assertTrue(ok, out)
            self.assertEqual(pem_blocks(pki.clients[name].pem), ["CERTIFICATE", "PRIVATE KEY"])
        ok, out = verify("-CAfile", pki.client_ca_file, "-crl_check", "-CRLfile", pki.crl,
                         pki.clients["good"].leaf)
        self.assertTrue(ok, out)
        ok, out = verify("-CAfile", pki.client_ca_file, "-crl_check", "-CRLfile", pki.crl,
                         pki.clients["revoked"].leaf)
        self.assertFalse(ok, out)
        self.assertIn("certificate revoked", out)
        # the server CAs do not vouch for clients
        ok, out = verify("-CAfile", pki.ca_file, pki.clients["good"].leaf)
        self.assertFalse(ok, out)

    def test_haproxy_loads_the_pems_and_the_crt_list(self):
        if not harness.have_haproxy():
            self.skipTest("no HAProxy to load the files")
        pki = self.pki
        s = pki.servers
        cfg = """global
    ssl-load-extra-files all
defaults
    mode http
    timeout client 1s
    timeout server 1s
    timeout connect 1s
frontend f
    bind 127.0.0.1:%d ssl crt %s crt %s crt %s crt-list %s ca-file %s crl-file %s verify optional
    default_backend b
backend b
    server o 127.0.0.1:%d ssl ca-file %s crt %s
"""
        args = [harness.free_port(), s["a.test"].pem, s["b.test"].crt,
                os.path.join(pki.dir, "certs", "dual.test.pem"), pki.crt_list,
                pki.client_ca_file, pki.crl, harness.free_port(), pki.ca_file,
                pki.clients["good"].pem]
        path = self.write("h.cfg", cfg % tuple(args))
        p = harness.run(["-c", "-f", path], binary=harness.HAPROXY)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        args[1] = s["mismatch"].pem
        path = self.write("h.cfg", cfg % tuple(args))
        p = harness.run(["-c", "-f", path], binary=harness.HAPROXY)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("inconsistencies between private key and certificate", p.stderr)

    def test_s_client_reports_the_handshake(self):
        pki = self.pki
        srv = self.s_server(pki.servers["a.test"], "-alpn", "h2,http/1.1")
        sess = os.path.join(self.tmp, "sess.pem")

        h = tlspki.s_client(srv.port, servername="a.test", ca_file=pki.ca_file, alpn="h2",
                            sess_out=sess)
        self.assertTrue(h.ok, h.output)
        self.assertFalse(h.timed_out)
        self.assertEqual(h.protocol, "TLSv1.3")
        self.assertTrue(h.cipher.startswith("TLS_AES_"), h.cipher)
        self.assertEqual(h.alpn, "h2")
        self.assertEqual(h.subject, "CN = a.test")
        self.assertEqual(h.issuer, "CN = sluice test intermediate")
        self.assertEqual(h.verify_code, 0)
        self.assertFalse(h.reused)
        self.assertGreater(os.path.getsize(sess), 0)

        h = tlspki.s_client(srv.port, servername="a.test", ca_file=pki.ca_file, sess_in=sess)
        self.assertTrue(h.ok, h.output)
        self.assertTrue(h.reused, h.output)
        self.assertIsNone(h.alpn)

        # TLS 1.2 with a chosen cipher, resumed by session ID
        h = tlspki.s_client(srv.port, servername="a.test", ca_file=pki.ca_file, sess_out=sess,
                            args=["-tls1_2", "-no_ticket", "-cipher",
                                  "ECDHE-ECDSA-AES128-GCM-SHA256"])
        self.assertTrue(h.ok, h.output)
        self.assertEqual((h.protocol, h.cipher), ("TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256"))
        self.assertTrue(h.session_id)
        first_id = h.session_id
        h = tlspki.s_client(srv.port, servername="a.test", ca_file=pki.ca_file, sess_in=sess,
                            args=["-tls1_2", "-no_ticket"])
        self.assertTrue(h.reused, h.output)
        self.assertEqual(h.session_id, first_id)

        # no common cipher (RSA only against an ECDSA certificate): no handshake
        h = tlspki.s_client(srv.port, servername="a.test",
                            args=["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"])
        self.assertFalse(h.ok, h.output)
        self.assertIsNone(h.protocol)
        self.assertNotEqual(h.returncode, 0)

        # a CA that did not sign the chain: the handshake is made, verification fails
        h = tlspki.s_client(srv.port, servername="a.test", ca_file=pki.client_ca_file)
        self.assertTrue(h.ok, h.output)
        self.assertNotEqual(h.verify_code, 0)

    def test_s_client_sends_and_waits(self):
        pki = self.pki
        srv = self.s_server(pki.servers["dual-rsa"], "-www")
        h = tlspki.s_client(srv.port, servername="dual.test", ca_file=pki.ca_file,
                            send=b"GET / HTTP/1.0\r\n\r\n", expect=b"HTTP/1.0 200 ok")
        self.assertTrue(h.ok, h.output)
        self.assertIn("HTTP/1.0 200 ok", h.output)
        self.assertEqual(h.subject, "CN = dual.test")
        self.assertIn("Server public key is 2048 bit", h.output)
        # an answer that never comes: bounded by the timeout, s_client killed
        start = time.monotonic()
        h = tlspki.s_client(srv.port, servername="dual.test", expect=b"never", timeout=1.0)
        self.assertTrue(h.timed_out)
        self.assertLess(time.monotonic() - start, 5)
        self.assertIsNotNone(h.returncode)

    def test_client_certificate_checked_against_the_crl(self):
        pki = self.pki
        srv = self.s_server(pki.servers["origin"], "-Verify", "1", "-CAfile",
                            pki.client_ca_file, "-CRL", pki.crl, "-crl_check", "-tls1_2",
                            "-verify_return_error")
        for name, good in (("good", True), ("revoked", False)):
            with self.subTest(client=name):
                c = pki.clients[name]
                h = tlspki.s_client(srv.port, ca_file=pki.ca_file, cert=c.leaf, key=c.key,
                                    args=["-verify_return_error"])
                self.assertEqual(h.ok, good, h.output)
                if good:
                    # the origin certificate is valid for 127.0.0.1
                    h2 = tlspki.s_client(srv.port, ca_file=pki.ca_file, cert=c.leaf, key=c.key,
                                         args=["-verify_ip", "127.0.0.1"])
                    self.assertEqual(h2.verify_code, 0, h2.output)
        self.assertIn("certificate revoked", srv.log())


if __name__ == "__main__":
    harness.main()
