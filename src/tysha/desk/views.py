"""The one view of a report that every face renders.

The CLI (``desk list``/``desk show``), the web desk (inbox and report page) and the bundle's
readable summary all build their output from :class:`ReportView`, so they can never disagree
about whether a report is trusted. ``log_consistent``, ``trusted``, ``revoked`` and ``flags``
are *computed* from the desk's current state, not copied from what was stored at intake: a fork
detected later taints every report that came through that drop, and a key revoked later taints
its reports (restoring the key lifts that taint again).

Flags (``Flag.code`` is stable and machine-readable; ``Flag.reason`` is one English sentence,
a gettext msgid the faces translate):

=====================  =======================================================================
unenrolled-source      the sender's key was never enrolled at this desk
invitation-reused      the sender presented a one-time invitation that already enrolled a key
revoked-source         the sender's key is revoked now (whenever that happened)
source-unreadable      the desk's record of the sender is damaged: its revocation cannot be read
drop-unreadable        the desk's record of the drop it came through is damaged: whether that
                       drop's log was found forked cannot be read
capture-unverified     an attachment's capture attestation or hash does not hold
receipt-unverified     the drop's log does not prove it holds this envelope at its index
log-forked             the drop showed this desk two inconsistent histories of its log
implausible-claims     a capture claim is out of range (e.g. latitude beyond ±90°, NaN)
unaddressed-share      on an analyst desk: a share that does not name the analyst desk it was
                       sealed for (``to``; handler desks before the field): anyone holding its
                       plaintext could have sealed it again to this desk, so it is readable but
                       never trusted as the handler's share to this desk
shared-<code>          on an analyst desk: the handler desk that shared the report flagged it
                       ``<code>`` (one of the above) when it shared it, or (capture, receipt)
                       did not vouch for that check; ``shared-other``: a code this desk does
                       not know. The analyst cannot check these itself: it has the handler's
                       word, and shows it. ``shared-revoked-source`` also marks every share of
                       a source key (its label) that the pinned handler's latest share of that
                       key said was revoked: a key revoked later taints its earlier shares
=====================  =======================================================================

JSON (``ReportView.to_json``): the fields of CLI.md's ``desk list`` row, where ``flags`` is the
list of reasons (readable text, as CLI.md says), plus ``flag_codes`` (the stable codes, for
scripts), ``event_time`` and ``status``. ``full=True`` (``desk show``) adds the rest.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from tysha.desk.models import url_key
from tysha.evidence.provenance import ProvenanceRecord, records_of

if TYPE_CHECKING:
    from tysha.desk.models import DropState, Report, Source

__all__ = [
    "LOCAL_TIME",
    "CLIENT_LABELS",
    "FLAG_REASONS",
    "AttachmentView",
    "Flag",
    "ReportView",
    "normalise_time",
    "zoneless",
    "report_view",
    "report_views",
    "SHARED_REVOKED",
    "UNPINNED_HANDLER",
    "flag_reasons_for",
    "shared_key",
]

#: ReportView.client -> how the faces name it (a gettext msgid).
CLIENT_LABELS: dict[str, str] = {
    "browser": "the browser page",
    "app": "the app",
    "unknown": "unknown",
}

#: code -> reason (an English sentence; a gettext msgid).
FLAG_REASONS: dict[str, str] = {
    "unenrolled-source": "The sender's key was never enrolled at this desk.",
    "invitation-reused": (
        "The sender used a one-time invitation that had already enrolled another key "
        "(a leaked or reused code)."
    ),
    "revoked-source": "The sender's key has been revoked as compromised.",
    "source-unreadable": (
        "The desk's record of the sender is damaged: whether its key was revoked cannot be "
        "read (restore the desk folder from your backup)."
    ),
    "drop-unreadable": (
        "The desk's record of the drop this report came through is damaged: whether its log "
        "was found forked cannot be read (restore the desk folder from your backup)."
    ),
    "capture-unverified": "An attachment's capture attestation does not verify.",
    "receipt-unverified": "The drop's log does not prove that it holds this report.",
    "log-forked": "The drop showed this desk two inconsistent histories of its log.",
    "implausible-claims": "An attachment carries capture claims that cannot be true.",
    # A share that names no analyst desk (desk/share.py ``to``): whose share to whom is unknown.
    "unaddressed-share": (
        "This share does not name the analyst desk it was sealed for (the handler desk sent "
        "it before shares named one): it may have been shared with another desk and sealed "
        "again to this one, so it is not trusted as the handler's share to this desk."
    ),
    # A share on an analyst desk (desk/share.py): what the handler desk flagged.
    "shared-unenrolled-source": (
        "The handler desk that shared this report flagged it: the sender's key was never "
        "enrolled there."
    ),
    "shared-invitation-reused": (
        "The handler desk that shared this report flagged it: the sender used a one-time "
        "invitation that had already enrolled another key."
    ),
    "shared-revoked-source": (
        "The handler desk that shared this report flagged it: the sender's key has been "
        "revoked as compromised."
    ),
    "shared-capture-unverified": (
        "The handler desk that shared this report did not verify the capture attestations "
        "of its originals."
    ),
    "shared-receipt-unverified": (
        "The handler desk that shared this report did not verify the drop's receipt for it."
    ),
    "shared-log-forked": (
        "The handler desk that shared this report flagged it: the drop it came through "
        "showed two inconsistent histories of its log."
    ),
    "shared-implausible-claims": (
        "The handler desk that shared this report flagged it: an attachment carries capture "
        "claims that cannot be true."
    ),
    "shared-other": (
        "The handler desk that shared this report flagged it for a reason this desk does not know."
    ),
}
#: The reason of a share's ``unenrolled-source`` flag when the handler desk that sent it is
#: not pinned at this analyst desk (a gettext msgid).
UNPINNED_HANDLER = (
    "The handler desk that shared this report is not pinned at this analyst desk, so whose "
    "word it is cannot be told. Compare that desk's fingerprint with its handler in person, "
    "then pin its key (desk pin-handler); its shares are then trusted as its word."
)


def flag_reasons_for(role: str) -> dict[str, str]:
    """:data:`FLAG_REASONS` as a desk of ``role`` gives them where only a flag's code is at hand
    (an incident's ``flag_codes``, a suggestion's): an analyst desk takes shares only, so its
    ``unenrolled-source`` is always a share from a handler desk not pinned there, and says so
    (:data:`UNPINNED_HANDLER`, as that report's own view does)."""
    if role == "analyst":
        return FLAG_REASONS | {"unenrolled-source": UNPINNED_HANDLER}
    return FLAG_REASONS


#: What a share's ``checks`` must name for the handler desk to vouch for it, and the flag when
#: it does not (desk/share.py).
_SHARE_CHECKS = (("capture", "capture-unverified"), ("receipt", "receipt-unverified"))


@dataclass(frozen=True)
class Flag:
    """Why a report must not be taken at face value."""

    code: str
    reason: str

    @classmethod
    def of(cls, code: str) -> Flag:
        return cls(code, FLAG_REASONS[code])


@dataclass(frozen=True)
class AttachmentView:
    name: str
    sha256: str
    size: int
    media_type: str
    capture_verified: bool
    claims: dict[str, object]
    plausible: bool = True

    def to_json(self, full: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "sha256": self.sha256, "size": self.size}
        if full:
            out.update(
                media_type=self.media_type,
                capture_verified=self.capture_verified,
                claims=self.claims,
            )
        return out


@dataclass(frozen=True)
class ReportView:
    id: str
    categories: list[str]
    text: str
    when: str
    where: str
    received_at: str  # ISO-8601 with zone, to the second
    # The reporter's "when" (normalise_time): UTC, or a local time without zone, or a date;
    # "" if none or unreadable.
    event_time: str
    attachments: list[AttachmentView]
    capture_verified: bool
    receipt_verified: bool
    log_consistent: bool
    trusted: bool
    flags: list[Flag]
    status: str
    source: str | None
    source_fingerprint: str | None
    revoked: bool
    qualifications: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)
    replies: list[dict[str, Any]] = field(default_factory=list)
    drop: str | None = None
    index: int | None = None
    envelope_digest: str | None = None
    checkpoint: str | None = None  # "<origin> <size> <root hex>" of the checkpoint at intake
    problems: list[str] = field(default_factory=list)  # the details behind the flags
    #: Where the report came from, as the source signed it: "browser" (the drop's source page),
    #: "app" (``tysha source``) or "unknown" (a source from before the field existed).
    client: str = "unknown"
    # ProofMode proofs and C2PA manifests about its attachments (evidence/provenance.py)
    provenance: list[ProvenanceRecord] = field(default_factory=list)

    def provenance_of(self, n: int) -> list[ProvenanceRecord]:
        """The provenance records about attachment ``n`` (C2PA first)."""
        return sorted((r for r in self.provenance if r.attachment == n),
                      key=lambda r: r.kind != "c2pa")  # fmt: skip

    @property
    def flag_codes(self) -> list[str]:
        return [f.code for f in self.flags]

    @property
    def credential_states(self) -> list[str]:
        """``"invalid"`` and/or ``"unchecked"``: a capture credential about an attachment (a
        C2PA manifest, a ProofMode proof) that does not hold, or that was not read. Not a flag
        - the source's own signature on the report holds, and a photo blurred for safety after
        the camera signed it fails its credential - but a list must not say of such a report
        that all its checks passed."""
        return sorted({r.state for r in self.provenance} & {"invalid", "unchecked"})

    def has_flag(self, code: str) -> bool:
        return any(f.code == code for f in self.flags)

    def to_json(self, full: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "categories": list(self.categories),
            "text": self.text,
            "when": self.when,
            "where": self.where,
            "received_at": self.received_at,
            "event_time": self.event_time,
            "attachments": [a.to_json(full) for a in self.attachments],
            "capture_verified": self.capture_verified,
            "receipt_verified": self.receipt_verified,
            "trusted": self.trusted,
            "flags": [f.reason for f in self.flags],
            "flag_codes": self.flag_codes,
            "status": self.status,
            "client": self.client,
        }
        if self.credential_states:
            out["capture_credentials"] = self.credential_states
        if full:
            out.update(
                log_consistent=self.log_consistent,
                source=self.source,
                source_fingerprint=self.source_fingerprint,
                revoked=self.revoked,
                problems=list(self.problems),
                qualifications=list(self.qualifications),
                notes=list(self.notes),
                replies=list(self.replies),
                drop=self.drop,
                index=self.index,
                envelope_digest=self.envelope_digest,
                checkpoint=self.checkpoint,
                provenance=[r.to_json() for r in self.provenance],
            )
        return out


