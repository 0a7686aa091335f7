"""A recording origin server for integration tests: raw sockets on 127.0.0.1, one thread
per connection, every request it receives kept byte for byte so tests can check exactly what
the proxy forwarded. Responses are chosen by the request path:

  /status/NNN      answers status NNN
  /chunked         answers with a chunked body
  /close           answers and closes the connection
  /drop            answers as if keeping the connection, then closes it at once (as a
                   server that closes idle connections does, racing with the proxy's reuse)
  /slow            waits 1.5 s before answering
  /split           sends the head, then the 5-byte body 1 s later
  /setcookie/NAME  200 "origin NAME PATH" with "set-cookie: NAME=abc123; path=/"
  /echo            answers with the request body
  /big/N           answers with N bytes
  /ws              with Upgrade: websocket, switches protocols (with Sec-WebSocket-Accept
                   for a Sec-WebSocket-Key) and echoes raw bytes
  anything else    200 with body "origin NAME PATH"

All threads stop when stop() is called (bounded joins)."""

import base64
import hashlib
import socket
import threading
import time


class Request:
    def __init__(self, head, body):
        self.head = head
        self.body = body
        lines = head.split(b"\r\n")
        self.method, self.target, self.version = lines[0].split(b" ", 2)
        self.headers = []
        for l in lines[1:]:
            if l:
                name, value = l.split(b":", 1)
                self.headers.append((name.strip().lower().decode(), value.strip().decode()))

    def header(self, name):
        vals = [v for n, v in self.headers if n == name.lower()]
        return vals[-1] if vals else None


class Origin:
    """@addr: where it listens, ("127.0.0.1", 0) by default (any 127.0.0.0/8 address and port,
    or, with @family AF_UNIX, a path or an abstract name as bytes)."""

    def __init__(self, name="o", addr=("127.0.0.1", 0), family=socket.AF_INET):
        self.name = name
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        if family != socket.AF_UNIX:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(addr)
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1] if family != socket.AF_UNIX else None
        self.requests = []
        self.connections = 0
        self.lock = threading.Lock()
        self.stopping = False
        self.threads = []
        self.live = set()  # the connections being served, which stop() shuts down
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self.threads.append(t)

    def _accept(self):
        self.sock.settimeout(0.2)
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
                self.live.add(c)
            t = threading.Thread(target=self._serve, args=(c,), daemon=True)
            t.start()
            self.threads.append(t)

    @staticmethod
    def _more(c):
        data = c.recv(65536)
        if not data:
            raise EOFError
        return data

    def _read_request(self, c, buf):
        while b"\r\n\r\n" not in buf:
            data = c.recv(65536)
            if not data:
                return None, buf
            buf += data
        head, buf = buf.split(b"\r\n\r\n", 1)
        req = Request(head, b"")
        if (req.header("expect") or "").lower() == "100-continue":
            c.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        te = req.header("transfer-encoding")
        cl = req.header("content-length")
        if te and "chunked" in te.lower():
            body = b""
            while True:
                while b"\r\n" not in buf:
                    buf += self._more(c)
                line, buf = buf.split(b"\r\n", 1)
                size = int(line.split(b";")[0], 16)
                while len(buf) < size + 2:
                    buf += self._more(c)
                body += buf[:size]
                buf = buf[size + 2:]
                if size == 0:
                    break
            req.body = body
        elif cl:
            n = int(cl)
            while len(buf) < n:
                buf += self._more(c)
            req.body, buf = buf[:n], buf[n:]
        return req, buf

    def _serve(self, c):
        c.settimeout(10)
        buf = b""
        try:
            while not self.stopping:
                req, buf = self._read_request(c, buf)
                if req is None:
                    return
                with self.lock:
                    self.requests.append(req)
                if self._answer(c, req, buf):
                    return
        except (OSError, ValueError, EOFError):
            return
        finally:
            with self.lock:
                self.live.discard(c)
            c.close()

    def _answer(self, c, req, buf):
        """Answer @req on @c (@buf: the bytes read after it); True to close the connection."""
        path = req.target.decode()
        close = False
        if path == "/ws" and (req.header("upgrade") or "").lower() == "websocket":
            key = req.header("sec-websocket-key")
            accept = b""
            if key:
                # RFC 6455 4.2.2
                accept = b"Sec-WebSocket-Accept: %s\r\n" % base64.b64encode(hashlib.sha1(
                    key.encode() + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
            c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      b"Connection: Upgrade\r\n" + accept + b"\r\n")
            # from here on, an echo of raw bytes until the peer closes
            if buf:
                c.sendall(buf)
            while True:
                data = c.recv(65536)
                if not data:
                    return True
                c.sendall(data)
        if path.startswith("/status/"):
            status = int(path[8:11])
            body = b"status"
            resp = b"HTTP/1.1 %d X\r\ncontent-length: %d\r\n\r\n" % (status, len(body))
            if status not in (204, 304) and req.method != b"HEAD":
                resp += body
        elif path == "/chunked":
            resp = (b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                    b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
        elif path == "/slow":
            time.sleep(1.5)
            resp = b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nslow"
        elif path == "/split":
            c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
            time.sleep(1.0)
            resp = b"split"
        elif path.startswith("/big/"):
            n = int(path[5:])
            resp = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % n + b"x" * n
        elif path == "/echo":
            resp = (b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(req.body)
                    + req.body)
        else:
            body = ("origin %s %s" % (self.name, path)).encode()
            if path == "/close":
                close = True
            if path == "/drop":
                c.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\ndrop")
                return True
            extra = b"connection: close\r\n" if close else b""
            if path.startswith("/setcookie/"):
                extra += b"set-cookie: %s=abc123; path=/\r\n" % path[11:].encode()
            resp = (b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: "
                    b"%d\r\n%s\r\n" % (len(body), extra) +
                    (b"" if req.method == b"HEAD" else body))
        c.sendall(resp)
        return close

    def close_listener(self):
        """Refuse new connections from now on; those the kernel queued and nobody accepted
        are reset. (A bare close() leaves the socket listening, and taking connections,
        until the accepting thread's wait ends, up to 0.2 s later.)"""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def stop(self):
        """Stop listening, end every connection (a thread waiting for a kept-alive client's
        next request wakes at once), and wait for the threads."""
        self.stopping = True
        self.close_listener()
        with self.lock:
            for c in self.live:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for t in self.threads:
            t.join(timeout=5)


class RawOrigin(Origin):
    """An origin that answers each request with bytes given per path, exactly as given (the
    proxy's handling of broken or unusual servers), then closes the connection if asked:
    responses = {"/path": (raw_bytes, close_after)}. Unknown paths get a small 200."""

    def __init__(self, responses, name="raw", **kw):
        self.responses = responses
        super().__init__(name, **kw)

    def _answer(self, c, req, buf):
        raw, close = self.responses.get(
            req.target.decode(), (b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok", False))
        c.sendall(raw)
        return close
