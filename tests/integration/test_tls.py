"""TLS with real clients (openssl s_client, curl): certificate choice by SNI and key type,
ALPN, the version floor, client certificates with a CRL, TLS to origins that verify, routing
by SNI without terminating TLS, bad files, limits, and clients that stall or send garbage.
The certificates come from tlspki.build(), made fresh for each class. Resumption and
testssl.sh are in test_tls_resume.py, which runs beside this one."""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import harness
import origin
import tlspki

# The sanitizer build (build-asan): ASan keeps freed memory in quarantine, so memory figures
# mean nothing there, and scans that test what the contexts offer run in the plain build.
SANITIZED = "asan" in os.path.basename(os.path.dirname(harness.SLUICE or ""))

DEFAULTS = """defaults
    mode %(mode)s
    timeout client %(tmo)s
    timeout server 5s
    timeout connect 5s
"""


def wait_log(proc, pattern, timeout=5.0):
    """The first line of @proc's log matching @pattern (a regex), waiting up to @timeout."""
    deadline = time.monotonic() + timeout
    while True:
        for line in proc.log().splitlines():
            if re.search(pattern, line):
                return line
        if time.monotonic() > deadline:
            return None
        time.sleep(0.05)


def curl(port, path="/", host="a.test", ca=None, extra=(), timeout=10):
    """curl https://host:port/path resolved to 127.0.0.1: (status, headers, body) or None."""
    cmd = ["curl", "-s", "-S", "-i", "--max-time", str(timeout), "--http1.1",
           "--resolve", "%s:%d:127.0.0.1" % (host, port)]
    cmd += ["--cacert", ca] if ca else ["-k"]
    cmd += list(extra) + ["https://%s:%d%s" % (host, port, path)]
    r = subprocess.run(cmd, capture_output=True, timeout=timeout + 5)
    if r.returncode != 0:
        return None
    head, _, body = r.stdout.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), headers, body



class CloseNotifyServer(origin.Origin):
    """A TLS server that answers the first bytes of each connection with @reply and its
    close_notify in one send(), then waits (at most 10 s) for the peer's close_notify before
    it closes, as `openssl s_server -www` does: the end of the stream is in the TLS layer,
    read with the last bytes, and no FIN follows until the proxy answers it."""

    def __init__(self, pem, reply):
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(pem)
        self.reply = reply
        super().__init__("close-notify")

    def _serve(self, c):
        c.settimeout(10)
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = self.ctx.wrap_bio(inc, out, server_side=True)

        def pump(step):
            while True:
                try:
                    return step()
                except ssl.SSLWantReadError:
                    if out.pending:
                        c.sendall(out.read())
                    data = c.recv(65536)
                    if not data:
                        raise EOFError
                    inc.write(data)

        try:
            pump(tls.do_handshake)
            pump(lambda: tls.read(65536))
            tls.write(self.reply)
            try:
                tls.unwrap()
            except ssl.SSLWantReadError:
                pass
            c.sendall(out.read())
            pump(tls.unwrap)
        except (OSError, ssl.SSLError, EOFError):
            pass
        finally:
            with self.lock:
                self.live.discard(c)
            c.close()


class TlsCase(harness.TestCase):
    """A PKI for the class, an origin and a port for each test."""

    @classmethod
    def setUpClass(cls):
        cls._pki_dir = tempfile.TemporaryDirectory(prefix="sluice-pki-")
        cls.pki = tlspki.build(cls._pki_dir.name)

    @classmethod
    def tearDownClass(cls):
        cls._pki_dir.cleanup()

    def setUp(self):
        super().setUp()
        self.origin = origin.Origin()
        self.port = harness.free_port()

    def tearDown(self):
        self.origin.stop()
        super().tearDown()


