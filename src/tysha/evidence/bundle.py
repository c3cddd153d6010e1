"""Court bundles: the format, what a desk writes, and the numbered checks of ``tysha verify``.

A bundle is a zip archive (the archive I/O is the caller's; this module only sees member names,
their declared sizes and their bytes, handed in through a :class:`Members` reader)::

    bundle.json                 the index: format, desk key, drop keys, reports and their flags,
                                every other member with its SHA-256 (canonical JSON)
    bundle.sig                  hex Ed25519 signature by the desk key over
                                ``BUNDLE_DOMAIN || 0x00 || bundle.json``
    README.txt                  the readable summary: every report, every flag, how to verify
    report.html                 format 3: the readable report in the team's language (index
                                ``lang``), regenerated and compared like README.txt
    report.pdf                  format 3, optional: report.html typeset (desk/report_pdf.py);
                                hashed and signed, not re-derived (verify says so)
    anchor.json                 format 3, optional: the custody head anchored in a drop's log
                                (:mod:`tysha.evidence.anchor`), with its witnessed checkpoint
    custody.json                format 3: the custody segment of these reports (their events
                                only, each with an inclusion proof into the desk-signed custody
                                head, :func:`tysha.evidence.custody.verify_segment`); formats
                                1-2: the desk's whole signed, hash-chained custody log
    reports/<id>/report.json    the report as the desk holds it (canonical JSON), its desk results
                                (trusted, revoked, log_consistent, flag_codes …) as at export;
                                never the replies the handler wrote to the source
    reports/<id>/envelope.bin   the envelope exactly as the drop logged it
    reports/<id>/content-key    the envelope's content key (hex), to re-open it
    reports/<id>/receipt.json   checkpoint note + inclusion proof of the envelope's digest
    reports/<id>/files/<n>-<name>   the original attachments, byte for byte

Who vouches for what. The *source* signed the manifest (text, categories, when, where, created
at, attachment names, sizes, media types, hashes) and each capture attestation (the capture
claims: device time, EXIF time, GPS); the *drop's log* proves the envelope holding them was
logged; the *desk* signs everything else (status, qualifications, notes, pseudonyms, custody,
flags). A report an analyst desk received as a share carries no source signature: the *handler
desk* that shared it signed its words and re-attested its attachments, and README.txt and
report.html say so. :class:`BundleVerifier` checks every evidentiary field of ``report.json``
against what the source (or handler desk) signed inside the logged envelope, and reports the
rest as the desk's assertion. A bundle re-signed with another key verifies only as UNPINNED
unless the verifier pins the desk's key (``--desk-key``), and the drop's (``--drop-key``).

Steps (each failure raises :class:`VerificationError` naming its step):

1. the archive's member count and declared sizes are within bounds, ``bundle.json`` and
   ``bundle.sig`` are present and the index is well-formed (and the reader, ``tysha verify``,
   finds nothing in the archive outside its members: no bytes before, between or after
   them, no comment, no extra field);
2. ``bundle.sig`` is the desk key's signature over ``bundle.json``, the fingerprint the index
   states is that key's, and that key is the pinned one (else UNPINNED and the signer's
   fingerprint);
3. every listed member is present with its SHA-256 (hashed as a stream), nothing unlisted is
   present, and ``README.txt`` is exactly the summary of the signed data (a source's hidden
   characters as visible tokens; a summary made before, with them raw, or saying a shared
   report is the source's word, is accepted with a note, and so is such a ``report.html``;
   one made before it named ``--tsa-root`` / ``--witness`` for an anchor carrying a
   time-stamp / witnessed checkpoint is accepted as it was);
4. per report, the envelope's digest is in the drop's log: the checkpoint is signed by the
   (pinned) drop key and the inclusion proof leads to its root, and ``report.json`` states that
   same receipt; two reports' checkpoints of one drop key for the same tree size have the
   same root (else the drop forked its log; step 7 compares the custody anchor's too);
5. the envelope opens with its content key to exactly the report's signed manifest followed by
   the bundled attachments, and every evidentiary field of ``report.json`` equals what the
   envelope holds;
6. the manifest's signature by the source key holds, and every attachment matches its capture
   attestation (SHA-256 at capture, signed by the same source key);
7. format 3: the custody head is signed by the desk key, every event is the desk's, about a
   report of the bundle, in order, included in that head, and each report's events are complete
   (per-report links); a removed, reordered or altered event is named; ``anchor.json``,
   when present: that head extends a desk-signed head logged in a drop's log (envelope,
   receipt, drop pin, content), its RFC 3161 token (under ``tsa_roots``; with roots given,
   a bundle without a token fails), which reports' receipt the anchored head records (so the
   desk held them by the token's time, the TSA's clock) and which it does not, and the drop's
   witnessed checkpoint under the witness policy (which cosignatures were checked, whose were
   not, by name and key id, so the verifier knows whose keys to obtain, and that
   the anchor's and the reports' checkpoints are in the witnessed tree; reports another drop
   logged are named as not covered by it). Formats 1-2: the
   custody log's chain and signatures hold under the desk key;
8. the desk's assertions and every flag the bundle's signed list carries, per report (the
   flags README.txt and report.html show; format 1, without a list: those each report.json
   states; a report.json stating flags the list does not is said in a note), and the provenance
   it carries (ProofMode proofs, C2PA manifests: :mod:`tysha.evidence.provenance`), printed
   as "carried provenance" with the state the desk recorded (informative, never a failure).

Pure: no I/O, no clock, no randomness. Members are read through the injected reader, which the
verifier bounds: a member yielding more than its declared size is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from tysha.errors import BadInput, ProtocolError, TyshaError, VerificationError
from tysha.evidence.anchor import AnchorResult, verify_anchor, verify_witnessed
from tysha.evidence.custody import CustodyEvent, canonical_json, verify_chain, verify_segment
from tysha.evidence.provenance import records_of
from tysha.evidence.receipts import check_drop_pins
from tysha.evidence.report_html import render_report_html, shared_by
from tysha.evidence.visible import visible
from tysha.protocol import (
    MAX_ENVELOPE_SIZE,
    ContentSplitter,
    EnvelopeOpener,
    Manifest,
    PublicIdentity,
    Receipt,
    SlotKey,
    parse_header,
    verify_signature,
)
from tysha.protocol.envelope import MAX_HEADER_SIZE
from tysha.protocol.manifest import client_of
from tysha.tlog import Checkpoint
from tysha.tlog.witness import WitnessPolicy

__all__ = [
    "ANCHOR",
    "REPORT_HTML",
    "REPORT_PDF",
    "BUNDLE_DOMAIN",
    "BUNDLE_FORMAT",
    "INDEX",
    "README",
    "SIGNATURE",
    "BundleLimits",
    "BundleResult",
    "BundleVerifier",
    "Flag",
    "MemberInfo",
    "Members",
    "Step",
    "anchor_checks",
    "build_index",
    "check_desk_pin",
    "member_name",
    "record_flags",
    "report_public",
    "summary_text",
]

#: The signature's domain separation string (the only place it is spelt).
BUNDLE_DOMAIN = b"tysha/v1 bundle"
#: Format 2 adds per-report flags and the readable summary; format 1 bundles still verify
#: (their flags are derived from ``report.json``). Format 3 carries a custody *segment* (only
#: the bundle's reports' events, each proved into a signed custody head) instead of the whole
#: custody log, which disclosed every other report's id and qualifications.
BUNDLE_FORMAT = "tysha-bundle/3"
_FORMATS = ("tysha-bundle/1", "tysha-bundle/2", BUNDLE_FORMAT)
INDEX = "bundle.json"
SIGNATURE = "bundle.sig"
README = "README.txt"
CUSTODY = "custody.json"
ANCHOR = "anchor.json"
REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"

# Fields of report.json and who vouches for them. Everything not in _CHECKED is reported as the
# desk's assertion (a new desk field is never silently taken as verified).
_FROM_MANIFEST = ("categories", "text", "when", "where", "created_at")
_CHECKED = frozenset(
    {
        *_FROM_MANIFEST,
        "attachments",
        "manifest",
        "source_key",
        "source_fingerprint",
        "envelope_digest",
        "index",
        "checkpoint",
        "checkpoint_note",
        "drop_vkey",
        "inclusion_proof",
        "envelope_size",
        "client",  # checked against the manifest when report.json has it (issue 11)
    }
)
_ATTACHMENT_FIELDS = ("name", "sha256", "size", "media_type", "claims", "attestation")
# The desk's own verification results: recomputed here, shown only through flags.
_DESK_RESULTS = frozenset(
    {
        "capture_verified",
        "capture_problems",
        "receipt_verified",
        "log_consistent",
        "problems",
        "trusted",
        "revoked",
        "flag_codes",
    }
)


def member_name(name: str) -> str:
    """An attachment's name as a member name: ASCII letters, digits, ``._-``; at most 80."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:80] or "file"


