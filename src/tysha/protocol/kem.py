"""Key encapsulation: DHKEM(X25519, HKDF-SHA256) and X-Wing (ML-KEM-768 + X25519).

DHKEM(X25519, HKDF-SHA256) follows RFC 9180 §4.1 and §7.1 (KEM id 0x0020), including
``DeriveKeyPair`` (§7.1.3), so the RFC's Appendix A vectors reproduce byte for byte.

X-Wing follows draft-connolly-cfrg-xwing-kem (the CFRG hybrid combiner; HPKE KEM id 0x647a,
named MLKEM768-X25519 in draft-ietf-hpke-pq):

* the private key is a 32-byte seed; ``SHAKE256(seed, 96)`` gives the ML-KEM-768 key seed
  ``d || z`` (64 bytes) and the X25519 private key (32 bytes);
* ``pk = pk_M (1184) || pk_X (32)``, ``ct = ct_M (1088) || ct_X (32)``;
* ``ss = SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel)`` with ``XWingLabel = "\\.//^\\"``.

The primitives come from pyca/cryptography (ML-KEM-768, HKDF, HMAC) and libsodium (X25519);
SHAKE256 and SHA3-256 from the standard library's OpenSSL-backed ``hashlib``.
Randomness is always passed in, with one exception we cannot avoid: pyca/cryptography offers no
derandomised ML-KEM encapsulation, so the ML-KEM half of an X-Wing encapsulation draws its 32
bytes of randomness from the library's CSPRNG. Decapsulation, key derivation and the X25519
half are deterministic and are checked against the draft's Appendix C vectors.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import mlkem
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from nacl.bindings import crypto_scalarmult, crypto_scalarmult_base

from tysha.errors import ProtocolError, VerificationError

__all__ = [
    "KEM_X25519",
    "KEM_XWING",
    "Kem",
    "KemKeyPair",
    "kem_for",
    "hmac_sha256",
    "labeled_expand",
    "x25519_public",
    "x25519_shared",
    "labeled_extract",
]

KEM_X25519 = 0x0020
KEM_XWING = 0x647A

_HPKE_V1 = b"HPKE-v1"
_XWING_LABEL = b"\\.//^\\"


_SHA256 = hashes.SHA256()


def hmac_sha256(key: bytes, msg: bytes) -> bytes:
    """HMAC-SHA256 (RFC 2104) through pyca/cryptography."""
    h = hmac.HMAC(key, _SHA256)
    h.update(msg)
    return h.finalize()


def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    """HKDF-Extract with SHA-256 (RFC 5869 §2.2); an empty salt is HashLen zeros."""
    return hmac_sha256(salt if salt else b"\x00" * 32, ikm)


def hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    """HKDF-Expand with SHA-256 (RFC 5869 §2.3). Up to HashLen (32) bytes it is the first
    block alone, ``T(1) = HMAC(PRK, info || 0x01)``, computed here as one HMAC: every
    key this package derives is that short."""
    if 0 < length <= 32 and len(prk) >= 32:
        return hmac_sha256(prk, info + b"\x01")[:length]
    return HKDFExpand(_SHA256, length, info).derive(prk)


def labeled_extract(suite_id: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    """RFC 9180 §4 LabeledExtract."""
    return hkdf_extract(salt, _HPKE_V1 + suite_id + label + ikm)


def labeled_expand(suite_id: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    """RFC 9180 §4 LabeledExpand."""
    labeled_info = struct.pack(">H", length) + _HPKE_V1 + suite_id + label + info
    return hkdf_expand(prk, labeled_info, length)


def x25519_shared(private: bytes, public: bytes) -> bytes:
    """X25519 (RFC 7748 §5) through libsodium; an all-zero result (a low-order public key,
    §6.1) is refused by the library and raised as ``VerificationError``."""
    if len(private) != 32 or len(public) != 32:
        raise ProtocolError("X25519 keys are 32 bytes")
    try:
        return bytes(crypto_scalarmult(private, public))
    except Exception:  # nacl raises its own RuntimeError subclass
        raise VerificationError("X25519 key agreement failed (invalid public key)") from None


def x25519_public(private: bytes) -> bytes:
    """The X25519 public key of a 32-byte private scalar (libsodium's fixed-base multiply)."""
    return bytes(crypto_scalarmult_base(private))


_x25519 = x25519_shared
_x25519_public = x25519_public


@lru_cache(maxsize=64)
def _mlkem_public(public: bytes) -> mlkem.MLKEM768PublicKey:
    """The parsed ML-KEM-768 half (the first 1184 bytes) of an X-Wing public key, kept for
    the recipients sealed to most recently: parsing (and checking) it costs about a third of
    an encapsulation. Keyed by the whole public key, the object a recipient's identity holds,
    whose hash Python keeps: no slice is copied and hashed on every seal. A key that fails to
    parse raises and is not kept."""
    return mlkem.MLKEM768PublicKey.from_public_bytes(public[:1184])


@dataclass(frozen=True)
class KemKeyPair:
    """A KEM key pair: ``secret`` is the seed or scalar, ``public`` the encoded public key."""

    secret: bytes
    public: bytes


class Kem:
    """The interface both KEMs implement (RFC 9180 §4)."""

    kem_id: int
    n_secret: int
    n_enc: int
    n_pk: int
    n_sk: int
    #: Bytes of randomness ``encap`` takes.
    n_rand: int

    def derive_key_pair(self, ikm: bytes) -> KemKeyPair:
        raise NotImplementedError

    def public_key(self, secret: bytes) -> bytes:
        """The public key of a private key (as stored in ``KemKeyPair.secret``)."""
        raise NotImplementedError

    def encap(self, public: bytes, rand: bytes) -> tuple[bytes, bytes]:
        """Return ``(shared_secret, enc)``."""
        raise NotImplementedError

    def decap(self, enc: bytes, secret: bytes) -> bytes:
        raise NotImplementedError

    def lookalike_enc(self, rand: bytes) -> bytes:
        """An ``enc`` for a look-alike slot (:mod:`tysha.protocol.envelope`): a real
        encapsulation to a key pair made from the 32 bytes ``rand`` and forgotten, so that it
        is distributed as a real slot's ``enc`` is; its shared secret is not computed."""
        raise NotImplementedError

    def _check_public(self, public: bytes) -> None:
        if len(public) != self.n_pk:
            raise ProtocolError(f"public key must be {self.n_pk} bytes, got {len(public)}")

    def _check_enc(self, enc: bytes) -> None:
        if len(enc) != self.n_enc:
            raise ProtocolError(f"encapsulation must be {self.n_enc} bytes, got {len(enc)}")


class DhKemX25519(Kem):
    """DHKEM(X25519, HKDF-SHA256), RFC 9180 §4.1."""

    kem_id = KEM_X25519
    n_secret = 32
    n_enc = 32
    n_pk = 32
    n_sk = 32
    n_rand = 32
    _suite_id = b"KEM" + struct.pack(">H", KEM_X25519)

    def derive_key_pair(self, ikm: bytes) -> KemKeyPair:
        # §7.1.3: for X25519 the scalar is LabeledExpand(dkp_prk, "sk", "", 32); clamping is
        # applied by X25519 itself.
        dkp_prk = labeled_extract(self._suite_id, b"", b"dkp_prk", ikm)
        sk = labeled_expand(self._suite_id, dkp_prk, b"sk", b"", 32)
        return KemKeyPair(sk, _x25519_public(sk))

    def public_key(self, secret: bytes) -> bytes:
        return _x25519_public(secret)

    def _extract_and_expand(self, dh: bytes, kem_context: bytes) -> bytes:
        eae_prk = labeled_extract(self._suite_id, b"", b"eae_prk", dh)
        return labeled_expand(self._suite_id, eae_prk, b"shared_secret", kem_context, 32)

    def encap(self, public: bytes, rand: bytes) -> tuple[bytes, bytes]:
        self._check_public(public)
        eph = self.derive_key_pair(rand)
        dh = _x25519(eph.secret, public)
        enc = eph.public
        return self._extract_and_expand(dh, enc + public), enc

    def decap(self, enc: bytes, secret: bytes) -> bytes:
        self._check_enc(enc)
        dh = _x25519(secret, enc)
        return self._extract_and_expand(dh, enc + _x25519_public(secret))

    def lookalike_enc(self, rand: bytes) -> bytes:
        """The ``enc`` that :meth:`encap` with this ``rand`` gives whatever the recipient:
        the public key of the ephemeral pair ``DeriveKeyPair(rand)``."""
        if len(rand) != 32:
            raise ProtocolError("a look-alike takes 32 bytes of randomness")
        return self.derive_key_pair(rand).public


def _xwing_expand(seed: bytes) -> tuple[mlkem.MLKEM768PrivateKey, bytes, bytes]:
    """An X-Wing seed's ML-KEM-768 private key, X25519 private key and X25519 public key:
    ``SHAKE256(seed, 96)`` split 64 / 32 (module docstring)."""
    if len(seed) != 32:
        raise ProtocolError("an X-Wing private key is a 32-byte seed")
    expanded = hashlib.shake_256(seed).digest(96)
    sk_m = mlkem.MLKEM768PrivateKey.from_seed_bytes(expanded[:64])
    sk_x = expanded[64:96]
    return sk_m, sk_x, _x25519_public(sk_x)


class XWing(Kem):
    """X-Wing, draft-connolly-cfrg-xwing-kem; KEM id 0x647a in HPKE."""

    kem_id = KEM_XWING
    n_secret = 32
    n_enc = 1120
    n_pk = 1216
    n_sk = 32
    n_rand = 32

    #: :func:`_xwing_expand`, kept for the keys used again and again (a desk's, a vault's).
    _expand = staticmethod(lru_cache(maxsize=64)(_xwing_expand))

    def derive_key_pair(self, ikm: bytes) -> KemKeyPair:
        """HPKE ``DeriveKeyPair`` for X-Wing: ``GenerateKeyPairDerand(SHAKE256(ikm, 32))``.

        As draft-connolly-cfrg-xwing-kem -06 to -10 define it ("Use in HPKE", §5.6): ``ikm``
        of any length is hashed to the 32-byte seed that is the private key. (Not the
        ``LabeledDerive`` form of draft-ietf-hpke-pq, which derives different keys.) The
        draft has no vector for this step; ``tests/vectors/protocol/xwing_derive.json`` holds
        ours, and ``GenerateKeyPairDerand`` itself is checked against Appendix C."""
        if not isinstance(ikm, (bytes, bytearray)):
            raise ProtocolError("X-Wing key derivation takes bytes")
        seed = hashlib.shake_256(bytes(ikm)).digest(32)
        return self.generate_derand(seed)

    def generate_derand(self, seed: bytes) -> KemKeyPair:
        """``GenerateKeyPairDerand(seed)``: the 32-byte seed is the private key."""
        sk_m, _sk_x, pk_x = self._expand(seed)
        return KemKeyPair(seed, sk_m.public_key().public_bytes_raw() + pk_x)

    def public_key(self, secret: bytes) -> bytes:
        return self.generate_derand(secret).public

    @staticmethod
    def _combine(ss_m: bytes, ss_x: bytes, ct_x: bytes, pk_x: bytes) -> bytes:
        return hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + _XWING_LABEL).digest()

    def encap(self, public: bytes, rand: bytes) -> tuple[bytes, bytes]:
        self._check_public(public)
        if len(rand) != 32:
            raise ProtocolError("X-Wing encapsulation takes 32 bytes of randomness")
        public = bytes(public)  # the same object if it is bytes (the cache key)
        pk_x = public[1184:]
        try:
            ss_m, ct_m = _mlkem_public(public).encapsulate()
        except ValueError as exc:
            raise ProtocolError("invalid ML-KEM-768 public key") from exc
        ct_x = _x25519_public(rand)
        ss_x = _x25519(rand, pk_x)
        return self._combine(ss_m, ss_x, ct_x, pk_x), ct_m + ct_x

    def decap(self, enc: bytes, secret: bytes) -> bytes:
        self._check_enc(enc)
        sk_m, sk_x, pk_x = self._expand(secret)
        ct_m, ct_x = enc[:1088], enc[1088:]
        try:
            ss_m = sk_m.decapsulate(ct_m)
        except ValueError as exc:
            raise VerificationError("ML-KEM decapsulation failed") from exc
        ss_x = _x25519(sk_x, ct_x)
        return self._combine(ss_m, ss_x, ct_x, pk_x)

    def lookalike_enc(self, rand: bytes) -> bytes:
        """``ct_M || ct_X`` of an encapsulation to the key pair of seed ``rand``
        (``GenerateKeyPairDerand``): ``ct_M`` an ML-KEM-768 encapsulation to its ``pk_M``,
        ``ct_X`` its ``pk_X`` (a fresh X25519 public key, as an ephemeral one is). Nothing
        is cached (a look-alike's pair serves once). The page's ``core.js`` takes ML-KEM's
        32-byte message from bytes 96-127 of the same ``SHAKE256(rand)``; pyca/cryptography
        draws its own (module docstring)."""
        if len(rand) != 32:
            raise ProtocolError("a look-alike takes 32 bytes of randomness")
        sk_m, _sk_x, pk_x = _xwing_expand(rand)  # not cached: its pair serves once
        _ss, ct_m = sk_m.public_key().encapsulate()
        return ct_m + pk_x


_KEMS: dict[int, Kem] = {KEM_X25519: DhKemX25519(), KEM_XWING: XWing()}


def kem_for(kem_id: int) -> Kem:
    """The KEM for an id; unknown ids are a ``ProtocolError`` (no silent downgrade)."""
    try:
        return _KEMS[kem_id]
    except KeyError:
        raise ProtocolError(f"unknown KEM id 0x{kem_id:04x}") from None
