"""The stats page ("stats enable", "stats uri", "stats auth", "stats admin", ...): HAProxy's
HTML page made by the node from every worker's counters, opened in a real browser (Debian's
chromium, driven by chromedriver through Selenium) with and without "stats auth"; its admin
form changes a server's state for every worker; its ";csv", ";json" and ";typed" exports;
its access rules; and the same answers as HAProxy's for the same configuration."""

import base64
import io
import json
import os
import re
import shutil
import socket
import tempfile
import time

import harness
from origin import Origin
from test_stats import HAPROXY_COLUMNS, ask, csv_stats, open_tunnels

try:
    from PIL import Image
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
    HAVE_BROWSER = os.path.exists("/usr/bin/chromedriver")
except ImportError:
    HAVE_BROWSER = False

MAINT_RGB = (192, 120, 32)    # the "maintain" row colour
NO_CHECK_RGB = (224, 224, 224)  # a server without health checks


def basic(user, password):
    return b"Authorization: Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()) + b"\r\n"


def fetch(port, path, method="GET", auth=b"", body=None):
    """One request on a new connection: (status, headers, body)."""
    raw = method.encode() + b" " + path.encode() + b" HTTP/1.1\r\nHost: h\r\n" + auth
    if body is not None:
        raw += b"Content-Type: application/x-www-form-urlencoded\r\n"
        raw += b"Content-Length: %d\r\n" % len(body)
    raw += b"Connection: close\r\n\r\n" + (body or b"")
    with harness.connect(port) as s:
        s.sendall(raw)
        return harness.read_response(s, head_request=method == "HEAD")