def pseudonym_text(p: str, gettext: Callable[[str], str]) -> str:
    """A pseudonym (``Source 3 · Amber Fox``) in a language: its number and each of its words
    through ``gettext``; anything not of that form is looked up whole. Both faces use it."""
    number, sep, words = p.partition(" · ")
    n = number.removeprefix("Source ").strip()
    if not sep or not n.isdigit():
        return gettext(p)
    return gettext("Source {n}").format(n=n) + " · " + " ".join(gettext(w) for w in words.split())


def normalise_time(value: str) -> str:
    """A reporter's time in one ISO-8601 form, so event times sort; "" when empty or not
    ISO-8601. Nothing the reporter did not say is added: a time with a zone is UTC to the
    second (``2026-03-01T14:00:00Z``); one without is the local time where it happened
    (``tysha source report --when``: no zone is guessed under occupation) and stays without
    one (``2026-03-01T10:20:00``); a bare date stays a date (``2026-03-01``)."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        if len(text) == 10:
            return _dt.date.fromisoformat(text).isoformat()
        t = _dt.datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return ""
    if t.tzinfo is None:
        return t.strftime("%Y-%m-%dT%H:%M:%S")
    return t.astimezone(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_ZONELESS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?")


def zoneless(iso: str) -> bool:
    """A time of day without a zone (a reporter's local time, :func:`normalise_time`)."""
    return _ZONELESS.fullmatch(iso) is not None


#: How the faces label a time of day given without a zone (a gettext msgid).
LOCAL_TIME = "local time, no zone given"


def _plausible(claims: Mapping[str, object]) -> bool:
    """Capture claims within physical range (issue 9.14): coordinates on Earth, no huge
    strings, no NaN. Implausible claims are kept and shown, but flagged."""
    for key, value in claims.items():
        if isinstance(value, str) and len(value) > 256:
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if key == "exif_gps":
            if not isinstance(value, (list, tuple)) or len(value) != 2:
                return False
            # [latitude, longitude] in integer micro-degrees (CaptureAttestation).
            lat, lon = value
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                return False
            if not (-90_000_000 <= lat <= 90_000_000 and -180_000_000 <= lon <= 180_000_000):
                return False
    return True


def _attachment(a: Mapping[str, Any]) -> AttachmentView:
    claims = a.get("claims")
    claims = dict(claims) if isinstance(claims, Mapping) else {}
    return AttachmentView(
        name=str(a.get("name", "")),
        sha256=str(a.get("sha256", "")),
        size=int(a.get("size", 0) or 0),
        media_type=str(a.get("media_type", "")),
        capture_verified=bool(a.get("capture_verified")),
        claims=claims,
        plausible=_plausible(claims) and not a.get("implausible"),
    )


def _checkpoint_text(cp: Any) -> str | None:
    if isinstance(cp, Mapping):
        return f"{cp.get('origin', '')} {cp.get('size', '')} {cp.get('root', '')}".strip()
    return str(cp) if cp else None


#: Settings key of an analyst desk: :func:`shared_key` of each source key the latest share
#: from a pinned handler desk said was revoked (desk/fetch.py note_shared_key keeps it).
SHARED_REVOKED = "shared_revoked_keys"


def shared_key(handler: object, label: object) -> str:
    """How a handler desk's source key (by that desk's label for it) is named in
    :data:`SHARED_REVOKED`."""
    return f"{handler} {label}"


class DeskState(Protocol):
    """What a view reads from the desk (a :class:`~tysha.desk.store.DeskStore`)."""

    def drops(self, damaged: list[str] | None = None) -> list[DropState]: ...

    def get_source(self, sid: str) -> Source: ...


class _State:
    """The desk state a view depends on, read once per listing."""

    def __init__(self, store: DeskState) -> None:
        # A fork is a property of the log, named by its key: every report whose receipt came
        # from that log is tainted, whatever address the drop was reached at.
        damaged: list[str] = []  # the address hashes of drop records that do not open
        drops = [d for d in store.drops(damaged) if d.forked]
        self.unreadable_drops = set(damaged)
        self.forked = {d.url for d in drops} | {d.vkey for d in drops if d.vkey}
        self.revoked: dict[str, bool] = {}
        self.unreadable: set[str] = set()
        self._store = store
        # On an analyst desk: the source keys (by handler and label) a pinned handler desk's
        # latest share said were revoked (desk/fetch.py note_shared_key).
        setting = getattr(store, "get_setting", None)
        shared = setting(SHARED_REVOKED) if callable(setting) else None
        self.shared_revoked = {k for k in shared or [] if isinstance(k, str)}
        # The handler desks pinned now: a share is vouched for once its sender is pinned,
        # whether it came before or after (None: a store without settings).
        pinned = setting("pinned_handlers") if callable(setting) else None
        self.pinned: set[str] | None = (
            {k for k in pinned if isinstance(k, str)} if isinstance(pinned, list) else None
        )

    def share_pinned(self, d: Mapping[str, Any], stored_codes: set[str]) -> bool:
        """Whether the handler desk that sent share ``d`` is pinned here now (a share stored
        without its sender's key: as recorded at intake)."""
        key = d.get("shared_by_key")
        if self.pinned is not None and isinstance(key, str):
            return key in self.pinned
        return "unpinned-handler" not in stored_codes

    def source_revoked(self, sid: str | None) -> bool:
        if not sid:
            return False
        if sid not in self.revoked:
            try:
                self.revoked[sid] = bool(self._store.get_source(sid).revoked)
            except Exception:  # a source row that cannot be read: flagged as that, never
                self.revoked[sid] = False  # said revoked (nor trusted)
                self.unreadable.add(sid)
        return self.revoked[sid]


def _handler_flags(d: Mapping[str, Any], key_revoked: bool = False) -> list[Flag]:
    """A share's flags as the handler desk that shared it stated them (desk/share.py): its
    flags when it shared the report, and a check it does not name in ``checks`` as not vouched
    for. A code this desk does not know is ``shared-other``: never dropped."""
    raw = d.get("handler_flags")
    if raw is None:  # a share from a handler desk before the field existed
        codes: list[str] = []
    elif isinstance(raw, list):
        codes = [c if isinstance(c, str) else "?" for c in raw]
    else:
        codes = ["?"]
    checks = str(d.get("handler_checks") or "").split()
    codes += [code for check, code in _SHARE_CHECKS if check not in checks]
    if key_revoked:  # said by a later share of the same source key
        codes.append("revoked-source")
    order = list(FLAG_REASONS)
    found = {f"shared-{c}" if f"shared-{c}" in FLAG_REASONS else "shared-other" for c in codes}
    return [Flag.of(c) for c in sorted(found, key=order.index)]


def _view(state: _State, report: Report) -> ReportView:
    d: Mapping[str, Any] = report.data
    problems = [str(p) for p in d.get("problems", [])]
    attachments = [_attachment(a) for a in d.get("attachments", []) if isinstance(a, Mapping)]
    flags: list[Flag] = []
    source_id = d.get("source_id")
    stored_codes = set(d.get("flag_codes", []))
    # A share on an analyst desk (desk/share.py) has no source row by design: it is flagged
    # only when the handler desk that vouches for it is not pinned here (now).
    pinned_share = bool(d.get("shared_by")) and state.share_pinned(d, stored_codes)
    if d.get("shared_by") and not pinned_share:
        # Not a doubt about the source: the analyst's own pin of the sharing handler is
        # missing (the code scripts read is kept).
        flags.append(Flag("unenrolled-source", UNPINNED_HANDLER))
    elif not source_id and not pinned_share:
        reused = "invitation-reused" in stored_codes or any(
            "already enrolled another key" in p for p in problems
        )
        flags.append(Flag.of("invitation-reused" if reused else "unenrolled-source"))
    # The key's state now: a revocation after intake taints earlier reports; a restore
    # (the handler found the key was not compromised) lifts it.
    revoked = state.source_revoked(source_id) if source_id else bool(d.get("revoked"))
    if revoked:
        flags.append(Flag.of("revoked-source"))
    if source_id in state.unreadable:
        flags.append(Flag.of("source-unreadable"))
    capture_ok = bool(d.get("capture_verified", True)) and all(
        a.capture_verified for a in attachments
    )
    if not capture_ok:
        flags.append(Flag.of("capture-unverified"))
    receipt_ok = bool(d.get("receipt_verified"))
    if not receipt_ok:
        flags.append(Flag.of("receipt-unverified"))
    log_ok = (
        bool(d.get("log_consistent", True))
        and d.get("drop") not in state.forked
        and d.get("drop_vkey") not in state.forked
    )
    if not log_ok:
        flags.append(Flag.of("log-forked"))
    elif state.unreadable_drops and isinstance(d.get("drop"), str) and (
        url_key(d["drop"]) in state.unreadable_drops
    ):
        flags.append(Flag.of("drop-unreadable"))
    if not all(a.plausible for a in attachments):
        flags.append(Flag.of("implausible-claims"))
    if d.get("shared_by") and not d.get("to"):
        # Not sealed for this desk under the handler's signature: maybe another's, re-sealed.
        flags.append(Flag.of("unaddressed-share"))
    if d.get("shared_by"):
        # The capture chain of a share rests on the handler's word (desk/share.py).
        # A key the pinned handler said (in a later share) was revoked taints this one too.
        later = bool(d.get("source_label")) and pinned_share and (
            shared_key(d.get("shared_by"), d.get("source_label")) in state.shared_revoked
        )
        flags += _handler_flags(d, later)
        capture_ok = capture_ok and not any(f.code == "shared-capture-unverified" for f in flags)
    received = str(d.get("received_at") or report.received_at or "")
    index = d.get("index")
    return ReportView(
        id=str(report.id),
        categories=[str(c) for c in d.get("categories", []) or []],
        text=str(d.get("text", "")),
        when=str(d.get("when", "")),
        where=str(d.get("where", "")),
        received_at=received,
        event_time=normalise_time(str(d.get("when", ""))),
        attachments=attachments,
        capture_verified=capture_ok,
        receipt_verified=receipt_ok,
        log_consistent=log_ok,
        # Trust is the absence of every flag, recomputed now.
        trusted=not flags,
        flags=flags,
        status=str(d.get("status", "new")),
        source=d.get("source"),
        source_fingerprint=d.get("source_fingerprint"),
        revoked=revoked,
        qualifications=list(d.get("qualifications", [])),
        notes=list(d.get("notes", [])),
        replies=list(d.get("replies", [])),
        drop=d.get("drop"),
        index=int(index) if isinstance(index, int) else None,
        envelope_digest=d.get("envelope_digest"),
        checkpoint=_checkpoint_text(d.get("checkpoint")),
        problems=problems,
        client=_client(d.get("client")),
        provenance=records_of(d),
    )


def _client(value: object) -> str:
    return value if isinstance(value, str) and value in ("browser", "app") else "unknown"


def report_view(store: DeskState, report: Report) -> ReportView:
    """The view of one report (``store``: a DeskStore; ``report``: a stored Report)."""
    return _view(_State(store), report)


def report_views(store: DeskState, reports: Iterable[Report]) -> list[ReportView]:
    """Views of many reports, reading the desk's drop and source state once."""
    state = _State(store)
    return [_view(state, r) for r in reports]