#: What a desk's record holds that never goes into a bundle: the content key (its own member),
#: the blob names (the desk's storage) and the replies the handler wrote to the source (a
#: private conversation, not the report; custody records that each was sent, not its words).
_PRIVATE = ("content_key", "envelope_blob", "replies")


def report_public(data: Mapping[str, Any]) -> dict[str, Any]:
    """``report.json``: the desk's record without what is secret, local or private
    (:data:`_PRIVATE`)."""
    out = {k: v for k, v in data.items() if k not in _PRIVATE}
    out["attachments"] = [
        {k: v for k, v in a.items() if k != "blob"} for a in data.get("attachments", [])
    ]
    return out


# --- flags ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """Why a report must not be taken at face value (the desk's codes, see desk.views)."""

    code: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "reason": self.reason}

    @classmethod
    def from_json(cls, obj: object) -> Flag:
        if not isinstance(obj, dict) or not isinstance(obj.get("code"), str):
            raise ProtocolError("malformed flag")
        return cls(obj["code"], str(obj.get("reason", "")))


def _texts(value: Any) -> list[str]:
    """A record's list of problems as text: a list's items, another value as one item."""
    if not value:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def record_flags(data: Mapping[str, Any]) -> list[Flag]:
    """Flags a desk record states by its own fields (for desks without a report view, and for
    format 1 bundles, which carry no flag list). A problem list that is not a list (a hostile
    or foreign record) is read as one problem, never a crash."""
    problems = _texts(data.get("problems"))
    out: list[Flag] = []
    if data.get("revoked") is True:
        out.append(Flag("revoked-source", "The sender's key has been revoked as compromised."))
    if data.get("capture_verified") is False:
        detail = "; ".join(_texts(data.get("capture_problems")))
        out.append(
            Flag(
                "capture-unverified",
                "An attachment's capture attestation does not verify."
                + (f" ({detail})" if detail else ""),
            )
        )
    if data.get("receipt_verified") is False:
        out.append(
            Flag("receipt-unverified", "The drop's log does not prove that it holds this report.")
        )
    if data.get("log_consistent") is False:
        out.append(
            Flag("log-forked", "The drop showed this desk two inconsistent histories of its log.")
        )
    if data.get("trusted") is False and not out:
        sender = next((p for p in problems if p.startswith("sender:")), "")
        out.append(
            Flag(
                "invitation-reused" if "reused" in sender else "unenrolled-source",
                sender.removeprefix("sender:").strip()
                or "The desk does not trust this report's sender.",
            )
        )
    return out


# --- writing ----------------------------------------------------------------------------------


def build_index(
    *,
    desk: PublicIdentity,
    desk_name: str,
    drops: Mapping[str, str],
    reports: Sequence[str],
    flags: Mapping[str, Sequence[Flag]],
    files: Mapping[str, str],
    fmt: str = BUNDLE_FORMAT,
    lang: str = "en",
) -> bytes:
    """The canonical ``bundle.json`` a desk signs (``files``: member name → SHA-256 hex).
    ``fmt`` other than the current format is for test vectors of older bundles."""
    if fmt not in _FORMATS:
        raise ValueError(f"unknown bundle format {fmt!r}")
    return canonical_json(
        {
            "format": fmt,
            "desk": {
                "name": desk_name,
                "public_key": desk.to_text(),
                "fingerprint": desk.fingerprint(),
            },
            "drops": dict(drops),
            "reports": list(reports),
            "flags": {rid: [f.to_json() for f in flags.get(rid, [])] for rid in reports},
            "files": dict(files),
            **({"lang": lang} if fmt == BUNDLE_FORMAT else {}),
        }
    )


def custody_by_report(raw: bytes) -> dict[str, list[dict[str, Any]]]:
    """A custody segment's events grouped by report, for the readable page (checked in
    step 7; anything unreadable here is simply left out, and step 7 names it)."""
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        doc = json.loads(raw)
        items = doc.get("events", []) if isinstance(doc, dict) else []
    except (ValueError, RecursionError):
        return out
    for item in items if isinstance(items, list) else []:
        ev = item.get("event") if isinstance(item, dict) else None
        if isinstance(ev, dict) and isinstance(ev.get("report"), str):
            out.setdefault(ev["report"], []).append(ev)
    return out


def anchor_checks(anchor: Any) -> tuple[bool, bool]:
    """Whether a bundle's custody anchor (``anchor.json``'s document; None: no anchor) carries
    an RFC 3161 time-stamp and a witnessed checkpoint, as step 7 reads them: what README.txt
    says to check with ``--tsa-root`` and ``--witness``."""
    if not isinstance(anchor, Mapping):
        return False, False
    return bool(anchor.get("tsa_token")), anchor.get("witnessed") is not None


def _anchor_how(time_stamped: bool, witnessed: bool) -> list[str]:
    """README.txt's lines on checking the custody anchor's time-stamp and witnesses."""
    lines: list[str] = []
    if time_stamped:
        lines += [
            "",
            "Its custody anchor carries an RFC 3161 time-stamp. To check who signed it, add",
            "the time-stamping authority's root certificate (a PEM file you obtained from the",
            "authority itself):",
            "",
            "    --tsa-root TSA_ROOT.pem",
        ]
    if witnessed:
        lines += [
            "",
            "Its custody anchor carries the drop's checkpoint cosigned by witnesses. To check",
            "their cosignatures, add each witness's key (obtained from the witness itself;",
            "verify names the witnesses it did not check):",
            "",
            "    --witness WITNESS_VKEY [--witness WITNESS_VKEY ...] [--witnesses-needed K]",
        ]
    return lines


def summary_text(
    desk_name: str,
    desk_fingerprint: str,
    drops: Mapping[str, str],
    reports: Sequence[tuple[str, Mapping[str, Any], Sequence[Flag]]],
    *,
    raw: bool = False,
    shares_as_source: bool = False,
    time_stamped: bool = False,
    witnessed: bool = False,
) -> bytes:
    """``README.txt``: what a person reads first. Every report with every flag and its reason;
    the verifier regenerates it from the signed data, so it cannot hide a flag.

    Each line shows the source's words (place, time, categories, provenance signers) with
    their control, format and separator characters as visible tokens (:mod:`visible`), so none
    adds a line or sends a terminal an escape sequence. ``raw``: as desks wrote it before
    (those characters as they are), which the verifier still accepts, and says so.

    A report an analyst desk received as a share (:func:`shared_by`) is said to be signed by
    the handler desk that shared it, not by its source (whose signature a share does not
    carry). ``shares_as_source``: as desks wrote it before, the source said to vouch for every
    report (accepted, and said).

    ``time_stamped`` / ``witnessed`` (:func:`anchor_checks`): the custody anchor carries an
    RFC 3161 time-stamp / a witnessed checkpoint, and the way to verify names ``--tsa-root`` /
    ``--witness`` too; desks wrote it before without them (accepted as it was)."""
    flagged = sum(1 for _rid, _d, fl in reports if fl)
    handlers = {rid: None if shares_as_source else shared_by(d) for rid, d, _fl in reports}
    if any(h is not None for h in handlers.values()):
        vouch = [
            "Each numbered step it prints says what it proved. For a report its source sent,",
            "the source vouches for the text, categories, time, place and attachments (and",
            "their capture claims). A report marked 'Shared by a handler desk' came to this",
            "desk from that handler desk, which signed those and re-attested the attachments:",
            "the source's own signature is not in this bundle. The drop's log proves they were",
            "logged; everything else (status, qualifications, notes, custody) is the desk's",
            "assertion.",
        ]
    else:
        vouch = [
            "Each numbered step it prints says what it proved. The source vouches for the text,",
            "categories, time, place and attachments (and their capture claims); the drop's log",
            "proves they were logged; everything else (status, qualifications, notes, custody) is",
            "the desk's assertion.",
        ]
    lines = [
        "TYSHA COURT BUNDLE",
        "",
        f"Exported by the desk {desk_name!r}, key fingerprint {desk_fingerprint}.",
        f"{len(reports)} reports; {flagged} carry flags (listed with each report).",
        "",
        "How to verify, offline, with the keys you obtained from the desk and the drop yourself",
        "(never the ones printed here: a forger would print their own):",
        "",
        "    tysha verify THIS_FILE.zip --desk-key DESK_FINGERPRINT --drop-key DROP_VKEY",
        *_anchor_how(time_stamped, witnessed),
        "",
        *vouch,
        "",
        "Drops:",
    ]
    lines += [f"  {url}  {vkey}" for url, vkey in sorted(drops.items())] or ["  (none)"]
    for rid, d, fl in reports:
        lines += ["", f"Report {rid}"]
        lines.append("  FLAGS:" if fl else "  Flags: none")
        lines += [f"    ! {f.code}: {f.reason}" for f in fl]
        cats = ", ".join(str(c) for c in d.get("categories", []) or [])
        handler = handlers[rid]
        who = "source" if handler is None else "as the handler desk signed it"
        if handler is not None:
            lines.append(f"  Shared by a handler desk, key fingerprint {handler}: it signed")
            lines.append("  this report; the source's own signature is not in this bundle")
        lines.append(f"  Categories ({who}): {cats or '-'}")
        lines.append(f"  When ({who}): {d.get('when') or '-'}")
        lines.append(f"  Where ({who}): {d.get('where') or '-'}")
        device = "source's device" + ("" if handler is None else "; as the handler desk signed it")
        lines.append(f"  Written ({device}): {d.get('created_at') or '-'}")
        if "client" in d:  # recorded since issue 11; older bundles' summaries stay identical
            lines.append(f"  Sent from (browser or app): {d.get('client')}")
        lines.append(f"  Received by the desk: {d.get('received_at') or '-'}")
        if handler is None:
            lines.append(f"  Source key fingerprint: {d.get('source_fingerprint') or '-'}")
        else:
            lines.append(f"  Source (the handler desk's label): {d.get('source_label') or '-'}")
        lines.append(f"  Drop log entry: {d.get('index')} of {d.get('drop') or '-'}")
        lines.append(f"  Envelope SHA-256: {d.get('envelope_digest') or '-'}")
        lines.append(f"  Status (desk): {d.get('status', 'new')}")
        for a in d.get("attachments", []) or []:
            if isinstance(a, Mapping):
                lines.append(
                    f"  Attachment {a.get('name')!r}: {a.get('size')} bytes, "
                    f"SHA-256 {a.get('sha256')}"
                )
        # ProofMode proofs and C2PA manifests, as the desk recorded them (not checked here).
        lines += [f"  Provenance (desk's record): {rec.summary()}" for rec in records_of(d)]
    if not raw:
        lines = [visible(line) for line in lines]
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberInfo:
    """What the archive declares about a member, before anything is read."""

    size: int  # uncompressed
    compressed: int


