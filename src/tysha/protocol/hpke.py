"""HPKE base mode (RFC 9180 §5.1.1) with HKDF-SHA256 and ChaCha20-Poly1305.

Composed from pyca/cryptography primitives exactly as the RFC specifies, so that the sender's
randomness can be passed in (the pure core draws none of its own) and the RFC's Appendix A.2
vectors reproduce byte for byte. ``tests/protocol/test_hpke.py`` also checks interoperability
with pyca/cryptography's own HPKE implementation in both directions for both KEMs:

* DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20Poly1305 — (0x0020, 0x0001, 0x0003)
* X-Wing (MLKEM768-X25519), HKDF-SHA256, ChaCha20Poly1305 — (0x647a, 0x0001, 0x0003), the
  default: reports must stay secret for decades, beyond the reach of a quantum computer.

Only single-shot use is needed (one message per context, sequence number 0): Tysha wraps a
content key per recipient with it (§9.7 "key wrapping" use).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from tysha.errors import VerificationError
from tysha.protocol.kem import Kem, kem_for, labeled_expand, labeled_extract

__all__ = ["AEAD_CHACHA20POLY1305", "KDF_HKDF_SHA256", "Context", "open_base", "seal_base"]

KDF_HKDF_SHA256 = 0x0001
AEAD_CHACHA20POLY1305 = 0x0003
_MODE_BASE = 0x00


@dataclass(frozen=True)
class Context:
    """The result of the key schedule (§5.1): what the AEAD needs for each message."""

    key: bytes
    base_nonce: bytes
    exporter_secret: bytes

    def nonce(self, seq: int) -> bytes:
        """§5.2 ComputeNonce: base_nonce XOR I2OSP(seq, Nn)."""
        seq_bytes = seq.to_bytes(12, "big")
        return bytes(a ^ b for a, b in zip(self.base_nonce, seq_bytes, strict=True))

    def seal(self, aad: bytes, pt: bytes, seq: int = 0) -> bytes:
        return ChaCha20Poly1305(self.key).encrypt(self.nonce(seq), pt, aad)

    def open(self, aad: bytes, ct: bytes, seq: int = 0) -> bytes:
        try:
            return ChaCha20Poly1305(self.key).decrypt(self.nonce(seq), ct, aad)
        except InvalidTag:
            raise VerificationError("HPKE decryption failed: wrong key or altered data") from None


def _suite_id(kem: Kem) -> bytes:
    return b"HPKE" + struct.pack(">HHH", kem.kem_id, KDF_HKDF_SHA256, AEAD_CHACHA20POLY1305)


def key_schedule(kem: Kem, shared_secret: bytes, info: bytes) -> Context:
    """§5.1 KeySchedule for mode_base (empty PSK and PSK id)."""
    sid = _suite_id(kem)
    psk_id_hash = labeled_extract(sid, b"", b"psk_id_hash", b"")
    info_hash = labeled_extract(sid, b"", b"info_hash", info)
    context = bytes((_MODE_BASE,)) + psk_id_hash + info_hash
    secret = labeled_extract(sid, shared_secret, b"secret", b"")
    key = labeled_expand(sid, secret, b"key", context, 32)
    base_nonce = labeled_expand(sid, secret, b"base_nonce", context, 12)
    exporter_secret = labeled_expand(sid, secret, b"exp", context, 32)
    return Context(key, base_nonce, exporter_secret)


def seal_base(
    kem_id: int, public: bytes, info: bytes, aad: bytes, pt: bytes, rand: bytes
) -> tuple[bytes, bytes]:
    """SetupBaseS + Seal (§5.1.1, §6.1). ``rand`` is the KEM's encapsulation randomness
    (for DHKEM it is ``ikmE``). Returns ``(enc, ct)``."""
    kem = kem_for(kem_id)
    shared_secret, enc = kem.encap(public, rand)
    return enc, key_schedule(kem, shared_secret, info).seal(aad, pt)


def open_base(kem_id: int, secret: bytes, enc: bytes, info: bytes, aad: bytes, ct: bytes) -> bytes:
    """SetupBaseR + Open; any failure is a ``VerificationError``."""
    kem = kem_for(kem_id)
    shared_secret = kem.decap(enc, secret)
    return key_schedule(kem, shared_secret, info).open(aad, ct)
