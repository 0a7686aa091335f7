"""Sample fetches and converters mean what they mean in HAProxy: the same configuration runs
in sluice and in Debian's HAProxy 2.6 side by side, and each expression, rendered by
`http-request return ... lf-string`, must give the same text for the same request."""

import harness

# (lf-string argument as written in the configuration file, request headers)
CASES = [
    "'%[str(hello),upper]'",
    "'%[str(HeLLo),lower]'",
    "'%[str(hello),length]'",
    "'%[str(f1_f2_f3__f5),field(5,_)]'",
    "'%[str(f1_f2_f3__f5),field(2,_,0)]'",
    "'%[str(f1_f2_f3__f5),field(2,_,2)]'",
    "'%[str(f1_f2_f3__f5),field(-2,_,3)]'",
    "'%[str(f1_f2_f3__f5),field(-3,_,0)]'",
    "'%[str(f1_f2_f3__f5),field(7,_)]'",
    "'%[str(f1_f2_f3__f5),word(4,_)]'",
    "'%[str(f1_f2_f3__f5),word(2,_,0)]'",
    "'%[str(f1_f2_f3__f5),word(3,_,2)]'",
    "'%[str(f1_f2_f3__f5),word(-2,_,3)]'",
    "'%[str(f1_f2_f3__f5),word(-3,_,0)]'",
    "'%[str(/f1/f2/f3/f4),word(1,/)]'",
    "'%[str(/f1/f2/f3/f4),word(9,/)]'",
    "'%[str(/////a///b/c/xzxyz/),regsub(/+,/,g)]'",
    "'%[str(/////a///b/c/xzxyz/),regsub(/+,/)]'",
    "'%[str(xfoo12yBAR3z),regsub(\"(foo|bar)([0-9]+)?\",\"\\2\\1\",ig)]'",
    "'%[str(aaa),regsub(x*,-,g)]'",
    "'%[req.hdr(x-data),json(utf8s)]'",
    "'%[req.hdr(x-data),json]'",
    "'%[str(a%20b+c),url_dec]'",
    "'%[str(a%20b+c),url_dec(1)]'",
    "'%[str(a?b+c),url_dec]'",
    "'%[str(a%2),url_dec]'",
    "'%[str(a b&c=d/~x),url_enc]'",
    "'%[str(AB),hex]'",
    "'%[str(ff),hex2i]'",
    "'%[str(zz),hex2i]'",
    "'%[str(hello),base64]'",
    "'%[str(aGVsbG8=),b64dec]'",
    "'%[str(>>?),ub64enc]'",
    "'%[str(Pj4_),ub64dec]'",
    "'%[str(abcdef),bytes(2)]'",
    "'%[str(abcdef),bytes(1,3)]'",
    "'%[str(abcdef),bytes(10)]'",
    "'%[str(xxhixx),ltrim(x)]'",
    "'%[str(xxhixx),rtrim(x)]'",
    "'%[req.fhdr(accept-language),language(es;fr;en)]'",
    "'%[req.fhdr(accept-language),language(de;it)]'",
    "'%[req.fhdr(accept-language),language(it,zz)]'",
    "'%[ssl_fc,iif(https,http)]'",
    "'%[bin(01020304050607),be2dec(:,2)]'",
    "'%[bin(01020304050607),be2dec(-,2,1)]'",
    "'%[bin(7f000001),be2dec(.,1)]'",
    "'%[bin(01020304050607),be2hex]'",
    "'%[bin(01020304050607),be2hex(:,2)]'",
    "'%[bin(01020304050607),be2hex(--,2,1)]'",
    "'%[int(258),htonl,hex]'",
    "'%[str(hello),crc32]'",
    "'%[str(hello),crc32(1)]'",
    "'%[str(hello),crc32c]'",
    "'%[str(hello),djb2]'",
    "'%[str(hello),sdbm(1)]'",
    "'%[str(hello),wt6]'",
    "'%[str(hello),xxh32]'",
    "'%[str(hello),xxh32(7)]'",
    "'%[str(hello),xxh64]'",
    "'%[str(hello),xxh3]'",
    "'%[str(hello),sha1,hex]'",
    "'%[str(hello),sha2,hex]'",
    "'%[str(hello),sha2(512),hex]'",
    "'%[str(hello),digest(sha256),hex]'",
    "'%[str(hello),hmac(sha256,a2V5),hex]'",
    "'%[int(7),add(3)]'",
    "'%[int(7),sub(10)]'",
    "'%[int(7),mul(-2)]'",
    "'%[int(7),div(2)]'",
    "'%[int(7),div(0)]'",
    "'%[int(7),mod(3)]'",
    "'%[int(7),and(3)]'",
    "'%[int(7),or(8)]'",
    "'%[int(7),xor(5)]'",
    "'%[int(7),neg]'",
    "'%[int(7),cpl]'",
    "'%[int(7),not]'",
    "'%[int(7),bool]'",
    "'%[int(7),odd]'",
    "'%[int(7),even]'",
    "'%[int(0),http_date]'",
    "'%[int(1500000000123),http_date(0,ms)]'",
    "'%[int(86400),utime(%Y%m%d%H%M%S)]'",
    "'%[src,ipmask(24)]'",
    "'%[ipv6(2001:db8::1),ipmask(24,64)]'",
    "'%[ipv4(10.1.2.3),ipmask(255.255.0.0)]'",
    "'%[pathq]'",
    "'%[path]'",
    "'%[query]'",
    "'%[url]'",
    "'%[base]'",
    "'%[baseq]'",
    "'%[base32]'",
    "'%[base32+src,hex]'",
    "'%[url_param(x)]'",
    "'%[url_param(y)]'",
    "'%[urlp(z)]'",
    "'%[urlp_val(x)]'",
    "'%[req.cook(a)]'",
    "'%[req.cook]'",
    "'%[req.cook_cnt(a)]'",
    "'%[req.cook_cnt]'",
    "'%[req.cook_val(n)]'",
    "'%[req.ver]'",
    "'%[req.hdr_names(;)]'",
    "'%[req.hdr_names]'",
    "'%[req.hdrs]'",
    "'%[req.hdrs,length]'",
    "'a  b %[str()]  c'",
    "'%[str()]%[str(x)]'",
    "'%[req.fhdr_cnt(x-multi)]'",
    "'%[req.hdr(x-multi)]'",
    "'%[req.hdr(x-multi,1)]'",
    "'%[req.fhdr(x-multi)]'",
    "'%[http_first_req]'",
    "'%[capture.req.method]'",
    "'%[capture.req.uri]'",
    "'%[capture.req.ver]'",
    "'%[int(-5)]'",
    "'%[str()]'",
    "'%[bool(true)]'",
    "'%[ipv4(1.2.3.4)]'",
    "'%[ipv6(::1)]'",
    "'%[bin(00ff),hex]'",
    "'%[meth(GET)]'",
    "'%[env(SAMPLE_TEST_VAR)]'",
    "'%[nbproc]'",
    "'%[proc]'",
    "'%[fe_name]'",
    "'%[nbsrv(be)]'",
    "'%[srv_is_up(be/s1)]'",
    "'%[srv_is_up(be/s2)]'",
    "'%[src_is_local]'",
    "'%[dst_is_local]'",
    "'%[stopping]'",
    "'%[str(1.2.3.4),ipmask(8)]'",
    "'%[str(12abc),add(1)]'",
    "'%[src,ipmask(16),hex]'",
    "'%[int(3),sub(5),neg]'",
]