class Members(Protocol):
    """The archive, as the caller opened it. ``names`` may repeat (a hostile archive can)."""

    def names(self) -> Sequence[tuple[str, MemberInfo]]: ...

    def read(self, name: str) -> Iterable[bytes]:
        """The member's bytes, in pieces (the verifier stops at its declared size)."""
        ...


@dataclass(frozen=True)
class BundleLimits:
    """Bounds checked on declared sizes before anything is read (a 2 MB zip can declare
    terabytes: issue 9.16). Members are then read as streams, so memory stays bounded."""

    max_members: int = 200_000
    max_total: int = 1 << 40  # 1 TiB of declared content
    max_index: int = 64 << 20  # bundle.json, custody.json, README.txt
    max_small: int = 16 << 20  # report.json, receipt.json
    max_ratio: int = 200  # expansion of one member, beyond its first MiB
    max_attachment: int = MAX_ENVELOPE_SIZE
    max_held: int = 1 << 30  # JSON members and keys held in memory (10^4 reports: ~100 MB)


@dataclass(frozen=True)
class Step:
    """One line of the verification transcript."""

    number: int
    status: str  # "ok", "UNPINNED", "FLAG", "desk's assertion", "note", "carried provenance"
    text: str


@dataclass
class BundleResult:
    reports: int = 0
    desk_fingerprint: str = ""
    desk_pinned: bool = False
    drops_pinned: bool = False
    #: The custody anchor's time-stamp was checked only for what it covers, not its signer
    #: (no ``--tsa-root``); the witnessed checkpoint's cosignatures were not checked (no
    #: ``--witness``). Said in the closing line, as the unpinned desk and drop keys are.
    tsa_unpinned: bool = False
    witnesses_unchecked: bool = False
    flags: list[tuple[str, Flag]] = field(default_factory=list)
    #: Every drop key the checks met (the reports' and the custody anchor's), and whether it
    #: was pinned (``--drop-key``); the custody anchor's time-stamp and witnessed checkpoint:
    #: "absent", or "checked" / "unpinned" (time-stamp) and "checked" / "unchecked" (witnesses).
    #: Filled as the steps run, so a caller holding the result sees them up to a failed step.
    drop_keys: dict[str, bool] = field(default_factory=dict)
    time_stamp: str = "absent"
    witnesses: str = "absent"
    #: Flagged reports a check of which did not hold (shown as FLAG at step 4 or 6): carried
    #: because the desk flagged the failure itself, never counted as verified.
    unproved: set[str] = field(default_factory=set)

    @property
    def flagged_reports(self) -> list[str]:
        return sorted({rid for rid, _f in self.flags})

    @property
    def verified(self) -> int:
        """Reports every check of which held (flagged or not)."""
        return self.reports - len(self.unproved)

    def verdict(self, accept_flagged: bool = False) -> str:
        """The closing line; raises if flagged reports are not accepted (CLI.md: a bundle
        carrying flagged reports fails unless ``--accept-flagged``)."""
        flagged = self.flagged_reports
        if flagged and not accept_flagged:
            if self.unproved:
                raise VerificationError(
                    f"{len(flagged)} of {self.reports} reports carry flags (listed above with "
                    f"their reasons) and {len(self.unproved)} of them did not pass every check "
                    "(FLAG above); to accept flagged reports give --accept-flagged"
                )
            raise VerificationError(
                f"{len(flagged)} of {self.reports} reports carry flags (listed above with their "
                "reasons); the checks hold, but to accept flagged reports give --accept-flagged"
            )
        notes = [f"{len(flagged)} flagged reports accepted"] if flagged else []
        if self.unproved:
            notes.append(
                f"{len(self.unproved)} flagged reports did not pass every check (FLAG above)"
            )
        if not self.desk_pinned:
            notes.append(f"desk key UNPINNED (fingerprint {self.desk_fingerprint})")
        if not self.drops_pinned:
            notes.append("drop key UNPINNED")
        if self.tsa_unpinned:
            notes.append("time-stamp UNPINNED (no --tsa-root)")
        if self.witnesses_unchecked:
            notes.append("witness cosignatures not checked (no --witness)")
        tail = f"; {', '.join(notes)}" if notes else ""
        return f"bundle ok: {self.verified} reports verified offline{tail}"


_SMALL = ("report.json", "receipt.json", "content-key")
_PIECE = 1 << 16


def _fail(step: int, what: str, msg: str) -> VerificationError:
    return VerificationError(f"step {step} ({what}): {msg}")


def _why(exc: Exception) -> str:
    """Words for a person, never Python's text (which may quote hostile input)."""
    if isinstance(exc, TyshaError):
        return exc.message
    if isinstance(exc, KeyError):
        return "a part is missing"
    if isinstance(exc, (TypeError, AttributeError)):
        return "a field has the wrong type"
    return "not well-formed"


