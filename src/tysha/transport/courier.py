"""Courier files: envelopes carried by hand (USB stick) and the receipts brought back.

Export file (source → courier), version 2, no magic and no name in it::

    file  = seed || AEAD_CHACHA20_POLY1305(key = seed, nonce = 12 zero bytes,
                                           aad = "tysha courier", inner)
    inner = u8(2) || u64be(last_checkpoint_size) || u32be(count)
            || count × (u64be(len) || envelope) || zero bytes up to the file's size
    seed  = 32 random bytes, new for every file

The AEAD is ChaCha20-Poly1305 as RFC 8439 §2.8 defines it (libsodium's
``crypto_aead_chacha20poly1305_ietf``): ``inner`` XORed with the ChaCha20 keystream (RFC 8439
§2.4, block counter from 1) under the seed, then a 16-byte Poly1305 tag.

**This masking is obfuscation against signature scanning, not secrecy.** Its key is the
file's own first 32 bytes. What it does:

* to anyone who does not know this format (a forensic tool's file signatures, a person looking
  at the bytes), the whole file is indistinguishable from random bytes: no zeros, no counts,
  no lengths, no envelope's CBOR header (version 1 showed all of them). It looks like any
  encrypted or compressed file; that a stick holds a file of random bytes is itself visible;
* the tag catches accidental damage (a failing stick, a file cut short), so a courier is told
  the file is damaged before anything is uploaded.

What it does not do:

* it hides nothing from anyone who knows Tysha (the code is public): taking the first 32
  bytes as the key and checking the tag recognises a courier file with certainty and opens
  it. What it then shows is what version 1 showed: the envelopes (ciphertext, no recipient
  in them) and the size of the drop's log the source last saw. The drop's address is not in
  the file;
* the tag proves nothing against someone who changes the file on purpose (the key is in the
  file): envelopes are authenticated end to end, and the source keeps each envelope until a
  receipt for its exact digest comes back.

Size: a file is at least :data:`MIN_EXPORT_SIZE` bytes (1 MiB, about 90 text-only
envelopes), and above that a Padmé size (:mod:`tysha.protocol.padding`), so its length does
not give the number of envelopes it carries: every export of text reports is the same size,
and a larger one leaks O(log log L) bits of its length.

Version 1 (written by earlier versions; still read, never written)::

    u64be(last_size) || u32be(count) || count × (u64be(len) || envelope) || random bytes

of exactly ``padme(len(body))`` bytes; it is tried only when the version 2 tag does not hold,
and only a file that parses whole and has exactly that length is taken as one.

Receipts file (courier → source): JSON ``{"checkpoint", "consistency", "receipts": [...]}``.
All receipts are re-proved against one final checkpoint, and ``consistency`` proves that
checkpoint extends the one the source last saw, so the source checks everything offline.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nacl.bindings import (
    crypto_aead_chacha20poly1305_ietf_decrypt,
    crypto_aead_chacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

from tysha.errors import DropRefused, ProtocolError, StorageError, VerificationError
from tysha.protocol import Receipt, padme
from tysha.tlog import Checkpoint

__all__ = [
    "Delivery",
    "EXPORT_VERSION",
    "MIN_EXPORT_SIZE",
    "pack_export",
    "deliver",
    "pack_receipts",
    "read_export",
    "read_receipts",
    "unpack_export",
]

#: The export format :func:`pack_export` writes.
EXPORT_VERSION = 2
#: The smallest export file: every export of text reports (about 11 KiB each) up to this
#: size has this size, so the length does not count them.
MIN_EXPORT_SIZE = 1 << 20
_SEED = 32
_TAG = 16
_NONCE = bytes(12)
_AAD = b"tysha courier"


def pack_export(
    envelopes: list[bytes], last_size: int, rand: Callable[[int], bytes] = os.urandom
) -> bytes:
    """The bytes of an export file (the caller writes them as a new file, never in place)."""
    inner = bytearray(struct.pack(">BQI", EXPORT_VERSION, last_size, len(envelopes)))
    for e in envelopes:
        inner += struct.pack(">Q", len(e))
        inner += e
    size = max(MIN_EXPORT_SIZE, padme(_SEED + len(inner) + _TAG))
    inner += bytes(size - _SEED - _TAG - len(inner))
    seed = rand(_SEED)
    if len(seed) != _SEED:
        raise ValueError("the seed must be 32 bytes")
    return seed + crypto_aead_chacha20poly1305_ietf_encrypt(bytes(inner), _AAD, _NONCE, seed)


def _entries(data: bytes | memoryview, pos: int, count: int) -> tuple[list[bytes], int]:
    """``count`` length-prefixed envelopes from ``pos``, and where they end."""
    envs = []
    for _ in range(count):
        if pos + 8 > len(data):
            raise ProtocolError("courier file is truncated")
        (n,) = struct.unpack(">Q", data[pos : pos + 8])
        pos += 8
        if pos + n > len(data):
            raise ProtocolError("courier file is truncated")
        envs.append(bytes(data[pos : pos + n]))
        pos += n
    return envs, pos


def _legacy(data: bytes) -> tuple[int, list[bytes]] | None:
    """A version 1 file, or None when ``data`` is not exactly one."""
    if len(data) < 12:
        return None
    last_size, count = struct.unpack(">QI", data[:12])
    try:
        envs, end = _entries(data, 12, count)
    except ProtocolError:
        return None
    return (last_size, envs) if len(data) == padme(end) else None


def unpack_export(data: bytes) -> tuple[int, list[bytes]]:
    """The last checkpoint size and the envelopes of an export file's bytes (either version);
    anything else is a ``ProtocolError`` that says what is wrong."""
    if len(data) < 12:
        raise ProtocolError("this is not a courier file (too short)")
    inner: bytes | None = None
    if len(data) >= _SEED + _TAG:
        try:
            inner = crypto_aead_chacha20poly1305_ietf_decrypt(
                data[_SEED:], _AAD, _NONCE, data[:_SEED]
            )
        except CryptoError:
            inner = None
    if inner is None:
        old = _legacy(data)
        if old is None:
            raise ProtocolError(
                "this is not a courier file, or it is damaged (its check does not hold)"
            )
        return old
    if not inner or inner[0] != EXPORT_VERSION:
        version = inner[0] if inner else 0
        raise ProtocolError(
            f"this courier file has a format this tysha does not read (version {version}); "
            "update tysha"
        )
    if len(inner) < 13:
        raise ProtocolError("courier file is truncated")
    last_size, count = struct.unpack(">QI", inner[1:13])
    envs, _end = _entries(memoryview(inner), 13, count)
    return last_size, envs


def read_export(path: Path) -> tuple[int, list[bytes]]:
    """The last checkpoint size and the envelopes of the export file at ``path``."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror}") from None
    return unpack_export(data)