class Browser:
    """Headless chromium through chromedriver, stopped by PID when the test ends."""

    def __init__(self):
        # a profile of its own, removed once the browser is gone
        self.profile = tempfile.mkdtemp(prefix="sluice-chromium-")
        opts = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--window-size=1400,1000", "--user-data-dir=" + self.profile):
            opts.add_argument(a)
        self.service = Service("/usr/bin/chromedriver",
                               log_path=os.path.join(self.profile, "chromedriver.log"))
        self.driver = webdriver.Chrome(service=self.service, options=opts)
        self.driver.set_page_load_timeout(30)

    def stop(self):
        pid = self.service.process.pid if self.service.process else None
        try:
            self.driver.quit()
        finally:
            if pid:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            shutil.rmtree(self.profile, ignore_errors=True)

    def submit(self, proxy, server, action):
        """Check @server in @proxy's form, choose @action, apply, and wait for the page the
        form's answer redirects to."""
        d = self.driver
        d.find_element(By.CSS_SELECTOR, '#px-%s input[value="%s"]' % (proxy, server)).click()
        Select(d.find_element(By.NAME, "action")).select_by_value(action)
        d.find_element(By.CSS_SELECTOR, 'input[type="submit"]').click()
        WebDriverWait(d, 20).until(lambda drv: ";st=" in drv.current_url)

    def rows(self, proxy):
        """The rows of @proxy's table as {name: (class, cells)} ("Frontend", "Backend",
        servers by name)."""
        out = {}
        for tr in self.driver.find_elements(By.CSS_SELECTOR, "#px-%s > tbody > tr" % proxy):
            cls = tr.get_attribute("class")
            if cls == "titre":
                continue
            cells = [td.text for td in tr.find_elements(By.XPATH, "./td")]
            # the admin form's column of checkboxes comes first
            name = cells[1] if tr.find_elements(By.XPATH, "./td/input") or \
                (cells and cells[0] == "") else cells[0]
            out[name] = (cls, cells, tr)
        return out

    def colour(self, element):
        """The colour a person sees in the middle of @element's first cell, from a
        screenshot of it."""
        img = Image.open(io.BytesIO(element.screenshot_as_png)).convert("RGB")
        return img.getpixel((img.width // 2, img.height // 2))


class StatsPage(harness.TestCase):
    def setUp(self):
        super().setUp()
        self.o1 = Origin("s1")
        self.o2 = Origin("s2")
        self.addCleanup(self.o1.stop)
        self.addCleanup(self.o2.stop)
        self.port = harness.free_port()
        self.sport = harness.free_port()
        self.sock = os.path.join(self.tmp, "admin.sock")

    def config(self, stats, extra=""):
        return """\
global
    nbthread 2
    stats socket %(sock)s level admin

defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
%(extra)s
frontend stats
    bind 127.0.0.1:%(sport)d
%(stats)s

frontend web
    bind 127.0.0.1:%(port)d
    default_backend app

backend app
    server s1 127.0.0.1:%(p1)d
    server s2 127.0.0.1:%(p2)d backup
""" % {"sock": self.sock, "sport": self.sport, "port": self.port, "stats": stats,
       "extra": extra, "p1": self.o1.port, "p2": self.o2.port}

    def traffic(self, n):
        for _ in range(n):
            status, _, _ = fetch(self.port, "/")
            self.assertEqual(status, 200)

    def browser(self):
        if not HAVE_BROWSER:
            self.fail("chromium, chromedriver, python3-selenium and python3-pil are needed "
                      "(packaging/debian-deps)")
        b = Browser()
        self.addCleanup(b.stop)
        return b

    def server_status(self, name):
        return csv_stats(ask(self.sock, "show stat\n"))[("app", name)]["status"]

    def test_browser_with_auth_and_admin(self):
        self.start_config(self.config("""\
    stats enable
    stats uri /stats
    stats refresh 30s
    stats realm Operators
    stats auth admin:s3cret
    stats admin if TRUE
    stats show-legends"""))
        self.traffic(10)
        b = self.browser()
        d = b.driver
        # no account: the browser gets the 401, not the page
        d.get("http://127.0.0.1:%d/stats" % self.sport)
        self.assertNotIn("Statistics Report", d.page_source)
        status, headers, _ = fetch(self.sport, "/stats")
        self.assertEqual(status, 401)
        self.assertEqual(headers["www-authenticate"], 'Basic realm="Operators"')

        url = "http://admin:s3cret@127.0.0.1:%d/stats" % self.sport
        # the requests are counted at each stream's end: reload until the page has them all
        deadline = time.monotonic() + 10
        while True:
            d.get(url)
            rows = b.rows("app")
            if rows["s1"][1][11] == "10" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(d.title, "Statistics Report for sluice")
        self.assertIn("sluice version", d.find_element(By.TAG_NAME, "h1").text)
        for px in ("stats", "web", "app"):
            self.assertTrue(d.find_elements(By.CSS_SELECTOR, "#px-" + px), px)
        web = b.rows("web")
        self.assertEqual(web["Frontend"][0], "frontend")
        self.assertIn("OPEN", web["Frontend"][1])
        rows = b.rows("app")
        self.assertEqual(sorted(rows), ["Backend", "s1", "s2"])
        # Sessions' Total (after the checkbox, the name and 3 + 3 + 3 cells) sums both workers
        self.assertEqual(rows["s1"][1][11], "10")
        self.assertEqual(rows["s2"][1][11], "0")
        self.assertEqual(rows["s1"][0], "active_no_check")
        self.assertEqual(rows["s2"][0], "backup_no_check")
        self.assertIn("no check", rows["s1"][1][-9])
        self.assertEqual(b.colour(rows["s1"][2]), NO_CHECK_RGB)

        # the admin form: s1 to maintenance, for every worker
        b.submit("app", "s1", "maint")
        self.assertTrue(d.current_url.endswith("/stats;st=DONE"), d.current_url)
        self.assertEqual(d.find_element(By.ID, "st_msg").text, "Action processed successfully.")
        rows = b.rows("app")
        self.assertEqual(rows["s1"][0], "maintain")
        self.assertIn("MAINT", rows["s1"][1][-9])
        self.assertEqual(b.colour(rows["s1"][2]), MAINT_RGB)
        self.assertEqual(self.server_status("s1"), "MAINT")
        # the backup server takes every request now, on both workers
        before = len(self.o2.requests)
        self.traffic(6)
        self.assertEqual(len(self.o2.requests) - before, 6)
        shot = os.environ.get("SLUICE_STATS_SCREENSHOT")
        d.save_screenshot(shot or os.path.join(self.tmp, "stats-page.png"))

        # and back
        d.get(url)
        b.submit("app", "s1", "ready")
        self.assertEqual(b.rows("app")["s1"][0], "active_no_check")
        self.assertEqual(self.server_status("s1"), "no check")
        log = self._procs[0].log()
        self.assertIn("stats page: server app/s1 state maint (client 127.0.0.1:", log)
        self.assertIn(", user admin)", log)

    def test_browser_without_auth(self):
        # the page of a defaults section, inherited by every proxy that says no "stats"
        # keyword: HAProxy's default URI
        self.start_config(self.config("    http-request return status 404 if { path /x }",
                                      extra="    stats enable\n    stats hide-version\n"))
        b = self.browser()
        d = b.driver
        d.get("http://127.0.0.1:%d/haproxy?stats" % self.sport)
        self.assertEqual(d.title, "Statistics Report for sluice")
        self.assertEqual(d.find_element(By.TAG_NAME, "h1").text, "sluice")
        self.assertEqual(sorted(b.rows("app")), ["Backend", "s1", "s2"])
        # not in admin mode: no form
        self.assertFalse(d.find_elements(By.NAME, "action"))
        self.assertFalse(d.find_elements(By.CSS_SELECTOR, 'input[type="checkbox"]'))
        # every proxy inherited it: the web frontend serves it too
        status, _, body = fetch(self.port, "/haproxy?stats;csv")
        self.assertEqual(status, 200)
        self.assertIn(b"app,s1,", body)

    def test_transitional_rows(self):
        """A server between states has HAProxy's row class: "UP 1/3" (not checked yet, or
        failing) is going down, "DOWN 1/2" going up, a backup one likewise."""
        dead = harness.free_port()
        self.start_config(self.config("    stats uri /st", extra="""
backend chk
    server fresh 127.0.0.1:%d check inter 30s
    server back 127.0.0.1:%d check inter 30s backup
    server gone 127.0.0.1:%d check inter 100ms fall 1
""" % (self.o1.port, self.o2.port, dead)))
        rows = lambda: re.findall(r'<tr class="([a-z_]+)">(?:(?!</tr>).)*?>(fresh|back|gone)<',
                                  fetch(self.sport, "/st")[2].decode(), re.S)
        deadline = time.monotonic() + 5
        while ("active_down", "gone") not in rows() and time.monotonic() < deadline:
            time.sleep(0.1)
        got = rows()
        self.assertIn(("active_going_down", "fresh"), got)
        self.assertIn(("backup_going_down", "back"), got)
        self.assertIn(("active_down", "gone"), got)

    def test_exports_and_options(self):
        self.start_config(self.config("""\
    stats uri /st
    stats refresh 5s
    stats show-legends
    stats scope app
    stats scope ."""))
        self.traffic(3)
        status, headers, body = fetch(self.sport, "/st;csv;norefresh")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/plain")
        self.assertNotIn("refresh", headers)
        lines = body.decode().split("\n")
        # HAProxy's columns, then sluice's own after its "-" marker
        self.assertEqual(lines[0][2:].split(",")[:len(HAPROXY_COLUMNS) - 1],
                         HAPROXY_COLUMNS[:-1])
        rows = csv_stats(body.decode())
        # "stats scope": app and the page's own frontend, not web
        self.assertEqual(sorted({k[0] for k in rows}), ["app", "stats"])
        self.assertEqual(rows[("app", "s1")]["addr"], "127.0.0.1:%d" % self.o1.port)

        status, headers, body = fetch(self.sport, "/st;json")
        self.assertEqual(headers["content-type"], "application/json")
        objs = json.loads(body)
        self.assertTrue(any(f["field"]["name"] == "pxname" and f["value"]["value"] == "app"
                            for obj in objs for f in obj))
        status, headers, body = fetch(self.sport, "/st;typed")
        self.assertEqual(status, 200)
        self.assertRegex(body.decode(), r"(?m)^B\.\d+\.0\.0\.pxname\.1:KNS:str:app$")

        status, headers, body = fetch(self.sport, "/st")
        self.assertEqual(headers["refresh"], "5")
        self.assertEqual(headers["content-type"], "text/html")
        length = int(headers["content-length"])
        status, headers, body = fetch(self.sport, "/st", method="HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        self.assertGreater(int(headers["content-length"]), 0)
        self.assertLess(abs(int(headers["content-length"]) - length), 64)
        # ";scope=" searches the names
        _, _, body = fetch(self.sport, "/st;csv;scope=AP")
        self.assertEqual(sorted({k[0] for k in csv_stats(body.decode())}), ["app"])
        # ";up" leaves out the servers that are down, ";no-maint" those in maintenance
        ask(self.sock, "set server app/s2 health down\n")
        ask(self.sock, "set server app/s1 state maint\n")
        _, _, body = fetch(self.sport, "/st;csv;up")
        self.assertEqual(sorted(k[1] for k in csv_stats(body.decode()) if k[0] == "app"),
                         ["BACKEND"])
        _, _, body = fetch(self.sport, "/st;csv;no-maint")
        self.assertEqual(sorted(k[1] for k in csv_stats(body.decode()) if k[0] == "app"),
                         ["BACKEND", "s2"])
        # a path that only starts like the prefix's first letters is not the page
        status, _, _ = fetch(self.sport, "/s")
        self.assertEqual(status, 503)

    def test_access(self):
        self.start_config(self.config("""\
    stats uri /st
    stats http-request deny if { src 127.0.0.2 }
    stats http-request auth realm Ops unless { http_auth_group(ops) admins }
    stats admin if { http_auth_group(ops) admins }""", extra="""
userlist ops
    group admins users alice
    user alice insecure-password pw
    user bob insecure-password pw2
"""))
        status, headers, _ = fetch(self.sport, "/st")
        self.assertEqual(status, 401)
        self.assertEqual(headers["www-authenticate"], 'Basic realm="Ops"')
        status, _, body = fetch(self.sport, "/st", auth=basic("alice", "pw"))
        self.assertEqual(status, 200)
        self.assertIn(b'name="action"', body)
        status, _, _ = fetch(self.sport, "/st", auth=basic("bob", "pw2"))
        self.assertEqual(status, 401)
        # denied by address, whatever the account
        with harness.Conn(socket.create_connection(("127.0.0.1", self.sport), timeout=10,
                                                   source_address=("127.0.0.2", 0))) as s:
            s.sendall(b"GET /st HTTP/1.1\r\nHost: h\r\n" + basic("alice", "pw") +
                      b"Connection: close\r\n\r\n")
            status, _, _ = harness.read_response(s)
        self.assertEqual(status, 403)
        # the form's outcomes
        form = b"s=s1&action=drain&b=app"
        status, headers, _ = fetch(self.sport, "/st", "POST", basic("alice", "pw"), form)
        self.assertEqual((status, headers["location"]), (303, "/st;st=DONE"))
        self.assertEqual(self.server_status("s1"), "DRAIN")
        status, headers, _ = fetch(self.sport, "/st;up", "POST", basic("alice", "pw"),
                                   b"s=s1&s=zz&action=ready&b=%23" +
                                   str(self.backend_iid()).encode())
        self.assertEqual(headers["location"], "/st;st=PART;up")
        self.assertEqual(self.server_status("s1"), "no check")
        _, headers, _ = fetch(self.sport, "/st", "POST", basic("alice", "pw"),
                              b"s=s1&action=explode&b=app")
        self.assertEqual(headers["location"], "/st;st=ERRP")
        _, headers, _ = fetch(self.sport, "/st", "POST", basic("alice", "pw"),
                              b"s=s1&action=maint&b=nope")
        self.assertEqual(headers["location"], "/st;st=ERRP")
        _, headers, _ = fetch(self.sport, "/st", "POST", basic("alice", "pw"),
                              b"s=" + b"x" * 20000 + b"&action=maint&b=app")
        self.assertEqual(headers["location"], "/st;st=EXCD")
        self.assertEqual(self.server_status("s1"), "no check")
        # the page's "st=" message, escaped as every text of the page
        _, _, body = fetch(self.sport, "/st;st=PART", auth=basic("alice", "pw"))
        self.assertIn(b'<div id="st_msg" class="active_going_down">', body)
        # the worker's connection still serves
        self.traffic(2)

    def backend_iid(self):
        return int(csv_stats(ask(self.sock, "show stat\n"))[("app", "BACKEND")]["iid"])

    def test_kill_sessions(self):
        """The form's "Kill Sessions": every worker closes the server's connections."""
        self.start_config(self.config("    stats uri /st\n    stats admin if TRUE"))
        tunnels = open_tunnels(self, self.port, 4)
        _, _, body = fetch(self.sport, "/st")
        self.assertIn(b'<option value="shutdown">Kill Sessions</option>', body)
        status, headers, _ = fetch(self.sport, "/st", "POST", b"", b"s=s1&action=shutdown&b=app")
        self.assertEqual((status, headers["location"]), (303, "/st;st=DONE"))
        for s in tunnels:
            self.assertTrue(harness.closed_by_peer(s))
        self.assertIn("stats page: shutdown sessions server app/s1 (client 127.0.0.1:",
                      self._procs[0].log())

    def test_post_without_admin_is_denied(self):
        self.start_config(self.config("    stats uri /st"))
        status, headers, _ = fetch(self.sport, "/st", "POST", b"", b"s=s1&action=maint&b=app")
        self.assertEqual((status, headers["location"]), (303, "/st;st=DENY"))
        self.assertEqual(self.server_status("s1"), "no check")

    def test_same_answers_as_haproxy(self):
        """The page's URI matching, auth and admin outcomes, against Debian's HAProxy on
        the same configuration."""
        if not harness.have_haproxy():
            self.fail("Debian's haproxy is needed (packaging/debian-deps)")
        stats = """\
    stats uri /st
    stats realm Ops
    stats auth op:pw
    stats admin if { src 127.0.0.1 }"""
        text = self.config(stats).replace("    stats socket %s level admin\n" % self.sock, "")
        cases = [("GET", "/st", b""), ("GET", "/st", basic("op", "pw")),
                 ("GET", "/st;csv", basic("op", "pw")), ("GET", "/stx", basic("op", "pw")),
                 ("GET", "/s", basic("op", "pw")), ("GET", "/st", basic("op", "bad")),
                 ("HEAD", "/st", basic("op", "pw")), ("DELETE", "/st", basic("op", "pw"))]
        posts = [b"s=s1&action=maint&b=app", b"s=s1&action=ready&b=app",
                 b"s=s1&action=nope&b=app", b"s=s1&action=drain&b=nobackend"]

        def answers():
            out = []
            for method, path, auth in cases:
                status, headers, _ = fetch(self.sport, path, method, auth)
                out.append((method, path, status, headers.get("www-authenticate")))
            for form in posts:
                status, headers, _ = fetch(self.sport, "/st", "POST", basic("op", "pw"), form)
                out.append((form, status, headers.get("location")))
            return out

        hp = self.start_haproxy(text)
        theirs = answers()
        hp.stop()
        self.start_config(text)
        ours = answers()
        self.assertEqual(ours, theirs)


if __name__ == "__main__":
    harness.main()