HEADERS = [
    ("Host", "www.example.com"),
    ("X-Data", 'Very "Ugly" UA 1/2 \xe9'),
    ("Accept-Language", "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5"),
    ("Cookie", "a=1; b=2; n=42"),
    ("Cookie", "a=3"),
    ("X-Multi", "one, two"),
    ("X-Multi", "three"),
]
TARGET = "/p/a/b.html?x=12&y=two&x=3&z"


def config(port):
    lines = ["defaults", "    mode http", "    timeout client 5s", "    timeout server 5s",
             "    timeout connect 5s", "frontend f", "    bind 127.0.0.1:%d" % port]
    for i, arg in enumerate(CASES):
        lines.append("    http-request return status 200 content-type text/plain lf-string "
                     "%s if { req.hdr(x-case) -m str %d }" % (arg, i))
    lines += ["    default_backend be", "backend be", "    server s1 127.0.0.1:9",
              "    server s2 127.0.0.1:9 disabled", ""]
    return "\n".join(lines)


def ask(port, case):
    head = "GET %s HTTP/1.1\r\n" % TARGET
    for name, value in HEADERS:
        head += "%s: %s\r\n" % (name, value)
    head += "X-Case: %d\r\n\r\n" % case
    status, headers, body = harness.request(port, head.encode("latin-1"))
    return status, body


class Samples(harness.TestCase):
    def test_expressions_give_what_haproxy_gives(self):
        hport, sport = harness.free_port(), harness.free_port()
        self.start_haproxy(config(hport), {"SAMPLE_TEST_VAR": "from-env"})
        self.start_config(config(sport), env={"SAMPLE_TEST_VAR": "from-env"})
        for i, arg in enumerate(CASES):
            with self.subTest(expression=arg):
                want = ask(hport, i)
                got = ask(sport, i)
                self.assertEqual(want[0], 200, arg)
                self.assertEqual(got, want, arg)

    def test_sluice_checks_what_haproxy_accepts(self):
        path = self.write("s.cfg", config(harness.free_port()))
        r = harness.run(["-c", "-f", path])
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    harness.main()