def pack_receipts(checkpoint: str, consistency: list[bytes], receipts: list[Receipt]) -> bytes:
    """The bytes of a receipts file (the caller writes them whole, never in place)."""
    doc = {
        "checkpoint": checkpoint,
        "consistency": [h.hex() for h in consistency],
        "receipts": [r.to_json() for r in receipts],
    }
    return (json.dumps(doc, indent=1) + "\n").encode()


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


@dataclass
class Delivery:
    """What :func:`deliver` got: the drop's checkpoint note, the consistency proof from the
    size the source last saw, the receipts that prove their envelope under that checkpoint,
    and the envelopes not delivered (their number, counted from 1, and why)."""

    checkpoint: str = ""
    consistency: list[bytes] = field(default_factory=list)
    receipts: list[Receipt] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)


def deliver(
    client: Any,
    envelopes: list[bytes],
    last_size: int,
    progress: Callable[[int, int], None] | None = None,
) -> Delivery:
    """Upload a courier's envelopes through ``client`` (a ``DropClient``) and re-prove each
    receipt against the drop's final checkpoint.

    The drop is not trusted, and the courier holds no key of it (the source checks the drop's
    signature at import): an envelope counts as delivered only when the drop's receipt names
    its digest and the final inclusion proof leads to the root the drop's checkpoint states
    (:meth:`Receipt.check_inclusion`). One envelope refused or lied about never stops the
    others; a drop that cannot be reached at all stops the delivery (``TransportError``:
    uploads are repeatable, deliver again later)."""
    item_errors = (DropRefused, ProtocolError, VerificationError)
    out = Delivery()
    got: list[tuple[int, Receipt]] = []
    # Through Tor each envelope, and the proof of its index, goes over a circuit of its own
    # (fresh SOCKS credentials): the drop does not get them together as one person's.
    new_circuit = getattr(client, "new_circuit", None) or (lambda: None)
    for n, e in enumerate(envelopes, 1):
        try:
            new_circuit()
            r = client.upload(e, progress=progress)
            if r.envelope_digest != hashlib.sha256(e).digest():
                raise VerificationError("the drop's receipt is for another envelope")
        except item_errors as exc:
            out.failed.append((n, exc.message))
            continue
        got.append((n, r))
    if not got:
        return out
    note = client.checkpoint()
    cp = Checkpoint.parse(note.split("\n\n", 1)[0] + "\n")
    for n, r in got:
        try:
            if r.index >= cp.size:  # asked of no drop: its proof of it would be refused
                raise VerificationError("the drop's receipt is outside its own log")
            new_circuit()
            final = Receipt(r.envelope_digest, r.index, note,
                            tuple(client.inclusion_proof(r.index, cp.size)))  # fmt: skip
            final.check_inclusion(cp)
        except VerificationError:
            out.failed.append((n, "the drop's receipt does not prove this envelope is in its log"))
            continue
        except item_errors as exc:
            out.failed.append((n, exc.message))
            continue
        out.receipts.append(final)
    out.checkpoint = note
    if out.receipts and last_size:
        # Worked out from tiles: the source's last size is the index of its own last report,
        # and naming it to the drop would tie this delivery to it (THREAT_MODEL A7, A8).
        out.consistency = client.tiled_consistency(min(last_size, cp.size), cp.size)
    return out