class BundleVerifier:
    """Run the numbered checks over an opened archive; ``on_step`` receives each result line.

    ``desk_pin``: the desk's public key text or fingerprint; ``drop_pins``: drop verifier keys.
    Raises :class:`VerificationError` at the first failed check; returns a :class:`BundleResult`.
    """

    def __init__(
        self,
        members: Members,
        *,
        desk_pin: str | None = None,
        drop_pins: Sequence[str] = (),
        limits: BundleLimits | None = None,
        tsa_roots: Sequence[bytes] = (),
        witness_policy: WitnessPolicy | None = None,
    ) -> None:
        self.members = members
        self.tsa_roots = list(tsa_roots)
        self.witness_policy = witness_policy
        self._report_cps: dict[str, tuple[str, Checkpoint]] = {}
        self._envelopes: dict[str, str] = {}  # report id -> its logged envelope's SHA-256 (hex)
        self._codes: dict[str, set[str]] = {}  # report id -> the codes of the flags it carries
        self._record_only: dict[str, list[Flag]] = {}  # flags only a report.json states
        self._files_index: dict[str, set[str]] | None = None
        self.desk_pin = check_desk_pin(desk_pin) if desk_pin is not None else None
        self.drop_pins = [p.lower() for p in check_drop_pins(drop_pins)]
        self.limits = limits or BundleLimits()
        self._declared: dict[str, MemberInfo] = {}

    # Members are read through here only: never past the declared size, hashed as a stream.
    def _stream(self, name: str) -> Iterator[bytes]:
        left = self._declared[name].size
        for piece in self.members.read(name):
            if len(piece) > left:
                raise VerificationError(f"{name} holds more than its declared size")
            left -= len(piece)
            yield piece
        if left:
            raise VerificationError(f"{name} holds less than its declared size")

    def _read(self, name: str, cap: int) -> bytes:
        if self._declared[name].size > cap:
            raise VerificationError(f"{name} is larger than {cap} bytes")
        return b"".join(self._stream(name))

    def run(
        self, on_step: Callable[[Step], None], result: BundleResult | None = None
    ) -> BundleResult:
        """The checks, each line to ``on_step``; ``result`` (a fresh one if None) is filled as
        they run, so a caller that passes it in still holds what was found before a failure."""
        result = BundleResult() if result is None else result
        index, raw = self._step1()
        on_step(Step(1, "ok", f"the bundle opens ({len(self._declared)} members within bounds)"))
        desk = self._step2(index, raw, result, on_step)
        small, digests = self._step3(index, result, on_step)
        drops = index["drops"]
        flags_in_index: dict[str, Any] | None = (
            index.get("flags", {}) if index["format"] != "tysha-bundle/1" else None
        )
        seen_unpinned: set[str] = set()
        for rid in index["reports"]:
            base = f"reports/{rid}"
            try:
                report = _json(small[f"{base}/report.json"])
                rec_doc = _json(small[f"{base}/receipt.json"])
                content_key = bytes.fromhex(small[f"{base}/content-key"].decode("ascii"))
                if len(content_key) != 32:
                    raise ProtocolError("the content key is not 32 bytes")
                if not isinstance(report, dict) or not isinstance(rec_doc, dict):
                    raise ProtocolError("report.json or receipt.json is not an object")
            except (KeyError, ValueError, TyshaError) as exc:
                raise _fail(4, f"report {rid}", f"incomplete or malformed ({_why(exc)})") from None
            carried = self._flags(rid, report, flags_in_index)
            codes = {f.code for f in carried}
            self._codes[rid] = codes
            proved = self._step4(
                rid, base, report, rec_doc, drops, digests, codes, seen_unpinned, on_step
            )
            if rid in self._report_cps:
                result.drop_keys[self._report_cps[rid][0]] = bool(self.drop_pins)
            manifest, piece_sha = self._step5(rid, base, report, content_key, digests, on_step)
            if not self._step6(rid, manifest, piece_sha, codes, on_step) or not proved:
                result.unproved.add(rid)
            for f in carried:
                result.flags.append((rid, f))
        result.drops_pinned = not seen_unpinned
        self._step7(small, desk, index["format"], index["reports"], on_step, result)
        for rid in index["reports"]:
            report = _json(small[f"reports/{rid}/report.json"])
            asserted = sorted(
                k
                for k in report
                if k not in _CHECKED and k not in _DESK_RESULTS and k != "provenance"
            )
            text = ", ".join(f"{k}={_short(report[k])}" for k in asserted) or "nothing"
            on_step(Step(8, "desk's assertion", f"report {rid}: {text}"))
            # ProofMode proofs and C2PA manifests the desk read (evidence/provenance.py):
            # informative, as the desk recorded them; they fail nothing here.
            for rec in records_of(report):
                on_step(Step(8, "carried provenance", f"report {rid}: {rec.summary()}"))
            if rid in self._record_only:
                stated = "; ".join(f"{f.code}: {f.reason}" for f in self._record_only[rid])
                on_step(
                    Step(
                        8,
                        "note",
                        f"report {rid}: its report.json states flags the bundle's signed flag "
                        f"list does not carry ({stated}): an earlier desk kept there what it "
                        "found at intake; the list is the desk's view at export, and README.txt "
                        "and report.html show it",
                    )
                )
            for r2, f in result.flags:
                if r2 == rid:
                    on_step(Step(8, "FLAG", f"report {rid}: {f.code}: {f.reason}"))
        result.reports = len(index["reports"])
        return result

    # 1 ---------------------------------------------------------------------------------------
    def _step1(self) -> tuple[dict[str, Any], bytes]:
        lim = self.limits
        try:
            listing = list(self.members.names())
        except TyshaError as exc:
            raise _fail(1, "bundle readable", exc.message) from None
        if len(listing) > lim.max_members:
            raise _fail(1, "bundle readable", f"{len(listing)} members (at most {lim.max_members})")
        total = 0
        for name, info in listing:
            if name in self._declared:
                raise _fail(1, "bundle readable", f"member {name!r} appears twice")
            if name.startswith("/") or "\\" in name or ".." in name.split("/"):
                raise _fail(1, "bundle readable", f"member name {name!r} is not allowed")
            if info.size < 0 or info.compressed < 0:
                raise _fail(1, "bundle readable", f"member {name!r} declares a negative size")
            cap = self._cap(name)
            if info.size > cap:
                raise _fail(
                    1, "bundle readable", f"{name} declares {info.size} bytes (at most {cap})"
                )
            if info.size > (1 << 20) and info.size > lim.max_ratio * max(info.compressed, 1):
                raise _fail(
                    1,
                    "bundle readable",
                    f"{name} expands {info.size // max(info.compressed, 1)}-fold "
                    "(a compression bomb)",
                )
            total += info.size
            self._declared[name] = info
        if total > lim.max_total:
            raise _fail(1, "bundle readable", f"{total} bytes declared (at most {lim.max_total})")
        for name in (INDEX, SIGNATURE):
            if name not in self._declared:
                raise _fail(1, "bundle readable", f"{name} is missing")
        try:
            raw = self._read(INDEX, lim.max_index)
            index = _json(raw)
            _check_index(index)
        except (TyshaError, ValueError) as exc:
            raise _fail(1, "bundle readable", f"{INDEX}: {_why(exc)}") from None
        return index, raw

    def _cap(self, name: str) -> int:
        lim = self.limits
        if name in (INDEX, CUSTODY, README, REPORT_HTML, REPORT_PDF):
            return lim.max_index
        if name == SIGNATURE:
            return 1024
        if name.endswith("/envelope.bin"):
            return MAX_ENVELOPE_SIZE
        if "/files/" in name:
            return lim.max_attachment
        return lim.max_small

    # 2 ---------------------------------------------------------------------------------------
    def _step2(
        self,
        index: dict[str, Any],
        raw: bytes,
        result: BundleResult,
        on_step: Callable[[Step], None],
    ) -> PublicIdentity:
        try:
            desk = PublicIdentity.from_text(str(index["desk"]["public_key"]))
            sig = bytes.fromhex(self._read(SIGNATURE, 1024).decode("ascii").strip())
            verify_signature(desk.sign, BUNDLE_DOMAIN, raw, sig)
        except (TyshaError, ValueError) as exc:
            raise _fail(2, "desk signature", _why(exc)) from None
        fp = desk.fingerprint()
        result.desk_fingerprint = fp
        # The index states the fingerprint too (a person or an import reads it there): it must
        # be the signing key's, never another desk's beside a forger's key.
        stated = index["desk"].get("fingerprint")
        if stated is not None and _pin_text(str(stated)) != _pin_text(fp):
            raise _fail(
                2,
                "desk signature",
                f"the index names the desk's fingerprint {str(stated)[:80]}, but the key that "
                f"signed it has fingerprint {fp}",
            )
        name = str(index["desk"].get("name", ""))
        if self.desk_pin is None:
            on_step(
                Step(
                    2,
                    "UNPINNED",
                    f"signed by a key calling itself desk {name!r}, fingerprint {fp}; no "
                    "--desk-key given, so anyone could have signed it: compare this fingerprint "
                    "with one you got from the desk itself",
                )
            )
            return desk
        if _pin_text(self.desk_pin) not in (_norm(desk.to_text()), _norm(fp)):
            raise _fail(
                2,
                "desk signature",
                f"signed by fingerprint {fp}, not by the pinned desk key",
            )
        result.desk_pinned = True
        on_step(Step(2, "ok", f"signed by the pinned desk {name!r}, fingerprint {fp}"))
        return desk

    # 3 ---------------------------------------------------------------------------------------
    def _step3(
        self, index: dict[str, Any], result: BundleResult, on_step: Callable[[Step], None]
    ) -> tuple[dict[str, bytes], dict[str, str]]:
        files: dict[str, str] = index["files"]
        small: dict[str, bytes] = {}
        earlier_page = False
        # Only members the format defines, for the reports listed: nothing rides along unchecked.
        rids = set(index["reports"])
        for name in files:
            parts = name.split("/")
            known = (
                name in (CUSTODY, README)
                or (name in (ANCHOR, REPORT_HTML, REPORT_PDF) and index["format"] == BUNDLE_FORMAT)
                or (
                    len(parts) >= 3
                    and parts[0] == "reports"
                    and parts[1] in rids
                    and (
                        (len(parts) == 3 and parts[2] in (*_SMALL, "envelope.bin"))
                        or (len(parts) == 4 and parts[2] == "files")
                    )
                )
            )
            if not known:
                raise _fail(3, "files", f"{name!r} is not a member a bundle holds")
        # The JSON members and keys are held for the later steps; their declared sizes are
        # bounded in total before any is read (envelopes and attachments are only streamed).
        held = {
            n
            for n in files
            if n in (CUSTODY, README, ANCHOR, REPORT_HTML)
            or (n.count("/") == 2 and n.endswith(_SMALL))
        }
        missing = sorted(n for n in files if n not in self._declared)
        if missing:
            raise _fail(3, "files", f"{missing[0]} is missing")
        if sum(self._declared[n].size for n in held) > self.limits.max_held:
            raise _fail(
                3, "files", f"the index and report members exceed {self.limits.max_held} bytes"
            )
        for name, want in files.items():
            h = hashlib.sha256()
            keep = name in held
            kept: list[bytes] = []
            try:
                if keep and self._declared[name].size > self._cap(name):
                    raise VerificationError(f"{name} is too large")
                for piece in self._stream(name):
                    h.update(piece)
                    if keep:
                        kept.append(piece)
            except TyshaError as exc:
                raise _fail(3, "files", f"{name} is unreadable ({exc.message})") from None
            if h.hexdigest() != want:
                raise _fail(3, "files", f"{name} was altered (SHA-256 differs)")
            if keep:
                small[name] = b"".join(kept)
        extra = set(self._declared) - set(files) - {INDEX, SIGNATURE}
        if extra:
            raise _fail(3, "files", f"unlisted members present: {sorted(extra)[:5]}")
        for rid in index["reports"]:
            for part in _SMALL + ("envelope.bin",):
                if f"reports/{rid}/{part}" not in files:
                    raise _fail(3, "files", f"report {rid} has no {part}")
        raw_made: list[str] = []  # pages made before hidden characters were shown
        as_source: list[str] = []  # pages made before shares were said to be the handler's
        shared: list[str] = []
        if index["format"] != "tysha-bundle/1":
            if CUSTODY not in small or README not in small:
                raise _fail(3, "files", f"{CUSTODY} or {README} is missing")
            desk_name = str(index["desk"].get("name", ""))
            try:
                entries = []
                for rid in index["reports"]:
                    d = _json(small[f"reports/{rid}/report.json"])
                    fl = [Flag.from_json(f) for f in index.get("flags", {}).get(rid, [])]
                    entries.append((rid, d, fl))
                shared = [rid for rid, d, _fl in entries if shared_by(d) is not None]
                fp = str(PublicIdentity.from_text(index["desk"]["public_key"]).fingerprint())
                # The anchor's time-stamp and witnesses, which README.txt says how to check
                # (as desks wrote it before: not said, accepted as it was).
                hows = list(dict.fromkeys([self._anchor_checks(small), (False, False)]))
                # As desks wrote it before: a source's characters as they are (raw), and every
                # report said to be the source's word, shares too; accepted, and said.
                found = next(
                    (
                        (raw, old)
                        for how in hows
                        for raw, old in ((False, False), (True, False))
                        + (((False, True), (True, True)) if shared else ())
                        if small[README]
                        == summary_text(
                            desk_name,
                            fp,
                            index["drops"],
                            entries,
                            raw=raw,
                            shares_as_source=old,
                            time_stamped=how[0],
                            witnessed=how[1],
                        )
                    ),
                    None,
                )
            except (TyshaError, ValueError, TypeError, AttributeError) as exc:
                raise _fail(3, "files", f"a report or flag is malformed ({_why(exc)})") from None
            if found is None:
                raise _fail(3, "files", f"{README} does not match the signed reports and flags")
            if found[0]:
                raw_made.append(README)
            if found[1]:
                as_source.append(README)
            if index["format"] == BUNDLE_FORMAT:
                raw_page, earlier_page, old_shares = self._check_page(
                    index, small, entries, bool(shared)
                )
                if raw_page:
                    raw_made.append(REPORT_HTML)
                if old_shares:
                    as_source.append(REPORT_HTML)
        on_step(Step(3, "ok", f"{len(files)} members present, unaltered, and nothing else"))
        if earlier_page:
            on_step(
                Step(
                    3,
                    "note",
                    f"{REPORT_HTML} says the custody head is anchored in the drop's log, as an "
                    "earlier desk wrote it for every bundle: this bundle carries no anchor "
                    "(step 7)",
                )
            )
        for name in raw_made:
            on_step(
                Step(
                    3,
                    "note",
                    f"{name} was made before control characters were shown as tokens: a "
                    "source's words in it may hold some that a terminal, editor or browser "
                    "acts on or hides; report.json holds the same words exactly",
                )
            )
        for name in as_source:
            on_step(
                Step(
                    3,
                    "note",
                    f"{name} says the source vouches for every report's words, as earlier desks "
                    f"wrote it: reports {', '.join(shared)} were shared by a handler desk, "
                    "which signed them; the source's own signature is not in this bundle "
                    "(step 6)",
                )
            )
        if REPORT_PDF in files:
            on_step(
                Step(
                    3,
                    "note",
                    f"{REPORT_PDF} is the desk's typesetting of {REPORT_HTML} (signed, not "
                    f"re-derived here): {REPORT_HTML} is the page checked against the data",
                )
            )
        return small, dict(files)

    @staticmethod
    def _anchor_checks(small: dict[str, bytes]) -> tuple[bool, bool]:
        """:func:`anchor_checks` of the bundle's anchor; one that does not parse is step 7's
        to name (here: nothing to say of it)."""
        try:
            return anchor_checks(_json(small[ANCHOR]) if ANCHOR in small else None)
        except ProtocolError:
            return False, False

    def _check_page(
        self,
        index: dict[str, Any],
        small: dict[str, bytes],
        entries: list[tuple[str, Any, list[Flag]]],
        shared: bool,
    ) -> tuple[bool, bool, bool]:
        """``report.html`` must be exactly the page the signed data makes (like README.txt).
        Pages of earlier desks verify too (their desk signed them), and are told apart:
        (raw, claims_anchor, as_source) - ``raw``: made before hidden characters were shown as
        tokens (a source's characters as they are); ``claims_anchor``: it says the custody head
        is anchored in a drop's log, as every page did, while the bundle carries no anchor;
        ``as_source``: it heads a shared report 'as the source signed it' (``shared``: the
        bundle holds shared reports), as every page did. A page may be all three."""
        if REPORT_HTML not in small:
            raise _fail(3, "files", f"{REPORT_HTML} is missing")
        anchored = ANCHOR in small

        def page(raw: bool, anchored: bool, as_source: bool) -> bytes:
            return render_report_html(
                lang=str(index.get("lang", "en")),
                desk_name=str(index["desk"].get("name", "")),
                desk_fingerprint=PublicIdentity.from_text(
                    index["desk"]["public_key"]
                ).fingerprint(),
                drops=index["drops"],
                reports=entries,
                custody=custody_by_report(small.get(CUSTODY, b"")),
                anchored=anchored,
                raw=raw,
                shares_as_source=as_source,
            )

        try:
            for as_source in (False, True) if shared else (False,):
                for raw, claims in ((False, anchored), (True, anchored)) + (
                    () if anchored else ((False, True), (True, True))
                ):
                    if small[REPORT_HTML] == page(raw, claims, as_source):
                        return raw, claims and not anchored, as_source
        except (TyshaError, ValueError, TypeError, AttributeError) as exc:
            raise _fail(3, "files", f"a report is malformed ({_why(exc)})") from None
        raise _fail(3, "files", f"{REPORT_HTML} does not match the signed data")

    def _flags(
        self, rid: str, report: dict[str, Any], in_index: dict[str, Any] | None
    ) -> list[Flag]:
        """The report's flags: the index's signed list (formats 2-3), which README.txt and
        report.html show, so verify and what the court reads never disagree; format 1 carries
        no list, and its record's own fields state its flags. A record stating flags the list
        does not carry (an earlier desk's report.json kept what it found at intake, such as a
        key revoked then and restored before export) is said at step 8, never hidden."""
        if in_index is None:
            return record_flags(report)
        try:
            listed = [Flag.from_json(f) for f in in_index.get(rid, [])]
        except TyshaError as exc:
            raise _fail(3, f"report {rid}", exc.message) from None
        if not listed:
            stated = record_flags(report)
            if stated:
                self._record_only[rid] = stated
        return listed

    # 4 ---------------------------------------------------------------------------------------
    def _step4(
        self,
        rid: str,
        base: str,
        report: dict[str, Any],
        rec_doc: dict[str, Any],
        drops: dict[str, str],
        digests: dict[str, str],
        codes: set[str],
        seen_unpinned: set[str],
        on_step: Callable[[Step], None],
    ) -> bool:
        """True if the envelope is proved to be in the drop's log; False if not and the desk
        flagged it (shown as FLAG); raises otherwise."""
        what = f"report {rid}, drop log"
        try:
            vkey = str(rec_doc["vkey"])
            receipt = Receipt.from_json(rec_doc["receipt"])
        except (TyshaError, KeyError, TypeError) as exc:
            raise _fail(4, what, f"receipt.json is malformed ({_why(exc)})") from None
        if drops.get(str(report.get("drop"))) != vkey:
            raise _fail(4, what, "the receipt names another drop key than the bundle's index")
        if self.drop_pins and _norm(vkey) not in self.drop_pins:
            raise _fail(4, what, f"logged by drop key {vkey!r}, not a pinned one")
        digest = bytes.fromhex(digests[f"{base}/envelope.bin"])
        self._envelopes[rid] = digest.hex()
        try:
            cp = receipt.verify(vkey, digest)
        except TyshaError as exc:
            if "receipt-unverified" not in codes:
                raise _fail(4, what, exc.message) from None
            on_step(
                Step(
                    4,
                    "FLAG",
                    f"report {rid}: NOT proved to be in the drop's log "
                    f"({exc.message}); the desk flagged this too",
                )
            )
            cp = None
        expect = {
            "envelope_digest": digest.hex(),
            "index": receipt.index,
            "checkpoint_note": receipt.checkpoint,
            "drop_vkey": vkey,
            "inclusion_proof": [h.hex() for h in receipt.proof],
        }
        for k, v in expect.items():
            if report.get(k) != v:
                raise _fail(4, what, f"report.json's {k} is not the logged receipt's")
        if cp is not None:
            self._same_history(rid, vkey, cp, codes, on_step)
            self._report_cps[rid] = (vkey, cp)
            stated = report.get("checkpoint")
            if stated != {"size": cp.size, "root": cp.root_hash.hex(), "origin": cp.origin}:
                raise _fail(4, what, "report.json's checkpoint is not the receipt's")
            if not self.drop_pins and vkey not in seen_unpinned:
                seen_unpinned.add(vkey)
                on_step(
                    Step(
                        4,
                        "UNPINNED",
                        f"drop key {vkey} was not pinned (--drop-key): the log "
                        "proves inclusion only in that key's log",
                    )
                )
            on_step(
                Step(
                    4,
                    "ok",
                    f"report {rid}: envelope is entry {receipt.index} of {cp.origin} "
                    f"(tree of {cp.size})",
                )
            )
        elif not self.drop_pins:
            seen_unpinned.add(vkey)
        return cp is not None

    def _same_history(
        self,
        rid: str,
        vkey: str,
        cp: Checkpoint,
        codes: set[str],
        on_step: Callable[[Step], None],
    ) -> None:
        """Two checkpoints of one drop key for the same tree size must have the same root: two
        roots are two histories of its log, both signed by the drop (each report's inclusion
        holds in its own tree, so nothing else here would say it). Raises, unless the desk
        flagged the fork itself (then FLAG)."""
        other = next(
            (
                r
                for r, (v, c) in self._report_cps.items()
                if v == vkey and c.size == cp.size and c.root_hash != cp.root_hash
            ),
            None,
        )
        if other is None:
            return
        said = (
            f"the drop's log forked: reports {other} and {rid} are in two different trees of "
            f"{cp.size} entries, both signed by its key"
        )
        if "log-forked" not in codes:
            raise _fail(4, f"report {rid}, drop log", said)
        on_step(Step(4, "FLAG", f"report {rid}: {said}; the desk flagged this too"))

    # 5 ---------------------------------------------------------------------------------------
    def _step5(
        self,
        rid: str,
        base: str,
        report: dict[str, Any],
        content_key: bytes,
        digests: dict[str, str],
        on_step: Callable[[Step], None],
    ) -> tuple[Manifest, dict[int, bytes]]:
        what = f"report {rid}, envelope"
        env_name = f"{base}/envelope.bin"
        hashes: dict[int, Any] = {}
        sizes: dict[int, int] = {}
        try:
            stream = self._stream(env_name)
            head = bytearray()
            for piece in stream:
                head += piece
                if len(head) >= 4 + MAX_HEADER_SIZE:
                    break
            header = parse_header(bytes(head))
            if header.envelope_length() != self._declared[env_name].size:
                raise ProtocolError("the envelope has the wrong length for its header")
            if report.get("envelope_size", header.envelope_length()) != header.envelope_length():
                raise ProtocolError("report.json states another envelope size")
            opener = EnvelopeOpener(header, SlotKey(0, content_key, b""))
            splitter = ContentSplitter()

            def body() -> Iterator[bytes]:
                yield bytes(head[header.size :])
                yield from stream

            for content in opener.body(body()):
                for ev in splitter.feed(content):
                    if ev[0] == "data":
                        hashes.setdefault(ev[1], hashlib.sha256()).update(ev[2])
                        sizes[ev[1]] = sizes.get(ev[1], 0) + len(ev[2])
            splitter.finish()
            manifest = splitter.manifest
            if manifest is None:
                raise ProtocolError("the envelope holds no manifest")
        except TyshaError as exc:
            raise _fail(5, what, exc.message) from None
        if manifest.kind not in ("report", "share"):
            raise _fail(5, what, "the envelope holds a reply, not a report")
        piece_sha = {
            n: (hashes[n].digest() if n in hashes else hashlib.sha256(b"").digest())
            for n in range(len(manifest.attachments))
        }
        problems = _compare(report, manifest, piece_sha)
        # The bundled originals must be exactly the envelope's attachments, by name and bytes.
        listed = self._files_of(digests).get(base, set())
        want_files = set()
        for n, att in enumerate(manifest.attachments):
            fname = f"{base}/files/{n}-{member_name(att.name)}"
            want_files.add(fname)
            if digests.get(fname) != piece_sha[n].hex():
                problems.append(f"the bundled file of attachment {n} ({att.name!r})")
        if listed != want_files:
            problems.append("the set of bundled files")
        if problems:
            raise _fail(
                5,
                f"report {rid}",
                "report.json or the bundled files differ from what the source signed in the "
                "logged envelope: " + ", ".join(problems[:12]),
            )
        # A share (desk/share.py) is the handler desk's de-identified copy: say whose words.
        whose = "the source's" if manifest.kind == "report" else (
            "as the handler desk shared them, de-identified "
            f"(handler fingerprint {manifest.sender.fingerprint()})"
        )
        on_step(
            Step(
                5,
                "ok",
                f"report {rid}: the envelope re-opens to this report; text, categories, "
                f"when, where, created at and attachments ({len(manifest.attachments)}: "
                f"names, hashes, capture claims) are {whose}",
            )
        )
        return manifest, piece_sha

    def _files_of(self, digests: dict[str, str]) -> dict[str, set[str]]:
        """Attachment members by report folder, indexed once (a scan per report was
        quadratic: 10^4 reports took minutes)."""
        if self._files_index is None:
            index: dict[str, set[str]] = {}
            for k in digests:
                parts = k.split("/")
                if len(parts) == 4 and parts[0] == "reports" and parts[2] == "files":
                    index.setdefault(f"reports/{parts[1]}", set()).add(k)
            self._files_index = index
        return self._files_index

    # 6 ---------------------------------------------------------------------------------------
    def _step6(
        self,
        rid: str,
        manifest: Manifest,
        piece_sha: dict[int, bytes],
        codes: set[str],
        on_step: Callable[[Step], None],
    ) -> bool:
        """True if the signature and capture attestations hold; False if not and the desk
        flagged it (shown as FLAG); raises otherwise."""
        bad = []
        for n, att in enumerate(manifest.attachments):
            try:
                if att.attestation is None:
                    raise VerificationError(f"{att.name} has no capture attestation")
                att.attestation.verify(signer=manifest.sender.sign, original_sha256=piece_sha[n])
                if (
                    att.attestation.sha256 != att.sha256
                    or att.attestation.claims.get("size") != att.size
                ):
                    raise VerificationError(f"{att.name}: the attestation is for another file")
            except TyshaError as exc:
                bad.append(exc.message)
        if bad and "capture-unverified" not in codes:
            raise _fail(6, f"report {rid}, capture", "; ".join(bad[:6]))
        if bad:
            on_step(
                Step(
                    6,
                    "FLAG",
                    f"report {rid}: capture attestations do NOT hold "
                    f"({'; '.join(bad[:3])}); the desk flagged this too",
                )
            )
            return False
        if manifest.kind == "share":
            on_step(
                Step(
                    6,
                    "ok",
                    f"report {rid}: the handler desk's re-attestations of the originals hold "
                    f"(handler fingerprint {manifest.sender.fingerprint()}); the source's own "
                    "capture signatures were checked by that handler desk, not here",
                )
            )
            return True
        on_step(
            Step(
                6,
                "ok",
                f"report {rid}: source signature and capture attestations hold "
                f"(source fingerprint {manifest.sender.fingerprint()})",
            )
        )
        return True

    # 7 ---------------------------------------------------------------------------------------
    def _step7(
        self,
        small: dict[str, bytes],
        desk: PublicIdentity,
        fmt: str,
        reports: Sequence[str],
        on_step: Callable[[Step], None],
        result: BundleResult | None = None,
    ) -> None:
        if fmt == BUNDLE_FORMAT:
            try:
                seg = verify_segment(_json(small[CUSTODY]), desk, reports)
                if canonical_json(_json(small[CUSTODY])) != small[CUSTODY]:
                    raise ProtocolError("custody.json is not in canonical form")
            except (TyshaError, KeyError) as exc:
                raise _fail(7, "custody", _why(exc)) from None
            carried = [e["event"] for e in _json(small[CUSTODY])["events"]]
            dated = [(e["seq"], e["at"]) for e in carried]
            # Where each report's envelope was recorded received (the event naming it).
            received = {
                str(e["report"]): int(e["seq"])
                for e in carried
                if e["action"] == "received"
                and isinstance(e.get("detail"), dict)
                and e["detail"].get("digest") == self._envelopes.get(str(e["report"]))
            }
            self._anchor(small, desk, seg.head, on_step, dated, reports, received, result)
            old = (
                f"; {seg.unlinked} older events carry no per-report link, so an event removed "
                "among them would not show"
                if seg.unlinked
                else ""
            )
            on_step(
                Step(
                    7,
                    "ok",
                    f"custody: {seg.events} events of these reports, in order and complete, each "
                    f"proved to be in the desk-signed custody head (log of {seg.head.size} "
                    f"events, root {seg.head.root_hash.hex()[:16]}…); nothing of other reports "
                    f"is carried{old} (the desk's assertion of what it did)",
                )
            )
            return
        try:
            raw = small[CUSTODY]
            doc = _json(raw)
            if not isinstance(doc, list):
                raise ProtocolError("custody.json is not a list")
            events = [CustodyEvent.from_json(e) for e in doc]
            verify_chain(events, desk.sign)
            if canonical_json([e.to_json() for e in events]) != raw:
                raise VerificationError("custody.json is not in canonical form")
        except (TyshaError, KeyError, ValueError, TypeError, AttributeError) as exc:
            raise _fail(7, "custody log", _why(exc)) from None
        on_step(
            Step(
                7,
                "ok",
                f"custody log of {len(events)} events is intact and signed by the desk key "
                "(the desk's assertion of what it did)",
            )
        )

    def _anchor(
        self,
        small: dict[str, bytes],
        desk: PublicIdentity,
        head: Any,
        on_step: Callable[[Step], None],
        dated: Sequence[tuple[int, str]] = (),
        reports: Sequence[str] = (),
        received: Mapping[str, int] | None = None,
        result: BundleResult | None = None,
    ) -> None:
        """Step 7's anchor; ``dated``: the (seq, time) of the custody events carried, to say
        when the desk dated ones the time-stamp covers after it (the desk's clock ran ahead);
        ``received``: report id -> the seq of the custody event recording its envelope
        received, to say which reports the anchor (and its time-stamp) bounds, and which not:
        one time-stamp line read as a bound on every report of the bundle."""
        if ANCHOR not in small:
            if self.witness_policy is not None:
                raise _fail(
                    7,
                    "witnesses",
                    "the bundle carries no witnessed checkpoint, and --witness was given",
                )
            if self.tsa_roots:
                raise _fail(
                    7, "time-stamp", "the bundle carries no time-stamp, and --tsa-root was given"
                )
            on_step(
                Step(
                    7,
                    "note",
                    "the custody head is not anchored in a drop's log (the desk had not "
                    "anchored it): custody rests on the desk's signature alone",
                )
            )
            return
        try:
            res = verify_anchor(_json(small[ANCHOR]), desk, head, self.drop_pins, self.tsa_roots)
        except TyshaError as exc:
            raise _fail(7, "custody anchor", exc.message) from None
        # The anchor's checkpoint and a report's of the same drop and tree size: one history.
        for rid, (vkey, cp) in self._report_cps.items():
            cp2 = res.drop_checkpoint
            if vkey == res.vkey and cp.size == cp2.size and cp.root_hash != cp2.root_hash:
                said = (
                    f"the drop's log forked: report {rid} and the custody anchor are in two "
                    f"different trees of {cp.size} entries, both signed by its key"
                )
                if "log-forked" not in self._codes.get(rid, set()):
                    raise _fail(7, "custody anchor", said)
                on_step(Step(7, "FLAG", f"report {rid}: {said}; the desk flagged this too"))
        if result is not None:
            result.drop_keys[res.vkey] = res.drop_pinned
        pin = "" if res.drop_pinned else f" (drop key {res.vkey} UNPINNED)"
        on_step(
            Step(
                7,
                "ok" if res.drop_pinned else "UNPINNED",
                f"custody head of {res.head.size} events was anchored as entry {res.index} of "
                f"{res.drop_checkpoint.origin} (tree of {res.drop_checkpoint.size}){pin}; "
                f"this bundle's custody head extends it",
            )
        )
        witnessed = _json(small[ANCHOR]).get("witnessed")
        self._witnessed(witnessed, res, on_step)
        if result is not None and witnessed is not None:
            result.witnesses = "checked" if self.witness_policy is not None else "unchecked"
        if result is not None and witnessed is not None and self.witness_policy is None:
            result.witnesses_unchecked = True
        if res.tsa == "none" and self.tsa_roots:
            raise _fail(
                7, "time-stamp", "the bundle carries no time-stamp, and --tsa-root was given"
            )
        if res.tsa != "none":
            status, when = res.tsa.split(" ", 1)
            if result is not None:
                result.time_stamp = "checked" if status == "verified" else "unpinned"
            if result is not None and status != "verified":
                result.tsa_unpinned = True
            on_step(
                Step(
                    7,
                    "ok" if status == "verified" else "UNPINNED",
                    f"RFC 3161 time-stamp over the anchored custody head: {when}"
                    + (
                        ""
                        if status == "verified"
                        else " (no --tsa-root given: its signer is not checked)"
                    ),
                )
            )
            held = [r for r in reports if (received or {}).get(r, res.head.size) < res.head.size]
            if held:
                on_step(
                    Step(
                        7,
                        "ok" if status == "verified" else "UNPINNED",
                        f"reports {', '.join(held)}: the anchored custody head records the "
                        "receipt of their envelopes, so the desk held them no later than "
                        f"{when} (the time-stamping authority's clock)",
                    )
                )
            late = [at for seq, at in dated if seq < res.head.size and _later(at, when, 600)]
            if late:
                on_step(
                    Step(
                        7,
                        "note",
                        f"custody events the time-stamp covers are dated up to {max(late)}, "
                        f"after the time-stamp over them ({when}): the desk's clock ran ahead; "
                        "the custody times are the desk's word, the time-stamp the TSA's",
                    )
                )
        after = [r for r in reports if (received or {}).get(r, res.head.size) >= res.head.size]
        if after:
            ids = ", ".join(after)
            text = (
                f"reports {ids}: the anchored custody head does not record their receipt: the "
                "anchor does not bound when the desk received them"
                if res.tsa == "none"
                else f"reports {ids}: the anchored custody head does not record their receipt: "
                "neither the anchor nor its time-stamp bounds when the desk received them"
            )
            on_step(Step(7, "note", text))

    def _witnessed(self, doc: Any, res: AnchorResult, on_step: Callable[[Step], None]) -> None:
        policy = self.witness_policy
        if doc is None:
            if policy is not None:
                raise _fail(7, "witnesses", "the anchor carries no witnessed checkpoint")
            return
        mine = {rid: cp for rid, (vkey, cp) in self._report_cps.items() if vkey == res.vkey}
        try:
            w = verify_witnessed(doc, res.vkey, res.drop_checkpoint, mine, policy)
        except TyshaError as exc:
            raise _fail(7, "witnesses", exc.message) from None
        left = sorted(set(mine) - set(w.covered))
        tail = f"; not yet covered: reports {', '.join(left)}" if left else ""
        # Reports logged by another drop: no witness of this bundle saw their log. Named, so
        # that a line about one drop's witnesses is not read as about the whole bundle.
        others = sorted(rid for rid, (vkey, _cp) in self._report_cps.items() if vkey != res.vkey)
        if others:
            on_step(
                Step(
                    7,
                    "note",
                    f"reports {', '.join(others)} are in another drop's log: the witnessed "
                    "checkpoint does not cover them",
                )
            )
        if w.unchecked:
            on_step(
                Step(
                    7,
                    "note",
                    f"the witnessed checkpoint carries cosignatures by {', '.join(w.unchecked)} "
                    "that were not checked: to check them, get each witness's key from the "
                    "witness itself (never from this bundle) and give it with --witness",
                )
            )
        if policy is None:
            on_step(
                Step(
                    7,
                    "note",
                    f"a cosigned checkpoint of the drop's log (tree of {w.checkpoint.size}) is "
                    "carried; no --witness given, so its cosignatures were not checked"
                    f"{tail}",
                )
            )
            return
        on_step(
            Step(
                7,
                "ok",
                f"witnessed: {w.summary}; the anchor and reports {', '.join(w.covered) or '-'} "
                f"are in the witnessed tree of {w.checkpoint.size}{tail}",
            )
        )


