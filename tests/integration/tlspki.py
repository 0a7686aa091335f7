"""A throw-away PKI for the TLS integration tests, made with the openssl command line.

build(directory) writes everything into @directory (nothing is cached between runs: a test
builds its own in its temporary directory, in about a second of openssl calls) and returns
a Pki whose attributes are the paths. Keys are ECDSA P-256, except the RSA half of dual.test
(RSA-2048), which a test needs to tell the two certificates of one name apart.

    root.pem / root.key         root CA, "sluice test root"; pki.ca_file is what clients trust
    inter.pem / inter.key       intermediate CA signed by the root; it signs every server cert
    certs/<name>.pem            server certificate, intermediate, private key, in this order,
                                one PEM as HAProxy's "crt" reads it
    split/<name>, <name>.key    the same certificate and intermediate without the key, and the
                                key beside it, where "crt split/<name>" looks for it
    bad/<name>.pem              combined PEMs that a client or a loader must refuse
    leaves/<name>.pem           the server certificate alone
    client-ca.pem / .key        CA of the client certificates (ca-file of "verify required")
    clients/<name>.pem          client certificate and key in one PEM (good, revoked), plus
                                clients/<name>.crt and clients/<name>.key
    client-ca.crl               CRL of the client CA listing "revoked" (crl-file)
    crt-list.txt                a crt-list naming certs/ with per-line options and SNI filters

Server certificates (pki.servers[name], a Cert):
    a.test, b.test      SAN DNS:a.test / DNS:b.test
    wild                SAN DNS:*.w.test
    cn-only             CN=cn.test and no subjectAltName
    dual-ecdsa          dual.test, ECDSA P-256 (also certs/dual.test.pem.ecdsa, HAProxy's
    dual-rsa            dual.test, RSA-2048     bundle names, beside certs/dual.test.pem.rsa)
    expired             expired.test, valid in January 2020 only (bad/)
    mismatch            mismatch.test with the key of another certificate (bad/)
    origin              SAN IP:127.0.0.1, DNS:origin.test: a TLS server behind sluice
    origin-wrong        SAN DNS:wrong.test only: a server whose name does not match

SServer(workdir, port, args) runs `openssl s_server` on 127.0.0.1 (a TLS origin, or a peer to
check s_client() against) and stops it by PID.

s_client(port, ...) runs `openssl s_client` against 127.0.0.1:port and returns a Handshake
(protocol, cipher, ALPN, peer subject, whether the session was reused, ...) parsed from its
output, within a bounded time.
"""

import os
import re
import select
import shutil
import signal
import subprocess
import time

OPENSSL = os.environ.get("SLUICE_TEST_OPENSSL", "openssl")
LOOPBACK = "127.0.0.1"
DAYS = 30

# openssl ca wants a configuration; one per CA directory, from this template.
_CA_CONF = """\
[ ca ]
default_ca = this

[ this ]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
default_crl_days = {days}

[ anything ]
commonName = optional
organizationName = optional
"""

_EXT_CA = """\
[ e ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
"""

_EXT_LEAF = """\
[ e ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature{rsa_ku}
extendedKeyUsage = {eku}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
{san}"""


class Cert:
    """A certificate and its key. @pem: combined PEM (leaf, chain, key) for a "crt" line;
    @crt: leaf and chain without key (split/<name> for servers); @key: the private key
    (split/<name>.key for servers); @leaf: the leaf alone; @subject: as s_client prints it."""

    def __init__(self, name, subject, leaf, key, pem=None, crt=None):
        self.name = name
        self.subject = subject
        self.leaf = leaf
        self.key = key
        self.pem = pem
        self.crt = crt

    def __repr__(self):
        return "Cert(%r, %r)" % (self.name, self.pem or self.leaf)


class Pki:
    """Paths of everything build() made; see the module's docstring."""

    def __init__(self, directory):
        self.dir = directory
        self.root = None
        self.inter = None
        self.ca_file = None       # the root: what a client trusts
        self.chain_file = None    # the intermediate alone
        self.servers = {}
        self.client_ca = None
        self.client_ca_file = None
        self.clients = {}
        self.crl = None
        self.crt_list = None


