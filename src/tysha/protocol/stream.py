"""Chunked authenticated encryption of a payload (the STREAM construction).

This is the online AEAD of Hoang, Reyhanitabar, Rogaway and Vizár ("Online
Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015, §7), in the
instantiation the age format uses (C2SP age, "payload"): ChaCha20-Poly1305 (RFC 8439) over
64 KiB chunks; the 12-byte nonce of chunk ``i`` is ``i`` as an 11-byte big-endian counter
followed by one byte that is 0x01 for the final chunk and 0x00 otherwise. Every chunk is
authenticated on its own, so a 1 GiB payload seals and opens in flat memory, and truncation,
reordering or appending chunks are all detected:

* a chunk moved to another position fails (its counter is wrong);
* a stream cut after a non-final chunk fails (the last chunk seen was not flagged final);
* data after the final chunk fails.

Each key is used for one stream only: the payload key is derived fresh for every envelope.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from tysha.errors import ProtocolError, VerificationError

__all__ = ["CHUNK_SIZE", "TAG_SIZE", "StreamOpener", "StreamSealer", "ciphertext_length"]

CHUNK_SIZE = 64 * 1024
TAG_SIZE = 16
_MAX_CHUNKS = 1 << 40


def _nonce(counter: int, last: bool) -> bytes:
    if counter >= _MAX_CHUNKS:
        raise ProtocolError("payload has too many chunks")
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def ciphertext_length(plaintext_length: int) -> int:
    """Bytes on the wire for a payload of ``plaintext_length`` (> 0) bytes."""
    chunks = max(1, -(-plaintext_length // CHUNK_SIZE))
    return plaintext_length + chunks * TAG_SIZE


class StreamSealer:
    """Seal chunks in order; every chunk but the last must be exactly CHUNK_SIZE bytes."""

    __slots__ = ("_aead", "_counter", "_done")

    def __init__(self, key: bytes) -> None:
        self._aead = ChaCha20Poly1305(key)
        self._counter = 0
        self._done = False

    def seal(self, chunk: bytes | memoryview, last: bool) -> bytes:
        if self._done:
            raise ProtocolError("stream already finished")
        if not last and len(chunk) != CHUNK_SIZE:
            raise ProtocolError("only the final chunk may be shorter than CHUNK_SIZE")
        if last and not 0 < len(chunk) <= CHUNK_SIZE:
            raise ProtocolError("the final chunk must hold 1 to CHUNK_SIZE bytes")
        ct = self._aead.encrypt(_nonce(self._counter, last), chunk, None)
        self._counter += 1
        self._done = last
        return ct


class StreamOpener:
    """Open chunks in order; ``finish()`` checks that the final chunk was seen."""

    __slots__ = ("_aead", "_counter", "_done")

    def __init__(self, key: bytes) -> None:
        self._aead = ChaCha20Poly1305(key)
        self._counter = 0
        self._done = False

    def open(self, chunk: bytes | memoryview, last: bool) -> bytes:
        nonce = self._check(chunk, last)
        try:
            pt = self._aead.decrypt(nonce, chunk, None)
        except InvalidTag:
            raise self._forged() from None
        self._counter += 1
        self._done = last
        return pt

    def _check(self, chunk: bytes | memoryview, last: bool) -> bytes:
        """The next chunk's nonce, once its place and size are possible."""
        if self._done:
            raise VerificationError("data after the final chunk of the payload")
        if len(chunk) <= TAG_SIZE or len(chunk) > CHUNK_SIZE + TAG_SIZE:
            raise ProtocolError("payload chunk has an impossible size")
        return _nonce(self._counter, last)

    def _forged(self) -> VerificationError:
        return VerificationError(
            f"payload chunk {self._counter} does not authenticate (altered, reordered, "
            "truncated or wrong key)"
        )

    def open_into(self, chunk: bytes | memoryview, last: bool, out: memoryview) -> None:
        """:meth:`open`, writing the plaintext into ``out`` (exactly ``len(chunk) - TAG_SIZE``
        bytes, e.g. a view of one buffer for the whole payload) instead of a new object. If it
        raises, ``out`` may hold unauthenticated bytes: the caller must discard it."""
        nonce = self._check(chunk, last)
        try:
            self._aead.decrypt_into(nonce, chunk, None, out)
        except InvalidTag:
            raise self._forged() from None
        self._counter += 1
        self._done = last

    def finish(self) -> None:
        if not self._done:
            raise VerificationError("payload is truncated: the final chunk is missing")
