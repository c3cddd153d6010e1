"""Deterministic CBOR (RFC 8949 §4.2.1) with a strict decoder.

Only the data model Tysha's wire objects need is supported: unsigned and negative integers
(major types 0 and 1, 64-bit), byte strings (2), text strings (3), arrays (4), maps (5) and the
simple values false, true and null (major type 7). No floats, tags or indefinite lengths.

The encoder always emits the core deterministic encoding: shortest argument form, definite
lengths, map keys sorted by the bytewise order of their encodings (§4.2.1). The decoder accepts
exactly that encoding and nothing else, so every object has one byte string and a signature
over it cannot be malleated:

* an argument not in its shortest form, an indefinite length, a tag, a float → ProtocolError
* map keys out of order or duplicated → ProtocolError
* bytes left after the top-level item → ProtocolError
* a string, array or map longer than the caller's limits, or nesting deeper than ``max_depth``
  → ProtocolError (checked before allocating, so hostile lengths cost nothing)
* invalid UTF-8 in a text string → ProtocolError

``decode`` raises nothing but ``ProtocolError`` for any input (a Hypothesis property checks it).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from typing import Union

from tysha.errors import ProtocolError

__all__ = ["CBORValue", "decode", "encode", "encode_bytes_array"]

CBORValue = Union[  # noqa: UP007 (a recursive alias needs the string form)
    int, bytes, str, bool, None, list["CBORValue"], dict["CBORValue", "CBORValue"]
]

_MAX_U64 = (1 << 64) - 1


def _head_form(major: int, arg: int) -> bytes:
    mt = major << 5
    if arg < 24:
        return bytes((mt | arg,))
    if arg <= 0xFF:
        return bytes((mt | 24, arg))
    if arg <= 0xFFFF:
        return bytes((mt | 25,)) + struct.pack(">H", arg)
    if arg <= 0xFFFFFFFF:
        return bytes((mt | 26,)) + struct.pack(">I", arg)
    return bytes((mt | 27,)) + struct.pack(">Q", arg)


#: The heads of every major type for arguments below 256, built once: most of a wire
#: object's heads (small integers, lengths of keys, hashes and clues) come from here.
_HEADS = tuple(tuple(_head_form(m, a) for a in range(256)) for m in range(8))


def _head(major: int, arg: int) -> bytes:
    if arg < 256:
        return _HEADS[major][arg]
    return _head_form(major, arg)


def _encode_into(value: object, out: list[bytes], depth: int) -> None:
    if depth > 64:
        raise ProtocolError("CBOR value nests too deeply to encode")
    # Concrete types first (the common case, without abstract-class checks); other
    # sequences and mappings take the general path below. Same bytes either way.
    if isinstance(value, bytes):
        n = len(value)
        out.append(_HEADS[2][n] if n < 256 else _head_form(2, n))
        out.append(value)
        return
    if isinstance(value, int) and type(value) is int:  # not bool
        if 0 <= value < 256:
            out.append(_HEADS[0][value])
            return
    elif isinstance(value, (list, tuple)):
        out.append(_head(4, len(value)))
        for item in value:
            _encode_into(item, out, depth + 1)
        return
    elif isinstance(value, dict) and all(type(k) is int and 0 <= k < 24 for k in value):
        # Keys 0 to 23 encode as the single bytes 0x00 to 0x17: numeric order is bytewise.
        out.append(_head(5, len(value)))
        for k in sorted(value):
            out.append(_HEADS[0][k])
            _encode_into(value[k], out, depth + 1)
        return
    if value is True:
        out.append(b"\xf5")
    elif value is False:
        out.append(b"\xf4")
    elif value is None:
        out.append(b"\xf6")
    elif isinstance(value, int):
        if value >= 0:
            if value > _MAX_U64:
                raise ProtocolError("integer too large for CBOR")
            out.append(_head(0, value))
        else:
            n = -1 - value
            if n > _MAX_U64:
                raise ProtocolError("integer too small for CBOR")
            out.append(_head(1, n))
    elif isinstance(value, (bytes, bytearray, memoryview)):
        b = bytes(value)
        out.append(_head(2, len(b)))
        out.append(b)
    elif isinstance(value, str):
        b = value.encode("utf-8")
        out.append(_head(3, len(b)))
        out.append(b)
    elif isinstance(value, Mapping):
        items = []
        for k, v in value.items():
            kb: list[bytes] = []
            _encode_into(k, kb, depth + 1)
            items.append((b"".join(kb), v))
        items.sort(key=_first)
        for i in range(1, len(items)):
            if items[i][0] == items[i - 1][0]:
                raise ProtocolError("duplicate map key")
        out.append(_head(5, len(items)))
        for kbytes, v in items:
            out.append(kbytes)
            _encode_into(v, out, depth + 1)
    elif isinstance(value, Sequence):
        out.append(_head(4, len(value)))
        for item in value:
            _encode_into(item, out, depth + 1)
    else:
        raise ProtocolError(f"cannot encode {type(value).__name__} as CBOR")


def _first(kv: tuple[bytes, object]) -> bytes:
    return kv[0]


def encode(value: object) -> bytes:
    """Encode ``value`` in the core deterministic encoding of RFC 8949 §4.2.1."""
    out: list[bytes] = []
    _encode_into(value, out, 0)
    return b"".join(out)


def encode_bytes_array(items: Sequence[bytes]) -> bytes:
    """``encode(list(items))`` for an array of byte strings, without the general walk: the
    drop stores two such arrays per envelope (clues, deletion hashes) on its intake path.
    Same bytes; anything but a list of ``bytes`` takes :func:`encode`."""
    n = len(items)
    out = [_HEADS[4][n] if n < 256 else _head_form(4, n)]
    for value in items:
        if type(value) is not bytes:
            return encode(list(items))
        k = len(value)
        out.append(_HEADS[2][k] if k < 256 else _head_form(2, k))
        out.append(value)
    return b"".join(out)


class _Decoder:
    __slots__ = ("data", "pos", "max_bytes", "max_items", "max_depth")

    def __init__(self, data: bytes, max_bytes: int, max_items: int, max_depth: int) -> None:
        self.data = data
        self.pos = 0
        self.max_bytes = max_bytes
        self.max_items = max_items
        self.max_depth = max_depth

    def _take(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise ProtocolError("CBOR data is truncated")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def _arg(self, info: int) -> int:
        if info < 24:
            return info
        if info == 24:
            v = self._take(1)[0]
            if v < 24:
                raise ProtocolError("non-canonical CBOR: integer argument not in shortest form")
            return v
        if info == 25:
            v = struct.unpack(">H", self._take(2))[0]
            if v <= 0xFF:
                raise ProtocolError("non-canonical CBOR: integer argument not in shortest form")
            return int(v)
        if info == 26:
            v = struct.unpack(">I", self._take(4))[0]
            if v <= 0xFFFF:
                raise ProtocolError("non-canonical CBOR: integer argument not in shortest form")
            return int(v)
        if info == 27:
            v = struct.unpack(">Q", self._take(8))[0]
            if v <= 0xFFFFFFFF:
                raise ProtocolError("non-canonical CBOR: integer argument not in shortest form")
            return int(v)
        if info == 31:
            raise ProtocolError("indefinite-length CBOR items are not allowed")
        raise ProtocolError("reserved CBOR additional information value")

    def item(self, depth: int) -> CBORValue:
        if depth > self.max_depth:
            raise ProtocolError("CBOR nests too deeply")
        pos = self.pos
        data = self.data
        if pos >= len(data):
            raise ProtocolError("CBOR data is truncated")
        ib = data[pos]
        major, info = ib >> 5, ib & 0x1F
        if major == 2 and info < 24 and info <= self.max_bytes:  # a short byte string (clues)
            end = pos + 1 + info
            if end > len(data):
                raise ProtocolError("CBOR data is truncated")
            self.pos = end
            return data[pos + 1 : end]
        self.pos = pos + 1
        if major == 7:
            if info == 20:
                return False
            if info == 21:
                return True
            if info == 22:
                return None
            raise ProtocolError("unsupported CBOR simple value or float")
        arg = info if info < 24 else self._arg(info)
        if major == 0:
            return arg
        if major == 1:
            return -1 - arg
        if major == 2:
            if arg > self.max_bytes:
                raise ProtocolError(f"CBOR byte string of {arg} bytes exceeds {self.max_bytes}")
            return self._take(arg)
        if major == 3:
            if arg > self.max_bytes:
                raise ProtocolError(f"CBOR text of {arg} bytes exceeds {self.max_bytes}")
            raw = self._take(arg)
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError("CBOR text string is not valid UTF-8") from None
        if major == 4:
            if arg > self.max_items:
                raise ProtocolError(f"CBOR array of {arg} items exceeds {self.max_items}")
            return [self.item(depth + 1) for _ in range(arg)]
        if major == 5:
            if arg > self.max_items:
                raise ProtocolError(f"CBOR map of {arg} entries exceeds {self.max_items}")
            result: dict[CBORValue, CBORValue] = {}
            prev: bytes | None = None
            for _ in range(arg):
                start = self.pos
                key = self.item(depth + 1)
                kbytes = self.data[start : self.pos]
                if prev is not None and kbytes <= prev:
                    if kbytes == prev:
                        raise ProtocolError("duplicate key in CBOR map")
                    raise ProtocolError("non-canonical CBOR: map keys out of order")
                if isinstance(key, (list, dict)):
                    raise ProtocolError("CBOR map keys must be integers or strings")
                prev = kbytes
                result[key] = self.item(depth + 1)
            return result
        raise ProtocolError("CBOR tags are not allowed")


def decode(
    data: bytes,
    *,
    max_bytes: int = 1 << 20,
    max_items: int = 4096,
    max_depth: int = 16,
) -> CBORValue:
    """Decode exactly one deterministic CBOR item that fills all of ``data``."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ProtocolError("CBOR input must be bytes")
    dec = _Decoder(bytes(data), max_bytes, max_items, max_depth)
    value = dec.item(0)
    if dec.pos != len(dec.data):
        raise ProtocolError(f"{len(dec.data) - dec.pos} trailing bytes after the CBOR item")
    return value