def openssl(*args, stdin=None, timeout=30):
    """Run the openssl command line; returns its stdout; raises with its stderr on failure."""
    p = subprocess.run([OPENSSL] + [str(a) for a in args], input=stdin, capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("openssl %s failed (%d): %s" % (" ".join(map(str, args)),
                                                         p.returncode, p.stderr.strip()))
    return p.stdout


def _read(path):
    with open(path) as f:
        return f.read()


def _write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


def _newkey_args(kind):
    if kind == "rsa":
        return ["-newkey", "rsa:2048"]
    return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]


class _Ca:
    """A CA signing with `openssl ca` (which keeps the index the CRL is made from)."""

    def __init__(self, directory, name, cert, key):
        self.dir = directory
        self.name = name
        self.cert = cert
        self.key = key
        os.makedirs(os.path.join(directory, "new"), exist_ok=True)
        _write(os.path.join(directory, "index.txt"), "")
        _write(os.path.join(directory, "serial"), "1000\n")
        _write(os.path.join(directory, "crlnumber"), "01\n")
        self.conf = _write(os.path.join(directory, "ca.cnf"),
                           _CA_CONF.format(dir=directory, days=DAYS))

    def sign(self, csr, out, ext, dates=None):
        ext_path = out + ".ext"
        _write(ext_path, ext)
        when = ["-startdate", dates[0], "-enddate", dates[1]] if dates else ["-days", DAYS]
        openssl("ca", "-batch", "-notext", "-preserveDN", "-config", self.conf,
                "-cert", self.cert, "-keyfile", self.key, "-in", csr, "-out", out,
                "-extfile", ext_path, "-extensions", "e", *when)
        os.unlink(ext_path)
        return out


def _request(work, name, cn, kind="ec"):
    """A new key and a CSR for CN=@cn; returns (key path, csr path)."""
    key = os.path.join(work, name + ".key")
    csr = os.path.join(work, name + ".csr")
    openssl("req", "-new", *_newkey_args(kind), "-nodes", "-keyout", key, "-out", csr,
            "-subj", "/CN=" + cn)
    return key, csr


def _leaf_ext(san, client=False, kind="ec"):
    return _EXT_LEAF.format(
        rsa_ku=", keyEncipherment" if kind == "rsa" else "",
        eku="clientAuth" if client else "serverAuth",
        san="subjectAltName = " + san + "\n" if san else "")


