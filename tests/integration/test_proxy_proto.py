"""The PROXY protocol, both ways: "accept-proxy" binds and "tcp-request connection
expect-proxy" read a v1 or v2 header before any other byte (TLS included), the client's
addresses come from it and its TLVs are fetched with fc_pp_*; "send-proxy" and its kin write
one to servers and, with check-send-proxy, on health checks. Interoperability with the real
thing: Debian's HAProxy 2.6 in front of sluice and behind it, and nginx's proxy_protocol
listener behind it. The headers sent from Python are built here by hand, from the
specification, independently of the C code under test."""

import os
import socket
import struct
import subprocess
import ssl
import tempfile
import threading
import time

import harness
import origin
import tlspki

V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def tlv(t, value):
    return struct.pack("!BH", t, len(value)) + value


def v2(src=None, dst=None, tlvs=b"", local=False, crc=False, ver_cmd=None, fam=None):
    """A v2 header: TCP over IPv4 (or IPv6 for addresses with ':') unless @local."""
    if local:
        body = b""
        fam_b = 0x00
        vc = 0x20
    else:
        six = ":" in src[0]
        af = socket.AF_INET6 if six else socket.AF_INET
        body = (socket.inet_pton(af, src[0]) + socket.inet_pton(af, dst[0]) +
                struct.pack("!HH", src[1], dst[1]))
        fam_b = 0x21 if six else 0x11
        vc = 0x21
    if ver_cmd is not None:
        vc = ver_cmd
    if fam is not None:
        fam_b = fam
    body += tlvs
    if crc:
        body += tlv(0x03, b"\0\0\0\0")
    hdr = V2_SIG + bytes([vc, fam_b]) + struct.pack("!H", len(body)) + body
    if crc:
        hdr = hdr[:-4] + struct.pack("!I", crc32c(hdr))
    return hdr


def parse_header(sock):
    """Read a PROXY header from @sock exactly (v1 or v2): a dict, or None when it is not one."""
    first = b""
    while len(first) < 16:
        b = sock.recv(16 - len(first))
        if not b:
            return None
        first += b
        if first.startswith(b"PROXY ") and b"\r\n" in first:
            break
    if first.startswith(b"PROXY "):
        line = first
        while b"\r\n" not in line:
            b = sock.recv(1)
            if not b:
                return None
            line += b
        words = line[:line.index(b"\r\n")].decode().split(" ")
        if words[1] == "UNKNOWN":
            return {"version": 1, "local": True}
        return {"version": 1, "local": False, "proto": words[1],
                "src": (words[2], int(words[4])), "dst": (words[3], int(words[5]))}
    if not first.startswith(V2_SIG):
        return None
    length = struct.unpack("!H", first[14:16])[0]
    body = b""
    while len(body) < length:
        b = sock.recv(length - len(body))
        if not b:
            return None
        body += b
    out = {"version": 2, "local": first[12] == 0x20, "tlvs": {}, "raw": first + body}
    fam = first[13]
    if fam == 0x11:
        out["src"] = (socket.inet_ntop(socket.AF_INET, body[0:4]), struct.unpack("!H", body[8:10])[0])
        out["dst"] = (socket.inet_ntop(socket.AF_INET, body[4:8]), struct.unpack("!H", body[10:12])[0])
        rest = body[12:]
    elif fam == 0x21:
        out["src"] = (socket.inet_ntop(socket.AF_INET6, body[0:16]), struct.unpack("!H", body[32:34])[0])
        out["dst"] = (socket.inet_ntop(socket.AF_INET6, body[16:32]), struct.unpack("!H", body[34:36])[0])
        rest = body[36:]
    else:
        rest = body
    while rest:
        t, n = struct.unpack("!BH", rest[:3])
        out["tlvs"][t] = rest[3:3 + n]
        rest = rest[3 + n:]
    return out


