"""Vectors for the bundle signature (a construction we compose; tysha.evidence.bundle).

``bundle.sig`` = hex(Ed25519(desk key, BUNDLE_DOMAIN || 0x00 || bundle.json)) (RFC 8032), over
the canonical index. Provenance: generated on 2026-11-30 from the inputs below (seed 0x01 x 32,
an empty bundle of desk "cell") with pyca/cryptography; checked here independently with PyNaCl
(libsodium). Ed25519 is deterministic, so any change to the index's canonical form or to the
domain string changes these values. Negative vectors: truncated, bit-flipped, wrong key, wrong
version.
"""

from __future__ import annotations

import hashlib

import nacl.signing
import pytest

from tests.verify.test_bundle_pure import verify
from tysha.errors import VerificationError
from tysha.evidence.bundle import BUNDLE_DOMAIN, build_index, summary_text
from tysha.evidence.custody import canonical_json
from tysha.protocol import Identity

INDEX_SHA256 = "5fee68f5f50fe52e2dfe2a48a1a721cd4ac06efd451beddc68efbff245fb5262"
SIGNATURE = (
    "bc1e9a8ab017be30b3c4a93fe2b079071d61a1d4129d6a7075c9b034a1df4d18"
    "2b6748e28552cf7830f95361ea846a55983a146533999361364960efbc33770e"
)
FINGERPRINT = "13408 11233 49433 01146 64253 27961"


def vector() -> tuple[Identity, bytes, bytes, bytes]:
    ident = Identity.generate(lambda n: b"\x01" * n)
    readme = summary_text("cell", ident.public().fingerprint(), {}, [])
    files = {"custody.json": hashlib.sha256(b"[]").hexdigest(),
             "README.txt": hashlib.sha256(readme).hexdigest()}
    # A format 2 bundle (whole custody log as a list): older bundles keep verifying.
    raw = build_index(desk=ident.public(), desk_name="cell", drops={}, reports=[], flags={},
                      files=files, fmt="tysha-bundle/2")
    return ident, raw, readme, bytes.fromhex(SIGNATURE)


def members(raw: bytes, readme: bytes, sig: bytes) -> list[tuple[str, int, object]]:
    s = sig.hex().encode()
    return [("custody.json", 2, b"[]"), ("README.txt", len(readme), readme),
            ("bundle.json", len(raw), raw), ("bundle.sig", len(s), s)]


def test_positive_vector() -> None:
    ident, raw, readme, sig = vector()
    assert ident.public().fingerprint() == FINGERPRINT
    assert hashlib.sha256(raw).hexdigest() == INDEX_SHA256
    assert BUNDLE_DOMAIN == b"tysha/v1 bundle"
    # Independently of the code under test: libsodium over domain || 0x00 || index.
    nacl.signing.VerifyKey(ident.public().sign).verify(BUNDLE_DOMAIN + b"\x00" + raw, sig)
    steps = verify(members(raw, readme, sig), desk_pin=FINGERPRINT)
    assert [s.number for s in steps if s.status == "ok"] == [1, 2, 3, 7]


@pytest.mark.parametrize("case", ["truncated-index", "flipped-index", "truncated-sig",
                                  "flipped-sig", "wrong-key"])
def test_negative_vectors(case: str) -> None:
    _ident, raw, readme, sig = vector()
    if case == "truncated-index":
        raw = raw[:-1]
    elif case == "flipped-index":
        raw = raw.replace(b'"cell"', b'"cemm"')
    elif case == "truncated-sig":
        sig = sig[:-1]
    elif case == "flipped-sig":
        sig = bytes([sig[0] ^ 1]) + sig[1:]
    with pytest.raises(VerificationError, match="step [12]"):
        if case == "wrong-key":
            other = Identity.generate(lambda n: b"\x02" * n).public()
            verify(members(raw, readme, sig), desk_pin=other.fingerprint())
        else:
            verify(members(raw, readme, sig))


def test_wrong_version_is_refused() -> None:
    _ident, raw, readme, sig = vector()
    raw = raw.replace(b"tysha-bundle/2", b"tysha-bundle/9")
    with pytest.raises(VerificationError, match="step 1.*unknown bundle format"):
        verify(members(raw, readme, sig))
    assert canonical_json({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
