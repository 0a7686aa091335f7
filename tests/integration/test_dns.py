"""Servers resolved at run time (resolvers sections): a real DNS server started by the test,
Debian's dnsmasq on 127.0.0.1, answering for *.test from a hosts file the test rewrites
(SIGHUP re-reads it) and SRV records given on its command line (changed by starting it again
on the same port). Origins listen on several 127.0.0.x addresses; sluice follows the records
while clients keep sending requests."""

import os
import re
import signal
import socket
import struct
import subprocess
import threading
import time
import unittest

import harness
from origin import Origin

DNSMASQ = os.environ.get("SLUICE_TEST_DNSMASQ", "/usr/sbin/dnsmasq")

# libc's lookups at load (init-addr libc) must not wait on the machine's name servers
ENV = {"RES_OPTIONS": "timeout:1 attempts:1"}

RESOLVERS = """\
resolvers dns
    nameserver ns1 {ns}
    resolve_retries 2
    timeout resolve 200ms
    timeout retry 100ms
    hold nx {hold}
    hold timeout {hold}
    hold other {hold}
    hold refused {hold}
"""

HEAD = """\
global
    stats socket {sock} level admin
{resolvers}
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    option http-keep-alive
frontend fe
    bind 127.0.0.1:{port}
    default_backend be
"""


def dns_query(port, name, qtype=1, tcp=False):
    """Ask dnsmasq directly: (rcode, [answer data as bytes]) or None without an answer."""
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    msg = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + qname + struct.pack(">HH", qtype, 1)
    try:
        if tcp:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(struct.pack(">H", len(msg)) + msg)
                d = s.recv(4096)[2:]
        else:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(0.5)
                s.sendto(msg, ("127.0.0.1", port))
                d = s.recv(4096)
    except OSError:
        return None
    rcode, ancount = d[3] & 15, struct.unpack(">H", d[6:8])[0]
    pos, answers = 12 + len(qname) + 4, []
    for _ in range(ancount):
        while d[pos] and d[pos] < 0xc0:
            pos += d[pos] + 1
        pos += 2 if d[pos] >= 0xc0 else 1
        rtype, _, _, rdlen = struct.unpack(">HHIH", d[pos:pos + 10])
        pos += 10
        if rtype == qtype:
            answers.append(d[pos:pos + rdlen])
        pos += rdlen
    return rcode, answers


class Dnsmasq:
    """dnsmasq on 127.0.0.1:@port (UDP and TCP) for the names of *.test: those of a hosts file
    (set_hosts() rewrites it and waits until dnsmasq answers with it), the SRV records of
    @srv ((name, target, port, weight) tuples); any other name of .test is NXDOMAIN."""

    def __init__(self, tc, port, srv=()):
        self.tc, self.port, self.srv = tc, port, list(srv)
        self.hosts = os.path.join(tc.tmp, "dns.hosts")
        self.log = os.path.join(tc.tmp, "dnsmasq.log")
        self.proc = None
        if not os.path.exists(self.hosts):
            self.write_hosts({})
        self.start()
        tc.addCleanup(self.stop)

    def write_hosts(self, names):
        tmp = self.hosts + ".tmp"
        with open(tmp, "w") as f:
            for name, ips in names.items():
                for ip in ips:
                    f.write("%s %s\n" % (ip, name))
        os.rename(tmp, self.hosts)
        self.names = dict(names)

    def start(self):
        args = [DNSMASQ, "--no-daemon", "--no-resolv", "--no-hosts", "--port=%d" % self.port,
                "--listen-address=127.0.0.1", "--bind-interfaces", "--addn-hosts=" + self.hosts,
                "--local=/test/", "--pid-file=", "--log-facility=-"]
        if os.geteuid() == 0:
            args.append("--user=root")  # stays able to read the test's private folder
        for name, target, port, weight in self.srv:
            args.append("--srv-host=%s,%s,%d,0,%d" % (name, target, port, weight))
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + harness.DEFAULT_TIMEOUT
        while dns_query(self.port, "ready.check.test") is None:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dnsmasq did not start: " + open(self.log).read())
            time.sleep(0.02)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=harness.DEFAULT_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=harness.DEFAULT_TIMEOUT)
        self.proc = None

    def restart(self, srv):
        self.stop()
        self.srv = list(srv)
        self.start()

    def set_hosts(self, names):
        self.write_hosts(names)
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + harness.DEFAULT_TIMEOUT
        for name, ips in names.items():
            want = sorted(socket.inet_aton(ip) for ip in ips)
            while True:
                r = dns_query(self.port, name)
                if r and r[0] == 0 and sorted(r[1]) == want:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError("dnsmasq does not answer %s %s: %r" % (name, ips, r))
                time.sleep(0.02)


