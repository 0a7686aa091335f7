"""The runtime API for the whole node: the stats socket answered by the master, with every
worker's counters summed (old generations still draining included) and counters that never
go back across reloads and a worker's death; "show stat" and "show info" in HAProxy's CSV,
typed and JSON forms; the servers' runtime state (drain, maintenance, weight) shared by
every worker at once and kept across a reload that leaves the server unchanged; access
levels; bad input."""

import json
import os
import re
import signal
import socket
import subprocess
import threading
import time

import harness
from origin import Origin, RawOrigin

# HAProxy 2.6.12's "show stat" columns, as Debian's haproxy prints them, up to its modules
HAPROXY_COLUMNS = (
    "pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,"
    "wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,"
    "lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,"
    "hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,"
    "cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,"
    "ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,"
    "check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,"
    "conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,"
    "srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,"
    "safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,"
    "agg_server_check_status,agg_check_status,-,").split(",")


def ask(path, text, timeout=harness.DEFAULT_TIMEOUT):
    """Send @text on a new connection to Unix socket @path and read until it closes."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    with s:
        s.connect(path)
        s.sendall(text.encode())
        out = bytearray()
        while True:
            d = s.recv(1 << 20)
            if not d:
                return out.decode()
            out += d


def get(port, path="/"):
    """One request on a new connection: (status, body)."""
    status, _, body = harness.request(
        port, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    return status, body


def csv_stats(text):
    """"show stat" CSV as {(pxname, svname): {column: value}}."""
    lines = text.strip("\n").split("\n")
    head = lines[0][2:].split(",")
    out = {}
    for line in lines[1:]:
        row = dict(zip(head, line.split(",")))
        out[(row["pxname"], row["svname"])] = row
    return out


def open_tunnels(test, port, n):
    """@n WebSocket tunnels through the proxy at @port (the origin echoes), closed when
    @test ends."""
    tunnels = []
    for _ in range(n):
        s = harness.connect(port)
        test.addCleanup(s.close)
        s.sendall(b"GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
                  b"Connection: upgrade\r\n\r\n")
        status, _, _ = harness.read_response(s)
        test.assertEqual(status, 101)
        tunnels.append(s)
    return tunnels


def sanitized():
    """Is the sluice under test built with AddressSanitizer?"""
    with open(harness.SLUICE, "rb") as f:
        return b"__asan_init" in f.read()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def info(text):
    return dict(line.split(": ", 1) for line in text.strip("\n").split("\n"))


class Stats(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.o1 = Origin("s1")
        self.o2 = Origin("s2")
        self.addCleanup(self.o1.stop)
        self.addCleanup(self.o2.stop)
        self.port = harness.free_port()
        self.admin = os.path.join(self.tmp, "admin.sock")
        self.user = os.path.join(self.tmp, "user.sock")
        self.oper = os.path.join(self.tmp, "oper.sock")

    def config(self, s2_port=None, servers="", stats_timeout="1s"):
        return """\
global
    nbthread 2
    stats socket %(admin)s level admin
    stats socket %(user)s level user
    stats socket %(oper)s level operator
    stats timeout %(stats_timeout)s

defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s

frontend fe
    bind 127.0.0.1:%(port)d
    option socket-stats
    http-request deny if { path /deny }
    http-request return status 200 content-type text/plain string hi if { path /ret }
    default_backend be

backend be
    balance roundrobin
    server s1 127.0.0.1:%(p1)d
    server s2 127.0.0.1:%(p2)d
