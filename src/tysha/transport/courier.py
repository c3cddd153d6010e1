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

__all__ = ["read_export", "read_receipts", "write_export", "write_receipts"]


def write_export(path: Path, envelopes: list[bytes], last_size: int) -> int:
    body = struct.pack(">QI", last_size, len(envelopes))
    body += b"".join(struct.pack(">Q", len(e)) + e for e in envelopes)
    padded = padme(len(body))
    data = body + os.urandom(padded - len(body))
    try:
        tmp = Path(str(path) + ".part")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror}") from None
    return len(data)


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


def read_receipts(path: Path) -> tuple[str, list[bytes], list[Receipt]]:
    try:
        doc: Any = json.loads(Path(path).read_text())
        cp = str(doc["checkpoint"])
        Checkpoint.parse(cp.split("\n\n", 1)[0] + "\n")
        cons = [bytes.fromhex(h) for h in doc["consistency"]]
        return cp, cons, [Receipt.from_json(r) for r in doc["receipts"]]
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(f"malformed receipts file: {exc}") from None
    except RecursionError:  # JSON nested deeper than the parser goes
        raise ProtocolError("malformed receipts file: nested too deeply") from None