def free_dns_port():
    """A port free on 127.0.0.1 for both UDP and TCP."""
    for _ in range(50):
        port = harness.free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            try:
                u.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise RuntimeError("no free port for dnsmasq")


def servers_state(sock, backend):
    """show servers state @backend: {server: {addr, op, admin, weight, fqdn, port, srvrecord}}"""
    out = harness.stats_command(sock, "show servers state %s\n" % backend)
    res = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 25 and f[0].isdigit():
            res[f[3]] = dict(addr=f[4], op=int(f[5]), admin=int(f[6]), weight=int(f[7]),
                             fqdn=f[17], port=int(f[18]), srvrecord=f[19])
    return res


def stat_status(sock):
    """show stat: {(proxy, server): status}"""
    out = harness.stats_command(sock, "show stat\n")
    return {(f[0], f[1]): f[17] for f in (l.split(",") for l in out.splitlines()[1:]) if len(f) > 17}


def wait_until(pred, timeout=harness.DEFAULT_TIMEOUT, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.03)


def addrs(state):
    return sorted(s["addr"] for s in state.values() if s["addr"] != "-")


class Load:
    """@n keep-alive clients sending GET / back to back until stop()"""

    def __init__(self, port, n=4):
        self.counts = {"ok": 0, "fail": 0, "retried": 0}
        self.lock = threading.Lock()
        self.going = True
        self.threads = [threading.Thread(target=harness.keepalive_requests,
                                         args=(port, lambda: self.going, self.count))
                        for _ in range(n)]
        for t in self.threads:
            t.start()

    def count(self, what):
        with self.lock:
            self.counts[what] += 1

    def ok(self):
        with self.lock:
            return self.counts["ok"]

    def stop(self):
        self.going = False
        for t in self.threads:
            t.join(timeout=harness.DEFAULT_TIMEOUT)
        return self.counts


def hits(origin):
    with origin.lock:
        return len(origin.requests)


