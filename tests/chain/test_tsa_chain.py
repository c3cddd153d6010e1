"""RFC 3161 tokens from a time-stamping authority whose certificate is issued by an intermediate
CA (the usual case for public TSAs): a real three-level chain made here (root -> intermediate ->
TSA certificate) and real tokens signed by `openssl ts -reply`, as an OpenSSL-based TSA answers
(the signer's certificate first, then the chain: not in DER SET OF order)."""

from __future__ import annotations

import datetime
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import rfc3161_client
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tysha.desk.anchor import request_tsa_token
from tysha.errors import VerificationError
from tysha.evidence.anchor import verify_tsa_token

HEAD = b"tysha custody head\n3\nabc=\n"
NOW = datetime.datetime.now(datetime.UTC)
DAY = datetime.timedelta(days=1)

_TSA_CONF = """[ tsa ]
default_tsa = c
[ c ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = yes
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
{certs}
"""


def _pem(c: x509.Certificate) -> bytes:
    return c.public_bytes(serialization.Encoding.PEM)


def _cert(cn: str, key: ec.EllipticCurvePrivateKey, issuer: str,
          issuer_key: ec.EllipticCurvePrivateKey, *, ca: bool, eku: bool = True,
          not_before: datetime.datetime = NOW - DAY,
          not_after: datetime.datetime = NOW + 365 * DAY) -> x509.Certificate:
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
         .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(not_before).not_valid_after(not_after)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
         .add_extension(
             x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False))
    b = b.add_extension(x509.KeyUsage(
        digital_signature=not ca, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False), critical=True)
    if not ca and eku:
        b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)
    return b.sign(issuer_key, hashes.SHA256())


