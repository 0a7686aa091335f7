"""A frontend in mode tcp that uses a backend in mode http: the connection becomes an HTTP
one when the backend is chosen (HAProxy's implicit upgrade), in place for HTTP/1, where the
stream that chose the backend carries the first request without running the content rules
again, and for HTTP/2 (prior knowledge, or ALPN on a TLS bind) by new streams. The
frontend's HTTP rules apply to those requests, as in HAProxy 2.6, which warns that they are
ignored but applies them. The same configuration runs in sluice and, when it is installed,
in Debian's HAProxy; real clients (raw sockets, curl) say what each answered."""

import os
import signal
import subprocess
import time

import harness
from origin import Origin
from test_h2 import H2Client
from test_inspect import NameServer

CONFIG = """defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend mux
    mode tcp
    bind 127.0.0.1:%(mux)d
    bind 127.0.0.1:%(tls)d ssl crt %(pem)s alpn h2,http/1.1
    log stdout format raw local0
    log-format "mux %%b %%ts %%ST"
    stick-table type ip size 10 store gpc0
    # once for the connection's first request (not again when it becomes an HTTP one),
    # then once for each request that follows; "if HTTP" so that HAProxy, which evaluates
    # the whole list again each time bytes come, counts the first request once too
    tcp-request content track-sc0 src
    tcp-request content sc-inc-gpc0(0) if HTTP
    # applied to the requests of upgraded connections (HAProxy warns that they are not)
    http-request set-header X-Fe yes
    http-response set-header X-Fe-Res yes
    tcp-request inspect-delay 2s
    tcp-request content accept if HTTP
    tcp-request content accept if { req.len ge 5 }
    tcp-request content accept if { ssl_fc }
    use_backend web if HTTP or { ssl_fc }
    default_backend raw
backend web
    http-request set-header X-Via upgraded
    http-response set-header X-Back web
    http-response set-header X-Gpc %%[sc0_get_gpc0]
    server o 127.0.0.1:%(origin)d
backend raw
    mode tcp
    server n 127.0.0.1:%(name)d
"""


