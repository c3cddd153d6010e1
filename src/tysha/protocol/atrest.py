"""Sealing at rest: the desk store's and the source vault's constructions, as pure functions.

Byte-compatible with what ``tysha.desk.store`` (``_kdf``, ``_seal``, ``_open``, the blob
files) and ``tysha.source.vault`` (``_derive``, ``_seal``, ``_open``, slots and generations)
write today, so either can call these instead, with no migration. Nonces are passed in
(pure core: no randomness of its own). Vectors: ``tests/vectors/protocol/atrest.json``.

**Key derivation** — :func:`derive_key`: keyed BLAKE2b-256 (RFC 7693; libsodium
``crypto_generichash_blake2b_salt_personal``) with the parent key as the BLAKE2b key, the label
as the message, an all-zero salt and a 16-byte *personalisation* naming the store and its
version. The two stores differ only there:

* :data:`DESK_PERSON` = ``"tysha-desk-v1" || 0x00 * 3`` (desk: data key, blob keys);
* :data:`VAULT_PERSON` = ``"tysha-vault-v1" || 0x00 * 2`` (vault: generation keys).

**Item sealing** — :func:`seal` / :func:`open_sealed`: ``nonce (24) || XChaCha20-Poly1305-IETF
(key, nonce, aad, plaintext)`` (draft-irtf-cfrg-xchacha-03 over RFC 8439; libsodium
``crypto_aead_xchacha20poly1305_ietf_*``). There is no version byte in the sealed item: the
version is in the key's personalisation and in the associated data (``table:row`` on the desk,
``"tysha-vault-…" || numbers`` in the vault), so an item under another version, another row or
another key does not open (``VerificationError``).

**Desk blob files** — :func:`seal_blob` / :func:`open_blob` / :class:`BlobSealer`: the key is
``derive_key(data_key, "blob:" || name, DESK_PERSON)``; the bytes are the STREAM construction
of :mod:`tysha.protocol.stream` (64 KiB ChaCha20-Poly1305 chunks, final-chunk flag). An empty
attachment is stored as one chunk holding the single byte ``0x00``; the reader trims with the
attachment's known size.

**Desk keys** — :func:`desk_data_key`: ``derive_key(sign_seed || clue_secret, "data",
DESK_PERSON)``; the identity itself is sealed under ``Argon2id(passphrase, salt)`` with aad
``"tysha-desk-identity"`` (:func:`passphrase_key`, libsodium ``crypto_pwhash``, RFC 9106).

**Vault** — :func:`vault_slot_aad`, :func:`vault_generation_aad`, :func:`vault_body_aad`,
:func:`vault_keys`, :func:`vault_slot_plaintext`: the layout in ``tysha.source.vault``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
    crypto_generichash_blake2b_salt_personal,
)
from nacl.exceptions import CryptoError

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol.stream import CHUNK_SIZE, TAG_SIZE, StreamOpener, StreamSealer

__all__ = [
    "DESK_IDENTITY_AAD",
    "DESK_PERSON",
    "NONCE_SIZE",
    "OVERHEAD",
    "VAULT_PERSON",
    "BlobSealer",
    "derive_key",
    "desk_blob_key",
    "desk_data_key",
    "open_blob",
    "open_blob_chunks",
    "open_sealed",
    "passphrase_key",
    "seal",
    "seal_blob",
    "vault_body_aad",
    "vault_generation_aad",
    "vault_keys",
    "vault_slot_aad",
    "vault_slot_plaintext",
]

DESK_PERSON = b"tysha-desk-v1\x00\x00\x00"
VAULT_PERSON = b"tysha-vault-v1\x00\x00"
DESK_IDENTITY_AAD = b"tysha-desk-identity"
NONCE_SIZE = 24
OVERHEAD = NONCE_SIZE + 16
#: Argon2id cost of a passphrase key (desk key file, source vault): 2 passes over 64 MiB.
#: Neither file records it (a vault must not carry a header that marks it as a vault), so it is
#: one value for every desk and vault; :func:`passphrase_key` reads it when called.
ARGON2_OPS = 2
ARGON2_MEM = 64 * 1024 * 1024


def derive_key(key: bytes, label: bytes, person: bytes) -> bytes:
    """Keyed BLAKE2b-256 of ``label`` under ``key`` with personalisation ``person``."""
    if len(person) != 16 or not 16 <= len(key) <= 64:
        raise ProtocolError("BLAKE2b key derivation needs a 16-64 byte key and a 16-byte person")
    return bytes(
        crypto_generichash_blake2b_salt_personal(label, digest_size=32, key=key, person=person)
    )


def seal(key: bytes, aad: bytes, plaintext: bytes, nonce: bytes) -> bytes:
    """``nonce || XChaCha20-Poly1305(key, nonce, aad, plaintext)``; ``nonce`` fresh, 24 bytes."""
    if len(key) != 32 or len(nonce) != NONCE_SIZE:
        raise ProtocolError("XChaCha20-Poly1305 needs a 32-byte key and a 24-byte nonce")
    return nonce + bytes(crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, key))


def open_sealed(key: bytes, aad: bytes, blob: bytes) -> bytes:
    """Open what :func:`seal` made; ``VerificationError`` for a wrong key, aad or any damage
    (``ProtocolError`` if it is too short to be a sealed item at all)."""
    if len(key) != 32:
        raise ProtocolError("XChaCha20-Poly1305 needs a 32-byte key")
    if len(blob) < OVERHEAD:
        raise ProtocolError("a sealed item is at least 40 bytes")
    try:
        return bytes(
            crypto_aead_xchacha20poly1305_ietf_decrypt(
                bytes(blob[NONCE_SIZE:]), aad, bytes(blob[:NONCE_SIZE]), key
            )
        )
    except CryptoError:
        raise VerificationError(
            "a sealed item does not open: wrong key, another place, or damaged"
        ) from None


def passphrase_key(passphrase: str, salt: bytes, ops: int | None = None,
                   mem: int | None = None) -> bytes:
    """Argon2id (RFC 9106, libsodium ``crypto_pwhash``) of the passphrase: a 32-byte key.

    ``ops``/``mem`` default to :data:`ARGON2_OPS`/:data:`ARGON2_MEM` as they are when called.
    """
    from nacl.pwhash import argon2id

    if len(salt) != 16:
        raise ProtocolError("the Argon2id salt is 16 bytes")
    return bytes(argon2id.kdf(
        32, passphrase.encode("utf-8"), salt,
        opslimit=ARGON2_OPS if ops is None else ops,
        memlimit=ARGON2_MEM if mem is None else mem,
    ))


# --- desk ---------------------------------------------------------------------------------------


def desk_data_key(sign_seed: bytes, clue_secret: bytes) -> bytes:
    """The desk's data key, from its identity's Ed25519 seed and clue secret."""
    return derive_key(sign_seed + clue_secret, b"data", DESK_PERSON)


def desk_blob_key(data_key: bytes, name: str) -> bytes:
    return derive_key(data_key, b"blob:" + name.encode("utf-8"), DESK_PERSON)


class BlobSealer:
    """Seal a blob as it streams: ``write`` and ``close`` return ciphertext to append."""

    def __init__(self, key: bytes) -> None:
        self._sealer = StreamSealer(key)
        self._buf = bytearray()
        self.size = 0

    def write(self, data: bytes) -> bytes:
        self.size += len(data)
        self._buf += data
        out = []
        # Keep at least one byte back: the final chunk must never be empty.
        while len(self._buf) > CHUNK_SIZE:
            out.append(self._sealer.seal(bytes(self._buf[:CHUNK_SIZE]), False))
            del self._buf[:CHUNK_SIZE]
        return b"".join(out)

    def close(self) -> bytes:
        return self._sealer.seal(bytes(self._buf) or b"\x00", True)


def seal_blob(key: bytes, data: bytes) -> bytes:
    s = BlobSealer(key)
    return s.write(data) + s.close()


def open_blob_chunks(key: bytes, blob: Iterable[bytes], size: int | None = None) -> Iterator[bytes]:
    """Open a blob given as its sealed chunks (each ``CHUNK_SIZE + 16`` bytes but the last),
    yielding plaintext; ``size`` trims the empty-blob marker."""
    opener = StreamOpener(key)
    left = size
    chunks = iter(blob)
    chunk = next(chunks, None)
    if chunk is None:
        raise VerificationError("a stored blob is empty: truncated")
    while chunk is not None:
        following = next(chunks, None)
        piece = opener.open(chunk, following is None)
        if left is not None:
            piece = piece[:left]
            left -= len(piece)
        if piece:
            yield piece
        chunk = following
    opener.finish()


def open_blob(key: bytes, blob: bytes, size: int | None = None) -> bytes:
    step = CHUNK_SIZE + TAG_SIZE
    pieces = [blob[i : i + step] for i in range(0, len(blob), step)]
    return b"".join(open_blob_chunks(key, pieces, size))


# --- vault --------------------------------------------------------------------------------------


def vault_slot_aad(slot: int) -> bytes:
    return b"tysha-vault-slot" + bytes((slot,))


def vault_slot_plaintext(compartment_key: bytes, number: int) -> bytes:
    """What a passphrase slot seals: ``key (32) || compartment number (1) || 0x00 * 7``."""
    return compartment_key + bytes((number,)) + bytes(7)


def vault_keys(compartment_key: bytes) -> tuple[bytes, bytes]:
    """(generation-header key, body key) of a compartment."""
    return (
        derive_key(compartment_key, b"header", VAULT_PERSON),
        derive_key(compartment_key, b"body", VAULT_PERSON),
    )


def vault_generation_aad(number: int, generation: int) -> bytes:
    return b"tysha-vault-gen" + bytes((number, generation))


def vault_body_aad(number: int, generation: int, seq: int) -> bytes:
    return b"tysha-vault-body" + bytes((number, generation)) + struct.pack(">Q", seq)