class Tls(TlsCase):

    def crt(self, name):
        return self.pki.servers[name].pem

    def serve(self, bind_opts, mode="http", extra="", glob="", tmo="5s", workers=1):
        text = "global\n    nbthread %d\n%s\n" % (workers, glob)
        text += DEFAULTS % {"mode": mode, "tmo": tmo}
        text += ("frontend f\n    bind 127.0.0.1:%d %s\n%s    default_backend b\n"
                 "backend b\n    server o 127.0.0.1:%d\n"
                 % (self.port, bind_opts, extra, self.origin.port))
        self.proc = self.start_config(text)
        return self.proc

    def hs(self, servername=None, **kw):
        return tlspki.s_client(self.port, servername=servername, ca_file=self.pki.ca_file, **kw)

    # ---- certificate choice ----

    def test_sni_exact_wildcard_cn_and_default(self):
        self.serve("ssl crt %s crt %s crt %s" % (self.crt("a.test"), self.crt("wild"),
                                                 self.crt("cn-only")))
        for sni, cn in (("a.test", "a.test"), ("x.w.test", "*.w.test"), ("cn.test", "cn.test"),
                        ("other.test", "a.test"), (None, "a.test"), ("A.TEST", "a.test")):
            with self.subTest(sni=sni):
                h = self.hs(sni)
                self.assertTrue(h.ok, h.output)
                self.assertIn("CN = " + cn, h.subject)
        # a wildcard covers one label only
        h = self.hs("a.b.w.test")
        self.assertIn("CN = a.test", h.subject)

    def test_strict_sni_refuses_unknown_names(self):
        self.serve("ssl crt %s strict-sni" % self.crt("a.test"))
        self.assertTrue(self.hs("a.test").ok)
        self.assertFalse(self.hs("b.test").ok)
        self.assertFalse(self.hs(None).ok)

    def test_ecdsa_or_rsa_by_what_the_client_takes(self):
        self.serve("ssl crt %s crt %s crt %s" % (self.crt("a.test"), self.crt("dual-rsa"),
                                                 self.crt("dual-ecdsa")))
        h = self.hs("dual.test")
        self.assertTrue(h.ok, h.output)
        self.assertIn("Server public key is 256 bit", h.output)
        h = self.hs("dual.test", args=["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256",
                                       "-sigalgs", "RSA-PSS+SHA256:RSA+SHA256"])
        self.assertTrue(h.ok, h.output)
        self.assertIn("Server public key is 2048 bit", h.output)

    def test_crt_list_lines_with_options_and_filters(self):
        lst = self.write("list.txt", "\n".join([
            "# comment",
            "%s [alpn http/1.1 ssl-min-ver TLSv1.3] a.test" % self.crt("a.test"),
            "%s *.w.test !no.w.test" % self.crt("wild"),
            "",
        ]))
        self.serve("ssl crt %s crt-list %s" % (self.crt("b.test"), lst))
        h = self.hs("a.test", alpn="http/1.1")
        self.assertIn("CN = a.test", h.subject)
        self.assertEqual(h.alpn, "http/1.1")
        self.assertEqual(h.protocol, "TLSv1.3")
        # that line's floor is TLS 1.3
        self.assertFalse(self.hs("a.test", args=["-tls1_2"]).ok)
        self.assertIn("*.w.test", self.hs("x.w.test").subject)
        # excluded by "!": the default
        self.assertIn("CN = b.test", self.hs("no.w.test").subject)

    # ---- protocols ----

    def test_request_in_the_same_segment_as_the_finished(self):
        # The client's Finished and its request reach the worker in one write: reading
        # ahead takes both during the handshake, and the request is served without any
        # further event on the socket.
        import ssl
        self.serve("ssl crt %s" % self.crt("a.test"))
        ctx = ssl.create_default_context(cafile=self.pki.ca_file)
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(inc, out, server_hostname="a.test")
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sk:
            for _ in range(10):
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    sk.sendall(out.read())
                    inc.write(sk.recv(65536))
            tls.write(b"GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
            sk.sendall(out.read())  # Finished and the request together
            answer = b""
            deadline = time.monotonic() + 5
            while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
                try:
                    answer += tls.read(65536)
                except ssl.SSLWantReadError:
                    data = sk.recv(65536)
                    if not data:
                        break
                    inc.write(data)
        self.assertTrue(answer.startswith(b"HTTP/1.1 200"), answer[:200])

    def test_alpn(self):
        self.serve("ssl crt %s alpn h2,http/1.1" % self.crt("a.test"),
                   extra="    http-request set-header X-Alpn %[ssl_fc_alpn]\n")
        # the server's order chooses: HTTP/2 when the client offers it
        self.assertEqual(self.hs("a.test", alpn="http/1.1,h2").alpn, "h2")
        self.assertEqual(self.hs("a.test", alpn="http/1.1").alpn, "http/1.1")
        r = curl(self.port)
        self.assertEqual(r[0], 200)
        self.assertEqual(self.origin.requests[-1].header("x-alpn"), "http/1.1")
        r = curl(self.port, extra=["--http2"])
        self.assertEqual(r[0], 200)
        self.assertEqual(self.origin.requests[-1].header("x-alpn"), "h2")

    def test_alpn_in_tcp_mode_as_written(self):
        self.serve("ssl crt %s alpn h2,http/1.1" % self.crt("a.test"), mode="tcp")
        self.assertEqual(self.hs("a.test", alpn="h2").alpn, "h2")

    def test_version_floor(self):
        self.serve("ssl crt %s" % self.crt("a.test"))
        self.assertFalse(self.hs("a.test", args=["-tls1_1"]).ok)
        self.assertEqual(self.hs("a.test", args=["-tls1_2"]).protocol, "TLSv1.2")
        self.assertEqual(self.hs("a.test").protocol, "TLSv1.3")

    def test_default_suites_prefer_aes128(self):
        offer = ["-ciphersuites", "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"]
        self.serve("ssl crt %s" % self.crt("a.test"))
        self.assertEqual(self.hs("a.test", args=offer).cipher, "TLS_AES_128_GCM_SHA256")
        self.assertEqual(self.hs("a.test", args=["-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"])
                         .cipher, "TLS_CHACHA20_POLY1305_SHA256")

    def test_prefer_client_ciphers_follows_the_client(self):
        offer = ["-ciphersuites", "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"]
        self.serve("ssl crt %s prefer-client-ciphers" % self.crt("a.test"))
        self.assertEqual(self.hs("a.test", args=offer).cipher, "TLS_AES_256_GCM_SHA384")

    def test_ssl_min_ver_from_defaults(self):
        self.serve("ssl crt %s" % self.crt("a.test"),
                   glob="    ssl-default-bind-options ssl-min-ver TLSv1.3\n")
        self.assertFalse(self.hs("a.test", args=["-tls1_2"]).ok)
        self.assertTrue(self.hs("a.test", args=["-tls1_3"]).ok)

    # ---- client certificates ----

    def client_cert_config(self, verify):
        self.serve("ssl crt %s verify %s ca-file %s crl-file %s"
                   % (self.crt("a.test"), verify, self.pki.client_ca_file, self.pki.crl),
                   extra="    http-request set-header X-CN %[ssl_c_s_dn(CN)]\n"
                         "    http-request set-header X-Verify %[ssl_c_verify]\n"
                         "    http-request set-header X-Used %[ssl_c_used]\n")

    def client_get(self, who=None):
        extra = []
        if who:
            extra = ["--cert", self.pki.clients[who].crt, "--key", self.pki.clients[who].key]
        return curl(self.port, ca=self.pki.ca_file, extra=extra)

    def test_client_certificate_required(self):
        self.client_cert_config("required")
        self.assertIsNone(self.client_get())
        r = self.client_get("good")
        self.assertEqual(r[0], 200)
        req = self.origin.requests[-1]
        self.assertEqual(req.header("x-cn"), self.pki.clients["good"].subject.split("= ")[-1])
        self.assertEqual(req.header("x-verify"), "0")
        self.assertEqual(req.header("x-used"), "1")
        # revoked: the CRL says so
        self.assertIsNone(self.client_get("revoked"))
        self.assertTrue(wait_log(self.proc, r"TLS handshake failure.*revoked"))

    def test_client_certificate_optional(self):
        self.client_cert_config("optional")
        self.assertEqual(self.client_get()[0], 200)
        self.assertEqual(self.origin.requests[-1].header("x-used"), "0")
        self.assertEqual(self.client_get("good")[0], 200)
        self.assertEqual(self.origin.requests[-1].header("x-used"), "1")

    # ---- fetches and logs ----

    def test_fetches_and_log_variables(self):
        self.serve("ssl crt %s" % self.crt("a.test"),
                   glob="    log stdout format raw local0\n",
                   extra="    log global\n"
                         "    log-format \"%ft %sslv %sslc\"\n"
                         "    http-request set-header X-Sni %[ssl_fc_sni]\n"
                         "    http-request set-header X-Proto %[ssl_fc_protocol]\n"
                         "    http-request set-header X-Has-Sni %[ssl_fc_has_sni]\n"
                         "    http-request set-header X-Fc %[ssl_fc]\n")
        r = curl(self.port, extra=["--tlsv1.2", "--tls-max", "1.2",
                                   "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"])
        self.assertEqual(r[0], 200)
        req = self.origin.requests[-1]
        self.assertEqual(req.header("x-sni"), "a.test")
        self.assertEqual(req.header("x-proto"), "TLSv1.2")
        self.assertEqual(req.header("x-has-sni"), "1")
        self.assertEqual(req.header("x-fc"), "1")
        self.assertTrue(wait_log(self.proc, r"^f~ TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256$"))

    # ---- TLS to servers ----

    def origin_config(self, server_opts, workers=None):
        port = harness.free_port()
        srv = tlspki.SServer(self.tmp, port, ["-cert", self.pki.servers["origin"].pem,
                                              "-cert_chain", self.pki.chain_file, "-www"])
        self.addCleanup(srv.stop)
        wrong_port = harness.free_port()
        wrong = tlspki.SServer(self.tmp, wrong_port,
                               ["-cert", self.pki.servers["origin-wrong"].pem,
                                "-cert_chain", self.pki.chain_file, "-www"])
        self.addCleanup(wrong.stop)
        text = "global\n    nbthread %d\n" % workers if workers else ""
        text += DEFAULTS % {"mode": "http", "tmo": "5s"}
        text += ("frontend f\n    bind 127.0.0.1:%d\n"
                 "    http-response set-header X-Bc %%[ssl_bc_protocol]\n"
                 "    http-response set-header X-Resumed %%[ssl_bc_is_resumed]\n"
                 "    use_backend wrong if { path_beg /wrong }\n"
                 "    default_backend good\n"
                 "backend good\n    server o 127.0.0.1:%d ssl %s\n"
                 "backend wrong\n    retries 0\n    server w 127.0.0.1:%d ssl %s\n"
                 % (self.port, port, server_opts, wrong_port, server_opts))
        self.proc = self.start_config(text)

    def test_tls_to_an_origin_that_verifies(self):
        self.origin_config("verify required ca-file %s sni str(origin.test)" % self.pki.ca_file)
        st, hd, _ = harness.request(self.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(st, 200)
        self.assertEqual(hd.get("x-bc"), "TLSv1.3")
        st, _, _ = harness.request(self.port, b"GET /wrong HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(st, 503)
        self.assertTrue(wait_log(self.proc, r"wrong/w: TLS handshake with the server failed: "
                                            r"hostname mismatch"))

    def test_server_sessions_are_resumed(self):
        # one worker: each keeps the last session of each server, as each HAProxy thread
        # does, so the first connection of every worker is a full handshake
        self.origin_config("verify required ca-file %s verifyhost origin.test "
                           "sni str(origin.test)" % self.pki.ca_file, workers=1)
        got = []
        for _ in range(6):
            # s_server -www closes after each answer: a new connection each time
            st, hd, _ = harness.request(self.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            got.append((st, hd.get("x-resumed")))
        self.assertEqual(got, [(200, "0")] + [(200, "1")] * 5)

    def test_origin_close_notify_read_with_the_last_bytes(self):
        # the server's reply and its close_notify come in one segment, and it closes only
        # after ours: the end must be seen at once, not at "timeout server"
        body = b"a body that ends with the connection"
        srv = CloseNotifyServer(self.pki.servers["origin"].pem,
                                b"HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\n" + body)
        self.addCleanup(srv.stop)
        tport = harness.free_port()
        text = ("defaults\n    timeout client 30s\n    timeout server 30s\n"
                "    timeout connect 5s\n"
                "frontend f\n    mode http\n    bind 127.0.0.1:%d\n    default_backend b\n"
                "backend b\n    mode http\n    server o 127.0.0.1:%d ssl verify none\n"
                "listen t\n    mode tcp\n    bind 127.0.0.1:%d\n"
                "    server o 127.0.0.1:%d ssl verify none\n"
                % (self.port, srv.port, tport, srv.port))
        self.start_config(text)
        for _ in range(3):
            t0 = time.monotonic()
            st, _, got = harness.request(self.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                                         timeout=10)
            self.assertEqual((st, got), (200, body))
            self.assertLess(time.monotonic() - t0, 3)
            t0 = time.monotonic()
            with harness.connect(tport, 10) as c:
                c.sendall(b"ping")
                got = harness.read_until_closed(c)
            self.assertEqual(got, b"HTTP/1.0 200 OK\r\ncontent-type: text/plain\r\n\r\n" + body)
            self.assertLess(time.monotonic() - t0, 3)

    def test_server_without_ca_is_a_config_error(self):
        path = self.write("bad.cfg", DEFAULTS % {"mode": "http", "tmo": "5s"} +
                          "backend b\n    server s 127.0.0.1:1 ssl\n")
        r = harness.run(["-c", "-f", path])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("bad.cfg:7", r.stderr)
        self.assertIn("no CA file specified", r.stderr)
        path = self.write("ok.cfg", DEFAULTS % {"mode": "http", "tmo": "5s"} +
                          "backend b\n    server s 127.0.0.1:1 ssl verify none\n")
        self.assertEqual(harness.run(["-c", "-f", path]).returncode, 0)

    # ---- mode tcp ----

    def test_tcp_mode_over_tls(self):
        self.serve("ssl crt %s" % self.crt("a.test"), mode="tcp")
        big = "/big/%d" % (1 << 20)
        r = curl(self.port, path=big)
        self.assertEqual(r[0], 200)
        self.assertEqual(len(r[2]), 1 << 20)

    def test_routing_by_sni_without_terminating(self):
        ports = {}
        for name in ("a.test", "b.test"):
            ports[name] = harness.free_port()
            srv = tlspki.SServer(self.tmp, ports[name], ["-cert", self.crt(name), "-www"])
            self.addCleanup(srv.stop)
        text = DEFAULTS % {"mode": "tcp", "tmo": "5s"}
        text += ("frontend f\n    bind 127.0.0.1:%d\n"
                 "    tcp-request inspect-delay 5s\n"
                 "    tcp-request content accept if { req.ssl_hello_type 1 }\n"
                 "    use_backend ba if { req.ssl_sni -i a.test }\n"
                 "    use_backend bb if { req.ssl_sni -i b.test }\n"
                 "backend ba\n    server a 127.0.0.1:%d\n"
                 "backend bb\n    server b 127.0.0.1:%d\n"
                 % (self.port, ports["a.test"], ports["b.test"]))
        self.start_config(text)
        self.assertIn("CN = a.test", self.hs("a.test").subject)
        self.assertIn("CN = b.test", self.hs("b.test").subject)

    # ---- bad files ----

    def test_bad_certificates_fail_the_load(self):
        cases = [
            ("ssl crt %s" % os.path.join(self.tmp, "missing.pem"), "cannot read certificate"),
            ("ssl crt %s" % self.pki.servers["mismatch"].pem,
             "does not match its certificate"),
            ("ssl crt %s ciphers NOPE" % self.crt("a.test"), "no usable cipher"),
            ("ssl crt %s curves NOPE" % self.crt("a.test"), "unknown curve"),
            ("ssl", "no SSL certificate specified"),
        ]
        for opts, msg in cases:
            with self.subTest(opts=opts):
                path = self.write("c.cfg", DEFAULTS % {"mode": "http", "tmo": "5s"} +
                                  "frontend f\n    bind 127.0.0.1:1 %s\n" % opts)
                r = harness.run(["-c", "-f", path])
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("c.cfg:7", r.stderr)
                self.assertIn(msg, r.stderr)
        # expired: a warning
        path = self.write("c.cfg", DEFAULTS % {"mode": "http", "tmo": "5s"} +
                          "frontend f\n    bind 127.0.0.1:1 ssl crt %s\n"
                          % self.pki.servers["expired"].pem)
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("has expired", r.stderr)
        # a crt-list syntax error names the list and its line
        lst = self.write("l.txt", "%s\n%s [alpn\n" % (self.crt("a.test"), self.crt("b.test")))
        path = self.write("c.cfg", DEFAULTS % {"mode": "http", "tmo": "5s"} +
                          "frontend f\n    bind 127.0.0.1:1 ssl crt-list %s\n" % lst)
        r = harness.run(["-c", "-f", path])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("l.txt:2", r.stderr)

    def test_reload_with_a_bad_certificate_keeps_serving(self):
        pem = os.path.join(self.tmp, "site.pem")
        shutil.copy(self.crt("a.test"), pem)
        self.serve("ssl crt %s" % pem)
        self.assertTrue(self.hs("a.test").ok)
        shutil.copy(self.pki.servers["mismatch"].pem, pem)
        self.proc.signal(signal.SIGHUP)
        self.assertTrue(wait_log(self.proc, r"reload failed"))
        h = self.hs("a.test")
        self.assertTrue(h.ok)
        self.assertIn("CN = a.test", h.subject)

    # ---- limits ----

    def test_maxsslconn_holds_new_clients_until_one_leaves(self):
        self.serve("ssl crt %s" % self.crt("a.test"), glob="    maxsslconn 1\n")
        # the first client holds the one TLS connection from the end of its handshake on
        # (which it waits for, where a fixed pause might end before it on a loaded machine)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(self.pki.ca_file)
        first = ctx.wrap_socket(socket.create_connection(("127.0.0.1", self.port),
                                                         timeout=harness.DEFAULT_TIMEOUT),
                                server_hostname="a.test")
        self.addCleanup(first.close)
        # a second client waits in the backlog: its handshake does not complete
        h = self.hs("a.test", timeout=2)
        self.assertTrue(h.timed_out or not h.ok, h.output)
        first.close()
        h = self.hs("a.test", timeout=5)
        self.assertTrue(h.ok, h.output)

    def test_maxsslrate_spreads_handshakes_over_seconds(self):
        self.serve("ssl crt %s" % self.crt("a.test"), glob="    maxsslrate 3\n")
        t = time.monotonic()
        for _ in range(7):
            self.assertTrue(self.hs("a.test").ok)
        # 3 a second, counted in whole seconds of the clock: the seventh needs a third one,
        # so two second boundaries pass (without the limit, 7 take about 0.3 s)
        self.assertGreater(time.monotonic() - t, 1.0)

    # ---- hostile clients ----

    def test_stalled_and_garbage_handshakes(self):
        self.serve("ssl crt %s" % self.crt("a.test"), tmo="1s",
                   glob="    log stdout format raw local0\n",
                   extra="    log global\n    option httplog\n")
        # half a ClientHello, then nothing: closed at timeout client
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 20)
        t = time.monotonic()
        self.assertTrue(harness.closed_by_peer(s, timeout=5))
        self.assertLess(time.monotonic() - t, 3)
        s.close()
        self.assertTrue(wait_log(self.proc, r"TLS handshake failure .*timeout during handshake"))
        # and HAProxy's line in the frontend's log
        self.assertTrue(wait_log(self.proc, r"^127\.0\.0\.1:\d+ \[\d\d/\w{3}/\d{4}:\d\d:\d\d:"
                                            r"\d\d\.\d{3}\] f/1: Timeout during SSL handshake$"))
        # random bytes: one line, closed
        s = socket.create_connection(("127.0.0.1", self.port))
        s.sendall(b"\x16\x03\x01\x00\x05" + os.urandom(3000))
        self.assertTrue(harness.closed_by_peer(s, timeout=5))
        s.close()
        self.assertTrue(wait_log(self.proc, r"\] f/1: SSL handshake failure$"))
        # a client that asks to renegotiate (TLS 1.2) gets no new handshake
        h = tlspki.s_client(self.port, servername="a.test", args=["-tls1_2"],
                            send=b"R\n", expect=b"renegotiation", timeout=5)
        self.assertIn("RENEGOTIATING", h.output)
        self.assertIn("no renegotiation", h.output)
        # the worker still serves
        self.assertEqual(curl(self.port)[0], 200)

    def test_abandoned_handshakes_cost_nothing_after(self):
        self.serve("ssl crt %s" % self.crt("a.test"), tmo="2s")
        worker = harness.children(self.proc.pid)[0]
        self.assertEqual(curl(self.port)[0], 200)

        def rss():
            with open("/proc/%d/status" % worker) as f:
                return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

        base = rss()
        # 2,000 clients start a handshake and go away, 200 at a time
        ch = client_hello("a.test")
        for _ in range(10):
            socks = []
            for _ in range(200):
                s = socket.create_connection(("127.0.0.1", self.port))
                s.sendall(ch)
                socks.append(s)
            for s in socks:
                s.close()
        # another client is served as soon as the worker has answered the hellos queued before
        # it (under the sanitizers each of those costs several times more)
        t = time.monotonic()
        self.assertEqual(curl(self.port)[0], 200)
        self.assertLess(time.monotonic() - t, 15 if SANITIZED else 2)
        if SANITIZED:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and rss() > base + 4096:
            time.sleep(0.1)
        self.assertLess(rss(), base + 4096)


def client_hello(sni):
    """A ClientHello for @sni (TLS 1.2, ECDHE-ECDSA and ECDHE-RSA with AES-GCM, P-256), as a
    client that goes away after it would send it."""
    name = sni.encode()
    sni_ext = (b"\x00\x00" + (len(name) + 5).to_bytes(2, "big") + (len(name) + 3).to_bytes(2, "big")
               + b"\x00" + len(name).to_bytes(2, "big") + name)
    groups = b"\x00\x0a\x00\x04\x00\x02\x00\x17"
    sigalgs = b"\x00\x0d\x00\x04\x00\x02\x04\x03"
    exts = sni_ext + groups + sigalgs
    ciphers = b"\x00\x04\xc0\x2b\xc0\x2f"
    body = (b"\x03\x03" + os.urandom(32) + b"\x00" + ciphers + b"\x01\x00"
            + len(exts).to_bytes(2, "big") + exts)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + len(hs).to_bytes(2, "big") + hs


if __name__ == "__main__":
    harness.main()