def keepalive_pair(port):
    """Two requests on one connection: their (status, headers, body)."""
    out = []
    with harness.connect(port) as c:
        c.sendall(b"GET /one HTTP/1.1\r\nHost: h\r\n\r\n")
        out.append(harness.read_response(c))
        c.sendall(b"GET /two HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        out.append(harness.read_response(c))
    return out


def curl(url, *args):
    r = subprocess.run(["curl", "-s", "-S", "-k", "--max-time", "10", "-o", "/dev/null",
                        "-w", "%{http_code} %{http_version}"] + list(args) + [url],
                       capture_output=True, timeout=20)
    return r.stdout.decode()


class Upgrade(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.origin = Origin("web")
        self.name = NameServer("raw-server")
        self.pem = os.path.join(self.tmp, "upgrade.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                        "/CN=upgrade.test", "-keyout", self.pem, "-out", self.pem + ".crt"],
                       check=True, capture_output=True, timeout=30)
        with open(self.pem, "a") as key, open(self.pem + ".crt") as crt:
            key.write(crt.read())
        self.ports = {"mux": harness.free_port(), "tls": harness.free_port()}

    def tearDown(self):
        super().tearDown()
        self.origin.stop()
        self.name.stop()

    def config(self):
        return CONFIG % dict(self.ports, pem=self.pem, origin=self.origin.port,
                             name=self.name.port)

    def run_traffic(self, proc):
        got = {}
        mux, tls = self.ports["mux"], self.ports["tls"]
        before = len(self.origin.requests)
        got["keepalive"] = [(s, h.get("x-back"), h.get("x-fe-res"), h.get("x-gpc"),
                             b.split()[2])
                            for s, h, b in keepalive_pair(mux)]
        got["origin"] = [(r.target.decode(), r.header("x-via"), r.header("x-fe")) for r in
                         self.origin.requests[before:]]
        with harness.connect(mux) as c:
            c.sendall(b"HELLO raw bytes\n")
            got["raw"] = harness.read_until_closed(c)
        got["h2c"] = curl("http://127.0.0.1:%d/h2c" % mux, "--http2-prior-knowledge")
        got["tls_h2"] = curl("https://127.0.0.1:%d/a" % tls, "--http2")
        got["tls_h1"] = curl("https://127.0.0.1:%d/b" % tls, "--http1.1")
        # the TCP stream's %ST is -1: the HTTP ACL ran on it (else 0, as HAProxy)
        got["log"] = sorted(proc.log_lines("mux ", count=6))
        return got

    def test_tcp_frontend_http_backend(self):
        want = {
            "keepalive": [(200, "web", "yes", "1", b"/one"), (200, "web", "yes", "2", b"/two")],
            "origin": [("/one", "upgraded", "yes"), ("/two", "upgraded", "yes")],
            "raw": b"raw-server",
            "h2c": "200 2",
            "tls_h2": "200 2",
            "tls_h1": "200 1.1",
            # the TCP stream that went to HTTP/2 leaves no line of its own
            "log": ["mux raw -- -1", "mux web -- 200", "mux web -- 200", "mux web -- 200",
                    "mux web -- 200", "mux web -- 200"],
        }
        self.each_proxy(self.config(),
                        lambda proc: self.assertEqual(self.run_traffic(proc), want))

    def test_tcp_backend_for_an_http_request(self):
        """A request of an upgraded connection whose rules choose a backend in mode tcp:
        HAProxy aborts it as an internal error (IR, logged as a 500) and closes the
        connection without a response; so does sluice."""
        port = self.ports["mux"]
        text = ("defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n"
                "    timeout connect 2s\n"
                "frontend mux\n    mode tcp\n    bind 127.0.0.1:%d\n"
                "    log stdout format raw local0\n    log-format \"mux %%b %%ts %%ST\"\n"
                "    tcp-request inspect-delay 2s\n    tcp-request content accept if HTTP\n"
                "    use_backend raw if { req.hdr(x-raw) -m found }\n"
                "    use_backend web if HTTP\n"
                "backend web\n    server o 127.0.0.1:%d\n"
                "backend raw\n    mode tcp\n    server n 127.0.0.1:%d\n"
                % (port, self.origin.port, self.name.port))

        def run(proc):
            with harness.connect(port) as c:
                c.sendall(b"GET /first HTTP/1.1\r\nHost: h\r\n\r\n")
                first = harness.read_response(c)[0]
                c.sendall(b"GET /second HTTP/1.1\r\nHost: h\r\nX-Raw: 1\r\n\r\n")
                rest = harness.read_until_closed(c)
            return first, rest, proc.log_lines("mux ", count=2)

        want = (200, b"", ["mux web -- 200", "mux raw IR 500"])
        self.each_proxy(text, lambda proc: self.assertEqual(run(proc), want))


    def test_soft_stop_reaches_upgraded_connections(self):
        """Connections accepted before a soft stop, still waiting for the content rules,
        that become HTTP ones after it: the HTTP/1 one is answered with Connection: close
        and closed, the HTTP/2 one is told with a GOAWAY and its request answered (incident
        2: nothing keeps an old worker past its current responses)."""
        port = self.ports["mux"]
        text = ("global\n    nbthread 1\n"
                "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n"
                "    timeout connect 2s\n"
                "frontend mux\n    mode tcp\n    bind 127.0.0.1:%d\n"
                "    tcp-request inspect-delay 5s\n    tcp-request content accept if HTTP\n"
                "    default_backend web\n"
                "backend web\n    server o 127.0.0.1:%d\n" % (port, self.origin.port))
        proc = self.start_config(text)
        (worker,) = harness.children(proc.pid)
        one = harness.connect(port)
        two = H2Client(port, preface=False)
        try:
            time.sleep(0.3)  # both accepted, their streams waiting for bytes
            os.kill(worker, signal.SIGUSR1)
            time.sleep(0.2)
            one.sendall(b"GET /h1 HTTP/1.1\r\nHost: h\r\n\r\n")
            status, headers, body = harness.read_response(one)
            self.assertEqual((status, headers.get("connection"), body),
                             (200, "close", b"origin web /h1"))
            self.assertTrue(harness.closed_by_peer(one))
            two.conn.initiate_connection()
            two.flush()
            sid = two.request("/h2")
            two.pump(lambda: two.streams[sid]["ended"] and two.goaway is not None)
            self.assertEqual(two.streams[sid]["headers"][":status"], "200")
            self.assertEqual(two.streams[sid]["data"], b"origin web /h2")
            self.assertIsNotNone(two.goaway)
        finally:
            one.close()
            two.close()
        line = "worker %d (slot 0) exited with status 0" % worker
        self.assertEqual(len(proc.log_lines(line, timeout=5)), 1, proc.log())


    def test_switch_mode_http(self):
        """tcp-request content switch-mode http: the connection becomes an HTTP one in the
        frontend, whose HTTP rules, options and use_backend rules then apply (they read the
        request); the rules after it are not run. Bytes that are not HTTP stay TCP."""
        port = self.ports["mux"]
        text = ("defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n"
                "    timeout connect 2s\n"
                "frontend sw\n    mode tcp\n    bind 127.0.0.1:%d\n"
                "    option forwardfor\n"
                "    log stdout format raw local0\n    log-format \"sw %%b %%ts %%ST\"\n"
                "    tcp-request inspect-delay 2s\n"
                "    tcp-request content switch-mode http if HTTP\n"
                "    tcp-request content reject if HTTP\n"
                "    tcp-request content accept if { req.len ge 5 }\n"
                "    http-request set-header X-Fe yes\n"
                "    use_backend web if { path_beg /web }\n"
                "    default_backend raw\n"
                "backend web\n    server o 127.0.0.1:%d\n"
                "backend raw\n    mode tcp\n    server n 127.0.0.1:%d\n"
                % (port, self.origin.port, self.name.port))

        def run(proc):
            got = {}
            before = len(self.origin.requests)
            got["h1"] = harness.request(port, b"GET /web/a HTTP/1.1\r\nHost: h\r\n"
                                        b"Connection: close\r\n\r\n")[2]
            got["h2c"] = curl("http://127.0.0.1:%d/web/b" % port, "--http2-prior-knowledge")
            got["origin"] = [(r.target.decode(), r.header("x-fe"), r.header("x-forwarded-for"))
                             for r in self.origin.requests[before:]]
            with harness.connect(port) as c:
                c.sendall(b"HELLO raw bytes\n")
                got["raw"] = harness.read_until_closed(c)
            # an HTTP request that use_backend sends to the TCP backend
            with harness.connect(port) as c:
                c.sendall(b"GET /other HTTP/1.1\r\nHost: h\r\n\r\n")
                got["other"] = harness.read_until_closed(c)
            got["log"] = sorted(proc.log_lines("sw ", count=4))
            return got

        want = {"h1": b"origin web /web/a", "h2c": "200 2",
                "origin": [("/web/a", "yes", "127.0.0.1"), ("/web/b", "yes", "127.0.0.1")],
                "raw": b"raw-server", "other": b"",
                "log": ["sw raw -- -1", "sw raw IR 500", "sw web -- 200", "sw web -- 200"]}
        self.each_proxy(text, lambda proc: self.assertEqual(run(proc), want))


    def test_status_of_tcp_streams(self):
        """%ST of a TCP stream: 0, or -1 once an HTTP fetch ran on it (HAProxy makes an HTTP
        transaction for it then)."""
        plain, fetched = self.ports["mux"], self.ports["tls"]
        text = ("defaults\n    mode tcp\n    timeout client 5s\n    timeout server 5s\n"
                "    timeout connect 2s\n"
                "listen plain\n    bind 127.0.0.1:%d\n    log stdout format raw local0\n"
                "    log-format \"plain %%ts %%ST\"\n    server n 127.0.0.1:%d\n"
                "listen fetched\n    bind 127.0.0.1:%d\n    log stdout format raw local0\n"
                "    log-format \"fetched %%ts %%ST\"\n    tcp-request inspect-delay 1s\n"
                "    tcp-request content accept if HTTP\n    server n 127.0.0.1:%d\n"
                % (plain, self.name.port, fetched, self.name.port))

        def run(proc):
            for port in (plain, fetched):
                with harness.connect(port) as c:
                    c.sendall(b"GET / HTTP/1.0\r\n\r\n")
                    harness.read_until_closed(c)
            return sorted(proc.log_lines("plain ") + proc.log_lines("fetched "))

        self.each_proxy(text, lambda proc: self.assertEqual(run(proc),
                                                            ["fetched -- -1", "plain -- 0"]))


if __name__ == "__main__":
    harness.main()
