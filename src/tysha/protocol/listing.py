"""The verifiable clue listing (version 2): every log index accounted for (issue 9.6).

Version 1 (:mod:`.clues`) lists only the envelopes a drop still holds, so a drop could leave a
record out and nobody would notice. Version 2 is *contiguous*: for every log index in
``(after, cursor]`` the drop sends one record, live or gone::

    record = varint(index - previous_index - 1)    0 from an honest drop; a gap is an omission
             || state (1 byte)                     0 live, 1 deleted, 2 expired
             || E (32 bytes) || n (1 byte) || n clues (8 bytes each)
             || [varint(hour)]                     expired only: the hour the entry arrived

A gone record keeps the header's clue fields, so its recipient still recognises it. With two
slots a record is 51 bytes (one more than version 1): the listing every phone downloads stays
small (issue 9.5).

What the client checks (:func:`audit_page`, pure; the caller fetches):

* **No omission.** Every index of the page has a record (the cursor is bounded by a verified
  checkpoint, so the drop cannot end the log early either); a gap is reported per index.
* **No false expiry.** An expired record's hour must be old enough for the drop's retention
  (with a day's slack for clocks), and an index the client knows arrived after a given hour
  (it was not in a checkpoint verified then) cannot claim an earlier one.

What binds an index to an envelope is the log itself, never the listing: a live envelope's
digest is proved at download (its inclusion at that index under the verified root), and for a
gone entry addressed to it the client reads the log's entry (:func:`proved_entries`: an entry
bundle whose leaves, with the rest of the tree from the drop's tiles, give the verified root).
A drop that serves another envelope at an index, or calls gone an entry its recipient never
took, is caught there.

What the client decides with its own knowledge (not here): a *deleted* entry addressed to it
that it does not hold was deleted without it — every slot's deletion secret is needed, and its
slot's secret is sealed to it alone (the sender keeps none after sealing) — so it was withheld;
likewise an expiry claimed for an entry addressed to it at an hour before its key existed.

Residual limits (stated, not solved):

* The clue fields (E and the clues) are not in the log: the log entry is the digest of the
  whole envelope, and a header cannot be checked against it without the whole envelope. A drop
  that garbles the clues of a record (live or gone) hides that envelope from its recipient
  without any check here noticing; it must still account for the index, and a live envelope
  remains downloadable by anyone who tries every index.
* An expiry claimed within the slack (about a day early) is not detected, nor one for an
  entry older than anything the client has seen once the entry could be that old.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tysha.errors import ProtocolError, StorageError, VerificationError
from tysha.protocol import _wire
from tysha.protocol.clues import ClueRecord
from tysha.protocol.envelope import CLUE_SIZE, MAX_SLOTS, MIN_SLOTS
from tysha.tlog import HashReader, leaf_hash, node_hash, root_of

__all__ = [
    "EXPIRY_SLACK_HOURS",
    "LIVE",
    "DELETED",
    "EXPIRED",
    "LISTING_VERSION",
    "ListingRecord",
    "PageAudit",
    "audit_page",
    "decode_listing",
    "encode_listing",
    "hour_text",
    "proved_entries",
    "root_with_leaves",
]

LISTING_VERSION = 2


def hour_text(hour: int | None) -> str:
    """An hour since 1970 as a person reads it (``2026-05-01 13:00 UTC``); an hour no
    calendar holds (a hostile drop's) as ``hour N``. Never raises."""
    if hour is None:
        return "no hour given"
    try:
        return datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%d %H:00 UTC")
    except (OverflowError, OSError, ValueError):
        return f"hour {hour}"

LIVE, DELETED, EXPIRED = "live", "deleted", "expired"
_STATES = (LIVE, DELETED, EXPIRED)
#: How much earlier than the retention allows an expiry may be claimed (client clocks drift).
EXPIRY_SLACK_HOURS = 24
#: The most bytes one version-2 record can take.
RECORD_MAX = 10 + 1 + 32 + 1 + MAX_SLOTS * CLUE_SIZE + 10


@dataclass(frozen=True)
class ListingRecord(ClueRecord):
    """A clue record of the verifiable listing: its state (and, for an expired one, its hour)."""

    state: str = LIVE
    #: The hour of arrival (hours since the epoch), sent for an expired entry only.
    hour: int | None = None

    @property
    def gone(self) -> bool:
        return self.state != LIVE


def encode_listing(records: Sequence[ListingRecord], after: int = -1) -> bytes:
    """The version-2 wire form of ``records`` (strictly increasing indices after ``after``)."""
    out = bytearray()
    prev = after
    for r in records:
        if r.index <= prev:
            raise ProtocolError("listing records must be in increasing index order")
        if not MIN_SLOTS <= len(r.clues) <= MAX_SLOTS or len(r.clue_pub) != 32:
            raise ProtocolError("malformed listing record")
        if r.state not in _STATES:
            raise ProtocolError("malformed listing record")
        out += _wire.uvarint(r.index - prev - 1)
        out.append(_STATES.index(r.state))
        out += r.clue_pub
        out.append(len(r.clues))
        for c in r.clues:
            if len(c) != CLUE_SIZE:
                raise ProtocolError("malformed clue")
            out += c
        if r.state == EXPIRED:
            if r.hour is None or r.hour < 0:
                raise ProtocolError("an expired record carries its hour")
            out += _wire.uvarint(r.hour)
        prev = r.index
    return bytes(out)


def decode_listing(
    data: bytes, after: int = -1, max_records: int = 100_000
) -> list[ListingRecord]:
    """Parse a version-2 listing; ProtocolError for anything malformed (never another error)."""
    records: list[ListingRecord] = []
    pos, prev, n = 0, after, len(data)
    while pos < n:
        if len(records) >= max_records:
            raise ProtocolError("too many listing records")
        delta, pos = _wire.read_uvarint(data, pos, "listing")
        if pos + 1 + 32 + 1 > n:
            raise ProtocolError("listing truncated in a record")
        code = data[pos]
        if code >= len(_STATES):
            raise ProtocolError("listing record has an unknown state")
        clue_pub = bytes(data[pos + 1 : pos + 33])
        count = data[pos + 33]
        pos += 34
        if not MIN_SLOTS <= count <= MAX_SLOTS:
            raise ProtocolError("listing record has an impossible slot count")
        end = pos + count * CLUE_SIZE
        if end > n:
            raise ProtocolError("listing truncated in the clues")
        clues = tuple(bytes(data[i : i + CLUE_SIZE]) for i in range(pos, end, CLUE_SIZE))
        pos = end
        hour: int | None = None
        if _STATES[code] == EXPIRED:
            hour, pos = _wire.read_uvarint(data, pos, "listing")
        prev = prev + delta + 1
        records.append(ListingRecord(prev, clue_pub, clues, _STATES[code], hour))
    return records


def _is_full_node(lo: int, hi: int) -> bool:
    width = hi - lo
    return width > 0 and width & (width - 1) == 0 and lo % width == 0


def root_with_leaves(size: int, first: int, leaves: Sequence[bytes], reader: HashReader) -> bytes:
    """The Merkle Tree Hash (RFC 9162 §2.1.1) of a tree of ``size`` leaves in which leaves
    ``first .. first + len(leaves) - 1`` are the given leaf hashes and every other node is read
    from ``reader`` (only full subtrees disjoint from the given range are read: O(log size)).

    Equal to a verified checkpoint's root, it proves the given leaves are the log's at those
    indices (a second preimage of SHA-256 aside), whatever the reader is."""
    end = first + len(leaves)
    if not 0 <= first <= end <= size or size == 0:
        raise ValueError(f"leaves [{first}, {end}) are not inside a tree of size {size}")

    def mth(lo: int, hi: int) -> bytes:
        if first <= lo and hi <= end:
            return root_of(leaves[lo - first : hi - first])
        if (hi <= first or lo >= end) and _is_full_node(lo, hi):
            level = (hi - lo).bit_length() - 1
            [h] = reader.read_hashes([(level, lo >> level)])
            return h
        k = 1 << ((hi - lo - 1).bit_length() - 1)  # the largest power of two below the width
        return node_hash(mth(lo, lo + k), mth(lo + k, hi))

    return mth(0, size)


@dataclass
class PageAudit:
    """What :func:`audit_page` found. ``problems`` maps a log index to what the drop did
    there (omitted, a false expiry); ``records`` are the page's other records."""

    records: list[ListingRecord] = field(default_factory=list)
    problems: dict[int, str] = field(default_factory=dict)
    #: False for a version-1 listing (live records only): omissions cannot be seen.
    verifiable: bool = True
    #: The latest hour of arrival the page gives an expired record (None: none expired). Far
    #: ahead of the client's clock, it is the drop's word or a sign that clock is behind.
    latest_hour: int | None = None


def audit_page(
    records: Sequence[ListingRecord],
    after: int,
    cursor: int,
    size: int,
    now_hour: int,
    retention_hours: int,
    fresh_from: int | None = None,
    fresh_hour: int | None = None,
) -> PageAudit:
    """Check one page of the verifiable listing covering ``(after, cursor]`` of a log whose
    VERIFIED checkpoint (signed, consistent) has ``size`` entries. ``now_hour`` is the
    client's hour; entries at or after ``fresh_from`` are known to have arrived at or after
    ``fresh_hour``.

    Raises VerificationError when the page cannot be used at all (outside the verified log,
    records outside the page); otherwise every index of the page is either in ``records`` or
    in ``problems``."""
    if not after < cursor < size:
        raise VerificationError(
            f"the listing page ({after}, {cursor}] is not inside the verified log ({size})"
        )
    if any(not after < r.index <= cursor for r in records):
        raise VerificationError("the listing holds records outside the page it names")
    by_index = {r.index: r for r in records}
    audit = PageAudit()
    for i in range(after + 1, cursor + 1):
        rec = by_index.get(i)
        if rec is not None and rec.state == EXPIRED and rec.hour is not None:
            audit.latest_hour = max(audit.latest_hour or 0, rec.hour)
        if rec is None:
            audit.problems[i] = "omitted from the listing"
        elif rec.state == EXPIRED and not _expiry_plausible(
            rec, now_hour, retention_hours, fresh_from, fresh_hour
        ):
            audit.problems[i] = (
                f"claimed expired, but it arrived too recently ({hour_text(rec.hour)})"
            )
        else:
            audit.records.append(rec)
    return audit


def proved_entries(
    size: int,
    root: bytes,
    first: int,
    bundle: Sequence[bytes],
    reader: HashReader,
) -> list[bytes]:
    """The log entries ``first .. first + len(bundle) - 1`` (an entry bundle from the drop),
    returned only once proved: their leaf hashes, with the other nodes from ``reader`` (the
    drop's tiles), give ``root``, the VERIFIED checkpoint's. VerificationError otherwise."""
    if not bundle or any(len(d) != 32 for d in bundle):
        raise VerificationError("the drop's log entries are not envelope digests")
    try:
        got = root_with_leaves(size, first, [leaf_hash(d) for d in bundle], reader)
    except (ProtocolError, StorageError, ValueError) as exc:
        raise VerificationError(f"the drop's tiles do not prove its log entries: {exc}") from None
    if got != root:
        raise VerificationError("the drop's log entries do not give its signed root")
    return list(bundle)


def _expiry_plausible(
    rec: ListingRecord,
    now_hour: int,
    retention_hours: int,
    fresh_from: int | None,
    fresh_hour: int | None,
) -> bool:
    hour = rec.hour
    if hour is None:
        return False
    if hour + retention_hours > now_hour + EXPIRY_SLACK_HOURS:
        return False
    # Hours are coarse: an entry seen absent in hour h may have arrived later in hour h.
    return not (
        fresh_from is not None and fresh_hour is not None and rec.index >= fresh_from
        and hour < fresh_hour
    )  # fmt: skip
