"""Fetch, open, verify and store a desk's envelopes (DESIGN.md step 6).

For every drop the desk knows: verify the drop's checkpoint and its consistency with the last
one this desk saw (a fork is reported loudly and stops the fetch from that drop), page through
the clue listing after the stored cursor, match clues with the desk's clue key, and take each
matching envelope through the numbered steps of :class:`_Intake`:

1. download it *streaming* into a spooled buffer; check its length and digest;
2. the receipt: its inclusion in the drop's log at its index, under the verified checkpoint;
3. keep the envelope itself (encrypted at rest), open it chunk by chunk and run the pure
   sealed-report recipe (:class:`~tysha.protocol.sealed_report.ReportReader`, the one
   ``tysha verify`` and the source use too) with each attachment streaming straight into an
   encrypted blob: the manifest's signature by the sender's key and every field's type are
   checked there, each attachment is hashed, each capture attestation checked;
4. the manifest's kind (a report, or a share at an analyst desk) and the limits the desk
   keeps on its text fields (a wrong type is a hostile or broken envelope);
5. the sender: an enrolled source, a revoked one, or a key presenting a used invitation;
6. each attachment's check as the desk stores it (hash, size, capture attestation signed by
   the same sender, implausible claims dropped and named);
7. store the report and its custody events;
8. delete its slot on the drop with the slot's deletion secret.

One envelope never blocks the desk (issue 9.1): a failure to download is retried on the next
fetch (the cursor stops before it), but any failure to parse, open or verify it is recorded
(a quarantine record and a custody event naming the step and the error family, never its
content), every blob it produced is removed, and the cursor moves on.

A lying drop must not hang or blind the desk (issue 9.6): the listing cursor must advance on
every page, pages are bounded, nothing at or beyond the verified checkpoint's size is taken,
and no cursor past the checkpoint is ever stored. Anomalies are reported as errors (the CLI
exits 1) and recorded in custody. The listing is the verifiable one (docs/drop-api.md,
:mod:`tysha.protocol.listing`): every index accounted for and proved against the verified
checkpoint, so an entry the drop omits, substitutes or falsely calls gone is reported as
WITHHELD and the cursor stays before it.

:class:`FetchResult` carries where the time went (listing, scanning, downloading, opening and
storing, proofs), measured inside the fetch; ``bench/fetch.py`` reports it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, TypeGuard

from tysha.desk.provenance import check_attachments
from tysha.desk.store import BlobWriter, DeskStore, DropState, Source, now_iso
from tysha.desk.views import SHARED_REVOKED, shared_key
from tysha.errors import (
    DropRefused,
    ProtocolError,
    StorageError,
    TransportError,
    TyshaError,
    VerificationError,
)
from tysha.evidence.anchor import ANCHOR_DOMAIN
from tysha.evidence.custody import custody_head, custody_origin, custody_verifier
from tysha.protocol import (
    EnvelopeOpener,
    Manifest,
    Scanner,
    deletion_secrets,
    parse_header,
    unwrap_slot,
)
from tysha.protocol.envelope import MAX_ENVELOPE_SIZE, MAX_HEADER_SIZE, EnvelopeHeader, SlotKey
from tysha.protocol.listing import DELETED, EXPIRED, EXPIRY_SLACK_HOURS, hour_text
from tysha.protocol.manifest import addressed_to, client_of
from tysha.protocol.sealed_report import OpenedReport, ReportReader
from tysha.tlog import (
    Checkpoint,
    NoteVerifier,
    leaf_hash,
    open_checkpoint,
    parse_note,
    verify_consistency,
    verify_inclusion,
)
from tysha.tlog.merkle import verify_consistency_between
from tysha.tlog.witness import WitnessPolicy, check_witnesses, pinned_policy
from tysha.transport import DropClient

__all__ = [
    "PAGE",
    "FetchResult",
    "check_receipt_log",
    "fetch_all",
    "set_witness_policy",
    "withheld",
    "witness_policy",
]

#: Clue records asked for per listing page; a page longer than this is an anomaly.
PAGE = 5000
#: An honest page advances the cursor by the page's length (gone entries included); a drop
#: that creeps forward slower than this many entries a page is cut off (issue 9.6).
MIN_ADVANCE = 1000
_MAX_TEXT = 1 << 20  # a report's text, in characters
_MAX_FIELD = 4096  # when / where / created_at / names


@dataclass
class FetchResult:
    scanned: int = 0
    listing_bytes: int = 0
    new_reports: list[str] = field(default_factory=list)
    skipped: int = 0
    quarantined: list[str] = field(default_factory=list)  # "envelope N: step: family"
    forks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)  # drop URLs that did not answer
    anomalies: list[str] = field(default_factory=list)  # a drop's listing misbehaved
    # "URL: entry N WITHHELD: what the drop did" (omitted, substituted, falsely gone)
    withheld: list[str] = field(default_factory=list)
    # drop URL -> which witness cosignatures were checked (a drop with a witness policy)
    witnessed: dict[str, str] = field(default_factory=dict)
    # a drop whose witness policy was not met: nothing fetched from it (issue 14)
    unwitnessed: list[str] = field(default_factory=list)
    # drop URL -> the address that answered, for a drop with several addresses
    answered: dict[str, str] = field(default_factory=dict)
    replies: Any = None  # a service.SendResult once Desk.fetch sent queued replies
    # the custody anchor Desk.fetch made (setting ``anchor_every``): what anchor_custody keeps
    anchored: dict[str, Any] | None = None
    anchor_failed: str = ""  # why the anchor that was due was not made (tried again next fetch)
    downloaded_bytes: int = 0
    seconds: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(
            ("checkpoint", "listing", "scan", "download", "proof", "open_store", "delete"), 0.0
        )
    )

    def _add(self, what: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[what] += now - since
        return now


def _record_fork(store: DeskStore, drop: DropState, detail: str) -> None:
    """Flag the drop as forked (shown wherever its reports are) and log it in custody."""
    drop.forked = True
    store.save_drop(drop)
    store.custody("fork-detected", None, {"drop": drop.url, "detail": detail})


class UnprovenConsistency(ProtocolError):
    """The drop signed a checkpoint but answered the request for the proof that it extends
    what this desk saw with something malformed. That proves no fork - only a proof that
    fails to verify, a refusal to prove a tree the drop signed, or a log that shrank does -
    but nothing is taken from that drop until it proves it: the desk's checkpoint stays where
    it was, and the next fetch asks again."""


def _proof_or_unproven(client: DropClient, drop: DropState, old: int, new: int) -> list[bytes]:
    """The drop's consistency proof from ``old`` to ``new`` entries (``[]`` when equal),
    both sizes of checkpoints the drop signed. A refusal (4xx) raises VerificationError:
    the drop denies a tree its key signed. A malformed answer raises
    :class:`UnprovenConsistency`; a server failure (5xx), a busy answer (429 or 408: a proxy's
    rate limit, a request that took too long) or no answer stays a TransportError (try again
    later): they say nothing of the log, and a fork is recorded for good."""
    if old == new:
        return []
    try:
        return client.consistency_proof(old, new)
    except DropRefused as exc:
        if exc.busy:
            raise
        raise VerificationError(exc.message) from None
    except ProtocolError as exc:
        raise UnprovenConsistency(
            f"{drop.url}: not advancing: the drop signed a log of {new} entries but did not"
            f" prove it consistent with the {old} this desk saw ({exc.message}); nothing new"
            " was taken from it. If this persists, the drop may be hiding a fork: tell your"
            " organisation."
        ) from None


def _check_log(store: DeskStore, client: DropClient, drop: DropState) -> Checkpoint:
    note = client.checkpoint()
    try:
        cp = open_checkpoint(note, NoteVerifier.from_vkey(drop.vkey))
    except VerificationError as exc:
        # Another key than the one the invitation was made with: most often a --drop-key
        # copied from another drop; else someone answering in the drop's place.
        raise VerificationError(
            f"{drop.url}: the drop's log is not signed by the key this desk was given for it"
            f" ({exc.message}). Check the --drop-key the invitation was made with: `tysha drop"
            ' info --json` on the drop gives it as "vkey"; if it is the same, do not trust this'
            " drop and tell your organisation."
        ) from None
    drop.cp_note = note
    old_size, old_root = drop.cp_size, drop.cp_root
    if old_size and old_root:
        root = bytes.fromhex(old_root)
        try:
            if old_size <= cp.size:
                proof = _proof_or_unproven(client, drop, old_size, cp.size)
                verify_consistency(old_size, cp.size, root, cp.root_hash, proof)
            else:
                raise VerificationError(f"the log shrank from {old_size} to {cp.size} entries")
        except VerificationError as exc:
            raise _forked(store, drop, exc) from None
    drop.cp_size, drop.cp_root = cp.size, cp.root_hash.hex()
    store.save_drop(drop)
    _check_receipts_ahead(store, client, drop, cp)
    return cp


def _forked(store: DeskStore, drop: DropState, exc: VerificationError) -> VerificationError:
    """A fork of ``drop``'s log, recorded (the drop flagged, a custody event), as the error
    the handler reads."""
    _record_fork(store, drop, exc.message)
    return VerificationError(
        f"FORK: the drop {drop.url} shows a history inconsistent with the one this desk "
        f"saw before ({exc.message}). Do not trust it; tell your organisation."
    )


#: Desk setting: drop URL -> [size, root hex] of the largest checkpoint a reply's receipt
#: carried beyond the log this desk verified at fetch (checked against the next one fetched).
_RECEIPT_AHEAD_KEY = "receipt_checkpoint_ahead"


def _consistent_either_way(
    client: DropClient, drop: DropState, a_size: int, a_root: bytes, cp: Checkpoint
) -> None:
    """That ``cp`` and the tree (``a_size``, ``a_root``) are one history, whichever is larger
    (VerificationError if not; UnprovenConsistency for a malformed proof)."""
    verify_consistency_between(
        a_size, a_root, cp.size, cp.root_hash,
        lambda old, new: _proof_or_unproven(client, drop, old, new),
    )  # fmt: skip


def _check_receipts_ahead(
    store: DeskStore, client: DropClient, drop: DropState, cp: Checkpoint
) -> None:
    """A reply's receipt showed a tree larger than the one verified then: the log verified now
    must be the same history (a fork otherwise, recorded and raised as in _check_log)."""
    every = dict(store.get_setting(_RECEIPT_AHEAD_KEY, {}))
    ahead = every.get(drop.url)
    if not _pair_hex(ahead):
        return
    size, root = int(ahead[0]), bytes.fromhex(ahead[1])
    try:
        _consistent_either_way(client, drop, size, root, cp)
    except VerificationError as exc:
        raise _forked(store, drop, exc) from None
    if cp.size >= size:
        every.pop(drop.url, None)
        store.set_setting(_RECEIPT_AHEAD_KEY, every)


#: How a withheld flag for a frozen checkpoint starts (recomputed on every fetch, never kept).
_FROZEN = "an old checkpoint:"


def _frozen_below_receipt(store: DeskStore, drop: DropState) -> int | None:
    """The size of the tree a reply's receipt the drop signed for this desk showed, when the
    checkpoint it serves now (verified one history with it by :func:`_check_receipts_ahead`)
    is smaller: the drop keeps serving an old checkpoint, so what it logged after it (reports
    to this desk) stays hidden while every proof verifies. None otherwise."""
    ahead = store.get_setting(_RECEIPT_AHEAD_KEY, {}).get(drop.url)
    if not _pair_hex(ahead) or int(ahead[0]) <= drop.cp_size:
        return None
    return int(ahead[0])


def _pair_hex(value: Any) -> TypeGuard[list[Any]]:
    return (
        isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)
        and isinstance(value[1], str) and len(value[1]) == 64
    )  # fmt: skip


def check_receipt_log(
    store: DeskStore, client: DropClient, drop: DropState, cp: Checkpoint, detail: dict[str, Any]
) -> None:
    """The checkpoint of a receipt the drop gave this desk (its signature checked) against the
    log this desk verified for ``drop``: the drop must show everyone one history, the desk's
    replies included. A receipt from another history is a fork: recorded (the drop flagged
    forked, a custody event with ``detail`` and the receipt's checkpoint) and raised as a
    VerificationError starting ``FORK``. UnprovenConsistency for a malformed proof (nothing
    proved either way), TransportError when the drop did not answer. A checkpoint ahead of the
    verified log is remembered: the next fetch's must be consistent with it too (a checkpoint
    the drop publishes may lag behind its receipts, so it is not taken as the verified one)."""
    every = dict(store.get_setting(_RECEIPT_AHEAD_KEY, {}))
    ahead = every.get(drop.url)
    seen = [(drop.cp_size, drop.cp_root)] if drop.cp_size and drop.cp_root else []
    if _pair_hex(ahead):  # an earlier receipt's tree: one history with this one too
        seen.append((int(ahead[0]), str(ahead[1])))
    for size, root in seen:
        try:
            _consistent_either_way(client, drop, size, bytes.fromhex(root), cp)
        except VerificationError as exc:
            drop.forked = True
            with store.transaction():
                store.save_drop(drop)
                store.custody("fork-detected", None, {
                    "drop": drop.url, "detail": exc.message, **detail,
                    "receipt_checkpoint": {"size": cp.size, "root": cp.root_hash.hex()},
                })  # fmt: skip
            raise VerificationError(
                f"FORK: the drop {drop.url} answered this desk with a receipt from a history"
                f" inconsistent with the one this desk verified ({exc.message}). What it sent"
                " may never reach the source. Do not trust the drop; tell your organisation."
            ) from None
    if cp.size > drop.cp_size:
        if not _pair_hex(ahead) or int(ahead[0]) < cp.size:
            every[drop.url] = [cp.size, cp.root_hash.hex()]
            store.set_setting(_RECEIPT_AHEAD_KEY, every)


def fetch_all(
    store: DeskStore,
    progress: Callable[[str, int, int], None] | None = None,
    client_factory: Callable[[str], DropClient] = DropClient,
) -> FetchResult:
    result = FetchResult()
    scanner = Scanner(store.identity.clue_secret, store.public.clue)
    damaged: list[str] = []  # one damaged drop record never stops fetching from the others
    drops = store.drops(damaged)
    for _ in damaged:
        result.errors.append(
            "a drop's record in the desk is damaged: its reports are not fetched; restore the "
            "desk folder from your backup"
        )
    for drop in drops:
        t = time.perf_counter()
        try:
            client, cp, address = _first_answering(store, drop, client_factory)
        except VerificationError as exc:
            result.forks.append(exc.message)
            continue
        except TransportError:
            result.unreachable.append(drop.url)
            none = f"none of its {len(drop.addresses)} addresses answered" if drop.mirrors else ""
            result.errors.append(
                f"{drop.url}: the drop is unreachable{' (' + none + ')' if none else ''};"
                " try again later"
            )
            continue
        except UnprovenConsistency as exc:
            result.errors.append(exc.message)
            continue
        except ProtocolError as exc:
            result.errors.append(f"{drop.url}: the drop's checkpoint is unusable: {exc}")
            continue
        if drop.mirrors:
            result.answered[drop.url] = address
        with client:
            result._add("checkpoint", t)
            try:
                cp = _check_witnesses(store, client, drop, cp, result)
            except TransportError:
                result.unreachable.append(drop.url)
                result.errors.append(f"{drop.url}: the drop stopped answering; try again later")
                continue
            except UnprovenConsistency as exc:
                result.errors.append(exc.message)
                continue
            except VerificationError as exc:
                (result.forks if exc.message.startswith("FORK") else result.unwitnessed).append(
                    exc.message
                )
                continue
            try:
                _retry_deletions(store, client, drop, result)
                _walk_listing(store, client, drop, cp, scanner, progress, result)
            except TransportError:
                result.unreachable.append(drop.url)
                result.errors.append(f"{drop.url}: the drop stopped answering; try again later")
    return result


#: Desk setting: drop URL -> {"witnesses": [vkey, ...], "k": K} (issue 14).
_WITNESS_KEY = "witness_policy"


def set_witness_policy(
    store: DeskStore, urls: Sequence[str], vkeys: Sequence[str], k: int | None
) -> dict[str, Any]:
    """Pin "``k`` of these witnesses" (C2SP tlog-cosignature vkeys; ``k`` defaults to all)
    for each drop in ``urls``; an empty ``vkeys`` removes the policy. BadInput for a key that
    is not a witness key or a ``k`` that cannot be met; nothing changes then."""
    policy = pinned_policy(vkeys, k)
    every = dict(store.get_setting(_WITNESS_KEY, {}))
    for url in urls:
        if policy is None:
            every.pop(url, None)
        else:
            every[url] = policy
    store.set_setting(_WITNESS_KEY, every)
    return every


def witness_policy(store: DeskStore, url: str) -> WitnessPolicy | None:
    """The witness policy pinned for a drop, if any."""
    raw = store.get_setting(_WITNESS_KEY, {}).get(url)
    if not isinstance(raw, dict):
        return None
    return WitnessPolicy.from_vkeys([str(v) for v in raw["witnesses"]], int(raw["k"]))


def _check_witnesses(
    store: DeskStore, client: DropClient, drop: DropState, cp: Checkpoint, result: FetchResult
) -> Checkpoint:
    """With a witness policy for this drop: the checkpoint the desk may advance to. The
    drop's cosigned checkpoint (``/log/checkpoint.cosigned``) must carry ``k`` valid
    cosignatures of the pinned witnesses (none invalid) and be consistent with the checkpoint
    just verified; the walk then goes no further than what the witnesses cosigned.
    VerificationError naming the missing witnesses otherwise (``FORK:`` first when the
    cosigned tree is another history: recorded like any fork). Which cosignatures were
    checked goes to ``result.witnessed``."""
    policy = witness_policy(store, drop.url)
    if policy is None:
        return cp
    verifier = NoteVerifier.from_vkey(drop.vkey)
    try:
        note = client.log_file("checkpoint.cosigned").decode("utf-8")
        checked = check_witnesses(note, verifier, policy, origin=cp.origin)
    except DropRefused as exc:
        if exc.status != 404:
            raise
        names = ", ".join(w.name for w in policy.witnesses)
        raise VerificationError(
            f"{drop.url}: not advancing: the drop serves no cosigned checkpoint, and this desk"
            f" requires {policy.k} of its witnesses ({names}); missing: {names}"
        ) from None
    except (ProtocolError, UnicodeDecodeError, VerificationError) as exc:
        detail = exc.message if isinstance(exc, TyshaError) else "not text"
        raise VerificationError(
            f"{drop.url}: not advancing: the drop's cosigned checkpoint is unusable ({detail})"
        ) from None
    summary = checked.summary()
    result.witnessed[drop.url] = summary
    if not checked.accepted:
        missing = [c.name for c in checked.checks if c.status in ("missing", "invalid")]
        raise VerificationError(
            f"{drop.url}: not advancing: the witness policy is not met ({summary}); missing:"
            f" {', '.join(missing) or '-'}"
        )
    wcp = checked.checkpoint
    try:
        _consistent_either_way(client, drop, wcp.size, wcp.root_hash, cp)
    except VerificationError as exc:
        _record_fork(store, drop, exc.message)
        raise VerificationError(
            f"FORK: the drop {drop.url} had its witnesses cosign a history inconsistent with"
            f" the one it shows this desk ({exc.message}). Do not trust it; tell your"
            " organisation."
        ) from None
    # Only what the witnesses cosigned is taken; the rest waits for their next cosignature.
    return wcp if wcp.size < cp.size else cp


def _first_answering(
    store: DeskStore, drop: DropState, client_factory: Callable[[str], DropClient]
) -> tuple[DropClient, Checkpoint, str]:
    """The drop's first address (in the invitation's order) whose checkpoint could be
    fetched, each over its own client: one address is never sent to another. Only an
    unreachable address moves on to the next; a fork or a bad checkpoint is the log's
    answer and stops here."""
    last: TransportError | None = None
    for address in drop.addresses:
        client = client_factory(address)
        try:
            cp = _check_log(store, client, drop)
        except TransportError as exc:
            client.close()
            last = exc
            continue
        except BaseException:
            client.close()
            raise
        return client, cp, address
    raise last or TransportError("the drop has no address")


def _anomaly(store: DeskStore, result: FetchResult, drop: DropState, what: str) -> None:
    result.errors.append(f"{drop.url}: {what}")
    result.anomalies.append(f"{drop.url}: {what}")
    store.custody("listing-anomaly", None, {"drop": drop.url, "detail": what})


def _walk_listing(
    store: DeskStore,
    client: DropClient,
    drop: DropState,
    cp: Checkpoint,
    scanner: Scanner,
    progress: Callable[[str, int, int], None] | None,
    result: FetchResult,
) -> None:
    """Page through the verifiable listing from the stored cursor up to the checkpoint's size.

    Every index of every page is accounted for (:meth:`DropClient.audited_page`): an entry
    the drop omits or calls expired too early, and an entry addressed to this desk that the
    drop calls deleted although this desk never took it (the log's entry there, proved, is
    not a digest this desk holds), calls expired before this desk's key existed, or serves
    as another envelope than the log holds, is WITHHELD: reported (``FetchResult.withheld``,
    a custody event the first time, the drop's flag in :func:`withheld`), and the stored
    cursor stays before it, so it is looked at again on every fetch; the pages after it are
    still read and their reports fetched."""
    last = cp.size - 1  # the last index the verified checkpoint covers
    cursor = min(drop.cursor, last)
    page_cursor = cursor
    now_hour = int(time.time()) // 3600
    fresh = store.get_setting(_SEEN_KEY, {}).get(drop.url)
    fresh_from, fresh_hour = (int(fresh[0]), int(fresh[1])) if _pair(fresh) else (None, None)
    retention = _retention_hours(store, client, drop)
    born = _key_birth_hour(store)
    held = _held_digests(store)
    raw_taken = store.get_setting(_TAKEN_KEY, {}).get(drop.url, [])
    taken = {int(i) for i in raw_taken if isinstance(i, int) and i > cursor}
    old_flags = withheld(store, drop.url)
    flags: dict[int, str] = {}
    signed, served = _frozen_below_receipt(store, drop), drop.cp_size
    if signed:
        flags[served] = (
            f"an old checkpoint: the drop serves its log as {served} entries, though it signed"
            f" a receipt for this desk in a log of {signed}; the entries from this one on are"
            " hidden from this desk"
        )
    # Entries deleted with this desk's secret although it holds none of them: index -> digest
    copy_took = _copy_took(store, drop.url)
    own_secret: dict[int, bytes] = {}
    pages_left = -(-(last - cursor) // MIN_ADVANCE) + 2
    warned_legacy = False
    latest: int | None = None  # the latest arrival hour the drop gives an expired entry
    try:
        while page_cursor < last:
            if pages_left == 0:
                _anomaly(store, result, drop, "the clue listing advances too slowly; stopped")
                return
            pages_left -= 1
            t = time.perf_counter()
            base = getattr(client, "bytes_received", 0)
            try:
                audit, end = client.audited_page(
                    page_cursor, cp, PAGE, now_hour=now_hour, retention_hours=retention,
                    fresh_from=fresh_from, fresh_hour=fresh_hour,
                )  # fmt: skip
            except ProtocolError as exc:
                _anomaly(store, result, drop, f"the clue listing is malformed ({exc.message})")
                return
            except VerificationError as exc:
                _anomaly(
                    store, result, drop,
                    f"{exc.message} (at entry {page_cursor + 1} of the {cp.size} its log holds)",
                )  # fmt: skip
                return
            t = result._add("listing", t)
            result.listing_bytes += getattr(client, "bytes_received", 0) - base
            if not audit.verifiable and not warned_legacy:
                warned_legacy = True
                result.warnings.append(
                    f"{drop.url}: the drop serves only the old listing; an entry it leaves out"
                    " cannot be detected"
                )
            for index, why in audit.problems.items():
                flags[index] = why
            if audit.latest_hour is not None:
                latest = max(latest or 0, audit.latest_hour)
            result.scanned += len(audit.records)
            hits = [rec for rec in audit.records if scanner.match(rec) is not None]
            result._add("scan", t)
            for rec in hits:
                if rec.state == EXPIRED and rec.hour is not None and rec.hour < born - 1:
                    flags[rec.index] = (
                        f"claimed expired ({hour_text(rec.hour)}), but it is addressed to this"
                        " desk, whose key is younger"
                    )
                    continue
                if rec.state == EXPIRED:
                    result.warnings.append(
                        f"{drop.url}: entry {rec.index} addressed to this desk expired on the"
                        " drop before it was fetched"
                    )
                    continue
                if rec.index in taken:
                    continue  # taken on an earlier pass (the cursor was held back before it)
                if rec.state == DELETED:
                    if rec.index in copy_took:
                        continue  # taken by another copy of this desk: recorded already
                    problem = _deleted_without_us(client, cp, rec.index, held, own_secret)
                    if problem:
                        flags[rec.index] = problem
                    continue
                intake = _Intake(store, client, drop, rec.index, cp, progress, result)
                outcome = intake.run()
                if outcome == "retry":
                    # A download broke: retry from here next time; nothing is lost.
                    page_cursor = rec.index - 1
                    return
                if outcome == "gone" and intake.gone_damaged:
                    flags[rec.index] = (
                        "listed as live, but the drop answers that its copy is damaged or lost"
                        f" ({intake.gone_status}): tell the drop's operator (its disk may be"
                        " failing); the report in it cannot be read unless its sender sends it"
                        " again"
                    )
                    continue
                if outcome == "gone":
                    flags[rec.index] = (
                        "listed as live, but the drop answers that it is gone"
                        f" ({intake.gone_status})"
                    )
                    continue
                if intake.served_other:
                    flags[rec.index] = (
                        "the drop served another envelope than its log holds at this index"
                    )
                else:
                    taken.add(rec.index)
            page_cursor = end
    finally:
        if flags and latest is not None and latest > now_hour + EXPIRY_SLACK_HOURS:
            # Honest expiries look too recent to a clock far behind: the handler can tell
            # which of the two is wrong; the entries stay withheld.
            result.warnings.append(
                f"{drop.url}: this desk's clock reads {hour_text(now_hour)}, and the drop says"
                f" entries arrived up to {hour_text(latest)}: if the desk's clock is behind,"
                " set it right and fetch again"
            )
        _taken_by_another_copy(store, result, drop, flags, own_secret)
        _record_withheld(store, result, drop, old_flags, flags, page_cursor)
        # Never past an entry withheld: it is looked at again next time. What was taken
        # beyond the stored cursor is remembered, so a later pass does not download it again.
        done = min([page_cursor] + [i - 1 for i in flags])
        _save_cursor(store, drop, max(done, cursor))
        every = dict(store.get_setting(_TAKEN_KEY, {}))
        keep = sorted(i for i in taken if i > drop.cursor)
        if keep or drop.url in every:
            every[drop.url] = keep
            store.set_setting(_TAKEN_KEY, every)
        if page_cursor >= last:
            seen = dict(store.get_setting(_SEEN_KEY, {}))
            seen[drop.url] = [cp.size, now_hour]
            store.set_setting(_SEEN_KEY, seen)


#: Desk settings: per drop, the verified log size at the last complete fetch and its hour
#: (an entry at or after that size arrived later: it cannot have expired before), the
#: drop's retention as first announced, and the entries it withholds.
_SEEN_KEY = "listing_seen"
_RETENTION_KEY = "drop_retention_hours"
_WITHHELD_KEY = "withheld"
#: "<drop url> <index>" of the anchors of another copy of this desk already recorded.
_LOST_ANCHORS_KEY = "lost_anchors"
#: "<drop url> <index>" of the entries recorded as taken by another copy of this desk.
_COPY_TOOK_KEY = "taken_by_another_copy"
_BORN_KEY = "key_birth_hour"
_TAKEN_KEY = "taken_beyond_cursor"
#: The retention assumed for a drop that does not announce one (DropConfig's default).
_DEFAULT_RETENTION_HOURS = 90 * 24


#: Desk setting: per drop, the entries stored here whose slot on the drop is not yet known
#: deleted (index -> report id); each fetch tries again (step 8).
_UNDELETED_KEY = "undeleted_on_drop"


def _undeleted(store: DeskStore, url: str) -> dict[int, str]:
    raw = store.get_setting(_UNDELETED_KEY, {}).get(url, {})
    return {int(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _set_undeleted(store: DeskStore, url: str, index: int, rid: str | None) -> None:
    """Remember (``rid``) or forget (None) that entry ``index`` still waits for deletion."""
    every = dict(store.get_setting(_UNDELETED_KEY, {}))
    mine = {k: v for k, v in dict(every.get(url, {})).items() if k != str(index)}
    if rid is not None:
        mine[str(index)] = rid
    if mine:
        every[url] = mine
    else:
        every.pop(url, None)
    store.set_setting(_UNDELETED_KEY, every)


def _delete_slot(
    store: DeskStore, client: DropClient, drop: DropState, index: int, rid: str,
    secrets: Sequence[bytes], result: FetchResult,
) -> None:
    """Delete this desk's slot of a stored report's envelope, and its look-alike slots
    (``secrets``: :func:`tysha.protocol.deletion_secrets`, this desk's own first). Done: the
    custody event and the end of the retry are one commit, and the event says what the drop
    answered: ``deleted-from-drop`` when the envelope is gone from it, ``slot-deleted-on-drop``
    when it keeps it for another recipient (an escrow desk) or until it expires (an envelope
    sealed before look-alike secrets were derived). A failure that may pass (no answer, a
    server error, a malformed answer) keeps it for the next fetch, which shows every secret
    again (a slot deleted twice stays deleted); a refusal ends the retries (the envelope
    expires on the drop). Either way custody claims no deletion the drop did not accept."""
    gone = False
    try:
        for secret in secrets:
            gone = client.delete(index, secret)
    except TyshaError as exc:
        status = getattr(exc, "status", None)
        if status == 410:  # already deleted or expired there: nothing left to delete
            _set_undeleted(store, drop.url, index, None)
            result.warnings.append(
                f"envelope {index}: stored; the drop says its copy is already gone"
                " (deleted or expired)"
            )
        elif isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
            _set_undeleted(store, drop.url, index, None)
            result.warnings.append(
                f"envelope {index}: stored, but the drop refused to delete it ({exc.message});"
                " it stays there until it expires"
            )
        else:
            result.warnings.append(
                f"envelope {index}: stored, but not deleted from the drop ({exc.message});"
                " the desk tries again on the next fetch"
            )
        return
    with store.transaction():
        store.custody(
            "deleted-from-drop" if gone else "slot-deleted-on-drop",
            rid,
            {"drop": drop.url, "index": index},
        )
        _set_undeleted(store, drop.url, index, None)


def _retry_deletions(
    store: DeskStore, client: DropClient, drop: DropState, result: FetchResult
) -> None:
    """Delete the slots an earlier fetch stored but could not delete (the drop failed, or
    the desk stopped between storing and deleting)."""
    for index, rid in sorted(_undeleted(store, drop.url).items()):
        try:
            r = store.get_report(rid).data
            head = b""
            for piece in store.read_blob(str(r["envelope_blob"]), int(r["envelope_size"])):
                head += piece
                if len(head) >= 4 + MAX_HEADER_SIZE:
                    break
            header = parse_header(head)
            secrets = deletion_secrets(header, unwrap_slot(header, store.identity))
        except (TyshaError, KeyError, ValueError, TypeError):
            _set_undeleted(store, drop.url, index, None)  # nothing to delete it with
            continue
        _delete_slot(store, client, drop, index, rid, secrets, result)


def _pair(value: Any) -> bool:
    return (
        isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)
    )


def _retention_hours(store: DeskStore, client: DropClient, drop: DropState) -> int:
    """The drop's retention as first announced (pinned: a drop that later claims a shorter
    one to excuse an expiry is held to the first)."""
    pinned = dict(store.get_setting(_RETENTION_KEY, {}))
    value = pinned.get(drop.url)
    if isinstance(value, int) and value > 0:
        return value
    try:
        days = client.info().get("retention_days")
    except (TransportError, ProtocolError, ValueError):
        days = None
    hours = days * 24 if isinstance(days, int) and 0 < days < 100_000 else None
    if hours is None:
        return _DEFAULT_RETENTION_HOURS
    pinned[drop.url] = hours
    store.set_setting(_RETENTION_KEY, pinned)
    return hours


def _deleted_without_us(
    client: DropClient, cp: Checkpoint, index: int, held: set[bytes],
    own_secret: dict[int, bytes],
) -> str | None:
    """Why an entry addressed to this desk that the drop calls deleted was withheld, or None
    when this desk took it (deleting needs this desk's slot secret, sealed to it alone). Its
    digest is the log's, proved against the verified checkpoint, never the drop's word. One
    proved but not held goes into ``own_secret`` (index -> digest): a copy of this desk may
    have taken it (:func:`_taken_by_another_copy`)."""
    try:
        digest = client.proved_entry(index, cp)
    except (VerificationError, ProtocolError, DropRefused) as exc:
        # A drop that refuses the proof (its tiles, its entry bundle) proves nothing either.
        return f"called deleted, but its log entry cannot be proved ({exc.message})"
    if digest in held:
        return None
    own_secret[index] = digest
    # Deleting takes every slot's secret, this desk's among them, sealed to its key alone:
    # a copy of this desk used it (one restored from a backup made before it took the
    # entry, or the same desk run in two places), or the drop says so falsely.
    return (
        "addressed to this desk and deleted on the drop with this desk's secret: a copy of this"
        " desk took it (this desk restored from a backup, or run in two places), or the drop"
        " hides it"
    )


def _entry_keys(store: DeskStore, setting: str, url: str) -> list[int]:
    """The indexes of ``url`` in a setting of "<drop url> <index>" strings."""
    raw = store.get_setting(setting)
    out = []
    for item in raw if isinstance(raw, list) else []:
        where, _, index = str(item).rpartition(" ")
        if where == url and index.isdigit():
            out.append(int(index))
    return out


def _copy_took(store: DeskStore, url: str) -> set[int]:
    """The entries of ``url`` recorded as taken by another copy of this desk."""
    return set(_entry_keys(store, _COPY_TOOK_KEY, url))


def _taken_by_another_copy(
    store: DeskStore,
    result: FetchResult,
    drop: DropState,
    flags: dict[int, str],
    own_secret: dict[int, bytes],
) -> None:
    """Entries deleted on the drop with this desk's secret, that this desk does not hold, are
    no longer withheld once another copy of this desk is proved to have run past them: an
    anchor of this desk's custody, signed with its key and sealed to it (the drop can forge
    neither), that holds a custody this desk does not (``custody-restored``), logged on this
    drop after the entry. That copy - the desk before it was restored from an earlier backup,
    or the same desk run in two places - walked this drop past the entry and took it. Each is
    recorded in custody once (what was taken, and the anchor that proves the copy), said
    once, and never looked at again; the cursor may pass it. Any other stays withheld."""
    anchors = _entry_keys(store, _LOST_ANCHORS_KEY, drop.url)
    if not anchors or not own_secret:
        return
    at = max(anchors)
    took = store.get_setting(_COPY_TOOK_KEY)
    took = list(took) if isinstance(took, list) else []
    for index, digest in sorted(own_secret.items()):
        if index not in flags or index >= at:
            continue
        with store.transaction():
            store.custody(
                "taken-by-another-copy",
                None,
                {"drop": drop.url, "index": index, "digest": digest.hex(), "anchor_index": at},
            )
            took.append(f"{drop.url} {index}")
            store.set_setting(_COPY_TOOK_KEY, took)
        del flags[index]
        result.warnings.append(
            f"{drop.url}: entry {index}, addressed to this desk, was taken by another copy of"
            f" this desk, which anchored a custody this desk does not hold at entry {at}: its"
            " report went with that copy (this desk was restored from an earlier copy, or run"
            " in two places); an escrow desk, if this desk has one, holds it too. This is"
            " recorded in custody"
        )


def _key_birth_hour(store: DeskStore) -> int:
    """The hour this desk's key was made (its first custody event), kept as a setting: an
    envelope addressed to it cannot have arrived before, so cannot have expired since."""
    hour = store.get_setting(_BORN_KEY)
    if isinstance(hour, int):
        return hour
    hour = 0
    events = store.custody_events()
    if events:
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            when = datetime.fromisoformat(str(events[0]["at"]).replace("Z", "+00:00"))
            hour = int(when.timestamp()) // 3600
    store.set_setting(_BORN_KEY, hour)
    return hour


def _held_digests(store: DeskStore) -> _HeldSet:
    """Digests this desk took from a drop (reports, its own anchors via ``has_digest``) or
    set aside: the envelopes whose slot it deleted or chose to leave."""
    out: set[bytes] = set()
    for q in store.quarantined():
        try:
            out.add(bytes.fromhex(q.digest))
        except ValueError:
            continue
    return _HeldSet(store, out)


class _HeldSet(set[bytes]):
    """The quarantined digests, and any digest the desk's store holds (asked lazily)."""

    def __init__(self, store: DeskStore, initial: set[bytes]) -> None:
        super().__init__(initial)
        self._store = store

    def __contains__(self, digest: object) -> bool:
        if super().__contains__(digest):
            return True
        return isinstance(digest, bytes) and self._store.has_digest(digest)


def withheld(store: DeskStore, url: str) -> dict[int, str]:
    """The entries a drop withholds from this desk, as last found: index -> what it did."""
    raw = store.get_setting(_WITHHELD_KEY, {}).get(url, {})
    return {int(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _record_withheld(
    store: DeskStore,
    result: FetchResult,
    drop: DropState,
    old: dict[int, str],
    found: dict[int, str],
    walked_to: int,
) -> None:
    """Keep the drop's withheld entries (those found now, and old ones this walk did not
    reach); a custody event for each one the first time; every one reported."""
    now = {
        i: why for i, why in old.items() if i > walked_to and not why.startswith(_FROZEN)
    } | found
    for index, why in sorted(found.items()):
        if index not in old:
            store.custody(
                "withheld-by-drop", None, {"drop": drop.url, "index": index, "detail": why}
            )
    for index, why in sorted(now.items()):
        result.withheld.append(f"{drop.url}: entry {index} WITHHELD: {why}")
    every = dict(store.get_setting(_WITHHELD_KEY, {}))
    if now:
        every[drop.url] = {str(i): why for i, why in now.items()}
    else:
        every.pop(drop.url, None)
    if every != store.get_setting(_WITHHELD_KEY, {}):
        store.set_setting(_WITHHELD_KEY, every)


def _save_cursor(store: DeskStore, drop: DropState, cursor: int) -> None:
    drop.cursor = min(cursor, drop.cp_size - 1)
    store.save_drop(drop)


class _Quarantine(Exception):
    """An envelope that will never open or verify here: record it and move on."""

    def __init__(self, step: str, family: str) -> None:
        super().__init__(f"{step}: {family}")
        self.step, self.family = step, family


class _OwnAnchor(Exception):  # noqa: N818 - a finding, not an error
    """The envelope is one of this desk's own custody anchors (desk/anchor.py): ``note`` is
    the custody head it carries."""

    def __init__(self, note: str) -> None:
        super().__init__("an anchor of this desk's custody")
        self.note = note


#: How an anchor's content starts (tysha.evidence.anchor.anchor_content).
_ANCHOR_PREFIX = ANCHOR_DOMAIN + b"\x00"
#: An anchor is one signed note: anything longer is not one.
_ANCHOR_MAX = 16 << 10


class _Intake:
    """One envelope, through the numbered steps of the module docstring."""

    def __init__(
        self,
        store: DeskStore,
        client: DropClient,
        drop: DropState,
        index: int,
        cp: Checkpoint,
        progress: Callable[[str, int, int], None] | None,
        result: FetchResult,
    ) -> None:
        self.store, self.client, self.drop, self.index, self.cp = store, client, drop, index, cp
        self.progress, self.result = progress, result
        self.writers: list[BlobWriter] = []  # every blob this envelope made, to undo on failure
        self.step = "download"
        self.digest = b""
        #: The envelope served is not the log's entry at this index (issue 9.6: withheld).
        self.served_other = False
        #: The status with which the drop called this live entry gone (404/410).
        self.gone_status = 0
        #: The drop says its copy of the envelope is damaged or lost (not deleted).
        self.gone_damaged = False
        #: The sender's source, enrolled here, whose record does not open (stored as the
        #: report's source_id: the views flag it 'source-unreadable', never trusted).
        self.unreadable_source: str | None = None

    def run(self) -> str:
        """ "new", "skipped", "quarantined", "retry" or "gone" (listed as live, then
        refused as gone: withheld)."""
        try:
            rid = self._steps()
        except (TransportError, ProtocolError) as exc:
            self._undo()
            status = getattr(exc, "status", None)  # DropRefused (and the older client's 4xx)
            if status in (404, 410):
                # Listed as live, then "gone" when asked for: the drop withholds it (the
                # walk flags it and keeps the cursor before it; it is asked for again).
                self.gone_status = status
                body = getattr(exc, "body", None)
                self.gone_damaged = isinstance(body, dict) and body.get("error") == "damaged"
                return "gone"
            if isinstance(status, int) and 400 <= status < 500 and status not in (408, 429):
                self._quarantine(self.step, f"refused ({status})")
                return "quarantined"
            if isinstance(exc, ProtocolError):
                self._quarantine(self.step, "ProtocolError")
                return "quarantined"
            self.result.errors.append(f"envelope {self.index}: the drop did not answer; will retry")
            return "retry"
        except (StorageError, sqlite3.Error, OSError):
            # Our own disk or database failed, not the envelope: undo and retry later.
            self._undo()
            self.result.errors.append(f"envelope {self.index}: the desk could not store it")
            return "retry"
        except _Quarantine as q:
            self._undo()
            self._quarantine(q.step, q.family)
            return "quarantined"
        except _OwnAnchor as anchor:
            self._undo()
            try:
                self._own_anchor(anchor.note)
            except (VerificationError, ProtocolError):
                self._quarantine("open", "an anchor not signed by this desk")
                return "quarantined"
            except (StorageError, sqlite3.Error, OSError):
                self.result.errors.append(
                    f"envelope {self.index}: the desk could not store it"
                )
                return "retry"
            self.result.skipped += 1
            return "skipped"
        except Exception as exc:  # hostile input must never stop the other envelopes
            self._undo()
            family = type(exc).__name__ if isinstance(exc, TyshaError) else "malformed"
            self._quarantine(self.step, family)
            return "quarantined"
        if rid is None:
            self.result.skipped += 1
            return "skipped"
        self.result.new_reports.append(rid)
        return "new"

    def _own_anchor(self, note: str) -> None:
        """One of this desk's custody anchors that it does not hold (a desk keeps a record
        of each it makes): made by another copy of this desk. When that copy's custody went
        further than, or elsewhere from, this desk's - this desk restored from an earlier
        backup, or run in two places - this desk's next anchor would put a second custody
        head of the same desk in the log with nothing to explain it. It is said, and
        recorded in custody once: the anchor's size and root, and what this desk holds."""
        desk = self.store.public
        head = open_checkpoint(note, custody_verifier(desk), origin=custody_origin(desk))
        events = self.store.custody_events()
        if head.size <= len(events):
            mine = Checkpoint.parse(parse_note(custody_head(events[: head.size],
                                                            self.store.identity))[0])  # fmt: skip
            if mine.root_hash == head.root_hash:
                return  # the same custody: an anchor whose record this copy lacks
        key = f"{self.drop.url} {self.index}"
        seen = self.store.get_setting(_LOST_ANCHORS_KEY)
        seen = list(seen) if isinstance(seen, list) else []
        if key in seen:
            return
        self.store.custody(
            "custody-restored",
            None,
            {
                "drop": self.drop.url,
                "index": self.index,
                "anchored_size": head.size,
                "anchored_root": head.root_hash.hex(),
                "held": len(events),
            },
        )
        self.store.set_setting(_LOST_ANCHORS_KEY, [*seen, key])
        self.result.warnings.append(
            f"this desk anchored a custody log of {head.size} events ({self.drop.url}, entry"
            f" {self.index}) that it does not hold (it holds {len(events)}): it was restored"
            " from an earlier copy, or run in two places; what the other copy recorded is not"
            " here. This is recorded in custody"
        )

    def _undo(self) -> None:
        for w in self.writers:
            w.abort()
        self.writers.clear()

    def _quarantine(self, step: str, family: str) -> None:
        reason = f"{step}: {family}"
        self.store.quarantine(self.drop.url, self.index, self.digest.hex(), reason)
        # Recorded and passed over: not a failed fetch (the others arrived).
        self.result.quarantined.append(f"envelope {self.index} set aside ({reason})")

    def _writer(self) -> BlobWriter:
        w = self.store.blob_writer()
        self.writers.append(w)
        return w

    def _steps(self) -> str | None:
        t = time.perf_counter()
        # Small envelopes stay in memory; anything bigger streams to a temporary file
        # (ciphertext only), and from there chunk by chunk into encrypted blobs.
        with tempfile.SpooledTemporaryFile(max_size=8 << 20) as spool:
            header = self.step1_download(spool)
            t = self.result._add("download", t)
            if self.store.has_digest(self.digest):
                # Held already: legitimate only if the log holds it at this index (a drop
                # serving a copy of an old envelope would hide the entry that is there).
                self.served_other = bool(self.step2_receipt()[0])
                return None
            receipt_problem, proof = self.step2_receipt()
            self.served_other = bool(receipt_problem)
            t = self.result._add("proof", t)
            env_writer, key, opened, blobs = self.step3_open(spool, header)
        manifest = self.step4_manifest(opened)
        if manifest is None:
            self._undo()
            return None
        source, sender_problem = self.step5_sender(manifest)
        attachments, capture_ok, capture_problems = self.step6_attachments(opened, blobs)
        rid = self.step7_store(
            manifest,
            source,
            attachments,
            capture_ok,
            capture_problems,
            [p for p in (receipt_problem, sender_problem) if p],
            receipt_problem == "",
            proof,
            env_writer,
            key,
        )
        t = self.result._add("open_store", t)
        if not receipt_problem:
            self.step8_delete(rid, deletion_secrets(header, key))
        self.result._add("delete", t)
        return rid

    # 1. ---------------------------------------------------------------------------------------
    def step1_download(self, spool: IO[bytes]) -> EnvelopeHeader:
        index, progress = self.index, self.progress
        self.result.downloaded_bytes += self.client.download(
            index,
            _Bounded(spool, MAX_ENVELOPE_SIZE),  # type: ignore[arg-type]
            progress=(lambda d, t: progress(f"envelope {index}", d, t)) if progress else None,
        )
        self.step = "header"
        spool.seek(0)
        header = parse_header(spool.read(4 + MAX_HEADER_SIZE))
        spool.seek(0, os.SEEK_END)
        if spool.tell() != header.envelope_length():
            raise _Quarantine("download", "wrong length")
        spool.seek(0)
        h = hashlib.sha256()
        while chunk := spool.read(1 << 20):
            h.update(chunk)
        self.digest = h.digest()
        return header

    # 2. ---------------------------------------------------------------------------------------
    def step2_receipt(self) -> tuple[str, list[bytes]]:
        """A drop that serves an envelope its log does not hold at this index is misbehaving:
        the report is kept (it may be genuine) but flagged, and its slot left on the drop."""
        self.step = "receipt"
        try:
            proof = self.client.inclusion_proof(self.index, self.cp.size)
            verify_inclusion(
                leaf_hash(self.digest), self.index, self.cp.size, proof, self.cp.root_hash
            )
        except (VerificationError, ProtocolError, DropRefused) as exc:
            # A drop that refuses to prove what it serves is treated like a false proof.
            self.result.warnings.append(f"envelope {self.index}: receipt: {exc.message}")
            return f"receipt: {exc.message}", []
        return "", proof

    # 3. ---------------------------------------------------------------------------------------
    def step3_open(self, spool: IO[bytes], header: EnvelopeHeader) -> tuple[
        BlobWriter, SlotKey, OpenedReport, dict[int, BlobWriter]
    ]:
        """Keep the envelope (encrypted at rest), open it, and run the sealed-report recipe
        (:mod:`tysha.protocol.sealed_report`: split, hash, check attestations) with each
        attachment streaming into an encrypted blob."""
        # Keep the envelope itself (encrypted at rest): a court bundle carries it, with its
        # content key, so anyone can re-derive the report from the logged ciphertext.
        self.step = "store-envelope"
        spool.seek(0)
        env_writer = self._writer()
        while piece := spool.read(1 << 20):
            env_writer.write(piece)
        env_writer.close()
        self.step = "open"
        key = unwrap_slot(header, self.store.identity)
        opener = EnvelopeOpener(header, key)
        blobs: dict[int, BlobWriter] = {}

        def sink(index: int) -> BlobWriter:
            blobs[index] = self._writer()
            return blobs[index]

        # Any kind is read here; step 4 decides what belongs in this desk's inbox.
        reader = ReportReader(sink=sink, kind=None)
        spool.seek(header.size)

        def body_pieces() -> Iterator[bytes]:
            while piece := spool.read(1 << 20):
                yield piece

        pieces = opener.body(body_pieces())
        first = True
        for content in pieces:
            if first and content.startswith(_ANCHOR_PREFIX):
                # One of this desk's own custody anchors (sealed to itself): not a report.
                note = bytearray(content[len(_ANCHOR_PREFIX) :])
                for more in pieces:
                    note += more
                    if len(note) > _ANCHOR_MAX:
                        raise _Quarantine("open", "an anchor too long")
                try:
                    text = bytes(note).decode("utf-8")
                except UnicodeDecodeError:
                    raise _Quarantine("open", "an anchor not in UTF-8") from None
                raise _OwnAnchor(text)
            first = False
            reader.feed(content)
        return env_writer, key, reader.finish(), blobs

    # 4. ---------------------------------------------------------------------------------------
    def step4_manifest(self, opened: OpenedReport) -> Manifest | None:
        self.step = "manifest"
        manifest = opened.manifest
        # A share (issue 12) is for an analyst desk only; a reply or another kind sent to
        # this key is not for the inbox.
        if manifest.kind != ("share" if self.store.role == "analyst" else "report"):
            return None
        body = manifest.body
        if not isinstance(body, dict):
            raise _Quarantine("manifest", "body is not a map")
        cats = body.get("categories", [])
        if not isinstance(cats, list) or not all(isinstance(c, str) for c in cats):
            raise _Quarantine("manifest", "categories are not a list of text")
        for k, limit in (("text", _MAX_TEXT), ("when", _MAX_FIELD), ("where", _MAX_FIELD),
                         ("created_at", _MAX_FIELD)):  # fmt: skip
            v = body.get(k, "")
            if not isinstance(v, str) or len(v) > limit:
                raise _Quarantine("manifest", f"{k} is not text")
        # A share names the analyst desk it was sealed for (desk/share.py); one naming another
        # desk was re-sealed by someone who received it: not the handler's share to this desk.
        to = body.get("to")
        if manifest.kind == "share" and to is not None and to != self.store.public.fingerprint():
            raise _Quarantine("manifest", "a share addressed to another desk")
        for a in manifest.attachments:
            if not (isinstance(a.name, str) and isinstance(a.media_type, str)):
                raise _Quarantine("manifest", "attachment name is not text")
            if len(a.name) > _MAX_FIELD or len(a.media_type) > _MAX_FIELD:
                raise _Quarantine("manifest", "attachment name too long")
        return manifest

    # 5. ---------------------------------------------------------------------------------------
    def step5_sender(self, manifest: Manifest) -> tuple[Source | None, str]:
        self.step = "sender"
        if manifest.kind == "share":
            # No source here: the sender is a handler desk, trusted only once pinned.
            pinned = self.store.get_setting("pinned_handlers") or []
            if manifest.sender.to_text() in pinned:
                return None, ""
            return None, "sender: this handler desk is not pinned at this analyst desk"
        enrolment = manifest.enrolment if isinstance(manifest.enrolment, bytes) else None
        try:
            source = self.store.source_for(manifest.sender, enrolment)
        except VerificationError:
            # The sender's key is enrolled here but its record is damaged: the report is
            # kept (the source holds the drop's receipt), flagged, never trusted.
            sid = self.store.source_id_of(manifest.sender)
            if sid is None:
                raise
            self.unreadable_source = sid
            return None, (
                f"sender: the desk's record of source {sid} is damaged "
                "(restore the desk folder from your backup)"
            )
        if source is not None:
            return source, ""
        try:
            inv = self.store.invitation_for_secret(enrolment) if enrolment else None
        except VerificationError:  # one damaged record never loses the report (kept, flagged)
            return None, (
                "sender: not enrolled at this desk: the desk's record of the invitation it "
                "presents is damaged (restore the desk folder from your backup)"
            )
        state = inv.state(now_iso()) if inv is not None else ""
        if enrolment and self.store.role == "escrow" and self.store.escrow_enrolled(enrolment):
            state = "used"  # another key presented this code first (the escrow desk's record)
        if state == "used":
            return (
                None,
                "sender: this invitation already enrolled another key (leaked or reused code)",
            )
        if state == "cancelled":
            return None, (
                "sender: not enrolled at this desk: this invitation was cancelled at the desk "
                f"({inv and inv.cancelled_at}) before its first use (a leaked or lost code?)"
            )
        if state == "expired":
            return None, (
                "sender: not enrolled at this desk: this invitation expired "
                f"({inv and inv.expires_at}) before its first report reached the desk"
            )
        return None, "sender: not enrolled at this desk"

    # 6. ---------------------------------------------------------------------------------------
    def step6_attachments(
        self, opened: OpenedReport, blobs: dict[int, BlobWriter]
    ) -> tuple[list[dict[str, Any]], bool, list[str]]:
        """The recipe's checks as the desk stores them (one record per attachment)."""
        self.step = "attachments"
        attachments = []
        for check in opened.attachments:
            att, writer = check.attachment, blobs[check.index]
            attachments.append(
                {
                    "name": att.name,
                    "sha256": check.sha256.hex(),
                    "size": check.size,
                    "media_type": att.media_type,
                    "blob": writer.name,
                    "capture_verified": check.capture_verified,
                    "claims": check.claims,
                    # Claims the pure core dropped as implausible (issue 9.14): shown as a flag.
                    "implausible": list(check.implausible),
                    "attestation": att.attestation.to_bytes().hex() if att.attestation else None,
                }
            )
        return attachments, opened.capture_verified, list(opened.capture_problems)

    # 7. ---------------------------------------------------------------------------------------
    def step7_store(
        self,
        manifest: Manifest,
        source: Source | None,
        attachments: list[dict[str, Any]],
        capture_ok: bool,
        capture_problems: list[str],
        others: list[str],
        receipt_ok: bool,
        proof: list[bytes],
        env_writer: BlobWriter,
        key: SlotKey,
    ) -> str:
        self.step = "store"
        body, cp, drop = manifest.body, self.cp, self.drop
        revoked = bool(source and source.revoked)
        codes = []
        share = manifest.kind == "share"
        to = addressed_to(body)
        # A share naming no analyst desk (a handler desk before ``to``): maybe re-sealed.
        unaddressed = share and to is None
        if share:
            if others:
                codes.append("unpinned-handler")
            if unaddressed:
                codes.append("unaddressed-share")
        elif self.unreadable_source:
            codes.append("source-unreadable")
        elif source is None:
            codes.append("invitation-reused" if "already enrolled" in " ".join(others)
                         else "unenrolled-source")  # fmt: skip
        data = {
            "categories": list(body.get("categories", [])),
            "text": body.get("text", ""),
            "when": body.get("when", ""),
            "where": body.get("where", ""),
            "created_at": body.get("created_at", ""),
            "client": client_of(body),  # "browser", "app" or "unknown" (issue 11)
            "to": to,  # the handler desk's fingerprint, as the source signed it
            "received_at": now_iso(),
            "attachments": attachments,
            "capture_verified": capture_ok,
            "capture_problems": capture_problems,
            "receipt_verified": receipt_ok,
            "log_consistent": True,
            "problems": capture_problems + others,
            "flag_codes": codes,
            "checkpoint": {"size": cp.size, "root": cp.root_hash.hex(), "origin": cp.origin},
            "checkpoint_note": drop.cp_note,
            "drop_vkey": drop.vkey,
            "inclusion_proof": [h.hex() for h in proof],
            "envelope_blob": env_writer.name,
            "envelope_size": env_writer.size,
            "content_key": key.content_key.hex(),
            "drop": drop.url,
            "index": self.index,
            "envelope_digest": self.digest.hex(),
            "source_id": source.id if source else self.unreadable_source,
            "source": source.pseudonym if source else (
                "unknown (its record at this desk is damaged)" if self.unreadable_source
                else "unknown (not enrolled here)"),  # fmt: skip
            "source_key": manifest.sender.to_text(),
            "source_fingerprint": manifest.sender.fingerprint(),
            "revoked": revoked,
            "trusted": bool(source) and not revoked and capture_ok and receipt_ok,
        }
        if share:
            # A de-identified share: the opaque label is the source; the handler's key is
            # who vouches for it (desk/share.py), never a source key.
            label = str(body.get("label", ""))
            # What the handler vouches for (manifest.check_body checked both fields' form):
            # a check it does not name and every flag it sent keep the share untrusted; the
            # view shows them as the handler's (desk/views.py, ``shared-<code>``).
            checks = str(body.get("checks", ""))
            handler_flags = str(body.get("flags", "")).split()
            vouched = {"capture", "receipt"} <= set(checks.split()) and not handler_flags
            data.update({
                "source": f"source {label[:12]} (shared by {manifest.sender.fingerprint()})",
                "source_key": None, "source_label": label,
                "source_fingerprint": None,
                "shared_by": manifest.sender.fingerprint(),
                "shared_by_key": manifest.sender.to_text(),
                "handler_checks": checks,
                "handler_flags": handler_flags,
                "trusted": not others and not unaddressed and capture_ok and receipt_ok
                and vouched,
            })  # fmt: skip
        data |= {
            "manifest": manifest.to_bytes().hex(),
        }
        self.store.blobs.sync()  # its blobs' names are on disk before the report names them
        # The report and its intake events are one commit: a desk killed (or a disk full)
        # between them would keep a report that its custody never received, and the next
        # fetch, finding its digest held, would never complete it.
        with self.store.transaction():
            rid = self.store.add_report(self.digest, data)
            says_revoked = share and "revoked-source" in data["handler_flags"]
            if share and not others and (not unaddressed or says_revoked):
                # The pinned handler's latest word on this source key (desk/views.py: a key it
                # revoked taints that key's earlier shares here, as at its own desk). A share
                # naming no desk may be another analyst's: it can taint, never lift a taint.
                note_shared_key(self.store, data["shared_by"], data["source_label"], says_revoked,
                                str(body.get("shared_at") or ""))  # fmt: skip
            if receipt_ok:  # its slot is deleted next (step 8), and again until it is
                _set_undeleted(self.store, drop.url, self.index, rid)
            self.store.custody(
                "received", rid,
                {"drop": drop.url, "index": self.index, "digest": self.digest.hex()},
            )  # fmt: skip
            self.store.custody(
                "verified",
                rid,
                {
                    "capture": capture_ok,
                    "receipt": receipt_ok,
                    "log_consistent": True,
                    "revoked_source": revoked,
                },
            )
        self.writers.clear()  # stored: the blobs belong to the report now
        # C2PA manifests in its photos and videos: their validation state, sealed in the
        # report, with a custody event (desk/provenance.py; never fails the intake).
        check_attachments(self.store, rid)
        return rid

    # 8. ---------------------------------------------------------------------------------------
    def step8_delete(self, rid: str, secrets: Sequence[bytes]) -> None:
        # Stored already: a failed delete never quarantines it (the client turns any
        # malformed answer into a ProtocolError: transport/client._parse), and is tried again.
        _delete_slot(self.store, self.client, self.drop, self.index, rid, secrets, self.result)


#: Setting: for each (handler, label), the share time of the word kept (note_shared_key).
_SHARED_KEY_AT = "shared_key_at"


def note_shared_key(
    store: DeskStore, handler: str, label: str, revoked: bool, shared_at: str = ""
) -> None:
    """Keep what the latest share from ``handler`` says of the source key behind ``label``:
    latest by the share time the handler signed (``shared_at``), not by arrival: an older
    share fetched late (another drop, a slow one) never lifts a later revocation."""
    if not label:
        return
    key = shared_key(handler, label)
    times = store.get_setting(_SHARED_KEY_AT)
    times = dict(times) if isinstance(times, dict) else {}
    kept = times.get(key)
    if isinstance(kept, str) and shared_at < kept:
        return  # an older word than the one kept
    known = [k for k in store.get_setting(SHARED_REVOKED) or [] if isinstance(k, str)]
    if shared_at and kept != shared_at:
        times[key] = shared_at
        store.set_setting(_SHARED_KEY_AT, times)
    if revoked and key not in known:
        store.set_setting(SHARED_REVOKED, [*known, key])
    elif not revoked and key in known:
        store.set_setting(SHARED_REVOKED, [k for k in known if k != key])


class _Bounded:
    """A download sink that takes no more than the envelope's header declares (and never
    more than any envelope can hold): a lying drop cannot fill the desk's disk with one
    endless answer."""

    def __init__(self, sink: IO[bytes], limit: int) -> None:
        self.sink, self.limit, self.written = sink, limit, 0
        self._head = bytearray()

    def write(self, data: bytes) -> int:
        self.written += len(data)
        if len(self._head) < 4 + MAX_HEADER_SIZE:
            self._head += data[: 4 + MAX_HEADER_SIZE - len(self._head)]
            try:
                self.limit = min(self.limit, parse_header(bytes(self._head)).envelope_length())
                self._head = bytearray(b"x" * (4 + MAX_HEADER_SIZE))  # known: stop parsing
            except ProtocolError:
                pass  # not all of the header yet (or a bad one: step 1 says so)
        if self.written > self.limit:
            raise _Quarantine("download", "longer than its header says")
        return self.sink.write(data)
