"""Identity keys: Ed25519 signing, a KEM key (X-Wing by default) and an X25519 clue key.

An :class:`Identity` is three 32-byte secrets; its :class:`PublicIdentity` is what an
invitation or a report carries. Keys are generated from randomness passed in.

Fingerprints, for people to compare aloud or on paper, are 30 decimal digits in six groups of
five, derived like Signal's safety numbers: SHA-256 over a domain label and the deterministic
CBOR of the public identity; each 5-byte slice of the digest taken modulo 100000. That is
about 100 bits: enough against a forged look-alike key (THREAT_MODEL A8, A9).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import cbor
from tysha.protocol.kem import KEM_XWING, kem_for, x25519_public

__all__ = [
    "Identity",
    "PublicIdentity",
    "Rand",
    "sign_message",
    "verify_signature",
]

#: A source of randomness: ``rand(n)`` returns ``n`` uniformly random bytes. The pure core
#: never calls ``os.urandom`` itself; applications pass it in, tests pass a fixed generator.
Rand = Callable[[int], bytes]

_KEY_TEXT_PREFIX = "tysha-key1:"


def sign_message(seed: bytes, domain: bytes, message: bytes) -> bytes:
    """Ed25519 signature over ``domain || 0x00 || message`` (domain-separated)."""
    return ed25519.Ed25519PrivateKey.from_private_bytes(seed).sign(domain + b"\x00" + message)


def verify_signature(public: bytes, domain: bytes, message: bytes, signature: bytes) -> None:
    """Raise ``VerificationError`` unless ``signature`` is valid; never returns False."""
    try:
        key = ed25519.Ed25519PublicKey.from_public_bytes(public)
        key.verify(signature, domain + b"\x00" + message)
    except (InvalidSignature, ValueError):
        raise VerificationError(
            f"Ed25519 signature over {domain.decode(errors='replace')} does not verify"
        ) from None


@dataclass(frozen=True)
class PublicIdentity:
    """The public half of an identity: what others pin and seal to."""

    sign: bytes
    kem_id: int
    kem: bytes
    clue: bytes

    def __post_init__(self) -> None:
        if len(self.sign) != 32 or len(self.clue) != 32:
            raise ProtocolError("signing and clue keys must be 32 bytes")
        if len(self.kem) != kem_for(self.kem_id).n_pk:
            raise ProtocolError("KEM public key has the wrong length for its KEM")

    def to_obj(self) -> dict[int, object]:
        return {0: self.sign, 1: self.kem_id, 2: self.kem, 3: self.clue}

    @classmethod
    def from_obj(cls, obj: object) -> PublicIdentity:
        if not isinstance(obj, dict) or set(obj) != {0, 1, 2, 3}:
            raise ProtocolError("malformed public identity")
        sign, kem_id, kem, clue = obj[0], obj[1], obj[2], obj[3]
        if not (
            isinstance(sign, bytes)
            and isinstance(kem_id, int)
            and isinstance(kem, bytes)
            and isinstance(clue, bytes)
        ):
            raise ProtocolError("malformed public identity")
        return cls(sign, kem_id, kem, clue)

    def to_bytes(self) -> bytes:
        return cbor.encode(self.to_obj())

    @classmethod
    def from_bytes(cls, data: bytes) -> PublicIdentity:
        return cls.from_obj(cbor.decode(data, max_items=8, max_depth=2))

    def to_text(self) -> str:
        """A copy-and-paste form: ``tysha-key1:`` and unpadded base64url."""
        raw = base64.urlsafe_b64encode(self.to_bytes()).rstrip(b"=")
        return _KEY_TEXT_PREFIX + raw.decode()

    @classmethod
    def from_text(cls, text: str) -> PublicIdentity:
        text = "".join(text.split())
        if not text.startswith(_KEY_TEXT_PREFIX):
            raise ProtocolError(f"a public key starts with {_KEY_TEXT_PREFIX!r}")
        body = text[len(_KEY_TEXT_PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except ValueError:
            raise ProtocolError("public key text is not valid base64url") from None
        return cls.from_bytes(raw)

    def fingerprint(self) -> str:
        """Thirty digits in six groups of five, for people to compare."""
        digest = hashlib.sha256(b"tysha fingerprint v1\x00" + self.to_bytes()).digest()
        groups = [int.from_bytes(digest[i : i + 5], "big") % 100000 for i in range(0, 30, 5)]
        return " ".join(f"{g:05d}" for g in groups)

    def key_id(self) -> bytes:
        """A stable 16-byte handle for storage (never shown as an identity)."""
        return hashlib.sha256(b"tysha key id v1\x00" + self.to_bytes()).digest()[:16]

    def verify(self, domain: bytes, message: bytes, signature: bytes) -> None:
        verify_signature(self.sign, domain, message, signature)


@dataclass(frozen=True)
class Identity:
    """A private identity: Ed25519 seed, KEM secret (X-Wing seed) and X25519 clue scalar."""

    sign_seed: bytes
    kem_id: int
    kem_secret: bytes
    clue_secret: bytes

    @classmethod
    def generate(cls, rand: Rand, kem_id: int = KEM_XWING) -> Identity:
        kem = kem_for(kem_id)
        return cls(rand(32), kem_id, kem.derive_key_pair(rand(32)).secret, rand(32))

    def public(self) -> PublicIdentity:
        return self._public

    @cached_property
    def _public(self) -> PublicIdentity:
        sign_pub = (
            ed25519.Ed25519PrivateKey.from_private_bytes(self.sign_seed)
            .public_key()
            .public_bytes_raw()
        )
        kem_pub = kem_for(self.kem_id).public_key(self.kem_secret)
        clue_pub = x25519_public(self.clue_secret)
        return PublicIdentity(sign_pub, self.kem_id, kem_pub, clue_pub)

    def sign(self, domain: bytes, message: bytes) -> bytes:
        return sign_message(self.sign_seed, domain, message)

    def to_bytes(self) -> bytes:
        return cbor.encode(
            {0: self.sign_seed, 1: self.kem_id, 2: self.kem_secret, 3: self.clue_secret}
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Identity:
        obj = cbor.decode(data, max_items=8, max_depth=2)
        if not isinstance(obj, dict) or set(obj) != {0, 1, 2, 3}:
            raise ProtocolError("malformed private identity")
        a, b, c, d = obj[0], obj[1], obj[2], obj[3]
        if not (
            isinstance(a, bytes)
            and len(a) == 32
            and isinstance(b, int)
            and isinstance(c, bytes)
            and isinstance(d, bytes)
            and len(d) == 32
        ):
            raise ProtocolError("malformed private identity")
        kem_for(b)
        return cls(a, b, c, d)
