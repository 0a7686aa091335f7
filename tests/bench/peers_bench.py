#!/usr/bin/python3
"""Peers side by side: three nodes of sluice, then three of Debian's HAProxy, on loopback,
each under the same HTTP load whose every request tracks a random key of a synced table
(so nearly every request is one entry update to send). Reports, per product:

  - the time for an update made on one node to be seen on the two others (p50, p99), from
    probes: a request with a new key on one node, then the other nodes' stats sockets
    polled until the entry shows;
  - bytes on the wire between the nodes per update (the kernel's byte counts of the peer
    connections, ss -ti);
  - the CPU the links cost: CPU-seconds of all three nodes with the tables synced, minus the
    same load with the tables not synced, per thousand updates.

  tests/bench/peers_bench.py [--rate N] [--seconds S] [--sluice PATH]

The rate is per node (requests per second, h2load --rps over 8 connections). Two cores run
both products and the load generators: keep the rate where neither saturates (the
default). Needs h2load (nghttp2-client) and haproxy."""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

CONFIG = """\
global
    nbthread 1
    stats socket {sock} level admin
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
peers mesh
{peers}
frontend fe
    bind 127.0.0.1:{port}
    stick-table type integer size 2m expire 5m store http_req_cnt,http_req_rate(10s){sync}
    http-request track-sc0 rand(100000000)
    http-request track-sc1 req.hdr(x-probe) table probe if {{ req.hdr(x-probe) -m found }}
    http-request return status 200 content-type text/plain string ok
backend probe
    stick-table type string len 32 size 100k expire 5m store http_req_cnt{sync}
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_of(pids):
    """CPU-seconds used so far by @pids and their children (workers)."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    seen = set()
    pending = list(pids)
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
                pending += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return total


def peer_bytes(ports):
    """Bytes sent on established connections from or to the peer ports."""
    filt = " or ".join("sport = :%d or dport = :%d" % (p, p) for p in ports)
    out = subprocess.run(["ss", "-tinH", "state", "established", "( %s )" % filt],
                         capture_output=True, text=True).stdout
    return sum(int(x) for x in re.findall(r"bytes_sent:(\d+)", out))


def stats(sock, cmd):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(sock)
        s.sendall(cmd.encode() + b"\n")
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                return out.decode()
            out += d


def http_get(port, headers=""):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        c.sendall(("GET / HTTP/1.1\r\nHost: h\r\n%sConnection: close\r\n\r\n" % headers)
                  .encode())
        while c.recv(4096):
            pass


class Cluster:
    def __init__(self, kind, binary, tmp, sync):
        self.kind, self.tmp = kind, tmp
        self.names = ["a", "b", "c"]
        self.peer_ports = [free_port() for _ in self.names]
        self.ports = [free_port() for _ in self.names]
        self.socks = [os.path.join(tmp, "%s-%s.sock" % (kind, n)) for n in self.names]
        peers = "".join("    peer %s 127.0.0.1:%d\n" % (n, p)
                        for n, p in zip(self.names, self.peer_ports))
        self.procs = []
        for i, n in enumerate(self.names):
            path = os.path.join(tmp, "%s-%s.cfg" % (kind, n))
            with open(path, "w") as f:
                f.write(CONFIG.format(sock=self.socks[i], peers=peers, port=self.ports[i],
                                      sync=" peers mesh" if sync else ""))
            args = ([binary, "-Ws", "-f", path, "-L", n] if kind == "haproxy"
                    else [binary, "-d", "-f", path, "-L", n])
            self.procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                               stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 10
        for s in self.socks:
            while not os.path.exists(s) and time.monotonic() < deadline:
                time.sleep(0.05)
        time.sleep(2)  # links up

    def stop(self):
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def probe(cluster, n, going):
    """Latency of @n probes: a new key on node i, seen on the two others."""
    lat = []
    for i in range(n):
        if not going.is_set():
            break
        key = "p%d" % i
        src = i % 3
        t0 = time.monotonic()
        http_get(cluster.ports[src], "X-Probe: %s\r\n" % key)
        waiting = [s for j, s in enumerate(cluster.socks) if j != src]
        deadline = t0 + 5
        while waiting and time.monotonic() < deadline:
            waiting = [s for s in waiting
                       if ("key=%s " % key) not in stats(s, "show table probe key " + key)]
        if not waiting:
            lat.append(time.monotonic() - t0)
        time.sleep(0.02)
    return lat


def run(kind, binary, tmp, sync, rate, seconds):
    c = Cluster(kind, binary, tmp, sync)
    try:
        pids = [p.pid for p in c.procs]
        bytes0, cpu0 = peer_bytes(c.peer_ports), cpu_of(pids)
        loads = [subprocess.Popen(["h2load", "--h1", "-c", "8", "-t", "1",
                                   "--rps", str(max(1, rate // 8)), "-D", str(seconds),
                                   "http://127.0.0.1:%d/" % port],
                                  stdout=subprocess.PIPE, text=True) for port in c.ports]
        going = threading.Event()
        going.set()
        lat = []
        th = None
        if sync:
            th = threading.Thread(target=lambda: lat.extend(probe(c, 10 ** 6, going)))
            th.start()
        done = 0
        for ld in loads:
            out = ld.communicate()[0]
            m = re.search(r"requests: \d+ total, \d+ started, (\d+) done, (\d+) succeeded", out)
            done += int(m.group(2)) if m else 0
        going.clear()
        if th:
            th.join()
        cpu = cpu_of(pids) - cpu0
        sent = peer_bytes(c.peer_ports) - bytes0
        return {"requests": done, "cpu": cpu, "bytes": sent, "lat": lat}
    finally:
        c.stop()


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=2000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--sluice", default=os.path.join(os.path.dirname(__file__),
                                                     "../../build-release/sluice"))
    ap.add_argument("--haproxy", default="/usr/sbin/haproxy")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="peers-bench-")
    rows = []
    try:
        for kind, binary in (("haproxy", a.haproxy), ("sluice", a.sluice)):
            base = run(kind, binary, tmp, False, a.rate, a.seconds)
            synced = run(kind, binary, tmp, True, a.rate, a.seconds)
            n = synced["requests"]
            rows.append((kind, n / a.seconds / 3,
                         pct(synced["lat"], 0.5) * 1000, pct(synced["lat"], 0.99) * 1000,
                         len(synced["lat"]),
                         synced["bytes"] / n if n else float("nan"),
                         (synced["cpu"] - base["cpu"] * n / max(1, base["requests"])) /
                         n * 1000 * 1000 if n else float("nan")))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("| product | updates/s per node | seen elsewhere p50 ms | p99 ms | probes | "
          "bytes per update | link CPU ms per 1000 updates |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| %s | %.0f | %.1f | %.1f | %d | %.1f | %.1f |" % r)


if __name__ == "__main__":
    sys.exit(main())
