"""The Prometheus exporter (http-request use-service prometheus-exporter): HAProxy's families
under the sluice_ prefix or HAProxy's own names, sluice's histograms and generations; the
output passes Debian's promtool, a real Prometheus scraping it sees counters that never go
back across reloads and a worker killed, and Debian's prometheus-haproxy-exporter reads the
stats socket as it reads HAProxy's."""

import calendar
import json
import os
import re
import signal
import subprocess
import time
import urllib.parse
import urllib.request

import harness
from origin import Origin
from test_stats import ask


def http_get(port, path):
    status, headers, body = harness.request(
        port, b"GET " + path.encode() + b" HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
    return status, headers, body.decode()


def samples(text):
    """{'name{labels}': value} of an exposition."""
    out = {}
    for line in text.split("\n"):
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


class Prometheus(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.o1 = Origin("s1")
        self.o2 = Origin("s2")
        self.addCleanup(self.o1.stop)
        self.addCleanup(self.o2.stop)
        self.port = harness.free_port()
        self.mport = harness.free_port()
        self.sock = os.path.join(self.tmp, "admin.sock")

    def config(self, extra_global=""):
        return """\
global
    nbthread 2
    stats socket %(sock)s level admin
%(extra)s
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s

frontend fe
    bind 127.0.0.1:%(port)d
    default_backend be

frontend metrics
    bind 127.0.0.1:%(mport)d
    http-request use-service prometheus-exporter if { path /metrics }
    http-request return status 404

backend be
    server s1 127.0.0.1:%(p1)d
    server s2 127.0.0.1:%(p2)d
""" % {"sock": self.sock, "extra": extra_global, "port": self.port, "mport": self.mport,
       "p1": self.o1.port, "p2": self.o2.port}

    def traffic(self, n):
        for _ in range(n):
            status, _, _ = http_get(self.port, "/")
            self.assertEqual(status, 200)

    def scrape(self, query=""):
        status, headers, body = http_get(self.mport, "/metrics" + query)
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        return body

    def test_exposition(self):
        self.start_config(self.config())
        self.traffic(12)
        # a stream is counted at its end, which the client may see the response before
        deadline = time.monotonic() + 5
        text, scrapes = self.scrape(), 1
        while 'sluice_backend_sessions_total{proxy="be"} 12\n' not in text and \
                time.monotonic() < deadline:
            time.sleep(0.02)
            text, scrapes = self.scrape(), scrapes + 1
        check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                               capture_output=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        m = samples(text)
        self.assertEqual(m['sluice_frontend_http_requests_total{proxy="fe"}'], 12)
        self.assertEqual(m['sluice_frontend_http_responses_total{proxy="fe",code="2xx"}'], 12)
        self.assertEqual(m['sluice_backend_sessions_total{proxy="be"}'], 12)
        self.assertEqual(m['sluice_server_sessions_total{proxy="be",server="s1"}'] +
                         m['sluice_server_sessions_total{proxy="be",server="s2"}'], 12)
        self.assertEqual(m['sluice_server_status{proxy="be",server="s1",state="UP"}'], 1)
        self.assertEqual(m['sluice_backend_status{proxy="be",state="UP"}'], 1)
        # and the scrapes themselves, requests of the metrics frontend
        self.assertEqual(m['sluice_process_requests_total'], 12 + scrapes)
        # histograms: cumulative buckets, a count that matches the requests
        self.assertIn("# TYPE sluice_frontend_http_request_duration_seconds histogram", text)
        self.assertEqual(
            m['sluice_frontend_http_request_duration_seconds_count{proxy="fe"}'], 12)
        self.assertEqual(
            m['sluice_frontend_http_request_duration_seconds_bucket{proxy="fe",le="+Inf"}'], 12)
        self.assertEqual(m['sluice_backend_connect_duration_seconds_count{proxy="be"}'], 12)
        self.assertIn('sluice_backend_queue_duration_seconds_bucket{proxy="be",le="0.005"}',
                      text)
        # per server only when asked (metrics-server-histograms)
        self.assertNotIn("sluice_server_http_request_duration_seconds", text)
        self.assertEqual(m['sluice_workers{state="current"}'], 2)
        self.assertEqual(m['sluice_config_generation'], 1)
        self.assertEqual(m['sluice_config_reloads_total{result="success"}'], 0)
        self.assertGreater(m['sluice_config_last_reload_success_timestamp_seconds'],
                           time.time() - 60)
        # scopes, as HAProxy's
        only_global = self.scrape("?scope=global")
        self.assertIn("sluice_process_requests_total", only_global)
        self.assertNotIn("sluice_frontend_", only_global)
        self.assertEqual(self.scrape("?scope="), "")
        ask(self.sock, "disable server be/s2\n")
        servers = self.scrape("?scope=server&no-maint")
        self.assertIn('server="s1"', servers)
        self.assertNotIn('server="s2"', servers)
        self.assertNotIn("sluice_backend_", servers)
        self.assertIn('sluice_server_status{proxy="be",server="s2",state="MAINT"} 1',
                      self.scrape("?scope=server"))

    def test_haproxy_names(self):
        """metrics-names haproxy: HAProxy's own names for its families."""
        self.start_config(self.config("    metrics-names haproxy\n"))
        self.traffic(3)
        m = samples(self.scrape())
        self.assertEqual(m['haproxy_frontend_http_requests_total{proxy="fe"}'], 3)
        self.assertIn('haproxy_process_build_info{version="%s"}' % version(), m)
        self.assertFalse([k for k in m if k.startswith("sluice_frontend_http_requests")])
        # sluice's own keep their names
        self.assertIn('sluice_workers{state="current"}', m)

    def test_histogram_buckets(self):
        """metrics-histogram-buckets: the bounds; a reload that changes them starts the
        buckets again, the other counters go on."""
        p = self.start_config(self.config("    metrics-histogram-buckets 1ms,50ms,2s\n"))

        def buckets(m):
            pre = 'sluice_backend_http_request_duration_seconds_bucket{proxy="be",le="'
            return {k[len(pre):-2]: v for k, v in m.items() if k.startswith(pre)}

        def until(cond):
            deadline = time.monotonic() + 10
            m = samples(self.scrape())
            while not cond(m) and time.monotonic() < deadline:
                time.sleep(0.05)
                m = samples(self.scrape())
            return m

        self.traffic(5)
        m = until(lambda m: buckets(m).get("+Inf") == 5)
        self.assertEqual(sorted(buckets(m)), sorted(["0.001", "0.05", "2", "+Inf"]))
        self.assertEqual(buckets(m)["+Inf"], 5)
        check = subprocess.run(["promtool", "check", "metrics"], input=self.scrape().encode(),
                               capture_output=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.write("sluice.cfg", self.config("    metrics-histogram-buckets 5ms,100ms\n"))
        p.signal(signal.SIGHUP)
        m = until(lambda m: m.get("sluice_config_generation") == 2 and
                  m.get('sluice_workers{state="draining"}') == 0)
        self.assertEqual(sorted(buckets(m)), sorted(["0.005", "0.1", "+Inf"]))
        self.assertEqual(buckets(m)["+Inf"], 0)
        self.traffic(3)
        m = until(lambda m: buckets(m).get("+Inf") == 3)
        self.assertEqual(buckets(m)["+Inf"], 3)
        self.assertEqual(m['sluice_backend_sessions_total{proxy="be"}'], 8)
        self.assertIn("statistics: the histograms' bounds changed", p.log())

    def test_server_histograms(self):
        """metrics-server-histograms: the four histograms per server as well, whose counts
        add up to the backend's; a server in maintenance is left out with no-maint."""
        self.start_config(self.config("    metrics-server-histograms\n"))
        self.traffic(10)
        deadline = time.monotonic() + 10
        m = samples(self.scrape())
        while m.get('sluice_backend_http_request_duration_seconds_count{proxy="be"}') != 10 \
                and time.monotonic() < deadline:
            time.sleep(0.05)
            m = samples(self.scrape())
        text = self.scrape()
        check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                               capture_output=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn("# TYPE sluice_server_connect_duration_seconds histogram", text)
        for fam in ("http_request", "connect", "response_header", "queue"):
            total = 0
            for srv in ("s1", "s2"):
                labels = '{proxy="be",server="%s"' % srv
                count = m["sluice_server_%s_duration_seconds_count%s}" % (fam, labels)]
                self.assertEqual(
                    m['sluice_server_%s_duration_seconds_bucket%s,le="+Inf"}' % (fam, labels)],
                    count)
                self.assertGreater(count, 0)  # round robin: each had some
                total += count
            self.assertEqual(total, 10, fam)
        self.assertAlmostEqual(
            m['sluice_server_http_request_duration_seconds_sum{proxy="be",server="s1"}'] +
            m['sluice_server_http_request_duration_seconds_sum{proxy="be",server="s2"}'],
            m['sluice_backend_http_request_duration_seconds_sum{proxy="be"}'], places=6)
        ask(self.sock, "disable server be/s2\n")
        servers = self.scrape("?scope=server&no-maint")
        self.assertIn('sluice_server_queue_duration_seconds_count{proxy="be",server="s1"}',
                      servers)
        self.assertNotIn('server="s2"', servers)
        self.assertNotIn("sluice_backend_", servers)

    def test_dropped_logs(self):
        """A log target that refuses lines (a Unix socket nobody listens on): every line
        lost is counted, in the exporter and in show info's DroppedLogs, as HAProxy's."""
        gone = os.path.join(self.tmp, "nobody.sock")
        cfg = self.config().replace(
            "frontend fe\n", "frontend fe\n    log unix@%s local0\n    option httplog\n" % gone)
        self.start_config(cfg)
        self.traffic(4)
        deadline = time.monotonic() + 10
        m = samples(self.scrape())
        while m.get("sluice_process_dropped_logs_total") != 4 and time.monotonic() < deadline:
            time.sleep(0.05)
            m = samples(self.scrape())
        self.assertEqual(m["sluice_process_dropped_logs_total"], 4)
        self.assertIn("DroppedLogs: 4\n", ask(self.sock, "show info\n"))

    def test_tls_metrics(self):
        """A TLS frontend: the handshakes' histogram counts each one, and the certificate's
        notAfter is there as a timestamp, once per frontend and file."""
        pem = os.path.join(self.tmp, "site.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "45", "-subj",
                        "/CN=a.test", "-keyout", pem + ".key", "-out", pem + ".crt"],
                       check=True, capture_output=True, timeout=30)
        with open(pem, "w") as out:
            for part in (".crt", ".key"):
                with open(pem + part) as f:
                    out.write(f.read())
        end = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in", pem + ".crt"],
                             check=True, capture_output=True, text=True, timeout=30).stdout
        not_after = calendar.timegm(time.strptime(end.strip().split("=", 1)[1],
                                                  "%b %d %H:%M:%S %Y GMT"))
        tport = harness.free_port()
        cfg = self.config() + """
frontend tls
    bind 127.0.0.1:%d ssl crt %s
    bind 127.0.0.1:%d ssl crt %s
    default_backend be
""" % (tport, pem, harness.free_port(), pem)
        self.start_config(cfg)
        for _ in range(3):
            r = subprocess.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}",
                                "https://127.0.0.1:%d/" % tport],
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(r.stdout, "200")
        fam = "sluice_frontend_tls_handshake_duration_seconds"
        deadline = time.monotonic() + 10
        m = samples(self.scrape())
        while m.get('%s_count{proxy="tls"}' % fam) != 3 and time.monotonic() < deadline:
            time.sleep(0.05)
            m = samples(self.scrape())
        self.assertEqual(m['%s_count{proxy="tls"}' % fam], 3)
        self.assertEqual(m['%s_bucket{proxy="tls",le="+Inf"}' % fam], 3)
        self.assertEqual(m['sluice_process_ssl_connections_total'], 3)
        # the plain frontends have no handshakes to count
        self.assertNotIn('%s_count{proxy="fe"}' % fam, m)
        text = self.scrape()
        key = 'sluice_tls_certificate_expiry_timestamp_seconds{proxy="tls",crt="%s"}' % pem
        self.assertEqual(m[key], not_after)
        self.assertEqual(text.count(key), 1)  # two binds, one file: one series
        check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(),
                               capture_output=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_real_prometheus_sees_no_reset(self):
        """A Prometheus scraping every 200 ms across 5 reloads and a worker killed: the
        request counter never goes back and ends at the number of requests sent."""
        p = self.start_config(self.config())
        pport = harness.free_port()
        prom_dir = os.path.join(self.tmp, "prometheus")
        os.makedirs(prom_dir)
        cfg = self.write("prometheus/prometheus.yml", """\
global:
  scrape_interval: 200ms
  scrape_timeout: 200ms
scrape_configs:
  - job_name: sluice
    static_configs:
      - targets: ['127.0.0.1:%d']
""" % self.mport)
        log = open(os.path.join(prom_dir, "log"), "w")
        self.addCleanup(log.close)
        prom = subprocess.Popen(
            ["prometheus", "--config.file=" + cfg, "--storage.tsdb.path=" + prom_dir + "/data",
             "--web.listen-address=127.0.0.1:%d" % pport],
            stdout=subprocess.DEVNULL, stderr=log)
        self.addCleanup(lambda: (prom.terminate(), prom.wait(30)))

        def query(expr):
            url = "http://127.0.0.1:%d/api/v1/query?query=%s" % (pport, urllib.parse.quote(expr))
            with urllib.request.urlopen(url, timeout=10) as r:
                res = json.load(r)["data"]["result"]
            return float(res[0]["value"][1]) if res else None

        deadline = time.monotonic() + 30
        up = None
        while time.monotonic() < deadline:
            try:
                up = query('up{job="sluice"}')
                if up == 1:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        # (the value the loop saw: asking again may meet a scrape that timed out meanwhile)
        self.assertEqual(up, 1)
        sent = 0
        for round in range(6):
            self.traffic(10)
            sent += 10
            time.sleep(0.5)
            if round < 5:
                p.signal(signal.SIGHUP)
                p.notify.wait_for("READY", "1", proc=p.proc)
            else:
                os.kill(harness.children(p.pid)[0], signal.SIGKILL)
            time.sleep(0.5)
        time.sleep(1)
        # the last value scraped: a scrape that fails (one over scrape_timeout on a loaded
        # machine) marks the series stale, and an instant query of it then finds nothing
        # until the next scrape; last_over_time() skips those marks
        expr = 'sluice_frontend_http_requests_total{proxy="fe"}'
        last = "last_over_time(%s[1m])" % expr
        deadline = time.monotonic() + 10
        got = query(last)
        while time.monotonic() < deadline and got != sent:
            time.sleep(0.2)
            got = query(last)
        self.assertEqual(got, sent)
        self.assertEqual(query("resets(%s[10m])" % expr), 0)
        self.assertEqual(query('resets(sluice_backend_bytes_out_total{proxy="be"}[10m])'), 0)
        self.assertEqual(query('last_over_time(sluice_config_reloads_total{result="success"}'
                               '[1m])'), 5)
        self.assertGreater(query("count_over_time(%s[10m])" % expr), 20)

    def test_prometheus_haproxy_exporter_reads_the_socket(self):
        self.start_config(self.config())
        self.traffic(7)
        eport = harness.free_port()
        exp = subprocess.Popen(
            ["prometheus-haproxy-exporter", "--haproxy.scrape-uri=unix:" + self.sock,
             "--web.listen-address=127.0.0.1:%d" % eport],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (exp.terminate(), exp.wait(30)))
        text = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % eport,
                                            timeout=5) as r:
                    text = r.read().decode()
                break
            except OSError:
                time.sleep(0.2)
        m = samples(text)
        self.assertEqual(m["haproxy_up"], 1)
        self.assertEqual(m["haproxy_exporter_csv_parse_failures_total"], 0)
        self.assertEqual(m['haproxy_frontend_http_requests_total{frontend="fe"}'], 7)
        self.assertEqual(m['haproxy_server_up{backend="be",server="s1"}'], 1)
        self.assertEqual(m['haproxy_backend_up{backend="be"}'], 1)


def version():
    r = harness.run(["-v"])
    return re.search(r"version (\S+)", r.stdout).group(1)


if __name__ == "__main__":
    harness.main()