%(servers)s""" % {"admin": self.admin, "user": self.user, "oper": self.oper,
                  "port": self.port, "p1": self.o1.port, "p2": s2_port or self.o2.port,
                  "servers": servers, "stats_timeout": stats_timeout}

    def start_node(self, **kw):
        self.master_sock = os.path.join(self.tmp, "master.sock")
        return self.start_config(self.config(**kw), args=["-S", self.master_sock])

    def stat(self, sock=None):
        return csv_stats(ask(sock or self.admin, "show stat\n"))

    def stat_when(self, cond):
        """"show stat" once @cond holds of it, or after 5 s (the asserts then say what is
        off): a stream is counted at its end, which a client may see the response before."""
        deadline = time.monotonic() + 5
        st = self.stat()
        while not cond(st) and time.monotonic() < deadline:
            time.sleep(0.02)
            st = self.stat()
        return st

    def wait_workers(self, p, gen, n=2):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            i = info(ask(self.admin, "show info\n"))
            if i["Generation"] == str(gen) and i["Workers"] == str(n) and \
                    i["OldWorkers"] == "0":
                return i
            time.sleep(0.05)
        self.fail("generation %d with %d workers never showed: %r" % (gen, n, i))

    def test_counts_summed_over_workers(self):
        """Every kind of request is counted where HAProxy counts it, and the node's figures
        are the sum of both workers'."""
        p = self.start_node()
        for _ in range(40):
            self.assertEqual(get(self.port)[0], 200)
        for _ in range(3):
            self.assertEqual(get(self.port, "/deny")[0], 403)
        for _ in range(2):
            self.assertEqual(get(self.port, "/ret")[0], 200)
        for _ in range(5):
            self.assertEqual(get(self.port, "/status/404")[0], 404)
        status, _, _ = harness.request(self.port, b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        self.assertEqual(status, 400)
        st = self.stat_when(lambda st: st[("fe", "FRONTEND")]["hrsp_4xx"] == "9" and
                            st[("be", "BACKEND")]["stot"] == "45")
        fe, be = st[("fe", "FRONTEND")], st[("be", "BACKEND")]
        s1, s2 = st[("be", "s1")], st[("be", "s2")]
        self.assertEqual(fe["stot"], "51")
        self.assertEqual(fe["conn_tot"], "51")
        self.assertEqual(fe["req_tot"], "51")
        self.assertEqual(fe["hrsp_2xx"], "42")
        self.assertEqual(fe["hrsp_4xx"], "9")
        self.assertEqual(fe["dreq"], "3")
        self.assertEqual(fe["intercepted"], "2")
        self.assertEqual(fe["ereq"], "1")
        self.assertEqual(fe["status"], "OPEN")
        self.assertEqual(fe["mode"], "http")
        # the 45 requests that went to a server, spread by roundrobin over both workers
        self.assertEqual(int(s1["stot"]) + int(s2["stot"]), 45)
        self.assertEqual(int(s1["hrsp_2xx"]) + int(s2["hrsp_2xx"]), 40)
        self.assertEqual(int(s1["hrsp_4xx"]) + int(s2["hrsp_4xx"]), 5)
        self.assertEqual(int(s1["lbtot"]) + int(s2["lbtot"]), 45)
        self.assertEqual(int(s1["connect"]) + int(s2["connect"]), 45)
        self.assertEqual(be["status"], "UP")
        self.assertEqual(be["act"], "2")
        self.assertEqual(be["algo"], "roundrobin")
        self.assertEqual(s1["addr"], "127.0.0.1:%d" % self.o1.port)
        self.assertEqual(s1["status"], "no check")
        self.assertEqual(int(be["bout"]), int(s1["bout"]) + int(s2["bout"]))
        self.assertGreater(int(fe["bout"]), int(be["bout"]))
        lis = st[("fe", "sock-1")]
        self.assertEqual(lis["type"], "3")
        self.assertEqual(lis["stot"], "51")
        self.assertEqual(lis["status"], "OPEN")
        # the sum of what each worker says of itself
        per_worker = [info(ask(self.master_sock, "@%d show info\n" % i))["CumReq"]
                      for i in (1, 2)]
        self.assertEqual(sum(map(int, per_worker)), 51)
        node = info(ask(self.admin, "show info\n"))
        self.assertEqual(node["CumReq"], "51")
        self.assertEqual(node["CumConns"], "51")
        self.assertEqual(node["Pid"], str(p.pid))
        self.assertEqual(node["Nbthread"], "2")
        self.assertEqual(node["Workers"], "2")

    def test_never_back_across_reloads_and_kills(self):
        """Counters carry on across 3 reloads and 2 workers killed with SIGKILL."""
        p = self.start_node()
        sent, gen = 0, 1
        for round in range(5):
            for _ in range(10):
                self.assertEqual(get(self.port)[0], 200)
            sent += 10
            st = self.stat_when(lambda st: st[("be", "BACKEND")]["stot"] == str(sent))
            self.assertEqual(st[("fe", "FRONTEND")]["req_tot"], str(sent), round)
            self.assertEqual(st[("be", "BACKEND")]["stot"], str(sent), round)
            if round % 2 == 0:
                p.signal(signal.SIGHUP)
                gen += 1
                self.wait_workers(p, gen)
            else:
                victim = harness.children(p.pid)[0]
                os.kill(victim, signal.SIGKILL)
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and victim in harness.children(p.pid):
                    time.sleep(0.05)
                self.wait_workers(p, gen)
            i = info(ask(self.admin, "show info\n"))
            self.assertEqual(i["CumReq"], str(sent), round)
        self.assertEqual(i["Reloads"], "3")

    def test_old_generation_counted_while_it_drains(self):
        """A connection still open on the old generation is counted, and shown as such."""
        self.start_node()
        p = self._procs[0]
        s = harness.connect(self.port)
        self.addCleanup(s.close)
        s.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        status, _, _ = harness.read_response(s)
        self.assertEqual(status, 200)
        # a request under way (its body not sent yet) holds the old worker after the reload;
        # the reload comes once the worker has the request (a connection still idle would
        # be closed by the soft stop instead)
        s.sendall(b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n")
        me = " src=127.0.0.1:%d " % s.getsockname()[1]

        def posting():
            """Does "show sess all" show this client's POST under way?"""
            for block in re.split(r"\n(?=0x)", ask(self.admin, "show sess all\n")):
                if me in block and "  request: POST /" in block:
                    return True
            return False

        deadline = time.monotonic() + harness.DEFAULT_TIMEOUT
        while time.monotonic() < deadline and not posting():
            time.sleep(0.02)
        self.assertTrue(posting())
        p.signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            i = info(ask(self.admin, "show info\n"))
            if i["Generation"] == "2" and i["Workers"] == "2" and i["OldWorkers"] == "1":
                break
            time.sleep(0.05)
        self.assertEqual(i["OldWorkers"], "1")
        self.assertEqual(i["OldConns"], "1")
        self.assertEqual(i["CurrConns"], "1")
        s.sendall(b"abcd")
        status, _, _ = harness.read_response(s)
        self.assertEqual(status, 200)
        self.wait_workers(p, 2)
        self.assertEqual(info(ask(self.admin, "show info\n"))["CumReq"], "2")

    def test_sessions(self):
        """"show sess" lists every worker's client connections, old generations' included;
        "shutdown session" closes one, "shutdown sessions server" those using a server."""
        self.start_node()
        p = self._procs[0]
        # 12: the kernel spreads them over both workers by a hash of the addresses, so that
        # all would land on one only once in 2048 runs (with 6, once in 32)
        tunnels = open_tunnels(self, self.port, 12)

        def sessions():
            out = {}
            for line in ask(self.admin, "show sess\n").split("\n"):
                m = re.match(r"(0x[0-9a-f]+): proto=tcpv4 src=127\.0\.0\.1:(\d+) fe=fe "
                             r"be=(\S+) srv=(\S+) ts=00 age=\d+s pid=(\d+) state=(\S+).* "
                             r"gen=(\d+)( draining)?$", line)
                if m:
                    out[int(m.group(2))] = m.groups()
            return out

        def alive(s):
            s.sendall(b"ping")
            s.settimeout(5)
            try:
                return s.recv(16) == b"ping"
            except OSError:
                return False

        sess = sessions()
        ports = [t.getsockname()[1] for t in tunnels]
        self.assertEqual(sorted(sess), sorted(ports))
        self.assertEqual({v[4] for v in sess.values()} <= {str(c) for c in
                                                          harness.children(p.pid)}, True)
        self.assertEqual(len({v[4] for v in sess.values()}), 2, "both workers' connections")
        for v in sess.values():
            self.assertEqual((v[2], v[5], v[6], v[7]), ("be", "TUNNEL", "1", None))
            self.assertIn(v[3], ("s1", "s2"))
        # levels: user may not look, operator may look but not close
        self.assertEqual(ask(self.user, "show sess\n"), "Permission denied\n\n")
        self.assertEqual(len(ask(self.oper, "show sess\n").strip().split("\n")), 12)
        first = sess[ports[0]][0]
        self.assertEqual(ask(self.oper, "shutdown session %s\n" % first),
                         "Permission denied\n\n")
        detail = ask(self.admin, "show sess %s\n" % first)
        self.assertRegex(detail, r"(?m)^  stream: state=TUNNEL ")
        self.assertRegex(detail, r"(?m)^  request: GET /ws$")

        # one connection
        self.assertEqual(ask(self.admin, "shutdown session %s\n" % first), "\n")
        self.assertTrue(harness.closed_by_peer(tunnels[0]))
        self.assertEqual(ask(self.admin, "show sess %s\n" % first),
                         "No such session (use 'show sess').\n\n")
        self.assertEqual(ask(self.admin, "shutdown session 0x1\n"),
                         "No such session (use 'show sess').\n\n")
        for t in tunnels[1:]:
            self.assertTrue(alive(t))
        self.assertIn("stats socket: shutdown session %s (uid " % first, p.log())

        # after a reload the tunnels stay on the old generation, shown as draining
        p.signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if info(ask(self.admin, "show info\n"))["Generation"] == "2":
                break
            time.sleep(0.05)
        sess = sessions()
        self.assertEqual(sorted(sess), sorted(ports[1:]))
        self.assertTrue(all(v[6] == "1" and v[7] == " draining" for v in sess.values()))

        # every connection using s1, on every worker of every generation
        on_s1 = [t for t in tunnels[1:] if sess[t.getsockname()[1]][3] == "s1"]
        self.assertEqual(ask(self.admin, "shutdown sessions server be/s1\n"), "\n")
        for t in tunnels[1:]:
            if t in on_s1:
                self.assertTrue(harness.closed_by_peer(t))
            else:
                self.assertTrue(alive(t))
        self.assertEqual(sorted(sessions()),
                         sorted(t.getsockname()[1] for t in tunnels[1:] if t not in on_s1))
        self.assertEqual(ask(self.admin, "shutdown sessions server be/nope\n"),
                         "No such server.\n\n")

    def test_frontend_commands(self):
        """"disable|enable frontend" and "set maxconn frontend|global" for every worker,
        kept by a worker that replaces a dead one, undone by a reload."""
        self.start_node()
        p = self._procs[0]

        def answered(s, timeout):
            s.settimeout(timeout)
            try:
                status, _, _ = harness.read_response(s)
                return status == 200
            except OSError:
                return False

        def request():
            s = harness.connect(self.port)
            self.addCleanup(s.close)
            s.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            return s

        self.assertEqual(ask(self.oper, "disable frontend fe\n"), "Permission denied\n\n")
        self.assertEqual(ask(self.admin, "disable frontend nope\n"), "No such frontend.\n\n")
        self.assertEqual(ask(self.admin, "disable frontend fe\n"), "\n")
        self.assertEqual(ask(self.admin, "disable frontend fe\n"),
                         "All sockets are already disabled.\n\n")
        self.assertEqual(self.stat()[("fe", "FRONTEND")]["status"], "PAUSED")
        # the kernel queues the connections; no worker takes them
        waiting = [request() for _ in range(4)]
        time.sleep(0.5)
        for s in waiting:
            self.assertFalse(answered(s, 0.2))
        # a worker that replaces a dead one is told too
        victim = harness.children(p.pid)[0]
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            kids = harness.children(p.pid)
            if victim not in kids and len(kids) == 2 and \
                    info(ask(self.admin, "show info\n"))["Workers"] == "2":
                break
            time.sleep(0.05)
        time.sleep(0.5)
        late = request()
        self.assertFalse(answered(late, 1.0))
        self.assertEqual(ask(self.admin, "enable frontend fe\n"), "\n")
        self.assertEqual(ask(self.admin, "enable frontend fe\n"),
                         "All sockets are already enabled.\n\n")
        # the queued connections are served now (those the dead worker held are gone)
        self.assertTrue(answered(late, 5))
        self.assertEqual(self.stat()[("fe", "FRONTEND")]["status"], "OPEN")
        self.assertIn("stats socket: disable frontend fe (uid ", p.log())

        self.assertEqual(ask(self.admin, "set maxconn frontend fe 1\n"), "\n")
        self.assertEqual(self.stat()[("fe", "FRONTEND")]["slim"], "1")
        # one connection per worker: of three idle keep-alive clients one at least waits
        held = [request() for _ in range(3)]
        served = [answered(s, 1.0) for s in held]
        self.assertLessEqual(served.count(True), 2, served)
        self.assertEqual(ask(self.admin, "set maxconn frontend fe 0\n"), "\n")
        for s, ok in zip(held, served):
            if not ok:
                self.assertTrue(answered(s, 5))
        self.assertEqual(ask(self.admin, "set maxconn frontend fe x\n"),
                         "Integer value expected.\n\n")

        hard = int(info(ask(self.admin, "show info\n"))["Hard_maxconn"])
        self.assertEqual(ask(self.admin, "set maxconn global %d\n" % (hard + 1)),
                         "Value out of range. Must be <= %d.\n\n" % hard)
        self.assertEqual(ask(self.admin, "set maxconn global 100\n"), "\n")
        self.assertEqual(info(ask(self.admin, "show info\n"))["Maxconn"], "100")
        self.assertEqual(ask(self.admin, "disable frontend fe\n"), "\n")

        # a reload starts from the configuration again
        p.signal(signal.SIGHUP)
        self.wait_workers(p, 2)
        self.assertEqual(info(ask(self.admin, "show info\n"))["Maxconn"], str(hard))
        self.assertEqual(self.stat()[("fe", "FRONTEND")]["status"], "OPEN")
        self.assertTrue(answered(request(), 5))

    def test_show_errors(self):
        """"show errors": the last invalid request of each frontend and response of each
        backend, from every worker, with the offending byte's position and the bytes."""
        bad = RawOrigin({"/bad": (b"HTTP/1.1 200 O\x01K\r\ncontent-length: 0\r\n\r\n", True)})
        self.addCleanup(bad.stop)
        self.start_node(s2_port=bad.port)
        self.assertEqual(ask(self.user, "show errors\n"), "Permission denied\n\n")
        text = ask(self.oper, "show errors\n")
        self.assertRegex(text, r"^Total events captured on \[\d\d/\w{3}/\d{4}:[\d:.]+\] : 0\n")
        # on several connections: both workers see some
        for i in range(6):
            status, _, _ = harness.request(
                self.port, b"GET /%d HTTP/1.1\r\nHost: h\r\nContent-Length: 1\t2\r\n\r\n" % i)
            self.assertEqual(status, 400)
        status, _, _ = harness.request(self.port, b"GET\x01/ HTTP/1.1\r\nHost: h\r\n\r\n")
        self.assertEqual(status, 400)
        # the bad server answers /bad (roundrobin: ask until it did)
        for _ in range(4):
            harness.request(self.port, b"GET /bad HTTP/1.1\r\nHost: h\r\n\r\n")
        text = ask(self.admin, "show errors\n")
        self.assertRegex(text, r"^Total events captured on \[[^]]+\] : 9\n\n")
        blocks = text.split("\n\n[")
        req = [b for b in blocks if "frontend fe (#1): invalid request" in b]
        res = [b for b in blocks if "backend be (#2): invalid response" in b]
        self.assertEqual(len(req), 1, text)
        self.assertEqual(len(res), 1, text)
        # the newest of every worker's: the one with the bad method byte
        self.assertIn("  backend <NONE> (#-1), server <NONE> (#-1), event #", req[0])
        self.assertRegex(req[0], r"src 127\.0\.0\.1:\d+\n")
        self.assertIn("error at position 3\n", req[0])
        self.assertIn("  00000  GET\\x01/ HTTP/1.1\\r\\n\n  00016  Host: h\\r\\n\n", req[0])
        self.assertIn("  frontend fe (#1), server s2 (#2), event #", res[0])
        self.assertIn("error at position 14\n", res[0])
        self.assertIn("  00000  HTTP/1.1 200 O\\x01K\\r\\n\n", res[0])
        # filters
        only = ask(self.admin, "show errors be response\n")
        self.assertIn("invalid response", only)
        self.assertNotIn("invalid request", only)
        self.assertNotIn("invalid response", ask(self.admin, "show errors fe\n"))
        self.assertNotIn("invalid response", ask(self.admin, "show errors -1 request\n"))
        self.assertEqual(ask(self.admin, "show errors nope\n"), "No such proxy.\n\n")
        # a framing error points at the field that broke it
        harness.request(self.port, b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\t2\r\n\r\n")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            text = ask(self.admin, "show errors fe request\n")
            if "Content-Length: 1\\t2" in text:
                break
            time.sleep(0.05)
        self.assertIn("error at position 42\n", text)

    def test_set_server_addr(self):
        """"set server addr": every worker connects to the new address at once (no idle
        connection to the old one is reused); kept across a reload that leaves the server
        unchanged, dropped by one that changes it (the configuration wins)."""
        o3 = Origin("s3", addr=("127.0.0.3", 0))
        self.addCleanup(o3.stop)
        p = self.start_node()
        self.assertEqual(ask(self.oper, "set server be/s1 addr 127.0.0.3 port %d\n" % o3.port),
                         "Permission denied\n\n")
        self.assertEqual(ask(self.admin, "set server be/s1 addr 127.0.0.x\n"),
                         "Invalid addr '127.0.0.x'.\n\n")
        self.assertEqual(ask(self.admin, "set server be/s1 addr 127.0.0.3 port 0\n"),
                         "Invalid port '0'.\n\n")
        # keep-alive traffic: the workers keep idle connections to s1 and s2
        for _ in range(8):
            status, _ = get(self.port)
            self.assertEqual(status, 200)
        before = len(self.o1.requests)
        self.assertGreater(before, 0)
        self.assertEqual(
            ask(self.admin, "set server be/s1 addr 127.0.0.3 port %d\n" % o3.port),
            "IP changed from '127.0.0.1' to '127.0.0.3', port changed from '%d' to '%d' by "
            "'stats socket command'\n\n" % (self.o1.port, o3.port))
        # on the same client connections as before, and on new ones
        with harness.connect(self.port) as c:
            for _ in range(8):
                c.sendall(b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n")
                status, _, _ = harness.read_response(c)
                self.assertEqual(status, 200)
        for _ in range(8):
            status, _ = get(self.port)
            self.assertEqual(status, 200)
        self.assertEqual(len(self.o1.requests), before)
        self.assertGreaterEqual(len(o3.requests), 8)
        st = self.stat()
        self.assertEqual(st[("be", "s1")]["addr"], "127.0.0.3:%d" % o3.port)
        line = [ln for ln in ask(self.admin, "show servers state be\n").split("\n")
                if " s1 " in ln][0].split()
        self.assertEqual((line[4], line[18]), ("127.0.0.3", str(o3.port)))
        self.assertIn("stats socket: server be/s1 addr 127.0.0.3 port %d (uid " % o3.port,
                      p.log())
        # a reload that leaves s1 as it was keeps its address
        p.signal(signal.SIGHUP)
        self.wait_workers(p, 2)
        self.assertEqual(self.stat()[("be", "s1")]["addr"], "127.0.0.3:%d" % o3.port)
        # one that changes s1 starts from the configuration
        self.write("sluice.cfg", self.config(servers="    server s9 127.0.0.1:1 disabled\n")
                   .replace("server s1 127.0.0.1:%d" % self.o1.port,
                            "server s1 127.0.0.1:%d weight 2" % self.o1.port))
        p.signal(signal.SIGHUP)
        self.wait_workers(p, 3)
        self.assertEqual(self.stat()[("be", "s1")]["addr"], "127.0.0.1:%d" % self.o1.port)

    def test_set_maxconn_server(self):
        """"set maxconn server": a node-wide limit every worker's balancer reads at once."""
        self.start_node()
        self.assertEqual(ask(self.admin, "set server be/s2 state maint\n"), "\n")
        self.assertEqual(ask(self.admin, "set maxconn server be/s1 1\n"), "\n")
        self.assertEqual(ask(self.admin, "set maxconn server be/nope 1\n"),
                         "No such server.\n\n")
        self.assertEqual(ask(self.admin, "set maxconn server be/s1 -3\n"),
                         "Integer value expected.\n\n")
        self.assertEqual(self.stat()[("be", "s1")]["slim"], "1")
        results = []

        def slow():
            status, _ = get(self.port, "/slow")
            results.append(status)

        threads = [threading.Thread(target=slow) for _ in range(2)]
        for t in threads:
            t.start()
        # one request at s1, the other queued, whichever worker took it
        st = self.stat_when(lambda st: st[("be", "BACKEND")]["qcur"] == "1")
        self.assertEqual(st[("be", "s1")]["scur"], "1")
        self.assertEqual(st[("be", "BACKEND")]["qcur"], "1")
        # no limit: the queued one goes at once
        self.assertEqual(ask(self.admin, "set maxconn server be/s1 0\n"), "\n")
        st = self.stat_when(lambda st: st[("be", "s1")]["scur"] == "2")
        self.assertEqual(st[("be", "s1")]["scur"], "2")
        for t in threads:
            t.join(10)
        self.assertEqual(results, [200, 200])
        self.assertEqual(self.stat()[("be", "s1")]["slim"], "")
        # kept across a reload that leaves the server unchanged
        self.assertEqual(ask(self.admin, "set maxconn server be/s1 5\n"), "\n")
        self._procs[0].signal(signal.SIGHUP)
        self.wait_workers(self._procs[0], 2)
        self.assertEqual(self.stat()[("be", "s1")]["slim"], "5")

    def test_show_servers_conn(self):
        """"show servers conn": connections in use, and the idle ones each worker keeps."""
        self.start_node()
        self.assertEqual(ask(self.admin, "show servers conn nope\n"), "Can't find backend.\n\n")
        # keep-alive clients: their server connections stay idle between requests
        clients = [harness.connect(self.port) for _ in range(4)]
        for c in clients:
            self.addCleanup(c.close)
            for _ in range(2):
                c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                status, _, _ = harness.read_response(c)
                self.assertEqual(status, 200)
        time.sleep(0.2)
        lines = ask(self.oper, "show servers conn be\n").strip("\n").split("\n")
        self.assertEqual(lines[0], "# bkname/svname bkid/svid addr port - purge_delay used_cur "
                         "used_max need_est unsafe_nb safe_nb idle_lim idle_cur "
                         "idle_per_thr[2]")
        rows = {ln.split()[0]: ln.split() for ln in lines[1:]}
        self.assertEqual(sorted(rows), ["be/s1", "be/s2"])
        total = 0
        for name, f in rows.items():
            port = self.o1.port if name == "be/s1" else self.o2.port
            self.assertEqual(f[1:5], ["2/%s" % name[-1], "127.0.0.1", str(port), "-"])
            # pool-purge-delay and pool-max-conn: HAProxy's defaults, 5 s and no limit
            self.assertEqual((f[5], f[6], f[8], f[9], f[11]), ("5000", "0", "0", "0", "-1"))
            self.assertGreaterEqual(int(f[7]), 1)  # used_max
            per = [int(x) for x in f[13:]]
            self.assertEqual(len(per), 2)
            self.assertEqual(int(f[12]), sum(per))
            self.assertEqual(f[10], f[12])
            total += int(f[12])
        # the keep-alive connections to the servers stay idle in the workers
        self.assertGreaterEqual(total, 1)

    def test_rate_limit_connections(self):
        """maxconnrate, shared out between the workers, and "set rate-limit connections
        global" changing it for every worker."""
        self.start_config(self.config().replace("    nbthread 2\n",
                                                "    nbthread 2\n    maxconnrate 2\n"),
                          args=["-S", os.path.join(self.tmp, "master.sock")])
        self.assertEqual(info(ask(self.admin, "show info\n"))["ConnRateLimit"], "2")

        def burst(n):
            """Open @n connections at once, each sending a request; seconds until all are
            answered."""
            start = time.monotonic()
            conns = [harness.connect(self.port, timeout=15) for _ in range(n)]
            for c in conns:
                self.addCleanup(c.close)
                c.sendall(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
            for c in conns:
                status, _, _ = harness.read_response(c)
                self.assertEqual(status, 200)
            return time.monotonic() - start

        # 8 connections at 2 a second (1 per worker): the last waits 3 s, 2 at the least
        self.assertGreaterEqual(burst(8), 1.9)
        self.assertEqual(ask(self.oper, "set rate-limit connections global 0\n"),
                         "Permission denied\n\n")
        self.assertEqual(ask(self.admin, "set rate-limit sessions global 0\n"),
                         "'set rate-limit' only supports 'connections' and 'ssl-sessions'.\n\n")
        self.assertEqual(ask(self.admin, "set rate-limit connections global 0\n"), "\n")
        self.assertEqual(info(ask(self.admin, "show info\n"))["ConnRateLimit"], "0")
        self.assertLess(burst(8), 1.5)

    def test_formats(self):
        self.start_node()
        self.assertEqual(get(self.port)[0], 200)
        text = ask(self.admin, "show stat\n")
        head = text.split("\n")[0]
        self.assertTrue(head.startswith("# " + ",".join(HAPROXY_COLUMNS)), head)
        self.assertTrue(text.endswith("\n\n"))
        n_cols = len(head[2:].split(","))
        for line in text.strip("\n").split("\n")[1:]:
            self.assertEqual(len(line.split(",")), n_cols, line)
        # typed: one field per line, HAProxy's layout
        typed = ask(self.admin, "show stat typed\n").strip("\n").split("\n")
        for line in typed:
            self.assertRegex(line, r"^[FBSL]\.\d+\.\d+\.\d+\.[a-z0-9_]+\.1:[A-Z][A-Za-z][A-Za-z]:"
                                   r"(u32|u64|s32|str):")
        self.assertIn("F.1.0.0.pxname.1:KNS:str:fe", typed)
        # JSON: HAProxy's schema, one array of fields per object
        objs = json.loads(ask(self.admin, "show stat json\n"))
        self.assertEqual([o[0]["objType"] for o in objs],
                         ["Frontend", "Listener", "Server", "Server", "Backend"])
        f = {x["field"]["name"]: x for x in objs[0]}
        self.assertEqual(f["req_tot"]["value"], {"type": "u64", "value": 1})
        self.assertEqual(f["req_tot"]["tags"],
                         {"origin": "Metric", "nature": "Counter", "scope": "Process"})
        inf = json.loads(ask(self.admin, "show info json\n"))
        self.assertEqual(inf[0]["value"], {"type": "str", "value": "sluice"})
        self.assertIn({"type": "u64", "value": 1},
                      [x["value"] for x in inf if x["field"]["name"] == "CumReq"])
        self.assertRegex(ask(self.admin, "show info typed\n"),
                         r"(?m)^0\.Name\.1:POS:str:sluice$")
        # filters: a proxy by name or id, a type mask, a server id
        only_servers = csv_stats(ask(self.admin, "show stat be 4 -1\n"))
        self.assertEqual(sorted(only_servers), [("be", "s1"), ("be", "s2")])
        self.assertEqual(list(csv_stats(ask(self.admin, "show stat -1 1 -1\n"))),
                         [("fe", "FRONTEND"), ("fe", "sock-1")])
        self.assertEqual(list(csv_stats(ask(self.admin, "show stat 2 4 2\n"))), [("be", "s2")])
        self.assertEqual(ask(self.admin, "show stat nosuch 1 -1\n"), "No such proxy.\n\n")
        # addresses and algorithms only from level operator up, as HAProxy
        self.assertEqual(self.stat(self.user)[("be", "s1")]["addr"], "")
        self.assertEqual(self.stat(self.oper)[("be", "s1")]["addr"],
                         "127.0.0.1:%d" % self.o1.port)
        self.assertRegex(ask(self.user, "show version\n"), r"^\d+\.\d+\.\d+.*\n\n$")
        self.assertEqual(ask(self.user, "show backend\n"), "# name\nbe\n\n")

    def served_by(self, n):
        return [get(self.port)[1].split()[1].decode() for _ in range(n)]

    def test_server_state_commands(self):
        p = self.start_node()
        self.assertEqual(ask(self.user, "set server be/s1 state drain\n"),
                         "Permission denied\n\n")
        self.assertEqual(ask(self.oper, "disable server be/s1\n"), "Permission denied\n\n")
        self.assertEqual(ask(self.user, "get weight be/s1\n"), "1 (initial 1)\n\n")
        self.assertEqual(ask(self.admin, "set server be/s1 state drain\n"), "\n")
        # every worker at once: none sends a new request to s1
        self.assertEqual(set(self.served_by(10)), {"s2"})
        self.assertEqual(self.stat()[("be", "s1")]["status"], "DRAIN")
        self.assertIn("server be/s1 state drain (uid %d, pid " % os.getuid(), p.log())
        self.assertEqual(ask(self.admin, "set server be/s1 state ready\n"), "\n")
        self.assertEqual(set(self.served_by(10)), {"s1", "s2"})
        self.assertEqual(ask(self.admin, "set weight be/s1 0\n"), "\n")
        self.assertEqual(ask(self.admin, "get weight be/s1\n"), "0 (initial 1)\n\n")
        self.assertEqual(set(self.served_by(10)), {"s2"})
        self.assertEqual(ask(self.admin, "set server be/s1 weight 100%\n"), "\n")
        self.assertEqual(ask(self.admin, "set server be/s1 weight 300\n"),
                         "Absolute weight can only be between 0 and 256 inclusive.\n\n")
        self.assertEqual(ask(self.admin, "set server be/s1 weight -5%\n"),
                         "Relative weight must be positive.\n\n")
        self.assertEqual(ask(self.admin, "set server be/nosuch state ready\n"),
                         "No such server.\n\n")
        self.assertEqual(ask(self.admin, "set server nosuch/s1 state ready\n"),
                         "No such backend.\n\n")
        self.assertEqual(ask(self.admin, "set server be state ready\n"),
                         "Require 'backend/server'.\n\n")
        self.assertEqual(ask(self.admin, "set server be/s1 state sleepy\n"),
                         "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n")
        self.assertEqual(ask(self.admin, "disable server be/s2\n"), "\n")
        self.assertEqual(self.stat()[("be", "s2")]["status"], "MAINT")
        self.assertEqual(set(self.served_by(6)), {"s1"})
        state = ask(self.admin, "show servers state be\n").split("\n")
        self.assertEqual(state[0], "1")
        self.assertTrue(state[1].startswith("# be_id be_name srv_id srv_name srv_addr"))
        s2 = [line.split() for line in state[2:] if line.split()[3:4] == ["s2"]][0]
        self.assertEqual(s2[4], "127.0.0.1")
        self.assertEqual(s2[6], "1")  # forced maintenance
        self.assertEqual(ask(self.admin, "show servers state nosuch\n"),
                         "Can't find backend.\n\n")
        # a reload with the same servers keeps what was set at run time
        ask(self.admin, "set weight be/s1 0\n")
        p.signal(signal.SIGHUP)
        self.wait_workers(p, 2)
        self.assertEqual(ask(self.admin, "get weight be/s1\n"), "0 (initial 1)\n\n")
        self.assertEqual(self.stat()[("be", "s2")]["status"], "MAINT")
        # a server whose port the configuration changed starts from its configuration
        o3 = Origin("s3")
        self.addCleanup(o3.stop)
        self.write("sluice.cfg", self.config(s2_port=o3.port))
        p.signal(signal.SIGHUP)
        self.wait_workers(p, 3)
        self.assertEqual(self.stat()[("be", "s2")]["status"], "no check")
        self.assertEqual(ask(self.admin, "get weight be/s1\n"), "0 (initial 1)\n\n")
        self.assertEqual(set(self.served_by(4)), {"s3"})
        self.assertIn("reload: server 'be/s2' changed address or port", p.log())

    def test_drain_under_load(self):
        """Drained while clients keep coming: no new request reaches it, none fails."""
        self.start_node()
        errors, done = [], threading.Event()

        def load():
            while not done.is_set():
                try:
                    status, _ = get(self.port)
                    if status != 200:
                        errors.append(status)
                except OSError as e:
                    errors.append(e)
        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        ask(self.admin, "set server be/s1 state drain\n")
        # the window starts once the requests s1 had under way are done (the origin records
        # a request before it answers), not after a fixed pause a loaded machine can outlast
        self.stat_when(lambda st: st[("be", "s1")]["scur"] == "0")
        time.sleep(0.2)
        before = len(self.o1.requests)
        time.sleep(1)
        done.set()
        for t in threads:
            t.join(10)
        self.assertEqual(errors, [])
        self.assertEqual(len(self.o1.requests), before)
        self.assertGreater(len(self.o2.requests), 10)

    def test_bad_input(self):
        p = self.start_node()
        unknown = ask(self.admin, "make coffee\n")
        self.assertTrue(unknown.startswith("Unknown command."), unknown)
        self.assertEqual(ask(self.admin, "x" * 9000 + "\n"), "Command line too long\n")
        # a client that never ends its line is closed at the stats timeout (1 s), and the
        # socket serves others meanwhile
        slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        slow.settimeout(10)
        slow.connect(self.admin)
        self.addCleanup(slow.close)
        slow.sendall(b"show in")
        self.assertIn("Name: sluice", ask(self.admin, "show info\n"))
        t0 = time.monotonic()
        self.assertEqual(slow.recv(10), b"")
        self.assertLess(time.monotonic() - t0, 5)
        # 100 clients at once: each is answered
        rss0 = rss_kib(p.pid)
        socks = []
        for _ in range(100):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.settimeout(20)
            s.connect(self.admin)
            s.sendall(b"show stat json\n")
            socks.append(s)
        for s in socks:
            out = harness.read_until_closed(s)
            s.close()
            self.assertEqual(len(json.loads(out)), 5)
        rss1 = rss_kib(p.pid)
        # bounded memory (AddressSanitizer's quarantine keeps what is freed: not there)
        if not sanitized():
            self.assertLess(rss1 - rss0, 16 * 1024, "the master grew by %d KiB" % (rss1 - rss0))
        # interactive: several commands, a prompt after each answer
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.admin)
        with s:
            s.sendall(b"prompt\nshow version;get weight be/s1\n")
            got = b""
            while got.count(b"\n> ") < 3:
                got += s.recv(4096)
            self.assertRegex(got.decode(), r"^\n> \d+\.\d+\.\d+.*\n\n> 1 \(initial 1\)\n\n> $")

    def test_hatop(self):
        """Debian's hatop, a curses client of HAProxy's socket, driven in tmux: it shows the
        node's proxies and servers from sluice's "show info" and "show stat"."""
        self.start_node()
        for _ in range(3):
            self.assertEqual(get(self.port)[0], 200)
        tmux = ["tmux", "-L", "sluice-test-%d" % os.getpid()]
        subprocess.run(tmux + ["new-session", "-d", "-x", "200", "-y", "50",
                               "hatop -s %s; sleep 30" % self.admin], check=True, timeout=10)
        self.addCleanup(subprocess.run, tmux + ["kill-server"], timeout=10)
        screen = ""
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and "BACKEND" not in screen:
            time.sleep(0.2)
            screen = subprocess.run(tmux + ["capture-pane", "-p"], capture_output=True,
                                    text=True, timeout=10).stdout
        self.assertIn("sluice Version:", screen)
        self.assertRegex(screen, r"(?m)^>>> fe$")
        self.assertRegex(screen, r"(?m)^>>> be$")
        self.assertRegex(screen, r"(?m)^s1 +1 ")
        self.assertRegex(screen, r"(?m)^BACKEND +2 UP ")
        self.assertNotIn("error", screen)

    def test_json_of_10000_servers(self):
        """A large answer comes in pieces, and stays valid JSON."""
        servers = "".join("    server x%d 127.0.0.2:%d disabled\n" % (i, 10000 + i % 50000)
                          for i in range(10000))
        # a client that reads nothing for the stats timeout is dropped: the test's own
        # client, on a loaded machine, gets more than the other tests' 1 s
        self.start_node(servers=servers, stats_timeout="30s")
        t0 = time.monotonic()
        objs = json.loads(ask(self.admin, "show stat json\n", timeout=120))
        took = time.monotonic() - t0
        self.assertEqual(len(objs), 10005)
        self.assertEqual(objs[-1][1]["value"]["value"], "BACKEND")
        csv = ask(self.admin, "show stat\n", timeout=120).strip("\n").split("\n")
        self.assertEqual(len(csv), 10006)
        self.assertEqual(csv[-2].split(",")[17], "MAINT")
        # the master keeps answering while it writes
        self.assertIn("Name: sluice", ask(self.admin, "show info\n"))
        self.assertLess(took, 60)


if __name__ == "__main__":
    harness.main()
