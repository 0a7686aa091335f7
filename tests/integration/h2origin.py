"""An HTTP/2 origin server for integration tests (python3-h2): cleartext with prior knowledge,
or TLS with ALPN h2, on 127.0.0.1 with an ephemeral port, one thread per connection, every
wait bounded. It behaves as the tests configure it and records what the proxy did to it.

Configuration (constructor):
  max_concurrent_streams  SETTINGS_MAX_CONCURRENT_STREAMS it announces; a stream over it is
                          refused with REFUSED_STREAM (RFC 9113 5.1.2) and counted: in
                          early (the peer had not acknowledged the SETTINGS yet, as it may)
                          or over_limit (it had: it knew the limit)
  goaway_after            after the N-th stream of a connection, a GOAWAY (NO_ERROR) naming
                          that stream as the last: later streams are ignored, never processed;
                          the connection closes once the streams it kept have ended
  goaway_delay            seconds between the N-th stream and its GOAWAY (streams above it
                          that come meanwhile are ignored as well: they crossed the GOAWAY)
  refuse_first            the first K streams (over all connections) are refused with
                          RST_STREAM(REFUSED_STREAM) and not processed
  delay                   seconds between a request's end and its response
  trailers                response trailers [(name, value)] sent on every response
                          (x-body-sha256 of the body is added to them)
  tls                     (certificate, key) paths: TLS with ALPN h2 only
  websocket               SETTINGS_ENABLE_CONNECT_PROTOCOL 1: an extended CONNECT (RFC 8441)
                          is answered 200 at once (recorded then, with its protocol), and
                          the DATA it brings comes back upper-cased, until its END_STREAM

The query string of a request adds per request:
  delay=S     seconds before the response (instead of the origin's delay)
  hold=1      no response until the peer resets the stream (10 s at most, then a 200)
  echo=1      the body of the response is the body of the request
  size=N      the body of the response is N bytes (b"0123456789" repeated)
  trailers=1  trailers, x-trailer: yes (and x-body-sha256) if the origin has none configured
  cancel=1    the response head, then RST_STREAM(CANCEL): the server cancels
  refuse_after=N  the first stream with this path (over all connections) is refused with
              RST_STREAM(REFUSED_STREAM) once N bytes of its body came (or its end), and
              not processed; the path is then in refused_paths
Otherwise the body is JSON: method, path, scheme, authority, headers ([name, value] in
order, pseudo-fields left out), body_len, body_sha256, conn (the connection's index from
0), stream. Responses with trailers have no content-length.

Records (read them under .lock, or after wait_for):
  connections     TCP connections accepted
  conns           a Conn per connection: alpn, peak (concurrent streams), processed stream
                  ids, refused, early, over_limit, ignored (above the last stream of its GOAWAY),
                  after_goaway (those of them that came after the GOAWAY was sent), completed,
                  resets [(stream, error code, path)] received from the peer, goaway (last
                  stream id sent, or None), closed
  opened          (conn, stream, path) of every stream processed, as its HEADERS came
  requests        the records above (dicts) of every processed request, as answered
  peak            the most streams open at once over all connections
  resets          every reset received from the peer: (conn, stream, code, path)

stop() closes the listener and every connection and joins every thread (bounded)."""

import hashlib
import json
import os
import select
import socket
import ssl
import threading
import time
import urllib.parse

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
import hyperframe.frame

import tlspki

LOOPBACK = "127.0.0.1"
HOLD_MAX = 10.0
WINDOW = 1 << 20  # the window of each stream and what is added to the connection's


def self_signed(directory, name="origin.test"):
    """A self-signed ECDSA certificate for 127.0.0.1 and @name in @directory: (cert, key)."""
    cert = os.path.join(directory, name + ".pem")
    key = os.path.join(directory, name + ".key")
    tlspki.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                   "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=" + name,
                   "-days", tlspki.DAYS, "-addext",
                   "subjectAltName=IP:127.0.0.1,DNS:" + name)
    return cert, key


class Conn:
    """What one connection saw."""

    def __init__(self, index):
        self.index = index
        self.alpn = None
        self.peak = 0
        self.active = 0
        self.processed = []
        self.refused = []
        self.early = []
        self.over_limit = []
        self.settings_acked = False
        self.ignored = []
        self.after_goaway = []
        self.completed = 0
        self.resets = []
        self.goaway = None
        self.closed = False
        self.error = None

    def __repr__(self):
        fields = ("alpn", "peak", "processed", "refused", "early", "over_limit", "ignored",
                  "after_goaway", "completed", "resets", "goaway", "closed", "error")
        return "Conn(%d, %s)" % (self.index, ", ".join(
            "%s=%s" % (f, getattr(self, f)) for f in fields))