def _later(a: str, b: str, by_s: float) -> bool:
    """Whether the time ``a`` is more than ``by_s`` seconds after ``b`` (both ISO 8601 with a
    zone, as the desk and the TSA write them); False for anything else."""
    try:
        ta = datetime.fromisoformat(a.replace("Z", "+00:00"))
        tb = datetime.fromisoformat(b.replace("Z", "+00:00"))
        return ta.tzinfo is not None and tb.tzinfo is not None and (ta - tb).total_seconds() > by_s
    except (ValueError, TypeError, AttributeError):
        return False


def _json(raw: bytes) -> Any:
    """Parse a member as JSON; hostile nesting or encodings become a ProtocolError."""
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise ProtocolError("a member is not well-formed JSON") from None


def check_desk_pin(pin: str) -> str:
    """A desk pin is its public key text or its 30-digit fingerprint (``tysha desk info``)."""
    text = _pin_text(pin)
    if text.startswith("tysha-key"):
        try:
            PublicIdentity.from_text(pin)
        except TyshaError:
            raise BadInput("--desk-key is not a readable desk public key") from None
    elif not (text.isascii() and text.isdigit() and len(text) == 30):
        raise BadInput(
            "--desk-key is the desk's fingerprint (30 digits) or public key, "
            "as `tysha desk info --json` gives them"
        )
    return text