def _self_signed_ca(directory, name, cn):
    key = os.path.join(directory, name + ".key")
    cert = os.path.join(directory, name + ".pem")
    openssl("req", "-x509", *_newkey_args("ec"), "-nodes", "-keyout", key, "-out", cert,
            "-subj", "/CN=" + cn, "-days", DAYS,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return cert, key


# name: (CN, SAN or None, key kind, directory, validity or None)
SERVERS = {
    "a.test": ("a.test", "DNS:a.test", "ec", "certs", None),
    "b.test": ("b.test", "DNS:b.test", "ec", "certs", None),
    "wild": ("*.w.test", "DNS:*.w.test", "ec", "certs", None),
    "cn-only": ("cn.test", None, "ec", "certs", None),
    "dual-ecdsa": ("dual.test", "DNS:dual.test", "ec", "certs", None),
    "dual-rsa": ("dual.test", "DNS:dual.test", "rsa", "certs", None),
    "origin": ("origin.test", "IP:127.0.0.1, DNS:origin.test", "ec", "certs", None),
    "origin-wrong": ("wrong.test", "DNS:wrong.test", "ec", "certs", None),
    "expired": ("expired.test", "DNS:expired.test", "ec", "bad",
                ("20200101000000Z", "20200201000000Z")),
    "mismatch": ("mismatch.test", "DNS:mismatch.test", "ec", "bad", None),
}


def build(directory):
    """Make the whole PKI in @directory (created if needed); returns a Pki."""
    pki = Pki(directory)
    work = os.path.join(directory, "work")
    os.makedirs(work, exist_ok=True)

    root_cert, root_key = _self_signed_ca(directory, "root", "sluice test root")
    root = _Ca(os.path.join(work, "root-ca"), "root", root_cert, root_key)
    pki.root = Cert("root", "CN = sluice test root", root_cert, root_key)
    pki.ca_file = root_cert

    inter_key, csr = _request(work, "inter", "sluice test intermediate")
    inter_cert = root.sign(csr, os.path.join(directory, "inter.pem"), _EXT_CA)
    shutil.move(inter_key, os.path.join(directory, "inter.key"))
    inter_key = os.path.join(directory, "inter.key")
    pki.inter = Cert("inter", "CN = sluice test intermediate", inter_cert, inter_key)
    pki.chain_file = inter_cert
    inter = _Ca(os.path.join(work, "inter-ca"), "inter", inter_cert, inter_key)
    chain = _read(inter_cert)

    for name, (cn, san, kind, where, dates) in SERVERS.items():
        key, csr = _request(work, name, cn, kind)
        os.makedirs(os.path.join(directory, "leaves"), exist_ok=True)
        leaf = inter.sign(csr, os.path.join(directory, "leaves", name + ".pem"),
                          _leaf_ext(san, kind=kind), dates)
        if name == "mismatch":
            key, _ = _request(work, name + "-other", cn)
        leaf_text, key_text = _read(leaf), _read(key)
        pem = _write(os.path.join(directory, where, name + ".pem"), leaf_text + chain + key_text)
        crt = _write(os.path.join(directory, "split", name), leaf_text + chain)
        _write(crt + ".key", key_text)
        pki.servers[name] = Cert(name, "CN = " + cn, leaf, crt + ".key", pem=pem, crt=crt)
    # HAProxy's multi-certificate bundle names: "crt certs/dual.test.pem" loads both
    for kind in ("ecdsa", "rsa"):
        shutil.copy(pki.servers["dual-" + kind].pem,
                    os.path.join(directory, "certs", "dual.test.pem." + kind))

    cca_cert, cca_key = _self_signed_ca(directory, "client-ca", "sluice test client CA")
    cca = _Ca(os.path.join(work, "client-ca"), "client-ca", cca_cert, cca_key)
    pki.client_ca = Cert("client-ca", "CN = sluice test client CA", cca_cert, cca_key)
    pki.client_ca_file = cca_cert
    for name in ("good", "revoked"):
        key, csr = _request(work, "client-" + name, "client " + name)
        leaf = cca.sign(csr, os.path.join(directory, "clients", name + ".crt"),
                        _leaf_ext(None, client=True))
        shutil.move(key, os.path.join(directory, "clients", name + ".key"))
        key = os.path.join(directory, "clients", name + ".key")
        pem = _write(os.path.join(directory, "clients", name + ".pem"), _read(leaf) + _read(key))
        pki.clients[name] = Cert(name, "CN = client " + name, leaf, key, pem=pem, crt=leaf)
    openssl("ca", "-config", cca.conf, "-cert", cca_cert, "-keyfile", cca_key,
            "-revoke", pki.clients["revoked"].leaf, "-crl_reason", "keyCompromise")
    pki.crl = os.path.join(directory, "client-ca.crl")
    openssl("ca", "-gencrl", "-config", cca.conf, "-cert", cca_cert, "-keyfile", cca_key,
            "-out", pki.crl)

    s = pki.servers
    pki.crt_list = _write(os.path.join(directory, "crt-list.txt"), "".join([
        "# <crt> [<bind options>] [<sni filter> ...]\n",
        "%s\n" % s["a.test"].pem,
        "%s [alpn h2,http/1.1] b.test\n" % s["b.test"].pem,
        "%s *.w.test\n" % s["wild"].pem,
        "%s [ssl-min-ver TLSv1.2] cn.test\n" % s["cn-only"].pem,
        "%s dual.test\n" % s["dual-ecdsa"].pem,
        "%s dual.test\n" % s["dual-rsa"].pem,
    ]))
    shutil.rmtree(work)
    return pki


class Handshake:
    """What `openssl s_client` reported.
    @ok: the handshake completed (a cipher was negotiated) and the TLS library reported no
         error, such as an alert from the server refusing a client certificate after the
         handshake (TLS 1.3) or a connection closed without close_notify;
    @error: the first such error; @protocol ("TLSv1.3"); @cipher; @alpn (None when none was
    negotiated); @subject, @issuer of the peer certificate ("CN = a.test"); @reused (the
    session was resumed); @session_id (hex); @verify_code (0: the chain verified against the
    CA file), @verify_text; @returncode, @timed_out, @output of s_client."""

    def __init__(self, output, returncode, timed_out):
        self.output = output
        self.returncode = returncode
        self.timed_out = timed_out

        def find(pattern):
            m = re.search(pattern, output, re.M)
            return m.group(1).strip() if m else None

        m = re.search(r"^(New|Reused), (\S+), Cipher is (\S+)", output, re.M)
        self.reused = bool(m) and m.group(1) == "Reused"
        self.protocol = m.group(2) if m and m.group(2) != "(NONE)" else None
        self.cipher = m.group(3) if m and m.group(3) != "(NONE)" else None
        # s_client reports the cipher of the ServerHello even when the handshake then fails
        # (a client certificate refused in TLS 1.2): an error of the TLS library says so
        self.error = find(r"^[0-9A-F]+:error:[0-9A-F]+:SSL routines:(.+)$")
        self.ok = self.cipher is not None and self.error is None
        self.alpn = find(r"^ALPN protocol: (.+)$")
        self.subject = find(r"^subject=(.+)$")
        self.issuer = find(r"^issuer=(.+)$")
        self.session_id = find(r"^\s*Session-ID: ?(\S*)$") or None
        m = re.search(r"^\s*Verify return code: (\d+) \((.*)\)", output, re.M)
        self.verify_code = int(m.group(1)) if m else None
        self.verify_text = m.group(2) if m else None

    def __repr__(self):
        return ("Handshake(ok=%r, protocol=%r, cipher=%r, alpn=%r, subject=%r, reused=%r, "
                "verify=%r)" % (self.ok, self.protocol, self.cipher, self.alpn, self.subject,
                                self.reused, self.verify_code))


def s_client(port, servername=None, ca_file=None, alpn=None, cert=None, key=None,
             sess_out=None, sess_in=None, args=(), send=b"", expect=None, timeout=10.0):
    """Handshake with 127.0.0.1:@port using `openssl s_client`, send @send, and return a
    Handshake. @servername: SNI (none if None); @ca_file: CAs to verify the peer with;
    @alpn: "h2,http/1.1"; @cert/@key: client certificate; @sess_out/@sess_in: save / offer a
    session; @args: more s_client options ("-tls1_2", "-cipher", ...). The client's input stays
    open until the session is saved (when @sess_out is given: TLS 1.3 tickets come after the
    handshake) and @expect (bytes) appears in its output, then closes; all within @timeout
    seconds, after which s_client is killed by PID and the result says timed_out."""
    cmd = [OPENSSL, "s_client", "-connect", "%s:%d" % (LOOPBACK, port)]
    cmd += ["-servername", servername] if servername else ["-noservername"]
    for opt, val in (("-CAfile", ca_file), ("-alpn", alpn), ("-cert", cert), ("-key", key),
                     ("-sess_out", sess_out), ("-sess_in", sess_in)):
        if val:
            cmd += [opt, str(val)]
    cmd += list(args)
    if sess_out and os.path.exists(sess_out):
        os.unlink(sess_out)

    deadline = time.monotonic() + timeout
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = b""
    timed_out = False

    def close_input():
        try:
            proc.stdin.close()
        except BrokenPipeError:  # s_client already gone: its output says why
            pass

    def waiting():
        if sess_out and not (os.path.exists(sess_out) and os.path.getsize(sess_out) > 0):
            return True
        return expect is not None and expect not in out

    try:
        proc.stdin.write(send)
        proc.stdin.flush()
    except BrokenPipeError:
        pass
    while True:
        if not proc.stdin.closed and not waiting():
            close_input()
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([proc.stdout], [], [], min(left, 0.05))
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            out += chunk
    if not proc.stdin.closed:
        close_input()
    try:
        proc.wait(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        proc.wait(timeout=10)
    proc.stdout.close()
    return Handshake(out.decode("utf-8", "replace"), proc.returncode, timed_out)


class SServer:
    """`openssl s_server -accept 127.0.0.1:@port @args`, its output in a log file in @workdir;
    ready (it printed ACCEPT) when the constructor returns, within @timeout seconds. stop()
    ends it by PID (SIGTERM, then SIGKILL); call it from the test's cleanup."""

    def __init__(self, workdir, port, args, timeout=10.0):
        self.port = port
        self.log_path = os.path.join(workdir, "s_server-%d.log" % port)
        with open(self.log_path, "wb") as log:
            # stdin stays open: at its end s_server drops the connection and stops accepting
            self.proc = subprocess.Popen(
                [OPENSSL, "s_server", "-accept", "%s:%d" % (LOOPBACK, port)] + list(args),
                stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while "ACCEPT" not in self.log():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("s_server did not start:\n" + self.log())
            time.sleep(0.01)

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self, grace=10.0):
        if not self.proc.stdin.closed:
            self.proc.stdin.close()
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=grace)
