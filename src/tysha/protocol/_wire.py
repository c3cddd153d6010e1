"""Field checks shared by the wire objects (internal).

Every check raises ``ProtocolError`` and nothing else, whatever Python value it is given: a
decoded CBOR value can be any of int, bytes, str, bool, None, list or dict, and the parsers
must never let a wrong type escape as ``TypeError``, ``KeyError`` or ``AttributeError``.
"""

from __future__ import annotations

from typing import Any

from tysha.errors import ProtocolError


def expect_map(obj: object, keys: set[int], what: str, version: int = 1) -> dict[Any, Any]:
    """A map with exactly ``keys`` whose key 0 is ``version``."""
    if not isinstance(obj, dict):
        raise ProtocolError(f"{what} is not a map")
    v = obj.get(0)
    if type(v) is not int or v != version:
        shown = v if type(v) is int else type(v).__name__
        raise ProtocolError(f"unsupported {what} version {shown}")
    if set(obj) != keys:
        raise ProtocolError(f"{what} has missing or unknown fields")
    return obj


def typed(value: object, typ: type | tuple[type, ...], what: str) -> Any:
    """``value`` if it is of ``typ`` (a bool is never accepted as an int)."""
    if not isinstance(value, typ) or (isinstance(value, bool) and bool not in _as_tuple(typ)):
        raise ProtocolError(f"{what} has the wrong type")
    return value


def _as_tuple(typ: type | tuple[type, ...]) -> tuple[type, ...]:
    return typ if isinstance(typ, tuple) else (typ,)


def integer(value: object, what: str, lo: int, hi: int) -> int:
    if type(value) is not int:
        raise ProtocolError(f"{what} is not an integer")
    if not lo <= value <= hi:
        raise ProtocolError(f"{what} is out of range")
    return value


def text(value: object, what: str, max_chars: int, *, empty: bool = True) -> str:
    """A text string of at most ``max_chars`` characters, without NUL."""
    if type(value) is not str:
        raise ProtocolError(f"{what} is not text")
    if len(value) > max_chars:
        raise ProtocolError(f"{what} is longer than {max_chars} characters")
    if not empty and not value:
        raise ProtocolError(f"{what} is empty")
    if "\x00" in value:
        raise ProtocolError(f"{what} holds a NUL character")
    return value


def fixed_bytes(value: object, what: str, length: int) -> bytes:
    if type(value) is not bytes or len(value) != length:
        raise ProtocolError(f"{what} must be {length} bytes")
    return value


def uvarint(n: int) -> bytes:
    """The minimal unsigned LEB128 encoding of ``n >= 0`` (what :func:`read_uvarint` reads)."""
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if not n:
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def read_uvarint(data: bytes, pos: int, what: str) -> tuple[int, int]:
    """An unsigned LEB128 varint (7 bits a byte, low first) at ``pos`` of ``data``: ``(value,
    position after it)``. Only the minimal encoding of at most 64 bits is accepted (a trailing
    zero byte, or more than nine continuation bytes, is a ``ProtocolError``), so a record has
    one encoding; ``what`` names the listing in the error."""
    value = shift = 0
    start = pos
    while True:
        if pos >= len(data):
            raise ProtocolError(f"{what} truncated in a varint")
        b = data[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
        if shift > 63:
            raise ProtocolError("varint too long")
    if pos - start > 1 and data[pos - 1] == 0:
        raise ProtocolError(f"non-minimal varint in {what}")
    return value, pos

