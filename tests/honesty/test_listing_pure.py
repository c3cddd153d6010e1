"""The verifiable listing's pure core (issue 9.6): wire form, the root from a page of leaves,
and the audit that names each omitted, substituted or falsely expired index."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest

from tysha.errors import ProtocolError, VerificationError
from tysha.protocol.listing import (
    DELETED,
    EXPIRED,
    LIVE,
    ListingRecord,
    PageAudit,
    audit_page,
    decode_listing,
    encode_listing,
    proved_entries,
    root_with_leaves,
)
from tysha.tlog import CompactRange, MemoryHashStore, leaf_hash, root_of

E = bytes(range(32))
CLUES = (b"\x11" * 8, b"\x22" * 8)


def digest(i: int) -> bytes:
    return hashlib.sha256(b"envelope %d" % i).digest()


def rec(i: int, state: str = LIVE, hour: int | None = None) -> ListingRecord:
    return ListingRecord(i, E, CLUES, state, hour)


class Log:
    """A log of ``size`` envelopes held in memory, with a reader that counts what it reads."""

    def __init__(self, size: int) -> None:
        self.store = MemoryHashStore()
        rng = CompactRange()
        for i in range(size):
            self.store.add(rng.append(leaf_hash(digest(i))))
        self.size, self.root = size, rng.root()
        self.reads = 0

    def read_hashes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        self.reads += len(nodes)
        return self.store.read_hashes(nodes)


# --- wire form -------------------------------------------------------------------------------


def test_known_answer_layout() -> None:
    """The layout of docs/drop-api.md, byte by byte (built here from the spec, not the code)."""
    records = [rec(3), rec(4, DELETED), rec(6, EXPIRED, hour=300)]
    want = (
        b"\x00" + b"\x00" + E + b"\x02" + CLUES[0] + CLUES[1]
        + b"\x00" + b"\x01" + E + b"\x02" + CLUES[0] + CLUES[1]
        + b"\x01" + b"\x02" + E + b"\x02" + CLUES[0] + CLUES[1] + b"\xac\x02"
    )  # fmt: skip
    assert len(encode_listing([rec(0)])) == 51  # two slots: one byte more than version 1
    assert encode_listing(records, after=2) == want
    assert decode_listing(want, after=2) == records


def test_every_truncation_and_bit_flip_is_a_protocol_error_or_another_listing() -> None:
    data = encode_listing([rec(0), rec(1, EXPIRED, hour=5)], after=-1)
    boundary = len(encode_listing([rec(0)], after=-1))
    for n in range(1, len(data)):
        if n == boundary:  # a shorter listing: the audit finds the index it leaves out
            assert decode_listing(data[:n], after=-1) == [rec(0)]
            continue
        with pytest.raises(ProtocolError):
            decode_listing(data[:n], after=-1)
    for pos in range(len(data)):
        for bit in range(8):
            flipped = bytearray(data)
            flipped[pos] ^= 1 << bit
            try:
                out = decode_listing(bytes(flipped), after=-1)
            except ProtocolError:
                continue
            assert out != decode_listing(data, after=-1)


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x03" + bytes(32) + b"\x02" + bytes(16),  # unknown state
        b"\x80\x00\x00" + bytes(32) + b"\x02" + bytes(16),  # non-minimal varint
        b"\x00\x00" + bytes(32) + b"\x01" + bytes(8),  # one slot: below the minimum
        b"\x00\x00" + bytes(32) + b"\x11" + bytes(17 * 8),  # 17 slots: above the maximum
        b"\x00\x02" + bytes(32) + b"\x02" + bytes(16),  # expired without its hour
    ],
)
def test_malformed_records_are_refused(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_listing(data)


def test_encode_refuses_what_it_could_not_decode() -> None:
    with pytest.raises(ProtocolError):
        encode_listing([rec(1), rec(1)])
    with pytest.raises(ProtocolError):
        encode_listing([rec(0, EXPIRED)])  # no hour
    with pytest.raises(ProtocolError):
        encode_listing([ListingRecord(0, E, CLUES, "vanished")])


# --- the root from a page of leaves ----------------------------------------------------------


def test_root_with_leaves_is_the_tree_root_for_every_range() -> None:
    for size in (1, 2, 3, 7, 8, 9, 31, 256, 257, 300):
        log = Log(size)
        leaves = [leaf_hash(digest(i)) for i in range(size)]
        assert root_of(leaves) == log.root
        starts = range(size) if size < 40 else [a for a in (0, 1, 100, 255, 256, size - 1) if a < size]
        for a in starts:
            for b in {a + 1, min(size, a + 5), size}:
                assert root_with_leaves(size, a, leaves[a:b], log) == log.root
                wrong = list(leaves[a:b])
                wrong[-1] = leaf_hash(b"another")
                assert root_with_leaves(size, a, wrong, log) != log.root


def test_root_with_leaves_reads_few_nodes() -> None:
    log = Log(100_000)
    root_with_leaves(log.size, 5000, [leaf_hash(digest(i)) for i in range(5000, 6000)], log)
    assert log.reads <= 2 * 17 + 2  # O(log n), not the page or the tree


# --- the audit ------------------------------------------------------------------------------


def audit(log: Log, records: list[ListingRecord], after: int, cursor: int, **kw: int) -> PageAudit:
    args: dict[str, int] = {"now_hour": 10_000, "retention_hours": 90 * 24} | kw
    return audit_page(records, after, cursor, log.size, **args)


def test_an_honest_page_passes() -> None:
    log = Log(20)
    page = [rec(i) for i in range(5, 13)]
    a = audit(log, page, 4, 12)
    assert a.problems == {} and a.records == page


def test_an_omitted_index_is_named() -> None:
    log = Log(20)
    page = [rec(i) for i in range(5, 13) if i not in (9, 12)]
    a = audit(log, page, 4, 12)
    assert a.problems == {9: "omitted from the listing", 12: "omitted from the listing"}
    assert [r.index for r in a.records] == [5, 6, 7, 8, 10, 11]


def test_a_page_outside_the_verified_log_or_holding_records_beyond_it_is_refused() -> None:
    log = Log(20)
    with pytest.raises(VerificationError):
        audit(log, [rec(i) for i in range(15, 21)], 14, 20)
    with pytest.raises(VerificationError):
        audit(log, [rec(i) for i in range(5, 14)], 4, 12)


def test_expiry_claims() -> None:
    log = Log(20)
    now, keep = 10_000, 90 * 24

    def problems(hour: int, **kw: int) -> dict[int, str]:
        page = [rec(i, EXPIRED, hour) if i == 6 else rec(i) for i in range(5, 8)]
        return audit(log, page, 4, 7, now_hour=now, **kw).problems

    assert problems(now - keep) == {}  # old enough
    assert problems(now - keep + 24) == {}  # within a day's slack for clocks
    assert 6 in problems(now - keep + 25)  # too recent
    assert 6 in problems(now)  # arrived this hour
    # Index 6 was not in a checkpoint this client verified at hour now - keep: it arrived later.
    assert 6 in problems(now - keep - 5, fresh_from=6, fresh_hour=now - keep)
    assert problems(now - keep - 5, fresh_from=7, fresh_hour=now - keep) == {}


# --- the log's own entries -------------------------------------------------------------------


def test_proved_entries_accepts_the_log_and_nothing_else() -> None:
    log = Log(300)
    bundle = [digest(i) for i in range(256, 300)]
    assert proved_entries(300, log.root, 256, bundle, log) == bundle
    assert proved_entries(300, log.root, 256, bundle[:-1], log) == bundle[:-1]  # genuine too
    for bad in (
        bundle[:7] + [digest(999)] + bundle[8:],  # one substituted
        bundle[1:] + [digest(300)],  # shifted by one
    ):
        with pytest.raises(VerificationError):
            proved_entries(300, log.root, 256, bad, log)
    with pytest.raises(VerificationError):
        proved_entries(300, log.root, 256, [b"short"], log)
    with pytest.raises(VerificationError):
        proved_entries(300, hashlib.sha256(b"another root").digest(), 256, bundle, log)

    class Lying:
        def read_hashes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
            return [bytes(32) for _ in nodes]

    with pytest.raises(VerificationError):
        proved_entries(300, log.root, 256, bundle, Lying())


def test_a_false_expiry_says_when_the_entry_arrived_as_a_date() -> None:
    """'claimed expired, but it arrived too recently (hour 493789)': hours since 1970 read
    by a source on a phone or a handler. The time is said as a date and an hour, in UTC."""
    import datetime as dt

    from tysha.protocol.listing import hour_text

    hour = int(dt.datetime(2026, 5, 1, 13, tzinfo=dt.UTC).timestamp()) // 3600
    page = [rec(i, EXPIRED, hour) if i == 6 else rec(i) for i in range(5, 8)]
    why = audit(Log(20), page, 4, 7, now_hour=hour + 5).problems[6]
    assert str(hour) not in why and "2026-05-01 13:00 UTC" in why, why
    assert hour_text(hour) == "2026-05-01 13:00 UTC"