@unittest.skipUnless(os.access(DNSMASQ, os.X_OK), "dnsmasq is not installed")
class DnsCase(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.port = harness.free_port()
        self.sock = os.path.join(self.tmp, "stats.sock")
        self.dns_port = free_dns_port()
        self.origins = {}

    def origin(self, ip, port):
        o = Origin(name=ip, addr=(ip, port))
        self.addCleanup(o.stop)
        self.origins[ip] = o
        return o

    def config(self, backend, hold="600ms", ns=None):
        return HEAD.format(sock=self.sock, port=self.port,
                           resolvers=RESOLVERS.format(ns=ns or "127.0.0.1:%d" % self.dns_port,
                                                      hold=hold)) + backend

    def start_sluice(self, text):
        self.sl = self.start_config(text, env=ENV)
        return self.sl

    def serve_one(self, name, ip):
        """dnsmasq answering @name with @ip, an origin there, and sluice's backend be with
        one server s resolving @name (every hold 2 s), once it has the address: dnsmasq."""
        p = harness.free_port()
        self.origin(ip, p)
        dns = Dnsmasq(self, self.dns_port)
        dns.set_hosts({name: [ip]})
        self.start_sluice(self.config(
            "backend be\n    server s %s:%d resolvers dns init-addr none\n" % (name, p),
            hold="2s"))
        wait_until(lambda: addrs(servers_state(self.sock, "be")) == [ip], what="the address")
        return dns

    def assert_held(self, dns, names, reason, counter):
        """After dnsmasq answers with @names, server be/s keeps its last valid address for
        its hold (2 s, counted from that answer: up to a resolution, 200 ms, before the
        change), then goes to maintenance for @reason; show resolvers counts @counter."""
        get = b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        dns.set_hosts(names)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 0.6:
            self.assertEqual(harness.request(self.port, get)[0], 200)
            time.sleep(0.05)
        wait_until(lambda: stat_status(self.sock)[("be", "s")] == "MAINT (resolution)",
                   what="maintenance after the hold")
        self.assertGreaterEqual(time.monotonic() - t0, 1.2)
        self.assertEqual(harness.request(self.port, get)[0], 503)
        self.assertIn("Server be/s is going DOWN for maintenance (%s)." % reason, self.sl.log())
        self.assertEqual(servers_state(self.sock, "be")["s"]["addr"], "-")
        n = int(re.search(r"%s: +(\d+)" % counter,
                          harness.stats_command(self.sock, "show resolvers\n")).group(1))
        self.assertGreater(n, 0)


class TestRecords(DnsCase):
    def test_records_added_changed_removed_under_load(self):
        """A records added, changed and removed while clients send requests: the template's
        servers follow within a resolution and a check, each on an address of its own, and
        no request fails."""
        p = harness.free_port()
        for ip in ("127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14"):
            self.origin(ip, p)
        dns = Dnsmasq(self, self.dns_port)
        dns.set_hosts({"app.test": ["127.0.0.11", "127.0.0.12"]})
        self.start_sluice(self.config(
            "backend be\n    balance roundrobin\n"
            "    server-template app- 3 app.test:%d resolvers dns init-addr none check "
            "inter 200ms\n" % p))
        wait_until(lambda: addrs(servers_state(self.sock, "be")) == ["127.0.0.11", "127.0.0.12"],
                   what="two addresses")
        st = servers_state(self.sock, "be")
        # the third has no address: HAProxy's "MAINT (resolution)", admin 0x20
        third = [n for n, s in st.items() if s["addr"] == "-"]
        self.assertEqual(len(third), 1)
        self.assertEqual(st[third[0]]["admin"] & 0x20, 0x20)
        self.assertEqual(st[third[0]]["fqdn"], "app.test")
        self.assertEqual(stat_status(self.sock)[("be", third[0])], "MAINT (resolution)")
        load = Load(self.port)
        try:
            wait_until(lambda: load.ok() > 50, what="traffic")
            # added: the third server takes it
            dns.set_hosts({"app.test": ["127.0.0.11", "127.0.0.12", "127.0.0.13"]})
            t0 = time.monotonic()
            wait_until(lambda: addrs(servers_state(self.sock, "be")) ==
                       ["127.0.0.11", "127.0.0.12", "127.0.0.13"], what="three addresses")
            n13 = hits(self.origins["127.0.0.13"])
            wait_until(lambda: hits(self.origins["127.0.0.13"]) > n13 + 10, what="traffic to .13")
            # within timeout resolve (200ms) and a check (200ms), with room for a slow CI
            # under the sanitizers (a server that never followed would never get there)
            self.assertLess(time.monotonic() - t0, 5.0)
            # changed: .11 goes, .14 comes
            dns.set_hosts({"app.test": ["127.0.0.12", "127.0.0.13", "127.0.0.14"]})
            wait_until(lambda: addrs(servers_state(self.sock, "be")) ==
                       ["127.0.0.12", "127.0.0.13", "127.0.0.14"], what=".11 replaced by .14")
            # requests already on their way to .11 end: forty more answers across the four
            # clients (a fixed pause could be too short on a loaded machine)
            ok = load.ok()
            wait_until(lambda: load.ok() > ok + 40, what="traffic after the change")
            n11 = hits(self.origins["127.0.0.11"])
            n14 = hits(self.origins["127.0.0.14"])
            wait_until(lambda: hits(self.origins["127.0.0.14"]) > n14 + 10, what="traffic to .14")
            # removed: .12 goes; its server has no address left (three servers, two records)
            dns.set_hosts({"app.test": ["127.0.0.13", "127.0.0.14"]})
            wait_until(lambda: addrs(servers_state(self.sock, "be")) ==
                       ["127.0.0.13", "127.0.0.14"], what=".12 removed")
            ok = load.ok()
            wait_until(lambda: load.ok() > ok + 40, what="traffic after the removal")
            n12 = hits(self.origins["127.0.0.12"])
            ok = load.ok()
            wait_until(lambda: load.ok() > ok + 100, what="more traffic")
            self.assertEqual(hits(self.origins["127.0.0.11"]), n11)
            self.assertEqual(hits(self.origins["127.0.0.12"]), n12)
        finally:
            counts = load.stop()
        self.assertEqual(counts["fail"], 0, counts)
        log = self.sl.log()
        self.assertRegex(log, r"be/app-\d changed its IP from 127\.0\.0\.11 to 127\.0\.0\.14 by "
                              r"(dns/ns1|DNS cache)\.")
        self.assertRegex(log, r"Server be/app-\d is going DOWN for maintenance \(No IP for "
                              r"server \)\.")
        self.assertRegex(log, r"Server be/app-\d \('app\.test'\) is UP/READY \(resolves again\)")
        counters = harness.stats_command(self.sock, "show resolvers dns\n")
        self.assertTrue(counters.startswith("Resolvers section dns\n nameserver ns1:\n  sent:"),
                        counters)
        update = int(re.search(r"update: +(\d+)", counters).group(1))
        self.assertGreaterEqual(update, 1)

        def valid():
            out = harness.stats_command(self.sock, "show resolvers dns\n")
            return int(re.search(r"valid: +(\d+)", out).group(1))

        # a resolution every timeout resolve (200 ms), each answered validly
        wait_until(lambda: valid() > 5, what="valid answers counted")

    def test_seed_outage(self):
        """The outage the issue started from: a template over a name whose addresses change,
        keep-alive clients; once the change is seen no request reaches a removed address,
        not even over a server connection kept alive from before."""
        p = harness.free_port()
        for ip in ("127.0.0.11", "127.0.0.12", "127.0.0.13"):
            self.origin(ip, p)
        dns = Dnsmasq(self, self.dns_port)
        dns.set_hosts({"app.test": ["127.0.0.11", "127.0.0.12"]})
        self.start_sluice(self.config(
            "backend be\n    balance roundrobin\n"
            "    server-template app- 3 app.test:%d resolvers dns init-addr libc,none check\n" % p))
        wait_until(lambda: addrs(servers_state(self.sock, "be")) == ["127.0.0.11", "127.0.0.12"],
                   what="two addresses")
        load = Load(self.port, n=6)
        try:
            wait_until(lambda: hits(self.origins["127.0.0.11"]) > 30, what="traffic to .11")
            dns.set_hosts({"app.test": ["127.0.0.12", "127.0.0.13"]})
            wait_until(lambda: addrs(servers_state(self.sock, "be")) ==
                       ["127.0.0.12", "127.0.0.13"], what="the change")
            time.sleep(0.2)
            n11 = hits(self.origins["127.0.0.11"])
            n13 = hits(self.origins["127.0.0.13"])
            wait_until(lambda: hits(self.origins["127.0.0.13"]) > n13 + 100, what="traffic to .13")
            self.assertEqual(hits(self.origins["127.0.0.11"]), n11)
            # and the old instance can go away: nobody notices
            self.origins["127.0.0.11"].stop()
            ok = load.ok()
            wait_until(lambda: load.ok() > ok + 100, what="traffic after .11 stopped")
        finally:
            counts = load.stop()
        self.assertEqual(counts["fail"], 0, counts)


class TestSrv(DnsCase):
    def test_srv_targets_ports_and_weights(self):
        """An SRV label: each record gives a server its target, port and weight; a server
        without a record is in maintenance; a record that goes frees its server."""
        p1, p2 = harness.free_port(), harness.free_port()
        web1, web2 = self.origin("127.0.0.21", p1), self.origin("127.0.0.22", p2)
        label = "_http._tcp.app.test"
        dns = Dnsmasq(self, self.dns_port, srv=[(label, "web1.test", p1, 256),
                                                (label, "web2.test", p2, 768)])
        dns.set_hosts({"web1.test": ["127.0.0.21"], "web2.test": ["127.0.0.22"]})
        self.start_sluice(self.config(
            "backend be\n    balance roundrobin\n"
            "    server-template s 3 %s resolvers dns init-addr none check inter 200ms\n" % label))
        st = wait_until(lambda: (lambda x: x if addrs(x) == ["127.0.0.21", "127.0.0.22"] else None)(
                servers_state(self.sock, "be")), what="the SRV targets")
        by_fqdn = {s["fqdn"]: s for s in st.values()}
        self.assertEqual(by_fqdn["web1.test"]["port"], p1)
        self.assertEqual(by_fqdn["web2.test"]["port"], p2)
        # HAProxy's mapping: (weight + 255) / 256
        self.assertEqual(by_fqdn["web1.test"]["weight"], 1)
        self.assertEqual(by_fqdn["web2.test"]["weight"], 3)
        self.assertEqual({s["srvrecord"] for s in st.values()}, {label})
        free = [n for n, s in st.items() if s["addr"] == "-"]
        self.assertEqual(len(free), 1)
        self.assertEqual(st[free[0]]["admin"] & 0x20, 0x20)
        self.assertEqual(st[free[0]]["fqdn"], "-")
        # the weights share the traffic out, 1 to 3
        for _ in range(40):
            self.assertEqual(harness.request(self.port, b"GET / HTTP/1.1\r\nHost: h\r\n"
                                                        b"Connection: close\r\n\r\n")[0], 200)
        self.assertEqual((hits(web1), hits(web2)), (10, 30))
        self.assertIn("changed its FQDN from (null) to web1.test by 'SRV record'", self.sl.log())
        # web2's record goes: its server is freed (hold obsolete is 0)
        dns.restart([(label, "web1.test", p1, 256)])
        wait_until(lambda: addrs(servers_state(self.sock, "be")) == ["127.0.0.21"],
                   what="web2 freed")
        self.assertRegex(self.sl.log(), r"Server be/s\d is going DOWN for maintenance \(entry "
                                          r"removed from SRV record\)")
        n2 = hits(web2)
        for _ in range(10):
            self.assertEqual(harness.request(self.port, b"GET / HTTP/1.1\r\nHost: h\r\n"
                                                        b"Connection: close\r\n\r\n")[0], 200)
        self.assertEqual(hits(web2), n2)


class TestHold(DnsCase):
    def test_nxdomain_then_dead_nameserver(self):
        """A name that stops existing keeps its servers for hold nx, then sends them to
        maintenance; the same for a name server that stops answering (hold timeout)."""
        dns = self.serve_one("app.test", "127.0.0.11")
        # NXDOMAIN
        self.assert_held(dns, {"other.test": ["127.0.0.12"]}, "DNS NX status", "nx")
        get = b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        # back
        dns.set_hosts({"app.test": ["127.0.0.11"]})
        wait_until(lambda: stat_status(self.sock)[("be", "s")] != "MAINT (resolution)",
                   what="back from maintenance")
        self.assertEqual(harness.request(self.port, get)[0], 200)
        # the name server dies: the address holds for hold timeout, then maintenance
        dns.stop()
        t0 = time.monotonic()
        while time.monotonic() - t0 < 0.6:
            self.assertEqual(harness.request(self.port, get)[0], 200)
            time.sleep(0.05)
        wait_until(lambda: stat_status(self.sock)[("be", "s")] == "MAINT (resolution)",
                   what="maintenance after hold timeout")
        self.assertIn("Server be/s is going DOWN for maintenance (DNS timeout status).",
                      self.sl.log())
        out = harness.stats_command(self.sock, "show resolvers\n")
        failed = int(re.search(r"timeout: +(\d+)", out).group(1)) + \
            int(re.search(r"snd_error: +(\d+)", out).group(1))
        self.assertGreater(failed, 0, out)
        # it comes back: so do the servers
        dns.start()
        wait_until(lambda: stat_status(self.sock)[("be", "s")] != "MAINT (resolution)",
                   what="back after the name server")


class TestHoldRefused(DnsCase):
    def test_refused_holds_then_maintenance(self):
        """A name server that refuses the name (dnsmasq with no upstream for a name outside
        its local domain) keeps the last valid address for hold refused (2 s), then sends
        the server to maintenance; a valid answer brings it back."""
        dns = self.serve_one("app.other", "127.0.0.51")
        # dnsmasq refuses a name outside its local domain that its hosts file no longer has
        self.assert_held(dns, {"other.test": ["127.0.0.52"]}, "DNS refused status", "refused")
        self.assertEqual(dns_query(self.dns_port, "app.other")[0], 5)
        get = b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        dns.set_hosts({"app.other": ["127.0.0.51"]})
        wait_until(lambda: stat_status(self.sock)[("be", "s")] != "MAINT (resolution)",
                   what="back from maintenance")
        self.assertEqual(harness.request(self.port, get)[0], 200)


class TestHoldValid(DnsCase):
    """hold valid: a check that cannot connect has the name resolved again, unless the last
    valid answer is younger than hold valid (HAProxy's resolv_trigger_resolution()); the
    periodic resolution (timeout resolve) is an hour away in both cases."""

    def start_moved(self, valid):
        p = harness.free_port()
        self.origin("127.0.0.21", p)  # nothing listens on 127.0.0.22
        dns = Dnsmasq(self, self.dns_port)
        dns.set_hosts({"app.test": ["127.0.0.22"]})
        text = HEAD.format(sock=self.sock, port=self.port, resolvers="""\
resolvers dns
    nameserver ns1 127.0.0.1:%d
    timeout resolve 1h
    timeout retry 100ms
    hold valid %s
""" % (self.dns_port, valid))
        self.start_sluice(text + "backend be\n    server s app.test:%d resolvers dns "
                          "init-addr none check inter 100ms fall 1 rise 1\n" % p)
        wait_until(lambda: addrs(servers_state(self.sock, "be")) == ["127.0.0.22"],
                   what="the first address")
        wait_until(lambda: stat_status(self.sock)[("be", "s")] == "DOWN",
                   what="the server down on the address nothing listens on")
        dns.set_hosts({"app.test": ["127.0.0.21"]})
        return time.monotonic()

    def test_failing_check_resolves_again_after_hold_valid(self):
        self.start_moved("300ms")
        wait_until(lambda: addrs(servers_state(self.sock, "be")) == ["127.0.0.21"],
                   what="the new address, asked again because the check failed")
        wait_until(lambda: stat_status(self.sock)[("be", "s")] == "UP", what="the server up")
        get = b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        self.assertEqual(harness.request(self.port, get)[0], 200)
        self.assertIn("be/s changed its IP from 127.0.0.22 to 127.0.0.21 by dns/ns1.",
                      self.sl.log())

    def test_valid_answer_stands_for_hold_valid(self):
        t0 = self.start_moved("1h")
        # twenty failed checks later, the valid answer still stands
        while time.monotonic() - t0 < 2.0:
            self.assertEqual(addrs(servers_state(self.sock, "be")), ["127.0.0.22"])
            time.sleep(0.2)
        self.assertEqual(stat_status(self.sock)[("be", "s")], "DOWN")


class TestServerOptions(DnsCase):
    def test_prefer_net_and_dup_ip(self):
        """resolve-prefer picks the family (ipv6 by default, as HAProxy), resolve-net the
        record in the network, allow-dup-ip lets a template's servers share an address that
        prevent-dup-ip (the default) keeps to one of them."""
        p = harness.free_port()
        for ip in ("127.0.0.31", "127.0.0.32", "127.0.0.33"):
            self.origin(ip, p)
        dns = Dnsmasq(self, self.dns_port)
        # the AAAA record is 127.0.0.33 as an IPv4-mapped address: traffic stays on loopback
        dns.write_hosts({"two.test": ["127.0.0.31", "127.0.0.32"], "one.test": ["127.0.0.31"],
                         "both.test": ["127.0.0.31", "::ffff:127.0.0.33"]})
        dns.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: (dns_query(self.dns_port, "both.test", qtype=28) or (0, []))[1],
                   what="dnsmasq's AAAA record")
        opts = "resolvers dns init-addr none"
        port2 = harness.free_port()
        self.start_sluice(self.config(
            "backend be\n    server s one.test:%d %s\n"
            "frontend by_host\n    bind 127.0.0.1:%d\n    use_backend %%[req.hdr(host)]\n"
            "backend v4\n    server s both.test:%d %s resolve-prefer ipv4\n"
            "backend v6\n    server s both.test:%d %s\n"
            "backend net\n    server s two.test:%d %s resolve-net 127.0.0.32/32\n"
            "backend dup\n    server-template d 2 one.test:%d %s resolve-opts allow-dup-ip\n"
            "backend nodup\n    server-template d 2 one.test:%d %s\n"
            % (p, opts, port2, p, opts, p, opts, p, opts, p, opts, p, opts)))
        want = {"v4": ["127.0.0.31"], "v6": ["::ffff:127.0.0.33"], "net": ["127.0.0.32"],
                "dup": ["127.0.0.31", "127.0.0.31"], "nodup": ["127.0.0.31"]}
        for be, a in want.items():
            wait_until(lambda: addrs(servers_state(self.sock, be)) == a,
                       what="%s's addresses %s" % (be, a))
        # and the requests go there
        for be, ip in (("v4", "127.0.0.31"), ("v6", "127.0.0.33"), ("net", "127.0.0.32")):
            n = hits(self.origins[ip])
            get = b"GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % be.encode()
            self.assertEqual(harness.request(port2, get)[0], 200, be)
            self.assertEqual(hits(self.origins[ip]), n + 1, "%s's request went to %s" % (be, ip))