class _Stream:
    def __init__(self, sid, headers):
        self.sid = sid
        self.headers = headers
        self.pseudo = {n: v for n, v in headers if n.startswith(":")}
        self.path = self.pseudo.get(":path", "")
        self.query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        self.body = bytearray()
        self.request_ended = False
        self.due = None          # when the response is to start (monotonic)
        self.out = b""           # the response body
        self.sent = 0            # how much of it went
        self.out_trailers = None
        self.responding = False
        self.done = False
        self.tunnel = False      # an extended CONNECT's: DATA comes back upper-cased


class H2Origin:
    def __init__(self, max_concurrent_streams=100, goaway_after=None, goaway_delay=0.0,
                 refuse_first=0, delay=0.0, trailers=None, tls=None, name="h2o",
                 websocket=False):
        self.name = name
        self.max_concurrent_streams = max_concurrent_streams
        self.goaway_after = goaway_after
        self.goaway_delay = goaway_delay
        self.refuse_first = refuse_first
        self.delay = delay
        self.trailers = list(trailers) if trailers else None
        self.ctx = None
        if tls:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(*tls)
            self.ctx.set_alpn_protocols(["h2"])
        self.lock = threading.RLock()
        self.connections = 0
        self.conns = []
        self.requests = []
        self.opened = []
        self.resets = []
        self.refused_total = 0
        self.refused_paths = []
        self.websocket = websocket
        self.peak = 0
        self.active = 0
        self.stopping = False
        self.socks = []
        self.threads = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(128)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        t = threading.Thread(target=self._accept, name="h2origin-accept", daemon=True)
        t.start()
        self.threads.append(t)

    # ---- what tests call ----

    def wait_for(self, pred, timeout=5.0):
        """Poll @pred() (under the lock) until true or @timeout; returns its last value."""
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                got = pred()
            if got or time.monotonic() >= deadline:
                return got
            time.sleep(0.01)

    def summary(self):
        """The records in one string, for failure messages."""
        with self.lock:
            return "%s: connections=%d peak=%d active=%d requests=%d conns=%s" % (
                self.name, self.connections, self.peak, self.active, len(self.requests),
                self.conns)

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join(timeout=5)
        self.sock.close()
        with self.lock:
            for s in self.socks:
                s.close()
        alive = [t.name for t in self.threads if t.is_alive()]
        if alive:
            raise RuntimeError("threads still running: %s" % alive)

    # ---- serving ----

    def _accept(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                rec = Conn(self.connections)
                self.connections += 1
                self.conns.append(rec)
                self.socks.append(c)
            t = threading.Thread(target=self._serve, args=(c, rec),
                                 name="h2origin-%s-%d" % (self.name, rec.index), daemon=True)
            t.start()
            self.threads.append(t)

    def _serve(self, c, rec):
        try:
            if self.ctx:
                c.settimeout(5)
                c = self.ctx.wrap_socket(c, server_side=True)
                with self.lock:
                    self.socks.append(c)
                    rec.alpn = c.selected_alpn_protocol()
            _Session(self, c, rec).run()
        except (OSError, h2.exceptions.ProtocolError, ValueError) as e:
            with self.lock:
                rec.error = repr(e)
        finally:
            with self.lock:
                rec.closed = True
            c.close()

    def _opened(self, rec):
        rec.active += 1
        rec.peak = max(rec.peak, rec.active)
        self.active += 1
        self.peak = max(self.peak, self.active)

    def _closed(self, rec):
        rec.active -= 1
        self.active -= 1


class _Session:
    """One connection's HTTP/2 server side."""

    def __init__(self, origin, sock, rec):
        self.o = origin
        self.sock = sock
        self.rec = rec
        self.streams = {}
        self.goaway_last = None
        self.goaway_due = None   # when the GOAWAY goes (monotonic), None once sent
        cfg = h2.config.H2Configuration(client_side=False, header_encoding="utf-8",
                                        validate_inbound_headers=True)
        self.conn = h2.connection.H2Connection(config=cfg)
        values = {h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: origin.max_concurrent_streams,
                  h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE:
                      self.conn.DEFAULT_MAX_HEADER_LIST_SIZE,
                  h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: WINDOW}
        if origin.websocket:
            values[h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL] = 1
        self.conn.local_settings = h2.settings.Settings(client=False, initial_values=values)
        self.conn.initiate_connection()
        self.conn.increment_flow_control_window(WINDOW)
        # python3-h2 would end the connection at a stream over the limit; a server refuses
        # the stream instead (RFC 9113 5.1.2), which this origin does itself (_request): the
        # library's own limit is set out of reach once the announced one is on its way
        values[h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS] = 1 << 30
        self.conn.local_settings = h2.settings.Settings(client=False, initial_values=values)
        self.out = bytearray(self.conn.data_to_send())

    def flush(self):
        self.out += self.conn.data_to_send()
        if self.out:
            self.sock.sendall(self.out)
            self.out = bytearray()

    def run(self):
        try:
            self._run()
        except h2.exceptions.ProtocolError as e:
            with self.o.lock:
                self.rec.error = repr(e)
            self.flush()  # the GOAWAY python3-h2 prepared
        finally:
            with self.o.lock:
                for s in self.streams.values():
                    if not s.done:
                        s.done = True
                        self.o._closed(self.rec)

    def _run(self):
        self.sock.settimeout(5)
        self.flush()
        while not self.o.stopping:
            self._respond_due()
            self._send_bodies()
            self._send_goaway()
            self.flush()
            if self.goaway_last is not None and self.goaway_due is None and not any(
                    not s.done for s in self.streams.values() if s.sid <= self.goaway_last):
                return  # drained after its GOAWAY
            wait = 0.05
            due = [s.due for s in self.streams.values() if s.due and not s.responding]
            if self.goaway_due is not None:
                due.append(self.goaway_due)
            if due:
                wait = max(0.0, min(wait, min(due) - time.monotonic()))
            pending = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()
            if not pending:
                r, _, _ = select.select([self.sock], [], [], wait)
                if not r:
                    continue
            try:
                data = self.sock.recv(65536)
            except ssl.SSLWantReadError:
                continue
            if not data:
                return
            events = self.conn.receive_data(data)
            with self.o.lock:
                for ev in events:
                    if self._event(ev):
                        return

    def _event(self, ev):
        """Handle @ev (under the origin's lock); True to end the connection."""
        o, rec = self.o, self.rec
        if isinstance(ev, h2.events.RequestReceived):
            self._request(ev)
        elif isinstance(ev, h2.events.DataReceived):
            s = self.streams.get(ev.stream_id)
            if s is not None and s.tunnel and not s.done:
                self.conn.send_data(ev.stream_id, ev.data.upper())
            elif s is not None:
                s.body += ev.data
            if ev.flow_controlled_length:
                self.conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            if s is not None:
                self._refuse_after(s, ev.stream_ended is not None)
        elif isinstance(ev, h2.events.StreamEnded):
            s = self.streams.get(ev.stream_id)
            if s is not None and s.tunnel:
                if not s.done:
                    self.conn.end_stream(ev.stream_id)
                    self._finished(s)
                return False
            if s is not None and self._refuse_after(s, True):
                return False
            if s is not None and not s.done:
                s.request_ended = True
                if s.query.get("hold") == "1":
                    s.due = time.monotonic() + HOLD_MAX
                else:
                    s.due = time.monotonic() + float(s.query.get("delay", o.delay))
        elif isinstance(ev, h2.events.StreamReset):
            s = self.streams.get(ev.stream_id)
            path = s.path if s else None
            if ev.remote_reset:
                rec.resets.append((ev.stream_id, ev.error_code, path))
                o.resets.append((rec.index, ev.stream_id, ev.error_code, path))
            if s is not None and not s.done:
                s.done = True
                o._closed(rec)
        elif isinstance(ev, h2.events.SettingsAcknowledged):
            rec.settings_acked = True
        elif isinstance(ev, h2.events.ConnectionTerminated):
            return True
        return False

    def _refuse_after(self, s, ended):
        """refuse_after=N: refused once N bytes of the body came (or all of it); True if
        it was."""
        o = self.o
        if s.done or "refuse_after" not in s.query:
            return False
        if len(s.body) < int(s.query["refuse_after"]) and not ended:
            return False
        with o.lock:
            if s.path in o.refused_paths:
                return False
            o.refused_paths.append(s.path)
            self.rec.refused.append(s.sid)
        s.done = True
        self.streams.pop(s.sid, None)
        try:
            self.conn.reset_stream(s.sid, h2.errors.ErrorCodes.REFUSED_STREAM)
        except h2.exceptions.StreamClosedError:
            pass
        o._closed(self.rec)
        return True

    def _request(self, ev):
        o, rec = self.o, self.rec
        sid = ev.stream_id
        if self.goaway_last is not None and sid > self.goaway_last:
            rec.ignored.append(sid)  # above the last stream of its GOAWAY: never processed
            if self.goaway_due is None:
                rec.after_goaway.append(sid)
            return
        if o.refuse_first and o.refused_total < o.refuse_first:
            o.refused_total += 1
            rec.refused.append(sid)
            self.conn.reset_stream(sid, h2.errors.ErrorCodes.REFUSED_STREAM)
            return
        if rec.active >= o.max_concurrent_streams:
            (rec.over_limit if rec.settings_acked else rec.early).append(sid)
            self.conn.reset_stream(sid, h2.errors.ErrorCodes.REFUSED_STREAM)
            return
        s = _Stream(sid, ev.headers)
        self.streams[sid] = s
        rec.processed.append(sid)
        o.opened.append((rec.index, sid, s.path))
        o._opened(rec)
        if s.pseudo.get(":method") == "CONNECT":
            # an extended CONNECT (python3-h2 checked :protocol against our SETTINGS)
            s.tunnel = True
            s.responding = True
            o.requests.append({"method": "CONNECT", "protocol": s.pseudo.get(":protocol"),
                               "path": s.path, "authority": s.pseudo.get(":authority"),
                               "headers": [[n, v] for n, v in s.headers
                                           if not n.startswith(":")],
                               "conn": rec.index, "stream": sid})
            self.conn.send_headers(sid, [(":status", "200"), ("x-origin", o.name)])
            return
        if o.goaway_after is not None and len(rec.processed) >= o.goaway_after:
            self.goaway_last = sid
            self.goaway_due = time.monotonic() + o.goaway_delay

    def _send_goaway(self):
        if self.goaway_due is None or self.goaway_due > time.monotonic():
            return
        # written past python3-h2, whose state machine would refuse to send anything after
        # it: the streams up to last_stream_id still get their responses (RFC 9113 6.8)
        self.goaway_due = None
        with self.o.lock:
            self.rec.goaway = self.goaway_last
        f = hyperframe.frame.GoAwayFrame(0)
        f.last_stream_id = self.goaway_last
        f.error_code = 0
        self.out += self.conn.data_to_send() + f.serialize()

    def _respond_due(self):
        now = time.monotonic()
        with self.o.lock:
            for s in self.streams.values():
                if s.done or s.responding or s.due is None or s.due > now:
                    continue
                self._respond(s)

    def _respond(self, s):
        o, rec = self.o, self.rec
        s.responding = True
        body = bytes(s.body)
        record = {
            "method": s.pseudo.get(":method"), "path": s.path,
            "scheme": s.pseudo.get(":scheme"), "authority": s.pseudo.get(":authority"),
            "headers": [[n, v] for n, v in s.headers if not n.startswith(":")],
            "body_len": len(body), "body_sha256": hashlib.sha256(body).hexdigest(),
            "conn": rec.index, "stream": s.sid,
        }
        o.requests.append(record)
        if s.query.get("echo") == "1":
            out = body
        elif "size" in s.query:
            n = int(s.query["size"])
            out = (b"0123456789" * (n // 10 + 1))[:n]
        else:
            out = json.dumps(record).encode()
        trailers = o.trailers
        if s.query.get("trailers") == "1" and not trailers:
            trailers = [("x-trailer", "yes")]
        if trailers:
            trailers = list(trailers) + [("x-body-sha256", hashlib.sha256(out).hexdigest())]
        headers = [(":status", "200"), ("content-type",
                                         "application/json" if out.startswith(b"{") else
                                         "application/octet-stream"),
                   ("x-origin", o.name)]
        if not trailers:
            headers.append(("content-length", str(len(out))))
        end = not out and not trailers
        if s.query.get("cancel") == "1":
            self.conn.send_headers(s.sid, headers)
            self.conn.reset_stream(s.sid, h2.errors.ErrorCodes.CANCEL)
            self._finished(s)
            return
        self.conn.send_headers(s.sid, headers, end_stream=end)
        s.out = out
        s.out_trailers = trailers
        if end:
            self._finished(s)

    def _send_bodies(self):
        with self.o.lock:
            for s in self.streams.values():
                if s.done or not s.responding or s.tunnel:
                    continue
                while s.sent < len(s.out):
                    window = min(self.conn.local_flow_control_window(s.sid),
                                 self.conn.max_outbound_frame_size)
                    if window <= 0:
                        break
                    self.conn.send_data(s.sid, s.out[s.sent:s.sent + window])
                    s.sent += window
                if s.sent < len(s.out):
                    continue  # until a WINDOW_UPDATE
                if s.out_trailers:
                    self.conn.send_headers(s.sid, s.out_trailers, end_stream=True)
                else:
                    self.conn.end_stream(s.sid)
                self._finished(s)

    def _finished(self, s):
        s.done = True
        self.rec.completed += 1
        self.o._closed(self.rec)
