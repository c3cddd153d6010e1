"""A real RFC 3161 time-stamping authority on loopback: `openssl ts -reply` behind a tiny HTTP
handler, with a test CA and a TSA certificate made here (extendedKeyUsage timeStamping)."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_CONF = """
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = {cn}
[ ca_ext ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ tsa_ext ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _ssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_tsa(d: Path) -> None:
    for name, cn in (("ca", "Tysha test TSA root"), ("tsa", "Tysha test TSA")):
        (d / f"{name}.cnf").write_text(_CONF.format(cn=cn, dir=d))
    (d / "serial").write_text("01\n")
    _ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", "ca.key", "-out", "ca.pem", "-days", "3650", "-config", "ca.cnf",
         "-extensions", "ca_ext", cwd=d)
    _ssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", "tsa.key", "-out", "tsa.csr", "-config", "tsa.cnf", cwd=d)
    _ssl("x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
         "-CAcreateserial", "-out", "tsa.pem", "-days", "3650", "-extfile", "ca.cnf",
         "-extensions", "tsa_ext", cwd=d)


@contextmanager
def local_tsa() -> Iterator[tuple[str, Path]]:
    """Yield (URL, root certificate path)."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        make_tsa(d)
        lock = threading.Lock()

        def answer(body: bytes) -> tuple[int, bytes]:
            with lock:
                (d / "q.tsq").write_bytes(body)
                r = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq",
                     "-inkey", "tsa.key", "-signer", "tsa.pem", "-out", "r.tsr"], cwd=d, capture_output=True, timeout=60)
                out = (d / "r.tsr").read_bytes() if r.returncode == 0 else b""
            return (200 if out else 500), out

        with tsa_answering(answer) as url:
            yield url, d / "ca.pem"


@contextmanager
def tsa_answering(answer: Callable[[bytes], tuple[int, bytes]]) -> Iterator[str]:
    """A loopback 'TSA' answering each POSTed request with ``answer(request)`` (status, body);
    yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            status, out = answer(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.send_response(status)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *a: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()


def some_root_pem(path: Path) -> Path:
    """A self-signed certificate "some TSA root" (a day's validity) written to ``path`` as
    PEM: a root that signed no time-stamp at hand."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "some TSA root")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path
