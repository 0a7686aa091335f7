"""Pattern files (acl -f, -M) and maps (map, map_<match>[_<output>] with defaults) mean what
they mean in HAProxy: the same files and configuration run in sluice and in Debian's HAProxy
2.6 side by side, and every request must get the same answer from both, byte for byte,
including which of several matching keys a map picks."""

import random

import harness

FILES = {
    "hosts.map": "# hosts\nwww.example.com   be_www  \n  api.example.com be_api\n"
                 "example.com be_root\nwww.example.com be_dup\n\n/static/ static\n"
                 "/static/img/ img\n/ root\n",
    "ips.map": "10.0.0.0/8 ten\n10.1.0.0/16 ten-one\n127.0.0.1 lo\n::1 lo6\n"
               "2001:db8::/32 doc\n0.0.0.0/0 any\n",
    "ints.map": "1 one\n5:9 mid\n10 ten\n",
    "allow.lst": "127.0.0.1\n192.168.0.0/16\n",
    "keys.map": "api.example.com 1\nfoo 2\nwww.example.com 41\n",
    "hostip.map": "a.example.com 10.0.0.1\nb.example.com ::1\n",
    "words.lst": "  admin\nsecret stuff\n#not-this\n",
    "rewrite.map": "^([a-z]+)\\.example\\.com$ \\1.internal:\\2\\x41\n"
                   "^(api)-(v[0-9])\\. \\2/\\1\\\\\nfoo lit\\eral\n",
}

EXPRS = [
    "req.hdr(host),lower,map(%(d)s/hosts.map,none)",
    "req.hdr(host),map_str(%(d)s/hosts.map)",
    "path,map_beg(%(d)s/hosts.map)",
    "req.hdr(host),map_end(%(d)s/hosts.map,x)",
    "req.hdr(host),map_dom(%(d)s/hosts.map,x)",
    "req.hdr(host),map_sub(%(d)s/hosts.map,x)",
    "path,map_dir(%(d)s/hosts.map,x)",
    "req.hdr(host),map_reg(%(d)s/hosts.map,x)",
    "src,map_ip(%(d)s/ips.map)",
    "req.hdr(x-ip),map_ip(%(d)s/ips.map,no)",
    "req.hdr(x-n),map_int(%(d)s/ints.map,no)",
    "req.hdr(host),map_str_int(%(d)s/keys.map,0),add(1)",
    "req.hdr(host),map_str_ip(%(d)s/hostip.map,1.2.3.4)",
    "req.hdr(host),map(%(d)s/big.map)",
    "req.hdr(x-ip),map_ip(%(d)s/big-ip.map,none)",
    "req.hdr(host),map_regm(%(d)s/rewrite.map,nomatch)",
]

REQUESTS = [
    ("/static/img/x", {"Host": "www.example.com"}),
    ("/", {"Host": "api.example.com", "X-Ip": "10.1.2.3", "X-N": "7"}),
    ("/static/", {"Host": "API.example.com", "X-Ip": "10.2.2.3", "X-N": "10"}),
    ("/nostatic", {"Host": "foo", "X-Ip": "::1", "X-N": "x"}),
    ("/a/static/b", {"Host": "a.example.com", "X-Ip": "2001:db8::7"}),
    ("/", {"Host": "xx.example.com.yy", "X-Ip": "::ffff:10.1.0.1"}),
    ("/", {"Host": "www.example.com", "X-Ip": "garbage"}),
    ("/", {"Host": "host777.big", "X-Ip": "172.20.3.4"}),
    ("/", {"Host": "host4999.big", "X-Ip": "172.20.200.4"}),
    ("/", {"Host": "s", "X-Word": "secret stuff"}),
    ("/", {"Host": "zz", "X-Word": "admin"}),
    ("/", {"Host": "api-v2.ex"}),
]


def write_files(tc):
    d = tc.tmp
    for name, text in FILES.items():
        tc.write(name, text)
    # big ones: a lookup must not be a scan, and must pick what HAProxy picks
    rnd = random.Random(5)
    tc.write("big.map", "".join("host%d.big be%d\n" % (i, i % 50)
                                for i in range(50000)))
    nets = ["172.20.%d.0/24 net%d\n" % (i, i) for i in range(256)]
    nets += ["172.%d.0.0/16 wide%d\n" % (i, i) for i in range(16, 32)]
    nets += ["%d.%d.%d.%d/32 host\n" % (rnd.randrange(1, 224), rnd.randrange(256),
                                       rnd.randrange(256), rnd.randrange(256))
             for _ in range(20000)]
    rnd.shuffle(nets)
    tc.write("big-ip.map", "".join(nets))
    return d