class TestObsolete(DnsCase):
    def test_missing_record_kept_for_hold_obsolete(self):
        """A record gone from the answers keeps its server's address for hold obsolete
        (3 s here; the default 0 drops it at once, as test_records shows), then frees it."""
        p = harness.free_port()
        for ip in ("127.0.0.41", "127.0.0.42"):
            self.origin(ip, p)
        dns = Dnsmasq(self, self.dns_port)
        dns.set_hosts({"app.test": ["127.0.0.41", "127.0.0.42"]})
        self.start_sluice(self.config(
            "backend be\n    server-template app- 2 app.test:%d resolvers dns init-addr none\n"
            % p).replace("    hold nx", "    hold obsolete 3s\n    hold nx"))
        wait_until(lambda: addrs(servers_state(self.sock, "be")) == ["127.0.0.41", "127.0.0.42"],
                   what="two addresses")
        dns.set_hosts({"app.test": ["127.0.0.41"]})
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.0:  # five resolutions (timeout resolve 200ms)
            self.assertEqual(addrs(servers_state(self.sock, "be")), ["127.0.0.41", "127.0.0.42"])
            time.sleep(0.1)
        wait_until(lambda: addrs(servers_state(self.sock, "be")) == ["127.0.0.41"],
                   what="the obsolete record dropped")
        self.assertGreaterEqual(time.monotonic() - t0, 2.0)


