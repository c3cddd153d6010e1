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
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from tysha.errors import VerificationError
from tysha.protocol.kem import Kem, hmac_sha256, kem_for, labeled_expand, labeled_extract

__all__ = ["AEAD_CHACHA20POLY1305", "KDF_HKDF_SHA256", "Context", "open_base", "seal_base"]

KDF_HKDF_SHA256 = 0x0001
AEAD_CHACHA20POLY1305 = 0x0003
_MODE_BASE = 0x00
_HPKE_V1 = b"HPKE-v1"
_SHA256 = hashes.SHA256()


class Context:
    """The result of the key schedule (§5.1): what the AEAD needs for each message.

    ``exporter_secret`` (§5.3) is derived when first read: Tysha never exports, and skipping
    one HKDF-Expand per slot is measurable on the envelope's hot path."""

    __slots__ = ("_context", "_exporter", "_secret", "_sid", "base_nonce", "key")

    def __init__(
        self, key: bytes, base_nonce: bytes, sid: bytes, secret: bytes, context: bytes
    ) -> None:
        self.key = key
        self.base_nonce = base_nonce
        self._sid = sid
        self._secret = secret
        self._context = context
        self._exporter: bytes | None = None

    @property
    def exporter_secret(self) -> bytes:
        if self._exporter is None:
            self._exporter = labeled_expand(self._sid, self._secret, b"exp", self._context, 32)
        return self._exporter

    def nonce(self, seq: int) -> bytes:
        """§5.2 ComputeNonce: base_nonce XOR I2OSP(seq, Nn)."""
        if seq == 0:
            return self.base_nonce
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


@lru_cache(maxsize=32)
def _schedule_labels(kem_id: int, info: bytes) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """What §5.1's key schedule for mode_base computes from the suite and ``info`` alone (the
    PSK and its id are empty), computed once per pair: the suite id, the
    ``key_schedule_context``, the labeled input of ``LabeledExtract(shared_secret, "secret",
    "")`` and the labeled infos of ``LabeledExpand(secret, "key" | "base_nonce", context, L)``
    with the 0x01 of HKDF-Expand's single block already appended (both L <= 32)."""
    sid = _suite_id(kem_for(kem_id))
    psk_id_hash = labeled_extract(sid, b"", b"psk_id_hash", b"")
    info_hash = labeled_extract(sid, b"", b"info_hash", info)
    context = bytes((_MODE_BASE,)) + psk_id_hash + info_hash
    secret_input = _HPKE_V1 + sid + b"secret"
    key_info = struct.pack(">H", 32) + _HPKE_V1 + sid + b"key" + context + b"\x01"
    nonce_info = struct.pack(">H", 12) + _HPKE_V1 + sid + b"base_nonce" + context + b"\x01"
    return sid, context, secret_input, key_info, nonce_info


def key_schedule(kem: Kem, shared_secret: bytes, info: bytes) -> Context:
    """§5.1 KeySchedule for mode_base (empty PSK and PSK id).

    Written out for speed, with the same result as the RFC's composition of
    ``LabeledExtract`` and ``LabeledExpand`` (the Appendix A vectors check it):
    ``secret = HMAC(shared_secret, "HPKE-v1" || suite_id || "secret")`` (HKDF-Extract with
    salt ``shared_secret`` and the labeled empty IKM); ``key`` and ``base_nonce`` are each one
    HKDF-Expand block keyed by ``secret``, so one keyed HMAC is copied for both."""
    sid, context, secret_input, key_info, nonce_info = _schedule_labels(kem.kem_id, bytes(info))
    secret = hmac_sha256(shared_secret if shared_secret else b"\x00" * 32, secret_input)
    h = hmac.HMAC(secret, _SHA256)
    h2 = h.copy()
    h.update(key_info)
    h2.update(nonce_info)
    return Context(h.finalize(), h2.finalize()[:12], sid, secret, context)


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