class PPOrigin:
    """An HTTP origin behind a PROXY header: it records the header each connection opens
    with, then answers every request on it "200 pp-origin" (keep-alive). A connection without
    a header is closed at once, as a real PROXY listener would."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.headers = []
        self.requests = 0
        self.lock = threading.Lock()
        self.stopping = False
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(c,), daemon=True)
            t.start()
            self.threads.append(t)

    def _serve(self, c):
        c.settimeout(5)
        try:
            h = parse_header(c)
            with self.lock:
                self.headers.append(h)
            if h is None:
                return
            buf = b""
            while not self.stopping:
                while b"\r\n\r\n" not in buf:
                    b = c.recv(4096)
                    if not b:
                        return
                    buf += b
                buf = buf[buf.index(b"\r\n\r\n") + 4:]
                with self.lock:
                    self.requests += 1
                c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\npp-origin")
        except OSError:
            pass
        finally:
            c.close()

    def stop(self):
        self.stopping = True
        self.sock.close()
        for t in self.threads:
            t.join(2)


def ask(port, data, src="127.0.0.1", timeout=5.0, split=False):
    """Connect from @src, send @data (one byte at a time with @split) and read until the peer
    closes: the bytes received (b"" when it closed without answering)."""
    s = socket.socket()
    s.settimeout(timeout)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    try:
        if split:
            for i in range(len(data)):
                s.sendall(data[i:i + 1])
                time.sleep(0.005)
        else:
            s.sendall(data)
        out = b""
        while True:
            try:
                b = s.recv(65536)
            except ConnectionResetError:
                return out
            if not b:
                return out
            out += b
    finally:
        s.close()


def connect_from(src, port):
    """A connection to 127.0.0.1:@port from @src, and its source port."""
    s = socket.socket()
    s.settimeout(5)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s, s.getsockname()[1]


def body(resp):
    return resp.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in resp else b""


GET = b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"

REPORT = ('    http-request return status 200 content-type text/plain lf-string '
          '"src=%[src] sport=%[src_port] dst=%[dst] dport=%[dst_port] '
          'auth=%[fc_pp_authority] uid=%[fc_pp_unique_id] e0=%[fc_pp_tlv(0xE0)] '
          'alpn=%[fc_pp_tlv(ALPN)]"\n')


class AcceptProxy(harness.TestCase):
    """A frontend that reads the header and reports what it made of it."""

    def serve(self, bind_opts="accept-proxy", extra="", tmo="5s"):
        self.port = harness.free_port()
        self.sock = os.path.join(self.tmp, "stats.sock")
        self.start_config(
            "global\n    stats socket %s level admin\n"
            "defaults\n    mode http\n    timeout client %s\n    timeout connect 2s\n"
            "    timeout server 5s\n"
            "frontend f\n    bind 127.0.0.1:%d %s\n%s%s"
            % (self.sock, tmo, self.port, bind_opts, extra, REPORT))

    def report(self, resp):
        self.assertTrue(resp.startswith(b"HTTP/1.1 200"), resp)
        return dict(kv.split("=", 1) for kv in body(resp).decode().split(" "))

    def failures(self):
        for line in harness.stats_command(self.sock, "show info\n").splitlines():
            if line.startswith("ProxyHeaderFailures:"):
                return int(line.split(":")[1])
        self.fail("no ProxyHeaderFailures in show info")

    def test_v1_tcp4_tcp6_and_unknown(self):
        self.serve()
        r = self.report(ask(self.port, b"PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\n" + GET))
        self.assertEqual((r["src"], r["sport"], r["dst"], r["dport"]),
                         ("203.0.113.7", "40000", "198.51.100.1", "443"))
        r = self.report(ask(self.port, b"PROXY TCP6 2001:db8::7 2001:db8::1 1234 8443\r\n" + GET))
        self.assertEqual((r["src"], r["sport"], r["dst"], r["dport"]),
                         ("2001:db8::7", "1234", "2001:db8::1", "8443"))
        # UNKNOWN: the connection's own addresses
        r = self.report(ask(self.port, b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n" + GET))
        self.assertEqual((r["src"], r["dst"], r["dport"]), ("127.0.0.1", "127.0.0.1", str(self.port)))
        self.assertEqual(self.failures(), 0)

    def test_v2_with_tlvs_crc_and_local(self):
        self.serve()
        tl = (tlv(0x01, b"h2") + tlv(0x02, b"app.example") + tlv(0x05, b"req-42") +
              tlv(0x04, b"\0\0\0") + tlv(0xE0, b"custom"))
        r = self.report(ask(self.port, v2(("192.0.2.9", 5555), ("192.0.2.1", 80), tl, crc=True) + GET))
        self.assertEqual((r["src"], r["sport"], r["dst"], r["dport"]),
                         ("192.0.2.9", "5555", "192.0.2.1", "80"))
        self.assertEqual((r["auth"], r["uid"], r["e0"], r["alpn"]),
                         ("app.example", "req-42", "custom", "h2"))
        r = self.report(ask(self.port, v2(("2001:db8::9", 1), ("2001:db8::1", 2)) + GET))
        self.assertEqual((r["src"], r["dst"]), ("2001:db8::9", "2001:db8::1"))
        # LOCAL, as a balancer's own health check sends it: the connection's addresses
        r = self.report(ask(self.port, v2(local=True) + GET))
        self.assertEqual(r["src"], "127.0.0.1")
        self.assertEqual(self.failures(), 0)

    def test_header_in_pieces(self):
        self.serve()
        r = self.report(ask(self.port, b"PROXY TCP4 203.0.113.8 198.51.100.1 1 2\r\n" + GET,
                            split=True))
        self.assertEqual(r["src"], "203.0.113.8")
        r = self.report(ask(self.port, v2(("192.0.2.10", 7), ("192.0.2.1", 8),
                                          tlv(0x02, b"a" * 300)) + GET, split=True))
        self.assertEqual((r["src"], r["auth"]), ("192.0.2.10", "a" * 300))

    def test_forwardfor_and_logs_see_the_client(self):
        """The addresses of the header are the connection's for option forwardfor, the log
        line (%ci:%cp, %fi:%fp) and a stick table tracking src."""
        o = origin.Origin()
        try:
            self.port = harness.free_port()
            sock = os.path.join(self.tmp, "stats.sock")
            proc = self.start_config(
                "global\n    log stdout format raw local0\n    stats socket %s level admin\n"
                "defaults\n    mode http\n    log global\n    timeout client 5s\n"
                "    timeout connect 2s\n    timeout server 5s\n"
                "frontend f\n    bind 127.0.0.1:%d accept-proxy\n    option forwardfor\n"
                "    log-format \"seen %%ci:%%cp to %%fi:%%fp %%HP\"\n"
                "    stick-table type ip size 1k store http_req_cnt\n"
                "    http-request track-sc0 src\n"
                "    default_backend b\nbackend b\n    server o 127.0.0.1:%d\n"
                % (sock, self.port, o.port))
            resp = ask(self.port, b"PROXY TCP4 203.0.113.77 198.51.100.1 40000 80\r\n" + GET)
            self.assertTrue(resp.startswith(b"HTTP/1.1 200"), resp)
            self.assertEqual(o.requests[-1].header("x-forwarded-for"), "203.0.113.77")
            self.assertEqual(proc.log_lines("seen ")[0],
                             "seen 203.0.113.77:40000 to 198.51.100.1:80 /")
            table = harness.stats_command(sock, "show table f\n")
            self.assertIn("key=203.0.113.77 ", table)
            self.assertIn("http_req_cnt=1", table)
            self.assertNotIn("key=127.0.0.1 ", table)
        finally:
            o.stop()

    def test_bad_headers_are_closed_and_counted(self):
        self.serve()
        bad = [
            b"GET / HTTP/1.1\r\nhost: x\r\n\r\n",                          # no header at all
            b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n" + GET,                   # leading zero
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n" + GET,                # port range
            b"PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n" + GET,                   # a tab
            b"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n" + GET,                   # two spaces
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n" + GET,                      # LF only
            b"PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n" + GET,                      # not an address
            b"PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n" + GET,                # wrong family
            b"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n" + GET,                    # protocol
            b"PROXY UNKNOWN " + b"x" * 120 + b"\r\n" + GET,                 # longer than 107
            v2(("1.2.3.4", 1), ("5.6.7.8", 2), ver_cmd=0x11) + GET,          # version 1
            v2(("1.2.3.4", 1), ("5.6.7.8", 2), ver_cmd=0x22) + GET,          # command 2
            v2(("1.2.3.4", 1), ("5.6.7.8", 2), tlvs=b"\x02\x00\x09abc") + GET,  # TLV overrun
            v2(("1.2.3.4", 1), ("5.6.7.8", 2), tlvs=tlv(0x05, b"u" * 129)) + GET,  # unique id
            v2(("1.2.3.4", 1), ("5.6.7.8", 2), tlvs=tlv(0x02, b"z" * 3000)) + GET,  # too long
        ]
        crc_bad = bytearray(v2(("1.2.3.4", 1), ("5.6.7.8", 2), crc=True))
        crc_bad[-1] ^= 1
        bad.append(bytes(crc_bad) + GET)
        short = v2(("1.2.3.4", 1), ("5.6.7.8", 2))
        bad.append(short[:14] + struct.pack("!H", 4) + short[16:20] + GET)  # addresses cut
        for b in bad:
            with self.subTest(header=b[:40]):
                self.assertEqual(ask(self.port, b), b"")
        # the worker is healthy and counted each one
        r = self.report(ask(self.port, b"PROXY TCP4 203.0.113.7 198.51.100.1 40000 443\r\n" + GET))
        self.assertEqual(r["src"], "203.0.113.7")
        self.assertEqual(self.failures(), len(bad))

    def test_incomplete_header_times_out(self):
        self.serve(tmo="1s")
        t0 = time.monotonic()
        self.assertEqual(ask(self.port, b"PROXY TCP4 203.0.113.7 ", timeout=8), b"")
        self.assertLess(time.monotonic() - t0, 4)
        self.assertEqual(self.failures(), 1)

    def test_expect_proxy_only_from_trusted_sources(self):
        self.serve(bind_opts="",
                   extra="    tcp-request connection expect-proxy layer4 if { src 127.0.0.2 }\n")
        r = self.report(ask(self.port, b"PROXY TCP4 203.0.113.5 198.51.100.1 1 2\r\n" + GET,
                            src="127.0.0.2"))
        self.assertEqual(r["src"], "203.0.113.5")
        # another source speaks HTTP at once; a header from it is not one
        r = self.report(ask(self.port, GET))
        self.assertEqual(r["src"], "127.0.0.1")
        resp = ask(self.port, b"PROXY TCP4 203.0.113.5 198.51.100.1 1 2\r\n" + GET)
        self.assertTrue(resp.startswith(b"HTTP/1.1 400"), resp)

    def test_header_before_tls(self):
        d = tempfile.mkdtemp(dir=self.tmp)
        pem = os.path.join(d, "pp.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=pp.test", "-days",
                        "2", "-keyout", pem + ".key", "-out", pem], check=True,
                       capture_output=True, timeout=30)
        with open(pem, "a") as f, open(pem + ".key") as k:
            f.write(k.read())
        self.serve(bind_opts="accept-proxy ssl crt %s alpn http/1.1" % pem)
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        s.sendall(b"PROXY TCP4 203.0.113.6 198.51.100.1 1 443\r\n")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["http/1.1"])
        t = ctx.wrap_socket(s, server_hostname="pp.test")
        t.sendall(GET)
        resp = harness.read_until_closed(t)
        t.close()
        r = self.report(resp)
        self.assertEqual((r["src"], r["dport"]), ("203.0.113.6", "443"))


class SendProxy(harness.TestCase):
    """Headers sluice writes: to a recording origin, on traffic and on health checks."""

    def setUp(self):
        super().setUp()
        self.o = PPOrigin()
        self.port = harness.free_port()
        self.sock = os.path.join(self.tmp, "stats.sock")

    def tearDown(self):
        self.o.stop()
        super().tearDown()

    def serve(self, srv_opts, extra=""):
        self.start_config(
            "global\n    stats socket %s level admin\n"
            "defaults\n    mode http\n    timeout client 5s\n    timeout connect 2s\n"
            "    timeout server 5s\n"
            "frontend f\n    bind 127.0.0.1:%d\n    unique-id-format id-%%rt\n"
            "    default_backend b\n"
            "backend b\n%s    server o 127.0.0.1:%d %s\n"
            % (self.sock, self.port, extra, self.o.port, srv_opts))

    def request_from(self, src, n=1):
        s, sport = connect_from(src, self.port)
        for _ in range(n):
            s.sendall(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            resp = b""
            while not resp.endswith(b"pp-origin"):
                b = s.recv(4096)
                self.assertTrue(b, resp)
                resp += b
        s.close()
        return sport

    def test_v1(self):
        self.serve("send-proxy")
        sport = self.request_from("127.0.0.9")
        h = self.o.headers[-1]
        self.assertEqual((h["version"], h["proto"], h["src"], h["dst"]),
                         (1, "TCP4", ("127.0.0.9", sport), ("127.0.0.1", self.port)))

    def test_v2_options_and_private_connections(self):
        self.serve("send-proxy-v2 proxy-v2-options crc32c,unique-id,ssl")
        sport = self.request_from("127.0.0.10", n=3)
        h = self.o.headers[-1]
        self.assertEqual((h["version"], h["local"], h["src"], h["dst"]),
                         (2, False, ("127.0.0.10", sport), ("127.0.0.1", self.port)))
        self.assertEqual(set(h["tlvs"]), {0x03, 0x05, 0x20})
        self.assertRegex(h["tlvs"][0x05].decode(), r"^id-\d+$")
        raw = bytearray(h["raw"])
        i = raw.index(b"\x03\x00\x04") + 3
        got = struct.unpack("!I", raw[i:i + 4])[0]
        raw[i:i + 4] = b"\0\0\0\0"
        self.assertEqual(got, crc32c(bytes(raw)))
        # a plain client: the SSL TLV says so (client bits 0, no sub-TLV)
        self.assertEqual(h["tlvs"][0x20], b"\x00\x00\x00\x00\x00")
        # unique-id names the stream: each request had a connection of its own
        self.assertEqual(len(self.o.headers), 3)

    def test_tcp_mode(self):
        self.start_config(
            "defaults\n    mode tcp\n    timeout client 5s\n    timeout connect 2s\n"
            "    timeout server 5s\n"
            "listen l\n    bind 127.0.0.1:%d\n    server o 127.0.0.1:%d send-proxy-v2\n"
            % (self.port, self.o.port))
        sport = self.request_from("127.0.0.19", n=2)
        self.assertEqual(len(self.o.headers), 1)
        self.assertEqual(self.o.headers[0]["src"], ("127.0.0.19", sport))

    def test_session_keeps_its_connection(self):
        self.serve("send-proxy-v2")
        a = self.request_from("127.0.0.11", n=3)
        b = self.request_from("127.0.0.12", n=2)
        srcs = [h["src"] for h in self.o.headers]
        # one connection per client session, each named for its client, none shared
        self.assertEqual(srcs, [("127.0.0.11", a), ("127.0.0.12", b)])
        self.assertEqual(self.o.requests, 5)

    def status(self, be="b", srv="o"):
        for l in harness.stats_command(self.sock, "show stat\n").splitlines():
            f = l.split(",")
            if len(f) > 17 and f[0] == be and f[1] == srv:
                return f[17]
        return None

    def test_checks_send_local(self):
        self.serve("send-proxy-v2 check inter 200ms", extra="    option httpchk GET /\n")
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and self.o.requests < 2:
            time.sleep(0.05)
        checks = [h for h in self.o.headers if h and h["local"]]
        self.assertTrue(checks, self.o.headers)
        self.assertEqual(checks[0]["version"], 2)
        self.assertNotIn(None, self.o.headers)
        self.assertEqual(self.status(), "UP")

    def test_check_send_proxy_alone(self):
        # checks only (the traffic has none): v1, as HAProxy does without send-proxy-v2
        self.serve("check check-send-proxy inter 200ms", extra="    option httpchk GET /\n")
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline and not self.o.requests:
            time.sleep(0.05)
        self.assertTrue(self.o.headers and self.o.headers[0] == {"version": 1, "local": True},
                        self.o.headers)


class SendProxyTls(harness.TestCase):
    """What a version 2 header tells a server of a TLS client: ALPN, the SNI as authority,
    and the SSL TLV with the client certificate's CN and sluice's side of the handshake."""

    def test_ssl_tlvs(self):
        pki = tlspki.build(tempfile.mkdtemp(dir=self.tmp))
        o = PPOrigin()
        try:
            port = harness.free_port()
            self.start_config(
                HAP_DEFAULTS + "frontend f\n    bind 127.0.0.1:%d ssl crt %s verify optional "
                "ca-file %s alpn http/1.1\n    default_backend b\nbackend b\n"
                "    server o 127.0.0.1:%d send-proxy-v2-ssl-cn proxy-v2-options "
                "authority,ssl-cipher,cert-sig,cert-key\n"
                % (port, pki.servers["a.test"].pem, pki.client_ca_file, o.port))
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.load_verify_locations(pki.ca_file)
            ctx.load_cert_chain(pki.clients["good"].pem)
            ctx.set_alpn_protocols(["http/1.1"])
            t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5),
                                server_hostname="a.test")
            t.sendall(GET)
            resp = harness.read_until_closed(t)
            t.close()
            self.assertTrue(resp.endswith(b"pp-origin"), resp)
            h = o.headers[0]
            self.assertEqual(h["tlvs"][0x01], b"http/1.1")
            self.assertEqual(h["tlvs"][0x02], b"a.test")
            v = h["tlvs"][0x20]
            # client bits: SSL, a certificate on this connection and in the session; verified
            self.assertEqual(v[0], 0x07)
            self.assertEqual(struct.unpack("!I", v[1:5])[0], 0)
            sub, rest = {}, v[5:]
            while rest:
                ty, n = struct.unpack("!BH", rest[:3])
                sub[ty] = rest[3:3 + n].decode()
                rest = rest[3 + n:]
            self.assertEqual(sub[0x21], "TLSv1.3")
            self.assertEqual(sub[0x22], "client good")
            self.assertTrue(sub[0x23].startswith("TLS_"), sub)
            self.assertEqual(sub[0x24], "ecdsa-with-SHA256")
            self.assertEqual(sub[0x25], "EC256")
        finally:
            o.stop()


HAP_DEFAULTS = ("defaults\n    mode http\n    timeout client 5s\n    timeout connect 2s\n"
                "    timeout server 5s\n")


class HAProxyInterop(harness.TestCase):

    def setUp(self):
        super().setUp()
        if not harness.have_haproxy():
            self.skipTest("haproxy is not installed")

    def test_haproxy_in_front(self):
        sp, hp = harness.free_port(), harness.free_port()
        self.start_config(
            HAP_DEFAULTS + "frontend f\n    bind 127.0.0.1:%d accept-proxy\n" % sp + REPORT)
        self.start_haproxy(
            HAP_DEFAULTS + "frontend h\n    bind 127.0.0.1:%d\n    unique-id-format hap-%%rt\n"
            "    default_backend b\nbackend b\n"
            "    server s 127.0.0.1:%d send-proxy-v2 proxy-v2-options crc32c,unique-id\n"
            % (hp, sp))
        resp = ask(hp, GET, src="127.0.0.13")
        self.assertTrue(resp.startswith(b"HTTP/1.1 200"), resp)
        r = dict(kv.split("=", 1) for kv in body(resp).decode().split(" "))
        self.assertEqual((r["src"], r["dst"], r["dport"]), ("127.0.0.13", "127.0.0.1", str(hp)))
        self.assertRegex(r["uid"], r"^hap-\d+$")

    def haproxy_behind(self, bind_opts=""):
        hp = harness.free_port()
        self.start_haproxy(
            HAP_DEFAULTS + "frontend h\n    bind 127.0.0.1:%d accept-proxy %s\n"
            "    http-request return status 200 content-type text/plain lf-string "
            "\"%%[src] %%[src_port] %%[fc_pp_unique_id]\"\n" % (hp, bind_opts))
        return hp

    def via_sluice(self, hp, srv_opts, src):
        sp = harness.free_port()
        self.start_config(
            HAP_DEFAULTS + "frontend f\n    bind 127.0.0.1:%d\n    unique-id-format sl-%%rt\n"
            "    default_backend b\nbackend b\n    server h 127.0.0.1:%d %s\n"
            % (sp, hp, srv_opts))
        s, sport = connect_from(src, sp)
        s.sendall(GET)
        resp = harness.read_until_closed(s)
        s.close()
        self.assertTrue(resp.startswith(b"HTTP/1.1 200"), resp)
        return body(resp).decode().split(" "), sport

    def test_sluice_in_front_v2(self):
        hp = self.haproxy_behind()
        (src, port, uid), sport = self.via_sluice(
            hp, "send-proxy-v2 proxy-v2-options crc32c,unique-id", "127.0.0.14")
        self.assertEqual((src, port), ("127.0.0.14", str(sport)))
        self.assertRegex(uid, r"^sl-\d+$")

    def test_sluice_in_front_v1(self):
        hp = self.haproxy_behind()
        (src, port, _), sport = self.via_sluice(hp, "send-proxy", "127.0.0.15")
        self.assertEqual((src, port), ("127.0.0.15", str(sport)))

    def test_header_then_tls_to_a_server(self):
        pki_dir = tempfile.mkdtemp(dir=self.tmp)
        pki = tlspki.build(pki_dir)
        hp = self.haproxy_behind("ssl crt %s" % pki.servers["origin"].pem)
        (src, _, _), _ = self.via_sluice(
            hp, "send-proxy-v2 ssl verify required ca-file %s" % pki.ca_file, "127.0.0.16")
        self.assertEqual(src, "127.0.0.16")

    def test_checks_reach_a_proxy_listener(self):
        hp = self.haproxy_behind()
        sock = os.path.join(self.tmp, "stats.sock")
        self.start_config(
            "global\n    stats socket %s level admin\n" % sock + HAP_DEFAULTS +
            "backend with\n    option httpchk GET /\n"
            "    server h 127.0.0.1:%d check inter 200ms check-send-proxy send-proxy-v2\n"
            "backend without\n    option httpchk GET /\n"
            "    server h 127.0.0.1:%d check inter 200ms\n" % (hp, hp))
        deadline = time.monotonic() + 8
        status = {}
        while time.monotonic() < deadline:
            for l in harness.stats_command(sock, "show stat\n").splitlines():
                f = l.split(",")
                if len(f) > 17 and f[1] == "h":
                    status[f[0]] = f[17]
            if status.get("with") == "UP" and status.get("without", "").startswith("DOWN"):
                break
            time.sleep(0.1)
        self.assertEqual(status.get("with"), "UP", status)
        self.assertTrue(status.get("without", "").startswith("DOWN"), status)


class NginxInterop(harness.TestCase):
    """nginx's "listen ... proxy_protocol" behind sluice sees the real client."""

    def setUp(self):
        super().setUp()
        if not os.access("/usr/sbin/nginx", os.X_OK):
            self.skipTest("nginx is not installed")
        self.np = harness.free_port()
        d = os.path.join(self.tmp, "nginx")
        os.makedirs(os.path.join(d, "logs"))
        conf = self.write("nginx/nginx.conf",
                          "daemon off;\nmaster_process off;\npid %s/nginx.pid;\n"
                          "error_log stderr;\nevents {}\nhttp {\n    access_log off;\n"
                          "    server {\n        listen 127.0.0.1:%d proxy_protocol;\n"
                          "        location / { return 200 \"$proxy_protocol_addr "
                          "$proxy_protocol_port\"; }\n    }\n}\n" % (d, self.np))
        self.nginx = subprocess.Popen(["/usr/sbin/nginx", "-p", d, "-c", conf],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.np), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)

    def tearDown(self):
        self.nginx.terminate()
        try:
            self.nginx.wait(5)
        except subprocess.TimeoutExpired:
            self.nginx.kill()
            self.nginx.wait(5)
        self.nginx.stderr.close()
        super().tearDown()

    def check(self, opts, src):
        sp = harness.free_port()
        self.start_config(
            HAP_DEFAULTS + "frontend f\n    bind 127.0.0.1:%d\n    default_backend b\n"
            "backend b\n    server n 127.0.0.1:%d %s\n" % (sp, self.np, opts))
        s, sport = connect_from(src, sp)
        s.sendall(GET)
        resp = harness.read_until_closed(s)
        s.close()
        self.assertTrue(resp.startswith(b"HTTP/1.1 200"), resp)
        self.assertEqual(body(resp).decode(), "%s %d" % (src, sport))

    def test_v1(self):
        self.check("send-proxy", "127.0.0.17")

    def test_v2(self):
        self.check("send-proxy-v2 proxy-v2-options crc32c", "127.0.0.18")


if __name__ == "__main__":
    harness.main()