class TestApi(DnsCase):
    def test_tcp_nameserver_show_resolvers_and_set_fqdn(self):
        """A name server over TCP; show resolvers in HAProxy's text; set server fqdn."""
        p = harness.free_port()
        self.origin("127.0.0.11", p)
        self.origin("127.0.0.12", p)
        dns = Dnsmasq(self, self.dns_port)
        dns.set_hosts({"app.test": ["127.0.0.11"], "new.test": ["127.0.0.12"]})
        prom = harness.free_port()
        self.start_sluice(self.config(
            "backend be\n    server s app.test:%d resolvers dns init-addr none\n"
            "    server t 127.0.0.1:1\n"
            "    server-template u 1 _x._tcp.app.test resolvers dns init-addr none\n"
            "frontend prom\n    bind 127.0.0.1:%d\n"
            "    http-request use-service prometheus-exporter\n" % (p, prom),
            ns="tcp@127.0.0.1:%d" % self.dns_port))
        wait_until(lambda: servers_state(self.sock, "be")["s"]["addr"] == "127.0.0.11",
                   what="the address over TCP")
        out = harness.stats_command(self.sock, "show resolvers\n")
        names = re.findall(r"^  ([a-z_]+): +\d+$", out, re.M)
        self.assertEqual(names, ["sent", "snd_error", "valid", "update", "cname", "cname_error",
                                 "any_err", "nx", "timeout", "refused", "other", "invalid",
                                 "too_big", "truncated", "outdated"])
        self.assertEqual(harness.stats_command(self.sock, "show resolvers nope\n"),
                         "Can't find that resolvers section\n\n")
        # the same counters as metrics
        r = harness.request(prom, b"GET /metrics?scope=resolver HTTP/1.1\r\nHost: h\r\n"
                                  b"Connection: close\r\n\r\n")
        self.assertEqual(r[0], 200)
        sent = re.search(rb'^sluice_resolver_sent_total\{resolvers="dns",nameserver="ns1"\} '
                         rb'(\d+)$', r[2], re.M)
        self.assertTrue(sent and int(sent.group(1)) > 0, r[2][:500])
        self.assertIn(b"# TYPE sluice_resolver_valid_total counter", r[2])
        # the answer, without the empty line that ends every one
        cmd = lambda c: harness.stats_command(self.sock, c + "\n")[:-1]
        self.assertEqual(cmd("set server be/t fqdn x.test"),
                         "set server <b>/<s> fqdn failed because no resolution is configured.\n")
        self.assertEqual(cmd("set server be/u1 fqdn x.test"),
                         "set server <b>/<s> fqdn failed because SRV resolution is configured.\n")
        self.assertEqual(cmd("set server be/s fqdn app.test"),
                         "no need to change the FDQN by 'stats socket command'\n")
        self.assertEqual(cmd("set server be/s fqdn bad/name"),
                         "invalid fqdn 'bad/name' by 'stats socket command'\n")
        self.assertEqual(cmd("set server be/s fqdn new.test"),
                         "be/s changed its FQDN from app.test to new.test by 'stats socket "
                         "command'\n")
        st = wait_until(lambda: (lambda x: x if x["addr"] == "127.0.0.12" else None)(
                servers_state(self.sock, "be")["s"]), what="the new name's address")
        self.assertEqual(st["fqdn"], "new.test")
        self.assertEqual(st["admin"] & 0x40, 0x40)  # HAProxy's SRV_ADMF_HMAINT
        r = harness.request(self.port, b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
        self.assertEqual(r[2], b"origin 127.0.0.12 /")


class TestReload(DnsCase):
    def test_reload_keeps_unchanged_and_replaces_changed_template(self):
        """Addresses found by DNS are runtime state: a reload keeps them for an unchanged
        template; a template changed in the configuration starts again from it, and the log
        says so."""
        p = harness.free_port()
        for ip in ("127.0.0.11", "127.0.0.12", "127.0.0.13"):
            self.origin(ip, p)
        dns = Dnsmasq(self, self.dns_port)
        dns.set_hosts({"app.test": ["127.0.0.11"], "app2.test": ["127.0.0.13"]})
        backend = ("backend be\n    server-template app- 2 {name}:%d resolvers dns "
                   "init-addr none\n" % p)
        path = self.write("sluice.cfg", self.config(backend.format(name="app.test")))
        self.sl = self.start(["-W", "-f", path], env=ENV)
        wait_until(lambda: addrs(servers_state(self.sock, "be")) == ["127.0.0.11"],
                   what="the address")
        # unchanged: carried over, not resolved from scratch
        self.sl.signal(signal.SIGHUP)
        self.sl.notify.wait_for("READY", "1", proc=self.sl.proc)
        self.assertEqual(addrs(servers_state(self.sock, "be")), ["127.0.0.11"])
        self.assertIn("reload: the runtime state of 2 unchanged servers carried over",
                      self.sl.log())
        # the template's name changes: the configuration wins
        self.write("sluice.cfg", self.config(backend.format(name="app2.test")))
        self.sl.signal(signal.SIGHUP)
        self.sl.notify.wait_for("READY", "1", proc=self.sl.proc)
        log = self.sl.log()
        self.assertIn("reload: server 'be/app-1' changed address or port: app.test:%d -> "
                      "app2.test:%d (the configuration's is used)" % (p, p), log)
        self.assertIn("reload: server 'be/app-1' (server-template 'app-') changed in the "
                      "configuration: the address DNS found (127.0.0.11) is dropped, it is "
                      "resolved again", log)
        wait_until(lambda: addrs(servers_state(self.sock, "be")) == ["127.0.0.13"],
                   what="the new name's address")


class TestOwner(DnsCase):
    def test_resolver_killed_goes_on_from_the_shared_state(self):
        """The worker that resolves is killed: its servers keep their addresses, the master
        starts another, which resolves from where it was (no server changes meanwhile)."""
        p = harness.free_port()
        for ip in ("127.0.0.11", "127.0.0.12", "127.0.0.13"):
            self.origin(ip, p)
        dns = Dnsmasq(self, self.dns_port)
        dns.set_hosts({"app.test": ["127.0.0.11", "127.0.0.12"]})
        self.start_sluice(self.config(
            "backend be\n    server-template app- 2 app.test:%d resolvers dns "
            "init-addr none\n" % p))
        before = wait_until(lambda: (lambda x: x if addrs(x) == ["127.0.0.11", "127.0.0.12"]
                                     else None)(servers_state(self.sock, "be")),
                            what="two addresses")
        owner = lambda: re.findall(r"sluice\[(\d+)\]: info: resolvers: 2 servers, resolved "
                                   r"from this worker", self.sl.log())
        pid = int(owner()[-1])
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: len(owner()) >= 2, what="another resolver")
        self.assertNotEqual(int(owner()[-1]), pid)
        time.sleep(0.5)  # resolutions of the new one
        after = servers_state(self.sock, "be")
        self.assertEqual({n: s["addr"] for n, s in after.items()},
                         {n: s["addr"] for n, s in before.items()})
        self.assertEqual(self.sl.log().count("changed its IP"), 2)
        dns.set_hosts({"app.test": ["127.0.0.12", "127.0.0.13"]})
        wait_until(lambda: addrs(servers_state(self.sock, "be")) == ["127.0.0.12", "127.0.0.13"],
                   what="the change, seen by the new resolver")


