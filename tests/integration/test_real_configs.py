"""Configurations in the style operators write (tests/configs/real: a Kubernetes API
balancer, an SNI router, a company web front), each checked by `sluice -c` and by Debian's
HAProxy 2.6, then served: traffic goes where the file says."""

import glob
import os

import harness
import origin
from test_inspect import NameServer, client_hello, exchange

REAL = os.path.join(harness.SOURCE_ROOT, "tests", "configs", "real")


class RealConfigs(harness.TestCase):
    def env(self, **ports):
        env = dict(os.environ, MAPS=REAL)
        env.update({k: "127.0.0.1:%d" % v for k, v in ports.items()})
        return env

    def serve(self, name, env):
        path = os.path.join(REAL, name)
        r = harness.run(["-c", "-f", path], env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return self.start(["-d", "-f", path], env=env)

    def test_haproxy_loads_them_too(self):
        env = self.env(K8S_BIND=1, NODE1=2, NODE2=3, NODE3=4, HTTPS_BIND=5, HTTP_BIND=6,
                       NAS=7, MEDIA=8, WEB=9, WWW_BIND=10, APP_A=11, APP_B=12)
        files = sorted(glob.glob(os.path.join(REAL, "*.cfg")))
        self.assertGreaterEqual(len(files), 3)
        for path in files:
            with self.subTest(config=os.path.basename(path)):
                r = harness.run(["-c", "-f", path], env=env)
                self.assertEqual(r.returncode, 0, r.stderr)
                h = harness.run(["-c", "-f", path], env=env, binary=harness.HAPROXY)
                self.assertEqual(h.returncode, 0, h.stderr)

    def test_k8s_api(self):
        nodes = [NameServer("master%d" % i) for i in (1, 2, 3)]
        try:
            bind = harness.free_port()
            self.serve("k8s-api.cfg", self.env(K8S_BIND=bind, NODE1=nodes[0].port,
                                               NODE2=nodes[1].port, NODE3=nodes[2].port))
            got = sorted(exchange(bind, [client_hello("kubernetes")]) for _ in range(3))
            self.assertEqual(got, [b"master1", b"master2", b"master3"])
        finally:
            for n in nodes:
                n.stop()

    def test_sni_router(self):
        names = {n: NameServer(n) for n in ("nas", "media", "web")}
        try:
            https, http = harness.free_port(), harness.free_port()
            self.serve("sni-router.cfg", self.env(
                HTTPS_BIND=https, HTTP_BIND=http, NAS=names["nas"].port,
                MEDIA=names["media"].port, WEB=names["web"].port))
            self.assertEqual(exchange(https, [client_hello("NAS.home.example")]), b"nas")
            self.assertEqual(exchange(https, [client_hello("media.home.example")]), b"media")
            self.assertEqual(exchange(https, [client_hello("other.example")]), b"web")
            status, headers, _ = harness.request(
                http, b"GET /x?y HTTP/1.1\r\nHost: nas.home.example\r\n\r\n")
            self.assertEqual(status, 301)
            self.assertEqual(headers["location"], "https://nas.home.example/x?y")
        finally:
            for n in names.values():
                n.stop()

    def test_web_front(self):
        a, b = origin.Origin("a"), origin.Origin("b")
        try:
            port = harness.free_port()
            self.serve("web-front.cfg", self.env(WWW_BIND=port, APP_A=a.port, APP_B=b.port))
            status, headers, body = harness.request(
                port, b"GET /legacy/page HTTP/1.1\r\nHost: WWW.example.com:80\r\n\r\n")
            self.assertEqual(status, 200)
            self.assertTrue(body.endswith(b" /page"), body)
            self.assertEqual(headers["x-served-for"], "www.example.com")
            self.assertIn("max-age=31536000", headers["strict-transport-security"])
            self.assertIn("set-cookie", headers)
            # the API backend hashes the URI: the same path lands on the same server
            seen = {harness.request(port, b"GET /api/v1/x HTTP/1.1\r\nHost: api.example.com"
                                    b"\r\n\r\n")[2].split(b" ")[1] for _ in range(4)}
            self.assertEqual(len(seen), 1)
            # sluice's own answers carry the security headers too
            status, headers, _ = harness.request(
                port, b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n")
            self.assertEqual(status, 400)
            self.assertEqual(headers["x-content-type-options"], "nosniff")
        finally:
            a.stop()
            b.stop()


if __name__ == "__main__":
    harness.main()
