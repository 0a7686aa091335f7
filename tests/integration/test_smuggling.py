"""Request smuggling: ambiguous or malformed requests sent through sluice to a recording
origin. Each one must be rejected (an error answer, the connection closed, nothing at the
origin) or forwarded so that the origin sees exactly one request whose framing is the one
sluice used. After each case a plain request must still work (liveness)."""

import socket
import time

import harness
from origin import Origin

CONFIG = """\
defaults
    mode http
    timeout connect 2s
    timeout client 3s
    timeout server 3s
    timeout http-request 2s

frontend fe
    bind 127.0.0.1:%d
    default_backend be

backend be
    server o 127.0.0.1:%d
"""

H = b"Host: h\r\n"

# Requests that must be refused outright.
REJECT = [
    ("cl_and_te", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("te_and_cl", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"),
    ("cl_tab", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1\t2\r\n\r\n" + b"x" * 12),
    ("cl_space_inside", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 1 2\r\n\r\n" + b"x" * 12),
    ("cl_plus", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: +5\r\n\r\nhello"),
    ("cl_negative", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: -1\r\n\r\n"),
    ("cl_hex", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 0x5\r\n\r\nhello"),
    ("cl_list_differs", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 5, 6\r\n\r\nhello!"),
    ("cl_twice_differs", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
    ("cl_overflow", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 99999999999999999999999\r\n\r\n"),
    ("cl_empty", b"POST / HTTP/1.1\r\n" + H + b"Content-Length: \r\n\r\n"),
    ("te_not_last", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"),
    ("te_xchunked", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"),
    ("te_chunked_twice", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
    ("te_space_before_colon", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n"),
    ("te_http10", b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("te_obs_fold", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n"),
    ("te_vertical_tab", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n"),
    ("obs_fold", b"GET / HTTP/1.1\r\n" + H + b"X-A: a\r\n b\r\n\r\n"),
    ("bare_lf_line", b"GET / HTTP/1.1\n" + H + b"\r\n"),
    ("bare_lf_header", b"GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n"),
    ("bare_cr", b"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n"),
    ("nul_in_value", b"GET / HTTP/1.1\r\n" + H + b"X: a\x00b\r\n\r\n"),
    ("space_before_colon", b"GET / HTTP/1.1\r\nHost : h\r\n\r\n"),
    ("no_host_11", b"GET / HTTP/1.1\r\n\r\n"),
    ("two_hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
    ("host_with_comma", b"GET / HTTP/1.1\r\nHost: a, b\r\n\r\n"),
    ("double_space_request_line", b"GET  / HTTP/1.1\r\n" + H + b"\r\n"),
    ("tab_request_line", b"GET\t/ HTTP/1.1\r\n" + H + b"\r\n"),
    ("bad_version", b"GET / HTTP/1.x\r\n" + H + b"\r\n"),
    ("lowercase_version", b"GET / http/1.1\r\n" + H + b"\r\n"),
    ("method_with_slash", b"G/T / HTTP/1.1\r\n" + H + b"\r\n"),
    ("target_with_space", b"GET /a b HTTP/1.1\r\n" + H + b"\r\n"),
    ("target_with_fragment", b"GET /a#b HTTP/1.1\r\n" + H + b"\r\n"),
    ("chunk_size_overflow", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nx\r\n0\r\n\r\n"),
    ("chunk_size_junk", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3x\r\nabc\r\n0\r\n\r\n"),
    ("chunk_size_0x", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n"),
    ("chunk_size_trailing_space", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n"),
    ("chunk_missing_crlf", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n"),
    ("chunk_bare_lf", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n"),
    ("chunk_negative", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n"),
    ("trailer_content_length", b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n"),
    ("http09", b"GET /\r\n\r\n"),
    # the whole preface switches to HTTP/2 (test_h2.py); one that is not it is an HTTP/1
    # request with a version sluice does not speak
    ("broken_http2_preface", b"PRI * HTTP/2.0\r\n\r\nSX\r\n\r\n"),
]

# Requests that may be forwarded: the origin must see exactly one request, with this body.
FORWARD = [
    ("chunked_with_extension", b"POST /echo HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\n\r\n", b"abc"),
    ("chunked_with_trailer", b"POST /echo HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", b"abc"),
    ("cl_leading_zeros", b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 003\r\n\r\nabc", b"abc"),
    ("te_case", b"POST /echo HTTP/1.1\r\n" + H + b"transfer-encoding: CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n", b"abc"),
    ("get_with_cl_body", b"GET /echo HTTP/1.1\r\n" + H + b"Content-Length: 3\r\n\r\nabc", b"abc"),
    ("body_then_pipelined_get", b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 3\r\n\r\nabcGET /second HTTP/1.1\r\n" + H + b"\r\n", b"abc"),
]


class Smuggling(harness.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = Origin("o")

    @classmethod
    def tearDownClass(cls):
        cls.origin.stop()

    def setUp(self):
        super().setUp()
        self.port = harness.free_port()
        self.start_config(CONFIG % (self.port, self.origin.port))

    def alive(self):
        n = len(self.origin.requests)
        status, _, body = harness.request(self.port, b"GET /alive HTTP/1.1\r\nHost: h\r\n\r\n")
        self.assertEqual(status, 200)
        self.assertEqual(self.origin.requests[n].target, b"/alive")

    def exchange(self, raw):
        """Send @raw, then read everything until the connection closes or goes quiet."""
        with harness.connect(self.port, timeout=5) as c:
            c.sendall(raw)
            c.settimeout(1.0)
            got = b""
            try:
                while True:
                    d = c.recv(65536)
                    if not d:
                        break
                    got += d
            except socket.timeout:
                pass
            except ConnectionResetError:
                pass
        return got

    def test_rejected(self):
        for name, raw in REJECT:
            with self.subTest(case=name):
                n = len(self.origin.requests)
                got = self.exchange(raw)
                self.assertRegex(got, rb"^HTTP/1\.1 (400|413|414|431|501|505) ", got[:80])
                self.assertIn(b"connection: close", got.lower())
                self.assertEqual(len(self.origin.requests), n, "reached the origin")
                self.alive()

    def test_forwarded_exactly_once(self):
        for name, raw, body in FORWARD:
            with self.subTest(case=name):
                n = len(self.origin.requests)
                got = self.exchange(raw)
                self.assertTrue(got.startswith(b"HTTP/1.1 200 "), got[:80])
                reqs = self.origin.requests[n:]
                self.assertEqual(reqs[0].body, body)
                if name == "body_then_pipelined_get":
                    # the pipelined request is a second, separate request, not body bytes
                    self.assertEqual([r.target for r in reqs], [b"/echo", b"/second"])
                else:
                    self.assertEqual(len(reqs), 1, [r.target for r in reqs])
                self.alive()

    def test_case_count(self):
        self.assertGreaterEqual(len(REJECT) + len(FORWARD), 40)


if __name__ == "__main__":
    harness.main()
