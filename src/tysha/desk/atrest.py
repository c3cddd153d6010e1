"""At-rest sealing for the desk: the ONE place this construction lives on the desk side.

Construction (byte-compatible with every desk written so far; ``tysha.protocol.atrest`` is
to replace this module with the same bytes):

* key derivation: keyed BLAKE2b (RFC 7693) with a 32-byte output, the parent key as the
  BLAKE2b key, the label as the message and ``"tysha-desk-v1"`` (zero-padded to 16 bytes) as
  the personalisation string: ``derive(key, label)``;
* sealing: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03, the AEAD of RFC 8439 with a
  192-bit nonce) with a random 24-byte nonce: ``seal = nonce || ciphertext || tag``. The
  associated data binds each item to where it is stored (``"<table>:<row id>"``), so rows
  cannot be swapped or moved.

Every failure to open (truncated, bit-flipped, wrong key, wrong associated data) is one
:class:`~tysha.errors.VerificationError`: no oracle on which check failed.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_generichash_blake2b_salt_personal,
)
from nacl.exceptions import CryptoError

from tysha.errors import VerificationError

__all__ = ["NONCE_SIZE", "OVERHEAD", "PERSON", "derive", "open_sealed", "seal"]

PERSON = b"tysha-desk-v1\x00\x00\x00"
NONCE_SIZE = 24
OVERHEAD = NONCE_SIZE + 16


def derive(key: bytes, label: bytes) -> bytes:
    """A 32-byte subkey of ``key`` for ``label`` (keyed BLAKE2b, RFC 7693)."""
    return bytes(
        crypto_generichash_blake2b_salt_personal(label, digest_size=32, key=key, person=PERSON)
    )


def seal(
    key: bytes, aad: bytes, plaintext: bytes, rand: Callable[[int], bytes] = os.urandom
) -> bytes:
    """``nonce || XChaCha20-Poly1305(key, nonce, aad, plaintext)``."""
    nonce = rand(NONCE_SIZE)
    if len(nonce) != NONCE_SIZE:
        raise ValueError("the random source gave a short nonce")
    return nonce + bytes(crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key))


def open_sealed(key: bytes, aad: bytes, sealed: bytes) -> bytes:
    """The plaintext of :func:`seal`'s output; VerificationError if anything differs."""
    if len(sealed) < OVERHEAD:
        raise VerificationError("a stored item does not decrypt: wrong key or corrupted desk")
    try:
        return bytes(
            crypto_aead_xchacha20poly1305_ietf_decrypt(
                sealed[NONCE_SIZE:], aad, sealed[:NONCE_SIZE], key
            )
        )
    except CryptoError:
        raise VerificationError(
            "a stored item does not decrypt: wrong key or corrupted desk"
        ) from None
