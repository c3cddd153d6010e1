"""The custody log: every action on an item is a signed, hash-chained event (DESIGN.md step 7).

An event is canonical JSON (RFC 8785 style: sorted keys, no insignificant white space, UTF-8)
of ``{seq, at, action, report, detail, prev}``; ``prev`` is the SHA-256 of the previous
event's canonical form (32 zero bytes for the first), and ``sig`` an Ed25519 signature by the
desk key over ``"tysha/v1 custody" || 0x00 || canonical``. Rewriting or dropping any event
breaks the chain at that point; :func:`verify_chain` says where.

The log is also a Merkle log (RFC 9162 §2.1, through :mod:`tysha.tlog`): leaf ``i`` is the
canonical JSON of event ``i`` *with* its signature, and a **custody head** is a C2SP
tlog-checkpoint of origin ``tysha.custody/<desk fingerprint digits>`` signed (C2SP
signed-note, Ed25519) with the desk's own signing key. A note's text never holds a NUL
byte (origins and checkpoint lines refuse control characters), while every other message
that key signs is ``domain || 0x00 || …``, so the two uses cannot be confused.

A **custody segment** (what a bundle carries) is one head and only the events of the bundle's
reports, each with its inclusion proof into that head: the other reports' events appear only
as Merkle hashes. Events written by this version also carry ``report_prev`` (the seq of the
same report's previous event, ``-1`` for its first), so the segment is a complete per-report
chain, and the desk appends an ``export-started`` event per report before it signs the head,
so each report's chain must end with it: :func:`verify_segment` names an event that was
removed (in the middle or cut off the end), reordered or altered.

Pure: no clock (``at`` is passed in), no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tysha.errors import ProtocolError, TyshaError, VerificationError
from tysha.protocol import Identity, PublicIdentity, verify_signature
from tysha.tlog import (
    Checkpoint,
    CompactRange,
    MemoryHashStore,
    NoteSigner,
    NoteVerifier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    open_checkpoint,
    sign_checkpoint,
    verify_inclusion,
)

__all__ = [
    "EXPORT_ACTION",
    "CustodyEvent",
    "SegmentResult",
    "build_segment",
    "canonical_json",
    "custody_consistency",
    "custody_head",
    "custody_origin",
    "custody_verifier",
    "event_leaf",
    "verify_chain",
    "verify_segment",
]

#: The segment's format tag inside ``custody.json``.
SEGMENT_FORMAT = "tysha-custody-segment/1"
#: The event a desk appends for each report of a bundle before signing the segment's head.
EXPORT_ACTION = "export-started"

_DOMAIN = b"tysha/v1 custody"
_LINK_DOMAIN = b"tysha/v1 custody-link"


def canonical_json(obj: Any) -> bytes:
    """RFC 8785 (JSON Canonicalization Scheme): object members sorted by the UTF-16 code
    units of their names (§3.2.3), no white space, strings escaped as ECMAScript's
    JSON.stringify does (§3.2.2.2, which is what ``json.dumps`` with ``ensure_ascii=False``
    writes), finite numbers in ECMAScript's shortest form (§3.2.2.3), UTF-8.

    NaN and infinities have no JSON form; they only come from hostile input, and are written
    as Python writes them so that such input is compared, and refused, rather than crashing."""
    floats: list[bool] = []
    ordered = _jcs(obj, 0, floats)
    if not floats:  # the common case: json's C encoder, members already in order
        return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _dump(ordered).encode("utf-8")


def es6_number(x: float) -> str:
    """ECMAScript Number::toString for a finite double (RFC 8785 §3.2.2.3): the shortest
    round-trip digits (Python's repr gives the same digits), laid out as ECMA-262 says."""
    if x == 0:
        return "0"
    if x < 0:
        return "-" + es6_number(-x)
    mantissa, _, exp_text = repr(x).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    # n: the decimal exponent such that x = 0.digits * 10^n
    n = len(whole.lstrip("0")) if whole.strip("0") else -(len(frac) - len(frac.lstrip("0")))
    n += int(exp_text or 0)
    digits = digits.rstrip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    sign = "+" if e >= 0 else "-"
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{head}e{sign}{abs(e)}"


def _jcs(obj: Any, depth: int, floats: list[bool]) -> Any:
    if depth > 200:
        raise ValueError("nested too deeply")
    if isinstance(obj, dict):
        keys = sorted(obj, key=lambda k: str(k).encode("utf-16-be", "surrogatepass"))
        return {k: _jcs(obj[k], depth + 1, floats) for k in keys}
    if isinstance(obj, (list, tuple)):
        return [_jcs(v, depth + 1, floats) for v in obj]
    if isinstance(obj, float) and not floats:
        floats.append(True)
    return obj


def _dump(obj: Any) -> str:
    """The slow path, for values holding floats (members are already in order)."""
    if isinstance(obj, dict):
        return "{" + ",".join(f"{_dump(str(k))}:{_dump(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, list):
        return "[" + ",".join(_dump(v) for v in obj) + "]"
    if isinstance(obj, float) and obj == obj and abs(obj) != INF:
        return es6_number(obj)
    return json.dumps(obj, ensure_ascii=False)


INF = float("inf")


@dataclass(frozen=True)
class CustodyEvent:
    seq: int
    at: str
    action: str
    report: str | None
    detail: dict[str, Any]
    prev: bytes
    signer: bytes = b""
    sig: bytes = field(default=b"", compare=False)
    #: The seq of the previous event of the same report, ``-1`` for a report's first event;
    #: ``None`` for desk-wide events and for events written before the per-report link existed
    #: (their signed body then omits the field, so older logs verify as they were).
    report_prev: int | None = None
    #: 2: ``prev`` is :meth:`link_digest` of the previous event (over its signed form), so a
    #: bundle's events do not let anyone confirm a guess of an undisclosed neighbour (a body
    #: digest could be brute-forced from a guessed action, report id and code). 1: older
    #: events, ``prev`` is the previous body's digest; the field is then absent.
    v: int = 1

    def _fields(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seq": self.seq,
            "at": self.at,
            "action": self.action,
            "report": self.report,
            "detail": self.detail,
            "prev": self.prev.hex(),
            "signer": self.signer.hex(),
        }
        if self.report_prev is not None:
            out["report_prev"] = self.report_prev
        if self.v != 1:
            out["v"] = self.v
        return out

    def body(self) -> bytes:
        return canonical_json(self._fields())

    def digest(self) -> bytes:
        return hashlib.sha256(self.body()).digest()

    def link_digest(self) -> bytes:
        """What a version 2 successor's ``prev`` holds: SHA-256 over a domain and this event's
        signed JSON (its signature is unpredictable without the desk key)."""
        return hashlib.sha256(_LINK_DOMAIN + b"\x00" + canonical_json(self.to_json())).digest()

    def prev_for_next(self, version: int) -> bytes:
        return self.link_digest() if version >= 2 else self.digest()

    def signed(self, identity: Identity) -> CustodyEvent:
        signer = identity.public().sign
        unsigned = replace(self, signer=signer, sig=b"")
        return replace(unsigned, sig=identity.sign(_DOMAIN, unsigned.body()))

    def verify(self, signer: bytes | None = None) -> None:
        if signer is not None and signer != self.signer:
            raise VerificationError(f"custody event {self.seq} is signed by another key")
        verify_signature(self.signer, _DOMAIN, self.body(), self.sig)

    def to_json(self) -> dict[str, Any]:
        return {**self._fields(), "sig": self.sig.hex()}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> CustodyEvent:
        try:
            link = obj.get("report_prev")
            if link is not None and (type(link) is not int or link < -1):
                raise ValueError("report_prev")
            version = obj.get("v", 1)
            if version not in (1, 2) or type(version) is not int or ("v" in obj and version == 1):
                raise ValueError("v")
            report = obj.get("report")
            if report is not None and not isinstance(report, str):
                raise TypeError("report")
            return cls(
                int(obj["seq"]),
                str(obj["at"]),
                str(obj["action"]),
                report,
                dict(obj["detail"]),
                bytes.fromhex(obj["prev"]),
                bytes.fromhex(obj["signer"]),
                bytes.fromhex(obj["sig"]),
                link,
                version,
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ProtocolError("malformed custody event") from None


def verify_chain(events: Sequence[CustodyEvent], signer: bytes | None = None) -> bytes:
    """Check signatures and links; return the head digest (what a successor of the same
    version as the last event would link to)."""
    prev = bytes(32)
    for i, ev in enumerate(events):
        if ev.seq != i:
            raise VerificationError(f"custody log: event {i} is missing or out of order")
        if i and ev.prev != events[i - 1].prev_for_next(ev.v):
            raise VerificationError(f"custody log: event {i} does not link to event {i - 1}")
        if not i and ev.prev != prev:
            raise VerificationError("custody log: event 0 does not start the log")
        ev.verify(signer)
    return events[-1].prev_for_next(events[-1].v) if events else prev


# --- the custody log as a Merkle log -----------------------------------------------------------


def custody_origin(desk: PublicIdentity) -> str:
    """The custody log's checkpoint origin (and note key name): one per desk key."""
    return "tysha.custody/" + "".join(desk.fingerprint().split())


def custody_verifier(desk: PublicIdentity) -> NoteVerifier:
    return NoteVerifier(custody_origin(desk), desk.sign)


def event_leaf(event_json: dict[str, Any]) -> bytes:
    """The Merkle leaf hash of one event (RFC 9162: SHA-256(0x00 || canonical JSON))."""
    return leaf_hash(canonical_json(event_json))


def _tree(events: Sequence[dict[str, Any]]) -> tuple[CompactRange, MemoryHashStore]:
    rng, store = CompactRange(), MemoryHashStore()
    store.add(rng.extend(event_leaf(e) for e in events))
    return rng, store


def custody_head(events: Sequence[dict[str, Any]], identity: Identity) -> str:
    """The signed custody head (a checkpoint note) over all ``events``."""
    rng, _ = _tree(events)
    desk = identity.public()
    signer = NoteSigner(custody_origin(desk), identity.sign_seed)
    return sign_checkpoint(Checkpoint(custody_origin(desk), rng.size, rng.root()), signer)


def custody_consistency(events: Sequence[dict[str, Any]], old_size: int) -> list[bytes]:
    """RFC 9162 §2.1.4 consistency proof from the first ``old_size`` events to all of them."""
    rng, store = _tree(events)
    if old_size == rng.size:
        return []
    return consistency_proof(old_size, rng.size, store)


def build_segment(
    events: Sequence[dict[str, Any]], reports: Sequence[str], identity: Identity
) -> dict[str, Any]:
    """The custody segment for ``reports``: a head over every event, and only the reports'
    events, each with its inclusion proof (``events`` is the whole log, in order)."""
    rng, store = _tree(events)
    desk = identity.public()
    signer = NoteSigner(custody_origin(desk), identity.sign_seed)
    head = sign_checkpoint(Checkpoint(custody_origin(desk), rng.size, rng.root()), signer)
    wanted = set(reports)
    out = []
    for i, e in enumerate(events):
        if e.get("report") in wanted:
            proof = inclusion_proof(i, rng.size, store)
            out.append({"event": e, "proof": [h.hex() for h in proof]})
    return {"format": SEGMENT_FORMAT, "head": head, "events": out}


@dataclass(frozen=True)
class SegmentResult:
    head: Checkpoint
    events: int
    per_report: dict[str, int]
    unlinked: int  # events from before the per-report link (their removal is not detectable)


def verify_segment(
    doc: Any, desk: PublicIdentity, reports: Sequence[str], max_events: int = 1 << 22
) -> SegmentResult:
    """Check a custody segment; VerificationError naming the event that was removed,
    reordered or altered, ProtocolError if malformed."""
    if not isinstance(doc, dict) or doc.get("format") != SEGMENT_FORMAT:
        raise ProtocolError("custody.json is not a custody segment")
    raw_events, note = doc.get("events"), doc.get("head")
    if not isinstance(raw_events, list) or not isinstance(note, str):
        raise ProtocolError("the custody segment is malformed")
    if len(raw_events) > max_events:
        raise ProtocolError("the custody segment holds too many events")
    try:
        head = open_checkpoint(note, custody_verifier(desk), origin=custody_origin(desk))
    except TyshaError as exc:
        raise VerificationError(
            f"the custody head is not signed by the desk key ({exc.message})"
        ) from None
    listed = set(reports)
    last_of: dict[str, int] = {}
    per_report: dict[str, int] = {}
    unlinked = 0
    unlinked_last: set[str] = set()
    parsed: list[tuple[CustodyEvent, dict[str, Any], list[bytes]]] = []
    for pos, item in enumerate(raw_events):
        if not isinstance(item, dict) or not isinstance(item.get("event"), dict):
            raise ProtocolError(f"custody event at position {pos} is malformed")
        obj = item["event"]
        ev = CustodyEvent.from_json(obj)
        proof_hex = item.get("proof")
        if not isinstance(proof_hex, list) or not all(isinstance(h, str) for h in proof_hex):
            raise ProtocolError(f"custody event {ev.seq}: its proof is malformed")
        try:
            proof = [bytes.fromhex(h) for h in proof_hex]
        except ValueError:
            raise ProtocolError(f"custody event {ev.seq}: its proof is malformed") from None
        if ev.to_json() != obj:
            raise ProtocolError(f"custody event {ev.seq} is not in canonical form")
        parsed.append((ev, obj, proof))
    # Order first, so a moved event is named as such rather than as a broken link.
    for (a, _, _), (b, _, _) in zip(parsed, parsed[1:], strict=False):
        if b.seq <= a.seq:
            raise VerificationError(
                f"custody event {a.seq} is out of order (it comes before event {b.seq})"
            )
    for ev, obj, proof in parsed:
        if ev.report not in listed:
            raise VerificationError(f"custody event {ev.seq} is not about a report of this bundle")
        try:
            ev.verify(desk.sign)
        except TyshaError:
            raise VerificationError(
                f"custody event {ev.seq} ({ev.action}, report {ev.report}) was altered: "
                "its signature does not hold"
            ) from None
        try:
            verify_inclusion(event_leaf(obj), ev.seq, head.size, proof, head.root_hash)
        except TyshaError:
            raise VerificationError(
                f"custody event {ev.seq} ({ev.action}, report {ev.report}) is not event "
                f"{ev.seq} of the signed custody head (altered or moved)"
            ) from None
        rid = str(ev.report)
        if ev.report_prev is None:
            unlinked += 1
            unlinked_last.add(rid)
        else:
            want = last_of.get(rid, -1)
            # The first linked event after a desk upgrade starts its chain afresh (-1).
            after_upgrade = rid in unlinked_last and ev.report_prev == -1
            if ev.report_prev != want and not after_upgrade:
                gone = f"event {ev.report_prev}" if ev.report_prev > want else "an event"
                raise VerificationError(
                    f"custody of report {rid}: {gone} was removed (event {ev.seq} links to "
                    f"{ev.report_prev}, the segment's previous one is "
                    f"{'none' if want < 0 else want})"
                )
            unlinked_last.discard(rid)
        last_of[rid] = ev.seq
        per_report[rid] = per_report.get(rid, 0) + 1
    # The desk appends "export-started" for each report before it signs the head, so a
    # report's chain must end there: events cut off its end are named too.
    for rid in reports:
        last = last_of.get(rid)
        tail = next((p[0] for p in reversed(parsed) if p[0].seq == last), None)
        if tail is None or tail.action != EXPORT_ACTION or tail.report_prev is None:
            after = f"after event {last} " if last is not None else ""
            raise VerificationError(
                f"custody of report {rid}: its events {after}were removed (its custody does "
                f"not end with the desk's {EXPORT_ACTION!r} event)"
            )
    return SegmentResult(head, len(raw_events), per_report, unlinked)