class Chain:
    """root -> intermediate -> TSA certificate; ``token`` signs as `openssl ts -reply`."""

    def __init__(self, d: Path, root_name: str = "Tysha test TSA root", **tsa: object) -> None:
        self.d = d
        d.mkdir(parents=True, exist_ok=True)
        rk, ik, self.tk = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
        self.root = _cert(root_name, rk, root_name, rk, ca=True)
        self.inter = _cert("Tysha test TSA issuing CA", ik, root_name, rk, ca=True)
        # A TSA's certificate is longer than its issuer's here (as public TSAs' often are), so
        # the chain OpenSSL sends after it is out of DER order in the SET OF.
        self.tsa = _cert("Tysha test time-stamping unit 1, time-stamping service", self.tk,
                         "Tysha test TSA issuing CA", ik, ca=False, **tsa)  # type: ignore[arg-type]
        for name, c in (("root", self.root), ("inter", self.inter), ("tsa", self.tsa)):
            (d / f"{name}.pem").write_bytes(_pem(c))
        (d / "tsa.key").write_bytes(self.tk.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        (d / "serial").write_text("01\n")

    def token(self, data: bytes = HEAD, *, chain: bool = True) -> bytes:
        certs = f"certs = {self.d / 'inter.pem'}" if chain else ""
        (self.d / "tsa.cnf").write_text(_TSA_CONF.format(dir=self.d, certs=certs))
        req = rfc3161_client.TimestampRequestBuilder(
            data=data, hash_algorithm=rfc3161_client.HashAlgorithm.SHA256, nonce=True,
            cert_req=True).build()
        (self.d / "q.tsq").write_bytes(req.as_bytes())
        subprocess.run(["openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "q.tsq",
                        "-inkey", "tsa.key", "-signer", "tsa.pem", "-out", "r.tsr"],
                       cwd=self.d, check=True, capture_output=True, timeout=60)
        return (self.d / "r.tsr").read_bytes()

    def cms_token(self, data: bytes = HEAD) -> bytes:
        """A token signed by `openssl cms` over the TSTInfo of a real one (`openssl ts` signs
        only under a certificate with the time-stamping EKU; this signs under any)."""
        def ssl(*args: str) -> bytes:
            return subprocess.run(["openssl", *args], cwd=self.d, check=True,
                                  capture_output=True, timeout=60).stdout

        good = Chain(self.d / "good")
        (self.d / "r.tsr").write_bytes(good.token(data))
        ssl("ts", "-reply", "-in", "r.tsr", "-token_out", "-out", "token.der")
        ssl("cms", "-verify", "-noverify", "-inform", "DER", "-in", "token.der",
            "-out", "tstinfo.der")
        ssl("cms", "-sign", "-binary", "-nodetach", "-outform", "DER", "-md", "sha256",
            "-econtent_type", "1.2.840.113549.1.9.16.1.4", "-nosmimecap", "-cades",
            "-in", "tstinfo.der", "-signer", "tsa.pem", "-inkey", "tsa.key",
            "-certfile", "inter.pem", "-out", "cms.der")
        body = b"\x30\x03\x02\x01\x00" + (self.d / "cms.der").read_bytes()  # granted
        n = len(body)
        return b"\x30\x82" + n.to_bytes(2, "big") + body if n > 255 else b"\x30\x81" + bytes(
            [n]) + body


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Chain:
    return Chain(tmp_path_factory.mktemp("tsa-chain"))


def test_a_token_whose_chain_runs_through_an_intermediate_verifies(chain: Chain) -> None:
    """The TSA's certificate is issued by an intermediate CA carried in the token (untrusted,
    only to build the path); the token verifies under the root. It was 'malformed' before:
    the library read only certificates in DER order, and OpenSSL sends the signer's first."""
    token = chain.token()
    assert chain.tsa.public_bytes(serialization.Encoding.DER) > chain.inter.public_bytes(
        serialization.Encoding.DER)  # the order a DER-only reader refuses
    when, rooted = verify_tsa_token(token, HEAD, [_pem(chain.root)])
    assert rooted is True and when.endswith("Z")
    # Without a root (as the desk checks what its TSA answers) it is read, not trusted.
    assert verify_tsa_token(token, HEAD) == (when, False)


def test_an_intermediate_given_as_a_pem_beside_the_root_completes_the_chain(
    chain: Chain, tmp_path: Path
) -> None:
    """A TSA that sends only its own certificate: the intermediate given with the root (two
    PEMs, or one file holding both) builds the path; the intermediate alone is no root."""
    token = chain.token(chain=False)
    with pytest.raises(VerificationError, match="not signed under a given TSA root"):
        verify_tsa_token(token, HEAD, [_pem(chain.root)])
    assert verify_tsa_token(token, HEAD, [_pem(chain.root), _pem(chain.inter)])[1] is True
    assert verify_tsa_token(token, HEAD, [_pem(chain.inter) + _pem(chain.root)])[1] is True
    with pytest.raises(VerificationError, match="not signed under a given TSA root"):
        verify_tsa_token(token, HEAD, [_pem(chain.inter)])


def _flip_last_signature_byte(token: bytes) -> bytes:
    return token[:-1] + bytes([token[-1] ^ 1])


@pytest.mark.parametrize("case", ["other root", "intermediate as root", "TSA certificate as root",
                                  "altered", "other data", "expired", "not yet valid", "no EKU",
                                  "no EKU (control)", "chain to another root"])
def test_a_chained_token_that_does_not_hold_still_fails(
    chain: Chain, tmp_path: Path, case: str
) -> None:
    """Every way a chained token can fail to hold still fails: it must reach a given root,
    through certificates valid when it was made, with the time-stamping EKU, over the data."""
    roots = [_pem(chain.root)]
    data = HEAD
    token = chain.token()
    make: dict[str, Callable[[], Chain]] = {
        "expired": lambda: Chain(tmp_path / "c", not_before=NOW - 10 * DAY,
                                 not_after=NOW - DAY),
        "not yet valid": lambda: Chain(tmp_path / "c", not_before=NOW + DAY),
        "no EKU": lambda: Chain(tmp_path / "c", eku=False),
        "no EKU (control)": lambda: Chain(tmp_path / "c"),
        # An attacker's chain under a root of the same name, carried in the token.
        "chain to another root": lambda: Chain(tmp_path / "c"),
    }
    if case in make:
        other = make[case]()
        token = other.cms_token() if "EKU" in case else other.token()
        if case != "chain to another root":
            roots = [_pem(other.root)]
        if case == "no EKU (control)":  # the same making, with the EKU: it holds
            assert verify_tsa_token(token, data, roots)[1] is True
            return
    elif case == "other root":
        roots = [_pem(Chain(tmp_path / "c", root_name="Another TSA root").root)]
    elif case == "intermediate as root":
        roots = [_pem(chain.inter)]
    elif case == "TSA certificate as root":
        roots = [_pem(chain.tsa)]
    elif case == "altered":
        token = _flip_last_signature_byte(token)
    elif case == "other data":
        data = HEAD + b" "
    with pytest.raises(VerificationError):
        verify_tsa_token(token, data, roots)


def test_the_desk_takes_a_chained_token_from_its_tsa(chain: Chain) -> None:
    """The desk checks what its TSA answers before it keeps it: a chained token was refused as
    malformed, so 'desk anchor' could not use a TSA whose certificate has an intermediate."""
    from tests.chain.tsa import tsa_answering

    with tsa_answering(lambda _request: (200, chain.token())) as url:
        body = request_tsa_token(url, HEAD, timeout=30)
    assert verify_tsa_token(body, HEAD, [_pem(chain.root)])[1] is True
