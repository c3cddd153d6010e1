"""Courier files: envelopes carried by hand (USB stick) and the receipts brought back.

Export file (source → courier), no magic and no name inside::

    u64be(last_checkpoint_size) || u32be(count) || count × (u64be(len) || envelope) || padding

The file is padded with random bytes to a Padmé size (see :mod:`tysha.protocol.padding`), so a
courier learns the envelopes' padded sizes and nothing else: envelopes are ciphertext, carry no
recipient and the drop address is not in the file.

Receipts file (courier → source): JSON ``{"checkpoint", "consistency", "receipts": [...]}``.
All receipts are re-proved against one final checkpoint, and ``consistency`` proves that
checkpoint extends the one the source last saw, so the source checks everything offline.
"""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Any

from tysha.errors import ProtocolError, StorageError
from tysha.protocol import Receipt, padme
from tysha.tlog import Checkpoint

__all__ = ["pack_export", "read_export", "read_receipts", "write_receipts"]


def pack_export(envelopes: list[bytes], last_size: int) -> bytes:
    """The bytes of an export file (the caller writes them as a new file, never in place)."""
    body = struct.pack(">QI", last_size, len(envelopes))
    body += b"".join(struct.pack(">Q", len(e)) + e for e in envelopes)
    padded = padme(len(body))
    return body + os.urandom(padded - len(body))


def read_export(path: Path) -> tuple[int, list[bytes]]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) < 12:
        raise ProtocolError("this is not a courier file (too short)")
    last_size, count = struct.unpack(">QI", data[:12])
    pos = 12
    envs = []
    for _ in range(count):
        if pos + 8 > len(data):
            raise ProtocolError("courier file is truncated")
        (n,) = struct.unpack(">Q", data[pos : pos + 8])
        pos += 8
        if pos + n > len(data):
            raise ProtocolError("courier file is truncated")
        envs.append(data[pos : pos + n])
        pos += n
    return last_size, envs


def write_receipts(
    path: Path, checkpoint: str, consistency: list[bytes], receipts: list[Receipt]
) -> None:
    doc = {
        "checkpoint": checkpoint,
        "consistency": [h.hex() for h in consistency],
        "receipts": [r.to_json() for r in receipts],
    }
    try:
        Path(path).write_text(json.dumps(doc, indent=1) + "\n")
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror}") from None


#: The largest receipts file a source or ``tysha verify`` reads: a courier's file for ~10^4
#: envelopes is ~10 MB. A bigger one is refused before it is read into the phone's memory.
MAX_RECEIPTS_FILE = 16 << 20


def read_receipts(path: Path) -> tuple[str, list[bytes], list[Receipt]]:
    """The checkpoint, consistency proof and receipts of a courier's receipts file.

    The file comes from whoever carried it: at most :data:`MAX_RECEIPTS_FILE` bytes are read,
    and anything but the shape :func:`write_receipts` writes is a ``ProtocolError`` that says
    what is wrong in our words (never the parser's own text)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_RECEIPTS_FILE + 1)
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_RECEIPTS_FILE:
        raise ProtocolError(
            f"malformed receipts file: larger than any receipts file ({MAX_RECEIPTS_FILE} bytes)"
        )
    try:
        doc: Any = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        raise ProtocolError("malformed receipts file: not JSON") from None
    if not isinstance(doc, dict) or not {"checkpoint", "consistency", "receipts"} <= set(doc):
        raise ProtocolError("malformed receipts file: not the fields a courier's file has")
    cp, cons, receipts = doc["checkpoint"], doc["consistency"], doc["receipts"]
    if not isinstance(cp, str) or not isinstance(cons, list) or not isinstance(receipts, list):
        raise ProtocolError("malformed receipts file: a field has the wrong type")
    Checkpoint.parse(cp.split("\n\n", 1)[0] + "\n")
    try:
        hashes = [bytes.fromhex(h) for h in cons]
    except (ValueError, TypeError):
        raise ProtocolError("malformed receipts file: a consistency hash is not hex") from None
    if any(len(h) != 32 for h in hashes):
        raise ProtocolError("malformed receipts file: a consistency hash is not 32 bytes")
    return cp, hashes, [Receipt.from_json(r) for r in receipts]