def _norm(text: str) -> str:
    return "".join(str(text).split()).lower()


def _pin_text(pin: str) -> str:
    """A desk pin as compared: :func:`_norm`, and a fingerprint also without the dashes people
    write between its groups (a key text keeps its own: base64url has dashes)."""
    text = _norm(pin)
    return text if text.startswith("tysha-key") else text.replace("-", "")


def _short(value: Any) -> str:
    s = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= 120 else s[:117] + "..."


def _check_index(index: Any) -> None:
    if not isinstance(index, dict):
        raise ProtocolError("the index is not an object")
    if index.get("format") not in _FORMATS:
        raise ProtocolError(f"unknown bundle format {str(index.get('format'))[:40]!r}")
    desk = index.get("desk")
    if not isinstance(desk, dict) or not isinstance(desk.get("public_key"), str):
        raise ProtocolError("the index names no desk key")
    files, drops, reports = index.get("files"), index.get("drops"), index.get("reports")
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in files.items()
    ):
        raise ProtocolError("the index's file list is malformed")
    if not isinstance(drops, dict) or not all(isinstance(v, str) for v in drops.values()):
        raise ProtocolError("the index's drop list is malformed")
    if not isinstance(reports, list) or not all(
        isinstance(r, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,64}", r) for r in reports
    ):
        raise ProtocolError("the index's report list is malformed")
    if len(set(reports)) != len(reports):
        raise ProtocolError("a report is listed twice")
    flags = index.get("flags", {})
    if not isinstance(flags, dict) or not all(isinstance(v, list) for v in flags.values()):
        raise ProtocolError("the index's flags are malformed")


