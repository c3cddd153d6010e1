"""The compact clue listing a drop serves to scanners (sources and desks alike).

Every client downloads the same listing, so the drop cannot tell who looks for what. A record
is what trial detection needs and nothing more::

    record = varint(index - previous_index - 1) || E (32 bytes) || n (1 byte) || n clues (8 bytes)

``index`` is the envelope's leaf index in the drop's log (records are strictly increasing, so
the delta is small: usually one byte). ``previous_index`` starts at ``after`` (the cursor the
client asked from; -1 for the beginning). With two slots a record is 50 bytes: checking 10,000
envelopes costs about 500 kB.

Varints are unsigned LEB128 in their shortest form (a non-minimal varint is a ProtocolError).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tysha.errors import ProtocolError
from tysha.protocol import _wire
from tysha.protocol.envelope import CLUE_SIZE, MAX_SLOTS, MIN_SLOTS, find_slot

__all__ = ["ClueRecord", "Scanner", "decode_clue_records", "encode_clue_records"]


@dataclass(frozen=True)
class ClueRecord:
    index: int
    clue_pub: bytes
    clues: tuple[bytes, ...]


def encode_clue_records(records: Iterable[ClueRecord], after: int = -1) -> bytes:
    out = bytearray()
    prev = after
    for r in records:
        if r.index <= prev:
            raise ProtocolError("clue records must be in increasing index order")
        if not MIN_SLOTS <= len(r.clues) <= MAX_SLOTS or len(r.clue_pub) != 32:
            raise ProtocolError("malformed clue record")
        out += _wire.uvarint(r.index - prev - 1)
        out += r.clue_pub
        out.append(len(r.clues))
        for c in r.clues:
            if len(c) != CLUE_SIZE:
                raise ProtocolError("malformed clue")
            out += c
        prev = r.index
    return bytes(out)


def decode_clue_records(
    data: bytes, after: int = -1, max_records: int = 100_000
) -> list[ClueRecord]:
    records: list[ClueRecord] = []
    pos = 0
    prev = after
    n = len(data)
    while pos < n:
        if len(records) >= max_records:
            raise ProtocolError("too many clue records")
        delta, pos = _wire.read_uvarint(data, pos, "clue listing")
        if pos + 33 > n:
            raise ProtocolError("clue listing truncated in a record")
        clue_pub = bytes(data[pos : pos + 32])
        count = data[pos + 32]
        pos += 33
        if not MIN_SLOTS <= count <= MAX_SLOTS:
            raise ProtocolError("clue record has an impossible slot count")
        end = pos + count * CLUE_SIZE
        if end > n:
            raise ProtocolError("clue listing truncated in the clues")
        clues = tuple(bytes(data[i : i + CLUE_SIZE]) for i in range(pos, end, CLUE_SIZE))
        pos = end
        prev = prev + delta + 1
        records.append(ClueRecord(prev, clue_pub, clues))
    return records


class Scanner:
    """Finds the records addressed to one clue key."""

    def __init__(self, clue_secret: bytes, clue_public: bytes) -> None:
        self._secret = clue_secret
        self._public = clue_public

    def match(self, record: ClueRecord) -> int | None:
        """The matching slot index, or None for a foreign envelope."""
        return find_slot(record.clue_pub, record.clues, self._secret, self._public)

    def scan(self, records: Iterable[ClueRecord]) -> list[tuple[ClueRecord, int]]:
        hits = []
        for r in records:
            slot = self.match(r)
            if slot is not None:
                hits.append((r, slot))
        return hits
