#!/usr/bin/env python3
"""Memory held by idle keep-alive connections, sluice against HAProxy, on 127.0.0.1.

Both proxies run the same configuration (a frontend answering with http-request return, so
no origin is involved); the script opens N client connections, sends one request on each,
reads the answer, keeps them all open and idle, then reads the VmRSS of the proxy's
processes, summed (sluice's master and workers, HAProxy's one process). Every process
it starts is stopped by PID; every wait is bounded.

    tests/bench/idle_rss.py [N] [SLUICE]       (default N=9500: HAProxy needs 2 files per maxconn and
                                               the hard limit here is 20000)
    TLS=1 tests/bench/idle_rss.py 5000         the same over TLS (RSA-2048, TLS 1.3): each client
                                               makes a full handshake, one request, then idles
    H2=1 tests/bench/idle_rss.py 5000          the same over HTTP/2 (cleartext, prior knowledge):
                                               one stream each, then the connection idles
"""

import os
import resource
import selectors
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 9500
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SLUICE = sys.argv[2] if len(sys.argv) > 2 else os.path.join(TOP, "build-release", "sluice")
PORT = 18190
TLS = os.environ.get("TLS") == "1"
H2 = os.environ.get("H2") == "1"
# HTTP/2: the preface, an empty SETTINGS, and GET / on stream 1 (HPACK: :method GET,
# :scheme http, :path / from the static table, :authority "h"); the SETTINGS ACK goes once
# the server's SETTINGS came (with the answer)
H2_REQUEST = (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\0\0\0\x04\0\0\0\0\0" +
              b"\0\0\x06\x01\x05\0\0\0\x01" + b"\x82\x86\x84\x41\x01h")
H2_SETTINGS_ACK = b"\0\0\0\x04\x01\0\0\0\0"

CONFIG = """\
global
    nbthread 1
    maxconn %d
defaults
    mode http
    timeout connect 5s
    timeout client 300s
    timeout server 300s
    timeout http-keep-alive 300s
frontend fe
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain string ok
"""


def rss_kib(pid):
    """VmRSS of @pid and of every process below it (sluice's master and its workers)."""
    total = 0
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                for child in f.read().split():
                    total += rss_kib(int(child))
    except FileNotFoundError:
        pass
    return total


def wait_port(port, deadline):
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


def client(ctx):
    c = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    return ctx.wrap_socket(c, server_hostname="127.0.0.1") if ctx else c


def measure(cmd, cfg, ctx):
    proc = subprocess.Popen(cmd + ["-f", cfg], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    conns = []
    try:
        if not wait_port(PORT, time.monotonic() + 10):
            raise RuntimeError("%s did not start" % cmd[0])
        base = rss_kib(proc.pid)
        sel = selectors.DefaultSelector()
        for i in range(N):
            c = client(ctx)
            c.sendall(H2_REQUEST if H2 else b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            conns.append(c)
            if len(conns) % 500 == 0 or i == N - 1:
                # read the answers of this batch so every connection is idle
                for s in conns[-500:]:
                    got = b""
                    while (b"ok" if H2 else b"\r\n\r\nok") not in got:
                        d = s.recv(4096)
                        if not d:
                            raise RuntimeError("connection closed")
                        got += d
                    if H2:
                        s.sendall(H2_SETTINGS_ACK)
        time.sleep(1)
        return base, rss_kib(proc.pid)
    finally:
        for c in conns:
            c.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if N + 100 > hard:
        sys.exit("N=%d needs more than the open-files limit %d" % (N, hard))
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "p.cfg")
        text = CONFIG % (N + 50, PORT)
        ctx = None
        if TLS:
            pem = os.path.join(d, "crt.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days",
                            "2", "-subj", "/CN=127.0.0.1", "-keyout", pem, "-out", pem],
                           check=True, capture_output=True, timeout=60)
            text = text.replace("    bind 127.0.0.1:%d\n" % PORT,
                                "    bind 127.0.0.1:%d ssl crt %s\n" % (PORT, pem))
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        with open(cfg, "w") as f:
            f.write(text)
        results = {}
        for name, cmd in (("haproxy", ["haproxy"]), ("sluice", [SLUICE, "-d"])):
            results[name] = measure(cmd, cfg, ctx)
        print("%d idle keep-alive connections%s (VmRSS KiB)" %
              (N, " over TLS" if TLS else " over HTTP/2" if H2 else ""))
        print("%-8s %10s %10s %12s" % ("proxy", "start", "idle", "per conn"))
        for name, (base, idle) in results.items():
            print("%-8s %10d %10d %12.2f" % (name, base, idle, (idle - base) * 1024.0 / N))
        h, s = results["haproxy"][1], results["sluice"][1]
        print("sluice/haproxy idle RSS: %.2f" % (s / h))


if __name__ == "__main__":
    main()