def _jsonable(value: Any, depth: int = 0) -> Any:
    """A CBOR value as the desk stores it in JSON: bytes as hex, integers beyond 2^53 as text
    (JSON readers lose them), maps and lists recursively."""
    if depth > 8:
        return None
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1 << 53:
        return str(value)
    return value


def _same(actual: Any, *candidates: Any) -> bool:
    """Equal as canonical JSON (so NaN equals NaN, and 1 is not True)."""
    try:
        got = canonical_json(actual)
        return any(got == canonical_json(c) for c in candidates)
    except (TypeError, ValueError, RecursionError):
        return False


def _compare(report: dict[str, Any], manifest: Manifest, piece_sha: dict[int, bytes]) -> list[str]:
    """Every evidentiary field of report.json against the source-signed envelope.

    A desk stores the manifest's body values either as text (older desks) or as they are; both
    are the source's words, anything else is not."""
    body = manifest.body
    problems = []
    cats = body.get("categories", [])
    expect: dict[str, tuple[Any, ...]] = {
        "categories": (
            _jsonable(cats),
            *([[str(c) for c in cats]] if isinstance(cats, list) else []),
        ),
        "manifest": (manifest.to_bytes().hex(),),
        "source_key": (manifest.sender.to_text(),),
        "source_fingerprint": (manifest.sender.fingerprint(),),
    }
    if manifest.kind == "share":
        # No source key in a share: the handler's key signed it, the label stands for the source.
        del expect["source_key"], expect["source_fingerprint"]
        expect["shared_by_key"] = (manifest.sender.to_text(),)
        expect["source_label"] = (body.get("label"),)
    elif "shared_by_key" in report:
        # Only a share names a handler desk as its signer (README.txt and report.html say so).
        expect["shared_by_key"] = (None,)
    for k in ("text", "when", "where", "created_at"):
        expect[k] = (_jsonable(body.get(k, "")), str(body.get(k, "")))
    if "client" in report:  # desks before issue 11 did not store it
        expect["client"] = (client_of(body),)
    for k, want in expect.items():
        if not _same(report.get(k), *want):
            problems.append(k)
    atts = report.get("attachments")
    if not isinstance(atts, list) or len(atts) != len(manifest.attachments):
        problems.append("the attachment list")
        return problems
    for n, (mine, att) in enumerate(zip(atts, manifest.attachments, strict=True)):
        if not isinstance(mine, dict):
            problems.append(f"attachment {n} (malformed)")
            continue
        claims = att.attestation.claims if att.attestation else {}
        want_att = {
            "name": att.name,
            "sha256": piece_sha[n].hex(),
            "size": att.size,
            "media_type": att.media_type,
            "claims": _jsonable(claims),
            "attestation": att.attestation.to_bytes().hex() if att.attestation else None,
        }
        for k in _ATTACHMENT_FIELDS:
            if not _same(mine.get(k), want_att[k]):
                label = "capture claims (time, GPS)" if k == "claims" else k
                problems.append(f"attachment {n} {label}")
        # The claims the source's signed attestation holds but the pure core refused as
        # implausible (issue 9.14): derived from the envelope, so checked, when present.
        if "implausible" in mine:
            dropped = list(att.attestation.implausible) if att.attestation else []
            if not _same(mine.get("implausible"), dropped):
                problems.append(f"attachment {n} implausible claims")
        extra = (
            set(mine)
            - set(_ATTACHMENT_FIELDS)
            - {
                "capture_verified",
                "plausible",
                "blob",
                "implausible",
            }
        )
        if extra:
            problems.append(f"attachment {n} unknown fields {sorted(extra)}")
    return problems
