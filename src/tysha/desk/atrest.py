"""At-rest sealing on the desk: the pure core's construction (:mod:`tysha.protocol.atrest`,
which documents it and carries its vectors) with the nonce drawn here, at the edge.

* key derivation: keyed BLAKE2b (RFC 7693), personalisation ``"tysha-desk-v1"``;
* sealing: XChaCha20-Poly1305 with a random 24-byte nonce, ``nonce || ciphertext || tag``; the
  associated data binds each item to where it is stored (``"<table>:<row id>"``).

Every failure to open (truncated, bit-flipped, wrong key, wrong associated data) is one
:class:`~tysha.errors.VerificationError`: no oracle on which check failed.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol import atrest as _core

__all__ = ["NONCE_SIZE", "OVERHEAD", "PERSON", "derive", "open_sealed", "seal"]

PERSON = _core.DESK_PERSON
NONCE_SIZE = _core.NONCE_SIZE
OVERHEAD = _core.OVERHEAD


def derive(key: bytes, label: bytes) -> bytes:
    """A 32-byte subkey of ``key`` for ``label`` (keyed BLAKE2b, RFC 7693)."""
    return _core.derive_key(key, label, PERSON)


def seal(
    key: bytes, aad: bytes, plaintext: bytes, rand: Callable[[int], bytes] = os.urandom
) -> bytes:
    """``nonce || XChaCha20-Poly1305(key, nonce, aad, plaintext)`` with a fresh nonce."""
    nonce = rand(NONCE_SIZE)
    if len(nonce) != NONCE_SIZE:
        raise ValueError("the random source gave a short nonce")
    return _core.seal(key, aad, plaintext, nonce)


def open_sealed(key: bytes, aad: bytes, sealed: bytes) -> bytes:
    """The plaintext of :func:`seal`'s output; VerificationError if anything differs."""
    try:
        return _core.open_sealed(key, aad, sealed)
    except (ProtocolError, VerificationError):
        raise VerificationError(
            "a stored item does not decrypt: it is damaged, or it belongs to another desk",
            hint="restore the desk folder from your backup",
        ) from None
