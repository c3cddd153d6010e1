"""Keyed BLAKE2b from libsodium, called through PyNaCl's cffi library without per-call checks.

A detection clue is one keyed, personalised BLAKE2b of 64 bytes (``envelope.clue_for``),
computed twice per envelope and once per foreign envelope a desk scans. ``nacl.bindings``
checks every argument of every call in Python (an ``ensure`` on each type and length, fresh
salt and personalisation buffers): about 5 us of a 6.3 us call. Here the same libsodium
function, ``crypto_generichash_blake2b_salt_personal`` from the same PyNaCl build, is called
with those checks made once in this module. Nothing is computed here but the argument checks.

PyNaCl has shipped its cffi library as ``nacl._sodium`` since 1.0, but does not document it:
where it is missing or lacks the function, :func:`keyed_blake2b` is the public binding
(:func:`keyed_blake2b_public`), slower and otherwise the same. ``tests/protocol/test_hot_path.py``
checks both against ``nacl.bindings`` on random input and that every size libsodium would
read past is refused before any C call.

Every pointer handed to C is to a ``bytes`` object whose length was checked first.
"""

from __future__ import annotations

from collections.abc import Callable

from nacl.bindings import crypto_generichash_blake2b_salt_personal

from tysha.errors import ProtocolError

__all__ = ["keyed_blake2b", "keyed_blake2b_public"]

#: BLAKE2b's salt when none is given (PyNaCl passes the same 16 zero bytes).
_NO_SALT = bytes(16)


def _check(message: bytes, key: bytes, person: bytes, size: int) -> None:
    if type(message) is not bytes or type(key) is not bytes or type(person) is not bytes:
        raise ProtocolError("BLAKE2b takes bytes")
    if len(person) != 16 or len(key) > 64 or type(size) is not int or not 1 <= size <= 64:
        raise ProtocolError(
            "BLAKE2b takes a 16-byte personalisation, a key of at most 64 bytes, 1 to 64 bytes out"
        )


def keyed_blake2b_public(message: bytes, key: bytes, person: bytes, size: int) -> bytes:
    """Keyed BLAKE2b (RFC 7693) of ``message`` under a key of at most 64 bytes, with a 16-byte
    personalisation and no salt, ``size`` (1 to 64) bytes long, through ``nacl.bindings``."""
    _check(message, key, person, size)
    return bytes(
        crypto_generichash_blake2b_salt_personal(message, digest_size=size, key=key, person=person)
    )


def _direct() -> Callable[[bytes, bytes, bytes, int], bytes] | None:
    """:func:`keyed_blake2b_public` through PyNaCl's cffi library, or None without it."""
    try:
        from nacl._sodium import ffi, lib

        blake2b = lib.crypto_generichash_blake2b_salt_personal
    except (ImportError, AttributeError):
        return None
    new, buffer = ffi.new, ffi.buffer

    def keyed_blake2b(message: bytes, key: bytes, person: bytes, size: int) -> bytes:
        """Keyed BLAKE2b (RFC 7693) of ``message`` under a key of at most 64 bytes, with a
        16-byte personalisation and no salt, ``size`` (1 to 64) bytes long: byte for byte
        what ``nacl.bindings.crypto_generichash_blake2b_salt_personal`` gives."""
        _check(message, key, person, size)
        out = new("unsigned char[]", size)
        blake2b(out, size, message, len(message), key, len(key), _NO_SALT, person)
        digest: bytes = buffer(out, size)[:]
        return digest

    return keyed_blake2b


keyed_blake2b: Callable[[bytes, bytes, bytes, int], bytes] = _direct() or keyed_blake2b_public