def config(port, d):
    lines = ["defaults", "    mode http", "    timeout client 5s", "    timeout server 5s",
             "    timeout connect 5s", "frontend f", "    bind 127.0.0.1:%d" % port,
             "    acl allowed src -f %s/allow.lst" % d,
             "    acl known req.hdr(host) -M -f %s/keys.map" % d,
             "    acl host_sub req.hdr(host) -m sub -i -M -f %s/hosts.map" % d,
             "    acl words req.hdr(x-word) -f %s/words.lst" % d,
             "    acl more req.hdr(x-word) -f %s/words.lst -f %s/allow.lst extra" % (d, d),
             "    http-request return status 403 content-type text/plain string no if !allowed",
             "    http-request return status 200 content-type text/plain lf-string "
             "\"words %[req.hdr(x-word)]\" if words more",
             "    http-request return status 200 content-type text/plain lf-string \"%s\" if known"
             % "|".join("%%[%s]" % (e % {"d": d}) for e in EXPRS),
             "    http-request return status 404 content-type text/plain string sub if host_sub",
             "    http-request return status 404 content-type text/plain lf-string \"%s\""
             % "|".join("%%[%s]" % (e % {"d": d}) for e in EXPRS),
             ""]
    return "\n".join(lines)


def ask(port, path, headers):
    head = "GET %s HTTP/1.1\r\n" % path
    for name, value in headers.items():
        head += "%s: %s\r\n" % (name, value)
    status, _, body = harness.request(port, (head + "\r\n").encode())
    return status, body


class Maps(harness.TestCase):
    def test_maps_and_pattern_files_as_haproxy(self):
        d = write_files(self)
        hport, sport = harness.free_port(), harness.free_port()
        self.start_haproxy(config(hport, d))
        self.start_config(config(sport, d))
        seen = set()
        for path, headers in REQUESTS:
            with self.subTest(path=path, headers=headers):
                want = ask(hport, path, headers)
                self.assertEqual(ask(sport, path, headers), want)
                seen.add(want[0])
        # the requests reach every rule: a comparison of nothing would pass too
        self.assertEqual(seen, {200, 404})
        want = ask(hport, "/", {"Host": "host777.big", "X-Ip": "172.20.3.4"})[1]
        self.assertTrue(want.endswith(b"|be27|net3|nomatch"), want)
        # map_regm: the value with the key's groups, "\\x41", a group the key lacks
        want = ask(hport, "/", {"Host": "www.example.com", "X-Ip": "garbage"})[1]
        self.assertTrue(want.endswith(b"|www.internal:A"), want)
        want = ask(hport, "/", {"Host": "api-v2.ex"})[1]
        self.assertTrue(want.endswith(b"|v2/api\\"), want)

    def test_dynamic_use_backend(self):
        # the most common line of real configurations: a backend named by a map
        d = write_files(self)

        def cfg(port):
            return "\n".join([
                "defaults", "    mode http", "    timeout client 5s", "    timeout server 5s",
                "    timeout connect 5s", "frontend f", "    bind 127.0.0.1:%d" % port,
                "    use_backend be_%[req.hdr(x-be)] if { req.hdr(x-be) -m found }",
                "    use_backend %%[req.hdr(host),lower,map(%s/hosts.map,be_default)]" % d,
                "    default_backend be_last",
                "backend be_www", "    http-request return status 200 string www "
                "content-type text/plain",
                "backend be_api", "    http-request return status 200 string api "
                "content-type text/plain",
                "backend be_default", "    http-request return status 200 string default "
                "content-type text/plain",
                "backend be_last", "    http-request return status 200 string last "
                "content-type text/plain", ""])

        hport, sport = harness.free_port(), harness.free_port()
        self.start_haproxy(cfg(hport))
        self.start_config(cfg(sport))
        bodies = []
        for headers in ({"Host": "www.example.com"}, {"Host": "API.example.com"},
                        {"Host": "nope"}, {"Host": "www.example.com", "X-Be": "api"},
                        {"Host": "www.example.com", "X-Be": "nope"}):
            with self.subTest(headers=headers):
                want = ask(hport, "/", headers)
                self.assertEqual(ask(sport, "/", headers), want)
                bodies.append(want[1])
        # a name no backend has ends the rules: default_backend, as HAProxy
        self.assertEqual(bodies, [b"www", b"api", b"default", b"api", b"last"])

    def test_file_errors(self):
        self.write("bad.lst", "10.0.0.0/8\nnot-an-address\n")
        path = self.write("bad.cfg", "frontend f\n    bind 127.0.0.1:%d\n"
                          "    acl a src -f %s/bad.lst\n" % (harness.free_port(), self.tmp))
        r = harness.run(["-c", "-f", path])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("bad.cfg:3", r.stderr)
        self.assertIn("bad.lst:2: invalid address 'not-an-address'", r.stderr)


if __name__ == "__main__":
    harness.main()
