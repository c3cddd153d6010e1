"""RFC 9180 A.2 and X-Wing draft vectors, interop with pyca/cryptography's own HPKE."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hpke as pyca_hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import hpke
from tysha.protocol.kem import KEM_X25519, KEM_XWING, kem_for

VEC = Path(__file__).parent.parent / "vectors" / "protocol"


def a2() -> dict[str, object]:
    return json.loads((VEC / "rfc9180_a2.json").read_text())


def test_rfc9180_a2_key_schedule_and_encryptions() -> None:
    v = a2()
    kem = kem_for(KEM_X25519)
    r = kem.derive_key_pair(bytes.fromhex(v["ikmR"]))
    assert r.public.hex() == v["pkRm"] and r.secret.hex() == v["skRm"]
    e = kem.derive_key_pair(bytes.fromhex(v["ikmE"]))
    assert e.public.hex() == v["pkEm"] and e.secret.hex() == v["skEm"]
    ss, enc = kem.encap(r.public, bytes.fromhex(v["ikmE"]))
    assert enc.hex() == v["enc"] and ss.hex() == v["shared_secret"]
    assert kem.decap(enc, r.secret) == ss
    ctx = hpke.key_schedule(kem, ss, bytes.fromhex(v["info"]))
    assert ctx.key.hex() == v["key"]
    assert ctx.base_nonce.hex() == v["base_nonce"]
    assert ctx.exporter_secret.hex() == v["exporter_secret"]
    for enc_v in v["encryptions"]:
        seq = enc_v["seq"]
        assert ctx.nonce(seq).hex() == enc_v["nonce"]
        ct = ctx.seal(bytes.fromhex(enc_v["aad"]), bytes.fromhex(enc_v["pt"]), seq)
        assert ct.hex() == enc_v["ct"]
        assert ctx.open(bytes.fromhex(enc_v["aad"]), ct, seq).hex() == enc_v["pt"]


def test_rfc9180_a2_negative() -> None:
    v = a2()
    kem = kem_for(KEM_X25519)
    r = kem.derive_key_pair(bytes.fromhex(v["ikmR"]))
    info, aad, pt = bytes.fromhex(v["info"]), b"aad", b"secret"
    enc, ct = hpke.seal_base(KEM_X25519, r.public, info, aad, pt, bytes.fromhex(v["ikmE"]))
    assert hpke.open_base(KEM_X25519, r.secret, enc, info, aad, ct) == pt
    flipped = bytearray(ct)
    flipped[0] ^= 1
    with pytest.raises(VerificationError):
        hpke.open_base(KEM_X25519, r.secret, enc, info, aad, bytes(flipped))
    with pytest.raises(VerificationError):
        hpke.open_base(KEM_X25519, r.secret, enc, info, aad, ct[:-1])
    with pytest.raises(VerificationError):
        hpke.open_base(KEM_X25519, os.urandom(32), enc, info, aad, ct)
    with pytest.raises(VerificationError):
        hpke.open_base(KEM_X25519, r.secret, enc, b"other info", aad, ct)
    with pytest.raises(ProtocolError):
        hpke.open_base(KEM_X25519, r.secret, enc[:31], info, aad, ct)
    with pytest.raises(ProtocolError):
        hpke.open_base(0x0099, r.secret, enc, info, aad, ct)  # unknown KEM: no downgrade


@pytest.mark.parametrize("i", [0, 1])
def test_xwing_vectors(i: int) -> None:
    v = json.loads((VEC / "xwing.json").read_text())["vectors"][i]
    kem = kem_for(KEM_XWING)
    sk = bytes.fromhex(v["sk"])
    assert kem.public_key(sk).hex() == v["pk"]
    ct = bytes.fromhex(v["ct"])
    assert kem.decap(ct, sk).hex() == v["ss"]
    eseed = bytes.fromhex(v["eseed"])
    # The X25519 half of encapsulation is deterministic: ct_X = X25519(eseed[32:], base).
    assert x25519.X25519PrivateKey.from_private_bytes(eseed[32:]).public_key().public_bytes_raw() == ct[1088:]
    bad = bytearray(ct)
    bad[5] ^= 1  # ML-KEM implicit rejection: a different secret, not an error
    assert kem.decap(bytes(bad), sk).hex() != v["ss"]
    with pytest.raises(ProtocolError):
        kem.decap(ct[:-1], sk)


def _pyca_xwing(seed: bytes) -> pyca_hpke.MLKEM768X25519PrivateKey:
    ex = hashlib.shake_256(seed).digest(96)
    return pyca_hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.from_seed_bytes(ex[:64]),
        x25519.X25519PrivateKey.from_private_bytes(ex[64:]))


@pytest.mark.parametrize("kem_id", [KEM_X25519, KEM_XWING])
def test_interop_with_pyca_hpke(kem_id: int) -> None:
    kem = kem_for(kem_id)
    kp = kem.derive_key_pair(os.urandom(32))
    if kem_id == KEM_X25519:
        theirs = pyca_hpke.Suite(pyca_hpke.KEM.X25519, pyca_hpke.KDF.HKDF_SHA256,
                                 pyca_hpke.AEAD.CHACHA20_POLY1305)
        their_sk = x25519.X25519PrivateKey.from_private_bytes(kp.secret)
    else:
        theirs = pyca_hpke.Suite(pyca_hpke.KEM.MLKEM768_X25519, pyca_hpke.KDF.HKDF_SHA256,
                                 pyca_hpke.AEAD.CHACHA20_POLY1305)
        their_sk = _pyca_xwing(kp.secret)
    n = kem.n_enc
    c = theirs.encrypt(b"from pyca", their_sk.public_key(), info=b"tysha test")
    assert hpke.open_base(kem_id, kp.secret, c[:n], b"tysha test", b"", c[n:]) == b"from pyca"
    enc, ct = hpke.seal_base(kem_id, kp.public, b"tysha test", b"", b"from tysha", os.urandom(32))
    assert theirs.decrypt(enc + ct, their_sk, info=b"tysha test") == b"from tysha"


def test_xwing_derive_key_pair_vectors() -> None:
    """DeriveKeyPair(ikm) = GenerateKeyPairDerand(SHAKE256(ikm, 32)), any ikm length."""
    doc = json.loads((VEC / "xwing_derive.json").read_text())
    kem = kem_for(KEM_XWING)
    assert [len(v["ikm"]) // 2 for v in doc["vectors"]] == [0, 32, 32, 100]
    for v in doc["vectors"]:
        ikm = bytes.fromhex(v["ikm"])
        kp = kem.derive_key_pair(ikm)
        assert kp.secret.hex() == v["sk"] == hashlib.shake_256(ikm).hexdigest(32)
        assert hashlib.sha256(kp.public).hexdigest() == v["pk_sha256"]
        assert kem.public_key(kp.secret) == kp.public


def test_xwing_derive_is_not_the_identity_on_a_seed() -> None:
    """The draft's Appendix C sk is a GenerateKeyPairDerand seed: deriving from it as ikm
    must give another key (the old code treated ikm as the seed)."""
    v = json.loads((VEC / "xwing.json").read_text())["vectors"][0]
    kem = kem_for(KEM_XWING)
    sk = bytes.fromhex(v["sk"])
    assert kem.generate_derand(sk).public.hex() == v["pk"]  # type: ignore[attr-defined]
    assert kem.derive_key_pair(sk).public.hex() != v["pk"]
    with pytest.raises(ProtocolError):
        kem.derive_key_pair("not bytes")  # type: ignore[arg-type]