@unittest.skipUnless(harness.have_haproxy(), "Debian's haproxy is not installed")
class TestHAProxy(DnsCase):
    def test_same_addresses_and_log_lines_as_haproxy(self):
        """Debian's HAProxy 2.6 and sluice on the same configuration and name server: as the
        records change, each server gets the same address, with the same log lines."""
        p = harness.free_port()
        dns = Dnsmasq(self, self.dns_port)
        dns.set_hosts({"app.test": ["127.0.0.11", "127.0.0.12"]})
        backend = ("backend be\n    server-template app- 3 app.test:%d resolvers dns "
                   "init-addr none\n" % p)
        self.start_sluice(self.config(backend))
        hsock, hport = os.path.join(self.tmp, "ha.sock"), harness.free_port()
        ha = self.start_haproxy(self.config(backend).replace(self.sock, hsock)
                                .replace("127.0.0.1:%d\n" % self.port, "127.0.0.1:%d\n" % hport))
        steps = [["127.0.0.11", "127.0.0.12"],
                 ["127.0.0.11", "127.0.0.12", "127.0.0.13"],
                 ["127.0.0.12", "127.0.0.13", "127.0.0.14"],
                 ["127.0.0.14"]]
        for ips in steps:
            dns.set_hosts({"app.test": ips})
            want = sorted(ips)
            for sock in (self.sock, hsock):
                wait_until(lambda: addrs(servers_state(sock, "be")) == want,
                           what="%s on %s" % (ips, sock))
            time.sleep(0.3)  # another resolution: nothing moves
            mine = {n: s["addr"] for n, s in servers_state(self.sock, "be").items()}
            theirs = {n: s["addr"] for n, s in servers_state(hsock, "be").items()}
            self.assertEqual(mine, theirs, ips)

        def lines(text, strip):
            return [re.sub(strip, "", l) for l in text.splitlines()
                    if "be/" in l and "no server available" not in l]
        mine = lines(self.sl.log(), r"^sluice\[\d+\]: [a-z]+: ")
        self.assertEqual(mine, lines(ha.log(), r"^\[[A-Z]+\] +\(\d+\) : "))
        self.assertIn("be/app-3 changed its IP from (none) to 127.0.0.13 by DNS cache.", mine)
        self.assertGreaterEqual(len(mine), 10)


class TestStart(harness.TestCase):
    def test_unresolvable_name_at_start(self):
        """Without init-addr none, a name that does not resolve at start is an error naming
        the server and the name at its line; with it, the server starts in maintenance."""
        base = ("resolvers dns\n    nameserver ns1 127.0.0.1:1\n"
                "backend be\n    server-template app- 2 no-such-host.invalid:80 resolvers dns "
                "init-addr %s\n")
        path = self.write("bad.cfg", base % "libc")
        r = harness.run(["-c", "-f", path], env=dict(os.environ, **ENV))
        self.assertEqual(r.returncode, 1)
        self.assertIn("%s:4:" % path, r.stderr)
        self.assertIn("'server be/app-1': could not resolve address 'no-such-host.invalid'",
                      r.stderr)
        path = self.write("ok.cfg", base % "libc,none")
        r = harness.run(["-c", "-f", path], env=dict(os.environ, **ENV))
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    harness.main()
